/* store_hdf5.c — the store file: columnar tables written with parallel HDF5.
 *
 * Every table is a group of 1-D column datasets of equal length (strings as
 * fixed-length, NUL-padded; the width is the longest value + 1), described by
 * the column tables of store_columns.c. The root's tables are broadcast, then
 * each rank writes a contiguous slice of rows of every column with one
 * collective H5Dwrite (a rank with no rows selects none). Metadata operations
 * are collective (H5Pset_all_coll_metadata_ops). Reading is serial.
 */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dsesweep/hooks.h"
#include "dsesweep/group.h"
#include "dsesweep/memory.h"
#include "dsesweep/version.h"
#include "store_internal.h"

#define STORE_FORMAT "dsesweep-store 1"

/* The native HDF5 type of a numeric column. */
static hid_t h5_type(dse_col_type_t type)
{
    switch (type) {
    case DSE_COL_I32:
        return H5T_NATIVE_INT32;
    case DSE_COL_I64:
        return H5T_NATIVE_INT64;
    case DSE_COL_U64:
        return H5T_NATIVE_UINT64;
    default:
        return H5T_NATIVE_DOUBLE;
    }
}

static int is_string(const dse_column_t *c)
{
    return c->type == DSE_COL_STR || c->type == DSE_COL_CHARS;
}

typedef struct {
    MPI_Comm comm;
    int rank, size, root;
    hid_t file, dxpl;
    dse_err_t *err;
    int rc;
    const char *path;
    const char *tmp; /* the temporary file being written */
} writer_t;

static void h5fail(writer_t *w, const char *what)
{
    char journal[4200];
    dse_journal_path(w->path, journal, sizeof journal);
    if (w->rc == DSE_OK)
        w->rc = DSE_RAISE(w->err, DSE_EHDF5,
                          "%s: HDF5 %s failed (disk full or a file size limit?); %s is unchanged "
                          "and finished tasks are in %s",
                          w->tmp ? w->tmp : w->path, what, w->path, journal);
}

/* Every rank learns whether any rank failed, right after each collective
 * step, so that all ranks skip (or make) the same HDF5 calls afterwards. */
static void agree(writer_t *w)
{
    int bad = w->rc != DSE_OK;
    MPI_Allreduce(MPI_IN_PLACE, &bad, 1, MPI_INT, MPI_MAX, w->comm);
    if (bad && w->rc == DSE_OK) h5fail(w, "collective write (on another rank)");
}

/* Creates the group of one table (collective), agreeing on failure. */
static hid_t table_group(writer_t *w, const char *name)
{
    hid_t g =
        w->rc == DSE_OK ? H5Gcreate2(w->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (g < 0) h5fail(w, "group create");
    agree(w);
    return g;
}

/* Writes one column of `count` elements of `type` (data valid on every rank). */
static void write_column(writer_t *w, hid_t group, const char *name, hid_t type, const void *data,
                         size_t count, size_t elem)
{
    if (w->rc != DSE_OK) return;
    hsize_t dims = count;
    hid_t space = H5Screate_simple(1, &dims, NULL);
    hid_t dset = H5Dcreate2(group, name, type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (dset < 0) h5fail(w, "dataset create");
    if (w->rc == DSE_OK && count > 0) {
        /* Rows [lo, hi) are this rank's. */
        size_t lo = count * (size_t)w->rank / (size_t)w->size;
        size_t hi = count * (size_t)(w->rank + 1) / (size_t)w->size;
        hsize_t start = lo, n = hi - lo;
        hid_t mem = H5Screate_simple(1, &n, NULL);
        if (n > 0) {
            H5Sselect_hyperslab(space, H5S_SELECT_SET, &start, NULL, &n, NULL);
        } else {
            H5Sselect_none(space);
            H5Sselect_none(mem);
        }
        if (H5Dwrite(dset, type, mem, space, w->dxpl, (const char *)data + lo * elem) < 0)
            h5fail(w, "collective write");
        H5Sclose(mem);
    }
    if (dset >= 0) H5Dclose(dset);
    H5Sclose(space);
    agree(w);
}

/* Broadcasts `bytes` bytes from the root into a new buffer on every rank
 * (caller frees); NULL (agreed) when a rank cannot allocate it. */
static void *bcast_buffer(writer_t *w, const void *root_data, size_t bytes)
{
    void *buf = DSE_MALLOC(bytes, 1, w->err);
    if (!buf) h5fail(w, "buffer allocation");
    agree(w);
    if (w->rc != DSE_OK) {
        free(buf);
        return NULL;
    }
    if (w->rank == w->root && bytes) memcpy(buf, root_data, bytes);
    for (size_t off = 0; off < bytes; off += (size_t)1 << 30) {
        size_t n = bytes - off < ((size_t)1 << 30) ? bytes - off : ((size_t)1 << 30);
        MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, w->root, w->comm);
    }
    return buf;
}

/* Packs column c of the root's rows (fixed width per element) and writes it. */
static void table_column(writer_t *w, hid_t g, const dse_column_t *c, const char *rows,
                         size_t row_size, size_t count)
{
    unsigned long long width = is_string(c) ? 1 : c->size;
    for (size_t i = 0; w->rank == w->root && is_string(c) && i < count; ++i) {
        size_t n = strlen(dse_col_str(c, rows + i * row_size)) + 1;
        if (n > width) width = n;
    }
    MPI_Bcast(&width, 1, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    char *packed = w->rank == w->root ? DSE_CALLOC(count * width + 1, 1, w->err) : NULL;
    for (size_t i = 0; packed && i < count; ++i) {
        const char *row = rows + i * row_size;
        if (is_string(c))
            memcpy(packed + i * width, dse_col_str(c, row), strlen(dse_col_str(c, row)));
        else
            memcpy(packed + i * width, dse_col_ptr(c, row), width);
    }
    if (w->rank == w->root && !packed) h5fail(w, "buffer allocation");
    char *all = bcast_buffer(w, packed, count * width);
    hid_t type = is_string(c) ? H5Tcopy(H5T_C_S1) : h5_type(c->type);
    if (is_string(c)) {
        H5Tset_size(type, (size_t)width);
        H5Tset_strpad(type, H5T_STR_NULLPAD);
    }
    if (all) write_column(w, g, c->name, type, all, count, (size_t)width);
    if (is_string(c)) H5Tclose(type);
    free(packed);
    free(all);
}

static void string_attribute(writer_t *w, hid_t obj, const char *name, const char *root_value)
{
    if (w->rc != DSE_OK) return; /* agreed: every rank returns here */
    unsigned long long len = w->rank == w->root ? strlen(root_value) : 0;
    MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    char *v = bcast_buffer(w, root_value, (size_t)len);
    if (!v) return;
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, len ? (size_t)len : 1);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, type, len ? v : "") < 0) h5fail(w, "attribute write");
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    H5Tclose(type);
    free(v);
    agree(w);
}

/* A scalar numeric attribute with the root's value (`bytes` bytes of `type`). */
static void number_attribute(writer_t *w, hid_t obj, const char *name, hid_t type,
                             const void *root_value, size_t bytes)
{
    if (w->rc != DSE_OK) return; /* agreed: every rank returns here */
    unsigned char v[16] = {0};
    if (w->rank == w->root) memcpy(v, root_value, bytes);
    MPI_Bcast(v, (int)bytes, MPI_BYTE, w->root, w->comm);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, space, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, type, v) < 0) h5fail(w, "attribute write");
    if (a >= 0) H5Aclose(a);
    H5Sclose(space);
    agree(w);
}

/* The attribute columns of table t from the root's row. */
static void write_attributes(writer_t *w, hid_t obj, const dse_table_desc_t *t, const void *row)
{
    for (size_t i = 0; i < t->n_cols; ++i) {
        const dse_column_t *c = &t->cols[i];
        if (c->h5 == DSE_H5_DATASET) continue;
        if (c->h5 == DSE_H5_ATTR_HEX) {
            char hex[32] = "";
            if (w->rank == w->root)
                snprintf(hex, sizeof hex, "%016llx",
                         (unsigned long long)*(const uint64_t *)dse_col_ptr(c, row));
            string_attribute(w, obj, c->name, hex);
        } else if (is_string(c)) {
            string_attribute(w, obj, c->name, w->rank == w->root ? dse_col_str(c, row) : "");
        } else {
            number_attribute(w, obj, c->name, h5_type(c->type), dse_col_ptr(c, row), c->size);
        }
    }
}

/* The group of table t: its dataset columns from the root's `count` rows. */
static hid_t write_table(writer_t *w, const dse_table_desc_t *t, const void *rows, size_t count)
{
    hid_t g = table_group(w, t->group);
    for (size_t i = 0; i < t->n_cols; ++i)
        if (t->cols[i].h5 == DSE_H5_DATASET)
            table_column(w, g, &t->cols[i], rows, t->row_size, count);
    return g;
}

/* /spectra: the table's columns, then `offset` and the concatenated `values`. */
static void write_spectra(writer_t *w, const dse_store_t *s, size_t ns)
{
    hid_t g = write_table(w, &dse_spectrum_table, s->spectra, ns);
    unsigned long long total = 0;
    uint64_t *offsets = DSE_CALLOC(ns + 1, sizeof *offsets, w->err);
    for (size_t i = 0; offsets && w->rank == w->root && i < ns; ++i) {
        offsets[i] = total;
        total += s->spectra[i].length;
    }
    MPI_Bcast(&total, 1, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    double *values = w->rank == w->root ? DSE_MALLOC((size_t)total, sizeof *values, w->err) : NULL;
    if (!offsets || (w->rank == w->root && !values)) h5fail(w, "buffer allocation");
    agree(w);
    for (size_t i = 0; values && w->rc == DSE_OK && i < ns; ++i)
        memcpy(values + offsets[i], s->spectra[i].values, s->spectra[i].length * sizeof *values);
    uint64_t *all_offsets = w->rc == DSE_OK ? bcast_buffer(w, offsets, ns * sizeof *offsets) : NULL;
    if (all_offsets) write_column(w, g, "offset", H5T_NATIVE_UINT64, all_offsets, ns, 8);
    double *all = bcast_buffer(w, values, (size_t)total * sizeof *values);
    if (all) write_column(w, g, "values", H5T_NATIVE_DOUBLE, all, (size_t)total, sizeof(double));
    free(all);
    free(all_offsets);
    free(values);
    free(offsets);
    if (g >= 0) H5Gclose(g);
}

/* The /reference group: the clustering of X (labels + what it was made from). */
static void write_reference(writer_t *w, const dse_store_reference_t *r)
{
    int have = w->rank == w->root && r->path != NULL;
    MPI_Bcast(&have, 1, MPI_INT, w->root, w->comm);
    if (!have) return;
    unsigned long long n = w->rank == w->root ? r->n : 0;
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    hid_t g = table_group(w, dse_reference_table.group);
    write_attributes(w, g, &dse_reference_table, r);
    int32_t *all =
        bcast_buffer(w, w->rank == w->root ? r->labels : NULL, (size_t)n * sizeof(int32_t));
    if (all) write_column(w, g, "labels", H5T_NATIVE_INT32, all, (size_t)n, sizeof(int32_t));
    free(all);
    if (g >= 0) H5Gclose(g);
}

/* Rank root: a generous estimate of the file's bytes (data, string widths,
 * HDF5 metadata) so that a full disk is refused before HDF5 is involved. */
static double estimated_bytes(const dse_store_t *s)
{
    double b = 32.0 * 1024 + (s->config_text ? (double)strlen(s->config_text) : 0);
    b += dse_table_bytes(&dse_checkpoint_table, s->checkpoints, s->n_checkpoints);
    b += dse_table_bytes(&dse_result_table, s->results, s->n_results);
    b += dse_table_bytes(&dse_spectrum_table, s->spectra, s->n_spectra);
    for (size_t i = 0; i < s->n_spectra; ++i)
        b += 8.0 * (double)s->spectra[i].length + 8; /* values and offset */
    b += 4.0 * (double)s->reference.n +
         (s->reference.path ? 1024.0 + (double)strlen(s->reference.path) : 0);
    return 1.25 * b;
}

/* Rank root: refuses, with figures, a store that does not fit on the disk. */
static int check_space(const char *path, const dse_store_t *s, dse_err_t *err)
{
    char *copy = DSE_STRDUP(path, err);
    if (!copy) return DSE_ENOMEM;
    struct statvfs fs;
    double need = estimated_bytes(s);
    int rc = DSE_OK;
    if (statvfs(dirname(copy), &fs) == 0) {
        double avail = (double)fs.f_bavail * (double)fs.f_frsize;
        if (avail < need) {
            char a[32], b[32], journal[4200];
            dse_journal_path(path, journal, sizeof journal);
            rc = DSE_RAISE(err, DSE_EIO,
                           "%s: not enough space for the new store: %s free, about %s "
                           "needed; %s is unchanged and finished tasks are in %s",
                           path, dse_format_bytes(avail, a, sizeof a),
                           dse_format_bytes(need, b, sizeof b), path, journal);
        }
    }
    free(copy);
    return rc;
}

/* Collective. Creates the temporary file with the MPI-IO driver; agreed. */
static int create_file(writer_t *w, const char *tmp)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, w->comm, MPI_INFO_NULL);
    H5Pset_all_coll_metadata_ops(fapl, 1);
    H5Pset_coll_metadata_write(fapl, 1);
    w->file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (w->file < 0)
        w->rc =
            DSE_RAISE(w->err, DSE_EIO,
                      "%s: cannot create the store (is the directory there and writable?)", tmp);
    int rc = dse_comm_agree(w->comm, w->rc, w->err);
    if (rc != DSE_OK) return rc;
    w->dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(w->dxpl, H5FD_MPIO_COLLECTIVE);
    return DSE_OK;
}

/* Collective. Every attribute and table of s (valid on the root). */
static void write_everything(writer_t *w, const dse_store_t *s)
{
    unsigned long long counts[3] = {s->n_checkpoints, s->n_results, s->n_spectra};
    MPI_Bcast(counts, 3, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    string_attribute(w, w->file, "format", STORE_FORMAT);
    string_attribute(w, w->file, "dsesweep_version", DSESWEEP_VERSION);
    write_attributes(w, w->file, &dse_file_table, s);
    for (int part = 0; part < 4; ++part) {
        dse_hook_slow_io(); /* a kill can land between the tables */
        hid_t g = -1;
        if (part == 0) g = write_table(w, &dse_checkpoint_table, s->checkpoints, counts[0]);
        if (part == 1) g = write_table(w, &dse_result_table, s->results, counts[1]);
        if (part == 2) write_spectra(w, s, (size_t)counts[2]);
        if (part == 3) write_reference(w, &s->reference);
        if (g >= 0) H5Gclose(g);
    }
}

/* Collective. Closes the temporary file and renames it over path (root). */
static int finish_file(writer_t *w, const char *tmp)
{
    H5Pclose(w->dxpl);
    if (w->rc != DSE_OK) {
        /* A collective write failed part-way (quota, a disk filled by someone
         * else): parallel HDF5 cannot always close such a file collectively
         * (ranks' metadata caches differ and H5Fclose can hang). The old store
         * is untouched and the journal holds every finished task, so stop the
         * job here rather than risk a hang. */
        dse_comm_agree(w->comm, w->rc, w->err);
        if (w->rank == w->root) {
            fprintf(stderr, "dsesweep: error: %s\n", w->err->msg);
            remove(tmp);
        }
        MPI_Barrier(w->comm);
        MPI_Abort(w->comm, 1);
    }
    if (H5Fclose(w->file) < 0) h5fail(w, "file close");
    int rc = dse_comm_agree(w->comm, w->rc, w->err);
    if (rc == DSE_OK && w->rank == w->root) {
        /* The complete file replaces the old one in one step. */
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        if (rename(tmp, w->path) != 0)
            rc = DSE_RAISE(w->err, DSE_EIO, "%s: cannot move the new store into place: %s", w->path,
                           strerror(errno));
    }
    if (rc != DSE_OK && w->rank == w->root) remove(tmp);
    return dse_comm_agree(w->comm, rc, w->err);
}

int dse_store_write(MPI_Comm comm, int root, const char *path, const dse_store_t *s, dse_err_t *err)
{
    writer_t w = {comm, 0, 0, root, -1, -1, err, DSE_OK, path, NULL};
    MPI_Comm_rank(comm, &w.rank);
    MPI_Comm_size(comm, &w.size);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    /* The root's host and PID make the temporary name unique per writer. */
    char tmp[4400] = "";
    if (w.rank == root) {
        char host[256] = "unknown";
        gethostname(host, sizeof host - 1);
        host[sizeof host - 1] = '\0';
        dse_store_tmp_path(path, host, (long)getpid(), tmp, sizeof tmp);
    }
    MPI_Bcast(tmp, (int)sizeof tmp, MPI_CHAR, root, comm);
    w.tmp = tmp;
    /* A full disk is the common failure: refuse it here, with figures. */
    if (w.rank == root) w.rc = check_space(path, s, err);
    DSE_TRY(dse_comm_agree(comm, w.rc, err));
    DSE_TRY(create_file(&w, tmp));
    write_everything(&w, s);
    return finish_file(&w, tmp);
}

/* ---- reading (serial) ----------------------------------------------------- */

static int read_column(hid_t obj, const char *name, hid_t memtype, void *buf, size_t count)
{
    if (count == 0) return 0;
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    if (d < 0) return -1;
    herr_t r = H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return r < 0 ? -1 : 0;
}

static size_t column_length(hid_t obj, const char *name)
{
    hid_t d = H5Dopen2(obj, name, H5P_DEFAULT);
    if (d < 0) return 0;
    hid_t sp = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(sp, &n, NULL);
    H5Sclose(sp);
    H5Dclose(d);
    return (size_t)n;
}

/* Reads a fixed-length string column into column c of count rows. */
static int read_strings(hid_t g, const dse_column_t *c, char *rows, size_t row_size, size_t count,
                        dse_err_t *err)
{
    if (count == 0) return 0;
    hid_t d = H5Dopen2(g, c->name, H5P_DEFAULT);
    if (d < 0) return -1;
    hid_t ft = H5Dget_type(d);
    size_t width = H5Tget_size(ft);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, width);
    H5Tset_strpad(mt, H5T_STR_NULLPAD);
    char *buf = DSE_CALLOC(count * width + 1, 1, err), *one = DSE_MALLOC(width + 1, 1, err);
    int ok = buf && one && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    for (size_t i = 0; ok && i < count; ++i) {
        memcpy(one, buf + i * width, width);
        one[width] = '\0';
        ok = dse_col_set_str(c, rows + i * row_size, one, err) == DSE_OK;
    }
    free(buf);
    free(one);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Dclose(d);
    return ok ? 0 : -1;
}

/* Reads the dataset columns of table t (group g) into count new rows. */
static int read_table(hid_t f, const dse_table_desc_t *t, void **out, size_t *count, dse_err_t *err)
{
    hid_t g = H5Gopen2(f, t->group, H5P_DEFAULT);
    size_t n = g >= 0 ? column_length(g, t->cols[0].name) : 0;
    char *rows = DSE_CALLOC(n + 1, t->row_size, err);
    unsigned char *tmp = DSE_MALLOC(n + 1, 8, err);
    int bad = !rows || !tmp;
    *out = rows;
    *count = rows ? n : 0;
    for (size_t i = 0; !bad && i < t->n_cols; ++i) {
        const dse_column_t *c = &t->cols[i];
        if (c->h5 != DSE_H5_DATASET) continue;
        /* A column added after the store was written reads as "" / 0. */
        if (g >= 0 && n > 0 && H5Lexists(g, c->name, H5P_DEFAULT) <= 0) continue;
        if (is_string(c)) {
            bad = read_strings(g, c, rows, t->row_size, n, err) < 0;
            continue;
        }
        bad = read_column(g, c->name, h5_type(c->type), tmp, n) < 0;
        for (size_t r = 0; !bad && r < n; ++r)
            memcpy(dse_col_ptr(c, rows + r * t->row_size), tmp + r * c->size, c->size);
    }
    free(tmp);
    if (g >= 0) H5Gclose(g);
    return bad ? -1 : 0;
}

static char *read_string_attribute(hid_t obj, const char *name, dse_err_t *err)
{
    if (H5Aexists(obj, name) <= 0) return DSE_STRDUP("", err);
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    char *v = DSE_CALLOC(n + 1, 1, err);
    if (v) H5Aread(a, t, v);
    H5Tclose(t);
    H5Aclose(a);
    return v;
}

static int read_number_attribute(hid_t obj, const char *name, hid_t type, void *out)
{
    if (H5Aexists(obj, name) <= 0) return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0) return -1;
    herr_t r = H5Aread(a, type, out);
    H5Aclose(a);
    return r < 0 ? -1 : 0;
}

/* Reads the attribute columns of table t into row. Missing string
 * attributes read as ""; a missing number is an error (-1). */
static int read_attributes(hid_t obj, const dse_table_desc_t *t, void *row, dse_err_t *err)
{
    int bad = 0;
    for (size_t i = 0; !bad && i < t->n_cols; ++i) {
        const dse_column_t *c = &t->cols[i];
        if (c->h5 == DSE_H5_DATASET || c->h5 == DSE_H5_ATTR_WRITE) continue;
        if (c->h5 == DSE_H5_ATTR && !is_string(c)) {
            bad = read_number_attribute(obj, c->name, h5_type(c->type), dse_col_ptr(c, row)) < 0;
            continue;
        }
        char *text = read_string_attribute(obj, c->name, err);
        if (!text)
            bad = 1;
        else if (c->h5 == DSE_H5_ATTR_HEX)
            *(uint64_t *)dse_col_ptr(c, row) = strtoull(text, NULL, 16);
        else
            bad = dse_col_set_str(c, row, text, err) != DSE_OK;
        free(text);
    }
    return bad ? -1 : 0;
}

/* The /reference group, when the store has one. Returns 0 on success. */
static int read_reference(hid_t f, dse_store_reference_t *r, dse_err_t *err)
{
    if (H5Lexists(f, dse_reference_table.group, H5P_DEFAULT) <= 0) return 0;
    hid_t g = H5Gopen2(f, dse_reference_table.group, H5P_DEFAULT);
    if (g < 0) return -1;
    int bad = read_attributes(g, &dse_reference_table, r, err) < 0;
    bad |= !r->path || !*r->path || column_length(g, "labels") != r->n;
    if (!bad) {
        r->labels = DSE_MALLOC((size_t)r->n, sizeof *r->labels, err);
        bad = !r->labels || read_column(g, "labels", H5T_NATIVE_INT32, r->labels, (size_t)r->n) < 0;
    }
    for (uint64_t i = 0; !bad && i < r->n; ++i)
        bad = r->labels[i] < 0 || r->labels[i] >= r->n_clusters;
    H5Gclose(g);
    if (bad) dse_store_reference_free(r);
    return bad ? -1 : 0;
}

/* The spectra's values, cut from the concatenated `values` by `offset`. */
static int read_spectra_values(hid_t f, dse_store_t *s, dse_err_t *err)
{
    size_t ns = s->n_spectra, total = column_length(f, "spectra/values");
    double *values = DSE_MALLOC(total, sizeof *values, err);
    uint64_t *offs = DSE_CALLOC(ns + 1, sizeof *offs, err);
    int bad = !values || !offs ||
              read_column(f, "spectra/offset", H5T_NATIVE_UINT64, offs, ns) < 0 ||
              read_column(f, "spectra/values", H5T_NATIVE_DOUBLE, values, total) < 0;
    for (size_t i = 0; !bad && i < ns; ++i) {
        dse_store_spectrum_t *sp = &s->spectra[i];
        bad = offs[i] + sp->length > total ||
              !(sp->values = DSE_MALLOC((size_t)sp->length, sizeof(double), err));
        if (!bad) memcpy(sp->values, values + offs[i], sp->length * sizeof(double));
    }
    free(values);
    free(offs);
    return bad ? -1 : 0;
}

/* Every table of the open file f into s. Returns 0 on success. */
static int read_tables(hid_t f, dse_store_t *s, dse_err_t *err)
{
    void *rows;
    size_t n;
    int bad = read_attributes(f, &dse_file_table, s, err) < 0;
    bad |= read_table(f, &dse_checkpoint_table, &rows, &n, err) < 0;
    s->checkpoints = rows;
    s->n_checkpoints = s->cap_checkpoints = n;
    bad |= read_table(f, &dse_result_table, &rows, &n, err) < 0;
    s->results = rows;
    s->n_results = s->cap_results = n;
    bad |= read_table(f, &dse_spectrum_table, &rows, &n, err) < 0;
    s->spectra = rows;
    s->n_spectra = s->cap_spectra = n;
    return bad || read_spectra_values(f, s, err) < 0 ? -1 : 0;
}

int dse_store_read(const char *path, dse_store_t *s, dse_err_t *err)
{
    memset(s, 0, sizeof *s);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    struct stat st;
    if (stat(path, &st) != 0) /* "No such file or directory", not "not an HDF5 file" */
        return DSE_RAISE(err, DSE_EIO, "%s: cannot open the store: %s", path, strerror(errno));
    if (H5Fis_hdf5(path) <= 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: not a dsesweep store (not an HDF5 file)", path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return DSE_RAISE(err, DSE_EFORMAT, "%s: cannot open the store", path);
    char *format = read_string_attribute(f, "format", err);
    int rc = DSE_OK;
    if (!format || strcmp(format, STORE_FORMAT))
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: not a dsesweep store (format '%s')", path,
                       format ? format : "");
    free(format);
    if (rc == DSE_OK && read_tables(f, s, err) != 0)
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: the store is damaged (a table cannot be read)", path);
    if (rc == DSE_OK && read_reference(f, &s->reference, err) != 0)
        rc = DSE_RAISE(err, DSE_EFORMAT,
                       "%s: the store is damaged (its /reference group cannot be read)", path);
    H5Fclose(f);
    if (rc == DSE_OK) rc = dse_store_reindex(s, err);
    if (rc != DSE_OK) dse_store_free(s);
    return rc;
}
