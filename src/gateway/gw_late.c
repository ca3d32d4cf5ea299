/*
 * Agreements recorded after a number's first CXXZ (SPEC §3.1, §8): such an agreement never
 * blocks the port, and the regulator hears of it once, as a suspicious pattern. The gateway
 * looks when the agreement is recorded (the billing system's API, mnpctl agreements import) and
 * again at every query, and queues one report per agreement in the same transaction as what
 * found it; the courier takes it to the clearinghouse.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gwInt.h"
#include "mnp/alloc.h"

#define AGREEMENTS_MAX 64 /* looked at per number; more is not a billing system's record */

int mnp_gw_late_report(mnp_txn_t *txn, const char *op, uint64_t number, const mnp_agreement_t *ag,
                       int64_t freeze_ms, int64_t now_ms, bool *queued, mnp_error_t *err)
{
    bool reported = false;
    *queued = false;
    int rc = mnp_txn_gw_late_reported(txn, op, ag->id, &reported, err);
    if (rc != 0 || reported)
        return rc;
    char recorded[MNP_TIME_STR_SIZE], first[MNP_TIME_STR_SIZE];
    mnp_gw_report_t r = {.number = number, .created_ms = now_ms};
    snprintf(r.op, sizeof(r.op), "%s", op);
    snprintf(r.kind, sizeof(r.kind), "late_agreement");
    snprintf(r.detail, sizeof(r.detail),
             "agreement '%.120s' recorded %s, after the first query at %s", ag->name,
             mnp_time_format(ag->created_ms, recorded), mnp_time_format(freeze_ms, first));
    rc = mnp_txn_gw_report_add(txn, &r, err);
    if (rc == 0)
        rc = mnp_txn_gw_late_report_done(txn, op, ag->id, now_ms, err);
    *queued = rc == 0;
    return rc;
}

/* The late agreements of one number, as mnp_gw_late_agreements says. */
static int late_of_number(mnp_txn_t *txn, const char *op, uint64_t number, int64_t now_ms,
                          mnp_agreement_t *list, size_t *queued, mnp_error_t *err)
{
    int64_t freeze_ms = 0;
    int rc = mnp_txn_gw_freeze_get(txn, op, number, &freeze_ms, err);
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        return 0; /* no query yet: nothing is late */
    }
    size_t n = 0;
    if (rc == 0)
        rc = mnp_txn_gw_agreements_of(txn, op, number, list, AGREEMENTS_MAX, &n, err);
    for (size_t i = 0; rc == 0 && i < n && i < AGREEMENTS_MAX; i++) {
        bool one = false;
        if (mnp_agreement_late(&list[i], freeze_ms, now_ms))
            rc = mnp_gw_late_report(txn, op, number, &list[i], freeze_ms, now_ms, &one, err);
        *queued += one;
    }
    return rc;
}

int mnp_gw_late_agreements(mnp_txn_t *txn, const char *op, const mnp_agreement_row_t *rows,
                           size_t n, int64_t now_ms, size_t *queued, mnp_error_t *err)
{
    mnp_agreement_t *list = mnp_xcalloc(AGREEMENTS_MAX, sizeof(*list));
    *queued = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        bool seen = false; /* a batch of at most 1000 rows: looking back is cheap */
        for (size_t k = 0; !seen && k < i; k++)
            seen = rows[k].number == rows[i].number;
        if (!seen)
            rc = late_of_number(txn, op, rows[i].number, now_ms, list, queued, err);
    }
    free(list);
    return rc;
}
