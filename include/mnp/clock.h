/*
 * The one clock interface all time goes through, so tests can move time without sleeping
 * (SPEC.md §5). A clock gives wall time (Unix epoch, ms) for timestamps and timers stored in
 * records, and monotonic time (ns) for measuring durations. The real clock is a process-wide
 * singleton; a manual clock starts where the test says and moves only when told.
 */
#ifndef MNP_CLOCK_H
#define MNP_CLOCK_H

#include <stdint.h>
#include <time.h>

#include "mnp/error.h"

typedef struct mnp_clock mnp_clock_t;

/* The real clock (CLOCK_REALTIME and CLOCK_MONOTONIC). Never NULL, never freed. */
const mnp_clock_t *mnp_clock_real(void);

/* Creates a manual clock whose wall time is start_ms and monotonic time 0. Thread-safe: it may be
 * read from any thread while another advances it. Free with mnp_clock_free. */
int mnp_clock_manual_new(int64_t start_ms, mnp_clock_t **out) MNP_WUR;

/* Frees a manual clock; NULL and the real clock are ignored. */
void mnp_clock_free(mnp_clock_t *clock);

/* Moves a manual clock forward by delta_ms (wall and monotonic time alike). MNP_EINVAL for the
 * real clock or a negative delta: time never goes backwards. */
int mnp_clock_advance(mnp_clock_t *clock, int64_t delta_ms) MNP_WUR;

/* Sets a manual clock's wall time to at_ms (not earlier than now; monotonic time moves by the
 * same amount). MNP_EINVAL for the real clock or a time in the past. */
int mnp_clock_set(mnp_clock_t *clock, int64_t at_ms) MNP_WUR;

/* Wall time in milliseconds since the Unix epoch. */
int64_t mnp_clock_now_ms(const mnp_clock_t *clock);

/* Monotonic time in nanoseconds from an arbitrary origin. */
int64_t mnp_clock_mono_ns(const mnp_clock_t *clock);

/* Formats at_ms as RFC 3339 UTC with milliseconds ("2026-11-25T16:07:21.123Z") into buf, which
 * must hold at least MNP_TIME_STR_SIZE bytes. Returns buf. */
#define MNP_TIME_STR_SIZE 32
char *mnp_time_format(int64_t at_ms, char *buf);

/* The instant ms milliseconds (>= 0) from now on the system clock id (CLOCK_REALTIME or
 * CLOCK_MONOTONIC, the one the condition variable waits by), for pthread_cond_timedwait. The
 * threads of a daemon wait by real time; the workflow's time is mnp_clock_t's. */
struct timespec mnp_deadline_after(clockid_t id, int64_t ms);

#endif
