/*
 * Running the project's programs from a cmocka test: a command run to its end with its standard
 * output captured (mnpctl printing a key), and a daemon started in the background whose logfmt
 * standard error is read until it says where it listens, then copied to a log file by a thread
 * of its own so that the daemon never blocks on a full pipe. The test may stop the daemon
 * gracefully (SIGTERM, and its exit status) or kill it (SIGKILL) and start it again.
 */
#ifndef MNP_TEST_DAEMON_H
#define MNP_TEST_DAEMON_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "mnp/error.h"

/* Runs argv (argv[0] a path, NULL-terminated) to its end with stdin from /dev/null, stderr
 * inherited and stdout into out[0..size) (NUL-terminated, cut at size - 1; out may be NULL to
 * drop it). Returns the exit status (0..255), or -1 when it could not run or died by a signal. */
int test_run(const char *const argv[], char *out, size_t size);

/* A daemon in the background. Caller-allocated, and it must not move while the daemon runs (the
 * copier thread holds its address); fields are read-only for callers. */
typedef struct test_daemon {
    pid_t pid;        /* 0 when not running */
    uint16_t port;    /* where it listens */
    int err_fd;       /* read end of its stderr pipe; -1 when closed */
    int log_fd;       /* the log file its stderr is copied to */
    pthread_t copier; /* copies err_fd to log_fd until the daemon's stderr closes */
    bool copier_running;
} test_daemon_t;

/* Starts argv with stderr into a pipe and waits up to timeout_ms for a line containing
 * msg="listening" and addr=127.0.0.1:PORT, whose PORT is then d->port; every line also goes to
 * log_path (appended). Returns 0; MNP_EIO when it cannot start or its stderr closed first (it is
 * reaped then), MNP_EBUSY when the timeout passed (it is killed and reaped then). */
int test_daemon_start(test_daemon_t *d, const char *const argv[], const char *log_path,
                      int timeout_ms);

/* Sends sig to the daemon, waits for it to end and for its log to be copied, and puts in *status
 * (may be NULL) its exit status (0..255), or 128 + the signal that ended it. Returns 0, or
 * MNP_EINVAL when it is not running. */
int test_daemon_stop(test_daemon_t *d, int sig, int *status);

#endif
