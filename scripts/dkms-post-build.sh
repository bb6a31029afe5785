#!/bin/sh
# dkms-post-build.sh DIR - DKMS's POST_BUILD for bulkhead (dkms.conf).
#
# A vendor's extension must build against the Module.symvers of the very
# bulkhead.ko it will run with, and DKMS deletes its build directory once
# a build is done.  So this keeps what an extension builds against beside
# the modules DKMS keeps for this kernel, DIR =
# $dkms_tree/bulkhead/VERSION/KVER/ARCH:
#
#   DIR/Module.symvers   the shim's exports and their CRCs (KBUILD_EXTRA_SYMBOLS)
#   DIR/include/         bulkhead.h, bh_ns.h, bh_content.h, bh_compat.h
#
# DKMS removes DIR with the build (dkms unbuild, remove, a package's
# removal), and while this build is the one installed for KVER,
# $dkms_tree/bulkhead/kernel-KVER-ARCH links to it: the one path a vendor's
# dkms.conf names (docs/module.md, "Building an extension").
# Runs in DKMS's build directory, after scripts/kbuild.sh built kmod/.
set -eu
dir=$1

if [ ! -f kmod/Module.symvers ]; then
	echo "bulkhead POST_BUILD: no kmod/Module.symvers in $(pwd)" >&2
	exit 1
fi
mkdir -p "$dir/include"
cp kmod/Module.symvers "$dir/Module.symvers"
cp module/include/*.h lib/bh_content.h lib/bh_compat.h "$dir/include/"
echo "bulkhead POST_BUILD: extension build files in $dir"
