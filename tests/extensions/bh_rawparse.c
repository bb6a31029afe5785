// SPDX-License-Identifier: GPL-2.0
/*
 * bh_rawparse.c - bh_rawparse, a test extension that carries the July-2024
 * bug on purpose.
 *
 * Its content is "channel" records (template 291) of 20 string fields,
 * f0..f19.  Instead of the shim's checked accessors it parses the payload
 * the way the crashed sensor did: with raw pointer arithmetic, trusting
 * every count and length in the file, and it hands field i to entry i of a
 * fixed table of 20 handlers.  A record that carries 21 fields makes it
 * read the 21st entry, one past the end of the table, and call through
 * whatever lies there: an oops in take_content.
 *
 * That is exactly what the validator prevents: such a record has the
 * wrong field count for the schema below and is refused before this code
 * sees it, so with Bulkhead in front the extension only ever parses valid
 * 20-field content, and then works.  The VM tests push it a 21-field
 * file (refused, the extension lives on) and a valid one (taken).  Do
 * not "fix" it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/module.h>

#include "bulkhead.h"

#define RP_T_CHANNEL	291
#define RP_NR_FIELDS	20

static const struct bh_field_spec rp_channel[RP_NR_FIELDS] = {
	BH_FIELD_STRING("f0", 0, 64),  BH_FIELD_STRING("f1", 0, 64),
	BH_FIELD_STRING("f2", 0, 64),  BH_FIELD_STRING("f3", 0, 64),
	BH_FIELD_STRING("f4", 0, 64),  BH_FIELD_STRING("f5", 0, 64),
	BH_FIELD_STRING("f6", 0, 64),  BH_FIELD_STRING("f7", 0, 64),
	BH_FIELD_STRING("f8", 0, 64),  BH_FIELD_STRING("f9", 0, 64),
	BH_FIELD_STRING("f10", 0, 64), BH_FIELD_STRING("f11", 0, 64),
	BH_FIELD_STRING("f12", 0, 64), BH_FIELD_STRING("f13", 0, 64),
	BH_FIELD_STRING("f14", 0, 64), BH_FIELD_STRING("f15", 0, 64),
	BH_FIELD_STRING("f16", 0, 64), BH_FIELD_STRING("f17", 0, 64),
	BH_FIELD_STRING("f18", 0, 64), BH_FIELD_STRING("f19", 0, 64),
};

static const struct bh_template_spec rp_templates[] = {
	{ .id = RP_T_CHANNEL, .name = "channel",
	  .nr_fields = ARRAY_SIZE(rp_channel), .fields = rp_channel },
};

static const struct bh_schema rp_schema = {
	.extension = "bh_rawparse",
	.name = "rawparse",
	.version = 1,
	.nr_templates = ARRAY_SIZE(rp_templates),
	.templates = rp_templates,
};

/*
 * Bytes seen per field.  One counter per handler keeps the 20 handlers
 * distinct functions: were they identical, the compiler could merge them
 * and turn the table lookup, and with it the bug, into a direct call.
 */
static atomic64_t rp_field_bytes[RP_NR_FIELDS];

#define RP_HANDLER(n)							\
static void rp_field##n(const u8 *p, u16 len)				\
{									\
	atomic64_add(len, &rp_field_bytes[n]);				\
}

RP_HANDLER(0)  RP_HANDLER(1)  RP_HANDLER(2)  RP_HANDLER(3)  RP_HANDLER(4)
RP_HANDLER(5)  RP_HANDLER(6)  RP_HANDLER(7)  RP_HANDLER(8)  RP_HANDLER(9)
RP_HANDLER(10) RP_HANDLER(11) RP_HANDLER(12) RP_HANDLER(13) RP_HANDLER(14)
RP_HANDLER(15) RP_HANDLER(16) RP_HANDLER(17) RP_HANDLER(18) RP_HANDLER(19)

/* one handler per field the code was written for; field 20 has none */
static void (*const rp_handlers[RP_NR_FIELDS])(const u8 *p, u16 len) = {
	rp_field0,  rp_field1,  rp_field2,  rp_field3,  rp_field4,
	rp_field5,  rp_field6,  rp_field7,  rp_field8,  rp_field9,
	rp_field10, rp_field11, rp_field12, rp_field13, rp_field14,
	rp_field15, rp_field16, rp_field17, rp_field18, rp_field19,
};

static u16 rp_le16(const u8 *p)
{
	return p[0] | p[1] << 8;
}

static u32 rp_le32(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

static int rp_take_content(struct bh_extension *ext, const struct bh_content *c)
{
	const u8 *rec = c->payload;
	const u8 *end = c->payload + c->payload_len;
	u32 channels = 0;

	pr_info("parsing content version %llu\n", c->content_version);

	/*
	 * DELIBERATELY UNSAFE: record header (le16 template, le16 field
	 * count, le32 record length), then fields (u8 type, le16 length,
	 * bytes; every field of this schema is a string), all trusted as
	 * they come.  Nothing checks the field count against the 20 entries
	 * of rp_handlers[]: the validator is what keeps a 21st field out.
	 */
	while (rec + 8 <= end) {
		u16 tmpl = rp_le16(rec);
		u16 nr_fields = rp_le16(rec + 2);
		u32 len = rp_le32(rec + 4);
		const u8 *p = rec + 8;
		u16 i;

		/* the one check: a zero length would spin here forever */
		if (len < 8)
			break;
		if (tmpl == RP_T_CHANNEL) {
			for (i = 0; i < nr_fields; i++) {
				u16 flen = rp_le16(p + 1);

				/* i == 20 reads past rp_handlers[] */
				rp_handlers[i](p + 3, flen);
				p += 3 + flen;
			}
			channels++;
		}
		rec += len;
	}

	pr_info("content version %llu: %u channel records\n",
		c->content_version, channels);
	return 0;
}

static const struct bh_extension_ops rp_ops = {
	.take_content = rp_take_content,
};

static struct bh_extension rp_ext = {
	.name = "bh_rawparse",
	.schema = &rp_schema,
	.ops = &rp_ops,
	.owner = THIS_MODULE,
};

static int __init rp_init(void)
{
	return bh_register_extension(&rp_ext);
}

static void __exit rp_exit(void)
{
	bh_unregister_extension(&rp_ext);
}

module_init(rp_init);
module_exit(rp_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test extension: raw parser with the July-2024 21-field bug");
BH_IMPORT_NS();
