/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Loading a backend: its BPF object opened, sized and loaded (state maps reused from pins), its
 * programs attached in order and pinned; or a running one adopted from its pins. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "backend-internal.h"
#include "bpf-backend.h"
#include "cgroupfs.h"
#include "hash-util.h"
#include "log.h"
#include "macro.h"
#include "policy-image.h"
#include "compat.skel.h"
#include "native.skel.h"
#include "observe.skel.h"

/* Maps and programs are named by the lists in bpf/guard-maps.h, not by skeleton members: one
 * loader serves the three objects (each skeleton a different struct, with different maps), and a
 * name is also its pin's, which readers without the object open by name. Typed access is kept
 * where it matters, at build time: every listed name is a member of the skeletons of the objects
 * its list names, or this does not compile. */
#define SKELETON_HAS_MAP(skel, name) \
        _Static_assert(sizeof(((struct skel *) 0)->maps.name) == sizeof(struct bpf_map *), #skel " has map " #name);
#define SKELETON_HAS_PROG(skel, name) \
        _Static_assert(sizeof(((struct skel *) 0)->progs.name) == sizeof(struct bpf_program *), #skel " has program " #name);
#define NATIVE_HAS_MAP(name) SKELETON_HAS_MAP(native, name)
#define COMPAT_HAS_MAP(name) SKELETON_HAS_MAP(compat, name)
#define OBSERVE_HAS_MAP(name) SKELETON_HAS_MAP(observe, name)
#define NATIVE_HAS_PROG(name) SKELETON_HAS_PROG(native, name)
#define COMPAT_HAS_PROG(name) SKELETON_HAS_PROG(compat, name)
#define OBSERVE_HAS_PROG(name) SKELETON_HAS_PROG(observe, name)
GUARD_MAPS_EVERY_OBJECT(NATIVE_HAS_MAP) GUARD_MAPS_EVERY_OBJECT(COMPAT_HAS_MAP) GUARD_MAPS_EVERY_OBJECT(OBSERVE_HAS_MAP)
GUARD_MAPS_TAMPER(NATIVE_HAS_MAP) GUARD_MAPS_TAMPER(COMPAT_HAS_MAP)
GUARD_MAPS_COMPAT(COMPAT_HAS_MAP)
GUARD_MAPS_OBSERVE(OBSERVE_HAS_MAP)
NATIVE_HAS_MAP(data_guard_seen) COMPAT_HAS_MAP(data_guard_seen) OBSERVE_HAS_MAP(data_guard_seen) /* GUARD_DATA_SEEN */
GUARD_PROGS_EVERY_OBJECT(NATIVE_HAS_PROG) GUARD_PROGS_EVERY_OBJECT(COMPAT_HAS_PROG) GUARD_PROGS_EVERY_OBJECT(OBSERVE_HAS_PROG)
GUARD_PROGS_TAMPER(NATIVE_HAS_PROG) GUARD_PROGS_TAMPER(COMPAT_HAS_PROG)
GUARD_PROGS_NATIVE(NATIVE_HAS_PROG)
GUARD_PROGS_COMPAT(COMPAT_HAS_PROG)
GUARD_PROGS_OBSERVE(OBSERVE_HAS_PROG)

/* Maps whose contents must outlive a daemon upgrade: reused from their pins when compatible. */
static const char *const state_maps[] = {
        GUARD_MAP(guard_task_locks), GUARD_MAP(guard_sandbox_ns), GUARD_MAP(observe_task_cgroup),
        GUARD_MAP(compat_windows), GUARD_MAP(compat_open_windows), GUARD_MAP(guard_self), GUARD_MAP(guard_objects),
        GUARD_MAP(guard_identity), GUARD_MAP(guard_self_unit), GUARD_MAP(guard_bus_peers), GUARD_MAP(guard_pid1_exec),
        GUARD_MAP(guard_mounts_in_flight), GUARD_MAP(guard_mount_claims),
};
/* Maps the daemon and --status open from pins. */
static const char *const shared_maps[] = {
        GUARD_MAP(guard_policy), GUARD_MAP(guard_events), GUARD_MAP(guard_denials), GUARD_MAP(guard_counters),
        GUARD_MAP(guard_records), GUARD_MAP(guard_rule_counts), GUARD_MAP(guard_rule_names),
        GUARD_MAP(guard_cgroup_counts), GUARD_MAP(guard_hints),
};

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

/* One more missing guarantee (line: allocated, taken over; NULL: out of memory, nothing to add). */
static void add_missing(Backend *b, char *line) {
        if (!line || !GREEDY_REALLOC(b->missing, b->n_missing_allocated, b->n_missing + 1)) {
                free(line);
                return;
        }
        b->missing[b->n_missing++] = line;
}

static void missing_clear(Backend *b) {
        for (unsigned i = 0; i < b->n_missing; i++)
                free(b->missing[i]);
        b->n_missing = 0;
}

/* What this host adds to a backend's missing guarantees. */
static void note_host_missing(Backend *b) {
        char *v1 = backend_missing_cgroup_v1();

        if (v1)
                add_missing(b, v1);
}

const void *backend_object_elf(BackendKind kind, size_t *ret_size) {
        return kind >= 0 && kind < _BACKEND_MAX && backend_objects[kind].elf_bytes ? backend_objects[kind].elf_bytes(ret_size) : NULL;
}

const char *backend_object_name(BackendKind kind) {
        return kind >= 0 && kind < _BACKEND_MAX ? backend_objects[kind].name : NULL;
}

uint64_t backend_build_id(BackendKind kind) {
        size_t n = 0;
        const void *elf = backend_objects[kind].elf_bytes(&n);

        return fnv1a(elf, n);
}

static Backend *backend_new(BackendKind kind, const char *pin_dir) {
        Backend *b = calloc(1, sizeof(*b));

        if (!b)
                return NULL;
        b->kind = kind;
        b->pin_dir = strdup(pin_dir);
        b->outer_fd = b->inner_fd = b->events_fd = b->denials_fd = b->counters_fd = -EBADF;
        b->self_fd = b->objects_fd = b->records_fd = b->pin_dir_fd = b->bus_peers_fd = b->pid1_mountinfo_fd = -EBADF;
        b->pid1_exec_fd = b->hints_fd = -EBADF;
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
        missing_clear(b);
        free(b->missing);
        backend_guarantees_done(&b->guarantees);
        bpf_object__close(b->obj);
        closep(&b->outer_fd);
        closep(&b->inner_fd);
        closep(&b->events_fd);
        closep(&b->denials_fd);
        closep(&b->counters_fd);
        closep(&b->hints_fd);
        closep(&b->self_fd);
        closep(&b->objects_fd);
        closep(&b->pid1_exec_fd);
        closep(&b->bus_peers_fd);
        closep(&b->records_fd);
        closep(&b->pin_dir_fd);
        closep(&b->pid1_mountinfo_fd);
        for (unsigned i = 0; i < b->n_links; i++)
                closep(&b->link_fds[i]);
        free(b->bus_socket_path);
        free(b->helpers_seen);
        free(b->pin_dir);
        free(b);
}
DEFINE_TRIVIAL_CLEANUP_FUNC(Backend *, backend_free);

/* Same backend, same build pinned: take it over without touching the programs, with image in
 * force (NULL: the pinned generation, as it is). */
static int backend_adopt(BackendKind kind, const char *pin_dir, const PolicyImage *image, const BackendCover *cover,
                         Backend **ret) {
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
        b->outer_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_policy));
        b->events_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_events));
        b->denials_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_denials));
        b->counters_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_counters));
        b->hints_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_hints));
        if (b->outer_fd < 0 || b->events_fd < 0 || b->denials_fd < 0 || b->counters_fd < 0 || b->hints_fd < 0)
                return -ESTALE;
        {
                /* A retired set does nothing (guard_set_retired()): adopted, the guard would look
                 * up and be off, its hints frozen past putting back (a review found the daemon
                 * adopting it again each second). Loaded afresh instead. */
                struct guard_hints hints = {};
                __u32 zero = 0;

                if (bpf_map_lookup_elem(b->hints_fd, &zero, &hints) < 0 || hints.retired)
                        return -ESTALE;
        }
        {
                /* A generation a killed daemon was preparing: the kernel need not fill it on. */
                __u32 next = GUARD_SLOT_NEXT;

                (void) bpf_map_delete_elem(b->outer_fd, &next);
        }
        b->self_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_self));
        b->objects_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_objects));
        b->pid1_exec_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_pid1_exec));
        b->bus_peers_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_bus_peers));
        b->records_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_records)); /* pins of this build have it */
        {
                _cleanup_(closep) int identity_fd = open_pinned_map(pin_dir, GUARD_MAP(guard_identity));

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
                r = backend_apply(b, image, cover, NULL);
                if (r < 0)
                        return r;
        } else {
                /* As it is: the pinned generation stays the active one. */
                __u32 zero = 0, inner_id;

                if (bpf_map_lookup_elem(b->outer_fd, &zero, &inner_id) < 0 ||
                    (b->inner_fd = bpf_map_get_fd_by_id(inner_id)) < 0)
                        return -ESTALE;
                /* Read back whole (backend_read_image(), KnownCgroups): exactly this build's entries. */
                if (!map_layout_is(b->inner_fd, BPF_MAP_TYPE_HASH, sizeof(struct guard_key), sizeof(struct guard_value)))
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

/* The root of the cgroup2 hierarchy, opened (an fd to close), or -errno. */
static int open_cgroup2_root(void) {
        _cleanup_(freep) char *mount = NULL;
        int r = cgroup2_find_mount(&mount);

        return r < 0 ? r : cgroup2_open_root(mount);
}

/* The per-cgroup state for `cat` (bpf/guard-cgroups.bpf.h, guard_iter_cgroups): an iterator
 * over every cgroup2 cgroup, parents first, pinned as CGROUP_ITER_PIN. Registered as a link of
 * the guard, so nobody else can replace its program (BPF_LINK_UPDATE); its pin's inode is not,
 * so the admin can open it (reading creates an iterator, and changes nothing). */
static int attach_cgroup_iterator(Backend *b, struct bpf_program *prog, struct bpf_link **ret) {
        _cleanup_(closep) int root = open_cgroup2_root();
        union bpf_iter_link_info info = {};
        LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &info, .link_info_len = sizeof(info));
        struct bpf_link *link;

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

/* A cgroup program (the usermode helpers' sysctls, bpf/guard-tamper.bpf.h) on the root cgroup:
 * every cgroup below runs it too, and none can drop it. libbpf attaches these to no cgroup of its
 * own accord. */
static struct bpf_link *attach_to_root_cgroup(struct bpf_program *prog) {
        _cleanup_(closep) int root = open_cgroup2_root();

        if (root < 0) {
                errno = -root;
                return NULL;
        }
        return bpf_program__attach_cgroup(prog, root);
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

/* The programs that release the mount claims at the end of each mount system call, and those
 * that mark a call as one this set will release (attached after their release: attach_rank()). */
static const struct {
        const char *exit, *enter;
        bool ia32;
} mount_calls[] = {
        { GUARD_PROG(guard_tamper_mount_exit), GUARD_PROG(guard_tamper_mount_enter), false },
        { GUARD_PROG(guard_tamper_move_mount_exit), GUARD_PROG(guard_tamper_move_mount_enter), false },
        { GUARD_PROG(guard_tamper_move_mount_exit_ia32), GUARD_PROG(guard_tamper_move_mount_enter_ia32), true },
};

static bool is_mount_enter(const char *name) {
        for (size_t i = 0; i < ELEMENTSOF(mount_calls); i++)
                if (streq(name, mount_calls[i].enter))
                        return true;
        return false;
}

/* A window whose kernel function is unusable here, and the program that takes its place. */
static const struct {
        const char *program, *alternative;
} window_alternatives[] = {
        { GUARD_PROG(compat_unshare_enter), GUARD_PROG(compat_unshare_sys_enter) },
        { GUARD_PROG(compat_unshare_exit), GUARD_PROG(compat_unshare_sys_exit) },
};

/* fentry/fexit targets are static, non-ABI kernel functions: one may be missing, inlined or
 * renamed (a function inlined into some callers only keeps its BTF entry: the VM scenarios drive
 * every path through each window on the kernels we ship for; scanning /proc/kallsyms for
 * compiler clones costs seconds under emulation). Such a program is not loaded; its alternative
 * is, if there is one and it is usable;
 * otherwise the guarantees it carries are listed as missing (backend_pinned_guarantees()).
 * Each unusable function is recorded with the reason, never silently. */
static void skip_missing_targets(Backend *b, struct btf *vmlinux) {
        KernelProbe probe = { .vmlinux = vmlinux };
        struct bpf_program *prog;

        if (!vmlinux)
                return;

        bpf_object__for_each_program(prog, b->obj) {
                const char *fn = program_target(prog), *why, *instead = NULL;
                char *line = NULL;
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
                /* Without __ia32_sys_move_mount there are no 32-bit system calls: nothing missing. */
                for (size_t i = 0; i < ELEMENTSOF(mount_calls); i++)
                        if (streq(bpf_program__name(prog), mount_calls[i].exit) && !mount_calls[i].ia32 &&
                            asprintf(&line, "kernel function %s is not attachable (%s): mounts through it are not "
                                     "taken one at a time per place", fn, why) >= 0) {
                                add_missing(b, line);
                                line = NULL;
                        }
                if (!strneq(bpf_program__section_name(prog) + (bpf_program__section_name(prog)[0] == '?'), "fentry/", 7))
                        continue;
                if ((instead ? asprintf(&line, "kernel function %s is not attachable (%s): its window sits on %s instead",
                                        fn, why, instead)
                             : asprintf(&line, "kernel function %s is not attachable (%s): what its window decides is not checked",
                                        fn, why)) < 0)
                        line = NULL;
                add_missing(b, line);
        }
}

/* The policy map's size is chosen at load. libbpf 1.1 cannot resize the inner definition of a
 * map-in-map (bpf_map__set_max_entries() crashes on it), so the outer map gets an inner
 * template made here: the object's own key/value BTF, entries_max in size. The template in
 * slot 0 is resized to match (the kernel compares size and BTF-derived layout). */
static int set_policy_map_size(Backend *b, unsigned entries_max, int *ret_template_fd) {
        LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = BPF_F_NO_PREALLOC);
        struct bpf_map *outer = bpf_object__find_map_by_name(b->obj, GUARD_MAP(guard_policy));
        struct bpf_map *slot0 = bpf_object__find_map_by_name(b->obj, GUARD_MAP(guard_policy_template));
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

/* Linux 6.6 and later put a task into the time namespace it prepared at its next exec too
 * (exec_task_namespaces()): only there does an exec need the namespace lock's decision
 * (guard_exec_pending()); elsewhere the program would refuse execs that enter nothing. */
static void choose_exec_programs(Backend *b, struct btf *vmlinux) {
        static const char *const programs[] = { GUARD_PROG(native_exec_pending), GUARD_PROG(compat_exec_pending) };
        bool enters = vmlinux && btf__find_by_name_kind(vmlinux, "exec_task_namespaces", BTF_KIND_FUNC) >= 0;

        for (size_t i = 0; i < ELEMENTSOF(programs); i++) {
                struct bpf_program *prog = bpf_object__find_program_by_name(b->obj, programs[i]);

                if (prog)
                        bpf_program__set_autoload(prog, enters);
        }
}

/* The programs skip sandbox and lock-mark lookups while none can exist (guard_seen_* in
 * bpf/guard-policy.bpf.h). They are loaded saying every kind may exist; that is lowered to
 * "none yet" only when the sandbox and mark maps start empty here, not reused from pins an
 * earlier load filled (its programs may still be adding to them). */
static int guard_seen_init(Backend *b) {
        struct bpf_map *seen = bpf_object__find_map_by_name(b->obj, GUARD_DATA_SEEN);
        const char *state[] = { GUARD_MAP(guard_task_locks), GUARD_MAP(guard_sandbox_ns) };
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

void start_step_done(const char *step) {
        static uint64_t last;
        struct timespec ts;
        uint64_t now;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        now = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        if (last)
                log_debug("Start: %s took %.1f ms.", step, (now - last) / 1000.0);
        last = now;
}

/* libbpf creates the global data maps (.data.guard_seen, .bss, .rodata) mappable
 * (BPF_F_MMAPABLE), and a write through a mapping asks no hook: an fd got by id before the daemon
 * arms its protection at a cold start, mapped writable, could clear guard_seen_any later and
 * with it every lock mark (a review found it). Unmappable, they are written through bpf() only,
 * which guard_tamper_bpf checks; the daemon reads and writes none of them through a mapping
 * (it sets .data.guard_seen's initial value before the load). */
static int no_mappable_maps(Backend *b) {
        struct bpf_map *map;

        bpf_object__for_each_map(map, b->obj) {
                __u32 flags = bpf_map__map_flags(map);

                if (bpf_map__is_internal(map) && (flags & BPF_F_MMAPABLE) &&
                    bpf_map__set_map_flags(map, flags & ~BPF_F_MMAPABLE) < 0)
                        return -errno;
        }
        return 0;
}

/* What is decided between opening the object and loading it: the policy map's size, the tamper
 * variants for this kernel's lockdown and hook signatures, the programs whose kernel functions are missing, the
 * lookups the programs may skip at first, global data that cannot be mapped. */
static int prepare_object(Backend *b, unsigned entries_max, int *ret_template_fd) {
        _cleanup_(btf_freep) struct btf *vmlinux = NULL;
        int r = set_policy_map_size(b, entries_max, ret_template_fd);

        if (r < 0)
                return r;
        r = guard_seen_init(b);
        if (r < 0)
                return r;
        r = no_mappable_maps(b);
        if (r < 0)
                return r;
        start_step_done("sizing the policy map");
        vmlinux = btf__load_vmlinux_btf();
        start_step_done("parsing vmlinux BTF");
        choose_tamper_variants(b, vmlinux);
        choose_exec_programs(b, vmlinux);
        skip_missing_targets(b, vmlinux);
        start_step_done("probing the kernel's functions");
        return 0;
}

/* Attach order: the lsm/bpf program first (from its attachment on nothing registered is opened
 * by id or written through an fd by anyone else), then the other tamper programs, then, with
 * the policy in place, the rest. */
static int attach_rank(const struct bpf_program *prog) {
        const char *name = bpf_program__name(prog);

        if (streq(name, GUARD_PROG(guard_tamper_bpf)) || streq(name, GUARD_PROG(guard_tamper_bpf_lockdown)))
                return 0;
        /* After the releases (pass 1): a call that ran one is sure to run its release. */
        if (is_mount_enter(name))
                return 2;
        if (strneq(name, "guard_tamper", 12))
                return 1;
        return strneq(name, "guard_cgroup_", 13) ? 2 : 3;
}

/* The state maps whose loss would free what the guard holds: lock marks, sandboxes, forged and
 * trusted identities. */
static bool state_map_must_be_kept(const char *name) {
        return streq(name, GUARD_MAP(guard_task_locks)) || streq(name, GUARD_MAP(guard_sandbox_ns)) ||
               streq(name, GUARD_MAP(guard_identity));
}

/* Would libbpf reuse the pinned map fd for map (its map_is_reuse_compat())? */
static bool pinned_map_fits(int fd, const struct bpf_map *map) {
        struct bpf_map_info info = {};
        __u32 len = sizeof(info);

        return bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == bpf_map__type(map) &&
               info.key_size == bpf_map__key_size(map) && info.value_size == bpf_map__value_size(map) &&
               info.max_entries == bpf_map__max_entries(map) && info.map_flags == bpf_map__map_flags(map) &&
               info.map_extra == bpf_map__map_extra(map);
}

/* The running set's programs refuse maps, programs and links by id to all but the guard from
 * here until the new set is armed (guard_self.starting, which arming sets and protecting clears):
 * the new maps have ids before they are registered. self_fd: our own, or a pin checked to fit
 * (open_pinned_map(), pinned_map_fits()). */
static int mark_starting(int self_fd, bool starting) {
        struct guard_self self = {};
        __u32 zero = 0;

        if (bpf_map_lookup_elem(self_fd, &zero, &self) < 0)
                return -errno;
        if (!self.enabled || self.starting == starting)
                return 0;
        self.starting = starting;
        return bpf_map_update_elem(self_fd, &zero, &self, BPF_ANY) < 0 ? -errno : 0;
}

/* A load that failed before arming: the running set goes on as before. */
static void unmark_starting(const char *pin_dir) {
        _cleanup_(closep) int fd = open_pinned_map(pin_dir, GUARD_MAP(guard_self));

        if (fd >= 0)
                (void) mark_starting(fd, false);
}

/* A load that failed once the running set was told it began (or once this one armed, which says
 * the same): the running set's programs refuse objects by id to all but the guard only while a
 * load is under way, not after one gave up (a review found it left set for good). */
static void load_failed_after_mark(Backend *b) {
        if (b->self_fd >= 0)
                (void) mark_starting(b->self_fd, false);
        unmark_starting(b->pin_dir);
}

#define PINNED_MAP_IDS_MAX 4096

/* The ids of the maps the programs of the pinned links use: what a pinned set that still runs
 * keeps its state in. *ret_complete: every link_* pin could be read (one whose mode a root
 * changed cannot be opened by the daemon, which has no CAP_DAC_OVERRIDE: then which maps are in
 * use is not known). */
static int pinned_programs_map_ids(const char *pin_dir, __u32 *ids, size_t *n, bool *ret_complete) {
        _cleanup_(closedirp) DIR *d = opendir(pin_dir);
        struct dirent *de;

        *n = 0;
        *ret_complete = true;
        if (!d)
                return errno == ENOENT ? 0 : -errno;
        while ((de = readdir(d))) {
                _cleanup_(freep) char *path = NULL;
                _cleanup_(closep) int link = -EBADF, prog = -EBADF;
                struct bpf_link_info link_info = {};
                struct bpf_prog_info prog_info = {};
                __u32 len = sizeof(link_info), map_ids[256];

                if (!strneq(de->d_name, "link_", 5))
                        continue;
                if (asprintf(&path, "%s/%s", pin_dir, de->d_name) < 0)
                        return -ENOMEM;
                link = bpf_obj_get(path);
                if (link < 0) {
                        *ret_complete = false;
                        continue;
                }
                if (bpf_obj_get_info_by_fd(link, &link_info, &len) < 0 || !link_info.prog_id)
                        continue; /* no link: counts for nothing */
                prog = bpf_prog_get_fd_by_id(link_info.prog_id);
                prog_info.nr_map_ids = ELEMENTSOF(map_ids);
                prog_info.map_ids = (__u64) (uintptr_t) map_ids;
                len = sizeof(prog_info);
                if (prog < 0 || bpf_obj_get_info_by_fd(prog, &prog_info, &len) < 0 ||
                    prog_info.nr_map_ids > ELEMENTSOF(map_ids)) {
                        *ret_complete = false;
                        continue;
                }
                for (__u32 i = 0; i < prog_info.nr_map_ids; i++) {
                        if (*n >= PINNED_MAP_IDS_MAX) {
                                *ret_complete = false;
                                break;
                        }
                        ids[(*n)++] = map_ids[i];
                }
        }
        return 0;
}

static bool map_id_listed(const __u32 *ids, size_t n, __u32 id) {
        for (size_t i = 0; i < n; i++)
                if (ids[i] == id)
                        return true;
        return false;
}

/* State maps pinned by an earlier load are reused (libbpf opens the pin instead of creating
 * them). New ones are pinned by pin_new_state_maps() once the tamper programs are attached: a
 * pin made before then could be removed by anyone. One of another layout (an upgrade changed it)
 * starts afresh on its own; the others are kept. If it holds marks, sandboxes or identities, the
 * load is refused instead: the pinned programs go on enforcing with it, and the admin decides
 * (cgroup-guardd --unload drops it with everything else). Before, any map that did not fit had
 * every state map dropped, and a task locked into a sandbox went free at the upgrade (a review
 * found it). */
static int reuse_state_maps(Backend *b, char **ret_reason) {
        _cleanup_(freep) __u32 *ids = calloc(PINNED_MAP_IDS_MAX, sizeof(__u32));
        size_t n_ids = 0;
        bool complete;
        int r;

        if (!ids)
                return -ENOMEM;
        r = pinned_programs_map_ids(b->pin_dir, ids, &n_ids, &complete);
        if (r < 0)
                return step_failed(ret_reason, r, "reading the pinned links");
        for (size_t i = 0; i < ELEMENTSOF(state_maps); i++) {
                _cleanup_(freep) char *path = pin_path(b->pin_dir, "map_", state_maps[i]);
                struct bpf_map *map = bpf_object__find_map_by_name(b->obj, state_maps[i]);
                _cleanup_(closep) int fd = -EBADF;
                struct bpf_map_info info = {};
                __u32 len = sizeof(info);

                if (!path)
                        return -ENOMEM;
                if (!map || access(path, F_OK) < 0)
                        continue;
                fd = bpf_obj_get(path);
                if (fd < 0)
                        return step_failed(ret_reason, -errno, "opening a pinned state map");
                /* A map no pinned program uses holds nothing anyone enforces by: whatever made it
                 * (a root before the guard's first start), it starts afresh. Reused, a planted
                 * guard_identity named its planter the guard, and a misfit refused every start
                 * (a review found both). */
                if (bpf_obj_get_info_by_fd(fd, &info, &len) < 0 || (complete && !map_id_listed(ids, n_ids, info.id))) {
                        if (unlink(path) < 0 && errno != ENOENT)
                                return step_failed(ret_reason, -errno, "removing a state map's pin no program uses");
                        continue;
                }
                if (pinned_map_fits(fd, map)) {
                        if (bpf_map__set_pin_path(map, path) < 0)
                                return -errno;
                        if (streq(state_maps[i], GUARD_MAP(guard_self))) {
                                r = mark_starting(fd, true);
                                if (r < 0)
                                        return step_failed(ret_reason, r, "telling the pinned programs a load begins");
                        }
                        continue;
                }
                if (state_map_must_be_kept(state_maps[i])) {
                        if (asprintf(ret_reason,
                                     "the pinned map %s in %s has another layout than this build's (an upgrade?): "
                                     "the lock marks, sandboxes or identities it holds would be lost. Not loading; the "
                                     "pinned programs go on enforcing. To start afresh without them, run "
                                     "cgroup-guardd --unload from an admin cgroup, then start the guard again",
                                     state_maps[i], b->pin_dir) < 0)
                                *ret_reason = NULL;
                        return -EEXIST;
                }
                log_notice("The pinned map %s has another layout than this build's: it starts afresh.", state_maps[i]);
                if (unlink(path) < 0 && errno != ENOENT)
                        return step_failed(ret_reason, -errno, "removing a state map's pin of another layout");
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

/* Opens the backend's object and loads it into the kernel. */
static int open_and_load(Backend *b, unsigned entries_max, int *ret_template_fd, char **ret_reason) {
        /* CGROUP_GUARD_VERIFIER_STATS=1 with --debug: the verifier's time and instruction count
         * per program (BPF_LOG_STATS), to measure what a start costs (README, "Where CI's time goes"). */
        LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = backend_objects[b->kind].name,
                    .kernel_log_level = secure_getenv("CGROUP_GUARD_VERIFIER_STATS") ? 4 : 0);
        size_t elf_size;
        const void *elf = backend_objects[b->kind].elf_bytes(&elf_size);
        int r;

        start_step_done("before opening the object");
        b->obj = bpf_object__open_mem(elf, elf_size, &opts);
        if (!b->obj)
                return step_failed(ret_reason, -errno, "opening the BPF object");
        start_step_done("opening the object");
        r = reuse_state_maps(b, ret_reason);
        if (r < 0) {
                unmark_starting(b->pin_dir);
                return r;
        }
        missing_clear(b);
        closep(ret_template_fd);
        *ret_template_fd = -EBADF;
        r = prepare_object(b, entries_max, ret_template_fd);
        if (r < 0) {
                unmark_starting(b->pin_dir);
                return step_failed(ret_reason, r, "sizing the policy map");
        }
        r = bpf_object__load(b->obj);
        start_step_done("loading the object (libbpf: vmlinux BTF again, the verifier)");
        if (r >= 0)
                return 0;
        unmark_starting(b->pin_dir);
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
                { GUARD_MAP(guard_policy), offsetof(Backend, outer_fd), false },
                { GUARD_MAP(guard_events), offsetof(Backend, events_fd), false },
                { GUARD_MAP(guard_denials), offsetof(Backend, denials_fd), false },
                { GUARD_MAP(guard_counters), offsetof(Backend, counters_fd), false },
                { GUARD_MAP(guard_hints), offsetof(Backend, hints_fd), false },
                { GUARD_MAP(guard_records), offsetof(Backend, records_fd), false },
                { GUARD_MAP(guard_self), offsetof(Backend, self_fd), true },
                { GUARD_MAP(guard_objects), offsetof(Backend, objects_fd), true },
                { GUARD_MAP(guard_pid1_exec), offsetof(Backend, pid1_exec_fd), true },
                { GUARD_MAP(guard_bus_peers), offsetof(Backend, bus_peers_fd), true },
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
 * arm_self_protection()). Then the cgroup programs (pass 2), so that the kernel classifies every
 * cgroup created from then on into the generation being prepared. The policy is in place before
 * the first enforcing program runs (pass 3): no start-up window. Iterators are not attached
 * here. */
static int attach_programs(Backend *b, const PolicyImage *image, const BackendCover *cover, int template_fd, LoadLinks *l,
                           char **ret_reason) {
        struct bpf_program *prog;
        int r;

        for (int pass = 0; pass < 4; pass++) {
                if (pass == 2) {
                        r = pin_new_state_maps(b);
                        if (r >= 0)
                                r = arm_self_protection(b, template_fd);
                        if (r < 0)
                                return step_failed(ret_reason, r, "arming the tamper protection");
                }
                if (pass == 3) {
                        start_step_done("attaching the tamper and cgroup programs, arming again");
                        r = backend_apply(b, image, cover, NULL);
                        if (r < 0)
                                return step_failed(ret_reason, r, "filling the policy map");
                        start_step_done("filling the policy map");
                }
                bpf_object__for_each_program(prog, b->obj) {
                        if (!bpf_program__autoload(prog) || attach_rank(prog) != pass)
                                continue;
                        if (bpf_program__type(prog) == BPF_PROG_TYPE_TRACING &&
                            bpf_program__expected_attach_type(prog) == BPF_TRACE_ITER)
                                continue;
                        if (l->n >= ELEMENTSOF(l->links))
                                return -E2BIG;
                        l->links[l->n] = bpf_program__type(prog) == BPF_PROG_TYPE_CGROUP_SYSCTL ?
                                                 attach_to_root_cgroup(prog) : bpf_program__attach(prog);
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
                if (streq(bpf_program__name(prog), GUARD_PROG(guard_iter_cgroups))) {
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

/* The set the pins held before this load, once ours are in its place: its links detach with
 * their pins, unless another process holds them (on native anyone may open a link pin). Then its
 * programs run on beside ours. So it is retired: its hints say so and are frozen, and every one
 * of its programs then returns at once (guard_set_retired()): no stale denial a relaxation or an
 * unload cannot reach, no write into what both sets share, and its maps, which our protection
 * drops, are worth nothing to write. Its outer map is frozen as well, and both maps are checked
 * to be what their pins' names say. Its generation is left as it is: emptied, its compat
 * programs (then still deciding) wrote "allowed" into the windows both sets share while 6.12
 * released its links (a full run found it). */
static bool map_is(int fd, enum bpf_map_type type, const char *name, uint32_t value_size) {
        struct bpf_map_info info = {};
        __u32 len = sizeof(info);

        return fd >= 0 && bpf_obj_get_info_by_fd(fd, &info, &len) == 0 && info.type == type &&
               strneq(info.name, name, sizeof(info.name)) && info.value_size == value_size;
}

static void disarm_replaced_set(int old_outer_fd, int old_hints_fd, const Backend *b) {
        struct guard_hints hints = {};
        __u32 zero = 0;
        int r = 0;

        if (old_hints_fd >= 0 && object_id(old_hints_fd) != object_id(b->hints_fd) &&
            !map_is(old_hints_fd, BPF_MAP_TYPE_ARRAY, GUARD_MAP(guard_hints), sizeof(struct guard_hints)))
                /* Shorter: a build before retirement, whose programs would not read it anyway. */
                log_warning("The program set this load replaced is of an older build and cannot be retired: if "
                            "another process holds its links, it enforces its last policy generation until they "
                            "are let go.");
        else if (old_hints_fd >= 0 && object_id(old_hints_fd) != object_id(b->hints_fd) &&
                 bpf_map_lookup_elem(old_hints_fd, &zero, &hints) == 0 && !hints.retired) {
                hints.retired = 1;
                if (bpf_map_update_elem(old_hints_fd, &zero, &hints, BPF_ANY) < 0 || bpf_map_freeze(old_hints_fd) < 0)
                        r = -errno;
        }
        if (r >= 0 && map_is(old_outer_fd, BPF_MAP_TYPE_ARRAY_OF_MAPS, GUARD_MAP(guard_policy), sizeof(__u32)) &&
            object_id(old_outer_fd) != object_id(b->outer_fd) && bpf_map_freeze(old_outer_fd) < 0 && errno != EBUSY)
                r = -errno; /* EBUSY: frozen already */
        if (r < 0)
                log_warning_errno(r, "Could not disarm the program set this load replaced: %m");
}

int backend_keep_in_force(Backend *b) {
        struct guard_hints hints = {};
        __u32 zero = 0;

        if (!b || b->hints_fd < 0 || bpf_map_lookup_elem(b->hints_fd, &zero, &hints) < 0 || !hints.retired)
                return 0;
        hints.retired = 0;
        /* Frozen as well (a review found it): the set is lost, a new one is loaded. */
        if (bpf_map_update_elem(b->hints_fd, &zero, &hints, BPF_ANY) < 0)
                return log_error_errno(-errno, "The guard's program set was marked retired by someone else, and cannot "
                                               "be put back into force (%m): loading the programs again.");
        log_error("The guard's program set was marked retired by someone else (a write into its hints map): put back "
                  "into force.");
        return 0;
}

void backend_retire(Backend *old, const Backend *b) {
        disarm_replaced_set(old->outer_fd, old->hints_fd, b);
}

/* New links are attached; now make the pins point at them (old ones detach here), then the
 * shared maps and the build record. */
static int pin_load(Backend *b, const LoadLinks *l, char **ret_reason) {
        _cleanup_(closep) int old_outer_fd = open_pinned_map(b->pin_dir, GUARD_MAP(guard_policy));
        _cleanup_(closep) int old_hints_fd = open_pinned_map(b->pin_dir, GUARD_MAP(guard_hints));
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
        disarm_replaced_set(old_outer_fd, old_hints_fd, b);
        hold_pin_dir(b);
        return 0;
}

static int backend_load(BackendKind kind, const char *pin_dir, const PolicyImage *image, const BackendCover *cover,
                        unsigned entries_max, Backend **ret, char **ret_reason) {
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
        if (r < 0) {
                load_failed_after_mark(b);
                return step_failed(ret_reason, r, "finding the maps");
        }
        r = arm_self_protection(b, template_fd);
        if (r < 0) {
                load_failed_after_mark(b);
                return step_failed(ret_reason, r, "arming the tamper protection");
        }
        start_step_done("arming the tamper protection");

        r = attach_programs(b, image, cover, template_fd, &l, ret_reason);
        start_step_done("attaching the programs");
        if (r >= 0)
                r = start_iterators(b, &l, ret_reason);
        if (r >= 0)
                r = pin_load(b, &l, ret_reason);
        start_step_done("pinning");
        if (r < 0) {
                load_links_done(&l);
                load_failed_after_mark(b);
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

/* A guard program set for this pin directory that the directory does not show: its build record
 * (a map named guard_meta with our magic and this directory) is in the kernel, and is not the one
 * pinned at pin_dir. A bpffs mounted over the directory hides its pins (a start outside systemd's
 * private mount namespace, or a namespace made after the mount), or its daemon holds the links of
 * a set whose pins were removed. Loading now would attach a second set beside it: two guards, the
 * hidden one's policy stale. Our own (a reload after the pins went) is not another. Returns the
 * record's map id, 0 for none. A record dies with its set, after an RCU grace period: one seen
 * going within a moment is not counted. */
#define HIDDEN_SET_WAIT_MSEC 2000
static uint32_t hidden_program_set(const char *pin_dir, uint64_t ret_meta[_META_SLOTS]) {
        uint64_t dir = pin_dir_hash(pin_dir);
        uint32_t visible = 0, found = 0;

        {
                _cleanup_(closep) int fd = open_pinned_map(pin_dir, META_MAP_NAME);

                if (fd >= 0)
                        visible = object_id(fd);
        }
        for (__u32 id = 0; bpf_map_get_next_id(id, &id) == 0;) {
                _cleanup_(closep) int fd = bpf_map_get_fd_by_id(id);
                struct bpf_map_info info = {};
                __u32 len = sizeof(info);
                uint64_t meta[_META_SLOTS];

                if (id == visible || fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len) < 0 ||
                    !streq(info.name, META_MAP_NAME) || info.type != BPF_MAP_TYPE_ARRAY ||
                    info.value_size != sizeof(uint64_t) || read_meta_fd(fd, meta) < 0)
                        continue;
                if (meta[META_DIR_SLOT] != dir || meta[META_PID_SLOT] == (uint64_t) getpid())
                        continue;
                memcpy(ret_meta, meta, sizeof(meta));
                found = id;
                break;
        }
        for (int i = 0; found && i < HIDDEN_SET_WAIT_MSEC / 50; i++) {
                __u32 next = 0;

                if (bpf_map_get_next_id(found - 1, &next) < 0 || next != found)
                        return 0;
                usleep(50 * USEC_PER_MSEC);
        }
        return found;
}

static int refuse_hidden_set(const char *pin_dir, char **ret_reason) {
        uint64_t meta[_META_SLOTS];
        uint32_t id = hidden_program_set(pin_dir, meta);

        if (id == 0)
                return 0;
        if (asprintf(ret_reason,
                     "a guard program set for %s is attached already (its build record: map id %u, pinned by pid "
                     "%llu), but its pins are not in %s: a file system mounted over it hides them? Not loading a "
                     "second set beside it. Unmount what is mounted over %s (the pins are underneath) and start again",
                     pin_dir, id, (unsigned long long) meta[META_PID_SLOT], pin_dir, pin_dir) < 0)
                *ret_reason = NULL;
        return -EEXIST;
}

/* A pinned set that enforces (native or compat, with links) is never replaced by a weaker kind: a
 * load of the weaker one unpins it (remove_stale_links()). A confined root that made the pinned
 * kind's load fail (a directory at a pin's temporary name) had a restart fall back to observe,
 * and enforcement was gone (a review found it). The admin unloads first to change kinds. */
static int refuse_weaker_than_pinned(const char *pin_dir, BackendKind kind, char **ret_reason) {
        BackendPinned pinned;

        if (backend_read_pinned(pin_dir, &pinned) < 0 || pinned.n_links == 0 || pinned.kind < 0 ||
            pinned.kind >= BACKEND_OBSERVE || kind <= pinned.kind)
                return 0;
        if (asprintf(ret_reason,
                     "the pinned %s program set in %s enforces and could not be adopted; not replacing it with the "
                     "weaker %s backend (run cgroup-guardd --unload first to change backends)",
                     kind_table[pinned.kind], pin_dir, kind_table[kind]) < 0)
                *ret_reason = NULL;
        return -EEXIST;
}

static int start_backend(BackendKind kind, const char *pin_dir, const PolicyImage *image, const BackendCover *cover,
                         unsigned entries_max, Backend **ret, char **ret_reason) {
        _cleanup_(freep) char *reasons = NULL;
        int r = -ENOENT;

        if (kind != BACKEND_AUTO) {
                r = backend_adopt(kind, pin_dir, image, cover, ret);
                if (r >= 0)
                        return r;
                r = refuse_hidden_set(pin_dir, ret_reason);
                if (r < 0)
                        return r;
                r = refuse_weaker_than_pinned(pin_dir, kind, ret_reason);
                if (r < 0)
                        return r;
                return backend_load(kind, pin_dir, image, cover, entries_max, ret, ret_reason);
        }

        for (BackendKind k = 0; k < _BACKEND_MAX; k++) {
                _cleanup_(freep) char *reason = NULL;
                char *joined;

                if (backend_adopt(k, pin_dir, image, cover, ret) >= 0)
                        return 0;
                if (refuse_weaker_than_pinned(pin_dir, k, &reason) < 0) {
                        if (asprintf(&joined, "%s%s%s", reasons ?: "", reasons ? "; " : "", reason ?: "") < 0)
                                return -ENOMEM;
                        free(reasons);
                        reasons = joined;
                        r = -EEXIST;
                        break;
                }
                if (k == 0) {
                        r = refuse_hidden_set(pin_dir, ret_reason);
                        if (r < 0)
                                return r;
                }
                r = backend_load(k, pin_dir, image, cover, entries_max, ret, &reason);
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

int backend_start(BackendKind kind, const char *pin_dir, const PolicyImage *image, const BackendCover *cover,
                  unsigned entries_max, Backend **ret, char **ret_reason) {
        int r = -ESTALE;

        if (image)
                r = start_backend(kind, pin_dir, image, cover, entries_max, ret, ret_reason);
        else {
                /* Keeping the pinned generation means adopting it, or nothing. */
                for (BackendKind k = 0; k < _BACKEND_MAX && r < 0; k++)
                        if (kind == BACKEND_AUTO || kind == k)
                                r = backend_adopt(k, pin_dir, NULL, NULL, ret);
                if (r < 0 && !(*ret_reason = strdup("the pins are not this build's programs, they cannot be adopted as they are")))
                        return -ENOMEM;
        }
        if (r >= 0) {
                note_host_missing(*ret);
                (void) backend_pinned_guarantees(pin_dir, (*ret)->kind, &(*ret)->guarantees);
        }
        return r;
}

void backend_release_programs(Backend *b) {
        for (unsigned i = 0; i < b->n_links; i++)
                closep(&b->link_fds[i]);
        bpf_object__close(b->obj);
        b->obj = NULL;
}
