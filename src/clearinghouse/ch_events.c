/*
 * Reading the change feed (SPEC.md §6): the events after a sequence number, as one JSON array,
 * waiting (long poll) until there is something new or the wait is over. NPDB changes go to every
 * reader, since every operator keeps a copy; an order's events only to its recipient, its donor
 * and the regulator (SPEC §7).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "chInt.h"
#include "mnp/store_feed.h"

typedef struct read_job {
    const char *reader; /* operator code, or NULL for the regulator */
    uint64_t after;
    unsigned limit;
    mnp_txn_t *txn;
    mnp_buf_t *out;
    uint64_t last;    /* highest seq looked at */
    unsigned written; /* events put in out */
    int rc;
    mnp_error_t *err;
} read_job_t;

static int one_event(const mnp_feed_event_t *ev, void *arg)
{
    read_job_t *j = arg;
    j->last = ev->seq;
    if (j->reader != NULL && ev->kind == MNP_FEED_ORDER) {
        mnp_order_rec_t o;
        j->rc = mnp_txn_order_get(j->txn, ev->order_id, &o, j->err);
        if (j->rc != 0)
            return 1;
        if (strcmp(o.recipient, j->reader) != 0 && strcmp(o.donor, j->reader) != 0)
            return 0;
    }
    mnp_buf_puts(j->out, j->written ? "," : "");
    mnp_buf_printf(j->out, "{\"seq\":%llu,\"at_ms\":%lld,\"kind\":\"%s\",\"event\":%s}",
                   (unsigned long long)ev->seq, (long long)ev->at_ms,
                   ev->kind == MNP_FEED_NPDB ? "npdb" : "order", ev->body);
    j->written++;
    return 0;
}

static int read_events(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    read_job_t *j = arg;
    j->txn = txn;
    j->err = err;
    int rc = mnp_txn_feed_each(txn, j->after, j->limit, one_event, j, err);
    return j->rc ? j->rc : rc;
}

int mnp_ch_events(mnp_ch_t *ch, const char *reader, uint64_t after, unsigned limit, int64_t wait_ms,
                  const bool *cancel, mnp_buf_t *out, uint64_t *next_after, mnp_error_t *err)
{
    struct timespec until = mnp_deadline_after(CLOCK_REALTIME, wait_ms);
    for (;;) {
        pthread_mutex_lock(&ch->wake_mu);
        uint64_t seen = ch->writes;
        pthread_mutex_unlock(&ch->wake_mu);

        size_t start = out->len;
        read_job_t j = {
            .reader = reader, .after = after, .limit = limit, .out = out, .last = after};
        mnp_buf_putc(out, '[');
        int rc = mnp_store_read(ch->store, read_events, &j, err);
        mnp_buf_putc(out, ']');
        if (rc != 0)
            return rc;
        if (mnp_buf_error(out) != 0)
            return mnp_error_set(err, MNP_ELIMIT, "the events do not fit the answer");
        *next_after = j.last;
        /* Events this reader may not see still move it on, so it never asks for them again. */
        if (j.written > 0 || wait_ms <= 0)
            return 0;
        after = j.last;
        out->len = start;
        out->data[start] = '\0';

        pthread_mutex_lock(&ch->wake_mu);
        int w = 0;
        while (ch->writes == seen && w != ETIMEDOUT && (cancel == NULL || !*cancel))
            w = pthread_cond_timedwait(&ch->wake_cv, &ch->wake_mu, &until);
        bool cancelled = cancel != NULL && *cancel;
        pthread_mutex_unlock(&ch->wake_mu);
        if (w == ETIMEDOUT || cancelled) {
            mnp_buf_puts(out, "[]");
            *next_after = after;
            return 0;
        }
    }
}

void mnp_ch_events_cancel(mnp_ch_t *ch, bool *cancel)
{
    pthread_mutex_lock(&ch->wake_mu);
    *cancel = true;
    pthread_cond_broadcast(&ch->wake_cv);
    pthread_mutex_unlock(&ch->wake_mu);
}
