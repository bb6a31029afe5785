# fault-drop.sh - a crash in the last drop_content of an extension that
# is unregistering is still named (issue 12, item 4): rmmod bh_knobs with
# drop_oops=1 oopses inside bh_unregister_extension()'s drop_content,
# after the extension's files are gone.  The die notifier must still find
# it (op drop_content, its content version), and the shim must go on
# answering for everything else.
# vm-expect-oops: 1
# vm-timeout: 60
# shellcheck shell=sh disable=SC2154 # lib.sh variables

d=$EXT/bh_knobs
check shim-insmod insmod_bh
check knobs-insmod insmod "$MODDIR/bh_knobs.ko"
check noop-insmod insmod "$MODDIR/bh_noop.ko"
push "$FX/knobs-v2.bhc" "$d/content"
expect_eq v2 "0 2" "$push_rc $(rd "$d/content_version")"
echo 1 >/sys/module/bh_knobs/parameters/drop_oops
klog_mark
rmmod bh_knobs >/dev/null 2>&1
rc=$?
if [ "$rc" -ge 128 ]; then ok rmmod-killed; else fail rmmod-killed "rmmod exit status $rc"; fi
klog_since >/tmp/fault.log
expect_eq drop-fault-line 1 "$(grep -c 'bulkhead: fault extension=bh_knobs op=drop_content content=2$' /tmp/fault.log)"
expect_eq drop-fault-only-one 1 "$(grep -c 'bulkhead: fault ' /tmp/fault.log)"
check knobs-dir-gone test ! -e "$d"
push "$FX/noop-v1.bhc" "$EXT/bh_noop/content"
expect_eq others-still-served "0 1" "$push_rc $(rd "$EXT/bh_noop/content_version")"
check noop-rmmod rmmod bh_noop
