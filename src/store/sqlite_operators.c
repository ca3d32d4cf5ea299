/*
 * Operators and credentials in the SQLite backend. A credential is only ever a keyed hash of an
 * API key (SPEC.md §7): the key itself is shown once by mnpctl and never reaches the store.
 * Rotation revokes the earlier credentials of the same principal and role in the same
 * transaction that adds the new one, so there is no moment with no valid key, nor two.
 */
#include <string.h>

#include "sqliteInt.h"

enum {
    OPERATOR_ADD = STMT_OPERATORS_BASE,
    OPERATOR_GET,
    OPERATOR_EACH,
    CREDENTIAL_REVOKE,
    CREDENTIAL_ADD,
    CREDENTIAL_FIND,
};

#define SQL_OPERATOR_ADD  "INSERT INTO operators(code, name, created_ms) VALUES (?1, ?2, ?3)"
#define SQL_OPERATOR_GET  "SELECT code, name, created_ms FROM operators WHERE code = ?1"
#define SQL_OPERATOR_EACH "SELECT code, name, created_ms FROM operators ORDER BY code"
#define SQL_CREDENTIAL_REVOKE                                                                      \
    "UPDATE credentials SET revoked_ms = ?3 "                                                      \
    "WHERE role = ?1 AND principal = ?2 AND revoked_ms IS NULL"
#define SQL_CREDENTIAL_ADD                                                                         \
    "INSERT INTO credentials(role, principal, key_hash, created_ms) VALUES (?1, ?2, ?3, ?4)"
#define SQL_CREDENTIAL_FIND                                                                        \
    "SELECT id, role, principal, created_ms FROM credentials "                                     \
    "WHERE key_hash = ?1 AND revoked_ms IS NULL"

static void operator_row(sqlite3_stmt *st, mnp_operator_rec_t *out)
{
    sqlite_column_text(st, 0, out->code, sizeof(out->code));
    sqlite_column_text(st, 1, out->name, sizeof(out->name));
    out->created_ms = sqlite3_column_int64(st, 2);
}

int mnp_txn_operator_add(mnp_txn_t *txn, const char *code, const char *name, int64_t now_ms,
                         mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    if (strlen(code) == 0 || strlen(code) >= MNP_STORE_CODE_MAX)
        return mnp_error_set(err, MNP_EINVAL, "operator code must be 1 to %d characters",
                             MNP_STORE_CODE_MAX - 1);
    if (strlen(name) == 0 || strlen(name) >= MNP_STORE_NAME_MAX)
        return mnp_error_set(err, MNP_EINVAL, "operator name must be 1 to %d bytes",
                             MNP_STORE_NAME_MAX - 1);
    sqlite3_stmt *st = sqlite_stmt(c, OPERATOR_ADD, SQL_OPERATOR_ADD, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s == SQLITE_CONSTRAINT_PRIMARYKEY)
        return mnp_error_set(err, MNP_EEXIST, "operator %s already exists", code);
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "adding an operator", err);
    return 0;
}

int mnp_txn_operator_get(mnp_txn_t *txn, const char *code, mnp_operator_rec_t *out,
                         mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, OPERATOR_GET, SQL_OPERATOR_GET, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW)
        operator_row(st, out);
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT, "no operator %s", code);
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "reading an operator", err);
    return 0;
}

int mnp_txn_operator_each(mnp_txn_t *txn, int (*fn)(const mnp_operator_rec_t *op, void *arg),
                          void *arg, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, OPERATOR_EACH, SQL_OPERATOR_EACH, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    int s, rc = 0;
    while (rc == 0 && (s = sqlite3_step(st)) == SQLITE_ROW) {
        mnp_operator_rec_t op;
        operator_row(st, &op);
        rc = fn(&op, arg);
    }
    sqlite3_reset(st);
    if (rc == 0 && s != SQLITE_DONE)
        return sqlite_fail(c, "listing operators", err);
    return rc;
}

int mnp_txn_credential_add(mnp_txn_t *txn, mnp_role_t role, const char *principal,
                           const uint8_t key_hash[MNP_STORE_HASH_BYTES], bool replace,
                           int64_t now_ms, int64_t *id_out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    int rc = sqlite_need_write(txn, err);
    if (rc != 0)
        return rc;
    if (role != MNP_ROLE_OPERATOR && role != MNP_ROLE_REGULATOR && role != MNP_ROLE_REPLICA)
        return mnp_error_set(err, MNP_EINVAL, "unknown credential role %d", (int)role);
    if (strlen(principal) == 0 || strlen(principal) >= MNP_STORE_CODE_MAX)
        return mnp_error_set(err, MNP_EINVAL, "principal must be 1 to %d characters",
                             MNP_STORE_CODE_MAX - 1);
    if (role == MNP_ROLE_OPERATOR) {
        mnp_operator_rec_t op;
        rc = mnp_txn_operator_get(txn, principal, &op, err);
        if (rc != 0)
            return rc;
    }
    sqlite3_stmt *st;
    if (replace) {
        st = sqlite_stmt(c, CREDENTIAL_REVOKE, SQL_CREDENTIAL_REVOKE, err);
        if (st == NULL)
            return err ? err->code : MNP_EIO;
        sqlite3_bind_int(st, 1, (int)role);
        sqlite3_bind_text(st, 2, principal, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, now_ms);
        int s = sqlite3_step(st);
        sqlite3_reset(st);
        if (s != SQLITE_DONE)
            return sqlite_fail(c, "revoking credentials", err);
    }
    st = sqlite_stmt(c, CREDENTIAL_ADD, SQL_CREDENTIAL_ADD, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_int(st, 1, (int)role);
    sqlite3_bind_text(st, 2, principal, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, key_hash, MNP_STORE_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, now_ms);
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s == SQLITE_CONSTRAINT_UNIQUE)
        return mnp_error_set(err, MNP_EEXIST, "a credential with this key already exists");
    if (s != SQLITE_DONE)
        return sqlite_fail(c, "adding a credential", err);
    if (id_out != NULL)
        *id_out = sqlite3_last_insert_rowid(c->db);
    return 0;
}

int mnp_txn_credential_find(mnp_txn_t *txn, const uint8_t key_hash[MNP_STORE_HASH_BYTES],
                            mnp_credential_rec_t *out, mnp_error_t *err)
{
    store_conn_t *c = sqlite_conn(txn);
    sqlite3_stmt *st = sqlite_stmt(c, CREDENTIAL_FIND, SQL_CREDENTIAL_FIND, err);
    if (st == NULL)
        return err ? err->code : MNP_EIO;
    sqlite3_bind_blob(st, 1, key_hash, MNP_STORE_HASH_BYTES, SQLITE_STATIC);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        out->id = sqlite3_column_int64(st, 0);
        out->role = (mnp_role_t)sqlite3_column_int(st, 1);
        sqlite_column_text(st, 2, out->principal, sizeof(out->principal));
        out->created_ms = sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    if (s == SQLITE_DONE)
        return mnp_error_set(err, MNP_ENOENT, "no such credential");
    if (s != SQLITE_ROW)
        return sqlite_fail(c, "looking up a credential", err);
    return 0;
}
