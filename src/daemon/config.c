/*
 * mnpd's configuration: an INI file whose sections enable roles. Every key, its default and its
 * bounds are here; docs/configuration.md and mnpd.conf.example say the same for people.
 */
#include <stddef.h>

#include "mnp/order.h"
#include "mnpd.h"

static const char *const sections[] = {"mnpd", "clearinghouse", NULL};
static const char *const mnpd_keys[] = {"log_level", "log_file", "drain_timeout", NULL};
static const char *const clearinghouse_keys[] = {"listen",       "store",        "key_file",
                                                 "max_body",     "http_threads", "donor_window",
                                                 "cutover_step", "ack_timeout",  NULL};

static int read_mnpd(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err)
{
    const mnp_ini_section_t *s = mnp_ini_section(ini, "mnpd", NULL);
    const char *level;
    int rc = mnp_ini_get_str(s, "log_level", "info", 1, 16, &level, err);
    if (rc == 0 && mnp_log_level_parse(level, &cfg->log_level) != 0)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [mnpd] log_level: '%s' is not debug, info, warn or error",
                           mnp_ini_name(ini), level);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "log_file", NULL, 1, 4095, &cfg->log_file, err);
    if (rc == 0)
        rc = mnp_ini_get_duration_ms(s, "drain_timeout", 10000, 0, 600000, &cfg->drain_timeout_ms,
                                     err);
    return rc;
}

static int read_clearinghouse(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err)
{
    const mnp_ini_section_t *s = mnp_ini_section(ini, "clearinghouse", NULL);
    cfg->clearinghouse = s != NULL;
    if (s == NULL)
        return 0;
    int rc = mnp_ini_get_addr(s, "listen", "127.0.0.1:8080", &cfg->listen, err);
    if (rc == 0 && cfg->listen.kind == MNP_INI_ADDR_NAME)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [clearinghouse] listen: give an IP address, not a name ('%s')",
                           mnp_ini_name(ini), cfg->listen.host);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "store", NULL, 1, 4095, &cfg->store, err);
    if (rc == 0 && cfg->store == NULL)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [clearinghouse] store is required (e.g. store = sqlite:ch.db)",
                           mnp_ini_name(ini));
    if (rc == 0)
        rc = mnp_ini_get_str(s, "key_file", NULL, 1, 4095, &cfg->key_file, err);
    if (rc == 0 && cfg->key_file == NULL)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [clearinghouse] key_file is required (the server's hashing key; "
                           "created with mode 0600 when missing)",
                           mnp_ini_name(ini));
    if (rc == 0)
        rc = mnp_ini_get_bytes(s, "max_body", 64 * 1024, 1024, 16 * 1024 * 1024,
                               &cfg->max_body_bytes, err);
    if (rc == 0)
        rc = mnp_ini_get_u64(s, "http_threads", 0, 0, 1024, &cfg->http_threads, err);
    if (rc == 0)
        rc = mnp_ini_get_duration_ms(s, "donor_window", MNP_DONOR_WINDOW_MS_DEFAULT, 1000,
                                     MNP_MS_PER_DAY, &cfg->donor_window_ms, err);
    if (rc == 0)
        rc = mnp_ini_get_duration_ms(s, "cutover_step", MNP_CUTOVER_STEP_MS_DEFAULT, 0,
                                     MNP_MS_PER_DAY, &cfg->cutover_step_ms, err);
    if (rc == 0 && cfg->cutover_step_ms > 0 && cfg->cutover_step_ms < 1000)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [clearinghouse] cutover_step: give 0 (at once) or at least 1s",
                           mnp_ini_name(ini));
    if (rc == 0)
        rc = mnp_ini_get_duration_ms(s, "ack_timeout", MNP_ACK_TIMEOUT_MS_DEFAULT, 1000,
                                     MNP_MS_PER_DAY, &cfg->ack_timeout_ms, err);
    return rc;
}

int mnpd_config_read(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err)
{
    *cfg = (mnpd_config_t){0};
    int rc = mnp_ini_check_sections(ini, sections, err);
    if (rc == 0)
        rc = mnp_ini_check_known(ini, "mnpd", mnpd_keys, err);
    if (rc == 0)
        rc = mnp_ini_check_known(ini, "clearinghouse", clearinghouse_keys, err);
    if (rc == 0)
        rc = read_mnpd(ini, cfg, err);
    if (rc == 0)
        rc = read_clearinghouse(ini, cfg, err);
    if (rc == 0 && !cfg->clearinghouse)
        rc =
            mnp_error_set(err, MNP_EFORMAT, "%s: no role is enabled: add a [clearinghouse] section",
                          mnp_ini_name(ini));
    return rc;
}
