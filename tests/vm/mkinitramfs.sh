#!/bin/sh
# mkinitramfs.sh BUILD KVER - build BUILD/vm/KVER/initramfs.cpio.gz, the
# whole guest the VM scenarios run in: busybox-static with its applet
# links, root and one unprivileged user, the modules built for KVER by
# `make modules-vm` (with modules.dep, so busybox modprobe, Debian's
# kmod and libkmod find them), the host-built bulkheadctl, bulkhead-guard
# and bulkhead-load (their test variants from BUILD/test-bin, which honour
# the BULKHEAD_* paths lib.sh's guard_env sets) with their shared
# libraries (libkmod among them), Debian's kmod as /vm/kmod/modprobe and
# /vm/kmod/rmmod (busybox owns /bin/modprobe), the content fixtures, the
# scenarios and /init.
#
# Nothing is taken from the host's own module tree into the guest's
# /lib/modules but the kernel's lists of built-in modules (libkmod wants
# them): the guest loads only what this project built.  The one
# exception is kept apart, in /vm/disk: the kernel's own virtio_blk and
# ext4 modules (with their dependencies, in load order in
# /vm/disk/disk.list), for the benchmarks that want a real block device,
# and in /vm/crypto the kernel's modular SHA-256 drivers (sha256_ssse3 on
# Debian; sha256_generic is built in), which a real system's modprobe
# loads before the shim (its softdep) and the kernel benchmark tries.
# The test extensions (BUILD/kmod-vm/KVER/extra), bulkhead-guard and
# bulkhead-load are optional here, so that the harness can run before
# they exist; the scenarios that need them then fail, which is the point.
set -eu

[ $# -eq 2 ] || {
	echo "usage: $0 BUILD KVER" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
kver=$2
kmod=$build/kmod-vm/$kver
bin=$build/test-bin
out=$build/vm/$kver
root=$out/root

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

for f in "$kmod/bulkhead.ko" "$kmod/bh_execwatch.ko" "$bin/bulkheadctl"; do
	[ -f "$f" ] || die "$f missing (make modules-vm $bin/bulkheadctl)"
done
busybox=$(command -v busybox) || die "busybox not found (apt-get install busybox-static)"
# a dynamic busybox would need its libc in the guest too
if ldd "$busybox" >/dev/null 2>&1; then
	die "$busybox is not static (apt-get install busybox-static)"
fi

rm -rf "$root"
mkdir -p "$root"
cd "$root"
mkdir -p bin dev etc proc sys tmp root home/bhuser usr var vm/bin vm/scenarios vm/bench \
	vm/kmod vm/disk "lib/modules/$kver/extra"
# su needs the root of the tree traversable by the user
chmod 755 .
chmod 1777 tmp

cp "$busybox" bin/busybox
for a in $("$busybox" --list); do
	[ "$a" = busybox ] || ln -s busybox "bin/$a"
done
ln -s bin sbin
ln -s ../bin usr/bin
ln -s ../bin usr/sbin

cat >etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
bhuser:x:1000:1000:unprivileged test user:/home/bhuser:/bin/sh
EOF
cat >etc/group <<'EOF'
root:x:0:
bhuser:x:1000:
EOF

# modules: ours only; depmod makes modules.dep for busybox modprobe
cp "$kmod/bulkhead.ko" "$kmod/bh_execwatch.ko" "lib/modules/$kver/extra/"
if ls "$kmod"/extra/*.ko >/dev/null 2>&1; then
	cp "$kmod"/extra/*.ko "lib/modules/$kver/extra/"
else
	echo "mkinitramfs: warning: no test extensions in $kmod/extra" >&2
fi
# Every module that imports the shim's symbols must have been built
# against this bulkhead.ko: a changed struct changes the symbol CRCs, and
# a stale extension then fails to load ("disagrees about version of
# symbol"), which would look like a module defect in the scenarios.
# (Kbuild does not relink the test extensions when only the shim's
# Module.symvers changed; `rm -rf $kmod/extra` and make modules-vm again.)
for ko in "lib/modules/$kver/extra"/*.ko; do
	/sbin/modprobe --dump-modversions "$ko" 2>/dev/null |
		while read -r crc sym; do
			want=$(awk -v s="$sym" '$2 == s { print $1 }' "$kmod/Module.symvers")
			if [ -n "$want" ] && [ "$want" != "$crc" ]; then
				echo "$(basename "$ko"): $sym $crc, bulkhead.ko exports $want"
			fi
		done
done >"$out/crc-mismatch.txt"
if [ -s "$out/crc-mismatch.txt" ]; then
	cat "$out/crc-mismatch.txt" >&2
	die "stale modules in $kmod: built against another bulkhead.ko (rm -rf $kmod/extra; make modules-vm)"
fi
# The kernel's list of built-in modules (names, no code): without it
# depmod writes an empty modules.builtin.bin, which libkmod's
# kmod_load_resources() refuses (EINVAL), and no real system has that.
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ ! -f "/lib/modules/$kver/$f" ] || cp "/lib/modules/$kver/$f" "lib/modules/$kver/"
done
depmod -b "$root" "$kver" 2>&1 | grep -v 'could not open' >&2 || true
[ -s "lib/modules/$kver/modules.dep" ] || die "depmod made no modules.dep"

# copy_bin FILE DESTDIR: a host binary and every shared object ldd names,
# the dynamic loader included, at the paths the binary asks for
copy_bin() {
	cp "$1" "$2/"
	for lib in $(ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p ".$(dirname "$lib")"
		[ -f ".$lib" ] || cp -L "$lib" ".$lib"
	done
}
copy_bin "$bin/bulkheadctl" vm/bin
# openssl, which signs what bh_bench prepares (the kernel-bench scenario)
! command -v openssl >/dev/null || copy_bin "$(command -v openssl)" vm/bin
for b in bulkhead-guard bulkhead-load; do
	if [ -f "$bin/$b" ]; then
		copy_bin "$bin/$b" vm/bin
	else
		echo "mkinitramfs: warning: no $bin/$b (make $bin/$b): the loader scenarios will fail" >&2
	fi
done
# the hostile writer the intake scenarios run, when built
[ ! -f "$bin/bh-race" ] || copy_bin "$bin/bh-race" vm/bin
# the stress scenario's random-operation program (tests/vm/stress/)
[ ! -f "$bin/bh-stress" ] || copy_bin "$bin/bh-stress" vm/bin
# Debian's kmod, the real modprobe (kmod picks its applet by argv[0])
kmod_bin=$(command -v kmod || true)
[ -n "$kmod_bin" ] || die "kmod not found (apt-get install kmod)"
copy_bin "$kmod_bin" vm/kmod
ln -s kmod vm/kmod/modprobe
ln -s kmod vm/kmod/rmmod

# the kernel's own block device and file system modules, dependencies
# first, as modprobe would load them ("builtin" lines need nothing); a
# host that cannot list them leaves the benchmarks on tmpfs
if (for m in virtio_pci virtio_blk ext4; do
	/sbin/modprobe -S "$kver" --show-depends "$m" || exit 1
done) >"$out/disk.deps" 2>/dev/null; then
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' "$out/disk.deps" |
		while read -r m; do
			cp "$m" vm/disk/
			basename "$m"
		done >vm/disk/disk.list
else
	echo "mkinitramfs: warning: cannot list the disk modules of $kver: no block device in the guest" >&2
	: >vm/disk/disk.list
fi
# the modules behind the crypto API's "sha256" (bulkhead.ko's softdep)
mkdir -p vm/crypto
/sbin/modprobe -S "$kver" --show-depends sha256 2>/dev/null |
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' |
	while read -r m; do
		cp "$m" vm/crypto/
		basename "$m"
	done >vm/crypto/crypto.list

sh "$here/mkfixtures.sh" "$bin/bulkheadctl" "$root/vm/fixtures" >/dev/null
cp "$here/lib.sh" "$here/crash/jflat.awk" vm/
cp "$here"/scenarios/*.sh vm/scenarios/
cp "$here"/bench/*.sh vm/bench/
cp "$here/init.sh" init
chmod 755 init

find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1 >"$out/initramfs.cpio.gz.tmp"
mv "$out/initramfs.cpio.gz.tmp" "$out/initramfs.cpio.gz"
echo "mkinitramfs: $out/initramfs.cpio.gz ($(du -k "$out/initramfs.cpio.gz" | cut -f1) KiB)"
