/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The pin directory: how the backend pins into it (a pin replaced by rename, the build record,
 * the directory held), and the pins as the other programs see them, with or without a running
 * daemon: --unload, --status, --stats, --metrics, the per-cgroup state, and the rule names
 * written for them. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "notify.h"
#include "backend-internal.h"
#include "bpf-backend.h"
#include "guard-event.h"
#include "hash-util.h"
#include "log.h"
#include "macro.h"
#include "policy-parse.h"
#include "process-util.h"

int bpffs_ensure_dir(const char *dir) {
        _cleanup_(freep) char *copy = strdup(dir);
        struct statfs sfs;

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, 0700) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(copy, 0700) < 0 && errno != EEXIST)
                return -errno;
        if (statfs(dir, &sfs) < 0)
                return -errno;
        /* Pins only work on bpffs; anywhere else "pinning" would silently write nothing useful. */
        if ((unsigned long) sfs.f_type != BPF_FS_MAGIC)
                return -ENOTSUP;
        return 0;
}

char *pin_path(const char *dir, const char *prefix, const char *name) {
        char *p;

        if (asprintf(&p, "%s/%s%s", dir, prefix, name) < 0)
                return NULL;
        return p;
}

/* Pins fd under a temporary name ("new_PID_..."; bpffs refuses names with a dot) and renames it
 * over the final one: whoever held the old pin (e.g. an older link) is released only once the new
 * object is in place. The temporary name is this process's: one made there by anyone else (a
 * directory: unlink() cannot remove it) must not fail the load. */
int pin_replace(int fd, const char *dir, const char *prefix, const char *name) {
        _cleanup_(freep) char *tmp = NULL, *final = pin_path(dir, prefix, name);

        if (!final || asprintf(&tmp, "%s/new_%d_%s%s", dir, (int) getpid(), prefix, name) < 0)
                return -ENOMEM;
        (void) unlink(tmp);
        if (bpf_obj_pin(fd, tmp) < 0)
                return -errno;
        if (rename(tmp, final) < 0) {
                int r = -errno;
                (void) unlink(tmp);
                return r;
        }
        return 0;
}

int read_meta(const char *dir, uint64_t meta[_META_SLOTS]) {
        _cleanup_(freep) char *path = pin_path(dir, "map_", META_MAP_NAME);
        _cleanup_(closep) int fd = -EBADF;

        if (!path)
                return -ENOMEM;
        fd = bpf_obj_get(path);
        if (fd < 0)
                return -errno;
        return read_meta_fd(fd, meta);
}

/* Older builds' records end before META_DIR_SLOT: 0 there, no directory known. */
int read_meta_fd(int fd, uint64_t meta[_META_SLOTS]) {
        /* Also a map found by id that only has the name (hidden_program_set()). */
        if (!map_layout_fits(fd, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64)))
                return -EPROTO;
        for (__u32 i = 0; i < _META_SLOTS; i++) {
                meta[i] = 0;
                if (bpf_map_lookup_elem(fd, &i, &meta[i]) < 0 && i < META_DIR_SLOT)
                        return -errno;
        }
        /* A kind no build has: a record planted with the magic (a review found its kind used as
         * an index). */
        if (meta[META_MAGIC_SLOT] != META_MAGIC || meta[META_KIND_SLOT] >= _BACKEND_MAX)
                return -EPROTO;
        return 0;
}

uint64_t pin_dir_hash(const char *dir) {
        size_t n = strlen(dir);

        while (n > 1 && dir[n - 1] == '/')
                n--;
        return fnv1a(dir, n);
}

int write_meta(Backend *b, const char *dir, BackendKind kind) {
        _cleanup_(closep) int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, META_MAP_NAME, sizeof(__u32), sizeof(__u64),
                                                  _META_SLOTS, NULL);
        uint64_t meta[_META_SLOTS] = {
                [META_MAGIC_SLOT] = META_MAGIC,
                [META_BUILD_SLOT] = backend_build_id(kind),
                [META_KIND_SLOT] = kind,
                [META_PID_SLOT] = getpid(),
                [META_DIR_SLOT] = pin_dir_hash(b->pin_dir),
        };

        if (fd < 0)
                return -errno;
        register_object(b, GUARD_OBJ_MAP, object_id(fd));
        for (__u32 i = 0; i < _META_SLOTS; i++)
                if (bpf_map_update_elem(fd, &i, &meta[i], BPF_ANY) < 0)
                        return -errno;
        return pin_replace(fd, dir, "map_", META_MAP_NAME);
}

static bool map_layout_within(int fd, uint32_t type, uint32_t key_size, uint32_t value_size, bool exact) {
        struct bpf_map_info info = {};
        __u32 len = sizeof(info);

        if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || info.type != type)
                return false;
        return exact ? info.key_size == key_size && info.value_size == value_size :
                       info.key_size <= key_size && info.value_size <= value_size;
}

bool map_layout_fits(int fd, uint32_t type, uint32_t key_size, uint32_t value_size) {
        return map_layout_within(fd, type, key_size, value_size, false);
}

bool map_layout_is(int fd, uint32_t type, uint32_t key_size, uint32_t value_size) {
        return map_layout_within(fd, type, key_size, value_size, true);
}

/* What a map pinned at each name must be before anything of it is read into a buffer of this
 * build's size (older builds' smaller layouts fit): a map planted at a name while nothing was
 * armed (a cold start), its values larger, made a lookup write past the daemon's buffer (a review
 * found it). The names the daemon reads by lookup or iteration; ring buffers are libbpf's to check. */
static const struct {
        const char *name;
        uint32_t type, key_size, value_size;
} pinned_layouts[] = {
        { "guard_policy", BPF_MAP_TYPE_ARRAY_OF_MAPS, sizeof(__u32), sizeof(__u32) },
        { "guard_hints", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct guard_hints) },
        { "guard_self", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct guard_self) },
        { "guard_self_unit", BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(struct guard_self_unit) },
        { "guard_identity", BPF_MAP_TYPE_TASK_STORAGE, sizeof(int), sizeof(struct guard_task_identity) },
        { "guard_task_locks", BPF_MAP_TYPE_TASK_STORAGE, sizeof(int), sizeof(struct guard_task_lock) },
        { "guard_sandbox_ns", BPF_MAP_TYPE_HASH, sizeof(__u32), sizeof(struct guard_sandbox_ns) },
        { "guard_bus_peers", BPF_MAP_TYPE_TASK_STORAGE, sizeof(int), sizeof(__u64) },
        { "guard_objects", BPF_MAP_TYPE_HASH, sizeof(__u64), sizeof(__u8) },
        { "guard_pid1_exec", BPF_MAP_TYPE_HASH, sizeof(struct guard_pid1_exec_key), sizeof(__u8) },
        { "guard_counters", BPF_MAP_TYPE_PERCPU_ARRAY, sizeof(__u32), sizeof(__u64) },
        { "guard_records", BPF_MAP_TYPE_HASH, sizeof(struct guard_record_key), sizeof(struct guard_record_value) },
        { "guard_rule_counts", BPF_MAP_TYPE_HASH, sizeof(struct guard_rule_count_key), sizeof(__u64) },
        { "guard_rule_names", BPF_MAP_TYPE_HASH, sizeof(__u64), sizeof(struct guard_rule_name) },
        { "guard_cgroup_counts", BPF_MAP_TYPE_HASH, sizeof(__u64), sizeof(struct guard_cgroup_counts) },
        { META_MAP_NAME, BPF_MAP_TYPE_ARRAY, sizeof(__u32), sizeof(__u64) },
};

/* -EPROTO: a map that is not what its name says. */
int open_pinned_map(const char *dir, const char *name) {
        _cleanup_(freep) char *path = pin_path(dir, "map_", name);
        _cleanup_(closep) int fd = -EBADF;

        if (!path)
                return -ENOMEM;
        fd = bpf_obj_get(path);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < ELEMENTSOF(pinned_layouts); i++)
                if (streq(pinned_layouts[i].name, name) &&
                    !map_layout_fits(fd, pinned_layouts[i].type, pinned_layouts[i].key_size, pinned_layouts[i].value_size))
                        return -EPROTO;
        return TAKE_FD(fd);
}

/* The pin directory we pinned into (or adopted), held: what its path leads to later is compared
 * with it (backend_check_links()). */
void hold_pin_dir(Backend *b) {
        _cleanup_(closep) int fd = open(b->pin_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct statfs sfs;

        closep(&b->pin_dir_fd);
        b->pin_dir_fd = -EBADF;
        if (fd >= 0 && fstatfs(fd, &sfs) == 0 && (unsigned long) sfs.f_type == BPF_FS_MAGIC)
                b->pin_dir_fd = TAKE_FD(fd);
}

/* The directory we pinned into, by a path that leads there even when something is mounted over
 * pin_dir later (the magic link of the held fd); pin_dir itself before anything is held. */
const char *held_pin_dir(const Backend *b, char buf[static 32]) {
        if (b->pin_dir_fd < 0)
                return b->pin_dir;
        snprintf(buf, 32, "/proc/self/fd/%d", b->pin_dir_fd);
        return buf;
}

/* The running daemon's pid, so that --unload can stop it first (it would load everything again
 * when it finds its pins gone). */
void record_daemon_pid(const char *dir) {
        _cleanup_(closep) int fd = open_pinned_map(dir, META_MAP_NAME);
        __u32 slot = META_PID_SLOT;
        uint64_t pid = getpid();

        if (fd >= 0)
                (void) bpf_map_update_elem(fd, &slot, &pid, BPF_ANY);
}

bool same_executable(pid_t pid) {
        struct stat a, b;
        char fn[64];

        snprintf(fn, sizeof(fn), "/proc/%d/exe", (int) pid);
        return stat(fn, &a) == 0 && stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* Still in the kernel's table? GET_NEXT_ID walks ids without taking a handle (which would keep the
 * object alive). */
static bool kernel_id_present(uint32_t id, int (*next_id)(__u32, __u32 *)) {
        __u32 next = 0;

        return id > 0 && next_id(id - 1, &next) == 0 && next == id;
}

/* Stops the daemon pid, if it runs our executable, and waits until it has exited (at most
 * UNLOAD_STOP_WAIT_MSEC). The pidfd names exactly that process from the check on (no pid reuse in
 * between) and polls readable once it has exited, zombie or reaped. */
#define UNLOAD_STOP_WAIT_MSEC 15000 /* a loaded machine (a TCG guest beside others) took over 5 s */
static void stop_daemon(pid_t pid) {
        _cleanup_(closep) int fd = (int) syscall(SYS_pidfd_open, pid, 0);
        struct pollfd p = { .fd = fd, .events = POLLIN };

        if (fd < 0 || !same_executable(pid) || syscall(SYS_pidfd_send_signal, fd, SIGTERM, NULL, 0) < 0)
                return;
        while (poll(&p, 1, UNLOAD_STOP_WAIT_MSEC) < 0 && errno == EINTR)
                ;
}

/* Enforcement ends now, not when the kernel releases the links: tamper protection off, then no
 * generation in force (every decision allows). A process that holds a link (any root could open
 * a link pin on native, where pins are not refused, and keep it) kept the guard enforcing after
 * --unload, and 6.12 releases links seconds after their pins go. In this order: who is an admin
 * is the policy's to say, so once the generation went the unloader was no admin any more, and
 * tamper protection refused it the rest. Returns 0, or -errno if either step failed. */
int backend_disarm_maps(int self_fd, int outer_fd) {
        struct bpf_map_info info = {};
        struct guard_self value = {};
        __u32 len = sizeof(info), zero = 0;

        if (self_fd >= 0 && bpf_map_lookup_elem(self_fd, &zero, &value) == 0 && (value.enabled || value.starting)) {
                value.enabled = 0;
                value.starting = 0;
                if (bpf_map_update_elem(self_fd, &zero, &value, BPF_ANY) < 0)
                        return -errno;
        }
        if (outer_fd < 0)
                return 0;
        if (bpf_obj_get_info_by_fd(outer_fd, &info, &len) < 0)
                return -errno;
        /* No more slots than a build has: a planted map's millions would hold --unload up. */
        for (__u32 slot = 0; slot < info.max_entries && slot < _GUARD_SLOT_MAX; slot++)
                if (bpf_map_delete_elem(outer_fd, &slot) < 0 && errno != ENOENT)
                        return -errno;
        return 0;
}

static int disarm_pinned(const char *pin_dir) {
        _cleanup_(closep) int self = open_pinned_map(pin_dir, GUARD_MAP(guard_self));
        _cleanup_(closep) int policy = -EBADF;

        /* Without guard_self, emptying the policy would lock us out of the rest (above). */
        if (self < 0 && self != -ENOENT)
                return self;
        policy = open_pinned_map(pin_dir, GUARD_MAP(guard_policy));
        if (policy < 0 && policy != -ENOENT)
                return policy;
        return backend_disarm_maps(self, policy);
}

int backend_unload(const char *pin_dir, unsigned *ret_removed) {
        _cleanup_(closedirp) DIR *d = NULL;
        uint64_t meta[_META_SLOTS];
        uint32_t link_ids[BACKEND_LINKS_MAX], prog_ids[BACKEND_LINKS_MAX];
        unsigned n = 0, n_ids = 0, left;
        int unlinked = 0, r;
        struct dirent *de;

        /* A daemon still running on these pins would load everything again: stop it first. */
        if (read_meta(pin_dir, meta) >= 0 && meta[META_PID_SLOT] > 1 && (pid_t) meta[META_PID_SLOT] != getpid())
                stop_daemon((pid_t) meta[META_PID_SLOT]);

        d = opendir(pin_dir);
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        r = disarm_pinned(pin_dir);
        if (r < 0)
                log_warning_errno(r, "Could not disarm the pinned programs (they enforce until the kernel releases them): %m");
        /* Which links and programs to wait for, before their pins go. */
        while ((de = readdir(d))) {
                _cleanup_(closep) int fd = -EBADF;
                struct bpf_link_info info = {};
                __u32 len = sizeof(info);
                char path[4096];

                if (!strneq(de->d_name, "link_", 5) || n_ids >= ELEMENTSOF(link_ids))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
                fd = bpf_obj_get(path);
                if (fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
                        link_ids[n_ids] = info.id;
                        prog_ids[n_ids++] = info.prog_id;
                }
        }
        rewinddir(d);
        while ((de = readdir(d))) {
                if (!strneq(de->d_name, "link_", 5) && !strneq(de->d_name, "map_", 4) &&
                    !strneq(de->d_name, "new_", 4) && !streq(de->d_name, CGROUP_ITER_PIN))
                        continue;
                /* Past one that cannot go (a directory at a pin's name): the others still go. */
                if (unlinkat(dirfd(d), de->d_name, 0) < 0) {
                        if (unlinked >= 0)
                                unlinked = -errno;
                        continue;
                }
                n++;
        }
        (void) rmdir(pin_dir);
        if (ret_removed)
                *ret_removed = n;
        if (unlinked < 0)
                return unlinked;

        /* The last reference to a pinned link goes with the bpffs inode, after an RCU grace period,
         * and the link is released from a workqueue after that: enforcement lasts a moment longer
         * than the pins. Detached means gone from the kernel: each link, and its program (which
         * the link's release puts last). Nothing can be waited on for that (no fd of them is held,
         * and the kernel notifies no one): the ids are checked every 50 ms, for
         * UNLOAD_DETACH_WAIT_SEC at most (6.12 releases later than 6.1, a loaded machine later
         * still: over 10 s in a TCG guest beside another and the sanitizer build). */
        for (int i = 0; i < UNLOAD_DETACH_WAIT_SEC * 20; i++) {
                left = 0;
                for (unsigned j = 0; j < n_ids; j++)
                        left += kernel_id_present(link_ids[j], bpf_link_get_next_id) ||
                                kernel_id_present(prog_ids[j], bpf_prog_get_next_id);
                if (left == 0)
                        return 0;
                /* From the daemon (D-Bus Unload), the wait is its event loop's: WatchdogSec= is 30 s. */
                (void) notify_send("WATCHDOG=1");
                usleep(50 * USEC_PER_MSEC);
        }
        return -EBUSY;
}

/* Is the mount fd lies on still attached (listed in our mountinfo)? A lazily unmounted one is
 * not, one something else was mounted over is. */
static bool mount_attached(int fd) {
        _cleanup_(fclosep) FILE *f = NULL;
        struct statx stx;

        if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 || !(stx.stx_mask & STATX_MNT_ID))
                return false;
        char name[32];

        snprintf(name, sizeof(name), "%d/mountinfo", (int) getpid());
        f = proc_fopen(name);
        return f && mountinfo_has_mount_id(f, stx.stx_mnt_id);
}

/* Does the pin directory's path still lead to the directory we pinned into? */
static bool pin_dir_is_ours(Backend *b) {
        struct stat held, named;

        if (b->pin_dir_fd < 0)
                return true; /* nothing held: judged by the path alone */
        return fstat(b->pin_dir_fd, &held) == 0 && stat(b->pin_dir, &named) == 0 && held.st_dev == named.st_dev &&
               held.st_ino == named.st_ino;
}

int backend_check_links(Backend *b) {
        for (unsigned i = 0; i < b->n_links; i++) {
                _cleanup_(closep) int fd = bpf_link_get_fd_by_id(b->link_ids[i]);

                if (fd < 0 && errno == ENOENT)
                        return -ENOENT;
        }
        if (pin_dir_is_ours(b))
                return backend_pins_present(b->pin_dir) ? 0 : 1;
        /* Our pins still there, in a mount still attached: something was mounted over them (a
         * bpffs over the pin directory or over /sys/fs/bpf). Not gone: pinning again at the path
         * would pin a second program set into a file system someone else chose. */
        if (faccessat(b->pin_dir_fd, "map_guard_meta", F_OK, 0) == 0 && mount_attached(b->pin_dir_fd))
                return 2;
        return 1;
}

bool backend_pins_present(const char *pin_dir) {
        _cleanup_(freep) char *path = pin_path(pin_dir, "map_", META_MAP_NAME);

        return path && access(path, F_OK) == 0;
}

int backend_read_pinned(const char *pin_dir, BackendPinned *ret) {
        _cleanup_(closep) int outer = -EBADF, inner = -EBADF, counters = -EBADF, objects = -EBADF;
        _cleanup_(closedirp) DIR *d = NULL;
        BackendPinned p = {};
        uint64_t meta[_META_SLOTS];
        struct guard_key key = { .kind = GUARD_KEY_CONFIG };
        struct guard_value value = {};
        struct dirent *de;
        __u32 zero = 0, inner_id;
        int r;

        r = read_meta(pin_dir, meta);
        if (r < 0)
                return r;
        p.kind = meta[META_KIND_SLOT];
        p.build = meta[META_BUILD_SLOT];

        d = opendir(pin_dir);
        if (!d)
                return -errno;
        while ((de = readdir(d)))
                p.n_links += strneq(de->d_name, "link_", 5);

        outer = open_pinned_map(pin_dir, GUARD_MAP(guard_policy));
        if (outer >= 0 && bpf_map_lookup_elem(outer, &zero, &inner_id) == 0) {
                inner = bpf_map_get_fd_by_id(inner_id);
                if (inner >= 0 && !map_layout_fits(inner, BPF_MAP_TYPE_HASH, sizeof(struct guard_key), sizeof(struct guard_value))) {
                        close(inner);
                        inner = -EBADF;
                }
                if (inner >= 0) {
                        struct bpf_map_info info = {};
                        __u32 len = sizeof(info);

                        if (bpf_obj_get_info_by_fd(inner, &info, &len) == 0)
                                p.map_entries_max = info.max_entries;
                        if (bpf_map_lookup_elem(inner, &key, &value) == 0) {
                                p.generation = value.config.generation;
                                p.n_rules = value.config.n_rules;
                        }
                        p.n_entries = count_entries(inner);
                }
        }
        counters = open_pinned_map(pin_dir, GUARD_MAP(guard_counters));
        if (counters >= 0)
                (void) backend_read_counters(counters, &p.counters);
        objects = open_pinned_map(pin_dir, GUARD_MAP(guard_objects));
        if (objects >= 0) {
                struct bpf_map_info info = {};
                __u32 len = sizeof(info);
                uint64_t k, next;

                if (bpf_obj_get_info_by_fd(objects, &info, &len) == 0)
                        p.guarded_max = info.max_entries;
                for (void *at = NULL; bpf_map_get_next_key(objects, at, &next) == 0; at = &k) {
                        k = next;
                        p.n_guarded++;
                }
        }
        *ret = p;
        return 0;
}

static unsigned long fdinfo_memlock(int fd) {
        _cleanup_(fclosep) FILE *f = NULL;
        char fn[64], line[256];
        unsigned long v = 0;

        snprintf(fn, sizeof(fn), "/proc/self/fdinfo/%d", fd);
        f = fopen(fn, "re");
        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "memlock: %lu", &v) == 1)
                        break;
        return v;
}

int backend_print_stats(const char *pin_dir, FILE *out) {
        _cleanup_(closep) int outer = -EBADF, inner = -EBADF;
        _cleanup_(freep) MetricsProgram *programs = NULL;
        __u32 zero = 0, inner_id;
        size_t n = 0;
        int r;

        r = backend_read_programs(pin_dir, &programs, &n);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                fprintf(out, "prog %s run_cnt %llu run_time_ns %llu\n", programs[i].name,
                        (unsigned long long) programs[i].run_count, (unsigned long long) programs[i].run_time_ns);
        outer = open_pinned_map(pin_dir, GUARD_MAP(guard_policy));
        if (outer >= 0 && bpf_map_lookup_elem(outer, &zero, &inner_id) == 0) {
                inner = bpf_map_get_fd_by_id(inner_id);
                if (inner >= 0)
                        fprintf(out, "generation_map id %u memlock %lu\n", inner_id, fdinfo_memlock(inner));
        }
        return 0;
}

_Static_assert(POLICY_FILE_NAME_MAX < GUARD_RULE_LABEL_MAX, "a policy file's name fits its rules' label");

int backend_write_rule_names(const char *pin_dir, const Policy *p) {
        _cleanup_(closep) int fd = open_pinned_map(pin_dir, GUARD_MAP(guard_rule_names));

        if (fd < 0)
                return fd;
        for (size_t i = 0; i < p->n_rules; i++) {
                const PolicyRule *rule = &p->rules[i];
                __u64 hash = policy_rule_label_hash(p, rule);
                struct guard_rule_name name = {};

                snprintf(name.policy, sizeof(name.policy), "%s", policy_rule_file(p, rule)->name ?: "");
                policy_rule_name(rule, name.rule, sizeof(name.rule));
                /* A full map keeps its names: the counts of this rule then go unnamed. */
                (void) bpf_map_update_elem(fd, &hash, &name, BPF_ANY);
        }
        return 0;
}

int backend_read_rule_counts(const char *pin_dir, MetricsRuleCount **ret, size_t *ret_n) {
        _cleanup_(closep) int counts = open_pinned_map(pin_dir, GUARD_MAP(guard_rule_counts)),
                              names = open_pinned_map(pin_dir, GUARD_MAP(guard_rule_names));
        _cleanup_(freep) MetricsRuleCount *list = NULL;
        struct guard_rule_count_key key = {}, next = {};
        size_t n = 0, allocated = 0;

        if (counts < 0)
                return counts;
        for (void *k = NULL; bpf_map_get_next_key(counts, k, &next) == 0; k = &key) {
                struct guard_rule_name name = {};
                MetricsRuleCount *c;
                __u64 value = 0;

                key = next;
                if (bpf_map_lookup_elem(counts, &key, &value) < 0)
                        continue;
                if (n == allocated) {
                        MetricsRuleCount *bigger = reallocarray(list, allocated * 2 + 16, sizeof(*list));
                        if (!bigger)
                                return -ENOMEM;
                        list = bigger;
                        allocated = allocated * 2 + 16;
                }
                c = &list[n++];
                *c = (MetricsRuleCount) { .kind = key.kind, .verdict = key.verdict, .detail = key.detail, .count = value };
                if (key.rule_hash && names >= 0 && bpf_map_lookup_elem(names, &key.rule_hash, &name) == 0) {
                        name.policy[sizeof(name.policy) - 1] = name.rule[sizeof(name.rule) - 1] = '\0';
                        snprintf(c->policy, sizeof(c->policy), "%s", name.policy);
                        snprintf(c->rule, sizeof(c->rule), "%s", name.rule);
                } else if (key.kind != GUARD_EVENT_TAMPER)
                        snprintf(c->rule, sizeof(c->rule), "%s", key.rule_hash ? "unnamed" : "unclassified");
        }
        *ret = TAKE_PTR(list);
        *ret_n = n;
        return 0;
}

bool backend_bpf_stats_enabled(void) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "re");
        int v = 0;

        return f && fscanf(f, "%d", &v) == 1 && v != 0;
}

int backend_read_programs(const char *pin_dir, MetricsProgram **ret, size_t *ret_n) {
        _cleanup_(closedirp) DIR *d = opendir(pin_dir);
        _cleanup_(freep) MetricsProgram *list = NULL;
        size_t n = 0;
        struct dirent *de;

        if (!d)
                return -errno;
        list = calloc(ELEMENTSOF(((Backend *) NULL)->link_ids), sizeof(*list));
        if (!list)
                return -ENOMEM;
        while ((de = readdir(d)) && n < ELEMENTSOF(((Backend *) NULL)->link_ids)) {
                _cleanup_(closep) int link = -EBADF, prog = -EBADF;
                struct bpf_link_info li = {};
                struct bpf_prog_info pi = {};
                __u32 len = sizeof(li);
                char path[4096];

                if (!strneq(de->d_name, "link_", 5))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
                link = bpf_obj_get(path);
                if (link < 0 || bpf_obj_get_info_by_fd(link, &li, &len) < 0)
                        continue;
                prog = bpf_prog_get_fd_by_id(li.prog_id);
                len = sizeof(pi);
                if (prog < 0 || bpf_obj_get_info_by_fd(prog, &pi, &len) < 0)
                        continue;
                snprintf(list[n].name, sizeof(list[n].name), "%s", de->d_name + 5);
                list[n].run_count = pi.run_cnt;
                list[n].run_time_ns = pi.run_time_ns;
                n++;
        }
        *ret = TAKE_PTR(list);
        *ret_n = n;
        return 0;
}

int backend_read_cgroup_state(const char *pin_dir, const char *cgroup_dir, char **ret) {
        _cleanup_(closep) int link = -EBADF, prog = -EBADF, cgroup = -EBADF, one = -EBADF, iter = -EBADF;
        _cleanup_(freep) char *path = pin_path(pin_dir, "", CGROUP_ITER_PIN);
        union bpf_iter_link_info info = {};
        LIBBPF_OPTS(bpf_link_create_opts, opts, .iter_info = &info, .iter_info_len = sizeof(info));
        struct bpf_link_info li = {};
        __u32 len = sizeof(li);
        char *buf = NULL;
        size_t size = 0;
        FILE *f;
        ssize_t k;
        char chunk[4096];

        if (!path)
                return -ENOMEM;
        link = bpf_obj_get(path);
        if (link < 0)
                return -errno;
        if (bpf_obj_get_info_by_fd(link, &li, &len) < 0)
                return -errno;
        prog = bpf_prog_get_fd_by_id(li.prog_id);
        if (prog < 0)
                return -errno;
        cgroup = open(cgroup_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (cgroup < 0)
                return -errno;
        /* The same program over this one cgroup: never left out, never capped. */
        info.cgroup.cgroup_fd = cgroup;
        info.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY;
        one = bpf_link_create(prog, 0, BPF_TRACE_ITER, &opts);
        if (one < 0)
                return -errno;
        iter = bpf_iter_create(one);
        if (iter < 0)
                return -errno;
        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        while ((k = read(iter, chunk, sizeof(chunk))) > 0)
                fwrite(chunk, 1, k, f);
        if (fclose(f) != 0 || k < 0) {
                int r = k < 0 ? -errno : -ENOMEM;
                free(buf);
                return r;
        }
        *ret = buf;
        return 0;
}
