/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
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
#include <sys/time.h>
#include <unistd.h>

#include "macro.h"
#include "notify.h"

/* What is not sent yet: one line per variable ("READY=1", "STATUS=..."), the latest value of
 * each, in the order they came, sent as one datagram. */
#define NOTIFY_PENDING_MAX 8
static char *pending[NOTIFY_PENDING_MAX];
static size_t n_pending;
static int notify_fd = -EBADF; /* connected to NOTIFY_SOCKET, blocking, with a send timeout */

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

/* READY=, RELOADING= and STOPPING= are one state: only the latest of them is kept (systemd 252
 * reads them in an order of its own, not the message's: RELOADING=1 then READY=1 in one message
 * could leave the unit reloading). */
static bool is_state_line(const char *line) {
        return strncmp(line, "READY=", 6) == 0 || strncmp(line, "RELOADING=", 10) == 0 || strncmp(line, "STOPPING=", 9) == 0;
}

static void pending_add(const char *line, size_t len) {
        const char *eq = memchr(line, '=', len);
        size_t key = eq ? (size_t) (eq - line) + 1 : len;
        char *copy = strndup(line, len);

        if (!copy)
                return;
        for (size_t i = 0; i < n_pending; i++)
                if (strncmp(pending[i], line, key) == 0 || (is_state_line(copy) && is_state_line(pending[i]))) {
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

static void pending_clear(void) {
        for (size_t i = 0; i < n_pending; i++)
                free(pending[i]);
        n_pending = 0;
}

static int notify_connect(void) {
        struct timeval timeout = { .tv_usec = NOTIFY_WAIT_MSEC * 1000 };
        struct sockaddr_un sa;
        socklen_t len;
        int r;

        if (notify_fd >= 0)
                return 0;
        r = notify_address(getenv("NOTIFY_SOCKET"), &sa, &len);
        if (r < 0)
                return r;
        notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (notify_fd < 0)
                return -errno;
        if (setsockopt(notify_fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout)) < 0 ||
            connect(notify_fd, (struct sockaddr *) &sa, len) < 0) {
                r = -errno;
                close(notify_fd);
                notify_fd = -EBADF;
                return r;
        }
        return 0;
}

/* Sends what is pending as one datagram: 1 sent (or nothing pending), -EAGAIN no room within the
 * timeout (kept for the next call), -errno (dropped: nobody listens). */
static int pending_flush(void) {
        char buf[4096];
        size_t n = 0;
        int r;

        if (n_pending == 0)
                return 1;
        for (size_t i = 0; i < n_pending && n < sizeof(buf); i++)
                n += (size_t) snprintf(buf + n, sizeof(buf) - n, "%s%s", i ? "\n" : "", pending[i]);
        if (n >= sizeof(buf))
                n = sizeof(buf) - 1;
        for (int attempt = 0; attempt < 2; attempt++) {
                r = notify_connect();
                if (r >= 0 && send(notify_fd, buf, n, MSG_NOSIGNAL) >= 0) {
                        pending_clear();
                        return 1;
                }
                if (r >= 0)
                        r = -errno;
                if (r == -EAGAIN || r == -EWOULDBLOCK || r == -EINTR)
                        return -EAGAIN;
                if (notify_fd >= 0)
                        close(notify_fd); /* the receiver went away: a new socket, once */
                notify_fd = -EBADF;
        }
        pending_clear();
        return r;
}

int notify_send(const char *state) {
        const char *e = getenv("NOTIFY_SOCKET");

        if (!e)
                return 0;
        if (notify_address(e, &(struct sockaddr_un) {}, &(socklen_t) { 0 }) == -EAFNOSUPPORT)
                return sd_notify(false, state);
        for (const char *line = state; *line;) {
                size_t len = strcspn(line, "\n");

                if (len)
                        pending_add(line, len);
                line += len + (line[len] == '\n');
        }
        return pending_flush();
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

int notify_flush(void) {
        return pending_flush();
}

/* The watchdog's keep-alive, every quarter of WatchdogSec= (sd-event's own, sd_event_set_watchdog(),
 * sends through the blocking sd_notify()). */
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
