/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Response actions: freeze (cgroup.freeze) or kill (cgroup.kill) the offending actor's cgroup.
 * Guard rails: never the root, never init.scope, never a cgroup holding the daemon itself. */

#include <stdbool.h>

#include "policy.h"

/* Why cgroup must not be acted on, or NULL if it may. */
const char *response_refusal(const char *cgroup, const char *own_cgroup);

/* Applies action to cgroup; returns a description for the event ("froze /x", "refused to kill /:
 * ..."), or NULL for plain deny. Caller frees. */
char *response_apply(const char *mount, const char *cgroup, const char *own_cgroup, PolicyAction action);
