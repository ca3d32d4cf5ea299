/*
 * Verification of the whole audit log over the store, whatever the backend: the records are read
 * page by page in seq order within one snapshot and fed to the streaming verifier of audit.h, so
 * memory stays flat however long the log is, and the result describes one consistent state of
 * the log even while writers keep appending.
 */
#include <string.h>

#include "mnp/store_audit.h"

/* Records read per page: large enough that the per-page query costs nothing, small enough that
 * a page is a bounded amount of work. */
#define VERIFY_PAGE 4096

typedef struct verify_walk {
    mnp_audit_verifier_t v;
    uint64_t last_seq; /* seq of the last row read, for the next page */
} verify_walk_t;

static int feed_one(const mnp_audit_record_t *r, void *arg)
{
    verify_walk_t *w = arg;
    w->last_seq = r->seq;
    /* Stop at the first failure: the verifier keeps it, nothing after it matters. */
    return mnp_audit_verifier_feed(&w->v, r, NULL) != 0;
}

int mnp_txn_audit_verify(mnp_txn_t *txn, mnp_audit_verify_result_t *out, mnp_error_t *err)
{
    verify_walk_t w = {.last_seq = 0};
    unsigned n;
    int rc;
    memset(out, 0, sizeof(*out));
    mnp_audit_verifier_init(&w.v);
    do {
        rc = mnp_txn_audit_each(txn, w.last_seq, VERIFY_PAGE, feed_one, &w, &n, err);
        if (rc < 0)
            return rc; /* the store failed, not the chain */
    } while (rc == 0 && n == VERIFY_PAGE);
    rc = mnp_audit_verifier_finish(&w.v, &out->records, out->head_hex, err);
    if (rc != 0)
        out->first_bad = w.v.next_seq;
    return rc;
}

static int verify_in_txn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_audit_verify(txn, arg, err);
}

int mnp_store_audit_verify(mnp_store_t *store, mnp_audit_verify_result_t *out, mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    return mnp_store_read(store, verify_in_txn, out, err);
}
