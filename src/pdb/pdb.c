/*
 * The Kamailio pdb codec (include/mnp/pdb.h, docs/pdb-protocol.md): one request datagram in, one
 * reply datagram out, per packet of the lookup server. Everything here runs in a few tens of
 * nanoseconds on the hot path, so it allocates nothing, copies at most the 32 digits, and reads
 * the untrusted datagram only through the bounds-checked cursor or within a span the cursor has
 * handed out.
 */
#include <string.h>

#include "mnp/cursor.h"
#include "mnp/pdb.h"

/* Longest payload worth scanning for the NUL: 32 digits and the NUL itself. */
#define PAYLOAD_MAX (MNP_PDB_DIGITS_MAX + 1)

static mnp_pdb_verdict_t drop(mnp_pdb_request_t *req, mnp_pdb_why_t why)
{
    req->digits = NULL;
    req->digits_len = 0;
    req->why = (uint8_t)why;
    return MNP_PDB_DROP;
}

static int is_digit(int ch)
{
    /* Not isdigit(): that one consults the locale. */
    return ch >= '0' && ch <= '9';
}

/* The payload rules both forms share: 1..32 characters, then at most one NUL, which must be the
 * last byte; v1 requires that NUL, legacy makes it optional. Only then are the characters
 * checked, so a malformed datagram is dropped before anyone decides it deserves a code 2. */
static mnp_pdb_verdict_t parse_payload(mnp_cursor_t *c, mnp_pdb_request_t *req)
{
    size_t n = mnp_cursor_left(c);
    const uint8_t *p = mnp_cursor_take(c, n);
    /* Scanning at most PAYLOAD_MAX bytes keeps the cost bounded for a 64 KiB legacy datagram. */
    const uint8_t *nul = memchr(p, 0, n < PAYLOAD_MAX ? n : PAYLOAD_MAX);
    size_t digits_len;
    if (nul != NULL) {
        digits_len = (size_t)(nul - p);
        if (digits_len + 1 != n)
            return drop(req, MNP_PDB_WHY_AFTER_NUL);
    } else if (n > MNP_PDB_DIGITS_MAX) {
        return drop(req, MNP_PDB_WHY_TOO_LONG);
    } else if (req->form == MNP_PDB_V1) {
        return drop(req, MNP_PDB_WHY_NO_NUL);
    } else {
        digits_len = n;
    }
    if (digits_len == 0)
        return drop(req, MNP_PDB_WHY_EMPTY);

    req->digits = (const char *)p;
    req->digits_len = (uint8_t)digits_len;
    for (size_t i = 0; i < digits_len; i++) {
        if (is_digit(p[i]))
            continue;
        if (req->form == MNP_PDB_LEGACY) /* legacy has no code to say so */
            return drop(req, MNP_PDB_WHY_LEGACY_CHAR);
        return MNP_PDB_NON_DIGITS;
    }
    return MNP_PDB_QUERY;
}

static mnp_pdb_verdict_t parse_v1(mnp_cursor_t *c, size_t len, mnp_pdb_request_t *req)
{
    req->form = MNP_PDB_V1;
    if (!mnp_cursor_need(c, MNP_PDB_HEADER_SIZE))
        return drop(req, MNP_PDB_WHY_SHORT);
    mnp_cursor_skip(c, 1); /* the version, already seen */
    uint8_t type = mnp_cursor_u8(c);
    uint8_t code = mnp_cursor_u8(c);
    uint8_t length = mnp_cursor_u8(c);
    req->id = mnp_cursor_be16(c);
    if (type != MNP_PDB_TYPE_REQUEST)
        return drop(req, MNP_PDB_WHY_NOT_REQUEST);
    if (code != MNP_PDB_CODE_REQUEST)
        return drop(req, MNP_PDB_WHY_CODE);
    /* The reference server trusts this byte and crashes when it is below 6; here it only has to
     * agree with what the kernel delivered (which also bounds a v1 datagram to 255 bytes). */
    if (length != len)
        return drop(req, MNP_PDB_WHY_LENGTH);
    return parse_payload(c, req);
}

mnp_pdb_verdict_t mnp_pdb_parse(const void *buf, size_t len, mnp_pdb_request_t *req)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, buf, len);
    *req = (mnp_pdb_request_t){.form = MNP_PDB_LEGACY, .why = MNP_PDB_WHY_NONE};
    int first = mnp_cursor_peek(&c);
    if (first < 0)
        return drop(req, MNP_PDB_WHY_SHORT);
    if (first == MNP_PDB_VERSION_1)
        return parse_v1(&c, len, req);
    if (is_digit(first))
        return parse_payload(&c, req);
    return drop(req, MNP_PDB_WHY_VERSION);
}

const char *mnp_pdb_why_name(mnp_pdb_why_t why)
{
    static const char *const names[MNP_PDB_WHY_COUNT] = {
        [MNP_PDB_WHY_NONE] = "none",
        [MNP_PDB_WHY_SHORT] = "short",
        [MNP_PDB_WHY_VERSION] = "bad_version",
        [MNP_PDB_WHY_NOT_REQUEST] = "not_request",
        [MNP_PDB_WHY_CODE] = "bad_code",
        [MNP_PDB_WHY_LENGTH] = "length_mismatch",
        [MNP_PDB_WHY_NO_NUL] = "no_nul",
        [MNP_PDB_WHY_AFTER_NUL] = "bytes_after_nul",
        [MNP_PDB_WHY_EMPTY] = "empty_number",
        [MNP_PDB_WHY_TOO_LONG] = "too_long",
        [MNP_PDB_WHY_LEGACY_CHAR] = "legacy_non_digit",
    };
    if ((unsigned)why >= MNP_PDB_WHY_COUNT)
        return "unknown";
    return names[why];
}

/* Whether req describes something a reply can echo: the checks that keep a caller's mistake
 * (an uninitialised or dropped request) from writing past 32 digits or reading NULL. */
static int answerable(const mnp_pdb_request_t *req)
{
    return req->digits != NULL && req->digits_len >= 1 && req->digits_len <= MNP_PDB_DIGITS_MAX &&
           (req->form == MNP_PDB_V1 || req->form == MNP_PDB_LEGACY);
}

static void put_header(uint8_t *o, uint8_t code, size_t total, uint16_t id)
{
    o[0] = MNP_PDB_VERSION_1;
    o[1] = MNP_PDB_TYPE_REPLY;
    o[2] = code;
    o[3] = (uint8_t)total;
    o[4] = (uint8_t)(id >> 8);
    o[5] = (uint8_t)id;
}

/* The reply shape both forms share for an answer with a carrier: [header] digits NUL carrier. */
static int put_carrier_reply(const mnp_pdb_request_t *req, uint16_t carrier, void *out, size_t cap)
{
    size_t off = req->form == MNP_PDB_V1 ? MNP_PDB_HEADER_SIZE : 0;
    size_t dl = req->digits_len;
    size_t total = off + dl + 3;
    if (cap < total)
        return MNP_ELIMIT;
    uint8_t *o = out;
    /* memmove: the digits may already sit in out, when the receive buffer is reused. The header
     * is written afterwards, so it cannot clobber digits still to be copied. */
    memmove(o + off, req->digits, dl);
    o[off + dl] = 0;
    o[off + dl + 1] = (uint8_t)(carrier >> 8);
    o[off + dl + 2] = (uint8_t)carrier;
    if (req->form == MNP_PDB_V1)
        put_header(o, MNP_PDB_CODE_OK, total, req->id);
    return (int)total;
}

int mnp_pdb_reply_ok(const mnp_pdb_request_t *req, uint16_t carrier, void *out, size_t cap)
{
    if (!answerable(req))
        return MNP_EINVAL;
    if (carrier < MNP_PDB_CARRIER_MIN || carrier > MNP_PDB_CARRIER_MAX)
        return MNP_ERANGE;
    return put_carrier_reply(req, carrier, out, cap);
}

/* The v1 replies without payload: the header alone, length 6. */
static int put_bare_reply(const mnp_pdb_request_t *req, uint8_t code, void *out, size_t cap)
{
    if (cap < MNP_PDB_HEADER_SIZE)
        return MNP_ELIMIT;
    put_header(out, code, MNP_PDB_HEADER_SIZE, req->id);
    return MNP_PDB_HEADER_SIZE;
}

int mnp_pdb_reply_not_found(const mnp_pdb_request_t *req, void *out, size_t cap)
{
    if (!answerable(req))
        return MNP_EINVAL;
    if (req->form == MNP_PDB_LEGACY)
        return put_carrier_reply(req, MNP_PDB_LEGACY_NOT_FOUND, out, cap);
    return put_bare_reply(req, MNP_PDB_CODE_NOT_FOUND, out, cap);
}

int mnp_pdb_reply_non_digits(const mnp_pdb_request_t *req, void *out, size_t cap)
{
    if (!answerable(req) || req->form != MNP_PDB_V1)
        return MNP_EINVAL;
    return put_bare_reply(req, MNP_PDB_CODE_NON_DIGITS, out, cap);
}

int mnp_pdb_e164(const char *digits, size_t len, uint64_t *e164)
{
    const char *national;
    switch (len) {
    case 11:
        national = digits;
        break;
    case 13:
        if (memcmp(digits, "86", 2) != 0)
            return MNP_ENOENT;
        national = digits + 2;
        break;
    case 15:
        if (memcmp(digits, "0086", 4) != 0)
            return MNP_ENOENT;
        national = digits + 4;
        break;
    default:
        return MNP_ENOENT;
    }
    /* Only mobile numbers (national form 1xxxxxxxxxx) are ever in the NPDB (SPEC.md §2). */
    if (national[0] != '1')
        return MNP_ENOENT;
    uint64_t v = 86;
    for (size_t i = 0; i < 11; i++) {
        unsigned d = (unsigned)(unsigned char)national[i] - '0';
        if (d > 9)
            return MNP_ENOENT;
        v = v * 10 + d;
    }
    *e164 = v;
    return 0;
}
