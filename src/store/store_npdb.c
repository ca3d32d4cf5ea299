/*
 * Building the NPDB snapshot file over the store, whatever the backend: the rows and the feed
 * seq stamped on the file are read in one read snapshot, so a consumer that loads the file and
 * continues the feed after that seq misses no change and sees none twice, however busy the
 * writer is meanwhile.
 */
#include "mnp/store_npdb.h"

typedef struct snapshot_job {
    const char *path;
    int64_t created_ms;
    uint64_t *seq_out;
    mnp_npdb_build_stats_t *stats;
} snapshot_job_t;

static int snapshot_read(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    snapshot_job_t *j = arg;
    return mnp_txn_npdb_snapshot(txn, j->path, j->created_ms, j->seq_out, j->stats, err);
}

int mnp_store_npdb_snapshot(mnp_store_t *store, const char *path, int64_t created_ms,
                            uint64_t *seq_out, mnp_npdb_build_stats_t *stats, mnp_error_t *err)
{
    snapshot_job_t j = {path, created_ms, seq_out, stats};
    return mnp_store_read(store, snapshot_read, &j, err);
}
