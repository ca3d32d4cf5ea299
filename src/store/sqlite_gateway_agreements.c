/*
 * An operator gateway's term agreements in the SQLite backend (store_gateway.h). Agreements are
 * insert-only (apart from being ended, once) and keyed by their terms (gw_agreements_terms): an
 * agreement handed over again keeps the created_ms it had, so re-sending a billing export can
 * never make an old agreement look new, nor a new one look old (RULE §3.1).
 */
#include <string.h>

#include "gatewayInt.h"

/* Slots STMT_GATEWAY_BASE + 16 .. + 23 (sqlite_gateway.c has + 0 .. + 15). */
enum {
    AGR_INSERT = STMT_GATEWAY_BASE + 16,
    AGR_OF,
    AGR_END,
    AGR_GET,
};

/* DO NOTHING only for the terms index: unlike INSERT OR IGNORE, a CHECK still fails. */
#define SQL_AGR_INSERT                                                                             \
    "INSERT INTO gw_agreements(op, number, name, start_ms, end_ms, fee_fen, has_term, "            \
    "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "                                         \
    "ON CONFLICT(op, number, name, start_ms, end_ms, fee_fen, has_term) DO NOTHING"
/* The columns agreement_row reads; ended_ms is NULL while the agreement has not been ended. */
#define AGR_COLS "id, name, start_ms, end_ms, fee_fen, has_term, created_ms, ended_ms"
#define SQL_AGR_OF                                                                                 \
    "SELECT " AGR_COLS " FROM gw_agreements WHERE op = ?1 AND number = ?2 "                        \
    "ORDER BY created_ms, id"
/* Only an agreement not yet ended: the first end is the one that counts. */
#define SQL_AGR_END                                                                                \
    "UPDATE gw_agreements SET ended_ms = ?3 WHERE op = ?1 AND id = ?2 AND ended_ms IS NULL"
#define SQL_AGR_GET "SELECT " AGR_COLS ", number FROM gw_agreements WHERE op = ?1 AND id = ?2"

/* ---- agreements --------------------------------------------------------------------------- */

static int check_agreement(const mnp_agreement_row_t *row, mnp_error_t *err)
{
    const mnp_agreement_t *a = &row->agreement;
    if (!gw_number_ok(row->number))
        return gw_bad_number(row->number, err);
    unsigned long long num = (unsigned long long)row->number;
    if (!gw_fits(a->name, sizeof(a->name), 1))
        return mnp_error_set(err, MNP_EINVAL, "agreement of %llu: name must be 1 to %zu bytes", num,
                             sizeof(a->name) - 1);
    if (a->end_ms <= a->start_ms)
        return mnp_error_set(err, MNP_EINVAL, "agreement of %llu: it must end after it starts",
                             num);
    if (a->fee_fen < 0)
        return mnp_error_set(err, MNP_EINVAL, "agreement of %llu: the fee must be 0 or more", num);
    return 0;
}

/* 0 when op has a subscriber with number, MNP_ENOENT (err set) when not. */

int mnp_txn_gw_agreements_add(mnp_txn_t *txn, const char *op, const mnp_agreement_row_t *rows,
                              size_t n, int64_t now_ms, size_t *added, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_write_start(txn, op, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = check_agreement(&rows[i], err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = gw_subscriber_exists(c, op, rows[i].number, err);
    if (rc != 0)
        return rc;
    size_t nadded = 0;
    for (size_t i = 0; i < n; i++) {
        const mnp_agreement_t *a = &rows[i].agreement;
        rc = gw_run(c, AGR_INSERT, SQL_AGR_INSERT,
                    GW_VALS(GW_TEXT(op), GW_INT(rows[i].number), GW_TEXT(a->name),
                            GW_INT(a->start_ms), GW_INT(a->end_ms), GW_INT(a->fee_fen),
                            GW_INT(a->has_term ? 1 : 0), GW_INT(now_ms)),
                    "adding an agreement", err);
        if (rc != 0)
            return rc;
        nadded += (size_t)sqlite3_changes(c->db);
    }
    if (added != NULL)
        *added = nadded;
    return 0;
}

/* Reads a row of AGR_COLS into the mnp_agreement_t out (a NULL ended_ms reads as 0). */
static void agreement_row(sqlite3_stmt *st, void *out)
{
    mnp_agreement_t *a = out;
    memset(a, 0, sizeof(*a));
    a->id = sqlite3_column_int64(st, 0);
    sqlite_column_text(st, 1, a->name, sizeof(a->name));
    a->start_ms = sqlite3_column_int64(st, 2);
    a->end_ms = sqlite3_column_int64(st, 3);
    a->fee_fen = sqlite3_column_int64(st, 4);
    a->has_term = sqlite3_column_int(st, 5) != 0;
    a->created_ms = sqlite3_column_int64(st, 6);
    a->ended_ms = sqlite3_column_int64(st, 7);
}

/* An agreement with the number it belongs to (SQL_AGR_GET). */
typedef struct agreement_of {
    mnp_agreement_t a;
    uint64_t number;
} agreement_of_t;

static void agreement_of_row(sqlite3_stmt *st, void *out)
{
    agreement_of_t *r = out;
    agreement_row(st, &r->a);
    r->number = (uint64_t)sqlite3_column_int64(st, 8);
}

int mnp_txn_gw_agreements_of(mnp_txn_t *txn, const char *op, uint64_t number, mnp_agreement_t *out,
                             size_t max, size_t *n, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_check_op(op, err);
    if (rc != 0)
        return rc;
    *n = 0;
    if (!gw_number_ok(number))
        return 0;
    sqlite3_stmt *st = gw_stmt(c, AGR_OF, SQL_AGR_OF, GW_VALS(GW_TEXT(op), GW_INT(number)), err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    size_t count = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (count < max)
            agreement_row(st, &out[count]);
        count++;
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "reading agreements", err);
    *n = count;
    return 0;
}

int mnp_txn_gw_agreement_get(mnp_txn_t *txn, const char *op, int64_t id, mnp_agreement_t *out,
                             uint64_t *number, mnp_error_t *err)
{
    agreement_of_t r;
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_row(sqlite_conn(txn), AGR_GET, SQL_AGR_GET, GW_VALS(GW_TEXT(op), GW_INT(id)),
                    agreement_of_row, &r, "reading an agreement", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "%s has no agreement %lld", op, (long long)id);
    if (rc != 0)
        return rc;
    *out = r.a;
    if (number != NULL)
        *number = r.number;
    return 0;
}

int mnp_txn_gw_agreement_end(mnp_txn_t *txn, const char *op, int64_t id, int64_t ended_ms,
                             bool *already, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_write_start(txn, op, err);
    if (rc != 0)
        return rc;
    /* 0 is how a reader is told "not ended", so it cannot be an instant of ending. */
    if (ended_ms <= 0)
        return mnp_error_set(err, MNP_EINVAL, "an agreement cannot end at %lld",
                             (long long)ended_ms);
    rc = gw_run(c, AGR_END, SQL_AGR_END, GW_VALS(GW_TEXT(op), GW_INT(id), GW_INT(ended_ms)),
                "ending an agreement", err);
    if (rc != 0)
        return rc;
    if (sqlite3_changes(c->db) > 0) {
        *already = false;
        return 0;
    }
    /* Nothing changed: either it was ended before (RULE E04: the first end stands, so a
     * repeated request from the billing system cannot move it), or op has no such agreement. */
    mnp_agreement_t a;
    rc = mnp_txn_gw_agreement_get(txn, op, id, &a, NULL, err);
    if (rc == 0)
        *already = true;
    return rc;
}
