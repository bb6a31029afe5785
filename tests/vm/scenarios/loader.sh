# loader.sh - bulkhead-load, the real loader with the real libkmod, after a
# real `bulkhead-guard boot`, for a registering extension (bh_execwatch):
#
#   - the guard's decision (boot.json) is carried out: the shim and the
#     extension loaded through libkmod (modules.dep of the guest), the
#     chosen content pushed, every step journalled begin/end, the result
#     recorded in the guard's state; a stale or missing decision means
#     safe mode and exit 3;
#   - `bulkheadctl content stage` pushes newer content live, refuses bad
#     content (userspace validation, with the reason; or the shim, with
#     its reason, when the extension refuses valid content) and versions
#     not above the active one, keeping what runs, and holds content back
#     as pending while the shim has the extension stopped;
#   - an operator's disable and a guard-made one (a loader journal that
#     ends inside a step: the machine died pushing content) keep the
#     module out: the loader does not try, the shim vetoes a manual load;
#     safe mode from the (guard's) kernel command line loads only the shim;
#   - an operator's disable and enable act at once through the kill switch;
#     a shim loaded before the loader gets the disable list through
#     securityfs; a crash in the shim's own (journalled) insert means the
#     next boot loads nothing, not even the shim, until an operator resets.
#
# The state directory is on tmpfs; a "reboot" is `bulkhead-guard shutdown`,
# rmmod of everything, `bulkhead-guard boot` (lib.sh: next_boot).
# vm-timeout: 180
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

d=$EXT/bh_execwatch
mount -t tmpfs tmpfs /var
guard_env /var/lib/bulkhead
ext_conf 10-execwatch.conf bh_execwatch required=yes "schema=$FX/execwatch.schema"

# ---- boot 1: the guard's decision, no content yet ------------------------------
guard_boot
expect_rc b1-guard-rc 0 "$guard_rc" "$guard_err"
check b1-bootjson-written test -s "$STATE/boot.json"
expect_eq b1-bootjson-boot-id 1 "$(boot_id)"
expect_eq b1-bootjson-kernel-boot-id "$(cat /proc/sys/kernel/random/boot_id)" "$(bootjson kernel_boot_id)"
expect_eq b1-bootjson-no-content "" "$(chosen bh_execwatch)"

run_load
expect_rc b1-load-rc 0 "$load_rc" "$load_err"
check b1-shim-loaded is_loaded bulkhead
check b1-ew-loaded is_loaded bh_execwatch
expect_eq b1-ew-no-content 0 "$(rd "$d/content_version")"
expect_contains b1-logged-no-content "extension bh_execwatch: loaded (module bh_execwatch), no content staged yet" "$load_err"
expect_eq b1-journal "begin insert bulkhead 0,end insert bulkhead 0,begin insert bh_execwatch 0,end insert bh_execwatch 0" "$(journal_of 1)"
expect_eq b1-status-result loaded "$(ext_field bh_execwatch load.result)"

# stage while nothing is registered: checked against the configured
# schema file, stored, pushed at the next load
unload_all
ctl_stage bh_execwatch "$FX/ew-v1.bhc"
expect_rc stage-v1-offline-rc 0 "$stage_rc" "$stage_err"
expect_contains stage-v1-offline-detail "not registered with the shim now: pushed when it next loads" "$stage_err"
check stage-v1-in-store cmp -s "$FX/ew-v1.bhc" "$STATE/content/bh_execwatch/1"
expect_eq stage-v1-active 1 "$(ext_field bh_execwatch active)"

# ---- boot 2: the guard chooses v1, the loader brings it up ---------------------
next_boot
expect_rc b2-guard-rc 0 "$guard_rc" "$guard_err"
expect_eq b2-bootjson-boot-id 2 "$(boot_id)"
expect_eq b2-chosen 1 "$(chosen bh_execwatch)"
klog_mark
run_load
expect_rc b2-load-rc 0 "$load_rc" "$load_err"
check b2-shim-loaded is_loaded bulkhead
check b2-ew-loaded is_loaded bh_execwatch
expect_eq b2-shim-no-disable "" "$(rd "$BH/disable")"
expect_eq b2-shim-no-safe-mode 0 "$(rd "$BH/safe_mode")"
expect_eq b2-content-version 1 "$(rd "$d/content_version")"
expect_eq b2-state enabled "$(rd "$d/state")"
expect_contains b2-kernel-took-v1 "extension bh_execwatch: content version 1 active" "$(klog_since)"
expect_eq b2-journal "begin insert bulkhead 0,end insert bulkhead 0,begin insert bh_execwatch 1,end insert bh_execwatch 1,begin push bh_execwatch 1,end push bh_execwatch 1" \
	"$(journal_of 2)"
expect_eq b2-status-result loaded "$(ext_field bh_execwatch load.result)"
expect_eq b2-status-boot 2 "$(ext_field bh_execwatch load.boot)"
expect_eq b2-status-error "" "$(ext_field bh_execwatch load.error)"
expect_contains b2-logged "extension bh_execwatch: loaded (module bh_execwatch), content 1" "$load_err"
expect_contains b2-logged-summary "boot 2: shim loaded, 1 of 1 extension(s) loaded, 0 failed" "$load_err"
# the content is in use
run_n 3 /bin/true
expect_eq b2-rule-1-hits 3 "$(stat_after "$d/stats" 'rule 1 hits')"

# ---- a decision that is not this boot's, or none: safe mode, exit 3 -----------
cp "$STATE/boot.json" /tmp/boot.json.good
sed 's/"kernel_boot_id":"[^"]*"/"kernel_boot_id":"00000000-1111-2222-3333-444444444444"/' \
	/tmp/boot.json.good >"$STATE/boot.json"
unload_all
run_load
expect_rc stale-load-rc 3 "$load_rc" "$load_err"
expect_contains stale-logged "is stale: it was made in kernel boot 00000000-1111-2222-3333-444444444444" "$load_err"
check stale-shim-loaded is_loaded bulkhead
expect_eq stale-shim-safe-mode 1 "$(rd "$BH/safe_mode")"
check_not stale-ew-not-loaded is_loaded bh_execwatch
expect_eq stale-status-result safe-mode "$(ext_field bh_execwatch load.result)"
rm "$STATE/boot.json"
unload_all
run_load
expect_rc missing-load-rc 3 "$load_rc" "$load_err"
expect_contains missing-logged "booting in safe mode" "$load_err"
check_not missing-ew-not-loaded is_loaded bh_execwatch
cp /tmp/boot.json.good "$STATE/boot.json"

# ---- live staging ----------------------------------------------------------------
unload_all
run_load
expect_rc live-load-rc 0 "$load_rc" "$load_err"
expect_eq live-v1-running 1 "$(rd "$d/content_version")"
ctl_stage bh_execwatch "$FX/ew-v2.bhc"
expect_rc stage-v2-rc 0 "$stage_rc" "$stage_err"
expect_contains stage-v2-detail "content 2 active: the shim took it" "$stage_err"
expect_eq stage-v2-content-version 2 "$(rd "$d/content_version")"
expect_eq stage-v2-rules 3 "$(field "$d/stats" rules)"
expect_eq stage-v2-active 2 "$(ext_field bh_execwatch active)"
expect_eq stage-v2-chosen 2 "$(ext_field bh_execwatch chosen)"
expect_eq stage-v2-journal "begin push bh_execwatch 2,end push bh_execwatch 2" \
	"$(journal_of 2 | sed 's/.*end push bh_execwatch 1,//')"

# refused by userspace validation: the reason, exit 1, nothing changed
ref0=$(field "$d/counters" refused)
ctl_stage bh_execwatch "$FX/bad-field-count.bhc"
expect_rc stage-bad-rc 1 "$stage_rc" "$stage_err"
expect_contains stage-bad-reason "refused (field-count)" "$stage_err"
expect_eq stage-bad-version-kept 2 "$(rd "$d/content_version")"
expect_eq stage-bad-active-kept 2 "$(ext_field bh_execwatch active)"
expect_eq stage-bad-pending-none 0 "$(ext_field bh_execwatch pending)"
# (ew-bad-*.json are content version 9)
check_not stage-bad-not-stored test -e "$STATE/content/bh_execwatch/9"
# the shim never saw it
expect_eq stage-bad-shim-untouched "$ref0" "$(field "$d/counters" refused)"

# not above the active version
ctl_stage bh_execwatch "$FX/ew-v1.bhc"
expect_rc stage-older-rc 1 "$stage_rc" "$stage_err"
expect_contains stage-older-reason "version 1 is not above the active version 2" "$stage_err"
ctl_stage bh_execwatch "$FX/ew-v2.bhc"
expect_rc stage-same-rc 1 "$stage_rc" "$stage_err"
expect_eq stage-older-version-kept 2 "$(rd "$d/content_version")"

# the shim has the extension stopped (kill switch): held as pending
echo disable >"$d/state"
ctl_stage bh_execwatch "$FX/ew-v3.bhc"
expect_rc stage-stopped-rc 0 "$stage_rc" "$stage_err"
expect_contains stage-stopped-pending "content 3 pending" "$stage_err"
expect_eq stage-stopped-pending-3 3 "$(ext_field bh_execwatch pending)"
expect_eq stage-stopped-active-2 2 "$(ext_field bh_execwatch active)"
expect_eq stage-stopped-version-kept 2 "$(rd "$d/content_version")"
echo enable >"$d/state"
ctl_stage bh_execwatch "$FX/ew-v3.bhc"
expect_rc stage-v3-rc 0 "$stage_rc" "$stage_err"
expect_eq stage-v3-content-version 3 "$(rd "$d/content_version")"
expect_eq stage-v3-active-pending "3 0" "$(ext_field bh_execwatch active) $(ext_field bh_execwatch pending)"

# valid by the schema, refused by the extension itself (a relative path):
# the shim's reason, exit 1, the old content runs on, nothing kept
ctl_stage bh_execwatch "$FX/ew-v4-relative.bhc"
expect_rc stage-v4-rc 1 "$stage_rc" "$stage_err"
expect_contains stage-v4-shim-reason "shim refused: content version 4 refused by the extension: error -22; content 3 stays active" "$stage_err"
expect_eq stage-v4-version-kept 3 "$(rd "$d/content_version")"
expect_eq stage-v4-active-pending "3 0" "$(ext_field bh_execwatch active) $(ext_field bh_execwatch pending)"
check_not stage-v4-not-stored test -e "$STATE/content/bh_execwatch/4"
expect_eq stage-v4-journal "begin push bh_execwatch 4,end push bh_execwatch 4" \
	"$(journal_of "$(boot_id)" | sed 's/.*end push bh_execwatch 3,//')"

# ---- an operator's disable ----------------------------------------------------------
"$CTL" disable bh_execwatch >/dev/null 2>&1
expect_eq op-disable-rc 0 "$?"
next_boot
expect_eq op-bootjson-disable bh_execwatch "$(bootjson_list disable)"
b=$(boot_id)
klog_mark
run_load
expect_rc op-load-rc 0 "$load_rc" "$load_err"
check op-shim-loaded is_loaded bulkhead
expect_eq op-shim-disable bh_execwatch "$(rd "$BH/disable")"
check_not op-ew-not-loaded is_loaded bh_execwatch
expect_eq op-loader-did-not-try "" "$(journal_of "$b" | grep -o bh_execwatch)"
expect_eq op-no-refusal-logged 0 "$(klog_since | grep -c 'load refused')"
expect_eq op-status-result disabled "$(ext_field bh_execwatch load.result)"
expect_contains op-logged "extension bh_execwatch: not loaded: disabled for boot $b" "$load_err"
klog_mark
out=$(insmod "$MODDIR/bh_execwatch.ko" 2>&1)
expect_contains op-insmod-vetoed "Operation not permitted" "$out"
out=$("$KMOD/modprobe" bh_execwatch 2>&1)
expect_contains op-modprobe-vetoed "Operation not permitted" "$out"
check_not op-still-not-loaded is_loaded bh_execwatch
expect_contains op-veto-logged "module bh_execwatch: load refused: on the disable list" "$(klog_since)"
"$CTL" enable bh_execwatch >/dev/null 2>&1
expect_eq op-enable-rc 0 "$?"

# ---- a guard-made disable: the last boot died pushing content ------------------------
next_boot
b=$(boot_id)
run_load
expect_rc crash-load-rc 0 "$load_rc" "$load_err"
expect_eq crash-content-3 3 "$(rd "$d/content_version")"
# as if the kernel died in the middle of a push: a begin with no end
echo "$b begin push bh_execwatch 3" >>"$STATE/loader.journal"
unload_all
guard_boot
expect_rc crash-guard-rc 0 "$guard_rc" "$guard_err"
expect_contains crash-guard-disabled "disable bh_execwatch" "$guard_err"
expect_eq crash-bootjson-disable bh_execwatch "$(bootjson_list disable)"
expect_eq crash-status-disabled "disabled true" \
	"$(ext_field bh_execwatch status) $(ext_field bh_execwatch disabled_by_guard)"
expect_contains crash-status-reason loader "$(ext_field bh_execwatch reason)"
b=$(boot_id)
run_load
expect_rc crash-disabled-load-rc 0 "$load_rc" "$load_err"
check_not crash-ew-not-loaded is_loaded bh_execwatch
expect_eq crash-shim-disable bh_execwatch "$(rd "$BH/disable")"
expect_eq crash-loader-did-not-try "" "$(journal_of "$b" | grep -o bh_execwatch)"
expect_eq crash-status-result disabled "$(ext_field bh_execwatch load.result)"
out=$(insmod "$MODDIR/bh_execwatch.ko" 2>&1)
expect_contains crash-insmod-vetoed "Operation not permitted" "$out"
"$CTL" reset >/dev/null 2>&1
expect_eq crash-reset-rc 0 "$?"

# ---- an operator's disable and enable act at once, through the shim ----------------
next_boot
run_load
expect_eq now-running "enabled 3" "$(rd "$d/state") $(rd "$d/content_version")"
out=$("$CTL" disable bh_execwatch 2>&1)
expect_eq now-disable-rc 0 "$?"
expect_eq now-disabled-at-once disabled "$(rd "$d/state")"
expect_eq now-on-shim-list bh_execwatch "$(rd "$BH/disable")"
expect_contains now-disable-said "disabled now through the shim's kill switch" "$out"
out=$("$CTL" enable bh_execwatch 2>&1)
expect_eq now-enabled-at-once "enabled " "$(rd "$d/state") $(rd "$BH/disable")"
expect_contains now-enable-said "enabled now through the shim's kill switch" "$out"

# ---- a shim loaded before the loader still gets the decision -----------------------
"$CTL" disable bh_execwatch >/dev/null 2>&1
next_boot
insmod_bh
run_load
expect_rc early-shim-load-rc 1 "$load_rc" "$load_err"
expect_contains early-shim-said "was loaded before the loader" "$load_err"
expect_eq early-shim-list bh_execwatch "$(rd "$BH/disable")"
check_not early-shim-ew-not-loaded is_loaded bh_execwatch
out=$(insmod "$MODDIR/bh_execwatch.ko" 2>&1)
expect_contains early-shim-insmod-vetoed "Operation not permitted" "$out"
"$CTL" enable bh_execwatch >/dev/null 2>&1

# ---- the shim itself crashed at its insert: the last rung loads nothing ------------
next_boot
b=$(boot_id)
run_load
expect_rc shim-crash-load-rc 0 "$load_rc" "$load_err"
# as if the kernel died in the shim's init: its insert began and never ended
echo "$b begin insert bulkhead 0" >>"$STATE/loader.journal"
unload_all
guard_boot
expect_rc shim-crash-guard-rc 0 "$guard_rc" "$guard_err"
expect_contains shim-crash-guard-safe-mode "naming the shim bulkhead (loader, op insert)" "$guard_err"
expect_eq shim-crash-bootjson "true false" "$(bootjson safe_mode) $(bootjson load_shim)"
b=$(boot_id)
run_load
expect_rc shim-crash-load-degraded 1 "$load_rc" "$load_err"
check_not shim-crash-shim-not-loaded is_loaded bulkhead
check_not shim-crash-ew-not-loaded is_loaded bh_execwatch
expect_eq shim-crash-nothing-journalled "" "$(journal_of "$b")"
expect_contains shim-crash-logged "not loaded: the boot guard blamed the shim itself" "$load_err"
"$CTL" reset >/dev/null 2>&1
expect_eq shim-crash-reset-rc 0 "$?"
next_boot
expect_eq shim-crash-back "false " "$(bootjson safe_mode) $(bootjson load_shim)"
run_load
check shim-crash-back-loaded is_loaded bulkhead

# ---- safe mode from the kernel command line the guard reads ----------------------------
echo "$(cat /proc/cmdline) bulkhead.safe_mode=1" >/tmp/bh-cmdline
next_boot
expect_eq safe-bootjson true "$(bootjson safe_mode)"
klog_mark
run_load
expect_rc safe-load-rc 0 "$load_rc" "$load_err"
check safe-shim-loaded is_loaded bulkhead
expect_eq safe-shim-safe-mode 1 "$(rd "$BH/safe_mode")"
check_not safe-ew-not-loaded is_loaded bh_execwatch
expect_eq safe-only-shim "bulkhead" "$(awk '$1 ~ /^(bulkhead|bh_)/ { print $1 }' /proc/modules | tr '\n' ' ' | sed 's/ $//')"
expect_eq safe-status-result safe-mode "$(ext_field bh_execwatch load.result)"
expect_contains safe-logged "extension bh_execwatch: not loaded: safe mode" "$load_err"
out=$(insmod "$MODDIR/bh_execwatch.ko" 2>&1)
expect_contains safe-insmod-vetoed "Operation not permitted" "$out"
expect_contains safe-veto-logged "module bh_execwatch: load refused: safe mode" "$(klog_since)"

# and back: the same content as before safe mode
cat /proc/cmdline >/tmp/bh-cmdline
next_boot
expect_eq back-bootjson-safe-mode false "$(bootjson safe_mode)"
run_load
expect_rc back-load-rc 0 "$load_rc" "$load_err"
expect_eq back-content-3 3 "$(rd "$d/content_version")"

# ---- the store's copy went bad: the shim refuses it at boot, with its reason ---------
cp "$STATE/content/bh_execwatch/3" /tmp/v3.good
cp "$FX/bad-field-count.bhc" "$STATE/content/bh_execwatch/3"
next_boot
run_load
# bh_execwatch is required here: its content failing fails the boot's load
expect_rc corrupt-load-rc 3 "$load_rc" "$load_err"
check corrupt-ew-loaded is_loaded bh_execwatch
expect_eq corrupt-no-content 0 "$(rd "$d/content_version")"
expect_eq corrupt-status-result content-refused "$(ext_field bh_execwatch load.result)"
expect_contains corrupt-status-error "shim refused: content refused (field-count)" "$(ext_field bh_execwatch load.error)"
expect_contains corrupt-logged "extension bh_execwatch: content-refused (required): content 3 for bh_execwatch: shim refused" "$load_err"
cp /tmp/v3.good "$STATE/content/bh_execwatch/3"
unload_all
check_not all-unloaded is_loaded bulkhead
