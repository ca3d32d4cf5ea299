/*
 * The number plan of the China profile (SPEC.md §2): which operator each network code was
 * allocated to (the range holder), which number types may be ported, and which local network
 * (本地网) each block — a 7-digit national prefix of 10,000 numbers — belongs to. Network codes are
 * built in; blocks come from a CSV file (block,holder,local_network).
 * A plan is immutable once loaded and may be read from any number of threads.
 */
#ifndef MNP_NUMPLAN_H
#define MNP_NUMPLAN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mnp/error.h"
#include "mnp/number.h"
#include "mnp/operator.h"

#define MNP_LOCAL_NETWORK_MAX 8 /* longest local network code ("0731") with its NUL */

typedef enum mnp_numtype {
    MNP_NUMTYPE_UNKNOWN = 0, /* not allocated in the built-in plan */
    MNP_NUMTYPE_MOBILE,      /* ordinary mobile: portable */
    MNP_NUMTYPE_SATELLITE,   /* 1349, 174x: not portable */
    MNP_NUMTYPE_MVNO,        /* resale: 162, 165, 167, 170, 171: not portable */
    MNP_NUMTYPE_IOT,         /* 140-144, 146, 148 and 13-digit IoT: not portable */
    MNP_NUMTYPE_DATA,        /* data-only: 145, 147, 149: not portable */
} mnp_numtype_t;

/* What the plan says about one number. */
typedef struct mnp_numinfo {
    mnp_operator_t holder; /* range holder; MNP_OP_NONE for unknown types */
    mnp_numtype_t type;
    bool portable;    /* RULE E06: only ordinary mobile numbers port */
    uint32_t block;   /* 7-digit national prefix, e.g. 1301234 (0 for IoT numbers) */
    bool block_known; /* the block is in the loaded block file */
    char local_network[MNP_LOCAL_NETWORK_MAX]; /* e.g. "0731"; "" when the block is not known */
} mnp_numinfo_t;

typedef struct mnp_numplan mnp_numplan_t;

/* Creates a plan with the built-in network codes and no blocks. Free with mnp_numplan_free. */
int mnp_numplan_new(mnp_numplan_t **out) MNP_WUR;

/* Frees the plan; NULL is a no-op. */
void mnp_numplan_free(mnp_numplan_t *plan);

/* Loads blocks from a CSV stream (header line "block,holder,local_network" optional). Each row:
 * a 7-digit block, an operator code, and a local network code (2-4 digits starting with 0). A row
 * whose holder disagrees with the built-in plan for its network code, a block of a non-portable
 * type, a duplicate block or a malformed row is refused: nothing is loaded, err names the line
 * and reason ("name: line N: ..."), and MNP_EFORMAT is returned (MNP_EIO for a read error).
 * Blank lines are skipped. Blocks add to those already loaded; one loaded before is a duplicate
 * too. `name` is used in messages (e.g. the file path). */
int mnp_numplan_load_blocks(mnp_numplan_t *plan, FILE *in, const char *name,
                            mnp_error_t *err) MNP_WUR;

/* Same, from a file path; a file that cannot be opened gives the errno-derived code (MNP_ENOENT,
 * ...) with err naming the path. */
int mnp_numplan_load_blocks_file(mnp_numplan_t *plan, const char *path, mnp_error_t *err) MNP_WUR;

/* Classifies n; always fills *out. */
void mnp_numplan_classify(const mnp_numplan_t *plan, const mnp_number_t *n, mnp_numinfo_t *out);

/* The range holder of n by the built-in plan (MNP_OP_NONE if its network code is not allocated). */
mnp_operator_t mnp_numplan_holder(const mnp_numplan_t *plan, const mnp_number_t *n);

/* A stable machine-readable name for t ("mobile", "satellite", "mvno", "iot", "data",
 * "unknown"); never NULL. */
const char *mnp_numplan_type_name(mnp_numtype_t t);

/* Number of blocks loaded. */
size_t mnp_numplan_block_count(const mnp_numplan_t *plan);

/* The i-th loaded block in ascending order (i < mnp_numplan_block_count); for generators and
 * demos. */
void mnp_numplan_block_at(const mnp_numplan_t *plan, size_t i, uint32_t *block,
                          mnp_operator_t *holder, const char **local_network);

#endif
