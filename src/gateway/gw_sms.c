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

/* Records the freeze of a first query (a concurrent one may have been first: its instant
 * wins). Only a number's first query writes here; the others only read. */
static int record_freeze(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    facts_t *f = arg;
    return mnp_txn_gw_freeze(txn, f->op, f->number, f->now_ms, &f->freeze_ms, err);
}

typedef struct code_rec {
    const char *op;
    uint64_t number;
    int64_t issued_ms, expires_ms;
} code_rec_t;

static int record_code(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    code_rec_t *c = arg;
    return mnp_txn_gw_code_issued(txn, c->op, c->number, c->issued_ms, c->expires_ms, err);
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

/* Best effort: the clearinghouse counts CXXZ queries for the regulator (SPEC §8). */
static void report_query(mnp_gw_t *gw, const mnp_number_t *num)
{
    char digits[MNP_NUMBER_STR_SIZE], body[128];
    snprintf(body, sizeof(body), "{\"kind\":\"query\",\"number\":\"%s\"}",
             mnp_number_format(num, digits));
    int status = 0;
    mnp_error_t err = {0};
    if (mnp_ch_client_call(gw->ch, "POST", "/v1/signals", body, &status, NULL, &err) != 0 ||
        status != 201)
        mnp_log(MNP_LOG_WARN, "the clearinghouse did not take a query report",
                MNP_KV(MNP_KV_STR("operator", gw->op), MNP_KV_I64("status", status),
                       MNP_KV_STR("error", err.msg)));
}

typedef struct late_job {
    const char *op;
    int64_t id, now_ms;
    bool reported;
} late_job_t;

static int read_late(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    late_job_t *j = arg;
    return mnp_txn_gw_late_reported(txn, j->op, j->id, &j->reported, err);
}

static int write_late(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    late_job_t *j = arg;
    return mnp_txn_gw_late_report_done(txn, j->op, j->id, j->now_ms, err);
}

/* SPEC §3.1: an agreement recorded after the first query never blocks and is reported to the
 * clearinghouse as suspicious, once (recorded only after the clearinghouse took it). */
static int report_late(mnp_gw_t *gw, const mnp_number_t *num, const mnp_elig_result_t *r,
                       int64_t freeze_ms, int64_t now_ms, mnp_error_t *err)
{
    for (size_t i = 0; i < r->nlate; i++) {
        const mnp_agreement_t *a = r->late[i];
        late_job_t j = {.op = gw->op, .id = a->id, .now_ms = now_ms};
        int rc = mnp_store_read(gw->store, read_late, &j, err);
        if (rc != 0)
            return rc;
        if (j.reported)
            continue;
        char digits[MNP_NUMBER_STR_SIZE], detail[256];
        snprintf(detail, sizeof(detail),
                 "agreement '%s' recorded at %lld ms, after the first query at %lld ms", a->name,
                 (long long)a->created_ms, (long long)freeze_ms);
        json_t *req = json_pack("{s:s,s:s,s:s}", "kind", "late_agreement", "number",
                                mnp_number_format(num, digits), "detail", detail);
        char *body = json_dumps(req, JSON_COMPACT);
        json_decref(req);
        int status = 0;
        mnp_error_t cerr = {0};
        if (body != NULL &&
            mnp_ch_client_call(gw->ch, "POST", "/v1/signals", body, &status, NULL, &cerr) == 0 &&
            status == 201) {
            rc = mnp_store_write(gw->store, write_late, &j, err);
        } else {
            mnp_log(MNP_LOG_WARN, "a late agreement was not reported (next query tries again)",
                    MNP_KV(MNP_KV_STR("operator", gw->op), MNP_KV_I64("agreement", a->id),
                           MNP_KV_I64("status", status), MNP_KV_STR("error", cerr.msg)));
        }
        free(body);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The verdict and its reply for a parsed command. */
static int answer_command(mnp_gw_t *gw, const mnp_number_t *num, const mnp_sms_command_t *cmd,
                          mnp_gw_sms_result_t *out, mnp_buf_t *reply, mnp_error_t *err)
{
    facts_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "out of memory");
    f->op = gw->op;
    f->number = num->e164;
    f->now_ms = mnp_clock_now_ms(gw->clock);
    char identity[MNP_SUB_IDENTITY_MAX] = "";
    bool id_ok = mnp_idcard_validate(cmd->identity, strlen(cmd->identity), identity, NULL) == 0;
    int rc = mnp_store_read(gw->store, read_facts, f, err);
    if (rc == 0 && f->found && f->freeze_ms == 0)
        rc = mnp_store_write(gw->store, record_freeze, f, err);
    if (rc != 0)
        goto done;
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
    mnp_elig_result_t r;
    mnp_eligibility_check(&in, &r);
    const char *services[MNP_SERVICES_MAX];
    for (size_t i = 0; f->found && i < f->sub.row.nservices; i++)
        services[i] = f->sub.row.services[i];
    mnp_reply_ctx_t ctx = {.operator_name = gw->name,
                           .service_number = gw->service_number,
                           .services = services,
                           .nservices = f->found ? f->sub.row.nservices : 0,
                           .balance_fen = f->found ? f->sub.row.balance_fen : 0};
    out->eligible = r.eligible;
    if (cmd->kind == MNP_SMS_CXXZ && f->found)
        report_query(gw, num);
    rc = report_late(gw, num, &r, f->freeze_ms, f->now_ms, err);
    if (rc != 0)
        goto done;
    if (cmd->kind == MNP_SMS_SQXZ && r.eligible) {
        char code[MNP_AUTHCODE_STR_SIZE];
        if (register_code(gw, num, identity, code)) {
            code_rec_t c = {.op = gw->op,
                            .number = num->e164,
                            .issued_ms = f->now_ms,
                            .expires_ms = f->now_ms + MNP_AUTHCODE_VALID_MS};
            rc = mnp_store_write(gw->store, record_code, &c, err);
            if (rc == 0) {
                mnp_reply_code(code, c.expires_ms, &ctx, reply);
                out->code_issued = true;
            }
        } else {
            mnp_buf_printf(reply,
                           "【%s】系统繁忙，授权码暂未生成，请稍后重新发送SQXZ#姓名#证件号码至%s。",
                           gw->name, gw->service_number);
        }
        mnp_memzero(code, sizeof(code));
    } else {
        mnp_reply_eligibility(&r, &ctx, reply);
    }
done:
    free(f);
    return rc;
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
    int rc = 0;
    if (out->kind == MNP_SMS_UNKNOWN) {
        mnp_reply_ctx_t ctx = {.operator_name = gw->name, .service_number = gw->service_number};
        mnp_reply_help(&ctx, &reply);
    } else {
        rc = answer_command(gw, &num, &cmd, out, &reply, err);
    }
    if (rc == 0 && mnp_buf_error(&reply) != 0)
        rc = mnp_error_set(err, MNP_ELIMIT, "the reply does not fit one outbound SMS record");
    mnp_gw_sms_t *msg = NULL;
    if (rc == 0)
        rc = gw_sms_new(gw, num.e164, reply.data, &msg, err);
    if (rc == 0)
        rc = gw_sms_queue(gw, msg, err);
    if (rc == 0) {
        out->status = 200;
        out->sms_id = msg->id;
        out->segments = msg->segments;
        memcpy(out->reply, reply.data, reply.len + 1);
    }
    /* An issued code was in the reply: it leaves memory with it. */
    gw_sms_free(msg);
    mnp_memzero(reply.data, reply.len);
    mnp_buf_fini(&reply);
    return rc;
}
