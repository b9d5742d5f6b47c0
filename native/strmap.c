/* An open-addressing hash map from borrowed C-string keys to pointers. */
#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static uint64_t hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

void strmap_init(strmap *m) {
    m->slots = NULL;
    m->cap = 0;
    m->len = 0;
}

void strmap_free(strmap *m) {
    free(m->slots);
    strmap_init(m);
}

static size_t find(const strmap *m, const char *key) {
    size_t mask = m->cap - 1, i = (size_t)hash(key) & mask;
    while (m->slots[i].key && strcmp(m->slots[i].key, key) != 0) i = (i + 1) & mask;
    return i;
}

void *strmap_get(const strmap *m, const char *key) {
    if (!m->cap) return NULL;
    size_t i = find(m, key);
    return m->slots[i].key ? m->slots[i].value : NULL;
}

static void resize(strmap *m, size_t cap) {
    strmap_slot *old = m->slots;
    size_t old_cap = m->cap;
    m->slots = xcalloc(cap, sizeof *m->slots);
    m->cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key) m->slots[find(m, old[i].key)] = old[i];
    free(old);
}

void strmap_put(strmap *m, const char *key, void *value) {
    if ((m->len + 1) * 4 > m->cap * 3) resize(m, m->cap ? m->cap * 2 : 16);
    size_t i = find(m, key);
    if (!m->slots[i].key) m->len++;
    m->slots[i].key = key;
    m->slots[i].value = value;
}

void strmap_remove(strmap *m, const char *key) {
    if (!m->cap) return;
    size_t mask = m->cap - 1, i = find(m, key);
    if (!m->slots[i].key) return;
    m->slots[i].key = NULL;
    m->len--;
    /* Backward-shift deletion keeps probe chains unbroken without tombstones. */
    for (size_t j = (i + 1) & mask; m->slots[j].key; j = (j + 1) & mask) {
        size_t home = (size_t)hash(m->slots[j].key) & mask;
        int movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            m->slots[i] = m->slots[j];
            m->slots[j].key = NULL;
            i = j;
        }
    }
}
