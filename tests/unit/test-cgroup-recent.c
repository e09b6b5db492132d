/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "cgroup-recent.h"

static void test_add_find(void **state) {
        CgroupRecent r = {};

        assert_null(cgroup_recent_path(&r, 7));
        assert_int_equal(cgroup_recent_add(&r, 7, "/user.slice/user-0.slice/session-3.scope"), 0);
        assert_string_equal(cgroup_recent_path(&r, 7), "/user.slice/user-0.slice/session-3.scope");
        assert_null(cgroup_recent_path(&r, 8));
        /* Named when it appeared, then again when it went: the later path. */
        assert_int_equal(cgroup_recent_add(&r, 7, "/a/renamed"), 0);
        assert_string_equal(cgroup_recent_path(&r, 7), "/a/renamed");
        assert_int_equal(cgroup_recent_add(&r, 0, "/x"), -EINVAL);
        assert_int_equal(cgroup_recent_add(&r, 9, NULL), -EINVAL);
        cgroup_recent_done(&r);
        assert_null(cgroup_recent_path(&r, 7));
}

/* Bounded: the oldest goes first, the last CGROUP_RECENT_MAX stay. */
static void test_bounded(void **state) {
        CgroupRecent r = {};
        char path[64];

        for (uint64_t id = 1; id <= CGROUP_RECENT_MAX + 10; id++) {
                snprintf(path, sizeof(path), "/c%llu", (unsigned long long) id);
                assert_int_equal(cgroup_recent_add(&r, id, path), 0);
        }
        for (uint64_t id = 1; id <= 10; id++)
                assert_null(cgroup_recent_path(&r, id));
        assert_string_equal(cgroup_recent_path(&r, 11), "/c11");
        assert_string_equal(cgroup_recent_path(&r, CGROUP_RECENT_MAX + 10), "/c522");
        cgroup_recent_done(&r);
}

static void test_join(void **state) {
        char *s;

        s = cgroup_path_join("/", "init.scope");
        assert_string_equal(s, "/init.scope");
        free(s);
        s = cgroup_path_join("/user.slice", "user-0.slice");
        assert_string_equal(s, "/user.slice/user-0.slice");
        free(s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_find),
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_join),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
