# stress.sh - bulkhead.ko under a syzkaller-style randomized stress of its
# whole userspace surface (issue 12): bh-stress (tests/vm/stress/) runs
# STRESS_SECONDS (default 120) of seeded random operations from 4 threads:
# content uploads through threads, io_uring and forked children sharing one
# descriptor (valid, invalid, mutated, 21-for-20 and other extensions'
# content), readers of every control file, kill-switch toggles, disable
# list rewrites, insmod/rmmod of the extensions and of the shim while
# their files are open, execs, and two faults injected on purpose (an oops
# in bh_takeoops's take_content, one in bh_eventoops's handle_event).  The
# guest boots with slub_debug=FZPU (red zones, poisoning, consistency
# checks), with KFENCE sampling every millisecond (6.12; 6.1 has no KFENCE
# and leaves the parameter to init), and a kernel log large enough for
# the whole run (every refusal logs a line).  It passes only with
#   - every check of bh-stress's own: no invariant broken while running
#     (an upload judged once, only valid content accepted, documented
#     errnos only, well-formed files, no worker stuck), the counters of
#     every extension still loaded consistent with what its writers saw,
#     both faults injected and each leaving its extension faulted with
#     its previous content;
#   - exactly the two expected "bulkhead: fault" lines, naming the
#     extension, the op and the content version, and no other (and, for
#     the harness, exactly two oopses);
#   - nothing else wrong in the kernel log: no WARNING, BUG (KFENCE's and
#     SLUB's reports included), slab corruption report (red zone, poison,
#     padding, free pointer), GPF, lockup or hung task;
#   - every extension still loaded answering reads of all its files;
#   - the shim coming out once nothing is loaded, going back in, and
#     taking content again.
# Replay a run: its seed is on the console ("stress: seed N"); STRESS_SEED=N
# gives every worker the same operation sequence again.  A long run:
# STRESS_SECONDS=1200 (see tests/vm/README.md).
# vm-expect-oops: 2
# vm-env: STRESS_SECONDS=120 STRESS_SEED STRESS_WORKERS
# vm-timeout: 150 + STRESS_SECONDS
# vm-cmdline: slub_debug=FZPU kfence.sample_interval=1 log_buf_len=32M
# shellcheck shell=sh disable=SC2154 # lib.sh variables

secs=${STRESS_SECONDS:-120}
prog=/vm/bin/bh-stress

# rmmod_settled NAME: rmmod, retried for up to 5 s while the module is
# still in use (a last close deferred to a workqueue, an io_uring worker
# letting go of its file)
rmmod_settled() {
	_i=0
	while ! rmmod "$1" 2>/tmp/rmmod.err; do
		_i=$((_i + 1))
		[ $_i -lt 25 ] || return 1
		sleep 0.2
	done
}

# read_files DIR: every read-only file of an extension, to its end
read_files() {
	for _f in content_version state schema last_error counters stats; do
		cat "$1/$_f" >/dev/null || return 1
	done
}

# the oopses must be survived, and the debugging must really be on
expect_eq panic-on-oops-off 0 "$(cat /proc/sys/kernel/panic_on_oops)"
expect_eq slub-debug-on 1 "$(cat /sys/kernel/slab/kmalloc-64/red_zone 2>/dev/null)"
if [ -e /sys/module/kfence/parameters/sample_interval ]; then
	expect_eq kfence-on 1 "$(cat /sys/module/kfence/parameters/sample_interval)"
else
	echo "# $SCEN: no KFENCE in $KVER"
fi
check stress-program test -x "$prog"

# ---- the run ------------------------------------------------------------------
set -- --seconds "$secs" --fixtures "$FX" --moddir "$MODDIR" \
	--checks /tmp/stress.checks --faults /tmp/stress.faults
[ -z "${STRESS_SEED:-}" ] || set -- "$@" --seed "$STRESS_SEED"
[ -z "${STRESS_WORKERS:-}" ] || set -- "$@" --workers "$STRESS_WORKERS"
"$prog" "$@" &
pid=$!
# the run, its two pauses for the injections, the workers' last
# operations (bh-stress gives them 90 s) and its final reads
deadline=$((secs + 120))
waited=0
while [ "$waited" -lt "$deadline" ] && running "$pid"; do
	sleep 1
	waited=$((waited + 1))
done
if running "$pid"; then
	fail stress-exits "bh-stress still running ${deadline}s after its start (in $(sed -n 's/^\[<[0-9a-f]*>\] //p' "/proc/$pid/stack" 2>/dev/null | head -n 3 | tr '\n' ' '))"
else
	wait "$pid"
	rc=$?
	# 0: every check passed, 1: one failed (each is below); 2: usage or setup
	if [ "$rc" -le 1 ]; then ok stress-exits; else fail stress-exits "exit status $rc"; fi
fi
if [ -s /tmp/stress.checks ]; then
	while read -r verdict name why; do
		if [ "$verdict" = ok ]; then ok "$name"; else fail "$name" "$why"; fi
	done </tmp/stress.checks
else
	fail stress-checks "bh-stress wrote no checks"
fi

# ---- the kernel log -------------------------------------------------------------
dmesg >/tmp/stress.dmesg
# exactly the injected faults, each named by its one line
sed -n 's/.*bulkhead: fault extension=\([^ ]*\) op=\([^ ]*\) content=\([0-9]*\)$/\1 \2 \3/p' \
	/tmp/stress.dmesg | sort >/tmp/stress.faults.seen
sort /tmp/stress.faults 2>/dev/null >/tmp/stress.faults.want
expect_eq faults-expected 2 "$(wc -l </tmp/stress.faults.want)"
expect_eq fault-lines "$(tr '\n' ';' </tmp/stress.faults.want)" "$(tr '\n' ';' </tmp/stress.faults.seen)"
expect_eq fault-lines-all-named 0 "$(grep -c 'bulkhead: oops in .* not attributed' /tmp/stress.dmesg)"
# everything else that means trouble, the injected oopses' own lines
# aside (init.sh counts those: exactly two oopses, two call traces)
trouble='WARNING:|BUG[: ]|Oops|general protection|kernel BUG|KFENCE|Redzone|Poison overwritten|[Pp]adding overwritten|Freepointer|Object already free|Objects remaining|still has objects|corrupt|refcount_t|UBSAN|Unable to handle|soft lockup|hard LOCKUP|blocked for more than|rcu_.*(stall|detected)'
grep -E "$trouble" /tmp/stress.dmesg |
	grep -v -E 'BUG: kernel NULL pointer dereference|Oops.*\[#[0-9]+\]' >/tmp/stress.trouble
if [ -s /tmp/stress.trouble ]; then
	fail kernel-log-no-trouble "$(wc -l </tmp/stress.trouble) lines, first: $(head -n 1 /tmp/stress.trouble | sed 's/^\[[ 0-9.]*\] //')"
else
	ok kernel-log-no-trouble
fi

# ---- afterwards: everything still answers, the shim still comes and goes -----------
for d in "$EXT"/*; do
	[ -d "$d" ] || continue
	n=${d##*/}
	if within_deadline 10 "answers-$n" read_files "$d"; then
		expect_eq "answers-$n-all-files" 0 "$(cat "/tmp/answers-$n.rc")"
	fi
done
echo >"$BH/disable" 2>/dev/null
awk '$1 ~ /^bh_/ { print $1 }' /proc/modules >/tmp/stress.modules
while read -r m; do
	check "rmmod-$m" rmmod_settled "$m"
done </tmp/stress.modules
check shim-out rmmod_settled bulkhead
check_not shim-dir-gone test -e "$BH"
check shim-back-in insmod_bh
check noop-back-in insmod "$MODDIR/bh_noop.ko"
push "$FX/stress-noop-21.bhc" "$EXT/bh_noop/content"
expect_eq noop-takes-content "0 21" "$push_rc $(rd "$EXT/bh_noop/content_version")"
check noop-out rmmod bh_noop
check shim-out-again rmmod bulkhead
