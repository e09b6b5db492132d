/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-evil.so: code injected into an allowed binary (issue 12 item 2), LD_PRELOAD=cg-evil.so:
 * before the program's own code runs, it opens the pinned BPF object $CG_EVIL_PIN
 * (BPF_OBJ_GET), or removes the file $CG_EVIL_UNLINK (a pin), or writes $CG_EVIL_VALUE into the file $CG_EVIL_WRITE, or unmounts
 * $CG_EVIL_UMOUNT (MNT_DETACH), or sends SIGTERM (or signal number $CG_EVIL_SIGNAL) to $CG_EVIL_KILL; prints "ok" or the errno name and exits 0, so the program itself
 * never runs. (The guard's binary run outside confined cgroups is the guard: the scenarios act as
 * the guard so.) */

#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((constructor)) static void evil(void) {
        const char *pin = getenv("CG_EVIL_PIN"), *file = getenv("CG_EVIL_WRITE"), *value = getenv("CG_EVIL_VALUE"),
                   *mount_point = getenv("CG_EVIL_UMOUNT"), *victim = getenv("CG_EVIL_KILL");
        union bpf_attr attr = {};
        long fd;

        if (file && value) {
                fd = open(file, O_WRONLY);
                if (fd >= 0 && write(fd, value, strlen(value)) != (ssize_t) strlen(value))
                        fd = -1;
                printf("%s\n", fd < 0 ? strerrorname_np(errno) : "ok");
                fflush(stdout);
                _exit(0);
        }
        if (getenv("CG_EVIL_UNLINK")) {
                printf("%s\n", unlink(getenv("CG_EVIL_UNLINK")) < 0 ? strerrorname_np(errno) : "ok");
                fflush(stdout);
                _exit(0);
        }
        if (mount_point) {
                printf("%s\n", umount2(mount_point, MNT_DETACH) < 0 ? strerrorname_np(errno) : "ok");
                fflush(stdout);
                _exit(0);
        }
        if (victim) {
                const char *sig = getenv("CG_EVIL_SIGNAL"); /* a number; default SIGTERM */

                printf("%s\n", kill(atoi(victim), sig ? atoi(sig) : SIGTERM) < 0 ? strerrorname_np(errno) : "ok");
                fflush(stdout);
                _exit(0);
        }
        if (!pin)
                return;
        attr.pathname = (unsigned long) pin;
        fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
        printf("%s\n", fd < 0 ? strerrorname_np(errno) : "ok");
        fflush(stdout);
        _exit(0);
}
