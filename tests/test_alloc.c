/*
 * Tests for the aborting allocators: normal use, zero sizes, and the out-of-memory path, which
 * must print the size and abort (checked in a forked child).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mnp/alloc.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif
#if !defined(TEST_ASAN) && defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#endif

#ifdef TEST_ASAN
/* ASan would report an impossible allocation itself; let malloc return NULL so the abort path
 * under test is reached. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "allocator_may_return_null=1";
}
#endif

static void test_basic(void **state)
{
    (void)state;
    char *p = mnp_xmalloc(16);
    memset(p, 'a', 16);
    p = mnp_xrealloc(p, 4096);
    assert_int_equal(p[15], 'a');
    free(p);

    int *z = mnp_xcalloc(100, sizeof(int));
    for (int i = 0; i < 100; i++)
        assert_int_equal(z[i], 0);
    free(z);

    char *s = mnp_xstrdup("hello");
    assert_string_equal(s, "hello");
    free(s);
    s = mnp_xstrdup("");
    assert_string_equal(s, "");
    free(s);
}

static void test_zero_sizes(void **state)
{
    (void)state;
    void *p = mnp_xmalloc(0);
    assert_non_null(p);
    p = mnp_xrealloc(p, 0);
    assert_non_null(p);
    free(p);
    p = mnp_xcalloc(0, 8);
    assert_non_null(p);
    free(p);
    p = mnp_xrealloc(NULL, 8);
    assert_non_null(p);
    free(p);
}

/* Runs fn in a child with stderr on a pipe; returns what it printed, checks it aborted. */
static void expect_oom(void (*fn)(void), const char *want)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], STDERR_FILENO);
        fn();
        _exit(0); /* not reached if the allocator aborts */
    }
    close(fds[1]);
    char out[256];
    size_t got = 0;
    ssize_t n;
    while (got < sizeof(out) - 1 && (n = read(fds[0], out + got, sizeof(out) - 1 - got)) > 0)
        got += (size_t)n;
    out[got] = '\0';
    close(fds[0]);
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_non_null(strstr(out, want));
}

static void oom_malloc(void)
{
    void *volatile p = mnp_xmalloc(SIZE_MAX - 4096);
    (void)p;
}

static void oom_calloc(void)
{
    void *volatile p = mnp_xcalloc(SIZE_MAX / 2, 4);
    (void)p;
}

static void oom_realloc(void)
{
    void *volatile p = mnp_xrealloc(NULL, SIZE_MAX - 8);
    (void)p;
}

static void test_oom_aborts(void **state)
{
    (void)state;
    char want[80];
    snprintf(want, sizeof(want), "mnp: out of memory (%zu bytes)\n", (size_t)(SIZE_MAX - 4096));
    expect_oom(oom_malloc, want);
    snprintf(want, sizeof(want), "mnp: out of memory (%zu bytes)\n", (size_t)SIZE_MAX);
    expect_oom(oom_calloc, want);
    snprintf(want, sizeof(want), "mnp: out of memory (%zu bytes)\n", (size_t)(SIZE_MAX - 8));
    expect_oom(oom_realloc, want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_zero_sizes),
        cmocka_unit_test(test_oom_aborts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
