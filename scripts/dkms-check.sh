#!/bin/sh
# dkms-check.sh KVER... - dkms add, build and install bulkhead for each
# kernel in throw-away trees (--sourcetree, --dkmstree, --installtree,
# --no-depmod), so the host's /lib/modules and /var/lib/dkms/bulkhead
# stay untouched.  Passes when both modules land in the install tree and
# the POST_BUILD left the shim's Module.symvers and headers where vendors'
# extensions find them (dkms tree, kernel-KVER-ARCH/).  And once, for the
# first kernel: a compiler warning does not fail the build on an endpoint.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0

if [ $# = 0 ]; then
	echo "dkms-check: no kernels with headers and image installed (make deps)" >&2
	exit 1
fi
sh "$top/scripts/dkms-source.sh" "$t/src/bulkhead-$ver"
trees="--sourcetree $t/src --dkmstree $t/dkms --installtree $t/install"
mkdir -p "$t/dkms"
# shellcheck disable=SC2086
if ! dkms add -m bulkhead -v "$ver" $trees >"$t/log" 2>&1; then
	cat "$t/log"
	echo "dkms: 0 passed, $# failed"
	[ -n "${RESULTS:-}" ] && echo "dkms 0 $#" >>"$RESULTS"
	exit 1
fi
for k in "$@"; do
	mkdir -p "$t/install/$k"
	start=$(date +%s)
	# shellcheck disable=SC2086
	if dkms build -m bulkhead -v "$ver" -k "$k" $trees >"$t/log" 2>&1 &&
	   dkms install -m bulkhead -v "$ver" -k "$k" $trees --no-depmod >>"$t/log" 2>&1 &&
	   ls "$t/install/$k/updates/dkms/"bulkhead.ko* >/dev/null 2>&1 &&
	   ls "$t/install/$k/updates/dkms/"bh_execwatch.ko* >/dev/null 2>&1 &&
	   [ -s "$t/dkms/bulkhead/kernel-$k-$(uname -m)/Module.symvers" ] &&
	   [ -f "$t/dkms/bulkhead/kernel-$k-$(uname -m)/include/bulkhead.h" ]; then
		pass=$((pass + 1))
		echo "ok   dkms $k ($(($(date +%s) - start)) s): $(cd "$t/install/$k/updates/dkms" && echo *)"
	else
		fail=$((fail + 1))
		echo "FAIL dkms $k"
		cat "$t/log"
		find "$t/dkms" -name make.log -exec cat {} \;
	fi
done
# A warning the endpoint's compiler has and ours did not (an unused
# variable added to the shim's source) stays a warning there: DKMS builds
# the shim all the same, and make.log has the compiler's line.
k=$1
w=$t/warn
sh "$top/scripts/dkms-source.sh" "$w/src/bulkhead-$ver"
printf '\nstatic int bh_dkms_check_unused;\n' >>"$w/src/bulkhead-$ver/module/main.c"
wtrees="--sourcetree $w/src --dkmstree $w/dkms --installtree $w/install"
mkdir -p "$w/dkms" "$w/install/$k"
# shellcheck disable=SC2086
if dkms add -m bulkhead -v "$ver" $wtrees >"$t/log" 2>&1 &&
   dkms build -m bulkhead -v "$ver" -k "$k" $wtrees >>"$t/log" 2>&1 &&
   dkms install -m bulkhead -v "$ver" -k "$k" $wtrees --no-depmod >>"$t/log" 2>&1 &&
   ls "$w/install/$k/updates/dkms/"bulkhead.ko* >/dev/null 2>&1 &&
   find "$w/dkms" -name make.log -exec grep -q "bh_dkms_check_unused.*defined but not used" {} \; -print |
   grep -q .; then
	pass=$((pass + 1))
	echo "ok   dkms $k: a compiler warning new to the endpoint is logged, and the shim builds"
else
	fail=$((fail + 1))
	echo "FAIL dkms $k: a compiler warning new to the endpoint fails the shim's DKMS build"
	tail -n 20 "$t/log"
	find "$w/dkms" -name make.log -exec tail -n 20 {} \;
fi
echo "dkms: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "dkms $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
