/*
 * Private to the SQLite backend: the connection with its cache of prepared statements, and the
 * helpers its files share. Statements are prepared on first use and kept for the connection's
 * life; every statement the backend runs is listed in sqlite_stmt_id so the cache is an array.
 */
#ifndef MNP_SQLITE_INT_H
#define MNP_SQLITE_INT_H

#include <sqlite3.h>

#include "storeInt.h"

/* Application id stored in every mnp database ("MNPD"), so a foreign SQLite file is refused. */
#define SQLITE_APP_ID 0x4D4E5044

/* Prepared-statement cache slots. Each file of the backend owns a range and numbers its
 * statements inside it, so files can add statements without touching each other. */
enum {
    STMT_OPERATORS_BASE = 0, /* sqlite_operators.c */
    STMT_NUMPLAN_BASE = 16,  /* sqlite_numplan.c */
    STMT_AUDIT_BASE = 32,    /* sqlite_audit.c */
    STMT_ORDERS_BASE = 48,   /* sqlite_orders.c */
    STMT_FEED_BASE = 80,     /* sqlite_feed.c */
    STMT_NPDB_BASE = 112,    /* sqlite_npdb.c */
    STMT_TXN_BASE = 144,     /* sqlite.c: transaction control */
    STMT_STATS_BASE = 152,   /* sqlite_stats.c */
    STMT_GATEWAY_BASE = 160, /* sqlite_gateway.c (+0..23), sqlite_gateway_queue.c (+24..47) */
    STMT_GW_REPORTS_BASE = 208, /* sqlite_gateway_reports.c */
    STMT_COUNT = 216
};

struct store_conn {
    sqlite3 *db;
    sqlite3_stmt *stmts[STMT_COUNT];
    char *path; /* owned; for messages */
};

/* The connection behind a transaction. */
static inline store_conn_t *sqlite_conn(mnp_txn_t *txn)
{
    return txn->conn;
}

/* The statement sql, prepared once per connection and cached in slot (which must always be
 * used with the same sql), reset and unbound; NULL with err set on failure. */
sqlite3_stmt *sqlite_stmt(store_conn_t *c, int slot, const char *sql, mnp_error_t *err);

/* Turns the connection's last error into err; returns the matching MNP_E* code. */
int sqlite_fail(store_conn_t *c, const char *what, mnp_error_t *err);

/* Runs sql (no results) on c. */
int sqlite_exec(store_conn_t *c, const char *sql, mnp_error_t *err);

/* Applies every migration newer than the file's schema (writer connection, at open). */
int sqlite_migrate(store_conn_t *c, mnp_error_t *err);

/* Copies text column col of the current row of st into dst (size bytes, NUL-terminated, cut if
 * longer; "" for NULL). */
void sqlite_column_text(sqlite3_stmt *st, int col, char *dst, size_t size);

/* Reads every row of the statement in slot (sql) into a new array of elem_size-byte elements,
 * each filled by row(st, element); *out (caller frees) and *n receive them. what names the rows
 * in an error message. */
int sqlite_load_rows(store_conn_t *c, int slot, const char *sql, size_t elem_size,
                     void (*row)(sqlite3_stmt *st, void *elem), void **out, size_t *n,
                     const char *what, mnp_error_t *err);

/* Refuses a write on a read-only transaction. */
int sqlite_need_write(mnp_txn_t *txn, mnp_error_t *err);

#endif
