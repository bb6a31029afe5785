#!/bin/sh
# bench.sh BUILD KVER - `make bench` on the endpoint (tests/endpoint/):
#
#  recovery  for take-oops (content that oopses its sensor, issue 13's
#            scenario 2) and hang-watchdog (a sensor that freezes the
#            machine at boot, scenario 4): boots and wall-clock seconds from
#            the moment the bad content went in (the guest's state/bad-at)
#            to the boot marked good (its good_at in status --json);
#  at boot   the guard's and the loader's time in a healthy boot
#            (systemd-analyze blame's measure), against systemd-modules-load bringing
#            up the same modules in the same run (bench/modules-load.sh:
#            the shim, acme_execcount and bh_noop; the loader also pushes
#            bh_noop's content) and against systemd-modules-load's time with
#            ramoops alone, in the loader's boot.
#
# Figures, not verdicts: each scenario must pass, the times are reported.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -eq 2 ] || {
	echo "usage: $0 BUILD KVER" >&2
	exit 2
}
build=$1
kver=$2
runs=$build/endpoint/$kver/runs
log=$build/endpoint-bench.log
: >"$log"
for s in take-oops hang-watchdog modules-load; do
	if ! sh "$here/run.sh" "$build" "$kver" "$s" >>"$log" 2>&1; then
		tail -n 15 "$log" >&2
		echo "endpoint bench: $s failed (log $log)" >&2
		exit 1
	fi
done

# recovery SCENARIO: "R reboot(s), S s" from the bad content to good
recovery() {
	r=$runs/$1/results
	bad=$(cat "$r/state/bad-at")
	# the guard's id of the boot the bad content went in (the scenario
	# counts only the boots it ran in), and of the last good one
	bad_id=$(jq .state.current_boot "$r/out/boot-$(cat "$r/state/bad-boot")/status.json")
	st=$r/out/boot-$(cat "$r/state/boots")/status.json
	good=$(jq -r '[.state.boots[] | select(.good_at != 0)] | max_by(.id) | "\(.id) \(.good_at)"' "$st")
	awk -v b="$bad" -v n=$((${good% *} - bad_id)) -v g="${good#* }" \
		'BEGIN { printf "%d reboot%s, %.0f s", n, n == 1 ? "" : "s", g - b }'
}

# blame SCENARIO BOOT UNIT: UNIT's start time in ms in that boot (the
# guest's unit-times.txt: from leaving inactive to active, as blame counts)
blame() {
	awk -v u="$3" '$1 == u { print $2; found = 1 } END { if (!found) print "-" }' \
		"$runs/$1/results/out/boot-$2/unit-times.txt"
}

echo "endpoint bench $kver (qemu TCG, 2 vCPUs):"
echo "  take-oops (scenario 2), bad content to a good boot: $(recovery take-oops)"
echo "  hang-watchdog (scenario 4), bad content to a good boot: $(recovery hang-watchdog)"
guard=$(blame modules-load 3 bulkhead-guard.service)
loader=$(blame modules-load 3 bulkhead-load.service)
ml_same=$(blame modules-load 2 systemd-modules-load.service)
ml_ramoops=$(blame modules-load 3 systemd-modules-load.service)
echo "  at boot: bulkhead-guard $guard ms; bulkhead-load $loader ms (the shim, 2 extensions, 1 content push)"
echo "  systemd-modules-load: $ml_same ms with ramoops and the same 3 modules, $ml_ramoops ms with ramoops alone"
awk -v l="$loader" -v a="$ml_same" -v b="$ml_ramoops" 'BEGIN {
	if (a - b > 0) printf "  ratio bulkhead-load / systemd-modules-load for the same modules: %.2f\n", l / (a - b)
}'
