/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

#include "cgroup-path.h"
#include "macro.h"
#include "policy-compile.h"
#include "policy-classify.h"
#include "policy-image.h"

_Static_assert(POLICY_NS_ALL == GUARD_NS_ALL, "the policy's namespace types are the kernel ABI's");

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

static size_t pattern_depth(const char *pattern) {
        size_t n = 0;

        for (const char *c = pattern; *c; c++)
                n += *c == '/' && c[1] != '\0';
        return n;
}

static bool covers_any(CoversFunc covers, void *ctx, char **patterns) {
        for (char **t = patterns; *t; t++)
                if (covers(ctx, *t, NULL))
                        return true;
        return false;
}

/* An allow rule's bit (allow rules are numbered 1..n_allow in model order: bit id - 1) in each
 * mask whose side of the rule covers this cgroup. */
static void add_allow_bits(const Policy *p, const PolicyRule *r, CoversFunc covers, void *ctx,
                           struct guard_cgroup_info *info) {
        uint64_t bit = 1ULL << (r->id - 1);
        const PolicyRule *parent = policy_rule_parent(p, r);

        if (r->cgroup && covers(ctx, r->cgroup, NULL))
                info->actor_allow |= bit;
        if (r->to && covers_any(covers, ctx, r->to))
                info->to_allow |= bit;
        if (r->from && covers_any(covers, ctx, r->from))
                info->from_allow |= bit;
        if (parent && covers(ctx, parent->cgroup, NULL)) {
                info->scope_allow |= bit;
                /* Sealed subtrees do not overlap: a sealed parent covering this cgroup is its seal. */
                if (parent->seal && r->to)
                        info->seal_allow |= bit;
        }
}

/* For each namespace type of r, r where it is stricter than the rule held so far. */
static void take_stricter_per_type(const Policy *p, const PolicyRule *r, const PolicyRule *by_type[static GUARD_NS_TYPES]) {
        for (uint32_t bits = r->ns_types; bits; bits &= bits - 1) {
                int t = guard_ns_index(bits & -bits);

                if (t >= 0 && policy_rule_stricter(p, r, by_type[t]))
                        by_type[t] = r;
        }
}

void policy_compile_entry(const Policy *p, const size_t *candidates, size_t n_candidates, CoversFunc covers,
                          void *ctx, struct guard_cgroup_info *ret, size_t *ret_delegate_depth,
                          size_t *ret_seal_depth) {
        struct guard_cgroup_info info = {};
        const PolicyRule *protect = NULL, *seal = NULL, *lock[GUARD_NS_TYPES] = {}, *creator[GUARD_NS_TYPES] = {};
        size_t delegate_depth = SIZE_MAX, seal_depth = SIZE_MAX;

        for (size_t k = 0, n_rules = candidates ? n_candidates : p->n_rules; k < n_rules; k++) {
                const PolicyRule *r = &p->rules[candidates ? candidates[k] : k];
                size_t n;

                if (r->kind == POLICY_RULE_ALLOW) {
                        if (policy_rule_active(p, r))
                                add_allow_bits(p, r, covers, ctx, &info);
                        continue;
                }
                if (!policy_rule_active(p, r) || !covers(ctx, r->cgroup, &n))
                        continue;

                switch (r->kind) {
                case POLICY_RULE_PROTECT:
                        if (policy_rule_stricter(p, r, protect))
                                protect = r;
                        if (r->seal && policy_rule_stricter(p, r, seal)) {
                                seal = r;
                                seal_depth = n;
                        }
                        break;
                case POLICY_RULE_DELEGATE:
                        /* The outermost instance: delegation is allowed if any instance holds
                         * source, destination and actor, and the outermost holds the most. */
                        if (n < delegate_depth) {
                                delegate_depth = n;
                                info.delegate_rule = r->id;
                        }
                        break;
                case POLICY_RULE_LOCK:
                        take_stricter_per_type(p, r, lock);
                        break;
                case POLICY_RULE_LOCK_ON_ENTRY:
                        take_stricter_per_type(p, r, creator);
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
        if (seal) {
                info.seal_rule = seal->id;
                info.seal_mode = compiled_mode(p, seal);
                info.seal_action = policy_rule_action(p, seal);
        }
        for (int t = 0; t < GUARD_NS_TYPES; t++) {
                if (lock[t])
                        info.lock_rule[t] = lock[t]->id;
                if (creator[t])
                        info.creator_rule[t] = creator[t]->id;
        }
        for (size_t i = 0; !info.admin && policy_admin_pattern(p, i); i++)
                info.admin = covers(ctx, policy_admin_pattern(p, i), NULL);
        *ret = info;
        *ret_delegate_depth = delegate_depth;
        if (ret_seal_depth)
                *ret_seal_depth = seal_depth;
}

static bool covers_path(void *ctx, const char *pattern, size_t *ret_depth) {
        const char *path = ctx;
        size_t len;

        if (!cgroup_pattern_covers(pattern, path, &len))
                return false;
        if (ret_depth)
                *ret_depth = pattern_depth(pattern);
        return true;
}

/* The prefix of path with depth components ("/" for 0). */
static void path_prefix(const char *path, size_t depth, char *buf, size_t size) {
        size_t n = 0;
        const char *c = path;

        for (; *c; c++)
                if (*c == '/' && c != path && n++ == depth - 1)
                        break;
        snprintf(buf, size, "%.*s", depth == 0 ? 1 : (int) (c - path), path);
}

bool policy_compile_cgroup(const Policy *p, const CgroupTree *tree, const char *path,
                           struct guard_cgroup_info *ret) {
        struct guard_cgroup_info info;
        size_t delegate_depth, seal_depth;

        policy_compile_entry(p, NULL, 0, covers_path, (void *) path, &info, &delegate_depth, &seal_depth);
        if (info.delegate_rule) {
                char top[CGROUP_PATH_MAX + 1];

                path_prefix(path, delegate_depth, top, sizeof(top));
                info.delegate_root = cgroup_tree_id(tree, top);
                if (!info.delegate_root)
                        info.delegate_rule = 0;
        }
        if (info.seal_rule) {
                char top[CGROUP_PATH_MAX + 1];

                /* Unknown top: seal_root stays 0 and the seal holds every move (fail closed). */
                path_prefix(path, seal_depth, top, sizeof(top));
                info.seal_root = cgroup_tree_id(tree, top);
        }
        *ret = info;
        return memcmp(&info, &(struct guard_cgroup_info) {}, sizeof(info)) != 0;
}

static const CgroupTree *order_tree;

static int compare_order(const void *a, const void *b) {
        return strcmp(order_tree->nodes[*(const size_t *) a].path, order_tree->nodes[*(const size_t *) b].path);
}

static int compare_key(const void *key, const void *b) {
        return strcmp(key, order_tree->nodes[*(const size_t *) b].path);
}

/* Position in order[] of a node's parent, or -1. */
static ssize_t parent_position(const CgroupTree *tree, const size_t *order, const char *path, char *buf, size_t size) {
        const char *slash = strrchr(path, '/');
        const size_t *hit;

        if (!slash || streq(path, "/"))
                return -1;
        snprintf(buf, size, "%.*s", slash == path ? 1 : (int) (slash - path), path);
        order_tree = tree;
        hit = bsearch(buf, order, tree->n_nodes, sizeof(*order), compare_key);
        return hit ? hit - order : -1;
}

/* The entry of a cgroup whose own entry is missing where it should exist (a full map): fail
 * closed, in the policy's mode where a global override asks for audit. */
static int put_unclassified(const Policy *p, PolicyImage *img) {
        uint32_t mode = p->mode_overridden && p->mode_override == POLICY_MODE_AUDIT ? GUARD_MODE_AUDIT : GUARD_MODE_ENFORCE;
        struct guard_value rule = { .rule = { .kind = GUARD_RULE_PROTECT, .mode = mode, .ns_types = POLICY_NS_ALL } };
        struct guard_value cg = { .cgroup = { .protect_rule = GUARD_RULE_UNCLASSIFIED, .protect_mode = mode } };
        int r;

        for (int t = 0; t < GUARD_NS_TYPES; t++)
                cg.cgroup.lock_rule[t] = GUARD_RULE_UNCLASSIFIED;
        r = policy_image_put(img, &(struct guard_key) { .kind = GUARD_KEY_RULE, .a = GUARD_RULE_UNCLASSIFIED }, &rule);
        if (r < 0)
                return r;
        return policy_image_put(img, &(struct guard_key) { .kind = GUARD_KEY_CGROUP, .a = GUARD_CGROUP_UNCLASSIFIED }, &cg);
}

/* Every cgroup of the tree through the classifier, exactly as the kernel classifies a new one
 * at mkdir (guard_classify_child() over the states just written), so the two cannot differ. */
static int compile_tree(const Policy *p, const CgroupTree *tree, PolicyImage *img) {
        _cleanup_(classifier_freep) Classifier *c = NULL;
        _cleanup_(freep) struct guard_cgroup_info *infos = NULL;
        _cleanup_(freep) bool *by_path = NULL;
        _cleanup_(freep) size_t *order = NULL;
        char parent[CGROUP_PATH_MAX + 1];
        int r;

        r = classifier_new(p, &c);
        if (r < 0)
                return r;
        r = classifier_emit(c, img);
        if (r < 0)
                return r;
        r = put_unclassified(p, img);
        if (r < 0)
                return r;
        infos = calloc(tree->n_nodes + 1, sizeof(*infos));
        by_path = calloc(tree->n_nodes + 1, sizeof(*by_path));
        order = calloc(tree->n_nodes + 1, sizeof(*order));
        if (!infos || !by_path || !order)
                return -ENOMEM;

        /* Parents before children: in path order (the tree keeps no order of its own). */
        for (size_t i = 0; i < tree->n_nodes; i++)
                order[i] = i;
        order_tree = tree;
        if (tree->n_nodes > 1)
                qsort(order, tree->n_nodes, sizeof(*order), compare_order);

        for (size_t i = 0; i < tree->n_nodes; i++) {
                const CgroupNode *node = &tree->nodes[order[i]];
                struct guard_cgroup_info *info = &infos[i];
                ssize_t up = parent_position(tree, order, node->path, parent, sizeof(parent));

                if (streq(node->path, "/")) {
                        const struct guard_value *root = policy_image_lookup(img, GUARD_KEY_STATE, classifier_root(c), 0);

                        *info = root->state.entry;
                        info->state = root->state.classifies ? classifier_root(c) : 0;
                        if (info->delegate_rule)
                                info->delegate_root = node->id;
                        if (info->seal_rule)
                                info->seal_root = node->id;
                } else if (up < 0 || by_path[up] ||
                           !guard_classify_child(img, &infos[up], node->id, strrchr(node->path, '/') + 1, info)) {
                        /* A parent missing from the snapshot, or a state the kernel cannot
                         * classify in: the entry from the path, for this subtree (the daemon's
                         * fallback for cgroups created there). */
                        policy_compile_cgroup(p, tree, node->path, info);
                        info->state = GUARD_STATE_DAEMON;
                        by_path[i] = true;
                }
                /* Children of a settled cgroup are alike: they need no entry of their own
                 * (guard_cgroup_entry() finds the ancestor's); children of a classifying one
                 * need theirs, even when empty, or they count as unclassified. */
                if (up >= 0 && infos[up].state == 0 && !by_path[i])
                        continue;
                if (up < 0 && !streq(node->path, "/") && memcmp(info, &(struct guard_cgroup_info) {}, sizeof(*info)) == 0)
                        continue;
                r = policy_image_put(img, &(struct guard_key) { .kind = GUARD_KEY_CGROUP, .a = node->id },
                                     &(struct guard_value) { .cgroup = *info });
                if (r < 0)
                        return r;
        }
        return 0;
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

/* An allow rule's bit (its position among the allow rules) in the config's masks of what it
 * leaves open, and in the entry of the executable it names. */
static int compile_allow(PolicyImage *img, struct guard_config *config, const PolicyRule *rule,
                         enum guard_mode mode, unsigned bit) {
        uint64_t mask = 1ULL << bit;
        struct guard_key k;
        size_t j;

        if (!rule->from)
                config->allow_any_from |= mask;
        if (rule->parent == POLICY_NO_PARENT)
                config->allow_global |= mask;
        if (!rule->exe)
                config->allow_any_exe |= mask;
        if (!rule->cgroup)
                config->allow_any_cgroup |= mask;
        if (!rule->to)
                config->allow_any_to |= mask;
        if (!rule->exe_resolved || mode == GUARD_MODE_OFF)
                return 0;

        k = (struct guard_key) { .kind = rule->exe_gen_known ? GUARD_KEY_EXE : GUARD_KEY_EXE_ANY_GEN,
                                 .a = rule->exe_gen_known ? GUARD_EXE_KEY_A(kernel_dev(rule->exe_dev), rule->exe_gen) :
                                                            kernel_dev(rule->exe_dev),
                                 .b = rule->exe_ino };
        /* Several rules may name one executable: merge into one entry. */
        for (j = 0; j < img->n_entries; j++)
                if (memcmp(&img->keys[j], &k, sizeof(k)) == 0) {
                        img->values[j].exe.allow |= mask;
                        return 0;
                }
        return image_add(img, k, &(struct guard_value) { .exe = { .allow = mask } });
}

/* Every rule's entry, and the allow rules' bits. */
static int compile_rules(const Policy *p, PolicyImage *img, struct guard_config *config) {
        unsigned bit = 0;
        int r;

        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *rule = &p->rules[i];
                enum guard_mode mode = compiled_mode(p, rule);
                struct guard_value v = { .rule = {
                        .kind = guard_rule_kind(rule->kind),
                        .mode = mode,
                        .action = policy_rule_action(p, rule),
                        .ns_types = rule->ns_types,
                        .name_hash = policy_rule_label_hash(p, rule),
                } };

                r = image_add(img, (struct guard_key) { .kind = GUARD_KEY_RULE, .a = rule->id }, &v);
                if (r < 0)
                        return r;
                if (rule->kind != POLICY_RULE_ALLOW)
                        continue;
                r = compile_allow(img, config, rule, mode, bit++);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void set_error(char **ret_error, const char *format, ...) _printf_(2, 3);
static void set_error(char **ret_error, const char *format, ...) {
        va_list ap;

        if (!ret_error)
                return;
        va_start(ap, format);
        if (vasprintf(ret_error, format, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
}

int policy_compile(const Policy *p, const CgroupTree *tree, uint32_t generation,
                   PolicyImage *ret, char **ret_error) {
        _cleanup_(policy_image_done) PolicyImage img = {};
        struct guard_value config = { .config = { .generation = generation, .n_rules = p->n_rules,
                                                  .record = policy_records(p),
                                                  .root_admin = policy_root_admin(p) } };
        size_t n_allow = policy_count_rules(p, POLICY_RULE_ALLOW);
        int r;

        if (n_allow > GUARD_ALLOW_MAX) {
                set_error(ret_error, "%zu allow rules, at most %d are supported", n_allow, GUARD_ALLOW_MAX);
                return -E2BIG;
        }
        r = compile_rules(p, &img, &config.config);
        if (r < 0)
                return r;
        r = policy_image_index(&img);
        if (r < 0)
                return r;
        r = compile_tree(p, tree, &img);
        if (r >= 0)
                r = policy_image_put(&img, &(struct guard_key) { .kind = GUARD_KEY_CONFIG }, &config);
        if (r >= 0 && img.n_entries > GUARD_POLICY_ENTRIES_MAX)
                r = -E2BIG;
        if (r == -E2BIG) {
                set_error(ret_error, "the compiled policy needs more than %d kernel policy map entries "
                          "(rules, glob pattern states, cgroups)", GUARD_POLICY_ENTRIES_MAX);
                return r;
        }
        if (r < 0)
                return r;

        *ret = img;
        img = (PolicyImage) {};
        return 0;
}
