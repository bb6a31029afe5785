# kernels.sh - sourced by the host's run-all scripts (tests/vm/run-all.sh,
# tests/vm/crash/run-all.sh), which set $build: one function run for every
# kernel, the kernels side by side.
# shellcheck shell=sh disable=SC2154 # $build is the caller's

# vm_each_kernel FUNC TAG KVER...: FUNC KVER for each kernel, VM_JOBS at a
# time (default: the host's CPUs; each guest is one single-threaded qemu),
# its output kept in BUILD/vm/KVER/TAG.out and printed whole once that
# batch is done.  FUNC leaves "PASSED FAILED" in BUILD/vm/KVER/TAG.counts.
# Sets vm_jobs.
vm_each_kernel() {
	fn=$1
	tag=$2
	shift 2
	vm_jobs=${VM_JOBS:-$(nproc 2>/dev/null || echo 1)}
	[ "$vm_jobs" -ge 1 ] 2>/dev/null || vm_jobs=1
	while [ $# -gt 0 ]; do
		batch=""
		while [ $# -gt 0 ] && [ "$(echo "$batch" | wc -w)" -lt "$vm_jobs" ]; do
			batch="$batch $1"
			shift
		done
		for k in $batch; do
			mkdir -p "$build/vm/$k"
			rm -f "$build/vm/$k/$tag.counts"
			"$fn" "$k" >"$build/vm/$k/$tag.out" 2>&1 &
		done
		wait
		for k in $batch; do
			cat "$build/vm/$k/$tag.out"
		done
	done
}

# vm_sum TAG KVER...: vm_pass and vm_fail, the sums of BUILD/vm/KVER/TAG.counts;
# a kernel without one failed (a "FAIL TAG/KVER: no results" line)
vm_sum() {
	tag=$1
	shift
	vm_pass=0
	vm_fail=0
	for k in "$@"; do
		if [ -f "$build/vm/$k/$tag.counts" ]; then
			read -r p f <"$build/vm/$k/$tag.counts"
		else
			echo "FAIL $tag/$k: no results"
			p=0
			f=1
		fi
		vm_pass=$((vm_pass + p))
		vm_fail=$((vm_fail + f))
	done
}
