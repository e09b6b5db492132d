/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The merged policy: every rule of every loaded file, with where it came from. Pure data, no
 * kernel: the compiler turns it into maps, the decision oracle (policy-decide.h) answers
 * questions from it, and error messages point back into the files through line/column. */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Ordered by strictness: when rules conflict, the larger value wins. */
typedef enum PolicyMode {
        POLICY_MODE_OFF,
        POLICY_MODE_AUDIT,
        POLICY_MODE_ENFORCE,
        _POLICY_MODE_MAX,
        _POLICY_MODE_INVALID = -EINVAL,
} PolicyMode;

typedef enum PolicyAction {
        POLICY_ACTION_DENY,
        POLICY_ACTION_DENY_FREEZE,
        POLICY_ACTION_DENY_KILL,
        _POLICY_ACTION_MAX,
        _POLICY_ACTION_INVALID = -EINVAL,
} PolicyAction;

typedef enum PolicyRuleKind {
        POLICY_RULE_PROTECT,        /* migration.protect[] */
        POLICY_RULE_ALLOW,          /* migration.allow[] */
        POLICY_RULE_DELEGATE,       /* migration.delegate[] */
        POLICY_RULE_LOCK,           /* namespaces.lock[] */
        POLICY_RULE_LOCK_ON_ENTRY,  /* namespaces.lock_on_entry[] */
        _POLICY_RULE_KIND_MAX,
} PolicyRuleKind;

/* Namespace types are kept as their CLONE_NEW* flags: that is what the kernel reports
 * (ns->ops->type) and what unshare()/clone() take. */
#define POLICY_NS_ALL 0x7e020080u /* the eight CLONE_NEW* flags (not CLONE_IO); = GUARD_NS_ALL */

typedef struct PolicyFile {
        char *path;         /* as given, used in diagnostics */
        char *name;         /* basename, used in rule ids */
        PolicyMode mode;
        PolicyAction action;
        bool require_enforce;
        int protect_self;       /* -1: not said, else the file's "protect_self" */
        unsigned version;       /* the file's format version (1 or 2) */
        bool record;            /* "record": true: the guard records every operation it sees */
} PolicyFile;

#define POLICY_NO_PARENT SIZE_MAX
#define POLICY_RULE_NAME_MAX 64        /* bytes of an explicit "name", NUL excluded */

typedef struct PolicyRule {
        PolicyRuleKind kind;
        unsigned index;             /* position in its array in the file */
        size_t file;                /* index into Policy.files */
        unsigned line, column;      /* of the entry in the file */
        uint32_t id;                /* as maps and events carry it, see policy_number_rules() */
        char *name;                 /* "name" or the default "FILE:protect/0" (unique across files) */
        bool named;                 /* name is the file's "name", not the default from the position */
        size_t parent;              /* allow/delegate local to a protect entry (version 2): that
                                     * protect rule's index in Policy.rules; POLICY_NO_PARENT: global */
        bool seal;                  /* protect: tasks inside never leave (version 2 "seal") */

        char *cgroup;               /* protect/delegate/lock: the subtree; allow: actor's subtree;
                                     * lock_on_entry: created_by.cgroup. NULL if not given. */
        char *exe;                  /* allow: actor's executable; NULL if not given */
        bool exe_resolved;          /* exe_dev/exe_ino are valid */
        dev_t exe_dev;
        ino_t exe_ino;
        bool exe_gen_known;         /* exe_gen is valid (FS_IOC_GETVERSION) */
        uint32_t exe_gen;           /* the file's inode generation */
        char **to;                  /* allow: allowed destinations, NULL-terminated; NULL = any */
        char **from;                /* allow: allowed sources, NULL-terminated; NULL = any */
        char **from_dropped;        /* allow: "from"/"to" entries left out, their service having no */
        char **to_dropped;          /* unit file (policy_resolve_units()); NULL: none */
        bool units_resolved;
        uint32_t ns_types;          /* lock/lock_on_entry: CLONE_NEW* mask */
} PolicyRule;

/* One entry of a file's "admin" list: a cgroup subtree whose tasks may use the off-switches
 * (bpf/guard-decide.h, guard_cgroup_admin()). */
typedef struct PolicyAdmin {
        char *cgroup;
        size_t file;                /* index into Policy.files */
        unsigned index;             /* position in the file's list */
        unsigned line, column;
} PolicyAdmin;

/* The admin cgroups when no active file has an "admin" list: PID 1's, and the guard's own unit
 * (Policy.guard_cgroup, which only the daemon knows); PID 1 in the root cgroup makes that one an
 * admin cgroup instead (policy_root_admin()). No login session scope: any root that can
 * open a PAM session with pam_systemd (su from a service that is not sealed) gets one. */
#define POLICY_ADMIN_DEFAULT "/init.scope"

typedef struct Policy {
        bool mode_overridden;   /* cgroup-guardctl mode: every active rule runs in mode_override */
        PolicyMode mode_override;
        bool record_overridden; /* cgroup-guardctl record on|off: record_override, not the files */
        bool record_override;
        PolicyFile *files;
        size_t n_files;
        PolicyRule *rules;
        size_t n_rules;
        size_t n_rules_allocated;
        size_t n_ignored;       /* directory entries that are not *.json and not hidden: not read */
        PolicyAdmin *admins;    /* every file's "admin" entries, in file order */
        size_t n_admins;
        char *guard_cgroup;     /* the daemon's own cgroup, for the default admin list; NULL: unknown */
        bool init_in_root;      /* PID 1 runs in the root cgroup (no systemd): the default admin list
                                 * then takes the root cgroup for PID 1's (policy_root_admin()) */
} Policy;

const char *policy_mode_to_string(PolicyMode m);
PolicyMode policy_mode_from_string(const char *s);
const char *policy_action_to_string(PolicyAction a);
PolicyAction policy_action_from_string(const char *s);
const char *policy_rule_kind_to_string(PolicyRuleKind k);

const char *ns_type_to_string(uint32_t clone_flag);
uint32_t ns_type_from_string(const char *s); /* 0 if unknown */

/* The rule's name: its "name", or the default "10-system.json:protect/0" (a local entry:
 * "10-system.json:protect/0/allow/1"). Returns buf. */
char *policy_rule_name(const PolicyRule *rule, char *buf, size_t size);

/* The protect rule a local allow/delegate entry belongs to, or NULL for a global one. */
static inline const PolicyRule *policy_rule_parent(const Policy *p, const PolicyRule *rule) {
        return rule->parent == POLICY_NO_PARENT ? NULL : &p->rules[rule->parent];
}

/* The key of a rule's counters in the kernel (guard_rule_info.name_hash): its policy file's name
 * and its own name (policy_rule_name()), so it survives reloads that renumber rules. Never 0. */
uint64_t policy_rule_label_hash(const Policy *p, const PolicyRule *rule);

static inline const PolicyFile *policy_rule_file(const Policy *p, const PolicyRule *rule) {
        return &p->files[rule->file];
}

/* mode_override: -1 for each file's own mode, else the mode every active rule runs in. */
void policy_set_mode_override(Policy *p, int mode_override);

/* Effective mode/action of a rule: its file's, with a mode override applied to active rules. */
PolicyMode policy_rule_mode(const Policy *p, const PolicyRule *rule);
PolicyAction policy_rule_action(const Policy *p, const PolicyRule *rule);

/* A rule applies unless its file is "off". */
bool policy_rule_active(const Policy *p, const PolicyRule *rule);
/* The conflict order: enforce beats audit, then the harsher action, then the earlier rule (lower
 * id; a NULL b loses). The oracle and the compiler use it; bpf/guard-decide.h states the same. */
bool policy_rule_stricter(const Policy *p, const PolicyRule *a, const PolicyRule *b);

bool policy_requires_enforce(const Policy *p);
/* Recording: the override (cgroup-guardctl record on|off), else whether an active file says
 * "record": true. */
bool policy_records(const Policy *p);
/* Tamper protection is on unless an active file says "protect_self": false and none says true. */
bool policy_protect_self(const Policy *p);
size_t policy_count_rules(const Policy *p, PolicyRuleKind kind);

/* Rule ids: allow rules are 1..n_allow in model order (they are bits of masks in the maps), the
 * others follow. Called by the loader whenever rules are added. */
void policy_number_rules(Policy *p);
const PolicyRule *policy_rule_by_id(const Policy *p, uint32_t id);

/* Resolve every allow rule's exe to device+inode (a missing file resolves to nothing and
 * therefore matches nothing). resolve is stat() unless given, for tests. */
typedef int (*PolicyStatFunc)(const char *path, dev_t *ret_dev, ino_t *ret_ino);
void policy_resolve_executables(Policy *p, PolicyStatFunc resolve);
int policy_file_generation(const char *path, dev_t dev, ino_t ino, uint32_t *ret);
/* The executables allow rules trust (each path once, NULL-terminated, at most max; the rest
 * counted in *ret_omitted): the files whose replacement would hand a rule's power to whoever
 * wrote them, guarded as the guard's own (guard-files.c). Returns how many. */
int policy_trusted_executables(const Policy *p, size_t max, char ***ret, size_t *ret_omitted);

/* The admin cgroups in force, one pattern at a time (i from 0; NULL past the end): every active
 * file's "admin" entries if there are any, else the default (POLICY_ADMIN_DEFAULT unless PID 1
 * runs in the root cgroup, and guard_cgroup unless that is the root). The root cgroup is never a
 * pattern (the parser refuses "/", the default leaves a daemon in the root cgroup out): only
 * policy_root_admin() makes it an admin cgroup. */
const char *policy_admin_pattern(const Policy *p, size_t i);
/* Whether the admin list in force is the default (no active file has "admin" entries). */
bool policy_admin_is_default(const Policy *p);
/* Whether the root cgroup is an admin cgroup: only with the default list, where PID 1 runs in it
 * (init_in_root: no systemd, no /init.scope), so that the admin there keeps an off-switch. */
bool policy_root_admin(const Policy *p);
/* The daemon's own cgroup path (copied), for the default admin list. */
int policy_set_guard_cgroup(Policy *p, const char *path);

/* Drops files and rules past the given counts (a failed parse undoing its appends). */
void policy_truncate(Policy *p, size_t n_files, size_t n_rules);
void policy_done(Policy *p);
