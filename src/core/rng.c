/* rng.c — seed-addressed xoshiro256** streams and sampling without replacement. */
#include "dsesweep/rng.h"

#include <stdlib.h>
#include <string.h>

static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void dse_rng_init(dse_rng_t *rng, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b)
{
    /* Mix the four words of the stream name into one splitmix state. */
    uint64_t st = seed;
    uint64_t key = splitmix64(&st);
    st = key ^ (purpose * 0xd1b54a32d192ed03ULL);
    key = splitmix64(&st);
    st = key ^ (a * 0x8cb92ba72f3d8dd7ULL);
    key = splitmix64(&st);
    st = key ^ (b * 0xabc98388fb8fac03ULL);
    for (int i = 0; i < 4; ++i)
        rng->s[i] = splitmix64(&st);
    if ((rng->s[0] | rng->s[1] | rng->s[2] | rng->s[3]) == 0) rng->s[0] = 1;
}

uint64_t dse_rng_next(dse_rng_t *rng)
{
    uint64_t *s = rng->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9;
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t dse_rng_below(dse_rng_t *rng, uint64_t bound)
{
    /* Rejection sampling on the top of the range removes modulo bias. */
    uint64_t limit = UINT64_MAX - (UINT64_MAX % bound);
    uint64_t x;
    do {
        x = dse_rng_next(rng);
    } while (x >= limit);
    return x % bound;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Open-addressing set of size_t values, for Floyd's algorithm. */
typedef struct {
    size_t *slots;
    size_t mask;
} index_set_t;

static int set_insert(index_set_t *set, size_t value)
{
    size_t h = (size_t)((value + 1) * 0x9e3779b97f4a7c15ULL) & set->mask;
    while (set->slots[h] != (size_t)-1) {
        if (set->slots[h] == value) return 0;
        h = (h + 1) & set->mask;
    }
    set->slots[h] = value;
    return 1;
}

int dse_rng_sample(dse_rng_t *rng, size_t n, size_t k, size_t *out, dse_err_t *err)
{
    if (k > n) return DSE_RAISE(err, DSE_EUSAGE, "cannot draw %zu of %zu rows", k, n);
    if (k == 0) return DSE_OK;
    if (k * 4 >= n) {
        /* Dense draw: partial Fisher-Yates over all n indices. */
        size_t *perm = DSE_MALLOC(n, sizeof *perm, err);
        if (!perm) return err ? err->code : DSE_ENOMEM;
        for (size_t i = 0; i < n; ++i)
            perm[i] = i;
        for (size_t i = 0; i < k; ++i) {
            size_t j = i + (size_t)dse_rng_below(rng, n - i);
            size_t tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
        memcpy(out, perm, k * sizeof *out);
        free(perm);
    } else {
        /* Sparse draw: Floyd's algorithm, O(k) memory. */
        size_t cap = 16;
        while (cap < 2 * k)
            cap <<= 1;
        index_set_t set = {DSE_MALLOC(cap, sizeof(size_t), err), cap - 1};
        if (!set.slots) return err ? err->code : DSE_ENOMEM;
        memset(set.slots, 0xff, cap * sizeof(size_t));
        size_t m = 0;
        for (size_t j = n - k; j < n; ++j) {
            size_t r = (size_t)dse_rng_below(rng, j + 1);
            size_t pick = set_insert(&set, r) ? r : j;
            if (pick == j) set_insert(&set, j);
            out[m++] = pick;
        }
        free(set.slots);
    }
    qsort(out, k, sizeof *out, cmp_size);
    return DSE_OK;
}
