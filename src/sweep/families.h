/* families.h — the sweep's task families (private to src/sweep/): a task is
 * one checkpoint x one family, and the family's quantities come from the
 * quantity table (quantity.h), which also names the families in the store. */
#ifndef DSESWEEP_SWEEP_FAMILIES_H
#define DSESWEEP_SWEEP_FAMILIES_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/config.h"
#include "dsesweep/quantity.h"

#define N_FAMILIES DSE_QFAMILY_COUNT
#define FAM_SPECTRAL DSE_QFAMILY_SPECTRAL
#define FAM_CLASSIC DSE_QFAMILY_CLASSIC
#define FAM_MI DSE_QFAMILY_MI
#define FAM_MI_X DSE_QFAMILY_MI_X

/* Local. The store string of a family ("spectral", ..., "mi_x"). Static. */
const char *family_name(int fam);

/* Local. The configured quantities that a task of this family computes. */
uint64_t family_bits(const dse_config_t *cfg, int fam);

/* Local. 1 for the families that need categories (mi, mi_x). */
int family_is_mi(int fam);

/* Local. Quantity store names of a family's configured quantities, in report
 * order, one per bandwidth rule (for those that use sigma) and per t (for
 * those that take t), with their t; ids and rules (may be NULL) receive the
 * quantity and the rule index (0 when sigma does not apply) of each entry.
 * names, ts, ids and rules hold at least 256 entries; the names are static
 * strings. */
size_t family_entries(const dse_config_t *cfg, int fam, const char **names, double *ts,
                      dse_quantity_id_t *ids, int *rules);

#endif
