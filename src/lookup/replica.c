/*
 * replica.h: the snapshot, the journal and the feed, turned into versions of the lookup table.
 * Order of durability: a change is journaled (fsynced) before it is acknowledged, so what the
 * clearinghouse believes this replica applied survives a crash; it is applied to the table in
 * the same step, so readers see it no later than the acknowledgement.
 */
#include "mnp/replica.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnp/alloc.h"
#include "mnp/log.h"
#include "mnp/number.h"
#include "replicaInt.h"

#define CHANGES_MAX_DEF  262144
#define SNAPSHOT_MAX_DEF (UINT64_C(4) << 30)
#define PAGE_LIMIT       1000

struct mnp_replica {
    mnp_ch_client_t *ch;
    mnp_lookup_t *table;
    const mnp_clock_t *clock;
    uint64_t changes_max, snapshot_max;
    char snapshot_path[4096], tmp_path[4112], journal_path[4096];
    int journal_fd;
    bool has_snapshot;
    /* Figures, read by other threads for /metrics. */
    atomic_int_fast64_t lag_ms;
    atomic_uint_fast64_t snapshots, changes;
};

static int apply_batch(void *arg, const mnp_lookup_change_t *c, size_t n)
{
    mnp_replica_t *r = arg;
    mnp_error_t err = {0};
    return mnp_lookup_apply(r->table, c, n, c[n - 1].seq, &err);
}

/* Loads the snapshot file when there is one: a damaged one is an error, not a silent restart. */
static int load_snapshot_file(mnp_replica_t *r, mnp_error_t *err)
{
    if (access(r->snapshot_path, F_OK) != 0)
        return 0;
    mnp_npdb_t *db;
    int rc =
        mnp_npdb_open(r->snapshot_path, MNP_NPDB_OPEN_VERIFY | MNP_NPDB_OPEN_POPULATE, &db, err);
    if (rc == 0)
        rc = mnp_lookup_load(r->table, db, err);
    r->has_snapshot = rc == 0;
    return rc;
}

int mnp_replica_open(const mnp_replica_config_t *cfg, mnp_replica_t **out, mnp_error_t *err)
{
    *out = NULL;
    if (mkdir(cfg->dir, 0700) != 0 && errno != EEXIST)
        return mnp_error_set(err, MNP_EIO, "replica state directory %s: %s", cfg->dir,
                             strerror(errno));
    mnp_replica_t *r = mnp_xcalloc(1, sizeof(*r));
    r->ch = cfg->ch;
    r->table = cfg->table;
    r->clock = cfg->clock ? cfg->clock : mnp_clock_real();
    r->changes_max = cfg->changes_max ? cfg->changes_max : CHANGES_MAX_DEF;
    r->snapshot_max = cfg->snapshot_max ? cfg->snapshot_max : SNAPSHOT_MAX_DEF;
    r->journal_fd = -1;
    int rc = 0;
    if ((size_t)snprintf(r->snapshot_path, sizeof(r->snapshot_path), "%s/npdb.snapshot",
                         cfg->dir) >= sizeof(r->snapshot_path) ||
        (size_t)snprintf(r->journal_path, sizeof(r->journal_path), "%s/changes.journal",
                         cfg->dir) >= sizeof(r->journal_path))
        rc = mnp_error_set(err, MNP_EINVAL, "replica state directory name too long");
    snprintf(r->tmp_path, sizeof(r->tmp_path), "%s.tmp", r->snapshot_path);
    if (rc == 0)
        rc = load_snapshot_file(r, err);
    if (rc == 0)
        rc = journal_open(r->journal_path, &r->journal_fd, err);
    if (rc == 0) {
        mnp_lookup_figures_t f;
        mnp_lookup_figures(r->table, &f);
        rc = journal_replay(r->journal_fd, r->journal_path, f.base_seq, apply_batch, r, err);
    }
    if (rc != 0) {
        mnp_replica_free(r);
        return rc;
    }
    *out = r;
    return 0;
}

void mnp_replica_free(mnp_replica_t *r)
{
    if (r == NULL)
        return;
    if (r->journal_fd >= 0)
        close(r->journal_fd);
    free(r);
}

bool mnp_replica_has_snapshot(const mnp_replica_t *r)
{
    return r->has_snapshot;
}

int mnp_replica_snapshot(mnp_replica_t *r, mnp_error_t *err)
{
    int fd = open(r->tmp_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return mnp_error_set(err, MNP_EIO, "%s: %s", r->tmp_path, strerror(errno));
    int status = 0;
    char seq[32];
    int rc = mnp_ch_client_download(r->ch, "/v1/npdb/snapshot", fd, r->snapshot_max, 0, "X-MNP-Seq",
                                    seq, sizeof(seq), &status, err);
    if (rc == 0 && status != 200)
        rc = mnp_error_set(err, MNP_EIO, "the clearinghouse answered %d to GET /v1/npdb/snapshot",
                           status);
    if (rc == 0 && fsync(fd) != 0)
        rc = mnp_error_set(err, MNP_EIO, "%s: fsync: %s", r->tmp_path, strerror(errno));
    close(fd);
    /* Opened and checked before it replaces the one there: a bad download changes nothing. */
    mnp_npdb_t *db = NULL;
    if (rc == 0)
        rc = mnp_npdb_open(r->tmp_path, MNP_NPDB_OPEN_VERIFY | MNP_NPDB_OPEN_POPULATE, &db, err);
    if (rc == 0 && rename(r->tmp_path, r->snapshot_path) != 0)
        rc = mnp_error_set(err, MNP_EIO, "%s: %s", r->snapshot_path, strerror(errno));
    if (rc != 0) {
        mnp_npdb_free(db);
        unlink(r->tmp_path);
        return rc;
    }
    mnp_npdb_info_t info;
    mnp_npdb_info(db, &info);
    rc = mnp_lookup_load(r->table, db, err);
    /* The journal's changes are in the snapshot or newer ones come from the feed again. */
    if (rc == 0)
        rc = journal_clear(r->journal_fd, r->journal_path, err);
    if (rc == 0) {
        r->has_snapshot = true;
        atomic_fetch_add(&r->snapshots, 1);
        mnp_log(MNP_LOG_INFO, "replica loaded the clearinghouse's snapshot",
                MNP_KV(MNP_KV_U64("seq", info.seq), MNP_KV_U64("ported", info.entries),
                       MNP_KV_U64("bytes", info.file_bytes)));
    }
    return rc;
}

/* The NPDB changes of a feed page, in order; *next the position after it. */
static int read_page(const json_t *page, mnp_lookup_change_t **out, size_t *n, uint64_t *next,
                     int64_t *last_at_ms, mnp_error_t *err)
{
    const json_t *events = json_object_get(page, "events");
    const json_t *na = json_object_get(page, "next_after");
    if (!json_is_array(events) || !json_is_integer(na) || json_integer_value(na) < 0)
        return mnp_error_set(err, MNP_EIO, "the clearinghouse's feed page is not one");
    *next = (uint64_t)json_integer_value(na);
    *n = 0;
    *out = mnp_xcalloc(json_array_size(events) + 1, sizeof(**out));
    size_t i;
    const json_t *ev;
    json_array_foreach(events, i, ev)
    {
        const char *kind = json_string_value(json_object_get(ev, "kind"));
        const json_t *body = json_object_get(ev, "event");
        const char *number = json_string_value(json_object_get(body, "number"));
        const char *op = json_string_value(json_object_get(body, "operator"));
        json_int_t seq = json_integer_value(json_object_get(ev, "seq"));
        if (kind == NULL || strcmp(kind, "npdb") != 0)
            continue;
        mnp_number_t num;
        if (number == NULL || op == NULL || seq <= 0 ||
            mnp_number_parse(number, strlen(number), &num, NULL) != 0) {
            free(*out);
            *out = NULL;
            return mnp_error_set(err, MNP_EIO, "the clearinghouse's feed has a malformed change");
        }
        (*out)[(*n)++] = (mnp_lookup_change_t){.seq = (uint64_t)seq, .e164 = num.e164, .op = op};
        *last_at_ms = json_integer_value(json_object_get(ev, "at_ms"));
    }
    return 0;
}

int mnp_replica_poll(mnp_replica_t *r, unsigned wait_s, size_t *applied, mnp_error_t *err)
{
    *applied = 0;
    mnp_lookup_figures_t f;
    mnp_lookup_figures(r->table, &f);
    char path[128];
    snprintf(path, sizeof(path), "/v1/events?after=%llu&limit=%d&wait=%u",
             (unsigned long long)f.seq, PAGE_LIMIT, wait_s);
    int status = 0;
    json_t *page = NULL;
    int rc = mnp_ch_client_call(r->ch, "GET", path, NULL, &status, &page, err);
    if (rc == 0 && status != 200)
        rc = mnp_error_set(err, MNP_EIO, "the clearinghouse answered %d %s to GET /v1/events",
                           status, mnp_ch_problem_code(page));
    mnp_lookup_change_t *changes = NULL;
    size_t n = 0;
    uint64_t next = f.seq;
    int64_t last_at_ms = 0;
    if (rc == 0)
        rc = read_page(page, &changes, &n, &next, &last_at_ms, err);
    /* A change no table can hold (the clearinghouse sends none) is dropped and said, so that it
     * cannot stop the replica on this page for ever. */
    size_t kept = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        if (mnp_lookup_change_valid(r->table, &changes[i]))
            changes[kept++] = changes[i];
        else
            mnp_log(
                MNP_LOG_ERROR, "replica drops a change it cannot hold",
                MNP_KV(MNP_KV_U64("seq", changes[i].seq), MNP_KV_U64("number", changes[i].e164)));
    }
    n = rc == 0 ? kept : n;
    if (rc == 0)
        rc = journal_append(r->journal_fd, r->journal_path, changes, n, err);
    if (rc == 0 && next > f.seq)
        rc = mnp_lookup_apply(r->table, changes, n, next, err);
    if (rc == 0 && next > f.seq) {
        char body[64];
        snprintf(body, sizeof(body), "{\"seq\":%llu}", (unsigned long long)next);
        mnp_error_t aerr = {0};
        /* Not acknowledging is no harm: the clearinghouse asks again, and it is applied. */
        if (mnp_ch_client_call(r->ch, "POST", "/v1/events/ack", body, &status, NULL, &aerr) != 0 ||
            status != 200)
            mnp_log(MNP_LOG_WARN, "replica could not acknowledge the feed",
                    MNP_KV(MNP_KV_U64("seq", next), MNP_KV_I64("status", status),
                           MNP_KV_STR("error", aerr.msg)));
    }
    if (rc == 0) {
        *applied = n;
        atomic_fetch_add(&r->changes, n);
        /* Behind while a page comes back full: the lag is the age of what was just applied. */
        bool full = json_array_size(json_object_get(page, "events")) >= PAGE_LIMIT;
        atomic_store(&r->lag_ms,
                     full && last_at_ms > 0 ? mnp_clock_now_ms(r->clock) - last_at_ms : 0);
        mnp_lookup_figures(r->table, &f);
        if (f.changes > r->changes_max)
            rc = mnp_replica_snapshot(r, err);
    }
    free(changes);
    json_decref(page);
    return rc;
}

void mnp_replica_figures(mnp_replica_t *r, mnp_replica_figures_t *out)
{
    mnp_lookup_figures_t f;
    mnp_lookup_figures(r->table, &f);
    out->seq = f.seq;
    out->held_changes = f.changes;
    out->lag_ms = atomic_load(&r->lag_ms);
    out->snapshots = atomic_load(&r->snapshots);
    out->changes = atomic_load(&r->changes);
}
