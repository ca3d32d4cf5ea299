/*
 * The UDP wire format of Kamailio's `pdb` module, as a pure codec: it parses one request
 * datagram and builds the reply into a caller buffer, touching no socket, allocating nothing and
 * calling no locale function, so the lookup server can run it per packet (docs/pdb-protocol.md).
 * Two request forms exist: version 1 (a 6-byte header, then the digits and one NUL) and the
 * legacy form (bare digits, optionally NUL-terminated), told apart by the first byte. Every bound
 * is checked against the real datagram length; the length byte of the packet is only compared
 * with it, never trusted. The helper mnp_pdb_e164() turns the queried digits into the E.164
 * integer the NPDB is keyed by.
 */
#ifndef MNP_PDB_H
#define MNP_PDB_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

/* Every limit of the protocol, in one place. */
#define MNP_PDB_PORT_DEFAULT 5574 /* SPEC.md §1: the demo's pdb port */
#define MNP_PDB_VERSION_1    1    /* first byte of a version 1 datagram */
#define MNP_PDB_HEADER_SIZE  6    /* version, type, code, length, id (2) */
#define MNP_PDB_DATAGRAM_MAX 255  /* the v1 length byte counts the whole datagram */
#define MNP_PDB_DIGITS_MAX   32   /* longest number we accept; longer requests are dropped */
#define MNP_PDB_CARRIER_MIN  1
#define MNP_PDB_CARRIER_MAX  999
/* The largest reply: v1 header, 32 digits, NUL, carrier id. A buffer this big always suffices. */
#define MNP_PDB_REPLY_MAX (MNP_PDB_HEADER_SIZE + MNP_PDB_DIGITS_MAX + 1 + 2)

/* Header field values (byte 1 type, byte 2 code). */
#define MNP_PDB_TYPE_REQUEST     0
#define MNP_PDB_TYPE_REPLY       1
#define MNP_PDB_CODE_REQUEST     0 /* the code byte of every request */
#define MNP_PDB_CODE_OK          1 /* reply carries digits, NUL, carrier id */
#define MNP_PDB_CODE_NON_DIGITS  2 /* the number had a non-digit; no payload */
#define MNP_PDB_CODE_NOT_FOUND   3 /* no carrier known; no payload */
#define MNP_PDB_LEGACY_NOT_FOUND 0 /* carrier id a legacy reply carries for "not found" */

/* Which form a request came in; the reply goes out in the same form. */
typedef enum mnp_pdb_form {
    MNP_PDB_LEGACY = 0, /* bare ASCII digits, optionally one trailing NUL */
    MNP_PDB_V1 = 1,     /* 6-byte header, digits, NUL */
} mnp_pdb_form_t;

/* What to do with a datagram. */
typedef enum mnp_pdb_verdict {
    MNP_PDB_QUERY = 0,      /* well formed: look the digits up, answer OK or NOT_FOUND */
    MNP_PDB_NON_DIGITS = 1, /* v1 whose number has a non-digit: answer code 2 */
    MNP_PDB_DROP = 2,       /* malformed: answer nothing */
} mnp_pdb_verdict_t;

/* Why a datagram was dropped (MNP_PDB_WHY_NONE for the other verdicts). Values are stable: they
 * name drop counters. */
typedef enum mnp_pdb_why {
    MNP_PDB_WHY_NONE = 0,
    MNP_PDB_WHY_SHORT,       /* empty, or a v1 datagram shorter than its header */
    MNP_PDB_WHY_VERSION,     /* first byte neither 1 nor an ASCII digit */
    MNP_PDB_WHY_NOT_REQUEST, /* v1 type byte is not 0 (a reply, or garbage) */
    MNP_PDB_WHY_CODE,        /* v1 code byte is not 0 */
    MNP_PDB_WHY_LENGTH,      /* v1 length byte differs from the real datagram length */
    MNP_PDB_WHY_NO_NUL,      /* v1 payload does not end in a NUL */
    MNP_PDB_WHY_AFTER_NUL,   /* bytes follow the first NUL */
    MNP_PDB_WHY_EMPTY,       /* no digits before the NUL */
    MNP_PDB_WHY_TOO_LONG,    /* more than MNP_PDB_DIGITS_MAX characters */
    MNP_PDB_WHY_LEGACY_CHAR, /* a legacy request with a non-digit (legacy has no code 2) */
} mnp_pdb_why_t;
#define MNP_PDB_WHY_COUNT 11

/* A parsed request. digits borrows the datagram passed to mnp_pdb_parse() (no NUL follows it in
 * the struct's view; use digits_len), so it lives as long as that buffer. */
typedef struct mnp_pdb_request {
    const char *digits; /* the number as sent; NULL only when the verdict is DROP */
    uint8_t digits_len; /* 1..MNP_PDB_DIGITS_MAX unless the verdict is DROP */
    uint8_t form;       /* mnp_pdb_form_t */
    uint16_t id;        /* v1 request id (host order), echoed in the reply; 0 for legacy */
    uint8_t why;        /* mnp_pdb_why_t: MNP_PDB_WHY_NONE unless the verdict is DROP */
} mnp_pdb_request_t;

/* Parses the datagram buf[0..len) exactly as received. Always fills *req (on DROP, digits is NULL
 * and why says what was wrong) and returns the verdict:
 *   - first byte 1: version 1. Needs len >= 6, type 0, code 0, length byte == len (so len <= 255),
 *     and a payload of 1..32 characters followed by exactly one NUL, which is the last byte.
 *     Any of those failing is DROP. A payload with a character outside '0'..'9' is NON_DIGITS
 *     (the server answers code 2 with the id echoed).
 *   - first byte '0'..'9': legacy. 1..32 digits, optionally one NUL as the last byte; anything
 *     else (a non-digit, bytes after the NUL, too many digits) is DROP.
 *   - anything else, or len 0: DROP.
 * buf may be NULL when len is 0. Reads only buf[0..len); no allocation, no locale. */
mnp_pdb_verdict_t mnp_pdb_parse(const void *buf, size_t len, mnp_pdb_request_t *req);

/* A stable machine-readable name for why ("length_mismatch"); never NULL. */
const char *mnp_pdb_why_name(mnp_pdb_why_t why);

/* The reply builders write one reply datagram for req (as filled by mnp_pdb_parse with verdict
 * QUERY, or NON_DIGITS for the non-digits reply) into out[0..cap) and return its length in bytes,
 * or a negative code with out's contents unspecified:
 *   MNP_EINVAL  req is not answerable this way (digits_len outside 1..32, digits NULL, an unknown
 *               form, or a legacy request asked for a NON_DIGITS reply);
 *   MNP_ERANGE  the carrier id is outside MNP_PDB_CARRIER_MIN..MNP_PDB_CARRIER_MAX;
 *   MNP_ELIMIT  cap is smaller than the reply (MNP_PDB_REPLY_MAX always suffices).
 * req->digits may point into out (the receive buffer reused for the reply): the digits sit at the
 * same offset in request and reply, and the copy tolerates overlap. No allocation. */

/* OK: v1 header (type 1, code 1, length, id echoed), digits, NUL, carrier id big-endian;
 * legacy: digits, NUL, carrier id big-endian. */
int mnp_pdb_reply_ok(const mnp_pdb_request_t *req, uint16_t carrier, void *out, size_t cap) MNP_WUR;

/* NOT FOUND: v1 header with code 3 and no payload (length 6); legacy: the OK reply with carrier
 * id 0 (MNP_PDB_LEGACY_NOT_FOUND), which the legacy client reads as "no carrier", so that it gets
 * an answer instead of waiting out its timeout. */
int mnp_pdb_reply_not_found(const mnp_pdb_request_t *req, void *out, size_t cap) MNP_WUR;

/* NON DIGITS: v1 header with code 2 and no payload (length 6). The legacy form has no such code:
 * MNP_EINVAL (parse drops legacy requests with non-digits anyway). */
int mnp_pdb_reply_non_digits(const mnp_pdb_request_t *req, void *out, size_t cap) MNP_WUR;

/* Normalises the queried digits[0..len) to the E.164 integer of a China profile mobile number:
 *   11 digits "1xxxxxxxxxx"          -> 86 prefixed  (13012345678     -> 8613012345678)
 *   13 digits "861xxxxxxxxxx"        -> as is        (8613012345678   -> 8613012345678)
 *   15 digits "00861xxxxxxxxxx"      -> "00" dropped (008613012345678 -> 8613012345678)
 * Returns 0 with *e164 set, or MNP_ENOENT for anything else (another length or prefix, a national
 * number not starting with 1, a non-digit): a number the NPDB cannot hold, which the caller
 * answers NOT FOUND. No allocation, no locale. */
int mnp_pdb_e164(const char *digits, size_t len, uint64_t *e164) MNP_WUR;

#endif
