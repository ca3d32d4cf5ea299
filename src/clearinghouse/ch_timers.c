/*
 * The clearinghouse's timers (SPEC.md §5). Timers are instants stored with each order, so a
 * restart simply finds what is due; a tick reads what is due in one snapshot and then makes each
 * state change in a transaction of its own, which re-reads the order and changes it only if it
 * is still where the snapshot saw it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chInt.h"
#include "mnp/alloc.h"
#include "mnp/log.h"
#include "mnp/number.h"
#include "mnp/store_feed.h"
#include "mnp/store_npdb.h"

#define TICK_BATCH 256 /* orders one tick looks at; the next tick takes the rest */
#define OPS_MAX    64  /* operators whose acknowledgements complete a broadcast */

typedef struct due {
    int64_t ids[TICK_BATCH];
    size_t n;
    int64_t now_ms;
} due_t;

static int collect(const mnp_order_rec_t *o, void *arg)
{
    due_t *d = arg;
    if (d->n < TICK_BATCH)
        d->ids[d->n++] = o->id;
    return 0;
}

static int read_due(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    due_t *d = arg;
    int rc = mnp_txn_order_due(txn, d->now_ms, TICK_BATCH, collect, d, err);
    /* States whose next step waits on no instant: acknowledgements, a requested return. */
    static const mnp_order_state_t waiting[] = {MNP_ORDER_BROADCASTING, MNP_ORDER_RETURN_PENDING};
    for (size_t i = 0; rc == 0 && i < 2 && d->n < TICK_BATCH; i++) {
        mnp_order_filter_t f = {.state = waiting[i], .limit = (unsigned)(TICK_BATCH - d->n)};
        rc = mnp_txn_order_list(txn, &f, collect, d, err);
    }
    return rc;
}

typedef struct ops {
    char codes[OPS_MAX][MNP_STORE_CODE_MAX];
    const char *names[OPS_MAX];
    size_t n;
} ops_t;

static int add_op(const mnp_operator_rec_t *op, void *arg)
{
    ops_t *o = arg;
    if (o->n == OPS_MAX)
        return MNP_ELIMIT;
    snprintf(o->codes[o->n], sizeof(o->codes[0]), "%s", op->code);
    o->names[o->n] = o->codes[o->n];
    o->n++;
    return 0;
}

/* RULE §5: at cutover the NPDB changes in the same transaction as the order, and the change
 * goes out on the feed for every operator's copy. */
static int cutover(mnp_txn_t *txn, mnp_order_rec_t *o, int64_t now_ms, mnp_error_t *err)
{
    int rc = ch_npdb_change(txn, o, o->recipient, now_ms, err);
    if (rc != 0)
        return rc;
    uint64_t seq = 0;
    rc = mnp_txn_feed_head(txn, &seq, err);
    o->npdb_seq = (int64_t)seq;
    return rc ? rc : ch_move(txn, o, MNP_EV_CUTOVER, MNP_ACTOR_SYSTEM, "system", now_ms, NULL, err);
}

/* One order's step of a tick; what the write found, for mnp_ch_tick to act on afterwards (a
 * write function may run more than once, store.h). */
typedef struct step {
    mnp_ch_t *ch;
    int64_t id;
    int64_t now_ms;
    bool moved;   /* its state changed */
    bool retried; /* its NPDB change was announced again (ack_overdue) */
    int64_t npdb_seq, waited_ms;
    uint64_t retry_seq;
    char missing[OPS_MAX * MNP_STORE_CODE_MAX]; /* "CBN,CTCC" */
} step_t;

/* SPEC §5: copies that do not acknowledge in time are retried and reported. The NPDB change is
 * announced again at the head of the feed (a consumer applies it idempotently, and acknowledging
 * the retry acknowledges the change), the audit log names who is missing, and the order's
 * updated_ms marks the retry so that the next one waits ack_timeout again. */
static int ack_overdue(mnp_txn_t *txn, mnp_order_rec_t *o, const ops_t *ops, step_t *s,
                       mnp_error_t *err)
{
    int64_t now_ms = s->now_ms;
    char num[MNP_NUMBER_STR_SIZE];
    mnp_number_t n = {.e164 = o->number, .national_len = MNP_NATIONAL_DIGITS};
    mnp_buf_t missing, body;
    char *names = s->missing; /* the same, for the log */
    names[0] = '\0';
    mnp_buf_init(&missing, 4096);
    mnp_buf_init(&body, 4096);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < ops->n; i++) {
        uint64_t acked = 0;
        rc = mnp_txn_consumer_get(txn, ops->names[i], &acked, err);
        if (rc == 0 && acked < (uint64_t)o->npdb_seq) {
            mnp_buf_puts(&missing, missing.len ? "," : "");
            mnp_buf_json_str(&missing, ops->names[i]);
            size_t used = strlen(names);
            snprintf(names + used, sizeof(s->missing) - used, "%s%s", used ? "," : "",
                     ops->names[i]);
        }
    }
    mnp_buf_putc(&body, '{');
    ch_json_str(&body, "number", mnp_number_format(&n, num));
    ch_json_str(&body, "operator", o->recipient);
    ch_json_int(&body, "order", o->id);
    ch_json_int(&body, "retry_of", o->npdb_seq);
    mnp_buf_putc(&body, '}');
    mnp_feed_event_t ev = {.at_ms = now_ms,
                           .kind = MNP_FEED_NPDB,
                           .order_id = o->id,
                           .number = o->number,
                           .body = body.data};
    snprintf(ev.op, sizeof(ev.op), "%s", o->recipient);
    uint64_t seq = 0;
    if (rc == 0 && (mnp_buf_error(&missing) != 0 || mnp_buf_error(&body) != 0))
        rc = mnp_error_set(err, MNP_ELIMIT, "order %lld: the retry does not fit", (long long)o->id);
    if (rc == 0)
        rc = mnp_txn_feed_append(txn, &ev, &seq, err);
    char detail[4300];
    snprintf(detail, sizeof(detail),
             "{\"order\":%lld,\"npdb_seq\":%lld,\"retry_seq\":%llu,\"missing\":[%s]}",
             (long long)o->id, (long long)o->npdb_seq, (unsigned long long)seq,
             missing.data ? missing.data : "");
    if (rc == 0)
        rc = ch_audit(txn, now_ms, "system", "npdb.ack_overdue", o->number, detail, err);
    s->waited_ms = now_ms - o->updated_ms;
    o->updated_ms = now_ms;
    if (rc == 0)
        rc = mnp_txn_order_update(txn, o, MNP_ORDER_BROADCASTING, err);
    s->retried = rc == 0;
    s->npdb_seq = o->npdb_seq;
    s->retry_seq = seq;
    mnp_buf_fini(&missing);
    mnp_buf_fini(&body);
    return rc;
}

/* One due order, one transaction: whatever its timer says, if it is still due. */
static int step_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    step_t *s = arg;
    s->moved = s->retried = false; /* this run's findings alone */
    mnp_order_rec_t o;
    int rc = mnp_txn_order_get(txn, s->id, &o, err);
    if (rc != 0)
        return rc;
    switch (o.state) {
    case MNP_ORDER_PENDING_DONOR:
        if (s->now_ms < o.donor_deadline_ms)
            return 0;
        /* RULE §5: silence counts as consent, and the silence is recorded. */
        o.donor_silent = true;
        o.donor_answer_ms = o.donor_deadline_ms; /* consent came when the window closed */
        rc = ch_move(txn, &o, MNP_EV_DONOR_SILENT, MNP_ACTOR_SYSTEM, "system", s->now_ms,
                     "\"silent\":true", err);
        break;
    case MNP_ORDER_ACCEPTED:
        /* RULE §3.4: the next whole hour after acceptance, however late this tick runs. */
        o.cutover_ms = mnp_cutover_at(o.donor_answer_ms, s->ch->cutover_step_ms);
        rc = ch_move(txn, &o, MNP_EV_SCHEDULE, MNP_ACTOR_SYSTEM, "system", s->now_ms, NULL, err);
        break;
    case MNP_ORDER_SCHEDULED:
        if (s->now_ms < o.cutover_ms)
            return 0;
        rc = cutover(txn, &o, s->now_ms, err);
        break;
    case MNP_ORDER_BROADCASTING: {
        ops_t ops = {0};
        uint64_t min = 0;
        rc = mnp_txn_operator_each(txn, add_op, &ops, err);
        if (rc == 0)
            rc = mnp_txn_consumers_min_acked(txn, ops.names, ops.n, &min, err);
        if (rc != 0)
            return rc;
        if (min < (uint64_t)o.npdb_seq) {
            /* Nothing else touches a broadcasting order, so its last update is the broadcast
             * or the last retry. */
            if (s->now_ms - o.updated_ms < s->ch->ack_timeout_ms)
                return 0;
            return ack_overdue(txn, &o, &ops, s, err);
        }
        o.active_ms = s->now_ms;
        rc = ch_move(txn, &o, MNP_EV_ALL_ACKED, MNP_ACTOR_SYSTEM, "system", s->now_ms, NULL, err);
        break;
    }
    case MNP_ORDER_RETURN_PENDING:
        /* RULE §3.5: the number goes back to its range holder. */
        rc = ch_npdb_change(txn, &o, o.holder, s->now_ms, err);
        if (rc == 0)
            rc = ch_move(txn, &o, MNP_EV_RETURN_DONE, MNP_ACTOR_SYSTEM, "system", s->now_ms, NULL,
                         err);
        break;
    default:
        return 0;
    }
    if (rc == MNP_EBUSY) { /* moved meanwhile by someone else: nothing left to do here */
        mnp_error_clear(err);
        return 0;
    }
    s->moved = rc == 0;
    return rc;
}

#define TICK_PASSES 8 /* an order moves one step per pass: silence, schedule, cut over, ... */

int mnp_ch_tick(mnp_ch_t *ch, unsigned *changed, mnp_error_t *err)
{
    due_t *d = mnp_xcalloc(1, sizeof(*d));
    unsigned moved = 0, pass_moved = 1;
    int rc = 0;
    d->now_ms = mnp_clock_now_ms(ch->clock);
    for (int pass = 0; rc == 0 && pass_moved > 0 && pass < TICK_PASSES; pass++) {
        d->n = 0;
        pass_moved = 0;
        rc = mnp_store_read(ch->store, read_due, d, err);
        for (size_t i = 0; rc == 0 && i < d->n; i++) {
            step_t s = {.ch = ch, .id = d->ids[i], .now_ms = d->now_ms};
            rc = ch_write(ch, step_write, &s, err);
            pass_moved += rc == 0 && s.moved;
            if (rc == 0 && s.retried)
                mnp_log(MNP_LOG_WARN, "NPDB change not acknowledged in time: announced again",
                        MNP_KV(MNP_KV_I64("order", s.id), MNP_KV_I64("npdb_seq", s.npdb_seq),
                               MNP_KV_U64("retry_seq", s.retry_seq),
                               MNP_KV_STR("missing", s.missing),
                               MNP_KV_I64("waited_ms", s.waited_ms)));
        }
        moved += pass_moved;
    }
    free(d);
    if (changed != NULL)
        *changed = moved;
    return rc;
}

typedef struct ack_job {
    const char *consumer;
    uint64_t seq;
    int64_t now_ms;
    mnp_ch_outcome_t *out;
} ack_job_t;

static int ack_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    ack_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    int rc = mnp_txn_consumer_ack(txn, j->consumer, j->seq, j->now_ms, err);
    if (rc == MNP_ERANGE) {
        ch_refuse(j->out, 422, "beyond_head", "sequence %llu is not in the feed yet",
                  (unsigned long long)j->seq);
        mnp_error_clear(err);
        return 0;
    }
    if (rc == 0)
        ch_done(j->out, 200, 0);
    return rc;
}

int mnp_ch_ack(mnp_ch_t *ch, const char *consumer, uint64_t seq, mnp_ch_outcome_t *out,
               mnp_error_t *err)
{
    ack_job_t j = {.consumer = consumer, .seq = seq, .out = out};
    memset(out, 0, sizeof(*out));
    j.now_ms = mnp_clock_now_ms(ch->clock);
    int rc = ch_write(ch, ack_write, &j, err);
    if (rc == 0 && out->status < 300)
        ch_due(ch); /* the last acknowledgement makes a broadcast ACTIVE */
    return rc;
}
