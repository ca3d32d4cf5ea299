/*
 * mnpctl, the command-line tool for administrators and scripts (SPEC.md §1): the entry point
 * that dispatches to command groups, the top-level help, and the reporting conventions every
 * command shares — usage errors exit 2 with a hint, failures exit 1 with "mnpctl: <message>",
 * help goes to stdout and exits 0.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char top_help[] =
    "Usage: mnpctl [--help] [--version] COMMAND [ARGS...]\n"
    "\n"
    "Administers mnp, the mobile number portability platform.\n"
    "\n"
    "Commands:\n"
    "  npdb         build, query and inspect ported-number index files (NPDB)\n"
    "  operator     add operators to the clearinghouse, rotate their API keys, list them\n"
    "  regulator    add regulator credentials (read everything, change nothing)\n"
    "  replica      add lookup replica credentials (follow the NPDB's changes)\n"
    "  numplan      import the number plan (blocks) into the clearinghouse, show a number\n"
    "  routing      import and list routing numbers per operator and local network\n"
    "  audit        verify the audit log's hash chain, show its last records\n"
    "  subscribers  import an operator gateway's subscriber records (CSV)\n"
    "  agreements   import an operator gateway's term agreements (CSV)\n"
    "\n"
    "Options:\n"
    "  -h, --help     show this help and exit\n"
    "  -V, --version  show the version and exit\n"
    "\n"
    "Every command takes --help. Exit status: 0 done, 1 failed, 2 bad command line.\n"
    "\n"
    "Example:\n"
    "  mnpctl npdb build --input ported.csv --output ported.npdb\n"
    "  mnpctl npdb lookup --db ported.npdb 13012345678\n";

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    const char *sep = cmd[0] ? " " : "";

    fprintf(stderr, "mnpctl%s%s: ", sep, cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'mnpctl%s%s --help'.\n", sep, cmd);
    return CLI_EXIT_USAGE;
}

int cli_getopt_error(const char *cmd, int c, char **argv)
{
    /* getopt_long leaves the offending element just before optind (for a short option cluster
     * it is the cluster, so the character itself is taken from optopt). */
    const char *elem = optind > 0 ? argv[optind - 1] : "?";

    if (c == ':') {
        if (optopt && elem[0] == '-' && elem[1] != '-')
            return cli_usage_error(cmd, "option '-%c' needs a value", optopt);
        return cli_usage_error(cmd, "option '%s' needs a value", elem);
    }
    if (optopt && !(elem[0] == '-' && elem[1] == '-'))
        return cli_usage_error(cmd, "unknown option '-%c'", optopt);
    return cli_usage_error(cmd, "unknown option '%s'", elem);
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;

    fputs("mnpctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_EXIT_FAIL;
}

int cli_fail_error(int rc, const mnp_error_t *err)
{
    if (err && err->msg[0])
        return cli_fail("%s", err->msg);
    return cli_fail("%s", mnp_strerror(rc));
}

int cli_group_start(const char *group, const char *help, int argc, char **argv)
{
    if (argc < 2)
        return cli_usage_error(group, "no %s command given", group);
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help, stdout);
        return CLI_EXIT_OK;
    }
    return -1;
}

void cli_getopt_reset(void)
{
    /* glibc: 0 (not 1) also resets the scanning state left by a previous parse. */
    optind = 0;
    opterr = 0;
}

void cli_put_sanitized(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        fputc(ch < 0x20 || ch == 0x7f ? '?' : ch, out);
    }
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;

    if (!s[0])
        return false;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    int c;

    cli_getopt_reset();
    /* '+': stop at the command name, the rest of the line belongs to the command. */
    while ((c = getopt_long(argc, argv, "+:hV", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(top_help, stdout);
            return CLI_EXIT_OK;
        case 'V':
            printf("mnpctl %s\n", MNP_VERSION);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error("", c, argv);
        }
    }
    if (optind >= argc)
        return cli_usage_error("", "no command given");

    const char *cmd = argv[optind];
    if (strcmp(cmd, "npdb") == 0)
        return cli_cmd_npdb(argc - optind, argv + optind);
    if (strcmp(cmd, "operator") == 0)
        return cli_cmd_operator(argc - optind, argv + optind);
    if (strcmp(cmd, "regulator") == 0)
        return cli_cmd_regulator(argc - optind, argv + optind);
    if (strcmp(cmd, "replica") == 0)
        return cli_cmd_replica(argc - optind, argv + optind);
    if (strcmp(cmd, "numplan") == 0)
        return cli_cmd_numplan(argc - optind, argv + optind);
    if (strcmp(cmd, "routing") == 0)
        return cli_cmd_routing(argc - optind, argv + optind);
    if (strcmp(cmd, "audit") == 0)
        return cli_cmd_audit(argc - optind, argv + optind);
    if (strcmp(cmd, "subscribers") == 0)
        return cli_cmd_subscribers(argc - optind, argv + optind);
    if (strcmp(cmd, "agreements") == 0)
        return cli_cmd_agreements(argc - optind, argv + optind);
    if (strcmp(cmd, "help") == 0) {
        fputs(top_help, stdout);
        return CLI_EXIT_OK;
    }
    return cli_usage_error("", "unknown command '%s'", cmd);
}
