/* test_store.c — the store's journal and file.
 *
 * usage: test_store TMPDIR   (under MPI, any rank count)
 * - journal records replay into the same tables, in order;
 * - a torn last record (cut anywhere inside it) is dropped and cut off the
 *   file, the records before it survive, and the next append lands cleanly;
 * - replaying a record twice replaces, never duplicates;
 * - a new checksum for a path drops that checkpoint's old rows;
 * - the parallel write + serial read round-trips every column exactly;
 * - damage in the middle (16 zero bytes inserted after record 2 of 16; a
 *   record's bytes overwritten) is skipped and every intact record after it
 *   is kept, with the skipped bytes and frames counted;
 * - a journal in the previous frame format ("DSEJ", no header check) replays.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check_mpi.h"
#include "dsesweep/store.h"

static dse_task_record_t make(const char *path, uint64_t checksum, const char *family, double v,
                              const char **q, double *t, double *vals, double *spec, size_t ns)
{
    dse_task_record_t r;
    memset(&r, 0, sizeof r);
    r.checkpoint.path = (char *)path;
    r.checkpoint.run = (char *)"run, \"quoted\"";
    r.checkpoint.step = 7;
    r.checkpoint.n = 100;
    r.checkpoint.d = 8;
    r.checkpoint.n_used = 100;
    r.checkpoint.file_size = 3328;
    r.checkpoint.mtime = 1700000000;
    r.checkpoint.checksum = checksum;
    r.family = family;
    r.seconds = 0.5;
    r.sigma = 3;
    r.ranks = 2;
    q[0] = "DSE";
    q[1] = "DSE";
    t[0] = 1;
    t[1] = 2;
    vals[0] = v;
    vals[1] = v / 3.0;
    r.n_entries = 2;
    r.quantities = q;
    r.t = t;
    r.values = vals;
    for (size_t i = 0; i < ns; ++i)
        spec[i] = 1.0 / (double)(i + 1) + v;
    r.spectrum = spec;
    r.spectrum_length = ns;
    return r;
}

/* Replays the journal at path (not cut); the damage report in *d. */
static size_t replay_file(const char *path, dse_journal_damage_t *d, dse_store_t *s)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    size_t n = 0;
    long good = 0;
    dse_err_t err;
    memset(s, 0, sizeof *s);
    CHECK(dse_journal_replay_damaged(f, size, s, &n, &good, d, &err) == DSE_OK, "%s", err.msg);
    fclose(f);
    return n;
}

/* The file's bytes (malloc'd) and size. */
static unsigned char *slurp(const char *path, long *size)
{
    FILE *f = fopen(path, "rb");
    fseek(f, 0, SEEK_END);
    *size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)*size + 1);
    CHECK(fread(b, 1, (size_t)*size, f) == (size_t)*size, "read %s", path);
    fclose(f);
    return b;
}

static void spit(const char *path, const unsigned char *b, long n)
{
    FILE *f = fopen(path, "wb");
    CHECK(fwrite(b, 1, (size_t)n, f) == (size_t)n, "write %s", path);
    fclose(f);
}

/* 16 records; damage in the middle; the previous frame format. */
static void test_resync(const char *dir)
{
    char j[4096], k[4096], path[64];
    snprintf(j, sizeof j, "%s/resync.journal", dir);
    snprintf(k, sizeof k, "%s/damaged.journal", dir);
    unlink(j);
    const char *q[2];
    double t[2], v[2], spec[20];
    long ends[16];
    dse_err_t err;
    struct stat st;
    for (int i = 0; i < 16; ++i) {
        snprintf(path, sizeof path, "/data/r%02d.npy", i);
        dse_task_record_t r =
            make(path, 100 + (uint64_t)i, "spectral", i + 0.5, q, t, v, spec, (size_t)(i % 3) * 10);
        CHECK(dse_journal_append(j, &r, &err) == DSE_OK, "%s", err.msg);
        stat(j, &st);
        ends[i] = (long)st.st_size;
    }
    long size;
    unsigned char *b = slurp(j, &size), *c = malloc((size_t)size + 64);
    /* 16 zero bytes inserted after record 2: all 16 records are kept. */
    memcpy(c, b, (size_t)ends[1]);
    memset(c + ends[1], 0, 16);
    memcpy(c + ends[1] + 16, b + ends[1], (size_t)(size - ends[1]));
    spit(k, c, size + 16);
    dse_journal_damage_t d;
    dse_store_t s;
    size_t n = replay_file(k, &d, &s);
    CHECK(n == 16 && s.n_checkpoints == 16, "zeros inserted: replayed %zu of 16", n);
    CHECK(d.bytes == 16 && d.places == 1 && d.frames == 0 && d.kept_after == 14,
          "zeros inserted: skipped %ld bytes in %zu places, %zu frames, %zu kept after", d.bytes,
          d.places, d.frames, d.kept_after);
    dse_store_free(&s);
    /* Record 5's JSON overwritten: it alone is lost. */
    memcpy(c, b, (size_t)size);
    memset(c + ends[4] + 40, 'x', 8);
    spit(k, c, size);
    n = replay_file(k, &d, &s);
    CHECK(n == 15 && dse_store_find_checkpoint(&s, "/data/r05.npy") < 0 &&
              dse_store_find_checkpoint(&s, "/data/r06.npy") >= 0,
          "record 5 damaged: replayed %zu, want 15 without r05", n);
    CHECK(d.bytes == ends[5] - ends[4] && d.places == 1 && d.frames == 1 && d.kept_after == 10,
          "record 5 damaged: skipped %ld bytes (want %ld), %zu frames", d.bytes, ends[5] - ends[4],
          d.frames);
    dse_store_free(&s);
    /* The previous format: the same frames without the 4-byte header check. */
    long o = 0, w = 0;
    for (int i = 0; i < 16; ++i) {
        memcpy(c + w, b + o, 20);
        memcpy(c + w, "DSEJ", 4);
        memcpy(c + w + 20, b + o + 24, (size_t)(ends[i] - o - 24));
        w += ends[i] - o - 4;
        o = ends[i];
    }
    spit(k, c, w);
    n = replay_file(k, &d, &s);
    CHECK(n == 16 && d.places == 0 && s.n_results == 32 && s.results[2].value == 1.5,
          "old format: replayed %zu of 16", n);
    dse_store_free(&s);
    /* A torn tail after damage in the middle is still cut by the writer. */
    memcpy(c, b, (size_t)size);
    memset(c + ends[2] + 30, 'x', 4);
    spit(k, c, size - 7);
    CHECK(dse_journal_replay(k, &s, &n, 1, &err) == DSE_OK && n == 14, "torn + damaged: %zu", n);
    stat(k, &st);
    CHECK(st.st_size == ends[14], "torn tail cut at %ld (size %lld)", ends[14],
          (long long)st.st_size);
    dse_store_free(&s);
    free(b);
    free(c);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    char dir[2048], journal[4096], store_path[4096];
    snprintf(dir, sizeof dir, "%s", argc > 1 ? argv[1] : "store_tmp");
    snprintf(journal, sizeof journal, "%s/s.h5.journal", dir);
    snprintf(store_path, sizeof store_path, "%s/s.h5", dir);
    dse_err_t err;
    const char *q[2];
    double t[2], v[2], spec[50];
    if (rank == 0) {
        mkdir(dir, 0755);
        unlink(journal);
        dse_task_record_t a = make("/data/a.npy", 11, "spectral", 1.25, q, t, v, spec, 50);
        CHECK(dse_journal_append(journal, &a, &err) == DSE_OK, "%s", err.msg);
        dse_task_record_t b = make("/data/b.npy", 22, "spectral", 2.5, q, t, v, spec, 50);
        CHECK(dse_journal_append(journal, &b, &err) == DSE_OK, "%s", err.msg);
        struct stat st;
        stat(journal, &st);
        off_t two = st.st_size;
        dse_task_record_t c = make("/data/c.npy", 33, "mi", 3.75, q, t, v, spec, 0);
        CHECK(dse_journal_append(journal, &c, &err) == DSE_OK, "%s", err.msg);
        stat(journal, &st);
        off_t three = st.st_size;
        /* All three replay. */
        dse_store_t s = {0};
        size_t n = 0;
        CHECK(dse_journal_replay(journal, &s, &n, 1, &err) == DSE_OK && n == 3, "replayed %zu", n);
        CHECK(s.n_checkpoints == 3 && s.n_results == 6 && s.n_spectra == 2, "tables %zu %zu %zu",
              s.n_checkpoints, s.n_results, s.n_spectra);
        CHECK(s.results[2].value == 2.5 && s.results[3].value == 2.5 / 3.0, "values exact");
        CHECK(dse_store_has(&s, "/data/c.npy", 33, "mi") &&
                  !dse_store_has(&s, "/data/c.npy", 34, "mi"),
              "has() checks the checksum");
        /* Twice: replaces, never duplicates. */
        CHECK(dse_journal_replay(journal, &s, &n, 1, &err) == DSE_OK, "%s", err.msg);
        CHECK(s.n_checkpoints == 3 && s.n_results == 6 && s.n_spectra == 2, "no duplicates");
        /* A changed file drops its old rows. */
        dse_task_record_t a2 = make("/data/a.npy", 12, "mi", 9.0, q, t, v, spec, 0);
        CHECK(dse_store_apply(&s, &a2, &err) == DSE_OK, "%s", err.msg);
        CHECK(!dse_store_has(&s, "/data/a.npy", 12, "spectral") && s.n_spectra == 1,
              "new checksum dropped the old spectral rows");
        dse_store_free(&s);
        /* Torn last record, cut at several places inside it. */
        off_t cuts[3] = {three - 1, two + 10, two + 25};
        for (int k = 0; k < 3; ++k) {
            CHECK(truncate(journal, cuts[k]) == 0, "truncate");
            memset(&s, 0, sizeof s);
            CHECK(dse_journal_replay(journal, &s, &n, 1, &err) == DSE_OK && n == 2,
                  "cut at %lld: replayed %zu, want 2", (long long)cuts[k], n);
            stat(journal, &st);
            CHECK(st.st_size == two, "torn tail cut off (size %lld, want %lld)",
                  (long long)st.st_size, (long long)two);
            dse_store_free(&s);
            CHECK(dse_journal_append(journal, &c, &err) == DSE_OK, "%s", err.msg);
        }
        /* Garbage in the middle stops the replay there. */
        FILE *f = fopen(journal, "r+b");
        fseek(f, (long)two + 30, SEEK_SET);
        fputc('X', f);
        fclose(f);
        memset(&s, 0, sizeof s);
        CHECK(dse_journal_replay(journal, &s, &n, 1, &err) == DSE_OK && n == 2,
              "corrupt record dropped");
        dse_store_free(&s);
        test_resync(dir);
        /* The failure history: a failed task, its retry, and the retry's
         * record applied again (a journal replayed over the store that
         * already holds it) give the same rows. */
        dse_task_record_t f1 = make("/data/f.npy", 5, "classic", 1.0, q, t, v, spec, 0);
        f1.status = DSE_ENOMEM;
        f1.error = "N = 9 needs 1 GB";
        memset(&s, 0, sizeof s);
        CHECK(dse_store_apply(&s, &f1, &err) == DSE_OK, "%s", err.msg);
        CHECK(dse_store_has_failed(&s, "/data/f.npy", 5, "classic") && s.results[0].attempts == 1,
              "a failed task is recorded as failed, attempt 1");
        int32_t before;
        const char *why;
        dse_task_record_t f2 = make("/data/f.npy", 5, "classic", 2.0, q, t, v, spec, 0);
        dse_store_history(&s, &f2, &before, &why);
        CHECK(before == 1 && !strcmp(why, "N = 9 needs 1 GB"), "history %d '%s'", before, why);
        f2.attempts = before + 1;
        f2.failed_before = "N = 9 needs 1 GB";
        for (int again = 0; again < 2; ++again) {
            CHECK(dse_store_apply(&s, &f2, &err) == DSE_OK, "%s", err.msg);
            CHECK(s.n_results == 2 && s.results[0].attempts == 2 && s.results[1].attempts == 2 &&
                      !strcmp(s.results[0].failed_before, "N = 9 needs 1 GB") &&
                      s.results[0].status == 0 &&
                      !dse_store_has_failed(&s, "/data/f.npy", 5, "classic"),
                  "retry applied %d time(s): %zu rows, attempts %d", again + 1, s.n_results,
                  s.results[0].attempts);
        }
        dse_store_free(&s);
    }
    /* The reference clustering: journaled, replayed, replaced (dropping the
     * old clustering's mi_x results), merged. */
    enum { REF_N = 1003 };
    static int32_t ref_labels[REF_N], other_labels[REF_N];
    for (int i = 0; i < REF_N; ++i) {
        ref_labels[i] = (int32_t)((i * 7) % 10);
        other_labels[i] = (int32_t)(i % 10);
    }
    dse_store_reference_t ref = {"/data/x.npy",          0xfeedULL, REF_N, 50, 10, 10, 3, 1.5, 4,
                                 "2026-11-23T04:00:00Z", ref_labels};
    if (rank == 0) {
        char rj[4200];
        snprintf(rj, sizeof rj, "%s/ref.journal", dir);
        remove(rj);
        dse_store_t a = {0};
        dse_task_record_t mx =
            make("/data/a.npy", 11, DSE_STORE_FAMILY_MI_X, 0.75, q, t, v, NULL, 0);
        dse_task_record_t my = make("/data/a.npy", 11, "mi", 0.5, q, t, v, NULL, 0);
        CHECK(dse_journal_append_reference(rj, &ref, &err) == DSE_OK, "%s", err.msg);
        CHECK(dse_journal_append(rj, &mx, &err) == DSE_OK &&
                  dse_journal_append(rj, &my, &err) == DSE_OK,
              "%s", err.msg);
        size_t n = 0;
        CHECK(dse_journal_replay(rj, &a, &n, 1, &err) == DSE_OK && n == 3,
              "reference replayed (%zu)", n);
        CHECK(a.reference.path && dse_store_reference_equal(&a.reference, &ref) &&
                  !strcmp(a.reference.created, ref.created) && a.reference.components == 3 &&
                  a.reference.ranks == 4 && a.reference.seconds == 1.5,
              "the journaled clustering comes back whole");
        CHECK(a.n_results == 4, "mi_x and mi rows (%zu)", a.n_results);
        size_t dropped = 9;
        CHECK(dse_store_set_reference(&a, &ref, &dropped, &err) == DSE_OK && dropped == 0 &&
                  a.n_results == 4,
              "the same clustering again drops nothing (%zu)", dropped);
        dse_store_reference_t other = ref;
        other.labels = other_labels;
        CHECK(dse_store_set_reference(&a, &other, &dropped, &err) == DSE_OK && dropped == 2 &&
                  a.n_results == 2 && !strcmp(a.results[0].family, "mi"),
              "another clustering drops the 2 mi_x rows, keeps the mi rows (%zu, %zu)", dropped,
              a.n_results);
        CHECK(!dse_store_reference_equal(&a.reference, &ref), "labels differ");
        dse_store_t b = {0};
        CHECK(dse_store_set_reference(&b, &ref, NULL, &err) == DSE_OK, "%s", err.msg);
        CHECK(dse_store_merge(&b, "b.h5", &a, "a.h5", &err) == DSE_EVALUE, "clustering conflict");
        CHECK_STR(err.msg,
                  "conflict: the reference clustering of b.h5 (/data/x.npy, checksum "
                  "000000000000feed) differs from that of a.h5 (/data/x.npy, checksum "
                  "000000000000feed)",
                  "clustering conflict message");
        dse_store_t c = {0};
        CHECK(dse_store_merge(&c, "(none)", &a, "a.h5", &err) == DSE_OK &&
                  dse_store_reference_equal(&c.reference, &a.reference),
              "a merge takes the clustering over");
        dse_store_free(&a);
        dse_store_free(&b);
        dse_store_free(&c);
    }
    /* Parallel write, serial read: every column round-trips. */
    dse_store_t s = {0};
    if (rank == 0) {
        dse_journal_replay(journal, &s, NULL, 1, &err);
        s.config_text = strdup("[sweep]\nroots = x\n");
        s.fingerprint = 0x0123456789abcdefULL;
        snprintf(s.started, sizeof s.started, "2026-11-23T04:00:00Z");
        CHECK(dse_store_set_reference(&s, &ref, NULL, &err) == DSE_OK, "%s", err.msg);
    }
    CHECK(dse_store_write(MPI_COMM_WORLD, 0, store_path, &s, &err) == DSE_OK, "%s", err.msg);
    if (rank == 0) {
        dse_store_t r;
        CHECK(dse_store_read(store_path, &r, &err) == DSE_OK, "%s", err.msg);
        CHECK(r.n_checkpoints == s.n_checkpoints && r.n_results == s.n_results &&
                  r.n_spectra == s.n_spectra,
              "row counts");
        CHECK(r.fingerprint == s.fingerprint && !strcmp(r.config_text, s.config_text),
              "attributes");
        int same = 1;
        for (size_t i = 0; i < s.n_checkpoints && i < r.n_checkpoints; ++i)
            same &= !strcmp(r.checkpoints[i].path, s.checkpoints[i].path) &&
                    !strcmp(r.checkpoints[i].run, s.checkpoints[i].run) &&
                    r.checkpoints[i].checksum == s.checkpoints[i].checksum &&
                    r.checkpoints[i].mtime == s.checkpoints[i].mtime;
        for (size_t i = 0; i < s.n_results && i < r.n_results; ++i)
            same &= r.results[i].value == s.results[i].value && r.results[i].t == s.results[i].t &&
                    !strcmp(r.results[i].quantity, s.results[i].quantity) &&
                    r.results[i].checkpoint == s.results[i].checkpoint;
        for (size_t i = 0; i < s.n_spectra && i < r.n_spectra; ++i)
            same &= r.spectra[i].length == s.spectra[i].length &&
                    memcmp(r.spectra[i].values, s.spectra[i].values, s.spectra[i].length * 8) == 0;
        CHECK(same, "every column round-trips exactly");
        CHECK(r.reference.path && !strcmp(r.reference.path, ref.path) &&
                  dse_store_reference_equal(&r.reference, &ref) &&
                  !strcmp(r.reference.created, ref.created) && r.reference.components == 3 &&
                  r.reference.ranks == 4 && r.reference.seconds == 1.5,
              "the /reference group round-trips (labels sliced over the ranks)");
        struct stat st;
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.tmp", store_path);
        CHECK(stat(tmp, &st) != 0, "no temporary file left behind");
        dse_store_free(&r);
        /* Not a store. */
        CHECK(dse_store_read(journal, &r, &err) == DSE_EFORMAT, "journal is not a store");
    }
    /* Merging: identical shards dedupe; disagreeing shards are a conflict. */
    if (rank == 0) {
        dse_store_t m = {0}, x = {0}, y = {0};
        dse_task_record_t ra = make("/data/a.npy", 11, "spectral", 1.25, q, t, v, spec, 50);
        dse_store_apply(&x, &ra, &err);
        dse_store_apply(&y, &ra, &err);
        CHECK(dse_store_merge(&m, "(none)", &x, "x.h5", &err) == DSE_OK &&
                  dse_store_merge(&m, "x.h5", &y, "y.h5", &err) == DSE_OK && m.n_results == 2 &&
                  m.n_spectra == 1,
              "identical shards merge without duplicates: %s", err.msg);
        dse_store_free(&y);
        dse_task_record_t rb = make("/data/a.npy", 11, "spectral", 1.5, q, t, v, spec, 50);
        dse_store_apply(&y, &rb, &err);
        CHECK(dse_store_merge(&m, "x.h5", &y, "y.h5", &err) == DSE_EVALUE, "conflict detected");
        CHECK_STR(
            err.msg,
            "conflict: /data/a.npy DSE t=1 is 1.25 (status 0) in x.h5 but 1.5 (status 0) in y.h5",
            "conflict message");
        dse_store_free(&y);
        dse_task_record_t rc2 = make("/data/a.npy", 99, "spectral", 1.25, q, t, v, spec, 50);
        dse_store_apply(&y, &rc2, &err);
        CHECK(dse_store_merge(&m, "x.h5", &y, "y.h5", &err) == DSE_EVALUE, "checksum conflict");
        CHECK_STR(err.msg,
                  "conflict: /data/a.npy has checksum 000000000000000b in x.h5 but "
                  "0000000000000063 in y.h5",
                  "checksum conflict message");
        dse_store_free(&m);
        dse_store_free(&x);
        dse_store_free(&y);
        /* put_value: updates a row in place, else appends one. */
        dse_store_t p = {0};
        dse_store_apply(&p, &ra, &err);
        int added = -1;
        CHECK(dse_store_put_value(&p, 0, "DSE", "spectral", 2, 3, 0.125, &added, &err) == DSE_OK &&
                  added == 0 && p.n_results == 2 && p.results[1].value == 0.125,
              "put_value updates the DSE t=2 row (added %d, rows %zu)", added, p.n_results);
        CHECK(dse_store_put_value(&p, 0, "DSE", "spectral", 5, 3, 0.5, &added, &err) == DSE_OK &&
                  added == 1 && p.n_results == 3 && p.results[2].t == 5 &&
                  !strcmp(p.results[2].family, "spectral") && p.results[2].status == 0 &&
                  !strcmp(p.results[2].error, ""),
              "put_value appends DSE t=5 (added %d, rows %zu)", added, p.n_results);
        dse_store_free(&p);
    }
    /* A store in a missing directory: a clear error on every rank. */
    int rc = dse_store_write(MPI_COMM_WORLD, 0, "/nonexistent-dir/s.h5", &s, &err);
    /* The temporary file is unique per writer: s.h5.tmp.HOST.PID. */
    CHECK(rc == DSE_EIO && strstr(err.msg, "/nonexistent-dir/s.h5.tmp.") != NULL &&
              strstr(err.msg, ": cannot create the store") != NULL,
          "missing directory: %s", err.msg);
    dse_store_free(&s);
    int status = check_summary_mpi("test_store");
    MPI_Finalize();
    return status;
}
