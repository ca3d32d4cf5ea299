/*
 * Fuzzes the subscriber file reader (mnp_subscribers_parse). A refused file yields no rows and a
 * report of 1 to 20 lines, each "fuzz:LINE: reason" with a line number no later than the file's
 * last line, counting at least as many bad rows as it shows. An accepted file yields rows that
 * keep every column rule: E.164 numbers that read back as themselves and appear once, names of
 * 1-63 bytes, identity numbers that pass GB 11643 in canonical form, known registrations and
 * statuses, amounts of 0 or more, last ports at a Beijing midnight, and 0-8 services of 1-63
 * bytes without ';'. Reading the same input again gives the same answer (csv_fuzz.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_fuzz.h"
#include "mnp/idcard.h"

static void check_row(const mnp_subscriber_row_t *r)
{
    const mnp_subscriber_t *s = &r->sub;
    csv_fuzz_number(s->number);
    size_t n = csv_fuzz_name(s->name, sizeof(s->name));
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK((unsigned char)s->name[i] >= 0x20 && s->name[i] != 0x7f);
    char canon[MNP_IDCARD_LEN + 1];
    FUZZ_CHECK(strnlen(s->identity, sizeof(s->identity)) == MNP_IDCARD_LEN);
    FUZZ_CHECK(mnp_idcard_validate(s->identity, MNP_IDCARD_LEN, canon, NULL) == 0);
    FUZZ_CHECK(strcmp(canon, s->identity) == 0);
    FUZZ_CHECK(s->registration >= MNP_REG_PERSON && s->registration <= MNP_REG_NONE);
    FUZZ_CHECK(s->status >= MNP_SUB_NORMAL && s->status <= MNP_SUB_SUSPENDED);
    FUZZ_CHECK(s->unpaid_fen >= 0 && r->balance_fen >= 0);
    FUZZ_CHECK(s->last_port_ms == 0 || (s->last_port_ms + BEIJING_MS) % DAY_MS == 0);
    FUZZ_CHECK(r->nservices <= MNP_SERVICES_MAX);
    for (size_t i = 0; i < r->nservices; i++) {
        size_t len = strnlen(r->services[i], MNP_SERVICE_NAME_MAX);
        FUZZ_CHECK(len >= 1 && len < MNP_SERVICE_NAME_MAX);
        FUZZ_CHECK(strchr(r->services[i], ';') == NULL);
    }
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int parse(const char *text, size_t len, const char *name, void **rows, size_t *n,
                 mnp_csv_report_t *report)
{
    mnp_subscriber_row_t *v;
    int rc = mnp_subscribers_parse(text, len, name, &v, n, report);
    *rows = v;
    return rc;
}

/* Every row keeps the column rules, and no number is there twice. */
static void check_rows(const void *rows, const void *again, size_t n)
{
    const mnp_subscriber_row_t *r = rows;
    (void)again;
    uint64_t *numbers = malloc((n ? n : 1) * sizeof(uint64_t));
    if (numbers == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        check_row(&r[i]);
        numbers[i] = r[i].sub.number;
    }
    qsort(numbers, n, sizeof(uint64_t), cmp_u64);
    for (size_t i = 1; i < n; i++)
        FUZZ_CHECK(numbers[i] != numbers[i - 1]);
    free(numbers);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return csv_fuzz_run(data, size, parse, check_rows);
}
