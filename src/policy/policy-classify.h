/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The cgroup classifier: every rule's pattern as one automaton over path components. A state
 * says how far each pattern got along a cgroup's path; the entry a cgroup gets is a function of
 * its state, and a child's state of its parent's state and its own name. The compiler walks the
 * existing tree with it and writes the states into the image (bpf/guard-maps.h), so the kernel
 * gives a cgroup created later the same entry at mkdir (guard_classify_child() in
 * bpf/guard-decide.h), globs included, without waiting for the daemon. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guard-maps.h"
#include "policy-compile.h"
#include "policy.h"

typedef struct Classifier Classifier;

int classifier_new(const Policy *p, Classifier **ret);
Classifier *classifier_free(Classifier *c);
static inline void classifier_freep(Classifier **c) {
        classifier_free(*c);
}

/* The root cgroup's state. */
uint32_t classifier_root(const Classifier *c);
/* The entry template of a state (delegate_root left 0); *ret_delegate_depth as
 * policy_compile_entry(). */
void classifier_entry(const Classifier *c, uint32_t state, struct guard_cgroup_info *ret, size_t *ret_delegate_depth);
/* Writes every state reachable from those seen so far, with their transitions. */
int classifier_emit(Classifier *c, PolicyImage *img);
/* Whether p's classifier has a state with more glob components than the kernel tests
 * (GUARD_STATE_GLOBS_MAX) or one too long for it (GUARD_COMPONENT_MAX): returns 1, with a pattern
 * that made it so (freed by the caller) and a rule naming it (SIZE_MAX: none, an admin pattern). */
int classifier_policy_opaque(const Policy *p, size_t *ret_rule, char **ret_pattern);
