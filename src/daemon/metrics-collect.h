/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the metrics say, read from the pins: the kernel's counters, per-rule counts and their
 * names, the generation in force and its map, programs' run counts. The daemon adds what only
 * it knows (reloads); with the daemon stopped, `cgroup-guardd --metrics` says the rest. */

#include "metrics.h"

typedef struct MetricsData {
        MetricsInput in;
        MetricsRuleCount *rules;
        MetricsProgram *programs;
        MetricsGuarantee guarantees[32];
} MetricsData;

/* -ENOENT (or another -errno) when nothing is pinned at pin_dir. */
int metrics_collect(const char *pin_dir, MetricsData *ret);
void metrics_data_done(MetricsData *d);
