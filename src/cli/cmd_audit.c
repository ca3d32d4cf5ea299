/*
 * `mnpctl audit`: the clearinghouse's audit log seen from the command line (SPEC.md §8).
 * `verify` proves the hash chain from record 1 to the head in one snapshot and names the first
 * record that breaks it; `tail` prints the last records. Both only read the store; the database
 * is never created here.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mnp/clock.h"
#include "mnp/store_audit.h"

static const char audit_help[] =
    "Usage: mnpctl audit verify [--db FILE]\n"
    "       mnpctl audit tail [--db FILE] [-n N]\n"
    "\n"
    "Reads the clearinghouse's audit log: one append-only, hash-chained record for every state\n"
    "change and every refused request.\n"
    "\n"
    "  verify  checks every record from the first to the last: its sequence number, that its\n"
    "          hash matches its content and that it links to the record before it. Prints the\n"
    "          number of records and the head hash (keep it: comparing it with a head recorded\n"
    "          earlier shows records cut off the end); exits 1 naming the first bad record\n"
    "  tail    prints the last N records, oldest first, one per line: seq, time, actor, action,\n"
    "          subject, detail\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE  the clearinghouse database (default: $MNP_DB)\n"
    "  -n, --lines N  records to print (tail; default 10)\n"
    "  -h, --help     show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl audit verify --db ch.db\n"
    "  mnpctl audit tail --db ch.db -n 50\n";

#define TAIL_DEFAULT 10
#define TAIL_MAX     1000000

typedef struct audit_opts {
    const char *db;
    uint64_t lines;
} audit_opts_t;

/* Parses the options of `audit SUB`; returns -1 when parsing went through, else the exit
 * status (help shown, or a usage error). */
static int parse_opts(const char *cmd, bool tail, int argc, char **argv, audit_opts_t *o)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"lines", required_argument, NULL, 'n'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    o->db = getenv("MNP_DB");
    o->lines = TAIL_DEFAULT;
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":d:n:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            o->db = optarg;
            break;
        case 'n':
            if (!tail)
                return cli_usage_error(cmd, "-n is only for 'audit tail'");
            if (!cli_parse_u64(optarg, &o->lines) || o->lines == 0 || o->lines > TAIL_MAX)
                return cli_usage_error(cmd, "-n needs a number of records from 1 to %d", TAIL_MAX);
            break;
        case 'h':
            fputs(audit_help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(cmd, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(cmd, "takes no arguments ('%s')", argv[optind]);
    if (o->db == NULL || o->db[0] == '\0')
        return cli_usage_error(cmd, "no database: pass --db FILE or set MNP_DB");
    return -1;
}

static int open_store(const audit_opts_t *o, mnp_store_t **store, mnp_error_t *err)
{
    mnp_store_config_t cfg = {.url = o->db, .readers = 1};
    return mnp_store_open(&cfg, store, err);
}

static int audit_verify(const audit_opts_t *o)
{
    mnp_error_t err = {0};
    mnp_store_t *store;
    mnp_audit_verify_result_t res;
    int rc = open_store(o, &store, &err);
    if (rc != 0)
        return cli_fail_error(rc, &err);
    rc = mnp_store_audit_verify(store, &res, &err);
    mnp_store_close(store);
    if (rc != 0 && res.first_bad != 0)
        return cli_fail("audit log: %s", err.msg);
    if (rc != 0)
        return cli_fail_error(rc, &err);
    printf("audit log: %llu records, head %s, chain intact\n", (unsigned long long)res.records,
           res.head_hex);
    if (fflush(stdout) != 0)
        return cli_fail("writing to standard output failed");
    return CLI_EXIT_OK;
}

/* Prints one field, quoting nothing: control bytes become '?' so a record cannot drive the
 * terminal. */
static void put_field(const char *s)
{
    cli_put_sanitized(stdout, s, strlen(s));
}

static int print_record(const mnp_audit_record_t *r, void *arg)
{
    (void)arg;
    char when[MNP_TIME_STR_SIZE];
    printf("%llu %s ", (unsigned long long)r->seq, mnp_time_format(r->at_ms, when));
    put_field(r->actor);
    putchar(' ');
    put_field(r->action);
    putchar(' ');
    put_field(r->subject[0] ? r->subject : "-");
    putchar(' ');
    put_field(r->detail[0] ? r->detail : "-");
    putchar('\n');
    return 0;
}

static int tail_in_txn(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    const audit_opts_t *o = arg;
    uint64_t last;
    int rc = mnp_txn_audit_head(txn, &last, NULL, err);
    if (rc != 0)
        return rc;
    uint64_t after = last > o->lines ? last - o->lines : 0;
    return mnp_txn_audit_each(txn, after, (unsigned)o->lines, print_record, NULL, NULL, err);
}

static int audit_tail(audit_opts_t *o)
{
    mnp_error_t err = {0};
    mnp_store_t *store;
    int rc = open_store(o, &store, &err);
    if (rc != 0)
        return cli_fail_error(rc, &err);
    rc = mnp_store_read(store, tail_in_txn, o, &err);
    mnp_store_close(store);
    if (rc != 0)
        return cli_fail_error(rc, &err);
    if (fflush(stdout) != 0)
        return cli_fail("writing to standard output failed");
    return CLI_EXIT_OK;
}

int cli_cmd_audit(int argc, char **argv)
{
    audit_opts_t o = {0};
    int start = cli_group_start("audit", audit_help, argc, argv);
    if (start >= 0)
        return start;
    const char *sub = argv[1];
    bool verify = strcmp(sub, "verify") == 0, tail = strcmp(sub, "tail") == 0;
    if (!verify && !tail)
        return cli_usage_error("audit", "unknown audit command '%s'", sub);
    int st = parse_opts(verify ? "audit verify" : "audit tail", tail, argc - 1, argv + 1, &o);
    if (st >= 0)
        return st;
    return verify ? audit_verify(&o) : audit_tail(&o);
}
