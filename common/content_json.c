// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * content_json.c - build content files from JSON source, and dump them
 * back to the same JSON.
 *
 * The build is strict: unknown keys, wrong JSON types, out-of-range
 * numbers and bad names are refused with the JSON path of the offender.
 * It encodes what the source says even where no schema would accept it
 * (a 21-field record is a fine thing to build for a test), but it never
 * writes a file whose structure lib/ would refuse: the result goes
 * through bh_content_validate() without a schema before it is returned.
 * Dump prints the fields in the same order and form, so build -> dump ->
 * build reproduces the file byte for byte.
 */
#include <errno.h>
#include <string.h>

#include "content_json.h"

struct obuf {
	uint8_t *p;
	size_t len;
	size_t cap;
	bool oom;
};

static uint8_t *obuf_grow(struct obuf *b, size_t n)
{
	uint8_t *at;

	if (b->oom)
		return NULL;
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		uint8_t *p;

		while (cap - b->len < n) {
			if (cap > SIZE_MAX / 2) {
				b->oom = true;
				return NULL;
			}
			cap *= 2;
		}
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = true;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	at = b->p + b->len;
	b->len += n;
	return at;
}

static void obuf_put(struct obuf *b, const void *src, size_t n)
{
	uint8_t *at = obuf_grow(b, n);

	if (at && n)
		memcpy(at, src, n);
}

static void put_le16(uint8_t *p, uint16_t v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static void put_le32(uint8_t *p, uint32_t v)
{
	v = htole32(v);
	memcpy(p, &v, sizeof(v));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	v = htole64(v);
	memcpy(p, &v, sizeof(v));
}

static void obuf_u8(struct obuf *b, uint8_t v)
{
	obuf_put(b, &v, 1);
}

static void obuf_le16(struct obuf *b, uint16_t v)
{
	uint8_t *at = obuf_grow(b, 2);

	if (at)
		put_le16(at, v);
}

static void obuf_le32(struct obuf *b, uint32_t v)
{
	uint8_t *at = obuf_grow(b, 4);

	if (at)
		put_le32(at, v);
}

static void obuf_le64(struct obuf *b, uint64_t v)
{
	uint8_t *at = obuf_grow(b, 8);

	if (at)
		put_le64(at, v);
}

/*
 * json-c clamps an integer literal beyond 2^64 - 1 to that value instead
 * of failing (its json_parse_uint64() ignores ERANGE), which would turn a
 * pipeline's overflow into the largest content version there is.  Find
 * such literals in the raw text first: outside strings, a run of more
 * than 20 digits, or 20 digits above "18446744073709551615", that is not
 * part of a fraction or exponent.  Return its offset, or -1.
 */
static long long json_find_overflow(const char *text, size_t len)
{
	static const char max[] = "18446744073709551615";
	bool in_string = false;
	size_t i = 0, start, n;

	while (i < len) {
		char c = text[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = false;
			i++;
			continue;
		}
		if (c == '"') {
			in_string = true;
			i++;
			continue;
		}
		if (c < '0' || c > '9') {
			i++;
			continue;
		}
		start = i;
		while (i < len && text[i] >= '0' && text[i] <= '9')
			i++;
		n = i - start;
		if (i < len && strchr(".eE", text[i]))
			continue;	/* a double: json-c types it as such */
		if (n > sizeof(max) - 1 ||
		    (n == sizeof(max) - 1 && memcmp(text + start, max, n) > 0))
			return (long long)start;
	}
	return -1;
}

/**
 * bulkhead_json_parse() - strict JSON parse of a whole document
 * @text: the JSON text
 * @len: its length
 * @origin: where it came from, for messages
 * @ret: the document, written on success only (json_object_put() it)
 * @msg: the reason on failure, with the line
 *
 * Return: 0 or -EINVAL.
 */
int bulkhead_json_parse(const char *text, size_t len, const char *origin,
			struct json_object **ret, struct bulkhead_msg *msg)
{
	struct json_tokener *tok;
	struct json_object *obj;
	enum json_tokener_error jerr;
	size_t end, i, line = 1;

	long long bad;

	if (len > INT32_MAX) {
		bulkhead_msg_set(msg, "source %s: larger than 2 GiB", origin);
		return -EFBIG;
	}
	bad = json_find_overflow(text, len);
	if (bad >= 0) {
		for (i = 0; i < (size_t)bad; i++)
			line += text[i] == '\n';
		bulkhead_msg_set(msg, "source %s: line %zu: integer larger than %llu",
				 origin, line, (unsigned long long)UINT64_MAX);
		return -EINVAL;
	}
	tok = json_tokener_new();
	if (!tok) {
		bulkhead_msg_set(msg, "source %s: out of memory", origin);
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	obj = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (!obj && jerr == json_tokener_continue)
		jerr = json_tokener_error_parse_eof;
	if (obj) {
		/* only whitespace may follow the document */
		for (i = end; i < len; i++) {
			if (!strchr(" \t\r\n", text[i])) {
				json_object_put(obj);
				obj = NULL;
				jerr = json_tokener_error_parse_unexpected;
				end = i;
				break;
			}
		}
	}
	if (!obj) {
		for (i = 0; i < end && i < len; i++)
			line += text[i] == '\n';
		bulkhead_msg_set(msg, "source %s: line %zu: invalid JSON: %s", origin,
				 line, json_tokener_error_desc(jerr));
		return -EINVAL;
	}
	*ret = obj;
	return 0;
}

static int get_uint(struct json_object *o, uint64_t max, uint64_t *ret)
{
	uint64_t v;

	if (!o || json_object_get_type(o) != json_type_int)
		return -EINVAL;
	if (json_object_get_int64(o) < 0)
		return -ERANGE;
	errno = 0;
	v = json_object_get_uint64(o);
	if (errno || v > max)
		return -ERANGE;
	*ret = v;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

struct build_ctx {
	const char *origin;
	struct obuf out;
	struct bulkhead_msg *msg;
};

/* encode one {"TYPE": value} field object of records[r].fields[f] */
static int build_field(struct build_ctx *bc, struct json_object *fo, size_t r,
		       size_t f)
{
	const char *key = NULL, *s;
	struct json_object *val = NULL;
	uint64_t v;
	size_t n, i;
	int type;

	if (json_object_get_type(fo) != json_type_object ||
	    json_object_object_length(fo) != 1)
		goto err_shape;
	json_object_object_foreach(fo, k, vo) {
		key = k;
		val = vo;
	}
	type = bh_field_type_from_name(key);
	switch (type) {
	case BH_FT_U32:
	case BH_FT_U64:
		if (get_uint(val, type == BH_FT_U32 ? UINT32_MAX : UINT64_MAX, &v)) {
			bulkhead_msg_set(bc->msg, "source %s: records[%zu].fields[%zu]: %s needs an integer from 0 to %llu",
					 bc->origin, r, f, key,
					 type == BH_FT_U32 ? (unsigned long long)UINT32_MAX :
					 (unsigned long long)UINT64_MAX);
			return -EINVAL;
		}
		obuf_u8(&bc->out, (uint8_t)type);
		if (type == BH_FT_U32)
			obuf_le32(&bc->out, (uint32_t)v);
		else
			obuf_le64(&bc->out, v);
		return 0;
	case BH_FT_STRING:
	case BH_FT_BYTES:
		if (json_object_get_type(val) != json_type_string) {
			bulkhead_msg_set(bc->msg, "source %s: records[%zu].fields[%zu]: %s needs a JSON string",
					 bc->origin, r, f, key);
			return -EINVAL;
		}
		s = json_object_get_string(val);
		n = (size_t)json_object_get_string_len(val);
		if (type == BH_FT_BYTES) {
			if (n % 2) {
				bulkhead_msg_set(bc->msg, "source %s: records[%zu].fields[%zu]: bytes need an even number of hex digits",
						 bc->origin, r, f);
				return -EINVAL;
			}
			n /= 2;
		}
		if (n > BH_MAX_VARLEN) {
			bulkhead_msg_set(bc->msg, "source %s: records[%zu].fields[%zu]: %s of %zu bytes, the format allows %d",
					 bc->origin, r, f, key, n, BH_MAX_VARLEN);
			return -EINVAL;
		}
		obuf_u8(&bc->out, (uint8_t)type);
		obuf_le16(&bc->out, (uint16_t)n);
		if (type == BH_FT_STRING) {
			obuf_put(&bc->out, s, n);
			return 0;
		}
		for (i = 0; i < n; i++) {
			int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				bulkhead_msg_set(bc->msg, "source %s: records[%zu].fields[%zu]: bytes: '%c%c' at position %zu is not lowercase hex",
						 bc->origin, r, f, s[2 * i], s[2 * i + 1], 2 * i);
				return -EINVAL;
			}
			obuf_u8(&bc->out, (uint8_t)(hi << 4 | lo));
		}
		return 0;
	default:
		break;
	}
err_shape:
	bulkhead_msg_set(bc->msg, "source %s: records[%zu].fields[%zu]: expected one of {\"u32\": N}, {\"u64\": N}, {\"string\": S}, {\"bytes\": HEX}",
			 bc->origin, r, f);
	return -EINVAL;
}

static int build_record(struct build_ctx *bc, struct json_object *ro, size_t r)
{
	struct json_object *tmpl = NULL, *fields = NULL;
	size_t start = bc->out.len, nf, f;
	uint64_t tid;
	int err;

	if (json_object_get_type(ro) != json_type_object) {
		bulkhead_msg_set(bc->msg, "source %s: records[%zu]: expected an object", bc->origin, r);
		return -EINVAL;
	}
	json_object_object_foreach(ro, k, v) {
		if (!strcmp(k, "template")) {
			tmpl = v;
		} else if (!strcmp(k, "fields")) {
			fields = v;
		} else {
			bulkhead_msg_set(bc->msg, "source %s: records[%zu]: unknown key '%s' (template, fields)",
					 bc->origin, r, k);
			return -EINVAL;
		}
	}
	if (get_uint(tmpl, UINT16_MAX, &tid)) {
		bulkhead_msg_set(bc->msg, "source %s: records[%zu]: 'template' must be an integer id from 0 to %u",
				 bc->origin, r, UINT16_MAX);
		return -EINVAL;
	}
	if (!fields || json_object_get_type(fields) != json_type_array) {
		bulkhead_msg_set(bc->msg, "source %s: records[%zu]: 'fields' must be an array", bc->origin, r);
		return -EINVAL;
	}
	nf = json_object_array_length(fields);
	if (nf > UINT16_MAX) {
		bulkhead_msg_set(bc->msg, "source %s: records[%zu]: %zu fields, the format allows %u",
				 bc->origin, r, nf, UINT16_MAX);
		return -EINVAL;
	}
	obuf_le16(&bc->out, (uint16_t)tid);
	obuf_le16(&bc->out, (uint16_t)nf);
	obuf_le32(&bc->out, 0);		/* record length, patched below */
	for (f = 0; f < nf; f++) {
		err = build_field(bc, json_object_array_get_idx(fields, f), r, f);
		if (err)
			return err;
	}
	if (bc->out.oom)
		return -ENOMEM;
	if (bc->out.len - start > UINT32_MAX) {
		bulkhead_msg_set(bc->msg, "source %s: records[%zu]: longer than 4 GiB", bc->origin, r);
		return -EINVAL;
	}
	put_le32(bc->out.p + start + 4, (uint32_t)(bc->out.len - start));
	return 0;
}

static int build_header_names(struct build_ctx *bc, struct json_object *src,
			      const char **ret_ext, const char **ret_schema,
			      uint64_t *ret_sver, uint64_t *ret_cver,
			      struct json_object **ret_records)
{
	struct json_object *ext = NULL, *schema = NULL, *sver = NULL, *cver = NULL,
			   *records = NULL;

	if (json_object_get_type(src) != json_type_object) {
		bulkhead_msg_set(bc->msg, "source %s: top level must be an object", bc->origin);
		return -EINVAL;
	}
	json_object_object_foreach(src, k, v) {
		if (!strcmp(k, "extension"))
			ext = v;
		else if (!strcmp(k, "schema"))
			schema = v;
		else if (!strcmp(k, "schema_version"))
			sver = v;
		else if (!strcmp(k, "content_version"))
			cver = v;
		else if (!strcmp(k, "records"))
			records = v;
		else {
			bulkhead_msg_set(bc->msg, "source %s: unknown key '%s' (extension, schema, schema_version, content_version, records)",
					 bc->origin, k);
			return -EINVAL;
		}
	}
	if (!ext || json_object_get_type(ext) != json_type_string ||
	    !bh_name_valid(json_object_get_string(ext))) {
		bulkhead_msg_set(bc->msg, "source %s: 'extension' must be a name of 1 to %d characters from [A-Za-z0-9_.-]",
				 bc->origin, BH_NAME_MAX);
		return -EINVAL;
	}
	if (!schema || json_object_get_type(schema) != json_type_string ||
	    !bh_name_valid(json_object_get_string(schema))) {
		bulkhead_msg_set(bc->msg, "source %s: 'schema' must be a name of 1 to %d characters from [A-Za-z0-9_.-]",
				 bc->origin, BH_NAME_MAX);
		return -EINVAL;
	}
	if (get_uint(sver, UINT32_MAX, ret_sver)) {
		bulkhead_msg_set(bc->msg, "source %s: 'schema_version' must be an integer from 0 to %u",
				 bc->origin, UINT32_MAX);
		return -EINVAL;
	}
	if (get_uint(cver, UINT64_MAX, ret_cver) || *ret_cver == 0) {
		bulkhead_msg_set(bc->msg, "source %s: 'content_version' must be an integer from 1 to %llu",
				 bc->origin, (unsigned long long)UINT64_MAX);
		return -EINVAL;
	}
	if (!records || json_object_get_type(records) != json_type_array) {
		bulkhead_msg_set(bc->msg, "source %s: 'records' must be an array", bc->origin);
		return -EINVAL;
	}
	*ret_ext = json_object_get_string(ext);
	*ret_schema = json_object_get_string(schema);
	*ret_records = records;
	return 0;
}

/**
 * bulkhead_content_build() - encode a content file from its JSON source
 * @src: the parsed source document
 * @origin: where it came from, for messages
 * @ret_buf: the file's bytes, written on success only (free() them)
 * @ret_len: their number
 * @msg: the reason on failure, with the JSON path
 *
 * Return: 0, -EINVAL for bad source, -ENOMEM.
 */
int bulkhead_content_build(struct json_object *src, const char *origin,
			   uint8_t **ret_buf, size_t *ret_len,
			   struct bulkhead_msg *msg)
{
	struct build_ctx bc = { .origin = origin, .msg = msg };
	struct json_object *records;
	const char *ext, *schema;
	uint64_t sver, cver;
	struct bh_content view;
	struct bh_error verr;
	size_t nr, r;
	uint8_t *h;
	int err;

	err = build_header_names(&bc, src, &ext, &schema, &sver, &cver, &records);
	if (err)
		return err;
	nr = json_object_array_length(records);
	if (nr > UINT32_MAX) {
		bulkhead_msg_set(msg, "source %s: %zu records, the format allows %u",
				 origin, nr, UINT32_MAX);
		return -EINVAL;
	}
	h = obuf_grow(&bc.out, BH_HEADER_LEN);
	if (h)
		memset(h, 0, BH_HEADER_LEN);
	for (r = 0; r < nr; r++) {
		err = build_record(&bc, json_object_array_get_idx(records, r), r);
		if (err)
			goto err_free;
	}
	if (bc.out.oom) {
		bulkhead_msg_set(msg, "source %s: out of memory", origin);
		err = -ENOMEM;
		goto err_free;
	}
	h = bc.out.p;
	memcpy(h + BH_OFF_MAGIC, BH_MAGIC, BH_MAGIC_LEN);
	put_le16(h + BH_OFF_FORMAT_VERSION, BH_FORMAT_VERSION);
	put_le16(h + BH_OFF_HEADER_LEN, BH_HEADER_LEN);
	memcpy(h + BH_OFF_EXTENSION, ext, strlen(ext));
	memcpy(h + BH_OFF_SCHEMA, schema, strlen(schema));
	put_le32(h + BH_OFF_SCHEMA_VERSION, (uint32_t)sver);
	put_le32(h + BH_OFF_RECORD_COUNT, (uint32_t)nr);
	put_le64(h + BH_OFF_CONTENT_VERSION, cver);
	put_le64(h + BH_OFF_PAYLOAD_LEN, bc.out.len - BH_HEADER_LEN);
	bh_content_digest(h, h + BH_OFF_DIGEST);

	/* never hand out a file the dump (or the shim) could not read */
	if (bh_content_validate(bc.out.p, bc.out.len, NULL, 0, &view, &verr)) {
		if (verr.record != BH_NO_RECORD)
			bulkhead_msg_set(msg, "source %s: records[%u]: %s", origin,
					 verr.record, verr.msg);
		else
			bulkhead_msg_set(msg, "source %s: %s", origin, verr.msg);
		err = -EINVAL;
		goto err_free;
	}
	*ret_buf = bc.out.p;
	*ret_len = bc.out.len;
	return 0;

err_free:
	free(bc.out.p);
	return err;
}

static struct json_object *dump_field(const struct bh_record *rec, unsigned int f)
{
	struct json_object *fo, *v = NULL;
	static const char hex[] = "0123456789abcdef";
	const uint8_t *bytes;
	const char *s;
	u16 len;
	u32 v32;
	u64 v64;
	int type = bh_field_type(rec, f);
	char *h;
	size_t i;

	switch (type) {
	case BH_FT_U32:
		if (!bh_field_u32(rec, f, &v32))
			v = json_object_new_int64(v32);
		break;
	case BH_FT_U64:
		if (!bh_field_u64(rec, f, &v64))
			v = json_object_new_uint64(v64);
		break;
	case BH_FT_STRING:
		if (!bh_field_string(rec, f, &s, &len))
			v = json_object_new_string_len(s, len);
		break;
	case BH_FT_BYTES:
		if (bh_field_bytes(rec, f, &bytes, &len))
			break;
		h = malloc((size_t)len * 2 + 1);
		if (!h)
			break;
		for (i = 0; i < len; i++) {
			h[2 * i] = hex[bytes[i] >> 4];
			h[2 * i + 1] = hex[bytes[i] & 15];
		}
		h[2 * (size_t)len] = '\0';
		v = json_object_new_string_len(h, (int)len * 2);
		free(h);
		break;
	default:
		break;
	}
	if (!v)
		return NULL;
	fo = json_object_new_object();
	if (!fo || json_object_object_add(fo, bh_field_type_name((unsigned int)type), v)) {
		json_object_put(fo);
		json_object_put(v);
		return NULL;
	}
	return fo;
}

/**
 * bulkhead_content_dump() - the JSON source form of validated content
 * @c: content accepted by bh_content_validate() (with or without schema)
 * @ret: the document, written on success only (json_object_put() it)
 * @msg: the reason on failure
 *
 * Return: 0 or -ENOMEM (or -EFAULT for a corrupt view).
 */
int bulkhead_content_dump(const struct bh_content *c, struct json_object **ret,
			  struct bulkhead_msg *msg)
{
	_cleanup_json_ struct json_object *root = json_object_new_object();
	struct json_object *records = json_object_new_array();
	struct bh_record rec;
	unsigned int f;
	int err;

	if (!root || !records || json_object_object_add(root, "extension",
				json_object_new_string(c->extension)) ||
	    json_object_object_add(root, "schema", json_object_new_string(c->schema_name)) ||
	    json_object_object_add(root, "schema_version", json_object_new_int64(c->schema_version)) ||
	    json_object_object_add(root, "content_version", json_object_new_uint64(c->content_version)) ||
	    json_object_object_add(root, "records", records)) {
		bulkhead_msg_set(msg, "content dump: out of memory");
		return -ENOMEM;
	}
	for (err = bh_record_first(c, &rec); !err; err = bh_record_next(&rec, &rec)) {
		struct json_object *ro = json_object_new_object();
		struct json_object *fields = json_object_new_array();

		if (!ro || !fields || json_object_array_add(records, ro) ||
		    json_object_object_add(ro, "template", json_object_new_int64(rec.template_id)) ||
		    json_object_object_add(ro, "fields", fields)) {
			bulkhead_msg_set(msg, "content dump: out of memory");
			return -ENOMEM;
		}
		for (f = 0; f < rec.nr_fields; f++) {
			struct json_object *fo = dump_field(&rec, f);

			if (!fo || json_object_array_add(fields, fo)) {
				json_object_put(fo);
				bulkhead_msg_set(msg, "content dump: record %u field %u: unreadable or out of memory",
						 rec.index, f);
				return -ENOMEM;
			}
		}
	}
	if (err != -ENOENT) {
		bulkhead_msg_set(msg, "content dump: record walk failed: %s", strerror(-err));
		return err;
	}
	*ret = TAKE_PTR(root);
	return 0;
}
