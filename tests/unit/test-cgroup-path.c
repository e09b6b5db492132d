/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup-path.h"

static void test_valid_paths(void **state) {
        const char *valid[] = { "/", "/a", "/system.slice/foo.service", "/user.slice/user-*.slice", "/a b/c" };
        const char *invalid[] = { "", "a", "system.slice", "/a/", "/a//b", "/a/../b", "/..", "/.", "/a/./b", "/a\nb" };

        for (size_t i = 0; i < sizeof(valid) / sizeof(valid[0]); i++)
                assert_null(cgroup_path_invalid_reason(valid[i]));
        for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
                assert_non_null(cgroup_path_invalid_reason(invalid[i]));
}

static void test_long_component(void **state) {
        char path[300] = "/";

        memset(path + 1, 'x', 256);
        path[257] = '\0';
        assert_non_null(cgroup_path_invalid_reason(path));
        path[256] = '\0';
        assert_null(cgroup_path_invalid_reason(path));
}

static void test_component_match(void **state) {
        struct {
                const char *pattern, *s;
                bool match;
        } cases[] = {
                { "abc", "abc", true }, { "abc", "abd", false }, { "*", "", true }, { "*", "anything", true },
                { "a*", "a", true }, { "a*c", "abbbc", true }, { "a*c", "abbbd", false }, { "*.scope", "x.scope", true },
                { "user-*.slice", "user-1000.slice", true }, { "user-*.slice", "user-.slice", true },
                { "user-*.slice", "user-1000.slicex", false }, { "**", "x", true }, { "a*b*c", "aXbYc", true },
                { "a*b*c", "aXcYb", false }, { "?", "a", false }, { "[a]", "a", false }, { "[a]", "[a]", true },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
                assert_int_equal(cgroup_component_match(cases[i].pattern, strlen(cases[i].pattern), cases[i].s,
                                                        strlen(cases[i].s)),
                                 cases[i].match);
}

static void test_pattern_covers(void **state) {
        size_t n = 0;

        assert_true(cgroup_pattern_covers("/", "/", &n));
        assert_int_equal(n, 1);
        assert_true(cgroup_pattern_covers("/", "/a/b", NULL));
        assert_true(cgroup_pattern_covers("/a", "/a", NULL));
        assert_true(cgroup_pattern_covers("/a", "/a/b/c", &n));
        assert_int_equal(n, 2);
        assert_false(cgroup_pattern_covers("/a", "/ab", NULL));
        assert_false(cgroup_pattern_covers("/a/b", "/a", NULL));
        assert_false(cgroup_pattern_covers("/a/b", "/", NULL));
        assert_true(cgroup_pattern_covers("/user.slice/user-*.slice/user@*.service",
                                          "/user.slice/user-1000.slice/user@1000.service/app.slice", &n));
        assert_int_equal(n, strlen("/user.slice/user-1000.slice/user@1000.service"));
        assert_false(cgroup_pattern_covers("/user.slice/user-*.slice", "/user.slice/x/user-1.slice", NULL));
        assert_true(cgroup_pattern_covers("/*", "/anything/below", &n));
        assert_int_equal(n, strlen("/anything"));
}

static void test_startswith(void **state) {
        assert_true(cgroup_path_startswith("/a/b", "/a"));
        assert_true(cgroup_path_startswith("/a", "/a"));
        assert_false(cgroup_path_startswith("/ab", "/a"));
        assert_true(cgroup_path_startswith("/ab", "/"));
        assert_false(cgroup_path_startswith("/a", "/a/b"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_valid_paths),
                cmocka_unit_test(test_long_component),
                cmocka_unit_test(test_component_match),
                cmocka_unit_test(test_pattern_covers),
                cmocka_unit_test(test_startswith),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
