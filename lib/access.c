// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * access.c - checked accessors: how an extension reads validated content.
 *
 * An extension never gets a raw pointer to walk.  It asks for field @idx
 * of a record as a given type and gets either the value or an error: an
 * index past the record's field count is -ERANGE, a type other than the
 * one stored is -EINVAL.  Every step re-checks its bound against the end
 * of the record and of the payload, so even a view that was never
 * validated (or a bug in the validator) cannot turn into a read past the
 * buffer.
 */
#include "bh_content.h"

static int bh_record_at(const struct bh_content *c, u32 index, u64 off,
			struct bh_record *ret)
{
	u32 rlen;

	if (!c || !c->payload || index >= c->record_count)
		return -ENOENT;
	if (off > c->payload_len || c->payload_len - off < BH_RECORD_HDR_LEN)
		return -EFAULT;
	rlen = bh_get_le32(c->payload + off + 4);
	if (rlen < BH_RECORD_HDR_LEN || rlen > c->payload_len - off)
		return -EFAULT;

	ret->content = c;
	ret->index = index;
	ret->template_id = bh_get_le16(c->payload + off);
	ret->nr_fields = bh_get_le16(c->payload + off + 2);
	ret->offset = (u32)off;
	ret->len = rlen;
	ret->tmpl = c->schema ? bh_schema_template(c->schema, ret->template_id) :
				NULL;
	return 0;
}

/**
 * bh_record_first() - the first record of validated content
 * @c: content filled by bh_content_validate()
 * @ret: the record view, written on success only
 *
 * Return: 0, -ENOENT when there are no records, -EFAULT if @c is corrupt.
 */
int bh_record_first(const struct bh_content *c, struct bh_record *ret)
{
	return bh_record_at(c, 0, 0, ret);
}

/**
 * bh_record_next() - the record after @cur
 * @cur: a record view
 * @ret: the next record's view (may be @cur), written on success only
 *
 * Return: 0, -ENOENT after the last record, -EFAULT if the content is
 * corrupt.
 */
int bh_record_next(const struct bh_record *cur, struct bh_record *ret)
{
	if (!cur || cur->index == BH_NO_RECORD)
		return -ENOENT;
	return bh_record_at(cur->content, cur->index + 1,
			    (u64)cur->offset + cur->len, ret);
}

/**
 * bh_record_get() - record number @index (walks from the first)
 * @c: content filled by bh_content_validate()
 * @index: zero-based record index
 * @ret: the record view, written on success only
 *
 * Return: 0, -ENOENT for an index past the record count, -EFAULT if the
 * content is corrupt.
 */
int bh_record_get(const struct bh_content *c, u32 index, struct bh_record *ret)
{
	struct bh_record r;
	u32 i;
	int err;

	if (!c || index >= c->record_count)
		return -ENOENT;
	err = bh_record_first(c, &r);
	for (i = 0; !err && i < index; i++)
		err = bh_record_next(&r, &r);
	if (!err)
		*ret = r;
	return err;
}

/*
 * Find field @idx of @r; on success *@ret_type is its type, *@ret_val its
 * value bytes and *@ret_len their number (for strings and bytes, after the
 * length prefix).
 */
static int bh_field_locate(const struct bh_record *r, unsigned int idx,
			   u8 *ret_type, const u8 **ret_val, u32 *ret_len)
{
	const struct bh_content *c;
	const u8 *p;
	u64 pos, end;
	unsigned int f;

	if (!r || !r->content || !r->content->payload)
		return -EINVAL;
	if (idx >= r->nr_fields)
		return -ERANGE;
	c = r->content;
	if (r->offset > c->payload_len || r->len > c->payload_len - r->offset ||
	    r->len < BH_RECORD_HDR_LEN)
		return -EFAULT;
	p = c->payload;
	pos = (u64)r->offset + BH_RECORD_HDR_LEN;
	end = (u64)r->offset + r->len;

	for (f = 0;; f++) {
		u8 type;
		u32 vlen;

		if (pos >= end)
			return -EFAULT;
		type = p[pos++];
		switch (type) {
		case BH_FT_U32:
			vlen = 4;
			break;
		case BH_FT_U64:
			vlen = 8;
			break;
		case BH_FT_STRING:
		case BH_FT_BYTES:
			if (end - pos < 2)
				return -EFAULT;
			vlen = bh_get_le16(p + pos);
			pos += 2;
			break;
		default:
			return -EFAULT;
		}
		if (end - pos < vlen)
			return -EFAULT;
		if (f == idx) {
			*ret_type = type;
			*ret_val = p + pos;
			*ret_len = vlen;
			return 0;
		}
		pos += vlen;
	}
}

static int bh_field_typed(const struct bh_record *r, unsigned int idx, u8 want,
			  const u8 **ret_val, u32 *ret_len)
{
	const u8 *val;
	u32 len;
	u8 type;
	int err;

	err = bh_field_locate(r, idx, &type, &val, &len);
	if (err)
		return err;
	if (type != want)
		return -EINVAL;
	*ret_val = val;
	*ret_len = len;
	return 0;
}

/**
 * bh_field_type() - the stored type of field @idx
 * @r: a record view
 * @idx: zero-based field index
 *
 * Return: an enum bh_field_type, -ERANGE past the field count, -EFAULT if
 * the record is corrupt.
 */
int bh_field_type(const struct bh_record *r, unsigned int idx)
{
	const u8 *val;
	u32 len;
	u8 type;
	int err;

	err = bh_field_locate(r, idx, &type, &val, &len);
	return err ? err : type;
}

/**
 * bh_field_u32() - read a u32 field
 * @r: a record view
 * @idx: zero-based field index
 * @ret: the value, written on success only
 *
 * Return: 0, -ERANGE past the field count, -EINVAL if the field is not a
 * u32, -EFAULT if the record is corrupt.
 */
int bh_field_u32(const struct bh_record *r, unsigned int idx, u32 *ret)
{
	const u8 *val;
	u32 len;
	int err;

	err = bh_field_typed(r, idx, BH_FT_U32, &val, &len);
	if (!err)
		*ret = bh_get_le32(val);
	return err;
}

/**
 * bh_field_u64() - read a u64 field
 * @r: a record view
 * @idx: zero-based field index
 * @ret: the value, written on success only
 *
 * Return: 0, -ERANGE past the field count, -EINVAL if the field is not a
 * u64, -EFAULT if the record is corrupt.
 */
int bh_field_u64(const struct bh_record *r, unsigned int idx, u64 *ret)
{
	const u8 *val;
	u32 len;
	int err;

	err = bh_field_typed(r, idx, BH_FT_U64, &val, &len);
	if (!err)
		*ret = bh_get_le64(val);
	return err;
}

/**
 * bh_field_string() - read a string field
 * @r: a record view
 * @idx: zero-based field index
 * @ret: start of the string, written on success only; NOT NUL-terminated
 * @ret_len: its length in bytes
 *
 * Return: 0, -ERANGE past the field count, -EINVAL if the field is not a
 * string, -EFAULT if the record is corrupt.
 */
int bh_field_string(const struct bh_record *r, unsigned int idx,
		    const char **ret, u16 *ret_len)
{
	const u8 *val;
	u32 len;
	int err;

	err = bh_field_typed(r, idx, BH_FT_STRING, &val, &len);
	if (!err) {
		*ret = (const char *)val;
		*ret_len = (u16)len;
	}
	return err;
}

/**
 * bh_field_bytes() - read a bytes field
 * @r: a record view
 * @idx: zero-based field index
 * @ret: start of the bytes, written on success only
 * @ret_len: their number
 *
 * Return: 0, -ERANGE past the field count, -EINVAL if the field is not
 * bytes, -EFAULT if the record is corrupt.
 */
int bh_field_bytes(const struct bh_record *r, unsigned int idx,
		   const u8 **ret, u16 *ret_len)
{
	const u8 *val;
	u32 len;
	int err;

	err = bh_field_typed(r, idx, BH_FT_BYTES, &val, &len);
	if (!err) {
		*ret = val;
		*ret_len = (u16)len;
	}
	return err;
}
