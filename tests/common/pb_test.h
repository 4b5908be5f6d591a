/* Minimal test helpers shared by the C tests: a failing check prints where
 * and why, the test goes on, and pb_test_done() turns the count into the exit
 * code CTest reads. */
#ifndef PB_TEST_H
#define PB_TEST_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int pb_test_failures;
static int pb_test_checks;

#define CHECK(cond)                                                          \
    do {                                                                     \
        pb_test_checks++;                                                    \
        if (!(cond)) {                                                       \
            pb_test_failures++;                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, \
                    #cond);                                                  \
        }                                                                    \
    } while (0)

#define CHECK_MSG(cond, ...)                                                 \
    do {                                                                     \
        pb_test_checks++;                                                    \
        if (!(cond)) {                                                       \
            pb_test_failures++;                                              \
            fprintf(stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, \
                    #cond);                                                  \
            fprintf(stderr, __VA_ARGS__);                                    \
            fputc('\n', stderr);                                             \
        }                                                                    \
    } while (0)

/* |a - b| <= tol * max(1, |b|) */
#define CHECK_CLOSE(a, b, tol)                                               \
    do {                                                                     \
        double pb_a_ = (a), pb_b_ = (b);                                     \
        double pb_s_ = fabs(pb_b_) > 1.0 ? fabs(pb_b_) : 1.0;                \
        CHECK_MSG(fabs(pb_a_ - pb_b_) <= (tol)*pb_s_,                        \
                  "%s = %.17g, expected %.17g (tol %g)", #a, pb_a_, pb_b_,   \
                  (double)(tol));                                            \
    } while (0)

static inline int pb_test_done(const char *name)
{
    if (pb_test_failures) {
        fprintf(stderr, "%s: %d of %d checks failed\n", name, pb_test_failures,
                pb_test_checks);
        return 1;
    }
    printf("%s: %d checks passed\n", name, pb_test_checks);
    return 0;
}

#endif
