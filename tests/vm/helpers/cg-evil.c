/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-evil.so: code injected into an allowed binary (issue 12 item 2), LD_PRELOAD=cg-evil.so:
 * before the program's own code runs, it opens the pinned BPF object $CG_EVIL_PIN
 * (BPF_OBJ_GET), prints "ok" or the errno name and exits 0, so the program itself never runs. */

#include <errno.h>
#include <linux/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

__attribute__((constructor)) static void evil(void) {
        const char *pin = getenv("CG_EVIL_PIN");
        union bpf_attr attr = {};
        long fd;

        if (!pin)
                return;
        attr.pathname = (unsigned long) pin;
        fd = syscall(__NR_bpf, BPF_OBJ_GET, &attr, sizeof(attr));
        printf("%s\n", fd < 0 ? strerrorname_np(errno) : "ok");
        fflush(stdout);
        _exit(0);
}
