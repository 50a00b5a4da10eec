/* rng.h — counter-free, seed-addressed random streams.
 *
 * Every random draw in dsesweep comes from a stream named by (seed, purpose,
 * a, b): the subsample of a checkpoint, repetition r of class c in DSMI, ...
 * The stream depends on nothing else, so the same config and seed give the
 * same draws whatever the rank count, the grid or the order tasks run in.
 * Generator: xoshiro256** seeded through splitmix64.
 */
#ifndef DSESWEEP_RNG_H
#define DSESWEEP_RNG_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"

typedef struct dse_rng {
    uint64_t s[4];
} dse_rng_t;

/* Purposes that name independent stream families. */
enum {
    DSE_RNG_SUBSAMPLE = 1, /* max_N row draw of one problem */
    DSE_RNG_MI_SUBSET = 2, /* DSMI/CSMI/ASMI random subsets: a = class index, b = repetition */
    DSE_RNG_BOOTSTRAP = 3  /* report bootstrap resamples: a = coefficient, b = number of pairs */
};

/* Local. Initialises the stream (seed, purpose, a, b). */
void dse_rng_init(dse_rng_t *rng, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b);

/* Local. Next 64 random bits. */
uint64_t dse_rng_next(dse_rng_t *rng);

/* Local. Uniform integer in [0, bound), bound > 0, without modulo bias. */
uint64_t dse_rng_below(dse_rng_t *rng, uint64_t bound);

/* Local. Draws k distinct indices uniformly from [0, n) and writes them to
 * out[0..k) in ascending order (k <= n). Uses O(k) extra memory for k << n
 * (Floyd's algorithm with a hash set) and a partial shuffle otherwise.
 * out is caller-owned. */
int dse_rng_sample(dse_rng_t *rng, size_t n, size_t k, size_t *out, dse_err_t *err);

#endif
