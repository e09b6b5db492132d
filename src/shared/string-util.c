/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "string-util.h"

const char *quoted(const char *s, char buf[static QUOTED_BUF]) {
        size_t n = 0;

        for (; *s && n < QUOTED_MAX; s++) {
                unsigned char c = *s;

                if (c < 0x20 || c == 0x7f || c == '\\' || c == '"')
                        n += snprintf(buf + n, 5, "\\x%02x", c);
                else
                        buf[n++] = c;
        }
        strcpy(buf + n, *s ? "..." : "");
        return buf;
}
