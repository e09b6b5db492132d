/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the daemon reads from /proc's text files, from streams made here. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "process-util.h"

static bool has_mount_id(const char *text, uint64_t id) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        bool found;

        assert_non_null(f);
        found = mountinfo_has_mount_id(f, id);
        fclose(f);
        return found;
}

static void test_mountinfo_has_mount_id(void **state) {
        const char *plain = "22 1 0:21 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
                            "42 22 0:39 / /sys/fs/bpf rw,nosuid shared:13 - bpf bpf rw,mode=700\n";
        char *mountpoint;

        assert_true(has_mount_id(plain, 42));
        assert_true(has_mount_id(plain, 22));
        assert_false(has_mount_id(plain, 4));
        assert_false(has_mount_id(plain, 0));
        assert_false(has_mount_id("", 42));

        /* A mount point anyone may name (a directory of theirs, mounted on the host and propagated
         * into the daemon's namespace) makes a long line: its text is no line of its own, whatever
         * number it shows where a line buffer of some size would cut it. */
        for (size_t cut = 1; cut < 1100; cut++) {
                char *line;

                mountpoint = calloc(cut + 1, 1);
                assert_non_null(mountpoint);
                memset(mountpoint, 'b', cut);
                assert_true(asprintf(&line, "23 1 0:45 / /%s42 rw - tmpfs tmpfs rw\n", mountpoint) > 0);
                assert_false(has_mount_id(line, 42));
                free(line);
                free(mountpoint);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mountinfo_has_mount_id),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
