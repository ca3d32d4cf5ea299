/*
 * Private to mnpd: its configuration as read from the INI file, and the pieces of the daemon.
 * Every key lives in one table in config.c, which docs/configuration.md mirrors.
 */
#ifndef MNPD_H
#define MNPD_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "mnp/clearinghouse.h"
#include "mnp/error.h"
#include "mnp/gateway.h"
#include "mnp/gw_api.h"
#include "mnp/http.h"
#include "mnp/ini.h"
#include "mnp/log.h"
#include "mnp/lookup_api.h"
#include "mnp/lookup_servers.h"
#include "mnp/metrics.h"
#include "mnp/replica.h"
#include "mnp/secret.h"
#include "mnp/store.h"

#define MNPD_OPERATORS_MAX 16 /* tenants of one gateway */

typedef struct mnpd_config {
    /* [mnpd] */
    mnp_log_level_t log_level;
    const char *log_file; /* NULL: stderr */
    uint64_t drain_timeout_ms;

    /* [clearinghouse]: the role is on when the section is present. */
    bool clearinghouse;
    mnp_ini_addr_t listen;
    const char *store;
    const char *key_file;
    uint64_t max_body_bytes;
    uint64_t http_threads; /* 0: one thread per connection */
    uint64_t donor_window_ms;
    uint64_t cutover_step_ms; /* 0: at once */
    uint64_t ack_timeout_ms;

    /* [gateway]: the operator gateway role, with one [operator "CODE"] section per tenant. */
    bool gateway;
    bool gateway_listen_set; /* its own listener; else it shares the clearinghouse's */
    mnp_ini_addr_t gateway_listen;
    bool gateway_demo_show_login_sms; /* the self-service login answer shows the SMS: demos only */
    size_t noperators;
    struct mnpd_operator {
        const char *code;           /* the section's subsection, "CUCC" */
        const char *name;           /* what replies call it, "中国联通" */
        const char *service_number; /* "10010" */
        const char *clearinghouse;  /* "http://HOST:PORT", or "local": this process's */
        const char *api_key_file;   /* the operator's key for the clearinghouse */
        const char *store;          /* the gateway's own store for this operator */
        const char *prov_webhook;   /* http(s) URL for provisioning events, or NULL: the queue */
        const char *prov_webhook_key_file; /* first line signs the webhook's bodies; or NULL */
        size_t prov_webhook_key_line;      /* its line in the file, for messages */
        bool donor_by_staff;               /* donor_answer = by_staff (gateway.h) */
    } operators[MNPD_OPERATORS_MAX];

    /* [lookup]: a lookup replica of the clearinghouse's NPDB. */
    bool lookup;
    bool lookup_listen_set; /* its own HTTP listener; else it shares the clearinghouse's */
    mnp_ini_addr_t lookup_listen;
    const char *lookup_clearinghouse;     /* URL, or "local" */
    const char *lookup_key_file;          /* the replica's key (mnpctl replica add) */
    const char *lookup_state_dir;         /* its snapshot and journal */
    const char *lookup_blocks;            /* block file (local networks), or NULL */
    const char *lookup_routing;           /* routing numbers file, or NULL */
    uint64_t lookup_changes_max;          /* a new snapshot past this many changes held */
    bool lookup_pdb_set, lookup_enum_set; /* the UDP servers run when their address is given */
    mnp_ini_addr_t lookup_pdb, lookup_enum;
    uint64_t lookup_workers;        /* UDP workers per protocol */
    const char *lookup_carriers;    /* "CMCC:1,..." pdb carrier ids */
    const char *lookup_enum_suffix; /* the ENUM zone */

    const char *file; /* the configuration's name, for messages about what it points to */
} mnpd_config_t;

/* The first line of path, a regular file no one but its owner may read, into out (at most
 * out_size - 1 bytes, else MNP_EFORMAT); messages begin with what ("api_key_file") and the path
 * (keyfile.c). The caller wipes out after use. */
int mnpd_read_secret_line(const char *what, const char *path, char *out, size_t out_size,
                          mnp_error_t *err) MNP_WUR;

/* An API key for the clearinghouse (an operator's or a replica's): the secret line of path,
 * checked to be one mnpctl printed. The caller wipes key after use. */
int mnpd_read_api_key(const char *path, char key[MNP_APIKEY_STR_SIZE], mnp_error_t *err) MNP_WUR;

/* Reads [lookup] (config_lookup.c) into cfg, after [clearinghouse]. */
int mnpd_config_read_lookup(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err) MNP_WUR;

/* The gateway role (gateway_role.c): its API and its tenants. */
typedef struct mnpd_gateway {
    mnp_gw_api_t *api;
    size_t n;
    struct mnpd_tenant {
        mnp_store_t *store;
        mnp_ch_client_t *client;
        mnp_gw_t *gw;
        pthread_t follower; /* follows the clearinghouse's feed for this tenant */
        bool following;
        /* Delivers the tenant's provisioning webhook and its reports for the clearinghouse;
         * sleeps on courier_cv (under g->mu) until work (the gateway's on_work), a due time
         * or the stop. */
        pthread_t courier;
        bool couriering;
        bool work; /* set by on_work, taken by the courier */
        pthread_cond_t courier_cv;
        const mnp_clock_t *clock; /* the gateway's: next due times are on it */
        struct mnpd_gateway *g;
    } tenants[MNPD_OPERATORS_MAX];
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when stopping */
    bool stopping;
    /* /metrics, by operator: feed position, provisioning backlog and its worst retries, webhook
     * outcomes, reports waiting for the clearinghouse. */
    mnp_metric_t *m_feed_seq, *m_prov_pending, *m_prov_attempts;
    mnp_metric_t *m_prov_delivered, *m_prov_failures, *m_reports_pending;
} mnpd_gateway_t;

/* Makes the gateway API and adds its routes to router (before any server uses it). */
int mnpd_gateway_routes(mnpd_gateway_t *g, mnp_http_router_t *router, mnp_error_t *err) MNP_WUR;

/* Brings up every [operator] tenant of cfg: its store, its clearinghouse client (local_url for
 * clearinghouse = local) and its gateway, served from then on. */
int mnpd_gateway_start(mnpd_gateway_t *g, const mnpd_config_t *cfg, const char *local_url,
                       const mnp_clock_t *clock, mnp_error_t *err) MNP_WUR;

/* Stops the feed followers (their long polls end at once) and the couriers (a webhook call in
 * progress finishes first, within its 5 s timeout); the API still answers. */
void mnpd_gateway_halt(mnpd_gateway_t *g);

/* Frees every tenant and the API; after every server using the routes has stopped. */
void mnpd_gateway_stop(mnpd_gateway_t *g);

/* The test clock's state for its route: the manual clock and the workflow whose timers it runs. */
typedef struct mnpd_test_clock {
    mnp_clock_t *clock;
    mnp_ch_t *ch;
    struct mnpd_metrics *metrics; /* refreshed after the timers, so tests read them at once */
    mnp_store_t *store;
} mnpd_test_clock_t;

/* Adds POST /v1/test/clock {"advance_ms": N} or {"set_ms": T}: moves the manual clock, runs the
 * timers that came due, answers {"now_ms", "changed"}. Only for mnpd --test-clock. */
int mnpd_test_clock_routes(mnp_http_router_t *router, mnpd_test_clock_t *tc) MNP_WUR;

/* The clearinghouse's figures in /metrics (ch_metrics.c). */
struct mnpd_metrics {
    mnp_metric_t *orders, *timers, *feed_seq, *writes, *commits, *commit_us;
    mnp_store_stats_t last; /* the store's totals at the last update */
};
typedef struct mnpd_metrics mnpd_metrics_t;

/* Registers the metrics in the default registry. */
int mnpd_metrics_init(mnpd_metrics_t *m) MNP_WUR;

/* Refreshes them from the store (called once a second by the timer thread). */
void mnpd_metrics_update(mnpd_metrics_t *m, mnp_store_t *store);

/* Reads and checks the whole configuration (unknown sections and keys are errors, so a typo
 * cannot silently leave a default in place). Strings point into ini, which must outlive cfg. */
int mnpd_config_read(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err) MNP_WUR;

/* The lookup role (lookup_role.c): the replica's table, its link to the clearinghouse, its
 * answers. */
typedef struct mnpd_lookup {
    mnp_lookup_t *table;
    mnp_numplan_t *plan; /* with the block file: local networks */
    mnp_routing_table_t routing;
    mnp_lookup_api_t api;
    mnp_ch_client_t *client;
    mnp_replica_t *replica;
    mnp_lookup_servers_t *servers; /* pdb and ENUM, when configured */
    pthread_t follower;
    bool following;
    pthread_mutex_t mu;
    pthread_cond_t cv; /* signalled when stopping */
    bool stopping;
    atomic_bool ready; /* a snapshot is loaded */
    mnp_metric_t *m_seq, *m_lag, *m_changes, *m_snapshots, *m_held, *m_udp;
} mnpd_lookup_t;

/* Makes the table and adds the lookup routes to router (before any server uses it). */
int mnpd_lookup_routes(mnpd_lookup_t *l, const mnpd_config_t *cfg, mnp_http_router_t *router,
                       mnp_error_t *err) MNP_WUR;

/* Loads the replica's local state and starts following the clearinghouse (local_url for
 * clearinghouse = local). */
int mnpd_lookup_start(mnpd_lookup_t *l, const mnpd_config_t *cfg, const char *local_url,
                      mnp_error_t *err) MNP_WUR;

/* Whether it has a snapshot to answer from (/readyz). */
bool mnpd_lookup_ready(mnpd_lookup_t *l);

/* Stops the follower (its long poll ends at once); the routes still answer. */
void mnpd_lookup_halt(mnpd_lookup_t *l);

/* Frees everything; after every server using the routes has stopped. */
void mnpd_lookup_stop(mnpd_lookup_t *l);

#endif
