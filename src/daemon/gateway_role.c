/*
 * The operator gateway role of mnpd: one tenant per [operator "CODE"] section, each with its own
 * store and its own clearinghouse client (the operator's key), all served by one gateway API.
 * The routes go on a router before any server starts; the tenants come up afterwards, because a
 * gateway whose clearinghouse is "local" needs the port this mnpd's clearinghouse listens on.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "mnp/secret.h"
#include "mnpd.h"

int mnpd_gateway_routes(mnpd_gateway_t *g, mnp_http_router_t *router, mnp_error_t *err)
{
    static const char *const op_label[] = {"operator"};
    int rc = mnp_gw_api_new(&g->api);
    if (rc == 0)
        rc = mnp_gw_api_routes(router, g->api);
    if (rc == 0)
        rc = mnp_metrics_gauge(NULL, "mnp_gateway_feed_seq",
                               "How far each operator's gateway applied the clearinghouse's feed.",
                               op_label, 1, &g->m_feed_seq);
    if (rc == 0)
        rc = mnp_metrics_gauge(NULL, "mnp_gateway_provisioning_pending",
                               "Provisioning events the operator's network has not taken yet.",
                               op_label, 1, &g->m_prov_pending);
    if (rc == 0)
        rc = mnp_metrics_gauge(NULL, "mnp_gateway_provisioning_attempts_max",
                               "The most failed deliveries among the pending provisioning events.",
                               op_label, 1, &g->m_prov_attempts);
    if (rc != 0)
        return mnp_error_set(err, rc, "cannot set up the gateway's routes: %s", mnp_strerror(rc));
    return 0;
}

/* The operator's clearinghouse key: the first line of path, checked. */
static int read_key(const char *path, char key[MNP_APIKEY_STR_SIZE], mnp_error_t *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return mnp_error_set(err, MNP_EIO, "api_key_file %s: %s", path, strerror(errno));
    char line[256] = "";
    bool got = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    int rc = 0;
    if (!got || mnp_apikey_check(line) != 0)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "api_key_file %s: the first line is not an mnp API key (the one "
                           "'mnpctl operator add' printed)",
                           path);
    else
        snprintf(key, MNP_APIKEY_STR_SIZE, "%s", line);
    mnp_memzero(line, sizeof(line));
    return rc;
}

#define FEED_WAIT_S 4    /* long poll: below the client's 5 s timeout */
#define RETRY_MS    1000 /* after a failed poll */

/* One tenant's feed follower: a long poll after another until the gateway stops. */
static void *follow(void *arg)
{
    struct mnpd_tenant *t = arg;
    pthread_setname_np(pthread_self(), "mnp-gw-feed");
    bool failing = false;
    for (;;) {
        pthread_mutex_lock(&t->g->mu);
        bool stop = t->g->stopping;
        pthread_mutex_unlock(&t->g->mu);
        if (stop)
            break;
        unsigned handled = 0;
        mnp_error_t err = {0};
        int rc = mnp_gw_feed_poll(t->gw, FEED_WAIT_S, &handled, &err);
        if (rc != 0 && !failing) /* once per outage, not once a second */
            mnp_log(MNP_LOG_WARN, "cannot follow the clearinghouse's feed",
                    MNP_KV(MNP_KV_STR("operator", mnp_gw_operator(t->gw)),
                           MNP_KV_STR("error", err.msg)));
        else if (rc == 0 && failing)
            mnp_log(MNP_LOG_INFO, "following the clearinghouse's feed again",
                    MNP_KV(MNP_KV_STR("operator", mnp_gw_operator(t->gw))));
        failing = rc != 0;
        mnp_gw_figures_t fig;
        if (mnp_gw_figures(t->gw, &fig, &err) == 0) {
            const char *op[] = {mnp_gw_operator(t->gw)};
            mnp_metrics_set(t->g->m_feed_seq, op, (double)fig.feed_seq);
            mnp_metrics_set(t->g->m_prov_pending, op, (double)fig.prov_pending);
            mnp_metrics_set(t->g->m_prov_attempts, op, (double)fig.prov_max_attempts);
        }
        if (rc != 0) {
            struct timespec until;
            clock_gettime(CLOCK_REALTIME, &until);
            until.tv_sec += RETRY_MS / 1000;
            pthread_mutex_lock(&t->g->mu);
            if (!t->g->stopping)
                pthread_cond_timedwait(&t->g->cv, &t->g->mu, &until);
            pthread_mutex_unlock(&t->g->mu);
        }
    }
    return NULL;
}

static int start_tenant(mnpd_gateway_t *g, const struct mnpd_operator *o, const char *local_url,
                        const mnp_clock_t *clock, mnp_error_t *err)
{
    struct mnpd_tenant *t = &g->tenants[g->n];
    char key[MNP_APIKEY_STR_SIZE];
    int rc = read_key(o->api_key_file, key, err);
    mnp_store_config_t scfg = {.url = o->store, .create = true};
    if (rc == 0)
        rc = mnp_store_open(&scfg, &t->store, err);
    const char *url = strcmp(o->clearinghouse, "local") == 0 ? local_url : o->clearinghouse;
    mnp_ch_client_config_t ccfg = {.base_url = url, .api_key = key};
    if (rc == 0)
        rc = mnp_ch_client_new(&ccfg, &t->client, err);
    mnp_gw_config_t gcfg = {.op = o->code,
                            .name = o->name,
                            .service_number = o->service_number,
                            .store = t->store,
                            .ch = t->client,
                            .clock = clock};
    if (rc == 0)
        rc = mnp_gw_new(&gcfg, &t->gw, err);
    if (rc == 0 && (rc = mnp_gw_api_add(g->api, t->gw, key)) != 0)
        mnp_error_set(err, rc, "[operator \"%s\"]: its key is another operator's too", o->code);
    t->g = g;
    if (rc == 0 && pthread_create(&t->follower, NULL, follow, t) != 0)
        rc = mnp_error_set(err, MNP_ENOMEM, "cannot start a feed follower");
    t->following = rc == 0;
    mnp_memzero(key, sizeof(key));
    g->n++; /* counted even when half made, so that stop frees what there is */
    if (rc == 0)
        mnp_log(MNP_LOG_INFO, "gateway tenant up",
                MNP_KV(MNP_KV_STR("operator", o->code),
                       MNP_KV_STR("service_number", o->service_number),
                       MNP_KV_STR("clearinghouse", url), MNP_KV_STR("store", o->store)));
    return rc;
}

int mnpd_gateway_start(mnpd_gateway_t *g, const mnpd_config_t *cfg, const char *local_url,
                       const mnp_clock_t *clock, mnp_error_t *err)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    for (size_t i = 0; i < cfg->noperators; i++) {
        int rc = start_tenant(g, &cfg->operators[i], local_url, clock, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

void mnpd_gateway_halt(mnpd_gateway_t *g)
{
    if (g->n > 0) {
        pthread_mutex_lock(&g->mu);
        g->stopping = true;
        pthread_cond_broadcast(&g->cv);
        pthread_mutex_unlock(&g->mu);
    }
    for (size_t i = 0; i < g->n; i++) {
        if (!g->tenants[i].following)
            continue;
        mnp_ch_client_abort(g->tenants[i].client); /* ends a long poll in progress */
        pthread_join(g->tenants[i].follower, NULL);
        g->tenants[i].following = false;
    }
}

void mnpd_gateway_stop(mnpd_gateway_t *g)
{
    mnpd_gateway_halt(g);
    for (size_t i = 0; i < g->n; i++) {
        mnp_gw_free(g->tenants[i].gw);
        mnp_ch_client_free(g->tenants[i].client);
        mnp_store_close(g->tenants[i].store);
    }
    g->n = 0;
    mnp_gw_api_free(g->api);
    g->api = NULL;
}
