/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What each backend guarantees, and which of it holds on this kernel: the programs carrying each
 * guarantee, read back from the pinned links with the kernel attach points they sit on. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf-backend.h"
#include "cgroupfs.h"
#include "macro.h"

/* A guarantee and the programs that carry it together: it holds only where every one of them is
 * attached ("a|b": either a or its alternative b). Status output names the kernel attach points
 * (function and hook) each one sits on, read back from the kernel's links. */
typedef struct GuaranteeSpec {
        const char *text;
        const char *programs[24];
} GuaranteeSpec;

#define COMPAT_INSTALL(t) GUARD_PROG(compat_##t##ns_install_enter), GUARD_PROG(compat_##t##ns_install_exit)

#define NATIVE_ATTACH GUARD_PROG_EITHER(native_cgroup_attach, native_cgroup_attach_lockdown)

static const GuaranteeSpec specs_native[] = {
        { "migration: cgroup.procs and cgroup.threads writes are denied before the move", { NATIVE_ATTACH } },
        { "migration: clone3(CLONE_INTO_CGROUP) is denied before the child runs", { NATIVE_ATTACH } },
        { "migration: the actor is the writing process (fd passing cannot borrow an allowed identity)", { NATIVE_ATTACH } },
        { "namespaces: setns() by nsfs fd and by pidfd is denied per namespace", { GUARD_PROG(native_namespace_install) } },
        { "namespaces: creating namespaces (unshare, clone, clone3) is denied for locked tasks",
          { GUARD_PROG(native_namespace_alloc), GUARD_PROG(native_task_alloc) } },
        { "namespaces: lock on entry follows the task and its children",
          { GUARD_PROG(native_namespace_install), GUARD_PROG(native_namespace_alloc), GUARD_PROG(native_namespace_free), GUARD_PROG(native_task_alloc) } },
        {},
};
static const char *const missing_native[] = { NULL };

static const GuaranteeSpec specs_compat[] = {
        /* cgroup_procs_write_start: which task a write names, and the source of the threads that
         * move when its leader exited; _finish: that note is gone after the write. */
        { "migration: cgroup.procs and cgroup.threads writes are denied before the move",
          { GUARD_PROG(compat_attach_enter), GUARD_PROG(compat_attach_exit), GUARD_PROG(compat_inode_permission),
            GUARD_PROG_EITHER(compat_procs_write_start, compat_procs_write_start_lockdown),
            GUARD_PROG(compat_procs_write_finish) } },
        /* cgroup_can_fork: the destination's permission check before cgroup_attach_permissions
         * (without that window it would be refused: a check outside any window fails closed). */
        { "migration: clone3(CLONE_INTO_CGROUP) is denied",
          { GUARD_PROG(compat_attach_enter), GUARD_PROG(compat_attach_exit), GUARD_PROG(compat_inode_permission),
            GUARD_PROG(compat_fork_enter), GUARD_PROG(compat_fork_exit) } },
        { "namespaces: setns() by nsfs fd and by pidfd is denied per namespace",
          { COMPAT_INSTALL(mnt), COMPAT_INSTALL(uts), COMPAT_INSTALL(ipc), COMPAT_INSTALL(net), COMPAT_INSTALL(pid),
            COMPAT_INSTALL(user), COMPAT_INSTALL(cgroup), COMPAT_INSTALL(time), GUARD_PROG(compat_capable),
            GUARD_PROG(compat_task_newtask), GUARD_PROG(compat_proc_free_inum) } },
        { "namespaces: creating namespaces (unshare, clone, clone3) is denied for locked tasks",
          { GUARD_PROG_EITHER(compat_unshare_enter, compat_unshare_sys_enter),
            GUARD_PROG_EITHER(compat_unshare_exit, compat_unshare_sys_exit),
            GUARD_PROG(compat_capable), GUARD_PROG(compat_userns_create), GUARD_PROG(compat_task_alloc) } },
        {},
};
static const char *const missing_compat[] = {
        "the kernel lacks the cgroup_attach/namespace_* hooks: decisions are made inside windows on kernel functions (fentry/fexit)",
        NULL,
};

static const GuaranteeSpec specs_observe[] = {
        { "migration: every forbidden cgroup.procs/cgroup.threads move and clone3(CLONE_INTO_CGROUP) is reported after the fact",
          { GUARD_PROG(observe_cgroup_attach_task) } },
        { "namespaces: new namespaces created by locked tasks through clone are reported after the fact",
          { GUARD_PROG(observe_task_newtask) } },
        { "response actions (deny+freeze, deny+kill) are applied after the fact",
          { GUARD_PROG(observe_cgroup_attach_task), GUARD_PROG(observe_task_newtask) } },
        {},
};
static const char *const missing_observe[] = {
        "not preventing: BPF LSM programs cannot load on this kernel, violations happen and are only reported",
        "namespaces: setns() and unshare() are not seen",
        NULL,
};

/* The same guarantees, as short stable ids (metrics labels), in the same order. */
static const char *const guarantee_ids_native[] = {
        "migration_procs_denied", "migration_clone3_denied", "migration_actor_is_writer",
        "namespaces_setns_denied", "namespaces_create_denied", "namespaces_lock_on_entry", NULL,
};
static const char *const missing_ids_native[] = { NULL };
static const char *const guarantee_ids_compat[] = {
        "migration_procs_denied", "migration_clone3_denied", "namespaces_setns_denied", "namespaces_create_denied", NULL,
};
static const char *const missing_ids_compat[] = { "native_hooks", NULL };
static const char *const guarantee_ids_observe[] = {
        "migration_reported", "namespaces_clone_reported", "responses_after_the_fact", NULL,
};
static const char *const missing_ids_observe[] = { "prevention", "namespaces_setns_unshare_seen", NULL };

const char *const *backend_guarantee_ids(BackendKind k) {
        return k == BACKEND_NATIVE ? guarantee_ids_native : k == BACKEND_COMPAT ? guarantee_ids_compat : guarantee_ids_observe;
}

const char *const *backend_missing_guarantee_ids(BackendKind k) {
        return k == BACKEND_NATIVE ? missing_ids_native : k == BACKEND_COMPAT ? missing_ids_compat : missing_ids_observe;
}

/* Each guarantee gets its line, held or not (backend_pinned_guarantees()): a table longer than
 * BackendGuarantees holds would drop lines, so it does not build. */
#define SPECS_FIT(specs)                                                                        \
        _Static_assert(ELEMENTSOF(specs) - 1 <= ELEMENTSOF(((BackendGuarantees *) 0)->held) &&   \
                       ELEMENTSOF(specs) - 1 <= ELEMENTSOF(((BackendGuarantees *) 0)->not_held), \
                       #specs " fits BackendGuarantees")
SPECS_FIT(specs_native);
SPECS_FIT(specs_compat);
SPECS_FIT(specs_observe);

static const GuaranteeSpec *backend_specs(BackendKind k) {
        return k == BACKEND_NATIVE ? specs_native : k == BACKEND_COMPAT ? specs_compat : specs_observe;
}

const char *const *backend_missing_guarantees(BackendKind k) {
        return k == BACKEND_NATIVE ? missing_native : k == BACKEND_COMPAT ? missing_compat : missing_observe;
}

bool backend_prevents(BackendKind k) {
        return k == BACKEND_NATIVE || k == BACKEND_COMPAT;
}

/* Every program decides on the cgroup2 hierarchy only: a v1 hierarchy's cgroup.procs and tasks
 * move tasks between its cgroups (and out of its limits) without a decision or a report. */
char *backend_missing_cgroup_v1(void) {
        _cleanup_(freep) char *controllers = NULL;
        char *s;

        if (cgroup_v1_controllers(&controllers) <= 0)
                return NULL;
        if (asprintf(&s, "cgroup v1: controllers %s are on v1 hierarchies, where moves (their cgroup.procs and tasks "
                     "files) are neither governed nor reported: a protected task can leave its v1 cgroups and their "
                     "limits", controllers) < 0)
                return NULL;
        return s;
}

/* One attach point: "fentry", "fexit", "lsm", "tp_btf" and the kernel function, hook or
 * tracepoint. */
typedef struct AttachPoint {
        char how[16];
        char what[128];
} AttachPoint;

static void attach_point_from_section(const char *sec, AttachPoint *ret) {
        const char *slash;

        *ret = (AttachPoint) {};
        if (sec[0] == '?')
                sec++;
        slash = strchr(sec, '/');
        snprintf(ret->how, sizeof(ret->how), "%.*s", slash ? (int) (slash - sec) : (int) strlen(sec), sec);
        snprintf(ret->what, sizeof(ret->what), "%s", slash ? slash + 1 : "");
}

/* Where a pinned link is attached: the kind of attachment and a tracepoint's name as the kernel's
 * link record says, the function or hook from the program's section (what libbpf resolved the
 * kernel's BTF id from; resolving the id back would mean parsing the kernel's BTF on every
 * --status, seconds under emulation). */
static int attach_point_from_link(int link_fd, const char *section, AttachPoint *ret) {
        struct bpf_link_info info = {};
        __u32 len = sizeof(info);
        char tp[128] = "";

        if (bpf_obj_get_info_by_fd(link_fd, &info, &len) < 0)
                return -errno;
        attach_point_from_section(section, ret);
        if (info.type == BPF_LINK_TYPE_RAW_TRACEPOINT) {
                info = (struct bpf_link_info) {};
                info.raw_tracepoint.tp_name = (uint64_t) (uintptr_t) tp;
                info.raw_tracepoint.tp_name_len = sizeof(tp);
                len = sizeof(info);
                if (bpf_obj_get_info_by_fd(link_fd, &info, &len) < 0)
                        return -errno;
                snprintf(ret->how, sizeof(ret->how), "tp_btf");
                snprintf(ret->what, sizeof(ret->what), "%s", tp);
                return 0;
        }
        if (info.type != BPF_LINK_TYPE_TRACING)
                return -EOPNOTSUPP;
        switch (info.tracing.attach_type) {
        case BPF_TRACE_FENTRY:
                snprintf(ret->how, sizeof(ret->how), "fentry");
                break;
        case BPF_TRACE_FEXIT:
                snprintf(ret->how, sizeof(ret->how), "fexit");
                break;
        case BPF_LSM_MAC:
                snprintf(ret->how, sizeof(ret->how), "lsm");
                break;
        default:
                snprintf(ret->how, sizeof(ret->how), "tracing");
        }
        return 0;
}

/* "fentry+fexit f, lsm h": fentry and fexit on the same function said once. */
static char *attach_points_join(const AttachPoint *points, size_t n) {
        _cleanup_(freep) char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        bool *done = calloc(n ?: 1, sizeof(bool));

        if (!f || !done) {
                if (f)
                        fclose(f);
                free(done);
                return NULL;
        }
        for (size_t i = 0; i < n; i++) {
                bool both = false;

                if (done[i])
                        continue;
                for (size_t j = i + 1; j < n; j++)
                        if (streq(points[i].what, points[j].what)) {
                                if (streq(points[i].how, points[j].how) ||
                                    (streq(points[i].how, "fentry") && streq(points[j].how, "fexit"))) {
                                        both = both || !streq(points[i].how, points[j].how);
                                        done[j] = true;
                                }
                        }
                fprintf(f, "%s%s%s %s", ftell(f) > 0 ? ", " : "", points[i].how, both ? "+fexit" : "", points[i].what);
        }
        free(done);
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(buf);
}

void backend_guarantees_done(BackendGuarantees *g) {
        for (unsigned i = 0; i < g->n_held; i++)
                free(g->held[i]);
        for (unsigned i = 0; i < g->n_not_held; i++)
                free(g->not_held[i]);
        *g = (BackendGuarantees) {};
}

/* The programs attached by a link pinned under pin_dir, with where each is attached. */
typedef struct Attached {
        char names[BACKEND_LINKS_MAX][64];
        AttachPoint points[BACKEND_LINKS_MAX];
        size_t n;
} Attached;

static void read_attached(const char *pin_dir, struct bpf_object *obj, Attached *a) {
        _cleanup_(closedirp) DIR *d = opendir(pin_dir);
        struct dirent *de;

        while (obj && d && (de = readdir(d))) {
                _cleanup_(closep) int fd = -EBADF;
                struct bpf_program *prog;
                char path[4096];

                /* A name that does not fit is no program of ours: never cut it into one. */
                if (!strneq(de->d_name, "link_", 5) || a->n >= ELEMENTSOF(a->points) ||
                    strlen(de->d_name + 5) >= sizeof(a->names[0]))
                        continue;
                prog = bpf_object__find_program_by_name(obj, de->d_name + 5);
                snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
                fd = prog ? bpf_obj_get(path) : -EBADF;
                if (fd < 0 || attach_point_from_link(fd, bpf_program__section_name(prog), &a->points[a->n]) < 0)
                        continue;
                snprintf(a->names[a->n++], sizeof(a->names[0]), "%s", de->d_name + 5);
        }
}

/* Where each program of spec is attached (carried), or, for those that are not, where it would
 * be (lacking). */
static void spec_points(const GuaranteeSpec *spec, struct bpf_object *obj, const Attached *a, AttachPoint *carried,
                        size_t *n_carried, AttachPoint *lacking, size_t *n_lacking) {
        for (size_t i = 0; i < ELEMENTSOF(spec->programs) && spec->programs[i]; i++) {
                const char *alt = spec->programs[i];
                bool found = false;

                /* "a|b": the first of the alternatives that is attached. */
                while (*alt && !found) {
                        size_t len = strcspn(alt, "|");

                        for (size_t j = 0; j < a->n && !found; j++)
                                if (strlen(a->names[j]) == len && strneq(a->names[j], alt, len)) {
                                        carried[(*n_carried)++] = a->points[j];
                                        found = true;
                                }
                        alt += len + (alt[len] == '|');
                }
                if (!found) {
                        char first[64];
                        struct bpf_program *prog;

                        snprintf(first, sizeof(first), "%.*s", (int) strcspn(spec->programs[i], "|"), spec->programs[i]);
                        prog = obj ? bpf_object__find_program_by_name(obj, first) : NULL;
                        if (prog)
                                attach_point_from_section(bpf_program__section_name(prog), &lacking[(*n_lacking)++]);
                        else {
                                lacking[*n_lacking] = (AttachPoint) { .how = "program" };
                                snprintf(lacking[(*n_lacking)++].what, sizeof(lacking[0].what), "%s", first);
                        }
                }
        }
}

int backend_pinned_guarantees(const char *pin_dir, BackendKind kind, BackendGuarantees *ret) {
        LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = backend_object_name(kind));
        struct bpf_object *obj = NULL;
        BackendGuarantees g = {};
        Attached attached = {};
        const void *elf;
        size_t elf_size;

        if (kind < 0 || kind >= _BACKEND_MAX)
                return -EINVAL;
        /* The object's section names: where each program sits, attached or not. */
        elf = backend_object_elf(kind, &elf_size);
        obj = elf ? bpf_object__open_mem(elf, elf_size, &opts) : NULL;
        read_attached(pin_dir, obj, &attached);

        for (const GuaranteeSpec *spec = backend_specs(kind); spec->text; spec++) {
                AttachPoint carried[ELEMENTSOF(spec->programs)], lacking[ELEMENTSOF(spec->programs)];
                size_t n_carried = 0, n_lacking = 0;
                _cleanup_(freep) char *points = NULL;
                char *line = NULL;

                spec_points(spec, obj, &attached, carried, &n_carried, lacking, &n_lacking);
                if (n_lacking == 0) {
                        points = attach_points_join(carried, n_carried);
                        if (points && asprintf(&line, "%s [%s]", spec->text, points) >= 0 && g.n_held < ELEMENTSOF(g.held))
                                g.held[g.n_held++] = line;
                        else
                                free(line);
                } else {
                        points = attach_points_join(lacking, n_lacking);
                        if (points && asprintf(&line, "NOT HELD on this kernel: %s (not attached: %s)", spec->text, points) >= 0 &&
                            g.n_not_held < ELEMENTSOF(g.not_held))
                                g.not_held[g.n_not_held++] = line;
                        else
                                free(line);
                }
        }
        bpf_object__close(obj);
        *ret = g;
        return 0;
}
