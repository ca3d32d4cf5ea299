/*
 * The donor's answer (SPEC.md §5): accept, or object with D01, D02 or D03 only, and only while
 * the answer window is open. RULE §5: any other objection is refused by the API; there is no
 * way to express an "unfinished contract" or a promotion as a reason.
 */
#include <stdio.h>
#include <string.h>

#include "chInt.h"

typedef struct answer_job {
    const char *donor;
    int64_t order_id;
    mnp_reason_t reason; /* MNP_REASON_NONE: accept */
    const char *text;
    int64_t now_ms;
    mnp_ch_outcome_t *out;
} answer_job_t;

static int answer_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    answer_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    mnp_order_rec_t o;
    int rc = mnp_txn_order_get(txn, j->order_id, &o, err);
    /* An operator sees only orders where it is donor or recipient: others do not exist. */
    if (rc == MNP_ENOENT || (rc == 0 && strcmp(o.donor, j->donor) != 0)) {
        ch_refuse(j->out, 404, "not_found", "no order %lld for %s", (long long)j->order_id,
                  j->donor);
        mnp_error_clear(err);
        return 0;
    }
    if (rc != 0)
        return rc;
    if (o.state != MNP_ORDER_PENDING_DONOR) {
        ch_refuse(j->out, 409, "invalid_state", "order %lld is %s: the donor has nothing to answer",
                  (long long)o.id, mnp_order_state_name(o.state));
        return 0;
    }
    if (j->now_ms >= o.donor_deadline_ms) {
        ch_refuse(j->out, 409, "window_closed",
                  "the answer window closed; silence counts as consent");
        return 0;
    }
    o.donor_answer_ms = j->now_ms;
    if (j->reason != MNP_REASON_NONE) {
        snprintf(o.reason, sizeof(o.reason), "%s", mnp_reason_code(j->reason));
        snprintf(o.reason_text, sizeof(o.reason_text), "%s", j->text ? j->text : "");
    }
    /* RULE §5: an objection's justification (required with D03) is always audited, so it goes
     * into the audit record of the state change. */
    mnp_buf_t extra;
    mnp_buf_init(&extra, 8 * MNP_ORDER_REASON_TEXT_MAX);
    if (j->reason != MNP_REASON_NONE && j->text != NULL && j->text[0] != '\0') {
        mnp_buf_json_str(&extra, "text");
        mnp_buf_putc(&extra, ':');
        mnp_buf_json_str(&extra, j->text);
    }
    rc = mnp_buf_error(&extra);
    if (rc == 0)
        rc = ch_move(txn, &o, j->reason ? MNP_EV_DONOR_OBJECT : MNP_EV_DONOR_ACCEPT,
                     MNP_ACTOR_DONOR, j->donor, j->now_ms, extra.len ? extra.data : NULL, err);
    mnp_buf_fini(&extra);
    if (rc == MNP_EBUSY) {
        ch_refuse(j->out, 409, "conflict", "order %lld changed meanwhile; read it again",
                  (long long)o.id);
        mnp_error_clear(err);
        return 0;
    }
    if (rc == 0)
        ch_done(j->out, 200, o.id);
    return rc;
}

int mnp_ch_answer(mnp_ch_t *ch, const char *donor, int64_t order_id, const char *reason,
                  const char *text, mnp_ch_outcome_t *out, mnp_error_t *err)
{
    answer_job_t j = {.donor = donor, .order_id = order_id, .text = text, .out = out};
    memset(out, 0, sizeof(*out));
    if (reason != NULL && reason[0] != '\0') {
        j.reason = mnp_reason_parse(reason);
        if (!mnp_reason_is_objection(j.reason)) {
            ch_refuse(out, 422, "not_an_objection",
                      "'%.16s' is not an objection: a donor may object only with D01, D02 or D03",
                      reason);
            return 0;
        }
        /* RULE §5: D03 needs a justification, always audited. */
        if (mnp_reason_needs_text(j.reason) && (text == NULL || text[0] == '\0')) {
            ch_refuse(out, 422, "justification_required", "D03 needs a written justification");
            return 0;
        }
        if (text != NULL && strlen(text) >= MNP_ORDER_REASON_TEXT_MAX) {
            ch_refuse(out, 400, "C08", "justification: at most %d bytes",
                      MNP_ORDER_REASON_TEXT_MAX - 1);
            return 0;
        }
    }
    j.now_ms = mnp_clock_now_ms(ch->clock);
    int rc = ch_write(ch, answer_write, &j, err);
    if (rc == 0 && out->status < 300)
        ch_due(ch); /* an acceptance is scheduled by the timers */
    return rc;
}
