/* families.c — the sweep's task families over the quantity table (see families.h). */
#include "families.h"

const char *family_name(int fam)
{
    return dse_quantity_family_name((dse_qfamily_t)fam);
}

uint64_t family_bits(const dse_config_t *cfg, int fam)
{
    return cfg->quantities & dse_quantity_family_bits((dse_qfamily_t)fam);
}

int family_is_mi(int fam)
{
    return fam == FAM_MI || fam == FAM_MI_X;
}

size_t family_entries(const dse_config_t *cfg, int fam, const char **names, double *ts,
                      dse_quantity_id_t *ids, int *rules)
{
    size_t k = 0;
    DSE_QUANTITY_FOREACH (q, family_bits(cfg, fam), DSE_QFAMILY_COUNT) {
        int uses_t = dse_quantity_get(q)->uses_t;
        int R = dse_quantity_uses_sigma(dse_quantity_basis(dse_quantity_source(q)))
                    ? dse_params_rule_count(&cfg->params)
                    : 1;
        for (int r = 0; r < R; ++r)
            for (int i = 0; i < (uses_t ? cfg->n_t : 1) && k < 256; ++i) {
                names[k] = dse_quantity_store_name(q, (dse_qfamily_t)fam);
                if (ids) ids[k] = q;
                if (rules) rules[k] = r;
                ts[k] = uses_t ? cfg->t[i] : 0;
                k++;
            }
    }
    return k;
}
