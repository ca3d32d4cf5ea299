/*
 * A clearinghouse to run mnpd on, set up as tests/cli/mnpd.bash does it but from C: a temporary
 * directory with a store holding the four operators of the China profile (their API keys kept
 * for the test), the demo number plan and routing numbers, all put there by the real mnpctl, and
 * an mnpd configuration listening on an ephemeral loopback port. mnpd then starts on it with the
 * test clock, as often as a test likes (after a kill, on the same store).
 */
#ifndef MNP_TEST_CH_FIXTURE_H
#define MNP_TEST_CH_FIXTURE_H

#include <stdint.h>

#include "daemon.h"
#include "mnp/operator.h"
#include "test_support.h"

#define TEST_CH_KEY_MAX 128

typedef struct test_ch_fixture {
    char dir[TEST_DIR_SIZE];
    char db[TEST_PATH_SIZE];                  /* the SQLite store */
    char conf[TEST_PATH_SIZE];                /* mnpd's configuration */
    char log[TEST_PATH_SIZE];                 /* mnpd's standard error, every start appended */
    char keys[MNP_OP_COUNT][TEST_CH_KEY_MAX]; /* API keys by mnp_operator_t; [0] unused */
} test_ch_fixture_t;

/* Makes the directory, the store and the configuration; fails the test when mnpctl fails. */
void test_ch_fixture_setup(test_ch_fixture_t *f);

/* Starts mnpd on f's configuration with its test clock at clock_ms (Unix ms); fails the test,
 * naming the log, when it does not listen within timeout_ms. d must stay where it is while mnpd
 * runs (see test_daemon_t). */
void test_ch_fixture_start(const test_ch_fixture_t *f, int64_t clock_ms, int timeout_ms,
                           test_daemon_t *d);

/* Removes the directory and everything in it. */
void test_ch_fixture_remove(const test_ch_fixture_t *f);

#endif
