/* npy.h — the NumPy .npy header (format versions 1.0, 2.0 and 3.0).
 *
 * Hand-written because no Debian C library parses it; fuzzed by
 * tests/fuzz/fuzz_npy_header.c. The parser only looks at bytes it is given
 * and never allocates.
 */
#ifndef DSESWEEP_NPY_H
#define DSESWEEP_NPY_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/dtype.h"
#include "dsesweep/error.h"

#define DSE_NPY_MAX_DIMS 8

typedef struct dse_npy_header {
    int major, minor;
    dse_dtype_t dtype;
    int fortran_order;
    int ndim;
    uint64_t shape[DSE_NPY_MAX_DIMS];
    uint64_t count;       /* product of shape (1 for a 0-d array) */
    uint64_t data_offset; /* bytes before the first element */
    uint64_t data_bytes;  /* count * dtype.size, overflow-checked */
} dse_npy_header_t;

/* Local. Parses the header at the start of buf (len bytes available, which may
 * be the whole file or just its first bytes). `name` is used in messages.
 * Errors (DSE_EFORMAT / DSE_EDTYPE): "<name>: <problem>". Does not check that
 * the data fits the file; see dse_npy_check_size. */
int dse_npy_parse_header(const uint8_t *buf, size_t len, const char *name, dse_npy_header_t *hdr,
                         dse_err_t *err);

/* Local. Fails with "<name>: shape (...) needs N bytes of data but the file
 * holds M" when the file is too short for the header's shape. */
int dse_npy_check_size(const dse_npy_header_t *hdr, uint64_t file_size, const char *name,
                       dse_err_t *err);

/* Local. Writes "(490, 32)" style text of the shape into out. */
void dse_npy_shape_string(const dse_npy_header_t *hdr, char *out, size_t cap);

#endif

#ifndef DSESWEEP_NPY_WRITE_H
#define DSESWEEP_NPY_WRITE_H
/* Local. Writes a .npy file (format 1.0, or 2.0 when the header needs it)
 * holding `count` = prod(shape) values of `data` converted to dtype (float
 * kinds f2/f4/f8 and integer kinds; any byte order), in C order, or Fortran
 * order when fortran_order is set (data is still given in C order). The file
 * is written to PATH.tmp and renamed, so readers never see half a file. */
int dse_npy_write(const char *path, dse_dtype_t dtype, int ndim, const uint64_t *shape,
                  int fortran_order, const double *data, dse_err_t *err);

/* Local. Encodes one double as dtype into out (dtype.size bytes). */
void dse_dtype_from_double(dse_dtype_t dt, double v, uint8_t *out);
#endif
