/*
 * The lookup role of mnpd: a replica of the clearinghouse's NPDB (replica.h) that answers
 * lookups (lookup_api.h). A follower thread keeps the table current: it starts from the local
 * state when there is one (and says so when the clearinghouse cannot be reached), else from the
 * clearinghouse's snapshot, then follows the change feed by long poll.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mnpd.h"

#define FEED_WAIT_S 4    /* long poll: below the client's 5 s timeout */
#define RETRY_MS    1000 /* after a failed attempt */

int mnpd_lookup_routes(mnpd_lookup_t *l, const mnpd_config_t *cfg, mnp_http_router_t *router,
                       mnp_error_t *err)
{
    pthread_mutex_init(&l->mu, NULL);
    pthread_cond_init(&l->cv, NULL);
    mnp_routing_table_init(&l->routing);
    int rc = mnp_numplan_new(&l->plan);
    if (rc != 0)
        return mnp_error_set(err, rc, "cannot make the number plan: %s", mnp_strerror(rc));
    if (cfg->lookup_blocks != NULL &&
        (rc = mnp_numplan_load_blocks_file(l->plan, cfg->lookup_blocks, err)) != 0)
        return rc;
    if ((rc = mnp_lookup_new(l->plan, &l->table)) != 0)
        return mnp_error_set(err, rc, "cannot make the lookup table: %s", mnp_strerror(rc));
    if (cfg->lookup_routing != NULL &&
        (rc = mnp_routing_load_file(&l->routing, cfg->lookup_routing, err)) != 0)
        return rc;
    l->api = (mnp_lookup_api_t){.table = l->table, .routing = &l->routing};
    rc = mnp_lookup_api_routes(router, &l->api);
    static const char *const udp_labels[] = {"server", "packets"};
    const mnp_metric_def_t defs[] = {
        {true, "mnp_lookup_seq",
         "The clearinghouse feed sequence number the lookup table reflects.", NULL, 0, &l->m_seq},
        {true, "mnp_lookup_lag_seconds",
         "How old the newest change applied was while the feed had more (0: caught up).", NULL, 0,
         &l->m_lag},
        {true, "mnp_lookup_changes_applied", "NPDB changes the replica applied since it started.",
         NULL, 0, &l->m_changes},
        {true, "mnp_lookup_snapshots_loaded",
         "Snapshots the replica loaded from the clearinghouse since it started.", NULL, 0,
         &l->m_snapshots},
        {true, "mnp_lookup_udp_packets",
         "Datagrams of the pdb and ENUM servers: received, answered, dropped (malformed), "
         "send_errors.",
         udp_labels, 2, &l->m_udp},
        {true, "mnp_lookup_held_changes",
         "Changes held beside the snapshot (a new snapshot past snapshot_after_changes).", NULL, 0,
         &l->m_held},
    };
    if (rc == 0)
        rc = mnp_metrics_register_all(NULL, defs, sizeof(defs) / sizeof(defs[0]));
    if (rc != 0)
        return mnp_error_set(err, rc, "cannot set up the lookup routes: %s", mnp_strerror(rc));
    return 0;
}

static void publish_figures(mnpd_lookup_t *l)
{
    mnp_replica_figures_t f;
    mnp_replica_figures(l->replica, &f);
    mnp_metrics_set(l->m_seq, NULL, (double)f.seq);
    mnp_metrics_set(l->m_lag, NULL, (double)f.lag_ms / 1000.0);
    mnp_metrics_set(l->m_changes, NULL, (double)f.changes);
    mnp_metrics_set(l->m_snapshots, NULL, (double)f.snapshots);
    mnp_metrics_set(l->m_held, NULL, (double)f.held_changes);
    if (l->servers == NULL)
        return;
    mnp_udp_stats_t st[2];
    mnp_lookup_servers_stats(l->servers, &st[0], &st[1]);
    static const char *const names[] = {"pdb", "enum"};
    for (int i = 0; i < 2; i++) {
        const struct {
            const char *kind;
            uint64_t v;
        } rows[] = {{"received", st[i].received},
                    {"answered", st[i].answered},
                    {"dropped", st[i].dropped},
                    {"send_errors", st[i].send_errors}};
        for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
            const char *labels[] = {names[i], rows[k].kind};
            mnp_metrics_set(l->m_udp, labels, (double)rows[k].v);
        }
    }
}

/* Waits up to ms or until the role stops; returns whether it stops. */
static bool pause_ms(mnpd_lookup_t *l, int64_t ms)
{
    struct timespec until = mnp_deadline_after(CLOCK_REALTIME, ms);
    pthread_mutex_lock(&l->mu);
    if (!l->stopping)
        pthread_cond_timedwait(&l->cv, &l->mu, &until);
    bool stop = l->stopping;
    pthread_mutex_unlock(&l->mu);
    return stop;
}

static void *follow(void *arg)
{
    mnpd_lookup_t *l = arg;
    pthread_setname_np(pthread_self(), "mnp-lookup-feed");
    bool failing = false;
    for (;;) {
        pthread_mutex_lock(&l->mu);
        bool stop = l->stopping;
        pthread_mutex_unlock(&l->mu);
        if (stop)
            break;
        mnp_error_t err = {0};
        size_t applied = 0;
        bool had = mnp_replica_has_snapshot(l->replica);
        int rc = had ? mnp_replica_poll(l->replica, FEED_WAIT_S, &applied, &err)
                     : mnp_replica_snapshot(l->replica, &err);
        if (rc == 0 && mnp_replica_has_snapshot(l->replica) && !atomic_load(&l->ready)) {
            atomic_store(&l->ready, true);
            mnp_log(MNP_LOG_INFO, "lookup replica ready", MNP_KV(MNP_KV_STR("from", "snapshot")));
        }
        if (rc != 0 && !failing) { /* once per outage */
            mnp_replica_figures_t f;
            mnp_replica_figures(l->replica, &f);
            if (had)
                mnp_log(MNP_LOG_WARN,
                        "cannot follow the clearinghouse; answering from the local state",
                        MNP_KV(MNP_KV_U64("seq", f.seq), MNP_KV_STR("error", err.msg)));
            else
                mnp_log(MNP_LOG_WARN, "cannot get the clearinghouse's snapshot; not ready",
                        MNP_KV(MNP_KV_STR("error", err.msg)));
        } else if (rc == 0 && failing) {
            mnp_replica_figures_t f;
            mnp_replica_figures(l->replica, &f);
            mnp_log(MNP_LOG_INFO, "following the clearinghouse again",
                    MNP_KV(MNP_KV_U64("seq", f.seq)));
        }
        failing = rc != 0;
        publish_figures(l);
        if (rc != 0 && pause_ms(l, RETRY_MS))
            break;
    }
    return NULL;
}

int mnpd_lookup_start(mnpd_lookup_t *l, const mnpd_config_t *cfg, const char *local_url,
                      mnp_error_t *err)
{
    char key[MNP_APIKEY_STR_SIZE];
    int rc = mnpd_read_api_key(cfg->lookup_key_file, key, err);
    const char *url =
        strcmp(cfg->lookup_clearinghouse, "local") == 0 ? local_url : cfg->lookup_clearinghouse;
    mnp_ch_client_config_t ccfg = {.base_url = url, .api_key = key};
    if (rc == 0)
        rc = mnp_ch_client_new(&ccfg, &l->client, err);
    mnp_memzero(key, sizeof(key));
    mnp_replica_config_t rcfg = {.ch = l->client,
                                 .table = l->table,
                                 .dir = cfg->lookup_state_dir,
                                 .changes_max = cfg->lookup_changes_max};
    if (rc == 0)
        rc = mnp_replica_open(&rcfg, &l->replica, err);
    if (rc != 0)
        return rc;
    if (cfg->lookup_pdb_set || cfg->lookup_enum_set) {
        mnp_lookup_servers_config_t scfg = {
            .table = l->table,
            .routing = &l->routing,
            .workers = (unsigned)cfg->lookup_workers,
            .pdb_address = cfg->lookup_pdb_set ? cfg->lookup_pdb.host : NULL,
            .pdb_port = cfg->lookup_pdb.port,
            .enum_address = cfg->lookup_enum_set ? cfg->lookup_enum.host : NULL,
            .enum_port = cfg->lookup_enum.port,
            .enum_suffix = cfg->lookup_enum_suffix};
        rc = mnp_lookup_carriers_parse(cfg->lookup_carriers, &scfg.carriers, err);
        if (rc == 0)
            rc = mnp_lookup_servers_start(&scfg, &l->servers, err);
        if (rc != 0)
            return rc;
        char where[MNP_INI_HOST_MAX + 16];
        if (cfg->lookup_pdb_set) {
            snprintf(where, sizeof(where), "%s:%u", cfg->lookup_pdb.host,
                     mnp_lookup_servers_pdb_port(l->servers));
            mnp_log(MNP_LOG_INFO, "listening",
                    MNP_KV(MNP_KV_STR("role", "pdb"), MNP_KV_STR("addr", where),
                           MNP_KV_STR("proto", "udp"), MNP_KV_U64("workers", cfg->lookup_workers)));
        }
        if (cfg->lookup_enum_set) {
            snprintf(where, sizeof(where), "%s:%u", cfg->lookup_enum.host,
                     mnp_lookup_servers_enum_port(l->servers));
            mnp_log(MNP_LOG_INFO, "listening",
                    MNP_KV(MNP_KV_STR("role", "enum"), MNP_KV_STR("addr", where),
                           MNP_KV_STR("proto", "udp+tcp"),
                           MNP_KV_STR("zone", cfg->lookup_enum_suffix)));
        }
    }
    mnp_replica_figures_t f;
    mnp_replica_figures(l->replica, &f);
    if (mnp_replica_has_snapshot(l->replica)) {
        atomic_store(&l->ready, true);
        mnp_log(MNP_LOG_INFO, "lookup replica resumes from its local state",
                MNP_KV(MNP_KV_U64("seq", f.seq), MNP_KV_STR("state_dir", cfg->lookup_state_dir)));
    }
    publish_figures(l);
    if (pthread_create(&l->follower, NULL, follow, l) != 0)
        return mnp_error_set(err, MNP_ENOMEM, "cannot start the lookup follower");
    l->following = true;
    mnp_log(
        MNP_LOG_INFO, "lookup replica up",
        MNP_KV(MNP_KV_STR("clearinghouse", url), MNP_KV_STR("state_dir", cfg->lookup_state_dir)));
    return 0;
}

bool mnpd_lookup_ready(mnpd_lookup_t *l)
{
    return atomic_load(&l->ready);
}

void mnpd_lookup_halt(mnpd_lookup_t *l)
{
    if (!l->following)
        return;
    pthread_mutex_lock(&l->mu);
    l->stopping = true;
    pthread_cond_broadcast(&l->cv);
    pthread_mutex_unlock(&l->mu);
    mnp_ch_client_abort(l->client); /* ends a long poll in progress */
    pthread_join(l->follower, NULL);
    l->following = false;
}

void mnpd_lookup_stop(mnpd_lookup_t *l)
{
    mnpd_lookup_halt(l);
    mnp_lookup_servers_free(l->servers); /* its workers hold reader slots of the table */
    l->servers = NULL;
    mnp_replica_free(l->replica);
    mnp_ch_client_free(l->client);
    mnp_lookup_free(l->table);
    mnp_numplan_free(l->plan);
    mnp_routing_table_fini(&l->routing);
    l->replica = NULL;
    l->client = NULL;
    l->table = NULL;
    l->plan = NULL;
}
