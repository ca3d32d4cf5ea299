/*
 * The DNS ENUM responder as a pure codec: one query datagram (or one TCP message without its
 * length prefix) in, one reply out, no sockets, no allocation, no locks. The zone is the ENUM
 * suffix (default "e164.arpa.") with its SOA; below it, names made of single-digit labels are
 * E.164 numbers read right to left, and a resolver callback says which of them exist, which
 * are ported and to which routing number. A known number answers with one RFC 4694 NAPTR
 * ("E2U+pstn:tel", tel:...;npdi[;rn=...]). docs/enum.md lists every rule with its reason; the
 * tests in tests/test_dns.c check each one byte by byte.
 */
#ifndef MNP_DNS_H
#define MNP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

/* Protocol limits (RFC 1035 §2.3.4, §4.2.1; RFC 6891 §6.2.5; RFC 7766 §8). */
#define MNP_DNS_HEADER_BYTES 12
#define MNP_DNS_LABEL_MAX    63    /* bytes in one label */
#define MNP_DNS_NAME_MAX     255   /* bytes of a name in wire form, with the root label */
#define MNP_DNS_UDP_MIN      512   /* a UDP reply without EDNS, and the floor of an EDNS size */
#define MNP_DNS_TCP_MAX      65535 /* a TCP message, bounded by its 2-byte length prefix */
#define MNP_DNS_EDNS_SIZE    1232  /* the UDP payload size our OPT advertises */
#define MNP_DNS_E164_MAX     15    /* digits of an E.164 number (ITU-T E.164 §6) */
#define MNP_DNS_RN_MAX       15    /* digits of a routing number */

/* Fixed record values. */
#define MNP_DNS_TYPE_NS    2
#define MNP_DNS_TYPE_SOA   6
#define MNP_DNS_TYPE_NAPTR 35
#define MNP_DNS_TYPE_OPT   41
#define MNP_DNS_TYPE_IXFR  251
#define MNP_DNS_TYPE_AXFR  252
#define MNP_DNS_TYPE_ANY   255
#define MNP_DNS_CLASS_IN   1
#define MNP_DNS_CLASS_ANY  255

/* Response codes; BADVERS is an extended RCODE (RFC 6891 §6.1.3): its upper 8 bits travel in
 * the OPT record, so the header shows 0 and the OPT's extended RCODE field shows 1. */
enum {
    MNP_DNS_RCODE_NOERROR = 0,
    MNP_DNS_RCODE_FORMERR = 1,
    MNP_DNS_RCODE_SERVFAIL = 2,
    MNP_DNS_RCODE_NXDOMAIN = 3,
    MNP_DNS_RCODE_NOTIMP = 4,
    MNP_DNS_RCODE_REFUSED = 5,
    MNP_DNS_RCODE_BADVERS = 16,
};

/* What the resolver knows of a number it reports as MNP_DNS_IS_NUMBER. */
typedef struct mnp_dns_number {
    bool ported;             /* true: the NAPTR carries ;rn=<rn> */
    uint8_t rn_len;          /* digits in rn: 1..MNP_DNS_RN_MAX when ported, else ignored */
    char rn[MNP_DNS_RN_MAX]; /* routing number digits '0'..'9', not NUL-terminated */
} mnp_dns_number_t;

/* The resolver's verdict on a digit string (non-negative returns of mnp_dns_resolve_fn). */
enum {
    MNP_DNS_IS_NONE = 0,   /* neither a number nor a prefix of one: NXDOMAIN */
    MNP_DNS_IS_PREFIX = 1, /* a proper prefix of numbers the service knows: NODATA */
    MNP_DNS_IS_NUMBER = 2, /* a number the service knows: *out is filled */
};

/* Tells what the digits e164 (ndigits of them, 1..MNP_DNS_E164_MAX, the first never 0, so
 * e164 has exactly ndigits decimal digits: 86 13012345678 is 8613012345678 with ndigits 13)
 * are. Returns one of MNP_DNS_IS_*, or a negative MNP_E* when it cannot tell (the client gets
 * SERVFAIL). Called on the answering thread for every in-zone query below the apex; it must not
 * block, and must be thread-safe if mnp_dns_answer() runs on several threads. A ported number
 * whose rn is empty, too long or not all digits is treated as a resolver failure (SERVFAIL)
 * rather than published. */
typedef int (*mnp_dns_resolve_fn)(void *ctx, uint64_t e164, unsigned ndigits,
                                  mnp_dns_number_t *out);

/* The zone as configured by a person. Names are in presentation form ("e164.arpa.", the final
 * dot optional, no escapes); every string is only read during mnp_dns_zone_init(). */
typedef struct mnp_dns_zone_config {
    const char *suffix;         /* the zone apex; matched case-insensitively */
    const char *mname;          /* SOA primary server name; also the apex NS */
    const char *rname;          /* SOA mailbox, "hostmaster.example.net." */
    uint32_t serial;            /* SOA serial */
    uint32_t refresh_s;         /* SOA refresh */
    uint32_t retry_s;           /* SOA retry */
    uint32_t expire_s;          /* SOA expire */
    uint32_t minimum_s;         /* SOA minimum: the negative-caching TTL (RFC 2308 §4) */
    uint32_t ttl_s;             /* TTL of NAPTR, SOA and NS records in answers */
    mnp_dns_resolve_fn resolve; /* required */
    void *ctx;                  /* borrowed: passed to resolve, must outlive the zone's use */
} mnp_dns_zone_config_t;

/* A ready zone: caller-allocated, filled by mnp_dns_zone_init(), immutable afterwards (share it
 * between threads freely). Holds names in wire form; the fields are private to src/dns. */
typedef struct mnp_dns_zone {
    uint8_t suffix[MNP_DNS_NAME_MAX]; /* wire form, lower case */
    uint16_t suffix_len;
    uint8_t suffix_labels; /* labels without the root */
    uint16_t mname_len;    /* soa_rdata starts with mname */
    uint16_t soa_rdata_len;
    uint8_t soa_rdata[2 * MNP_DNS_NAME_MAX + 20]; /* mname, rname, 5 x 32-bit fields */
    uint32_t ttl_s;
    uint32_t negative_ttl_s; /* min(ttl_s, minimum_s), RFC 2308 §3 */
    mnp_dns_resolve_fn resolve;
    void *ctx;
} mnp_dns_zone_t;

/* Fills cfg with the defaults: suffix "e164.arpa.", mname "localhost.", rname
 * "hostmaster.localhost.", serial 1, refresh 3600, retry 600, expire 604800, minimum 60,
 * ttl 300, no resolver. */
void mnp_dns_zone_config_default(mnp_dns_zone_config_t *cfg);

/* Validates cfg and encodes it into zone. Fails with MNP_EINVAL (and err says which field) on a
 * NULL name or resolver, an empty label, a label over 63 bytes, a name over 255 bytes, or a
 * character outside printable ASCII or a backslash. */
MNP_WUR int mnp_dns_zone_init(mnp_dns_zone_t *zone, const mnp_dns_zone_config_t *cfg,
                              mnp_error_t *err);

/* Answers one query. q/qlen is the datagram (or the TCP message without its length prefix; q
 * may be NULL when qlen is 0); tcp says which transport it came on. The reply goes to out
 * (cap bytes, must not overlap q). Returns the reply's length, or 0 when nothing should be
 * sent: shorter than a header, a response (QR=1), or cap too small even for the truncated reply
 * (header, question, OPT: at most 282 bytes; 512 is always enough). The reply never exceeds cap,
 * nor over UDP max(512, EDNS size of the query) (a reply that would is cut to header + question (+
 * OPT) with TC=1, RFC 2181 §9), nor over TCP 65535. Allocates nothing; the zone is only read. */
size_t mnp_dns_answer(const mnp_dns_zone_t *zone, const uint8_t *q, size_t qlen, bool tcp,
                      uint8_t *out, size_t cap);

/* TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by its length, 2 bytes
 * big-endian. Given the first len bytes received on a stream, returns how many bytes the first
 * framed message occupies (2 + its length), or 2 when fewer than 2 have arrived: a caller that
 * has fewer bytes than that keeps reading. */
size_t mnp_dns_tcp_frame_size(const uint8_t *buf, size_t len);

/* When buf/len holds at least one whole framed message, points *msg at the message (borrowing
 * buf), sets *msg_len and returns the bytes to consume (2 + *msg_len); otherwise returns 0 and
 * leaves *msg and *msg_len alone. */
size_t mnp_dns_tcp_extract(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msg_len);

/* Writes the 2-byte length prefix of a msg_len-byte reply (msg_len <= MNP_DNS_TCP_MAX). */
void mnp_dns_tcp_put_length(uint8_t prefix[2], size_t msg_len);

#endif
