/* htable.h — a small open-addressing hash table: byte-string key -> int64.
 *
 * Linear probing on FNV-1a 64 hashes; the table keeps its own copy of every
 * key. Used by the store for its look-ups (checkpoint path -> row,
 * (checkpoint, family) -> results present, a result's identity -> row).
 * No deletion: callers that drop rows rebuild the table (dse_htable_clear).
 * A zeroed dse_htable_t is a valid empty table.
 */
#ifndef DSESWEEP_HTABLE_H
#define DSESWEEP_HTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"

typedef struct dse_htable_slot {
    uint64_t hash;
    unsigned char *key; /* NULL: empty slot (owned) */
    size_t len;
    int64_t value;
} dse_htable_slot_t;

typedef struct dse_htable {
    dse_htable_slot_t *slots; /* owned */
    size_t cap, count;        /* cap is 0 or a power of two */
} dse_htable_t;

/* Local. Sets key -> value (replacing an existing value). DSE_ENOMEM on
 * allocation failure (the table is unchanged then). */
int dse_htable_put(dse_htable_t *t, const void *key, size_t len, int64_t value, dse_err_t *err);

/* Local. The value of key, or -1 when absent. */
int64_t dse_htable_get(const dse_htable_t *t, const void *key, size_t len);

/* Local. Pointer to the value of key (to update it in place), or NULL. */
int64_t *dse_htable_find(dse_htable_t *t, const void *key, size_t len);

/* Local. Removes every key; keeps the slots for reuse. */
void dse_htable_clear(dse_htable_t *t);

/* Local. Frees everything and zeroes t; safe on a zeroed table. */
void dse_htable_free(dse_htable_t *t);

#endif
