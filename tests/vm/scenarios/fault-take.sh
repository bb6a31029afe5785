# fault-take.sh - an extension oopses in take_content, in process context
# inside the writer's write(): bh_takeoops dereferences NULL on a rule
# whose path is "OOPS" (valid by its schema: no validator can know every
# parser bug).  The writer dies, the die notifier names the extension, op
# take_content and the new content's version, the extension is marked
# faulted and its previous content stays the active version.  Afterwards
# the faulted extension must still answer as documented (a content write
# fails with ESHUTDOWN, the module can be removed) instead of blocking:
# those checks run in the background with a deadline, since a blocked
# task cannot be killed.
# vm-expect-oops: 1
# vm-timeout: 90
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

d=$EXT/bh_takeoops

# the oops must be survived, not turned into a panic
expect_eq panic-on-oops-off 0 "$(cat /proc/sys/kernel/panic_on_oops)"
check shim-insmod insmod_bh
check takeoops-insmod insmod "$MODDIR/bh_takeoops.ko"
check takeoops-schema schema_matches bh_takeoops takeoops.schema
push "$FX/takeoops-v1.bhc" "$d/content"
expect_eq content-v1 "0 1" "$push_rc $(rd "$d/content_version")"

klog_mark
push "$FX/takeoops-v2-oops.bhc" "$d/content"
if [ "$push_rc" -ge 128 ]; then ok writer-killed; else fail writer-killed "dd exit status $push_rc ($push_err)"; fi
klog_since >/tmp/fault.log
expect_eq fault-line 1 "$(grep -c 'bulkhead: fault extension=bh_takeoops op=take_content content=2$' /tmp/fault.log)"
expect_eq fault-line-only-one 1 "$(grep -c 'bulkhead: fault ' /tmp/fault.log)"
expect_eq state-faulted faulted "$(rd "$d/state")"
expect_eq faults-1 1 "$(field "$d/counters" faults)"
expect_eq content-v1-kept 1 "$(rd "$d/content_version")"

# a faulted extension refuses content with ESHUTDOWN (intake.c)
if within_deadline 5 faulted-content-write dd if="$FX/takeoops-v3.bhc" of="$d/content" conv=notrunc; then
	expect_contains faulted-content-eshutdown "Cannot send after transport endpoint shutdown" "$(cat /tmp/faulted-content-write.out)"
fi
within_deadline 5 faulted-stats-read cat "$d/stats"
if within_deadline 5 faulted-rmmod rmmod bh_takeoops; then
	expect_eq faulted-rmmod-status 0 "$(cat /tmp/faulted-rmmod.rc)"
fi
