/*
 * lookup_servers.h: starting and stopping the pdb and ENUM servers, and each worker thread's
 * state (made on the worker's own thread, so its reader slot is that thread's).
 */
#include <stdlib.h>
#include <string.h>

#include "lookupInt.h"
#include "mnp/alloc.h"

int lookup_worker_new(mnp_lookup_servers_t *s, lookup_worker_t **out)
{
    lookup_worker_t *w = mnp_xcalloc(1, sizeof(*w));
    w->s = s;
    mnp_dns_zone_config_t zc = s->zone_cfg;
    zc.ctx = w;
    mnp_error_t err = {0};
    int rc = mnp_lookup_reader(s->table, &w->reader);
    if (rc == 0)
        rc = mnp_dns_zone_init(&w->zone, &zc, &err);
    if (rc != 0) {
        lookup_worker_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void lookup_worker_free(lookup_worker_t *w)
{
    if (w == NULL)
        return;
    if (w->reader != NULL)
        mnp_lookup_reader_release(w->reader);
    free(w);
}

static int worker_init(void *ctx, unsigned worker, void **arg)
{
    (void)worker;
    return lookup_worker_new(ctx, (lookup_worker_t **)arg);
}

static void worker_fini(void *ctx, unsigned worker, void *arg)
{
    (void)ctx, (void)worker;
    lookup_worker_free(arg);
}

static int start_udp(mnp_lookup_servers_t *s, const char *address, uint16_t port, unsigned workers,
                     mnp_udp_handle_fn handle, mnp_udp_server_t **out, mnp_error_t *err)
{
    mnp_udp_config_t cfg = {.address = address,
                            .port = port,
                            .workers = workers,
                            .reply_max_bytes = MNP_DNS_EDNS_SIZE, /* the most a reply may be */
                            .handle = handle,
                            .init = worker_init,
                            .fini = worker_fini,
                            .ctx = s};
    return mnp_udp_server_start(&cfg, out, err);
}

int mnp_lookup_servers_start(const mnp_lookup_servers_config_t *cfg, mnp_lookup_servers_t **out,
                             mnp_error_t *err)
{
    mnp_lookup_servers_t *s = mnp_xcalloc(1, sizeof(*s));
    s->table = cfg->table;
    s->plan = cfg->plan;
    s->routing = cfg->routing;
    s->carriers = cfg->carriers;
    s->tcp_fd = s->tcp_stop_fd = -1;
    mnp_dns_zone_config_default(&s->zone_cfg);
    if (cfg->enum_suffix != NULL)
        s->zone_cfg.suffix = cfg->enum_suffix;
    s->zone_cfg.resolve = lookup_enum_resolve;
    int rc = 0;
    if (cfg->pdb_address != NULL)
        rc = start_udp(s, cfg->pdb_address, cfg->pdb_port, cfg->workers, lookup_pdb_handle, &s->pdb,
                       err);
    if (rc == 0 && cfg->enum_address != NULL) {
        rc = start_udp(s, cfg->enum_address, cfg->enum_port, cfg->workers, lookup_enum_handle,
                       &s->enum_udp, err);
        /* TCP on the UDP port (the one chosen when the config said 0). */
        if (rc == 0)
            rc = lookup_enum_tcp_start(s, cfg->enum_address, mnp_udp_server_port(s->enum_udp), err);
    }
    if (rc != 0) {
        mnp_lookup_servers_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

uint16_t mnp_lookup_servers_pdb_port(const mnp_lookup_servers_t *s)
{
    return s->pdb ? mnp_udp_server_port(s->pdb) : 0;
}

uint16_t mnp_lookup_servers_enum_port(const mnp_lookup_servers_t *s)
{
    return s->enum_udp ? mnp_udp_server_port(s->enum_udp) : 0;
}

void mnp_lookup_servers_stats(const mnp_lookup_servers_t *s, mnp_udp_stats_t *pdb,
                              mnp_udp_stats_t *enum_udp)
{
    memset(pdb, 0, sizeof(*pdb));
    memset(enum_udp, 0, sizeof(*enum_udp));
    if (s->pdb != NULL)
        mnp_udp_server_stats_total(s->pdb, pdb);
    if (s->enum_udp != NULL)
        mnp_udp_server_stats_total(s->enum_udp, enum_udp);
}

void mnp_lookup_servers_free(mnp_lookup_servers_t *s)
{
    if (s == NULL)
        return;
    lookup_enum_tcp_stop(s);
    mnp_udp_server_free(s->enum_udp);
    mnp_udp_server_free(s->pdb);
    free(s);
}
