# guard-hangs - a boot guard that hangs neither stalls the boot nor lets
# the boot be blessed (issue 13, "Boot order under systemd"): systemd stops
# it after its start timeout, the loader finds no decision for this boot
# and loads the shim alone in safe mode (exit 3), bulkhead-boot-check fails,
# so boot-complete.target is not reached and `good` never runs.  Neither
# the guard nor the loader runs a second time in that boot (their
# /run/bulkhead/*.started markers): the first version of this test saw
# the good service's Requisite= on the failed guard start it again when the
# good timer fired.
#
# boot 1  drop-ins: the guard's ExecStart hangs, its start timeout 20 s
#         (instead of 2 min, for time); `good` 20 s after boot; clean reboot
# boot 2  the boot went on past the hung guard; check the units, the
#         loader's safe mode and that nothing marked a boot good; undo
#         the drop-in; clean reboot
# boot 3  the guard is back: boot 1's successor in the state is this boot,
#         judged after boot 1, which shut down cleanly
#
# endpoint-boots: 3

guard_dropin=/etc/systemd/system/bulkhead-guard.service.d/endpoint-hang.conf

boot_of() {
	bh_status ".state.boots[] | select(.id == $1) | $2"
}

boot_1() {
	bh_expect "the guard started boot 1" "$(bh_status .state.current_boot)" 1
	mkdir -p "${guard_dropin%/*}" /etc/systemd/system/bulkhead-guard-good.timer.d
	printf '[Service]\nExecStart=\nExecStart=/bin/sleep 3600\nTimeoutStartSec=20s\n' >"$guard_dropin"
	printf '[Timer]\nOnActiveSec=\nOnActiveSec=20s\n' \
		>/etc/systemd/system/bulkhead-guard-good.timer.d/endpoint.conf
	printf '[policy]\nprobation = 10\n' >/etc/bulkhead/guard.conf
	bh_reboot
}

boot_2() {
	# the timer fires 20 s after timers.target: give it time
	i=0
	while [ "$(systemctl show -P LastTriggerUSecMonotonic bulkhead-guard-good.timer)" = 0 ] &&
		[ $i -lt 90 ]; do
		sleep 2
		i=$((i + 2))
	done
	sleep 5
	bh_check "the good timer fired" \
		[ "$(systemctl show -P LastTriggerUSecMonotonic bulkhead-guard-good.timer)" != 0 ]
	journalctl -b 0 -o cat _PID=1 >/var/tmp/boot.log
	bh_check "systemd stopped the hung guard after its start timeout" \
		grep -q 'bulkhead-guard.service: start operation timed out' /var/tmp/boot.log
	bh_expect "the guard started once" "$(grep -c 'Starting bulkhead-guard.service' /var/tmp/boot.log)" 1
	bh_check "bulkhead-load exited 3 (no decision for this boot)" \
		grep -q 'bulkhead-load.service: Main process exited, code=exited, status=3' /var/tmp/boot.log
	bh_expect "the loader started once" "$(grep -c 'Starting bulkhead-load.service' /var/tmp/boot.log)" 1
	# a second start in this kernel boot (a unit requiring them, an
	# operator) is skipped: `bulkhead-guard boot` now would count a boot
	# that never happened
	systemctl start bulkhead-guard.service bulkhead-load.service
	journalctl -b 0 -o cat _PID=1 >/var/tmp/boot.log
	for u in bulkhead-guard.service:guard bulkhead-load.service:load; do
		bh_check "a second start of ${u%%:*} is skipped" \
			grep -q "${u%%:*}.*skipped.*ConditionPathExists=!/run/bulkhead/${u#*:}.started" /var/tmp/boot.log
	done
	bh_check "the loader booted safe mode and said why" \
		sh -c "journalctl -b 0 -o cat -u bulkhead-load.service | grep -q 'stale.*booting in safe mode'"
	bh_expect "bulkhead-boot-check failed" \
		"$(systemctl show -P ActiveState bulkhead-boot-check.service)" failed
	bh_check "boot-complete.target not reached" \
		[ "$(systemctl show -P ActiveState boot-complete.target)" != active ]
	bh_expect "bulkhead-guard-good.service did not run" \
		"$(systemctl show -P ExecMainStartTimestampMonotonic bulkhead-guard-good.service)" 0
	bh_expect "the state's boot is still boot 1" "$(bh_status .state.current_boot)" 1
	bh_expect "boot 1 was never marked good" "$(boot_of 1 .good_at)" 0
	bh_check "the boot reached multi-user.target" systemctl is-active multi-user.target
	rm -f "$guard_dropin"
	bh_reboot
}

boot_3() {
	bh_expect "the guard ran" "$(systemctl show -P Result bulkhead-guard.service)" success
	bh_expect "the state's boot is 2" "$(bh_status .state.current_boot)" 2
	bh_expect "boot 1 judged" "$(boot_of 1 .end)" clean-shutdown
	bh_expect "bulkhead-load succeeded" "$(systemctl show -P Result bulkhead-load.service)" success
}
