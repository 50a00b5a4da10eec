/* params.c — the parameter defaults of REFERENCE.md. */
#include "dsesweep/params.h"

dse_params_t dse_params_default(void)
{
    dse_params_t p = {.sigma = 10.0,
                      .max_n = 10000,
                      .seed = 0,
                      .repetitions = 5,
                      .cse_bins = 2,
                      .knn = 10,
                      .n_clusters = 10,
                      .driver = DSE_EIGEN_AUTO,
                      .alpha = 1.0};
    return p;
}
