#!/bin/sh
# init.sh - /init of the crash-loop VM test (tests/vm/crash/run.sh puts it
# into its own initramfs).  One qemu process boots this twice:
#
#   boot 1: state disk mounted at /var/lib/bulkhead (empty), ramoops
#           loaded, `bulkhead-guard boot` (first boot: sets kernel.panic
#           and panic_on_oops from guard.conf), bulkhead.ko and
#           bh_takeoops.ko loaded, content v1 pushed, then the "OOPS"
#           content v2: the kernel oopses in take_content, panics because
#           of the guard's panic_on_oops and reboots by itself (panic=1 from
#           guard.conf; the kernel command line sets neither).
#   boot 2: the same disk, the marker on it says "second boot"; ramoops
#           hands the crashed boot's records to pstore, `bulkhead-guard
#           boot` judges boot 1, and the checks below look at what it
#           decided, then play the loader (bulkhead.ko disable= from
#           boot.json) and check that bh_takeoops is refused.
#
# Output (serial console), counted by the host:
#	BULKHEAD-CRASH-BOOT N          at the start of every boot
#	ok crash/NAME | FAIL crash/NAME: why
#	BULKHEAD-CRASH-RESULT pass=N fail=M   (boot 2, or a boot that gives up)
#	BULKHEAD-CRASH-OK               only when every check of both boots passed
TAG=crash
STATE=/var/lib/bulkhead
GUARD=/vm/bin/bulkhead-guard
CTL=/vm/bin/bulkheadctl
BH=/vm/ko/bulkhead.ko
TAKE=/vm/ko/bh_takeoops.ko
EXTD=/sys/kernel/security/bulkhead/extensions/bh_takeoops
FAULT='bulkhead: fault extension=bh_takeoops op=take_content content=2'
# every path is the real one (STATE is the default state directory): the
# tools run here as installed, no BULKHEAD_* test override involved

. /vm/common.sh

case $boot in
1)
	# ---- boot 1: first boot, then the crash ----------------------------
	expect_eq b1-pstore-empty "" "$(ls /sys/fs/pstore)"
	expect_eq b1-no-state-yet no "$([ -e "$STATE/state" ] && echo yes || echo no)"
	# nothing but the guard may make this kernel panic on an oops
	expect_eq b1-panic-on-oops-before 0 "$(cat /proc/sys/kernel/panic_on_oops)"
	expect_eq b1-panic-before 0 "$(cat /proc/sys/kernel/panic)"
	$GUARD boot 2>/tmp/guard.err
	expect_eq b1-guard-boot-rc 0 "$?"
	sed 's/^/guard: /' /tmp/guard.err
	expect_eq b1-guard-panic 1 "$(cat /proc/sys/kernel/panic)"
	expect_eq b1-guard-panic-on-oops 1 "$(cat /proc/sys/kernel/panic_on_oops)"
	awk -f /vm/jflat.awk "$STATE/boot.json" >/tmp/bootjson.flat 2>/dev/null
	expect_eq b1-bootjson-boot-id 1 "$(jget /tmp/bootjson.flat boot_id)"
	expect_eq b1-bootjson-disable-none "" "$(jget /tmp/bootjson.flat 'disable[0]')"
	$CTL status --json >/tmp/status1.json 2>/tmp/status1.err
	expect_eq b1-status-rc 0 "$?"
	awk -f /vm/jflat.awk /tmp/status1.json >/tmp/status1.flat
	expect_eq b1-status-current-boot 1 "$(jget /tmp/status1.flat state.current_boot)"
	expect_eq b1-status-boot1-running running "$(jget /tmp/status1.flat 'state.boots[0].end')"
	if insmod $BH 2>/tmp/e; then ok b1-insmod-bulkhead; else fail b1-insmod-bulkhead "$(quote "$(cat /tmp/e)")"; fi
	if insmod $TAKE 2>/tmp/e; then ok b1-insmod-takeoops; else fail b1-insmod-takeoops "$(quote "$(cat /tmp/e)")"; fi
	if dd if=/vm/fixtures/takeoops-v1.bhc of=$EXTD/content bs=65536 conv=notrunc 2>/tmp/e; then
		ok b1-push-v1
	else
		fail b1-push-v1 "$(quote "$(cat /tmp/e)")"
	fi
	expect_eq b1-content-v1 1 "$(cat $EXTD/content_version 2>/dev/null)"
	if [ "$nfail" -ne 0 ]; then
		echo "crash: boot 1 is broken, not crashing the kernel"
		finish
	fi
	save_tally
	echo "BULKHEAD-CRASH-PUSH-OOPS"
	# the writer's write() runs take_content, which oopses; with the
	# guard's panic_on_oops the kernel panics and reboots 1 s later
	dd if=/vm/fixtures/takeoops-v2-oops.bhc of=$EXTD/content bs=65536 conv=notrunc 2>/tmp/e
	rc=$?
	fail b1-kernel-panicked "pushing the OOPS content returned (dd status $rc: $(quote "$(cat /tmp/e)")); panic_on_oops=$(cat /proc/sys/kernel/panic_on_oops)"
	sleep 15
	fail b1-rebooted "still running 15 s after the push"
	finish
	;;
2) ;;
*)
	fail "unexpected-boot-$boot" "the guest booted a third time"
	finish
	;;
esac

# ---- boot 2: the guard judges boot 1 -------------------------------------
ok b2-rebooted-after-panic
ls /sys/fs/pstore >/tmp/pstore.before
echo "pstore before the guard: $(tr '\n' ' ' </tmp/pstore.before)"
expect_contains b2-pstore-has-records dmesg-ramoops- "$(cat /tmp/pstore.before)"
n=$(cat /sys/fs/pstore/dmesg-ramoops-* 2>/dev/null | grep -c "$FAULT")
if [ "$n" -ge 1 ]; then ok b2-pstore-has-fault-line; else fail b2-pstore-has-fault-line "no '$FAULT' in /sys/fs/pstore"; fi

$GUARD boot 2>/tmp/guard.err
expect_eq b2-guard-boot-rc 0 "$?"
sed 's/^/guard: /' /tmp/guard.err
expect_contains b2-guard-logged-disable "disable bh_takeoops" "$(cat /tmp/guard.err)"

$CTL status --json >/tmp/status.json 2>/tmp/status.err
expect_eq b2-status-exit-degraded 1 "$?"
awk -f /vm/jflat.awk /tmp/status.json >/tmp/status.flat
expect_eq b2-degraded true "$(jget /tmp/status.flat degraded)"
expect_eq b2-current-boot 2 "$(jget /tmp/status.flat state.current_boot)"

# boot 1 wherever it is in boots[]
b=$(sed -n 's/^state\.boots\[\([0-9]*\)\]\.id=1$/\1/p' /tmp/status.flat | head -n 1)
if [ -z "$b" ]; then
	fail b2-boot1-listed "no boot with id 1 in status"
	b=none
else
	ok b2-boot1-listed
fi
p="state.boots[$b]"
expect_eq b2-boot1-end failed "$(jget /tmp/status.flat "$p.end")"
expect_eq b2-boot1-evidence-kind shim-fault "$(jget /tmp/status.flat "$p.evidence.kind")"
expect_eq b2-boot1-evidence-extension bh_takeoops "$(jget /tmp/status.flat "$p.evidence.extension")"
expect_eq b2-boot1-evidence-op take_content "$(jget /tmp/status.flat "$p.evidence.op")"
expect_eq b2-boot1-evidence-content 2 "$(jget /tmp/status.flat "$p.evidence.content_version")"
expect_eq b2-boot1-evidence-oops true "$(jget /tmp/status.flat "$p.evidence.oops")"
expect_eq b2-boot1-evidence-panic true "$(jget /tmp/status.flat "$p.evidence.panic")"
expect_contains b2-boot1-evidence-detail "$FAULT" "$(jget /tmp/status.flat "$p.evidence.detail")"

# a disable decision for bh_takeoops whose reason names the evidence
d=$(sed -n 's/^state\.decisions\[\([0-9]*\)\]\.extension=bh_takeoops$/\1/p' /tmp/status.flat |
	while read -r j; do
		[ "$(jget /tmp/status.flat "state.decisions[$j].action")" = disable ] && echo "$j"
	done | head -n 1)
if [ -z "$d" ]; then
	fail b2-decision-disable "no disable decision for bh_takeoops: $(quote "$(grep '^state\.decisions' /tmp/status.flat)")"
else
	ok b2-decision-disable
	expect_eq b2-decision-boot-id 2 "$(jget /tmp/status.flat "state.decisions[$d].boot_id")"
	r=$(jget /tmp/status.flat "state.decisions[$d].reason")
	expect_contains b2-decision-reason-kind shim-fault "$r"
	expect_contains b2-decision-reason-op "op take_content" "$r"
	expect_contains b2-decision-reason-content "content 2" "$r"
fi
x=$(sed -n 's/^state\.extensions\[\([0-9]*\)\]\.name=bh_takeoops$/\1/p' /tmp/status.flat | head -n 1)
expect_eq b2-extension-disabled disabled "$(jget /tmp/status.flat "state.extensions[${x:-none}].status")"
expect_eq b2-extension-disabled-by-guard true "$(jget /tmp/status.flat "state.extensions[${x:-none}].disabled_by_guard")"

# pstore records: archived under boot-1 and gone from pstore
arch=$STATE/pstore/boot-1
missing=""
while read -r f; do
	case $f in dmesg-ramoops-*) [ -s "$arch/$f" ] || missing="$missing $f" ;; esac
done </tmp/pstore.before
expect_eq b2-pstore-archived "" "$missing"
n=$(cat "$arch"/* 2>/dev/null | grep -c "$FAULT")
# shellcheck disable=SC2012 # a diagnostic listing
if [ "$n" -ge 1 ]; then ok b2-archive-has-fault-line; else fail b2-archive-has-fault-line "no fault line in $arch ($(ls "$arch" 2>&1 | tr '\n' ' '))"; fi
left=""
for f in /sys/fs/pstore/dmesg-ramoops-*; do
	[ -e "$f" ] && left="$left ${f##*/}"
done
expect_eq b2-pstore-emptied "" "$left"

# boot.json, and the loader's part: bulkhead.ko disable= from it
awk -f /vm/jflat.awk "$STATE/boot.json" >/tmp/bootjson.flat
expect_eq b2-bootjson-boot-id 2 "$(jget /tmp/bootjson.flat boot_id)"
dis=$(sed -n 's/^disable\[[0-9]*\]=//p' /tmp/bootjson.flat | tr '\n' ',' | sed 's/,$//')
expect_eq b2-bootjson-disable bh_takeoops "$dis"
if insmod $BH "disable=$dis" 2>/tmp/e; then ok b2-insmod-bulkhead-disable; else fail b2-insmod-bulkhead-disable "$(quote "$(cat /tmp/e)")"; fi
expect_eq b2-shim-disable-param bh_takeoops "$(cat /sys/module/bulkhead/parameters/disable 2>/dev/null)"
if insmod $TAKE 2>/tmp/e; then
	fail b2-takeoops-refused "insmod bh_takeoops.ko succeeded"
else
	expect_contains b2-takeoops-refused-eperm "Operation not permitted" "$(cat /tmp/e)"
fi
expect_eq b2-takeoops-not-loaded no "$(grep -q '^bh_takeoops ' /proc/modules && echo yes || echo no)"
expect_eq b2-no-oops-this-boot 0 "$(dmesg | grep -c -E 'Oops|BUG:|Call Trace')"

echo "BULKHEAD-CRASH-STATUS-BEGIN"
cat /tmp/status.json
echo "BULKHEAD-CRASH-STATUS-END"
finish
