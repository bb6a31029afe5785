# wedge.sh - no callback can wedge the shim (issue 12, item 3).
#
#   - stats is rendered when read, not when opened: a descriptor held
#     open sees new figures when it reads from offset 0 again, and a
#     show_stats that returns a kernel-internal code fails the read with
#     EIO.
#   - An oops inside show_stats, which any user reaches (stats is 0444),
#     is named (op show_stats) and marks the extension faulted; after it
#     a content write, a stats read and rmmod all return promptly instead
#     of waiting for a lock the dead reader still owns.
#   - The kill switch takes effect at once while take_content hangs
#     (bh_takehang): `echo disable >state` and a write to the global
#     disable file return, the state reads disabled, a second upload is
#     refused with EBUSY, and rmmod of the stuck module fails with EBUSY
#     instead of blocking.
# vm-expect-oops: 1
# vm-timeout: 90
# shellcheck shell=sh disable=SC2154 # lib.sh variables

d=$EXT/bh_knobs
check shim-insmod insmod_bh
check knobs-insmod insmod "$MODDIR/bh_knobs.ko"
push "$FX/knobs-v1.bhc" "$d/content"
expect_eq v1 "0 1" "$push_rc $(rd "$d/content_version")"

# -- rendered at read -----------------------------------------------------
out=$(/vm/bin/bh-race reread "$d/stats" "dd if=$FX/knobs-v2.bhc of=$d/content 2>/dev/null" | tr '\n' ' ')
expect_eq stats-fresh-on-reread "-- takes 1 drops 0 -- takes 2 drops 0 " "$out"
echo -512 >/sys/module/bh_knobs/parameters/stats_ret
out=$(cat "$d/stats" 2>&1)
expect_contains stats-internal-errno-is-eio "Input/output error" "$out"
echo 0 >/sys/module/bh_knobs/parameters/stats_ret

# -- an oops in show_stats ---------------------------------------------------
echo 1 >/sys/module/bh_knobs/parameters/stats_oops
klog_mark
(cat "$d/stats") >/dev/null 2>&1
rc=$?
if [ "$rc" -ge 128 ]; then ok stats-reader-killed; else fail stats-reader-killed "cat exit status $rc"; fi
klog_since >/tmp/fault.log
expect_eq stats-fault-line 1 "$(grep -c 'bulkhead: fault extension=bh_knobs op=show_stats content=2$' /tmp/fault.log)"
expect_eq stats-faulted faulted "$(rd "$d/state")"
if within_deadline 5 stats-faulted-write dd if="$FX/knobs-v3.bhc" of="$d/content" conv=notrunc; then
	expect_contains stats-faulted-write-eshutdown "Cannot send after transport endpoint shutdown" "$(cat /tmp/stats-faulted-write.out)"
fi
within_deadline 5 stats-faulted-read cat "$d/stats"
within_deadline 5 stats-faulted-disable sh -c "echo disable >$d/state"
if within_deadline 10 stats-faulted-rmmod rmmod bh_knobs; then
	expect_eq stats-faulted-rmmod-status 0 "$(cat /tmp/stats-faulted-rmmod.rc)"
fi

# -- the kill switch while take_content hangs ---------------------------
h=$EXT/bh_takehang
check takehang-insmod insmod "$MODDIR/bh_takehang.ko"
push "$FX/takehang-v1.bhc" "$h/content"
expect_eq takehang-v1 "0 1" "$push_rc $(rd "$h/content_version")"
klog_mark
dd if="$FX/takehang-v2-hang.bhc" of="$h/content" conv=notrunc >/dev/null 2>&1 &
n=0
while [ "$n" -lt 50 ] && ! klog_since | grep -q 'hanging in take_content'; do
	sleep 0.2
	n=$((n + 1))
done
expect_eq takehang-hangs 1 "$(klog_since | grep -c 'hanging in take_content')"
if within_deadline 3 hang-kill-switch sh -c "echo disable >$h/state"; then
	expect_eq hang-kill-switch-status 0 "$(cat /tmp/hang-kill-switch.rc)"
fi
expect_eq hang-state-disabled disabled "$(rd "$h/state")"
if within_deadline 3 hang-second-upload dd if="$FX/takehang-v1.bhc" of="$h/content" conv=notrunc; then
	expect_contains hang-second-upload-ebusy "resource busy" "$(cat /tmp/hang-second-upload.out)"
fi
if within_deadline 3 hang-global-disable sh -c "echo bh_takehang >$BH/disable"; then
	expect_eq hang-global-disable-status 0 "$(cat /tmp/hang-global-disable.rc)"
fi
within_deadline 3 hang-counters cat "$h/counters"
if within_deadline 3 hang-rmmod rmmod bh_takehang; then
	expect_eq hang-rmmod-busy 1 "$(cat /tmp/hang-rmmod.rc)"
fi
expect_eq hang-version-kept 1 "$(rd "$h/content_version")"
