/*
 * The audit log in the store (SPEC.md §8): records sealed by include/mnp/audit.h are appended
 * inside the same write transaction as the change they describe, so a change and its record
 * commit or roll back together; the log is read back in sequence order, and verified as a whole
 * in one read snapshot. The table refuses UPDATE and DELETE by itself (triggers); the hash chain
 * proves after the fact that nobody went around that.
 */
#ifndef MNP_STORE_AUDIT_H
#define MNP_STORE_AUDIT_H

#include <stdint.h>

#include "mnp/audit.h"
#include "mnp/error.h"
#include "mnp/store.h"

/* Appends one record to the log inside txn (a write transaction): reads the last record of the
 * log as txn sees it (which includes records appended earlier in the same transaction, e.g. by
 * other writes of the same group), seals the new record after it (seq = last seq + 1, 32 zero
 * bytes before record 1) and inserts it. actor and action are required; subject and
 * detail_json may be NULL (stored as ""). Strings are borrowed for the call. *seq_out (may be
 * NULL) receives the new record's seq. MNP_EINVAL (a field beyond the limits of audit.h, nothing
 * written); MNP_EFORMAT when the last record's stored hash is damaged; store errors otherwise.
 * When the write that called this fails, the store rolls the record back with it. */
int mnp_txn_audit_append(mnp_txn_t *txn, int64_t at_ms, const char *actor, const char *action,
                         const char *subject, const char *detail_json, uint64_t *seq_out,
                         mnp_error_t *err) MNP_WUR;

/* The end of the log as txn sees it: *last_seq the seq of the last record (0 when the log is
 * empty; equal to the number of records while the chain is intact) and last_hash its hash (32
 * zero bytes when empty). Either out-parameter may be NULL. */
int mnp_txn_audit_head(mnp_txn_t *txn, uint64_t *last_seq, uint8_t last_hash[MNP_AUDIT_HASH_BYTES],
                       mnp_error_t *err) MNP_WUR;

/* Called for each record by mnp_txn_audit_each. r and its strings are valid only during the call
 * (they point into the database row); return 0 to go on, anything else to stop. */
typedef int (*mnp_audit_each_fn)(const mnp_audit_record_t *r, void *arg);

/* Calls fn for at most limit records with seq > after_seq, in seq order (limit 0: no limit), and
 * stores in *visited (may be NULL) how many fn saw, so that a caller pages through the log with
 * after_seq = the last seq it saw until fewer than limit come back. Stops at and returns fn's
 * first non-zero result; 0 otherwise, or a store error. Rows are returned as stored, damaged or
 * not (after_seq 0 includes rows a tamperer numbered 0 or below): checking them is the
 * verifier's job. */
int mnp_txn_audit_each(mnp_txn_t *txn, uint64_t after_seq, unsigned limit, mnp_audit_each_fn fn,
                       void *arg, unsigned *visited, mnp_error_t *err) MNP_WUR;

/* Which records mnp_txn_audit_subject_each returns. */
typedef struct mnp_audit_filter {
    const char *subject; /* required: records about it only (a number's E.164 digits) */
    int64_t order_id;    /* > 0: only records whose detail is a JSON object with a top-level
                          * integer "order" equal to it; 0: any detail */
    uint64_t after_seq;  /* only seqs above it (pagination); 0 from the start */
    unsigned limit;      /* at most this many records; 0: no limit */
} mnp_audit_filter_t;

/* Calls fn for the records matching f, in seq order, reading one subject's index range (the
 * cost is that subject's records, not the log's), and stores in *visited (may be NULL) how many
 * fn saw; a caller pages as with mnp_txn_audit_each. A detail that is not valid JSON never
 * matches an order_id. Stops at and returns fn's first non-zero result; 0 otherwise, MNP_EINVAL
 * for a NULL subject or a negative order_id, or a store error. */
int mnp_txn_audit_subject_each(mnp_txn_t *txn, const mnp_audit_filter_t *f, mnp_audit_each_fn fn,
                               void *arg, unsigned *visited, mnp_error_t *err) MNP_WUR;

/* The outcome of verifying the whole log. */
typedef struct mnp_audit_verify_result {
    uint64_t records;                  /* records verified before the first bad one (all if none) */
    char head_hex[MNP_AUDIT_HASH_HEX]; /* hash of the last good record, hex; zeros when empty */
    uint64_t first_bad;                /* seq position of the first bad record; 0: chain intact */
} mnp_audit_verify_result_t;

/* Verifies every record of the log, from record 1, in txn's snapshot. Returns 0 when the chain
 * is intact (out->first_bad == 0); when it is broken, returns the verifier's code (MNP_EFORMAT:
 * a record removed, inserted or moved; MNP_ECHECKSUM: content or link altered; MNP_EINVAL: a
 * field beyond the limits) with out->first_bad set and the reason in err ("record 12: hash does
 * not match its content"). A store failure returns its code with out->first_bad == 0. */
int mnp_txn_audit_verify(mnp_txn_t *txn, mnp_audit_verify_result_t *out, mnp_error_t *err) MNP_WUR;

/* mnp_txn_audit_verify in one read snapshot of store (a consistent view while writers go on). */
int mnp_store_audit_verify(mnp_store_t *store, mnp_audit_verify_result_t *out,
                           mnp_error_t *err) MNP_WUR;

#endif
