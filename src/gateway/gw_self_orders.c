/*
 * A subscriber's port orders, for self-service (gw_self.h): asked of the clearinghouse through
 * the tenant's own client, so the answer holds only orders where the operator is party (RULE
 * §7), whichever side it is on. The list is asked for the number alone; the gateway also keeps
 * only the entries of that number itself, so that it never shows someone else's order, also to
 * a clearinghouse that does not filter by number. List entries without the detail a subscriber
 * wants (when it was made, its cutover, the donor's deadline, the reason) are completed from the
 * order's own record.
 */
#include <stdio.h>
#include <string.h>

#include "gwInt.h"

#define PAGE      1000 /* orders per list call, the clearinghouse's most */
#define PAGES_MAX 50   /* list calls per answer: a clearinghouse that ignores the filter */

/* GET path at the clearinghouse: the 200 answer in *answer (a new reference), else NULL with the
 * refusal in r; a 404 is no refusal, and no answer, when not_found_ok. */
static json_t *ask(mnp_gw_t *gw, const char *path, bool not_found_ok, mnp_gw_self_refusal_t *r)
{
    int status = 0;
    json_t *answer = NULL;
    mnp_error_t err = {0};
    if (mnp_ch_client_call(gw->ch, "GET", path, NULL, &status, &answer, &err) != 0) {
        gw_self_refuse(r, 503, "clearinghouse_unreachable", 0,
                       "the clearinghouse cannot be reached: %s", err.msg);
        return NULL;
    }
    if (status == 200 && json_is_object(answer))
        return answer;
    if (status != 404 || !not_found_ok)
        gw_self_refuse(r, 502, "clearinghouse_refused", 0, "the clearinghouse answered %d %s: %s",
                       status, mnp_ch_problem_code(answer), mnp_ch_problem_detail(answer));
    json_decref(answer);
    return NULL;
}

/* What the subscriber sees of an order (o: the list entry or the order's record). */
static json_t *order_view(const json_t *o)
{
    static const char *const members[] = {
        "order",      "state",      "recipient",  "donor",
        "created_ms", "updated_ms", "cutover_ms", "donor_deadline_ms"};
    json_t *v = json_object();
    for (size_t i = 0; v != NULL && i < sizeof(members) / sizeof(members[0]); i++) {
        json_t *m = json_object_get(o, members[i]);
        if (m != NULL && !json_is_null(m))
            json_object_set(v, members[i], m);
    }
    const char *reason = json_string_value(json_object_get(o, "reason"));
    if (v != NULL && reason != NULL && reason[0] != '\0')
        json_object_set_new(v, "reason", json_string(reason));
    return v;
}

/* Adds the orders of the list page that are number's (digits) to out; *last is the highest id
 * seen. false with r filled when the clearinghouse failed us. */
static bool add_page(mnp_gw_t *gw, const json_t *page, const char *digits, json_t *out,
                     int64_t *last, mnp_gw_self_refusal_t *r)
{
    size_t i;
    const json_t *o;
    json_array_foreach(page, i, o)
    {
        json_int_t id = json_integer_value(json_object_get(o, "order"));
        *last = id > *last ? id : *last;
        const char *n = json_string_value(json_object_get(o, "number"));
        if (n == NULL || strcmp(n, digits) != 0)
            continue; /* RULE §7: never someone else's order */
        json_t *detail = NULL;
        /* The order's record always says its reason ("" for none); a list that does not
         * lacks the detail (cutover, donor deadline). */
        if (json_object_get(o, "reason") == NULL || json_object_get(o, "created_ms") == NULL) {
            char path[64];
            snprintf(path, sizeof(path), "/v1/orders/%lld", (long long)id);
            if ((detail = ask(gw, path, true, r)) == NULL) {
                if (r->status != 0)
                    return false;
                continue; /* no longer visible to this operator */
            }
        }
        json_array_append_new(out, order_view(detail ? detail : o));
        json_decref(detail);
    }
    return true;
}

int mnp_gw_self_orders(mnp_gw_t *gw, uint64_t number, json_t **orders, mnp_gw_self_refusal_t *out)
{
    memset(out, 0, sizeof(*out));
    *orders = NULL;
    char digits[MNP_NUMBER_STR_SIZE];
    snprintf(digits, sizeof(digits), "%llu", (unsigned long long)number);
    json_t *list = json_array();
    if (list == NULL)
        return MNP_ENOMEM;
    int64_t last = 0;
    for (int p = 0; p < PAGES_MAX; p++) {
        char path[128];
        snprintf(path, sizeof(path), "/v1/orders?number=%s&limit=%d&after=%lld", digits, PAGE,
                 (long long)last);
        json_t *answer = ask(gw, path, false, out);
        const json_t *page = json_object_get(answer, "orders");
        bool ok = answer != NULL && json_is_array(page);
        if (answer != NULL && !ok)
            gw_self_refuse(out, 502, "clearinghouse_refused", 0,
                           "the clearinghouse's list has no orders");
        ok = ok && add_page(gw, page, digits, list, &last, out);
        size_t n = json_array_size(page);
        json_decref(answer);
        if (!ok) {
            json_decref(list);
            return 0;
        }
        if (n < PAGE)
            break;
    }
    *orders = list;
    return 0;
}
