# basic.sh - bulkhead.ko and bh_execwatch end to end: the securityfs
# layout, registration and the schema text, content intake and exec
# matching, every refusal class the intake reports, the privilege checks,
# the kill switch, unregistering with a file still open, and unloading.
# Everything is read back from securityfs, dmesg and the writers' errno.
# vm-timeout: 120
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

d=$EXT/bh_execwatch

# ---- the shim alone ---------------------------------------------------------
check shim-insmod insmod_bh
for f in version safe_mode disable; do
	check "shim-file-$f" test -f "$BH/$f"
done
check shim-extensions-dir test -d "$EXT"
check shim-version-text grep -qE '^[0-9]+\.[0-9]+\.[0-9]+ format 2$' "$BH/version"
expect_eq shim-safe-mode-off 0 "$(rd "$BH/safe_mode")"
expect_eq shim-disable-empty "" "$(rd "$BH/disable")"
expect_eq shim-no-extensions "" "$(ls "$EXT")"

# ---- registration -------------------------------------------------------------
klog_mark
check ew-insmod insmod "$MODDIR/bh_execwatch.ko"
check ew-dir test -d "$d"
expect_eq ew-files "content content_version counters last_error schema state stats" \
	"$(ls "$d" | sort | tr '\n' ' ' | sed 's/ $//')"
expect_contains ew-registered-logged "extension bh_execwatch: registered, schema execwatch version 1" "$(klog_since)"
expect_eq ew-content-version-0 0 "$(rd "$d/content_version")"
expect_eq ew-state-enabled enabled "$(rd "$d/state")"
check ew-schema-canonical schema_matches bh_execwatch execwatch.schema
# the comparison above must be able to fail
check_not ew-schema-not-noop schema_matches bh_execwatch noop.schema
expect_eq ew-last-error-empty "" "$(rd "$d/last_error")"
expect_eq ew-counters-keys "events accepted refused faults" \
	"$(awk '{ print $1 }' "$d/counters" | tr '\n' ' ' | sed 's/ $//')"
expect_eq ew-counters-zero "0 0 0" \
	"$(field "$d/counters" accepted) $(field "$d/counters" refused) $(field "$d/counters" faults)"
expect_eq ew-stats-empty "content 0 rules 0 matches 0" "$(rd "$d/stats")"
check_not ew-content-write-only cat "$d/content"

# ---- content version 1 through a shell redirection ------------------------------
klog_mark
cat "$FX/ew-v1.bhc" >"$d/content"
expect_eq v1-cat-status 0 $?
expect_eq v1-content-version 1 "$(rd "$d/content_version")"
expect_eq v1-accepted-1 1 "$(field "$d/counters" accepted)"
expect_contains v1-logged "extension bh_execwatch: content version 1 active, 2 records" "$(klog_since)"
expect_eq v1-stats "content 1 rules 2" "$(head -n 2 "$d/stats" | tr '\n' ' ' | sed 's/ $//')"
expect_eq v1-last-error-still-empty "" "$(rd "$d/last_error")"

# ---- matching: exact rule 1 (/bin/true), prefix rule 2 (/bin/bh-pfx-*, logs) -----
make_script /bin/bh-pfx-a
klog_mark
ev0=$(field "$d/counters" events)
run_n 5 /bin/true
run_n 3 /bin/bh-pfx-a
run_n 2 /bin/false
ev1=$(field "$d/counters" events)
expect_eq match-exact-hits 5 "$(stat_after "$d/stats" 'rule 1 hits')"
expect_eq match-prefix-hits 3 "$(stat_after "$d/stats" 'rule 2 hits')"
expect_eq match-total 8 "$(field "$d/stats" matches)"
# every exec is an event, matching or not (and reading counters execs too)
if [ "$((ev1 - ev0))" -ge 10 ]; then ok match-events-counted; else fail match-events-counted "events $ev0 -> $ev1 after 10 execs"; fi
expect_eq match-prefix-logged 3 "$(klog_since | grep -c 'bh_execwatch: rule 2 matched exec of /bin/bh-pfx-a')"
expect_eq match-exact-not-logged 0 "$(klog_since | grep -c 'rule 1 matched')"

# ---- version 2 in 7-byte writes: the intake reassembles the stream ------------------
push "$FX/ew-v2.bhc" "$d/content" 7
expect_eq v2-chunked-status "0" "$push_rc${push_err:+ $push_err}"
expect_eq v2-content-version 2 "$(rd "$d/content_version")"
expect_eq v2-rules 3 "$(field "$d/stats" rules)"
run_n 2 /bin/false
expect_eq v2-new-rule-hits 2 "$(stat_after "$d/stats" 'rule 3 hits')"
expect_eq v2-accepted-2 2 "$(field "$d/counters" accepted)"

# ---- refusals: one damaged file per class (see mkfixtures.sh) ------------------------
# each must fail for its writer with the listed errno (a file that ends
# early is judged at the upload's last close, which cannot report it:
# "at-close", the writer sees success), leave version 2 active, name its
# class in last_error and count once as refused
exec 9<"$FX/refusals.list"
while read -r name class errtext <&9; do
	ver0=$(rd "$d/content_version")
	ref0=$(field "$d/counters" refused)
	push "$FX/$name.bhc" "$d/content"
	if [ "$errtext" = at-close ]; then
		expect_eq "refuse-$name-judged-at-close" 0 "$push_rc${push_err:+ $push_err}"
	else
		if [ "$push_rc" -ne 0 ]; then ok "refuse-$name-write-fails"; else fail "refuse-$name-write-fails" "dd succeeded"; fi
		expect_contains "refuse-$name-errno" "$errtext" "$push_err"
	fi
	expect_eq "refuse-$name-version-kept" "$ver0" "$(rd "$d/content_version")"
	expect_contains "refuse-$name-last-error" "content refused ($class)" "$(rd "$d/last_error")"
	expect_eq "refuse-$name-counted" $((ref0 + 1)) "$(field "$d/counters" refused)"
done
exec 9<&-
expect_eq refuse-all-content-kept "content 2 rules 3" "$(head -n 2 "$d/stats" | tr '\n' ' ' | sed 's/ $//')"
h0=$(stat_after "$d/stats" 'rule 1 hits')
run_n 1 /bin/true
expect_eq refuse-all-still-matching $((h0 + 1)) "$(stat_after "$d/stats" 'rule 1 hits')"

# the shell way of writing, refused: cat's write fails with the errno
out=$(cat "$FX/bad-field-count.bhc" 2>&1 >"$d/content")
expect_eq refuse-cat-status "1" "$?"
expect_contains refuse-cat-errno "Bad message" "$out"
echo bogus >"$d/state" 2>/dev/null
expect_eq state-bogus-word-refused "1 enabled" "$? $(rd "$d/state")"

# ---- no privilege, no change -------------------------------------------------
# Opening a root-owned 0200/0644 file for writing as another user fails in
# the VFS permission check (EACCES) before the module's CAP_SYS_ADMIN
# check; a descriptor root opened and handed down reaches that check
# (EPERM).  Both must change nothing.
ver0=$(rd "$d/content_version")
out=$(as_user "cat $FX/ew-v3.bhc > $d/content")
expect_eq user-content-open-fails "1" "$?"
expect_contains user-content-open-errno "Permission denied" "$out"
out=$(as_user "echo disable > $d/state")
expect_contains user-state-open-errno "Permission denied" "$out"
out=$(as_user "echo bh_execwatch > $BH/disable")
expect_contains user-disable-open-errno "Permission denied" "$out"
exec 3>"$d/content"
out=$(as_user "cat $FX/ew-v3.bhc >&3")
expect_eq user-content-fd-fails "1" "$?"
expect_contains user-content-fd-errno "Operation not permitted" "$out"
exec 3>&-
exec 3>"$d/state"
out=$(as_user "echo disable >&3")
expect_contains user-state-fd-errno "Operation not permitted" "$out"
exec 3>&-
exec 3>"$BH/disable"
out=$(as_user "echo bh_execwatch >&3")
expect_contains user-disable-fd-errno "Operation not permitted" "$out"
exec 3>&-
expect_eq user-nothing-changed "$ver0 enabled " \
	"$(rd "$d/content_version") $(rd "$d/state") $(rd "$BH/disable")"
expect_eq user-can-read-state enabled "$(as_user "cat $d/state")"

# ---- the kill switch ----------------------------------------------------------
klog_mark
echo disable >"$d/state"
expect_eq kill-disable-status 0 $?
expect_eq kill-state-disabled disabled "$(rd "$d/state")"
expect_contains kill-logged "extension bh_execwatch: disabled by kill switch" "$(klog_since)"
# drop_content ran: the extension holds no rules any more
expect_eq kill-rules-dropped 0 "$(field "$d/stats" rules)"
m0=$(field "$d/stats" matches)
ev0=$(field "$d/counters" events)
run_n 5 /bin/true
expect_eq kill-no-events "$ev0" "$(field "$d/counters" events)"
expect_eq kill-no-matches "$m0" "$(field "$d/stats" matches)"
push "$FX/ew-v3.bhc" "$d/content"
expect_contains kill-content-refused "Cannot send after transport endpoint shutdown" "$push_err"
expect_contains kill-content-last-error "extension is disabled" "$(rd "$d/last_error")"
expect_eq kill-version-kept 2 "$(rd "$d/content_version")"
echo disable >"$d/state"
expect_eq kill-disable-twice "0 disabled" "$? $(rd "$d/state")"

echo enable >"$d/state"
expect_eq kill-enable-status 0 $?
expect_eq kill-state-enabled enabled "$(rd "$d/state")"
# the retained content was handed over again
expect_eq kill-content-rehanded "content 2 rules 3" "$(head -n 2 "$d/stats" | tr '\n' ' ' | sed 's/ $//')"
ev0=$(field "$d/counters" events)
run_n 4 /bin/true
expect_eq kill-matching-resumes 4 "$(stat_after "$d/stats" 'rule 1 hits')"
ev1=$(field "$d/counters" events)
if [ "$((ev1 - ev0))" -ge 4 ]; then ok kill-events-resume; else fail kill-events-resume "events $ev0 -> $ev1"; fi
push "$FX/ew-v3.bhc" "$d/content"
expect_eq kill-content-after-enable "0 3" "$push_rc $(rd "$d/content_version")"

klog_mark
echo disable >"$d/state"
check kill-rmmod-disabled rmmod bh_execwatch
check_not kill-dir-gone test -e "$d"
expect_contains kill-unregistered-logged "extension bh_execwatch: unregistered" "$(klog_since)"

# ---- unregister with a content file open; unload --------------------------------
check reload-insmod insmod "$MODDIR/bh_execwatch.ko"
expect_eq reload-fresh-state "0 enabled" "$(rd "$d/content_version") $(rd "$d/state")"
push "$FX/ew-v1.bhc" "$d/content"
expect_eq reload-content "0 1" "$push_rc $(rd "$d/content_version")"
check_not shim-busy-while-extension-loaded rmmod bulkhead
exec 4>"$d/content"
check reload-rmmod-with-content rmmod bh_execwatch
check_not reload-dir-gone test -e "$d"
# the open file outlives the extension: a write through it finds it gone
out=$(cat "$FX/ew-v1.bhc" 2>&1 >&4)
expect_contains stale-fd-enodev "No such device" "$out"
# and it must not keep the name taken: the extension registers again
# while the old file is still open (an agent holding a file open must
# not block an upgrade)
check reregister-while-file-open insmod "$MODDIR/bh_execwatch.ko"
expect_eq reregister-fresh "0 enabled" "$(rd "$d/content_version") $(rd "$d/state")"
is_loaded bh_execwatch && rmmod bh_execwatch
exec 4>&-
check_not reload-not-loaded is_loaded bh_execwatch
# once the last file is closed nothing of the extension may be left
check_not reload-dir-gone-after-close test -e "$d"

klog_mark
check shim-rmmod rmmod bulkhead
check_not shim-dir-gone test -e "$BH"
check_not shim-not-loaded is_loaded bulkhead
expect_contains shim-unloaded-logged "bulkhead: unloaded" "$(klog_since)"
# and it loads again, as an upgrade would need
check shim-reload insmod_bh
check shim-reload-rmmod rmmod bulkhead
