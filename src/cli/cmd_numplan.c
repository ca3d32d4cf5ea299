/*
 * `mnpctl numplan` and `mnpctl routing`: the number plan and the routing numbers of the
 * clearinghouse (SPEC.md §2). Both are imported from CSV files as a whole — a file replaces what
 * the store held, in one transaction, and a bad file changes nothing — and each import prints one
 * line saying what it added, removed and changed. The store is found through --db or MNP_DB.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mnp/number.h"
#include "mnp/numplan.h"
#include "mnp/routing.h"
#include "mnp/store_numplan.h"

static const char numplan_help[] =
    "Usage: mnpctl numplan import FILE [--db FILE]\n"
    "       mnpctl numplan show NUMBER [--db FILE]\n"
    "\n"
    "Manages the number plan of the clearinghouse: which range holder and local network each\n"
    "block (the first 7 digits of a number) belongs to.\n"
    "\n"
    "  import  replaces every stored block with those of FILE (CSV: block,holder,local_network,\n"
    "          header optional) and prints how many were added, removed and changed. A file\n"
    "          with any bad line changes nothing. Creates the database if it does not exist\n"
    "  show    prints what the plan says about NUMBER: range holder, number type, whether it\n"
    "          is portable, its block and the local network the store has for that block\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE  the clearinghouse database (default: $MNP_DB)\n"
    "  -h, --help     show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl numplan import data/blocks-demo.csv --db ch.db\n"
    "  mnpctl numplan show 13007311234 --db ch.db\n";

static const char routing_help[] =
    "Usage: mnpctl routing import FILE [--db FILE]\n"
    "       mnpctl routing list [--db FILE]\n"
    "\n"
    "Manages the routing numbers: for each operator and local network, the prefix that switches\n"
    "use to reach that operator's network in that area. How they are formed is configuration:\n"
    "mnp only requires 1 to 15 digits.\n"
    "\n"
    "  import  replaces every stored routing number with those of FILE (CSV:\n"
    "          operator,local_network,routing_number, header optional) and prints how many were\n"
    "          added, removed and changed. Operators must exist ('mnpctl operator add'); a\n"
    "          local network is 2-4 digits starting with 0; a pair may appear once. A file with\n"
    "          any bad line changes nothing\n"
    "  list    prints every routing number: operator, local network, routing number\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE  the clearinghouse database (default: $MNP_DB)\n"
    "  -h, --help     show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl routing import data/routing-demo.csv --db ch.db\n";

/* Parses --db and --help for cmd; returns -1 when parsing went through, else the exit status. */
static int parse_db(const char *cmd, const char *help, int argc, char **argv, const char **db)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    *db = getenv("MNP_DB");
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":d:h", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            *db = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(cmd, c, argv);
        }
    }
    if (*db == NULL || (*db)[0] == '\0')
        return cli_usage_error(cmd, "no database: pass --db FILE or set MNP_DB");
    return -1;
}

/* Runs fn in a write (write = true) or read transaction on the store at db. */
static int with_store(const char *db, bool create, bool write, mnp_store_fn fn, void *arg)
{
    mnp_error_t err = {0};
    int rc = cli_store_run(db, create, write, fn, arg, &err);
    return rc == 0 ? CLI_EXIT_OK : cli_fail_error(rc, &err);
}

static void print_diff(const char *what, size_t total, const char *path, const mnp_store_diff_t *d)
{
    printf("%s: %zu %s: %zu added, %zu removed, %zu changed, %zu unchanged\n", path, total, what,
           d->added, d->removed, d->changed, d->unchanged);
}

/* ---- numplan ------------------------------------------------------------------------------ */

typedef struct blocks_job {
    const mnp_numplan_t *plan;
    mnp_store_diff_t diff;
} blocks_job_t;

static int blocks_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    blocks_job_t *j = arg;
    return mnp_txn_blocks_replace(txn, j->plan, &j->diff, err);
}

static int numplan_import(const char *path, const char *db)
{
    mnp_error_t err = {0};
    mnp_numplan_t *plan;
    if (mnp_numplan_new(&plan) != 0)
        return cli_fail("out of memory");
    int rc = mnp_numplan_load_blocks_file(plan, path, &err);
    if (rc != 0) {
        mnp_numplan_free(plan);
        return cli_fail_error(rc, &err);
    }
    blocks_job_t job = {.plan = plan};
    int st = with_store(db, true, true, blocks_write, &job);
    if (st == CLI_EXIT_OK)
        print_diff("blocks", mnp_numplan_block_count(plan), path, &job.diff);
    mnp_numplan_free(plan);
    return st;
}

typedef struct show_job {
    uint32_t block;
    int rc; /* 0 found, MNP_ENOENT not stored */
    mnp_block_rec_t rec;
} show_job_t;

static int block_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    show_job_t *j = arg;
    j->rc = mnp_txn_block_get(txn, j->block, &j->rec, err);
    if (j->rc == MNP_ENOENT) {
        mnp_error_clear(err);
        return 0;
    }
    return j->rc;
}

static int numplan_show(const char *text, const char *db)
{
    mnp_number_t num;
    mnp_number_reason_t why;
    if (mnp_number_parse(text, strlen(text), &num, &why) != 0) {
        fputs("mnpctl: '", stderr);
        cli_put_sanitized(stderr, text, strnlen(text, MNP_NUMBER_INPUT_MAX));
        fprintf(stderr, "' is not a valid number: %s\n", mnp_number_reason_str(why));
        return CLI_EXIT_FAIL;
    }
    mnp_numplan_t *plan;
    if (mnp_numplan_new(&plan) != 0)
        return cli_fail("out of memory");
    mnp_numinfo_t info;
    mnp_numplan_classify(plan, &num, &info);
    mnp_numplan_free(plan);

    show_job_t job = {.block = info.block, .rc = MNP_ENOENT};
    if (info.block != 0) {
        int st = with_store(db, false, false, block_read, &job);
        if (st != CLI_EXIT_OK)
            return st;
    }
    char digits[MNP_NUMBER_STR_SIZE];
    printf("number         %s\n", mnp_number_format(&num, digits));
    const char *holder = job.rc == 0 ? job.rec.holder : mnp_operator_code(info.holder);
    printf("holder         %s\n", holder[0] ? holder : "-");
    printf("type           %s\n", mnp_numplan_type_name(info.type));
    printf("portable       %s\n", info.portable ? "yes" : "no");
    if (info.block != 0)
        printf("block          %u\n", (unsigned)info.block);
    else
        printf("block          -\n");
    printf("local_network  %s\n", job.rc == 0 ? job.rec.local_network : "- (not in the plan)");
    return CLI_EXIT_OK;
}

int cli_cmd_numplan(int argc, char **argv)
{
    int start = cli_group_start("numplan", numplan_help, argc, argv);
    if (start >= 0)
        return start;
    const char *sub = argv[1];
    bool import = strcmp(sub, "import") == 0;
    if (!import && strcmp(sub, "show") != 0)
        return cli_usage_error("numplan", "unknown numplan command '%s'", sub);
    const char *cmd = import ? "numplan import" : "numplan show";
    const char *db;
    int st = parse_db(cmd, numplan_help, argc - 1, argv + 1, &db);
    if (st >= 0)
        return st;
    if (argc - 1 - optind != 1)
        return cli_usage_error(cmd, import ? "needs exactly one FILE" : "needs exactly one NUMBER");
    const char *arg = argv[1 + optind];
    return import ? numplan_import(arg, db) : numplan_show(arg, db);
}

/* ---- routing ------------------------------------------------------------------------------ */

typedef struct routing_job {
    const mnp_routing_table_t *table;
    mnp_store_diff_t diff;
} routing_job_t;

static int routing_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    routing_job_t *j = arg;
    return mnp_txn_routing_replace(txn, j->table, &j->diff, err);
}

static int routing_import(const char *path, const char *db)
{
    mnp_error_t err = {0};
    mnp_routing_table_t table;
    mnp_routing_table_init(&table);
    int rc = mnp_routing_load_file(&table, path, &err);
    if (rc != 0)
        return cli_fail_error(rc, &err);
    routing_job_t job = {.table = &table};
    int st = with_store(db, false, true, routing_write, &job);
    if (st == CLI_EXIT_OK)
        print_diff("routing numbers", table.n, path, &job.diff);
    mnp_routing_table_fini(&table);
    return st;
}

static int print_routing(const mnp_routing_entry_t *e, void *arg)
{
    (void)arg;
    printf("%-15s %-4s %s\n", e->operator_code, e->local_network, e->routing_number);
    return 0;
}

static int routing_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_routing_each(txn, print_routing, arg, err);
}

int cli_cmd_routing(int argc, char **argv)
{
    int start = cli_group_start("routing", routing_help, argc, argv);
    if (start >= 0)
        return start;
    const char *sub = argv[1];
    bool import = strcmp(sub, "import") == 0;
    if (!import && strcmp(sub, "list") != 0)
        return cli_usage_error("routing", "unknown routing command '%s'", sub);
    const char *cmd = import ? "routing import" : "routing list";
    const char *db;
    int st = parse_db(cmd, routing_help, argc - 1, argv + 1, &db);
    if (st >= 0)
        return st;
    int nargs = argc - 1 - optind;
    if (!import) {
        if (nargs != 0)
            return cli_usage_error(cmd, "takes no arguments");
        return with_store(db, false, false, routing_read, NULL);
    }
    if (nargs != 1)
        return cli_usage_error(cmd, "needs exactly one FILE");
    return routing_import(argv[1 + optind], db);
}
