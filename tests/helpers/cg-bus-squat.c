/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* cg-bus-squat NAME: a squatter on the system bus. Owns NAME, or queues for it behind its owner
 * (so it gets it when that one goes: a restart), and answers Unload as cgroup-guardd would,
 * having unloaded nothing. Prints "owner" once it owns the name, "queued" while it waits; exits
 * 1 if the bus refuses it the name (its policy: root only). */

#include <stdio.h>
#include <string.h>
#include <systemd/sd-bus.h>

static int method_unload(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        return sd_bus_reply_method_return(m, "us", 7, "/sys/fs/bpf/cgroup-guard");
}

static const sd_bus_vtable vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_METHOD("Unload", "", "us", method_unload, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

static int on_acquired(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        const char *name;

        if (sd_bus_message_read(m, "s", &name) >= 0 && strcmp(name, userdata) == 0) {
                printf("owner\n");
                fflush(stdout);
        }
        return 0;
}

int main(int argc, char *argv[]) {
        sd_bus *bus = NULL;
        int r;

        if (argc != 2) {
                fprintf(stderr, "usage: cg-bus-squat NAME\n");
                return 2;
        }
        r = sd_bus_open_system(&bus);
        if (r >= 0)
                r = sd_bus_add_object_vtable(bus, NULL, "/org/cgroupguard/Guard1", "org.cgroupguard.Guard1.Manager", vtable, NULL);
        if (r >= 0)
                r = sd_bus_match_signal(bus, NULL, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                        "NameAcquired", on_acquired, argv[1]);
        if (r < 0) {
                fprintf(stderr, "cg-bus-squat: %s\n", strerror(-r));
                return 1;
        }
        r = sd_bus_request_name(bus, argv[1], SD_BUS_NAME_QUEUE);
        if (r < 0) {
                fprintf(stderr, "cg-bus-squat: %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        if (r == 0) {
                printf("queued\n");
                fflush(stdout);
        }
        for (;;) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return 1;
                if (r == 0 && sd_bus_wait(bus, UINT64_MAX) < 0)
                        return 1;
        }
}
