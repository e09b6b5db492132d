/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-zombie-leader: a process whose leader has exited while another thread lives on. Starts a
 * second thread, which prints "PID TID" once the main thread is a zombie and then sleeps until
 * the process is killed; the main thread exits alone (SYS_exit: pthread_exit() needs libgcc_s,
 * which the busybox guests lack). */

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int leader_is_zombie(void) {
        char fn[64], line[256];
        FILE *f;
        int zombie = 0;

        snprintf(fn, sizeof(fn), "/proc/%d/task/%d/status", (int) getpid(), (int) getpid());
        f = fopen(fn, "re");
        if (!f)
                return 0;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, "State:", 6) == 0)
                        zombie = strchr(line, 'Z') != NULL;
        fclose(f);
        return zombie;
}

static void *run(void *arg) {
        while (!leader_is_zombie())
                usleep(10000);
        printf("%d %ld\n", (int) getpid(), (long) syscall(SYS_gettid));
        fflush(stdout);
        for (;;)
                pause();
        return NULL;
}

int main(void) {
        pthread_t t;

        if (pthread_create(&t, NULL, run, NULL) != 0)
                return 1;
        syscall(SYS_exit, 0);
        return 1;
}
