/*
 * Tests of the clearinghouse workflow's first steps against a real store with the demo number
 * plan and routing numbers, a manual clock and a fresh hashing key: registering codes, and
 * submitting port requests that succeed or meet each of C01-C08 and the 120-day rule, with the
 * lock after five wrong codes. Refusals are audited; malformed requests change nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ch_env.h"
#include "mnp/clearinghouse.h"
#include "mnp/order.h"
#include "mnp/store_audit.h"
#include "mnp/store_feed.h"
#include "mnp/store_npdb.h"
#include "mnp/store_orders.h"

#define TEN     INT64_C(1795600800000) /* 2026-11-25T10:00:00Z */
#define NUMBER  "13007301234"          /* CUCC, Changsha (demo blocks) */
#define E164    UINT64_C(8613007301234)
#define ID      "430102199001011238"
#define OTHERID "110105198002024567"

typedef test_ch_env_t env_t;

static int setup(void **state)
{
    env_t *e = malloc(sizeof(*e));
    test_ch_env_init(e, sizeof(*e), TEN);
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    test_ch_env_fini(*state);
    free(*state);
    return 0;
}

static mnp_ch_outcome_t reg(env_t *e, const char *donor, const char *number, const char *id,
                            const char *code)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_register_code(e->ch, donor, number, id, code, &o, &err) != 0)
        fail_msg("register: %s", err.msg);
    return o;
}

static mnp_ch_outcome_t sub(env_t *e, const char *recipient, const char *number, const char *id,
                            const char *code)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_submit(e->ch, recipient, number, id, code, "store", &o, &err) != 0)
        fail_msg("submit: %s", err.msg);
    return o;
}

static int head_of(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    uint8_t hash[32];
    return mnp_txn_audit_head(txn, arg, hash, err);
}

static uint64_t audit_count(env_t *e)
{
    uint64_t n = 0;
    mnp_error_t err;
    assert_int_equal(mnp_store_read(e->store, head_of, &n, &err), 0);
    return n;
}

/* The outcome is evaluated once: it is a request. */
#define assert_refused(outcome, st, c)                                                             \
    do {                                                                                           \
        mnp_ch_outcome_t o_ = (outcome);                                                           \
        assert_int_equal(o_.status, (st));                                                         \
        assert_string_equal(o_.code, (c));                                                         \
        assert_true(o_.detail[0] != '\0');                                                         \
    } while (0)

static int get_order(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    mnp_order_rec_t *o = arg;
    return mnp_txn_order_get(txn, o->id, o, err);
}

static int feed_head(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_feed_head(txn, arg, err);
}

static void test_register_and_submit(void **state)
{
    env_t *e = *state;
    mnp_ch_outcome_t o = reg(e, "CUCC", NUMBER, ID, "123456");
    assert_int_equal(o.status, 201);
    /* Only the serving operator registers codes. */
    assert_refused(reg(e, "CMCC", NUMBER, ID, "123456"), 403, "not_serving");
    assert_refused(reg(e, "CUCC", NUMBER, "430102199001011230", "123456"), 400, "C08");
    assert_refused(reg(e, "CUCC", NUMBER, ID, "12345"), 400, "C08");

    uint64_t audits = audit_count(e);
    o = sub(e, "CMCC", "+86 130 0730 1234", ID, "123456");
    assert_int_equal(o.status, 201);
    assert_string_equal(o.code, "");
    assert_true(o.order_id > 0);
    assert_int_equal(audit_count(e), audits + 1);

    mnp_order_rec_t ord = {.id = o.order_id};
    mnp_error_t err;
    assert_int_equal(mnp_store_read(e->store, get_order, &ord, &err), 0);
    assert_int_equal(ord.state, MNP_ORDER_PENDING_DONOR);
    assert_int_equal(ord.number, E164);
    assert_string_equal(ord.recipient, "CMCC");
    assert_string_equal(ord.donor, "CUCC");
    assert_string_equal(ord.holder, "CUCC");
    assert_string_equal(ord.local_network, "0731");
    assert_int_equal(ord.donor_deadline_ms, TEN + MNP_DONOR_WINDOW_MS_DEFAULT);
    uint64_t seq = 0;
    assert_int_equal(mnp_store_read(e->store, feed_head, &seq, &err), 0);
    assert_int_equal(seq, 1);

    /* RULE C04: one open order per number (checked before the code). */
    assert_refused(sub(e, "CTCC", NUMBER, ID, "123456"), 409, "C04");
    assert_int_equal(audit_count(e), audits + 2);
}

static int close_order(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    mnp_order_rec_t o = {.id = *(int64_t *)arg};
    int rc = mnp_txn_order_get(txn, o.id, &o, err);
    o.state = MNP_ORDER_CANCELLED;
    return rc ? rc : mnp_txn_order_update(txn, &o, MNP_ORDER_PENDING_DONOR, err);
}

static void test_code_used_and_expired(void **state)
{
    env_t *e = *state;
    assert_int_equal(reg(e, "CUCC", NUMBER, ID, "654321").status, 201);
    mnp_ch_outcome_t o = sub(e, "CMCC", NUMBER, ID, "654321");
    assert_int_equal(o.status, 201);
    mnp_error_t err;
    assert_int_equal(mnp_store_write(e->store, close_order, &o.order_id, &err), 0);
    /* RULE C03: single use. */
    assert_refused(sub(e, "CMCC", NUMBER, ID, "654321"), 422, "C03");
    /* RULE C02: a new code replaces the old one and is valid 60 minutes. */
    assert_int_equal(reg(e, "CUCC", NUMBER, ID, "111111").status, 201);
    assert_int_equal(mnp_clock_advance(e->clock, MNP_MS_PER_HOUR), 0);
    assert_refused(sub(e, "CMCC", NUMBER, ID, "111111"), 422, "C02");
    assert_refused(sub(e, "CMCC", NUMBER, ID, "654321"), 422, "C01");
}

static void test_wrong_codes_lock(void **state)
{
    env_t *e = *state;
    assert_int_equal(reg(e, "CUCC", NUMBER, ID, "222222").status, 201);
    assert_int_equal(mnp_clock_advance(e->clock, 10 * MNP_MS_PER_MINUTE), 0);
    /* The wrong identity with the right code is a wrong code too. */
    assert_refused(sub(e, "CMCC", NUMBER, OTHERID, "222222"), 422, "C01");
    for (int i = 0; i < 3; i++)
        assert_refused(sub(e, "CMCC", NUMBER, ID, "999999"), 422, "C01");
    /* RULE §7: the fifth wrong attempt in the hour locks the number for the rest of it. */
    assert_refused(sub(e, "CMCC", NUMBER, ID, "999999"), 429, "C01");
    assert_refused(sub(e, "CMCC", NUMBER, ID, "222222"), 429, "C01");
    assert_int_equal(mnp_clock_advance(e->clock, 50 * MNP_MS_PER_MINUTE), 0);
    assert_refused(sub(e, "CMCC", NUMBER, ID, "222222"), 422, "C02"); /* unlocked, expired */
}

typedef struct code_state {
    int64_t used_ms;
    uint64_t failures;
    bool id_hashed; /* the identity's keyed hash is stored, never the identity */
} code_state_t;

static int read_code_state(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    code_state_t *cs = arg;
    mnp_authcode_rec_t rec;
    int rc = mnp_txn_authcode_get(txn, E164, &rec, err);
    cs->used_ms = rec.used_ms;
    uint8_t zero[sizeof(rec.id_hash)] = {0};
    cs->id_hashed = memcmp(rec.id_hash, zero, sizeof(zero)) != 0;
    return rc ? rc : mnp_txn_code_failures_since(txn, E164, 0, &cs->failures, err);
}

/* The number came to CUCC from CMCC ten days ago (an ACTIVE port), and CMCC's own port of it
 * before that was reversed, which does not count. */
static int ported_recently(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    (void)arg;
    int64_t at = TEN - 10 * MNP_MS_PER_DAY;
    mnp_order_rec_t o = {.number = E164,
                         .state = MNP_ORDER_ACTIVE,
                         .created_ms = at - MNP_MS_PER_HOUR,
                         .updated_ms = at,
                         .cutover_ms = at,
                         .active_ms = at};
    strcpy(o.recipient, "CUCC");
    strcpy(o.donor, "CMCC");
    strcpy(o.holder, "CUCC");
    strcpy(o.local_network, "0731");
    strcpy(o.channel, "store");
    mnp_order_rec_t reversed = o;
    reversed.state = MNP_ORDER_REVERSED;
    reversed.cutover_ms = at + MNP_MS_PER_DAY;
    reversed.closed_ms = at + 2 * MNP_MS_PER_DAY;
    int rc = mnp_txn_order_insert(txn, &o, err);
    if (rc == 0)
        rc = mnp_txn_order_insert(txn, &reversed, err);
    return rc;
}

static void test_number_and_operator_rules(void **state)
{
    env_t *e = *state;
    uint64_t audits = audit_count(e);
    /* RULE C08: malformed requests change nothing, not even the audit log. */
    assert_refused(sub(e, "CMCC", "1300730", ID, "123456"), 400, "C08");
    assert_refused(sub(e, "CMCC", NUMBER, "4301021990010112", "123456"), 400, "C08");
    assert_refused(sub(e, "CMCC", NUMBER, ID, "12a456"), 400, "C08");
    assert_int_equal(audit_count(e), audits);

    assert_int_equal(reg(e, "CUCC", NUMBER, ID, "333333").status, 201);
    audits = audit_count(e);
    /* C06: the recipient already serves the number. */
    assert_refused(sub(e, "CUCC", NUMBER, ID, "333333"), 409, "C06");
    /* C05: the recipient has no routing number in the number's local network. */
    assert_refused(sub(e, "XTRA", NUMBER, ID, "333333"), 422, "C05");
    /* C07: not a portable type; a block outside the number plan. */
    assert_refused(sub(e, "CMCC", "13491234567", ID, "333333"), 422, "C07");
    assert_refused(sub(e, "CMCC", "13099990000", ID, "333333"), 422, "C07");
    assert_int_equal(audit_count(e), audits + 4);

    /* RULE E05: ported ten days ago: refused, with the first date it may port again. */
    mnp_error_t err;
    assert_int_equal(mnp_store_write(e->store, ported_recently, NULL, &err), 0);
    mnp_ch_outcome_t o = sub(e, "CMCC", NUMBER, ID, "333333");
    assert_refused(o, 422, "C07");
    assert_non_null(strstr(o.detail, "120 days"));
    /* Ported 15 November (Beijing): again from 15 March 00:00 Beijing = 14 March 16:00 UTC. */
    assert_non_null(strstr(o.detail, "2027-03-14T16:00:00.000Z"));
    /* The code was neither spent nor counted as wrong on requests that could not succeed. */
    code_state_t cs = {0};
    assert_int_equal(mnp_store_read(e->store, read_code_state, &cs, &err), 0);
    assert_int_equal(cs.used_ms, 0);
    assert_int_equal(cs.failures, 0);
    assert_true(cs.id_hashed);
}

static mnp_ch_outcome_t answer(env_t *e, const char *donor, int64_t id, const char *reason,
                               const char *text)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_answer(e->ch, donor, id, reason, text, &o, &err) != 0)
        fail_msg("answer: %s", err.msg);
    return o;
}

static unsigned tick(env_t *e)
{
    unsigned n = 0;
    mnp_error_t err;
    if (mnp_ch_tick(e->ch, &n, &err) != 0)
        fail_msg("tick: %s", err.msg);
    return n;
}

static mnp_order_rec_t order(env_t *e, int64_t id)
{
    mnp_order_rec_t o = {.id = id};
    mnp_error_t err;
    assert_int_equal(mnp_store_read(e->store, get_order, &o, &err), 0);
    return o;
}

static int64_t new_order(env_t *e, const char *code)
{
    assert_int_equal(reg(e, "CUCC", NUMBER, ID, code).status, 201);
    mnp_ch_outcome_t o = sub(e, "CMCC", NUMBER, ID, code);
    assert_int_equal(o.status, 201);
    return o.order_id;
}

static void test_donor_answers(void **state)
{
    env_t *e = *state;
    int64_t id = new_order(e, "444444");
    /* Only the donor answers; to anyone else the order does not exist. */
    assert_refused(answer(e, "CMCC", id, NULL, NULL), 404, "not_found");
    assert_refused(answer(e, "CUCC", id + 100, NULL, NULL), 404, "not_found");
    /* RULE §5: D01-D03 only; a contract, a promotion, a C-code are not objections. */
    assert_refused(answer(e, "CUCC", id, "E04", "unfinished contract"), 422, "not_an_objection");
    assert_refused(answer(e, "CUCC", id, "C04", NULL), 422, "not_an_objection");
    assert_refused(answer(e, "CUCC", id, "D03", ""), 422, "justification_required");
    assert_int_equal(order(e, id).state, MNP_ORDER_PENDING_DONOR);

    assert_int_equal(answer(e, "CUCC", id, "D01", "reported lost at 10:05").status, 200);
    mnp_order_rec_t o = order(e, id);
    assert_int_equal(o.state, MNP_ORDER_REJECTED);
    assert_string_equal(o.reason, "D01");
    assert_string_equal(o.reason_text, "reported lost at 10:05");
    assert_int_equal(o.closed_ms, TEN);
    assert_refused(answer(e, "CUCC", id, NULL, NULL), 409, "invalid_state");

    /* Accepted, then scheduled for the next whole hour by the next tick. */
    assert_int_equal(mnp_clock_advance(e->clock, 90 * 1000), 0);
    id = new_order(e, "555555");
    assert_int_equal(answer(e, "CUCC", id, "", NULL).status, 200);
    assert_int_equal(order(e, id).state, MNP_ORDER_ACCEPTED);
    assert_int_equal(tick(e), 1);
    o = order(e, id);
    assert_int_equal(o.state, MNP_ORDER_SCHEDULED);
    assert_int_equal(o.cutover_ms, TEN + MNP_MS_PER_HOUR);
    assert_false(o.donor_silent);
}

static int npdb_of(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_npdb_get(txn, E164, arg, err);
}

static mnp_ch_outcome_t ack(env_t *e, const char *consumer, uint64_t seq)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_ack(e->ch, consumer, seq, &o, &err) != 0)
        fail_msg("ack: %s", err.msg);
    return o;
}

static void test_silence_cutover_active(void **state)
{
    env_t *e = *state;
    int64_t id = new_order(e, "666666");
    assert_int_equal(tick(e), 0); /* nothing due yet */
    /* RULE §5: the window closes; the donor's answer is too late, its silence is consent. */
    assert_int_equal(mnp_clock_advance(e->clock, MNP_DONOR_WINDOW_MS_DEFAULT), 0);
    assert_refused(answer(e, "CUCC", id, NULL, NULL), 409, "window_closed");
    assert_int_equal(tick(e), 2); /* silent acceptance, then scheduling */
    mnp_order_rec_t o = order(e, id);
    assert_int_equal(o.state, MNP_ORDER_SCHEDULED);
    assert_true(o.donor_silent);
    assert_int_equal(o.donor_answer_ms, TEN + MNP_DONOR_WINDOW_MS_DEFAULT);
    assert_int_equal(o.cutover_ms, TEN + MNP_MS_PER_HOUR);

    /* One millisecond early: nothing. At the hour: the NPDB switches and is broadcast. */
    assert_int_equal(mnp_clock_set(e->clock, o.cutover_ms - 1), 0);
    assert_int_equal(tick(e), 0);
    assert_int_equal(mnp_clock_set(e->clock, o.cutover_ms), 0);
    assert_int_equal(tick(e), 1);
    o = order(e, id);
    assert_int_equal(o.state, MNP_ORDER_BROADCASTING);
    mnp_npdb_rec_t n;
    mnp_error_t err;
    assert_int_equal(mnp_store_read(e->store, npdb_of, &n, &err), 0);
    assert_string_equal(n.op, "CMCC");
    assert_int_equal(n.seq, (uint64_t)o.npdb_seq);

    /* ACTIVE only once every operator's copy has acknowledged the change. */
    assert_refused(ack(e, "CMCC", (uint64_t)o.npdb_seq + 100), 422, "beyond_head");
    for (int i = 0; i < TEST_CH_OPERATORS; i++) {
        assert_int_equal(order(e, id).state, MNP_ORDER_BROADCASTING);
        assert_int_equal(ack(e, test_ch_operators[i], (uint64_t)o.npdb_seq).status, 200);
        assert_int_equal(tick(e), i == TEST_CH_OPERATORS - 1 ? 1 : 0);
    }
    o = order(e, id);
    assert_int_equal(o.state, MNP_ORDER_ACTIVE);
    assert_int_equal(o.active_ms, TEN + MNP_MS_PER_HOUR);
}

/* Drives a new order to ACTIVE: silence, the next whole hour, every operator acknowledging. */
static int64_t active_order(env_t *e, const char *code)
{
    int64_t id = new_order(e, code);
    mnp_order_rec_t o = order(e, id);
    assert_int_equal(mnp_clock_set(e->clock, o.donor_deadline_ms), 0);
    tick(e);
    o = order(e, id);
    assert_int_equal(mnp_clock_set(e->clock, o.cutover_ms), 0);
    tick(e);
    o = order(e, id);
    for (int i = 0; i < TEST_CH_OPERATORS; i++)
        assert_int_equal(ack(e, test_ch_operators[i], (uint64_t)o.npdb_seq).status, 200);
    tick(e);
    assert_int_equal(order(e, id).state, MNP_ORDER_ACTIVE);
    return id;
}

static bool ported(env_t *e, char op[MNP_STORE_CODE_MAX])
{
    mnp_npdb_rec_t n;
    mnp_error_t err;
    int rc = mnp_store_read(e->store, npdb_of, &n, &err);
    if (rc == MNP_ENOENT)
        return false;
    assert_int_equal(rc, 0);
    strcpy(op, n.op);
    return true;
}

static mnp_ch_outcome_t call_cancel(env_t *e, const char *who, int64_t id)
{
    mnp_ch_outcome_t o;
    mnp_error_t err;
    if (mnp_ch_cancel(e->ch, who, id, &o, &err) != 0)
        fail_msg("cancel: %s", err.msg);
    return o;
}

static void test_cancel(void **state)
{
    env_t *e = *state;
    int64_t id = new_order(e, "777777");
    assert_refused(call_cancel(e, "CTCC", id), 404, "not_found");
    assert_refused(call_cancel(e, "CUCC", id), 404, "not_found"); /* the donor cannot cancel */
    assert_int_equal(call_cancel(e, "CMCC", id).status, 200);
    assert_int_equal(order(e, id).state, MNP_ORDER_CANCELLED);
    /* RULE §5: cancel is possible until SCHEDULED, not after. */
    id = new_order(e, "888888");
    assert_int_equal(answer(e, "CUCC", id, NULL, NULL).status, 200);
    tick(e);
    assert_int_equal(order(e, id).state, MNP_ORDER_SCHEDULED);
    assert_refused(call_cancel(e, "CMCC", id), 409, "invalid_state");
}

static void test_reverse_and_return(void **state)
{
    env_t *e = *state;
    char op[MNP_STORE_CODE_MAX];
    mnp_ch_outcome_t o;
    mnp_error_t err;
    int64_t id = active_order(e, "121212");
    assert_true(ported(e, op));
    assert_string_equal(op, "CMCC");
    /* A reversal needs a reason, and restores the previous operator (here the range holder, so
     * the NPDB forgets the number). */
    assert_int_equal(mnp_ch_reverse(e->ch, "MIIT", id, "", &o, &err), 0);
    assert_refused(o, 400, "C08");
    assert_int_equal(
        mnp_ch_reverse(e->ch, "MIIT", id, "ported without the owner's consent", &o, &err), 0);
    assert_int_equal(o.status, 200);
    assert_int_equal(order(e, id).state, MNP_ORDER_REVERSED);
    assert_false(ported(e, op));

    /* A number return: only the serving operator, and only for a ported number. */
    assert_int_equal(mnp_clock_advance(e->clock, 121 * MNP_MS_PER_DAY), 0);
    id = active_order(e, "131313");
    assert_int_equal(mnp_ch_return(e->ch, "CUCC", NUMBER, &o, &err), 0);
    assert_refused(o, 404, "not_serving");
    assert_int_equal(mnp_ch_return(e->ch, "CMCC", NUMBER, &o, &err), 0);
    assert_int_equal(o.status, 200);
    assert_int_equal(order(e, id).state, MNP_ORDER_RETURN_PENDING);
    assert_int_equal(tick(e), 1);
    assert_int_equal(order(e, id).state, MNP_ORDER_RETURNED);
    assert_false(ported(e, op)); /* RULE §3.5: back with its range holder */
    assert_int_equal(mnp_ch_return(e->ch, "CMCC", NUMBER, &o, &err), 0);
    assert_refused(o, 409, "not_ported");
}

/* RULE §3.4: the cutover hour follows from when the order was accepted, not from when the
 * clearinghouse's timer happened to run: a tick two hours late cuts over at once. */
static void test_late_tick_keeps_the_hour(void **state)
{
    env_t *e = *state;
    int64_t id = new_order(e, "141414");
    assert_int_equal(mnp_clock_advance(e->clock, MNP_MS_PER_MINUTE), 0);
    assert_int_equal(answer(e, "CUCC", id, NULL, NULL).status, 200);
    assert_int_equal(mnp_clock_advance(e->clock, 150 * MNP_MS_PER_MINUTE), 0);
    assert_int_equal(tick(e), 2); /* scheduled for 11:00, already past: cut over now */
    mnp_order_rec_t o = order(e, id);
    assert_int_equal(o.cutover_ms, TEN + MNP_MS_PER_HOUR);
    assert_int_equal(o.state, MNP_ORDER_BROADCASTING);
}

typedef struct last_rec {
    char action[MNP_AUDIT_ACTION_MAX + 1];
    char detail[512];
} last_rec_t;

static int keep_last(const mnp_audit_record_t *r, void *arg)
{
    last_rec_t *l = arg;
    snprintf(l->action, sizeof(l->action), "%s", r->action);
    snprintf(l->detail, sizeof(l->detail), "%s", r->detail ? r->detail : "");
    return 0;
}

static int read_last_audit(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_audit_each(txn, 0, 0, keep_last, arg, NULL, err);
}

static int keep_last_event(const mnp_feed_event_t *ev, void *arg)
{
    snprintf(arg, 256, "%s", ev->body);
    return 0;
}

static int read_last_event(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    return mnp_txn_feed_each(txn, 0, 0, keep_last_event, arg, err);
}

/* RULE §5: a copy that does not acknowledge in time is retried and reported, once per timeout,
 * and acknowledging the retry completes the broadcast. */
static void test_unacknowledged_broadcast(void **state)
{
    env_t *e = *state;
    int64_t id = new_order(e, "989898");
    assert_int_equal(answer(e, "CUCC", id, NULL, NULL).status, 200);
    tick(e);
    assert_int_equal(mnp_clock_set(e->clock, order(e, id).cutover_ms), 0);
    tick(e);
    mnp_order_rec_t o = order(e, id);
    assert_int_equal(o.state, MNP_ORDER_BROADCASTING);
    const char *ops[] = {"CMCC", "CUCC", "CTCC", "XTRA"}; /* CBN is late */
    for (int i = 0; i < 4; i++)
        assert_int_equal(ack(e, ops[i], (uint64_t)o.npdb_seq).status, 200);
    uint64_t head = 0, head2 = 0;
    mnp_error_t err;
    assert_int_equal(mnp_store_read(e->store, feed_head, &head, &err), 0);
    uint64_t records = audit_count(e);

    assert_int_equal(mnp_clock_advance(e->clock, MNP_ACK_TIMEOUT_MS_DEFAULT - 1), 0);
    assert_int_equal(tick(e), 0);
    assert_int_equal(audit_count(e), records); /* not yet */
    assert_int_equal(mnp_clock_advance(e->clock, 1), 0);
    assert_int_equal(tick(e), 0); /* a retry is not a state change */
    assert_int_equal(order(e, id).state, MNP_ORDER_BROADCASTING);
    assert_int_equal(audit_count(e), records + 1);
    last_rec_t l;
    assert_int_equal(mnp_store_read(e->store, read_last_audit, &l, &err), 0);
    assert_string_equal(l.action, "npdb.ack_overdue");
    char want[256];
    snprintf(want, sizeof(want),
             "{\"order\":%lld,\"npdb_seq\":%lld,\"retry_seq\":%llu,\"missing\":[\"CBN\"]}",
             (long long)id, (long long)o.npdb_seq, (unsigned long long)head + 1);
    assert_string_equal(l.detail, want);
    assert_int_equal(mnp_store_read(e->store, feed_head, &head2, &err), 0);
    assert_int_equal(head2, head + 1);
    char body[256];
    assert_int_equal(mnp_store_read(e->store, read_last_event, body, &err), 0);
    snprintf(
        want, sizeof(want),
        "{\"number\":\"8613007301234\",\"operator\":\"CMCC\",\"order\":%lld,\"retry_of\":%lld}",
        (long long)id, (long long)o.npdb_seq);
    assert_string_equal(body, want);

    /* The next retry waits a whole timeout again. */
    assert_int_equal(mnp_clock_advance(e->clock, MNP_ACK_TIMEOUT_MS_DEFAULT - 1), 0);
    assert_int_equal(tick(e), 0);
    assert_int_equal(audit_count(e), records + 1);
    /* CBN applies the retry and acknowledges it: ACTIVE. */
    assert_int_equal(ack(e, "CBN", head2).status, 200);
    assert_int_equal(tick(e), 1);
    assert_int_equal(order(e, id).state, MNP_ORDER_ACTIVE);
}

typedef struct poll_ctx {
    env_t *e;
    const char *reader;
    mnp_buf_t out;
    uint64_t next;
    int rc;
} poll_ctx_t;

static void *poller(void *arg)
{
    poll_ctx_t *p = arg;
    mnp_error_t err;
    p->rc = mnp_ch_events(p->e->ch, p->reader, 0, 100, 20000, NULL, &p->out, &p->next, &err);
    return NULL;
}

/* A long poll returns as soon as a write brings something for its reader (not at its timeout),
 * and an operator's feed leaves out other operators' orders. */
static void test_events(void **state)
{
    env_t *e = *state;
    poll_ctx_t p = {.e = e, .reader = "CMCC"};
    mnp_buf_init(&p.out, 65536);
    pthread_t th;
    pthread_create(&th, NULL, poller, &p);
    new_order(e, "151515");
    pthread_join(th, NULL);
    assert_int_equal(p.rc, 0);
    assert_non_null(strstr(p.out.data, "\"state\":\"PENDING_DONOR\""));
    assert_int_equal(p.next, 1);
    mnp_buf_fini(&p.out);

    mnp_buf_t b;
    uint64_t next;
    mnp_error_t err;
    mnp_buf_init(&b, 65536);
    assert_int_equal(mnp_ch_events(e->ch, "CTCC", 0, 100, 0, NULL, &b, &next, &err), 0);
    assert_string_equal(b.data, "[]");
    assert_int_equal(next, 1); /* moved past what it may not see */
    mnp_buf_reset(&b);
    assert_int_equal(mnp_ch_events(e->ch, NULL, 0, 100, 0, NULL, &b, &next, &err), 0);
    assert_non_null(strstr(b.data, "\"seq\":1,"));
    mnp_buf_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_register_and_submit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_code_used_and_expired, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_codes_lock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_number_and_operator_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_donor_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_silence_cutover_active, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_late_tick_keeps_the_hour, setup, teardown),
        cmocka_unit_test_setup_teardown(test_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unacknowledged_broadcast, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reverse_and_return, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
