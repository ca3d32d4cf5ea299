/*
 * The regulator's statistics in the SQLite backend (SPEC.md §8). The audit log says what
 * happened in the period and when: one range of the audit_action index per kind of record, so a
 * report costs what happened in its period, not what the store holds. Order records name their
 * order, whose row (by its key) says who, where and how long; records about a number alone find
 * its local network through the number plan's block. Three statements stream their rows in time
 * order into the tally of store_stats.c, which does the counting.
 */
#include <string.h>

#include "mnp/authcode.h"
#include "sqliteInt.h"
#include "statsInt.h"

/* Slots STMT_STATS_BASE .. +7. */
enum {
    STATS_ORDER_EVENTS = STMT_STATS_BASE,
    STATS_NUMBER_EVENTS,
    STATS_CODES_UNUSED,
};

/* The reasons are counted by their enum value, C01 .. C08 then D01 .. D03. */
_Static_assert(MNP_C01_CODE_INVALID == 1 && MNP_C08_MALFORMED == 8 && MNP_D01_STATUS_CHANGED == 9 &&
                   MNP_D03_FRAUD_SUSPECTED == 11,
               "reason numbering");

/* A detail that is not JSON (only a tampered row holds one) reads as {} rather than failing the
 * whole report: json_extract raises an error on malformed text. */
#define DETAIL_JSON "CASE WHEN json_valid(detail) THEN detail ELSE '{}' END"

/* The order records of the period with their orders. ?1 from, ?2 to. */
#define SQL_ORDER_EVENTS                                                                           \
    "SELECT a.at_ms, a.action, json_extract(a.d, '$.state'), json_extract(a.d, '$.silent'), "      \
    "o.id, o.number, o.recipient, o.donor, o.local_network, o.channel, o.created_ms, "             \
    "o.donor_answer_ms, o.active_ms, o.reason, o.reason_text "                                     \
    "FROM (SELECT seq, at_ms, action, " DETAIL_JSON " AS d FROM audit "                            \
    "WHERE action IN ('order.created', 'order.state') AND at_ms >= ?1 AND at_ms < ?2) a "          \
    "JOIN orders o ON o.id = json_extract(a.d, '$.order') "                                        \
    "ORDER BY a.at_ms, a.seq"

/* The block of a number, as the plan keys it: the first 7 of its 11 national digits. */
#define SUBJECT_BLOCK "CAST(a.subject AS INTEGER) % 100000000000 / 10000"

/* Records about a number (codes, refusals, operators' reports), with its local network. */
#define SQL_NUMBER_EVENTS                                                                          \
    "SELECT a.at_ms, a.action, a.actor, CAST(a.subject AS INTEGER), "                              \
    "coalesce(b.local_network, ''), json_extract(a.d, '$.code'), json_extract(a.d, '$.detail') "   \
    "FROM (SELECT seq, at_ms, action, actor, subject, " DETAIL_JSON " AS d FROM audit "            \
    "WHERE action IN ('authcode.registered', 'order.refused', '" MNP_STATS_ACTION_QUERY "', "      \
    "'" MNP_STATS_ACTION_LATE_AGREEMENT "') AND at_ms >= ?1 AND at_ms < ?2) a "                    \
    "LEFT JOIN blocks b ON b.block = " SUBJECT_BLOCK " ORDER BY a.at_ms, a.seq"

/* Codes registered in the period (?1, ?2) whose validity (?3 ms) ended by ?4, not replaced by a
 * newer code before that, and used by no order: an order uses the code its number has when it
 * is created, so "used" is an order for the number created while the code was valid. */
#define SQL_CODES_UNUSED                                                                           \
    "SELECT a.at_ms, a.actor, CAST(a.subject AS INTEGER), coalesce(b.local_network, '') "          \
    "FROM audit a LEFT JOIN blocks b ON b.block = " SUBJECT_BLOCK " "                              \
    "WHERE a.action = 'authcode.registered' AND a.at_ms >= ?1 AND a.at_ms < ?2 "                   \
    "AND a.at_ms + ?3 <= ?4 "                                                                      \
    "AND NOT EXISTS (SELECT 1 FROM audit r WHERE r.action = 'authcode.registered' "                \
    "  AND r.at_ms >= a.at_ms AND r.at_ms < a.at_ms + ?3 AND r.seq > a.seq "                       \
    "  AND r.subject = a.subject) "                                                                \
    "AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.number = CAST(a.subject AS INTEGER) "          \
    "  AND o.created_ms >= a.at_ms AND o.created_ms < a.at_ms + ?3) "                              \
    "ORDER BY a.at_ms, a.seq"

static const char *col_str(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

/* The reason for "C01" .. "C08", "D01" .. "D03"; MNP_REASON_NONE for anything else. */
static mnp_reason_t reason_of(const char *code)
{
    if (strlen(code) != 3 || code[1] != '0' || code[2] < '1' || code[2] > '8')
        return MNP_REASON_NONE;
    int d = code[2] - '0';
    if (code[0] == 'C')
        return (mnp_reason_t)d;
    if (code[0] == 'D' && d <= 3)
        return (mnp_reason_t)(MNP_D01_STATUS_CHANGED + d - 1);
    return MNP_REASON_NONE;
}

/* One order record: the state it reached decides the counter. */
static void order_event(stats_tally_t *t, sqlite3_stmt *st)
{
    int64_t at_ms = sqlite3_column_int64(st, 0);
    const char *action = col_str(st, 1), *state = col_str(st, 2);
    bool silent = sqlite3_column_int(st, 3) != 0;
    const char *recipient = col_str(st, 6), *ln = col_str(st, 8);
    char donor[MNP_STORE_CODE_MAX];
    sqlite_column_text(st, 7, donor, sizeof(donor));
    int64_t created_ms = sqlite3_column_int64(st, 10);
    int64_t answer_ms = sqlite3_column_int64(st, 11);
    int64_t active_ms = sqlite3_column_int64(st, 12);

    if (strcmp(action, "order.created") == 0) {
        stats_tally_row(t, recipient, ln)->row.requests++;
        stats_tally_row(t, donor, ln)->row.requests_received++;
        stats_tally_channel(t, recipient, col_str(st, 9), at_ms);
        return;
    }
    if (strcmp(state, "ACCEPTED") == 0) {
        stats_row_t *r = stats_tally_row(t, donor, ln);
        if (silent) {
            r->row.silences++;
            return;
        }
        r->row.acceptances++;
        stats_times_add(&r->answer, (answer_ms ? answer_ms : at_ms) - created_ms);
    } else if (strcmp(state, "REJECTED") == 0) {
        mnp_reason_t why = reason_of(col_str(st, 13));
        if (why < MNP_D01_STATUS_CHANGED) /* only an objection rejects; any other is damage */
            return;
        stats_row_t *r = stats_tally_row(t, donor, ln);
        r->row.rejections[why]++;
        stats_times_add(&r->answer, (answer_ms ? answer_ms : at_ms) - created_ms);
        if (why == MNP_D03_FRAUD_SUSPECTED) { /* SPEC §8: every D03 objection */
            mnp_stats_flag_t f = {.kind = MNP_STATS_FLAG_D03,
                                  .at_ms = at_ms,
                                  .order_id = sqlite3_column_int64(st, 4),
                                  .number = (uint64_t)sqlite3_column_int64(st, 5)};
            memcpy(f.op, donor, sizeof(f.op));
            sqlite_column_text(st, 8, f.local_network, sizeof(f.local_network));
            sqlite_column_text(st, 14, f.detail, sizeof(f.detail));
            stats_tally_flag(t, &f);
        }
    } else if (strcmp(state, "CANCELLED") == 0) {
        stats_tally_row(t, recipient, ln)->row.cancellations++;
    } else if (strcmp(state, "ACTIVE") == 0) {
        stats_row_t *r = stats_tally_row(t, recipient, ln);
        stats_times_add(&r->to_active, (active_ms ? active_ms : at_ms) - created_ms);
    } else if (strcmp(state, "REVERSED") == 0) {
        stats_tally_row(t, recipient, ln)->row.reversals++;
    } else if (strcmp(state, "RETURNED") == 0) {
        stats_tally_row(t, recipient, ln)->row.returns++;
    }
}

/* One record about a number: a code registered, a submission refused, an operator's report.
 * A record that counts nowhere (a refusal without a C code) makes no row. */
static void number_event(stats_tally_t *t, sqlite3_stmt *st)
{
    const char *action = col_str(st, 1), *actor = col_str(st, 2), *ln = col_str(st, 4);
    if (strcmp(action, "authcode.registered") == 0) {
        stats_tally_row(t, actor, ln)->row.codes_issued++;
    } else if (strcmp(action, "order.refused") == 0) {
        mnp_reason_t why = reason_of(col_str(st, 5));
        if (why != MNP_REASON_NONE && why <= MNP_C08_MALFORMED)
            stats_tally_row(t, actor, ln)->row.rejections[why]++;
    } else if (strcmp(action, MNP_STATS_ACTION_QUERY) == 0) {
        stats_tally_row(t, actor, ln)->row.queries++;
    } else if (strcmp(action, MNP_STATS_ACTION_LATE_AGREEMENT) == 0) {
        stats_row_t *r = stats_tally_row(t, actor, ln);
        r->row.late_agreements++;
        mnp_stats_flag_t f = {.kind = MNP_STATS_FLAG_LATE_AGREEMENT,
                              .at_ms = sqlite3_column_int64(st, 0),
                              .number = (uint64_t)sqlite3_column_int64(st, 3)};
        memcpy(f.op, r->row.op, sizeof(f.op));
        memcpy(f.local_network, r->row.local_network, sizeof(f.local_network));
        sqlite_column_text(st, 6, f.detail, sizeof(f.detail));
        stats_tally_flag(t, &f);
    }
}

static void code_unused(stats_tally_t *t, sqlite3_stmt *st)
{
    mnp_stats_flag_t f = {.kind = MNP_STATS_FLAG_CODE_UNUSED,
                          .at_ms = sqlite3_column_int64(st, 0),
                          .number = (uint64_t)sqlite3_column_int64(st, 2)};
    sqlite_column_text(st, 1, f.op, sizeof(f.op));
    sqlite_column_text(st, 3, f.local_network, sizeof(f.local_network));
    stats_tally_flag(t, &f);
}

/* Steps through the statement in slot (bound to the period and, with code_valid_ms, to the code
 * rule), handing each row to fn. */
static int stream(store_conn_t *c, int slot, const char *sql, const mnp_stats_query_t *q,
                  stats_tally_t *t, void (*fn)(stats_tally_t *t, sqlite3_stmt *st),
                  const char *what, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, slot, sql, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, q->from_ms);
    sqlite3_bind_int64(st, 2, q->to_ms);
    if (slot == STATS_CODES_UNUSED) {
        sqlite3_bind_int64(st, 3, MNP_AUTHCODE_VALID_MS);
        sqlite3_bind_int64(st, 4, q->now_ms);
    }
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW)
        fn(t, st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : sqlite_fail(c, what, err);
}

int mnp_txn_stats_report(mnp_txn_t *txn, const mnp_stats_query_t *q, mnp_stats_report_t *out,
                         mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (q->from_ms > q->to_ms)
        return mnp_error_set(err, MNP_EINVAL, "the period starts after it ends");
    if (q->flag_limit > MNP_STATS_FLAGS_MAX)
        return mnp_error_set(err, MNP_EINVAL, "at most %d flags per report", MNP_STATS_FLAGS_MAX);
    store_conn_t *c = sqlite_conn(txn);
    stats_tally_t t;
    stats_tally_init(&t, q->flag_limit ? q->flag_limit : MNP_STATS_FLAGS_DEFAULT);
    int rc = stream(c, STATS_ORDER_EVENTS, SQL_ORDER_EVENTS, q, &t, order_event,
                    "reading the period's orders", err);
    if (rc == 0)
        rc = stream(c, STATS_NUMBER_EVENTS, SQL_NUMBER_EVENTS, q, &t, number_event,
                    "reading the period's codes, refusals and reports", err);
    if (rc == 0)
        rc = stream(c, STATS_CODES_UNUSED, SQL_CODES_UNUSED, q, &t, code_unused,
                    "reading the period's unused codes", err);
    if (rc != 0)
        goto fail;
    stats_tally_finish(&t, out);
    out->from_ms = q->from_ms;
    out->to_ms = q->to_ms;
    return 0;
fail:
    stats_tally_fini(&t);
    return rc;
}
