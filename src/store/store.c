/*
 * The backend-neutral store engine: group commit on one writer connection and a pool of read
 * connections. Writers queue a request and sleep; the writer thread takes everything queued (up
 * to max_batch), runs the requests in one transaction, commits once (one fsync) and only then
 * wakes the callers; a request that fails is undone alone (see run_group). Under load the group
 * grows by itself: while one commit waits for the disk, the next group queues up.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/alloc.h"
#include "mnp/clock.h"
#include "storeInt.h"

typedef struct write_req {
    mnp_store_fn fn;
    void *arg;
    mnp_error_t *err;
    int rc;
    bool done;
    pthread_cond_t cv; /* signalled when done: only this caller wakes, not every waiting one */
    struct write_req *next;
} write_req_t;

struct mnp_store {
    const store_backend_t *be;
    unsigned max_batch;

    /* Writer side, all under mu. */
    store_conn_t *writer;
    pthread_t writer_thread;
    pthread_mutex_t mu;
    pthread_cond_t work_cv; /* requests queued, or stopping */
    write_req_t *head, *tail;
    bool stopping;
    mnp_store_stats_t stats;

    /* Read pool, under rmu. */
    pthread_mutex_t rmu;
    pthread_cond_t rcv;
    store_conn_t **readers;
    bool *reader_busy;
    unsigned nreaders;
};

/* Splits "sqlite:PATH" or a plain PATH into backend and target. */
static int pick_backend(const char *url, const store_backend_t **be, const char **target,
                        mnp_error_t *err)
{
    if (url == NULL || url[0] == '\0')
        return mnp_error_set(err, MNP_EINVAL, "no store configured (store url is empty)");
    if (strncmp(url, "sqlite:", 7) == 0)
        url += 7;
    else if (strstr(url, "://") != NULL)
        return mnp_error_set(err, MNP_EINVAL,
                             "store url '%s': unknown backend (this build has sqlite:PATH)", url);
    *be = &store_sqlite_backend;
    *target = url;
    return 0;
}

/* Runs every write of group in the open transaction. Optimistic (careful false): no savepoints,
 * since nearly every write succeeds and a savepoint costs about as much as a small write; the
 * first failed write is returned, its effects mixed into the transaction, which the caller
 * rolls back. Careful: each write under its own savepoint, a failed one rolled back alone;
 * returns NULL, with *grc set when the transaction itself was lost. */
static write_req_t *run_writes(mnp_store_t *s, write_req_t *group, bool careful, int *grc,
                               mnp_error_t *gerr)
{
    mnp_txn_t txn = {.conn = s->writer, .writable = true};
    for (write_req_t *r = group; r != NULL; r = r->next) {
        if (*grc != 0) {
            r->rc = *grc;
            continue;
        }
        mnp_error_clear(r->err);
        r->rc = careful ? s->be->savepoint(s->writer, r->err) : 0;
        if (r->rc == 0)
            r->rc = r->fn(&txn, r->arg, r->err);
        if (r->rc == 0 && careful)
            r->rc = s->be->release(s->writer, r->err);
        if (r->rc == 0)
            continue;
        if (r->err != NULL && r->err->code == 0)
            mnp_error_set(r->err, r->rc, "%s", mnp_strerror(r->rc));
        if (!careful)
            return r;
        if (s->be->rollback_to(s->writer) != 0) {
            /* The transaction itself is gone: nothing of this group can commit. */
            *grc = mnp_error_set(gerr, MNP_EIO,
                                 "store: transaction lost after a failed write; the group is "
                                 "rolled back");
        }
    }
    return NULL;
}

/* Runs one group: everything in the list, one transaction, one commit. When a write fails, the
 * group is rolled back and run again carefully, so that the failure undoes that write alone;
 * which is why a write function may run more than once (store.h). */
static void run_group(mnp_store_t *s, write_req_t *group)
{
    mnp_error_t gerr;
    int64_t t0 = mnp_clock_mono_ns(mnp_clock_real());
    int grc = s->be->begin(s->writer, true, &gerr);
    uint64_t n = 0, failed = 0;
    if (grc == 0 && run_writes(s, group, false, &grc, &gerr) != NULL) {
        s->be->rollback(s->writer);
        grc = s->be->begin(s->writer, true, &gerr);
        run_writes(s, group, true, &grc, &gerr);
    }
    for (write_req_t *r = group; r != NULL; r = r->next) {
        n++;
        if (grc != 0)
            r->rc = grc;
        failed += r->rc != 0;
    }
    int64_t tc = mnp_clock_mono_ns(mnp_clock_real());
    if (grc == 0)
        grc = s->be->commit(s->writer, &gerr);
    else
        s->be->rollback(s->writer);
    if (grc != 0) {
        /* Nothing of the group is durable: every caller that thought it succeeded hears so. */
        for (write_req_t *r = group; r != NULL; r = r->next) {
            if (r->rc == 0) {
                r->rc = grc;
                if (r->err != NULL)
                    *r->err = gerr;
                failed++;
            }
        }
    }
    int64_t t1 = mnp_clock_mono_ns(mnp_clock_real());

    pthread_mutex_lock(&s->mu);
    s->stats.writes += n;
    s->stats.failed_writes += failed;
    s->stats.commits += grc == 0;
    s->stats.commit_ns_total += (uint64_t)(t1 - t0);
    s->stats.sync_ns_total += (uint64_t)(t1 - tc);
    if (n > s->stats.largest_group)
        s->stats.largest_group = n;
    /* Take next before signalling: a woken caller returns and its request is gone. */
    for (write_req_t *r = group, *next; r != NULL; r = next) {
        next = r->next;
        r->done = true;
        pthread_cond_signal(&r->cv);
    }
    pthread_mutex_unlock(&s->mu);
}

static void *writer_main(void *arg)
{
    mnp_store_t *s = arg;
    pthread_setname_np(pthread_self(), "mnp-writer"); /* for top -H, perf, gdb */
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->head == NULL && !s->stopping)
            pthread_cond_wait(&s->work_cv, &s->mu);
        if (s->head == NULL)
            break; /* stopping and drained */
        write_req_t *group = s->head, *last = s->head;
        for (unsigned k = 1; k < s->max_batch && last->next != NULL; k++)
            last = last->next;
        s->head = last->next;
        if (s->head == NULL)
            s->tail = NULL;
        last->next = NULL;
        pthread_mutex_unlock(&s->mu);
        run_group(s, group);
        pthread_mutex_lock(&s->mu);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

static void close_conns(mnp_store_t *s)
{
    for (unsigned i = 0; i < s->nreaders; i++)
        if (s->readers[i] != NULL)
            s->be->close(s->readers[i]);
    if (s->writer != NULL)
        s->be->close(s->writer);
    free(s->readers);
    free(s->reader_busy);
}

int mnp_store_open(const mnp_store_config_t *cfg, mnp_store_t **out, mnp_error_t *err)
{
    const store_backend_t *be = NULL;
    const char *target = NULL;
    *out = NULL;
    int rc = pick_backend(cfg->url, &be, &target, err);
    if (rc != 0)
        return rc;

    mnp_store_t *s = mnp_xcalloc(1, sizeof(*s));
    s->be = be;
    s->max_batch = cfg->max_batch ? cfg->max_batch : MNP_STORE_BATCH_DEFAULT;
    s->nreaders = cfg->readers ? cfg->readers : MNP_STORE_READERS_DEFAULT;
    s->readers = mnp_xcalloc(s->nreaders, sizeof(*s->readers));
    s->reader_busy = mnp_xcalloc(s->nreaders, sizeof(*s->reader_busy));
    rc = be->open(target, true, cfg->create, &s->writer, err);
    if (rc != 0)
        goto fail;
    for (unsigned i = 0; i < s->nreaders; i++) {
        rc = be->open(target, false, false, &s->readers[i], err);
        if (rc != 0)
            goto fail;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work_cv, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    pthread_cond_init(&s->rcv, NULL);
    if (pthread_create(&s->writer_thread, NULL, writer_main, s) != 0) {
        rc = mnp_error_set(err, MNP_ENOMEM, "store: cannot start the writer thread");
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->work_cv);
        pthread_mutex_destroy(&s->rmu);
        pthread_cond_destroy(&s->rcv);
        goto fail;
    }
    *out = s;
    return 0;

fail:
    close_conns(s);
    free(s);
    return rc;
}

void mnp_store_close(mnp_store_t *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_signal(&s->work_cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->writer_thread, NULL);
    close_conns(s);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->work_cv);
    pthread_mutex_destroy(&s->rmu);
    pthread_cond_destroy(&s->rcv);
    free(s);
}

int mnp_store_write(mnp_store_t *s, mnp_store_fn fn, void *arg, mnp_error_t *err)
{
    write_req_t r = {.fn = fn, .arg = arg, .err = err};
    pthread_cond_init(&r.cv, NULL);
    pthread_mutex_lock(&s->mu);
    if (s->stopping) {
        pthread_mutex_unlock(&s->mu);
        pthread_cond_destroy(&r.cv);
        return mnp_error_set(err, MNP_EBUSY, "store: closing, write refused");
    }
    if (s->tail != NULL)
        s->tail->next = &r;
    else
        s->head = &r;
    s->tail = &r;
    pthread_cond_signal(&s->work_cv);
    while (!r.done)
        pthread_cond_wait(&r.cv, &s->mu);
    pthread_mutex_unlock(&s->mu);
    pthread_cond_destroy(&r.cv);
    return r.rc;
}

int mnp_store_read(mnp_store_t *s, mnp_store_fn fn, void *arg, mnp_error_t *err)
{
    unsigned i;
    pthread_mutex_lock(&s->rmu);
    for (;;) {
        for (i = 0; i < s->nreaders && s->reader_busy[i]; i++)
            ;
        if (i < s->nreaders)
            break;
        pthread_cond_wait(&s->rcv, &s->rmu);
    }
    s->reader_busy[i] = true;
    pthread_mutex_unlock(&s->rmu);

    mnp_txn_t txn = {.conn = s->readers[i], .writable = false};
    mnp_error_clear(err);
    int rc = s->be->begin(txn.conn, false, err);
    if (rc == 0) {
        rc = fn(&txn, arg, err);
        /* A read snapshot has nothing to keep: end it either way. */
        s->be->rollback(txn.conn);
    }

    pthread_mutex_lock(&s->rmu);
    s->reader_busy[i] = false;
    pthread_cond_signal(&s->rcv);
    pthread_mutex_unlock(&s->rmu);
    return rc;
}

void mnp_store_stats(mnp_store_t *s, mnp_store_stats_t *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    out->queued = 0;
    for (const write_req_t *r = s->head; r != NULL; r = r->next)
        out->queued++;
    pthread_mutex_unlock(&s->mu);
}
