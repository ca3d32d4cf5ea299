/*
 * Requests a clearinghouse acknowledged (a 2xx answer), as a test records them while it drives
 * the /v1 API, and the check that the store still holds each of them: an acknowledged code has
 * its audit record and a row (or was used by an order of its number), an acknowledged
 * submission is an order of that number and recipient, an acknowledged answer, cancel or return
 * shows in the order's audited path and state, an acknowledged feed position is the consumer's.
 * Requests with an unknown outcome (the connection broke) are not recorded: either is fine.
 */
#ifndef MNP_TEST_CH_ACKED_H
#define MNP_TEST_CH_ACKED_H

#include <stddef.h>
#include <stdint.h>

#include "ch_check.h"
#include "mnp/operator.h"

typedef enum test_ack_kind {
    TEST_ACK_CODE,   /* 201 to POST /v1/authcodes */
    TEST_ACK_SUBMIT, /* 201 to POST /v1/orders */
    TEST_ACK_ACCEPT, /* 200 to POST /v1/orders/{id}/answer without objection */
    TEST_ACK_OBJECT, /* 200 to an answer with D01 */
    TEST_ACK_CANCEL, /* 200 to POST /v1/orders/{id}/cancel */
    TEST_ACK_RETURN, /* 200 to POST /v1/returns */
    TEST_ACK_FEED,   /* 200 to POST /v1/events/ack */
    TEST_ACK_KINDS
} test_ack_kind_t;

typedef struct test_acked {
    test_ack_kind_t kind;
    mnp_operator_t op; /* who made the request */
    uint64_t number;   /* E.164; 0 for a feed acknowledgement */
    int64_t order;     /* the order's id, or the seq of a feed acknowledgement */
} test_acked_t;

/* A growing list; zero-initialised is empty; free with test_acklog_fini. */
typedef struct test_acklog {
    test_acked_t *v;
    size_t n, cap;
} test_acklog_t;

/* Appends one acknowledged request (aborts when out of memory). */
void test_acklog_add(test_acklog_t *l, test_ack_kind_t kind, mnp_operator_t op, uint64_t number,
                     int64_t order);

/* Appends every entry of src to dst. */
void test_acklog_append(test_acklog_t *dst, const test_acklog_t *src);

void test_acklog_fini(test_acklog_t *l);

/* "submits", "feed acks", ... */
const char *test_ack_kind_name(test_ack_kind_t kind);

/* Checks every entry of l (which it sorts) against w, recording in w each one the store lost or
 * contradicts, and adds to counts[kind] the entries of each kind. */
void test_acklog_check(test_acklog_t *l, test_ch_world_t *w, size_t counts[TEST_ACK_KINDS]);

#endif
