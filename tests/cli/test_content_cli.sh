#!/bin/sh
# test_content_cli.sh BULKHEADCTL - the content tool as an operator or a
# vendor pipeline uses it: exit codes, the exact reasons on stderr, the
# JSON round trip, and crash-safe output.  Every fixture is written here
# from readable JSON or schema text.
set -u
ctl=$1
ex=$(cd "$(dirname "$0")/../../examples/july2024" && pwd)
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
pass=0
fail=0

# ok, bad, expect
. "$(dirname "$0")/content-lib.sh"

schema=$ex/sensor.schema
expect builds_v1 0 "" "$ctl" content build "$ex/channel-291-v1.json" -o "$t/v1.bhc"
expect verifies_v1 0 "valid: extension 'bh_sensor'" "$ctl" content verify "$t/v1.bhc" --schema "$schema"
expect builds_21_field_file 0 "" "$ctl" content build "$ex/channel-291-v2.json" -o "$t/v2.bhc"
expect refuses_21_field_file 1 \
	"content $t/v2.bhc: refused (field-count): record 2 (template 'named-pipe-rule') at byte 346: 21 fields, schema declares 20" \
	"$ctl" content verify "$t/v2.bhc" --schema "$schema"
expect build_with_schema_refuses_and_writes_nothing 1 "21 fields, schema declares 20" \
	"$ctl" content build "$ex/channel-291-v2.json" -o "$t/v2s.bhc" --schema "$schema"
if [ -e "$t/v2s.bhc" ]; then bad "refused build left a file"; else ok "refused build left no file"; fi
if ls "$t" | grep -q '\.tmp\.'; then bad "temporary files left behind"; else ok "no temporary files left"; fi

# round trip: build -> dump -> build is byte for byte
for f in v1 v2; do
	"$ctl" content dump "$t/$f.bhc" >"$t/$f.json" 2>"$t/err" &&
	"$ctl" content build "$t/$f.json" -o "$t/$f.again.bhc" 2>"$t/err" &&
	cmp -s "$t/$f.bhc" "$t/$f.again.bhc" && ok "round_trip_$f" || bad "round_trip_$f"
done
"$ctl" content dump "$t/v1.bhc" -o "$t/v1.out.json" 2>"$t/err" && cmp -s "$t/v1.json" "$t/v1.out.json" \
	&& ok "dump_to_file_matches_stdout" || bad "dump_to_file_matches_stdout"

# every field type and extreme values survive the round trip
cat >"$t/all.json" <<'J'
{"extension": "bh_x", "schema": "s", "schema_version": 4294967295,
 "content_version": 18446744073709551615,
 "records": [{"template": 65535, "fields": [{"u32": 4294967295}, {"u64": 18446744073709551615},
   {"string": "caf\u00e9 \u2603 \ud83d\ude00 \"q\" \\ /"}, {"bytes": "00ff10"}, {"bytes": ""}, {"string": ""}]},
  {"template": 0, "fields": []}]}
J
"$ctl" content build "$t/all.json" -o "$t/all.bhc" 2>"$t/err" &&
"$ctl" content dump "$t/all.bhc" >"$t/all2.json" 2>"$t/err" &&
"$ctl" content build "$t/all2.json" -o "$t/all2.bhc" 2>"$t/err" &&
cmp -s "$t/all.bhc" "$t/all2.bhc" && grep -q 18446744073709551615 "$t/all2.json" \
	&& ok "round_trip_every_type_and_extreme" || bad "round_trip_every_type_and_extreme"

# bad JSON sources are refused with path and reason
src() { printf '%s\n' "$1" >"$t/s.json"; }
src '{"extension": "bh_x", "schema": "s", "schema_version": 1, "content_version": 1, "records": [], "extra": 1}'
expect refuses_unknown_key 1 "unknown key 'extra'" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
src '{"extension": "bh_x", "schema": "s", "schema_version": 1, "content_version": 0, "records": []}'
expect refuses_content_version_0 1 "'content_version' must be an integer from 1" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
src '{"extension": "bad name", "schema": "s", "schema_version": 1, "content_version": 1, "records": []}'
expect refuses_bad_extension_name 1 "'extension' must be a name" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
src '{"extension": "bh_x", "schema": "s", "schema_version": 1, "content_version": 1, "records": [{"template": 1, "fields": [{"u16": 1}]}]}'
expect refuses_unknown_field_type 1 "records\[0\].fields\[0\]: expected one of" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
src '{"extension": "bh_x", "schema": "s", "schema_version": 1, "content_version": 1, "records": [{"template": 1, "fields": [{"u32": 4294967296}]}]}'
expect refuses_u32_overflow 1 "records\[0\].fields\[0\]: u32 needs an integer from 0 to 4294967295" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
src '{"extension": "bh_x", "schema": "s", "schema_version": 1, "content_version": 1, "records": [{"template": 1, "fields": [{"u64": -1}]}]}'
expect refuses_negative_u64 1 "u64 needs an integer" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
src '{"extension": "bh_x", "schema": "s", "schema_version": 1, "content_version": 1, "records": [{"template": 1, "fields": [{"bytes": "0G"}]}]}'
expect refuses_bad_hex 1 "is not lowercase hex" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
src '{"extension": "bh_x", "schema": "s", "schema_version": 1, "content_version": 1, "records": [{"template": 1, "fields": [{"string": "a\u0000b"}]}]}'
expect refuses_string_with_nul 1 "records\[0\]: record 0 .*string malformed at byte 1 (NUL)" "$ctl" content build "$t/s.json" -o "$t/o.bhc"
printf '{"extension": "bh_x",\n "schema": "s",\n "schema_version": 1 x}\n' >"$t/s.json"
expect refuses_invalid_json_with_line 1 "source $t/s.json: line 3: invalid JSON" "$ctl" content build "$t/s.json" -o "$t/o.bhc"

# verify: reasons for damaged files, exit 2 for what cannot be read
head -c 100 "$t/v1.bhc" >"$t/short.bhc"
expect refuses_truncated_header 1 "refused (truncated-header)" "$ctl" content verify "$t/short.bhc" --schema "$schema"
cp "$t/v1.bhc" "$t/trail.bhc"; printf 'x' >>"$t/trail.bhc"
expect refuses_trailing_byte 1 "refused (trailing-bytes): 1 trailing bytes" "$ctl" content verify "$t/trail.bhc" --schema "$schema"
cp "$t/v1.bhc" "$t/flip.bhc"; printf 'Z' | dd of="$t/flip.bhc" bs=1 seek=200 conv=notrunc 2>/dev/null
expect refuses_flipped_payload_byte 1 "refused (digest-mismatch)" "$ctl" content verify "$t/flip.bhc" --schema "$schema"
sed 's/^extension = bh_sensor/extension = bh_other/' "$schema" >"$t/other.schema"
expect refuses_other_extensions_content 1 "content is for extension 'bh_sensor', not 'bh_other'" \
	"$ctl" content verify "$t/v1.bhc" --schema "$t/other.schema"
expect verify_missing_file_exit_2 2 "cannot open: No such file" "$ctl" content verify "$t/nope.bhc" --schema "$schema"
expect verify_without_schema_is_usage 2 "usage:" "$ctl" content verify "$t/v1.bhc"
expect unknown_command_is_usage 2 "unknown command" "$ctl" content frobnicate x
expect unknown_option_is_usage 2 "unknown option" "$ctl" content verify "$t/v1.bhc" --schema "$schema" --bogus
expect build_into_missing_dir_exit_2 2 "cannot create temporary file" \
	"$ctl" content build "$ex/channel-291-v1.json" -o "$t/no/such/dir/x.bhc"

# schema files: canonical print, and errors with file and line
expect schema_check_prints_canonical 0 "field = rule_id u32 1 1000000" "$ctl" schema check "$schema"
printf '[schema]\nextension = bh_x\nname = s\nversion = 1\n\n[template t]\nid = 1\nfield = a str 0 1\n' >"$t/b.schema"
expect schema_unknown_type_names_line 1 "schema $t/b.schema: line 8: template 't' field 0 ('a'): unknown type 'str'" \
	"$ctl" schema check "$t/b.schema"
printf '[schema]\nextension = bh_x\nname = s\nversion = 1\n\n[template t]\nid = 1\nfield = a u32 5 1\n' >"$t/b.schema"
expect schema_min_above_max 1 "bounds \[5, 1\] invalid" "$ctl" schema check "$t/b.schema"
printf '[schema]\nextension = bh_x\nname = s\nversion = 1\n[template t]\nid = 1\n[template u]\nid = 1\n' >"$t/b.schema"
expect schema_duplicate_id 1 "share id 1" "$ctl" schema check "$t/b.schema"
printf '[schema]\nextension = bh_x\nname = s\nversion = 1\ncolour = red\n' >"$t/b.schema"
expect schema_unknown_key 1 "line 5: unknown key 'colour'" "$ctl" schema check "$t/b.schema"
printf '[schema]\nextension = bh_x\nname = s\n' >"$t/b.schema"
expect schema_missing_version 1 "needs extension, name and version" "$ctl" schema check "$t/b.schema"
expect verify_with_bad_schema_exit_2 2 "unknown key 'colour'" sh -c \
	"printf '[schema]\ncolour = red\n' >'$t/c.schema'; '$ctl' content verify '$t/v1.bhc' --schema '$t/c.schema'"

echo "cli: $pass passed, $fail failed"
[ -n "${RESULTS:-}" ] && echo "cli $pass $fail" >>"$RESULTS"
[ "$fail" = 0 ]
