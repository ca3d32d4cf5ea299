/*
 * The subscriber and agreement files an operator's billing system hands its gateway
 * (subscriber_csv.h): each row is checked column by column (row_check.c, which the gateway's
 * API shares), the first problem of a row is its reason, and any bad row refuses the file, since a
 * half-imported subscriber list would answer eligibility queries from a mix of old and new records.
 * A number twice in a subscriber file, or the same agreement twice in an agreement file, is a bad
 * row naming the earlier line: which of the two the billing system meant is not ours to guess.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwdataInt.h"
#include "mnp/alloc.h"

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

int mnp_beijing_date_parse(const char *s, int64_t *ms)
{
    if (s == NULL)
        return MNP_EINVAL;
    return gw_date_parse(s, strnlen(s, 11), ms) == 0 ? 0 : MNP_EINVAL;
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

/* Splits services at ';' into names (spaces around each are the file's layout, not the name's),
 * at most MNP_SERVICES_MAX + 1 of them: one more than a row may have is enough to refuse it. */
static size_t split_services(const mnp_csv_field_t *f, mnp_csv_field_t *out)
{
    if (f->len == 0)
        return 0;
    size_t n = 0, start = 0;
    for (;;) {
        const char *semi = memchr(f->ptr + start, ';', f->len - start);
        size_t end = semi != NULL ? (size_t)(semi - f->ptr) : f->len;
        size_t a = start, b = end;
        while (a < b && (f->ptr[a] == ' ' || f->ptr[a] == '\t'))
            a++;
        while (b > a && (f->ptr[b - 1] == ' ' || f->ptr[b - 1] == '\t'))
            b--;
        out[n++] = (mnp_csv_field_t){f->ptr + a, b - a};
        if (semi == NULL || n == MNP_SERVICES_MAX + 1)
            return n;
        start = end + 1;
    }
}

/* Checks the current row into *row (mnp_subscriber_row_check); false with the row reported. */
static bool subscriber_row(gw_file_t *r, void *out)
{
    const mnp_csv_field_t *f = r->f;
    mnp_csv_field_t services[MNP_SERVICES_MAX + 1];
    mnp_subscriber_fields_t fields = {
        .number = f[S_NUMBER],
        .name = f[S_NAME],
        .identity = f[S_IDENTITY],
        .registration = f[S_REG],
        .status = f[S_STATUS],
        .unpaid_fen = f[S_UNPAID],
        .last_port = f[S_LAST_PORT],
        .services = services,
        .nservices = split_services(&f[S_SERVICES], services),
        .balance_fen = f[S_BALANCE],
    };
    char why[MNP_ROW_REASON_MAX];
    if (mnp_subscriber_row_check(&fields, out, why, sizeof(why)) == 0)
        return true;
    gw_file_bad(r, "%s", why);
    return false;
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

/* Checks the current row into *row (mnp_agreement_row_check); false with the row reported. */
static bool agreement_row(gw_file_t *r, void *out)
{
    const mnp_csv_field_t *f = r->f;
    mnp_agreement_fields_t fields = {
        .number = f[A_NUMBER],
        .name = f[A_NAME],
        .start = f[A_START],
        .end = f[A_END],
        .fee_fen = f[A_FEE],
        .has_term = f[A_HAS_TERM],
    };
    char why[MNP_ROW_REASON_MAX];
    if (mnp_agreement_row_check(&fields, out, why, sizeof(why)) == 0)
        return true;
    gw_file_bad(r, "%s", why);
    return false;
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
