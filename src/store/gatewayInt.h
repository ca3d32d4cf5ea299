/*
 * Private to the gateway's files of the SQLite backend (sqlite_gateway.c,
 * sqlite_gateway_agreements.c, sqlite_gateway_queue.c, sqlite_gateway_reports.c): the argument
 * checks every gateway function starts with, and the one way their statements are bound and run. A
 * statement's parameters are given as a list of values, ?1 first, so each function states what it
 * binds once instead of in a run of sqlite3_bind calls, and stepping, resetting and turning a
 * failure into err happen in one place.
 */
#ifndef MNP_GATEWAY_INT_H
#define MNP_GATEWAY_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mnp/store_gateway.h"
#include "mnp/store_orders.h"
#include "sqliteInt.h"

static inline int gw_check_op(const char *op, mnp_error_t *err)
{
    size_t n = op != NULL ? strnlen(op, MNP_STORE_CODE_MAX) : 0;
    if (n == 0 || n >= MNP_STORE_CODE_MAX)
        return mnp_error_set(err, MNP_EINVAL, "operator code must be 1 to %d characters",
                             MNP_STORE_CODE_MAX - 1);
    return 0;
}

static inline bool gw_number_ok(uint64_t number)
{
    return number != 0 && number <= MNP_STORE_NUMBER_MAX;
}

/* Whether s (an array of size bytes) holds a string of min_len..size-1 bytes. */
static inline bool gw_fits(const char *s, size_t size, size_t min_len)
{
    size_t n = strnlen(s, size);
    return n < size && n >= min_len;
}

/* The start of every write of op's rows: a write transaction and a well-formed op. */
static inline int gw_write_start(mnp_txn_t *txn, const char *op, mnp_error_t *err)
{
    int rc = sqlite_need_write(txn, err);
    return rc != 0 ? rc : gw_check_op(op, err);
}

/* One statement parameter. */
typedef struct gw_val {
    enum { GW_V_TEXT, GW_V_INT, GW_V_INT_OR_NULL } kind;
    int64_t i;
    const char *s; /* borrowed until the statement is reset */
} gw_val_t;

#define GW_TEXT(v)                                                                                 \
    {                                                                                              \
        .kind = GW_V_TEXT, .s = (v)                                                                \
    }
#define GW_INT(v)                                                                                  \
    {                                                                                              \
        .kind = GW_V_INT, .i = (int64_t)(v)                                                        \
    }
/* NULL for 0: the columns that hold "none yet" as NULL. */
#define GW_INT_OR_NULL(v)                                                                          \
    {                                                                                              \
        .kind = GW_V_INT_OR_NULL, .i = (int64_t)(v)                                                \
    }
/* The values ?1, ?2, ... as the two arguments (array, count) the functions below take. */
#define GW_VALS(...)                                                                               \
    (const gw_val_t[]){__VA_ARGS__}, sizeof((const gw_val_t[]){__VA_ARGS__}) / sizeof(gw_val_t)

/* The statement in slot (sql), with vals[0..n) bound as ?1..?n; NULL with err set. */
sqlite3_stmt *gw_stmt(store_conn_t *c, int slot, const char *sql, const gw_val_t *vals, size_t n,
                      mnp_error_t *err);

/* Runs a statement that returns no rows to its end; what names it in an error message. */
int gw_run(store_conn_t *c, int slot, const char *sql, const gw_val_t *vals, size_t n,
           const char *what, mnp_error_t *err);

/* Reads the first row of a statement with read(st, out) (NULL: only whether there is one).
 * 0, MNP_ENOENT with err untouched when there is no row, or the failure with err set. */
int gw_row(store_conn_t *c, int slot, const char *sql, const gw_val_t *vals, size_t n,
           void (*read)(sqlite3_stmt *st, void *out), void *out, const char *what,
           mnp_error_t *err);

/* The error of a number that is not E.164 (MNP_EINVAL). */
int gw_bad_number(uint64_t number, mnp_error_t *err);

/* The checks of a write of op's number: a write transaction, a well-formed op and number. */
int gw_write_start_number(mnp_txn_t *txn, const char *op, uint64_t number, mnp_error_t *err);

/* Reads the row of op's number from the statement in slot (?1 op, ?2 number) with read: 0, or
 * MNP_ENOENT with err untouched when there is none (a number that is not E.164 has none). */
int gw_key_row(store_conn_t *c, int slot, const char *sql, const char *op, uint64_t number,
               void (*read)(sqlite3_stmt *st, void *out), void *out, const char *what,
               mnp_error_t *err);

/* Whether op has a subscriber with number: 0, MNP_ENOENT with err naming the number, or the
 * store's failure. */
int gw_subscriber_exists(store_conn_t *c, const char *op, uint64_t number, mnp_error_t *err);

/* A row reader for gw_row: integer columns 0, 1, ... into the int64_t array out, as many as
 * the row has, at most GW_INTS_MAX. */
#define GW_INTS_MAX 2
void gw_ints_row(sqlite3_stmt *st, void *out);

#endif
