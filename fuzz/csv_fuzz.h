/*
 * Shared by the fuzz targets of the gateway's CSV file readers (fuzz_subscribers.c,
 * fuzz_agreements.c): what holds for every file reader of subscriber_csv.h whatever its rows
 * are. A refused file yields no rows and a report of 1 to 20 lines, each "fuzz:LINE: reason"
 * with a line number no later than the file's last line, counting at least as many bad rows as
 * it shows; an accepted file yields fewer rows than it has lines and an empty report; reading
 * the same input again gives the same answer. Each target checks its own rows.
 */
#ifndef MNP_CSV_FUZZ_H
#define MNP_CSV_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/number.h"
#include "mnp/subscriber_csv.h"

#define BEIJING_MS (8 * 3600 * 1000LL)
#define DAY_MS     (86400 * 1000LL)

/* A reader of subscriber_csv.h with the rows' type left out. */
typedef int (*csv_fuzz_parse_fn)(const char *text, size_t len, const char *name, void **rows,
                                 size_t *n, mnp_csv_report_t *report);

/* Checks the n accepted rows (and again, the same file's rows read a second time). */
typedef void (*csv_fuzz_rows_fn)(const void *rows, const void *again, size_t n);

static inline size_t csv_fuzz_lines(const uint8_t *data, size_t size)
{
    size_t n = 1;
    for (size_t i = 0; i + 1 < size; i++)
        n += data[i] == '\n';
    return n;
}

static inline void csv_fuzz_report(const mnp_csv_report_t *rep, size_t lines)
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

/* number is an E.164 number that reads back as itself. */
static inline void csv_fuzz_number(uint64_t number)
{
    char digits[32];
    snprintf(digits, sizeof(digits), "+%llu", (unsigned long long)number);
    mnp_number_t num;
    FUZZ_CHECK(mnp_number_parse(digits, strlen(digits), &num, NULL) == 0);
    FUZZ_CHECK(num.e164 == number);
}

/* name (an array of size bytes) holds 1 to size - 1 bytes; their length. */
static inline size_t csv_fuzz_name(const char *name, size_t size)
{
    size_t n = strnlen(name, size);
    FUZZ_CHECK(n >= 1 && n < size);
    return n;
}

/* Reads data twice with parse and checks what every reader promises, then the rows with
 * check. Returns 0, as LLVMFuzzerTestOneInput does. */
static inline int csv_fuzz_run(const uint8_t *data, size_t size, csv_fuzz_parse_fn parse,
                               csv_fuzz_rows_fn check)
{
    void *rows = NULL, *again = NULL;
    size_t n = 99, n2 = 99;
    mnp_csv_report_t *rep = malloc(sizeof(*rep)), *rep2 = malloc(sizeof(*rep2));
    if (rep == NULL || rep2 == NULL)
        abort();
    const char *text = (const char *)data;
    int rc = parse(text, size, "fuzz", &rows, &n, rep);
    FUZZ_CHECK(rc == 0 || rc == MNP_EFORMAT);
    int rc2 = parse(text, size, "fuzz", &again, &n2, rep2);
    FUZZ_CHECK(rc2 == rc && n2 == n && rep2->bad_rows == rep->bad_rows);
    if (rc != 0) {
        FUZZ_CHECK(rows == NULL && n == 0);
        csv_fuzz_report(rep, csv_fuzz_lines(data, size));
        FUZZ_CHECK(memcmp(rep->lines, rep2->lines, sizeof(rep->lines)) == 0);
    } else {
        FUZZ_CHECK(rep->bad_rows == 0 && rep->nlines == 0);
        FUZZ_CHECK((n == 0) == (rows == NULL));
        FUZZ_CHECK(n < csv_fuzz_lines(data, size));
        check(rows, again, n);
    }
    free(rows);
    free(again);
    free(rep);
    free(rep2);
    return 0;
}

#endif
