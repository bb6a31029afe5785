#!/bin/sh
# run.sh BUILD KVER [SCENARIO] - the VM tests that reboot for real, each in
# ONE qemu process: SCENARIO "crash" (the default, below), "restage-loop"
# (restage.sh: an updater re-stages bad content after every rollback, with
# bulkhead-load and the modules under /lib/modules as on an endpoint;
# 6 boots, 3 crashes, ends with the culprit disabled and the machine
# healthy) or "irq-blame" (irqblame.sh: an interrupt handler crashes while
# bh_irqoops is inside handle_event, then inside take_content; 3 boots,
# 2 crashes, and neither is blamed on bh_irqoops).
#
# crash: the boot guard's crash-loop test, end to end, in ONE
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
# Builds its own initramfs (BUILD/vm/KVER/SCENARIO/initramfs.cpio.gz: busybox,
# the kernel's own virtio/ext4/ramoops modules with their dependencies,
# bulkhead.ko and extra/bh_takeoops.ko from BUILD/kmod-vm/KVER, bulkheadctl
# and bulkhead-guard as `make` builds them (the real paths, no test
# overrides) with their libraries, the takeoops content built on
# the host, init.sh as /init) and a fresh 16 MiB state disk.  Console:
# BUILD/vm/KVER/SCENARIO.log.  Passes only with the guest's success marker,
# exactly 2 boots, and the oops + panic seen on the console.  Last line:
#	vm-SCENARIO KVER: pass N fail M boots B time Ts
# and "SCENARIO N M" is appended to $RESULTS when set.  VM_CRASH_TIMEOUT
# (default 60 s a boot) is qemu's hard limit in seconds.
set -eu

[ $# -eq 2 ] || [ $# -eq 3 ] || {
	echo "usage: $0 BUILD KVER [crash|restage-loop|irq-blame]" >&2
	exit 2
}
scenario=${3:-crash}
case $scenario in
crash) init=init.sh want_boots=2 want_crashes=1 ;;
restage-loop) init=restage.sh want_boots=6 want_crashes=3 ;;
irq-blame) init=irqblame.sh want_boots=3 want_crashes=2 ;;
*)
	echo "$0: unknown scenario '$scenario'" >&2
	exit 2
	;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
build=$1
case $build in /*) ;; *) build=$(pwd)/$build ;; esac
build=$(cd "$build" && pwd)
kver=$2
kmod=$build/kmod-vm/$kver
kernel=/boot/vmlinuz-$kver
out=$build/vm/$kver/$scenario
root=$out/root
initrd=$out/initramfs.cpio.gz
disk=$out/state.img
log=$build/vm/$kver/$scenario.log
limit=${VM_CRASH_TIMEOUT:-$((60 * want_boots))}
fx=$top/tests/vm/fixtures

die() {
	echo "vm-$scenario: $*" >&2
	echo "vm-$scenario $kver: pass 0 fail 1 boots 0 time 0s"
	[ -z "${RESULTS:-}" ] || echo "$scenario 0 1" >>"$RESULTS"
	exit 1
}

for f in "$kernel" "$kmod/bulkhead.ko" "$kmod/extra/bh_takeoops.ko" "$kmod/extra/bh_irqoops.ko" \
	"$build/bulkheadctl" "$build/bulkhead-guard" "$build/bulkhead-load"; do
	[ -r "$f" ] || die "$f missing (cd $top && make modules-vm build/bulkheadctl build/bulkhead-guard)"
done
busybox=$(command -v busybox) || die "busybox not found (busybox-static)"
! ldd "$busybox" >/dev/null 2>&1 || die "$busybox is not static"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 not installed"
command -v mkfs.ext4 >/dev/null || die "mkfs.ext4 not installed"

# ---- the initramfs --------------------------------------------------------
rm -rf "$root"
mkdir -p "$root" "$out"
# the same kernel, unpacked on the host: no decompression in every boot
sh "$top/tests/unpack-kernel.sh" "$kernel" "$build/vm/$kver/vmlinux" || die "cannot unpack $kernel"
kernel=$build/vm/$kver/vmlinux
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

# ours; the extensions must have been linked against this bulkhead.ko
cp "$kmod/bulkhead.ko" "$kmod/extra/bh_takeoops.ko" "$kmod/extra/bh_irqoops.ko" "$root/vm/ko/"
for x in bh_takeoops bh_irqoops; do
	stale=$(/sbin/modprobe --dump-modversions "$kmod/extra/$x.ko" 2>/dev/null |
		while read -r crc sym; do
			want=$(awk -v s="$sym" '$2 == s { print $1 }' "$kmod/Module.symvers")
			[ -z "$want" ] || [ "$want" = "$crc" ] || echo "$sym"
		done)
	[ -z "$stale" ] || die "$x.ko built against another bulkhead.ko ($stale): rm -rf $kmod/extra; make modules-vm"
done

for b in bulkheadctl bulkhead-guard bulkhead-load; do
	cp "$build/$b" "$root/vm/bin/"
	for lib in $(ldd "$build/$b" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
done

for c in takeoops-v1 takeoops-v2-oops takeoops-v4-oops takeoops-v5-oops; do
	"$build/bulkheadctl" content build "$fx/$c.json" -o "$root/vm/fixtures/$c.bhc" \
		--schema "$fx/takeoops.schema" >/dev/null || die "$c.json does not build"
done
for c in irqoops-v1 irqoops-v2-irq; do
	"$build/bulkheadctl" content build "$fx/$c.json" -o "$root/vm/fixtures/$c.bhc" \
		--schema "$fx/irqoops.schema" >/dev/null || die "$c.json does not build"
done
printf '[kernel]\npanic_timeout = 1\npanic_on_oops = yes\n' >"$root/etc/bulkhead/guard.conf"
if [ "$scenario" = restage-loop ]; then
	# an endpoint's layout: the loader finds the modules through libkmod
	# (modules.dep) and bh_takeoops through extensions.d; "good" promotes
	# at once (probation 0) so boot 1's content is last-known-good
	printf '[policy]\nprobation = 0\n' >>"$root/etc/bulkhead/guard.conf"
	mkdir -p "$root/lib/modules/$kver/extra" "$root/etc/bulkhead/extensions.d"
	cp "$kmod/bulkhead.ko" "$kmod/extra/bh_takeoops.ko" "$root/lib/modules/$kver/extra/"
	for f in modules.builtin modules.builtin.modinfo modules.order; do
		[ ! -f "/lib/modules/$kver/$f" ] || cp "/lib/modules/$kver/$f" "$root/lib/modules/$kver/"
	done
	depmod -b "$root" "$kver" 2>&1 | grep -v 'could not open' >&2 || true
	[ -s "$root/lib/modules/$kver/modules.dep" ] || die "depmod made no modules.dep"
	cp "$fx/takeoops.schema" "$root/etc/bulkhead/"
	printf '[extension]\nname = bh_takeoops\nmodule = bh_takeoops\nschema = /etc/bulkhead/takeoops.schema\nrequire_signature = yes\n' \
		>"$root/etc/bulkhead/extensions.d/10-takeoops.conf"
	# the vendor signs its content; the machine has the vendor's key in
	# /etc/bulkhead/keys, and the shim refuses bh_takeoops's unsigned
	# content: the loop must end the same way with signed content, the
	# guard's rollbacks landing on the anti-rollback floor
	keys=$out/keys
	rm -rf "$keys"
	mkdir -p "$keys" "$root/etc/bulkhead/keys"
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/O=Bulkhead tests/CN=takeoops vendor" \
		-keyout "$keys/vendor.key" -out "$root/etc/bulkhead/keys/takeoops-vendor.pem" \
		2>/dev/null || die "openssl cannot make the vendor's key"
	for c in takeoops-v1 takeoops-v2-oops takeoops-v4-oops takeoops-v5-oops; do
		mv "$root/vm/fixtures/$c.bhc" "$root/vm/fixtures/$c-unsigned.bhc"
		"$build/bulkheadctl" content sign "$root/vm/fixtures/$c-unsigned.bhc" \
			--key "$keys/vendor.key" --cert "$root/etc/bulkhead/keys/takeoops-vendor.pem" \
			-o "$root/vm/fixtures/$c.bhc" || die "$c.bhc does not sign"
	done
fi
cp "$here/jflat.awk" "$here/common.sh" "$root/vm/"
cp "$here/$init" "$root/init"
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
echo "vm-$scenario $kver: booting (limit ${limit}s)"
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
pass=$(grep -c "^ok $scenario/" "$log" || true)
fail=$(grep -c "^FAIL $scenario/" "$log" || true)
grep -E "^(ok|FAIL) $scenario/" "$log" || true
hostcheck() {
	if [ "$2" = "$3" ]; then
		pass=$((pass + 1))
		echo "ok $scenario/host-$1"
	else
		fail=$((fail + 1))
		echo "FAIL $scenario/host-$1: want '$2', got '$3'"
	fi
}
case $rc in
124 | 137) ended="timed out after ${limit}s" ;;
0) ended="qemu exited" ;;
*) ended="qemu exit status $rc" ;;
esac
boots=$(grep -c '^BULKHEAD-CRASH-BOOT ' "$log" || true)
hostcheck qemu-exited "qemu exited" "$ended"
hostcheck boots "$want_boots" "$boots"
if [ "$scenario" = crash ]; then
	hostcheck fault-line-on-console 1 \
		"$(grep -c 'bulkhead: fault extension=bh_takeoops op=take_content content=2$' "$log" || true)"
elif [ "$scenario" = irq-blame ]; then
	hostcheck no-fault-line-on-console 0 "$(grep -c 'bulkhead: fault ' "$log" || true)"
	hostcheck not-attributed-on-console "1 1" \
		"$(grep -c 'oops in hard IRQ context while inside extension bh_irqoops (event): not attributed$' "$log" || true) $(grep -c 'oops in hard IRQ context while inside extension bh_irqoops (take_content): not attributed$' "$log" || true)"
else
	# content 2 crashed twice (staged, then forced), content 4 once
	hostcheck fault-lines-on-console "2 1" \
		"$(grep -c 'bulkhead: fault extension=bh_takeoops op=take_content content=2$' "$log" || true) $(grep -c 'bulkhead: fault extension=bh_takeoops op=take_content content=4$' "$log" || true)"
fi
hostcheck oops-on-console "$want_crashes" "$(grep -c -E '\] Oops: .*\[#1\]' "$log" || true)"
hostcheck panic-on-console "$want_crashes" "$(grep -c 'Kernel panic - not syncing' "$log" || true)"
hostcheck success-marker 1 "$(grep -c '^BULKHEAD-CRASH-OK$' "$log" || true)"

echo "vm-$scenario $kver: pass $pass fail $fail boots $boots time ${secs}s (console: $log)"
[ -z "${RESULTS:-}" ] || echo "$scenario $pass $fail" >>"$RESULTS"
[ "$fail" -eq 0 ]
