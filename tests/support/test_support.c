/*
 * The shared test fixtures of test_support.h. Directories are removed with rm -rf because a
 * store leaves -wal and -shm files next to its database and tests may leave anything else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_support.h"

void test_dir_make(char dir[TEST_DIR_SIZE])
{
    strcpy(dir, "/tmp/mnp-test-XXXXXX");
    if (mkdtemp(dir) == NULL)
        fail_msg("cannot make a temporary directory");
}

void test_dir_remove(const char *dir)
{
    char cmd[TEST_DIR_SIZE + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int test_fixture_setup(void **state)
{
    test_fixture_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    test_dir_make(f->dir);
    snprintf(f->path, sizeof(f->path), "%s/data", f->dir);
    *state = f;
    return 0;
}

int test_fixture_teardown(void **state)
{
    test_fixture_t *f = *state;
    test_dir_remove(f->dir);
    free(f);
    return 0;
}

mnp_store_t *test_store_open(const char *path, bool create)
{
    mnp_store_config_t cfg = {.url = path, .create = create};
    mnp_store_t *s;
    mnp_error_t err;
    if (mnp_store_open(&cfg, &s, &err) != 0)
        fail_msg("open %s: %s", path, err.msg);
    return s;
}

int test_store_run(mnp_store_t *s, bool write, mnp_store_fn fn, void *arg, mnp_error_t *err)
{
    mnp_error_clear(err);
    return write ? mnp_store_write(s, fn, arg, err) : mnp_store_read(s, fn, arg, err);
}

void test_store_run_ok(mnp_store_t *s, bool write, mnp_store_fn fn, void *arg, mnp_error_t *err,
                       const char *what)
{
    int rc = test_store_run(s, write, fn, arg, err);
    if (rc != 0)
        fail_msg("%s: %s (%s)", what, err->msg, mnp_errname(rc));
}
