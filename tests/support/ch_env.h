/*
 * Shared by the cmocka tests of the clearinghouse workflow: a fresh store in a private
 * directory holding five operators (CMCC, CUCC, CTCC, CBN, and XTRA, which has no routing
 * number anywhere), the demo number plan and routing numbers, a manual clock and a workflow
 * over them. A test that needs more state embeds test_ch_env_t first in its own struct.
 */
#ifndef MNP_TEST_CH_ENV_H
#define MNP_TEST_CH_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/clearinghouse.h"
#include "test_support.h"

#define TEST_CH_OPERATORS 5
extern const char *const test_ch_operators[TEST_CH_OPERATORS]; /* the five above */

typedef struct test_ch_env {
    test_fixture_t fx;
    mnp_store_t *store;
    mnp_clock_t *clock;
    mnp_hash_key_t key;
    mnp_ch_t *ch;
} test_ch_env_t;

/* Fills *e (size bytes from e, zeroed, so that an embedding struct starts clean) with the
 * environment above, its clock at start_ms; fails the test when it cannot. */
void test_ch_env_init(test_ch_env_t *e, size_t size, int64_t start_ms);

/* Frees what test_ch_env_init made and removes the directory (not e itself). */
void test_ch_env_fini(test_ch_env_t *e);

#endif
