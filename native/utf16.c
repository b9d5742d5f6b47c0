/* Conversions between the API's UTF-16 strings and the simulator's UTF-8 strings. */
#include "utf16.h"

#include <stdlib.h>

#include "util.h"

char *utf16_to_utf8(const char16_t *s, size_t max_units, size_t *units, size_t *out_len) {
    size_t n = 0;
    while (n <= max_units && s[n]) n++;
    *units = n;
    if (n > max_units) return NULL;
    char *out = xmalloc(n * 3 + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned cp = s[i];
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 1 >= n || s[i + 1] < 0xDC00 || s[i + 1] > 0xDFFF) goto bad;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (unsigned)(s[i + 1] - 0xDC00);
            i++;
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            goto bad;
        }
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xC0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out[o++] = (char)(0xE0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        } else {
            out[o++] = (char)(0xF0 | (cp >> 18));
            out[o++] = (char)(0x80 | ((cp >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (cp & 0x3F));
        }
    }
    out[o] = '\0';
    *out_len = o;
    return out;
bad:
    free(out);
    return NULL;
}

/* Decodes one code point at s[*i] (advancing *i); U+FFFD for a malformed sequence. */
static unsigned next_code_point(const unsigned char *s, size_t n, size_t *i) {
    unsigned c = s[*i];
    size_t len;
    unsigned cp;
    if (c < 0x80) { (*i)++; return c; }
    if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
    else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
    else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
    else { (*i)++; return 0xFFFD; }
    if (*i + len > n) { (*i)++; return 0xFFFD; }
    for (size_t k = 1; k < len; k++) {
        if ((s[*i + k] & 0xC0) != 0x80) { (*i)++; return 0xFFFD; }
        cp = (cp << 6) | (s[*i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
        (*i)++;
        return 0xFFFD;
    }
    *i += len;
    return cp;
}

char16_t *utf8_to_utf16(const char *s, size_t n) {
    char16_t *out = xmalloc((n + 1) * sizeof *out);
    size_t o = 0, i = 0;
    while (i < n) {
        unsigned cp = next_code_point((const unsigned char *)s, n, &i);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            out[o++] = (char16_t)(0xD800 + (cp >> 10));
            out[o++] = (char16_t)(0xDC00 + (cp & 0x3FF));
        } else {
            out[o++] = (char16_t)cp;
        }
    }
    out[o] = 0;
    return out;
}
