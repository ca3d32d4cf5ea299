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
    void (*on_work)(void *arg);
    void *on_work_arg;
};

/* Tells the process that gw queued work for its courier (gateway.h: on_work). */
static inline void gw_wake(const mnp_gw_t *gw)
{
    if (gw->on_work != NULL)
        gw->on_work(gw->on_work_arg);
}

/* A new outbound SMS of gw to number `to` with text (valid UTF-8, whole), its segments
 * counted and stamped now. MNP_ENOMEM, or MNP_EINTERNAL for text that is not valid UTF-8 or does
 * not fit. Free with gw_sms_free, which wipes the text: it may carry a code. */
int gw_sms_new(const mnp_gw_t *gw, uint64_t to, const char *text, mnp_gw_sms_t **out,
               mnp_error_t *err);
void gw_sms_free(mnp_gw_sms_t *m);

/* Queues m for the SMS centre in a store transaction of its own; m->id is set. */
int gw_sms_queue(mnp_gw_t *gw, mnp_gw_sms_t *m, mnp_error_t *err);

#endif
