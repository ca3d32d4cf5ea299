/*
 * `mnpctl npdb stats`: shows what an index file holds (from its header, without reading the
 * body) and, with --verify, whether its body still matches its checksum — the check to run
 * before trusting a snapshot copied from elsewhere.
 */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "mnp/clock.h"
#include "mnp/npdb.h"

static const char stats_help[] =
    "Usage: mnpctl npdb stats --db FILE [--verify]\n"
    "\n"
    "Shows what a ported-number index file holds, one 'name  value' line each: the file, format\n"
    "version, change-feed sequence number, build time (RFC 3339, UTC), entries (ported numbers),\n"
    "blocks holding them, file bytes, bytes per entry and the operators it names.\n"
    "With --verify the whole body is read and checked against its checksum first; a mismatch\n"
    "prints 'mnpctl: ...' and exits 1, a match adds the line 'checksum  ok'.\n"
    "\n"
    "Options:\n"
    "  -d, --db FILE  the index file (required)\n"
    "  -v, --verify   check the body checksum\n"
    "  -h, --help     show this help and exit\n"
    "\n"
    "Example:\n"
    "  mnpctl npdb stats --db ported.npdb --verify\n";

#define STATS_CMD "npdb stats"

static void print_stats(const char *path, const mnp_npdb_t *db, bool verified)
{
    mnp_npdb_info_t info;
    char created[MNP_TIME_STR_SIZE];

    mnp_npdb_info(db, &info);
    printf("%-16s%s\n", "file", path);
    printf("%-16s%u\n", "format version", info.format_version);
    printf("%-16s%llu\n", "sequence", (unsigned long long)info.seq);
    printf("%-16s%s\n", "created", mnp_time_format(info.created_ms, created));
    printf("%-16s%llu\n", "entries", (unsigned long long)info.entries);
    printf("%-16s%llu\n", "blocks", (unsigned long long)info.blocks);
    printf("%-16s%llu\n", "file bytes", (unsigned long long)info.file_bytes);
    if (info.entries > 0)
        printf("%-16s%.2f\n", "bytes per entry", (double)info.file_bytes / (double)info.entries);
    else
        printf("%-16s-\n", "bytes per entry");
    printf("%-16s", "operators");
    for (unsigned op = 1; op <= info.op_count; op++)
        printf("%s%s", op > 1 ? " " : "", mnp_npdb_op_code(db, op));
    printf("%s\n", info.op_count == 0 ? "-" : "");
    if (verified)
        printf("%-16s%s\n", "checksum", "ok");
}

int cli_npdb_stats(int argc, char **argv)
{
    static const struct option opts[] = {
        {"db", required_argument, NULL, 'd'},
        {"verify", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    bool verify = false;
    mnp_npdb_t *db = NULL;
    mnp_error_t err = {0};
    int c, rc;

    cli_getopt_reset();
    while ((c = getopt_long(argc, argv, ":d:vh", opts, NULL)) != -1) {
        switch (c) {
        case 'd':
            path = optarg;
            break;
        case 'v':
            verify = true;
            break;
        case 'h':
            fputs(stats_help, stdout);
            return CLI_EXIT_OK;
        default:
            return cli_getopt_error(STATS_CMD, c, argv);
        }
    }
    if (optind < argc)
        return cli_usage_error(STATS_CMD, "unexpected argument '%s'", argv[optind]);
    if (!path)
        return cli_usage_error(STATS_CMD, "--db is required");

    rc = mnp_npdb_open(path, verify ? MNP_NPDB_OPEN_VERIFY : 0, &db, &err);
    if (rc < 0)
        return cli_fail_error(rc, &err);
    print_stats(path, db, verify);
    mnp_npdb_free(db);
    return CLI_EXIT_OK;
}
