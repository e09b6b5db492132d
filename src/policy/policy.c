/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard-maps.h"
#include "hash-util.h"
#include "macro.h"
#include "policy.h"
#include "string-util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The kernel ABI's namespace table is the libc one. */
_Static_assert(GUARD_CLONE_NEWNS == CLONE_NEWNS && GUARD_CLONE_NEWUTS == CLONE_NEWUTS &&
               GUARD_CLONE_NEWIPC == CLONE_NEWIPC && GUARD_CLONE_NEWNET == CLONE_NEWNET &&
               GUARD_CLONE_NEWPID == CLONE_NEWPID && GUARD_CLONE_NEWUSER == CLONE_NEWUSER &&
               GUARD_CLONE_NEWCGROUP == CLONE_NEWCGROUP && GUARD_CLONE_NEWTIME == CLONE_NEWTIME,
               "GUARD_CLONE_NEW* are the kernel's CLONE_NEW*");
_Static_assert(GUARD_ACTION_DENY == (int) POLICY_ACTION_DENY && GUARD_ACTION_DENY_FREEZE == (int) POLICY_ACTION_DENY_FREEZE &&
               GUARD_ACTION_DENY_KILL == (int) POLICY_ACTION_DENY_KILL && _POLICY_ACTION_MAX == 3,
               "PolicyAction crosses into the maps as enum guard_action");

static const char *const mode_table[_POLICY_MODE_MAX] = {
        [POLICY_MODE_OFF] = "off",
        [POLICY_MODE_AUDIT] = "audit",
        [POLICY_MODE_ENFORCE] = "enforce",
};

static const char *const action_table[_POLICY_ACTION_MAX] = {
        [POLICY_ACTION_DENY] = "deny",
        [POLICY_ACTION_DENY_FREEZE] = "deny+freeze",
        [POLICY_ACTION_DENY_KILL] = "deny+kill",
};

static const char *const rule_kind_table[_POLICY_RULE_KIND_MAX] = {
        [POLICY_RULE_PROTECT] = "protect",
        [POLICY_RULE_ALLOW] = "allow",
        [POLICY_RULE_DELEGATE] = "delegate",
        [POLICY_RULE_LOCK] = "lock",
        [POLICY_RULE_LOCK_ON_ENTRY] = "lock_on_entry",
};

/* Indexed as guard_ns_flag() (bpf/guard-maps.h). */
static const char *const ns_names[GUARD_NS_TYPES] = { "mnt", "uts", "ipc", "net", "pid", "user", "cgroup", "time" };

const char *policy_mode_to_string(PolicyMode m) {
        return m >= 0 && m < _POLICY_MODE_MAX ? mode_table[m] : NULL;
}

PolicyMode policy_mode_from_string(const char *s) {
        for (int i = 0; i < _POLICY_MODE_MAX; i++)
                if (streq(s, mode_table[i]))
                        return i;
        return _POLICY_MODE_INVALID;
}

const char *policy_action_to_string(PolicyAction a) {
        return a >= 0 && a < _POLICY_ACTION_MAX ? action_table[a] : NULL;
}

PolicyAction policy_action_from_string(const char *s) {
        for (int i = 0; i < _POLICY_ACTION_MAX; i++)
                if (streq(s, action_table[i]))
                        return i;
        return _POLICY_ACTION_INVALID;
}

const char *policy_rule_kind_to_string(PolicyRuleKind k) {
        return k < _POLICY_RULE_KIND_MAX ? rule_kind_table[k] : NULL;
}

const char *ns_type_to_string(uint32_t clone_flag) {
        int i = guard_ns_index(clone_flag);

        return i < 0 ? NULL : ns_names[i];
}

uint32_t ns_type_from_string(const char *s) {
        for (int i = 0; i < GUARD_NS_TYPES; i++)
                if (streq(s, ns_names[i]))
                        return guard_ns_flag(i);
        return 0;
}

char *policy_rule_name(const PolicyRule *rule, char *buf, size_t size) {
        if (rule->name)
                snprintf(buf, size, "%s", rule->name);
        else
                snprintf(buf, size, "%s/%u", policy_rule_kind_to_string(rule->kind), rule->index);
        return buf;
}

uint64_t policy_rule_label_hash(const Policy *p, const PolicyRule *rule) {
        char name[256], label[512];
        uint64_t h;

        snprintf(label, sizeof(label), "%s/%s", policy_rule_file(p, rule)->name, policy_rule_name(rule, name, sizeof(name)));
        h = fnv1a_string(label);
        return h ?: 1;
}

void policy_set_mode_override(Policy *p, int mode_override) {
        p->mode_overridden = mode_override >= 0;
        p->mode_override = mode_override >= 0 ? (PolicyMode) mode_override : POLICY_MODE_OFF;
}

PolicyMode policy_rule_mode(const Policy *p, const PolicyRule *rule) {
        PolicyMode mode = policy_rule_file(p, rule)->mode;

        return p->mode_overridden && mode != POLICY_MODE_OFF ? p->mode_override : mode;
}

PolicyAction policy_rule_action(const Policy *p, const PolicyRule *rule) {
        return policy_rule_file(p, rule)->action;
}

bool policy_rule_active(const Policy *p, const PolicyRule *rule) {
        return policy_rule_file(p, rule)->mode != POLICY_MODE_OFF;
}

bool policy_rule_stricter(const Policy *p, const PolicyRule *a, const PolicyRule *b) {
        if (!b)
                return true;
        if (policy_rule_mode(p, a) != policy_rule_mode(p, b))
                return policy_rule_mode(p, a) > policy_rule_mode(p, b);
        if (policy_rule_action(p, a) != policy_rule_action(p, b))
                return policy_rule_action(p, a) > policy_rule_action(p, b);
        return a->id < b->id;
}

bool policy_requires_enforce(const Policy *p) {
        for (size_t i = 0; i < p->n_files; i++)
                if (p->files[i].require_enforce && p->files[i].mode != POLICY_MODE_OFF)
                        return true;
        return false;
}

bool policy_records(const Policy *p) {
        if (p->record_overridden)
                return p->record_override;
        for (size_t i = 0; i < p->n_files; i++)
                if (p->files[i].record && p->files[i].mode != POLICY_MODE_OFF)
                        return true;
        return false;
}

bool policy_protect_self(const Policy *p) {
        bool off = false;

        for (size_t i = 0; i < p->n_files; i++) {
                if (p->files[i].mode == POLICY_MODE_OFF || p->files[i].protect_self < 0)
                        continue;
                if (p->files[i].protect_self)
                        return true;
                off = true;
        }
        return !off;
}

size_t policy_count_rules(const Policy *p, PolicyRuleKind kind) {
        size_t n = 0;

        for (size_t i = 0; i < p->n_rules; i++)
                n += p->rules[i].kind == kind;
        return n;
}

/* What names a lock_on_entry rule across generations: its file and its name; an unnamed one
 * (version 1) by its file and created_by, not by its position in its file, which removing an
 * entry before it changes, nor by its types, which an admin tightening it changes (marks and
 * sandboxes would then name no rule: unlocked). The space keeps it apart from any name. */
static uint64_t lock_on_entry_identity(const Policy *p, const PolicyRule *r) {
        char label[1024];

        if (r->named)
                return policy_rule_label_hash(p, r);
        snprintf(label, sizeof(label), "%s/ lock_on_entry %s", policy_rule_file(p, r)->name, r->cgroup ?: "");
        return fnv1a_string(label);
}

static bool rule_id_taken(const Policy *p, size_t before, uint32_t id) {
        for (size_t i = 0; i < before; i++)
                if (p->rules[i].id == id)
                        return true;
        return false;
}

/* Allow rules are 1..n (bits of the allow mask), other rules follow by position, except
 * lock_on_entry rules: the kernel keeps their ids in sandbox records and task marks that outlive
 * a generation, so theirs come from the rule itself (lock_on_entry_identity()) and stay the same
 * when other rules come or go (by position, removing an earlier rule shifted them: a marked
 * task's mark then named no rule, or another, and it left its sandbox; two reviews found it). */
void policy_number_rules(Policy *p) {
        uint32_t n_allow = policy_count_rules(p, POLICY_RULE_ALLOW), next_allow = 1, next_other = n_allow + 1;

        for (size_t i = 0; i < p->n_rules; i++) {
                PolicyRule *r = &p->rules[i];
                uint64_t h;
                uint32_t id;

                if (r->kind == POLICY_RULE_ALLOW) {
                        r->id = next_allow++;
                        continue;
                }
                if (r->kind != POLICY_RULE_LOCK_ON_ENTRY) {
                        r->id = next_other++;
                        continue;
                }
                h = lock_on_entry_identity(p, r);
                id = GUARD_RULE_ID_STABLE | ((uint32_t) (h ^ (h >> 32)) & GUARD_RULE_ID_STABLE_MASK);
                /* Two labels folding alike (one in a billion pairs): the later one moves on. */
                while (rule_id_taken(p, i, id))
                        id = GUARD_RULE_ID_STABLE | ((id + 1) & GUARD_RULE_ID_STABLE_MASK);
                r->id = id;
        }
}

const PolicyRule *policy_rule_by_id(const Policy *p, uint32_t id) {
        for (size_t i = 0; i < p->n_rules; i++)
                if (p->rules[i].id == id)
                        return &p->rules[i];
        return NULL;
}

static int stat_executable(const char *path, dev_t *ret_dev, ino_t *ret_ino) {
        struct stat st;

        if (stat(path, &st) < 0)
                return -errno;
        if (!S_ISREG(st.st_mode))
                return -ENOEXEC;
        *ret_dev = st.st_dev;
        *ret_ino = st.st_ino;
        return 0;
}

/* The inode generation of the file at path, if it is still (dev, ino): FS_IOC_GETVERSION (ext2/3/4,
 * btrfs, xfs). -ENOTTY and friends where the file system does not tell (tmpfs, overlayfs, ...). */
int policy_file_generation(const char *path, dev_t dev, ino_t ino, uint32_t *ret) {
        _cleanup_(closep) int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        struct stat st;
        int gen = 0;

        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_dev != dev || st.st_ino != ino)
                return -ESTALE;
        if (ioctl(fd, FS_IOC_GETVERSION, &gen) < 0)
                return -errno;
        *ret = (uint32_t) gen;
        return 0;
}

void policy_resolve_executables(Policy *p, PolicyStatFunc resolve) {
        bool generations = !resolve;

        if (!resolve)
                resolve = stat_executable;
        for (size_t i = 0; i < p->n_rules; i++) {
                PolicyRule *r = &p->rules[i];

                r->exe_resolved = r->exe && resolve(r->exe, &r->exe_dev, &r->exe_ino) >= 0;
                r->exe_gen_known = r->exe_resolved && generations &&
                                   policy_file_generation(r->exe, r->exe_dev, r->exe_ino, &r->exe_gen) >= 0;
        }
}

int policy_trusted_executables(const Policy *p, size_t max, char ***ret, size_t *ret_omitted) {
        char **list = calloc(max + 1, sizeof(char *));
        size_t n = 0, omitted = 0;

        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *rule = &p->rules[i];
                bool seen = false;

                if (rule->kind != POLICY_RULE_ALLOW || !rule->exe || rule->exe[0] != '/')
                        continue;
                for (size_t j = 0; j < n && !seen; j++)
                        seen = streq(list[j], rule->exe);
                if (seen)
                        continue;
                if (n == max) {
                        omitted++;
                        continue;
                }
                list[n] = strdup(rule->exe);
                if (!list[n]) {
                        strv_free(list);
                        return -ENOMEM;
                }
                n++;
        }
        *ret = list;
        if (ret_omitted)
                *ret_omitted = omitted;
        return (int) n;
}

static void rule_done(PolicyRule *r) {
        free(r->cgroup);
        free(r->exe);
        free(r->name);
        strv_free(r->to);
        strv_free(r->from);
        strv_free(r->from_dropped);
        strv_free(r->to_dropped);
}

bool policy_admin_is_default(const Policy *p) {
        for (size_t i = 0; i < p->n_admins; i++)
                if (p->files[p->admins[i].file].mode != POLICY_MODE_OFF)
                        return false;
        return true;
}

const char *policy_admin_pattern(const Policy *p, size_t i) {
        if (policy_admin_is_default(p)) {
                /* PID 1's cgroup (none when it is the root: policy_root_admin()), the guard's. */
                const char *defaults[] = {
                        p->init_in_root ? NULL : POLICY_ADMIN_DEFAULT,
                        p->guard_cgroup && !streq(p->guard_cgroup, "/") && !streq(p->guard_cgroup, POLICY_ADMIN_DEFAULT) ?
                                p->guard_cgroup : NULL,
                };

                for (size_t k = 0; k < ELEMENTSOF(defaults); k++)
                        if (defaults[k] && i-- == 0)
                                return defaults[k];
                return NULL;
        }
        for (size_t k = 0; k < p->n_admins; k++) {
                if (p->files[p->admins[k].file].mode == POLICY_MODE_OFF)
                        continue;
                if (i-- == 0)
                        return p->admins[k].cgroup;
        }
        return NULL;
}

bool policy_root_admin(const Policy *p) {
        return p->init_in_root && policy_admin_is_default(p);
}

int policy_set_guard_cgroup(Policy *p, const char *path) {
        char *copy = path ? strdup(path) : NULL;

        if (path && !copy)
                return -ENOMEM;
        free(p->guard_cgroup);
        p->guard_cgroup = copy;
        return 0;
}

void policy_truncate(Policy *p, size_t n_files, size_t n_rules) {
        for (size_t i = n_rules; i < p->n_rules; i++)
                rule_done(&p->rules[i]);
        while (p->n_admins > 0 && p->admins[p->n_admins - 1].file >= n_files)
                free(p->admins[--p->n_admins].cgroup);
        for (size_t i = n_files; i < p->n_files; i++) {
                free(p->files[i].path);
                free(p->files[i].name);
        }
        p->n_rules = n_rules;
        p->n_files = n_files;
}

void policy_done(Policy *p) {
        policy_truncate(p, 0, 0);
        free(p->rules);
        free(p->files);
        free(p->admins);
        free(p->guard_cgroup);
        *p = (Policy) {};
}
