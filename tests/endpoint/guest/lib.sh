# tests/endpoint/guest/lib.sh - the guest's helpers for endpoint scenarios,
# on the scenario disk (mounted at $BH_DIR) and sourced by run.sh and setup.sh.
#
# A run is one qemu process and several boots; the scenario disk keeps what
# must survive them: state/boots (the boot count), state/failures (one line
# per failed check), out/boot-N/ (what each boot collected, read back by
# the host).  Every line meant for the host starts with "bh-endpoint: " and
# goes to the serial console (and the journal) through bh-endpoint.service.

BH_STATE=$BH_DIR/state
BH_UNITS="systemd-modules-load.service systemd-udev-trigger.service modprobe@efi_pstore.service
modprobe@ramoops.service systemd-pstore.service systemd-sysctl.service
bulkhead-guard.service bulkhead-load.service local-fs.target sysinit.target
multi-user.target boot-complete.target bulkhead-guard-good.service"

bh_say() {
	echo "bh-endpoint: $*"
}

# bh_fail MSG: a failed check; the run fails, the scenario goes on
bh_fail() {
	bh_say "FAILED: $*"
	echo "boot $BH_BOOT: $*" >>"$BH_STATE/failures"
	sync
}

# bh_check DESC CMD...: CMD must succeed
bh_check() {
	desc=$1
	shift
	if "$@" >"$BH_STATE/last.out" 2>&1; then
		bh_say "ok: $desc"
	else
		bh_fail "$desc ($*: $(tail -n 3 "$BH_STATE/last.out" | tr '\n' ' '))"
	fi
}

# bh_expect DESC ACTUAL WANT: ACTUAL must equal WANT
bh_expect() {
	if [ "$2" = "$3" ]; then
		bh_say "ok: $1 ($2)"
	else
		bh_fail "$1: '$2', expected '$3'"
	fi
}

# bh_status JQ-FILTER: from `bulkheadctl status --json`.  gojq, not jq:
# jq 1.6 compiles its library at every start, a second under TCG, and
# the scenarios ask a hundred times
bh_status() {
	bulkheadctl status --json 2>/dev/null | gojq -r "$1"
}

# bh_boot ID JQ-FILTER: of boot ID in the guard's state
bh_boot() {
	bh_status ".state.boots[] | select(.id == $1) | $2"
}

# bh_ext NAME JQ-FILTER: of extension NAME in the guard's state
bh_ext() {
	bh_status ".state.extensions[] | select(.name == \"$1\") | $2"
}

# bh_wait_good ID: until boot ID is marked good (bulkhead-guard-good, through
# boot-complete.target), at most 120 s
bh_wait_good() {
	i=0
	while [ "$(bh_boot "$1" .good_at)" = 0 ] && [ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
	bh_check "boot $1 marked good through boot-complete.target" [ "$(bh_boot "$1" .good_at)" != 0 ]
}

# bh_extension NAME SCHEMA: declare extension NAME in extensions.d, with
# fixtures/SCHEMA.schema as its schema (/etc/bulkhead/schema/NAME.schema)
bh_extension() {
	mkdir -p /etc/bulkhead/schema
	cp "$BH_DIR/fixtures/$2.schema" "/etc/bulkhead/schema/$1.schema"
	printf '[extension]\nname = %s\nschema = /etc/bulkhead/schema/%s.schema\n' "$1" "$1" \
		>"/etc/bulkhead/extensions.d/50-$1.conf"
}

# bh_content NAME SOURCE OUT: content file OUT from fixtures/SOURCE.json,
# validated against NAME's schema
bh_content() {
	bulkheadctl content build "$BH_DIR/fixtures/$2.json" -o "$3" --schema "/etc/bulkhead/schema/$1.schema"
}

# bh_signed_extension NAME SCHEMA: bh_extension, requiring signed content,
# with the vendor's certificate in /etc/bulkhead/keys (enrolled by the
# loader at the next boot)
bh_signed_extension() {
	bh_extension "$1" "$2"
	echo "require_signature = yes" >>"/etc/bulkhead/extensions.d/50-$1.conf"
	install -D -m 0644 "$BH_DIR/fixtures/vendor-content.pem" /etc/bulkhead/keys/vendor-content.pem
}

# bh_signed_content NAME SOURCE OUT: bh_content, signed with the vendor's key
bh_signed_content() {
	bh_content "$1" "$2" "$3.unsigned" &&
		bulkheadctl content sign "$3.unsigned" --key "$BH_DIR/fixtures/vendor-content.key" \
			--cert "$BH_DIR/fixtures/vendor-content.pem" -o "$3"
}

# bh_good_after SECONDS: bulkhead-guard-good.timer fires SECONDS after it
# started (instead of the package's probation of 300 s), from the next boot
bh_good_after() {
	mkdir -p /etc/systemd/system/bulkhead-guard-good.timer.d
	printf '[Timer]\nOnActiveSec=\nOnActiveSec=%ss\n' "$1" \
		>/etc/systemd/system/bulkhead-guard-good.timer.d/endpoint.conf
}

# bh_good_now: `good` now, as at the end of probation, but when the
# scenario has made its checks, not when a slow boot lets it: the start
# job bulkhead-guard-good.timer would queue, queued now.  It goes through
# the same unit's dependencies (boot-complete.target and its health
# checks); the timer's own firing is tested where a scenario lets it fire
# (bh_good_after; guard-hangs).  (It was a /run drop-in on the timer and
# a daemon-reload: 3 to 8 s of TCG each time.)
bh_good_now() {
	systemctl start --no-block bulkhead-guard-good.service
}

# bh_wait_probation NAME SECONDS: until extension NAME has run its content
# SECONDS (guard.conf's probation) since the loader pushed it in this boot,
# by the clock the guard reads (/proc/uptime), at most 120 s; then a
# `good` makes that content last-known-good, however slow the boot was
bh_wait_probation() {
	since=$(bh_ext "$1" .load.uptime)
	i=0
	while [ "$(awk -v s="$since" -v p="$2" '{ print ($1 > s + p + 1) }' /proc/uptime)" = 0 ] &&
		[ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
}

# bh_network: the network, ssh and node_exporter, for the host's steps
# (the image has them installed, not started at boot: mkimage.sh)
bh_network() {
	systemctl start systemd-networkd.service ssh.service prometheus-node-exporter.service
	/lib/systemd/systemd-networkd-wait-online -i eth0 --timeout=120 ||
		bh_fail "eth0 not configured within 120 s"
}

# bh_guard_line: the guard's "boot N started; previous boot ..." line of this boot
bh_guard_line() {
	journalctl -b 0 -o cat -u bulkhead-guard.service 2>/dev/null | grep 'started; previous boot' | tail -n 1
}

# bh_started UNIT: when UNIT started in this boot (monotonic microseconds),
# or when its condition was checked if it was skipped; 0 if neither
bh_started() {
	t=$(systemctl show -P InactiveExitTimestampMonotonic "$1" 2>/dev/null)
	[ -n "$t" ] && [ "$t" != 0 ] || t=$(systemctl show -P ConditionTimestampMonotonic "$1" 2>/dev/null)
	echo "${t:-0}"
}

# bh_before A B: unit A started before unit B in this boot
bh_before() {
	a=$(bh_started "$1")
	b=$(bh_started "$2")
	if [ "$a" != 0 ] && { [ "$b" = 0 ] || [ "$a" -lt "$b" ]; }; then
		bh_say "ok: $1 ($(bh_usec "$a") s) before $2 ($(bh_usec "$b") s)"
	else
		bh_fail "$1 ($(bh_usec "$a") s) not before $2 ($(bh_usec "$b") s)"
	fi
}

# seconds since boot, from a unit's monotonic time stamp (microseconds)
bh_usec() {
	case $1 in
	'' | 0) echo - ;;
	*) awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000000 }' ;;
	esac
}

# bh_timeline: when the units that matter to Bulkhead started and ended in
# this boot, in start order, and what the guard, the loader and
# systemd-pstore said; to the console and to out/boot-N/timeline.txt.
# One systemctl call for all the units: under TCG every process the guest
# starts costs a tenth of a second, and one call a unit took 7 s a boot.
bh_timeline() {
	{
		# shellcheck disable=SC2086
		systemctl show -p Id -p InactiveExitTimestampMonotonic -p ActiveEnterTimestampMonotonic \
			-p ActiveState -p Result -p ConditionResult -p ConditionTimestampMonotonic \
			$BH_UNITS 2>/dev/null | awk -F= '
			function usec(u) { return u + 0 ? sprintf("%.2f", u / 1000000) : "-" }
			function unit() {
				if (p["Id"] == "")
					return
				start = p["InactiveExitTimestampMonotonic"] + 0
				if (!start)
					start = p["ActiveEnterTimestampMonotonic"] + 0
				if (!(p["ConditionTimestampMonotonic"] + 0) && !start)
					what = "not started"
				else if (p["ConditionResult"] == "no")
					what = "skipped (condition)"
				else
					what = p["ActiveState"] " " p["Result"]
				printf "%012d %-30s start %6s s  up %6s s  %s\n", start, p["Id"], usec(start),
					usec(p["ActiveEnterTimestampMonotonic"]), what
				split("", p)
			}
			/^$/ { unit(); next }
			{ p[$1] = substr($0, length($1) + 2) }
			END { unit() }' | sort | cut -c14-
		echo "journal (guard, loader, systemd-pstore, ramoops):"
		journalctl -b 0 -o short-monotonic --no-hostname -u bulkhead-guard.service \
			-u bulkhead-load.service -u systemd-pstore.service -u bulkhead-guard-good.service 2>/dev/null |
			grep -v '^-- ' | cut -c1-220
		journalctl -b 0 -k -o short-monotonic --no-hostname 2>/dev/null | grep -i -e ramoops -e pstore | cut -c1-160
		echo "pstore backend: $(cat /sys/module/pstore/parameters/backend 2>/dev/null)," \
			"now in /sys/fs/pstore: $(ls /sys/fs/pstore 2>/dev/null | tr '\n' ' ')"
		echo "systemd-pstore archive: $(cd /var/lib/systemd/pstore 2>/dev/null && find . -type f | sort | tr '\n' ' ')"
		echo "guard archive: $(cd /var/lib/bulkhead/pstore 2>/dev/null && find . -type f | sort | tr '\n' ' ')"
	} >"$BH_OUT/timeline.txt" 2>&1
	sed 's/^/bh-endpoint:   /' "$BH_OUT/timeline.txt"
}

# bh_collect: this boot's journal (JSON), status, state and pstore listings
# into out/boot-N/, for the host
bh_collect() {
	journalctl -b 0 -o json >"$BH_OUT/journal.json" 2>/dev/null
	bulkheadctl status --json >"$BH_OUT/status.json" 2>/dev/null
	bulkheadctl history >"$BH_OUT/history.txt" 2>/dev/null
	systemctl list-units --failed --no-legend --plain >"$BH_OUT/failed-units.txt" 2>/dev/null
	systemd-analyze critical-chain bulkhead-load.service >"$BH_OUT/critical-chain.txt" 2>/dev/null
	# how long the units that bring modules up took to start, in ms (what
	# systemd-analyze blame says, which refuses before the boot finished)
	for u in bulkhead-guard.service bulkhead-load.service systemd-modules-load.service; do
		eval "$(systemctl show -p InactiveExitTimestampMonotonic -p ActiveEnterTimestampMonotonic "$u" |
			sed 's/^\([A-Za-z]*\)=\(.*\)$/\1="\2"/')"
		echo "$u $(((${ActiveEnterTimestampMonotonic:-0} - ${InactiveExitTimestampMonotonic:-0}) / 1000))"
	done >"$BH_OUT/unit-times.txt" 2>/dev/null
	sync
}

# bh_reboot: a clean reboot (the guard's ExecStop marks the boot shut down)
bh_reboot() {
	bh_say "boot $BH_BOOT: clean reboot"
	bh_collect
	systemctl reboot
	exit 0
}

# bh_host STEP: the host takes STEP (host/SCENARIO.sh's host_STEP: over
# ssh, or node_exporter's port) while this waits, at most 120 s
bh_host() {
	rm -f "$BH_STATE/host-$1.done"
	sync
	bh_say "host-step $1"
	i=0
	while [ ! -e "$BH_STATE/host-$1.done" ] && [ $i -lt 120 ]; do
		sleep 1
		i=$((i + 1))
	done
	[ -e "$BH_STATE/host-$1.done" ] || bh_fail "the host did not take step $1 within 120 s"
}

# bh_cold_boot ARGS: power off; the host boots the machine again (a cold
# boot: RAM and pstore lost) with ARGS added to the kernel command line
bh_cold_boot() {
	bh_say "boot $BH_BOOT: power off; cold boot with: $*"
	echo "cmdline $*" >"$BH_STATE/next-cmdline"
	bh_collect
	systemctl poweroff
	exit 0
}

# bh_boot_kernel KVER: power off; the host boots the machine again into
# KVER, from the kernel and initrd the guest installed in /boot (as a
# bootloader picks a newly installed kernel)
bh_boot_kernel() {
	[ -s "/boot/vmlinuz-$1" ] && [ -s "/boot/initrd.img-$1" ] ||
		bh_fail "no /boot/vmlinuz-$1 or /boot/initrd.img-$1 to boot"
	echo "$1" >"$BH_STATE/next-kernel"
	bh_cold_boot
}

# bh_bad_content: the moment the bad content goes in, for `make bench`
# (wall clock, which a warm reboot keeps): state/bad-at
bh_bad_content() {
	date +%s.%N >"$BH_STATE/bad-at"
	echo "$BH_BOOT" >"$BH_STATE/bad-boot"
	sync
}

# bh_crash_wait SECONDS: the scenario just set off a crash; the kernel
# should panic and reboot.  If the guest is still alive after SECONDS, fail.
bh_crash_wait() {
	sync
	sleep "$1"
	bh_fail "boot $BH_BOOT: still running $1 s after the crash was set off"
	bh_finish
}

# bh_finish: the verdict of the whole run, then power off (qemu exits)
bh_finish() {
	bh_collect
	if [ -s "$BH_STATE/failures" ]; then
		bh_say "FAIL $(cat "$BH_DIR/name") after $BH_BOOT boots: $(wc -l <"$BH_STATE/failures") failed checks"
		sed 's/^/bh-endpoint:   /' "$BH_STATE/failures"
	else
		bh_say "PASS $(cat "$BH_DIR/name") after $BH_BOOT boots"
	fi
	sync
	systemctl poweroff
	exit 0
}
