/*
 * The SQLite schema and its migrations. Migration N takes a database from schema N-1 to N; they
 * run at open, in order, in one transaction with the version bump, so a database is always at a
 * version this list describes. A database from a newer build is refused rather than guessed at.
 * Never edit a migration that has shipped: add the next one.
 */
#include <stdio.h>

#include "sqliteInt.h"

static const char *const migrations[] = {
    /* 1: operators and their credentials (keyed hashes only, never keys). */
    "CREATE TABLE operators ("
    "  code TEXT PRIMARY KEY CHECK (length(code) BETWEEN 1 AND 15),"
    "  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 127),"
    "  created_ms INTEGER NOT NULL"
    ") WITHOUT ROWID;"
    "CREATE TABLE credentials ("
    "  id INTEGER PRIMARY KEY,"
    "  role INTEGER NOT NULL CHECK (role IN (1, 2)),"
    "  principal TEXT NOT NULL CHECK (length(principal) BETWEEN 1 AND 15),"
    "  key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),"
    "  created_ms INTEGER NOT NULL,"
    "  revoked_ms INTEGER"
    ");"
    "CREATE INDEX credentials_principal ON credentials(role, principal);",

    /* 2: the clearinghouse's data: number plan and routing numbers, authorization codes, port
     * orders, the NPDB with its history, the change feed with its consumers, the audit log. */
    "CREATE TABLE blocks ("
    "  block INTEGER PRIMARY KEY CHECK (block BETWEEN 1000000 AND 1999999),"
    "  holder TEXT NOT NULL,"
    "  local_network TEXT NOT NULL"
    ");"
    "CREATE TABLE routing ("
    "  operator TEXT NOT NULL,"
    "  local_network TEXT NOT NULL,"
    "  routing_number TEXT NOT NULL CHECK (length(routing_number) BETWEEN 1 AND 15),"
    "  PRIMARY KEY (operator, local_network)"
    ") WITHOUT ROWID;"
    "CREATE TABLE authcodes ("
    "  number INTEGER PRIMARY KEY,"
    "  donor TEXT NOT NULL,"
    "  id_hash BLOB NOT NULL CHECK (length(id_hash) = 32),"
    "  code_hash BLOB NOT NULL CHECK (length(code_hash) = 32),"
    "  issued_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL,"
    "  used_ms INTEGER,"
    "  used_by_order INTEGER"
    ");"
    "CREATE TABLE code_failures (number INTEGER NOT NULL, at_ms INTEGER NOT NULL);"
    "CREATE INDEX code_failures_number ON code_failures(number, at_ms);"
    "CREATE TABLE orders ("
    "  id INTEGER PRIMARY KEY,"
    "  number INTEGER NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  donor TEXT NOT NULL,"
    "  holder TEXT NOT NULL,"
    "  local_network TEXT NOT NULL,"
    "  channel TEXT NOT NULL,"
    "  state INTEGER NOT NULL CHECK (state BETWEEN 1 AND 11),"
    "  reason TEXT,"
    "  reason_text TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  donor_deadline_ms INTEGER,"
    "  donor_answer_ms INTEGER,"
    "  donor_silent INTEGER NOT NULL DEFAULT 0,"
    "  cutover_ms INTEGER,"
    "  npdb_seq INTEGER,"
    "  active_ms INTEGER,"
    "  closed_ms INTEGER"
    ");"
    /* RULE §5: at most one open order (SUBMITTED .. BROADCASTING) per number, kept by the
     * database itself as well as by the workflow. */
    "CREATE UNIQUE INDEX orders_one_open ON orders(number) WHERE state BETWEEN 1 AND 5;"
    "CREATE INDEX orders_number ON orders(number, id);"
    "CREATE INDEX orders_recipient ON orders(recipient, id);"
    "CREATE INDEX orders_donor ON orders(donor, id);"
    "CREATE INDEX orders_due_donor ON orders(donor_deadline_ms) WHERE state = 2;"
    "CREATE INDEX orders_due_cutover ON orders(cutover_ms) WHERE state = 4;"
    "CREATE TABLE npdb ("
    "  number INTEGER PRIMARY KEY,"
    "  operator TEXT NOT NULL,"
    "  since_ms INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL"
    ");"
    "CREATE TABLE npdb_history ("
    "  id INTEGER PRIMARY KEY,"
    "  number INTEGER NOT NULL,"
    "  operator TEXT NOT NULL,"
    "  at_ms INTEGER NOT NULL,"
    "  order_id INTEGER,"
    "  seq INTEGER NOT NULL"
    ");"
    "CREATE INDEX npdb_history_number ON npdb_history(number, at_ms);"
    "CREATE TABLE feed ("
    "  seq INTEGER PRIMARY KEY,"
    "  at_ms INTEGER NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('npdb', 'order')),"
    "  order_id INTEGER,"
    "  number INTEGER,"
    "  operator TEXT,"
    "  state INTEGER,"
    "  body TEXT NOT NULL"
    ");"
    "CREATE TABLE consumers ("
    "  name TEXT PRIMARY KEY,"
    "  acked_seq INTEGER NOT NULL DEFAULT 0,"
    "  acked_ms INTEGER"
    ") WITHOUT ROWID;"
    "CREATE TABLE audit ("
    "  seq INTEGER PRIMARY KEY,"
    "  at_ms INTEGER NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  detail TEXT NOT NULL,"
    "  prev_hash BLOB NOT NULL CHECK (length(prev_hash) = 32),"
    "  hash BLOB NOT NULL CHECK (length(hash) = 32)"
    ");"
    /* The hash chain proves tampering after the fact; these refuse it in the first place. */
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit "
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit "
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",

    /* 3: the regulator's statistics (store_stats.h) read the audit log by kind of record over a
     * period; without this index every report would read the whole log. */
    "CREATE INDEX audit_action ON audit(action, at_ms);",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

int mnp_store_schema_version(void)
{
    return SCHEMA_VERSION;
}

int sqlite_migrate(store_conn_t *c, mnp_error_t *err)
{
    int rc = sqlite_exec(c, "BEGIN IMMEDIATE", err);
    if (rc != 0)
        return rc;
    rc =
        sqlite_exec(c,
                    "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)"
                    " WITHOUT ROWID",
                    err);
    if (rc != 0)
        goto fail;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(c->db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = sqlite_fail(c, "reading the schema version", err);
        goto fail;
    }
    int have = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    sqlite3_finalize(st);
    if (have > SCHEMA_VERSION) {
        rc = mnp_error_set(err, MNP_EVERSION,
                           "%s: schema version %d was written by a newer mnp; this build knows up "
                           "to version %d: upgrade mnp to open it",
                           c->path, have, SCHEMA_VERSION);
        goto fail;
    }
    for (int v = have + 1; v <= SCHEMA_VERSION; v++) {
        rc = sqlite_exec(c, migrations[v - 1], err);
        if (rc != 0)
            goto fail;
    }
    if (have < SCHEMA_VERSION) {
        char sql[96];
        snprintf(sql, sizeof(sql),
                 "INSERT OR REPLACE INTO meta(key, value) VALUES ('schema_version', %d)",
                 SCHEMA_VERSION);
        rc = sqlite_exec(c, sql, err);
        if (rc != 0)
            goto fail;
    }
    return sqlite_exec(c, "COMMIT", err);
fail:
    (void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}
