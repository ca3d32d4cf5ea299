/*
 * Routing-number tables and their CSV files (operator,local_network,routing_number). A file is
 * validated whole before the caller sees any of it, so a bad file changes nothing; the store
 * then checks what only it can (that each operator exists) before replacing its table.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/alloc.h"
#include "mnp/csv.h"
#include "mnp/routing.h"

#define ROUTING_HEADER "operator,local_network,routing_number"

void mnp_routing_table_init(mnp_routing_table_t *t)
{
    memset(t, 0, sizeof(*t));
}

void mnp_routing_table_fini(mnp_routing_table_t *t)
{
    free(t->v);
    free(t->name);
    mnp_routing_table_init(t);
}

static bool digits_only(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

int mnp_routing_entry_check(const char *operator_code, const char *local_network,
                            const char *routing_number, mnp_error_t *err)
{
    size_t n = strlen(operator_code);
    bool ok = n >= 2 && n < MNP_ROUTING_OPERATOR_MAX;
    for (size_t i = 0; ok && i < n; i++)
        ok = (operator_code[i] >= 'A' && operator_code[i] <= 'Z') ||
             (operator_code[i] >= '0' && operator_code[i] <= '9');
    if (!ok)
        return mnp_error_set(err, MNP_EINVAL,
                             "operator \"%.32s\" is not an operator code (2-15 upper-case letters "
                             "or digits)",
                             operator_code);
    n = strlen(local_network);
    if (n < 2 || n > 4 || local_network[0] != '0' || !digits_only(local_network, n))
        return mnp_error_set(err, MNP_EINVAL,
                             "local network \"%.32s\" is not 2-4 digits starting with 0",
                             local_network);
    n = strlen(routing_number);
    if (n < 1 || n >= MNP_ROUTING_NUMBER_MAX || !digits_only(routing_number, n))
        return mnp_error_set(err, MNP_EINVAL, "routing number \"%.32s\" is not 1-15 digits",
                             routing_number);
    return 0;
}

int mnp_routing_table_add(mnp_routing_table_t *t, const char *operator_code,
                          const char *local_network, const char *routing_number, size_t line,
                          mnp_error_t *err)
{
    int rc = mnp_routing_entry_check(operator_code, local_network, routing_number, err);
    if (rc != 0)
        return rc;
    if (t->n >= MNP_ROUTING_ROWS_MAX)
        return mnp_error_set(err, MNP_ELIMIT, "more than %d routing numbers", MNP_ROUTING_ROWS_MAX);
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->v = mnp_xrealloc(t->v, t->cap * sizeof(*t->v));
    }
    /* The check bounded every length, so these copies fit with their NULs. */
    mnp_routing_entry_t *e = &t->v[t->n++];
    memset(e, 0, sizeof(*e));
    memcpy(e->operator_code, operator_code, strlen(operator_code));
    memcpy(e->local_network, local_network, strlen(local_network));
    memcpy(e->routing_number, routing_number, strlen(routing_number));
    e->line = line;
    return 0;
}

static bool field_is(const mnp_csv_field_t *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->ptr, s, f->len) == 0;
}

/* Copies field f into dst (size bytes) for checking; a field too long to fit is cut to size - 1
 * bytes plus one more, which the length checks then refuse. NUL bytes never reach here (the
 * reader refuses them), so the copy is the field. */
static void field_copy(const mnp_csv_field_t *f, char *dst, size_t size)
{
    size_t n = f->len < size - 1 ? f->len : size - 1;
    memcpy(dst, f->ptr, n);
    dst[n] = '\0';
}

/* Parses one row of three fields and appends it; the message says what is wrong. */
static int add_row(mnp_routing_table_t *t, const mnp_csv_field_t *f, size_t line, mnp_error_t *err)
{
    /* One byte more than any valid field, so that an over-long field is refused, not cut. */
    char op[MNP_ROUTING_OPERATOR_MAX + 1], ln[MNP_LOCAL_NETWORK_MAX + 1],
        rn[MNP_ROUTING_NUMBER_MAX + 1];
    field_copy(&f[0], op, sizeof(op));
    field_copy(&f[1], ln, sizeof(ln));
    field_copy(&f[2], rn, sizeof(rn));
    if (memchr(f[0].ptr, '\0', f[0].len) || memchr(f[1].ptr, '\0', f[1].len) ||
        memchr(f[2].ptr, '\0', f[2].len))
        return mnp_error_set(err, MNP_EINVAL, "NUL byte in a field");
    return mnp_routing_table_add(t, op, ln, rn, line, err);
}

static int entry_cmp(const void *a, const void *b)
{
    const mnp_routing_entry_t *x = a, *y = b;
    int c = strcmp(x->operator_code, y->operator_code);
    if (c == 0)
        c = strcmp(x->local_network, y->local_network);
    if (c == 0)
        c = x->line < y->line ? -1 : x->line > y->line;
    return c;
}

/* Refuses a pair given twice, naming the earliest line that repeats an earlier one. Sorts a copy
 * so that t keeps the file's order. */
static int check_pairs(const mnp_routing_table_t *t, const char *name, mnp_error_t *err)
{
    if (t->n < 2)
        return 0;
    mnp_routing_entry_t *s = mnp_xmalloc(t->n * sizeof(*s));
    memcpy(s, t->v, t->n * sizeof(*s));
    qsort(s, t->n, sizeof(*s), entry_cmp);
    const mnp_routing_entry_t *dup = NULL, *first = NULL;
    for (size_t i = 1; i < t->n; i++) {
        if (strcmp(s[i].operator_code, s[i - 1].operator_code) != 0 ||
            strcmp(s[i].local_network, s[i - 1].local_network) != 0)
            continue;
        if (dup == NULL || s[i].line < dup->line) {
            dup = &s[i];
            first = &s[i - 1];
        }
    }
    int rc = 0;
    if (dup != NULL)
        rc =
            mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: %s in local network %s repeats line %zu",
                          name, dup->line, dup->operator_code, dup->local_network, first->line);
    free(s);
    return rc;
}

/* Reads every row of in into t. */
static int read_rows(mnp_routing_table_t *t, FILE *in, const char *name, mnp_error_t *err)
{
    mnp_csv_reader_t r;
    mnp_csv_field_t f[4];
    mnp_error_t e;
    char *line;
    size_t len;
    bool first = true;
    int rc = mnp_csv_reader_init(&r, in);
    if (rc < 0)
        return mnp_error_set(err, rc, "%s: %s", name, mnp_strerror(rc));

    while ((rc = mnp_csv_read_line(&r, &line, &len, &e)) == 1) {
        if (len == 0)
            continue;
        int nf = mnp_csv_split(line, len, f, 4, &e);
        if (nf < 0) {
            rc = mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: %s", name, r.line_no, e.msg);
            goto fail;
        }
        if (first && field_is(&f[0], "operator")) {
            first = false;
            if (nf == 3 && field_is(&f[1], "local_network") && field_is(&f[2], "routing_number"))
                continue;
            rc = mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: header is not " ROUTING_HEADER,
                               name, r.line_no);
            goto fail;
        }
        first = false;
        if (nf != 3) {
            rc =
                mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: %d fields, expected " ROUTING_HEADER,
                              name, r.line_no, nf);
            goto fail;
        }
        rc = add_row(t, f, r.line_no, &e);
        if (rc < 0) {
            rc = mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: %s", name, r.line_no, e.msg);
            goto fail;
        }
    }
    if (rc < 0) {
        rc = mnp_error_set(err, rc == MNP_EIO ? MNP_EIO : MNP_EFORMAT, "%s: %s", name, e.msg);
        goto fail;
    }
    rc = check_pairs(t, name, err);
fail:
    mnp_csv_reader_fini(&r);
    return rc;
}

int mnp_routing_load(mnp_routing_table_t *t, FILE *in, const char *name, mnp_error_t *err)
{
    mnp_error_clear(err);
    if (t->n != 0)
        return mnp_error_set(err, MNP_EINVAL, "%s: routing table is not empty", name);
    int rc = read_rows(t, in, name, err);
    if (rc != 0) {
        mnp_routing_table_fini(t);
        return rc;
    }
    free(t->name);
    t->name = mnp_xstrdup(name);
    return 0;
}

int mnp_routing_load_file(mnp_routing_table_t *t, const char *path, mnp_error_t *err)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        int e = errno;
        return mnp_error_set(err, mnp_error_from_errno(e), "%s: %s", path, strerror(e));
    }
    int rc = mnp_routing_load(t, in, path, err);
    fclose(in);
    return rc;
}

const char *mnp_routing_find(const mnp_routing_table_t *t, const char *operator_code,
                             const char *local_network)
{
    for (size_t i = 0; t != NULL && local_network[0] != '\0' && i < t->n; i++)
        if (strcmp(t->v[i].operator_code, operator_code) == 0 &&
            strcmp(t->v[i].local_network, local_network) == 0)
            return t->v[i].routing_number;
    return NULL;
}
