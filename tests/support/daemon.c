/*
 * The programs a test runs (daemon.h). Children are made with fork and exec only, with every
 * descriptor of the test close-on-exec, so that a daemon never holds a client's socket or
 * another daemon's pipe. The daemon's stderr is read by the test itself until the "listening"
 * line (a bounded wait on the pipe, not a sleep), then by a copier thread to the log file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

/* In the child between fork and exec: only async-signal-safe calls. */
static void child_exec(const char *const argv[], int out_fd, int err_fd)
{
    int null_fd = open("/dev/null", O_RDWR);
    if (null_fd < 0 || dup2(null_fd, 0) < 0)
        _exit(127);
    if (dup2(out_fd >= 0 ? out_fd : null_fd, 1) < 0)
        _exit(127);
    if (err_fd >= 0 && dup2(err_fd, 2) < 0)
        _exit(127);
    execv(argv[0], (char *const *)(uintptr_t)argv);
    _exit(127);
}

static int exit_status(int ws)
{
    if (WIFEXITED(ws))
        return WEXITSTATUS(ws);
    return WIFSIGNALED(ws) ? 128 + WTERMSIG(ws) : -1;
}

static pid_t reap(pid_t pid, int *ws)
{
    pid_t r;
    do
        r = waitpid(pid, ws, 0);
    while (r < 0 && errno == EINTR);
    return r;
}

int test_run(const char *const argv[], char *out, size_t size)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return -1;
    }
    if (pid == 0)
        child_exec(argv, p[1], -1);
    close(p[1]);
    size_t len = 0;
    char sink[256];
    for (;;) {
        bool keep = out != NULL && len + 1 < size;
        ssize_t n = keep ? read(p[0], out + len, size - len - 1) : read(p[0], sink, sizeof(sink));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        if (keep)
            len += (size_t)n;
    }
    close(p[0]);
    if (out != NULL && size > 0)
        out[len] = '\0';
    int ws;
    if (reap(pid, &ws) != pid)
        return -1;
    return WIFEXITED(ws) ? WEXITSTATUS(ws) : -1;
}

static void write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* a log that cannot be written is not the test's concern */
        p += n;
        len -= (size_t)n;
    }
}

static void *copier_main(void *arg)
{
    test_daemon_t *d = arg;
    char buf[4096];
    for (;;) {
        ssize_t n = read(d->err_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        write_all(d->log_fd, buf, (size_t)n);
    }
    return NULL;
}

/* The port of a "listening" line, or 0. */
static uint16_t listening_port(const char *line)
{
    static const char addr[] = "addr=127.0.0.1:";
    const char *a = strstr(line, addr);
    if (strstr(line, "msg=\"listening\"") == NULL || a == NULL)
        return 0;
    long v = strtol(a + sizeof(addr) - 1, NULL, 10);
    return v > 0 && v < 65536 ? (uint16_t)v : 0;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads d's stderr line by line into the log until the listening line or the deadline. */
static int await_listening(test_daemon_t *d, int64_t deadline)
{
    char line[8192];
    size_t len = 0;
    for (;;) {
        int64_t left = deadline - mono_ms();
        if (left <= 0)
            return MNP_EBUSY;
        struct pollfd p = {.fd = d->err_fd, .events = POLLIN};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno != EINTR)
            return MNP_EIO;
        if (n <= 0)
            continue;
        ssize_t r = read(d->err_fd, line + len, sizeof(line) - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return MNP_EIO;
        write_all(d->log_fd, line + len, (size_t)r);
        len += (size_t)r;
        line[len] = '\0';
        char *nl;
        while ((nl = strchr(line, '\n')) != NULL) {
            *nl = '\0';
            d->port = listening_port(line);
            if (d->port != 0)
                return 0;
            len -= (size_t)(nl + 1 - line);
            memmove(line, nl + 1, len + 1);
        }
        if (len == sizeof(line) - 1)
            len = 0; /* a line this long is not the one we wait for */
    }
}

int test_daemon_start(test_daemon_t *d, const char *const argv[], const char *log_path,
                      int timeout_ms)
{
    *d = (test_daemon_t){.err_fd = -1, .log_fd = -1};
    int p[2];
    d->log_fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (d->log_fd < 0)
        return MNP_EIO;
    if (pipe2(p, O_CLOEXEC) != 0) {
        close(d->log_fd);
        return MNP_EIO;
    }
    d->pid = fork();
    if (d->pid < 0) {
        close(p[0]);
        close(p[1]);
        close(d->log_fd);
        d->pid = 0;
        return MNP_EIO;
    }
    if (d->pid == 0)
        child_exec(argv, -1, p[1]);
    close(p[1]);
    d->err_fd = p[0];
    int rc = await_listening(d, mono_ms() + timeout_ms);
    if (rc == 0 && pthread_create(&d->copier, NULL, copier_main, d) != 0)
        rc = MNP_EIO;
    if (rc != 0) {
        kill(d->pid, SIGKILL);
        int ws;
        reap(d->pid, &ws);
        close(d->err_fd);
        close(d->log_fd);
        *d = (test_daemon_t){.err_fd = -1, .log_fd = -1};
        return rc;
    }
    d->copier_running = true;
    return 0;
}

int test_daemon_stop(test_daemon_t *d, int sig, int *status)
{
    if (d->pid <= 0)
        return MNP_EINVAL;
    kill(d->pid, sig);
    int ws = 0;
    pid_t r = reap(d->pid, &ws);
    if (d->copier_running)
        pthread_join(d->copier, NULL);
    close(d->err_fd);
    close(d->log_fd);
    if (status != NULL)
        *status = r == d->pid ? exit_status(ws) : -1;
    *d = (test_daemon_t){.err_fd = -1, .log_fd = -1};
    return 0;
}
