/*
 * Private to the gateway area: the tenant's state shared by its files.
 */
#ifndef MNP_GW_INT_H
#define MNP_GW_INT_H

#include <pthread.h>
#include <stddef.h>

#include "mnp/eligibility.h"
#include "mnp/gateway.h"
#include "mnp/gw_self.h"
#include "mnp/log.h"
#include "mnp/number.h"
#include "mnp/numplan.h"

struct mnp_gw {
    char op[MNP_STORE_CODE_MAX];
    char name[64];
    char service_number[16];
    mnp_store_t *store;
    mnp_ch_client_t *ch;
    const mnp_clock_t *clock;
    mnp_numplan_t *plan; /* the built-in plan: which numbers port at all (E06) */
    void (*on_work)(void *arg);
    void *on_work_arg;
    /* The provisioning webhook (gw_webhook.c); url NULL when the network reads the queue. */
    struct gw_hook {
        char *url;
        unsigned char *key; /* NULL: bodies go unsigned; wiped at free */
        size_t key_len;
        pthread_mutex_t mu; /* one delivery round at a time: keeps the order, guards curl */
        void *curl;         /* CURL *, made at the first delivery, kept for connection reuse */
    } hook;
    unsigned char seal_key[32]; /* seals queued SMS that carry a code (gw_seal.c); wiped */
    struct gw_self *self;       /* login codes and sessions of self-service (gw_self.c) */
    bool demo_show_login_sms;   /* gateway.h: the login answer shows the SMS (demos only) */
    bool donor_by_staff;        /* gateway.h: the donor's acceptance is left to staff or silence */
};

/* Tells the process that gw queued work for its courier (gateway.h: on_work). */
static inline void gw_wake(const mnp_gw_t *gw)
{
    if (gw->on_work != NULL)
        gw->on_work(gw->on_work_arg);
}

/* The wire name of a provisioning event's kind: "activate", "deactivate" or "return". */
const char *gw_prov_kind_name(mnp_prov_kind_t k);

/* A provisioning event as the network sees it, in the queue and in webhook bodies: {id,
 * [operator,] kind, number, order, created_ms}; operator only when op is not NULL. A new
 * reference. */
json_t *gw_prov_json(const mnp_gw_prov_t *ev, const char *op);

/* The webhook part of mnp_gw_new and mnp_gw_free (gw_webhook.c): checks and copies cfg's
 * prov_webhook and prov_webhook_key into gw->hook (MNP_EINVAL with the reason), and frees them,
 * the key wiped. Once gw_hook_init was called, failed or not, gw_hook_fini must follow. */
int gw_hook_init(mnp_gw_t *gw, const mnp_gw_config_t *cfg, mnp_error_t *err);
void gw_hook_fini(mnp_gw_t *gw);

/* A new outbound SMS of gw to number `to` with text (valid UTF-8, whole), its segments
 * counted and stamped now. MNP_ENOMEM, or MNP_EINTERNAL for text that is not valid UTF-8 or does
 * not fit. Free with gw_sms_free, which wipes the text: it may carry a code. */
int gw_sms_new(const mnp_gw_t *gw, uint64_t to, const char *text, mnp_gw_sms_t **out,
               mnp_error_t *err);
void gw_sms_free(mnp_gw_sms_t *m);

/* Derives gw->seal_key from secret (NULL: a random key). */
void gw_seal_init(mnp_gw_t *gw, const char *secret);

/* Replaces m->text by its sealed form ("mnp-sealed-v1:" and base64 of nonce and box), which is
 * what the store keeps of an SMS that carries an authorization code. MNP_ELIMIT when the sealed
 * form does not fit the record. */
int gw_sms_seal(const mnp_gw_t *gw, mnp_gw_sms_t *m, mnp_error_t *err);

/* The text of a stored SMS as it is sent: a sealed one opened, any other as it is. false when a
 * sealed text does not open with this gateway's key (out then says so). */
bool gw_sms_open(const mnp_gw_t *gw, const char *stored, char out[MNP_GW_TEXT_MAX]);

/* Queues m for the SMS centre in a store transaction of its own; m->id is set. */
int gw_sms_queue(mnp_gw_t *gw, mnp_gw_sms_t *m, mnp_error_t *err);

/* The subscriber's CXXZ or SQXZ (kind) about num with name and identity as presented, for the
 * SMS and the web channel alike (gw_query.c): reads the facts, judges them, for an eligible SQXZ
 * registers a fresh code at the clearinghouse, writes the reply into a->reply, and makes durable
 * in one store write the freeze, the reports owed to the clearinghouse, the code's issue and,
 * when queue_sms, the reply queued for the SMS centre (sealed when it carries a code; a->sms_id
 * set). a is overwritten. <0 (err set) only when the store failed. */
int gw_query_answer(mnp_gw_t *gw, const mnp_number_t *num, mnp_sms_kind_t kind, const char *name,
                    const char *identity, bool queue_sms, mnp_gw_answer_t *a, mnp_error_t *err);

/* The self-service tables of gw (gw_self.c), made in mnp_gw_new and freed in mnp_gw_free.
 * MNP_ENOMEM. */
int gw_self_init(mnp_gw_t *gw);
void gw_self_fini(mnp_gw_t *gw);

/* Fills r with a refusal: status, problem code, when to retry (0: not said), the detail. */
void gw_self_refuse(mnp_gw_self_refusal_t *r, int status, const char *code, int64_t retry_after_ms,
                    const char *fmt, ...) MNP_PRINTF(5, 6);

#endif
