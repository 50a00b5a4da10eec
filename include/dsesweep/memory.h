/* memory.h — byte counts: the per-rank memory budget, and byte sizes as text.
 *
 * The one owner of "how much memory may a rank use" and of the "1G" / "12.3 GB"
 * notations, so that the config, the command line and every message agree.
 */
#ifndef DSESWEEP_MEMORY_H
#define DSESWEEP_MEMORY_H

#include <mpi.h>
#include <stddef.h>

/* Collective on comm. The default per-rank memory budget: $DSE_MEMORY_BUDGET
 * (a byte size as dse_parse_bytes reads it) if set, else SLURM_MEM_PER_CPU /
 * SLURM_MEM_PER_NODE (megabytes), else 80% of physical memory divided by the
 * ranks of comm on this node. */
size_t dse_memory_default_budget(MPI_Comm comm);

/* Collective on comm when configured is 0 (it then calls
 * dse_memory_default_budget), local otherwise. The budget in force: the
 * configured bytes, or the default. Every budget in dsesweep comes from here. */
size_t dse_memory_budget(size_t configured, MPI_Comm comm);

/* Local. Parses a byte size: digits with an optional K, M, G or T suffix
 * (powers of 1024, an optional trailing B; case-insensitive): "1G", "512M",
 * "1000000". Returns 1 and sets *out, or 0 for anything else (negative,
 * empty, overflow, junk). */
int dse_parse_bytes(const char *text, size_t *out);

/* Local. "12.3 GB"-style text (powers of 1000) of a byte count into buf
 * (caller-owned, cap bytes). Returns buf. */
const char *dse_format_bytes(double bytes, char *buf, size_t cap);

#endif
