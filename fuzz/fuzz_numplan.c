/*
 * Fuzzes block-file loading (mnp_numplan_load_blocks). A refused file must leave the plan empty
 * and name a line; an accepted file must yield ascending blocks that classify as known, portable
 * numbers of their stated holder and local network, and loading it a second time must be refused
 * as duplicates without changing the plan.
 */
#include <string.h>

#include "fuzz.h"
#include "mnp/numplan.h"

static void check_loaded(const mnp_numplan_t *plan)
{
    size_t n = mnp_numplan_block_count(plan);
    uint32_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t block;
        mnp_operator_t holder;
        const char *ln;
        mnp_numplan_block_at(plan, i, &block, &holder, &ln);
        FUZZ_CHECK(block > prev && block >= 1000000 && block <= 1999999);
        prev = block;
        size_t lnlen = strlen(ln);
        FUZZ_CHECK(lnlen >= 2 && lnlen <= 4 && ln[0] == '0');

        mnp_number_t num = {.e164 = 86ull * 100000000000ull + block * 10000ull + 4321,
                            .national_len = MNP_NATIONAL_DIGITS};
        mnp_numinfo_t info;
        mnp_numplan_classify(plan, &num, &info);
        FUZZ_CHECK(info.portable && info.type == MNP_NUMTYPE_MOBILE);
        FUZZ_CHECK(info.holder == holder && mnp_numplan_holder(plan, &num) == holder);
        FUZZ_CHECK(info.block == block && info.block_known);
        FUZZ_CHECK(strcmp(info.local_network, ln) == 0);
    }
}

static int load(mnp_numplan_t *plan, const uint8_t *data, size_t size, mnp_error_t *err)
{
    FILE *in = fmemopen((void *)(uintptr_t)data, size, "r");
    if (in == NULL)
        return 1;
    int rc = mnp_numplan_load_blocks(plan, in, "fuzz", err);
    fclose(in);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses empty buffers on some libcs */
    mnp_numplan_t *plan;
    mnp_error_t err;
    if (mnp_numplan_new(&plan) != 0)
        abort();
    int rc = load(plan, data, size, &err);
    if (rc == 1)
        goto done;
    FUZZ_CHECK(rc == 0 || rc == MNP_EFORMAT);
    if (rc != 0) {
        FUZZ_CHECK(err.code == rc && strncmp(err.msg, "fuzz: line ", 11) == 0);
        FUZZ_CHECK(mnp_numplan_block_count(plan) == 0);
        goto done;
    }
    FUZZ_CHECK(err.code == 0);
    check_loaded(plan);
    size_t n = mnp_numplan_block_count(plan);
    if (n > 0) {
        FUZZ_CHECK(load(plan, data, size, &err) == MNP_EFORMAT);
        FUZZ_CHECK(strstr(err.msg, "is already loaded") != NULL);
        FUZZ_CHECK(mnp_numplan_block_count(plan) == n);
    }
done:
    mnp_numplan_free(plan);
    return 0;
}
