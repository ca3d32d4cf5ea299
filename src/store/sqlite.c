/*
 * The SQLite backend: connections, transactions and savepoints. The writer connection runs in
 * WAL mode with synchronous=FULL, so a COMMIT returns only after the WAL is fsynced: that is the
 * durability promise the group commit engine hands to its callers. Read connections are
 * query-only and see consistent snapshots while the writer works.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mnp/alloc.h"
#include "sqliteInt.h"

/* How long a connection waits on a lock held by another process (a second mnpd, mnpctl). */
#define BUSY_TIMEOUT_MS 5000

int sqlite_fail(store_conn_t *c, const char *what, mnp_error_t *err)
{
    int ext = sqlite3_extended_errcode(c->db);
    int code;
    switch (ext & 0xff) {
    case SQLITE_NOMEM:
        code = MNP_ENOMEM;
        break;
    case SQLITE_CONSTRAINT:
        code = MNP_EEXIST;
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        code = MNP_EBUSY;
        break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
        code = MNP_EFORMAT;
        break;
    default:
        code = MNP_EIO;
        break;
    }
    return mnp_error_set(err, code, "%s: %s: %s", c->path, what, sqlite3_errmsg(c->db));
}

int sqlite_exec(store_conn_t *c, const char *sql, mnp_error_t *err)
{
    if (sqlite3_exec(c->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return sqlite_fail(c, sql, err);
    return 0;
}

int sqlite_need_write(mnp_txn_t *txn, mnp_error_t *err)
{
    if (!txn->writable)
        return mnp_error_set(err, MNP_EINTERNAL, "store: write attempted in a read transaction");
    return 0;
}

sqlite3_stmt *sqlite_stmt(store_conn_t *c, int slot, const char *sql, mnp_error_t *err)
{
    sqlite3_stmt *st = c->stmts[slot];
    if (st == NULL) {
        if (sqlite3_prepare_v3(c->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
            sqlite_fail(c, "prepare", err);
            return NULL;
        }
        c->stmts[slot] = st;
    }
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return st;
}

void sqlite_column_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    size_t n = t ? (size_t)sqlite3_column_bytes(st, col) : 0;
    if (n >= size)
        n = size - 1;
    if (n > 0)
        memcpy(dst, t, n);
    dst[n] = '\0';
}

int sqlite_load_rows(store_conn_t *c, int slot, const char *sql, size_t elem_size,
                     void (*row)(sqlite3_stmt *st, void *elem), void **out, size_t *n,
                     const char *what, mnp_error_t *err)
{
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = sqlite_stmt(c, slot, sql, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    size_t cap = 0;
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = mnp_xrealloc(*out, cap * elem_size);
        }
        row(st, (char *)*out + (*n)++ * elem_size);
    }
    sqlite3_reset(st);
    if (s != SQLITE_DONE) {
        free(*out);
        *out = NULL;
        *n = 0;
        return sqlite_fail(c, what, err);
    }
    return 0;
}

static void conn_close(store_conn_t *c)
{
    if (c == NULL)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(c->stmts[i]);
    sqlite3_close(c->db);
    free(c->path);
    free(c);
}

/* Reads one integer pragma. */
static int pragma_int(store_conn_t *c, const char *sql, int64_t *out, mnp_error_t *err)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, sql, -1, &st, NULL) != SQLITE_OK)
        return sqlite_fail(c, sql, err);
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sqlite_fail(c, sql, err);
    return 0;
}

/* Settings of the writer: WAL with full fsync on commit, foreign keys, our application id. */
static int setup_writer(store_conn_t *c, mnp_error_t *err)
{
    int64_t app_id;
    int rc = pragma_int(c, "PRAGMA application_id", &app_id, err);
    if (rc != 0)
        return rc;
    if (app_id != 0 && app_id != SQLITE_APP_ID)
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s: an SQLite database of another application, not an mnp store",
                             c->path);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK)
        return sqlite_fail(c, "journal_mode", err);
    const unsigned char *mode = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_text(st, 0) : NULL;
    bool wal = mode != NULL && strcmp((const char *)mode, "wal") == 0;
    sqlite3_finalize(st);
    if (!wal)
        return mnp_error_set(err, MNP_EIO, "%s: cannot switch to WAL journal mode", c->path);
    rc = sqlite_exec(c, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON", err);
    if (rc == 0 && app_id == 0) {
        char sql[64];
        snprintf(sql, sizeof(sql), "PRAGMA application_id=%d", SQLITE_APP_ID);
        rc = sqlite_exec(c, sql, err);
    }
    return rc;
}

static int conn_open(const char *target, bool writer, bool create, store_conn_t **out,
                     mnp_error_t *err)
{
    *out = NULL;
    if (!create && access(target, F_OK) != 0)
        return mnp_error_set(err, errno == ENOENT ? MNP_ENOENT : MNP_EIO, "%s: %s", target,
                             strerror(errno));
    store_conn_t *c = mnp_xcalloc(1, sizeof(*c));
    c->path = mnp_xstrdup(target);
    int flags = SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_READWRITE : SQLITE_OPEN_READONLY);
    if (writer && create)
        flags |= SQLITE_OPEN_CREATE;
    int rc;
    if (sqlite3_open_v2(target, &c->db, flags, NULL) != SQLITE_OK) {
        rc = c->db ? sqlite_fail(c, "open", err)
                   : mnp_error_set(err, MNP_ENOMEM, "%s: out of memory", target);
        goto fail;
    }
    sqlite3_extended_result_codes(c->db, 1);
    sqlite3_busy_timeout(c->db, BUSY_TIMEOUT_MS);
    if (writer) {
        rc = setup_writer(c, err);
        if (rc == 0)
            rc = sqlite_migrate(c, err);
    } else {
        rc = sqlite_exec(c, "PRAGMA query_only=1", err);
    }
    if (rc != 0)
        goto fail;
    *out = c;
    return 0;
fail:
    conn_close(c);
    return rc;
}

/* Transaction control runs once per write of a group (savepoints) and once per group, so its
 * statements are prepared once like every other, not parsed on each use. */
enum { TXN_BEGIN_WRITE = STMT_TXN_BASE, TXN_BEGIN_READ, TXN_COMMIT, TXN_SAVEPOINT, TXN_RELEASE };

static int txn_step(store_conn_t *c, int slot, const char *sql, mnp_error_t *err)
{
    sqlite3_stmt *st = sqlite_stmt(c, slot, sql, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    return s == SQLITE_DONE ? 0 : sqlite_fail(c, sql, err);
}

static int conn_begin(store_conn_t *c, bool write, mnp_error_t *err)
{
    /* IMMEDIATE takes the write lock at once, so a group never fails half-way on a lock. */
    if (write)
        return txn_step(c, TXN_BEGIN_WRITE, "BEGIN IMMEDIATE", err);
    return txn_step(c, TXN_BEGIN_READ, "BEGIN", err);
}

static int conn_commit(store_conn_t *c, mnp_error_t *err)
{
    return txn_step(c, TXN_COMMIT, "COMMIT", err);
}

static void conn_rollback(store_conn_t *c)
{
    if (!sqlite3_get_autocommit(c->db))
        (void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
}

static int conn_savepoint(store_conn_t *c, mnp_error_t *err)
{
    return txn_step(c, TXN_SAVEPOINT, "SAVEPOINT w", err);
}

static int conn_release(store_conn_t *c, mnp_error_t *err)
{
    return txn_step(c, TXN_RELEASE, "RELEASE w", err);
}

static int conn_rollback_to(store_conn_t *c)
{
    /* Some errors (disk full, I/O) make SQLite roll the whole transaction back by itself. */
    if (sqlite3_get_autocommit(c->db))
        return -1;
    if (sqlite3_exec(c->db, "ROLLBACK TO w; RELEASE w", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    return 0;
}

const store_backend_t store_sqlite_backend = {
    .name = "sqlite",
    .open = conn_open,
    .close = conn_close,
    .begin = conn_begin,
    .commit = conn_commit,
    .rollback = conn_rollback,
    .savepoint = conn_savepoint,
    .release = conn_release,
    .rollback_to = conn_rollback_to,
};
