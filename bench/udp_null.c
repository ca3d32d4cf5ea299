/*
 * udp_null: the "null responder" the lookup service's throughput is measured against. It runs
 * the batched UDP engine (include/mnp/udp_server.h) with the same worker count option as the
 * real servers and answers every Kamailio pdb request with an OK reply for carrier 1 without
 * looking anything up (version 1 and the legacy form, REFERENCE.md), or with --dns every DNS
 * query with a fixed NOERROR reply that echoes the question and carries no answer. What it
 * reaches is the ceiling of the engine and the kernel on this machine; a lookup server's figure
 * is read as a ratio to it.
 *
 *   udp_null [--port P] [--workers N] [--address A] [--dns]
 *
 * Prints "listening on A:PORT" once serving, runs until SIGINT or SIGTERM, then prints the
 * engine's counters (total and per worker).
 */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "mnp/cursor.h"
#include "mnp/udp_server.h"

#define PDB_VERSION_1   1
#define PDB_HEADER      6
#define PDB_TYPE_REPLY  1
#define PDB_OK          1
#define PDB_NOT_DIGITS  2
#define PDB_MAX_LEN     255 /* the length byte covers the whole datagram */
#define NULL_CARRIER    1
#define DNS_HEADER      12
#define DNS_MAX_NAME    255
#define DNS_MAX_LABEL   63
#define DNS_QR          0x80
#define DNS_RD          0x01
#define DNS_OPCODE_MASK 0x78

/* Counts the leading ASCII digits of p[0..len) up to a NUL or the end; -1 when anything else
 * comes first. *nul says whether a NUL ended them. */
static long digits_of(const uint8_t *p, size_t len, bool *nul)
{
    *nul = false;
    for (size_t i = 0; i < len; i++) {
        if (p[i] == 0) {
            *nul = true;
            return (long)i;
        }
        if (p[i] < '0' || p[i] > '9')
            return -1;
    }
    return (long)len;
}

/* Writes digits, NUL and the carrier id (big-endian) at out; returns the bytes written. */
static size_t put_answer(uint8_t *out, const uint8_t *digits, size_t n)
{
    memcpy(out, digits, n);
    out[n] = 0;
    out[n + 1] = (uint8_t)(NULL_CARRIER >> 8);
    out[n + 2] = (uint8_t)(NULL_CARRIER & 0xff);
    return n + 3;
}

/* One pdb request (either form) into its reply; 0 to drop a datagram that is not a request. */
static size_t pdb_reply(const mnp_udp_packet_t *in, mnp_udp_packet_t *out)
{
    const uint8_t *p = in->data;
    bool nul;
    if (in->len == 0)
        return 0;
    if (p[0] >= '0' && p[0] <= '9') { /* legacy: bare digits, maybe NUL-terminated */
        long n = digits_of(p, in->len, &nul);
        if (n <= 0 || (size_t)n + 3 > out->cap)
            return 0;
        return put_answer(out->data, p, (size_t)n);
    }
    /* Version 1: the length byte must be the real datagram length (a short one crashes the
     * reference server), and the id is echoed. */
    if (out->cap < PDB_MAX_LEN || in->len < PDB_HEADER || p[0] != PDB_VERSION_1 || p[1] != 0 ||
        p[3] != in->len)
        return 0;
    long n = digits_of(p + PDB_HEADER, in->len - PDB_HEADER, &nul);
    uint8_t *o = out->data;
    o[0] = PDB_VERSION_1;
    o[1] = PDB_TYPE_REPLY;
    o[4] = p[4];
    o[5] = p[5];
    size_t len = PDB_HEADER;
    if (n <= 0) {
        o[2] = PDB_NOT_DIGITS;
    } else {
        if (PDB_HEADER + (size_t)n + 3 > PDB_MAX_LEN)
            return 0;
        o[2] = PDB_OK;
        len += put_answer(o + PDB_HEADER, p + PDB_HEADER, (size_t)n);
    }
    o[3] = (uint8_t)len;
    return len;
}

/* One DNS query into a NOERROR reply with the question and no records; 0 to drop. */
static size_t dns_reply(const mnp_udp_packet_t *in, mnp_udp_packet_t *out)
{
    mnp_cursor_t c;
    mnp_cursor_init(&c, in->data, in->len);
    mnp_cursor_skip(&c, 2); /* id */
    uint8_t flags = mnp_cursor_u8(&c);
    mnp_cursor_skip(&c, 1);
    uint16_t qdcount = mnp_cursor_be16(&c);
    mnp_cursor_skip(&c, 6); /* answer, authority and additional counts: ignored */
    if (mnp_cursor_error(&c) || (flags & DNS_QR) || (flags & DNS_OPCODE_MASK) || qdcount != 1)
        return 0;
    size_t name = 0;
    for (;;) {
        uint8_t label = mnp_cursor_u8(&c);
        if (mnp_cursor_error(&c) || label > DNS_MAX_LABEL) /* no compression in a question */
            return 0;
        name += 1u + label;
        if (name > DNS_MAX_NAME)
            return 0;
        if (label == 0)
            break;
        mnp_cursor_skip(&c, label);
    }
    mnp_cursor_skip(&c, 4); /* type and class */
    size_t len = mnp_cursor_offset(&c);
    if (mnp_cursor_error(&c) || len > out->cap)
        return 0;
    uint8_t *o = out->data;
    memcpy(o, in->data, len);
    o[2] = (uint8_t)(DNS_QR | (flags & DNS_RD));
    o[3] = 0; /* NOERROR */
    memset(o + 6, 0, 6);
    return len;
}

/* The handler: worker_arg is a bool, true for DNS. */
static size_t null_handle(void *worker_arg, const mnp_udp_packet_t *in, size_t n,
                          mnp_udp_packet_t *out)
{
    const bool dns = *(const bool *)worker_arg;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = dns ? dns_reply(&in[i], &out[k]) : pdb_reply(&in[i], &out[k]);
        if (len == 0)
            continue;
        out[k].len = len;
        out[k].peer = in[i].peer;
        out[k].peer_len = in[i].peer_len;
        k++;
    }
    return k;
}

static void print_stats(const char *who, const mnp_udp_stats_t *s)
{
    printf("%-8s received=%llu answered=%llu dropped=%llu oversize=%llu send_errors=%llu "
           "recv_errors=%llu batches=%llu avg_batch=%.1f\n",
           who, (unsigned long long)s->received, (unsigned long long)s->answered,
           (unsigned long long)s->dropped, (unsigned long long)s->oversize,
           (unsigned long long)s->send_errors, (unsigned long long)s->recv_errors,
           (unsigned long long)s->batches,
           s->batches ? (double)(s->received - s->oversize) / (double)s->batches : 0.0);
}

static void usage(void)
{
    fprintf(stderr, "usage: udp_null [--port P] [--workers N] [--address A] [--dns]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, NULL, 'p'},    {"workers", required_argument, NULL, 'w'},
        {"address", required_argument, NULL, 'a'}, {"dns", no_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    uint64_t port = 0, workers = 1;
    bool dns = false;
    const char *address = "127.0.0.1";
    int opt;
    while ((opt = getopt_long(argc, argv, "p:w:a:dh", opts, NULL)) != -1) {
        switch (opt) {
        case 'p':
            if (!args_count(optarg, &port) || port > 65535)
                usage();
            break;
        case 'w':
            if (!args_count(optarg, &workers) || workers < 1 || workers > MNP_UDP_MAX_WORKERS)
                usage();
            break;
        case 'a':
            address = optarg;
            break;
        case 'd':
            dns = true;
            break;
        default:
            usage();
        }
    }
    if (optind != argc)
        usage();

    /* Signals are taken with sigwait on this thread; the workers block them anyway. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    mnp_udp_config_t cfg = {.address = address,
                            .port = (uint16_t)port,
                            .workers = (unsigned)workers,
                            .handle = null_handle,
                            .ctx = &dns};
    mnp_udp_server_t *srv = NULL;
    mnp_error_t err;
    if (mnp_udp_server_start(&cfg, &srv, &err) != 0) {
        fprintf(stderr, "udp_null: %s\n", err.msg);
        return 1;
    }
    fprintf(stderr, "udp_null: %s responder, %u workers, socket buffers rcv %d snd %d bytes\n",
            dns ? "DNS" : "pdb", mnp_udp_server_workers(srv), mnp_udp_server_rcvbuf_bytes(srv),
            mnp_udp_server_sndbuf_bytes(srv));
    printf("listening on %s:%u\n", address, (unsigned)mnp_udp_server_port(srv));
    fflush(stdout);

    int sig = 0;
    sigwait(&sigs, &sig);
    mnp_udp_server_stop(srv);

    mnp_udp_stats_t s;
    mnp_udp_server_stats_total(srv, &s);
    print_stats("total", &s);
    for (unsigned i = 0; i < mnp_udp_server_workers(srv); i++) {
        char who[24];
        snprintf(who, sizeof(who), "worker%u", i);
        if (mnp_udp_server_stats(srv, i, &s) == 0)
            print_stats(who, &s);
    }
    mnp_udp_server_free(srv);
    return 0;
}
