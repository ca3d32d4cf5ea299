/*
 * Fuzzes the subscriber file reader (mnp_subscribers_parse). A refused file yields no rows and a
 * report of 1 to 20 lines, each "fuzz:LINE: reason" with a line number no later than the file's
 * last line, counting at least as many bad rows as it shows. An accepted file yields rows that
 * keep every column rule: E.164 numbers that read back as themselves and appear once, names of
 * 1-63 bytes, identity numbers that pass GB 11643 in canonical form, known registrations and
 * statuses, amounts of 0 or more, last ports at a Beijing midnight, and 0-8 services of 1-63
 * bytes without ';'. Reading the same input again gives the same answer.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/idcard.h"
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

static void check_row(const mnp_subscriber_row_t *r)
{
    const mnp_subscriber_t *s = &r->sub;
    char digits[32];
    snprintf(digits, sizeof(digits), "+%llu", (unsigned long long)s->number);
    mnp_number_t num;
    FUZZ_CHECK(mnp_number_parse(digits, strlen(digits), &num, NULL) == 0);
    FUZZ_CHECK(num.e164 == s->number);

    size_t n = strnlen(s->name, sizeof(s->name));
    FUZZ_CHECK(n >= 1 && n < sizeof(s->name));
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mnp_subscriber_row_t *rows = NULL, *again = NULL;
    size_t n = 99, n2 = 99;
    mnp_csv_report_t *rep = malloc(sizeof(*rep)), *rep2 = malloc(sizeof(*rep2));
    if (rep == NULL || rep2 == NULL)
        abort();
    const char *text = (const char *)data;
    int rc = mnp_subscribers_parse(text, size, "fuzz", &rows, &n, rep);
    FUZZ_CHECK(rc == 0 || rc == MNP_EFORMAT);
    int rc2 = mnp_subscribers_parse(text, size, "fuzz", &again, &n2, rep2);
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
    uint64_t *numbers = malloc((n ? n : 1) * sizeof(uint64_t));
    if (numbers == NULL)
        abort();
    for (size_t i = 0; i < n; i++) {
        check_row(&rows[i]);
        numbers[i] = rows[i].sub.number;
    }
    qsort(numbers, n, sizeof(uint64_t), cmp_u64);
    for (size_t i = 1; i < n; i++)
        FUZZ_CHECK(numbers[i] != numbers[i - 1]);
    free(numbers);
done:
    free(rows);
    free(again);
    free(rep);
    free(rep2);
    return 0;
}
