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
    const char *op, *action, *detail;
    uint64_t number;
    int64_t now_ms;
    mnp_ch_outcome_t *out;
} signal_job_t;

/* RULE §7: an operator reports only about the numbers it serves, as it registers codes only for
 * them; the record is written in the same transaction that checked this. */
static int signal_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    signal_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    char serving[MNP_STORE_CODE_MAX], holder[MNP_STORE_CODE_MAX], ln[MNP_LOCAL_NETWORK_MAX];
    int rc = ch_serving(txn, j->number, serving, holder, ln, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        ch_refuse(j->out, 422, "C07", "the number is not in the number plan");
        return 0;
    }
    if (rc != 0)
        return rc;
    if (strcmp(serving, j->op) != 0) {
        ch_refuse(j->out, 403, "not_serving",
                  "only the operator serving the number (%s) reports about it", serving);
        return 0;
    }
    mnp_buf_t d;
    mnp_buf_init(&d, 1024);
    mnp_buf_putc(&d, '{');
    if (j->detail != NULL && j->detail[0])
        ch_json_str(&d, "detail", j->detail);
    mnp_buf_putc(&d, '}');
    rc = mnp_buf_error(&d);
    if (rc == 0)
        rc = ch_audit(txn, j->now_ms, j->op, j->action, j->number, d.data, err);
    mnp_buf_fini(&d);
    if (rc == 0)
        ch_done(j->out, 201, 0);
    return rc;
}

int mnp_ch_signal(mnp_ch_t *ch, const char *op, const char *kind, const char *number,
                  const char *detail, mnp_ch_outcome_t *out, mnp_error_t *err)
{
    signal_job_t j = {.op = op, .detail = detail, .out = out};
    mnp_number_t num;
    mnp_number_reason_t why;
    memset(out, 0, sizeof(*out));
    if (strcmp(kind, "query") == 0) {
        j.action = MNP_STATS_ACTION_QUERY;
    } else if (strcmp(kind, "late_agreement") == 0) {
        j.action = MNP_STATS_ACTION_LATE_AGREEMENT;
    } else {
        ch_refuse(out, 400, "bad_value", "kind: \"query\" or \"late_agreement\"");
        return 0;
    }
    if (detail != NULL && strlen(detail) > SIGNAL_DETAIL_MAX) {
        ch_refuse(out, 400, "bad_value", "detail: at most %d bytes", SIGNAL_DETAIL_MAX);
        return 0;
    }
    if (mnp_number_parse(number, strlen(number), &num, &why) != 0) {
        ch_refuse(out, 400, "C08", "number: %s", mnp_number_reason_str(why));
        return 0;
    }
    j.number = num.e164;
    j.now_ms = mnp_clock_now_ms(ch->clock);
    return ch_write(ch, signal_write, &j, err);
}
