/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "journal-send.h"
#include "log.h"
#include "macro.h"

static int journal_fd = -EBADF;
static uint64_t dropped, dropped_said;

uint64_t journal_dropped(void) {
        return dropped;
}

/* Appends one field in the native protocol: "NAME=value\n", or, for a value with a newline,
 * "NAME\n", its length (64-bit little endian), the value and "\n". Returns the new length. */
static size_t put_field(char *buf, size_t at, const struct iovec *field) {
        const char *f = field->iov_base, *eq = memchr(f, '=', field->iov_len);
        size_t name_len = eq ? (size_t) (eq - f) : field->iov_len;
        size_t value_len = eq ? field->iov_len - name_len - 1 : 0;

        if (!eq || !memchr(eq + 1, '\n', value_len)) {
                memcpy(buf + at, f, field->iov_len);
                at += field->iov_len;
        } else {
                uint64_t le = htole64(value_len);

                memcpy(buf + at, f, name_len);
                at += name_len;
                buf[at++] = '\n';
                memcpy(buf + at, &le, sizeof(le));
                at += sizeof(le);
                memcpy(buf + at, eq + 1, value_len);
                at += value_len;
        }
        buf[at++] = '\n';
        return at;
}

/* An entry too large for one datagram (EMSGSIZE: past the socket's send buffer, which a root
 * elsewhere may make small with net.core.wmem_default; a review found that only the entries of a
 * long path or a deep cgroup were lost) goes as journald takes large ones: in a sealed memfd
 * passed along, as sd-journal does. */
#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

static int send_memfd(const char *buf, size_t len) {
        /* Not executable (6.3 on; vm.memfd_noexec=2 refuses one that could be); EINVAL before. */
        _cleanup_(closep) int fd = memfd_create("cgroup-guard-entry", MFD_ALLOW_SEALING | MFD_CLOEXEC | MFD_NOEXEC_SEAL);
        union {
                struct cmsghdr cmsghdr;
                uint8_t buf[CMSG_SPACE(sizeof(int))];
        } control = {};
        struct msghdr mh = { .msg_control = &control, .msg_controllen = sizeof(control) };
        struct cmsghdr *cmsg;

        if (fd < 0 && errno == EINVAL)
                fd = memfd_create("cgroup-guard-entry", MFD_ALLOW_SEALING | MFD_CLOEXEC);
        if (fd < 0)
                return -EMSGSIZE; /* counted as dropped */
        for (size_t done = 0; done < len;) {
                ssize_t k = write(fd, buf + done, len - done);

                if (k < 0)
                        return -EMSGSIZE;
                done += (size_t) k;
        }
        if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
                return -EMSGSIZE;
        cmsg = CMSG_FIRSTHDR(&mh);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
        return sendmsg(journal_fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? (errno == EAGAIN ? -EAGAIN : -EMSGSIZE) : 0;
}

static int send_now(const struct iovec *iov, size_t n) {
        static const struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET_PATH };
        _cleanup_(freep) char *buf = NULL;
        size_t size = 0, len = 0;

        for (size_t i = 0; i < n; i++)
                size += iov[i].iov_len + sizeof(uint64_t) + 2;
        buf = malloc(size ?: 1);
        if (!buf)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                len = put_field(buf, len, &iov[i]);
        /* Connected once, to the socket at the path then: a socket bound at the path later (PID 1
         * asked for a transient socket unit there by a confined root unlinks journald's and binds
         * its own: a review found it) does not take our entries. Connected again only once
         * journald's socket is gone (systemd-journald.socket restarted: ECONNREFUSED). */
        for (unsigned attempt = 0; attempt < 2; attempt++) {
                if (journal_fd < 0) {
                        journal_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                        if (journal_fd < 0)
                                return -errno;
                        if (connect(journal_fd, (const struct sockaddr *) &sa,
                                    offsetof(struct sockaddr_un, sun_path) + sizeof(JOURNAL_SOCKET_PATH)) < 0) {
                                int r = -errno;

                                journal_close();
                                return r;
                        }
                }
                if (send(journal_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0)
                        return 0;
                if (errno == EMSGSIZE || errno == ENOBUFS)
                        return send_memfd(buf, len);
                if (errno != ECONNREFUSED && errno != ENOTCONN)
                        return -errno;
                journal_close();
        }
        return -ECONNREFUSED;
}

/* journald takes entries again: says how many it missed, once. 0 once said (or nothing to say). */
int journal_say_dropped(void) {
        char message[160], priority[] = "PRIORITY=4";

        if (dropped == dropped_said)
                return 0;
        snprintf(message, sizeof(message),
                 "MESSAGE=%llu journal entries were dropped while journald did not take them (its socket was full).",
                 (unsigned long long) (dropped - dropped_said));
        const struct iovec notice[] = { { message, strlen(message) }, { priority, strlen(priority) } };
        int r = send_now(notice, ELEMENTSOF(notice));
        if (r < 0)
                return r;
        dropped_said = dropped;
        return 0;
}

int journal_sendv(const struct iovec *iov, size_t n) {
        int r = send_now(iov, n);

        if (r == -EAGAIN || r == -ENOBUFS || r == -EMSGSIZE) {
                dropped++;
                return r;
        }
        if (r < 0)
                return r;
        (void) journal_say_dropped();
        return 0;
}

void journal_close(void) {
        closep(&journal_fd);
        journal_fd = -EBADF;
}

void journal_stderr_nonblocking(void) {
        int flags;

        if (!log_stderr_is_journal())
                return;
        flags = fcntl(STDERR_FILENO, F_GETFL);
        if (flags >= 0)
                (void) fcntl(STDERR_FILENO, F_SETFL, flags | O_NONBLOCK);
}
