/* families.h — the sweep's task families and their quantities (private to
 * src/sweep/). Kept in one small spot: a quantity table will replace it. */
#ifndef DSESWEEP_SWEEP_FAMILIES_H
#define DSESWEEP_SWEEP_FAMILIES_H

#include <stddef.h>

#include "dsesweep/config.h"

#define N_FAMILIES 4
#define FAM_SPECTRAL 0
#define FAM_CLASSIC 1
#define FAM_MI 2
#define FAM_MI_X 3

/* The four task families and the quantities each one computes. */
typedef struct {
    const char *name;
    unsigned bits;
} sweep_family_t;

extern const sweep_family_t families[N_FAMILIES];

/* Local. Quantity names of a family's bits, in report order, with their t;
 * base (may be NULL) receives the names the score gives them. names, ts and
 * base hold at least 256 entries; the names are static strings. */
size_t family_entries(const dse_config_t *cfg, int fam, const char **names, double *ts,
                      const char **base);

#endif
