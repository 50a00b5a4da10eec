/* preflight.h — the checks of a sweep's inputs that are the same for every
 * checkpoint, made by `scan` and by `run` before any task (private to
 * src/sweep/). A failure is one line and `scan`/`run` exit 2; nothing in a
 * store changes. The path_regex check (a regex that names none of the files
 * the include glob matched) is the scan's own (dse_scan_tree). */
#ifndef DSESWEEP_SWEEP_PREFLIGHT_H
#define DSESWEEP_SWEEP_PREFLIGHT_H

#include "dsesweep/config.h"
#include "dsesweep/scan.h"
#include "dsesweep/store.h"

/* Local (rank 0). When MI quantities are computed: the labels file and the
 * reference X can be read, and their length is every readable checkpoint's N
 * (the labels are per row of the file; max_n subsampling draws rows inside
 * each class and subset, never a shorter labels file). Only the checkpoints
 * of this shard (index % shard_count == shard_index) are held to it. A
 * reference X that cannot be read passes when `stored` (may be NULL) holds
 * the store's clustering of it, which the run reuses; its length is then
 * the clustering's. Fails with DSE_EUSAGE and one line. */
int sweep_preflight(const dse_config_t *cfg, const dse_scan_t *scan, int shard_index,
                    int shard_count, const dse_store_reference_t *stored, dse_err_t *err);

#endif
