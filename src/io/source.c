/* source.c — format dispatch and the raw-array (.npy, safetensors) backends. */
#include "dsesweep/source.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsesweep/npy.h"
#include "dsesweep/safetensors.h"
#include "source_internal.h"

/* Largest buffer the raw readers use per pread (rows are read in runs). */
#define RAW_CHUNK_BYTES ((size_t)16 << 20)

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

typedef enum { FMT_UNKNOWN, FMT_NPY, FMT_HDF5, FMT_SAFETENSORS } format_t;

static format_t format_of(const char *path)
{
    if (ends_with(path, ".npy")) return FMT_NPY;
    if (ends_with(path, ".h5") || ends_with(path, ".hdf5") || ends_with(path, ".he5"))
        return FMT_HDF5;
    if (ends_with(path, ".safetensors")) return FMT_SAFETENSORS;
    return FMT_UNKNOWN;
}

int dse_source_set_shape(dse_source_t *src, int ndim, const uint64_t *shape, dse_err_t *err)
{
    if (ndim == 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: a 0-d array is not a sample matrix", src->name);
    uint64_t cols = 1;
    for (int i = 1; i < ndim; ++i)
        cols *= shape[i]; /* overflow already excluded by the header checks */
    if (shape[0] == 0) return DSE_RAISE(err, DSE_EVALUE, "%s: no samples (N = 0)", src->name);
    if (cols == 0) return DSE_RAISE(err, DSE_EVALUE, "%s: no features (D = 0)", src->name);
    if (shape[0] > SIZE_MAX / 8 || cols > SIZE_MAX / 8)
        return DSE_RAISE(err, DSE_EVALUE, "%s: shape too large for this machine", src->name);
    src->rows = (size_t)shape[0];
    src->cols = (size_t)cols;
    return DSE_OK;
}

int dse_source_check_finite(const dse_source_t *src, const size_t *rows, size_t count,
                            const double *out, dse_err_t *err)
{
    for (size_t i = 0; i < count; ++i)
        for (size_t j = 0; j < src->cols; ++j) {
            double v = out[i * src->cols + j];
            if (!isfinite(v))
                return DSE_RAISE(err, DSE_EVALUE, "%s: %s at row %zu, column %zu", src->name,
                                 isnan(v) ? "NaN" : "Inf", rows ? rows[i] : i, j);
        }
    return DSE_OK;
}

/* pread exactly len bytes or fail with a message naming the file. */
static int read_exact(const dse_source_t *src, void *buf, size_t len, uint64_t offset,
                      dse_err_t *err)
{
    size_t done = 0;
    while (done < len) {
        ssize_t got = pread(src->fd, (char *)buf + done, len - done, (off_t)(offset + done));
        if (got < 0) {
            if (errno == EINTR) continue;
            return DSE_RAISE(err, DSE_EIO, "%s: read failed at byte %llu: %s", src->name,
                             (unsigned long long)(offset + done), strerror(errno));
        }
        if (got == 0)
            return DSE_RAISE(
                err, DSE_EFORMAT, "%s: truncated data (file ends at byte %llu, needed %llu)",
                src->name, (unsigned long long)(offset + done), (unsigned long long)(offset + len));
        done += (size_t)got;
    }
    return DSE_OK;
}

/* Row-major (C order) data: read runs of consecutive rows. */
static int raw_read_c_order(dse_source_t *src, const size_t *rows, size_t count, double *out,
                            dse_err_t *err)
{
    size_t row_bytes = src->cols * (size_t)src->dtype.size;
    size_t max_rows = RAW_CHUNK_BYTES / row_bytes ? RAW_CHUNK_BYTES / row_bytes : 1;
    uint8_t *buf = DSE_MALLOC(max_rows < count ? max_rows : count, row_bytes, err);
    if (!buf) return err->code;
    int rc = DSE_OK;
    size_t i = 0;
    while (i < count) {
        size_t run = 1;
        while (i + run < count && run < max_rows && rows[i + run] == rows[i] + run)
            run++;
        uint64_t off = src->data_offset + (uint64_t)rows[i] * row_bytes;
        DSE_TRY_GOTO(rc, done, read_exact(src, buf, run * row_bytes, off, err));
        dse_dtype_to_double(src->dtype, buf, run * src->cols, out + i * src->cols, 1);
        i += run;
    }
done:
    free(buf);
    return rc;
}

/* Column-major (Fortran order) data: per column, read the span of needed rows. */
static int raw_read_f_order(dse_source_t *src, const size_t *rows, size_t count, double *out,
                            dse_err_t *err)
{
    size_t es = (size_t)src->dtype.size;
    size_t first = rows[0], span = rows[count - 1] - rows[0] + 1;
    size_t chunk = RAW_CHUNK_BYTES / es;
    uint8_t *buf = DSE_MALLOC(span < chunk ? span : chunk, es, err);
    if (!buf) return err->code;
    int rc = DSE_OK;
    for (size_t j = 0; j < src->cols; ++j) {
        size_t next = 0; /* index into rows[] */
        for (size_t start = first; start < first + span && next < count; start += chunk) {
            size_t len = first + span - start < chunk ? first + span - start : chunk;
            uint64_t off = src->data_offset + ((uint64_t)j * src->rows + start) * es;
            DSE_TRY_GOTO(rc, done, read_exact(src, buf, len * es, off, err));
            while (next < count && rows[next] < start + len) {
                dse_dtype_to_double(src->dtype, buf + (rows[next] - start) * es, 1,
                                    out + next * src->cols + j, 1);
                next++;
            }
        }
    }
done:
    free(buf);
    return rc;
}

static int raw_read_rows(dse_source_t *src, const size_t *rows, size_t count, double *out,
                         dse_err_t *err)
{
    return src->fortran_order && src->cols > 1 ? raw_read_f_order(src, rows, count, out, err)
                                               : raw_read_c_order(src, rows, count, out, err);
}

static void raw_close(dse_source_t *src)
{
    if (src->fd >= 0) close(src->fd);
    src->fd = -1;
}

static const dse_source_ops_t raw_ops = {raw_read_rows, raw_close};

/* Opens src->path read-only and records its size; rejects directories. */
static int raw_open_file(dse_source_t *src, dse_err_t *err)
{
    src->fd = open(src->path, O_RDONLY | O_CLOEXEC);
    if (src->fd < 0)
        return DSE_RAISE(err, DSE_EIO, "%s: cannot open: %s", src->name, strerror(errno));
    struct stat st;
    if (fstat(src->fd, &st) != 0)
        return DSE_RAISE(err, DSE_EIO, "%s: cannot stat: %s", src->name, strerror(errno));
    if (S_ISDIR(st.st_mode))
        return DSE_RAISE(err, DSE_EIO, "%s: is a directory, expected a file", src->name);
    src->file_size = (uint64_t)st.st_size;
    src->ops = &raw_ops;
    return DSE_OK;
}

int dse_source_open_npy(dse_source_t *src, dse_err_t *err)
{
    DSE_TRY(raw_open_file(src, err));
    /* The header is at most 4 GiB in theory; real ones are < 64 KiB. Read the
     * first 1 MiB (or the file) and let the parser say if it is cut short. */
    size_t want = src->file_size < ((size_t)1 << 20) ? (size_t)src->file_size : ((size_t)1 << 20);
    uint8_t *head = DSE_MALLOC(want, 1, err);
    if (!head) return err->code;
    int rc = read_exact(src, head, want, 0, err);
    dse_npy_header_t hdr;
    if (rc == DSE_OK) rc = dse_npy_parse_header(head, want, src->name, &hdr, err);
    free(head);
    DSE_TRY(rc);
    DSE_TRY(dse_npy_check_size(&hdr, src->file_size, src->name, err));
    DSE_TRY(dse_source_set_shape(src, hdr.ndim, hdr.shape, err));
    src->dtype = hdr.dtype;
    src->fortran_order = hdr.fortran_order;
    src->data_offset = hdr.data_offset;
    /* A Fortran-order array of more than 2 dims would need a general transpose. */
    if (hdr.fortran_order && hdr.ndim > 2)
        return DSE_RAISE(err, DSE_EFORMAT,
                         "%s: Fortran-order arrays of more than 2 dimensions "
                         "are not supported",
                         src->name);
    return DSE_OK;
}

int dse_source_open_safetensors(dse_source_t *src, const char *tensor, dse_err_t *err)
{
    DSE_TRY(raw_open_file(src, err));
    uint8_t first8[8];
    size_t have = src->file_size < 8 ? (size_t)src->file_size : 8;
    DSE_TRY(read_exact(src, first8, have, 0, err));
    uint64_t hsize;
    DSE_TRY(dse_safetensors_header_size(first8, have, src->file_size, src->name, &hsize, err));
    char *json = DSE_MALLOC((size_t)hsize + 1, 1, err);
    if (!json) return err->code;
    int rc = read_exact(src, json, (size_t)hsize, 8, err);
    dse_safetensors_tensor_t t;
    if (rc == DSE_OK)
        rc = dse_safetensors_find(json, (size_t)hsize, hsize, src->file_size, src->name, tensor, &t,
                                  err);
    free(json);
    DSE_TRY(rc);
    DSE_TRY(dse_source_set_shape(src, t.ndim, t.shape, err));
    src->dtype = t.dtype;
    src->fortran_order = 0;
    src->data_offset = t.data_offset;
    return DSE_OK;
}

/* Splits "PATH:NAME" unless PATH as a whole exists. */
static int split_spec(const char *spec, char **path, char **name, dse_err_t *err)
{
    struct stat st;
    const char *colon = strrchr(spec, ':');
    if (stat(spec, &st) == 0 || !colon || colon == spec) {
        *path = strdup(spec);
        *name = NULL;
    } else {
        *path = strndup(spec, (size_t)(colon - spec));
        *name = strdup(colon + 1);
        if (!*name) {
            free(*path);
            *path = NULL;
        }
    }
    if (!*path) return DSE_RAISE(err, DSE_ENOMEM, "cannot allocate a path");
    return DSE_OK;
}

int dse_source_open(const char *spec, dse_source_t **out, dse_err_t *err)
{
    *out = NULL;
    if (!spec || !*spec) return DSE_RAISE(err, DSE_EUSAGE, "empty file name");
    dse_source_t *src = DSE_CALLOC(1, sizeof *src, err);
    if (!src) return err->code;
    src->fd = -1;
    src->h5_file = src->h5_dset = -1;
    char *inner = NULL;
    int rc = split_spec(spec, &src->path, &inner, err);
    if (rc == DSE_OK) {
        src->name = strdup(spec);
        if (!src->name) rc = DSE_RAISE(err, DSE_ENOMEM, "cannot allocate a name");
    }
    if (rc == DSE_OK) {
        struct stat st;
        if (stat(src->path, &st) != 0)
            rc = DSE_RAISE(err, DSE_EIO, "%s: cannot open: %s", spec, strerror(errno));
        else if (S_ISDIR(st.st_mode))
            rc = DSE_RAISE(err, DSE_EIO, "%s: is a directory, expected a file", spec);
    }
    if (rc == DSE_OK) {
        switch (format_of(src->path)) {
        case FMT_NPY:
            rc = inner ? DSE_RAISE(err, DSE_EUSAGE, "%s: .npy files hold one array; drop ':%s'",
                                   spec, inner)
                       : dse_source_open_npy(src, err);
            break;
        case FMT_SAFETENSORS:
            rc = dse_source_open_safetensors(src, inner, err);
            break;
        case FMT_HDF5:
            rc = dse_source_open_hdf5(src, inner, err);
            break;
        default:
            rc =
                DSE_RAISE(err, DSE_EUSAGE,
                          "%s: unknown file type (expected .npy, .h5/.hdf5 or .safetensors)", spec);
        }
    }
    free(inner);
    if (rc == DSE_OK && src->dtype_name[0] == '\0')
        snprintf(src->dtype_name, sizeof src->dtype_name, "%s", dse_dtype_name(src->dtype));
    if (rc == DSE_OK && !src->is_integer) src->is_integer = dse_dtype_is_integer(src->dtype);
    if (rc != DSE_OK) {
        dse_source_close(&src);
        return rc;
    }
    *out = src;
    return DSE_OK;
}

void dse_source_close(dse_source_t **srcp)
{
    if (!srcp || !*srcp) return;
    dse_source_t *src = *srcp;
    if (src->ops && src->ops->close)
        src->ops->close(src);
    else if (src->fd >= 0)
        close(src->fd);
    free(src->name);
    free(src->path);
    free(src);
    *srcp = NULL;
}

size_t dse_source_rows(const dse_source_t *src)
{
    return src->rows;
}
size_t dse_source_cols(const dse_source_t *src)
{
    return src->cols;
}
int dse_source_is_integer(const dse_source_t *src)
{
    return src->is_integer;
}
const char *dse_source_name(const dse_source_t *src)
{
    return src->name;
}
const char *dse_source_dtype(const dse_source_t *src)
{
    return src->dtype_name;
}
uint64_t dse_source_file_size(const dse_source_t *src)
{
    return src->file_size;
}

int dse_source_read_rows(dse_source_t *src, const size_t *rows, size_t count, double *out,
                         dse_err_t *err)
{
    if (count == 0) return DSE_OK;
    for (size_t i = 0; i < count; ++i)
        if (rows[i] >= src->rows || (i > 0 && rows[i] <= rows[i - 1]))
            return DSE_RAISE(err, DSE_EUSAGE, "%s: row list not ascending or out of range",
                             src->name);
    DSE_TRY(src->ops->read_rows(src, rows, count, out, err));
    return dse_source_check_finite(src, rows, count, out, err);
}

int dse_source_read_all(dse_source_t *src, double **out, dse_err_t *err)
{
    *out = NULL;
    size_t n = src->rows;
    if (src->cols != 0 && n > SIZE_MAX / sizeof(double) / src->cols)
        return DSE_RAISE(err, DSE_ENOMEM, "%s: %zu x %zu does not fit in memory", src->name, n,
                         src->cols);
    double *data = DSE_MALLOC(n * src->cols, sizeof(double), err);
    size_t *rows = data ? DSE_MALLOC(n, sizeof(size_t), err) : NULL;
    if (!rows) {
        free(data);
        return err->code;
    }
    for (size_t i = 0; i < n; ++i)
        rows[i] = i;
    int rc = dse_source_read_rows(src, rows, n, data, err);
    free(rows);
    if (rc != DSE_OK) {
        free(data);
        return rc;
    }
    *out = data;
    return DSE_OK;
}

int dse_matrix_load(const char *spec, dse_matrix_t *m, dse_err_t *err)
{
    memset(m, 0, sizeof *m);
    dse_source_t *src = NULL;
    DSE_TRY(dse_source_open(spec, &src, err));
    int rc = dse_source_read_all(src, &m->data, err);
    if (rc == DSE_OK) {
        m->rows = src->rows;
        m->cols = src->cols;
        m->is_integer = src->is_integer;
        m->name = strdup(src->name);
        if (!m->name) rc = DSE_RAISE(err, DSE_ENOMEM, "cannot allocate a name");
    }
    dse_source_close(&src);
    if (rc != DSE_OK) dse_matrix_free(m);
    return rc;
}

void dse_matrix_free(dse_matrix_t *m)
{
    if (!m) return;
    free(m->data);
    free(m->name);
    memset(m, 0, sizeof *m);
}

int dse_source_read_int_keys(dse_source_t *src, uint64_t *out, int *is_signed, dse_err_t *err)
{
    if (!src->is_integer)
        return DSE_RAISE(err, DSE_EINTERNAL, "%s: not an integer dtype", src->name);
    if (src->ops != &raw_ops) return dse_source_hdf5_read_keys(src, out, is_signed, err);
    size_t count = src->rows * src->cols, bytes = count * (size_t)src->dtype.size;
    uint8_t *buf = DSE_MALLOC(bytes + 1, 1, err);
    if (!buf) return DSE_ENOMEM;
    int rc = read_exact(src, buf, bytes, src->data_offset, err);
    if (rc == DSE_OK) dse_dtype_to_int_keys(src->dtype, buf, count, out);
    *is_signed = dse_dtype_is_signed(src->dtype);
    free(buf);
    return rc;
}

int dse_source_check_embeddings(const dse_source_t *src, dse_err_t *err)
{
    if (src->is_integer)
        return DSE_RAISE(
            err, DSE_EDTYPE,
            "%s: integer dtype '%s'; embeddings must be floating point (float16/32/64, "
            "bfloat16)",
            src->name, src->dtype_name);
    if (src->rows < 2)
        return DSE_RAISE(err, DSE_EVALUE, "%s: %zu sample; at least 2 are needed", src->name,
                         src->rows);
    return DSE_OK;
}
