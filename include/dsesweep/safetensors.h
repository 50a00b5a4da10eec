/* safetensors.h — locating one tensor in a .safetensors file.
 *
 * Layout: 8-byte little-endian header size H, H bytes of JSON, then the data.
 * The JSON is parsed with cJSON (Debian libcjson); only the glue that checks
 * sizes and offsets is ours, and it is fuzzed (tests/fuzz/fuzz_safetensors.c).
 */
#ifndef DSESWEEP_SAFETENSORS_H
#define DSESWEEP_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/dtype.h"
#include "dsesweep/error.h"

#define DSE_SAFETENSORS_MAX_DIMS 8
#define DSE_SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u)

typedef struct dse_safetensors_tensor {
    dse_dtype_t dtype;
    int ndim;
    uint64_t shape[DSE_SAFETENSORS_MAX_DIMS];
    uint64_t count;
    uint64_t data_offset; /* absolute offset in the file */
    uint64_t data_bytes;
} dse_safetensors_tensor_t;

/* Local. Returns the header size H from the first 8 bytes, checking it against
 * the file size and the 100 MiB cap of the format. */
int dse_safetensors_header_size(const uint8_t *first8, size_t len, uint64_t file_size,
                                const char *name, uint64_t *header_size, dse_err_t *err);

/* Local. Parses the JSON header (json, json_len bytes, not NUL-terminated) and
 * finds tensor `tensor` (NULL: the only tensor in the file). Checks dtype,
 * shape and that data_offsets lie inside the file. */
int dse_safetensors_find(const char *json, size_t json_len, uint64_t header_size,
                         uint64_t file_size, const char *name, const char *tensor,
                         dse_safetensors_tensor_t *out, dse_err_t *err);

#endif
