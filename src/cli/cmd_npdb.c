/*
 * The `mnpctl npdb` command group: dispatch to build, lookup and stats, and the group's help.
 * Each subcommand lives in its own file (npdb_build.c, npdb_lookup.c, npdb_stats.c).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const char npdb_help[] =
    "Usage: mnpctl npdb [--help] COMMAND [ARGS...]\n"
    "\n"
    "Builds, queries and inspects ported-number index files (NPDB): compact, immutable maps from\n"
    "each ported number to the operator now serving it. A number not in the index is served by\n"
    "its range holder.\n"
    "\n"
    "Commands:\n"
    "  build     build an index file from a CSV of number,operator lines\n"
    "  lookup    answer which operator serves numbers, and whether they are ported\n"
    "  stats     show what an index file holds; --verify checks its checksum\n"
    "\n"
    "Options:\n"
    "  -h, --help  show this help and exit\n"
    "\n"
    "Run 'mnpctl npdb COMMAND --help' for the options of a command.\n"
    "\n"
    "Example:\n"
    "  mnpctl npdb build --input ported.csv --output ported.npdb\n"
    "  mnpctl npdb stats --db ported.npdb --verify\n";

int cli_cmd_npdb(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, "+:h", opts, NULL)) != -1) {
        if (c == 'h') {
            fputs(npdb_help, stdout);
            return CLI_EXIT_OK;
        }
        return cli_getopt_error("npdb", c, argv);
    }
    if (optind >= argc)
        return cli_usage_error("npdb", "no command given");

    const char *cmd = argv[optind];
    int sub_argc = argc - optind;
    char **sub_argv = argv + optind;
    if (strcmp(cmd, "build") == 0)
        return cli_npdb_build(sub_argc, sub_argv);
    if (strcmp(cmd, "lookup") == 0)
        return cli_npdb_lookup(sub_argc, sub_argv);
    if (strcmp(cmd, "stats") == 0)
        return cli_npdb_stats(sub_argc, sub_argv);
    return cli_usage_error("npdb", "unknown command '%s'", cmd);
}
