#!/bin/sh
# irqblame.sh - /init of the VM test that an innocent extension is not
# blamed for an interrupt handler's crash (tests/vm/crash/run.sh
# irq-blame).  One qemu process boots this three times:
#
#   boot 1: `bulkhead-guard boot`, bulkhead.ko and bh_irqoops.ko loaded,
#           content v1 pushed, then bh_irqoops's event_arm: the next exec
#           runs its handle_event, during which an interrupt (irq_work) on
#           that CPU calls through a NULL pointer.  The kernel panics
#           ("Fatal exception in interrupt") and reboots.
#   boot 2: the guard judges boot 1: failed, but bh_irqoops is not named
#           (the shim's line says "not attributed"; the oops's trace shows
#           the module, which the guard counts without attribution), so
#           no rollback and no disable of it.  Then content v2, whose rule "IRQ" makes
#           take_content wait for the same crashing interrupt.
#   boot 3: the same judgement for boot 2, with bh_irqoops still enabled
#           and no decision against it in either boot.
#
# Output as init.sh's (BULKHEAD-CRASH-BOOT, ok/FAIL irq-blame/NAME,
# BULKHEAD-CRASH-RESULT, BULKHEAD-CRASH-OK).
TAG=irq-blame
STATE=/var/lib/bulkhead
GUARD=/vm/bin/bulkhead-guard
CTL=/vm/bin/bulkheadctl
EXTD=/sys/kernel/security/bulkhead/extensions/bh_irqoops
BLAME='bulkhead: fault extension=bh_irqoops'

. /vm/common.sh

load() {
	if insmod /vm/ko/bulkhead.ko 2>/tmp/e; then ok "b$boot-insmod-bulkhead"; else fail "b$boot-insmod-bulkhead" "$(quote "$(cat /tmp/e)")"; fi
	if insmod /vm/ko/bh_irqoops.ko 2>/tmp/e; then ok "b$boot-insmod-irqoops"; else fail "b$boot-insmod-irqoops" "$(quote "$(cat /tmp/e)")"; fi
	dd if=/vm/fixtures/irqoops-v1.bhc of=$EXTD/content bs=65536 conv=notrunc 2>/dev/null
	expect_eq "b$boot-content-v1" 1 "$(cat $EXTD/content_version 2>/dev/null)"
}

# judge PREV WHERE: the guard's verdict on boot PREV, which crashed in an
# interrupt while bh_irqoops was in WHERE
judge() {
	n=$(cat /sys/fs/pstore/dmesg-ramoops-* 2>/dev/null | grep -c "oops in hard IRQ context while inside extension bh_irqoops ($2): not attributed")
	if [ "$n" -ge 1 ]; then ok "b$boot-pstore-not-attributed"; else fail "b$boot-pstore-not-attributed" "no 'not attributed' line for $2 in pstore"; fi
	expect_eq "b$boot-pstore-no-blame" 0 "$(cat /sys/fs/pstore/dmesg-ramoops-* 2>/dev/null | grep -c "$BLAME")"
	$GUARD boot 2>/tmp/guard.err
	expect_eq "b$boot-guard-boot-rc" 0 "$?"
	sed 's/^/guard: /' /tmp/guard.err
	$CTL status --json >/tmp/status.json 2>/dev/null
	awk -f /vm/jflat.awk /tmp/status.json >/tmp/status.flat
	b=$(sed -n "s/^state\\.boots\\[\\([0-9]*\\)\\]\\.id=$1\$/\\1/p" /tmp/status.flat | head -n 1)
	expect_eq "b$boot-prev-failed" failed "$(jget /tmp/status.flat "state.boots[${b:-none}].end")"
	# the oops's trace shows bh_irqoops's frames ("oops-module", counted
	# without attribution); only the shim's fault line would blame it
	k=$(jget /tmp/status.flat "state.boots[${b:-none}].evidence.kind")
	if [ -n "$k" ] && [ "$k" != shim-fault ]; then ok "b$boot-prev-not-blamed"; else fail "b$boot-prev-not-blamed" "evidence kind '$k'"; fi
	expect_contains "b$boot-prev-counted-unattributed" "without attribution" "$(cat /tmp/guard.err)"
	expect_eq "b$boot-no-decision" "" "$(grep '^state\.decisions\[[0-9]*\]\.extension=bh_irqoops' /tmp/status.flat)"
	awk -f /vm/jflat.awk "$STATE/boot.json" >/tmp/bootjson.flat
	expect_eq "b$boot-nothing-disabled" "" "$(jget /tmp/bootjson.flat 'disable[0]')"
	expect_eq "b$boot-no-safe-mode" false "$(jget /tmp/bootjson.flat safe_mode)"
}

case $boot in
1)
	$GUARD boot 2>/tmp/guard.err
	expect_eq b1-guard-boot-rc 0 "$?"
	expect_eq b1-guard-panic-on-oops 1 "$(cat /proc/sys/kernel/panic_on_oops)"
	load
	if [ "$nfail" -ne 0 ]; then
		echo "irq-blame: boot 1 is broken, not crashing the kernel"
		finish
	fi
	save_tally
	echo 1 >/sys/module/bh_irqoops/parameters/event_arm
	/bin/true
	sleep 15
	fail b1-rebooted "still running 15 s after arming the event"
	finish
	;;
2)
	ok b2-rebooted-after-panic
	judge 1 event
	load
	if [ "$nfail" -ne 0 ]; then
		echo "irq-blame: boot 2 is broken, not crashing the kernel"
		finish
	fi
	save_tally
	dd if=/vm/fixtures/irqoops-v2-irq.bhc of=$EXTD/content bs=65536 conv=notrunc 2>/dev/null
	fail b2-kernel-panicked "pushing the IRQ content returned"
	sleep 15
	finish
	;;
3)
	ok b3-rebooted-after-panic
	judge 2 take_content
	load
	expect_eq b3-enabled enabled "$(cat $EXTD/state 2>/dev/null)"
	finish
	;;
*)
	fail "unexpected-boot-$boot" "the guest booted a fourth time"
	finish
	;;
esac
