/*
 * mnpd, the daemon (SPEC.md §1): reads its INI configuration, starts the roles it names, serves
 * /healthz, /readyz and /metrics, and runs until SIGTERM or SIGINT, when it stops accepting
 * requests, lets the ones in flight finish (up to drain_timeout) and closes the store so that
 * everything acknowledged is on disk. SIGHUP reopens the log file for log rotation.
 * Signals are taken synchronously by the main thread (sigwait); every other thread blocks them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mnp/ch_api.h"
#include "mnp/clearinghouse.h"
#include "mnp/gw_api.h"
#include "mnp/http.h"
#include "mnp/secret.h"
#include "mnp/store.h"
#include "mnp/ui.h"
#include "mnpd.h"

#ifndef MNP_VERSION
#error "MNP_VERSION must be defined by the build"
#endif

static const char usage[] =
    "Usage: mnpd --config FILE [--check] [--test-clock START]\n"
    "\n"
    "Runs the mnp daemon with the roles its configuration file enables: the clearinghouse\n"
    "([clearinghouse]) and operator gateways ([gateway] with an [operator \"CODE\"] section\n"
    "each). Logs go to standard error (or [mnpd] log_file) as logfmt lines.\n"
    "\n"
    "Options:\n"
    "  -c, --config FILE  the configuration file (INI; keys in docs/configuration.md)\n"
    "      --check        read and check the configuration, print nothing and exit 0 when\n"
    "                     it is valid (1 with the reason when not)\n"
    "      --test-clock START  FOR TESTS ONLY: time starts at START (Unix ms, or 'now') and\n"
    "                     moves only by POST /v1/test/clock {\"advance_ms\": N}, which also\n"
    "                     runs the timers that came due\n"
    "  -h, --help         show this help and exit\n"
    "  -V, --version      show the version and exit\n"
    "\n"
    "Signals: SIGTERM or SIGINT stop gracefully (in-flight requests finish); SIGHUP reopens the\n"
    "log file.\n"
    "\n"
    "Example:\n"
    "  mnpd --config /etc/mnp/mnpd.conf\n";

typedef struct mnpd {
    mnpd_config_t cfg;
    FILE *log;
    mnp_store_t *store;
    mnp_hash_key_t key;
    mnp_ch_t *ch;
    mnp_ch_api_t api;
    mnp_clock_t *test_clock; /* --test-clock: owned; NULL in production */
    mnpd_metrics_t metrics;
    mnpd_test_clock_t tc;
    /* The timer thread runs the workflow's due timers once a second, and at once when the
     * workflow says a timer may have come due (kicked), until stopping is set. */
    pthread_t timer;
    bool timer_running;
    pthread_mutex_t timer_mu;
    pthread_cond_t timer_cv;
    bool timer_kicked;
    bool stopping;
    mnp_http_router_t *router; /* the clearinghouse's, shared by the gateway without its own */
    mnp_http_server_t *http;
    mnpd_gateway_t gw;
    mnp_http_router_t *gw_router; /* the gateway's own listener, when it has one */
    mnp_http_server_t *gw_http;
    mnpd_lookup_t lk;
    mnp_http_router_t *lk_router; /* the lookup replica's own listener, when it has one */
    mnp_http_server_t *lk_http;
    atomic_bool ready; /* /readyz: the roles are up and not draining */
} mnpd_t;

static void readyz(mnp_http_request_t *req, void *ud)
{
    mnpd_t *d = ud;
    if (atomic_load(&d->ready) && (!d->cfg.lookup || mnpd_lookup_ready(&d->lk)))
        mnp_http_reply_text(req, 200, "ready\n");
    else
        mnp_http_reply_problem(req, 503, "not_ready", "mnpd is starting or stopping");
}

/* Sends logs to cfg->log_file (appending) when one is set. */
static int open_log(mnpd_t *d, mnp_error_t *err)
{
    mnp_log_set_level(d->cfg.log_level);
    if (d->cfg.log_file == NULL)
        return 0;
    d->log = fopen(d->cfg.log_file, "ae");
    if (d->log == NULL)
        return mnp_error_set(err, MNP_EIO, "log_file %s: %s", d->cfg.log_file, strerror(errno));
    setvbuf(d->log, NULL, _IOLBF, 0);
    mnp_log_set_stream(d->log);
    return 0;
}

/* Log rotation: the file at log_file is opened anew and put in place of the old one under the
 * same descriptor, so threads writing a line at that moment never see a closed stream. */
static void reopen_log(mnpd_t *d)
{
    if (d->log == NULL)
        return;
    int fd = open(d->cfg.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0 || dup2(fd, fileno(d->log)) < 0) {
        mnp_log(MNP_LOG_ERROR, "cannot reopen the log file",
                MNP_KV(MNP_KV_STR("path", d->cfg.log_file), MNP_KV_STR("error", strerror(errno))));
    } else {
        mnp_log(MNP_LOG_INFO, "log file reopened", MNP_KV(MNP_KV_STR("path", d->cfg.log_file)));
    }
    if (fd >= 0)
        close(fd);
}

#define TIMER_PERIOD_MS 1000

static void *timer_main(void *arg)
{
    mnpd_t *d = arg;
    pthread_setname_np(pthread_self(), "mnp-timers");
    pthread_mutex_lock(&d->timer_mu);
    while (!d->stopping) {
        struct timespec until = mnp_deadline_after(CLOCK_REALTIME, TIMER_PERIOD_MS);
        while (!d->timer_kicked && !d->stopping &&
               pthread_cond_timedwait(&d->timer_cv, &d->timer_mu, &until) == 0)
            ;
        if (d->stopping)
            break;
        d->timer_kicked = false;
        pthread_mutex_unlock(&d->timer_mu);
        unsigned changed = 0;
        mnp_error_t err = {0};
        mnpd_metrics_update(&d->metrics, d->store);
        if (mnp_ch_tick(d->ch, &changed, &err) != 0)
            mnp_log(MNP_LOG_ERROR, "timers failed", MNP_KV(MNP_KV_STR("error", err.msg)));
        else if (changed > 0)
            mnp_log(MNP_LOG_DEBUG, "timers ran", MNP_KV(MNP_KV_U64("changed", changed)));
        pthread_mutex_lock(&d->timer_mu);
    }
    pthread_mutex_unlock(&d->timer_mu);
    return NULL;
}

/* A router with /healthz, /metrics and /readyz, and the web interface's areas ui (ui.h: none
 * when 0): where people work, on the clearinghouse's and the gateway's listeners, not on a
 * lookup replica's. */
static int new_router(mnpd_t *d, unsigned ui, mnp_http_router_t **out, mnp_error_t *err)
{
    int rc = mnp_http_router_new(out);
    if (rc == 0)
        rc = mnp_http_add_builtin_routes(*out, NULL);
    if (rc == 0)
        rc = mnp_http_router_add(*out, "GET", "/readyz", "readyz", readyz, d);
    if (rc == 0 && ui != 0)
        rc = mnp_ui_routes(*out, ui);
    if (rc != 0)
        return mnp_error_set(err, rc, "cannot set up the HTTP routes: %s", mnp_strerror(rc));
    return 0;
}

/* The workflow's word that a timer may be due now (clearinghouse.h: on_due). */
static void kick_timers(void *arg)
{
    mnpd_t *d = arg;
    pthread_mutex_lock(&d->timer_mu);
    d->timer_kicked = true;
    pthread_cond_signal(&d->timer_cv);
    pthread_mutex_unlock(&d->timer_mu);
}

/* The clearinghouse's store, workflow and routes on d->router; it listens later. */
static int start_clearinghouse(mnpd_t *d, mnp_error_t *err)
{
    pthread_mutex_init(&d->timer_mu, NULL);
    pthread_cond_init(&d->timer_cv, NULL);
    mnp_store_config_t scfg = {.url = d->cfg.store, .create = true};
    int rc = mnp_store_open(&scfg, &d->store, err);
    if (rc != 0)
        return rc;
    rc = mnp_hash_key_load(d->cfg.key_file, true, &d->key, err);
    if (rc != 0)
        return rc;
    mnp_ch_config_t ccfg = {.store = d->store,
                            .key = &d->key,
                            .clock = d->test_clock ? d->test_clock : mnp_clock_real(),
                            .donor_window_ms = (int64_t)d->cfg.donor_window_ms,
                            .cutover_step_ms = (int64_t)d->cfg.cutover_step_ms,
                            .cutover_immediate = d->cfg.cutover_step_ms == 0,
                            .ack_timeout_ms = (int64_t)d->cfg.ack_timeout_ms,
                            .on_due = kick_timers,
                            .on_due_arg = d};
    rc = mnp_ch_new(&ccfg, &d->ch);
    if (rc != 0)
        return mnp_error_set(err, rc, "cannot start the workflow: %s", mnp_strerror(rc));
    d->api = (mnp_ch_api_t){.ch = d->ch, .store = d->store, .key = &d->key, .clock = ccfg.clock};
    rc = mnp_ch_api_routes(d->router, &d->api);
    if (rc == 0)
        rc = mnpd_metrics_init(&d->metrics);
    if (rc == 0 && d->test_clock != NULL) {
        d->tc = (mnpd_test_clock_t){
            .clock = d->test_clock, .ch = d->ch, .metrics = &d->metrics, .store = d->store};
        rc = mnpd_test_clock_routes(d->router, &d->tc);
    }
    if (rc != 0)
        return mnp_error_set(err, rc, "cannot set up the HTTP routes: %s", mnp_strerror(rc));
    return 0;
}

/* Starts a server for router on addr and logs where it listens; fills url ("http://HOST:PORT",
 * loopback for a wildcard address) when not NULL. */
static int listen_on(mnpd_t *d, const char *role, mnp_http_router_t *router,
                     const mnp_ini_addr_t *addr, mnp_http_server_t **out, char *url,
                     size_t url_size, mnp_error_t *err)
{
    mnp_http_config_t hcfg = {
        .bind_address = addr->host,
        .port = addr->port,
        .max_body_bytes = (size_t)d->cfg.max_body_bytes,
        .thread_pool_size = (unsigned)d->cfg.http_threads,
        .router = router,
    };
    int rc = mnp_http_server_new(&hcfg, out, err);
    if (rc != 0)
        return rc;
    bool v6 = addr->kind == MNP_INI_ADDR_IPV6;
    unsigned port = (unsigned)mnp_http_server_port(*out);
    char where[MNP_INI_HOST_MAX + 16];
    snprintf(where, sizeof(where), v6 ? "[%s]:%u" : "%s:%u", addr->host, port);
    if (url != NULL) {
        bool any = strcmp(addr->host, "0.0.0.0") == 0 || strcmp(addr->host, "::") == 0;
        snprintf(url, url_size, v6 ? "http://[%s]:%u" : "http://%s:%u",
                 any ? (v6 ? "::1" : "127.0.0.1") : addr->host, port);
    }
    const char *store = strcmp(role, "gateway") == 0  ? "per operator"
                        : strcmp(role, "lookup") == 0 ? d->cfg.lookup_state_dir
                                                      : d->cfg.store;
    mnp_log(
        MNP_LOG_INFO, "listening",
        MNP_KV(MNP_KV_STR("role", role), MNP_KV_STR("addr", where), MNP_KV_STR("store", store)));
    return 0;
}

/* Every role the configuration names, in the order their dependencies need. */
static int start_roles(mnpd_t *d, mnp_error_t *err)
{
    char ch_url[MNP_INI_HOST_MAX + 32] = "";
    bool gw_shares = d->cfg.gateway && !d->cfg.gateway_listen_set;
    unsigned ui = (d->cfg.clearinghouse ? MNP_UI_OPERATOR | MNP_UI_REGULATOR : 0) |
                  (gw_shares ? MNP_UI_SUBSCRIBER | MNP_UI_OPERATOR : 0);
    int rc = new_router(d, ui, &d->router, err);
    if (rc == 0 && d->cfg.clearinghouse)
        rc = start_clearinghouse(d, err);
    if (rc == 0 && d->cfg.gateway) {
        if (d->cfg.gateway_listen_set)
            rc = new_router(d, MNP_UI_SUBSCRIBER | MNP_UI_OPERATOR, &d->gw_router, err);
        if (rc == 0)
            rc = mnpd_gateway_routes(&d->gw, d->gw_router ? d->gw_router : d->router, err);
        /* On a listener of its own the web console reads the clearinghouse through it. */
        if (rc == 0 && d->gw_router != NULL &&
            (rc = mnp_gw_api_console_routes(d->gw_router, d->gw.api)) != 0)
            rc = mnp_error_set(err, rc, "cannot set up the console's routes: %s", mnp_strerror(rc));
    }
    if (rc == 0 && d->cfg.lookup) {
        if (d->cfg.lookup_listen_set)
            rc = new_router(d, 0, &d->lk_router, err);
        if (rc == 0)
            rc = mnpd_lookup_routes(&d->lk, &d->cfg, d->lk_router ? d->lk_router : d->router, err);
    }
    if (rc == 0 && d->cfg.clearinghouse) {
        char role[64];
        snprintf(role, sizeof(role), "clearinghouse%s%s",
                 d->cfg.gateway && !d->gw_router ? "+gateway" : "",
                 d->cfg.lookup && !d->lk_router ? "+lookup" : "");
        rc = listen_on(d, role, d->router, &d->cfg.listen, &d->http, ch_url, sizeof(ch_url), err);
    }
    if (rc == 0 && d->gw_router != NULL)
        rc = listen_on(d, "gateway", d->gw_router, &d->cfg.gateway_listen, &d->gw_http, NULL, 0,
                       err);
    if (rc == 0 && d->cfg.gateway)
        rc = mnpd_gateway_start(&d->gw, &d->cfg, ch_url,
                                d->test_clock ? d->test_clock : mnp_clock_real(), err);
    if (rc == 0 && d->lk_router != NULL)
        rc = listen_on(d, "lookup", d->lk_router, &d->cfg.lookup_listen, &d->lk_http, NULL, 0, err);
    if (rc == 0 && d->cfg.lookup)
        rc = mnpd_lookup_start(&d->lk, &d->cfg, ch_url, err);
    if (rc == 0 && d->cfg.clearinghouse) {
        if (pthread_create(&d->timer, NULL, timer_main, d) != 0)
            return mnp_error_set(err, MNP_ENOMEM, "cannot start the timer thread");
        d->timer_running = true;
    }
    return rc;
}

/* Stops a server: requests in flight finish up to the drain timeout. */
static void stop_server(mnpd_t *d, mnp_http_server_t *srv)
{
    if (srv == NULL)
        return;
    if (mnp_http_server_stop(srv, (unsigned)d->cfg.drain_timeout_ms) != 0)
        mnp_log(MNP_LOG_WARN, "requests still in flight at the drain timeout were cut off",
                MNP_KV(MNP_KV_U64("drain_timeout_ms", d->cfg.drain_timeout_ms)));
    mnp_http_server_free(srv);
}

static void stop_all(mnpd_t *d)
{
    atomic_store(&d->ready, false);
    mnpd_gateway_halt(&d->gw); /* its long polls would hold up the drain */
    if (d->cfg.lookup)
        mnpd_lookup_halt(&d->lk);
    stop_server(d, d->lk_http);
    stop_server(d, d->gw_http);
    stop_server(d, d->http);
    mnp_http_router_free(d->lk_router);
    mnp_http_router_free(d->gw_router);
    mnp_http_router_free(d->router);
    if (d->timer_running) {
        pthread_mutex_lock(&d->timer_mu);
        d->stopping = true;
        pthread_cond_signal(&d->timer_cv);
        pthread_mutex_unlock(&d->timer_mu);
        pthread_join(d->timer, NULL);
    }
    mnpd_gateway_stop(&d->gw);
    if (d->cfg.lookup)
        mnpd_lookup_stop(&d->lk);
    mnp_ch_free(d->ch);
    mnp_store_close(d->store);
    mnp_clock_free(d->test_clock);
    mnp_hash_key_wipe(&d->key);
}

/* Parses the command line; returns -1 to go on, else the exit status. */
static int parse_args(int argc, char **argv, const char **config, bool *check,
                      const char **test_clock)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"check", no_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"test-clock", required_argument, NULL, 't'},
        {NULL, 0, NULL, 0},
    };
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":c:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            *config = optarg;
            break;
        case 'k':
            *check = true;
            break;
        case 't':
            *test_clock = optarg;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            printf("mnpd %s\n", MNP_VERSION);
            return 0;
        default:
            fprintf(stderr, "mnpd: %s '%s'\nTry 'mnpd --help'.\n",
                    c == ':' ? "missing value for" : "unknown option", argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "mnpd: unexpected argument '%s'\nTry 'mnpd --help'.\n", argv[optind]);
        return 2;
    }
    if (*config == NULL) {
        fprintf(stderr, "mnpd: no configuration: pass --config FILE\nTry 'mnpd --help'.\n");
        return 2;
    }
    return -1;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *test_clock = NULL;
    bool check = false;
    int st = parse_args(argc, argv, &config, &check, &test_clock);
    if (st >= 0)
        return st;
    int64_t start_ms = 0;
    if (test_clock != NULL) {
        char *end;
        start_ms = strcmp(test_clock, "now") == 0 ? mnp_clock_now_ms(mnp_clock_real())
                                                  : strtoll(test_clock, &end, 10);
        if (start_ms <= 0 || (strcmp(test_clock, "now") != 0 && *end != '\0')) {
            fprintf(stderr,
                    "mnpd: --test-clock takes Unix milliseconds or 'now', not '%s'\n"
                    "Try 'mnpd --help'.\n",
                    test_clock);
            return 2;
        }
    }

    mnp_error_t err = {0};
    mnp_ini_t *ini = NULL;
    mnpd_t d = {0};
    int rc = mnp_ini_load(config, &ini, &err);
    if (rc == 0)
        rc = mnpd_config_read(ini, &d.cfg, &err);
    if (rc != 0 || check) {
        if (rc != 0)
            fprintf(stderr, "mnpd: %s\n", err.msg);
        mnp_ini_free(ini);
        return rc != 0;
    }

    /* Every thread started from here on inherits the blocked set; only sigwait takes them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (test_clock != NULL && mnp_clock_manual_new(start_ms, &d.test_clock) != 0) {
        mnp_ini_free(ini);
        return 1;
    }
    rc = open_log(&d, &err);
    if (d.test_clock != NULL)
        mnp_log(MNP_LOG_WARN,
                "TEST CLOCK: time moves only by POST /v1/test/clock; never run "
                "production like this",
                MNP_KV(MNP_KV_I64("start_ms", start_ms)));
    if (rc == 0 && mnp_crypto_init() != 0)
        rc = mnp_error_set(&err, MNP_EINTERNAL, "cannot initialise the crypto library");
    mnp_log(MNP_LOG_INFO, "starting",
            MNP_KV(MNP_KV_STR("version", MNP_VERSION), MNP_KV_STR("config", config),
                   MNP_KV_I64("pid", getpid())));
    if (rc == 0)
        rc = start_roles(&d, &err);
    if (rc != 0) {
        mnp_log(MNP_LOG_ERROR, "cannot start", MNP_KV(MNP_KV_STR("error", err.msg)));
        stop_all(&d);
        mnp_ini_free(ini);
        return 1;
    }
    atomic_store(&d.ready, true);
    mnp_log(MNP_LOG_INFO, "ready", NULL);

    for (;;) {
        int sig = 0;
        if (sigwait(&sigs, &sig) != 0)
            continue;
        if (sig == SIGHUP) {
            reopen_log(&d);
            continue;
        }
        mnp_log(MNP_LOG_INFO, "stopping",
                MNP_KV(MNP_KV_STR("signal", sig == SIGTERM ? "SIGTERM" : "SIGINT")));
        break;
    }
    stop_all(&d);
    mnp_log(MNP_LOG_INFO, "stopped", NULL);
    if (d.log != NULL) {
        mnp_log_set_stream(NULL);
        fclose(d.log);
    }
    mnp_ini_free(ini);
    return 0;
}
