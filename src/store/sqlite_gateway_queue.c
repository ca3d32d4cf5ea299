/*
 * What an operator gateway owes others, in the SQLite backend (store_gateway.h): the SMS replies
 * its SMS centre has not yet confirmed, the provisioning events its own network has not yet
 * taken, the port orders it follows and how far it has applied the clearinghouse's feed.
 * Queues are read through partial indexes of what is undelivered, so a read costs the backlog,
 * not the history. Readers collect their rows before calling back, so a callback may
 * acknowledge or update the very rows it is given on the same connection.
 */
#include <stdlib.h>
#include <string.h>

#include "gatewayInt.h"
#include "mnp/alloc.h"

/* Slots STMT_GATEWAY_BASE + 24 .. + 47 (sqlite_gateway.c has the first 24). */
enum {
    SMS_ADD = STMT_GATEWAY_BASE + 24,
    SMS_PENDING,
    SMS_ACK,
    PROV_ADD,
    PROV_PENDING,
    PROV_DELIVERED,
    PROV_FAILED,
    PROV_FIND,
    PROV_BACKLOG,
    GWORDER_PUT,
    GWORDER_GET,
    GWFEED_GET,
    GWFEED_SET,
};

#define QUEUE_LIMIT_MAX 1000

#define SQL_SMS_ADD                                                                                \
    "INSERT INTO gw_sms(op, to_number, sender, text, segments, created_ms) "                       \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
/* Written with the partial index's own condition so that gw_sms_pending answers it. */
#define SQL_SMS_PENDING                                                                            \
    "SELECT id, op, to_number, sender, text, segments, created_ms FROM gw_sms "                    \
    "WHERE op = ?1 AND id > ?2 AND acked_ms IS NULL ORDER BY id LIMIT ?3"
#define SQL_SMS_ACK                                                                                \
    "UPDATE gw_sms SET acked_ms = ?3 WHERE op = ?1 AND id <= ?2 AND acked_ms IS NULL"
#define PROV_COLS                                                                                  \
    "id, op, kind, number, order_id, created_ms, delivered_ms, attempts, next_try_ms, last_error"
#define SQL_PROV_ADD                                                                               \
    "INSERT INTO gw_prov(op, kind, number, order_id, created_ms, delivered_ms, attempts, "         \
    "next_try_ms, last_error) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
/* ?4 <= 0: every undelivered event, else only those due by ?4. */
#define SQL_PROV_PENDING                                                                           \
    "SELECT " PROV_COLS " FROM gw_prov WHERE op = ?1 AND id > ?2 AND delivered_ms IS NULL "        \
    "AND (?4 <= 0 OR next_try_ms <= ?4) ORDER BY id LIMIT ?3"
#define SQL_PROV_DELIVERED                                                                         \
    "UPDATE gw_prov SET delivered_ms = ?2 WHERE id = ?1 AND delivered_ms IS NULL"
#define SQL_PROV_FAILED                                                                            \
    "UPDATE gw_prov SET attempts = attempts + 1, last_error = ?2, next_try_ms = ?3 "               \
    "WHERE id = ?1 AND delivered_ms IS NULL"
#define SQL_PROV_FIND "SELECT delivered_ms FROM gw_prov WHERE id = ?1"
#define SQL_PROV_BACKLOG                                                                           \
    "SELECT count(*), coalesce(max(attempts), 0) FROM gw_prov "                                    \
    "WHERE op = ?1 AND delivered_ms IS NULL"
#define GWORDER_COLS                                                                               \
    "op, order_id, side, number, state, name, identity, channel, created_ms, updated_ms"
/* The first put's created_ms stays; everything else is the latest word. */
#define SQL_GWORDER_PUT                                                                            \
    "INSERT INTO gw_orders(" GWORDER_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "    \
    "ON CONFLICT(op, order_id) DO UPDATE SET side = excluded.side, number = excluded.number, "     \
    "state = excluded.state, name = excluded.name, identity = excluded.identity, "                 \
    "channel = excluded.channel, updated_ms = excluded.updated_ms"
#define SQL_GWORDER_GET "SELECT " GWORDER_COLS " FROM gw_orders WHERE op = ?1 AND order_id = ?2"
#define SQL_GWFEED_GET  "SELECT seq FROM gw_feed WHERE op = ?1"
#define SQL_GWFEED_SET                                                                             \
    "INSERT INTO gw_feed(op, seq) VALUES (?1, ?2) ON CONFLICT(op) DO UPDATE SET seq = "            \
    "excluded.seq"

static int check_limit(unsigned limit, mnp_error_t *err)
{
    if (limit < 1 || limit > QUEUE_LIMIT_MAX)
        return mnp_error_set(err, MNP_EINVAL, "queue read limit must be 1 to %d", QUEUE_LIMIT_MAX);
    return 0;
}

/* Checks op and limit, then steps the statement in slot (sql, vals bound) to its end, reading
 * each row into a new array of elem_size elements with row(); then calls each(element, fn, arg)
 * for them until one returns non-zero. */
static int collect_then_call(mnp_txn_t *txn, const char *op, unsigned limit, int slot,
                             const char *sql, const gw_val_t *vals, size_t nvals, size_t elem_size,
                             void (*row)(sqlite3_stmt *st, void *elem),
                             int (*each)(const void *elem, void *fn, void *arg), void *fn,
                             void *arg, const char *what, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = check_limit(limit, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = gw_stmt(c, slot, sql, vals, nvals, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    char *rows = NULL;
    size_t n = 0, cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = mnp_xrealloc(rows, cap * elem_size);
        }
        row(st, rows + n++ * elem_size);
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE) {
        rc = sqlite_fail(c, what, err);
        goto fail;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = each(rows + i * elem_size, fn, arg);
fail:
    free(rows);
    return rc;
}

/* ---- SMS ---------------------------------------------------------------------------------- */

int mnp_txn_gw_sms_add(mnp_txn_t *txn, mnp_gw_sms_t *msg, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_write_start(txn, msg->op, err);
    if (rc != 0)
        return rc;
    if (!gw_number_ok(msg->to))
        return mnp_error_set(err, MNP_EINVAL, "SMS to %llu: not an E.164 number",
                             (unsigned long long)msg->to);
    if (!gw_fits(msg->from, sizeof(msg->from), 1))
        return mnp_error_set(err, MNP_EINVAL, "SMS sender must be 1 to %zu characters",
                             sizeof(msg->from) - 1);
    if (!gw_fits(msg->text, sizeof(msg->text), 1) || msg->segments < 1)
        return mnp_error_set(err, MNP_EINVAL,
                             "SMS text must be 1 to %zu bytes in at least one segment",
                             sizeof(msg->text) - 1);
    rc = gw_run(c, SMS_ADD, SQL_SMS_ADD,
                GW_VALS(GW_TEXT(msg->op), GW_INT(msg->to), GW_TEXT(msg->from), GW_TEXT(msg->text),
                        GW_INT(msg->segments), GW_INT(msg->created_ms)),
                "queueing an SMS", err);
    if (rc == 0)
        msg->id = sqlite3_last_insert_rowid(c->db);
    return rc;
}

static void sms_row(sqlite3_stmt *st, void *elem)
{
    mnp_gw_sms_t *m = elem;
    m->id = sqlite3_column_int64(st, 0);
    sqlite_column_text(st, 1, m->op, sizeof(m->op));
    m->to = (uint64_t)sqlite3_column_int64(st, 2);
    sqlite_column_text(st, 3, m->from, sizeof(m->from));
    sqlite_column_text(st, 4, m->text, sizeof(m->text));
    m->segments = (unsigned)sqlite3_column_int64(st, 5);
    m->created_ms = sqlite3_column_int64(st, 6);
}

typedef int (*sms_fn_t)(const mnp_gw_sms_t *msg, void *arg);

static int sms_each(const void *elem, void *fn, void *arg)
{
    return (*(sms_fn_t *)fn)(elem, arg);
}

int mnp_txn_gw_sms_pending(mnp_txn_t *txn, const char *op, int64_t after_id, unsigned limit,
                           int (*fn)(const mnp_gw_sms_t *msg, void *arg), void *arg,
                           mnp_error_t *err)
{
    sms_fn_t f = fn;
    return collect_then_call(txn, op, limit, SMS_PENDING, SQL_SMS_PENDING,
                             GW_VALS(GW_TEXT(op), GW_INT(after_id), GW_INT(limit)),
                             sizeof(mnp_gw_sms_t), sms_row, sms_each, &f, arg, "reading queued SMS",
                             err);
}

int mnp_txn_gw_sms_ack(mnp_txn_t *txn, const char *op, int64_t up_to_id, int64_t now_ms, size_t *n,
                       mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_write_start(txn, op, err);
    if (rc == 0)
        rc = gw_run(c, SMS_ACK, SQL_SMS_ACK, GW_VALS(GW_TEXT(op), GW_INT(up_to_id), GW_INT(now_ms)),
                    "acknowledging SMS", err);
    if (rc == 0 && n != NULL)
        *n = (size_t)sqlite3_changes(c->db);
    return rc;
}

/* ---- provisioning events ------------------------------------------------------------------ */

int mnp_txn_gw_prov_add(mnp_txn_t *txn, mnp_gw_prov_t *ev, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_write_start(txn, ev->op, err);
    if (rc != 0)
        return rc;
    if (ev->kind < MNP_PROV_ACTIVATE || ev->kind > MNP_PROV_RETURN)
        return mnp_error_set(err, MNP_EINVAL, "provisioning event: unknown kind %d", (int)ev->kind);
    if (!gw_number_ok(ev->number))
        return mnp_error_set(err, MNP_EINVAL, "provisioning event: %llu is not an E.164 number",
                             (unsigned long long)ev->number);
    if (!gw_fits(ev->last_error, sizeof(ev->last_error), 0))
        return mnp_error_set(err, MNP_EINVAL, "provisioning event: last error not terminated");
    rc = gw_run(c, PROV_ADD, SQL_PROV_ADD,
                GW_VALS(GW_TEXT(ev->op), GW_INT(ev->kind), GW_INT(ev->number),
                        GW_INT_OR_NULL(ev->order_id), GW_INT(ev->created_ms),
                        GW_INT_OR_NULL(ev->delivered_ms), GW_INT(ev->attempts),
                        GW_INT(ev->next_try_ms), GW_TEXT(ev->last_error)),
                "queueing a provisioning event", err);
    if (rc == 0)
        ev->id = sqlite3_last_insert_rowid(c->db);
    return rc;
}

static void prov_row(sqlite3_stmt *st, void *elem)
{
    mnp_gw_prov_t *e = elem;
    e->id = sqlite3_column_int64(st, 0);
    sqlite_column_text(st, 1, e->op, sizeof(e->op));
    e->kind = (mnp_prov_kind_t)sqlite3_column_int(st, 2);
    e->number = (uint64_t)sqlite3_column_int64(st, 3);
    e->order_id = sqlite3_column_int64(st, 4);
    e->created_ms = sqlite3_column_int64(st, 5);
    e->delivered_ms = sqlite3_column_int64(st, 6);
    e->attempts = (unsigned)sqlite3_column_int64(st, 7);
    e->next_try_ms = sqlite3_column_int64(st, 8);
    sqlite_column_text(st, 9, e->last_error, sizeof(e->last_error));
}

typedef int (*prov_fn_t)(const mnp_gw_prov_t *ev, void *arg);

static int prov_each(const void *elem, void *fn, void *arg)
{
    return (*(prov_fn_t *)fn)(elem, arg);
}

int mnp_txn_gw_prov_pending(mnp_txn_t *txn, const char *op, int64_t after_id, unsigned limit,
                            int64_t due_ms, int (*fn)(const mnp_gw_prov_t *ev, void *arg),
                            void *arg, mnp_error_t *err)
{
    prov_fn_t f = fn;
    return collect_then_call(txn, op, limit, PROV_PENDING, SQL_PROV_PENDING,
                             GW_VALS(GW_TEXT(op), GW_INT(after_id), GW_INT(limit), GW_INT(due_ms)),
                             sizeof(mnp_gw_prov_t), prov_row, prov_each, &f, arg,
                             "reading provisioning events", err);
}

/* After an update of event id (rc its result): when it changed nothing, MNP_ENOENT for no such
 * event, 0 when it was delivered already (a delivery is final; a late failure or repeat changes
 * nothing). */
static int prov_updated(store_conn_t *c, int rc, int64_t id, mnp_error_t *err)
{
    if (rc != 0 || sqlite3_changes(c->db) != 0)
        return rc;
    rc = gw_row(c, PROV_FIND, SQL_PROV_FIND, GW_VALS(GW_INT(id)), NULL, NULL,
                "reading a provisioning event", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "no provisioning event %lld", (long long)id);
    return rc;
}

int mnp_txn_gw_prov_delivered(mnp_txn_t *txn, int64_t id, int64_t now_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    if (now_ms == 0)
        return mnp_error_set(err, MNP_EINVAL, "a delivery happens at an instant (not 0)");
    rc = gw_run(c, PROV_DELIVERED, SQL_PROV_DELIVERED, GW_VALS(GW_INT(id), GW_INT(now_ms)),
                "recording a delivery", err);
    return prov_updated(c, rc, id, err);
}

int mnp_txn_gw_prov_failed(mnp_txn_t *txn, int64_t id, const char *error, int64_t next_try_ms,
                           mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    /* The error comes from outside (an HTTP client, a peer's body): cut to what the column
     * holds, on a UTF-8 character boundary. */
    char text[sizeof(((mnp_gw_prov_t *)0)->last_error)];
    size_t n = error != NULL ? strnlen(error, sizeof(text) - 1) : 0;
    if (error != NULL && error[n] != '\0')
        while (n > 0 && ((unsigned char)error[n] & 0xC0) == 0x80)
            n--;
    memcpy(text, error != NULL ? error : "", n);
    text[n] = '\0';
    rc = gw_run(c, PROV_FAILED, SQL_PROV_FAILED,
                GW_VALS(GW_INT(id), GW_TEXT(text), GW_INT(next_try_ms)),
                "recording a failed delivery", err);
    return prov_updated(c, rc, id, err);
}

int mnp_txn_gw_prov_backlog(mnp_txn_t *txn, const char *op, uint64_t *pending,
                            uint64_t *max_attempts, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int64_t v[GW_INTS_MAX];
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_row(c, PROV_BACKLOG, SQL_PROV_BACKLOG, GW_VALS(GW_TEXT(op)), gw_ints_row, v,
                    "reading the provisioning backlog", err);
    /* An aggregate always has its row. */
    if (rc == MNP_ENOENT)
        return sqlite_fail(c, "reading the provisioning backlog", err);
    if (rc == 0) {
        *pending = (uint64_t)v[0];
        *max_attempts = (uint64_t)v[1];
    }
    return rc;
}

/* ---- followed orders and the feed position ------------------------------------------------ */

static int check_gw_order(const mnp_gw_order_t *o, mnp_error_t *err)
{
    if (o->order_id <= 0)
        return mnp_error_set(err, MNP_EINVAL, "followed order: id must be positive");
    if (o->side != MNP_GW_RECIPIENT && o->side != MNP_GW_DONOR)
        return mnp_error_set(err, MNP_EINVAL, "followed order %lld: unknown side %d",
                             (long long)o->order_id, (int)o->side);
    if (!gw_number_ok(o->number))
        return mnp_error_set(err, MNP_EINVAL, "followed order %lld: %llu is not an E.164 number",
                             (long long)o->order_id, (unsigned long long)o->number);
    size_t idn = strnlen(o->identity, sizeof(o->identity));
    if (!gw_fits(o->state, sizeof(o->state), 1) || !gw_fits(o->name, sizeof(o->name), 0) ||
        (idn != 0 && idn != sizeof(o->identity) - 1) || !gw_fits(o->channel, sizeof(o->channel), 0))
        return mnp_error_set(err, MNP_EINVAL,
                             "followed order %lld: state, name, identity or channel too long "
                             "(or state empty)",
                             (long long)o->order_id);
    return 0;
}

int mnp_txn_gw_order_put(mnp_txn_t *txn, const mnp_gw_order_t *o, mnp_error_t *err)
{
    int rc = gw_write_start(txn, o->op, err);
    if (rc == 0)
        rc = check_gw_order(o, err);
    if (rc != 0)
        return rc;
    return gw_run(sqlite_conn(txn), GWORDER_PUT, SQL_GWORDER_PUT,
                  GW_VALS(GW_TEXT(o->op), GW_INT(o->order_id), GW_INT(o->side), GW_INT(o->number),
                          GW_TEXT(o->state), GW_TEXT(o->name), GW_TEXT(o->identity),
                          GW_TEXT(o->channel), GW_INT(o->created_ms), GW_INT(o->updated_ms)),
                  "storing a followed order", err);
}

/* Reads a row of GWORDER_COLS into the mnp_gw_order_t out. */
static void gw_order_row(sqlite3_stmt *st, void *out)
{
    mnp_gw_order_t *o = out;
    memset(o, 0, sizeof(*o));
    sqlite_column_text(st, 0, o->op, sizeof(o->op));
    o->order_id = sqlite3_column_int64(st, 1);
    o->side = (mnp_gw_side_t)sqlite3_column_int(st, 2);
    o->number = (uint64_t)sqlite3_column_int64(st, 3);
    sqlite_column_text(st, 4, o->state, sizeof(o->state));
    sqlite_column_text(st, 5, o->name, sizeof(o->name));
    sqlite_column_text(st, 6, o->identity, sizeof(o->identity));
    sqlite_column_text(st, 7, o->channel, sizeof(o->channel));
    o->created_ms = sqlite3_column_int64(st, 8);
    o->updated_ms = sqlite3_column_int64(st, 9);
}

int mnp_txn_gw_order_get(mnp_txn_t *txn, const char *op, int64_t order_id, mnp_gw_order_t *out,
                         mnp_error_t *err)
{
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_row(sqlite_conn(txn), GWORDER_GET, SQL_GWORDER_GET,
                    GW_VALS(GW_TEXT(op), GW_INT(order_id)), gw_order_row, out,
                    "reading a followed order", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "%s follows no port order %lld", op, (long long)order_id);
    return rc;
}

int mnp_txn_gw_feed_get(mnp_txn_t *txn, const char *op, uint64_t *seq, mnp_error_t *err)
{
    int64_t v[GW_INTS_MAX] = {0};
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_row(sqlite_conn(txn), GWFEED_GET, SQL_GWFEED_GET, GW_VALS(GW_TEXT(op)), gw_ints_row,
                    v, "reading the feed position", err);
    /* No row yet: nothing of the feed applied. */
    if (rc == MNP_ENOENT)
        rc = 0;
    if (rc == 0)
        *seq = (uint64_t)v[0];
    return rc;
}

int mnp_txn_gw_feed_set(mnp_txn_t *txn, const char *op, uint64_t seq, mnp_error_t *err)
{
    int rc = gw_write_start(txn, op, err);
    if (rc != 0)
        return rc;
    if (seq > (uint64_t)INT64_MAX)
        return mnp_error_set(err, MNP_EINVAL, "feed position %llu is beyond any seq",
                             (unsigned long long)seq);
    return gw_run(sqlite_conn(txn), GWFEED_SET, SQL_GWFEED_SET, GW_VALS(GW_TEXT(op), GW_INT(seq)),
                  "storing the feed position", err);
}
