/*
 * Fuzzes the Kamailio pdb codec with arbitrary datagrams. Beyond not crashing: a parsed request
 * must describe exactly the bytes received (form from the first byte, length byte equal to the
 * datagram size, id, digits borrowed from the datagram); on every accepted request each reply
 * kind is built and checked (length byte equal to the returned length and at most 255, id and
 * digits echoed, carrier id big-endian, the same bytes when built in place over the request), no
 * reply parses as a request, and mnp_pdb_e164() agrees with the China profile's three forms.
 */
#include <string.h>

#include "fuzz.h"
#include "mnp/pdb.h"

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* What the parse must have seen, recomputed independently from the raw bytes. */
static void check_request(const uint8_t *data, size_t size, mnp_pdb_verdict_t v,
                          const mnp_pdb_request_t *req)
{
    FUZZ_CHECK(req->why == MNP_PDB_WHY_NONE);
    FUZZ_CHECK(req->digits_len >= 1 && req->digits_len <= MNP_PDB_DIGITS_MAX);
    const uint8_t *d = (const uint8_t *)req->digits;
    FUZZ_CHECK(d >= data && d + req->digits_len <= data + size);
    FUZZ_CHECK(memchr(d, 0, req->digits_len) == NULL);
    if (req->form == MNP_PDB_V1) {
        FUZZ_CHECK(data[0] == 1 && data[1] == 0 && data[2] == 0);
        FUZZ_CHECK(size >= MNP_PDB_HEADER_SIZE + 2 && data[3] == size);
        FUZZ_CHECK(req->id == ((data[4] << 8) | data[5]));
        FUZZ_CHECK(d == data + MNP_PDB_HEADER_SIZE);
        FUZZ_CHECK((size_t)req->digits_len + MNP_PDB_HEADER_SIZE + 1 == size &&
                   data[size - 1] == 0);
        FUZZ_CHECK((v == MNP_PDB_QUERY) == all_digits(req->digits, req->digits_len));
    } else {
        FUZZ_CHECK(req->form == MNP_PDB_LEGACY && v == MNP_PDB_QUERY);
        FUZZ_CHECK(req->id == 0 && d == data);
        FUZZ_CHECK((size_t)req->digits_len == size ||
                   ((size_t)req->digits_len + 1 == size && data[size - 1] == 0));
        FUZZ_CHECK(all_digits(req->digits, req->digits_len));
    }
}

/* Checks a reply that carries digits, NUL and carrier id, starting at off in out[0..n). */
static void check_carrier_reply(const mnp_pdb_request_t *req, const uint8_t *out, int n,
                                uint16_t carrier)
{
    size_t off = req->form == MNP_PDB_V1 ? MNP_PDB_HEADER_SIZE : 0;
    size_t dl = req->digits_len;
    FUZZ_CHECK(n > 0 && (size_t)n == off + dl + 3 && n <= MNP_PDB_REPLY_MAX);
    FUZZ_CHECK(memcmp(out + off, req->digits, dl) == 0);
    FUZZ_CHECK(out[off + dl] == 0);
    FUZZ_CHECK(((out[off + dl + 1] << 8) | out[off + dl + 2]) == carrier);
    if (req->form == MNP_PDB_V1) {
        FUZZ_CHECK(out[0] == 1 && out[1] == MNP_PDB_TYPE_REPLY && out[2] == MNP_PDB_CODE_OK);
        FUZZ_CHECK(out[3] == n && n <= MNP_PDB_DATAGRAM_MAX);
        FUZZ_CHECK(((out[4] << 8) | out[5]) == req->id);
    }
    mnp_pdb_request_t again;
    FUZZ_CHECK(mnp_pdb_parse(out, (size_t)n, &again) == MNP_PDB_DROP);
}

static void check_bare_reply(const mnp_pdb_request_t *req, const uint8_t *out, int n, int code)
{
    FUZZ_CHECK(n == MNP_PDB_HEADER_SIZE && out[3] == n);
    FUZZ_CHECK(out[0] == 1 && out[1] == MNP_PDB_TYPE_REPLY && out[2] == code);
    FUZZ_CHECK(((out[4] << 8) | out[5]) == req->id);
    mnp_pdb_request_t again;
    FUZZ_CHECK(mnp_pdb_parse(out, (size_t)n, &again) == MNP_PDB_DROP);
    FUZZ_CHECK(again.why == MNP_PDB_WHY_NOT_REQUEST);
}

static void check_replies(const uint8_t *data, size_t size, mnp_pdb_verdict_t v,
                          const mnp_pdb_request_t *req)
{
    uint8_t out[MNP_PDB_REPLY_MAX];
    uint16_t carrier = (uint16_t)(size * 37 % MNP_PDB_CARRIER_MAX + 1);
    if (v == MNP_PDB_NON_DIGITS) {
        check_bare_reply(req, out, mnp_pdb_reply_non_digits(req, out, sizeof(out)),
                         MNP_PDB_CODE_NON_DIGITS);
        return;
    }
    int n = mnp_pdb_reply_ok(req, carrier, out, sizeof(out));
    check_carrier_reply(req, out, n, carrier);
    FUZZ_CHECK(mnp_pdb_reply_ok(req, carrier, out, (size_t)n - 1) == MNP_ELIMIT);
    FUZZ_CHECK(mnp_pdb_reply_ok(req, 0, out, sizeof(out)) == MNP_ERANGE);
    FUZZ_CHECK(mnp_pdb_reply_ok(req, MNP_PDB_CARRIER_MAX + 1, out, sizeof(out)) == MNP_ERANGE);

    /* In place, over a copy of the request: the same bytes. */
    uint8_t inplace[MNP_PDB_DATAGRAM_MAX + 1];
    FUZZ_CHECK(size <= sizeof(inplace));
    memcpy(inplace, data, size);
    mnp_pdb_request_t copy;
    FUZZ_CHECK(mnp_pdb_parse(inplace, size, &copy) == v);
    FUZZ_CHECK(mnp_pdb_reply_ok(&copy, carrier, inplace, sizeof(inplace)) == n);
    FUZZ_CHECK(memcmp(inplace, out, (size_t)n) == 0);

    n = mnp_pdb_reply_not_found(req, out, sizeof(out));
    if (req->form == MNP_PDB_V1) {
        check_bare_reply(req, out, n, MNP_PDB_CODE_NOT_FOUND);
        check_bare_reply(req, out, mnp_pdb_reply_non_digits(req, out, sizeof(out)),
                         MNP_PDB_CODE_NON_DIGITS);
    } else {
        check_carrier_reply(req, out, n, MNP_PDB_LEGACY_NOT_FOUND);
        FUZZ_CHECK(mnp_pdb_reply_non_digits(req, out, sizeof(out)) == MNP_EINVAL);
    }
}

/* mnp_pdb_e164 accepts exactly the three forms, and its value spells "86" + the national part. */
static void check_e164(const char *s, size_t n)
{
    uint64_t v = 0;
    int rc = mnp_pdb_e164(s, n, &v);
    size_t skip = n == 11 ? 0 : n == 13 ? 2 : 4;
    int want = all_digits(s, n) &&
               ((n == 11) || (n == 13 && memcmp(s, "86", 2) == 0) ||
                (n == 15 && memcmp(s, "0086", 4) == 0)) &&
               s[skip] == '1';
    FUZZ_CHECK((rc == 0) == want);
    if (rc != 0) {
        FUZZ_CHECK(rc == MNP_ENOENT);
        return;
    }
    FUZZ_CHECK(v >= 8610000000000ull && v <= 8619999999999ull);
    for (size_t i = 0; i < 11; i++) {
        FUZZ_CHECK((char)('0' + v % 10) == s[n - 1 - i]);
        v /= 10;
    }
    FUZZ_CHECK(v == 86);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mnp_pdb_request_t req;
    mnp_pdb_verdict_t v = mnp_pdb_parse(data, size, &req);
    FUZZ_CHECK(v == MNP_PDB_QUERY || v == MNP_PDB_NON_DIGITS || v == MNP_PDB_DROP);
    if (v == MNP_PDB_DROP) {
        uint8_t out[MNP_PDB_REPLY_MAX];
        FUZZ_CHECK(req.digits == NULL && req.why != MNP_PDB_WHY_NONE);
        FUZZ_CHECK(req.why < MNP_PDB_WHY_COUNT);
        FUZZ_CHECK(mnp_pdb_reply_ok(&req, 1, out, sizeof(out)) == MNP_EINVAL);
        FUZZ_CHECK(mnp_pdb_reply_not_found(&req, out, sizeof(out)) == MNP_EINVAL);
    } else {
        check_request(data, size, v, &req);
        check_replies(data, size, v, &req);
        if (v == MNP_PDB_QUERY)
            check_e164(req.digits, req.digits_len);
    }
    /* The normaliser on raw bytes too (it is public, and must not trust its input). */
    if (size <= 15 && size >= 11)
        check_e164((const char *)data, size);
    return 0;
}
