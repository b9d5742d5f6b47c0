/* Conversions between the API's UTF-16 strings and the simulator's UTF-8 strings. */
#ifndef HCNSIM_UTF16_H
#define HCNSIM_UTF16_H

#include <stddef.h>
#include <uchar.h>

/* Strict: NULL on an unpaired surrogate or when longer than max_units (*units gets the length seen). */
char *utf16_to_utf8(const char16_t *s, size_t max_units, size_t *units, size_t *out_len);
/* Lenient: invalid UTF-8 becomes U+FFFD. The result is malloc'ed (freed by CoTaskMemFree). */
char16_t *utf8_to_utf16(const char *s, size_t n);

#endif
