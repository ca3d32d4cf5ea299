/*
 * The rules an authorization code is judged by when a recipient presents it (SPEC.md §3, §5, §7),
 * as a pure function of what the store knows: whether the number is locked after wrong attempts,
 * and otherwise which of C01 (invalid), C03 (used) and C02 (expired) applies, or none. The
 * workflow reads the facts, calls this, and records a failure when told to.
 */
#ifndef MNP_AUTHCODE_H
#define MNP_AUTHCODE_H

#include <stdbool.h>
#include <stdint.h>

#include "mnp/order.h"

#define MNP_AUTHCODE_VALID_MS   (60 * MNP_MS_PER_MINUTE) /* RULE §3.2: valid 60 minutes */
#define MNP_AUTHCODE_MAX_FAILS  5                        /* RULE §7: wrong attempts per hour */
#define MNP_AUTHCODE_HASH_BYTES 32

/* What the store holds about the number's code, and its recent failures. */
typedef struct mnp_authcode_facts {
    bool registered;                            /* a code exists for the number */
    uint8_t code_hash[MNP_AUTHCODE_HASH_BYTES]; /* keyed hash bound to number and identity */
    int64_t expires_ms;
    bool used;
    uint64_t failures_this_hour; /* wrong attempts since mnp_authcode_hour_start(now) */
} mnp_authcode_facts_t;

typedef struct mnp_authcode_verdict {
    mnp_reason_t reason;     /* MNP_REASON_NONE: the code is good and may be used */
    bool locked;             /* refused without looking: too many wrong attempts this hour */
    int64_t locked_until_ms; /* when locked: the end of the hour */
    bool record_failure;     /* a wrong code: the workflow adds a failure */
    bool now_locked;         /* this failure was the last allowed: tell the subscriber by SMS */
} mnp_authcode_verdict_t;

/* The start of the clock hour containing now_ms (failures are counted per clock hour, and a lock
 * lasts for the rest of that hour). */
int64_t mnp_authcode_hour_start(int64_t now_ms);

/* Judges presented_hash (the keyed hash of the presented code, number and identity) against
 * facts at now_ms. A wrong code is C01 whether or not a code is registered, so a caller without
 * the code learns nothing about the number's state; only the right code hears C03 or C02. */
void mnp_authcode_judge(const mnp_authcode_facts_t *facts,
                        const uint8_t presented_hash[MNP_AUTHCODE_HASH_BYTES], int64_t now_ms,
                        mnp_authcode_verdict_t *out);

#endif
