/*
 * Self-service logins (gw_self.h): a subscriber proves they hold the number with a one-time code
 * sent to it by SMS, and trades it for a session token. Codes and tokens are kept only as keyed
 * hashes under a key made at random when the gateway starts, in two bounded tables per tenant
 * (gw_self_map.c) under one mutex; a restart forgets them, which costs a subscriber one more
 * login. The SMS with the code waits in the outbound queue sealed, like an authorization code:
 * the code is a credential.
 */
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "gw_selfInt.h"
#include "mnp/alloc.h"

struct gw_self {
    pthread_mutex_t mu;
    mnp_hash_key_t key; /* hashes codes and tokens; random, for this gateway's life */
    gw_map_t codes;     /* by number: the waiting code and the limits' history */
    gw_map_t sessions;  /* by token hash */
};

int gw_self_init(mnp_gw_t *gw)
{
    struct gw_self *s = mnp_xcalloc(1, sizeof(*s));
    if (pthread_mutex_init(&s->mu, NULL) != 0) {
        free(s);
        return MNP_ENOMEM;
    }
    mnp_hash_key_generate(&s->key);
    gw_map_init(&s->codes, MNP_GW_SELF_ENTRIES_MAX);
    gw_map_init(&s->sessions, MNP_GW_SELF_ENTRIES_MAX);
    gw->self = s;
    return 0;
}

void gw_self_fini(mnp_gw_t *gw)
{
    struct gw_self *s = gw->self;
    if (s == NULL)
        return;
    gw_map_fini(&s->codes);
    gw_map_fini(&s->sessions);
    mnp_hash_key_wipe(&s->key);
    pthread_mutex_destroy(&s->mu);
    free(s);
    gw->self = NULL;
}

void gw_self_refuse(mnp_gw_self_refusal_t *r, int status, const char *code, int64_t retry_after_ms,
                    const char *fmt, ...)
{
    r->status = status;
    r->retry_after_ms = retry_after_ms;
    snprintf(r->code, sizeof(r->code), "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
    va_end(ap);
}

typedef struct serves_job {
    const char *op;
    uint64_t number;
    bool yes;
    mnp_gw_subscriber_t sub;
} serves_job_t;

static int read_serves(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    serves_job_t *j = arg;
    int rc = mnp_txn_gw_subscriber_get(txn, j->op, j->number, &j->sub, err);
    j->yes = rc == 0 && j->sub.active;
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        return 0;
    }
    return rc;
}

int mnp_gw_self_serves(mnp_gw_t *gw, uint64_t number, bool *yes, mnp_error_t *err)
{
    serves_job_t *j = mnp_xcalloc(1, sizeof(*j));
    j->op = gw->op;
    j->number = number;
    int rc = mnp_store_read(gw->store, read_serves, j, err);
    *yes = rc == 0 && j->yes;
    free(j);
    return rc;
}

static void code_hash(const struct gw_self *s, uint64_t number, const char *code,
                      uint8_t out[MNP_HASH_BYTES])
{
    mnp_hash_part_t parts[] = {{&number, sizeof(number)}, {code, strlen(code)}};
    mnp_keyed_hash_parts(&s->key, "selflogin", parts, 2, out);
}

/* RULE §3 web login: one login code per number per minute, five per hour. */
static bool login_too_soon(const gw_entry_t *e, int64_t now_ms, mnp_gw_self_refusal_t *r)
{
    if (e == NULL)
        return false;
    int64_t next_ms = e->sent_ms[0] + MNP_GW_LOGIN_INTERVAL_MS;
    if (now_ms < next_ms) {
        gw_self_refuse(
            r, 429, "too_soon", next_ms - now_ms,
            "a login code was sent to this number less than a minute ago: ask for a new one "
            "in %lld s",
            (long long)((next_ms - now_ms + 999) / 1000));
        return true;
    }
    int64_t oldest_ms = e->sent_ms[MNP_GW_LOGIN_PER_WINDOW - 1];
    next_ms = oldest_ms + MNP_GW_LOGIN_WINDOW_MS;
    if (oldest_ms != 0 && now_ms < next_ms) {
        gw_self_refuse(
            r, 429, "too_many_codes", next_ms - now_ms,
            "%d login codes were sent to this number within an hour: ask again in %lld min",
            MNP_GW_LOGIN_PER_WINDOW, (long long)((next_ms - now_ms + 59999) / 60000));
        return true;
    }
    return false;
}

/* Records a new code for number (its hash h) unless a limit refuses it; *before is what the
 * entry held (used clear when there was none), so that a failed send can be undone. */
static bool login_record(struct gw_self *s, uint64_t number, const uint8_t h[MNP_HASH_BYTES],
                         int64_t now_ms, gw_entry_t *before, mnp_gw_self_refusal_t *r)
{
    pthread_mutex_lock(&s->mu);
    gw_entry_t *e = gw_map_find(&s->codes, number, NULL, now_ms);
    memset(before, 0, sizeof(*before));
    if (e != NULL)
        *before = *e;
    bool ok = !login_too_soon(e, now_ms, r);
    if (ok && e == NULL && (e = gw_map_add(&s->codes, number, now_ms)) == NULL) {
        gw_self_refuse(r, 503, "busy", 0, "too many logins at once: try again in a minute");
        ok = false;
    }
    if (ok) {
        /* A new code replaces the previous one. */
        memmove(e->sent_ms + 1, e->sent_ms, sizeof(e->sent_ms) - sizeof(e->sent_ms[0]));
        e->sent_ms[0] = now_ms;
        memcpy(e->hash, h, MNP_HASH_BYTES);
        e->number = number;
        e->expires_ms = now_ms + MNP_GW_LOGIN_VALID_MS;
        e->fails = 0;
        e->waiting = true;
        gw_map_reclaim_at(&s->codes, e, now_ms + MNP_GW_LOGIN_WINDOW_MS);
    }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

/* The code recorded by login_record could not be sent: the entry goes back to what it was,
 * unless a newer login has replaced the code meanwhile. */
static void login_undo(struct gw_self *s, uint64_t number, const uint8_t h[MNP_HASH_BYTES],
                       const gw_entry_t *before, int64_t now_ms)
{
    pthread_mutex_lock(&s->mu);
    gw_entry_t *e = gw_map_find(&s->codes, number, h, now_ms);
    if (e != NULL && before->used)
        *e = *before;
    else if (e != NULL)
        gw_map_reclaim_at(&s->codes, e, 0);
    pthread_mutex_unlock(&s->mu);
}

/* Queues the SMS with the code, sealed; its text goes to demo when the gateway shows it. */
static int login_send(mnp_gw_t *gw, uint64_t number, const char *code, char *demo, mnp_error_t *err)
{
    char text[256];
    snprintf(text, sizeof(text), "【%s】您的网上营业厅验证码为 %s，5分钟内有效，请勿告诉他人。",
             gw->name, code);
    mnp_gw_sms_t *m = NULL;
    int rc = gw_sms_new(gw, number, text, &m, err);
    if (rc == 0) /* RULE §3 web login: a credential, never stored in clear */
        rc = gw_sms_seal(gw, m, err);
    if (rc == 0)
        rc = gw_sms_queue(gw, m, err);
    if (rc == 0 && gw->demo_show_login_sms)
        snprintf(demo, MNP_GW_TEXT_MAX, "%s", text);
    gw_sms_free(m);
    mnp_memzero(text, sizeof(text));
    return rc;
}

int mnp_gw_self_login(mnp_gw_t *gw, uint64_t number, mnp_gw_login_t *out, mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    struct gw_self *s = gw->self;
    int64_t now_ms = mnp_clock_now_ms(gw->clock);
    char code[MNP_AUTHCODE_STR_SIZE];
    uint8_t h[MNP_HASH_BYTES];
    gw_entry_t before;
    mnp_authcode_new(code); /* 6 digits from libsodium, like an authorization code */
    code_hash(s, number, code, h);
    int rc = 0;
    if (login_record(s, number, h, now_ms, &before, &out->refused)) {
        rc = login_send(gw, number, code, out->demo_sms, err);
        if (rc != 0)
            login_undo(s, number, h, &before, now_ms);
        else
            out->expires_ms = now_ms + MNP_GW_LOGIN_VALID_MS;
    }
    mnp_memzero(code, sizeof(code));
    return rc;
}

/* The waiting code of number judged against the presented one (hash h): NULL when it is the
 * right one and still valid, else the refusal in r (a wrong try counted). Under s->mu. */
static gw_entry_t *code_check(struct gw_self *s, uint64_t number, const uint8_t h[MNP_HASH_BYTES],
                              int64_t now_ms, mnp_gw_self_refusal_t *r)
{
    gw_entry_t *e = gw_map_find(&s->codes, number, NULL, now_ms);
    if (e != NULL && !e->waiting && e->fails >= MNP_GW_LOGIN_MAX_FAILS) {
        gw_self_refuse(r, 429, "too_many_attempts", 0,
                       "too many wrong login codes: this one is void, ask for a new one");
        return NULL;
    }
    if (e == NULL || !e->waiting) {
        gw_self_refuse(r, 401, "wrong_code", 0, "no login code waits for this number: ask for one");
        return NULL;
    }
    bool right = mnp_ct_equal(e->hash, h, MNP_HASH_BYTES);
    /* RULE §3 web login: valid 5 minutes. Only the right code hears that it expired; a try at
     * an expired code counts for nothing. */
    if (right && now_ms >= e->expires_ms) {
        gw_self_refuse(r, 401, "code_expired", 0,
                       "the login code is more than 5 minutes old: ask for a new one");
        return NULL;
    }
    if (!right && now_ms < e->expires_ms && ++e->fails >= MNP_GW_LOGIN_MAX_FAILS) {
        e->waiting = false; /* RULE §3 web login: 5 wrong tries void the code */
        gw_self_refuse(r, 429, "too_many_attempts", 0,
                       "%d wrong login codes: this one is void, ask for a new one",
                       MNP_GW_LOGIN_MAX_FAILS);
        return NULL;
    }
    if (!right) {
        gw_self_refuse(r, 401, "wrong_code", 0,
                       "not the login code sent to this number (%u tries left)",
                       MNP_GW_LOGIN_MAX_FAILS - e->fails);
        return NULL;
    }
    return e;
}

static void token_hash(const struct gw_self *s, const char *token, uint8_t out[MNP_HASH_BYTES],
                       uint64_t *key)
{
    mnp_keyed_hash(&s->key, "selftoken", token, strlen(token), out);
    memcpy(key, out, sizeof(*key));
}

void mnp_gw_self_session_new(mnp_gw_t *gw, uint64_t number, const char *code, mnp_gw_session_t *out)
{
    memset(out, 0, sizeof(*out));
    struct gw_self *s = gw->self;
    if (strlen(code) != MNP_AUTHCODE_DIGITS || strspn(code, "0123456789") != MNP_AUTHCODE_DIGITS) {
        gw_self_refuse(&out->refused, 400, "bad_code", 0, "a login code has 6 digits");
        return;
    }
    int64_t now_ms = mnp_clock_now_ms(gw->clock);
    uint8_t h[MNP_HASH_BYTES], th[MNP_HASH_BYTES];
    uint64_t key;
    unsigned char raw[32];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2base64(out->token, sizeof(out->token), raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    mnp_memzero(raw, sizeof(raw));
    code_hash(s, number, code, h);
    token_hash(s, out->token, th, &key);
    pthread_mutex_lock(&s->mu);
    gw_entry_t *c = code_check(s, number, h, now_ms, &out->refused), *t = NULL;
    /* The session first: when there is no room for it, the code stays usable. */
    if (c != NULL && (t = gw_map_add(&s->sessions, key, now_ms)) == NULL)
        gw_self_refuse(&out->refused, 503, "busy", 0, "too many sessions at once: try again later");
    if (t != NULL) {
        memcpy(t->hash, th, sizeof(th));
        t->number = number;
        t->expires_ms = now_ms + MNP_GW_SESSION_VALID_MS;
        gw_map_reclaim_at(&s->sessions, t, t->expires_ms);
        c->waiting = false; /* RULE §3 web login: single use */
        out->expires_ms = t->expires_ms;
    }
    pthread_mutex_unlock(&s->mu);
    if (out->refused.status != 0)
        mnp_memzero(out->token, sizeof(out->token));
}

/* The live session of token, under s->mu. */
static gw_entry_t *session_of(struct gw_self *s, const char *token, int64_t now_ms)
{
    if (strlen(token) != MNP_GW_TOKEN_LEN)
        return NULL;
    uint8_t th[MNP_HASH_BYTES];
    uint64_t key;
    token_hash(s, token, th, &key);
    return gw_map_find(&s->sessions, key, th, now_ms);
}

bool mnp_gw_self_session_find(mnp_gw_t *gw, const char *token, uint64_t *number,
                              int64_t *expires_ms)
{
    struct gw_self *s = gw->self;
    int64_t now_ms = mnp_clock_now_ms(gw->clock);
    pthread_mutex_lock(&s->mu);
    gw_entry_t *e = session_of(s, token, now_ms);
    if (e != NULL) {
        *number = e->number;
        *expires_ms = e->expires_ms;
    }
    pthread_mutex_unlock(&s->mu);
    return e != NULL;
}

bool mnp_gw_self_logout(mnp_gw_t *gw, const char *token)
{
    struct gw_self *s = gw->self;
    int64_t now_ms = mnp_clock_now_ms(gw->clock);
    pthread_mutex_lock(&s->mu);
    gw_entry_t *e = session_of(s, token, now_ms);
    if (e != NULL)
        gw_map_reclaim_at(&s->sessions, e, 0);
    pthread_mutex_unlock(&s->mu);
    return e != NULL;
}
