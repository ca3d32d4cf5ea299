/*
 * The reason codes of SPEC.md §5 and the rules of time around a port order. The codes are the
 * API's stable vocabulary: they reach problem bodies, the audit log and the regulator's
 * statistics, so their strings never change.
 */
#include <string.h>

#include "mnp/order.h"

static const struct {
    const char *code;
    const char *text;
} reasons[MNP_REASON_COUNT] = {
    [MNP_REASON_NONE] = {"", ""},
    [MNP_C01_CODE_INVALID] = {"C01", "the authorization code is not valid for this number and "
                                     "identity"},
    [MNP_C02_CODE_EXPIRED] = {"C02", "the authorization code has expired"},
    [MNP_C03_CODE_USED] = {"C03", "the authorization code has already been used"},
    [MNP_C04_ORDER_OPEN] = {"C04", "an open port order for this number exists"},
    [MNP_C05_OTHER_NETWORK] = {"C05", "the recipient does not serve the number's local network"},
    [MNP_C06_ALREADY_SERVING] = {"C06", "the recipient already serves this number"},
    [MNP_C07_NOT_PORTABLE] = {"C07", "the number is not portable (or ported within the last 120 "
                                     "days)"},
    [MNP_C08_MALFORMED] = {"C08", "the request is malformed or not authorized"},
    [MNP_D01_STATUS_CHANGED] = {"D01", "the number's status changed since the code was issued "
                                       "(reported lost or stolen by its owner)"},
    [MNP_D02_OWNER_CHANGED] = {"D02", "the number's owner changed since the code was issued"},
    [MNP_D03_FRAUD_SUSPECTED] = {"D03", "fraud is suspected (justification required, audited)"},
};

const char *mnp_reason_code(mnp_reason_t r)
{
    return (unsigned)r < MNP_REASON_COUNT ? reasons[r].code : "";
}

const char *mnp_reason_text(mnp_reason_t r)
{
    return (unsigned)r < MNP_REASON_COUNT ? reasons[r].text : "";
}

mnp_reason_t mnp_reason_parse(const char *code)
{
    for (unsigned r = 1; r < MNP_REASON_COUNT; r++)
        if (strcmp(reasons[r].code, code) == 0)
            return (mnp_reason_t)r;
    return MNP_REASON_NONE;
}

bool mnp_reason_is_objection(mnp_reason_t r)
{
    /* RULE §5: D01, D02 and D03 are the only objections; nothing else can be expressed. */
    return r == MNP_D01_STATUS_CHANGED || r == MNP_D02_OWNER_CHANGED ||
           r == MNP_D03_FRAUD_SUSPECTED;
}

bool mnp_reason_needs_text(mnp_reason_t r)
{
    return r == MNP_D03_FRAUD_SUSPECTED;
}

/* Floor division, correct for instants before 1970 too. */
static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

int64_t mnp_cutover_at(int64_t accepted_ms, int64_t step_ms)
{
    if (step_ms <= 0)
        return accepted_ms;
    /* RULE §3.4: at the next whole hour after acceptance (strictly after: an order accepted at
     * 10:00:00.000 is cut over at 11:00). */
    return (floor_div(accepted_ms, step_ms) + 1) * step_ms;
}

#define CST_OFFSET_MS (8 * MNP_MS_PER_HOUR) /* China Standard Time, UTC+8, no daylight saving */

int64_t mnp_port_again_from(int64_t last_active_ms)
{
    /* RULE E05: at least 120 calendar days since the last port, counted in Beijing dates. */
    int64_t day = floor_div(last_active_ms + CST_OFFSET_MS, MNP_MS_PER_DAY);
    return (day + MNP_PORT_INTERVAL_DAYS) * MNP_MS_PER_DAY - CST_OFFSET_MS;
}
