/*
 * Private to the number plan: the packed form of one network-code entry, and the built-in China
 * table that fills it. Entries are indexed by the first five national digits (10000-19999), which
 * is the finest granularity the plan of SPEC.md §2 uses (1740(0-5)).
 */
#ifndef MNP_NUMPLAN_INT_H
#define MNP_NUMPLAN_INT_H

#include <stdint.h>

#include "mnp/numplan.h"

#define NUMPLAN_P5_MIN   10000u /* first 5-digit prefix of a national mobile number */
#define NUMPLAN_P5_COUNT 10000u /* 10000-19999 */

/* One byte per 5-digit prefix: holder in the low nibble, type in the high nibble. */
static inline uint8_t numplan_pack(mnp_operator_t holder, mnp_numtype_t type)
{
    return (uint8_t)((unsigned)holder | (unsigned)type << 4);
}

static inline mnp_operator_t numplan_holder(uint8_t packed)
{
    return (mnp_operator_t)(packed & 0x0f);
}

static inline mnp_numtype_t numplan_type(uint8_t packed)
{
    return (mnp_numtype_t)(packed >> 4);
}

/* Fills codes[p5 - NUMPLAN_P5_MIN] for every 5-digit prefix from the built-in China plan;
 * prefixes it does not name are MNP_NUMTYPE_UNKNOWN with holder MNP_OP_NONE. */
void mnp_numplan_china_fill(uint8_t codes[NUMPLAN_P5_COUNT]);

#endif
