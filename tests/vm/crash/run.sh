#!/bin/sh
# run.sh BUILD KVER - the boot guard's crash-loop test, end to end, in ONE
# qemu process (TCG) that reboots by itself: boot 1 runs
# `bulkhead-guard boot`, loads bulkhead.ko + bh_takeoops.ko and pushes
# content whose rule "OOPS" makes take_content dereference NULL; the
# guard's panic_on_oops turns the oops into a panic, its kernel.panic=1
# (guard.conf) into a reboot; ramoops keeps the kernel log in RAM across
# it (memmap=1M$0x10000000) and a raw ext4 disk keeps the guard's state.
# Boot 2 runs `bulkhead-guard boot` again and checks (init.sh) that boot 1
# is judged failed on shim-fault evidence naming bh_takeoops, that the
# extension is disabled with a reason, the pstore records archived, and
# that bulkhead.ko loaded with boot.json's disable= refuses bh_takeoops.
#
# The kernel command line sets neither panic= nor oops=panic: only the
# guard makes this kernel reboot on an oops, which is part of the test.
#
# Builds its own initramfs (BUILD/vm/KVER/crash/initramfs.cpio.gz: busybox,
# the kernel's own virtio/ext4/ramoops modules with their dependencies,
# bulkhead.ko and extra/bh_takeoops.ko from BUILD/kmod-vm/KVER, bulkheadctl
# and bulkhead-guard as `make` builds them (the real paths, no test
# overrides) with their libraries, the takeoops content built on
# the host, init.sh as /init) and a fresh 16 MiB state disk.  Console:
# BUILD/vm/KVER/crash.log.  Passes only with the guest's success marker,
# exactly 2 boots, and the oops + panic seen on the console.  Last line:
#	vm-crash KVER: pass N fail M boots B time Ts
# and "crash N M" is appended to $RESULTS when set.  VM_CRASH_TIMEOUT
# (default 120) is qemu's hard limit in seconds.
set -eu

[ $# -eq 2 ] || {
	echo "usage: $0 BUILD KVER" >&2
	exit 2
}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=$1
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
build=$(cd "$build" && pwd)
kver=$2
kmod=$build/kmod-vm/$kver
kernel=/boot/vmlinuz-$kver
out=$build/vm/$kver/crash
root=$out/root
initrd=$out/initramfs.cpio.gz
disk=$out/state.img
log=$build/vm/$kver/crash.log
limit=${VM_CRASH_TIMEOUT:-120}
fx=$top/tests/vm/fixtures

die() {
	echo "vm-crash: $*" >&2
	echo "vm-crash $kver: pass 0 fail 1 boots 0 time 0s"
	[ -z "${RESULTS:-}" ] || echo "crash 0 1" >>"$RESULTS"
	exit 1
}

for f in "$kernel" "$kmod/bulkhead.ko" "$kmod/extra/bh_takeoops.ko" \
	"$build/bulkheadctl" "$build/bulkhead-guard"; do
	[ -r "$f" ] || die "$f missing (cd $top && make modules-vm build/bulkheadctl build/bulkhead-guard)"
done
busybox=$(command -v busybox) || die "busybox not found (busybox-static)"
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is not static"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not installed"

# ---- the initramfs --------------------------------------------------------
rm -rf "$root"
mkdir -p "$root" "$out"
(
	cd "$root"
	mkdir -p bin dev etc/bulkhead proc sys tmp root var/lib/bulkhead usr \
		vm/bin vm/ko vm/kmod vm/fixtures
	cp "$busybox" bin/busybox
	for a in $(bin/busybox --list); do
		[ "$a" = busybox ] || ln -s busybox "bin/$a"
	done
	ln -s bin sbin
	ln -s ../bin usr/bin
	ln -s ../bin usr/sbin
	echo 'root:x:0:0:root:/root:/bin/sh' >etc/passwd
	echo 'root:x:0:' >etc/group
)

# the kernel's own modules, dependencies first, as modprobe would load
# them; "builtin" lines (6.12 has virtio_pci built in) need nothing
kmods() {
	for m in "$@"; do
		/sbin/modprobe -S "$kver" --show-depends "$m" ||
			die "modprobe -S $kver --show-depends $m failed"
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}
for m in $(kmods virtio_pci virtio_blk ext4) $(kmods reed_solomon ramoops); do
	cp "$m" "$root/vm/kmod/"
done
kmods virtio_pci virtio_blk ext4 | sed 's,.*/,,' >"$root/vm/kmod/disk.list"
kmods reed_solomon ramoops | sed 's,.*/,,' |
	sed 's/^\(ramoops\.ko.*\)$/\1 mem_address=0x10000000 mem_size=0x100000 record_size=0x10000/' \
		>"$root/vm/kmod/pstore.list"
grep -q '^virtio_blk' "$root/vm/kmod/disk.list" || die "no virtio_blk module for $kver"
grep -q '^ramoops' "$root/vm/kmod/pstore.list" || die "no ramoops module for $kver"

# ours; bh_takeoops must have been linked against this bulkhead.ko
cp "$kmod/bulkhead.ko" "$kmod/extra/bh_takeoops.ko" "$root/vm/ko/"
stale=$(/sbin/modprobe --dump-modversions "$kmod/extra/bh_takeoops.ko" 2>/dev/null |
	while read -r crc sym; do
		want=$(awk -v s="$sym" '$2 == s { print $1 }' "$kmod/Module.symvers")
		[ -z "$want" ] || [ "$want" = "$crc" ] || echo "$sym"
	done)
[ -z "$stale" ] || die "bh_takeoops.ko built against another bulkhead.ko ($stale): rm -rf $kmod/extra; make modules-vm"

for b in bulkheadctl bulkhead-guard; do
	cp "$build/$b" "$root/vm/bin/"
	for lib in $(ldd "$build/$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done

for c in takeoops-v1 takeoops-v2-oops; do
	"$build/bulkheadctl" content build "$fx/$c.json" -o "$root/vm/fixtures/$c.bhc" \
		--schema "$fx/takeoops.schema" >/dev/null || die "$c.json does not build"
done
printf '[kernel]\npanic_timeout = 1\npanic_on_oops = yes\n' >"$root/etc/bulkhead/guard.conf"
cp "$here/jflat.awk" "$root/vm/"
cp "$here/init.sh" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet | gzip -1) >"$initrd.tmp"
mv "$initrd.tmp" "$initrd"

# ---- a fresh state disk ---------------------------------------------------
rm -f "$disk"
truncate -s 16M "$disk"
mkfs.ext4 -q -F "$disk" || die "mkfs.ext4 failed"

# ---- one qemu process, two boots -----------------------------------------
# single-threaded TCG: see tests/vm/run.sh (stale code after text patching)
# shellcheck disable=SC2016 # a literal $: memmap=SIZE$ADDRESS reserves RAM
cmdline='console=ttyS0 loglevel=5 memmap=1M$0x10000000'
echo "vm-crash $kver: booting (limit ${limit}s)"
t0=$(date +%s%N)
rc=0
timeout -k 5 "$limit" qemu-system-x86_64 \
	-accel tcg,thread=single -machine q35 -m 512 -smp 2 \
	-nodefaults -no-user-config -display none -monitor none \
	-serial stdio \
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
	-drive "file=$disk,format=raw,if=virtio" \
	</dev/null >"$log.raw" 2>&1 || rc=$?
t1=$(date +%s%N)
secs=$(((t1 - t0) / 1000000000)).$((((t1 - t0) / 100000000) % 10))
tr -d '\r' <"$log.raw" >"$log"
rm -f "$log.raw"

# ---- the verdict ----------------------------------------------------------
pass=$(grep -c '^ok crash/' "$log" || true)
fail=$(grep -c '^FAIL crash/' "$log" || true)
grep -E '^(ok|FAIL) crash/' "$log" || true
hostcheck() {
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
		echo "ok crash/host-$1"
	else
		fail=$((fail + 1))
		echo "FAIL crash/host-$1: want '$2', got '$3'"
	fi
}
case $rc in
124 | 137) ended="timed out after ${limit}s" ;;
0) ended="qemu exited" ;;
*) ended="qemu exit status $rc" ;;
esac
boots=$(grep -c '^BULKHEAD-CRASH-BOOT ' "$log" || true)
hostcheck qemu-exited "qemu exited" "$ended"
hostcheck boots 2 "$boots"
hostcheck fault-line-on-console 1 \
	"$(grep -c 'bulkhead: fault extension=bh_takeoops op=take_content content=2$' "$log" || true)"
hostcheck oops-on-console 1 "$(grep -c -E '\] Oops: .*\[#1\]' "$log" || true)"
hostcheck panic-on-console 1 "$(grep -c 'Kernel panic - not syncing' "$log" || true)"
hostcheck success-marker 1 "$(grep -c '^BULKHEAD-CRASH-OK$' "$log" || true)"

echo "vm-crash $kver: pass $pass fail $fail boots $boots time ${secs}s (console: $log)"
[ -z "${RESULTS:-}" ] || echo "crash $pass $fail" >>"$RESULTS"
[ "$fail" -eq 0 ]
