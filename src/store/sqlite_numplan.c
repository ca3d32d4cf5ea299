/*
 * Blocks and routing numbers in the SQLite backend. An import is a full replacement, done as a
 * merge: the stored rows are read in key order, compared with the new set sorted the same way,
 * and only the differences are written. That gives the added/removed/changed counts an
 * administrator wants to see, and keeps a re-import of an unchanged file from rewriting (and
 * fsyncing) every row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/alloc.h"
#include "mnp/store_numplan.h"
#include "sqliteInt.h"

enum {
    BLOCK_ALL = STMT_NUMPLAN_BASE,
    BLOCK_INSERT,
    BLOCK_UPDATE,
    BLOCK_DELETE,
    BLOCK_GET,
    BLOCK_COUNT,
    ROUTING_ALL,
    ROUTING_INSERT,
    ROUTING_UPDATE,
    ROUTING_DELETE,
    ROUTING_GET,
    NUMPLAN_STMT_END
};
_Static_assert(NUMPLAN_STMT_END <= STMT_NUMPLAN_BASE + 16, "sqlite_numplan.c owns 16 slots");

#define SQL_BLOCK_ALL    "SELECT block, holder, local_network FROM blocks ORDER BY block"
#define SQL_BLOCK_INSERT "INSERT INTO blocks(block, holder, local_network) VALUES (?1, ?2, ?3)"
#define SQL_BLOCK_UPDATE "UPDATE blocks SET holder = ?2, local_network = ?3 WHERE block = ?1"
#define SQL_BLOCK_DELETE "DELETE FROM blocks WHERE block = ?1"
#define SQL_BLOCK_GET    "SELECT block, holder, local_network FROM blocks WHERE block = ?1"
#define SQL_BLOCK_COUNT  "SELECT count(*) FROM blocks"
#define SQL_ROUTING_ALL                                                                            \
    "SELECT operator, local_network, routing_number FROM routing "                                 \
    "ORDER BY operator, local_network"
#define SQL_ROUTING_INSERT                                                                         \
    "INSERT INTO routing(operator, local_network, routing_number) VALUES (?1, ?2, ?3)"
#define SQL_ROUTING_UPDATE                                                                         \
    "UPDATE routing SET routing_number = ?3 WHERE operator = ?1 AND local_network = ?2"
#define SQL_ROUTING_DELETE "DELETE FROM routing WHERE operator = ?1 AND local_network = ?2"
#define SQL_ROUTING_GET                                                                            \
    "SELECT operator, local_network, routing_number FROM routing "                                 \
    "WHERE operator = ?1 AND local_network = ?2"

/* Runs a statement that returns no rows (it is reset afterwards). */
static int step_done(store_conn_t *c, sqlite3_stmt *st, const char *what, mnp_error_t *err)
{
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, what, err);
    return 0;
}

/* Prepares the cached statement of slot with three text parameters (p3 may be NULL). */
static sqlite3_stmt *stmt_text3(store_conn_t *c, int slot, const char *sql, const char *p1,
                                const char *p2, const char *p3, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, slot, sql, err);
    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
    if (p3 != NULL)
        sqlite3_bind_text(st, 3, p3, -1, SQLITE_STATIC);
    return st;
}

/* ---- blocks ------------------------------------------------------------------------------- */

static void block_row(sqlite3_stmt *st, mnp_block_rec_t *out)
{
    out->block = (uint32_t)sqlite3_column_int64(st, 0);
    sqlite_column_text(st, 1, out->holder, sizeof(out->holder));
    sqlite_column_text(st, 2, out->local_network, sizeof(out->local_network));
}

static void block_row_any(sqlite3_stmt *st, void *elem)
{
    block_row(st, elem);
}

/* Reads every stored block, ascending, into a new array (*out, caller frees). */
static int blocks_load(store_conn_t *c, mnp_block_rec_t **out, size_t *n, mnp_error_t *err)
{
    void *rows;
    int rc = sqlite_load_rows(c, BLOCK_ALL, SQL_BLOCK_ALL, sizeof(**out), block_row_any, &rows, n,
                              "reading blocks", err);
    *out = rows;
    return rc;
}

/* Writes block b with holder and local network through the statement of slot (insert/update). */
static int block_put(store_conn_t *c, int slot, const char *sql, uint32_t b, const char *holder,
                     const char *ln, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, slot, sql, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, b);
    sqlite3_bind_text(st, 2, holder, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, ln, -1, SQLITE_STATIC);
    return step_done(c, st, "writing a block", err);
}

static int block_delete(store_conn_t *c, uint32_t b, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, BLOCK_DELETE, SQL_BLOCK_DELETE, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, b);
    return step_done(c, st, "removing a block", err);
}

int mnp_txn_blocks_replace(mnp_txn_t *txn, const mnp_numplan_t *plan, mnp_store_diff_t *diff,
                           mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    mnp_store_diff_t d = {0};
    mnp_block_rec_t *old = NULL;
    size_t nold = 0, i = 0, j = 0, nnew = mnp_numplan_block_count(plan);
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = blocks_load(c, &old, &nold, err);
    /* Both sides ascend by block: one merge pass finds every difference. */
    while (rc == 0 && (i < nold || j < nnew)) {
        uint32_t b = 0;
        mnp_operator_t holder = MNP_OP_NONE;
        const char *ln = "";
        if (j < nnew)
            mnp_numplan_block_at(plan, j, &b, &holder, &ln);
        if (j >= nnew || (i < nold && old[i].block < b)) {
            rc = block_delete(c, old[i++].block, err);
            d.removed++;
            continue;
        }
        const char *code = mnp_operator_code(holder);
        if (i >= nold || old[i].block > b) {
            rc = block_put(c, BLOCK_INSERT, SQL_BLOCK_INSERT, b, code, ln, err);
            d.added++;
        } else if (strcmp(old[i].holder, code) != 0 || strcmp(old[i].local_network, ln) != 0) {
            rc = block_put(c, BLOCK_UPDATE, SQL_BLOCK_UPDATE, b, code, ln, err);
            d.changed++;
            i++;
        } else {
            d.unchanged++;
            i++;
        }
        j++;
    }
    free(old);
    if (rc == 0 && diff != NULL)
        *diff = d;
    return rc;
}

int mnp_txn_block_get(mnp_txn_t *txn, uint32_t block, mnp_block_rec_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, BLOCK_GET, SQL_BLOCK_GET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int64(st, 1, block);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        block_row(st, out);
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT, "block %u is not in the number plan", block);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading a block", err);
    return 0;
}

int mnp_txn_block_count(mnp_txn_t *txn, size_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, BLOCK_COUNT, SQL_BLOCK_COUNT, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        *out = (size_t)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "counting blocks", err);
    return 0;
}

/* ---- routing numbers ---------------------------------------------------------------------- */

static void routing_row(sqlite3_stmt *st, mnp_routing_entry_t *out)
{
    sqlite_column_text(st, 0, out->operator_code, sizeof(out->operator_code));
    sqlite_column_text(st, 1, out->local_network, sizeof(out->local_network));
    sqlite_column_text(st, 2, out->routing_number, sizeof(out->routing_number));
    out->line = 0;
}

static int key_cmp(const mnp_routing_entry_t *x, const mnp_routing_entry_t *y)
{
    /* strcmp orders like SQLite's BINARY collation, which ORDER BY uses on these columns. */
    int c = strcmp(x->operator_code, y->operator_code);
    return c != 0 ? c : strcmp(x->local_network, y->local_network);
}

/* A new entry with its position in the caller's table, so that sorting keeps file order among
 * equal keys and an error can name the entry the caller knows. */
typedef struct keyed {
    mnp_routing_entry_t e;
    size_t idx;
} keyed_t;

static int keyed_cmp(const void *a, const void *b)
{
    const keyed_t *x = a, *y = b;
    int c = key_cmp(&x->e, &y->e);
    return c != 0 ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* Sets err for entry e (the idx-th of table t) as "name: line N: msg". */
static int entry_error(const mnp_routing_table_t *t, const mnp_routing_entry_t *e, size_t idx,
                       int code, const char *msg, mnp_error_t *err)
{
    const char *name = t->name ? t->name : "routing table";
    if (e->line != 0)
        return mnp_error_set(err, code, "%s: line %zu: %s", name, e->line, msg);
    return mnp_error_set(err, code, "%s: entry %zu: %s", name, idx + 1, msg);
}

/* Checks every entry of t in order (fields, operator exists), so the first bad one is named. */
static int routing_check(mnp_txn_t *txn, const mnp_routing_table_t *t, mnp_error_t *err)
{
    mnp_error_t e;
    char msg[MNP_ERROR_MSG_MAX];
    for (size_t i = 0; i < t->n; i++) {
        const mnp_routing_entry_t *r = &t->v[i];
        int rc = mnp_routing_entry_check(r->operator_code, r->local_network, r->routing_number, &e);
        if (rc != 0)
            return entry_error(t, r, i, rc, e.msg, err);
        mnp_operator_rec_t op;
        rc = mnp_txn_operator_get(txn, r->operator_code, &op, &e);
        if (rc == MNP_ENOENT) {
            snprintf(msg, sizeof(msg), "no operator %s (add the operator first)", r->operator_code);
            return entry_error(t, r, i, rc, msg, err);
        }
        if (rc != 0) {
            if (err != NULL)
                *err = e;
            return rc;
        }
    }
    return 0;
}

static void routing_row_any(sqlite3_stmt *st, void *elem)
{
    routing_row(st, elem);
}

/* Reads every stored routing number, in key order, into a new array (*out, caller frees). */
static int routing_load(store_conn_t *c, mnp_routing_entry_t **out, size_t *n, mnp_error_t *err)
{
    void *rows;
    int rc = sqlite_load_rows(c, ROUTING_ALL, SQL_ROUTING_ALL, sizeof(**out), routing_row_any,
                              &rows, n, "reading routing numbers", err);
    *out = rows;
    return rc;
}

/* Merges the sorted new entries into the stored ones (both in key order). */
static int routing_merge(store_conn_t *c, const mnp_routing_entry_t *old, size_t nold,
                         const keyed_t *nw, size_t nnew, mnp_store_diff_t *d, mnp_error_t *err)
{
    size_t i = 0, j = 0;
    int rc = 0;
    while (rc == 0 && (i < nold || j < nnew)) {
        int cmp = j >= nnew ? -1 : i >= nold ? 1 : key_cmp(&old[i], &nw[j].e);
        sqlite3_stmt *st;
        if (cmp < 0) {
            st = stmt_text3(c, ROUTING_DELETE, SQL_ROUTING_DELETE, old[i].operator_code,
                            old[i].local_network, NULL, err);
            d->removed++;
            i++;
        } else if (cmp > 0) {
            st = stmt_text3(c, ROUTING_INSERT, SQL_ROUTING_INSERT, nw[j].e.operator_code,
                            nw[j].e.local_network, nw[j].e.routing_number, err);
            d->added++;
            j++;
        } else if (strcmp(old[i].routing_number, nw[j].e.routing_number) != 0) {
            st = stmt_text3(c, ROUTING_UPDATE, SQL_ROUTING_UPDATE, nw[j].e.operator_code,
                            nw[j].e.local_network, nw[j].e.routing_number, err);
            d->changed++;
            i++;
            j++;
        } else {
            d->unchanged++;
            i++;
            j++;
            continue;
        }
        rc = st == NULL ? (err ? err->code : MNP_EIO)
                        : step_done(c, st, "writing routing numbers", err);
    }
    return rc;
}

int mnp_txn_routing_replace(mnp_txn_t *txn, const mnp_routing_table_t *table,
                            mnp_store_diff_t *diff, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    mnp_store_diff_t d = {0};
    mnp_routing_entry_t *old = NULL;
    keyed_t *sorted = NULL;
    size_t nold = 0;
    int rc = sqlite_need_write(txn, err);
    if (rc == 0)
        rc = routing_check(txn, table, err);
    if (rc != 0)
        return rc;
    sorted = mnp_xmalloc((table->n ? table->n : 1) * sizeof(*sorted));
    for (size_t k = 0; k < table->n; k++) {
        sorted[k].e = table->v[k];
        sorted[k].idx = k;
    }
    if (table->n > 0)
        qsort(sorted, table->n, sizeof(*sorted), keyed_cmp);
    for (size_t k = 1; k < table->n; k++) {
        if (key_cmp(&sorted[k - 1].e, &sorted[k].e) == 0) {
            char msg[96];
            snprintf(msg, sizeof(msg), "%s in local network %s is given twice",
                     sorted[k].e.operator_code, sorted[k].e.local_network);
            rc = entry_error(table, &table->v[sorted[k].idx], sorted[k].idx, MNP_EEXIST, msg, err);
            goto fail;
        }
    }
    rc = routing_load(c, &old, &nold, err);
    if (rc == 0)
        rc = routing_merge(c, old, nold, sorted, table->n, &d, err);
    if (rc == 0 && diff != NULL)
        *diff = d;
fail:
    free(old);
    free(sorted);
    return rc;
}

int mnp_txn_routing_get(mnp_txn_t *txn, const char *operator_code, const char *local_network,
                        mnp_routing_entry_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st =
        stmt_text3(c, ROUTING_GET, SQL_ROUTING_GET, operator_code, local_network, NULL, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        routing_row(st, out);
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT, "no routing number for %s in local network %s",
                             operator_code, local_network);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading a routing number", err);
    return 0;
}

int mnp_txn_routing_each(mnp_txn_t *txn, int (*fn)(const mnp_routing_entry_t *e, void *arg),
                         void *arg, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, ROUTING_ALL, SQL_ROUTING_ALL, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        mnp_routing_entry_t e;
        routing_row(st, &e);
        rc = fn(&e, arg);
    }
    sqlite3_reset(st);
    if (rc == 0 && s != SQLITE_DONE)
        return sqlite_fail(c, "listing routing numbers", err);
    return rc;
}
