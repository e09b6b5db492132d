/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Notifications to the service manager (READY=1, WATCHDOG=1, STATUS=...) that hold the event
 * loop NOTIFY_WAIT_MSEC at most. libsystemd's sd_notify() blocks while the receiver's queue is
 * full (net.unix.max_dgram_qlen datagrams): a receiver that did not read held the single-threaded
 * daemon (events, D-Bus, the journal, the watchdog's keep-alive) for as long as it liked. Here a
 * blocking send with a timeout: a blocked sender waits its turn among the receiver's blocked
 * senders (a non-blocking one lost every race for room to a flood of PID 1's notify socket, which
 * anyone may send to), and what finds no room in time waits (the latest value of each variable)
 * for the next notification or keep-alive. No thread: a second task of the daemon's would be one
 * its marks do not name (signals, limits, /proc/PID/task/TID). */

#include <systemd/sd-event.h>

#define NOTIFY_WAIT_MSEC 500

/* As sd_notify(false, state): 1 sent, 0 nowhere to send (no NOTIFY_SOCKET), -EAGAIN no room in
 * time (kept for the next call), -errno. */
int notify_send(const char *state);
int notify_sendf(const char *format, ...) __attribute__((format(printf, 1, 2)));
/* Tries once more to send what waits (before an exit). */
int notify_flush(void);
/* Sends WATCHDOG=1 every quarter of the interval the service manager asked for (WATCHDOG_USEC),
 * from a timer on e: 1 started, 0 no watchdog, -errno. */
int notify_watchdog_start(sd_event *e);
