/* fuzz_safetensors.c — libFuzzer harness: safetensors header size and the
 * glue that checks dtype, shape and data_offsets around cJSON. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsesweep/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t hsize;
    dse_err_t err;
    if (dse_safetensors_header_size(data, size, size, "fuzz.safetensors", &hsize, &err) != DSE_OK)
        return 0;
    dse_safetensors_tensor_t t;
    dse_safetensors_find((const char *)data + 8, (size_t)hsize, hsize, size, "fuzz.safetensors",
                         NULL, &t, &err);
    dse_safetensors_find((const char *)data + 8, (size_t)hsize, hsize, size, "fuzz.safetensors",
                         "emb", &t, &err);
    return 0;
}
