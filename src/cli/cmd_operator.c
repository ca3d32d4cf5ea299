/*
 * `mnpctl operator` and `mnpctl regulator`: who may use the clearinghouse's API. An API key is
 * made here, printed once on standard output (alone, so that scripts can capture it) and only its
 * keyed hash is stored (SPEC.md §7); a lost key cannot be recovered, only rotated. The store and
 * the server's hashing key are found through --db and --key-file (or MNP_DB and MNP_KEY_FILE).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "mnp/clock.h"
#include "mnp/secret.h"
#include "mnp/store.h"
#include "mnp/store_audit.h"

static const char operator_help[] =
    "Usage: mnpctl operator add CODE --name NAME [--db FILE] [--key-file FILE]\n"
    "       mnpctl operator rotate-key CODE [--db FILE] [--key-file FILE]\n"
    "       mnpctl operator list [--db FILE]\n"
    "\n"
    "Manages the operators of the clearinghouse and their API keys.\n"
    "\n"
    "  add         creates operator CODE (2-15 upper-case letters or digits, e.g. CMCC) and\n"
    "              prints its new API key on standard output, once; creates the database if\n"
    "              it does not exist yet\n"
    "  rotate-key  prints a new API key for CODE; the old key stops working at once\n"
    "  list        prints every operator: code, name, creation time\n"
    "\n"
    "Only a keyed hash of each key is stored: keep the printed key, it cannot be shown again.\n"
    "Requests to the API carry it as 'Authorization: Bearer KEY'.\n"
    "\n"
    "Options:\n"
    "  -n, --name NAME      the operator's display name (add)\n"
    "  -d, --db FILE        the clearinghouse database (default: $MNP_DB)\n"
    "  -k, --key-file FILE  the server's hashing key (default: $MNP_KEY_FILE, else FILE.key\n"
    "                       beside the database; created with mode 0600 if missing). Keep it\n"
    "                       out of database backups: it is what makes the stored hashes useless\n"
    "                       to whoever steals them\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Example:\n"
    "  KEY=$(mnpctl operator add CMCC --name 'China Mobile' --db ch.db)\n";

static const char regulator_help[] =
    "Usage: mnpctl regulator add NAME [--db FILE] [--key-file FILE]\n"
    "\n"
    "Creates a regulator credential named NAME (2-15 upper-case letters or digits, e.g. MIIT) and\n"
    "prints its API key on standard output, once. A regulator reads every order, statistic and\n"
    "audit record and can change nothing but by reversing a wrong port.\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE        the clearinghouse database (default: $MNP_DB)\n"
    "  -k, --key-file FILE  the server's hashing key (see 'mnpctl operator --help')\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl regulator add MIIT --db ch.db\n";

static const char replica_help[] =
    "Usage: mnpctl replica add NAME [--db FILE] [--key-file FILE]\n"
    "\n"
    "Creates the credential of a lookup replica named NAME (2-15 upper-case letters or digits,\n"
    "e.g. LOOKUP1) and prints its API key on standard output, once. A replica (mnpd's [lookup]\n"
    "role) reads the NPDB snapshot and the change feed's NPDB changes, acknowledges what it\n"
    "applied as a consumer of its own, and can do nothing else; its acknowledgements never hold\n"
    "up a port.\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE        the clearinghouse database (default: $MNP_DB)\n"
    "  -k, --key-file FILE  the server's hashing key (see 'mnpctl operator --help')\n"
    "  -h, --help           show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl replica add LOOKUP1 --db ch.db > lookup1.key\n";

typedef struct admin_opts {
    const char *name;
    const char *db;
    const char *key_file;
    char key_path[4096];
} admin_opts_t;

/* Parses the options shared by these commands; returns -1 when parsing went through, else the
 * exit status (help shown, or a usage error). */
static int parse_opts(const char *cmd, const char *help, int argc, char **argv, admin_opts_t *o)
{
    static const struct option opts[] = {
        {"name", required_argument, NULL, 'n'},
        {"db", required_argument, NULL, 'd'},
        {"key-file", required_argument, NULL, 'k'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    o->db = getenv("MNP_DB");
    o->key_file = getenv("MNP_KEY_FILE");
    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":n:d:k:h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            o->name = optarg;
            break;
        case 'd':
            o->db = optarg;
            break;
        case 'k':
            o->key_file = optarg;
            break;
        case 'h':
            fputs(help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(cmd, c, argv);
        }
    }
    if (o->db == NULL || o->db[0] == '\0')
        return cli_usage_error(cmd, "no database: pass --db FILE or set MNP_DB");
    if (o->key_file == NULL || o->key_file[0] == '\0') {
        snprintf(o->key_path, sizeof(o->key_path), "%s.key", o->db);
        o->key_file = o->key_path;
    }
    return -1;
}

typedef struct cred_job {
    mnp_role_t role;
    const char *principal;
    const char *name; /* add an operator first when not NULL */
    bool replace;
    uint8_t hash[MNP_HASH_BYTES];
    int64_t now_ms;
} cred_job_t;

/* Appends the audit record of job (SPEC.md §8: administrative changes are audited too) in the
 * transaction that makes the change. The detail names the principal; never the key or its hash. */
static int cred_audit(mnp_txn_t *txn, const cred_job_t *j, mnp_error_t *err)
{
    const char *action = j->role == MNP_ROLE_REGULATOR ? "regulator.add"
                         : j->role == MNP_ROLE_REPLICA ? "replica.add"
                         : j->replace                  ? "operator.rotate_key"
                                                       : "operator.add";
    const char *name = j->name != NULL ? j->name : j->principal;
    mnp_operator_rec_t op;
    if (j->role == MNP_ROLE_OPERATOR && j->name == NULL) {
        int rc = mnp_txn_operator_get(txn, j->principal, &op, err);
        if (rc != 0)
            return rc;
        name = op.name;
    }
    json_t *detail = json_pack("{s:s}", "name", name);
    char *text = detail != NULL ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    if (text == NULL)
        return mnp_error_set(err, MNP_EINVAL, "the name of %s is not valid UTF-8", j->principal);
    int rc = mnp_txn_audit_append(txn, j->now_ms, "admin", action, j->principal, text, NULL, err);
    free(text);
    return rc;
}

static int cred_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    cred_job_t *j = arg;
    if (j->name != NULL) {
        int rc = mnp_txn_operator_add(txn, j->principal, j->name, j->now_ms, err);
        if (rc != 0)
            return rc;
    }
    int rc = mnp_txn_credential_add(txn, j->role, j->principal, j->hash, j->replace, j->now_ms,
                                    NULL, err);
    return rc != 0 ? rc : cred_audit(txn, j, err);
}

/* Makes a key for job, stores its hash (with the operator row when job->name is set) and prints
 * the key. The key is wiped from memory before returning. */
static int issue_key(const admin_opts_t *o, cred_job_t *job, bool create)
{
    mnp_error_t err = {0};
    mnp_hash_key_t key;
    char apikey[MNP_APIKEY_STR_SIZE];
    mnp_store_t *store = NULL;
    mnp_store_config_t cfg = {.url = o->db, .create = create, .readers = 1};

    int rc = mnp_crypto_init();
    if (rc != 0)
        return cli_fail("cannot initialise the crypto library");
    rc = mnp_store_open(&cfg, &store, &err);
    if (rc != 0)
        return cli_fail_error(rc, &err);
    rc = mnp_hash_key_load(o->key_file, true, &key, &err);
    if (rc != 0) {
        mnp_store_close(store);
        return cli_fail_error(rc, &err);
    }
    mnp_apikey_new(apikey);
    rc = mnp_apikey_hash(&key, apikey, job->hash);
    mnp_hash_key_wipe(&key);
    if (rc == 0) {
        job->now_ms = mnp_clock_now_ms(mnp_clock_real());
        rc = mnp_store_write(store, cred_write, job, &err);
    }
    mnp_store_close(store);
    if (rc == 0)
        printf("%s\n", apikey);
    mnp_memzero(apikey, sizeof(apikey));
    if (rc != 0)
        return cli_fail_error(rc, &err);
    if (fflush(stdout) != 0)
        return cli_fail("writing the key to standard output failed");
    return CLI_EXIT_OK;
}

static int print_operator(const mnp_operator_rec_t *op, void *arg)
{
    (void)arg;
    char when[MNP_TIME_STR_SIZE];
    printf("%-15s %-24s %s\n", op->code, mnp_time_format(op->created_ms, when), op->name);
    return 0;
}

static int list_operators(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_operator_each(txn, print_operator, arg, err);
}

static int operator_list(const admin_opts_t *o)
{
    mnp_error_t err = {0};
    int rc = cli_store_run(o->db, false, false, list_operators, NULL, &err);
    return rc == 0 ? CLI_EXIT_OK : cli_fail_error(rc, &err);
}

int cli_cmd_operator(int argc, char **argv)
{
    admin_opts_t o = {0};
    int start = cli_group_start("operator", operator_help, argc, argv);
    if (start >= 0)
        return start;
    const char *sub = argv[1];
    char cmd[32];
    snprintf(cmd, sizeof(cmd), "operator %s", sub);
    bool add = strcmp(sub, "add") == 0, rotate = strcmp(sub, "rotate-key") == 0;
    if (!add && !rotate && strcmp(sub, "list") != 0)
        return cli_usage_error("operator", "unknown operator command '%s'", sub);
    int st = parse_opts(cmd, operator_help, argc - 1, argv + 1, &o);
    if (st >= 0)
        return st;
    int nargs = argc - 1 - optind;
    if (!add && !rotate) {
        if (nargs != 0)
            return cli_usage_error(cmd, "takes no arguments");
        return operator_list(&o);
    }
    if (nargs != 1)
        return cli_usage_error(cmd, "needs exactly one operator CODE");
    const char *code = argv[1 + optind];
    if (!cli_valid_code(code))
        return cli_usage_error(cmd,
                               "'%s' is not an operator code (2-15 upper-case letters or "
                               "digits)",
                               code);
    if (add && (o.name == NULL || o.name[0] == '\0'))
        return cli_usage_error(cmd, "--name NAME is required");
    if (rotate && o.name != NULL)
        return cli_usage_error(cmd, "--name is only for 'operator add'");
    cred_job_t job = {.role = MNP_ROLE_OPERATOR,
                      .principal = code,
                      .name = add ? o.name : NULL,
                      .replace = rotate};
    return issue_key(&o, &job, add);
}

/* mnpctl regulator|replica add NAME: a credential of a role that is not an operator. */
static int named_credential(const char *group, const char *help, mnp_role_t role, int argc,
                            char **argv)
{
    admin_opts_t o = {0};
    char cmd[32];
    snprintf(cmd, sizeof(cmd), "%s add", group);
    int start = cli_group_start(group, help, argc, argv);
    if (start >= 0)
        return start;
    if (strcmp(argv[1], "add") != 0)
        return cli_usage_error(group, "unknown %s command '%s'", group, argv[1]);
    int st = parse_opts(cmd, help, argc - 1, argv + 1, &o);
    if (st >= 0)
        return st;
    if (o.name != NULL)
        return cli_usage_error(cmd, "--name is only for 'operator add'");
    if (argc - 1 - optind != 1)
        return cli_usage_error(cmd, "needs exactly one %s NAME", group);
    const char *name = argv[1 + optind];
    if (!cli_valid_code(name))
        return cli_usage_error(cmd, "'%s' is not a %s name (2-15 upper-case letters or digits)",
                               name, group);
    cred_job_t job = {.role = role, .principal = name};
    return issue_key(&o, &job, true);
}

int cli_cmd_regulator(int argc, char **argv)
{
    return named_credential("regulator", regulator_help, MNP_ROLE_REGULATOR, argc, argv);
}

int cli_cmd_replica(int argc, char **argv)
{
    return named_credential("replica", replica_help, MNP_ROLE_REPLICA, argc, argv);
}
