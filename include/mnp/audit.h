/*
 * The audit log's logic (SPEC.md §5, §8): every state change and every refusal becomes one
 * record; records are numbered 1, 2, 3, ... without gaps, and each carries the SHA-256 of its own
 * content and the hash of the record before it, so that changing, removing, inserting or
 * reordering any record breaks the chain at that record, and `mnpctl audit verify` can prove the
 * log was not altered. This module has no storage: the store persists records, this module seals
 * them, checks them and turns them into bytes and back.
 *
 * Canonical layout (version 1). All integers big-endian; strings are raw bytes without their NUL.
 *
 *   offset  size  field
 *   0       1     format version: 1
 *   1       8     seq (u64, >= 1)
 *   9       8     at_ms (i64, two's complement; Unix epoch milliseconds)
 *   17      1     A = length of actor   (1..MNP_AUDIT_ACTOR_MAX)
 *   18      A     actor
 *           1     B = length of action  (1..MNP_AUDIT_ACTION_MAX)
 *           B     action
 *           1     S = length of subject (0..MNP_AUDIT_SUBJECT_MAX)
 *           S     subject
 *           4     D = length of detail  (0..MNP_AUDIT_DETAIL_MAX)
 *           D     detail
 *           32    prev_hash
 *
 *   hash = SHA-256(canonical bytes). The record's blob (export files, fuzzing) is the canonical
 *   bytes followed by the 32 bytes of hash: 56 + A + B + S + D + 32 bytes in all.
 *
 * Every variable field has its length in front of it, so two different records never share
 * canonical bytes. Strings may hold any byte but NUL (records hold C strings); detail is JSON
 * text by convention and opaque here. The first record's prev_hash is 32 zero bytes.
 */
#ifndef MNP_AUDIT_H
#define MNP_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/arena.h"
#include "mnp/buf.h"
#include "mnp/error.h"

#define MNP_AUDIT_VERSION     1
#define MNP_AUDIT_HASH_BYTES  32
#define MNP_AUDIT_HASH_HEX    (2 * MNP_AUDIT_HASH_BYTES + 1) /* hex with NUL */
#define MNP_AUDIT_ACTOR_MAX   64
#define MNP_AUDIT_ACTION_MAX  64
#define MNP_AUDIT_SUBJECT_MAX 128
#define MNP_AUDIT_DETAIL_MAX  65536
/* Smallest and largest blob (empty subject and detail; every field at its limit). */
#define MNP_AUDIT_BLOB_MIN (56 + 1 + 1 + MNP_AUDIT_HASH_BYTES)
#define MNP_AUDIT_BLOB_MAX                                                                         \
    (56 + MNP_AUDIT_ACTOR_MAX + MNP_AUDIT_ACTION_MAX + MNP_AUDIT_SUBJECT_MAX +                     \
     MNP_AUDIT_DETAIL_MAX + MNP_AUDIT_HASH_BYTES)

/* One audit record. The strings are borrowed (NUL-terminated, owned by whoever filled the record:
 * the caller, an SQLite row, or the arena given to mnp_audit_decode); subject and detail may be
 * NULL, which means the same as "". */
typedef struct mnp_audit_record {
    uint64_t seq;        /* 1, 2, 3, ... */
    int64_t at_ms;       /* when, Unix epoch ms */
    const char *actor;   /* "CMCC", "regulator:MIIT", "system" */
    const char *action;  /* "order.state", "order.refused" */
    const char *subject; /* order id or number; may be empty */
    const char *detail;  /* JSON text; may be empty */
    uint8_t prev_hash[MNP_AUDIT_HASH_BYTES];
    uint8_t hash[MNP_AUDIT_HASH_BYTES];
} mnp_audit_record_t;

/* 0 when r's fields are within the layout's limits (seq >= 1, actor and action non-empty, every
 * length at most its maximum); MNP_EINVAL otherwise, with the field named in err (may be NULL). */
int mnp_audit_check(const mnp_audit_record_t *r, mnp_error_t *err) MNP_WUR;

/* Computes SHA-256 of r's canonical bytes (r->hash is not read) into out. MNP_EINVAL when
 * mnp_audit_check fails. */
int mnp_audit_hash(const mnp_audit_record_t *r, uint8_t out[MNP_AUDIT_HASH_BYTES],
                   mnp_error_t *err) MNP_WUR;

/* Links r to the record before it and seals it: copies prev_hash (the previous record's hash; 32
 * zero bytes for seq 1) into r->prev_hash and sets r->hash. The caller has set every other field.
 * MNP_EINVAL (r unchanged) when mnp_audit_check fails or seq is 1 and prev_hash is not zeros. */
int mnp_audit_seal(mnp_audit_record_t *r, const uint8_t prev_hash[MNP_AUDIT_HASH_BYTES],
                   mnp_error_t *err) MNP_WUR;

/* Checks that r is the record expected next: r->seq == expected_seq, r->hash is the hash of its
 * content, and r->prev_hash == prev_hash (the previous record's hash, zeros before record 1).
 * Returns 0; MNP_EFORMAT (sequence break: a record removed, inserted or moved); MNP_EINVAL (fields
 * beyond the limits); MNP_ECHECKSUM (content or link altered). err names the position in the
 * chain: "record 1234: hash does not match its content". */
int mnp_audit_verify_next(const mnp_audit_record_t *r, uint64_t expected_seq,
                          const uint8_t prev_hash[MNP_AUDIT_HASH_BYTES], mnp_error_t *err) MNP_WUR;

/* ---- Streaming verification (mnpctl audit verify) ---------------------------------------- */

/* Verifies a log fed record by record in seq order. Caller-allocated; holds no resources (no
 * _fini). The first failure is kept: later feeds return it without checking more. */
typedef struct mnp_audit_verifier {
    uint64_t next_seq;                  /* seq expected next */
    uint64_t checked;                   /* records verified so far */
    uint8_t head[MNP_AUDIT_HASH_BYTES]; /* hash of the last verified record (or the start) */
    mnp_error_t first_error;            /* code 0 while everything verified */
} mnp_audit_verifier_t;

/* Starts verification of a whole log: from record 1, after 32 zero bytes. */
void mnp_audit_verifier_init(mnp_audit_verifier_t *v);

/* Starts verification of the part of a log that begins at first_seq, whose previous record had
 * hash prev_hash (a head the caller trusts, e.g. from an earlier verification). */
void mnp_audit_verifier_init_at(mnp_audit_verifier_t *v, uint64_t first_seq,
                                const uint8_t prev_hash[MNP_AUDIT_HASH_BYTES]);

/* Verifies the next record (borrowed for the call). Returns 0 or the first failure, as
 * mnp_audit_verify_next, with its message in err (may be NULL). */
int mnp_audit_verifier_feed(mnp_audit_verifier_t *v, const mnp_audit_record_t *r,
                            mnp_error_t *err) MNP_WUR;

/* Ends verification: the number of records verified and the head hash (hex, lower case) to
 * records_checked and head_hex (each may be NULL); returns 0, or the first failure again with its
 * message. An empty log verifies, with head all zeros. The head is what a verifier compares with
 * a head recorded elsewhere: the chain alone cannot notice records cut off its end. */
int mnp_audit_verifier_finish(const mnp_audit_verifier_t *v, uint64_t *records_checked,
                              char head_hex[MNP_AUDIT_HASH_HEX], mnp_error_t *err) MNP_WUR;

/* ---- Blobs ------------------------------------------------------------------------------- */

/* Number of bytes mnp_audit_encode appends for r; 0 when r fails mnp_audit_check. */
size_t mnp_audit_encoded_size(const mnp_audit_record_t *r);

/* Appends r's blob (canonical bytes, then r->hash as it stands) to out. MNP_EINVAL when
 * mnp_audit_check fails (nothing appended); the buffer's sticky error (MNP_ELIMIT, MNP_ENOMEM)
 * when it did not fit. */
int mnp_audit_encode(const mnp_audit_record_t *r, mnp_buf_t *out, mnp_error_t *err) MNP_WUR;

/* Decodes one blob from untrusted data[0..len). Strings are copied, NUL-terminated, into arena and
 * r's pointers point there (valid until the arena is reset). Strict: the version must be 1, every
 * length within its limit, actor and action non-empty, no NUL inside a string, seq >= 1 — so that
 * a decoded record re-encodes to exactly the bytes it came from. The hash is NOT checked here
 * (that is mnp_audit_verify_next's job). When used is NULL the blob must fill data exactly;
 * otherwise *used receives its length and more data may follow (files of concatenated blobs).
 * Returns 0; MNP_ETRUNC (data ends inside the blob); MNP_EVERSION; MNP_EFORMAT (a limit, a NUL,
 * trailing bytes); MNP_ENOMEM when the arena's limit is reached. r is undefined on failure. */
int mnp_audit_decode(const void *data, size_t len, mnp_arena_t *arena, mnp_audit_record_t *r,
                     size_t *used, mnp_error_t *err) MNP_WUR;

#endif
