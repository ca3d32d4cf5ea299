/*
 * Moving an order from one state to the next: the one place where an order's state changes
 * (SPEC §5: "every state change is one durable transaction and one audit record"). The state
 * machine decides whether the move is allowed, the store writes it only if nobody moved the
 * order first, and the audit record and the feed event are written in the same transaction.
 */
#include <stdio.h>
#include <string.h>

#include "chInt.h"
#include "mnp/store_feed.h"

/* The order as the feed and the audit log tell it: {"order":..,"number":..,"state":..,...}. */
static void order_json(mnp_buf_t *b, const mnp_order_rec_t *o)
{
    char num[MNP_NUMBER_STR_SIZE];
    mnp_number_t n = {.e164 = o->number, .national_len = MNP_NATIONAL_DIGITS};
    mnp_buf_putc(b, '{');
    ch_json_int(b, "order", o->id);
    ch_json_str(b, "number", mnp_number_format(&n, num));
    ch_json_str(b, "state", mnp_order_state_name(o->state));
    ch_json_str(b, "recipient", o->recipient);
    ch_json_str(b, "donor", o->donor);
    if (o->reason[0])
        ch_json_str(b, "reason", o->reason);
    if (o->state == MNP_ORDER_PENDING_DONOR)
        ch_json_int(b, "donor_deadline_ms", o->donor_deadline_ms);
    if (o->state == MNP_ORDER_SCHEDULED)
        ch_json_int(b, "cutover_ms", o->cutover_ms);
}

int ch_announce(mnp_txn_t *txn, const mnp_order_rec_t *o, const char *actor_name, int64_t now_ms,
                const char *action, const char *detail_extra, mnp_error_t *err)
{
    mnp_buf_t b;
    mnp_buf_init(&b, 4096);
    order_json(&b, o);
    mnp_buf_putc(&b, '}');
    size_t feed_len = b.len;
    int rc = mnp_buf_error(&b);
    if (rc == 0) {
        mnp_feed_event_t ev = {.at_ms = now_ms,
                               .kind = MNP_FEED_ORDER,
                               .order_id = o->id,
                               .number = o->number,
                               .state = o->state,
                               .body = b.data};
        rc = mnp_txn_feed_append(txn, &ev, NULL, err);
    }
    if (rc == 0 && detail_extra != NULL && detail_extra[0]) {
        /* The audit detail is the feed body with the extra members spliced in. */
        b.len = feed_len - 1;
        mnp_buf_putc(&b, ',');
        mnp_buf_puts(&b, detail_extra);
        mnp_buf_putc(&b, '}');
        rc = mnp_buf_error(&b);
    }
    if (rc == 0)
        rc = ch_audit(txn, now_ms, actor_name, action, o->number, b.data, err);
    mnp_buf_fini(&b);
    return rc;
}

int ch_move(mnp_txn_t *txn, mnp_order_rec_t *o, mnp_order_event_t ev, mnp_actor_t actor,
            const char *actor_name, int64_t now_ms, const char *detail_extra, mnp_error_t *err)
{
    mnp_order_state_t from = o->state, to;
    int rc = mnp_order_next(from, ev, actor, &to, err);
    if (rc != 0)
        return rc;
    o->state = to;
    o->updated_ms = now_ms;
    if (mnp_order_state_final(to))
        o->closed_ms = now_ms;
    rc = mnp_txn_order_update(txn, o, from, err);
    if (rc == 0)
        rc = ch_announce(txn, o, actor_name, now_ms, "order.state", detail_extra, err);
    return rc;
}
