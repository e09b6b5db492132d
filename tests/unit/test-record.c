/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Record entries: the journal format round trip, refusals, and replay through the kernel's
 * decision code over the compiled candidate. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

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
        /* By name: "lock[0] ..." before "protect[0] ...". */
        assert_string_equal(r.groups[0].name, "lock[0] in 10-t.json");
        assert_int_equal(r.groups[0].count, 4);
        assert_string_equal(r.groups[1].name, "protect[0] in 10-t.json");
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

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_refusals),
                cmocka_unit_test(test_replay),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
