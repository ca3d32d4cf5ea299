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
