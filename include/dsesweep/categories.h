/* categories.h — the categories c of Y that mutual information runs over. */
#ifndef DSESWEEP_CATEGORIES_H
#define DSESWEEP_CATEGORIES_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"

typedef struct dse_categories {
    size_t n;         /* samples */
    size_t n_classes; /* distinct categories, ascending by value */
    size_t *class_of; /* n: category index 0..n_classes-1 of each sample */
    size_t *counts;   /* n_classes: n_c */
    double *values;   /* n_classes: the label value (or bin number) of each category */
} dse_categories_t;

/* Local. The categories of the labels file spec (N or N x 1), read once:
 * an integer dtype gives discrete classes compared as integers of their own
 * type, never through a double (int64 labels above 2^53 and uint64 above
 * 2^63 stay distinct; values[] holds each label as a double, for messages
 * only); a float dtype is binned into n_bins bins (continuous labels). With
 * n > 0 the file must have n rows: "<spec>: M labels but <what> has N rows".
 * The categories are checked (dse_categories_check). cat is caller-owned:
 * dse_categories_free. */
int dse_categories_load(const char *spec, size_t n, const char *what, int n_bins,
                        dse_categories_t *cat, dse_err_t *err);

/* Local. Categories of n exact integer keys (dse_dtype_to_int_keys; signed
 * keys have their sign bit flipped): equal keys, and only equal keys, share
 * a class. values[] (for messages) is each class's label as a double. cat is
 * caller-owned: dse_categories_free. */
int dse_categories_from_keys(const uint64_t *keys, int is_signed, size_t n, dse_categories_t *cat,
                             dse_err_t *err);

/* Local. Categories of discrete labels y (n integral values), in ascending
 * label order as numpy.unique gives them. Buffers are owned by cat: release
 * with dse_categories_free. Fails on a non-integral label. */
int dse_categories_from_labels(const double *y, size_t n, const char *name, dse_categories_t *cat,
                               dse_err_t *err);

/* Local. Min-max scaling then n_bins bins as numpy.digitize with edges
 * linspace(0,1,n_bins+1)[:-1]: bins[i] in 1..n_bins. bins is caller-owned (n). */
void dse_categories_scalar_bins(const double *y, size_t n, int n_bins, int *bins);

/* Local. Categories of continuous scalars: the non-empty bins of
 * dse_categories_scalar_bins. */
int dse_categories_from_scalars(const double *y, size_t n, int n_bins, dse_categories_t *cat,
                                dse_err_t *err);

/* Local. Checks that the categories can carry mutual information: at least 2
 * classes, and at most n/2 (so classes average 2 or more samples). Fails with
 * "<name>: a single class ..." or "<name>: K classes for N samples ...". */
int dse_categories_check(const dse_categories_t *cat, const char *name, dse_err_t *err);

/* Local. Frees cat's buffers and zeroes it; safe on a zeroed struct. */
void dse_categories_free(dse_categories_t *cat);

#endif
