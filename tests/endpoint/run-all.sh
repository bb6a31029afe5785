#!/bin/sh
# run-all.sh BUILD KVER [SCENARIO...] - `make check-endpoint`: the endpoint
# image for KVER (mkimage.sh; built or reused), then every scenario in
# scenarios/ (or the ones named), one after the other: ONE qemu at a time.
# Last line: endpoint KVER: N passed, M failed (image Xs, scenarios Ys)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 2 ] || {
	echo "usage: $0 BUILD KVER [SCENARIO...]" >&2
	exit 2
}
build=$1
kver=$2
shift 2
[ -n "$kver" ] || {
	echo "endpoint: no kernel (ENDPOINT_KVER): install linux-image-amd64 and linux-headers-amd64" >&2
	exit 1
}
if [ $# -eq 0 ]; then
	for f in "$here"/scenarios/*.sh; do
		n=${f##*/}
		set -- "$@" "${n%.sh}"
	done
fi
start=$(date +%s)
sh "$here/mkimage.sh" "$build" "$kver" || {
	[ -z "$summary" ] || echo "endpoint 0 $#" >>"$summary"
	exit 1
}
imaged=$(date +%s)
summary=${RESULTS:-}
RESULTS=$(mktemp)
export RESULTS
trap 'rm -f "$RESULTS"' EXIT
for s in "$@"; do
	sh "$here/run.sh" "$build" "$kver" "$s" || true
done
passed=$(awk '{ n += $2 } END { print n + 0 }' "$RESULTS")
failed=$(awk '{ n += $3 } END { print n + 0 }' "$RESULTS")
echo "endpoint $kver: $passed passed, $failed failed" \
	"(image $((imaged - start)) s, scenarios $(($(date +%s) - imaged)) s)"
[ "$passed" = $# ] || failed=$(($# - passed))
[ -z "$summary" ] || echo "endpoint $passed $failed" >>"$summary"
[ "$failed" = 0 ]
