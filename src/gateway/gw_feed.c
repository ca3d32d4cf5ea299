/*
 * The gateway follows the clearinghouse's change feed (SPEC.md §5-§6) from where it stopped: it
 * answers port orders for its own numbers as the donor, by itself; it acts on cutovers for the
 * numbers it loses or gains (the subscriber record, a provisioning event for its network, an SMS
 * to the subscriber); it stores how far it got and acknowledges that to the clearinghouse, which
 * waits for every operator's acknowledgement before a port is ACTIVE. Events may come twice
 * (after a crash between acting and storing the position): every step is idempotent, keyed by
 * the order's last handled state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gwInt.h"
#include "mnp/number.h"

#define PAGE 100

typedef struct seen {
    const char *op;
    int64_t order_id;
    char state[24];
    bool known; /* the gateway has a record of the order */
    mnp_gw_order_t rec;
    /* For a donor answer: the subscriber and the code the gateway issued. */
    uint64_t number;
    bool have_sub, have_code;
    mnp_gw_subscriber_t sub;
    int64_t code_issued_ms, code_expires_ms;
} seen_t;

static int read_seen(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    seen_t *s = arg;
    int rc = mnp_txn_gw_order_get(txn, s->op, s->order_id, &s->rec, err);
    s->known = rc == 0;
    if (rc == MNP_ENOENT)
        rc = 0;
    if (rc == 0) {
        rc = mnp_txn_gw_subscriber_get(txn, s->op, s->number, &s->sub, err);
        s->have_sub = rc == 0;
        if (rc == MNP_ENOENT)
            rc = 0;
    }
    if (rc == 0) {
        rc = mnp_txn_gw_code_get(txn, s->op, s->number, &s->code_issued_ms, &s->code_expires_ms,
                                 err);
        s->have_code = rc == 0;
        if (rc == MNP_ENOENT)
            rc = 0;
    }
    mnp_error_clear(err);
    return rc;
}

/* What the gateway does once an order reached a state, in one transaction with the new state. */
typedef struct step {
    mnp_gw_t *gw;
    const seen_t *seen;
    mnp_gw_order_t rec;
    mnp_prov_kind_t prov; /* 0: none */
    bool set_active, active;
    bool create_sub; /* ported in: the subscriber is ours now, if we know who */
    const char *sms; /* to the subscriber, or NULL */
} step_t;

static int write_step(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    step_t *s = arg;
    int64_t now = mnp_clock_now_ms(s->gw->clock);
    /* What the shop recorded at port-in (gw_port.c) may have arrived since the order was read:
     * it is kept, and decides whether the subscriber is created here. */
    mnp_gw_order_t cur;
    int rc = mnp_txn_gw_order_get(txn, s->gw->op, s->rec.order_id, &cur, err);
    if (rc == 0 && cur.name[0] != '\0') {
        snprintf(s->rec.name, sizeof(s->rec.name), "%s", cur.name);
        snprintf(s->rec.identity, sizeof(s->rec.identity), "%s", cur.identity);
        snprintf(s->rec.channel, sizeof(s->rec.channel), "%s", cur.channel);
    }
    if (rc == MNP_ENOENT) {
        mnp_error_clear(err);
        rc = 0;
    }
    bool create_sub = s->create_sub && s->rec.name[0] != '\0';
    if (rc == 0)
        rc = mnp_txn_gw_order_put(txn, &s->rec, err);
    if (rc == 0 && s->set_active && s->seen->have_sub) {
        rc = mnp_txn_gw_subscriber_set_active(txn, s->gw->op, s->rec.number, s->active, now, err);
        if (rc == MNP_ENOENT) {
            mnp_error_clear(err);
            rc = 0;
        }
    }
    if (rc == 0 && create_sub) {
        mnp_subscriber_row_t row = {.sub = {.number = s->rec.number,
                                            .registration = MNP_REG_PERSON,
                                            .status = MNP_SUB_NORMAL,
                                            .last_port_ms = now}};
        snprintf(row.sub.name, sizeof(row.sub.name), "%s", s->rec.name);
        snprintf(row.sub.identity, sizeof(row.sub.identity), "%s", s->rec.identity);
        rc = mnp_txn_gw_subscribers_put(txn, s->gw->op, &row, 1, now, NULL, NULL, err);
        if (rc == 0)
            rc = mnp_txn_gw_subscriber_set_active(txn, s->gw->op, s->rec.number, true, now, err);
    }
    if (rc == 0 && s->prov != 0) {
        mnp_gw_prov_t ev = {.kind = s->prov,
                            .number = s->rec.number,
                            .order_id = s->rec.order_id,
                            .created_ms = now,
                            .next_try_ms = now};
        snprintf(ev.op, sizeof(ev.op), "%s", s->gw->op);
        rc = mnp_txn_gw_prov_add(txn, &ev, err);
    }
    if (rc == 0 && s->sms != NULL) {
        mnp_gw_sms_t *m;
        rc = gw_sms_new(s->gw, s->rec.number, s->sms, &m, err);
        if (rc == 0)
            rc = mnp_txn_gw_sms_add(txn, m, err);
        gw_sms_free(m);
    }
    return rc;
}

/* SPEC §5 and issue 4: the donor objects only with D01 (lost or suspended since the code was
 * issued) or D02 (the owner changed since), and otherwise accepts at once, or, by staff, leaves
 * the order to its staff and, failing them, to the window (silence is consent). */
static void donor_answer(mnp_gw_t *gw, const seen_t *s)
{
    char path[64], body[256] = "{}";
    const mnp_gw_subscriber_t *sub = &s->sub;
    if (s->have_sub && s->have_code) {
        if (sub->row.sub.status != MNP_SUB_NORMAL && sub->status_since_ms > s->code_issued_ms)
            snprintf(body, sizeof(body),
                     "{\"reason\":\"D01\",\"text\":\"the number was reported %s after the code was "
                     "issued\"}",
                     mnp_sub_status_name(sub->row.sub.status));
        else if (sub->identity_since_ms > s->code_issued_ms)
            snprintf(body, sizeof(body),
                     "{\"reason\":\"D02\",\"text\":\"the owner changed after the code was "
                     "issued\"}");
    }
    if (gw->donor_by_staff && strcmp(body, "{}") == 0) {
        mnp_log(MNP_LOG_INFO, "donor answer left to staff",
                MNP_KV(MNP_KV_STR("operator", gw->op), MNP_KV_I64("order", s->order_id)));
        return;
    }
    snprintf(path, sizeof(path), "/v1/orders/%lld/answer", (long long)s->order_id);
    int status = 0;
    json_t *answer = NULL;
    mnp_error_t err = {0};
    int rc = mnp_ch_client_call(gw->ch, "POST", path, body, &status, &answer, &err);
    mnp_log(rc == 0 && status < 300 ? MNP_LOG_INFO : MNP_LOG_WARN, "donor answer",
            MNP_KV(MNP_KV_STR("operator", gw->op), MNP_KV_I64("order", s->order_id),
                   MNP_KV_STR("answer", strcmp(body, "{}") ? body : "accept"),
                   MNP_KV_I64("status", status),
                   MNP_KV_STR("code", rc ? "unreachable" : mnp_ch_problem_code(answer))));
    json_decref(answer);
}

/* One order event. Returns <0 only when the gateway's own store failed. */
static int order_event(mnp_gw_t *gw, json_t *ev, mnp_error_t *err)
{
    const char *state = json_string_value(json_object_get(ev, "state"));
    const char *recipient = json_string_value(json_object_get(ev, "recipient"));
    const char *donor = json_string_value(json_object_get(ev, "donor"));
    const char *number = json_string_value(json_object_get(ev, "number"));
    json_int_t id = json_integer_value(json_object_get(ev, "order"));
    mnp_number_t num;
    if (!state || !recipient || !donor || !number || id <= 0 ||
        mnp_number_parse(number, strlen(number), &num, NULL) != 0)
        return 0; /* not an event this gateway understands: nothing to do */
    bool is_donor = strcmp(donor, gw->op) == 0, is_recipient = strcmp(recipient, gw->op) == 0;
    if (!is_donor && !is_recipient)
        return 0;
    seen_t s = {.op = gw->op, .order_id = id, .number = num.e164};
    int rc = mnp_store_read(gw->store, read_seen, &s, err);
    if (rc != 0)
        return rc;
    if (s.known && strcmp(s.rec.state, state) == 0)
        return 0; /* handled already */
    step_t st = {.gw = gw, .seen = &s};
    st.rec = s.known ? s.rec : (mnp_gw_order_t){.order_id = id, .number = num.e164};
    snprintf(st.rec.op, sizeof(st.rec.op), "%s", gw->op);
    st.rec.side = is_recipient ? MNP_GW_RECIPIENT : MNP_GW_DONOR;
    snprintf(st.rec.state, sizeof(st.rec.state), "%s", state);
    st.rec.updated_ms = mnp_clock_now_ms(gw->clock);
    if (!s.known)
        st.rec.created_ms = st.rec.updated_ms;
    char text[256];
    if (strcmp(state, "PENDING_DONOR") == 0 && is_donor) {
        donor_answer(gw, &s);
    } else if (strcmp(state, "ACTIVE") == 0 && is_donor) {
        st.prov = MNP_PROV_DEACTIVATE;
        st.set_active = true;
        st.active = false;
    } else if (strcmp(state, "ACTIVE") == 0 && is_recipient) {
        st.prov = MNP_PROV_ACTIVATE;
        st.create_sub = true; /* when the shop's record names the subscriber */
        snprintf(text, sizeof(text), "【%s】欢迎！您的号码已成功携入%s，现已可正常使用。", gw->name,
                 gw->name);
        st.sms = text;
    } else if (strcmp(state, "RETURNED") == 0 && is_recipient) {
        st.prov = MNP_PROV_RETURN;
        st.set_active = true;
        st.active = false;
    }
    rc = mnp_store_write(gw->store, write_step, &st, err);
    if (rc == 0 && st.prov != 0)
        gw_wake(gw); /* committed: the courier may deliver it now */
    return rc;
}

typedef struct position {
    const char *op;
    uint64_t seq;
} position_t;

static int read_position(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    position_t *p = arg;
    return mnp_txn_gw_feed_get(txn, p->op, &p->seq, err);
}

static int write_position(mnp_txn_t *txn, void *arg, mnp_error_t *err)
{
    position_t *p = arg;
    return mnp_txn_gw_feed_set(txn, p->op, p->seq, err);
}

int mnp_gw_feed_poll(mnp_gw_t *gw, unsigned wait_s, unsigned *handled, mnp_error_t *err)
{
    *handled = 0;
    position_t pos = {.op = gw->op};
    int rc = mnp_store_read(gw->store, read_position, &pos, err);
    if (rc != 0)
        return rc;
    char path[96];
    snprintf(path, sizeof(path), "/v1/events?after=%llu&limit=%d&wait=%u",
             (unsigned long long)pos.seq, PAGE, wait_s);
    int status = 0;
    json_t *page = NULL;
    rc = mnp_ch_client_call(gw->ch, "GET", path, NULL, &status, &page, err);
    if (rc == 0 && status != 200)
        rc = mnp_error_set(err, MNP_EIO, "clearinghouse feed: status %d %s", status,
                           mnp_ch_problem_code(page));
    json_t *events = json_object_get(page, "events");
    json_int_t next = json_integer_value(json_object_get(page, "next_after"));
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        if (rc != 0)
            break;
        const char *kind = json_string_value(json_object_get(ev, "kind"));
        if (kind != NULL && strcmp(kind, "order") == 0)
            rc = order_event(gw, json_object_get(ev, "event"), err);
        *handled += rc == 0;
    }
    if (rc == 0 && next > 0 && (uint64_t)next > pos.seq) {
        pos.seq = (uint64_t)next;
        rc = mnp_store_write(gw->store, write_position, &pos, err);
        char body[64];
        snprintf(body, sizeof(body), "{\"seq\":%llu}", (unsigned long long)pos.seq);
        int st = 0;
        mnp_error_t aerr = {0};
        /* Applied and stored first: a lost acknowledgement is sent again with the next one. */
        if (rc == 0 &&
            (mnp_ch_client_call(gw->ch, "POST", "/v1/events/ack", body, &st, NULL, &aerr) != 0 ||
             st != 200))
            mnp_log(MNP_LOG_WARN, "feed acknowledgement not taken",
                    MNP_KV(MNP_KV_STR("operator", gw->op), MNP_KV_U64("seq", pos.seq),
                           MNP_KV_I64("status", st), MNP_KV_STR("error", aerr.msg)));
    }
    json_decref(page);
    return rc;
}
