#!/bin/sh
# bench-kernel.sh BUILD KVER - what the shim costs, measured inside the
# kernel in one VM boot (for `make bench`; guest side:
# tests/vm/bench/kernel-bench.sh, module: tests/extensions/bh_bench_main.c),
# where the exec benchmark cannot see it (under TCG an exec takes ~16 ms,
# +-3 % from round to round):
#
#   validation  the shim's validator (the kernel's SHA-256 through
#               crypto_shash, fed in chunks with yields, then the record
#               walk) on a 64 MiB content file, against that SHA-256
#               alone (one crypto_shash_digest() of the same payload):
#               MB/s each and their ratio (aim: at least 0.8), the record
#               walk alone, and the driver crypto_shash picked
#   signed      unsigned content against the same content signed (RSA
#               2048, the signature checked by verify_pkcs7_signature()
#               against a keyring), for 1 KiB, 1 MiB and 64 MiB: us each
#               and their ratio (aim at 64 MiB: at most 1.1, since only
#               the 160-byte header is signed)
#   dispatch    a million events through the shim's dispatch path (the
#               shim's probe on sched_process_exec, called as the
#               tracepoint calls it) against a million calls of the same
#               handler through a function pointer: ns per call each, the
#               difference (the wrapper's own cost per event) and the ratio
#               (aim: at most 1.02), for an empty handler and for one that
#               matches the path against 64 rules as bh_execwatch does
#
# Each figure is the median over the rounds (after a warm-up round), each
# ratio the median of the rounds' own ratios: the measurements of a round
# are seconds apart, so the host's slower drifts cancel out of it.  The
# aims are reported, not enforced: under TCG every instruction is
# emulated, and qemu's default vCPU has no SSSE3, AVX or SHA-NI, so the
# kernel's SHA-256 is its generic C one there.  The exit status is the
# run's: every measurement done, every event through the handler, no
# oops, no warning.  BENCH_ROUNDS (default 7) and BENCH_EVENTS (default
# 1000000) set the size.
set -eu

[ $# -eq 2 ] || {
	echo "usage: $0 BUILD KVER" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
kver=$2
rounds=${BENCH_ROUNDS:-7}
events=${BENCH_EVENTS:-1000000}

rc=0
BUILD=$build QUIET=1 sh "$here/run.sh" "$kver" kernel-bench \
	"bhvm.bench_rounds=$rounds" "bhvm.bench_events=$events" || rc=$?
log=$build/vm/$kver/kernel-bench.log

grep '^BENCH ' "$log" | awk -v kver="$kver" '
	function median(a, k,    i, j, t) {
		for (i = 2; i <= k; i++)	# insertion sort, k is small
			for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
				t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
			}
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	# median of column c of the rows r = 1..k of table x
	function med(x, c, k,    r) {
		for (r = 1; r <= k; r++)
			tmp[r] = x[c, r]
		return median(tmp, k)
	}
	function rest(n,    i, s) {	# the fields from $n on
		s = $n
		for (i = n + 1; i <= NF; i++)
			s = s " " $i
		return s
	}
	$2 == "info" && $3 == "crypto-module" { crypto = crypto (crypto ? ", " : "") $4 " " $5; next }
	$2 == "info" { info[$3] = rest(4); next }
	$2 == "error" { errors = errors "\n  error: " rest(3); next }
	$2 == "validate" {
		nv++; v["hash", nv] = $4; v["full", nv] = $5; v["walk", nv] = $6
		v["ratio", nv] = $4 / $5
		next
	}
	$2 == "signed" {
		k = $3; n = ++ns[k]
		if (n == 1)
			sizes[++nsizes] = k
		sg[k "-plain", n] = $5; sg[k "-signed", n] = $6; sg[k "-ratio", n] = $6 / $5
		next
	}
	$2 == "dispatch" {
		k = $3; n = ++nd[k]
		d[k "-shim", n] = $5; d[k "-direct", n] = $6
		d[k "-wrap", n] = $5 - $6; d[k "-ratio", n] = $5 / $6
		next
	}
	END {
		if (!nv && !nd["empty"]) {
			print "bench-kernel " kver ": no figures (see the log)" errors
			exit 1
		}
		split(info["content"], c, " ")
		bytes = c[1]
		printf "bench-kernel %s: inside the kernel, medians of %d rounds (TCG; vCPU SIMD: %s)\n",
			kver, (nv > nd["empty"] ? nv : nd["empty"]), info["cpu-flags"]
		if (nv) {
			printf "  validation of a %.0f MiB file (%s records); crypto_shash \"sha256\": %s (the shim loaded with %s)\n",
				bytes / 1048576, c[3], info["validate-driver"], info["shim"]
			printf "    %-34s %8.1f MB/s %9.1f ms\n", "sha256 alone (crypto_shash_digest)",
				bytes / med(v, "hash", nv) * 1000, med(v, "hash", nv) / 1e6
			printf "    %-34s %8.1f MB/s %9.1f ms\n", "validate (digest + record walk)",
				bytes / med(v, "full", nv) * 1000, med(v, "full", nv) / 1e6
			printf "    %-34s %8.1f MB/s %9.1f ms\n", "record walk alone (digest skipped)",
				bytes / med(v, "walk", nv) * 1000, med(v, "walk", nv) / 1e6
			printf "    validate / sha256 alone: %.3fx (aim: at least 0.8x)\n", med(v, "ratio", nv)
			if (info["hash-driver"] != info["validate-driver"])
				printf "    (the baseline\047s own transform got %s)\n", info["hash-driver"]
			if (crypto)
				printf "    the kernel\047s modular SHA-256 drivers: %s\n", crypto
		}
		if (nsizes) {
			print "  signed against unsigned content, the same bytes (RSA 2048; verify_pkcs7_signature against a keyring)"
			printf "    %-12s %14s %14s %8s\n", "size", "unsigned", "signed", "ratio"
			for (i = 1; i <= nsizes; i++) {
				k = sizes[i]
				printf "    %-12s %11.1f us %11.1f us %7.3fx\n", k,
					med(sg, k "-plain", ns[k]) / 1000, med(sg, k "-signed", ns[k]) / 1000,
					med(sg, k "-ratio", ns[k])
			}
			print "    ratio: signed / unsigned, per round (aim at 64 MiB: at most 1.1x)"
		}
		split(info["events"], e, " ")
		if (nd["empty"]) {
			printf "  dispatch, %s events per measurement (the shim\047s probe called as the tracepoint calls it; other probes on it: %s)\n",
				e[1], e[5]
			printf "    %-15s %16s %10s %12s %8s\n", "handler", "through the shim",
				"direct", "the wrapper", "ratio"
		}
		for (i = 1; i <= 2; i++) {
			k = i == 1 ? "empty" : "rules"
			if (!nd[k])
				continue
			printf "    %-15s %13.1f ns %7.1f ns %9.1f ns %7.3fx\n",
				k == "empty" ? "empty" : e[3] " path rules",
				med(d, k "-shim", nd[k]) / e[1], med(d, k "-direct", nd[k]) / e[1],
				med(d, k "-wrap", nd[k]) / e[1], med(d, k "-ratio", nd[k])
		}
		if (nd["empty"])
			print "    ratio: (through the shim) / direct, per round (aim: at most 1.02x)"
		if (errors) {
			print errors
			exit 1
		}
	}' || rc=1
exit "$rc"
