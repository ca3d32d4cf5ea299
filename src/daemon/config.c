/*
 * mnpd's configuration: an INI file whose sections enable roles. Every key, its default and its
 * bounds are here; docs/configuration.md and mnpd.conf.example say the same for people.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "mnp/order.h"
#include "mnpd.h"

static const char *const sections[] = {"mnpd",     "clearinghouse", "gateway",
                                       "operator", "lookup",        NULL};
static const char *const mnpd_keys[] = {"log_level", "log_file", "drain_timeout", NULL};
static const char *const clearinghouse_keys[] = {"listen",       "store",        "key_file",
                                                 "max_body",     "http_threads", "donor_window",
                                                 "cutover_step", "ack_timeout",  NULL};
static const char *const gateway_keys[] = {"listen", "demo_show_login_sms", NULL};
static const char *const operator_keys[] = {"name",
                                            "service_number",
                                            "clearinghouse",
                                            "api_key_file",
                                            "store",
                                            "provisioning_webhook",
                                            "provisioning_webhook_key_file",
                                            "donor_answer",
                                            NULL};

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

/* An operator code as the clearinghouse knows it: 2-15 upper-case letters or digits. */
static bool operator_code_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && n <= 15 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

/* The line of key in s, or the section's own when the key is absent. */
static size_t key_line(const mnp_ini_section_t *s, const char *key)
{
    const mnp_ini_entry_t *e = mnp_ini_find(s, key);
    return e != NULL ? e->line : mnp_ini_section_line(s);
}

/* What mnp_gw_new takes as a webhook: http(s)://, a host, no spaces or control bytes. Checked
 * here too, so that the message can name the line. */
static bool webhook_url_ok(const char *url)
{
    size_t skip = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;
    if (skip == 0 || url[skip] == '\0' || url[skip] == '/' || strlen(url) > 2048)
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p != '\0'; p++)
        if (*p <= ' ' || *p == 0x7f)
            return false;
    return true;
}

/* provisioning_webhook and its key file: the URL is checked here, the key file (a secret, read
 * like api_key_file) when the tenant starts, with this line in its messages. */
static int read_webhook(const mnp_ini_t *ini, const mnp_ini_section_t *s, struct mnpd_operator *o,
                        mnp_error_t *err)
{
    const char *file = mnp_ini_name(ini);
    const char *url = mnp_ini_get(s, "provisioning_webhook");
    size_t line = key_line(s, "provisioning_webhook");
    if (url != NULL && !webhook_url_ok(url))
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s:%zu: [operator \"%s\"] provisioning_webhook: give the URL the "
                             "operator's network takes events at (http://HOST:PORT/PATH or "
                             "https://...)",
                             file, line, o->code);
    o->prov_webhook = url;
    int rc = mnp_ini_get_str(s, "provisioning_webhook_key_file", NULL, 1, 4095,
                             &o->prov_webhook_key_file, err);
    o->prov_webhook_key_line = key_line(s, "provisioning_webhook_key_file");
    if (rc == 0 && o->prov_webhook_key_file != NULL && url == NULL)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s:%zu: [operator \"%s\"] provisioning_webhook_key_file signs the "
                           "webhook's bodies: set provisioning_webhook too",
                           file, o->prov_webhook_key_line, o->code);
    return rc;
}

static int read_operator(const mnp_ini_t *ini, const mnp_ini_section_t *s, struct mnpd_operator *o,
                         mnp_error_t *err)
{
    const char *file = mnp_ini_name(ini);
    size_t line = mnp_ini_section_line(s);
    o->code = mnp_ini_section_sub(s);
    if (o->code == NULL || !operator_code_ok(o->code))
        return mnp_error_set(err, MNP_EFORMAT,
                             "%s:%zu: [operator] needs its code, 2-15 upper-case letters or "
                             "digits: [operator \"CUCC\"]",
                             file, line);
    int rc = mnp_ini_get_str(s, "name", o->code, 1, 63, &o->name, err);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "service_number", NULL, 3, 15, &o->service_number, err);
    if (rc == 0 && (o->service_number == NULL ||
                    strspn(o->service_number, "0123456789") != strlen(o->service_number)))
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s:%zu: [operator \"%s\"] service_number: 3-15 digits (\"10010\") "
                           "is required",
                           file, line, o->code);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "clearinghouse", NULL, 1, 1024, &o->clearinghouse, err);
    if (rc == 0 && (o->clearinghouse == NULL || (strcmp(o->clearinghouse, "local") != 0 &&
                                                 strncmp(o->clearinghouse, "http://", 7) != 0 &&
                                                 strncmp(o->clearinghouse, "https://", 8) != 0)))
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s:%zu: [operator \"%s\"] clearinghouse: give its URL "
                           "(http://HOST:PORT) or 'local' for this mnpd's own",
                           file, line, o->code);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "api_key_file", NULL, 1, 4095, &o->api_key_file, err);
    if (rc == 0 && o->api_key_file == NULL)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s:%zu: [operator \"%s\"] api_key_file is required (a file holding "
                           "the key 'mnpctl operator add' printed for it)",
                           file, line, o->code);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "store", NULL, 1, 4095, &o->store, err);
    if (rc == 0 && o->store == NULL)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s:%zu: [operator \"%s\"] store is required (e.g. store = "
                           "sqlite:cucc.db)",
                           file, line, o->code);
    if (rc == 0)
        rc = read_webhook(ini, s, o, err);
    const char *answer = NULL;
    if (rc == 0)
        rc = mnp_ini_get_str(s, "donor_answer", "at_once", 1, 15, &answer, err);
    if (rc == 0 && strcmp(answer, "at_once") != 0 && strcmp(answer, "by_staff") != 0)
        rc =
            mnp_error_set(err, MNP_EFORMAT,
                          "%s:%zu: [operator \"%s\"] donor_answer: at_once (the gateway accepts "
                          "unless D01 or D02 applies) or by_staff (staff answer within the window; "
                          "silence is consent)",
                          file, key_line(s, "donor_answer"), o->code);
    o->donor_by_staff = rc == 0 && strcmp(answer, "by_staff") == 0;
    return rc;
}

/* The operators of the gateway, in file order, each checked and unique by service number. */
static int read_operators(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err)
{
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < mnp_ini_section_count(ini); i++) {
        const mnp_ini_section_t *s = mnp_ini_section_at(ini, i);
        if (strcmp(mnp_ini_section_name(s), "operator") != 0)
            continue;
        if (!cfg->gateway)
            return mnp_error_set(err, MNP_EFORMAT,
                                 "%s:%zu: [operator] sections belong to the gateway role: add a "
                                 "[gateway] section",
                                 mnp_ini_name(ini), mnp_ini_section_line(s));
        if (cfg->noperators == MNPD_OPERATORS_MAX)
            return mnp_error_set(err, MNP_ELIMIT, "%s:%zu: at most %d operators in one gateway",
                                 mnp_ini_name(ini), mnp_ini_section_line(s), MNPD_OPERATORS_MAX);
        struct mnpd_operator *o = &cfg->operators[cfg->noperators];
        rc = read_operator(ini, s, o, err);
        for (size_t k = 0; rc == 0 && k < cfg->noperators; k++)
            if (strcmp(cfg->operators[k].service_number, o->service_number) == 0)
                rc = mnp_error_set(err, MNP_EFORMAT,
                                   "%s:%zu: [operator \"%s\"] service_number %s is already "
                                   "[operator \"%s\"]'s",
                                   mnp_ini_name(ini), mnp_ini_section_line(s), o->code,
                                   o->service_number, cfg->operators[k].code);
        if (rc == 0 && strcmp(o->clearinghouse, "local") == 0 && !cfg->clearinghouse)
            rc = mnp_error_set(err, MNP_EFORMAT,
                               "%s:%zu: [operator \"%s\"] clearinghouse = local needs a "
                               "[clearinghouse] section in this file",
                               mnp_ini_name(ini), mnp_ini_section_line(s), o->code);
        cfg->noperators += rc == 0;
    }
    return rc;
}

static int read_gateway(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err)
{
    const mnp_ini_section_t *g = mnp_ini_section(ini, "gateway", NULL);
    cfg->gateway = g != NULL;
    int rc = 0;
    if (g != NULL && mnp_ini_get(g, "listen") != NULL) {
        cfg->gateway_listen_set = true;
        rc = mnp_ini_get_addr(g, "listen", NULL, &cfg->gateway_listen, err);
        if (rc == 0 && cfg->gateway_listen.kind == MNP_INI_ADDR_NAME)
            rc = mnp_error_set(err, MNP_EFORMAT,
                               "%s: [gateway] listen: give an IP address, not a name ('%s')",
                               mnp_ini_name(ini), cfg->gateway_listen.host);
    }
    /* Demos only (mnpd warns at start): anyone could log in as any subscriber. */
    if (rc == 0)
        rc = mnp_ini_get_bool(g, "demo_show_login_sms", false, &cfg->gateway_demo_show_login_sms,
                              err);
    if (rc == 0)
        rc = read_operators(ini, cfg, err);
    if (rc == 0 && cfg->gateway && cfg->noperators == 0)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [gateway] serves operators: add an [operator \"CODE\"] section "
                           "for each",
                           mnp_ini_name(ini));
    if (rc == 0 && cfg->gateway && !cfg->gateway_listen_set && !cfg->clearinghouse)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [gateway] listen is required when this mnpd has no "
                           "[clearinghouse] whose listener it could share",
                           mnp_ini_name(ini));
    return rc;
}

int mnpd_config_read(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err)
{
    *cfg = (mnpd_config_t){0};
    cfg->file = mnp_ini_name(ini);
    int rc = mnp_ini_check_sections(ini, sections, err);
    if (rc == 0)
        rc = mnp_ini_check_known(ini, "mnpd", mnpd_keys, err);
    if (rc == 0)
        rc = mnp_ini_check_known(ini, "clearinghouse", clearinghouse_keys, err);
    if (rc == 0)
        rc = read_mnpd(ini, cfg, err);
    if (rc == 0)
        rc = mnp_ini_check_known(ini, "gateway", gateway_keys, err);
    if (rc == 0)
        rc = mnp_ini_check_known(ini, "operator", operator_keys, err);
    if (rc == 0)
        rc = read_clearinghouse(ini, cfg, err);
    if (rc == 0)
        rc = read_gateway(ini, cfg, err);
    if (rc == 0)
        rc = mnpd_config_read_lookup(ini, cfg, err);
    if (rc == 0 && !cfg->clearinghouse && !cfg->gateway && !cfg->lookup)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: no role is enabled: add a [clearinghouse], [gateway] or [lookup] "
                           "section",
                           mnp_ini_name(ini));
    return rc;
}
