/*
 * The store invariants of ch_check.h. Everything is read in one snapshot first (orders, then the
 * audit log record by record, then the NPDB rows, codes and consumers of every number the log
 * or the orders mention), and judged afterwards, so that a violation never interrupts a store
 * read. The audit log is the reference: the orders and the NPDB must be what it says.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ch_check.h"
#include "mnp/store_audit.h"
#include "mnp/store_feed.h"
#include "mnp/store_npdb.h"

void test_ch_world_problem(test_ch_world_t *w, const char *fmt, ...)
{
    if (w->problem_count < TEST_CH_PROBLEMS_MAX) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(w->problems[w->problem_count], TEST_CH_PROBLEM_LEN, fmt, ap);
        va_end(ap);
    }
    w->problem_count++;
}

/* ---- the number table (open addressing, power-of-two size, at most half full) ------------ */

static size_t slot_of(uint64_t number, size_t slots)
{
    number ^= number >> 33;
    number *= UINT64_C(0xff51afd7ed558ccd);
    number ^= number >> 33;
    return (size_t)number & (slots - 1);
}

static test_ch_number_t *number_probe(test_ch_number_t *tab, size_t slots, uint64_t number)
{
    size_t i = slot_of(number, slots);
    while (tab[i].number != 0 && tab[i].number != number)
        i = (i + 1) & (slots - 1);
    return &tab[i];
}

/* The entry of number, added when missing; NULL when out of memory. */
static test_ch_number_t *number_at(test_ch_world_t *w, uint64_t number)
{
    if ((w->number_count + 1) * 2 > w->number_slots) {
        size_t slots = w->number_slots ? w->number_slots * 2 : 1024;
        test_ch_number_t *tab = calloc(slots, sizeof(*tab));
        if (tab == NULL)
            return NULL;
        for (size_t i = 0; i < w->number_slots; i++)
            if (w->numbers[i].number != 0)
                *number_probe(tab, slots, w->numbers[i].number) = w->numbers[i];
        free(w->numbers);
        w->numbers = tab;
        w->number_slots = slots;
    }
    test_ch_number_t *e = number_probe(w->numbers, w->number_slots, number);
    if (e->number == 0) {
        e->number = number;
        w->number_count++;
    }
    return e;
}

const test_ch_number_t *test_ch_world_number(const test_ch_world_t *w, uint64_t number)
{
    if (w->number_slots == 0 || number == 0)
        return NULL;
    test_ch_number_t *e = number_probe(w->numbers, w->number_slots, number);
    return e->number == number ? e : NULL;
}

const test_ch_order_t *test_ch_world_order(const test_ch_world_t *w, int64_t id)
{
    if (id <= 0 || (size_t)id >= w->order_slots || !w->orders[id].exists)
        return NULL;
    return &w->orders[id];
}

uint64_t test_ch_world_acked(const test_ch_world_t *w, const char *consumer)
{
    for (size_t i = 0; i < w->consumer_count; i++)
        if (strcmp(w->consumers[i].name, consumer) == 0)
            return w->consumers[i].acked;
    return 0;
}

bool test_ch_order_reached(const test_ch_order_t *o, mnp_order_state_t s, const char *actor,
                           bool not_silent)
{
    for (unsigned i = 0; i < o->steps; i++)
        if (o->path[i].state == s && (actor == NULL || strcmp(o->path[i].actor, actor) == 0) &&
            !(not_silent && o->path[i].silent))
            return true;
    return false;
}

void test_ch_world_free(test_ch_world_t *w)
{
    free(w->orders);
    free(w->numbers);
    *w = (test_ch_world_t){0};
}

/* ---- reading the snapshot ---------------------------------------------------------------- */

typedef struct load {
    test_ch_world_t *w;
    int64_t last_id;
    int rc; /* MNP_ENOMEM from a callback */
} load_t;

static int add_order(const mnp_order_rec_t *o, void *arg)
{
    load_t *l = arg;
    test_ch_world_t *w = l->w;
    if ((size_t)o->id >= w->order_slots) {
        size_t slots = (size_t)o->id * 2 + 16;
        test_ch_order_t *v = realloc(w->orders, slots * sizeof(*v));
        if (v == NULL)
            return l->rc = MNP_ENOMEM;
        memset(v + w->order_slots, 0, (slots - w->order_slots) * sizeof(*v));
        w->orders = v;
        w->order_slots = slots;
    }
    w->orders[o->id].exists = true;
    w->orders[o->id].rec = *o;
    w->order_count++;
    l->last_id = o->id;
    test_ch_number_t *e = number_at(w, o->number);
    if (e == NULL)
        return l->rc = MNP_ENOMEM;
    e->open_orders += mnp_order_state_open(o->state);
    return 0;
}

static int read_orders(mnp_txn_t *txn, load_t *l, mnp_error_t *err)
{
    for (int64_t after = 0;;) {
        size_t before = l->w->order_count;
        mnp_order_filter_t f = {.after_id = after, .limit = MNP_ORDER_LIST_MAX};
        int rc = mnp_txn_order_list(txn, &f, add_order, l, err);
        if (rc != 0)
            return l->rc ? l->rc : rc;
        if (l->w->order_count - before < MNP_ORDER_LIST_MAX)
            return 0;
        after = l->last_id;
    }
}

static const char *json_str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* "order.created" and "order.state": one step of the order's path. */
static void on_order_record(test_ch_world_t *w, const mnp_audit_record_t *r, const json_t *d)
{
    json_int_t id = json_integer_value(json_object_get(d, "order"));
    const char *state = json_str(d, "state");
    if (strcmp(json_str(d, "number"), r->subject ? r->subject : "") != 0)
        test_ch_world_problem(w, "audit %llu: number %s is not its subject %s",
                              (unsigned long long)r->seq, json_str(d, "number"), r->subject);
    if (id <= 0 || (size_t)id >= w->order_slots || !w->orders[id].exists) {
        test_ch_world_problem(w, "audit %llu: order %lld is not in the store",
                              (unsigned long long)r->seq, (long long)id);
        return;
    }
    test_ch_order_t *o = &w->orders[id];
    if (strcmp(r->action, "order.created") == 0 && o->steps != 0)
        test_ch_world_problem(w, "audit %llu: order %lld created twice", (unsigned long long)r->seq,
                              (long long)id);
    if (o->steps == TEST_CH_PATH_MAX) {
        test_ch_world_problem(w, "order %lld: more than %d state changes", (long long)id,
                              TEST_CH_PATH_MAX);
        return;
    }
    test_ch_step_t *s = &o->path[o->steps++];
    s->state = mnp_order_state_parse(state);
    s->silent = json_is_true(json_object_get(d, "silent"));
    snprintf(s->actor, sizeof(s->actor), "%s", r->actor);
    snprintf(s->reason, sizeof(s->reason), "%s", json_str(d, "reason"));
    if (s->state == 0)
        test_ch_world_problem(w, "audit %llu: unknown state '%s'", (unsigned long long)r->seq,
                              state);
}

/* "npdb.change": the replay sets the operator, or forgets the number when it is its holder's. */
static int on_npdb_record(load_t *l, const mnp_audit_record_t *r, const json_t *d)
{
    test_ch_world_t *w = l->w;
    const char *digits = json_str(d, "number"), *op = json_str(d, "operator");
    json_int_t id = json_integer_value(json_object_get(d, "order"));
    uint64_t number = strtoull(digits, NULL, 10);
    w->npdb_changes++;
    if (strcmp(digits, r->subject ? r->subject : "") != 0 || number == 0 || op[0] == '\0' ||
        strlen(op) >= MNP_STORE_CODE_MAX) {
        test_ch_world_problem(w, "audit %llu: malformed npdb.change %s", (unsigned long long)r->seq,
                              r->detail);
        return 0;
    }
    const test_ch_order_t *o = test_ch_world_order(w, id);
    if (o == NULL || o->rec.number != number) {
        test_ch_world_problem(w, "audit %llu: npdb.change of %s names order %lld, not its order",
                              (unsigned long long)r->seq, digits, (long long)id);
        return 0;
    }
    test_ch_number_t *e = number_at(w, number);
    if (e == NULL)
        return l->rc = MNP_ENOMEM;
    e->npdb_changes++;
    snprintf(e->last_change_op, sizeof(e->last_change_op), "%s", op);
    snprintf(e->replay_op, sizeof(e->replay_op), "%s", strcmp(op, o->rec.holder) ? op : "");
    return 0;
}

static int on_audit(const mnp_audit_record_t *r, void *arg)
{
    load_t *l = arg;
    test_ch_world_t *w = l->w;
    w->audit_records++;
    bool order = strcmp(r->action, "order.created") == 0 || strcmp(r->action, "order.state") == 0;
    bool npdb = strcmp(r->action, "npdb.change") == 0;
    if (strcmp(r->action, "authcode.registered") == 0) {
        test_ch_number_t *e = number_at(w, strtoull(r->subject ? r->subject : "0", NULL, 10));
        if (e == NULL)
            return l->rc = MNP_ENOMEM;
        e->code_registrations++;
        return 0;
    }
    if (!order && !npdb)
        return 0;
    json_error_t jerr;
    json_t *d = json_loads(r->detail ? r->detail : "", 0, &jerr);
    int rc = 0;
    if (!json_is_object(d))
        test_ch_world_problem(w, "audit %llu: detail is not a JSON object: %s",
                              (unsigned long long)r->seq, jerr.text);
    else if (order)
        on_order_record(w, r, d);
    else
        rc = on_npdb_record(l, r, d);
    json_decref(d);
    return rc;
}

typedef struct history {
    unsigned changes;
    char last_op[MNP_STORE_CODE_MAX];
} history_t;

static int on_change(const mnp_npdb_change_t *c, void *arg)
{
    history_t *h = arg;
    h->changes++;
    snprintf(h->last_op, sizeof(h->last_op), "%s", c->op);
    return 0;
}

/* The NPDB row and history and the code of one number, against the replay. */
static int check_number(mnp_txn_t *txn, test_ch_world_t *w, test_ch_number_t *e, mnp_error_t *err)
{
    mnp_npdb_rec_t row;
    int rc = mnp_txn_npdb_get(txn, e->number, &row, err);
    if (rc != 0 && rc != MNP_ENOENT)
        return rc;
    if (rc == 0 && strcmp(row.op, e->replay_op) != 0)
        test_ch_world_problem(w, "NPDB: %llu is served by %s, the audit replay says %s",
                              (unsigned long long)e->number, row.op,
                              e->replay_op[0] ? e->replay_op : "its range holder");
    if (rc == MNP_ENOENT && e->replay_op[0])
        test_ch_world_problem(w, "NPDB: %llu has no row, the audit replay says %s",
                              (unsigned long long)e->number, e->replay_op);
    history_t h = {0};
    rc = mnp_txn_npdb_history(txn, e->number, on_change, &h, err);
    if (rc != 0)
        return rc;
    if (h.changes != e->npdb_changes || strcmp(h.last_op, e->last_change_op) != 0)
        test_ch_world_problem(w,
                              "NPDB history of %llu: %u changes ending with '%s', the audit log "
                              "has %u ending with '%s'",
                              (unsigned long long)e->number, h.changes, h.last_op, e->npdb_changes,
                              e->last_change_op);
    mnp_authcode_rec_t code;
    rc = mnp_txn_authcode_get(txn, e->number, &code, err);
    if (rc != 0 && rc != MNP_ENOENT)
        return rc;
    e->code_row = rc == 0;
    e->code_used_by = rc == 0 ? code.used_by_order : 0;
    return 0;
}

static int add_consumer(const mnp_consumer_rec_t *c, void *arg)
{
    test_ch_world_t *w = arg;
    if (w->consumer_count < TEST_CH_CONSUMERS) {
        test_ch_consumer_t *k = &w->consumers[w->consumer_count++];
        snprintf(k->name, sizeof(k->name), "%s", c->name);
        k->acked = c->acked_seq;
    }
    return 0;
}

static int read_world(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    load_t *l = arg;
    test_ch_world_t *w = l->w;
    int rc = read_orders(txn, l, err);
    if (rc == 0)
        rc = mnp_txn_audit_each(txn, 0, 0, on_audit, l, NULL, err);
    if (rc != 0)
        return l->rc ? l->rc : rc;
    mnp_audit_verify_result_t v;
    rc = mnp_txn_audit_verify(txn, &v, err);
    if (rc != 0 && v.first_bad == 0)
        return rc;
    if (rc != 0 || v.records != w->audit_records)
        test_ch_world_problem(w, "audit chain: %llu of %llu records verify (%s)",
                              (unsigned long long)v.records, (unsigned long long)w->audit_records,
                              rc ? err->msg : "intact");
    mnp_error_clear(err);
    rc = mnp_txn_npdb_count(txn, &w->npdb_rows, err);
    uint64_t replayed = 0;
    for (size_t i = 0; rc == 0 && i < w->number_slots; i++) {
        if (w->numbers[i].number == 0)
            continue;
        replayed += w->numbers[i].replay_op[0] != '\0';
        rc = check_number(txn, w, &w->numbers[i], err);
    }
    if (rc == 0 && replayed != w->npdb_rows)
        test_ch_world_problem(w, "NPDB: %llu rows, the audit replay has %llu ported numbers",
                              (unsigned long long)w->npdb_rows, (unsigned long long)replayed);
    if (rc == 0)
        rc = mnp_txn_consumer_each(txn, add_consumer, w, err);
    if (rc == 0)
        rc = mnp_txn_feed_head(txn, &w->feed_head, err);
    return rc;
}

/* ---- judging the orders -------------------------------------------------------------------- */

/* Whether actor (as the audit log names it) is who the state machine's actor a is for o. */
static bool actor_is(const test_ch_order_t *o, mnp_actor_t a, const char *actor)
{
    switch (a) {
    case MNP_ACTOR_SYSTEM:
        return strcmp(actor, "system") == 0;
    case MNP_ACTOR_RECIPIENT:
    case MNP_ACTOR_SERVING: /* after ACTIVE the recipient serves the number */
        return strcmp(actor, o->rec.recipient) == 0;
    case MNP_ACTOR_DONOR:
        return strcmp(actor, o->rec.donor) == 0;
    case MNP_ACTOR_REGULATOR:
        return strncmp(actor, "regulator:", 10) == 0;
    }
    return false;
}

/* Whether some event, caused by the actor the step names, leads from `from` to the step's
 * state; the donor's silence is the system's consent, never the donor's own answer. */
static bool legal_step(const test_ch_order_t *o, mnp_order_state_t from, const test_ch_step_t *s)
{
    for (int ev = 1; ev < MNP_ORDER_EVENT_COUNT; ev++) {
        for (int a = MNP_ACTOR_SYSTEM; a <= MNP_ACTOR_SERVING; a++) {
            mnp_order_state_t to;
            mnp_error_t e;
            if (mnp_order_next(from, (mnp_order_event_t)ev, (mnp_actor_t)a, &to, &e) != 0 ||
                to != s->state || !actor_is(o, (mnp_actor_t)a, s->actor))
                continue;
            if (s->silent == (ev == MNP_EV_DONOR_SILENT))
                return true;
        }
    }
    return false;
}

static void check_order(test_ch_world_t *w, int64_t id, const test_ch_order_t *o)
{
    if (o->steps == 0) {
        test_ch_world_problem(w, "order %lld (%s) has no audit record", (long long)id,
                              mnp_order_state_name(o->rec.state));
        return;
    }
    /* The submission's checks passed in the same transaction that made the order. */
    const test_ch_step_t *first = &o->path[0];
    if ((first->state != MNP_ORDER_SUBMITTED && first->state != MNP_ORDER_PENDING_DONOR) ||
        strcmp(first->actor, o->rec.recipient) != 0)
        test_ch_world_problem(w, "order %lld: first audited state %s by %s", (long long)id,
                              mnp_order_state_name(first->state), first->actor);
    for (unsigned i = 1; i < o->steps; i++)
        if (!legal_step(o, o->path[i - 1].state, &o->path[i]))
            test_ch_world_problem(w,
                                  "order %lld: %s -> %s by %s%s is not a move of the state "
                                  "machine",
                                  (long long)id, mnp_order_state_name(o->path[i - 1].state),
                                  mnp_order_state_name(o->path[i].state), o->path[i].actor,
                                  o->path[i].silent ? " (silent)" : "");
    if (o->path[o->steps - 1].state != o->rec.state)
        test_ch_world_problem(w, "order %lld: stored %s, its last audit record says %s",
                              (long long)id, mnp_order_state_name(o->rec.state),
                              mnp_order_state_name(o->path[o->steps - 1].state));
}

int test_ch_world_load(mnp_store_t *store, test_ch_world_t *w, mnp_error_t *err)
{
    *w = (test_ch_world_t){0};
    load_t l = {.w = w};
    int rc = mnp_store_read(store, read_world, &l, err);
    if (rc != 0)
        return rc;
    for (size_t id = 1; id < w->order_slots; id++)
        if (w->orders[id].exists)
            check_order(w, (int64_t)id, &w->orders[id]);
    for (size_t i = 0; i < w->number_slots; i++)
        if (w->numbers[i].open_orders > 1)
            test_ch_world_problem(w, "number %llu has %u open orders",
                                  (unsigned long long)w->numbers[i].number,
                                  w->numbers[i].open_orders);
    return 0;
}
