/* store_hdf5.c — the store file: columnar tables written with parallel HDF5.
 *
 * Every table is a group of 1-D column datasets of equal length (strings as
 * fixed-length, NUL-padded; the width is the longest value + 1). The root's
 * tables are broadcast, then each rank writes a contiguous slice of rows of
 * every column with one collective H5Dwrite (a rank with no rows selects
 * none). Metadata operations are collective (H5Pset_all_coll_metadata_ops).
 */
#include <errno.h>
#include <fcntl.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "dsesweep/memory.h"

#include "dsesweep/group.h"
#include "dsesweep/store.h"
#include "dsesweep/version.h"

#define STORE_FORMAT "dsesweep-store 1"

typedef struct {
    MPI_Comm comm;
    int rank, size, root;
    hid_t file, dxpl;
    dse_err_t *err;
    int rc;
    const char *path;
} writer_t;

static void h5fail(writer_t *w, const char *what)
{
    if (w->rc == DSE_OK)
        w->rc = DSE_RAISE(w->err, DSE_EHDF5,
                          "%s.tmp: HDF5 %s failed (disk full or a file size limit?); %s is unchanged "
                          "and finished tasks are in %s.journal",
                          w->path, what, w->path, w->path);
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
    hid_t g = w->rc == DSE_OK ? H5Gcreate2(w->file, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT) : -1;
    if (g < 0) h5fail(w, "group create");
    agree(w);
    return g;
}

/* Rows [lo, hi) of `count` that this rank writes. */
static void my_slice(const writer_t *w, size_t count, size_t *lo, size_t *hi)
{
    *lo = count * (size_t)w->rank / (size_t)w->size;
    *hi = count * (size_t)(w->rank + 1) / (size_t)w->size;
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
        size_t lo, hi;
        my_slice(w, count, &lo, &hi);
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

/* Broadcasts `bytes` bytes from the root (allocating on the others). */
static void *bcast_buffer(writer_t *w, const void *root_data, size_t bytes)
{
    void *buf = malloc(bytes ? bytes : 1);
    if (!buf) return NULL;
    if (w->rank == w->root && bytes) memcpy(buf, root_data, bytes);
    for (size_t off = 0; off < bytes; off += (size_t)1 << 30) {
        size_t n = bytes - off < ((size_t)1 << 30) ? bytes - off : ((size_t)1 << 30);
        MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, w->root, w->comm);
    }
    return buf;
}

/* A numeric column gathered on the root by a getter, broadcast, written. */
#define NUM_COLUMN(w, group, name, ctype, h5type, count, expr)                                    \
    do {                                                                                           \
        ctype *col_ = calloc((count) + 1, sizeof(ctype));                                          \
        if ((w)->rank == (w)->root)                                                                \
            for (size_t i = 0; i < (count); ++i)                                                   \
                col_[i] = (ctype)(expr);                                                           \
        ctype *all_ = bcast_buffer((w), col_, (count) * sizeof(ctype));                            \
        write_column((w), (group), (name), (h5type), all_, (count), sizeof(ctype));                \
        free(col_);                                                                                \
        free(all_);                                                                                \
    } while (0)

/* A string column: fixed width = longest + 1. */
static void string_column(writer_t *w, hid_t group, const char *name, size_t count,
                          const char *(*get)(const dse_store_t *, size_t), const dse_store_t *s)
{
    unsigned long long width = 1;
    if (w->rank == w->root)
        for (size_t i = 0; i < count; ++i) {
            size_t n = strlen(get(s, i)) + 1;
            if (n > width) width = n;
        }
    MPI_Bcast(&width, 1, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    char *packed = calloc(count * width + 1, 1);
    if (w->rank == w->root)
        for (size_t i = 0; i < count; ++i)
            memcpy(packed + i * width, get(s, i), strlen(get(s, i)));
    char *all = bcast_buffer(w, packed, count * width);
    hid_t type = H5Tcopy(H5T_C_S1);
    H5Tset_size(type, (size_t)width);
    H5Tset_strpad(type, H5T_STR_NULLPAD);
    write_column(w, group, name, type, all, count, (size_t)width);
    H5Tclose(type);
    free(packed);
    free(all);
}

static const char *ck_path(const dse_store_t *s, size_t i) { return s->checkpoints[i].path; }
static const char *ck_run(const dse_store_t *s, size_t i) { return s->checkpoints[i].run; }
static const char *res_quantity(const dse_store_t *s, size_t i) { return s->results[i].quantity; }
static const char *res_family(const dse_store_t *s, size_t i) { return s->results[i].family; }
static const char *res_error(const dse_store_t *s, size_t i) { return s->results[i].error; }

static void string_attribute(writer_t *w, hid_t obj, const char *name, const char *root_value)
{
    if (w->rc != DSE_OK) return; /* agreed: every rank returns here */
    unsigned long long len = w->rank == w->root ? strlen(root_value) : 0;
    MPI_Bcast(&len, 1, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    char *v = bcast_buffer(w, root_value, (size_t)len);
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

/* The /reference group: the clustering of X (labels + what it was made from). */
static void write_reference(writer_t *w, const dse_store_reference_t *r)
{
    int have = w->rank == w->root && r->path != NULL;
    MPI_Bcast(&have, 1, MPI_INT, w->root, w->comm);
    if (!have) return;
    unsigned long long n = w->rank == w->root ? r->n : 0;
    MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, w->root, w->comm);
    hid_t g = table_group(w, "reference");
    char sum[32] = "";
    if (w->rank == w->root) snprintf(sum, sizeof sum, "%016llx", (unsigned long long)r->checksum);
    string_attribute(w, g, "path", w->rank == w->root ? r->path : "");
    string_attribute(w, g, "checksum", sum);
    string_attribute(w, g, "created", w->rank == w->root ? r->created : "");
    number_attribute(w, g, "n", H5T_NATIVE_UINT64, &r->n, sizeof r->n);
    number_attribute(w, g, "d", H5T_NATIVE_UINT64, &r->d, sizeof r->d);
    number_attribute(w, g, "knn", H5T_NATIVE_INT32, &r->knn, sizeof r->knn);
    number_attribute(w, g, "n_clusters", H5T_NATIVE_INT32, &r->n_clusters, sizeof r->n_clusters);
    number_attribute(w, g, "components", H5T_NATIVE_UINT64, &r->components, sizeof r->components);
    number_attribute(w, g, "seconds", H5T_NATIVE_DOUBLE, &r->seconds, sizeof r->seconds);
    number_attribute(w, g, "ranks", H5T_NATIVE_INT32, &r->ranks, sizeof r->ranks);
    int32_t *all =
        bcast_buffer(w, w->rank == w->root ? r->labels : NULL, (size_t)n * sizeof(int32_t));
    if (!all) h5fail(w, "labels buffer");
    agree(w);
    if (all) write_column(w, g, "labels", H5T_NATIVE_INT32, all, (size_t)n, sizeof(int32_t));
    free(all);
    if (g >= 0) H5Gclose(g);
}

/* Rank root: a generous estimate of the file's bytes (data, string widths,
 * HDF5 metadata) so that a full disk is refused before HDF5 is involved. */
static double estimated_bytes(const dse_store_t *s)
{
    double b = 32.0 * 1024 + (s->config_text ? (double)strlen(s->config_text) : 0);
    size_t pw = 1, rw = 1, ew = 1;
    for (size_t i = 0; i < s->n_checkpoints; ++i) {
        pw = strlen(s->checkpoints[i].path) + 1 > pw ? strlen(s->checkpoints[i].path) + 1 : pw;
        rw = strlen(s->checkpoints[i].run) + 1 > rw ? strlen(s->checkpoints[i].run) + 1 : rw;
    }
    for (size_t i = 0; i < s->n_results; ++i)
        ew = strlen(s->results[i].error) + 1 > ew ? strlen(s->results[i].error) + 1 : ew;
    b += (double)s->n_checkpoints * (double)(pw + rw + 7 * 8);
    b += (double)s->n_results * (double)(ew + 32 + 16 + 8 * 5 + 4 * 2);
    for (size_t i = 0; i < s->n_spectra; ++i)
        b += 8.0 * (double)s->spectra[i].length + 32;
    b += 4.0 * (double)s->reference.n +
         (s->reference.path ? 1024.0 + (double)strlen(s->reference.path) : 0);
    return 1.25 * b;
}

int dse_store_write(MPI_Comm comm, int root, const char *path, const dse_store_t *s,
                    dse_err_t *err)
{
    writer_t w = {comm, 0, 0, root, -1, -1, err, DSE_OK, path};
    MPI_Comm_rank(comm, &w.rank);
    MPI_Comm_size(comm, &w.size);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (w.rank == root) {
        /* A full disk is the common failure: refuse it here, with figures. */
        char *copy = strdup(path);
        struct statvfs fs;
        double need = estimated_bytes(s);
        if (copy && statvfs(dirname(copy), &fs) == 0) {
            double avail = (double)fs.f_bavail * (double)fs.f_frsize;
            if (avail < need) {
                char a[32], b[32];
                w.rc = DSE_RAISE(err, DSE_EIO,
                                 "%s: not enough space for the new store: %s free, about %s "
                                 "needed; %s is unchanged and finished tasks are in %s.journal",
                                 path, dse_format_bytes(avail, a, sizeof a),
                                 dse_format_bytes(need, b, sizeof b), path, path);
            }
        }
        free(copy);
    }
    int early = dse_comm_agree(comm, w.rc, err);
    if (early != DSE_OK) return early;
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL);
    H5Pset_all_coll_metadata_ops(fapl, 1);
    H5Pset_coll_metadata_write(fapl, 1);
    w.file = H5Fcreate(tmp, H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (w.file < 0)
        w.rc = DSE_RAISE(err, DSE_EIO, "%s: cannot create the store (is the directory there and writable?)", tmp);
    int rc = dse_comm_agree(comm, w.rc, err);
    if (rc != DSE_OK) return rc;
    w.dxpl = H5Pcreate(H5P_DATASET_XFER);
    H5Pset_dxpl_mpio(w.dxpl, H5FD_MPIO_COLLECTIVE);

    unsigned long long counts[3] = {s->n_checkpoints, s->n_results, s->n_spectra};
    MPI_Bcast(counts, 3, MPI_UNSIGNED_LONG_LONG, root, comm);
    size_t nc = counts[0], nr = counts[1], ns = counts[2];

    /* Attributes of the file. */
    char fp[32] = "", version[64] = DSESWEEP_VERSION;
    if (w.rank == root) snprintf(fp, sizeof fp, "%016llx", (unsigned long long)s->fingerprint);
    string_attribute(&w, w.file, "format", STORE_FORMAT);
    string_attribute(&w, w.file, "dsesweep_version", version);
    string_attribute(&w, w.file, "config", w.rank == root && s->config_text ? s->config_text : "");
    string_attribute(&w, w.file, "config_fingerprint", fp);
    string_attribute(&w, w.file, "started", w.rank == root ? s->started : "");
    string_attribute(&w, w.file, "finished", w.rank == root ? s->finished : "");

    dse_test_slow_io();
    hid_t g = table_group(&w, "checkpoints");
    string_column(&w, g, "path", nc, ck_path, s);
    string_column(&w, g, "run", nc, ck_run, s);
    NUM_COLUMN(&w, g, "step", int64_t, H5T_NATIVE_INT64, nc, s->checkpoints[i].step);
    NUM_COLUMN(&w, g, "n", uint64_t, H5T_NATIVE_UINT64, nc, s->checkpoints[i].n);
    NUM_COLUMN(&w, g, "d", uint64_t, H5T_NATIVE_UINT64, nc, s->checkpoints[i].d);
    NUM_COLUMN(&w, g, "n_used", uint64_t, H5T_NATIVE_UINT64, nc, s->checkpoints[i].n_used);
    NUM_COLUMN(&w, g, "file_size", uint64_t, H5T_NATIVE_UINT64, nc, s->checkpoints[i].file_size);
    NUM_COLUMN(&w, g, "mtime", int64_t, H5T_NATIVE_INT64, nc, s->checkpoints[i].mtime);
    NUM_COLUMN(&w, g, "checksum", uint64_t, H5T_NATIVE_UINT64, nc, s->checkpoints[i].checksum);
    if (g >= 0) H5Gclose(g);

    dse_test_slow_io();
    g = table_group(&w, "results");
    NUM_COLUMN(&w, g, "checkpoint", int64_t, H5T_NATIVE_INT64, nr, s->results[i].checkpoint);
    string_column(&w, g, "quantity", nr, res_quantity, s);
    string_column(&w, g, "family", nr, res_family, s);
    NUM_COLUMN(&w, g, "t", double, H5T_NATIVE_DOUBLE, nr, s->results[i].t);
    NUM_COLUMN(&w, g, "sigma", double, H5T_NATIVE_DOUBLE, nr, s->results[i].sigma);
    NUM_COLUMN(&w, g, "value", double, H5T_NATIVE_DOUBLE, nr, s->results[i].value);
    NUM_COLUMN(&w, g, "status", int32_t, H5T_NATIVE_INT32, nr, s->results[i].status);
    string_column(&w, g, "error", nr, res_error, s);
    NUM_COLUMN(&w, g, "seconds", double, H5T_NATIVE_DOUBLE, nr, s->results[i].seconds);
    NUM_COLUMN(&w, g, "ranks", int32_t, H5T_NATIVE_INT32, nr, s->results[i].ranks);
    if (g >= 0) H5Gclose(g);

    dse_test_slow_io();
    g = table_group(&w, "spectra");
    NUM_COLUMN(&w, g, "checkpoint", int64_t, H5T_NATIVE_INT64, ns, s->spectra[i].checkpoint);
    NUM_COLUMN(&w, g, "sigma", double, H5T_NATIVE_DOUBLE, ns, s->spectra[i].sigma);
    NUM_COLUMN(&w, g, "length", uint64_t, H5T_NATIVE_UINT64, ns, s->spectra[i].length);
    unsigned long long total = 0;
    uint64_t *offsets = calloc(ns + 1, sizeof *offsets);
    if (w.rank == root)
        for (size_t i = 0; i < ns; ++i) {
            offsets[i] = total;
            total += s->spectra[i].length;
        }
    NUM_COLUMN(&w, g, "offset", uint64_t, H5T_NATIVE_UINT64, ns, offsets[i]);
    MPI_Bcast(&total, 1, MPI_UNSIGNED_LONG_LONG, root, comm);
    double *values = w.rank == root ? malloc((size_t)total * sizeof *values + 1) : NULL;
    if (w.rank == root)
        for (size_t i = 0; i < ns; ++i)
            memcpy(values + offsets[i], s->spectra[i].values, s->spectra[i].length * sizeof *values);
    double *all = bcast_buffer(&w, values, (size_t)total * sizeof *values);
    write_column(&w, g, "values", H5T_NATIVE_DOUBLE, all, (size_t)total, sizeof(double));
    free(all);
    free(values);
    free(offsets);
    if (g >= 0) H5Gclose(g);

    dse_test_slow_io();
    write_reference(&w, &s->reference);

    H5Pclose(w.dxpl);
    if (w.rc != DSE_OK) {
        /* A collective write failed part-way (quota, a disk filled by someone
         * else): parallel HDF5 cannot always close such a file collectively
         * (ranks' metadata caches differ and H5Fclose can hang). The old store
         * is untouched and the journal holds every finished task, so stop the
         * job here rather than risk a hang. */
        rc = dse_comm_agree(comm, w.rc, err);
        if (w.rank == root) {
            fprintf(stderr, "dsesweep: error: %s\n", err->msg);
            remove(tmp);
        }
        MPI_Barrier(comm);
        MPI_Abort(comm, 1);
    }
    if (H5Fclose(w.file) < 0) h5fail(&w, "file close");
    rc = dse_comm_agree(comm, w.rc, err);
    if (rc == DSE_OK && w.rank == root) {
        /* The complete file replaces the old one in one step. */
        int fd = open(tmp, O_RDONLY);
        if (fd >= 0) {
            fsync(fd);
            close(fd);
        }
        if (rename(tmp, path) != 0)
            rc = DSE_RAISE(err, DSE_EIO, "%s: cannot move the new store into place: %s", path,
                           strerror(errno));
    }
    if (rc != DSE_OK && w.rank == root) remove(tmp);
    return dse_comm_agree(comm, rc, err);
}

/* ---- reading (serial) ----------------------------------------------------- */

static int read_column(hid_t file, const char *name, hid_t memtype, void *buf, size_t count)
{
    if (count == 0) return 0;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return -1;
    herr_t r = H5Dread(d, memtype, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
    H5Dclose(d);
    return r < 0 ? -1 : 0;
}

static size_t column_length(hid_t file, const char *name)
{
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) return 0;
    hid_t sp = H5Dget_space(d);
    hsize_t n = 0;
    H5Sget_simple_extent_dims(sp, &n, NULL);
    H5Sclose(sp);
    H5Dclose(d);
    return (size_t)n;
}

/* Reads a fixed-length string column into count malloc'd strings. */
static char **read_strings(hid_t file, const char *name, size_t count)
{
    char **out = calloc(count + 1, sizeof *out);
    if (!out || count == 0) return out;
    hid_t d = H5Dopen2(file, name, H5P_DEFAULT);
    if (d < 0) {
        free(out);
        return NULL;
    }
    hid_t ft = H5Dget_type(d);
    size_t width = H5Tget_size(ft);
    hid_t mt = H5Tcopy(H5T_C_S1);
    H5Tset_size(mt, width);
    H5Tset_strpad(mt, H5T_STR_NULLPAD);
    char *buf = calloc(count * width + 1, 1);
    int ok = buf && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0;
    for (size_t i = 0; ok && i < count; ++i)
        out[i] = strndup(buf + i * width, width);
    free(buf);
    H5Tclose(mt);
    H5Tclose(ft);
    H5Dclose(d);
    if (!ok) {
        free(out);
        return NULL;
    }
    return out;
}

static char *read_string_attribute(hid_t file, const char *name)
{
    if (H5Aexists(file, name) <= 0) return strdup("");
    hid_t a = H5Aopen(file, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a);
    size_t n = H5Tget_size(t);
    char *v = calloc(n + 1, 1);
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

/* The /reference group, when the store has one. Returns 0 on success. */
static int read_reference(hid_t f, dse_store_reference_t *r)
{
    if (H5Lexists(f, "reference", H5P_DEFAULT) <= 0) return 0;
    hid_t g = H5Gopen2(f, "reference", H5P_DEFAULT);
    if (g < 0) return -1;
    int bad = read_number_attribute(g, "n", H5T_NATIVE_UINT64, &r->n) < 0 ||
              read_number_attribute(g, "d", H5T_NATIVE_UINT64, &r->d) < 0 ||
              read_number_attribute(g, "knn", H5T_NATIVE_INT32, &r->knn) < 0 ||
              read_number_attribute(g, "n_clusters", H5T_NATIVE_INT32, &r->n_clusters) < 0 ||
              read_number_attribute(g, "components", H5T_NATIVE_UINT64, &r->components) < 0 ||
              read_number_attribute(g, "seconds", H5T_NATIVE_DOUBLE, &r->seconds) < 0 ||
              read_number_attribute(g, "ranks", H5T_NATIVE_INT32, &r->ranks) < 0;
    char *sum = read_string_attribute(g, "checksum"),
         *created = read_string_attribute(g, "created");
    r->path = read_string_attribute(g, "path");
    if (sum) r->checksum = strtoull(sum, NULL, 16);
    if (created) snprintf(r->created, sizeof r->created, "%s", created);
    free(sum);
    free(created);
    bad |= !r->path || !*r->path || column_length(g, "labels") != r->n;
    if (!bad) {
        r->labels = malloc((size_t)r->n * sizeof *r->labels + 1);
        bad = !r->labels || read_column(g, "labels", H5T_NATIVE_INT32, r->labels, (size_t)r->n) < 0;
    }
    for (uint64_t i = 0; !bad && i < r->n; ++i)
        bad = r->labels[i] < 0 || r->labels[i] >= r->n_clusters;
    H5Gclose(g);
    if (bad) dse_store_reference_free(r);
    return bad ? -1 : 0;
}

int dse_store_read(const char *path, dse_store_t *s, dse_err_t *err)
{
    memset(s, 0, sizeof *s);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: not a dsesweep store (not an HDF5 file)", path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) return DSE_RAISE(err, DSE_EFORMAT, "%s: cannot open the store", path);
    char *format = read_string_attribute(f, "format");
    int rc = DSE_OK;
    if (strcmp(format, STORE_FORMAT))
        rc = DSE_RAISE(err, DSE_EFORMAT, "%s: not a dsesweep store (format '%s')", path, format);
    free(format);
    if (rc == DSE_OK) {
        s->config_text = read_string_attribute(f, "config");
        char *fp = read_string_attribute(f, "config_fingerprint");
        s->fingerprint = strtoull(fp, NULL, 16);
        free(fp);
        char *t = read_string_attribute(f, "started");
        snprintf(s->started, sizeof s->started, "%s", t);
        free(t);
    }
    size_t nc = column_length(f, "checkpoints/step"), nr = column_length(f, "results/value"),
           ns = column_length(f, "spectra/length");
    s->checkpoints = calloc(nc + 1, sizeof *s->checkpoints);
    s->results = calloc(nr + 1, sizeof *s->results);
    s->spectra = calloc(ns + 1, sizeof *s->spectra);
    s->n_checkpoints = s->cap_checkpoints = nc;
    s->n_results = s->cap_results = nr;
    s->n_spectra = s->cap_spectra = ns;
    int bad = rc != DSE_OK || !s->checkpoints || !s->results || !s->spectra;
    /* Checkpoints */
    int64_t *i64 = calloc(nc + nr + ns + 1, sizeof *i64);
    uint64_t *u64 = calloc(nc + nr + ns + 1, sizeof *u64);
    double *f64 = calloc(nc + nr + ns + 1, sizeof *f64);
    int32_t *i32 = calloc(nc + nr + ns + 1, sizeof *i32);
    char **paths = bad ? NULL : read_strings(f, "checkpoints/path", nc);
    char **runs = bad ? NULL : read_strings(f, "checkpoints/run", nc);
    bad |= !paths || !runs;
#define COL(name, type, buf, field, table, count)                                                  \
    if (!bad) {                                                                                    \
        bad |= read_column(f, name, type, buf, count) < 0;                                         \
        for (size_t i = 0; !bad && i < (count); ++i)                                               \
            s->table[i].field = buf[i];                                                            \
    }
    for (size_t i = 0; !bad && i < nc; ++i) {
        s->checkpoints[i].path = paths[i];
        s->checkpoints[i].run = runs[i];
    }
    COL("checkpoints/step", H5T_NATIVE_INT64, i64, step, checkpoints, nc);
    COL("checkpoints/n", H5T_NATIVE_UINT64, u64, n, checkpoints, nc);
    COL("checkpoints/d", H5T_NATIVE_UINT64, u64, d, checkpoints, nc);
    COL("checkpoints/n_used", H5T_NATIVE_UINT64, u64, n_used, checkpoints, nc);
    COL("checkpoints/file_size", H5T_NATIVE_UINT64, u64, file_size, checkpoints, nc);
    COL("checkpoints/mtime", H5T_NATIVE_INT64, i64, mtime, checkpoints, nc);
    COL("checkpoints/checksum", H5T_NATIVE_UINT64, u64, checksum, checkpoints, nc);
    char **q = bad ? NULL : read_strings(f, "results/quantity", nr);
    char **fam = bad ? NULL : read_strings(f, "results/family", nr);
    char **errs = bad ? NULL : read_strings(f, "results/error", nr);
    bad |= !q || !fam || !errs;
    for (size_t i = 0; !bad && i < nr; ++i) {
        snprintf(s->results[i].quantity, sizeof s->results[i].quantity, "%s", q[i]);
        snprintf(s->results[i].family, sizeof s->results[i].family, "%s", fam[i]);
        s->results[i].error = errs[i];
        errs[i] = NULL;
    }
    COL("results/checkpoint", H5T_NATIVE_INT64, i64, checkpoint, results, nr);
    COL("results/t", H5T_NATIVE_DOUBLE, f64, t, results, nr);
    COL("results/sigma", H5T_NATIVE_DOUBLE, f64, sigma, results, nr);
    COL("results/value", H5T_NATIVE_DOUBLE, f64, value, results, nr);
    COL("results/status", H5T_NATIVE_INT32, i32, status, results, nr);
    COL("results/seconds", H5T_NATIVE_DOUBLE, f64, seconds, results, nr);
    COL("results/ranks", H5T_NATIVE_INT32, i32, ranks, results, nr);
    COL("spectra/checkpoint", H5T_NATIVE_INT64, i64, checkpoint, spectra, ns);
    COL("spectra/sigma", H5T_NATIVE_DOUBLE, f64, sigma, spectra, ns);
    COL("spectra/length", H5T_NATIVE_UINT64, u64, length, spectra, ns);
#undef COL
    size_t total = column_length(f, "spectra/values");
    double *values = bad ? NULL : malloc(total * sizeof *values + 1);
    uint64_t *offs = calloc(ns + 1, sizeof *offs);
    if (!bad) bad |= !values || !offs || read_column(f, "spectra/offset", H5T_NATIVE_UINT64, offs, ns) < 0 ||
                     read_column(f, "spectra/values", H5T_NATIVE_DOUBLE, values, total) < 0;
    for (size_t i = 0; !bad && i < ns; ++i) {
        if (offs[i] + s->spectra[i].length > total) {
            bad = 1;
            break;
        }
        s->spectra[i].values = malloc(s->spectra[i].length * sizeof(double) + 1);
        memcpy(s->spectra[i].values, values + offs[i], s->spectra[i].length * sizeof(double));
    }
    for (size_t i = 0; q && i < nr; ++i)
        free(q[i]);
    for (size_t i = 0; fam && i < nr; ++i)
        free(fam[i]);
    for (size_t i = 0; errs && i < nr; ++i)
        free(errs[i]);
    free(q);
    free(fam);
    free(errs);
    free(paths);
    free(runs);
    free(values);
    free(offs);
    free(i64);
    free(u64);
    free(f64);
    free(i32);
    if (!bad && read_reference(f, &s->reference) != 0) {
        rc = DSE_RAISE(err, DSE_EFORMAT,
                       "%s: the store is damaged (its /reference group cannot be read)", path);
        bad = 1;
    }
    H5Fclose(f);
    if (bad) {
        if (rc == DSE_OK) rc = DSE_RAISE(err, DSE_EFORMAT, "%s: the store is damaged (a table cannot be read)", path);
        /* paths/runs were moved into the table rows or are freed with it. */
        dse_store_free(s);
    }
    return rc;
}
