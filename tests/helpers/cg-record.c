/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Record entries in journal export format (for systemd-journal-remote -o FILE -), made by the
 * daemon's own formatter (record_to_fields()), for the learn/replay tests and bench/.
 *
 *   cg-record export [--host NAME] [--format-version N] < LINES
 *       one entry per line: SECONDS KIND VERDICT EXE ACTOR_CGROUP SRC DST COUNT (migration)
 *                       or: SECONDS KIND VERDICT EXE CGROUP TYPES COUNT (setns, namespace, fork;
 *                           TYPES comma-separated); EXE "-" for unknown; '#' lines are skipped
 *   cg-record send < LINES
 *       the same entries sent to journald (sd_journal_sendv()), as the daemon sends them; the
 *       journal stamps them with the time they arrive
 *   cg-record generate N [HOSTS]
 *       N entries from HOSTS hosts (default 4): a busy fleet's mix, deterministic */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "macro.h"
#include "policy.h"
#include "record.h"

static const char *host = "host0";
static unsigned format_version = RECORD_FORMAT_VERSION;

static int send_mode;

static void emit(const Record *r, uint64_t usec) {
        char *f[RECORD_FIELDS_MAX];
        int n = record_to_fields(r, f);

        if (n < 0) {
                fprintf(stderr, "out of memory\n");
                exit(2);
        }
        if (send_mode) {
                struct iovec iov[RECORD_FIELDS_MAX];
                int k;

                for (int i = 0; i < n; i++)
                        iov[i] = (struct iovec) { .iov_base = f[i], .iov_len = strlen(f[i]) };
                k = sd_journal_sendv(iov, n);
                record_fields_free(f, n);
                if (k < 0) {
                        fprintf(stderr, "sd_journal_sendv: %s\n", strerror(-k));
                        exit(2);
                }
                return;
        }
        /* One boot per host, as a fleet's journals have (the journal orders a boot's entries by
         * their monotonic time). */
        uint64_t boot = 0xcbf29ce484222325ULL;
        for (const char *c = r->host ?: host; *c; c++)
                boot = (boot ^ (unsigned char) *c) * 0x100000001b3ULL;
        printf("__REALTIME_TIMESTAMP=%" PRIu64 "\n__MONOTONIC_TIMESTAMP=%" PRIu64 "\n"
               "_BOOT_ID=%016" PRIx64 "%016" PRIx64 "\n_HOSTNAME=%s\n_TRANSPORT=journal\n"
               "SYSLOG_IDENTIFIER=cgroup-guardd\n",
               usec, usec, boot, boot, r->host ?: host);
        for (int i = 0; i < n; i++) {
                if (format_version != RECORD_FORMAT_VERSION && strncmp(f[i], "CGROUP_GUARD_RECORD_VERSION=", 28) == 0)
                        printf("CGROUP_GUARD_RECORD_VERSION=%u\n", format_version);
                else
                        printf("%s\n", f[i]);
        }
        putchar('\n');
        record_fields_free(f, n);
}

static uint32_t parse_types(char *s) {
        uint32_t mask = 0;

        for (char *t = strtok(s, ","); t; t = strtok(NULL, ","))
                mask |= ns_type_from_string(t);
        return mask;
}

static int do_export(void) {
        char line[8192];

        while (fgets(line, sizeof(line), stdin)) {
                char *w[9];
                int n = 0;

                if (line[0] == '#' || line[0] == '\n')
                        continue;
                for (char *t = strtok(line, " \t\n"); t && n < 9; t = strtok(NULL, " \t\n"))
                        w[n++] = t;
                Record r = { .kind = n >= 2 ? record_kind_from_string(w[1]) : _RECORD_KIND_INVALID };
                if (n < 7 || r.kind < 0) {
                        fprintf(stderr, "bad line\n");
                        return 2;
                }
                r.verdict = w[2];
                r.actor_exe = streq(w[3], "-") ? NULL : w[3];
                r.actor_cgroup = w[4];
                if (r.kind == RECORD_MIGRATION) {
                        if (n < 8)
                                return fprintf(stderr, "bad migration line\n"), 2;
                        r.src_cgroup = w[5];
                        r.dst_cgroup = w[6];
                        r.count = strtoull(w[7], NULL, 10);
                } else {
                        r.ns_types = parse_types(w[5]);
                        r.count = strtoull(w[6], NULL, 10);
                }
                r.first_usec = strtoull(w[0], NULL, 10) * USEC_PER_SEC;
                if (r.first_usec == 0) { /* "now" */
                        struct timespec ts;

                        clock_gettime(CLOCK_REALTIME, &ts);
                        r.first_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC;
                }
                r.last_usec = r.first_usec + USEC_PER_SEC;
                emit(&r, r.first_usec);
        }
        return 0;
}

/* A fleet: per host, systemd starting services and sessions, container managers starting
 * containers and moving inside them, user managers, namespace users. */
static int do_generate(unsigned long n, unsigned hosts) {
        uint64_t t0 = 1798761600ULL * USEC_PER_SEC; /* 2027-01-01 00:00:00 UTC */
        char actor[512], src[512], dst[512], hostname[32];

        for (unsigned long i = 0; i < n; i++) {
                unsigned h = i % hosts, v = (i / hosts) % 7, k = (unsigned) ((i * 2654435761u) >> 8) % 1000;
                Record r = { .verdict = "allow", .count = 1 + i % 5, .host = hostname };

                snprintf(hostname, sizeof(hostname), "host%u", h);
                r.first_usec = t0 + (uint64_t) i * 3000;
                r.last_usec = r.first_usec + 1000;
                r.actor_cgroup = actor;
                r.src_cgroup = src;
                r.dst_cgroup = dst;
                switch (v) {
                case 0: /* systemd starts a service */
                        r.kind = RECORD_MIGRATION;
                        r.actor_exe = "/usr/lib/systemd/systemd";
                        snprintf(actor, sizeof(actor), "/init.scope");
                        snprintf(src, sizeof(src), "/init.scope");
                        snprintf(dst, sizeof(dst), "/system.slice/svc%u.service", k % 40);
                        break;
                case 1: /* a session */
                        r.kind = RECORD_MIGRATION;
                        r.actor_exe = "/usr/lib/systemd/systemd";
                        snprintf(actor, sizeof(actor), "/init.scope");
                        snprintf(src, sizeof(src), "/system.slice/ssh.service");
                        snprintf(dst, sizeof(dst), "/user.slice/user-%u.slice/session-%u.scope", 1000 + k % 50, k);
                        break;
                case 2: /* a user manager inside its own subtree */
                        r.kind = RECORD_MIGRATION;
                        r.actor_exe = "/usr/lib/systemd/systemd";
                        snprintf(actor, sizeof(actor), "/user.slice/user-%u.slice/user@%u.service/init.scope",
                                 1000 + k % 50, 1000 + k % 50);
                        snprintf(src, sizeof(src), "%s", actor);
                        snprintf(dst, sizeof(dst), "/user.slice/user-%u.slice/user@%u.service/app.slice/run-u%u.scope",
                                 1000 + k % 50, 1000 + k % 50, k);
                        break;
                case 3: /* a container manager starts a container */
                        r.kind = RECORD_MIGRATION;
                        r.actor_exe = "/usr/bin/containerd-shim-runc-v2";
                        snprintf(actor, sizeof(actor), "/system.slice/containerd.service");
                        snprintf(src, sizeof(src), "/system.slice/containerd.service");
                        snprintf(dst, sizeof(dst), "/system.slice/docker-%016lx%016lx%016lx%016lx.scope",
                                 (unsigned long) k * 0x9e3779b97f4a7c15ul, (unsigned long) h, 0ul, (unsigned long) i % 97);
                        break;
                case 4: /* transient units */
                        r.kind = RECORD_MIGRATION;
                        r.actor_exe = "/usr/lib/systemd/systemd";
                        snprintf(actor, sizeof(actor), "/init.scope");
                        snprintf(src, sizeof(src), "/init.scope");
                        snprintf(dst, sizeof(dst), "/system.slice/run-u%u.scope", k);
                        break;
                case 5: /* a sandbox creates namespaces */
                        r.kind = RECORD_NAMESPACE;
                        r.actor_exe = "/usr/bin/bwrap";
                        snprintf(actor, sizeof(actor), "/user.slice/user-%u.slice/session-%u.scope", 1000 + k % 50, k);
                        r.ns_types = k % 2 ? 0x10000000 | 0x00020000 : 0x40000000;
                        break;
                default: /* a tool joins a namespace */
                        r.kind = RECORD_SETNS;
                        r.actor_exe = "/usr/bin/nsenter";
                        snprintf(actor, sizeof(actor), "/system.slice/svc%u.service", k % 40);
                        r.ns_types = 0x40000000;
                        break;
                }
                emit(&r, r.first_usec);
        }
        return 0;
}

int main(int argc, char *argv[]) {
        int i = 1;

        if (argc >= 2 && streq(argv[1], "generate"))
                return argc >= 3 ? do_generate(strtoul(argv[2], NULL, 10), argc >= 4 ? strtoul(argv[3], NULL, 10) : 4) : 2;
        send_mode = argc >= 2 && streq(argv[1], "send");
        if (send_mode)
                return do_export();
        if (argc < 2 || !streq(argv[1], "export"))
                return fprintf(stderr, "usage: cg-record export [--host NAME] [--format-version N] | generate N [HOSTS]\n"), 2;
        for (i = 2; i + 1 < argc; i += 2) {
                if (streq(argv[i], "--host"))
                        host = argv[i + 1];
                else if (streq(argv[i], "--format-version"))
                        format_version = strtoul(argv[i + 1], NULL, 10);
                else
                        return 2;
        }
        return do_export();
}
