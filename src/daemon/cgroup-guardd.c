/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "policy-check.h"

static const char *arg_policy_dir = POLICY_DIR_DEFAULT;
static bool arg_check = false;

static void help(void) {
        printf("Usage: cgroup-guardd [OPTIONS]\n\n"
               "Loads the cgroup-migration allowlist and namespace lock policies into the kernel.\n\n"
               "  -h --help             Show this help\n"
               "     --version          Show the version\n"
               "     --check            Validate the policy directory and exit (0 valid, 1 invalid)\n"
               "     --policy-dir=DIR   Policy directory (default: %s)\n",
               POLICY_DIR_DEFAULT);
}

static int parse_argv(int argc, char *argv[]) {
        enum {
                ARG_VERSION = 0x100,
                ARG_CHECK,
                ARG_POLICY_DIR,
        };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "check", no_argument, NULL, ARG_CHECK },
                { "policy-dir", required_argument, NULL, ARG_POLICY_DIR },
                {}
        };
        int c;

        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("cgroup-guardd %s\n", PACKAGE_VERSION);
                        return 0;
                case ARG_CHECK:
                        arg_check = true;
                        break;
                case ARG_POLICY_DIR:
                        arg_policy_dir = optarg;
                        break;
                default:
                        return -EINVAL;
                }
        if (optind < argc)
                return log_error_errno(EINVAL, "Unexpected argument: %s", argv[optind]);
        return 1;
}

int main(int argc, char *argv[]) {
        int r;

        log_set_program_name("cgroup-guardd");
        r = parse_argv(argc, argv);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        if (arg_check)
                return policy_check_directory(arg_policy_dir, stdout, stderr);

        log_error("Only --check is available in this build.");
        return 2;
}
