/*
 * The ENUM zone's configuration: defaults, and the one-time encoding of the suffix and the SOA
 * into wire form, so that answering a query copies prepared bytes instead of formatting names.
 */
#include <string.h>

#include "mnp/dns.h"

void mnp_dns_zone_config_default(mnp_dns_zone_config_t *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->suffix = "e164.arpa.";
    cfg->mname = "localhost.";
    cfg->rname = "hostmaster.localhost.";
    cfg->serial = 1;
    cfg->refresh_s = 3600;
    cfg->retry_s = 600;
    cfg->expire_s = 604800;
    cfg->minimum_s = 60;
    cfg->ttl_s = 300;
}

/* Encodes a presentation-form name ("a.b.", final dot optional, "." or "" for the root) into
 * out (MNP_DNS_NAME_MAX bytes); lower-cases it when fold is set. Returns the wire length and
 * the label count, or 0 when the name is invalid. Escapes are not supported: a backslash, a
 * space and anything outside printable ASCII are refused, as no ENUM operator needs them. */
static size_t encode_name(const char *text, bool fold, uint8_t *out, uint8_t *labels)
{
    size_t len = 0;
    *labels = 0;
    if (strcmp(text, ".") == 0)
        text = "";
    while (*text != '\0') {
        size_t n = strcspn(text, ".");
        if (n == 0 || n > MNP_DNS_LABEL_MAX || len + 1 + n + 1 > MNP_DNS_NAME_MAX)
            return 0;
        out[len++] = (uint8_t)n;
        for (size_t i = 0; i < n; i++) {
            unsigned char ch = (unsigned char)text[i];
            if (ch <= ' ' || ch >= 0x7f || ch == '\\')
                return 0;
            if (fold && ch >= 'A' && ch <= 'Z')
                ch = (unsigned char)(ch - 'A' + 'a');
            out[len++] = ch;
        }
        (*labels)++;
        text += n;
        if (*text == '.')
            text++;
    }
    out[len++] = 0;
    return len;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int mnp_dns_zone_init(mnp_dns_zone_t *zone, const mnp_dns_zone_config_t *cfg, mnp_error_t *err)
{
    uint8_t labels;
    memset(zone, 0, sizeof(*zone));
    if (cfg->resolve == NULL)
        return mnp_error_set(err, MNP_EINVAL, "dns zone: no resolver");
    if (cfg->suffix == NULL || cfg->mname == NULL || cfg->rname == NULL)
        return mnp_error_set(err, MNP_EINVAL, "dns zone: suffix, mname and rname are required");

    size_t n = encode_name(cfg->suffix, true, zone->suffix, &labels);
    if (n == 0)
        return mnp_error_set(err, MNP_EINVAL, "dns zone: invalid suffix '%s'", cfg->suffix);
    zone->suffix_len = (uint16_t)n;
    zone->suffix_labels = labels;

    size_t m = encode_name(cfg->mname, false, zone->soa_rdata, &labels);
    if (m == 0)
        return mnp_error_set(err, MNP_EINVAL, "dns zone: invalid mname '%s'", cfg->mname);
    size_t r = encode_name(cfg->rname, false, zone->soa_rdata + m, &labels);
    if (r == 0)
        return mnp_error_set(err, MNP_EINVAL, "dns zone: invalid rname '%s'", cfg->rname);
    uint8_t *f = zone->soa_rdata + m + r;
    put32(f, cfg->serial);
    put32(f + 4, cfg->refresh_s);
    put32(f + 8, cfg->retry_s);
    put32(f + 12, cfg->expire_s);
    put32(f + 16, cfg->minimum_s);
    zone->mname_len = (uint16_t)m;
    zone->soa_rdata_len = (uint16_t)(m + r + 20);

    zone->ttl_s = cfg->ttl_s;
    /* RFC 2308 §3: a negative answer's SOA carries the lesser of its TTL and MINIMUM. */
    zone->negative_ttl_s = cfg->minimum_s < cfg->ttl_s ? cfg->minimum_s : cfg->ttl_s;
    zone->resolve = cfg->resolve;
    zone->ctx = cfg->ctx;
    return 0;
}
