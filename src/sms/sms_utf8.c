/*
 * Strict UTF-8 decoding for the sms area (RFC 3629, Unicode Table 3-7). SMS text arrives from
 * subscribers' phones and from other operators' gateways; anything that is not well-formed UTF-8
 * is refused here rather than passed on to a name field or cut at an arbitrary byte.
 */
#include "smsInt.h"

int sms_utf8_next(mnp_cursor_t *c, uint32_t *cp)
{
    int b0 = mnp_cursor_peek(c);
    if (b0 < 0)
        return MNP_ETRUNC;
    size_t n;
    uint32_t v, min;
    if (b0 < 0x80) {
        mnp_cursor_skip(c, 1);
        *cp = (uint32_t)b0;
        return 0;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
        n = 2, v = (uint32_t)b0 & 0x1F, min = 0x80;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        n = 3, v = (uint32_t)b0 & 0x0F, min = 0x800;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        n = 4, v = (uint32_t)b0 & 0x07, min = 0x10000;
    } else {
        return MNP_EINVAL; /* a continuation byte, C0/C1 (always overlong) or F5..FF */
    }
    if (mnp_cursor_left(c) < n)
        return MNP_EINVAL;
    const uint8_t *p = c->pos;
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return MNP_EINVAL;
        v = (v << 6) | (p[i] & 0x3F);
    }
    /* Overlong forms would let "#" or a space hide behind another spelling. */
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return MNP_EINVAL;
    mnp_cursor_skip(c, n);
    *cp = v;
    return 0;
}
