/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-trace: a tracer kept across an exec (issue 12), x86-64.
 *   cg-trace exec PID PIN   ptrace(PTRACE_SEIZE, PID, PTRACE_O_TRACEEXEC), print "seized" (or the
 *                           errno name, exit 1); at PID's next exec, make it call
 *                           bpf(BPF_OBJ_GET, PIN) and print "ok" or the errno name it got; then
 *                           close that fd in it, give it its registers back and detach.
 * What the injected call gets is what the exec'd program may do: with the guard's pins, whether
 * the kernel took the traced task for the guard. */

#ifndef _GNU_SOURCE /* meson passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <linux/bpf.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

static int poke(pid_t pid, unsigned long addr, const void *data, size_t len) {
        for (size_t i = 0; i < len; i += sizeof(long)) {
                long word = 0;

                memcpy(&word, (const char *) data + i, len - i < sizeof(long) ? len - i : sizeof(long));
                if (ptrace(PTRACE_POKEDATA, pid, addr + i, word) < 0)
                        return -1;
        }
        return 0;
}

/* Runs one system call in the stopped tracee at its current instruction: "syscall; int3"
 * written there, the registers set, continued to the int3. Returns the call's result. */
static long inject(pid_t pid, const struct user_regs_struct *at, long nr, long a1, long a2, long a3) {
        static const unsigned char code[8] = { 0x0f, 0x05, 0xcc }; /* syscall; int3 */
        struct user_regs_struct r = *at;
        int status;

        errno = 0;
        long saved = ptrace(PTRACE_PEEKDATA, pid, at->rip, 0);
        if (errno || poke(pid, at->rip, code, sizeof(code)) < 0)
                return -EFAULT;
        r.rax = nr;
        r.orig_rax = -1; /* not in a system call */
        r.rdi = a1;
        r.rsi = a2;
        r.rdx = a3;
        if (ptrace(PTRACE_SETREGS, pid, 0, &r) < 0 || ptrace(PTRACE_CONT, pid, 0, 0) < 0 ||
            waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status) ||
            ptrace(PTRACE_GETREGS, pid, 0, &r) < 0)
                return -ECHILD;
        (void) ptrace(PTRACE_POKEDATA, pid, at->rip, saved);
        return (long) r.rax;
}

int main(int argc, char *argv[]) {
        struct user_regs_struct regs;
        union bpf_attr attr = {};
        pid_t pid;
        long fd;
        int status;

        if (argc != 4 || strcmp(argv[1], "exec") != 0) {
                fprintf(stderr, "usage: cg-trace exec PID PIN\n");
                return 2;
        }
        pid = atoi(argv[2]);
        if (ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC) < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        printf("seized\n");
        fflush(stdout);
        for (;;) {
                if (waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status)) {
                        printf("gone\n");
                        return 1;
                }
                if (status >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8)))
                        break;
                /* Anything else before the exec: pass a signal on, resume a group stop. */
                (void) ptrace(PTRACE_CONT, pid, 0, status >> 16 ? 0 : WSTOPSIG(status));
        }
        /* Out of execve() first: its return value would overwrite the number of a call injected
         * at this stop. One instruction of the new program, then a SIGTRAP stop. */
        if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) < 0 || waitpid(pid, &status, __WALL) != pid || !WIFSTOPPED(status) ||
            ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0) {
                printf("SINGLESTEP %s\n", strerrorname_np(errno));
                return 1;
        }
        /* The path and the attribute below the stack pointer (the stack is mapped well below
         * that at exec). */
        unsigned long path = (regs.rsp - 1024) & ~15UL, attr_at = (regs.rsp - 2048) & ~15UL;
        attr.pathname = path;
        if (poke(pid, path, argv[3], strlen(argv[3]) + 1) < 0 || poke(pid, attr_at, &attr, sizeof(attr)) < 0) {
                printf("POKEDATA %s\n", strerrorname_np(errno));
                return 1;
        }
        fd = inject(pid, &regs, __NR_bpf, BPF_OBJ_GET, attr_at, sizeof(attr));
        if (fd >= 0) {
                printf("ok\n");
                (void) inject(pid, &regs, __NR_close, fd, 0, 0);
        } else
                printf("%s\n", strerrorname_np((int) -fd));
        (void) ptrace(PTRACE_SETREGS, pid, 0, &regs);
        (void) ptrace(PTRACE_DETACH, pid, 0, 0);
        return 0;
}
