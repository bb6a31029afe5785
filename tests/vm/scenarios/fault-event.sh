# fault-event.sh - an extension oopses in handle_event, in atomic context,
# on an exec: bh_eventoops dereferences NULL when the exec'd path is its
# armed rule's (id 666).  The exec'ing process dies, the shim's die
# notifier prints its one breadcrumb line naming the extension, the op and
# the content version, marks the extension faulted so no event reaches it
# again, and the system carries on.  Exactly one oops is expected; the
# kernel must not be set to panic on it.
# vm-expect-oops: 1
# vm-timeout: 60
# shellcheck shell=sh disable=SC2154,SC2320 # lib.sh variables; $? of echo is the write status

d=$EXT/bh_eventoops
target=/bin/busybox-oops-target
make_script "$target"

# the oops must be survived, not turned into a panic
expect_eq panic-on-oops-off 0 "$(cat /proc/sys/kernel/panic_on_oops)"
check shim-insmod insmod_bh
check eventoops-insmod insmod "$MODDIR/bh_eventoops.ko"
check eventoops-schema schema_matches bh_eventoops eventoops.schema
push "$FX/eventoops-v1.bhc" "$d/content"
expect_eq content-v1 "0 1" "$push_rc $(rd "$d/content_version")"
# rule 1 (/bin/true) is not armed: harmless
run_n 3 /bin/true
expect_eq unarmed-rule-harmless "enabled 0" "$(rd "$d/state") $(field "$d/counters" faults)"

klog_mark
"$target"
rc=$?
if [ "$rc" -ge 128 ]; then ok exec-process-killed; else fail exec-process-killed "exit status $rc"; fi
klog_since >/tmp/fault.log
expect_eq fault-line 1 "$(grep -c 'bulkhead: fault extension=bh_eventoops op=event content=1$' /tmp/fault.log)"
expect_eq fault-line-only-one 1 "$(grep -c 'bulkhead: fault ' /tmp/fault.log)"
expect_eq state-faulted faulted "$(rd "$d/state")"
expect_eq faults-1 1 "$(field "$d/counters" faults)"
expect_eq content-kept 1 "$(rd "$d/content_version")"

# no event reaches a faulted extension: the same exec now just runs
ev0=$(field "$d/counters" events)
"$target"
expect_eq exec-again-survives 0 $?
expect_eq no-events-after-fault "$ev0" "$(field "$d/counters" events)"
expect_eq faults-still-1 1 "$(field "$d/counters" faults)"

push "$FX/eventoops-v1.bhc" "$d/content"
expect_contains faulted-refuses-content "Cannot send after transport endpoint shutdown" "$push_err"
expect_contains faulted-last-error "extension is faulted" "$(rd "$d/last_error")"

# the faulted extension can be removed, and the shim after it
check eventoops-rmmod rmmod bh_eventoops
check_not eventoops-dir-gone test -e "$d"
check shim-rmmod rmmod bulkhead
