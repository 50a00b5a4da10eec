/* check.h — a minimal assertion harness for dsesweep's test programs.
 * Each CHECK prints on failure; check_summary() prints "N passed, M failed"
 * and returns the exit status (0 only when nothing failed and something ran). */
#ifndef DSESWEEP_TEST_CHECK_H
#define DSESWEEP_TEST_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (cond) {                                                                                \
            check_passed++;                                                                        \
        } else {                                                                                   \
            check_failed++;                                                                        \
            fprintf(stderr, "FAILED %s:%d: ", __FILE__, __LINE__);                                 \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fprintf(stderr, "\n");                                                                 \
        }                                                                                          \
    } while (0)

/* |a - b| <= rel * max(|a|, |b|), also accepting |a - b| <= 1e-300. */
#define CHECK_REL(a, b, rel, what)                                                                 \
    do {                                                                                           \
        double ca_ = (a), cb_ = (b);                                                               \
        double scale_ = fmax(fabs(ca_), fabs(cb_));                                                \
        CHECK(fabs(ca_ - cb_) <= (rel)*scale_ || fabs(ca_ - cb_) <= 1e-300,                        \
              "%s: %.17g vs %.17g (rel diff %.3g > %.1g)", what, ca_, cb_,                         \
              scale_ > 0 ? fabs(ca_ - cb_) / scale_ : 0.0, (double)(rel));                         \
    } while (0)

#define CHECK_ABS(a, b, tol, what)                                                                 \
    do {                                                                                           \
        double ca_ = (a), cb_ = (b);                                                               \
        CHECK(fabs(ca_ - cb_) <= (tol), "%s: %.17g vs %.17g (abs diff %.3g > %.1g)", what, ca_,    \
              cb_, fabs(ca_ - cb_), (double)(tol));                                                \
    } while (0)

#define CHECK_STR(got, want, what)                                                                 \
    do {                                                                                           \
        const char *cg_ = (got), *cw_ = (want);                                                    \
        CHECK(cg_ &&strcmp(cg_, cw_) == 0, "%s:\n    got  '%s'\n    want '%s'", what,              \
              cg_ ? cg_ : "(null)", cw_);                                                          \
    } while (0)

static inline int check_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
    printf("%s\n", check_failed == 0 && check_passed > 0 ? "PASSED" : "FAILED");
    return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
