/*
 * Eligibility to port (SPEC.md §4): the seven legitimate conditions E01-E07 and nothing else.
 * mnp_eligibility_check takes the facts an operator gateway holds about a number (its subscriber
 * record, its term agreements, when the first CXXZ froze them, the number's type and last port)
 * and what the subscriber presented (name, identity number), and returns every unmet condition
 * at once, each with the facts its reply needs (an amount, a date, an agreement). There is no
 * way to express any other reason: a promotion without a term, a value-added service, a family
 * plan, points, a store or an appointment cannot make a number ineligible, because this module
 * has no input for them. Pure functions: no I/O, no clock (now_ms is passed in).
 */
#ifndef MNP_ELIGIBILITY_H
#define MNP_ELIGIBILITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

#define MNP_SUB_NAME_MAX        64 /* subscriber name, UTF-8 bytes with NUL */
#define MNP_SUB_IDENTITY_MAX    19 /* 18-character resident identity number with NUL */
#define MNP_AGREEMENT_NAME_MAX  96 /* UTF-8 bytes with NUL */
#define MNP_ELIG_AGREEMENTS_MAX 16 /* blocking agreements one result names */

typedef enum mnp_registration {
    MNP_REG_PERSON = 1, /* a natural person's real name */
    MNP_REG_COMPANY,    /* a company's number: transfer it to a person first */
    MNP_REG_NONE,       /* not registered under a real name */
} mnp_registration_t;

typedef enum mnp_sub_status {
    MNP_SUB_NORMAL = 1,
    MNP_SUB_LOST,      /* reported lost by the owner */
    MNP_SUB_SUSPENDED, /* suspended (for example for non-payment) */
} mnp_sub_status_t;

/* A subscriber record as the operator's billing system hands it over. */
typedef struct mnp_subscriber {
    uint64_t number; /* E.164 digits */
    char name[MNP_SUB_NAME_MAX];
    char identity[MNP_SUB_IDENTITY_MAX]; /* upper-case X */
    mnp_registration_t registration;
    mnp_sub_status_t status;
    int64_t unpaid_fen;   /* billed and unpaid, in fen (1/100 yuan); >= 0 */
    int64_t last_port_ms; /* when the number last ported (0: never) */
} mnp_subscriber_t;

/* A term agreement (在网约定). Only one with a term, in force at now_ms and existing before the
 * first CXXZ can block (SPEC §4). */
typedef struct mnp_agreement {
    int64_t id;
    char name[MNP_AGREEMENT_NAME_MAX];
    int64_t start_ms, end_ms; /* in force from start_ms until end_ms (exclusive) */
    int64_t fee_fen;          /* early-termination fee, fen */
    bool has_term;
    int64_t created_ms; /* when it was recorded at the operator */
    int64_t ended_ms;   /* when the subscriber ended it early (0: not ended); no block after */
} mnp_agreement_t;

typedef struct mnp_elig_input {
    const mnp_subscriber_t *sub; /* NULL: no such subscriber at this operator */
    const char *name;            /* as presented (trimmed UTF-8) */
    const char *identity;        /* as presented (upper-case X) */
    const mnp_agreement_t *agreements;
    size_t nagreements;
    int64_t freeze_ms; /* the first CXXZ of the number (0: none yet; this one will be) */
    bool portable;     /* the number's type ports (SPEC §2), from the number plan */
    int64_t now_ms;
} mnp_elig_input_t;

typedef struct mnp_elig_result {
    bool eligible; /* no condition unmet */
    bool unmet[8]; /* unmet[1..7]: E01 .. E07 */
    /* Facts for the reply, set when their condition is unmet. */
    mnp_registration_t registration;                          /* E01 */
    mnp_sub_status_t status;                                  /* E02 */
    int64_t unpaid_fen;                                       /* E03 */
    const mnp_agreement_t *blocking[MNP_ELIG_AGREEMENTS_MAX]; /* E04, into in->agreements */
    size_t nblocking;
    int64_t port_again_ms; /* E05: the first instant porting is possible */
    /* Agreements that exist but do not block because they came after the freeze (SPEC §3.1):
     * the gateway reports them to the clearinghouse as suspicious. */
    const mnp_agreement_t *late[MNP_ELIG_AGREEMENTS_MAX];
    size_t nlate;
} mnp_elig_result_t;

/* RULE §3.1: whether a is late: an agreement that would block (a term, in force at now_ms) but
 * was recorded at or after freeze_ms, the number's first CXXZ. It never blocks; the gateway
 * reports it to the regulator. */
bool mnp_agreement_late(const mnp_agreement_t *a, int64_t freeze_ms, int64_t now_ms);

/* Decides. When the presented name or identity does not match the record, or there is no record,
 * the result is E07 alone: nothing about someone else's number is disclosed. E06 alone when the
 * number's type does not port. Otherwise every one of E01-E05 that is unmet. */
void mnp_eligibility_check(const mnp_elig_input_t *in, mnp_elig_result_t *out);

/* The registration, status and yes/no words of the subscriber CSV ("person", "company", "none";
 * "normal", "lost", "suspended"): 0 on success, MNP_EINVAL otherwise. */
int mnp_registration_parse(const char *s, mnp_registration_t *out) MNP_WUR;
int mnp_sub_status_parse(const char *s, mnp_sub_status_t *out) MNP_WUR;
const char *mnp_registration_name(mnp_registration_t r);
const char *mnp_sub_status_name(mnp_sub_status_t s);

#endif
