/*
 * A lookup replica's link to the clearinghouse (SPEC.md §6): it starts from the NPDB snapshot
 * (GET /v1/npdb/snapshot), follows the change feed (GET /v1/events, long poll), applies every
 * NPDB change to its table (lookup.h), and acknowledges what it applied (POST /v1/events/ack,
 * with a replica's key: mnpctl replica add). Any number of replicas follow one clearinghouse.
 *
 * Its state lives in a directory of its own: the snapshot it started from (npdb.snapshot) and a
 * journal of the changes applied since (changes.journal: fixed records with a CRC, appended and
 * fsynced before a change is acknowledged). After a restart it loads both and resumes from the
 * sequence number it had reached, also when the clearinghouse cannot be reached (it then serves
 * what it has, and says so). When the changes held beside the snapshot grow past a bound it
 * starts over from a fresh snapshot, as it does when it has none.
 *
 * One thread drives a replica (open, snapshot, poll); readers use the table.
 */
#ifndef MNP_REPLICA_H
#define MNP_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "mnp/ch_client.h"
#include "mnp/clock.h"
#include "mnp/error.h"
#include "mnp/lookup.h"

typedef struct mnp_replica mnp_replica_t;

typedef struct mnp_replica_config {
    mnp_ch_client_t *ch;      /* borrowed: the clearinghouse, with the replica's key */
    mnp_lookup_t *table;      /* borrowed: what the replica fills */
    const char *dir;          /* its state directory (created when missing); copied */
    uint64_t changes_max;     /* a new snapshot past this many changes held; 0: 262144 */
    uint64_t snapshot_max;    /* the largest snapshot it downloads, bytes; 0: 4 GiB */
    const mnp_clock_t *clock; /* borrowed; NULL: the real clock */
} mnp_replica_config_t;

/* Makes the replica and loads the state found in cfg->dir into the table (a snapshot, then the
 * journal's changes newer than it). A torn last journal record (a crash while writing) is
 * dropped; any other damage is an error (MNP_EFORMAT / MNP_ECHECKSUM naming the file). */
int mnp_replica_open(const mnp_replica_config_t *cfg, mnp_replica_t **out,
                     mnp_error_t *err) MNP_WUR;
void mnp_replica_free(mnp_replica_t *r);

/* Whether a snapshot was loaded (from the directory or the clearinghouse). */
bool mnp_replica_has_snapshot(const mnp_replica_t *r);

/* Downloads the clearinghouse's snapshot into the directory (written whole, fsynced, renamed),
 * loads it into the table (changes applied since that are newer are kept) and empties the
 * journal of what the snapshot holds. MNP_EIO when the clearinghouse could not be asked or
 * refused (err says which). */
int mnp_replica_snapshot(mnp_replica_t *r, mnp_error_t *err) MNP_WUR;

/* One page of the feed after the table's sequence, waiting up to wait_s seconds for something
 * new: its NPDB changes are journaled, applied as one version and acknowledged. *applied counts
 * them. Then, when the changes held passed changes_max, a new snapshot. MNP_EIO when the
 * clearinghouse could not be read (the table is unchanged); other codes when the journal could
 * not be written (the page is not applied then). */
int mnp_replica_poll(mnp_replica_t *r, unsigned wait_s, size_t *applied, mnp_error_t *err) MNP_WUR;

/* What /metrics shows of a replica. */
typedef struct mnp_replica_figures {
    uint64_t seq;          /* the feed sequence number the table reflects */
    int64_t lag_ms;        /* how old the newest change applied was when applied while the
                            * feed still had more; 0 when caught up */
    uint64_t snapshots;    /* snapshots loaded since start */
    uint64_t changes;      /* NPDB changes applied since start */
    uint64_t held_changes; /* changes held beside the snapshot */
} mnp_replica_figures_t;
/* The thread that drives the replica only (see mnp_lookup_figures). */
void mnp_replica_figures(mnp_replica_t *r, mnp_replica_figures_t *out);

#endif
