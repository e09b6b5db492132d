/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Notifications to the service manager (READY=1, WATCHDOG=1, STATUS=...) that never block.
 * libsystemd's sd_notify() blocks while the receiver's queue is full (net.unix.max_dgram_qlen
 * datagrams): a receiver that did not read held the single-threaded daemon (events, D-Bus, the
 * journal, the watchdog's keep-alive) for as long as it liked. A notification that finds the
 * queue full stays pending (the latest value of each variable) and is sent from the event loop
 * once there is room, as a blocked sender would be, without holding the loop (anyone may flood
 * PID 1's notify socket); before the loop runs, NOTIFY_WAIT_MSEC at most, then dropped. */

#include <systemd/sd-event.h>

#define NOTIFY_WAIT_MSEC 100

/* As sd_notify(false, state): 1 sent, 0 nowhere to send (no NOTIFY_SOCKET), -errno
 * (-EAGAIN: the receiver's queue is full: pending, or dropped before the loop runs). */
int notify_send(const char *state);
int notify_sendf(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Sends WATCHDOG=1 every quarter of the interval the service manager asked for (WATCHDOG_USEC),
 * from a timer on e, and pending notifications once there is room: 1 started, 0 no watchdog,
 * -errno. */
int notify_watchdog_start(sd_event *e);
