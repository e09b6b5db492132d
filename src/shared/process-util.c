/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "macro.h"
#include "process-util.h"

char *pid_exe_path(uint32_t pid) {
        char fn[64], buf[4096];
        ssize_t n;

        snprintf(fn, sizeof(fn), "/proc/%u/exe", pid);
        n = readlink(fn, buf, sizeof(buf) - 1);
        if (n < 0)
                return NULL;
        buf[n] = '\0';
        return strdup(buf);
}

int pid_exe_path_if_same(uint32_t pid, dev_t dev, ino_t ino, char **ret_path) {
        _cleanup_(closep) int fd = -EBADF;
        char fn[64], buf[4096];
        struct stat st;
        ssize_t n;

        /* One open file: the path read back is the one whose identity was checked, even if pid
         * exec's in between. */
        snprintf(fn, sizeof(fn), "/proc/%u/exe", pid);
        fd = open(fn, O_PATH | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0)
                return -errno;
        if (st.st_dev != dev || st.st_ino != ino)
                return 0;
        snprintf(fn, sizeof(fn), "/proc/self/fd/%d", fd);
        n = readlink(fn, buf, sizeof(buf) - 1);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        *ret_path = strdup(buf);
        return *ret_path ? 1 : -ENOMEM;
}

char *pid_comm(uint32_t pid) {
        _cleanup_(fclosep) FILE *f = NULL;
        char fn[64], buf[64];

        snprintf(fn, sizeof(fn), "/proc/%u/comm", pid);
        f = fopen(fn, "re");
        if (!f || !fgets(buf, sizeof(buf), f))
                return NULL;
        buf[strcspn(buf, "\n")] = '\0';
        return strdup(buf);
}

int pid_ns_inum(uint32_t pid, const char *ns, uint32_t *ret) {
        struct stat st;
        char fn[64];

        if (!ns)
                return -EINVAL;
        snprintf(fn, sizeof(fn), "/proc/%u/ns/%s", pid, ns);
        if (stat(fn, &st) < 0)
                return -errno;
        *ret = (uint32_t) st.st_ino;
        return 0;
}

int pid_start_boottime_usec(uint32_t pid, uint64_t *ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        unsigned long long ticks;
        char fn[64], buf[1024], *p;
        long hz = sysconf(_SC_CLK_TCK);

        snprintf(fn, sizeof(fn), "/proc/%u/stat", pid);
        f = fopen(fn, "re");
        if (!f)
                return -errno;
        if (!fgets(buf, sizeof(buf), f))
                return -EIO;
        /* The name (field 2) may hold spaces and parentheses: fields 3... start after the last ')'. */
        p = strrchr(buf, ')');
        if (!p || hz <= 0 ||
            sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &ticks) != 1)
                return -EIO;
        *ret = ticks * (USEC_PER_SEC / hz);
        return 0;
}

int pid_uids(uint32_t pid, uint32_t *ret_ruid, uint32_t *ret_euid) {
        _cleanup_(fclosep) FILE *f = NULL;
        char fn[64], line[256];
        unsigned ruid, euid;

        snprintf(fn, sizeof(fn), "/proc/%u/status", pid);
        f = fopen(fn, "re");
        if (!f)
                return -errno;
        while (fgets(line, sizeof(line), f))
                if (sscanf(line, "Uid: %u %u", &ruid, &euid) == 2) {
                        *ret_ruid = ruid;
                        *ret_euid = euid;
                        return 0;
                }
        return -EIO;
}

int pid_uid(uint32_t pid, uid_t *ret) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_(freep) char *line = NULL;
        char fn[64];
        size_t size = 0;

        snprintf(fn, sizeof(fn), "/proc/%u/status", pid);
        f = fopen(fn, "re");
        if (!f)
                return -errno;
        while (getline(&line, &size, f) > 0) {
                unsigned long real, effective, saved;

                if (sscanf(line, "Uid: %lu %lu %lu", &real, &effective, &saved) != 3)
                        continue;
                if (real != effective || real != saved)
                        return -EPERM;
                *ret = (uid_t) real;
                return 0;
        }
        return -ENOENT;
}

bool pid_inspectable_by(uint32_t pid, uid_t uid) {
        char fn[64];
        struct stat st;
        uid_t owner;

        if (uid == 0)
                return true;
        snprintf(fn, sizeof(fn), "/proc/%u", pid);
        return pid_uid(pid, &owner) >= 0 && owner == uid && stat(fn, &st) >= 0 && st.st_uid == uid;
}
