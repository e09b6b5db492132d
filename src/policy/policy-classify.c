/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cgroup-path.h"
#include "hash-util.h"
#include "macro.h"
#include "policy-classify.h"
#include "policy-image.h"

/* Every distinct pattern of every active rule, split into components. */
typedef struct Pattern {
        char *text;
        char **components;
        size_t n_components;
        size_t *rules;          /* indices of the rules naming it, ascending */
        size_t n_rules;
} Pattern;

/* A state: how far each pattern got along the path so far. Alive patterns matched the first
 * depth components and have more; full ones matched completely (they cover the subtree).
 * Settled states (nothing alive) forget the depth: all their descendants are alike. */
typedef struct State {
        uint32_t depth;
        uint32_t *alive, *full;         /* pattern indices, ascending */
        size_t n_alive, n_full;
        uint64_t hash;
} State;

#define DEPTH_SETTLED UINT32_MAX

struct Classifier {
        const Policy *policy;
        Pattern *patterns;
        size_t n_patterns, n_patterns_allocated;
        uint32_t *pattern_slots;        /* open addressing over patterns by text: index + 1 */
        size_t n_pattern_slots;
        State *states;                  /* id = index + 1 */
        size_t n_states, n_states_allocated;
        uint32_t *buckets;              /* open addressing over states: id, 0 empty */
        size_t n_buckets;
        size_t opaque_rule;             /* a rule of the first state too big for the kernel, or NO_RULE */
        const char *opaque_pattern;     /* its pattern (in patterns[]) */
};

static bool is_glob(const char *component) {
        return strchr(component, '*') != NULL;
}

static uint64_t text_hash(const char *t) {
        return fnv1a_string(t);
}

static int find_pattern(const Classifier *c, const char *text) {
        size_t mask = c->n_pattern_slots - 1;

        if (c->n_pattern_slots == 0)
                return -1;
        for (size_t k = text_hash(text) & mask; c->pattern_slots[k]; k = (k + 1) & mask)
                if (streq(c->patterns[c->pattern_slots[k] - 1].text, text))
                        return (int) c->pattern_slots[k] - 1;
        return -1;
}

static int index_patterns(Classifier *c) {
        size_t n = 64;

        while (n < 2 * c->n_patterns + 2)
                n *= 2;
        free(c->pattern_slots);
        c->pattern_slots = calloc(n, sizeof(uint32_t));
        if (!c->pattern_slots)
                return -ENOMEM;
        c->n_pattern_slots = n;
        for (size_t i = 0; i < c->n_patterns; i++) {
                size_t k = text_hash(c->patterns[i].text) & (n - 1);

                while (c->pattern_slots[k])
                        k = (k + 1) & (n - 1);
                c->pattern_slots[k] = i + 1;
        }
        return 0;
}

#define NO_RULE SIZE_MAX /* a pattern of the admin list, which no rule names */

/* The pattern text of rule index rule_index names (added once), and the rule noted on it. */
static int add_pattern(Classifier *c, const char *text, size_t rule_index) {
        Pattern *pat;
        const char *s;
        int i, r;

        if (2 * (c->n_patterns + 1) > c->n_pattern_slots) {
                r = index_patterns(c);
                if (r < 0)
                        return r;
        }
        i = find_pattern(c, text);
        if (i < 0) {
                if (!GREEDY_REALLOC(c->patterns, c->n_patterns_allocated, c->n_patterns + 1))
                        return -ENOMEM;
                pat = &c->patterns[c->n_patterns];
                *pat = (Pattern) { .text = strdup(text) };
                if (!pat->text)
                        return -ENOMEM;
                i = c->n_patterns++;
                for (s = text; *s == '/' && s[1];) {
                        const char *e = strchrnul(s + 1, '/');
                        char **v = realloc(pat->components, (pat->n_components + 1) * sizeof(*v));

                        if (!v)
                                return -ENOMEM;
                        pat->components = v;
                        v[pat->n_components] = strndup(s + 1, e - s - 1);
                        if (!v[pat->n_components])
                                return -ENOMEM;
                        pat->n_components++;
                        s = e;
                }
                /* Into the index (sized above for one more). */
                size_t k = text_hash(text) & (c->n_pattern_slots - 1);
                while (c->pattern_slots[k])
                        k = (k + 1) & (c->n_pattern_slots - 1);
                c->pattern_slots[k] = i + 1;
        }
        pat = &c->patterns[i];
        if (rule_index == NO_RULE)
                return 0;
        if (pat->n_rules > 0 && pat->rules[pat->n_rules - 1] == rule_index)
                return 0; /* a rule naming one pattern twice (to: [x, x]) */
        size_t *v = realloc(pat->rules, (pat->n_rules + 1) * sizeof(*v));
        if (!v)
                return -ENOMEM;
        pat->rules = v;
        pat->rules[pat->n_rules++] = rule_index;
        return 0;
}

static uint64_t state_hash(const State *s) {
        /* FNV-1a's steps over whole pattern numbers, not bytes. */
        uint64_t h = FNV1A_OFFSET_BASIS ^ s->depth;

        for (size_t i = 0; i < s->n_alive; i++)
                h = (h ^ s->alive[i]) * FNV1A_PRIME;
        h = (h ^ 0xffff) * FNV1A_PRIME;
        for (size_t i = 0; i < s->n_full; i++)
                h = (h ^ s->full[i]) * FNV1A_PRIME;
        return h;
}

static bool state_equal(const State *a, const State *b) {
        return a->depth == b->depth && a->n_alive == b->n_alive && a->n_full == b->n_full &&
               (a->n_alive == 0 || memcmp(a->alive, b->alive, a->n_alive * sizeof(uint32_t)) == 0) &&
               (a->n_full == 0 || memcmp(a->full, b->full, a->n_full * sizeof(uint32_t)) == 0);
}

static int rehash(Classifier *c) {
        size_t n = c->n_buckets ? 2 * c->n_buckets : 64;
        uint32_t *b = calloc(n, sizeof(*b));

        if (!b)
                return -ENOMEM;
        free(c->buckets);
        c->buckets = b;
        c->n_buckets = n;
        for (size_t i = 0; i < c->n_states; i++) {
                size_t k = c->states[i].hash & (n - 1);

                while (b[k])
                        k = (k + 1) & (n - 1);
                b[k] = i + 1;
        }
        return 0;
}

/* Takes ownership of s's arrays; *ret is the id of the equal state, new or old. */
static int intern(Classifier *c, State *s, uint32_t *ret) {
        size_t k;
        int r;

        if (s->n_alive == 0)
                s->depth = DEPTH_SETTLED;
        s->hash = state_hash(s);
        if (2 * (c->n_states + 1) > c->n_buckets) {
                r = rehash(c);
                if (r < 0)
                        return r;
        }
        for (k = s->hash & (c->n_buckets - 1); c->buckets[k]; k = (k + 1) & (c->n_buckets - 1))
                if (state_equal(&c->states[c->buckets[k] - 1], s)) {
                        free(s->alive);
                        free(s->full);
                        *ret = c->buckets[k];
                        return 0;
                }
        if (c->n_states >= UINT32_MAX - 1 || !GREEDY_REALLOC(c->states, c->n_states_allocated, c->n_states + 1))
                return -ENOMEM;
        c->states[c->n_states] = *s;
        c->buckets[k] = ++c->n_states;
        *ret = c->n_states;
        return 0;
}

static int compare_u32(const void *a, const void *b) {
        uint32_t x = *(const uint32_t *) a, y = *(const uint32_t *) b;

        return (x > y) - (x < y);
}

static void sort_indices(uint32_t *v, size_t n) {
        if (n > 1)
                qsort(v, n, sizeof(*v), compare_u32);
}

static int step_to(Classifier *c, uint32_t id, const uint32_t *matched, size_t n_matched, uint32_t *ret);

int classifier_new(const Policy *p, Classifier **ret) {
        Classifier *c = calloc(1, sizeof(*c));
        State root = {};
        uint32_t id;
        int r = 0;

        if (!c)
                return -ENOMEM;
        c->policy = p;
        c->opaque_rule = NO_RULE;
        for (size_t i = 0; i < p->n_rules && r >= 0; i++) {
                const PolicyRule *rule = &p->rules[i];

                if (!policy_rule_active(p, rule))
                        continue;
                if (rule->cgroup)
                        r = add_pattern(c, rule->cgroup, i);
                for (char **t = rule->to; t && *t && r >= 0; t++)
                        r = add_pattern(c, *t, i);
                for (char **t = rule->from; t && *t && r >= 0; t++)
                        r = add_pattern(c, *t, i);
                /* A local entry's scope is its protect entry's subtree. */
                if (rule->parent != POLICY_NO_PARENT && r >= 0)
                        r = add_pattern(c, p->rules[rule->parent].cgroup, i);
        }
        for (size_t i = 0; r >= 0 && policy_admin_pattern(p, i); i++)
                r = add_pattern(c, policy_admin_pattern(p, i), NO_RULE);
        root.alive = malloc((c->n_patterns + 1) * sizeof(uint32_t));
        root.full = malloc((c->n_patterns + 1) * sizeof(uint32_t));
        if (r >= 0 && (!root.alive || !root.full))
                r = -ENOMEM;
        for (size_t i = 0; r >= 0 && i < c->n_patterns; i++) {
                if (c->patterns[i].n_components == 0)
                        root.full[root.n_full++] = i;
                else
                        root.alive[root.n_alive++] = i;
        }
        if (r >= 0)
                r = intern(c, &root, &id); /* id 1: the root cgroup's */
        else {
                free(root.alive);
                free(root.full);
        }
        if (r < 0) {
                classifier_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

Classifier *classifier_free(Classifier *c) {
        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_patterns; i++) {
                for (size_t j = 0; j < c->patterns[i].n_components; j++)
                        free(c->patterns[i].components[j]);
                free(c->patterns[i].components);
                free(c->patterns[i].text);
                free(c->patterns[i].rules);
        }
        for (size_t i = 0; i < c->n_states; i++) {
                free(c->states[i].alive);
                free(c->states[i].full);
        }
        free(c->patterns);
        free(c->pattern_slots);
        free(c->states);
        free(c->buckets);
        free(c);
        return NULL;
}

int classifier_policy_opaque(const Policy *p, size_t *ret_rule, char **ret_pattern) {
        _cleanup_(classifier_freep) Classifier *c = NULL;
        _cleanup_(policy_image_done) PolicyImage img = {};
        int r = classifier_new(p, &c);

        if (r >= 0)
                r = policy_image_index(&img); /* the literals' lookups: one each */
        if (r >= 0)
                r = classifier_emit(c, &img);
        if (r < 0)
                return r;
        if (!c->opaque_pattern)
                return 0;
        *ret_pattern = strdup(c->opaque_pattern);
        if (!*ret_pattern)
                return -ENOMEM;
        *ret_rule = c->opaque_rule;
        return 1;
}

uint32_t classifier_root(const Classifier *c) {
        return 1;
}

typedef struct FullSet {
        const Classifier *c;
        const State *s;
} FullSet;

static int compare_u32_key(const void *key, const void *x) {
        return compare_u32(key, x);
}

static bool covers_state(void *ctx, const char *pattern, size_t *ret_depth) {
        const FullSet *f = ctx;
        int i = find_pattern(f->c, pattern);
        uint32_t key = i;

        if (i < 0 || !bsearch(&key, f->s->full, f->s->n_full, sizeof(uint32_t), compare_u32_key))
                return false;
        if (ret_depth)
                *ret_depth = f->c->patterns[i].n_components;
        return true;
}

static int compare_size(const void *a, const void *b) {
        size_t x = *(const size_t *) a, y = *(const size_t *) b;

        return (x > y) - (x < y);
}

void classifier_entry(const Classifier *c, uint32_t state, struct guard_cgroup_info *ret, size_t *ret_delegate_depth) {
        FullSet f = { .c = c, .s = &c->states[state - 1] };
        _cleanup_(freep) size_t *candidates = NULL;
        size_t n = 0, total = 0;

        /* Only the rules naming a pattern of the full set can cover it: ascending, once each. */
        for (size_t k = 0; k < f.s->n_full; k++)
                total += c->patterns[f.s->full[k]].n_rules;
        candidates = malloc((total + 1) * sizeof(size_t));
        if (!candidates) {
                /* Out of memory: every rule (slower, same answer). */
                policy_compile_entry(c->policy, NULL, 0, covers_state, &f, ret, ret_delegate_depth, NULL);
                return;
        }
        for (size_t k = 0; k < f.s->n_full; k++) {
                const Pattern *p = &c->patterns[f.s->full[k]];

                if (p->n_rules == 0)
                        continue; /* a pattern of the admin list: no rules (and no array) */
                memcpy(candidates + n, p->rules, p->n_rules * sizeof(size_t));
                n += p->n_rules;
        }
        if (n > 1)
                qsort(candidates, n, sizeof(size_t), compare_size);
        size_t unique = 0;
        for (size_t k = 0; k < n; k++)
                if (unique == 0 || candidates[unique - 1] != candidates[k])
                        candidates[unique++] = candidates[k];
        policy_compile_entry(c->policy, candidates, unique, covers_state, &f, ret, ret_delegate_depth, NULL);
}

/* The compiler's cap, checked as entries appear: glob patterns multiply states (one per subset of
 * globs a name can match), and a policy that cannot fit stops here, not minutes later. */
static int put(PolicyImage *img, uint32_t kind, uint64_t a, uint64_t b, const struct guard_value *v) {
        if (img->n_entries >= GUARD_POLICY_ENTRIES_MAX && !policy_image_lookup(img, kind, a, b))
                return -E2BIG;
        return policy_image_put(img, &(struct guard_key) { .kind = kind, .a = a, .b = b }, v);
}

/* The child state reached when the name matches exactly the alive patterns in matched[]. */
static int step_to(Classifier *c, uint32_t id, const uint32_t *matched, size_t n_matched, uint32_t *ret) {
        const State *from = &c->states[id - 1];
        State s = { .depth = from->depth + 1 };
        size_t n_full = from->n_full;

        s.alive = malloc((n_matched + 1) * sizeof(uint32_t));
        s.full = malloc((from->n_full + n_matched + 1) * sizeof(uint32_t));
        if (!s.alive || !s.full) {
                free(s.alive);
                free(s.full);
                return -ENOMEM;
        }
        if (n_full)
                memcpy(s.full, from->full, n_full * sizeof(uint32_t));
        for (size_t i = 0; i < n_matched; i++) {
                if (c->patterns[matched[i]].n_components == from->depth + 1)
                        s.full[n_full++] = matched[i];
                else
                        s.alive[s.n_alive++] = matched[i];
        }
        s.n_full = n_full;
        sort_indices(s.alive, s.n_alive);
        sort_indices(s.full, s.n_full);
        return intern(c, &s, ret);
}

typedef struct Group {
        const char *component;
        size_t start, n;        /* run in the sorted alive list */
} Group;

static const Classifier *sort_ctx;
static uint32_t sort_depth;

static int compare_by_component(const void *a, const void *b) {
        const Pattern *x = &sort_ctx->patterns[*(const uint32_t *) a], *y = &sort_ctx->patterns[*(const uint32_t *) b];
        int r = strcmp(x->components[sort_depth], y->components[sort_depth]);

        return r ? r : (*(const uint32_t *) a > *(const uint32_t *) b) - (*(const uint32_t *) a < *(const uint32_t *) b);
}

/* Appends group g's patterns to *buf. */
static void take(const uint32_t *by_component, const Group *g, uint32_t *buf, size_t *n) {
        memcpy(buf + *n, by_component + g->start, g->n * sizeof(uint32_t));
        *n += g->n;
}

/* A state's alive patterns grouped by their next component (sorted, so a state with thousands
 * of literal components costs a sort, not a product), and which groups are globs. */
typedef struct StateGroups {
        uint32_t *by_component;         /* alive patterns, sorted by their component at this depth */
        uint32_t *matched;              /* scratch: the patterns one transition keeps */
        Group *groups;
        size_t n_groups;
        Group *globs[GUARD_STATE_GLOBS_MAX];
        size_t n_globs;
        Group **all_globs;              /* every glob group, those past GUARD_STATE_GLOBS_MAX too */
        size_t n_all_globs;
        bool opaque;                    /* too much to decide in the kernel: a component too long, too many globs */
} StateGroups;

static void state_groups_done(StateGroups *s) {
        free(s->by_component);
        free(s->matched);
        free(s->groups);
        free(s->all_globs);
}

static int group_alive(Classifier *c, uint32_t id, StateGroups *s) {
        size_t n_alive = c->states[id - 1].n_alive, depth = c->states[id - 1].depth;

        if (n_alive == 0)
                return 0;
        s->by_component = malloc(n_alive * sizeof(uint32_t));
        s->matched = malloc(n_alive * sizeof(uint32_t));
        s->groups = malloc(n_alive * sizeof(Group));
        s->all_globs = malloc(n_alive * sizeof(Group *));
        if (!s->by_component || !s->matched || !s->groups || !s->all_globs)
                return -ENOMEM;
        memcpy(s->by_component, c->states[id - 1].alive, n_alive * sizeof(uint32_t));
        sort_ctx = c;
        sort_depth = depth;
        qsort(s->by_component, n_alive, sizeof(uint32_t), compare_by_component);
        for (size_t i = 0; i < n_alive; i++) {
                const char *comp = c->patterns[s->by_component[i]].components[depth];

                if (s->n_groups > 0 && streq(s->groups[s->n_groups - 1].component, comp))
                        s->groups[s->n_groups - 1].n++;
                else
                        s->groups[s->n_groups++] = (Group) { .component = comp, .start = i, .n = 1 };
        }
        for (size_t k = 0; k < s->n_groups; k++) {
                bool too_much = strlen(s->groups[k].component) >= GUARD_COMPONENT_MAX;

                if (is_glob(s->groups[k].component))
                        s->all_globs[s->n_all_globs++] = &s->groups[k];
                if (!too_much && is_glob(s->groups[k].component)) {
                        too_much = s->n_globs == GUARD_STATE_GLOBS_MAX;
                        if (!too_much)
                                s->globs[s->n_globs++] = &s->groups[k];
                }
                if (too_much && !s->opaque && !c->opaque_pattern) {
                        const Pattern *pat = &c->patterns[s->by_component[s->groups[k].start]];

                        c->opaque_pattern = pat->text;
                        c->opaque_rule = pat->n_rules > 0 ? pat->rules[0] : NO_RULE;
                }
                s->opaque = s->opaque || too_much;
        }
        return 0;
}

/* A literal has its own transition: its own patterns and the globs it matches. */
static int emit_literals(Classifier *c, uint32_t id, StateGroups *s, PolicyImage *img, uint32_t *ret_n) {
        uint32_t n_literals = 0;
        int r;

        for (size_t k = 0; k < s->n_groups; k++) {
                const char *comp = s->groups[k].component;
                struct guard_value lit = {};
                size_t n = 0;

                /* A literal too long for the kernel's entry: its cgroup is the daemon's to classify. */
                if (is_glob(comp) || strlen(comp) >= GUARD_COMPONENT_MAX)
                        continue;
                take(s->by_component, &s->groups[k], s->matched, &n);
                /* Every glob of the state, those past what the kernel tests included. */
                for (size_t g = 0; g < s->n_all_globs; g++)
                        if (cgroup_component_match(s->all_globs[g]->component, strlen(s->all_globs[g]->component), comp,
                                                   strlen(comp)))
                                take(s->by_component, s->all_globs[g], s->matched, &n);
                r = step_to(c, id, s->matched, n, &lit.literal.next);
                if (r < 0)
                        return r;
                strncpy(lit.literal.name, comp, sizeof(lit.literal.name) - 1);
                if (policy_image_lookup(img, GUARD_KEY_STATE_LITERAL, id, guard_name_hash(comp)))
                        return -EEXIST; /* two literals with one 64-bit hash: not classifiable */
                r = put(img, GUARD_KEY_STATE_LITERAL, id, guard_name_hash(comp), &lit);
                if (r < 0)
                        return r;
                n_literals++;
        }
        *ret_n = n_literals;
        return 0;
}

/* The globs, and a transition for every subset of them a component can match. */
static int emit_globs(Classifier *c, uint32_t id, StateGroups *s, PolicyImage *img) {
        int r;

        for (size_t g = 0; g < s->n_globs; g++) {
                struct guard_value gv = {};

                strncpy(gv.glob.component, s->globs[g]->component, sizeof(gv.glob.component) - 1);
                r = put(img, GUARD_KEY_STATE_GLOB, id, g, &gv);
                if (r < 0)
                        return r;
        }
        for (uint32_t mask = 0; c->states[id - 1].n_alive > 0 && mask < (1u << s->n_globs); mask++) {
                struct guard_value nv = {};
                size_t n = 0;

                for (size_t g = 0; g < s->n_globs; g++)
                        if (mask & (1u << g))
                                take(s->by_component, s->globs[g], s->matched, &n);
                r = step_to(c, id, s->matched, n, &nv.next.next);
                if (r < 0)
                        return r;
                r = put(img, GUARD_KEY_STATE_GLOB_NEXT, id, mask, &nv);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* One state as the kernel's classifier reads it: its entry template and, if anything below it
 * can still differ, its transitions (adding the states they lead to). A state with more globs
 * than the kernel tests, or a component too long for it, still gets its literals (a literal
 * child's entry is known here, whatever the globs); for any other child the kernel finds no
 * glob (n_globs past GUARD_STATE_GLOBS_MAX, none written), copies the parent's entry, and the
 * daemon gives the child its own from its path. Before, such a state had no literal either, and
 * /system.slice with nine globs gave a restarted sandbox.service /system.slice's entry (no lock,
 * no seal) for as long as the daemon was stopped or frozen (a review found it). */
static int emit_state(Classifier *c, uint32_t id, PolicyImage *img) {
        _cleanup_(state_groups_done) StateGroups s = {};
        struct guard_value v = {};
        size_t unused;
        int r;

        classifier_entry(c, id, &v.state.entry, &unused);
        v.state.entry.delegate_root = 0;
        v.state.entry.seal_root = 0;
        v.state.classifies = c->states[id - 1].n_alive > 0;
        r = group_alive(c, id, &s);
        if (r < 0)
                return r;
        r = emit_literals(c, id, &s, img, &v.state.n_literals);
        if (r < 0)
                return r;
        if (s.opaque)
                v.state.n_globs = GUARD_STATE_GLOBS_MAX + 1;
        else {
                r = emit_globs(c, id, &s, img);
                if (r < 0)
                        return r;
                v.state.n_globs = s.n_globs;
        }
        return put(img, GUARD_KEY_STATE, id, 0, &v);
}

int classifier_emit(Classifier *c, PolicyImage *img) {
        /* States appear while emitting: a worklist by id. */
        for (uint32_t id = 1; id <= c->n_states; id++) {
                int r = emit_state(c, id, img);

                if (r < 0)
                        return r;
        }
        return 0;
}
