#!/bin/sh
# run-checks.sh - every test suite `make check` runs, in order, with one
# closing line that sums them.  A suite that fails does not stop the
# others; the exit code is non-zero if any failed.
set -u
BUILD=${BUILD:-build}
MAKE=${MAKE:-make}
RESULTS=$BUILD/check-results
export RESULTS
mkdir -p "$BUILD"
: >"$RESULTS"
status=0
times=
for suite in check-unit check-asan check-cli check-fuzz dkms-check check-deb check-vm check-endpoint; do
	echo "== $suite"
	start=$(date +%s)
	if ! $MAKE --no-print-directory "$suite"; then
		status=1
		name=${suite#check-}
		name=${name%-check}
		grep -q "^$name " "$RESULTS" || echo "$name 0 1" >>"$RESULTS"
	fi
	times="$times $suite $(($(date +%s) - start))s"
done
echo "== summary"
awk '{ printf "%-6s %4d passed, %d failed\n", $1, $2, $3; p += $2; f += $3 }
     END { printf "%d passed, %d failed\n", p, f }' "$RESULTS"
# where the time went: the budget for all of it is 45 min
echo "time:$times"
exit $status
