/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "policy-check.h"

static void help(void) {
        printf("Usage: cgroup-guardctl COMMAND [ARGS]\n\n"
               "Commands:\n"
               "  check [DIR]   Validate a policy directory (default: %s)\n",
               POLICY_DIR_DEFAULT);
}

int main(int argc, char *argv[]) {
        log_set_program_name("cgroup-guardctl");

        if (argc < 2 || streq(argv[1], "-h") || streq(argv[1], "--help")) {
                help();
                return argc < 2 ? 2 : 0;
        }
        if (streq(argv[1], "check")) {
                if (argc > 3) {
                        log_error("check takes at most one directory.");
                        return 2;
                }
                return policy_check_directory(argc == 3 ? argv[2] : POLICY_DIR_DEFAULT, stdout, stderr);
        }
        log_error("Unknown command \"%s\"; see cgroup-guardctl --help.", argv[1]);
        return 2;
}
