/*
 * The clearinghouse's public HTTP API as an operator gateway calls it (SPEC.md §1: operators talk
 * to the clearinghouse only through it, also when both run in one process). One client per
 * operator: it carries the operator's API key, keeps connections open between calls, and may be
 * used from any number of threads at once. Built on libcurl, so an https:// clearinghouse works
 * as well as http://.
 */
#ifndef MNP_CH_CLIENT_H
#define MNP_CH_CLIENT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

typedef struct mnp_ch_client mnp_ch_client_t;

typedef struct mnp_ch_client_config {
    const char *base_url; /* "http://127.0.0.1:8080", no trailing slash needed; copied */
    const char *api_key;  /* the operator's key for the clearinghouse; copied, wiped on free */
    unsigned timeout_ms;  /* per call, connecting included; 0: 5000 */
} mnp_ch_client_config_t;

int mnp_ch_client_new(const mnp_ch_client_config_t *cfg, mnp_ch_client_t **out,
                      mnp_error_t *err) MNP_WUR;
void mnp_ch_client_free(mnp_ch_client_t *c);

/* Sends method path (with its query) and, when body is not NULL, that JSON text, and waits for
 * the answer. Returns 0 when an answer came, whatever its status: *status is the HTTP status and
 * *answer (may be NULL to ignore it) the parsed JSON body, a new reference, or NULL when the
 * body was not JSON. MNP_EIO with err saying why when no answer came (refused, timed out, cut
 * off): the caller cannot know whether a write took effect and must treat it as unknown. */
int mnp_ch_client_call(mnp_ch_client_t *c, const char *method, const char *path, const char *body,
                       int *status, json_t **answer, mnp_error_t *err) MNP_WUR;

/* GETs path and writes the answer's body to the open file descriptor fd (from its current
 * position), at most max_bytes, with its own timeout (timeout_ms; 0: 10 minutes), for large
 * bodies such as the NPDB snapshot. Returns 0 when an answer came, whatever its status: *status
 * is the HTTP status, and when header is not NULL, the value of that answer header (for example
 * "X-MNP-Seq") is copied to header_value (header_size bytes, "" when absent). Only a 200 answer's
 * body is written. MNP_EIO with err saying why when no whole answer came (the file may then hold
 * part of it); MNP_ELIMIT past max_bytes. */
int mnp_ch_client_download(mnp_ch_client_t *c, const char *path, int fd, uint64_t max_bytes,
                           unsigned timeout_ms, const char *header, char *header_value,
                           size_t header_size, int *status, mnp_error_t *err) MNP_WUR;

/* Makes every call in progress end at once (within about a second: libcurl looks between
 * reads) and every later call fail with MNP_EIO: for stopping a daemon whose feed follower waits
 * in a long poll. Thread-safe; cannot be undone. */
void mnp_ch_client_abort(mnp_ch_client_t *c);

/* The problem code ("C04") and detail of an error answer, or "" when it has none. */
const char *mnp_ch_problem_code(const json_t *answer);
const char *mnp_ch_problem_detail(const json_t *answer);

#endif
