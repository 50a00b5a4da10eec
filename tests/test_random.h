/* test_random.h — seeded uniform and Gaussian draws for test data. */
#ifndef DSESWEEP_TEST_RANDOM_H
#define DSESWEEP_TEST_RANDOM_H

#include <math.h>

#include "dsesweep/rng.h"

/* A uniform draw in (0, 1). */
static inline double uniform(dse_rng_t *r)
{
    return ((double)(dse_rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

/* A standard normal draw (Box-Muller). */
static inline double gauss(dse_rng_t *r)
{
    return sqrt(-2 * log(uniform(r))) * cos(6.283185307179586 * uniform(r));
}

#endif
