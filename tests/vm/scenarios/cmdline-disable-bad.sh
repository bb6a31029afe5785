# cmdline-disable-bad.sh - a bad disable list on the kernel command line
# must not stop the shim: a name longer than 31 characters, and every name
# past the 32nd, is skipped with a warning; the shim still loads and still
# vetoes the valid names (bh_execwatch first among them).
# vm-cmdline: bulkhead.disable=bh_this_name_is_far_longer_than_31_characters,bh_execwatch,bh_n01,bh_n02,bh_n03,bh_n04,bh_n05,bh_n06,bh_n07,bh_n08,bh_n09,bh_n10,bh_n11,bh_n12,bh_n13,bh_n14,bh_n15,bh_n16,bh_n17,bh_n18,bh_n19,bh_n20,bh_n21,bh_n22,bh_n23,bh_n24,bh_n25,bh_n26,bh_n27,bh_n28,bh_n29,bh_n30,bh_n31,bh_n32
# vm-timeout: 60
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

klog_mark
check modprobe-shim-loads modprobe bulkhead
check shim-loaded is_loaded bulkhead
list=$(rd "$BH/disable")
expect_eq list-starts-with-the-valid "bh_execwatch,bh_n01" "$(echo "$list" | cut -d, -f1-2)"
expect_eq list-holds-32 32 "$(echo "$list" | tr ',' '\n' | grep -c .)"
expect_eq list-not-the-long-one 0 "$(echo "$list" | grep -c far_longer)"
expect_eq list-not-the-33rd 0 "$(echo "$list" | grep -c bh_n32)"
expect_contains long-name-warned "skipped: too long" "$(klog_since)"
expect_contains count-warned "2 names skipped in all" "$(klog_since)"

out=$(insmod "$MODDIR/bh_execwatch.ko" 2>&1)
expect_eq ew-insmod-fails 1 $?
expect_contains ew-insmod-eperm "Operation not permitted" "$out"
check_not ew-not-loaded is_loaded bh_execwatch
check noop-loads insmod "$MODDIR/bh_noop.ko"

# a write to securityfs still refuses a bad list as a whole, with its error
echo "bh_this_name_is_far_longer_than_31_characters" >"$BH/disable" 2>/dev/null
expect_eq runtime-bad-list-refused 1 $?
expect_eq runtime-list-kept "$list" "$(rd "$BH/disable")"
rmmod bh_noop
rmmod bulkhead
check_not shim-unloaded is_loaded bulkhead
