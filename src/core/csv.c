/*
 * Reading CSV files of untrusted origin: a line reader with a fixed buffer, so that a file with a
 * gigabyte-long line costs MNP_CSV_LINE_MAX bytes and an error rather than a gigabyte of memory,
 * and a splitter that unquotes fields in place. Both run once per line of 100-million-line
 * files, so neither allocates per line and the reader takes bytes straight from the stdio buffer.
 */
#include "mnp/csv.h"

#include <stdbool.h>
#include <stdlib.h>

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Parses the quoted field starting at line[*pos] == '"' and unquotes it in place, writing to
 * line[*w...]. On success *pos is just past the closing quote. */
static int split_quoted(char *line, size_t len, size_t *pos, size_t *w, size_t col,
                        mnp_error_t *err)
{
    size_t i = *pos + 1, o = *w;
    for (;;) {
        if (i >= len)
            return mnp_error_set(err, MNP_EFORMAT, "field %zu: quoted field not terminated", col);
        if (line[i] == '"') {
            if (i + 1 < len && line[i + 1] == '"') {
                line[o++] = '"';
                i += 2;
                continue;
            }
            *pos = i + 1;
            *w = o;
            return 0;
        }
        line[o++] = line[i++];
    }
}

int mnp_csv_split(char *line, size_t len, mnp_csv_field_t *fields, size_t max, mnp_error_t *err)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    size_t nf = 0, i = 0;
    for (;;) {
        size_t col = nf + 1;
        if (nf == max)
            return mnp_error_set(err, MNP_ELIMIT, "more than %zu fields", max);
        while (i < len && is_blank(line[i]))
            i++;
        /* Unquoting only ever shrinks text, so the field is rewritten where it starts. */
        size_t start = i, end;
        if (i < len && line[i] == '"') {
            end = start;
            int rc = split_quoted(line, len, &i, &end, col, err);
            if (rc < 0)
                return rc;
            while (i < len && is_blank(line[i]))
                i++;
            if (i < len && line[i] != ',')
                return mnp_error_set(err, MNP_EFORMAT, "field %zu: text after closing quote", col);
        } else {
            while (i < len && line[i] != ',') {
                if (line[i] == '"')
                    return mnp_error_set(err, MNP_EFORMAT, "field %zu: stray quote", col);
                i++;
            }
            end = i;
            while (end > start && is_blank(line[end - 1]))
                end--;
        }
        fields[nf].ptr = line + start;
        fields[nf].len = end - start;
        nf++;
        if (i >= len)
            return (int)nf;
        i++; /* the comma */
    }
}

int mnp_csv_reader_init(mnp_csv_reader_t *r, FILE *in)
{
    r->in = in;
    r->line_no = 0;
    r->buf = malloc(MNP_CSV_LINE_MAX + 2);
    if (r->buf == NULL)
        return MNP_ENOMEM;
    r->buf[0] = '\0';
    return 0;
}

void mnp_csv_reader_fini(mnp_csv_reader_t *r)
{
    free(r->buf);
    r->buf = NULL;
}

/* The buffer holds MNP_CSV_LINE_MAX bytes of text plus one for a '\r' before the '\n', so that a
 * line of exactly the maximum length is accepted with either line ending. getc_unlocked under
 * one flockfile per line reads straight from the stdio buffer; it is several times faster than
 * getc, and unlike fgets it sees NUL bytes. */
int mnp_csv_read_line(mnp_csv_reader_t *r, char **line, size_t *len, mnp_error_t *err)
{
    char *buf = r->buf;
    size_t n = 0;
    int c, rc = 1;
    bool any = false;

    flockfile(r->in);
    for (;;) {
        c = getc_unlocked(r->in);
        if (c == EOF || c == '\n')
            break;
        if (!any) {
            any = true;
            r->line_no++;
        }
        if (c == '\0') {
            rc = mnp_error_set(err, MNP_EFORMAT, "line %zu: NUL byte at column %zu", r->line_no,
                               n + 1);
            goto done;
        }
        if (n == MNP_CSV_LINE_MAX + 1) {
            rc = mnp_error_set(err, MNP_ELIMIT, "line %zu: longer than %d bytes", r->line_no,
                               MNP_CSV_LINE_MAX);
            goto done;
        }
        buf[n++] = (char)c;
    }
    if (c == EOF) {
        if (ferror(r->in)) {
            rc = mnp_error_set(err, MNP_EIO, "line %zu: read error", r->line_no + (any ? 0 : 1));
            goto done;
        }
        if (!any) {
            rc = 0;
            goto done;
        }
    } else if (!any) {
        r->line_no++; /* an empty line */
    }
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    else if (n > MNP_CSV_LINE_MAX) {
        rc = mnp_error_set(err, MNP_ELIMIT, "line %zu: longer than %d bytes", r->line_no,
                           MNP_CSV_LINE_MAX);
        goto done;
    }
    buf[n] = '\0';
    *line = buf;
    *len = n;
done:
    funlockfile(r->in);
    return rc;
}
