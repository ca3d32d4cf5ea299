/*
 * Fuzzes routing-file parsing (mnp_routing_load). A refused file must leave the table empty and
 * name a line or the file; an accepted file must yield entries that pass mnp_routing_entry_check,
 * carry ascending line numbers, and never give one (operator, local network) pair twice.
 */
#include <string.h>

#include "fuzz.h"
#include "mnp/routing.h"

static void check_loaded(const mnp_routing_table_t *t)
{
    mnp_error_t err;
    for (size_t i = 0; i < t->n; i++) {
        const mnp_routing_entry_t *e = &t->v[i];
        FUZZ_CHECK(mnp_routing_entry_check(e->operator_code, e->local_network, e->routing_number,
                                           &err) == 0);
        FUZZ_CHECK(e->line > 0 && (i == 0 || e->line > t->v[i - 1].line));
        /* Fuzz inputs are small: the quadratic check is fine here. */
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(strcmp(e->operator_code, t->v[k].operator_code) != 0 ||
                       strcmp(e->local_network, t->v[k].local_network) != 0);
    }
    FUZZ_CHECK(t->name != NULL && strcmp(t->name, "fuzz") == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses empty buffers on some libcs */
    FILE *in = fmemopen((void *)(uintptr_t)data, size, "r");
    if (in == NULL)
        return 0;
    mnp_routing_table_t t;
    mnp_error_t err;
    mnp_routing_table_init(&t);
    int rc = mnp_routing_load(&t, in, "fuzz", &err);
    fclose(in);
    FUZZ_CHECK(rc == 0 || rc == MNP_EFORMAT);
    if (rc != 0) {
        FUZZ_CHECK(err.code == rc && strncmp(err.msg, "fuzz: ", 6) == 0);
        FUZZ_CHECK(t.n == 0 && t.v == NULL && t.name == NULL);
    } else {
        FUZZ_CHECK(err.code == 0);
        check_loaded(&t);
    }
    mnp_routing_table_fini(&t);
    return 0;
}
