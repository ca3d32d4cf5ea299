/*
 * A reference responder for checking the UDP load generator itself (udp_load --self-responder):
 * one thread on a loopback socket answering pdb (version 1 or legacy) or ENUM NAPTR queries from
 * a hash table of the ported set, with optional faults (every Nth query dropped, every Mth reply
 * made wrong) so that the generator's lost and wrong counts can be seen to be exact. It is a
 * test fixture, not a model server: it parses only what the generator sends.
 */
#ifndef MNP_BENCH_UDP_LOAD_RESPONDER_H
#define MNP_BENCH_UDP_LOAD_RESPONDER_H

#include <pthread.h>
#include <stdint.h>

#include "hashtab.h"
#include "mnp/error.h"
#include "udp_load_wire.h"

typedef struct ul_responder {
    ul_proto_t proto;
    const hashtab_t *set;   /* borrowed: number -> operator (1..4, used as the carrier id) */
    uint64_t drop_every;    /* 0: never */
    uint64_t corrupt_every; /* 0: never */
    uint16_t port;          /* filled by ul_responder_start */
    int fd, stop_fd;
    pthread_t thread;
    /* counted by the responder thread; read them after ul_responder_stop */
    uint64_t seen, dropped, corrupted, unparsed;
} ul_responder_t;

/* Binds a UDP socket to addr (host order) on an ephemeral port, stores it in r->port and starts
 * the thread. r's proto, set, drop_every and corrupt_every must be set; set must outlive the
 * responder. Returns 0 or MNP_EIO (with a message on stderr). */
int ul_responder_start(ul_responder_t *r, uint32_t addr) MNP_WUR;

/* Stops and joins the thread and closes the sockets. */
void ul_responder_stop(ul_responder_t *r);

#endif
