/*
 * lookup_servers.h: starting and stopping the pdb and ENUM servers, and each worker thread's
 * state (made on the worker's own thread, so its reader slot is that thread's).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

#define ENUM_PORT_TRIES 16

/* Whether nobody has UDP port on address: a socket without SO_REUSEPORT binds to it (and
 * closes again). The engine's sockets share a port with any SO_REUSEPORT socket of the same
 * user, so a chosen port is checked this way first. */
static bool udp_port_free(const char *address, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && inet_pton(AF_INET, address, &sa.sin_addr) == 1 &&
              bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

/* ENUM over UDP and TCP on one port. Asked for any port, it takes a free TCP port and the same
 * UDP port, trying again when the UDP one is taken (an ephemeral port free for one protocol may
 * be in use for the other). */
static int start_enum(mnp_lookup_servers_t *s, const mnp_lookup_servers_config_t *cfg,
                      mnp_error_t *err)
{
    int rc = MNP_EBUSY;
    for (int tries = 0; rc == MNP_EBUSY && tries < (cfg->enum_port ? 1 : ENUM_PORT_TRIES);
         tries++) {
        mnp_error_clear(err);
        rc = lookup_enum_tcp_bind(s, cfg->enum_address, cfg->enum_port, err);
        if (rc == 0 && cfg->enum_port == 0 && !udp_port_free(cfg->enum_address, s->tcp_port))
            rc = mnp_error_set(err, MNP_EBUSY, "ENUM: UDP port %u is taken", s->tcp_port);
        if (rc == 0)
            rc = start_udp(s, cfg->enum_address, s->tcp_port, cfg->workers, lookup_enum_handle,
                           &s->enum_udp, err);
        if (rc != 0)
            lookup_enum_tcp_unbind(s);
    }
    return rc == 0 ? lookup_enum_tcp_run(s, err) : rc;
}

int mnp_lookup_servers_start(const mnp_lookup_servers_config_t *cfg, mnp_lookup_servers_t **out,
                             mnp_error_t *err)
{
    mnp_lookup_servers_t *s = mnp_xcalloc(1, sizeof(*s));
    s->table = cfg->table;
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
    if (rc == 0 && cfg->enum_address != NULL)
        rc = start_enum(s, cfg, err);
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
