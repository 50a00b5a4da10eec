/* dse_gen.c — synthetic embeddings for demos, tests and benchmarks.
 *
 *   dse_gen blobs --n N --d D [--classes C] [--spread S] [--seed K]
 *                 --out Z.npy [--labels Y.npy] [--dtype f2|f4|f8]
 *       N points around C class centres (Gaussian, standard deviation S)
 *       with unit Gaussian noise; the class of point i is i mod C, shuffled.
 *
 *   dse_gen tree --out DIR [--runs R] [--steps T] [--n N] [--d D] [--classes C]
 *       A checkpoint tree: DIR/labels.npy shared by every checkpoint,
 *       DIR/run_a, run_b, ... /step_001.npy..step_T.npy whose class clusters
 *       separate as the step grows, and DIR/run_shuffled/step_*.npy clustered
 *       by a shuffled copy of the labels (its embeddings carry no information
 *       about the real labels). Deterministic.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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
    fprintf(stderr,
            "usage: dse_gen blobs --n N --d D [--classes C] [--spread S] [--seed K]\n"
            "                     --out Z.npy [--labels Y.npy] [--dtype f2|f4|f8]\n"
            "       dse_gen tree --out DIR [--runs R] [--steps T] [--n N] [--d D] "
            "[--classes C]\n"
            "                    [--inputs D2]   also DIR/inputs.npy: N x D2 input vectors\n"
            "                                    grouped by the labels (a reference X)\n");
}

/* Labels 0..C-1 (i mod C), shuffled with the seed. */
static void make_labels(unsigned long n, unsigned long classes, uint64_t seed, double *y)
{
    dse_rng_t rng;
    dse_rng_init(&rng, seed, 101, 0, 0);
    for (unsigned long i = 0; i < n; ++i)
        y[i] = (double)(i % classes);
    for (unsigned long i = n; i > 1; --i) {
        unsigned long j = (unsigned long)dse_rng_below(&rng, i);
        double t = y[i - 1];
        y[i - 1] = y[j];
        y[j] = t;
    }
}

/* Points around class centres scaled by spread, plus unit noise. */
static void make_points(unsigned long n, unsigned long d, unsigned long classes, const double *y,
                        double spread, uint64_t seed, double *z)
{
    dse_rng_t rng;
    dse_rng_init(&rng, seed, 100, 0, 0);
    double *centres = malloc(classes * d * sizeof *centres);
    for (unsigned long i = 0; i < classes * d; ++i)
        centres[i] = gaussian(&rng);
    for (unsigned long i = 0; i < n; ++i)
        for (unsigned long k = 0; k < d; ++k)
            z[i * d + k] = spread * centres[(unsigned long)y[i] * d + k] + gaussian(&rng);
    free(centres);
}

static int write_matrix(const char *path, dse_dtype_t dt, unsigned long n, unsigned long d,
                        const double *z)
{
    uint64_t shape[2] = {n, d};
    dse_err_t err;
    if (dse_npy_write(path, dt, 2, shape, 0, z, &err) != DSE_OK) {
        fprintf(stderr, "dse_gen: %s\n", err.msg);
        return 1;
    }
    return 0;
}

static int write_labels(const char *path, unsigned long n, const double *y)
{
    uint64_t shape[1] = {n};
    dse_dtype_t i64 = {DSE_DT_I64, 8, 0};
    dse_err_t err;
    if (dse_npy_write(path, i64, 1, shape, 0, y, &err) != DSE_OK) {
        fprintf(stderr, "dse_gen: %s\n", err.msg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "blobs") && strcmp(argv[1], "tree"))) {
        usage();
        return 2;
    }
    int tree = !strcmp(argv[1], "tree");
    unsigned long n = tree ? 400 : 1000, d = 32, classes = tree ? 4 : 5, seed = 0, runs = 2,
                  steps = 4, inputs = 0;
    double spread = 4.0;
    const char *out = NULL, *labels = NULL, *dt = "f4";
    for (int i = 2; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--n"))
            n = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--d"))
            d = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--classes"))
            classes = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--spread"))
            spread = strtod(v, NULL);
        else if (!strcmp(k, "--seed"))
            seed = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--runs"))
            runs = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--steps"))
            steps = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--inputs"))
            inputs = strtoul(v, NULL, 10);
        else if (!strcmp(k, "--out"))
            out = v;
        else if (!strcmp(k, "--labels"))
            labels = v;
        else if (!strcmp(k, "--dtype"))
            dt = v;
        else {
            usage();
            return 2;
        }
    }
    if (!out || n == 0 || d == 0 || classes == 0 || runs > 26) {
        usage();
        return 2;
    }
    dse_dtype_t dtype = {DSE_DT_F32, 4, 0};
    if (!strcmp(dt, "f8")) dtype = (dse_dtype_t){DSE_DT_F64, 8, 0};
    if (!strcmp(dt, "f2")) dtype = (dse_dtype_t){DSE_DT_F16, 2, 0};
    double *z = malloc(n * d * sizeof *z), *y = malloc(n * sizeof *y), *ys = malloc(n * sizeof *ys);
    if (!z || !y || !ys) {
        fprintf(stderr, "dse_gen: out of memory\n");
        return 1;
    }
    int rc = 0;
    make_labels(n, classes, seed, y);
    if (!tree) {
        make_points(n, d, classes, y, spread, seed, z);
        rc = write_matrix(out, dtype, n, d, z);
        if (!rc && labels) rc = write_labels(labels, n, y);
    } else {
        char path[4096];
        mkdir(out, 0755); /* one level; the parent must exist */
        snprintf(path, sizeof path, "%s/labels.npy", out);
        rc = write_labels(path, n, y);
        if (!rc && inputs) {
            /* The "input vectors": the same classes in D2 dimensions, apart but noisy. */
            double *x = malloc(n * inputs * sizeof *x);
            if (!x) {
                fprintf(stderr, "dse_gen: out of memory\n");
                return 1;
            }
            make_points(n, inputs, classes, y, 1.5, seed + 7, x);
            snprintf(path, sizeof path, "%s/inputs.npy", out);
            rc = write_matrix(path, dtype, n, inputs, x);
            free(x);
        }
        make_labels(n, classes, seed + 1000, ys); /* the shuffled run's own grouping */
        for (unsigned long r = 0; !rc && r <= runs; ++r) {
            int shuffled = r == runs;
            char run[64];
            snprintf(run, sizeof run, shuffled ? "run_shuffled" : "run_%c", (int)('a' + r));
            snprintf(path, sizeof path, "%s/%s", out, run);
            mkdir(path, 0755);
            for (unsigned long s = 1; !rc && s <= steps; ++s) {
                /* Clusters separate over training: spread grows with the step. */
                double sp = 0.25 + 1.5 * (double)s * (double)s / (double)(steps * steps) * 2.0;
                make_points(n, d, classes, shuffled ? ys : y, sp, seed + 10 * r + 1, z);
                snprintf(path, sizeof path, "%s/%s/step_%03lu.npy", out, run, s);
                rc = write_matrix(path, dtype, n, d, z);
            }
        }
    }
    free(z);
    free(y);
    free(ys);
    return rc;
}
