/*
 * The measuring loop of the UDP load generator (bench/udp_load.c): one thread, several connected
 * nonblocking UDP sockets to one loopback server, requests sent with sendmmsg and replies read
 * with recvmmsg in batches. Closed loop keeps a fixed number of queries outstanding; open loop
 * sends on a fixed schedule and measures each latency from the scheduled send time, so a server
 * (or generator) that stalls is charged for every query it delayed (no coordinated omission).
 * Every per-query record lives in arrays allocated before the clock starts.
 */
#ifndef MNP_BENCH_UDP_LOAD_ENGINE_H
#define MNP_BENCH_UDP_LOAD_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"
#include "udp_load_wire.h"

#define UL_SOCKETS_MAX 64
#define UL_ID_SPACE    65536u /* 16-bit ids: this many outstanding queries per socket at most */
#define UL_KEY_HIT     (1ull << 63) /* set in a key: the number is in the ported set */

typedef struct ul_config {
    ul_proto_t proto;
    uint32_t addr; /* IPv4, host order; the caller has checked it is in 127.0.0.0/8 */
    uint16_t port;
    unsigned sockets;     /* 1..UL_SOCKETS_MAX; query i goes out on socket i % sockets */
    uint64_t inflight;    /* closed loop: queries kept outstanding (1..sockets * UL_ID_SPACE) */
    double rate;          /* > 0: open loop at this many queries per second (inflight ignored) */
    uint64_t count;       /* stop after this many queries (0: no limit) */
    int64_t duration_ns;  /* stop sending after this long (0: no limit; one of the two is set;
                           * an open loop for S seconds is better given as count rate * S, so
                           * that a generator that falls behind still sends the whole schedule) */
    int64_t drain_ns;     /* then wait this long at most for outstanding answers */
    int64_t timeout_ns;   /* a query unanswered this long is lost (frees its closed-loop slot) */
    const uint64_t *keys; /* borrowed: numbers to ask, cycled; UL_KEY_HIT marks ported ones */
    size_t nkeys;         /* > 0 */
    uint64_t capacity;    /* queries the preallocated arrays hold; sending stops there */
} ul_config_t;

typedef struct ul_result {
    uint64_t sent, answered, lost, wrong; /* sent == answered + lost + wrong */
    uint64_t stray;         /* replies matching no outstanding query (late, duplicate, garbage) */
    uint64_t refused;       /* ECONNREFUSED from the kernel: nothing listening on the port */
    uint64_t hits_answered; /* answered queries for ported numbers, and how many were FOUND */
    uint64_t hits_found;
    uint64_t misses_answered; /* the same for numbers that are not ported */
    uint64_t misses_found;
    int64_t send_ns;    /* from the first send to the end of sending */
    int64_t max_lag_ns; /* open loop: how far sending fell behind its schedule at worst */
    bool capacity_hit;  /* sending stopped because the arrays were full */
    uint32_t *lat_ns;   /* owned: latencies of the answered queries (ul_result_fini frees) */
    size_t nlat;        /* == answered */
    bool lat_sorted;
} ul_result_t;

/* Opens the sockets, runs the load described by cfg and fills *res. Returns 0, MNP_ENOMEM, or
 * MNP_EIO (with a message on stderr) when a socket cannot be set up. Release with
 * ul_result_fini even after a failure. */
int ul_run(const ul_config_t *cfg, ul_result_t *res) MNP_WUR;

void ul_result_fini(ul_result_t *res);

/* Sorts res->lat_ns and returns the q-quantile (0..1) in nanoseconds; 0 when nothing was
 * answered. After the first call the array stays sorted. */
uint32_t ul_result_quantile(ul_result_t *res, double q);

#endif
