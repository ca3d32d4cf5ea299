/*
 * The subscriber and agreement files an operator's billing system hands its gateway
 * (subscriber_csv.h): each row is checked column by column, the first problem of a row is its
 * reason, and any bad row refuses the file, since a half-imported subscriber list would answer
 * eligibility queries from a mix of old and new records. A number twice in a subscriber file,
 * or the same agreement twice in an agreement file, is a bad row naming the earlier line:
 * which of the two the billing system meant is not ours to guess.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwdataInt.h"
#include "mnp/alloc.h"
#include "mnp/idcard.h"

static const char *const subscriber_columns[] = {
    "number",     "name",      "identity", "registration", "status",
    "unpaid_fen", "last_port", "services", "balance_fen",
};
enum {
    S_NUMBER,
    S_NAME,
    S_IDENTITY,
    S_REG,
    S_STATUS,
    S_UNPAID,
    S_LAST_PORT,
    S_SERVICES,
    S_BALANCE,
    S_COLUMNS
};

static const char *const agreement_columns[] = {
    "number", "name", "start", "end", "fee_fen", "has_term",
};
enum { A_NUMBER, A_NAME, A_START, A_END, A_FEE, A_HAS_TERM, A_COLUMNS };

_Static_assert(sizeof(subscriber_columns) / sizeof(subscriber_columns[0]) == S_COLUMNS,
               "subscriber columns");
_Static_assert(sizeof(agreement_columns) / sizeof(agreement_columns[0]) == A_COLUMNS,
               "agreement columns");

#define WORD_MAX 16 /* longest registration, status or yes/no word, with NUL */

int mnp_beijing_date_parse(const char *s, int64_t *ms)
{
    if (s == NULL)
        return MNP_EINVAL;
    return gw_date_parse(s, strnlen(s, 11), ms) == 0 ? 0 : MNP_EINVAL;
}

/* Field f as a NUL-terminated word in buf (WORD_MAX bytes); "" when it is too long to be one. */
static const char *field_word(const mnp_csv_field_t *f, char *buf)
{
    size_t n = f->len < WORD_MAX ? f->len : 0;
    memcpy(buf, f->ptr, n);
    buf[n] = '\0';
    return buf;
}

/* What the two file kinds differ in; parse_rows is the rest. */
typedef struct file_kind {
    const char *const *columns;
    size_t ncolumns;
    size_t row_size;
    /* Checks the current row into row; false with it reported. */
    bool (*row)(gw_file_t *r, void *row);
    /* The hash of a row's key, and whether two rows' keys are equal. */
    uint64_t (*hash)(const void *row);
    bool (*same)(const void *a, const void *b);
    /* Reports row, whose key is also on line first. */
    void (*repeated)(gw_file_t *r, const void *row, size_t first);
} file_kind_t;

typedef struct rows_seen {
    const file_kind_t *kind;
    char *v;         /* the rows read so far */
    const void *key; /* the row being looked for by same_key */
} rows_seen_t;

static bool same_key(size_t row, const void *arg)
{
    const rows_seen_t *rs = arg;
    return rs->kind->same(rs->v + row * rs->kind->row_size, rs->key);
}

/* Reads every row of a file of kind k: each is checked, then refused when its key repeats an
 * earlier row's. Any bad row refuses the file (MNP_EFORMAT); *rows (caller frees, NULL for
 * none) and *nrows receive the rows of a good one. */
static int parse_rows(const file_kind_t *k, const char *text, size_t len, const char *name,
                      void **rows, size_t *nrows, mnp_csv_report_t *report)
{
    *rows = NULL;
    *nrows = 0;
    gw_file_t *r = mnp_xmalloc(sizeof(*r));
    rows_seen_t rs = {.kind = k};
    size_t n = 0, cap = 0;
    gw_seen_t seen = {0};
    int rc = gw_file_open(r, text, len, name, k->columns, k->ncolumns, report);
    while (rc == 0 && (rc = gw_file_next(r)) == 1) {
        rc = 0;
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            rs.v = mnp_xrealloc(rs.v, cap * k->row_size);
        }
        void *row = rs.v + n * k->row_size;
        if (!k->row(r, row))
            continue;
        rs.key = row;
        size_t first = gw_seen_add(&seen, k->hash(row), n, r->line_no, same_key, &rs);
        if (first != 0) {
            k->repeated(r, row, first);
            continue;
        }
        n++;
    }
    if (rc == 0 && report->bad_rows > 0)
        rc = MNP_EFORMAT;
    if (rc == 0 && n > 0) {
        *rows = rs.v;
        *nrows = n;
        rs.v = NULL;
    }
    free(rs.v);
    gw_seen_fini(&seen);
    free(r);
    return rc;
}

/* ---- subscribers -------------------------------------------------------------------------- */

/* services: ';'-separated names, each 1..MNP_SERVICE_NAME_MAX-1 bytes of text. */
static bool parse_services(gw_file_t *r, const mnp_csv_field_t *f, mnp_subscriber_row_t *row)
{
    row->nservices = 0;
    if (f->len == 0)
        return true;
    size_t start = 0;
    for (;;) {
        const char *semi = memchr(f->ptr + start, ';', f->len - start);
        size_t end = semi != NULL ? (size_t)(semi - f->ptr) : f->len;
        /* Spaces around a name are the file's layout, not the name's. */
        size_t a = start, b = end;
        while (a < b && (f->ptr[a] == ' ' || f->ptr[a] == '\t'))
            a++;
        while (b > a && (f->ptr[b - 1] == ' ' || f->ptr[b - 1] == '\t'))
            b--;
        if (row->nservices == MNP_SERVICES_MAX) {
            gw_file_bad(r, "services: more than %d", MNP_SERVICES_MAX);
            return false;
        }
        mnp_csv_field_t one = {f->ptr + a, b - a};
        char what[32];
        snprintf(what, sizeof(what), "service %zu", row->nservices + 1);
        if (!gw_field_text(r, &one, what, 1, MNP_SERVICE_NAME_MAX - 1,
                           row->services[row->nservices]))
            return false;
        row->nservices++;
        if (semi == NULL)
            return true;
        start = end + 1;
    }
}

/* Checks every column of the current row into *row; false with the row reported. */
static bool subscriber_row(gw_file_t *r, void *out)
{
    mnp_subscriber_row_t *row = out;
    const mnp_csv_field_t *f = r->f;
    mnp_subscriber_t *s = &row->sub;
    char word[WORD_MAX], show[40];
    memset(row, 0, sizeof(*row));

    if (!gw_field_number(r, &f[S_NUMBER], &s->number))
        return false;
    if (!gw_field_text(r, &f[S_NAME], "name", 1, MNP_SUB_NAME_MAX - 1, s->name))
        return false;
    mnp_idcard_reason_t why;
    if (mnp_idcard_validate(f[S_IDENTITY].ptr, f[S_IDENTITY].len, s->identity, &why) != 0) {
        /* The identity itself is not repeated: the report may travel further than the file. */
        gw_file_bad(r, "identity: %s", mnp_idcard_reason_str(why));
        return false;
    }
    if (mnp_registration_parse(field_word(&f[S_REG], word), &s->registration) != 0) {
        gw_file_bad(r, "registration \"%s\" is not person, company or none",
                    gw_field_show(&f[S_REG], show, sizeof(show)));
        return false;
    }
    if (mnp_sub_status_parse(field_word(&f[S_STATUS], word), &s->status) != 0) {
        gw_file_bad(r, "status \"%s\" is not normal, lost or suspended",
                    gw_field_show(&f[S_STATUS], show, sizeof(show)));
        return false;
    }
    if (!gw_field_amount(r, &f[S_UNPAID], "unpaid_fen", &s->unpaid_fen))
        return false;
    s->last_port_ms = 0;
    if (f[S_LAST_PORT].len > 0 && !gw_field_date(r, &f[S_LAST_PORT], "last_port", &s->last_port_ms))
        return false;
    if (!parse_services(r, &f[S_SERVICES], row))
        return false;
    return gw_field_amount(r, &f[S_BALANCE], "balance_fen", &row->balance_fen);
}

static uint64_t number_hash(const void *row)
{
    const mnp_subscriber_row_t *x = row;
    return gw_hash(0, &x->sub.number, sizeof(x->sub.number));
}

static bool same_number(const void *a, const void *b)
{
    const mnp_subscriber_row_t *x = a, *y = b;
    return x->sub.number == y->sub.number;
}

static void number_repeated(gw_file_t *r, const void *row, size_t first)
{
    const mnp_subscriber_row_t *x = row;
    gw_file_bad(r, "number %llu is also on line %zu", (unsigned long long)x->sub.number, first);
}

int mnp_subscribers_parse(const char *text, size_t len, const char *name,
                          mnp_subscriber_row_t **rows, size_t *nrows, mnp_csv_report_t *report)
{
    static const file_kind_t kind = {
        .columns = subscriber_columns,
        .ncolumns = S_COLUMNS,
        .row_size = sizeof(mnp_subscriber_row_t),
        .row = subscriber_row,
        .hash = number_hash,
        .same = same_number,
        .repeated = number_repeated,
    };
    void *v;
    int rc = parse_rows(&kind, text, len, name, &v, nrows, report);
    *rows = v;
    return rc;
}

/* ---- agreements --------------------------------------------------------------------------- */

static bool agreement_row(gw_file_t *r, void *out)
{
    mnp_agreement_row_t *row = out;
    const mnp_csv_field_t *f = r->f;
    mnp_agreement_t *a = &row->agreement;
    char word[WORD_MAX], show[40];
    memset(row, 0, sizeof(*row));

    if (!gw_field_number(r, &f[A_NUMBER], &row->number))
        return false;
    if (!gw_field_text(r, &f[A_NAME], "name", 1, MNP_AGREEMENT_NAME_MAX - 1, a->name))
        return false;
    int64_t end_day;
    if (!gw_field_date(r, &f[A_START], "start", &a->start_ms) ||
        !gw_field_date(r, &f[A_END], "end", &end_day))
        return false;
    if (end_day < a->start_ms) {
        char s1[40];
        gw_file_bad(r, "end %s is before start %s", gw_field_show(&f[A_END], show, sizeof(show)),
                    gw_field_show(&f[A_START], s1, sizeof(s1)));
        return false;
    }
    /* In force until the end day's 24:00, and end_ms is exclusive (eligibility.h). */
    a->end_ms = end_day + 86400 * 1000LL;
    if (!gw_field_amount(r, &f[A_FEE], "fee_fen", &a->fee_fen))
        return false;
    const char *t = field_word(&f[A_HAS_TERM], word);
    if (strcmp(t, "yes") != 0 && strcmp(t, "no") != 0) {
        gw_file_bad(r, "has_term \"%s\" is not yes or no",
                    gw_field_show(&f[A_HAS_TERM], show, sizeof(show)));
        return false;
    }
    a->has_term = t[0] == 'y';
    return true;
}

/* One agreement is a number's agreement of one name over one period. */
static bool same_agreement(const void *a, const void *b)
{
    const mnp_agreement_row_t *x = a, *y = b;
    return x->number == y->number && x->agreement.start_ms == y->agreement.start_ms &&
           x->agreement.end_ms == y->agreement.end_ms &&
           strcmp(x->agreement.name, y->agreement.name) == 0;
}

static uint64_t agreement_hash(const void *p)
{
    const mnp_agreement_row_t *row = p;
    uint64_t h = gw_hash(0, &row->number, sizeof(row->number));
    h = gw_hash(h, &row->agreement.start_ms, sizeof(row->agreement.start_ms));
    h = gw_hash(h, &row->agreement.end_ms, sizeof(row->agreement.end_ms));
    return gw_hash(h, row->agreement.name, strlen(row->agreement.name));
}

static void agreement_repeated(gw_file_t *r, const void *row, size_t first)
{
    (void)row;
    gw_file_bad(r, "the same agreement (number, name, start, end) is on line %zu", first);
}

int mnp_agreements_parse(const char *text, size_t len, const char *name, mnp_agreement_row_t **rows,
                         size_t *nrows, mnp_csv_report_t *report)
{
    static const file_kind_t kind = {
        .columns = agreement_columns,
        .ncolumns = A_COLUMNS,
        .row_size = sizeof(mnp_agreement_row_t),
        .row = agreement_row,
        .hash = agreement_hash,
        .same = same_agreement,
        .repeated = agreement_repeated,
    };
    void *v;
    int rc = parse_rows(&kind, text, len, name, &v, nrows, report);
    *rows = v;
    return rc;
}
