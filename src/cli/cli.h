/*
 * Private interface of mnpctl: the command entry points, the conventions every command shares
 * (exit statuses, how usage errors and library errors are reported, operator codes, running one
 * transaction on a store), the fast line reader that
 * the bulk commands read their input with, and the progress bar. Nothing here is a library API.
 */
#ifndef MNP_CLI_H
#define MNP_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mnp/error.h"
#include "mnp/store.h"

/* MNP_VERSION is the CMake project version, passed by tools/CMakeLists.txt. */
#ifndef MNP_VERSION
#error "MNP_VERSION must be defined by the build"
#endif

/* Exit statuses of every mnpctl command. */
enum {
    CLI_EXIT_OK = 0,    /* done */
    CLI_EXIT_FAIL = 1,  /* the command ran and failed (bad input, library error, invalid numbers) */
    CLI_EXIT_USAGE = 2, /* the command line itself is wrong */
};

/* ---- commands (argv[0] is the command's own name) ----------------------------------------- */

int cli_cmd_npdb(int argc, char **argv);
int cli_npdb_build(int argc, char **argv);
int cli_npdb_lookup(int argc, char **argv);
int cli_npdb_stats(int argc, char **argv);
int cli_cmd_operator(int argc, char **argv);
int cli_cmd_regulator(int argc, char **argv);
int cli_cmd_replica(int argc, char **argv);
int cli_cmd_numplan(int argc, char **argv);
int cli_cmd_routing(int argc, char **argv);
int cli_cmd_audit(int argc, char **argv);
int cli_cmd_subscribers(int argc, char **argv);
int cli_cmd_agreements(int argc, char **argv);

/* ---- reporting --------------------------------------------------------------------------- */

/* Prints "mnpctl <cmd>: <message>" and the hint "Try 'mnpctl <cmd> --help'." to stderr and returns
 * CLI_EXIT_USAGE. cmd is the command path without the program name ("npdb build"), or "" for
 * mnpctl itself. */
int cli_usage_error(const char *cmd, const char *fmt, ...) MNP_PRINTF(2, 3);

/* Reports the getopt_long result c ('?' unknown option, ':' missing value) for argv as a usage
 * error of cmd; returns CLI_EXIT_USAGE. Needs opterr = 0 and an optstring starting with ':'. */
int cli_getopt_error(const char *cmd, int c, char **argv);

/* Prints "mnpctl: <message>" to stderr and returns CLI_EXIT_FAIL. */
int cli_fail(const char *fmt, ...) MNP_PRINTF(1, 2);

/* Prints "mnpctl: <err->msg>" (or the text of rc when err holds no message) and returns
 * CLI_EXIT_FAIL. */
int cli_fail_error(int rc, const mnp_error_t *err);

/* The start every command group shares (argv[0] is the group's name): no subcommand is a usage
 * error ("no GROUP command given"), --help or -h prints help. Returns -1 when argv[1] names a
 * subcommand to run, else the exit status to return. */
int cli_group_start(const char *group, const char *help, int argc, char **argv);

/* Resets getopt_long so that a command can parse its own argv from the start. */
void cli_getopt_reset(void);

/* Writes s[0..len) to out with control bytes replaced by '?', so that echoing untrusted input
 * cannot move a terminal's cursor or change its state. */
void cli_put_sanitized(FILE *out, const char *s, size_t len);

/* Parses a decimal unsigned 64-bit integer (the whole string); false if it is not one. */
bool cli_parse_u64(const char *s, uint64_t *out);

/* Whether s is an operator code or regulator name as mnpctl takes them: 2 to
 * MNP_STORE_CODE_MAX - 1 upper-case ASCII letters or digits. */
bool cli_valid_code(const char *s);

/* Opens the store at db (created when missing if create), runs fn in one write (write = true)
 * or read transaction and closes the store: 0, or the negative MNP_E* code with err set. */
int cli_store_run(const char *db, bool create, bool write, mnp_store_fn fn, void *arg,
                  mnp_error_t *err) MNP_WUR;

/* ---- fast line reader -------------------------------------------------------------------- */

/* Reads a file or stdin line by line through one large buffer with read(2). Lines are returned
 * in place (not NUL-terminated, writable, "\n" and a trailing "\r" removed) and stay valid until
 * the next call. Much faster than stdio for the hundred-million-line files npdb build takes. */
typedef struct cli_lines {
    int fd;
    bool owns_fd;
    char *buf; /* owned */
    size_t cap;
    size_t start;        /* first unreturned byte */
    size_t end;          /* end of the bytes read */
    size_t complete_end; /* one past the last '\n' in buf[0..end), 0 if none */
    bool eof;
    uint64_t line_no;    /* number of the line last returned, 1-based */
    uint64_t bytes_read; /* bytes read from the file so far */
    uint64_t size;       /* file size when known (regular file), else 0 */
    const char *name;    /* for messages, borrowed */
} cli_lines_t;

/* Opens path ("-" for stdin) for reading. name is used in messages. MNP_ENOENT / MNP_EIO with err
 * set on failure. Release with cli_lines_close. */
int cli_lines_open(cli_lines_t *r, const char *path, mnp_error_t *err) MNP_WUR;
void cli_lines_close(cli_lines_t *r);

/* Next line: 1 with *line and *len set, 0 at end of input, or MNP_ELIMIT (a line longer than
 * max_len bytes) / MNP_EIO with err set, naming the file and line. */
int cli_lines_next(cli_lines_t *r, size_t max_len, char **line, size_t *len,
                   mnp_error_t *err) MNP_WUR;

/* Whether the next cli_lines_next can return a line (or the end) without reading, i.e. without
 * waiting for a slow writer: callers answer what they have before it would block. */
bool cli_lines_pending(const cli_lines_t *r);

/* ---- progress bar ------------------------------------------------------------------------ */

/* A one-line progress bar on stderr, drawn only when stderr is a terminal and redrawn at most
 * ten times a second, so that calling update often costs one clock read. */
typedef struct cli_progress {
    bool enabled;
    const char *label; /* borrowed */
    uint64_t total;    /* bytes expected, 0 when unknown (a pipe) */
    int64_t start_ns;
    int64_t last_ns;
    bool drawn;
} cli_progress_t;

/* Starts a bar named label over total bytes (0 = unknown). Enabled iff stderr is a terminal. */
void cli_progress_start(cli_progress_t *p, const char *label, uint64_t total);

/* Redraws with done bytes and items processed, if 100 ms have passed since the last draw. */
void cli_progress_update(cli_progress_t *p, uint64_t done, uint64_t items);

/* Shows a phase that has no progress to measure ("writing index"), replacing the bar. */
void cli_progress_note(cli_progress_t *p, const char *what);

/* Erases the bar so that the next output starts on a clean line. */
void cli_progress_end(cli_progress_t *p);

/* Formats one frame of the bar into buf (for the drawing code and for tests by eye): label,
 * a 30-column bar and percentage when total is known, bytes, items and elapsed seconds. */
void cli_progress_format(char *buf, size_t size, const char *label, uint64_t total, uint64_t done,
                         uint64_t items, double seconds);

#endif
