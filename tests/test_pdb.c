/*
 * Tests for the Kamailio pdb codec: every verdict and drop reason from crafted datagrams (length
 * bytes below 6 and above the real size, v1 without NUL, bytes after the NUL, empty, 255-byte and
 * oversized datagrams, legacy with and without NUL), byte-exact replies of every kind in both
 * forms including a reply built in place over the request, id echo, carrier id bounds, buffer
 * bounds, and the E.164 normalisation of the China profile.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "mnp/pdb.h"

/* Writes a v1 request with a correct length byte: header, then payload[0..plen) verbatim (the
 * caller includes any NUL). Returns the datagram length. */
static size_t v1(uint8_t *out, uint16_t id, const void *payload, size_t plen)
{
    out[0] = 1;
    out[1] = 0;
    out[2] = 0;
    out[3] = (uint8_t)(MNP_PDB_HEADER_SIZE + plen);
    out[4] = (uint8_t)(id >> 8);
    out[5] = (uint8_t)id;
    memcpy(out + MNP_PDB_HEADER_SIZE, payload, plen);
    return MNP_PDB_HEADER_SIZE + plen;
}

/* Parses buf[0..len) and checks that it was dropped for why. */
static void expect_drop(const void *buf, size_t len, mnp_pdb_why_t why)
{
    mnp_pdb_request_t req;
    assert_int_equal(mnp_pdb_parse(buf, len, &req), MNP_PDB_DROP);
    assert_string_equal(mnp_pdb_why_name(req.why), mnp_pdb_why_name(why));
    assert_null(req.digits);
    assert_int_equal(req.digits_len, 0);
}

static void test_v1_query(void **state)
{
    (void)state;
    uint8_t d[64];
    size_t len = v1(d, 0x1234, "8613012345678", 14);
    mnp_pdb_request_t req;
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);
    assert_int_equal(req.form, MNP_PDB_V1);
    assert_int_equal(req.id, 0x1234);
    assert_int_equal(req.why, MNP_PDB_WHY_NONE);
    assert_ptr_equal(req.digits, (const char *)d + 6); /* borrowed, not copied */
    assert_int_equal(req.digits_len, 13);
    assert_memory_equal(req.digits, "8613012345678", 13);

    /* One digit is a number too; so are 32. */
    len = v1(d, 0xffff, "7", 2);
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);
    assert_int_equal(req.digits_len, 1);
    assert_int_equal(req.id, 0xffff);
    len = v1(d, 0, "12345678901234567890123456789012", 33);
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);
    assert_int_equal(req.digits_len, 32);
    assert_int_equal(req.id, 0);
}

static void test_legacy_query(void **state)
{
    (void)state;
    mnp_pdb_request_t req;
    static const char bare[] = "13012345678";
    assert_int_equal(mnp_pdb_parse(bare, 11, &req), MNP_PDB_QUERY);
    assert_int_equal(req.form, MNP_PDB_LEGACY);
    assert_int_equal(req.id, 0);
    assert_ptr_equal(req.digits, bare);
    assert_int_equal(req.digits_len, 11);

    /* With its NUL: the NUL is not part of the number. */
    assert_int_equal(mnp_pdb_parse(bare, 12, &req), MNP_PDB_QUERY);
    assert_int_equal(req.digits_len, 11);

    /* A '0' first byte is a digit, hence legacy (not a version 0 header). */
    assert_int_equal(mnp_pdb_parse("0086130", 7, &req), MNP_PDB_QUERY);
    assert_int_equal(req.form, MNP_PDB_LEGACY);

    static const char n32[] = "12345678901234567890123456789012";
    assert_int_equal(mnp_pdb_parse(n32, 32, &req), MNP_PDB_QUERY);
    assert_int_equal(mnp_pdb_parse(n32, 33, &req), MNP_PDB_QUERY);
    assert_int_equal(req.digits_len, 32);
}

static void test_v1_non_digits(void **state)
{
    (void)state;
    uint8_t d[64];
    mnp_pdb_request_t req;
    size_t len = v1(d, 0xabcd, "+8613012345678", 15);
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_NON_DIGITS);
    assert_int_equal(req.form, MNP_PDB_V1);
    assert_int_equal(req.id, 0xabcd);
    assert_int_equal(req.why, MNP_PDB_WHY_NONE);
    assert_int_equal(req.digits_len, 14);

    len = v1(d, 1, "130 1234\x80", 10);
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_NON_DIGITS);

    /* Malformed beats non-digit: too long with letters is dropped, not answered. */
    len = v1(d, 1, "abcdefghijabcdefghijabcdefghijabc", 34);
    expect_drop(d, len, MNP_PDB_WHY_TOO_LONG);
}

static void test_drop_short_and_version(void **state)
{
    (void)state;
    expect_drop(NULL, 0, MNP_PDB_WHY_SHORT);
    uint8_t d[64];
    size_t len = v1(d, 7, "1\0", 2);
    for (size_t n = 1; n < MNP_PDB_HEADER_SIZE; n++)
        expect_drop(d, n, MNP_PDB_WHY_SHORT);

    static const uint8_t firsts[] = {0x00, 0x02, 0xff, '+', 'a', ' ', '/', ':'};
    for (size_t i = 0; i < sizeof(firsts); i++) {
        d[0] = firsts[i];
        expect_drop(d, len, MNP_PDB_WHY_VERSION);
    }
}

static void test_drop_header_fields(void **state)
{
    (void)state;
    uint8_t d[64];
    size_t len = v1(d, 7, "130\0", 4);
    d[1] = 1; /* a reply: a server must never answer one, or two servers could ping-pong */
    expect_drop(d, len, MNP_PDB_WHY_NOT_REQUEST);
    d[1] = 0;
    d[2] = 3;
    expect_drop(d, len, MNP_PDB_WHY_CODE);
    d[2] = 0;

    /* Length byte below the header size: the reference server crashes on these. */
    for (unsigned b = 0; b < MNP_PDB_HEADER_SIZE; b++) {
        d[3] = (uint8_t)b;
        expect_drop(d, len, MNP_PDB_WHY_LENGTH);
    }
    d[3] = (uint8_t)(len + 1); /* claims more than arrived */
    expect_drop(d, len, MNP_PDB_WHY_LENGTH);
    d[3] = 255;
    expect_drop(d, len, MNP_PDB_WHY_LENGTH);
    d[3] = (uint8_t)(len - 1); /* claims less: the rest would be unaccounted for */
    expect_drop(d, len, MNP_PDB_WHY_LENGTH);
    /* A datagram cut short in transit leaves the length byte too high too. */
    d[3] = (uint8_t)len;
    expect_drop(d, len - 1, MNP_PDB_WHY_LENGTH);
}

static void test_drop_payload(void **state)
{
    (void)state;
    uint8_t d[64];
    size_t len = v1(d, 7, "13012345678", 11);
    expect_drop(d, len, MNP_PDB_WHY_NO_NUL);
    len = v1(d, 7, "", 0); /* header alone */
    expect_drop(d, len, MNP_PDB_WHY_NO_NUL);
    len = v1(d, 7, "\0", 1);
    expect_drop(d, len, MNP_PDB_WHY_EMPTY);
    len = v1(d, 7, "130\0x", 5);
    expect_drop(d, len, MNP_PDB_WHY_AFTER_NUL);
    len = v1(d, 7, "130\0\0", 5);
    expect_drop(d, len, MNP_PDB_WHY_AFTER_NUL);
    len = v1(d, 7, "\0\0", 2);
    expect_drop(d, len, MNP_PDB_WHY_AFTER_NUL);
    len = v1(d, 7, "123456789012345678901234567890123\0", 34); /* 33 digits */
    expect_drop(d, len, MNP_PDB_WHY_TOO_LONG);

    /* Legacy: trailing bytes, non-digits, too many digits. */
    expect_drop("130\0"
                "4",
                5, MNP_PDB_WHY_AFTER_NUL);
    expect_drop("1\0\0", 3, MNP_PDB_WHY_AFTER_NUL);
    expect_drop("130abc", 6, MNP_PDB_WHY_LEGACY_CHAR);
    expect_drop("8613012345678\n", 14, MNP_PDB_WHY_LEGACY_CHAR);
    expect_drop("1+2", 3, MNP_PDB_WHY_LEGACY_CHAR);
    expect_drop("123456789012345678901234567890123", 33, MNP_PDB_WHY_TOO_LONG);
    expect_drop("123456789012345678901234567890123", 34, MNP_PDB_WHY_TOO_LONG);
}

static void test_drop_big_datagrams(void **state)
{
    (void)state;
    uint8_t d[300];
    /* 255 bytes with a matching length byte: well framed, but 248 digits is too many. */
    char payload[249];
    memset(payload, '5', sizeof(payload));
    payload[248] = 0;
    memset(d, '5', sizeof(d));
    size_t len = v1(d, 9, payload, sizeof(payload));
    assert_int_equal(len, 255);
    assert_int_equal(d[3], 255);
    expect_drop(d, len, MNP_PDB_WHY_TOO_LONG);
    /* 255 bytes framed right, a short number and junk after its NUL. */
    d[7] = 0;
    expect_drop(d, len, MNP_PDB_WHY_AFTER_NUL);
    /* Beyond 255 bytes no length byte can match. */
    d[7] = '5';
    d[3] = 0;
    expect_drop(d, 256, MNP_PDB_WHY_LENGTH);
    d[3] = 255;
    expect_drop(d, 300, MNP_PDB_WHY_LENGTH);
    /* A long legacy datagram: dropped without scanning it all. */
    memset(d, '1', sizeof(d));
    expect_drop(d, sizeof(d), MNP_PDB_WHY_TOO_LONG);
    d[100] = 0;
    expect_drop(d, sizeof(d), MNP_PDB_WHY_TOO_LONG);
}

static void test_v1_replies(void **state)
{
    (void)state;
    uint8_t d[64], out[MNP_PDB_REPLY_MAX];
    size_t len = v1(d, 0xbeef, "13012345678\0", 12);
    mnp_pdb_request_t req;
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);

    static const uint8_t ok[] = {1,   1,   1,   20,  0xbe, 0xef, '1', '3', '0', '1',
                                 '2', '3', '4', '5', '6',  '7',  '8', 0,   0,   42};
    assert_int_equal(mnp_pdb_reply_ok(&req, 42, out, sizeof(out)), sizeof(ok));
    assert_memory_equal(out, ok, sizeof(ok));

    assert_int_equal(mnp_pdb_reply_ok(&req, 999, out, sizeof(out)), 20);
    assert_int_equal(out[18], 0x03);
    assert_int_equal(out[19], 0xe7);

    static const uint8_t nf[] = {1, 1, 3, 6, 0xbe, 0xef};
    assert_int_equal(mnp_pdb_reply_not_found(&req, out, sizeof(out)), sizeof(nf));
    assert_memory_equal(out, nf, sizeof(nf));

    len = v1(d, 0x0102, "86-130\0", 7);
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_NON_DIGITS);
    static const uint8_t nd[] = {1, 1, 2, 6, 0x01, 0x02};
    assert_int_equal(mnp_pdb_reply_non_digits(&req, out, sizeof(out)), sizeof(nd));
    assert_memory_equal(out, nd, sizeof(nd));
}

static void test_legacy_replies(void **state)
{
    (void)state;
    uint8_t out[MNP_PDB_REPLY_MAX];
    mnp_pdb_request_t req;
    assert_int_equal(mnp_pdb_parse("8613012345678", 13, &req), MNP_PDB_QUERY);

    static const uint8_t ok[] = {'8', '6', '1', '3', '0', '1', '2',  '3',
                                 '4', '5', '6', '7', '8', 0,   0x01, 0x00};
    assert_int_equal(mnp_pdb_reply_ok(&req, 256, out, sizeof(out)), sizeof(ok));
    assert_memory_equal(out, ok, sizeof(ok));

    static const uint8_t nf[] = {'8', '6', '1', '3', '0', '1', '2', '3',
                                 '4', '5', '6', '7', '8', 0,   0,   0};
    assert_int_equal(mnp_pdb_reply_not_found(&req, out, sizeof(out)), sizeof(nf));
    assert_memory_equal(out, nf, sizeof(nf));

    /* The legacy form has no non-digits code. */
    assert_int_equal(mnp_pdb_reply_non_digits(&req, out, sizeof(out)), MNP_EINVAL);

    /* A NUL-terminated request gets the same reply. */
    assert_int_equal(mnp_pdb_parse("8613012345678", 14, &req), MNP_PDB_QUERY);
    assert_int_equal(mnp_pdb_reply_ok(&req, 256, out, sizeof(out)), sizeof(ok));
    assert_memory_equal(out, ok, sizeof(ok));
}

static void test_id_echo(void **state)
{
    (void)state;
    static const uint16_t ids[] = {0, 1, 0x00ff, 0x0100, 0x7fff, 0x8000, 0xfffe, 0xffff};
    uint8_t d[64], out[MNP_PDB_REPLY_MAX];
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        size_t len = v1(d, ids[i], "13012345678\0", 12);
        mnp_pdb_request_t req;
        assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);
        assert_int_equal(req.id, ids[i]);
        assert_int_equal(mnp_pdb_reply_ok(&req, 1, out, sizeof(out)), 20);
        assert_int_equal(out[4], ids[i] >> 8);
        assert_int_equal(out[5], ids[i] & 0xff);
        assert_int_equal(mnp_pdb_reply_not_found(&req, out, sizeof(out)), 6);
        assert_int_equal(out[4], ids[i] >> 8);
        assert_int_equal(out[5], ids[i] & 0xff);
    }
}

static void test_reply_in_place(void **state)
{
    (void)state;
    /* The receive buffer reused for the reply: digits already sit where the reply puts them. */
    uint8_t d[MNP_PDB_REPLY_MAX];
    size_t len = v1(d, 0x4242, "13012345678\0", 12);
    mnp_pdb_request_t req;
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);
    static const uint8_t ok[] = {1,   1,   1,   20,  0x42, 0x42, '1', '3', '0',  '1',
                                 '2', '3', '4', '5', '6',  '7',  '8', 0,   0x02, 0x9a};
    assert_int_equal(mnp_pdb_reply_ok(&req, 666, d, sizeof(d)), sizeof(ok));
    assert_memory_equal(d, ok, sizeof(ok));

    char l[MNP_PDB_REPLY_MAX] = "13012345678";
    assert_int_equal(mnp_pdb_parse(l, 11, &req), MNP_PDB_QUERY);
    assert_int_equal(mnp_pdb_reply_ok(&req, 7, l, sizeof(l)), 14);
    assert_memory_equal(l, "13012345678\0\0\x07", 14);
}

static void test_reply_bounds(void **state)
{
    (void)state;
    uint8_t d[64], out[MNP_PDB_REPLY_MAX + 1];
    size_t len = v1(d, 5, "12345678901234567890123456789012", 33);
    mnp_pdb_request_t req;
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);

    /* Carrier ids 1..999 only. */
    static const uint16_t bad[] = {0, 1000, 1001, 0x8000, 0xffff};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(mnp_pdb_reply_ok(&req, bad[i], out, sizeof(out)), MNP_ERANGE);
    assert_int_equal(mnp_pdb_reply_ok(&req, 1, out, sizeof(out)), MNP_PDB_REPLY_MAX);
    assert_int_equal(out[3], MNP_PDB_REPLY_MAX); /* the longest reply: 41 bytes */

    /* The buffer must hold the whole reply; exactly enough is enough. */
    out[MNP_PDB_REPLY_MAX - 1] = 0x5a;
    assert_int_equal(mnp_pdb_reply_ok(&req, 1, out, MNP_PDB_REPLY_MAX - 1), MNP_ELIMIT);
    assert_int_equal(out[MNP_PDB_REPLY_MAX - 1], 0x5a);
    assert_int_equal(mnp_pdb_reply_not_found(&req, out, 5), MNP_ELIMIT);
    assert_int_equal(mnp_pdb_reply_not_found(&req, out, 6), 6);
    assert_int_equal(mnp_pdb_reply_non_digits(&req, out, 5), MNP_ELIMIT);

    assert_int_equal(mnp_pdb_parse("130", 3, &req), MNP_PDB_QUERY);
    assert_int_equal(mnp_pdb_reply_not_found(&req, out, 5), MNP_ELIMIT);
    assert_int_equal(mnp_pdb_reply_not_found(&req, out, 6), 6);

    /* A dropped request cannot be answered. */
    assert_int_equal(mnp_pdb_parse("x", 1, &req), MNP_PDB_DROP);
    assert_int_equal(mnp_pdb_reply_ok(&req, 1, out, sizeof(out)), MNP_EINVAL);
    assert_int_equal(mnp_pdb_reply_not_found(&req, out, sizeof(out)), MNP_EINVAL);
    assert_int_equal(mnp_pdb_reply_non_digits(&req, out, sizeof(out)), MNP_EINVAL);
    mnp_pdb_request_t forged = {.digits = "1", .digits_len = 33, .form = MNP_PDB_V1};
    assert_int_equal(mnp_pdb_reply_ok(&forged, 1, out, sizeof(out)), MNP_EINVAL);
    forged.digits_len = 1;
    forged.form = 7;
    assert_int_equal(mnp_pdb_reply_ok(&forged, 1, out, sizeof(out)), MNP_EINVAL);
}

static void test_reply_is_not_a_request(void **state)
{
    (void)state;
    /* Our own reply fed back to a server is dropped, never answered. */
    uint8_t d[64], out[MNP_PDB_REPLY_MAX];
    size_t len = v1(d, 3, "13012345678\0", 12);
    mnp_pdb_request_t req;
    assert_int_equal(mnp_pdb_parse(d, len, &req), MNP_PDB_QUERY);
    int n = mnp_pdb_reply_ok(&req, 5, out, sizeof(out));
    assert_int_equal(n, 20);
    expect_drop(out, (size_t)n, MNP_PDB_WHY_NOT_REQUEST);
    n = mnp_pdb_reply_not_found(&req, out, sizeof(out));
    expect_drop(out, (size_t)n, MNP_PDB_WHY_NOT_REQUEST);
}

static void expect_e164(const char *s, uint64_t want)
{
    uint64_t v = 0;
    assert_int_equal(mnp_pdb_e164(s, strlen(s), &v), 0);
    assert_int_equal(v, want);
}

static void expect_not_held(const char *s)
{
    uint64_t v = 12345;
    assert_int_equal(mnp_pdb_e164(s, strlen(s), &v), MNP_ENOENT);
    assert_int_equal(v, 12345); /* untouched */
}

static void test_e164(void **state)
{
    (void)state;
    expect_e164("13012345678", 8613012345678ull);
    expect_e164("8613012345678", 8613012345678ull);
    expect_e164("008613012345678", 8613012345678ull);
    expect_e164("19999999999", 8619999999999ull);
    expect_e164("10000000000", 8610000000000ull);

    expect_not_held("");
    expect_not_held("1301234567");       /* 10 digits */
    expect_not_held("130123456789");     /* 12 */
    expect_not_held("86130123456789");   /* 14 */
    expect_not_held("0086130123456789"); /* 16 */
    expect_not_held("23012345678");      /* national, not mobile */
    expect_not_held("8623012345678");
    expect_not_held("8801234567890"); /* 13 digits, another country */
    expect_not_held("1440012345678"); /* a 13-digit IoT number */
    expect_not_held("008823012345678");
    expect_not_held("010013012345678"); /* another international prefix */
    expect_not_held("1301234567x");
    expect_not_held("86130123 5678");
    expect_not_held("12345678901234567890123456789012");
    uint64_t v = 1;
    assert_int_equal(mnp_pdb_e164(NULL, 0, &v), MNP_ENOENT);
}

static void test_why_names(void **state)
{
    (void)state;
    for (int i = 0; i < MNP_PDB_WHY_COUNT; i++) {
        const char *a = mnp_pdb_why_name((mnp_pdb_why_t)i);
        assert_non_null(a);
        assert_string_not_equal(a, "unknown");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(a, mnp_pdb_why_name((mnp_pdb_why_t)j));
    }
    assert_string_equal(mnp_pdb_why_name((mnp_pdb_why_t)MNP_PDB_WHY_COUNT), "unknown");
    assert_string_equal(mnp_pdb_why_name(MNP_PDB_WHY_LENGTH), "length_mismatch");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_v1_query),
        cmocka_unit_test(test_legacy_query),
        cmocka_unit_test(test_v1_non_digits),
        cmocka_unit_test(test_drop_short_and_version),
        cmocka_unit_test(test_drop_header_fields),
        cmocka_unit_test(test_drop_payload),
        cmocka_unit_test(test_drop_big_datagrams),
        cmocka_unit_test(test_v1_replies),
        cmocka_unit_test(test_legacy_replies),
        cmocka_unit_test(test_id_echo),
        cmocka_unit_test(test_reply_in_place),
        cmocka_unit_test(test_reply_bounds),
        cmocka_unit_test(test_reply_is_not_a_request),
        cmocka_unit_test(test_e164),
        cmocka_unit_test(test_why_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
