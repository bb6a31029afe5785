# refuse-21-for-20 - issue 13's scenario 1: the July-2024 file (a record
# of 21 fields where the schema declares 20) reaches a running endpoint.
# bh_rawparse parses its content with raw pointers, as the crashed sensor
# did, and would call through the 21st entry of its 20-entry table; the
# shim refuses the file before it sees a byte of it, with the exact
# reason, the sensor keeps the content it runs, and nothing reboots.
#
# setup   before the first boot's loader: configure bh_rawparse with
#         content 1
# boot 1  bh_rawparse runs content 1; staging the 21-field file is refused
#         (by bulkheadctl's validator, then, forced through to the shim,
#         by the shim itself); content 1 still runs; no reboot
#
# endpoint-boots: 1
# endpoint-crashes: 0

ext=bh_rawparse
sfs=/sys/kernel/security/bulkhead/extensions/$ext

setup() {
	bh_extension $ext rawparse
	bh_content $ext rawparse-v1 /var/lib/rp-1.bhc
	bulkheadctl content build "$BH_DIR/fixtures/rawparse-v2-21fields.json" -o /var/lib/rp-2.bhc
	bh_check "stage content 1 of $ext" bulkheadctl content stage $ext /var/lib/rp-1.bhc
}

boot_1() {
	bh_expect "$ext runs content 1" "$(cat $sfs/content_version)" 1
	rc=0
	bulkheadctl content stage $ext /var/lib/rp-2.bhc >/var/tmp/stage.out 2>&1 || rc=$?
	bh_expect "staging the 21-field file refused (exit 1)" "$rc" 1
	bh_check "the refusal names the record, its 21 fields and the schema's 20" \
		grep -q '21 fields, schema declares 20' /var/tmp/stage.out
	sed 's/^/bh-endpoint:   stage: /' /var/tmp/stage.out
	# past the validator in user space: the shim itself refuses it
	rc=0
	dd if=/var/lib/rp-2.bhc of=$sfs/content bs=64k 2>/var/tmp/dd.out || rc=$?
	bh_check "a raw write of the file to the shim fails" [ "$rc" != 0 ]
	bh_check "the shim names the reason" grep -q '21 fields, schema declares 20' $sfs/last_error
	bh_check "the kernel log has the shim's refusal" \
		sh -c "journalctl -b 0 -k -o cat | grep -q 'extension $ext: content refused (field-count)'"
	bh_expect "bh_rawparse never parsed it" \
		"$(journalctl -b 0 -k -o cat | grep -c 'bh_rawparse: parsing content version 2')" 0
	bh_expect "$ext still runs content 1" "$(cat $sfs/content_version)" 1
	bh_expect "$ext enabled" "$(cat $sfs/state)" enabled
	bh_expect "the guard's state unchanged: content 1 chosen" "$(bh_ext $ext .chosen)" 1
	bh_expect "nothing pending" "$(bh_ext $ext .pending)" 0
	bh_expect "status: the machine is ok" "$(bulkheadctl status >/dev/null 2>&1; echo $?)" 0
}
