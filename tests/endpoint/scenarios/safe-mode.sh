# safe-mode - issue 13's scenario 6: failures that go on after the guard
# disabled what it could.  A crash nobody can be named for (a panic in
# built-in code, sysrq's "c") on every boot that is not in safe mode:
# after `threshold` such boots the guard guesses and disables the
# extension that changed last; the crashes go on, no enabled extension is
# left to guess, and the next boot is in safe mode: no extension, `status`
# says so and why.  Safe mode then ends by the documented rule:
# `expiry_unattributed` good boots (1 here) end a guessed safe mode and a
# guessed disable.
#
# boot 1  threshold 1, expiry_unattributed 1, `good` only when the
#         scenario says (bh_good_now: boot 4's checks of safe mode must
#         come first, for that `good` ends it; with a timer of 20 s, two
#         guests to the machine's two cores reached the scenario after
#         it); bh-crasher.service panics every boot not in safe mode, before the
#         scenario runs; clean reboot
# (2, 3)  two boots crash (acme_execcount runs in the first, is disabled
#         by a guess for the second)
# boot 4  safe mode: no extension loaded, status names safe mode and why;
#         the cause is gone (the crasher's flag removed); `good` through
#         the timer and boot-complete.target; clean reboot
# boot 5  safe mode over, acme_execcount enabled again and running
#
# endpoint-boots: 3
# endpoint-crashes: 2
# endpoint-timeout: 900

ext=acme_execcount

boot_1() {
	bh_expect "$ext (the vendor's package) runs" "$(bh_ext $ext .load.result)" loaded
	printf '[policy]\nthreshold = 1\nexpiry_unattributed = 1\n[kernel]\npanic_timeout = 2\n' \
		>/etc/bulkhead/guard.conf
	# the timer fires in boot 4, when the scenario says (bh_good_now)
	bh_good_after 3600
	cat >/usr/local/sbin/bh-crasher <<'SCRIPT'
#!/bin/sh
# a crash nobody can be named for, on every boot not in safe mode
if [ "$(bulkheadctl status --json | gojq .state.safe_mode)" != true ]; then
	echo "bh-crasher: not in safe mode: sysrq c"
	sync
	echo c >/proc/sysrq-trigger
fi
SCRIPT
	chmod 0755 /usr/local/sbin/bh-crasher
	cat >/etc/systemd/system/bh-crasher.service <<'UNIT'
[Unit]
Description=endpoint test: a crash nobody can be named for, unless in safe mode
ConditionPathExists=/etc/bh-crash
After=bulkhead-load.service
Before=bh-endpoint.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/bh-crasher
StandardOutput=journal+console

[Install]
WantedBy=multi-user.target
UNIT
	systemctl enable bh-crasher.service
	touch /etc/bh-crash
	bh_reboot
}

boot_2() {
	bh_say "guard line: $(bh_guard_line)"
	for b in 2 3; do
		bh_expect "boot $b failed" "$(bh_boot $b .end)" failed
	done
	bh_expect "safe mode" "$(bh_status .state.safe_mode)" true
	bh_expect "a guessed safe mode" "$(bh_status .state.safe_mode_guess)" true
	bh_expect "$ext disabled by a guess" "$(bh_ext $ext .status)" disabled
	bulkheadctl status | sed 's/^/bh-endpoint:   status: /'
	bh_check "status says safe mode and why" sh -c "bulkheadctl status | grep -i 'safe mode' | grep -q 'without attribution .* and no extension left to disable'"
	bh_check "no extension loaded" sh -c "! grep -q -e '^bh_' -e '^acme_' /proc/modules"
	rm -f /etc/bh-crash
	bh_expect "not good before the scenario's checks" "$(bh_boot 4 .good_at)" 0
	bh_good_now
	bh_wait_good 4
	bh_reboot
}

boot_3() {
	bh_expect "safe mode over" "$(bh_status .state.safe_mode)" false
	bh_expect "$ext enabled again" "$(bh_ext $ext .status)" enabled
	bh_expect "$ext loaded" "$(bh_ext $ext .load.result)" loaded
	bh_expect "boot 4's good ended safe mode, by the documented rule" \
		"$(bh_status '.state.decisions[] | select(.boot_id == 4 and .action == "enable" and .extension == "") | .reason')" \
		"safe mode chosen without attribution expired after 1 good boots"
	bh_expect "... and the guessed disable" \
		"$(bh_status '.state.decisions[] | select(.boot_id == 4 and .extension == "acme_execcount") | .reason')" \
		"unattributed disable expired after 1 good boots"
	bulkheadctl history | tail -n 6 | sed 's/^/bh-endpoint:   history: /'
}
