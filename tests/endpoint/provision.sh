# provision.sh - the provisioning boots of the endpoint image (mkimage.sh
# runs them as scenarios, each once per change of its inputs): Bulkhead
# comes in as an endpoint's management agent brings it, .debs copied onto
# the machine and installed with apt, with no network.  $BH_DIR/step names
# the step: "modules" (the DKMS packages, then the test extensions the
# scenarios load, built here against the shim DKMS just installed) or
# "tools" (the bulkhead package: tools, units, drop-ins).

# shellcheck disable=SC2148
boot_1() {
	"provision_$(cat "$BH_DIR/step")"
	apt-get clean
}

# apt_install PATTERN...: `apt install ./DEB...` in $BH_DIR/debs, timed
apt_install() {
	t0=$(date +%s)
	cd "$BH_DIR/debs" || return
	# shellcheck disable=SC2048,SC2086
	set -- $*
	if DEBIAN_FRONTEND=noninteractive apt install -y "$@" >"$BH_OUT/apt.log" 2>&1; then
		bh_say "ok: apt install $* in $(($(date +%s) - t0)) s"
	else
		tail -n 30 "$BH_OUT/apt.log" | sed 's/^/bh-endpoint:   /'
		bh_fail "apt install $*"
	fi
	cd /
}

provision_modules() {
	kver=$(uname -r)
	initrd=$(md5sum <"/boot/initrd.img-$kver")
	apt_install './bulkhead-dkms_*.deb' './acme-execcount-dkms_*.deb'
	dkms status | sed 's/^/bh-endpoint:   dkms: /'
	for m in bulkhead bh_execwatch acme_execcount scap; do
		bh_check "module $m for $kver" modinfo -k "$kver" -F filename "$m"
	done
	# the host boots the image's initrd as the base layer had it
	bh_expect "the initrd unchanged by DKMS" "$(md5sum <"/boot/initrd.img-$kver")" "$initrd"

	# the test extensions, as a vendor builds against an installed shim
	t0=$(date +%s)
	bh=/var/lib/dkms/bulkhead/kernel-$kver-$(uname -m)
	src=/usr/local/src/bulkhead-test
	rm -rf "$src"
	mkdir -p "$src"
	list=$(cat "$BH_DIR/testext/list")
	for x in $list; do
		cp "$BH_DIR/testext/$x.c" "$src/"
	done
	{
		echo "ccflags-y := -I$bh/include"
		echo "obj-m := $(for x in $list; do printf '%s.o ' "$x"; done)"
	} >"$src/Kbuild"
	if make -C "/lib/modules/$kver/build" M="$src" KBUILD_EXTRA_SYMBOLS="$bh/Module.symvers" \
		-j2 modules >"$BH_OUT/testext.log" 2>&1; then
		mkdir -p "/lib/modules/$kver/updates/bulkhead-test"
		install -m 0644 "$src"/*.ko "/lib/modules/$kver/updates/bulkhead-test/"
		depmod -a "$kver"
		bh_say "ok: test extensions built in $(($(date +%s) - t0)) s: $list"
	else
		tail -n 30 "$BH_OUT/testext.log" | sed 's/^/bh-endpoint:   /'
		bh_fail "building the test extensions against $bh"
	fi
	for x in $list; do
		bh_check "module $x for $kver" modinfo -k "$kver" -F filename "$x"
	done
}

provision_tools() {
	apt_install './bulkhead_*.deb'
	for u in $(cd /lib/systemd/system && grep -l '^\[Install\]' bulkhead-*); do
		bh_expect "$u enabled" "$(systemctl is-enabled "$u" 2>&1)" enabled
		bh_expect "$u not started by the installation" "$(systemctl is-active "$u" 2>&1)" inactive
	done
}
