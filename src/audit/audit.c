/*
 * The hash-chained audit log: sealing, verification and the blob codec (layout in audit.h).
 * Hashing and encoding share one serialiser that writes either into SHA-256 or into a buffer, so
 * the bytes that were hashed and the bytes that are exported cannot drift apart; decoding is the
 * strict inverse, through the bounds-checked cursor, and accepts only what encoding produces.
 */
#include "mnp/audit.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include <sodium.h>

#include "mnp/cursor.h"

static const uint8_t zero_hash[MNP_AUDIT_HASH_BYTES];

static const char *str_or_empty(const char *s)
{
    return s != NULL ? s : "";
}

/* ---- Field checks ------------------------------------------------------------------------ */

typedef struct lens {
    size_t actor, action, subject, detail;
} lens_t;

/* Measures a string, reading at most max + 1 bytes of it. */
static size_t bounded_len(const char *s, size_t max)
{
    return strnlen(str_or_empty(s), max + 1);
}

static int record_lens(const mnp_audit_record_t *r, lens_t *l, mnp_error_t *err)
{
    if (r->seq == 0)
        return mnp_error_set(err, MNP_EINVAL, "record 0: sequence numbers start at 1");
    l->actor = bounded_len(r->actor, MNP_AUDIT_ACTOR_MAX);
    l->action = bounded_len(r->action, MNP_AUDIT_ACTION_MAX);
    l->subject = bounded_len(r->subject, MNP_AUDIT_SUBJECT_MAX);
    l->detail = bounded_len(r->detail, MNP_AUDIT_DETAIL_MAX);
    const struct {
        const char *name;
        size_t len, min, max;
    } f[4] = {
        {"actor", l->actor, 1, MNP_AUDIT_ACTOR_MAX},
        {"action", l->action, 1, MNP_AUDIT_ACTION_MAX},
        {"subject", l->subject, 0, MNP_AUDIT_SUBJECT_MAX},
        {"detail", l->detail, 0, MNP_AUDIT_DETAIL_MAX},
    };
    for (size_t i = 0; i < 4; i++)
        if (f[i].len < f[i].min || f[i].len > f[i].max)
            return mnp_error_set(err, MNP_EINVAL, "record %" PRIu64 ": %s must be %zu to %zu bytes",
                                 r->seq, f[i].name, f[i].min, f[i].max);
    return 0;
}

int mnp_audit_check(const mnp_audit_record_t *r, mnp_error_t *err)
{
    lens_t l;
    return record_lens(r, &l, err);
}

/* ---- The serialiser ---------------------------------------------------------------------- */

/* Where canonical bytes go: into SHA-256 when buf is NULL, else appended to buf. */
typedef struct sink {
    mnp_buf_t *buf;
    crypto_hash_sha256_state sha;
} sink_t;

static void sink_put(sink_t *s, const void *p, size_t n)
{
    if (s->buf != NULL)
        mnp_buf_append(s->buf, p, n);
    else
        crypto_hash_sha256_update(&s->sha, p, n);
}

static void sink_be(sink_t *s, uint64_t v, size_t n)
{
    uint8_t b[8];
    for (size_t i = 0; i < n; i++)
        b[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
    sink_put(s, b, n);
}

static void sink_str(sink_t *s, const char *str, size_t len, size_t len_bytes)
{
    sink_be(s, (uint64_t)len, len_bytes);
    sink_put(s, str_or_empty(str), len);
}

/* Writes the canonical bytes (everything but the hash) of a record whose lengths are l. */
static void serialise(const mnp_audit_record_t *r, const lens_t *l, sink_t *s)
{
    sink_be(s, MNP_AUDIT_VERSION, 1);
    sink_be(s, r->seq, 8);
    sink_be(s, (uint64_t)r->at_ms, 8);
    sink_str(s, r->actor, l->actor, 1);
    sink_str(s, r->action, l->action, 1);
    sink_str(s, r->subject, l->subject, 1);
    sink_str(s, r->detail, l->detail, 4);
    sink_put(s, r->prev_hash, MNP_AUDIT_HASH_BYTES);
}

static void hash_with_lens(const mnp_audit_record_t *r, const lens_t *l,
                           uint8_t out[MNP_AUDIT_HASH_BYTES])
{
    sink_t s = {.buf = NULL};
    crypto_hash_sha256_init(&s.sha);
    serialise(r, l, &s);
    crypto_hash_sha256_final(&s.sha, out);
}

int mnp_audit_hash(const mnp_audit_record_t *r, uint8_t out[MNP_AUDIT_HASH_BYTES], mnp_error_t *err)
{
    lens_t l;
    int rc = record_lens(r, &l, err);
    if (rc != 0)
        return rc;
    hash_with_lens(r, &l, out);
    return 0;
}

int mnp_audit_seal(mnp_audit_record_t *r, const uint8_t prev_hash[MNP_AUDIT_HASH_BYTES],
                   mnp_error_t *err)
{
    lens_t l;
    int rc = record_lens(r, &l, err);
    if (rc != 0)
        return rc;
    /* Nothing comes before record 1: a non-zero link there is the caller's bug, not a chain. */
    if (r->seq == 1 && memcmp(prev_hash, zero_hash, MNP_AUDIT_HASH_BYTES) != 0)
        return mnp_error_set(err, MNP_EINVAL, "record 1: prev_hash must be all zeros");
    memmove(r->prev_hash, prev_hash, MNP_AUDIT_HASH_BYTES);
    hash_with_lens(r, &l, r->hash);
    return 0;
}

/* ---- Verification ------------------------------------------------------------------------ */

int mnp_audit_verify_next(const mnp_audit_record_t *r, uint64_t expected_seq,
                          const uint8_t prev_hash[MNP_AUDIT_HASH_BYTES], mnp_error_t *err)
{
    if (r->seq != expected_seq)
        return mnp_error_set(err, MNP_EFORMAT,
                             "record %" PRIu64 ": sequence number is %" PRIu64
                             " (a record was removed, inserted or moved)",
                             expected_seq, r->seq);
    lens_t l;
    int rc = record_lens(r, &l, err);
    if (rc != 0)
        return rc;
    uint8_t h[MNP_AUDIT_HASH_BYTES];
    hash_with_lens(r, &l, h);
    /* Content first: an edited record is reported as itself, not as a broken link after it. */
    if (memcmp(h, r->hash, sizeof(h)) != 0)
        return mnp_error_set(err, MNP_ECHECKSUM,
                             "record %" PRIu64 ": hash does not match its content", expected_seq);
    if (memcmp(r->prev_hash, prev_hash, MNP_AUDIT_HASH_BYTES) != 0) {
        if (expected_seq == 1)
            return mnp_error_set(err, MNP_ECHECKSUM,
                                 "record 1: prev_hash is not all zeros, as the first record's is");
        return mnp_error_set(err, MNP_ECHECKSUM,
                             "record %" PRIu64
                             ": prev_hash does not match the hash of record %" PRIu64,
                             expected_seq, expected_seq - 1);
    }
    return 0;
}

void mnp_audit_verifier_init(mnp_audit_verifier_t *v)
{
    mnp_audit_verifier_init_at(v, 1, zero_hash);
}

void mnp_audit_verifier_init_at(mnp_audit_verifier_t *v, uint64_t first_seq,
                                const uint8_t prev_hash[MNP_AUDIT_HASH_BYTES])
{
    v->next_seq = first_seq;
    v->checked = 0;
    memcpy(v->head, prev_hash, MNP_AUDIT_HASH_BYTES);
    mnp_error_clear(&v->first_error);
}

static int verifier_failed(const mnp_audit_verifier_t *v, mnp_error_t *err)
{
    if (err != NULL)
        *err = v->first_error;
    return v->first_error.code;
}

int mnp_audit_verifier_feed(mnp_audit_verifier_t *v, const mnp_audit_record_t *r, mnp_error_t *err)
{
    if (v->first_error.code != 0)
        return verifier_failed(v, err);
    int rc = mnp_audit_verify_next(r, v->next_seq, v->head, &v->first_error);
    if (rc != 0)
        return verifier_failed(v, err);
    memcpy(v->head, r->hash, MNP_AUDIT_HASH_BYTES);
    v->next_seq++;
    v->checked++;
    return 0;
}

int mnp_audit_verifier_finish(const mnp_audit_verifier_t *v, uint64_t *records_checked,
                              char head_hex[MNP_AUDIT_HASH_HEX], mnp_error_t *err)
{
    if (records_checked != NULL)
        *records_checked = v->checked;
    if (head_hex != NULL)
        sodium_bin2hex(head_hex, MNP_AUDIT_HASH_HEX, v->head, MNP_AUDIT_HASH_BYTES);
    if (v->first_error.code != 0)
        return verifier_failed(v, err);
    return 0;
}

/* ---- Blobs ------------------------------------------------------------------------------- */

size_t mnp_audit_encoded_size(const mnp_audit_record_t *r)
{
    lens_t l;
    if (record_lens(r, &l, NULL) != 0)
        return 0;
    return 56 + l.actor + l.action + l.subject + l.detail + MNP_AUDIT_HASH_BYTES;
}

int mnp_audit_encode(const mnp_audit_record_t *r, mnp_buf_t *out, mnp_error_t *err)
{
    lens_t l;
    int rc = record_lens(r, &l, err);
    if (rc != 0)
        return rc;
    sink_t s = {.buf = out};
    serialise(r, &l, &s);
    sink_put(&s, r->hash, MNP_AUDIT_HASH_BYTES);
    rc = mnp_buf_error(out);
    if (rc != 0)
        return mnp_error_set(err, rc, "record %" PRIu64 ": blob does not fit the buffer", r->seq);
    return 0;
}

static int truncated(const mnp_cursor_t *c, mnp_error_t *err)
{
    /* The cursor stays at the field that did not fit, which is what a reader looks for. */
    return mnp_error_set(err, MNP_ETRUNC,
                         "audit record: input of %zu bytes ends inside the field at byte %zu",
                         (size_t)(c->end - c->start), mnp_cursor_offset(c));
}

/* Reads one length-prefixed string field (length of len_bytes bytes, then the bytes) into the
 * arena, refusing lengths outside min..max and NUL bytes. */
static int decode_str(mnp_cursor_t *c, size_t len_bytes, size_t min, size_t max, const char *field,
                      mnp_arena_t *arena, const char **out, mnp_error_t *err)
{
    size_t at = mnp_cursor_offset(c);
    size_t n = len_bytes == 1 ? mnp_cursor_u8(c) : mnp_cursor_be32(c);
    if (mnp_cursor_error(c) != 0)
        return truncated(c, err);
    if (n < min || n > max)
        return mnp_error_set(err, MNP_EFORMAT,
                             "audit record: %s length %zu at byte %zu is outside %zu..%zu", field,
                             n, at, min, max);
    const uint8_t *p = mnp_cursor_take(c, n);
    if (p == NULL)
        return truncated(c, err);
    if (memchr(p, 0, n) != NULL)
        return mnp_error_set(err, MNP_EFORMAT, "audit record: %s holds a NUL byte", field);
    char *s = mnp_arena_strndup(arena, (const char *)p, n);
    if (s == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "audit record: %s does not fit the arena", field);
    *out = s;
    return 0;
}

static uint64_t cursor_be64(mnp_cursor_t *c)
{
    uint64_t hi = mnp_cursor_be32(c);
    return (hi << 32) | mnp_cursor_be32(c);
}

/* Two's complement without relying on implementation-defined conversion. */
static int64_t to_i64(uint64_t u)
{
    return u <= INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

int mnp_audit_decode(const void *data, size_t len, mnp_arena_t *arena, mnp_audit_record_t *r,
                     size_t *used, mnp_error_t *err)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, data, len);
    memset(r, 0, sizeof(*r));
    uint8_t version = mnp_cursor_u8(&c);
    if (mnp_cursor_error(&c) != 0)
        return truncated(&c, err);
    if (version != MNP_AUDIT_VERSION)
        return mnp_error_set(err, MNP_EVERSION, "audit record: format version %u is not %d",
                             (unsigned)version, MNP_AUDIT_VERSION);
    r->seq = cursor_be64(&c);
    r->at_ms = to_i64(cursor_be64(&c));
    if (mnp_cursor_error(&c) != 0)
        return truncated(&c, err);
    if (r->seq == 0)
        return mnp_error_set(err, MNP_EFORMAT, "audit record: sequence number 0");
    int rc = decode_str(&c, 1, 1, MNP_AUDIT_ACTOR_MAX, "actor", arena, &r->actor, err);
    if (rc == 0)
        rc = decode_str(&c, 1, 1, MNP_AUDIT_ACTION_MAX, "action", arena, &r->action, err);
    if (rc == 0)
        rc = decode_str(&c, 1, 0, MNP_AUDIT_SUBJECT_MAX, "subject", arena, &r->subject, err);
    if (rc == 0)
        rc = decode_str(&c, 4, 0, MNP_AUDIT_DETAIL_MAX, "detail", arena, &r->detail, err);
    if (rc != 0)
        return rc;
    mnp_cursor_read(&c, r->prev_hash, MNP_AUDIT_HASH_BYTES);
    mnp_cursor_read(&c, r->hash, MNP_AUDIT_HASH_BYTES);
    if (mnp_cursor_error(&c) != 0)
        return truncated(&c, err);
    if (used != NULL)
        *used = mnp_cursor_offset(&c);
    else if (!mnp_cursor_eof(&c))
        return mnp_error_set(err, MNP_EFORMAT, "audit record: %zu bytes after the record",
                             mnp_cursor_left(&c));
    return 0;
}
