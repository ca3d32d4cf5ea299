/*
 * Tests for the DNS ENUM codec: byte-exact NAPTR answers for a ported and a non-ported number
 * (the expected wire bytes written out by hand), the apex SOA and NS, NODATA for other types
 * and for empty non-terminals, NXDOMAIN for unknown names, every FORMERR/NOTIMP/REFUSED/
 * SERVFAIL/BADVERS path, drops, EDNS sizes and truncation, case-insensitive matching with the
 * question echoed as asked, every truncated prefix of a valid query, and TCP framing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/dns.h"

/* ---- a fake resolver: two numbers, one failing, one with a bad routing number ---- */

typedef struct fake_number {
    const char *digits;
    bool ported;
    const char *rn;
    int rc; /* what resolve returns for it */
} fake_number_t;

static const fake_number_t fake_numbers[] = {
    {"8613012345678", true, "12345", MNP_DNS_IS_NUMBER},
    {"8613012345679", false, "", MNP_DNS_IS_NUMBER},
    {"8613800000000", false, "", MNP_ENOENT},          /* resolver failure */
    {"8613900000000", true, "12a", MNP_DNS_IS_NUMBER}, /* not digits */
    {"8613900000001", true, "", MNP_DNS_IS_NUMBER},    /* ported without rn */
};

static int resolve_calls;

static int fake_resolve(void *ctx, uint64_t e164, unsigned ndigits, mnp_dns_number_t *out)
{
    (void)ctx;
    char d[24];
    int n = snprintf(d, sizeof(d), "%llu", (unsigned long long)e164);
    resolve_calls++;
    assert_int_equal(n, (int)ndigits);
    for (size_t i = 0; i < sizeof(fake_numbers) / sizeof(fake_numbers[0]); i++) {
        const fake_number_t *f = &fake_numbers[i];
        if (strcmp(f->digits, d) == 0) {
            out->ported = f->ported;
            out->rn_len = (uint8_t)strlen(f->rn);
            memcpy(out->rn, f->rn, out->rn_len);
            return f->rc;
        }
        if (strncmp(f->digits, d, (size_t)n) == 0)
            return MNP_DNS_IS_PREFIX;
    }
    return MNP_DNS_IS_NONE;
}

static void zone_with(mnp_dns_zone_t *z, const char *suffix, const char *mname, const char *rname)
{
    mnp_dns_zone_config_t cfg;
    mnp_dns_zone_config_default(&cfg);
    if (suffix != NULL)
        cfg.suffix = suffix;
    if (mname != NULL)
        cfg.mname = mname;
    if (rname != NULL)
        cfg.rname = rname;
    cfg.serial = 2024010101;
    cfg.ttl_s = 300;
    cfg.minimum_s = 60;
    cfg.resolve = fake_resolve;
    assert_int_equal(mnp_dns_zone_init(z, &cfg, NULL), 0);
}

static void default_zone(mnp_dns_zone_t *z)
{
    zone_with(z, NULL, "ns.example.net.", "hostmaster.example.net.");
}

/* ---- building queries ---- */

enum { NO_EDNS = -1 };

/* Writes a query for name (presentation form, may be mixed case) into buf; edns_size NO_EDNS
 * for none. Returns its length. */
static size_t make_query(uint8_t *buf, uint16_t id, const char *name, uint16_t qtype,
                         uint16_t qclass, int edns_size, uint8_t version)
{
    size_t len = 0;
    const uint8_t head[12] = {
        (uint8_t)(id >> 8),          (uint8_t)id, 0x01, 0, 0, 1, 0, 0, 0, 0, 0,
        edns_size == NO_EDNS ? 0 : 1};
    memcpy(buf, head, 12);
    len = 12;
    while (*name != '\0' && strcmp(name, ".") != 0) {
        size_t n = strcspn(name, ".");
        buf[len++] = (uint8_t)n;
        memcpy(buf + len, name, n);
        len += n;
        name += n;
        if (*name == '.')
            name++;
    }
    buf[len++] = 0;
    buf[len++] = (uint8_t)(qtype >> 8);
    buf[len++] = (uint8_t)qtype;
    buf[len++] = (uint8_t)(qclass >> 8);
    buf[len++] = (uint8_t)qclass;
    if (edns_size != NO_EDNS) {
        const uint8_t opt[11] = {
            0, 0, 41, (uint8_t)(edns_size >> 8), (uint8_t)edns_size, 0, version, 0, 0, 0, 0};
        memcpy(buf + len, opt, sizeof(opt));
        len += sizeof(opt);
    }
    return len;
}

#define NUM_PORTED     "8.7.6.5.4.3.2.1.0.3.1.6.8.e164.arpa."
#define NUM_NOT_PORTED "9.7.6.5.4.3.2.1.0.3.1.6.8.e164.arpa."

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Header fields of a reply. */
#define RCODE(r)   ((r)[3] & 0x0f)
#define AA(r)      (((r)[2] >> 2) & 1)
#define TC(r)      (((r)[2] >> 1) & 1)
#define QDCOUNT(r) be16((r) + 4)
#define ANCOUNT(r) be16((r) + 6)
#define NSCOUNT(r) be16((r) + 8)
#define ARCOUNT(r) be16((r) + 10)

/* Answers name/qtype over UDP without EDNS into r; returns the length. */
static size_t ask(const mnp_dns_zone_t *z, const char *name, uint16_t qtype, uint8_t *r)
{
    uint8_t q[512];
    size_t qlen = make_query(q, 0x4242, name, qtype, MNP_DNS_CLASS_IN, NO_EDNS, 0);
    size_t n = mnp_dns_answer(z, q, qlen, false, r, 512);
    assert_true(n >= qlen);
    assert_int_equal(be16(r), 0x4242);
    assert_int_equal(r[2] & 0x80, 0x80);
    assert_memory_equal(r + 12, q + 12, qlen - 12); /* the question, echoed */
    return n;
}

/* ---- byte-exact NAPTR answers ---- */

#define QNAME_BYTES(last)                                                                          \
    1, last, 1, '7', 1, '6', 1, '5', 1, '4', 1, '3', 1, '2', 1, '1', 1, '0', 1, '3', 1, '1', 1,    \
        '6', 1, '8', 4, 'e', '1', '6', '4', 4, 'a', 'r', 'p', 'a', 0

static void test_naptr_ported_bytes(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    size_t qlen = make_query(q, 0x1234, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, NO_EDNS, 0);
    /* clang-format off */
    static const uint8_t want[] = {
        0x12, 0x34, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 0,   /* QR AA RD, 1 question, 1 answer */
        QNAME_BYTES('8'), 0, 35, 0, 1,                    /* question: NAPTR IN */
        0xc0, 0x0c, 0, 35, 0, 1, 0, 0, 0x01, 0x2c, 0, 50, /* owner, NAPTR IN 300, rdlength 50 */
        0, 10, 0, 100,                                    /* order 10, preference 100 */
        1, 'u',
        12, 'E', '2', 'U', '+', 'p', 's', 't', 'n', ':', 't', 'e', 'l',
        29, '!', '^', '(', '.', '*', ')', '$', '!', 't', 'e', 'l', ':', '\\', '1',
            ';', 'n', 'p', 'd', 'i', ';', 'r', 'n', '=', '1', '2', '3', '4', '5', '!',
        0};                                               /* replacement: the root */
    /* clang-format on */
    size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(r, want, sizeof(want));
}

static void test_naptr_not_ported_bytes_with_edns(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    size_t qlen = make_query(q, 0xbeef, NUM_NOT_PORTED, MNP_DNS_TYPE_NAPTR, 1, 4096, 0);
    q[qlen - 4] = 0x80; /* DO set: copied into our OPT */
    /* clang-format off */
    static const uint8_t want[] = {
        0xbe, 0xef, 0x85, 0x00, 0, 1, 0, 1, 0, 0, 0, 1,   /* 1 question, 1 answer, 1 additional */
        QNAME_BYTES('9'), 0, 35, 0, 1,
        0xc0, 0x0c, 0, 35, 0, 1, 0, 0, 0x01, 0x2c, 0, 41, /* rdlength 41 */
        0, 10, 0, 100,
        1, 'u',
        12, 'E', '2', 'U', '+', 'p', 's', 't', 'n', ':', 't', 'e', 'l',
        20, '!', '^', '(', '.', '*', ')', '$', '!', 't', 'e', 'l', ':', '\\', '1',
            ';', 'n', 'p', 'd', 'i', '!',
        0,
        0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0};      /* OPT: 1232, version 0, DO, no options */
    /* clang-format on */ /* OPT: 1232, version 0, DO, no options */
    size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, sizeof(want));
    assert_memory_equal(r, want, sizeof(want));
}

static void test_any_gives_naptr_and_class_any(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    size_t qlen = make_query(q, 7, NUM_PORTED, MNP_DNS_TYPE_ANY, MNP_DNS_CLASS_ANY, NO_EDNS, 0);
    size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_NOERROR);
    assert_int_equal(ANCOUNT(r), 1);
    assert_int_equal(be16(r + qlen + 2), MNP_DNS_TYPE_NAPTR);
    assert_int_equal(be16(r + qlen + 4), MNP_DNS_CLASS_IN);
    assert_int_equal(n, qlen + 12 + 50);
}

/* ---- negative answers ---- */

/* Checks a negative answer: rcode, AA, no answer, the SOA in authority owned by the apex (a
 * pointer to the question's suffix) with the negative TTL. */
static void expect_negative(const uint8_t *r, size_t n, size_t qlen, int rcode, size_t apex_at)
{
    assert_int_equal(RCODE(r), rcode);
    assert_int_equal(AA(r), 1);
    assert_int_equal(ANCOUNT(r), 0);
    assert_int_equal(NSCOUNT(r), 1);
    assert_int_equal(ARCOUNT(r), 0);
    const uint8_t *rr = r + qlen;
    assert_int_equal(be16(rr), 0xc000 | apex_at);
    assert_int_equal(be16(rr + 2), MNP_DNS_TYPE_SOA);
    assert_int_equal(be32(rr + 6), 60); /* min(ttl 300, minimum 60) */
    assert_int_equal(n, qlen + 12 + be16(rr + 10));
}

static void test_nodata_other_type(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t r[512];
    size_t n = ask(&z, NUM_PORTED, 1 /* A */, r);
    expect_negative(r, n, 12 + 37 + 4, MNP_DNS_RCODE_NOERROR, 12 + 26);
    n = ask(&z, NUM_NOT_PORTED, MNP_DNS_TYPE_SOA, r);
    expect_negative(r, n, 12 + 37 + 4, MNP_DNS_RCODE_NOERROR, 12 + 26);
}

static void test_empty_non_terminal(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t r[512];
    size_t n = ask(&z, "6.8.e164.arpa", MNP_DNS_TYPE_NAPTR, r);
    expect_negative(r, n, 12 + 15 + 4, MNP_DNS_RCODE_NOERROR, 12 + 4);
    n = ask(&z, "1.0.3.1.6.8.e164.arpa", MNP_DNS_TYPE_NAPTR, r);
    expect_negative(r, n, 12 + 23 + 4, MNP_DNS_RCODE_NOERROR, 12 + 12);
}

static void test_nxdomain(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t r[512];
    static const char *const names[] = {
        "7.7.6.5.4.3.2.1.0.3.1.6.8.e164.arpa",   /* a number the resolver does not know */
        "1.8.7.6.5.4.3.2.1.0.3.1.6.8.e164.arpa", /* below a known number */
        "a.8.7.6.5.4.3.2.1.0.3.1.6.8.e164.arpa", /* a non-digit label */
        "12.3.1.6.8.e164.arpa",                  /* a label of two digits */
        "_sip._udp.6.8.e164.arpa",               /* names no ENUM zone here holds */
        "0.e164.arpa",                           /* no number starts with 0 */
        "8.6.0.e164.arpa",
        "1.2.3.4.5.6.7.8.9.0.1.2.3.4.5.6.e164.arpa", /* 16 digits */
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int before = resolve_calls;
        size_t n = ask(&z, names[i], MNP_DNS_TYPE_NAPTR, r);
        size_t qname_len = strlen(names[i]) + 2;
        expect_negative(r, n, 12 + qname_len + 4, MNP_DNS_RCODE_NXDOMAIN, 12 + qname_len - 11);
        /* Only the first two reach the resolver; the rest are refused by their form. */
        assert_int_equal(resolve_calls - before, i < 2 ? 1 : 0);
    }
}

static void test_servfail(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t r[512];
    static const char *const names[] = {
        "0.0.0.0.0.0.0.0.8.3.1.6.8.e164.arpa.", /* resolver error */
        "0.0.0.0.0.0.0.0.9.3.1.6.8.e164.arpa.", /* rn "12a" */
        "1.0.0.0.0.0.0.0.9.3.1.6.8.e164.arpa.", /* ported, empty rn */
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = ask(&z, names[i], MNP_DNS_TYPE_NAPTR, r);
        assert_int_equal(RCODE(r), MNP_DNS_RCODE_SERVFAIL);
        assert_int_equal(AA(r), 0);
        assert_int_equal(ANCOUNT(r) + NSCOUNT(r) + ARCOUNT(r), 0);
        assert_int_equal(n, 12 + strlen(names[i]) + 1 + 4);
    }
}

/* ---- the apex ---- */

static const uint8_t mname_wire[] = {2,   'n', 's', 7, 'e', 'x', 'a', 'm',
                                     'p', 'l', 'e', 3, 'n', 'e', 't', 0};
static const uint8_t rname_wire[] = {10,  'h', 'o', 's', 't', 'm', 'a', 's', 't', 'e', 'r', 7,
                                     'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,   'n', 'e', 't', 0};

/* Checks an SOA record at rr owned by the question name; returns the record's length. */
static size_t expect_soa(const uint8_t *rr, uint32_t ttl)
{
    static const uint8_t fields[] = {0x78, 0xa3, 0xf1, 0x75, /* serial 2024010101 */
                                     0,    0,    0x0e, 0x10, 0, 0, 0x02, 0x58, /* 3600, 600 */
                                     0,    0x09, 0x3a, 0x80, 0, 0, 0,    60};  /* 604800, 60 */
    assert_int_equal(be16(rr), 0xc00c);
    assert_int_equal(be16(rr + 2), MNP_DNS_TYPE_SOA);
    assert_int_equal(be16(rr + 4), MNP_DNS_CLASS_IN);
    assert_int_equal(be32(rr + 6), ttl);
    assert_int_equal(be16(rr + 10), sizeof(mname_wire) + sizeof(rname_wire) + sizeof(fields));
    const uint8_t *rd = rr + 12;
    assert_memory_equal(rd, mname_wire, sizeof(mname_wire));
    assert_memory_equal(rd + sizeof(mname_wire), rname_wire, sizeof(rname_wire));
    assert_memory_equal(rd + sizeof(mname_wire) + sizeof(rname_wire), fields, sizeof(fields));
    return 12 + be16(rr + 10);
}

static size_t expect_ns(const uint8_t *rr)
{
    assert_int_equal(be16(rr), 0xc00c);
    assert_int_equal(be16(rr + 2), MNP_DNS_TYPE_NS);
    assert_int_equal(be32(rr + 6), 300);
    assert_int_equal(be16(rr + 10), sizeof(mname_wire));
    assert_memory_equal(rr + 12, mname_wire, sizeof(mname_wire));
    return 12 + sizeof(mname_wire);
}

static void test_apex(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t r[512];
    const size_t qlen = 12 + 11 + 4;

    size_t n = ask(&z, "e164.arpa.", MNP_DNS_TYPE_SOA, r);
    assert_int_equal(RCODE(r), 0);
    assert_int_equal(AA(r), 1);
    assert_int_equal(ANCOUNT(r), 1);
    assert_int_equal(NSCOUNT(r), 0);
    assert_int_equal(n, qlen + expect_soa(r + qlen, 300));

    n = ask(&z, "e164.arpa.", MNP_DNS_TYPE_NS, r);
    assert_int_equal(AA(r), 1);
    assert_int_equal(ANCOUNT(r), 1);
    assert_int_equal(n, qlen + expect_ns(r + qlen));

    n = ask(&z, "e164.arpa.", MNP_DNS_TYPE_ANY, r);
    assert_int_equal(ANCOUNT(r), 2);
    size_t soa = expect_soa(r + qlen, 300);
    assert_int_equal(n, qlen + soa + expect_ns(r + qlen + soa));

    n = ask(&z, "e164.arpa.", MNP_DNS_TYPE_NAPTR, r); /* NODATA, SOA owned by the apex */
    expect_negative(r, n, qlen, MNP_DNS_RCODE_NOERROR, 12);
    expect_soa(r + qlen, 60);
}

/* ---- case, suffix, refusal ---- */

static void test_case_insensitive(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t r[512];
    size_t n = ask(&z, "8.7.6.5.4.3.2.1.0.3.1.6.8.E164.ArPa.", MNP_DNS_TYPE_NAPTR, r);
    assert_int_equal(RCODE(r), 0);
    assert_int_equal(ANCOUNT(r), 1);
    assert_memory_equal(r + 12 + 26, "\4E164\4ArPa", 10); /* as asked */
    assert_int_equal(n, 12 + 37 + 4 + 12 + 50);

    /* A suffix configured in upper case matches lower case queries. */
    zone_with(&z, "E164.Example.", "NS.Example.", "h.example.");
    n = ask(&z, "8.7.6.5.4.3.2.1.0.3.1.6.8.e164.example", MNP_DNS_TYPE_NAPTR, r);
    assert_int_equal(ANCOUNT(r), 1);
    n = ask(&z, "e164.example", MNP_DNS_TYPE_NS, r);
    assert_int_equal(ANCOUNT(r), 1);
    assert_memory_equal(r + n - 12, "\2NS\7Example\0", 12); /* mname keeps its case */
    n = ask(&z, NUM_PORTED, MNP_DNS_TYPE_NAPTR, r);         /* e164.arpa is now outside */
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_REFUSED);
}

static void test_root_suffix(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    zone_with(&z, ".", NULL, NULL);
    uint8_t r[512];
    size_t n = ask(&z, "8.7.6.5.4.3.2.1.0.3.1.6.8", MNP_DNS_TYPE_NAPTR, r);
    assert_int_equal(ANCOUNT(r), 1);
    n = ask(&z, "x", MNP_DNS_TYPE_NAPTR, r);
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_NXDOMAIN);
    assert_int_equal(r[12 + 3 + 4], 0); /* the SOA's owner: the root label itself */
    n = ask(&z, ".", MNP_DNS_TYPE_SOA, r);
    assert_int_equal(ANCOUNT(r), 1);
    assert_true(n > 12 + 5);
}

static void test_refused(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    static const char *const names[] = {"example.com.", "arpa.", "xe164.arpa.",
                                        "8.6.e164.arpa.example.", "."};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        size_t n = ask(&z, names[i], MNP_DNS_TYPE_NAPTR, r);
        assert_int_equal(RCODE(r), MNP_DNS_RCODE_REFUSED);
        assert_int_equal(AA(r), 0);
        assert_int_equal(ANCOUNT(r) + NSCOUNT(r) + ARCOUNT(r), 0);
        assert_int_equal(QDCOUNT(r), 1);
        assert_true(n > 12);
    }
    /* Class CH (version.bind and friends), and zone transfers. */
    size_t qlen = make_query(q, 1, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 3, 1232, 0);
    size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_REFUSED);
    assert_int_equal(ARCOUNT(r), 1); /* a well-formed EDNS query gets an OPT back */
    assert_int_equal(n, qlen);
    qlen = make_query(q, 1, "e164.arpa", MNP_DNS_TYPE_AXFR, 1, NO_EDNS, 0);
    n = mnp_dns_answer(&z, q, qlen, true, r, sizeof(r));
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_REFUSED);
    assert_int_equal(n, qlen);
}

/* ---- malformed queries ---- */

/* Answers q/qlen and checks a FORMERR without OPT, echoing the question when echo_len > 0. */
static void expect_formerr(const mnp_dns_zone_t *z, const uint8_t *q, size_t qlen, size_t echo_len)
{
    uint8_t r[512];
    size_t n = mnp_dns_answer(z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, 12 + echo_len);
    assert_int_equal(be16(r), be16(q));
    assert_int_equal(r[2], 0x81); /* QR, RD copied, no AA */
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_FORMERR);
    assert_int_equal(QDCOUNT(r), echo_len > 0 ? 1 : 0);
    assert_int_equal(ANCOUNT(r) + NSCOUNT(r) + ARCOUNT(r), 0);
    if (echo_len > 0)
        assert_memory_equal(r + 12, q + 12, echo_len);
}

static void test_formerr(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[600];
    size_t qlen = make_query(q, 9, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, 1232, 0);
    const size_t question = 37 + 4;
    uint8_t b[600];

    for (unsigned field = 4; field <= 10; field += 2) { /* QD 0 and 2, AN 1, NS 1, AR 2 */
        memcpy(b, q, qlen);
        b[field + 1] = field == 4 ? 0 : field == 10 ? 2 : 1;
        expect_formerr(&z, b, qlen, field == 4 ? 0 : question);
    }
    memcpy(b, q, qlen);
    b[5] = 2; /* QDCOUNT 2 */
    expect_formerr(&z, b, qlen, 0);

    /* A second OPT. */
    memcpy(b, q, qlen);
    memcpy(b + qlen, q + qlen - 11, 11);
    b[11] = 2;
    expect_formerr(&z, b, qlen + 11, question);
    /* An additional record other than OPT (an A record). */
    memcpy(b, q, qlen);
    b[qlen - 9] = 1;
    expect_formerr(&z, b, qlen, question);
    /* OPT owned by a name other than the root. */
    static const uint8_t named_opt[] = {1, 'x', 0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 0};
    memcpy(b, q, qlen - 11);
    memcpy(b + qlen - 11, named_opt, sizeof(named_opt));
    expect_formerr(&z, b, qlen - 11 + sizeof(named_opt), question);
    /* OPT options overrunning RDATA, and RDATA overrunning the datagram. */
    static const uint8_t bad_options[] = {0, 0, 41, 2, 0, 0, 0, 0, 0, 0, 5, 0, 10, 0, 4, 1};
    memcpy(b, q, qlen - 11);
    memcpy(b + qlen - 11, bad_options, sizeof(bad_options));
    expect_formerr(&z, b, qlen - 11 + sizeof(bad_options), question);
    memcpy(b, q, qlen);
    b[qlen - 1] = 4;
    expect_formerr(&z, b, qlen, question);
    /* Trailing garbage after the OPT, and after a question without OPT. */
    memcpy(b, q, qlen);
    b[qlen] = 0;
    expect_formerr(&z, b, qlen + 1, question);
    memcpy(b, q, 12 + question);
    b[11] = 0;
    b[12 + question] = 0xff;
    expect_formerr(&z, b, 12 + question + 1, question);

    /* A compression pointer in the question (to the name's own tail, which would be harmless,
     * and to itself, which would loop). */
    static const uint8_t ptr_q[] = {0, 9, 1, 0,   0,    1,  0, 0,  0, 0,
                                    0, 0, 1, '8', 0xc0, 12, 0, 35, 0, 1};
    expect_formerr(&z, ptr_q, sizeof(ptr_q), 0);
    /* Extended label types (0x40, 0x80) and a 64-byte label. */
    static const uint8_t ext_q[] = {0, 9, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 0, 35, 0, 1};
    expect_formerr(&z, ext_q, sizeof(ext_q), 0);
    memset(b, 'a', sizeof(b));
    memcpy(b, ptr_q, 12);
    b[12] = 64;
    b[12 + 65] = 0;
    expect_formerr(&z, b, 12 + 66 + 4, 0);
    /* A 63-byte label is fine (and outside the zone). */
    b[12] = 63;
    b[12 + 64] = 0;
    memcpy(b + 12 + 65, "\0\43\0\1", 4);
    uint8_t r[512];
    assert_int_equal(mnp_dns_answer(&z, b, 12 + 65 + 4, false, r, sizeof(r)), 12 + 65 + 4);
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_REFUSED);

    /* A name of 255 bytes is accepted, 256 is not: four labels of 63 (256 bytes with the
     * root), then three of 63 plus one of 61 (254 + root = 255). */
    memset(b, 'a', sizeof(b));
    memcpy(b, ptr_q, 12);
    for (int i = 0; i < 4; i++)
        b[12 + 64 * i] = 63;
    b[12 + 256] = 0;
    memcpy(b + 12 + 257, "\0\43\0\1", 4);
    expect_formerr(&z, b, 12 + 257 + 4, 0);
    b[12 + 192] = 61;
    b[12 + 192 + 62] = 0;
    memcpy(b + 12 + 255, "\0\43\0\1", 4);
    assert_int_equal(mnp_dns_answer(&z, b, 12 + 255 + 4, false, r, sizeof(r)), 12 + 255 + 4);
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_REFUSED);
}

static void test_truncated_inputs(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    size_t qlen = make_query(q, 5, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, 1232, 0);
    for (size_t len = 0; len < qlen; len++) {
        /* A fresh copy of just len bytes, so ASan sees any read past the end. */
        uint8_t *cut = test_malloc(len > 0 ? len : 1);
        memcpy(cut, q, len);
        size_t n = mnp_dns_answer(&z, len > 0 ? cut : NULL, len, false, r, sizeof(r));
        if (len < 12) {
            assert_int_equal(n, 0);
        } else {
            assert_true(n >= 12);
            assert_int_equal(RCODE(r), MNP_DNS_RCODE_FORMERR);
            assert_int_equal(ARCOUNT(r), 0);
        }
        test_free(cut);
    }
    assert_int_equal(mnp_dns_answer(&z, q, qlen, false, r, sizeof(r)), qlen + 12 + 50);
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_NOERROR);
}

static void test_drop_and_notimp(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    size_t qlen = make_query(q, 0x0102, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, NO_EDNS, 0);
    q[2] |= 0x80; /* a response */
    assert_int_equal(mnp_dns_answer(&z, q, qlen, false, r, sizeof(r)), 0);
    assert_int_equal(mnp_dns_answer(&z, q, qlen, true, r, sizeof(r)), 0);
    assert_int_equal(mnp_dns_answer(&z, NULL, 0, false, r, sizeof(r)), 0);

    for (unsigned opcode = 1; opcode < 16; opcode++) { /* IQUERY, STATUS, NOTIFY, UPDATE, ... */
        q[2] = (uint8_t)(opcode << 3 | 1);
        size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
        assert_int_equal(n, 12);
        assert_int_equal(be16(r), 0x0102);
        assert_int_equal(r[2], 0x80 | opcode << 3 | 1); /* the opcode is echoed */
        assert_int_equal(RCODE(r), MNP_DNS_RCODE_NOTIMP);
        assert_int_equal(QDCOUNT(r) + ANCOUNT(r) + NSCOUNT(r) + ARCOUNT(r), 0);
    }
}

static void test_flags_copied(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    size_t qlen = make_query(q, 0xffff, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, NO_EDNS, 0);
    q[2] = 0x06; /* AA and TC in a query mean nothing; RD clear */
    q[3] = 0xff; /* RA, Z, AD, CD, a junk RCODE */
    size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, qlen + 12 + 50);
    assert_int_equal(be16(r), 0xffff);
    assert_int_equal(r[2], 0x84); /* QR AA, no TC, no RD */
    assert_int_equal(r[3], 0x10); /* only CD survives */
}

static void test_badvers(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t q[512], r[512];
    size_t qlen = make_query(q, 3, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, 1232, 1);
    size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, qlen);
    assert_int_equal(RCODE(r), 0); /* BADVERS = 16: the low 4 bits are 0 */
    assert_int_equal(AA(r), 0);
    assert_int_equal(QDCOUNT(r), 1);
    assert_int_equal(ANCOUNT(r) + NSCOUNT(r), 0);
    assert_int_equal(ARCOUNT(r), 1);
    static const uint8_t opt[] = {0, 0, 41, 0x04, 0xd0, 1, 0, 0, 0, 0, 0};
    assert_memory_equal(r + n - 11, opt, 11); /* extended RCODE 1, version 0 */
}

/* ---- sizes and truncation ---- */

/* 63-byte labels make the SOA large enough that a negative answer exceeds 512 bytes. */
#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define L50 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"

static void test_edns_sizes_and_tc(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    zone_with(&z, NULL, L63 "." L63 "." L63 "." L50, L63 "." L63 "." L63 ".r" L50);
    uint8_t q[512], r[2048];
    const char *name = "7.7.7.6.8.e164.arpa"; /* NXDOMAIN */
    const size_t question = 12 + 21 + 4;
    const size_t full = question + 12 + 244 + 245 + 20;
    assert_true(full > 512);

    size_t qlen = make_query(q, 1, name, MNP_DNS_TYPE_NAPTR, 1, NO_EDNS, 0);
    size_t n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, question); /* header and question only */
    assert_int_equal(TC(r), 1);
    assert_int_equal(RCODE(r), MNP_DNS_RCODE_NXDOMAIN);
    assert_int_equal(AA(r), 1);
    assert_int_equal(QDCOUNT(r), 1);
    assert_int_equal(ANCOUNT(r) + NSCOUNT(r) + ARCOUNT(r), 0);

    n = mnp_dns_answer(&z, q, qlen, true, r, sizeof(r)); /* TCP: all of it */
    assert_int_equal(n, full);
    assert_int_equal(TC(r), 0);
    assert_int_equal(NSCOUNT(r), 1);

    qlen = make_query(q, 1, name, MNP_DNS_TYPE_NAPTR, 1, 4096, 0);
    n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, full + 11);
    assert_int_equal(TC(r), 0);
    /* ... unless the caller's buffer is smaller: TC with the OPT (RFC 6891 §7). */
    n = mnp_dns_answer(&z, q, qlen, false, r, 520);
    assert_int_equal(n, question + 11);
    assert_int_equal(TC(r), 1);
    assert_int_equal(ARCOUNT(r), 1);
    assert_int_equal(be16(r + question + 1), MNP_DNS_TYPE_OPT);
    /* Exactly the size needed fits; one byte less truncates. */
    assert_int_equal(mnp_dns_answer(&z, q, qlen, false, r, full + 11), full + 11);
    q[qlen - 8] = (uint8_t)((full + 10) >> 8);
    q[qlen - 7] = (uint8_t)(full + 10);
    n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
    assert_int_equal(n, question + 11);
    assert_int_equal(TC(r), 1);
    /* EDNS sizes below 512 count as 512. */
    for (unsigned size = 0; size <= 512; size += 128) {
        qlen = make_query(q, 1, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, (int)size, 0);
        n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
        assert_int_equal(TC(r), 0);
        assert_int_equal(n, qlen + 12 + 50);
        qlen = make_query(q, 1, name, MNP_DNS_TYPE_NAPTR, 1, (int)size, 0);
        n = mnp_dns_answer(&z, q, qlen, false, r, sizeof(r));
        assert_int_equal(TC(r), 1);
    }
    /* A buffer too small for even the header and question: nothing. */
    qlen = make_query(q, 1, name, MNP_DNS_TYPE_NAPTR, 1, NO_EDNS, 0);
    assert_int_equal(mnp_dns_answer(&z, q, qlen, false, r, question - 1), 0);
    assert_int_equal(mnp_dns_answer(&z, q, qlen, true, r, question), question);
    assert_int_equal(TC(r), 1);
}

/* ---- zone configuration and TCP framing ---- */

static void test_zone_init(void **state)
{
    (void)state;
    mnp_dns_zone_t z;
    mnp_dns_zone_config_t cfg;
    mnp_error_t err;
    mnp_dns_zone_config_default(&cfg);
    assert_int_equal(mnp_dns_zone_init(&z, &cfg, &err), MNP_EINVAL); /* no resolver */
    cfg.resolve = fake_resolve;
    assert_int_equal(mnp_dns_zone_init(&z, &cfg, &err), 0);
    assert_int_equal(z.suffix_len, 11);
    assert_int_equal(z.negative_ttl_s, 60);

    static const char *const bad[] = {
        "a..b", ".a", L63 "a.", "a\\.b", "a b", "\x80", L63 "." L63 "." L63 "." L63 "."};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cfg.suffix = bad[i];
        assert_int_equal(mnp_dns_zone_init(&z, &cfg, &err), MNP_EINVAL);
        assert_int_equal(err.code, MNP_EINVAL);
        cfg.suffix = "e164.arpa";
        cfg.rname = bad[i];
        assert_int_equal(mnp_dns_zone_init(&z, &cfg, &err), MNP_EINVAL);
        cfg.rname = "h.example";
    }
    cfg.mname = NULL;
    assert_int_equal(mnp_dns_zone_init(&z, &cfg, NULL), MNP_EINVAL);
    cfg.mname = L63 "." L63 "." L63 "."
                    "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz012345678";
    assert_int_equal(mnp_dns_zone_init(&z, &cfg, NULL), 0); /* exactly 255 bytes */
    assert_int_equal(z.mname_len, 255);
}

static void test_tcp_framing(void **state)
{
    (void)state;
    uint8_t stream[600];
    const uint8_t *msg = NULL;
    size_t msg_len = 99;
    mnp_dns_tcp_put_length(stream, 300);
    assert_int_equal(stream[0], 1);
    assert_int_equal(stream[1], 44);
    assert_int_equal(mnp_dns_tcp_frame_size(stream, 0), 2);
    assert_int_equal(mnp_dns_tcp_frame_size(stream, 1), 2);
    assert_int_equal(mnp_dns_tcp_frame_size(stream, 2), 302);
    assert_int_equal(mnp_dns_tcp_extract(stream, 301, &msg, &msg_len), 0);
    assert_null(msg);
    assert_int_equal(msg_len, 99);
    mnp_dns_tcp_put_length(stream + 302, 0);
    assert_int_equal(mnp_dns_tcp_extract(stream, 304, &msg, &msg_len), 302);
    assert_ptr_equal(msg, stream + 2);
    assert_int_equal(msg_len, 300);
    /* The second, empty message: framed fine, and the codec sends nothing for it. */
    assert_int_equal(mnp_dns_tcp_extract(stream + 302, 2, &msg, &msg_len), 2);
    assert_int_equal(msg_len, 0);
    mnp_dns_tcp_put_length(stream, MNP_DNS_TCP_MAX);
    assert_int_equal(mnp_dns_tcp_frame_size(stream, 2), 2 + 65535);

    /* A framed query answers like a datagram. */
    mnp_dns_zone_t z;
    default_zone(&z);
    uint8_t r[512];
    size_t qlen = make_query(stream + 2, 1, NUM_PORTED, MNP_DNS_TYPE_NAPTR, 1, NO_EDNS, 0);
    mnp_dns_tcp_put_length(stream, qlen);
    assert_int_equal(mnp_dns_tcp_extract(stream, qlen + 2, &msg, &msg_len), qlen + 2);
    assert_int_equal(mnp_dns_answer(&z, msg, msg_len, true, r, sizeof(r)), qlen + 12 + 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_naptr_ported_bytes),
        cmocka_unit_test(test_naptr_not_ported_bytes_with_edns),
        cmocka_unit_test(test_any_gives_naptr_and_class_any),
        cmocka_unit_test(test_nodata_other_type),
        cmocka_unit_test(test_empty_non_terminal),
        cmocka_unit_test(test_nxdomain),
        cmocka_unit_test(test_servfail),
        cmocka_unit_test(test_apex),
        cmocka_unit_test(test_case_insensitive),
        cmocka_unit_test(test_root_suffix),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_formerr),
        cmocka_unit_test(test_truncated_inputs),
        cmocka_unit_test(test_drop_and_notimp),
        cmocka_unit_test(test_flags_copied),
        cmocka_unit_test(test_badvers),
        cmocka_unit_test(test_edns_sizes_and_tc),
        cmocka_unit_test(test_zone_init),
        cmocka_unit_test(test_tcp_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
