/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The guard's state in the Prometheus text exposition format (version 0.0.4), for the
 * node_exporter textfile collector (--metrics-file) and `cgroup-guardctl metrics`. Pure: what to
 * say comes in a MetricsInput, gathered by the daemon or read from the pins. Labels are bounded:
 * policy file names, rule names, kinds of operation, program names, guarantee ids; never pids
 * or cgroup paths. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct MetricsRuleCount {
        char policy[128];       /* policy file name; "" for tamper refusals and unnamed rules */
        char rule[128];         /* rule name in it; "" when unknown */
        uint32_t kind;          /* enum guard_event_kind */
        uint32_t verdict;       /* enum guard_verdict */
        uint32_t detail;        /* tamper: enum guard_tamper_what */
        uint64_t count;
} MetricsRuleCount;

typedef struct MetricsProgram {
        char name[64];          /* the program's name (its link pin without "link_") */
        uint64_t run_count;
        uint64_t run_time_ns;
} MetricsProgram;

typedef struct MetricsGuarantee {
        const char *id;         /* short and stable: the label value */
        bool held;
} MetricsGuarantee;

typedef struct MetricsInput {
        const char *backend;    /* "native", "compat", "observe" */
        const char *version;
        bool daemon_running;    /* false: read from the pins with the daemon stopped */
        uint32_t generation;
        uint32_t n_rules;
        unsigned map_entries, map_entries_max;
        uint64_t denied, audited, observed;     /* the kernel's exact totals */
        uint64_t lost_events, lost_cgroup_events, suppressed, map_full, counts_full;
        const MetricsRuleCount *rules;
        size_t n_rules_counts;
        const MetricsGuarantee *guarantees;
        size_t n_guarantees;
        bool have_reload;       /* the daemon knows its last reload (not from the pins) */
        bool last_reload_ok;
        uint64_t last_reload_realtime_usec;
        uint64_t reloads_ok, reloads_failed;
        bool bpf_stats;         /* kernel.bpf_stats_enabled: the program figures are counted */
        const MetricsProgram *programs;
        size_t n_programs;
} MetricsInput;

/* The exposition, complete and ending in a newline; NULL on OOM. */
char *metrics_render(const MetricsInput *in);

/* Writes text to path atomically (a temporary file in the same directory, fsync'd, renamed over
 * it, mode 0644): the collector never reads half a file. */
int metrics_write_file(const char *path, const char *text);

const char *metrics_tamper_what(uint32_t what);
