/*
 * Private to the gateway's data files: a strict reader over a whole CSV file held in memory
 * that walks its lines, checks its header, splits each row into exactly the expected fields
 * and records bad rows in the caller's report ("FILE:LINE: reason"), and the checks of single
 * fields that every row check shares, whether its row came from a file or from the gateway's
 * API. A field check writes its reason into a gw_why_t; the file reader then reports the row
 * and skips it, so that one pass names every bad row of a file.
 */
#ifndef MNP_GWDATA_INT_H
#define MNP_GWDATA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/csv.h"
#include "mnp/subscriber_csv.h"

#define GW_FILE_MAX_BYTES (64u * 1024 * 1024) /* larger files are refused unread */
#define GW_FILE_MAX_ROWS  10000000u

typedef struct gw_file {
    const char *text; /* borrowed: the whole file */
    size_t len, pos;
    const char *name; /* borrowed: for messages */
    size_t line_no;   /* the line last read, 1-based */
    size_t nrows;     /* data rows seen (good or bad) */
    size_t nfields;   /* the number of columns every row must have */
    mnp_csv_report_t *report;
    mnp_csv_field_t f[MNP_CSV_FIELDS_MAX]; /* the fields of the current row, into buf */
    char buf[MNP_CSV_LINE_MAX + 1];
} gw_file_t;

/* Starts reading text[0..len) named name: skips a UTF-8 byte order mark and checks that the
 * first line is exactly the header columns[0..ncolumns) (comma-separated). 0 when rows may be
 * read; MNP_EFORMAT when the file as a whole is bad (too large, no header, a wrong header),
 * with the report saying so. Clears the report first. */
int gw_file_open(gw_file_t *r, const char *text, size_t len, const char *name,
                 const char *const *columns, size_t ncolumns, mnp_csv_report_t *report);

/* The next data row: 1 with r->f[0..ncolumns) set, 0 at the end of the file, MNP_EFORMAT when
 * the file has more than GW_FILE_MAX_ROWS rows (reported; stop). Blank lines are skipped; lines
 * that cannot be split into the expected fields are reported and skipped. */
int gw_file_next(gw_file_t *r);

/* Reports the current row as bad: "NAME:LINE: " and the formatted reason. */
void gw_file_bad(gw_file_t *r, const char *fmt, ...) MNP_PRINTF(2, 3);

/* Where a check writes the reason it refused a field: size bytes at buf (cut to fit). */
typedef struct gw_why {
    char *buf;
    size_t size;
} gw_why_t;

void gw_why(gw_why_t *w, const char *fmt, ...) MNP_PRINTF(2, 3);

/* Writes a printable, cut copy of field f into dst (size bytes) for a message: control bytes
 * become '?', and at most 32 bytes are kept, ending on a whole UTF-8 character. */
const char *gw_field_show(const mnp_csv_field_t *f, char *dst, size_t size);

/* Whether s[0..len) is well-formed UTF-8 without control characters. */
bool gw_utf8_text_ok(const char *s, size_t len);

/* Copies text field f of min_len..max_len bytes of printable UTF-8 into dst (max_len + 1
 * bytes); false with the reason in w (naming column) otherwise. */
bool gw_field_text(gw_why_t *w, const mnp_csv_field_t *f, const char *column, size_t min_len,
                   size_t max_len, char *dst);

/* A number any form number.h accepts, into *e164; false with the reason in w otherwise. */
bool gw_field_number(gw_why_t *w, const mnp_csv_field_t *f, uint64_t *e164);

/* A whole amount of fen, 0 or more (decimal digits only); false with the reason in w. */
bool gw_field_amount(gw_why_t *w, const mnp_csv_field_t *f, const char *column, int64_t *out);

/* The Beijing date s[0..len) = YYYY-MM-DD as the instant of its 00:00: 0, MNP_EFORMAT when it
 * is not of that form, MNP_ELIMIT for a year outside 1900-9999, MNP_ERANGE when there is no
 * such day. */
int gw_date_parse(const char *s, size_t len, int64_t *ms);

/* A Beijing date YYYY-MM-DD as its 00:00 instant; false with the reason in w. */
bool gw_field_date(gw_why_t *w, const mnp_csv_field_t *f, const char *column, int64_t *ms);

/* Rows already read, by a hash of their key, to find a row that repeats an earlier one. */
typedef struct gw_seen {
    struct gw_seen_slot {
        uint64_t hash;
        size_t row;  /* index into the caller's rows, + 1 (0: empty slot) */
        size_t line; /* the line it came from */
    } * slots;
    size_t cap, n;
} gw_seen_t;

/* Finds an earlier row with key hash for which same(that row, arg) holds and returns its line;
 * otherwise adds row (the caller's index) from line and returns 0. Grows with mnp_xrealloc:
 * the file's size limit bounds it. */
size_t gw_seen_add(gw_seen_t *s, uint64_t hash, size_t row, size_t line,
                   bool (*same)(size_t row, const void *arg), const void *arg);
void gw_seen_fini(gw_seen_t *s);

/* A 64-bit hash of len bytes at p, mixed into h (start with 0). */
uint64_t gw_hash(uint64_t h, const void *p, size_t len);

#endif
