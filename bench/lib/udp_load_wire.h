/*
 * The datagrams of the UDP load generator (bench/udp_load.c): request builders and reply checks
 * for Kamailio's pdb protocol (version 1 and the legacy bare-digit form) and for ENUM NAPTR
 * queries over DNS, as REFERENCE.md describes them. Written independently of the server's codecs
 * (src/pdb, src/dns) on purpose, so that the load generator also checks the server's answers
 * rather than agreeing with it by construction. Pure functions: no sockets, no allocation.
 */
#ifndef MNP_BENCH_UDP_LOAD_WIRE_H
#define MNP_BENCH_UDP_LOAD_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UL_DIGITS_MAX   20   /* a u64 has at most 20 decimal digits */
#define UL_REQUEST_MAX  128  /* the largest request any builder writes (DNS: 12+40+10+4+11) */
#define UL_DNS_UDP_SIZE 1232 /* EDNS(0) payload size the DNS queries advertise */
#define UL_DNS_NAPTR    35
#define UL_DNS_OPT      41

typedef enum ul_proto {
    UL_PDB = 0,        /* pdb version 1: 6-byte header, digits, NUL */
    UL_PDB_LEGACY = 1, /* pdb legacy: bare digits */
    UL_DNS = 2,        /* NAPTR query under e164.arpa. with an EDNS(0) OPT record */
} ul_proto_t;

/* What a reply says about the number asked. */
typedef enum ul_verdict {
    UL_FOUND = 0,     /* pdb: OK with a carrier id; DNS: a NAPTR whose regexp carries ";rn=" */
    UL_NOT_FOUND = 1, /* pdb: code 3 (legacy: carrier 0); DNS: NXDOMAIN, no NAPTR, or no rn */
    UL_WRONG = 2,     /* malformed, not a reply, another number, or an error code */
} ul_verdict_t;

/* "pdb", "pdb-legacy", "dns"; and back (false for an unknown name). */
const char *ul_proto_name(ul_proto_t proto);
bool ul_proto_parse(const char *name, ul_proto_t *out);

/* Writes the decimal digits of v (no sign, no NUL) to out and returns how many (1..20). */
size_t ul_digits(uint64_t v, char out[UL_DIGITS_MAX]);

/* Writes the request for digits[0..n) (1 <= n <= UL_DIGITS_MAX, ASCII digits) with the given id
 * (ignored by the legacy form, which has none) into out, which holds UL_REQUEST_MAX bytes, and
 * returns its length:
 *   pdb:        01 00 00 LEN ID_HI ID_LO digits 00      (LEN: the whole datagram)
 *   pdb-legacy: digits
 *   dns:        header (ID, all flags 0 so RD=0, QDCOUNT 1, ARCOUNT 1), the question
 *               d_n.....d_1.e164.arpa. NAPTR IN, and an OPT record (UDP size 1232, no DO). */
size_t ul_request(ul_proto_t proto, uint16_t id, const char *digits, size_t n, uint8_t *out);

/* The 16-bit id of a pdb version 1 or DNS reply buf[0..len), for matching it to its query;
 * false when the datagram is too short to carry one (or the protocol is pdb-legacy). */
bool ul_reply_id(ul_proto_t proto, const uint8_t *buf, size_t len, uint16_t *id);

/* The number a legacy reply echoes (the digits before its NUL), for matching it to its query;
 * false when buf does not start with 1..20 digits and a NUL. */
bool ul_legacy_reply_number(const uint8_t *buf, size_t len, uint64_t *number);

/* Checks buf[0..len) as the reply to the query for digits[0..n) with id (ignored by the legacy
 * form):
 *   pdb:        version 1, type 1, length byte == len, id echoed; code 1 with exactly the asked
 *               digits, a NUL and a carrier id 1..999 is FOUND; code 3 with no payload is
 *               NOT_FOUND; anything else (code 2 included: the generator sends only digits) WRONG.
 *   pdb-legacy: the asked digits, a NUL, a carrier id (0: NOT_FOUND, 1..999: FOUND), nothing
 *               more; else WRONG.
 *   dns:        QR=1, the id, opcode 0, TC=0, QDCOUNT 1 and the asked question (names compared
 *               without case). RCODE 3 is NOT_FOUND; RCODE 0 is FOUND when an IN NAPTR answer's
 *               regexp contains ";rn=" and NOT_FOUND otherwise; other RCODEs, and any record that
 *               runs past len, are WRONG. */
ul_verdict_t ul_reply_check(ul_proto_t proto, const uint8_t *buf, size_t len, uint16_t id,
                            const char *digits, size_t n);

#endif
