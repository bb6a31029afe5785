#!/bin/sh
# deps.sh - install every Debian package that building and testing
# Bulkhead need.  Idempotent: when all are present it says so and changes
# nothing; otherwise it runs apt-get update, then apt-get install.
set -eu

# Kernels: 6.1 through the bookworm metapackages, 6.12 through the
# bookworm-security ones.  The exact +debNN versions move with every
# security update, so the build discovers them instead of naming them.
# The endpoint tests (make check-endpoint) build a Debian guest with
# mmdebstrap, give it qcow2 overlays (qemu-img), read its results disk with
# debugfs and its JSON with jq, and reach it with ssh and curl.  python3
# runs examples/ops/bulkhead-fleet-status in its test.  Both suites boot
# kernels unpacked on the host (tests/unpack-kernel.sh: xz for 6.1, zstd
# for 6.12, binutils' readelf).  openssl makes the test signing keys.
PKGS="
build-essential pkgconf make gcc git
linux-headers-amd64 linux-image-amd64
linux-headers-6.12-amd64 linux-image-6.12-amd64
libkmod-dev libcmocka-dev libjson-c-dev libinih-dev libssl-dev nettle-dev zlib1g-dev
liburing-dev
clang libclang-rt-14-dev
qemu-system-x86 busybox-static cpio kmod dkms
dpkg-dev debhelper dh-dkms lintian man-db
mmdebstrap qemu-utils e2fsprogs jq python3 openssh-client curl xz-utils zstd openssl
"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all $(echo $PKGS | wc -w) packages installed"
	exit 0
fi

if [ "$(id -u)" != 0 ]; then
	echo "deps: need root to install:$missing (run 'sudo make deps')" >&2
	exit 1
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
