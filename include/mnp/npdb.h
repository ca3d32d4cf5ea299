/*
 * The ported-number index (NPDB): an immutable, compact map from ported numbers to their current
 * operator, stored as a snapshot file that is used in place through mmap. A number that is not in
 * the index is served by its range holder (SPEC.md §6); the index says nothing about it.
 *
 * Numbers are grouped into blocks (the number without its last 4 digits); within a block each
 * ported number costs 2 bytes (14-bit suffix, 2-bit operator) plus a small bucket table, so a
 * ported number takes a little over 2 bytes. The file format is in docs/npdb-format.md.
 *
 * An opened index is immutable: lookups take no lock and are safe from any number of threads.
 * mnp_npdb_view_t publishes newer versions atomically while readers keep using the one they hold.
 */
#ifndef MNP_NPDB_H
#define MNP_NPDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

#define MNP_NPDB_FORMAT_VERSION 1
#define MNP_NPDB_OPS_MAX        4     /* distinct operators one index can name (2-bit codes) */
#define MNP_NPDB_OP_CODE_MAX    8     /* operator code with its NUL */
#define MNP_NPDB_SPAN_MAX       65536 /* groups of 10^8 numbers between lowest and highest */

/* ---- reading ---------------------------------------------------------------------------- */

typedef struct mnp_npdb mnp_npdb_t;

enum {
    MNP_NPDB_OPEN_VERIFY = 1 << 0,   /* also check the body checksum (reads the whole file) */
    MNP_NPDB_OPEN_POPULATE = 1 << 1, /* fault every page in at open (MAP_POPULATE) */
};

/* Opens the snapshot file at path. Checks the header (magic, version, checksum) and that every
 * section lies inside the file, so lookups can never read outside it even if the body is corrupt;
 * with MNP_NPDB_OPEN_VERIFY the body checksum too. Returns 0, or MNP_ENOENT / MNP_EIO /
 * MNP_EFORMAT / MNP_EVERSION / MNP_ECHECKSUM with err set. Free with mnp_npdb_free. */
int mnp_npdb_open(const char *path, unsigned flags, mnp_npdb_t **out, mnp_error_t *err) MNP_WUR;

/* Unmaps and frees; NULL is a no-op. No lookup may be running on db. */
void mnp_npdb_free(mnp_npdb_t *db);

/* Checks the body checksum. MNP_ECHECKSUM with err set when it does not match. */
int mnp_npdb_verify(const mnp_npdb_t *db, mnp_error_t *err) MNP_WUR;

typedef struct mnp_npdb_info {
    uint32_t format_version;
    uint64_t seq;     /* change-feed sequence number the index reflects */
    uint64_t entries; /* ported numbers */
    uint64_t blocks;  /* blocks with at least one ported number */
    uint64_t file_bytes;
    int64_t created_ms; /* when it was built, Unix epoch ms */
    unsigned op_count;  /* operators named in the index */
} mnp_npdb_info_t;

void mnp_npdb_info(const mnp_npdb_t *db, mnp_npdb_info_t *out);

/* The code ("CUCC") of operator index op (1..op_count); NULL when out of range. Borrowed from db.
 */
const char *mnp_npdb_op_code(const mnp_npdb_t *db, unsigned op);

/* The operator index (1..op_count) of code, or 0 when the index does not name it. */
unsigned mnp_npdb_op_find(const mnp_npdb_t *db, const char *code);

/* The operator index (1..op_count) serving the ported number e164, or 0 when e164 is not in the
 * index (not ported, or not a number the index can hold). */
unsigned mnp_npdb_lookup(const mnp_npdb_t *db, uint64_t e164);

/* Looks up n numbers at once: ops[i] = mnp_npdb_lookup(db, keys[i]). Overlaps the memory accesses
 * of neighbouring keys, so it is several times faster per number than single lookups on a large
 * index. keys and ops must not overlap. */
void mnp_npdb_lookup_batch(const mnp_npdb_t *db, const uint64_t *keys, uint8_t *ops, size_t n);

/* ---- building --------------------------------------------------------------------------- */

typedef struct mnp_npdb_builder mnp_npdb_builder_t;

/* A new, empty builder. Free with mnp_npdb_builder_free. */
int mnp_npdb_builder_new(mnp_npdb_builder_t **out) MNP_WUR;
void mnp_npdb_builder_free(mnp_npdb_builder_t *b);

/* Adds e164 served by operator code op_code. A later add of the same number replaces an earlier
 * one (the last wins). MNP_ELIMIT when more than MNP_NPDB_OPS_MAX operators would be named,
 * MNP_ERANGE when e164 has fewer than 5 or more than 15 digits, MNP_EINVAL for an empty or too
 * long code. (mnp_npdb_builder_write refuses sets whose numbers span more than
 * MNP_NPDB_SPAN_MAX groups of 10^8 numbers: one country's mobile numbers always fit.) */
int mnp_npdb_builder_add(mnp_npdb_builder_t *b, uint64_t e164, const char *op_code) MNP_WUR;

/* Same with an operator index returned by mnp_npdb_builder_op (fast path for bulk loads). */
int mnp_npdb_builder_add_op(mnp_npdb_builder_t *b, uint64_t e164, unsigned op) MNP_WUR;

/* Registers op_code (if new) and returns its index (1..) in *op. */
int mnp_npdb_builder_op(mnp_npdb_builder_t *b, const char *op_code, unsigned *op) MNP_WUR;

/* Numbers added so far (duplicates included). */
size_t mnp_npdb_builder_count(const mnp_npdb_builder_t *b);

typedef struct mnp_npdb_build_stats {
    uint64_t entries;    /* distinct numbers written */
    uint64_t duplicates; /* adds that replaced an earlier add of the same number */
    uint64_t blocks;
    uint64_t file_bytes;
} mnp_npdb_build_stats_t;

/* Writes the index of everything added to path, atomically: a temporary file in the same
 * directory is written, fsynced and renamed over path, so readers see the old file or the new
 * one, never a part. seq is the feed sequence number it reflects, created_ms its build time.
 * stats may be NULL. The builder may be freed or added to afterwards. */
int mnp_npdb_builder_write(mnp_npdb_builder_t *b, const char *path, uint64_t seq,
                           int64_t created_ms, mnp_npdb_build_stats_t *stats,
                           mnp_error_t *err) MNP_WUR;

/* ---- publishing versions ---------------------------------------------------------------- */

/* Holds the current index and swaps in newer ones while readers run. Readers register once per
 * thread (a reader slot), then bracket each use with enter/leave; enter is a few atomic
 * operations and never blocks. publish swaps the pointer and frees the old index once no reader
 * that could see it is still inside. */
typedef struct mnp_npdb_view mnp_npdb_view_t;
typedef struct mnp_npdb_reader mnp_npdb_reader_t;

#define MNP_NPDB_VIEW_READERS_MAX 256

/* A view holding db (takes ownership; db may be NULL for "nothing yet"). */
int mnp_npdb_view_new(mnp_npdb_t *db, mnp_npdb_view_t **out) MNP_WUR;

/* Frees the view and the index it holds. No reader may be registered. */
void mnp_npdb_view_free(mnp_npdb_view_t *view);

/* A reader slot for the calling thread; MNP_ELIMIT when all MNP_NPDB_VIEW_READERS_MAX are taken. */
int mnp_npdb_view_reader(mnp_npdb_view_t *view, mnp_npdb_reader_t **out) MNP_WUR;

/* Returns the reader's slot to the view. The reader must not be inside. */
void mnp_npdb_view_reader_release(mnp_npdb_reader_t *r);

/* Starts a read: returns the current index (possibly NULL), valid until mnp_npdb_view_leave. */
const mnp_npdb_t *mnp_npdb_view_enter(mnp_npdb_reader_t *r);
void mnp_npdb_view_leave(mnp_npdb_reader_t *r);

/* Makes db (owned from now on) the current index, waits until no reader still uses the previous
 * one, frees it. One publisher at a time (publishers are serialised internally). */
void mnp_npdb_view_publish(mnp_npdb_view_t *view, mnp_npdb_t *db);

#endif
