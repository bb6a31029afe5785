# cmdline-safe-mode.sh - safe mode, the boot guard's last rung, from the
# kernel command line: every module that links against the shim is
# refused before its init runs, registered or not.  A vendor module that
# does not link against the shim is outside what safe mode can recognise
# and loads; keeping such a module out takes the disable list, which
# works in safe mode too (checked at the end).
# vm-cmdline: bulkhead.safe_mode=1
# vm-timeout: 60
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

klog_mark
check modprobe-shim modprobe bulkhead
expect_eq safe-mode-on 1 "$(rd "$BH/safe_mode")"
expect_contains safe-mode-logged "safe mode: no extension will load" "$(klog_since)"
out=$( (echo 0 >"$BH/safe_mode") 2>&1)
expect_eq safe-mode-read-only 1 "$(rd "$BH/safe_mode")"

for m in bh_execwatch bh_noop bh_plain; do
	klog_mark
	out=$(insmod "$MODDIR/$m.ko" 2>&1)
	expect_eq "$m-insmod-fails" 1 $?
	expect_contains "$m-insmod-eperm" "Operation not permitted" "$out"
	check_not "$m-not-loaded" is_loaded "$m"
	check_not "$m-no-dir" test -e "$EXT/$m"
	expect_contains "$m-refusal-logged" "module $m: load refused: safe mode" "$(klog_since)"
done
# bh_plain never registers: only the module notifier can keep its init out
expect_eq plain-init-never-ran 0 "$(klog_count 'bh_plain: init ran')"

check vendor-insmod insmod "$MODDIR/bh_vendor.ko"
expect_eq vendor-init-ran 1 "$(klog_count 'bh_vendor: init ran')"
check vendor-rmmod rmmod bh_vendor
echo bh_vendor >"$BH/disable"
out=$(insmod "$MODDIR/bh_vendor.ko" 2>&1)
expect_contains vendor-disable-list-refuses "Operation not permitted" "$out"
expect_eq vendor-init-ran-once 1 "$(klog_count 'bh_vendor: init ran')"

check shim-rmmod rmmod bulkhead
