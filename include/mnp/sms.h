/*
 * SMS as the operator gateway meets it (SPEC.md §3): the subscriber's commands CXXZ#姓名#证件号码
 * (eligibility query) and SQXZ#姓名#证件号码 (authorization code), read tolerantly (half- and
 * full-width '#', stray spaces, any letter case), and the splitting of a reply into the segments
 * an SMS network carries: GSM 7-bit text in 160 septets (153 per part of a concatenated message),
 * anything else in UCS-2, 70 UTF-16 units (67 per part). Pure functions over UTF-8 text.
 */
#ifndef MNP_SMS_H
#define MNP_SMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/error.h"

#define MNP_SMS_TEXT_MAX     1024 /* bytes of an inbound text this parser looks at */
#define MNP_SMS_NAME_MAX     64   /* bytes of a name with NUL */
#define MNP_SMS_IDENTITY_MAX 19   /* 18 characters with NUL */

typedef enum mnp_sms_kind {
    MNP_SMS_UNKNOWN = 0, /* anything else: the gateway answers with help */
    MNP_SMS_CXXZ,        /* 查询携转: eligibility query */
    MNP_SMS_SQXZ,        /* 申请携转: authorization code */
} mnp_sms_kind_t;

typedef struct mnp_sms_command {
    mnp_sms_kind_t kind;
    char name[MNP_SMS_NAME_MAX];         /* trimmed, inner spaces kept as one */
    char identity[MNP_SMS_IDENTITY_MAX]; /* spaces removed, 'x' upper-cased */
} mnp_sms_command_t;

/* Reads text[0..len) (UTF-8, not NUL-terminated). A command is its keyword (CXXZ or SQXZ, any
 * case, full-width letters too), a separator ('#' or '＃', with spaces around it or not), a name
 * (1 to 63 bytes of valid UTF-8 after trimming), a separator and an identity number (digits
 * and X with spaces anywhere in it; its check digit is checked by the caller). A trailing
 * separator and line breaks (CR, LF) before or after the whole message are tolerated. Anything
 * else is MNP_SMS_UNKNOWN; so is invalid UTF-8 or a text longer than MNP_SMS_TEXT_MAX. Always
 * fills *out (name and identity empty for UNKNOWN). */
mnp_sms_kind_t mnp_sms_parse(const char *text, size_t len, mnp_sms_command_t *out);

typedef enum mnp_sms_encoding {
    MNP_SMS_GSM7 = 1, /* every character in the GSM 03.38 default alphabet or its extension */
    MNP_SMS_UCS2,
} mnp_sms_encoding_t;

/* One segment of a reply: text[offset .. offset+len) in bytes of the UTF-8 input, never cutting
 * a character, a UTF-16 surrogate pair or a GSM escape pair in two. */
typedef struct mnp_sms_part {
    size_t offset, len;
    size_t units; /* septets (GSM7) or UTF-16 units (UCS2) it takes */
} mnp_sms_part_t;

/* Splits valid UTF-8 text[0..len) into SMS segments: one part when it fits a single message
 * (160 septets / 70 units), else parts of at most 153 septets / 67 units. Writes at most max
 * parts and the total count to *count (so a caller may ask first with max 0); an empty text is
 * one empty part. MNP_EINVAL for invalid UTF-8, MNP_ELIMIT when more than 255 parts would be
 * needed; *count is 0 on failure. */
int mnp_sms_segment(const char *text, size_t len, mnp_sms_encoding_t *enc, mnp_sms_part_t *parts,
                    size_t max, size_t *count) MNP_WUR;

#endif
