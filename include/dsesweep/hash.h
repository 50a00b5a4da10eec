/* hash.h — FNV-1a 64: file checksums, journal record checksums, config
 * fingerprints. Not cryptographic; detects changed files and torn records. */
#ifndef DSESWEEP_HASH_H
#define DSESWEEP_HASH_H

#include <stddef.h>
#include <stdint.h>

#define DSE_FNV_OFFSET 0xcbf29ce484222325ULL

/* Local. Continues hash h over len bytes of data (start with DSE_FNV_OFFSET). */
uint64_t dse_fnv1a(uint64_t h, const void *data, size_t len);

#endif
