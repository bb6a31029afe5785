# loader-vendor.sh - bulkhead-load with an unmodified vendor module that
# reads its content from disk itself (bh_vendorfile: no shim symbols; it
# prints the first line of the file its "path" parameter names when it
# loads), configured "registers = no" with a content_link, beside the
# registering bh_execwatch:
#
#   - content staged with --version (opaque to Bulkhead) goes into the
#     store, and the loader points the link at the version the guard chose
#     BEFORE it loads the module, which reads that version;
#   - a rollback (pin to the older, last-known-good version) makes the
#     module read the older version at its next load;
#   - a disable keeps the module out: the loader does not try, the shim
#     vetoes it by module name; safe mode puts it on the veto list too
#     (the shim cannot recognise a module that does not link against it);
#   - a modprobe.d blacklist is honoured (libkmod), and a configured module
#     that does not exist is reported while the others load: exit 1 when
#     it is optional, 3 when it is required, and `status` says the machine
#     is degraded and names it.
# vm-timeout: 180
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

link=/var/lib/vendorfile/channel
store=/var/lib/bulkhead/content/bh_vendorfile
mount -t tmpfs tmpfs /var
guard_env /var/lib/bulkhead
mkdir -p /var/lib/vendorfile
ext_conf 10-execwatch.conf bh_execwatch required=yes "schema=$FX/execwatch.schema"
ext_conf 20-vendorfile.conf bh_vendorfile registers=no required=no "content_link=$link"
printf 'v1 channel file one\nsecond line\n' >/tmp/vf-1
printf 'v2 channel file two\n' >/tmp/vf-2

# vendor_said: what bh_vendorfile printed at its last load
vendor_said() {
	dmesg | sed -n 's/.*bh_vendorfile: //p' | tail -n 1
}

# vendor_loads: how often bh_vendorfile's init ran
vendor_loads() {
	klog_count 'bh_vendorfile: (content|no content)'
}

# the module on its own reads whatever the path holds
check plain-insmod insmod "$MODDIR/bh_vendorfile.ko" path=/tmp/vf-2
expect_eq plain-read "content 'v2 channel file two' (20 bytes)" "$(vendor_said)"
check plain-rmmod rmmod bh_vendorfile
check plain-insmod-missing insmod "$MODDIR/bh_vendorfile.ko"
expect_eq plain-missing "no content: error -2" "$(vendor_said)"
check plain-rmmod-missing rmmod bh_vendorfile

# ---- staging opaque content ------------------------------------------------------
guard_boot
expect_rc b1-guard-rc 0 "$guard_rc" "$guard_err"
ctl_stage bh_vendorfile /tmp/vf-1
expect_rc stage-no-version-rc 2 "$stage_rc" "$stage_err"
expect_contains stage-no-version-reason "give --version" "$stage_err"
ctl_stage bh_vendorfile /tmp/vf-1 --version 1
expect_rc stage-v1-rc 0 "$stage_rc" "$stage_err"
expect_contains stage-v1-detail "$link now points at it; module bh_vendorfile reads it at its next load" "$stage_err"
check stage-v1-stored cmp -s /tmp/vf-1 "$store/1"
expect_eq stage-v1-link "$store/1" "$(readlink "$link")"
expect_eq stage-v1-active 1 "$(ext_field bh_vendorfile active)"

# ---- boot 2: the loader points the link at the choice, then loads -------------------
next_boot
expect_eq b2-chosen 1 "$(chosen bh_vendorfile)"
b=$(boot_id)
# someone (a vendor's updater) pointed the link elsewhere meanwhile
ln -sfn /tmp/vf-2 "$link"
run_load
expect_rc b2-load-rc 0 "$load_rc" "$load_err"
check b2-ew-loaded is_loaded bh_execwatch
check b2-vendor-loaded is_loaded bh_vendorfile
expect_eq b2-link "$store/1" "$(readlink "$link")"
expect_eq b2-module-read-v1 "content 'v1 channel file one' (32 bytes)" "$(vendor_said)"
# the link is made (and journalled) before the insert
expect_eq b2-journal "begin insert bulkhead 0,end insert bulkhead 0,begin insert bh_execwatch 0,end insert bh_execwatch 0,begin push bh_vendorfile 1,end push bh_vendorfile 1,begin insert bh_vendorfile 1,end insert bh_vendorfile 1" \
	"$(journal_of "$b")"
expect_eq b2-status "loaded loaded" \
	"$(ext_field bh_execwatch load.result) $(ext_field bh_vendorfile load.result)"
expect_contains b2-logged "extension bh_vendorfile: loaded (module bh_vendorfile), content 1" "$load_err"
"$GUARD" good 2>/dev/null
expect_eq b2-good-lkg 1 "$(ext_field bh_vendorfile lkg)"

# v2 is staged while v1 runs: the link moves, the running module keeps v1
n0=$(vendor_loads)
ctl_stage bh_vendorfile /tmp/vf-2 --version 2
expect_rc stage-v2-rc 0 "$stage_rc" "$stage_err"
expect_eq stage-v2-link "$store/2" "$(readlink "$link")"
expect_eq stage-v2-active-lkg "2 1" "$(ext_field bh_vendorfile active) $(ext_field bh_vendorfile lkg)"
expect_eq stage-v2-not-reloaded "$n0" "$(vendor_loads)"
check stage-v2-lkg-kept test -f "$store/1"
ctl_stage bh_vendorfile /tmp/vf-1 --version 1
expect_rc stage-older-rc 1 "$stage_rc" "$stage_err"
expect_contains stage-older-reason "version 1 is not above the active version 2" "$stage_err"
expect_eq stage-older-link-kept "$store/2" "$(readlink "$link")"

# ---- boot 3: v2 -----------------------------------------------------------------------
next_boot
expect_eq b3-chosen 2 "$(chosen bh_vendorfile)"
run_load
expect_rc b3-load-rc 0 "$load_rc" "$load_err"
expect_eq b3-module-read-v2 "content 'v2 channel file two' (20 bytes)" "$(vendor_said)"

# ---- boot 4: rolled back to v1 (pinned to the last-known-good version) ----------------
"$CTL" pin bh_vendorfile 1 >/dev/null 2>&1
expect_eq pin-rc 0 "$?"
next_boot
expect_eq b4-chosen 1 "$(chosen bh_vendorfile)"
run_load
expect_rc b4-load-rc 0 "$load_rc" "$load_err"
expect_eq b4-link "$store/1" "$(readlink "$link")"
expect_eq b4-module-read-v1 "content 'v1 channel file one' (32 bytes)" "$(vendor_said)"
expect_eq b4-status-loaded loaded "$(ext_field bh_vendorfile load.result)"
"$CTL" pin bh_vendorfile 0 >/dev/null 2>&1
expect_eq unpin-rc 0 "$?"

# ---- boot 5: disabled: the loader does not try, the shim vetoes by name ----------------
"$CTL" disable bh_vendorfile >/dev/null 2>&1
expect_eq disable-rc 0 "$?"
next_boot
expect_eq b5-bootjson-disable bh_vendorfile "$(bootjson_list disable)"
b=$(boot_id)
n0=$(vendor_loads)
klog_mark
run_load
expect_rc b5-load-rc 0 "$load_rc" "$load_err"
check b5-ew-loaded is_loaded bh_execwatch
check_not b5-vendor-not-loaded is_loaded bh_vendorfile
expect_eq b5-shim-disable bh_vendorfile "$(rd "$BH/disable")"
expect_eq b5-init-never-ran "$n0" "$(vendor_loads)"
expect_eq b5-loader-did-not-try "" "$(journal_of "$b" | grep -o 'bh_vendorfile')"
expect_eq b5-no-refusal-logged 0 "$(klog_since | grep -c 'load refused')"
expect_eq b5-status-disabled disabled "$(ext_field bh_vendorfile load.result)"
out=$(insmod "$MODDIR/bh_vendorfile.ko" 2>&1)
expect_contains b5-insmod-vetoed "Operation not permitted" "$out"
out=$("$KMOD/modprobe" bh_vendorfile 2>&1)
expect_contains b5-modprobe-vetoed "Operation not permitted" "$out"
expect_contains b5-veto-logged "module bh_vendorfile: load refused: on the disable list" "$(klog_since)"
expect_eq b5-init-still-never-ran "$n0" "$(vendor_loads)"
"$CTL" enable bh_vendorfile >/dev/null 2>&1
expect_eq enable-rc 0 "$?"

# ---- boot 6: safe mode: the vendor module goes on the veto list by name ----------------
echo "$(cat /proc/cmdline) bulkhead.safe_mode=1" >/tmp/bh-cmdline
next_boot
n0=$(vendor_loads)
run_load
expect_rc b6-load-rc 0 "$load_rc" "$load_err"
expect_eq b6-shim-safe-mode 1 "$(rd "$BH/safe_mode")"
expect_eq b6-shim-disable bh_vendorfile "$(rd "$BH/disable")"
expect_eq b6-only-shim "bulkhead" "$(awk '$1 ~ /^(bulkhead|bh_)/ { print $1 }' /proc/modules | tr '\n' ' ' | sed 's/ $//')"
expect_eq b6-status "safe-mode safe-mode" \
	"$(ext_field bh_execwatch load.result) $(ext_field bh_vendorfile load.result)"
out=$(insmod "$MODDIR/bh_vendorfile.ko" 2>&1)
expect_contains b6-insmod-vetoed "Operation not permitted" "$out"
expect_eq b6-init-never-ran "$n0" "$(vendor_loads)"
cat /proc/cmdline >/tmp/bh-cmdline

# ---- boot 7: blacklisted in modprobe.d: libkmod says no, exit 1 --------------------------
mkdir -p /etc/modprobe.d
echo "blacklist bh_vendorfile" >/etc/modprobe.d/bh-test.conf
next_boot
n0=$(vendor_loads)
run_load
expect_rc b7-load-rc 1 "$load_rc" "$load_err"
check b7-ew-loaded is_loaded bh_execwatch
check_not b7-vendor-not-loaded is_loaded bh_vendorfile
expect_eq b7-init-never-ran "$n0" "$(vendor_loads)"
expect_eq b7-status-blacklisted blacklisted "$(ext_field bh_vendorfile load.result)"
expect_contains b7-status-error "blacklisted in modprobe.d" "$(ext_field bh_vendorfile load.error)"
rm /etc/modprobe.d/bh-test.conf

# ---- boot 8: a configured module that does not exist ----------------------------------
ext_conf 30-ghost.conf bh_ghost required=no
next_boot
run_load
expect_rc b8-optional-missing-rc 1 "$load_rc" "$load_err"
check b8-ew-loaded is_loaded bh_execwatch
check b8-vendor-loaded is_loaded bh_vendorfile
expect_eq b8-ew-enabled enabled "$(rd "$EXT/bh_execwatch/state")"
expect_eq b8-vendor-read-v2 "content 'v2 channel file two' (20 bytes)" "$(vendor_said)"
expect_eq b8-status "loaded loaded missing" \
	"$(ext_field bh_execwatch load.result) $(ext_field bh_vendorfile load.result) $(ext_field bh_ghost load.result)"
expect_contains b8-status-error "module bh_ghost: not found for kernel $KVER" "$(ext_field bh_ghost load.error)"
expect_contains b8-logged "extension bh_ghost: missing: module bh_ghost: not found" "$load_err"
expect_contains b8-logged-summary "2 of 3 extension(s) loaded, 1 failed" "$load_err"
"$CTL" status >/tmp/status.txt 2>&1
expect_rc b8-status-degraded 1 $? "$(cat /tmp/status.txt)"
expect_contains b8-status-names "bh_ghost not running in this boot: missing: module bh_ghost: not found" \
	"$(cat /tmp/status.txt)"

ext_conf 30-ghost.conf bh_ghost required=yes
next_boot
run_load
expect_rc b8-required-missing-rc 3 "$load_rc" "$load_err"
check b8-required-ew-loaded is_loaded bh_execwatch
check b8-required-vendor-loaded is_loaded bh_vendorfile
expect_contains b8-required-logged "extension bh_ghost: missing (required)" "$load_err"
rm "$EXTD/30-ghost.conf"
unload_all
check_not all-unloaded is_loaded bulkhead
