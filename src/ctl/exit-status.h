/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Exit status. explain answers with 0/1/2, so every error is >= 3 (for every verb, so a script
 * learns one table); check keeps the codes of cgroup-guardd --check (0 valid, 1 invalid, 2
 * unreadable). */
enum {
        EXIT_ALLOWED = 0,       /* success; explain: allowed */
        EXIT_DENIED = 1,        /* explain: denied; other verbs: the operation failed */
        EXIT_AUDITED = 2,       /* explain: allowed, but reported (a rule in audit mode) */
        EXIT_INVALID = 3,       /* bad usage or arguments: unknown option, no such process, bad path */
        EXIT_NEEDS_ROOT = 4,    /* the verb needs root (Access denied) */
        EXIT_UNREACHABLE = 5,   /* cgroup-guardd is not reachable: no system bus, not running */
        EXIT_NO_RECORDS = 6,    /* learn, replay: no recorded operations (journal, time range) */
        EXIT_NEWER_FORMAT = 7,  /* learn, replay: a record entry of a later format version */
        EXIT_POLICY_INVALID = 8, /* replay: the candidate policy directory fails --check */
};

