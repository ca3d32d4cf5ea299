/*
 * Tests of the store: opening, creating and migrating SQLite files (and refusing foreign, corrupt
 * and newer ones), operators and credentials, and group commit: concurrent writes share one
 * commit, a failing write is rolled back alone, and everything acknowledged survives a reopen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "group_gate.h"
#include "mnp/store.h"
#include "test_support.h"

typedef struct op_args {
    const char *code;
    const char *name;
    int runs; /* how many times the write function ran (store.h: it may run again) */
} op_args_t;

static int add_operator(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    op_args_t *a = arg;
    a->runs++;
    return mnp_txn_operator_add(txn, a->code, a->name, 1000, err);
}

static int count_one(const mnp_operator_rec_t *op, void *arg)
{
    (void)op;
    (*(size_t *)arg)++;
    return 0;
}

static int count_operators(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    *(size_t *)arg = 0;
    return mnp_txn_operator_each(txn, count_one, arg, err);
}

static size_t operators_in(mnp_store_t *s)
{
    size_t n;
    mnp_error_t err;
    assert_int_equal(mnp_store_read(s, count_operators, &n, &err), 0);
    return n;
}

static void test_open_create_reopen(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s;
    mnp_error_t err;
    mnp_store_config_t cfg = {.url = f->path};
    assert_int_equal(mnp_store_open(&cfg, &s, &err), MNP_ENOENT);
    assert_non_null(strstr(err.msg, f->path));

    s = test_store_open(f->path, true);
    op_args_t a = {.code = "CMCC", .name = "China Mobile"};
    assert_int_equal(mnp_store_write(s, add_operator, &a, &err), 0);
    mnp_store_close(s);

    char url[160];
    snprintf(url, sizeof(url), "sqlite:%s", f->path);
    s = test_store_open(url, false);
    assert_int_equal(operators_in(s), 1);
    mnp_store_close(s);
    mnp_store_close(NULL);

    cfg.url = "postgres://db/mnp";
    assert_int_equal(mnp_store_open(&cfg, &s, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "unknown backend"));
}

static void test_refuses_foreign_and_newer_files(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s;
    mnp_error_t err;
    mnp_store_config_t cfg = {.url = f->path, .create = true};

    FILE *fp = fopen(f->path, "w");
    fputs("this is not a database, it is a text file of some length......................\n", fp);
    fclose(fp);
    assert_int_equal(mnp_store_open(&cfg, &s, &err), MNP_EFORMAT);
    unlink(f->path);

    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA application_id=42; CREATE TABLE t(x)", 0, 0, 0),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mnp_store_open(&cfg, &s, &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "another application"));
    unlink(f->path);

    mnp_store_close(test_store_open(f->path, true));
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(db, "UPDATE meta SET value = 999 WHERE key = 'schema_version'", 0, 0, 0),
        SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(mnp_store_open(&cfg, &s, &err), MNP_EVERSION);
    assert_non_null(strstr(err.msg, "999"));
    assert_non_null(strstr(err.msg, "newer"));
}

/* A database at schema 1 (as the first release wrote it) is migrated on open, keeping its rows;
 * the audit log then refuses changes to its records. */
static void test_migrates_old_schema(void **state)
{
    test_fixture_t *f = *state;
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "PRAGMA application_id=1296977988;"
            "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
            "INSERT INTO meta VALUES ('schema_version', 1);"
            "CREATE TABLE operators (code TEXT PRIMARY KEY, name TEXT NOT NULL,"
            "  created_ms INTEGER NOT NULL) WITHOUT ROWID;"
            "CREATE TABLE credentials (id INTEGER PRIMARY KEY, role INTEGER NOT NULL,"
            "  principal TEXT NOT NULL, key_hash BLOB NOT NULL UNIQUE,"
            "  created_ms INTEGER NOT NULL, revoked_ms INTEGER);"
            "INSERT INTO operators VALUES ('CBN', 'China Broadnet', 7);",
            0, 0, 0),
        SQLITE_OK);
    sqlite3_close(db);

    mnp_store_t *s = test_store_open(f->path, false);
    assert_int_equal(operators_in(s), 1);
    mnp_store_close(s);

    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT value FROM meta", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), mnp_store_schema_version());
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO audit VALUES (1, 0, 'system', 'x', '', '{}',"
                                  " zeroblob(32), zeroblob(32))",
                                  0, 0, 0),
                     SQLITE_OK);
    char *msg = NULL;
    assert_int_not_equal(sqlite3_exec(db, "UPDATE audit SET actor = 'me'", 0, 0, &msg), SQLITE_OK);
    assert_non_null(strstr(msg, "append-only"));
    sqlite3_free(msg);
    assert_int_not_equal(sqlite3_exec(db, "DELETE FROM audit", 0, 0, NULL), SQLITE_OK);
    /* The database itself keeps one open order per number. */
    const char *order = "INSERT INTO orders(number, recipient, donor, holder, local_network,"
                        " channel, state, created_ms, updated_ms)"
                        " VALUES (8613012345678, 'CMCC', 'CUCC', 'CUCC', '0731', 'store', 2, 0, 0)";
    assert_int_equal(sqlite3_exec(db, order, 0, 0, NULL), SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db, order, 0, 0, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static int read_operator(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_operator_get(txn, "CUCC", arg, err);
}

static int write_in_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    return mnp_txn_operator_add(txn, "XXXX", "nope", 0, err);
}

static void test_operators(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    op_args_t a = {.code = "CUCC", .name = "China Unicom"};
    assert_int_equal(mnp_store_write(s, add_operator, &a, &err), 0);
    assert_int_equal(mnp_store_write(s, add_operator, &a, &err), MNP_EEXIST);
    assert_non_null(strstr(err.msg, "CUCC"));
    op_args_t bad = {.code = "", .name = "x"};
    assert_int_equal(mnp_store_write(s, add_operator, &bad, &err), MNP_EINVAL);
    op_args_t long_code = {.code = "ABCDEFGHIJKLMNOPQ", .name = "x"};
    assert_int_equal(mnp_store_write(s, add_operator, &long_code, &err), MNP_EINVAL);

    mnp_operator_rec_t op;
    assert_int_equal(mnp_store_read(s, read_operator, &op, &err), 0);
    assert_string_equal(op.code, "CUCC");
    assert_string_equal(op.name, "China Unicom");
    assert_int_equal(op.created_ms, 1000);
    assert_int_equal(mnp_store_read(s, write_in_read, NULL, &err), MNP_EINTERNAL);
    assert_int_equal(operators_in(s), 1);
    mnp_store_close(s);
}

typedef struct cred_args {
    mnp_role_t role;
    const char *principal;
    uint8_t hash[MNP_STORE_HASH_BYTES];
    bool replace;
    mnp_credential_rec_t found;
} cred_args_t;

static int add_cred(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    cred_args_t *a = arg;
    return mnp_txn_credential_add(txn, a->role, a->principal, a->hash, a->replace, 5000, NULL, err);
}

static int find_cred(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    cred_args_t *a = arg;
    return mnp_txn_credential_find(txn, a->hash, &a->found, err);
}

static void test_credentials_and_rotation(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    mnp_error_t err;
    op_args_t a = {.code = "CTCC", .name = "China Telecom"};
    assert_int_equal(mnp_store_write(s, add_operator, &a, &err), 0);

    cred_args_t k1 = {.role = MNP_ROLE_OPERATOR, .principal = "CTCC"};
    memset(k1.hash, 1, sizeof(k1.hash));
    assert_int_equal(mnp_store_write(s, add_cred, &k1, &err), 0);
    assert_int_equal(mnp_store_read(s, find_cred, &k1, &err), 0);
    assert_string_equal(k1.found.principal, "CTCC");
    assert_int_equal(k1.found.role, MNP_ROLE_OPERATOR);

    /* Rotation: the new key works, the old one no longer does. */
    cred_args_t k2 = {.role = MNP_ROLE_OPERATOR, .principal = "CTCC", .replace = true};
    memset(k2.hash, 2, sizeof(k2.hash));
    assert_int_equal(mnp_store_write(s, add_cred, &k2, &err), 0);
    assert_int_equal(mnp_store_read(s, find_cred, &k2, &err), 0);
    assert_int_equal(mnp_store_read(s, find_cred, &k1, &err), MNP_ENOENT);

    /* The same key twice, an unknown operator, a regulator (no operator row needed). */
    assert_int_equal(mnp_store_write(s, add_cred, &k2, &err), MNP_EEXIST);
    cred_args_t ghost = {.role = MNP_ROLE_OPERATOR, .principal = "GHOST"};
    memset(ghost.hash, 3, sizeof(ghost.hash));
    assert_int_equal(mnp_store_write(s, add_cred, &ghost, &err), MNP_ENOENT);
    cred_args_t reg = {.role = MNP_ROLE_REGULATOR, .principal = "MIIT"};
    memset(reg.hash, 4, sizeof(reg.hash));
    assert_int_equal(mnp_store_write(s, add_cred, &reg, &err), 0);
    assert_int_equal(mnp_store_read(s, find_cred, &reg, &err), 0);
    assert_int_equal(reg.found.role, MNP_ROLE_REGULATOR);
    mnp_store_close(s);
}

/* Group commit (group_gate.h): eight writers queued behind a held one form one group. One of
 * them fails and must be rolled back alone. */
static int add_held(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    return mnp_txn_operator_add(txn, "HELD", "held", 1, err);
}

#define GROUP 8

static void test_group_commit(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    test_write_t held = {.fn = add_held}, w[GROUP] = {{0}};
    op_args_t args[GROUP] = {{0}};
    char codes[GROUP][8];
    mnp_store_stats_t st;

    for (int i = 0; i < GROUP; i++) {
        snprintf(codes[i], sizeof(codes[i]), "OP%d", i + 1);
        /* Writer 3 collides with writer 2: it must fail and take nothing else with it. */
        args[i].code = i == 2 ? codes[1] : codes[i];
        args[i].name = "operator";
        w[i] = (test_write_t){.fn = add_operator, .arg = &args[i]};
    }
    test_group_run(s, &held, w, GROUP);

    assert_int_equal(held.rc, 0);
    int failures = 0;
    for (int i = 0; i < GROUP; i++) {
        if (w[i].rc != 0) {
            failures++;
            assert_int_equal(w[i].rc, MNP_EEXIST);
        }
    }
    assert_int_equal(failures, 1);
    /* The group ran once without savepoints up to the failure, then again with them: the
     * failing write and those queued before it ran twice, the rest once, each counted once. */
    int ran_twice = 0;
    for (int i = 0; i < GROUP; i++) {
        assert_in_range(args[i].runs, 1, 2);
        ran_twice += args[i].runs == 2;
        if (w[i].rc != 0)
            assert_int_equal(args[i].runs, 2);
    }
    assert_in_range(ran_twice, 2, GROUP); /* the one it collided with came first */
    mnp_store_stats(s, &st);
    assert_int_equal(st.writes, GROUP + 1);
    assert_int_equal(st.failed_writes, 1);
    assert_int_equal(st.commits, 2); /* the holder alone, then the other eight together */
    assert_int_equal(st.largest_group, GROUP);
    assert_int_equal(operators_in(s), GROUP);
    mnp_store_close(s);

    /* Every acknowledged write is on disk. */
    s = test_store_open(f->path, false);
    assert_int_equal(operators_in(s), GROUP);
    mnp_store_close(s);
}

/* Many writers at once, no gate: every acknowledged write is there after a reopen. */
typedef struct burst_ctx {
    mnp_store_t *s;
    int base;
    int ok;
} burst_ctx_t;

static void *burst_main(void *arg)
{
    burst_ctx_t *b = arg;
    for (int i = 0; i < 50; i++) {
        char code[16];
        snprintf(code, sizeof(code), "B%d_%d", b->base, i);
        op_args_t a = {.code = code, .name = "burst"};
        mnp_error_t err;
        if (mnp_store_write(b->s, add_operator, &a, &err) == 0)
            b->ok++;
    }
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    test_fixture_t *f = *state;
    mnp_store_t *s = test_store_open(f->path, true);
    burst_ctx_t b[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        b[i] = (burst_ctx_t){.s = s, .base = i};
        pthread_create(&th[i], NULL, burst_main, &b[i]);
    }
    int ok = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += b[i].ok;
    }
    assert_int_equal(ok, 400);
    mnp_store_stats_t st;
    mnp_store_stats(s, &st);
    assert_int_equal(st.writes, 400);
    assert_true(st.commits >= 1 && st.commits <= 400);
    mnp_store_close(s);
    s = test_store_open(f->path, false);
    assert_int_equal(operators_in(s), 400);
    mnp_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_create_reopen, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_refuses_foreign_and_newer_files, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_migrates_old_schema, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_operators, test_fixture_setup, test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_credentials_and_rotation, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_group_commit, test_fixture_setup,
                                        test_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, test_fixture_setup,
                                        test_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
