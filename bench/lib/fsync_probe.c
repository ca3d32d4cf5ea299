/*
 * The disk's single-writer durability rate, the baseline group commit is measured against: one
 * thread appending a small record to a file and calling fdatasync after each.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsync_probe.h"
#include "mnp/clock.h"

static int64_t now_ns(void)
{
    return mnp_clock_mono_ns(mnp_clock_real());
}

/* Single-writer baseline: write 64 bytes, fdatasync, repeat for `seconds`. */
double fsync_probe_rate(const char *dir, double seconds)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/fsync-probe", dir);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
    if (fd < 0) {
        fprintf(stderr, "fsync probe: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    char rec[64];
    memset(rec, 'x', sizeof(rec));
    uint64_t n = 0;
    int64_t start = now_ns(), end = start + (int64_t)(seconds * 1e9), t;
    while ((t = now_ns()) < end) {
        if (write(fd, rec, sizeof(rec)) != (ssize_t)sizeof(rec) || fdatasync(fd) != 0) {
            fprintf(stderr, "fsync probe: fsync probe: %s\n", strerror(errno));
            exit(1);
        }
        n++;
    }
    close(fd);
    unlink(path);
    return (double)n / ((double)(t - start) / 1e9);
}
