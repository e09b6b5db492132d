/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "notify.h"

/* What is not sent yet: one line per variable ("READY=1", "STATUS=..."), the latest value of
 * each, in the order they came (the service manager takes the last of READY=, RELOADING= and
 * STOPPING= in a message as the state). The sender thread takes them all as one datagram. */
#define NOTIFY_PENDING_MAX 8
static char *pending[NOTIFY_PENDING_MAX];
static size_t n_pending;
static bool sending, started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;

/* NOTIFY_SOCKET as a unix address: a path or "@abstract". 0, or -EAFNOSUPPORT for another
 * family (vsock: left to libsystemd). */
static int notify_address(const char *e, struct sockaddr_un *sa, socklen_t *len) {
        size_t n = strlen(e);

        if ((e[0] != '/' && e[0] != '@') || n < 2)
                return -EAFNOSUPPORT;
        if (n > sizeof(sa->sun_path) - (e[0] == '/'))
                return -EINVAL;
        *sa = (struct sockaddr_un) { .sun_family = AF_UNIX };
        memcpy(sa->sun_path, e, n);
        if (e[0] == '@')
                sa->sun_path[0] = 0;
        *len = (socklen_t) (offsetof(struct sockaddr_un, sun_path) + n + (e[0] == '/'));
        return 0;
}

/* Under the lock. */
static void pending_add(const char *line, size_t len) {
        const char *eq = memchr(line, '=', len);
        size_t key = eq ? (size_t) (eq - line) + 1 : len;
        char *copy = strndup(line, len);

        if (!copy)
                return;
        for (size_t i = 0; i < n_pending; i++)
                if (strncmp(pending[i], line, key) == 0) {
                        free(pending[i]);
                        memmove(pending + i, pending + i + 1, (n_pending - i - 1) * sizeof(pending[0]));
                        n_pending--;
                        break;
                }
        if (n_pending == NOTIFY_PENDING_MAX) {
                free(pending[0]);
                memmove(pending, pending + 1, (n_pending - 1) * sizeof(pending[0]));
                n_pending--;
        }
        pending[n_pending++] = copy;
}

/* Under the lock: the pending lines as one message into buf, and cleared. */
static size_t pending_take(char *buf, size_t size) {
        size_t n = 0;

        for (size_t i = 0; i < n_pending; i++) {
                if (n < size)
                        n += (size_t) snprintf(buf + n, size - n, "%s%s", i ? "\n" : "", pending[i]);
                free(pending[i]);
        }
        n_pending = 0;
        return n < size ? n : size - 1;
}

/* The sender: a blocking send on a socket of its own, so that a full queue holds this thread
 * only, which waits its turn among the receiver's blocked senders (a non-blocking sender lost
 * every race for room to a flood; a review found it). */
static struct sockaddr_un receiver;
static socklen_t receiver_len;

static void *sender(void *userdata) {
        int fd = -EBADF;

        for (;;) {
                char buf[4096];
                size_t n;

                pthread_mutex_lock(&lock);
                sending = false;
                pthread_cond_broadcast(&changed);
                while (n_pending == 0)
                        pthread_cond_wait(&changed, &lock);
                n = pending_take(buf, sizeof(buf));
                sending = true;
                pthread_mutex_unlock(&lock);

                for (int attempt = 0; attempt < 2; attempt++) {
                        if (fd < 0) {
                                fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
                                if (fd >= 0 && connect(fd, (struct sockaddr *) &receiver, receiver_len) < 0) {
                                        close(fd);
                                        fd = -EBADF;
                                }
                        }
                        if (fd >= 0 && send(fd, buf, n, MSG_NOSIGNAL) >= 0)
                                break;
                        if (fd >= 0)
                                close(fd); /* the receiver went away: a new socket, once */
                        fd = -EBADF;
                }
        }
        return NULL;
}

static int sender_start(const char *e) {
        pthread_attr_t attr;
        pthread_t thread;
        int r;

        if (started)
                return 0;
        r = notify_address(e, &receiver, &receiver_len);
        if (r < 0)
                return r;
        if (pthread_attr_init(&attr) != 0)
                return -ENOMEM;
        (void) pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        (void) pthread_attr_setstacksize(&attr, 64 * 1024);
        r = -pthread_create(&thread, &attr, sender, NULL);
        pthread_attr_destroy(&attr);
        if (r < 0)
                return r;
        started = true;
        return 0;
}

int notify_send(const char *state) {
        const char *e = getenv("NOTIFY_SOCKET");
        int r;

        if (!e)
                return 0;
        r = sender_start(e);
        if (r == -EAFNOSUPPORT)
                return sd_notify(false, state);
        if (r < 0)
                return r;
        pthread_mutex_lock(&lock);
        for (const char *line = state; *line;) {
                size_t len = strcspn(line, "\n");

                if (len)
                        pending_add(line, len);
                line += len + (line[len] == '\n');
        }
        pthread_cond_broadcast(&changed);
        pthread_mutex_unlock(&lock);
        return 1;
}

int notify_sendf(const char *format, ...) {
        _cleanup_(freep) char *s = NULL;
        va_list ap;
        int r;

        va_start(ap, format);
        r = vasprintf(&s, format, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        return notify_send(s);
}

int notify_flush(unsigned msec) {
        struct timespec until;
        int r = 0;

        if (!started)
                return 0;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += msec / 1000;
        until.tv_nsec += (long) (msec % 1000) * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
                until.tv_sec++;
                until.tv_nsec -= 1000000000L;
        }
        pthread_mutex_lock(&lock);
        while ((n_pending > 0 || sending) && r == 0)
                r = pthread_cond_timedwait(&changed, &lock, &until);
        pthread_mutex_unlock(&lock);
        return r == 0 ? 0 : -ETIMEDOUT;
}

/* The watchdog's keep-alive, every quarter of WatchdogSec= (sd-event's own, sd_event_set_watchdog(),
 * sends through the blocking sd_notify() on the event loop's thread). */
static int on_watchdog(sd_event_source *s, uint64_t usec, void *userdata) {
        uint64_t interval = *(uint64_t *) userdata;

        (void) notify_send("WATCHDOG=1");
        (void) sd_event_source_set_time(s, usec + interval);
        return sd_event_source_set_enabled(s, SD_EVENT_ON);
}

int notify_watchdog_start(sd_event *e) {
        static uint64_t interval;
        uint64_t usec, now;
        int r;

        r = sd_watchdog_enabled(false, &usec);
        if (r <= 0)
                return r;
        interval = usec / 4;
        r = sd_event_now(e, CLOCK_MONOTONIC, &now);
        if (r < 0)
                return r;
        (void) notify_send("WATCHDOG=1");
        return sd_event_add_time(e, NULL, CLOCK_MONOTONIC, now + interval, 0, on_watchdog, &interval);
}
