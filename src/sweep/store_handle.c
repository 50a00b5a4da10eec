/* store_handle.c — the store handle: the one owner of STORE and
 * STORE.journal (see store.h). Rank 0 of the handle's communicator holds the
 * tables; every collective call ends with the ranks agreeing on failure. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "dsesweep/config.h"
#include "dsesweep/group.h"
#include "store_internal.h"

struct dse_store_handle {
    MPI_Comm comm; /* not owned */
    int rank;
    int mode;
    char *path;         /* owned */
    char *journal;      /* owned: path + ".journal" */
    char *merged;       /* names merged so far, for messages (owned) */
    size_t replayed;    /* journal records replayed at open */
    int lock_fd;        /* rank 0 of a writing handle: STORE.lock, else -1 */
    dse_store_t tables; /* rank 0 */
};

/* Collective on comm (local for MPI_COMM_NULL): dse_comm_agree. */
static int agree(MPI_Comm comm, int rc, dse_err_t *err)
{
    return comm == MPI_COMM_NULL ? rc : dse_comm_agree(comm, rc, err);
}

/* Local. A handle with its two paths and empty tables. */
static int new_handle(MPI_Comm comm, const char *path, int mode, dse_store_handle_t **out,
                      dse_err_t *err)
{
    dse_store_handle_t *h = DSE_CALLOC(1, sizeof *h, err);
    if (!h) return DSE_ENOMEM;
    h->comm = comm;
    h->mode = mode;
    h->lock_fd = -1;
    if (comm != MPI_COMM_NULL) MPI_Comm_rank(comm, &h->rank);
    size_t cap = strlen(path) + 16;
    h->path = DSE_STRDUP(path, err);
    h->journal = DSE_MALLOC(cap, 1, err);
    if (!h->path || !h->journal) {
        dse_store_close(&h);
        return DSE_ENOMEM;
    }
    dse_journal_path(path, h->journal, cap);
    *out = h;
    return DSE_OK;
}

/* Rank 0: the lock (writers), the file (if present or required), the journal. */
static int load(dse_store_handle_t *h, dse_err_t *err)
{
    if (h->mode & DSE_STORE_READ_WRITE) DSE_TRY(dse_store_lock(h->path, &h->lock_fd, err));
    struct stat st;
    if (stat(h->path, &st) == 0 && S_ISDIR(st.st_mode))
        return DSE_RAISE(err, DSE_EIO, "%s: is a directory, expected the store file", h->path);
    if (!(h->mode & DSE_STORE_CREATE) || stat(h->path, &st) == 0)
        DSE_TRY(dse_store_read(h->path, &h->tables, err));
    int cut_torn = (h->mode & DSE_STORE_READ_WRITE) != 0;
    dse_journal_damage_t report;
    DSE_TRY(dse_journal_replay_report(h->journal, &h->tables, NULL, cut_torn, &report, err));
    h->replayed = report.tasks;
    return DSE_OK;
}

int dse_store_open(MPI_Comm comm, const char *path, int mode, dse_store_handle_t **out,
                   dse_err_t *err)
{
    *out = NULL;
    dse_store_handle_t *h = NULL;
    int rc = new_handle(comm, path, mode, &h, err);
    if (rc == DSE_OK && h->rank == 0) rc = load(h, err);
    rc = agree(comm, rc, err);
    if (rc != DSE_OK) {
        dse_store_close(&h);
        return rc;
    }
    *out = h;
    return DSE_OK;
}

int dse_store_create(MPI_Comm comm, const char *path, dse_store_handle_t **out, dse_err_t *err)
{
    *out = NULL;
    int rc = new_handle(comm, path, DSE_STORE_READ_WRITE, out, err);
    if (rc == DSE_OK && (*out)->rank == 0) rc = dse_store_lock(path, &(*out)->lock_fd, err);
    rc = agree(comm, rc, err);
    if (rc != DSE_OK) dse_store_close(out);
    return rc;
}

void dse_store_close(dse_store_handle_t **h)
{
    if (!h || !*h) return;
    dse_store_free(&(*h)->tables);
    dse_store_unlock(&(*h)->lock_fd);
    free((*h)->path);
    free((*h)->journal);
    free((*h)->merged);
    free(*h);
    *h = NULL;
}

const char *dse_store_path(const dse_store_handle_t *h)
{
    return h->path;
}

const char *dse_store_journal_path(const dse_store_handle_t *h)
{
    return h->journal;
}

void dse_store_mark_stopping(dse_store_handle_t *h, double grace_seconds)
{
    if (h) dse_store_lock_mark_stopping(h->lock_fd, grace_seconds);
}

const dse_store_t *dse_store_tables(const dse_store_handle_t *h)
{
    return &h->tables;
}

size_t dse_store_replayed(const dse_store_handle_t *h)
{
    return h->replayed;
}

int dse_store_bind_config(dse_store_handle_t *h, const char *text, uint64_t fingerprint,
                          dse_err_t *err)
{
    int rc = DSE_OK;
    dse_store_t *s = &h->tables;
    if (h->rank == 0)
        rc = dse_config_check_store(h->path, s->config_text, text,
                                    s->config_text && s->fingerprint != fingerprint, err);
    if (h->rank == 0 && rc == DSE_OK) {
        char *copy = DSE_STRDUP(text, err);
        if (!copy) rc = DSE_ENOMEM;
        if (copy) {
            free(s->config_text);
            s->config_text = copy;
            s->fingerprint = fingerprint;
            dse_store_timestamp(s->started, sizeof s->started);
        }
    }
    return agree(h->comm, rc, err);
}

int dse_store_has_task(const dse_store_handle_t *h, const char *path, uint64_t checksum,
                       const char *family)
{
    return dse_store_has(&h->tables, path, checksum, family);
}

const dse_store_reference_t *dse_store_reference(const dse_store_handle_t *h)
{
    return &h->tables.reference;
}

/* Local. Refuses a write through a read-only handle (our bug if it happens). */
static int writable(const dse_store_handle_t *h, dse_err_t *err)
{
    if (h->mode & DSE_STORE_READ_WRITE) return DSE_OK;
    return DSE_RAISE(err, DSE_EINTERNAL, "%s: the store was opened read-only", h->path);
}

int dse_store_commit(dse_store_handle_t *h, const dse_task_record_t *rec, dse_err_t *err)
{
    DSE_TRY(writable(h, err));
    dse_task_record_t with = *rec;
    if (with.attempts <= 0) {
        int32_t before;
        dse_store_history(&h->tables, rec, &before, &with.failed_before);
        with.attempts = before + 1;
    }
    DSE_TRY(dse_journal_append(h->journal, &with, err));
    return dse_store_apply(&h->tables, &with, err);
}

int dse_store_commit_reference(dse_store_handle_t *h, const dse_store_reference_t *ref,
                               size_t *dropped, dse_err_t *err)
{
    DSE_TRY(writable(h, err));
    DSE_TRY(dse_journal_append_reference(h->journal, ref, err));
    return dse_store_set_reference(&h->tables, ref, dropped, err);
}

int dse_store_commit_labels(dse_store_handle_t *h, const char *path, uint64_t checksum,
                            size_t *dropped, dse_err_t *err)
{
    DSE_TRY(writable(h, err));
    DSE_TRY(dse_journal_append_labels(h->journal, path, checksum, err));
    return dse_store_set_labels(&h->tables, path, checksum, dropped, err);
}

void dse_store_stamp_finished(dse_store_handle_t *h)
{
    dse_store_timestamp(h->tables.finished, sizeof h->tables.finished);
}

int dse_store_checkpoint(dse_store_handle_t *h, dse_err_t *err)
{
    if (h->comm == MPI_COMM_NULL)
        return DSE_RAISE(err, DSE_EINTERNAL, "%s: a local handle cannot checkpoint", h->path);
    int rc = agree(h->comm, writable(h, err), err);
    if (rc == DSE_OK) rc = dse_store_write(h->comm, 0, h->path, &h->tables, err);
    /* The store now holds every journaled record: replaying them later would
     * put old rows back over newer ones (e.g. rescored values). */
    if (rc == DSE_OK && h->rank == 0) rc = dse_journal_empty(h->journal, err);
    return agree(h->comm, rc, err);
}

int dse_store_rescore(dse_store_handle_t *h, const double *ts, size_t nt, size_t *added,
                      dse_err_t *err)
{
    *added = 0;
    int rc = h->rank == 0 ? dse_store_rescore_tables(&h->tables, ts, nt, added, err) : DSE_OK;
    rc = agree(h->comm, rc, err);
    unsigned long long n = *added;
    if (h->comm != MPI_COMM_NULL) MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG_LONG, 0, h->comm);
    *added = (size_t)n;
    return rc;
}

/* Rank 0: "a + b + ..." of the stores merged so far (the first alone). */
static int note_merged(dse_store_handle_t *h, const char *src_path, dse_err_t *err)
{
    if (h->merged && strlen(h->merged) >= 3000) return DSE_OK;
    size_t cap = (h->merged ? strlen(h->merged) : 0) + strlen(src_path) + 4;
    char *names = DSE_MALLOC(cap, 1, err);
    if (!names) return DSE_ENOMEM;
    if (h->merged)
        snprintf(names, cap, "%s + %s", h->merged, src_path);
    else
        snprintf(names, cap, "%s", src_path);
    free(h->merged);
    h->merged = names;
    return DSE_OK;
}

int dse_store_merge_from(dse_store_handle_t *h, const char *src_path, dse_err_t *err)
{
    dse_store_handle_t *src = NULL;
    int rc = dse_store_open(h->comm, src_path, DSE_STORE_READ_ONLY, &src, err);
    if (rc == DSE_OK && h->rank == 0) {
        rc = dse_store_merge(&h->tables, h->merged ? h->merged : "(none)", &src->tables, src_path,
                             err);
        if (rc == DSE_OK) rc = note_merged(h, src_path, err);
    }
    dse_store_close(&src);
    return agree(h->comm, rc, err);
}
