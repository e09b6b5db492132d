/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* org.cgroupguard.Guard1 on the system bus. Never on the enforcement path: without a bus the
 * daemon enforces and logs, and keeps trying to connect. */

#include "event-format.h"
#include "manager.h"

#define BUS_NAME "org.cgroupguard.Guard1"
#define BUS_PATH "/org/cgroupguard/Guard1"
#define BUS_INTERFACE "org.cgroupguard.Guard1.Manager"

int bus_start(Manager *m);
void bus_emit_denied(Manager *m, const struct guard_event *e, const EventText *t, const EventNames *n);
/* After a reload, SetMode or new counters. */
void bus_emit_state_changed(Manager *m);
void bus_check_backlog(Manager *m); /* says once the bus reads again what was dropped meanwhile */
void bus_stop(Manager *m);
/* At exit: what is queued (an Unload's reply) written out, for 2 s at most, then bus_stop(). */
void bus_close(Manager *m);
