/*
 * Fuzzes identity-number checking. An accepted number must be 18 characters whose canonical form
 * differs from the input only by x -> X and ends in the check character recomputed from its 17
 * digits; a number refused only for its checksum must be accepted with the right check character.
 */
#include <string.h>

#include "fuzz.h"
#include "mnp/idcard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    char canon[MNP_IDCARD_LEN + 1];
    mnp_idcard_reason_t why = (mnp_idcard_reason_t)-1;
    int rc = mnp_idcard_validate(s, size, canon, &why);
    FUZZ_CHECK(rc == 0 || rc == MNP_EINVAL);
    FUZZ_CHECK((rc == 0) == (why == MNP_IDCARD_OK));
    FUZZ_CHECK(strcmp(mnp_idcard_reason_str(why), "unknown reason") != 0);
    if (size != MNP_IDCARD_LEN) {
        FUZZ_CHECK(why == MNP_IDCARD_BAD_LENGTH);
        return 0;
    }

    /* A NUL-terminated copy: check_char reads up to 17 characters and stops at a non-digit. */
    char copy[MNP_IDCARD_LEN + 1];
    memcpy(copy, s, MNP_IDCARD_LEN);
    copy[MNP_IDCARD_LEN] = '\0';
    char check = mnp_idcard_check_char(copy);
    if (rc == 0) {
        FUZZ_CHECK(strlen(canon) == MNP_IDCARD_LEN);
        FUZZ_CHECK(memcmp(canon, s, MNP_IDCARD_LEN - 1) == 0);
        FUZZ_CHECK(canon[17] == check);
        FUZZ_CHECK(s[17] == check || (s[17] == 'x' && check == 'X'));
    } else if (why == MNP_IDCARD_BAD_CHECKSUM) {
        FUZZ_CHECK(check != '?' && s[17] != check);
        copy[17] = check;
        FUZZ_CHECK(mnp_idcard_validate(copy, MNP_IDCARD_LEN, NULL, &why) == 0);
    } else if (why == MNP_IDCARD_BAD_DATE) {
        /* The date decides before the checksum: no check character repairs it. */
        FUZZ_CHECK(check != '?');
        copy[17] = check;
        FUZZ_CHECK(mnp_idcard_validate(copy, MNP_IDCARD_LEN, NULL, &why) == MNP_EINVAL);
        FUZZ_CHECK(why == MNP_IDCARD_BAD_DATE);
    }
    return 0;
}
