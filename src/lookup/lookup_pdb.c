/*
 * The pdb side of lookup_servers.h: a batch of datagrams is parsed, its numbers looked up
 * through one version of the table (one reader entry per batch), and every well-formed request
 * answered in place of the worker's reply buffers. Malformed datagrams get no answer (pdb.h
 * says which and why); a number with a non-digit gets code 2 in version 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lookupInt.h"
#include "mnp/pdb.h"

int mnp_lookup_carriers_parse(const char *s, mnp_lookup_carriers_t *out, mnp_error_t *err)
{
    memset(out, 0, sizeof(*out));
    const char *p = s;
    while (*p != '\0') {
        const char *colon = strchr(p, ':'), *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *end;
        long id = colon && colon < p + len ? strtol(colon + 1, &end, 10) : 0;
        size_t code_len = colon ? (size_t)(colon - p) : 0;
        if (colon == NULL || colon > p + len || code_len == 0 || code_len >= MNP_NPDB_OP_CODE_MAX ||
            end != p + len || id < MNP_PDB_CARRIER_MIN || id > MNP_PDB_CARRIER_MAX)
            return mnp_error_set(err, MNP_EINVAL,
                                 "carriers: '%.*s' is not CODE:ID (a code of 1-7 characters and an "
                                 "id of 1-999)",
                                 (int)len, p);
        if (out->n == MNP_LOOKUP_CARRIERS_MAX)
            return mnp_error_set(err, MNP_EINVAL, "carriers: at most %d", MNP_LOOKUP_CARRIERS_MAX);
        for (unsigned i = 0; i < out->n; i++)
            if (strlen(out->v[i].op) == code_len && memcmp(out->v[i].op, p, code_len) == 0)
                return mnp_error_set(err, MNP_EINVAL, "carriers: %.*s is named twice",
                                     (int)code_len, p);
        memcpy(out->v[out->n].op, p, code_len);
        out->v[out->n].id = (uint16_t)id;
        out->n++;
        p += len + (comma != NULL);
    }
    return 0;
}

static uint16_t carrier_of(const mnp_lookup_carriers_t *c, const char *op)
{
    for (unsigned i = 0; i < c->n; i++)
        if (strcmp(c->v[i].op, op) == 0)
            return c->v[i].id;
    return 0;
}

size_t lookup_pdb_handle(void *arg, const mnp_udp_packet_t *in, size_t n, mnp_udp_packet_t *out)
{
    lookup_worker_t *w = arg;
    mnp_pdb_request_t req[MNP_UDP_MAX_BATCH];
    mnp_pdb_verdict_t verdict[MNP_UDP_MAX_BATCH];
    size_t k = 0, at[MNP_UDP_MAX_BATCH];
    for (size_t i = 0; i < n; i++) {
        verdict[i] = mnp_pdb_parse(in[i].data, in[i].len, &req[i]);
        if (verdict[i] == MNP_PDB_QUERY &&
            mnp_pdb_e164(req[i].digits, req[i].digits_len, &w->keys[k]) == 0)
            at[i] = k++;
        else
            at[i] = SIZE_MAX; /* not a number anyone serves: not found */
    }
    mnp_lookup_get(w->reader, w->keys, k, w->answers);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        int len = 0;
        if (verdict[i] == MNP_PDB_DROP)
            continue;
        if (verdict[i] == MNP_PDB_NON_DIGITS) {
            len = mnp_pdb_reply_non_digits(&req[i], out[m].data, out[m].cap);
        } else {
            const mnp_lookup_answer_t *a = at[i] != SIZE_MAX ? &w->answers[at[i]] : NULL;
            uint16_t id = a != NULL && a->known ? carrier_of(&w->s->carriers, a->op) : 0;
            len = id ? mnp_pdb_reply_ok(&req[i], id, out[m].data, out[m].cap)
                     : mnp_pdb_reply_not_found(&req[i], out[m].data, out[m].cap);
        }
        if (len <= 0)
            continue;
        out[m].len = (size_t)len;
        out[m].peer = in[i].peer;
        out[m].peer_len = in[i].peer_len;
        m++;
    }
    return m;
}
