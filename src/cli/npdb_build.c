/*
 * `mnpctl npdb build`: turns a CSV of number,operator lines into an NPDB snapshot file. Input is
 * untrusted and may hold a hundred million lines, so every line is checked (number form, that
 * the number may be ported at all, operator code, field count, length) and the first bad line
 * stops the build before anything is written; the per-line path does no allocation and no stdio
 * so that parsing stays well under the time the index builder itself needs.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "mnp/clock.h"
#include "mnp/csv.h"
#include "mnp/npdb.h"
#include "mnp/number.h"
#include "mnp/numplan.h"
#include "mnp/operator.h"

static const char build_help[] =
    "Usage: mnpctl npdb build --input FILE --output FILE [--seq N]\n"
    "\n"
    "Builds a ported-number index (NPDB) file from a CSV file of number,operator lines.\n"
    "\n"
    "  - number: any accepted form (13012345678, +8613012345678, 008613012345678,\n"
    "    8613012345678, \"86 130 1234 5678\", 130-1234-5678); it must be an ordinary mobile\n"
    "    number (satellite, resale, IoT and data-only numbers are not portable).\n"
    "  - operator: the code of the operator now serving the number: CMCC, CUCC, CTCC or CBN.\n"
    "  A first line whose first field has no digit (such as \"number,operator\") is a header and\n"
    "  is skipped; blank lines are skipped. When a number appears more than once the last line\n"
    "  wins; the summary counts these duplicates.\n"
    "\n"
    "The first bad line (bad number, number not portable, unknown operator, not exactly two\n"
    "fields, line over 4096 bytes) stops the build with 'mnpctl: FILE:LINE: REASON' and exit\n"
    "status 1, and no output file is written. The output file is replaced atomically.\n"
    "A progress bar is shown on stderr when stderr is a terminal; the summary line (entries,\n"
    "bytes, bytes per entry, duplicates, seconds) goes to stdout.\n"
    "\n"
    "Options:\n"
    "  -i, --input FILE   the CSV file to read; '-' reads standard input\n"
    "  -o, --output FILE  the index file to write\n"
    "  -s, --seq N        the change-feed sequence number the index reflects (default 0)\n"
    "  -h, --help         show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl npdb build --input ported.csv --output ported.npdb --seq 42\n";

#define BUILD_CMD            "npdb build"
#define BUILD_SHOW_MAX       40     /* bytes of a bad field quoted in an error message */
#define BUILD_PROGRESS_EVERY 0xffff /* lines between progress checks, minus one */

typedef struct build_state {
    mnp_npdb_builder_t *b;
    mnp_numplan_t *plan;
    unsigned op_index[MNP_OP_COUNT]; /* builder operator index per mnp_operator_t, 0 = not yet */
    bool header_checked;
} build_state_t;

/* Copies s[0..len) into buf for a message: at most BUILD_SHOW_MAX bytes, control bytes as '?'. */
static const char *show(char *buf, size_t size, const char *s, size_t len)
{
    size_t n = len < BUILD_SHOW_MAX ? len : BUILD_SHOW_MAX;
    size_t j = 0;

    for (size_t i = 0; i < n && j + 4 < size; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[j++] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    if (n < len && j + 4 < size) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = '\0';
    return buf;
}

static bool is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t')
            return false;
    return true;
}

static bool has_digit(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return true;
    return false;
}

static const char *numtype_phrase(mnp_numtype_t t)
{
    switch (t) {
    case MNP_NUMTYPE_SATELLITE:
        return "a satellite number";
    case MNP_NUMTYPE_MVNO:
        return "a resale (MVNO) number";
    case MNP_NUMTYPE_IOT:
        return "an IoT number";
    case MNP_NUMTYPE_DATA:
        return "a data-only number";
    case MNP_NUMTYPE_UNKNOWN:
        return "in no allocated number range";
    case MNP_NUMTYPE_MOBILE:
        break;
    }
    return "not portable";
}

/* The builder's operator index for op, registered on first use: only the codes of operator.h
 * are accepted, so the builder sees at most MNP_OP_COUNT - 1 registrations per build. */
static int op_index(build_state_t *st, mnp_operator_t op, unsigned *out)
{
    if (st->op_index[op] == 0) {
        int rc = mnp_npdb_builder_op(st->b, mnp_operator_code(op), &st->op_index[op]);
        if (rc < 0)
            return rc;
    }
    *out = st->op_index[op];
    return 0;
}

/* Checks and adds one line. Returns 0 (added or skipped) or a negative code with err naming the
 * line: name:line_no: reason. */
static int build_line(build_state_t *st, char *line, size_t len, const char *name, uint64_t line_no,
                      mnp_error_t *err)
{
    mnp_csv_field_t f[MNP_CSV_FIELDS_MAX];
    mnp_number_t num;
    mnp_number_reason_t why;
    mnp_numinfo_t info;
    char shown[BUILD_SHOW_MAX + 8];
    unsigned op;
    unsigned long long ln = (unsigned long long)line_no;
    int rc;

    if (len == 0 || ((line[0] == ' ' || line[0] == '\t') && is_blank(line, len)))
        return 0;
    int nf = mnp_csv_split(line, len, f, MNP_CSV_FIELDS_MAX, err);
    if (nf == MNP_ELIMIT)
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s:%llu: expected 2 fields (number,operator), found more than %d",
                             name, ln, MNP_CSV_FIELDS_MAX);
    if (nf < 0) {
        char msg[MNP_ERROR_MSG_MAX];
        snprintf(msg, sizeof(msg), "%s", err->msg);
        return mnp_error_set(err, MNP_EFORMAT, "%s:%llu: %s", name, ln, msg);
    }
    if (nf != 2)
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s:%llu: expected 2 fields (number,operator), found %d", name, ln,
                             nf);
    if (!st->header_checked) {
        st->header_checked = true;
        if (!has_digit(f[0].ptr, f[0].len))
            return 0;
    }
    if (mnp_number_parse(f[0].ptr, f[0].len, &num, &why) < 0)
        return mnp_error_set(err, MNP_EFORMAT, "%s:%llu: bad number \"%s\": %s", name, ln,
                             show(shown, sizeof(shown), f[0].ptr, f[0].len),
                             mnp_number_reason_str(why));
    mnp_numplan_classify(st->plan, &num, &info);
    if (!info.portable) /* RULE E06: only ordinary mobile numbers port */
        return mnp_error_set(err, MNP_EFORMAT, "%s:%llu: number \"%s\" is %s, not portable", name,
                             ln, show(shown, sizeof(shown), f[0].ptr, f[0].len),
                             numtype_phrase(info.type));
    mnp_operator_t oper = mnp_operator_parse(f[1].ptr, f[1].len);
    if (oper == MNP_OP_NONE)
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s:%llu: unknown operator \"%s\" (known: CMCC, CUCC, CTCC, CBN)",
                             name, ln, show(shown, sizeof(shown), f[1].ptr, f[1].len));
    rc = op_index(st, oper, &op);
    if (rc == 0)
        rc = mnp_npdb_builder_add_op(st->b, num.e164, op);
    if (rc == MNP_ERANGE)
        return mnp_error_set(err, rc, "%s:%llu: number \"%s\" cannot be held in the index", name,
                             ln, show(shown, sizeof(shown), f[0].ptr, f[0].len));
    if (rc < 0)
        return mnp_error_set(err, rc, "%s:%llu: %s", name, ln, mnp_strerror(rc));
    return 0;
}

/* Reads every line of in into st. 0, or a negative code with err set. */
static int build_read(build_state_t *st, cli_lines_t *in, cli_progress_t *bar, mnp_error_t *err)
{
    char *line;
    size_t len;
    int rc;

    while ((rc = cli_lines_next(in, MNP_CSV_LINE_MAX, &line, &len, err)) == 1) {
        rc = build_line(st, line, len, in->name, in->line_no, err);
        if (rc < 0)
            return rc;
        if ((in->line_no & BUILD_PROGRESS_EVERY) == 0)
            cli_progress_update(bar, in->bytes_read, in->line_no);
    }
    return rc;
}

static void print_summary(const char *output, const mnp_npdb_build_stats_t *s, double seconds)
{
    printf("%s: %llu entries, %llu bytes", output, (unsigned long long)s->entries,
           (unsigned long long)s->file_bytes);
    if (s->entries > 0)
        printf(" (%.2f bytes/entry)", (double)s->file_bytes / (double)s->entries);
    printf(", %llu duplicates, %.2f s\n", (unsigned long long)s->duplicates, seconds);
}

static int build_run(const char *input, const char *output, uint64_t seq)
{
    const mnp_clock_t *clock = mnp_clock_real();
    int64_t t0 = mnp_clock_mono_ns(clock);
    build_state_t st = {0};
    mnp_npdb_build_stats_t stats = {0};
    mnp_error_t err = {0};
    cli_lines_t in;
    cli_progress_t bar;
    int rc;

    rc = cli_lines_open(&in, input, &err);
    if (rc < 0)
        return cli_fail_error(rc, &err);
    rc = mnp_numplan_new(&st.plan);
    if (rc == 0)
        rc = mnp_npdb_builder_new(&st.b);
    if (rc < 0) {
        mnp_error_set(&err, rc, "%s", mnp_strerror(rc));
        goto fail;
    }
    cli_progress_start(&bar, "reading", in.size);
    rc = build_read(&st, &in, &bar, &err);
    if (rc < 0)
        goto fail;
    cli_progress_note(&bar, "writing index");
    rc = mnp_npdb_builder_write(st.b, output, seq, mnp_clock_now_ms(clock), &stats, &err);
    if (rc < 0)
        goto fail;
    cli_progress_end(&bar);
    print_summary(output, &stats, (double)(mnp_clock_mono_ns(clock) - t0) / 1e9);
    mnp_npdb_builder_free(st.b);
    mnp_numplan_free(st.plan);
    cli_lines_close(&in);
    return CLI_EXIT_OK;
fail:
    cli_progress_end(&bar);
    mnp_npdb_builder_free(st.b);
    mnp_numplan_free(st.plan);
    cli_lines_close(&in);
    return cli_fail_error(rc, &err);
}

int cli_npdb_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"input", required_argument, NULL, 'i'},
        {"output", required_argument, NULL, 'o'},
        {"seq", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *input = NULL, *output = NULL;
    uint64_t seq = 0;
    int c;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":i:o:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'i':
            input = optarg;
            break;
        case 'o':
            output = optarg;
            break;
        case 's':
            if (!cli_parse_u64(optarg, &seq))
                return cli_usage_error(BUILD_CMD, "--seq needs a non-negative integer, not '%s'",
                                       optarg);
            break;
        case 'h':
            fputs(build_help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(BUILD_CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(BUILD_CMD, "unexpected argument '%s'", argv[optind]);
    if (!input)
        return cli_usage_error(BUILD_CMD, "--input is required");
    if (!output)
        return cli_usage_error(BUILD_CMD, "--output is required");
    return build_run(input, output, seq);
}
