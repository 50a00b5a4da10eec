/* fuzz_path_regex.c — libFuzzer harness: run/step naming of checkpoint paths.
 * Input: a regex, a newline, a path (no regex line: the default naming). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsesweep/scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text) return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *nl = strchr(text, '\n');
    const char *regex = NULL, *rel = text;
    if (nl) {
        *nl = '\0';
        regex = text;
        rel = nl + 1;
    }
    char *run = NULL;
    int64_t step;
    int matched;
    dse_err_t err;
    if (dse_scan_name_parts(regex, rel, &run, &step, &matched, &err) == DSE_OK) free(run);
    free(text);
    return 0;
}
