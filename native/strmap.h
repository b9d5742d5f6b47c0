/* An open-addressing hash map from borrowed C-string keys to pointers. */
#ifndef HCNSIM_STRMAP_H
#define HCNSIM_STRMAP_H

#include <stddef.h>

typedef struct {
    const char *key; /* owned by the value; NULL marks an empty slot */
    void *value;
} strmap_slot;

typedef struct {
    strmap_slot *slots;
    size_t cap; /* power of two, or 0 */
    size_t len;
} strmap;

void strmap_init(strmap *m);
void strmap_free(strmap *m);
void *strmap_get(const strmap *m, const char *key);
/* Inserts or replaces; the key must live as long as the entry. */
void strmap_put(strmap *m, const char *key, void *value);
void strmap_remove(strmap *m, const char *key);

#endif
