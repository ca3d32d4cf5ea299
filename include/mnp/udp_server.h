/*
 * The batched UDP server engine the lookup service's pdb and DNS servers run on: N worker
 * threads, each with its own socket on the same address and port, each reading datagrams in
 * batches, handing a whole batch to one handler call and sending the replies in one batch.
 * The engine knows nothing about the protocol; the handler turns requests into replies.
 *
 * Why SO_REUSEPORT: one socket per worker, all bound to the same address and port, lets the
 * kernel spread datagrams over the workers by a hash of the source address and port. Workers
 * share no queue, no lock and no cache line on the hot path, and a query from one client always
 * reaches the same worker, so its replies leave in order. A single socket read by many threads
 * would make them contend on the socket lock and wake each other for nothing.
 *
 * Why batches: on this machine kind the kernel's UDP path, not the lookup, sets the ceiling
 * (REFERENCE.md: about 300,000 queries/s on loopback). recvmmsg and sendmmsg move up to 64
 * datagrams per system call, so the per-call cost (entry, socket lock, wakeups) is paid once per
 * batch instead of once per datagram, and the handler can look up a whole batch at once (and
 * prefetch). Under light load a batch is simply one datagram: nothing waits to fill a batch.
 *
 * Why big buffers: a client such as Kamailio sends bursts (one query per SIP worker, many
 * workers, many proxies). The default receive buffer (about 200 KiB, about 190 small datagrams
 * at their in-kernel size) overflows at a few hundred queries in flight, and every lost query
 * costs the caller its full timeout (50 ms and more). The engine asks for 8 MiB per socket by
 * default (SO_RCVBUFFORCE when the process may, else SO_RCVBUF, which the kernel caps at
 * net.core.rmem_max), enough for 4,096 queries in flight per socket; it reports what the kernel
 * granted so an operator can raise rmem_max/wmem_max when the grant is short.
 *
 * Per-packet work allocates nothing and takes no lock: every buffer is allocated per worker at
 * start. Worker threads are named "mnp-udp-N" and block every signal (signals go to the thread
 * that started the server or to others of the program). IPv4 and IPv6 numeric addresses.
 */
#ifndef MNP_UDP_SERVER_H
#define MNP_UDP_SERVER_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mnp/error.h"

/* Limits and defaults of a configuration. */
#define MNP_UDP_MAX_WORKERS         64
#define MNP_UDP_MAX_BATCH           64
#define MNP_UDP_DEFAULT_BUF_BYTES   (8 * 1024 * 1024)
#define MNP_UDP_DEFAULT_REQUEST_MAX 1500 /* longer datagrams are dropped (counted oversize) */
#define MNP_UDP_DEFAULT_REPLY_MAX   512
#define MNP_UDP_MAX_DATAGRAM_BYTES  65535

/* A peer address, IPv4 or IPv6 (sa.sa_family tells which). */
typedef union mnp_udp_addr {
    struct sockaddr sa;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
} mnp_udp_addr_t;

/* One datagram. For a request (the handler's `in`) data and len are the received bytes
 * (borrowed until the handler returns), cap is 0, and peer is the sender. For a reply (`out`)
 * data is the worker's reply buffer of cap bytes; the handler writes the reply into it, sets
 * len (at most cap) and sets peer/peer_len to the destination (usually the request's peer). */
typedef struct mnp_udp_packet {
    uint8_t *data;
    size_t len;
    size_t cap;
    mnp_udp_addr_t peer;
    socklen_t peer_len;
} mnp_udp_packet_t;

/* Answers a batch: reads in[0..n) (1 <= n <= batch) and fills out[0..k), returning k <= n, the
 * number of replies to send; requests it does not answer are counted as dropped. Runs on the
 * worker thread that called init with worker_arg; must not block for long (it delays the whole
 * batch and every datagram behind it). out[i].len starts at 0 and out[i].peer is unset. */
typedef size_t (*mnp_udp_handle_fn)(void *worker_arg, const mnp_udp_packet_t *in, size_t n,
                                    mnp_udp_packet_t *out);

/* Called once on each worker thread before it serves (worker is 0..workers-1): sets
 * *worker_arg for the handler and fini (e.g. to per-thread state, a reader slot of an RCU
 * structure). Returns 0, or a negative MNP_E* that makes mnp_udp_server_start fail with it. */
typedef int (*mnp_udp_init_fn)(void *ctx, unsigned worker, void **worker_arg);

/* Called once on each worker thread whose init succeeded, after its last handler call. */
typedef void (*mnp_udp_fini_fn)(void *ctx, unsigned worker, void *worker_arg);

/* What to serve. Zero values select the defaults noted. The struct is read during start only. */
typedef struct mnp_udp_config {
    const char *address;      /* numeric IPv4 or IPv6 (v6 only) address; NULL: "127.0.0.1" */
    uint16_t port;            /* 0: an ephemeral port, see mnp_udp_server_port */
    unsigned workers;         /* 1..MNP_UDP_MAX_WORKERS; 0: 1 */
    unsigned batch;           /* datagrams per recvmmsg, 1..MNP_UDP_MAX_BATCH; 0: 64 */
    size_t request_max_bytes; /* receive buffer per datagram; 0: MNP_UDP_DEFAULT_REQUEST_MAX */
    size_t reply_max_bytes;   /* reply buffer per datagram (out[i].cap); 0: ..._REPLY_MAX */
    int rcvbuf_bytes;         /* SO_RCVBUF asked per socket; 0: MNP_UDP_DEFAULT_BUF_BYTES */
    int sndbuf_bytes;         /* SO_SNDBUF asked per socket; 0: MNP_UDP_DEFAULT_BUF_BYTES */
    mnp_udp_handle_fn handle; /* required */
    mnp_udp_init_fn init;     /* optional; without it worker_arg is ctx */
    mnp_udp_fini_fn fini;     /* optional */
    void *ctx;                /* borrowed; passed to init and fini, must outlive the server */
} mnp_udp_config_t;

/* Counters of one worker (or their sum). When the server is quiet (or stopped),
 * received == answered + dropped + send_errors. */
typedef struct mnp_udp_stats {
    uint64_t received;    /* datagrams read from the socket */
    uint64_t answered;    /* replies the kernel accepted */
    uint64_t dropped;     /* requests not answered by the handler, plus oversize ones */
    uint64_t oversize;    /* of dropped: longer than request_max_bytes, never handed over */
    uint64_t send_errors; /* replies the kernel refused or that could not be sent in time */
    uint64_t recv_errors; /* failed recvmmsg calls other than "nothing to read" */
    uint64_t batches;     /* handler calls */
} mnp_udp_stats_t;

typedef struct mnp_udp_server mnp_udp_server_t;

/* Opens the sockets, starts the workers, runs every init and returns once all of them
 * succeeded; *out is then the running server, freed with mnp_udp_server_free. On failure
 * nothing is left running and *out is NULL: MNP_EINVAL (bad configuration or address),
 * MNP_EBUSY (the address and port are taken by a socket that does not share them through
 * SO_REUSEPORT, or by another user), MNP_EIO (other socket or thread failure), or what an init
 * returned; err (optional) says which. */
int mnp_udp_server_start(const mnp_udp_config_t *cfg, mnp_udp_server_t **out,
                         mnp_error_t *err) MNP_WUR;

/* Stops the workers (each finishes its current batch), runs every fini, joins the threads and
 * closes the sockets; well under 100 ms. Idempotent. Counters stay readable until free. Not to
 * be called concurrently with itself or free, nor from a handler. */
void mnp_udp_server_stop(mnp_udp_server_t *srv);

/* Stops (if running) and frees srv. NULL is a no-op. */
void mnp_udp_server_free(mnp_udp_server_t *srv);

/* The bound port (the chosen one when the configuration asked for 0); host byte order. */
uint16_t mnp_udp_server_port(const mnp_udp_server_t *srv);

/* The number of workers. */
unsigned mnp_udp_server_workers(const mnp_udp_server_t *srv);

/* The buffer sizes the kernel granted to the sockets (the smallest over the workers), as
 * getsockopt reports them (Linux doubles the request to account for its bookkeeping). */
int mnp_udp_server_rcvbuf_bytes(const mnp_udp_server_t *srv);
int mnp_udp_server_sndbuf_bytes(const mnp_udp_server_t *srv);

/* Copies the counters of one worker (0..workers-1) into *out; any thread, any time (each value
 * is read atomically, the set is not a snapshot while traffic flows). MNP_ERANGE for a bad
 * worker index. */
int mnp_udp_server_stats(const mnp_udp_server_t *srv, unsigned worker,
                         mnp_udp_stats_t *out) MNP_WUR;

/* The sum of every worker's counters. */
void mnp_udp_server_stats_total(const mnp_udp_server_t *srv, mnp_udp_stats_t *out);

#endif
