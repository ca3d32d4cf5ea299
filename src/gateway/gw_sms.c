/*
 * The subscriber's SMS commands at the operator gateway (SPEC.md §3-§4). CXXZ answers the
 * eligibility verdict; SQXZ answers the same verdict when the number is not eligible, and
 * otherwise a fresh code, registered with the clearinghouse before it is sent; anything else
 * gets help. The first command about a number freezes its term agreements at the instant it
 * judged them by, so that an agreement recorded later can never block. Every reply goes into the
 * outbound queue before the caller hears of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/authcode.h"
#include "mnp/idcard.h"
#include "mnp/number.h"
#include "mnp/secret.h"
#include "mnp/sms_reply.h"

#define AGREEMENTS_MAX 64

/* What one command needs from the store, read in one snapshot. */
typedef struct facts {
    const char *op;
    uint64_t number;
    int64_t now_ms;
    bool found; /* an active subscriber of this operator */
    mnp_gw_subscriber_t sub;
    mnp_agreement_t agreements[AGREEMENTS_MAX];
    size_t nagreements;
    int64_t freeze_ms;
} facts_t;

static int read_facts(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    facts_t *f = arg;
    f->found = false;
    f->nagreements = 0;
    int rc = mnp_txn_gw_subscriber_get(txn, f->op, f->number, &f->sub, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        return 0; /* nothing to freeze for a number that is not ours */
    }
    if (rc != 0)
        return rc;
    f->found = f->sub.active;
    if (!f->found)
        return 0;
    size_t n = 0;
    rc = mnp_txn_gw_agreements_of(txn, f->op, f->number, f->agreements, AGREEMENTS_MAX, &n, err);
    if (rc != 0)
        return rc;
    f->nagreements = n < AGREEMENTS_MAX ? n : AGREEMENTS_MAX;
    /* SPEC §3.1: the first query freezes the agreements; without a freeze this one is it. */
    rc = mnp_txn_gw_freeze_get(txn, f->op, f->number, &f->freeze_ms, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        f->freeze_ms = 0;
        return 0;
    }
    return rc;
}

static void refuse(mnp_gw_sms_result_t *out, const char *code, const char *detail)
{
    out->status = 400;
    snprintf(out->code, sizeof(out->code), "%s", code);
    snprintf(out->detail, sizeof(out->detail), "%s", detail);
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

/* The one write an answered command makes, so that the reply, the freeze it was judged by and
 * the reports it owes the clearinghouse are durable together before the caller hears of it. */
typedef struct answer_job {
    const mnp_gw_t *gw;
    const facts_t *f;        /* NULL: a help text only */
    mnp_elig_result_t r;     /* the verdict (late agreements point into f) */
    bool freeze, query;      /* the number's first query; a CXXZ the regulator counts */
    int64_t code_expires_ms; /* SQXZ: the code registered, valid until then (0: none) */
    mnp_gw_sms_t *msg;
    size_t reports; /* out: reports queued for the clearinghouse */
} answer_job_t;

static int queue_report(mnp_txn_t *txn, answer_job_t *j, const char *kind, const char *detail,
                        mnp_error_t *err)
{
    mnp_gw_report_t r = {.number = j->f->number, .created_ms = j->f->now_ms};
    snprintf(r.op, sizeof(r.op), "%s", j->gw->op);
    snprintf(r.kind, sizeof(r.kind), "%s", kind);
    snprintf(r.detail, sizeof(r.detail), "%s", detail);
    int rc = mnp_txn_gw_report_add(txn, &r, err);
    j->reports += rc == 0;
    return rc;
}

/* SPEC §3.1: an agreement recorded after the first query never blocks and is reported to the
 * clearinghouse as suspicious, once. */
static int queue_late(mnp_txn_t *txn, answer_job_t *j, const mnp_agreement_t *a, mnp_error_t *err)
{
    bool reported = false;
    int rc = mnp_txn_gw_late_reported(txn, j->gw->op, a->id, &reported, err);
    if (rc != 0 || reported)
        return rc;
    int64_t freeze_ms = j->f->freeze_ms ? j->f->freeze_ms : j->f->now_ms;
    char detail[256];
    snprintf(detail, sizeof(detail),
             "agreement '%.120s' recorded at %lld ms, after the first query at %lld ms", a->name,
             (long long)a->created_ms, (long long)freeze_ms);
    rc = queue_report(txn, j, "late_agreement", detail, err);
    if (rc == 0)
        rc = mnp_txn_gw_late_report_done(txn, j->gw->op, a->id, j->f->now_ms, err);
    return rc;
}

static int answer_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    answer_job_t *j = arg;
    const facts_t *f = j->f;
    int rc = 0;
    j->reports = 0; /* this run's count alone (store.h: a write may run again) */
    if (f != NULL && j->freeze) {
        int64_t first_ms;
        rc = mnp_txn_gw_freeze(txn, f->op, f->number, f->now_ms, &first_ms, err);
    }
    if (rc == 0 && f != NULL && j->query)
        rc = queue_report(txn, j, "query", "", err);
    for (size_t i = 0; rc == 0 && f != NULL && i < j->r.nlate; i++)
        rc = queue_late(txn, j, j->r.late[i], err);
    if (rc == 0 && j->code_expires_ms != 0)
        rc = mnp_txn_gw_code_issued(txn, f->op, f->number, f->now_ms, j->code_expires_ms, err);
    if (rc == 0)
        rc = mnp_txn_gw_sms_add(txn, j->msg, err);
    return rc;
}

/* The verdict and its reply for a parsed command; j is filled with what to write. */
static int answer_command(mnp_gw_t *gw, facts_t *f, const mnp_number_t *num,
                          const mnp_sms_command_t *cmd, mnp_gw_sms_result_t *out, answer_job_t *j,
                          mnp_buf_t *reply, mnp_error_t *err)
{
    f->op = gw->op;
    f->number = num->e164;
    f->now_ms = mnp_clock_now_ms(gw->clock);
    char identity[MNP_SUB_IDENTITY_MAX] = "";
    bool id_ok = mnp_idcard_validate(cmd->identity, strlen(cmd->identity), identity, NULL) == 0;
    int rc = mnp_store_read(gw->store, read_facts, f, err);
    if (rc != 0)
        return rc;
    j->f = f;
    j->freeze = f->found && f->freeze_ms == 0;
    mnp_numinfo_t info;
    mnp_numplan_classify(gw->plan, num, &info);
    mnp_elig_input_t in = {.sub = f->found ? &f->sub.row.sub : NULL,
                           .name = cmd->name,
                           .identity = id_ok ? identity : "",
                           .agreements = f->agreements,
                           .nagreements = f->nagreements,
                           .freeze_ms = f->freeze_ms,
                           .portable = info.portable,
                           .now_ms = f->now_ms};
    mnp_eligibility_check(&in, &j->r);
    const char *services[MNP_SERVICES_MAX];
    for (size_t i = 0; f->found && i < f->sub.row.nservices; i++)
        services[i] = f->sub.row.services[i];
    mnp_reply_ctx_t ctx = {.operator_name = gw->name,
                           .service_number = gw->service_number,
                           .services = services,
                           .nservices = f->found ? f->sub.row.nservices : 0,
                           .balance_fen = f->found ? f->sub.row.balance_fen : 0};
    out->eligible = j->r.eligible;
    /* RULE §8: the clearinghouse counts CXXZ queries about the operator's own subscribers. */
    j->query = cmd->kind == MNP_SMS_CXXZ && f->found;
    if (cmd->kind == MNP_SMS_SQXZ && j->r.eligible) {
        char code[MNP_AUTHCODE_STR_SIZE];
        if (register_code(gw, num, identity, code)) {
            j->code_expires_ms = f->now_ms + MNP_AUTHCODE_VALID_MS;
            mnp_reply_code(code, j->code_expires_ms, &ctx, reply);
            out->code_issued = true;
        } else {
            mnp_buf_printf(reply,
                           "【%s】系统繁忙，授权码暂未生成，请稍后重新发送SQXZ#姓名#证件号码至%s。",
                           gw->name, gw->service_number);
        }
        mnp_memzero(code, sizeof(code));
    } else {
        mnp_reply_eligibility(&j->r, &ctx, reply);
    }
    return 0;
}

int mnp_gw_sms_inbound(mnp_gw_t *gw, const char *from, const char *to, const char *text,
                       mnp_gw_sms_result_t *out, mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    mnp_number_t num;
    mnp_number_reason_t why;
    if (mnp_number_parse(from, strlen(from), &num, &why) != 0) {
        refuse(out, "bad_from", mnp_number_reason_str(why));
        return 0;
    }
    if (strcmp(to, gw->service_number) != 0) {
        refuse(out, "wrong_service_number", "this gateway takes SMS sent to its service number");
        return 0;
    }
    mnp_sms_command_t cmd;
    out->kind = mnp_sms_parse(text, strlen(text), &cmd);
    mnp_buf_t reply;
    mnp_buf_init(&reply, MNP_GW_TEXT_MAX - 1);
    answer_job_t j = {.gw = gw};
    facts_t *f = NULL;
    int rc = 0;
    if (out->kind == MNP_SMS_UNKNOWN) {
        mnp_reply_ctx_t ctx = {.operator_name = gw->name, .service_number = gw->service_number};
        mnp_reply_help(&ctx, &reply);
    } else if ((f = calloc(1, sizeof(*f))) == NULL) {
        rc = mnp_error_set(err, MNP_ENOMEM, "out of memory");
    } else {
        rc = answer_command(gw, f, &num, &cmd, out, &j, &reply, err);
    }
    if (rc == 0 && mnp_buf_error(&reply) != 0)
        rc = mnp_error_set(err, MNP_ELIMIT, "the reply does not fit one outbound SMS record");
    if (rc == 0)
        rc = gw_sms_new(gw, num.e164, reply.data, &j.msg, err);
    if (rc == 0 && out->code_issued) /* RULE §3.2: a code is never stored in clear */
        rc = gw_sms_seal(gw, j.msg, err);
    if (rc == 0)
        rc = mnp_store_write(gw->store, answer_write, &j, err);
    if (rc == 0) {
        out->status = 200;
        out->sms_id = j.msg->id;
        out->segments = j.msg->segments;
        memcpy(out->reply, reply.data, reply.len + 1);
        if (j.reports > 0)
            gw_wake(gw);
    }
    /* An issued code was in the reply: it leaves memory with it. */
    gw_sms_free(j.msg);
    free(f);
    mnp_memzero(reply.data, reply.len);
    mnp_buf_fini(&reply);
    return rc;
}
