/*
 * lookup.h: a version is a base (an NPDB snapshot, shared by every version made on it and
 * reference-counted) and the changes applied since, in an open-addressing hash table of their
 * own. Versions are immutable: apply copies the table, adds the batch and publishes the copy
 * (rcu.h), so readers go on with the version they entered while the next one is made. The copy
 * costs O(changes held); a replica keeps that small by starting over from a fresh snapshot.
 */
#include "mnp/lookup.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/alloc.h"
#include "mnp/number.h"
#include "mnp/rcu.h"

typedef struct base {
    atomic_int refs;
    mnp_npdb_t *db; /* NULL: no snapshot yet */
    uint64_t seq, entries;
    uint8_t opmap[MNP_NPDB_OPS_MAX + 1]; /* the index's operator -> the version's */
} base_t;

typedef struct version {
    base_t *base;
    char ops[MNP_LOOKUP_OPS_MAX + 1][MNP_NPDB_OP_CODE_MAX]; /* 1..nops; only ever grows */
    unsigned nops;
    uint64_t seq;
    /* The changes since the base: keys[i] 0 is a free slot; vals[i] an index into ops, 0 for
     * "back with its range holder". cap is 0 or a power of two, at most half full. */
    uint64_t *keys, *seqs;
    uint8_t *vals;
    size_t cap, n;
} version_t;

struct mnp_lookup {
    mnp_rcu_t *rcu;
    const mnp_numplan_t *plan; /* the caller's, or own_plan */
    mnp_numplan_t *own_plan;   /* the built-in plan when the caller gave none */
};

struct mnp_lookup_reader {
    mnp_rcu_reader_t *rcu;
    mnp_lookup_t *t;
};

static void base_release(base_t *b)
{
    if (b != NULL && atomic_fetch_sub(&b->refs, 1) == 1) {
        mnp_npdb_free(b->db);
        free(b);
    }
}

static void version_free(void *p)
{
    version_t *v = p;
    base_release(v->base);
    free(v->keys);
    free(v->seqs);
    free(v->vals);
    free(v);
}

static size_t slot_of(uint64_t key, size_t cap)
{
    /* Fibonacci hashing: numbers of one block differ in their low digits only. */
    return (size_t)((key * UINT64_C(0x9E3779B97F4A7C15)) >> 20) & (cap - 1);
}

/* Sets key's entry (a fresh one or an update), the table having room. */
static void put(version_t *v, uint64_t key, uint8_t val, uint64_t seq)
{
    size_t i = slot_of(key, v->cap);
    while (v->keys[i] != 0 && v->keys[i] != key)
        i = (i + 1) & (v->cap - 1);
    v->n += v->keys[i] == 0;
    v->keys[i] = key;
    v->vals[i] = val;
    v->seqs[i] = seq;
}

/* A copy of from (NULL: an empty version) with room for extra more changes; only those newer
 * than keep_after are copied. */
static version_t *version_copy(const version_t *from, size_t extra, uint64_t keep_after)
{
    version_t *v = mnp_xcalloc(1, sizeof(*v));
    size_t want = (from ? from->n : 0) + extra, cap = 0;
    if (want > 0)
        for (cap = 64; cap < 2 * want; cap *= 2)
            ;
    v->cap = cap;
    if (cap > 0) {
        v->keys = mnp_xcalloc(cap, sizeof(*v->keys));
        v->seqs = mnp_xcalloc(cap, sizeof(*v->seqs));
        v->vals = mnp_xcalloc(cap, sizeof(*v->vals));
    }
    if (from == NULL)
        return v;
    memcpy(v->ops, from->ops, sizeof(v->ops));
    v->nops = from->nops;
    v->seq = from->seq;
    v->base = from->base;
    if (v->base != NULL)
        atomic_fetch_add(&v->base->refs, 1);
    for (size_t i = 0; i < from->cap; i++)
        if (from->keys[i] != 0 && from->seqs[i] > keep_after)
            put(v, from->keys[i], from->vals[i], from->seqs[i]);
    return v;
}

/* The index of code in v's operators, added when new; 0 with MNP_ELIMIT when full. */
static int op_index(version_t *v, const char *code, uint8_t *out)
{
    for (unsigned i = 1; i <= v->nops; i++)
        if (strcmp(v->ops[i], code) == 0) {
            *out = (uint8_t)i;
            return 0;
        }
    if (v->nops == MNP_LOOKUP_OPS_MAX)
        return MNP_ELIMIT;
    v->nops++;
    snprintf(v->ops[v->nops], sizeof(v->ops[0]), "%s", code);
    *out = (uint8_t)v->nops;
    return 0;
}

int mnp_lookup_new(const mnp_numplan_t *plan, mnp_lookup_t **out)
{
    mnp_lookup_t *t = mnp_xcalloc(1, sizeof(*t));
    int rc = plan != NULL ? 0 : mnp_numplan_new(&t->own_plan);
    t->plan = plan != NULL ? plan : t->own_plan;
    if (rc == 0)
        rc = mnp_rcu_new(version_copy(NULL, 0, 0), version_free, &t->rcu);
    if (rc != 0) {
        mnp_numplan_free(t->own_plan);
        free(t);
        return rc;
    }
    *out = t;
    return 0;
}

void mnp_lookup_free(mnp_lookup_t *t)
{
    if (t == NULL)
        return;
    mnp_rcu_free(t->rcu);
    mnp_numplan_free(t->own_plan);
    free(t);
}

/* The plan's view of e164: its range holder (MNP_OP_NONE when not a number it knows). */
static void classify(const mnp_numplan_t *plan, uint64_t e164, mnp_numinfo_t *info)
{
    memset(info, 0, sizeof(*info));
    mnp_number_t num = {.e164 = e164};
    if (e164 >= UINT64_C(8610000000000) && e164 <= UINT64_C(8619999999999))
        num.national_len = MNP_NATIONAL_DIGITS;
    else if (e164 >= UINT64_C(861000000000000) && e164 <= UINT64_C(861999999999999))
        num.national_len = MNP_IOT_DIGITS;
    else
        return;
    mnp_numplan_classify(plan, &num, info);
}

int mnp_lookup_load(mnp_lookup_t *t, mnp_npdb_t *db, mnp_error_t *err)
{
    mnp_npdb_info_t info;
    mnp_npdb_info(db, &info);
    const version_t *cur = mnp_rcu_current(t->rcu);
    base_t *b = mnp_xcalloc(1, sizeof(*b));
    atomic_init(&b->refs, 1);
    b->db = db;
    b->seq = info.seq;
    b->entries = info.entries;
    version_t *v = version_copy(cur, 0, info.seq);
    for (unsigned i = 1; i <= info.op_count && i <= MNP_NPDB_OPS_MAX; i++) {
        if (op_index(v, mnp_npdb_op_code(db, i), &b->opmap[i]) != 0) {
            version_free(v);
            base_release(b);
            return mnp_error_set(err, MNP_EINVAL, "the snapshot names more than %d operators",
                                 MNP_LOOKUP_OPS_MAX);
        }
    }
    base_release(v->base);
    v->base = b;
    if (info.seq > v->seq)
        v->seq = info.seq;
    mnp_rcu_publish(t->rcu, v);
    return 0;
}

bool mnp_lookup_change_valid(const mnp_lookup_t *t, const mnp_lookup_change_t *c)
{
    mnp_numinfo_t info;
    classify(t->plan, c->e164, &info);
    size_t len = c->op != NULL ? strnlen(c->op, MNP_NPDB_OP_CODE_MAX) : 0;
    return info.holder != MNP_OP_NONE && len > 0 && len < MNP_NPDB_OP_CODE_MAX;
}

int mnp_lookup_apply(mnp_lookup_t *t, const mnp_lookup_change_t *changes, size_t n,
                     uint64_t upto_seq, mnp_error_t *err)
{
    const version_t *cur = mnp_rcu_current(t->rcu);
    /* Every change is checked before anything is made. */
    for (size_t i = 0; i < n; i++) {
        mnp_numinfo_t info;
        classify(t->plan, changes[i].e164, &info);
        if (info.holder == MNP_OP_NONE)
            return mnp_error_set(err, MNP_EINVAL, "change %llu: %llu is not a number of the plan",
                                 (unsigned long long)changes[i].seq,
                                 (unsigned long long)changes[i].e164);
        size_t len = changes[i].op != NULL ? strlen(changes[i].op) : 0;
        if (len == 0 || len >= MNP_NPDB_OP_CODE_MAX)
            return mnp_error_set(err, MNP_EINVAL, "change %llu: operator code of 1 to %d bytes",
                                 (unsigned long long)changes[i].seq, MNP_NPDB_OP_CODE_MAX - 1);
    }
    version_t *v = version_copy(cur, n, 0);
    for (size_t i = 0; i < n; i++) {
        const mnp_lookup_change_t *c = &changes[i];
        if (c->seq <= cur->seq)
            continue; /* applied already: a retry of the same change */
        mnp_numinfo_t info;
        classify(t->plan, c->e164, &info);
        uint8_t val = 0; /* RULE §6: the range holder serves every number the NPDB does not name */
        if (strcmp(c->op, mnp_operator_code(info.holder)) != 0 && op_index(v, c->op, &val) != 0) {
            version_free(v);
            return mnp_error_set(err, MNP_ELIMIT, "change %llu: more than %d operators",
                                 (unsigned long long)c->seq, MNP_LOOKUP_OPS_MAX);
        }
        put(v, c->e164, val, c->seq);
    }
    if (upto_seq > v->seq)
        v->seq = upto_seq;
    mnp_rcu_publish(t->rcu, v);
    return 0;
}

void mnp_lookup_figures(mnp_lookup_t *t, mnp_lookup_figures_t *out)
{
    const version_t *v = mnp_rcu_current(t->rcu);
    out->seq = v->seq;
    out->base_seq = v->base ? v->base->seq : 0;
    out->base_entries = v->base ? v->base->entries : 0;
    out->changes = v->n;
}

int mnp_lookup_reader(mnp_lookup_t *t, mnp_lookup_reader_t **out)
{
    mnp_lookup_reader_t *r = mnp_xcalloc(1, sizeof(*r));
    int rc = mnp_rcu_reader(t->rcu, &r->rcu);
    if (rc != 0) {
        free(r);
        return rc;
    }
    r->t = t;
    *out = r;
    return 0;
}

void mnp_lookup_reader_release(mnp_lookup_reader_t *r)
{
    if (r == NULL)
        return;
    mnp_rcu_reader_release(r->rcu);
    free(r);
}

/* The changes' word on e164: true with *op set (0: back with its holder) when they have one. */
static bool changed(const version_t *v, uint64_t e164, uint8_t *op)
{
    if (v->cap > 0)
        for (size_t i = slot_of(e164, v->cap); v->keys[i] != 0; i = (i + 1) & (v->cap - 1))
            if (v->keys[i] == e164) {
                *op = v->vals[i];
                return true;
            }
    return false;
}

/* A short copy of a code into an answer (no formatting on the per-packet path). */
static void put_code(char dst[MNP_NPDB_OP_CODE_MAX], const char *code)
{
    size_t len = strnlen(code, MNP_NPDB_OP_CODE_MAX - 1);
    memcpy(dst, code, len);
    dst[len] = '\0';
}

#define GET_CHUNK 64 /* numbers whose base lookups overlap (npdb.h: batch lookups) */

void mnp_lookup_get(mnp_lookup_reader_t *r, const uint64_t *e164, size_t n,
                    mnp_lookup_answer_t *out)
{
    const version_t *v = mnp_rcu_enter(r->rcu);
    const mnp_npdb_t *db = v->base != NULL ? v->base->db : NULL;
    for (size_t at = 0; at < n; at += GET_CHUNK) {
        size_t m = n - at < GET_CHUNK ? n - at : GET_CHUNK, nb = 0;
        uint64_t bkeys[GET_CHUNK];
        uint8_t bops[GET_CHUNK], op[GET_CHUNK];
        size_t bslot[GET_CHUNK];
        for (size_t i = 0; i < m; i++) {
            mnp_lookup_answer_t *a = &out[at + i];
            mnp_numinfo_t info;
            classify(r->t->plan, e164[at + i], &info);
            memset(a, 0, sizeof(*a));
            a->seq = v->seq;
            a->holder = info.holder;
            a->known = info.holder != MNP_OP_NONE;
            a->portable = info.portable;
            if (info.block_known)
                put_code(a->local_network, info.local_network);
            op[i] = 0;
            /* RULE E06: a number that does not port is never in the NPDB. */
            if (a->known && a->portable && !changed(v, e164[at + i], &op[i]) && db != NULL) {
                bslot[nb] = i;
                bkeys[nb++] = e164[at + i];
            }
        }
        if (nb > 0)
            mnp_npdb_lookup_batch(db, bkeys, bops, nb);
        for (size_t k = 0; k < nb; k++)
            op[bslot[k]] = v->base->opmap[bops[k]];
        for (size_t i = 0; i < m; i++) {
            mnp_lookup_answer_t *a = &out[at + i];
            if (!a->known)
                continue;
            a->ported = op[i] != 0;
            put_code(a->op, op[i] ? v->ops[op[i]] : mnp_operator_code(a->holder));
        }
    }
    mnp_rcu_leave(r->rcu);
}
