/*
 * The subscriber's SMS commands at the operator gateway (SPEC.md §3-§4): CXXZ and SQXZ go the
 * queries' path (gw_query.c), which queues the reply for the SMS centre in the same store write
 * as the freeze and the reports; anything else gets help. Every reply is in the outbound queue
 * before the caller hears of it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/secret.h"
#include "mnp/sms_reply.h"

static void refuse(mnp_gw_sms_result_t *out, const char *code, const char *detail)
{
    out->status = 400;
    snprintf(out->code, sizeof(out->code), "%s", code);
    snprintf(out->detail, sizeof(out->detail), "%s", detail);
}

/* Anything but a command: the help text, queued. */
static int answer_help(mnp_gw_t *gw, uint64_t to, mnp_gw_sms_result_t *out, mnp_error_t *err)
{
    mnp_buf_t text;
    mnp_buf_init(&text, MNP_GW_TEXT_MAX - 1);
    mnp_reply_ctx_t ctx = {.operator_name = gw->name, .service_number = gw->service_number};
    mnp_reply_help(&ctx, &text);
    mnp_gw_sms_t *m = NULL;
    int rc = mnp_buf_error(&text) != 0
                 ? mnp_error_set(err, MNP_ELIMIT, "the help text does not fit one SMS record")
                 : gw_sms_new(gw, to, text.data, &m, err);
    if (rc == 0)
        rc = gw_sms_queue(gw, m, err);
    if (rc == 0) {
        out->sms_id = m->id;
        out->segments = m->segments;
        memcpy(out->reply, text.data, text.len + 1);
    }
    gw_sms_free(m);
    mnp_buf_fini(&text);
    return rc;
}

/* CXXZ or SQXZ: the queries' path, with the reply queued. */
static int answer_command(mnp_gw_t *gw, const mnp_number_t *num, const mnp_sms_command_t *cmd,
                          mnp_gw_sms_result_t *out, mnp_error_t *err)
{
    mnp_gw_answer_t *a = malloc(sizeof(*a));
    if (a == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "out of memory");
    int rc = gw_query_answer(gw, num, cmd->kind, cmd->name, cmd->identity, true, a, err);
    if (rc == 0) {
        out->eligible = a->r.eligible;
        out->code_issued = a->code_issued;
        out->sms_id = a->sms_id;
        out->segments = a->segments;
        memcpy(out->reply, a->reply, sizeof(out->reply));
    }
    mnp_gw_answer_wipe(a); /* an issued code was in the reply */
    free(a);
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
    int rc = out->kind == MNP_SMS_UNKNOWN ? answer_help(gw, num.e164, out, err)
                                          : answer_command(gw, &num, &cmd, out, err);
    if (rc == 0)
        out->status = 200;
    return rc;
}
