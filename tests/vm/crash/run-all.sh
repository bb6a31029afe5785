#!/bin/sh
# run-all.sh BUILD [KVER...] - the VM tests that reboot for real
# (tests/vm/crash/run.sh: the crash loop, then the re-staging updater loop
# restage-loop, then irq-blame) on every kernel given, or, without any, on every
# installed kernel a VM can boot (/boot/vmlinuz-K with /lib/modules/K/build).
# Kernels side by side, VM_JOBS at a time (default: the host's CPUs), as
# tests/vm/run-all.sh runs them (kernels.sh): each guest is one single-threaded qemu
# (run.sh: tcg,thread=single), so two keep two cores busy where one left
# the other idle for the whole suite (282 s of runs in a row on Dec 3).
# A kernel's runs stay one after the other.  Prints each run's last line,
# a kernel's together once it is done, and then
#	crash: N passed, M failed
# (runs); each run appends its own "SCENARIO PASS FAIL" to $RESULTS if set.
# Exits non-zero when any run failed.
set -u

[ $# -ge 1 ] || {
	echo "usage: $0 BUILD [KVER...]" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
build=$1
shift
if [ $# -eq 0 ]; then
	# shellcheck disable=SC2012 # kernel version names
	for k in $(ls /lib/modules | sort -V); do
		[ -r "/boot/vmlinuz-$k" ] && [ -d "/lib/modules/$k/build" ] && set -- "$@" "$k"
	done
fi
[ $# -ge 1 ] || {
	echo "crash: no kernel to boot"
	exit 1
}
mkdir -p "$build/vm"

# run_kernel KVER: its runs one after the other; "PASSED FAILED" to
# BUILD/vm/KVER/crash.counts
run_kernel() {
	kp=0
	kf=0
	for s in crash restage-loop irq-blame; do
		if sh "$here/run.sh" "$build" "$1" "$s" >"$build/vm/$s-$1.out" 2>&1; then
			kp=$((kp + 1))
		else
			kf=$((kf + 1))
			grep '^FAIL ' "$build/vm/$s-$1.out"
		fi
		tail -n 1 "$build/vm/$s-$1.out"
	done
	echo "$kp $kf" >"$build/vm/$1/crash.counts"
}

# shellcheck source=tests/vm/kernels.sh
. "$here/../kernels.sh"
vm_each_kernel run_kernel crash "$@"
vm_sum crash "$@"
echo "crash: $vm_pass passed, $vm_fail failed"
[ "$vm_fail" -eq 0 ]
