# host/metrics-ops.sh - the host's steps of scenarios/metrics-ops.sh,
# sourced by run.sh: scrape node_exporter on 127.0.0.1:EP_METRICS_PORT,
# run examples/ops/bulkhead-fleet-status over ssh on 127.0.0.1:EP_SSH_PORT.

# fleet HOST...: the fleet script against the endpoint (as root, with the
# run's key); its output in $out/fleet.out, its status in $fleet_rc
fleet() {
	fleet_rc=0
	BULKHEAD_SSH="ssh -p $EP_SSH_PORT -i $out/ssh-key -l root -o BatchMode=yes -o ConnectTimeout=10 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR" \
		python3 "$here/../../examples/ops/bulkhead-fleet-status" -t 60 "$@" >"$out/fleet.out" 2>&1 ||
		fleet_rc=$?
	sed "s/^/$ep_name: fleet: /" "$out/fleet.out"
}

scrape() {
	curl -sf --max-time 30 "http://127.0.0.1:$EP_METRICS_PORT/metrics" >"$out/metrics.txt"
}

host_healthy() {
	ep_host_check "node_exporter serves the guard's metrics" scrape
	ep_host_check "healthy: no failures, no safe mode, nothing disabled" sh -c "
		grep -qx 'bulkhead_consecutive_failures 0' $out/metrics.txt &&
		grep -qx 'bulkhead_safe_mode 0' $out/metrics.txt &&
		! grep -q '^bulkhead_extension_disabled{.*} 1$' $out/metrics.txt &&
		grep -q '^bulkhead_boots_total 1$' $out/metrics.txt"
	cp "$out/metrics.txt" "$out/metrics-healthy.txt"
	ep_host_check "node_exporter read the file without errors" \
		grep -qx 'node_textfile_scrape_error 0' "$out/metrics.txt"
	fleet 127.0.0.1
	ep_host_check "fleet status: a healthy host prints nothing, exit 0" \
		sh -c "[ $fleet_rc = 0 ] && [ ! -s $out/fleet.out ]"
	ep_host_done healthy
}

host_degraded() {
	ep_host_check "node_exporter serves the new metrics" scrape
	ep_host_check "acme_execcount disabled, one disable decision" sh -c "
		grep -qx 'bulkhead_extension_disabled{extension=\"acme_execcount\"} 1' $out/metrics.txt &&
		grep -qx 'bulkhead_decisions_total{action=\"disable\"} 1' $out/metrics.txt &&
		grep -q '^bulkhead_last_decision_timestamp_seconds [1-9]' $out/metrics.txt"
	fleet 127.0.0.1 nowhere.invalid
	ep_host_check "fleet status: one line per degraded host, exit 1" sh -c "
		[ $fleet_rc = 1 ] && [ \$(wc -l <$out/fleet.out) = 2 ] &&
		grep -qx '127.0.0.1: disabled: acme_execcount' $out/fleet.out &&
		grep -q '^nowhere.invalid: unreachable: ' $out/fleet.out"
	ep_host_done degraded
}
