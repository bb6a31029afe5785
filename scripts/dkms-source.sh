#!/bin/sh
# dkms-source.sh DEST - lay out the DKMS source tree of bulkhead in DEST
# (e.g. /usr/src/bulkhead-0.1.0): dkms.conf, the build script and the
# POST_BUILD script, module/ and lib/.  Nothing test-only goes in.
set -eu
dest=$1
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dest/scripts"
cp -p "$top/dkms.conf" "$dest/"
cp -p "$top/scripts/kbuild.sh" "$top/scripts/dkms-post-build.sh" "$dest/scripts/"
cp -pR "$top/module" "$top/lib" "$dest/"
