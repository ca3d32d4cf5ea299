/*
 * The port order's state machine (SPEC.md §5) as one table: for each event, the actor allowed to
 * cause it and the state it leads to from each state where it is possible. Everything not in the
 * table is refused, so a new way to change an order cannot appear without a line here.
 */
#include <string.h>

#include "mnp/order.h"

typedef struct transition {
    mnp_order_event_t ev;
    mnp_actor_t actor;
    mnp_order_state_t from;
    mnp_order_state_t to;
} transition_t;

static const transition_t table[] = {
    {MNP_EV_CHECKED, MNP_ACTOR_SYSTEM, MNP_ORDER_SUBMITTED, MNP_ORDER_PENDING_DONOR},
    /* RULE §5: the donor may answer only while it is asked; silence counts as consent. */
    {MNP_EV_DONOR_ACCEPT, MNP_ACTOR_DONOR, MNP_ORDER_PENDING_DONOR, MNP_ORDER_ACCEPTED},
    {MNP_EV_DONOR_OBJECT, MNP_ACTOR_DONOR, MNP_ORDER_PENDING_DONOR, MNP_ORDER_REJECTED},
    {MNP_EV_DONOR_SILENT, MNP_ACTOR_SYSTEM, MNP_ORDER_PENDING_DONOR, MNP_ORDER_ACCEPTED},
    {MNP_EV_SCHEDULE, MNP_ACTOR_SYSTEM, MNP_ORDER_ACCEPTED, MNP_ORDER_SCHEDULED},
    {MNP_EV_CUTOVER, MNP_ACTOR_SYSTEM, MNP_ORDER_SCHEDULED, MNP_ORDER_BROADCASTING},
    {MNP_EV_ALL_ACKED, MNP_ACTOR_SYSTEM, MNP_ORDER_BROADCASTING, MNP_ORDER_ACTIVE},
    /* RULE §5: cancel by the recipient, on the subscriber's wish, until SCHEDULED. */
    {MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, MNP_ORDER_SUBMITTED, MNP_ORDER_CANCELLED},
    {MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, MNP_ORDER_PENDING_DONOR, MNP_ORDER_CANCELLED},
    {MNP_EV_CANCEL, MNP_ACTOR_RECIPIENT, MNP_ORDER_ACCEPTED, MNP_ORDER_CANCELLED},
    /* RULE §5: reversal of a wrong port is the regulator's (or clearinghouse's) act. */
    {MNP_EV_REVERSE, MNP_ACTOR_REGULATOR, MNP_ORDER_ACTIVE, MNP_ORDER_REVERSED},
    /* RULE §3.5: a ported number goes back to its range holder when the account closes. */
    {MNP_EV_RETURN, MNP_ACTOR_SERVING, MNP_ORDER_ACTIVE, MNP_ORDER_RETURN_PENDING},
    {MNP_EV_RETURN_DONE, MNP_ACTOR_SYSTEM, MNP_ORDER_RETURN_PENDING, MNP_ORDER_RETURNED},
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

static const char *const state_names[MNP_ORDER_STATE_COUNT] = {
    [MNP_ORDER_SUBMITTED] = "SUBMITTED",       [MNP_ORDER_PENDING_DONOR] = "PENDING_DONOR",
    [MNP_ORDER_ACCEPTED] = "ACCEPTED",         [MNP_ORDER_SCHEDULED] = "SCHEDULED",
    [MNP_ORDER_BROADCASTING] = "BROADCASTING", [MNP_ORDER_ACTIVE] = "ACTIVE",
    [MNP_ORDER_REJECTED] = "REJECTED",         [MNP_ORDER_CANCELLED] = "CANCELLED",
    [MNP_ORDER_REVERSED] = "REVERSED",         [MNP_ORDER_RETURN_PENDING] = "RETURN_PENDING",
    [MNP_ORDER_RETURNED] = "RETURNED",
};

static const char *const event_names[MNP_ORDER_EVENT_COUNT] = {
    [MNP_EV_CHECKED] = "checked",           [MNP_EV_DONOR_ACCEPT] = "donor_accept",
    [MNP_EV_DONOR_OBJECT] = "donor_object", [MNP_EV_DONOR_SILENT] = "donor_silent",
    [MNP_EV_SCHEDULE] = "schedule",         [MNP_EV_CUTOVER] = "cutover",
    [MNP_EV_ALL_ACKED] = "all_acked",       [MNP_EV_CANCEL] = "cancel",
    [MNP_EV_REVERSE] = "reverse",           [MNP_EV_RETURN] = "return",
    [MNP_EV_RETURN_DONE] = "return_done",
};

static const char *const actor_names[] = {
    [MNP_ACTOR_SYSTEM] = "the clearinghouse",
    [MNP_ACTOR_RECIPIENT] = "the recipient",
    [MNP_ACTOR_DONOR] = "the donor",
    [MNP_ACTOR_REGULATOR] = "the regulator",
    [MNP_ACTOR_SERVING] = "the serving operator",
};

const char *mnp_order_state_name(mnp_order_state_t s)
{
    if ((unsigned)s >= MNP_ORDER_STATE_COUNT || state_names[s] == NULL)
        return "";
    return state_names[s];
}

mnp_order_state_t mnp_order_state_parse(const char *name)
{
    for (unsigned s = 1; s < MNP_ORDER_STATE_COUNT; s++)
        if (strcmp(state_names[s], name) == 0)
            return (mnp_order_state_t)s;
    return 0;
}

const char *mnp_order_event_name(mnp_order_event_t ev)
{
    if ((unsigned)ev >= MNP_ORDER_EVENT_COUNT || event_names[ev] == NULL)
        return "";
    return event_names[ev];
}

static const char *actor_name(mnp_actor_t a)
{
    if ((unsigned)a >= sizeof(actor_names) / sizeof(actor_names[0]) || actor_names[a] == NULL)
        return "an unknown actor";
    return actor_names[a];
}

bool mnp_order_state_final(mnp_order_state_t s)
{
    return s == MNP_ORDER_REJECTED || s == MNP_ORDER_CANCELLED || s == MNP_ORDER_REVERSED ||
           s == MNP_ORDER_RETURNED;
}

bool mnp_order_state_open(mnp_order_state_t s)
{
    return s == MNP_ORDER_SUBMITTED || s == MNP_ORDER_PENDING_DONOR || s == MNP_ORDER_ACCEPTED ||
           s == MNP_ORDER_SCHEDULED || s == MNP_ORDER_BROADCASTING;
}

int mnp_order_next(mnp_order_state_t from, mnp_order_event_t ev, mnp_actor_t actor,
                   mnp_order_state_t *to, mnp_error_t *err)
{
    bool event_known = false, wrong_actor = false;
    for (size_t i = 0; i < TABLE_LEN; i++) {
        if (table[i].ev != ev)
            continue;
        event_known = true;
        if (table[i].from != from)
            continue;
        if (table[i].actor != actor) {
            wrong_actor = true;
            continue;
        }
        *to = table[i].to;
        return 0;
    }
    if (!event_known)
        return mnp_error_set(err, MNP_EINVAL, "unknown order event %d", (int)ev);
    if (wrong_actor)
        return mnp_error_set(err, MNP_EINVAL, "%s may not %s an order", actor_name(actor),
                             mnp_order_event_name(ev));
    return mnp_error_set(err, MNP_EINVAL, "an order in state %s cannot %s",
                         mnp_order_state_name(from)[0] ? mnp_order_state_name(from) : "(unknown)",
                         mnp_order_event_name(ev));
}
