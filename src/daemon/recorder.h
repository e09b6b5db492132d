/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Recording (cgroup-guardctl record on, "record": true): the kernel counts every operation it
 * sees per distinct key in guard_records (bpf/guard-maps.h); here each key new since the last
 * drain is named while its cgroups and executable exist (GUARD_EVENT_RECORD_NEW), and every
 * interval the map is drained into one journal entry per key (src/record/record.h), so a busy
 * host records in space bounded by the number of distinct operations. */

#include <stdint.h>
#include <systemd/sd-event.h>

#include "guard-maps.h"
#include "macro.h"

struct Manager;

#define RECORD_INTERVAL_USEC_DEFAULT (60 * USEC_PER_SEC)

typedef struct ExeEntry {
        uint64_t dev, ino;      /* kernel dev_t, inode */
        size_t order;           /* found in this order */
        char *path;
} ExeEntry;

typedef struct Recorder {
        void *names;                    /* tsearch() of RecordNames by key */
        size_t n_names;
        uint64_t interval_usec;
        sd_event_source *timer;
        uint64_t entries_written;       /* journal entries since start */
        uint64_t operations_written;    /* the operations they stand for */
        uint64_t dropped_reported;      /* GUARD_COUNTER_RECORDS_DROPPED said so far */
        ExeEntry *exe_index;            /* executables of the usual directories, by dev and inode */
        size_t n_exe_index;
        uint64_t exe_index_usec;        /* when it was built (CLOCK_MONOTONIC); 0: never */
} Recorder;

/* A key new since the last drain: name it now. */
void recorder_note(struct Manager *m, const struct guard_record_event *ev);
/* Drain the kernel's map into the journal; returns the number of entries written or -errno. */
int recorder_drain(struct Manager *m);
/* Start the interval timer (idempotent). */
int recorder_start(struct Manager *m);
void recorder_done(Recorder *r);
