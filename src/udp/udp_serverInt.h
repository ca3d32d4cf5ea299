/*
 * Private to src/udp: the server and worker structures shared by the lifecycle code
 * (udp_server.c) and the worker loop (udp_worker.c), and the worker's entry point.
 */
#ifndef MNP_UDP_SERVER_INT_H
#define MNP_UDP_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "mnp/udp_server.h"

#define CACHE_LINE 64

/* One worker's counters: written by the worker only, read by anyone. A single writer needs no
 * read-modify-write, so an increment is a relaxed load and store (no locked instruction). */
typedef struct udp_counters {
    _Atomic uint64_t received, answered, dropped, oversize, send_errors, recv_errors, batches;
} udp_counters_t;

typedef struct udp_worker {
    /* The counters first, on a cache line of their own (the struct is allocated aligned), so
     * that /metrics readers and other workers never share a line with the hot fields. */
    _Alignas(CACHE_LINE) udp_counters_t c;
    _Alignas(CACHE_LINE) mnp_udp_server_t *srv;
    unsigned index;
    int fd;
    bool thread_started;
    pthread_t tid;
    struct mmsghdr *rmsg, *smsg; /* [batch] each */
    struct iovec *riov, *siov;   /* [batch] each */
    mnp_udp_addr_t *raddr;       /* [batch]: where recvmmsg writes the senders */
    mnp_udp_packet_t *in, *out;  /* [batch] each: what the handler sees */
    uint8_t *rbuf, *sbuf;        /* [batch * request_max], [batch * reply_max] */
} udp_worker_t;

struct mnp_udp_server {
    mnp_udp_config_t cfg; /* with the defaults filled in */
    uint16_t port;
    int rcvbuf_bytes, sndbuf_bytes;
    int stop_fd;
    atomic_bool stopping;
    bool stopped;
    /* Start-up handshake (not the hot path): workers report their init, then wait for go. */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    unsigned reported;
    int init_rc;
    int go; /* 0 wait, 1 serve, -1 leave */
    udp_worker_t *w[MNP_UDP_MAX_WORKERS];
};

/* The thread body of one worker (arg: its udp_worker_t): names the thread, runs init, waits
 * for start to let it go, serves until stop, runs fini. */
void *mnp_udp_worker_main(void *arg);

#endif
