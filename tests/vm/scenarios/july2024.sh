# july2024.sh - the July 2024 failure, contained.  bh_rawparse parses its
# content with raw pointers and a fixed table of 20 field handlers, as the
# crashed sensor did: a 21-field record makes it call through the 21st,
# nonexistent, table entry.  Behind the shim the 21-field file must be
# refused for its field count before bh_rawparse sees a byte of it (its
# "parsing content version 2" line never appears), the 20-field content
# it already took stays active, and the extension keeps working.
# vm-timeout: 60
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

d=$EXT/bh_rawparse

check shim-insmod insmod_bh
check rawparse-insmod insmod "$MODDIR/bh_rawparse.ko"
check rawparse-schema schema_matches bh_rawparse rawparse.schema

klog_mark
push "$FX/rawparse-v1.bhc" "$d/content"
expect_eq v1-accepted "0" "$push_rc${push_err:+ $push_err}"
expect_eq v1-content-version 1 "$(rd "$d/content_version")"
expect_eq v1-parsed 1 "$(klog_since | grep -c 'bh_rawparse: parsing content version 1$')"
expect_eq v1-channels 1 "$(klog_since | grep -c 'bh_rawparse: content version 1: 2 channel records')"

klog_mark
push "$FX/rawparse-v2-21fields.bhc" "$d/content"
if [ "$push_rc" -ne 0 ]; then ok v2-21-fields-write-fails; else fail v2-21-fields-write-fails "dd succeeded"; fi
expect_contains v2-errno "Bad message" "$push_err"
expect_contains v2-last-error "content refused (field-count)" "$(rd "$d/last_error")"
expect_contains v2-last-error-names-21 "21 fields, schema declares 20" "$(rd "$d/last_error")"
expect_eq v2-never-parsed 0 "$(klog_since | grep -c 'bh_rawparse: parsing content version 2')"
expect_eq v2-refusal-logged 1 "$(klog_since | grep -c 'extension bh_rawparse: content refused (field-count)')"
expect_eq v2-version-kept 1 "$(rd "$d/content_version")"
expect_eq v2-counted "accepted 1 refused 1 faults 0" \
	"accepted $(field "$d/counters" accepted) refused $(field "$d/counters" refused) faults $(field "$d/counters" faults)"
expect_eq v2-still-enabled enabled "$(rd "$d/state")"

# the extension lives on and still takes valid content
klog_mark
push "$FX/rawparse-v1.bhc" "$d/content"
expect_eq v1-again-accepted "0" "$push_rc${push_err:+ $push_err}"
expect_eq v1-again-parsed 1 "$(klog_since | grep -c 'bh_rawparse: parsing content version 1$')"

check rawparse-rmmod rmmod bh_rawparse
check shim-rmmod rmmod bulkhead
