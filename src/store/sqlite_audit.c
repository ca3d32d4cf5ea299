/*
 * The audit log in the SQLite backend: appending a sealed record after the last one, reading the
 * head, and reading records back in seq order (all of them, or one subject's through the
 * audit_subject index). The last record is read through the writer's own connection inside the
 * open group transaction, so it sees the appends that earlier writes of the same group made (and
 * no longer sees one whose write was rolled back to its savepoint): consecutive appends chain no
 * matter how the writes were grouped.
 */
#include <string.h>

#include "mnp/store_audit.h"
#include "sqliteInt.h"

enum {
    AUDIT_LAST = STMT_AUDIT_BASE,
    AUDIT_INSERT,
    AUDIT_EACH,
    AUDIT_SUBJECT_EACH,
};

#define SQL_AUDIT_LAST "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
#define SQL_AUDIT_INSERT                                                                           \
    "INSERT INTO audit(seq, at_ms, actor, action, subject, detail, prev_hash, hash) "              \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
/* LIMIT -1 is SQLite's "no limit". */
#define SQL_AUDIT_EACH                                                                             \
    "SELECT seq, at_ms, actor, action, subject, detail, prev_hash, hash FROM audit "               \
    "WHERE seq > ?1 ORDER BY seq LIMIT ?2"
/* One range of audit_subject, already in seq order. json_valid first: json_extract raises an
 * error on text that is not JSON, and a record's detail need not be JSON. ?3 is never 0 when an
 * order is asked for, so "?3 = 0" means "any record". */
#define SQL_AUDIT_SUBJECT_EACH                                                                     \
    "SELECT seq, at_ms, actor, action, subject, detail, prev_hash, hash FROM audit "               \
    "WHERE subject = ?1 AND seq > ?2 AND (?3 = 0 OR (CASE WHEN json_valid(detail) "                \
    "THEN json_extract(detail, '$.order') END) = ?3) ORDER BY seq LIMIT ?4"

/* Copies a hash column into out. A value of the wrong size (only a tampered row can hold one:
 * the table's CHECK refuses it) is copied as far as it goes and zero-filled, so that it fails
 * verification rather than the read. Returns whether it had the right size. */
static bool column_hash(sqlite3_stmt *st, int col, uint8_t out[MNP_AUDIT_HASH_BYTES])
{
    const void *p = sqlite3_column_blob(st, col);
    size_t n = p ? (size_t)sqlite3_column_bytes(st, col) : 0;
    memset(out, 0, MNP_AUDIT_HASH_BYTES);
    if (n > 0)
        memcpy(out, p, n < MNP_AUDIT_HASH_BYTES ? n : MNP_AUDIT_HASH_BYTES);
    return n == MNP_AUDIT_HASH_BYTES;
}

static const char *column_str(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? (const char *)t : "";
}

int mnp_txn_audit_head(mnp_txn_t *txn, uint64_t *last_seq, uint8_t last_hash[MNP_AUDIT_HASH_BYTES],
                       mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, AUDIT_LAST, SQL_AUDIT_LAST, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    uint64_t seq = 0;
    uint8_t hash[MNP_AUDIT_HASH_BYTES] = {0};
    bool hash_ok = true;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        seq = (uint64_t)sqlite3_column_int64(st, 0);
        hash_ok = column_hash(st, 1, hash);
    }
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return sqlite_fail(c, "reading the end of the audit log", err);
    if (!hash_ok)
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s: audit record %llu: stored hash is not 32 bytes (log damaged)",
                             c->path, (unsigned long long)seq);
    if (last_seq != NULL)
        *last_seq = seq;
    if (last_hash != NULL)
        memcpy(last_hash, hash, sizeof(hash));
    return 0;
}

int mnp_txn_audit_append(mnp_txn_t *txn, int64_t at_ms, const char *actor, const char *action,
                         const char *subject, const char *detail_json, uint64_t *seq_out,
                         mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    uint64_t last;
    uint8_t prev[MNP_AUDIT_HASH_BYTES];
    rc = mnp_txn_audit_head(txn, &last, prev, err);
    if (rc != 0)
        return rc;
    mnp_audit_record_t r = {
        .seq = last + 1,
        .at_ms = at_ms,
        .actor = actor,
        .action = action,
        .subject = subject ? subject : "",
        .detail = detail_json ? detail_json : "",
    };
    rc = mnp_audit_seal(&r, prev, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = sqlite_stmt(c, AUDIT_INSERT, SQL_AUDIT_INSERT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)r.seq);
    sqlite3_bind_int64(st, 2, r.at_ms);
    sqlite3_bind_text(st, 3, r.actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, r.action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, r.subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, r.detail, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, r.prev_hash, MNP_AUDIT_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_blob(st, 8, r.hash, MNP_AUDIT_HASH_BYTES, SQLITE_STATIC);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "appending to the audit log", err);
    if (seq_out != NULL)
        *seq_out = r.seq;
    return 0;
}

/* Steps st (bound by the caller) and calls fn for each row; *visited counts them. */
static int each_row(store_conn_t *c, sqlite3_stmt *st, mnp_audit_each_fn fn, void *arg,
                    unsigned *visited, mnp_error_t *err)
{
    unsigned n = 0;
    int s = SQLITE_DONE, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        mnp_audit_record_t r = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .at_ms = sqlite3_column_int64(st, 1),
            .actor = column_str(st, 2),
            .action = column_str(st, 3),
            .subject = column_str(st, 4),
            .detail = column_str(st, 5),
        };
        (void)column_hash(st, 6, r.prev_hash);
        (void)column_hash(st, 7, r.hash);
        n++;
        rc = fn(&r, arg);
    }
    sqlite3_reset(st);
    if (visited != NULL)
        *visited = n;
    if (rc == 0 && s != SQLITE_DONE)
        return sqlite_fail(c, "reading the audit log", err);
    return rc;
}

int mnp_txn_audit_each(mnp_txn_t *txn, uint64_t after_seq, unsigned limit, mnp_audit_each_fn fn,
                       void *arg, unsigned *visited, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (visited != NULL)
        *visited = 0;
    if (after_seq > (uint64_t)INT64_MAX)
        return 0; /* no seq can be larger */
    sqlite3_stmt *st = sqlite_stmt(c, AUDIT_EACH, SQL_AUDIT_EACH, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    /* From the start means every row: one a tamperer numbered 0 or below must reach the
     * verifier too, and fail there. */
    sqlite3_bind_int64(st, 1, after_seq == 0 ? INT64_MIN : (sqlite3_int64)after_seq);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    return each_row(c, st, fn, arg, visited, err);
}

int mnp_txn_audit_subject_each(mnp_txn_t *txn, const mnp_audit_filter_t *f, mnp_audit_each_fn fn,
                               void *arg, unsigned *visited, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (visited != NULL)
        *visited = 0;
    if (f->subject == NULL || f->order_id < 0)
        return mnp_error_set(err, MNP_EINVAL, "an audit subject is required, an order id >= 0");
    if (f->after_seq > (uint64_t)INT64_MAX)
        return 0;
    sqlite3_stmt *st = sqlite_stmt(c, AUDIT_SUBJECT_EACH, SQL_AUDIT_SUBJECT_EACH, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_text(st, 1, f->subject, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)f->after_seq);
    sqlite3_bind_int64(st, 3, f->order_id);
    sqlite3_bind_int64(st, 4, f->limit ? (sqlite3_int64)f->limit : -1);
    return each_row(c, st, fn, arg, visited, err);
}
