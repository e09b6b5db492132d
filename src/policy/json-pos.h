/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* A strict JSON scanner that json-c cannot replace: it records where every value and key sits
 * (JSON pointer -> line:column) and rejects what json-c's strict mode lets through (duplicate
 * keys, raw control characters in strings, invalid UTF-8, NUL bytes). Columns count characters,
 * not bytes, both 1-based. */

#include <stdbool.h>
#include <stddef.h>

#define JSON_POS_MAX_DEPTH 64

typedef struct JsonPos {
        unsigned line;
        unsigned column;
} JsonPos;

typedef struct JsonPosEntry {
        char *pointer;  /* RFC 6901, "" is the document */
        JsonPos value;
        JsonPos key;    /* where the member's key starts; equals value for array elements */
} JsonPosEntry;

typedef struct JsonPosIndex {
        JsonPosEntry *entries; /* sorted by pointer after a successful build */
        size_t n_entries;
} JsonPosIndex;

typedef struct JsonPosError {
        JsonPos pos;
        char message[160];
} JsonPosError;

/* Returns 0 on success, -EINVAL with *ret_error filled on malformed input, -ENOMEM. */
int json_pos_index_build(const char *text, size_t len, JsonPosIndex *ret, JsonPosError *ret_error);
void json_pos_index_done(JsonPosIndex *index);

/* Position of the value (or, with key=true, of the member's key) at pointer. Falls back to the
 * nearest ancestor that is indexed, so callers always get a useful position. */
JsonPos json_pos_lookup(const JsonPosIndex *index, const char *pointer, bool key);

/* Appends "/" + escaped token to a pointer buffer; returns false if it does not fit. */
bool json_pointer_append(char *buf, size_t size, const char *token);
