/*
 * The real clock and manual clocks behind mnp_clock_t. All time in the project goes through
 * here so that tests move time by calling mnp_clock_advance instead of sleeping. A manual clock
 * keeps a single atomic wall time; its monotonic time is derived from how far the wall time has
 * moved since creation, so the two can never disagree and readers need no lock.
 */
#include "mnp/clock.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum clock_kind { CLOCK_KIND_REAL, CLOCK_KIND_MANUAL };

struct mnp_clock {
    enum clock_kind kind;
    int64_t start_ms;        /* manual: wall time at creation; never changes */
    _Atomic int64_t wall_ms; /* manual: current wall time; only moves forward */
};

#define NS_PER_MS  INT64_C(1000000)
#define NS_PER_SEC INT64_C(1000000000)
#define MS_PER_SEC INT64_C(1000)

/* Monotonic time of a manual clock is (wall - start) in ns, so the distance it may travel is
 * bounded by what fits in int64 nanoseconds (about 292 years). */
#define MANUAL_SPAN_MAX_MS (INT64_MAX / NS_PER_MS)

static const struct mnp_clock real_clock = {.kind = CLOCK_KIND_REAL};

const mnp_clock_t *mnp_clock_real(void)
{
    return &real_clock;
}

int mnp_clock_manual_new(int64_t start_ms, mnp_clock_t **out)
{
    struct mnp_clock *c = malloc(sizeof(*c));
    if (c == NULL)
        return MNP_ENOMEM;
    c->kind = CLOCK_KIND_MANUAL;
    c->start_ms = start_ms;
    atomic_init(&c->wall_ms, start_ms);
    *out = c;
    return 0;
}

void mnp_clock_free(mnp_clock_t *clock)
{
    if (clock == NULL || clock->kind != CLOCK_KIND_MANUAL)
        return;
    free(clock);
}

/* Moves a manual clock to the wall time next(current), retrying if another thread moved it in
 * between so that concurrent advances are never lost. */
static int manual_move(mnp_clock_t *clock, int64_t arg, int absolute)
{
    if (clock == NULL || clock->kind != CLOCK_KIND_MANUAL)
        return MNP_EINVAL;
    int64_t cur = atomic_load(&clock->wall_ms);
    for (;;) {
        int64_t next;
        if (absolute) {
            if (arg < cur)
                return MNP_EINVAL; /* time never goes backwards */
            next = arg;
        } else {
            if (arg < 0)
                return MNP_EINVAL;
            if (cur > INT64_MAX - arg)
                return MNP_ERANGE;
            next = cur + arg;
        }
        /* next >= cur >= start_ms, so the true distance is in [0, 2^64) and unsigned
         * subtraction computes it without signed overflow. */
        if ((uint64_t)next - (uint64_t)clock->start_ms > (uint64_t)MANUAL_SPAN_MAX_MS)
            return MNP_ERANGE;
        if (atomic_compare_exchange_weak(&clock->wall_ms, &cur, next))
            return 0;
    }
}

int mnp_clock_advance(mnp_clock_t *clock, int64_t delta_ms)
{
    return manual_move(clock, delta_ms, 0);
}

int mnp_clock_set(mnp_clock_t *clock, int64_t at_ms)
{
    return manual_move(clock, at_ms, 1);
}

int64_t mnp_clock_now_ms(const mnp_clock_t *clock)
{
    if (clock->kind == CLOCK_KIND_MANUAL)
        return atomic_load(&clock->wall_ms);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * MS_PER_SEC + ts.tv_nsec / NS_PER_MS;
}

int64_t mnp_clock_mono_ns(const mnp_clock_t *clock)
{
    if (clock->kind == CLOCK_KIND_MANUAL) {
        int64_t wall = atomic_load(&clock->wall_ms);
        return (wall - clock->start_ms) * NS_PER_MS;
    }
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_SEC + ts.tv_nsec;
}

char *mnp_time_format(int64_t at_ms, char *buf)
{
    /* Floor division, so that times before 1970 still get a millisecond part in [0, 999]. */
    int64_t sec = at_ms / MS_PER_SEC;
    int64_t ms = at_ms % MS_PER_SEC;
    if (ms < 0) {
        ms += MS_PER_SEC;
        sec -= 1;
    }
    time_t t = (time_t)sec;
    struct tm tm;
    size_t n = 0;
    if (gmtime_r(&t, &tm) != NULL)
        n = strftime(buf, MNP_TIME_STR_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
    if (n == 0) { /* a year beyond what struct tm or the buffer can hold */
        snprintf(buf, MNP_TIME_STR_SIZE, "invalid-time");
        return buf;
    }
    snprintf(buf + n, MNP_TIME_STR_SIZE - n, ".%03dZ", (int)ms);
    return buf;
}

struct timespec mnp_deadline_after(clockid_t id, int64_t ms)
{
    struct timespec t;
    clock_gettime(id, &t);
    t.tv_sec += (time_t)(ms / MS_PER_SEC);
    t.tv_nsec += (long)(ms % MS_PER_SEC) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}
