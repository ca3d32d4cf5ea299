/*
 * Chinese resident identity numbers (居民身份证号码, GB 11643-1999): 17 digits and a check
 * character computed from them (ISO 7064 MOD 11-2), which is a digit or 'X'.
 */
#ifndef MNP_IDCARD_H
#define MNP_IDCARD_H

#include <stddef.h>

#include "mnp/error.h"

#define MNP_IDCARD_LEN 18

typedef enum mnp_idcard_reason {
    MNP_IDCARD_OK = 0,
    MNP_IDCARD_BAD_LENGTH,   /* not exactly 18 characters */
    MNP_IDCARD_BAD_CHAR,     /* a non-digit in the first 17, or a last character not a digit or X */
    MNP_IDCARD_BAD_DATE,     /* the birth date (characters 7-14) is not a real date */
    MNP_IDCARD_BAD_CHECKSUM, /* the check character does not match */
} mnp_idcard_reason_t;

/* Checks the identity number s[0..len). A lower-case 'x' is accepted as 'X'. Surrounding spaces
 * are not: callers trim. On success writes the canonical form (upper-case X, NUL-terminated) to
 * canon if not NULL (MNP_IDCARD_LEN + 1 bytes). Returns 0, or MNP_EINVAL with *why set. */
int mnp_idcard_validate(const char *s, size_t len, char *canon, mnp_idcard_reason_t *why) MNP_WUR;

/* The check character ('0'-'9' or 'X') for the first 17 digits d17; '?' if they are not digits. */
char mnp_idcard_check_char(const char *d17);

/* A short English phrase for why; never NULL. */
const char *mnp_idcard_reason_str(mnp_idcard_reason_t why);

#endif
