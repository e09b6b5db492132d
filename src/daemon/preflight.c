/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "macro.h"
#include "preflight.h"

#ifndef CAP_BPF
#define CAP_BPF 39
#endif

#define BTF_VMLINUX "/sys/kernel/btf/vmlinux"
#define LSM_LIST "/sys/kernel/security/lsm"

static uint64_t effective_capabilities(void) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/status", "re");
        char line[256];
        uint64_t caps = 0;

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "CapEff: %" SCNx64, &caps) == 1)
                        break;
        return caps;
}

bool lsm_list_has_bpf(const char *list) {
        for (const char *p = list; *p;) {
                size_t n = strcspn(p, ",\n");

                if (n == 3 && strneq(p, "bpf", 3))
                        return true;
                p += n;
                if (*p)
                        p++;
        }
        return false;
}

int bpf_lsm_enabled(char **ret_list) {
        _cleanup_(fclosep) FILE *f = fopen(LSM_LIST, "re");
        char list[512] = "";

        if (!f)
                return -errno;
        if (!fgets(list, sizeof(list), f))
                return -EIO;
        list[strcspn(list, "\n")] = '\0';
        if (ret_list) {
                *ret_list = strdup(list);
                if (!*ret_list)
                        return -ENOMEM;
        }
        return lsm_list_has_bpf(list);
}

/* The directory the pins go to may not exist yet: its nearest existing ancestor is where they
 * would land. */
static int statfs_nearest(const char *dir, struct statfs *ret) {
        _cleanup_(freep) char *copy = strdup(dir);

        if (!copy)
                return -ENOMEM;
        for (;;) {
                char *slash;

                if (statfs(copy, ret) == 0)
                        return 0;
                if (errno != ENOENT)
                        return -errno;
                slash = strrchr(copy, '/');
                if (!slash || slash == copy)
                        return statfs("/", ret) < 0 ? -errno : 0;
                *slash = '\0';
        }
}

_printf_(2, 3) static int fail(char **ret_message, const char *format, ...) {
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(ret_message, format, ap);
        va_end(ap);
        if (r < 0)
                *ret_message = NULL;
        return r < 0 ? -ENOMEM : -EPERM;
}

int preflight_check(BackendKind requested, const char *bpffs_dir, char **ret_message) {
        uint64_t caps = effective_capabilities();
        struct statfs sfs;
        int r;

        /* CAP_SYS_ADMIN covers bpf() on kernels older than 5.8, which have no CAP_BPF. */
        if (!(caps & (UINT64_C(1) << CAP_BPF)) && !(caps & (UINT64_C(1) << CAP_SYS_ADMIN))) {
                if (geteuid() != 0)
                        return fail(ret_message, "cgroup-guardd needs root: loading BPF programs takes CAP_BPF (or "
                                    "CAP_SYS_ADMIN), CAP_PERFMON and CAP_SYS_ADMIN, and this runs as uid %u.",
                                    (unsigned) geteuid());
                return fail(ret_message, "cgroup-guardd runs as root but without CAP_BPF and CAP_SYS_ADMIN (capability "
                            "bounding set?): loading BPF programs takes them, and CAP_PERFMON.");
        }

        r = statfs_nearest(bpffs_dir, &sfs);
        if (r < 0)
                return fail(ret_message, "Cannot check %s for a BPF filesystem: %s", bpffs_dir, strerror(-r));
        if ((unsigned long) sfs.f_type != BPF_FS_MAGIC) {
                _cleanup_(freep) char *copy = strdup(bpffs_dir);

                return fail(ret_message, "%s is not on a BPF filesystem (bpffs), so nothing can be pinned there; "
                            "mount one with \"mount -t bpf bpf %s\" (systemd's sys-fs-bpf.mount does so at boot "
                            "for /sys/fs/bpf).", bpffs_dir, copy ? dirname(copy) : "/sys/fs/bpf");
        }

        if (access(BTF_VMLINUX, F_OK) < 0)
                return fail(ret_message, "This kernel has no BTF (%s is missing): the programs are compiled once "
                            "and relocated against it; use a kernel built with CONFIG_DEBUG_INFO_BTF=y.", BTF_VMLINUX);

        if (requested == BACKEND_NATIVE || requested == BACKEND_COMPAT) {
                _cleanup_(freep) char *list = NULL;

                if (bpf_lsm_enabled(&list) == 0)
                        return fail(ret_message, "The %s backend needs BPF LSM, which is not enabled on this kernel "
                                    "(active LSMs: %s): add bpf to the lsm= kernel command line, e.g. "
                                    "\"lsm=%s,bpf\", and reboot.", backend_kind_to_string(requested), list, list);
        }
        return 0;
}
