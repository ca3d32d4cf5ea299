/*
 * The line reader of mnpctl's bulk commands: npdb build reads files of a hundred million lines
 * and npdb lookup reads millions of numbers from a pipe, so lines are cut out of one large
 * buffer filled with read(2) and handed out in place, with no per-line copy or stdio locking.
 * It bounds the line length itself, so a file without newlines cannot grow memory.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mnp/alloc.h"

#define LINES_BUF_BYTES                                                                            \
    (4u << 20) /* large enough that refills are rare, small enough for L2-ish                      \
                */

int cli_lines_open(cli_lines_t *r, const char *path, mnp_error_t *err)
{
    struct stat st;

    memset(r, 0, sizeof(*r));
    r->fd = -1;
    if (strcmp(path, "-") == 0) {
        r->fd = STDIN_FILENO;
        r->name = "stdin";
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            int e = errno;
            return mnp_error_set(err, mnp_error_from_errno(e), "%s: %s", path, strerror(e));
        }
        r->owns_fd = true;
        r->name = path;
    }
    if (fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        r->size = (uint64_t)st.st_size;
#ifdef POSIX_FADV_SEQUENTIAL
        (void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    }
    r->cap = LINES_BUF_BYTES;
    r->buf = mnp_xmalloc(r->cap);
    return 0;
}

void cli_lines_close(cli_lines_t *r)
{
    if (r->owns_fd && r->fd >= 0)
        close(r->fd);
    free(r->buf);
    memset(r, 0, sizeof(*r));
    r->fd = -1;
}

/* Moves the unreturned tail to the front and reads more after it. */
static int lines_fill(cli_lines_t *r, mnp_error_t *err)
{
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    r->complete_end = 0; /* the tail kept holds no '\n': lines_fill runs only then */
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n > 0) {
            size_t i = r->end + (size_t)n;
            while (i > r->end && r->buf[i - 1] != '\n')
                i--;
            if (i > r->end)
                r->complete_end = i;
            r->end += (size_t)n;
            r->bytes_read += (uint64_t)n;
            return 0;
        }
        if (n == 0) {
            r->eof = true;
            return 0;
        }
        if (errno != EINTR) {
            int e = errno;
            return mnp_error_set(err, MNP_EIO, "%s: read: %s", r->name, strerror(e));
        }
    }
}

bool cli_lines_pending(const cli_lines_t *r)
{
    return r->start < r->complete_end || (r->eof && r->start <= r->end);
}

int cli_lines_next(cli_lines_t *r, size_t max_len, char **line, size_t *len, mnp_error_t *err)
{
    /* One byte more than max_len may be a "\r" before the "\n". */
    size_t limit = max_len + 1 < r->cap ? max_len + 1 : r->cap - 1;

    for (;;) {
        char *s = r->buf + r->start;
        size_t avail = r->end - r->start;
        char *nl = memchr(s, '\n', avail);
        size_t n;

        if (nl) {
            n = (size_t)(nl - s);
            r->start += n + 1;
        } else if (avail > limit) {
            n = avail; /* reported below as too long */
        } else if (!r->eof) {
            int rc = lines_fill(r, err);
            if (rc < 0)
                return rc;
            continue;
        } else if (avail == 0) {
            return 0;
        } else {
            n = avail; /* the last line has no newline */
            r->start = r->end;
        }
        r->line_no++;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (n > max_len)
            return mnp_error_set(err, MNP_ELIMIT, "%s:%llu: line longer than %zu bytes", r->name,
                                 (unsigned long long)r->line_no, max_len);
        *line = s;
        *len = n;
        return 1;
    }
}
