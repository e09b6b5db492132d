/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <linux/magic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "backend-internal.h"
#include "bpf-backend.h"
#include "cgroupfs.h"
#include "hash-util.h"
#include "macro.h"
#include "policy-image.h"
#include "compat.skel.h"
#include "native.skel.h"
#include "observe.skel.h"

/* Maps whose contents must outlive a daemon upgrade: reused from their pins when compatible. */
static const char *const state_maps[] = { "guard_task_locks", "guard_sandbox_ns", "observe_task_cgroup",
                                          "compat_windows", "compat_open_windows", "guard_self", "guard_objects",
                                          "guard_identity", "guard_self_unit" };
/* Maps the daemon and --status open from pins. */
static const char *const shared_maps[] = { "guard_policy", "guard_events", "guard_denials", "guard_counters",
                                           "guard_records", "guard_rule_counts", "guard_rule_names",
                                           "guard_cgroup_counts" };

typedef struct BackendObject {
        const char *name;
        const void *(*elf_bytes)(size_t *sz);
} BackendObject;

static const BackendObject backend_objects[_BACKEND_MAX] = {
        [BACKEND_NATIVE] = { "native", native__elf_bytes },
        [BACKEND_COMPAT] = { "compat", compat__elf_bytes },
        [BACKEND_OBSERVE] = { "observe", observe__elf_bytes },
};

static const char *const kind_table[_BACKEND_MAX] = {
        [BACKEND_NATIVE] = "native",
        [BACKEND_COMPAT] = "compat",
        [BACKEND_OBSERVE] = "observe",
};

const char *backend_kind_to_string(BackendKind k) {
        return k >= 0 && k < _BACKEND_MAX ? kind_table[k] : k == BACKEND_AUTO ? "auto" : NULL;
}

BackendKind backend_kind_from_string(const char *s) {
        if (streq(s, "auto"))
                return BACKEND_AUTO;
        for (int i = 0; i < _BACKEND_MAX; i++)
                if (streq(s, kind_table[i]))
                        return i;
        return _BACKEND_INVALID;
}

/* What this host adds to a backend's missing guarantees. */
static void note_host_missing(Backend *b) {
        char *v1 = backend_missing_cgroup_v1();

        if (v1 && b->n_missing < ELEMENTSOF(b->missing))
                b->missing[b->n_missing++] = v1;
        else
                free(v1);
}

const void *backend_object_elf(BackendKind kind, size_t *ret_size) {
        return kind >= 0 && kind < _BACKEND_MAX && backend_objects[kind].elf_bytes ? backend_objects[kind].elf_bytes(ret_size) : NULL;
}

const char *backend_object_name(BackendKind kind) {
        return kind >= 0 && kind < _BACKEND_MAX ? backend_objects[kind].name : NULL;
}

static uint64_t backend_build_id(BackendKind kind) {
        size_t n = 0;
        const void *elf = backend_objects[kind].elf_bytes(&n);

        return fnv1a(elf, n);
}

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

/* Pins fd under a temporary name ("new_..."; bpffs refuses names with a dot) and renames it over the final one: whoever held the old pin
 * (e.g. an older link) is released only once the new object is in place. */
static int pin_replace(int fd, const char *dir, const char *prefix, const char *name) {
        _cleanup_(freep) char *tmp = NULL, *final = pin_path(dir, prefix, name);

        if (!final || asprintf(&tmp, "%s/new_%s%s", dir, prefix, name) < 0)
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

/* One object of the guard, registered for the tamper programs at once (no-op without them). */
static void register_object(Backend *b, uint64_t kind, uint64_t id) {
        uint64_t key = kind | id;
        uint8_t one = 1;

        if (b->objects_fd >= 0 && id)
                (void) bpf_map_update_elem(b->objects_fd, &key, &one, BPF_ANY);
}

static uint32_t object_id(int fd);
static int mark_self(int identity_fd);

/* A new generation must match the outer map's inner template exactly, BTF and size included
 * (6.1 compares derived fields such as the timer offset), so copy them from the map in slot 0. */
static int create_generation_map(Backend *b) {
        LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
        _cleanup_(closep) int current = -EBADF, btf_fd = -EBADF;
        struct bpf_map_info info = {};
        __u32 zero = 0, id, len = sizeof(info);
        int fd;

        if (bpf_map_lookup_elem(b->outer_fd, &zero, &id) == 0) {
                current = bpf_map_get_fd_by_id(id);
                if (current >= 0 && bpf_obj_get_info_by_fd(current, &info, &len) == 0) {
                        b->map_entries_max = info.max_entries;
                        if (info.btf_id)
                                btf_fd = bpf_btf_get_fd_by_id(info.btf_id);
                        if (btf_fd >= 0) {
                                opts.btf_fd = btf_fd;
                                opts.btf_key_type_id = info.btf_key_type_id;
                                opts.btf_value_type_id = info.btf_value_type_id;
                        }
                }
        }
        fd = bpf_map_create(BPF_MAP_TYPE_HASH, "guard_gen", sizeof(struct guard_key), sizeof(struct guard_value),
                            b->map_entries_max, &opts);
        return fd < 0 ? -errno : fd;
}

static int fill_map(int fd, const PolicyImage *image) {
        LIBBPF_OPTS(bpf_map_batch_opts, opts);
        __u32 count = image->n_entries;

        if (count == 0)
                return 0;
        if (bpf_map_update_batch(fd, image->keys, image->values, &count, &opts) == 0 && count == image->n_entries)
                return 0;
        /* Older kernels or partial batches: one by one (idempotent). */
        for (size_t i = 0; i < image->n_entries; i++)
                if (bpf_map_update_elem(fd, &image->keys[i], &image->values[i], BPF_ANY) < 0)
                        return -errno;
        return 0;
}

int backend_apply(Backend *b, const PolicyImage *image, unsigned *ret_entries_written) {
        _cleanup_(closep) int fd = create_generation_map(b);
        __u32 zero = 0;
        int r;

        if (fd < 0)
                return fd;
        /* Protected before it is filled, long before slot 0 makes it reachable from the
         * programs (the kernel also refuses it by its name to others from its creation on). */
        register_object(b, GUARD_OBJ_MAP, object_id(fd));
        /* A map that fills up (E2BIG) or an allocation that fails (ENOMEM) leaves the new map
         * half-filled: it is dropped here and slot 0 never sees it. */
        r = fill_map(fd, image);
        if (r < 0)
                return r;
        /* The switch: one update of slot 0. Programs running now finish on the old generation,
         * the kernel frees it once they are done. */
        if (bpf_map_update_elem(b->outer_fd, &zero, &fd, BPF_ANY) < 0)
                return -errno;
        if (b->inner_fd >= 0)
                close(b->inner_fd);
        b->inner_fd = TAKE_FD(fd);
        if (ret_entries_written)
                *ret_entries_written = image->n_entries;
        return 0;
}

unsigned count_entries(int generation_fd) {
        struct guard_key key, next;
        unsigned n = 0;

        for (void *k = NULL; bpf_map_get_next_key(generation_fd, k, &next) == 0; k = &key) {
                key = next;
                n++;
        }
        return n;
}

unsigned backend_count_entries(Backend *b) {
        return b->inner_fd >= 0 ? count_entries(b->inner_fd) : 0;
}

int backend_update_cgroup(Backend *b, uint64_t cgroup_id, const struct guard_cgroup_info *info) {
        struct guard_key key = { .kind = GUARD_KEY_CGROUP, .a = cgroup_id };
        struct guard_value value = { .cgroup = *info };

        if (b->inner_fd < 0)
                return -EBADF;
        if (bpf_map_update_elem(b->inner_fd, &key, &value, BPF_ANY) < 0)
                return -errno;
        return 0;
}

int backend_read_counters(int counters_fd, BackendCounters *ret) {
        int n_cpus = libbpf_num_possible_cpus();
        uint64_t sums[_GUARD_COUNTER_MAX] = {};

        if (n_cpus <= 0)
                return -EINVAL;
        uint64_t values[n_cpus];

        /* Zeroed although the kernel fills it: checkers (valgrind) cannot know a per-CPU
         * lookup writes one value per possible CPU. */
        memset(values, 0, sizeof(values));
        for (__u32 c = 0; c < _GUARD_COUNTER_MAX; c++) {
                if (bpf_map_lookup_elem(counters_fd, &c, values) < 0)
                        return -errno;
                for (int i = 0; i < n_cpus; i++)
                        sums[c] += values[i];
        }
        *ret = (BackendCounters) {
                .denied = sums[GUARD_COUNTER_DENIED],
                .audited = sums[GUARD_COUNTER_AUDITED],
                .observed = sums[GUARD_COUNTER_OBSERVED],
                .lost_events = sums[GUARD_COUNTER_LOST_EVENTS],
                .map_full = sums[GUARD_COUNTER_MAP_FULL],
                .suppressed = sums[GUARD_COUNTER_SUPPRESSED],
                .lost_cgroup_events = sums[GUARD_COUNTER_LOST_CGROUP_EVENTS],
                .records_dropped = sums[GUARD_COUNTER_RECORDS_DROPPED],
                .counts_full = sums[GUARD_COUNTER_COUNTS_FULL],
        };
        return 0;
}

int read_meta(const char *dir, uint64_t meta[_META_SLOTS]) {
        _cleanup_(freep) char *path = pin_path(dir, "map_", "guard_meta");
        _cleanup_(closep) int fd = -EBADF;

        if (!path)
                return -ENOMEM;
        fd = bpf_obj_get(path);
        if (fd < 0)
                return -errno;
        for (__u32 i = 0; i < _META_SLOTS; i++)
                if (bpf_map_lookup_elem(fd, &i, &meta[i]) < 0)
                        return -errno;
        return meta[META_MAGIC_SLOT] == META_MAGIC ? 0 : -EPROTO;
}

static int write_meta(Backend *b, const char *dir, BackendKind kind) {
        _cleanup_(closep) int fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "guard_meta", sizeof(__u32), sizeof(__u64),
                                                  _META_SLOTS, NULL);
        uint64_t meta[_META_SLOTS] = {
                [META_MAGIC_SLOT] = META_MAGIC,
                [META_BUILD_SLOT] = backend_build_id(kind),
                [META_KIND_SLOT] = kind,
                [META_PID_SLOT] = getpid(),
        };

        if (fd < 0)
                return -errno;
        register_object(b, GUARD_OBJ_MAP, object_id(fd));
        for (__u32 i = 0; i < _META_SLOTS; i++)
                if (bpf_map_update_elem(fd, &i, &meta[i], BPF_ANY) < 0)
                        return -errno;
        return pin_replace(fd, dir, "map_", "guard_meta");
}

int open_pinned_map(const char *dir, const char *name) {
        _cleanup_(freep) char *path = pin_path(dir, "map_", name);
        int fd;

        if (!path)
                return -ENOMEM;
        fd = bpf_obj_get(path);
        return fd < 0 ? -errno : fd;
}

static uint32_t object_id(int fd) {
        struct bpf_link_info info = {};
        __u32 len = sizeof(info);

        return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 ? info.id : 0;
}

static Backend *backend_new(BackendKind kind, const char *pin_dir) {
        Backend *b = calloc(1, sizeof(*b));

        if (!b)
                return NULL;
        b->kind = kind;
        b->pin_dir = strdup(pin_dir);
        b->outer_fd = b->inner_fd = b->events_fd = b->denials_fd = b->counters_fd = -EBADF;
        b->self_fd = b->objects_fd = b->records_fd = b->pin_dir_fd = -EBADF;
        for (size_t i = 0; i < ELEMENTSOF(b->link_fds); i++)
                b->link_fds[i] = -EBADF;
        b->map_entries_max = GUARD_POLICY_ENTRIES_MAX;
        if (!b->pin_dir) {
                free(b);
                return NULL;
        }
        return b;
}

void backend_free(Backend *b) {
        if (!b)
                return;
        for (unsigned i = 0; i < b->n_missing; i++)
                free(b->missing[i]);
        backend_guarantees_done(&b->guarantees);
        bpf_object__close(b->obj);
        closep(&b->outer_fd);
        closep(&b->inner_fd);
        closep(&b->events_fd);
        closep(&b->denials_fd);
        closep(&b->counters_fd);
        closep(&b->self_fd);
        closep(&b->objects_fd);
        closep(&b->records_fd);
        closep(&b->pin_dir_fd);
        for (unsigned i = 0; i < b->n_links; i++)
                closep(&b->link_fds[i]);
        free(b->pin_dir);
        free(b);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Backend *, backend_free);

/* The pin directory we pinned into (or adopted), held: what its path leads to later is compared
 * with it (backend_check_links()). */
static void hold_pin_dir(Backend *b) {
        _cleanup_(closep) int fd = open(b->pin_dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
        struct statfs sfs;

        closep(&b->pin_dir_fd);
        b->pin_dir_fd = -EBADF;
        if (fd >= 0 && fstatfs(fd, &sfs) == 0 && (unsigned long) sfs.f_type == BPF_FS_MAGIC)
                b->pin_dir_fd = TAKE_FD(fd);
}

/* The directory we pinned into, by a path that leads there even when something is mounted over
 * pin_dir later (the magic link of the held fd); pin_dir itself before anything is held. */
static const char *held_pin_dir(const Backend *b, char buf[static 32]) {
        if (b->pin_dir_fd < 0)
                return b->pin_dir;
        snprintf(buf, 32, "/proc/self/fd/%d", b->pin_dir_fd);
        return buf;
}

/* The running daemon's pid, so that --unload can stop it first (it would load everything again
 * when it finds its pins gone). */
static void record_daemon_pid(const char *dir) {
        _cleanup_(closep) int fd = open_pinned_map(dir, "guard_meta");
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

/* Same backend, same build pinned: take it over without touching the programs, with image in
 * force (NULL: the pinned generation, as it is). */
static int backend_adopt(BackendKind kind, const char *pin_dir, const PolicyImage *image, Backend **ret) {
        _cleanup_(backend_freep) Backend *b = NULL;
        _cleanup_(closedirp) DIR *d = NULL;
        uint64_t meta[_META_SLOTS];
        struct dirent *de;
        int r;

        r = read_meta(pin_dir, meta);
        if (r < 0)
                return r;
        if (meta[META_KIND_SLOT] != (uint64_t) kind || meta[META_BUILD_SLOT] != backend_build_id(kind))
                return -ESTALE;

        b = backend_new(kind, pin_dir);
        if (!b)
                return -ENOMEM;
        b->outer_fd = open_pinned_map(pin_dir, "guard_policy");
        b->events_fd = open_pinned_map(pin_dir, "guard_events");
        b->denials_fd = open_pinned_map(pin_dir, "guard_denials");
        b->counters_fd = open_pinned_map(pin_dir, "guard_counters");
        if (b->outer_fd < 0 || b->events_fd < 0 || b->denials_fd < 0 || b->counters_fd < 0)
                return -ESTALE;
        b->self_fd = open_pinned_map(pin_dir, "guard_self");
        b->objects_fd = open_pinned_map(pin_dir, "guard_objects");
        b->records_fd = open_pinned_map(pin_dir, "guard_records"); /* pins of this build have it */
        {
                _cleanup_(closep) int identity_fd = open_pinned_map(pin_dir, "guard_identity");

                r = mark_self(identity_fd);
                if (r < 0)
                        return r;
        }

        d = opendir(pin_dir);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                _cleanup_(closep) int fd = -EBADF;
                char path[4096];

                if (!strneq(de->d_name, "link_", 5) || b->n_links >= ELEMENTSOF(b->link_ids))
                        continue;
                snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
                fd = bpf_obj_get(path);
                if (fd < 0)
                        return -ESTALE;
                b->link_ids[b->n_links] = object_id(fd);
                b->link_fds[b->n_links++] = TAKE_FD(fd);
        }
        if (b->n_links == 0)
                return -ESTALE;

        if (image) {
                r = backend_apply(b, image, NULL);
                if (r < 0)
                        return r;
        } else {
                /* As it is: the pinned generation stays the active one. */
                __u32 zero = 0, inner_id;

                if (bpf_map_lookup_elem(b->outer_fd, &zero, &inner_id) < 0 ||
                    (b->inner_fd = bpf_map_get_fd_by_id(inner_id)) < 0)
                        return -ESTALE;
        }
        record_daemon_pid(pin_dir);
        hold_pin_dir(b);
        b->adopted = true;
        *ret = TAKE_PTR(b);
        return 0;
}

static int run_iterator(struct bpf_program *prog) {
        _cleanup_(closep) int fd = -EBADF;
        struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
        char buf[256];

        if (!link)
                return -errno;
        fd = bpf_iter_create(bpf_link__fd(link));
        if (fd < 0) {
                bpf_link__destroy(link);
                return -errno;
        }
        while (read(fd, buf, sizeof(buf)) > 0)
                ;
        bpf_link__destroy(link);
        return 0;
}

/* The per-cgroup state for `cat` (bpf/guard-cgroups.bpf.h, guard_iter_cgroups): an iterator
 * over every cgroup2 cgroup, parents first, pinned as CGROUP_ITER_PIN. Registered as a link of
 * the guard, so nobody else can replace its program (BPF_LINK_UPDATE); its pin's inode is not,
 * so the admin can open it (reading creates an iterator, and changes nothing). */
static int attach_cgroup_iterator(Backend *b, struct bpf_program *prog, struct bpf_link **ret) {
        _cleanup_(freep) char *mount = NULL;
        _cleanup_(closep) int root = -EBADF;
        union bpf_iter_link_info info = {};
        LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));
        struct bpf_link *link;
        int r;

        r = cgroup2_find_mount(&mount);
        if (r < 0)
                return r;
        root = cgroup2_open_root(mount);
        if (root < 0)
                return root;
        info.cgroup.cgroup_fd = root;
        info.cgroup.order = BPF_CGROUP_ITER_DESCENDANTS_PRE;
        link = bpf_program__attach_iter(prog, &opts);
        if (!link)
                return -errno;
        register_object(b, GUARD_OBJ_LINK, object_id(bpf_link__fd(link)));
        *ret = link;
        return 0;
}

/* Removes pins of links this build no longer has (e.g. after a backend change) or did not load
 * this time (a kernel function gone, its alternative taken instead). */
static void remove_stale_links(const char *pin_dir, struct bpf_object *obj) {
        _cleanup_(closedirp) DIR *d = opendir(pin_dir);
        struct dirent *de;

        if (!d)
                return;
        while ((de = readdir(d))) {
                if (!strneq(de->d_name, "link_", 5))
                        continue;
                struct bpf_program *prog = bpf_object__find_program_by_name(obj, de->d_name + 5);

                if (prog && bpf_program__autoload(prog))
                        continue;
                (void) unlinkat(dirfd(d), de->d_name, 0);
        }
}

/* Failure with a reason naming the step, for the one-line error the admin sees. */
static int step_failed(char **ret_reason, int r, const char *step) {
        if (!*ret_reason && asprintf(ret_reason, "%s failed: %s", step, strerror(-r)) < 0)
                *ret_reason = NULL;
        return r;
}

static bool kernel_lockdown_confidentiality(void) {
        _cleanup_(fclosep) FILE *f = fopen("/sys/kernel/security/lockdown", "re");
        char line[128];

        return f && fgets(line, sizeof(line), f) && strstr(line, "[confidentiality]");
}

/* lockdown=confidentiality refuses bpf_probe_read_kernel(), which the link-fd check needs:
 * load the variants that guard the pins instead (bpf/guard-tamper.bpf.h). */
static void choose_tamper_variants(Backend *b) {
        static const struct {
                const char *name;
                bool under_lockdown;
        } variants[] = {
                { "guard_tamper_bpf", false },
                { "guard_tamper_bpf_lockdown", true },
                { "guard_tamper_pin_open", true },
                { "guard_cgroup_mkdir", false },
                { "guard_cgroup_mkdir_lockdown", true },
                { "guard_identity_exec", false },
                { "guard_identity_exec_lockdown", true },
        };

        b->lockdown = kernel_lockdown_confidentiality();
        for (size_t i = 0; i < ELEMENTSOF(variants); i++) {
                struct bpf_program *prog = bpf_object__find_program_by_name(b->obj, variants[i].name);

                if (prog)
                        bpf_program__set_autoload(prog, variants[i].under_lockdown == b->lockdown);
        }
}

static void btf_freep(struct btf **p) {
        btf__free(*p);
}

/* Functions the loader is told to treat as absent (CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS="f1 f2"):
 * how the tests show what happens on a kernel that inlined or renamed one. */
static bool kernel_function_hidden(const char *fn) {
        const char *list = secure_getenv("CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS");
        size_t n = strlen(fn);

        for (const char *p = list; p && *p; p += strcspn(p, " ,")) {
                p += strspn(p, " ,");
                if (strneq(p, fn, n) && (p[n] == '\0' || p[n] == ' ' || p[n] == ','))
                        return true;
        }
        return false;
}

typedef struct KernelProbe {
        struct btf *vmlinux;
} KernelProbe;

/* Why fn cannot carry a window on this kernel, NULL if it can. */
static const char *kernel_function_unusable(const KernelProbe *probe, const char *fn) {
        if (kernel_function_hidden(fn))
                return "hidden by CGROUP_GUARD_HIDE_KERNEL_FUNCTIONS";
        if (btf__find_by_name_kind(probe->vmlinux, fn, BTF_KIND_FUNC) < 0)
                return "not in the kernel's BTF (inlined, renamed or removed)";
        return NULL;
}

static const char *program_target(const struct bpf_program *prog) {
        const char *sec = bpf_program__section_name(prog);

        if (sec[0] == '?')
                sec++;
        if (strneq(sec, "fentry/", 7))
                return sec + 7;
        if (strneq(sec, "fexit/", 6))
                return sec + 6;
        return NULL;
}

/* A window whose kernel function is unusable here, and the program that takes its place. */
static const struct {
        const char *program, *alternative;
} window_alternatives[] = {
        { "compat_unshare_enter", "compat_unshare_sys_enter" },
        { "compat_unshare_exit", "compat_unshare_sys_exit" },
};

/* fentry/fexit targets are static, non-ABI kernel functions: one may be missing, inlined or
 * renamed (a function inlined into some callers only keeps its BTF entry: the VM scenarios drive
 * every path through each window on the kernels we ship for; scanning /proc/kallsyms for
 * compiler clones costs seconds under emulation). Such a program is not loaded; its alternative
 * is, if there is one and it is usable;
 * otherwise the guarantees it carries are listed as missing (backend_pinned_guarantees()).
 * Each unusable function is recorded with the reason, never silently. */
static void skip_missing_targets(Backend *b) {
        _cleanup_(btf_freep) struct btf *vmlinux = btf__load_vmlinux_btf();
        KernelProbe probe = { .vmlinux = vmlinux };
        struct bpf_program *prog;

        if (!vmlinux)
                return;

        bpf_object__for_each_program(prog, b->obj) {
                const char *fn = program_target(prog), *why, *instead = NULL;
                bool is_alternative = false;

                if (!fn)
                        continue;
                for (size_t i = 0; i < ELEMENTSOF(window_alternatives); i++)
                        is_alternative = is_alternative || streq(bpf_program__name(prog), window_alternatives[i].alternative);
                if (is_alternative)
                        continue; /* decided with the program it stands in for */
                why = kernel_function_unusable(&probe, fn);
                if (!why)
                        continue;
                bpf_program__set_autoload(prog, false);
                for (size_t i = 0; i < ELEMENTSOF(window_alternatives); i++) {
                        struct bpf_program *alt;
                        const char *alt_fn;

                        if (!streq(bpf_program__name(prog), window_alternatives[i].program))
                                continue;
                        alt = bpf_object__find_program_by_name(b->obj, window_alternatives[i].alternative);
                        alt_fn = alt ? program_target(alt) : NULL;
                        if (alt_fn && !kernel_function_unusable(&probe, alt_fn)) {
                                bpf_program__set_autoload(alt, true);
                                instead = alt_fn;
                        }
                }
                if (!strneq(bpf_program__section_name(prog) + (bpf_program__section_name(prog)[0] == '?'), "fentry/", 7) ||
                    b->n_missing >= ELEMENTSOF(b->missing))
                        continue;
                if (instead ? asprintf(&b->missing[b->n_missing], "kernel function %s is not attachable (%s): its window sits on %s instead",
                                       fn, why, instead) >= 0
                            : asprintf(&b->missing[b->n_missing], "kernel function %s is not attachable (%s): what its window decides is not checked",
                                       fn, why) >= 0)
                        b->n_missing++;
        }
}

/* The policy map's size is chosen at load. libbpf 1.1 cannot resize the inner definition of a
 * map-in-map (bpf_map__set_max_entries() crashes on it), so the outer map gets an inner
 * template made here: the object's own key/value BTF, entries_max in size. The template in
 * slot 0 is resized to match (the kernel compares size and BTF-derived layout). */
static int set_policy_map_size(Backend *b, unsigned entries_max, int *ret_template_fd) {
        LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
        struct bpf_map *outer = bpf_object__find_map_by_name(b->obj, "guard_policy");
        struct bpf_map *slot0 = bpf_object__find_map_by_name(b->obj, "guard_policy_template");
        _cleanup_(btf_freep) struct btf *btf = NULL;
        const void *raw;
        __u32 raw_size;
        int key_id, value_id, fd;

        if (!outer || !slot0 || !bpf_object__btf(b->obj))
                return -ENOENT;
        raw = btf__raw_data(bpf_object__btf(b->obj), &raw_size);
        btf = raw ? btf__new(raw, raw_size) : NULL;
        if (!btf)
                return -errno;
        if (btf__load_into_kernel(btf) < 0)
                return -errno;
        key_id = btf__find_by_name_kind(btf, "guard_key", BTF_KIND_STRUCT);
        value_id = btf__find_by_name_kind(btf, "guard_value", BTF_KIND_STRUCT);
        if (key_id < 0 || value_id < 0)
                return -ENOENT;
        opts.btf_fd = btf__fd(btf);
        opts.btf_key_type_id = key_id;
        opts.btf_value_type_id = value_id;
        fd = bpf_map_create(BPF_MAP_TYPE_HASH, "guard_tmpl", sizeof(struct guard_key), sizeof(struct guard_value),
                            entries_max, &opts);
        if (fd < 0)
                return -errno;
        if (bpf_map__set_inner_map_fd(outer, fd) < 0 || bpf_map__set_max_entries(slot0, entries_max) < 0) {
                int r = -errno;
                close(fd);
                return r;
        }
        *ret_template_fd = fd;
        b->map_entries_max = entries_max;
        return 0;
}

/* The programs skip sandbox and lock-mark lookups while none can exist (guard_seen_* in
 * bpf/guard-policy.bpf.h). They are loaded saying every kind may exist; that is lowered to
 * "none yet" only when the sandbox and mark maps start empty here, not reused from pins an
 * earlier load filled (its programs may still be adding to them). */
static int guard_seen_init(Backend *b) {
        struct bpf_map *seen = bpf_object__find_map_by_name(b->obj, ".data.guard_seen");
        const char *state[] = { "guard_task_locks", "guard_sandbox_ns" };
        _cleanup_(freep) void *zeros = NULL;
        size_t size;

        if (!seen)
                return 0; /* an object without the flags */
        for (size_t i = 0; i < ELEMENTSOF(state); i++) {
                struct bpf_map *map = bpf_object__find_map_by_name(b->obj, state[i]);

                if (map && bpf_map__pin_path(map))
                        return 0;
        }
        if (!bpf_map__initial_value(seen, &size))
                return -ENOENT;
        zeros = calloc(1, size);
        if (!zeros)
                return -ENOMEM;
        return bpf_map__set_initial_value(seen, zeros, size) < 0 ? -errno : 0;
}

/* What is decided between opening the object and loading it: the policy map's size, the tamper
 * variants for this kernel's lockdown, the programs whose kernel functions are missing, the
 * lookups the programs may skip at first. */
static int prepare_object(Backend *b, unsigned entries_max, int *ret_template_fd) {
        int r = set_policy_map_size(b, entries_max, ret_template_fd);

        if (r < 0)
                return r;
        r = guard_seen_init(b);
        if (r < 0)
                return r;
        choose_tamper_variants(b);
        skip_missing_targets(b);
        return 0;
}

static uint32_t ns_inode(const char *path);

/* Who the guard is and that it is armed, before the first program attaches (refined by
 * backend_protect(): our cgroup, "protect_self" from the policy). starting: links are opened by
 * id by nobody but us until every link is registered. */
static int write_self(Backend *b, bool enabled, bool starting, uint64_t cgroup_id) {
        struct guard_self self = { .enabled = enabled, .starting = starting, .cgroup_id = cgroup_id };
        struct stat st;
        __u32 zero = 0;

        if (b->self_fd < 0)
                return 0;
        if (enabled) {
                char buf[32];

                if (stat(held_pin_dir(b, buf), &st) == 0)
                        self.pins_dev = kernel_dev(st.st_dev);
                self.mnt_ns[0] = ns_inode("/proc/1/ns/mnt");
                self.mnt_ns[1] = ns_inode("/proc/self/ns/mnt");
                if (stat("/proc/self/exe", &st) < 0)
                        return -errno;
                self.exe_dev = kernel_dev(st.st_dev);
                self.exe_ino = st.st_ino;
        }
        return bpf_map_update_elem(b->self_fd, &zero, &self, BPF_ANY) < 0 ? -errno : 0;
}

/* The guard's own unit (struct guard_self_unit): the name and parent of our cgroup, which PID 1
 * makes anew at each (re)start; its exec of our binary there is the guard (bpf/guard-identity.bpf.h).
 * None in the root cgroup, or for a name too long to compare. */
static int write_self_unit(Backend *b, int cgroup_root_fd) {
        struct bpf_map *map = b->obj ? bpf_object__find_map_by_name(b->obj, "guard_self_unit") : NULL;
        _cleanup_(closep) int fd = map ? fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3)
                                       : open_pinned_map(b->pin_dir, "guard_self_unit");
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
static int mark_self(int identity_fd) {
        struct guard_task_identity id = { .flags = GUARD_IDENTITY_SELF };
        _cleanup_(closep) int pidfd = -EBADF;

        if (identity_fd < 0)
                return 0;
        pidfd = (int) syscall(SYS_pidfd_open, getpid(), 0);
        if (pidfd < 0)
                return -errno;
        return bpf_map_update_elem(identity_fd, &pidfd, &id, BPF_ANY) < 0 ? -errno : 0;
}

/* Self-protection comes first: every map and program of the object (each has an id, and can be
 * opened by it, from the moment it was loaded), the pin directory (no name in it can be
 * removed by others, from the first pin on) and the guard's identity are registered before
 * anything is attached; links and the generation map are registered as they are made. Called
 * again once the tamper programs are attached: whatever someone holding an fd from before wrote
 * into these two maps is written over, and from then on such writes are refused. */
static int arm_self_protection(Backend *b, int template_fd) {
        struct bpf_program *prog;
        struct bpf_map *map;
        struct stat st;

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
        map = bpf_object__find_map_by_name(b->obj, "guard_identity");
        if (map) {
                int r = mark_self(bpf_map__fd(map));
                if (r < 0)
                        return r;
        }
        return write_self(b, true, true, 0);
}

/* Attach order: the lsm/bpf program first (from its attachment on nothing registered is opened
 * by id or written through an fd by anyone else), then the other tamper programs, then, with
 * the policy in place, the rest. */
static int attach_rank(const struct bpf_program *prog) {
        const char *name = bpf_program__name(prog);

        if (streq(name, "guard_tamper_bpf") || streq(name, "guard_tamper_bpf_lockdown"))
                return 0;
        return strneq(name, "guard_tamper", 12) ? 1 : 2;
}

/* State maps pinned by an earlier load are reused (libbpf opens the pin instead of creating
 * them). New ones are pinned by pin_new_state_maps() once the tamper programs are attached: a
 * pin made before then could be removed by anyone. */
static int reuse_state_maps(Backend *b) {
        for (size_t i = 0; i < ELEMENTSOF(state_maps); i++) {
                _cleanup_(freep) char *path = pin_path(b->pin_dir, "map_", state_maps[i]);
                struct bpf_map *map = bpf_object__find_map_by_name(b->obj, state_maps[i]);

                if (!path)
                        return -ENOMEM;
                if (map && access(path, F_OK) == 0 && bpf_map__set_pin_path(map, path) < 0)
                        return -errno;
        }
        return 0;
}

static int pin_new_state_maps(Backend *b) {
        int r = bpffs_ensure_dir(b->pin_dir);

        for (size_t i = 0; i < ELEMENTSOF(state_maps) && r >= 0; i++) {
                struct bpf_map *map = bpf_object__find_map_by_name(b->obj, state_maps[i]);

                if (map && !bpf_map__pin_path(map) && bpf_map__fd(map) >= 0)
                        r = pin_replace(bpf_map__fd(map), b->pin_dir, "map_", state_maps[i]);
        }
        return r;
}

/* The links one load makes, until the pins hold them. */
typedef struct LoadLinks {
        struct bpf_link *links[BACKEND_LINKS_MAX];
        const char *names[BACKEND_LINKS_MAX];
        unsigned n;
        struct bpf_link *cgroup_iter;
} LoadLinks;

static void load_links_done(LoadLinks *l) {
        for (unsigned i = 0; i < l->n; i++)
                bpf_link__destroy(l->links[i]);
        bpf_link__destroy(l->cgroup_iter);
        *l = (LoadLinks) {};
}

/* Opens the backend's object and loads it into the kernel. A pinned state map from an older
 * build that does not fit (EINVAL) is dropped and the whole step is done once more, from a fresh
 * object: that state starts afresh. */
static int open_and_load(Backend *b, unsigned entries_max, int *ret_template_fd, char **ret_reason) {
        LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = backend_objects[b->kind].name);
        size_t elf_size;
        const void *elf = backend_objects[b->kind].elf_bytes(&elf_size);
        int r;

        for (int attempt = 0;; attempt++) {
                b->obj = bpf_object__open_mem(elf, elf_size, &opts);
                if (!b->obj)
                        return step_failed(ret_reason, -errno, "opening the BPF object");
                r = reuse_state_maps(b);
                if (r < 0)
                        return r;
                for (unsigned i = 0; i < b->n_missing; i++)
                        free(b->missing[i]);
                b->n_missing = 0;
                closep(ret_template_fd);
                *ret_template_fd = -EBADF;
                r = prepare_object(b, entries_max, ret_template_fd);
                if (r < 0)
                        return step_failed(ret_reason, r, "sizing the policy map");
                r = bpf_object__load(b->obj);
                if (r >= 0)
                        return 0;
                if (r != -EINVAL || attempt > 0)
                        break;
                for (size_t i = 0; i < ELEMENTSOF(state_maps); i++) {
                        _cleanup_(freep) char *path = pin_path(b->pin_dir, "map_", state_maps[i]);
                        if (path)
                                (void) unlink(path);
                }
                bpf_object__close(b->obj);
                b->obj = NULL;
        }
        if (asprintf(ret_reason, "loading the %s programs failed: %s", backend_objects[b->kind].name, strerror(-r)) < 0)
                *ret_reason = NULL;
        return r;
}

/* The maps the daemon keeps using, as fds of its own (guard_self and guard_objects: only where
 * the object has tamper protection). */
static int keep_map_fds(Backend *b) {
        static const struct {
                const char *name;
                size_t offset;
                bool optional;
        } maps[] = {
                { "guard_policy", offsetof(Backend, outer_fd), false },
                { "guard_events", offsetof(Backend, events_fd), false },
                { "guard_denials", offsetof(Backend, denials_fd), false },
                { "guard_counters", offsetof(Backend, counters_fd), false },
                { "guard_records", offsetof(Backend, records_fd), false },
                { "guard_self", offsetof(Backend, self_fd), true },
                { "guard_objects", offsetof(Backend, objects_fd), true },
        };

        for (size_t i = 0; i < ELEMENTSOF(maps); i++) {
                struct bpf_map *map = bpf_object__find_map_by_name(b->obj, maps[i].name);
                int *fd = (int *) ((char *) b + maps[i].offset);

                if (!map && maps[i].optional)
                        continue;
                *fd = map ? fcntl(bpf_map__fd(map), F_DUPFD_CLOEXEC, 3) : -EBADF;
                if (*fd < 0)
                        return map ? -errno : -ENOENT;
        }
        return 0;
}

/* The tamper programs attach first (passes 0 and 1), then arming is done again (see
 * arm_self_protection()). The policy is in place before the first enforcing program runs (pass
 * 2): no start-up window. Iterators are not attached here. */
static int attach_programs(Backend *b, const PolicyImage *image, int template_fd, LoadLinks *l, char **ret_reason) {
        struct bpf_program *prog;
        int r;

        for (int pass = 0; pass < 3; pass++) {
                if (pass == 2) {
                        r = pin_new_state_maps(b);
                        if (r >= 0)
                                r = arm_self_protection(b, template_fd);
                        if (r >= 0)
                                r = backend_apply(b, image, NULL);
                        if (r < 0)
                                return step_failed(ret_reason, r, "filling the policy map");
                }
                bpf_object__for_each_program(prog, b->obj) {
                        if (!bpf_program__autoload(prog) || attach_rank(prog) != pass)
                                continue;
                        if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
                            bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER)
                                continue;
                        if (l->n >= ELEMENTSOF(l->links))
                                return -E2BIG;
                        l->links[l->n] = bpf_program__attach(prog);
                        if (!l->links[l->n]) {
                                r = -errno;
                                if (asprintf(ret_reason, "attaching %s failed: %s", bpf_program__name(prog), strerror(-r)) < 0)
                                        *ret_reason = NULL;
                                return r;
                        }
                        register_object(b, GUARD_OBJ_LINK, object_id(bpf_link__fd(l->links[l->n])));
                        l->names[l->n++] = bpf_program__name(prog);
                }
        }
        return 0;
}

/* The cgroup iterator gets a link (pinned later); the task iterators run once now. */
static int start_iterators(Backend *b, LoadLinks *l, char **ret_reason) {
        struct bpf_program *prog;
        int r;

        bpf_object__for_each_program(prog, b->obj) {
                if (bpf_program__expected_attach_type(prog) != BPF_TRACE_ITER)
                        continue;
                if (streq(bpf_program__name(prog), "guard_iter_cgroups")) {
                        r = attach_cgroup_iterator(b, prog, &l->cgroup_iter);
                        if (r < 0)
                                return step_failed(ret_reason, r, "attaching the cgroup iterator");
                        continue;
                }
                r = run_iterator(prog);
                if (r < 0)
                        return step_failed(ret_reason, r, "running the task iterator");
        }
        return 0;
}

/* New links are attached; now make the pins point at them (old ones detach here), then the
 * shared maps and the build record. */
static int pin_load(Backend *b, const LoadLinks *l, char **ret_reason) {
        int r = bpffs_ensure_dir(b->pin_dir);

        if (r < 0) {
                if (asprintf(ret_reason, "%s is not usable as a bpffs directory: %s", b->pin_dir, strerror(-r)) < 0)
                        *ret_reason = NULL;
                return r;
        }
        for (unsigned i = 0; i < l->n; i++) {
                r = pin_replace(bpf_link__fd(l->links[i]), b->pin_dir, "link_", l->names[i]);
                if (r < 0)
                        return step_failed(ret_reason, r, "pinning a link");
                b->link_ids[i] = object_id(bpf_link__fd(l->links[i]));
        }
        remove_stale_links(b->pin_dir, b->obj);
        if (l->cgroup_iter) {
                r = pin_replace(bpf_link__fd(l->cgroup_iter), b->pin_dir, "", CGROUP_ITER_PIN);
                if (r < 0)
                        return step_failed(ret_reason, r, "pinning the cgroup iterator");
        }
        for (size_t i = 0; i < ELEMENTSOF(shared_maps); i++) {
                r = pin_replace(bpf_map__fd(bpf_object__find_map_by_name(b->obj, shared_maps[i])), b->pin_dir, "map_",
                                shared_maps[i]);
                if (r < 0)
                        return step_failed(ret_reason, r, "pinning a map");
        }
        r = write_meta(b, b->pin_dir, b->kind);
        if (r < 0)
                return step_failed(ret_reason, r, "pinning the build record");
        hold_pin_dir(b);
        return 0;
}

static int backend_load(BackendKind kind, const char *pin_dir, const PolicyImage *image, unsigned entries_max,
                        Backend **ret, char **ret_reason) {
        _cleanup_(backend_freep) Backend *b = NULL;
        _cleanup_(closep) int template_fd = -EBADF;
        LoadLinks l = {};
        int r;

        if (!backend_objects[kind].elf_bytes) {
                *ret_reason = strdup("this build has no such backend");
                return -EOPNOTSUPP;
        }
        b = backend_new(kind, pin_dir);
        if (!b)
                return -ENOMEM;
        r = open_and_load(b, entries_max, &template_fd, ret_reason);
        if (r < 0)
                return r;
        r = keep_map_fds(b);
        if (r < 0)
                return step_failed(ret_reason, r, "finding the maps");
        r = arm_self_protection(b, template_fd);
        if (r < 0)
                return step_failed(ret_reason, r, "arming the tamper protection");

        r = attach_programs(b, image, template_fd, &l, ret_reason);
        if (r >= 0)
                r = start_iterators(b, &l, ret_reason);
        if (r >= 0)
                r = pin_load(b, &l, ret_reason);
        if (r < 0) {
                load_links_done(&l);
                return r;
        }

        /* The pins hold the links now, and so do we: libbpf's handles go without detaching, their
         * fds stay with the backend (libbpf keeps a disconnected link's fd open), so an unmounted
         * bpffs cannot free the links while the daemon runs. --unload stops the daemon first. */
        b->n_links = l.n;
        for (unsigned i = 0; i < l.n; i++) {
                b->link_fds[i] = bpf_link__fd(l.links[i]);
                bpf_link__disconnect(l.links[i]);
                bpf_link__destroy(l.links[i]);
        }
        bpf_link__destroy(l.cgroup_iter); /* the pin holds it */
        *ret = TAKE_PTR(b);
        return 0;
}

static int start_backend(BackendKind kind, const char *pin_dir, const PolicyImage *image, unsigned entries_max,
                         Backend **ret, char **ret_reason) {
        _cleanup_(freep) char *reasons = NULL;
        int r = -ENOENT;

        if (kind != BACKEND_AUTO) {
                r = backend_adopt(kind, pin_dir, image, ret);
                if (r >= 0)
                        return r;
                return backend_load(kind, pin_dir, image, entries_max, ret, ret_reason);
        }

        for (BackendKind k = 0; k < _BACKEND_MAX; k++) {
                _cleanup_(freep) char *reason = NULL;
                char *joined;

                if (backend_adopt(k, pin_dir, image, ret) >= 0)
                        return 0;
                r = backend_load(k, pin_dir, image, entries_max, ret, &reason);
                if (r >= 0)
                        return r;
                if (asprintf(&joined, "%s%s%s: %s", reasons ?: "", reasons ? "; " : "", kind_table[k],
                             reason ?: strerror(-r)) < 0)
                        return -ENOMEM;
                free(reasons);
                reasons = joined;
        }
        *ret_reason = TAKE_PTR(reasons);
        return r;
}

int backend_start(BackendKind kind, const char *pin_dir, const PolicyImage *image, unsigned entries_max,
                  Backend **ret, char **ret_reason) {
        int r = -ESTALE;

        if (image)
                r = start_backend(kind, pin_dir, image, entries_max, ret, ret_reason);
        else {
                /* Keeping the pinned generation means adopting it, or nothing. */
                for (BackendKind k = 0; k < _BACKEND_MAX && r < 0; k++)
                        if (kind == BACKEND_AUTO || kind == k)
                                r = backend_adopt(k, pin_dir, NULL, ret);
                if (r < 0 && !(*ret_reason = strdup("the pins are not this build's programs, they cannot be adopted as they are")))
                        return -ENOMEM;
        }
        if (r >= 0) {
                note_host_missing(*ret);
                (void) backend_pinned_guarantees(pin_dir, (*ret)->kind, &(*ret)->guarantees);
        }
        return r;
}

int backend_read_image(Backend *b, PolicyImage *ret) {
        _cleanup_(policy_image_done) PolicyImage image = {};
        struct guard_key key, next;
        struct guard_value value;
        int r;

        for (void *k = NULL; bpf_map_get_next_key(b->inner_fd, k, &next) == 0; k = &key) {
                key = next;
                if (bpf_map_lookup_elem(b->inner_fd, &key, &value) < 0)
                        continue; /* gone meanwhile (rmdir) */
                r = policy_image_put(&image, &key, &value);
                if (r < 0)
                        return r;
        }
        *ret = image;
        image = (PolicyImage) {};
        return 0;
}

/* What backend_protect() registered this time: whatever else guard_objects holds is gone. */
typedef struct ProtectSet {
        int fd;
        uint64_t *keys;
        size_t n, allocated;
        bool incomplete;        /* out of memory: not a complete record, nothing is dropped */
} ProtectSet;

static void protect_object(ProtectSet *set, uint64_t kind, uint64_t id) {
        uint64_t key = kind | id;
        uint8_t one = 1;

        if (!id)
                return;
        (void) bpf_map_update_elem(set->fd, &key, &one, BPF_ANY);
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

/* A program and every map it uses (maps that are not pinned included: the kernel names them). */
static void protect_program(ProtectSet *set, uint32_t prog_id) {
        _cleanup_(closep) int fd = bpf_prog_get_fd_by_id(prog_id);
        struct bpf_prog_info info = {};
        uint32_t map_ids[64];
        __u32 len = sizeof(info);

        protect_object(set, GUARD_OBJ_PROG, prog_id);
        if (fd < 0)
                return;
        info.nr_map_ids = ELEMENTSOF(map_ids);
        info.map_ids = (uint64_t) (uintptr_t) map_ids;
        if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0)
                return;
        for (uint32_t i = 0; i < info.nr_map_ids && i < ELEMENTSOF(map_ids); i++)
                protect_object(set, GUARD_OBJ_MAP, map_ids[i]);
}

static bool protect_set_has(const ProtectSet *set, uint64_t key) {
        for (size_t i = 0; i < set->n; i++)
                if (set->keys[i] == key)
                        return true;
        return false;
}

/* Our cgroup and every cgroup above it but the root, as directories: every file in them but
 * cgroup.procs and cgroup.threads (left to the migration policy; joining our own cgroup is
 * guard_tamper_join()'s) and cgroup.subtree_control (runc, containerd's shim, nspawn and systemd
 * enable controllers in every ancestor of the cgroups they create, system.slice for
 * docker-*.scope) is refused, files made later by a controller enabled again included. In the
 * root, cgroup.max.depth and cgroup.max.descendants (nobody's real business; they stop new
 * cgroups). Returns our cgroup's id, 0 in the root. */
static uint64_t protect_cgroup_files(ProtectSet *set, int cgroup_root_fd) {
        static const char *const left_open[] = { "cgroup.procs", "cgroup.threads", "cgroup.subtree_control" };
        static const char *const root_guarded[] = { "cgroup.max.depth", "cgroup.max.descendants" };
        _cleanup_(freep) char *path = NULL;
        uint64_t id = 0;
        struct stat st;

        if (cgroup_root_fd < 0)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(root_guarded); i++)
                if (fstatat(cgroup_root_fd, root_guarded[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
                        protect_object(set, GUARD_OBJ_CGROUP_FILE, st.st_ino);
        /* Resolved beneath the cgroup2 root without crossing a mount: a directory mounted over
         * ours (or over one above it) would register another cgroup. */
        if (cgroup2_path_of_pid(getpid(), &path) < 0 || cgroup2_id_of_path(cgroup_root_fd, path, &id) < 0)
                return 0;
        for (char *slash; !streq(path, "/"); *slash = '\0') {
                _cleanup_(closep) int dir_fd = cgroup2_open_at(cgroup_root_fd, path, O_RDONLY | O_DIRECTORY);

                if (dir_fd >= 0 && fstat(dir_fd, &st) == 0) {
                        protect_object(set, GUARD_OBJ_CGROUP_DIR, st.st_ino);
                        for (size_t i = 0; i < ELEMENTSOF(left_open); i++)
                                if (fstatat(dir_fd, left_open[i], &st, AT_SYMLINK_NOFOLLOW) == 0)
                                        protect_object(set, GUARD_OBJ_CGROUP_OPEN, st.st_ino);
                }
                slash = strrchr(path, '/');
                if (slash == path)
                        slash++;
        }
        return id;
}

static uint32_t ns_inode(const char *path) {
        struct stat st;

        return stat(path, &st) == 0 ? (uint32_t) st.st_ino : 0;
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

/* Drops from guard_objects whatever this round did not register (nothing when the round's record
 * is incomplete). */
static void drop_unprotected(const ProtectSet *set, int objects_fd) {
        uint64_t key, next, *stale = NULL;
        size_t n_stale = 0;

        for (void *k = NULL; !set->incomplete && bpf_map_get_next_key(objects_fd, k, &next) == 0; k = &key) {
                key = next;
                if (protect_set_has(set, key))
                        continue;
                uint64_t *grown = realloc(stale, (n_stale + 1) * sizeof(*stale));
                if (!grown)
                        break;
                stale = grown;
                stale[n_stale++] = key;
        }
        for (size_t i = 0; i < n_stale; i++)
                (void) bpf_map_delete_elem(objects_fd, &stale[i]);
        free(stale);
}

int backend_protect(Backend *b, bool enabled, int cgroup_root_fd) {
        uint64_t cgroup_id = 0;
        int r;

        if (b->self_fd < 0)
                return 0; /* this backend has no tamper protection */
        if (b->objects_fd < 0)
                return -EBADF;

        if (enabled) {
                ProtectSet set = { .fd = b->objects_fd };

                /* Everything is registered again and only then what is gone dropped (ids of
                 * objects that are gone must not protect others): nothing is unprotected on the
                 * way, as it would be if the set were cleared first. */
                char buf[32];

                /* Ours, not whatever is mounted over the path now. */
                protect_pins(&set, held_pin_dir(b, buf));
                protect_held(&set, b);
                cgroup_id = protect_cgroup_files(&set, cgroup_root_fd);
                drop_unprotected(&set, b->objects_fd);
                free(set.keys);
        }
        /* Armed (or not, "protect_self": false) for good; links are registered, start-up is over. */
        r = write_self(b, enabled, false, cgroup_id);
        if (r >= 0)
                r = write_self_unit(b, cgroup_root_fd);
        return r;
}

void backend_release_programs(Backend *b) {
        for (unsigned i = 0; i < b->n_links; i++)
                closep(&b->link_fds[i]);
        bpf_object__close(b->obj);
        b->obj = NULL;
}
