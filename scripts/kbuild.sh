#!/bin/sh
# kbuild.sh [--endpoint] KDIR OUTDIR [EXTRA_SRC_DIR] - build bulkhead.ko
# and bh_execwatch.ko for the kernel headers at KDIR, in OUTDIR.
#
# Kbuild wants every object under M=, and the module compiles the very
# same lib/ sources as the tools, so the sources are staged: module/
# becomes OUTDIR, lib/ becomes OUTDIR/lib.  cp -p keeps times, so an
# unchanged file is not rebuilt.
# The project's own builds use W=1, and a warning fails them.  With
# --endpoint (dkms.conf's MAKE: DKMS on the machine that runs Bulkhead),
# the kernel's own warning flags, and a warning stays a line in DKMS's
# make.log: that machine's compiler is not the one this tree was checked
# with, and a warning new to it must not leave the machine without its
# shim after a kernel upgrade.
# With EXTRA_SRC_DIR (the test extensions), that folder is staged into
# OUTDIR/extra and built against OUTDIR's Module.symvers.
# One make job per CPU: DKMS runs this on the endpoint (dkms.conf's MAKE)
# and passes no -j to a command that is not make itself.
set -eu
strict=yes
if [ "${1:-}" = --endpoint ]; then
	strict=no
	shift
fi
kdir=$1
out=$2
extra=${3:-}
top=$(cd "$(dirname "$0")/.." && pwd)

if [ ! -f "$kdir/Makefile" ]; then
	echo "kbuild: no kernel headers at $kdir (make deps installs them)" >&2
	exit 1
fi
mkdir -p "$out/lib"
out=$(cd "$out" && pwd)	# Kbuild's M= must be absolute
cp -pR "$top/module/." "$out/"
cp -p "$top"/lib/*.c "$top"/lib/*.h "$out/lib/"
log=$out/build.log
jobs=$(nproc 2>/dev/null || echo 1)
# its own jobs, not a share of a calling make's (make -j2 all): that make
# warns "-jN forced in submake", a line the strict build takes for a
# compiler warning
unset MAKEFLAGS MFLAGS
w=W=1
[ "$strict" = yes ] || w=
symvers_before=$(cat "$out/Module.symvers" 2>/dev/null | md5sum)
# shellcheck disable=SC2086
if ! make -s -j"$jobs" -C "$kdir" M="$out" $w modules >"$log" 2>&1; then
	cat "$log" >&2
	echo "kbuild: $out: build failed against $kdir" >&2
	exit 1
fi
if [ -n "$extra" ]; then
	# Kbuild does not see that the shim's exported symbols changed: the
	# extra modules would keep stale symbol CRCs and fail to load.
	if [ "$symvers_before" != "$(md5sum <"$out/Module.symvers")" ]; then
		rm -rf "$out/extra"
	fi
	mkdir -p "$out/extra"
	cp -pR "$top/$extra/." "$out/extra/"
	# shellcheck disable=SC2086
	if ! make -s -j"$jobs" -C "$kdir" M="$out/extra" $w \
		KBUILD_EXTRA_SYMBOLS="$out/Module.symvers" BH_TOP="$out" \
		modules >>"$log" 2>&1; then
		cat "$log" >&2
		echo "kbuild: $out/extra: build failed against $kdir" >&2
		exit 1
	fi
fi
# on an endpoint, the compiler's word goes to DKMS's make.log
[ "$strict" = yes ] || cat "$log"
# BTF needs vmlinux, which headers packages do not ship: not a defect.
if [ "$strict" = yes ] && grep -v 'Skipping BTF generation' "$log" | grep -q 'warning:'; then
	grep -v 'Skipping BTF generation' "$log" >&2
	echo "kbuild: $out: W=1 warnings against $kdir" >&2
	exit 1
fi
