/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

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

bool ratelimit_test(RateLimit *rl, const RateLimitKey *key, uint64_t now, const char *summary) {
        RateLimitKey k = {};
        RateLimitSlot *s;

        /* Copy field by field: padding must not make equal keys differ. */
        k.actor_tgid = key->actor_tgid;
        k.rule = key->rule;
        k.kind = key->kind;
        k.target = key->target;
        s = &rl->slots[key_hash(&k) % RATELIMIT_SLOTS];

        /* A different key in the slot: the newcomer takes it (its own burst starts over). */
        if (!s->used || memcmp(&s->key, &k, sizeof(k)) != 0) {
                *s = (RateLimitSlot) { .key = k, .window_start = now, .used = true };
        } else if (now - s->window_start >= interval(rl) && s->suppressed == 0) {
                s->window_start = now;
                s->reported = 0;
        }
        if (s->reported < RATELIMIT_BURST) {
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

void ratelimit_flush(RateLimit *rl, uint64_t now, bool all,
                     void (*flush)(void *userdata, const char *summary, uint64_t suppressed, uint64_t usec),
                     void *userdata) {
        for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
                RateLimitSlot *s = &rl->slots[i];

                if (!s->used || s->suppressed == 0)
                        continue;
                if (!all && now - s->window_start < interval(rl))
                        continue;
                flush(userdata, s->summary, s->suppressed, now - s->window_start);
                s->window_start = now;
                s->reported = 0;
                s->suppressed = 0;
        }
}
