/* error.h — the one error type of dsesweep and its check macros.
 *
 * Every fallible function returns an int status (DSE_OK == 0) and fills a
 * caller-owned dse_err_t, conventionally the parameter `dse_err_t *err`, with
 * a one-line message that names the file, the checkpoint or the rank it
 * concerns. Messages are for people: "<what>: <problem>", no trailing newline.
 *
 * An error also carries its call chain, as a PETSc traceback does: the
 * file:line that raised it, then each frame it passed on the way up (every
 * DSE_TRY / DSE_TRY_GOTO / DSE_PASS and every agreement across ranks). The
 * chain travels with the message when ranks agree on a failure, and the
 * program prints it under the one-line message when DSE_TRACEBACK=1 is set
 * (dse_err_report).
 */
#ifndef DSESWEEP_ERROR_H
#define DSESWEEP_ERROR_H

#include <stddef.h>
#include <stdio.h>

enum {
    DSE_OK = 0,
    DSE_EIO = 1,     /* open/read/write failed, missing file, permission */
    DSE_EFORMAT = 2, /* malformed or truncated file, bad header */
    DSE_EDTYPE = 3,  /* unsupported element type */
    DSE_EVALUE = 4,  /* NaN/Inf, count mismatch, out-of-range value */
    DSE_ENOMEM = 5,  /* allocation failed or problem over the memory budget */
    DSE_ELAPACK = 6, /* LAPACK/ScaLAPACK reported a failure */
    DSE_EMPI = 7,    /* MPI call failed */
    DSE_EHDF5 = 8,   /* HDF5 call failed */
    DSE_EUSAGE = 9,  /* bad argument from the caller or the command line */
    DSE_EINTERNAL = 10
};

#define DSE_ERR_MSG_MAX 1024
#define DSE_ERR_TRACE_MAX 768

typedef struct dse_err {
    int code;
    char msg[DSE_ERR_MSG_MAX];
    const char *src_file; /* source location that raised the error */
    int src_line;
    int agreed;                    /* set once ranks agreed on it (the message names the rank) */
    char trace[DSE_ERR_TRACE_MAX]; /* "file:line" of the raise site, then one
                                      line per frame passed; "..." when full */
} dse_err_t;

/* Local. Clears err to "no error". */
void dse_err_clear(dse_err_t *err);

/* Local. Sets err (if not NULL) to code with a printf-style message and returns
 * code, so callers can write `return dse_err_set(...)`. */
int dse_err_set(dse_err_t *err, int code, const char *src_file, int src_line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Local. Prefixes the message already in err with "<prefix>: " (used to add
 * the checkpoint name or rank as an error travels up). Returns err->code. */
int dse_err_prefix(dse_err_t *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Local. Appends the frame src_file:src_line to err's call chain when err
 * holds a failure, and returns status (so `return dse_err_pass(...)` passes a
 * failure on). Safe with err NULL. */
int dse_err_pass(dse_err_t *err, int status, const char *src_file, int src_line);

/* Local. Prints "<prog>: error: <message>" on one line to out, then, when the
 * environment has DSE_TRACEBACK=1, the call chain as "  at file:line" lines. */
void dse_err_report(FILE *out, const char *prog, const dse_err_t *err);

/* Local. A short name for a code ("I/O error", "format error", ...). Static string. */
const char *dse_err_name(int code);

/* Raise an error from the current source line and return its code. */
#define DSE_RAISE(err, code, ...) dse_err_set((err), (code), __FILE__, __LINE__, __VA_ARGS__)

/* Propagate a non-zero status from a call that has already filled the
 * `err` in scope, adding this line to its call chain. */
#define DSE_TRY(call)                                                                              \
    do {                                                                                           \
        int dse_try_status_ = (call);                                                              \
        if (dse_try_status_ != DSE_OK)                                                             \
            return dse_err_pass(err, dse_try_status_, __FILE__, __LINE__);                         \
    } while (0)

/* Same, but jump to a cleanup label with the status stored in `rc`. */
#define DSE_TRY_GOTO(rc, label, call)                                                              \
    do {                                                                                           \
        (rc) = (call);                                                                             \
        if ((rc) != DSE_OK) {                                                                      \
            dse_err_pass(err, (rc), __FILE__, __LINE__);                                           \
            goto label;                                                                            \
        }                                                                                          \
    } while (0)

/* The status rc, with this line added to err's call chain when it is a
 * failure: `return DSE_PASS(rc, err);` at the end of an `rc = ...` chain. */
#define DSE_PASS(rc, err) dse_err_pass((err), (rc), __FILE__, __LINE__)

/* Checked allocation: on failure raises DSE_ENOMEM naming the byte count. */
void *dse_malloc(size_t count, size_t size, dse_err_t *err, const char *src_file, int src_line);
void *dse_calloc(size_t count, size_t size, dse_err_t *err, const char *src_file, int src_line);
#define DSE_MALLOC(count, size, err) dse_malloc((count), (size), (err), __FILE__, __LINE__)
#define DSE_CALLOC(count, size, err) dse_calloc((count), (size), (err), __FILE__, __LINE__)

/* Checked strdup (NULL text copies as ""): the caller owns and frees the copy. */
char *dse_strdup(const char *text, dse_err_t *err, const char *src_file, int src_line);
#define DSE_STRDUP(text, err) dse_strdup((text), (err), __FILE__, __LINE__)

/* Checked growth of an array of elem-byte items at *(void **)array_ptr that
 * holds n items in *cap: room for one more (capacity doubled, at least 16);
 * DSE_ENOMEM leaves the array as it was. */
int dse_grow(void *array_ptr, size_t n, size_t *cap, size_t elem, dse_err_t *err,
             const char *src_file, int src_line);
#define DSE_GROW(array_ptr, n, cap, err)                                                           \
    dse_grow((array_ptr), (n), (cap), sizeof **(array_ptr), (err), __FILE__, __LINE__)

/* Local. Checked narrowing to the 32-bit LAPACK/BLAS integer. Returns DSE_OK
 * and stores the value, or raises DSE_ENOMEM naming `what` when it exceeds INT_MAX. */
int dse_to_blas_int(size_t value, int *out, const char *what, dse_err_t *err);

/* Local. Closes f (a file written with stdio) and raises DSE_EIO "<path>:
 * write failed" when an earlier write or the close itself failed, so that a
 * full disk is not silently lost in the buffer. */
int dse_fclose_checked(FILE *f, const char *path, dse_err_t *err);

#endif
