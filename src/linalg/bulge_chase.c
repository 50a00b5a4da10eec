/* bulge_chase.c — dsytrd_sb2st's sweeps on several threads (see
 * bulge_chase.h). */
#include "dsesweep/bulge_chase.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lapack_two_stage.h"

/* How far along a thread is: (sweep << 32) | the last task it did in that
 * sweep. Increases monotonically (a thread takes sweeps in order, and its
 * tasks within one in order), so "the owner of task m of sweep s has done
 * it" is one comparison. One cache line per thread. */
typedef struct {
    _Alignas(64) _Atomic uint64_t position;
} progress_t;

static uint64_t position_of(int sweep, int task)
{
    return ((uint64_t)(uint32_t)sweep << 32) | (uint32_t)task;
}

/* What all threads share; read-only once they start, but for the band,
 * the Householder arrays (each task writes its own part, as LAPACK's OpenMP
 * build has it) and the progress slots. */
typedef struct {
    int n, kd, ib, lda, ldv, single;
    _Atomic int threads;   /* set before `go`, the count actually running */
    _Atomic int go;        /* 0 until `threads` is final, then 1: start */
    char *band, *v, *tau;  /* the band (ld lda), 2 n vectors, 2 n scalars */
    char *scratch;         /* per thread: scratch_stride bytes */
    size_t scratch_stride; /* at least kd elements, a whole number of cache lines */
    progress_t *progress;  /* [threads] */
} chase_t;

typedef struct {
    chase_t *chase;
    int tid;
} worker_t;

/* Task `task` (1-based) of sweep `sweep`: its type and column range, as
 * dsytrd_sb2st derives them; *last is set on the sweep's final task. */
static void task_geometry(int n, int kd, int sweep, int task, int *type, int *st, int *ed,
                          int *last)
{
    *type = task == 1 ? 1 : task % 2 + 2;
    int column = (*type == 2 ? task / 2 : (task + 1) / 2) * kd + sweep;
    *st = column - kd + 1;
    *ed = column < n ? column : n;
    if (*type == 2)
        *last = column >= n - 1;
    else
        *last = *st >= *ed - 1 && *ed == n;
}

/* Spins (with the CPU's pause hint), yielding the core every 128 looks so
 * that more threads than cores still progress. */
static void wait_until(_Atomic uint64_t *position, uint64_t needed)
{
    unsigned spins = 0;
    while (atomic_load_explicit(position, memory_order_acquire) < needed) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        if (++spins >= 128) {
            spins = 0;
            sched_yield();
        }
    }
}

static void run_task(const chase_t *c, int type, int st, int ed, int sweep, void *scratch)
{
    const int wantz = 0;
    if (c->single)
        ssb2st_kernels_("L", &wantz, &type, &st, &ed, &sweep, &c->n, &c->kd, &c->ib,
                        (float *)c->band, &c->lda, (float *)c->v, (float *)c->tau, &c->ldv, scratch,
                        1);
    else
        dsb2st_kernels_("L", &wantz, &type, &st, &ed, &sweep, &c->n, &c->kd, &c->ib,
                        (double *)c->band, &c->lda, (double *)c->v, (double *)c->tau, &c->ldv,
                        scratch, 1);
}

/* Tasks in sweep `sweep`: the chain runs until its last task. */
static int sweep_length(int n, int kd, int sweep)
{
    for (int task = 1;; ++task) {
        int type, st, ed, last;
        task_geometry(n, kd, sweep, task, &type, &st, &ed, &last);
        if (last) return task;
    }
}

/* Thread t's share of a sweep of `length` tasks: tasks first(t) + 1 ..
 * first(t + 1). */
static int segment_start(int length, int t, int threads)
{
    return (int)((long long)length * t / threads);
}

/* The thread whose share of a sweep of `length` tasks holds task `task`. */
static int task_owner(int length, int task, int threads)
{
    int t = 0;
    while (segment_start(length, t + 1, threads) < task)
        ++t;
    return t;
}

/* Thread tid runs, sweep after sweep, its own share of the sweep: the
 * tid-th of `threads` consecutive stretches of the sweep's tasks, so it
 * keeps working on the same stretch of the band (which stays in its cache)
 * and hands a sweep on to thread tid + 1 once, at the stretch's end.
 * Before task m of sweep s it waits for task m - 1 of sweep s and task
 * m + 2 of sweep s - 1 (the last one if that sweep is shorter) when another
 * thread owns them. Handing whole sweeps round-robin to the threads, as
 * LAPACK's OpenMP build does, is slower here than one thread: adjacent
 * sweeps work on the same columns a few tasks apart, so every task pulls
 * its block from the other core's cache (N = 8000, kd = 32: 2.4 s at two
 * threads against 1.8 s at one). */
static void *chase_sweeps(void *arg)
{
    const worker_t *w = arg;
    chase_t *c = w->chase;
    while (atomic_load_explicit(&c->go, memory_order_acquire) == 0)
        sched_yield();
    int threads = atomic_load(&c->threads), tid = w->tid;
    if (tid >= threads) return NULL;
    void *scratch = c->scratch + (size_t)tid * c->scratch_stride;
    _Atomic uint64_t *mine = &c->progress[tid].position;
    int previous_length = 0;
    for (int sweep = 1; sweep <= c->n - 1; ++sweep) {
        int length = sweep_length(c->n, c->kd, sweep);
        int first = segment_start(length, tid, threads) + 1;
        int end = segment_start(length, tid + 1, threads);
        for (int task = first; task <= end; ++task) {
            if (task == first && task > 1) { /* task - 1 is another thread's */
                int owner = task_owner(length, task - 1, threads);
                wait_until(&c->progress[owner].position, position_of(sweep, task - 1));
            }
            if (sweep > 1) {
                int needed = task + 2 < previous_length ? task + 2 : previous_length;
                int owner = task_owner(previous_length, needed, threads);
                if (owner != tid)
                    wait_until(&c->progress[owner].position, position_of(sweep - 1, needed));
            }
            int type, st, ed, last;
            task_geometry(c->n, c->kd, sweep, task, &type, &st, &ed, &last);
            run_task(c, type, st, ed, sweep, scratch);
            atomic_store_explicit(mine, position_of(sweep, task), memory_order_release);
        }
        previous_length = length;
    }
    return NULL;
}

int dse_bulge_chase_ld(int kd)
{
    return 2 * kd + 1;
}

static size_t scratch_stride(int kd, size_t elem)
{
    size_t bytes = ((size_t)kd + 1) * elem;
    return (bytes + 63) / 64 * 64;
}

/* The threads a chase runs on: 1 to 64 (the caller's count, clamped). */
static int clamp_threads(int threads)
{
    return threads < 1 ? 1 : threads > 64 ? 64 : threads;
}

size_t dse_bulge_chase_workspace_bytes(size_t n, int kd, int threads, int single)
{
    size_t elem = single ? sizeof(float) : sizeof(double);
    threads = clamp_threads(threads);
    return 4 * n * elem + (size_t)threads * (scratch_stride(kd, elem) + sizeof(progress_t)) + 128;
}

/* The diagonal and subdiagonal of a tridiagonal band (kd <= 1 or n <= 2,
 * or after the chasing; kd = 0: the subdiagonal is zero). */
static void copy_tridiagonal(size_t n, int kd, const char *band, char *d, char *e, size_t elem,
                             int lda)
{
    for (size_t i = 0; i < n; ++i) {
        memcpy(d + i * elem, band + i * (size_t)lda * elem, elem);
        if (i + 1 < n) {
            if (kd >= 1)
                memcpy(e + i * elem, band + (i * (size_t)lda + 1) * elem, elem);
            else
                memset(e + i * elem, 0, elem);
        }
    }
}

int dse_bulge_chase(size_t n, int kd, void *band, void *d, void *e, int threads, int single,
                    dse_err_t *err)
{
    if (n == 0) return DSE_OK;
    int bn;
    DSE_TRY(dse_to_blas_int(n, &bn, "N", err));
    if (kd < 0) return DSE_RAISE(err, DSE_EUSAGE, "bulge chasing: band width %d < 0", kd);
    size_t elem = single ? sizeof(float) : sizeof(double);
    int lda = dse_bulge_chase_ld(kd);
    if (kd <= 1 || n < 3) {
        copy_tridiagonal(n, kd, band, d, e, elem, lda);
        return DSE_OK;
    }
    threads = clamp_threads(threads);
    if ((size_t)threads > n - 1) threads = (int)(n - 1);
    /* The bulge's room below the band starts zero. */
    char *b = band;
    for (size_t j = 0; j < n; ++j)
        memset(b + (j * (size_t)lda + (size_t)kd + 1) * elem, 0, (size_t)kd * elem);

    int two = 2, none = -1;
    chase_t c = {.n = bn, .kd = kd, .lda = lda, .single = single, .band = band};
    c.ib = ilaenv2stage_(&two, single ? "SSYTRD_SB2ST" : "DSYTRD_SB2ST", "N", &bn, &kd, &none,
                         &none, 12, 1);
    if (c.ib < 1) c.ib = 1; /* only sized V for eigenvectors: unused with WANTZ false */
    c.ldv = kd + c.ib;
    c.scratch_stride = scratch_stride(kd, elem);
    char *mem = DSE_MALLOC(dse_bulge_chase_workspace_bytes(n, kd, threads, single), 1, err);
    if (!mem) return err->code;
    memset(mem, 0, dse_bulge_chase_workspace_bytes(n, kd, threads, single));
    char *aligned = (char *)(((uintptr_t)mem + 63) / 64 * 64);
    c.progress = (progress_t *)aligned;
    c.scratch = aligned + (size_t)threads * sizeof(progress_t);
    c.tau = c.scratch + (size_t)threads * c.scratch_stride;
    c.v = c.tau + 2 * n * elem;
    for (int t = 0; t < threads; ++t)
        atomic_init(&c.progress[t].position, 0);
    atomic_init(&c.go, 0);
    atomic_init(&c.threads, threads);

    worker_t workers[threads];
    pthread_t ids[threads];
    int started = 0;
    for (int t = 1; t < threads; ++t) {
        workers[t] = (worker_t){&c, t};
        if (pthread_create(&ids[t], NULL, chase_sweeps, &workers[t]) != 0) break;
        ++started;
    }
    /* A thread that could not start: the others split the sweeps without
     * it (the same tasks, the same result). */
    atomic_store(&c.threads, started + 1);
    atomic_store_explicit(&c.go, 1, memory_order_release);
    workers[0] = (worker_t){&c, 0};
    chase_sweeps(&workers[0]);
    int join_failed = 0;
    for (int t = 1; t <= started; ++t)
        join_failed |= pthread_join(ids[t], NULL) != 0;

    copy_tridiagonal(n, kd, band, d, e, elem, lda); /* chased: now tridiagonal */
    free(mem);
    if (join_failed)
        return DSE_RAISE(err, DSE_EINTERNAL, "bulge chasing: pthread_join failed (N = %zu)", n);
    return DSE_OK;
}
