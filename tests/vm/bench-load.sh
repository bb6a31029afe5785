#!/bin/sh
# bench-load.sh BUILD KVER - what bulkhead-load costs over the bare way of
# bringing the shim and an extension up, measured in one VM boot (for
# `make bench`; guest side: tests/vm/bench/load-bench.sh): R rounds, each
# timing once
#
#   loader  bulkhead-load (libkmod inserts, content pushed from the store,
#           journal and state written with fsync) and
#   bare    kmod's modprobe bulkhead + modprobe bh_execwatch + cat of the
#           content file into securityfs,
#
# both bringing up the same two modules and content 1, alternated, each
# followed by rmmod (not timed).  The guard's state directory is on a
# fresh ext4 disk (virtio) so that the loader's fsyncs are paid; without
# mkfs.ext4 it runs on tmpfs, and the output says so.
#
# Prints the median time of each path over the rounds (the timer's own
# cost, the median "empty" measurement, subtracted), the ratio of the
# medians loader / bare and the median of the rounds' own ratios.  The aim
# is a ratio of at most 1.10; it is reported, not enforced (TCG and the
# host's load make timings noisy).  The exit status is the run's: every
# round must have brought both modules and the content up, no oops, no
# warning.  BENCH_ROUNDS (default 30) sets the size.
set -eu

[ $# -eq 2 ] || {
	echo "usage: $0 BUILD KVER" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
kver=$2
rounds=${BENCH_ROUNDS:-30}
out=$build/vm/$kver
disk=$out/load-bench.img
log=$out/load-bench.log
mkdir -p "$out"

rm -f "$disk"
if command -v mkfs.ext4 >/dev/null; then
	truncate -s 64M "$disk"
	mkfs.ext4 -q -F "$disk"
else
	echo "bench-load: mkfs.ext4 not installed: the state directory will be on tmpfs" >&2
	disk=""
fi

rc=0
VM_DISK=$disk BUILD=$build QUIET=1 sh "$here/run.sh" "$kver" load-bench \
	"bhvm.bench_rounds=$rounds" || rc=$?
rm -f "$disk"

medium=$(sed -n 's/^BENCH-MEDIUM //p' "$log" | tail -n 1)
grep '^BENCH ' "$log" | awk -v kver="$kver" -v medium="${medium:-unknown}" '
	function median(a, k,    i, j, t) {
		for (i = 2; i <= k; i++)	# insertion sort, k is small
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function copy(w,    i, k) {
		k = 0
		for (i = 1; i <= rounds; i++)
			if ((w, i) in t)
				tmp[++k] = t[w, i]
		return k
	}
	{ t[$2, $3] = $4; if ($3 > rounds) rounds = $3 }
	END {
		ke = copy("empty"); e = ke ? median(tmp, ke) : 0
		kl = copy("loader"); l = kl ? median(tmp, kl) - e : 0
		kb = copy("bare"); b = kb ? median(tmp, kb) - e : 0
		if (!kl || !kb || b <= 0) {
			print "load-bench " kver ": no figures (see the log)"
			exit 1
		}
		k = 0
		for (i = 1; i <= rounds; i++)
			if ((("loader", i) in t) && (("bare", i) in t))
				rr[++k] = (t["loader", i] - e) / (t["bare", i] - e)
		where = medium == "ext4" ? "state on ext4 (virtio disk)" : \
			"state on " medium " (no disk: the fsyncs cost nothing)"
		printf "load-bench %s: loader %.1f ms, bare %.1f ms, ratio %.3f (aim <= 1.10)\n",
			kver, l / 1e6, b / 1e6, l / b
		printf "  medians of %d rounds (TCG), %s; median of the rounds\047 own ratios %.3f; timer cost %.1f ms subtracted\n",
			k, where, median(rr, k), e / 1e6
		kt = copy("tmpfs")
		if (kt)
			printf "  the loader with its state on tmpfs: %.1f ms (ratio %.3f)\n",
				(median(tmp, kt) - e) / 1e6, (median(tmp, kt) - e) / b
		kx = copy("exec")
		if (kx)
			printf "  starting bulkhead-load alone (--help): %.1f ms\n", (median(tmp, kx) - e) / 1e6
	}' || rc=1
exit "$rc"
