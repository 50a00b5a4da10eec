/* hooks.h — fault-injection points for the durability tests.
 *
 * The product calls these at fixed points. In the product they do nothing:
 * src/core/hooks.c defines them empty (weak symbols), and no test code is
 * compiled into libdsesweep or the `dsesweep` program. The test build links
 * tests/hooks.c into a second program, build/tests/hooked/dsesweep, whose
 * strong definitions read the environment:
 *   DSE_TEST_KILL_RANK=R   world rank R kills itself (SIGKILL) at the start
 *                          of its second task (tests/test_rank_failure.sh);
 *   DSE_TEST_SLOW_IO=S     sleep S seconds inside every journal append and
 *                          store write, to widen the kill windows
 *                          (tests/test_kill.sh, tests/test_sweep_reference.sh).
 */
#ifndef DSESWEEP_HOOKS_H
#define DSESWEEP_HOOKS_H

/* Local. A worker group's rank is about to start a sweep task. */
void dse_hook_task_start(void);

/* Local. Inside a journal append or a store write, before the data is durable. */
void dse_hook_slow_io(void);

#endif
