/* entropy.h — Shannon entropy (bits) of spectra, weights and counts, with the
 * reference's convention of adding machine epsilon (2^-52) to every p_i. */
#ifndef DSESWEEP_ENTROPY_H
#define DSESWEEP_ENTROPY_H

#include <stddef.h>

#define DSE_ENTROPY_EPS 2.220446049250313e-16 /* 2^-52, numpy's finfo(float).eps */

/* Local. p_i = |lambda_i|^t / sum_k |lambda_k|^t;
 * returns -sum (p_i + eps) log2(p_i + eps). One spectrum serves every t. */
double dse_entropy_spectral(const double *lambda, size_t n, double t);

/* Local. Entropy of non-negative weights w normalised to sum 1. */
double dse_entropy_weights(const double *w, size_t n);

/* Local. Entropy of the frequencies counts[i] / sum(counts). */
double dse_entropy_counts(const size_t *counts, size_t k);

/* Local. One term: -(p + eps) log2(p + eps). */
double dse_entropy_term(double p);

#endif
