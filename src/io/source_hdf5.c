/* source_hdf5.c — HDF5 datasets (as written by h5py) behind dse_source_t.
 *
 * Opens with the default (serial) file driver: each rank reads its own rows
 * independently. The store (store.c) is the only parallel-HDF5 writer.
 */
#include <errno.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source_internal.h"

typedef struct {
    char name[256];
    int count;
} single_dataset_t;

static herr_t find_dataset(hid_t group, const char *name, const H5L_info_t *info, void *data)
{
    (void)info;
    single_dataset_t *found = data;
    H5O_info_t oinfo;
    if (H5Oget_info_by_name2(group, name, &oinfo, H5O_INFO_BASIC, H5P_DEFAULT) < 0) return 0;
    if (oinfo.type == H5O_TYPE_DATASET) {
        if (found->count == 0) snprintf(found->name, sizeof found->name, "%s", name);
        found->count++;
    }
    return 0;
}

static int hdf5_read_rows(dse_source_t *src, const size_t *rows, size_t count, double *out,
                          dse_err_t *err)
{
    hid_t fspace = H5Dget_space((hid_t)src->h5_dset);
    if (fspace < 0) return DSE_RAISE(err, DSE_EHDF5, "%s: cannot get the dataspace", src->name);
    int ndim = H5Sget_simple_extent_ndims(fspace);
    hsize_t dims[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(fspace, dims, NULL);
    int rc = DSE_OK;
    size_t i = 0;
    while (i < count && rc == DSE_OK) {
        size_t run = 1;
        while (i + run < count && rows[i + run] == rows[i] + run)
            run++;
        hsize_t start[H5S_MAX_RANK] = {0}, block[H5S_MAX_RANK];
        start[0] = rows[i];
        block[0] = run;
        for (int k = 1; k < ndim; ++k)
            block[k] = dims[k];
        hsize_t mcount = (hsize_t)(run * src->cols);
        hid_t mspace = H5Screate_simple(1, &mcount, NULL);
        if (mspace < 0 ||
            H5Sselect_hyperslab(fspace, H5S_SELECT_SET, start, NULL, block, NULL) < 0 ||
            H5Dread((hid_t)src->h5_dset, H5T_NATIVE_DOUBLE, mspace, fspace, H5P_DEFAULT,
                    out + i * src->cols) < 0)
            rc = DSE_RAISE(err, DSE_EHDF5, "%s: cannot read rows %zu..%zu", src->name, rows[i],
                           rows[i] + run - 1);
        if (mspace >= 0) H5Sclose(mspace);
        i += run;
    }
    H5Sclose(fspace);
    return rc;
}

int dse_source_hdf5_read_keys(dse_source_t *src, uint64_t *out, int *is_signed, dse_err_t *err)
{
    hid_t t = H5Dget_type((hid_t)src->h5_dset);
    *is_signed = t >= 0 && H5Tget_sign(t) == H5T_SGN_2;
    if (t >= 0) H5Tclose(t);
    /* HDF5 converts integers to 64-bit integers exactly. */
    if (H5Dread((hid_t)src->h5_dset, *is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64, H5S_ALL,
                H5S_ALL, H5P_DEFAULT, out) < 0)
        return DSE_RAISE(err, DSE_EHDF5, "%s: cannot read the labels as integers", src->name);
    if (*is_signed)
        for (size_t i = 0; i < src->rows * src->cols; ++i)
            out[i] ^= (uint64_t)1 << 63;
    return DSE_OK;
}

static void hdf5_close(dse_source_t *src)
{
    if (src->h5_dset >= 0) H5Dclose((hid_t)src->h5_dset);
    if (src->h5_file >= 0) H5Fclose((hid_t)src->h5_file);
    src->h5_dset = src->h5_file = -1;
}

static const dse_source_ops_t hdf5_ops = {hdf5_read_rows, hdf5_close};

int dse_source_open_hdf5(dse_source_t *src, const char *dataset, dse_err_t *err)
{
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL); /* we report errors ourselves */
    src->ops = &hdf5_ops;
    FILE *probe = fopen(src->path, "rb");
    if (!probe) return DSE_RAISE(err, DSE_EIO, "%s: cannot open: %s", src->name, strerror(errno));
    fseek(probe, 0, SEEK_END);
    src->file_size = (uint64_t)ftell(probe);
    fclose(probe);
    if (H5Fis_hdf5(src->path) <= 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: not an HDF5 file (or a corrupt one)", src->name);
    hid_t file = H5Fopen(src->path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (file < 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: cannot open as HDF5 (corrupt or truncated)",
                         src->name);
    src->h5_file = file;
    single_dataset_t found = {"", 0};
    if (!dataset) {
        H5Literate(file, H5_INDEX_NAME, H5_ITER_INC, NULL, find_dataset, &found);
        if (found.count != 1)
            return DSE_RAISE(err, DSE_EUSAGE,
                             "%s: holds %d datasets at the root; name one as %s:DATASET", src->name,
                             found.count, src->name);
        dataset = found.name;
    } else if (H5Lexists(file, dataset, H5P_DEFAULT) <= 0) {
        return DSE_RAISE(err, DSE_EFORMAT, "%s: no dataset '%s'", src->name, dataset);
    }
    hid_t dset = H5Dopen2(file, dataset, H5P_DEFAULT);
    if (dset < 0)
        return DSE_RAISE(err, DSE_EFORMAT, "%s: '%s' is not a dataset", src->name, dataset);
    src->h5_dset = dset;
    hid_t type = H5Dget_type(dset);
    H5T_class_t cls = H5Tget_class(type);
    size_t size = H5Tget_size(type);
    H5T_order_t order = H5Tget_order(type);
    H5T_sign_t sign = cls == H5T_INTEGER ? H5Tget_sign(type) : H5T_SGN_NONE;
    H5Tclose(type);
    if (cls != H5T_FLOAT && cls != H5T_INTEGER)
        return DSE_RAISE(err, DSE_EDTYPE,
                         "%s: unsupported dtype in '%s' (need a float or integer dataset)",
                         src->name, dataset);
    snprintf(src->dtype_name, sizeof src->dtype_name, "%c%c%zu", order == H5T_ORDER_BE ? '>' : '<',
             cls == H5T_FLOAT ? 'f' : (sign == H5T_SGN_NONE ? 'u' : 'i'), size);
    src->is_integer = cls == H5T_INTEGER;
    hid_t space = H5Dget_space(dset);
    int ndim = H5Sget_simple_extent_ndims(space);
    hsize_t dims[H5S_MAX_RANK];
    uint64_t shape[H5S_MAX_RANK];
    H5Sget_simple_extent_dims(space, dims, NULL);
    H5Sclose(space);
    if (ndim < 0)
        return DSE_RAISE(err, DSE_EHDF5, "%s: cannot read the shape of '%s'", src->name, dataset);
    for (int k = 0; k < ndim; ++k)
        shape[k] = dims[k];
    return dse_source_set_shape(src, ndim, shape, err);
}
