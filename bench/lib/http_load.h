/*
 * What the benchmarks that load a real mnpd over HTTP share: starting the daemon as a child
 * process and finding the port it listens on, and a keep-alive HTTP/1.1 client connection on
 * loopback that sends one request at a time and reads its answer whole.
 */
#ifndef MNP_BENCH_HTTP_LOAD_H
#define MNP_BENCH_HTTP_LOAD_H

#include <stddef.h>
#include <sys/types.h>

/* A child mnpd. */
typedef struct hl_daemon {
    pid_t pid;
    unsigned port;
} hl_daemon_t;

/* Runs argv (argv[0] a path) with stderr to log_path and waits up to 30 s for its logfmt line
 * msg="listening" ... addr=127.0.0.1:PORT. Returns 0, or -1 with a message on stderr (the
 * child is killed). */
int hl_daemon_start(char *const argv[], const char *log_path, hl_daemon_t *d);

/* SIGTERM and wait; returns the exit status (or -1). */
int hl_daemon_stop(hl_daemon_t *d);

/* One keep-alive client connection to 127.0.0.1:port. */
typedef struct hl_conn {
    int fd;
    unsigned port;
    char buf[65536]; /* the answer's head and body */
    size_t len;
} hl_conn_t;

void hl_conn_init(hl_conn_t *c, unsigned port);
void hl_conn_close(hl_conn_t *c);

/* Sends METHOD path with the Bearer key (NULL: none) and a JSON body (NULL: none) and reads the
 * answer. Returns its status, with *body pointing into c->buf (NUL-terminated) until the next
 * call, or -1 when the connection failed (it is closed; the next call reconnects). */
int hl_request(hl_conn_t *c, const char *method, const char *path, const char *key,
               const char *json, const char **body);

/* Runs the shell command cmd and copies the first line of its standard output (without the
 * newline) to out; -1 (with a message) when it fails or prints nothing. */
int hl_command_line(const char *cmd, char *out, size_t out_size);

#endif
