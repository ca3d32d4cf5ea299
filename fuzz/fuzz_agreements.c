/*
 * Fuzzes the agreement file reader (mnp_agreements_parse). A refused file yields no rows and a
 * report of 1 to 20 lines, each "fuzz:LINE: reason" with a real line number, counting at least
 * as many bad rows as it shows. An accepted file yields rows that keep every column rule: E.164
 * numbers that read back as themselves, names of 1-95 bytes, periods from a Beijing midnight to
 * a later one (start <= end), fees of 0 or more, no id or creation time yet, and no agreement
 * (number, name, period) twice. Reading the same input again gives the same answer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/number.h"
#include "mnp/subscriber_csv.h"

#define BEIJING_MS (8 * 3600 * 1000LL)
#define DAY_MS     (86400 * 1000LL)

static size_t count_lines(const uint8_t *data, size_t size)
{
    size_t n = 1;
    for (size_t i = 0; i + 1 < size; i++)
        n += data[i] == '\n';
    return n;
}

static void check_report(const mnp_csv_report_t *rep, size_t lines)
{
    FUZZ_CHECK(rep->nlines >= 1 && rep->nlines <= MNP_CSV_ERRORS_MAX);
    FUZZ_CHECK(rep->bad_rows >= rep->nlines);
    for (size_t i = 0; i < rep->nlines; i++) {
        const char *l = rep->lines[i];
        FUZZ_CHECK(memchr(l, '\0', sizeof(rep->lines[i])) != NULL);
        FUZZ_CHECK(strncmp(l, "fuzz:", 5) == 0);
        char *end;
        unsigned long line = strtoul(l + 5, &end, 10);
        FUZZ_CHECK(end > l + 5 && end[0] == ':' && end[1] == ' ' && end[2] != '\0');
        FUZZ_CHECK(line >= 1 && line <= lines + 1);
    }
}

static void check_row(const mnp_agreement_row_t *r)
{
    const mnp_agreement_t *a = &r->agreement;
    char digits[32];
    snprintf(digits, sizeof(digits), "+%llu", (unsigned long long)r->number);
    mnp_number_t num;
    FUZZ_CHECK(mnp_number_parse(digits, strlen(digits), &num, NULL) == 0);
    FUZZ_CHECK(num.e164 == r->number);
    size_t n = strnlen(a->name, sizeof(a->name));
    FUZZ_CHECK(n >= 1 && n < sizeof(a->name));
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mnp_agreement_row_t *rows = NULL, *again = NULL;
    size_t n = 99, n2 = 99;
    mnp_csv_report_t *rep = malloc(sizeof(*rep)), *rep2 = malloc(sizeof(*rep2));
    if (rep == NULL || rep2 == NULL)
        abort();
    const char *text = (const char *)data;
    int rc = mnp_agreements_parse(text, size, "fuzz", &rows, &n, rep);
    FUZZ_CHECK(rc == 0 || rc == MNP_EFORMAT);
    int rc2 = mnp_agreements_parse(text, size, "fuzz", &again, &n2, rep2);
    FUZZ_CHECK(rc2 == rc && n2 == n && rep2->bad_rows == rep->bad_rows);
    if (rc != 0) {
        FUZZ_CHECK(rows == NULL && n == 0);
        check_report(rep, count_lines(data, size));
        FUZZ_CHECK(memcmp(rep->lines, rep2->lines, sizeof(rep->lines)) == 0);
        goto done;
    }
    FUZZ_CHECK(rep->bad_rows == 0 && rep->nlines == 0);
    FUZZ_CHECK((n == 0) == (rows == NULL));
    FUZZ_CHECK(n < count_lines(data, size));
    for (size_t i = 0; i < n; i++) {
        check_row(&rows[i]);
        /* Quadratic, but fuzz inputs are small. */
        for (size_t j = 0; j < i && j < 256; j++)
            FUZZ_CHECK(!same(&rows[i], &rows[j]));
    }
    FUZZ_CHECK(n == 0 || memcmp(rows, again, n * sizeof(*rows)) == 0);
done:
    free(rows);
    free(again);
    free(rep);
    free(rep2);
    return 0;
}
