/*
 * DNS over TCP framing (RFC 1035 §4.2.2, RFC 7766 §8): a 2-byte big-endian length before each
 * message. Kept apart from the codec so that the server's stream buffer code and the tests can
 * use it without knowing anything else about DNS.
 */
#include "mnp/dns.h"

size_t mnp_dns_tcp_frame_size(const uint8_t *buf, size_t len)
{
    if (len < 2)
        return 2;
    return 2u + (((size_t)buf[0] << 8) | buf[1]);
}

size_t mnp_dns_tcp_extract(const uint8_t *buf, size_t len, const uint8_t **msg, size_t *msg_len)
{
    size_t need = mnp_dns_tcp_frame_size(buf, len);
    if (len < need)
        return 0;
    *msg = buf + 2;
    *msg_len = need - 2;
    return need;
}

void mnp_dns_tcp_put_length(uint8_t prefix[2], size_t msg_len)
{
    prefix[0] = (uint8_t)(msg_len >> 8);
    prefix[1] = (uint8_t)msg_len;
}
