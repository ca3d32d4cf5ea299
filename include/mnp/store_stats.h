/*
 * What the regulator sees (SPEC.md §8): for a period [from_ms, to_ms), per operator and local
 * network, the counters of the port workflow, and the list of suspicious events the
 * clearinghouse itself can see. Read-only queries on mnp_txn_t (see store.h); every number comes
 * from the audit log (what happened, and when) and the orders it names (who, where, how long).
 *
 * An event belongs to the period in which its audit record was written, and to one row:
 *
 *   counter            row of                  event
 *   queries            the reporting operator  a "signal.query" report (a CXXZ eligibility query)
 *   codes_issued       the donor               "authcode.registered"
 *   requests           the recipient           an order created ("order.created")
 *   requests_received  the donor               the same order
 *   acceptances        the donor               ACCEPTED by an explicit answer
 *   silences           the donor               ACCEPTED because the answer window closed
 *   rejections[C01-08] the recipient           a submission refused ("order.refused", its code)
 *   rejections[D01-03] the donor               REJECTED by the donor's objection
 *   answer             the donor               explicit answers (accept or object): created ->
 *                                              donor_answer_ms; silences are not answers
 *   cancellations      the recipient           CANCELLED
 *   to_active          the recipient           ACTIVE: created -> active_ms
 *   returns            the recipient           RETURNED (the number is back with its holder)
 *   reversals          the recipient           REVERSED (the wrong port was the recipient's)
 *   late_agreements    the reporting operator  a "signal.late_agreement" report
 *
 * The local network is the order's; for records about a number without an order it is the
 * network of the number's block in the plan, "" when the plan does not have it. A row exists
 * only when one of its counters is not zero.
 *
 * Flags, each with the time of its event: every D03 objection (the donor, with its
 * justification); every agreement reported as added after a CXXZ (the reporting operator, with
 * the report's text); every authorization code registered in the period whose 60 minutes ran out
 * (by query->now_ms) without an order using it and without a newer code for the number
 * replacing it first (the donor); and every operator whose orders created in the period all came
 * through the "store" channel (the recipient, with the number of orders, at its last one).
 */
#ifndef MNP_STORE_STATS_H
#define MNP_STORE_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"
#include "mnp/numplan.h"
#include "mnp/order.h"
#include "mnp/store.h"
#include "mnp/store_orders.h"

/* Audit actions of the reports an operator's gateway sends (POST /v1/signals). */
#define MNP_STATS_ACTION_QUERY          "signal.query"
#define MNP_STATS_ACTION_LATE_AGREEMENT "signal.late_agreement"

#define MNP_STATS_FLAGS_DEFAULT 1000   /* flags a report lists when the query says 0 */
#define MNP_STATS_FLAGS_MAX     100000 /* most flags one report lists */

typedef struct mnp_stats_query {
    int64_t from_ms;     /* first instant of the period */
    int64_t to_ms;       /* first instant after it; from_ms <= to_ms */
    int64_t now_ms;      /* a code is "never used" only once it expired by now_ms */
    unsigned flag_limit; /* 0: MNP_STATS_FLAGS_DEFAULT; at most MNP_STATS_FLAGS_MAX */
} mnp_stats_query_t;

/* Durations of the events of one row. median_ms and worst_ms are 0 when count is 0; for an even
 * count the median is the mean of the two middle values, rounded down. */
typedef struct mnp_stats_times {
    uint64_t count;
    int64_t median_ms;
    int64_t worst_ms;
} mnp_stats_times_t;

typedef struct mnp_stats_row {
    char op[MNP_STORE_CODE_MAX];
    char local_network[MNP_LOCAL_NETWORK_MAX];
    uint64_t queries;
    uint64_t codes_issued;
    uint64_t requests;
    uint64_t requests_received;
    uint64_t acceptances;
    uint64_t silences;
    uint64_t rejections[MNP_REASON_COUNT]; /* by mnp_reason_t (C01 .. D03); [0] is always 0 */
    mnp_stats_times_t answer;
    uint64_t cancellations;
    mnp_stats_times_t to_active;
    uint64_t returns;
    uint64_t reversals;
    uint64_t late_agreements;
} mnp_stats_row_t;

typedef enum mnp_stats_flag_kind {
    MNP_STATS_FLAG_D03 = 1,        /* a D03 objection */
    MNP_STATS_FLAG_LATE_AGREEMENT, /* an agreement added after a CXXZ */
    MNP_STATS_FLAG_CODE_UNUSED,    /* a code registered and never used */
    MNP_STATS_FLAG_STORE_ONLY,     /* an operator's orders all came through "store" */
} mnp_stats_flag_kind_t;

typedef struct mnp_stats_flag {
    mnp_stats_flag_kind_t kind;
    int64_t at_ms;    /* when it happened (STORE_ONLY: the operator's last order) */
    int64_t order_id; /* 0 when no order is concerned */
    uint64_t number;  /* E.164; 0 when no number is concerned (STORE_ONLY) */
    char op[MNP_STORE_CODE_MAX];
    char local_network[MNP_LOCAL_NETWORK_MAX]; /* "" when none (STORE_ONLY) */
    uint64_t count;                            /* STORE_ONLY: the orders; else 0 */
    char detail[MNP_ORDER_REASON_TEXT_MAX];    /* D03 justification, report text; else "" */
} mnp_stats_flag_t;

typedef struct mnp_stats_report {
    int64_t from_ms, to_ms;
    mnp_stats_row_t *rows; /* owned; by operator code, then local network */
    size_t n_rows;
    mnp_stats_flag_t *flags; /* owned; the first flag_limit flags by time (then kind, id) */
    size_t n_flags;
    uint64_t flags_total; /* flags found, n_flags of them listed */
} mnp_stats_report_t;

/* "d03_objection", "late_agreement", "code_unused", "store_only"; "" for other values. */
const char *mnp_stats_flag_name(mnp_stats_flag_kind_t kind);

/* Computes the report for q inside txn (one consistent snapshot) into *out, which the caller
 * releases with mnp_stats_report_fini (also after a failure). MNP_EINVAL for from_ms > to_ms or
 * a flag limit above MNP_STATS_FLAGS_MAX; store errors otherwise. */
int mnp_txn_stats_report(mnp_txn_t *txn, const mnp_stats_query_t *q, mnp_stats_report_t *out,
                         mnp_error_t *err) MNP_WUR;

/* mnp_txn_stats_report in a read snapshot of store. */
int mnp_store_stats_report(mnp_store_t *store, const mnp_stats_query_t *q, mnp_stats_report_t *out,
                           mnp_error_t *err) MNP_WUR;

/* Frees what a report owns and empties it. NULL is a no-op. */
void mnp_stats_report_fini(mnp_stats_report_t *r);

#endif
