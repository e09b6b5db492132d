/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "guard-maps.h"
#include "policy-parse.h"

static void test_full_document(void **state) {
        static const char text[] =
                "{\n"
                "  \"version\": 1,\n"
                "  \"mode\": \"audit\",\n"
                "  \"action\": \"deny+freeze\",\n"
                "  \"require\": \"enforce\",\n"
                "  \"migration\": {\n"
                "    \"protect\": [\"/system.slice\", \"/init.scope\"],\n"
                "    \"allow\": [ { \"exe\": \"/usr/bin/containerd\", \"cgroup\": \"/system.slice/c.service\", \"to\": [\"/system.slice/docker-*.scope\"] } ],\n"
                "    \"delegate\": [\"/user.slice/user-*.slice/user@*.service\"]\n"
                "  },\n"
                "  \"namespaces\": {\n"
                "    \"lock\": [ { \"cgroup\": \"/system.slice/sandbox.service\", \"types\": [\"net\", \"mnt\", \"uts\"] } ],\n"
                "    \"lock_on_entry\": [ { \"created_by\": { \"cgroup\": \"/system.slice/sandboxd.service\" }, \"types\": [\"time\", \"user\"] } ]\n"
                "  }\n"
                "}\n";
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        const PolicyRule *r;

        assert_int_equal(policy_parse_buffer(&p, "/etc/x/10-a.json", text, strlen(text), &d), 0);
        assert_int_equal(d.n_items, 0);
        assert_int_equal(p.n_files, 1);
        assert_string_equal(p.files[0].name, "10-a.json");
        assert_int_equal(p.files[0].mode, POLICY_MODE_AUDIT);
        assert_int_equal(p.files[0].action, POLICY_ACTION_DENY_FREEZE);
        assert_true(policy_requires_enforce(&p));
        assert_int_equal(p.n_rules, 6);

        r = &p.rules[0];
        assert_int_equal(r->kind, POLICY_RULE_PROTECT);
        assert_string_equal(r->cgroup, "/system.slice");
        assert_int_equal(r->line, 7);
        assert_int_equal(r->column, 17);
        r = &p.rules[2];
        assert_int_equal(r->kind, POLICY_RULE_ALLOW);
        assert_string_equal(r->exe, "/usr/bin/containerd");
        assert_string_equal(r->cgroup, "/system.slice/c.service");
        assert_string_equal(r->to[0], "/system.slice/docker-*.scope");
        assert_null(r->to[1]);
        assert_int_equal(r->line, 8);
        assert_int_equal(r->column, 16);
        assert_int_equal(p.rules[3].kind, POLICY_RULE_DELEGATE);
        assert_int_equal(p.rules[4].kind, POLICY_RULE_LOCK);
        assert_int_equal(p.rules[4].ns_types, CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS);
        assert_int_equal(p.rules[5].kind, POLICY_RULE_LOCK_ON_ENTRY);
        assert_string_equal(p.rules[5].cgroup, "/system.slice/sandboxd.service");
        assert_int_equal(p.rules[5].ns_types, CLONE_NEWUSER | 0x80);
}

/* The executables allow rules trust, each once, at most max; other rules' paths are none. */
static void test_trusted_executables(void **state) {
        static const char text[] =
                "{ \"version\": 1, \"migration\": { \"protect\": [\"/a\"], \"allow\": ["
                " { \"exe\": \"/usr/sbin/runc\" }, { \"exe\": \"/usr/bin/x\", \"cgroup\": \"/b\" },"
                " { \"exe\": \"/usr/sbin/runc\", \"cgroup\": \"/c\" }, { \"cgroup\": \"/init.scope\" } ] } }\n";
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        char **list = NULL;
        size_t omitted = 9;

        (void) state;
        assert_int_equal(policy_parse_buffer(&p, "10-a.json", text, strlen(text), &d), 0);
        assert_int_equal(policy_trusted_executables(&p, 8, &list, &omitted), 2);
        assert_string_equal(list[0], "/usr/sbin/runc");
        assert_string_equal(list[1], "/usr/bin/x");
        assert_null(list[2]);
        assert_int_equal(omitted, 0);
        for (char **t = list; *t; t++)
                free(*t);
        free(list);
        assert_int_equal(policy_trusted_executables(&p, 1, &list, &omitted), 1);
        assert_string_equal(list[0], "/usr/sbin/runc");
        assert_null(list[1]);
        assert_int_equal(omitted, 1);
        free(list[0]);
        free(list);
}

static void test_defaults(void **state) {
        static const char text[] = "{\"version\": 1}";
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};

        assert_int_equal(policy_parse_buffer(&p, "a.json", text, strlen(text), &d), 0);
        assert_int_equal(p.files[0].mode, POLICY_MODE_ENFORCE);
        assert_int_equal(p.files[0].action, POLICY_ACTION_DENY);
        assert_false(policy_requires_enforce(&p));
        assert_int_equal(p.n_rules, 0);
}

static void test_every_error_reported(void **state) {
        static const char text[] =
                "{\n"
                "  \"version\": 1,\n"
                "  \"mode\": \"strict\",\n"
                "  \"migration\": {\n"
                "    \"protect\": [\"relative\", \"/ok\", \"/a/../b\"],\n"
                "    \"allow\": [ { \"to\": [\"/x\"] }, { \"exe\": \"bin/sh\" } ]\n"
                "  },\n"
                "  \"namespaces\": { \"lock\": [ { \"cgroup\": \"/s\", \"types\": [\"net\", \"bogus\"] } ] }\n"
                "}\n";
        static const struct {
                unsigned line, column;
                const char *message;
        } expected[] = {
                { 3, 11, "unknown mode \"strict\"" },
                { 5, 17, "must be absolute" },
                { 5, 36, "'.' or '..'" },
                { 6, 16, "must name \"exe\" or \"cgroup\"" },
                { 6, 43, "must be an absolute path" },
                { 8, 64, "unknown namespace type \"bogus\"" },
        };
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};

        assert_int_equal(policy_parse_buffer(&p, "bad.json", text, strlen(text), &d), -EINVAL);
        assert_int_equal(d.n_errors, sizeof(expected) / sizeof(expected[0]));
        for (size_t i = 0; i < d.n_items; i++) {
                if (d.items[i].line != expected[i].line || d.items[i].column != expected[i].column ||
                    !strstr(d.items[i].message, expected[i].message))
                        fail_msg("error %zu: got %u:%u %s", i, d.items[i].line, d.items[i].column, d.items[i].message);
                assert_string_equal(d.items[i].path, "bad.json");
        }
        /* nothing of an invalid file is kept */
        assert_int_equal(p.n_files, 0);
        assert_int_equal(p.n_rules, 0);
}

static void test_invalid_file_rolls_back_only_itself(void **state) {
        static const char good[] = "{\"version\":1,\"migration\":{\"protect\":[\"/a\"]}}";
        static const char bad[] = "{\"version\":1,\"migration\":{\"protect\":[\"/b\", 3]}}";
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};

        assert_int_equal(policy_parse_buffer(&p, "good.json", good, strlen(good), &d), 0);
        assert_int_equal(policy_parse_buffer(&p, "bad.json", bad, strlen(bad), &d), -EINVAL);
        assert_int_equal(p.n_files, 1);
        assert_int_equal(p.n_rules, 1);
        assert_string_equal(p.rules[0].cgroup, "/a");
}

/* A lock_on_entry rule's id outlives generations in the kernel (sandbox records, task marks): it
 * stays the same when other files' rules come or go, and differs between rules. */
static void test_lock_on_entry_ids_stable(void **state) {
        static const char extra[] = "{\"version\":1,\"migration\":{\"protect\":[\"/x\", \"/y\"]}}";
        static const char loe[] =
                "{\"version\":1,\"namespaces\":{\"lock\":[{\"cgroup\":\"/l\",\"types\":[\"net\"]}],"
                "\"lock_on_entry\":[{\"created_by\":{\"cgroup\":\"/a\"},\"types\":[\"uts\"]},"
                "{\"created_by\":{\"cgroup\":\"/b\"},\"types\":[\"net\"]}]}}";
        static const char loe_b[] =
                "{\"version\":1,\"namespaces\":{\"lock\":[{\"cgroup\":\"/l\",\"types\":[\"net\"]}],"
                "\"lock_on_entry\":[{\"created_by\":{\"cgroup\":\"/b\"},\"types\":[\"net\",\"mnt\"]}]}}";
        _cleanup_(policy_done) Policy with = {}, without = {}, only_b = {};
        _cleanup_(diag_done) Diagnostics d = {};
        uint32_t a, b, lock_with;

        assert_int_equal(policy_parse_buffer(&with, "05-extra.json", extra, strlen(extra), &d), 0);
        assert_int_equal(policy_parse_buffer(&with, "10-loe.json", loe, strlen(loe), &d), 0);
        assert_int_equal(policy_parse_buffer(&without, "10-loe.json", loe, strlen(loe), &d), 0);
        assert_int_equal(with.n_rules, 5);
        assert_int_equal(without.n_rules, 3);
        a = with.rules[3].id;
        b = with.rules[4].id;
        lock_with = with.rules[2].id;
        assert_int_equal(with.rules[3].kind, POLICY_RULE_LOCK_ON_ENTRY);
        assert_int_equal(without.rules[1].id, a);
        assert_int_equal(without.rules[2].id, b);
        assert_int_not_equal(a, b);
        assert_true(a & GUARD_RULE_ID_STABLE);
        assert_true(a != GUARD_RULE_UNCLASSIFIED && b != GUARD_RULE_UNCLASSIFIED);
        /* other rules still count by position, below them */
        assert_int_equal(lock_with, 3);
        assert_int_equal(without.rules[0].id, 1);
        assert_true(lock_with < a && lock_with < b);
        /* an unnamed entry before it in its own file removed, and its types changed (tightened):
         * still the same (by its created_by) */
        assert_int_equal(policy_parse_buffer(&only_b, "10-loe.json", loe_b, strlen(loe_b), &d), 0);
        assert_int_equal(only_b.rules[1].kind, POLICY_RULE_LOCK_ON_ENTRY);
        assert_int_equal(only_b.rules[1].id, b);
}

static void test_size_limit(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        size_t n = POLICY_FILE_SIZE_MAX + 1;
        char *text = malloc(n);

        assert_non_null(text);
        memset(text, ' ', n);
        assert_int_equal(policy_parse_buffer(&p, "big.json", text, n, &d), -EINVAL);
        assert_non_null(strstr(d.items[0].message, "larger than"));
        free(text);
}

/* A name longer than the kernel's label (127 bytes) is refused, not cut: two files alike in their
 * first 127 bytes would share their rules' metrics labels. */
static void test_file_name_length(void **state) {
        static const char text[] = "{\"version\":1,\"migration\":{\"protect\":[\"/a\"]}}";
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        char path[300] = "/etc/cgroup-guard/policies.d/";
        size_t dir = strlen(path);

        memset(path + dir, 'a', POLICY_FILE_NAME_MAX - 5);
        strcpy(path + dir + POLICY_FILE_NAME_MAX - 5, ".json");
        assert_int_equal(policy_parse_buffer(&p, path, text, strlen(text), &d), 0);
        assert_int_equal(strlen(p.files[0].name), POLICY_FILE_NAME_MAX);
        memset(path + dir, 'b', POLICY_FILE_NAME_MAX - 4);
        strcpy(path + dir + POLICY_FILE_NAME_MAX - 4, ".json");
        assert_int_equal(policy_parse_buffer(&p, path, text, strlen(text), &d), -EINVAL);
        assert_int_equal(d.n_errors, 1);
        assert_non_null(strstr(d.items[0].message, "file name is longer than 127 bytes"));
        assert_int_equal(p.n_files, 1);
}

static void test_file_names(void **state) {
        assert_true(policy_file_name_wanted("10-a.json"));
        assert_false(policy_file_name_wanted(".#10-a.json"));
        assert_false(policy_file_name_wanted("10-a.json~"));
        assert_false(policy_file_name_wanted(".10-a.json.swp"));
        assert_false(policy_file_name_wanted(".json"));
        assert_false(policy_file_name_wanted("a.jsonx"));
        assert_false(policy_file_name_wanted("README"));
}

static void test_names(void **state) {
        assert_int_equal(policy_mode_from_string("audit"), POLICY_MODE_AUDIT);
        assert_int_equal(policy_mode_from_string("Audit"), _POLICY_MODE_INVALID);
        assert_string_equal(policy_action_to_string(POLICY_ACTION_DENY_KILL), "deny+kill");
        assert_int_equal(ns_type_from_string("cgroup"), CLONE_NEWCGROUP);
        assert_int_equal(ns_type_from_string("network"), 0);
        assert_string_equal(ns_type_to_string(CLONE_NEWNS), "mnt");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_full_document),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_every_error_reported),
                cmocka_unit_test(test_invalid_file_rolls_back_only_itself),
                cmocka_unit_test(test_lock_on_entry_ids_stable),
                cmocka_unit_test(test_size_limit),
                cmocka_unit_test(test_file_name_length),
                cmocka_unit_test(test_file_names),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_trusted_executables),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
