/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A storm of identical denials (same actor, rule, kind, target) must not flood the journal or the
 * bus: the first RATELIMIT_BURST per RATELIMIT_INTERVAL are reported in full, the rest counted
 * and summed up once per interval. Across all keys, a budget: at most RATELIMIT_BUDGET lines (full
 * reports and summaries) per interval, denials and tamper attempts each their own, so thousands of
 * users (the kernel limits each one apart) cannot push the guard past journald's per-unit limit,
 * which would drop its own lines too; beyond it occurrences are only counted and summed up in one
 * line per interval. The BPF counters stay exact regardless. */

#include <stdbool.h>
#include <stdint.h>

#include "macro.h"

#define RATELIMIT_BURST 5
#define RATELIMIT_INTERVAL_USEC (10 * USEC_PER_SEC)
#define RATELIMIT_SLOTS 256
#define RATELIMIT_BUDGET 200

typedef struct RateLimitKey {
        uint32_t actor_tgid;
        uint32_t rule;
        uint32_t kind;
        uint64_t target;        /* destination cgroup id or namespace type */
} RateLimitKey;

typedef struct RateLimitSlot {
        RateLimitKey key;
        uint64_t window_start;
        unsigned reported;
        uint64_t suppressed;
        char summary[256];      /* what to say when the suppressed ones are summed up */
        bool used;
} RateLimitSlot;

typedef enum RateLimitBudgetKind {
        RATELIMIT_BUDGET_DENIALS,
        RATELIMIT_BUDGET_TAMPER,
        _RATELIMIT_BUDGET_MAX,
} RateLimitBudgetKind;

typedef struct RateLimitBudget {
        uint64_t window_start;
        unsigned lines;         /* written in this interval */
        uint64_t suppressed;    /* occurrences beyond the budget, not in any slot's summary */
} RateLimitBudget;

typedef struct RateLimit {
        uint64_t interval_usec;         /* 0: RATELIMIT_INTERVAL_USEC */
        RateLimitSlot slots[RATELIMIT_SLOTS];
        RateLimitBudget budgets[_RATELIMIT_BUDGET_MAX];
} RateLimit;

/* True if this occurrence should be reported in full; otherwise it was counted. summary
 * describes the occurrence for a later "suppressed" line. */
bool ratelimit_test(RateLimit *rl, const RateLimitKey *key, uint64_t now, const char *summary);

/* Calls flush for each slot whose interval ended with suppressed occurrences, then resets it;
 * within the budget, or else counted beyond it. Then, for each budget whose interval ended with
 * occurrences beyond it, once with summary NULL and its kind. */
typedef void (*RateLimitFlush)(void *userdata, const char *summary, RateLimitBudgetKind budget, uint64_t suppressed,
                               uint64_t usec);
void ratelimit_flush(RateLimit *rl, uint64_t now, bool all, RateLimitFlush flush, void *userdata);
