#!/bin/sh
# run.sh KVER SCENARIO [KERNEL-CMDLINE...] - boot Debian's kernel KVER in
# qemu (TCG) with the test initramfs, run one scenario as /init, and judge
# the run from the serial console, WireGuard-style: it passes only if
#
#   - the guest printed "BULKHEAD-VM-OK SCENARIO" (every in-guest check
#     passed, including the guest's own scan of the full kernel log),
#   - no kernel line on the console shows a warning, BUG, oops, call
#     trace, GPF, panic, lockup or stall, except the oopses the scenario
#     declares ("# vm-expect-oops: N" in its header: exactly N of them),
#   - the guest's final taint flags hold nothing but O and E (and D where
#     an oops is expected).
#
# A scenario's header may also give "# vm-cmdline: ..." (kernel command
# line it needs) and "# vm-timeout: SECONDS" (its own running time; 30 s
# for the boot come on top, TCG boots sometimes stall for seconds).
# "# vm-env: NAME[=DEFAULT]..." names host environment variables the
# guest gets: each one set (or defaulted) goes on the kernel command line
# as bhvm.env.NAME=VALUE, which init.sh exports to the scenario; the
# value may hold letters, digits and ._,:- only.  vm-timeout may then add
# such a variable's value: "# vm-timeout: 150 + STRESS_SECONDS".
# Scenarios that expect no oops boot with oops=panic, so an unexpected
# oops ends the VM at once instead of leaving a half-dead guest to time
# out; panic=-1 with -no-reboot turns any panic into qemu exiting.
#
# TCG runs single-threaded (both vCPUs on one host thread): with one
# thread per vCPU, qemu 7.2 sometimes lets a vCPU run stale translated
# code while the kernel live-patches its text (static keys flipped at
# boot or by a tracepoint the shim attaches), and the guest dies on a
# stray int3 ("Oops: int3" in sched_clock_idle_wakeup_event, seen once
# in a few dozen 6.12 boots).  Two guest CPUs still exercise the per-CPU
# breadcrumbs and RCU waits.
#
# VM_DISK=FILE attaches FILE as a raw virtio disk (/dev/vda in the guest;
# the benchmarks put their state directory on it, see bench-load.sh).
#
# The console goes to BUILD/vm/KVER/SCENARIO.log, the ok/FAIL lines to
# SCENARIO.results.  The last line printed is machine-readable for
# run-all.sh:  vm-run KVER SCENARIO pass=N fail=M time=S verdict=PASS|FAIL
# BUILD defaults to build/ in the source tree; QUIET=1 prints only FAIL
# lines and the last line.
set -eu

[ $# -ge 2 ] || {
	echo "usage: $0 KVER SCENARIO [KERNEL-CMDLINE...]" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kver=$1
scen=$2
shift 2
build=${BUILD:-$top/build}
case $build in /*) ;; *) build=$top/$build ;; esac
sfile=$here/scenarios/$scen.sh
# benchmarks boot the same way but are not part of run-all.sh
[ -f "$sfile" ] || sfile=$here/bench/$scen.sh
kernel=/boot/vmlinuz-$kver
out=$build/vm/$kver
initrd=$out/initramfs.cpio.gz
log=$out/$scen.log
results=$out/$scen.results

die() {
	echo "run.sh: $*" >&2
	echo "vm-run $kver $scen pass=0 fail=1 time=0 verdict=FAIL"
	exit 1
}

[ -f "$sfile" ] || die "no scenario $sfile"
[ -r "$kernel" ] || die "no kernel $kernel"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed"
mkdir -p "$out"
# the same kernel, unpacked on the host: no decompression in every boot
sh "$top/tests/unpack-kernel.sh" "$kernel" "$out/vmlinux" || die "cannot unpack $kernel"
kernel=$out/vmlinux

# rebuild the initramfs when it is missing or older than anything in it
if [ ! -f "$initrd" ] ||
	[ -n "$(find "$here" "$build/kmod-vm/$kver" "$build/test-bin/bulkheadctl" \
		"$build/test-bin/bulkhead-guard" "$build/test-bin/bulkhead-load" \
		"$build/test-bin/bh-stress" -type f \
		-newer "$initrd" 2>/dev/null | head -n 1)" ]; then
	sh "$here/mkinitramfs.sh" "$build" "$kver" >&2 || die "initramfs build failed"
fi

hdr() {
	sed -n "s/^# $1: *//p" "$sfile" | head -n 1
}
expect_oops=$(hdr vm-expect-oops)
expect_oops=${expect_oops:-0}

# vm-env: "NAME=VALUE" pairs in $envs, "bhvm.env.NAME=VALUE" in $envargs
envs=""
envargs=""
for kv in $(hdr vm-env); do
	name=${kv%%=*}
	def=""
	case $kv in *=*) def=${kv#*=} ;; esac
	case $name in '' | *[!A-Za-z0-9_]*) die "vm-env: bad variable name '$name'" ;; esac
	val=$(printenv "$name" || true)
	val=${val:-$def}
	[ -n "$val" ] || continue
	case $val in *[!A-Za-z0-9._,:-]*) die "$name='$val': only letters, digits and ._,:- can go on a kernel command line" ;; esac
	envs="$envs $name=$val"
	envargs="$envargs bhvm.env.$name=$val"
done
# env_value NAME: its value in the guest, empty if none
env_value() {
	for _kv in $envs; do
		[ "${_kv%%=*}" != "$1" ] || echo "${_kv#*=}"
	done
}
# vm-timeout: numbers and vm-env variables, added up
scen_time=0
for t in $(hdr vm-timeout | tr '+' ' '); do
	case $t in *[!0-9]*) v=$(env_value "$t") ;; *) v=$t ;; esac
	case $v in '' | *[!0-9]*) die "vm-timeout: '$t' is neither a number nor a numeric vm-env variable" ;; esac
	scen_time=$((scen_time + v))
done
[ "$scen_time" -gt 0 ] || scen_time=60
limit=$((30 + scen_time))

cmdline="console=ttyS0 loglevel=5 panic=-1 bhvm.scenario=$scen"
[ "$expect_oops" -eq 0 ] && cmdline="$cmdline oops=panic"
cmdline="$cmdline $(hdr vm-cmdline)$envargs $*"

# the kernel command line is made: the arguments now carry qemu's extras
set --
[ -z "${VM_DISK:-}" ] || set -- -drive "file=$VM_DISK,format=raw,if=virtio"
t0=$(date +%s%N)
rc=0
timeout -k 5 "$limit" qemu-system-x86_64 \
	-accel tcg,thread=single -machine q35 -m 512 -smp 2 \
	-nodefaults -no-user-config -display none -monitor none \
	-serial stdio -no-reboot \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" "$@" \
	</dev/null >"$log.raw" 2>&1 || rc=$?
t1=$(date +%s%N)
secs=$(((t1 - t0) / 1000000000)).$((((t1 - t0) / 100000000) % 10))
# the serial console ends lines with \r\n
tr -d '\r' <"$log.raw" >"$log"
rm -f "$log.raw"

grep -E '^(ok|FAIL) ' "$log" >"$results" || true
reasons=""
hostfail=0
why() {
	reasons="$reasons${reasons:+; }$1"
	hostfail=$((hostfail + 1))
}

case $rc in
124 | 137) ended="timed out after ${limit}s" ;;
0) ended="qemu exited" ;;
*) ended="qemu exit status $rc" ;;
esac
result=$(grep -E "^BULKHEAD-VM-RESULT $scen pass=" "$log" | tail -n 1 || true)
if [ -n "$result" ]; then
	pass=$(echo "$result" | sed 's/.*pass=\([0-9]*\).*/\1/')
	fail=$(echo "$result" | sed 's/.*fail=\([0-9]*\).*/\1/')
else
	# the guest died or hung: count what it managed to print, and the
	# missing end as one more failure
	pass=$(grep -c '^ok ' "$results" || true)
	fail=$(grep -c '^FAIL ' "$results" || true)
	why "no result line from the guest: it died, hung or never booted ($ended)"
fi
if [ -n "$result" ] && [ "$fail" -eq 0 ] && ! grep -q "^BULKHEAD-VM-OK $scen\$" "$log"; then
	why "no success marker"
fi

# Kernel lines only (printk timestamps): the guest's own output never
# starts with one, and a kernel line printed into the middle of one of
# ours still carries its timestamp.
bad='WARNING:|BUG:|Oops|Call Trace|general protection|kernel BUG|Kernel panic|soft lockup|hard LOCKUP|rcu_.*(stall|detected)|INFO: task .* blocked|UBSAN|refcount_t|corruption|Unable to handle'
klines=$(grep -E '\[ *[0-9]+\.[0-9]+\] ' "$log" | grep -E "$bad" || true)
if [ "$expect_oops" -gt 0 ]; then
	n=$(echo "$klines" | grep -c -E 'Oops.*\[#[0-9]+\]' || true)
	[ "$n" -eq "$expect_oops" ] || why "console shows $n oopses, the scenario expects $expect_oops"
	klines=$(echo "$klines" | grep -v -E 'BUG: kernel NULL pointer dereference|Oops.*\[#[0-9]+\]|Call Trace' || true)
fi
if [ -n "$klines" ]; then
	why "kernel trouble on the console: $(echo "$klines" | head -n 1 | sed 's/^.*\] //')"
fi

tainted=$(sed -n 's/^BULKHEAD-VM-TAINTED \([0-9]*\)$/\1/p' "$log" | tail -n 1)
allowed=$((4096 | 8192))
[ "$expect_oops" -gt 0 ] && allowed=$((allowed | 128))
if [ -z "$tainted" ]; then
	[ -n "$result" ] && why "no taint report"
elif [ $((tainted & ~allowed)) -ne 0 ]; then
	why "tainted=$tainted has bits outside $allowed"
fi

fail=$((fail + hostfail))
verdict=PASS
[ "$fail" -eq 0 ] || verdict=FAIL
if [ "${QUIET:-0}" = 1 ]; then
	grep '^FAIL ' "$results" || true
else
	cat "$results"
fi
[ -z "$reasons" ] || echo "FAIL $scen (host): $reasons"
echo "vm-run $kver $scen pass=$pass fail=$fail time=$secs verdict=$verdict"
[ "$verdict" = PASS ]
