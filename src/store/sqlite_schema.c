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

    /* 4: an operator gateway's own data (store_gateway.h). Every table leads with the operator
     * (the gateway's tenant) so that one tenant's rows are one index range and no query can
     * reach another's. Queues keep a partial index of what is not yet delivered: it stays as
     * small as the backlog while the tables grow. */
    "CREATE TABLE gw_subscribers ("
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999999999999),"
    "  name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 63),"
    "  identity TEXT NOT NULL CHECK (length(identity) = 18),"
    "  registration INTEGER NOT NULL CHECK (registration BETWEEN 1 AND 3),"
    "  status INTEGER NOT NULL CHECK (status BETWEEN 1 AND 3),"
    "  unpaid_fen INTEGER NOT NULL CHECK (unpaid_fen >= 0),"
    "  last_port_ms INTEGER,"
    "  services TEXT NOT NULL,"
    "  balance_fen INTEGER NOT NULL CHECK (balance_fen >= 0),"
    "  active INTEGER NOT NULL CHECK (active IN (0, 1)),"
    "  status_since_ms INTEGER NOT NULL,"
    "  identity_since_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (op, number)"
    ") WITHOUT ROWID;"
    "CREATE TABLE gw_agreements ("
    "  id INTEGER PRIMARY KEY,"
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999999999999),"
    "  name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) BETWEEN 1 AND 95),"
    "  start_ms INTEGER NOT NULL,"
    "  end_ms INTEGER NOT NULL CHECK (end_ms > start_ms),"
    "  fee_fen INTEGER NOT NULL CHECK (fee_fen >= 0),"
    "  has_term INTEGER NOT NULL CHECK (has_term IN (0, 1)),"
    "  created_ms INTEGER NOT NULL,"
    "  FOREIGN KEY (op, number) REFERENCES gw_subscribers(op, number)"
    ");"
    /* One agreement per terms: handing the same file over again adds nothing (and keeps each
     * agreement's created_ms, which the freeze is judged by). Also the (op, number) lookup. */
    "CREATE UNIQUE INDEX gw_agreements_terms ON gw_agreements(op, number, name, start_ms, "
    "  end_ms, fee_fen, has_term);"
    "CREATE TABLE gw_freezes ("
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999999999999),"
    "  first_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (op, number)"
    ") WITHOUT ROWID;"
    "CREATE TABLE gw_codes ("
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999999999999),"
    "  issued_ms INTEGER NOT NULL,"
    "  expires_ms INTEGER NOT NULL CHECK (expires_ms >= issued_ms),"
    "  PRIMARY KEY (op, number)"
    ") WITHOUT ROWID;"
    "CREATE TABLE gw_sms ("
    "  id INTEGER PRIMARY KEY,"
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  to_number INTEGER NOT NULL CHECK (to_number BETWEEN 1 AND 999999999999999),"
    "  sender TEXT NOT NULL CHECK (length(sender) BETWEEN 1 AND 15),"
    "  text TEXT NOT NULL CHECK (length(CAST(text AS BLOB)) BETWEEN 1 AND 2047),"
    "  segments INTEGER NOT NULL CHECK (segments >= 1),"
    "  created_ms INTEGER NOT NULL,"
    "  acked_ms INTEGER"
    ");"
    "CREATE INDEX gw_sms_pending ON gw_sms(op, id) WHERE acked_ms IS NULL;"
    "CREATE TABLE gw_prov ("
    "  id INTEGER PRIMARY KEY,"
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  kind INTEGER NOT NULL CHECK (kind BETWEEN 1 AND 3),"
    "  number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999999999999),"
    "  order_id INTEGER,"
    "  created_ms INTEGER NOT NULL,"
    "  delivered_ms INTEGER,"
    "  attempts INTEGER NOT NULL CHECK (attempts >= 0),"
    "  next_try_ms INTEGER NOT NULL,"
    "  last_error TEXT NOT NULL CHECK (length(CAST(last_error AS BLOB)) <= 127)"
    ");"
    "CREATE INDEX gw_prov_pending ON gw_prov(op, id) WHERE delivered_ms IS NULL;"
    "CREATE TABLE gw_orders ("
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  order_id INTEGER NOT NULL CHECK (order_id > 0),"
    "  side INTEGER NOT NULL CHECK (side IN (1, 2)),"
    "  number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999999999999),"
    "  state TEXT NOT NULL CHECK (length(state) BETWEEN 1 AND 23),"
    "  name TEXT NOT NULL CHECK (length(CAST(name AS BLOB)) <= 63),"
    "  identity TEXT NOT NULL CHECK (length(identity) IN (0, 18)),"
    "  channel TEXT NOT NULL CHECK (length(channel) <= 15),"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (op, order_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE gw_feed ("
    "  op TEXT PRIMARY KEY CHECK (length(op) BETWEEN 1 AND 15),"
    "  seq INTEGER NOT NULL CHECK (seq >= 0)"
    ") WITHOUT ROWID;",

    /* 5: which late agreements (recorded after a number's first CXXZ) a gateway has reported to
     * the clearinghouse, so that each is reported once. */
    "CREATE TABLE gw_late_reports ("
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  agreement_id INTEGER NOT NULL,"
    "  reported_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (op, agreement_id)"
    ") WITHOUT ROWID;",

    /* 6: an agreement the subscriber ended early (paid off) stops blocking (E04); and the
     * gateway's reports for the clearinghouse (a CXXZ, a late agreement) wait in an outbox, so
     * that a subscriber's answer never waits for the clearinghouse and no report is lost. */
    "ALTER TABLE gw_agreements ADD COLUMN ended_ms INTEGER;"
    "CREATE TABLE gw_reports ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT," /* an id is never used again */
    "  op TEXT NOT NULL CHECK (length(op) BETWEEN 1 AND 15),"
    "  kind TEXT NOT NULL CHECK (kind IN ('query', 'late_agreement')),"
    "  number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 999999999999999),"
    "  detail TEXT NOT NULL CHECK (length(CAST(detail AS BLOB)) <= 255),"
    "  created_ms INTEGER NOT NULL"
    ");"
    "CREATE INDEX gw_reports_op ON gw_reports(op, id);",

    /* 7: a third role, lookup replicas (3), which follow the NPDB's changes. SQLite cannot
     * change a CHECK, so the table is made anew with the same rows and ids. */
    "CREATE TABLE credentials_new ("
    "  id INTEGER PRIMARY KEY,"
    "  role INTEGER NOT NULL CHECK (role IN (1, 2, 3)),"
    "  principal TEXT NOT NULL CHECK (length(principal) BETWEEN 1 AND 15),"
    "  key_hash BLOB NOT NULL UNIQUE CHECK (length(key_hash) = 32),"
    "  created_ms INTEGER NOT NULL,"
    "  revoked_ms INTEGER"
    ");"
    "INSERT INTO credentials_new SELECT id, role, principal, key_hash, created_ms, revoked_ms "
    "  FROM credentials;"
    "DROP TABLE credentials;"
    "ALTER TABLE credentials_new RENAME TO credentials;"
    "CREATE INDEX credentials_principal ON credentials(role, principal);",

    /* 8: one number's records (subject is its E.164 digits) in seq order, for an order's
     * timeline and the regulator's drill-down of a number (mnp_txn_audit_subject_each); without
     * this index each would read the whole log. Orders by number already have orders_number. */
    "CREATE INDEX audit_subject ON audit(subject, seq);",
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
