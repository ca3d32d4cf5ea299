/*
 * The subscriber's two queries (SPEC.md §3-§4), whichever channel they come by: CXXZ answers the
 * eligibility verdict; SQXZ answers the same verdict when the number is not eligible, and
 * otherwise a fresh code, registered with the clearinghouse before anyone hears of it. The first
 * query about a number freezes its term agreements at the instant it judged them by, so that an
 * agreement recorded later can never block. The SMS channel (gw_sms.c) queues the reply for the
 * SMS centre in the same store write as the freeze and the reports; the web channel (gw_self.c)
 * answers it on the web. One path, so that the answers are the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/authcode.h"
#include "mnp/idcard.h"
#include "mnp/secret.h"
#include "mnp/sms_reply.h"

/* What a query needs from the store, read in one snapshot into a. */
typedef struct facts_job {
    const char *op;
    uint64_t number;
    mnp_gw_answer_t *a;
} facts_job_t;

static int read_facts(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    facts_job_t *j = arg;
    mnp_gw_answer_t *a = j->a;
    a->found = false;
    a->nagreements = 0;
    int rc = mnp_txn_gw_subscriber_get(txn, j->op, j->number, &a->sub, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        return 0; /* nothing to freeze for a number that is not ours */
    }
    if (rc != 0)
        return rc;
    a->found = a->sub.active;
    if (!a->found)
        return 0;
    size_t n = 0;
    rc = mnp_txn_gw_agreements_of(txn, j->op, j->number, a->agreements,
                                  MNP_GW_ANSWER_AGREEMENTS_MAX, &n, err);
    if (rc != 0)
        return rc;
    a->nagreements = n < MNP_GW_ANSWER_AGREEMENTS_MAX ? n : MNP_GW_ANSWER_AGREEMENTS_MAX;
    /* SPEC §3.1: the first query freezes the agreements; without a freeze this one is it. */
    rc = mnp_txn_gw_freeze_get(txn, j->op, j->number, &a->freeze_ms, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        a->freeze_ms = 0;
        return 0;
    }
    return rc;
}

/* Registers a new code for the number at the clearinghouse; true when it took it. */
static bool register_code(mnp_gw_t *gw, const mnp_number_t *num, const char *identity,
                          char code[MNP_AUTHCODE_STR_SIZE])
{
    char digits[MNP_NUMBER_STR_SIZE], body[256];
    mnp_authcode_new(code);
    snprintf(body, sizeof(body), "{\"number\":\"%s\",\"identity\":\"%s\",\"code\":\"%s\"}",
             mnp_number_format(num, digits), identity, code);
    int status = 0;
    json_t *answer = NULL;
    mnp_error_t err = {0};
    int rc = mnp_ch_client_call(gw->ch, "POST", "/v1/authcodes", body, &status, &answer, &err);
    mnp_memzero(body, sizeof(body)); /* the code is never kept in clear */
    bool ok = rc == 0 && status == 201;
    if (!ok)
        mnp_log(MNP_LOG_WARN, "the clearinghouse did not take a code",
                MNP_KV(MNP_KV_STR("operator", gw->op), MNP_KV_I64("status", status),
                       MNP_KV_STR("code", rc ? "unreachable" : mnp_ch_problem_code(answer)),
                       MNP_KV_STR("error", rc ? err.msg : mnp_ch_problem_detail(answer))));
    json_decref(answer);
    return ok;
}

/* The one write an answered query makes, so that the reply, the freeze it was judged by and the
 * reports it owes the clearinghouse are durable together before the caller hears of it. */
typedef struct answer_job {
    const mnp_gw_t *gw;
    const mnp_gw_answer_t *a;
    uint64_t number;
    bool freeze, query; /* the number's first query; a CXXZ the regulator counts */
    mnp_gw_sms_t *msg;  /* the reply to queue, or NULL (the web answers it) */
    size_t reports;     /* out: reports queued for the clearinghouse */
} answer_job_t;

static int queue_report(mnp_txn_t *txn, answer_job_t *j, const char *kind, const char *detail,
                        mnp_error_t *err)
{
    mnp_gw_report_t r = {.number = j->number, .created_ms = j->a->now_ms};
    snprintf(r.op, sizeof(r.op), "%s", j->gw->op);
    snprintf(r.kind, sizeof(r.kind), "%s", kind);
    snprintf(r.detail, sizeof(r.detail), "%s", detail);
    int rc = mnp_txn_gw_report_add(txn, &r, err);
    j->reports += rc == 0;
    return rc;
}

/* SPEC §3.1: an agreement recorded after the first query never blocks and is reported to the
 * clearinghouse as suspicious, once. */
static int queue_late(mnp_txn_t *txn, answer_job_t *j, const mnp_agreement_t *ag, mnp_error_t *err)
{
    bool queued = false;
    int64_t freeze_ms = j->a->freeze_ms ? j->a->freeze_ms : j->a->now_ms;
    int rc =
        mnp_gw_late_report(txn, j->gw->op, j->number, ag, freeze_ms, j->a->now_ms, &queued, err);
    j->reports += queued;
    return rc;
}

static int answer_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    answer_job_t *j = arg;
    const mnp_gw_answer_t *a = j->a;
    int rc = 0;
    j->reports = 0; /* this run's count alone (store.h: a write may run again) */
    if (j->freeze) {
        int64_t first_ms;
        rc = mnp_txn_gw_freeze(txn, j->gw->op, j->number, a->now_ms, &first_ms, err);
    }
    if (rc == 0 && j->query)
        rc = queue_report(txn, j, "query", "", err);
    for (size_t i = 0; rc == 0 && i < a->r.nlate; i++)
        rc = queue_late(txn, j, a->r.late[i], err);
    if (rc == 0 && a->code_issued)
        rc = mnp_txn_gw_code_issued(txn, j->gw->op, j->number, a->now_ms, a->code_expires_ms, err);
    if (rc == 0 && j->msg != NULL)
        rc = mnp_txn_gw_sms_add(txn, j->msg, err);
    return rc;
}

/* The verdict and its reply text for the facts in a. */
static void judge(mnp_gw_t *gw, const mnp_number_t *num, mnp_sms_kind_t kind, const char *name,
                  const char *identity, mnp_gw_answer_t *a, mnp_buf_t *reply)
{
    char id[MNP_SUB_IDENTITY_MAX] = "";
    bool id_ok = mnp_idcard_validate(identity, strlen(identity), id, NULL) == 0;
    mnp_numinfo_t info;
    mnp_numplan_classify(gw->plan, num, &info);
    mnp_elig_input_t in = {.sub = a->found ? &a->sub.row.sub : NULL,
                           .name = name,
                           .identity = id_ok ? id : "",
                           .agreements = a->agreements,
                           .nagreements = a->nagreements,
                           .freeze_ms = a->freeze_ms,
                           .portable = info.portable,
                           .now_ms = a->now_ms};
    mnp_eligibility_check(&in, &a->r);
    const char *services[MNP_SERVICES_MAX];
    for (size_t i = 0; a->found && i < a->sub.row.nservices; i++)
        services[i] = a->sub.row.services[i];
    mnp_reply_ctx_t ctx = {.operator_name = gw->name,
                           .service_number = gw->service_number,
                           .services = services,
                           .nservices = a->found ? a->sub.row.nservices : 0,
                           .balance_fen = a->found ? a->sub.row.balance_fen : 0};
    if (kind != MNP_SMS_SQXZ || !a->r.eligible) {
        mnp_reply_eligibility(&a->r, &ctx, reply);
    } else if (register_code(gw, num, id, a->code)) {
        a->code_issued = true;
        a->code_expires_ms = a->now_ms + MNP_AUTHCODE_VALID_MS;
        mnp_reply_code(a->code, a->code_expires_ms, &ctx, reply);
    } else {
        mnp_memzero(a->code, sizeof(a->code));
        mnp_buf_printf(reply,
                       "【%s】系统繁忙，授权码暂未生成，请稍后重新发送SQXZ#姓名#证件号码至%s。",
                       gw->name, gw->service_number);
    }
}

/* The reply as the SMS to queue: sealed when it carries a code (RULE §3.2: a code is never
 * stored in clear). */
static int reply_sms(mnp_gw_t *gw, const mnp_gw_answer_t *a, uint64_t to, mnp_gw_sms_t **msg,
                     mnp_error_t *err)
{
    int rc = gw_sms_new(gw, to, a->reply, msg, err);
    if (rc == 0 && a->code_issued)
        rc = gw_sms_seal(gw, *msg, err);
    return rc;
}

int gw_query_answer(mnp_gw_t *gw, const mnp_number_t *num, mnp_sms_kind_t kind, const char *name,
                    const char *identity, bool queue_sms, mnp_gw_answer_t *a, mnp_error_t *err)
{
    memset(a, 0, sizeof(*a));
    a->now_ms = mnp_clock_now_ms(gw->clock);
    facts_job_t fj = {.op = gw->op, .number = num->e164, .a = a};
    int rc = mnp_store_read(gw->store, read_facts, &fj, err);
    if (rc != 0)
        return rc;
    mnp_buf_t reply;
    mnp_buf_init(&reply, MNP_GW_TEXT_MAX - 1);
    judge(gw, num, kind, name, identity, a, &reply);
    if (mnp_buf_error(&reply) != 0)
        rc = mnp_error_set(err, MNP_ELIMIT, "the reply does not fit one outbound SMS record");
    else
        memcpy(a->reply, reply.data, reply.len + 1);
    mnp_memzero(reply.data, reply.len); /* it may carry a code */
    mnp_buf_fini(&reply);
    /* RULE §8: the clearinghouse counts CXXZ queries about the operator's own subscribers. */
    answer_job_t j = {.gw = gw,
                      .a = a,
                      .number = num->e164,
                      .freeze = a->found && a->freeze_ms == 0,
                      .query = kind == MNP_SMS_CXXZ && a->found};
    if (rc == 0 && queue_sms)
        rc = reply_sms(gw, a, num->e164, &j.msg, err);
    if (rc == 0)
        rc = mnp_store_write(gw->store, answer_write, &j, err);
    if (rc == 0 && j.msg != NULL) {
        a->sms_id = j.msg->id;
        a->segments = j.msg->segments;
    }
    if (rc == 0 && j.reports > 0)
        gw_wake(gw);
    gw_sms_free(j.msg); /* wipes an issued code */
    if (rc != 0)
        mnp_gw_answer_wipe(a);
    return rc;
}

void mnp_gw_answer_wipe(mnp_gw_answer_t *a)
{
    mnp_memzero(a, sizeof(*a));
}

int mnp_gw_self_query(mnp_gw_t *gw, uint64_t number, mnp_sms_kind_t kind, const char *name,
                      const char *identity, mnp_gw_answer_t *out, mnp_error_t *err)
{
    char digits[MNP_NUMBER_STR_SIZE];
    mnp_number_t num;
    snprintf(digits, sizeof(digits), "%llu", (unsigned long long)number);
    if (mnp_number_parse(digits, strlen(digits), &num, NULL) != 0)
        return mnp_error_set(err, MNP_EINVAL, "not a number this gateway serves: %s", digits);
    /* The web channel answers on the web, like the SMS channel answers by SMS: nothing queued. */
    return gw_query_answer(gw, &num, kind, name, identity, false, out, err);
}
