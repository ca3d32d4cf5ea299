/*
 * Ending an order or a port (SPEC.md §3.5, §5): the recipient's cancel before SCHEDULED, the
 * regulator's reversal of a wrong port, and the number return when a ported subscriber leaves —
 * the number goes back to its range holder, never kept by the last operator.
 */
#include <stdio.h>
#include <string.h>

#include "chInt.h"
#include "mnp/store_feed.h"
#include "mnp/store_npdb.h"

typedef struct close_job {
    const char *who;
    int64_t order_id;
    uint64_t number;
    const char *text;
    int64_t now_ms;
    mnp_ch_outcome_t *out;
} close_job_t;

int ch_npdb_change(mnp_txn_t *txn, const mnp_order_rec_t *o, const char *op, int64_t now_ms,
                   mnp_error_t *err)
{
    char num[MNP_NUMBER_STR_SIZE];
    mnp_number_t n = {.e164 = o->number, .national_len = MNP_NATIONAL_DIGITS};
    mnp_buf_t b;
    mnp_buf_init(&b, 512);
    mnp_buf_putc(&b, '{');
    ch_json_str(&b, "number", mnp_number_format(&n, num));
    ch_json_str(&b, "operator", op);
    ch_json_int(&b, "order", o->id);
    mnp_buf_putc(&b, '}');
    mnp_feed_event_t ev = {.at_ms = now_ms,
                           .kind = MNP_FEED_NPDB,
                           .order_id = o->id,
                           .number = o->number,
                           .body = b.data};
    snprintf(ev.op, sizeof(ev.op), "%s", op);
    uint64_t seq = 0;
    int rc = mnp_buf_error(&b);
    if (rc == 0)
        rc = mnp_txn_feed_append(txn, &ev, &seq, err);
    /* Its own audit record, so that the NPDB is provably a replay of the audit log. */
    if (rc == 0)
        rc = ch_audit(txn, now_ms, "system", "npdb.change", o->number, b.data, err);
    mnp_buf_fini(&b);
    if (rc != 0)
        return rc;
    /* The range holder serves every number the NPDB does not name. */
    if (strcmp(op, o->holder) == 0)
        return mnp_txn_npdb_clear(txn, o->number, o->holder, now_ms, o->id, seq, err);
    return mnp_txn_npdb_set(txn, o->number, op, now_ms, o->id, seq, err);
}

/* Reads order j->order_id, when recipient_only only if j->who is its recipient (to anyone else
 * it does not exist: 404). Returns 0 with *found set or not, <0 on store failure. */
static int find(mnp_txn_t *txn, close_job_t *j, bool recipient_only, mnp_order_rec_t *o,
                bool *found, mnp_error_t *err)
{
    *found = false;
    int rc = mnp_txn_order_get(txn, j->order_id, o, err);
    if (rc != 0 && rc != MNP_ENOENT)
        return rc;
    if (rc == 0 && (!recipient_only || strcmp(o->recipient, j->who) == 0)) {
        *found = true;
        return 0;
    }
    mnp_error_clear(err);
    ch_refuse(j->out, 404, "not_found", "no order %lld for %s", (long long)j->order_id, j->who);
    return 0;
}

/* A refusal of the state machine becomes 409 invalid_state with its sentence. */
static int moved(int rc, close_job_t *j, int64_t id, mnp_error_t *err)
{
    if (rc == MNP_EINVAL || rc == MNP_EBUSY) {
        ch_refuse(j->out, 409, "invalid_state", "%s", err && err->msg[0] ? err->msg : "conflict");
        mnp_error_clear(err);
        return 0;
    }
    if (rc == 0)
        ch_done(j->out, 200, id);
    return rc;
}

static int cancel_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    close_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    mnp_order_rec_t o;
    bool found;
    int rc = find(txn, j, true, &o, &found, err);
    if (rc != 0 || !found)
        return rc;
    rc = ch_move(txn, &o, MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, j->who, j->now_ms, NULL, err);
    return moved(rc, j, o.id, err);
}

int mnp_ch_cancel(mnp_ch_t *ch, const char *recipient, int64_t order_id, mnp_ch_outcome_t *out,
                  mnp_error_t *err)
{
    close_job_t j = {.who = recipient, .order_id = order_id, .out = out};
    memset(out, 0, sizeof(*out));
    j.now_ms = mnp_clock_now_ms(ch->clock);
    return ch_write(ch, cancel_write, &j, err);
}

static int last_active(const mnp_order_rec_t *o, void *arg)
{
    *(mnp_order_rec_t *)arg = *o;
    return 0;
}

/* Whether o is the port in force of its number: its latest ACTIVE order, whose recipient still
 * serves it. An older port that a later good one superseded is history. */
static int in_force(mnp_txn_t *txn, const mnp_order_rec_t *o, bool *yes, mnp_error_t *err)
{
    mnp_order_rec_t last = {0};
    mnp_order_filter_t f = {
        .state = MNP_ORDER_ACTIVE, .number = o->number, .limit = MNP_ORDER_LIST_MAX};
    char serving[MNP_STORE_CODE_MAX], holder[MNP_STORE_CODE_MAX], ln[MNP_LOCAL_NETWORK_MAX];
    int rc = mnp_txn_order_list(txn, &f, last_active, &last, err);
    if (rc == 0)
        rc = ch_serving(txn, o->number, serving, holder, ln, err);
    *yes = rc == 0 && last.id == o->id && strcmp(serving, o->recipient) == 0;
    return rc;
}

static int reverse_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    close_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    mnp_order_rec_t o;
    bool found;
    int rc = find(txn, j, false, &o, &found, err);
    if (rc != 0 || !found)
        return rc;
    /* RULE §5: a reversal undoes the port in force; undoing a superseded one would take the
     * number from the operator that serves it now by a later, good port. */
    bool current = true;
    if (o.state == MNP_ORDER_ACTIVE && (rc = in_force(txn, &o, &current, err)) != 0)
        return rc;
    if (!current) {
        ch_refuse(j->out, 409, "invalid_state",
                  "order %lld is no longer the port in force: a later port of the number "
                  "superseded it",
                  (long long)o.id);
        return 0;
    }
    snprintf(o.reason_text, sizeof(o.reason_text), "%s", j->text);
    char actor[MNP_STORE_CODE_MAX + 16];
    snprintf(actor, sizeof(actor), "regulator:%s", j->who);
    /* The regulator's reason goes into the audit record of the reversal. */
    mnp_buf_t extra;
    mnp_buf_init(&extra, 8 * MNP_ORDER_REASON_TEXT_MAX);
    mnp_buf_json_str(&extra, "text");
    mnp_buf_putc(&extra, ':');
    mnp_buf_json_str(&extra, j->text);
    rc = mnp_buf_error(&extra);
    if (rc == 0)
        rc = ch_move(txn, &o, MNP_EV_REVERSE, MNP_ACTOR_REGULATOR, actor, j->now_ms, extra.data,
                     err);
    mnp_buf_fini(&extra);
    /* RULE §5: a reversal restores the previous operator. */
    if (rc == 0)
        rc = ch_npdb_change(txn, &o, o.donor, j->now_ms, err);
    return moved(rc, j, o.id, err);
}

int mnp_ch_reverse(mnp_ch_t *ch, const char *regulator, int64_t order_id, const char *text,
                   mnp_ch_outcome_t *out, mnp_error_t *err)
{
    close_job_t j = {.who = regulator, .order_id = order_id, .text = text, .out = out};
    memset(out, 0, sizeof(*out));
    if (text == NULL || text[0] == '\0' || strlen(text) >= MNP_ORDER_REASON_TEXT_MAX) {
        ch_refuse(out, 400, "C08", "a reversal needs a reason of 1 to %d bytes",
                  MNP_ORDER_REASON_TEXT_MAX - 1);
        return 0;
    }
    j.now_ms = mnp_clock_now_ms(ch->clock);
    return ch_write(ch, reverse_write, &j, err);
}

static int return_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    close_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    mnp_npdb_rec_t cur;
    int rc = mnp_txn_npdb_get(txn, j->number, &cur, err);
    if (rc == MNP_ENOENT) {
        ch_refuse(j->out, 409, "not_ported",
                  "the number was never ported: it is its range "
                  "holder's already");
        mnp_error_clear(err);
        return 0;
    }
    if (rc != 0)
        return rc;
    if (strcmp(cur.op, j->who) != 0) {
        ch_refuse(j->out, 404, "not_serving", "%s does not serve this number", j->who);
        return 0;
    }
    mnp_order_rec_t o = {0};
    mnp_order_filter_t f = {.state = MNP_ORDER_ACTIVE, .number = j->number, .limit = 1000};
    rc = mnp_txn_order_list(txn, &f, last_active, &o, err);
    if (rc != 0)
        return rc;
    if (o.id == 0) {
        ch_refuse(j->out, 409, "not_ported", "no active port of this number");
        return 0;
    }
    rc = ch_move(txn, &o, MNP_EV_RETURN, MNP_ACTOR_SERVING, j->who, j->now_ms, NULL, err);
    return moved(rc, j, o.id, err);
}

int mnp_ch_return(mnp_ch_t *ch, const char *op, const char *number, mnp_ch_outcome_t *out,
                  mnp_error_t *err)
{
    mnp_number_t num;
    mnp_number_reason_t why;
    memset(out, 0, sizeof(*out));
    if (mnp_number_parse(number, strlen(number), &num, &why) != 0) {
        ch_refuse(out, 400, "C08", "number: %s", mnp_number_reason_str(why));
        return 0;
    }
    close_job_t j = {.who = op, .number = num.e164, .out = out};
    j.now_ms = mnp_clock_now_ms(ch->clock);
    int rc = ch_write(ch, return_write, &j, err);
    if (rc == 0 && out->status < 300)
        ch_due(ch); /* the number goes back at the next tick */
    return rc;
}
