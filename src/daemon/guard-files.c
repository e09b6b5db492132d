/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The files this process runs, as keys of guard_objects (guard_file_key()): every file it maps
 * executable (its binary, each library, ld.so), by the device and inode the kernel shows in
 * /proc/self/maps (the superblock's, what the BPF side reads), and every name on the way to one:
 * the directories of its path and the symlinks the loader followed (libfoo.so.1 -> libfoo.so.1.2.3,
 * /lib64 -> usr/lib64). Renaming one of those would put another file in its place for the next
 * start (bpf/guard-tamper.bpf.h, guard_file_refused()). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "guard-files.h"
#include "guard-maps.h"
#include "macro.h"

#define SYMLINK_DEPTH_MAX 8

typedef struct KeySet {
        uint64_t *keys;
        size_t n, allocated;
        uint64_t *mounts;       /* mount id, its superblock's kernel dev_t; pairs (/proc/self/mountinfo) */
        size_t n_mounts;
} KeySet;

static int key_add(KeySet *set, uint64_t key) {
        for (size_t i = 0; i < set->n; i++)
                if (set->keys[i] == key)
                        return 0;
        if (set->n == set->allocated) {
                size_t allocated = set->allocated ? set->allocated * 2 : 64;
                uint64_t *keys = realloc(set->keys, allocated * sizeof(*keys));

                if (!keys)
                        return -ENOMEM;
                set->keys = keys;
                set->allocated = allocated;
        }
        set->keys[set->n++] = key;
        return 0;
}

/* Every mount's id and its superblock's device, as the kernel's inodes have it: stat()'s device
 * is another on btrfs subvolumes and for overlayfs files. */
static int read_mounts(KeySet *set) {
        _cleanup_(fclosep) FILE *f = fopen("/proc/self/mountinfo", "re");
        char line[4096];
        size_t allocated = 0;

        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f)) {
                unsigned long long id;
                unsigned maj, min;

                if (sscanf(line, "%llu %*u %u:%u", &id, &maj, &min) != 3)
                        continue;
                if (set->n_mounts == allocated) {
                        size_t more = allocated ? allocated * 2 : 64;
                        uint64_t *mounts = realloc(set->mounts, more * 2 * sizeof(*mounts));

                        if (!mounts)
                                return -ENOMEM;
                        set->mounts = mounts;
                        allocated = more;
                }
                set->mounts[2 * set->n_mounts] = id;
                set->mounts[2 * set->n_mounts + 1] = ((uint64_t) maj << 20) | min;
                set->n_mounts++;
        }
        return 0;
}

/* The key of the name path (not followed if a symlink); *ret_symlink: it is one. */
static int name_key(const KeySet *set, const char *path, uint64_t *ret_key, bool *ret_symlink) {
        struct statx stx;
        uint64_t dev;

        if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_TYPE | STATX_INO | STATX_MNT_ID, &stx) < 0)
                return -errno;
        dev = ((uint64_t) stx.stx_dev_major << 20) | stx.stx_dev_minor;
        for (size_t i = 0; (stx.stx_mask & STATX_MNT_ID) && i < set->n_mounts; i++)
                if (set->mounts[2 * i] == stx.stx_mnt_id)
                        dev = set->mounts[2 * i + 1];
        *ret_key = guard_file_key(dev, stx.stx_ino);
        *ret_symlink = S_ISLNK(stx.stx_mode);
        return 0;
}

/* Every name of path from its first component on ("/usr", "/usr/lib", ..., path itself, not "/":
 * mounting over the root directory changes no path walk), each as lstat() finds it; a symlink's
 * target likewise (relative to its directory). */
static int add_names(KeySet *set, const char *path, unsigned depth) {
        char prefix[PATH_MAX], target[PATH_MAX], next[PATH_MAX];
        size_t len = strlen(path);
        bool symlink = false;
        uint64_t key = 0;
        ssize_t n;
        int r;

        if (path[0] != '/' || len >= sizeof(prefix) || depth > SYMLINK_DEPTH_MAX)
                return 0;
        for (size_t i = 1; i <= len; i++) {
                if (path[i] != '/' && path[i] != '\0')
                        continue;
                memcpy(prefix, path, i);
                prefix[i] = '\0';
                if (name_key(set, prefix, &key, &symlink) < 0)
                        return 0; /* gone (a library upgraded under us): its mapping is registered */
                r = key_add(set, key);
                if (r < 0)
                        return r;
        }
        if (!symlink)
                return 0;
        n = readlink(path, target, sizeof(target) - 1);
        if (n <= 0)
                return 0;
        target[n] = '\0';
        if (target[0] == '/')
                return add_names(set, target, depth + 1);
        len = strrchr(path, '/') - path;
        if ((size_t) snprintf(next, sizeof(next), "%.*s/%s", (int) len, path, target) >= sizeof(next))
                return 0;
        return add_names(set, next, depth + 1);
}

/* The names the loader opened (link_map's l_name, not resolved: "/lib/x86_64-linux-gnu/libc.so.6")
 * and the program's interpreter (PT_INTERP: "/lib64/ld-linux-x86-64.so.2"). */
static int add_loaded_name(struct dl_phdr_info *info, size_t size, void *userdata) {
        KeySet *set = userdata;
        int r;

        (void) size;
        r = add_names(set, info->dlpi_name, 0);
        for (ElfW(Half) i = 0; r >= 0 && i < info->dlpi_phnum; i++)
                if (info->dlpi_phdr[i].p_type == PT_INTERP)
                        r = add_names(set, (const char *) (info->dlpi_addr + info->dlpi_phdr[i].p_vaddr), 0);
        return r < 0 ? r : 0;
}

/* The program a usermode helper setting names: its first word, after the "|" of a piped
 * kernel.core_pattern ("|/usr/lib/systemd/systemd-coredump %P %u ..."); NULL where it names none
 * (core_pattern "core", an empty kernel.modprobe or kernel.hotplug). The kernel runs it with
 * init's root and working directory ("/"), so a relative name is taken from "/". */
char *usermode_helper_program(const char *setting, bool piped) {
        const char *p = setting;
        size_t len;
        char *path;

        if (piped) {
                if (*p != '|') {
                        errno = ENOENT;
                        return NULL;
                }
                p++;
        }
        p += strspn(p, " \t");
        len = strcspn(p, " \t\n");
        if (len == 0) {
                errno = ENOENT;
                return NULL;
        }
        if (asprintf(&path, "%s%.*s", *p == '/' ? "" : "/", (int) len, p) < 0) {
                errno = ENOMEM;
                return NULL;
        }
        return path;
}

/* The settings whose program the kernel runs as root in the root cgroup, outside every policy
 * (a usermode helper, for whoever set it off: a module autoload, a crash, a hotplug event, an
 * orderly shutdown), and the programs it runs by fixed names. Their settings are the guard's to
 * keep (guard_tamper_sysctl); the files they name are guarded here like the guard's own, or a
 * root that may mount, write or rename there would have the kernel run its code instead. */
static const struct {
        const char *sysctl;     /* a /proc/sys file naming the program, or NULL */
        const char *program;    /* a fixed name, or NULL */
        bool piped;             /* kernel.core_pattern: only "|program" runs one */
} usermode_helpers[] = {
        { "/proc/sys/kernel/modprobe", NULL, false },
        { "/proc/sys/kernel/core_pattern", NULL, true },
        { "/proc/sys/kernel/hotplug", NULL, false },
        { "/proc/sys/kernel/poweroff_cmd", NULL, false },
        { NULL, "/sbin/reboot", false },                /* kernel/reboot.c: reboot_cmd */
        { NULL, "/sbin/request-key", false },           /* security/keys/request_key.c */
        { NULL, "/sbin/bridge-stp", false },            /* net/bridge/br_stp_if.c: BR_STP_PROG */
};

_Static_assert(ELEMENTSOF(usermode_helpers) == USERMODE_HELPERS_MAX, "one slot per usermode helper");

int usermode_helper_programs(char *paths[static USERMODE_HELPERS_MAX]) {
        size_t n = 0;

        memset(paths, 0, USERMODE_HELPERS_MAX * sizeof(char *));
        for (size_t i = 0; i < ELEMENTSOF(usermode_helpers); i++) {
                _cleanup_(fclosep) FILE *f = NULL;
                char value[PATH_MAX] = "";

                if (usermode_helpers[i].program) {
                        paths[n] = strdup(usermode_helpers[i].program);
                        if (!paths[n++])
                                goto oom;
                        continue;
                }
                f = fopen(usermode_helpers[i].sysctl, "re");
                if (!f || !fgets(value, sizeof(value), f))
                        continue; /* no such setting on this kernel (hotplug, core_pattern) */
                paths[n] = usermode_helper_program(value, usermode_helpers[i].piped);
                if (paths[n])
                        n++;
                else if (errno == ENOMEM)
                        goto oom;
        }
        return 0;
oom:
        usermode_helper_programs_free(paths);
        return -ENOMEM;
}

void usermode_helper_programs_free(char *paths[static USERMODE_HELPERS_MAX]) {
        for (size_t i = 0; i < USERMODE_HELPERS_MAX; i++) {
                free(paths[i]);
                paths[i] = NULL;
        }
}

int guard_files_collect(char *const *extra, uint64_t **ret_keys, size_t *ret_n) {
        _cleanup_(fclosep) FILE *maps = fopen("/proc/self/maps", "re");
        KeySet set = {};
        char line[PATH_MAX + 128];
        int r = 0;

        if (!maps)
                return -errno;
        r = read_mounts(&set);
        while (r >= 0 && fgets(line, sizeof(line), maps)) {
                unsigned maj, min;
                unsigned long long ino;
                char perms[8];
                int path_at = 0;
                char *path, *end;

                if (sscanf(line, "%*x-%*x %7s %*x %x:%x %llu %n", perms, &maj, &min, &ino, &path_at) < 4 || !ino ||
                    perms[2] != 'x')
                        continue;
                r = key_add(&set, guard_file_key(((uint64_t) maj << 20) | min, ino));
                path = line + path_at;
                end = path + strcspn(path, "\n");
                *end = '\0';
                if (r >= 0 && path_at > 0 && path[0] == '/' && !strstr(path, " (deleted)"))
                        r = add_names(&set, path, 0);
        }
        if (r >= 0)
                r = dl_iterate_phdr(add_loaded_name, &set);
        for (size_t i = 0; r >= 0 && extra && extra[i]; i++)
                r = add_names(&set, extra[i], 0);
        free(set.mounts);
        if (r < 0) {
                free(set.keys);
                return r;
        }
        *ret_keys = set.keys;
        *ret_n = set.n;
        return 0;
}
