/* scan.h — finding the checkpoints of a sweep below its roots.
 *
 * Walks every root depth-first with entries in byte order (deterministic),
 * keeps files whose path below the root matches the include glob and (when
 * set) the path regex, and reads N and D from each file's header. Never
 * reads a file outside the roots (symlinks are resolved and checked), never
 * loops on symlink cycles (directories are visited once by device/inode),
 * and reports unreadable directories and files instead of failing.
 */
#ifndef DSESWEEP_SCAN_H
#define DSESWEEP_SCAN_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "dsesweep/config.h"
#include "dsesweep/error.h"

typedef struct dse_checkpoint {
    char *path;    /* root + "/" + rel */
    char *rel;     /* path below its root */
    char *spec;    /* what dse_source_open takes (path or path:dataset) */
    char *run;     /* run name from the regex or the parent directory */
    int64_t step;  /* step from the regex or the file name; -1 if none */
    uint64_t n, d; /* shape from the header (0 when unreadable) */
    uint64_t file_size;
    int64_t mtime;     /* seconds since the epoch */
    uint64_t checksum; /* FNV-1a 64 of the file's bytes (0 until dse_scan_checksums) */
    char *error;       /* NULL, or why the file cannot be used */
} dse_checkpoint_t;

typedef struct dse_scan {
    dse_checkpoint_t *items; /* sorted by (root order, rel) */
    size_t count;
    char **warnings; /* one line each: skipped directories, files outside roots, ... */
    size_t n_warnings;
} dse_scan_t;

/* Local. Scans cfg's roots. Fails only on a bad regex, a regex that names
 * none of the files the include glob matched (DSE_EUSAGE, naming one of
 * them), or when no root can be read at all; everything else becomes a
 * warning or an item's error. scan's
 * buffers are owned by scan: dse_scan_free. */
int dse_scan_tree(const dse_config_t *cfg, dse_scan_t *scan, dse_err_t *err);

/* Collective on comm. Computes every item's content checksum, each rank
 * hashing a share of the files; the same checksums end up on every rank.
 * scan must be identical on every rank (see dse_scan_bcast). */
int dse_scan_checksums(MPI_Comm comm, dse_scan_t *scan, dse_err_t *err);

/* Collective on comm. Sends rank root's scan to every rank (others' scan is
 * replaced). */
int dse_scan_bcast(MPI_Comm comm, int root, dse_scan_t *scan, dse_err_t *err);

/* Local. FNV-1a 64 of a file's bytes. */
int dse_file_checksum(const char *path, uint64_t *out, dse_err_t *err);

/* Local. Run and step of a path below a root: with regex (PCRE2, NULL or ""
 * for none) the named parts (?<run>) and (?<step>); otherwise run = the parent
 * directory, step = the last number in the file name (-1 if none). *matched
 * is 0 when a regex is given and does not match. *run is malloc'd (caller
 * frees) when matched. A bad regex fails with its PCRE2 message. */
int dse_scan_name_parts(const char *regex, const char *rel, char **run, int64_t *step, int *matched,
                        dse_err_t *err);

/* Local. Frees scan's buffers; safe on a zeroed struct. */
void dse_scan_free(dse_scan_t *scan);

#endif
