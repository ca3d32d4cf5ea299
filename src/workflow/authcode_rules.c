/*
 * Judging a presented authorization code. The order of the checks is the point: the lock comes
 * first (a locked number is not even compared, so guessing gains nothing), then the code itself
 * (a wrong code says C01 and nothing else), and only a right code learns that it was used (C03)
 * or has expired (C02).
 */
#include "mnp/authcode.h"
#include "mnp/secret.h"

int64_t mnp_authcode_hour_start(int64_t now_ms)
{
    int64_t h = now_ms / MNP_MS_PER_HOUR;
    if (now_ms % MNP_MS_PER_HOUR != 0 && now_ms < 0)
        h--;
    return h * MNP_MS_PER_HOUR;
}

void mnp_authcode_judge(const mnp_authcode_facts_t *facts,
                        const uint8_t presented_hash[MNP_AUTHCODE_HASH_BYTES], int64_t now_ms,
                        mnp_authcode_verdict_t *out)
{
    *out = (mnp_authcode_verdict_t){.reason = MNP_REASON_NONE};
    /* RULE §7: at most 5 wrong attempts per number per hour, then locked for the rest of it. */
    if (facts->failures_this_hour >= MNP_AUTHCODE_MAX_FAILS) {
        out->reason = MNP_C01_CODE_INVALID;
        out->locked = true;
        out->locked_until_ms = mnp_authcode_hour_start(now_ms) + MNP_MS_PER_HOUR;
        return;
    }
    bool match = facts->registered &&
                 mnp_ct_equal(facts->code_hash, presented_hash, MNP_AUTHCODE_HASH_BYTES);
    if (!match) {
        out->reason = MNP_C01_CODE_INVALID;
        out->record_failure = true;
        out->now_locked = facts->failures_this_hour + 1 >= MNP_AUTHCODE_MAX_FAILS;
        if (out->now_locked)
            out->locked_until_ms = mnp_authcode_hour_start(now_ms) + MNP_MS_PER_HOUR;
        return;
    }
    /* RULE §3.2: single use, valid 60 minutes. */
    if (facts->used)
        out->reason = MNP_C03_CODE_USED;
    else if (now_ms >= facts->expires_ms)
        out->reason = MNP_C02_CODE_EXPIRED;
}
