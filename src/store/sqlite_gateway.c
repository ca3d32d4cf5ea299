/*
 * An operator gateway's subscriber records, term agreements, freezes and issued codes in the
 * SQLite backend (store_gateway.h). Every statement names the operator first, matching the
 * tables' keys, so one tenant never reads or changes another's rows. Subscribers are upserted
 * one by one, reading the stored record first: only a real change moves updated_ms, and only a
 * changed status or identity moves the instant the donor's objections D01 and D02 are judged
 * against. Agreements are insert-only and keyed by their terms (gw_agreements_terms): an
 * agreement handed over again keeps the created_ms it had, so re-sending a billing export can
 * never make an old agreement look new, nor a new one look old (RULE §3.1).
 */
#include <string.h>

#include "mnp/store_gateway.h"
#include "mnp/store_orders.h"
#include "sqliteInt.h"

/* Slots STMT_GATEWAY_BASE + 0 .. + 23; sqlite_gateway_queue.c has + 24 .. + 47. */
enum {
    SUB_GET = STMT_GATEWAY_BASE,
    SUB_INSERT,
    SUB_UPDATE,
    SUB_SET_ACTIVE,
    SUB_EXISTS,
    AGR_INSERT,
    AGR_OF,
    FREEZE_INSERT,
    FREEZE_GET,
    CODE_PUT,
    CODE_GET,
};

#define SUB_COLS                                                                                   \
    "op, number, name, identity, registration, status, unpaid_fen, last_port_ms, services, "       \
    "balance_fen, active, status_since_ms, identity_since_ms, updated_ms"
#define SQL_SUB_GET "SELECT " SUB_COLS " FROM gw_subscribers WHERE op = ?1 AND number = ?2"
/* ?1 .. ?10 are bound by bind_row in every statement that takes a row. */
#define SQL_SUB_INSERT                                                                             \
    "INSERT INTO gw_subscribers(" SUB_COLS ") "                                                    \
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1, ?11, ?11, ?11)"
#define SQL_SUB_UPDATE                                                                             \
    "UPDATE gw_subscribers SET name = ?3, identity = ?4, registration = ?5, status = ?6, "         \
    "unpaid_fen = ?7, last_port_ms = ?8, services = ?9, balance_fen = ?10, "                       \
    "status_since_ms = ?11, identity_since_ms = ?12, updated_ms = ?13 "                            \
    "WHERE op = ?1 AND number = ?2"
#define SQL_SUB_SET_ACTIVE                                                                         \
    "UPDATE gw_subscribers SET active = ?3, updated_ms = ?4 WHERE op = ?1 AND number = ?2"
#define SQL_SUB_EXISTS "SELECT 1 FROM gw_subscribers WHERE op = ?1 AND number = ?2"
/* DO NOTHING only for the terms index: unlike INSERT OR IGNORE, a CHECK still fails. */
#define SQL_AGR_INSERT                                                                             \
    "INSERT INTO gw_agreements(op, number, name, start_ms, end_ms, fee_fen, has_term, "            \
    "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "                                         \
    "ON CONFLICT(op, number, name, start_ms, end_ms, fee_fen, has_term) DO NOTHING"
#define SQL_AGR_OF                                                                                 \
    "SELECT id, name, start_ms, end_ms, fee_fen, has_term, created_ms FROM gw_agreements "         \
    "WHERE op = ?1 AND number = ?2 ORDER BY created_ms, id"
#define SQL_FREEZE_INSERT                                                                          \
    "INSERT INTO gw_freezes(op, number, first_ms) VALUES (?1, ?2, ?3) "                            \
    "ON CONFLICT(op, number) DO NOTHING"
#define SQL_FREEZE_GET "SELECT first_ms FROM gw_freezes WHERE op = ?1 AND number = ?2"
#define SQL_CODE_PUT                                                                               \
    "INSERT INTO gw_codes(op, number, issued_ms, expires_ms) VALUES (?1, ?2, ?3, ?4) "             \
    "ON CONFLICT(op, number) DO UPDATE SET issued_ms = excluded.issued_ms, "                       \
    "expires_ms = excluded.expires_ms"
#define SQL_CODE_GET "SELECT issued_ms, expires_ms FROM gw_codes WHERE op = ?1 AND number = ?2"

/* services joined by ';' (which no service name holds): MNP_SERVICES_MAX names and separators */
#define SERVICES_TEXT_MAX (MNP_SERVICES_MAX * MNP_SERVICE_NAME_MAX)

static int check_op(const char *op, mnp_error_t *err)
{
    size_t n = op != NULL ? strnlen(op, MNP_STORE_CODE_MAX) : 0;
    if (n == 0 || n >= MNP_STORE_CODE_MAX)
        return mnp_error_set(err, MNP_EINVAL, "operator code must be 1 to %d characters",
                             MNP_STORE_CODE_MAX - 1);
    return 0;
}

static bool number_ok(uint64_t number)
{
    return number != 0 && number <= MNP_STORE_NUMBER_MAX;
}

static int bad_number(uint64_t number, mnp_error_t *err)
{
    return mnp_error_set(err, MNP_EINVAL, "%llu is not an E.164 number",
                         (unsigned long long)number);
}

/* Whether s (an array of size bytes) holds a string of min_len..size-1 bytes. */
static bool fits(const char *s, size_t size, size_t min_len)
{
    size_t n = strnlen(s, size);
    return n < size && n >= min_len;
}

/* Binds op and number as ?1 and ?2. */
static void bind_key(sqlite3_stmt *st, const char *op, uint64_t number)
{
    sqlite3_bind_text(st, 1, op, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)number);
}

/* ---- subscribers -------------------------------------------------------------------------- */

static int check_row(const mnp_subscriber_row_t *row, mnp_error_t *err)
{
    const mnp_subscriber_t *s = &row->sub;
    if (!number_ok(s->number))
        return bad_number(s->number, err);
    unsigned long long num = (unsigned long long)s->number;
    if (!fits(s->name, sizeof(s->name), 1))
        return mnp_error_set(err, MNP_EINVAL, "subscriber %llu: name must be 1 to %zu bytes", num,
                             sizeof(s->name) - 1);
    if (strnlen(s->identity, sizeof(s->identity)) != MNP_SUB_IDENTITY_MAX - 1)
        return mnp_error_set(err, MNP_EINVAL, "subscriber %llu: identity must be %d characters",
                             num, MNP_SUB_IDENTITY_MAX - 1);
    if (s->registration < MNP_REG_PERSON || s->registration > MNP_REG_NONE ||
        s->status < MNP_SUB_NORMAL || s->status > MNP_SUB_SUSPENDED)
        return mnp_error_set(err, MNP_EINVAL, "subscriber %llu: unknown registration or status",
                             num);
    if (s->unpaid_fen < 0 || row->balance_fen < 0)
        return mnp_error_set(err, MNP_EINVAL, "subscriber %llu: amounts must be 0 or more", num);
    if (row->nservices > MNP_SERVICES_MAX)
        return mnp_error_set(err, MNP_EINVAL, "subscriber %llu: more than %d services", num,
                             MNP_SERVICES_MAX);
    for (size_t i = 0; i < row->nservices; i++)
        if (!fits(row->services[i], MNP_SERVICE_NAME_MAX, 1) ||
            strchr(row->services[i], ';') != NULL)
            return mnp_error_set(err, MNP_EINVAL,
                                 "subscriber %llu: a service is 1 to %d bytes without ';'", num,
                                 MNP_SERVICE_NAME_MAX - 1);
    return 0;
}

static void services_join(const mnp_subscriber_row_t *row, char out[SERVICES_TEXT_MAX])
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < row->nservices; i++) {
        size_t n = strlen(row->services[i]);
        if (i > 0)
            out[o++] = ';';
        memcpy(out + o, row->services[i], n);
        o += n;
        out[o] = '\0';
    }
}

/* The inverse of services_join; names beyond what a row holds are dropped (the store only
 * ever holds what check_row let through). */
static void services_split(const char *s, mnp_subscriber_row_t *row)
{
    row->nservices = 0;
    while (*s != '\0' && row->nservices < MNP_SERVICES_MAX) {
        size_t n = strcspn(s, ";");
        size_t keep = n < MNP_SERVICE_NAME_MAX - 1 ? n : MNP_SERVICE_NAME_MAX - 1;
        memcpy(row->services[row->nservices], s, keep);
        row->services[row->nservices++][keep] = '\0';
        s += n;
        if (*s == ';')
            s++;
    }
}

/* Binds ?1 .. ?10: the operator and the row's columns (services as the joined text). */
static void bind_row(sqlite3_stmt *st, const char *op, const mnp_subscriber_row_t *row,
                     const char *services)
{
    const mnp_subscriber_t *s = &row->sub;
    bind_key(st, op, s->number);
    sqlite3_bind_text(st, 3, s->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, s->identity, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, (int)s->registration);
    sqlite3_bind_int(st, 6, (int)s->status);
    sqlite3_bind_int64(st, 7, s->unpaid_fen);
    if (s->last_port_ms == 0)
        sqlite3_bind_null(st, 8);
    else
        sqlite3_bind_int64(st, 8, s->last_port_ms);
    sqlite3_bind_text(st, 9, services, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 10, row->balance_fen);
}

/* Reads a row of SUB_COLS. */
static void subscriber_row(sqlite3_stmt *st, mnp_gw_subscriber_t *out)
{
    memset(out, 0, sizeof(*out));
    mnp_subscriber_t *s = &out->row.sub;
    sqlite_column_text(st, 0, out->op, sizeof(out->op));
    s->number = (uint64_t)sqlite3_column_int64(st, 1);
    sqlite_column_text(st, 2, s->name, sizeof(s->name));
    sqlite_column_text(st, 3, s->identity, sizeof(s->identity));
    s->registration = (mnp_registration_t)sqlite3_column_int(st, 4);
    s->status = (mnp_sub_status_t)sqlite3_column_int(st, 5);
    s->unpaid_fen = sqlite3_column_int64(st, 6);
    s->last_port_ms = sqlite3_column_int64(st, 7);
    char services[SERVICES_TEXT_MAX];
    sqlite_column_text(st, 8, services, sizeof(services));
    services_split(services, &out->row);
    out->row.balance_fen = sqlite3_column_int64(st, 9);
    out->active = sqlite3_column_int(st, 10) != 0;
    out->status_since_ms = sqlite3_column_int64(st, 11);
    out->identity_since_ms = sqlite3_column_int64(st, 12);
    out->updated_ms = sqlite3_column_int64(st, 13);
}

/* 0 with *out, MNP_ENOENT (err untouched) when there is none. */
static int subscriber_read(store_conn_t *c, const char *op, uint64_t number,
                           mnp_gw_subscriber_t *out, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, SUB_GET, SQL_SUB_GET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    bind_key(st, op, number);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        subscriber_row(st, out);
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return MNP_ENOENT;
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading a subscriber", err);
    return 0;
}

static bool rows_equal(const mnp_subscriber_row_t *a, const mnp_subscriber_row_t *b)
{
    const mnp_subscriber_t *x = &a->sub, *y = &b->sub;
    if (x->number != y->number || strcmp(x->name, y->name) != 0 ||
        strcmp(x->identity, y->identity) != 0 || x->registration != y->registration ||
        x->status != y->status || x->unpaid_fen != y->unpaid_fen ||
        x->last_port_ms != y->last_port_ms || a->balance_fen != b->balance_fen ||
        a->nservices != b->nservices)
        return false;
    for (size_t i = 0; i < a->nservices; i++)
        if (strcmp(a->services[i], b->services[i]) != 0)
            return false;
    return true;
}

/* Stores row (checked) for op: inserted when new, updated when different. *what gets 1 for
 * added, 2 for changed, 0 for the same as stored. */
static int subscriber_put(store_conn_t *c, const char *op, const mnp_subscriber_row_t *row,
                          int64_t now_ms, int *what, mnp_error_t *err)
{
    mnp_gw_subscriber_t old;
    int rc = subscriber_read(c, op, row->sub.number, &old, err);
    if (rc != 0 && rc != MNP_ENOENT)
        return rc;
    bool found = rc == 0;
    *what = !found ? 1 : rows_equal(&old.row, row) ? 0 : 2;
    if (*what == 0)
        return 0;
    char services[SERVICES_TEXT_MAX];
    services_join(row, services);
    sqlite3_stmt *st = found ? sqlite_stmt(c, SUB_UPDATE, SQL_SUB_UPDATE, err)
                             : sqlite_stmt(c, SUB_INSERT, SQL_SUB_INSERT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    bind_row(st, op, row, services);
    if (!found) {
        sqlite3_bind_int64(st, 11, now_ms);
    } else {
        /* RULE D01/D02: the donor may object only to a status or owner that changed after the
         * code was issued, so these instants move only when the value itself does. */
        bool status_moved = old.row.sub.status != row->sub.status;
        bool identity_moved = strcmp(old.row.sub.identity, row->sub.identity) != 0;
        sqlite3_bind_int64(st, 11, status_moved ? now_ms : old.status_since_ms);
        sqlite3_bind_int64(st, 12, identity_moved ? now_ms : old.identity_since_ms);
        sqlite3_bind_int64(st, 13, now_ms);
    }
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "storing a subscriber", err);
    return 0;
}

int mnp_txn_gw_subscribers_put(mnp_txn_t *txn, const char *op, const mnp_subscriber_row_t *rows,
                               size_t n, int64_t now_ms, size_t *added, size_t *changed,
                               mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_op(op, err);
    /* Every row is checked before any is written, so a bad one is refused with nothing done. */
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = check_row(&rows[i], err);
    if (rc != 0)
        return rc;
    size_t nadded = 0, nchanged = 0;
    for (size_t i = 0; i < n; i++) {
        int what;
        rc = subscriber_put(c, op, &rows[i], now_ms, &what, err);
        if (rc != 0)
            return rc;
        nadded += what == 1;
        nchanged += what == 2;
    }
    if (added != NULL)
        *added = nadded;
    if (changed != NULL)
        *changed = nchanged;
    return 0;
}

int mnp_txn_gw_subscriber_get(mnp_txn_t *txn, const char *op, uint64_t number,
                              mnp_gw_subscriber_t *out, mnp_error_t *err)
{
    int rc = check_op(op, err);
    if (rc != 0)
        return rc;
    rc = number_ok(number) ? subscriber_read(sqlite_conn(txn), op, number, out, err) : MNP_ENOENT;
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "%s has no subscriber %llu", op, (unsigned long long)number);
    return rc;
}

int mnp_txn_gw_subscriber_set_active(mnp_txn_t *txn, const char *op, uint64_t number, bool active,
                                     int64_t now_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_op(op, err);
    if (rc != 0)
        return rc;
    if (!number_ok(number))
        return bad_number(number, err);
    sqlite3_stmt *st = sqlite_stmt(c, SUB_SET_ACTIVE, SQL_SUB_SET_ACTIVE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    bind_key(st, op, number);
    sqlite3_bind_int(st, 3, active ? 1 : 0);
    sqlite3_bind_int64(st, 4, now_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "marking a subscriber active", err);
    if (sqlite3_changes(c->db) == 0)
        return mnp_error_set(err, MNP_ENOENT, "%s has no subscriber %llu", op,
                             (unsigned long long)number);
    return 0;
}

/* ---- agreements --------------------------------------------------------------------------- */

static int check_agreement(const mnp_agreement_row_t *row, mnp_error_t *err)
{
    const mnp_agreement_t *a = &row->agreement;
    if (!number_ok(row->number))
        return bad_number(row->number, err);
    unsigned long long num = (unsigned long long)row->number;
    if (!fits(a->name, sizeof(a->name), 1))
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
static int subscriber_exists(store_conn_t *c, const char *op, uint64_t number, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, SUB_EXISTS, SQL_SUB_EXISTS, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    bind_key(st, op, number);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT,
                             "%s has no subscriber %llu: an agreement needs its subscriber first",
                             op, (unsigned long long)number);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "looking up a subscriber", err);
    return 0;
}

int mnp_txn_gw_agreements_add(mnp_txn_t *txn, const char *op, const mnp_agreement_row_t *rows,
                              size_t n, int64_t now_ms, size_t *added, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_op(op, err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = check_agreement(&rows[i], err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = subscriber_exists(c, op, rows[i].number, err);
    if (rc != 0)
        return rc;
    size_t nadded = 0;
    for (size_t i = 0; i < n; i++) {
        const mnp_agreement_t *a = &rows[i].agreement;
        sqlite3_stmt *st = sqlite_stmt(c, AGR_INSERT, SQL_AGR_INSERT, err);
        if (st == NULL)
            return err ? err->code : MNP_EIO;
        bind_key(st, op, rows[i].number);
        sqlite3_bind_text(st, 3, a->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, a->start_ms);
        sqlite3_bind_int64(st, 5, a->end_ms);
        sqlite3_bind_int64(st, 6, a->fee_fen);
        sqlite3_bind_int(st, 7, a->has_term ? 1 : 0);
        sqlite3_bind_int64(st, 8, now_ms);
        int s = sqlite3_step(st);
        sqlite3_reset(st);
        if (s != SQLITE_DONE)
            return sqlite_fail(c, "adding an agreement", err);
        nadded += (size_t)sqlite3_changes(c->db);
    }
    if (added != NULL)
        *added = nadded;
    return 0;
}

int mnp_txn_gw_agreements_of(mnp_txn_t *txn, const char *op, uint64_t number, mnp_agreement_t *out,
                             size_t max, size_t *n, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = check_op(op, err);
    if (rc != 0)
        return rc;
    *n = 0;
    if (!number_ok(number))
        return 0;
    sqlite3_stmt *st = sqlite_stmt(c, AGR_OF, SQL_AGR_OF, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    bind_key(st, op, number);
    size_t count = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (count < max) {
            mnp_agreement_t *a = &out[count];
            a->id = sqlite3_column_int64(st, 0);
            sqlite_column_text(st, 1, a->name, sizeof(a->name));
            a->start_ms = sqlite3_column_int64(st, 2);
            a->end_ms = sqlite3_column_int64(st, 3);
            a->fee_fen = sqlite3_column_int64(st, 4);
            a->has_term = sqlite3_column_int(st, 5) != 0;
            a->created_ms = sqlite3_column_int64(st, 6);
        }
        count++;
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "reading agreements", err);
    *n = count;
    return 0;
}

/* ---- the freeze and issued codes ---------------------------------------------------------- */

int mnp_txn_gw_freeze(mnp_txn_t *txn, const char *op, uint64_t number, int64_t now_ms,
                      int64_t *first_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_op(op, err);
    if (rc != 0)
        return rc;
    if (!number_ok(number))
        return bad_number(number, err);
    sqlite3_stmt *st = sqlite_stmt(c, FREEZE_INSERT, SQL_FREEZE_INSERT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    /* RULE §3.1: only the first query freezes; later ones leave its instant alone. */
    bind_key(st, op, number);
    sqlite3_bind_int64(st, 3, now_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "recording a freeze", err);
    return mnp_txn_gw_freeze_get(txn, op, number, first_ms, err);
}

/* Reads the two-column-or-less row of op's number from the statement in slot. */
static int read_instants(store_conn_t *c, int slot, const char *sql, const char *op,
                         uint64_t number, int64_t *a, int64_t *b, const char *what,
                         mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, slot, sql, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    bind_key(st, op, number);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *a = sqlite3_column_int64(st, 0);
        if (b != NULL)
            *b = sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return MNP_ENOENT;
    if (s != SQLITE_ROW)
        return sqlite_fail(c, what, err);
    return 0;
}

int mnp_txn_gw_freeze_get(mnp_txn_t *txn, const char *op, uint64_t number, int64_t *first_ms,
                          mnp_error_t *err)
{
    int rc = check_op(op, err);
    if (rc != 0)
        return rc;
    rc = number_ok(number) ? read_instants(sqlite_conn(txn), FREEZE_GET, SQL_FREEZE_GET, op, number,
                                           first_ms, NULL, "reading a freeze", err)
                           : MNP_ENOENT;
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "number %llu of %s was never queried",
                             (unsigned long long)number, op);
    return rc;
}

int mnp_txn_gw_code_issued(mnp_txn_t *txn, const char *op, uint64_t number, int64_t issued_ms,
                           int64_t expires_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = check_op(op, err);
    if (rc != 0)
        return rc;
    if (!number_ok(number))
        return bad_number(number, err);
    if (expires_ms < issued_ms)
        return mnp_error_set(err, MNP_EINVAL, "a code cannot expire before it is issued");
    sqlite3_stmt *st = sqlite_stmt(c, CODE_PUT, SQL_CODE_PUT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    bind_key(st, op, number);
    sqlite3_bind_int64(st, 3, issued_ms);
    sqlite3_bind_int64(st, 4, expires_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "recording an issued code", err);
    return 0;
}

int mnp_txn_gw_code_get(mnp_txn_t *txn, const char *op, uint64_t number, int64_t *issued_ms,
                        int64_t *expires_ms, mnp_error_t *err)
{
    int rc = check_op(op, err);
    if (rc != 0)
        return rc;
    rc = number_ok(number) ? read_instants(sqlite_conn(txn), CODE_GET, SQL_CODE_GET, op, number,
                                           issued_ms, expires_ms, "reading an issued code", err)
                           : MNP_ENOENT;
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "%s issued no code for number %llu", op,
                             (unsigned long long)number);
    return rc;
}
