/*
 * The built-in network codes of the China profile (SPEC.md §2, range holders 2021-2025). Kept
 * apart from the lookup code so that a change to the allocation is a reviewable diff of this
 * table alone.
 *
 * Choices where SPEC.md §2 names a type but no range holder: MVNO (162, 165, 167, 170, 171), IoT
 * (140-144, 146, 148, 13-digit) and data-only (145, 147, 149) codes get holder MNP_OP_NONE; they
 * are never portable, so nothing in mnp depends on their holder. 149 appears in SPEC.md both as
 * IoT and as data-only; it is data-only here. All of 174 is satellite, but only 1740(0-5) is
 * allocated to China Telecom; the rest of 174 has holder MNP_OP_NONE.
 */
#include <string.h>

#include "numplanInt.h"

/* Prefixes lo..hi (inclusive) of `digits` digits: 3 for a network code, 4 for 1349, 5 for
 * 1740(0-5). */
struct code_range {
    uint32_t lo, hi;
    unsigned digits;
    mnp_operator_t holder;
    mnp_numtype_t type;
};

static const struct code_range china_plan[] = {
    /* China Mobile */
    {1340, 1348, 4, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {135, 139, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {150, 152, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {157, 159, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {172, 172, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {178, 178, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {182, 184, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {187, 188, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {195, 195, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    {197, 198, 3, MNP_OP_CMCC, MNP_NUMTYPE_MOBILE},
    /* China Unicom */
    {130, 132, 3, MNP_OP_CUCC, MNP_NUMTYPE_MOBILE},
    {155, 156, 3, MNP_OP_CUCC, MNP_NUMTYPE_MOBILE},
    {166, 166, 3, MNP_OP_CUCC, MNP_NUMTYPE_MOBILE},
    {175, 176, 3, MNP_OP_CUCC, MNP_NUMTYPE_MOBILE},
    {185, 186, 3, MNP_OP_CUCC, MNP_NUMTYPE_MOBILE},
    {196, 196, 3, MNP_OP_CUCC, MNP_NUMTYPE_MOBILE},
    /* China Telecom */
    {133, 133, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {1349, 1349, 4, MNP_OP_CTCC, MNP_NUMTYPE_SATELLITE},
    {153, 153, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {173, 173, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {17400, 17405, 5, MNP_OP_CTCC, MNP_NUMTYPE_SATELLITE},
    {177, 177, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {180, 181, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {189, 189, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {190, 191, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {193, 193, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    {199, 199, 3, MNP_OP_CTCC, MNP_NUMTYPE_MOBILE},
    /* China Broadnet */
    {192, 192, 3, MNP_OP_CBN, MNP_NUMTYPE_MOBILE},
    /* Satellite outside China Telecom's 1740(0-5) */
    {17406, 17499, 5, MNP_OP_NONE, MNP_NUMTYPE_SATELLITE},
    /* Resale (MVNO) */
    {162, 162, 3, MNP_OP_NONE, MNP_NUMTYPE_MVNO},
    {165, 165, 3, MNP_OP_NONE, MNP_NUMTYPE_MVNO},
    {167, 167, 3, MNP_OP_NONE, MNP_NUMTYPE_MVNO},
    {170, 171, 3, MNP_OP_NONE, MNP_NUMTYPE_MVNO},
    /* IoT (11-digit; 13-digit IoT numbers are recognised by their length) */
    {140, 144, 3, MNP_OP_NONE, MNP_NUMTYPE_IOT},
    {146, 146, 3, MNP_OP_NONE, MNP_NUMTYPE_IOT},
    {148, 148, 3, MNP_OP_NONE, MNP_NUMTYPE_IOT},
    /* Data-only */
    {145, 145, 3, MNP_OP_NONE, MNP_NUMTYPE_DATA},
    {147, 147, 3, MNP_OP_NONE, MNP_NUMTYPE_DATA},
    {149, 149, 3, MNP_OP_NONE, MNP_NUMTYPE_DATA},
};

void mnp_numplan_china_fill(uint8_t codes[NUMPLAN_P5_COUNT])
{
    memset(codes, numplan_pack(MNP_OP_NONE, MNP_NUMTYPE_UNKNOWN), NUMPLAN_P5_COUNT);
    for (size_t i = 0; i < sizeof(china_plan) / sizeof(china_plan[0]); i++) {
        const struct code_range *c = &china_plan[i];
        uint32_t scale = c->digits == 3 ? 100 : c->digits == 4 ? 10 : 1;
        for (uint32_t p = c->lo * scale; p <= c->hi * scale + scale - 1; p++)
            codes[p - NUMPLAN_P5_MIN] = numplan_pack(c->holder, c->type);
    }
}
