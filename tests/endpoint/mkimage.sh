#!/bin/sh
# mkimage.sh BUILD KVER [DEBDIR] - the endpoint: a Debian 12 guest with
# systemd, Debian's own KVER kernel and headers, DKMS, and Bulkhead
# installed from its .debs (DEBDIR, default BUILD/deb, as `make deb` leaves
# them) inside the guest, as an endpoint's management agent installs them.
# Three layers, each cached under BUILD/endpoint/KVER/ and rebuilt only
# when its inputs change (a hash of them is kept beside each, LAYER.key):
#
#  base.raw   mmdebstrap from the host's Debian sources: the packages of
#             packages.list, Bulkhead's run-time dependencies (read from
#             the .debs' control fields, so that apt needs no network in
#             the guest), falcosecurity-scap-dkms built by DKMS for KVER;
#             ramoops over a reserved region (the kernel command line has
#             memmap=1M$0x10000000, modprobe.d gives ramoops its region,
#             modules-load.d loads it, as on the machine of issue 13),
#             a persistent journal, and the test runner bh-endpoint.service
#             (guest/).  mkfs.ext4 -d: no loop mounts, no root needed for
#             the disk itself.  Key: this script, packages.list, guest/,
#             KVER, the dependency list, the host's sources.
#  dkms.qcow2 base.raw plus one boot (a qcow2 overlay): `apt install
#             ./bulkhead-dkms_*.deb ./acme-execcount-dkms_*.deb` in the
#             guest (DKMS builds the shim, bh_execwatch and the vendor's
#             extension there), and the test extensions the scenarios use,
#             built in the guest against the installed shim (its headers
#             and Module.symvers under /var/lib/dkms/bulkhead/kernel-KVER-
#             ARCH), as a vendor builds.  Key: the base's, those two .debs,
#             provision.sh, the test extensions' sources.
#  prov.qcow2 dkms.qcow2 plus one boot: `apt install ./bulkhead_*.deb` (the
#             tools and units; enabled, not started).  Key: dkms.qcow2's
#             and that .deb: changing the tools or units costs this boot
#             only, not DKMS's minutes.
#
# Scenario runs (run.sh) boot a fresh qcow2 overlay of prov.qcow2: the
# cached layers never change.  prov.vmlinuz and prov.initrd are the
# image's own kernel and initrd, booted with -kernel/-initrd.  Prints the
# time and size of what it built.
set -eu
ep_name=endpoint-image
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

[ $# -ge 2 ] || ep_die "usage: $0 BUILD KVER [DEBDIR]"
mkdir -p "$1"
build=$(cd "$1" && pwd)
kver=$2
debdir=${3:-$build/deb}
out=$build/endpoint/$kver
sources=${EP_SOURCES:-/etc/apt/sources.list.d/debian.sources}
# the test extensions built in the guest (tests/extensions/NAME.c)
test_exts="bh_noop bh_eventoops bh_takeoops bh_takehang bh_rawparse bh_vendorfile"

for t in mmdebstrap mkfs.ext4 qemu-img qemu-system-x86_64 debugfs dpkg-deb; do
	command -v "$t" >/dev/null || ep_die "$t not found (make deps)"
done
[ -r "$sources" ] || ep_die "$sources missing (EP_SOURCES names the Debian sources to build from)"
set -- "$debdir"/bulkhead_*.deb "$debdir"/bulkhead-dkms_*.deb "$debdir"/acme-execcount-dkms_*.deb
for d in "$@"; do
	[ -r "$d" ] || ep_die "$d missing (make BUILD=$build deb)"
done
debs="$*"
mkdir -p "$out"

# ---- the base layer --------------------------------------------------------
pkgs=$(sed -e 's/#.*//' -e "s/KVER/$kver/g" "$here/packages.list" | tr -s ' \t' '\n\n' | grep . | sort -u)
# Bulkhead's dependencies and recommendations, first alternative, no version
deps=$(for d in $debs; do
	dpkg-deb -f "$d" Depends
	dpkg-deb -f "$d" Recommends
done | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' |
	grep -v -e '^$' -e '^bulkhead' -e '^acme-' | sort -u)
printf '%s\n' $pkgs $deps >"$out/base.packages"
base_key=$(ep_hash "$here/mkimage.sh" "$here/packages.list" "$here/guest/bh-endpoint" \
	"$here/guest/bh-endpoint.service" "$out/base.packages" "$sources")-$kver

if [ "$(cat "$out/base.key" 2>/dev/null)" != "$base_key" ] || [ ! -f "$out/base.raw" ]; then
	rm -f "$out"/base.key "$out"/base.raw "$out"/dkms.* "$out"/prov.*
	start=$(date +%s)
	rootfs=$out/rootfs
	rm -rf "$rootfs"
	echo "endpoint-image: base for $kver: mmdebstrap ($(echo $pkgs $deps | wc -w) packages asked for; log $out/base.log)"
	# DKMS: scap's postinst builds for the running kernel only (the host's,
	# without headers); build it for the guest's kernel here, natively
	if ! mmdebstrap --variant=minbase --include="$(echo $pkgs $deps | tr ' ' ',')" \
		--customize-hook="chroot \"\$1\" sh -c 'dkms autoinstall -k $kver; dkms status'" \
		bookworm "$rootfs" "$sources" >"$out/base.log" 2>&1; then
		tail -n 30 "$out/base.log" >&2
		ep_die "mmdebstrap failed (log: $out/base.log)"
	fi
	debootstrapped=$(date +%s)

	# boot: root on the first virtio disk, no getty on the serial console
	# (the test runner owns it), a machine id (no first-boot prompts)
	printf '/dev/vda / ext4 rw,errors=remount-ro 0 1\n' >"$rootfs/etc/fstab"
	echo endpoint >"$rootfs/etc/hostname"
	printf '127.0.0.1 localhost\n127.0.1.1 endpoint\n' >"$rootfs/etc/hosts"
	od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$rootfs/etc/machine-id"
	echo >>"$rootfs/etc/machine-id"
	ln -sf /dev/null "$rootfs/etc/systemd/system/serial-getty@ttyS0.service"
	ln -sf /dev/null "$rootfs/etc/systemd/system/getty@tty1.service"
	# a journal that survives reboots (and crashes, up to its last sync)
	mkdir -p "$rootfs/var/log/journal"
	# pstore: ramoops over the region memmap= reserved (1 MiB at 256 MiB)
	printf 'options ramoops mem_address=0x10000000 mem_size=0x100000 record_size=0x10000\n' \
		>"$rootfs/etc/modprobe.d/endpoint-ramoops.conf"
	printf 'ramoops\n' >"$rootfs/etc/modules-load.d/endpoint-ramoops.conf"
	# the test runner
	install -m 0755 "$here/guest/bh-endpoint" "$rootfs/usr/local/sbin/bh-endpoint"
	install -m 0644 "$here/guest/bh-endpoint.service" "$rootfs/etc/systemd/system/"
	mkdir -p "$rootfs/etc/systemd/system/multi-user.target.wants"
	ln -sf ../bh-endpoint.service "$rootfs/etc/systemd/system/multi-user.target.wants/"

	[ -f "$rootfs/boot/vmlinuz-$kver" ] && [ -f "$rootfs/boot/initrd.img-$kver" ] ||
		ep_die "no /boot/vmlinuz-$kver or initrd in the image (log: $out/base.log)"
	cp "$rootfs/boot/vmlinuz-$kver" "$out/base.vmlinuz"
	cp "$rootfs/boot/initrd.img-$kver" "$out/base.initrd"
	grep -q "^scap/.*, $kver, .*installed" "$out/base.log" &&
		echo "endpoint-image: falcosecurity-scap built by DKMS for $kver" ||
		echo "endpoint-image: falcosecurity-scap NOT built for $kver (see $out/base.log)"
	rm -f "$rootfs"/var/cache/apt/archives/*.deb
	used=$(du -sm "$rootfs" | cut -f1)
	mkfs.ext4 -q -F -L endpoint -d "$rootfs" "$out/base.raw" "${EP_ROOT_SIZE:-4G}" ||
		ep_die "mkfs.ext4 -d $rootfs failed"
	rm -rf "$rootfs"
	echo "$base_key" >"$out/base.key"
	echo "endpoint-image: base built in $(($(date +%s) - start)) s" \
		"(mmdebstrap $((debootstrapped - start)) s): $used MiB of files," \
		"$(du -m "$out/base.raw" | cut -f1) MiB on disk ($(du -m --apparent-size "$out/base.raw" | cut -f1) MiB raw)"
fi

# ---- the provisioned layers ---------------------------------------------
# provision LAYER BACKING BACKING-FORMAT KEY STEP DEB...: boot an overlay
# of BACKING once with provision.sh's provision_STEP and the DEBs on the
# scenario disk; keep it as LAYER.qcow2 if the guest says PASS
provision() {
	layer=$1 backing=$2 fmt=$3 key=$4 step=$5
	shift 5
	if [ "$(cat "$out/$layer.key" 2>/dev/null)" = "$key" ] && [ -f "$out/$layer.qcow2" ]; then
		echo "endpoint-image: $out/$layer.qcow2 is current"
		return 0
	fi
	rm -f "$out/$layer.key" "$out/$layer.qcow2"
	t0=$(date +%s)
	stage=$out/$layer-disk
	rm -rf "$stage"
	mkdir -p "$stage/debs" "$stage/testext" "$stage/out"
	cp "$here/guest/run.sh" "$here/guest/lib.sh" "$stage/"
	cp "$here/provision.sh" "$stage/scenario.sh"
	cp "$@" "$stage/debs/"
	printf '%s\n' "$test_exts" >"$stage/testext/list"
	# shellcheck disable=SC2086
	cp $ext_srcs "$stage/testext/"
	echo "$step" >"$stage/step"
	echo "provision-$step" >"$stage/name"
	ep_disk "$stage" "$out/$layer-disk.img"
	qemu-img create -q -f qcow2 -b "$backing" -F "$fmt" "$out/$layer.qcow2.tmp"
	echo "endpoint-image: provisioning $layer in the guest: $step (console: $out/$layer.log)"
	rc=0
	ep_qemu "$out/$layer.qcow2.tmp" "$out/base.vmlinuz" "$out/base.initrd" "$out/$layer-disk.img" \
		"$out/$layer.log" "${EP_PROVISION_TIMEOUT:-1200}" || rc=$?
	ep_results "$out/$layer-disk.img" "$out/$layer-results"
	sed -n 's/^.*bh-endpoint: //p' "$out/$layer.log" | grep -e '^ok: ' -e '^FAILED' -e '^PASS' -e '^FAIL' |
		sed "s/^/endpoint-image: $layer: /"
	if [ "$rc" != 0 ] || ! grep -q 'bh-endpoint: PASS' "$out/$layer.log"; then
		ep_die "provisioning $layer failed (qemu $rc; console $out/$layer.log, results $out/$layer-results)"
	fi
	mv "$out/$layer.qcow2.tmp" "$out/$layer.qcow2"
	echo "$key" >"$out/$layer.key"
	rm -rf "$stage" "$out/$layer-disk.img"
	echo "endpoint-image: $layer provisioned in $(($(date +%s) - t0)) s:" \
		"$(du -m "$out/$layer.qcow2" | cut -f1) MiB over $(basename "$backing")"
}

# The module packages first (DKMS builds in the guest, minutes under TCG),
# then the tools, so that a change to the tools alone (units, the guard)
# costs one short boot.  The kernel is the base's: DKMS rebuilds no initrd
# (provision_modules checks it).
ext_srcs=
for x in $test_exts; do
	ext_srcs="$ext_srcs $top/tests/extensions/$x.c"
done
set -- $debs
tools_deb=$1
shift
# shellcheck disable=SC2086
dkms_key=$base_key-$(ep_hash "$@" "$here/provision.sh" $ext_srcs)
provision dkms "$out/base.raw" raw "$dkms_key" modules "$@"
prov_key=$dkms_key-$(ep_hash "$tools_deb")
provision prov "$out/dkms.qcow2" qcow2 "$prov_key" tools "$tools_deb"
cp "$out/base.vmlinuz" "$out/prov.vmlinuz"
cp "$out/base.initrd" "$out/prov.initrd"
