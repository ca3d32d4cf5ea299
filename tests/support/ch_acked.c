/*
 * The acknowledged requests of ch_acked.h and their check against the store. Entries are sorted
 * by kind and number so that the codes acknowledged for one number are counted together: a
 * later code replaces the row of an earlier one, never its audit record.
 */
#include <stdlib.h>
#include <string.h>

#include "ch_acked.h"

static const char *const kind_names[TEST_ACK_KINDS] = {
    "codes", "submits", "accepts", "objections", "cancels", "returns", "feed acks"};

const char *test_ack_kind_name(test_ack_kind_t kind)
{
    return (unsigned)kind < TEST_ACK_KINDS ? kind_names[kind] : "";
}

void test_acklog_add(test_acklog_t *l, test_ack_kind_t kind, mnp_operator_t op, uint64_t number,
                     int64_t order)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 256;
        l->v = realloc(l->v, l->cap * sizeof(*l->v));
        if (l->v == NULL)
            abort();
    }
    l->v[l->n++] = (test_acked_t){.kind = kind, .op = op, .number = number, .order = order};
}

void test_acklog_append(test_acklog_t *dst, const test_acklog_t *src)
{
    for (size_t i = 0; i < src->n; i++)
        test_acklog_add(dst, src->v[i].kind, src->v[i].op, src->v[i].number, src->v[i].order);
}

void test_acklog_fini(test_acklog_t *l)
{
    free(l->v);
    *l = (test_acklog_t){0};
}

static const char *order_problem(const test_ch_order_t *o, const test_acked_t *a)
{
    const char *op = mnp_operator_code(a->op);
    const mnp_order_rec_t *r = &o->rec;
    switch (a->kind) {
    case TEST_ACK_SUBMIT:
        return strcmp(r->recipient, op) == 0 ? NULL : "another recipient";
    case TEST_ACK_ACCEPT:
        return strcmp(r->donor, op) == 0 && test_ch_order_reached(o, MNP_ORDER_ACCEPTED, op, true)
                   ? NULL
                   : "no acceptance by its donor";
    case TEST_ACK_OBJECT:
        return r->state == MNP_ORDER_REJECTED && strcmp(r->reason, "D01") == 0 &&
                       test_ch_order_reached(o, MNP_ORDER_REJECTED, op, false)
                   ? NULL
                   : "not REJECTED with D01 by its donor";
    case TEST_ACK_CANCEL:
        return r->state == MNP_ORDER_CANCELLED &&
                       test_ch_order_reached(o, MNP_ORDER_CANCELLED, op, false)
                   ? NULL
                   : "not CANCELLED by its recipient";
    case TEST_ACK_RETURN:
        return (r->state == MNP_ORDER_RETURN_PENDING || r->state == MNP_ORDER_RETURNED) &&
                       test_ch_order_reached(o, MNP_ORDER_RETURN_PENDING, op, false)
                   ? NULL
                   : "not returned by its serving operator";
    default:
        return NULL;
    }
}

/* One acknowledged request against the store. */
static void check_acked(test_ch_world_t *w, const test_acked_t *a, unsigned codes_acked)
{
    const char *op = mnp_operator_code(a->op);
    if (a->kind == TEST_ACK_FEED) {
        if (test_ch_world_acked(w, op) < (uint64_t)a->order)
            test_ch_world_problem(w, "%s acknowledged the feed up to %lld; the store says %llu", op,
                                  (long long)a->order,
                                  (unsigned long long)test_ch_world_acked(w, op));
        return;
    }
    if (a->kind == TEST_ACK_CODE) {
        /* A later code of the number replaces the row, never the audit record. */
        const test_ch_number_t *n = test_ch_world_number(w, a->number);
        const test_ch_order_t *user = n ? test_ch_world_order(w, n->code_used_by) : NULL;
        if (n == NULL)
            test_ch_world_problem(w, "%llu: a code was acknowledged, the store never heard of it",
                                  (unsigned long long)a->number);
        else if (!n->code_row || n->code_registrations < codes_acked)
            test_ch_world_problem(w, "%llu: %u codes acknowledged, %u audited, row %s",
                                  (unsigned long long)a->number, codes_acked, n->code_registrations,
                                  n->code_row ? "present" : "missing");
        else if (n->code_used_by != 0 && (user == NULL || user->rec.number != a->number))
            test_ch_world_problem(w, "%llu: its code was used by order %lld, not one of its own",
                                  (unsigned long long)a->number, (long long)n->code_used_by);
        return;
    }
    const test_ch_order_t *o = test_ch_world_order(w, a->order);
    const char *why = o == NULL                    ? "not stored"
                      : o->rec.number != a->number ? "another number"
                                                   : order_problem(o, a);
    if (why != NULL)
        test_ch_world_problem(w, "acknowledged %s by %s of order %lld (%llu): %s (it is %s)",
                              test_ack_kind_name(a->kind), op, (long long)a->order,
                              (unsigned long long)a->number, why,
                              o ? mnp_order_state_name(o->rec.state) : "missing");
}

static int by_kind_number(const void *x, const void *y)
{
    const test_acked_t *a = x, *b = y;
    if (a->kind != b->kind)
        return (int)a->kind - (int)b->kind;
    return (a->number > b->number) - (a->number < b->number);
}

void test_acklog_check(test_acklog_t *all, test_ch_world_t *w, size_t counts[TEST_ACK_KINDS])
{
    qsort(all->v, all->n, sizeof(*all->v), by_kind_number);
    for (size_t i = 0; i < all->n;) {
        /* a run of one kind and number: for codes, none may be lost behind a later one */
        size_t end = i + 1;
        while (end < all->n && by_kind_number(&all->v[i], &all->v[end]) == 0)
            end++;
        for (size_t k = i; k < end; k++) {
            counts[all->v[k].kind]++;
            check_acked(w, &all->v[k], (unsigned)(end - i));
        }
        i = end;
    }
}
