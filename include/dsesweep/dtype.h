/* dtype.h — element types dsesweep reads from files, and their conversion to float64. */
#ifndef DSESWEEP_DTYPE_H
#define DSESWEEP_DTYPE_H

#include <stddef.h>
#include <stdint.h>

typedef enum dse_dtype_kind {
    DSE_DT_F16,
    DSE_DT_BF16,
    DSE_DT_F32,
    DSE_DT_F64,
    DSE_DT_I8,
    DSE_DT_I16,
    DSE_DT_I32,
    DSE_DT_I64,
    DSE_DT_U8,
    DSE_DT_U16,
    DSE_DT_U32,
    DSE_DT_U64,
    DSE_DT_BOOL
} dse_dtype_kind_t;

typedef struct dse_dtype {
    dse_dtype_kind_t kind;
    int size;       /* bytes per element */
    int big_endian; /* 1 if stored most-significant byte first */
} dse_dtype_t;

/* Local. 1 for integer and bool kinds. */
int dse_dtype_is_integer(dse_dtype_t dt);

/* Local. A numpy-style name such as "<f4" or ">i8". Static string. */
const char *dse_dtype_name(dse_dtype_t dt);

/* Local. Converts count elements at src (packed) to doubles written at
 * dst[0], dst[stride], dst[2*stride], ... */
void dse_dtype_to_double(dse_dtype_t dt, const uint8_t *src, size_t count, double *dst,
                         size_t stride);

/* Local. 1 for the signed integer kinds. */
int dse_dtype_is_signed(dse_dtype_t dt);

/* Local. Converts count packed integer (or bool) elements to exact 64-bit
 * keys whose order is the values' order: unsigned values as they are,
 * signed values sign-extended with the sign bit flipped. No float64. */
void dse_dtype_to_int_keys(dse_dtype_t dt, const uint8_t *src, size_t count, uint64_t *dst);

/* Local. IEEE half and bfloat16 bit patterns to double. */
double dse_half_to_double(uint16_t h);
double dse_bfloat16_to_double(uint16_t h);

#endif
