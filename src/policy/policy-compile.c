/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cgroup-path.h"
#include "macro.h"
#include "policy-compile.h"
#include "policy-image.h"

void policy_image_done(PolicyImage *image) {
        free(image->keys);
        free(image->values);
        free(image->slots);
        *image = (PolicyImage) {};
}

uint64_t kernel_dev(dev_t dev) {
        return ((uint64_t) major(dev) << 20) | minor(dev);
}

static int image_add(PolicyImage *img, struct guard_key key, const struct guard_value *value) {
        if (img->n_entries >= GUARD_POLICY_ENTRIES_MAX)
                return -E2BIG;
        if (!GREEDY_REALLOC(img->keys, img->keys_allocated, img->n_entries + 1) ||
            !GREEDY_REALLOC(img->values, img->values_allocated, img->n_entries + 1))
                return -ENOMEM;
        img->keys[img->n_entries] = key;
        img->values[img->n_entries] = *value;
        img->n_entries++;
        return 0;
}



/* A rule's mode as the kernel sees it (with the policy's mode override, if any). */
static enum guard_mode compiled_mode(const Policy *p, const PolicyRule *rule) {
        PolicyMode mode = policy_rule_mode(p, rule);

        return mode == POLICY_MODE_ENFORCE ? GUARD_MODE_ENFORCE : mode == POLICY_MODE_AUDIT ? GUARD_MODE_AUDIT : GUARD_MODE_OFF;
}

bool policy_compile_cgroup(const Policy *p, const CgroupTree *tree, const char *path,
                           struct guard_cgroup_info *ret) {
        struct guard_cgroup_info info = {};
        const PolicyRule *protect = NULL, *lock[GUARD_NS_TYPES] = {}, *creator[GUARD_NS_TYPES] = {};
        size_t delegate_len = SIZE_MAX;
        unsigned allow_bit = 0;

        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *r = &p->rules[i];
                size_t n;

                if (r->kind == POLICY_RULE_ALLOW) {
                        unsigned bit = allow_bit++;

                        if (!policy_rule_active(p, r))
                                continue;
                        if (r->cgroup && cgroup_pattern_covers(r->cgroup, path, NULL))
                                info.actor_allow |= 1ULL << bit;
                        if (r->to)
                                for (char **t = r->to; *t; t++)
                                        if (cgroup_pattern_covers(*t, path, NULL)) {
                                                info.to_allow |= 1ULL << bit;
                                                break;
                                        }
                        continue;
                }
                if (!policy_rule_active(p, r) || !cgroup_pattern_covers(r->cgroup, path, &n))
                        continue;

                switch (r->kind) {
                case POLICY_RULE_PROTECT:
                        if (policy_rule_stricter(p, r, protect))
                                protect = r;
                        break;
                case POLICY_RULE_DELEGATE:
                        /* The outermost instance: delegation is allowed if any instance holds
                         * source, destination and actor, and the outermost holds the most. */
                        if (n < delegate_len) {
                                char top[CGROUP_PATH_MAX + 1];
                                uint64_t id;

                                snprintf(top, sizeof(top), "%.*s", (int) n, path);
                                id = cgroup_tree_id(tree, top);
                                if (id) {
                                        delegate_len = n;
                                        info.delegate_root = id;
                                        info.delegate_rule = r->id;
                                }
                        }
                        break;
                case POLICY_RULE_LOCK:
                        for (uint32_t bits = r->ns_types; bits; bits &= bits - 1) {
                                int t = guard_ns_index(bits & -bits);

                                if (t >= 0 && policy_rule_stricter(p, r, lock[t]))
                                        lock[t] = r;
                        }
                        break;
                case POLICY_RULE_LOCK_ON_ENTRY:
                        for (uint32_t bits = r->ns_types; bits; bits &= bits - 1) {
                                int t = guard_ns_index(bits & -bits);

                                if (t >= 0 && policy_rule_stricter(p, r, creator[t]))
                                        creator[t] = r;
                        }
                        break;
                default:
                        break;
                }
        }

        if (protect) {
                info.protect_rule = protect->id;
                info.protect_mode = compiled_mode(p, protect);
                info.protect_action = policy_rule_action(p, protect);
        }
        for (int t = 0; t < GUARD_NS_TYPES; t++) {
                if (lock[t])
                        info.lock_rule[t] = lock[t]->id;
                if (creator[t])
                        info.creator_rule[t] = creator[t]->id;
        }

        *ret = info;
        return memcmp(&info, &(struct guard_cgroup_info) {}, sizeof(info)) != 0;
}

static enum guard_rule_kind guard_rule_kind(PolicyRuleKind k) {
        static const enum guard_rule_kind table[_POLICY_RULE_KIND_MAX] = {
                [POLICY_RULE_PROTECT] = GUARD_RULE_PROTECT,
                [POLICY_RULE_ALLOW] = GUARD_RULE_ALLOW,
                [POLICY_RULE_DELEGATE] = GUARD_RULE_DELEGATE,
                [POLICY_RULE_LOCK] = GUARD_RULE_LOCK,
                [POLICY_RULE_LOCK_ON_ENTRY] = GUARD_RULE_LOCK_ON_ENTRY,
        };
        return table[k];
}

int policy_compile(const Policy *p, const CgroupTree *tree, uint32_t generation,
                   PolicyImage *ret, char **ret_error) {
        _cleanup_(policy_image_done) PolicyImage img = {};
        struct guard_value config = { .config = { .generation = generation, .n_rules = p->n_rules } };
        size_t n_allow = policy_count_rules(p, POLICY_RULE_ALLOW);
        unsigned bit = 0;
        int r;

        if (n_allow > GUARD_ALLOW_MAX) {
                if (ret_error && asprintf(ret_error, "%zu allow rules, at most %d are supported", n_allow,
                                          GUARD_ALLOW_MAX) < 0)
                        *ret_error = NULL;
                return -E2BIG;
        }

        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *rule = &p->rules[i];
                enum guard_mode mode = compiled_mode(p, rule);
                struct guard_value v = { .rule = {
                        .kind = guard_rule_kind(rule->kind),
                        .mode = mode,
                        .action = policy_rule_action(p, rule),
                        .ns_types = rule->ns_types,
                } };

                r = image_add(&img, (struct guard_key) { .kind = GUARD_KEY_RULE, .a = rule->id }, &v);
                if (r < 0)
                        return r;

                if (rule->kind != POLICY_RULE_ALLOW)
                        continue;
                if (!rule->exe)
                        config.config.allow_any_exe |= 1ULL << bit;
                if (!rule->cgroup)
                        config.config.allow_any_cgroup |= 1ULL << bit;
                if (!rule->to)
                        config.config.allow_any_to |= 1ULL << bit;
                if (rule->exe_resolved && mode != GUARD_MODE_OFF) {
                        struct guard_key k = { .kind = GUARD_KEY_EXE, .a = kernel_dev(rule->exe_dev), .b = rule->exe_ino };
                        size_t j;

                        /* Several rules may name one executable: merge into one entry. */
                        for (j = 0; j < img.n_entries; j++)
                                if (memcmp(&img.keys[j], &k, sizeof(k)) == 0)
                                        break;
                        if (j < img.n_entries)
                                img.values[j].exe.allow |= 1ULL << bit;
                        else {
                                r = image_add(&img, k, &(struct guard_value) { .exe = { .allow = 1ULL << bit } });
                                if (r < 0)
                                        return r;
                        }
                }
                bit++;
        }

        for (size_t i = 0; i < tree->n_nodes; i++) {
                struct guard_value v = {};

                if (!policy_compile_cgroup(p, tree, tree->nodes[i].path, &v.cgroup))
                        continue;
                r = image_add(&img, (struct guard_key) { .kind = GUARD_KEY_CGROUP, .a = tree->nodes[i].id }, &v);
                if (r < 0)
                        return r;
        }

        r = image_add(&img, (struct guard_key) { .kind = GUARD_KEY_CONFIG }, &config);
        if (r < 0)
                return r;
        r = policy_image_index(&img);
        if (r < 0)
                return r;

        *ret = img;
        img = (PolicyImage) {};
        return 0;
}
