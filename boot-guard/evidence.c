// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * evidence.c - read what a failed boot left behind and name the strongest
 * piece of it (DESIGN.md, "Evidence, strongest first"; the rules in full,
 * with examples, are in docs/evidence.md).
 *
 * Three places are read, each optional:
 *
 *  - pstore records (the kernel log tail the crashed kernel dumped): the
 *    shim's "bulkhead: fault ..." line, oops and panic markers, and RIP
 *    and call-trace lines naming a module.  Each record is archived and
 *    then unlinked, which erases it from the pstore backend, so the next
 *    boot does not count the same crash again.
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

const char *bg_evidence_kind_name(enum bg_evidence_kind kind)
{
	switch (kind) {
	case BG_EV_NONE:
		return "none";
	case BG_EV_WATCHDOG:
		return "watchdog";
	case BG_EV_PANIC:
		return "panic";
	case BG_EV_LOADER:
		return "loader";
	case BG_EV_OOPS_MODULE:
		return "oops-module";
	case BG_EV_SHIM_FAULT:
		return "shim-fault";
	}
	return "invalid";
}

/**
 * bg_evidence_certain() - does @ev name its culprit beyond doubt
 * @ev: gathered evidence
 *
 * The shim's line, an oops in a module and a loader step that never ended
 * each name one extension; a panic or a watchdog reset names none.
 */
bool bg_evidence_certain(const struct bg_evidence *ev)
{
	if (!ev->extension[0])
		return false;
	return ev->kind == BG_EV_SHIM_FAULT || ev->kind == BG_EV_OOPS_MODULE ||
	       ev->kind == BG_EV_LOADER;
}

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

/*
 * The message of one log line: without the "<N>" level, the
 * "[   12.345678]" time, a "[  T123]" or "[    C1]" caller id, and blanks
 * on either side.  Lines without any of these pass unchanged.
 */
static void line_message(const char **pp, size_t *pn)
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

/* what one record holds; only the strongest of it reaches the evidence */
struct bg_scan {
	bool shim;
	char shim_ext[BH_NAME_LEN + 1];
	char shim_op[BG_OP_LEN];
	uint64_t shim_version;
	const char *shim_line;
	size_t shim_len;

	/* module attribution counts only after an oops or panic marker */
	bool crashed;	/* a marker line was seen (not just pstore's header) */
	bool module, module_rip;
	char module_name[BH_NAME_LEN + 1];
	const char *module_line;
	size_t module_len;

	const char *crash_line;
	size_t crash_len;
	bool oops, panic;
};

static void scan_line(struct bg_scan *s, const char *p, size_t n, bool complete,
		      bool first)
{
	bool marker_oops, marker_panic, header_oops, header_panic, rip;
	char name[BH_NAME_LEN + 1], op[BG_OP_LEN];
	uint64_t version;

	line_message(&p, &n);
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

	/* "Oops: Oops: 0002 [#1]" on 6.12: any of these opens a crash */
	marker_oops = span_has_word(p, n, "Oops:") || span_has_word(p, n, "BUG:") ||
		      span_has_word(p, n, "general protection fault") ||
		      span_has_word(p, n, "kernel BUG at");
	marker_panic = span_has_word(p, n, "Kernel panic - not syncing");
	/* pstore's header names the dump's reason but opens no trace */
	header_oops = first && pstore_header(p, n, "Oops#");
	header_panic = first && pstore_header(p, n, "Panic#");
	if (marker_oops || marker_panic) {
		s->oops |= marker_oops;
		s->panic |= marker_panic;
		if (!s->crashed) {
			s->crashed = true;
			s->crash_line = p;
			s->crash_len = n;
		}
		return;
	}
	if (header_oops || header_panic) {
		s->oops |= header_oops;
		s->panic |= header_panic;
		s->crash_line = p;
		s->crash_len = n;
		return;
	}

	/*
	 * Stack lines before any marker belong to an earlier WARN or hung
	 * task report in the log tail, not to this crash.  The shim's own
	 * frames surround every extension callback and never count.
	 */
	if (!s->crashed || (s->module && s->module_rip))
		return;
	if (!parse_module_line(p, n, &rip, name) || !strcmp(name, BG_SHIM_MODULE))
		return;
	if (s->module && !rip)
		return;
	s->module = true;
	s->module_rip = rip;
	memcpy(s->module_name, name, sizeof(name));
	s->module_line = p;
	s->module_len = n;
}

/**
 * bg_evidence_scan_text() - read one pstore record's text
 * @text: the record's bytes, any bytes, not NUL-terminated
 * @len: their number
 * @origin: where they come from, for @ev->detail ("pstore/dmesg-ramoops-0")
 * @ev: evidence so far; raised if this record holds stronger evidence
 *
 * Within the record the first shim line counts (a later one comes from a
 * fault the first one caused, or from a later crash); else the first RIP line
 * after a crash marker whose module is not the shim's; else the first
 * reliable call-trace frame with such a module; else the crash marker.
 * The oops and panic flags are set whatever @ev held before.
 */
void bg_evidence_scan_text(const char *text, size_t len, const char *origin,
			   struct bg_evidence *ev)
{
	struct bg_scan s = {};
	size_t off = 0;
	bool first = true;

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

	ev->oops |= s.oops;
	ev->panic |= s.panic;
	if (s.shim)
		ev_upgrade(ev, BG_EV_SHIM_FAULT, s.shim_ext, s.shim_op,
			   s.shim_version, origin, s.shim_line, s.shim_len);
	if (s.module)
		ev_upgrade(ev, BG_EV_OOPS_MODULE, s.module_name, "", 0, origin,
			   s.module_line, s.module_len);
	if (s.crash_line)
		ev_upgrade(ev, BG_EV_PANIC, "", "", 0, origin, s.crash_line,
			   s.crash_len);
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

/* archive_dir/boot-N/NAME, written crash-safely, directories 0700 */
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
	if (asprintf(&dir, "%s/boot-%" PRIu64, archive_dir, boot_id) < 0) {
		dir = NULL;
		return -ENOMEM;
	}
	err = mkdir_0700(dir);
	if (err) {
		bulkhead_msg_set(msg, "%s: cannot create: %s", dir, strerror(-err));
		return err;
	}
	if (asprintf(&path, "%s/%s", dir, name) < 0) {
		path = NULL;
		return -ENOMEM;
	}
	return bulkhead_write_file_atomic(path, buf, len, 0600, msg);
}

/*
 * One pstore file: read it, inflate it if the kernel could not, scan it,
 * archive it, erase it.  Problems that leave the evidence intact are
 * noted in @msg and do not fail the gathering; a file that exists and
 * cannot be read does.
 */
static int pstore_record(const struct bg_sources *src, uint64_t boot_id,
			 const char *name, struct bg_evidence *ev,
			 struct bulkhead_msg *msg)
{
	_cleanup_free_ char *path = NULL, *origin = NULL, *archive_name = NULL;
	_cleanup_free_ uint8_t *raw = NULL, *text = NULL;
	struct bulkhead_msg m = {};
	size_t raw_len = 0, text_len = 0;
	const uint8_t *keep;
	size_t keep_len;
	bool scan = true;
	struct stat st;
	int err;

	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return 0;
	if (asprintf(&path, "%s/%s", src->pstore_dir, name) < 0) {
		path = NULL;
		goto err_nomem;
	}
	if (lstat(path, &st) < 0) {
		err = -errno;
		if (err == -ENOENT)
			return 0;
		bulkhead_msg_set(msg, "%s: cannot stat: %s", path, strerror(-err));
		return err;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	err = bulkhead_read_file(path, BG_RECORD_MAX, &raw, &raw_len, &m);
	if (err == -ENOENT)
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

	keep = raw;
	keep_len = raw_len;
	archive_name = strdup(name);
	if (!archive_name)
		goto err_nomem;
	if (strlen(name) > strlen(BG_COMPRESSED_SUFFIX) &&
	    span_ends(name, strlen(name), BG_COMPRESSED_SUFFIX)) {
		err = inflate_record(raw, raw_len, &text, &text_len);
		if (err == -ENOMEM)
			goto err_nomem;
		if (err) {
			/* archived as it is: nothing is lost, nothing counted */
			msg_note(msg, "%s: cannot inflate (%s): not scanned", path,
				 strerror(-err));
			scan = false;
		} else {
			archive_name[strlen(name) - strlen(BG_COMPRESSED_SUFFIX)] = '\0';
			keep = text;
			keep_len = text_len;
		}
	}
	if (scan) {
		if (asprintf(&origin, "pstore/%s", name) < 0) {
			origin = NULL;
			goto err_nomem;
		}
		bg_evidence_scan_text((const char *)keep, keep_len, origin, ev);
	}

	if (!src->archive_dir)
		return 0;
	m.text[0] = '\0';
	err = archive_record(src->archive_dir, boot_id, archive_name, keep,
			     keep_len, &m);
	if (err == -ENOMEM)
		goto err_nomem;
	if (err) {
		/* never erase what was not saved; the next boot reads it again */
		msg_note(msg, "%s: kept in pstore, archiving failed: %s", path, m.text);
		return 0;
	}
	if (unlink(path) < 0)
		msg_note(msg, "%s: archived but not erased: %s", path, strerror(errno));
	return 0;

err_nomem:
	bulkhead_msg_set(msg, "%s/%s: out of memory", src->pstore_dir, name);
	return -ENOMEM;
}

static int gather_pstore(const struct bg_sources *src, uint64_t boot_id,
			 struct bg_evidence *ev, struct bulkhead_msg *msg)
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
		err = pstore_record(src, boot_id, list[i]->d_name, ev, msg);
	free_dirents(list, n);
	return err;
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
 *	not stop gathering ("archived but not erased", "cannot inflate", ...),
 *	separated by "; ", for the caller to log
 *
 * Order: pstore records (in version order of their names), watchdogs,
 * the loader journal.  With @src->archive_dir set, each pstore record is
 * saved (decompressed when pstore could not) and then unlinked, which
 * erases it from the pstore backend.
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
