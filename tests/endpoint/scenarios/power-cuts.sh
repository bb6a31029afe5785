# power-cuts - issue 13's scenario 9: the power fails 20 times, each time
# in a chosen phase of the boot, at a seeded random moment of it (the host
# prints the seed, EP_SEED replays it): in turn while the guard starts and
# writes its state at early boot, and while the scenario stages new content
# and runs `good` in a loop.  Afterwards the state is readable, every boot
# the guard finished is counted, the failure count matches the boots it
# recorded, and every stage that returned is kept.
#
# boot 1  configure bh_takeoops with content 1; the guard's power-cut
#         threshold out of reach (this tests the state, not the ladder);
#         power off for the host's cuts
# cuts    each boot stages new content in a loop (versions go up; each
#         version that stage reported done is printed) and runs `good`
#         in between, until the power goes: "guard" cuts come 0 to 1.2 s
#         after systemd starts the guard (it runs about 0.5 s), "stage"
#         cuts 0 to 4 s after the boot's first stage returned
# final   the checks, from the state and the journal
#
# endpoint-boots: 2
# endpoint-power-cuts: 20
# endpoint-cut-phases: guard stage
# endpoint-cut-guard: 0 1.2 Starting .*bulkhead-guard\.service
# endpoint-cut-stage: 0 4 bh-endpoint: staged [0-9]
# endpoint-timeout: 1800

ext=bh_takeoops
schema=/etc/bulkhead/schema/$ext.schema

boot_1() {
	bh_extension $ext takeoops
	printf '[policy]\nthreshold = 1000\npower_cut_threshold = 1000\nprobation = 5\n' \
		>/etc/bulkhead/guard.conf
	bh_content $ext takeoops-v1 /var/lib/pc.bhc
	bh_check "stage content 1 of $ext" bulkheadctl content stage $ext /var/lib/pc.bhc
	echo 1 >"$BH_STATE/version"
	bh_cold_boot ""
}

# content VERSION: bh_takeoops's harmless content as VERSION
content() {
	gojq ".content_version = $1" "$BH_DIR/fixtures/takeoops-v1.json" >/var/tmp/pc.json
	bulkheadctl content build /var/tmp/pc.json -o /var/tmp/pc.bhc --schema "$schema" >/dev/null
}

boot_any() {
	[ -e "$BH_STATE/final" ] && final
	# until the power goes: stage, good, stage, ...
	v=$(cat "$BH_STATE/version")
	while :; do
		v=$((v + 1))
		content "$v"
		if bulkheadctl content stage $ext /var/tmp/pc.bhc >/dev/null 2>&1; then
			# what the power cut may not take back from now on
			echo "$v" >"$BH_STATE/version.tmp"
			sync "$BH_STATE/version.tmp"
			mv "$BH_STATE/version.tmp" "$BH_STATE/version"
			sync "$BH_STATE"
			bh_say "staged $v"
		fi
		bulkhead-guard good >/dev/null 2>&1 && bh_say "good"
	done
}

final() {
	cuts=$(sed -n 's/^cuts //p' "$BH_STATE/final")
	acked=$(cat "$BH_STATE/version")
	bh_say "after $cuts power cuts: the last stage that returned was content $acked"
	rc=0
	bulkheadctl status --json >/var/tmp/status.json 2>/var/tmp/status.err || rc=$?
	bh_check "status reads the state (exit 0 or 1, not $rc)" [ "$rc" -le 1 ]
	bh_check "status --json is JSON" gojq -e .state /var/tmp/status.json
	bh_check "the guard took no fallback" \
		sh -c "! journalctl -b 0 -o cat -u bulkhead-guard.service | grep -i -e 'previous copy' -e 'afresh' -e 'unreadable'"
	cur=$(gojq .state.current_boot /var/tmp/status.json)
	# every boot the host saw the guard finish is counted: boot 1, those
	# among the cut ones, this one; and no boot is counted that was not
	finished=$(($(sed -n 's/^guard-finished //p' "$BH_STATE/final") + 2))
	stage_cuts=$(sed -n 's/^stage-cuts //p' "$BH_STATE/final")
	bh_say "the guard finished in $((finished - 2)) of the cut boots; $stage_cuts were cut in the stage loop"
	# each cut in the stage loop came after that boot's first stage returned
	bh_check "content $acked staged last: at least 1 + $stage_cuts (the cut stage loops)" [ "$acked" -ge $((stage_cuts + 1)) ]
	bh_check "the $finished boots the guard finished are all counted (current boot $cur)" \
		[ "$cur" -ge "$finished" ]
	bh_check "no more boots counted than there were ($((cuts + 2)))" [ "$cur" -le $((cuts + 2)) ]
	# the failure count agrees with the boots it recorded: the failed boots
	# since the last one that was good or shut down cleanly
	want=$(gojq --argjson cur "$cur" '[.state.boots | sort_by(.id) | reverse | .[] | select(.id < $cur)] |
			(map(.end == "clean-shutdown" or .good_at != 0) | index(true)) as $i |
			if $i == null then length else $i end' /var/tmp/status.json)
	bh_expect "consecutive failures match the recorded boots" \
		"$(gojq .state.consecutive_failures /var/tmp/status.json)" "$want"
	have=$(gojq -r ".state.extensions[] | select(.name == \"$ext\") | [.pending, .chosen, .active] | max" /var/tmp/status.json)
	bh_check "content $acked, the last stage that returned, is kept (newest held: $have)" [ "$have" -ge "$acked" ]
	bh_expect "$ext enabled" "$(gojq -r ".state.extensions[] | select(.name == \"$ext\") | .status" /var/tmp/status.json)" enabled
	bh_expect "$ext runs the newest content" "$(cat /sys/kernel/security/bulkhead/extensions/$ext/content_version)" "$have"
	gojq -c '.state.boots[] | {id, end, good_at}' /var/tmp/status.json | tail -n 25 | sed 's/^/bh-endpoint:   /'
	bh_finish
}
