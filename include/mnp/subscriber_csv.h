/*
 * The files an operator's billing system hands the gateway (mnpctl subscribers import and
 * mnpctl agreements import), read strictly: every row is checked, and a file with any bad row
 * is refused as a whole with each bad row's line number and reason, so that nothing half-read
 * is ever imported. CSV per RFC 4180 (csv.h), UTF-8, a header line required and checked.
 *
 * subscribers: number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen
 *   number       any form number.h accepts; a number may appear once per file
 *   name         1-63 bytes of UTF-8
 *   identity     18-character resident identity number, valid GB 11643 check digit
 *   registration person | company | none
 *   status       normal | lost | suspended
 *   unpaid_fen   billed and unpaid charges in fen (0 or more)
 *   last_port    the date of the last port, YYYY-MM-DD (Beijing), or empty for never
 *   services     what porting ends, separated by ';' (each 1-63 bytes), or empty
 *   balance_fen  prepaid balance in fen (0 or more)
 *
 * agreements: number,name,start,end,fee_fen,has_term
 *   number, name as above (name 1-95 bytes); start and end YYYY-MM-DD (Beijing; in force from
 *   start 00:00 to end 24:00), start <= end; fee_fen 0 or more; has_term yes | no.
 *
 * The checks of one row are also offered on their own (mnp_subscriber_row_check,
 * mnp_agreement_row_check), for rows that arrive another way (the gateway's API, as JSON): a row
 * is the same row, with the same rules and the same reasons, however it arrived.
 */
#ifndef MNP_SUBSCRIBER_CSV_H
#define MNP_SUBSCRIBER_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/csv.h"
#include "mnp/eligibility.h"
#include "mnp/error.h"

#define MNP_SERVICES_MAX     8  /* services per subscriber */
#define MNP_SERVICE_NAME_MAX 64 /* bytes with NUL */
#define MNP_CSV_ERRORS_MAX   20 /* bad rows reported (the count is exact) */

/* A subscriber row: the record plus what only the reply needs. */
typedef struct mnp_subscriber_row {
    mnp_subscriber_t sub;
    char services[MNP_SERVICES_MAX][MNP_SERVICE_NAME_MAX];
    size_t nservices;
    int64_t balance_fen;
} mnp_subscriber_row_t;

typedef struct mnp_agreement_row {
    uint64_t number;
    mnp_agreement_t agreement; /* id and created_ms 0: the store assigns them */
} mnp_agreement_row_t;

/* Bad rows: "FILE:LINE: reason" for the first MNP_CSV_ERRORS_MAX, and how many there were. */
typedef struct mnp_csv_report {
    char lines[MNP_CSV_ERRORS_MAX][160];
    size_t nlines;
    size_t bad_rows;
} mnp_csv_report_t;

/* Parses text[0..len) named name (for messages). On success *rows is a new array of *nrows rows
 * (free() it) and 0 is returned. With any bad row: MNP_EFORMAT, *rows NULL, report filled. A
 * missing or wrong header, a file over 64 MiB or over 10 million rows are bad as a whole. */
int mnp_subscribers_parse(const char *text, size_t len, const char *name,
                          mnp_subscriber_row_t **rows, size_t *nrows,
                          mnp_csv_report_t *report) MNP_WUR;
int mnp_agreements_parse(const char *text, size_t len, const char *name, mnp_agreement_row_t **rows,
                         size_t *nrows, mnp_csv_report_t *report) MNP_WUR;

/* ---- one row, however it arrived ------------------------------------------------------------ */

/* The fields of a subscriber row as text (each ptr[0..len), borrowed, not NUL-terminated), in
 * the forms of the columns above. last_port empty: never ported. services: the names one by
 * one, nservices of them (any count: more than MNP_SERVICES_MAX is a bad row), each as it is to
 * be kept (the file reader trims the spaces around each name; a ';' in a name is bad). */
typedef struct mnp_subscriber_fields {
    mnp_csv_field_t number, name, identity, registration, status, unpaid_fen, last_port;
    const mnp_csv_field_t *services;
    size_t nservices;
    mnp_csv_field_t balance_fen;
} mnp_subscriber_fields_t;

/* The fields of an agreement row as text, in the forms of the columns above. */
typedef struct mnp_agreement_fields {
    mnp_csv_field_t number, name, start, end, fee_fen, has_term;
} mnp_agreement_fields_t;

#define MNP_ROW_REASON_MAX 160 /* bytes of a row's reason, with NUL */

/* Checks f column by column, in the order above, into *row (cleared first): 0, or MNP_EINVAL
 * with the first problem written to reason (reason_size bytes; cut to fit), e.g.
 * "unpaid_fen "-5" is not a whole number of fen (0 or more)". Bad values are repeated cut to
 * 32 bytes, control bytes shown as '?'; an identity number is never repeated. Rules that concern
 * several rows (a number twice in one batch) are the caller's. */
int mnp_subscriber_row_check(const mnp_subscriber_fields_t *f, mnp_subscriber_row_t *row,
                             char *reason, size_t reason_size) MNP_WUR;
int mnp_agreement_row_check(const mnp_agreement_fields_t *f, mnp_agreement_row_t *row, char *reason,
                            size_t reason_size) MNP_WUR;

/* The Beijing date YYYY-MM-DD as the instant of its 00:00 (UTC+8), in ms; MNP_EINVAL for
 * anything else (including impossible dates). */
int mnp_beijing_date_parse(const char *s, int64_t *ms) MNP_WUR;

#endif
