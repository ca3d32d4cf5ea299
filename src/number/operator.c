/*
 * The four operators of the China profile and their stable codes. The table is indexed by
 * mnp_operator_t so that code and name lookups are a bounds check and an array read.
 */
#include "mnp/operator.h"

#include <string.h>

static const struct {
    const char *code;
    const char *name;
} operators[MNP_OP_COUNT] = {
    [MNP_OP_NONE] = {"", ""},
    [MNP_OP_CMCC] = {"CMCC", "China Mobile"},
    [MNP_OP_CUCC] = {"CUCC", "China Unicom"},
    [MNP_OP_CTCC] = {"CTCC", "China Telecom"},
    [MNP_OP_CBN] = {"CBN", "China Broadnet"},
};

const char *mnp_operator_code(mnp_operator_t op)
{
    /* Cast first: an out-of-range enum value from a corrupt record must not index the table. */
    if ((unsigned)op >= MNP_OP_COUNT)
        return "";
    return operators[op].code;
}

const char *mnp_operator_name(mnp_operator_t op)
{
    if ((unsigned)op >= MNP_OP_COUNT)
        return "";
    return operators[op].name;
}

mnp_operator_t mnp_operator_parse(const char *s, size_t len)
{
    if (s == NULL || len == 0)
        return MNP_OP_NONE;
    for (unsigned op = MNP_OP_NONE + 1; op < MNP_OP_COUNT; op++) {
        const char *code = operators[op].code;
        if (strlen(code) == len && memcmp(code, s, len) == 0)
            return (mnp_operator_t)op;
    }
    return MNP_OP_NONE;
}
