/* report_html.h — the data of `dsesweep report`'s HTML page (private to
 * src/cli): the report's numbers as one JSON document, which
 * dse_report_page_write (include/dsesweep/report_page.h) puts in the page.
 * Its fields are listed in docs/report.md. All functions are local. */
#ifndef DSESWEEP_REPORT_HTML_H
#define DSESWEEP_REPORT_HTML_H

#include <cjson/cJSON.h>
#include <stddef.h>

#include "dsesweep/results_table.h"
#include "dsesweep/store.h"

#define REPORT_MAX_RULES 8

/* What the report reads from the config text the store holds: the sigma
 * rules in the order the config lists them (the first is the default for
 * ranking and for the text report's columns) and the first t. */
typedef struct report_config {
    char rules[REPORT_MAX_RULES][16]; /* "4", "median", ...; none: one fixed sigma */
    int n_rules;
    char first_t[32]; /* "%g" of the config's first t; "" if unknown */
    char sigma[32];   /* the fixed sigma ("%g") when n_rules == 0 */
} report_config_t;

/* Local. Reads rc from the store's config text; a store without one (or
 * with one this version cannot parse) gives an empty rc, and the report
 * falls back to the columns' own order. */
void report_config_read(const dse_store_t *s, report_config_t *rc);

/* Local. 1 when column name col matches item: the same quantity, and every
 * key=value in item's parentheses ("DSE(t=1)", "DSMI(sigma=median)") is
 * either in col's parentheses or a key col does not name (a column names
 * its sigma only when the store has several). */
int report_column_matches(const char *col, const char *item);

/* Local. Appends `item` to arr; on a NULL item or a failed append sets *oom.
 * Returns item. */
cJSON *report_json_push(cJSON *arr, cJSON *item, int *oom);

/* Local. Adds `item` to obj under key; on failure sets *oom. Returns item. */
cJSON *report_json_add(cJSON *obj, const char *key, cJSON *item, int *oom);

/* Local. A number, or null when v is not finite. Owned by the caller. */
cJSON *report_json_number(double v);

/* Local. [r, lo, hi] (null where not finite). Owned by the caller. */
cJSON *report_json_coef(double r, double lo, double hi);

/* Local. The page document with everything but the sigma check and the
 * metadata: provenance, counts, failures, the rules, the reference, the
 * bounded summary, runs, rows and every column's values, SE and
 * intervals, the default columns (mask show) and the ranking column.
 * NULL when out of memory. The caller owns it (cJSON_Delete). */
cJSON *report_html_begin(const dse_store_t *s, const dse_results_table_t *t, const char *store,
                         const report_config_t *rc, const char *show, long rank_col);

#endif
