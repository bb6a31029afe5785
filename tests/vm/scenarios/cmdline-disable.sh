# cmdline-disable.sh - the disable list from the kernel command line.  The
# shim is loaded with busybox modprobe, which takes "bulkhead.disable=..."
# from /proc/cmdline as the boot guard's loader would pass it; then a
# named extension and a named vendor module (one that does not even link
# against the shim) are refused before their init runs, an unnamed
# extension loads, and a new list written at run time stops a running
# extension at once.
# vm-cmdline: bulkhead.disable=bh_execwatch,bh_vendor
# vm-timeout: 60
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

check modprobe-shim modprobe bulkhead
expect_eq disable-from-cmdline "bh_execwatch,bh_vendor" "$(rd "$BH/disable")"

klog_mark
out=$(insmod "$MODDIR/bh_execwatch.ko" 2>&1)
expect_eq ew-insmod-fails 1 $?
expect_contains ew-insmod-eperm "Operation not permitted" "$out"
check_not ew-no-dir test -e "$EXT/bh_execwatch"
check_not ew-not-loaded is_loaded bh_execwatch
expect_contains ew-refusal-logged "module bh_execwatch: load refused: on the disable list" "$(klog_since)"
out=$(modprobe bh_execwatch 2>&1)
expect_eq ew-modprobe-fails 1 $?

klog_mark
out=$(insmod "$MODDIR/bh_vendor.ko" 2>&1)
expect_eq vendor-insmod-fails 1 $?
expect_contains vendor-insmod-eperm "Operation not permitted" "$out"
check_not vendor-not-loaded is_loaded bh_vendor
expect_eq vendor-init-never-ran 0 "$(klog_count 'bh_vendor: init ran')"
expect_contains vendor-refusal-logged "module bh_vendor: load refused: on the disable list" "$(klog_since)"

check noop-insmod insmod "$MODDIR/bh_noop.ko"
expect_eq noop-enabled enabled "$(rd "$EXT/bh_noop/state")"
push "$FX/noop-v1.bhc" "$EXT/bh_noop/content"
expect_eq noop-content "0 1" "$push_rc $(rd "$EXT/bh_noop/content_version")"

# a new list replaces the old one and stops what it names right away
klog_mark
echo bh_noop >"$BH/disable"
expect_eq list-write-status 0 $?
expect_eq list-replaced bh_noop "$(rd "$BH/disable")"
expect_eq noop-stopped disabled "$(rd "$EXT/bh_noop/state")"
expect_contains noop-stop-logged "extension bh_noop: disabled by kill switch" "$(klog_since)"
out=$( (echo enable >"$EXT/bh_noop/state") 2>&1)
expect_contains noop-enable-refused "Operation not permitted" "$out"
expect_eq noop-stays-disabled disabled "$(rd "$EXT/bh_noop/state")"
# bh_execwatch is no longer named: it loads now
check ew-insmod-after-list-change insmod "$MODDIR/bh_execwatch.ko"
check ew-dir-after-list-change test -d "$EXT/bh_execwatch"
# and bh_noop, named now, cannot come back
check noop-rmmod rmmod bh_noop
out=$(insmod "$MODDIR/bh_noop.ko" 2>&1)
expect_contains noop-reload-refused "Operation not permitted" "$out"

# a bad list (a name longer than 31 characters) changes nothing
out=$( (echo bh_noop,a_name_that_is_longer_than_31_chars >"$BH/disable") 2>&1)
expect_contains list-too-long-einval "Invalid argument" "$out"
expect_eq list-unchanged bh_noop "$(rd "$BH/disable")"

# an empty list lets everything in again
echo >"$BH/disable"
expect_eq list-cleared "" "$(rd "$BH/disable")"
check noop-insmod-after-clear insmod "$MODDIR/bh_noop.ko"
check vendor-insmod-after-clear insmod "$MODDIR/bh_vendor.ko"
expect_eq vendor-init-ran 1 "$(klog_count 'bh_vendor: init ran')"

check rmmod-all rmmod bh_noop bh_execwatch bh_vendor
check shim-rmmod rmmod bulkhead
