/*
 * The workflow test environment of ch_env.h.
 */
#include "ch_env.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/routing.h"
#include "mnp/store_numplan.h"

const char *const test_ch_operators[TEST_CH_OPERATORS] = {"CMCC", "CUCC", "CTCC", "CBN", "XTRA"};

static int load_plan(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    for (size_t i = 0; i < TEST_CH_OPERATORS; i++) {
        const char *op = test_ch_operators[i];
        int rc = mnp_txn_operator_add(txn, op, op, 0, err);
        if (rc != 0)
            return rc;
    }
    mnp_numplan_t *plan;
    mnp_routing_table_t routes;
    int rc = mnp_numplan_new(&plan);
    if (rc == 0)
        rc = mnp_numplan_load_blocks_file(plan, MNP_SOURCE_DIR "/data/blocks-demo.csv", err);
    if (rc == 0)
        rc = mnp_txn_blocks_replace(txn, plan, NULL, err);
    mnp_numplan_free(plan);
    mnp_routing_table_init(&routes);
    if (rc == 0)
        rc = mnp_routing_load_file(&routes, MNP_SOURCE_DIR "/data/routing-demo.csv", err);
    if (rc == 0)
        rc = mnp_txn_routing_replace(txn, &routes, NULL, err);
    mnp_routing_table_fini(&routes);
    return rc;
}

void test_ch_env_init(test_ch_env_t *e, size_t size, int64_t start_ms)
{
    memset(e, 0, size);
    test_dir_make(e->fx.dir);
    snprintf(e->fx.path, sizeof(e->fx.path), "%s/ch.db", e->fx.dir);
    e->store = test_store_open(e->fx.path, true);
    mnp_error_t err;
    if (mnp_store_write(e->store, load_plan, NULL, &err) != 0)
        fail_msg("loading the plan: %s", err.msg);
    assert_int_equal(mnp_crypto_init(), 0);
    mnp_hash_key_generate(&e->key);
    assert_int_equal(mnp_clock_manual_new(start_ms, &e->clock), 0);
    mnp_ch_config_t cfg = {.store = e->store, .key = &e->key, .clock = e->clock};
    assert_int_equal(mnp_ch_new(&cfg, &e->ch), 0);
}

void test_ch_env_fini(test_ch_env_t *e)
{
    mnp_ch_free(e->ch);
    mnp_store_close(e->store);
    mnp_clock_free(e->clock);
    test_dir_remove(e->fx.dir);
}
