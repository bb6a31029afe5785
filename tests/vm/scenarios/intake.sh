# intake.sh - one upload, one lock; close means the last close; errors
# userspace can take (issue 12, items 1 and 2).  The guest boots with
# slub_debug, so a write past the intake's buffer is reported (and fails
# the run) even where it does not crash.
#
#   - A second open() of an extension's content file while an upload is
#     open fails with EBUSY; the first upload is not disturbed.
#   - Many writers on ONE open description (threads, forked children that
#     exit while others write, 64 io_uring writes in flight) never push
#     the intake past the declared size: every upload is judged exactly
#     once (one EBADMSG, then ENOSPC), refused counts it once, and no
#     slab corruption shows.
#   - `{ cat a; cat b; } >content`: the first cat's close is not the end
#     of the upload; a+b is taken.
#   - A write after the content was accepted fails with ENOSPC and changes
#     neither the counters nor last_error.
#   - A write whose buffer runs into an unmapped page consumes what it
#     could and says so (a short write); the rest completes the upload.
#   - An extension's positive return or -ERESTARTSYS reaches the writer
#     as EIO, never as itself.
#   - An empty write does nothing.
# vm-cmdline: slub_debug=FZPU
# vm-timeout: 240
# shellcheck shell=sh disable=SC2154 # lib.sh variables

d=$EXT/bh_knobs
cnt() { field "$d/counters" "$1"; }

check shim-insmod insmod_bh
check knobs-insmod insmod "$MODDIR/bh_knobs.ko"
push "$FX/knobs-v1.bhc" "$d/content"
expect_eq v1 "0 1" "$push_rc $(rd "$d/content_version")"

# -- one upload at a time ---------------------------------------------
exec 3>"$d/content"
out=$( (echo x >"$d/content") 2>&1)
expect_contains second-open-ebusy "resource busy" "$out"
head -c 100 "$FX/knobs-v2.bhc" >&3
exec 3>&-
expect_contains first-upload-judged-at-close "(truncated-header): header truncated: file is 100 bytes" "$(rd "$d/last_error")"
expect_eq still-v1 1 "$(rd "$d/content_version")"
# the busy mark goes with the last close
push "$FX/knobs-v2.bhc" "$d/content"
expect_eq reopen-after-close "0 2" "$push_rc $(rd "$d/content_version")"

# -- many writers, one description --------------------------------------
for mode in threads fork uring; do
	r0=$(cnt refused)
	a0=$(cnt accepted)
	out=$(/vm/bin/bh-race "$mode" "$d/content" "$FX/knobs-v1.bhc" 15 2>&1)
	echo "$out" | tail -n 1
	expect_contains "race-$mode" "15 rounds ok" "$(echo "$out" | tail -n 1)"
	expect_eq "race-$mode-refused-once-each" "$((r0 + 15)) $a0" "$(cnt refused) $(cnt accepted)"
done
expect_eq race-kept-v2 2 "$(rd "$d/content_version")"

# -- the last close ends the upload ---------------------------------------
head -c 200 "$FX/knobs-v3.bhc" >/tmp/a
tail -c +201 "$FX/knobs-v3.bhc" >/tmp/b
a0=$(cnt accepted)
r0=$(cnt refused)
{
	cat /tmp/a
	cat /tmp/b
} >"$d/content"
expect_eq two-cats-one-upload "3 $((a0 + 1)) $r0" "$(rd "$d/content_version") $(cnt accepted) $(cnt refused)"

# -- a write after acceptance -------------------------------------------
rd "$d/last_error" >/tmp/le.before
a0=$(cnt accepted)
r0=$(cnt refused)
out=$( {
	cat "$FX/knobs-v1.bhc"
	printf 'x' || echo "printf-failed"
} 2>&1 >"$d/content")
expect_contains late-write-fails "No space left" "$out"
expect_eq late-write-counters "$((a0 + 1)) $r0" "$(cnt accepted) $(cnt refused)"
expect_eq late-write-last-error "$(cat /tmp/le.before)" "$(rd "$d/last_error")"
expect_eq late-write-v1 1 "$(rd "$d/content_version")"

# -- a short write, never a lost one ---------------------------------------
out=$(/vm/bin/bh-race efault "$d/content" "$FX/knobs-v2.bhc" 2>&1)
expect_eq efault-short-write "efault: short 100, then ok" "$out"
expect_eq efault-then-v2 2 "$(rd "$d/content_version")"

# -- errnos userspace can take ---------------------------------------------
for ret in 1 -512 -13; do
	echo "$ret" >/sys/module/bh_knobs/parameters/take_ret
	out=$(/vm/bin/bh-race put "$d/content" "$FX/knobs-v3.bhc")
	case $ret in
	-13) want="put: errno 13 " ;;
	*) want="put: errno 5 " ;;
	esac
	expect_contains "take-ret-$ret" "$want" "$out"
done
echo 0 >/sys/module/bh_knobs/parameters/take_ret
expect_contains take-ret-last-error "error -13" "$(rd "$d/last_error")"
expect_eq take-ret-kept-v2 2 "$(rd "$d/content_version")"

# -- an empty write ---------------------------------------------------------
a0=$(cnt accepted)
r0=$(cnt refused)
printf '' >"$d/content"
expect_eq empty-write-nothing "$a0 $r0 2" "$(cnt accepted) $(cnt refused) $(rd "$d/content_version")"

check knobs-rmmod rmmod bh_knobs
check shim-rmmod rmmod bulkhead
