/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The Prometheus exposition (src/daemon/metrics.c): every family has HELP and TYPE once, before
 * its samples; names follow the conventions (counters end in _total, base units); label values
 * are escaped; the observe backend's deny verdicts are violations; the file is replaced whole. */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "guard-event.h"
#include "metrics.h"

static const MetricsRuleCount counts[] = {
        { .policy = "10-system.json", .rule = "protect[0]", .kind = GUARD_EVENT_MIGRATION, .verdict = GUARD_VERDICT_DENY, .count = 5 },
        { .policy = "10-system.json", .rule = "protect[0]", .kind = GUARD_EVENT_MIGRATION, .verdict = GUARD_VERDICT_DENY, .count = 2 },
        { .policy = "20-sandbox.json", .rule = "lock[1]", .kind = GUARD_EVENT_NEW_NAMESPACE, .verdict = GUARD_VERDICT_AUDIT, .count = 7 },
        { .policy = "30-\"odd\\\n.json", .rule = "protect[0]", .kind = GUARD_EVENT_SETNS, .verdict = GUARD_VERDICT_DENY, .count = 1 },
        { .kind = GUARD_EVENT_TAMPER, .verdict = GUARD_VERDICT_DENY, .detail = GUARD_TAMPER_PIN, .count = 4 },
};

static const MetricsProgram programs[] = { { .name = "guard_tamper_bpf", .run_count = 10, .run_time_ns = 1500000001 } };
static const MetricsGuarantee guarantees[] = { { "migration_procs_denied", true }, { "cgroup_v1", false } };

static MetricsInput input(const char *backend) {
        return (MetricsInput) {
                .backend = backend, .version = "1.0", .daemon_running = true, .generation = 3, .n_rules = 4,
                .map_entries = 50, .map_entries_max = 200, .denied = 12, .audited = 7, .lost_events = 1,
                .rules = counts, .n_rules_counts = sizeof(counts) / sizeof(counts[0]),
                .guarantees = guarantees, .n_guarantees = 2,
                .have_reload = true, .last_reload_ok = false, .last_reload_realtime_usec = 1700000000123456ULL,
                .reloads_ok = 2, .reloads_failed = 1,
                .bpf_stats = true, .programs = programs, .n_programs = 1,
        };
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);

        for (const char *p = text; (p = strstr(p, line)); p += n)
                if ((p == text || p[-1] == '\n') && p[n] == '\n')
                        return true;
        return false;
}

static void test_samples(void **state) {
        MetricsInput in = input("native");
        char *t = metrics_render(&in);

        assert_non_null(t);
        /* Entries of one label set are summed. */
        assert_true(has_line(t, "cgroup_guard_denials_total{kind=\"migration\",policy=\"10-system.json\",rule=\"protect[0]\"} 7"));
        assert_true(has_line(t, "cgroup_guard_audits_total{kind=\"namespace\",policy=\"20-sandbox.json\",rule=\"lock[1]\"} 7"));
        assert_true(has_line(t, "cgroup_guard_denials_total{kind=\"setns\",policy=\"30-\\\"odd\\\\\\n.json\",rule=\"protect[0]\"} 1"));
        assert_true(has_line(t, "cgroup_guard_tamper_refusals_total{what=\"pin\"} 4"));
        assert_true(has_line(t, "cgroup_guard_decisions_total{verdict=\"deny\"} 12"));
        assert_true(has_line(t, "cgroup_guard_lost_events_total 1"));
        assert_true(has_line(t, "cgroup_guard_policy_generation 3"));
        assert_true(has_line(t, "cgroup_guard_policy_map_fill_ratio 0.250000"));
        assert_true(has_line(t, "cgroup_guard_last_reload_success 0"));
        assert_true(has_line(t, "cgroup_guard_last_reload_timestamp_seconds 1700000000.123456"));
        assert_true(has_line(t, "cgroup_guard_reloads_total{result=\"failure\"} 1"));
        assert_true(has_line(t, "cgroup_guard_guarantee{backend=\"native\",guarantee=\"cgroup_v1\"} 0"));
        assert_true(has_line(t, "cgroup_guard_info{backend=\"native\",daemon=\"running\",version=\"1.0\"} 1"));
        assert_true(has_line(t, "cgroup_guard_program_runs_total{program=\"guard_tamper_bpf\"} 10"));
        assert_true(has_line(t, "cgroup_guard_program_run_seconds_total{program=\"guard_tamper_bpf\"} 1.500000001"));
        /* Tamper refusals are no rule's denials. */
        assert_null(strstr(t, "rule=\"\""));
        free(t);
}

static void test_observe_violations(void **state) {
        MetricsInput in = input("observe");
        char *t = metrics_render(&in);

        assert_non_null(t);
        assert_true(has_line(t, "cgroup_guard_violations_total{kind=\"migration\",policy=\"10-system.json\",rule=\"protect[0]\"} 7"));
        assert_null(strstr(t, "\ncgroup_guard_denials_total{"));
        assert_true(has_line(t, "cgroup_guard_decisions_total{verdict=\"deny\"} 0"));
        assert_true(has_line(t, "cgroup_guard_decisions_total{verdict=\"observed\"} 12"));
        free(t);
}

/* The text format: every sample's family announced once by HELP then TYPE; counters end in
 * _total; no sample after its family's samples ended (families are contiguous). */
static void test_format(void **state) {
        MetricsInput in = input("compat");
        char *t = metrics_render(&in), *save = NULL, families[64][80] = {};
        unsigned n_families = 0;
        char current[80] = "", type[16] = "";

        assert_non_null(t);
        assert_true(t[strlen(t) - 1] == '\n');
        for (char *line = strtok_r(t, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char name[80];

                if (strncmp(line, "# HELP ", 7) == 0) {
                        assert_int_equal(sscanf(line + 7, "%79s", name), 1);
                        for (unsigned i = 0; i < n_families; i++)
                                assert_string_not_equal(families[i], name);
                        assert_true(n_families < 64);
                        strcpy(families[n_families++], name);
                        strcpy(current, name);
                        type[0] = '\0';
                        continue;
                }
                if (strncmp(line, "# TYPE ", 7) == 0) {
                        assert_int_equal(sscanf(line + 7, "%79s %15s", name, type), 2);
                        assert_string_equal(name, current);
                        if (strcmp(type, "counter") == 0)
                                assert_string_equal(name + strlen(name) - 6, "_total");
                        else
                                assert_string_equal(type, "gauge");
                        continue;
                }
                assert_int_equal(sscanf(line, "%79[^{ ]", name), 1);
                assert_string_equal(name, current);
                assert_true(type[0] != '\0');
                assert_true(strncmp(name, "cgroup_guard_", 13) == 0);
                assert_null(strstr(line, "pid="));
        }
        free(t);
}

static void test_write_file(void **state) {
        char dir[] = "/tmp/test-metrics.XXXXXX", path[256], buf[64] = {};
        struct stat st;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/cgroup-guard.prom", dir);
        assert_int_equal(metrics_write_file(path, "a 1\n"), 0);
        assert_int_equal(metrics_write_file(path, "b 2\n"), 0);
        f = fopen(path, "re");
        assert_non_null(f);
        assert_non_null(fgets(buf, sizeof(buf), f));
        fclose(f);
        assert_string_equal(buf, "b 2\n");
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0644);
        /* Nothing else is left in the directory. */
        assert_int_equal(unlink(path), 0);
        assert_int_equal(rmdir(dir), 0);
        /* A missing directory is an error, not a crash. */
        assert_true(metrics_write_file("/nonexistent-dir/x.prom", "a 1\n") < 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_samples),
                cmocka_unit_test(test_observe_violations),
                cmocka_unit_test(test_format),
                cmocka_unit_test(test_write_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
