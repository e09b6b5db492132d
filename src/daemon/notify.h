/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Notifications to the service manager (READY=1, WATCHDOG=1, STATUS=...) that never hold the
 * event loop. libsystemd's sd_notify() blocks while the receiver's queue is full
 * (net.unix.max_dgram_qlen datagrams): a receiver that did not read held the single-threaded
 * daemon (events, D-Bus, the journal, the watchdog's keep-alive) for as long as it liked. Here
 * the latest value of each variable waits in a queue that a sender thread of its own empties
 * with blocking sends (a blocked sender waits its turn; a non-blocking one lost every race for
 * room to a flood of PID 1's notify socket, which anyone may send to). */

#include <systemd/sd-event.h>

/* As sd_notify(false, state): 1 queued (sent once there is room), 0 nowhere to send (no
 * NOTIFY_SOCKET), -errno. */
int notify_send(const char *state);
int notify_sendf(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Waits until what is queued is sent, msec at most (before an exit): 0, or -ETIMEDOUT. */
int notify_flush(unsigned msec);
/* Sends WATCHDOG=1 every quarter of the interval the service manager asked for (WATCHDOG_USEC),
 * from a timer on e: 1 started, 0 no watchdog, -errno. */
int notify_watchdog_start(sd_event *e);
