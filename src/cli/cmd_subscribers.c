/*
 * `mnpctl subscribers import` and `mnpctl agreements import`: an operator gateway's records
 * from the operator's billing system (SPEC.md §3-§4), read from CSV files (subscriber_csv.h)
 * into the gateway's store. A file is checked as a whole first; with any bad row every reported
 * row goes to stderr and nothing is imported, so the store never answers an eligibility query
 * from half a file. Imports add and update, they never delete: a subscriber who left is marked
 * by the port workflow, not by a missing line.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "mnp/alloc.h"
#include "mnp/clock.h"
#include "mnp/gateway.h"
#include "mnp/store_gateway.h"
#include "mnp/subscriber_csv.h"

#define FILE_MAX_BYTES (64u * 1024 * 1024) /* the parsers' limit; one byte more is read */

static const char subscribers_help[] =
    "Usage: mnpctl subscribers import --operator CODE FILE [--db FILE]\n"
    "\n"
    "Imports the subscriber records of operator CODE from its billing system into the operator\n"
    "gateway's database. Eligibility queries (CXXZ, SQXZ) are answered from these records.\n"
    "A subscriber already stored is replaced by the file's row; subscribers missing from the\n"
    "file are kept. FILE '-' reads standard input. The database is created if it does not exist.\n"
    "\n"
    "FILE is CSV (RFC 4180, UTF-8) with this header line and one subscriber per line:\n"
    "  number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen\n"
    "\n"
    "  number        13012345678, +8613012345678 or another written form; once per file\n"
    "  name          the registered name, 1-63 bytes\n"
    "  identity      18-character resident identity number (GB 11643 check digit checked)\n"
    "  registration  person, company or none (company numbers must be transferred first)\n"
    "  status        normal, lost or suspended\n"
    "  unpaid_fen    billed and unpaid charges in fen (1/100 yuan), 0 or more\n"
    "  last_port     date of the last port, YYYY-MM-DD (Beijing), or empty for never\n"
    "  services      what porting ends, separated by ';' (at most 8), or empty\n"
    "  balance_fen   prepaid balance in fen, 0 or more\n"
    "\n"
    "A file with any bad line imports nothing: every bad line is shown as FILE:LINE: reason\n"
    "(the first 20, and how many there were). On success one line says how many subscribers\n"
    "were added, changed and unchanged.\n"
    "\n"
    "Options:\n"
    "  -o, --operator CODE  the operator (tenant) the records belong to, e.g. CUCC\n"
    "  -d, --db FILE        the gateway's database (default: $MNP_DB)\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl subscribers import --operator CUCC subscribers.csv --db gw.db\n"
    "  printf 'number,name,identity,registration,status,unpaid_fen,last_port,services,"
    "balance_fen\\n13012345678,张三,11010519491231002X,person,normal,0,,,500\\n' |\n"
    "    mnpctl subscribers import --operator CUCC - --db gw.db\n";

static const char agreements_help[] =
    "Usage: mnpctl agreements import --operator CODE FILE [--db FILE]\n"
    "\n"
    "Imports the term agreements (在网约定) of operator CODE's subscribers into the operator\n"
    "gateway's database. Only an agreement with a term, in force, and recorded before the\n"
    "number's first eligibility query can block a port (SPEC §4, E04); one recorded later is\n"
    "reported to the regulator instead. Each agreement is recorded when it is first imported:\n"
    "importing the same agreement again changes nothing, so the whole file may be sent again.\n"
    "Every number must already be a subscriber ('mnpctl subscribers import'). FILE '-' reads\n"
    "standard input.\n"
    "\n"
    "FILE is CSV (RFC 4180, UTF-8) with this header line and one agreement per line:\n"
    "  number,name,start,end,fee_fen,has_term\n"
    "\n"
    "  number    the subscriber's number, any written form\n"
    "  name      what the subscriber knows it by, 1-95 bytes\n"
    "  start     first day in force, YYYY-MM-DD (Beijing)\n"
    "  end       last day in force (until 24:00), YYYY-MM-DD, not before start\n"
    "  fee_fen   early-termination fee in fen, 0 or more\n"
    "  has_term  yes for a term agreement, no for a promotion without one (never blocks)\n"
    "\n"
    "A file with any bad line imports nothing: every bad line is shown as FILE:LINE: reason.\n"
    "On success one line says how many agreements were added and how many were stored already.\n"
    "\n"
    "Options:\n"
    "  -o, --operator CODE  the operator (tenant) the agreements belong to, e.g. CUCC\n"
    "  -d, --db FILE        the gateway's database (default: $MNP_DB)\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl agreements import --operator CUCC agreements.csv --db gw.db\n";

typedef struct import_opts {
    const char *op;
    const char *db;
    const char *path;
    const char *name; /* the file as messages name it */
} import_opts_t;

/* Parses the command line of cmd; -1 when the import should run, else the exit status. */
static int parse_opts(const char *cmd, const char *help, int argc, char **argv, import_opts_t *o)
{
    static const struct option opts[] = {
        {"operator", required_argument, NULL, 'o'},
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    o->op = NULL;
    o->db = getenv("MNP_DB");
    cli_getopt_reset();
    /* No '+': FILE may come before the options, as in every example of the help. A lone '-'
     * is an argument to getopt, not an option. */
    while ((c = getopt_long(argc, argv, ":o:d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            o->op = optarg;
            break;
        case 'd':
            o->db = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(cmd, c, argv);
        }
    }
    if (o->op == NULL)
        return cli_usage_error(cmd, "no operator: pass --operator CODE");
    if (!cli_valid_code(o->op))
        return cli_usage_error(cmd, "operator '%s' is not 2-15 upper-case letters or digits",
                               o->op);
    if (o->db == NULL || o->db[0] == '\0')
        return cli_usage_error(cmd, "no database: pass --db FILE or set MNP_DB");
    if (argc - optind != 1)
        return cli_usage_error(cmd, "needs exactly one FILE ('-' for standard input)");
    o->path = argv[optind];
    o->name = strcmp(o->path, "-") == 0 ? "stdin" : o->path;
    return -1;
}

/* Reads the whole of path ("-": stdin), at most FILE_MAX_BYTES + 1 bytes so that the parser
 * sees a file that is too large as one. *text is caller-freed. */
static int read_file(const import_opts_t *o, char **text, size_t *len)
{
    int fd = strcmp(o->path, "-") == 0 ? STDIN_FILENO : open(o->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return cli_fail("%s: %s", o->name, strerror(errno));
    size_t cap = 64 * 1024, n = 0;
    char *buf = mnp_xmalloc(cap);
    int st = CLI_EXIT_OK;
    for (;;) {
        if (n == cap) {
            if (cap > FILE_MAX_BYTES)
                break;
            cap = cap * 2 > (size_t)FILE_MAX_BYTES + 1 ? (size_t)FILE_MAX_BYTES + 1 : cap * 2;
            buf = mnp_xrealloc(buf, cap);
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            st = cli_fail("%s: %s", o->name, strerror(errno));
            break;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (st != CLI_EXIT_OK) {
        free(buf);
        return st;
    }
    *text = buf;
    *len = n;
    return CLI_EXIT_OK;
}

/* Prints a refused file's report to stderr; returns CLI_EXIT_FAIL. */
static int print_report(const import_opts_t *o, const mnp_csv_report_t *rep)
{
    for (size_t i = 0; i < rep->nlines; i++) {
        cli_put_sanitized(stderr, rep->lines[i], strnlen(rep->lines[i], sizeof(rep->lines[i])));
        fputc('\n', stderr);
    }
    if (rep->bad_rows > rep->nlines)
        fprintf(stderr, "... and %zu more\n", rep->bad_rows - rep->nlines);
    fputs("mnpctl: ", stderr);
    cli_put_sanitized(stderr, o->name, strlen(o->name));
    fprintf(stderr, ": %zu bad line%s: nothing imported\n", rep->bad_rows,
            rep->bad_rows == 1 ? "" : "s");
    return CLI_EXIT_FAIL;
}

/* Runs fn in one write transaction on the gateway database (created if missing). */
static int write_store(const import_opts_t *o, mnp_store_fn fn, void *arg)
{
    mnp_error_t err = {0};
    int rc = cli_store_run(o->db, true, true, fn, arg, &err);
    if (rc == 0)
        return CLI_EXIT_OK;
    return cli_fail("%s: %s", o->name, err.msg[0] ? err.msg : mnp_strerror(rc));
}

/* What an import hands its store write, and what the write found. */
typedef struct import_job {
    const char *op;
    const void *rows; /* mnp_subscriber_row_t or mnp_agreement_row_t */
    size_t n;
    int64_t now_ms;
    size_t added, changed;
    size_t late; /* agreements: late ones queued for the regulator */
} import_job_t;

/* A file parser of subscriber_csv.h with the rows' type left out. */
typedef int (*parse_fn)(const char *text, size_t len, const char *name, void **rows, size_t *n,
                        mnp_csv_report_t *report);

/* Reads o's file and parses it with parse; when it is good, runs write with job (its rows
 * set) in one transaction. The exit status; job->n holds the file's rows. */
static int import_file(const import_opts_t *o, parse_fn parse, mnp_store_fn write,
                       import_job_t *job)
{
    char *text = NULL;
    size_t len = 0;
    int st = read_file(o, &text, &len);
    if (st != CLI_EXIT_OK)
        return st;
    void *rows;
    mnp_csv_report_t *rep = mnp_xmalloc(sizeof(*rep));
    int rc = parse(text, len, o->name, &rows, &job->n, rep);
    free(text);
    if (rc != 0)
        st = rc == MNP_EFORMAT ? print_report(o, rep) : cli_fail_error(rc, NULL);
    free(rep);
    if (rc != 0)
        return st;
    job->op = o->op;
    job->rows = rows;
    job->now_ms = mnp_clock_now_ms(mnp_clock_real());
    st = write_store(o, write, job);
    free(rows);
    return st;
}

/* The command GROUP import: its start, its options, then run(options). */
static int import_cmd(const char *group, const char *help, int argc, char **argv,
                      int (*run)(const import_opts_t *o))
{
    int start = cli_group_start(group, help, argc, argv);
    if (start >= 0)
        return start;
    if (strcmp(argv[1], "import") != 0)
        return cli_usage_error(group, "unknown %s command '%s'", group, argv[1]);
    char cmd[32];
    snprintf(cmd, sizeof(cmd), "%s import", group);
    import_opts_t o;
    int st = parse_opts(cmd, help, argc - 1, argv + 1, &o);
    return st >= 0 ? st : run(&o);
}

/* ---- subscribers -------------------------------------------------------------------------- */

static int subscribers_parse(const char *text, size_t len, const char *name, void **rows, size_t *n,
                             mnp_csv_report_t *report)
{
    mnp_subscriber_row_t *v;
    int rc = mnp_subscribers_parse(text, len, name, &v, n, report);
    *rows = v;
    return rc;
}

static int subscribers_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    import_job_t *j = arg;
    return mnp_txn_gw_subscribers_put(txn, j->op, j->rows, j->n, j->now_ms, &j->added, &j->changed,
                                      err);
}

static int subscribers_import(const import_opts_t *o)
{
    import_job_t job = {0};
    int st = import_file(o, subscribers_parse, subscribers_write, &job);
    if (st == CLI_EXIT_OK)
        printf("%s: %zu subscribers: %zu added, %zu changed, %zu unchanged\n", o->name, job.n,
               job.added, job.changed, job.n - job.added - job.changed);
    return st;
}

int cli_cmd_subscribers(int argc, char **argv)
{
    return import_cmd("subscribers", subscribers_help, argc, argv, subscribers_import);
}

/* ---- agreements --------------------------------------------------------------------------- */

static int agreements_parse(const char *text, size_t len, const char *name, void **rows, size_t *n,
                            mnp_csv_report_t *report)
{
    mnp_agreement_row_t *v;
    int rc = mnp_agreements_parse(text, len, name, &v, n, report);
    *rows = v;
    return rc;
}

static int agreements_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    import_job_t *j = arg;
    const mnp_agreement_row_t *rows = j->rows;
    int rc = mnp_txn_gw_agreements_add(txn, j->op, rows, j->n, j->now_ms, &j->added, err);
    /* RULE §3.1: one recorded after the number's first query is reported; the gateway's courier
     * takes the report to the clearinghouse. */
    if (rc == 0)
        rc = mnp_gw_late_agreements(txn, j->op, rows, j->n, j->now_ms, &j->late, err);
    return rc;
}

static int agreements_import(const import_opts_t *o)
{
    import_job_t job = {0};
    int st = import_file(o, agreements_parse, agreements_write, &job);
    if (st == CLI_EXIT_OK)
        printf("%s: %zu agreements: %zu added, %zu already stored\n", o->name, job.n, job.added,
               job.n - job.added);
    if (st == CLI_EXIT_OK && job.late > 0)
        printf("%s: %zu recorded after the number's first query: they never block, and the "
               "gateway reports them to the regulator\n",
               o->name, job.late);
    return st;
}

int cli_cmd_agreements(int argc, char **argv)
{
    return import_cmd("agreements", agreements_help, argc, argv, agreements_import);
}
