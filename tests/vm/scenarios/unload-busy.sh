# unload-busy.sh - unload while in use (issue 12, item 7).  Reader and
# writer loops hammer every global file under /sys/kernel/security/bulkhead
# (open, read, write, stat, directory listings) while bulkhead.ko is
# removed and inserted again, 40 times.  Every rmmod that is not refused
# with EBUSY (a file open at that instant) must leave no trace: no
# "WARNING ... do_dentry_open" (an open racing with the module going away;
# the harness fails on any WARNING on the console), no directory left
# behind, and the next insmod must succeed (never EEXIST).
# vm-cmdline: slub_debug=FZPU
# vm-timeout: 240
# shellcheck shell=sh disable=SC2154 # lib.sh variables

loop_readers() {
	while [ ! -e /tmp/stop ]; do
		cat "$BH/version" "$BH/safe_mode" "$BH/disable" >/dev/null 2>&1
		ls "$BH" "$BH/extensions" >/dev/null 2>&1
	done
}
loop_writer() {
	while [ ! -e /tmp/stop ]; do
		echo bh_nothing_here >"$BH/disable" 2>/dev/null
		stat "$BH/disable" >/dev/null 2>&1
	done
}
rm -f /tmp/stop
loop_readers &
loop_readers &
loop_writer &

cycles=0
busy=0
inserts_failed=0
left_behind=0
i=0
while [ "$i" -lt 40 ]; do
	i=$((i + 1))
	if ! insmod "$MODDIR/bulkhead.ko" 2>/tmp/insmod.err; then
		inserts_failed=$((inserts_failed + 1))
		echo "cycle $i: insmod: $(cat /tmp/insmod.err)"
		continue
	fi
	# let the loops get at the files
	sleep 0.1
	n=0
	while ! rmmod bulkhead 2>/dev/null; do
		busy=$((busy + 1))
		n=$((n + 1))
		[ "$n" -lt 200 ] || break
	done
	if [ -e "$BH" ]; then
		left_behind=$((left_behind + 1))
		echo "cycle $i: $BH left behind: $(ls -a "$BH" 2>&1 | tr '\n' ' ')"
	fi
	cycles=$((cycles + 1))
done
touch /tmp/stop
wait
echo "unload-busy: $cycles cycles, $busy rmmod refused as busy"
expect_eq all-cycles 40 "$cycles"
expect_eq inserts-never-fail 0 "$inserts_failed"
expect_eq nothing-left-behind 0 "$left_behind"
check final-insmod insmod_bh
expect_contains final-version-readable " format " "$(rd "$BH/version")"
check final-rmmod rmmod bulkhead
check final-gone test ! -e "$BH"
