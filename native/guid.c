/* GUID text form (lowercase, no braces, like hcsshim), parsing and random generation. */
#include "guid.h"

#include <stdio.h>
#include <string.h>

void guid_format(const GUID *g, char out[GUID_TEXT_LEN + 1]) {
    snprintf(out, GUID_TEXT_LEN + 1, "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", (unsigned)g->Data1,
             (unsigned)g->Data2, (unsigned)g->Data3, g->Data4[0], g->Data4[1], g->Data4[2], g->Data4[3], g->Data4[4],
             g->Data4[5], g->Data4[6], g->Data4[7]);
}

static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int read_hex(const char *s, int digits, uint64_t *out) {
    uint64_t v = 0;
    for (int i = 0; i < digits; i++) {
        int h = hex_value(s[i]);
        if (h < 0) return -1;
        v = (v << 4) | (uint64_t)h;
    }
    *out = v;
    return 0;
}

int guid_parse(const char *s, GUID *out) {
    size_t n = strlen(s);
    if (n == GUID_TEXT_LEN + 2 && s[0] == '{' && s[n - 1] == '}') {
        s++;
        n -= 2;
    }
    if (n != GUID_TEXT_LEN || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-') return -1;
    uint64_t d1, d2, d3, hi, lo;
    if (read_hex(s, 8, &d1) || read_hex(s + 9, 4, &d2) || read_hex(s + 14, 4, &d3) || read_hex(s + 19, 4, &hi) ||
        read_hex(s + 24, 12, &lo))
        return -1;
    out->Data1 = (uint32_t)d1;
    out->Data2 = (uint16_t)d2;
    out->Data3 = (uint16_t)d3;
    out->Data4[0] = (uint8_t)(hi >> 8);
    out->Data4[1] = (uint8_t)hi;
    for (int i = 0; i < 6; i++) out->Data4[2 + i] = (uint8_t)(lo >> (8 * (5 - i)));
    return 0;
}

int guid_is_zero(const GUID *g) {
    static const GUID zero;
    return memcmp(g, &zero, sizeof zero) == 0;
}

static uint64_t splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

GUID guid_random(uint64_t *state) {
    uint64_t a = splitmix64(state), b = splitmix64(state);
    GUID g;
    g.Data1 = (uint32_t)(a >> 32);
    g.Data2 = (uint16_t)(a >> 16);
    g.Data3 = (uint16_t)((a & 0x0FFF) | 0x4000);
    for (int i = 0; i < 8; i++) g.Data4[i] = (uint8_t)(b >> (8 * i));
    g.Data4[0] = (uint8_t)((g.Data4[0] & 0x3F) | 0x80);
    return g;
}
