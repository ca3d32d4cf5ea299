/*
 * The provisioning webhook (SPEC.md §3.4): instead of waiting for the operator's network to read
 * GET /v1/provisioning, the gateway POSTs each event to the network's URL as JSON, signed with
 * HMAC-SHA256 when it has a key, until the network answers 2xx. Delivery is at least once (a
 * crash between the answer and its record sends the event again; X-Mnp-Event-Id lets the
 * network see the repeat) and in id order: the oldest undelivered event is the head of the line,
 * and while it fails, with a back-off of 1 s doubling to 5 min, the later ones wait behind it.
 * Every outcome is in the store before the next event goes, and all time is the gateway's
 * clock, so a test moves through the back-off without sleeping.
 */
#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/alloc.h"
#include "mnp/secret.h"

#define HOOK_TIMEOUT_MS 5000
#define HOOK_KEY_MIN    32
#define HOOK_URL_MAX    2048
#define BACKOFF_MIN_MS  1000
#define BACKOFF_MAX_MS  (5 * 60 * 1000)
#define ROUND_MAX       1000 /* events one call looks at: the store's page limit */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_rc;

static void curl_start(void)
{
    curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* A URL libcurl will take as it is: http(s)://, a host, and no spaces or control bytes that
 * could end up in a request line. */
static bool url_ok(const char *url)
{
    size_t skip = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;
    if (skip == 0 || url[skip] == '\0' || url[skip] == '/' || strlen(url) > HOOK_URL_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

int gw_hook_init(mnp_gw_t *gw, const mnp_gw_config_t *cfg, mnp_error_t *err)
{
    struct gw_hook *h = &gw->hook;
    pthread_mutex_init(&h->mu, NULL);
    if (cfg->prov_webhook == NULL || cfg->prov_webhook[0] == '\0')
        return 0;
    if (!url_ok(cfg->prov_webhook))
        return mnp_error_set(err, MNP_EINVAL,
                             "provisioning webhook '%.200s': give an http:// or https:// URL "
                             "with a host and no spaces",
                             cfg->prov_webhook);
    /* RFC 2104 allows any length, but a key shorter than the hash's output is a weak one. */
    if (cfg->prov_webhook_key != NULL && strlen(cfg->prov_webhook_key) < HOOK_KEY_MIN)
        return mnp_error_set(err, MNP_EINVAL,
                             "provisioning webhook key: %zu bytes, at least %d are needed",
                             strlen(cfg->prov_webhook_key), HOOK_KEY_MIN);
    pthread_once(&curl_once, curl_start);
    if (curl_rc != CURLE_OK)
        return mnp_error_set(err, MNP_EIO, "libcurl: %s", curl_easy_strerror(curl_rc));
    h->url = mnp_xstrdup(cfg->prov_webhook);
    if (cfg->prov_webhook_key != NULL) {
        h->key_len = strlen(cfg->prov_webhook_key);
        h->key = mnp_xmalloc(h->key_len);
        memcpy(h->key, cfg->prov_webhook_key, h->key_len);
    }
    return 0;
}

void gw_hook_fini(mnp_gw_t *gw)
{
    struct gw_hook *h = &gw->hook;
    if (h->curl != NULL)
        curl_easy_cleanup(h->curl);
    if (h->key != NULL)
        mnp_memzero(h->key, h->key_len);
    free(h->key);
    free(h->url);
    pthread_mutex_destroy(&h->mu);
    memset(h, 0, sizeof(*h));
}

/* The answer's body is of no interest: only its status counts. */
static size_t discard(char *p, size_t size, size_t n, void *arg)
{
    (void)p, (void)arg;
    return size * n;
}

/* POSTs ev once. 0 for a 2xx answer; otherwise MNP_EIO with why[] saying what came back. */
static int post_event(mnp_gw_t *gw, const mnp_gw_prov_t *ev, char *why, size_t why_size)
{
    struct gw_hook *h = &gw->hook;
    if (h->curl == NULL && (h->curl = curl_easy_init()) == NULL) {
        snprintf(why, why_size, "libcurl: cannot make a handle");
        return MNP_EIO;
    }
    json_t *o = gw_prov_json(ev, gw->op);
    char *body = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (body == NULL) {
        snprintf(why, why_size, "out of memory");
        return MNP_EIO;
    }
    char id_header[64], sig_header[96], errbuf[CURL_ERROR_SIZE] = "";
    snprintf(id_header, sizeof(id_header), "X-Mnp-Event-Id: %lld", (long long)ev->id);
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    headers = curl_slist_append(headers, id_header);
    if (h->key != NULL) {
        unsigned char mac[crypto_auth_hmacsha256_BYTES];
        char hex[2 * sizeof(mac) + 1];
        crypto_auth_hmacsha256_state st;
        crypto_auth_hmacsha256_init(&st, h->key, h->key_len);
        crypto_auth_hmacsha256_update(&st, (const unsigned char *)body, strlen(body));
        crypto_auth_hmacsha256_final(&st, mac);
        if (mnp_hex_encode(mac, sizeof(mac), hex, sizeof(hex)) == 0) {
            snprintf(sig_header, sizeof(sig_header), "X-Mnp-Signature: sha256=%s", hex);
            headers = curl_slist_append(headers, sig_header);
        }
        mnp_memzero(&st, sizeof(st));
    }
    CURL *c = h->curl;
    curl_easy_reset(c); /* options go; the open connection stays for the next event */
    curl_easy_setopt(c, CURLOPT_URL, h->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)HOOK_TIMEOUT_MS);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    CURLcode cc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, NULL); /* errbuf goes out of scope */
    curl_slist_free_all(headers);
    free(body);
    if (cc != CURLE_OK) {
        snprintf(why, why_size, "%s", errbuf[0] != '\0' ? errbuf : curl_easy_strerror(cc));
        return MNP_EIO;
    }
    if (status < 200 || status > 299) {
        snprintf(why, why_size, "HTTP status %ld", status);
        return MNP_EIO;
    }
    return 0;
}

/* The wait before try number attempts + 1, after attempts failures (attempts >= 1). */
static int64_t backoff_ms(unsigned attempts)
{
    int64_t ms = BACKOFF_MIN_MS;
    for (unsigned i = 1; i < attempts && ms < BACKOFF_MAX_MS; i++)
        ms *= 2;
    return ms < BACKOFF_MAX_MS ? ms : BACKOFF_MAX_MS;
}

typedef struct round {
    const char *op;
    unsigned limit;
    mnp_gw_prov_t *evs;
    size_t n;
} round_t;

static int take_event(const mnp_gw_prov_t *ev, void *arg)
{
    round_t *r = arg;
    if (r->n < r->limit)
        r->evs[r->n++] = *ev;
    return 0;
}

static int read_round(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    round_t *r = arg;
    r->n = 0;
    /* Due or not: an event that is not due yet still holds up the ones behind it. */
    return mnp_txn_gw_prov_pending(txn, r->op, 0, r->limit, 0, take_event, r, err);
}

typedef struct outcome {
    int64_t id, at_ms, next_try_ms;
    const char *error; /* NULL: delivered */
} outcome_t;

static int write_outcome(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    outcome_t *o = arg;
    if (o->error == NULL)
        return mnp_txn_gw_prov_delivered(txn, o->id, o->at_ms, err);
    return mnp_txn_gw_prov_failed(txn, o->id, o->error, o->next_try_ms, err);
}

/* Reads up to limit pending events of gw, oldest first, into r (evs allocated by the caller). */
static int read_pending(mnp_gw_t *gw, round_t *r, unsigned limit, mnp_error_t *err)
{
    r->op = gw->op;
    r->limit = limit;
    return mnp_store_read(gw->store, read_round, r, err);
}

/* One event, due at now: POSTed, and its outcome stored. *ok tells which it was; *next_due is
 * the failed event's next try. */
static int deliver_one(mnp_gw_t *gw, const mnp_gw_prov_t *ev, int64_t now, bool *ok,
                       int64_t *next_due, mnp_error_t *err)
{
    char why[sizeof(ev->last_error)];
    outcome_t o = {.id = ev->id, .at_ms = now};
    *ok = post_event(gw, ev, why, sizeof(why)) == 0;
    if (!*ok) {
        o.error = why;
        o.next_try_ms = now + backoff_ms(ev->attempts + 1);
        *next_due = o.next_try_ms;
        mnp_log(MNP_LOG_WARN, "provisioning webhook failed",
                MNP_KV(MNP_KV_STR("operator", gw->op), MNP_KV_I64("event", ev->id),
                       MNP_KV_U64("attempts", ev->attempts + 1ull), MNP_KV_STR("error", why),
                       MNP_KV_I64("next_try_ms", o.next_try_ms)));
    }
    /* at_ms is the instant of the delivery: never 0, even for a clock that starts there. */
    if (o.at_ms == 0)
        o.at_ms = 1;
    return mnp_store_write(gw->store, write_outcome, &o, err);
}

int mnp_gw_prov_deliver(mnp_gw_t *gw, unsigned max, size_t *delivered, size_t *failed,
                        int64_t *next_due_ms, mnp_error_t *err)
{
    *delivered = *failed = 0;
    *next_due_ms = 0;
    if (gw->hook.url == NULL)
        return 0;
    if (max == 0 || max > ROUND_MAX)
        max = max == 0 ? 1 : ROUND_MAX;
    round_t r = {.evs = mnp_xcalloc(max, sizeof(mnp_gw_prov_t))};
    pthread_mutex_lock(&gw->hook.mu);
    int rc = read_pending(gw, &r, max, err);
    bool stopped = false; /* at an event not due yet, or one that just failed */
    for (size_t i = 0; rc == 0 && i < r.n && !stopped; i++) {
        int64_t now = mnp_clock_now_ms(gw->clock);
        bool ok = false;
        if (r.evs[i].next_try_ms > now) {
            *next_due_ms = r.evs[i].next_try_ms;
            stopped = true;
        } else if ((rc = deliver_one(gw, &r.evs[i], now, &ok, next_due_ms, err)) == 0) {
            *(ok ? delivered : failed) += 1;
            stopped = !ok;
        }
    }
    /* All of this round went out: when is the next one (if any) due? */
    if (rc == 0 && !stopped && r.n > 0 && (rc = read_pending(gw, &r, 1, err)) == 0 && r.n > 0) {
        int64_t now = mnp_clock_now_ms(gw->clock);
        *next_due_ms = r.evs[0].next_try_ms > now ? r.evs[0].next_try_ms : now;
    }
    pthread_mutex_unlock(&gw->hook.mu);
    free(r.evs);
    return rc;
}
