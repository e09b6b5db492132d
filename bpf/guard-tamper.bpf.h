/* SPDX-License-Identifier: (LGPL-2.1-or-later OR BSD-2-Clause) */
#pragma once

/* Tamper protection (policy "protect_self", on by default), for the backends that can deny:
 * nobody but cgroup-guardd itself may get a handle on the guard's maps, programs or links
 * (by id or by pin), remove or rename its pins, or unmount the bpffs holding them; and nobody
 * but PID 1 and the daemon may stop or slow it: signals (kill, SIGIO through F_SETOWN), ptrace
 * attach, prlimit, its scheduling, nice value, I/O priority and OOM score, writes to the cgroup
 * files of its cgroup and of the cgroups above it (cgroup.kill, cgroup.freeze, limits), moving a
 * process into its cgroup or out of it, or mounting a cgroup v1 hierarchy; from its own unit's cgroup, only
 * SIGHUP (ExecReload=). Nor may anyone else join the namespaces it does not share with PID 1 (a
 * unit's private mount namespace), nor a task the policy confines attach to one outside its own
 * cgroup and the cgroups below it, nor rewrite, truncate, remove, rename or mount over the files the guard runs
 * (guard_file_refused()). Read-only ptrace access (/proc/PID/…) stays open. The daemon is recognised by its mark in guard_identity (is_guard()), not by its
 * executable: that, written into guard_self at start, only tells the admin's cgroup-guardd
 * in an admin cgroup and a restart by PID 1 (bpf/guard-identity.bpf.h). Every refusal is
 * reported. */

#include <bpf/bpf_core_read.h>

#include "guard-policy.bpf.h"

#define GUARD_TAMPER_EPERM 1
#define BPF_FS_MAGIC_ 0xcafe4a11
#define CGROUP2_SUPER_MAGIC_ 0x63677270
#define SIGHUP_ 1
#define SIGCONT_ 18
#define MAY_WRITE_ 0x2
#define FMODE_WRITE_ 0x2
#define MS_MOVE_ 0x2000
#define MS_REMOUNT_ 0x20
#define MS_BIND_ 0x1000
#define MS_PROPAGATION_ (0x20000 | 0x40000 | 0x80000 | 0x100000) /* MS_UNBINDABLE, PRIVATE, SLAVE, SHARED */
#define ATTR_MODE_ (1 << 0)
#define ATTR_UID_ (1 << 1)
#define ATTR_GID_ (1 << 2)
#define ATTR_SIZE_ (1 << 3)
#define ATTR_ATIME_ (1 << 4)
#define ATTR_MTIME_ (1 << 5)

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct guard_self);
} guard_self SEC(".maps");

/* The guard's own objects (GUARD_OBJ_* | id or inode number, bpf/guard-maps.h). */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 16384);
        __type(key, __u64);
        __type(value, __u8);
} guard_objects SEC(".maps");

/* A set a later load replaced protects nothing (guard_set_retired()): the new set does.
 * guard_self is shared between them. */
static __always_inline struct guard_self *tamper_config(void) {
        __u32 zero = 0;
        struct guard_self *self;

        if (guard_set_retired())
                return NULL;
        self = bpf_map_lookup_elem(&guard_self, &zero);
        return self && self->enabled ? self : NULL;
}

static __always_inline bool is_guard_binary(struct inode *inode, struct guard_self *self) {
        return inode->i_ino == self->exe_ino && inode->i_sb->s_dev == self->exe_dev;
}

/* Does the policy in force confine the current task's cgroup? A global function, verified once
 * per program rather than at each of its call sites. */
__attribute__((noinline)) int guard_current_confined(void) {
        return guard_cgroup_confines(guard_current_entry(guard_policy_map()));
}

/* Is the current task in an admin cgroup of the policy in force (guard_cgroup_admin())? Global,
 * like guard_current_confined(). No policy yet: nobody is (the loader has its mark). By its
 * cgroup alone: what cgroup/sysctl programs can tell (no task storage there). */
__attribute__((noinline)) int guard_current_admin_cgroup(void) {
        void *policy = guard_policy_map();

        if (!policy)
                return 0;
        return guard_cgroup_admin(guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0), guard_current_entry(policy),
                                  bpf_get_current_cgroup_id());
}

/* The current task is an admin: in an admin cgroup, and not PID 1's child before its exec nor
 * what it ran while still in PID 1's cgroup (guard_identity_may_be_admin()): code there that is
 * not systemd's (an NSS module, for User=) would be the admin's. */
static __always_inline int guard_current_admin(void) {
        return guard_identity_may_be_admin(guard_task_identity(bpf_get_current_task_btf())) &&
               guard_current_admin_cgroup();
}

/* Is a task in an admin cgroup of the policy in force, other than the root cgroup (see
 * guard_admin_join_refused())? */
static __always_inline bool guard_task_in_admin_cgroup(struct task_struct *task) {
        void *policy = guard_policy_map();
        __u64 id = guard_task_cgroup_id(task);

        if (!policy || id == GUARD_CGROUP_ROOT_ID)
                return false;
        return guard_cgroup_admin(guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0), guard_task_entry(policy, task), id);
}

/* Is the acting (current) task the guard? It carries the guard's mark, or runs the guard's binary
 * in an admin cgroup (guard_identity_is_self()): never "any process running this binary". */
static __always_inline bool is_guard(struct task_struct *actor, struct guard_self *self) {
        __u32 identity = guard_task_identity(actor);
        struct file *exe;

        if (identity & (GUARD_IDENTITY_SELF | GUARD_IDENTITY_EXE_FORGED | GUARD_IDENTITY_PID1_CGROUP))
                return guard_identity_is_self(identity, 0, 0);
        exe = actor->mm->exe_file;
        if (!exe || !is_guard_binary(exe->f_inode, self))
                return false;
        /* A traced binary is not the guard by its cgroup: its tracer would drive it (a tracer
         * seized PID 1's child in the guard's own unit, an admin cgroup, before its exec). */
        if (actor->ptrace)
                return false;
        return guard_identity_is_self(identity, 1, guard_current_admin());
}

/* Does the acting task run PID 1's code: PID 1, or its child before the exec (systemd placing it
 * in its unit's cgroup, setting up namespaces), untraced? A tracer would drive such a child (only
 * an admin may attach to one, but one attached first keeps it). */
static __always_inline bool is_pid1_code(struct task_struct *actor) {
        return actor->tgid == 1 || ((guard_task_identity(actor) & GUARD_IDENTITY_PID1_CHILD) && !actor->ptrace);
}

/* Is a task someone acts on (signals, ptrace, limits) the running guard? Its mark says so. */
static __always_inline bool is_guard_target(struct task_struct *task) {
        return guard_task_identity(task) & GUARD_IDENTITY_SELF;
}

/* Who may stop or throttle the daemon: PID 1 (systemd stopping, freezing or limiting the unit)
 * and the daemon itself. Not its unit's cgroup: being in a cgroup is no identity (task_kill
 * grants it SIGHUP, for ExecReload=, and nothing else). */
static __always_inline bool tamper_trusted(struct task_struct *actor, struct guard_self *self) {
        return actor->tgid == 1 || is_guard(actor, self);
}

static __always_inline bool is_guard_object(__u64 kind, __u64 id) {
        __u64 key = kind | id;

        return bpf_map_lookup_elem(&guard_objects, &key) != NULL;
}

/* Maps the daemon creates while it runs (policy generations, the build record) are refused by
 * name too: a new one has an id (and can be opened by it) from the instant it is created, before
 * the daemon can register that id. Only the daemon names maps so; someone else's map so named is
 * refused to all but its creator's own fd. */
static __always_inline bool is_runtime_map(struct bpf_map *map) {
        const char *n = map->name; /* read directly: no bpf_probe_read_kernel() under lockdown */

        if (n[0] != 'g' || n[1] != 'u' || n[2] != 'a' || n[3] != 'r' || n[4] != 'd' || n[5] != '_')
                return false;
        return (n[6] == 'g' && n[7] == 'e' && n[8] == 'n' && n[9] == '\0') ||                /* guard_gen */
               (n[6] == 'm' && n[7] == 'e' && n[8] == 't' && n[9] == 'a' && n[10] == '\0'); /* guard_meta */
}

static __always_inline int tamper_refuse(struct task_struct *actor, __u32 what, __u64 object) {
        struct guard_decision d = { .verdict = GUARD_VERDICT_DENY };

        guard_report(GUARD_EVENT_TAMPER, &d, actor, 0, object, 0, 0, 0, what);
        return -GUARD_TAMPER_EPERM;
}

/* A switch of PID 1's root refused (any step of it): until PID 1's next exec, it may exec only
 * what guard_tamper_pid1_exec allows. */
static __always_inline int pid1_switch_refused(struct task_struct *actor, __u32 what, __u64 object) {
        __u64 latch = GUARD_OBJ_PID1_EXEC | 1;
        __u8 one = 1;

        if (actor->tgid == 1)
                (void) bpf_map_update_elem(&guard_objects, &latch, &one, BPF_ANY);
        return tamper_refuse(actor, what, object);
}

SEC("lsm/bpf_map")
int BPF_PROG(guard_tamper_bpf_map, struct bpf_map *map, unsigned int fmode) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || (!is_guard_object(GUARD_OBJ_MAP, map->id) && !is_runtime_map(map)))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_MAP, map->id);
}

SEC("lsm/bpf_prog")
int BPF_PROG(guard_tamper_bpf_prog, struct bpf_prog *prog) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || !is_guard_object(GUARD_OBJ_PROG, prog->aux->id))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PROG, prog->aux->id);
}

/* The link or map behind one of the current task's file descriptors (private_data of a bpf
 * file of that kind), or NULL. Links have no LSM hook of their own; a link fd got from a pin is
 * harmless until it is used to detach or update, so those commands are checked here instead of
 * every path lookup (inode_permission is a hot hook). Map writes likewise: an fd got before the
 * map was registered (or before the guard was armed) must not write. */
extern const void bpf_link_fops __ksym __weak;
extern const void bpf_map_fops __ksym __weak;
extern const void bpf_prog_fops __ksym __weak;

#define ANON_INODE_FS_MAGIC_ 0x09041934

enum guard_bpf_file {
        GUARD_BPF_FILE_MAP,     /* anon_inode_getfd("bpf-map", &bpf_map_fops, ...) */
        GUARD_BPF_FILE_LINK,    /* "bpf_link" (bpf_link_prime()) or "bpf-link" (bpf_link_new_fd()) */
        GUARD_BPF_FILE_PROG,    /* "bpf-prog" (bpf_prog_new_fd()) */
};

/* Is file a bpf file of that kind? By its operations where libbpf knows their address; where
 * /proc/kallsyms hid it from the daemon (kernel.kptr_restrict=2, or no CAP_SYSLOG, as the shipped
 * unit has none, wherever kernel.perf_event_paranoid is above 1: Debian's default) the ksyms are
 * 0 and every fd passed for a stranger's (a review found it): then by the name kernel/bpf/syscall.c,
 * alone, gives the anonymous inodes' files it makes. */
static __always_inline bool guard_bpf_file_is(struct file *file, enum guard_bpf_file kind) {
        const void *want = kind == GUARD_BPF_FILE_MAP ? &bpf_map_fops :
                           kind == GUARD_BPF_FILE_LINK ? &bpf_link_fops : &bpf_prog_fops;
        const void *fops = NULL;
        const unsigned char *name = NULL;
        unsigned long magic = 0;
        char n[8] = {};
        __u32 len = 0;

        bpf_core_read(&fops, sizeof(fops), &file->f_op);
        if (want)
                return fops == want;
        if (BPF_CORE_READ_INTO(&magic, file, f_inode, i_sb, s_magic) < 0 || magic != ANON_INODE_FS_MAGIC_ ||
            BPF_CORE_READ_INTO(&len, file, f_path.dentry, d_name.len) < 0 ||
            BPF_CORE_READ_INTO(&name, file, f_path.dentry, d_name.name) < 0 ||
            bpf_probe_read_kernel(n, sizeof(n), name) < 0 || n[0] != 'b' || n[1] != 'p' || n[2] != 'f')
                return false;
        if (kind == GUARD_BPF_FILE_MAP)
                return len == 7 && n[3] == '-' && n[4] == 'm' && n[5] == 'a' && n[6] == 'p';
        if (kind == GUARD_BPF_FILE_PROG)
                return len == 8 && n[3] == '-' && n[4] == 'p' && n[5] == 'r' && n[6] == 'o' && n[7] == 'g';
        return len == 8 && (n[3] == '-' || n[3] == '_') && n[4] == 'l' && n[5] == 'i' && n[6] == 'n' && n[7] == 'k';
}

/* The file behind the current task's fd, NULL if none (read, not referenced). */
static __always_inline struct file *guard_file_of_fd(int fd) {
        struct task_struct *task = bpf_get_current_task_btf();
        struct fdtable *fdt = task->files->fdt;
        unsigned long slot = (unsigned long) fdt->fd;
        struct file *file = NULL;

        if (fd < 0 || (unsigned int) fd >= fdt->max_fds)
                return NULL;
        bpf_probe_read_kernel(&file, sizeof(file), (void *) (slot + fd * sizeof(void *)));
        return file;
}

static __always_inline void *guard_bpf_object_of_fd(int fd, enum guard_bpf_file kind) {
        struct file *file = guard_file_of_fd(fd);
        void *object = NULL;

        if (!file || !guard_bpf_file_is(file, kind))
                return NULL;
        bpf_core_read(&object, sizeof(object), &file->private_data);
        return object;
}

static __always_inline __u32 guard_link_of_fd(int fd) {
        struct bpf_link *link = guard_bpf_object_of_fd(fd, GUARD_BPF_FILE_LINK);
        __u32 id = 0;

        if (link)
                bpf_core_read(&id, sizeof(id), &link->id);
        return id;
}

/* While the daemon attaches (start-up), a link exists and has an id a moment before the daemon
 * can register it: then no link is opened by id but by the daemon. */
static __always_inline int tamper_check_link(__u32 id) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || (!self->starting && !is_guard_object(GUARD_OBJ_LINK, id)))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_LINK, id);
}

/* Writes (update, delete, batches, freeze) through a map fd. */
static __always_inline int tamper_check_map_write(int fd) {
        struct guard_self *self = tamper_config();
        struct bpf_map *map;
        struct task_struct *actor;
        __u32 id = 0;

        if (!self)
                return 0;
        map = guard_bpf_object_of_fd(fd, GUARD_BPF_FILE_MAP);
        if (!map)
                return 0;
        bpf_core_read(&id, sizeof(id), &map->id);
        if (!is_guard_object(GUARD_OBJ_MAP, id))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_MAP, id);
}

/* Opening by id, by map and program ids as well as links: this program is attached first, so
 * from the first guard program on nothing registered is opened by id by anyone else (the
 * bpf_map and bpf_prog hooks, attached a moment later, also cover pins). While the daemon loads
 * a program set over a running one (starting: an upgrade, a lost link), nothing is opened by id
 * but by it: the new maps have ids from their creation and are registered only when it arms, and
 * an fd got in between could be named in a program of the holder's that writes them (a review
 * found it). */
static __always_inline int tamper_check_id(__u64 kind, __u32 id, __u32 what) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || (!self->starting && !is_guard_object(kind, id)))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, what, id);
}

/* What only PID 1, the guard and tasks in admin cgroups may do: anyone else's attempt is
 * refused, a tamper event (what, object). Not PID 1's children before their exec: systemd does
 * none of it there, and code they run then that is not systemd's (a PAM or NSS module) would
 * load a program that overrules these hooks. */
static __always_inline int tamper_admin_only(__u32 what, __u64 object) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (actor->tgid == 1 || is_guard(actor, self) || guard_current_admin())
                return 0;
        return tamper_refuse(actor, what, object);
}

/* What a task in a cgroup the policy confines may not do (PID 1, the guard and admins may):
 * its attempt is refused, a tamper event (what, object). */
static __always_inline int tamper_confined_refused(__u32 what, __u64 object) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (actor->tgid == 1 || !guard_current_confined() || is_guard(actor, self) || guard_current_admin())
                return 0;
        return tamper_refuse(actor, what, object);
}

/* Attaching a cgroup/sysctl program: one attached to the root cgroup after the guard's
 * (guard_tamper_sysctl, below) runs after it and may rewrite the value it let through
 * (bpf_sysctl_set_new_value()) or its verdict (bpf_set_retval(0)), and 64 of them there would
 * leave no room for the guard's at its next start. Only PID 1, the guard and tasks in admin
 * cgroups may attach one, anywhere (nothing on a usual system does). */
static __always_inline int tamper_check_sysctl_attach(__u32 attach_type) {
        return attach_type == BPF_CGROUP_SYSCTL ? tamper_admin_only(GUARD_TAMPER_HELPER, GUARD_HELPER_SYSCTL_PROGRAM) : 0;
}

/* Loading a program that can overrule the LSM hooks: fmod_ret may attach to any security_*()
 * function and return non-zero, which skips the function and every LSM behind it (a positive value
 * passes where callers refuse only negative ones: security_bpf() skipped, and with it every check
 * here), and an LSM program of one's own runs beside the guard's. Only PID 1 (systemd's
 * RestrictFileSystems=), the guard and tasks in admin cgroups may load either. */
/* Tracing programs (kprobe, tracepoint, raw tracepoint, perf event, fentry and the like) may call
 * bpf_send_signal(), which signals whatever task runs when they fire, through no LSM hook
 * (SEND_SIG_PRIV skips security_task_kill()): one firing at the daemon's system calls kills it
 * at each start. Syscall programs (always sleepable) may hold the task storage's per-CPU lock
 * across a reschedule on 6.1, and every task storage lookup on that CPU fails meanwhile, compat's
 * windows with them. Confined tasks may load neither; elsewhere tracing stays open (README:
 * known gaps). */
static __always_inline bool prog_type_traces(__u32 prog_type) {
        return prog_type == BPF_PROG_TYPE_KPROBE || prog_type == BPF_PROG_TYPE_TRACEPOINT ||
               prog_type == BPF_PROG_TYPE_PERF_EVENT || prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT ||
               prog_type == BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE || prog_type == BPF_PROG_TYPE_TRACING ||
               prog_type == BPF_PROG_TYPE_SYSCALL;
}

/* Unix socket hooks of cgroup sock_addr programs (6.7 and later; absent from 6.1's BTF). */
enum bpf_attach_type___unix {
        BPF_CGROUP_UNIX_CONNECT___unix = 1,
        BPF_CGROUP_UNIX_SENDMSG___unix = 2,
        BPF_CGROUP_UNIX_RECVMSG___unix = 3,
        BPF_CGROUP_UNIX_GETPEERNAME___unix = 4,
        BPF_CGROUP_UNIX_GETSOCKNAME___unix = 5,
};

#define GUARD_UNIX_ATTACH_IS(t, name)                                                    \
        (bpf_core_enum_value_exists(enum bpf_attach_type___unix, name##___unix) &&      \
         (t) == bpf_core_enum_value(enum bpf_attach_type___unix, name##___unix))

static __always_inline bool attach_type_unix_sock_addr(__u32 t) {
        return GUARD_UNIX_ATTACH_IS(t, BPF_CGROUP_UNIX_CONNECT) || GUARD_UNIX_ATTACH_IS(t, BPF_CGROUP_UNIX_SENDMSG) ||
               GUARD_UNIX_ATTACH_IS(t, BPF_CGROUP_UNIX_RECVMSG) || GUARD_UNIX_ATTACH_IS(t, BPF_CGROUP_UNIX_GETPEERNAME) ||
               GUARD_UNIX_ATTACH_IS(t, BPF_CGROUP_UNIX_GETSOCKNAME);
}

/* Cgroup programs that rewrite what another process learns of a unix socket: a cgroup/getsockopt
 * program runs for the sockets its cgroup's tasks create, and a connect() creates the listener's
 * end too, so one attached to a confined cgroup rewrote dbus-daemon's SO_PEERCRED of that
 * cgroup's connections: a caller that named the pid of a process an admin cgroup connected from
 * (PID 1) was let use the D-Bus off-switches (a review found it). The unix sock_addr hooks (6.7
 * and later) redirect the daemon's own sends: its journal entries and sd_notify() (READY=1,
 * WATCHDOG=1) to nowhere. Nothing on a usual system loads either: only PID 1, the guard and tasks
 * in admin cgroups may. */
static __always_inline bool prog_rewrites_unix_peers(__u32 prog_type, __u32 expected_attach_type) {
        return (prog_type == BPF_PROG_TYPE_CGROUP_SOCKOPT && expected_attach_type == BPF_CGROUP_GETSOCKOPT) ||
               (prog_type == BPF_PROG_TYPE_CGROUP_SOCK_ADDR && attach_type_unix_sock_addr(expected_attach_type));
}

/* An extension program (freplace) replaces a global function of a loaded program, any type's,
 * LSM programs included: given an fd of a guard program (one got before the guard armed), one
 * made guard_current_admin_cgroup() return 1 for everyone (a review found it). Only PID 1, the
 * guard and tasks in admin cgroups may load one (libxdp's dispatcher is an admin's tool). */
static __always_inline int tamper_check_prog_load(__u32 prog_type, __u32 expected_attach_type) {
        if (prog_type == BPF_PROG_TYPE_LSM || prog_type == BPF_PROG_TYPE_EXT ||
            (prog_type == BPF_PROG_TYPE_TRACING && expected_attach_type == BPF_MODIFY_RETURN) ||
            prog_rewrites_unix_peers(prog_type, expected_attach_type))
                return tamper_admin_only(GUARD_TAMPER_PROG_LOAD, prog_type);
        return prog_type_traces(prog_type) ? tamper_confined_refused(GUARD_TAMPER_PROG_LOAD, prog_type) : 0;
}

/* bpf_probe_write_user(): a tracing program (a kprobe, a tracepoint, fentry) with it writes into
 * whatever process runs when it fires, PID 1's child in the guard's unit included (its argv:
 * "--reload=PID" becomes "--unload", in an admin cgroup), or the daemon itself. The kernel asks
 * whether it is locked down for this helper when it verifies such a program (bpf_trace.c): no
 * to all but PID 1, the guard and tasks in admin cgroups, and the program does not load (the
 * helper is unknown to it). Other tracing stays open. A rare-event hook: the kernel asks at
 * verification, /dev/mem, kexec, debugfs and the like. */
/* Attaching a program (BPF_PROG_ATTACH, BPF_LINK_CREATE, BPF_RAW_TRACEPOINT_OPEN) is judged as
 * its load: one loaded while nothing was armed (a cold start) is not attached by those its load
 * would have been refused to now. An extension program keeps the target it was loaded for, a
 * guard program whose fd was had then, and is attached later by a command that names nothing
 * else (a review found it). Not perf_event_open()'s PERF_EVENT_IOC_SET_BPF, nor what was attached
 * before arming (README: known gaps). */
static __always_inline int tamper_check_prog_attach(int prog_fd) {
        struct bpf_prog *prog;
        __u32 type = 0, attach = 0;

        if (!tamper_config())
                return 0;
        prog = guard_bpf_object_of_fd(prog_fd, GUARD_BPF_FILE_PROG);
        if (!prog)
                return 0;
        bpf_core_read(&type, sizeof(type), &prog->type);
        bpf_core_read(&attach, sizeof(attach), &prog->expected_attach_type);
        return tamper_check_prog_load(type, attach);
}

/* A cgroup program attached to the root cgroup, PID 1's, or the daemon's cgroup or one above it
 * runs for PID 1's unit starts and for the daemon: a cgroup/device program refusing /dev/null
 * fails every start, the guard's restart included; a cgroup/sock_create one refusing unix
 * sockets cuts the daemon off from journald, D-Bus and the watchdog (a review found it). Only
 * PID 1, the guard and the admin cgroups attach there (Cilium's socket load balancing, on the
 * root cgroup, runs in an admin cgroup); runc, podman and systemd's units attach to the cgroups
 * they make. The target is a cgroup2 directory: its inode number is the cgroup's id, the root's
 * 1, the others registered (GUARD_OBJ_CGROUP_DIR). */
static __always_inline int tamper_check_cgroup_target(int target_fd) {
        struct file *file = guard_file_of_fd(target_fd);
        unsigned long magic = 0, ino = 0;

        if (!file || BPF_CORE_READ_INTO(&magic, file, f_inode, i_sb, s_magic) < 0 || magic != CGROUP2_SUPER_MAGIC_ ||
            BPF_CORE_READ_INTO(&ino, file, f_inode, i_ino) < 0)
                return 0;
        if (ino != 1 && !is_guard_object(GUARD_OBJ_CGROUP_DIR, ino))
                return 0;
        return tamper_admin_only(GUARD_TAMPER_CGROUP_PROG, ino);
}

/* Programs of others that could overrule the guard's: loads, their attaches and cgroup/sysctl
 * attaches. can_read: the program behind an fd may be read (bpf_probe_read_kernel(); not under
 * lockdown=confidentiality, where a program calling it does not load: attaches go unjudged). */
static __always_inline int tamper_check_new_program(int cmd, union bpf_attr *attr, const bool can_read) {
        if (cmd == BPF_PROG_ATTACH)
                return tamper_check_sysctl_attach(attr->attach_type) ?:
                       (can_read ? tamper_check_prog_attach(attr->attach_bpf_fd) ?: tamper_check_cgroup_target(attr->target_fd) : 0);
        if (cmd == BPF_LINK_CREATE)
                return tamper_check_sysctl_attach(attr->link_create.attach_type) ?:
                       (can_read ? tamper_check_prog_attach(attr->link_create.prog_fd) ?:
                                           tamper_check_cgroup_target(attr->link_create.target_fd) : 0);
        if (cmd == BPF_RAW_TRACEPOINT_OPEN)
                return can_read ? tamper_check_prog_attach(attr->raw_tracepoint.prog_fd) : 0;
        if (cmd == BPF_PROG_LOAD)
                return tamper_check_prog_load(attr->prog_type, attr->expected_attach_type);
        return 0;
}

/* A perf event with sigtrap set sends SIGTRAP to the task it counts at each overflow
 * (send_sig_perf(): no task_kill hook), and root opens one on any task without the ptrace check
 * (perf_check_permission(): CAP_PERFMON and CAP_KILL): one on the daemon's system calls killed it
 * at each start. Refused to confined tasks (a review found it). At the event's allocation, its
 * attributes copied in: perf_event_open's hook lost them in 6.10. */
#define PERF_ATTR_SIGTRAP_BIT 37 /* UAPI: the 38th flag of struct perf_event_attr's flag word */

SEC("lsm/perf_event_alloc")
int BPF_PROG(guard_tamper_perf_event_alloc, struct perf_event *event) {
        __u64 flags = *(__u64 *) ((char *) &event->attr + PERF_ATTR_FLAGS_OFFSET);

        return (flags >> PERF_ATTR_SIGTRAP_BIT) & 1 ? tamper_confined_refused(GUARD_TAMPER_SIGNAL_ALL, 1) : 0;
}

SEC("lsm/locked_down")
int BPF_PROG(guard_tamper_locked_down, enum lockdown_reason what) {
        /* debugfs asks at each open of a file that can be written (debugfs_locked_down()): a
         * confined task may not. sched/preempt "full" would let a task preempted inside one of
         * compat's fentry programs make the kernel skip it for every other task on its CPU (the
         * trampolines' per-CPU recursion guard): no window, no decision (a review found it). */
        if (what == bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_DEBUGFS))
                return tamper_confined_refused(GUARD_TAMPER_DEBUGFS, 0);
        if (what != bpf_core_enum_value(enum lockdown_reason, LOCKDOWN_BPF_WRITE_USER))
                return 0;
        return tamper_admin_only(GUARD_TAMPER_PROG_LOAD, 0);
}

SEC("lsm/bpf")
int BPF_PROG(guard_tamper_bpf, int cmd, union bpf_attr *attr, unsigned int size) {
        if (cmd == BPF_MAP_GET_FD_BY_ID)
                return tamper_check_id(GUARD_OBJ_MAP, attr->map_id, GUARD_TAMPER_MAP);
        if (cmd == BPF_PROG_GET_FD_BY_ID)
                return tamper_check_id(GUARD_OBJ_PROG, attr->prog_id, GUARD_TAMPER_PROG);
        if (cmd == BPF_LINK_GET_FD_BY_ID)
                return tamper_check_link(attr->link_id);
        /* The fd they name is read here and looked up again by the command: a thread swapping
         * the number between /dev/null and a guard link (dup2) could win that race. Where anyone
         * may open a link pin (native: no hook sees a link's fd made) that would detach the root
         * cgroup's cgroup/sysctl program, the usermode helpers' guard (a review found it): there
         * only PID 1 and admins detach or update any link (Cilium's agent, say, must run in an
         * admin cgroup). Where the pins are refused (compat), nobody but the guard holds a guard
         * link: the fd's link is judged. */
#ifdef GUARD_LINK_PINS_OPEN
        if (cmd == BPF_LINK_DETACH)
                return tamper_check_link(guard_link_of_fd(attr->link_detach.link_fd)) ?:
                       tamper_admin_only(GUARD_TAMPER_LINK_CHANGE, 0);
        if (cmd == BPF_LINK_UPDATE)
                return tamper_check_link(guard_link_of_fd(attr->link_update.link_fd)) ?:
                       tamper_admin_only(GUARD_TAMPER_LINK_CHANGE, 0);
#else
        if (cmd == BPF_LINK_DETACH)
                return tamper_check_link(guard_link_of_fd(attr->link_detach.link_fd));
        if (cmd == BPF_LINK_UPDATE)
                return tamper_check_link(guard_link_of_fd(attr->link_update.link_fd));
#endif
        if (cmd == BPF_MAP_UPDATE_ELEM || cmd == BPF_MAP_DELETE_ELEM || cmd == BPF_MAP_LOOKUP_AND_DELETE_ELEM ||
            cmd == BPF_MAP_FREEZE)
                return tamper_check_map_write(attr->map_fd);
        if (cmd == BPF_MAP_UPDATE_BATCH || cmd == BPF_MAP_DELETE_BATCH || cmd == BPF_MAP_LOOKUP_AND_DELETE_BATCH)
                return tamper_check_map_write(attr->batch.map_fd);
        return tamper_check_new_program(cmd, attr, true);
}

/* lockdown=confidentiality takes bpf_probe_read_kernel() away, and with it the link or map
 * behind an fd. The loader then picks this one (and, on native, guard_tamper_pin_open): ids are
 * still checked, and the guard's pins cannot be opened, so no other process holds a link fd to
 * detach or update with, nor a map fd got after the daemon armed this (but one got before, at a
 * cold start, can write). Off unless chosen ("?"). */
SEC("?lsm/bpf")
int BPF_PROG(guard_tamper_bpf_lockdown, int cmd, union bpf_attr *attr, unsigned int size) {
        if (cmd == BPF_MAP_GET_FD_BY_ID)
                return tamper_check_id(GUARD_OBJ_MAP, attr->map_id, GUARD_TAMPER_MAP);
        if (cmd == BPF_PROG_GET_FD_BY_ID)
                return tamper_check_id(GUARD_OBJ_PROG, attr->prog_id, GUARD_TAMPER_PROG);
        if (cmd == BPF_LINK_GET_FD_BY_ID)
                return tamper_check_link(attr->link_id);
        return tamper_check_new_program(cmd, attr, false);
}

/* Opening a pin (BPF_OBJ_GET) checks permission on its inode. Only bpffs inodes go further.
 * Compat has an inode_permission program anyway (the migration window) and adds this check to
 * it; native does without: it checks link use (above) instead of every path lookup. */
static __always_inline int guard_tamper_inode_permission(struct inode *inode) {
        struct guard_self *self;
        struct task_struct *actor;

        if (inode->i_sb->s_magic != BPF_FS_MAGIC_)
                return 0;
        self = tamper_config();
        if (!self || !is_guard_object(GUARD_OBJ_PIN, inode->i_ino))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PIN, inode->i_ino);
}

static __always_inline int protect_pin(struct dentry *dentry) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;
        struct inode *inode = dentry->d_inode;

        if (!self || !inode || inode->i_sb->s_magic != BPF_FS_MAGIC_ || !is_guard_object(GUARD_OBJ_PIN, inode->i_ino))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PIN, inode->i_ino);
}

/* Names inside the pin directory (registered first, before any pin is made) are the daemon's
 * alone: a pin is refused from the instant it appears, not once its inode is registered. */
static __always_inline int protect_pin_dir(struct inode *dir) {
        struct guard_self *self;
        struct task_struct *actor;

        if (dir->i_sb->s_magic != BPF_FS_MAGIC_)
                return 0;
        self = tamper_config();
        if (!self || !is_guard_object(GUARD_OBJ_PIN, dir->i_ino))
                return 0;
        actor = bpf_get_current_task_btf();
        return is_guard(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PIN, dir->i_ino);
}

/* The files the guard runs: its binary, every library and ld.so it maps, and the names on the way
 * to them (directories, symlinks), registered at each start and reload (GUARD_OBJ_FILE). A root
 * in a confined cgroup that may write /usr would otherwise put its code there, in place or by
 * renaming over a name, and the next start of the daemon would run it with the guard's mark
 * (ETXTBSY covers the running binary only, not its libraries nor a stopped daemon). Refused to
 * confined tasks only: PID 1, the guard, and the admin outside confined cgroups (a package
 * upgrade) may. Rare-event hooks (unlink, rename, truncate, mount) and write opens only: no
 * inode_permission, no file_permission (bench/README.md). */
static __always_inline __u8 guard_file_flags(struct inode *inode) {
        __u64 key;
        __u8 *value;

        if (!inode)
                return 0;
        key = guard_file_key(inode->i_sb->s_dev, inode->i_ino);
        value = bpf_map_lookup_elem(&guard_objects, &key);
        return value ? *value : 0;
}

static __always_inline bool is_guard_file(struct inode *inode) {
        return guard_file_flags(inode) & GUARD_FILE_NAME;
}

/* The inode of a positive dentry, NULL for a negative one (a rename's new name). 6.12's verifier
 * takes d_inode of a hook's dentry for non-NULL and drops a NULL test (a kernel NULL dereference
 * in vm-tamper-stock-6.12), so the dentry's type bits decide. */
#define DCACHE_ENTRY_TYPE_ 0x00700000

static __always_inline struct inode *dentry_inode(struct dentry *dentry) {
        return (dentry->d_flags & DCACHE_ENTRY_TYPE_) ? dentry->d_inode : NULL;
}

#define MNT_SHARED_ 0x1000

/* PID 1 or its child before its exec, traced or not: a directory it makes where systemd makes one
 * is no way through, whoever drives it (a traced child that could not make the guard's
 * propagation directory failed its start before the exec the tracer was waiting for). */
static __always_inline bool pid1_or_its_child(struct task_struct *actor) {
        return actor->tgid == 1 || (guard_task_identity(actor) & GUARD_IDENTITY_PID1_CHILD);
}

/* Who may touch a guarded file although confined: PID 1; its children before their exec only to
 * mount (mnt: the mount mounted on, NULL for other acts), and only where systemd sets up a
 * unit's namespace: a mount namespace of their own whose mounts share nothing ("/" made
 * a slave after unshare(), then ProtectSystem='s binds over /usr and /etc). Code such a child runs
 * before that (a PAM or NSS module) is not PID 1's: a bind over a helper in PID 1's namespace, or
 * in a new one still shared with it (it would propagate there), is refused. Their opens,
 * creations and removals are the unit's, made on request through PID 1's API: a confined root's
 * systemd-run -p StandardOutput=file:/etc/modprobe.d/x.conf (or truncate: on a helper),
 * RuntimeDirectory=modprobe.d. */
static __always_inline bool pid1_may_touch(struct task_struct *actor, struct guard_self *self,
                                           const struct vfsmount *mnt) {
        if (actor->tgid == 1)
                return true;
        /* Traced or not: its namespace is its own (a traced child refused its bind of the
         * propagation directory onto /run/systemd/incoming failed before the exec). */
        return mnt && !(mnt->mnt_flags & MNT_SHARED_) && pid1_or_its_child(actor) &&
               actor->nsproxy->mnt_ns->ns.inum != self->mnt_ns[0];
}

/* A mount change on mnt by the current task, refused as (what, object) if it is a confined task
 * other than the guard and PID 1 (or PID 1's child before its exec in a namespace of its own,
 * pid1_may_touch()): the tail the mount checks below share. */
static __always_inline int guard_confined_mount_refused(struct guard_self *self, const struct vfsmount *mnt,
                                                        __u32 what, __u64 object) {
        struct task_struct *actor = bpf_get_current_task_btf();

        if (pid1_may_touch(actor, self, mnt) || !guard_current_confined() || is_guard(actor, self))
                return 0;
        return tamper_refuse(actor, what, object);
}

/* Refused to a confined task (not PID 1, not the guard, not an admin: the admin cgroups may
 * switch the guard off, so may upgrade it and edit its policy), journaled with object; unit: a
 * name of the guard's own unit (GUARD_FILE_UNIT), refused to PID 1 as well. */
static __always_inline int guard_confined_file_refused(__u64 object, const struct vfsmount *mnt, bool unit) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (unit && actor->tgid == 1)
                return tamper_refuse(actor, GUARD_TAMPER_FILE, object);
        if (pid1_may_touch(actor, self, mnt) || !guard_current_confined() || is_guard(actor, self) ||
            guard_current_admin())
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_FILE, object);
}

/* struct mount (fs/mount.h) around a vfsmount, and around its list entries; read with
 * bpf_probe_read_kernel() only. */
#define REAL_MOUNT(vfs) ((struct mount *) ((char *) (vfs) - bpf_core_field_offset(struct mount, mnt)))
#define MOUNT_OF(entry, field) ((struct mount *) ((char *) (entry) - bpf_core_field_offset(struct mount, field)))
#define PROPAGATION_WALK_MAX 128

/* Is m in PID 1's mount namespace (-1: not known)? A mount in none, or MNT_NS_INTERNAL, is not. */
static __always_inline int mount_in_pid1_ns(struct mount *m, __u32 pid1_ns) {
        struct mnt_namespace *ns = NULL;
        unsigned int inum = 0;

        if (bpf_core_read(&ns, sizeof(ns), &m->mnt_ns) < 0)
                return -1;
        if (!ns || (unsigned long) ns >= (unsigned long) -4095)
                return 0;
        if (bpf_core_read(&inum, sizeof(inum), &ns->ns.inum) < 0)
                return -1;
        return inum == pid1_ns;
}

/* Does a mount event on origin (a mount onto it) propagate into PID 1's mount namespace: is one of
 * its peers, or of their slaves at any depth, there? The walk is the kernel's propagation_next()
 * (fs/pnode.c), read without its lock: an unreadable step, or more than PROPAGATION_WALK_MAX
 * mounts, counts as reaching. systemd-nspawn makes its container's mounts slaves of PID 1's with
 * a peer group of their own (MS_SLAVE, then MS_SHARED): shared, yet nothing it mounts there
 * reaches PID 1 (its file over the container's /proc/sys/kernel/random/boot_id). */
struct guard_propagation_walk {
        struct mount *origin;
        struct mount *origin_master;
        struct mount *m;        /* the mount at hand */
        __u32 pid1_ns;
        bool back_at_master;    /* m's slaves are done: go on from m */
        bool done;
        bool reaches;
};

/* One step of propagation_next(), a bpf_loop() callback: the verifier checks it once, not each
 * of PROPAGATION_WALK_MAX unrolled rounds at each call site (sb_mount and move_mount call the
 * walk several times: with a plain loop, move_mount outgrew the verifier's limit). */
static long guard_propagation_step(__u64 index, void *ctx) {
        struct guard_propagation_walk *w = ctx;
        struct mount *m = w->m, *master = NULL;
        struct list_head *next = NULL;

        if (!w->back_at_master) {
                if (mount_in_pid1_ns(m, w->pid1_ns) != 0)
                        goto reaches;
                /* Its slaves first. */
                if (bpf_core_read(&next, sizeof(next), &m->mnt_slave_list.next) < 0)
                        goto reaches;
                if (next != &m->mnt_slave_list) {
                        w->m = MOUNT_OF(next, mnt_slave);
                        return 0;
                }
        }
        w->back_at_master = false;
        if (bpf_core_read(&master, sizeof(master), &m->mnt_master) < 0)
                goto reaches;
        if (master == w->origin_master) {
                /* The next peer of origin's group; round: done. */
                if (bpf_core_read(&next, sizeof(next), &m->mnt_share.next) < 0)
                        goto reaches;
                m = MOUNT_OF(next, mnt_share);
                if (m == w->origin) {
                        w->done = true;
                        return 1;
                }
                w->m = m;
                return 0;
        }
        if (!master || bpf_core_read(&next, sizeof(next), &m->mnt_slave.next) < 0)
                goto reaches;
        if (next != &master->mnt_slave_list) {
                w->m = MOUNT_OF(next, mnt_slave); /* the next slave of the same master */
                return 0;
        }
        w->m = master; /* its master's slaves are done: go on from the master */
        w->back_at_master = true;
        return 0;
reaches:
        w->done = true;
        w->reaches = true;
        return 1;
}

static __always_inline bool propagation_reaches_pid1(struct mount *origin, __u32 pid1_ns) {
        struct guard_propagation_walk w = { .origin = origin, .m = origin, .pid1_ns = pid1_ns };

        if (bpf_core_read(&w.origin_master, sizeof(w.origin_master), &origin->mnt_master) < 0)
                return true;
        bpf_loop(PROPAGATION_WALK_MAX, guard_propagation_step, &w, 0);
        return !w.done || w.reaches;
}

/* A directory the pins' bpffs or a mount above it sits on, or one on the way to them
 * (GUARD_FILE_MOUNTPOINT): removed or renamed (mnt NULL), or mounted onto where the mount
 * propagates to PID 1's namespace or is in it, it would take or hide PID 1's mounts of them. A
 * mount onto one in a namespace that shares nothing with PID 1's is no concern ("ip netns exec"
 * mounts its sysfs on /sys so). can_read 0 (lockdown=confidentiality: struct mount cannot be
 * read): every shared mount counts as reaching. */
static __always_inline bool mountpoint_change_reaches_pid1(const struct vfsmount *mnt, const int can_read) {
        struct guard_self *self;

        if (!mnt)
                return true;
        self = tamper_config();
        if (self && bpf_get_current_task_btf()->nsproxy->mnt_ns->ns.inum == self->mnt_ns[0])
                return true;
        if (!(mnt->mnt_flags & MNT_SHARED_))
                return false;
        if (!can_read || !self)
                return true;
        return propagation_reaches_pid1(REAL_MOUNT(mnt), self->mnt_ns[0]);
}

/* Is mount m (read with bpf_core_read()) in PID 1's mount namespace, or does a mount onto it
 * propagate there? An unreadable step counts as reaching. */
static __always_inline bool mount_reaches_pid1(struct mount *m, __u32 pid1_ns) {
        int flags = 0;

        if (!m || bpf_core_read(&flags, sizeof(flags), &m->mnt.mnt_flags) < 0)
                return true;
        if (!(flags & MNT_SHARED_))
                return mount_in_pid1_ns(m, pid1_ns) != 0;
        return propagation_reaches_pid1(m, pid1_ns);
}

/* A mount onto a place something was mounted on since it was named (an fd opened before, used
 * through /proc/self/fd/N or MOVE_MOUNT_T_EMPTY_PATH; a path string is followed to the top as it
 * is looked up) lands on the mount on top (lock_mount()), which no check of the place named
 * sees: a bind of "/" there, a peer of PID 1's "/", put a tree over PID 1's root directory (a
 * design study found it). So the stack on the place is walked, one child per bpf_loop() step:
 * the mount named's children on it, then theirs on that child's root, and so on. Refused to
 * confined tasks (not PID 1, not the guard) where the top mount, or the one it sits on (where
 * a mount beneath lands), is in PID 1's namespace or propagates there; a walk that cannot
 * finish, or a read that fails, refuses. DCACHE_MOUNTED (a mountpoint in some mount) keeps the
 * walk off every other mount. Under lockdown=confidentiality (no reads) a mount onto any
 * mountpoint is refused to them, but for PID 1's children setting up a unit's namespace. */
#define DCACHE_MOUNTED_ 0x00010000
#define GUARD_COVER_WALK_MAX (1 << 16)

#define GUARD_MOUNT_CLAIM_KEYS 8 /* places one mount claims: the one named and the roots stacked on it */

struct guard_cover_walk {
        struct mount *top;      /* the top of the stack so far */
        struct mount *below;    /* the mount top sits on; NULL: top is the mount named */
        struct dentry *point;   /* the place on top: what a child of top must be mounted on */
        void *next;             /* the list entry of top's child to look at next; NULL: its first */
        struct dentry *roots[GUARD_MOUNT_CLAIM_KEYS - 1]; /* the stack's roots, bottom up */
        struct mount *mounts[GUARD_MOUNT_CLAIM_KEYS - 1]; /* and its mounts */
        __u32 depth;            /* how many */
        bool done;
};

static long guard_cover_walk_step(__u64 index, void *ctx) {
        struct guard_cover_walk *w = ctx;
        struct mount *top = w->top; /* a local: CO-RE relocates kernel types only */
        void *children = (char *) top + bpf_core_field_offset(struct mount, mnt_mounts);
        struct dentry *point = NULL, *root = NULL;
        unsigned int d_flags = 0;
        struct mount *child;
        void *next = w->next;

        if (!next && (bpf_core_read(&next, sizeof(next), &top->mnt_mounts.next) < 0 || !next))
                return 1;
        if (next == children) {
                w->done = true; /* nothing on the place: top is the top */
                return 1;
        }
        child = (void *) ((char *) next - bpf_core_field_offset(struct mount, mnt_child));
        if (bpf_core_read(&point, sizeof(point), &child->mnt_mountpoint) < 0)
                return 1;
        if (point != w->point) {
                if (bpf_core_read(&w->next, sizeof(w->next), &child->mnt_child.next) < 0 || !w->next)
                        return 1;
                return 0;
        }
        if (bpf_core_read(&root, sizeof(root), &child->mnt.mnt_root) < 0 || !root ||
            bpf_core_read(&d_flags, sizeof(d_flags), &root->d_flags) < 0)
                return 1;
        if (w->depth >= GUARD_MOUNT_CLAIM_KEYS - 1)
                return 1; /* deeper than a claim holds: not done, refused */
        w->mounts[w->depth] = child;
        w->roots[w->depth++] = root;
        w->below = top;
        w->top = child;
        w->point = root;
        w->next = NULL;
        if (!(d_flags & DCACHE_MOUNTED_)) {
                w->done = true;
                return 1;
        }
        return 0;
}

/* One mount at a time per place. The hooks run before the kernel locks the place (lock_mount()
 * follows whatever was mounted there in between), and a confined root can hold a mount between
 * the two for as long as it likes (a source or a directory lookup on a FUSE file system of its
 * own, an autofs mount, a getdents into a userfaultfd page holding the directory's lock): a
 * second mount onto the same place, checked and allowed meanwhile, was then what the first
 * landed on (a bind of "/", a peer of PID 1's "/": the first took PID 1's root directory; a
 * design study and a review found it). So a confined task's mount claims, from its hook to its
 * system call's end, the place it names and every root stacked on it (lock_mount() starts from
 * the place named: with only the top claimed, an unmount of the top and a bind onto the bare
 * place passed, a second review found), by inode, the same in every namespace (copies a mount
 * propagates land at the same directory, into peers and slaves alike). A confined mount onto a
 * place another thread claimed is refused. PID 1 and the guard claim nothing and are not
 * refused; nor are PID 1's children setting up a unit's namespace (pid1_may_touch(): units
 * starting together mount onto the same directories, in namespaces that reach nothing). */
#define GUARD_MOUNTS_IN_FLIGHT_MAX 16384

/* The place's key → the claiming thread, by its task_struct's address: unique while the task
 * lives (its claims are released when it is freed, at the latest), where a pid is taken again
 * once the task has exited while its task_struct may still be held (a perf event on it), whose
 * release then dropped the claim of a new thread with that pid (a review found it). A plain
 * hash: nothing is evicted; full, a claim fails and the mount is refused. */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_MOUNTS_IN_FLIGHT_MAX);
        __type(key, __u64);
        __type(value, __u64);
} guard_mounts_in_flight SEC(".maps");

/* The keys a thread claimed in its current mount system call, released at its exit; entered:
 * the call came in through an entry program (guard_mount_enter()), so it leaves through that
 * set's release unless the trampoline is replaced meanwhile (then at the thread's next mount or
 * its end). A state map, as guard_mounts_in_flight: a load over a running set sees its claims. */
struct guard_mount_claim {
        __u64 keys[GUARD_MOUNT_CLAIM_KEYS];
        __u32 entered;
};

struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, struct guard_mount_claim);
} guard_mount_claims SEC(".maps");

static __always_inline __u64 guard_mount_place_key(__u64 dev, __u64 ino) {
        return (1ULL << 63) | ((ino ^ (dev * 0x9e3779b97f4a7c15ULL)) & ~(1ULL << 63));
}

/* Claims key for the current thread until the end of its system call. Nonzero: another
 * thread's mount is on its way there, the map is full, or the thread holds
 * GUARD_MOUNT_CLAIM_KEYS already: refuse. Global: verified once. */
__attribute__((noinline)) int guard_mount_claim(__u64 key) {
        struct task_struct *actor = bpf_get_current_task_btf();
        __u64 me = bpf_get_current_task(), *owner;
        struct guard_mount_claim *claim;
        int slot = -1;

        owner = bpf_map_lookup_elem(&guard_mounts_in_flight, &key);
        if (owner && *owner != me)
                return 1;
        /* A call that did not come in through this set's entry program (it entered the system
         * call before this set attached, or through a trampoline without its release) would
         * not be released: it claims nothing, others' claims were checked (a claim left
         * behind refused every later confined mount there). */
        claim = bpf_task_storage_get(&guard_mount_claims, actor, 0, 0);
        if (!claim || !claim->entered)
                return 0;
        for (int i = 0; i < GUARD_MOUNT_CLAIM_KEYS; i++) {
                if (claim->keys[i] == key) {
                        if (owner)
                                return 0; /* its own (others' were refused above) */
                        slot = i; /* not in the map (a new one): in again */
                        break;
                }
                if (!claim->keys[i] && slot < 0)
                        slot = i;
        }
        if (slot < 0 || slot >= GUARD_MOUNT_CLAIM_KEYS)
                return 1;
        for (int i = 0; i < 2; i++) {
                if (bpf_map_update_elem(&guard_mounts_in_flight, &key, &me, BPF_NOEXIST) == 0) {
                        claim->keys[slot] = key;
                        return 0;
                }
                owner = bpf_map_lookup_elem(&guard_mounts_in_flight, &key);
                if (owner && *owner == me) {
                        claim->keys[slot] = key; /* its own: a thread is in one system call at a time */
                        return 0;
                }
                if (owner)
                        return 1;
                /* Released between the two: once more. */
        }
        return 1;
}

/* Does another thread's mount claim the place whose root or mountpoint is inode (an unmount,
 * a move or a pivot_root would change what that mount lands on)? Refused to confined tasks but
 * PID 1, the guard and PID 1's children setting up a unit's namespace: with the stack a mount
 * was judged for taken away below it, it landed on a mount tucked beneath (a review found it). */
static __always_inline int guard_mount_place_held(struct inode *inode) {
        struct task_struct *actor;
        struct guard_self *self;
        __u64 *owner, key;

        if (!inode)
                return 0;
        key = guard_mount_place_key(inode->i_sb->s_dev, inode->i_ino);
        owner = bpf_map_lookup_elem(&guard_mounts_in_flight, &key);
        actor = bpf_get_current_task_btf();
        if (!owner || *owner == bpf_get_current_task())
                return 0;
        self = tamper_config();
        if (!self || actor->tgid == 1 || is_guard(actor, self) || is_pid1_code(actor) || !guard_current_confined())
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_MOUNT_RACE, inode->i_sb->s_dev);
}

/* The end of task's mount system call, or of task: its claims are released. */
static __always_inline void guard_mount_release(struct task_struct *task) {
        __u64 me = (__u64) task, *owner;
        struct guard_mount_claim *claim;

        claim = bpf_task_storage_get(&guard_mount_claims, task, 0, 0);
        if (!claim)
                return;
        claim->entered = 0;
        for (int i = 0; i < GUARD_MOUNT_CLAIM_KEYS; i++) {
                __u64 key = claim->keys[i];

                if (!key)
                        continue;
                claim->keys[i] = 0;
                owner = bpf_map_lookup_elem(&guard_mounts_in_flight, &key);
                if (owner && *owner == me)
                        bpf_map_delete_elem(&guard_mounts_in_flight, &key);
        }
}

/* The start of a mount system call: claims made in it will be released by this set, whose
 * release program is attached before its entry program (attach_rank()). The kernel skips the
 * release programs of a call in flight while the function's trampoline is replaced (any
 * attach or detach there: a load of the guard, an unconfined root's tracing; confined tasks
 * load no tracing programs), so claims a call made are also released at the thread's next
 * mount system call and when the thread is freed. */
static __always_inline void guard_mount_enter(void) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct guard_mount_claim *claim;

        if (guard_set_retired())
                return;
        guard_mount_release(actor);
        claim = bpf_task_storage_get(&guard_mount_claims, actor, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (claim)
                claim->entered = 1;
}

/* Released whether or not a later load retired this set: a call in flight across a reload
 * returns through the trampoline it entered, which holds this set's programs only, and its
 * claims would stay for good (a review found it). They undo their own thread's claims only
 * (tests/check-bpf-retired.sh lists them). */
SEC("fentry/path_mount")
int BPF_PROG(guard_tamper_mount_enter) {
        guard_mount_enter();
        return 0;
}

SEC("fentry/__x64_sys_move_mount")
int BPF_PROG(guard_tamper_move_mount_enter) {
        guard_mount_enter();
        return 0;
}

SEC("fentry/__ia32_sys_move_mount")
int BPF_PROG(guard_tamper_move_mount_enter_ia32) {
        guard_mount_enter();
        return 0;
}

/* A thread freed with claims of a call whose release was skipped (above). */
SEC("lsm/task_free")
int BPF_PROG(guard_tamper_mount_task_free, struct task_struct *task) {
        if (guard_set_retired())
                return 0;
        guard_mount_release(task);
        return 0;
}

SEC("fexit/path_mount")
int BPF_PROG(guard_tamper_mount_exit) {
        guard_mount_release(bpf_get_current_task_btf());
        return 0;
}

SEC("fexit/__x64_sys_move_mount")
int BPF_PROG(guard_tamper_move_mount_exit) {
        guard_mount_release(bpf_get_current_task_btf());
        return 0;
}

SEC("fexit/__ia32_sys_move_mount")
int BPF_PROG(guard_tamper_move_mount_exit_ia32) {
        guard_mount_release(bpf_get_current_task_btf());
        return 0;
}

/* The key of the place at dentry (its address), 0 where it cannot be read. */
static __always_inline __u64 guard_mount_dentry_key(struct dentry *point) {
        struct super_block *sb = NULL;
        struct inode *inode = NULL;
        unsigned long ino = 0;
        unsigned int dev = 0;

        if (bpf_core_read(&inode, sizeof(inode), &point->d_inode) < 0 || !inode ||
            bpf_core_read(&sb, sizeof(sb), &inode->i_sb) < 0 || !sb ||
            bpf_core_read(&dev, sizeof(dev), &sb->s_dev) < 0 || bpf_core_read(&ino, sizeof(ino), &inode->i_ino) < 0)
                return 0;
        return guard_mount_place_key(dev, ino);
}

/* The walk and the verdict, for a mount onto dentry in mnt (their addresses) by a confined task,
 * then its claims of the place named and each root stacked on it (claim nonzero): a global function, verified once rather than in each mount program
 * (with two propagation walks inline, sb_mount outgrew the verifier's limit). Returns nonzero
 * to refuse. */
__attribute__((noinline)) int guard_covered_target_walk(__u64 mnt_addr, __u64 dentry_addr, __u32 claim) {
        struct guard_cover_walk w = {};
        bool reaches;
        struct super_block *sb = NULL;
        struct guard_self *self;
        unsigned int dev = 0;
        struct mount *top;
        __u64 key;

        self = tamper_config();
        if (!self)
                return 0;
        w.top = REAL_MOUNT(mnt_addr);
        w.point = (struct dentry *) dentry_addr;
        bpf_loop(GUARD_COVER_WALK_MAX, guard_cover_walk_step, &w, 0);
        /* Every mount of the stack, not the top and the one under it only: one tucked under
         * others (a propagated copy goes beneath what sits there) is what the mount lands on
         * once they are gone (a review found it; and unmounting a claimed stack is refused). */
        reaches = !w.done;
        for (__u32 i = 0; i < GUARD_MOUNT_CLAIM_KEYS - 1 && w.done && !reaches; i++) {
                if (i >= w.depth)
                        break;
                reaches = mount_reaches_pid1(w.mounts[i], self->mnt_ns[0]);
        }
        if (w.depth && !reaches)
                reaches = mount_reaches_pid1(REAL_MOUNT(mnt_addr), self->mnt_ns[0]);
        if (reaches) {
                top = w.top;
                if (bpf_core_read(&sb, sizeof(sb), &top->mnt.mnt_sb) < 0 || !sb ||
                    bpf_core_read(&dev, sizeof(dev), &sb->s_dev) < 0)
                        dev = 0;
                tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_COVERED_MOUNT, dev);
                return 1;
        }
        if (!claim)
                return 0;
        key = guard_mount_dentry_key((struct dentry *) dentry_addr);
        if (!key || guard_mount_claim(key))
                goto refuse;
        for (__u32 i = 0; i < GUARD_MOUNT_CLAIM_KEYS - 1; i++) {
                if (i >= w.depth)
                        break;
                key = guard_mount_dentry_key(w.roots[i]);
                if (!key || guard_mount_claim(key))
                        goto refuse;
        }
        return 0;
refuse:
        tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_MOUNT_RACE, 0);
        return 1;
}

/* A mount onto path (mount(2), move_mount(2)'s target) by a confined task: refused where it would land on a covering mount
 * that reaches PID 1's namespace, or where another one's mount is on its way; else the place is
 * claimed. Under lockdown=confidentiality (no reads) a place that is a mountpoint is refused. */
static __always_inline int guard_mount_place_refused(const struct path *path, const int can_read) {
        __u64 mnt_addr = 0, dentry_addr = 0;
        struct task_struct *actor;
        struct guard_self *self;
        struct inode *inode;
        bool claim;

        self = tamper_config();
        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (actor->tgid == 1 || is_guard(actor, self) || !guard_current_confined())
                return 0;
        claim = !pid1_may_touch(actor, self, path->mnt);
        if (path->dentry->d_flags & DCACHE_MOUNTED_) {
                if (!can_read)
                        return claim ? tamper_refuse(actor, GUARD_TAMPER_COVERED_MOUNT, path->mnt->mnt_sb->s_dev) : 0;
                /* Read as numbers: a global function takes no pointers but the context. */
                if (bpf_core_read(&mnt_addr, sizeof(mnt_addr), &path->mnt) < 0 ||
                    bpf_core_read(&dentry_addr, sizeof(dentry_addr), &path->dentry) < 0)
                        return tamper_refuse(actor, GUARD_TAMPER_COVERED_MOUNT, 0);
                return guard_covered_target_walk(mnt_addr, dentry_addr, claim) ? -GUARD_TAMPER_EPERM : 0;
        }
        if (!claim)
                return 0;
        inode = path->dentry->d_inode;
        if (!inode || guard_mount_claim(guard_mount_place_key(inode->i_sb->s_dev, inode->i_ino)))
                return tamper_refuse(actor, GUARD_TAMPER_MOUNT_RACE, inode ? inode->i_sb->s_dev : 0);
        return 0;
}

/* A mount onto a cgroup2 directory (or over the cgroup2 mount), or an unmount of cgroup2, where
 * it reaches PID 1's namespace: PID 1 works on cgroups by path. Over the guard's unit's cgroup,
 * its next stop could not remove it (a mountpoint: EBUSY) nor its start join it (no cgroup.procs
 * there): the daemon would never run again (a review found it). Refused to confined tasks; a
 * container's own namespace is its own. */
static __always_inline int guard_cgroup_mount_refused_if(const struct vfsmount *mnt, bool reaches_pid1) {
        struct guard_self *self = tamper_config();

        if (!self || mnt->mnt_sb->s_magic != CGROUP2_SUPER_MAGIC_ || !reaches_pid1)
                return 0;
        return guard_confined_mount_refused(self, mnt, GUARD_TAMPER_CGROUP_MOUNT, mnt->mnt_sb->s_dev);
}

static __always_inline int guard_cgroup_mount_refused(const struct vfsmount *mnt, const int can_read) {
        return guard_cgroup_mount_refused_if(mnt, mountpoint_change_reaches_pid1(mnt, can_read));
}

/* A remount sets one mount's flags (ro, noexec, nosuid, nodev), which do not propagate: in PID 1's
 * namespace, "/" made noexec or /sys/fs/cgroup read-only keeps PID 1 from starting the guard
 * (its exec, its cgroup's mkdir and join fail: a review found it). Refused there to confined
 * tasks: a bind remount always (flags only), a plain one where it adds one of those restrictions
 * to the mount (do_remount() sets the mount's flags too; systemd-remount-fs, in /system.slice,
 * remounts "/" read-write at boot, which adds none); a unit's own remounts (ProtectSystem=,
 * ProtectControlGroups=) are in its namespace. */
#define MS_RDONLY_ 0x1
#define MS_NOSUID_ 0x2
#define MS_NODEV_ 0x4
#define MS_NOEXEC_ 0x8
#define MNT_NOSUID_ 0x1
#define MNT_NODEV_ 0x2
#define MNT_NOEXEC_ 0x4
#define MNT_READONLY_ 0x40
#define MS_NOSYMFOLLOW_ 0x100
#define MS_UNBINDABLE_ (1 << 17)
#define MNT_NOSYMFOLLOW_ 0x80

static __always_inline bool remount_restricts(const struct vfsmount *mnt, unsigned long flags) {
        int has = mnt->mnt_flags;

        /* nosymfollow too: on "/" every symlink fails (ELOOP), /lib64 among them, and so does
         * every dynamically linked exec (a review found it). */
        return ((flags & MS_RDONLY_) && !(has & MNT_READONLY_)) || ((flags & MS_NOSUID_) && !(has & MNT_NOSUID_)) ||
               ((flags & MS_NODEV_) && !(has & MNT_NODEV_)) || ((flags & MS_NOEXEC_) && !(has & MNT_NOEXEC_)) ||
               ((flags & MS_NOSYMFOLLOW_) && !(has & MNT_NOSYMFOLLOW_));
}

static __always_inline int guard_remount_refused(const struct path *path) {
        struct guard_self *self = tamper_config();

        if (!self || bpf_get_current_task_btf()->nsproxy->mnt_ns->ns.inum != self->mnt_ns[0])
                return 0;
        return tamper_confined_refused(GUARD_TAMPER_CGROUP_MOUNT, path->mnt->mnt_sb->s_dev);
}

static __always_inline int guard_file_refused_as(struct inode *inode, const struct vfsmount *mnt, const int can_read) {
        __u8 flags = guard_file_flags(inode);

        if (flags & GUARD_FILE_NAME)
                return guard_confined_file_refused(inode->i_ino, mnt, flags & GUARD_FILE_UNIT);
        if ((flags & GUARD_FILE_MOUNTPOINT) && mountpoint_change_reaches_pid1(mnt, can_read))
                return guard_confined_file_refused(inode->i_ino, mnt, false);
        return 0;
}

/* A mount onto PID 1's root directory where that reaches PID 1's namespace: stacked over "/", it
 * is what a unit's namespace holds (systemd binds "/" recursively and chroots there), so the
 * guard's restart would read another tree's policy and disable flag (a review found it). The
 * target only: "/" as a bind's source (open_tree() and move_mount(), mount --bind / X) stays.
 * Unmounts and moves of "/": guard_root_mount_refused() and sb_mount. */
static __always_inline int guard_mount_onto_root_refused(const struct vfsmount *mnt, struct inode *inode,
                                                         const int can_read) {
        if (!(guard_file_flags(inode) & GUARD_FILE_ROOT) || !mountpoint_change_reaches_pid1(mnt, can_read))
                return 0;
        return guard_confined_file_refused(inode->i_ino, mnt, false);
}

/* Written, truncated, its mode, owner, times or extended attributes changed: a name the daemon
 * registered (GUARD_FILE_NAME). A place guarded only as a mountpoint (GUARD_FILE_MOUNTPOINT alone:
 * /tmp, /dev/null, /sys/fs) keeps its name, nothing more: everyone writes /dev/null, udev sets the
 * times of device nodes at each event, systemd-tmpfiles restores /tmp's after a clean. */
static __always_inline int guard_file_content_refused(struct inode *inode) {
        __u8 flags = guard_file_flags(inode);

        return flags & GUARD_FILE_NAME ? guard_confined_file_refused(inode->i_ino, NULL, flags & GUARD_FILE_UNIT) : 0;
}

static __always_inline int guard_file_refused(struct inode *inode) {
        return guard_file_refused_as(inode, NULL, 0);
}

static __always_inline int guard_mount_on_file_refused(const struct vfsmount *mnt, struct inode *inode,
                                                       const int can_read) {
        return guard_file_refused_as(inode, mnt, can_read);
}

/* A new entry in a directory: refused to confined tasks in a sealed one (modprobe.d, registered
 * with GUARD_FILE_SEALED: a file there is a command modprobe runs as root in the root cgroup at
 * the next module autoload), and under a reserved name (GUARD_FILE_RESERVES: a usermode helper's
 * program that is not installed, a modprobe.d that does not exist yet, /run/modprobe.d usually).
 * Runs at each file creation: one hash lookup of the directory; only in a directory with reserved
 * names, a hash of the new name (inline, no bpf_probe_read_kernel()) and a second lookup. */

/* The entry's name hashed for guard_reserved_key(); false for one longer than a reserved name. */
static __always_inline bool dentry_name_hash(struct dentry *dentry, __u64 *hash) {
        __u32 len = dentry->d_name.len;

        if (len > GUARD_RESERVED_NAME_MAX)
                return false;
        *hash = GUARD_NAME_HASH_INIT;
        for (__u32 i = 0; i < GUARD_RESERVED_NAME_MAX; i++) {
                if (i >= len)
                        break;
                *hash = guard_name_hash_step(*hash, dentry->d_iname[i]);
        }
        return true;
}

/* Is the new entry's name one reserved in its directory (dir_key, GUARD_FILE_RESERVES)? Its
 * reservation's flags (GUARD_FILE_RESERVES at least), or 0. */
static __always_inline __u8 name_reserved(__u64 dir_key, struct dentry *dentry) {
        __u64 hash, key;
        __u8 *value;

        if (!dentry_name_hash(dentry, &hash))
                return 0;
        key = guard_reserved_key(dir_key, hash);
        value = bpf_map_lookup_elem(&guard_objects, &key);
        return value ? *value | GUARD_FILE_RESERVES : 0;
}

/* Is the entry's name a place's in its directory (guard_place_key())? */
static __always_inline bool name_is_place(__u64 dir_key, struct dentry *dentry) {
        __u64 hash, key;

        if (!dentry_name_hash(dentry, &hash))
                return false;
        key = guard_place_key(dir_key, hash);
        return bpf_map_lookup_elem(&guard_objects, &key) != NULL;
}

/* A guarded entry removed or renamed away by someone allowed to (apt remove keyutils takes
 * /sbin/request-key away): its name stays reserved in its directory, as the daemon reserves a
 * helper's name that does not exist, or the first confined root to create it there would choose
 * what the kernel runs. The daemon's next registration decides again. Should the removal fail
 * after this hook, the name is reserved needlessly until then (a false refusal, never a way
 * through); a full map leaves it out rather than fail an admin's removal. */
static __always_inline void guard_reserve_name(struct inode *dir, struct dentry *dentry) {
        __u8 reserves = GUARD_FILE_RESERVES | GUARD_FILE_KERNEL, name_flags, *value;
        struct guard_self *self = tamper_config();
        __u64 dir_key, hash, key;

        /* Not capped (counted, though): a name left unreserved would be a confined root's to
         * create (a helper's program). Each comes from a guarded entry's removal, and arrivals,
         * which make such entries, are capped. A name refused to PID 1 stays so (a socket unit's
         * Symlinks= there, after an admin removed the helper): the name's key only, never the
         * directory's, whose every entry would be refused to PID 1 then (systemctl mask in
         * /etc/systemd/system after an admin's rm -r of the guard's drop-ins: a review found it). */
        if (!dir || !self || !is_guard_file(dentry_inode(dentry)) || !dentry_name_hash(dentry, &hash))
                return;
        name_flags = reserves | (guard_file_flags(dentry_inode(dentry)) & GUARD_FILE_UNIT);
        dir_key = guard_file_key(dir->i_sb->s_dev, dir->i_ino);
        key = guard_reserved_key(dir_key, hash);
        value = bpf_map_lookup_elem(&guard_objects, &key);
        if (value)
                *value |= name_flags;
        else if (bpf_map_update_elem(&guard_objects, &key, &name_flags, BPF_NOEXIST) == 0)
                __sync_fetch_and_add(&self->kernel_keys, 1);
        else
                return;
        value = bpf_map_lookup_elem(&guard_objects, &dir_key);
        if (value)
                *value |= reserves;
        else if (bpf_map_update_elem(&guard_objects, &dir_key, &reserves, BPF_NOEXIST) == 0)
                __sync_fetch_and_add(&self->kernel_keys, 1);
}

/* Is an entry dentry in dir where a confined task may not put one: a sealed directory, a reserved
 * name? A directory the daemon did not register (no flags, or only the kernel's) that itself sits
 * at a reserved name (the admin made the missing /run/modprobe.d after the daemon's registration)
 * counts as sealed. */
#define GUARD_ENTRY_GUARDED 1
#define GUARD_ENTRY_UNIT 2 /* in or at a name of the guard's own unit: refused to PID 1 too */
#define GUARD_ENTRY_PLACE 3 /* at a place units' namespaces are made of (GUARD_RESERVED_PLACE): its name only */

/* Guarded, and the guard's unit's where flags say so or the entry bears one of its names. */
static __always_inline int entry_guard(__u8 flags, struct dentry *dentry) {
        if (flags & GUARD_FILE_UNIT)
                return GUARD_ENTRY_UNIT;
        return name_reserved(GUARD_UNIT_NAMES_DIR, dentry) ? GUARD_ENTRY_UNIT : GUARD_ENTRY_GUARDED;
}

/* places: whether a place's name counts (GUARD_ENTRY_PLACE): looked up only then, not on writes. */
static __always_inline int guard_dir_entry_guarded(struct inode *dir, struct dentry *dentry, const bool places) {
        struct dentry *dir_dentry, *grandparent;
        __u8 *value, flags, reserved;
        __u64 key;

        if (!dir)
                return 0;
        key = guard_file_key(dir->i_sb->s_dev, dir->i_ino);
        value = bpf_map_lookup_elem(&guard_objects, &key);
        flags = value ? *value : 0;
        /* A sealed directory may hold a name of the guard's unit too (/etc/systemd/system). */
        if ((flags & GUARD_FILE_RESERVES) && (reserved = name_reserved(key, dentry)))
                return entry_guard(reserved | (flags & GUARD_FILE_UNIT), dentry);
        if (flags & GUARD_FILE_SEALED)
                return entry_guard(flags, dentry);
        /* After the seal: a place's name in a sealed directory is its entry like any other. */
        if (places && (flags & GUARD_FILE_RESERVES) && name_is_place(key, dentry))
                return GUARD_ENTRY_PLACE;
        if ((flags & GUARD_FILE_NAME) && !(flags & GUARD_FILE_KERNEL))
                return 0; /* a name the daemon registered on a path: not a new directory */
        dir_dentry = dentry->d_parent;
        grandparent = dir_dentry ? dir_dentry->d_parent : NULL;
        if (!grandparent || grandparent == dir_dentry || !grandparent->d_inode)
                return 0;
        key = guard_file_key(grandparent->d_inode->i_sb->s_dev, grandparent->d_inode->i_ino);
        value = bpf_map_lookup_elem(&guard_objects, &key);
        if (!value)
                return 0;
        if (*value & GUARD_FILE_SEALED_BELOW)
                return entry_guard(flags, dentry);
        if (!(*value & GUARD_FILE_RESERVES))
                return 0;
        /* (A place, /tmp, keeps its name only: its reservation is keyed apart, never found here.) */
        reserved = name_reserved(key, dir_dentry);
        return reserved ? entry_guard(reserved, dentry) : 0;
}

/* PID 1's generators write their units in /run/systemd/generator, .early and .late (and in
 * directories there), which PID 1 removes and makes anew at each daemon-reload; their names are
 * reserved in /run/systemd as PID 1's to make, not as the guard's unit's
 * (GUARD_RESERVED_PID1_DIR without GUARD_FILE_UNIT: nothing else is reserved so). Is dentry in
 * such a directory, or in one below it? */
static __always_inline bool is_generator_output_name(struct inode *dir, struct dentry *dentry) {
        __u8 reserved = name_reserved(guard_file_key(dir->i_sb->s_dev, dir->i_ino), dentry);

        return (reserved & GUARD_RESERVED_PID1_DIR) && !(reserved & GUARD_FILE_UNIT);
}

static __always_inline bool in_generator_output(struct dentry *dentry) {
        struct dentry *dir = dentry->d_parent, *parent;

        for (int depth = 0; depth < 2 && dir; depth++) {
                parent = dir->d_parent;
                if (!parent || parent == dir || !parent->d_inode)
                        return false;
                if (is_generator_output_name(parent->d_inode, dir))
                        return true;
                dir = parent;
        }
        return false;
}

/* Is task in PID 1's cgroup (PID 1 found among its first eight ancestors: a generator is PID 1's
 * great-grandchild, (sd-gens) then (sd-executor), a shell generator's commands a few more)? Not
 * the root cgroup (no systemd). */
static __always_inline bool in_pid1s_cgroup(struct task_struct *task) {
        struct task_struct *p = task;
        __u64 id;

        for (int i = 0; i < 8 && p; i++) {
                p = p->real_parent;
                if (p && p->tgid == 1) {
                        id = guard_task_cgroup_id(task);
                        return id != GUARD_CGROUP_ROOT_ID && id == guard_task_cgroup_id(p);
                }
        }
        return false;
}

/* Guarded there from confined tasks but the generators: code PID 1's child exec'd while still in
 * PID 1's cgroup (GUARD_IDENTITY_PID1_CGROUP), no admin, and still there (the protected
 * /init.scope, whatever the admin list says). Not PID 1's child before its exec: it opens a unit's
 * StandardOutput=file: for whoever asked; nor PID 1 itself, which makes nothing there but for an
 * asker (pid1_unit_dir_entry_refused()). Is dentry in such a directory written by a generator? */
static __always_inline bool generator_writes(struct dentry *dentry) {
        struct task_struct *actor = bpf_get_current_task_btf();

        return (guard_task_identity(actor) & GUARD_IDENTITY_PID1_CGROUP) && in_pid1s_cgroup(actor) &&
               in_generator_output(dentry);
}

/* places: whether a place's name counts (made, removed, renamed, linked, its attributes set);
 * writes, times and mounts (mount units on /home, a sandbox's tmpfs on /tmp) leave it alone. A
 * place's name is refused to PID 1 itself too (its children make directories there:
 * guard_tamper_inode_mkdir()): PID 1 unlinks a unit's PIDFile= at its stop and links a socket
 * unit's Symlinks= for whoever asked, and PIDFile=/dev/null failed every start with
 * PrivateDevices= or StandardInput=null, the guard's among them (a review found it). */
static __always_inline int guard_dir_entry_refused_as(struct inode *dir, struct dentry *dentry,
                                                      const struct vfsmount *mnt, const bool places) {
        int guarded = guard_dir_entry_guarded(dir, dentry, places);

        if (!guarded || (guarded == GUARD_ENTRY_GUARDED && generator_writes(dentry)))
                return 0;
        return guard_confined_file_refused(dir->i_ino, mnt, guarded == GUARD_ENTRY_UNIT || guarded == GUARD_ENTRY_PLACE);
}

static __always_inline int guard_dir_entry_refused(struct inode *dir, struct dentry *dentry) {
        return guard_dir_entry_refused_as(dir, dentry, NULL, true);
}

/* For guard_register_arrival(): a full barrier between the key's insertion and the read of the
 * write count. */
static __u64 guard_arrival_barrier;

/* Guards an inode arriving in a guarded place (renamed over a guarded file, renamed or linked
 * into a sealed directory or at a reserved name) by its own key at once, so that no other name it
 * has (a hard link a confined root made to dpkg's .dpkg-new, or to a file an admin then moves
 * into modprobe.d) reaches it; then refuses the arrival, to anyone, if it is open for writing
 * somewhere, since that fd would keep reaching it. The key goes in first and a full barrier
 * separates it from the count's read, as get_write_access() separates the count's increment
 * from file_open's lookup: an open racing the arrival is either counted here or finds the key.
 * writable_ok: it comes from a guarded place already, where no confined task could open it for
 * writing (an admin's atomic save in modprobe.d may still hold its own fd). No room in the map:
 * no arrival either (ENOSPC). A refused arrival leaves the inode guarded (a false refusal, never
 * a way through). */
static __always_inline int guard_register_arrival(struct inode *incoming, bool writable_ok) {
        __u8 flags = GUARD_FILE_NAME | GUARD_FILE_KERNEL, *value;
        __u64 key = guard_file_key(incoming->i_sb->s_dev, incoming->i_ino);
        struct guard_self *self = tamper_config();

        if (!self)
                return 0; /* no tamper protection ("protect_self": false): nothing is guarded */
        value = bpf_map_lookup_elem(&guard_objects, &key);
        if (value)
                *value |= flags;
        else if (self->kernel_keys >= GUARD_KERNEL_KEYS_MAX)
                return -28; /* ENOSPC: the kernel's share of the map is used up until the daemon's next round */
        else if (bpf_map_update_elem(&guard_objects, &key, &flags, BPF_NOEXIST) == 0)
                __sync_fetch_and_add(&self->kernel_keys, 1);
        else if (!bpf_map_lookup_elem(&guard_objects, &key))
                return -28; /* ENOSPC */
        __sync_fetch_and_add(&guard_arrival_barrier, 1);
        if (!writable_ok && incoming->i_writecount.counter > 0)
                return tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_FILE, incoming->i_ino);
        return 0;
}

#define S_IFMT_ 00170000
#define S_IFDIR_ 0040000
#define S_IFLNK_ 0120000

/* An inode an allowed task renames (from from_dir/from) or links into a guarded place. A symlink
 * needs no key of its own: what it says cannot be written, and its names are the place's (PID 1
 * renames one into /run/systemd/units at every unit's start, which would each cost a key). */
static __always_inline int guard_entry_arrives(struct inode *dir, struct dentry *dentry, struct inode *from_dir,
                                               struct dentry *from, struct inode *incoming) {
        /* (A place keeps its name only: what arrives there is not guarded.) */
        if (!incoming || (incoming->i_mode & S_IFMT_) == S_IFLNK_ || !tamper_config() ||
            !guard_dir_entry_guarded(dir, dentry, false))
                return 0;
        return guard_register_arrival(incoming, guard_dir_entry_guarded(from_dir, from, false));
}

/* An entry that is already there, under the same rule: a file in a sealed directory or at a
 * reserved name is refused to confined tasks as a registered file is (written, truncated, removed,
 * renamed, linked elsewhere, mounted over), registered or not. A file the admin added while the
 * guard runs (a new .conf in modprobe.d, a helper a package installed) is guarded at once, not at
 * the daemon's next registration. */
#define DCACHE_DISCONNECTED_ 0x00000020
#define DCACHE_DIRECTORY_TYPE_ 0x00200000

static __always_inline int guard_entry_refused_as(struct dentry *dentry, const struct vfsmount *mnt,
                                                  const bool places) {
        struct dentry *parent = dentry->d_parent;

        if (!parent)
                return 0;
        if (parent != dentry)
                return guard_dir_entry_refused_as(parent->d_inode, dentry, mnt, places);
        /* A root. A file opened by handle (open_by_handle_at) after its dentry left the cache has
         * one of its own, disconnected, with no parent to check: refused to confined tasks, since
         * where it lives cannot be told here (a directory is always reconnected to its parents,
         * a file system's own root is not disconnected). */
        if (!(dentry->d_flags & DCACHE_DISCONNECTED_) || (dentry->d_flags & DCACHE_ENTRY_TYPE_) == DCACHE_DIRECTORY_TYPE_ ||
            !dentry->d_inode)
                return 0;
        return guard_confined_file_refused(dentry->d_inode->i_ino, mnt, false);
}

static __always_inline int guard_entry_refused(struct dentry *dentry) {
        return guard_entry_refused_as(dentry, NULL, true);
}

/* Written, truncated, its times, mode or extended attributes changed. */
static __always_inline int guard_entry_content_refused(struct dentry *dentry) {
        return guard_entry_refused_as(dentry, NULL, false);
}

static __always_inline int guard_mount_on_entry_refused(const struct vfsmount *mnt, struct dentry *dentry) {
        return guard_entry_refused_as(dentry, mnt, false);
}

/* PID 1 acts in systemd's unit directories for whoever reaches its API: a socket unit's
 * Symlinks= links the unit's FIFO or socket there, ListenFIFO= and ListenStream= make one there
 * (a stream socket's path unlinked first when taken), ListenSpecial= with Writable=yes opens a
 * unit's file read-write and passes the fd to the asker's service, a unit's PIDFile= is removed
 * at its stop, systemctl link links any file, an automount's Where= is mounted on. A confined
 * root's code then defines a unit the policies trust by name (a getty, the user manager) at its
 * next load (a review found it). In these directories and those below them
 * (guard_unit_dir_key()), PID 1 links only to a unit directory's entry or to /dev/null
 * (systemctl enable, an alias, mask), below them only in a unit's .wants, .requires or .upholds,
 * makes no node, opens for writing only a file it just made, mounts on nothing; in the unit
 * directories it writes itself (transient, system.control: a unit's properties) it also makes and
 * removes its files, elsewhere only symlinks. entry_in_unit_dirs(): 0, or UNIT_DIRS_IN with
 * UNIT_DIRS_OWN (one of PID 1's own) and UNIT_DIRS_BELOW (in a directory below a unit directory). */
#define UNIT_DIRS_IN 1
#define UNIT_DIRS_OWN 2
#define UNIT_DIRS_BELOW 4

static __always_inline bool is_unit_dir(struct inode *dir, __u64 *ret_key) {
        __u64 key;

        if (!dir)
                return false;
        *ret_key = guard_file_key(dir->i_sb->s_dev, dir->i_ino);
        key = guard_unit_dir_key(*ret_key);
        return bpf_map_lookup_elem(&guard_objects, &key) != NULL;
}

static __always_inline int entry_in_unit_dirs(struct inode *dir, struct dentry *dentry) {
        struct dentry *parent = dentry ? dentry->d_parent : NULL;
        int found = UNIT_DIRS_IN;
        __u64 key = 0;

        if (!is_unit_dir(dir, &key)) {
                /* A unit's .d, .wants: the unit directory above it. */
                if (!parent || !parent->d_parent || parent->d_parent == parent ||
                    !is_unit_dir(parent->d_parent->d_inode, &key))
                        return 0;
                found |= UNIT_DIRS_BELOW;
        }
        key = guard_pid1_unit_dir_key(key);
        return bpf_map_lookup_elem(&guard_objects, &key) ? found | UNIT_DIRS_OWN : found;
}

/* Is a directory's name that of a unit's .wants, .requires or .upholds (where systemctl enable
 * and add-wants link)? Its last bytes, shifted in one by one (no variable offset into the dentry).
 * can_read: bpf_probe_read_kernel() may be used for a name too long to be inline (not under
 * lockdown=confidentiality, where such a name does not count). */
#define NAME_TAIL6(a, b, c, d, e, f)                                                              \
        (((__u64) (a) << 40) | ((__u64) (b) << 32) | ((__u64) (c) << 24) | ((__u64) (d) << 16) | \
         ((__u64) (e) << 8) | (__u64) (f))
#define NAME_TAIL8(a, b, c, d, e, f, g, h) ((NAME_TAIL6(a, b, c, d, e, f) << 16) | ((__u64) (g) << 8) | (__u64) (h))

static __always_inline bool unit_dependency_dir(struct dentry *dir, const int can_read) {
        __u32 len = dir->d_name.len;
        __u64 last = 0;
        __u8 ninth = 0;

        if (len <= GUARD_RESERVED_NAME_MAX) {
                for (__u32 i = 0; i < GUARD_RESERVED_NAME_MAX; i++) {
                        if (i >= len)
                                break;
                        ninth = last >> 56;
                        last = (last << 8) | (__u8) dir->d_iname[i];
                }
        } else {
                __u8 tail[9] = {};

                if (!can_read || bpf_probe_read_kernel(tail, sizeof(tail), dir->d_name.name + len - sizeof(tail)) < 0)
                        return false;
                ninth = tail[0];
                last = NAME_TAIL8(tail[1], tail[2], tail[3], tail[4], tail[5], tail[6], tail[7], tail[8]);
        }
        return (last & 0xffffffffffffULL) == NAME_TAIL6('.', 'w', 'a', 'n', 't', 's') ||
               last == NAME_TAIL8('.', 'u', 'p', 'h', 'o', 'l', 'd', 's') ||
               (last == NAME_TAIL8('r', 'e', 'q', 'u', 'i', 'r', 'e', 's') && ninth == '.');
}

/* Where a link PID 1 makes in a unit directory may point: a unit directory's entry (not of PID 1's
 * own: a transient unit's file holds what its asker chose), or /dev/null. Absolute, as systemctl
 * makes them (install.c); read-only data, for bpf_strncmp(). */
#define UNIT_LINK_TARGET_MAX 256
static const char unit_link_etc[] = "/etc/systemd/system/";
static const char unit_link_etc_attached[] = "/etc/systemd/system.attached/";
static const char unit_link_run[] = "/run/systemd/system/";
static const char unit_link_run_attached[] = "/run/systemd/system.attached/";
static const char unit_link_local[] = "/usr/local/lib/systemd/system/";
static const char unit_link_usr[] = "/usr/lib/systemd/system/";
static const char unit_link_lib[] = "/lib/systemd/system/";
static const char unit_link_null[] = "/dev/null";

/* An entry of dir itself, whose slashes are dir's (n): none after it (a deeper file is no unit;
 * a link to one, in the search path, makes an alias of its name: a review found it). */
#define UNIT_LINK_SLASHES_MAX 8
#define UNIT_LINK_UNDER(t, slashes, dir, n) ((slashes) == (n) && bpf_strncmp((t), sizeof(dir) - 1, (dir)) == 0)

struct unit_link_scan {
        char t[UNIT_LINK_TARGET_MAX];
        __u32 slashes;
        char prev;
        bool bad;
};

/* One byte of a link's target, a bpf_loop() callback (a plain loop's paths outgrew the
 * verifier's limit): its slashes counted, "/." refused. */
static long unit_link_scan_step(__u64 index, void *ctx) {
        struct unit_link_scan *s = ctx;
        char c;

        if (index >= UNIT_LINK_TARGET_MAX)
                return 1;
        c = s->t[index & (UNIT_LINK_TARGET_MAX - 1)];
        if (!c)
                return 1;
        if ((c == '.' && s->prev == '/') || (c == '/' && ++s->slashes > UNIT_LINK_SLASHES_MAX)) {
                s->bad = true;
                return 1;
        }
        s->prev = c;
        return 0;
}

/* Does a link PID 1 makes in a unit directory point where it may (no "/." anywhere: no "..")?
 * Global: checked once by the verifier, not on each path of each program that calls it. */
__attribute__((noinline)) int guard_unit_link_target_ok(__u64 old_name) {
        struct unit_link_scan s = {};
        long n = bpf_probe_read_kernel_str(s.t, sizeof(s.t), (const void *) old_name);

        if (n <= 1 || n >= UNIT_LINK_TARGET_MAX || s.t[0] != '/')
                return 0;
        bpf_loop(UNIT_LINK_TARGET_MAX, unit_link_scan_step, &s, 0);
        if (s.bad)
                return 0;
        return bpf_strncmp(s.t, sizeof(unit_link_null), unit_link_null) == 0 ||
               UNIT_LINK_UNDER(s.t, s.slashes, unit_link_etc, 4) || UNIT_LINK_UNDER(s.t, s.slashes, unit_link_etc_attached, 4) ||
               UNIT_LINK_UNDER(s.t, s.slashes, unit_link_run, 4) || UNIT_LINK_UNDER(s.t, s.slashes, unit_link_run_attached, 4) ||
               UNIT_LINK_UNDER(s.t, s.slashes, unit_link_local, 6) || UNIT_LINK_UNDER(s.t, s.slashes, unit_link_usr, 5) ||
               UNIT_LINK_UNDER(s.t, s.slashes, unit_link_lib, 4);
}

#define TRUSTED_NAME_MAX 64

struct trusted_name_scan {
        char name[TRUSTED_NAME_MAX];
        __u64 hash;
        __u32 len;
        char prev;
        bool at_seen;
        bool trusted;
};

/* One byte of the name, a bpf_loop() callback: unrolled, the flags' combinations made the
 * verifier walk each program that calls trusted_unit_name() some 200k instructions. */
static long trusted_name_step(__u64 index, void *ctx) {
        struct trusted_name_scan *s = ctx;
        __u64 key;
        char c;

        if (index >= s->len || index >= TRUSTED_NAME_MAX - 1)
                return 1;
        c = s->name[index & (TRUSTED_NAME_MAX - 1)];
        s->hash = guard_name_hash_step(s->hash, c);
        /* A dashed prefix's ("serial-.service.d", "serial-@ttyS0.service.d": a drop-in of every
         * unit whose name begins so, aliases included). */
        if (s->prev == '-' && index > 1 && (c == '@' || c == '.'))
                s->trusted = true; /* (not the root slice's "-.slice") */
        if (c == '@' && !s->at_seen) {
                s->at_seen = true;
                key = guard_reserved_key(GUARD_TRUSTED_TEMPLATES_DIR, s->hash);
                if (bpf_map_lookup_elem(&guard_objects, &key))
                        s->trusted = true;
        }
        s->prev = c;
        return 0;
}

/* Is an entry's name one that defines or extends a service the policy trusts by name: one of
 * GUARD_TRUSTED_NAMES_DIR exactly ("ssh.service", "getty@.service.d", "service.d"), one beginning
 * with a template's prefix up to its '@' (GUARD_TRUSTED_TEMPLATES_DIR: "getty@tty5.service.d"), or
 * a dashed prefix's? can_read: a name too long to be inline is read (under
 * lockdown=confidentiality it is not, and does not count). An inline name is copied a word at a
 * time (no variable offset into the dentry), then scanned on the stack. */
static __always_inline bool trusted_unit_name(struct dentry *d, const int can_read) {
        struct trusted_name_scan s = { .hash = GUARD_NAME_HASH_INIT };
        __u64 key;

        s.len = d->d_name.len;
        if (s.len <= GUARD_RESERVED_NAME_MAX) {
                __u64 *words = (__u64 *) s.name;

                words[0] = *(__u64 *) &d->d_iname[0];
                words[1] = *(__u64 *) &d->d_iname[8];
                words[2] = *(__u64 *) &d->d_iname[16];
                words[3] = *(__u64 *) &d->d_iname[24];
        } else if (!can_read || bpf_probe_read_kernel_str(s.name, sizeof(s.name), d->d_name.name) <= 0) {
                return false;
        }
        bpf_loop(TRUSTED_NAME_MAX, trusted_name_step, &s, 0);
        if (s.trusted)
                return true;
        if (s.len >= TRUSTED_NAME_MAX)
                return false;
        key = guard_reserved_key(GUARD_TRUSTED_NAMES_DIR, s.hash);
        return bpf_map_lookup_elem(&guard_objects, &key) != NULL;
}

/* What PID 1 makes in a unit directory (entry_in_unit_dirs()). */
#define UNIT_ENTRY_NODE 0 /* a FIFO, a socket, a device */
#define UNIT_ENTRY_FILE 1
#define UNIT_ENTRY_DIR 2
#define UNIT_ENTRY_LINK 3 /* to old_name */

/* PID 1 making an entry in a unit directory or one below: no node; a file only in its own (a
 * transient unit's, set-property's drop-in), a directory in its own or a unit's .wants,
 * .requires, .upholds elsewhere, and nothing deeper; a link (to a unit directory's entry or
 * /dev/null) directly in a unit directory or in a unit's .wants, .requires, .upholds; in its own,
 * nothing that defines or extends a service the policy trusts by name (set-property writes
 * Description= as it is given, newlines and all: a review found it). can_read: a link's target
 * and long names can be read (not under lockdown=confidentiality, where they are not checked). */
static __always_inline int pid1_unit_dir_entry_refused(struct inode *dir, struct dentry *dentry, const char *old_name,
                                                       const int kind, const int can_read) {
        struct task_struct *actor = bpf_get_current_task_btf();
        bool below, own, refused;
        int where;

        if (actor->tgid != 1 || !tamper_config())
                return 0;
        /* The generators' output: PID 1 only makes and removes the directories themselves
         * (pid1_dir_made()); a socket unit's Symlinks= there was a unit of the asker's, loaded
         * at the next rebuild of PID 1's unit-name map (any change of a unit directory's mtime,
         * systemctl mask --runtime), and one at a missing directory's name a directory of the
         * asker's first in the unit search path (reviews found both). */
        if (in_generator_output(dentry) || (kind != UNIT_ENTRY_DIR && is_generator_output_name(dir, dentry)))
                return tamper_refuse(actor, GUARD_TAMPER_UNIT_DIR, dir->i_ino);
        if (!(where = entry_in_unit_dirs(dir, dentry)))
                return 0;
        below = where & UNIT_DIRS_BELOW;
        own = where & UNIT_DIRS_OWN;
        switch (kind) {
        case UNIT_ENTRY_FILE:
                refused = !own;
                break;
        case UNIT_ENTRY_DIR:
                refused = below || (!own && !unit_dependency_dir(dentry, can_read));
                break;
        case UNIT_ENTRY_LINK:
                refused = (below && !unit_dependency_dir(dentry->d_parent, can_read)) ||
                          (can_read && !guard_unit_link_target_ok((__u64) old_name));
                break;
        default:
                refused = true;
        }
        if (!refused && own)
                refused = trusted_unit_name(below ? dentry->d_parent : dentry, can_read);
        return refused ? tamper_refuse(actor, GUARD_TAMPER_UNIT_DIR, dir->i_ino) : 0;
}

#define FMODE_CREATED_ 0x100000

/* PID 1 removing an entry other than a symlink (systemctl disable, unmask) from a unit directory
 * not its own (file NULL), or opening a file there for writing that it did not just make (file;
 * its atomic writes make a new file and rename it, a transient unit's file is new). */
static __always_inline int pid1_unit_file_refused(struct dentry *dentry, struct file *file) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct dentry *parent;
        struct inode *inode;
        int where;

        /* Everyone else's removals and opens for writing: one compare. */
        if (actor->tgid != 1)
                return 0;
        inode = dentry ? dentry_inode(dentry) : NULL;
        if (!inode || (inode->i_mode & S_IFMT_) == S_IFLNK_ || !tamper_config())
                return 0;
        if (file && ((file->f_mode & FMODE_CREATED_) || !inode->i_nlink))
                return 0;
        /* A generator's output opened for writing (ListenSpecial= with Writable=yes hands the fd
         * to the asker's service: a review found it); removed at each daemon-reload. */
        if (file && in_generator_output(dentry))
                return tamper_refuse(actor, GUARD_TAMPER_UNIT_DIR, inode->i_ino);
        parent = dentry->d_parent;
        if (!parent || parent == dentry || !(where = entry_in_unit_dirs(parent->d_inode, dentry)))
                return 0;
        if (!file && (where & UNIT_DIRS_OWN))
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_UNIT_DIR, inode->i_ino);
}

/* New names in the pin directory (protect_pin_dir()) as well as its removals: a directory at a
 * name the daemon pins through (pin_replace()'s temporary) made its next load fail, and a
 * restart fall back to a backend that unpinned the one enforcing (a review found it). */
static __always_inline int tamper_inode_create(struct inode *dir, struct dentry *dentry, const int can_read) {
        return protect_pin_dir(dir) ?: guard_dir_entry_refused(dir, dentry) ?:
               pid1_unit_dir_entry_refused(dir, dentry, NULL, UNIT_ENTRY_FILE, can_read);
}

SEC("lsm/inode_create")
int BPF_PROG(guard_tamper_inode_create, struct inode *dir, struct dentry *dentry, unsigned short mode) {
        return tamper_inode_create(dir, dentry, 1);
}

/* lockdown=confidentiality: a name too long to be inline is not read (README, known gaps). */
SEC("?lsm/inode_create")
int BPF_PROG(guard_tamper_inode_create_lockdown, struct inode *dir, struct dentry *dentry, unsigned short mode) {
        return tamper_inode_create(dir, dentry, 0);
}

SEC("lsm/inode_mknod")
int BPF_PROG(guard_tamper_inode_mknod, struct inode *dir, struct dentry *dentry, unsigned short mode, unsigned int dev) {
        return protect_pin_dir(dir) ?: guard_dir_entry_refused(dir, dentry) ?:
               pid1_unit_dir_entry_refused(dir, dentry, NULL, UNIT_ENTRY_NODE, 0);
}

/* The guard's cgroup (self->cgroup_id) is PID 1's to make and remove (or an admin's), and nobody
 * else's to make cgroups in. A child there with a controller enabled in its subtree_control keeps PID 1's next start of
 * the unit from joining it (a cgroup with controllers in its subtree takes no process: EBUSY),
 * and a cgroup made at the unit's name while the daemon is stopped is the guard's from its mkdir
 * on (guard_tamper_unit_mkdir): a confined root squatting it could make one there, or remove it
 * between PID 1's mkdir and its child's join, and so keep the daemon from ever starting again (a
 * review found it). dir's inode number is its cgroup's id (kernfs). */
static __always_inline int guard_cgroup_dir_refused(struct inode *dir_or_cgroup) {
        struct guard_self *self = tamper_config();

        if (!self || !self->cgroup_id || !dir_or_cgroup || dir_or_cgroup->i_ino != self->cgroup_id ||
            dir_or_cgroup->i_sb->s_magic != CGROUP2_SUPER_MAGIC_)
                return 0;
        return tamper_admin_only(GUARD_TAMPER_GUARD_CGROUP_DIR, self->cgroup_id);
}

/* A directory made in a guarded place by someone allowed to (PID 1, an admin, root outside
 * confined cgroups): its name is reserved there at once (a kernel key, capped as arrivals are:
 * no room, no directory), so that what is made in it is guarded too (guard_dir_entry_guarded()'s
 * grandparent) until the daemon's next registration decides. systemctl set-property makes
 * /run/systemd/system.control, then the unit's .d in it, where a confined root put a drop-in (a
 * review found it). A name longer than a reserved one is not reserved; what is made in the new
 * directory is guarded all the same (GUARD_FILE_SEALED_BELOW on the one it is made in). */
static __always_inline int guard_reserve_new_dir(struct inode *dir, struct dentry *dentry, int guarded) {
        __u8 flags = GUARD_FILE_RESERVES | GUARD_FILE_KERNEL | (guarded == GUARD_ENTRY_UNIT ? GUARD_FILE_UNIT : 0), *value;
        __u8 dir_flags = GUARD_FILE_SEALED_BELOW | GUARD_FILE_KERNEL;
        struct guard_self *self = tamper_config();
        __u64 dir_key, hash, key;
        bool named;

        if (!self)
                return 0;
        dir_key = guard_file_key(dir->i_sb->s_dev, dir->i_ino);
        named = dentry_name_hash(dentry, &hash);
        if (named) {
                key = guard_reserved_key(dir_key, hash);
                value = bpf_map_lookup_elem(&guard_objects, &key);
                if (!value) {
                        if (self->kernel_keys >= GUARD_KERNEL_KEYS_MAX ||
                            bpf_map_update_elem(&guard_objects, &key, &flags, BPF_NOEXIST) != 0)
                                return -28; /* ENOSPC: the kernel's share of the map is used up until the daemon's next round */
                        __sync_fetch_and_add(&self->kernel_keys, 1);
                }
                dir_flags |= GUARD_FILE_RESERVES;
        }
        /* A directory sealed, or one guarded as made in a guarded place (no key of its own): what
         * is made in its subdirectories is guarded too, whatever their names' length. Not one that
         * only reserves names (/run/systemd for its system.control: logind's sessions are there). */
        value = bpf_map_lookup_elem(&guard_objects, &dir_key);
        if (value)
                *value |= (dir_flags & GUARD_FILE_RESERVES) | (*value & GUARD_FILE_SEALED ? GUARD_FILE_SEALED_BELOW : 0);
        else if (self->kernel_keys >= GUARD_KERNEL_KEYS_MAX ||
                 bpf_map_update_elem(&guard_objects, &dir_key, &dir_flags, BPF_NOEXIST) != 0)
                return -28; /* ENOSPC */
        else
                __sync_fetch_and_add(&self->kernel_keys, 1);
        return 0;
}

/* A directory made at a name reserved for PID 1's (GUARD_RESERVED_PID1_DIR) by PID 1 or its child
 * before its exec: what systemd makes there. */
static __always_inline bool pid1_dir_made(struct inode *dir, struct dentry *dentry) {
        __u64 key = guard_file_key(dir->i_sb->s_dev, dir->i_ino);
        __u8 *value = bpf_map_lookup_elem(&guard_objects, &key);

        return value && (*value & GUARD_FILE_RESERVES) && (name_reserved(key, dentry) & GUARD_RESERVED_PID1_DIR) &&
               pid1_or_its_child(bpf_get_current_task_btf());
}

static __always_inline int tamper_inode_mkdir(struct inode *dir, struct dentry *dentry, const int can_read) {
        int refused = protect_pin_dir(dir) ?: pid1_unit_dir_entry_refused(dir, dentry, NULL, UNIT_ENTRY_DIR, can_read), guarded;

        if (refused)
                return refused;
        guarded = guard_dir_entry_guarded(dir, dentry, true);
        /* What systemd makes: a directory at a place's name (/run/credentials, unit-root) or at
         * one of its own reserved for it (the guard's propagation directory). */
        if (guarded && (guarded == GUARD_ENTRY_PLACE ? pid1_or_its_child(bpf_get_current_task_btf()) : pid1_dir_made(dir, dentry)))
                return 0;
        refused = guarded && !(guarded == GUARD_ENTRY_GUARDED && generator_writes(dentry)) ?
                          guard_confined_file_refused(dir->i_ino, NULL, guarded == GUARD_ENTRY_UNIT) : 0;
        if (guarded == GUARD_ENTRY_PLACE)
                return refused;

        refused = refused ?: guard_cgroup_dir_refused(dir);
        if (!refused && guarded)
                refused = guard_reserve_new_dir(dir, dentry, guarded);
        return refused;
}

SEC("lsm/inode_mkdir")
int BPF_PROG(guard_tamper_inode_mkdir, struct inode *dir, struct dentry *dentry, unsigned short mode) {
        return tamper_inode_mkdir(dir, dentry, 1);
}

/* lockdown=confidentiality: a name too long to be inline is not read (README, known gaps). */
SEC("?lsm/inode_mkdir")
int BPF_PROG(guard_tamper_inode_mkdir_lockdown, struct inode *dir, struct dentry *dentry, unsigned short mode) {
        return tamper_inode_mkdir(dir, dentry, 0);
}

SEC("lsm/inode_symlink")
int BPF_PROG(guard_tamper_inode_symlink, struct inode *dir, struct dentry *dentry, const char *old_name) {
        return protect_pin_dir(dir) ?: guard_dir_entry_refused(dir, dentry) ?:
               pid1_unit_dir_entry_refused(dir, dentry, old_name, UNIT_ENTRY_LINK, 1);
}

/* lockdown=confidentiality: the link's target is not read (README, known gaps). */
SEC("?lsm/inode_symlink")
int BPF_PROG(guard_tamper_inode_symlink_lockdown, struct inode *dir, struct dentry *dentry, const char *old_name) {
        return protect_pin_dir(dir) ?: guard_dir_entry_refused(dir, dentry) ?:
               pid1_unit_dir_entry_refused(dir, dentry, old_name, UNIT_ENTRY_LINK, 0);
}

SEC("lsm/inode_link")
int BPF_PROG(guard_tamper_inode_link, struct dentry *old_dentry, struct inode *dir, struct dentry *new_dentry) {
        /* A second name for a guarded entry elsewhere would be a way to write it; a confined
         * root's name for a registered file (ln /usr/bin/kmod /var/tmp/k) outlives its key. */
        struct inode *old_dir = old_dentry->d_parent ? old_dentry->d_parent->d_inode : NULL;
        struct inode *incoming = dentry_inode(old_dentry);
        int refused = protect_pin_dir(dir) ?: guard_file_refused(incoming) ?: guard_entry_refused(old_dentry) ?:
                      guard_dir_entry_refused(dir, new_dentry);

        if (refused || !incoming || !tamper_config())
                return refused;
        /* An entry of a guarded place given a second name elsewhere (an admin's ln to a backup):
         * guarded by its own key, wherever that name is. */
        if (guard_dir_entry_guarded(old_dir, old_dentry, false))
                return guard_register_arrival(incoming, true);
        return guard_entry_arrives(dir, new_dentry, old_dir, old_dentry, incoming);
}

SEC("lsm/inode_unlink")
int BPF_PROG(guard_tamper_inode_unlink, struct inode *dir, struct dentry *dentry) {
        int refused = protect_pin_dir(dir) ?: protect_pin(dentry) ?: guard_file_refused(dentry_inode(dentry)) ?:
                      guard_dir_entry_refused(dir, dentry) ?: pid1_unit_file_refused(dentry, NULL);

        if (!refused)
                guard_reserve_name(dir, dentry);
        return refused;
}

/* A key left by a guarded file or directory that is gone, found on a new one: ext4 gives the next
 * file made in a block group the lowest free inode number, often one just freed, and the key
 * (device, inode number) outlived its file until the daemon's next round: a confined root's new
 * file in /tmp was taken for a guarded one, and its open for writing refused, after an admin
 * removed a unit file (a test found it). So when ext4 makes an inode (still I_CREATING at
 * d_instantiate: a lookup's inode never is), any key of its number is stale: the number was free,
 * and nobody has seen the new file yet. Only there, and only on a file system the daemon found
 * keyed files on (GUARD_OBJ_FILE_DEV): a FUSE server chooses its inode numbers, a crafted image
 * on a loop device its own, btrfs subvolumes share a device (a review found that a first
 * version, at the inode's release, let a freed inode name any key; a second that a release can
 * be made to wait for a journal commit while a new guarded file takes the number). Elsewhere
 * the false refusal stays until the next round (and on a whiteout, which is never instantiated).
 * I_CREATING moved in Linux 6.12, where i_state became 32 bits wide: told by that size (BTF),
 * not by the release string. Tested first: this runs at every dentry cache miss. */
#define EXT4_SUPER_MAGIC_ 0xef53
#define I_CREATING_6_1 (1UL << 15)
#define I_CREATING_6_12 (1UL << 14)

SEC("lsm/d_instantiate")
int BPF_PROG(guard_tamper_inode_new, struct dentry *dentry, struct inode *inode) {
        struct super_block *sb;
        __u64 key, dir_key;

        if (!inode || !(inode->i_state & (bpf_core_field_size(inode->i_state) == 4 ? I_CREATING_6_12 : I_CREATING_6_1)))
                return 0;
        if (guard_set_retired())
                return 0;
        sb = inode->i_sb;
        if (sb->s_magic != EXT4_SUPER_MAGIC_ || !tamper_config() || !is_guard_object(GUARD_OBJ_FILE_DEV, sb->s_dev))
                return 0;
        key = guard_file_key(sb->s_dev, inode->i_ino);
        bpf_map_delete_elem(&guard_objects, &key);
        dir_key = guard_unit_dir_key(key);
        bpf_map_delete_elem(&guard_objects, &dir_key);
        dir_key = guard_pid1_unit_dir_key(key);
        bpf_map_delete_elem(&guard_objects, &dir_key);
        return 0;
}

/* PID 1 removes the directories its children make at names reserved for them (the guard's
 * propagation directory at each stop of its unit); it may make or link nothing else there. */
static __always_inline bool pid1_dir_removed(struct inode *dir, struct dentry *dentry) {
        __u64 key = guard_file_key(dir->i_sb->s_dev, dir->i_ino);
        __u8 *value;

        if (bpf_get_current_task_btf()->tgid != 1)
                return false;
        value = bpf_map_lookup_elem(&guard_objects, &key);
        return value && (*value & GUARD_FILE_RESERVES) && (name_reserved(key, dentry) & GUARD_RESERVED_PID1_DIR);
}

SEC("lsm/inode_rmdir")
int BPF_PROG(guard_tamper_inode_rmdir, struct inode *dir, struct dentry *dentry) {
        int refused = protect_pin_dir(dir) ?: protect_pin(dentry) ?: guard_file_refused(dentry_inode(dentry)) ?:
                      (pid1_dir_removed(dir, dentry) ? 0 : guard_dir_entry_refused(dir, dentry)) ?:
                      guard_cgroup_dir_refused(dentry_inode(dentry));

        if (!refused)
                guard_reserve_name(dir, dentry);
        return refused;
}

/* The programs PID 1 may exec once a switch of its root was refused (guard_tamper_pid1_exec). */
struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, GUARD_PID1_EXEC_MAX);
        __type(key, struct guard_pid1_exec_key);
        __type(value, __u8);
} guard_pid1_exec SEC(".maps");

static __always_inline bool pid1_may_exec(struct inode *inode) {
        struct guard_pid1_exec_key key = { .dev = inode->i_sb->s_dev, .ino = inode->i_ino, .gen = inode->i_generation };

        if (bpf_map_lookup_elem(&guard_pid1_exec, &key))
                return true;
        key.gen = GUARD_PID1_EXEC_ANY_GEN;
        return bpf_map_lookup_elem(&guard_pid1_exec, &key) != NULL;
}

/* A file renamed over a guarded one by someone allowed to (a package upgrade: dpkg renames the new
 * file over the old) takes its place at once, not at the daemon's next reload: in between, a
 * confined root could write into it. Should the rename fail after this hook, the file stays
 * guarded until the next registration drops it (a false refusal, never a way through). */
static __always_inline int guard_file_follow_rename(struct inode *old_dir, struct dentry *old_dentry,
                                                    struct dentry *new_dentry) {
        struct inode *incoming = dentry_inode(old_dentry), *replaced = dentry_inode(new_dentry);
        int refused;

        if (!incoming || !is_guard_file(replaced))
                return 0;
        /* dpkg's .dpkg-new held open for writing by a confined root: refused, as an arrival. */
        refused = guard_register_arrival(incoming, guard_dir_entry_guarded(old_dir, old_dentry, false));
        if (refused)
                return refused;
        /* Refused to PID 1 as what it replaces was (a new libc, until the daemon's next round:
         * a unit's PIDFile= naming it had PID 1 unlink it; a review found it). */
        if (guard_file_flags(replaced) & GUARD_FILE_UNIT) {
                __u64 key = guard_file_key(incoming->i_sb->s_dev, incoming->i_ino);
                __u8 *value = bpf_map_lookup_elem(&guard_objects, &key);

                if (value)
                        *value |= GUARD_FILE_UNIT;
        }
        /* What PID 1 may exec stays so: a package upgrade renames the new systemd over the old
         * (only an allowed task gets here: the rename over a guarded file is refused to others). */
        if (replaced && pid1_may_exec(replaced)) {
                struct guard_pid1_exec_key exec = { .dev = incoming->i_sb->s_dev, .ino = incoming->i_ino,
                                                    .gen = incoming->i_generation };
                __u8 yes = 1 | GUARD_PID1_EXEC_KERNEL;

                (void) bpf_map_update_elem(&guard_pid1_exec, &exec, &yes, BPF_ANY);
        }
        return 0;
}

SEC("lsm/inode_rename")
int BPF_PROG(guard_tamper_inode_rename, struct inode *old_dir, struct dentry *old_dentry, struct inode *new_dir,
             struct dentry *new_dentry) {
        if (guard_set_retired())
                return 0;
        int refused = protect_pin_dir(old_dir) ?: protect_pin_dir(new_dir) ?: protect_pin(old_dentry) ?: protect_pin(new_dentry) ?:
                      guard_file_refused(dentry_inode(old_dentry)) ?: guard_file_refused(dentry_inode(new_dentry)) ?:
                      guard_dir_entry_refused(old_dir, old_dentry) ?: guard_dir_entry_refused(new_dir, new_dentry);

        if (refused)
                return refused;
        /* Its old name first, as it was: the arrival registers the inode. */
        guard_reserve_name(old_dir, old_dentry);
        return guard_entry_arrives(new_dir, new_dentry, old_dir, old_dentry, dentry_inode(old_dentry)) ?:
               guard_file_follow_rename(old_dir, old_dentry, new_dentry);
}

/* truncate(2), ftruncate(2) and O_TRUNC all end in notify_change() with ATTR_SIZE (path_truncate
 * needs CONFIG_SECURITY_PATH, which the hooks kernels lack). The hook's arguments changed (an idmap
 * first, 6.x): the loader picks the program matching this kernel's (choose_tamper_variants()). */
static __always_inline int guard_tamper_setattr(struct dentry *dentry, struct iattr *attr) {
        /* A mode or an owner too: a confined root's chmod 666 of a helper lets any user elsewhere
         * write it (an adversarial review). And the pins' (and their directory's): native does not
         * refuse opening them, but chmod 000 put them out of the reach of the daemon, which has no
         * CAP_DAC_OVERRIDE: no adoption, no disarm at an unload (reviews found both). Every name in
         * the pin directory: a pin a load made is registered a moment after it appears. Times
         * too (utimensat()): each change of a policy file's or its directory's reloads the
         * policy (IN_ATTRIB), as often as a confined root likes (a review found it). */
        return attr->ia_valid & (ATTR_SIZE_ | ATTR_MODE_ | ATTR_UID_ | ATTR_GID_ | ATTR_ATIME_ | ATTR_MTIME_) ?
               guard_file_content_refused(dentry->d_inode) ?: guard_entry_content_refused(dentry) ?: protect_pin(dentry) ?:
               protect_pin_dir(dentry->d_parent->d_inode) : 0;
}

SEC("?lsm/inode_setattr")
int BPF_PROG(guard_tamper_truncate, struct dentry *dentry, struct iattr *attr) {
        if (guard_set_retired())
                return 0;
        return guard_tamper_setattr(dentry, attr);
}

SEC("?lsm/inode_setattr")
int BPF_PROG(guard_tamper_truncate_idmap, void *idmap, struct dentry *dentry, struct iattr *attr) {
        if (guard_set_retired())
                return 0;
        return guard_tamper_setattr(dentry, attr);
}

/* Extended attributes of a guarded file: a POSIX ACL (setfacl -m u:nobody:rw) lets a user
 * elsewhere write it as a chmod would (an adversarial review). The idmap (6.3+) or user namespace
 * (6.1) comes first either way, the dentry second. On 6.1 an ACL is an xattr; since 6.2 it has
 * hooks of its own, which the loader attaches where the kernel has them. */
SEC("lsm/inode_setxattr")
int BPF_PROG(guard_tamper_setxattr, void *idmap, struct dentry *dentry) {
        if (guard_set_retired())
                return 0;
        return guard_file_content_refused(dentry->d_inode) ?: guard_entry_content_refused(dentry);
}

SEC("lsm/inode_removexattr")
int BPF_PROG(guard_tamper_removexattr, void *idmap, struct dentry *dentry) {
        if (guard_set_retired())
                return 0;
        return guard_file_content_refused(dentry->d_inode) ?: guard_entry_content_refused(dentry);
}

SEC("?lsm/inode_set_acl")
int BPF_PROG(guard_tamper_set_acl, void *idmap, struct dentry *dentry) {
        if (guard_set_retired())
                return 0;
        return guard_file_content_refused(dentry->d_inode) ?: guard_entry_content_refused(dentry);
}

SEC("?lsm/inode_remove_acl")
int BPF_PROG(guard_tamper_remove_acl, void *idmap, struct dentry *dentry) {
        if (guard_set_retired())
                return 0;
        return guard_file_content_refused(dentry->d_inode) ?: guard_entry_content_refused(dentry);
}

/* File attributes (chattr: FS_IOC_SETFLAGS, FS_IOC_FSSETXATTR), which pass no other hook: a
 * confined root's chattr +i of /var/tmp failed PID 1's mkdtemp() of the guard's PrivateTmp=
 * directory, so every restart (226/NAMESPACE; a review found it), and +i or +a on what the guard
 * runs or reads held the admin's upgrades and edits. Refused on what the guard guards, as a
 * rename is. At every ioctl: a compare of the command, nothing more for all others. */
#define FS_IOC_SETFLAGS_ 0x40086602U
#define FS_IOC32_SETFLAGS_ 0x40046602U
#define FS_IOC_FSSETXATTR_ 0x401c5820U
#define FS_IOC_ENABLE_VERITY_ 0x40806685U   /* content frozen for good: an admin's edits refused */
#define BTRFS_IOC_SUBVOL_SETFLAGS_ 0x4008941aU /* a subvolume made read-only */
/* The inode's generation rewritten (ext4 without metadata_csum): the exact keys of what PID 1 may
 * exec (guard_pid1_exec) would name the file no more (a review found it). */
#define FS_IOC_SETVERSION_ 0x40087602U
#define FS_IOC32_SETVERSION_ 0x40047602U
#define EXT4_IOC_SETVERSION_ 0x40086604U
#define EXT4_IOC32_SETVERSION_ 0x40046604U

static __always_inline int tamper_file_attr_ioctl(struct file *file, unsigned int cmd) {
        if (cmd != FS_IOC_SETFLAGS_ && cmd != FS_IOC32_SETFLAGS_ && cmd != FS_IOC_FSSETXATTR_ &&
            cmd != FS_IOC_ENABLE_VERITY_ && cmd != BTRFS_IOC_SUBVOL_SETFLAGS_ && cmd != FS_IOC_SETVERSION_ &&
            cmd != FS_IOC32_SETVERSION_ && cmd != EXT4_IOC_SETVERSION_ && cmd != EXT4_IOC32_SETVERSION_)
                return 0;
        if (guard_set_retired())
                return 0;
        return guard_file_refused(file->f_inode) ?: guard_entry_refused(file->f_path.dentry) ?:
               protect_pin(file->f_path.dentry);
}

SEC("lsm/file_ioctl")
int BPF_PROG(guard_tamper_file_ioctl, struct file *file, unsigned int cmd, unsigned long arg) {
        return tamper_file_attr_ioctl(file, cmd);
}

/* 32-bit callers: this hook since Linux 6.8, file_ioctl before. */
SEC("?lsm/file_ioctl_compat")
int BPF_PROG(guard_tamper_file_ioctl_compat, struct file *file, unsigned int cmd, unsigned long arg) {
        return tamper_file_attr_ioctl(file, cmd);
}

/* Whom signals from others may not reach: the guard, and PID 1's child for the guard's unit
 * before its exec (its cgroup the guard's, as registered): killed there at each restart (kill,
 * or SIGIO through F_SETOWN), the guard never ran again (reviews found both). */
static __always_inline bool is_guard_signal_target(struct task_struct *target, struct guard_self *self) {
        return is_guard_target(target) || ((guard_task_identity(target) & GUARD_IDENTITY_PID1_CHILD) && self->cgroup_id &&
                                           guard_task_cgroup_id(target) == self->cgroup_id);
}

/* Signals to the daemon: only from PID 1 (systemd stopping the service) and the daemon itself;
 * from its own unit's cgroup (ExecReload=kill -HUP runs there) SIGHUP, a reload, and no other;
 * never from the root cgroup. */
SEC("lsm/task_kill")
int BPF_PROG(guard_tamper_task_kill, struct task_struct *target, struct kernel_siginfo *info, int sig,
             const struct cred *cred) {
        struct guard_self *self;
        struct task_struct *actor;

        if (sig == 0 || sig == SIGCONT_)
                return 0;
        self = tamper_config();
        if (!self || !is_guard_signal_target(target, self))
                return 0;
        actor = bpf_get_current_task_btf();
        if (tamper_trusted(actor, self))
                return 0;
        /* The guard's cgroup as registered, not wherever the target is now. */
        if (sig == SIGHUP_ && self->cgroup_id && guard_task_cgroup_id(actor) == self->cgroup_id)
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_SIGNAL, target->tgid);
}

/* F_SETOWN + F_SETSIG make the kernel send any signal, SIGKILL included, to the owner when the
 * file becomes ready, in the context of whoever made it ready (possibly the daemon itself,
 * writing to a socket the attacker set up), and task_kill never sees it. The daemon asks for no
 * SIGIO, so none is delivered to it. */
SEC("lsm/file_send_sigiotask")
int BPF_PROG(guard_tamper_sigio, struct task_struct *target, struct fown_struct *fown, int sig) {
        struct guard_self *self = tamper_config();

        if (!self || !is_guard_signal_target(target, self))
                return 0;
        return tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_SIGIO, target->tgid);
}

/* Acting on the daemon (target) with what throttles it: only PID 1 and the daemon itself. */
static __always_inline int tamper_check_target(struct task_struct *target, __u32 what) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        /* PID 1, which restarts the guard: prlimit --pid 1 --nofile=0:0 and it started no unit,
         * the guard's included; SCHED_IDLE, pinned beside real-time loops, it was starved (a
         * review found it). Refused to confined tasks; PID 1 sets its own. */
        if (self && (target->tgid == 1 || (guard_task_identity(target) & GUARD_IDENTITY_PID1_CHILD))) {
                /* PID 1's child before its exec too: RLIMIT_AS set there and the guard's exec
                 * failed, SCHED_IDLE set there and the restarted guard was starved (a review
                 * found it); PID 1 and the child itself set them (LimitNOFILE=, Nice=). */
                actor = bpf_get_current_task_btf();
                if (actor->tgid == 1 || actor->pid == target->pid)
                        return 0;
                return tamper_confined_refused(what, target->tgid);
        }
        if (!self || !is_guard_target(target))
                return 0;
        actor = bpf_get_current_task_btf();
        return tamper_trusted(actor, self) ? 0 : tamper_refuse(actor, what, target->tgid);
}

/* prlimit(2) on the daemon (RLIMIT_NOFILE 1, RLIMIT_CPU 0, ...): setting only; reading is fine. */
SEC("lsm/task_setrlimit")
int BPF_PROG(guard_tamper_setrlimit, struct task_struct *target, unsigned int resource, struct rlimit *new_rlim) {
        return tamper_check_target(target, GUARD_TAMPER_RLIMIT);
}

/* Starving the daemon: sched_setscheduler/sched_setattr (SCHED_IDLE), sched_setaffinity and
 * /proc/PID/timerslack_ns pass task_setscheduler, setpriority task_setnice (nice 19), ioprio_set
 * task_setioprio (the idle class). PID 1 sets Nice= and friends in its child before the exec,
 * which is not the guard yet. */
SEC("lsm/task_setscheduler")
int BPF_PROG(guard_tamper_setscheduler, struct task_struct *target) {
        return tamper_check_target(target, GUARD_TAMPER_SCHED);
}

SEC("lsm/task_setnice")
int BPF_PROG(guard_tamper_setnice, struct task_struct *target, int nice) {
        return tamper_check_target(target, GUARD_TAMPER_SCHED);
}

SEC("lsm/task_setioprio")
int BPF_PROG(guard_tamper_setioprio, struct task_struct *target, int ioprio) {
        return tamper_check_target(target, GUARD_TAMPER_SCHED);
}

/* Writes to the files of the daemon's cgroup and of every cgroup above it but the root
 * (cgroup.kill, cgroup.freeze stop it, pids.max, memory.max throttle it), decided by directory: a
 * controller disabled and enabled again above it makes new limit files, with inodes no
 * registration at start could name. Left open: cgroup.procs and cgroup.threads (the migration
 * policy's and guard_tamper_move()'s) and cgroup.subtree_control (runc and containerd's shim
 * enable controllers in system.slice). In the root, cgroup.max.depth and cgroup.max.descendants
 * (they stop new cgroups). The daemon registers directories and files (kernfs inode numbers are
 * node ids, the same in every cgroup2 mount). A hot hook: past the mode and superblock compares
 * only cgroupfs opens for writing, with one hash lookup (bench/README.md). */
#define CGROUP2_ROOT_INO_ 1 /* kernfs's first node */

static __always_inline bool dentry_named(struct dentry *dentry, const char *name, __u32 len);

/* The files left open, by name: a directory registered by guard_tamper_unit_mkdir() at a restart
 * has none registered by inode until the new daemon runs, and PID 1's child writes the unit's
 * cgroup.procs before its exec. */
static __always_inline bool cgroup_file_left_open(struct dentry *dentry) {
        return dentry_named(dentry, "cgroup.procs", 12) || dentry_named(dentry, "cgroup.threads", 14) ||
               dentry_named(dentry, "cgroup.subtree_control", 22);
}

/* cgroup.subtree_control stays open above the daemon (runc enables controllers in system.slice),
 * not in its own cgroup: a controller enabled there while no process is in it (a restart) makes
 * it take none (EBUSY at PID 1's join: a review found it). */
static __always_inline bool own_subtree_control(struct dentry *dentry, __u64 dir, struct guard_self *self) {
        return dir == self->cgroup_id && dentry_named(dentry, "cgroup.subtree_control", 22);
}

static __always_inline int guard_tamper_cgroup_open(struct file *file) {
        struct inode *inode = file->f_inode;
        struct guard_self *self;
        struct task_struct *actor;
        __u64 dir;

        if (!(file->f_mode & FMODE_WRITE_) || inode->i_sb->s_magic != CGROUP2_SUPER_MAGIC_)
                return 0;
        self = tamper_config();
        if (!self)
                return 0;
        dir = file->f_path.dentry->d_parent->d_inode->i_ino;
        if (dir == CGROUP2_ROOT_INO_) {
                if (!is_guard_object(GUARD_OBJ_CGROUP_FILE, inode->i_ino))
                        return 0;
        } else if (!is_guard_object(GUARD_OBJ_CGROUP_DIR, dir) ||
                   (!own_subtree_control(file->f_path.dentry, dir, self) &&
                    (is_guard_object(GUARD_OBJ_CGROUP_OPEN, inode->i_ino) || cgroup_file_left_open(file->f_path.dentry))))
                return 0;
        actor = bpf_get_current_task_btf();
        return tamper_trusted(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_CGROUP_FILE, inode->i_ino);
}

/* /proc/PID/oom_score_adj (and the older oom_adj) of the daemon: raised to 1000 it makes the
 * daemon the OOM killer's first victim, and no LSM hook guards the write (__set_oom_adj() checks
 * only CAP_SYS_RESOURCE for lowering it), so the open for writing is refused. The file is known
 * by its name and its directory's, the pid: both short, so inline in the dentry (d_iname), read
 * without bpf_probe_read_kernel() (lockdown). The daemon registers its pid (GUARD_OBJ_PROC); it
 * runs one thread, so /proc/PID/task/PID/ is the only other directory naming it. Only procfs
 * opens for writing come this far. The pid is the one of the procfs's pid namespace: the guard
 * runs in the initial one, whose procfs alone shows it (a task whose pid in a container equals
 * the daemon's is refused too: a false refusal, never a way through). */
#define PROC_SUPER_MAGIC_ 0x9fa0
#define GUARD_PID_DIGITS 10

static __always_inline bool dentry_named_prefix(struct dentry *dentry, const char *name, __u32 len) {
        for (__u32 i = 0; i < len; i++)
                if (dentry->d_iname[i] != name[i])
                        return false;
        return true;
}

static __always_inline bool dentry_named(struct dentry *dentry, const char *name, __u32 len) {
        return dentry->d_name.len == len && dentry_named_prefix(dentry, name, len);
}

/* The pid a /proc/PID directory names, 0 if it names none. */
static __always_inline __u64 dentry_pid(struct dentry *dentry) {
        __u32 len = dentry->d_name.len;
        __u64 pid = 0;

        if (len == 0 || len > GUARD_PID_DIGITS)
                return 0;
        for (__u32 i = 0; i < GUARD_PID_DIGITS; i++) {
                char c;

                if (i >= len)
                        break;
                c = dentry->d_iname[i];
                if (c < '0' || c > '9')
                        return 0;
                pid = pid * 10 + (c - '0');
        }
        return pid;
}

/* /proc/sysrq-trigger ignores kernel.sysrq: "i" sends SIGKILL to every task but PID 1 (the daemon
 * among them), "e" SIGTERM, as the kernel's own (no task_kill hook). Refused to confined tasks
 * (a review found it). */
static __always_inline int guard_tamper_sysrq_open(struct file *file) {
        struct dentry *dir = file->f_path.dentry->d_parent;

        /* In a procfs's root (its root dentry is its own parent), however it is mounted. */
        return dir->d_parent == dir ? tamper_confined_refused(GUARD_TAMPER_SIGNAL_ALL, 0) : 0;
}

static __always_inline int guard_tamper_proc_open(struct file *file) {
        struct dentry *dentry = file->f_path.dentry;
        __u32 what = GUARD_TAMPER_OOM;
        struct guard_self *self;
        struct task_struct *actor;
        __u64 pid;

        if (dentry_named(dentry, "sysrq-trigger", 13))
                return guard_tamper_sysrq_open(file);
        /* autogroup: its nice value weighs the daemon's whole session against the others', and
         * the kernel asks task_setnice about the writer, not the daemon (a review found it). */
        if (dentry_named(dentry, "autogroup", 9))
                what = GUARD_TAMPER_SCHED;
        else if (!dentry_named(dentry, "oom_score_adj", 13) && !dentry_named(dentry, "oom_adj", 7))
                return 0;
        self = tamper_config();
        pid = dentry_pid(dentry->d_parent);
        if (!self || !pid || !is_guard_object(GUARD_OBJ_PROC, pid))
                return 0;
        actor = bpf_get_current_task_btf();
        return tamper_trusted(actor, self) ? 0 : tamper_refuse(actor, what, pid);
}

/* The usermode helpers (enum guard_helper_sysctl): kernel.core_pattern "|program" (a crash),
 * kernel.modprobe (request_module(), e.g. the exec of an unknown binary format), kernel.hotplug
 * (a uevent) and kernel.poweroff_cmd make the kernel run a program as root in the root cgroup,
 * out of the writer's cgroup and its namespace locks, and out of every cgroup the policy confines.
 * A confined task may not change them, unless it is in an admin cgroup (PID 1's /init.scope)
 * or PID 1. Writing the value in force again stays allowed: systemd-sysctl.service, in the
 * protected /system.slice, writes kernel.core_pattern at each of its starts. So the check needs
 * the value written, which file_open does not see: a cgroup/sysctl program on the root cgroup,
 * whose programs every cgroup below runs too (a child cgroup cannot drop them). It runs on
 * /proc/sys reads and writes only, no hot path. Task storage is not open to cgroup programs: PID 1
 * is told by its pid (its children before their exec write no sysctl). */
#define GUARD_SYSCTL_VALUE_MAX 256 /* KMOD_PATH_LEN; core_pattern's is 128 */
#define GUARD_SYSCTL_NAME_MAX 32   /* "fs/inotify/max_user_instances" and a NUL; longer ones are none of ours */

struct guard_sysctl_values {
        char current[GUARD_SYSCTL_VALUE_MAX];
        char wanted[GUARD_SYSCTL_VALUE_MAX];
};

/* Two values do not fit the 512-byte stack beside the rest. */
struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct guard_sysctl_values);
} guard_sysctl_values SEC(".maps");

/* A sysctl's name compared with bpf_strncmp() against read-only data: compared a byte at a time,
 * each byte that matched became known to the verifier, and every prefix shared by the names
 * (kernel/, fs/, vm/) made paths of their own through the rest: guard_tamper_sysctl took 257k
 * instructions to verify. len: want's length (checked at build time). */
#define name_is(name, want, len)                                                          \
        ({                                                                                \
                static const char want_[] = want;                                         \
                _Static_assert(sizeof(want_) == (len) + 1, "name_is: the length of " want); \
                bpf_strncmp((name), sizeof(want_), want_) == 0;                           \
        })

#define name_has_prefix(name, want, len)                                                  \
        ({                                                                                \
                static const char want_[] = want;                                         \
                _Static_assert(sizeof(want_) == (len) + 1, "name_has_prefix: the length of " want); \
                bpf_strncmp((name), (len), want_) == 0;                                   \
        })

/* Which helper the sysctl named name sets (enum guard_helper_sysctl), 0 for any other. */
static __always_inline __u32 helper_sysctl(const char *name) {
        if (name_is(name, "kernel/core_pattern", 19))
                return GUARD_HELPER_CORE_PATTERN;
        if (name_is(name, "kernel/modprobe", 15))
                return GUARD_HELPER_MODPROBE;
        if (name_is(name, "kernel/hotplug", 14))
                return GUARD_HELPER_HOTPLUG;
        if (name_is(name, "kernel/poweroff_cmd", 19))
                return GUARD_HELPER_POWEROFF_CMD;
        if (name_is(name, "fs/ocfs2/nm/hb_ctl_path", 23))
                return GUARD_HELPER_OCFS2_HB_CTL;
        return 0;
}

/* One byte of the comparison below (a bpf_loop() callback: the verifier checks one byte, not
 * GUARD_SYSCTL_VALUE_MAX of them). */
struct guard_sysctl_compare {
        struct guard_sysctl_values *v;
        int kept;
};

static long guard_sysctl_compare_step(__u64 index, void *ctx) {
        struct guard_sysctl_compare *cmp = ctx;
        __u32 i = index;
        char c, w;
        bool c_end, w_end;

        if (i >= GUARD_SYSCTL_VALUE_MAX)
                return 1;
        c = cmp->v->current[i];
        w = cmp->v->wanted[i];
        c_end = c == '\0' || c == '\n';
        w_end = w == '\0' || w == '\n';
        if (c_end || w_end) {
                cmp->kept = c_end && w_end;
                return 1;
        }
        return c != w;
}

/* Does the write leave the value as it is? The kernel keeps what precedes the first newline or
 * NUL (proc_dostring()); a write at an offset appends, a change whatever it says. */
static __always_inline bool sysctl_value_kept(struct bpf_sysctl *ctx) {
        struct guard_sysctl_compare cmp = {};
        __u32 zero = 0;

        cmp.v = bpf_map_lookup_elem(&guard_sysctl_values, &zero);
        if (!cmp.v || ctx->file_pos != 0 ||
            bpf_sysctl_get_current_value(ctx, cmp.v->current, sizeof(cmp.v->current)) < 0 ||
            bpf_sysctl_get_new_value(ctx, cmp.v->wanted, sizeof(cmp.v->wanted)) < 0)
                return false;
        bpf_loop(GUARD_SYSCTL_VALUE_MAX, guard_sysctl_compare_step, &cmp, 0);
        return cmp.kept;
}

/* kernel.ftrace_enabled: 0 makes the kernel turn every ftrace call site back into a NOP, the
 * trampolines of every BPF LSM, fentry and fexit program among them (a BPF trampoline's ftrace
 * ops are not FTRACE_OPS_FL_PERMANENT): the guard's programs stop running, and new ones are not
 * patched in while it stays 0. Refused to all but PID 1 and the admin cgroups (a review found it). */
static __always_inline bool ftrace_sysctl(const char *name) {
        return name_is(name, "kernel/ftrace_enabled", 21);
}

/* user.max_mnt_namespaces and fs.mount-max: set low, the unit's private mount namespace cannot be
 * made (the guard does not start again) and the daemon's own proc cannot be mounted (it reads
 * /proc) (a review found it). 1 + which one, 0 for another sysctl. */
static __always_inline __u32 mount_limit_sysctl(const char *name) {
        if (name_is(name, "user/max_mnt_namespaces", 23))
                return 1;
        return name_is(name, "fs/mount-max", 12) ? 2 : 0;
}

/* Other limits the daemon's next start needs, set low from a confined cgroup (a review found
 * them): the unit's network and UTS namespaces (any user.max_*), the fds it holds (one per
 * link, map and program: fs.nr_open, fs.file-max), the libraries it maps (vm.max_map_count), the
 * processes PID 1 forks for it (kernel.threads-max, kernel.pid_max), the policy directory's
 * watch (fs.inotify.*). 1 + which one (GUARD_TAMPER_LIMIT's object), 0 for another sysctl. */
static __always_inline __u32 limit_sysctl(const char *name) {
        if (name_has_prefix(name, "user/max_", 9))
                return 1;
        if (name_is(name, "fs/nr_open", 10))
                return 2;
        if (name_is(name, "fs/file-max", 11))
                return 3;
        if (name_is(name, "vm/max_map_count", 16))
                return 4;
        if (name_is(name, "kernel/threads-max", 18))
                return 5;
        if (name_is(name, "kernel/pid_max", 14))
                return 6;
        if (name_is(name, "fs/inotify/max_user_instances", 29))
                return 7;
        if (name_is(name, "fs/inotify/max_user_watches", 27))
                return 8;
        /* The programs' bpf_loop() callbacks need the JIT: off, or its memory limited, the next
         * load fails (kernels without BPF_JIT_ALWAYS_ON). */
        if (name_is(name, "net/core/bpf_jit_enable", 23))
                return 9;
        if (name_is(name, "net/core/bpf_jit_limit", 22))
                return 10;
        /* Per user, no capability passes it: 0, and the next start's sd-event gets no epoll
         * watch (a review found it). */
        return name_is(name, "fs/epoll/max_user_watches", 25) ? 11 : 0;
}

/* Real-time throttling: -1 (none) or more runtime per period, and a confined root's SCHED_FIFO
 * loops on every CPU starve the daemon and PID 1 (a review found it). Any change, raising
 * included: 1 + which one (GUARD_TAMPER_LIMIT's object 11 to 17), 0 for another sysctl. */
static __always_inline __u32 rt_sysctl(const char *name) {
        if (name_is(name, "kernel/sched_rt_runtime_us", 26))
                return 12;
        if (name_is(name, "kernel/sched_rt_period_us", 25))
                return 13;
        /* Strict overcommit at a ratio of 0: every new mapping and fork fails, root's too (the
         * daemon's start and reloads, PID 1's forks; a review found it). */
        if (name_is(name, "vm/overcommit_memory", 20))
                return 14;
        if (name_is(name, "vm/overcommit_ratio", 19))
                return 15;
        if (name_is(name, "vm/overcommit_kbytes", 20))
                return 16;
        /* Magic SysRq from an injected keyboard event (evdev, uinput) kills every process as
         * the kernel's own signal (a review found it): /proc/sysrq-trigger is guarded already. */
        if (name_is(name, "kernel/sysrq", 12))
                return 17;
        /* No upper bound: past the stack, every execve() fails after its point of no return
         * (setup_arg_pages()), PID 1's unit starts and the guard's restart included, and the
         * daemon, without CAP_SYS_RAWIO, maps no more memory (a review found it). */
        return name_is(name, "vm/mmap_min_addr", 16) ? 18 : 0;
}

/* A writer in a user namespace of its own changes only that namespace's user.max_*: its
 * container's business. Not so the global limits: the kernel asks only for euid 0 there, which
 * unshare(CLONE_NEWUSER) keeps (a review found a first version that let those through). */
static __always_inline bool sysctl_writer_in_initial_user_ns(void) {
        return bpf_get_current_task_btf()->cred->user_ns->level == 0;
}

/* Does the write keep or raise the number in force? Raising a limit harms nobody (systemd's
 * sysctl.d raises kernel.pid_max at boot); a value that is not a number is a change. Read as the
 * kernel reads it (proc_get_long(): base 0, so "010" is 8 and "0x10" 16): in base 10 "0100000"
 * looked like a raise while the kernel set 32768 (a review found it). */
static __always_inline bool sysctl_number_not_lowered(struct bpf_sysctl *ctx) {
        char buf[24] = {};
        unsigned long now, wanted;

        if (ctx->file_pos != 0 || bpf_sysctl_get_current_value(ctx, buf, sizeof(buf)) < 0 ||
            bpf_strtoul(buf, sizeof(buf), 0, &now) < 0)
                return false;
        if (bpf_sysctl_get_new_value(ctx, buf, sizeof(buf)) < 0 || bpf_strtoul(buf, sizeof(buf), 0, &wanted) < 0)
                return false;
        return wanted >= now;
}

SEC("cgroup/sysctl")
int guard_tamper_sysctl(struct bpf_sysctl *ctx) {
        char name[GUARD_SYSCTL_NAME_MAX] = {};
        __u32 which;

        if (guard_set_retired() || !ctx->write || bpf_sysctl_get_name(ctx, name, sizeof(name), 0) < 0)
                return 1;
        if (ftrace_sysctl(name)) {
                if (!tamper_config() || bpf_get_current_pid_tgid() >> 32 == 1 || guard_current_admin_cgroup() ||
                    sysctl_value_kept(ctx))
                        return 1;
                tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_FTRACE, 0);
                return 0;
        }
        which = mount_limit_sysctl(name);
        if (which) {
                if (!tamper_config() || bpf_get_current_pid_tgid() >> 32 == 1 || !guard_current_confined() ||
                    (which == 1 && !sysctl_writer_in_initial_user_ns()) || guard_current_admin_cgroup() ||
                    sysctl_number_not_lowered(ctx))
                        return 1;
                tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_MOUNT_LIMIT, which - 1);
                return 0;
        }
        which = limit_sysctl(name);
        if (which) {
                if (!tamper_config() || bpf_get_current_pid_tgid() >> 32 == 1 || !guard_current_confined() ||
                    (which == 1 && !sysctl_writer_in_initial_user_ns()) || guard_current_admin_cgroup() ||
                    sysctl_number_not_lowered(ctx))
                        return 1;
                tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_LIMIT, which - 1);
                return 0;
        }
        which = rt_sysctl(name);
        if (which) {
                if (!tamper_config() || bpf_get_current_pid_tgid() >> 32 == 1 || !guard_current_confined() ||
                    guard_current_admin_cgroup() || sysctl_value_kept(ctx))
                        return 1;
                tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_LIMIT, which - 1);
                return 0;
        }
        which = helper_sysctl(name);
        if (!which || !tamper_config() || bpf_get_current_pid_tgid() >> 32 == 1)
                return 1;
        /* By cgroup only (no task storage here): an NSS module in PID 1's child may change a
         * helper's setting, whose program then runs in the root cgroup, no admin cgroup. */
        if (!guard_current_confined() || guard_current_admin_cgroup() || sysctl_value_kept(ctx))
                return 1;
        tamper_refuse(bpf_get_current_task_btf(), GUARD_TAMPER_HELPER, which);
        return 0;
}

/* A cgroup v1 hierarchy (mount -t cgroup, or -t cpuset): its moves pass neither the migration
 * hooks nor the guard's cgroup2 checks, so a freezer hierarchy would let anyone freeze the daemon
 * (and a devices one starve it of /dev/null). A named hierarchy without controllers ("none,
 * name=systemd": systemd-nspawn mounts one for every container) freezes and limits nothing, but
 * its release agent would be a deputy: the kernel runs it as root in the root cgroup when one of
 * its cgroups empties. So refused to all but PID 1 and the guard: v1 hierarchies that bind a
 * controller or name a release agent, and opening a v1 release_agent file for writing. */
#define CGROUP_SUPER_MAGIC_ 0x27e0eb

/* May this v1 superblock be mounted by anyone: no controller, no release agent? Its cgroup root
 * is reached through void pointers (kernfs's s_fs_info and node priv), read with
 * bpf_probe_read_kernel(); under lockdown=confidentiality that is refused, and so is the mount. */
static __always_inline bool cgroup1_harmless(struct super_block *sb) {
        struct kernfs_super_info *info = sb->s_fs_info;
        struct kernfs_root *kf_root;
        struct cgroup_root *root;
        struct kernfs_node *kn;
        struct cgroup *cgrp;
        unsigned int mask;
        char agent;

        if (bpf_core_read(&kf_root, sizeof(kf_root), &info->root) || !kf_root ||
            bpf_core_read(&kn, sizeof(kn), &kf_root->kn) || !kn ||
            bpf_core_read(&cgrp, sizeof(cgrp), &kn->priv) || !cgrp ||
            bpf_core_read(&root, sizeof(root), &cgrp->root) || !root ||
            bpf_core_read(&mask, sizeof(mask), &root->subsys_mask) ||
            bpf_core_read(&agent, sizeof(agent), &root->release_agent_path[0]))
                return false;
        return mask == 0 && agent == 0;
}

static __always_inline int guard_tamper_cgroup1_open(struct file *file) {
        struct guard_self *self;
        struct task_struct *actor;

        if (!dentry_named(file->f_path.dentry, "release_agent", 13))
                return 0;
        self = tamper_config();
        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        return tamper_trusted(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_CGROUP1, file->f_inode->i_sb->s_dev);
}

/* binfmt_misc: a handler registered there (a magic or a file name extension, and an
 * interpreter) runs at the exec of every matching file, by anyone: the admin's shell, PID 1's
 * children, a restart of the guard (its unit an admin cgroup). binfmt_misc sits before binfmt_elf,
 * so even ELF files. Every write there (register, status, an entry's enable, disable, removal)
 * needs the file opened for writing: refused to all but PID 1, the guard and tasks in admin
 * cgroups, unconfined roots included, as a join of an admin cgroup is.
 * One instance on 6.1; from 6.7 on a user namespace may mount its own, which is refused alike (a
 * false refusal for a rootless container's instance, never a way through). */
#define BINFMTFS_MAGIC_ 0x42494e4d

static __always_inline int guard_tamper_binfmt_open(struct file *file) {
        return tamper_admin_only(GUARD_TAMPER_BINFMT, file->f_inode->i_ino);
}

/* sysfs files that name a usermode helper's program, as the sysctls do (guard_tamper_sysctl):
 * /sys/kernel/uevent_helper (kernel.hotplug's value, where the kernel has it), a machine check's
 * trigger (/sys/devices/system/machinecheck/machinecheckN/trigger) and the module parameters that
 * name one (/sys/module/nfs/parameters/cache_getent, nfsd's cltrack_prog, drbd's
 * usermode_helper, uvesafb's v86d). Opening one for writing is refused to confined tasks outside the admin
 * cgroups, as changing the sysctls is; only sysfs opens for writing get this far, and the names
 * are inline in their dentries (no bpf_probe_read_kernel()). */
#define SYSFS_MAGIC_ 0x62656572

static __always_inline bool sysfs_names_helper(struct dentry *dentry) {
        struct dentry *dir = dentry->d_parent;

        if (dentry_named(dentry, "uevent_helper", 13))
                return dentry_named(dir, "kernel", 6);
        if (dentry_named(dentry, "trigger", 7))
                return dir->d_name.len > 12 && dentry_named_prefix(dir, "machinecheck", 12);
        if (!dentry_named(dir, "parameters", 10))
                return false;
        return dentry_named(dentry, "cache_getent", 12) || dentry_named(dentry, "cltrack_prog", 12) ||
               dentry_named(dentry, "usermode_helper", 15) || dentry_named(dentry, "v86d", 4);
}

/* Hibernation images (kexec, below): outside the admin cgroups, and from PID 1 and its children
 * before their exec too, which open what a unit names for anyone who reaches PID 1's API
 * (ListenSpecial= with Writable=yes, StandardOutput=file:; a review found it, as for lockdown).
 * systemd itself never opens these (systemd-sleep, a service of its own, does). */
static __always_inline int hibernation_refused(__u64 object) {
        struct task_struct *actor;

        if (!tamper_config())
                return 0;
        actor = bpf_get_current_task_btf();
        if (is_pid1_code(actor))
                return tamper_refuse(actor, GUARD_TAMPER_KEXEC, object);
        return tamper_admin_only(GUARD_TAMPER_KEXEC, object);
}

static __always_inline int guard_tamper_sysfs_open(struct file *file) {
        struct dentry *dentry = file->f_path.dentry, *power = dentry->d_parent;
        struct task_struct *actor;

        /* /sys/power/resume: a device named there is resumed from at once (kexec, below). */
        if (dentry_named(dentry, "resume", 6) && dentry_named(power, "power", 5) && power->d_parent->d_parent == power->d_parent)
                return hibernation_refused(3);
        if (!sysfs_names_helper(file->f_path.dentry) || !tamper_config())
                return 0;
        actor = bpf_get_current_task_btf();
        if (actor->tgid == 1 || !guard_current_confined() || guard_current_admin())
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_HELPER, GUARD_HELPER_SYSFS);
}

/* The lockdown level (securityfs's "lockdown", at its root) can be raised at run time, never
 * lowered: under "confidentiality" the guard's next fresh load takes its lockdown variants, which
 * read less of the kernel (no bpf_probe_read_kernel()) and so leave gaps a confined root chose
 * (a review found it). Opening it for writing is refused to PID 1 and to confined tasks outside
 * the admin cgroups; an unconfined root and the kernel command line still set it. */
#define SECURITYFS_MAGIC_ 0x73636673

static __always_inline int guard_tamper_securityfs_open(struct file *file) {
        struct dentry *dentry = file->f_path.dentry;
        struct task_struct *actor;

        /* At the root: a root dentry is its own parent. */
        if (dentry->d_parent->d_parent != dentry->d_parent || !dentry_named(dentry, "lockdown", 8))
                return 0;
        /* PID 1 too, and its children before they exec: it opens what a socket unit names
         * (ListenSpecial= with Writable=yes) and a child what a unit's StandardOutput=file: names,
         * for anyone who reaches its API (reviews found both); systemd never writes the level. */
        actor = bpf_get_current_task_btf();
        if (is_pid1_code(actor) && tamper_config())
                return tamper_refuse(actor, GUARD_TAMPER_LOCKDOWN, 1);
        return tamper_confined_refused(GUARD_TAMPER_LOCKDOWN, 0);
}

/* fanotify permission events (FAN_OPEN_PERM, FAN_ACCESS_PERM, FAN_OPEN_EXEC_PERM): the kernel
 * holds the task that opens (or reads, or execs) the file until the listener answers, for ever
 * if it never does. A confined root's mark on the guard's binary or a library (a restart hangs in
 * exec), on the policy directory's files (a reload hangs in open; the watchdog restarts the daemon
 * into the same hang), on cgroup2 or the pins' bpffs held the daemon (a review found it). What
 * the daemon opens is too much to list, so a mark that asks for any of them, on an inode, a
 * mount or a file system, is refused to confined tasks outside the admin cgroups: an on-access
 * scanner (fapolicyd, clamonacc) runs outside the confined cgroups. Notification events,
 * inotify and dnotify never wait. On each watch or mark added, one test of the mask. */
/* FS_OPEN_PERM 0x10000, FS_ACCESS_PERM 0x20000, FS_OPEN_EXEC_PERM 0x40000 and the range the
 * kernel keeps for such events (FS_PRE_ACCESS 0x100000, Linux 6.14, holds reads the same way). */
#define FS_PERM_EVENTS_ 0x00ff0000

SEC("lsm/path_notify")
int BPF_PROG(guard_tamper_path_notify, const struct path *path, __u64 mask, unsigned int obj_type) {
        if (!(mask & FS_PERM_EVENTS_))
                return 0;
        return tamper_confined_refused(GUARD_TAMPER_FANOTIFY_PERM, obj_type);
}

/* File leases (fcntl F_SETLEASE): while one is held, the kernel makes everyone else's open of
 * the file wait for its holder to give it up, fs.lease-break-time (45 s) and more, or fails an
 * O_NONBLOCK open at once; a read lease holds opens for writing. A confined root's write lease on
 * a setting the daemon reads each second (through its own proc's /proc/PID/fd/N) hung it until
 * the watchdog killed it, again at every restart; one on a policy file failed the restart's
 * parse, and the unit does not restart on that exit (a review found both). As for fanotify's
 * permission events, what the daemon opens is too much to list: taking a lease is refused to
 * confined tasks outside the admin cgroups (a file server that leases runs outside them). Giving
 * one up stays allowed. One compare per fcntl(). */
#define F_SETLEASE_ 1024
#define F_UNLCK_ 2

SEC("lsm/file_fcntl")
int BPF_PROG(guard_tamper_lease, struct file *file, unsigned int cmd, unsigned long arg) {
        unsigned long magic;

        if (cmd != F_SETLEASE_ || arg == F_UNLCK_)
                return 0;
        /* Any user may lease a file it owns, its own /proc/PID/status among them, which sd-bus reads
         * for the daemon when it asks who called (a review found it): leases on the kernel's own
         * file systems, which nothing needs, are refused to all but PID 1, the guard and the
         * admin cgroups. */
        magic = file->f_inode->i_sb->s_magic;
        if (magic == PROC_SUPER_MAGIC_ || magic == SYSFS_MAGIC_ || magic == CGROUP2_SUPER_MAGIC_ ||
            magic == CGROUP_SUPER_MAGIC_ || magic == BPF_FS_MAGIC_)
                return tamper_admin_only(GUARD_TAMPER_LEASE, arg);
        return tamper_confined_refused(GUARD_TAMPER_LEASE, arg);
}

#define PROC_NET_DEPTH_MAX 8
#define PROC_NET_UNKNOWN 1 /* no struct net there: an entry whose ancestry could not be read */

/* The network namespace whose /proc/PID/net tree holds a procfs inode (read at inode_addr), 0
 * for an entry outside such a tree, PROC_NET_UNKNOWN where that cannot be told (a read failed,
 * deeper than PROC_NET_DEPTH_MAX): its entry's ancestor below the proc root is a namespace's
 * proc_net directory, whose data is that namespace (proc_net_ns_init()). Read with
 * bpf_probe_read_kernel(). */
static __always_inline __u64 proc_entry_net(__u64 inode_addr) {
        struct proc_inode *pi = (void *) (inode_addr - bpf_core_field_offset(struct proc_inode, vfs_inode));
        struct proc_dir_entry *pde = NULL, *parent = NULL, *grandparent = NULL, *net_dir = NULL;
        struct net *net = NULL;

        if (bpf_core_read(&pde, sizeof(pde), &pi->pde) < 0)
                return PROC_NET_UNKNOWN;
        if (!pde)
                return 0; /* not an entry of the proc_dir_entry tree (/proc/PID/...) */
        for (int i = 0; i < PROC_NET_DEPTH_MAX; i++) {
                if (bpf_core_read(&parent, sizeof(parent), &pde->parent) < 0 || !parent ||
                    bpf_core_read(&grandparent, sizeof(grandparent), &parent->parent) < 0)
                        return PROC_NET_UNKNOWN;
                if (grandparent == parent) { /* parent is the proc root (its own parent) */
                        if (bpf_core_read(&net, sizeof(net), &pde->data) < 0)
                                return PROC_NET_UNKNOWN;
                        /* Another top entry's data is no struct net: its proc_net, unreadable
                         * or not this entry, says so (a namespace's is always readable). */
                        if (!net || bpf_core_read(&net_dir, sizeof(net_dir), &net->proc_net) < 0)
                                return 0;
                        return net_dir == pde ? (__u64) net : 0;
                }
                pde = parent;
        }
        return PROC_NET_UNKNOWN;
}

#define SYSFS_NET_DEPTH_MAX 8

/* The network namespace a sysfs inode (read at inode_addr) belongs to, 0 for none,
 * PROC_NET_UNKNOWN where a read failed: sysfs tags a net device's directory (and a wireless
 * phy's) with its struct net (kernfs_node.ns; the only namespace sysfs tags with), and what is
 * below it sits a few levels down (queues/rx-0/rps_cpus). A sysfs mounted from another
 * namespace shows that one's devices, whatever namespace the reader is in. */
#define KERNFS_NS_ 0x0020

static __always_inline __u64 sysfs_entry_net(__u64 inode_addr) {
        struct inode *inode = (void *) inode_addr;
        struct kernfs_node *kn = NULL, *parent = NULL;
        struct kernfs_super_info *info = NULL;
        struct super_block *sb = NULL;
        unsigned short flags = 0;
        const void *ns = NULL;

        if (bpf_core_read(&kn, sizeof(kn), &inode->i_private) < 0)
                return PROC_NET_UNKNOWN;
        /* A directory of net devices itself (/sys/class/net): it lists the devices of the
         * namespace the sysfs was mounted from (a review found the names listed). */
        if (kn && bpf_core_read(&flags, sizeof(flags), &kn->flags) == 0 && (flags & KERNFS_NS_)) {
                if (bpf_core_read(&sb, sizeof(sb), &inode->i_sb) < 0 || !sb ||
                    bpf_core_read(&info, sizeof(info), &sb->s_fs_info) < 0 || !info ||
                    bpf_core_read(&ns, sizeof(ns), &info->ns) < 0)
                        return PROC_NET_UNKNOWN;
                return (__u64) ns;
        }
        for (int i = 0; kn && i < SYSFS_NET_DEPTH_MAX; i++) {
                if (bpf_core_read(&ns, sizeof(ns), &kn->ns) < 0 || bpf_core_read(&parent, sizeof(parent), &kn->parent) < 0)
                        return PROC_NET_UNKNOWN;
                if (ns)
                        return (__u64) ns;
                kn = parent;
        }
        return 0;
}

/* /proc/PID/net opens another task's network namespace (get_proc_task_net(): no setns(), no
 * ptrace check): a task locked for net read the host's sockets and routes there, and root wrote
 * the few writable files (xt_recent, sunrpc caches) (a review found it). A sysfs mounted from
 * another namespace likewise shows that one's devices, and root writes their mtu, flags (up,
 * down) and queues there (a review found it; sysfs is 1, procfs 0). Decided as a join of that
 * namespace, reported as reaching into it (inode 0: one that could not be told, decided as
 * another one). A global function (verified once, not at each call site), called for procfs and
 * sysfs opens only; most return at the hints (no rule locks net) before any read. Returns
 * nonzero to refuse. */
__attribute__((noinline)) int guard_net_reach(__u64 inode_addr, __u32 sysfs) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct guard_decision d;
        unsigned int inum = 0;
        __u32 decided;
        __u64 net;

        if (guard_namespace_unruled(guard_hints_get(), guard_task_mark(actor), GUARD_CLONE_NEWNET))
                return 0;
        net = sysfs ? sysfs_entry_net(inode_addr) : proc_entry_net(inode_addr);
        if (!net || net == (__u64) actor->nsproxy->net_ns)
                return 0;
        if (guard_task_decide_namespace(actor, GUARD_CLONE_NEWNET, &d, &decided) == GUARD_VERDICT_ALLOW)
                return 0;
        bpf_core_read(&inum, sizeof(inum), &((struct net *) net)->ns.inum);
        guard_report(GUARD_EVENT_SETNS, &d, actor, 0, 0, 0, GUARD_CLONE_NEWNET, inum,
                     sysfs ? GUARD_SETNS_SYSFS_NET : GUARD_SETNS_PROC_NET);
        return d.verdict == GUARD_VERDICT_DENY;
}

/* kernfs writes pass no LSM hook of their own, and fentry on cgroup_kill_write() and friends
 * cannot refuse (no fmod_ret there): each open is checked instead, on both backends (compat's
 * inode_permission does not know the file's directory). Reads: procfs and sysfs only, for the namespace
 * lock (guard_net_reach(); can_read 0, lockdown=confidentiality: not decided). */
static __always_inline bool net_reach_refused(struct file *file, __u32 sysfs) {
        __u64 inode_addr = 0;

        /* A global function takes scalars: the inode's address, read as one. */
        if (guard_set_retired() || bpf_core_read(&inode_addr, sizeof(inode_addr), &file->f_inode) < 0)
                return false;
        return guard_net_reach(inode_addr, sysfs);
}

/* kexec: a kernel the caller loads boots with a command line of its own (kexec_file_load()
 * takes it unsigned, lockdown checks only the image's signature, and Debian's signed kernel
 * passes): cgroup_guard.disable or systemd.mask= and the guard never starts again (a review
 * found it). Likewise a hibernation image restored through /dev/snapshot (kernel pages of its
 * choosing), or at once from a swap device it wrote by naming that device in /sys/power/resume,
 * and /dev/snapshot opened for reading, whose SNAPSHOT_FREEZE freezes every task but the caller,
 * PID 1 and the daemon included, for as long as it holds the fd (a later review found both).
 * Refused outside the admin cgroups (kdump's loader, kexec-load.service, runs there
 * or by the admin); PID 1's own kexec (systemctl kexec) loads nothing itself. */
#define READING_KEXEC_IMAGE_ 3
#define READING_KEXEC_INITRAMFS_ 4
#define LOADING_KEXEC_IMAGE_ 3
#define S_IFCHR_ 0020000
#define SNAPSHOT_DEV_ ((10U << 20) | 231) /* /dev/snapshot, misc 231 */

SEC("lsm/kernel_read_file")
int BPF_PROG(guard_tamper_kexec_read, struct file *file, int id, bool contents) {
        if (guard_set_retired() || (id != READING_KEXEC_IMAGE_ && id != READING_KEXEC_INITRAMFS_))
                return 0;
        return tamper_admin_only(GUARD_TAMPER_KEXEC, 0);
}

SEC("lsm/kernel_load_data")
int BPF_PROG(guard_tamper_kexec_load, int id, bool contents) {
        if (guard_set_retired() || id != LOADING_KEXEC_IMAGE_)
                return 0;
        return tamper_admin_only(GUARD_TAMPER_KEXEC, 1);
}

static __always_inline int tamper_file_open(struct file *file, const int can_read) {
        unsigned long magic = file->f_inode->i_sb->s_magic;

        if ((file->f_inode->i_mode & S_IFMT_) == S_IFCHR_ && file->f_inode->i_rdev == SNAPSHOT_DEV_)
                return hibernation_refused(2);
        if (!(file->f_mode & FMODE_WRITE_)) {
                if ((magic != PROC_SUPER_MAGIC_ && magic != SYSFS_MAGIC_) || !can_read)
                        return 0;
                return net_reach_refused(file, magic == SYSFS_MAGIC_) ? -GUARD_TAMPER_EPERM : 0;
        }
        if (magic == PROC_SUPER_MAGIC_) {
                if (can_read && net_reach_refused(file, 0))
                        return -GUARD_TAMPER_EPERM;
                return guard_tamper_proc_open(file);
        }
        if (magic == CGROUP_SUPER_MAGIC_)
                return guard_tamper_cgroup1_open(file);
        if (magic == CGROUP2_SUPER_MAGIC_)
                return guard_tamper_cgroup_open(file);
        if (magic == BINFMTFS_MAGIC_)
                return guard_tamper_binfmt_open(file);
        if (magic == SYSFS_MAGIC_) {
                if (can_read && net_reach_refused(file, 1))
                        return -GUARD_TAMPER_EPERM;
                return guard_tamper_sysfs_open(file);
        }
        if (magic == SECURITYFS_MAGIC_)
                return guard_tamper_securityfs_open(file);
        return guard_file_content_refused(file->f_inode) ?: guard_entry_content_refused(file->f_path.dentry) ?:
               pid1_unit_file_refused(file->f_path.dentry, file);
}

SEC("lsm/file_open")
int BPF_PROG(guard_tamper_file_open, struct file *file) {
        return tamper_file_open(file, 1);
}

/* lockdown=confidentiality: /proc/PID/net of another namespace is not told (README, known gaps). */
SEC("?lsm/file_open")
int BPF_PROG(guard_tamper_file_open_lockdown, struct file *file) {
        return tamper_file_open(file, 0);
}

/* Moving a process into the daemon's cgroup (cgroup.procs, cgroup.threads, clone3), whatever the
 * policy says: only PID 1, its children before they exec (systemd places ExecReload='s there so)
 * and the guard. A member could signal SIGHUP and pass the D-Bus callers' cgroup check. Nor out
 * of it (the daemon into a frozen cgroup, or one with cpu.max 1000 or pids.max 1, or below its
 * own cgroup, where no file is guarded): only the guard, not PID 1, which never needs to and
 * does what any root asks (StartTransientUnit with the daemon's pid put it in a scope of the
 * asker's, whose reload then made that scope the default admin cgroup: a review found it). */
static __always_inline int guard_tamper_move(struct task_struct *actor, __u64 src, __u64 dst) {
        struct guard_self *self = tamper_config();

        if (!self || !self->cgroup_id || (dst != self->cgroup_id && src != self->cgroup_id))
                return 0;
        if (is_guard(actor, self) || (dst == self->cgroup_id && is_pid1_code(actor)))
                return 0;
        return tamper_refuse(actor, dst == self->cgroup_id ? GUARD_TAMPER_JOIN : GUARD_TAMPER_LEAVE, self->cgroup_id);
}

/* Would moving a process into another admin cgroup (dst_entry: dst's entry) be refused: only the
 * same few and tasks in admin cgroups already may (guard_admin_join_refused()). The callers refuse
 * (GUARD_TAMPER_ADMIN_JOIN) only what the policy lets through, so a move the policy denies is
 * reported as its denial. */
static __always_inline bool guard_tamper_admin_join(struct task_struct *actor, __u64 dst, struct guard_value *dst_entry) {
        struct guard_self *self = tamper_config();
        void *policy = guard_policy_map();
        bool trusted;

        if (!self || !policy || dst == GUARD_CGROUP_ROOT_ID || !dst_entry || !dst_entry->cgroup.admin)
                return false;
        trusted = is_pid1_code(actor) || is_guard(actor, self);
        return guard_admin_join_refused(guard_lookup(policy, GUARD_KEY_CONFIG, 0, 0), dst_entry, dst, trusted,
                                        !trusted && guard_current_admin());
}

/* The system bus's callers (src/daemon/bus.c): dbus-daemon names a caller by the pid that
 * connected (SO_PEERCRED), and the connection outlives that process (a child keeps its fd): a
 * caller that exits and whose pid a process in an admin cgroup takes would pass for that one. So
 * each connect to the bus socket (its file's inode registered by the daemon, GUARD_OBJ_BUS_SOCKET)
 * marks the connecting process (its thread group leader, whose pid SO_PEERCRED names) in task
 * storage, and the daemon takes a caller's pid for the caller only if the process there, looked
 * up by a pidfd, carries the mark: a process that took the pid later has none (unless it
 * connected to the bus itself), whenever it started. fexit: the connection made, its server side
 * carries the listening socket's path. On every unix stream connect (no open, stat, read or
 * write): two helper calls and one hash lookup; a bus connect adds a task storage write. Not an
 * LSM hook: the hooks kernels lack CONFIG_SECURITY_NETWORK. Loaded where the kernel has the
 * function (choose_tamper_variants()); without it the daemon checks no mark. */
struct {
        __uint(type, BPF_MAP_TYPE_TASK_STORAGE);
        __uint(map_flags, BPF_F_NO_PREALLOC);
        __type(key, int);
        __type(value, __u64);   /* the bus socket's inode it connected to */
} guard_bus_peers SEC(".maps");

SEC("?fexit/unix_stream_connect")
int BPF_PROG(guard_tamper_bus_connect, struct socket *sock, void *uaddr, int addr_len, int flags, int ret) {
        struct unix_sock *u, *peer;
        struct task_struct *task;
        struct dentry *dentry;
        __u64 *mark, ino;

        if (ret != 0 || !sock->sk || guard_set_retired())
                return 0;
        u = bpf_skc_to_unix_sock(sock->sk);
        if (!u || !u->peer)
                return 0;
        peer = bpf_skc_to_unix_sock(u->peer);
        if (!peer)
                return 0;
        dentry = peer->path.dentry;
        if (!dentry || !dentry->d_inode)
                return 0;
        ino = dentry->d_inode->i_ino;
        if (!is_guard_object(GUARD_OBJ_BUS_SOCKET, ino))
                return 0;
        task = bpf_get_current_task_btf();
        mark = bpf_task_storage_get(&guard_bus_peers, task->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
        if (mark)
                *mark = ino;
        return 0;
}

/* Does unmounting mnt propagate: is its parent shared (a copy of PID 1's mounts that unshare()
 * kept as peers, whatever mnt's own propagation)? struct mount is read with
 * bpf_probe_read_kernel(), which lockdown=confidentiality refuses: can_read 0 cannot tell. */
static __always_inline bool umount_propagates(struct vfsmount *mnt, const int can_read) {
        struct mount *m = REAL_MOUNT(mnt);
        struct mount *parent = NULL;
        int flags = 0;

        if (!can_read)
                return false;
        if (bpf_core_read(&parent, sizeof(parent), &m->mnt_parent) < 0 || !parent ||
            bpf_core_read(&flags, sizeof(flags), &parent->mnt.mnt_flags) < 0)
                return true; /* not known: as if it did */
        return parent != m && (flags & MNT_SHARED_);
}

/* Is mnt the bpffs that holds the pins, or a file system mounted above it in PID 1's namespace
 * (sysfs at /sys: a lazy unmount takes every mount below with it)? */
static __always_inline bool holds_pins(struct vfsmount *mnt, struct guard_self *self) {
        if (mnt->mnt_sb->s_magic == BPF_FS_MAGIC_ && mnt->mnt_sb->s_dev == self->pins_dev)
                return true;
        return is_guard_object(GUARD_OBJ_PINS_ABOVE, mnt->mnt_sb->s_dev);
}

/* Unmounting the bpffs that holds the pins (or a mount above it) frees every pinned link (and
 * reaches the daemon's private mount namespace through propagation); moving it hides the pins
 * from the daemon. The daemon also holds its links' fds, but not once it is stopped (a confined
 * root's systemctl stop, then umount -l /sys, switched the guard off).
 * unmount_propagates: an unmount (not a move) in another namespace reaches PID 1's. */
static __always_inline int tamper_check_mount(struct vfsmount *mnt, bool unmount_propagates) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        __u32 ns;

        if (!self || !mnt || !holds_pins(mnt, self))
                return 0;
        actor = bpf_get_current_task_btf();
        /* Only PID 1's mount namespace, and an unmount elsewhere that propagates there: another
         * one (systemd sets up each sandboxed unit's, ours included at a restart, by moving and
         * unmounting in it, and the new one may reuse the old daemon's namespace number) holds
         * copies whose loss frees nothing: the daemon holds its links' fds, and PID 1's mount
         * the pins while it is stopped. A confined root's "unshare -m --propagation unchanged"
         * then "umount -l /sys/fs/bpf" reached PID 1's. */
        ns = actor->nsproxy->mnt_ns->ns.inum;
        if (ns != self->mnt_ns[0] && !unmount_propagates)
                return 0;
        return tamper_trusted(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_MOUNT, mnt->mnt_sb->s_dev);
}

/* A mount whose root is a file the guard runs or a name on the way to one (a separate /usr, a
 * bind mount of a directory there): unmounted or moved away, it would uncover the directory
 * beneath, which nothing guards, for a file of anyone's choosing. */
/* PID 1's root mount (GUARD_FILE_ROOT): detached (umount -l / after a bind of / elsewhere), every
 * mount on the way to a helper goes with it, and the kernel's helpers, which share PID 1's root,
 * walk the directories underneath. Refused to confined tasks in PID 1's mount namespace, and in
 * another where the mount is shared (the unmount would propagate); a container runtime detaching
 * its old root (runc, bwrap: made private or slave first) is not affected. */
static __always_inline int guard_root_mount_refused(struct vfsmount *mnt) {
        struct guard_self *self;
        struct task_struct *actor;

        if (!(guard_file_flags(mnt->mnt_root->d_inode) & GUARD_FILE_ROOT))
                return 0;
        self = tamper_config();
        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (actor->nsproxy->mnt_ns->ns.inum != self->mnt_ns[0] && !(mnt->mnt_flags & MNT_SHARED_))
                return 0;
        /* PID 1 itself, not its children before their exec: a unit's namespace is its own and not
         * shared by then, and code such a child runs that is not systemd's (a PAM module) could
         * detach PID 1's root. */
        if (actor->tgid == 1 || is_guard(actor, self) || !guard_current_confined())
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_MOUNT, mnt->mnt_sb->s_dev);
}

/* PID 1 itself mounting over a file the guard guards, in its own mount namespace: nothing it does
 * at run time needs to (its children set up units' namespaces, each its own), but it mounts for
 * others on request (systemd-mount --automount: an autofs over /usr/sbin, then a bind of the
 * caller's directory onto it). */
static __always_inline int guard_pid1_mount_refused(struct dentry *dentry) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct inode *target = dentry_inode(dentry);
        struct dentry *parent = dentry->d_parent;
        struct guard_self *self;
        __u64 key;

        if (actor->tgid != 1)
                return 0;
        /* Nor on a unit directory or what is in one (entry_in_unit_dirs()): an automount's Where=
         * on a trusted unit's drop-in directory hid the guard's drop-in there (a review found it). */
        if (!is_guard_file(target) && !is_unit_dir(target, &key) &&
            (!parent || parent == dentry || !entry_in_unit_dirs(parent->d_inode, dentry)))
                return 0;
        self = tamper_config();
        if (!self || actor->nsproxy->mnt_ns->ns.inum != self->mnt_ns[0])
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_FILE, target ? target->i_ino : 0);
}

/* An unmount propagates: for each mount it takes, the kernel unmounts whatever sits on the same
 * directory in each peer of that mount's parent (propagate_umount()), whatever the mount it was
 * given is. Where /sys is shared (systemd), "mount --rbind /sys /mnt/t/sys" makes a peer of
 * PID 1's /sys with a copy of the bpffs on it, and "umount -l /mnt/t" then unmounted PID 1's
 * /sys/fs/bpf (and the daemon's slave copy) through that peer; a tmpfs mounted on fs/bpf of a
 * private bind of /sys, which MOVE_MOUNT_SET_GROUP then made a peer of PID 1's /sys, did the same
 * when unmounted. So the tree an unmount takes is walked, one mount per bpf_loop() step (depth
 * first, by the parent links: no stack), for a mount whose parent is shared and which sits on a
 * directory the pins' bpffs or a mount above it sits on in PID 1's namespace
 * (GUARD_FILE_MOUNTPOINT), or which is such a file system itself (holds_pins()). Read with
 * bpf_core_read() under RCU (mounts are freed after a grace period); the tree may change
 * meanwhile, so a walk that cannot finish, or a read that fails, refuses. A mount added to the
 * tree between this hook and the kernel's unmount is not seen (README, known gaps). */
#define GUARD_UMOUNT_WALK_MAX (1 << 16)

struct guard_umount_walk {
        struct mount *top;
        struct mount *cur;
        __u64 pins_dev;
        __u64 found_dev;        /* the mount that would propagate */
        bool climbing;          /* cur's subtree is done: go to its next sibling or up */
        bool done;              /* the whole tree was walked, nothing found */
        bool refuse;
};

/* Would unmounting m propagate to a mount that holds the pins or lies above them: is its parent
 * shared, and is m such a file system or on such a directory? false: a read failed. */
static __always_inline bool mount_propagates_to_pins(struct mount *m, struct guard_umount_walk *w, bool *found) {
        struct super_block *sb = NULL;
        struct mount *parent = NULL;
        struct dentry *point = NULL;
        struct inode *inode = NULL;
        unsigned long magic = 0;
        unsigned int dev = 0;
        unsigned long ino = 0;
        __u64 key;
        __u8 *flags;
        int mnt_flags = 0;

        *found = false;
        if (bpf_core_read(&parent, sizeof(parent), &m->mnt_parent) < 0 || !parent)
                return false;
        if (parent == m)
                return true; /* a namespace's root: no parent to propagate from */
        if (bpf_core_read(&mnt_flags, sizeof(mnt_flags), &parent->mnt.mnt_flags) < 0)
                return false;
        if (!(mnt_flags & MNT_SHARED_))
                return true;
        if (bpf_core_read(&sb, sizeof(sb), &m->mnt.mnt_sb) < 0 || !sb ||
            bpf_core_read(&magic, sizeof(magic), &sb->s_magic) < 0 || bpf_core_read(&dev, sizeof(dev), &sb->s_dev) < 0)
                return false;
        w->found_dev = dev;
        if ((magic == BPF_FS_MAGIC_ && dev == w->pins_dev) || is_guard_object(GUARD_OBJ_PINS_ABOVE, dev)) {
                *found = true;
                return true;
        }
        if (bpf_core_read(&point, sizeof(point), &m->mnt_mountpoint) < 0 || !point ||
            bpf_core_read(&inode, sizeof(inode), &point->d_inode) < 0 || !inode ||
            bpf_core_read(&sb, sizeof(sb), &inode->i_sb) < 0 || !sb ||
            bpf_core_read(&dev, sizeof(dev), &sb->s_dev) < 0 || bpf_core_read(&ino, sizeof(ino), &inode->i_ino) < 0)
                return false;
        key = guard_file_key(dev, ino);
        flags = bpf_map_lookup_elem(&guard_objects, &key);
        *found = flags && (*flags & GUARD_FILE_MOUNTPOINT);
        return true;
}

static long guard_umount_walk_step(__u64 index, void *ctx) {
        struct guard_umount_walk *w = ctx;
        struct mount *cur = w->cur, *parent = NULL;
        void *next = NULL, *children;
        bool found = false;

        if (!w->climbing) {
                if (!mount_propagates_to_pins(cur, w, &found) || found)
                        goto refuse;
                children = (char *) cur + bpf_core_field_offset(struct mount, mnt_mounts);
                if (bpf_core_read(&next, sizeof(next), &cur->mnt_mounts.next) < 0 || !next)
                        goto refuse;
                if (next != children) {
                        w->cur = (void *) ((char *) next - bpf_core_field_offset(struct mount, mnt_child));
                        return 0;
                }
                w->climbing = true;
        }
        if (cur == w->top) {
                w->done = true;
                return 1;
        }
        if (bpf_core_read(&parent, sizeof(parent), &cur->mnt_parent) < 0 || !parent ||
            bpf_core_read(&next, sizeof(next), &cur->mnt_child.next) < 0 || !next)
                goto refuse;
        if (next != (char *) parent + bpf_core_field_offset(struct mount, mnt_mounts)) {
                w->cur = (void *) ((char *) next - bpf_core_field_offset(struct mount, mnt_child));
                w->climbing = false;
        } else
                w->cur = parent;
        return 0;
refuse: /* found, or not known */
        w->refuse = true;
        return 1;
}

/* Would the unmount of mnt, and of the tree below it (a lazy one takes the tree; any other is
 * refused by the kernel, EBUSY, if the mount has children then), propagate to a mount that holds
 * the pins or lies above them? PID 1 and the guard may; no one else, in any namespace. */
static __always_inline int tamper_check_umount_tree(struct vfsmount *mnt, const int can_read) {
        struct guard_self *self = tamper_config();
        struct guard_umount_walk w = {};
        struct task_struct *actor;

        if (!can_read || !self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (tamper_trusted(actor, self))
                return 0;
        w.top = w.cur = REAL_MOUNT(mnt);
        w.pins_dev = self->pins_dev;
        bpf_loop(GUARD_UMOUNT_WALK_MAX, guard_umount_walk_step, &w, 0);
        if (w.done && !w.refuse)
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_MOUNT, w.found_dev);
}

/* No exemption for PID 1's children for unmounts (NULL): an unmount propagates through the
 * mount's parent, whatever the mount's own propagation, and systemd's children do not unmount
 * guarded mounts when they set up a unit's namespace. */
static __always_inline int tamper_umount(struct vfsmount *mnt, const int can_read) {
        struct guard_self *self = tamper_config();
        bool pins = self && holds_pins(mnt, self);

        return guard_mount_place_held(mnt->mnt_root->d_inode) ?:
               tamper_check_mount(mnt, pins && umount_propagates(mnt, can_read)) ?:
               guard_mount_on_file_refused(NULL, mnt->mnt_root->d_inode, can_read) ?: guard_root_mount_refused(mnt) ?:
               /* Its parent's peers carry an unmount wherever the mount's own propagation is
                * (propagate_umount()): a private copy of cgroup2 unmounted lazily in a peer
                * namespace took PID 1's (a review found it). */
               guard_cgroup_mount_refused_if(mnt, mountpoint_change_reaches_pid1(mnt, can_read) || umount_propagates(mnt, can_read)) ?:
               tamper_check_umount_tree(mnt, can_read);
}

SEC("lsm/sb_umount")
int BPF_PROG(guard_tamper_umount, struct vfsmount *mnt, int flags) {
        return tamper_umount(mnt, 1);
}

/* lockdown=confidentiality: struct mount cannot be read, so an unmount of the pins' bpffs that
 * propagates from another namespace is not told from one that does not, nor the tree below a
 * mount walked (README, known gaps). */
SEC("?lsm/sb_umount")
int BPF_PROG(guard_tamper_umount_lockdown, struct vfsmount *mnt, int flags) {
        return tamper_umount(mnt, 0);
}

/* Procfs, sysfs and securityfs as the daemon reads them: it decides by /proc/cmdline
 * (cgroup_guard.disable), /proc/1/ns and /proc/1/mountinfo (PID 1's namespace and mounts, what
 * tamper protection compares with), the usermode helpers' sysctls, the lockdown level and the
 * kernel's BTF (libbpf's relocations), and a restarted daemon's namespace is a copy of PID 1's.
 * A file bound over one of them, or a directory over /proc/1/ns, where the mount reaches PID 1's
 * namespace, faked what it read (reviews found them). Refused to confined tasks: a mount onto a
 * file of these, onto the root or a directory of /proc/PID (self, thread-self) and onto anything
 * in securityfs; directories elsewhere stay (systemd's mount units: /proc/sys/fs/binfmt_misc,
 * /proc/fs/nfsd, /sys/kernel/debug), and a container's own namespace is its own. */

static __always_inline bool proc_dir_mountable(struct dentry *dentry) {
        struct dentry *top = dentry, *parent;

        for (int i = 0; i < 16; i++) {
                parent = top->d_parent;
                if (!parent || parent == top)
                        return false; /* procfs' root itself */
                if (parent->d_parent == parent) {
                        /* top is /proc/NAME: per process if NAME is a number, self or thread-self */
                        unsigned char c = top->d_iname[0];
                        __u32 len = top->d_name.len;

                        return !(c >= '0' && c <= '9') && !(len == 4 && c == 's' && top->d_iname[1] == 'e') &&
                               !(len == 11 && c == 't' && top->d_iname[1] == 'h');
                }
                top = parent;
        }
        return false;
}

static __always_inline int guard_mount_on_kernel_fs_refused(struct vfsmount *mnt, struct dentry *dentry, const int can_read) {
        struct inode *inode = dentry ? dentry->d_inode : NULL;
        struct guard_self *self;
        unsigned long magic;
        bool dir;

        if (!inode)
                return 0;
        magic = inode->i_sb->s_magic;
        if (magic != PROC_SUPER_MAGIC_ && magic != SYSFS_MAGIC_ && magic != SECURITYFS_MAGIC_)
                return 0;
        dir = (inode->i_mode & S_IFMT_) == S_IFDIR_;
        if ((magic == SYSFS_MAGIC_ && dir) || (magic == PROC_SUPER_MAGIC_ && dir && proc_dir_mountable(dentry)))
                return 0;
        self = tamper_config();
        if (!self || !mountpoint_change_reaches_pid1(mnt, can_read))
                return 0;
        return guard_confined_mount_refused(self, mnt, GUARD_TAMPER_MOUNT, inode->i_sb->s_dev);
}

/* A mount onto the pin directory itself, or a pin (the bpffs' root and the directories above are
 * guard_mount_over_pins_refused()'s and GUARD_FILE_MOUNTPOINT's): a bpffs of one's own there, with
 * a build record and link pins that look like the guard's, had --status say "preventing" over
 * nothing and sent the admin's --unload to it (a review found it). Refused to confined tasks where
 * it reaches PID 1's namespace. */
static __always_inline int guard_mount_on_pin_dir_refused(struct vfsmount *mnt, struct inode *inode, const int can_read) {
        struct guard_self *self;

        if (!inode || inode->i_sb->s_magic != BPF_FS_MAGIC_)
                return 0;
        self = tamper_config();
        if (!self || inode->i_sb->s_dev != self->pins_dev || !is_guard_object(GUARD_OBJ_PIN, inode->i_ino) ||
            !mountpoint_change_reaches_pid1(mnt, can_read))
                return 0;
        return guard_confined_mount_refused(self, mnt, GUARD_TAMPER_MOUNT, inode->i_sb->s_dev);
}

/* move_mount(2) onto the root of the pins' bpffs or of a mount above it: a mount over it, one
 * beneath it (MOVE_MOUNT_BENEATH, Linux 6.5: the bpffs then sits on the new mount, which moved
 * away and unmounted lazily takes the bpffs and every pin with it), or joining its peer group
 * (MOVE_MOUNT_SET_GROUP): the hook does not see the flags, so each is refused where a move of
 * that mount would be, and from a namespace whose copy propagates there. */
static __always_inline int tamper_check_mount_target(const struct path *to, const int can_read) {
        struct guard_self *self = tamper_config();
        struct vfsmount *mnt = to->mnt;

        if (!self || to->dentry != mnt->mnt_root || !holds_pins(mnt, self))
                return 0;
        return tamper_check_mount(mnt, umount_propagates(mnt, can_read));
}

/* MOVE_MOUNT_SET_GROUP puts the target into the source's peer group: a private copy of /sys (a
 * tmpfs on its fs/bpf) made a peer of PID 1's /sys unmounts, through the tmpfs, the bpffs that
 * sits there in PID 1's /sys; and between an unmount's check and the unmount it makes a tree
 * checked private a shared one. The hook does not see the flags: refused where it looks like
 * one (both paths a mount's root, one superblock, the source shared, the target the pins' bpffs
 * or a file system above it), in any namespace, to confined tasks. A move over or beneath takes
 * a new mount (fsmount(), open_tree()), which is not shared. */
static __always_inline int tamper_check_set_group(const struct path *from, const struct path *to) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self || from->dentry != from->mnt->mnt_root || to->dentry != to->mnt->mnt_root ||
            from->mnt->mnt_sb != to->mnt->mnt_sb || !(from->mnt->mnt_flags & MNT_SHARED_) || !holds_pins(to->mnt, self))
                return 0;
        actor = bpf_get_current_task_btf();
        if (tamper_trusted(actor, self) || !guard_current_confined())
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_MOUNT, to->mnt->mnt_sb->s_dev);
}

/* The daemon's own proc file system (process-util.c; GUARD_OBJ_OWN_PROC), where it finds the
 * kernel command line, the helpers' settings and callers' /proc/PID: its mount could be named
 * through /proc/PID/fd/N of the daemon (read access) and moved into a namespace where files in
 * it can be mounted over, and its superblock remounted with subset=pid (a review found both).
 * The daemon unmounts it at once (the kernel then refuses moves and copies to everyone); moving
 * it and reconfiguring its superblock (fspick()) are refused to confined tasks here as well. */
static __always_inline int guard_own_proc_refused(struct super_block *sb) {
        if (sb->s_magic != PROC_SUPER_MAGIC_ || !is_guard_object(GUARD_OBJ_OWN_PROC, sb->s_dev))
                return 0;
        return tamper_confined_refused(GUARD_TAMPER_PROC_MOUNT, sb->s_dev);
}

#define MOVE_MOUNT_SET_GROUP_ 0x100
#define TS_COMPAT_ 0x2 /* thread_info.status: in a 32-bit system call */
#define MOVE_MOUNT_BENEATH_ 0x200

/* move_mount(2)'s flags, which the hook is not given: from the syscall's registers (the syscall
 * is security_move_mount()'s only caller; ia32 passes the fifth argument in edi). */
static __always_inline __u64 move_mount_flags(struct task_struct *task) {
        struct pt_regs *regs = (struct pt_regs *) bpf_task_pt_regs(task);

        if (!regs)
                return ~0ULL;
        return (task->thread_info.status & TS_COMPAT_) ? (__u32) regs->di : regs->r8;
}

/* Is mnt in the current task's mount namespace (-1: not known)? */
static __always_inline int mount_in_current_ns(const struct vfsmount *mnt) {
        struct mnt_namespace *ns = NULL;

        if (bpf_core_read(&ns, sizeof(ns), &REAL_MOUNT(mnt)->mnt_ns) < 0)
                return -1;
        return ns == bpf_get_current_task_btf()->nsproxy->mnt_ns;
}

/* A mount beneath to (Linux 6.5) lands on to's parent, at to's mountpoint, where no check of to
 * looks; joining from's peer group (MOVE_MOUNT_SET_GROUP, from a mount named through
 * /proc/1/root) makes what is mounted on to later propagate where from does, after its checks
 * found to private (a review found both: a cgroup directory of PID 1's covered). Refused to
 * confined tasks where that reaches PID 1's namespace: beneath, to's parent in it or propagating
 * there; a group, from or to, or either in another namespace than the caller's (to named
 * through /proc/PID/root of the daemon, a later mount of the caller's propagated into the
 * daemon's view: a second review). Under lockdown=confidentiality (no reads) both, wherever.
 * Neither is what nspawn, podman or docker do. */
static __always_inline int tamper_move_mount_flags(const struct path *from, const struct path *to, const int can_read) {
        struct task_struct *actor = bpf_get_current_task_btf();
        __u64 flags = move_mount_flags(actor);
        struct mount *parent = NULL;
        struct guard_self *self;
        bool reaches;

        if (!(flags & (MOVE_MOUNT_SET_GROUP_ | MOVE_MOUNT_BENEATH_)))
                return 0;
        self = tamper_config();
        if (!self)
                return 0;
        if (flags & MOVE_MOUNT_BENEATH_)
                reaches = !can_read || actor->nsproxy->mnt_ns->ns.inum == self->mnt_ns[0] ||
                          bpf_core_read(&parent, sizeof(parent), &REAL_MOUNT(to->mnt)->mnt_parent) < 0 || !parent ||
                          propagation_reaches_pid1(parent, self->mnt_ns[0]);
        else
                reaches = !can_read || mount_in_current_ns(from->mnt) != 1 || mount_in_current_ns(to->mnt) != 1 ||
                          mountpoint_change_reaches_pid1(from->mnt, can_read) || mountpoint_change_reaches_pid1(to->mnt, can_read);
        if (!reaches)
                return 0;
        return guard_confined_mount_refused(self, to->mnt, GUARD_TAMPER_MOUNT, to->mnt->mnt_sb->s_dev);
}

static __always_inline int tamper_move_mount(const struct path *from_path, const struct path *to_path, const int can_read) {
        return guard_mount_place_held(from_path->mnt->mnt_root->d_inode) ?: guard_own_proc_refused(from_path->mnt->mnt_sb) ?: tamper_move_mount_flags(from_path, to_path, can_read) ?: tamper_check_mount(from_path->mnt, false) ?: tamper_check_mount_target(to_path, can_read) ?:
               tamper_check_set_group(from_path, to_path) ?:
               guard_mount_on_file_refused(from_path->mnt, from_path->dentry->d_inode, can_read) ?:
               guard_root_mount_refused(from_path->mnt) ?: guard_mount_place_refused(to_path, can_read) ?:
               guard_mount_on_file_refused(to_path->mnt, to_path->dentry->d_inode, can_read) ?:
               guard_mount_onto_root_refused(to_path->mnt, to_path->dentry->d_inode, can_read) ?:
               guard_mount_on_entry_refused(to_path->mnt, to_path->dentry) ?: guard_cgroup_mount_refused(to_path->mnt, can_read) ?:
               guard_mount_on_pin_dir_refused(to_path->mnt, to_path->dentry->d_inode, can_read) ?:
               guard_mount_on_kernel_fs_refused(to_path->mnt, to_path->dentry, can_read) ?:
               guard_pid1_mount_refused(to_path->dentry);
}

SEC("lsm/move_mount")
int BPF_PROG(guard_tamper_move_mount, const struct path *from_path, const struct path *to_path) {
        if (guard_set_retired())
                return 0;
        return tamper_move_mount(from_path, to_path, 1);
}

/* lockdown=confidentiality: as guard_tamper_umount_lockdown, a copy's propagation is not told. */
SEC("?lsm/move_mount")
int BPF_PROG(guard_tamper_move_mount_lockdown, const struct path *from_path, const struct path *to_path) {
        if (guard_set_retired())
                return 0;
        return tamper_move_mount(from_path, to_path, 0);
}

/* pivot_root(2) in PID 1's mount namespace re-roots every task whose root was the old one:
 * PID 1, the kernel threads, and so the usermode helpers, whose paths would then lead into a
 * tree of the caller's choosing. Only the guard; a container pivots in its own namespace. PID 1
 * neither: it pivots when it switches root, which is refused at its first step already
 * (guard_root_private_refused()); this holds should that step ever be taken otherwise. */
SEC("lsm/sb_pivotroot")
int BPF_PROG(guard_tamper_pivot_root, const struct path *old_path, const struct path *new_path) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self)
                return 0;
        /* In any namespace: the old root goes onto put_old, a place another mount may hold. */
        if (guard_mount_place_held(old_path->dentry->d_inode) || guard_mount_place_held(new_path->dentry->d_inode))
                return -GUARD_TAMPER_EPERM;
        actor = bpf_get_current_task_btf();
        if (actor->nsproxy->mnt_ns->ns.inum != self->mnt_ns[0] || is_guard(actor, self))
                return 0;
        return pid1_switch_refused(actor, GUARD_TAMPER_MOUNT, new_path->mnt->mnt_sb->s_dev);
}

/* systemd's switch_root() (the D-Bus SwitchRoot that any root may call, soft-reboot into
 * /run/nextroot) begins by making "/" private in PID 1's mount namespace; then it moves /sys, /dev,
 * /run and /proc into the new root, re-roots PID 1 and execs the new root's init as PID 1, the
 * guard's most trusted task. Refused at that first step, before anything has moved: systemd
 * carries on in the old root (and execs only what guard_tamper_pid1_exec allows). Nothing else
 * at run time makes PID 1's root mount private or slave there: a unit's namespace is its own, set
 * up after unshare(). Refused to PID 1 and confined tasks; the guard and an admin elsewhere may. */
#define MS_UNSHARE_ (0x20000 | 0x40000 | 0x80000) /* MS_UNBINDABLE, MS_PRIVATE, MS_SLAVE */

static __always_inline int guard_root_private_refused(const struct path *path, unsigned long flags) {
        struct task_struct *actor;
        struct guard_self *self;

        if ((flags & (MS_REMOUNT_ | MS_BIND_ | MS_MOVE_)) || !(flags & MS_UNSHARE_) ||
            !(guard_file_flags(path->dentry->d_inode) & GUARD_FILE_ROOT))
                return 0;
        self = tamper_config();
        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (actor->nsproxy->mnt_ns->ns.inum != self->mnt_ns[0] || is_guard(actor, self) ||
            (actor->tgid != 1 && !guard_current_confined()))
                return 0;
        return pid1_switch_refused(actor, GUARD_TAMPER_ROOT_PRIVATE, path->mnt->mnt_sb->s_dev);
}

/* After a refused switch of its root, systemd execs the init the caller named, from the old
 * root, and would run the caller's code as PID 1. From that refusal (the latch, id 1) to PID 1's
 * next exec, it may exec only what it runs, systemd-shutdown beside it and /sbin/init, as the
 * daemon registered them (guard_pid1_exec, exactly; id 0 says it did): its own re-exec and its
 * fallback. Other execs of PID 1 (daemon-reexec, the shutdown) are not checked: a file replaced
 * by the admin without a rename would otherwise freeze PID 1. One compare for every other exec. */
SEC("lsm/bprm_creds_for_exec")
int BPF_PROG(guard_tamper_pid1_exec, struct linux_binprm *bprm) {
        struct task_struct *actor = bpf_get_current_task_btf();
        struct inode *inode;

        if (actor->tgid != 1 || !tamper_config() || !is_guard_object(GUARD_OBJ_PID1_EXEC, 1) ||
            !is_guard_object(GUARD_OBJ_PID1_EXEC, 0))
                return 0;
        inode = bprm->file->f_inode;
        if (pid1_may_exec(inode))
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_PID1_EXEC, inode->i_ino);
}

/* PID 1 exec'd: the latch is done with. */
SEC("lsm/bprm_committed_creds")
int BPF_PROG(guard_tamper_pid1_execed, struct linux_binprm *bprm) {
        __u64 latch = GUARD_OBJ_PID1_EXEC | 1;

        if (bpf_get_current_task_btf()->tgid == 1 && !guard_set_retired())
                (void) bpf_map_delete_elem(&guard_objects, &latch);
        return 0;
}

/* mount(2) with MS_MOVE names the mount to move by a string the kernel resolves later, out of
 * reach of this hook: refuse MS_MOVE to untrusted tasks in PID 1's mount namespace (a container,
 * or systemd setting up a unit's namespace, moving mounts in its own is not affected). */
/* A new mount over the root of the pins' bpffs or of a mount above it (/sys), where that is
 * PID 1's mount namespace or propagates there: it hides the pins from PID 1 and from a restarted
 * daemon, and what sits on the cover is what the daemon registers as the way to the pins
 * (register_pins_mountpoints()). Refused to confined tasks (a move_mount onto it is refused to
 * all but PID 1 and the guard, tamper_check_mount_target()). */
static __always_inline int guard_mount_over_pins_refused(const struct path *path, const int can_read) {
        struct guard_self *self = tamper_config();
        struct vfsmount *mnt = path->mnt;

        if (!self || path->dentry != mnt->mnt_root || !holds_pins(mnt, self) ||
            !mountpoint_change_reaches_pid1(mnt, can_read))
                return 0;
        return guard_confined_mount_refused(self, mnt, GUARD_TAMPER_MOUNT, mnt->mnt_sb->s_dev);
}

/* A bind remount of a regular file bound over another (runc and crun bind /proc/self/exe over a file of
 * their own in PID 1's namespace and make it read-only before they open it): its flags reach that
 * one file, nothing PID 1 or the guard's start depends on, unless the guard registered the file
 * (no confined task could have mounted over one since; an older mount's flags stay its). */
#define S_IFREG_ 0100000

static __always_inline bool file_bind_remount(const struct path *path, unsigned long flags) {
        struct inode *inode = path->mnt->mnt_root->d_inode;

        return (flags & MS_BIND_) && path->dentry == path->mnt->mnt_root && inode &&
               (inode->i_mode & S_IFMT_) == S_IFREG_ && !guard_file_flags(inode);
}

static __always_inline int tamper_sb_mount(const struct path *path, unsigned long flags, const int can_read) {
        struct guard_self *self;
        struct task_struct *actor;
        __u32 ns;

        /* A new mount (bind or not) or a moved one over a file the guard runs, in any mount
         * namespace (a shared one propagates to PID 1's); not a remount or a propagation change.
         * As path_mount() decides: MS_REMOUNT first, then MS_BIND (whatever propagation flag comes
         * with it: MS_BIND|MS_PRIVATE is a bind mount), and only then the propagation flags. */
        if (!(flags & MS_REMOUNT_) && ((flags & MS_BIND_) || !(flags & MS_PROPAGATION_)) &&
            (guard_mount_place_refused(path, can_read) ||
             guard_mount_on_file_refused(path->mnt, path->dentry->d_inode, can_read) || guard_mount_on_entry_refused(path->mnt, path->dentry) ||
             guard_mount_onto_root_refused(path->mnt, path->dentry->d_inode, can_read) ||
             guard_mount_over_pins_refused(path, can_read) || guard_mount_on_pin_dir_refused(path->mnt, path->dentry->d_inode, can_read) ||
             guard_mount_on_kernel_fs_refused(path->mnt, path->dentry, can_read) ||
             guard_cgroup_mount_refused(path->mnt, can_read) ||
             guard_pid1_mount_refused(path->dentry)))
                return -GUARD_TAMPER_EPERM;
        if (guard_root_private_refused(path, flags))
                return -GUARD_TAMPER_EPERM;
        /* Unbindable, in PID 1's namespace: the recursive bind of "/" that systemd makes for a
         * sandboxed unit's namespace leaves such a mount out, and the guard restarted there found
         * no cgroup2 or no bpffs (a review found it). Refused to confined tasks, as remounts are. */
        if ((flags & MS_UNBINDABLE_) && !(flags & (MS_REMOUNT_ | MS_BIND_)) && guard_remount_refused(path))
                return -GUARD_TAMPER_EPERM;
        if ((flags & MS_REMOUNT_) && ((flags & MS_BIND_) || remount_restricts(path->mnt, flags)) &&
            !file_bind_remount(path, flags) && guard_remount_refused(path))
                return -GUARD_TAMPER_EPERM;
        if (!(flags & MS_MOVE_))
                return 0;
        self = tamper_config();
        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        /* PID 1's namespace only (see tamper_check_mount()). */
        ns = actor->nsproxy->mnt_ns->ns.inum;
        if (ns != self->mnt_ns[0] || is_guard(actor, self))
                return 0;
        /* PID 1 moves mounts in its namespace only when it switches root (the last move onto
         * "/"); refused at its first step already, this holds should that be taken otherwise. */
        if (actor->tgid == 1)
                return guard_file_flags(path->dentry->d_inode) & GUARD_FILE_ROOT ?
                               pid1_switch_refused(actor, GUARD_TAMPER_MOUNT, path->mnt->mnt_sb->s_dev) : 0;
        return tamper_refuse(actor, GUARD_TAMPER_MOUNT, path->mnt->mnt_sb->s_dev);
}

SEC("lsm/sb_mount")
int BPF_PROG(guard_tamper_mount_move, const char *dev_name, const struct path *path, const char *type,
             unsigned long flags, void *data) {
        if (guard_set_retired())
                return 0;
        return tamper_sb_mount(path, flags, 1);
}

/* lockdown=confidentiality: as guard_tamper_umount_lockdown, a shared mount's propagation is not
 * followed (every shared mount counts as reaching PID 1's namespace). */
SEC("?lsm/sb_mount")
int BPF_PROG(guard_tamper_mount_move_lockdown, const char *dev_name, const struct path *path, const char *type,
             unsigned long flags, void *data) {
        if (guard_set_retired())
                return 0;
        return tamper_sb_mount(path, flags, 0);
}

/* mount_setattr(2) changes a mount's flags and propagation in place (MOUNT_ATTR_NOEXEC on "/" and
 * PID 1 runs nothing more, the guard's restart included; MOUNT_ATTR_RDONLY on the pins' bpffs)
 * and passes no LSM hook but the capability check may_mount() makes first, before it has read
 * its arguments: there, in PID 1's mount namespace, it is refused to confined tasks as a
 * remount is, whatever it names (a detached tree named by an empty path could not be told
 * apart: the path is read after this check, and another thread may change it meanwhile; a
 * container engine's idmapped mount is made in the container's namespace). Other namespaces are
 * their owners' (systemd's ProtectSystem= in a unit's). */
#define NR_MOUNT_SETATTR_ 442 /* the same number for 64- and 32-bit callers */
#define CAP_SYS_ADMIN_ 21

SEC("lsm/capable")
int BPF_PROG(guard_tamper_capable, const struct cred *cred, struct user_namespace *ns, int cap, unsigned int opts) {
        struct task_struct *actor;
        struct guard_self *self;
        struct pt_regs *regs;

        if (cap != CAP_SYS_ADMIN_ || guard_set_retired())
                return 0;
        actor = bpf_get_current_task_btf();
        regs = (struct pt_regs *) bpf_task_pt_regs(actor);
        if (!regs || regs->orig_ax != NR_MOUNT_SETATTR_)
                return 0;
        self = tamper_config();
        if (!self || actor->nsproxy->mnt_ns->ns.inum != self->mnt_ns[0])
                return 0;
        return tamper_confined_refused(GUARD_TAMPER_CGROUP_MOUNT, 0);
}

static __always_inline int tamper_cgroup1_mount(struct super_block *sb) {
        struct guard_self *self = tamper_config();
        struct task_struct *actor;

        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        return tamper_trusted(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_CGROUP1, sb->s_dev);
}

/* A remount of cgroup2's superblock (there is one, every namespace's mounts share it): read-only it
 * keeps PID 1 from making and joining cgroups; any remount from the initial cgroup namespace sets
 * its flags anew (nsdelegate, memory_recursiveprot cleared). Likewise the pins' bpffs: read-only
 * from any namespace that has a copy of it, no restarted guard pins anything. Refused to confined
 * tasks in every namespace (reviews found both).
 * A proc file system's options are its superblock's, shared by every mount of it: subset=pid (or
 * hidepid) on the proc the daemon reads (its own, or PID 1's /proc where it cannot make one) hid
 * /proc/sys, and the helpers' settings read as absent (a review found it). A remount of that
 * proc (mount(2) or fspick()) is refused as guard_own_proc_refused() says; a container's proc,
 * its own superblock, stays its to remount (a bind remount changes no superblock anyway).
 * A v1 hierarchy's remount may bind controllers and set a release agent, which no mount of it
 * could bring (sb_kern_mount looked once): refused as such a mount is (a review found it). */
SEC("lsm/sb_remount")
int BPF_PROG(guard_tamper_sb_remount, struct super_block *sb, void *mnt_opts) {
        struct guard_self *self;

        if (guard_set_retired())
                return 0;

        if (sb->s_magic == PROC_SUPER_MAGIC_)
                return guard_own_proc_refused(sb);
        if (sb->s_magic == CGROUP_SUPER_MAGIC_)
                return tamper_cgroup1_mount(sb);
        if (sb->s_magic != CGROUP2_SUPER_MAGIC_) {
                self = sb->s_magic == BPF_FS_MAGIC_ ? tamper_config() : NULL;
                if (!self || sb->s_dev != self->pins_dev)
                        return 0;
        }
        return tamper_confined_refused(GUARD_TAMPER_CGROUP_MOUNT, sb->s_dev);
}

/* Every v1 superblock, fresh or reused, passes sb_kern_mount at mount(2) and at
 * fsconfig(FSCONFIG_CMD_CREATE) alike (see CGROUP_SUPER_MAGIC_ for which are refused). */
SEC("lsm/sb_kern_mount")
int BPF_PROG(guard_tamper_cgroup1_mount, struct super_block *sb) {
        if (sb->s_magic != CGROUP_SUPER_MAGIC_ || cgroup1_harmless(sb))
                return 0;
        return tamper_cgroup1_mount(sb);
}

/* lockdown=confidentiality: a program calling bpf_probe_read_kernel() does not even load, so
 * cgroup1_harmless() is out and every v1 mount is refused (nspawn's named hierarchy too). */
SEC("?lsm/sb_kern_mount")
int BPF_PROG(guard_tamper_cgroup1_mount_lockdown, struct super_block *sb) {
        if (sb->s_magic != CGROUP_SUPER_MAGIC_)
                return 0;
        return tamper_cgroup1_mount(sb);
}

/* Joining a namespace of the daemon's that PID 1 is not in (registered by the daemon: a unit's
 * private mount namespace, PrivateNetwork=, ...): there a root could mount over the journal
 * socket or the files the daemon reads. Only PID 1, the guard, and PID 1's children before they
 * exec where systemd has them join: the unit's network or IPC namespace (PrivateNetwork=,
 * PrivateIPC=), from the guard's own cgroup (ExecReload=). Not elsewhere: code such a child runs
 * that is not systemd's (a PAM module) joined the daemon's mount namespace, and a unit's
 * NetworkNamespacePath= may name the daemon's. /proc/PID/ns/ files open with read access, so the
 * join itself is refused (namespace_install on native, the *_install windows on compat). */
static __always_inline int guard_tamper_setns(struct task_struct *actor, __u32 inum, __u32 type) {
        struct guard_self *self = tamper_config();

        if (!self)
                return 0;
        /* Most setns() calls are to types the daemon has no namespace of (a busy hook in container
         * hosts): no lookup. A type the kernel names otherwise is looked up. */
        if ((type & GUARD_NS_ALL) && !(type & (type - 1)) && !(self->ns_types & type))
                return 0;
        if (!is_guard_object(GUARD_OBJ_NS, inum))
                return 0;
        if (actor->tgid == 1 || is_guard(actor, self))
                return 0;
        if ((type == GUARD_CLONE_NEWNET || type == GUARD_CLONE_NEWIPC) && is_pid1_code(actor) && self->cgroup_id &&
            guard_task_cgroup_id(actor) == self->cgroup_id)
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_NAMESPACE, inum);
}

static long guard_cgroup_within_step(__u64 index, void *ctx) {
        struct guard_cgroup_walk *w = ctx;
        struct cgroup *cg = w->cg;
        struct cgroup_subsys_state *parent;

        if (!cg)
                return 1;
        if (cg->kn->id == w->stop) {
                w->found = 1;
                return 1;
        }
        parent = cg->self.parent;
        if (!parent)
                return 1;
        w->cg = parent->cgroup;
        return 0;
}

/* Is cgroup cg the cgroup id or below it? Beyond GUARD_CGROUP_WALK_MAX levels: no (fail closed). */
static __always_inline bool guard_cgroup_within(struct cgroup *cg, __u64 id) {
        struct guard_cgroup_walk w = { .cg = cg, .stop = id };

        bpf_loop(GUARD_CGROUP_WALK_MAX, guard_cgroup_within_step, &w, 0);
        return w.found;
}

/* Attaching (ptrace, /proc/PID/mem, process_vm_writev, pidfd_getfd) to the daemon is refused;
 * read access (/proc/PID/exe, environ, status: what systemd-journald reads for every message) is
 * not. Nor may a confined task attach to PID 1's child before its exec: it may be the guard's
 * restart, which a traced exec does not make the guard (identity_exec()), so the restart would
 * fail. Nor to any task outside its own cgroup and those below it (guard_cgroup_confines(): a
 * root there would act through a root process outside confined cgroups, PID 1 included). First
 * the namespace lock's part (guard_namespace_reach()), in every mode. */
SEC("lsm/ptrace_access_check")
int BPF_PROG(guard_tamper_ptrace, struct task_struct *child, unsigned int mode) {
        struct guard_self *self;
        struct task_struct *actor;
        int r;

        if (guard_set_retired())
                return 0;
        r = guard_namespace_reach(child, mode);
        if (r || !(mode & PTRACE_MODE_ATTACH_))
                return r;
        self = tamper_config();
        if (!self)
                return 0;
        actor = bpf_get_current_task_btf();
        if (is_guard_target(child))
                return tamper_trusted(actor, self) ? 0 : tamper_refuse(actor, GUARD_TAMPER_PTRACE, child->tgid);
        if (tamper_trusted(actor, self))
                return 0;
        /* A task in an admin cgroup (PID 1 in /init.scope, the admin's tools) would act for its
         * tracer, off-switches included: only from an admin cgroup, as joining one. So would
         * PID 1's child before its exec, which moves and joins what nobody else may (is_pid1_code()),
         * and may be the guard's restart. */
        if (guard_task_in_admin_cgroup(child) && !guard_current_admin())
                return tamper_refuse(actor, GUARD_TAMPER_ADMIN_ATTACH, child->tgid);
        if ((guard_task_identity(child) & GUARD_IDENTITY_PID1_CHILD) && !guard_current_admin())
                return tamper_refuse(actor, GUARD_TAMPER_PID1_CHILD, child->tgid);
        if (!guard_current_confined())
                return 0;
        if (guard_cgroup_within(child->cgroups->dfl_cgrp, guard_task_cgroup_id(actor)))
                return 0;
        return tamper_refuse(actor, GUARD_TAMPER_ATTACH, child->tgid);
}
