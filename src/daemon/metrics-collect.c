/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>

#include "bpf-backend.h"
#include "config.h"
#include "macro.h"
#include "metrics-collect.h"

static void add_guarantees(MetricsData *d, const char *const *ids, bool held) {
        for (; *ids && d->in.n_guarantees < ELEMENTSOF(d->guarantees); ids++)
                d->guarantees[d->in.n_guarantees++] = (MetricsGuarantee) { .id = *ids, .held = held };
}

int metrics_collect(const char *pin_dir, MetricsData *ret) {
        _cleanup_(freep) char *v1 = backend_missing_cgroup_v1();
        MetricsData d = {};
        BackendPinned p;
        int r;

        r = backend_read_pinned(pin_dir, &p);
        if (r < 0)
                return r;
        d.in = (MetricsInput) {
                .backend = backend_kind_to_string(p.kind),
                .version = PACKAGE_VERSION,
                .generation = p.generation,
                .n_rules = p.n_rules,
                .map_entries = p.n_entries,
                .map_entries_max = p.map_entries_max,
                .denied = p.counters.denied,
                .audited = p.counters.audited,
                .observed = p.counters.observed,
                .lost_events = p.counters.lost_events,
                .lost_cgroup_events = p.counters.lost_cgroup_events,
                .suppressed = p.counters.suppressed,
                .map_full = p.counters.map_full,
                .counts_full = p.counters.counts_full,
                .bpf_stats = backend_bpf_stats_enabled(),
        };
        add_guarantees(&d, backend_guarantee_ids(p.kind), true);
        add_guarantees(&d, backend_missing_guarantee_ids(p.kind), false);
        if (v1)
                add_guarantees(&d, (const char *const[]) { "cgroup_v1", NULL }, false);

        /* Pins from a build before the per-rule counts: the totals still say what happened. */
        if (backend_read_rule_counts(pin_dir, &d.rules, &d.in.n_rules_counts) < 0)
                d.in.n_rules_counts = 0;
        if (d.in.bpf_stats && backend_read_programs(pin_dir, &d.programs, &d.in.n_programs) < 0)
                d.in.n_programs = 0;
        *ret = d;
        ret->in.rules = ret->rules;
        ret->in.programs = ret->programs;
        ret->in.guarantees = ret->guarantees;
        return 0;
}

void metrics_data_done(MetricsData *d) {
        free(d->rules);
        free(d->programs);
        *d = (MetricsData) {};
}
