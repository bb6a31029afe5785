// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * bulkhead-guard - the boot guard (docs/guard.md).
 *
 *   bulkhead-guard boot       early boot, before the loader
 *   bulkhead-guard good       the boot is healthy (after probation)
 *   bulkhead-guard shutdown   clean stop
 *
 * Paths are the real ones, or --state-dir (a test build also takes
 * BULKHEAD_STATE_DIR and friends from the environment, see env.c).  The
 * operator's commands (status, history, enable, disable, pin, reset) live
 * in bulkheadctl.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "guard.h"

static const char usage_text[] =
	"usage: bulkhead-guard [--state-dir DIR] boot|good|shutdown\n";

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct bg_env env;
	int c;

	bg_env_init(&env);
	while ((c = getopt_long(argc, argv, "d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			env.state_dir = optarg;
			/* the default metrics describe the default state only */
			env.metrics_dir = NULL;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return BG_EXIT_OK;
		default:
			fputs(usage_text, stderr);
			return BG_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fputs(usage_text, stderr);
		return BG_EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "boot"))
		return bg_cmd_boot(&env);
	if (!strcmp(argv[optind], "good"))
		return bg_cmd_good(&env);
	if (!strcmp(argv[optind], "shutdown"))
		return bg_cmd_shutdown(&env);
	fprintf(stderr, "bulkhead-guard: unknown command '%s'\n", argv[optind]);
	fputs(usage_text, stderr);
	return BG_EXIT_USAGE;
}
