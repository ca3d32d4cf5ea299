/*
 * The change feed and its consumers in the SQLite backend. The next seq is read through the
 * writer's own connection inside the open group transaction, like the audit log's: it sees the
 * events earlier writes of the group appended and no longer sees one whose write was rolled back
 * to its savepoint, so seqs stay consecutive whatever the grouping. Acknowledgements are one
 * upsert whose condition keeps them from moving backwards.
 */
#include <string.h>

#include "mnp/store_feed.h"
#include "sqliteInt.h"

enum {
    FEED_HEAD = STMT_FEED_BASE,
    FEED_INSERT,
    FEED_EACH,
    CONSUMER_ACK,
    CONSUMER_GET,
    CONSUMER_EACH,
};

#define SQL_FEED_HEAD "SELECT seq FROM feed ORDER BY seq DESC LIMIT 1"
#define SQL_FEED_INSERT                                                                            \
    "INSERT INTO feed(seq, at_ms, kind, order_id, number, operator, state, body) "                 \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
/* LIMIT -1 is SQLite's "no limit". */
#define SQL_FEED_EACH                                                                              \
    "SELECT seq, at_ms, kind, order_id, number, operator, state, body FROM feed "                  \
    "WHERE seq > ?1 ORDER BY seq LIMIT ?2"
#define SQL_CONSUMER_ACK                                                                           \
    "INSERT INTO consumers(name, acked_seq, acked_ms) VALUES (?1, ?2, ?3) "                        \
    "ON CONFLICT(name) DO UPDATE SET acked_seq = excluded.acked_seq, acked_ms = "                  \
    "excluded.acked_ms "                                                                           \
    "WHERE excluded.acked_seq > consumers.acked_seq"
#define SQL_CONSUMER_GET  "SELECT acked_seq FROM consumers WHERE name = ?1"
#define SQL_CONSUMER_EACH "SELECT name, acked_seq, acked_ms FROM consumers ORDER BY name"

/* E.164 allows at most 15 digits. */
#define FEED_NUMBER_MAX 999999999999999ULL

/* The kind column holds names so that the table reads well in the sqlite3 shell. */
static const char *kind_name(mnp_feed_kind_t kind)
{
    switch (kind) {
    case MNP_FEED_NPDB:
        return "npdb";
    case MNP_FEED_ORDER:
        return "order";
    }
    return NULL;
}

static mnp_feed_kind_t kind_parse(const char *s)
{
    return s != NULL && strcmp(s, "npdb") == 0 ? MNP_FEED_NPDB : MNP_FEED_ORDER;
}

/* Binds an optional value: 0 is "none", stored as NULL. */
static void bind_opt(sqlite3_stmt *st, int col, int64_t v)
{
    if (v == 0)
        sqlite3_bind_null(st, col);
    else
        sqlite3_bind_int64(st, col, v);
}

int mnp_txn_feed_head(mnp_txn_t *txn, uint64_t *seq, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, FEED_HEAD, SQL_FEED_HEAD, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = sqlite3_step(st);
    uint64_t last = s == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return sqlite_fail(c, "reading the feed head", err);
    *seq = last;
    return 0;
}

int mnp_txn_feed_append(mnp_txn_t *txn, const mnp_feed_event_t *ev, uint64_t *seq_out,
                        mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    const char *kind = kind_name(ev->kind);
    if (kind == NULL)
        return mnp_error_set(err, MNP_EINVAL, "feed event: unknown kind %d", (int)ev->kind);
    if (ev->body == NULL)
        return mnp_error_set(err, MNP_EINVAL, "feed event: body is required");
    size_t op_len = strnlen(ev->op, sizeof(ev->op));
    if (op_len == sizeof(ev->op))
        return mnp_error_set(err, MNP_EINVAL, "feed event: operator code is not terminated");
    if (ev->number > FEED_NUMBER_MAX)
        return mnp_error_set(err, MNP_ERANGE, "feed event: number has more than 15 digits");
    uint64_t last;
    rc = mnp_txn_feed_head(txn, &last, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = sqlite_stmt(c, FEED_INSERT, SQL_FEED_INSERT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)(last + 1));
    sqlite3_bind_int64(st, 2, ev->at_ms);
    sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
    bind_opt(st, 4, ev->order_id);
    bind_opt(st, 5, (int64_t)ev->number);
    if (op_len == 0)
        sqlite3_bind_null(st, 6);
    else
        sqlite3_bind_text(st, 6, ev->op, (int)op_len, SQLITE_STATIC);
    bind_opt(st, 7, ev->state);
    sqlite3_bind_text(st, 8, ev->body, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "appending to the feed", err);
    if (seq_out != NULL)
        *seq_out = last + 1;
    return 0;
}

int mnp_txn_feed_each(mnp_txn_t *txn, uint64_t after_seq, unsigned limit, mnp_feed_each_fn fn,
                      void *arg, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (after_seq >= (uint64_t)INT64_MAX)
        return 0; /* no seq can be larger */
    sqlite3_stmt *st = sqlite_stmt(c, FEED_EACH, SQL_FEED_EACH, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)after_seq);
    sqlite3_bind_int64(st, 2, limit ? (sqlite3_int64)limit : -1);
    int s = SQLITE_DONE, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *body = sqlite3_column_text(st, 7); /* valid until the next step */
        mnp_feed_event_t ev = {
            .seq = (uint64_t)sqlite3_column_int64(st, 0),
            .at_ms = sqlite3_column_int64(st, 1),
            .kind = kind_parse((const char *)sqlite3_column_text(st, 2)),
            .order_id = sqlite3_column_int64(st, 3),
            .number = (uint64_t)sqlite3_column_int64(st, 4),
            .state = sqlite3_column_int(st, 6),
        };
        sqlite_column_text(st, 5, ev.op, sizeof(ev.op));
        ev.body = body ? (const char *)body : "";
        rc = fn(&ev, arg);
    }
    sqlite3_reset(st);
    if (rc == 0 && s != SQLITE_DONE)
        return sqlite_fail(c, "reading the feed", err);
    return rc;
}

static int check_name(const char *name, mnp_error_t *err)
{
    size_t n = strlen(name);
    if (n == 0 || n >= MNP_FEED_CONSUMER_MAX)
        return mnp_error_set(err, MNP_EINVAL, "consumer name must be 1 to %d bytes",
                             MNP_FEED_CONSUMER_MAX - 1);
    return 0;
}

int mnp_txn_consumer_ack(mnp_txn_t *txn, const char *name, uint64_t seq, int64_t at_ms,
                         mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_name(name, err);
    if (rc != 0)
        return rc;
    uint64_t head;
    rc = mnp_txn_feed_head(txn, &head, err);
    if (rc != 0)
        return rc;
    if (seq > head)
        return mnp_error_set(err, MNP_ERANGE,
                             "consumer %s acknowledged seq %llu beyond the feed head %llu", name,
                             (unsigned long long)seq, (unsigned long long)head);
    sqlite3_stmt *st = sqlite_stmt(c, CONSUMER_ACK, SQL_CONSUMER_ACK, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)seq);
    sqlite3_bind_int64(st, 3, at_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "recording an acknowledgement", err);
    return 0;
}

int mnp_txn_consumer_get(mnp_txn_t *txn, const char *name, uint64_t *acked, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, CONSUMER_GET, SQL_CONSUMER_GET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    uint64_t v = s == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    if (s != SQLITE_ROW && s != SQLITE_DONE)
        return sqlite_fail(c, "reading an acknowledgement", err);
    *acked = v;
    return 0;
}

int mnp_txn_consumer_each(mnp_txn_t *txn, int (*fn)(const mnp_consumer_rec_t *c, void *arg),
                          void *arg, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, CONSUMER_EACH, SQL_CONSUMER_EACH, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = SQLITE_DONE, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        mnp_consumer_rec_t r;
        sqlite_column_text(st, 0, r.name, sizeof(r.name));
        r.acked_seq = (uint64_t)sqlite3_column_int64(st, 1);
        r.acked_ms = sqlite3_column_int64(st, 2);
        rc = fn(&r, arg);
    }
    sqlite3_reset(st);
    if (rc == 0 && s != SQLITE_DONE)
        return sqlite_fail(c, "listing feed consumers", err);
    return rc;
}

int mnp_txn_consumers_min_acked(mnp_txn_t *txn, const char *const names[], size_t n, uint64_t *min,
                                mnp_error_t *err)
{
    uint64_t lowest;
    int rc = mnp_txn_feed_head(txn, &lowest, err);
    if (rc != 0)
        return rc;
    for (size_t i = 0; i < n && lowest > 0; i++) {
        uint64_t acked;
        rc = mnp_txn_consumer_get(txn, names[i], &acked, err);
        if (rc != 0)
            return rc;
        if (acked < lowest)
            lowest = acked;
    }
    *min = lowest;
    return 0;
}
