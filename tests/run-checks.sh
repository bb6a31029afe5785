#!/bin/sh
# run-checks.sh - every test suite `make check` runs, in order (check-asan
# beside the short ones), with one closing line that sums them.  A suite
# that fails does not stop the others; the exit code is non-zero if any
# failed.
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
RESULTS=$BUILD/check-results
export RESULTS
mkdir -p "$BUILD"
: >"$RESULTS"
first=$(date +%s)
status=0
times=
# beside TARGET: make TARGET in the background, its output in
# $BUILD/TARGET.log, whose last line says when it was done and how long it
# took ("TARGET: done N s into make check, after M s")
beside() {
	(
		start=$(date +%s)
		$MAKE --no-print-directory "$1"
		rc=$?
		now=$(date +%s)
		echo "$1: done $((now - first)) s into make check, after $((now - start)) s"
		exit $rc
	) >"$BUILD/$1.log" 2>&1 &
}
# The endpoint's image (check-endpoint's first step, two minutes on a new
# machine: dpkg and DKMS in a chroot, mostly on one core) is built while
# the suites before it run, which leave a core idle much of the time;
# check-endpoint waits for it and then finds it current.  If it failed,
# check-endpoint builds it again and fails with the reason.
beside endpoint-image
image=$!
# The sanitizer build of the unit tests (its own objects under
# $BUILD/asan/, each test in its own mkdtemp() directory) runs beside the
# short suites that follow it, on the core they and the image leave idle;
# its output is printed whole, in its place, once they are done.  The VM
# and endpoint suites keep both cores to themselves.
beside check-asan
asan=$!

# failed SUITE: count a suite that failed without saying so in $RESULTS
failed() {
	status=1
	name=${1#check-}
	name=${name%-check}
	grep -q "^$name " "$RESULTS" || echo "$name 0 1" >>"$RESULTS"
}

for suite in check-unit check-cli check-fuzz dkms-check check-deb check-vm check-endpoint; do
	if [ "$suite" = check-vm ]; then
		echo "== check-asan (beside the suites before this line)"
		wait "$asan" || failed check-asan
		cat "$BUILD/check-asan.log"
		times="$times check-asan $(sed -n 's/^check-asan: done .*, after \([0-9]*\) s$/\1/p' "$BUILD/check-asan.log")s"
	fi
	echo "== $suite"
	start=$(date +%s)
	if [ "$suite" = check-endpoint ]; then
		wait "$image" || echo "endpoint image built beside the other suites failed (log $BUILD/endpoint-image.log)"
		grep '^endpoint-image:' "$BUILD/endpoint-image.log"
	fi
	$MAKE --no-print-directory "$suite" || failed "$suite"
	times="$times $suite $(($(date +%s) - start))s"
done
echo "== summary"
awk '{ printf "%-6s %4d passed, %d failed\n", $1, $2, $3; p += $2; f += $3 }
     END { printf "%d passed, %d failed\n", p, f }' "$RESULTS"
# where the time went: the budget for all of it is 45 min
echo "time:$times; all $(($(date +%s) - first))s"
exit $status
