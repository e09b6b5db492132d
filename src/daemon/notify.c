/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <unistd.h>

#include "macro.h"
#include "notify.h"

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

int notify_send(const char *state) {
        _cleanup_(closep) int fd = -EBADF;
        const char *e = getenv("NOTIFY_SOCKET");
        struct sockaddr_un sa;
        socklen_t len;
        size_t n = strlen(state);
        int r;

        if (!e)
                return 0;
        r = notify_address(e, &sa, &len);
        if (r == -EAFNOSUPPORT)
                return sd_notify(false, state);
        if (r < 0)
                return r;
        fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        /* Connected: poll() then says whether the receiver's queue has room. */
        if (connect(fd, (struct sockaddr *) &sa, len) < 0)
                return -errno;
        for (int attempt = 0; attempt < 2; attempt++) {
                struct pollfd p = { .fd = fd, .events = POLLOUT };

                if (send(fd, state, n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                        return 1;
                if (errno != EAGAIN)
                        return -errno;
                if (attempt == 0 && poll(&p, 1, NOTIFY_WAIT_MSEC) <= 0)
                        break;
        }
        return -EAGAIN;
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
