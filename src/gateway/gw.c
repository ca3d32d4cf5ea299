/*
 * An operator gateway's life: made from its configuration, freed at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/alloc.h"

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
    if (mnp_numplan_new(&gw->plan) != 0) {
        free(gw);
        return mnp_error_set(err, MNP_ENOMEM, "out of memory");
    }
    *out = gw;
    return 0;
}

void mnp_gw_free(mnp_gw_t *gw)
{
    if (gw == NULL)
        return;
    mnp_numplan_free(gw->plan);
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

unsigned gw_segments(const char *text)
{
    size_t n = 0;
    mnp_sms_encoding_t enc;
    if (mnp_sms_segment(text, strlen(text), &enc, NULL, 0, &n) != 0 || n == 0)
        return 1;
    return (unsigned)n;
}
