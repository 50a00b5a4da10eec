/* report_page.c — the self-contained HTML page of `dsesweep report --html`. */
#include "dsesweep/report_page.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* cmake/embed_assets.cmake, at build time */
extern const unsigned char dse_asset_d3[], dse_asset_page_js[], dse_asset_page_css[];
extern const unsigned long dse_asset_d3_size, dse_asset_page_js_size, dse_asset_page_css_size;

/* Text inside an HTML element, with & < > escaped. */
static void put_text(FILE *f, const char *s)
{
    for (; *s; ++s) {
        if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else
            fputc(*s, f);
    }
}

/* JSON inside <script type="application/json">: "</" would end the element
 * early, so every '<' is written as the JSON escape \u003c (it only occurs
 * inside strings). */
static void put_json(FILE *f, const char *s)
{
    for (; *s; ++s) {
        if (*s == '<')
            fputs("\\u003c", f);
        else
            fputc(*s, f);
    }
}

int dse_report_page_write(const char *path, const char *title, const cJSON *data, dse_err_t *err)
{
    char *json = cJSON_PrintUnformatted(data);
    if (!json)
        return DSE_RAISE(err, DSE_ENOMEM, "%s: out of memory printing the page's data", path);
    FILE *f = fopen(path, "w");
    if (!f) {
        int e = errno;
        cJSON_free(json);
        return DSE_RAISE(err, DSE_EIO, "%s: cannot create: %s", path, strerror(e));
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>",
          f);
    put_text(f, title);
    fputs("</title>\n<style>\n", f);
    fwrite(dse_asset_page_css, 1, dse_asset_page_css_size, f);
    fputs("</style>\n</head>\n<body>\n<div id=\"app\"><p id=\"loading\">Loading the report "
          "(it needs JavaScript)...</p></div>\n<div id=\"tip\" role=\"tooltip\"></div>\n"
          "<script id=\"report-data\" type=\"application/json\">",
          f);
    put_json(f, json);
    fputs("</script>\n<script>\n/* d3 3.5.17 (Debian libjs-d3), BSD-3-Clause, "
          "https://d3js.org */\n",
          f);
    fwrite(dse_asset_d3, 1, dse_asset_d3_size, f);
    fputs("\n</script>\n<script>\n", f);
    fwrite(dse_asset_page_js, 1, dse_asset_page_js_size, f);
    fputs("\n</script>\n</body>\n</html>\n", f);
    cJSON_free(json);
    return dse_fclose_checked(f, path, err);
}
