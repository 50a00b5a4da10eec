/* dse_gen.c — synthetic embeddings for demos, tests and benchmarks.
 *
 *   dse_gen blobs --n N --d D [--classes C] [--spread S] [--seed K]
 *                 --out Z.npy [--labels Y.npy] [--dtype f4|f8|f2]
 *
 * Writes N points in D dimensions drawn around C class centres (class of
 * point i is i mod C, shuffled), with unit Gaussian noise; centres are
 * Gaussian with standard deviation S. Deterministic in the seed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/npy.h"
#include "dsesweep/rng.h"

static double gaussian(dse_rng_t *rng)
{
    double u = ((double)(dse_rng_next(rng) >> 11) + 0.5) / 9007199254740992.0;
    double v = ((double)(dse_rng_next(rng) >> 11) + 0.5) / 9007199254740992.0;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static void usage(void)
{
    fprintf(stderr, "usage: dse_gen blobs --n N --d D [--classes C] [--spread S] [--seed K]\n"
                    "                     --out Z.npy [--labels Y.npy] [--dtype f2|f4|f8]\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "blobs") != 0) {
        usage();
        return 2;
    }
    unsigned long n = 1000, d = 32, classes = 5, seed = 0;
    double spread = 4.0;
    const char *out = NULL, *labels = NULL, *dt = "f4";
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--n")) n = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--d")) d = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--classes")) classes = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--spread")) spread = strtod(v, NULL);
        else if (!strcmp(k, "--seed")) seed = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--out")) out = v;
        else if (!strcmp(k, "--labels")) labels = v;
        else if (!strcmp(k, "--dtype")) dt = v;
        else {
            usage();
            return 2;
        }
    }
    if (!out || n == 0 || d == 0 || classes == 0) {
        usage();
        return 2;
    }
    dse_dtype_t dtype = {DSE_DT_F32, 4, 0};
    if (!strcmp(dt, "f8")) dtype = (dse_dtype_t){DSE_DT_F64, 8, 0};
    if (!strcmp(dt, "f2")) dtype = (dse_dtype_t){DSE_DT_F16, 2, 0};
    dse_rng_t rng;
    dse_rng_init(&rng, seed, 100, 0, 0);
    double *centres = malloc(classes * d * sizeof *centres);
    double *z = malloc(n * d * sizeof *z);
    double *y = malloc(n * sizeof *y);
    if (!centres || !z || !y) {
        fprintf(stderr, "dse_gen: out of memory\n");
        return 1;
    }
    for (unsigned long i = 0; i < classes * d; ++i)
        centres[i] = spread * gaussian(&rng);
    for (unsigned long i = 0; i < n; ++i)
        y[i] = (double)(i % classes);
    for (unsigned long i = n; i > 1; --i) { /* shuffle the labels */
        unsigned long j = (unsigned long)dse_rng_below(&rng, i);
        double t = y[i - 1];
        y[i - 1] = y[j];
        y[j] = t;
    }
    for (unsigned long i = 0; i < n; ++i)
        for (unsigned long k = 0; k < d; ++k)
            z[i * d + k] = centres[(unsigned long)y[i] * d + k] + gaussian(&rng);
    dse_err_t err;
    dse_err_clear(&err);
    uint64_t shape[2] = {n, d};
    int rc = dse_npy_write(out, dtype, 2, shape, 0, z, &err);
    if (rc == DSE_OK && labels) {
        dse_dtype_t i64 = {DSE_DT_I64, 8, 0};
        rc = dse_npy_write(labels, i64, 1, shape, 0, y, &err);
    }
    if (rc != DSE_OK) fprintf(stderr, "dse_gen: %s\n", err.msg);
    free(centres);
    free(z);
    free(y);
    return rc == DSE_OK ? 0 : 1;
}
