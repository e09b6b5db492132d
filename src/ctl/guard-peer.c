/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Is the owner of org.cgroupguard.Guard1 the guard? The bus daemon says which process owns the
 * name (its credentials when it connected); that process must run as root and be cgroup-guardd:
 *   - under systemd (org.freedesktop.systemd1 is PID 1's on this bus), PID 1 must count it to
 *     cgroup-guardd.service: it is in the unit's cgroup, which nobody but PID 1 and the guard may
 *     join (tamper protection; the kernel decides it);
 *   - without systemd, its executable must be named cgroup-guardd (for a caller other than root,
 *     which cannot read a root process's executable, its name): a weaker test (the binary run
 *     with code injected passes), the admin's setup without a unit. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard-peer.h"
#include "log.h"
#include "macro.h"
#include "process-util.h"
#include "string-util.h"

#define BUS_NAME "org.cgroupguard.Guard1"
#define GUARD_UNIT "cgroup-guardd.service"
#define GUARD_BINARY "cgroup-guardd"
#define SYSTEMD_NAME "org.freedesktop.systemd1"
/* A syntactically valid unique name the bus daemon never hands out (its are ":1.N"): calls to it
 * fail with NameHasNoOwner or ServiceUnknown, which the caller reports as "not reachable". */
#define NO_GUARD ":no.guard"

static char destination[256] = NO_GUARD;

const char *guard_peer_destination(void) {
        return destination;
}

static void bus_creds_unrefp(sd_bus_creds **c) {
        sd_bus_creds_unref(*c);
}

static void bus_message_unrefp(sd_bus_message **m) {
        sd_bus_message_unref(*m);
}

/* name's owner: its unique name and pid; 0, or -errno (no owner: -ENXIO, -ESRCH). */
static int name_owner(sd_bus *bus, const char *name, const char **ret_unique, pid_t *ret_pid, uid_t *ret_uid,
                      sd_bus_creds **ret_creds) {
        _cleanup_(bus_creds_unrefp) sd_bus_creds *creds = NULL;
        int r;

        r = sd_bus_get_name_creds(bus, name, SD_BUS_CREDS_UNIQUE_NAME | SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID | SD_BUS_CREDS_UID,
                                  &creds);
        if (r < 0)
                return r;
        r = sd_bus_creds_get_unique_name(creds, ret_unique);
        if (r >= 0)
                r = sd_bus_creds_get_pid(creds, ret_pid);
        if (r >= 0 && ret_uid && sd_bus_creds_get_euid(creds, ret_uid) < 0)
                r = sd_bus_creds_get_uid(creds, ret_uid);
        if (r < 0)
                return r;
        *ret_creds = TAKE_PTR(creds);
        return 0;
}

/* Why pid is not the guard, as PID 1 sees it (NULL: it is); *ret_managed: PID 1 is systemd on
 * this bus, and answered. */
static char *not_the_guard_unit(sd_bus *bus, pid_t pid, bool *ret_managed) {
        _cleanup_(bus_creds_unrefp) sd_bus_creds *creds = NULL;
        _cleanup_(bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(freep) char *want = NULL;
        sd_bus_error error = SD_BUS_ERROR_NULL;
        const char *systemd, *unit;
        pid_t systemd_pid;
        char *why = NULL;
        int r;

        *ret_managed = false;
        if (name_owner(bus, SYSTEMD_NAME, &systemd, &systemd_pid, NULL, &creds) < 0 || systemd_pid != 1)
                return NULL;
        *ret_managed = true;
        r = sd_bus_call_method(bus, systemd, "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
                               "GetUnitByPID", &error, &reply, "u", (uint32_t) pid);
        if (r >= 0)
                r = sd_bus_message_read(reply, "o", &unit);
        if (r < 0) {
                if (asprintf(&why, "PID 1 counts it to no unit (%s)", error.message ?: strerror(-r)) < 0)
                        why = NULL;
                sd_bus_error_free(&error);
                return why ?: strdup("PID 1 counts it to no unit");
        }
        if (sd_bus_path_encode("/org/freedesktop/systemd1/unit", GUARD_UNIT, &want) < 0)
                return strdup("out of memory");
        if (streq(unit, want))
                return NULL;
        if (asprintf(&why, "PID 1 counts it to %s, not " GUARD_UNIT, unit) < 0)
                return NULL;
        return why;
}

/* Why the owner pid (uid) is not the guard; NULL if it is. */
static char *not_the_guard(sd_bus *bus, pid_t pid, uid_t uid) {
        _cleanup_(freep) char *exe = pid_exe_path(pid);
        const char *base;
        bool managed;
        char *why = NULL;

        if (uid != 0)
                return asprintf(&why, "it runs as uid %u, not root", (unsigned) uid) < 0 ? NULL : why;
        why = not_the_guard_unit(bus, pid, &managed);
        if (managed || why)
                return why;
        if (!exe) {
                /* Not root: a root process's executable cannot be read, its name (comm) can. */
                _cleanup_(freep) char *comm = pid_comm(pid);

                if (!comm)
                        return strdup("its name cannot be read");
                if (streq(comm, GUARD_BINARY))
                        return NULL;
                return asprintf(&why, "it is named %s", comm) < 0 ? NULL : why;
        }
        base = strrchr(exe, '/') ? strrchr(exe, '/') + 1 : exe;
        if (strneq(base, GUARD_BINARY, strlen(GUARD_BINARY)) &&
            (base[strlen(GUARD_BINARY)] == '\0' || streq(base + strlen(GUARD_BINARY), " (deleted)")))
                return NULL;
        return asprintf(&why, "it runs %s", exe) < 0 ? NULL : why;
}

int guard_peer_open_bus(sd_bus **ret) {
        _cleanup_(bus_creds_unrefp) sd_bus_creds *creds = NULL;
        _cleanup_(freep) char *why = NULL, *exe = NULL, *shown = NULL;
        const char *unique;
        pid_t pid;
        uid_t uid = (uid_t) -1;
        int r;

        snprintf(destination, sizeof(destination), "%s", NO_GUARD);
        r = sd_bus_open_system(ret);
        if (r < 0)
                return r;
        if (name_owner(*ret, BUS_NAME, &unique, &pid, &uid, &creds) < 0)
                return 0; /* no owner: not reachable */
        why = not_the_guard(*ret, pid, uid);
        if (!why) {
                snprintf(destination, sizeof(destination), "%s", unique);
                return 0;
        }
        exe = pid_exe_path(pid);
        shown = str_escape(exe ?: "?", ESCAPE_CONTROL);
        log_error("%s is owned by pid %d (%s), which is not cgroup-guardd: %s. Not trusting its answers.", BUS_NAME,
                  (int) pid, shown ?: "?", why);
        return 0;
}
