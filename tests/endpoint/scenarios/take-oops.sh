# take-oops - issue 13's scenario 2, the July-2024 failure under systemd:
# content that is valid by its schema (no validator can know every bug)
# oopses the sensor while it takes it.  Panic, warm reboot; the guard finds
# the shim's fault line in pstore, drops the content and hands the sensor
# its last-known-good content; the next boot is healthy and is marked good
# through boot-complete.target.  `make demo` tells this story.
#
# setup   before the first boot's guard and loader: configure bh_takeoops
#         (oopses in take_content on a rule whose path is "OOPS"), stage
#         its content 1; probation 10 s.  `good` is the scenario's to
#         set off (bh_good_now): the package's timer (300 s) is later
#         than anything here
# boot 1  content 1 runs its probation; `good` (bh_good_now) makes it
#         last-known-good; stage content 2
#         (schema-valid, carries "OOPS"): the live push oopses the
#         extension, the shim's fault line, panic, warm reboot
# boot 2  the guard judged boot 1 on the fault line (take_content, content
#         2), rolled bh_takeoops back to content 1 and refuses content 2
#         from now on; once the checks are made, the boot is marked good
#
# The vendor signs its content, bh_takeoops requires signatures, and the
# vendor's certificate is in /etc/bulkhead/keys: the loader enrols it and
# seals the shim's keyring at every boot, and the rollback to content 1
# lands on its anti-rollback floor.
#
# endpoint-boots: 2
# endpoint-crashes: 1

ext=bh_takeoops

setup() {
	bh_signed_extension $ext takeoops
	printf '[policy]\nprobation = 10\n[kernel]\npanic_timeout = 2\n' >/etc/bulkhead/guard.conf
	bh_signed_content $ext takeoops-v1 /var/lib/to-1.bhc
	bh_signed_content $ext takeoops-v2-oops /var/lib/to-2.bhc
	bh_check "stage content 1 of $ext" bulkheadctl content stage $ext /var/lib/to-1.bhc
}

boot_1() {
	bh_expect "$ext runs content 1" "$(bh_ext $ext .load.version)" 1
	bh_check "the vendor's key enrolled" grep -q "vendor content key" /sys/kernel/security/bulkhead/keys
	bh_expect "the keyring sealed" "$(cat /sys/kernel/security/bulkhead/keys_sealed)" 1
	bh_expect "$ext requires signed content" "$(cat /sys/kernel/security/bulkhead/require_signature)" "$ext 1"
	rc=0
	bulkheadctl content stage $ext /var/lib/to-2.bhc.unsigned >/var/tmp/unsigned.out 2>&1 || rc=$?
	bh_expect "unsigned content refused by the shim" $rc 1
	bh_check "because it is unsigned" grep -q 'unsigned, and a signature is required' /var/tmp/unsigned.out
	bh_wait_probation $ext 10
	bh_good_now
	bh_wait_good 1
	bh_expect "content 1 is last-known-good" "$(bh_ext $ext .lkg)" 1
	bh_collect
	bh_say "note: boot 1 is good; staging content 2 of $ext, which oopses its parser"
	bh_bad_content
	bulkheadctl content stage $ext /var/lib/to-2.bhc
	bh_crash_wait 60
}

boot_2() {
	bh_expect "boot 1 judged" "$(bh_boot 1 .end)" crashed-after-good
	bh_expect "evidence kind" "$(bh_boot 1 .evidence.kind)" shim-fault
	bh_expect "evidence names" "$(bh_boot 1 .evidence.extension)" $ext
	bh_expect "evidence op" "$(bh_boot 1 .evidence.op)" take_content
	bh_expect "evidence content" "$(bh_boot 1 .evidence.content_version)" 2
	bh_expect "$ext back on content 1" "$(bh_ext $ext .chosen)" 1
	bh_expect "$ext's floor: content 1, set by the loader" \
		"$(bh_ext $ext .floor) $(cat /sys/kernel/security/bulkhead/floors)" "1 $ext 1"
	bh_expect "$ext runs content 1" "$(bh_ext $ext .load.version)" 1
	bh_expect "$ext enabled" "$(bh_ext $ext .status)" enabled
	bh_expect "no pending content" "$(bh_ext $ext .pending)" 0
	bh_check "the guard logged the rollback" \
		sh -c "journalctl -b 0 -o cat -u bulkhead-guard.service | grep -q 'rollback $ext (2 -> 1)'"
	rc=0
	bulkheadctl content stage $ext /var/lib/to-2.bhc >/var/tmp/restage.out 2>&1 || rc=$?
	bh_expect "content 2, which crashed the machine, refused by staging" $rc 1
	# in a terminal, not only in the journal
	bh_check "staging says why on stderr: $(head -n 1 /var/tmp/restage.out)" \
		grep -q 'version 2 crashed the machine before' /var/tmp/restage.out
	bh_good_now
	bh_wait_good 2
	bh_expect "status: the machine is ok" "$(bulkheadctl status >/dev/null 2>&1; echo $?)" 0
	bulkheadctl status | sed 's/^/bh-endpoint:   status: /'
}
