/* hooks.c — the test build's fault-injection points (see dsesweep/hooks.h).
 * Linked only into build/tests/hooked/dsesweep; overrides the product's empty
 * weak definitions. */
#include <mpi.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>

#include "dsesweep/hooks.h"

void dse_hook_task_start(void)
{
    static int tasks_seen;
    const char *v = getenv("DSE_TEST_KILL_RANK");
    if (!v || !*v) return;
    int me;
    MPI_Comm_rank(MPI_COMM_WORLD, &me);
    if (me == atoi(v) && ++tasks_seen == 2) raise(SIGKILL);
}

void dse_hook_slow_io(void)
{
    const char *v = getenv("DSE_TEST_SLOW_IO");
    if (!v || !*v) return;
    double s = atof(v);
    if (s <= 0) return;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}
