/* memory.c — the per-rank memory budget and byte sizes as text. */
#include "dsesweep/memory.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *dse_format_bytes(double bytes, char *buf, size_t cap)
{
    /* Binary units (1 MiB = 1024^2 bytes), as memory_budget's K/M/G/T suffixes. */
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    int u = 0;
    while (bytes >= 1024.0 && u < 5) {
        bytes /= 1024.0;
        u++;
    }
    snprintf(buf, cap, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
    return buf;
}

/* 1024^k for the suffix K, M, G or T (either case), else 0. */
static unsigned long long suffix_multiplier(char c)
{
    static const char suffixes[] = "KMGT";
    const char *at = c ? strchr(suffixes, toupper((unsigned char)c)) : NULL;
    return at ? 1ULL << (10 * (at - suffixes + 1)) : 0;
}

int dse_parse_bytes(const char *text, size_t *out)
{
    if (!text || *text < '0' || *text > '9') return 0;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(text, &end, 10);
    if (errno) return 0;
    unsigned long long mult = 1;
    if (*end) {
        mult = suffix_multiplier(*end++);
        if (!mult) return 0;
        if (*end == 'B' || *end == 'b') end++;
        if (*end) return 0;
    }
    if (x > SIZE_MAX / mult) return 0;
    *out = (size_t)(x * mult);
    return 1;
}

size_t dse_memory_default_budget(MPI_Comm comm)
{
    size_t bytes;
    const char *env = getenv("DSE_MEMORY_BUDGET");
    if (env && *env && dse_parse_bytes(env, &bytes)) return bytes;
    MPI_Comm node;
    int local = 1;
    if (MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
    }
    const char *per_cpu = getenv("SLURM_MEM_PER_CPU"), *per_node = getenv("SLURM_MEM_PER_NODE");
    if (per_cpu && *per_cpu) return (size_t)strtoull(per_cpu, NULL, 10) * 1000000ULL;
    if (per_node && *per_node)
        return (size_t)strtoull(per_node, NULL, 10) * 1000000ULL / (size_t)local;
    double phys = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGE_SIZE);
    return (size_t)(0.8 * phys / local);
}

size_t dse_memory_budget(size_t configured, MPI_Comm comm)
{
    return configured ? configured : dse_memory_default_budget(comm);
}
