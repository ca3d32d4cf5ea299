/*
 * Private to the store area: what a backend provides to the backend-neutral engine in store.c
 * (group commit on one writer connection, a pool of read connections), and the transaction
 * handle the domain operations receive. A PostgreSQL backend implements the same table.
 */
#ifndef MNP_STORE_INT_H
#define MNP_STORE_INT_H

#include "mnp/store.h"

typedef struct store_conn store_conn_t; /* one backend connection, used by one thread at a time */

typedef struct store_backend {
    const char *name;
    /* Opens a connection to target; writer connections create and migrate the database. */
    int (*open)(const char *target, bool writer, bool create, store_conn_t **out, mnp_error_t *err);
    void (*close)(store_conn_t *c);
    /* Transactions: begin (write or read snapshot), commit (durable on return), rollback. */
    int (*begin)(store_conn_t *c, bool write, mnp_error_t *err);
    int (*commit)(store_conn_t *c, mnp_error_t *err);
    void (*rollback)(store_conn_t *c);
    /* A savepoint around each write of a group, so that a failing write undoes only itself.
     * rollback_to undoes the write and ends the savepoint; non-zero when the enclosing
     * transaction did not survive (then the whole group must roll back). */
    int (*savepoint)(store_conn_t *c, mnp_error_t *err);
    int (*release)(store_conn_t *c, mnp_error_t *err);
    int (*rollback_to)(store_conn_t *c);
} store_backend_t;

/* What the domain operations receive: the connection and whether it may write. */
struct mnp_txn {
    store_conn_t *conn;
    bool writable;
};

extern const store_backend_t store_sqlite_backend;

#endif
