/*
 * gen_blocks: the block file (block,holder,local_network, as `mnpctl numplan import` and a
 * replica's `blocks` key take) for the numbers a benchmark uses: reads "number[,anything]"
 * lines (gen_ported's output) on standard input and writes each distinct 7-digit block once,
 * with its range holder from the built-in plan and a local network from --networks taken in
 * turn by block, so that routing numbers (data/routing-demo.csv) exist for every number.
 * Non-portable and unknown numbers are skipped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/number.h"
#include "mnp/numplan.h"
#include "mnp/operator.h"

#define BLOCKS (2000000) /* 7-digit blocks 1000000..1999999, as a bitmap index */

int main(int argc, char **argv)
{
    const char *networks = "0731,010,021";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--networks") == 0 && i + 1 < argc) {
            networks = argv[++i];
        } else {
            fprintf(stderr, "usage: gen_blocks [--networks 0731,010,021] <numbers >blocks.csv\n"
                            "Writes block,holder,local_network for every block of the numbers "
                            "read.\n");
            return strcmp(argv[i], "--help") == 0 ? 0 : 2;
        }
    }
    char ln[16][8];
    size_t nln = 0;
    for (const char *p = networks; *p && nln < 16;) {
        size_t len = strcspn(p, ",");
        snprintf(ln[nln++], sizeof(ln[0]), "%.*s", (int)(len < 7 ? len : 7), p);
        p += len + (p[len] == ',');
    }
    mnp_numplan_t *plan;
    unsigned char *seen = calloc(BLOCKS, 1);
    if (nln == 0 || seen == NULL || mnp_numplan_new(&plan) != 0)
        return 1;
    printf("block,holder,local_network\n");
    char line[256];
    size_t n = 0;
    while (fgets(line, sizeof(line), stdin) != NULL) {
        size_t len = strcspn(line, ",\r\n");
        mnp_number_t num;
        if (mnp_number_parse(line, len, &num, NULL) != 0 || num.national_len != 11)
            continue; /* the header, or a number without a block */
        mnp_numinfo_t info;
        mnp_numplan_classify(plan, &num, &info);
        uint32_t block = (uint32_t)(mnp_number_national(&num) / MNP_BLOCK_DIVISOR);
        if (!info.portable || block < 1000000 || block >= BLOCKS || seen[block])
            continue;
        seen[block] = 1;
        printf("%u,%s,%s\n", block, mnp_operator_code(info.holder), ln[n++ % nln]);
    }
    mnp_numplan_free(plan);
    free(seen);
    return 0;
}
