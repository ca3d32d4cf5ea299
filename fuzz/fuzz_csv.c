/*
 * Fuzzes the CSV splitter and line reader. The splitter's fields must lie inside the line, and
 * re-quoting them must split back to the same fields; input without quotes must split exactly at
 * its commas. The reader, over the input as a stream, must count lines as the input's newlines
 * say, return lines within the limit without NUL or newline bytes, and stop at the first error.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/csv.h"

#define SPLIT_MAX (4 * MNP_CSV_LINE_MAX)

/* Joins fields as fully quoted CSV into out (size at least 3 * total + 3 * count). */
static size_t requote(const mnp_csv_field_t *f, int nf, char *out)
{
    size_t o = 0;
    for (int i = 0; i < nf; i++) {
        if (i > 0)
            out[o++] = ',';
        out[o++] = '"';
        for (size_t j = 0; j < f[i].len; j++) {
            if (f[i].ptr[j] == '"')
                out[o++] = '"';
            out[o++] = f[i].ptr[j];
        }
        out[o++] = '"';
    }
    return o;
}

static void fuzz_split(const char *s, size_t size)
{
    static char line[SPLIT_MAX], again[3 * SPLIT_MAX + 3 * MNP_CSV_FIELDS_MAX];
    mnp_csv_field_t f[MNP_CSV_FIELDS_MAX], g[MNP_CSV_FIELDS_MAX];
    mnp_error_t err = {0};
    if (size > SPLIT_MAX)
        size = SPLIT_MAX;
    memcpy(line, s, size);
    int nf = mnp_csv_split(line, size, f, MNP_CSV_FIELDS_MAX, &err);
    FUZZ_CHECK(nf >= 1 || nf == MNP_EFORMAT || nf == MNP_ELIMIT);
    FUZZ_CHECK(nf > 0 || (err.code == nf && err.msg[0] != '\0'));

    bool quotes = memchr(s, '"', size) != NULL;
    if (!quotes) {
        size_t commas = 0;
        for (size_t i = 0; i < size; i++)
            commas += s[i] == ',';
        if (commas + 1 <= MNP_CSV_FIELDS_MAX)
            FUZZ_CHECK(nf == (int)commas + 1);
        else
            FUZZ_CHECK(nf == MNP_ELIMIT);
    }
    if (nf < 1)
        return;
    size_t total = 0;
    for (int i = 0; i < nf; i++) {
        FUZZ_CHECK(f[i].ptr >= line && f[i].ptr + f[i].len <= line + size);
        total += f[i].len;
    }
    FUZZ_CHECK(total <= size);

    size_t n = requote(f, nf, again);
    int ng = mnp_csv_split(again, n, g, MNP_CSV_FIELDS_MAX, &err);
    FUZZ_CHECK(ng == nf);
    for (int i = 0; i < nf; i++)
        FUZZ_CHECK(g[i].len == f[i].len && memcmp(g[i].ptr, f[i].ptr, f[i].len) == 0);
}

static void fuzz_reader(const char *s, size_t size)
{
    if (size == 0)
        return; /* fmemopen refuses empty buffers on some libcs */
    FILE *in = fmemopen((void *)(uintptr_t)s, size, "r");
    if (in == NULL)
        return;
    mnp_csv_reader_t r;
    if (mnp_csv_reader_init(&r, in) != 0)
        abort();
    char *line;
    size_t len, lines = 0, consumed = 0;
    mnp_error_t err = {0};
    int rc;
    while ((rc = mnp_csv_read_line(&r, &line, &len, &err)) == 1) {
        lines++;
        FUZZ_CHECK(r.line_no == lines);
        FUZZ_CHECK(len <= MNP_CSV_LINE_MAX && line[len] == '\0');
        FUZZ_CHECK(memchr(line, '\0', len) == NULL && memchr(line, '\n', len) == NULL);
        consumed += len + 1;
        FUZZ_CHECK(consumed <= size + 1);
        mnp_csv_field_t f[MNP_CSV_FIELDS_MAX];
        int nf = mnp_csv_split(line, len, f, MNP_CSV_FIELDS_MAX, &err);
        FUZZ_CHECK(nf >= 1 || nf == MNP_EFORMAT || nf == MNP_ELIMIT);
    }
    FUZZ_CHECK(rc == 0 || rc == MNP_ELIMIT || rc == MNP_EFORMAT);
    if (rc == 0) {
        size_t want = 0;
        for (size_t i = 0; i < size; i++)
            want += s[i] == '\n';
        if (s[size - 1] != '\n')
            want++;
        FUZZ_CHECK(r.line_no == want && lines == want);
        FUZZ_CHECK(memchr(s, '\0', size) == NULL);
    } else {
        FUZZ_CHECK(err.code == rc && r.line_no == lines + 1);
    }
    mnp_csv_reader_fini(&r);
    fclose(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_split((const char *)data, size);
    fuzz_reader((const char *)data, size);
    return 0;
}
