// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * evidence.c - read what a failed boot left behind and name the strongest
 * piece of it (DESIGN.md, "Evidence, strongest first"; the rules in full,
 * with examples, are in docs/evidence.md).
 *
 * Three places are read, each optional:
 *
 *  - pstore records: of the crash dumps (dmesg-*, the kernel log tail the
 *    crashed kernel dumped) the shim's "bulkhead: fault ..." line, oops
 *    and panic markers, and RIP and call-trace lines naming a module, in
 *    the last crash block only; console, pmsg and ftrace records are not
 *    read.  Every record is archived; bg_evidence_erase() unlinks the
 *    archived ones, which erases them from the pstore backend, once the
 *    decision that used them is saved.
 *  - watchdog bootstatus: WDIOF_CARDRESET means the last boot hung.
 *  - the loader journal: a step of the boot in question that began and
 *    never ended.
 *
 * The text a crashed kernel left is untrusted input of any shape: a record
 * may be cut anywhere, hold NUL bytes or garbage, or be a compressed blob
 * the kernel could not inflate.  Parsing therefore works on (pointer,
 * length) spans only and never assumes a terminator.
 *
 * A name that was cut (the last line of a record without its newline) must
 * never be reported: "bh_exec" cut from "bh_execwatch" would blame the
 * wrong extension with certainty.  Names are taken only from complete
 * lines or from a bracket that was closed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>

#include <linux/watchdog.h>
#include <zlib.h>

#include "evidence.h"

/* a ramoops record is record_size (64 KiB here); efi-pstore's are smaller */
#define BG_RECORD_MAX		(1024 * 1024)
/* the journal only grows; the boot in question is at its end */
#define BG_JOURNAL_TAIL		(4 * 1024 * 1024)
/* a sysfs attribute reports st_size 4096 */
#define BG_BOOTSTATUS_MAX	4096

#define BG_SHIM_PREFIX		"bulkhead: fault extension="
#define BG_SHIM_MODULE		"bulkhead"
#define BG_COMPRESSED_SUFFIX	".enc.z"
/* the crash dumps among pstore's records; console, pmsg, ftrace are logs */
#define BG_DUMP_PREFIX		"dmesg-"
/* NAME, NAME.1 ... NAME.99 in one boot's archive */
#define BG_ARCHIVE_COPIES	100

/* ---- spans --------------------------------------------------------- */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static bool is_word(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '_';
}

static bool span_starts(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && !memcmp(p, lit, l);
}

static bool span_ends(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit);

	return n >= l && !memcmp(p + n - l, lit, l);
}

/* @lit somewhere in the span, not glued to a word before it ("DEBUG:") */
static bool span_has_word(const char *p, size_t n, const char *lit)
{
	size_t l = strlen(lit), off = 0;
	const char *hit;

	while (off < n && (hit = memmem(p + off, n - off, lit, l))) {
		if (hit == p || !is_word(hit[-1]))
			return true;
		off = (size_t)(hit - p) + 1;
	}
	return false;
}

/* length of the token at @p: up to the first blank or the end */
static size_t token_len(const char *p, size_t n)
{
	size_t i = 0;

	while (i < n && !is_blank(p[i]))
		i++;
	return i;
}

static void skip_blanks(const char **p, size_t *n)
{
	while (*n && is_blank(**p)) {
		(*p)++;
		(*n)--;
	}
}

/* pop the next blank-separated token off the span; false at the end */
static bool next_token(const char **p, size_t *n, const char **tok, size_t *tok_len)
{
	skip_blanks(p, n);
	if (!*n)
		return false;
	*tok = *p;
	*tok_len = token_len(*p, *n);
	*p += *tok_len;
	*n -= *tok_len;
	return true;
}

/* a decimal u64, every byte a digit, no overflow */
static bool parse_u64(const char *p, size_t n, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		unsigned int d;

		if (!is_digit(p[i]))
			return false;
		d = (unsigned int)(p[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*ret = v;
	return true;
}

/* an extension or module name (bh_name_valid()), copied out NUL-terminated */
static bool parse_name(const char *p, size_t n, char ret[BH_NAME_LEN + 1])
{
	char buf[BH_NAME_LEN + 1];

	/* a NUL inside would make a cut name look valid to bh_name_valid() */
	if (!n || n > BH_NAME_MAX || memchr(p, '\0', n))
		return false;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (!bh_name_valid(buf))
		return false;
	memcpy(ret, buf, n + 1);
	return true;
}

/* an operation word: [a-z_]+, short enough for struct bg_evidence */
static bool parse_op(const char *p, size_t n, char ret[BG_OP_LEN])
{
	size_t i;

	if (!n || n >= BG_OP_LEN)
		return false;
	for (i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || p[i] == '_'))
			return false;
	memcpy(ret, p, n);
	ret[n] = '\0';
	return true;
}

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* "ORIGIN: LINE", cut to fit, every byte that is not printable ASCII a '?' */
static void set_detail(char detail[BG_DETAIL_LEN], const char *origin,
		       const char *line, size_t n)
{
	size_t o = 0, i;

	for (i = 0; origin[i] && o < BG_DETAIL_LEN - 3; i++)
		detail[o++] = origin[i];
	detail[o++] = ':';
	detail[o++] = ' ';
	for (i = 0; i < n && o < BG_DETAIL_LEN - 1; i++) {
		unsigned char c = (unsigned char)line[i];

		detail[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	detail[o] = '\0';
}

/* "MODULE in ORIGIN: LINE", cut to fit, like the detail */
static void set_warning(char warning[BG_DETAIL_LEN], const char *module,
			const char *origin, const char *line, size_t n)
{
	char where[BG_DETAIL_LEN];

	snprintf(where, sizeof(where), "%s in %s", module, origin);
	set_detail(warning, where, line, n);
}

/*
 * Raise @ev to @kind and take the attribution with it, if @kind is
 * stronger than what @ev holds.  Equal evidence never replaces: the first
 * found stands (records are read oldest first).
 */
static void ev_upgrade(struct bg_evidence *ev, enum bg_evidence_kind kind,
		       const char *extension, const char *op, uint64_t version,
		       const char *origin, const char *line, size_t n)
{
	if (kind <= ev->kind)
		return;
	ev->kind = kind;
	copy_str(ev->extension, sizeof(ev->extension), extension);
	copy_str(ev->op, sizeof(ev->op), op);
	ev->content_version = version;
	set_detail(ev->detail, origin ? origin : "", line, n);
}

/* ---- one pstore record ---------------------------------------------- */

/* "[" then only characters from @set, at least one digit, then "]" */
static size_t bracket_len(const char *p, size_t n, const char *set)
{
	bool digit = false;
	size_t i;

	if (!n || p[0] != '[')
		return 0;
	for (i = 1; i < n && p[i] != ']'; i++) {
		if (!strchr(set, p[i]) || !p[i])
			return 0;
		digit |= is_digit(p[i]);
	}
	return i < n && digit ? i + 1 : 0;
}

/* whole seconds of a "[   12.345678]" time stamp; -1 if it holds none */
static int64_t stamp_seconds(const char *p, size_t n)
{
	int64_t secs = 0;
	size_t i = 1;

	while (i < n && p[i] == ' ')
		i++;
	if (i >= n || !is_digit(p[i]))
		return -1;
	for (; i < n && is_digit(p[i]); i++) {
		if (secs > (INT64_MAX - 9) / 10)
			return -1;
		secs = secs * 10 + (p[i] - '0');
	}
	return secs;
}

/*
 * The message of one log line: without the "<N>" level, the
 * "[   12.345678]" time (its whole seconds in @ret_time, else -1), a
 * "[  T123]" or "[    C1]" caller id, and blanks on either side.  Lines
 * without any of these pass unchanged.
 */
static void line_message(const char **pp, size_t *pn, int64_t *ret_time)
{
	const char *p = *pp;
	size_t n = *pn, i;

	while (n && is_blank(p[n - 1]))
		n--;
	if (n && p[0] == '<') {
		for (i = 1; i < n && is_digit(p[i]); i++)
			;
		if (i > 1 && i < n && p[i] == '>') {
			p += i + 1;
			n -= i + 1;
		}
	}
	i = bracket_len(p, n, " 0123456789.");
	*ret_time = i ? stamp_seconds(p, i) : -1;
	p += i;
	n -= i;
	skip_blanks(&p, &n);
	i = bracket_len(p, n, " TC0123456789");
	p += i;
	n -= i;
	skip_blanks(&p, &n);
	*pp = p;
	*pn = n;
}

/* "bulkhead: fault extension=NAME op=OP content=VERSION[ anything]" */
static bool parse_shim_line(const char *p, size_t n, char ext[BH_NAME_LEN + 1],
			    char op[BG_OP_LEN], uint64_t *version)
{
	const char *tok;
	size_t tl;

	if (!span_starts(p, n, BG_SHIM_PREFIX))
		return false;
	p += strlen(BG_SHIM_PREFIX);
	n -= strlen(BG_SHIM_PREFIX);
	tl = token_len(p, n);
	if (!parse_name(p, tl, ext))
		return false;
	p += tl;
	n -= tl;
	if (!next_token(&p, &n, &tok, &tl) || !span_starts(tok, tl, "op=") ||
	    !parse_op(tok + 3, tl - 3, op))
		return false;
	if (!next_token(&p, &n, &tok, &tl) || !span_starts(tok, tl, "content=") ||
	    !parse_u64(tok + 8, tl - 8, version))
		return false;
	/* the header's contract: "" when the shim could not tell */
	if (!strcmp(op, "unknown"))
		op[0] = '\0';
	return true;
}

/*
 * A stack line naming a module: "RIP: 0010:SYM+0xOFF/0xLEN [MODULE]" or a
 * call-trace frame "SYM+0xOFF/0xLEN [MODULE]" (SYM may be "name.cold",
 * "name.isra.0", ...; the bracket may carry a build id after the name).
 * Frames starting with "? " are the unwinder's guesses and do not count.
 */
static bool parse_module_line(const char *p, size_t n, bool *ret_rip,
			      char module[BH_NAME_LEN + 1])
{
	const char *plus = NULL, *q, *name;
	size_t tl, i, nl;
	bool rip = false;

	if (span_starts(p, n, "RIP: ")) {
		if (n < 10 || !is_hex(p[5]) || !is_hex(p[6]) || !is_hex(p[7]) ||
		    !is_hex(p[8]) || p[9] != ':')
			return false;
		p += 10;
		n -= 10;
		rip = true;
	} else if (span_starts(p, n, "? ")) {
		return false;
	}
	/* SYM+0xOFF/0xLEN: the last "+0x" of the token splits it */
	tl = token_len(p, n);
	for (q = p; q + 3 <= p + tl; q++)
		if (!memcmp(q, "+0x", 3))
			plus = q;
	if (!plus || plus == p)
		return false;
	for (i = (size_t)(plus - p) + 3; i < tl && is_hex(p[i]); i++)
		;
	if (i == (size_t)(plus - p) + 3 || i + 3 > tl || memcmp(p + i, "/0x", 3))
		return false;
	for (i += 3; i < tl && is_hex(p[i]); i++)
		;
	if (i != tl || !is_hex(p[tl - 1]))
		return false;
	p += tl;
	n -= tl;
	/* " [MODULE]" or " [MODULE BUILDID]", and nothing after it */
	skip_blanks(&p, &n);
	if (n < 3 || p[0] != '[' || p[n - 1] != ']')
		return false;
	name = p + 1;
	for (nl = 0; nl < n - 2 && name[nl] != ' ' && name[nl] != ']'; nl++)
		;
	if (name[nl] == ']' && nl != n - 2)
		return false;
	for (i = nl; i < n - 2; i++)
		if (name[i] == ']' || name[i] == '[')
			return false;
	if (!parse_name(name, nl, module))
		return false;
	*ret_rip = rip;
	return true;
}

/* pstore's own first line: "Oops#1 Part1", "Panic#2 Part1" */
static bool pstore_header(const char *p, size_t n, const char *reason)
{
	size_t l = strlen(reason), i;

	if (!span_starts(p, n, reason) || n <= l || !is_digit(p[l]))
		return false;
	for (i = l; i < n && is_digit(p[i]); i++)
		;
	return span_starts(p + i, n - i, " Part");
}

/*
 * The die header's ": ERR [#N]": "Oops: 0002 [#1]", 6.1's "invalid opcode:
 * 0000 [#1]" and "divide error: 0000 [#1]", arm64's "Internal error: Oops:
 * 0000000096000004 [#1]".
 */
static bool has_die_header(const char *p, size_t n)
{
	size_t off = 0;
	const char *hit;

	while (off < n && (hit = memmem(p + off, n - off, " [#", 3))) {
		size_t at = (size_t)(hit - p), i = at + 3, h = at;

		off = at + 1;
		while (i < n && is_digit(p[i]))
			i++;
		if (i == at + 3 || i >= n || p[i] != ']')
			continue;
		while (h > 0 && is_hex(p[h - 1]))
			h--;
		if (h < at && h >= 2 && p[h - 1] == ' ' && p[h - 2] == ':')
			return true;
	}
	return false;
}

/*
 * A record's log tail holds reports one after another: warnings the
 * kernel survived, maybe an earlier oops, and last the crash that made
 * pstore dump it.  Each report is a block, from its first line to the next
 * report's first line; only the last crash block names a culprit.
 */
enum bg_block_kind {
	BG_BLOCK_NONE = 0,	/* before any report: lines belong to nothing */
	BG_BLOCK_REPORT,	/* "BUG: ...": an oops if a die header follows */
	BG_BLOCK_WARNING,	/* WARNING:, a hung task: the kernel carries on */
	BG_BLOCK_CRASH,		/* an oops (a die header) or a panic */
};

struct bg_block {
	enum bg_block_kind kind;
	bool trace;		/* its registers or stack have begun */
	bool module, module_rip;
	char module_name[BH_NAME_LEN + 1];
	const char *line;	/* the report's first line */
	size_t len;
	const char *module_line;
	size_t module_len;
};

/* what one record holds; only the strongest of it reaches the evidence */
struct bg_scan {
	bool shim;
	char shim_ext[BH_NAME_LEN + 1];
	char shim_op[BG_OP_LEN];
	uint64_t shim_version;
	const char *shim_line;
	size_t shim_len;

	struct bg_block block;		/* the report being read */
	struct bg_block crash;		/* the last crash block read */
	/* the first two blocks naming a module: one may be the last crash */
	struct bg_block named[2];
	unsigned int nr_named;

	bool marked;		/* a marker line was seen, not just pstore's header */
	const char *crash_line;	/* the first marker line, else pstore's header */
	size_t crash_len;
	bool oops, panic;
	int64_t time;		/* the latest time stamp, whole seconds; -1: none */
};

/* the block being read is complete: keep what it named */
static void block_close(struct bg_scan *s)
{
	struct bg_block *b = &s->block;

	if (b->module && s->nr_named < 2)
		s->named[s->nr_named++] = *b;
	if (b->kind == BG_BLOCK_CRASH)
		s->crash = *b;
	memset(b, 0, sizeof(*b));
}

static void block_open(struct bg_scan *s, enum bg_block_kind kind, const char *p,
		       size_t n)
{
	block_close(s);
	s->block.kind = kind;
	s->block.line = p;
	s->block.len = n;
}

static void scan_line(struct bg_scan *s, const char *p, size_t n, bool complete,
		      bool first)
{
	bool die, report, panic, header_oops, header_panic, rip;
	char name[BH_NAME_LEN + 1], op[BG_OP_LEN];
	struct bg_block *b = &s->block;
	uint64_t version;
	int64_t time;

	line_message(&p, &n, &time);
	if (time > s->time)
		s->time = time;
	if (!n)
		return;

	/* a cut shim line may carry a cut name or version: not evidence */
	if (!s->shim && complete && parse_shim_line(p, n, name, op, &version)) {
		s->shim = true;
		memcpy(s->shim_ext, name, sizeof(name));
		memcpy(s->shim_op, op, sizeof(op));
		s->shim_version = version;
		s->shim_line = p;
		s->shim_len = n;
		return;
	}

	/* "Oops: Oops: 0002 [#1]" on 6.12, "invalid opcode: 0000 [#1]" on 6.1 */
	die = span_has_word(p, n, "Oops:") ||
	      span_has_word(p, n, "general protection fault") || has_die_header(p, n);
	report = span_has_word(p, n, "BUG:") || span_has_word(p, n, "kernel BUG at");
	panic = span_has_word(p, n, "Kernel panic - not syncing");
	if (die || report || panic) {
		s->oops |= die || report;
		s->panic |= panic;
		if (!s->marked) {
			s->marked = true;
			s->crash_line = p;
			s->crash_len = n;
		}
	}
	if (panic) {
		/* the panic an oops ends in, or panic_on_warn's: the same report */
		if (b->kind == BG_BLOCK_CRASH ||
		    (b->kind != BG_BLOCK_NONE && memmem(p, n, "panic_on_warn", 13)))
			return;
		block_open(s, BG_BLOCK_CRASH, p, n);
		return;
	}
	if (die) {
		/* the oops its report line announced: "BUG: kernel NULL pointer ..." */
		if (b->kind == BG_BLOCK_REPORT && !b->trace)
			b->kind = BG_BLOCK_CRASH;
		else
			block_open(s, BG_BLOCK_CRASH, p, n);
		return;
	}
	if (report) {
		/* a soft lockup's registers are the stuck code's (softlockup_panic) */
		block_open(s, span_has_word(p, n, "soft lockup") ? BG_BLOCK_CRASH :
			   BG_BLOCK_REPORT, p, n);
		return;
	}
	if (span_starts(p, n, "WARNING:") || span_starts(p, n, "INFO: task ")) {
		block_open(s, BG_BLOCK_WARNING, p, n);
		return;
	}

	/* pstore's header names the dump's reason but opens no report */
	header_oops = first && pstore_header(p, n, "Oops#");
	header_panic = first && pstore_header(p, n, "Panic#");
	if (header_oops || header_panic) {
		s->oops |= header_oops;
		s->panic |= header_panic;
		s->crash_line = p;
		s->crash_len = n;
		return;
	}

	/*
	 * Stack lines outside a report are no crash's.  The shim's own frames
	 * surround every extension callback and never count.
	 */
	if (b->kind == BG_BLOCK_NONE)
		return;
	if (span_starts(p, n, "RIP: ") || span_starts(p, n, "Call Trace:") ||
	    span_starts(p, n, "Call trace:"))
		b->trace = true;
	if (b->module && b->module_rip)
		return;
	if (!parse_module_line(p, n, &rip, name))
		return;
	b->trace = true;
	if (!strcmp(name, BG_SHIM_MODULE) || (b->module && !rip))
		return;
	b->module = true;
	b->module_rip = rip;
	memcpy(b->module_name, name, sizeof(name));
	b->module_line = p;
	b->module_len = n;
}

/**
 * bg_evidence_scan_text() - read one pstore record's text
 * @text: the record's bytes, any bytes, not NUL-terminated
 * @len: their number
 * @origin: where they come from, for @ev->detail ("pstore/dmesg-ramoops-0")
 * @ev: evidence so far; raised if this record holds stronger evidence
 *
 * Within the record the first shim line counts (a later one comes from a
 * fault the first one caused, or from a later crash).  Else the last
 * crash block names the culprit: its first RIP line whose module is not
 * the shim's, else its first reliable call-trace frame with such a module;
 * else the crash is a panic.  Warnings and earlier reports name nobody:
 * the first of them that names a module goes to @ev->warning, for people,
 * if that is still empty.  The oops and panic flags are set whatever @ev
 * held before, and @ev->uptime rises to the record's latest kernel time
 * stamp: the crashed boot ran at least that long.
 */
void bg_evidence_scan_text(const char *text, size_t len, const char *origin,
			   struct bg_evidence *ev)
{
	struct bg_scan s = { .time = -1 };
	size_t off = 0;
	bool first = true;
	unsigned int i;

	if (!origin)
		origin = "";
	while (off < len) {
		const char *line = text + off;
		const char *nl = memchr(line, '\n', len - off);
		size_t n = nl ? (size_t)(nl - line) : len - off;

		off += n + (nl ? 1 : 0);
		scan_line(&s, line, n, nl != NULL, first);
		first = false;
	}
	block_close(&s);

	ev->oops |= s.oops;
	ev->panic |= s.panic;
	if (s.time > ev->uptime)
		ev->uptime = s.time;
	if (s.shim)
		ev_upgrade(ev, BG_EV_SHIM_FAULT, s.shim_ext, s.shim_op,
			   s.shim_version, origin, s.shim_line, s.shim_len);
	if (s.crash.module)
		ev_upgrade(ev, BG_EV_OOPS_MODULE, s.crash.module_name, "", 0, origin,
			   s.crash.module_line, s.crash.module_len);
	if (s.crash.kind == BG_BLOCK_CRASH)
		ev_upgrade(ev, BG_EV_PANIC, "", "", 0, origin, s.crash.line,
			   s.crash.len);
	else if (s.crash_line)
		ev_upgrade(ev, BG_EV_PANIC, "", "", 0, origin, s.crash_line,
			   s.crash_len);
	for (i = 0; i < s.nr_named && !ev->warning[0]; i++) {
		const struct bg_block *b = &s.named[i];

		if (b->line != s.crash.line) {
			set_warning(ev->warning, b->module_name, origin, b->line, b->len);
			break;
		}
	}
}

/* ---- gathering ------------------------------------------------------ */

/* add a problem that did not stop gathering to @msg, after earlier ones */
__attribute__((format(printf, 2, 3)))
static void msg_note(struct bulkhead_msg *msg, const char *fmt, ...)
{
	char line[BULKHEAD_MSG_LEN];
	size_t used, room, n;
	va_list ap;

	if (!msg)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	used = strnlen(msg->text, sizeof(msg->text) - 1);
	if (used) {
		n = sizeof(msg->text) - 1 - used < 2 ? sizeof(msg->text) - 1 - used : 2;
		memcpy(msg->text + used, "; ", n);
		used += n;
	}
	/* later problems are cut, never the first: it is the likeliest cause */
	room = sizeof(msg->text) - 1 - used;
	n = strnlen(line, room);
	memcpy(msg->text + used, line, n);
	msg->text[used + n] = '\0';
}

static void free_dirents(struct dirent **list, int n)
{
	int i;

	for (i = 0; i < n; i++)
		free(list[i]);
	free(list);
}

/*
 * Inflate @in with zlib's @window_bits (15: zlib-wrapped, -15: raw
 * deflate) into at most @max bytes.  Bytes after the end of the stream
 * are ignored: pstore appends its ECC notice to a record it could not
 * decompress.
 */
static int inflate_bytes(const uint8_t *in, size_t in_len, int window_bits,
			 size_t max, uint8_t **ret_buf, size_t *ret_len)
{
	_cleanup_free_ uint8_t *out = NULL;
	z_stream zs = {};
	size_t cap = 0;
	int err, r;

	if (in_len > UINT_MAX)
		return -EFBIG;
	r = inflateInit2(&zs, window_bits);
	if (r != Z_OK)
		return r == Z_MEM_ERROR ? -ENOMEM : -EINVAL;
	zs.next_in = (Bytef *)in;
	zs.avail_in = (uInt)in_len;
	for (;;) {
		if (!zs.avail_out) {
			size_t ncap = cap ? cap * 2 : 64 * 1024;
			uint8_t *p;

			if (cap >= max) {
				err = -EFBIG;
				break;
			}
			if (ncap > max)
				ncap = max;
			p = realloc(out, ncap);
			if (!p) {
				err = -ENOMEM;
				break;
			}
			out = p;
			zs.next_out = out + cap;
			zs.avail_out = (uInt)(ncap - cap);
			cap = ncap;
		}
		r = inflate(&zs, Z_NO_FLUSH);
		if (r == Z_STREAM_END) {
			err = 0;
			break;
		}
		if (r == Z_OK || (r == Z_BUF_ERROR && !zs.avail_out))
			continue;
		/* Z_BUF_ERROR with room left: the input ended mid-stream */
		err = r == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
		break;
	}
	inflateEnd(&zs);
	if (err)
		return err;
	*ret_len = cap - zs.avail_out;
	*ret_buf = TAKE_PTR(out);
	return 0;
}

/* pstore's "deflate" is raw deflate; take zlib-wrapped data as well */
static int inflate_record(const uint8_t *in, size_t in_len, uint8_t **ret_buf,
			  size_t *ret_len)
{
	int err;

	err = inflate_bytes(in, in_len, -MAX_WBITS, BG_RECORD_MAX, ret_buf, ret_len);
	if (err != -EBADMSG)
		return err;
	return inflate_bytes(in, in_len, MAX_WBITS, BG_RECORD_MAX, ret_buf, ret_len);
}

static int mkdir_0700(const char *path)
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

/* @path and its missing parents, 0700: the archive holds kernel logs */
static int mkdir_parents_0700(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	char *s;
	int err;

	if (!copy)
		return -ENOMEM;
	for (s = copy + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		err = mkdir_0700(copy);
		*s = '/';
		if (err)
			return err;
	}
	return mkdir_0700(copy);
}

/* crash dumps: "dmesg-ramoops-0", "dmesg-efi-176543210001", ... */
static bool record_is_dump(const char *name)
{
	return span_starts(name, strlen(name), BG_DUMP_PREFIX);
}

/*
 * Look in @dir for @name or one of its numbered siblings (NAME.1 ...)
 * holding exactly @buf.  An archived copy is never overwritten: a record
 * pstore reused the name of since it was archived goes beside it.
 *
 * Return: 1 with *@ret_path the identical copy; 0 with *@ret_path the
 * first free name; -EEXIST when every name holds something else; another
 * negative errno when a name cannot be looked up.
 */
static int archived_copy(const char *dir, const char *name, const void *buf,
			 size_t len, char **ret_path)
{
	unsigned int i;

	for (i = 0; i < BG_ARCHIVE_COPIES; i++) {
		_cleanup_free_ char *path = NULL;
		_cleanup_free_ uint8_t *old = NULL;
		size_t old_len = 0;
		struct stat st;
		int r;

		r = i ? asprintf(&path, "%s/%s.%u", dir, name, i) :
			asprintf(&path, "%s/%s", dir, name);
		if (r < 0) {
			path = NULL;
			return -ENOMEM;
		}
		if (lstat(path, &st) < 0) {
			if (errno != ENOENT)
				return -errno;
			*ret_path = TAKE_PTR(path);
			return 0;
		}
		/* something else, or another record's copy: never replaced */
		if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != len)
			continue;
		r = bulkhead_read_file(path, BG_RECORD_MAX, &old, &old_len, NULL);
		if (r == -ENOMEM)
			return r;
		if (!r && old_len == len && !memcmp(old, buf, len)) {
			*ret_path = TAKE_PTR(path);
			return 1;
		}
	}
	return -EEXIST;
}

static int archive_boot_dir(const char *archive_dir, uint64_t boot_id,
			    char **ret_dir)
{
	if (asprintf(ret_dir, "%s/boot-%" PRIu64, archive_dir, boot_id) < 0) {
		*ret_dir = NULL;
		return -ENOMEM;
	}
	return 0;
}

/*
 * archive_dir/boot-N/NAME, written crash-safely, directories 0700; a copy
 * already there (an earlier attempt at the same boot) is not written again.
 */
static int archive_record(const char *archive_dir, uint64_t boot_id,
			  const char *name, const void *buf, size_t len,
			  struct bulkhead_msg *msg)
{
	_cleanup_free_ char *dir = NULL, *path = NULL;
	int err;

	err = mkdir_parents_0700(archive_dir);
	if (err) {
		bulkhead_msg_set(msg, "%s: cannot create: %s", archive_dir,
				 strerror(-err));
		return err;
	}
	if (archive_boot_dir(archive_dir, boot_id, &dir))
		return -ENOMEM;
	err = mkdir_0700(dir);
	if (err) {
		bulkhead_msg_set(msg, "%s: cannot create: %s", dir, strerror(-err));
		return err;
	}
	err = archived_copy(dir, name, buf, len, &path);
	if (err == -EEXIST) {
		bulkhead_msg_set(msg, "%s/%s: %u other copies archived already", dir,
				 name, BG_ARCHIVE_COPIES);
		return err;
	}
	if (err < 0) {
		bulkhead_msg_set(msg, "%s/%s: cannot look for an archived copy: %s",
				 dir, name, strerror(-err));
		return err;
	}
	if (err == 1) {
		/* it may not have reached the disk when that attempt failed */
		err = bulkhead_fsync_dir(dir);
		if (err)
			bulkhead_msg_set(msg, "%s: cannot fsync: %s", dir, strerror(-err));
		return err;
	}
	return bulkhead_write_file_atomic(path, buf, len, 0600, msg);
}

/* one pstore record as read, and as it is scanned and archived */
struct bg_record {
	char *path;
	char *archive_name;	/* without .enc.z when inflated */
	uint8_t *raw;
	uint8_t *text;		/* inflated, if it was compressed */
	const uint8_t *keep;	/* what is scanned and archived */
	size_t keep_len;
	int inflate_err;	/* a .enc.z that did not inflate: kept as it is */
};

static void record_release(struct bg_record *r)
{
	free(r->path);
	free(r->archive_name);
	free(r->raw);
	free(r->text);
}

/*
 * Read the pstore record @name into @r, inflated when pstore could not
 * (@r->inflate_err says when that failed too).
 *
 * Return: 0; 1 when @name is no record (".", a directory, a link, gone);
 * -EFBIG when it is larger than a record can be; another negative errno
 * when it cannot be read.  @msg says why on every negative return.
 */
static int record_load(const char *pstore_dir, const char *name,
		       struct bg_record *r, struct bulkhead_msg *msg)
{
	size_t nl = strlen(name), sl = strlen(BG_COMPRESSED_SUFFIX), len = 0;
	struct stat st;
	int err;

	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 1;
	if (asprintf(&r->path, "%s/%s", pstore_dir, name) < 0) {
		r->path = NULL;
		goto err_nomem;
	}
	if (lstat(r->path, &st) < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 1;
		bulkhead_msg_set(msg, "%s: cannot stat: %s", r->path, strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode))
		return 1;
	err = bulkhead_read_file(r->path, BG_RECORD_MAX, &r->raw, &len, msg);
	if (err == -ENOENT)
		return 1;
	if (err)
		return err;
	r->archive_name = strdup(name);
	if (!r->archive_name)
		goto err_nomem;
	r->keep = r->raw;
	r->keep_len = len;
	if (nl > sl && span_ends(name, nl, BG_COMPRESSED_SUFFIX)) {
		err = inflate_record(r->raw, len, &r->text, &r->keep_len);
		if (err == -ENOMEM)
			goto err_nomem;
		if (err) {
			r->inflate_err = err;
			r->keep_len = len;
		} else {
			r->archive_name[nl - sl] = '\0';
			r->keep = r->text;
		}
	}
	return 0;

err_nomem:
	bulkhead_msg_set(msg, "%s/%s: out of memory", pstore_dir, name);
	return -ENOMEM;
}

/*
 * One pstore file: read it, inflate it if the kernel could not, scan it
 * if it is a crash dump, archive it.  It stays in pstore until
 * bg_evidence_erase().  Problems that leave the evidence intact are noted
 * in @msg and do not fail the gathering; a file that exists and cannot be
 * read does.
 */
static int pstore_record(const struct bg_sources *src, uint64_t boot_id,
			 const char *name, struct bg_evidence *ev,
			 struct bulkhead_msg *msg)
{
	_cleanup_(record_release) struct bg_record r = {};
	_cleanup_free_ char *origin = NULL;
	struct bulkhead_msg m = {};
	int err;

	err = record_load(src->pstore_dir, name, &r, &m);
	if (err == 1)
		return 0;
	if (err == -EFBIG) {
		/* not a record pstore writes; leave it for a person */
		msg_note(msg, "%s (left in place)", m.text);
		return 0;
	}
	if (err) {
		bulkhead_msg_set(msg, "%s", m.text);
		return err;
	}
	if (r.inflate_err) {
		/* archived as it is: nothing is lost, nothing counted */
		msg_note(msg, "%s: cannot inflate (%s): not scanned", r.path,
			 strerror(-r.inflate_err));
	} else if (record_is_dump(name)) {
		/* console, pmsg, ftrace: a log, not a crash's dump */
		if (asprintf(&origin, "pstore/%s", name) < 0) {
			origin = NULL;
			goto err_nomem;
		}
		bg_evidence_scan_text((const char *)r.keep, r.keep_len, origin, ev);
	}

	if (!src->archive_dir)
		return 0;
	m.text[0] = '\0';
	err = archive_record(src->archive_dir, boot_id, r.archive_name, r.keep,
			     r.keep_len, &m);
	if (err == -ENOMEM)
		goto err_nomem;
	if (err)
		/* never erased, as it was not saved; the next boot reads it again */
		msg_note(msg, "%s: kept in pstore, archiving failed: %s", r.path, m.text);
	return 0;

err_nomem:
	bulkhead_msg_set(msg, "%s/%s: out of memory", src->pstore_dir, name);
	return -ENOMEM;
}

/* call @fn for every entry of @src->pstore_dir, in version order, until one fails */
static int for_each_pstore_record(const struct bg_sources *src,
				  int (*fn)(const struct bg_sources *src,
					    const char *name, void *arg),
				  void *arg, struct bulkhead_msg *msg)
{
	struct dirent **list = NULL;
	int n, i, err = 0;

	/* version order: dmesg-ramoops-2 before dmesg-ramoops-10 */
	n = scandir(src->pstore_dir, &list, NULL, versionsort);
	if (n < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		bulkhead_msg_set(msg, "%s: cannot list: %s", src->pstore_dir,
				 strerror(-err));
		return err;
	}
	for (i = 0; i < n && !err; i++)
		err = fn(src, list[i]->d_name, arg);
	free_dirents(list, n);
	return err;
}

struct bg_gather {
	uint64_t boot_id;
	struct bg_evidence *ev;
	struct bulkhead_msg *msg;
};

static int gather_one(const struct bg_sources *src, const char *name, void *arg)
{
	struct bg_gather *g = arg;

	return pstore_record(src, g->boot_id, name, g->ev, g->msg);
}

static int gather_pstore(const struct bg_sources *src, uint64_t boot_id,
			 struct bg_evidence *ev, struct bulkhead_msg *msg)
{
	struct bg_gather g = { .boot_id = boot_id, .ev = ev, .msg = msg };

	return for_each_pstore_record(src, gather_one, &g, msg);
}

struct bg_erase {
	const char *boot_dir;
	struct bulkhead_msg *msg;
};

/* unlink one record if its identical copy is archived; else leave it */
static int erase_one(const struct bg_sources *src, const char *name, void *arg)
{
	_cleanup_(record_release) struct bg_record r = {};
	_cleanup_free_ char *copy = NULL;
	struct bg_erase *e = arg;
	struct bulkhead_msg m = {};
	int err;

	err = record_load(src->pstore_dir, name, &r, &m);
	/* no record, or one gathering left in place and said so */
	if (err == 1 || err == -EFBIG)
		return 0;
	if (err == -ENOMEM) {
		bulkhead_msg_set(e->msg, "%s", m.text);
		return err;
	}
	if (err) {
		msg_note(e->msg, "%s: not erased", m.text);
		return 0;
	}
	err = archived_copy(e->boot_dir, r.archive_name, r.keep, r.keep_len, &copy);
	if (err == -ENOMEM) {
		bulkhead_msg_set(e->msg, "%s: out of memory", r.path);
		return err;
	}
	/* not archived (gathering said why), changed or new since: it stays */
	if (err < 0 && err != -EEXIST && err != -ENOTDIR)
		msg_note(e->msg, "%s: not erased: cannot look for its copy in %s: %s",
			 r.path, e->boot_dir, strerror(-err));
	if (err != 1)
		return 0;
	if (unlink(r.path) < 0)
		msg_note(e->msg, "%s: archived but not erased: %s", r.path,
			 strerror(errno));
	return 0;
}

/**
 * bg_evidence_erase() - let pstore go of the records gathering archived
 * @src: the sources bg_evidence_gather() was given; only @src->pstore_dir
 *	and @src->archive_dir are used, and without either nothing is erased
 * @boot_id: the boot they were archived for
 * @msg: on failure the reason; on success empty, or the records that
 *	could not be erased ("archived but not erased"), for the caller to log
 *
 * Call it once the decision that used the evidence is saved: until then a
 * failed save leaves the evidence in pstore for the next attempt.  A
 * record is unlinked, which erases it from the pstore backend, only when
 * @src->archive_dir/boot-@boot_id holds an identical copy (inflated
 * again to compare, when pstore could not).  Anything else stays for the
 * next boot: a record gathering could not archive or left in place, one
 * that changed or appeared since.
 *
 * Return: 0, or a negative errno when the pstore directory exists and
 * cannot be listed, or memory ran out.
 */
int bg_evidence_erase(const struct bg_sources *src, uint64_t boot_id,
		      struct bulkhead_msg *msg)
{
	_cleanup_free_ char *dir = NULL;
	struct bg_erase e = { .msg = msg };

	if (msg)
		msg->text[0] = '\0';
	if (!src->pstore_dir || !src->archive_dir)
		return 0;
	if (archive_boot_dir(src->archive_dir, boot_id, &dir)) {
		bulkhead_msg_set(msg, "%s: out of memory", src->archive_dir);
		return -ENOMEM;
	}
	e.boot_dir = dir;
	return for_each_pstore_record(src, erase_one, &e, msg);
}

static int watchdog_entry(const struct dirent *d)
{
	return !strncmp(d->d_name, "watchdog", strlen("watchdog"));
}

static int gather_watchdog(const char *dir, struct bg_evidence *ev,
			   struct bulkhead_msg *msg)
{
	struct dirent **list = NULL;
	int n, i, err = 0;

	n = scandir(dir, &list, watchdog_entry, versionsort);
	if (n < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		bulkhead_msg_set(msg, "%s: cannot list: %s", dir, strerror(-err));
		return err;
	}
	for (i = 0; i < n; i++) {
		_cleanup_free_ char *path = NULL;
		_cleanup_free_ uint8_t *buf = NULL;
		struct bulkhead_msg m = {};
		const char *p;
		uint64_t status;
		size_t len = 0;

		if (asprintf(&path, "%s/%s/bootstatus", dir, list[i]->d_name) < 0) {
			path = NULL;
			bulkhead_msg_set(msg, "%s: out of memory", dir);
			err = -ENOMEM;
			break;
		}
		err = bulkhead_read_file(path, BG_BOOTSTATUS_MAX, &buf, &len, &m);
		if (err == -ENOENT || err == -ENOTDIR) {
			err = 0;
			continue;
		}
		if (err) {
			bulkhead_msg_set(msg, "%s", m.text);
			break;
		}
		/* sysfs prints "%u\n" */
		p = (const char *)buf;
		while (len && (is_blank(p[len - 1]) || p[len - 1] == '\n'))
			len--;
		if (!parse_u64(p, len, &status)) {
			msg_note(msg, "%s: not a number", path);
			continue;
		}
		if (status & WDIOF_CARDRESET) {
			ev->watchdog_reset = true;
			ev_upgrade(ev, BG_EV_WATCHDOG, "", "", 0, path, p, len);
		}
	}
	free_dirents(list, n);
	return err;
}

/*
 * The last @max bytes of @path, from the first line that starts inside
 * them.  The journal is only ever appended to, so the boot in question is
 * at its end however long it grew.
 */
static int read_tail(const char *path, size_t max, char **ret_buf,
		     size_t *ret_len, struct bulkhead_msg *msg)
{
	_cleanup_free_ uint8_t *buf = NULL;
	size_t len, skip = 0;
	off_t start;
	int err;

	/* one byte more than the window: the byte before it, if any */
	err = bulkhead_read_file_tail(path, max + 1, &buf, &len, &start, msg);
	if (err)
		return err;
	if (start > 0 && len) {
		/* the window starts mid-line unless the byte before it ends one */
		if (buf[0] == '\n') {
			skip = 1;
		} else {
			const uint8_t *nl = memchr(buf, '\n', len);

			skip = nl ? (size_t)(nl - buf) + 1 : len;
		}
		memmove(buf, buf + skip, len - skip);
		len -= skip;
	}
	*ret_buf = (char *)TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

struct bg_step {
	char op[BG_OP_LEN];
	char name[BH_NAME_LEN + 1];
	uint64_t version;
	const char *line;
	size_t len;
};

/* "BOOT_ID begin|end OP NAME VERSION", exactly five tokens */
static bool parse_journal_line(const char *p, size_t n, uint64_t *boot,
			       bool *begin, struct bg_step *step)
{
	const char *tok[5];
	size_t tl[5];
	int i;

	for (i = 0; i < 5; i++)
		if (!next_token(&p, &n, &tok[i], &tl[i]))
			return false;
	skip_blanks(&p, &n);
	if (n)
		return false;
	if (!parse_u64(tok[0], tl[0], boot))
		return false;
	if (tl[1] == 5 && !memcmp(tok[1], "begin", 5))
		*begin = true;
	else if (tl[1] == 3 && !memcmp(tok[1], "end", 3))
		*begin = false;
	else
		return false;
	return parse_op(tok[2], tl[2], step->op) &&
	       parse_name(tok[3], tl[3], step->name) &&
	       parse_u64(tok[4], tl[4], &step->version);
}

static bool step_same(const struct bg_step *a, const struct bg_step *b)
{
	return a->version == b->version && !strcmp(a->op, b->op) &&
	       !strcmp(a->name, b->name);
}

static int gather_journal(const char *path, uint64_t boot_id,
			  struct bg_evidence *ev, struct bulkhead_msg *msg)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct bg_step *open_steps = NULL;
	size_t len = 0, off = 0, nr_open = 0, cap = 0;
	struct bulkhead_msg m = {};
	int err;

	err = read_tail(path, BG_JOURNAL_TAIL, &text, &len, &m);
	if (err == -ENOENT)
		return 0;
	if (err) {
		bulkhead_msg_set(msg, "%s", m.text);
		return err;
	}
	for (;;) {
		const char *line = text + off;
		const char *nl = off < len ? memchr(line, '\n', len - off) : NULL;
		struct bg_step step = {};
		uint64_t boot;
		bool begin;
		size_t n;

		/* no newline: the loader died mid-write, the line never was */
		if (!nl)
			break;
		n = (size_t)(nl - line);
		off += n + 1;
		if (!parse_journal_line(line, n, &boot, &begin, &step) ||
		    boot != boot_id)
			continue;
		step.line = line;
		step.len = n;
		if (begin) {
			if (nr_open == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct bg_step *p;

				p = reallocarray(open_steps, ncap, sizeof(*p));
				if (!p) {
					bulkhead_msg_set(msg, "%s: out of memory", path);
					return -ENOMEM;
				}
				open_steps = p;
				cap = ncap;
			}
			open_steps[nr_open++] = step;
		} else {
			size_t i;

			/* an end closes the latest open begin of the same step */
			for (i = nr_open; i-- > 0;) {
				if (step_same(&open_steps[i], &step)) {
					memmove(&open_steps[i], &open_steps[i + 1],
						(nr_open - i - 1) * sizeof(*open_steps));
					nr_open--;
					break;
				}
			}
		}
	}
	if (nr_open) {
		const struct bg_step *s = &open_steps[nr_open - 1];

		ev_upgrade(ev, BG_EV_LOADER, s->name, s->op, s->version, path,
			   s->line, s->len);
	}
	return 0;
}

/**
 * bg_evidence_gather() - collect the evidence one boot left behind
 * @src: where to look; a NULL path skips that source, a missing file or
 *	directory is no evidence
 * @boot_id: the boot the evidence is for: journal lines of other boots are
 *	ignored, and archived records go to @src->archive_dir/boot-@boot_id
 * @ret: the strongest evidence, written on success only
 * @msg: on failure the reason; on success empty, or the problems that did
 *	not stop gathering ("kept in pstore, archiving failed", "cannot
 *	inflate", ...), separated by "; ", for the caller to log
 *
 * Order: pstore records (in version order of their names), watchdogs,
 * the loader journal.  With @src->archive_dir set, each pstore record is
 * saved (decompressed when pstore could not) to
 * @src->archive_dir/boot-@boot_id, once however often it is gathered, and
 * left in pstore: bg_evidence_erase() lets it go once the decision that
 * used it is saved.
 *
 * Return: 0, or a negative errno when a source that exists cannot be read.
 */
int bg_evidence_gather(const struct bg_sources *src, uint64_t boot_id,
		       struct bg_evidence *ret, struct bulkhead_msg *msg)
{
	struct bg_evidence ev = {};
	int err;

	if (msg)
		msg->text[0] = '\0';
	if (src->pstore_dir) {
		err = gather_pstore(src, boot_id, &ev, msg);
		if (err)
			return err;
	}
	if (src->watchdog_dir) {
		err = gather_watchdog(src->watchdog_dir, &ev, msg);
		if (err)
			return err;
	}
	if (src->journal_path) {
		err = gather_journal(src->journal_path, boot_id, &ev, msg);
		if (err)
			return err;
	}
	*ret = ev;
	return 0;
}
