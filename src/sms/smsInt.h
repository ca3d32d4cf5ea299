/*
 * Private to the sms area: the one UTF-8 decoder that both the command parser and the reply
 * segmenter read text through, so that they agree on what valid UTF-8 is (RFC 3629: no overlong
 * forms, no surrogates, nothing above U+10FFFF) and every read stays inside the input.
 */
#ifndef MNP_SMS_INT_H
#define MNP_SMS_INT_H

#include <stdint.h>

#include "mnp/cursor.h"

/* Decodes the character at the cursor into *cp and moves past it: 0, MNP_ETRUNC at the end of
 * the input, or MNP_EINVAL for a byte sequence that is not valid UTF-8 (a sequence cut short by
 * the end of the input included); on failure the cursor does not move past the bad bytes. */
int sms_utf8_next(mnp_cursor_t *c, uint32_t *cp);

#endif
