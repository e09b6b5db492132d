/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-buscall: a D-Bus caller whose connecting process is gone (issue 12: the D-Bus caller's pid).
 *   cg-buscall connect SOCKET MEMBER [STRING]
 *           connects to the bus at SOCKET (a unix socket path), authenticates (EXTERNAL), says
 *           Hello, then forks: this process prints its pid (the one dbus-daemon names for the
 *           connection, SO_PEERCRED) and exits; its child keeps the connection, waits for
 *           /tmp/buscall.go (30 s at most), calls org.cgroupguard.Guard1.Manager.MEMBER (with one
 *           string argument if given) on /org/cgroupguard/Guard1 and writes "done" or the error's
 *           name to /tmp/buscall.out.
 *   cg-buscall pidat PID COMMAND [ARG...]
 *           runs COMMAND as a new process with the pid PID (clone3 set_tid), in this process's
 *           cgroup; prints "ok" or the errno name, and does not wait for it.
 * The protocol by hand: sd-bus refuses a connection used across fork(). Exit 0 / 1 / 2 (usage). */

#ifndef _GNU_SOURCE /* meson passes -D_GNU_SOURCE */
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

typedef struct Msg {
        uint8_t b[4096];
        size_t n;
} Msg;

static void pad(Msg *m, size_t a) {
        while (m->n % a)
                m->b[m->n++] = 0;
}

static void put_u8(Msg *m, uint8_t v) {
        m->b[m->n++] = v;
}

static void put_u32(Msg *m, uint32_t v) {
        pad(m, 4);
        memcpy(m->b + m->n, &v, 4);
        m->n += 4;
}

static void put_str(Msg *m, const char *s) {
        put_u32(m, strlen(s));
        memcpy(m->b + m->n, s, strlen(s) + 1);
        m->n += strlen(s) + 1;
}

static void put_sig(Msg *m, const char *s) {
        put_u8(m, strlen(s));
        memcpy(m->b + m->n, s, strlen(s) + 1);
        m->n += strlen(s) + 1;
}

/* A header field: (code, variant of type). */
static void put_field(Msg *m, uint8_t code, const char *type, const char *value) {
        pad(m, 8);
        put_u8(m, code);
        put_sig(m, type);
        if (type[0] == 'g')
                put_sig(m, value);
        else
                put_str(m, value);
}

/* A little-endian method call; arg: one string argument, or NULL. */
static void method_call(Msg *m, uint32_t serial, const char *dest, const char *path, const char *iface,
                        const char *member, const char *arg) {
        Msg body = {};
        size_t len_at, start;
        uint32_t len;

        if (arg)
                put_str(&body, arg);
        m->n = 0;
        put_u8(m, 'l');
        put_u8(m, 1); /* METHOD_CALL */
        put_u8(m, 0);
        put_u8(m, 1);
        put_u32(m, body.n);
        put_u32(m, serial);
        len_at = m->n;
        put_u32(m, 0);
        start = m->n;
        put_field(m, 1, "o", path);
        put_field(m, 2, "s", iface);
        put_field(m, 3, "s", member);
        put_field(m, 6, "s", dest);
        if (arg)
                put_field(m, 8, "g", "s");
        len = m->n - start;
        memcpy(m->b + len_at, &len, 4);
        pad(m, 8);
        memcpy(m->b + m->n, body.b, body.n);
        m->n += body.n;
}

static int read_all(int fd, void *p, size_t n) {
        for (size_t done = 0; done < n;) {
                ssize_t k = read(fd, (char *) p + done, n - done);

                if (k <= 0)
                        return -1;
                done += k;
        }
        return 0;
}

/* Reads messages until the reply to serial: 0 for a method return, 1 for an error (its name in
 * err), -1 if the connection fails. */
static int await_reply(int fd, uint32_t serial, char *err, size_t err_size) {
        for (;;) {
                uint8_t h[16], rest[8192];
                uint32_t body, fields, total, reply_to = 0;
                size_t p = 16;

                if (read_all(fd, h, sizeof(h)) < 0)
                        return -1;
                memcpy(&body, h + 4, 4);
                memcpy(&fields, h + 12, 4);
                total = ((16 + fields + 7) & ~7u) + body;
                if (total > sizeof(rest) + 16 || read_all(fd, rest, total - 16) < 0)
                        return -1;
                snprintf(err, err_size, "?");
                while (p < 16 + fields) {
                        uint8_t code, siglen;
                        char type;

                        p = (p + 7) & ~(size_t) 7;
                        code = rest[p - 16];
                        siglen = rest[p - 16 + 1];
                        type = (char) rest[p - 16 + 2];
                        p += 2 + siglen + 1;
                        if (type == 'g') {
                                p += 1 + rest[p - 16] + 1;
                        } else if (type == 'u') {
                                p = (p + 3) & ~(size_t) 3;
                                if (code == 5)
                                        memcpy(&reply_to, rest + p - 16, 4);
                                p += 4;
                        } else { /* s, o */
                                uint32_t len;

                                p = (p + 3) & ~(size_t) 3;
                                memcpy(&len, rest + p - 16, 4);
                                if (code == 4)
                                        snprintf(err, err_size, "%.*s", (int) len, (const char *) rest + p - 16 + 4);
                                p += 4 + len + 1;
                        }
                }
                if ((h[1] == 2 || h[1] == 3) && reply_to == serial)
                        return h[1] == 3;
        }
}

static int connect_and_call(const char *socket_path, const char *member, const char *arg) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        char line[256], err[256];
        int fd, r;
        Msg m;
        pid_t child;

        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        {
                char uid[16], hex[40] = "", auth[80];
                size_t k;

                snprintf(uid, sizeof(uid), "%u", (unsigned) getuid());
                for (k = 0; uid[k]; k++)
                        snprintf(hex + 2 * k, 3, "%02x", (unsigned char) uid[k]);
                snprintf(auth, sizeof(auth), "AUTH EXTERNAL %s\r\n", hex);
                if (write(fd, "", 1) != 1 || write(fd, auth, strlen(auth)) != (ssize_t) strlen(auth))
                        return 1;
                r = read(fd, line, sizeof(line) - 1);
                if (r <= 0 || strncmp(line, "OK ", 3) != 0) {
                        printf("auth failed\n");
                        return 1;
                }
                if (write(fd, "BEGIN\r\n", 7) != 7)
                        return 1;
        }
        method_call(&m, 1, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "Hello", NULL);
        if (write(fd, m.b, m.n) != (ssize_t) m.n || await_reply(fd, 1, err, sizeof(err)) != 0) {
                printf("Hello failed\n");
                return 1;
        }
        child = fork();
        if (child < 0)
                return 1;
        if (child > 0) {
                printf("%d\n", (int) getpid());
                return 0;
        }
        /* The child: the connection is ours now, its process gone. */
        (void) freopen("/dev/null", "w", stdout);
        for (int i = 0; i < 300 && access("/tmp/buscall.go", F_OK) < 0; i++)
                usleep(100 * 1000);
        method_call(&m, 2, "org.cgroupguard.Guard1", "/org/cgroupguard/Guard1", "org.cgroupguard.Guard1.Manager",
                    member, arg);
        r = write(fd, m.b, m.n) == (ssize_t) m.n ? await_reply(fd, 2, err, sizeof(err)) : -1;
        {
                FILE *f = fopen("/tmp/buscall.out.tmp", "we");

                if (!f)
                        return 1;
                fprintf(f, "%s\n", r == 0 ? "done" : r == 1 ? err : "connection failed");
                fclose(f);
                (void) rename("/tmp/buscall.out.tmp", "/tmp/buscall.out");
        }
        return 0;
}

static int pid_at(pid_t pid, char **argv) {
        struct clone_args args = { .exit_signal = SIGCHLD, .set_tid = (uintptr_t) &pid, .set_tid_size = 1 };
        long r = syscall(__NR_clone3, &args, sizeof(args));

        if (r < 0) {
                printf("%s\n", strerrorname_np(errno));
                return 1;
        }
        if (r == 0) {
                execvp(argv[0], argv);
                _exit(127);
        }
        printf("ok\n");
        return 0;
}

int main(int argc, char *argv[]) {
        if ((argc == 4 || argc == 5) && strcmp(argv[1], "connect") == 0)
                return connect_and_call(argv[2], argv[3], argc == 5 ? argv[4] : NULL);
        if (argc >= 4 && strcmp(argv[1], "pidat") == 0)
                return pid_at(atoi(argv[2]), argv + 3);
        fprintf(stderr, "usage: cg-buscall connect SOCKET MEMBER [STRING] | pidat PID COMMAND [ARG...]\n");
        return 2;
}
