/*
 * Registering an authorization code (SPEC.md §3.2). The donor's gateway sends the code it gave
 * the subscriber; the clearinghouse keeps only a keyed hash bound to the number and the identity,
 * valid 60 minutes, replacing any earlier code of the number.
 */
#include <string.h>

#include "chInt.h"
#include "mnp/authcode.h"
#include "mnp/number.h"
#include "mnp/store_orders.h"

typedef struct reg_job {
    mnp_ch_t *ch;
    const char *donor;
    uint64_t number;
    uint8_t id_hash[MNP_HASH_BYTES];
    uint8_t code_hash[MNP_HASH_BYTES];
    int64_t now_ms;
    mnp_ch_outcome_t *out;
} reg_job_t;

static int reg_write(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    reg_job_t *j = arg;
    memset(j->out, 0, sizeof(*j->out)); /* this run's answer alone (store.h: runs again) */
    char serving[MNP_STORE_CODE_MAX], holder[MNP_STORE_CODE_MAX], ln[MNP_LOCAL_NETWORK_MAX];
    int rc = ch_serving(txn, j->number, serving, holder, ln, err);
    if (rc == MNP_ENOENT) {
        ch_refuse(j->out, 422, "C07", "the number is not in the number plan");
        return 0;
    }
    if (rc != 0)
        return rc;
    if (strcmp(serving, j->donor) != 0) {
        ch_refuse(j->out, 403, "not_serving",
                  "only the operator serving the number (%s) may register its code", serving);
        return 0;
    }
    mnp_authcode_rec_t rec = {.number = j->number,
                              .issued_ms = j->now_ms,
                              .expires_ms = j->now_ms + MNP_AUTHCODE_VALID_MS};
    memcpy(rec.donor, j->donor, strlen(j->donor) + 1);
    memcpy(rec.id_hash, j->id_hash, sizeof(rec.id_hash));
    memcpy(rec.code_hash, j->code_hash, sizeof(rec.code_hash));
    rc = mnp_txn_authcode_put(txn, &rec, err);
    if (rc == 0)
        rc = ch_audit(txn, j->now_ms, j->donor, "authcode.registered", j->number, "{}", err);
    if (rc == 0)
        ch_done(j->out, 201, 0);
    return rc;
}

int mnp_ch_register_code(mnp_ch_t *ch, const char *donor, const char *number, const char *identity,
                         const char *code, mnp_ch_outcome_t *out, mnp_error_t *err)
{
    mnp_number_t num;
    reg_job_t j = {.ch = ch, .donor = donor, .out = out};

    if (!ch_subscriber(ch, number, identity, code, &num, j.id_hash, j.code_hash, out))
        return 0;
    j.number = num.e164;
    j.now_ms = mnp_clock_now_ms(ch->clock);
    return ch_write(ch, reg_write, &j, err);
}
