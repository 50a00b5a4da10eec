/* htable.c — open addressing with linear probing (see htable.h). */
#include "dsesweep/htable.h"

#include <stdlib.h>
#include <string.h>

#include "dsesweep/hash.h"

static dse_htable_slot_t *probe(const dse_htable_t *t, uint64_t h, const void *key, size_t len)
{
    size_t mask = t->cap - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        dse_htable_slot_t *s = &t->slots[i];
        if (!s->key || (s->hash == h && s->len == len && !memcmp(s->key, key, len))) return s;
    }
}

/* Doubles the slot array (at least 64) and re-inserts every key. */
static int grow(dse_htable_t *t, dse_err_t *err)
{
    size_t cap = t->cap ? 2 * t->cap : 64;
    dse_htable_t bigger = {DSE_CALLOC(cap, sizeof(dse_htable_slot_t), err), cap, t->count};
    if (!bigger.slots) return DSE_ENOMEM;
    for (size_t i = 0; i < t->cap; ++i)
        if (t->slots[i].key)
            *probe(&bigger, t->slots[i].hash, t->slots[i].key, t->slots[i].len) = t->slots[i];
    free(t->slots);
    *t = bigger;
    return DSE_OK;
}

int dse_htable_put(dse_htable_t *t, const void *key, size_t len, int64_t value, dse_err_t *err)
{
    if (2 * (t->count + 1) > t->cap) DSE_TRY(grow(t, err));
    uint64_t h = dse_fnv1a(DSE_FNV_OFFSET, key, len);
    dse_htable_slot_t *s = probe(t, h, key, len);
    if (!s->key) {
        unsigned char *copy = DSE_MALLOC(len ? len : 1, 1, err);
        if (!copy) return DSE_ENOMEM;
        memcpy(copy, key, len);
        *s = (dse_htable_slot_t){h, copy, len, value};
        t->count++;
    }
    s->value = value;
    return DSE_OK;
}

int64_t *dse_htable_find(dse_htable_t *t, const void *key, size_t len)
{
    if (!t->cap) return NULL;
    dse_htable_slot_t *s = probe(t, dse_fnv1a(DSE_FNV_OFFSET, key, len), key, len);
    return s->key ? &s->value : NULL;
}

int64_t dse_htable_get(const dse_htable_t *t, const void *key, size_t len)
{
    int64_t *v = dse_htable_find((dse_htable_t *)t, key, len);
    return v ? *v : -1;
}

void dse_htable_clear(dse_htable_t *t)
{
    for (size_t i = 0; i < t->cap; ++i) {
        free(t->slots[i].key);
        t->slots[i].key = NULL;
    }
    t->count = 0;
}

void dse_htable_free(dse_htable_t *t)
{
    if (!t) return;
    dse_htable_clear(t);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
