#!/bin/sh
# run.sh BUILD KVER SCENARIO - one endpoint scenario: the Debian guest of
# mkimage.sh (built or reused first), booted in ONE qemu process (TCG) that
# reboots by itself (clean reboots, panics, watchdog resets) until the
# scenario powers it off.
#
# The cached image stays clean: the guest's root is a fresh qcow2 overlay
# of BUILD/endpoint/KVER/root.raw per run.  The scenario reaches the
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
#	# endpoint-mem: MIB      the guest's RAM (default 1024; EP_MEM wins)
#	# endpoint-power-cuts: N, endpoint-cut-min: S, endpoint-cut-max: S
#	                         (below)
#	(bh_cold_boot in a boot_N: power off, boot again with a command line;
#	bh_boot_kernel: the same, into a kernel the guest installed)
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
src=$(ep_scenario "$scenario")
[ -n "$src" ] || ep_die "no scenario $here/scenarios/$scenario.sh"
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
	ep_header "$src" "$1"
}
want_boots=$(header boots)
want_boots=${want_boots:-1}
want_crashes=$(header crashes)
want_crashes=${want_crashes:-0}
limit=$(ep_limit "$src")
# a guest that shares the machine (run-all.sh) boots slower: its limit
# (a guard against a stuck run, not a measure) is stretched by this much
limit=$((limit * ${EP_TIMEOUT_SCALE:-100} / 100))
# power cuts: qemu stopped at a seeded random moment of a phase of the boot
# (EP_SEED replays a run)
cuts=$(header power-cuts)
cuts=${cuts:-0}
cut_phases=$(sed -n 's/^# endpoint-cut-phases: *//p' "$src" | head -n 1)
[ "$cuts" = 0 ] || [ -n "$cut_phases" ] || ep_die "$src: endpoint-power-cuts without endpoint-cut-phases"
EP_MEM=${EP_MEM:-$(header mem)}

sh "$here/mkimage.sh" "$build" "$kver" || {
	echo "$ep_name: no image" >&2
	verdict fail
}

rm -rf "$out"
mkdir -p "$out/disk/out" "$out/disk/fixtures" "$out/disk/scenarios"
cp "$here/guest/run.sh" "$here/guest/setup.sh" "$here/guest/lib.sh" "$out/disk/"
cp "$src" "$out/disk/scenario.sh"
cp "$here"/scenarios/*.sh "$out/disk/scenarios/"
# the VM tests' content and schemas (tests/vm/fixtures), and the endpoint's own
cp "$here"/../vm/fixtures/*.json "$here"/../vm/fixtures/*.schema "$here"/fixtures/* "$out/disk/fixtures/"
# a vendor's content-signing key, made for this run (bh_sign in guest/lib.sh)
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
	-subj "/O=Bulkhead endpoint tests/CN=vendor content key" \
	-keyout "$out/disk/fixtures/vendor-content.key" \
	-out "$out/disk/fixtures/vendor-content.pem" 2>/dev/null ||
	ep_die "openssl cannot make the vendor's content key"
echo "$scenario" >"$out/disk/name"
# host steps (below); host_disk DIR puts more on the scenario disk
host_steps=$here/host/$scenario.sh
[ ! -r "$host_steps" ] || . "$host_steps"
if command -v host_disk >/dev/null; then
	host_disk "$out/disk" || ep_die "host_disk of host/$scenario.sh failed"
fi
rm -f "$out/ssh-key" "$out/ssh-key.pub"
ssh-keygen -q -t ed25519 -N '' -C "endpoint-$scenario" -f "$out/ssh-key" || ep_die "ssh-keygen failed"
mkdir -p "$out/disk/ssh"
cp "$out/ssh-key.pub" "$out/disk/ssh/authorized_keys"
ep_disk "$out/disk" "$out/disk.img"
qemu-img create -q -f qcow2 -b "$img/root.raw" -F raw "$out/root.qcow2"

echo "$ep_name: $kver, $want_boots boots, limit ${limit}s (console: $out/console.log)"
booted=$(date +%s)
# A scenario may power the machine off and ask for a cold boot with
# another kernel command line (bh_cold_boot: state/next-cmdline on the
# scenario disk, as an operator edits the boot entry at the console):
# qemu runs again on the same disks, with RAM (and pstore) lost.
#
# A scenario with "endpoint-power-cuts: N" asks for them the same way
# (bh_cold_boot from its setup boot): qemu then runs N times and is stopped
# each time in a phase of the boot (SIGTERM: qemu stops the guest at once,
# as a power cut, and keeps its own disk images consistent, as a real disk
# would); then state/final is put on the scenario disk and the machine
# boots once more for the scenario's checks.  The header names the phases,
# taken in turn, and says for each when it begins and how long it lasts:
#	# endpoint-cut-phases: guard stage
#	# endpoint-cut-guard: LO HI REGEX
# cuts the power LO to HI seconds (seeded, uniform) after the console
# first matches the extended REGEX.  A phase whose line never comes (in
# 300 s) fails the run: the cut did not test what it was meant to.
#
# A scenario may also have steps the host takes while the guest runs
# (host/SCENARIO.sh: host_STEP functions): the guest asks with bh_host STEP
# and waits; the host runs host_STEP (ssh to the guest on EP_SSH_PORT with
# $out/ssh-key, node_exporter on EP_METRICS_PORT, both on 127.0.0.1) and
# lets it go on.  Its host_disk DIR, if any, ran before the scenario disk
# was made, to put more on it (DIR is the disk's tree).
#
# The host plays the bootloader: the image's kernel, or after the guest's
# bh_boot_kernel KVER, the kernel and initrd the guest installed in its
# /boot (read off the powered-off root disk).
rc=0
cmdline=${EP_CMDLINE:-}
: >"$out/console.log"
seed=${EP_SEED:-$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}
EP_SSH_PORT=${EP_SSH_PORT:-$((20000 + $$ % 20000 * 2))}
EP_METRICS_PORT=${EP_METRICS_PORT:-$((EP_SSH_PORT + 1))}
export EP_SSH_PORT EP_METRICS_PORT
# the image's kernel (unpacked by mkimage.sh), until the guest installs
# another and asks for it
kernel=$img/root.vmlinux
initrd=$img/root.initrd

# run_qemu LIMIT: one qemu process; host steps while it runs
run_qemu() {
	# shellcheck disable=SC2086
	ep_qemu "$out/root.qcow2" "$kernel" "$initrd" "$out/disk.img" \
		"$out/console.log.part" "$1" $cmdline &
	qpid=$!
	done_steps=0
	stuck=0
	while kill -0 "$qpid" 2>/dev/null; do
		sleep 1
		# Under TCG a warm reboot now and then never gets past bringing
		# up the second vCPU (the last lines: "mtrr: your CPUs had
		# inconsistent ... settings"), long before the kernel runs
		# anything of Bulkhead's: after 90 s without the initramfs
		# starting, press qemu's reset button (RAM, and pstore, stay).
		rebooted=$(grep -a -n -e 'reboot: Restarting system' -e 'Rebooting in [0-9]* seconds' \
			"$out/console.log.part" | tail -n 1 | cut -d: -f1)
		started=$(grep -a -n 'Loading, please wait' "$out/console.log.part" | tail -n 1 | cut -d: -f1)
		if [ "${rebooted:-0}" -gt "${started:-0}" ]; then
			stuck=$((stuck + 1))
			if [ "$stuck" -ge 90 ]; then
				echo "$ep_name: note: no initramfs 90 s after a reboot (qemu TCG stuck in early boot): system_reset"
				ep_monitor "$out/console.log.part" system_reset || true
				stuck=0
			fi
		else
			stuck=0
		fi
		[ -r "$host_steps" ] || continue
		steps=$(sed -n 's/^.*bh-endpoint: host-step \([a-z0-9_]*\)\r*$/\1/p' "$out/console.log.part")
		n=0
		for st in $steps; do
			n=$((n + 1))
			[ "$n" -gt "$done_steps" ] || continue
			done_steps=$n
			echo "$ep_name: host step $st"
			"host_$st" || echo "$ep_name: host step $st failed"
		done
	done
	wait "$qpid"
}

while :; do
	run_qemu $((limit - ($(date +%s) - booted))) || rc=$?
	cat "$out/console.log.part" >>"$out/console.log"
	[ "$rc" = 0 ] || break
	next=$(debugfs -R "cat /state/next-cmdline" "$out/disk.img" 2>/dev/null) || break
	case $next in
	cmdline*) next=${next#cmdline} next=${next# } ;;
	*) break ;;
	esac
	debugfs -w -R "rm /state/next-cmdline" "$out/disk.img" >/dev/null 2>&1 ||
		ep_die "cannot remove state/next-cmdline from $out/disk.img"
	# bh_boot_kernel: the kernel the guest installed, from its /boot
	next_kver=$(debugfs -R "cat /state/next-kernel" "$out/disk.img" 2>/dev/null || true)
	if [ -n "$next_kver" ]; then
		debugfs -w -R "rm /state/next-kernel" "$out/disk.img" >/dev/null 2>&1 ||
			ep_die "cannot remove state/next-kernel from $out/disk.img"
		ep_boot_files "$out/root.qcow2" "$next_kver" "$out"
		kernel=$out/vmlinux-$next_kver
		initrd=$out/initrd.img-$next_kver
		echo "$ep_name: the guest's kernel $next_kver from its /boot"
	fi
	cmdline="${EP_CMDLINE:-} $next"
	[ "$cuts" -gt 0 ] || {
		echo "$ep_name: cold boot with: $next"
		continue
	}
	echo "$ep_name: $cuts power cuts in the phases $cut_phases, seed $seed (EP_SEED=$seed replays them)"
	i=0
	: >"$out/cuts.txt"
	for r in $(awk -v s="$seed" -v n="$cuts" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%.3f\n", rand() }'); do
		i=$((i + 1))
		phase=$(echo "$cut_phases" | awk -v i="$i" '{ print $((i - 1) % NF + 1) }')
		spec=$(sed -n "s/^# endpoint-cut-$phase: *//p" "$src" | head -n 1)
		lo=${spec%% *} spec=${spec#* }
		hi=${spec%% *} regex=${spec#* }
		[ -n "$regex" ] || ep_die "$src: no endpoint-cut-$phase: LO HI REGEX"
		at=$(awk -v r="$r" -v lo="$lo" -v hi="$hi" 'BEGIN { printf "%.1f", lo + r * (hi - lo) }')
		# the last boot's console must be gone before the wait below
		# reads it (ep_qemu, started in the background, removes it too)
		rm -f "$out/console.log.part"
		# shellcheck disable=SC2086
		ep_qemu "$out/root.qcow2" "$kernel" "$initrd" "$out/disk.img" \
			"$out/console.log.part" 400 $cmdline &
		qpid=$!
		t0=$(date +%s)
		seen=
		while kill -0 "$qpid" 2>/dev/null && [ $(($(date +%s) - t0)) -lt 300 ]; do
			if grep -a -q -E -e "$regex" "$out/console.log.part" 2>/dev/null; then
				seen=$(($(date +%s) - t0))
				break
			fi
			sleep 0.1
		done
		[ -z "$seen" ] || sleep "$at"
		pkill -TERM -f "file=$out/root.qcow2" || true
		wait "$qpid" || true
		# systemd's own line on the console, not the timeline's copy of it
		guard=$(grep -a -v 'bh-endpoint' "$out/console.log.part" |
			grep -a -c 'Finished .*bulkhead-guard.service.* - Bulkhead boot guard' || true)
		staged=$(grep -a -c 'bh-endpoint: staged [0-9]' "$out/console.log.part" || true)
		if [ -n "$seen" ]; then
			echo "$ep_name: power cut $i/$cuts: $phase, $at s after its line (${seen} s after power-on); the guard finished: $guard, stages returned: $staged"
		else
			echo "$ep_name: power cut $i/$cuts: $phase: its line never came ($regex)" >&2
			echo "phase-missed $i $phase" >>"$out/cuts-missed.txt"
		fi
		echo "power cut $i $phase at $at s: guard finished $guard staged $staged" >>"$out/cuts.txt"
		cat "$out/console.log.part" >>"$out/console.log"
	done
	printf 'cuts %s\nguard-finished %s\nstage-cuts %s\n' "$i" \
		"$(awk '{ n += $(NF - 2) } END { print n + 0 }' "$out/cuts.txt")" \
		"$(awk '$NF > 0 { n++ } END { print n + 0 }' "$out/cuts.txt")" >"$out/final"
	# the guest's last mount ended with the power: replay its journal first,
	# or the guest's replay at its next mount undoes what debugfs writes
	e2fsck -fy "$out/disk.img" >"$out/e2fsck.log" 2>&1 || [ $? -le 1 ] ||
		ep_die "the scenario disk $out/disk.img does not check (see $out/e2fsck.log)"
	debugfs -w -R "write $out/final /state/final" "$out/disk.img" >/dev/null 2>&1 ||
		ep_die "cannot write state/final to $out/disk.img"
	cuts=0
done
rm -f "$out/console.log.part"
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
# with power cuts, how many boots reached the scenario is chance
[ -n "$(header power-cuts)" ] || [ "$boots" = "$want_boots" ] ||
	fail="${fail:+$fail; }$boots boots, expected $want_boots"
[ "$crashes" = "$want_crashes" ] || fail="${fail:+$fail; }$crashes panics, expected $want_crashes"
[ ! -s "$out/cuts-missed.txt" ] ||
	fail="${fail:+$fail; }$(wc -l <"$out/cuts-missed.txt") power cut(s) missed their phase"
if [ -n "$fail" ]; then
	echo "$ep_name: $fail (console $out/console.log, results $out/results)" >&2
	verdict fail
fi
verdict pass
