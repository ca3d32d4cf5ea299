/*
 * The NPDB master and its history in the SQLite backend. A change writes the current row and a
 * history row with the same statement pair in the caller's transaction, so the two never
 * disagree; the snapshot streams the current rows into the index builder of npdb.h in number
 * order, stamped with the feed head read in the same transaction.
 */
#include <string.h>

#include "mnp/store_feed.h"
#include "mnp/store_npdb.h"
#include "sqliteInt.h"

enum {
    NPDB_GET = STMT_NPDB_BASE,
    NPDB_SET,
    NPDB_DELETE,
    NPDB_HISTORY_ADD,
    NPDB_HISTORY,
    NPDB_LAST_CHANGE,
    NPDB_COUNT,
    NPDB_ALL,
};

#define SQL_NPDB_GET "SELECT operator, since_ms, seq FROM npdb WHERE number = ?1"
#define SQL_NPDB_SET                                                                               \
    "INSERT OR REPLACE INTO npdb(number, operator, since_ms, seq) VALUES (?1, ?2, ?3, ?4)"
#define SQL_NPDB_DELETE "DELETE FROM npdb WHERE number = ?1"
#define SQL_NPDB_HISTORY_ADD                                                                       \
    "INSERT INTO npdb_history(number, operator, at_ms, order_id, seq) VALUES (?1, ?2, ?3, ?4, ?5)"
#define SQL_NPDB_HISTORY                                                                           \
    "SELECT operator, at_ms, order_id, seq FROM npdb_history WHERE number = ?1 "                   \
    "ORDER BY at_ms, id"
#define SQL_NPDB_LAST_CHANGE "SELECT max(at_ms) FROM npdb_history WHERE number = ?1"
#define SQL_NPDB_COUNT       "SELECT count(*) FROM npdb"
#define SQL_NPDB_ALL         "SELECT number, operator FROM npdb ORDER BY number"

/* E.164 allows at most 15 digits. */
#define NUMBER_MAX 999999999999999ULL

static int check_change(uint64_t number, const char *op, uint64_t seq, mnp_error_t *err)
{
    if (number == 0 || number > NUMBER_MAX)
        return mnp_error_set(err, MNP_ERANGE, "number %llu is not an E.164 number",
                             (unsigned long long)number);
    size_t n = strlen(op);
    if (n == 0 || n >= MNP_STORE_CODE_MAX)
        return mnp_error_set(err, MNP_EINVAL, "operator code must be 1 to %d characters",
                             MNP_STORE_CODE_MAX - 1);
    if (seq > (uint64_t)INT64_MAX)
        return mnp_error_set(err, MNP_ERANGE, "feed seq out of range");
    return 0;
}

static int history_add(store_conn_t *c, uint64_t number, const char *op, int64_t at_ms,
                       int64_t order_id, uint64_t seq, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_HISTORY_ADD, SQL_NPDB_HISTORY_ADD, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at_ms);
    if (order_id == 0)
        sqlite3_bind_null(st, 4);
    else
        sqlite3_bind_int64(st, 4, order_id);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)seq);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "recording an NPDB change", err);
    return 0;
}

int mnp_txn_npdb_get(mnp_txn_t *txn, uint64_t number, mnp_npdb_rec_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (number > (uint64_t)INT64_MAX)
        return mnp_error_set(err, MNP_ENOENT, "number %llu is not ported",
                             (unsigned long long)number);
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_GET, SQL_NPDB_GET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->number = number;
        sqlite_column_text(st, 0, out->op, sizeof(out->op));
        out->since_ms = sqlite3_column_int64(st, 1);
        out->seq = (uint64_t)sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT, "number %llu is not ported",
                             (unsigned long long)number);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading the NPDB", err);
    return 0;
}

int mnp_txn_npdb_set(mnp_txn_t *txn, uint64_t number, const char *op, int64_t at_ms,
                     int64_t order_id, uint64_t seq, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_change(number, op, seq, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_SET, SQL_NPDB_SET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    sqlite3_bind_text(st, 2, op, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, at_ms);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)seq);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "changing the NPDB", err);
    return history_add(c, number, op, at_ms, order_id, seq, err);
}

int mnp_txn_npdb_clear(mnp_txn_t *txn, uint64_t number, const char *holder, int64_t at_ms,
                       int64_t order_id, uint64_t seq, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_change(number, holder, seq, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_DELETE, SQL_NPDB_DELETE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "changing the NPDB", err);
    if (sqlite3_changes(c->db) == 0)
        return mnp_error_set(err, MNP_ENOENT, "number %llu is not ported",
                             (unsigned long long)number);
    return history_add(c, number, holder, at_ms, order_id, seq, err);
}

int mnp_txn_npdb_history(mnp_txn_t *txn, uint64_t number, mnp_npdb_change_fn fn, void *arg,
                         mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (number > (uint64_t)INT64_MAX)
        return 0; /* never stored */
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_HISTORY, SQL_NPDB_HISTORY, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    int s = SQLITE_DONE, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        mnp_npdb_change_t ch = {.number = number};
        sqlite_column_text(st, 0, ch.op, sizeof(ch.op));
        ch.at_ms = sqlite3_column_int64(st, 1);
        ch.order_id = sqlite3_column_int64(st, 2); /* NULL reads as 0 */
        ch.seq = (uint64_t)sqlite3_column_int64(st, 3);
        rc = fn(&ch, arg);
    }
    sqlite3_reset(st);
    if (rc == 0 && s != SQLITE_DONE)
        return sqlite_fail(c, "reading the NPDB history", err);
    return rc;
}

int mnp_txn_npdb_last_change(mnp_txn_t *txn, uint64_t number, int64_t *at_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_LAST_CHANGE, SQL_NPDB_LAST_CHANGE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, number > (uint64_t)INT64_MAX ? -1 : (sqlite3_int64)number);
    int s = sqlite3_step(st);
    /* max() of no rows is one row holding NULL. */
    bool found = s == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL;
    int64_t v = found ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading the NPDB history", err);
    if (!found)
        return mnp_error_set(err, MNP_ENOENT, "number %llu never changed operator",
                             (unsigned long long)number);
    *at_ms = v;
    return 0;
}

int mnp_txn_npdb_count(mnp_txn_t *txn, uint64_t *n, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_COUNT, SQL_NPDB_COUNT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = sqlite3_step(st);
    uint64_t v = s == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "counting the NPDB", err);
    *n = v;
    return 0;
}

/* Adds every current row to b. */
static int load_rows(store_conn_t *c, mnp_npdb_builder_t *b, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, NPDB_ALL, SQL_NPDB_ALL, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = SQLITE_DONE, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        uint64_t number = (uint64_t)sqlite3_column_int64(st, 0);
        char op[MNP_STORE_CODE_MAX];
        sqlite_column_text(st, 1, op, sizeof(op));
        rc = mnp_npdb_builder_add(b, number, op);
        if (rc != 0)
            mnp_error_set(err, rc, "NPDB snapshot: number %llu, operator %s: %s",
                          (unsigned long long)number, op,
                          rc == MNP_ELIMIT ? "more operators than the snapshot format can name"
                                           : "cannot be written to a snapshot");
    }
    sqlite3_reset(st);
    if (rc == 0 && s != SQLITE_DONE)
        return sqlite_fail(c, "reading the NPDB", err);
    return rc;
}

int mnp_txn_npdb_snapshot(mnp_txn_t *txn, const char *path, int64_t created_ms, uint64_t *seq_out,
                          mnp_npdb_build_stats_t *stats, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    mnp_npdb_builder_t *b = NULL;
    uint64_t seq;
    int rc = mnp_txn_feed_head(txn, &seq, err);
    if (rc != 0)
        return rc;
    rc = mnp_npdb_builder_new(&b);
    if (rc != 0) {
        mnp_error_set(err, rc, "NPDB snapshot: cannot create the builder");
        goto fail;
    }
    rc = load_rows(c, b, err);
    if (rc != 0)
        goto fail;
    rc = mnp_npdb_builder_write(b, path, seq, created_ms, stats, err);
    if (rc != 0)
        goto fail;
    if (seq_out != NULL)
        *seq_out = seq;
fail:
    mnp_npdb_builder_free(b);
    return rc;
}
