/*
 * What the gateway reports to the clearinghouse (store_gateway.h): the outbox its courier drains
 * (a subscriber's CXXZ, a late agreement), and the record of the late agreements already
 * reported, so that a subscriber querying again does not count an agreement twice in the
 * regulator's statistics.
 */
#include <stdio.h>
#include <stdlib.h>

#include "gatewayInt.h"
#include "mnp/alloc.h"
#include "mnp/store_gateway.h"

enum {
    LATE_GET = STMT_GW_REPORTS_BASE,
    LATE_PUT,
    REPORT_ADD,
    REPORT_PENDING,
    REPORT_DONE,
    REPORT_COUNT
};

#define SQL_LATE_GET "SELECT 1 FROM gw_late_reports WHERE op = ?1 AND agreement_id = ?2"
#define SQL_LATE_PUT                                                                               \
    "INSERT OR IGNORE INTO gw_late_reports(op, agreement_id, reported_ms) VALUES (?1, ?2, ?3)"

int mnp_txn_gw_late_reported(mnp_txn_t *txn, const char *op, int64_t agreement_id, bool *reported,
                             mnp_error_t *err)
{
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_row(sqlite_conn(txn), LATE_GET, SQL_LATE_GET,
                    GW_VALS(GW_TEXT(op), GW_INT(agreement_id)), NULL, NULL,
                    "reading a late agreement's report", err);
    *reported = rc == 0;
    return rc == MNP_ENOENT ? 0 : rc;
}

int mnp_txn_gw_late_report_done(mnp_txn_t *txn, const char *op, int64_t agreement_id,
                                int64_t now_ms, mnp_error_t *err)
{
    int rc = gw_write_start(txn, op, err);
    if (rc == 0)
        rc = gw_run(sqlite_conn(txn), LATE_PUT, SQL_LATE_PUT,
                    GW_VALS(GW_TEXT(op), GW_INT(agreement_id), GW_INT(now_ms)),
                    "recording a late agreement's report", err);
    return rc;
}

/* ---- the outbox --------------------------------------------------------------------------- */

#define SQL_REPORT_ADD                                                                             \
    "INSERT INTO gw_reports(op, kind, number, detail, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)"
#define SQL_REPORT_PENDING                                                                         \
    "SELECT id, kind, number, detail, created_ms FROM gw_reports WHERE op = ?1 ORDER BY id "       \
    "LIMIT ?2"
#define SQL_REPORT_DONE  "DELETE FROM gw_reports WHERE op = ?1 AND id = ?2"
#define SQL_REPORT_COUNT "SELECT count(*) FROM gw_reports WHERE op = ?1"

int mnp_txn_gw_report_add(mnp_txn_t *txn, mnp_gw_report_t *r, mnp_error_t *err)
{
    int rc = gw_write_start(txn, r->op, err);
    if (rc != 0)
        return rc;
    if (strcmp(r->kind, "query") != 0 && strcmp(r->kind, "late_agreement") != 0)
        return mnp_error_set(err, MNP_EINVAL, "report kind must be query or late_agreement");
    if (!gw_number_ok(r->number))
        return mnp_error_set(err, MNP_EINVAL, "report about %llu: not an E.164 number",
                             (unsigned long long)r->number);
    if (!gw_fits(r->detail, sizeof(r->detail), 0))
        return mnp_error_set(err, MNP_EINVAL, "report detail: at most %zu bytes",
                             sizeof(r->detail) - 1);
    store_conn_t *c = sqlite_conn(txn);
    rc = gw_run(c, REPORT_ADD, SQL_REPORT_ADD,
                GW_VALS(GW_TEXT(r->op), GW_TEXT(r->kind), GW_INT(r->number), GW_TEXT(r->detail),
                        GW_INT(r->created_ms)),
                "queueing a report for the clearinghouse", err);
    if (rc == 0)
        r->id = sqlite3_last_insert_rowid(c->db);
    return rc;
}

static void text_col(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    snprintf(dst, size, "%s", t ? (const char *)t : "");
}

int mnp_txn_gw_reports_pending(mnp_txn_t *txn, const char *op, unsigned limit,
                               int (*fn)(const mnp_gw_report_t *r, void *arg), void *arg,
                               mnp_error_t *err)
{
    int rc = gw_check_op(op, err);
    if (rc != 0)
        return rc;
    if (limit < 1 || limit > 1000)
        return mnp_error_set(err, MNP_EINVAL, "report read limit must be 1 to 1000");
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = gw_stmt(c, REPORT_PENDING, SQL_REPORT_PENDING,
                               GW_VALS(GW_TEXT(op), GW_INT(limit)), err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    /* Read to the end before calling fn, so that fn may use the transaction itself. */
    mnp_gw_report_t *rows = mnp_xcalloc(limit, sizeof(*rows));
    size_t n = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW && n < limit) {
        mnp_gw_report_t *r = &rows[n++];
        r->id = sqlite3_column_int64(st, 0);
        snprintf(r->op, sizeof(r->op), "%s", op);
        text_col(st, 1, r->kind, sizeof(r->kind));
        r->number = (uint64_t)sqlite3_column_int64(st, 2);
        text_col(st, 3, r->detail, sizeof(r->detail));
        r->created_ms = sqlite3_column_int64(st, 4);
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        rc = sqlite_fail(c, "reading queued reports", err);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = fn(&rows[i], arg);
    free(rows);
    return rc;
}

int mnp_txn_gw_reports_done(mnp_txn_t *txn, const char *op, const int64_t *ids, size_t n,
                            mnp_error_t *err)
{
    int rc = gw_write_start(txn, op, err);
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = gw_run(sqlite_conn(txn), REPORT_DONE, SQL_REPORT_DONE,
                    GW_VALS(GW_TEXT(op), GW_INT(ids[i])), "removing a sent report", err);
    return rc;
}

int mnp_txn_gw_reports_count(mnp_txn_t *txn, const char *op, uint64_t *n, mnp_error_t *err)
{
    int64_t v[GW_INTS_MAX] = {0};
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_row(sqlite_conn(txn), REPORT_COUNT, SQL_REPORT_COUNT, GW_VALS(GW_TEXT(op)),
                    gw_ints_row, v, "counting queued reports", err);
    *n = rc == 0 ? (uint64_t)v[0] : 0;
    return rc;
}
