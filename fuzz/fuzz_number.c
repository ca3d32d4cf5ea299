/*
 * Fuzzes number parsing and classification. Beyond not crashing, every accepted number must
 * format to canonical E.164 digits that parse back to the same value in the national, "+" and
 * "00" forms, and classification must agree with RULE E06 (only ordinary mobile numbers port).
 */
#include <string.h>

#include "fuzz.h"
#include "mnp/numplan.h"

static const mnp_numplan_t *plan(void)
{
    /* One plan for the whole run: building it per input would dominate the run time. */
    static mnp_numplan_t *p;
    if (p == NULL && mnp_numplan_new(&p) != 0)
        abort();
    return p;
}

static void expect_same(const char *s, size_t len, const mnp_number_t *want)
{
    mnp_number_t again;
    mnp_number_reason_t why;
    FUZZ_CHECK(mnp_number_parse(s, len, &again, &why) == 0);
    FUZZ_CHECK(why == MNP_NUMBER_OK);
    FUZZ_CHECK(again.e164 == want->e164);
    FUZZ_CHECK(again.national_len == want->national_len);
}

static void check_accepted(const char *s, size_t size, const mnp_number_t *n)
{
    char buf[MNP_NUMBER_STR_SIZE], alt[MNP_NUMBER_STR_SIZE + 2];
    FUZZ_CHECK(n->national_len == MNP_NATIONAL_DIGITS || n->national_len == MNP_IOT_DIGITS);
    mnp_number_format(n, buf);
    size_t len = strlen(buf);
    FUZZ_CHECK(len == 2u + n->national_len);
    FUZZ_CHECK(buf[0] == '8' && buf[1] == '6' && buf[2] == '1');
    if (n->national_len == MNP_IOT_DIGITS)
        FUZZ_CHECK(buf[3] == '0' || buf[3] == '4');
    expect_same(buf, len, n);
    expect_same(buf + 2, len - 2, n); /* national */
    snprintf(alt, sizeof(alt), "+%s", buf);
    expect_same(alt, len + 1, n);
    snprintf(alt, sizeof(alt), "00%s", buf);
    expect_same(alt, len + 2, n);
    /* Surrounding spaces change nothing while the input stays within the bound. */
    if (size + 2 <= MNP_NUMBER_INPUT_MAX) {
        char spaced[MNP_NUMBER_INPUT_MAX];
        spaced[0] = ' ';
        memcpy(spaced + 1, s, size);
        spaced[size + 1] = '\t';
        expect_same(spaced, size + 2, n);
    }

    mnp_numinfo_t info;
    mnp_numplan_classify(plan(), n, &info);
    FUZZ_CHECK(info.portable == (info.type == MNP_NUMTYPE_MOBILE));
    FUZZ_CHECK(mnp_numplan_holder(plan(), n) == info.holder);
    FUZZ_CHECK(!info.block_known);
    if (n->national_len == MNP_IOT_DIGITS) {
        FUZZ_CHECK(info.type == MNP_NUMTYPE_IOT && info.block == 0);
    } else {
        FUZZ_CHECK(info.block == mnp_number_national(n) / MNP_BLOCK_DIVISOR);
        if (info.portable)
            FUZZ_CHECK(info.holder != MNP_OP_NONE);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    mnp_number_t n;
    mnp_number_reason_t why = (mnp_number_reason_t)-1;
    int rc = mnp_number_parse(s, size, &n, &why);
    FUZZ_CHECK(rc == 0 || rc == MNP_EINVAL);
    FUZZ_CHECK((rc == 0) == (why == MNP_NUMBER_OK));
    FUZZ_CHECK(why >= MNP_NUMBER_OK && why <= MNP_NUMBER_NOT_MOBILE);
    FUZZ_CHECK(mnp_number_reason_str(why)[0] != '\0');
    FUZZ_CHECK(strcmp(mnp_number_reason_name(why), "unknown") != 0);
    if (size > MNP_NUMBER_INPUT_MAX)
        FUZZ_CHECK(why == MNP_NUMBER_TOO_LONG);
    if (rc == 0)
        check_accepted(s, size, &n);
    return 0;
}
