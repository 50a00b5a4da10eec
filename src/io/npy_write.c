/* npy_write.c — writing .npy files (generator, tests, extraction glue). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/npy.h"

static uint16_t double_to_half(double v)
{
    /* Round-to-nearest-even conversion through float's bit pattern. */
    float f = (float)v;
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000;
    int32_t exp = (int32_t)((x >> 23) & 0xff) - 127 + 15;
    uint32_t mant = x & 0x7fffff;
    if (((x >> 23) & 0xff) == 0xff) return (uint16_t)(sign | 0x7c00 | (mant ? 0x200 : 0));
    if (exp >= 31) return (uint16_t)(sign | 0x7c00);
    if (exp <= 0) {
        if (exp < -10) return (uint16_t)sign;
        mant |= 0x800000;
        uint32_t shift = (uint32_t)(14 - exp);
        uint32_t half = mant >> shift;
        uint32_t rem = mant & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t half = sign | ((uint32_t)exp << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (half & 1))) half++;
    return (uint16_t)half;
}

void dse_dtype_from_double(dse_dtype_t dt, double v, uint8_t *out)
{
    uint64_t bits = 0;
    switch (dt.kind) {
    case DSE_DT_F16:
        bits = double_to_half(v);
        break;
    case DSE_DT_BF16: {
        float f = (float)v;
        uint32_t b;
        memcpy(&b, &f, 4);
        bits = b >> 16;
        break;
    }
    case DSE_DT_F32: {
        float f = (float)v;
        uint32_t b;
        memcpy(&b, &f, 4);
        bits = b;
        break;
    }
    case DSE_DT_F64:
        memcpy(&bits, &v, 8);
        break;
    case DSE_DT_I8:
    case DSE_DT_I16:
    case DSE_DT_I32:
    case DSE_DT_I64:
        bits = (uint64_t)(int64_t)v;
        break;
    case DSE_DT_BOOL:
        bits = v != 0.0;
        break;
    default:
        bits = (uint64_t)v;
    }
    for (int i = 0; i < dt.size; ++i) {
        int shift = dt.big_endian ? 8 * (dt.size - 1 - i) : 8 * i;
        out[i] = (uint8_t)(bits >> shift);
    }
}

int dse_npy_write(const char *path, dse_dtype_t dtype, int ndim, const uint64_t *shape,
                  int fortran_order, const double *data, dse_err_t *err)
{
    if (ndim < 0 || ndim > DSE_NPY_MAX_DIMS)
        return DSE_RAISE(err, DSE_EUSAGE, "%s: cannot write %d dimensions", path, ndim);
    char dict[512];
    int len = snprintf(dict, sizeof dict, "{'descr': '%s', 'fortran_order': %s, 'shape': (",
                       dse_dtype_name(dtype), fortran_order ? "True" : "False");
    uint64_t count = 1;
    for (int i = 0; i < ndim; ++i) {
        len += snprintf(dict + len, sizeof dict - (size_t)len, "%s%llu", i ? ", " : "",
                        (unsigned long long)shape[i]);
        count *= shape[i];
    }
    len += snprintf(dict + len, sizeof dict - (size_t)len, "%s), }", ndim == 1 ? "," : "");
    /* Pad with spaces so that data starts on a 64-byte boundary; end with '\n'. */
    int version = (10 + len + 1 > 65535) ? 2 : 1;
    size_t prefix = version == 1 ? 10 : 12;
    size_t total = prefix + (size_t)len + 1;
    size_t padded = (total + 63) / 64 * 64;
    size_t header_len = padded - prefix;
    uint8_t *head = DSE_CALLOC(padded, 1, err);
    if (!head) return err->code;
    memcpy(head, "\x93NUMPY", 6);
    head[6] = (uint8_t)version;
    head[7] = 0;
    for (size_t i = 0; i < (version == 1 ? 2u : 4u); ++i)
        head[8 + i] = (uint8_t)(header_len >> (8 * i));
    memset(head + prefix, ' ', header_len);
    memcpy(head + prefix, dict, (size_t)len);
    head[padded - 1] = '\n';

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        free(head);
        return DSE_RAISE(err, DSE_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    }
    int ok = fwrite(head, 1, padded, f) == padded;
    free(head);
    uint8_t cell[8];
    uint64_t rows = ndim >= 1 ? shape[0] : 1;
    uint64_t cols = rows ? count / (rows ? rows : 1) : 0;
    for (uint64_t k = 0; ok && k < count; ++k) {
        /* Element k of the file; in Fortran order the file runs down columns. */
        uint64_t src = fortran_order && ndim == 2 ? (k % rows) * cols + k / rows : k;
        dse_dtype_from_double(dtype, data[src], cell);
        ok = fwrite(cell, 1, (size_t)dtype.size, f) == (size_t)dtype.size;
    }
    if (fclose(f) != 0) ok = 0;
    if (!ok) {
        remove(tmp);
        return DSE_RAISE(err, DSE_EIO, "%s: write failed: %s", path, strerror(errno));
    }
    if (rename(tmp, path) != 0) {
        remove(tmp);
        return DSE_RAISE(err, DSE_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    }
    return DSE_OK;
}
