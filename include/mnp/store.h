/*
 * Durable storage of the clearinghouse, behind one interface so that the workflow never sees
 * SQL or a particular database. Work is done in transactions: a write function runs on the
 * store's single writer inside a transaction that it shares with other writers queued at the
 * same moment (group commit: one commit and one fsync for the whole group), and the caller is
 * answered only once that commit is durable. A write that fails is rolled back alone; the others
 * in its group still commit. Reads run on a pool of read connections, each in one consistent
 * snapshot, and never wait for the writer.
 *
 * The embedded backend is SQLite (WAL, synchronous=FULL, one writer); the schema is versioned
 * and migrated at open. Domain operations (operators, credentials, and later orders, the feed and
 * the audit log) are functions on mnp_txn_t implemented by each backend.
 */
#ifndef MNP_STORE_H
#define MNP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

typedef struct mnp_store mnp_store_t;
typedef struct mnp_txn mnp_txn_t;

#define MNP_STORE_BATCH_DEFAULT   256 /* writes one commit may carry */
#define MNP_STORE_READERS_DEFAULT 4   /* read connections */

typedef struct mnp_store_config {
    const char *url;    /* "sqlite:PATH" or a plain PATH (SQLite); borrowed during open */
    unsigned max_batch; /* 0: MNP_STORE_BATCH_DEFAULT */
    unsigned readers;   /* 0: MNP_STORE_READERS_DEFAULT */
    bool create;        /* create the database if it does not exist */
} mnp_store_config_t;

/* Opens (and with cfg->create, creates) the store, applies pending schema migrations in one
 * transaction and starts the writer. MNP_EVERSION when the database was written by a newer
 * schema than this build knows; MNP_ENOENT when it does not exist and create is false;
 * MNP_EIO / MNP_EFORMAT for files that cannot be opened or are not databases. Close with
 * mnp_store_close. */
int mnp_store_open(const mnp_store_config_t *cfg, mnp_store_t **out, mnp_error_t *err) MNP_WUR;

/* Finishes every queued write (their callers are answered), stops the writer and closes every
 * connection. No call may be in progress on other threads. NULL is a no-op. */
void mnp_store_close(mnp_store_t *store);

/* A function run inside a transaction. It returns 0, or a negative code with err set; for a
 * write, a failure rolls back everything the function did (and only that). It must not block on
 * anything but the store itself, and must not call mnp_store_write or mnp_store_read. A write
 * function may run more than once before its result is final (when another write of its group
 * fails, the group runs again): only its last run counts, so it must leave its results in arg
 * and the transaction, and act on the world outside only after mnp_store_write returned. */
typedef int (*mnp_store_fn)(mnp_txn_t *txn, void *arg, mnp_error_t *err);

/* Runs fn(txn, arg, err) on the writer, inside the current group transaction, and returns fn's
 * result once it is durable (0) or rolled back (fn's code, err from fn). MNP_EIO with err set when
 * the commit itself failed: then no write of the group took effect. Thread-safe; blocks. */
int mnp_store_write(mnp_store_t *store, mnp_store_fn fn, void *arg, mnp_error_t *err) MNP_WUR;

/* Runs fn in a read-only snapshot on one of the read connections. Thread-safe; blocks only
 * while every read connection is busy. */
int mnp_store_read(mnp_store_t *store, mnp_store_fn fn, void *arg, mnp_error_t *err) MNP_WUR;

typedef struct mnp_store_stats {
    uint64_t writes;          /* write functions run */
    uint64_t failed_writes;   /* of which rolled back */
    uint64_t commits;         /* group transactions committed */
    uint64_t largest_group;   /* most writes one commit carried */
    uint64_t commit_ns_total; /* time spent in group transactions (fsync included) */
    uint64_t sync_ns_total;   /* of which in the final commit (the writes to disk and fsync) */
    uint64_t queued;          /* writes waiting for the writer right now */
} mnp_store_stats_t;

void mnp_store_stats(mnp_store_t *store, mnp_store_stats_t *out);

/* The schema version this build writes. */
int mnp_store_schema_version(void);

/* ---- domain operations: operators and credentials -------------------------------------------
 * Strings passed in are borrowed for the call; strings returned are copied into caller buffers. */

#define MNP_STORE_CODE_MAX   16  /* operator code or regulator name, with NUL */
#define MNP_STORE_NAME_MAX   128 /* display name, with NUL */
#define MNP_STORE_HASH_BYTES 32

typedef enum mnp_role {
    MNP_ROLE_OPERATOR = 1,  /* acts on orders where it is recipient or donor */
    MNP_ROLE_REGULATOR = 2, /* reads everything, changes nothing */
    MNP_ROLE_REPLICA = 3    /* a lookup replica: follows the NPDB's changes, changes nothing */
} mnp_role_t;

typedef struct mnp_operator_rec {
    char code[MNP_STORE_CODE_MAX];
    char name[MNP_STORE_NAME_MAX];
    int64_t created_ms;
} mnp_operator_rec_t;

/* Adds an operator. MNP_EEXIST when the code is taken. */
int mnp_txn_operator_add(mnp_txn_t *txn, const char *code, const char *name, int64_t now_ms,
                         mnp_error_t *err) MNP_WUR;

/* Finds an operator by code. MNP_ENOENT when there is none. */
int mnp_txn_operator_get(mnp_txn_t *txn, const char *code, mnp_operator_rec_t *out,
                         mnp_error_t *err) MNP_WUR;

/* Calls fn for every operator in code order; stops at and returns fn's first non-zero result. */
int mnp_txn_operator_each(mnp_txn_t *txn, int (*fn)(const mnp_operator_rec_t *op, void *arg),
                          void *arg, mnp_error_t *err) MNP_WUR;

typedef struct mnp_credential_rec {
    int64_t id;
    mnp_role_t role;
    char principal[MNP_STORE_CODE_MAX]; /* operator code, regulator or replica name */
    int64_t created_ms;
} mnp_credential_rec_t;

/* Stores a credential's keyed hash for principal in role, revoking the principal's earlier
 * credentials of that role when replace is true (key rotation). For MNP_ROLE_OPERATOR the
 * operator must exist (MNP_ENOENT otherwise). *id_out (may be NULL) receives its id. */
int mnp_txn_credential_add(mnp_txn_t *txn, mnp_role_t role, const char *principal,
                           const uint8_t key_hash[MNP_STORE_HASH_BYTES], bool replace,
                           int64_t now_ms, int64_t *id_out, mnp_error_t *err) MNP_WUR;

/* Finds the live (not revoked) credential with key_hash. MNP_ENOENT when there is none. */
int mnp_txn_credential_find(mnp_txn_t *txn, const uint8_t key_hash[MNP_STORE_HASH_BYTES],
                            mnp_credential_rec_t *out, mnp_error_t *err) MNP_WUR;

#endif
