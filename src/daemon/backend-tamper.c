/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Tamper protection's userspace half (the kernel's is bpf/guard-tamper.bpf.h): the guard's self
 * record and identity mark, every object of the guard registered in guard_objects before it can
 * be reached, and registered again (what is gone dropped) after each change. */
#include <bpf/bpf.h>
#include <linux/magic.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/statfs.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "backend-internal.h"
#include "bpf-backend.h"
#include "cgroupfs.h"
#include "guard-files.h"
#include "journal-send.h"
#include "policy-image.h" /* guard-decide.h */
#include "log.h"
#include "macro.h"
#include "process-util.h"

/* One object of the guard, registered for the tamper programs at once (no-op without them). */
void register_object(Backend *b, uint64_t kind, uint64_t id) {
        uint64_t key = kind | id;
        uint8_t one = 1;

        if (b->objects_fd >= 0 && id)
                (void) bpf_map_update_elem(b->objects_fd, &key, &one, BPF_ANY);
}

/* The lockdown level, read beneath a verified securityfs without crossing a mount: a file bound
 * over it (a confined root's "[confidentiality]", a review found it) would choose the lockdown
 * variants at the next load. Unverifiable: not confidentiality (the full variants, which such a
 * kernel refuses at load: a failed start, never weaker programs). */
static bool kernel_lockdown_confidentiality(void) {
        _cleanup_(closep) int dir = open("/sys/kernel/security", O_RDONLY | O_DIRECTORY | O_CLOEXEC), fd = -EBADF;
        _cleanup_(fclosep) FILE *f = NULL;
        struct statfs sfs;
        char line[128];

        if (dir < 0)
                return false; /* no securityfs: no lockdown to read */
        if (fstatfs(dir, &sfs) < 0 || (unsigned long) sfs.f_type != SECURITYFS_MAGIC ||
            (fd = open_beneath_same_mount(dir, "lockdown", O_RDONLY)) < 0) {
                if (fd != -ENOENT)
                        log_warning("/sys/kernel/security/lockdown is not securityfs's own (something mounted over it?): "
                                    "taken as no lockdown.");
                return false;
        }
        f = fdopen(fd, "re");
        if (!f)
                return false;
        fd = -EBADF;
        return fgets(line, sizeof(line), f) && strstr(line, "[confidentiality]");
}

/* Does the inode_setattr hook take a struct mnt_idmap * first (newer kernels), or only the
 * dentry and the iattr (6.1)? Its BPF attach point says. */
static bool setattr_takes_idmap(const struct btf *vmlinux) {
        const struct btf_type *fn, *proto;
        int id;

        if (!vmlinux)
                return false;
        id = btf__find_by_name_kind(vmlinux, "bpf_lsm_inode_setattr", BTF_KIND_FUNC);
        fn = id > 0 ? btf__type_by_id(vmlinux, id) : NULL;
        proto = fn ? btf__type_by_id(vmlinux, fn->type) : NULL;
        return proto && btf_vlen(proto) == 3;
}

/* lockdown=confidentiality refuses bpf_probe_read_kernel(), which the link-fd check needs:
 * load the variants that guard the pins instead (bpf/guard-tamper.bpf.h); the same for the
 * other programs that read the kernel's memory. */
void choose_tamper_variants(Backend *b, const struct btf *vmlinux) {
        static const struct {
                const char *name;
                bool under_lockdown;
        } variants[] = {
                { GUARD_PROG(guard_tamper_bpf), false },
                { GUARD_PROG(guard_tamper_bpf_lockdown), true },
                { GUARD_PROG(guard_tamper_pin_open), true },
                { GUARD_PROG(guard_cgroup_mkdir), false },
                { GUARD_PROG(guard_cgroup_mkdir_lockdown), true },
                { GUARD_PROG(guard_identity_exec), false },
                { GUARD_PROG(guard_identity_exec_lockdown), true },
                { GUARD_PROG(guard_tamper_unit_mkdir), false },
                { GUARD_PROG(guard_tamper_cgroup1_mount), false },
                { GUARD_PROG(guard_tamper_cgroup1_mount_lockdown), true },
                /* An unmount of the pins' bpffs that propagates to PID 1's namespace. */
                { GUARD_PROG(guard_tamper_umount), false },
                { GUARD_PROG(guard_tamper_umount_lockdown), true },
                { GUARD_PROG(guard_tamper_move_mount), false },
                { GUARD_PROG(guard_tamper_move_mount_lockdown), true },
                /* A mount whose propagation reaches PID 1's namespace (propagation_reaches_pid1()). */
                { GUARD_PROG(guard_tamper_mount_move), false },
                { GUARD_PROG(guard_tamper_mount_move_lockdown), true },
                /* Another network namespace's /proc/PID/net, for the namespace lock. */
                { GUARD_PROG(guard_tamper_file_open), false },
                { GUARD_PROG(guard_tamper_file_open_lockdown), true },
                /* The target of a link PID 1 makes in a unit directory (pid1_unit_dir_entry_refused()). */
                { GUARD_PROG(guard_tamper_inode_symlink), false },
                { GUARD_PROG(guard_tamper_inode_symlink_lockdown), true },
                /* Names too long to be inline (trusted_unit_name(), unit_dependency_dir()). */
                { GUARD_PROG(guard_tamper_inode_create), false },
                { GUARD_PROG(guard_tamper_inode_create_lockdown), true },
                { GUARD_PROG(guard_tamper_inode_mkdir), false },
                { GUARD_PROG(guard_tamper_inode_mkdir_lockdown), true },
                /* A process whose leader exited: its threads are read, or it is judged as
                 * unclassified (guard_moved_threads_source()). */
                { GUARD_PROG(native_cgroup_attach), false },
                { GUARD_PROG(native_cgroup_attach_lockdown), true },
                { GUARD_PROG(compat_procs_write_start), false },
                { GUARD_PROG(compat_procs_write_start_lockdown), true },
        };

        bool idmap = setattr_takes_idmap(vmlinux);
        struct bpf_program *prog;

        b->lockdown = kernel_lockdown_confidentiality();
        for (size_t i = 0; i < ELEMENTSOF(variants); i++) {
                prog = bpf_object__find_program_by_name(b->obj, variants[i].name);
                if (prog)
                        bpf_program__set_autoload(prog, variants[i].under_lockdown == b->lockdown);
        }
        /* Truncation of the files the guard runs: the program for this kernel's inode_setattr. */
        prog = bpf_object__find_program_by_name(b->obj, GUARD_PROG(guard_tamper_truncate));
        if (prog)
                bpf_program__set_autoload(prog, vmlinux && !idmap);
        prog = bpf_object__find_program_by_name(b->obj, GUARD_PROG(guard_tamper_truncate_idmap));
        if (prog)
                bpf_program__set_autoload(prog, vmlinux && idmap);
        /* POSIX ACLs have hooks of their own since 6.2 (an xattr before). */
        for (size_t i = 0; i < 2; i++) {
                prog = bpf_object__find_program_by_name(b->obj, i == 0 ? GUARD_PROG(guard_tamper_set_acl) :
                                                                           GUARD_PROG(guard_tamper_remove_acl));
                if (prog)
                        bpf_program__set_autoload(prog, vmlinux && btf__find_by_name_kind(vmlinux,
                                                                 i == 0 ? "bpf_lsm_inode_set_acl" : "bpf_lsm_inode_remove_acl",
                                                                 BTF_KIND_FUNC) >= 0);
        }
        /* 32-bit ioctl()s have a hook of their own since 6.8. */
        prog = bpf_object__find_program_by_name(b->obj, GUARD_PROG(guard_tamper_file_ioctl_compat));
        if (prog)
                bpf_program__set_autoload(prog, vmlinux && btf__find_by_name_kind(vmlinux, "bpf_lsm_file_ioctl_compat",
                                                                                  BTF_KIND_FUNC) >= 0);
        /* Who connected to the bus when: where unix_stream_connect() can be traced. */
        prog = bpf_object__find_program_by_name(b->obj, GUARD_PROG(guard_tamper_bus_connect));
        if (prog)
                bpf_program__set_autoload(prog, vmlinux && btf__find_by_name_kind(vmlinux, "unix_stream_connect",
                                                                                  BTF_KIND_FUNC) >= 0);
}

/* Our namespaces, as /proc/PID/ns names them (pid and time also as our children would get them). */
static const struct {
        const char *name;
        uint32_t type; /* CLONE_NEW*, as the kernel names it to namespace_install */
} own_namespaces[] = {
        { "mnt", GUARD_CLONE_NEWNS },          { "uts", GUARD_CLONE_NEWUTS },
        { "ipc", GUARD_CLONE_NEWIPC },         { "net", GUARD_CLONE_NEWNET },
        { "pid", GUARD_CLONE_NEWPID },         { "pid_for_children", GUARD_CLONE_NEWPID },
        { "user", GUARD_CLONE_NEWUSER },       { "cgroup", GUARD_CLONE_NEWCGROUP },
        { "time", GUARD_CLONE_NEWTIME },       { "time_for_children", GUARD_CLONE_NEWTIME },
};

/* Our namespace named name if PID 1 is not in it (a unit's private mount namespace,
 * PrivateNetwork=, ...), else 0: nobody but PID 1, its children before their exec and the guard
 * may join it (bpf/guard-tamper.bpf.h, guard_tamper_setns()). One PID 1 shares is the host's. */
static uint32_t private_namespace(const char *name) {
        uint32_t ours = 0, host = 0;

        if (pid_ns_inum(getpid(), name, &ours) < 0 || pid_ns_inum(1, name, &host) < 0)
                return 0;
        return ours != host ? ours : 0;
}

/* The types of our namespaces that private_namespace() registers (guard_self.ns_types). */
static uint32_t private_namespace_types(void) {
        uint32_t types = 0;

        for (size_t i = 0; i < ELEMENTSOF(own_namespaces); i++)
                if (private_namespace(own_namespaces[i].name))
                        types |= own_namespaces[i].type;
        return types;
}

#define KERNEL_KEYS_KEEP UINT32_MAX

/* Who the guard is and that it is armed, before the first program attaches (refined by
 * backend_protect(): our cgroup, "protect_self" from the policy). starting: links are opened by
 * id by nobody but us until every link is registered. */
static int write_self(Backend *b, bool enabled, bool starting, uint64_t cgroup_id, uint32_t kernel_keys) {
        struct guard_self self = { .enabled = enabled, .starting = starting, .cgroup_id = cgroup_id }, before = {};
        struct stat st;
        __u32 zero = 0;

        if (b->self_fd < 0)
                return 0;
        if (bpf_map_lookup_elem(b->self_fd, &zero, &before) < 0)
                before = (struct guard_self) {};
        /* KERNEL_KEYS_KEEP: the kernel's count goes on (a round did not count them). */
        self.kernel_keys = kernel_keys != KERNEL_KEYS_KEEP ? kernel_keys : before.kernel_keys;
        /* Only ever more: a namespace key of an earlier daemon may still be registered. */
        self.ns_types = before.ns_types | private_namespace_types();
        if (enabled) {
                char buf[32];

                if (stat(held_pin_dir(b, buf), &st) == 0)
                        self.pins_dev = kernel_dev(st.st_dev);
                char pid[16];

                /* Read beneath the verified /proc: what PID 1's namespace is, tamper protection
                 * compares every mount with (a directory bound over /proc/1/ns named another). */
                snprintf(pid, sizeof(pid), "%d", (int) getpid());
                self.mnt_ns[0] = proc_ns_inode("1", "mnt");
                self.mnt_ns[1] = proc_ns_inode(pid, "mnt");
                /* Unreadable now (the proc we read made unreadable there): what was known stays;
                 * 0 would match no namespace, and every "PID 1's namespace" check let all by. */
                for (size_t i = 0; i < ELEMENTSOF(self.mnt_ns); i++)
                        if (!self.mnt_ns[i] && before.mnt_ns[i]) {
                                log_warning("Cannot read %s mount namespace now; keeping the one read before.",
                                            i == 0 ? "PID 1's" : "our");
                                self.mnt_ns[i] = before.mnt_ns[i];
                        }
                if (stat("/proc/self/exe", &st) < 0)
                        return -errno;
                self.exe_dev = kernel_dev(st.st_dev);
                self.exe_ino = st.st_ino;
        }
        return bpf_map_update_elem(b->self_fd, &zero, &self, BPF_ANY) < 0 ? -errno : 0;
}

/* guard_self.ns_types of our namespaces added to what is there, nothing else changed. */
static int write_self_ns_types(Backend *b) {
        struct guard_self self = {};
        uint32_t types = private_namespace_types();
        __u32 zero = 0;

        if (b->self_fd < 0 || bpf_map_lookup_elem(b->self_fd, &zero, &self) < 0 || (self.ns_types & types) == types)
                return 0;
        self.ns_types |= types;
        return bpf_map_update_elem(b->self_fd, &zero, &self, BPF_ANY) < 0 ? -errno : 0;
}

/* The guard's own unit (struct guard_self_unit): the name and parent of our cgroup, which PID 1
 * makes anew at each (re)start; its exec of our binary there is the guard (bpf/guard-identity.bpf.h).
 * None in the root cgroup, or for a name too long to compare. */
static int write_self_unit(Backend *b, int cgroup_root_fd) {
        struct bpf_map *map = b->obj ? bpf_object__find_map_by_name(b->obj, GUARD_MAP(guard_self_unit)) : NULL;
        _cleanup_(closep) int fd = map ? fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3)
                                       : open_pinned_map(b->pin_dir, GUARD_MAP(guard_self_unit));
        _cleanup_(freep) char *path = NULL;
        struct guard_self_unit unit = {};
        uint64_t parent_id = 0;
        __u32 zero = 0;
        char *slash;

        if (fd < 0)
                return 0; /* no such map (observe), or pins of a build without it: no restart is the guard */
        if (cgroup_root_fd >= 0 && cgroup2_path_of_pid(getpid(), &path) >= 0 && !streq(path, "/") &&
            (slash = strrchr(path, '/')) && strlen(slash + 1) <= GUARD_UNIT_NAME_MAX - 2) {
                strcpy(unit.name, slash + 1);
                slash[slash == path] = '\0'; /* "/a/b" -> "/a", "/b" -> "/" */
                if (cgroup2_id_of_path(cgroup_root_fd, path, &parent_id) >= 0)
                        unit.parent_id = parent_id;
                else
                        unit = (struct guard_self_unit) {};
        }
        return bpf_map_update_elem(fd, &zero, &unit, BPF_ANY) < 0 ? -errno : 0;
}

/* The guard's identity is a mark on its own task (bpf/guard-identity.bpf.h), not its binary:
 * set before anything is attached (or, adopting, by a process the kernel already takes for the
 * guard: PID 1 started it, or it runs outside the cgroups the policy confines). */
int mark_self(int identity_fd) {
        struct guard_task_identity id = { .flags = GUARD_IDENTITY_SELF };
        _cleanup_(closep) int pidfd = -EBADF;

        if (identity_fd < 0)
                return 0;
        pidfd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (pidfd < 0)
                return -errno;
        return bpf_map_update_elem(identity_fd, &pidfd, &id, BPF_ANY) < 0 ? -errno : 0;
}

/* The cgroup id guard_self holds already: after a restart by PID 1, our new cgroup's, registered
 * by guard_tamper_unit_mkdir() when PID 1 made it (bpf/guard-identity.bpf.h). Kept until
 * backend_protect() writes it again: no window in which a task could be moved in. */
static uint64_t registered_cgroup_id(Backend *b) {
        struct guard_self self = {};
        __u32 zero = 0;

        return bpf_map_lookup_elem(b->self_fd, &zero, &self) == 0 ? self.cgroup_id : 0;
}

/* What backend_protect() registered this time: whatever else guard_objects holds is gone. */
typedef struct ProtectSet {
        int fd;
        uint64_t *keys;
        size_t n, allocated;
        bool incomplete;        /* out of memory: not a complete record, nothing is dropped */
        bool full;              /* some key found no room (E2BIG): registered again once the stale ones went */
} ProtectSet;

/* Records a key as registered this round (written by the caller). */
static void protect_object_noted(ProtectSet *set, uint64_t key) {
        if (set->n == set->allocated) {
                size_t allocated = set->allocated ? set->allocated * 2 : 256;
                uint64_t *keys = realloc(set->keys, allocated * sizeof(*keys));

                if (!keys) {
                        set->incomplete = true;
                        return;
                }
                set->keys = keys;
                set->allocated = allocated;
        }
        set->keys[set->n++] = key;
}

static void protect_object(ProtectSet *set, uint64_t kind, uint64_t id) {
        uint64_t key = kind | id;
        uint8_t one = 1;

        if (!id)
                return;
        if (bpf_map_update_elem(set->fd, &key, &one, BPF_ANY) < 0 && errno == E2BIG)
                set->full = true;
        protect_object_noted(set, key);
}

/* ORs flags into key's value in guard_objects (GUARD_FILE_*), and notes the key in set. */
static int add_flags(int objects_fd, uint64_t key, uint8_t flags, ProtectSet *set) {
        uint8_t value = 0;

        (void) bpf_map_lookup_elem(objects_fd, &key, &value);
        value |= flags;
        if (bpf_map_update_elem(objects_fd, &key, &value, BPF_ANY) < 0) {
                /* A full map is no incomplete record: the round drops what is stale and goes again. */
                if (errno != E2BIG || !set)
                        return -errno;
                set->full = true;
        }
        if (set)
                protect_object_noted(set, key);
        return 0;
}

/* The helpers' programs, one per line (what backend_refresh_guard_files() compares). */
static char *helpers_joined(char *const *helpers) {
        size_t len = 1;
        char *joined, *p;

        for (size_t i = 0; helpers[i]; i++)
                len += strlen(helpers[i]) + 1;
        joined = p = malloc(len);
        if (!joined)
                return NULL;
        for (size_t i = 0; helpers[i]; i++)
                p = stpcpy(stpcpy(p, helpers[i]), "\n");
        *p = '\0';
        return joined;
}

/* The programs PID 1 may exec after a refused switch of its root, as this round found them; what
 * an earlier round registered and this one did not is dropped (an old systemd an upgrade
 * replaced), or the map would fill up over the upgrades and refuse the newest. Entries the kernel
 * adds meanwhile (a rename over one of them) were not there before the round and stay. No moment
 * without a current one: only what this round did not find is deleted before it writes. */
typedef struct Pid1ExecBefore {
        struct guard_pid1_exec_key keys[GUARD_PID1_EXEC_MAX];
        size_t n;
} Pid1ExecBefore;

/* Taken before the round looks at the files: a rename the kernel follows after that stays. */
static void pid1_exec_before(int fd, Pid1ExecBefore *before) {
        struct guard_pid1_exec_key key, next;

        before->n = 0;
        for (void *k = NULL; fd >= 0 && before->n < ELEMENTSOF(before->keys) && bpf_map_get_next_key(fd, k, &next) == 0;
             k = &key) {
                key = next;
                before->keys[before->n++] = key;
        }
}

/* An entry the kernel marked (GUARD_FILE_KERNEL, GUARD_PID1_EXEC_KERNEL) may have come too late for
 * this round's look at the files: kept one round more, without the mark. */
static bool kernel_mark_kept_once(int fd, const void *key, uint8_t mark) {
        uint8_t value;

        if (bpf_map_lookup_elem(fd, key, &value) < 0 || !(value & mark))
                return false;
        value &= ~mark;
        (void) bpf_map_update_elem(fd, key, &value, BPF_EXIST);
        return true;
}

static int register_pid1_exec(int fd, const Pid1ExecBefore *b, const struct guard_pid1_exec_key *keys, size_t n) {
        const struct guard_pid1_exec_key *before = b->keys;
        size_t n_before = b->n;

        /* The stale ones first: room for this round's. */
        for (size_t i = 0; i < n_before; i++) {
                bool registered = false;

                for (size_t j = 0; j < n && !registered; j++)
                        registered = memcmp(&before[i], &keys[j], sizeof(keys[j])) == 0;
                if (!registered && !kernel_mark_kept_once(fd, &before[i], GUARD_PID1_EXEC_KERNEL))
                        (void) bpf_map_delete_elem(fd, &before[i]);
        }
        for (size_t i = 0; i < n; i++) {
                uint8_t one = 1;

                if (bpf_map_update_elem(fd, &keys[i], &one, BPF_ANY) < 0)
                        return errno == E2BIG ? 0 : -errno;
        }
        return 0;
}

/* The superblock of PID 1's mount id as the kernel numbers it (its mount table); 0: not found. */
static uint64_t pid1_mount_dev(uint64_t mnt_id) {
        _cleanup_(fclosep) FILE *f = proc_fopen("1/mountinfo");
        unsigned long long id;
        unsigned major, minor;
        char line[4096];

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "%llu %*u %u:%u", &id, &major, &minor) == 3 && id == mnt_id)
                        return ((uint64_t) major << 20) | minor;
        return 0;
}

/* The directories on the way to path in PID 1's namespace: to the pins (/sys on "/", fs and
 * fs/bpf in sysfs), and to the kernel's BTF, which the daemon's next start loads by and decides
 * its windows and variants by (kernel and kernel/btf in sysfs: a tmpfs of a confined root's there
 * with a doctored vmlinux fed the restart a kernel of its choosing; a review found it). Each as
 * the directory beneath whatever is mounted on it, as GUARD_FILE_MOUNTPOINT: an
 * unmount that propagates to the mount on one of them, from whatever mount, is refused
 * (tamper_check_umount_tree()), and so are their removal and renames (which detach the mounts on
 * them in every namespace), and mounts onto them that reach PID 1's namespace. A mount covers
 * the directory, so stat() would see its root: the inode number comes from the parent directory
 * (getdents names what is beneath), the device from PID 1's mount table (the parent's mount, as
 * the kernel numbers its superblock). Kept once registered (drop_unprotected()). */
static int register_mountpoints_on_way(Backend *b, ProtectSet *set, const char *path) {

        for (const char *slash = strchr(path + 1, '/'); ; slash = strchr(slash + 1, '/')) {
                const char *end = slash ?: path + strlen(path);
                const char *name = end;
                _cleanup_(freep) char *dir = NULL;
                _cleanup_(closedirp) DIR *d = NULL;
                struct statfs sfs;
                struct statx stx;
                struct dirent *de;
                uint64_t dev;
                int r;

                if (!slash)
                        break; /* the last: the pin directory, guarded as the pins' (protect_pin_dir());
                                * vmlinux, a sysfs file (guard_mount_on_kernel_fs_refused()) */
                while (name > path && name[-1] != '/')
                        name--;
                if (asprintf(&dir, "/proc/1/root%.*s", (int) (name - path), path) < 0)
                        return -ENOMEM;
                d = opendir(dir);
                if (!d || statx(dirfd(d), "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID) ||
                    !(dev = pid1_mount_dev(stx.stx_mnt_id)))
                        continue;
                /* Only PID 1's root and the sysfs and bpffs on the way: a cover of another file
                 * system over /sys (refused to confined tasks) would have its directories
                 * registered, never dropped, one set at each change (guard_objects filled). */
                if (name - path > 1 && (fstatfs(dirfd(d), &sfs) < 0 ||
                                           ((unsigned long) sfs.f_type != SYSFS_MAGIC && (unsigned long) sfs.f_type != BPF_FS_MAGIC)))
                        continue;
                while ((de = readdir(d)))
                        if (strlen(de->d_name) == (size_t) (end - name) && strneq(de->d_name, name, end - name)) {
                                r = add_flags(b->objects_fd, guard_file_key(dev, de->d_ino), GUARD_FILE_MOUNTPOINT, set);
                                if (r < 0)
                                        return r;
                                break;
                        }
        }
        return 0;
}

/* The files the guard runs and the usermode helpers' programs (guard-files.c): into
 * guard_objects at once, and into the round's record when backend_protect() registers (set).
 * Each key carries its kind (GUARD_OBJ_FILE). A file that cannot be listed fails the start: the
 * guard would run unguarded code next time. */
/* Which binary PID 1 runs (0: not known). */
static uint64_t pid1_exe_id(void) {
        _cleanup_(closep) int fd = proc_open("1/exe", O_PATH | O_CLOEXEC);
        struct stat st;

        return fd >= 0 && fstat(fd, &st) == 0 ? ((uint64_t) st.st_dev << 32) ^ st.st_ino : 0;
}

static int register_guard_files(Backend *b, ProtectSet *set) {
        _cleanup_(guard_files_done) GuardFiles files = {};
        /* The sockets the daemon sends to by path: journald's (at each entry), PID 1's notify
         * socket (sd_notify(): a socket of a confined root's there took READY=1 and the
         * watchdog's keep-alives, or blocked the daemon once its queue was full) and the bus's
         * (at each connect). */
        const char *notify = getenv("NOTIFY_SOCKET");
        char *helpers[USERMODE_HELPERS_MAX + 1] = {}, *extra[4] = { (char *) JOURNAL_SOCKET_PATH };
        size_t n_extra = 1;
        Pid1ExecBefore pid1_before;
        int r;

        if (b->objects_fd < 0)
                return 0;
        if (notify && notify[0] == '/')
                extra[n_extra++] = (char *) notify;
        if (b->bus_socket_path)
                extra[n_extra++] = b->bus_socket_path;
        pid1_exec_before(b->pid1_exec_fd, &pid1_before);
        /* The programs the kernel runs as usermode helpers: replaced, the kernel would run a
         * confined root's code as root in the root cgroup (at a module autoload, a crash). */
        r = usermode_helper_programs(helpers);
        if (r < 0)
                return r;
        /* Read (and so armed for the next poll) before PID 1's mounts are read. */
        if (b->pid1_mountinfo_fd < 0)
                b->pid1_mountinfo_fd = proc_open("1/mountinfo", O_RDONLY | O_NONBLOCK);
        if (b->pid1_mountinfo_fd >= 0) {
                char buf[4096];

                (void) lseek(b->pid1_mountinfo_fd, 0, SEEK_SET);
                while (read(b->pid1_mountinfo_fd, buf, sizeof(buf)) > 0)
                        ;
        }
        free(b->helpers_seen);
        b->helpers_seen = helpers_joined(helpers);
        b->pid1_exe_seen = pid1_exe_id();
        make_nspawn_runtime_dirs();
        r = guard_files_collect(extra, helpers, &files);
        usermode_helper_programs_free(helpers);
        if (r < 0)
                return r;
        /* Flags are ORed in, never written over (a refresh leaves no moment in which a sealed
         * directory is not): the sealed directories, those with reserved names, the reserved
         * names, then the names (a map short of room loses names, not seals), PID 1's root. */
        const struct {
                const uint64_t *keys;
                size_t n;
                uint8_t flags;
        } groups[] = {
                /* PID 1 makes and removes nothing in modprobe.d, pam.d, the guard's own directories
                 * or the generator directories, but would for anyone who asks (a unit's PIDFile=,
                 * RuntimeDirectory=): refused to it too (GUARD_FILE_UNIT). */
                { files.sealed, files.n_sealed, GUARD_FILE_NAME | GUARD_FILE_SEALED | GUARD_FILE_UNIT },
                { files.sealed_pid1, files.n_sealed_pid1, GUARD_FILE_NAME | GUARD_FILE_SEALED },
                /* Marks, not inodes: the unit directories, and those where PID 1 writes and removes
                 * its own files (entry_in_unit_dirs()). */
                { files.unit_dir_marks, files.n_unit_dir_marks, GUARD_FILE_NAME },
                { files.trusted_names, files.n_trusted_names, GUARD_FILE_NAME },
                { files.sealed_below, files.n_sealed_below, GUARD_FILE_NAME | GUARD_FILE_SEALED | GUARD_FILE_SEALED_BELOW },
                { files.unit_sealed, files.n_unit_sealed, GUARD_FILE_NAME | GUARD_FILE_SEALED | GUARD_FILE_UNIT },
                { files.reserving, files.n_reserving, GUARD_FILE_NAME | GUARD_FILE_RESERVES },
                { files.reserved, files.n_reserved, GUARD_FILE_RESERVES },
                { files.unit_reserved, files.n_unit_reserved, GUARD_FILE_RESERVES | GUARD_FILE_UNIT },
                { files.keys, files.n, GUARD_FILE_NAME },
                { files.unit, files.n_unit, GUARD_FILE_NAME | GUARD_FILE_UNIT },
                /* Unlinked by PID 1 as a unit's PIDFile=, the guard's next start failed. */
                { files.not_pid1, files.n_not_pid1, GUARD_FILE_NAME | GUARD_FILE_UNIT },
                { files.place_dirs, files.n_place_dirs, GUARD_FILE_RESERVES },
                { files.places, files.n_places, GUARD_FILE_RESERVES | GUARD_RESERVED_PLACE },
                /* PID 1's children make them, PID 1 removes them (pid1_dir_removed()); anything
                 * else PID 1 does there it would do for anyone who asked (a socket unit's
                 * Symlinks=/run/systemd/incoming, which systemd follows to bind the guard's
                 * propagation directory over its policy directory: a review found it). */
                { files.pid1_dirs, files.n_pid1_dirs, GUARD_FILE_RESERVES | GUARD_RESERVED_PID1_DIR | GUARD_FILE_UNIT },
                /* PID 1 makes and removes them, its generators write in them; what is in them is
                 * guarded (no GUARD_FILE_UNIT: PID 1 empties them at each daemon-reload). */
                { files.generator_names, files.n_generator_names, GUARD_FILE_RESERVES | GUARD_RESERVED_PID1_DIR },
        };
        /* Where a new inode's stale key may go (guard_tamper_inode_new): the devices keyed
         * below, first (a full map loses names, not these). */
        for (size_t i = 0; i < files.n_devices; i++) {
                r = add_flags(b->objects_fd, GUARD_OBJ_FILE_DEV | files.devices[i], 1, set);
                if (r < 0)
                        return r;
        }
        for (size_t g = 0; g < ELEMENTSOF(groups); g++)
                for (size_t i = 0; i < groups[g].n; i++) {
                        r = add_flags(b->objects_fd, groups[g].keys[i], groups[g].flags, set);
                        if (r < 0)
                                return r;
                }
        if (files.root_key) {
                r = add_flags(b->objects_fd, files.root_key, GUARD_FILE_ROOT, set);
                if (r < 0)
                        return r;
        }
        r = register_mountpoints_on_way(b, set, b->pin_dir);
        if (r >= 0)
                r = register_mountpoints_on_way(b, set, "/sys/kernel/btf/vmlinux");
        if (r < 0)
                return r;
        /* What PID 1 may exec after a refused switch of its root (guard_tamper_pid1_exec), and
         * that it was registered: until then nothing is refused to PID 1. */
        if (b->pid1_exec_fd < 0 || !files.pid1_exec_known)
                return 0;
        r = register_pid1_exec(b->pid1_exec_fd, &pid1_before, files.pid1_exec, files.n_pid1_exec);
        if (r < 0)
                return r;
        return add_flags(b->objects_fd, GUARD_OBJ_PID1_EXEC, 1, set);
}

uint32_t backend_kernel_keys(Backend *b) {
        struct guard_self self = {};
        __u32 zero = 0;

        return b->self_fd >= 0 && bpf_map_lookup_elem(b->self_fd, &zero, &self) == 0 ? self.kernel_keys : 0;
}

int backend_refresh_guard_files(Backend *b) {
        char *helpers[USERMODE_HELPERS_MAX + 1] = {};
        _cleanup_(freep) char *now = NULL;
        struct pollfd p = { .fd = b->pid1_mountinfo_fd, .events = POLLPRI };
        bool mounts_changed, pid1_reexecuted;

        if (b->objects_fd < 0 || usermode_helper_programs(helpers) < 0)
                return 0;
        now = helpers_joined(helpers);
        usermode_helper_programs_free(helpers);
        /* /proc/PID/mountinfo polls POLLPRI (and POLLERR) once that namespace's mounts changed
         * since it was last read. */
        mounts_changed = p.fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLPRI | POLLERR));
        /* PID 1 re-executed another binary (an upgrade of systemd): what it maps now is
         * registered, and what it maps no more is a round's to drop (the caller's): its inodes
         * freed, their numbers are other files'. */
        pid1_reexecuted = pid1_exe_id() != b->pid1_exe_seen;
        if (!mounts_changed && !pid1_reexecuted && now && b->helpers_seen && streq(now, b->helpers_seen))
                return 0;
        if (register_guard_files(b, NULL) < 0)
                log_warning("Registering the files the guard and the usermode helpers run again failed.");
        return pid1_reexecuted;
}

/* Self-protection comes first: every map and program of the object (each has an id, and can be
 * opened by it, from the moment it was loaded), the pin directory (no name in it can be
 * removed by others, from the first pin on) and the guard's identity are registered before
 * anything is attached; links and the generation map are registered as they are made. Called
 * again once the tamper programs are attached: whatever someone holding an fd from before wrote
 * into these two maps is written over, and from then on such writes are refused. */
int arm_self_protection(Backend *b, int template_fd) {
        struct bpf_program *prog;
        struct bpf_map *map;
        struct stat st;
        int r;

        if (b->self_fd < 0)
                return 0;
        if (bpffs_ensure_dir(b->pin_dir) >= 0 && stat(b->pin_dir, &st) == 0)
                register_object(b, GUARD_OBJ_PIN, st.st_ino);
        bpf_object__for_each_map(map, b->obj)
                if (bpf_map__fd(map) >= 0)
                        register_object(b, GUARD_OBJ_MAP, object_id(bpf_map__fd(map)));
        bpf_object__for_each_program(prog, b->obj)
                if (bpf_program__fd(prog) >= 0)
                        register_object(b, GUARD_OBJ_PROG, object_id(bpf_program__fd(prog)));
        b->template_id = object_id(template_fd);
        register_object(b, GUARD_OBJ_MAP, b->template_id);
        /* The types first: a running guard (pins reused) looks a key up only for those. */
        r = write_self_ns_types(b);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(own_namespaces); i++)
                register_object(b, GUARD_OBJ_NS, private_namespace(own_namespaces[i].name));
        /* Before the helpers' settings are read there. */
        if (proc_own_dev())
                register_object(b, GUARD_OBJ_OWN_PROC, proc_own_dev());
        r = register_guard_files(b, NULL);
        /* guard_objects full: what the guard holds is registered (first, above); files beyond
         * that stay unguarded, which is no reason to enforce nothing. A setting that could be read
         * before and cannot now (-EIO): what was registered before stays, as in backend_protect(). */
        if (r == -E2BIG)
                log_error("Too many files to guard: guard_objects is full; some files the guard or the usermode helpers "
                          "run are not guarded.");
        else if (r == -EIO)
                log_warning("Keeping the files registered before: a usermode helper's setting cannot be read now.");
        else if (r < 0)
                return r;
        map = bpf_object__find_map_by_name(b->obj, GUARD_MAP(guard_identity));
        if (map) {
                r = mark_self(bpf_map__fd(map));
                if (r < 0)
                        return r;
        }
        return write_self(b, true, true, registered_cgroup_id(b), KERNEL_KEYS_KEEP);
}

/* A program and every map it uses (maps that are not pinned included: the kernel names them). */
static void protect_program(ProtectSet *set, uint32_t prog_id) {
        _cleanup_(closep) int fd = bpf_prog_get_fd_by_id(prog_id);
        _cleanup_(freep) uint32_t *map_ids = NULL;
        uint32_t n = 0;
        int r;

        protect_object(set, GUARD_OBJ_PROG, prog_id);
        if (fd < 0)
                return;
        r = bpf_prog_map_ids(fd, &map_ids, &n);
        if (r == -ENOMEM)
                set->incomplete = true;
        for (uint32_t i = 0; r >= 0 && i < n; i++)
                protect_object(set, GUARD_OBJ_MAP, map_ids[i]);
}

static bool protect_set_has(const ProtectSet *set, uint64_t key) {
        for (size_t i = 0; i < set->n; i++)
                if (set->keys[i] == key)
                        return true;
        return false;
}

static const char *const cgroup_left_open[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };

/* A guarded cgroup directory: its files refused for writing (GUARD_OBJ_CGROUP_DIR) but the first
 * n_open of cgroup_left_open. */
static void protect_cgroup_dir(ProtectSet *set, int dir_fd, size_t n_open) {
        struct stat st;

        if (fstat(dir_fd, &st) < 0)
                return;
        protect_object(set, GUARD_OBJ_CGROUP_DIR, st.st_ino);
        for (size_t i = 0; i < n_open; i++)
                if (fstatat(dir_fd, cgroup_left_open[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
                        protect_object(set, GUARD_OBJ_CGROUP_OPEN, st.st_ino);
}

/* PID 1's own cgroup (systemd's /init.scope), whose files are guarded as the daemon's are: a
 * confined root froze PID 1 through its cgroup.freeze, or starved it (pids.max, memory.max,
 * cpu.max), and nothing restarted the guard then (a review found it). Its cgroup.procs,
 * cgroup.threads and cgroup.subtree_control stay open (moves are the policy's to decide). Not
 * in the root cgroup (a busybox guest's PID 1): the root's files are everyone's. */
static void protect_pid1_cgroup(ProtectSet *set, int cgroup_root_fd) {
        _cleanup_(freep) char *path = NULL;
        _cleanup_(closep) int dir_fd = -EBADF;

        if (cgroup2_path_of_pid(1, &path) < 0 || streq(path, "/"))
                return;
        dir_fd = cgroup2_open_at(cgroup_root_fd, path, O_RDONLY | O_DIRECTORY);
        if (dir_fd >= 0)
                protect_cgroup_dir(set, dir_fd, ELEMENTSOF(cgroup_left_open));
}

/* Our cgroup and every cgroup above it but the root, as directories: every file in them but
 * cgroup.procs and cgroup.threads (left to the migration policy; joining our own cgroup is
 * guard_tamper_move()'s) and cgroup.subtree_control (runc, containerd's shim, nspawn and systemd
 * enable controllers in every ancestor of the cgroups they create, system.slice for
 * docker-*.scope) is refused, files made later by a controller enabled again included. In the
 * root, cgroup.max.depth and cgroup.max.descendants (nobody's real business; they stop new
 * cgroups). Returns our cgroup's id, 0 in the root. */
static uint64_t protect_cgroup_files(ProtectSet *set, int cgroup_root_fd) {
        static const char *const root_guarded[] = { "cgroup.max.depth", "cgroup.max.descendants" };
        _cleanup_(freep) char *path = NULL;
        uint64_t id = 0;
        struct stat st;

        if (cgroup_root_fd < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(root_guarded); i++)
                if (fstatat(cgroup_root_fd, root_guarded[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
                        protect_object(set, GUARD_OBJ_CGROUP_FILE, st.st_ino);
        protect_pid1_cgroup(set, cgroup_root_fd);
        /* Resolved beneath the cgroup2 root without crossing a mount: a directory mounted over
         * ours (or over one above it) would register another cgroup. */
        /* A daemon in the root cgroup (run by hand, a busybox guest) has no cgroup of its own:
         * the root is everyone's, and moves into or out of it are the policy's to decide. */
        if (cgroup2_path_of_pid(getpid(), &path) < 0 || streq(path, "/") ||
            cgroup2_id_of_path(cgroup_root_fd, path, &id) < 0)
                return 0;
        for (char *slash; !streq(path, "/"); *slash = '\0') {
                _cleanup_(closep) int dir_fd = cgroup2_open_at(cgroup_root_fd, path, O_RDONLY | O_DIRECTORY);

                /* cgroup.subtree_control (the last) above the daemon only, not in its own
                 * cgroup: a controller enabled there while no process is in it (a restart)
                 * keeps PID 1 from placing the daemon in it (EBUSY). */
                if (dir_fd >= 0 && fstat(dir_fd, &st) == 0)
                        protect_cgroup_dir(set, dir_fd, st.st_ino == id ? ELEMENTSOF(cgroup_left_open) - 1
                                                                        : ELEMENTSOF(cgroup_left_open));
                slash = strrchr(path, '/');
                if (slash == path)
                        slash++;
        }
        return id;
}

/* The file systems mounted above the pin directory in PID 1's namespace (sysfs at /sys; not "/",
 * whose detachment is refused to confined tasks anyway, guard_root_mount_refused(), and left to
 * an unconfined root, who may rewrite the guard's binary too): a lazy unmount of one takes the
 * pins' bpffs with it. By PID 1's mount table, as the kernel numbers their superblocks. */
static void protect_mounts_above_pins(ProtectSet *set, const char *pin_dir) {
        _cleanup_(fclosep) FILE *f = proc_fopen("1/mountinfo");
        char line[4096], point[4096];
        unsigned major, minor;

        while (f && fgets(line, sizeof(line), f)) {
                size_t n;

                if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &major, &minor, point) != 3 || streq(point, "/"))
                        continue;
                n = strlen(point);
                if (strneq(pin_dir, point, n) && pin_dir[n] == '/')
                        protect_object(set, GUARD_OBJ_PINS_ABOVE, ((uint64_t) major << 20) | minor);
        }
}

/* Every pin in the directory and the directory itself; the links and maps behind them, and the
 * programs behind the links with every map they use. */
static void protect_pins(ProtectSet *set, const char *pin_dir) {
        _cleanup_(closedirp) DIR *d = NULL;
        struct dirent *de;
        struct stat st;

        if (stat(pin_dir, &st) == 0)
                protect_object(set, GUARD_OBJ_PIN, st.st_ino);
        d = opendir(pin_dir);
        while (d && (de = readdir(d))) {
                _cleanup_(closep) int fd = -EBADF;
                char path[4096];

                bool iterator = streq(de->d_name, CGROUP_ITER_PIN);

                if (de->d_name[0] == '.' || fstatat(dirfd(d), de->d_name, &st, 0) < 0)
                        continue;
                /* The cgroup iterator's pin stays open to the admin (cat): reading it
                 * changes nothing; its link is guarded (no BPF_LINK_UPDATE by others)
                 * and the directory keeps it from being removed or renamed. */
                if (!iterator)
                        protect_object(set, GUARD_OBJ_PIN, st.st_ino);
                snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
                fd = bpf_obj_get(path);
                if (fd < 0)
                        continue;
                if (strneq(de->d_name, "link_", 5) || iterator) {
                        struct bpf_link_info info = {};
                        __u32 len = sizeof(info);

                        if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
                                protect_object(set, GUARD_OBJ_LINK, info.id);
                                protect_program(set, info.prog_id);
                        }
                } else
                        protect_object(set, GUARD_OBJ_MAP, object_id(fd));
        }
}

/* What this daemon holds: its links, the loaded object's maps and programs (when it loaded them),
 * the inner map template, the generation in slot 0 and the one it keeps. */
static void protect_held(ProtectSet *set, Backend *b) {
        __u32 zero = 0, inner_id;

        for (unsigned i = 0; i < b->n_links; i++) {
                struct bpf_link_info info = {};
                __u32 len = sizeof(info);

                if (bpf_obj_get_info_by_fd(b->link_fds[i], &info, &len) == 0) {
                        protect_object(set, GUARD_OBJ_LINK, info.id);
                        protect_program(set, info.prog_id);
                }
        }
        if (b->obj) {
                struct bpf_program *prog;
                struct bpf_map *map;

                bpf_object__for_each_map(map, b->obj)
                        if (bpf_map__fd(map) >= 0)
                                protect_object(set, GUARD_OBJ_MAP, object_id(bpf_map__fd(map)));
                bpf_object__for_each_program(prog, b->obj)
                        if (bpf_program__fd(prog) >= 0)
                                protect_object(set, GUARD_OBJ_PROG, object_id(bpf_program__fd(prog)));
                protect_object(set, GUARD_OBJ_MAP, b->template_id);
        }
        if (bpf_map_lookup_elem(b->outer_fd, &zero, &inner_id) == 0)
                protect_object(set, GUARD_OBJ_MAP, inner_id);
        protect_object(set, GUARD_OBJ_MAP, object_id(b->inner_fd));
}

/* The keys guard_objects holds before a round registers: only those may be dropped after it. What
 * the kernel adds during the round (a file renamed over a guarded one, the name of one removed,
 * the latch of a refused switch of PID 1's root) survives until a round that sees it from the
 * start. NULL (nothing is dropped) when out of memory. */
static uint64_t *objects_before(int objects_fd, size_t *ret_n) {
        uint64_t key, next, *keys = NULL;
        size_t n = 0, allocated = 0;

        for (void *k = NULL; bpf_map_get_next_key(objects_fd, k, &next) == 0; k = &key) {
                key = next;
                if (n == allocated) {
                        allocated = allocated ? allocated * 2 : 256;
                        uint64_t *grown = realloc(keys, allocated * sizeof(*keys));
                        if (!grown) {
                                free(keys);
                                *ret_n = 0;
                                return NULL;
                        }
                        keys = grown;
                }
                keys[n++] = key;
        }
        *ret_n = n;
        return keys;
}

/* Drops from guard_objects what was there before this round and it did not register (nothing when
 * the round's record is incomplete). The latch of a refused switch of PID 1's root is the
 * kernel's: PID 1's next exec ends it, never a round. */
static uint32_t drop_unprotected(const ProtectSet *set, int objects_fd, const uint64_t *before, size_t n_before) {
        uint32_t kept = 0;

        for (size_t i = 0; !set->incomplete && i < n_before; i++) {
                uint8_t flags = 0;

                if (before[i] == (GUARD_OBJ_PID1_EXEC | 1) || protect_set_has(set, before[i]))
                        continue;
                /* A directory on the way to the pins stays (GUARD_FILE_MOUNTPOINT). */
                if ((before[i] & GUARD_OBJ_FILE) && bpf_map_lookup_elem(objects_fd, &before[i], &flags) == 0 &&
                    (flags & GUARD_FILE_MOUNTPOINT))
                        continue;
                if (kernel_mark_kept_once(objects_fd, &before[i], GUARD_FILE_KERNEL))
                        kept++;
                else
                        (void) bpf_map_delete_elem(objects_fd, &before[i]);
        }
        /* The kernel's keys kept one round more count against its share until they go. */
        return set->incomplete ? KERNEL_KEYS_KEEP : kept;
}

int backend_protect(Backend *b, bool enabled, int cgroup_root_fd) {
        uint32_t kernel_keys = KERNEL_KEYS_KEEP;
        uint64_t cgroup_id = 0;
        int r;

        if (b->self_fd < 0)
                return 0; /* this backend has no tamper protection */
        if (b->objects_fd < 0)
                return -EBADF;

        /* A second pass where the first found the map full: stale keys (a flood's, an older
         * daemon's) took the room the first pass wanted, and are gone now. */
        for (int pass = 0; enabled && pass < 2; pass++) {
                ProtectSet set = { .fd = b->objects_fd };
                _cleanup_(freep) uint64_t *before = NULL;
                size_t n_before = 0;
                bool full;

                /* Everything is registered again and only then what is gone dropped (ids of
                 * objects that are gone must not protect others): nothing is unprotected on the
                 * way, as it would be if the set were cleared first. */
                char buf[32];

                before = objects_before(b->objects_fd, &n_before);
                /* Ours, not whatever is mounted over the path now. */
                protect_pins(&set, held_pin_dir(b, buf));
                protect_mounts_above_pins(&set, b->pin_dir);
                protect_held(&set, b);
                cgroup_id = protect_cgroup_files(&set, cgroup_root_fd);
                protect_object(&set, GUARD_OBJ_PROC, getpid());
                if (proc_own_dev())
                        protect_object(&set, GUARD_OBJ_OWN_PROC, proc_own_dev());
                if (b->bus_socket_ino)
                        protect_object(&set, GUARD_OBJ_BUS_SOCKET, b->bus_socket_ino);
                for (size_t i = 0; i < ELEMENTSOF(own_namespaces); i++)
                        protect_object(&set, GUARD_OBJ_NS, private_namespace(own_namespaces[i].name));
                if (register_guard_files(b, &set) < 0)
                        set.incomplete = true; /* keep what was registered at start */
                kernel_keys = drop_unprotected(&set, b->objects_fd, before, n_before);
                full = set.full && !set.incomplete;
                free(set.keys);
                if (!full)
                        break;
                log_warning("The guard's object map was full; registering again after dropping stale entries.");
        }
        /* Armed (or not, "protect_self": false) for good; links are registered, start-up is over. */
        r = write_self(b, enabled, false, cgroup_id, kernel_keys);
        if (r >= 0)
                r = write_self_unit(b, cgroup_root_fd);
        return r;
}

void backend_set_bus_socket(Backend *b, uint64_t ino, const char *path) {
        char *copy = path ? strdup(path) : NULL;

        b->bus_socket_ino = ino;
        register_object(b, GUARD_OBJ_BUS_SOCKET, ino);
        if (path && !copy)
                return;
        free(b->bus_socket_path);
        b->bus_socket_path = copy;
        /* Its names too, as the files the guard runs: renamed away, the path could name another
         * bus (a fake one, with callers of its choosing) at the guard's next connect. */
        (void) register_guard_files(b, NULL);
}

int backend_bus_peer_connected(Backend *b, int pidfd) {
        _cleanup_(freep) char *pin = pin_path(b->pin_dir, "link_", GUARD_PROG(guard_tamper_bus_connect));
        uint64_t ino = 0;

        /* No record without the program (a kernel without unix_stream_connect() to trace). */
        if (b->bus_peers_fd < 0 || b->objects_fd < 0 || !pin || access(pin, F_OK) < 0)
                return -EOPNOTSUPP;
        /* Recording, but not the bus connected to: fail closed. */
        if (!b->bus_socket_ino)
                return -EBADF;
        if (bpf_map_lookup_elem(b->bus_peers_fd, &pidfd, &ino) < 0)
                return errno == ENOENT ? 0 : -errno;
        return ino == b->bus_socket_ino;
}

int backend_task_may_be_admin(Backend *b, int pidfd) {
        _cleanup_(closep) int fd = open_pinned_map(b->pin_dir, GUARD_MAP(guard_identity));
        struct guard_task_identity id = {};

        if (fd < 0)
                return fd == -ENOENT ? -EOPNOTSUPP : fd;
        if (bpf_map_lookup_elem(fd, &pidfd, &id) < 0)
                return errno == ENOENT ? 1 : -errno;
        return guard_identity_may_be_admin(id.flags);
}

int backend_bus_peer_forget(Backend *b, int pidfd) {
        if (b->bus_peers_fd < 0)
                return -EOPNOTSUPP;
        if (bpf_map_delete_elem(b->bus_peers_fd, &pidfd) < 0 && errno != ENOENT)
                return -errno;
        return 0;
}
