# hang-watchdog - issue 13's scenario 4: a sensor hangs the whole machine
# while it takes its content at boot (every CPU spinning with interrupts
# off: no oops, no panic, nothing in pstore).  The i6300esb watchdog,
# armed by systemd from the start (the package's initramfs hook puts the
# watchdog drivers in the initramfs), resets the machine; the guard reads
# the card reset from bootstatus and the loader's journal (a push that
# began and never ended), and disables the sensor, which has no
# last-known-good content.  The next boot is healthy.
#
# boot 1  configure bh_takehang, stage content 1 (carries "FREEZE"); the
#         watchdog's timeout 15 s instead of the package's 60 s (for time);
#         clean reboot
# boot 2  never reaches the scenario: the loader's push freezes the
#         machine; the watchdog resets it
# boot 3  the guard judged boot 2: a hang (watchdog), attributed by the
#         loader's journal; bh_takehang disabled; healthy; once the checks
#         are made, marked good (bh_good_now)
#
# endpoint-boots: 2
# endpoint-crashes: 0
# endpoint-timeout: 400

ext=bh_takehang

boot_1() {
	bh_check "systemd armed the watchdog before bulkhead-load started" sh -c "
		w=\$(journalctl -b 0 -o json | gojq -r 'select(.MESSAGE | tostring | test(\"Using hardware watchdog\")) | .__MONOTONIC_TIMESTAMP' | head -n 1)
		l=\$(systemctl show -P InactiveExitTimestampMonotonic bulkhead-load.service)
		echo watchdog \$w loader \$l; [ -n \"\$w\" ] && [ \"\$w\" -lt \"\$l\" ]"
	bh_extension $ext takehang
	mkdir -p /etc/systemd/system.conf.d
	printf '[Manager]\nRuntimeWatchdogSec=15s\n' >/etc/systemd/system.conf.d/zz-endpoint.conf
	bh_content $ext takehang-freeze /var/lib/th-1.bhc
	bh_good_after 3600
	bh_bad_content
	bh_check "stage content 1 of $ext (not running: for the next boot)" \
		bulkheadctl content stage $ext /var/lib/th-1.bhc
	bh_reboot
}

boot_2() {
	bh_expect "the watchdog's card reset, in this boot's bootstatus" \
		"$(cat /sys/class/watchdog/watchdog0/bootstatus)" 32
	bh_expect "boot 1 ended cleanly" "$(bh_boot 1 .end)" clean-shutdown
	bh_say "guard line: $(bh_guard_line)"
	bh_expect "boot 2 failed" "$(bh_boot 2 .end)" failed
	bh_expect "the guard saw the watchdog reset" "$(bh_boot 2 .evidence.watchdog_reset)" true
	bh_expect "no panic, no oops" "$(bh_boot 2 '.evidence.panic, .evidence.oops' | tr '\n' ' ')" "false false "
	bh_expect "attributed by the loader's journal" \
		"$(bh_boot 2 '"\(.evidence.kind) \(.evidence.extension) \(.evidence.op) \(.evidence.content_version)"')" \
		"loader $ext push 1"
	bh_expect "a hang leaves no pstore record" \
		"$(ls /sys/fs/pstore /var/lib/bulkhead/pstore/boot-2 2>/dev/null | grep -c dmesg)" 0
	bh_expect "$ext disabled (no last-known-good content)" "$(bh_ext $ext .status)" disabled
	bh_say "reason: $(bh_ext $ext .reason)"
	bh_check "$ext not loaded" sh -c "! grep -q '^$ext ' /proc/modules"
	for m in bulkhead acme_execcount; do
		bh_check "$m runs" grep -q "^$m " /proc/modules
	done
	bh_good_now
	bh_wait_good 3
}
