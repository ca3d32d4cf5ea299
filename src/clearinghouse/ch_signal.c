/*
 * Operators' reports (SPEC.md §8): what only an operator's gateway sees, recorded for the
 * regulator as audit records that the statistics count (store_stats.h): a subscriber's CXXZ
 * eligibility query, and a term agreement added to a number after its CXXZ.
 */
#include <stdio.h>
#include <string.h>

#include "chInt.h"
#include "mnp/number.h"
#include "mnp/store_stats.h"

#define SIGNAL_DETAIL_MAX 255

typedef struct signal_job {
    const char *action, *detail;
    uint64_t number;
    mnp_ch_outcome_t *out;
} signal_job_t;

typedef struct signals_job {
    const char *op;
    int64_t now_ms;
    signal_job_t *jobs;
    size_t n;
} signals_job_t;

/* RULE §7: an operator reports only about the numbers it serves, as it registers codes only for
 * them; the record is written in the same transaction that checked this. */
static int signal_write_one(mnp_txn_t *txn, const signals_job_t *all, signal_job_t *j,
                            mnp_error_t *err)
{
    char serving[MNP_STORE_CODE_MAX], holder[MNP_STORE_CODE_MAX], ln[MNP_LOCAL_NETWORK_MAX];
    int rc = ch_serving(txn, j->number, serving, holder, ln, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        ch_refuse(j->out, 422, "C07", "the number is not in the number plan");
        return 0;
    }
    if (rc != 0)
        return rc;
    if (strcmp(serving, all->op) != 0) {
        ch_refuse(j->out, 403, "not_serving",
                  "only the operator serving the number (%s) reports about it", serving);
        return 0;
    }
    mnp_buf_t d;
    /* Room for a detail of SIGNAL_DETAIL_MAX control characters, each escaped as \u00XX. */
    mnp_buf_init(&d, 6 * SIGNAL_DETAIL_MAX + 64);
    mnp_buf_putc(&d, '{');
    if (j->detail != NULL && j->detail[0])
        ch_json_str(&d, "detail", j->detail);
    mnp_buf_putc(&d, '}');
    rc = mnp_buf_error(&d);
    if (rc != 0)
        mnp_error_set(err, rc, "the report's audit record does not fit");
    else
        rc = ch_audit(txn, all->now_ms, all->op, j->action, j->number, d.data, err);
    mnp_buf_fini(&d);
    if (rc == 0)
        ch_done(j->out, 201, 0);
    return rc;
}

static int signals_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    signals_job_t *all = arg;
    for (size_t i = 0; i < all->n; i++) {
        signal_job_t *j = &all->jobs[i];
        if (j->action == NULL)
            continue;                       /* refused before the write */
        memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
        int rc = signal_write_one(txn, all, j, err);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* The checks that need no store; false (out filled) when the report is refused. */
static bool signal_check(const mnp_ch_signal_t *in, signal_job_t *j)
{
    mnp_number_t num;
    mnp_number_reason_t why;
    memset(j->out, 0, sizeof(*j->out));
    j->action = NULL;
    const char *action = NULL;
    if (in->kind != NULL && strcmp(in->kind, "query") == 0)
        action = MNP_STATS_ACTION_QUERY;
    else if (in->kind != NULL && strcmp(in->kind, "late_agreement") == 0)
        action = MNP_STATS_ACTION_LATE_AGREEMENT;
    if (action == NULL) {
        ch_refuse(j->out, 400, "bad_value", "kind: \"query\" or \"late_agreement\"");
        return false;
    }
    if (in->detail != NULL && strlen(in->detail) > SIGNAL_DETAIL_MAX) {
        ch_refuse(j->out, 400, "bad_value", "detail: at most %d bytes", SIGNAL_DETAIL_MAX);
        return false;
    }
    if (in->number == NULL || mnp_number_parse(in->number, strlen(in->number), &num, &why) != 0) {
        ch_refuse(j->out, 400, "C08", "number: %s",
                  in->number ? mnp_number_reason_str(why) : "missing");
        return false;
    }
    j->action = action;
    j->detail = in->detail;
    j->number = num.e164;
    return true;
}

int mnp_ch_signals(mnp_ch_t *ch, const char *op, const mnp_ch_signal_t *in, size_t n,
                   mnp_ch_outcome_t *out, mnp_error_t *err)
{
    if (n > MNP_CH_SIGNALS_MAX)
        return mnp_error_set(err, MNP_ELIMIT, "at most %d reports at once", MNP_CH_SIGNALS_MAX);
    signal_job_t jobs[MNP_CH_SIGNALS_MAX];
    size_t checked = 0;
    for (size_t i = 0; i < n; i++) {
        jobs[i].out = &out[i];
        checked += signal_check(&in[i], &jobs[i]);
    }
    if (checked == 0)
        return 0;
    signals_job_t all = {.op = op, .now_ms = mnp_clock_now_ms(ch->clock), .jobs = jobs, .n = n};
    return ch_write(ch, signals_write, &all, err);
}

int mnp_ch_signal(mnp_ch_t *ch, const char *op, const char *kind, const char *number,
                  const char *detail, mnp_ch_outcome_t *out, mnp_error_t *err)
{
    mnp_ch_signal_t in = {.kind = kind, .number = number, .detail = detail};
    return mnp_ch_signals(ch, op, &in, 1, out, err);
}
