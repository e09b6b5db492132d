/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Journal entries as the daemon sends them: journald's native protocol on a socket of our own
 * that never blocks. sd_journal_sendv() blocks while journald's socket is full: a confined root
 * that froze journald (cgroup.freeze, SIGSTOP) and filled its queue stopped the single-threaded
 * daemon at its next entry (events lost, D-Bus silent, the watchdog restarting it over and over;
 * a review found it). An entry journald cannot take now is dropped and counted, and the count is
 * said in an entry of its own once journald takes them again. */

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

/* Where journald listens (libsystemd hard-codes it too). Its names are guarded like the files the
 * guard runs (backend-tamper.c): replaced, the daemon's entries went to a socket of a confined
 * root's (a review found it). */
#define JOURNAL_SOCKET_PATH "/run/systemd/journal/socket"

/* Sends the fields ("NAME=value" each, as sd_journal_sendv()); 0 or -errno (-EAGAIN: dropped). */
int journal_sendv(const struct iovec *iov, size_t n);
/* Says how many entries were dropped since it was last said, if any, in an entry of its own: after
 * the next entry journald takes, and from the daemon's timer (no entry may follow for long; one
 * that came while journald's socket was still full was dropped too, and the count went unsaid). */
int journal_say_dropped(void);
/* Entries dropped since the start. */
uint64_t journal_dropped(void);
/* Closes the socket (at exit). */
void journal_close(void);
/* Under systemd stderr is a stream to journald: writes to it must not block either. */
void journal_stderr_nonblocking(void);
