/*
 * Fuzzes the DNS ENUM codec with arbitrary datagrams, over UDP and TCP, into buffers of several
 * sizes, against two zones (a plain one and one whose SOA is large enough to force truncation)
 * and a deterministic fake resolver. Beyond not crashing: the reply fits the buffer and the
 * transport, echoes the ID, opcode and question, has QR set and RA clear, parses back as a DNS
 * message whose section counts match its records exactly, is the same twice, and over UDP
 * without truncation equals the TCP reply.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/cursor.h"
#include "mnp/dns.h"

/* Numbers are 13 digits; a few fail, a few carry a bad routing number, a third are ported. */
static int fake_resolve(void *ctx, uint64_t e164, unsigned ndigits, mnp_dns_number_t *out)
{
    (void)ctx;
    FUZZ_CHECK(ndigits >= 1 && ndigits <= MNP_DNS_E164_MAX);
    uint64_t lo = 1, hi = 10;
    for (unsigned i = 1; i < ndigits; i++) {
        lo *= 10;
        hi *= 10;
    }
    FUZZ_CHECK(e164 >= lo && e164 < hi); /* exactly ndigits digits, no leading zero */
    if (e164 % 11 == 0)
        return MNP_EIO;
    if (ndigits < 13)
        return e164 % 5 == 0 ? MNP_DNS_IS_NONE : MNP_DNS_IS_PREFIX;
    if (ndigits > 13 || e164 % 7 == 0)
        return MNP_DNS_IS_NONE;
    out->ported = e164 % 3 == 0;
    out->rn_len = (uint8_t)(1 + e164 % MNP_DNS_RN_MAX);
    for (unsigned i = 0; i < out->rn_len; i++)
        out->rn[i] = (char)('0' + (e164 >> i) % 10);
    if (e164 % 13 == 0)
        out->rn[0] = 'x';
    return MNP_DNS_IS_NUMBER;
}

#define L63 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

static const mnp_dns_zone_t *zone(int which)
{
    static mnp_dns_zone_t z[2];
    static bool ready;
    if (!ready) {
        mnp_dns_zone_config_t cfg;
        mnp_dns_zone_config_default(&cfg);
        cfg.resolve = fake_resolve;
        if (mnp_dns_zone_init(&z[0], &cfg, NULL) != 0)
            abort();
        cfg.suffix = "E164.Example.";
        cfg.mname = L63 "." L63 "." L63 ".m";
        cfg.rname = L63 "." L63 "." L63 ".r";
        if (mnp_dns_zone_init(&z[1], &cfg, NULL) != 0)
            abort();
        ready = true;
    }
    return &z[which];
}

/* Skips a name, following compression pointers; false if malformed. A pointer must point
 * before itself, and the name it points to must end before the pointer too, so every jump
 * shrinks the readable range and the walk ends. */
static bool skip_name(mnp_cursor_t *c)
{
    size_t name_bytes = 0;
    for (;;) {
        uint8_t n = mnp_cursor_u8(c);
        if (mnp_cursor_error(c))
            return false;
        if ((n & 0xc0) == 0xc0) {
            size_t at = (size_t)(n & 0x3f) << 8 | mnp_cursor_u8(c);
            size_t ptr = mnp_cursor_offset(c) - 2;
            if (mnp_cursor_error(c) || at >= ptr)
                return false;
            mnp_cursor_t t;
            mnp_cursor_init(&t, c->start, ptr);
            mnp_cursor_skip(&t, at);
            return skip_name(&t);
        }
        if (n > MNP_DNS_LABEL_MAX)
            return false;
        name_bytes += 1u + n;
        if (name_bytes > MNP_DNS_NAME_MAX)
            return false;
        if (n == 0)
            return true;
        mnp_cursor_skip(c, n);
    }
}

/* Walks the reply: every count matches the records present, nothing left over. */
static void check_parses(const uint8_t *r, size_t n)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, r, n);
    mnp_cursor_skip(&c, 4);
    uint16_t qd = mnp_cursor_be16(&c);
    uint16_t counts[3] = {mnp_cursor_be16(&c), mnp_cursor_be16(&c), mnp_cursor_be16(&c)};
    FUZZ_CHECK(qd <= 1);
    for (unsigned i = 0; i < qd; i++) {
        FUZZ_CHECK(skip_name(&c));
        mnp_cursor_skip(&c, 4);
    }
    unsigned opt = 0;
    for (unsigned s = 0; s < 3; s++) {
        for (unsigned i = 0; i < counts[s]; i++) {
            FUZZ_CHECK(skip_name(&c));
            uint16_t type = mnp_cursor_be16(&c);
            mnp_cursor_skip(&c, 6);
            uint16_t rdlen = mnp_cursor_be16(&c);
            mnp_cursor_skip(&c, rdlen);
            FUZZ_CHECK(mnp_cursor_error(&c) == 0);
            if (type == MNP_DNS_TYPE_OPT) {
                FUZZ_CHECK(s == 2);
                opt++;
            }
        }
    }
    FUZZ_CHECK(opt <= 1);
    FUZZ_CHECK(mnp_cursor_error(&c) == 0);
    FUZZ_CHECK(mnp_cursor_eof(&c));
}

/* Answers data once with cap; checks the reply on its own; returns its length. */
static size_t answer(const mnp_dns_zone_t *z, const uint8_t *data, size_t size, bool tcp,
                     uint8_t *r, size_t cap)
{
    size_t n = mnp_dns_answer(z, data, size, tcp, r, cap);
    FUZZ_CHECK(n <= cap);
    FUZZ_CHECK(n <= MNP_DNS_TCP_MAX);
    if (size < MNP_DNS_HEADER_BYTES || (data[2] & 0x80)) {
        FUZZ_CHECK(n == 0);
        return 0;
    }
    if (cap >= MNP_DNS_UDP_MIN)
        FUZZ_CHECK(n >= MNP_DNS_HEADER_BYTES); /* every query gets an answer */
    if (n == 0)
        return 0;
    FUZZ_CHECK(n >= MNP_DNS_HEADER_BYTES);
    FUZZ_CHECK(r[0] == data[0] && r[1] == data[1]);
    FUZZ_CHECK(r[2] & 0x80);                       /* QR */
    FUZZ_CHECK((r[2] & 0x79) == (data[2] & 0x79)); /* opcode, RD */
    FUZZ_CHECK((r[3] & 0xe0) == 0);                /* RA, Z, AD */
    FUZZ_CHECK((r[3] & 0x10) == (data[3] & 0x10)); /* CD */
    uint16_t qd = (uint16_t)(r[4] << 8 | r[5]);
    uint16_t an = (uint16_t)(r[6] << 8 | r[7]);
    uint16_t ns = (uint16_t)(r[8] << 8 | r[9]);
    uint16_t ar = (uint16_t)(r[10] << 8 | r[11]);
    check_parses(r, n);
    if (r[2] & 0x02) /* TC: header, question and at most the OPT */
        FUZZ_CHECK(an == 0 && ns == 0);
    if (!tcp && n > MNP_DNS_UDP_MIN)
        FUZZ_CHECK(ar == 1); /* only an EDNS query may get more than 512 bytes */
    if (qd == 1) {
        mnp_cursor_t c;
        mnp_cursor_init(&c, r, n);
        mnp_cursor_skip(&c, MNP_DNS_HEADER_BYTES);
        FUZZ_CHECK(skip_name(&c));
        size_t qlen = mnp_cursor_offset(&c) + 4 - MNP_DNS_HEADER_BYTES;
        FUZZ_CHECK(size >= MNP_DNS_HEADER_BYTES + qlen);
        FUZZ_CHECK(memcmp(r + MNP_DNS_HEADER_BYTES, data + MNP_DNS_HEADER_BYTES, qlen) == 0);
    }
    if (an > 0)
        FUZZ_CHECK((r[2] & 0x04) && (r[3] & 0x0f) == 0); /* AA, NOERROR */
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t r1[MNP_DNS_TCP_MAX], r2[MNP_DNS_TCP_MAX];
    for (int zi = 0; zi < 2; zi++) {
        const mnp_dns_zone_t *z = zone(zi);
        size_t tcp = answer(z, data, size, true, r1, sizeof(r1));
        size_t again = answer(z, data, size, true, r2, sizeof(r2));
        FUZZ_CHECK(again == tcp && memcmp(r1, r2, tcp) == 0);
        size_t udp = answer(z, data, size, false, r2, sizeof(r2));
        if (udp > 0 && !(r2[2] & 0x02)) /* not truncated: the same reply as over TCP */
            FUZZ_CHECK(udp == tcp && memcmp(r1, r2, tcp) == 0);
        (void)answer(z, data, size, false, r2, MNP_DNS_UDP_MIN);
        (void)answer(z, data, size, false, r2, size % 300);
    }
    return 0;
}
