/*
 * The strict query parser of the ENUM responder. Every byte of the datagram is read through
 * the bounds-checked cursor and accounted for: a header, exactly one question whose name has
 * no compression pointer, no answer or authority records, at most one additional record which
 * must be an EDNS(0) OPT, and nothing after it. Anything else is a FORMERR (or a drop, for
 * responses and runts), decided here so that the answer logic only ever sees clean queries.
 */
#include "dns_int.h"

#include "mnp/cursor.h"

/* Reads the question name (RFC 1035 §3.1, §4.1.2) and records where each label starts. */
static bool parse_qname(mnp_cursor_t *c, dns_query_t *dq)
{
    size_t len = 0;
    dq->labels = 0;
    for (;;) {
        uint8_t n = mnp_cursor_u8(c);
        if (mnp_cursor_error(c))
            return false;
        /* 0b11 is a compression pointer, which a question cannot meaningfully need (RFC 1035
         * §4.1.4 allows it, but there is nothing earlier to point at but the header); 0b01 and
         * 0b10 are extended label types (RFC 6891 §5 deprecates them). Either way, and any
         * length over 63, is a FORMERR. */
        if (n > MNP_DNS_LABEL_MAX)
            return false;
        if (len + 1u + n > MNP_DNS_NAME_MAX)
            return false;
        if (n == 0) {
            dq->qname_len = (uint16_t)(len + 1);
            return true;
        }
        /* 127 labels already use 254 bytes, so the length check above stops an overflow. */
        dq->label_off[dq->labels++] = (uint8_t)len;
        mnp_cursor_skip(c, n);
        if (mnp_cursor_error(c))
            return false;
        len += 1u + n;
    }
}

/* Walks the OPT record's options (RFC 6891 §6.1.2): each a code, a length and that many bytes,
 * filling RDATA exactly. None is acted on; they only have to be well-formed. */
static bool parse_options(mnp_cursor_t *c, uint16_t rdlen)
{
    mnp_cursor_t o;
    const uint8_t *rdata = mnp_cursor_take(c, rdlen);
    if (rdata == NULL)
        return false;
    mnp_cursor_init(&o, rdata, rdlen);
    while (!mnp_cursor_eof(&o)) {
        (void)mnp_cursor_be16(&o);
        uint16_t len = mnp_cursor_be16(&o);
        mnp_cursor_skip(&o, len);
        if (mnp_cursor_error(&o))
            return false;
    }
    return true;
}

/* Reads the one additional record, which must be an OPT owned by the root (RFC 6891 §6.1). */
static bool parse_opt(mnp_cursor_t *c, dns_query_t *dq)
{
    if (!mnp_cursor_accept(c, 0)) /* owner: the root name */
        return false;
    uint16_t type = mnp_cursor_be16(c);
    uint16_t size = mnp_cursor_be16(c);
    uint8_t ext_rcode = mnp_cursor_u8(c);
    uint8_t version = mnp_cursor_u8(c);
    uint16_t flags = mnp_cursor_be16(c);
    uint16_t rdlen = mnp_cursor_be16(c);
    if (mnp_cursor_error(c) || type != MNP_DNS_TYPE_OPT)
        return false;
    (void)ext_rcode; /* meaningful only in replies */
    dq->edns = true;
    dq->edns_size = size;
    dq->edns_version = version;
    dq->edns_do = (flags & 0x8000) != 0;
    return parse_options(c, rdlen);
}

dns_verdict_t dns_query_parse(dns_query_t *dq, const uint8_t *q, size_t qlen)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, q, qlen);
    dq->msg = c.start;
    dq->has_question = false;
    dq->edns = false;
    dq->edns_do = false;
    dq->edns_size = 0;
    dq->edns_version = 0;

    if (qlen < MNP_DNS_HEADER_BYTES)
        return DNS_DROP; /* not even an ID to answer to */
    dq->id = mnp_cursor_be16(&c);
    dq->flags2 = mnp_cursor_u8(&c);
    dq->flags3 = mnp_cursor_u8(&c);
    uint16_t qdcount = mnp_cursor_be16(&c);
    uint16_t ancount = mnp_cursor_be16(&c);
    uint16_t nscount = mnp_cursor_be16(&c);
    uint16_t arcount = mnp_cursor_be16(&c);

    if (dq->flags2 & DNS_QR)
        return DNS_DROP; /* answering a response invites reflection loops */
    if (dq->flags2 & DNS_OPCODE)
        return DNS_NOTIMP;
    if (qdcount != 1)
        return DNS_FORMERR;

    if (!parse_qname(&c, dq))
        return DNS_FORMERR;
    dq->qtype = mnp_cursor_be16(&c);
    dq->qclass = mnp_cursor_be16(&c);
    if (mnp_cursor_error(&c))
        return DNS_FORMERR;
    dq->has_question = true;

    if (ancount != 0 || nscount != 0 || arcount > 1)
        return DNS_FORMERR;
    if (arcount == 1 && !parse_opt(&c, dq))
        return DNS_FORMERR;
    if (!mnp_cursor_eof(&c))
        return DNS_FORMERR; /* trailing bytes */
    if (dq->edns && dq->edns_version != 0)
        return DNS_BADVERS;
    return DNS_OK;
}
