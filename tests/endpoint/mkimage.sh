#!/bin/sh
# mkimage.sh [--base] BUILD KVER [DEBDIR] - the endpoint: a Debian 12 root
# disk with systemd, Debian's own KVER kernel and headers, DKMS, a real
# vendor sensor (falcosecurity-scap-dkms) and Bulkhead installed from its
# .debs (DEBDIR, default BUILD/deb, as `make deb` leaves them).  Two
# layers, each cached under BUILD/endpoint/KVER/ and rebuilt only when its
# inputs change (a hash of them is kept beside each, LAYER.key); --base
# builds the first alone (it needs no .debs: make demo and make check
# start it early).  One build of an image at a time: another waits.
#
#  base/      mmdebstrap --variant=minbase from the host's Debian sources:
#             the packages of packages.list, Bulkhead's run-time
#             dependencies among them (the guest has no network: apt must
#             find them installed; the root layer checks the .debs'
#             control fields against base.installed); scap built by DKMS
#             for KVER.  Nothing of Bulkhead's own.  Key: this script's
#             BASE_FORMAT, packages.list, the host's sources, KVER.
#  root.raw   a copy of base/, the .debs installed with apt in a chroot
#             of it (`apt install ./bulkhead-dkms_*.deb ...`, as
#             mmdebstrap's --include of a .deb does: DKMS builds the shim,
#             bh_execwatch and the vendor's acme_execcount for KVER,
#             natively), the test extensions the scenarios load built
#             there against the installed shim's headers and Module.symvers
#             (/var/lib/dkms/bulkhead/kernel-KVER-ARCH), as a vendor builds;
#             the endpoint's platform set-up (below) and the test runner
#             (guest/); then mkfs.ext4 -d, no loop mounts.  Key: base's,
#             the three .debs, guest/, the test extensions' sources, this
#             script.
#
# Platform set-up: ramoops over the region the kernel command line
# reserves (memmap=1M$0x10000000; modprobe.d gives ramoops its region,
# modules-load.d loads it, as on the machine of issue 13), a persistent
# journal, no getty on the serial console (the test owns it).
#
# Scenario runs (run.sh) boot a fresh qcow2 overlay of root.raw: the cached
# layers never change.  root.vmlinuz and root.initrd are the image's own
# kernel and initrd, booted with -kernel/-initrd.  Prints the time and
# size of what it built.
set -eu
ep_name=endpoint-image
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$here/lib.sh"

# bump when the base layer's recipe below changes
BASE_FORMAT=5

base_only=
if [ "${1:-}" = --base ]; then
	base_only=yes
	shift
fi
[ $# -ge 2 ] || ep_die "usage: $0 [--base] BUILD KVER [DEBDIR]"
mkdir -p "$1"
build=$(cd "$1" && pwd)
kver=$2
debdir=${3:-$build/deb}
out=$build/endpoint/$kver
sources=${EP_SOURCES:-/etc/apt/sources.list.d/debian.sources}
# the test extensions built in the image (tests/extensions/NAME.c)
test_exts="bh_noop bh_eventoops bh_takeoops bh_takehang bh_rawparse bh_vendorfile"

for t in mmdebstrap mkfs.ext4 qemu-img qemu-system-x86_64 debugfs dpkg-deb unshare flock; do
	command -v "$t" >/dev/null || ep_die "$t not found (make deps)"
done
[ "$(id -u)" = 0 ] || ep_die "building the image needs root (a chroot with DKMS in it)"
[ -r "$sources" ] || ep_die "$sources missing (EP_SOURCES names the Debian sources to build from)"
mkdir -p "$out"
# one build of KVER's image at a time (make demo and make check start the
# base layer early, beside other work): the next waits, then finds it
# current
exec 9>"$out/lock"
if ! flock -n 9; then
	echo "endpoint-image: waiting for the other build of $out to finish"
	flock 9
fi

# ---- the base layer --------------------------------------------------------
# packages.list alone: it does not wait for the .debs (the root layer
# checks that they find their dependencies here)
pkgs=$(sed -e 's/#.*//' -e "s/KVER/$kver/g" "$here/packages.list" | tr -s ' \t' '\n\n' | grep . | sort -u)
printf '%s\n' $pkgs >"$out/base.packages"
printf 'base format %s\n' "$BASE_FORMAT" >"$out/base.recipe"
base_key=$(ep_hash "$out/base.recipe" "$out/base.packages" "$sources")-$kver

if [ "$(cat "$out/base.key" 2>/dev/null)" != "$base_key" ] || [ ! -d "$out/base" ] ||
	[ ! -f "$out/base.installed" ]; then
	rm -rf "$out"/base "$out"/base.tmp "$out"/base.tar "$out"/base.key "$out"/base.installed "$out"/root.*
	start=$(date +%s)
	echo "endpoint-image: base for $kver: mmdebstrap ($(echo $pkgs | wc -w) packages asked for; log $out/base.log)"
	# scap's postinst builds for the running kernel (the host's, which
	# has no headers) and the newest one with headers, which may not be
	# configured yet when it runs: build for the guest's kernel at the end.
	# MODULES=list (below) from the start: the kernel's postinst and
	# DKMS's build initrds here too, half a minute with MODULES=most
	if ! mmdebstrap --variant=minbase --format=directory --include="$(echo $pkgs | tr ' ' ',')" \
		--essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d" &&
			echo MODULES=list >"$1/etc/initramfs-tools/conf.d/endpoint-modules.conf"' \
		--customize-hook="chroot \"\$1\" sh -c 'dkms autoinstall -k $kver; dkms status'" \
		--customize-hook='rm -f "$1"/var/cache/apt/archives/*.deb' \
		--customize-hook="chroot \"\$1\" dpkg-query -W -f '\${Package}\\n' >\"$out/base.installed.tmp\"" \
		bookworm "$out/base.tmp" "$sources" >"$out/base.log" 2>&1; then
		tail -n 30 "$out/base.log" >&2
		ep_die "mmdebstrap failed (log: $out/base.log)"
	fi
	mv "$out/base.installed.tmp" "$out/base.installed"
	mv "$out/base.tmp" "$out/base"
	echo "$base_key" >"$out/base.key"
	echo "endpoint-image: base built in $(($(date +%s) - start)) s:" \
		"$(du -sm "$out/base" | cut -f1) MiB"
elif [ -n "$base_only" ]; then
	echo "endpoint-image: $out/base is current"
fi
[ -z "$base_only" ] || exit 0

set -- "$debdir"/bulkhead_*.deb "$debdir"/bulkhead-dkms_*.deb "$debdir"/acme-execcount-dkms_*.deb
for d in "$@"; do
	[ -r "$d" ] || ep_die "$d missing (make BUILD=$build deb)"
done
debs="$*"
# The guest has no network: what the .debs depend on or recommend (first
# alternative) must be in the base layer already
for d in $debs; do
	for dep in $({
		dpkg-deb -f "$d" Depends
		dpkg-deb -f "$d" Recommends
	} | tr ',' '\n' | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' |
		grep -v -e '^$' -e '^bulkhead' -e '^acme-'); do
		grep -qx "$dep" "$out/base.installed" ||
			ep_die "${d##*/} needs $dep, which the base layer does not have: add it to $here/packages.list"
	done
done

# ---- the root disk -------------------------------------------------------
ext_srcs=
for x in $test_exts; do
	ext_srcs="$ext_srcs $top/tests/extensions/$x.c"
done
# shellcheck disable=SC2086
root_key=$base_key-$(ep_hash $debs "$here/mkimage.sh" "$here/guest/bh-endpoint" \
	"$here/guest/bh-endpoint.service" "$here/guest/bh-endpoint-setup.service" $ext_srcs)
if [ "$(cat "$out/root.key" 2>/dev/null)" = "$root_key" ] && [ -f "$out/root.raw" ] &&
	[ -f "$out/root.vmlinux" ]; then
	echo "endpoint-image: $out/root.raw is current"
	exit 0
fi
rm -f "$out"/root.*
start=$(date +%s)
rootfs=$out/rootfs
rm -rf "$rootfs"
mkdir -p "$rootfs"
cp -a "$out/base/." "$rootfs/"

# boot: root on the first virtio disk, a machine id (no first-boot
# prompts), no getty on the serial console
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
# a network card on qemu's user network (no way out; the host forwards
# ssh and node_exporter's port to it)
mkdir -p "$rootfs/etc/systemd/network"
printf '[Match]\nName=eth0\n\n[Network]\nDHCP=ipv4\n' >"$rootfs/etc/systemd/network/80-endpoint.network"
# the test runner
install -m 0755 "$here/guest/bh-endpoint" "$rootfs/usr/local/sbin/bh-endpoint"
install -m 0644 "$here/guest/bh-endpoint.service" "$here/guest/bh-endpoint-setup.service" \
	"$rootfs/etc/systemd/system/"
mkdir -p "$rootfs/etc/systemd/system/multi-user.target.wants" "$rootfs/etc/systemd/system/sysinit.target.wants"
ln -sf ../bh-endpoint.service "$rootfs/etc/systemd/system/multi-user.target.wants/"
ln -sf ../bh-endpoint-setup.service "$rootfs/etc/systemd/system/sysinit.target.wants/"
# Drivers for the emulated chipset's devices that nothing here uses (the
# SATA controller with no disk, SMBus, the PC speaker, the TCO watchdog:
# systemd drives the i6300esb; KVM and CPU frequency in a TCG guest):
# udev loaded them at every boot, over a second of the one vCPU's time.
printf 'blacklist %s\n' ahci i2c_i801 pcspkr lpc_ich iTCO_wdt kvm_amd kvm_intel powernow_k8 \
	>"$rootfs/etc/modprobe.d/endpoint-unused-hardware.conf"
# For the same machine, depmod(8) skips the driver folders of hardware a
# VM without graphics, sound, radios or cameras never has (depmod.d(5)'s
# "exclude": a folder of that name anywhere under the kernel's modules;
# nothing this image loads is in one).  A kernel's modules.dep then lists
# 2663 of 6.12's 4230 modules.  Debian's scripts run depmod for the whole
# tree at every kernel install and every DKMS build or removal, ten times in
# the upgrade scenario; 6.12's modules are XZ-compressed and depmod unpacks
# each: natively 8.8 s instead of 4.9; in that scenario's guest (DKMS
# prints a dot every 3 s while depmod runs) 78 to 84 s before, 36 to 42 s
# with this.
mkdir -p "$rootfs/etc/depmod.d"
printf 'exclude %s\n' gpu sound media wireless bluetooth infiniband iio staging comedi \
	>"$rootfs/etc/depmod.d/endpoint-unused-hardware.conf"
# What a VM with one ext4 disk and no operator never uses, masked as an
# administrator masks units: the generators for encrypted, integrity,
# verity and GPT-discovered volumes, hibernation, SysV scripts (each script
# here has a native unit), rc.local, offline updates, systemd.* debug and
# run options and gettys, which ran on every boot before systemd queued a
# job; the hugepages, mqueue, debugfs, tracefs, configfs and fuse mounts
# and the modprobe@ units for drm, fuse, loop, configfs and dm_mod; utmp
# records.  Nothing of Bulkhead's ordering is among them: systemd-pstore,
# modprobe@efi_pstore and modprobe@ramoops, systemd-modules-load and udev
# stay.  Every scenario boots one to twenty-two times, and under TCG each
# of these cost one vCPU's time: counted in guest instructions (qemu
# -icount shift=3), a boot reached the scenario at 38.7 s instead of
# 45.8 s.  The daily and weekly timers (apt, dpkg-db-backup, e2scrub,
# fstrim) are not enabled: a run spans no day, and apt-daily would take
# apt's lock from the upgrade scenario's apt.
mkdir -p "$rootfs/etc/systemd/system-generators"
for g in cryptsetup debug getty gpt-auto hibernate-resume integritysetup rc-local run \
	system-update sysv veritysetup; do
	ln -sf /dev/null "$rootfs/etc/systemd/system-generators/systemd-$g-generator"
done
for u in dev-hugepages.mount dev-mqueue.mount sys-kernel-debug.mount sys-kernel-tracing.mount \
	sys-kernel-config.mount sys-fs-fuse-connections.mount modprobe@drm.service \
	modprobe@fuse.service modprobe@loop.service modprobe@configfs.service \
	modprobe@dm_mod.service systemd-update-utmp.service systemd-update-utmp-runlevel.service; do
	ln -sf /dev/null "$rootfs/etc/systemd/system/$u"
done
for t in apt-daily apt-daily-upgrade dpkg-db-backup e2scrub_all fstrim; do
	rm -f "$rootfs/etc/systemd/system/timers.target.wants/$t.timer"
done

# Bulkhead from its .debs and the test extensions, in a chroot with its own
# mounts (gone with the process, whatever happens)
mkdir -p "$rootfs/var/tmp/bh-debs" "$rootfs/usr/local/src/bulkhead-test"
# shellcheck disable=SC2086
cp $debs "$rootfs/var/tmp/bh-debs/"
# shellcheck disable=SC2086
cp $ext_srcs "$rootfs/usr/local/src/bulkhead-test/"
cat >"$rootfs/var/tmp/bh-install.sh" <<INSTALL
set -eu
export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
kver=$kver
cd /var/tmp/bh-debs
# the initramfs holds the drivers this machine boots from (virtio, ext4)
# and what hooks add (Bulkhead's: the watchdog drivers), not most of the
# kernel's (MODULES=list, set in the base layer): MODULES=most made a 36
# MiB initrd that took 4 s to unpack under TCG at every boot, and the
# kernel upgrade's update-initramfs minutes.  /etc/initramfs-tools/modules
# names them because MODULES=dep would look at the build machine's devices
# from this chroot.  Set before the .debs: the bulkhead package's
# update-initramfs trigger builds it.
printf 'virtio_pci\nvirtio_blk\next4\n' >>/etc/initramfs-tools/modules
t0=\$(date +%s)
apt-get install -y --no-install-recommends ./bulkhead-dkms_*.deb ./acme-execcount-dkms_*.deb ./bulkhead_*.deb
# DKMS builds for the running kernel (the host's: no headers) and the
# newest installed one: make sure of KVER
dkms autoinstall -k "\$kver"
echo "image: apt install of the .debs (DKMS included) took \$((\$(date +%s) - t0)) s"
dkms status
for m in bulkhead bh_execwatch acme_execcount scap; do
	modinfo -k "\$kver" -F filename "\$m"
done
# the trigger built it, with the hook's watchdog drivers
lsinitramfs "/boot/initrd.img-\$kver" | grep -q '/i6300esb\.ko'
# the test extensions, as a vendor builds against an installed shim
bh=/var/lib/dkms/bulkhead/kernel-\$kver-\$(uname -m)
src=/usr/local/src/bulkhead-test
{
	echo "ccflags-y := -I\$bh/include"
	echo "obj-m := $(for x in $test_exts; do printf '%s.o ' "$x"; done)"
} >"\$src/Kbuild"
make -C "/lib/modules/\$kver/build" M="\$src" KBUILD_EXTRA_SYMBOLS="\$bh/Module.symvers" -j2 modules
mkdir -p "/lib/modules/\$kver/updates/bulkhead-test"
install -m 0644 "\$src"/*.ko "/lib/modules/\$kver/updates/bulkhead-test/"
depmod -a "\$kver"
for x in $test_exts; do
	modinfo -k "\$kver" -F filename "\$x"
done
# every Bulkhead unit with an [Install] section is enabled by the package
for u in \$(cd /lib/systemd/system && grep -l '^\[Install\]' bulkhead-*); do
	echo "\$u: \$(systemctl is-enabled "\$u")"
	[ "\$(systemctl is-enabled "\$u")" = enabled ]
done
# Under TCG every service costs each boot a second or more of one core:
# what only metrics-ops asks for (the network, ssh, node_exporter) is
# installed and configured, and bh_network starts it there; e2scrub_reap
# has no LVM snapshot to reap on this machine.  Together 9 to 18 s a boot.
systemctl disable ssh.service prometheus-node-exporter.service e2scrub_reap.service
apt-get clean
rm -rf /var/tmp/bh-debs /var/tmp/bh-install.sh
INSTALL
echo "endpoint-image: root disk for $kver: Bulkhead's .debs and the test extensions (log $out/root.log)"
# shellcheck disable=SC2016
if ! unshare -m --propagation private sh -c '
	set -e
	r=$1
	mount -t proc proc "$r/proc"
	mount -t sysfs sysfs "$r/sys"
	mount --rbind /dev "$r/dev"
	mount -t tmpfs tmpfs "$r/run"
	mount -t tmpfs tmpfs "$r/tmp"
	chroot "$r" sh /var/tmp/bh-install.sh' sh "$rootfs" >"$out/root.log" 2>&1; then
	tail -n 30 "$out/root.log" >&2
	ep_die "installing Bulkhead in the image failed (log: $out/root.log)"
fi
grep '^image: ' "$out/root.log" | sed 's/^image: /endpoint-image: /'
[ -f "$rootfs/boot/vmlinuz-$kver" ] && [ -f "$rootfs/boot/initrd.img-$kver" ] ||
	ep_die "no /boot/vmlinuz-$kver or initrd in the image (log: $out/base.log)"
cp "$rootfs/boot/vmlinuz-$kver" "$out/root.vmlinuz"
# what qemu boots: the same kernel, unpacked once here (../unpack-kernel.sh)
sh "$here/../unpack-kernel.sh" "$out/root.vmlinuz" "$out/root.vmlinux" ||
	ep_die "cannot unpack the image's kernel $out/root.vmlinuz"
cp "$rootfs/boot/initrd.img-$kver" "$out/root.initrd"
used=$(du -sm "$rootfs" | cut -f1)
rm -f "$out/root.raw.tmp"
truncate -s "${EP_ROOT_SIZE:-4G}" "$out/root.raw.tmp"
mkfs.ext4 -q -F -L endpoint -d "$rootfs" "$out/root.raw.tmp" ||
	ep_die "mkfs.ext4 -d $rootfs failed"
rm -rf "$rootfs"
mv "$out/root.raw.tmp" "$out/root.raw"
echo "$root_key" >"$out/root.key"
echo "endpoint-image: root disk built in $(($(date +%s) - start)) s: $used MiB of files," \
	"$(du -m "$out/root.raw" | cut -f1) MiB on disk"
