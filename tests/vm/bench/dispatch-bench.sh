# dispatch-bench.sh - the guest half of tests/vm/bench-dispatch.sh: the
# wall time of N execs of /bin/true in three configurations, interleaved
# over R rounds (the order reversed every other round, so that a drift of
# the host's speed during the run does not favour one configuration):
#
#   bare   no shim loaded: the kernel's exec path alone
#   shim   bulkhead.ko loaded, its probe on sched_process_exec, nothing
#          registered
#   noop   bulkhead.ko and bh_noop with content: every exec goes through
#          the dispatch wrapper (breadcrumb, RCU walk, indirect call) into
#          an empty callback
#
# One "BENCH CONFIG ROUND N CENTISECONDS" line per measurement; the host
# does the arithmetic.  N and R come from bhvm.bench_n= and
# bhvm.bench_rounds= on the kernel command line.
# vm-timeout: 1200
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

n=$(sed -n 's/.*bhvm\.bench_n=\([0-9]*\).*/\1/p' /proc/cmdline)
rounds=$(sed -n 's/.*bhvm\.bench_rounds=\([0-9]*\).*/\1/p' /proc/cmdline)
n=${n:-500}
rounds=${rounds:-10}

configure() {
	case $1 in
	bare)
		rmmod bh_noop 2>/dev/null
		rmmod bulkhead 2>/dev/null
		! is_loaded bulkhead
		;;
	shim)
		rmmod bh_noop 2>/dev/null
		is_loaded bulkhead || insmod_bh
		is_loaded bulkhead && [ -z "$(ls "$EXT")" ]
		;;
	noop)
		is_loaded bulkhead || insmod_bh
		is_loaded bh_noop || insmod "$MODDIR/bh_noop.ko"
		push "$FX/noop-v1.bhc" "$EXT/bh_noop/content"
		[ "$push_rc" -eq 0 ] && [ "$(cat "$EXT/bh_noop/state")" = enabled ]
		;;
	esac
}

# Warm-up, not measured: qemu translates the guest's exec path (and the
# shim's, and the module loader's) on first use, and the first rounds of a
# cold guest ran 30% slower than the later ones.
for c in bare shim noop; do
	configure "$c" || fail "configure-$c-warm-up"
	run_n "$n" /bin/true
done

r=1
while [ $r -le "$rounds" ]; do
	order="bare shim noop"
	[ $((r % 2)) -eq 0 ] && order="noop shim bare"
	for c in $order; do
		if ! configure "$c"; then
			fail "configure-$c-round-$r"
			continue
		fi
		[ "$c" = noop ] && ev0=$(field "$EXT/bh_noop/counters" events)
		t0=$(uptime_cs)
		run_n "$n" /bin/true
		t1=$(uptime_cs)
		echo "BENCH $c $r $n $((t1 - t0))"
		# the measured execs really went through the wrapper
		if [ "$c" = noop ]; then
			ev1=$(field "$EXT/bh_noop/counters" events)
			if [ $((ev1 - ev0)) -ge "$n" ]; then
				ok "noop-dispatched-round-$r"
			else
				fail "noop-dispatched-round-$r" "events $ev0 -> $ev1 for $n execs"
			fi
		fi
	done
	r=$((r + 1))
done
configure bare
