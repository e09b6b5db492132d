/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-thread: start a second thread, print its thread id, then sleep until killed. */

#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static void *run(void *arg) {
        printf("%ld\n", (long) syscall(SYS_gettid));
        fflush(stdout);
        for (;;)
                pause();
        return NULL;
}

int main(void) {
        pthread_t t;

        if (pthread_create(&t, NULL, run, NULL) != 0)
                return 1;
        for (;;)
                pause();
}
