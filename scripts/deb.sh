#!/bin/sh
# deb.sh OUTDIR - build Bulkhead's Debian packages (docs/packages.md) into
# OUTDIR: bulkhead and bulkhead-dkms from debian/, and the sample vendor
# extension's acme-execcount-dkms from examples/vendor-extension/debian/.
#
# The version lives in three places that must agree: dkms.conf's
# PACKAGE_VERSION (the Makefile's DKMS_VERSION), BH_VERSION in
# module/internal.h (what the shim reports) and debian/changelog.  With
# DEB_VERSION set (e.g. 0.1.0+2, an upgrade test) the packages get that
# Debian version instead, which must start with the same version.
#
# dpkg-buildpackage writes into the tree it builds (debian/files, the
# packages' staging folders), so it builds a copy of the working tree,
# tracked files and new ones alike, without tests/ and build/.  lintian
# then checks all three packages: an error fails, warnings are printed.
set -eu
out=$1
top=$(cd "$(dirname "$0")/.." && pwd)
start=$(date +%s)

dkms_version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
bh_version=$(sed -n 's/^#define[[:space:]]*BH_VERSION[[:space:]]*"\(.*\)"/\1/p' "$top/module/internal.h")
changelog_version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
if [ "$bh_version" != "$dkms_version" ] || [ "$changelog_version" != "$dkms_version" ]; then
	echo "deb: versions disagree: dkms.conf PACKAGE_VERSION '$dkms_version'," \
		"module/internal.h BH_VERSION '$bh_version'," \
		"debian/changelog '$changelog_version'" >&2
	exit 1
fi
version=${DEB_VERSION:-$dkms_version}
case $version in
"$dkms_version" | "$dkms_version"+* | "$dkms_version"~*) ;;
*)
	echo "deb: DEB_VERSION '$version' must be $dkms_version, or start with $dkms_version+ or $dkms_version~" >&2
	exit 1
	;;
esac

mkdir -p "$out"
out=$(cd "$out" && pwd)
src=$out/src

# the working tree as it is: tracked files still there, and new ones git
# does not ignore
cd "$top"
files=$(
	if git rev-parse --git-dir >/dev/null 2>&1; then
		git ls-files -z --cached --others --exclude-standard
	else
		find . -path ./build -prune -o -path ./.git -prune -o -type f -print0
	fi | tr '\0' '\n' | sed 's|^\./||' | grep -v -e '^tests/' -e '^build/' |
		while IFS= read -r f; do [ -f "$f" ] && printf '%s\n' "$f"; done
)

# The packages build byte for byte the same from the same files (a
# version given by DEB_VERSION is stamped with the date: always built):
# with the names and contents of every file, this script and the options
# unchanged since OUT's packages were built, they are current.
key=
if [ -z "${DEB_VERSION:-}" ]; then
	key=$({
		echo "$version ${DEB_BUILD_OPTIONS:-}"
		sha256sum "$0"
		printf '%s\n' "$files" | tr '\n' '\0' | xargs -0 sha256sum
	} | sha256sum | cut -c1-32)
	if [ "$(cat "$out/deb.key" 2>/dev/null)" = "$key" ] &&
		[ "$(ls "$out"/*.deb 2>/dev/null | wc -l)" = 3 ]; then
		for d in "$out"/*.deb; do
			echo "deb: $d is current"
		done
		exit 0
	fi
fi
rm -rf "$src"
rm -f "$out"/*.deb "$out/deb.key"
mkdir -p "$src/bulkhead-$version"
printf '%s\n' "$files" | tar -cf - -T - | tar -xf - -C "$src/bulkhead-$version"

if [ "$version" != "$changelog_version" ]; then
	cl=$src/bulkhead-$version/debian/changelog
	{
		printf 'bulkhead (%s) unstable; urgency=medium\n\n' "$version"
		printf '  * Built as %s by make deb DEB_VERSION=%s.\n\n' "$version" "$version"
		printf ' -- %s  %s\n\n' "$(dpkg-parsechangelog -l "$cl" -S Maintainer)" "$(date -R)"
		cat "$cl"
	} >"$cl.new"
	mv "$cl.new" "$cl"
fi

build() {
	dir=$1
	log=$src/$(basename "$dir").log
	# no -dbgsym package: the endpoint packages are the point here
	if ! (cd "$dir" && DEB_BUILD_OPTIONS="noautodbgsym ${DEB_BUILD_OPTIONS:-}" \
		dpkg-buildpackage -b -us -uc -j"${DEB_JOBS:-2}") >"$log" 2>&1; then
		tail -n 40 "$log" >&2
		echo "deb: dpkg-buildpackage failed in $dir (log: $log)" >&2
		exit 1
	fi
}

build "$src/bulkhead-$version"
vendor_version=$(dpkg-parsechangelog -l "$top/examples/vendor-extension/debian/changelog" -S Version)
cp -pR "$src/bulkhead-$version/examples/vendor-extension" "$src/acme-execcount-$vendor_version"
build "$src/acme-execcount-$vendor_version"
built=$(date +%s)

# lintian: an error fails; warnings and the rest are printed
lint=0
lintian --fail-on error --display-info "$src"/*.changes >"$src/lintian.out" 2>&1 || lint=$?
# (its warning that it runs as root, as make deps and make check do, aside)
grep -v 'running with root privileges' "$src/lintian.out" >"$src/lintian.log" || true
if [ "$lint" != 0 ]; then
	cat "$src/lintian.log"
	echo "deb: lintian found errors" >&2
	exit 1
fi
cat "$src/lintian.log"
echo "deb: lintian: $(grep -c '^E:' "$src/lintian.log") errors," \
	"$(grep -c '^W:' "$src/lintian.log") warnings," \
	"$(grep -c '^I:' "$src/lintian.log") info ($(($(date +%s) - built)) s)"

cp -p "$src"/*.deb "$out/"
[ -z "$key" ] || echo "$key" >"$out/deb.key"
for d in "$out"/*.deb; do
	echo "deb: $d ($(du -k "$d" | cut -f1) KiB)"
done
echo "deb: built in $((built - start)) s, $(($(date +%s) - start)) s with lintian"
