# no-lkg-disable - issue 13's scenario 5: a sensor's first content crashes
# it at boot (it has no last-known-good content to go back to).  The
# guard disables that sensor alone: the shim, the vendor's acme_execcount
# (built by DKMS from its own package) and a real third-party sensor,
# Debian's falcosecurity-scap-dkms (module scap, declared in extensions.d
# as an unmodified vendor module), all run on the next boot.
#
# setup   before the first boot's guard and loader: declare scap;
#         configure bh_takeoops and stage its content 2 (carries "OOPS")
#         (guard boot 1) scap and acme_execcount load; the loader's push of
#         content 2 oopses bh_takeoops: the shim's fault line, panic, warm
#         reboot (the scenario never runs in this boot)
# boot 1  the guard judged its boot 1 on the fault line; bh_takeoops
#         disabled, and kept out of modprobe; scap, acme_execcount and the
#         shim run
#
# endpoint-boots: 1
# endpoint-crashes: 1

ext=bh_takeoops

setup() {
	bh_check "scap built by DKMS for this kernel" modinfo -F filename scap
	printf '[extension]\nname = scap\nregisters = no\n' >/etc/bulkhead/extensions.d/40-scap.conf
	bh_extension $ext takeoops
	printf '[kernel]\npanic_timeout = 2\n' >/etc/bulkhead/guard.conf
	bh_content $ext takeoops-v2-oops /var/lib/to-2.bhc
	bh_check "stage content 2 of $ext (not running: for the next boot)" \
		bulkheadctl content stage $ext /var/lib/to-2.bhc
}

boot_1() {
	bh_say "guard line: $(bh_guard_line)"
	bh_expect "the guard's boot 1 failed" "$(bh_boot 1 .end)" failed
	bh_expect "evidence kind" "$(bh_boot 1 .evidence.kind)" shim-fault
	bh_expect "evidence names" "$(bh_boot 1 .evidence.extension)" $ext
	bh_expect "evidence op" "$(bh_boot 1 .evidence.op)" take_content
	bh_expect "$ext disabled" "$(bh_ext $ext .status)" disabled
	bh_say "reason: $(bh_ext $ext .reason)"
	bh_check "$ext not loaded" sh -c "! grep -q '^$ext ' /proc/modules"
	bh_check "modprobe keeps $ext out" sh -c "! modprobe $ext 2>/dev/null && ! grep -q '^$ext ' /proc/modules"
	for m in bulkhead scap acme_execcount; do
		bh_check "$m loaded" grep -q "^$m " /proc/modules
	done
	bh_expect "scap loaded by bulkhead-load" "$(bh_ext scap .load.result)" loaded
	bh_expect "acme_execcount loaded by bulkhead-load" "$(bh_ext acme_execcount .load.result)" loaded
	bh_expect "acme_execcount enabled" "$(bh_ext acme_execcount .status)" enabled
	bh_expect "scap enabled" "$(bh_ext scap .status)" enabled
	bulkheadctl status | sed 's/^/bh-endpoint:   status: /'
}
