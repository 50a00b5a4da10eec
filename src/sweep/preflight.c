/* preflight.c — the same-for-every-checkpoint checks (see preflight.h). */
#include "preflight.h"

#include <stdio.h>

#include "dsesweep/categories.h"
#include "dsesweep/quantity.h"
#include "dsesweep/source.h"

/* Every checkpoint of the shard that can be read has n rows; else fails
 * naming the first that does not, and how many do not. */
static int same_length(const dse_scan_t *scan, int shard_index, int shard_count, size_t n,
                       const char *file, const char *what, const char *need, dse_err_t *err)
{
    size_t bad = 0, first = 0, used = 0;
    for (size_t i = 0; i < scan->count; ++i) {
        const dse_checkpoint_t *c = &scan->items[i];
        if ((int)(i % (size_t)shard_count) != shard_index || c->error) continue;
        used++;
        if (c->n == n) continue;
        if (!bad++) first = i;
    }
    if (!bad) return DSE_OK;
    const dse_checkpoint_t *c = &scan->items[first];
    return DSE_RAISE(err, DSE_EUSAGE,
                     "%s: %zu %s, but %s has %llu rows (%zu of the %zu checkpoint(s) differ); %s; "
                     "nothing was computed",
                     file, n, what, c->path, (unsigned long long)c->n, bad, used, need);
}

int sweep_preflight(const dse_config_t *cfg, const dse_scan_t *scan, int shard_index,
                    int shard_count, const dse_store_reference_t *stored, dse_err_t *err)
{
    if (!(cfg->quantities & DSE_Q_MI_ALL)) return DSE_OK;
    if (shard_count < 1) shard_count = 1;
    if (cfg->labels && *cfg->labels) {
        dse_categories_t cat = {0};
        dse_err_t e;
        if (dse_categories_load(cfg->labels, 0, NULL, cfg->params.n_clusters, &cat, &e) != DSE_OK)
            return DSE_RAISE(err, DSE_EUSAGE, "labels: %s; nothing was computed", e.msg);
        size_t n = cat.n;
        dse_categories_free(&cat);
        DSE_TRY(same_length(scan, shard_index, shard_count, n, cfg->labels, "labels",
                            "the labels file needs one label per row of each checkpoint file, "
                            "in row order (max_n subsampling draws rows with their labels)",
                            err));
    }
    if (cfg->reference && *cfg->reference) {
        dse_source_t *src = NULL;
        dse_err_t e;
        size_t n = 0;
        if (dse_source_open(cfg->reference, &src, &e) == DSE_OK) {
            n = dse_source_rows(src);
            dse_source_close(&src);
        } else if (stored && stored->path) {
            n = (size_t)stored->n; /* X is gone: the run reuses the store's clustering */
        } else {
            return DSE_RAISE(err, DSE_EUSAGE, "reference: %s; nothing was computed", e.msg);
        }
        DSE_TRY(same_length(scan, shard_index, shard_count, n, cfg->reference, "rows",
                            "the reference X needs one row per row of each checkpoint file", err));
    }
    return DSE_OK;
}
