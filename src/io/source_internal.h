/* source_internal.h — the backend table behind dse_source_t (private). */
#ifndef DSESWEEP_SOURCE_INTERNAL_H
#define DSESWEEP_SOURCE_INTERNAL_H

#include "dsesweep/dtype.h"
#include "dsesweep/source.h"

typedef struct dse_source_ops {
    int (*read_rows)(dse_source_t *src, const size_t *rows, size_t count, double *out,
                     dse_err_t *err);
    void (*close)(dse_source_t *src);
} dse_source_ops_t;

struct dse_source {
    const dse_source_ops_t *ops;
    char *name; /* spec as opened */
    char *path; /* file part of the spec */
    size_t rows, cols;
    int is_integer;
    char dtype_name[32];
    uint64_t file_size;
    /* Raw-array backends (.npy, safetensors): contiguous data at an offset. */
    int fd;
    uint64_t data_offset;
    dse_dtype_t dtype;
    int fortran_order;
    /* HDF5 backend. */
    int64_t h5_file, h5_dset;
};

/* Opens the raw (.npy / safetensors) backends and the HDF5 backend. `src`
 * has name, path, fd = -1 filled in; they fill the rest. */
int dse_source_open_npy(dse_source_t *src, dse_err_t *err);
int dse_source_open_safetensors(dse_source_t *src, const char *tensor, dse_err_t *err);
int dse_source_open_hdf5(dse_source_t *src, const char *dataset, dse_err_t *err);

/* HDF5 backend of dse_source_read_int_keys. */
int dse_source_hdf5_read_keys(dse_source_t *src, uint64_t *out, int *is_signed, dse_err_t *err);

/* Shared: rejects NaN/Inf in out (count x cols), naming the file row. */
int dse_source_check_finite(const dse_source_t *src, const size_t *rows, size_t count,
                            const double *out, dse_err_t *err);

/* Shared: fills rows/cols from a shape, viewing >2-D as N x prod(rest). */
int dse_source_set_shape(dse_source_t *src, int ndim, const uint64_t *shape, dse_err_t *err);

#endif
