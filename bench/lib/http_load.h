/*
 * What the benchmarks that load a real mnpd over HTTP share: setting up a clearinghouse store
 * with mnpctl, starting the daemon as a child process and finding the port it listens on, a
 * keep-alive HTTP/1.1 client connection on loopback that sends one request at a time and reads
 * its answer whole, and a load phase run by concurrent clients with its rate and latencies.
 */
#ifndef MNP_BENCH_HTTP_LOAD_H
#define MNP_BENCH_HTTP_LOAD_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
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

/* Starts bin/mnpd --config conf as hl_daemon_start does. */
int hl_mnpd_start(const char *bin, const char *conf, const char *log_path, hl_daemon_t *d);

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

/* A load phase: clients send requests 0 .. limit-1 (each one once) until they are all sent or
 * the time is up. send makes request i on c and returns its status (-1 when the connection
 * failed); a status equal to want counts as done, 5xx and failures as failed, the rest refused. */
typedef struct hl_phase {
    const char *name; /* what the printed line calls it */
    const char *verb; /* "durable", "answered" */
    unsigned port;
    uint64_t limit;
    int want;
    int (*send)(hl_conn_t *c, uint64_t i, void *arg);
    void *arg;
    /* filled by hl_phase_run */
    int64_t end_ns;
    atomic_uint_fast64_t next, done, refused, failed;
    int64_t *lat;
} hl_phase_t;

/* Runs ph with clients concurrent connections for at most seconds, prints its line and
 * latency percentiles, and returns the rate of done requests per second. */
double hl_phase_run(hl_phase_t *ph, uint64_t clients, uint64_t seconds);

/* GET /healthz from clients connections to port for seconds: what the same clients and server
 * do with a request that writes nothing, the ceiling this machine puts on any figure over HTTP.
 * Prints its line and returns the rate. */
double hl_http_ceiling(unsigned port, uint64_t clients, uint64_t seconds);

/* A clearinghouse store at db made with the real mnpctl in bin: the four operators (their API
 * keys in keys, in the order CMCC, CUCC, CTCC, CBN), the demo number plan and routing numbers of
 * src/data. -1 (with a message) on failure. */
int hl_clearinghouse_setup(const char *bin, const char *src, const char *db, char keys[4][128]);

/* The demo plan's China Unicom blocks in Changsha (0731), at most 64; returns how many. */
size_t hl_cucc_changsha_blocks(const char *src, uint32_t blocks[64]);

/* Subscriber i of the benchmarks' China Unicom population in those blocks: a number (10,000 per
 * block, then the blocks again) and a valid identity number. */
void hl_cucc_subscriber(const uint32_t *blocks, size_t nblocks, uint64_t i, char num[16],
                        char id[19]);

/* Writes subscribers 0 .. count-1 (named 张三, every unpaid_every-th with a bill unpaid; 0:
 * none) to csv and imports them for CUCC into the gateway store db with bin/mnpctl. -1 (with a
 * message) on failure. */
int hl_cucc_subscribers_import(const char *bin, const char *csv, const char *db,
                               const uint32_t *blocks, size_t nblocks, uint64_t count,
                               unsigned unpaid_every);

#endif
