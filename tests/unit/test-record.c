/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Record entries: the journal format round trip, refusals, and replay through the kernel's
 * decision code over the compiled candidate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "learn.h"
#include "macro.h"
#include "policy-parse.h"
#include "record.h"
#include "replay.h"

static int parse_fields(char **f, int n, Record *ret, unsigned *ret_version) {
        RecordParser p;

        record_parser_init(&p);
        for (int i = 0; i < n; i++)
                assert_int_equal(record_parser_feed(&p, f[i], strlen(f[i])), 0);
        return record_parser_finish(&p, ret, ret_version);
}

static void test_round_trip(void **state) {
        Record in = { .kind = RECORD_MIGRATION, .verdict = "audit", .actor_exe = "/usr/bin/x",
                      .actor_exe_id = "8:1:42", .actor_cgroup = "/a", .src_cgroup = "/b", .dst_cgroup = "/c",
                      .count = 7, .first_usec = 10, .last_usec = 20 }, out = {};
        char *f[RECORD_FIELDS_MAX];
        unsigned version;
        int n = record_to_fields(&in, f);

        assert_true(n > 0);
        assert_int_equal(parse_fields(f, n, &out, &version), 0);
        assert_int_equal(version, RECORD_FORMAT_VERSION);
        assert_int_equal(out.kind, RECORD_MIGRATION);
        assert_string_equal(out.verdict, "audit");
        assert_string_equal(out.actor_exe, "/usr/bin/x");
        assert_string_equal(out.actor_exe_id, "8:1:42");
        assert_string_equal(out.src_cgroup, "/b");
        assert_string_equal(out.dst_cgroup, "/c");
        assert_int_equal(out.count, 7);
        assert_int_equal(out.first_usec, 10);
        assert_int_equal(out.last_usec, 20);
        record_done(&out);
        record_fields_free(f, n);

        Record ns = { .kind = RECORD_NAMESPACE, .actor_cgroup = "/s", .ns_types = 0x40000000 | 0x10000000,
                      .count = 1 };
        n = record_to_fields(&ns, f);
        assert_int_equal(parse_fields(f, n, &out, &version), 0);
        assert_int_equal(out.ns_types, 0x40000000 | 0x10000000);
        assert_null(out.actor_exe);
        record_done(&out);
        record_fields_free(f, n);
}

static void test_refusals(void **state) {
        char *newer[] = { "MESSAGE_ID=" GUARD_MESSAGE_RECORD, "CGROUP_GUARD_RECORD_VERSION=2",
                          "CGROUP_GUARD_KIND=migration", "CGROUP_GUARD_COUNT=1", "CGROUP_GUARD_ACTOR_CGROUP=/a",
                          "CGROUP_GUARD_SRC_CGROUP=/a", "CGROUP_GUARD_DST_CGROUP=/b" };
        char *no_version[] = { "MESSAGE_ID=" GUARD_MESSAGE_RECORD, "CGROUP_GUARD_KIND=migration",
                               "CGROUP_GUARD_COUNT=1", "CGROUP_GUARD_ACTOR_CGROUP=/a",
                               "CGROUP_GUARD_SRC_CGROUP=/a", "CGROUP_GUARD_DST_CGROUP=/b" };
        char *bad_count[] = { "MESSAGE_ID=" GUARD_MESSAGE_RECORD, "CGROUP_GUARD_RECORD_VERSION=1",
                              "CGROUP_GUARD_KIND=migration", "CGROUP_GUARD_COUNT=0", "CGROUP_GUARD_ACTOR_CGROUP=/a",
                              "CGROUP_GUARD_SRC_CGROUP=/a", "CGROUP_GUARD_DST_CGROUP=/b" };
        char *other[] = { "MESSAGE_ID=e8540ee91e3f4008a0c051b6c2107e76", "CGROUP_GUARD_KIND=migration" };
        char *bad_types[] = { "MESSAGE_ID=" GUARD_MESSAGE_RECORD, "CGROUP_GUARD_RECORD_VERSION=1",
                              "CGROUP_GUARD_KIND=setns", "CGROUP_GUARD_COUNT=1", "CGROUP_GUARD_ACTOR_CGROUP=/a",
                              "CGROUP_GUARD_NS_TYPES=net bogus" };
        Record out;
        unsigned version;

        assert_int_equal(parse_fields(newer, ELEMENTSOF(newer), &out, &version), -EPROTONOSUPPORT);
        assert_int_equal(version, 2);
        assert_int_equal(parse_fields(no_version, ELEMENTSOF(no_version), &out, &version), -EBADMSG);
        assert_int_equal(parse_fields(bad_count, ELEMENTSOF(bad_count), &out, &version), -EBADMSG);
        assert_int_equal(parse_fields(other, ELEMENTSOF(other), &out, &version), -EBADMSG);
        assert_int_equal(parse_fields(bad_types, ELEMENTSOF(bad_types), &out, &version), -EBADMSG);
}

static void load(Policy *p, const char *json) {
        Diagnostics d = {};

        assert_int_equal(policy_parse_buffer(p, "10-t.json", json, strlen(json), &d), 0);
        diag_done(&d);
}

static void test_replay(void **state) {
        Policy p = {};
        Replay r = {};
        char *error = NULL;
        Record recs[] = {
                /* allowed by exe+cgroup */
                { .kind = RECORD_MIGRATION, .actor_exe = "/usr/lib/systemd/systemd", .actor_cgroup = "/init.scope",
                  .src_cgroup = "/init.scope", .dst_cgroup = "/system.slice/a.service", .count = 3, .first_usec = 5, .last_usec = 6 },
                /* same exe, other cgroup: denied by protect[0] */
                { .kind = RECORD_MIGRATION, .actor_exe = "/usr/lib/systemd/systemd", .actor_cgroup = "/x",
                  .src_cgroup = "/x", .dst_cgroup = "/system.slice/a.service", .count = 2, .first_usec = 7, .last_usec = 8 },
                /* delegated: inside one instance of docker-*.scope */
                { .kind = RECORD_MIGRATION, .actor_exe = "/bin/runc", .actor_cgroup = "/system.slice/docker-1.scope/init",
                  .src_cgroup = "/system.slice/docker-1.scope/init", .dst_cgroup = "/system.slice/docker-1.scope/c", .count = 1 },
                /* across instances: denied */
                { .kind = RECORD_MIGRATION, .actor_exe = "/bin/runc", .actor_cgroup = "/system.slice/docker-1.scope/init",
                  .src_cgroup = "/system.slice/docker-1.scope/init", .dst_cgroup = "/system.slice/docker-2.scope", .count = 1,
                  .first_usec = 1, .last_usec = 2 },
                /* the same operation again later: merged */
                { .kind = RECORD_MIGRATION, .actor_exe = "/usr/lib/systemd/systemd", .actor_cgroup = "/x",
                  .src_cgroup = "/x", .dst_cgroup = "/system.slice/a.service", .count = 1, .first_usec = 100, .last_usec = 200 },
                /* lock: net in a locked cgroup, denied; uts not locked */
                { .kind = RECORD_NAMESPACE, .actor_cgroup = "/system.slice/a.service", .ns_types = 0x40000000, .count = 4 },
                { .kind = RECORD_NAMESPACE, .actor_cgroup = "/system.slice/a.service", .ns_types = 0x04000000, .count = 1 },
        };

        load(&p, "{ \"version\": 1, \"migration\": { \"protect\": [\"/system.slice\"],"
                 " \"allow\": [ { \"exe\": \"/usr/lib/systemd/systemd\", \"cgroup\": \"/init.scope\" } ],"
                 " \"delegate\": [\"/system.slice/docker-*.scope\"] },"
                 " \"namespaces\": { \"lock\": [ { \"cgroup\": \"/system.slice/a.service\", \"types\": [\"net\"] } ] } }");
        assert_int_equal(replay_run(&p, recs, ELEMENTSOF(recs), &r, &error), 0);
        assert_int_equal(r.n_operations, 13);
        assert_int_equal(r.n_denied, 2 + 1 + 1 + 4);
        assert_int_equal(r.n_audited, 0);
        assert_int_equal(r.n_groups, 2);
        /* By name: "10-t.json:lock/0" before "10-t.json:protect/0". */
        assert_string_equal(r.groups[0].name, "10-t.json:lock/0");
        assert_int_equal(r.groups[0].count, 4);
        assert_string_equal(r.groups[1].name, "10-t.json:protect/0");
        assert_int_equal(r.groups[1].count, 4);
        assert_int_equal(r.groups[1].n_hits, 2);
        /* Ordered by executable: /bin/runc first; the systemd one merged from two records. */
        assert_string_equal(r.groups[1].hits[0].record->actor_exe, "/bin/runc");
        assert_int_equal(r.groups[1].hits[1].count, 3);
        assert_int_equal(r.groups[1].hits[1].first_usec, 7);
        assert_int_equal(r.groups[1].hits[1].last_usec, 200);
        assert_int_equal(r.groups[1].first_usec, 1);
        assert_int_equal(r.groups[1].last_usec, 200);
        replay_done(&r);
        policy_done(&p);
}

static void test_generalize(void **state) {
        static const char *const table[][2] = {
                { "user-1000.slice", "user-*.slice" },
                { "session-3.scope", "session-*.scope" },
                { "session-c5.scope", "session-c*.scope" },
                { "run-u12.scope", "run-u*.scope" },
                { "user@1000.service", "user@*.service" },
                { "getty@tty1.service", "getty@*.service" },
                { "docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope", "docker-*.scope" },
                { "libpod-4f2a9c0e1b7d.scope", "libpod-*.scope" },
                { "app-gnome-firefox-4242.scope", "app-gnome-firefox-*.scope" },
                { "1234", "*" },
                /* Transient units (systemd-run: run-uN.service, run-r<hex>.scope) and short hex ids. */
                { "run-u14.service", "run-u*.service" },
                { "run-rc557d2d2060b4c4784f11b70c9c554b2.scope", "run-r*.scope" },
                { "podman-pause-15edc515.scope", "podman-pause-*.scope" },
                /* Stable names stay: services, slices, names with numbers that are not instances. */
                { "system.slice", "system.slice" },
                { "ssh.service", "ssh.service" },
                { "php8.2-fpm.service", "php8.2-fpm.service" },
                { "svc12.service", "svc12.service" },
                { "init.scope", "init.scope" },
                { "machine-qemu\\x2d1.scope", "machine-qemu\\x2d1.scope" },
                { "c1", "c1" },
        };

        for (size_t i = 0; i < ELEMENTSOF(table); i++) {
                char *g = learn_generalize_name(table[i][0]);

                assert_non_null(g);
                if (!streq(g, table[i][1]))
                        fail_msg("%s -> %s, expected %s", table[i][0], g, table[i][1]);
                free(g);
        }
        char *p = learn_generalize_path("/user.slice/user-1000.slice/user@1000.service/app.slice/run-u7.scope");
        assert_string_equal(p, "/user.slice/user-*.slice/user@*.service/app.slice/run-u*.scope");
        free(p);
        p = learn_generalize_path("/");
        assert_string_equal(p, "/");
        free(p);
}

#define MIG(exe, actor, src, dst, n) \
        { .kind = RECORD_MIGRATION, .verdict = "allow", .actor_exe = exe, .actor_cgroup = actor, .src_cgroup = src, \
          .dst_cgroup = dst, .count = n }

static void test_learn(void **state) {
        Record recs[] = {
                MIG("/usr/lib/systemd/systemd", "/init.scope", "/init.scope", "/system.slice/a.service", 2),
                MIG("/usr/lib/systemd/systemd", "/init.scope", "/system.slice/ssh.service",
                    "/user.slice/user-1000.slice/session-3.scope", 1),
                MIG("/usr/lib/systemd/systemd", "/init.scope", "/system.slice/ssh.service",
                    "/user.slice/user-1001.slice/session-7.scope", 1),
                /* a user manager inside its own subtree: delegation */
                MIG("/usr/lib/systemd/systemd", "/user.slice/user-1000.slice/user@1000.service/init.scope",
                    "/user.slice/user-1000.slice/user@1000.service/init.scope",
                    "/user.slice/user-1000.slice/user@1000.service/app.slice/run-u3.scope", 5),
                /* one user manager into another's subtree: not delegation */
                MIG("/usr/lib/systemd/systemd", "/user.slice/user-1000.slice/user@1000.service/init.scope",
                    "/user.slice/user-1000.slice/user@1000.service/init.scope",
                    "/user.slice/user-1001.slice/user@1001.service/app.slice", 1),
                /* a service moving into its sibling: its parent is a slice, not its own subtree */
                MIG("/usr/bin/mgr", "/system.slice/mgr.service", "/system.slice/mgr.service", "/system.slice/b.service", 1),
                /* a manager moving tasks between its siblings: no delegation of the common parent */
                MIG("/usr/bin/mgr", "/t/mgr", "/t/svc/a", "/t/svc/b", 1),
                /* denied when recorded: left out */
                { .kind = RECORD_MIGRATION, .verdict = "deny", .actor_exe = "/usr/bin/evil",
                  .actor_cgroup = "/system.slice/evil.service", .src_cgroup = "/system.slice/evil.service",
                  .dst_cgroup = "/init.scope", .count = 9 },
                { .kind = RECORD_NAMESPACE, .verdict = "allow", .actor_exe = "/usr/bin/bwrap",
                  .actor_cgroup = "/system.slice/a.service", .ns_types = 0x40000000 | 0x10000000, .count = 3 },
        };
        LearnResult a = {}, b = {};
        Policy p = {};
        Diagnostics d = {};
        char *error = NULL;

        assert_int_equal(learn_run(recs, ELEMENTSOF(recs), NULL, &a, &error), 0);
        assert_int_equal(a.n_operations, 24);
        assert_int_equal(a.n_denied, 9);
        assert_int_equal(a.n_delegate, 1);
        assert_int_equal(a.n_allow, 4);  /* the sibling mover is an allow entry, not a delegation of /t */
        assert_non_null(strstr(a.policy, "\"delegate\": [\n      {\n        \"name\": \"learned/delegate/0:user@_.service\",\n"
                                         "        \"cgroup\": \"/user.slice/user-*.slice/user@*.service\"\n      }\n    ]"));
        assert_non_null(strstr(a.policy, "\"/user.slice/user-*.slice/session-*.scope\""));
        assert_null(strstr(a.policy, "evil"));
        assert_non_null(strstr(a.summary, "9x migration by /usr/bin/evil in /system.slice/evil.service: "
                                          "/system.slice/evil.service -> /init.scope: denied (or a violation) when recorded: left out"));
        assert_non_null(strstr(a.summary, "learned/delegate/0:user@_.service (moves inside /user.slice/user-*.slice/user@*.service)"));
        assert_non_null(strstr(a.policy, "\"version\": 2,"));
        /* The policy parses, and replaying the records over it denies nothing that was allowed. */
        assert_int_equal(policy_parse_buffer(&p, "50-learned.json", a.policy, strlen(a.policy), &d), 0);
        Replay r = {};
        assert_int_equal(replay_run(&p, recs, 7, &r, &error), 0);
        assert_int_equal(r.n_denied, 0);
        replay_done(&r);
        /* PID 1 may start the guard's own unit, seen or not (else its restarts fail with 219/CGROUP). */
        Record guard_start = MIG("/usr/lib/systemd/systemd", "/init.scope", "/init.scope", "/system.slice/cgroup-guardd.service", 1);
        assert_int_equal(replay_run(&p, &guard_start, 1, &r, &error), 0);
        assert_int_equal(r.n_denied, 0);
        replay_done(&r);
        /* ... and the one denied when recorded is denied again. */
        assert_int_equal(replay_run(&p, &recs[7], 1, &r, &error), 0);
        assert_int_equal(r.n_denied, 9);
        replay_done(&r);
        policy_done(&p);
        diag_done(&d);

        /* Deterministic: the records in the reverse order give the same text. */
        Record rev[ELEMENTSOF(recs)];
        for (size_t i = 0; i < ELEMENTSOF(recs); i++)
                rev[i] = recs[ELEMENTSOF(recs) - 1 - i];
        assert_int_equal(learn_run(rev, ELEMENTSOF(rev), NULL, &b, &error), 0);
        assert_string_equal(a.policy, b.policy);
        assert_string_equal(a.summary, b.summary);
        learn_result_done(&a);
        learn_result_done(&b);

        /* Nothing allowed was recorded: no policy. */
        assert_int_equal(learn_run(&recs[7], 1, NULL, &a, &error), -ENODATA);
        assert_non_null(error);
        free(error);
}

/* Executables no rule can name (rootful crun runs from a sealed memfd, which the record names
 * "/" or "/memfd:..."): the allow entry names the actor by its cgroup only, and the policy parses. */
static void test_learn_unnamed_exe(void **state) {
        Record recs[] = {
                MIG("/", "/machine.slice/libpod-conmon-ab12cd34ef56.scope", "/machine.slice/libpod-ab12cd34ef56.scope",
                    "/machine.slice/libpod-ab12cd34ef56.scope/container", 2),
                MIG("/memfd:crun_cloned:/proc/self/exe", "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-ab12cd34ef56.scope",
                    "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-ab12cd34ef56.scope",
                    "/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-ab12cd34ef56.scope/container", 1),
                MIG("/usr/sbin/runc", "/system.slice/containerd.service", "/system.slice/containerd.service",
                    "/system.slice/docker-ab12cd34ef56.scope", 1),
        };
        LearnResult a = {};
        Policy p = {};
        Diagnostics d = {};
        char *error = NULL;

        assert_int_equal(learn_run(recs, ELEMENTSOF(recs), NULL, &a, &error), 0);
        assert_null(strstr(a.policy, "\"exe\": \"/\""));
        assert_null(strstr(a.policy, "memfd"));
        assert_non_null(strstr(a.policy, "\"exe\": \"/usr/sbin/runc\""));
        assert_non_null(strstr(a.policy, "\"cgroup\": \"/machine.slice/libpod-conmon-*.scope\""));
        assert_int_equal(policy_parse_buffer(&p, "50-learned.json", a.policy, strlen(a.policy), &d), 0);
        Replay r = {};
        assert_int_equal(replay_run(&p, recs, ELEMENTSOF(recs), &r, &error), 0);
        if (r.n_denied != 0)
                fail_msg("replay denies %" PRIu64 " over:\n%s\n%s", r.n_denied, a.policy, a.summary);
        replay_done(&r);
        policy_done(&p);
        diag_done(&d);
        learn_result_done(&a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_replay),
                cmocka_unit_test(test_generalize),
                cmocka_unit_test(test_learn),
                cmocka_unit_test(test_learn_unnamed_exe),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
