/* export.h — a store's results as tidy rows: one row per (checkpoint,
 * quantity, t, sigma rule), in CSV or JSON, the format of `dsesweep export`
 * and of the Python package's `open_store`.
 *
 * Rows are sorted by run, step, path, quantity, t, sigma rule. Columns:
 * run, step, path, quantity, sigma, t, value, status, error, then (issue 17,
 * after `error` so that scripts reading the first nine by position keep
 * working) se, sigma_rule, sigma_used, sigma_min, sigma_max, median_distance.
 * Every double is printed with %.17g, so it reads back as the same double.
 *
 * All functions are local (no MPI). They borrow the tables they are given.
 */
#ifndef DSESWEEP_EXPORT_H
#define DSESWEEP_EXPORT_H
#include <stdio.h>

#include "dsesweep/error.h"
#include "dsesweep/store.h"

typedef enum { DSE_EXPORT_CSV, DSE_EXPORT_JSON } dse_export_format_t;

/* Local. The format named "csv" or "json" into *format; DSE_EUSAGE
 * ("unknown export format 'x' (csv or json)") for any other name. */
int dse_export_format_parse(const char *name, dse_export_format_t *format, dse_err_t *err);

/* Local. Writes every result row of tables (a loaded store, e.g.
 * dse_store_tables of an open handle; borrowed) to out in format. Does not
 * flush or close out. history: CSV rows end with the failure history
 * (attempts, failed_before); JSON rows always carry it. Fails with DSE_ENOMEM, or DSE_EIO ("write
 * failed") when out reports an error after the rows were written. */
int dse_export_write(FILE *out, const dse_store_t *tables, dse_export_format_t format, int history,
                     dse_err_t *err);

struct cJSON;
/* Local. Adds name: v to the JSON object o printed with %.17g, so that it
 * reads back as the same double (cJSON's own printing may keep 15 digits).
 * Returns 1, or 0 when cJSON could not allocate the item. */
int dse_export_json_exact(struct cJSON *o, const char *name, double v);

#endif
