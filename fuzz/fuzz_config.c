/*
 * Fuzzes mnpd's whole configuration reader: arbitrary bytes through the INI parser and then
 * mnpd_config_read, the code that decides what a daemon does. A file is either refused, with a
 * message that names it, or gives a configuration in which every value is inside the bounds
 * docs/configuration.md states: a role enabled, every gateway tenant complete and unique, a log
 * level that exists, an IP listen address, a store and a key file, a body limit from 1 KiB to 16
 * MiB, a drain timeout of at most 10 minutes, the workflow's timers (donor window, cutover step,
 * acknowledgement timeout) in range. Reading the same document twice gives the same configuration.
 */
#include <string.h>

#include "fuzz.h"
#include "mnpd.h"

#define NAME "fuzz.conf"

static void check_clearinghouse(const mnpd_config_t *cfg)
{
    FUZZ_CHECK(cfg->listen.kind == MNP_INI_ADDR_IPV4 || cfg->listen.kind == MNP_INI_ADDR_IPV6);
    FUZZ_CHECK(cfg->store != NULL && cfg->store[0] != '\0');
    FUZZ_CHECK(cfg->key_file != NULL && cfg->key_file[0] != '\0');
    FUZZ_CHECK(cfg->max_body_bytes >= 1024 && cfg->max_body_bytes <= 16 * 1024 * 1024);
    FUZZ_CHECK(cfg->http_threads <= 1024);
    FUZZ_CHECK(cfg->donor_window_ms >= 1000 && cfg->donor_window_ms <= 86400000);
    FUZZ_CHECK(cfg->cutover_step_ms == 0 ||
               (cfg->cutover_step_ms >= 1000 && cfg->cutover_step_ms <= 86400000));
    FUZZ_CHECK(cfg->ack_timeout_ms >= 1000 && cfg->ack_timeout_ms <= 86400000);
}

/* Every tenant complete, codes and service numbers well formed and unique, and a listener. */
static void check_gateway(const mnpd_config_t *cfg)
{
    FUZZ_CHECK(cfg->noperators >= 1 && cfg->noperators <= MNPD_OPERATORS_MAX);
    FUZZ_CHECK(cfg->gateway_listen_set || cfg->clearinghouse);
    for (size_t i = 0; i < cfg->noperators; i++) {
        const struct mnpd_operator *o = &cfg->operators[i];
        size_t n = strlen(o->code);
        FUZZ_CHECK(n >= 2 && n <= 15 &&
                   strspn(o->code, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n);
        n = strlen(o->service_number);
        FUZZ_CHECK(n >= 3 && n <= 15 && strspn(o->service_number, "0123456789") == n);
        FUZZ_CHECK(strcmp(o->clearinghouse, "local") == 0
                       ? cfg->clearinghouse
                       : strncmp(o->clearinghouse, "http", 4) == 0);
        FUZZ_CHECK(o->api_key_file[0] != '\0' && o->store[0] != '\0' && o->name[0] != '\0');
        for (size_t k = 0; k < i; k++)
            FUZZ_CHECK(strcmp(o->service_number, cfg->operators[k].service_number) != 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mnp_ini_t *ini = NULL;
    mnp_error_t err = {0};
    if (mnp_ini_parse(size ? (const char *)data : NULL, size, NAME, &ini, &err) != 0) {
        FUZZ_CHECK(ini == NULL);
        return 0;
    }
    mnpd_config_t cfg, again;
    mnp_error_clear(&err);
    int rc = mnpd_config_read(ini, &cfg, &err);
    if (rc != 0) {
        FUZZ_CHECK(rc < 0);
        FUZZ_CHECK(strncmp(err.msg, NAME, strlen(NAME)) == 0);
    } else {
        FUZZ_CHECK(cfg.clearinghouse || cfg.gateway);
        FUZZ_CHECK((unsigned)cfg.log_level <= MNP_LOG_ERROR);
        FUZZ_CHECK(cfg.drain_timeout_ms <= 600000);
        if (cfg.clearinghouse)
            check_clearinghouse(&cfg);
        if (cfg.gateway)
            check_gateway(&cfg);
        FUZZ_CHECK(mnpd_config_read(ini, &again, &err) == 0);
        FUZZ_CHECK(memcmp(&cfg.listen, &again.listen, sizeof(cfg.listen)) == 0);
        FUZZ_CHECK(cfg.noperators == again.noperators && cfg.log_level == again.log_level);
    }
    mnp_ini_free(ini);
    return 0;
}
