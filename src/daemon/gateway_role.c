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

#define WEBHOOK_KEY_MIN 32  /* bytes of a webhook key, at least (gateway.h) */
#define WEBHOOK_KEY_MAX 257 /* with its NUL */

int mnpd_gateway_routes(mnpd_gateway_t *g, mnp_http_router_t *router, mnp_error_t *err)
{
    static const char *const op_label[] = {"operator"};
    int rc = mnp_gw_api_new(&g->api);
    if (rc == 0)
        rc = mnp_gw_api_routes(router, g->api);
    const mnp_metric_def_t defs[] = {
        {true, "mnp_gateway_feed_seq",
         "How far each operator's gateway applied the clearinghouse's feed.", op_label, 1,
         &g->m_feed_seq},
        {true, "mnp_gateway_provisioning_pending",
         "Provisioning events the operator's network has not taken yet.", op_label, 1,
         &g->m_prov_pending},
        {true, "mnp_gateway_provisioning_attempts_max",
         "The most failed deliveries among the pending provisioning events.", op_label, 1,
         &g->m_prov_attempts},
        {false, "mnp_gateway_provisioning_delivered_total",
         "Provisioning events the operator's webhook took (2xx).", op_label, 1,
         &g->m_prov_delivered},
        {false, "mnp_gateway_provisioning_failures_total",
         "Failed provisioning webhook attempts (no answer, or not 2xx).", op_label, 1,
         &g->m_prov_failures},
        {true, "mnp_gateway_reports_pending",
         "Reports the gateway queued that the clearinghouse has not taken.", op_label, 1,
         &g->m_reports_pending},
    };
    if (rc == 0)
        rc = mnp_metrics_register_all(NULL, defs, sizeof(defs) / sizeof(defs[0]));
    if (rc != 0)
        return mnp_error_set(err, rc, "cannot set up the gateway's routes: %s", mnp_strerror(rc));
    return 0;
}

/* The webhook key: the first line of o's key file (messages name the line of cfg that names it),
 * a file only its owner can read; at least 32 bytes. */
static int read_webhook_key(const mnpd_config_t *cfg, const struct mnpd_operator *o, char *key,
                            size_t key_size, mnp_error_t *err)
{
    char where[512];
    snprintf(where, sizeof(where), "%s:%zu: [operator \"%s\"] provisioning_webhook_key_file",
             cfg->file ? cfg->file : "mnpd.conf", o->prov_webhook_key_line, o->code);
    int rc = mnpd_read_secret_line(where, o->prov_webhook_key_file, key, key_size, err);
    if (rc == 0 && strlen(key) < WEBHOOK_KEY_MIN) {
        rc =
            mnp_error_set(err, MNP_EFORMAT,
                          "%s %s: the first line must hold the key, at least %d bytes (it has %zu)",
                          where, o->prov_webhook_key_file, WEBHOOK_KEY_MIN, strlen(key));
        mnp_memzero(key, key_size);
    }
    return rc;
}

/* The figures of a tenant's gateway, into /metrics. */
static void publish_figures(struct mnpd_tenant *t)
{
    mnp_gw_figures_t fig;
    mnp_error_t err = {0};
    if (mnp_gw_figures(t->gw, &fig, &err) != 0)
        return;
    const char *op[] = {mnp_gw_operator(t->gw)};
    mnp_metrics_set(t->g->m_feed_seq, op, (double)fig.feed_seq);
    mnp_metrics_set(t->g->m_prov_pending, op, (double)fig.prov_pending);
    mnp_metrics_set(t->g->m_prov_attempts, op, (double)fig.prov_max_attempts);
    mnp_metrics_set(t->g->m_reports_pending, op, (double)fig.reports_pending);
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
        publish_figures(t);
        if (rc != 0) {
            struct timespec until = mnp_deadline_after(CLOCK_REALTIME, RETRY_MS);
            pthread_mutex_lock(&t->g->mu);
            if (!t->g->stopping)
                pthread_cond_timedwait(&t->g->cv, &t->g->mu, &until);
            pthread_mutex_unlock(&t->g->mu);
        }
    }
    return NULL;
}

#define COURIER_PROV_MAX    100  /* webhook events per round */
#define COURIER_REPORTS_MAX 500  /* reports per round */
#define COURIER_WAIT_MAX_MS 1000 /* of real time, so that a test clock is served too */

/* The gateway's on_work: wakes the tenant's courier. */
static void courier_wake(void *arg)
{
    struct mnpd_tenant *t = arg;
    pthread_mutex_lock(&t->g->mu);
    t->work = true;
    pthread_cond_signal(&t->courier_cv);
    pthread_mutex_unlock(&t->g->mu);
}

/* Waits on the tenant's courier_cv until woken, the stop, or ms of real time passed. */
static void courier_sleep(struct mnpd_tenant *t, int64_t ms)
{
    struct timespec until = mnp_deadline_after(CLOCK_MONOTONIC, ms);
    pthread_mutex_lock(&t->g->mu);
    if (!t->g->stopping && !t->work)
        pthread_cond_timedwait(&t->courier_cv, &t->g->mu, &until);
    pthread_mutex_unlock(&t->g->mu);
}

/* One round of the courier: the due webhook events, then the reports. *busy when a batch was
 * full (more may wait); *next_due_ms as mnp_gw_prov_deliver says. */
static void courier_round(struct mnpd_tenant *t, bool *unreachable, bool *busy,
                          int64_t *next_due_ms)
{
    const char *op[] = {mnp_gw_operator(t->gw)};
    size_t delivered = 0, failed = 0, sent = 0;
    mnp_error_t err = {0};
    int rc = mnp_gw_prov_deliver(t->gw, COURIER_PROV_MAX, &delivered, &failed, next_due_ms, &err);
    if (rc != 0)
        mnp_log(MNP_LOG_ERROR, "cannot deliver provisioning events",
                MNP_KV(MNP_KV_STR("operator", op[0]), MNP_KV_STR("error", err.msg)));
    mnp_metrics_add(t->g->m_prov_delivered, op, delivered);
    mnp_metrics_add(t->g->m_prov_failures, op, failed);
    mnp_error_clear(&err);
    rc = mnp_gw_reports_send(t->gw, COURIER_REPORTS_MAX, &sent, &err);
    if (rc == MNP_EIO && !*unreachable) /* once per outage, not once a second */
        mnp_log(MNP_LOG_WARN, "cannot send reports to the clearinghouse",
                MNP_KV(MNP_KV_STR("operator", op[0]), MNP_KV_STR("error", err.msg)));
    else if (rc == 0 && *unreachable)
        mnp_log(MNP_LOG_INFO, "sending reports to the clearinghouse again",
                MNP_KV(MNP_KV_STR("operator", op[0])));
    else if (rc != 0 && rc != MNP_EIO)
        mnp_log(MNP_LOG_ERROR, "cannot send reports to the clearinghouse",
                MNP_KV(MNP_KV_STR("operator", op[0]), MNP_KV_STR("error", err.msg)));
    if (rc == MNP_EIO || rc == 0)
        *unreachable = rc == MNP_EIO;
    publish_figures(t);
    *busy = delivered == COURIER_PROV_MAX || sent == COURIER_REPORTS_MAX;
}

/* One tenant's courier: rounds until the gateway stops, sleeping in between until there is
 * work, the next event is due, or a second passed. */
static void *courier(void *arg)
{
    struct mnpd_tenant *t = arg;
    pthread_setname_np(pthread_self(), "mnp-gw-courier");
    const mnp_clock_t *clock = t->clock;
    bool unreachable = false;
    for (;;) {
        pthread_mutex_lock(&t->g->mu);
        bool stop = t->g->stopping;
        t->work = false; /* what woke us is covered by the round that follows */
        pthread_mutex_unlock(&t->g->mu);
        if (stop)
            break;
        bool busy = false;
        int64_t next_due = 0;
        courier_round(t, &unreachable, &busy, &next_due);
        if (busy)
            continue;
        int64_t wait_ms = COURIER_WAIT_MAX_MS;
        if (next_due > 0) {
            int64_t until_due = next_due - mnp_clock_now_ms(clock);
            wait_ms = until_due < 0 ? 0 : until_due < wait_ms ? until_due : wait_ms;
        }
        if (wait_ms > 0)
            courier_sleep(t, wait_ms);
    }
    return NULL;
}

static int start_tenant(mnpd_gateway_t *g, const mnpd_config_t *cfg, const struct mnpd_operator *o,
                        const char *local_url, const mnp_clock_t *clock, mnp_error_t *err)
{
    struct mnpd_tenant *t = &g->tenants[g->n];
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&t->courier_cv, &ca);
    pthread_condattr_destroy(&ca);
    t->clock = clock;
    char key[MNP_APIKEY_STR_SIZE], hook_key[WEBHOOK_KEY_MAX] = "";
    int rc = mnpd_read_api_key(o->api_key_file, key, err);
    if (rc == 0 && o->prov_webhook_key_file != NULL)
        rc = read_webhook_key(cfg, o, hook_key, sizeof(hook_key), err);
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
                            .clock = clock,
                            .prov_webhook = o->prov_webhook,
                            .prov_webhook_key = hook_key[0] != '\0' ? hook_key : NULL,
                            .on_work = courier_wake,
                            .on_work_arg = t,
                            .seal_secret = key,
                            .demo_show_login_sms = cfg->gateway_demo_show_login_sms,
                            .donor_by_staff = o->donor_by_staff};
    t->g = g;
    if (rc == 0 && (rc = mnp_gw_new(&gcfg, &t->gw, err)) != 0) {
        char why[sizeof(err->msg)];
        snprintf(why, sizeof(why), "%s", err->msg);
        mnp_error_set(err, rc, "[operator \"%s\"]: %s", o->code, why);
    }
    mnp_memzero(hook_key, sizeof(hook_key));
    if (rc == 0 && (rc = mnp_gw_api_add(g->api, t->gw, key)) != 0)
        mnp_error_set(err, rc, "[operator \"%s\"]: its key is another operator's too", o->code);
    if (rc == 0) { /* the series exist from the start, at 0 */
        const char *op[] = {o->code};
        mnp_metrics_add(g->m_prov_delivered, op, 0);
        mnp_metrics_add(g->m_prov_failures, op, 0);
    }
    if (rc == 0 && pthread_create(&t->follower, NULL, follow, t) != 0)
        rc = mnp_error_set(err, MNP_ENOMEM, "cannot start a feed follower");
    t->following = rc == 0;
    if (rc == 0 && pthread_create(&t->courier, NULL, courier, t) != 0)
        rc = mnp_error_set(err, MNP_ENOMEM, "cannot start a courier");
    t->couriering = rc == 0;
    mnp_memzero(key, sizeof(key));
    g->n++; /* counted even when half made, so that stop frees what there is */
    if (rc == 0)
        mnp_log(MNP_LOG_INFO, "gateway tenant up",
                MNP_KV(MNP_KV_STR("operator", o->code),
                       MNP_KV_STR("service_number", o->service_number),
                       MNP_KV_STR("clearinghouse", url), MNP_KV_STR("store", o->store),
                       MNP_KV_STR("provisioning", o->prov_webhook ? o->prov_webhook : "queue")));
    return rc;
}

int mnpd_gateway_start(mnpd_gateway_t *g, const mnpd_config_t *cfg, const char *local_url,
                       const mnp_clock_t *clock, mnp_error_t *err)
{
    pthread_mutex_init(&g->mu, NULL);
    pthread_cond_init(&g->cv, NULL);
    if (cfg->gateway_demo_show_login_sms)
        mnp_log(MNP_LOG_WARN,
                "DEMO: the answer to POST /v1/self/login shows the SMS with the login code, so "
                "anyone who knows a number can log in as its subscriber; never run production "
                "like this ([gateway] demo_show_login_sms = no)",
                NULL);
    for (size_t i = 0; i < cfg->noperators; i++) {
        int rc = start_tenant(g, cfg, &cfg->operators[i], local_url, clock, err);
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
        for (size_t i = 0; i < g->n; i++)
            pthread_cond_broadcast(&g->tenants[i].courier_cv);
        pthread_mutex_unlock(&g->mu);
    }
    for (size_t i = 0; i < g->n; i++) {
        struct mnpd_tenant *t = &g->tenants[i];
        if (t->client != NULL) /* ends a long poll or a report batch in progress */
            mnp_ch_client_abort(t->client);
        if (t->following)
            pthread_join(t->follower, NULL);
        if (t->couriering)
            pthread_join(t->courier, NULL);
        t->following = t->couriering = false;
    }
}

void mnpd_gateway_stop(mnpd_gateway_t *g)
{
    mnpd_gateway_halt(g);
    for (size_t i = 0; i < g->n; i++) {
        mnp_gw_free(g->tenants[i].gw);
        mnp_ch_client_free(g->tenants[i].client);
        mnp_store_close(g->tenants[i].store);
        pthread_cond_destroy(&g->tenants[i].courier_cv);
    }
    g->n = 0;
    mnp_gw_api_free(g->api);
    g->api = NULL;
}
