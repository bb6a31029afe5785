#!/bin/sh
# run-all.sh BUILD KVER [SCENARIO...] - `make check-endpoint`: the endpoint
# image for KVER (mkimage.sh; built or reused), then every scenario in
# scenarios/ (or the ones named; "endpoint-in-check: no" in a header
# leaves one out of the default list).
#
# EP_JOBS scenarios (default 2, the machine's cores) run at the same time,
# each in its own qemu with one vCPU (EP_SMP=1): under TCG a guest with two
# vCPUs keeps about 1.4 host cores busy, so two one-vCPU guests side by
# side get through the list sooner.  The longest first (their
# endpoint-timeout), so that the last to finish is a short one.  A
# scenario whose header says "endpoint-alone: yes" (for one whose timing
# would be part of what it tests; none is now: power-cuts cuts at moments
# it waits for on the console) runs after the others, alone, with two
# vCPUs.  EP_JOBS=1 runs them one after the other, two vCPUs each, and so
# does a single scenario asked for.  A guest beside another boots two to
# three times slower than alone: its qemu time limit (endpoint-timeout) is
# doubled.  Each run's output is printed whole when it ends.
# Last line: endpoint KVER: N passed, M failed (image Xs, scenarios Ys)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -ge 2 ] || {
	echo "usage: $0 BUILD KVER [SCENARIO...]" >&2
	exit 2
}
build=$1
kver=$2
shift 2
summary=${RESULTS:-}
[ -n "$kver" ] || {
	echo "endpoint: no kernel (ENDPOINT_KVER): install linux-image-amd64 and linux-headers-amd64" >&2
	[ -z "$summary" ] || echo "endpoint 0 1" >>"$summary"
	exit 1
}
# every scenario but those whose header says "endpoint-in-check: no"
# (they run when named)
if [ $# -eq 0 ]; then
	for f in "$here"/scenarios/*.sh; do
		n=${f##*/}
		[ "$(ep_header "$f" in-check)" = no ] || set -- "$@" "${n%.sh}"
	done
fi
total=$#
jobs=${EP_JOBS:-2}
start=$(date +%s)
sh "$here/mkimage.sh" "$build" "$kver" || {
	[ -z "$summary" ] || echo "endpoint 0 $total" >>"$summary"
	exit 1
}
imaged=$(date +%s)
RESULTS=$(mktemp)
logs=$(mktemp -d)
export RESULTS
trap 'rm -rf "$RESULTS" "$logs"' EXIT

# the scenarios that may share the machine, longest first; then the others
together=
alone=
for s in "$@"; do
	f=$(ep_scenario "$s")
	# one scenario asked for has the machine to itself
	if [ -z "$f" ] || [ "$(ep_header "$f" alone)" = yes ] || [ "$jobs" -le 1 ] || [ "$total" = 1 ]; then
		alone="$alone $s"	# (run.sh says so of an unknown one)
	else
		together="$together
$(ep_limit "$f") $s"
	fi
done
together=$(printf '%s\n' "$together" | sort -k1,1nr -k2 | awk 'NF { print $2 }')

# finished: print and forget the runs that ended; $running is what is left
finished() {
	left=
	for r in $running; do
		if kill -0 "${r%%:*}" 2>/dev/null; then
			left="$left $r"
		else
			wait "${r%%:*}" || true
			cat "$logs/${r#*:}.log"
		fi
	done
	running=$left
}

running=
for s in $together; do
	while [ "$(echo $running | wc -w)" -ge "$jobs" ]; do
		sleep 2
		finished
	done
	echo "endpoint: $s started (one vCPU, $(($(echo $running | wc -w) + 1)) running)"
	EP_SMP=1 EP_TIMEOUT_SCALE=200 sh "$here/run.sh" "$build" "$kver" "$s" >"$logs/$s.log" 2>&1 &
	running="$running $!:$s"
done
while [ -n "$running" ]; do
	sleep 2
	finished
done
for s in $alone; do
	sh "$here/run.sh" "$build" "$kver" "$s" || true
done

passed=$(awk '{ n += $2 } END { print n + 0 }' "$RESULTS")
failed=$(awk '{ n += $3 } END { print n + 0 }' "$RESULTS")
# a run that printed no verdict (an unknown scenario, a dead run.sh) failed
[ "$passed" = "$total" ] || failed=$((total - passed))
echo "endpoint $kver: $passed passed, $failed failed" \
	"(image $((imaged - start)) s, scenarios $(($(date +%s) - imaged)) s)"
[ -z "$summary" ] || echo "endpoint $passed $failed" >>"$summary"
[ "$failed" = 0 ]
