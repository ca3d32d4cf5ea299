/*
 * Port orders in the SQLite backend. The database keeps the one rule it can keep alone (RULE §5:
 * at most one open order per number, the partial unique index orders_one_open); every other
 * rule is the workflow's. An update names the state it expects, so two writers that read the
 * same order cannot both move it: the second finds the state changed and gets MNP_EBUSY. The
 * timer query reads the partial indexes of the two timed states, so it costs what is due, not
 * what is stored. List functions read their rows before calling back, so a callback may update
 * the orders it is given on the same connection.
 */
#include <stdlib.h>
#include <string.h>

#include "mnp/alloc.h"
#include "mnp/store_orders.h"
#include "sqliteInt.h"

/* The SQL below names states by number; these are the values it means. */
_Static_assert(MNP_ORDER_PENDING_DONOR == 2 && MNP_ORDER_ACCEPTED == 3 &&
                   MNP_ORDER_SCHEDULED == 4 && MNP_ORDER_BROADCASTING == 5,
               "state numbers in the orders SQL");
_Static_assert(MNP_ORDER_ROLE_RECIPIENT == 1 && MNP_ORDER_ROLE_DONOR == 2,
               "role numbers in the orders SQL");

/* Slots STMT_ORDERS_BASE .. +15; sqlite_authcodes.c has +16 .. +31. */
enum {
    ORDER_INSERT = STMT_ORDERS_BASE,
    ORDER_GET,
    ORDER_OPEN_FOR,
    ORDER_UPDATE,
    ORDER_STATE,
    ORDER_LIST_ALL,
    ORDER_LIST_NUMBER,
    ORDER_LIST_OPERATOR,
    ORDER_DUE,
    ORDER_COUNT_BY_STATE,
};

#define ORDER_COLS                                                                                 \
    "id, number, recipient, donor, holder, local_network, channel, state, reason, reason_text, "   \
    "created_ms, updated_ms, donor_deadline_ms, donor_answer_ms, donor_silent, cutover_ms, "       \
    "npdb_seq, active_ms, closed_ms"

/* The mutable fields come last, in the order bind_mutable binds them. */
#define SQL_ORDER_INSERT                                                                           \
    "INSERT INTO orders(number, recipient, donor, holder, local_network, channel, created_ms, "    \
    "state, reason, reason_text, updated_ms, donor_deadline_ms, donor_answer_ms, donor_silent, "   \
    "cutover_ms, npdb_seq, active_ms, closed_ms) "                                                 \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
#define SQL_ORDER_UPDATE                                                                           \
    "UPDATE orders SET state = ?3, reason = ?4, reason_text = ?5, updated_ms = ?6, "               \
    "donor_deadline_ms = ?7, donor_answer_ms = ?8, donor_silent = ?9, cutover_ms = ?10, "          \
    "npdb_seq = ?11, active_ms = ?12, closed_ms = ?13 WHERE id = ?1 AND state = ?2"
#define SQL_ORDER_GET   "SELECT " ORDER_COLS " FROM orders WHERE id = ?1"
#define SQL_ORDER_STATE "SELECT state FROM orders WHERE id = ?1"
/* Written as the index's own condition so that orders_one_open answers it. */
#define SQL_ORDER_OPEN_FOR                                                                         \
    "SELECT " ORDER_COLS " FROM orders WHERE number = ?1 AND state BETWEEN 1 AND 5"

/* List parameters: ?1 after_id, ?2 operator (NULL: any), ?3 state (0: any), ?4 number (0: any),
 * ?5 limit, ?6 role (mnp_order_role_t; with an operator only). Each variant leads with the index
 * that narrows it most; a number's orders are few, so a role among them is a test per row. */
#define SQL_ORDER_LIST_ALL                                                                         \
    "SELECT " ORDER_COLS " FROM orders WHERE id > ?1 AND (?3 = 0 OR state = ?3) "                  \
    "AND (?2 IS NULL OR recipient = ?2 OR donor = ?2) AND (?4 = 0 OR number = ?4) "                \
    "ORDER BY id LIMIT ?5"
#define SQL_ORDER_LIST_NUMBER                                                                      \
    "SELECT " ORDER_COLS " FROM orders WHERE number = ?4 AND id > ?1 AND (?3 = 0 OR state = ?3) "  \
    "AND (?2 IS NULL OR (recipient = ?2 AND ?6 <> 2) OR (donor = ?2 AND ?6 <> 1)) "                \
    "ORDER BY id LIMIT ?5"
/* Two ordered index ranges merged, rather than one OR that sorts all of an operator's orders
 * for every page. A role leaves one range: SQLite tests a term that names no column ("?6 <> 2")
 * once, before its loop, and skips the other range whole. */
#define SQL_ORDER_LIST_OPERATOR                                                                    \
    "SELECT " ORDER_COLS " FROM orders WHERE recipient = ?2 AND ?6 <> 2 AND id > ?1 "              \
    "AND (?3 = 0 OR state = ?3) AND (?4 = 0 OR number = ?4) "                                      \
    "UNION SELECT " ORDER_COLS " FROM orders WHERE donor = ?2 AND ?6 <> 1 AND id > ?1 "            \
    "AND (?3 = 0 OR state = ?3) AND (?4 = 0 OR number = ?4) ORDER BY id LIMIT ?5"
/* ACCEPTED has no index of its own; orders_one_open holds only open orders, which are few
 * compared with all orders, and INDEXED BY makes a plan that would scan the table an error. */
#define SQL_ORDER_DUE                                                                              \
    "SELECT " ORDER_COLS ", donor_deadline_ms AS due FROM orders "                                 \
    "WHERE state = 2 AND donor_deadline_ms <= ?1 "                                                 \
    "UNION ALL SELECT " ORDER_COLS ", cutover_ms FROM orders "                                     \
    "WHERE state = 4 AND cutover_ms <= ?1 "                                                        \
    "UNION ALL SELECT " ORDER_COLS ", updated_ms FROM orders INDEXED BY orders_one_open "          \
    "WHERE state BETWEEN 1 AND 5 AND state = 3 "                                                   \
    "ORDER BY due, id LIMIT ?2"

/* Whether s (an array of size bytes) holds a string of at most max_len characters. */
static bool fits(const char *s, size_t size, size_t max_len)
{
    size_t n = strnlen(s, size);
    return n < size && n <= max_len;
}

static int check_mutable(const mnp_order_rec_t *r, mnp_error_t *err)
{
    if (r->state < MNP_ORDER_SUBMITTED || r->state > MNP_ORDER_RETURNED)
        return mnp_error_set(err, MNP_EINVAL, "order state %d is not a state", (int)r->state);
    size_t n = strnlen(r->reason, sizeof(r->reason));
    if (n != 0 && n != 3)
        return mnp_error_set(err, MNP_EINVAL, "order reason must be empty or 3 characters");
    if (!fits(r->reason_text, sizeof(r->reason_text), sizeof(r->reason_text) - 1))
        return mnp_error_set(err, MNP_EINVAL, "order reason text must be at most %zu bytes",
                             sizeof(r->reason_text) - 1);
    return 0;
}

static int check_order(const mnp_order_rec_t *r, mnp_error_t *err)
{
    if (r->number == 0 || r->number > MNP_STORE_NUMBER_MAX)
        return mnp_error_set(err, MNP_EINVAL, "order number %llu is not an E.164 number",
                             (unsigned long long)r->number);
    if (r->recipient[0] == '\0')
        return mnp_error_set(err, MNP_EINVAL, "order recipient is required");
    const struct {
        const char *name, *value;
        size_t size;
    } text[] = {
        {"recipient", r->recipient, sizeof(r->recipient)},
        {"donor", r->donor, sizeof(r->donor)},
        {"holder", r->holder, sizeof(r->holder)},
        {"local network", r->local_network, sizeof(r->local_network)},
        {"channel", r->channel, sizeof(r->channel)},
    };
    for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
        if (!fits(text[i].value, text[i].size, text[i].size - 1))
            return mnp_error_set(err, MNP_EINVAL, "order %s must be at most %zu characters",
                                 text[i].name, text[i].size - 1);
    return check_mutable(r, err);
}

/* 0 means "not set", stored as NULL. */
static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
    if (v == 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v);
}

static void bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s[0] == '\0')
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

/* Binds the 11 mutable fields from parameter first on. */
static void bind_mutable(sqlite3_stmt *st, int first, const mnp_order_rec_t *r)
{
    sqlite3_bind_int(st, first, (int)r->state);
    bind_opt_text(st, first + 1, r->reason);
    bind_opt_text(st, first + 2, r->reason_text);
    sqlite3_bind_int64(st, first + 3, r->updated_ms);
    bind_opt_int(st, first + 4, r->donor_deadline_ms);
    bind_opt_int(st, first + 5, r->donor_answer_ms);
    sqlite3_bind_int(st, first + 6, r->donor_silent ? 1 : 0);
    bind_opt_int(st, first + 7, r->cutover_ms);
    bind_opt_int(st, first + 8, r->npdb_seq);
    bind_opt_int(st, first + 9, r->active_ms);
    bind_opt_int(st, first + 10, r->closed_ms);
}

/* Reads a row of ORDER_COLS; NULLs read as 0 and "". */
static void order_row(sqlite3_stmt *st, mnp_order_rec_t *o)
{
    o->id = sqlite3_column_int64(st, 0);
    o->number = (uint64_t)sqlite3_column_int64(st, 1);
    sqlite_column_text(st, 2, o->recipient, sizeof(o->recipient));
    sqlite_column_text(st, 3, o->donor, sizeof(o->donor));
    sqlite_column_text(st, 4, o->holder, sizeof(o->holder));
    sqlite_column_text(st, 5, o->local_network, sizeof(o->local_network));
    sqlite_column_text(st, 6, o->channel, sizeof(o->channel));
    o->state = (mnp_order_state_t)sqlite3_column_int(st, 7);
    sqlite_column_text(st, 8, o->reason, sizeof(o->reason));
    sqlite_column_text(st, 9, o->reason_text, sizeof(o->reason_text));
    o->created_ms = sqlite3_column_int64(st, 10);
    o->updated_ms = sqlite3_column_int64(st, 11);
    o->donor_deadline_ms = sqlite3_column_int64(st, 12);
    o->donor_answer_ms = sqlite3_column_int64(st, 13);
    o->donor_silent = sqlite3_column_int(st, 14) != 0;
    o->cutover_ms = sqlite3_column_int64(st, 15);
    o->npdb_seq = sqlite3_column_int64(st, 16);
    o->active_ms = sqlite3_column_int64(st, 17);
    o->closed_ms = sqlite3_column_int64(st, 18);
}

/* Steps st (bound by the caller) for at most one row into *out. */
static int read_one(store_conn_t *c, sqlite3_stmt *st, mnp_order_rec_t *out, const char *what,
                    mnp_error_t *err)
{
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        order_row(st, out);
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return MNP_ENOENT; /* the caller words the message */
    if (s != SQLITE_ROW)
        return sqlite_fail(c, what, err);
    return 0;
}

/* Reads every row of st (bound by the caller), then calls fn for each: the statement is done
 * before any callback runs, so a callback may write to the rows. */
static int each_row(store_conn_t *c, sqlite3_stmt *st, mnp_order_each_fn fn, void *arg,
                    const char *what, mnp_error_t *err)
{
    mnp_order_rec_t *rows = NULL;
    size_t n = 0, cap = 0;
    int s, rc = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            rows = mnp_xrealloc(rows, cap * sizeof(*rows));
        }
        order_row(st, &rows[n++]);
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE) {
        rc = sqlite_fail(c, what, err);
        goto fail;
    }
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = fn(&rows[i], arg);
fail:
    free(rows);
    return rc;
}

int mnp_txn_order_insert(mnp_txn_t *txn, mnp_order_rec_t *rec, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_order(rec, err);
    if (rc != 0)
        return rc;
    sqlite3_stmt *st = sqlite_stmt(c, ORDER_INSERT, SQL_ORDER_INSERT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)rec->number);
    sqlite3_bind_text(st, 2, rec->recipient, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, rec->donor, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, rec->holder, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, rec->local_network, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, rec->channel, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, rec->created_ms);
    bind_mutable(st, 8, rec);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    /* RULE §5: at most one open order per number (orders_one_open). */
    if (s == SQLITE_CONSTRAINT_UNIQUE)
        return mnp_error_set(err, MNP_EEXIST, "number %llu already has an open port order",
                             (unsigned long long)rec->number);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "adding a port order", err);
    rec->id = sqlite3_last_insert_rowid(c->db);
    return 0;
}

int mnp_txn_order_get(mnp_txn_t *txn, int64_t id, mnp_order_rec_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, ORDER_GET, SQL_ORDER_GET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, id);
    int rc = read_one(c, st, out, "reading a port order", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "no port order %lld", (long long)id);
    return rc;
}

int mnp_txn_order_open_for(mnp_txn_t *txn, uint64_t number, mnp_order_rec_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (number == 0 || number > MNP_STORE_NUMBER_MAX)
        return mnp_error_set(err, MNP_ENOENT, "no open port order for number %llu",
                             (unsigned long long)number);
    sqlite3_stmt *st = sqlite_stmt(c, ORDER_OPEN_FOR, SQL_ORDER_OPEN_FOR, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, (sqlite3_int64)number);
    int rc = read_one(c, st, out, "reading the open port order of a number", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "no open port order for number %llu",
                             (unsigned long long)number);
    return rc;
}

/* After an update that changed nothing: says whether the order is missing or moved on. */
static int update_missed(store_conn_t *c, int64_t id, mnp_order_state_t expected, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, ORDER_STATE, SQL_ORDER_STATE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, id);
    int s = sqlite3_step(st);
    int now = s == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT, "no port order %lld", (long long)id);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading a port order's state", err);
    return mnp_error_set(err, MNP_EBUSY,
                         "port order %lld is in state %d, not %d: it was changed meanwhile",
                         (long long)id, now, (int)expected);
}

int mnp_txn_order_update(mnp_txn_t *txn, const mnp_order_rec_t *rec,
                         mnp_order_state_t expected_state, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_mutable(rec, err);
    if (rc != 0)
        return rc;
    if (expected_state < MNP_ORDER_SUBMITTED || expected_state > MNP_ORDER_RETURNED)
        return mnp_error_set(err, MNP_EINVAL, "expected order state %d is not a state",
                             (int)expected_state);
    sqlite3_stmt *st = sqlite_stmt(c, ORDER_UPDATE, SQL_ORDER_UPDATE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, rec->id);
    sqlite3_bind_int(st, 2, (int)expected_state);
    bind_mutable(st, 3, rec);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s == SQLITE_CONSTRAINT_UNIQUE)
        return mnp_error_set(err, MNP_EEXIST,
                             "port order %lld cannot reopen: its number has another open order",
                             (long long)rec->id);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "updating a port order", err);
    if (sqlite3_changes(c->db) == 0)
        return update_missed(c, rec->id, expected_state, err);
    return 0;
}

int mnp_txn_order_list(mnp_txn_t *txn, const mnp_order_filter_t *f, mnp_order_each_fn fn, void *arg,
                       mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (f->limit < 1 || f->limit > MNP_ORDER_LIST_MAX)
        return mnp_error_set(err, MNP_EINVAL, "list limit must be 1 to %d", MNP_ORDER_LIST_MAX);
    if (f->operator_code != NULL && strlen(f->operator_code) >= MNP_STORE_CODE_MAX)
        return mnp_error_set(err, MNP_EINVAL, "operator code must be at most %d characters",
                             MNP_STORE_CODE_MAX - 1);
    if ((unsigned)f->role > MNP_ORDER_ROLE_DONOR ||
        (f->role != MNP_ORDER_ROLE_ANY && f->operator_code == NULL))
        return mnp_error_set(err, MNP_EINVAL, "an order role must be one, with an operator code");
    sqlite3_stmt *st;
    if (f->number != 0)
        st = sqlite_stmt(c, ORDER_LIST_NUMBER, SQL_ORDER_LIST_NUMBER, err);
    else if (f->operator_code != NULL)
        st = sqlite_stmt(c, ORDER_LIST_OPERATOR, SQL_ORDER_LIST_OPERATOR, err);
    else
        st = sqlite_stmt(c, ORDER_LIST_ALL, SQL_ORDER_LIST_ALL, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, f->after_id);
    if (f->operator_code != NULL) {
        sqlite3_bind_text(st, 2, f->operator_code, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 6, (int)f->role);
    }
    sqlite3_bind_int(st, 3, (int)f->state);
    /* A number beyond INT64_MAX matches nothing, as no stored number can be one. */
    sqlite3_bind_int64(st, 4, f->number > (uint64_t)INT64_MAX ? -1 : (sqlite3_int64)f->number);
    sqlite3_bind_int64(st, 5, (sqlite3_int64)f->limit);
    return each_row(c, st, fn, arg, "listing port orders", err);
}

int mnp_txn_order_due(mnp_txn_t *txn, int64_t now_ms, size_t limit, mnp_order_each_fn fn, void *arg,
                      mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    if (limit < 1 || limit > MNP_ORDER_LIST_MAX)
        return mnp_error_set(err, MNP_EINVAL, "due limit must be 1 to %d", MNP_ORDER_LIST_MAX);
    sqlite3_stmt *st = sqlite_stmt(c, ORDER_DUE, SQL_ORDER_DUE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, now_ms);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
    return each_row(c, st, fn, arg, "reading due port orders", err);
}

int mnp_txn_order_count_by_state(mnp_txn_t *txn, uint64_t counts[MNP_ORDER_STATE_COUNT],
                                 mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, ORDER_COUNT_BY_STATE,
                                   "SELECT state, count(*) FROM orders GROUP BY state", err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    memset(counts, 0, sizeof(uint64_t) * MNP_ORDER_STATE_COUNT);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        int state = sqlite3_column_int(st, 0);
        if (state > 0 && state < MNP_ORDER_STATE_COUNT)
            counts[state] = (uint64_t)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : sqlite_fail(c, "counting orders", err);
}
