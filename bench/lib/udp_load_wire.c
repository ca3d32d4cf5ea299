/*
 * Request builders and reply checks of the UDP load generator (udp_load_wire.h). Replies come from
 * the server under test, so every read is checked against the real datagram length; a reply the
 * generator cannot account for is WRONG rather than a crash or a silent success.
 */
#include <string.h>

#include "udp_load_wire.h"

#define PDB_HEADER  6
#define DNS_HEADER  12
#define DNS_QR      0x80 /* in byte 2 */
#define DNS_OPCODE  0x78 /* in byte 2 */
#define DNS_TC      0x02 /* in byte 2 */
#define DNS_RCODE   0x0f /* in byte 3 */
#define DNS_NOERROR 0
#define DNS_NXRCODE 3
#define DNS_CLASS   1 /* IN */

static const char *const proto_names[] = {"pdb", "pdb-legacy", "dns"};

const char *ul_proto_name(ul_proto_t proto)
{
    return (unsigned)proto < 3 ? proto_names[proto] : "?";
}

bool ul_proto_parse(const char *name, ul_proto_t *out)
{
    for (unsigned i = 0; i < 3; i++) {
        if (strcmp(name, proto_names[i]) == 0) {
            *out = (ul_proto_t)i;
            return true;
        }
    }
    return false;
}

size_t ul_digits(uint64_t v, char out[UL_DIGITS_MAX])
{
    char tmp[UL_DIGITS_MAX];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    return n;
}

static void put16(uint8_t *p, unsigned v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static unsigned get16(const uint8_t *p)
{
    return (unsigned)p[0] << 8 | p[1];
}

/* The question section for digits: reversed single-digit labels, e164, arpa, root, NAPTR, IN. */
static size_t dns_question(const char *digits, size_t n, uint8_t *out)
{
    uint8_t *p = out;
    for (size_t i = n; i-- > 0;) {
        *p++ = 1;
        *p++ = (uint8_t)digits[i];
    }
    memcpy(p, "\4e164\4arpa\0", 11);
    p += 11;
    put16(p, UL_DNS_NAPTR);
    put16(p + 2, DNS_CLASS);
    return (size_t)(p + 4 - out);
}

size_t ul_request(ul_proto_t proto, uint16_t id, const char *digits, size_t n, uint8_t *out)
{
    switch (proto) {
    case UL_PDB: {
        size_t len = PDB_HEADER + n + 1;
        out[0] = 1;
        out[1] = 0; /* request */
        out[2] = 0;
        out[3] = (uint8_t)len;
        put16(out + 4, id);
        memcpy(out + PDB_HEADER, digits, n);
        out[PDB_HEADER + n] = 0;
        return len;
    }
    case UL_PDB_LEGACY:
        memcpy(out, digits, n);
        return n;
    case UL_DNS:
    default: {
        memset(out, 0, DNS_HEADER);
        put16(out, id);
        put16(out + 4, 1);  /* QDCOUNT */
        put16(out + 10, 1); /* ARCOUNT: the OPT record */
        size_t len = DNS_HEADER + dns_question(digits, n, out + DNS_HEADER);
        uint8_t *p = out + len;
        p[0] = 0; /* root name */
        put16(p + 1, UL_DNS_OPT);
        put16(p + 3, UL_DNS_UDP_SIZE); /* CLASS carries the payload size */
        memset(p + 5, 0, 6);           /* extended RCODE, version 0, no DO; RDLENGTH 0 */
        return len + 11;
    }
    }
}

bool ul_reply_id(ul_proto_t proto, const uint8_t *buf, size_t len, uint16_t *id)
{
    if (proto == UL_PDB && len >= PDB_HEADER) {
        *id = (uint16_t)get16(buf + 4);
        return true;
    }
    if (proto == UL_DNS && len >= DNS_HEADER) {
        *id = (uint16_t)get16(buf);
        return true;
    }
    return false;
}

bool ul_legacy_reply_number(const uint8_t *buf, size_t len, uint64_t *number)
{
    uint64_t v = 0;
    size_t i = 0;
    for (; i < len && i < UL_DIGITS_MAX && buf[i] >= '0' && buf[i] <= '9'; i++) {
        unsigned d = buf[i] - (unsigned)'0';
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (i == 0 || i >= len || buf[i] != 0)
        return false;
    *number = v;
    return true;
}

static ul_verdict_t carrier_verdict(unsigned carrier, bool zero_is_not_found)
{
    if (carrier == 0 && zero_is_not_found)
        return UL_NOT_FOUND;
    return carrier >= 1 && carrier <= 999 ? UL_FOUND : UL_WRONG;
}

static ul_verdict_t check_pdb(const uint8_t *buf, size_t len, uint16_t id, const char *digits,
                              size_t n)
{
    if (len < PDB_HEADER || buf[0] != 1 || buf[1] != 1 || buf[3] != len || get16(buf + 4) != id)
        return UL_WRONG;
    if (buf[2] == 3)
        return len == PDB_HEADER ? UL_NOT_FOUND : UL_WRONG;
    if (buf[2] != 1 || len != PDB_HEADER + n + 3 || memcmp(buf + PDB_HEADER, digits, n) != 0 ||
        buf[PDB_HEADER + n] != 0)
        return UL_WRONG;
    return carrier_verdict(get16(buf + PDB_HEADER + n + 1), false);
}

static ul_verdict_t check_legacy(const uint8_t *buf, size_t len, const char *digits, size_t n)
{
    if (len != n + 3 || memcmp(buf, digits, n) != 0 || buf[n] != 0)
        return UL_WRONG;
    return carrier_verdict(get16(buf + n + 1), true);
}

/* Offset just past the (possibly compressed) name at off, or 0 when it runs past len. Pointers
 * are not followed: a pointer ends the name where it stands. */
static size_t dns_skip_name(const uint8_t *buf, size_t len, size_t off)
{
    while (off < len) {
        unsigned l = buf[off];
        if (l == 0)
            return off + 1;
        if ((l & 0xc0) == 0xc0)
            return off + 2 <= len ? off + 2 : 0;
        if ((l & 0xc0) != 0)
            return 0;
        off += 1 + l;
    }
    return 0;
}

/* Case-insensitive comparison of n bytes (ASCII letters only; digits and lengths exactly). */
static bool same_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned x = a[i], y = b[i];
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y)
            return false;
    }
    return true;
}

/* Whether the NAPTR RDATA rd[0..rdlen) is well formed; *rn says whether its regexp has ";rn=". */
static bool naptr_rdata(const uint8_t *rd, size_t rdlen, bool *rn)
{
    size_t off = 4;                                /* ORDER, PREFERENCE */
    for (unsigned field = 0; field < 3; field++) { /* FLAGS, SERVICES, REGEXP */
        if (off >= rdlen || off + 1 + rd[off] > rdlen)
            return false;
        size_t sl = rd[off];
        const uint8_t *s = rd + off + 1;
        if (field == 2) {
            *rn = false;
            for (size_t i = 0; i + 4 <= sl; i++)
                if (memcmp(s + i, ";rn=", 4) == 0)
                    *rn = true;
        }
        off += 1 + sl;
    }
    size_t end = dns_skip_name(rd, rdlen, off); /* REPLACEMENT */
    return end != 0;
}

static ul_verdict_t check_dns(const uint8_t *buf, size_t len, uint16_t id, const char *digits,
                              size_t n)
{
    uint8_t q[UL_REQUEST_MAX];
    size_t qlen = dns_question(digits, n, q);
    if (len < DNS_HEADER + qlen || get16(buf) != id || !(buf[2] & DNS_QR) ||
        (buf[2] & (DNS_OPCODE | DNS_TC)) != 0 || get16(buf + 4) != 1 ||
        !same_nocase(buf + DNS_HEADER, q, qlen))
        return UL_WRONG;
    unsigned rcode = buf[3] & DNS_RCODE;
    if (rcode == DNS_NXRCODE)
        return UL_NOT_FOUND;
    if (rcode != DNS_NOERROR)
        return UL_WRONG;
    bool found = false;
    size_t off = DNS_HEADER + qlen;
    for (unsigned an = get16(buf + 6); an > 0; an--) {
        off = dns_skip_name(buf, len, off);
        if (off == 0 || off + 10 > len)
            return UL_WRONG;
        unsigned type = get16(buf + off), cls = get16(buf + off + 2);
        size_t rdlen = get16(buf + off + 8);
        off += 10;
        if (off + rdlen > len)
            return UL_WRONG;
        bool rn = false;
        if (type == UL_DNS_NAPTR && cls == DNS_CLASS) {
            if (!naptr_rdata(buf + off, rdlen, &rn))
                return UL_WRONG;
            found |= rn;
        }
        off += rdlen;
    }
    return found ? UL_FOUND : UL_NOT_FOUND;
}

ul_verdict_t ul_reply_check(ul_proto_t proto, const uint8_t *buf, size_t len, uint16_t id,
                            const char *digits, size_t n)
{
    switch (proto) {
    case UL_PDB:
        return check_pdb(buf, len, id, digits, n);
    case UL_PDB_LEGACY:
        return check_legacy(buf, len, digits, n);
    case UL_DNS:
        return check_dns(buf, len, id, digits, n);
    }
    return UL_WRONG;
}
