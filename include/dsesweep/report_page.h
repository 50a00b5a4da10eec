/* report_page.h — the report as one self-contained HTML page.
 *
 * The page is d3 (Debian libjs-d3), the page's script and style
 * (src/analysis/report_page.js, .css) and the report's numbers as one JSON
 * document, all inline: it opens from disk with no network and no other
 * file. The assets are embedded in the program at build time
 * (cmake/embed_assets.cmake). The JSON's fields are described in
 * docs/report.md and read only by report_page.js.
 */
#ifndef DSESWEEP_REPORT_PAGE_H
#define DSESWEEP_REPORT_PAGE_H

#include <cjson/cJSON.h>

#include "dsesweep/error.h"

/* Local. Writes the page to path (its directory must exist): title in the
 * <title>, data as the page's JSON. Nothing is kept; the caller owns data.
 * Fails (DSE_EIO, naming path) when the file cannot be written in full. */
int dse_report_page_write(const char *path, const char *title, const cJSON *data, dse_err_t *err);

#endif
