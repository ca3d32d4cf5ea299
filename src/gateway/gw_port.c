/*
 * The recipient's side of a port (SPEC.md §3.3): a subscriber walks into a store (or goes
 * online) with the code; the gateway submits the port order to the clearinghouse and follows it,
 * keeping the name and identity so that at ACTIVE it can create the subscriber (gw_feed.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/idcard.h"
#include "mnp/number.h"

/* The feed follower may have seen the order first (it can be quicker than this answer): then
 * its state stays, and only what the shop knows is added. */
static int record_order(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    mnp_gw_order_t *o = arg, cur;
    int rc = mnp_txn_gw_order_get(txn, o->op, o->order_id, &cur, err);
    if (rc == 0) {
        snprintf(o->state, sizeof(o->state), "%s", cur.state);
        o->created_ms = cur.created_ms;
        o->updated_ms = cur.updated_ms;
    } else if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
    } else {
        return rc;
    }
    return mnp_txn_gw_order_put(txn, o, err);
}

/* SPEC §7: after 5 wrong codes in an hour the number is locked for the rest of that hour, and
 * the subscriber is told by SMS: the shop that met the lock sends it. */
static int tell_locked(mnp_gw_t *gw, uint64_t number, mnp_error_t *err)
{
    char text[256];
    snprintf(text, sizeof(text),
             "【%s】您的号码携号转网授权码错误次数过多，本小时内暂停办理，请下一整点后再试。"
             "如非本人操作，请联系%s。",
             gw->name, gw->service_number);
    mnp_gw_sms_t *m;
    int rc = gw_sms_new(gw, number, text, &m, err);
    if (rc == 0)
        rc = gw_sms_queue(gw, m, err);
    gw_sms_free(m);
    return rc;
}

static void refuse(mnp_gw_port_result_t *out, int status, const char *code, const char *detail)
{
    out->status = status;
    snprintf(out->code, sizeof(out->code), "%s", code);
    snprintf(out->detail, sizeof(out->detail), "%s", detail);
}

int mnp_gw_port_in(mnp_gw_t *gw, const char *number, const char *name, const char *identity,
                   const char *code, const char *channel, mnp_gw_port_result_t *out,
                   mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    mnp_number_t num;
    mnp_number_reason_t why;
    char id[MNP_SUB_IDENTITY_MAX], digits[MNP_NUMBER_STR_SIZE];
    if (mnp_number_parse(number, strlen(number), &num, &why) != 0) {
        refuse(out, 400, "C08", mnp_number_reason_str(why));
        return 0;
    }
    if (mnp_idcard_validate(identity, strlen(identity), id, NULL) != 0) {
        refuse(out, 400, "C08", "identity: not a valid resident identity number");
        return 0;
    }
    if (name[0] == '\0' || strlen(name) >= MNP_SUB_NAME_MAX) {
        refuse(out, 400, "C08", "name: 1 to 63 bytes");
        return 0;
    }
    json_t *req = json_pack("{s:s,s:s,s:s,s:s}", "number", mnp_number_format(&num, digits),
                            "identity", id, "code", code, "channel", channel);
    char *body = json_dumps(req, JSON_COMPACT);
    json_decref(req);
    int status = 0;
    json_t *answer = NULL;
    int rc = body ? mnp_ch_client_call(gw->ch, "POST", "/v1/orders", body, &status, &answer, err)
                  : mnp_error_set(err, MNP_ENOMEM, "out of memory");
    free(body);
    if (rc != 0) { /* the order may or may not exist: the feed will tell */
        refuse(out, 503, "clearinghouse_unreachable", err->msg);
        mnp_error_clear(err);
        return 0;
    }
    if (status != 201) {
        refuse(out, status ? status : 502, mnp_ch_problem_code(answer),
               mnp_ch_problem_detail(answer));
        json_decref(answer);
        return status == 429 ? tell_locked(gw, num.e164, err) : 0;
    }
    mnp_gw_order_t o = {.order_id = json_integer_value(json_object_get(answer, "order")),
                        .side = MNP_GW_RECIPIENT,
                        .number = num.e164,
                        .created_ms = mnp_clock_now_ms(gw->clock)};
    json_decref(answer);
    o.updated_ms = o.created_ms;
    snprintf(o.op, sizeof(o.op), "%s", gw->op);
    snprintf(o.state, sizeof(o.state), "SUBMITTED");
    snprintf(o.name, sizeof(o.name), "%s", name);
    snprintf(o.identity, sizeof(o.identity), "%s", id);
    snprintf(o.channel, sizeof(o.channel), "%s", channel);
    rc = mnp_store_write(gw->store, record_order, &o, err);
    if (rc == 0) {
        out->status = 201;
        out->order_id = o.order_id;
    }
    return rc;
}
