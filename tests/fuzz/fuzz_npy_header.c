/* fuzz_npy_header.c — libFuzzer harness: the hand-written .npy header parser. */
#include <stddef.h>
#include <stdint.h>

#include "dsesweep/npy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dse_npy_header_t h;
    dse_err_t err;
    if (dse_npy_parse_header(data, size, "fuzz.npy", &h, &err) == DSE_OK) {
        char shape[512];
        dse_npy_shape_string(&h, shape, sizeof shape);
        dse_npy_check_size(&h, (uint64_t)size, "fuzz.npy", &err);
        /* Decoding a few elements of whatever follows must be safe too. */
        if (h.data_offset <= size && h.dtype.size > 0) {
            size_t n = (size - (size_t)h.data_offset) / (size_t)h.dtype.size;
            double out[16];
            dse_dtype_to_double(h.dtype, data + h.data_offset, n < 16 ? n : 16, out, 1);
        }
    }
    return 0;
}
