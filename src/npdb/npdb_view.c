/*
 * Publishing NPDB versions while readers run: an rcu.h cell whose object is an index. A reader
 * slot of the view is the cell's reader slot (mnp_npdb_reader_t is never defined: the pointers
 * are the cell's).
 */
#include <stdlib.h>

#include "mnp/rcu.h"
#include "npdbInt.h"

struct mnp_npdb_view {
    mnp_rcu_t *rcu;
};

static void free_index(void *db)
{
    mnp_npdb_free(db);
}

int mnp_npdb_view_new(mnp_npdb_t *db, mnp_npdb_view_t **out)
{
    mnp_npdb_view_t *v = malloc(sizeof(*v));
    if (v == NULL)
        return MNP_ENOMEM;
    int rc = mnp_rcu_new(db, free_index, &v->rcu);
    if (rc != 0) {
        free(v);
        return rc;
    }
    *out = v;
    return 0;
}

void mnp_npdb_view_free(mnp_npdb_view_t *view)
{
    if (view == NULL)
        return;
    mnp_rcu_free(view->rcu);
    free(view);
}

int mnp_npdb_view_reader(mnp_npdb_view_t *view, mnp_npdb_reader_t **out)
{
    return mnp_rcu_reader(view->rcu, (mnp_rcu_reader_t **)out);
}

void mnp_npdb_view_reader_release(mnp_npdb_reader_t *r)
{
    mnp_rcu_reader_release((mnp_rcu_reader_t *)r);
}

const mnp_npdb_t *mnp_npdb_view_enter(mnp_npdb_reader_t *r)
{
    return mnp_rcu_enter((mnp_rcu_reader_t *)r);
}

void mnp_npdb_view_leave(mnp_npdb_reader_t *r)
{
    mnp_rcu_leave((mnp_rcu_reader_t *)r);
}

void mnp_npdb_view_publish(mnp_npdb_view_t *view, mnp_npdb_t *db)
{
    mnp_rcu_publish(view->rcu, db);
}
