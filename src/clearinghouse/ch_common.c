/*
 * The clearinghouse workflow's handle and the helpers its request files share.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chInt.h"
#include "mnp/alloc.h"
#include "mnp/idcard.h"
#include "mnp/store_audit.h"
#include "mnp/store_npdb.h"
#include "mnp/store_numplan.h"

int mnp_ch_new(const mnp_ch_config_t *cfg, mnp_ch_t **out)
{
    mnp_ch_t *ch = mnp_xcalloc(1, sizeof(*ch));
    ch->store = cfg->store;
    ch->key = cfg->key;
    ch->clock = cfg->clock ? cfg->clock : mnp_clock_real();
    ch->donor_window_ms = cfg->donor_window_ms ? cfg->donor_window_ms : MNP_DONOR_WINDOW_MS_DEFAULT;
    ch->cutover_step_ms = cfg->cutover_immediate ? 0
                          : cfg->cutover_step_ms ? cfg->cutover_step_ms
                                                 : MNP_CUTOVER_STEP_MS_DEFAULT;
    ch->ack_timeout_ms = cfg->ack_timeout_ms ? cfg->ack_timeout_ms : MNP_ACK_TIMEOUT_MS_DEFAULT;
    ch->on_due = cfg->on_due;
    ch->on_due_arg = cfg->on_due_arg;
    int rc = mnp_numplan_new(&ch->plan);
    if (rc != 0) {
        free(ch);
        return rc;
    }
    pthread_mutex_init(&ch->wake_mu, NULL);
    pthread_cond_init(&ch->wake_cv, NULL);
    *out = ch;
    return 0;
}

int ch_write(mnp_ch_t *ch, mnp_store_fn fn, void *arg, mnp_error_t *err)
{
    int rc = mnp_store_write(ch->store, fn, arg, err);
    pthread_mutex_lock(&ch->wake_mu);
    ch->writes++;
    pthread_cond_broadcast(&ch->wake_cv);
    pthread_mutex_unlock(&ch->wake_mu);
    return rc;
}

void mnp_ch_free(mnp_ch_t *ch)
{
    if (ch == NULL)
        return;
    mnp_numplan_free(ch->plan);
    pthread_mutex_destroy(&ch->wake_mu);
    pthread_cond_destroy(&ch->wake_cv);
    free(ch);
}

void ch_done(mnp_ch_outcome_t *out, int status, int64_t order_id)
{
    memset(out, 0, sizeof(*out));
    out->status = status;
    out->order_id = order_id;
}

void ch_refuse(mnp_ch_outcome_t *out, int status, const char *code, const char *fmt, ...)
{
    memset(out, 0, sizeof(*out));
    out->status = status;
    snprintf(out->code, sizeof(out->code), "%s", code);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->detail, sizeof(out->detail), fmt, ap);
    va_end(ap);
}

bool ch_subscriber(const mnp_ch_t *ch, const char *number, const char *identity, const char *code,
                   mnp_number_t *num, uint8_t id_hash[MNP_HASH_BYTES],
                   uint8_t code_hash[MNP_HASH_BYTES], mnp_ch_outcome_t *out)
{
    mnp_number_reason_t why;
    char canon[MNP_IDCARD_LEN + 1];
    mnp_idcard_reason_t idwhy;

    /* RULE C08: malformed requests change nothing. */
    if (mnp_number_parse(number, strlen(number), num, &why) != 0) {
        ch_refuse(out, 400, "C08", "number: %s", mnp_number_reason_str(why));
        return false;
    }
    if (mnp_idcard_validate(identity, strlen(identity), canon, &idwhy) != 0) {
        ch_refuse(out, 400, "C08", "identity: %s", mnp_idcard_reason_str(idwhy));
        return false;
    }
    mnp_identity_hash(ch->key, canon, id_hash);
    if (mnp_authcode_hash(ch->key, num->e164, id_hash, code, code_hash) != 0) {
        ch_refuse(out, 400, "C08", "code: must be %d digits", MNP_AUTHCODE_DIGITS);
        return false;
    }
    return true;
}

int ch_serving(mnp_txn_t *txn, uint64_t number, char serving[MNP_STORE_CODE_MAX],
               char holder[MNP_STORE_CODE_MAX], char *local_network, mnp_error_t *err)
{
    mnp_block_rec_t blk;
    uint32_t block = (uint32_t)(number % 100000000000ull / 10000);
    int rc = mnp_txn_block_get(txn, block, &blk, err);
    if (rc != 0)
        return rc;
    snprintf(holder, MNP_STORE_CODE_MAX, "%s", blk.holder);
    snprintf(local_network, MNP_LOCAL_NETWORK_MAX, "%s", blk.local_network);
    mnp_npdb_rec_t cur;
    rc = mnp_txn_npdb_get(txn, number, &cur, err);
    if (rc == MNP_ENOENT) {
        snprintf(serving, MNP_STORE_CODE_MAX, "%s", blk.holder);
        return 0;
    }
    if (rc != 0)
        return rc;
    snprintf(serving, MNP_STORE_CODE_MAX, "%s", cur.op);
    return 0;
}

int ch_audit(mnp_txn_t *txn, int64_t now_ms, const char *actor, const char *action, uint64_t number,
             const char *detail, mnp_error_t *err)
{
    char subject[24];
    snprintf(subject, sizeof(subject), "%llu", (unsigned long long)number);
    return mnp_txn_audit_append(txn, now_ms, actor, action, subject, detail, NULL, err);
}

void ch_json_str(mnp_buf_t *b, const char *key, const char *value)
{
    if (b->len > 1)
        mnp_buf_putc(b, ',');
    mnp_buf_json_str(b, key);
    mnp_buf_putc(b, ':');
    mnp_buf_json_str(b, value);
}

void ch_json_int(mnp_buf_t *b, const char *key, int64_t value)
{
    if (b->len > 1)
        mnp_buf_putc(b, ',');
    mnp_buf_json_str(b, key);
    mnp_buf_printf(b, ":%lld", (long long)value);
}
