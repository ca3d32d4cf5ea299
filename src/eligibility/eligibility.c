/*
 * The eligibility verdict of SPEC.md §4: who may ask (E07), whether the number's type ports at
 * all (E06), and then every one of E01-E05 that is unmet, each with the fact its reply needs.
 * The inputs are the only facts the verdict can depend on, so no other reason can ever be given;
 * term agreements recorded after the first query are set aside as "late" for the regulator
 * instead of blocking. Also the words of the subscriber CSV for registration and status.
 */
#include <string.h>

#include "mnp/eligibility.h"
#include "mnp/order.h"

/* ASCII white space and the ideographic space U+3000 (E3 80 80), which Chinese input methods
 * produce next to names. Returns the length of the space at s, 0 when there is none. */
static size_t space_len(const char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f')
        return 1;
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
        return 3;
    return 0;
}

/* Skips spaces; returns where the next non-space (or the NUL) is. */
static const char *skip_spaces(const char *s)
{
    size_t n;
    while ((n = space_len(s)) != 0)
        s += n;
    return s;
}

/* RULE E07: the name as registered. Leading and trailing spaces do not count, and a run of inner
 * spaces matches any other run, so that "张 三" typed with two spaces still matches; everything
 * else must be byte-equal. An empty name never matches. */
static bool names_match(const char *presented, const char *recorded)
{
    const char *a = skip_spaces(presented), *b = skip_spaces(recorded);
    if (*a == '\0' || *b == '\0')
        return false;
    while (*a != '\0' && *b != '\0') {
        size_t sa = space_len(a), sb = space_len(b);
        if (sa != 0 || sb != 0) {
            if (sa == 0 || sb == 0)
                return false;
            a = skip_spaces(a);
            b = skip_spaces(b);
            continue;
        }
        if (*a != *b)
            return false;
        a++;
        b++;
    }
    /* Trailing spaces on one side only still match. */
    return *skip_spaces(a) == '\0' && *skip_spaces(b) == '\0';
}

static char upper_x(char c)
{
    return c == 'x' ? 'X' : c;
}

/* RULE E07: the identity number, the check character X in either case. */
static bool identities_match(const char *presented, const char *recorded)
{
    if (presented[0] == '\0' || recorded[0] == '\0')
        return false;
    size_t i = 0;
    for (; presented[i] != '\0' && recorded[i] != '\0'; i++)
        if (upper_x(presented[i]) != upper_x(recorded[i]))
            return false;
    return presented[i] == '\0' && recorded[i] == '\0';
}

/* RULE E04 and §3.1: an agreement with a term that is in force now. Whether it blocks depends on
 * when it was recorded relative to the freeze (the caller decides). RULE E04: one the subscriber
 * has ended (paid off or waived) is no longer in force from that instant on, just as if its term
 * had run out; an end recorded for a later instant does not count yet. */
static bool in_force_with_term(const mnp_agreement_t *a, int64_t now_ms)
{
    if (a->ended_ms != 0 && a->ended_ms <= now_ms)
        return false;
    return a->has_term && a->start_ms <= now_ms && now_ms < a->end_ms;
}

bool mnp_agreement_late(const mnp_agreement_t *a, int64_t freeze_ms, int64_t now_ms)
{
    return in_force_with_term(a, now_ms) && a->created_ms >= freeze_ms;
}

static void check_agreements(const mnp_elig_input_t *in, mnp_elig_result_t *out)
{
    /* RULE §3.1: the first CXXZ freezes the agreements. With no freeze yet, this query is the
     * first and freezes at now_ms, so anything recorded from now_ms on is already late. */
    int64_t freeze_ms = in->freeze_ms != 0 ? in->freeze_ms : in->now_ms;
    for (size_t i = 0; in->agreements != NULL && i < in->nagreements; i++) {
        const mnp_agreement_t *a = &in->agreements[i];
        if (!in_force_with_term(a, in->now_ms))
            continue; /* RULE E04: no term, not yet started, run out or ended never blocks */
        if (mnp_agreement_late(a, freeze_ms, in->now_ms)) {
            if (out->nlate < MNP_ELIG_AGREEMENTS_MAX)
                out->late[out->nlate++] = a;
        } else {
            out->unmet[4] = true;
            if (out->nblocking < MNP_ELIG_AGREEMENTS_MAX)
                out->blocking[out->nblocking++] = a;
        }
    }
}

void mnp_eligibility_check(const mnp_elig_input_t *in, mnp_elig_result_t *out)
{
    memset(out, 0, sizeof(*out));
    const mnp_subscriber_t *sub = in->sub;
    const char *name = in->name != NULL ? in->name : "";
    const char *identity = in->identity != NULL ? in->identity : "";
    /* RULE E07: checked first and reported alone, so that a stranger learns nothing about a
     * number, not even whether its operator holds a record of it. */
    if (sub == NULL || !names_match(name, sub->name) ||
        !identities_match(identity, sub->identity)) {
        out->unmet[7] = true;
        return;
    }
    /* RULE E06: nothing else matters for a number whose type does not port. */
    if (!in->portable) {
        out->unmet[6] = true;
        return;
    }
    if (sub->registration != MNP_REG_PERSON) { /* RULE E01 */
        out->unmet[1] = true;
        out->registration = sub->registration;
    }
    if (sub->status != MNP_SUB_NORMAL) { /* RULE E02 */
        out->unmet[2] = true;
        out->status = sub->status;
    }
    if (sub->unpaid_fen > 0) { /* RULE E03: billed charges only */
        out->unmet[3] = true;
        out->unpaid_fen = sub->unpaid_fen;
    }
    check_agreements(in, out);    /* RULE E04 */
    if (sub->last_port_ms != 0) { /* RULE E05: 120 calendar days (Beijing) since the last port */
        int64_t from_ms = mnp_port_again_from(sub->last_port_ms);
        if (in->now_ms < from_ms) {
            out->unmet[5] = true;
            out->port_again_ms = from_ms;
        }
    }
    out->eligible =
        !(out->unmet[1] || out->unmet[2] || out->unmet[3] || out->unmet[4] || out->unmet[5]);
}

static const char *const registration_words[] = {
    [MNP_REG_PERSON] = "person",
    [MNP_REG_COMPANY] = "company",
    [MNP_REG_NONE] = "none",
};

static const char *const status_words[] = {
    [MNP_SUB_NORMAL] = "normal",
    [MNP_SUB_LOST] = "lost",
    [MNP_SUB_SUSPENDED] = "suspended",
};

#define WORDS_COUNT(w) (sizeof(w) / sizeof((w)[0]))

/* The index of s among words[1..n), or 0. Entry 0 is no value of either enum. */
static unsigned word_index(const char *const *words, size_t n, const char *s)
{
    if (s == NULL)
        return 0;
    for (unsigned i = 1; i < n; i++)
        if (strcmp(words[i], s) == 0)
            return i;
    return 0;
}

int mnp_registration_parse(const char *s, mnp_registration_t *out)
{
    unsigned i = word_index(registration_words, WORDS_COUNT(registration_words), s);
    if (i == 0)
        return MNP_EINVAL;
    *out = (mnp_registration_t)i;
    return 0;
}

int mnp_sub_status_parse(const char *s, mnp_sub_status_t *out)
{
    unsigned i = word_index(status_words, WORDS_COUNT(status_words), s);
    if (i == 0)
        return MNP_EINVAL;
    *out = (mnp_sub_status_t)i;
    return 0;
}

const char *mnp_registration_name(mnp_registration_t r)
{
    /* Cast first: a corrupt record's value must not index the table. */
    if ((unsigned)r == 0 || (unsigned)r >= WORDS_COUNT(registration_words))
        return "unknown";
    return registration_words[r];
}

const char *mnp_sub_status_name(mnp_sub_status_t s)
{
    if ((unsigned)s == 0 || (unsigned)s >= WORDS_COUNT(status_words))
        return "unknown";
    return status_words[s];
}
