/*
 * The lookup replica's network answers beside HTTP (SPEC.md §6): Kamailio's pdb protocol over
 * UDP (pdb.h), and DNS ENUM over UDP and TCP (dns.h), both from the replica's table (lookup.h)
 * on the batched UDP server (udp_server.h). Each worker thread has a reader slot of its own, so
 * no packet takes a lock or allocates.
 *
 * pdb answers a number with the numeric carrier id of the operator serving it now (carriers:
 * "CMCC:1,CUCC:2,..."), not found (code 3) for a number nobody serves or an operator without
 * an id. ENUM answers a full number with a NAPTR (";npdi;rn=<routing number>" when ported,
 * ";npdi" when not), a prefix of numbers with NODATA, anything else with NXDOMAIN.
 */
#ifndef MNP_LOOKUP_SERVERS_H
#define MNP_LOOKUP_SERVERS_H

#include <stdint.h>

#include "mnp/error.h"
#include "mnp/lookup.h"
#include "mnp/routing.h"
#include "mnp/udp_server.h"

#define MNP_LOOKUP_CARRIERS_MAX 16

/* Operator code -> pdb carrier id. */
typedef struct mnp_lookup_carriers {
    struct {
        char op[MNP_NPDB_OP_CODE_MAX];
        uint16_t id;
    } v[MNP_LOOKUP_CARRIERS_MAX];
    unsigned n;
} mnp_lookup_carriers_t;

/* Parses "CODE:ID,CODE:ID,..." (ids 1-999, codes 1-7 characters, each once). MNP_EINVAL with
 * err saying which entry is wrong. */
int mnp_lookup_carriers_parse(const char *s, mnp_lookup_carriers_t *out, mnp_error_t *err) MNP_WUR;

typedef struct mnp_lookup_servers mnp_lookup_servers_t;

typedef struct mnp_lookup_servers_config {
    mnp_lookup_t *table;                /* borrowed */
    const mnp_routing_table_t *routing; /* borrowed: routing numbers */
    unsigned workers;                   /* UDP worker threads per protocol; 0: 1 */
    /* pdb: when pdb_address is NULL, no pdb server. */
    const char *pdb_address;
    uint16_t pdb_port;
    mnp_lookup_carriers_t carriers;
    /* ENUM: when enum_address is NULL, no ENUM server; UDP and TCP on the same port. */
    const char *enum_address;
    uint16_t enum_port;
    const char *enum_suffix; /* NULL: "e164.arpa." */
} mnp_lookup_servers_config_t;

/* Starts the servers cfg names. On failure nothing runs (err says why). */
int mnp_lookup_servers_start(const mnp_lookup_servers_config_t *cfg, mnp_lookup_servers_t **out,
                             mnp_error_t *err) MNP_WUR;

/* The ports bound (the chosen ones when the config said 0); 0 for a server not running. */
uint16_t mnp_lookup_servers_pdb_port(const mnp_lookup_servers_t *s);
uint16_t mnp_lookup_servers_enum_port(const mnp_lookup_servers_t *s);

/* Counters of the UDP servers (all zero for one not running). */
void mnp_lookup_servers_stats(const mnp_lookup_servers_t *s, mnp_udp_stats_t *pdb,
                              mnp_udp_stats_t *enum_udp);

/* Stops and frees everything; NULL is ignored. */
void mnp_lookup_servers_free(mnp_lookup_servers_t *s);

#endif
