# vendor-modules - issue 13's scenario 8, modules that know nothing of
# Bulkhead: Debian's falcosecurity-scap-dkms (module scap, the Falco/Sysdig
# driver) and bh_vendorfile (a test module that reads its own content file
# from disk; a first line "OOPS" makes its init oops), both declared in
# extensions.d with `registers = no`.  The loader brings them up in their
# order; an operator's disable keeps scap out, also when a vendor's own
# unit runs `modprobe scap` at boot; an oops inside bh_vendorfile is
# attributed by the oops line naming its module, and its on-disk content
# is rolled back.
#
# boot 1  declare scap (40-) and bh_vendorfile (45-, content_link), stage
#         bh_vendorfile's content 1; probation 10 s, `good` when the
#         scenario says (bh_good_now); a unit that runs `modprobe scap`
#         after the loader; clean reboot
# boot 2  both loaded by bulkhead-load, scap first; bh_vendorfile read
#         content 1; after its probation, `good`: content 1 is
#         last-known-good; the operator disables scap and stages bh_vendorfile's content 2 (its first
#         line "OOPS"); clean reboot
# (3)     bh_vendorfile's init oopses on content 2 (the loader loads it):
#         panic, warm reboot before the scenario runs
# boot 3  the guard named bh_vendorfile from the oops line, rolled back to
#         content 1 (the link points at it), bh_vendorfile runs; scap is
#         still out, although the vendor's unit ran modprobe scap
#
# endpoint-boots: 3
# endpoint-crashes: 1

ext=bh_vendorfile
link=/var/lib/vendorfile/channel

boot_1() {
	bh_check "scap built by DKMS for this kernel" modinfo -F filename scap
	printf '[extension]\nname = scap\nregisters = no\n' >/etc/bulkhead/extensions.d/40-scap.conf
	printf '[extension]\nname = %s\nregisters = no\ncontent_link = %s\n' $ext $link \
		>/etc/bulkhead/extensions.d/45-vendorfile.conf
	mkdir -p "${link%/*}"
	printf '[policy]\nprobation = 10\n[kernel]\npanic_timeout = 2\n' >/etc/bulkhead/guard.conf
	bh_good_after 3600
	# a vendor's own unit that loads its driver after the loader
	printf '[Unit]\nDescription=endpoint test: a vendor unit that loads scap itself\nAfter=bulkhead-load.service\n[Service]\nType=oneshot\nExecStart=-/sbin/modprobe scap\n[Install]\nWantedBy=multi-user.target\n' \
		>/etc/systemd/system/vendor-scap.service
	systemctl enable vendor-scap.service
	printf 'v1 channel file\n' >/var/lib/vf-1
	printf 'OOPS channel file\n' >/var/lib/vf-2
	bh_check "stage content 1 of $ext" bulkheadctl content stage $ext /var/lib/vf-1 --version 1
	bh_reboot
}

boot_2() {
	for m in scap $ext; do
		bh_expect "$m loaded by bulkhead-load" "$(bh_ext $m .load.result)" loaded
	done
	bh_check "in extensions.d's order: scap before bh_vendorfile" sh -c "
		journalctl -b 0 -o cat -u bulkhead-load.service | grep -n -e 'scap' -e '$ext' | head -n 1 | grep -q scap"
	bh_check "$ext read content 1" sh -c "journalctl -b 0 -k -o cat | grep -q \"$ext: content 'v1 channel file'\""
	bh_wait_probation $ext 10
	bh_good_now
	bh_wait_good 2
	bh_expect "content 1 is last-known-good" "$(bh_ext $ext .lkg)" 1
	bh_check "the operator disables scap" bulkheadctl disable scap
	bh_check "stage content 2 of $ext" bulkheadctl content stage $ext /var/lib/vf-2 --version 2
	bh_expect "the link points at content 2" "$(readlink $link)" /var/lib/bulkhead/content/$ext/2
	bh_reboot
}

boot_3() {
	bh_say "guard line: $(bh_guard_line)"
	bh_expect "boot 3 failed" "$(bh_boot 3 .end)" failed
	bh_expect "evidence: the oops names the module" \
		"$(bh_boot 3 '"\(.evidence.kind) \(.evidence.extension)"')" "oops-module $ext"
	bh_expect "$ext rolled back to content 1" "$(bh_ext $ext .chosen)" 1
	bh_expect "the link points at content 1" "$(readlink $link)" /var/lib/bulkhead/content/$ext/1
	bh_check "$ext read content 1" sh -c "journalctl -b 0 -k -o cat | grep -q \"$ext: content 'v1 channel file'\""
	bh_expect "$ext loaded" "$(bh_ext $ext .load.result)" loaded
	bh_expect "scap disabled" "$(bh_ext scap .status)" disabled
	bh_check "the vendor's unit ran modprobe scap" \
		sh -c "[ \"\$(systemctl show -P ExecMainStartTimestampMonotonic vendor-scap.service)\" != 0 ]"
	bh_check "scap stayed out" sh -c "! grep -q '^scap ' /proc/modules"
	bh_check "modprobe scap is refused" sh -c "! modprobe scap"
}
