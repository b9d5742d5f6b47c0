/* IPv4/IPv6 addresses, CIDRs and sorted address sets with fast membership tests. */
#ifndef HCNSIM_IPADDR_H
#define HCNSIM_IPADDR_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t b[16];  /* network byte order; IPv4 uses b[0..3] */
} ipaddr;

typedef struct {
    ipaddr a; /* host bits cleared */
    uint8_t prefix;
} cidr;

/* 0 on success. */
int ip_parse(const char *s, size_t n, ipaddr *out);
/* An address ("10.0.0.1", a host prefix) or a network ("10.0.0.0/8"); 0 on success. */
int cidr_parse(const char *s, size_t n, cidr *out);
int cidr_contains(const cidr *c, const ipaddr *ip);

typedef struct {
    uint32_t *hosts4;
    size_t n4;
    uint8_t (*hosts6)[16];
    size_t n6;
    cidr *nets;
    size_t n_nets;
} addrset;

/* Builds an indexed set from n CIDRs (hosts sorted for binary search, duplicates dropped). */
void addrset_build(addrset *s, const cidr *items, size_t n);
int addrset_contains(const addrset *s, const ipaddr *ip);
size_t addrset_size(const addrset *s);
void addrset_free(addrset *s);

#endif
