/* Tiny assertion helpers shared by the C ABI tests. */
#ifndef PATTER_TEST_CHECK_H
#define PATTER_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patter.h"

static int check_failures = 0;
static int check_count = 0;

/* Expects `expr` (a libpatter call) to return status `want`. */
#define EXPECT(want, expr)                                                                     \
    do {                                                                                       \
        patter_status got_ = (expr);                                                           \
        check_count++;                                                                         \
        if (got_ != (want)) {                                                                  \
            check_failures++;                                                                  \
            fprintf(stderr, "%s:%d: %s\n  returned %s, want %s (last error: %s)\n", __FILE__, \
                    __LINE__, #expr, patter_status_string(got_), patter_status_string(want),   \
                    patter_last_error());                                                      \
        }                                                                                      \
    } while (0)

#define OK(expr) EXPECT(PATTER_STATUS_OK, expr)

/* Expects a plain condition. */
#define CHECK(cond)                                                                \
    do {                                                                           \
        check_count++;                                                             \
        if (!(cond)) {                                                             \
            check_failures++;                                                      \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                          \
    } while (0)

/* Pointer + length of a string literal. */
#define S(lit) (lit), (sizeof(lit) - 1)

/* Prints the summary line and returns the exit code. */
static int check_done(const char *name) {
    fprintf(stderr, "%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

#endif
