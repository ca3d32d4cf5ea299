/*
 * Routing numbers (SPEC.md §2): each (operator, local network) pair has a routing number, the
 * prefix that switches use to reach that operator's network in that area. How a routing number
 * is formed is configuration, not code: mnp only checks that it is 1-15 digits and takes the
 * values from a CSV file (operator,local_network,routing_number). This module holds such a table
 * in memory and parses the file; whether the operators exist is the store's concern
 * (store_numplan.h), since only the store knows them.
 */
#ifndef MNP_ROUTING_H
#define MNP_ROUTING_H

#include <stddef.h>
#include <stdio.h>

#include "mnp/error.h"
#include "mnp/numplan.h"

#define MNP_ROUTING_OPERATOR_MAX 16     /* operator code (2-15 upper-case letters/digits) + NUL */
#define MNP_ROUTING_NUMBER_MAX   16     /* routing number (1-15 digits) + NUL */
#define MNP_ROUTING_ROWS_MAX     100000 /* most entries one file or table may hold */

typedef struct mnp_routing_entry {
    char operator_code[MNP_ROUTING_OPERATOR_MAX];
    char local_network[MNP_LOCAL_NETWORK_MAX]; /* 2-4 digits starting with 0 */
    char routing_number[MNP_ROUTING_NUMBER_MAX];
    size_t line; /* the line of the file it came from; 0 when not from a file */
} mnp_routing_entry_t;

/* A list of entries, in the order they were added. Caller-allocated; init, then fini. */
typedef struct mnp_routing_table {
    mnp_routing_entry_t *v; /* owned */
    size_t n, cap;
    char *name; /* owned copy of the source's name for messages ("routing.csv"), or NULL */
} mnp_routing_table_t;

void mnp_routing_table_init(mnp_routing_table_t *t);

/* Frees what t owns and leaves it empty (as after init). */
void mnp_routing_table_fini(mnp_routing_table_t *t);

/* Checks one entry's fields: operator code 2-15 upper-case ASCII letters or digits, local network
 * 2-4 digits starting with 0, routing number 1-15 digits. MNP_EINVAL with err saying which field
 * is wrong (without a line number). */
int mnp_routing_entry_check(const char *operator_code, const char *local_network,
                            const char *routing_number, mnp_error_t *err) MNP_WUR;

/* Checks and appends one entry (strings borrowed; line as in mnp_routing_entry_t). Duplicates are
 * not looked for here (see mnp_routing_load, and the store refuses them). MNP_EINVAL from the
 * check, MNP_ELIMIT past MNP_ROUTING_ROWS_MAX. */
int mnp_routing_table_add(mnp_routing_table_t *t, const char *operator_code,
                          const char *local_network, const char *routing_number, size_t line,
                          mnp_error_t *err) MNP_WUR;

/* The routing number of operator_code in local_network, or NULL when t has none. The table is
 * small (operators times local networks): a scan. */
const char *mnp_routing_find(const mnp_routing_table_t *t, const char *operator_code,
                             const char *local_network);

/* Parses a routing CSV stream into t, which must be empty (just initialised). The header line
 * "operator,local_network,routing_number" is optional; blank lines are skipped. A malformed row,
 * a field that fails mnp_routing_entry_check, or a pair (operator, local network) given twice
 * refuses the whole file: t stays empty, err reads "name: line N: ..." and MNP_EFORMAT is
 * returned (MNP_EIO for a read error). name (borrowed) is copied into t->name on success. */
int mnp_routing_load(mnp_routing_table_t *t, FILE *in, const char *name, mnp_error_t *err) MNP_WUR;

/* Same, from a file path; a file that cannot be opened gives the errno-derived code with err
 * naming the path. */
int mnp_routing_load_file(mnp_routing_table_t *t, const char *path, mnp_error_t *err) MNP_WUR;

#endif
