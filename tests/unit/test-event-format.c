/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Denial records into sentences and CGROUP_GUARD_* fields; the storm rate limiter. */

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>
#include <cmocka.h>

#include "event-format.h"
#include "policy-parse.h"
#include "ratelimit.h"
#include "string-util.h"

static const char policy_text[] =
        "{ \"version\": 1, \"migration\": { \"protect\": [\"/system.slice\"] },\n"
        "  \"namespaces\": { \"lock\": [ { \"cgroup\": \"/system.slice/sandbox.service\", \"types\": [\"net\"] } ] } }";

static bool has_field(const EventText *t, const char *field) {
        for (unsigned i = 0; i < t->n_fields; i++)
                if (strcmp(t->fields[i], field) == 0)
                        return true;
        return false;
}

static void test_migration_denial(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        struct guard_event e = {
                .kind = GUARD_EVENT_MIGRATION, .verdict = GUARD_VERDICT_DENY, .actor_pid = 4240, .actor_tgid = 4240,
                .task_pid = 4242, .rule_id = 1, .generation = 3, .actor_comm = "evil", .task_comm = "bash",
        };
        EventNames n = {
                .backend = "native", .actor_exe = "/usr/bin/evil", .actor_cgroup = "/user.slice",
                .src_cgroup = "/system.slice/foo.service", .dst_cgroup = "/user.slice", .policy = &p,
        };
        _cleanup_(event_text_done) EventText t = {};

        assert_int_equal(policy_parse_buffer(&p, "/etc/x/10-system.json", policy_text, strlen(policy_text), &d), 0);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_string_equal(t.message,
                            "Denied migration of pid 4242 (bash) from /system.slice/foo.service to /user.slice by pid 4240 "
                            "(/usr/bin/evil, evil) in /user.slice: /system.slice is protected by rule '10-system.json:protect/0' in "
                            "10-system.json and no allow or delegate rule matches");
        assert_int_equal(t.priority, LOG_WARNING);
        assert_true(has_field(&t, "CGROUP_GUARD_ACTION=deny"));
        assert_true(has_field(&t, "CGROUP_GUARD_KIND=migration"));
        assert_true(has_field(&t, "CGROUP_GUARD_RULE=10-system.json:protect/0"));
        assert_true(has_field(&t, "CGROUP_GUARD_POLICY=10-system.json"));
        assert_true(has_field(&t, "CGROUP_GUARD_GENERATION=3"));
        assert_true(has_field(&t, "CGROUP_GUARD_BACKEND=native"));
        assert_true(has_field(&t, "CGROUP_GUARD_ACTOR_PID=4240"));
        assert_true(has_field(&t, "CGROUP_GUARD_TASK_PID=4242"));
        assert_true(has_field(&t, "CGROUP_GUARD_TASK_COMM=bash"));
        assert_true(has_field(&t, "CGROUP_GUARD_SRC_CGROUP=/system.slice/foo.service"));
        assert_true(has_field(&t, "CGROUP_GUARD_DST_CGROUP=/user.slice"));

        /* The same on the observe backend is a violation that happened. */
        n.backend = "observe";
        event_text_done(&t);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_true(strncmp(t.message, "Violation (not prevented): migration", 36) == 0);
        assert_true(has_field(&t, "CGROUP_GUARD_ACTION=observed"));
}

/* The moved task is named as the kernel recorded it (it may be gone when the record is read): a
 * full 16-byte name has no terminator there; an empty one names no task. */
static void test_task_comm_from_record(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        struct guard_event e = {
                .kind = GUARD_EVENT_MIGRATION, .verdict = GUARD_VERDICT_DENY, .actor_tgid = 10, .task_pid = 11,
                .rule_id = 1, .actor_comm = "evil",
        };
        EventNames n = { .backend = "compat", .src_cgroup = "/system.slice/foo.service", .dst_cgroup = "/", .policy = &p };
        _cleanup_(event_text_done) EventText t = {};

        assert_int_equal(policy_parse_buffer(&p, "10-system.json", policy_text, strlen(policy_text), &d), 0);
        memcpy(e.task_comm, "sixteen-bytes-xy", GUARD_COMM_LEN);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "migration of pid 11 (sixteen-bytes-xy) from /system.slice/foo.service to /"));
        assert_true(has_field(&t, "CGROUP_GUARD_TASK_COMM=sixteen-bytes-xy"));

        event_text_done(&t);
        memset(e.task_comm, 0, GUARD_COMM_LEN);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "migration of pid 11 from /system.slice/foo.service to /"));
        for (unsigned i = 0; i < t.n_fields; i++)
                assert_null(strstr(t.fields[i], "CGROUP_GUARD_TASK_COMM="));
}

/* A seal's denial says so, with the rule's own name (version 2). */
static void test_seal_denial(void **state) {
        static const char text[] =
                "{ \"version\": 2, \"migration\": { \"protect\": [ { \"name\": \"web-sealed\", "
                "\"cgroup\": \"/system.slice/web.service\", \"seal\": true } ] } }";
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        struct guard_event e = {
                .kind = GUARD_EVENT_MIGRATION, .verdict = GUARD_VERDICT_DENY, .actor_pid = 1, .actor_tgid = 1,
                .task_pid = 4242, .rule_id = 1, .generation = 3, .actor_comm = "systemd", .task_comm = "su",
        };
        EventNames n = {
                .backend = "native", .actor_exe = "/usr/lib/systemd/systemd", .actor_cgroup = "/init.scope",
                .src_cgroup = "/system.slice/web.service", .dst_cgroup = "/user.slice/user-0.slice/session-c1.scope",
                .policy = &p,
        };
        _cleanup_(event_text_done) EventText t = {};

        assert_int_equal(policy_parse_buffer(&p, "60-sealed.json", text, strlen(text), &d), 0);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "/system.slice/web.service is sealed by rule 'web-sealed' in 60-sealed.json"));
        assert_true(has_field(&t, "CGROUP_GUARD_RULE=web-sealed"));
}

static void test_namespace_audit(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        struct guard_event e = {
                .kind = GUARD_EVENT_SETNS, .verdict = GUARD_VERDICT_AUDIT, .actor_tgid = 7, .rule_id = 2,
                .ns_type = 0x40000000, .ns_inum = 4026531992u, .actor_comm = "nsenter",
        };
        EventNames n = { .backend = "compat", .actor_cgroup = "/system.slice/sandbox.service", .policy = &p,
                         .response = "froze /system.slice/sandbox.service" };
        _cleanup_(event_text_done) EventText t = {};

        assert_int_equal(policy_parse_buffer(&p, "50-sandbox.json", policy_text, strlen(policy_text), &d), 0);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "Audit: would deny joining another net namespace (inode 4026531992) by pid 7 ((unknown), nsenter)"));
        assert_non_null(strstr(t.message, "tasks in /system.slice/sandbox.service are locked into their namespaces by rule '50-sandbox.json:lock/0'"));
        assert_non_null(strstr(t.message, "; froze /system.slice/sandbox.service"));
        assert_int_equal(t.priority, LOG_NOTICE);
        assert_true(has_field(&t, "CGROUP_GUARD_NS_TYPE=net"));
        assert_true(has_field(&t, "CGROUP_GUARD_NS_INUM=4026531992"));
        assert_true(has_field(&t, "CGROUP_GUARD_RESPONSE=froze /system.slice/sandbox.service"));
        assert_false(has_field(&t, "CGROUP_GUARD_SRC_CGROUP=(unknown)"));

        /* The same decision for an open of that namespace's /proc/PID/net files. */
        event_text_done(&t);
        e.flags = GUARD_SETNS_PROC_NET;
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "Audit: would deny reaching into another net namespace (inode 4026531992) "
                                          "through its /proc/PID/net files by pid 7"));
        assert_true(has_field(&t, "CGROUP_GUARD_NS_INUM=4026531992"));

        /* And for its sysfs entries. */
        event_text_done(&t);
        e.flags = GUARD_SETNS_SYSFS_NET;
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "Audit: would deny reaching into another net namespace (inode 4026531992) "
                                          "through its sysfs entries (a sysfs mounted from there) by pid 7"));
}

static void test_unknown_rule(void **state) {
        struct guard_event e = { .kind = GUARD_EVENT_NEW_NAMESPACE, .verdict = GUARD_VERDICT_DENY, .rule_id = 99,
                                 .generation = 5, .ns_type = 0x04000000 };
        EventNames n = { .backend = "native" };
        _cleanup_(event_text_done) EventText t = {};

        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "creating a new uts namespace"));
        assert_non_null(strstr(t.message, "rule 99 of policy generation 5"));
        assert_true(has_field(&t, "CGROUP_GUARD_RULE=#99"));
}

/* A locked task's fork into a pid namespace it prepared before the lock. */
static void test_child_namespace(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        struct guard_event e = {
                .kind = GUARD_EVENT_CHILD_NAMESPACE, .verdict = GUARD_VERDICT_DENY, .actor_tgid = 8, .rule_id = 2,
                .ns_type = 0x20000000, .ns_inum = 4026532001u, .flags = 0x20000000, .actor_comm = "sh",
        };
        EventNames n = { .backend = "native", .actor_cgroup = "/system.slice/sandbox.service", .policy = &p };
        _cleanup_(event_text_done) EventText t = {};

        assert_int_equal(policy_parse_buffer(&p, "50-sandbox.json", policy_text, strlen(policy_text), &d), 0);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "Denied forking a child into a pid namespace prepared before the lock "
                                          "(inode 4026532001) by pid 8"));
        assert_non_null(strstr(t.message, "locked into their namespaces by rule '50-sandbox.json:lock/0'"));
        assert_true(has_field(&t, "CGROUP_GUARD_KIND=fork"));
        assert_true(has_field(&t, "CGROUP_GUARD_NS_TYPE=pid"));
        assert_true(has_field(&t, "CGROUP_GUARD_NS_INUM=4026532001"));
}

static bool has_control(const char *s) {
        for (; *s; s++)
                if ((unsigned char) *s < 0x20 || *s == 0x7f)
                        return true;
        return false;
}

/* Names are chosen by the processes we report on: the sentence escapes them (cescape), the
 * structured fields keep them raw. */
static void test_hostile_names(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        struct guard_event e = {
                .kind = GUARD_EVENT_MIGRATION, .verdict = GUARD_VERDICT_DENY, .actor_tgid = 10, .task_pid = 11,
                .rule_id = 1, .actor_comm = "a\x1b]0;x\a\n", .task_comm = "t\r",
        };
        EventNames n = {
                .backend = "native", .actor_exe = "/tmp/x\n\xe2\x96\x91\xe2\x96\x91 Support: forged",
                .actor_cgroup = "/spoof\x1b[2K\rJan 01 00:00:00 spoof/prot: x", .src_cgroup = "/bad\xff",
                .dst_cgroup = "/system.slice", .policy = &p,
        };
        _cleanup_(event_text_done) EventText t = {};

        assert_int_equal(policy_parse_buffer(&p, "10-system.json", policy_text, strlen(policy_text), &d), 0);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_false(has_control(t.message));
        assert_null(strstr(t.message, "\xff"));
        assert_non_null(strstr(t.message, "(/tmp/x\\n\xe2\x96\x91\xe2\x96\x91 Support: forged, a\\x1b]0;x\\a\\n)"));
        assert_non_null(strstr(t.message, "in /spoof\\x1b[2K\\rJan 01 00:00:00 spoof/prot: x:"));
        assert_non_null(strstr(t.message, "migration of pid 11 (t\\r) from /bad\\xff to /system.slice"));
        assert_true(has_field(&t, "CGROUP_GUARD_ACTOR_EXE=/tmp/x\n\xe2\x96\x91\xe2\x96\x91 Support: forged"));
        assert_true(has_field(&t, "CGROUP_GUARD_ACTOR_CGROUP=/spoof\x1b[2K\rJan 01 00:00:00 spoof/prot: x"));
        assert_true(has_field(&t, "CGROUP_GUARD_ACTOR_COMM=a\x1b]0;x\a\n"));
        assert_true(has_field(&t, "CGROUP_GUARD_SRC_CGROUP=/bad\xff"));
}

/* A 3,800-byte destination: the sentence still says who, which rule and what was done (the path
 * shortened in the middle, visibly); the fields carry it whole. */
static void test_long_path(void **state) {
        _cleanup_(policy_done) Policy p = {};
        _cleanup_(diag_done) Diagnostics d = {};
        struct guard_event e = {
                .kind = GUARD_EVENT_MIGRATION, .verdict = GUARD_VERDICT_DENY, .actor_tgid = 4240, .task_pid = 4242,
                .rule_id = 1, .actor_comm = "evil",
        };
        char dst[3801], *field = NULL;
        EventNames n = {
                .backend = "native", .actor_exe = "/usr/bin/evil", .actor_cgroup = dst, .src_cgroup = "/",
                .dst_cgroup = dst, .policy = &p, .response = "froze /user.slice/evil.scope",
        };
        _cleanup_(event_text_done) EventText t = {};

        dst[0] = '/';
        for (size_t i = 1; i < sizeof(dst) - 1; i++)
                dst[i] = i % 100 == 0 ? '/' : 'd';
        dst[sizeof(dst) - 1] = '\0';
        memcpy(dst + sizeof(dst) - 5, "LAST", 4);
        assert_int_equal(policy_parse_buffer(&p, "10-system.json", policy_text, strlen(policy_text), &d), 0);
        assert_int_equal(event_format(&e, &n, &t), 0);
        assert_non_null(strstr(t.message, "by pid 4240 (/usr/bin/evil, evil)"));
        assert_non_null(strstr(t.message, "rule '10-system.json:protect/0' in 10-system.json"));
        assert_non_null(strstr(t.message, "; froze /user.slice/evil.scope"));
        assert_non_null(strstr(t.message, "\xe2\x80\xa6"));
        assert_non_null(strstr(t.message, "LAST"));
        assert_int_equal(asprintf(&field, "CGROUP_GUARD_DST_CGROUP=%s", dst) > 0, true);
        assert_true(has_field(&t, field));
        free(field);
        assert_int_equal(asprintf(&field, "CGROUP_GUARD_ACTOR_CGROUP=%s", dst) > 0, true);
        assert_true(has_field(&t, field));
        free(field);
}

static uint64_t flushed;

static void count_flushed(void *userdata, const char *summary, RateLimitBudgetKind budget, uint64_t suppressed,
                          uint64_t usec) {
        assert_string_equal(summary, "a");
        flushed += suppressed;
}

static void test_ratelimit(void **state) {
        static RateLimit rl;
        RateLimitKey a = { .actor_tgid = 1, .rule = 2, .kind = 1, .target = 3 }, b = a;
        unsigned reported = 0;

        b.actor_tgid = 2;
        for (int i = 0; i < 1000; i++)
                reported += ratelimit_test(&rl, &a, 1000 + i, "a");
        assert_int_equal(reported, RATELIMIT_BURST);
        assert_true(ratelimit_test(&rl, &b, 2000, "b"));

        ratelimit_flush(&rl, 5000, false, count_flushed, NULL);
        assert_int_equal(flushed, 0);           /* interval not over */
        ratelimit_flush(&rl, 1000 + RATELIMIT_INTERVAL_USEC, false, count_flushed, NULL);
        assert_int_equal(flushed, 1000 - RATELIMIT_BURST);
        /* A new interval starts with a fresh burst. */
        assert_true(ratelimit_test(&rl, &a, 2000 + RATELIMIT_INTERVAL_USEC, "a"));
}

static char long_summary_seen[512];

static void keep_summary(void *userdata, const char *summary, RateLimitBudgetKind budget, uint64_t suppressed,
                         uint64_t usec) {
        snprintf(long_summary_seen, sizeof(long_summary_seen), "%s", summary);
}

/* A summary of a long sentence keeps its end (rule, response) and never splits a character. */
static void test_ratelimit_long_summary(void **state) {
        static RateLimit rl;
        RateLimitKey a = { .actor_tgid = 1, .rule = 2, .kind = 1, .target = 3 };
        char summary[1200] = "Denied migration to /";

        for (int i = 0; i < 300; i++)
                strcat(summary, "\xc3\xa9");
        strcat(summary, " by pid 7: rule 'protect[0]'; froze /x");
        for (int i = 0; i <= RATELIMIT_BURST; i++)
                ratelimit_test(&rl, &a, 1000 + i, summary);
        ratelimit_flush(&rl, 1000 + RATELIMIT_INTERVAL_USEC, false, keep_summary, NULL);
        assert_non_null(strstr(long_summary_seen, "rule 'protect[0]'; froze /x"));
        assert_non_null(strstr(long_summary_seen, "\xe2\x80\xa6"));
        for (size_t i = 0, l; long_summary_seen[i]; i += l)
                assert_true((l = utf8_sequence_length((const unsigned char *) long_summary_seen + i,
                                                      strlen(long_summary_seen + i))) > 0);
}

static uint64_t budget_lines, budget_counted;

static void count_budget(void *userdata, const char *summary, RateLimitBudgetKind budget, uint64_t suppressed,
                         uint64_t usec) {
        budget_lines++;
        budget_counted += suppressed;
}

/* Thousands of users at once, each within its own kernel limit: the lines written stay within the
 * budget (journald's per-unit limit would drop the guard's own lines too), every occurrence is
 * still counted, and a tamper attempt has a budget of its own. */
static void test_ratelimit_budget(void **state) {
        static RateLimit rl;
        RateLimitKey tamper = { .actor_tgid = 7, .rule = 0, .kind = GUARD_EVENT_TAMPER, .target = 9 };
        uint64_t reported = 0, total = 0;

        for (uint32_t uid = 0; uid < 2000; uid++)
                for (int i = 0; i < 20; i++, total++) {
                        RateLimitKey k = { .actor_tgid = 1000 + uid, .rule = 2, .kind = GUARD_EVENT_MIGRATION, .target = 3 };

                        reported += ratelimit_test(&rl, &k, 1000 + total, "a");
                }
        assert_true(reported <= RATELIMIT_BUDGET);
        assert_true(ratelimit_test(&rl, &tamper, 1000 + total, "t"));

        ratelimit_flush(&rl, 1000 + total + RATELIMIT_INTERVAL_USEC, false, count_budget, NULL);
        assert_true(reported + budget_lines <= RATELIMIT_BUDGET + 1);
        assert_int_equal(reported + budget_counted, total);
        /* The next interval has its budget again. */
        assert_true(ratelimit_test(&rl, &(RateLimitKey) { .actor_tgid = 5000, .rule = 2, .kind = GUARD_EVENT_MIGRATION, .target = 3 },
                                   1000 + total + 2 * RATELIMIT_INTERVAL_USEC, "b"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_migration_denial),
                cmocka_unit_test(test_task_comm_from_record),
                cmocka_unit_test(test_seal_denial),
                cmocka_unit_test(test_namespace_audit),
                cmocka_unit_test(test_unknown_rule),
                cmocka_unit_test(test_child_namespace),
                cmocka_unit_test(test_hostile_names),
                cmocka_unit_test(test_long_path),
                cmocka_unit_test(test_ratelimit),
                cmocka_unit_test(test_ratelimit_long_summary),
                cmocka_unit_test(test_ratelimit_budget),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
