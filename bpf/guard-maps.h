/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* The compiled policy as the BPF programs see it, shared by both sides so the layout cannot
 * drift. One hash map holds a whole policy generation (cgroups, executables, rules, config under
 * tagged keys); the programs reach it through slot 0 of an array-of-maps, so a reload fills a new
 * inner map and flips that one slot: no program ever sees a mix of two generations.
 * While the daemon prepares the next generation it sits in slot 1, where the kernel already gives
 * new cgroups their entries (bpf/guard-cgroups.bpf.h): a cgroup created after the scan the next
 * generation was compiled from has its entry in it before it is in force. */

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

enum guard_policy_slot {
        GUARD_SLOT_ACTIVE = 0,  /* the generation in force */
        GUARD_SLOT_NEXT = 1,    /* the one being prepared, if any (empty otherwise) */
        _GUARD_SLOT_MAX,
};

#define GUARD_NS_TYPES 8        /* mnt uts ipc net pid user cgroup time, see guard_ns_index() */

/* The namespace types as the kernel names them (CLONE_NEW*, <linux/sched.h>; the BPF side has no
 * libc header): masks of them are what unshare()/clone() take and what policies and events carry.
 * Userspace asserts they equal the libc constants (src/policy/policy.c). */
#define GUARD_CLONE_NEWNS 0x00020000u
#define GUARD_CLONE_NEWUTS 0x04000000u
#define GUARD_CLONE_NEWIPC 0x08000000u
#define GUARD_CLONE_NEWNET 0x40000000u
#define GUARD_CLONE_NEWPID 0x20000000u
#define GUARD_CLONE_NEWUSER 0x10000000u
#define GUARD_CLONE_NEWCGROUP 0x02000000u
#define GUARD_CLONE_NEWTIME 0x00000080u
#define GUARD_NS_ALL (GUARD_CLONE_NEWNS | GUARD_CLONE_NEWUTS | GUARD_CLONE_NEWIPC | GUARD_CLONE_NEWNET | \
                      GUARD_CLONE_NEWPID | GUARD_CLONE_NEWUSER | GUARD_CLONE_NEWCGROUP | GUARD_CLONE_NEWTIME)
#define GUARD_ALLOW_MAX 64      /* allow rules are bits of a mask; they get rule ids 1..64 */
#define GUARD_POLICY_ENTRIES_MAX 262144  /* compiler's cap and default map size */
#define GUARD_POLICY_ENTRIES_MIN 16      /* smallest map --policy-entries-max allows */

enum guard_key_kind {
        GUARD_KEY_CONFIG = 1,
        GUARD_KEY_RULE = 2,
        GUARD_KEY_CGROUP = 3,
        GUARD_KEY_EXE = 4,
        GUARD_KEY_STATE = 5,            /* a: classifier state */
        GUARD_KEY_STATE_GLOB = 6,       /* a: state, b: index of a glob component */
        GUARD_KEY_STATE_LITERAL = 7,    /* a: state, b: guard_name_hash() of a literal component */
        GUARD_KEY_STATE_GLOB_NEXT = 8,  /* a: state, b: mask of the glob components a name matches */
        GUARD_KEY_EXE_ANY_GEN = 9,      /* a: kernel dev_t, b: inode; the file system told userspace no generation */
};

/* GUARD_KEY_EXE is (dev_t | i_generation << 32, inode): an inode number freed by a package
 * upgrade's rename and given to the next new file does not carry the allowed file's generation.
 * Where userspace cannot read the generation (FS_IOC_GETVERSION unsupported, e.g. tmpfs, whose
 * inode numbers come from a counter and are not handed out again soon), the rule is keyed
 * GUARD_KEY_EXE_ANY_GEN instead. */
#define GUARD_EXE_KEY_A(dev, gen) ((__u64) (__u32) (dev) | (__u64) (gen) << 32)

/* The cgroup classifier: patterns of every rule as an automaton over path components, so a new
 * cgroup's entry is decided in the kernel at mkdir from its parent's state and its name (globs
 * included), never waiting for the daemon. State 0: nothing below can change (children copy). */
#define GUARD_STATE_GLOBS_MAX 8         /* glob components one state can test */
#define GUARD_COMPONENT_MAX 96          /* longest component (glob or literal) a state can hold */
#define GUARD_NAME_MAX 256              /* longest cgroup name the kernel side reads (NAME_MAX + 1) */

/* A cgroup without an entry of its own has its nearest ancestor's, when that ancestor's state
 * says its children are all alike. If the ancestor classifies its children, the entry should
 * exist and does not (the map was full): the cgroup then gets this pseudo-cgroup's entry, which
 * the compiler writes into every generation: protected and locked by GUARD_RULE_UNCLASSIFIED
 * (fail closed). The walk is bounded by GUARD_CGROUP_WALK_MAX levels, fail closed beyond. */
#define GUARD_CGROUP_UNCLASSIFIED 0xfffffffffffffffeULL
#define GUARD_RULE_UNCLASSIFIED 0xfffffffeu
/* lock_on_entry rules' ids: GUARD_RULE_ID_STABLE | bits of their label's hash, the same in every
 * generation that has the rule (src/policy/policy.c, policy_number_rules()); other rules count
 * from 1, far below. */
#define GUARD_RULE_ID_STABLE 0x40000000u
#define GUARD_RULE_ID_STABLE_MASK 0x3fffffffu
#define GUARD_CGROUP_WALK_MAX 64
/* The root cgroup's id (kernfs's first node, in every cgroup2 mount): kernel threads and the
 * kernel's usermode helpers (core_pattern pipes, modprobe) run there; it is never an admin cgroup. */
#define GUARD_CGROUP_ROOT_ID 1ULL
/* The state of a cgroup the kernel cannot classify below (a state with more than
 * GUARD_STATE_GLOBS_MAX globs or a component of GUARD_COMPONENT_MAX bytes or more): its children
 * start with a copy of its entry and the daemon gives them theirs from their paths. */
#define GUARD_STATE_DAEMON 0xffffffffu

struct guard_key {
        __u32 kind;             /* enum guard_key_kind */
        __u32 pad;
        __u64 a;                /* rule: id; cgroup: cgroup id; exe: GUARD_EXE_KEY_A() */
        __u64 b;                /* exe: inode number */
};

enum guard_mode {
        GUARD_MODE_OFF = 0,
        GUARD_MODE_AUDIT = 1,
        GUARD_MODE_ENFORCE = 2,
};

/* A rule's response (struct guard_rule_info.action, guard_event.action): PolicyAction's values,
 * which userspace asserts (src/policy/policy-compile.c). */
enum guard_action {
        GUARD_ACTION_DENY = 0,
        GUARD_ACTION_DENY_FREEZE = 1,
        GUARD_ACTION_DENY_KILL = 2,
};

enum guard_rule_kind {
        GUARD_RULE_PROTECT = 0,
        GUARD_RULE_ALLOW = 1,
        GUARD_RULE_DELEGATE = 2,
        GUARD_RULE_LOCK = 3,
        GUARD_RULE_LOCK_ON_ENTRY = 4,
};

struct guard_rule_info {
        __u32 kind;             /* enum guard_rule_kind */
        __u32 mode;             /* enum guard_mode, after any global override */
        __u32 action;           /* enum guard_action */
        __u32 ns_types;         /* lock, lock_on_entry: CLONE_NEW* mask */
        __u32 pad;
        __u64 name_hash;        /* guard_name_hash() of "policy-file/rule-name": the key of its
                                 * counters in guard_rule_counts, stable across generations */
};

struct guard_cgroup_info {
        __u32 protect_rule;     /* strictest protect rule covering this cgroup; 0: none */
        __u32 delegate_rule;    /* delegate rule of delegate_root */
        __u64 delegate_root;    /* top of the outermost delegated subtree holding it; 0: none */
        __u64 actor_allow;      /* allow rules whose "cgroup" covers this cgroup (bit i = rule i+1) */
        __u64 to_allow;         /* allow rules whose "to" covers this cgroup */
        __u32 lock_rule[GUARD_NS_TYPES];    /* strictest lock rule per namespace type; 0: none */
        __u32 creator_rule[GUARD_NS_TYPES]; /* lock_on_entry rule whose created_by covers it */
        __u32 protect_mode;     /* protect_rule's enum guard_mode (override applied) and enum guard_action: */
        __u32 protect_action;   /* a migration decision needs no rule lookup */
        __u32 state;            /* classifier state for its children; 0: they copy this entry */
        __u32 seal_rule;        /* the sealed protect rule covering it (sealed subtrees do not
                                 * overlap: one at most); 0: none */
        __u64 seal_root;        /* top of that seal's instance holding it (as delegate_root) */
        __u32 seal_mode;        /* seal_rule's enum guard_mode and action */
        __u32 seal_action;
        __u64 from_allow;       /* allow rules whose "from" covers this cgroup */
        __u64 scope_allow;      /* local allow entries (version 2) whose protect entry covers it */
        __u64 seal_allow;       /* seal_rule's local allow entries that have "to": they open the seal */
        __u32 admin;            /* an admin cgroup (the policy's "admin" list, or its default):
                                 * tasks here may use the off-switches; never the root cgroup
                                 * (guard_cgroup_admin()) */
        __u32 pad;
};

/* A classifier state: the entry a cgroup in this state gets (delegate_root filled in at mkdir),
 * and how its children are told apart. */
struct guard_state_info {
        struct guard_cgroup_info entry; /* delegate_root: filled in at mkdir */
        __u32 n_globs;          /* glob components at GUARD_KEY_STATE_GLOB 0..n_globs-1 */
        __u32 n_literals;       /* literal components at GUARD_KEY_STATE_LITERAL */
        __u32 classifies;       /* children are told apart (else they copy the entry) */
        __u32 pad;
};

struct guard_state_glob {
        char component[GUARD_COMPONENT_MAX];    /* NUL-terminated */
};

struct guard_state_literal {
        __u32 next;             /* state of a child with exactly this name */
        __u32 pad;
        char name[GUARD_COMPONENT_MAX];         /* NUL-terminated, compared after the hash */
};

struct guard_state_next {
        __u32 next;             /* state of a child matching exactly these globs and no literal */
        __u32 pad;
};

struct guard_exe_info {
        __u64 allow;            /* allow rules whose "exe" is this executable */
};

struct guard_config {
        __u64 allow_any_exe;    /* allow rules without "exe" */
        __u64 allow_any_cgroup; /* allow rules without "cgroup" */
        __u64 allow_any_to;     /* allow rules without "to" */
        __u64 allow_any_from;   /* allow rules without "from" */
        __u64 allow_global;     /* allow rules of migration.allow (not local to a protect entry) */
        __u32 generation;
        __u32 n_rules;
        __u32 record;           /* recording (issue 18): every operation seen goes to guard_records */
        __u32 root_admin;       /* the root cgroup is an admin cgroup: only by the default admin list,
                                 * when PID 1 runs there (no systemd; guard_cgroup_admin()) */
};

struct guard_value {
        union {
                struct guard_config config;
                struct guard_rule_info rule;
                struct guard_cgroup_info cgroup;
                struct guard_exe_info exe;
                struct guard_state_info state;
                struct guard_state_glob glob;
                struct guard_state_literal literal;
                struct guard_state_next next;
        };
};

/* Set on a task that entered a sandbox namespace (lock_on_entry), inherited by its children. */
struct guard_task_lock {
        __u32 rule;             /* the lock_on_entry rule */
        __u32 types;            /* CLONE_NEW* mask it is locked for */
};

/* Who a task is, beyond what its mm->exe_file says (task storage guard_identity). The exe link
 * is not proof: prctl(PR_SET_MM, PR_SET_MM_EXE_FILE or PR_SET_MM_MAP) points it at any file, and
 * a process running the real binary may carry injected code (LD_PRELOAD). */
enum guard_identity_flag {
        GUARD_IDENTITY_SELF = 1,        /* the guard: set by the loader on its own task, or at the exec
                                         * of the guard's binary by a child PID 1 forked into the
                                         * guard's own unit (a restart: struct guard_self_unit) */
        GUARD_IDENTITY_EXE_FORGED = 2,  /* it (or the parent it was forked from, no exec since) asked to
                                         * change its exe link: no exe rule matches it, never the guard */
        GUARD_IDENTITY_PID1_CHILD = 4,  /* forked by PID 1, no exec yet: still PID 1's code */
        GUARD_IDENTITY_PID1_CGROUP = 8, /* exec'd or forked by such a child while it was still in
                                         * PID 1's cgroup (an NSS module's code, before systemd
                                         * moves the child to its unit), or forked from such a
                                         * task since: never the guard, nor an admin; kept across
                                         * execs */
};

struct guard_task_identity {
        __u32 flags;            /* enum guard_identity_flag */
        __u32 pad;
};

/* The guard's own unit, for PID 1's restart of it (guard_self_unit, bpf/guard-identity.bpf.h):
 * its cgroup is made anew at each start (a new id), but its name and its parent stay, and PID 1
 * gives no other unit that name. parent_id 0: none (the daemon runs in the root cgroup, or its
 * cgroup's name does not fit): no exec is ever the guard. */
#define GUARD_UNIT_NAME_MAX 128
struct guard_self_unit {
        __u64 parent_id;                        /* cgroup id of the parent of the daemon's cgroup */
        char name[GUARD_UNIT_NAME_MAX];         /* the daemon's cgroup's name, NUL-terminated, at most
                                                 * GUARD_UNIT_NAME_MAX - 2 characters (a longer one
                                                 * read into the buffer cannot end where it does) */
};

/* Namespaces created by a lock_on_entry creator: inum -> rule. */
struct guard_sandbox_ns {
        __u32 rule;
        __u32 type;             /* CLONE_NEW* */
};

/* The kernel's rate limit on denial records: per user, rule and kind of operation (and per
 * process where the rule's action is a response, so the daemon hears of every process it must
 * respond to; for tamper attempts, which have no rule, per kind of attempt),
 * GUARD_REPORT_PER_SEC records a second after a burst of GUARD_REPORT_BURST.
 * Counters stay exact; held-back records are counted (GUARD_COUNTER_SUPPRESSED). */
#define GUARD_REPORT_PER_SEC 10
#define GUARD_REPORT_BURST 20

struct guard_report_key {
        __u32 uid;
        __u32 rule;
        __u32 kind;             /* enum guard_event_kind */
        __u32 tgid;             /* 0 unless the rule's action is a response, or a tamper attempt */
};

/* Recording: every migration and namespace change the programs see, allowed ones included, counted
 * in the kernel per distinct operation (guard_record_op()) while the generation in force says
 * "record"; the daemon drains the map each interval into one journal entry per key. A full map
 * drops new operations (GUARD_COUNTER_RECORDS_DROPPED) until the next drain: bounded space. */
#define GUARD_RECORDS_MAX 16384

struct guard_record_key {
        __u32 kind;             /* enum guard_event_kind */
        __u32 verdict;          /* enum guard_verdict */
        __u32 ns_types;         /* namespaces: CLONE_NEW* mask */
        __u32 pad;
        __u64 actor_cgroup;     /* the actor's cgroup (namespaces: the task's) */
        __u64 src_cgroup;       /* migration */
        __u64 dst_cgroup;
        __u64 exe_dev;          /* the actor's executable, kernel dev_t; 0: none */
        __u64 exe_ino;
};

struct guard_record_value {
        __u64 count;
        __u64 first_ns;         /* CLOCK_MONOTONIC */
        __u64 last_ns;
        __u32 actor_tgid;       /* the latest actor, to name its executable */
        __u32 actor_uid;
};

/* Recording saw an operation new since the last drain: the daemon names its cgroups and executable
 * now, while they exist, for the journal entry it writes at the drain. Sent on the cgroup ring
 * (guard_events), after the mkdir records of the cgroups it names; kind GUARD_EVENT_RECORD_NEW. */
struct guard_record_event {
        __u32 kind;
        __u32 actor_tgid;
        struct guard_record_key key;
};

_Static_assert(sizeof(struct guard_record_key) == 56, "struct guard_record_key layout");
_Static_assert(sizeof(struct guard_self_unit) == 8 + GUARD_UNIT_NAME_MAX, "struct guard_self_unit layout");
_Static_assert(sizeof(struct guard_record_event) == 64, "struct guard_record_event layout");
_Static_assert(sizeof(struct guard_record_value) == 32, "struct guard_record_value layout");

/* Decisions counted by rule (name_hash of the rule, stable across generations), kind of
 * operation and verdict, on the deny/audit path only; tamper refusals by what was touched
 * (detail: enum guard_tamper_what, rule_hash 0). The daemon keeps the names in
 * guard_rule_names (rule_hash -> struct guard_rule_name), so a reader of the pins can label them
 * with the daemon stopped. */
#define GUARD_RULE_COUNTS_MAX 4096
#define GUARD_RULE_LABEL_MAX 128

struct guard_rule_count_key {
        __u64 rule_hash;
        __u32 kind;             /* enum guard_event_kind */
        __u32 verdict;          /* enum guard_verdict */
        __u32 detail;           /* tamper: enum guard_tamper_what; else 0 */
        __u32 pad;
};

struct guard_rule_name {
        char policy[GUARD_RULE_LABEL_MAX];      /* the policy file's name */
        char rule[GUARD_RULE_LABEL_MAX];        /* the rule's name in it */
};

/* Per-cgroup counts of the decisions taken for actors in it (deny/audit path only), dropped
 * when the cgroup goes; the cgroup iterator prints them. */
#define GUARD_CGROUP_COUNTS_MAX 65536

struct guard_cgroup_counts {
        __u64 denied;
        __u64 audited;
        __u64 observed;         /* observe backend: violations reported, not prevented */
};

/* Counters, one array slot each. */
enum guard_counter {
        GUARD_COUNTER_DENIED = 0,
        GUARD_COUNTER_AUDITED = 1,
        GUARD_COUNTER_LOST_EVENTS = 2,  /* denial records the denial ring buffer could not take */
        GUARD_COUNTER_OBSERVED = 3,
        GUARD_COUNTER_MAP_FULL = 4,     /* a new cgroup's entry did not fit */
        GUARD_COUNTER_SUPPRESSED = 5,   /* denial records held back by the rate limit (guard_report_admit()) */
        GUARD_COUNTER_LOST_CGROUP_EVENTS = 6, /* mkdir/rmdir records the cgroup ring buffer could not take */
        GUARD_COUNTER_RECORDS_DROPPED = 7, /* recorded operations guard_records had no room for */
        GUARD_COUNTER_COUNTS_FULL = 8,  /* a decision guard_rule_counts or guard_cgroup_counts had no room for */
        _GUARD_COUNTER_MAX = 9,
};

/* What the generation in force needs no lookup for (map guard_hints, one slot): the programs
 * skip work a rule could need only where the hint says no rule needs it. Zero skips nothing:
 * a map the kernel just created is right for every generation. Written by the daemon alone,
 * around each switch of its own outer map: widened for the old and new generation before, set
 * for the new one after (backend_apply()); guard_image_hints() computes it from the image. */
struct guard_hints {
        __u32 skip_ns_types;    /* CLONE_NEW* types no lock or lock_on_entry rule names */
        __u32 skip_record;      /* the generation does not record (guard_config.record is 0) */
        __u32 retired;          /* a later load replaced this set, which then does nothing
                                 * (guard_set_retired(), disarm_replaced_set()); frozen then */
        __u32 pad;
};

/* The guard's own process and pins, for tamper protection (bpf/guard-tamper.bpf.h), written by
 * the daemon at start. */
struct guard_self {
        __u64 exe_dev;          /* kernel dev_t of cgroup-guardd's executable */
        __u64 exe_ino;
        __u64 cgroup_id;        /* the daemon's own cgroup (its unit's), 0 in the root cgroup */
        __u64 pins_dev;         /* kernel dev_t of the bpffs holding the pins */
        __u32 mnt_ns[2];        /* PID 1's and the daemon's mount namespaces (inode numbers) */
        __u32 enabled;          /* protect_self */
        __u32 starting;         /* the daemon is attaching: no link is opened by id but by it */
        __u32 kernel_keys;      /* guard_objects keys the kernel added since the daemon's last round */
        __u32 ns_types;         /* CLONE_NEW* types of the GUARD_OBJ_NS keys: a setns() to another type
                                 * needs no lookup (set before such a key goes in, kept while pins live) */
};

/* At most this many guard_objects keys added by the kernel (arrivals, reserved names) between two
 * registration rounds of the daemon: a root outside confined cgroups renaming files into a
 * sealed directory over and over would fill the map, and a restarted daemon find no room for its
 * own keys (a review found it). Past it, an arrival fails with ENOSPC. */
#define GUARD_KERNEL_KEYS_MAX 4096

/* Keys of guard_objects, the guard's own objects: map/prog/link ids and pin and control file
 * inode numbers, the kind in the upper 32 bits. */
#define GUARD_OBJ_MAP (1ULL << 32)
#define GUARD_OBJ_PROG (2ULL << 32)
#define GUARD_OBJ_LINK (3ULL << 32)
#define GUARD_OBJ_PIN (4ULL << 32)
#define GUARD_OBJ_CGROUP_FILE (5ULL << 32) /* inode of a guarded file of the root cgroup (cgroup.max.*) */
#define GUARD_OBJ_CGROUP_DIR (6ULL << 32)  /* inode of the daemon's cgroup or one above it but the root */
#define GUARD_OBJ_CGROUP_OPEN (7ULL << 32) /* inode of a file left open in those (cgroup.procs, ...) */
#define GUARD_OBJ_PROC (8ULL << 32)        /* the daemon's pid: its /proc/PID/oom_score_adj */
#define GUARD_OBJ_NS (9ULL << 32)          /* inode of a namespace of the daemon's that PID 1 is not in */
#define GUARD_OBJ_BUS_SOCKET (10ULL << 32) /* inode of the system bus's socket file (guard_bus_peers) */
#define GUARD_OBJ_PID1_EXEC (11ULL << 32)  /* id 0: the files PID 1 may exec are registered (guard_pid1_exec);
                                            * id 1: a switch of PID 1's root was refused, its execs are checked */
#define GUARD_OBJ_PINS_ABOVE (12ULL << 32) /* kernel dev_t of a file system mounted above the pins' bpffs in
                                            * PID 1's namespace (sysfs at /sys): unmounted, it takes the pins */
#define GUARD_OBJ_FILE_DEV (14ULL << 32) /* kernel dev_t of a file system holding files keyed below (the
                                          * daemon's registration): only there a new inode's stale key goes
                                          * (guard_tamper_inode_new), nowhere a user mounts or numbers */
#define GUARD_OBJ_OWN_PROC (13ULL << 32) /* kernel dev_t of the daemon's own proc file system (fsmount():
                                          * attached and unmounted at once), where it reads what it decides by */
/* A file the guard runs (its binary, each library and ld.so it maps) or a name on the way to one
 * (a directory, a symlink), by the superblock's device and the inode number, as the kernel has
 * them (what /proc/PID/maps shows): folded into one key with bit 63 set, which no other kind has.
 * Two inodes of one device never share a key; across devices a shared key needs inode numbers
 * near 2^40 apart, and would only refuse a confined write to the other file, never let one by. */
#define GUARD_OBJ_FILE (1ULL << 63)

/* guard_objects' value for such a key: GUARD_FILE_NAME, with GUARD_FILE_SEALED a directory that
 * takes no new entry from a confined cgroup (modprobe.d: a file there is a command for
 * modprobe), with GUARD_FILE_RESERVES one where some names may not be created by a confined
 * task (a usermode helper's program that does not exist: /sbin/request-key without keyutils),
 * each registered as guard_reserved_key() of the directory's key and the name; GUARD_FILE_ROOT
 * alone PID 1's root directory (no name of a path: mounts over it change no walk), whose mount
 * may not be unmounted or moved in PID 1's mount namespace (or where it propagates there), nor
 * made private there. */
#define GUARD_FILE_NAME 1
#define GUARD_FILE_SEALED 2
#define GUARD_FILE_RESERVES 4
#define GUARD_FILE_ROOT 8 /* alone: PID 1's root directory, whose mount may not be unmounted in its namespace */
/* Written by the kernel's programs (an inode arriving in a guarded place, a removed file's name),
 * which may run while a protect round registers: a round that does not register such a key
 * clears this bit and keeps it, the next one drops it (never one the round could not see). */
#define GUARD_FILE_KERNEL 16
/* A directory on the way to the pins in PID 1's namespace, each as the directory beneath
 * whatever is mounted on it (/sys on "/", fs and fs/bpf in sysfs). An unmount propagates to the
 * mount on the same directory in each peer of the parent, whatever the unmounted mount is (a
 * copy of /sys, a tmpfs on a peer made by MOVE_MOUNT_SET_GROUP); removing the directory (rmdir
 * where it is no mount point) detaches the mounts on it in every namespace; a mount onto one
 * hides what is below. Never dropped by a later registration (one that an attacker's mount over
 * /sys/fs hid from the daemon would otherwise drop it). */
#define GUARD_FILE_MOUNTPOINT 32
/* The guard's own systemd unit (its file, drop-in directories and enablement links, each name
 * where there is none): refused to PID 1 too, whose unit-file API (systemctl link, mask, revert,
 * disable, set-property) acts for any root that asks. */
#define GUARD_FILE_UNIT 64
/* A directory whose subdirectories' entries are guarded as a sealed directory's are (systemd's
 * unit directories: every unit's drop-ins and wants, those made after the daemon's registration
 * too). Set by the kernel on a directory it sees one made in. */
#define GUARD_FILE_SEALED_BELOW 128
/* The names of the guard's unit (its file, .d, .wants, .requires, .upholds, service.d and its
 * prefixes' .d), each registered as guard_reserved_key(GUARD_UNIT_NAMES_DIR, hash) with
 * GUARD_FILE_UNIT: an entry of that name in a guarded place is the unit's wherever it is made
 * (PID 1's system.control/<unit>.d after the registration). */
#define GUARD_UNIT_NAMES_DIR guard_file_key(0, 0)
/* The names that define or extend the services the policy trusts by name (exact: "ssh.service",
 * "getty@.service.d"), and the prefixes of their templates up to the '@' ("getty@": any name of
 * that prefix), each as guard_reserved_key(dir, hash): PID 1 makes none in the unit directories
 * it writes itself (trusted_unit_name()). */
#define GUARD_TRUSTED_NAMES_DIR guard_file_key(0, 1)
#define GUARD_TRUSTED_TEMPLATES_DIR guard_file_key(0, 2)
/* On a reserved name (never an inode's key, where it means GUARD_FILE_ROOT): PID 1 and its
 * children before their exec may make a directory there, what systemd makes at each start of the
 * guard's unit (its propagation directory, which PID 1 removes at each stop); nothing else.
 * Without GUARD_FILE_UNIT (nothing else is reserved so): a generators' output directory, which
 * PID 1 makes and empties at each daemon-reload and the generators write (generator_writes()). */
#define GUARD_RESERVED_PID1_DIR GUARD_FILE_ROOT
/* On a reserved name: a place units' namespaces are made of (/tmp, /run/user, /dev/null, and every
 * directory on the way): its name only is guarded (not made, removed, renamed, linked, nor its
 * file attributes set by a confined task), not what is written or mounted there, nor what is made
 * in it. */
#define GUARD_RESERVED_PLACE GUARD_FILE_SEALED_BELOW
#define GUARD_RESERVED_NAME_MAX 31 /* inline in the dentry (d_iname) on every kernel we load on */

/* A program PID 1 may exec after a refused switch of its root (guard_pid1_exec), exactly: the
 * superblock's device, the inode number and its generation (GUARD_PID1_EXEC_ANY_GEN where the
 * file system does not tell it: tmpfs). Not folded into one key as guard_objects' are: a key
 * shared there only refuses, here it would allow (a FUSE server chooses its inode numbers; btrfs
 * subvolumes share one device, not the generations of old files). */
struct guard_pid1_exec_key {
        __u64 dev;
        __u64 ino;
        __u32 gen;
        __u32 pad;
};
#define GUARD_PID1_EXEC_ANY_GEN 0xffffffffu
/* guard_pid1_exec's value: 1, with this bit where the kernel added it (a rename over one): a round
 * that does not find it clears the bit and keeps it, the next one drops it (GUARD_FILE_KERNEL). */
#define GUARD_PID1_EXEC_KERNEL 2
#define GUARD_PID1_EXEC_MAX 64

static inline __u64 guard_file_key(__u64 dev, __u64 ino) {
        return GUARD_OBJ_FILE | ((ino ^ (dev * 0x9e3779b97f4a7c15ULL)) & ~GUARD_OBJ_FILE);
}

/* FNV-1a of one step, for guard_reserved_key(): the BPF side feeds the dentry's bytes one by one. */
static inline __u64 guard_name_hash_step(__u64 hash, unsigned char c) {
        return (hash ^ c) * 0x100000001b3ULL;
}

#define GUARD_NAME_HASH_INIT 0xcbf29ce484222325ULL

static inline __u64 guard_reserved_key(__u64 dir_key, __u64 name_hash) {
        return GUARD_OBJ_FILE | (((dir_key * 0xff51afd7ed558ccdULL) ^ name_hash) & ~GUARD_OBJ_FILE);
}

/* A place's reservation (GUARD_RESERVED_PLACE) is keyed apart from a strict one of the same name
 * in the same directory: the daemon follows no symlink to place one, and neither's flags reach
 * the other's (a place's OR-ed into the guard's unit's reservation let PID 1 make the unit). */
#define GUARD_PLACE_DIR_SALT 0x5bd1e9955bd1e995ULL

static inline __u64 guard_place_key(__u64 dir_key, __u64 name_hash) {
        return guard_reserved_key(dir_key ^ GUARD_PLACE_DIR_SALT, name_hash);
}

/* Marks each of systemd's unit directories by the directory's key (the daemon's registration):
 * what PID 1 may do there and in the directories below it (entry_in_unit_dirs()). The second,
 * those it writes itself (transient, system.control: a unit's properties, as PID 1 writes them):
 * there PID 1 makes and removes files for its units; in the other unit directories it may not. */
#define GUARD_UNIT_DIR_SALT 0x27d4eb2f165667c5ULL
#define GUARD_PID1_UNIT_DIR_SALT 0xc2b2ae3d27d4eb4fULL

static inline __u64 guard_unit_dir_key(__u64 dir_key) {
        return guard_reserved_key(dir_key ^ GUARD_UNIT_DIR_SALT, 0);
}

static inline __u64 guard_pid1_unit_dir_key(__u64 dir_key) {
        return guard_reserved_key(dir_key ^ GUARD_PID1_UNIT_DIR_SALT, 0);
}

/* Fixed layouts on both sides (the compiled image is written by userspace and read by the
 * programs; the daemon adopts maps a previous binary pinned). */
_Static_assert(sizeof(struct guard_key) == 24, "struct guard_key layout");
_Static_assert(sizeof(struct guard_rule_info) == 32, "struct guard_rule_info layout");
_Static_assert(__builtin_offsetof(struct guard_rule_info, name_hash) == 24, "struct guard_rule_info layout");
_Static_assert(sizeof(struct guard_cgroup_info) == 160, "struct guard_cgroup_info layout");
_Static_assert(__builtin_offsetof(struct guard_cgroup_info, lock_rule) == 32, "struct guard_cgroup_info layout");
_Static_assert(__builtin_offsetof(struct guard_cgroup_info, creator_rule) == 64, "struct guard_cgroup_info layout");
_Static_assert(__builtin_offsetof(struct guard_cgroup_info, seal_root) == 112, "struct guard_cgroup_info layout");
_Static_assert(__builtin_offsetof(struct guard_cgroup_info, seal_allow) == 144, "struct guard_cgroup_info layout");
_Static_assert(__builtin_offsetof(struct guard_cgroup_info, admin) == 152, "struct guard_cgroup_info layout");
_Static_assert(sizeof(struct guard_state_info) == sizeof(struct guard_cgroup_info) + 16, "struct guard_state_info layout");
_Static_assert(sizeof(struct guard_state_literal) == 8 + GUARD_COMPONENT_MAX, "struct guard_state_literal layout");
_Static_assert(sizeof(struct guard_config) == 56, "struct guard_config layout");
_Static_assert(sizeof(struct guard_value) == sizeof(struct guard_state_info), "struct guard_value layout");
_Static_assert(sizeof(struct guard_task_lock) == 8, "struct guard_task_lock layout");
_Static_assert(sizeof(struct guard_task_identity) == 8, "struct guard_task_identity layout");
_Static_assert(sizeof(struct guard_sandbox_ns) == 8, "struct guard_sandbox_ns layout");
_Static_assert(sizeof(struct guard_report_key) == 16, "struct guard_report_key layout");
_Static_assert(sizeof(struct guard_rule_count_key) == 24, "struct guard_rule_count_key layout");
_Static_assert(sizeof(struct guard_rule_name) == 2 * GUARD_RULE_LABEL_MAX, "struct guard_rule_name layout");
_Static_assert(sizeof(struct guard_cgroup_counts) == 24, "struct guard_cgroup_counts layout");
_Static_assert(sizeof(struct guard_hints) == 16, "struct guard_hints layout");
_Static_assert(sizeof(struct guard_self) == 56, "struct guard_self layout");
_Static_assert(__builtin_offsetof(struct guard_self, kernel_keys) == 48, "struct guard_self layout");
_Static_assert(__builtin_offsetof(struct guard_self, mnt_ns) == 32, "struct guard_self layout");
_Static_assert(__builtin_offsetof(struct guard_self, starting) == 44, "struct guard_self layout");
_Static_assert(__builtin_offsetof(struct guard_self, ns_types) == 52, "struct guard_self layout");

static inline __u32 guard_ns_flag(int index) {
        switch (index) {
        case 0: return GUARD_CLONE_NEWNS;
        case 1: return GUARD_CLONE_NEWUTS;
        case 2: return GUARD_CLONE_NEWIPC;
        case 3: return GUARD_CLONE_NEWNET;
        case 4: return GUARD_CLONE_NEWPID;
        case 5: return GUARD_CLONE_NEWUSER;
        case 6: return GUARD_CLONE_NEWCGROUP;
        case 7: return GUARD_CLONE_NEWTIME;
        }
        return 0;
}

static inline int guard_ns_index(__u32 clone_flag) {
        switch (clone_flag) {
        case GUARD_CLONE_NEWNS: return 0;
        case GUARD_CLONE_NEWUTS: return 1;
        case GUARD_CLONE_NEWIPC: return 2;
        case GUARD_CLONE_NEWNET: return 3;
        case GUARD_CLONE_NEWPID: return 4;
        case GUARD_CLONE_NEWUSER: return 5;
        case GUARD_CLONE_NEWCGROUP: return 6;
        case GUARD_CLONE_NEWTIME: return 7;
        }
        return -1;
}

/* The maps and programs userspace names. A map's or program's name is also its pin's (map_NAME,
 * link_NAME), which readers without the BPF object (--status, --unload, --metrics) open by name,
 * and one loader serves three objects whose skeletons are different structs: so userspace names
 * them by these lists, not by skeleton members. Each list says which objects have its entries;
 * src/daemon/bpf-backend.c checks every entry at build time against those objects' skeletons (a
 * member of .maps or .progs), and GUARD_MAP()/GUARD_PROG() accept only names listed here: a map or
 * program renamed on one side fails the build, not a lookup at run time. */
#define GUARD_MAPS_EVERY_OBJECT(X)                                                              \
        X(guard_policy) X(guard_policy_template) X(guard_events) X(guard_denials)              \
        X(guard_counters) X(guard_records) X(guard_rule_counts) X(guard_rule_names)            \
        X(guard_cgroup_counts) X(guard_task_locks) X(guard_sandbox_ns) X(guard_identity)          \
        X(guard_hints)
#define GUARD_MAPS_TAMPER(X) X(guard_self) X(guard_objects) X(guard_self_unit) X(guard_bus_peers) X(guard_pid1_exec) \
        X(guard_mounts_in_flight) X(guard_mount_claims) /* native, compat */
#define GUARD_MAPS_COMPAT(X) X(compat_windows) X(compat_open_windows)
#define GUARD_MAPS_OBSERVE(X) X(observe_task_cgroup)
/* The guard_seen_* flags' data section (bpf/guard-policy.bpf.h), every object: the skeleton's
 * maps.data_guard_seen. */
#define GUARD_DATA_SEEN ".data.guard_seen"

#define GUARD_PROGS_EVERY_OBJECT(X) X(guard_cgroup_mkdir) X(guard_cgroup_mkdir_lockdown) X(guard_iter_cgroups)
#define GUARD_PROGS_TAMPER(X)                                                                   \
        X(guard_tamper_bpf) X(guard_tamper_bpf_lockdown) X(guard_identity_exec)                 \
        X(guard_identity_exec_lockdown) X(guard_tamper_unit_mkdir)                               \
        X(guard_tamper_cgroup1_mount) X(guard_tamper_cgroup1_mount_lockdown)                   \
        X(guard_tamper_truncate) X(guard_tamper_truncate_idmap) X(guard_tamper_bus_connect)   \
        X(guard_tamper_setxattr) X(guard_tamper_removexattr) X(guard_tamper_set_acl)             \
        X(guard_tamper_remove_acl) X(guard_tamper_umount) X(guard_tamper_umount_lockdown)       \
        X(guard_tamper_move_mount) X(guard_tamper_move_mount_lockdown) X(guard_tamper_mount_move) \
        X(guard_tamper_mount_move_lockdown) X(guard_tamper_file_open) X(guard_tamper_file_open_lockdown) \
        X(guard_tamper_inode_symlink) X(guard_tamper_inode_symlink_lockdown) X(guard_tamper_inode_create) \
        X(guard_tamper_inode_create_lockdown) X(guard_tamper_inode_mkdir) X(guard_tamper_inode_mkdir_lockdown) X(guard_tamper_inode_new) \
        X(guard_tamper_mount_exit) X(guard_tamper_move_mount_exit) X(guard_tamper_move_mount_exit_ia32) \
        X(guard_tamper_mount_enter) X(guard_tamper_move_mount_enter) X(guard_tamper_move_mount_enter_ia32) \
        X(guard_tamper_mount_task_free) X(guard_tamper_capable) \
        X(guard_tamper_kexec_read) X(guard_tamper_kexec_load) X(guard_tamper_file_ioctl) X(guard_tamper_file_ioctl_compat)
#define GUARD_PROGS_NATIVE(X)                                                                   \
        X(guard_tamper_pin_open) X(native_cgroup_attach) X(native_cgroup_attach_lockdown)       \
        X(native_namespace_install) X(native_namespace_alloc) X(native_namespace_free)          \
        X(native_task_alloc) X(native_exec_pending)
#define GUARD_PROGS_COMPAT(X)                                                                   \
        X(compat_exec_pending) X(compat_attach_enter) X(compat_attach_exit) X(compat_inode_permission)                 \
        X(compat_procs_write_start) X(compat_procs_write_start_lockdown)                        \
        X(compat_procs_write_finish) X(compat_fork_enter) X(compat_fork_exit)                    \
        X(compat_mntns_install_enter) X(compat_mntns_install_exit)                              \
        X(compat_utsns_install_enter) X(compat_utsns_install_exit)                              \
        X(compat_ipcns_install_enter) X(compat_ipcns_install_exit)                              \
        X(compat_netns_install_enter) X(compat_netns_install_exit)                              \
        X(compat_pidns_install_enter) X(compat_pidns_install_exit)                              \
        X(compat_userns_install_enter) X(compat_userns_install_exit)                            \
        X(compat_cgroupns_install_enter) X(compat_cgroupns_install_exit)                        \
        X(compat_timens_install_enter) X(compat_timens_install_exit)                            \
        X(compat_unshare_enter) X(compat_unshare_exit) X(compat_unshare_sys_enter)              \
        X(compat_unshare_sys_exit) X(compat_capable) X(compat_userns_create)                    \
        X(compat_proc_free_inum) X(compat_task_alloc) X(compat_task_newtask)
#define GUARD_PROGS_OBSERVE(X) X(observe_cgroup_attach_task) X(observe_task_newtask)

#ifndef __bpf__
#define GUARD_NAME_MEMBER_(name) char name;
/* One member per listed name: what GUARD_MAP() and GUARD_PROG() check a name against. */
struct guard_map_names {
        GUARD_MAPS_EVERY_OBJECT(GUARD_NAME_MEMBER_) GUARD_MAPS_TAMPER(GUARD_NAME_MEMBER_)
        GUARD_MAPS_COMPAT(GUARD_NAME_MEMBER_) GUARD_MAPS_OBSERVE(GUARD_NAME_MEMBER_)
};
struct guard_prog_names {
        GUARD_PROGS_EVERY_OBJECT(GUARD_NAME_MEMBER_) GUARD_PROGS_TAMPER(GUARD_NAME_MEMBER_)
        GUARD_PROGS_NATIVE(GUARD_NAME_MEMBER_) GUARD_PROGS_COMPAT(GUARD_NAME_MEMBER_)
        GUARD_PROGS_OBSERVE(GUARD_NAME_MEMBER_)
};
/* "name", a constant usable in static tables, that compiles only for a listed name. */
#define GUARD_MAP(name) (#name + 0 * sizeof(((struct guard_map_names *) 0)->name))
#define GUARD_PROG(name) (#name + 0 * sizeof(((struct guard_prog_names *) 0)->name))
/* "a|b": program a, or its alternative b where a cannot attach (backend-guarantees.c). */
#define GUARD_PROG_EITHER(a, b) \
        (#a "|" #b + 0 * (sizeof(((struct guard_prog_names *) 0)->a) + sizeof(((struct guard_prog_names *) 0)->b)))
#endif
