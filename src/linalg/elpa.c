/* elpa.c — eigenvalues only with ELPA1/ELPA2 (see elpa.h). */
#include "dsesweep/elpa.h"

#include <elpa/elpa.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* The ELPA2 real kernels compiled into this build of ELPA (the third field of
 * ELPA_FOR_ALL_2STAGE_REAL_KERNELS is 1 when it is), with short names. */
typedef struct {
    int id;
    const char *name;
} kernel_entry_t;

#define KERNEL_ROW(name, value, available, ...) {available ? value : 0, #name},
static const kernel_entry_t all_kernels[] = {ELPA_FOR_ALL_2STAGE_REAL_KERNELS(KERNEL_ROW)};
#undef KERNEL_ROW
#define N_ALL_KERNELS (sizeof all_kernels / sizeof all_kernels[0])

/* "ELPA_2STAGE_REAL_GENERIC_SIMPLE" -> "generic_simple" (static buffers). */
static char short_names[N_ALL_KERNELS][48];

static const char *short_name(size_t i)
{
    if (!short_names[i][0]) {
        const char *s = all_kernels[i].name, *p = strstr(s, "REAL_");
        p = p ? p + 5 : s;
        size_t k = 0;
        for (; p[k] && k + 1 < sizeof short_names[i]; ++k)
            short_names[i][k] = (char)(p[k] >= 'A' && p[k] <= 'Z' ? p[k] - 'A' + 'a' : p[k]);
        short_names[i][k] = '\0';
    }
    return short_names[i];
}

int dse_elpa_kernel_count(void)
{
    int n = 0;
    for (size_t i = 0; i < N_ALL_KERNELS; ++i)
        n += all_kernels[i].id > 0;
    return n;
}

int dse_elpa_kernel_id(int which)
{
    for (size_t i = 0; i < N_ALL_KERNELS; ++i)
        if (all_kernels[i].id > 0 && which-- == 0) return all_kernels[i].id;
    return -1;
}

const char *dse_elpa_kernel_name(int id)
{
    if (id < 0) return "default";
    for (size_t i = 0; i < N_ALL_KERNELS; ++i)
        if (all_kernels[i].id == id) return short_name(i);
    return "?";
}

int dse_elpa_kernel_parse(const char *name)
{
    if (!name || strcmp(name, "default") == 0) return -1;
    for (size_t i = 0; i < N_ALL_KERNELS; ++i)
        if (all_kernels[i].id > 0 && strcmp(short_name(i), name) == 0) return all_kernels[i].id;
    return -1;
}

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_status = ELPA_ERROR;

static void init_elpa(void)
{
    init_status = elpa_init(ELPA_API_VERSION);
}

/* One ELPA setting; returns ELPA's status. */
static int set_int(elpa_t h, const char *name, int value)
{
    int e = ELPA_OK;
    elpa_set_integer(h, name, value, &e);
    return e;
}

/* Local part of the solve: ELPA's status (ELPA_OK or its error), and the
 * name of the step that failed. */
static int solve(MPI_Comm comm, const dse_elpa_layout_t *lay, double *A, double *w, int stage,
                 int kernel, const char **step)
{
    pthread_once(&init_once, init_elpa);
    *step = "elpa_init";
    if (init_status != ELPA_OK) return init_status;
    int e = ELPA_OK;
    *step = "elpa_allocate";
    elpa_t h = elpa_allocate(&e);
    if (e != ELPA_OK || !h) return e != ELPA_OK ? e : ELPA_ERROR;
    *step = "a setting";
    const struct {
        const char *name;
        int value;
    } settings[] = {{"na", lay->n},
                    {"nev", lay->n},
                    {"local_nrows", lay->mloc},
                    {"local_ncols", lay->nloc},
                    {"nblk", lay->nb},
                    {"mpi_comm_parent", (int)MPI_Comm_c2f(comm)},
                    {"process_row", lay->myrow},
                    {"process_col", lay->mycol}};
    for (size_t i = 0; e == ELPA_OK && i < sizeof settings / sizeof settings[0]; ++i)
        e = set_int(h, settings[i].name, settings[i].value);
    if (e == ELPA_OK) {
        *step = "elpa_setup";
        e = elpa_setup(h);
    }
    if (e == ELPA_OK) {
        *step = "the solver setting";
        e = set_int(h, "solver", stage == 1 ? ELPA_SOLVER_1STAGE : ELPA_SOLVER_2STAGE);
    }
    if (e == ELPA_OK && stage == 2 && kernel > 0) {
        *step = "the ELPA2 kernel";
        e = set_int(h, "real_kernel", kernel);
    }
    if (e == ELPA_OK) {
        *step = "elpa_eigenvalues";
        elpa_eigenvalues_double(h, A, w, &e);
    }
    int e2 = ELPA_OK;
    elpa_deallocate(h, &e2);
    return e;
}

int dse_elpa_eigenvalues(MPI_Comm comm, const dse_elpa_layout_t *lay, double *A, double *w,
                         int stage, int kernel, dse_err_t *err)
{
    const char *step = "";
    int e = solve(comm, lay, A, w, stage, kernel, &step), worst = e;
    /* ELPA's status is the same on every rank in practice; agree anyway
     * (the most negative code wins) so no rank branches alone. */
    MPI_Allreduce(&e, &worst, 1, MPI_INT, MPI_MIN, comm);
    if (worst == ELPA_OK) return DSE_OK;
    return DSE_RAISE(err, DSE_ELAPACK, "ELPA%d failed at %s on an N = %d matrix (%d x %d grid): %s",
                     stage, step, lay->n, lay->nprow, lay->npcol, elpa_strerr(worst));
}

static pthread_mutex_t local_lock = PTHREAD_MUTEX_INITIALIZER;

int dse_elpa_eigenvalues_local(int n, double *A, double *w, int stage, int kernel, dse_err_t *err)
{
    int up = 0;
    MPI_Initialized(&up);
    if (!up)
        return DSE_RAISE(err, DSE_EUSAGE,
                         "ELPA needs MPI initialised (N = %d); use a LAPACK driver", n);
    size_t ld = (size_t)n;
    for (size_t j = 0; j < ld; ++j) /* ELPA reads both triangles */
        for (size_t i = j + 1; i < ld; ++i)
            A[j + i * ld] = A[i + j * ld];
    dse_elpa_layout_t lay = {n, n < 64 ? (n > 0 ? n : 1) : 64, n, n, 1, 1, 0, 0};
    pthread_mutex_lock(&local_lock);
    int rc = dse_elpa_eigenvalues(MPI_COMM_SELF, &lay, A, w, stage, kernel, err);
    pthread_mutex_unlock(&local_lock);
    return rc;
}

/* Measured (peak RSS of `dsesweep score --driver elpaK`, N = 4000 on one
 * rank, against dsyevd's): ELPA1 holds about 2.5 and ELPA2 about 3 more
 * copies of the local block beside A; plus its panels and ELPA2's band. */
double dse_elpa_workspace_bytes(int n, int nb, int mloc, int nloc, int stage)
{
    double local = 8.0 * (double)mloc * (double)nloc;
    double panels = 8.0 * 4.0 * (double)n * (double)nb;
    double band = stage == 2 ? 8.0 * (double)n * (2.0 * nb + 1.0) : 0.0;
    return (stage == 2 ? 3.0 : 2.5) * local + panels + band + 8.0 * 4.0 * (double)n;
}
