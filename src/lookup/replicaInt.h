/*
 * Private to the lookup area: the replica's journal (replica_journal.c).
 */
#ifndef MNP_REPLICA_INT_H
#define MNP_REPLICA_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/lookup.h"

/* Opens (creating) the journal at path for appending. */
int journal_open(const char *path, int *fd, mnp_error_t *err);

/* Hands every record with seq > after to apply, in order and in batches; drops a torn last
 * record. MNP_ECHECKSUM for a damaged record, MNP_EFORMAT when apply refuses one. */
int journal_replay(int fd, const char *path, uint64_t after,
                   int (*apply)(void *arg, const mnp_lookup_change_t *c, size_t n), void *arg,
                   mnp_error_t *err);

/* Appends c[0..n) and fsyncs. */
int journal_append(int fd, const char *path, const mnp_lookup_change_t *c, size_t n,
                   mnp_error_t *err);

/* Empties the journal (durably). */
int journal_clear(int fd, const char *path, mnp_error_t *err);

#endif
