/*
 * Private to the lookup area: the servers' shared state and their per-worker state.
 */
#ifndef MNP_LOOKUP_INT_H
#define MNP_LOOKUP_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "mnp/dns.h"
#include "mnp/lookup_servers.h"

struct mnp_lookup_servers {
    mnp_lookup_t *table;
    const mnp_routing_table_t *routing;
    mnp_lookup_carriers_t carriers;
    mnp_dns_zone_config_t zone_cfg; /* each worker makes its zone with its own resolver ctx */
    mnp_udp_server_t *pdb, *enum_udp;
    /* ENUM over TCP: one thread, a few connections at a time. */
    int tcp_fd, tcp_stop_fd;
    uint16_t tcp_port;
    pthread_t tcp_thread;
    bool tcp_running;
};

/* One worker's state: its reader slot, its zone, room for a batch's lookups. */
typedef struct lookup_worker {
    mnp_lookup_servers_t *s;
    mnp_lookup_reader_t *reader;
    mnp_dns_zone_t zone;
    uint64_t keys[MNP_UDP_MAX_BATCH];
    mnp_lookup_answer_t answers[MNP_UDP_MAX_BATCH];
} lookup_worker_t;

/* The pdb server's handler (lookup_pdb.c). */
size_t lookup_pdb_handle(void *arg, const mnp_udp_packet_t *in, size_t n, mnp_udp_packet_t *out);

/* The ENUM resolver and UDP handler (lookup_enum.c); the TCP server. */
int lookup_enum_resolve(void *ctx, uint64_t e164, unsigned ndigits, mnp_dns_number_t *out);
size_t lookup_enum_handle(void *arg, const mnp_udp_packet_t *in, size_t n, mnp_udp_packet_t *out);
/* The TCP listener on address:port (0: a free one; s->tcp_port says which), MNP_EBUSY when the
 * port is taken; closing it again; and its thread, once bound. */
int lookup_enum_tcp_bind(mnp_lookup_servers_t *s, const char *address, uint16_t port,
                         mnp_error_t *err);
void lookup_enum_tcp_unbind(mnp_lookup_servers_t *s);
int lookup_enum_tcp_run(mnp_lookup_servers_t *s, mnp_error_t *err);
void lookup_enum_tcp_stop(mnp_lookup_servers_t *s);

/* A worker's state, made on its own thread (init) and freed there (fini). */
int lookup_worker_new(mnp_lookup_servers_t *s, lookup_worker_t **out);
void lookup_worker_free(lookup_worker_t *w);

#endif
