/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-pam-evil.so: a PAM session module (issue 12), code PID 1's child runs before its exec when a
 * unit has PAMName= (a module a root that may write /usr replaced, or one a changed /etc/pam.d
 * names by path). That child still carries PID 1's trust for what systemd itself does there;
 * this module tries what systemd never does there, in the child itself (a fork would lose it),
 * and appends one line per step to $CG_PAM_OUT (default /run/cgvm-pam.out): "STEP ok" or
 * "STEP ERRNO-NAME". Steps:
 *   lsm          load an LSM program (on bpf_lsm_bpf: one of its own beside the guard's)
 *   writeuser    load a kprobe program that calls bpf_probe_write_user()
 *   sysctl       attach a cgroup/sysctl program to the cgroup argument 1 names (then detach)
 *   mount-host   bind-mount over the file argument 2 names (a usermode helper's program) in PID
 *                1's mount namespace (then unmount)
 *   umount-root  detach a mount of PID 1's root in PID 1's mount namespace: the bind of "/" that
 *                argument 5 names (as umount -l / is decided, without wrecking the test's guest)
 *   mount-shared the same bind in a mount namespace of its own whose mounts are still shared
 *                with PID 1's (the mount would propagate there)
 *   umount-propagate  there, make the mount argument 4 names private and detach it: the unmount
 *                propagates through its parent, still shared, to PID 1's namespace
 *   mount-slave  the same after "/" is made a slave, as systemd does before a unit's namespace
 *                mounts (those must keep working)
 *   setns-mnt    join the mount namespace of the process argument 3 names (the guard)
 *   setns-net    join its network namespace
 * The session then opens as usual (PAM_SUCCESS). */

#ifndef _GNU_SOURCE /* meson passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include <bpf/bpf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

#include "cg-progs.h"

#define PAM_SUCCESS_ 0

static FILE *out;

static void report(const char *step, int r) {
        fprintf(out, "%s %s\n", step, r < 0 ? strerrorname_np(errno) : "ok");
        fflush(out);
}

static int loaded(int fd) {
        if (fd < 0)
                return -1;
        close(fd);
        return 0;
}

static int attach_sysctl(const char *cgroup) {
        struct bpf_insn insns[] = {
                { .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 1 },
                { .code = BPF_JMP | BPF_EXIT },
        };
        int prog = bpf_prog_load(BPF_PROG_TYPE_CGROUP_SYSCTL, "cg_pam_sysctl", "GPL", insns, 2, NULL);
        int cg = open(cgroup, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = -1;

        if (prog >= 0 && cg >= 0) {
                r = bpf_prog_attach(prog, cg, BPF_CGROUP_SYSCTL, 0);
                if (r == 0)
                        (void) bpf_prog_detach2(prog, cg, BPF_CGROUP_SYSCTL);
        }
        if (prog >= 0)
                close(prog);
        if (cg >= 0)
                close(cg);
        return r < 0 ? -1 : 0;
}

static int join(const char *pid, const char *type, int nstype) {
        char path[64];
        int fd, r;

        snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, type);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -1;
        r = setns(fd, nstype);
        close(fd);
        return r < 0 ? -1 : 0;
}

static int bind_over(const char *target) {
        if (mount("/etc/hostname", target, NULL, MS_BIND, NULL) < 0)
                return -1;
        (void) umount2(target, MNT_DETACH);
        return 0;
}

int pam_sm_open_session(void *pamh, int flags, int argc, const char **argv) {
        const char *path = getenv("CG_PAM_OUT") ?: "/run/cgvm-pam.out";

        (void) pamh;
        (void) flags;
        out = fopen(path, "ae");
        if (!out || argc < 5)
                return PAM_SUCCESS_;
        report("lsm", loaded(cg_load_on_function(BPF_PROG_TYPE_LSM, BPF_LSM_MAC, "bpf_lsm_bpf", 0)));
        report("writeuser", loaded(cg_load_write_user()));
        report("sysctl", attach_sysctl(argv[0]));
        report("mount-host", bind_over(argv[1]));
        report("umount-root", umount2(argv[4], MNT_DETACH));
        if (unshare(CLONE_NEWNS) < 0)
                report("unshare", -1);
        else {
                report("mount-shared", bind_over(argv[1]));
                if (mount(NULL, argv[3], NULL, MS_PRIVATE, NULL) < 0)
                        report("private", -1);
                else
                        report("umount-propagate", umount2(argv[3], MNT_DETACH));
                if (mount(NULL, "/", NULL, MS_SLAVE | MS_REC, NULL) < 0)
                        report("slave", -1);
                else
                        report("mount-slave", bind_over(argv[1]));
        }
        report("setns-net", join(argv[2], "net", CLONE_NEWNET));
        report("setns-mnt", join(argv[2], "mnt", CLONE_NEWNS));
        fclose(out);
        return PAM_SUCCESS_;
}

int pam_sm_close_session(void *pamh, int flags, int argc, const char **argv) {
        (void) pamh;
        (void) flags;
        (void) argc;
        (void) argv;
        return PAM_SUCCESS_;
}
