# metrics-ops - issue 13's "Ops scripts querying the guard": the guard's
# state as Prometheus metrics, served by Debian's prometheus-node-exporter
# from its textfile directory and scraped by the host over a port
# forwarded to 127.0.0.1; examples/ops/bulkhead-fleet-status asks the
# endpoint over ssh and prints one line for it only when it is degraded.
# The host's side is host/metrics-ops.sh.
#
# boot 1  healthy: the metrics say so, the fleet script prints nothing;
#         the operator disables acme_execcount: the metrics are rewritten
#         at once, the fleet script names the host and the extension;
#         enable again
#
# endpoint-boots: 1

prom=/var/lib/prometheus/node-exporter/bulkhead.prom

boot_1() {
	bh_network
	bh_check "node_exporter runs" systemctl is-active prometheus-node-exporter.service
	bh_check "the guard wrote its metrics at boot" grep -q '^bulkhead_consecutive_failures 0$' $prom
	bh_expect "mode 0644" "$(stat -c %a $prom)" 644
	bh_host healthy
	bh_check "the operator disables acme_execcount" bulkheadctl disable acme_execcount
	bh_check "the metrics say so at once" \
		grep -q '^bulkhead_extension_disabled{extension="acme_execcount"} 1$' $prom
	bh_host degraded
	bh_check "enable again" bulkheadctl enable acme_execcount
	bh_check "the metrics say so at once" \
		grep -q '^bulkhead_extension_disabled{extension="acme_execcount"} 0$' $prom
}
