#!/bin/sh
# mkfixtures.sh BULKHEADCTL OUTDIR - build the content files the VM
# scenarios push into securityfs, from the readable JSON sources in
# tests/vm/fixtures/, and check each one on the host first.
#
# Valid files are built with --schema, so a fixture that drifted from its
# extension's schema fails here and not as a puzzling refusal in the
# guest.  Damage that JSON can express (another extension, a 21st field,
# a value out of range...) comes from JSON; damage it cannot (a bad magic,
# a truncated file, a wrong digest...) is made by patching the bytes of a
# good file, each patch documented below.  Every damaged file is listed in
# OUTDIR/refusals.list with the refusal class the kernel must report and
# the errno text the writer must see; the host's validator must refuse it
# with that same class (except too-large, a limit of the kernel's intake
# alone), so the table is checked from both sides.
set -eu

ctl=$1
out=$2
fx=$(cd "$(dirname "$0")/fixtures" && pwd)

mkdir -p "$out"
rm -f "$out"/*.bhc "$out"/refusals.list
cp "$fx"/*.schema "$out/"

die() {
	echo "mkfixtures: $*" >&2
	exit 1
}

# build NAME SCHEMA: NAME.json -> NAME.bhc, checked against SCHEMA.schema
build() {
	"$ctl" content build "$fx/$1.json" -o "$out/$1.bhc" --schema "$fx/$2.schema" ||
		die "$1.json does not build as valid $2 content"
}

# build_raw SRC NAME: any JSON (possibly invalid for the schema) -> NAME.bhc
build_raw() {
	"$ctl" content build "$1" -o "$out/$2.bhc" || die "$1 does not build"
}

# octal escapes (for printf) of VALUE as NBYTES little-endian bytes; awk's
# doubles are exact far beyond the 2^26-ish values patched here
le_bytes() {
	awk -v v="$1" -v n="$2" 'BEGIN {
		for (i = 0; i < n; i++) { printf "\\%03o", v % 256; v = int(v / 256) }
	}'
}

# put FILE OFFSET ESCAPES: overwrite bytes at OFFSET (dash's printf knows
# octal escapes only, hence no \x)
put() {
	# shellcheck disable=SC2059
	printf "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

put_le() {
	put "$1" "$2" "$(le_bytes "$4" "$3")"
}

# recompute the header's SHA-256 (offset 104) over what format 2 covers,
# for damage that must get past the digest to reach the record walk
fix_digest() {
	# format 2: every header byte but the digest's own, then the payload
	esc=$({ head -c 104 "$1"; tail -c +137 "$1" | head -c 24; tail -c +161 "$1"; } |
		sha256sum | cut -c1-64 | awk '{
		h = "0123456789abcdef"
		for (i = 1; i < 64; i += 2) {
			hi = index(h, substr($0, i, 1)) - 1
			lo = index(h, substr($0, i + 1, 1)) - 1
			printf "\\%03o", hi * 16 + lo
		}
	}')
	put "$1" 104 "$esc"
}

# refusal NAME CLASS ERRNO-TEXT: list a damaged file and check that the
# host validator refuses it with CLASS; ERRNO-TEXT "at-close" for a file
# the intake judges only at the upload's last close, which close() cannot
# report (the writer sees no error; last_error and the counters do)
refusal() {
	host_class=$2
	# the 64 MiB limit is the intake's: the file validator sees a file
	# shorter than its header declares
	[ "$2" = too-large ] && host_class=truncated-payload
	if msg=$("$ctl" content verify "$out/$1.bhc" --schema "$fx/execwatch.schema" 2>&1); then
		die "$1.bhc: the host validator accepts it: $msg"
	fi
	case $msg in
	*"($host_class)"*) ;;
	*) die "$1.bhc: want refusal class $host_class, host says: $msg" ;;
	esac
	echo "$1 $2 $3" >>"$out/refusals.list"
}

# ---- valid content -------------------------------------------------------
for n in ew-v1 ew-v2 ew-v3 ew-bad-base; do
	build "$n" execwatch
done
# valid by the schema: bh_execwatch itself refuses a relative path
build ew-v4-relative execwatch
build noop-v1 noop
build leaky-v1 leaky
build rawparse-v1 rawparse
build takeoops-v1 takeoops
build takeoops-v3 takeoops
build eventoops-v1 eventoops
build knobs-v1 knobs
build knobs-v2 knobs
build knobs-v3 knobs
build takehang-v1 takehang
build takehang-v2-hang takehang
build irqoops-v1 irqoops
build irqoops-v2-irq irqoops
# valid by the schema: bh_takeoops's own bug is what the rule "OOPS" hits
build takeoops-v2-oops takeoops
# the July 2024 file: builds (the builder encodes what the source says),
# and the host validator must refuse it for its field count
build_raw "$fx/rawparse-v2-21fields.json" rawparse-v2-21fields
if msg=$("$ctl" content verify "$out/rawparse-v2-21fields.bhc" --schema "$fx/rawparse.schema" 2>&1) ||
	! echo "$msg" | grep -q '(field-count)'; then
	die "rawparse-v2-21fields.bhc: want a field-count refusal, got: $msg"
fi

# 200 successive execwatch versions for the cycles scenario, each a rule
# set of its own so that every replacement really changes the table
v=1
while [ $v -le 200 ]; do
	sed "s/@VERSION@/$v/g" "$fx/ew-cycle.json.in" >"$out/cycle.json"
	"$ctl" content build "$out/cycle.json" -o "$out/cycle-$v.bhc" \
		--schema "$fx/execwatch.schema" || die "cycle version $v does not build"
	v=$((v + 1))
done
rm -f "$out/cycle.json"

# ---- refusals the JSON source can express ---------------------------------
# each is ew-bad-base.json (content version 9) with one thing changed
for c in extension:wrong-extension schema:wrong-schema \
	schema-version:wrong-schema-version template:unknown-template \
	field-count:field-count field-type:field-type range:out-of-range \
	string-empty:bad-string; do
	name=${c%%:*}
	class=${c#*:}
	build_raw "$fx/ew-bad-$name.json" "bad-$name"
	refusal "bad-$name" "$class" "Bad message"
done

# a path of 4096 bytes, one more than the schema's 4095: generated rather
# than committed, a 4 KiB line of 'a' is not readable source
long=/$(awk 'BEGIN { s = sprintf("%4095s", ""); gsub(/ /, "a", s); print s }')
sed "s|\"/bin/bad\"|\"$long\"|" "$fx/ew-bad-base.json" >"$out/bad-string-long.json"
build_raw "$out/bad-string-long.json" bad-string-long
rm -f "$out/bad-string-long.json"
refusal bad-string-long bad-string "Bad message"

# ---- refusals made by patching bytes of ew-bad-base.bhc -------------------
# Layout of ew-bad-base.bhc (docs/content-format.md): header 0..159; one
# record at 160: template le16 @160, nr_fields le16 @162, len le32 @164
# (29); field 0 u32 id: type @168, value @169; field 1 string path: type
# @173, length le16 @174 (8), "/bin/bad" @176..183; field 2 u32 action:
# type @184, value @185..188.  189 bytes in all, payload_len 29.
base=$out/ew-bad-base.bhc
[ "$(wc -c <"$base")" -eq 189 ] || die "ew-bad-base.bhc is not the 189 bytes the patches assume"

patched() {
	cp "$base" "$out/$1.bhc"
	echo "$out/$1.bhc"
}

# byte 0 'X': not a content file
put "$(patched bad-magic)" 0 'X'
refusal bad-magic bad-magic "Bad message"

# format_version 3
put_le "$(patched bad-format-version)" 8 2 3
refusal bad-format-version format-version "Bad message"

# a reserved header byte set
put "$(patched bad-header-reserved)" 150 '\001'
refusal bad-header-reserved bad-header "Bad message"

# content_version 0 (JSON refuses to build it)
put_le "$(patched bad-content-version)" 88 8 0
refusal bad-content-version content-version "Bad message"

# sig_type 1 (PKCS#7) without a signature
put_le "$(patched bad-signature)" 140 4 1
refusal bad-signature signature "Bad message"

# the first 100 bytes: the writer closes before the header is complete, so
# the refusal comes at the last close, not from write()
head -c 100 "$base" >"$out/bad-truncated-header.bhc"
refusal bad-truncated-header truncated-header at-close

# the last byte cut: closed before the declared payload is complete
head -c 188 "$base" >"$out/bad-truncated-payload.bhc"
refusal bad-truncated-payload truncated-payload at-close

# one byte after the declared end
{ cat "$base"; printf '\000'; } >"$out/bad-trailing.bhc"
refusal bad-trailing trailing-bytes "Bad message"

# record_count 0 with the record still there: bytes left in the payload
f=$(patched bad-trailing-record)
put_le "$f" 84 4 0
fix_digest "$f"
refusal bad-trailing-record trailing-bytes "Bad message"

# action 0 -> 1 without updating the digest
put "$(patched bad-digest)" 188 '\001'
refusal bad-digest digest-mismatch "Bad message"

# record_count 2, one record in the payload; digest fixed
f=$(patched bad-record-count)
put_le "$f" 84 4 2
fix_digest "$f"
refusal bad-record-count record-count "Bad message"

# record len 30, one more than the payload holds; digest fixed
f=$(patched bad-record-length)
put_le "$f" 164 4 30
fix_digest "$f"
refusal bad-record-length record-length "Bad message"

# path length 64: the string runs past its record's end; digest fixed
f=$(patched bad-field-overrun)
put_le "$f" 174 2 64
fix_digest "$f"
refusal bad-field-overrun field-overrun "Bad message"

# path byte 0 = C0, an overlong UTF-8 lead byte; digest fixed
f=$(patched bad-string-utf8)
put "$f" 176 '\300'
fix_digest "$f"
refusal bad-string-utf8 bad-string "Bad message"

# a header declaring 64 MiB + 1 byte of payload: EFBIG before anything is
# allocated for it
put_le "$(patched bad-too-large)" 96 8 $((64 * 1024 * 1024 + 1))
refusal bad-too-large too-large "File too large"

# the limit counts the whole file: payload 64 MiB - 159, file 64 MiB + 1
put_le "$(patched bad-too-large-total)" 96 8 $((64 * 1024 * 1024 - 159))
refusal bad-too-large-total too-large "File too large"

# exactly 64 MiB in all is within the limit: the intake takes the header
# (and allocates 64 MiB), and the file, closed early, is truncated-payload
put_le "$(patched limit-exact)" 96 8 $((64 * 1024 * 1024 - 160))
refusal limit-exact truncated-payload at-close

# ---- the stress scenario's pool (tests/vm/stress/bh-stress.c) -----------
# stress.list: one line per file, "FILE EXTENSION VERSION [inject-take|
# inject-event]": the extension (bh_*) for which the file's first N bytes
# are valid content of that version, N being the size its header declares,
# or "- 0" when they are valid content for none.  Twelve valid versions
# per extension, each extension in a version range of its own (so that
# content accepted by the wrong one shows) and every version below 256
# (bh-stress keeps one bit per version), each file with a payload no
# other file has.  The two inject files are written only by
# bh-stress's fault injector, never by its random writers.
: >"$out/stress.list"
# stress_file EXT SCHEMA VERSION JSON-RECORDS [TAG]: stress-EXT-VERSION.bhc
stress_file() {
	printf '{"extension": "bh_%s", "schema": "%s", "schema_version": 1, "content_version": %s, "records": [%s]}\n' \
		"$1" "$2" "$3" "$4" >"$out/stress.json"
	"$ctl" content build "$out/stress.json" -o "$out/stress-$1-$3.bhc" --schema "$fx/$2.schema" ||
		die "stress content bh_$1 version $3 does not build"
	echo "stress-$1-$3.bhc bh_$1 $3${5:+ $5}" >>"$out/stress.list"
}
# rule ID PATH [ACTION]: one record of the rule templates
rule() {
	printf '{"template": 1, "fields": [{"u32": %s}, {"string": "%s"}%s]}' "$1" "$2" "${3:+, {\"u32\": $3\}}"
}
i=0
while [ $i -lt 12 ]; do
	# execwatch: 1..12, 2 to 9 rules, so that sizes vary
	v=$((i + 1))
	recs=$(rule 1 /bin/true 0)
	r=2
	while [ $r -le $((2 + i % 8)) ]; do
		recs="$recs, $(rule $r "/tmp/bh-stress-$v-$r" 0)"
		r=$((r + 1))
	done
	stress_file execwatch execwatch $v "$recs"
	stress_file noop noop $((21 + i)) "{\"template\": 1, \"fields\": [{\"u32\": $((21 + i))021}]}"
	stress_file leaky leaky $((41 + i)) "{\"template\": 1, \"fields\": [{\"u32\": $((41 + i))041}]}"
	f="{\"string\": \"stress-$((61 + i))\"}"
	n=1
	while [ $n -lt 20 ]; do
		f="$f, {\"string\": \"$(printf '%*s' $(((n * (i + 3)) % 40)) '' | tr ' ' x)\"}"
		n=$((n + 1))
	done
	stress_file rawparse rawparse $((61 + i)) "{\"template\": 291, \"fields\": [$f]}"
	stress_file takeoops takeoops $((81 + i)) "$(rule 1 "/bin/stress-$((81 + i))")"
	stress_file eventoops eventoops $((101 + i)) "$(rule $((101 + i)) "/bin/stress-$((101 + i))")"
	i=$((i + 1))
done
# the injected faults: take_content oopses on the rule "OOPS"; the exec of
# the armed rule's path (id 666; bh-stress makes the script) oopses in
# handle_event
stress_file takeoops takeoops 120 "$(rule 1 /bin/harmless), $(rule 2 OOPS)" inject-take
stress_file eventoops eventoops 121 "$(rule 1 /bin/true), $(rule 666 /tmp/bh-stress-armed)" inject-event
rm -f "$out/stress.json"
# the execwatch fixtures above, valid and not; the refusals, except the one
# that makes the shim allocate 64 MiB (the stress writers run in parallel
# in 512 MiB); bad-trailing is ew-bad-base (valid, version 9) plus a byte
# after its declared end; the July 2024 file (21 fields for 20)
{
	for n in ew-v1:1 ew-v2:2 ew-v3:3 ew-bad-base:9; do
		echo "${n%:*}.bhc bh_execwatch ${n#*:}"
	done
	echo "ew-v4-relative.bhc - 0"
	while read -r name _ _; do
		case $name in
		limit-exact) ;;
		bad-trailing) echo "$name.bhc bh_execwatch 9" ;;
		*) echo "$name.bhc - 0" ;;
		esac
	done <"$out/refusals.list"
	echo "rawparse-v2-21fields.bhc - 0"
} >>"$out/stress.list"

# ---- signed content (scenario signed) -------------------------------------
# Two RSA keys made here for this build: A is the one the guest enrols, B
# a stranger.  The guest gets A's and B's certificates as DER (sig-a.der,
# sig-b.der) and the files below.  signed-refusals.list: "NAME CLASS
# REASON" lines, REASON a part of last_error with '_' for spaces; the
# host's verifier (--cert A) must refuse each with the same class.
keys=$(mktemp -d)
trap 'rm -rf "$keys"' EXIT
for k in a b; do
	openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
		-subj "/O=Bulkhead tests/CN=content key $k" \
		-keyout "$keys/$k.key" -out "$keys/$k.pem" 2>/dev/null ||
		die "openssl cannot make test key $k"
	openssl x509 -in "$keys/$k.pem" -outform DER -out "$out/sig-$k.der" ||
		die "openssl cannot convert test certificate $k"
done
# E: an ECDSA P-256 key, which the kernel checks on 6.12 and not on 6.1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -sha256 -days 3650 \
	-subj "/O=Bulkhead tests/CN=content key e" \
	-keyout "$keys/e.key" -out "$keys/e.pem" 2>/dev/null ||
	die "openssl cannot make test key e"
openssl x509 -in "$keys/e.pem" -outform DER -out "$out/sig-e.der" ||
	die "openssl cannot convert test certificate e"
cp "$keys/a.pem" "$out/sig-a.pem"
# A's private key too, a test key made for this build: the kernel-bench
# scenario signs content bh_bench builds in the kernel
cp "$keys/a.key" "$out/sig-a.key"
# sign IN KEY OUT
sign() {
	"$ctl" content sign "$out/$1.bhc" --key "$keys/$2.key" --cert "$keys/$2.pem" \
		-o "$out/$3.bhc" || die "$1.bhc does not sign with key $2"
}
for v in 1 2 3; do
	sign "ew-v$v" a "ew-signed-v$v"
done
sign ew-v3 b ew-signed-by-b
sign ew-v3 e ew-signed-ecdsa-v3
# format 1: ew-v2 with version 1 and the payload-only digest
cp "$out/ew-v2.bhc" "$out/ew-v2-format1.bhc"
put_le "$out/ew-v2-format1.bhc" 8 2 1
esc=$(tail -c +161 "$out/ew-v2-format1.bhc" | sha256sum | cut -c1-64 | awk '{
	h = "0123456789abcdef"
	for (i = 1; i < 64; i += 2)
		printf "\\%03o", (index(h, substr($0, i, 1)) - 1) * 16 + index(h, substr($0, i + 1, 1)) - 1
}')
put "$out/ew-v2-format1.bhc" 104 "$esc"

: >"$out/signed-refusals.list"
# signed_refusal NAME CLASS REASON
signed_refusal() {
	if msg=$("$ctl" content verify "$out/$1.bhc" --schema "$fx/execwatch.schema" \
		--cert "$keys/a.pem" 2>&1); then
		die "$1.bhc: the host verifier accepts it: $msg"
	fi
	case $msg in
	*"($2)"*) ;;
	*) die "$1.bhc: want refusal class $2, host says: $msg" ;;
	esac
	echo "$1 $2 $3" >>"$out/signed-refusals.list"
}
# resign NAME SIGFILE: ew-v3 carrying SIGFILE's bytes as its signature,
# sig_len and digest right, so the signature check is what judges
resign() {
	cp "$out/ew-v3.bhc" "$out/$1.bhc"
	put_le "$out/$1.bhc" 136 4 "$(wc -c <"$2")"
	put_le "$out/$1.bhc" 140 4 1
	fix_digest "$out/$1.bhc"
	cat "$2" >>"$out/$1.bhc"
}
signed_refusal ew-signed-by-b signature "unknown_signer"
# content_version 3 -> 4 in a signed file: the header no longer matches
cp "$out/ew-signed-v3.bhc" "$out/ew-signed-bumped.bhc"
put_le "$out/ew-signed-bumped.bhc" 88 8 4
signed_refusal ew-signed-bumped signature "bad_signature"
# the same, digest recomputed: still the signature
cp "$out/ew-signed-bumped.bhc" "$out/ew-signed-bumped-redigest.bhc"
fix_digest "$out/ew-signed-bumped-redigest.bhc"
signed_refusal ew-signed-bumped-redigest signature "bad_signature"
# a payload byte (the last: action 0 -> 1): the digest says so
len=$(wc -c <"$out/ew-signed-v3.bhc")
sig=$(($(od -An -tu4 -j136 -N4 "$out/ew-signed-v3.bhc")))
cp "$out/ew-signed-v3.bhc" "$out/ew-signed-payload.bhc"
put "$out/ew-signed-payload.bhc" $((len - sig - 1)) '\001'
signed_refusal ew-signed-payload digest-mismatch "does_not_match"
# malformed signatures: A's real one cut short, random bytes, a DER
# SEQUENCE claiming 4 GiB, and CMS of the wrong content type (data)
tail -c "$sig" "$out/ew-signed-v3.bhc" | head -c $((sig - 20)) >"$keys/cut.sig"
resign ew-sig-truncated "$keys/cut.sig"
signed_refusal ew-sig-truncated signature "malformed_PKCS#7"
head -c 300 /dev/urandom >"$keys/junk.sig"
resign ew-sig-junk "$keys/junk.sig"
signed_refusal ew-sig-junk signature "refused"
printf '\060\204\377\377\377\377\006\011' >"$keys/huge.sig"
resign ew-sig-hugelen "$keys/huge.sig"
signed_refusal ew-sig-hugelen signature "malformed_PKCS#7"
head -c 160 "$out/ew-v3.bhc" >"$keys/hdr"
openssl cms -data_create -binary -in "$keys/hdr" -outform DER -out "$keys/data.sig" ||
	die "openssl cannot make a CMS data object"
resign ew-sig-wrong-type "$keys/data.sig"
signed_refusal ew-sig-wrong-type signature "refused"

echo "mkfixtures: $(ls "$out"/*.bhc | wc -l) content files, $(wc -l <"$out/refusals.list") refusals, $(wc -l <"$out/signed-refusals.list") signed refusals in $out"
