/* fuzz_journal.c — libFuzzer harness: replaying a store journal (record
 * framing, checksums, the JSON of each record, applying it to the tables). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "dsesweep/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f) return 0;
    dse_store_t s = {0};
    dse_err_t err;
    size_t n;
    long good;
    dse_journal_replay_stream(f, (long)size, &s, &n, &good, &err);
    fclose(f);
    dse_store_free(&s);
    return 0;
}
