/*
 * Private to the gateway area: the tenant's state shared by its files.
 */
#ifndef MNP_GW_INT_H
#define MNP_GW_INT_H

#include "mnp/eligibility.h"
#include "mnp/gateway.h"
#include "mnp/log.h"
#include "mnp/numplan.h"

struct mnp_gw {
    char op[MNP_STORE_CODE_MAX];
    char name[64];
    char service_number[16];
    mnp_store_t *store;
    mnp_ch_client_t *ch;
    const mnp_clock_t *clock;
    mnp_numplan_t *plan; /* the built-in plan: which numbers port at all (E06) */
};

/* How many SMS text (valid UTF-8) takes; 1 for anything it cannot measure. */
unsigned gw_segments(const char *text);

#endif
