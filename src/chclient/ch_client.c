/*
 * The clearinghouse client of ch_client.h over libcurl. Easy handles are pooled: a call takes an
 * idle one (or makes one) and gives it back, so that connections stay open between calls and
 * concurrent calls never share a handle. Answers are read into a buffer capped at 8 MiB.
 */
#include "mnp/ch_client.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mnp/alloc.h"
#include "mnp/buf.h"

#define POOL_MAX    64
#define ANSWER_MAX  (8u * 1024 * 1024)
#define TIMEOUT_DEF 5000

struct mnp_ch_client {
    char *base_url;
    char *auth_header; /* "Authorization: Bearer KEY" */
    long timeout_ms;
    atomic_bool aborted;
    pthread_mutex_t mu;
    CURL *idle[POOL_MAX];
    size_t nidle;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

int mnp_ch_client_new(const mnp_ch_client_config_t *cfg, mnp_ch_client_t **out, mnp_error_t *err)
{
    *out = NULL;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return mnp_error_set(err, MNP_EIO, "libcurl: %s", curl_easy_strerror(global_rc));
    if (cfg->base_url == NULL ||
        (strncmp(cfg->base_url, "http://", 7) != 0 && strncmp(cfg->base_url, "https://", 8) != 0))
        return mnp_error_set(err, MNP_EINVAL, "clearinghouse URL '%s': give http://HOST:PORT",
                             cfg->base_url ? cfg->base_url : "");
    if (cfg->api_key == NULL || cfg->api_key[0] == '\0' || strpbrk(cfg->api_key, "\r\n") != NULL)
        return mnp_error_set(err, MNP_EINVAL, "the clearinghouse API key is empty or malformed");
    mnp_ch_client_t *c = mnp_xcalloc(1, sizeof(*c));
    c->base_url = mnp_xstrdup(cfg->base_url);
    size_t n = strlen(c->base_url);
    while (n > 0 && c->base_url[n - 1] == '/')
        c->base_url[--n] = '\0';
    size_t alen = strlen(cfg->api_key) + 32;
    c->auth_header = mnp_xcalloc(1, alen);
    snprintf(c->auth_header, alen, "Authorization: Bearer %s", cfg->api_key);
    c->timeout_ms = cfg->timeout_ms ? (long)cfg->timeout_ms : TIMEOUT_DEF;
    pthread_mutex_init(&c->mu, NULL);
    *out = c;
    return 0;
}

void mnp_ch_client_free(mnp_ch_client_t *c)
{
    if (c == NULL)
        return;
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    pthread_mutex_destroy(&c->mu);
    free(c->base_url);
    /* The key is a secret: it does not outlive the client in freed memory. */
    memset(c->auth_header, 0, strlen(c->auth_header));
    free(c->auth_header);
    free(c);
}

static CURL *take(mnp_ch_client_t *c)
{
    pthread_mutex_lock(&c->mu);
    CURL *h = c->nidle > 0 ? c->idle[--c->nidle] : NULL;
    pthread_mutex_unlock(&c->mu);
    return h != NULL ? h : curl_easy_init();
}

static void give_back(mnp_ch_client_t *c, CURL *h)
{
    curl_easy_reset(h); /* options go; the connection cache stays */
    pthread_mutex_lock(&c->mu);
    if (c->nidle < POOL_MAX) {
        c->idle[c->nidle++] = h;
        h = NULL;
    }
    pthread_mutex_unlock(&c->mu);
    if (h != NULL)
        curl_easy_cleanup(h);
}

void mnp_ch_client_abort(mnp_ch_client_t *c)
{
    atomic_store(&c->aborted, true);
}

/* libcurl asks between reads (about once a second while waiting): non-zero ends the call. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return atomic_load((atomic_bool *)arg) ? 1 : 0;
}

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    mnp_buf_t *b = arg;
    mnp_buf_append(b, p, size * n);
    return mnp_buf_error(b) == 0 ? size * n : 0; /* 0 aborts an answer over the cap */
}

/* The start of every call: not stopped, a handle from the pool, the whole URL in url. */
static int start_call(mnp_ch_client_t *c, const char *path, char *url, size_t url_size, CURL **h,
                      mnp_error_t *err)
{
    if (atomic_load(&c->aborted))
        return mnp_error_set(err, MNP_EIO, "clearinghouse client stopped");
    if ((size_t)snprintf(url, url_size, "%s%s", c->base_url, path) >= url_size)
        return mnp_error_set(err, MNP_EINVAL, "clearinghouse path too long");
    *h = take(c);
    if (*h == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "libcurl: cannot make a handle");
    return 0;
}

int mnp_ch_client_call(mnp_ch_client_t *c, const char *method, const char *path, const char *body,
                       int *status, json_t **answer, mnp_error_t *err)
{
    *status = 0;
    if (answer != NULL)
        *answer = NULL;
    char url[2048];
    CURL *h = NULL;
    int rc = start_call(c, path, url, sizeof(url), &h, err);
    if (rc != 0)
        return rc;
    mnp_buf_t b;
    mnp_buf_init(&b, ANSWER_MAX);
    struct curl_slist *headers = curl_slist_append(NULL, c->auth_header);
    headers = curl_slist_append(headers, "Accept: application/json");
    if (body != NULL)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->timeout_ms);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &c->aborted);
    if (body != NULL) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    give_back(c, h);
    if (cc != CURLE_OK) {
        rc = mnp_error_set(err, MNP_EIO, "clearinghouse %s %s: %s", method, path,
                           curl_easy_strerror(cc));
    } else {
        *status = (int)code;
        if (answer != NULL && b.len > 0)
            *answer = json_loadb(b.data, b.len, 0, NULL);
    }
    mnp_buf_fini(&b);
    return rc;
}

/* Where a download goes, and the header it looks for. */
typedef struct download {
    int fd;
    uint64_t written, max;
    bool too_big, write_failed;
    long status; /* of the last response head seen (redirects aside: none are followed) */
    const char *header;
    char *value;
    size_t value_size;
} download_t;

static size_t on_file_data(char *p, size_t size, size_t n, void *arg)
{
    download_t *d = arg;
    size_t len = size * n;
    if (d->written + len > d->max) {
        d->too_big = true;
        return 0;
    }
    for (size_t done = 0; done < len;) {
        ssize_t w = write(d->fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            d->write_failed = true;
            return 0;
        }
        done += (size_t)w;
    }
    d->written += len;
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    download_t *d = arg;
    size_t len = size * n, name = d->header ? strlen(d->header) : 0;
    if (name > 0 && len > name + 1 && strncasecmp(p, d->header, name) == 0 && p[name] == ':') {
        const char *v = p + name + 1;
        size_t vlen = len - name - 1;
        while (vlen > 0 && (*v == ' ' || *v == '\t'))
            v++, vlen--;
        while (vlen > 0 && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
            vlen--;
        snprintf(d->value, d->value_size, "%.*s", (int)vlen, v);
    }
    return len;
}

int mnp_ch_client_download(mnp_ch_client_t *c, const char *path, int fd, uint64_t max_bytes,
                           unsigned timeout_ms, const char *header, char *header_value,
                           size_t header_size, int *status, mnp_error_t *err)
{
    *status = 0;
    if (header_value != NULL && header_size > 0)
        header_value[0] = '\0';
    char url[2048];
    CURL *h = NULL;
    int rc = start_call(c, path, url, sizeof(url), &h, err);
    if (rc != 0)
        return rc;
    download_t d = {.fd = fd,
                    .max = max_bytes,
                    .header = header_value != NULL ? header : NULL,
                    .value = header_value,
                    .value_size = header_size};
    struct curl_slist *headers = curl_slist_append(NULL, c->auth_header);
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms ? (long)timeout_ms : 600000L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* Only a 200 answer's body is the file: an error's problem body goes nowhere. */
    curl_easy_setopt(h, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_file_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &d);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, &c->aborted);
    CURLcode cc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    curl_slist_free_all(headers);
    give_back(c, h);
    *status = (int)code;
    if (d.too_big)
        return mnp_error_set(err, MNP_ELIMIT, "clearinghouse GET %s: over %llu bytes", path,
                             (unsigned long long)max_bytes);
    if (d.write_failed)
        return mnp_error_set(err, MNP_EIO, "clearinghouse GET %s: cannot write: %s", path,
                             strerror(errno));
    if (cc == CURLE_HTTP_RETURNED_ERROR)
        return 0; /* an answer, not a 200: the status says which */
    if (cc != CURLE_OK)
        return mnp_error_set(err, MNP_EIO, "clearinghouse GET %s: %s", path,
                             curl_easy_strerror(cc));
    return 0;
}

const char *mnp_ch_problem_code(const json_t *answer)
{
    const char *s = json_string_value(json_object_get(answer, "code"));
    return s ? s : "";
}

const char *mnp_ch_problem_detail(const json_t *answer)
{
    const char *s = json_string_value(json_object_get(answer, "detail"));
    return s ? s : "";
}
