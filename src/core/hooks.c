/* hooks.c — the product's fault-injection points: empty (see hooks.h). */
#include "dsesweep/hooks.h"

__attribute__((weak)) void dse_hook_task_start(void) {}

__attribute__((weak)) void dse_hook_slow_io(void) {}
