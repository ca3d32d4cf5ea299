/*
 * Submitting a port request (SPEC.md §5, "On submission"). The checks run in an order that
 * matters: a malformed request (C08) changes nothing; then what the number is and who serves it
 * (C07, C06, C05), an open order (C04) and the 120-day rule; the code comes last, so that only a
 * request that could otherwise succeed spends an attempt, and a wrong code is counted towards the
 * lock. A refusal is still audited (the regulator counts rejections by code); success creates the
 * order in PENDING_DONOR, uses the code, and tells every operator through the feed.
 */
#include <stdio.h>
#include <string.h>

#include "chInt.h"
#include "mnp/authcode.h"
#include "mnp/number.h"
#include "mnp/store_npdb.h"
#include "mnp/store_numplan.h"
#include "mnp/store_orders.h"

#define CHANNEL_MAX (MNP_ORDER_CHANNEL_MAX - 1)

typedef struct submit_job {
    mnp_ch_t *ch;
    const char *recipient;
    const char *channel;
    uint64_t number;
    uint8_t code_hash[MNP_HASH_BYTES]; /* of the presented code, number and identity */
    int64_t now_ms;
    mnp_ch_outcome_t *out;
} submit_job_t;

/* Audits a refusal already written to j->out. */
static int refused(mnp_txn_t *txn, submit_job_t *j, mnp_error_t *err)
{
    mnp_buf_t d;
    mnp_buf_init(&d, 1024);
    mnp_buf_putc(&d, '{');
    ch_json_str(&d, "code", j->out->code);
    ch_json_str(&d, "recipient", j->recipient);
    ch_json_str(&d, "channel", j->channel);
    mnp_buf_putc(&d, '}');
    int rc = ch_audit(txn, j->now_ms, j->recipient, "order.refused", j->number, d.data, err);
    mnp_buf_fini(&d);
    return rc;
}

static int refused_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return refused(txn, arg, err);
}

/* The code check: lock, match, used, expired; records a wrong attempt. Returns 0 with out
 * untouched when the code is good, 0 with out set when refused, <0 on store failure. */
static int check_code(mnp_txn_t *txn, submit_job_t *j, mnp_error_t *err)
{
    mnp_authcode_rec_t rec;
    mnp_authcode_facts_t facts = {0};
    int rc = mnp_txn_authcode_get(txn, j->number, &rec, err);
    if (rc == 0) {
        facts.registered = true;
        memcpy(facts.code_hash, rec.code_hash, sizeof(facts.code_hash));
        facts.expires_ms = rec.expires_ms;
        facts.used = rec.used_ms != 0;
    } else if (rc != MNP_ENOENT) {
        return rc;
    }
    rc = mnp_txn_code_failures_since(txn, j->number, mnp_authcode_hour_start(j->now_ms),
                                     &facts.failures_this_hour, err);
    if (rc != 0)
        return rc;
    mnp_authcode_verdict_t v;
    mnp_authcode_judge(&facts, j->code_hash, j->now_ms, &v);
    if (v.record_failure) {
        rc = mnp_txn_code_failure_add(txn, j->number, j->now_ms, err);
        if (rc != 0)
            return rc;
    }
    if (v.now_locked) {
        rc = ch_audit(txn, j->now_ms, "system", "authcode.locked", j->number, "{}", err);
        if (rc != 0)
            return rc;
    }
    if (v.locked || v.now_locked)
        ch_refuse(j->out, 429, mnp_reason_code(v.reason),
                  "too many wrong codes: the number is locked for the rest of the hour");
    else if (v.reason != MNP_REASON_NONE)
        ch_refuse(j->out, 422, mnp_reason_code(v.reason), "%s", mnp_reason_text(v.reason));
    return 0;
}

/* Creates the order, uses the code, and announces it. */
static int create_order(mnp_txn_t *txn, submit_job_t *j, const char *donor, const char *holder,
                        const char *local_network, mnp_error_t *err)
{
    mnp_order_rec_t o = {.number = j->number,
                         .state = MNP_ORDER_PENDING_DONOR,
                         .created_ms = j->now_ms,
                         .updated_ms = j->now_ms,
                         .donor_deadline_ms = j->now_ms + j->ch->donor_window_ms};
    snprintf(o.recipient, sizeof(o.recipient), "%s", j->recipient);
    snprintf(o.donor, sizeof(o.donor), "%s", donor);
    snprintf(o.holder, sizeof(o.holder), "%s", holder);
    snprintf(o.local_network, sizeof(o.local_network), "%s", local_network);
    snprintf(o.channel, sizeof(o.channel), "%s", j->channel);
    int rc = mnp_txn_order_insert(txn, &o, err);
    if (rc == MNP_EEXIST) { /* another request for the number won the race in this group */
        ch_refuse(j->out, 409, "C04", "%s", mnp_reason_text(MNP_C04_ORDER_OPEN));
        mnp_error_clear(err);
        return refused(txn, j, err);
    }
    if (rc == 0)
        rc = mnp_txn_authcode_mark_used(txn, j->number, o.id, j->now_ms, err);
    if (rc != 0)
        return rc;

    rc = ch_announce(txn, &o, j->recipient, j->now_ms, "order.created", NULL, err);
    if (rc == 0)
        ch_done(j->out, 201, o.id);
    return rc;
}

typedef struct port_seen {
    int64_t last_ms; /* the latest cutover of a port in force or undone by a return; 0: none */
    int64_t last_id;
    unsigned seen; /* orders on this page */
} port_seen_t;

static int see_port(const mnp_order_rec_t *o, void *arg)
{
    port_seen_t *p = arg;
    p->last_id = o->id;
    p->seen++;
    /* A port happened when its NPDB change did; a reversed one is undone, as if it never was.
     * Returns and reversals change the NPDB too, but they are not ports. */
    bool ported = o->state == MNP_ORDER_BROADCASTING || o->state == MNP_ORDER_ACTIVE ||
                  o->state == MNP_ORDER_RETURN_PENDING || o->state == MNP_ORDER_RETURNED;
    if (ported && o->cutover_ms > p->last_ms)
        p->last_ms = o->cutover_ms;
    return 0;
}

/* The instant of the number's last port (SPEC §4 E05: "since the last port"), MNP_ENOENT when
 * it never ported. */
static int last_port(mnp_txn_t *txn, uint64_t number, int64_t *at_ms, mnp_error_t *err)
{
    port_seen_t p = {0};
    mnp_order_filter_t f = {.number = number, .limit = MNP_ORDER_LIST_MAX};
    int rc;
    do { /* a page at a time; a number rarely has more than a few orders */
        f.after_id = p.last_id;
        p.seen = 0;
        rc = mnp_txn_order_list(txn, &f, see_port, &p, err);
    } while (rc == 0 && p.seen == f.limit);
    if (rc != 0)
        return rc;
    if (p.last_ms == 0)
        return MNP_ENOENT;
    *at_ms = p.last_ms;
    return 0;
}

static int submit_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    submit_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    char serving[MNP_STORE_CODE_MAX], holder[MNP_STORE_CODE_MAX], ln[MNP_LOCAL_NETWORK_MAX];
    mnp_routing_entry_t route;
    mnp_order_rec_t open;
    int64_t last_ms;

    int rc = ch_serving(txn, j->number, serving, holder, ln, err);
    if (rc == MNP_ENOENT) {
        ch_refuse(j->out, 422, "C07", "the number is not in the number plan");
        mnp_error_clear(err);
        return refused(txn, j, err);
    }
    if (rc != 0)
        return rc;
    if (strcmp(serving, j->recipient) == 0) {
        ch_refuse(j->out, 409, "C06", "%s", mnp_reason_text(MNP_C06_ALREADY_SERVING));
        return refused(txn, j, err);
    }
    /* RULE C05: porting stays within one local network, where the recipient must have a
     * routing number. */
    rc = mnp_txn_routing_get(txn, j->recipient, ln, &route, err);
    if (rc == MNP_ENOENT) {
        ch_refuse(j->out, 422, "C05", "%s (%s)", mnp_reason_text(MNP_C05_OTHER_NETWORK), ln);
        mnp_error_clear(err);
        return refused(txn, j, err);
    }
    if (rc != 0)
        return rc;
    rc = mnp_txn_order_open_for(txn, j->number, &open, err);
    if (rc == 0) {
        ch_refuse(j->out, 409, "C04", "%s (order %lld)", mnp_reason_text(MNP_C04_ORDER_OPEN),
                  (long long)open.id);
        return refused(txn, j, err);
    }
    if (rc != MNP_ENOENT)
        return rc;
    mnp_error_clear(err);
    /* RULE E05 / §5: never two ports of one number within 120 days. */
    rc = last_port(txn, j->number, &last_ms, err);
    if (rc == 0 && j->now_ms < mnp_port_again_from(last_ms)) {
        char when[MNP_TIME_STR_SIZE];
        ch_refuse(j->out, 422, "C07",
                  "the number was ported within the last 120 days; it may "
                  "port again from %s",
                  mnp_time_format(mnp_port_again_from(last_ms), when));
        return refused(txn, j, err);
    }
    if (rc != 0 && rc != MNP_ENOENT)
        return rc;
    mnp_error_clear(err);
    rc = check_code(txn, j, err);
    if (rc != 0)
        return rc;
    if (j->out->status != 0)
        return refused(txn, j, err);
    return create_order(txn, j, serving, holder, ln, err);
}

int mnp_ch_submit(mnp_ch_t *ch, const char *recipient, const char *number, const char *identity,
                  const char *code, const char *channel, mnp_ch_outcome_t *out, mnp_error_t *err)
{
    mnp_number_t num;
    mnp_numinfo_t info;
    uint8_t id_hash[MNP_HASH_BYTES];
    submit_job_t j = {.ch = ch, .recipient = recipient, .channel = channel, .out = out};

    memset(out, 0, sizeof(*out));
    if (!ch_subscriber(ch, number, identity, code, &num, id_hash, j.code_hash, out))
        return 0;
    if (channel[0] == '\0' || strlen(channel) > CHANNEL_MAX) {
        ch_refuse(out, 400, "C08", "channel: 1 to %d characters", CHANNEL_MAX);
        return 0;
    }
    j.number = num.e164;
    j.now_ms = mnp_clock_now_ms(ch->clock);
    /* RULE C07 / E06: only ordinary mobile numbers port. */
    mnp_numplan_classify(ch->plan, &num, &info);
    if (!info.portable) {
        ch_refuse(out, 422, "C07", "%s: a %s number", mnp_reason_text(MNP_C07_NOT_PORTABLE),
                  mnp_numplan_type_name(info.type));
        return ch_write(ch, refused_write, &j, err);
    }
    return ch_write(ch, submit_write, &j, err);
}
