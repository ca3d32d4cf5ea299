/*
 * Telephone numbers of the China profile (SPEC.md §2). Every accepted written form becomes one
 * canonical value: the E.164 digits without '+', kept as an integer (8613012345678) and shown as
 * that digit string. Anything else is refused with a reason a person can act on.
 */
#ifndef MNP_NUMBER_H
#define MNP_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

/* Limits of the China profile. */
#define MNP_COUNTRY_CODE      86
#define MNP_NATIONAL_DIGITS   11    /* 3-digit network code + 4-digit HLR + 4-digit subscriber */
#define MNP_IOT_DIGITS        13    /* 13-digit IoT numbers (never portable) */
#define MNP_NUMBER_MAX_DIGITS 15    /* E.164 maximum */
#define MNP_NUMBER_STR_SIZE   16    /* digits + NUL */
#define MNP_NUMBER_INPUT_MAX  64    /* longest written form we look at, in bytes */
#define MNP_BLOCK_DIVISOR     10000 /* a block is the number without its last 4 digits */

/* A parsed number: E.164 digits as an integer (country code first, no '+'). */
typedef struct mnp_number {
    uint64_t e164;        /* e.g. 8613012345678 */
    uint8_t national_len; /* 11, or 13 for IoT numbers */
} mnp_number_t;

/* Why a written number was refused. Values are stable. */
typedef enum mnp_number_reason {
    MNP_NUMBER_OK = 0,
    MNP_NUMBER_EMPTY,       /* nothing but spaces */
    MNP_NUMBER_BAD_CHAR,    /* a character that is not a digit, space, '-' or a leading '+' */
    MNP_NUMBER_TOO_SHORT,   /* fewer digits than a mobile number has */
    MNP_NUMBER_TOO_LONG,    /* more digits than a mobile number has */
    MNP_NUMBER_BAD_COUNTRY, /* an international form whose country code is not 86 */
    MNP_NUMBER_NOT_MOBILE,  /* right length, but not a mobile number (does not start with 1) */
} mnp_number_reason_t;

/* Parses the written number in s[0..len) into *out. Accepts (SPEC.md §2) the national 11-digit
 * form "13012345678", "+8613012345678", "008613012345678", "8613012345678", spaced or dashed
 * groups ("86 130 1234 5678", "130-1234-5678"), surrounding spaces, and the same forms of 13-digit
 * IoT numbers. Spaces are ' ' and '\t'; a '-' may only stand between digits, one per gap. Without
 * "+" or "00", a leading "86" is the country code (no national number starts with 8). Reads only
 * s[0..len); input longer than MNP_NUMBER_INPUT_MAX bytes is refused as TOO_LONG unread. Returns
 * 0 with *out set, or MNP_EINVAL with *why saying what is wrong (why may be NULL; *out is then
 * not meaningful). */
int mnp_number_parse(const char *s, size_t len, mnp_number_t *out,
                     mnp_number_reason_t *why) MNP_WUR;

/* A short English phrase for why ("too short", "not a mobile number"); never NULL. */
const char *mnp_number_reason_str(mnp_number_reason_t why);

/* A stable machine-readable name for why ("too_short"); never NULL. */
const char *mnp_number_reason_name(mnp_number_reason_t why);

/* Writes the E.164 digits of n ("8613012345678") into buf (MNP_NUMBER_STR_SIZE bytes). Returns buf.
 */
char *mnp_number_format(const mnp_number_t *n, char *buf);

/* The national significant number: e164 without the country code (13012345678). */
static inline uint64_t mnp_number_national(const mnp_number_t *n)
{
    uint64_t cc = 1;
    for (int i = 0; i < n->national_len; i++)
        cc *= 10;
    return n->e164 % cc;
}

#endif
