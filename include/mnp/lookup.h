/*
 * A lookup replica's table (SPEC.md §6): which operator serves each number now, as of a
 * sequence number of the clearinghouse's change feed. It is a base (an NPDB snapshot file, used
 * in place through mmap, see npdb.h) plus the changes applied since (a small hash table), both
 * immutable once published: every mnp_lookup_apply makes a new version and publishes it
 * atomically (rcu.h), so a reader never takes a lock and never sees half a batch of changes.
 *
 * The range holder of a number, its type and whether it ports come from the built-in number
 * plan (numplan.h); the table holds only who serves a ported number. A change naming the range
 * holder is a number that went back (a return or a reversal): it is ported no more.
 *
 * One writer (the feed follower) calls load/apply; any number of reader threads call get, each
 * with a reader slot of its own.
 */
#ifndef MNP_LOOKUP_H
#define MNP_LOOKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"
#include "mnp/npdb.h"
#include "mnp/numplan.h"
#include "mnp/operator.h"

typedef struct mnp_lookup mnp_lookup_t;
typedef struct mnp_lookup_reader mnp_lookup_reader_t;

#define MNP_LOOKUP_OPS_MAX 15 /* operator codes one table version can name */

/* An empty table at sequence 0: every number is served by its range holder. plan (borrowed; it
 * must outlive the table) is the number plan with the blocks that give numbers their local
 * networks; NULL: the built-in plan, without local networks. Free with mnp_lookup_free (no
 * reader may be registered then). */
int mnp_lookup_new(const mnp_numplan_t *plan, mnp_lookup_t **out) MNP_WUR;
void mnp_lookup_free(mnp_lookup_t *t);

/* Starts over from base (an opened snapshot; owned from now on, also on failure), which
 * reflects the feed up to its seq (npdb.h info): the changes applied so far that are newer than
 * base are kept (so a snapshot fetched while following the feed loses nothing); older ones go.
 * MNP_EINVAL when base names more than MNP_LOOKUP_OPS_MAX operators. */
int mnp_lookup_load(mnp_lookup_t *t, mnp_npdb_t *base, mnp_error_t *err) MNP_WUR;

/* One NPDB change of the feed: number e164 is served by operator op (a code) from seq on. */
typedef struct mnp_lookup_change {
    uint64_t seq;
    uint64_t e164;
    const char *op;
} mnp_lookup_change_t;

/* Applies changes[0..n) in order as one new version; the table then reflects the feed up to
 * upto_seq (>= every change's seq: a page of the feed may end with events that are not NPDB
 * changes). Changes at or below the table's sequence are skipped (a retry announces a change
 * again). MNP_EINVAL for a number that is not a China-profile number or an operator code of
 * more than 7 characters, MNP_ELIMIT past MNP_LOOKUP_OPS_MAX distinct operators; nothing is
 * applied then. */
int mnp_lookup_apply(mnp_lookup_t *t, const mnp_lookup_change_t *changes, size_t n,
                     uint64_t upto_seq, mnp_error_t *err) MNP_WUR;

/* Whether mnp_lookup_apply takes c: a number of the plan and an operator code of 1 to 7
 * characters. A replica drops (and logs) a change that is not, rather than stop at it. */
bool mnp_lookup_change_valid(const mnp_lookup_t *t, const mnp_lookup_change_t *c);

/* The sequence number the current version reflects, the number of changes held beside the base
 * (a replica fetches a new snapshot when these grow large), and the base's own sequence. The
 * writer's thread only (it reads the current version without a reader slot); readers get the
 * sequence number with each answer. */
typedef struct mnp_lookup_figures {
    uint64_t seq;
    uint64_t base_seq;
    uint64_t base_entries;
    uint64_t changes;
} mnp_lookup_figures_t;
void mnp_lookup_figures(mnp_lookup_t *t, mnp_lookup_figures_t *out);

/* A reader slot for the calling thread (at most MNP_RCU_READERS_MAX per table). */
int mnp_lookup_reader(mnp_lookup_t *t, mnp_lookup_reader_t **out) MNP_WUR;
void mnp_lookup_reader_release(mnp_lookup_reader_t *r);

/* What a lookup answers. */
typedef struct mnp_lookup_answer {
    bool known;    /* a number of a type the plan knows (a range holder, even if not portable) */
    bool portable; /* its type ports (E06) */
    bool ported;   /* served by another operator than its range holder */
    mnp_operator_t holder;
    char op[MNP_NPDB_OP_CODE_MAX];             /* the operator serving it now ("" when not known) */
    char local_network[MNP_LOCAL_NETWORK_MAX]; /* its block's, "" when the plan has no block */
    uint64_t seq;                              /* the feed sequence number the answer reflects */
} mnp_lookup_answer_t;

/* Who serves e164 now. Lock-free; n numbers at once through one version (all answers reflect
 * the same seq). */
void mnp_lookup_get(mnp_lookup_reader_t *r, const uint64_t *e164, size_t n,
                    mnp_lookup_answer_t *out);

#endif
