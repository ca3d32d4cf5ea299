/*
 * Fuzzes the agreement file reader (mnp_agreements_parse). A refused file yields no rows and a
 * report of 1 to 20 lines, each "fuzz:LINE: reason" with a real line number, counting at least
 * as many bad rows as it shows. An accepted file yields rows that keep every column rule: E.164
 * numbers that read back as themselves, names of 1-95 bytes, periods from a Beijing midnight to
 * a later one (start <= end), fees of 0 or more, no id or creation time yet, and no agreement
 * (number, name, period) twice. Reading the same input again gives the same answer
 * (csv_fuzz.h).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_fuzz.h"

static void check_row(const mnp_agreement_row_t *r)
{
    const mnp_agreement_t *a = &r->agreement;
    csv_fuzz_number(r->number);
    csv_fuzz_name(a->name, sizeof(a->name));
    FUZZ_CHECK((a->start_ms + BEIJING_MS) % DAY_MS == 0);
    FUZZ_CHECK((a->end_ms + BEIJING_MS) % DAY_MS == 0);
    FUZZ_CHECK(a->end_ms >= a->start_ms + DAY_MS);
    FUZZ_CHECK(a->fee_fen >= 0);
    FUZZ_CHECK(a->id == 0 && a->created_ms == 0);
}

static bool same(const mnp_agreement_row_t *x, const mnp_agreement_row_t *y)
{
    return x->number == y->number && x->agreement.start_ms == y->agreement.start_ms &&
           x->agreement.end_ms == y->agreement.end_ms &&
           strcmp(x->agreement.name, y->agreement.name) == 0;
}

static int parse(const char *text, size_t len, const char *name, void **rows, size_t *n,
                 mnp_csv_report_t *report)
{
    mnp_agreement_row_t *v;
    int rc = mnp_agreements_parse(text, len, name, &v, n, report);
    *rows = v;
    return rc;
}

/* Every row keeps the column rules, no agreement is there twice, and a second reading gives
 * the same rows. */
static void check_rows(const void *rows, const void *again, size_t n)
{
    const mnp_agreement_row_t *r = rows;
    for (size_t i = 0; i < n; i++) {
        check_row(&r[i]);
        /* Quadratic, but fuzz inputs are small. */
        for (size_t j = 0; j < i && j < 256; j++)
            FUZZ_CHECK(!same(&r[i], &r[j]));
    }
    FUZZ_CHECK(n == 0 || memcmp(rows, again, n * sizeof(*r)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return csv_fuzz_run(data, size, parse, check_rows);
}
