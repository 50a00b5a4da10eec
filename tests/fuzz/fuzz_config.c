/* fuzz_config.c — libFuzzer harness: the config glue around inih (line
 * reader, key table, value parsing, defaults) and the quantity list. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/config.h"
#include "dsesweep/score.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    dse_config_t cfg;
    dse_err_t err;
    if (dse_config_parse(text, "fuzz.ini", "/nonexistent-base", &cfg, &err) == DSE_OK) {
        dse_config_fingerprint(&cfg);
        dse_config_free(&cfg);
    }
    uint64_t bits;
    dse_quantity_parse(text, &bits, &err);
    free(text);
    return 0;
}
