/* IPv4/IPv6 addresses, CIDRs and sorted address sets with fast membership tests. */
#include "ipaddr.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int ip_parse(const char *s, size_t n, ipaddr *out) {
    char buf[INET6_ADDRSTRLEN + 1];
    if (n == 0 || n >= sizeof buf) return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    memset(out, 0, sizeof *out);
    if (memchr(buf, ':', n)) {
        if (inet_pton(AF_INET6, buf, out->b) != 1) return -1;
        out->family = 6;
    } else {
        if (inet_pton(AF_INET, buf, out->b) != 1) return -1;
        out->family = 4;
    }
    return 0;
}

static int max_prefix(int family) { return family == 4 ? 32 : 128; }

int cidr_parse(const char *s, size_t n, cidr *out) {
    const char *slash = memchr(s, '/', n);
    size_t addr_len = slash ? (size_t)(slash - s) : n;
    if (ip_parse(s, addr_len, &out->a)) return -1;
    int max = max_prefix(out->a.family);
    int prefix = max;
    if (slash) {
        const char *p = slash + 1, *end = s + n;
        if (p == end || end - p > 3) return -1;
        prefix = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9') return -1;
            prefix = prefix * 10 + (*p - '0');
        }
        if (prefix > max) return -1;
    }
    out->prefix = (uint8_t)prefix;
    for (int bit = prefix; bit < max; bit++) out->a.b[bit / 8] &= (uint8_t)~(0x80 >> (bit % 8));
    return 0;
}

int cidr_contains(const cidr *c, const ipaddr *ip) {
    if (c->a.family != ip->family) return 0;
    int full = c->prefix / 8, rest = c->prefix % 8;
    if (memcmp(c->a.b, ip->b, (size_t)full) != 0) return 0;
    if (!rest) return 1;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (c->a.b[full] & mask) == (ip->b[full] & mask);
}

static uint32_t v4_value(const uint8_t *b) {
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}

static int cmp_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static int cmp_v6(const void *a, const void *b) { return memcmp(a, b, 16); }

void addrset_build(addrset *s, const cidr *items, size_t n) {
    memset(s, 0, sizeof *s);
    size_t n4 = 0, n6 = 0, nn = 0;
    for (size_t i = 0; i < n; i++) {
        const cidr *c = &items[i];
        if (c->prefix != max_prefix(c->a.family)) nn++;
        else if (c->a.family == 4) n4++;
        else n6++;
    }
    s->hosts4 = xmalloc(n4 * sizeof *s->hosts4);
    s->hosts6 = xmalloc(n6 * sizeof *s->hosts6);
    s->nets = xmalloc(nn * sizeof *s->nets);
    for (size_t i = 0; i < n; i++) {
        const cidr *c = &items[i];
        if (c->prefix != max_prefix(c->a.family)) s->nets[s->n_nets++] = *c;
        else if (c->a.family == 4) s->hosts4[s->n4++] = v4_value(c->a.b);
        else memcpy(s->hosts6[s->n6++], c->a.b, 16);
    }
    qsort(s->hosts4, s->n4, sizeof *s->hosts4, cmp_u32);
    qsort(s->hosts6, s->n6, sizeof *s->hosts6, cmp_v6);
    size_t k = 0;
    for (size_t i = 0; i < s->n4; i++)
        if (!k || s->hosts4[k - 1] != s->hosts4[i]) s->hosts4[k++] = s->hosts4[i];
    s->n4 = k;
    k = 0;
    for (size_t i = 0; i < s->n6; i++)
        if (!k || memcmp(s->hosts6[k - 1], s->hosts6[i], 16) != 0) memcpy(s->hosts6[k++], s->hosts6[i], 16);
    s->n6 = k;
}

int addrset_contains(const addrset *s, const ipaddr *ip) {
    if (ip->family == 4) {
        uint32_t v = v4_value(ip->b);
        if (s->n4 && bsearch(&v, s->hosts4, s->n4, sizeof *s->hosts4, cmp_u32)) return 1;
    } else if (s->n6 && bsearch(ip->b, s->hosts6, s->n6, sizeof *s->hosts6, cmp_v6)) {
        return 1;
    }
    for (size_t i = 0; i < s->n_nets; i++)
        if (cidr_contains(&s->nets[i], ip)) return 1;
    return 0;
}

size_t addrset_size(const addrset *s) { return s->n4 + s->n6 + s->n_nets; }

void addrset_free(addrset *s) {
    free(s->hosts4);
    free(s->hosts6);
    free(s->nets);
    memset(s, 0, sizeof *s);
}
