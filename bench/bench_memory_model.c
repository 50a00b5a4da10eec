/* bench_memory_model.c — prints the memory model of a quantity list at N x D:
 * dse_quantity_bytes (the task's own need) and that plus the process base
 * (DSE_QUANTITY_BASE_BYTES), to set beside a measured peak RSS
 * (bench/bench_memory.sh). For MI quantities pass the largest class size as N.
 * usage: bench_memory_model QUANTITIES N D */
#include <stdio.h>
#include <stdlib.h>

#include "dsesweep/quantity.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: bench_memory_model QUANTITIES N D\n");
        return 2;
    }
    uint64_t bits = 0;
    dse_err_t err;
    if (dse_quantity_parse(argv[1], &bits, &err) != DSE_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    double task = dse_quantity_bytes(bits, (size_t)atol(argv[2]), (size_t)atol(argv[3]));
    printf("%.0f %.0f\n", task, task + DSE_QUANTITY_BASE_BYTES);
    return 0;
}
