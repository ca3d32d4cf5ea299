/*
 * The checks of one subscriber or agreement row (subscriber_csv.h), apart from where the row came
 * from: the file reader hands in the fields of a CSV line, the gateway's API those of a JSON
 * object, and both get the same rules and the same reasons, so a billing system that switches
 * from files to the API meets no new rule. Each column is checked in the file's column order and
 * the first problem is the row's reason.
 */
#include <stdio.h>
#include <string.h>

#include "gwdataInt.h"
#include "mnp/idcard.h"

#define WORD_MAX 16 /* longest registration, status or yes/no word, with NUL */
#define DAY_MS   (86400 * 1000LL)

/* Field f as a NUL-terminated word in buf (WORD_MAX bytes); "" when it is too long to be one. */
static const char *field_word(const mnp_csv_field_t *f, char *buf)
{
    size_t n = f->len < WORD_MAX ? f->len : 0;
    memcpy(buf, f->ptr, n);
    buf[n] = '\0';
    return buf;
}

/* The service names one by one, each 1..MNP_SERVICE_NAME_MAX-1 bytes of text without ';' (the
 * store keeps them joined by ';'), at most MNP_SERVICES_MAX. */
static bool check_services(gw_why_t *w, const mnp_subscriber_fields_t *f, mnp_subscriber_row_t *row)
{
    row->nservices = 0;
    for (size_t i = 0; i < f->nservices; i++) {
        if (i == MNP_SERVICES_MAX) {
            gw_why(w, "services: more than %d", MNP_SERVICES_MAX);
            return false;
        }
        char what[32];
        snprintf(what, sizeof(what), "service %zu", i + 1);
        if (!gw_field_text(w, &f->services[i], what, 1, MNP_SERVICE_NAME_MAX - 1, row->services[i]))
            return false;
        if (strchr(row->services[i], ';') != NULL) {
            gw_why(w, "%s has a ';'", what);
            return false;
        }
        row->nservices++;
    }
    return true;
}

int mnp_subscriber_row_check(const mnp_subscriber_fields_t *f, mnp_subscriber_row_t *row,
                             char *reason, size_t reason_size)
{
    gw_why_t w = {reason, reason_size};
    mnp_subscriber_t *s = &row->sub;
    char word[WORD_MAX], show[40];
    memset(row, 0, sizeof(*row));
    if (reason_size > 0)
        reason[0] = '\0';

    if (!gw_field_number(&w, &f->number, &s->number))
        return MNP_EINVAL;
    if (!gw_field_text(&w, &f->name, "name", 1, MNP_SUB_NAME_MAX - 1, s->name))
        return MNP_EINVAL;
    mnp_idcard_reason_t why;
    if (mnp_idcard_validate(f->identity.ptr, f->identity.len, s->identity, &why) != 0) {
        /* The identity itself is not repeated: the reason may travel further than the row. */
        gw_why(&w, "identity: %s", mnp_idcard_reason_str(why));
        return MNP_EINVAL;
    }
    if (mnp_registration_parse(field_word(&f->registration, word), &s->registration) != 0) {
        gw_why(&w, "registration \"%s\" is not person, company or none",
               gw_field_show(&f->registration, show, sizeof(show)));
        return MNP_EINVAL;
    }
    if (mnp_sub_status_parse(field_word(&f->status, word), &s->status) != 0) {
        gw_why(&w, "status \"%s\" is not normal, lost or suspended",
               gw_field_show(&f->status, show, sizeof(show)));
        return MNP_EINVAL;
    }
    if (!gw_field_amount(&w, &f->unpaid_fen, "unpaid_fen", &s->unpaid_fen))
        return MNP_EINVAL;
    s->last_port_ms = 0;
    if (f->last_port.len > 0 && !gw_field_date(&w, &f->last_port, "last_port", &s->last_port_ms))
        return MNP_EINVAL;
    if (!check_services(&w, f, row))
        return MNP_EINVAL;
    if (!gw_field_amount(&w, &f->balance_fen, "balance_fen", &row->balance_fen))
        return MNP_EINVAL;
    return 0;
}

int mnp_agreement_row_check(const mnp_agreement_fields_t *f, mnp_agreement_row_t *row, char *reason,
                            size_t reason_size)
{
    gw_why_t w = {reason, reason_size};
    mnp_agreement_t *a = &row->agreement;
    char word[WORD_MAX], show[40];
    memset(row, 0, sizeof(*row));
    if (reason_size > 0)
        reason[0] = '\0';

    if (!gw_field_number(&w, &f->number, &row->number))
        return MNP_EINVAL;
    if (!gw_field_text(&w, &f->name, "name", 1, MNP_AGREEMENT_NAME_MAX - 1, a->name))
        return MNP_EINVAL;
    int64_t end_day;
    if (!gw_field_date(&w, &f->start, "start", &a->start_ms) ||
        !gw_field_date(&w, &f->end, "end", &end_day))
        return MNP_EINVAL;
    if (end_day < a->start_ms) {
        char s1[40];
        gw_why(&w, "end %s is before start %s", gw_field_show(&f->end, show, sizeof(show)),
               gw_field_show(&f->start, s1, sizeof(s1)));
        return MNP_EINVAL;
    }
    /* In force until the end day's 24:00, and end_ms is exclusive (eligibility.h). */
    a->end_ms = end_day + DAY_MS;
    if (!gw_field_amount(&w, &f->fee_fen, "fee_fen", &a->fee_fen))
        return MNP_EINVAL;
    const char *t = field_word(&f->has_term, word);
    if (strcmp(t, "yes") != 0 && strcmp(t, "no") != 0) {
        gw_why(&w, "has_term \"%s\" is not yes or no",
               gw_field_show(&f->has_term, show, sizeof(show)));
        return MNP_EINVAL;
    }
    a->has_term = t[0] == 'y';
    return 0;
}
