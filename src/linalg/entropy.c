/* entropy.c — entropies in bits with the reference's +eps convention. */
#include "dsesweep/entropy.h"

#include <math.h>

double dse_entropy_term(double p)
{
    double q = p + DSE_ENTROPY_EPS;
    return -q * log2(q);
}

double dse_entropy_spectral(const double *lambda, size_t n, double t)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
        sum += pow(fabs(lambda[i]), t);
    double h = 0.0;
    for (size_t i = 0; i < n; ++i)
        h += dse_entropy_term(pow(fabs(lambda[i]), t) / sum);
    return h;
}

double dse_entropy_weights(const double *w, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i)
        sum += w[i];
    double h = 0.0;
    for (size_t i = 0; i < n; ++i)
        h += dse_entropy_term(w[i] / sum);
    return h;
}

double dse_entropy_counts(const size_t *counts, size_t k)
{
    double total = 0.0;
    for (size_t i = 0; i < k; ++i)
        total += (double)counts[i];
    double h = 0.0;
    for (size_t i = 0; i < k; ++i)
        h += dse_entropy_term((double)counts[i] / total);
    return h;
}
