#!/bin/sh
# run-all.sh BUILD KVER... - the VM tests (`make check-vm`): for each
# kernel, build its initramfs and boot every scenario in
# tests/vm/scenarios/ once (run.sh), one line per scenario; then the wall
# time of the whole run and "vm: N passed, M failed", N and M counting the
# individual in-guest checks (a boot that dies, an unexpected oops or
# warning on the console or a bad taint adds a failure of its own).
# Appends "vm N M" to $RESULTS when that is set.  Exits non-zero on any
# failure, and when no kernel is given: no kernel means nothing was
# tested, which must not look like a pass.
set -u

here=$(cd "$(dirname "$0")" && pwd)
if [ $# -lt 2 ]; then
	echo "vm: no kernels to test (VM_KVERS is empty: install Debian's kernel images and headers, make deps)" >&2
	echo "vm: 0 passed, 1 failed"
	[ -n "${RESULTS:-}" ] && echo "vm 0 1" >>"$RESULTS"
	exit 1
fi
build=$(cd "$1" && pwd) || exit 1
shift
kvers="$*"

# run_kernel KVER: every scenario on one kernel; the lines go to stdout,
# the totals to BUILD/vm/KVER/vm.counts
run_kernel() {
	kver=$1
	kp=0
	kf=0
	mkdir -p "$build/vm/$kver"
	echo "vm: kernel $kver"
	if ! sh "$here/mkinitramfs.sh" "$build" "$kver" 2>&1; then
		echo "FAIL vm/$kver: initramfs"
		echo "0 1" >"$build/vm/$kver/vm.counts"
		return
	fi
	for s in "$here"/scenarios/*.sh; do
		scen=$(basename "$s" .sh)
		out=$(BUILD=$build QUIET=1 sh "$here/run.sh" "$kver" "$scen" 2>&1)
		line=$(echo "$out" | tail -n 1)
		# the FAIL lines (and any harness complaint) before the summary
		echo "$out" | sed '$d' | sed 's/^/    /'
		p=$(echo "$line" | sed -n 's/^vm-run .* pass=\([0-9]*\) .*/\1/p')
		f=$(echo "$line" | sed -n 's/^vm-run .* fail=\([0-9]*\) .*/\1/p')
		secs=$(echo "$line" | sed -n 's/^vm-run .* time=\([0-9.]*\) .*/\1/p')
		if [ -z "$p" ] || [ -z "$f" ]; then
			p=0
			f=1
		fi
		v=PASS
		[ "$f" -eq 0 ] || v=FAIL
		printf '%s %-18s %4d passed %3d failed %6s s  (%s)\n' "$v" "$scen" "$p" "$f" "${secs:-?}" "$kver"
		kp=$((kp + p))
		kf=$((kf + f))
	done
	echo "$kp $kf" >"$build/vm/$kver/vm.counts"
}

# Kernels run side by side (kernels.sh), each kernel's lines printed
# together once it is done.
# shellcheck source=tests/vm/kernels.sh
. "$here/kernels.sh"
t0=$(date +%s)
# shellcheck disable=SC2086 # the kernels, a word each
vm_each_kernel run_kernel vm $kvers
# shellcheck disable=SC2086
vm_sum vm $kvers
t1=$(date +%s)
echo "vm: wall time $((t1 - t0)) s for $(echo $kvers | wc -w) kernel(s), $vm_jobs at a time"
echo "vm: $vm_pass passed, $vm_fail failed"
[ -n "${RESULTS:-}" ] && echo "vm $vm_pass $vm_fail" >>"$RESULTS"
[ "$vm_fail" -eq 0 ]
