/*
 * Shared by the cmocka tests: a temporary directory per test (cmocka setup/teardown), and a
 * store opened on a path that fails the test, with the store's message, when it cannot open.
 */
#ifndef MNP_TEST_SUPPORT_H
#define MNP_TEST_SUPPORT_H

#include <stdbool.h>

#include "mnp/store.h"

#define TEST_DIR_SIZE  64
#define TEST_PATH_SIZE 128

/* A test's private directory and a file path inside it ("DIR/data") for tests that need one. */
typedef struct test_fixture {
    char dir[TEST_DIR_SIZE];
    char path[TEST_PATH_SIZE];
} test_fixture_t;

/* Makes a new empty directory under /tmp into dir; fails the test when it cannot. */
void test_dir_make(char dir[TEST_DIR_SIZE]);

/* Removes dir and everything in it; fails the test when it cannot. */
void test_dir_remove(const char *dir);

/* cmocka setup and teardown giving each test a test_fixture_t in *state. */
int test_fixture_setup(void **state);
int test_fixture_teardown(void **state);

/* Opens the store at path (creating it when create); fails the test when it cannot. */
mnp_store_t *test_store_open(const char *path, bool create);

/* Runs fn(arg) in a write (write) or read transaction of s, err cleared first; returns fn's
 * result (or the store's). */
int test_store_run(mnp_store_t *s, bool write, mnp_store_fn fn, void *arg, mnp_error_t *err);

/* The same, failing the test with "what: message (code)" unless it succeeds. */
void test_store_run_ok(mnp_store_t *s, bool write, mnp_store_fn fn, void *arg, mnp_error_t *err,
                       const char *what);

#endif
