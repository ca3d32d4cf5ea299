/*
 * Authorization codes and failed code attempts in the SQLite backend (SPEC.md §7). A number has
 * at most one code (the table's key), so storing a new one replaces the old whatever its state.
 * Marking a code used is one conditional UPDATE, so two orders racing for one code cannot both
 * win. Failed attempts are single rows counted over a window by the (number, at_ms) index; the
 * workflow decides what the count means.
 */
#include <string.h>

#include "mnp/store_orders.h"
#include "sqliteInt.h"

/* Slots STMT_ORDERS_BASE + 16 .. + 31 (sqlite_orders.c has the first 16). */
enum {
    AUTHCODE_PUT = STMT_ORDERS_BASE + 16,
    AUTHCODE_GET,
    AUTHCODE_MARK_USED,
    FAILURE_ADD,
    FAILURE_COUNT,
    FAILURE_PRUNE,
};

#define SQL_AUTHCODE_PUT                                                                           \
    "INSERT OR REPLACE INTO authcodes(number, donor, id_hash, code_hash, issued_ms, expires_ms, "  \
    "used_ms, used_by_order) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
#define SQL_AUTHCODE_GET                                                                           \
    "SELECT number, donor, id_hash, code_hash, issued_ms, expires_ms, used_ms, used_by_order "     \
    "FROM authcodes WHERE number = ?1"
#define SQL_AUTHCODE_MARK_USED                                                                     \
    "UPDATE authcodes SET used_ms = ?2, used_by_order = ?3 WHERE number = ?1 AND used_ms IS NULL"
#define SQL_FAILURE_ADD   "INSERT INTO code_failures(number, at_ms) VALUES (?1, ?2)"
#define SQL_FAILURE_COUNT "SELECT count(*) FROM code_failures WHERE number = ?1 AND at_ms >= ?2"
#define SQL_FAILURE_PRUNE "DELETE FROM code_failures WHERE at_ms < ?1"

static bool number_ok(uint64_t number)
{
    return number != 0 && number <= MNP_STORE_NUMBER_MAX;
}

static int bad_number(uint64_t number, mnp_error_t *err)
{
    return mnp_error_set(err, MNP_EINVAL, "%llu is not an E.164 number",
                         (unsigned long long)number);
}

/* Copies a 32-byte blob column; a stored value of another size (the CHECK refuses one) reads
 * as zeros, which matches no hash. */
static void column_hash(sqlite3_stmt *st, int col, uint8_t out[MNP_STORE_HASH_BYTES])
{
    const void *p = sqlite3_column_blob(st, col);
    if (p != NULL && sqlite3_column_bytes(st, col) == MNP_STORE_HASH_BYTES)
        memcpy(out, p, MNP_STORE_HASH_BYTES);
    else
        memset(out, 0, MNP_STORE_HASH_BYTES);
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
    if (v == 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

int mnp_txn_authcode_put(mnp_txn_t *txn, const mnp_authcode_rec_t *rec, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    if (!number_ok(rec->number))
        return bad_number(rec->number, err);
    size_t n = strnlen(rec->donor, sizeof(rec->donor));
    if (n == 0 || n >= sizeof(rec->donor))
        return mnp_error_set(err, MNP_EINVAL, "code donor must be 1 to %d characters",
                             MNP_STORE_CODE_MAX - 1);
    sqlite3_stmt *st = sqlite_stmt(c, AUTHCODE_PUT, SQL_AUTHCODE_PUT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->number);
    sqlite3_bind_text(st, 2, rec->donor, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, rec->id_hash, MNP_STORE_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 4, rec->code_hash, MNP_STORE_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, rec->issued_ms);
    sqlite3_bind_int64(st, 6, rec->expires_ms);
    bind_opt_int(st, 7, rec->used_ms);
    bind_opt_int(st, 8, rec->used_by_order);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "storing an authorization code", err);
    return 0;
}

int mnp_txn_authcode_get(mnp_txn_t *txn, uint64_t number, mnp_authcode_rec_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (!number_ok(number))
        return mnp_error_set(err, MNP_ENOENT, "no authorization code for number %llu",
                             (unsigned long long)number);
    sqlite3_stmt *st = sqlite_stmt(c, AUTHCODE_GET, SQL_AUTHCODE_GET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->number = (uint64_t)sqlite3_column_int64(st, 0);
        sqlite_column_text(st, 1, out->donor, sizeof(out->donor));
        column_hash(st, 2, out->id_hash);
        column_hash(st, 3, out->code_hash);
        out->issued_ms = sqlite3_column_int64(st, 4);
        out->expires_ms = sqlite3_column_int64(st, 5);
        out->used_ms = sqlite3_column_int64(st, 6);
        out->used_by_order = sqlite3_column_int64(st, 7);
    }
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT, "no authorization code for number %llu",
                             (unsigned long long)number);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading an authorization code", err);
    return 0;
}

int mnp_txn_authcode_mark_used(mnp_txn_t *txn, uint64_t number, int64_t order_id, int64_t at_ms,
                               mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    if (!number_ok(number))
        return bad_number(number, err);
    if (order_id <= 0 || at_ms == 0)
        return mnp_error_set(err, MNP_EINVAL, "a code is used by an order (id > 0) at an instant");
    sqlite3_stmt *st = sqlite_stmt(c, AUTHCODE_MARK_USED, SQL_AUTHCODE_MARK_USED, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    sqlite3_bind_int64(st, 2, at_ms);
    sqlite3_bind_int64(st, 3, order_id);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "marking an authorization code used", err);
    if (sqlite3_changes(c->db) == 1)
        return 0;
    /* Nothing changed: either there is no code or it was used first. */
    mnp_authcode_rec_t cur;
    rc = mnp_txn_authcode_get(txn, number, &cur, err);
    if (rc != 0)
        return rc;
    return mnp_error_set(err, MNP_EBUSY,
                         "the authorization code of number %llu was already used by order %lld",
                         (unsigned long long)number, (long long)cur.used_by_order);
}

int mnp_txn_code_failure_add(mnp_txn_t *txn, uint64_t number, int64_t at_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    if (!number_ok(number))
        return bad_number(number, err);
    sqlite3_stmt *st = sqlite_stmt(c, FAILURE_ADD, SQL_FAILURE_ADD, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    sqlite3_bind_int64(st, 2, at_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "recording a failed code attempt", err);
    return 0;
}

int mnp_txn_code_failures_since(mnp_txn_t *txn, uint64_t number, int64_t since_ms, uint64_t *count,
                                mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    *count = 0;
    if (!number_ok(number))
        return 0; /* no attempt can be stored for it */
    sqlite3_stmt *st = sqlite_stmt(c, FAILURE_COUNT, SQL_FAILURE_COUNT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    sqlite3_bind_int64(st, 2, since_ms);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *count = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "counting failed code attempts", err);
    return 0;
}

int mnp_txn_code_failures_prune(mnp_txn_t *txn, int64_t before_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = sqlite_stmt(c, FAILURE_PRUNE, SQL_FAILURE_PRUNE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, before_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "pruning failed code attempts", err);
    return 0;
}
