/* dtype.c — element decoding for .npy, safetensors and raw arrays. */
#include "dsesweep/dtype.h"

#include <math.h>
#include <string.h>

int dse_dtype_is_integer(dse_dtype_t dt)
{
    return dt.kind >= DSE_DT_I8;
}

const char *dse_dtype_name(dse_dtype_t dt)
{
    static const char *little[] = {"<f2", "<bf16", "<f4", "<f8", "|i1", "<i2", "<i4",
                                   "<i8", "|u1",   "<u2", "<u4", "<u8", "|b1"};
    static const char *big[] = {">f2", ">bf16", ">f4", ">f8", "|i1", ">i2", ">i4",
                                ">i8", "|u1",   ">u2", ">u4", ">u8", "|b1"};
    return dt.big_endian ? big[dt.kind] : little[dt.kind];
}

double dse_half_to_double(uint16_t h)
{
    int sign = (h >> 15) & 1;
    int exp = (h >> 10) & 0x1f;
    int mant = h & 0x3ff;
    double v;
    if (exp == 0)
        v = ldexp((double)mant, -24); /* subnormal */
    else if (exp == 31)
        v = mant ? NAN : INFINITY;
    else
        v = ldexp((double)(mant | 0x400), exp - 25);
    return sign ? -v : v;
}

double dse_bfloat16_to_double(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return (double)f;
}

/* Reads `size` bytes as an unsigned integer in the stored byte order. */
static uint64_t load_bits(const uint8_t *p, int size, int big_endian)
{
    uint64_t v = 0;
    if (big_endian)
        for (int i = 0; i < size; ++i)
            v = (v << 8) | p[i];
    else
        for (int i = size - 1; i >= 0; --i)
            v = (v << 8) | p[i];
    return v;
}

static double decode_one(dse_dtype_t dt, const uint8_t *p)
{
    uint64_t bits = load_bits(p, dt.size, dt.big_endian);
    switch (dt.kind) {
    case DSE_DT_F16:
        return dse_half_to_double((uint16_t)bits);
    case DSE_DT_BF16:
        return dse_bfloat16_to_double((uint16_t)bits);
    case DSE_DT_F32: {
        uint32_t b = (uint32_t)bits;
        float f;
        memcpy(&f, &b, sizeof f);
        return (double)f;
    }
    case DSE_DT_F64: {
        double d;
        memcpy(&d, &bits, sizeof d);
        return d;
    }
    case DSE_DT_I8:
        return (double)(int8_t)bits;
    case DSE_DT_I16:
        return (double)(int16_t)bits;
    case DSE_DT_I32:
        return (double)(int32_t)bits;
    case DSE_DT_I64:
        return (double)(int64_t)bits;
    case DSE_DT_U8:
    case DSE_DT_U16:
    case DSE_DT_U32:
    case DSE_DT_U64:
        return (double)bits;
    case DSE_DT_BOOL:
        return bits ? 1.0 : 0.0;
    }
    return NAN;
}

void dse_dtype_to_double(dse_dtype_t dt, const uint8_t *src, size_t count, double *dst,
                         size_t stride)
{
    /* Fast paths for the common native little-endian floats. */
    if (!dt.big_endian && dt.kind == DSE_DT_F32) {
        for (size_t i = 0; i < count; ++i) {
            float f;
            memcpy(&f, src + 4 * i, 4);
            dst[i * stride] = (double)f;
        }
        return;
    }
    if (!dt.big_endian && dt.kind == DSE_DT_F64) {
        for (size_t i = 0; i < count; ++i)
            memcpy(&dst[i * stride], src + 8 * i, 8);
        return;
    }
    for (size_t i = 0; i < count; ++i)
        dst[i * stride] = decode_one(dt, src + (size_t)dt.size * i);
}

int dse_dtype_is_signed(dse_dtype_t dt)
{
    return dt.kind == DSE_DT_I8 || dt.kind == DSE_DT_I16 || dt.kind == DSE_DT_I32 ||
           dt.kind == DSE_DT_I64;
}

void dse_dtype_to_int_keys(dse_dtype_t dt, const uint8_t *src, size_t count, uint64_t *dst)
{
    const uint64_t sign = (uint64_t)1 << 63;
    for (size_t i = 0; i < count; ++i) {
        uint64_t bits = load_bits(src + i * (size_t)dt.size, dt.size, dt.big_endian);
        if (dse_dtype_is_signed(dt)) {
            /* Sign-extend to 64 bits, then flip the sign bit: key order is
             * value order. */
            int shift = 64 - 8 * dt.size;
            int64_t v = shift ? (int64_t)(bits << shift) >> shift : (int64_t)bits;
            dst[i] = (uint64_t)v ^ sign;
        } else {
            dst[i] = dt.kind == DSE_DT_BOOL ? (bits != 0) : bits;
        }
    }
}
