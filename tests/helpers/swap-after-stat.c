/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* LD_PRELOAD shim for the policy directory TOCTOU test: right after the program stats
 * $CGG_SWAP_NAME by name, the entry is atomically replaced by $CGG_SWAP_WITH (a prepared symlink in
 * the same directory), once. A loader that checks by name and then opens by name follows the link. */
#ifndef _GNU_SOURCE /* meson passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int fstatat(int dir_fd, const char *name, struct stat *st, int flags) {
        static int (*real)(int, const char *, struct stat *, int);
        static int swapped;
        const char *want = getenv("CGG_SWAP_NAME"), *with = getenv("CGG_SWAP_WITH");
        int r;

        if (!real)
                real = (int (*)(int, const char *, struct stat *, int)) dlsym(RTLD_NEXT, "fstatat");
        r = real(dir_fd, name, st, flags);
        if (!swapped && want && with && strcmp(name, want) == 0) {
                swapped = 1;
                if (renameat(dir_fd, with, dir_fd, name) < 0)
                        perror("swap-after-stat: renameat");
        }
        return r;
}
