/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
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
