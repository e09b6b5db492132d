/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "guard-event.h"
#include "hash-util.h"
#include "macro.h"
#include "ratelimit.h"
#include "string-util.h"

static uint64_t key_hash(const RateLimitKey *k) {
        return fnv1a(k, sizeof(*k));
}

static uint64_t interval(const RateLimit *rl) {
        return rl->interval_usec ?: RATELIMIT_INTERVAL_USEC;
}

static RateLimitBudgetKind budget_kind(uint32_t kind) {
        return kind == GUARD_EVENT_TAMPER ? RATELIMIT_BUDGET_TAMPER : RATELIMIT_BUDGET_DENIALS;
}

/* One more line within the budget's interval? */
static bool budget_take(RateLimit *rl, RateLimitBudget *b, uint64_t now) {
        if (now - b->window_start >= interval(rl) && b->suppressed == 0) {
                b->window_start = now;
                b->lines = 0;
        }
        if (b->lines >= RATELIMIT_BUDGET)
                return false;
        b->lines++;
        return true;
}

bool ratelimit_test(RateLimit *rl, const RateLimitKey *key, uint64_t now, const char *summary) {
        RateLimitKey k = {};
        RateLimitSlot *s;

        /* Copy field by field: padding must not make equal keys differ. */
        k.actor_tgid = key->actor_tgid;
        k.rule = key->rule;
        k.kind = key->kind;
        k.target = key->target;
        s = &rl->slots[key_hash(&k) % RATELIMIT_SLOTS];

        /* A different key in the slot: the newcomer takes it (its own burst starts over); what the
         * old one suppressed is still counted, beyond its budget. */
        if (!s->used || memcmp(&s->key, &k, sizeof(k)) != 0) {
                if (s->used)
                        rl->budgets[budget_kind(s->key.kind)].suppressed += s->suppressed;
                *s = (RateLimitSlot) { .key = k, .window_start = now, .used = true };
        } else if (now - s->window_start >= interval(rl) && s->suppressed == 0) {
                s->window_start = now;
                s->reported = 0;
        }
        if (s->reported < RATELIMIT_BURST) {
                RateLimitBudget *b = &rl->budgets[budget_kind(k.kind)];

                if (!budget_take(rl, b, now)) {
                        b->suppressed++;
                        return false;
                }
                s->reported++;
                return true;
        }
        if (s->suppressed++ == 0) {
                /* Shortened in the middle: the end names the rule and the response, and a cut
                 * must not split a character (MESSAGE would stop being UTF-8). */
                _cleanup_(freep) char *shortened = ellipsize_middle(summary, sizeof(s->summary) - 1);

                snprintf(s->summary, sizeof(s->summary), "%s", shortened ?: "similar denials");
        }
        return false;
}

void ratelimit_flush(RateLimit *rl, uint64_t now, bool all, RateLimitFlush flush, void *userdata) {
        for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
                RateLimitSlot *s = &rl->slots[i];
                RateLimitBudgetKind kind = budget_kind(s->key.kind);

                if (!s->used || s->suppressed == 0)
                        continue;
                if (!all && now - s->window_start < interval(rl))
                        continue;
                if (budget_take(rl, &rl->budgets[kind], now))
                        flush(userdata, s->summary, kind, s->suppressed, now - s->window_start);
                else
                        rl->budgets[kind].suppressed += s->suppressed;
                s->window_start = now;
                s->reported = 0;
                s->suppressed = 0;
        }
        for (RateLimitBudgetKind kind = 0; kind < _RATELIMIT_BUDGET_MAX; kind++) {
                RateLimitBudget *b = &rl->budgets[kind];

                if (b->suppressed == 0 || (!all && now - b->window_start < interval(rl)))
                        continue;
                flush(userdata, NULL, kind, b->suppressed, now - b->window_start);
                b->window_start = now;
                b->lines = 0;
                b->suppressed = 0;
        }
}
