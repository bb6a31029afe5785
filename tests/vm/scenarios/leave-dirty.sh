# leave-dirty.sh - extension modules that go away still registered: an
# init that fails after bh_register_extension() without undoing it, and an
# exit that forgets to unregister.  The shim unregisters what such a module
# left when it goes (MODULE_STATE_GOING), so no exec event and no content
# write ever calls into its freed code, and the shim itself still unloads.
# vm-timeout: 60
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

check shim-insmod insmod_bh

# ---- init fails after registering -------------------------------------------------
klog_mark
out=$(insmod "$MODDIR/bh_leaky.ko" fail_init=1 2>&1)
expect_eq initfail-insmod-fails-eio 5 $?  # busybox insmod exits with the errno
check_not initfail-not-loaded is_loaded bh_leaky
check_not initfail-no-dir test -e "$EXT/bh_leaky"
expect_contains initfail-reaped "extension bh_leaky: module bh_leaky is going away still registered" "$(klog_since)"
run_n 20 /bin/true
expect_eq initfail-no-oops 0 "$(klog_since | grep -c -E 'Oops|BUG:|Call Trace')"

# ---- exit forgets to unregister ------------------------------------------------------
check leaky-insmod insmod "$MODDIR/bh_leaky.ko"
push "$FX/leaky-v1.bhc" "$EXT/bh_leaky/content"
expect_eq leaky-content "0 1" "$push_rc $(rd "$EXT/bh_leaky/content_version")"
run_n 5 /bin/true
klog_mark
check leaky-rmmod rmmod bh_leaky
check_not leaky-no-dir test -e "$EXT/bh_leaky"
expect_contains leaky-reaped "extension bh_leaky: module bh_leaky is going away still registered" "$(klog_since)"
# execs after it is gone: with it still registered, each would run freed text
run_n 50 /bin/true
expect_eq leaky-no-oops 0 "$(klog_since | grep -c -E 'Oops|BUG:|Call Trace')"
# it can come back, and leave the proper way too
check leaky-again insmod "$MODDIR/bh_leaky.ko"
check leaky-again-dir test -d "$EXT/bh_leaky"
check leaky-again-rmmod rmmod bh_leaky

check shim-rmmod rmmod bulkhead
check_not shim-unloaded is_loaded bulkhead
