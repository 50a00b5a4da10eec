/* families.c — the task families: which quantities each computes, and the
 * names their results get in the store (see families.h). */
#include "families.h"

#include "dsesweep/score.h"
#include "dsesweep/store.h"

/* "mi" is MI against the labels Y, "mi_x" the same quantities against the
 * clusters of the reference X (named DSMI_X, CSMI_X, ...). */
const sweep_family_t families[N_FAMILIES] = {
    {"spectral", DSE_Q_DSE | DSE_Q_MATRIX_ENTRY | DSE_Q_ASE_GAUSSIAN | DSE_Q_ASE_ANISOTROPIC},
    {"classic", DSE_Q_CSE | DSE_Q_ASE_KNN | DSE_Q_RANKME | DSE_Q_PARTICIPATION | DSE_Q_ALPHA_REQ},
    {"mi", DSE_Q_MI_ALL},
    {DSE_STORE_FAMILY_MI_X, DSE_Q_MI_ALL},
};

/* Name of an MI quantity against the reference X (static). */
static const char *mi_x_name(unsigned bit)
{
    switch (bit) {
    case DSE_Q_DSMI:
        return "DSMI_X";
    case DSE_Q_CSMI:
        return "CSMI_X";
    case DSE_Q_ASMI_GAUSSIAN:
        return "ASMI_gaussian_X";
    case DSE_Q_ASMI_ANISOTROPIC:
        return "ASMI_anisotropic_X";
    default:
        return "ASMI_knn_X";
    }
}

size_t family_entries(const dse_config_t *cfg, int fam, const char **names, double *ts,
                      const char **base)
{
    size_t k = 0;
    unsigned bits = cfg->quantities & families[fam].bits;
    for (unsigned b = 1; b <= DSE_Q_ASMI_KNN; b <<= 1) {
        if (!(bits & b)) continue;
        int uses_t = b == DSE_Q_DSE || b == DSE_Q_DSMI;
        for (int i = 0; i < (uses_t ? cfg->n_t : 1); ++i) {
            names[k] = fam == FAM_MI_X ? mi_x_name(b) : dse_quantity_name(b);
            if (base) base[k] = dse_quantity_name(b);
            ts[k] = uses_t ? cfg->t[i] : 0;
            k++;
        }
    }
    return k;
}
