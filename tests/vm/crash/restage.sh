#!/bin/sh
# restage.sh - /init of the re-staging updater VM test, restage-loop
# (tests/vm/crash/run.sh BUILD KVER restage-loop).  A vendor's updater that does not know what
# the guard did stages bad content again after every rollback; the loop
# must end by itself, with the culprit disabled and the machine healthy,
# within rollback_after + disable_after + 1 = 3 crashes (the defaults).
# The real tools as installed, at their real paths: bulkhead-guard,
# bulkhead-load (libkmod, the modules under /lib/modules), bulkheadctl
# content stage; the state and the content store on a disk that survives
# the reboots; the crashes are real oopses in bh_takeoops's take_content
# that the guard's panic_on_oops turns into panics and reboots.
#
#   boot 1: content 1 staged and loaded; good (content 1 becomes LKG);
#           the updater stages 2 ("OOPS"): the live push crashes.
#   boot 2: the guard drops 2 (strike 1); the loader pushes 1; good; the
#           updater stages 2 again: refused (it crashed), so it forces
#           it: the push crashes.
#   boot 3: strike 2: bh_takeoops disabled; the loader keeps it out; good;
#           the updater stages a new version 4 ("OOPS" again): held as
#           pending; a clean reboot.
#   boot 4: newer content ends the guard's disable once: 4 is pushed by
#           the loader and crashes before good.
#   boot 5: strike 3: disabled for good; good; the updater stages 5:
#           held; a clean reboot.
#   boot 6: still disabled (5 does not end it); good; the machine is
#           healthy: no failed boot, only the disable reported.
#
# All the content is signed by the vendor's key, which the machine holds
# in /etc/bulkhead/keys, and bh_takeoops requires signed content: every
# boot the loader enrols the key and seals the shim's keyring, an
# unsigned copy is refused, and the floor (content 1, once it is
# last-known-good) is where every rollback lands.
export PATH=/bin:/sbin
TAG=restage-loop
STATE=/var/lib/bulkhead
GUARD=/vm/bin/bulkhead-guard
CTL=/vm/bin/bulkheadctl
LOAD=/vm/bin/bulkhead-load
BHFS=/sys/kernel/security/bulkhead
EXTD=$BHFS/extensions/bh_takeoops
FX=/vm/fixtures

. /vm/common.sh

# step NAME CMD...: run a tool, its stderr on the console; rc in $rc
step() {
	_n=$1
	shift
	"$@" >/tmp/$_n.out 2>/tmp/$_n.err
	rc=$?
	sed "s/^/$_n: /" /tmp/$_n.err
}
status_flat() {
	$CTL status --json >/tmp/status.json 2>/dev/null
	status_rc=$?
	awk -f /vm/jflat.awk /tmp/status.json >/tmp/status.flat
}
# x FIELD: bh_takeoops's FIELD in status --json
x() {
	_i=$(sed -n 's/^state\.extensions\[\([0-9]*\)\]\.name=bh_takeoops$/\1/p' /tmp/status.flat | head -n 1)
	jget /tmp/status.flat "state.extensions[${_i:-none}].$1"
}
loaded() {
	grep -q "^$1 " /proc/modules && echo yes || echo no
}
# crash NAME CMD...: CMD must not return: the kernel panics and reboots
crash() {
	_n=$1
	shift
	save_tally
	echo "BULKHEAD-CRASH-PUSH-OOPS $_n"
	"$@" >/tmp/crash.out 2>&1
	fail "$_n-kernel-panicked" "returned $?: $(quote "$(cat /tmp/crash.out)")"
	sleep 15
	fail "$_n-rebooted" "still running 15 s later"
	finish
}
clean_reboot() {
	step "b$boot-shutdown" $GUARD shutdown
	expect_eq "b$boot-shutdown-rc" 0 "$rc"
	save_tally
	umount "$STATE"
	reboot -f
	sleep 15
	fail "b$boot-clean-reboot" "still running"
	finish
}
# the machine is provisioned with content 1 before its first boot
if [ "$boot" = 1 ]; then
	step b1-stage-v1 $CTL content stage bh_takeoops $FX/takeoops-v1.bhc
	expect_eq b1-stage-v1-rc 0 "$rc"
fi
# every boot starts the way the units start it: guard, then loader
step "b$boot-guard" $GUARD boot
expect_eq "b$boot-guard-rc" 0 "$rc"
guard_err=$(cat /tmp/b$boot-guard.err)

case $boot in
1)
	step b1-load $LOAD
	expect_eq b1-load-rc 0 "$rc"
	expect_eq b1-content-1 1 "$(cat $EXTD/content_version 2>/dev/null)"
	expect_contains b1-key-enrolled "takeoops vendor" "$(cat $BHFS/keys)"
	expect_eq b1-sealed 1 "$(cat $BHFS/keys_sealed)"
	expect_eq b1-signature-required "bh_takeoops 1" "$(cat $BHFS/require_signature)"
	step b1-good $GUARD good
	status_flat
	expect_eq b1-lkg-1 "1 0" "$(x lkg) $status_rc"
	expect_eq b1-floor-1 "1 bh_takeoops 1" "$(x floor) $(cat $BHFS/floors)"
	# the same content unsigned: the shim refuses it, 1 stays
	step b1-unsigned $CTL content stage bh_takeoops $FX/takeoops-v4-oops-unsigned.bhc
	expect_eq b1-unsigned-refused 1 "$rc"
	expect_contains b1-unsigned-why "unsigned, and a signature is required" "$(cat /tmp/b1-unsigned.err)"
	expect_eq b1-unsigned-kept-1 1 "$(cat $EXTD/content_version 2>/dev/null)"
	crash b1 $CTL content stage bh_takeoops $FX/takeoops-v2-oops.bhc
	;;
2)
	expect_contains b2-dropped "while content 2 was being staged: dropped, content 1 stays" "$guard_err"
	step b2-load $LOAD
	expect_eq b2-load-rc 0 "$rc"
	expect_eq b2-content-1 1 "$(cat $EXTD/content_version 2>/dev/null)"
	# the rollback to 1 went through the floor the loader set from the state
	expect_eq b2-floor-set-at-boot "bh_takeoops 1" "$(cat $BHFS/floors)"
	expect_eq b2-sealed 1 "$(cat $BHFS/keys_sealed)"
	step b2-good $GUARD good
	status_flat
	expect_eq b2-strike-1 "1 2 enabled" "$(x strikes) $(x 'crashed_versions[0]') $(x status)"
	# the updater does not know: the same content again
	step b2-restage $CTL content stage bh_takeoops $FX/takeoops-v2-oops.bhc
	expect_eq b2-restage-refused 1 "$rc"
	expect_contains b2-restage-reason "version 2 crashed the machine before" "$(cat /tmp/b2-restage.err)"
	expect_eq b2-still-1 1 "$(cat $EXTD/content_version 2>/dev/null)"
	crash b2 $CTL content stage bh_takeoops $FX/takeoops-v2-oops.bhc --force
	;;
3)
	expect_contains b3-disabled "disable bh_takeoops" "$guard_err"
	expect_contains b3-disabled-why "2 attributed failures, at most 2 before disable" "$guard_err"
	step b3-load $LOAD
	expect_eq b3-load-rc 0 "$rc"
	expect_eq b3-kept-out no "$(loaded bh_takeoops)"
	step b3-good $GUARD good
	status_flat
	expect_eq b3-status "1 0 disabled" "$status_rc $(jget /tmp/status.flat state.consecutive_failures) $(x status)"
	# a new version from the vendor, with the same bug
	step b3-stage-v4 $CTL content stage bh_takeoops $FX/takeoops-v4-oops.bhc
	expect_eq b3-stage-v4-rc 0 "$rc"
	expect_contains b3-stage-v4-held "held as pending" "$(cat /tmp/b3-stage-v4.err /tmp/b3-stage-v4.out)"
	clean_reboot
	;;
4)
	expect_contains b4-enabled-once "newer content 4 staged after the disable" "$guard_err"
	save_tally
	echo "BULKHEAD-CRASH-PUSH-OOPS b4"
	# the loader pushes 4 at boot: take_content oopses before good
	step b4-load $LOAD
	fail b4-kernel-panicked "the loader returned $rc"
	finish
	;;
5)
	expect_contains b5-disabled "disable bh_takeoops" "$guard_err"
	expect_contains b5-disabled-why "3 attributed failures" "$guard_err"
	step b5-load $LOAD
	expect_eq b5-kept-out no "$(loaded bh_takeoops)"
	step b5-good $GUARD good
	step b5-stage-v5 $CTL content stage bh_takeoops $FX/takeoops-v5-oops.bhc
	expect_eq b5-stage-v5-rc 0 "$rc"
	clean_reboot
	;;
6)
	expect_eq b6-no-enable "" "$(echo "$guard_err" | grep 'staged after the disable')"
	step b6-load $LOAD
	expect_eq b6-load-rc 0 "$rc"
	expect_eq b6-kept-out no "$(loaded bh_takeoops)"
	expect_eq b6-shim-loaded yes "$(loaded bulkhead)"
	step b6-good $GUARD good
	status_flat
	expect_eq b6-healthy "0 0 false" "$(jget /tmp/status.flat state.consecutive_failures) $(jget /tmp/status.flat state.unexplained_failures) $(jget /tmp/status.flat state.safe_mode)"
	expect_eq b6-disabled "disabled true 3 5" "$(x status) $(x disabled_by_guard) $(x strikes) $(x pending)"
	expect_eq b6-one-reason 1 "$(grep -c '^degraded_reasons\[' /tmp/status.flat)"
	expect_eq b6-the-disable "bh_takeoops disabled" "$(jget /tmp/status.flat 'degraded_reasons[0]' | cut -d: -f1)"
	n=$(grep -c '^state\.decisions\[[0-9]*\]\.action=disable$' /tmp/status.flat)
	expect_eq b6-two-disables 2 "$n"
	echo "BULKHEAD-CRASH-STATUS-BEGIN"
	cat /tmp/status.json
	echo "BULKHEAD-CRASH-STATUS-END"
	finish
	;;
*)
	fail "unexpected-boot-$boot" "the guest booted a seventh time"
	finish
	;;
esac
