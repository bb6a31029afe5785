# modules-load - `make bench`'s baseline (tests/endpoint/bench.sh): the
# same modules brought up by systemd-modules-load instead of bulkhead-load,
# and by bulkhead-load, on the same machine, in one run.
#
# boot 1  the loader masked; modules-load.d lists the shim, acme_execcount
#         and bh_noop; clean reboot
# boot 2  systemd-modules-load loaded them (blame.txt); back to Bulkhead:
#         the loader brings up the same three, and bh_noop's content;
#         clean reboot
# boot 3  bulkhead-load did it (blame.txt)
#
# endpoint-boots: 3

ext=bh_noop

boot_1() {
	bh_extension $ext noop
	bh_content $ext noop-v1 /var/lib/noop-1.bhc
	bh_check "stage content 1 of $ext" bulkheadctl content stage $ext /var/lib/noop-1.bhc
	mv /etc/bulkhead/extensions.d /etc/bulkhead/extensions.d.bench
	mkdir /etc/bulkhead/extensions.d
	systemctl mask bulkhead-load.service
	printf 'bulkhead\nacme_execcount\nbh_noop\n' >/etc/modules-load.d/bench.conf
	bh_reboot
}

boot_2() {
	for m in bulkhead acme_execcount bh_noop; do
		bh_check "systemd-modules-load loaded $m" grep -q "^$m " /proc/modules
	done
	rm /etc/modules-load.d/bench.conf
	rmdir /etc/bulkhead/extensions.d
	mv /etc/bulkhead/extensions.d.bench /etc/bulkhead/extensions.d
	systemctl unmask bulkhead-load.service
	bh_reboot
}

boot_3() {
	bh_expect "bulkhead-load loaded $ext with content 1" "$(bh_ext $ext .load.result) $(bh_ext $ext .load.version)" "loaded 1"
	bh_expect "bulkhead-load loaded acme_execcount" "$(bh_ext acme_execcount .load.result)" loaded
}
