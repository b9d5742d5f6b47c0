/* GUID text form (lowercase, no braces, like hcsshim), parsing and random generation. */
#ifndef HCNSIM_GUID_H
#define HCNSIM_GUID_H

#include <stdint.h>

#include "hcn.h"

#define GUID_TEXT_LEN 36

/* Writes 36 characters plus NUL into out. */
void guid_format(const GUID *g, char out[GUID_TEXT_LEN + 1]);
/* Accepts upper/lower case and optional braces; 0 on success. */
int guid_parse(const char *s, GUID *out);
int guid_is_zero(const GUID *g);
/* A random (version 4) GUID drawn from *state (splitmix64). */
GUID guid_random(uint64_t *state);

#endif
