/*
 * Fuzzes the gateway's billing batches as the routes read them (gw_billing_subscribers_decode,
 * gw_billing_agreements_decode: PUT /v1/subscribers and POST /v1/agreements), each input given
 * to both. A refused body has a problem code and an HTTP status; a batch with bad rows names
 * 1 to 20 of them by index, in increasing order and inside the array, each with a non-empty
 * reason in valid UTF-8, and counts at least as many; an accepted batch has 1 to 1000 rows that
 * keep the column rules (E.164 numbers once each, names that fit, amounts of 0 or more, dates at
 * a Beijing midnight, agreements that end after they start). Reading the same body again gives
 * the same answer.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gw_apiInt.h"
#include "mnp/idcard.h"

#define MAX_BYTES (1024 * 1024)
#define DAY_MS    (86400 * 1000LL)
#define BEIJING   (8 * 3600 * 1000LL)

static void check_number(uint64_t n)
{
    FUZZ_CHECK(n != 0 && n <= UINT64_C(999999999999999));
}

static void check_text(const char *s, size_t size)
{
    size_t n = strnlen(s, size);
    FUZZ_CHECK(n >= 1 && n < size);
    FUZZ_CHECK(mnp_json_utf8_valid_prefix(s, n) == n);
}

static void check_refusal(int rc, const mnp_json_problem_t *p, const gw_bad_rows_t *bad)
{
    if (rc == MNP_EFORMAT) {
        FUZZ_CHECK(p->code != NULL && p->code[0] != '\0');
        FUZZ_CHECK(p->http_status == 400 || p->http_status == 413);
        return;
    }
    FUZZ_CHECK(rc == MNP_EINVAL);
    FUZZ_CHECK(bad->n >= 1 && bad->n <= MNP_CSV_ERRORS_MAX && bad->count >= bad->n);
    FUZZ_CHECK(bad->n == MNP_CSV_ERRORS_MAX || bad->n == bad->count);
    for (size_t i = 0; i < bad->n; i++) {
        FUZZ_CHECK(bad->rows[i].index < GW_BATCH_ROWS_MAX);
        FUZZ_CHECK(i == 0 || bad->rows[i].index > bad->rows[i - 1].index);
        check_text(bad->rows[i].reason, sizeof(bad->rows[i].reason));
    }
}

static void subscribers(const char *body, size_t len)
{
    mnp_subscriber_row_t *rows, *again;
    size_t n, n2;
    mnp_json_problem_t p;
    gw_bad_rows_t *bad = malloc(sizeof(*bad)), *bad2 = malloc(sizeof(*bad2));
    if (bad == NULL || bad2 == NULL)
        abort();
    int rc = gw_billing_subscribers_decode(body, len, MAX_BYTES, &rows, &n, &p, bad);
    int rc2 = gw_billing_subscribers_decode(body, len, MAX_BYTES, &again, &n2, &p, bad2);
    FUZZ_CHECK(rc == rc2 && n == n2);
    if (rc != 0) {
        FUZZ_CHECK(rows == NULL && n == 0);
        check_refusal(rc, &p, bad);
        FUZZ_CHECK(bad->count == bad2->count);
    } else {
        FUZZ_CHECK(n >= 1 && n <= GW_BATCH_ROWS_MAX);
        FUZZ_CHECK(memcmp(rows, again, n * sizeof(*rows)) == 0);
        for (size_t i = 0; i < n; i++) {
            const mnp_subscriber_row_t *r = &rows[i];
            check_number(r->sub.number);
            for (size_t k = 0; k < i; k++)
                FUZZ_CHECK(rows[k].sub.number != r->sub.number);
            check_text(r->sub.name, sizeof(r->sub.name));
            FUZZ_CHECK(mnp_idcard_validate(r->sub.identity, strlen(r->sub.identity), NULL, NULL) ==
                       0);
            FUZZ_CHECK(r->sub.registration >= MNP_REG_PERSON &&
                       r->sub.registration <= MNP_REG_NONE);
            FUZZ_CHECK(r->sub.status >= MNP_SUB_NORMAL && r->sub.status <= MNP_SUB_SUSPENDED);
            FUZZ_CHECK(r->sub.unpaid_fen >= 0 && r->balance_fen >= 0);
            FUZZ_CHECK(r->sub.last_port_ms == 0 || (r->sub.last_port_ms + BEIJING) % DAY_MS == 0);
            FUZZ_CHECK(r->nservices <= MNP_SERVICES_MAX);
            for (size_t k = 0; k < r->nservices; k++) {
                check_text(r->services[k], MNP_SERVICE_NAME_MAX);
                FUZZ_CHECK(strchr(r->services[k], ';') == NULL);
            }
        }
    }
    free(rows);
    free(again);
    free(bad);
    free(bad2);
}

static void agreements(const char *body, size_t len)
{
    mnp_agreement_row_t *rows, *again;
    size_t n, n2;
    mnp_json_problem_t p;
    gw_bad_rows_t *bad = malloc(sizeof(*bad)), *bad2 = malloc(sizeof(*bad2));
    if (bad == NULL || bad2 == NULL)
        abort();
    int rc = gw_billing_agreements_decode(body, len, MAX_BYTES, &rows, &n, &p, bad);
    int rc2 = gw_billing_agreements_decode(body, len, MAX_BYTES, &again, &n2, &p, bad2);
    FUZZ_CHECK(rc == rc2 && n == n2);
    if (rc != 0) {
        FUZZ_CHECK(rows == NULL && n == 0);
        check_refusal(rc, &p, bad);
        FUZZ_CHECK(bad->count == bad2->count);
    } else {
        FUZZ_CHECK(n >= 1 && n <= GW_BATCH_ROWS_MAX);
        FUZZ_CHECK(memcmp(rows, again, n * sizeof(*rows)) == 0);
        for (size_t i = 0; i < n; i++) {
            const mnp_agreement_t *a = &rows[i].agreement;
            check_number(rows[i].number);
            check_text(a->name, sizeof(a->name));
            FUZZ_CHECK((a->start_ms + BEIJING) % DAY_MS == 0);
            FUZZ_CHECK((a->end_ms + BEIJING) % DAY_MS == 0 && a->end_ms > a->start_ms);
            FUZZ_CHECK(a->fee_fen >= 0);
            FUZZ_CHECK(a->id == 0 && a->created_ms == 0 && a->ended_ms == 0);
        }
    }
    free(rows);
    free(again);
    free(bad);
    free(bad2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    subscribers((const char *)data, size);
    agreements((const char *)data, size);
    return 0;
}
