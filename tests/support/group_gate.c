/*
 * The gated group of group_gate.h.
 */
#include "group_gate.h"

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdlib.h>

typedef struct gate {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool entered; /* the holding write is running on the writer */
    bool open;    /* the test lets it finish */
    test_write_t *held;
} gate_t;

typedef struct writer {
    mnp_store_t *s;
    test_write_t *w;
    mnp_store_fn fn; /* w->fn, or the gate around it */
    void *arg;
} writer_t;

static int held_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    gate_t *g = arg;
    pthread_mutex_lock(&g->mu);
    g->entered = true;
    pthread_cond_broadcast(&g->cv);
    while (!g->open)
        pthread_cond_wait(&g->cv, &g->mu);
    pthread_mutex_unlock(&g->mu);
    return g->held->fn(txn, g->held->arg, err);
}

static void *writer_main(void *arg)
{
    writer_t *wr = arg;
    wr->w->rc = mnp_store_write(wr->s, wr->fn, wr->arg, &wr->w->err);
    return NULL;
}

void test_group_run(mnp_store_t *s, test_write_t *held, test_write_t *writes, size_t n)
{
    gate_t gate = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER, .held = held};
    writer_t *wr = calloc(n + 1, sizeof(*wr));
    pthread_t *th = calloc(n + 1, sizeof(*th));
    wr[0] = (writer_t){.s = s, .w = held, .fn = held_write, .arg = &gate};
    pthread_create(&th[0], NULL, writer_main, &wr[0]);
    pthread_mutex_lock(&gate.mu);
    while (!gate.entered)
        pthread_cond_wait(&gate.cv, &gate.mu);
    pthread_mutex_unlock(&gate.mu);
    for (size_t i = 0; i < n; i++) {
        wr[i + 1] = (writer_t){.s = s, .w = &writes[i], .fn = writes[i].fn, .arg = writes[i].arg};
        pthread_create(&th[i + 1], NULL, writer_main, &wr[i + 1]);
    }
    for (;;) {
        mnp_store_stats_t st;
        mnp_store_stats(s, &st);
        if (st.queued == n)
            break;
        sched_yield();
    }
    pthread_mutex_lock(&gate.mu);
    gate.open = true;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
    for (size_t i = 0; i <= n; i++)
        pthread_join(th[i], NULL);
    free(th);
    free(wr);
}
