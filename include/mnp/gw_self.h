/*
 * Subscriber self-service at the operator gateway (SPEC.md §3: "the same two queries are also
 * offered on the web and over the operator API, with the same answers"). A subscriber holds no
 * operator key: they prove they hold the number with a one-time login code that the gateway
 * sends to it by SMS (queued, sealed, for the operator's SMS centre like every reply), and get a
 * short-lived session in which they ask the eligibility query (CXXZ), ask for an authorization
 * code (SQXZ), see their port orders and log out. The queries are the SMS commands' own path
 * (the same verdict, freeze, reports and reply text); only the reply comes back to the caller
 * instead of going out by SMS.
 *
 * Login codes and sessions live in the gateway's memory only, as keyed hashes under a key made
 * at random when the gateway starts: nobody keeps a code or a token in clear, and a restart
 * forgets them all (the subscriber logs in again). Each table is bounded; every call is
 * thread-safe. All time is the gateway's clock (gateway.h), so tests move it.
 */
#ifndef MNP_GW_SELF_H
#define MNP_GW_SELF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "mnp/eligibility.h"
#include "mnp/gateway.h"
#include "mnp/secret.h"
#include "mnp/sms.h"

#define MNP_GW_LOGIN_VALID_MS    (5 * 60 * 1000)  /* a login code, from when it was sent */
#define MNP_GW_LOGIN_INTERVAL_MS (60 * 1000)      /* at most one login code per number per ... */
#define MNP_GW_LOGIN_WINDOW_MS   (60 * 60 * 1000) /* ... and MNP_GW_LOGIN_PER_WINDOW per hour */
#define MNP_GW_LOGIN_PER_WINDOW  5
#define MNP_GW_LOGIN_MAX_FAILS   5                /* wrong tries that void a login code */
#define MNP_GW_SESSION_VALID_MS  (30 * 60 * 1000) /* a session, from its creation */
#define MNP_GW_SELF_ENTRIES_MAX  100000           /* live codes, and sessions, per tenant */
#define MNP_GW_TOKEN_LEN         43               /* base64url of 32 random bytes, no padding */
#define MNP_GW_TOKEN_STR_SIZE    (MNP_GW_TOKEN_LEN + 1)

/* Why a self-service call was refused; status 0 when it was not. */
typedef struct mnp_gw_self_refusal {
    int status;             /* 401, 404, 429, 503 ... */
    char code[32];          /* stable problem code: "too_soon", "wrong_code" ... */
    char detail[256];       /* one sentence for people */
    int64_t retry_after_ms; /* 429: when asking again may succeed (0: not said) */
} mnp_gw_self_refusal_t;

/* Whether number (E.164) is an active subscriber of gw: *yes. <0 when the store failed. */
int mnp_gw_self_serves(mnp_gw_t *gw, uint64_t number, bool *yes, mnp_error_t *err) MNP_WUR;

typedef struct mnp_gw_login {
    mnp_gw_self_refusal_t refused;
    int64_t expires_ms; /* the code is valid until then */
    /* With the gateway's demo_show_login_sms only: the SMS as sent, code included; "" else.
     * The caller wipes it (mnp_memzero) when done. */
    char demo_sms[MNP_GW_TEXT_MAX];
} mnp_gw_login_t;

/* Sends number (an active subscriber of gw, see mnp_gw_self_serves) a new login code by SMS:
 * 6 random digits, valid MNP_GW_LOGIN_VALID_MS, replacing any earlier one, the SMS sealed in
 * the outbound queue. Refused (out->refused, nothing changed) with 429 too_soon within
 * MNP_GW_LOGIN_INTERVAL_MS of the last code, 429 too_many_codes past MNP_GW_LOGIN_PER_WINDOW
 * codes in MNP_GW_LOGIN_WINDOW_MS, 503 busy when the table is full of live entries. <0 (err
 * set, nothing changed) when the store failed. */
int mnp_gw_self_login(mnp_gw_t *gw, uint64_t number, mnp_gw_login_t *out, mnp_error_t *err) MNP_WUR;

typedef struct mnp_gw_session {
    mnp_gw_self_refusal_t refused;
    char token[MNP_GW_TOKEN_STR_SIZE]; /* url-safe; the caller wipes it when done */
    int64_t expires_ms;
} mnp_gw_session_t;

/* Trades number's login code (6 digits, as presented) for a session of MNP_GW_SESSION_VALID_MS.
 * The code is single use. Refused with 400 bad_code (not 6 digits), 401 wrong_code (no code
 * waiting, or another one: a wrong try counts), 401 code_expired (the right code, too late), 429
 * too_many_attempts (the MNP_GW_LOGIN_MAX_FAILS-th wrong try, and every try after it: the code is
 * void), 503 busy (the session table is full of live sessions; the code stays usable). */
void mnp_gw_self_session_new(mnp_gw_t *gw, uint64_t number, const char *code,
                             mnp_gw_session_t *out);

/* The session of token: true with *number (E.164) and *expires_ms while it lives; false for
 * an unknown, expired or ended one. */
bool mnp_gw_self_session_find(mnp_gw_t *gw, const char *token, uint64_t *number,
                              int64_t *expires_ms);

/* Ends the session of token at once; false when there was no live one. */
bool mnp_gw_self_logout(mnp_gw_t *gw, const char *token);

#define MNP_GW_ANSWER_AGREEMENTS_MAX 64 /* agreements of one number an answer looks at */

/* What a CXXZ or SQXZ about a number led to, with the facts it was judged by: a large struct,
 * allocate it on the heap; wipe it with mnp_gw_answer_wipe (it may hold a code). */
typedef struct mnp_gw_answer {
    bool found;              /* the number is an active subscriber of this gateway */
    mnp_gw_subscriber_t sub; /* when found: services and balance */
    mnp_agreement_t agreements[MNP_GW_ANSWER_AGREEMENTS_MAX];
    size_t nagreements;
    int64_t now_ms;
    int64_t freeze_ms;   /* the first query of the number (0: this one was it) */
    mnp_elig_result_t r; /* the verdict; r.blocking and r.late point into agreements */
    bool code_issued;    /* SQXZ, eligible, and the clearinghouse took the code */
    char code[MNP_AUTHCODE_STR_SIZE];
    int64_t code_expires_ms;
    int64_t sms_id;              /* the queued reply, when the SMS path queued one (else 0) */
    unsigned segments;           /* SMS the reply takes */
    char reply[MNP_GW_TEXT_MAX]; /* the reply text, exactly what the SMS carries */
} mnp_gw_answer_t;

/* The subscriber's CXXZ (kind MNP_SMS_CXXZ) or SQXZ (MNP_SMS_SQXZ) from number with name and
 * identity as presented, asked on the web: exactly the SMS command's path (the verdict, the
 * freeze, the reports to the clearinghouse, for an eligible SQXZ a fresh code registered at the
 * clearinghouse), but the reply is returned in *out and not queued. When the clearinghouse
 * cannot take the code, the reply says to try again later and code_issued is false. <0 only
 * when the gateway's own store failed (err set). */
int mnp_gw_self_query(mnp_gw_t *gw, uint64_t number, mnp_sms_kind_t kind, const char *name,
                      const char *identity, mnp_gw_answer_t *out, mnp_error_t *err) MNP_WUR;

/* Zeroes a, the code and the reply included. */
void mnp_gw_answer_wipe(mnp_gw_answer_t *a);

/* The port orders of number, as the clearinghouse tells this gateway (its key sees only orders
 * where the operator is party): *orders = [{order, state, recipient, donor, created_ms,
 * updated_ms, cutover_ms?, donor_deadline_ms?, reason?}, ...] oldest first, a new reference.
 * Refused (out, *orders NULL) with 503 clearinghouse_unreachable, or 502 clearinghouse_refused
 * when it answered otherwise than expected. Returns 0, or MNP_ENOMEM. */
int mnp_gw_self_orders(mnp_gw_t *gw, uint64_t number, json_t **orders,
                       mnp_gw_self_refusal_t *out) MNP_WUR;

#endif
