/*
 * Shared by every fuzz target and by replay.c: the libFuzzer entry point each target defines,
 * and a check that stays on in release builds (where assert() is compiled out), so that corpus
 * replays under ctest test the same invariants the fuzzer does.
 */
#ifndef MNP_FUZZ_H
#define MNP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Runs one input; returns 0. Defined by each fuzz_<name>.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts with the failed condition when an invariant does not hold. */
#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);           \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
