/*
 * An operator gateway's subscriber records, freezes and issued codes in the SQLite backend
 * (store_gateway.h); its term agreements are in sqlite_gateway_agreements.c. Every statement names
 * the operator first, matching the tables' keys, so one tenant never reads or changes another's
 * rows. Subscribers are upserted one by one, reading the stored record first: only a real change
 * moves updated_ms, and only a changed status or identity moves the instant the donor's objections
 * D01 and D02 are judged against.
 */
#include <string.h>

#include "gatewayInt.h"

/* Slots STMT_GATEWAY_BASE + 0 .. + 15; sqlite_gateway_agreements.c has + 16 .. + 23,
 * sqlite_gateway_queue.c + 24 .. + 47. */
enum {
    SUB_GET = STMT_GATEWAY_BASE,
    SUB_INSERT,
    SUB_UPDATE,
    SUB_SET_ACTIVE,
    SUB_EXISTS,
    FREEZE_INSERT,
    FREEZE_GET,
    CODE_PUT,
    CODE_GET,
};

#define SUB_COLS                                                                                   \
    "op, number, name, identity, registration, status, unpaid_fen, last_port_ms, services, "       \
    "balance_fen, active, status_since_ms, identity_since_ms, updated_ms"
#define SQL_SUB_GET "SELECT " SUB_COLS " FROM gw_subscribers WHERE op = ?1 AND number = ?2"
/* ?1 .. ?10 are the row in every statement that takes one (subscriber_put). */
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

static void bind_val(sqlite3_stmt *st, int i, const gw_val_t *v)
{
    if (v->kind == GW_V_TEXT)
        sqlite3_bind_text(st, i, v->s, -1, SQLITE_STATIC);
    else if (v->kind == GW_V_INT_OR_NULL && v->i == 0)
        sqlite3_bind_null(st, i);
    else
        sqlite3_bind_int64(st, i, v->i);
}

sqlite3_stmt *gw_stmt(store_conn_t *c, int slot, const char *sql, const gw_val_t *vals, size_t n,
                      mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, slot, sql, err);
    for (size_t i = 0; st != NULL && i < n; i++)
        bind_val(st, (int)i + 1, &vals[i]);
    return st;
}

int gw_run(store_conn_t *c, int slot, const char *sql, const gw_val_t *vals, size_t n,
           const char *what, mnp_error_t *err)
{
    sqlite3_stmt *st = gw_stmt(c, slot, sql, vals, n, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : sqlite_fail(c, what, err);
}

int gw_row(store_conn_t *c, int slot, const char *sql, const gw_val_t *vals, size_t n,
           void (*read)(sqlite3_stmt *st, void *out), void *out, const char *what, mnp_error_t *err)
{
    sqlite3_stmt *st = gw_stmt(c, slot, sql, vals, n, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW && read != NULL)
        read(st, out);
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return MNP_ENOENT;
    return s == SQLITE_ROW ? 0 : sqlite_fail(c, what, err);
}

void gw_ints_row(sqlite3_stmt *st, void *out)
{
    int64_t *v = out;
    int n = sqlite3_column_count(st);
    for (int i = 0; i < n && i < GW_INTS_MAX; i++)
        v[i] = sqlite3_column_int64(st, i);
}

int gw_bad_number(uint64_t number, mnp_error_t *err)
{
    return mnp_error_set(err, MNP_EINVAL, "%llu is not an E.164 number",
                         (unsigned long long)number);
}

/* The checks of a write of op's number. */
int gw_write_start_number(mnp_txn_t *txn, const char *op, uint64_t number, mnp_error_t *err)
{
    int rc = gw_write_start(txn, op, err);
    if (rc == 0 && !gw_number_ok(number))
        rc = gw_bad_number(number, err);
    return rc;
}

/* Reads the row of op's number from the statement in slot (?1 op, ?2 number) with read: 0, or
 * MNP_ENOENT with err untouched when there is none (a number that is not E.164 has none). */
int gw_key_row(store_conn_t *c, int slot, const char *sql, const char *op, uint64_t number,
               void (*read)(sqlite3_stmt *st, void *out), void *out, const char *what,
               mnp_error_t *err)
{
    if (!gw_number_ok(number))
        return MNP_ENOENT;
    return gw_row(c, slot, sql, GW_VALS(GW_TEXT(op), GW_INT(number)), read, out, what, err);
}

/* ---- subscribers -------------------------------------------------------------------------- */

static int check_row(const mnp_subscriber_row_t *row, mnp_error_t *err)
{
    const mnp_subscriber_t *s = &row->sub;
    if (!gw_number_ok(s->number))
        return gw_bad_number(s->number, err);
    unsigned long long num = (unsigned long long)s->number;
    if (!gw_fits(s->name, sizeof(s->name), 1))
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
        if (!gw_fits(row->services[i], MNP_SERVICE_NAME_MAX, 1) ||
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

/* Reads a row of SUB_COLS into the mnp_gw_subscriber_t out. */
static void subscriber_row(sqlite3_stmt *st, void *out)
{
    mnp_gw_subscriber_t *g = out;
    memset(g, 0, sizeof(*g));
    mnp_subscriber_t *s = &g->row.sub;
    sqlite_column_text(st, 0, g->op, sizeof(g->op));
    s->number = (uint64_t)sqlite3_column_int64(st, 1);
    sqlite_column_text(st, 2, s->name, sizeof(s->name));
    sqlite_column_text(st, 3, s->identity, sizeof(s->identity));
    s->registration = (mnp_registration_t)sqlite3_column_int(st, 4);
    s->status = (mnp_sub_status_t)sqlite3_column_int(st, 5);
    s->unpaid_fen = sqlite3_column_int64(st, 6);
    s->last_port_ms = sqlite3_column_int64(st, 7);
    char services[SERVICES_TEXT_MAX];
    sqlite_column_text(st, 8, services, sizeof(services));
    services_split(services, &g->row);
    g->row.balance_fen = sqlite3_column_int64(st, 9);
    g->active = sqlite3_column_int(st, 10) != 0;
    g->status_since_ms = sqlite3_column_int64(st, 11);
    g->identity_since_ms = sqlite3_column_int64(st, 12);
    g->updated_ms = sqlite3_column_int64(st, 13);
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
    const mnp_subscriber_t *s = &row->sub;
    mnp_gw_subscriber_t old;
    int rc = gw_key_row(c, SUB_GET, SQL_SUB_GET, op, s->number, subscriber_row, &old,
                        "reading a subscriber", err);
    if (rc != 0 && rc != MNP_ENOENT)
        return rc;
    bool found = rc == 0;
    *what = !found ? 1 : rows_equal(&old.row, row) ? 0 : 2;
    if (*what == 0)
        return 0;
    char services[SERVICES_TEXT_MAX];
    services_join(row, services);
    /* RULE D01/D02: the donor may object only to a status or owner that changed after the code
     * was issued, so these instants move only when the value itself does. */
    bool keep_status = found && old.row.sub.status == s->status;
    bool keep_identity = found && strcmp(old.row.sub.identity, s->identity) == 0;
    /* ?1 .. ?10 the row; an insert takes ?11 (now) only, an update ?11 .. ?13. */
    const gw_val_t v[] = {
        GW_TEXT(op),
        GW_INT(s->number),
        GW_TEXT(s->name),
        GW_TEXT(s->identity),
        GW_INT(s->registration),
        GW_INT(s->status),
        GW_INT(s->unpaid_fen),
        GW_INT_OR_NULL(s->last_port_ms),
        GW_TEXT(services),
        GW_INT(row->balance_fen),
        GW_INT(keep_status ? old.status_since_ms : now_ms),
        GW_INT(keep_identity ? old.identity_since_ms : now_ms),
        GW_INT(now_ms),
    };
    if (found)
        return gw_run(c, SUB_UPDATE, SQL_SUB_UPDATE, v, 13, "storing a subscriber", err);
    return gw_run(c, SUB_INSERT, SQL_SUB_INSERT, v, 11, "storing a subscriber", err);
}

int mnp_txn_gw_subscribers_put(mnp_txn_t *txn, const char *op, const mnp_subscriber_row_t *rows,
                               size_t n, int64_t now_ms, size_t *added, size_t *changed,
                               mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_write_start(txn, op, err);
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
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_key_row(sqlite_conn(txn), SUB_GET, SQL_SUB_GET, op, number, subscriber_row, out,
                        "reading a subscriber", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "%s has no subscriber %llu", op, (unsigned long long)number);
    return rc;
}

int mnp_txn_gw_subscriber_set_active(mnp_txn_t *txn, const char *op, uint64_t number, bool active,
                                     int64_t now_ms, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = gw_write_start_number(txn, op, number, err);
    if (rc == 0)
        rc = gw_run(c, SUB_SET_ACTIVE, SQL_SUB_SET_ACTIVE,
                    GW_VALS(GW_TEXT(op), GW_INT(number), GW_INT(active ? 1 : 0), GW_INT(now_ms)),
                    "marking a subscriber active", err);
    if (rc != 0)
        return rc;
    if (sqlite3_changes(c->db) == 0)
        return mnp_error_set(err, MNP_ENOENT, "%s has no subscriber %llu", op,
                             (unsigned long long)number);
    return 0;
}

int gw_subscriber_exists(store_conn_t *c, const char *op, uint64_t number, mnp_error_t *err)
{
    int rc = gw_key_row(c, SUB_EXISTS, SQL_SUB_EXISTS, op, number, NULL, NULL,
                        "looking up a subscriber", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc,
                             "%s has no subscriber %llu: an agreement needs its subscriber first",
                             op, (unsigned long long)number);
    return rc;
}

/* ---- the freeze and issued codes ---------------------------------------------------------- */

int mnp_txn_gw_freeze(mnp_txn_t *txn, const char *op, uint64_t number, int64_t now_ms,
                      int64_t *first_ms, mnp_error_t *err)
{
    int rc = gw_write_start_number(txn, op, number, err);
    /* RULE §3.1: only the first query freezes; later ones leave its instant alone. */
    if (rc == 0)
        rc =
            gw_run(sqlite_conn(txn), FREEZE_INSERT, SQL_FREEZE_INSERT,
                   GW_VALS(GW_TEXT(op), GW_INT(number), GW_INT(now_ms)), "recording a freeze", err);
    return rc != 0 ? rc : mnp_txn_gw_freeze_get(txn, op, number, first_ms, err);
}

int mnp_txn_gw_freeze_get(mnp_txn_t *txn, const char *op, uint64_t number, int64_t *first_ms,
                          mnp_error_t *err)
{
    int64_t v[GW_INTS_MAX];
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_key_row(sqlite_conn(txn), FREEZE_GET, SQL_FREEZE_GET, op, number, gw_ints_row, v,
                        "reading a freeze", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "number %llu of %s was never queried",
                             (unsigned long long)number, op);
    if (rc == 0)
        *first_ms = v[0];
    return rc;
}

int mnp_txn_gw_code_issued(mnp_txn_t *txn, const char *op, uint64_t number, int64_t issued_ms,
                           int64_t expires_ms, mnp_error_t *err)
{
    int rc = gw_write_start_number(txn, op, number, err);
    if (rc != 0)
        return rc;
    if (expires_ms < issued_ms)
        return mnp_error_set(err, MNP_EINVAL, "a code cannot expire before it is issued");
    return gw_run(sqlite_conn(txn), CODE_PUT, SQL_CODE_PUT,
                  GW_VALS(GW_TEXT(op), GW_INT(number), GW_INT(issued_ms), GW_INT(expires_ms)),
                  "recording an issued code", err);
}

int mnp_txn_gw_code_get(mnp_txn_t *txn, const char *op, uint64_t number, int64_t *issued_ms,
                        int64_t *expires_ms, mnp_error_t *err)
{
    int64_t v[GW_INTS_MAX];
    int rc = gw_check_op(op, err);
    if (rc == 0)
        rc = gw_key_row(sqlite_conn(txn), CODE_GET, SQL_CODE_GET, op, number, gw_ints_row, v,
                        "reading an issued code", err);
    if (rc == MNP_ENOENT)
        return mnp_error_set(err, rc, "%s issued no code for number %llu", op,
                             (unsigned long long)number);
    if (rc == 0) {
        *issued_ms = v[0];
        *expires_ms = v[1];
    }
    return rc;
}
