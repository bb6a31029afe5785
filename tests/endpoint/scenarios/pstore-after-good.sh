# pstore-after-good - issue 13's scenario 3: content that crashes a sensor
# at run time, after the boot was marked good, on every boot.  The crash
# must be counted from pstore whatever order systemd starts
# bulkhead-guard.service and Debian's systemd-pstore.service in, never
# twice, and crash_window_count (2) such crashes roll the content back to
# last-known-good.  Also: guard.conf's [kernel] values survive
# systemd-sysctl, which runs after the guard.
#
# boot 1  configure bh_eventoops (a test extension that oopses on an exec
#         its content arms), stage content 1 (harmless); probation 1 s,
#         `good` 20 s after its timer starts; clean reboot
# boot 2  content 1 runs; `good`: content 1 ran through probation and is
#         last-known-good.  Probation 3600 s from now on (guard.conf is
#         read at every `good`: content 2 stays on probation whatever the
#         speed of the machine); stage content 2 (arms the exec of
#         bh-oops-target), taken live; `good` again: content 2 is too
#         young to be promoted; exec the target: oops in the extension's
#         event callback, the shim's fault line, panic, warm reboot
# boot 3  the guard judged boot 2 crashed-after-good on the shim's fault
#         line naming bh_eventoops and content 2, before systemd-pstore
#         could move the records; one crash in the window: no decision yet;
#         `good`, then the same crash again
# boot 4  two crashes in the window, each counted once: content rolled
#         back to 1; the target execs harmlessly
#
# endpoint-boots: 4
# endpoint-crashes: 2
# endpoint-timeout: 900

ext=bh_eventoops
target=/usr/local/bin/bh-oops-target

# guard_conf SECONDS: guard.conf with probation SECONDS; a panic reboots
# after 2 s
guard_conf() {
	printf '[policy]\nprobation = %s\n[kernel]\npanic_timeout = 2\npanic_on_oops = yes\n' "$1" \
		>/etc/bulkhead/guard.conf
}

# crash: exec the armed target; the kernel panics and reboots
crash() {
	bh_collect
	bh_say "note: boot $BH_BOOT is good; exec $target: $ext oopses in its event callback"
	sync
	"$target"
	bh_crash_wait 60
}

boot_1() {
	bh_expect "the guard started boot 1" "$(bh_status .state.current_boot)" 1
	if [ "${early_backend:-}" = yes ]; then
		mkdir -p /etc/systemd/system/systemd-pstore.service.d
		printf '[Unit]\nWants=modprobe@ramoops.service\nAfter=modprobe@ramoops.service\n' \
			>/etc/systemd/system/systemd-pstore.service.d/endpoint.conf
	fi
	bh_extension $ext eventoops
	# probation 1 s, `good` 20 s after its timer starts; a panic
	# reboots after 2 s
	guard_conf 1
	bh_good_after 20
	cp /bin/true "$target"
	bh_content $ext eventoops-ep1 /var/lib/eo-1.bhc
	bh_content $ext eventoops-ep2 /var/lib/eo-2.bhc
	bh_check "stage content 1 of $ext" bulkheadctl content stage $ext /var/lib/eo-1.bhc
	bh_reboot
}

boot_2() {
	bh_expect "guard: boot 2, previous boot 1 shut down cleanly" "$(bh_boot 1 .end)" clean-shutdown
	bh_expect "kernel.panic from guard.conf, not the package's 90-bulkhead.conf" \
		"$(cat /proc/sys/kernel/panic)" 2
	bh_expect "$ext loaded by bulkhead-load" "$(bh_ext $ext .load.result)" loaded
	bh_expect "$ext runs content 1" "$(bh_ext $ext .load.version)" 1
	bh_wait_good 2
	bh_expect "content 1 ran through probation: last-known-good" "$(bh_ext $ext .lkg)" 1
	guard_conf 3600
	bh_check "stage content 2 of $ext (taken live)" bulkheadctl content stage $ext /var/lib/eo-2.bhc
	bh_expect "$ext runs content 2" "$(cat /sys/kernel/security/bulkhead/extensions/$ext/content_version)" 2
	bh_check "good again" systemctl start bulkhead-guard-good.service
	bh_expect "content 2 too young for last-known-good" "$(bh_ext $ext .lkg)" 1
	crash
}

boot_3() {
	bh_before bulkhead-guard.service systemd-pstore.service
	bh_before bulkhead-guard.service systemd-modules-load.service
	bh_before bulkhead-load.service systemd-modules-load.service
	bh_expect "boot 2 judged" "$(bh_boot 2 .end)" crashed-after-good
	bh_expect "evidence kind" "$(bh_boot 2 .evidence.kind)" shim-fault
	bh_expect "evidence names" "$(bh_boot 2 .evidence.extension)" $ext
	bh_expect "evidence op" "$(bh_boot 2 .evidence.op)" event
	bh_expect "evidence content" "$(bh_boot 2 .evidence.content_version)" 2
	bh_expect "one crash in $ext's window" "$(bh_ext $ext '.recent_crashes | length')" 1
	bh_expect "no decision on one crash after good" "$(bh_ext $ext .chosen)" 2
	bh_check "the guard's journal line names the crash" \
		sh -c "journalctl -b 0 -o cat -u bulkhead-guard.service |
			grep -q 'previous boot 2 crashed-after-good (evidence: shim-fault $ext)'"
	bh_check "the guard archived the records of boot 2" \
		sh -c "ls /var/lib/bulkhead/pstore/boot-2/ | grep -q '^dmesg-'"
	bh_check "the journal has the guard's boot message by its MESSAGE_ID" \
		sh -c "journalctl -b 0 -o cat MESSAGE_ID=93b9250c5a8a4306ac106c82a6d0b847 | grep -q 'previous boot 2'"
	bh_check "journalctl -x explains it from the package's catalog" \
		sh -c "journalctl -b 0 -x -u bulkhead-guard.service | grep -q 'Bulkhead judged the previous boot'"
	# the variant (pstore-early-backend) is about the order alone
	[ "${early_backend:-}" != yes ] || bh_finish
	bh_wait_good 3
	bh_expect "content 2 still on probation" "$(bh_ext $ext .lkg)" 1
	crash
}

boot_4() {
	bh_expect "boot 3 judged" "$(bh_boot 3 .end)" crashed-after-good
	bh_expect "evidence content" "$(bh_boot 3 .evidence.content_version)" 2
	bh_expect "$ext rolled back to its last-known-good content" "$(bh_ext $ext .chosen)" 1
	bh_expect "$ext runs content 1" "$(bh_ext $ext .load.version)" 1
	bh_expect "$ext still enabled" "$(bh_ext $ext .status)" enabled
	bh_check "the guard logged the rollback" \
		sh -c "journalctl -b 0 -o cat -u bulkhead-guard.service | grep -q 'rollback $ext (2 -> 1)'"
	bh_check "systemd-pstore archived nothing: the guard read every record first" \
		sh -c "[ -z \"\$(find /var/lib/systemd/pstore -type f 2>/dev/null)\" ]"
	"$target"
	bh_check "the target execs harmlessly on content 1" true
	bh_expect "consecutive failures" "$(bh_status .state.consecutive_failures)" 0
}
