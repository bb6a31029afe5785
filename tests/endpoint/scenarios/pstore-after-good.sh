# pstore-after-good - a sensor crashes after the boot was marked good; the
# next boot's guard must count that crash from pstore, whatever order
# systemd starts bulkhead-guard.service and Debian's systemd-pstore.service
# in (issue 13, "Boot order under systemd"), and never count it twice.
#
# boot 1  the first boot with Bulkhead: configure bh_eventoops (a test
#         extension that oopses on an exec its content arms), stage its
#         content 1, shorten probation; clean reboot
# boot 2  the loader runs bh_eventoops with content 1; wait for `good`
#         (bulkhead-guard-good.timer); exec the armed path: oops inside
#         the extension's event callback, the shim's fault line, panic,
#         warm reboot
# boot 3  the guard judged boot 2 crashed-after-good on the shim's fault
#         line naming bh_eventoops (status --json, the journal), the
#         records are in its archive; clean reboot
# boot 4  the same crash is not counted again (boot 3 ended cleanly with
#         no evidence, one crash in the window)
#
# endpoint-boots: 4
# endpoint-crashes: 1

ext=bh_eventoops
target=/usr/local/bin/bh-oops-target

# boot_of ID FIELD: a field of boot ID in the guard's state
boot_of() {
	bh_status ".state.boots[] | select(.id == $1) | $2"
}

ext_of() {
	bh_status ".state.extensions[] | select(.name == \"$ext\") | $1"
}

boot_1() {
	bh_expect "the guard started boot 1" "$(bh_status .state.current_boot)" 1
	if [ "${early_backend:-}" = yes ]; then
		mkdir -p /etc/systemd/system/systemd-pstore.service.d
		printf '[Unit]\nWants=modprobe@ramoops.service\nAfter=modprobe@ramoops.service\n' \
			>/etc/systemd/system/systemd-pstore.service.d/endpoint.conf
	fi
	mkdir -p /etc/bulkhead/schema
	cp "$BH_DIR/fixtures/eventoops.schema" /etc/bulkhead/schema/$ext.schema
	printf '[extension]\nname = %s\nschema = /etc/bulkhead/schema/%s.schema\n' "$ext" "$ext" \
		>/etc/bulkhead/extensions.d/50-eventoops.conf
	# probation 10 s, `good` 20 s after boot; a panic reboots after 2 s
	printf '[policy]\nprobation = 10\n[kernel]\npanic_timeout = 2\npanic_on_oops = yes\n' \
		>/etc/bulkhead/guard.conf
	mkdir -p /etc/systemd/system/bulkhead-guard-good.timer.d
	printf '[Timer]\nOnActiveSec=\nOnActiveSec=20s\n' \
		>/etc/systemd/system/bulkhead-guard-good.timer.d/endpoint.conf
	cp /bin/true "$target"
	bulkheadctl content build "$BH_DIR/fixtures/eventoops-v1.json" -o /var/tmp/eo-1.bhc \
		--schema /etc/bulkhead/schema/$ext.schema
	bh_check "stage content 1 of $ext" bulkheadctl content stage $ext /var/tmp/eo-1.bhc
	bh_reboot
}

boot_2() {
	bh_expect "guard: boot 2, previous boot 1 shut down cleanly" "$(boot_of 1 .end)" clean-shutdown
	bh_expect "$ext loaded by bulkhead-load" "$(ext_of .load.result)" loaded
	bh_expect "$ext runs content 1" "$(ext_of .load.version)" 1
	i=0
	while [ "$(boot_of 2 .good_at)" = 0 ] && [ $i -lt 120 ]; do
		sleep 2
		i=$((i + 2))
	done
	bh_check "boot 2 marked good by bulkhead-guard-good" [ "$(boot_of 2 .good_at)" != 0 ]
	bh_collect
	bh_say "note: boot 2 is good; exec $target: $ext oopses in its event callback"
	sync
	"$target"
	bh_crash_wait 60
}

boot_3() {
	bh_before bulkhead-guard.service systemd-pstore.service
	bh_before bulkhead-guard.service systemd-modules-load.service
	bh_before bulkhead-load.service systemd-modules-load.service
	bh_expect "boot 2 judged" "$(boot_of 2 .end)" crashed-after-good
	bh_expect "evidence kind" "$(boot_of 2 .evidence.kind)" shim-fault
	bh_expect "evidence names" "$(boot_of 2 .evidence.extension)" $ext
	bh_expect "evidence op" "$(boot_of 2 .evidence.op)" event
	bh_expect "evidence content" "$(boot_of 2 .evidence.content_version)" 1
	bh_expect "the crash in $ext's window" "$(ext_of '.recent_crashes | length')" 1
	bh_check "the guard's journal line names the crash" \
		sh -c "journalctl -b 0 -o cat -u bulkhead-guard.service |
			grep -q 'previous boot 2 crashed-after-good (evidence: shim-fault $ext)'"
	bh_check "the guard archived the records of boot 2" \
		sh -c "ls /var/lib/bulkhead/pstore/boot-2/ | grep -q '^dmesg-'"
	bh_check "the journal has the guard's boot message by its MESSAGE_ID" \
		sh -c "journalctl -b 0 -o cat MESSAGE_ID=93b9250c5a8a4306ac106c82a6d0b847 | grep -q 'previous boot 2'"
	bh_check "journalctl -x explains it from the package's catalog" \
		sh -c "journalctl -b 0 -x -u bulkhead-guard.service | grep -q 'Bulkhead judged the previous boot'"
	bh_reboot
}

boot_4() {
	bh_expect "boot 3 judged" "$(boot_of 3 .end)" clean-shutdown
	bh_expect "boot 3 evidence" "$(boot_of 3 .evidence.kind)" none
	bh_expect "still one crash in $ext's window (no record counted twice)" \
		"$(ext_of '.recent_crashes | length')" 1
	bh_expect "consecutive failures" "$(bh_status .state.consecutive_failures)" 0
}
