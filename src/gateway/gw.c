/*
 * An operator gateway's life: made from its configuration, freed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/alloc.h"
#include "mnp/secret.h"

int mnp_gw_new(const mnp_gw_config_t *cfg, mnp_gw_t **out, mnp_error_t *err)
{
    *out = NULL;
    if (cfg->op == NULL || cfg->op[0] == '\0' || strlen(cfg->op) >= MNP_STORE_CODE_MAX)
        return mnp_error_set(err, MNP_EINVAL, "operator code: 1 to %d characters",
                             MNP_STORE_CODE_MAX - 1);
    if (cfg->service_number == NULL || cfg->service_number[0] == '\0' ||
        strlen(cfg->service_number) >= 16)
        return mnp_error_set(err, MNP_EINVAL, "service number: 1 to 15 digits");
    mnp_gw_t *gw = mnp_xcalloc(1, sizeof(*gw));
    snprintf(gw->op, sizeof(gw->op), "%s", cfg->op);
    snprintf(gw->name, sizeof(gw->name), "%s", cfg->name ? cfg->name : cfg->op);
    snprintf(gw->service_number, sizeof(gw->service_number), "%s", cfg->service_number);
    gw->store = cfg->store;
    gw->ch = cfg->ch;
    gw->clock = cfg->clock ? cfg->clock : mnp_clock_real();
    gw->on_work = cfg->on_work;
    gw->on_work_arg = cfg->on_work_arg;
    gw->demo_show_login_sms = cfg->demo_show_login_sms;
    gw->donor_by_staff = cfg->donor_by_staff;
    gw_seal_init(gw, cfg->seal_secret);
    int rc = gw_hook_init(gw, cfg, err);
    if (rc == 0 && (mnp_numplan_new(&gw->plan) != 0 || gw_self_init(gw) != 0))
        rc = mnp_error_set(err, MNP_ENOMEM, "out of memory");
    if (rc != 0) {
        gw_self_fini(gw);
        mnp_numplan_free(gw->plan);
        gw_hook_fini(gw);
        mnp_memzero(gw->seal_key, sizeof(gw->seal_key));
        free(gw);
        return rc;
    }
    *out = gw;
    return 0;
}

void mnp_gw_free(mnp_gw_t *gw)
{
    if (gw == NULL)
        return;
    gw_self_fini(gw);
    mnp_numplan_free(gw->plan);
    gw_hook_fini(gw);
    mnp_memzero(gw->seal_key, sizeof(gw->seal_key));
    free(gw);
}

const char *mnp_gw_operator(const mnp_gw_t *gw)
{
    return gw->op;
}

const char *mnp_gw_service_number(const mnp_gw_t *gw)
{
    return gw->service_number;
}

int gw_sms_new(const mnp_gw_t *gw, uint64_t to, const char *text, mnp_gw_sms_t **out,
               mnp_error_t *err)
{
    *out = NULL;
    size_t len = strlen(text), n = 0;
    mnp_sms_encoding_t enc;
    if (len >= MNP_GW_TEXT_MAX || mnp_sms_segment(text, len, &enc, NULL, 0, &n) != 0)
        return mnp_error_set(err, MNP_EINTERNAL, "an SMS that is not valid UTF-8 or too long");
    mnp_gw_sms_t *m = calloc(1, sizeof(*m));
    if (m == NULL)
        return mnp_error_set(err, MNP_ENOMEM, "out of memory");
    snprintf(m->op, sizeof(m->op), "%s", gw->op);
    m->to = to;
    snprintf(m->from, sizeof(m->from), "%s", gw->service_number);
    memcpy(m->text, text, len + 1);
    m->segments = (unsigned)n;
    m->created_ms = mnp_clock_now_ms(gw->clock);
    *out = m;
    return 0;
}

void gw_sms_free(mnp_gw_sms_t *m)
{
    if (m == NULL)
        return;
    mnp_memzero(m->text, sizeof(m->text));
    free(m);
}

static int queue_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_gw_sms_add(txn, arg, err);
}

int gw_sms_queue(mnp_gw_t *gw, mnp_gw_sms_t *m, mnp_error_t *err)
{
    return mnp_store_write(gw->store, queue_write, m, err);
}
