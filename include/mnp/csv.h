/*
 * Reading CSV files of untrusted origin (RFC 4180): a line reader that counts lines and bounds
 * line length, and a splitter that turns one record into fields. Quoted fields may contain commas
 * and doubled quotes; they may not span lines (mnp's files never need that, and refusing it keeps
 * every error on one line number).
 */
#ifndef MNP_CSV_H
#define MNP_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "mnp/error.h"

#define MNP_CSV_LINE_MAX   4096 /* longest line accepted, in bytes, without its line ending */
#define MNP_CSV_FIELDS_MAX 32   /* most fields in one record */

/* One field: a view into the caller's line buffer (after unquoting in place). */
typedef struct mnp_csv_field {
    const char *ptr;
    size_t len;
} mnp_csv_field_t;

/* Splits the record line[0..len) in place into at most max fields (the line is modified to
 * remove quoting; fields point into it). A trailing "\r" is ignored. Returns the number of fields
 * (>= 1; an empty line is one empty field), or a negative code with err set: MNP_EFORMAT for a
 * stray quote or an unterminated quoted field, MNP_ELIMIT for more than max fields. Spaces and
 * tabs around a field are trimmed; inside quotes they are kept. err may be NULL. */
int mnp_csv_split(char *line, size_t len, mnp_csv_field_t *fields, size_t max, mnp_error_t *err);

/* Line reader over a stdio stream, with its own buffer. */
typedef struct mnp_csv_reader {
    FILE *in;       /* borrowed */
    size_t line_no; /* number of the line last returned, 1-based */
    char *buf;      /* owned, MNP_CSV_LINE_MAX + 2 bytes */
} mnp_csv_reader_t;

/* Initialises a reader over in (borrowed). Release with mnp_csv_reader_fini. */
int mnp_csv_reader_init(mnp_csv_reader_t *r, FILE *in) MNP_WUR;
void mnp_csv_reader_fini(mnp_csv_reader_t *r);

/* Reads the next line into the reader's buffer: *line points at it (NUL-terminated, without
 * "\n" or "\r\n"), *len is its length. Returns 1 for a line, 0 at end of input, or a negative
 * code with err set: MNP_ELIMIT for a line over MNP_CSV_LINE_MAX, MNP_EFORMAT for a NUL byte,
 * MNP_EIO for a read error; r->line_no is then the bad line's number. After an error the stream
 * is left inside that line: stop reading. */
int mnp_csv_read_line(mnp_csv_reader_t *r, char **line, size_t *len, mnp_error_t *err);

#endif
