#!/bin/sh
# check-deb.sh DEBDIR KVER... - check the packages `make deb` left in DEBDIR
# (scripts/deb.sh already ran lintian on them; an error failed it):
#
#  - contents: the files each package must carry, the conffiles, modes;
#  - maintainer scripts: no unit is started, stopped or restarted by an
#    installation or upgrade (docs/packages.md);
#  - man pages: each renders without a warning (man --warnings);
#  - DKMS, from the packages' own trees (dpkg-deb -x, nothing installed):
#    for the first kernel `dkms build/install` of bulkhead, then of the
#    vendor's acme-execcount against it; for the others `dkms autoinstall`
#    (what a kernel installation runs), which can build the vendor's only
#    after bulkhead's (its BUILD_DEPENDS).  The vendor module must carry
#    the CRCs of the Module.symvers the shim's build left for its kernel.
#    Throw-away trees (--sourcetree, --dkmstree, --installtree,
#    --no-depmod): the host's /lib/modules and /var/lib/dkms stay as they are.
set -u
debdir=$1
shift
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0

ok() {
	pass=$((pass + 1))
	echo "ok   deb $*"
}

bad() {
	fail=$((fail + 1))
	echo "FAIL deb $*"
}

# the one package in DEBDIR whose file name matches the pattern $1
one() {
	for f in "$debdir"/$1; do
		[ -f "$f" ] && echo "$f" && return
	done
}

bulkhead=$(one 'bulkhead_*.deb')
dkmsdeb=$(one 'bulkhead-dkms_*.deb')
vendor=$(one 'acme-execcount-dkms_*.deb')
if [ -z "$bulkhead" ] || [ -z "$dkmsdeb" ] || [ -z "$vendor" ]; then
	echo "check-deb: no packages in $debdir (make deb)" >&2
	[ -n "${RESULTS:-}" ] && echo "deb 0 1" >>"$RESULTS"
	exit 1
fi
version=$(dpkg-deb -f "$dkmsdeb" Version)
upstream=${version%%[+~]*}

# ---- contents ----------------------------------------------------------

# has DEB MODE PATH...: each PATH in DEB's contents, with a mode starting MODE
has() {
	deb=$1 mode=$2
	shift 2
	dpkg-deb -c "$deb" | awk '{ print $1, $6 }' >"$t/list"
	missing=""
	for p in "$@"; do
		grep -q "^${mode}[^ ]* \./${p}\$" "$t/list" || missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		ok "$(basename "$deb"): $# paths"
	else
		bad "$(basename "$deb"): missing or wrong mode:$missing"
	fi
}

has "$bulkhead" -rwxr-xr-x usr/sbin/bulkheadctl usr/sbin/bulkhead-guard usr/sbin/bulkhead-load \
	usr/share/initramfs-tools/hooks/bulkhead
has "$bulkhead" -rw-r--r-- \
	lib/systemd/system/bulkhead-guard.service lib/systemd/system/bulkhead-load.service \
	lib/systemd/system/bulkhead-guard-good.service lib/systemd/system/bulkhead-guard-good.timer \
	lib/systemd/system/bulkhead-boot-check.service \
	usr/lib/systemd/catalog/bulkhead.catalog \
	etc/sysctl.d/90-bulkhead.conf etc/systemd/system.conf.d/bulkhead-watchdog.conf \
	usr/share/doc/bulkhead/guard.md usr/share/doc/bulkhead/packages.md \
	usr/share/man/man8/bulkheadctl.8.gz usr/share/man/man8/bulkhead-guard.8.gz \
	usr/share/man/man8/bulkhead-load.8.gz usr/share/man/man5/bulkhead-guard.conf.5.gz \
	usr/share/man/man5/bulkhead-extensions.d.5.gz
has "$bulkhead" drwx------ var/lib/bulkhead/
has "$bulkhead" drwxr-xr-x etc/bulkhead/extensions.d/
src=usr/src/bulkhead-$upstream
has "$dkmsdeb" -rw-r--r-- "$src/dkms.conf" "$src/module/Kbuild" "$src/module/include/bulkhead.h" \
	"$src/module/include/bh_ns.h" "$src/lib/bh_content.h" "$src/lib/bh_compat.h"
has "$dkmsdeb" -rwxr-xr-x "$src/scripts/kbuild.sh" "$src/scripts/dkms-post-build.sh"
has "$vendor" -rw-r--r-- usr/src/acme-execcount-1.0.0/dkms.conf \
	usr/src/acme-execcount-1.0.0/acme_execcount.c usr/src/acme-execcount-1.0.0/Kbuild \
	etc/bulkhead/extensions.d/60-acme_execcount.conf \
	usr/share/acme-execcount/acme_execcount.schema

if dpkg-deb -c "$dkmsdeb" | grep -q -e '/tests/' -e '\.o$' -e '\.ko'; then
	bad "$(basename "$dkmsdeb"): carries test sources or build products"
else
	ok "$(basename "$dkmsdeb"): no test sources or build products"
fi

for p in bulkhead bulkhead-dkms acme-execcount-dkms; do
	dpkg-deb -e "$(one "${p}_*.deb")" "$t/ctl-$p"
done
if [ "$(cat "$t/ctl-bulkhead/conffiles")" = "/etc/sysctl.d/90-bulkhead.conf
/etc/systemd/system.conf.d/bulkhead-watchdog.conf" ]; then
	ok "bulkhead: conffiles"
else
	bad "bulkhead: conffiles: $(tr '\n' ' ' <"$t/ctl-bulkhead/conffiles")"
fi
if dpkg-deb -f "$dkmsdeb" Depends | grep -q 'dkms'; then
	ok "bulkhead-dkms: depends on dkms"
else
	bad "bulkhead-dkms: no dependency on dkms"
fi
if dpkg-deb -f "$vendor" Depends | grep -q 'bulkhead-dkms'; then
	ok "acme-execcount-dkms: depends on bulkhead-dkms"
else
	bad "acme-execcount-dkms: no dependency on bulkhead-dkms"
fi

# ---- maintainer scripts --------------------------------------------------

c=$t/ctl-bulkhead
if grep -q 'deb-systemd-invoke' "$c/postinst" ||
   { [ -e "$c/preinst" ] && grep -q 'deb-systemd-invoke' "$c/preinst"; }; then
	bad "bulkhead: an install or upgrade starts, restarts or stops a unit"
elif ! grep -q "deb-systemd-helper enable 'bulkhead-guard.service'" "$c/postinst" ||
     ! grep -q "deb-systemd-helper enable 'bulkhead-load.service'" "$c/postinst" ||
     ! grep -q "deb-systemd-helper enable 'bulkhead-boot-check.service'" "$c/postinst"; then
	bad "bulkhead: the guard, loader and boot-check units are not enabled"
elif [ "$(grep -c 'deb-systemd-helper enable' "$c/postinst")" != 4 ]; then
	bad "bulkhead: postinst enables $(grep -c 'deb-systemd-helper enable' "$c/postinst") units, not 4"
elif ! sed -n '/^remove)/,/;;/p' "$c/prerm" | grep -q 'deb-systemd-invoke stop'; then
	bad "bulkhead: prerm does not stop the units on removal"
else
	ok "bulkhead: units enabled, none started or stopped by install or upgrade"
fi
# purge takes with it what the guard writes for this boot under /run (a
# throw-away mount namespace: tmpfs over /run, /var/lib and /etc/systemd,
# so the host's own files are out of the script's reach)
# shellcheck disable=SC2016
if unshare -m --propagation private sh -c '
	set -e
	for d in /run /var/lib /etc/systemd; do mount -t tmpfs tmpfs "$d"; done
	mkdir -p /run/modprobe.d /run/sysctl.d /var/lib/bulkhead
	touch /run/modprobe.d/bulkhead.conf /run/sysctl.d/99-bulkhead-guard.conf /var/lib/bulkhead/state
	DPKG_MAINTSCRIPT_PACKAGE=bulkhead DPKG_MAINTSCRIPT_NAME=postrm sh "$1" purge
	left=$(find /run /var/lib -name "*bulkhead*")
	[ -z "$left" ] || { echo "left behind:" $left; exit 1; }' sh "$c/postrm" >"$t/purge.out" 2>&1; then
	ok "bulkhead: purge removes the state and the guard's files under /run"
else
	bad "bulkhead: purge: $(tail -n 3 "$t/purge.out" | tr '\n' ' ')"
fi
# the watchdog drivers join the initramfs at once (its hook)
if grep -qx 'activate-noawait update-initramfs' "$c/triggers" 2>/dev/null; then
	ok "bulkhead: triggers update-initramfs for its hook"
else
	bad "bulkhead: no update-initramfs trigger for its initramfs hook"
fi
if grep -q 'common.postinst' "$t/ctl-bulkhead-dkms/postinst" &&
   grep -q 'dkms remove -m' "$t/ctl-bulkhead-dkms/prerm"; then
	ok "bulkhead-dkms: DKMS add/build/install on configure, remove on removal"
else
	bad "bulkhead-dkms: maintainer scripts lack dh_dkms's parts"
fi

# ---- man pages -----------------------------------------------------------

mkdir -p "$t/root"
for d in "$bulkhead" "$dkmsdeb" "$vendor"; do
	dpkg-deb -x "$d" "$t/root"
done
n=0
warned=""
for m in "$t"/root/usr/share/man/man*/*; do
	n=$((n + 1))
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$m" 2>&1 >/dev/null)
	[ -n "$w" ] && warned="$warned $(basename "$m"): $w"
done
if [ "$n" = 5 ] && [ -z "$warned" ]; then
	ok "man pages: $n render without warnings"
else
	bad "man pages: $n found (5 expected)$warned"
fi

# ---- DKMS: the shim, then the vendor's extension against it ------------

if [ $# = 0 ]; then
	bad "dkms: no kernels with headers and image installed (make deps)"
else
	trees="--sourcetree $t/root/usr/src --dkmstree $t/dkms --installtree $t/install"
	mkdir -p "$t/dkms"
	arch=$(uname -m)
	# shellcheck disable=SC2086
	if ! dkms add -m bulkhead -v "$upstream" $trees >"$t/log" 2>&1 ||
	   ! dkms add -m acme-execcount -v 1.0.0 $trees >>"$t/log" 2>&1; then
		cat "$t/log"
		bad "dkms: add failed"
	fi
	first=$1
	for k in "$@"; do
		mkdir -p "$t/install/$k"
		start=$(date +%s)
		if [ "$k" = "$first" ]; then
			how="build/install"
			# shellcheck disable=SC2086
			dkms build -m bulkhead -v "$upstream" -k "$k" $trees >"$t/log" 2>&1 &&
			dkms install -m bulkhead -v "$upstream" -k "$k" $trees --no-depmod >>"$t/log" 2>&1 &&
			dkms build -m acme-execcount -v 1.0.0 -k "$k" $trees >>"$t/log" 2>&1 &&
			dkms install -m acme-execcount -v 1.0.0 -k "$k" $trees --no-depmod >>"$t/log" 2>&1
		else
			how="autoinstall"
			# shellcheck disable=SC2086
			dkms autoinstall -k "$k" $trees --no-depmod >"$t/log" 2>&1
		fi
		r=$?
		dir=$t/install/$k/updates/dkms
		shim=$t/dkms/bulkhead/kernel-$k-$arch
		ax=$(ls "$dir"/acme_execcount.ko* 2>/dev/null)
		why=""
		if [ "$r" != 0 ] || [ -z "$ax" ]; then
			why="dkms failed"
		elif [ "$(modinfo -F depends "$ax")" != bulkhead ]; then
			why="acme_execcount does not depend on bulkhead"
		elif grep -q 'undefined!' "$t"/dkms/acme-execcount/1.0.0/"$k"/*/log/make.log; then
			why="modpost: undefined symbols (Module.symvers not found)"
		else
			# every bh_ symbol it imports, with the CRC of the shim's build
			/sbin/modprobe --dump-modversions "$ax" | awk '$2 ~ /^bh_/ { print $1, $2 }' |
				sort >"$t/imports"
			awk '$2 ~ /^bh_/ { print $1, $2 }' "$shim/Module.symvers" | sort >"$t/exports"
			if [ ! -s "$t/imports" ] || [ -n "$(comm -23 "$t/imports" "$t/exports")" ]; then
				why="its CRCs are not those of the shim's Module.symvers"
			fi
		fi
		if [ -z "$why" ]; then
			ok "dkms $k ($how, $(($(date +%s) - start)) s): $(cd "$dir" && echo *)," \
				"$(wc -l <"$t/imports") bh_ symbols at the shim's CRCs"
		else
			bad "dkms $k ($how): $why"
			cat "$t/log"
			find "$t/dkms" -name make.log -exec cat {} \;
		fi
	done
fi

echo "deb: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "deb $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
