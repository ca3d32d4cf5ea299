/*
 * Tests of rcu.h: a reader inside keeps the object it entered with alive across a publish (the
 * publisher waits for it, in another thread), objects are destroyed exactly once, reader slots
 * run out and come back, and NULL is a valid current object.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mnp/rcu.h"

typedef struct obj {
    int value;
    atomic_int *freed; /* counts destructions */
} obj_t;

static void free_obj(void *p)
{
    obj_t *o = p;
    atomic_fetch_add(o->freed, 1);
    free(o);
}

static obj_t *make(int value, atomic_int *freed)
{
    obj_t *o = malloc(sizeof(*o));
    assert_non_null(o);
    o->value = value;
    o->freed = freed;
    return o;
}

typedef struct publish_arg {
    mnp_rcu_t *rcu;
    obj_t *next;
    atomic_bool done;
} publish_arg_t;

static void *publisher(void *p)
{
    publish_arg_t *a = p;
    mnp_rcu_publish(a->rcu, a->next);
    atomic_store(&a->done, true);
    return NULL;
}

static void test_reader_keeps_its_object(void **state)
{
    (void)state;
    atomic_int freed = 0;
    mnp_rcu_t *rcu;
    assert_int_equal(mnp_rcu_new(make(1, &freed), free_obj, &rcu), 0);
    mnp_rcu_reader_t *r;
    assert_int_equal(mnp_rcu_reader(rcu, &r), 0);
    obj_t *seen = mnp_rcu_enter(r);
    assert_int_equal(seen->value, 1);

    publish_arg_t a = {.rcu = rcu, .next = make(2, &freed)};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, publisher, &a), 0);
    /* The new object is current at once; the old one lives while the reader is inside. */
    while (mnp_rcu_current(rcu) != a.next)
        sched_yield();
    assert_int_equal(seen->value, 1);
    assert_int_equal(atomic_load(&freed), 0);
    assert_false(atomic_load(&a.done));
    mnp_rcu_leave(r);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_true(atomic_load(&a.done));
    assert_int_equal(atomic_load(&freed), 1);

    obj_t *now = mnp_rcu_enter(r);
    assert_int_equal(now->value, 2);
    mnp_rcu_leave(r);
    mnp_rcu_reader_release(r);
    mnp_rcu_free(rcu);
    assert_int_equal(atomic_load(&freed), 2);
}

static void test_slots_and_null(void **state)
{
    (void)state;
    atomic_int freed = 0;
    mnp_rcu_t *rcu;
    assert_int_equal(mnp_rcu_new(NULL, free_obj, &rcu), 0);
    static mnp_rcu_reader_t *r[MNP_RCU_READERS_MAX + 1];
    for (int i = 0; i < MNP_RCU_READERS_MAX; i++)
        assert_int_equal(mnp_rcu_reader(rcu, &r[i]), 0);
    assert_int_equal(mnp_rcu_reader(rcu, &r[MNP_RCU_READERS_MAX]), MNP_ELIMIT);
    mnp_rcu_reader_release(r[7]);
    assert_int_equal(mnp_rcu_reader(rcu, &r[MNP_RCU_READERS_MAX]), 0);
    assert_ptr_equal(r[MNP_RCU_READERS_MAX], r[7]);
    assert_null(mnp_rcu_enter(r[0]));
    mnp_rcu_leave(r[0]);
    mnp_rcu_publish(rcu, make(3, &freed)); /* from NULL: nothing to destroy */
    assert_int_equal(atomic_load(&freed), 0);
    mnp_rcu_publish(rcu, NULL);
    assert_int_equal(atomic_load(&freed), 1);
    for (int i = 0; i < MNP_RCU_READERS_MAX; i++)
        mnp_rcu_reader_release(r[i]);
    mnp_rcu_free(rcu);
    assert_int_equal(atomic_load(&freed), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reader_keeps_its_object),
        cmocka_unit_test(test_slots_and_null),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
