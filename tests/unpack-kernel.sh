#!/bin/sh
# unpack-kernel.sh BZIMAGE OUT - the kernel proper out of a bzImage, as the
# ELF file (vmlinux) that qemu boots through its PVH entry: -kernel OUT.
#
# Why: a bzImage carries the kernel compressed, and its first code, run by
# the guest, unpacks it.  Under TCG that costs Debian's 6.1 kernel (XZ)
# about 5 s of every boot and 6.12's (zstd) about 1 s; the VM and endpoint
# suites boot several hundred times.  Unpacked once on the host, the very
# same kernel code starts at once.  What the guest then skips is only the
# decompressor: it also chooses KASLR's random offset, so a PVH-booted
# kernel runs at its link address.  Nothing of Bulkhead's depends on that.
#
# The payload is found through the boot protocol's setup header (2.08 and
# later: payload_offset, payload_length); Kbuild appends the unpacked size
# as four little-endian bytes, which checks the result.  The kernel must
# have the PVH entry note (CONFIG_PVH, note type 0x12), as Debian's have.
# OUT is written only when OUT.src does not name BZIMAGE as it is now
# (device, inode, size, modification time: dpkg installs a kernel's new
# build as a new file, whose time is the package's), and replaced in one
# rename, so concurrent callers for the same kernel are harmless.
set -eu

die() {
	echo "unpack-kernel: $bz: $*" >&2
	exit 1
}

[ $# -eq 2 ] || {
	echo "usage: $0 BZIMAGE OUT" >&2
	exit 2
}
bz=$1
out=$2
[ -r "$bz" ] || die "cannot read it"
src=$(stat -L -c '%d:%i:%s:%Y' "$bz")
[ ! -f "$out" ] || [ "$(cat "$out.src" 2>/dev/null)" != "$src" ] || exit 0

# u BYTES OFFSET: the little-endian unsigned number at OFFSET
u() {
	od -An -tu"$1" -j "$2" -N "$1" "$bz" | tr -d ' '
}

[ "$(dd if="$bz" bs=1 skip=$((0x202)) count=4 status=none)" = HdrS ] ||
	die "not a bzImage (no HdrS signature in its setup header)"
proto=$(u 2 $((0x206)))
[ "$proto" -ge $((0x208)) ] ||
	die "boot protocol $(printf '%#x' "$proto") has no payload fields (2.08 or later needed)"
setup=$(u 1 $((0x1f1)))
[ "$setup" -ne 0 ] || setup=4
off=$(((setup + 1) * 512 + $(u 4 $((0x248)))))
len=$(u 4 $((0x24c)))
[ "$len" -gt 4 ] || die "payload of $len bytes"
size=$(u 4 $((off + len - 4)))
magic=$(od -An -tx1 -j "$off" -N 6 "$bz" | tr -d ' \n')
case $magic in
fd377a585a00) unpack="xz -dc --single-stream" ;;
28b52ffd*) unpack="zstd -dcq" ;;
1f8b*) unpack="gzip -dc" ;;
*) die "payload at byte $off starts with $magic: not xz, zstd or gzip" ;;
esac

tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
# shellcheck disable=SC2086
dd if="$bz" iflag=skip_bytes,count_bytes skip="$off" count=$((len - 4)) bs=1M status=none |
	$unpack >"$tmp" || die "${unpack%% *} failed on the payload at byte $off"
got=$(stat -c %s "$tmp")
[ "$got" = "$size" ] || die "unpacked $got bytes, the bzImage says $size"
readelf -n "$tmp" 2>/dev/null | grep -q 'Xen .*(0x00000012)' ||
	die "the unpacked kernel has no PVH entry note (CONFIG_PVH): qemu cannot boot it"
mv "$tmp" "$out"
trap - EXIT
echo "$src" >"$out.src.$$"
mv "$out.src.$$" "$out.src"
