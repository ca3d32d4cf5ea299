/*
 * Private to src/dns: the strictly parsed query that dns_query.c hands to dns_answer.c. The
 * parser decides what kind of reply a datagram gets before the answer logic looks at the zone,
 * so every malformed input is turned away in one place.
 */
#ifndef MNP_DNS_INT_H
#define MNP_DNS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/dns.h"

/* At most 127 labels fit in 255 bytes (each at least 2 bytes, plus the root). */
#define DNS_LABELS_MAX 127

/* Flag bits of header bytes 2 and 3 (RFC 1035 §4.1.1, RFC 4035 §3.2.2 for CD). */
#define DNS_QR     0x80
#define DNS_OPCODE 0x78
#define DNS_AA     0x04
#define DNS_TC     0x02
#define DNS_RD     0x01
#define DNS_CD     0x10

/* What the parser concluded. */
typedef enum dns_verdict {
    DNS_OK,      /* a well-formed query: answer it */
    DNS_DROP,    /* send nothing */
    DNS_NOTIMP,  /* an opcode other than QUERY */
    DNS_FORMERR, /* malformed; has_question says whether the question can be echoed */
    DNS_BADVERS, /* well-formed, but EDNS version other than 0 */
} dns_verdict_t;

typedef struct dns_query {
    const uint8_t *msg; /* borrowed: the query */
    uint16_t id;
    uint8_t flags2;     /* header byte 2: QR, OPCODE, AA, TC, RD */
    uint8_t flags3;     /* header byte 3: RA, Z, AD, CD, RCODE */
    bool has_question;  /* the question was read whole: msg[12 .. 12 + qname_len + 4) */
    uint16_t qname_len; /* wire length with the root label */
    uint8_t labels;     /* labels without the root */
    uint8_t label_off[DNS_LABELS_MAX]; /* offset of each label's length byte in the name */
    uint16_t qtype;
    uint16_t qclass;
    bool edns;          /* the query carried one OPT record */
    bool edns_do;       /* its DO bit (RFC 3225: copied into the reply) */
    uint16_t edns_size; /* its UDP payload size as sent */
    uint8_t edns_version;
} dns_query_t;

/* Parses q/qlen (q may be NULL when qlen is 0) into dq. */
dns_verdict_t dns_query_parse(dns_query_t *dq, const uint8_t *q, size_t qlen);

#endif
