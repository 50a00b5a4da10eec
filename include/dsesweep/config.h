/* config.h — the sweep configuration: an INI file parsed by inih (Debian
 * libinih) against one declarative table of keys (name, type, default,
 * bounds, help). Validation, `dsesweep config --help-keys` and docs/config.md
 * all come from the table. */
#ifndef DSESWEEP_CONFIG_H
#define DSESWEEP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "dsesweep/error.h"
#include "dsesweep/params.h"

#define DSE_CONFIG_MAX_ROOTS 16
#define DSE_CONFIG_MAX_T DSE_MAX_T

typedef struct dse_config {
    char *path;                        /* the file parsed (owned) */
    char *text;                        /* its full text (owned), stored in the store */
    char *roots[DSE_CONFIG_MAX_ROOTS]; /* [sweep] roots */
    int n_roots;
    char *include;              /* [sweep] include: glob on the path below a root */
    char *path_regex;           /* [sweep] path_regex: PCRE2 with (?<run>) (?<step>) */
    char *dataset;              /* [sweep] dataset: name inside .h5/.safetensors */
    char *labels;               /* [sweep] labels */
    char *reference;            /* [sweep] reference: input vectors X */
    char *store;                /* [sweep] store */
    size_t memory_budget;       /* [sweep] memory_budget (0 = automatic) */
    int group_size;             /* [sweep] group_size: 0 auto, -1 all, k */
    uint64_t quantities;        /* [quantities] compute (DSE_Q bits) */
    double t[DSE_CONFIG_MAX_T]; /* [quantities] t */
    int n_t;
    dse_params_t params; /* sigma, alpha, max_n, repetitions, seed, bins, knn, n_clusters */
} dse_config_t;

/* Local. Parses the INI file at path. Unknown sections or keys, bad values,
 * out-of-range numbers and missing required keys fail with
 * "<path>:<line>: <problem>" (or "<path>: <problem>" when no line applies).
 * Relative paths in the file are taken relative to the file's directory.
 * cfg's strings are owned by cfg: release with dse_config_free. */
int dse_config_load(const char *path, dse_config_t *cfg, dse_err_t *err);

/* Local. Parses INI text (name is used in messages; base_dir resolves
 * relative paths, NULL: the current directory). */
int dse_config_parse(const char *text, const char *name, const char *base_dir, dse_config_t *cfg,
                     dse_err_t *err);

/* Local. Frees cfg's strings and zeroes it; safe on a zeroed struct. */
void dse_config_free(dse_config_t *cfg);

/* Local. Sets the [quantities] parameter `key` of p from its text with the
 * key table's parsing and bounds (what `score --tol 0.02` shares with the
 * config's `tol = 0.02`). Fails with "<who>: <problem>"; who NULL: the
 * problem alone, naming the key as a flag ("--max-n must be ..."). */
int dse_config_set_param(dse_params_t *p, const char *key, const char *value, const char *who,
                         dse_err_t *err);

/* Local. Writes the key table as a Markdown table (docs/config.md) or as
 * plain help text to out (a FILE *). */
void dse_config_print_keys(void *out, int markdown);

/* Local. The section ("sweep", "quantities") of the key named name in the
 * key table, or NULL for an unknown key. Static string. */
const char *dse_config_key_section(const char *name);

/* Local. A 64-bit fingerprint of what decides the numbers (quantities, the t
 * list and the other parameters, the labels file name, the dataset), not of
 * where files are or the memory budget (the labels and reference file names
 * count, their directories do not): two configs with the same fingerprint
 * fill the same store. */
uint64_t dse_config_fingerprint(const dse_config_t *cfg);

/* Local. Checks a config's text against the text of the config that made the
 * store at store_path (old_text; NULL or "": a new store, nothing to check).
 * A changed path_regex is refused, naming the old and the new regex (the
 * store's rows would keep the old run names). When fingerprints_differ, the
 * refusal names each key that decides the numbers whose value differs, with
 * both values ("sigma = '4' in the store, '5' in this config"). DSE_EUSAGE. */
int dse_config_check_store(const char *store_path, const char *old_text, const char *new_text,
                           int fingerprints_differ, dse_err_t *err);

#endif
