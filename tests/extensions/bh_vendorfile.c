// SPDX-License-Identifier: GPL-2.0
/*
 * bh_vendorfile.c - bh_vendorfile, an unmodified vendor module that reads
 * its own content file from disk.
 *
 * It stands for a third-party sensor that knows nothing of Bulkhead: no
 * BULKHEAD namespace, no shim symbols, no bulkhead.h.  At init it opens
 * the file named by its "path" parameter (default
 * /var/lib/vendorfile/channel, which the loader makes a symbolic link to
 * the content version the boot guard chose, see "content_link" in
 * loader/config.h), reads at most 4 KiB and prints the first line:
 *
 *	bh_vendorfile: content 'v2 ...' (N bytes)
 *
 * (printable ASCII only: any other byte is shown as '?'), or
 *
 *	bh_vendorfile: no content: error -2
 *
 * when the file cannot be opened.  It loads either way.  The VM scenario
 * loader-vendor.sh reads those lines to tell which version it was given.
 *
 * A file whose first line starts with "OOPS" makes it do what a vendor's
 * parser does with content it cannot handle: an oops in its init, which
 * names this module in the oops (the endpoint's vendor scenario).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#define VENDORFILE_MAX	4096	/* bytes read, at most */
#define VENDORFILE_LINE	80	/* characters of the first line printed */

static char *path = "/var/lib/vendorfile/channel";
module_param(path, charp, 0444);
MODULE_PARM_DESC(path, "the content file read at load time");

/* noinline: the oops names this function, in this module */
static noinline void vendorfile_crash(const int *table)
{
	pr_info("parsing the channel table\n");
	WRITE_ONCE(*(int *)table, READ_ONCE(*table) + 1);
}

static int __init vendorfile_init(void)
{
	char line[VENDORFILE_LINE + 1];
	struct file *f;
	loff_t pos = 0;
	ssize_t n, i;
	char *buf;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f)) {
		pr_info("no content: error %ld\n", PTR_ERR(f));
		return 0;
	}
	buf = kmalloc(VENDORFILE_MAX, GFP_KERNEL);
	if (!buf) {
		filp_close(f, NULL);
		return -ENOMEM;
	}
	n = kernel_read(f, buf, VENDORFILE_MAX, &pos);
	filp_close(f, NULL);
	if (n < 0) {
		pr_info("no content: read error %zd\n", n);
		kfree(buf);
		return 0;
	}
	for (i = 0; i < n && i < VENDORFILE_LINE && buf[i] != '\n'; i++)
		line[i] = buf[i] >= 0x20 && buf[i] < 0x7f ? buf[i] : '?';
	line[i] = '\0';
	pr_info("content '%s' (%zd bytes)\n", line, n);
	kfree(buf);
	if (!strncmp(line, "OOPS", 4))
		vendorfile_crash(NULL);
	return 0;
}

static void __exit vendorfile_exit(void)
{
}

module_init(vendorfile_init);
module_exit(vendorfile_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Bulkhead test module: a vendor module that reads its content file itself");
