/*
 * The gateway's SMS replies in Chinese (SPEC.md §3): complete, so that one reply tells the
 * subscriber everything. An eligibility answer lists every unmet condition at once, each with
 * its remedy and its amount or date, and names the services porting will end; a code reply
 * carries the 6-digit code and until when it is valid; anything the gateway cannot read gets a
 * short help text. Dates and times are Beijing time (UTC+8); amounts are yuan with two decimals
 * (12.50元). Texts are UTF-8 appended to a buffer; segmentation is sms.h's business.
 */
#ifndef MNP_SMS_REPLY_H
#define MNP_SMS_REPLY_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/buf.h"
#include "mnp/eligibility.h"

typedef struct mnp_reply_ctx {
    const char *operator_name;  /* "中国联通" */
    const char *service_number; /* "10010" */
    /* Services porting will end, from the subscriber record ("副卡", "宽带融合套餐", ...). */
    const char *const *services;
    size_t nservices;
    int64_t balance_fen; /* prepaid balance to be refunded or used up; 0: none */
} mnp_reply_ctx_t;

/* The reply to CXXZ (and to SQXZ when not eligible): eligible, with what porting ends and how to
 * ask for a code; or every unmet condition of r, in code order, each as one numbered line with
 * its remedy (E03 the amount, E04 each blocking agreement's name, end date and fee and how to
 * end it, E05 the first date, E07 that the name or identity number does not match). */
void mnp_reply_eligibility(const mnp_elig_result_t *r, const mnp_reply_ctx_t *ctx, mnp_buf_t *out);

/* The reply to an eligible SQXZ: the code, valid until expires_ms, single use, and that a newer
 * request replaces it. */
void mnp_reply_code(const char code[7], int64_t expires_ms, const mnp_reply_ctx_t *ctx,
                    mnp_buf_t *out);

/* The reply to anything else: the two commands and their form. */
void mnp_reply_help(const mnp_reply_ctx_t *ctx, mnp_buf_t *out);

/* "2027年3月15日" (the Beijing date of ms) into out (at least 32 bytes). */
const char *mnp_reply_date(int64_t ms, char *out, size_t size);

/* "12.50元" (fen as yuan with two decimals, exact; "-0.05元" below zero) into out (at least 32
 * bytes). */
const char *mnp_reply_yuan(int64_t fen, char *out, size_t size);

#endif
