#!/bin/sh
# run.sh BUILD KVER SCENARIO - one endpoint scenario: the Debian guest of
# mkimage.sh (built or reused first), booted in ONE qemu process (TCG) that
# reboots by itself (clean reboots, panics, watchdog resets) until the
# scenario powers it off.
#
# The cached image stays clean: the guest's root is a fresh qcow2 overlay
# of BUILD/endpoint/KVER/prov.qcow2 per run.  The scenario reaches the
# guest on a second small disk (ext4, label BHTEST: guest/run.sh,
# guest/lib.sh, scenarios/SCENARIO.sh as scenario.sh, fixtures/); the
# image's bh-endpoint.service runs it at every boot, and it leaves what
# each boot collected (the journal as `journalctl -o json`, `bulkheadctl
# status --json`, the boot's timeline) in the disk's out/, which is read
# back here with debugfs.  Everything of a run is in
# BUILD/endpoint/KVER/runs/SCENARIO/: console.log (the serial console),
# results/out/boot-N/, results/state/.
#
# A scenario's header may say
#	# endpoint-boots: N      the run must take exactly N boots (default 1)
#	# endpoint-crashes: N    exactly N kernel panics on the console (default 0)
#	# endpoint-timeout: S    qemu's limit in seconds (default 150 a boot)
# Every scenario file is on the disk too ($BH_DIR/scenarios/), so that a
# variant can be a header and one line sourcing another scenario.
# The run passes with the guest's "bh-endpoint: PASS" and those counts.
# Last line:
#	endpoint-SCENARIO KVER: pass|fail boots B crashes C time Ts
# and "SCENARIO PASSED FAILED" goes to $RESULTS when set.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
[ $# -eq 3 ] || {
	echo "usage: $0 BUILD KVER SCENARIO" >&2
	exit 2
}
mkdir -p "$1"
build=$(cd "$1" && pwd)
kver=$2
scenario=$3
ep_name=endpoint-$scenario
src=$here/scenarios/$scenario.sh
[ -r "$src" ] || ep_die "no scenario $src"
img=$build/endpoint/$kver
out=$img/runs/$scenario
start=$(date +%s)

verdict() {
	echo "endpoint-$scenario $kver: $1 boots ${boots:-0} crashes ${crashes:-0} time $(($(date +%s) - start))s"
	if [ -n "${RESULTS:-}" ]; then
		if [ "$1" = pass ]; then echo "$scenario 1 0"; else echo "$scenario 0 1"; fi >>"$RESULTS"
	fi
	[ "$1" = pass ]
}

header() {
	sed -n "s/^# endpoint-$1: *\([0-9][0-9]*\).*/\1/p" "$src" | head -n 1
}
want_boots=$(header boots)
want_boots=${want_boots:-1}
want_crashes=$(header crashes)
want_crashes=${want_crashes:-0}
limit=$(header timeout)
limit=${limit:-$((150 * want_boots))}

sh "$here/mkimage.sh" "$build" "$kver" || {
	echo "$ep_name: no image" >&2
	verdict fail
}

rm -rf "$out"
mkdir -p "$out/disk/out" "$out/disk/fixtures" "$out/disk/scenarios"
cp "$here/guest/run.sh" "$here/guest/lib.sh" "$out/disk/"
cp "$src" "$out/disk/scenario.sh"
cp "$here"/scenarios/*.sh "$out/disk/scenarios/"
cp "$here"/fixtures/* "$out/disk/fixtures/"
echo "$scenario" >"$out/disk/name"
ep_disk "$out/disk" "$out/disk.img"
qemu-img create -q -f qcow2 -b "$img/prov.qcow2" -F qcow2 "$out/root.qcow2"

echo "$ep_name: $kver, $want_boots boots, limit ${limit}s (console: $out/console.log)"
booted=$(date +%s)
rc=0
ep_qemu "$out/root.qcow2" "$img/prov.vmlinuz" "$img/prov.initrd" "$out/disk.img" \
	"$out/console.log" "$limit" ${EP_CMDLINE:-} || rc=$?
ran=$(($(date +%s) - booted))
ep_results "$out/disk.img" "$out/results"
debugfs -R "rdump /state $out/results" "$out/disk.img" >/dev/null 2>&1 || true

boots=$(cat "$out/results/state/boots" 2>/dev/null || echo 0)
crashes=$(grep -c 'Kernel panic - not syncing' "$out/console.log" || true)
# the scenario's own lines, without the console's time stamp and unit prefix
sed -n 's/^.*bh-endpoint: //p' "$out/console.log" >"$out/scenario.log"
grep -e '^boot [0-9]* of ' -e '^guard: ' -e '^ok: ' -e '^FAILED' -e '^PASS' -e '^FAIL' -e '^note: ' \
	"$out/scenario.log" | sed "s/^/$ep_name: /"
ups=$(sed -n 's/^boot \([0-9]*\) of .*, up \([0-9.]*\) s,.*/\2/p' "$out/scenario.log" | tr '\n' ' ')
echo "$ep_name: qemu ran ${ran}s; the scenario started at uptime (s, per boot): $ups"

fail=
[ "$rc" = 0 ] || fail="qemu exited $rc (124: the ${limit}s limit)"
grep -q '^PASS ' "$out/scenario.log" || fail="${fail:+$fail; }no PASS from the guest"
[ "$boots" = "$want_boots" ] || fail="${fail:+$fail; }$boots boots, expected $want_boots"
[ "$crashes" = "$want_crashes" ] || fail="${fail:+$fail; }$crashes panics, expected $want_crashes"
if [ -n "$fail" ]; then
	echo "$ep_name: $fail (console $out/console.log, results $out/results)" >&2
	verdict fail
fi
verdict pass
