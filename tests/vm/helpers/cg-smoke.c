/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-smoke stock|hooks TARGET... -- COMMAND [ARG...]
 * Loads and attaches a rig smoke-test program, runs COMMAND while it is attached, detaches, and
 * exits with COMMAND's status. stock: TARGET is a file whose opening is denied. hooks: TARGETs
 * are a cgroup directory (migrations into it denied) and a namespace file (setns into it denied). */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "smoke_hooks.skel.h"
#include "smoke_stock.skel.h"

static int run(char **argv) {
        int status;
        pid_t pid = fork();

        if (pid < 0)
                return 125;
        if (pid == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        if (waitpid(pid, &status, 0) < 0)
                return 125;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int inode_of(const char *path, __u64 *ret) {
        struct stat st;

        if (stat(path, &st) < 0) {
                fprintf(stderr, "cg-smoke: %s: %m\n", path);
                return -errno;
        }
        *ret = st.st_ino;
        return 0;
}

int main(int argc, char *argv[]) {
        int sep = 0, rc;

        for (int i = 1; i < argc; i++)
                if (strcmp(argv[i], "--") == 0) {
                        sep = i;
                        break;
                }
        if (argc < 4 || !sep || sep + 1 >= argc) {
                fprintf(stderr, "usage: cg-smoke stock FILE | hooks CGROUP_DIR NS_FILE -- COMMAND...\n");
                return 125;
        }

        if (strcmp(argv[1], "stock") == 0 && sep == 3) {
                struct smoke_stock *skel = smoke_stock__open();
                __u64 ino;

                if (!skel || inode_of(argv[2], &ino) < 0)
                        return 125;
                skel->rodata->target_ino = ino;
                if (smoke_stock__load(skel) < 0 || smoke_stock__attach(skel) < 0) {
                        fprintf(stderr, "cg-smoke: loading lsm/file_open failed: %m\n");
                        return 125;
                }
                rc = run(argv + sep + 1);
                smoke_stock__destroy(skel);
                return rc;
        }
        if (strcmp(argv[1], "hooks") == 0 && sep == 4) {
                struct smoke_hooks *skel = smoke_hooks__open();
                __u64 cgid, inum;

                if (!skel || inode_of(argv[2], &cgid) < 0 || inode_of(argv[3], &inum) < 0)
                        return 125;
                skel->rodata->target_cgroup_id = cgid;
                skel->rodata->target_ns_inum = (__u32) inum;
                if (smoke_hooks__load(skel) < 0 || smoke_hooks__attach(skel) < 0) {
                        fprintf(stderr, "cg-smoke: loading the hook programs failed: %m\n");
                        return 125;
                }
                rc = run(argv + sep + 1);
                smoke_hooks__destroy(skel);
                return rc;
        }
        fprintf(stderr, "cg-smoke: bad arguments\n");
        return 125;
}
