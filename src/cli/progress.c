/*
 * The progress bar of long mnpctl commands. It is drawn on stderr only when stderr is a terminal,
 * so that logs and pipes never see carriage returns, and at most ten times a second, so that the
 * hot loop that calls it pays one monotonic clock read per call and nothing else.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mnp/clock.h"

#define PROGRESS_INTERVAL_NS 100000000LL /* 10 redraws a second at most */
#define PROGRESS_BAR_COLS    30

void cli_progress_start(cli_progress_t *p, const char *label, uint64_t total)
{
    memset(p, 0, sizeof(*p));
    p->enabled = isatty(STDERR_FILENO) == 1;
    p->label = label;
    p->total = total;
    p->start_ns = mnp_clock_mono_ns(mnp_clock_real());
    p->last_ns = p->start_ns;
}

/* 1234567 -> "1.2 MB": sizes as a person reads them on a progress line. */
static void human_bytes(char *buf, size_t size, uint64_t n)
{
    static const char *const units[] = {"B", "kB", "MB", "GB", "TB"};
    double v = (double)n;
    size_t u = 0;

    while (v >= 1000.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1000.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, size, "%llu B", (unsigned long long)n);
    else
        snprintf(buf, size, "%.1f %s", v, units[u]);
}

void cli_progress_format(char *buf, size_t size, const char *label, uint64_t total, uint64_t done,
                         uint64_t items, double seconds)
{
    char done_s[32], total_s[32];

    human_bytes(done_s, sizeof(done_s), done);
    if (total > 0) {
        char bar[PROGRESS_BAR_COLS + 1];
        uint64_t shown = done < total ? done : total;
        int filled = (int)(shown * PROGRESS_BAR_COLS / total);
        unsigned pct = (unsigned)(shown * 100 / total);

        memset(bar, '#', (size_t)filled);
        memset(bar + filled, '.', (size_t)(PROGRESS_BAR_COLS - filled));
        bar[PROGRESS_BAR_COLS] = '\0';
        human_bytes(total_s, sizeof(total_s), total);
        snprintf(buf, size, "%s [%s] %3u%%  %s / %s  %llu lines  %.1f s", label, bar, pct, done_s,
                 total_s, (unsigned long long)items, seconds);
    } else {
        snprintf(buf, size, "%s  %s  %llu lines  %.1f s", label, done_s, (unsigned long long)items,
                 seconds);
    }
}

void cli_progress_update(cli_progress_t *p, uint64_t done, uint64_t items)
{
    char line[160];

    if (!p->enabled)
        return;
    int64_t now = mnp_clock_mono_ns(mnp_clock_real());
    if (now - p->last_ns < PROGRESS_INTERVAL_NS)
        return;
    p->last_ns = now;
    cli_progress_format(line, sizeof(line), p->label, p->total, done, items,
                        (double)(now - p->start_ns) / 1e9);
    /* "\033[K" erases what a longer previous frame left on the line. */
    fprintf(stderr, "\r%s\033[K", line);
    fflush(stderr);
    p->drawn = true;
}

void cli_progress_note(cli_progress_t *p, const char *what)
{
    if (!p->enabled)
        return;
    int64_t now = mnp_clock_mono_ns(mnp_clock_real());
    fprintf(stderr, "\r%s  %s  %.1f s\033[K", p->label, what, (double)(now - p->start_ns) / 1e9);
    fflush(stderr);
    p->drawn = true;
}

void cli_progress_end(cli_progress_t *p)
{
    if (p->enabled && p->drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    p->drawn = false;
}
