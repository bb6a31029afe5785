# cmdline-safe-mode - issue 13's scenario 7, the operator's override: bad
# content is staged for the next boot; the operator boots with
# bulkhead.safe_mode=1 on the kernel command line (no extension loads, for
# that boot only, nothing stored), stages fixed content, enables the
# extension, and boots normally again: the fixed content runs.
#
# boot 1  configure bh_takeoops and stage its content 2 (carries "OOPS");
#         the operator powers off and boots with bulkhead.safe_mode=1
# boot 2  safe mode from the command line: no extension loaded, status
#         says so and why; content 2 not pushed; the operator disables
#         bh_takeoops, stages content 3 (fixed), enables it; power off,
#         boot without the parameter
# boot 3  a normal boot: bh_takeoops runs content 3, no crash; clean
#         reboot
# boot 4  still normal
#
# endpoint-boots: 4
# endpoint-crashes: 0

ext=bh_takeoops

boot_1() {
	bh_extension $ext takeoops
	printf '[kernel]\npanic_timeout = 2\n' >/etc/bulkhead/guard.conf
	bh_content $ext takeoops-v2-oops /var/lib/to-2.bhc
	bh_content $ext takeoops-v3 /var/lib/to-3.bhc
	bh_check "stage content 2 of $ext (for the next boot)" bulkheadctl content stage $ext /var/lib/to-2.bhc
	bh_cold_boot bulkhead.safe_mode=1
}

boot_2() {
	bh_check "the command line has bulkhead.safe_mode=1" grep -q 'bulkhead.safe_mode=1' /proc/cmdline
	bh_expect "status --json: safe mode from the command line" "$(bh_status .command_line.safe_mode)" true
	bh_say "status: $(bulkheadctl status | grep -i 'safe mode' | head -n 1)"
	bh_check "status says safe mode comes from the command line" \
		sh -c "bulkheadctl status | grep -q 'safe mode for this boot: bulkhead.safe_mode on the kernel command line'"
	bh_check "no extension loaded" sh -c "! grep -q -e '^bh_' -e '^acme_' /proc/modules"
	bh_check "the shim's parameter says safe mode" \
		sh -c "grep -q -i -e Y -e 1 /sys/module/bulkhead/parameters/safe_mode"
	bh_expect "nothing stored: the state's safe mode is off" "$(bh_status .state.safe_mode)" false
	bh_check "disable $ext" bulkheadctl disable $ext
	bh_check "stage fixed content 3" bulkheadctl content stage $ext /var/lib/to-3.bhc
	bh_check "enable $ext" bulkheadctl enable $ext
	bh_expect "content 3, staged while it was off, is the next boot's" "$(bh_ext $ext .active)" 3
	bh_cold_boot ""
}

boot_3() {
	bh_check "no safe mode on the command line" sh -c "! grep -q 'bulkhead.safe_mode' /proc/cmdline"
	bh_expect "status --json: no safe mode" "$(bh_status .command_line.safe_mode) $(bh_status .state.safe_mode)" "false false"
	bh_expect "$ext enabled" "$(bh_ext $ext .status)" enabled
	bh_expect "$ext runs content 3" "$(bh_ext $ext .load.version)" 3
	bh_check "$ext loaded" grep -q "^$ext " /proc/modules
	bh_reboot
}

boot_4() {
	bh_expect "boot 3 shut down cleanly" "$(bh_status '.state.boots[] | select(.id == 3) | .end')" clean-shutdown
	bh_expect "$ext runs content 3" "$(bh_ext $ext .load.version)" 3
	bh_expect "consecutive failures" "$(bh_status .state.consecutive_failures)" 0
}
