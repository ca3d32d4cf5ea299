/*
 * The number plan: classification of a number by its network code and its block. Classification
 * runs for every number of bulk files and every lookup, so it is two array reads and a binary
 * search over the few blocks that share the number's 4-digit prefix. Loading validates a whole
 * block file before it touches the plan, so a bad file leaves the plan as it was.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/alloc.h"
#include "mnp/csv.h"
#include "numplanInt.h"

#define P4_MIN         1000u
#define P4_COUNT       1000u
#define BLOCK_MIN      1000000u          /* the smallest 7-digit block of a mobile number */
#define BLOCK_COUNT    1000000u          /* every 7-digit block from 1; more rows must repeat one */
#define NATIONAL_SCALE 100000000000ull   /* 10^11: splits an 11-digit national number off E.164 */
#define IOT_SCALE      10000000000000ull /* 10^13 */

struct block {
    uint32_t block;
    uint8_t holder;
    char local_network[MNP_LOCAL_NETWORK_MAX];
};

struct mnp_numplan {
    uint8_t codes[NUMPLAN_P5_COUNT]; /* packed holder and type by 5-digit prefix */
    struct block *blocks;            /* ascending by block */
    size_t nblocks;
    /* Blocks with 4-digit prefix p are blocks[index[p - P4_MIN] .. index[p - P4_MIN + 1]). */
    uint32_t index[P4_COUNT + 1];
};

int mnp_numplan_new(mnp_numplan_t **out)
{
    mnp_numplan_t *plan = mnp_xcalloc(1, sizeof(*plan));
    mnp_numplan_china_fill(plan->codes);
    *out = plan;
    return 0;
}

void mnp_numplan_free(mnp_numplan_t *plan)
{
    if (plan == NULL)
        return;
    free(plan->blocks);
    free(plan);
}

const char *mnp_numplan_type_name(mnp_numtype_t t)
{
    switch (t) {
    case MNP_NUMTYPE_UNKNOWN:
        break;
    case MNP_NUMTYPE_MOBILE:
        return "mobile";
    case MNP_NUMTYPE_SATELLITE:
        return "satellite";
    case MNP_NUMTYPE_MVNO:
        return "mvno";
    case MNP_NUMTYPE_IOT:
        return "iot";
    case MNP_NUMTYPE_DATA:
        return "data";
    }
    return "unknown";
}

/* The 11-digit national number of n, or 0 if n is not an 86 number of that length. */
static uint64_t national11(const mnp_number_t *n)
{
    if (n->national_len != MNP_NATIONAL_DIGITS || n->e164 / NATIONAL_SCALE != MNP_COUNTRY_CODE)
        return 0;
    return n->e164 % NATIONAL_SCALE;
}

static uint8_t code_of_block(const mnp_numplan_t *plan, uint32_t block)
{
    if (block < BLOCK_MIN || block >= BLOCK_MIN + BLOCK_COUNT)
        return numplan_pack(MNP_OP_NONE, MNP_NUMTYPE_UNKNOWN);
    return plan->codes[block / 100 - NUMPLAN_P5_MIN];
}

static const struct block *find_block(const mnp_numplan_t *plan, uint32_t block)
{
    uint32_t p4 = block / 1000 - P4_MIN;
    size_t lo = plan->index[p4], hi = plan->index[p4 + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (plan->blocks[mid].block < block)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < plan->index[p4 + 1] && plan->blocks[lo].block == block)
        return &plan->blocks[lo];
    return NULL;
}

void mnp_numplan_classify(const mnp_numplan_t *plan, const mnp_number_t *n, mnp_numinfo_t *out)
{
    out->holder = MNP_OP_NONE;
    out->type = MNP_NUMTYPE_UNKNOWN;
    out->portable = false;
    out->block = 0;
    out->block_known = false;
    out->local_network[0] = '\0';

    if (n->national_len == MNP_IOT_DIGITS) {
        uint64_t first2 = n->e164 % IOT_SCALE / (IOT_SCALE / 100);
        if (n->e164 / IOT_SCALE == MNP_COUNTRY_CODE && (first2 == 10 || first2 == 14))
            out->type = MNP_NUMTYPE_IOT;
        return;
    }
    uint64_t national = national11(n);
    if (national == 0)
        return;
    out->block = (uint32_t)(national / MNP_BLOCK_DIVISOR);
    uint8_t code = code_of_block(plan, out->block);
    out->holder = numplan_holder(code);
    out->type = numplan_type(code);
    /* RULE E06: only ordinary mobile numbers port; satellite, MVNO, IoT and data-only never. */
    out->portable = out->type == MNP_NUMTYPE_MOBILE;
    if (!out->portable)
        return; /* blocks are only loaded for portable types */
    const struct block *b = find_block(plan, out->block);
    if (b != NULL) {
        out->block_known = true;
        memcpy(out->local_network, b->local_network, MNP_LOCAL_NETWORK_MAX);
    }
}

mnp_operator_t mnp_numplan_holder(const mnp_numplan_t *plan, const mnp_number_t *n)
{
    uint64_t national = national11(n);
    if (national == 0)
        return MNP_OP_NONE;
    return numplan_holder(code_of_block(plan, (uint32_t)(national / MNP_BLOCK_DIVISOR)));
}

size_t mnp_numplan_block_count(const mnp_numplan_t *plan)
{
    return plan->nblocks;
}

void mnp_numplan_block_at(const mnp_numplan_t *plan, size_t i, uint32_t *block,
                          mnp_operator_t *holder, const char **local_network)
{
    const struct block *b = &plan->blocks[i];
    *block = b->block;
    *holder = (mnp_operator_t)b->holder;
    *local_network = b->local_network;
}

/* ---- loading ---------------------------------------------------------------------------- */

/* A row on its way in: the line it came from is kept for duplicate messages (0: loaded before). */
struct row {
    struct block b;
    size_t line;
};

struct rows {
    struct row *v;
    size_t n, cap;
};

static bool all_digits(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool field_is(const mnp_csv_field_t *f, const char *s)
{
    return f->len == strlen(s) && memcmp(f->ptr, s, f->len) == 0;
}

/* Parses and checks one row of three fields into *out; the message says what is wrong. */
static int parse_row(const mnp_numplan_t *plan, const mnp_csv_field_t *f, struct block *out,
                     char *msg, size_t msg_size)
{
    if (f[0].len != 7 || !all_digits(f[0].ptr, 7) || f[0].ptr[0] != '1') {
        snprintf(msg, msg_size, "block \"%.*s\" is not 7 digits starting with 1",
                 (int)(f[0].len > 32 ? 32 : f[0].len), f[0].ptr);
        return MNP_EFORMAT;
    }
    uint32_t block = 0;
    for (size_t i = 0; i < 7; i++)
        block = block * 10 + (uint32_t)(f[0].ptr[i] - '0');

    mnp_operator_t holder = mnp_operator_parse(f[1].ptr, f[1].len);
    if (holder == MNP_OP_NONE) {
        snprintf(msg, msg_size, "holder \"%.*s\" is not an operator code",
                 (int)(f[1].len > 32 ? 32 : f[1].len), f[1].ptr);
        return MNP_EFORMAT;
    }
    if (f[2].len < 2 || f[2].len > 4 || !all_digits(f[2].ptr, f[2].len) || f[2].ptr[0] != '0') {
        snprintf(msg, msg_size, "local network \"%.*s\" is not 2-4 digits starting with 0",
                 (int)(f[2].len > 32 ? 32 : f[2].len), f[2].ptr);
        return MNP_EFORMAT;
    }

    uint8_t code = code_of_block(plan, block);
    if (numplan_type(code) != MNP_NUMTYPE_MOBILE) {
        snprintf(msg, msg_size, "block %u has number type %s, which is not portable", block,
                 mnp_numplan_type_name(numplan_type(code)));
        return MNP_EFORMAT;
    }
    if (numplan_holder(code) != holder) {
        snprintf(msg, msg_size, "block %u belongs to %s by the number plan, not %s", block,
                 mnp_operator_code(numplan_holder(code)), mnp_operator_code(holder));
        return MNP_EFORMAT;
    }
    out->block = block;
    out->holder = (uint8_t)holder;
    memset(out->local_network, 0, sizeof(out->local_network));
    memcpy(out->local_network, f[2].ptr, f[2].len);
    return 0;
}

static void rows_push(struct rows *rs, const struct block *b, size_t line)
{
    if (rs->n == rs->cap) {
        rs->cap = rs->cap ? rs->cap * 2 : 1024;
        rs->v = mnp_xrealloc(rs->v, rs->cap * sizeof(*rs->v));
    }
    rs->v[rs->n].b = *b;
    rs->v[rs->n].line = line;
    rs->n++;
}

static int row_cmp(const void *a, const void *b)
{
    const struct row *x = a, *y = b;
    if (x->b.block != y->b.block)
        return x->b.block < y->b.block ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Reads every row of in into rs, after the blocks already in the plan. */
static int read_rows(const mnp_numplan_t *plan, FILE *in, const char *name, struct rows *rs,
                     mnp_error_t *err)
{
    mnp_csv_reader_t r;
    mnp_csv_field_t f[4];
    mnp_error_t e;
    char msg[160];
    char *line;
    size_t len;
    bool first = true;
    int rc = mnp_csv_reader_init(&r, in);
    if (rc < 0)
        return mnp_error_set(err, rc, "%s: %s", name, mnp_strerror(rc));

    while ((rc = mnp_csv_read_line(&r, &line, &len, &e)) == 1) {
        if (len == 0)
            continue; /* blank lines, e.g. at the end of a hand-edited file */
        int nf = mnp_csv_split(line, len, f, 4, &e);
        if (nf < 0) {
            rc = mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: %s", name, r.line_no, e.msg);
            goto fail;
        }
        if (first && field_is(&f[0], "block")) {
            first = false;
            if (nf == 3 && field_is(&f[1], "holder") && field_is(&f[2], "local_network"))
                continue;
            rc = mnp_error_set(err, MNP_EFORMAT,
                               "%s: line %zu: header is not block,holder,local_network", name,
                               r.line_no);
            goto fail;
        }
        first = false;
        if (nf != 3) {
            rc = mnp_error_set(err, MNP_EFORMAT,
                               "%s: line %zu: %d fields, expected block,holder,local_network", name,
                               r.line_no, nf);
            goto fail;
        }
        struct block b;
        if (parse_row(plan, f, &b, msg, sizeof(msg)) < 0) {
            rc = mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: %s", name, r.line_no, msg);
            goto fail;
        }
        if (rs->n >= BLOCK_COUNT) {
            rc = mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: more than %u blocks", name,
                               r.line_no, BLOCK_COUNT);
            goto fail;
        }
        rows_push(rs, &b, r.line_no);
    }
    if (rc < 0) {
        /* Over-long lines and NUL bytes are malformed rows; read errors stay I/O errors. */
        rc = mnp_error_set(err, rc == MNP_EIO ? MNP_EIO : MNP_EFORMAT, "%s: %s", name, e.msg);
        goto fail;
    }
    rc = 0;
fail:
    mnp_csv_reader_fini(&r);
    return rc;
}

/* Sorts rs and refuses a block that appears twice, naming the later of the two lines. */
static int check_duplicates(struct rows *rs, const char *name, mnp_error_t *err)
{
    if (rs->n > 0)
        qsort(rs->v, rs->n, sizeof(*rs->v), row_cmp);
    for (size_t i = 1; i < rs->n; i++) {
        if (rs->v[i].b.block != rs->v[i - 1].b.block)
            continue;
        if (rs->v[i - 1].line == 0)
            return mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: block %u is already loaded", name,
                                 rs->v[i].line, rs->v[i].b.block);
        return mnp_error_set(err, MNP_EFORMAT, "%s: line %zu: block %u repeats line %zu", name,
                             rs->v[i].line, rs->v[i].b.block, rs->v[i - 1].line);
    }
    return 0;
}

/* Replaces the plan's blocks with the sorted rows and rebuilds the 4-digit prefix index. */
static void install(mnp_numplan_t *plan, const struct rows *rs)
{
    struct block *blocks = mnp_xmalloc((rs->n ? rs->n : 1) * sizeof(*blocks));
    for (size_t i = 0; i < rs->n; i++)
        blocks[i] = rs->v[i].b;
    free(plan->blocks);
    plan->blocks = blocks;
    plan->nblocks = rs->n;
    size_t i = 0;
    for (uint32_t p = 0; p <= P4_COUNT; p++) {
        while (i < rs->n && blocks[i].block / 1000 < P4_MIN + p)
            i++;
        plan->index[p] = (uint32_t)i;
    }
}

int mnp_numplan_load_blocks(mnp_numplan_t *plan, FILE *in, const char *name, mnp_error_t *err)
{
    struct rows rs = {0};
    int rc;
    if (name == NULL)
        name = "blocks";
    for (size_t i = 0; i < plan->nblocks; i++)
        rows_push(&rs, &plan->blocks[i], 0);
    rc = read_rows(plan, in, name, &rs, err);
    if (rc < 0)
        goto fail;
    rc = check_duplicates(&rs, name, err);
    if (rc < 0)
        goto fail;
    install(plan, &rs);
    mnp_error_clear(err);
fail:
    free(rs.v);
    return rc;
}

int mnp_numplan_load_blocks_file(mnp_numplan_t *plan, const char *path, mnp_error_t *err)
{
    FILE *in = fopen(path, "r");
    if (in == NULL) {
        int saved = errno;
        return mnp_error_set(err, mnp_error_from_errno(saved), "%s: %s", path, strerror(saved));
    }
    int rc = mnp_numplan_load_blocks(plan, in, path, err);
    fclose(in);
    return rc;
}
