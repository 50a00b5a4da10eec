/* params.h — the numerical parameters every quantity reads (REFERENCE.md):
 * bandwidth, subsample size, seed, MI repetitions, CSE bins, kNN k, clusters
 * of a continuous reference, the eigensolver and the Renyi order alpha. */
#ifndef DSESWEEP_PARAMS_H
#define DSESWEEP_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/eigen.h"

typedef struct dse_params {
    double sigma;    /* Gaussian bandwidth, > 0 (default 10) */
    size_t max_n;    /* subsample above this many rows (default 10000; 0 = never) */
    uint64_t seed;   /* every random draw derives from it (default 0) */
    int repetitions; /* R random subsets per class (default 5) */
    int cse_bins;    /* CSE bins per dimension (default 2) */
    int knn;         /* kNN adjacency k (default 10) */
    int n_clusters;  /* bins for continuous scalar references (default 10) */
    dse_eigen_driver_t driver;
    double alpha; /* Renyi order of MatrixEntropy, > 0 (default 1: von Neumann) */
} dse_params_t;

/* Local. The defaults of REFERENCE.md. Returned by value. */
dse_params_t dse_params_default(void);

#endif
