/*
 * The operators of the China profile. Codes are the stable names used in files, APIs and the
 * NPDB: CMCC (China Mobile), CUCC (China Unicom), CTCC (China Telecom), CBN (China Broadnet).
 */
#ifndef MNP_OPERATOR_H
#define MNP_OPERATOR_H

#include <stddef.h>

typedef enum mnp_operator {
    MNP_OP_NONE = 0,
    MNP_OP_CMCC = 1,
    MNP_OP_CUCC = 2,
    MNP_OP_CTCC = 3,
    MNP_OP_CBN = 4,
} mnp_operator_t;

#define MNP_OP_COUNT    5 /* including MNP_OP_NONE */
#define MNP_OP_CODE_MAX 8 /* longest code with its NUL */

/* "CMCC" for MNP_OP_CMCC; "" for MNP_OP_NONE or unknown values. */
const char *mnp_operator_code(mnp_operator_t op);

/* "China Mobile" for MNP_OP_CMCC; "" for MNP_OP_NONE or unknown values. */
const char *mnp_operator_name(mnp_operator_t op);

/* The operator for code s[0..len) (exact, upper-case); MNP_OP_NONE if there is none. */
mnp_operator_t mnp_operator_parse(const char *s, size_t len);

#endif
