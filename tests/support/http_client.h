/*
 * A blocking HTTP/1.1 client for tests that drive a real daemon on 127.0.0.1: one request per
 * connection ("Connection: close"), an optional bearer key and JSON body, a deadline for the
 * whole exchange. It tells a complete answer (status line, headers and the whole body its
 * Content-Length announced) from everything else: a refused or reset connection, a timeout or
 * a truncated answer is an error, which a caller must treat as "outcome unknown".
 */
#ifndef MNP_TEST_HTTP_CLIENT_H
#define MNP_TEST_HTTP_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

#define TEST_HTTP_REPLY_MAX (1024 * 1024) /* longest answer read; longer ones are an error */

/* A complete answer. body is NUL-terminated, owned by the reply (test_http_reply_fini). */
typedef struct test_http_reply {
    int status;
    char *body;
    size_t len;
} test_http_reply_t;

/* Sends METHOD path to 127.0.0.1:port with "Authorization: Bearer key" when key is not NULL and
 * body as application/json when body is not NULL, and reads the answer within timeout_ms.
 * Returns 0 with *out filled (free it with test_http_reply_fini), or a negative MNP_E* with *out
 * zeroed: MNP_EIO for a connection refused or cut, MNP_EBUSY when the deadline passed,
 * MNP_ETRUNC for an answer cut short, MNP_EFORMAT for bytes that are not an HTTP answer,
 * MNP_ELIMIT for one longer than TEST_HTTP_REPLY_MAX. */
int test_http_request(uint16_t port, const char *method, const char *path, const char *key,
                      const char *body, int timeout_ms, test_http_reply_t *out);

/* Frees what the reply owns; the reply may be zeroed or already finished. */
void test_http_reply_fini(test_http_reply_t *r);

#endif
