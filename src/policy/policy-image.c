/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "policy-image.h"

#define SLOT_EMPTY 0u
#define SLOT_DELETED UINT32_MAX

static uint64_t mix(uint64_t x) {
        /* splitmix64's finaliser: cheap, and cgroup ids and inode numbers are sequential. */
        x ^= x >> 30;
        x *= 0xbf58476d1ce4e5b9ULL;
        x ^= x >> 27;
        x *= 0x94d049bb133111ebULL;
        return x ^ (x >> 31);
}

static size_t key_hash(const struct guard_key *k) {
        return mix(mix(((uint64_t) k->kind << 32) ^ k->a) ^ k->b);
}

static bool key_equal(const struct guard_key *x, uint32_t kind, uint64_t a, uint64_t b) {
        return x->kind == kind && x->a == a && x->b == b;
}

/* The slot holding key, or where it would go (first deleted or empty slot on its probe path). */
static size_t find_slot(const PolicyImage *img, const struct guard_key *key, bool *ret_found) {
        size_t mask = img->n_slots - 1, i = key_hash(key) & mask, insert = SIZE_MAX;

        for (;; i = (i + 1) & mask) {
                uint32_t s = img->slots[i];

                if (s == SLOT_EMPTY) {
                        *ret_found = false;
                        return insert != SIZE_MAX ? insert : i;
                }
                if (s == SLOT_DELETED) {
                        if (insert == SIZE_MAX)
                                insert = i;
                        continue;
                }
                if (key_equal(&img->keys[s - 1], key->kind, key->a, key->b)) {
                        *ret_found = true;
                        return i;
                }
        }
}

static int rehash(PolicyImage *img, size_t n_slots) {
        uint32_t *slots = calloc(n_slots, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        free(img->slots);
        img->slots = slots;
        img->n_slots = n_slots;
        img->n_deleted = 0;
        for (size_t e = 0; e < img->n_entries; e++) {
                bool found;

                img->slots[find_slot(img, &img->keys[e], &found)] = e + 1;
        }
        return 0;
}

int policy_image_index(PolicyImage *img) {
        size_t n = 16;

        while (n < 2 * img->n_entries + 2)
                n *= 2;
        return rehash(img, n);
}

struct guard_value *policy_image_lookup(const PolicyImage *img, uint32_t kind, uint64_t a, uint64_t b) {
        struct guard_key key = { .kind = kind, .a = a, .b = b };
        bool found;
        size_t i;

        if (!img || img->n_slots == 0)
                return NULL;
        i = find_slot(img, &key, &found);
        return found ? &img->values[img->slots[i] - 1] : NULL;
}

int policy_image_put(PolicyImage *img, const struct guard_key *key, const struct guard_value *value) {
        bool found;
        size_t i;
        int r;

        /* Deleted slots count as used: probes must always end at an empty slot. */
        if (img->n_slots == 0 || 2 * (img->n_entries + img->n_deleted + 1) > img->n_slots) {
                r = policy_image_index(img);
                if (r < 0)
                        return r;
        }
        i = find_slot(img, key, &found);
        if (found) {
                img->values[img->slots[i] - 1] = *value;
                return 0;
        }
        if (!GREEDY_REALLOC(img->keys, img->keys_allocated, img->n_entries + 1) ||
            !GREEDY_REALLOC(img->values, img->values_allocated, img->n_entries + 1))
                return -ENOMEM;
        img->keys[img->n_entries] = *key;
        img->values[img->n_entries] = *value;
        img->slots[i] = ++img->n_entries;
        return 0;
}

void policy_image_remove(PolicyImage *img, const struct guard_key *key) {
        size_t i, e, last;
        bool found;

        if (img->n_slots == 0)
                return;
        i = find_slot(img, key, &found);
        if (!found)
                return;
        e = img->slots[i] - 1;
        img->slots[i] = SLOT_DELETED;
        img->n_deleted++;
        last = img->n_entries - 1;
        if (e != last) {
                /* Keep the entries dense: the last one takes the freed place. */
                size_t j = find_slot(img, &img->keys[last], &found);

                img->keys[e] = img->keys[last];
                img->values[e] = img->values[last];
                img->slots[j] = e + 1;
        }
        img->n_entries--;
}

struct guard_value *policy_image_cgroup(const PolicyImage *img, const CgroupTree *tree, uint64_t id) {
        struct guard_value *v = policy_image_lookup(img, GUARD_KEY_CGROUP, id, 0);
        const char *path;
        char buf[4096];

        if (v || !tree || !(path = cgroup_tree_path(tree, id)))
                return v;
        snprintf(buf, sizeof(buf), "%s", path);
        for (unsigned level = 1; level < GUARD_CGROUP_WALK_MAX; level++) {
                char *slash = strrchr(buf, '/');

                if (!slash || streq(buf, "/"))
                        return NULL;
                slash[slash == buf] = '\0'; /* "/a" -> "/", "/a/b" -> "/a" */
                v = policy_image_lookup(img, GUARD_KEY_CGROUP, cgroup_tree_id(tree, buf), 0);
                if (v)
                        return v->cgroup.state ? policy_image_lookup(img, GUARD_KEY_CGROUP, GUARD_CGROUP_UNCLASSIFIED, 0) : v;
        }
        return policy_image_lookup(img, GUARD_KEY_CGROUP, GUARD_CGROUP_UNCLASSIFIED, 0);
}

static uint32_t ruled_types(const struct guard_cgroup_info *c) {
        uint32_t types = 0;

        /* The entry of cgroups whose own is missing locks every type (fail closed): not a rule. */
        for (int i = 0; i < GUARD_NS_TYPES; i++)
                if ((c->lock_rule[i] && c->lock_rule[i] != GUARD_RULE_UNCLASSIFIED) || c->creator_rule[i])
                        types |= guard_ns_flag(i);
        return types;
}

void guard_image_hints(const PolicyImage *img, struct guard_hints *ret) {
        uint32_t ruled = 0;
        bool record = false;

        for (size_t i = 0; i < img->n_entries; i++) {
                const struct guard_value *v = &img->values[i];

                switch (img->keys[i].kind) {
                case GUARD_KEY_RULE:
                        if (v->rule.kind == GUARD_RULE_LOCK || v->rule.kind == GUARD_RULE_LOCK_ON_ENTRY)
                                ruled |= v->rule.ns_types;
                        break;
                case GUARD_KEY_CGROUP:
                        ruled |= ruled_types(&v->cgroup);
                        break;
                case GUARD_KEY_STATE:
                        ruled |= ruled_types(&v->state.entry);
                        break;
                case GUARD_KEY_CONFIG:
                        record = v->config.record != 0;
                        break;
                }
        }
        *ret = (struct guard_hints) { .skip_ns_types = GUARD_NS_ALL & ~ruled, .skip_record = !record };
}
