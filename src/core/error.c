/* error.c — the dsesweep error type. */
#include "dsesweep/error.h"

#include <limits.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void dse_err_clear(dse_err_t *err)
{
    if (!err) return;
    err->code = DSE_OK;
    err->msg[0] = '\0';
    err->src_file = NULL;
    err->src_line = 0;
    err->agreed = 0;
    err->trace[0] = '\0';
}

/* The path from the project's top directory ("src/engine/score.c"). */
static const char *short_path(const char *path)
{
    static const char *tops[] = {"/src/", "/tests/", "/tools/", "/bench/"};
    const char *best = NULL;
    for (size_t i = 0; i < sizeof tops / sizeof tops[0]; ++i) {
        const char *p = strstr(path, tops[i]);
        if (p && (!best || p > best)) best = p;
    }
    return best ? best + 1 : path;
}

/* Appends "file:line" as one more line of the chain (or "..." once full). */
static void trace_append(dse_err_t *err, const char *src_file, int src_line)
{
    size_t used = strlen(err->trace);
    char frame[256];
    int len = snprintf(frame, sizeof frame, "%s%s:%d", used ? "\n" : "",
                       short_path(src_file ? src_file : "?"), src_line);
    if (len < 0) return;
    if (used + (size_t)len + 5 < sizeof err->trace) {
        memcpy(err->trace + used, frame, (size_t)len + 1);
    } else if (used + 5 <= sizeof err->trace && strcmp(err->trace + used - 3, "...") != 0) {
        memcpy(err->trace + used, "\n...", 5);
    }
}

int dse_err_pass(dse_err_t *err, int status, const char *src_file, int src_line)
{
    if (err && status != DSE_OK && err->code != DSE_OK) trace_append(err, src_file, src_line);
    return status;
}

void dse_err_report(FILE *out, const char *prog, const dse_err_t *err)
{
    fprintf(out, "%s: error: %s\n", prog, err->msg);
    const char *want = getenv("DSE_TRACEBACK");
    if (!want || strcmp(want, "1") != 0 || !err->trace[0]) return;
    const char *line = err->trace;
    while (*line) {
        size_t len = strcspn(line, "\n");
        fprintf(out, "  at %.*s\n", (int)len, line);
        line += len + (line[len] == '\n');
    }
}

int dse_err_set(dse_err_t *err, int code, const char *src_file, int src_line, const char *fmt, ...)
{
    if (!err) return code;
    err->code = code;
    err->src_file = src_file;
    err->src_line = src_line;
    err->agreed = 0;
    err->trace[0] = '\0';
    trace_append(err, src_file, src_line);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    /* Keep messages on one line whatever the inputs (paths may hold newlines). */
    for (char *p = err->msg; *p; ++p)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return code;
}

int dse_err_prefix(dse_err_t *err, const char *fmt, ...)
{
    if (!err) return DSE_EINTERNAL;
    char prefix[DSE_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char joined[2 * DSE_ERR_MSG_MAX + 4];
    snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
    snprintf(err->msg, sizeof err->msg, "%.*s", DSE_ERR_MSG_MAX - 1, joined);
    return err->code;
}

const char *dse_err_name(int code)
{
    switch (code) {
    case DSE_OK:
        return "ok";
    case DSE_EIO:
        return "I/O error";
    case DSE_EFORMAT:
        return "format error";
    case DSE_EDTYPE:
        return "unsupported dtype";
    case DSE_EVALUE:
        return "bad value";
    case DSE_ENOMEM:
        return "out of memory";
    case DSE_ELAPACK:
        return "LAPACK failure";
    case DSE_EMPI:
        return "MPI failure";
    case DSE_EHDF5:
        return "HDF5 failure";
    case DSE_EUSAGE:
        return "usage error";
    default:
        return "internal error";
    }
}

void *dse_malloc(size_t count, size_t size, dse_err_t *err, const char *src_file, int src_line)
{
    if (size != 0 && count > SIZE_MAX / size) {
        dse_err_set(err, DSE_ENOMEM, src_file, src_line, "allocation of %zu x %zu bytes overflows",
                    count, size);
        return NULL;
    }
    size_t bytes = count * size;
    void *p = malloc(bytes ? bytes : 1);
    if (!p) dse_err_set(err, DSE_ENOMEM, src_file, src_line, "cannot allocate %zu bytes", bytes);
    return p;
}

void *dse_calloc(size_t count, size_t size, dse_err_t *err, const char *src_file, int src_line)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        dse_err_set(err, DSE_ENOMEM, src_file, src_line, "cannot allocate %zu x %zu bytes", count,
                    size);
    return p;
}

char *dse_strdup(const char *text, dse_err_t *err, const char *src_file, int src_line)
{
    if (!text) text = "";
    size_t n = strlen(text) + 1;
    char *p = dse_malloc(n, 1, err, src_file, src_line);
    if (p) memcpy(p, text, n);
    return p;
}

int dse_grow(void *array_ptr, size_t n, size_t *cap, size_t elem, dse_err_t *err,
             const char *src_file, int src_line)
{
    if (n < *cap) return DSE_OK;
    size_t c = *cap ? 2 * *cap : 16;
    void *old;
    memcpy(&old, array_ptr, sizeof old);
    void *grown = dse_malloc(c, elem, err, src_file, src_line);
    if (!grown) return DSE_ENOMEM;
    if (n) memcpy(grown, old, n * elem);
    free(old);
    memcpy(array_ptr, &grown, sizeof grown);
    *cap = c;
    return DSE_OK;
}

int dse_to_blas_int(size_t value, int *out, const char *what, dse_err_t *err)
{
    if (value > (size_t)INT_MAX)
        return DSE_RAISE(err, DSE_ENOMEM,
                         "%s = %zu exceeds the 32-bit LAPACK integer limit %d; use more ranks",
                         what, value, INT_MAX);
    *out = (int)value;
    return DSE_OK;
}

int dse_fclose_checked(FILE *f, const char *path, dse_err_t *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return dse_err_set(err, DSE_EIO, __FILE__, __LINE__, "%s: write failed", path);
    return DSE_OK;
}
