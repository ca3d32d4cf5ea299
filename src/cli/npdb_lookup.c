/*
 * `mnpctl npdb lookup`: answers, for numbers given as arguments or read from standard input,
 * which operator serves each one now and whether it is ported (SPEC.md §6): the index names the
 * current operator of a ported number, the number plan the range holder of any other. Numbers
 * are collected in chunks and looked up with mnp_npdb_lookup_batch, so that millions of numbers
 * from a pipe cost little more than reading and printing them; answers keep the input order.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mnp/alloc.h"
#include "mnp/csv.h"
#include "mnp/npdb.h"
#include "mnp/number.h"
#include "mnp/numplan.h"

static const char lookup_help[] =
    "Usage: mnpctl npdb lookup --db FILE [--blocks FILE] [--json] NUMBER...\n"
    "       mnpctl npdb lookup --db FILE [--blocks FILE] [--json] -\n"
    "\n"
    "Tells which operator serves each number now. A number in the index is ported and served by\n"
    "the operator the index names; any other number is served by its range holder, from the\n"
    "number plan. NUMBER may be in any accepted form (13012345678, +8613012345678,\n"
    "008613012345678, 8613012345678, \"86 130 1234 5678\"); '-' reads numbers from standard\n"
    "input, one per line (blank lines are skipped; each answer is written before waiting for\n"
    "more input). Answers come in input order, one line each:\n"
    "\n"
    "  E164 OPERATOR ported              in the index: OPERATOR serves it now\n"
    "  E164 OPERATOR native              not in the index: served by its range holder OPERATOR\n"
    "  E164 OPERATOR not-portable TYPE   a number type that never ports (TYPE is satellite,\n"
    "                                    mvno, iot or data); OPERATOR is its range holder, or '-'\n"
    "  E164 - unallocated                a mobile-looking number in no allocated range\n"
    "  INPUT invalid REASON              not a number (REASON says why, e.g. 'too short')\n"
    "\n"
    "With --json each answer is one JSON object per line:\n"
    "  {\"number\":\"8613012345678\",\"operator\":\"CUCC\",\"ported\":true}\n"
    "  not portable adds \"portable\":false and \"type\" (\"satellite\", \"mvno\", \"iot\", "
    "\"data\" or\n"
    "  \"unallocated\", whose \"operator\" is null); \"local_network\" (e.g. \"0731\") is added "
    "when the\n"
    "  blocks file knows the number's block; an invalid number gives\n"
    "  {\"input\":\"1301234\",\"error\":\"too_short\",\"message\":\"too short\"}.\n"
    "\n"
    "Exit status: 0 when every number was valid, 1 when at least one was invalid (all the others\n"
    "are still answered) or the index cannot be read, 2 for a bad command line.\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE      the index file to query (required)\n"
    "  -b, --blocks FILE  block file (block,holder,local_network) giving each block's local\n"
    "                     network; default $MNP_BLOCKS; when neither is set, only the built-in\n"
    "                     network-code plan is used and no local network is reported\n"
    "  -j, --json         print JSON objects instead of text lines\n"
    "  -h, --help         show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl npdb lookup --db ported.npdb 13012345678 +8613112345678\n"
    "  cut -d, -f1 numbers.csv | mnpctl npdb lookup --db ported.npdb --json -\n";

#define LOOKUP_CMD   "npdb lookup"
#define LOOKUP_CHUNK 4096 /* numbers per batch lookup */

/* One input in a chunk: a parsed number (why == MNP_NUMBER_OK) or an invalid input kept as text
 * for its answer. */
typedef struct lookup_rec {
    mnp_number_t num;
    mnp_number_reason_t why;
    size_t text_off;
    size_t text_len;
} lookup_rec_t;

typedef struct lookup_ctx {
    const mnp_npdb_t *db;
    const mnp_numplan_t *plan;
    bool json;
    bool blocks; /* a block file is loaded: classify ported numbers too, for local_network */
    FILE *out;
    lookup_rec_t *recs; /* owned, LOOKUP_CHUNK */
    uint64_t *keys;     /* owned, LOOKUP_CHUNK */
    uint8_t *ops;       /* owned, LOOKUP_CHUNK */
    size_t n;
    size_t nkeys;
    char *text; /* owned: texts of the invalid inputs of this chunk */
    size_t text_len;
    size_t text_cap;
    uint64_t invalid;
} lookup_ctx_t;

/* ---- JSON output ---------------------------------------------------------------------------- */

/* Length of the valid UTF-8 sequence at s[0..n), or 0 if it is not one. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    uint32_t cp, min;
    size_t len;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0) {
        len = 2, cp = s[0] & 0x1fu, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        len = 3, cp = s[0] & 0x0fu, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        len = 4, cp = s[0] & 0x07u, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* Writes s[0..len) as a JSON string: quotes, backslashes and control characters escaped, bytes
 * that are not valid UTF-8 replaced by U+FFFD, so that every output line parses. */
static void json_string(FILE *out, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    fputc('"', out);
    while (i < len) {
        unsigned char ch = p[i];
        if (ch == '"' || ch == '\\') {
            fputc('\\', out);
            fputc(ch, out);
            i++;
        } else if (ch < 0x20 || ch == 0x7f) {
            fprintf(out, "\\u%04x", ch);
            i++;
        } else {
            size_t n = utf8_seq_len(p + i, len - i);
            if (n == 0) {
                fputs("\\ufffd", out);
                n = 1;
            } else {
                fwrite(p + i, 1, n, out);
            }
            i += n;
        }
    }
    fputc('"', out);
}

/* ---- answers -------------------------------------------------------------------------------- */

/* The plan's type name, except that a code the plan does not know is called what it is to a
 * person looking a number up: unallocated. */
static const char *numtype_name(mnp_numtype_t t)
{
    return t == MNP_NUMTYPE_UNKNOWN ? "unallocated" : mnp_numplan_type_name(t);
}

static void answer_invalid(lookup_ctx_t *ctx, const lookup_rec_t *r)
{
    const char *text = ctx->text + r->text_off;

    if (ctx->json) {
        fputs("{\"input\":", ctx->out);
        json_string(ctx->out, text, r->text_len);
        fprintf(ctx->out, ",\"error\":\"%s\",\"message\":\"%s\"}\n", mnp_number_reason_name(r->why),
                mnp_number_reason_str(r->why));
        return;
    }
    if (r->text_len == 0)
        fputs("\"\"", ctx->out);
    else
        cli_put_sanitized(ctx->out, text, r->text_len);
    fprintf(ctx->out, " invalid %s\n", mnp_number_reason_str(r->why));
}

/* op: the index's operator for the number, 0 when it is not in the index. */
static void answer_number(lookup_ctx_t *ctx, const lookup_rec_t *r, unsigned op)
{
    char digits[MNP_NUMBER_STR_SIZE];
    mnp_numinfo_t info = {0};
    const char *code;
    FILE *out = ctx->out;

    mnp_number_format(&r->num, digits);
    if (op != 0 && !(ctx->json && ctx->blocks)) {
        /* The common case of a bulk lookup: nothing from the plan is needed. */
        code = mnp_npdb_op_code(ctx->db, op);
        if (ctx->json)
            fprintf(out, "{\"number\":\"%s\",\"operator\":\"%s\",\"ported\":true}\n", digits, code);
        else
            fprintf(out, "%s %s ported\n", digits, code);
        return;
    }
    mnp_numplan_classify(ctx->plan, &r->num, &info);
    code = op != 0 ? mnp_npdb_op_code(ctx->db, op) : mnp_operator_code(info.holder);
    bool plain = op != 0 || info.portable; /* ported, or native and portable */
    if (!ctx->json) {
        if (plain)
            fprintf(out, "%s %s %s\n", digits, code, op != 0 ? "ported" : "native");
        else if (info.type == MNP_NUMTYPE_UNKNOWN)
            fprintf(out, "%s - unallocated\n", digits);
        else
            fprintf(out, "%s %s not-portable %s\n", digits, code[0] ? code : "-",
                    numtype_name(info.type));
        return;
    }
    fprintf(out, "{\"number\":\"%s\",\"operator\":", digits);
    if (code[0])
        fprintf(out, "\"%s\"", code);
    else
        fputs("null", out);
    fprintf(out, ",\"ported\":%s", op != 0 ? "true" : "false");
    if (!plain)
        fprintf(out, ",\"portable\":false,\"type\":\"%s\"", numtype_name(info.type));
    if (info.block_known)
        fprintf(out, ",\"local_network\":\"%s\"", info.local_network);
    fputs("}\n", out);
}

/* Looks up the chunk's numbers in one batch and prints every answer in input order. */
static void lookup_flush(lookup_ctx_t *ctx)
{
    size_t k = 0;

    if (ctx->nkeys > 0)
        mnp_npdb_lookup_batch(ctx->db, ctx->keys, ctx->ops, ctx->nkeys);
    for (size_t i = 0; i < ctx->n; i++) {
        const lookup_rec_t *r = &ctx->recs[i];
        if (r->why != MNP_NUMBER_OK)
            answer_invalid(ctx, r);
        else
            answer_number(ctx, r, ctx->ops[k++]);
    }
    ctx->n = 0;
    ctx->nkeys = 0;
    ctx->text_len = 0;
}

/* Queues one input s[0..len) for an answer. */
static void lookup_add(lookup_ctx_t *ctx, const char *s, size_t len)
{
    lookup_rec_t *r = &ctx->recs[ctx->n++];

    if (mnp_number_parse(s, len, &r->num, &r->why) == 0) {
        r->why = MNP_NUMBER_OK;
        ctx->keys[ctx->nkeys++] = r->num.e164;
    } else {
        /* Keep the input, without surrounding blanks, for the answer. */
        while (len > 0 && (s[0] == ' ' || s[0] == '\t'))
            s++, len--;
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
            len--;
        if (ctx->text_len + len > ctx->text_cap) {
            ctx->text_cap = (ctx->text_len + len) * 2;
            ctx->text = mnp_xrealloc(ctx->text, ctx->text_cap);
        }
        if (len > 0)
            memcpy(ctx->text + ctx->text_len, s, len);
        r->text_off = ctx->text_len;
        r->text_len = len;
        ctx->text_len += len;
        ctx->invalid++;
    }
    if (ctx->n == LOOKUP_CHUNK)
        lookup_flush(ctx);
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

/* Answers every line of standard input. 0, or a negative code with err set. */
static int lookup_stdin(lookup_ctx_t *ctx, mnp_error_t *err)
{
    cli_lines_t in;
    char *line;
    size_t len;
    int rc = cli_lines_open(&in, "-", err);

    if (rc < 0)
        return rc;
    for (;;) {
        /* Answer what has been read before waiting for more, so that a program feeding numbers
         * one at a time through a pipe gets each answer at once. */
        if (!cli_lines_pending(&in)) {
            lookup_flush(ctx);
            fflush(ctx->out);
        }
        rc = cli_lines_next(&in, MNP_CSV_LINE_MAX, &line, &len, err);
        if (rc != 1)
            break;
        if (!is_blank(line, len))
            lookup_add(ctx, line, len);
    }
    cli_lines_close(&in);
    return rc;
}

static int load_plan(const char *blocks, mnp_numplan_t **out, mnp_error_t *err)
{
    int rc = mnp_numplan_new(out);

    if (rc < 0)
        return mnp_error_set(err, rc, "%s", mnp_strerror(rc));
    if (blocks)
        rc = mnp_numplan_load_blocks_file(*out, blocks, err);
    return rc;
}

static int lookup_run(const char *db_path, const char *blocks, bool json, char **numbers, int count)
{
    lookup_ctx_t ctx = {.json = json, .blocks = blocks != NULL, .out = stdout};
    mnp_npdb_t *db = NULL;
    mnp_numplan_t *plan = NULL;
    mnp_error_t err = {0};
    int rc;

    rc = mnp_npdb_open(db_path, 0, &db, &err);
    if (rc == 0)
        rc = load_plan(blocks, &plan, &err);
    if (rc < 0)
        goto fail;
    ctx.db = db;
    ctx.plan = plan;
    ctx.recs = mnp_xmalloc(LOOKUP_CHUNK * sizeof(*ctx.recs));
    ctx.keys = mnp_xmalloc(LOOKUP_CHUNK * sizeof(*ctx.keys));
    ctx.ops = mnp_xmalloc(LOOKUP_CHUNK * sizeof(*ctx.ops));
    for (int i = 0; i < count && rc == 0; i++) {
        if (strcmp(numbers[i], "-") == 0)
            rc = lookup_stdin(&ctx, &err);
        else
            lookup_add(&ctx, numbers[i], strlen(numbers[i]));
    }
    lookup_flush(&ctx); /* what was read before an error is still answered */
    if (fflush(stdout) != 0 || ferror(stdout))
        rc = mnp_error_set(&err, MNP_EIO, "writing the answers failed");
fail:
    free(ctx.recs);
    free(ctx.keys);
    free(ctx.ops);
    free(ctx.text);
    mnp_numplan_free(plan);
    mnp_npdb_free(db);
    if (rc < 0)
        return cli_fail_error(rc, &err);
    return ctx.invalid > 0 ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

int cli_npdb_lookup(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"blocks", required_argument, NULL, 'b'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = NULL, *blocks = NULL;
    bool json = false;
    int c;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":d:b:jh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            db = optarg;
            break;
        case 'b':
            blocks = optarg;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(lookup_help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(LOOKUP_CMD, c, argv);
        }
    }
    if (!db)
        return cli_usage_error(LOOKUP_CMD, "--db is required");
    if (optind >= argc)
        return cli_usage_error(LOOKUP_CMD, "no numbers given (use '-' to read them from stdin)");
    if (!blocks) {
        const char *env = getenv("MNP_BLOCKS");
        blocks = env && env[0] ? env : NULL;
    }
    return lookup_run(db, blocks, json, argv + optind, argc - optind);
}
