/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* Untrusted strings echoed in messages: printable, bounded, never a raw control character.
 * Control characters, '\\' and '"' become \xNN; the result is cut at QUOTED_MAX bytes with "...". */
#define QUOTED_MAX 96
#define QUOTED_BUF (QUOTED_MAX + 8)
const char *quoted(const char *s, char buf[static QUOTED_BUF]);
