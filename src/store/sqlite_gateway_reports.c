/*
 * The gateway's record of the late agreements it reported to the clearinghouse
 * (store_gateway.h), so that a subscriber querying again does not count an agreement twice in
 * the regulator's statistics.
 */
#include "gatewayInt.h"
#include "mnp/store_gateway.h"

enum { LATE_GET = STMT_GW_REPORTS_BASE, LATE_PUT };

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
