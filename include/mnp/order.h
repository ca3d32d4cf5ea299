/*
 * The port order's state machine and the rules of time that drive it (SPEC.md §5), as pure
 * functions: which state an event leads to, who may cause it, the reason codes with their stable
 * names, when the donor's answer window closes, when cutover happens, and when a number may port
 * again. The workflow module applies these inside store transactions; nothing else decides a
 * state change.
 */
#ifndef MNP_ORDER_H
#define MNP_ORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "mnp/error.h"

typedef enum mnp_order_state {
    MNP_ORDER_SUBMITTED = 1,
    MNP_ORDER_PENDING_DONOR,
    MNP_ORDER_ACCEPTED,
    MNP_ORDER_SCHEDULED,
    MNP_ORDER_BROADCASTING,
    MNP_ORDER_ACTIVE,
    MNP_ORDER_REJECTED,
    MNP_ORDER_CANCELLED,
    MNP_ORDER_REVERSED,
    MNP_ORDER_RETURN_PENDING,
    MNP_ORDER_RETURNED,
} mnp_order_state_t;

#define MNP_ORDER_STATE_COUNT 12 /* including the unused 0 */

/* What happens to an order. */
typedef enum mnp_order_event {
    MNP_EV_CHECKED = 1,  /* system: the submission checks passed, the donor is asked */
    MNP_EV_DONOR_ACCEPT, /* donor: no objection */
    MNP_EV_DONOR_OBJECT, /* donor: D01-D03, inside the answer window */
    MNP_EV_DONOR_SILENT, /* system: the window closed without an answer (consent) */
    MNP_EV_SCHEDULE,     /* system: cutover instant fixed */
    MNP_EV_CUTOVER,      /* system: cutover instant reached, NPDB changed, broadcast begins */
    MNP_EV_ALL_ACKED,    /* system: every operator's copy acknowledged the change */
    MNP_EV_CANCEL,       /* recipient, on the subscriber's wish */
    MNP_EV_REVERSE,      /* regulator: a wrong port is undone */
    MNP_EV_RETURN,       /* serving operator: the ported subscriber closed the account */
    MNP_EV_RETURN_DONE,  /* system: the number is back with its range holder */
} mnp_order_event_t;

#define MNP_ORDER_EVENT_COUNT 12 /* including the unused 0 */

/* Who may cause an event. */
typedef enum mnp_actor {
    MNP_ACTOR_SYSTEM = 1,    /* the clearinghouse's own timers and checks */
    MNP_ACTOR_RECIPIENT = 2, /* the operator the number moves to */
    MNP_ACTOR_DONOR = 3,     /* the operator now serving the number */
    MNP_ACTOR_REGULATOR = 4,
    MNP_ACTOR_SERVING = 5, /* the operator serving the number after ACTIVE (for returns) */
} mnp_actor_t;

/* Puts in *to the state that event ev leads to from state `from` when actor causes it. Refuses
 * with MNP_EINVAL, and err saying why, an event that is not possible in that state (a cancel
 * after SCHEDULED, an objection after the donor answered) and an actor that may not cause the
 * event (the regulator changes nothing but by reversal, a donor cannot cancel, no operator can
 * drive the system's timers). */
int mnp_order_next(mnp_order_state_t from, mnp_order_event_t ev, mnp_actor_t actor,
                   mnp_order_state_t *to, mnp_error_t *err) MNP_WUR;

/* An order in a final state never changes again (REJECTED, CANCELLED, REVERSED, RETURNED). */
bool mnp_order_state_final(mnp_order_state_t s);

/* An open order blocks another order for the same number (SPEC §5 invariant): every state before
 * ACTIVE that is not final. */
bool mnp_order_state_open(mnp_order_state_t s);

/* "PENDING_DONOR"; "" for values outside the enum. */
const char *mnp_order_state_name(mnp_order_state_t s);

/* The state for name (exact, upper case); 0 when there is none. */
mnp_order_state_t mnp_order_state_parse(const char *name);

const char *mnp_order_event_name(mnp_order_event_t ev);

/* ---- reason codes ------------------------------------------------------------------------ */

/* Refusals of a submission (C01-C08) and the only objections a donor may make (D01-D03).
 * RULE §5: any other objection is refused by the API; the system has no way to express one. */
typedef enum mnp_reason {
    MNP_REASON_NONE = 0,
    MNP_C01_CODE_INVALID,
    MNP_C02_CODE_EXPIRED,
    MNP_C03_CODE_USED,
    MNP_C04_ORDER_OPEN,
    MNP_C05_OTHER_NETWORK,
    MNP_C06_ALREADY_SERVING,
    MNP_C07_NOT_PORTABLE,
    MNP_C08_MALFORMED,
    MNP_D01_STATUS_CHANGED,
    MNP_D02_OWNER_CHANGED,
    MNP_D03_FRAUD_SUSPECTED,
} mnp_reason_t;

#define MNP_REASON_COUNT 12 /* including MNP_REASON_NONE */

/* "C04", "D03"; "" for MNP_REASON_NONE or values outside the enum. */
const char *mnp_reason_code(mnp_reason_t r);

/* A one-sentence English description for people ("an open order for this number exists"). */
const char *mnp_reason_text(mnp_reason_t r);

/* The reason for code ("D01"); MNP_REASON_NONE when it is not one. */
mnp_reason_t mnp_reason_parse(const char *code);

/* True for D01-D03, the only reasons a donor may object with. */
bool mnp_reason_is_objection(mnp_reason_t r);

/* True when the reason needs a free-text justification (D03, always audited). */
bool mnp_reason_needs_text(mnp_reason_t r);

/* ---- time ---------------------------------------------------------------------------------- */

#define MNP_MS_PER_MINUTE INT64_C(60000)
#define MNP_MS_PER_HOUR   INT64_C(3600000)
#define MNP_MS_PER_DAY    INT64_C(86400000)

#define MNP_DONOR_WINDOW_MS_DEFAULT (10 * MNP_MS_PER_MINUTE) /* SPEC §5 */
#define MNP_CUTOVER_STEP_MS_DEFAULT MNP_MS_PER_HOUR          /* next whole hour */
#define MNP_ACK_TIMEOUT_MS_DEFAULT  MNP_MS_PER_MINUTE /* an NPDB change not acknowledged: retry */
#define MNP_PORT_INTERVAL_DAYS      120                      /* RULE E05 / §5 */

/* The cutover instant for an order accepted at accepted_ms: the next multiple of step_ms strictly
 * after it (step MNP_MS_PER_HOUR: the next whole hour, UTC — China has no daylight saving and its
 * offset is a whole number of hours, so whole hours agree in every zone that matters). step_ms
 * 0 means immediately (accepted_ms), for demos and tests. */
int64_t mnp_cutover_at(int64_t accepted_ms, int64_t step_ms);

/* The first instant a number whose last port became ACTIVE at last_active_ms may port again:
 * 120 calendar days later. Calendar days are counted in China Standard Time (UTC+8), so a port on
 * any moment of 1 March allows the next from the start of 29 June, Beijing time. */
int64_t mnp_port_again_from(int64_t last_active_ms);

#endif
