/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-bus.h>

/* Who answers for org.cgroupguard.Guard1. Any root process may own the name while cgroup-guardd
 * does not (a queued owner takes it at a restart), so the owner is trusted only once it proved
 * to be the guard (guard-peer.c); calls then go to its unique name, which a later owner of the
 * well-known name never gets. */

/* Opens the system bus (sd_bus_open_system()'s return) and checks the name's owner: after it,
 * guard_peer_destination() is the trusted owner's unique name, or, with no owner or one that is
 * not the guard (said on stderr), a name no one can hold, so every call fails as "not reachable". */
int guard_peer_open_bus(sd_bus **ret);
const char *guard_peer_destination(void);
