/*
 * Typed reading of INI values and the unknown-key check. A config file is written by a person,
 * so every refusal says where (file:line), which key, what the value was and what would have been
 * accepted; units are required where a bare number would be ambiguous (durations), and refused
 * where they would be (decimal KB vs binary KiB), so that a typo fails at startup instead of
 * silently meaning something else.
 */
#include "mnp/ini.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "iniInt.h"

/* A unit: its suffix and how many base units (ms or bytes) it stands for. */
typedef struct ini_unit {
    const char *suffix;
    uint64_t mult;
} ini_unit_t;

/* Largest first, so that formatting picks the largest unit that divides a value exactly. */
static const ini_unit_t duration_units[] = {
    {"d", 86400000}, {"h", 3600000}, {"m", 60000}, {"s", 1000}, {"ms", 1}, {NULL, 0},
};

static const ini_unit_t byte_units[] = {
    {"TiB", (uint64_t)1 << 40},
    {"GiB", (uint64_t)1 << 30},
    {"MiB", (uint64_t)1 << 20},
    {"KiB", (uint64_t)1 << 10},
    {"B", 1},
    {"", 1}, /* a plain number */
    {NULL, 0},
};

#define DURATION_HINT "use an integer with ms, s, m, h or d, e.g. 30s"
#define BYTES_HINT    "use an integer of bytes, or with B, KiB, MiB, GiB or TiB, e.g. 64KiB"

/* Sets err to "file:LINE: [section] key: reason" for entry e of sec. */
static int value_error(const mnp_ini_section_t *sec, const mnp_ini_entry_t *e, mnp_error_t *err,
                       int code, const char *fmt, ...) MNP_PRINTF(5, 6);

static int value_error(const mnp_ini_section_t *sec, const mnp_ini_entry_t *e, mnp_error_t *err,
                       int code, const char *fmt, ...)
{
    char reason[MNP_ERROR_MSG_MAX], label[INI_LABEL_SIZE], key[INI_SNIP_MAX + 4];
    va_list ap;
    va_start(ap, fmt);
    if (vsnprintf(reason, sizeof(reason), fmt, ap) < 0)
        reason[0] = '\0';
    va_end(ap);
    return mnp_error_set(err, code, "%s:%zu: %s %s: %s", sec->doc->name, e->line,
                         ini_label(sec, label, sizeof(label)), ini_snip(e->key, key, sizeof(key)),
                         reason);
}

/* Parses the decimal digits at s into *v and points *end after them. Returns 0, MNP_EFORMAT when
 * s has no digit, MNP_ERANGE when the number does not fit 64 bits. */
static int parse_digits(const char *s, const char **end, uint64_t *v)
{
    uint64_t n = 0;
    bool overflow = false;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        overflow = overflow || n > (UINT64_MAX - d) / 10;
        n = n * 10 + d;
    }
    *end = p;
    *v = n;
    return p == s ? MNP_EFORMAT : overflow ? MNP_ERANGE : 0;
}

/* Parses "<digits><suffix>" with a suffix from units. Returns 0, MNP_EFORMAT or MNP_ERANGE. */
static int parse_with_unit(const char *s, const ini_unit_t *units, uint64_t *out)
{
    const char *end;
    uint64_t n;
    int rc = parse_digits(s, &end, &n);
    if (rc == MNP_EFORMAT)
        return rc;
    for (const ini_unit_t *u = units; u->suffix != NULL; u++) {
        if (strcmp(end, u->suffix) != 0)
            continue;
        if (rc != 0 || n > UINT64_MAX / u->mult)
            return MNP_ERANGE;
        *out = n * u->mult;
        return 0;
    }
    return MNP_EFORMAT;
}

/* Writes v in the largest unit of units that divides it exactly. */
static const char *format_with_unit(uint64_t v, const ini_unit_t *units, char *buf, size_t size)
{
    const ini_unit_t *u = units;
    while (v != 0 && u[1].suffix != NULL && v % u->mult != 0)
        u++;
    if (v == 0)
        snprintf(buf, size, "0");
    else
        snprintf(buf, size, "%llu%s", (unsigned long long)(v / u->mult), u->suffix);
    return buf;
}

/* Reports a value outside [min, max], each written in the given units (NULL: plain numbers). */
static int range_error(const mnp_ini_section_t *sec, const mnp_ini_entry_t *e, mnp_error_t *err,
                       uint64_t min, uint64_t max, const ini_unit_t *units)
{
    char lo[32], hi[32], v[INI_SNIP_MAX + 4];
    if (units == NULL) {
        snprintf(lo, sizeof(lo), "%llu", (unsigned long long)min);
        snprintf(hi, sizeof(hi), "%llu", (unsigned long long)max);
    } else {
        format_with_unit(min, units, lo, sizeof(lo));
        format_with_unit(max, units, hi, sizeof(hi));
    }
    return value_error(sec, e, err, MNP_ERANGE, "%s is out of range (%s to %s)",
                       ini_snip(e->value, v, sizeof(v)), lo, hi);
}

int mnp_ini_get_str(const mnp_ini_section_t *sec, const char *key, const char *def, size_t min_len,
                    size_t max_len, const char **out, mnp_error_t *err)
{
    const mnp_ini_entry_t *e = mnp_ini_find(sec, key);
    if (e == NULL) {
        *out = def;
        return 0;
    }
    size_t len = strlen(e->value);
    if (len < min_len)
        return len == 0
                   ? value_error(sec, e, err, MNP_ERANGE, "must not be empty")
                   : value_error(sec, e, err, MNP_ERANGE, "%zu bytes, less than %zu", len, min_len);
    if (len > max_len)
        return value_error(sec, e, err, MNP_ERANGE, "%zu bytes, more than %zu", len, max_len);
    *out = e->value;
    return 0;
}

int mnp_ini_get_u64(const mnp_ini_section_t *sec, const char *key, uint64_t def, uint64_t min,
                    uint64_t max, uint64_t *out, mnp_error_t *err)
{
    char v[INI_SNIP_MAX + 4];
    const mnp_ini_entry_t *e = mnp_ini_find(sec, key);
    if (e == NULL) {
        *out = def;
        return 0;
    }
    const char *end;
    uint64_t n;
    int rc = parse_digits(e->value, &end, &n);
    if (rc == MNP_ERANGE)
        return value_error(sec, e, err, rc, "%s is too large", ini_snip(e->value, v, sizeof(v)));
    if (rc != 0 || *end != '\0')
        return value_error(sec, e, err, MNP_EFORMAT, "'%s' is not a decimal integer",
                           ini_snip(e->value, v, sizeof(v)));
    if (n < min || n > max)
        return range_error(sec, e, err, min, max, NULL);
    *out = n;
    return 0;
}

int mnp_ini_get_bool(const mnp_ini_section_t *sec, const char *key, bool def, bool *out,
                     mnp_error_t *err)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    char v[INI_SNIP_MAX + 4];
    const mnp_ini_entry_t *e = mnp_ini_find(sec, key);
    if (e == NULL) {
        *out = def;
        return 0;
    }
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(e->value, yes[i]) == 0 || strcasecmp(e->value, no[i]) == 0) {
            *out = strcasecmp(e->value, yes[i]) == 0;
            return 0;
        }
    }
    return value_error(sec, e, err, MNP_EFORMAT,
                       "'%s' is not a boolean (use true/false, yes/no, on/off or 1/0)",
                       ini_snip(e->value, v, sizeof(v)));
}

/* The shared body of the getters of numbers with units. */
static int get_with_unit(const mnp_ini_section_t *sec, const char *key, uint64_t def, uint64_t min,
                         uint64_t max, uint64_t *out, mnp_error_t *err, const ini_unit_t *units,
                         const char *what, const char *hint)
{
    char v[INI_SNIP_MAX + 4];
    const mnp_ini_entry_t *e = mnp_ini_find(sec, key);
    if (e == NULL) {
        *out = def;
        return 0;
    }
    uint64_t n;
    int rc = parse_with_unit(e->value, units, &n);
    /* A duration is never unitless, but nothing is ambiguous about zero. */
    if (rc == MNP_EFORMAT && units == duration_units && strcmp(e->value, "0") == 0) {
        rc = 0;
        n = 0;
    }
    if (rc == MNP_ERANGE)
        return value_error(sec, e, err, rc, "%s is too large", ini_snip(e->value, v, sizeof(v)));
    if (rc != 0)
        return value_error(sec, e, err, rc, "'%s' is not a %s (%s)",
                           ini_snip(e->value, v, sizeof(v)), what, hint);
    if (n < min || n > max)
        return range_error(sec, e, err, min, max, units);
    *out = n;
    return 0;
}

int mnp_ini_get_duration_ms(const mnp_ini_section_t *sec, const char *key, uint64_t def_ms,
                            uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms, mnp_error_t *err)
{
    return get_with_unit(sec, key, def_ms, min_ms, max_ms, out_ms, err, duration_units, "duration",
                         DURATION_HINT);
}

int mnp_ini_get_bytes(const mnp_ini_section_t *sec, const char *key, uint64_t def, uint64_t min,
                      uint64_t max, uint64_t *out, mnp_error_t *err)
{
    return get_with_unit(sec, key, def, min, max, out, err, byte_units, "size", BYTES_HINT);
}

/* ---- addresses -------------------------------------------------------------------------- */

/* Whether h is a DNS host name: dot-separated labels of 1-63 letters, digits and inner '-'. */
static bool is_host_name(const char *h)
{
    size_t label = 0;
    for (const char *c = h;; c++) {
        if (*c == '.' || *c == '\0') {
            if (label == 0 || label > 63 || c[-1] == '-')
                return false;
            if (*c == '\0')
                return true;
            label = 0;
        } else if ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || (*c == '-' && label > 0)) {
            label++;
        } else {
            return false;
        }
    }
}

/* Whether h is an IPv6 address with an optional %zone (an interface name). */
static bool is_ipv6(const char *h)
{
    char addr[INET6_ADDRSTRLEN];
    unsigned char bin[16];
    const char *zone = strchr(h, '%');
    size_t n = zone != NULL ? (size_t)(zone - h) : strlen(h);
    if (n >= sizeof(addr))
        return false;
    memcpy(addr, h, n);
    addr[n] = '\0';
    if (zone != NULL &&
        (zone[1] == '\0' ||
         strspn(zone + 1, "abcdefghijklmnopqrstuvwxyz"
                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != strlen(zone + 1)))
        return false;
    return inet_pton(AF_INET6, addr, bin) == 1;
}

static int addr_fail(const char **reason, const char *why, int code)
{
    *reason = why;
    return code;
}

/* Parses "host:port" into out. Returns 0, or MNP_EFORMAT / MNP_ERANGE with *reason set. */
static int parse_addr(const char *s, mnp_ini_addr_t *out, const char **reason)
{
    const char *host = s, *colon;
    mnp_ini_addr_kind_t kind = MNP_INI_ADDR_NAME;
    if (*s == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL)
            return addr_fail(reason, "missing ']' after the IPv6 address", MNP_EFORMAT);
        if (close[1] != ':')
            return addr_fail(reason, "missing ':port' after ']'", MNP_EFORMAT);
        host = s + 1;
        colon = close + 1;
        kind = MNP_INI_ADDR_IPV6;
    } else {
        colon = strrchr(s, ':');
        if (colon == NULL)
            return addr_fail(reason, "missing ':port' (write host:port)", MNP_EFORMAT);
        if (memchr(s, ':', (size_t)(colon - s)) != NULL)
            return addr_fail(reason, "an IPv6 address needs brackets, as in [::1]:53", MNP_EFORMAT);
    }
    size_t len = (size_t)((kind == MNP_INI_ADDR_IPV6 ? colon - 1 : colon) - host);
    if (len == 0)
        return addr_fail(reason, "missing host", MNP_EFORMAT);
    if (len > MNP_INI_HOST_MAX)
        return addr_fail(reason, "host longer than 253 bytes", MNP_EFORMAT);
    const char *end;
    uint64_t port;
    int rc = parse_digits(colon + 1, &end, &port);
    if (rc == MNP_EFORMAT || (rc == 0 && *end != '\0'))
        return addr_fail(reason, "port is not a decimal number", MNP_EFORMAT);
    if (rc != 0 || port > 65535)
        return addr_fail(reason, "port out of range (0 to 65535)", MNP_ERANGE);

    mnp_ini_addr_t a = {.port = (uint16_t)port, .kind = kind};
    memcpy(a.host, host, len);
    a.host[len] = '\0';
    if (kind == MNP_INI_ADDR_IPV6) {
        if (!is_ipv6(a.host))
            return addr_fail(reason, "not an IPv6 address", MNP_EFORMAT);
    } else if (strspn(a.host, "0123456789.") == len) {
        /* All digits and dots: meant as IPv4, so refuse rather than treat it as a name. */
        struct in_addr bin;
        if (inet_pton(AF_INET, a.host, &bin) != 1)
            return addr_fail(reason, "not an IPv4 address", MNP_EFORMAT);
        a.kind = MNP_INI_ADDR_IPV4;
    } else if (!is_host_name(a.host)) {
        return addr_fail(reason, "not a valid host name", MNP_EFORMAT);
    }
    *out = a;
    return 0;
}

int mnp_ini_get_addr(const mnp_ini_section_t *sec, const char *key, const char *def,
                     mnp_ini_addr_t *out, mnp_error_t *err)
{
    char v[INI_SNIP_MAX + 4];
    const char *reason = NULL;
    const mnp_ini_entry_t *e = mnp_ini_find(sec, key);
    if (e == NULL) {
        if (def == NULL) {
            memset(out, 0, sizeof(*out));
            return 0;
        }
        if (parse_addr(def, out, &reason) != 0)
            return mnp_error_set(err, MNP_EINVAL, "default address '%s' of key %s: %s",
                                 ini_snip(def, v, sizeof(v)), key, reason);
        return 0;
    }
    int rc = parse_addr(e->value, out, &reason);
    if (rc != 0)
        return value_error(sec, e, err, rc, "'%s': %s", ini_snip(e->value, v, sizeof(v)), reason);
    return 0;
}

/* ---- checks ----------------------------------------------------------------------------- */

static bool in_list(const char *s, const char *const list[])
{
    for (size_t i = 0; list[i] != NULL; i++) {
        if (strcmp(s, list[i]) == 0)
            return true;
    }
    return false;
}

int mnp_ini_check_known(const mnp_ini_t *ini, const char *section, const char *const known_keys[],
                        mnp_error_t *err)
{
    char label[INI_LABEL_SIZE], key[INI_SNIP_MAX + 4];
    for (size_t i = 0; i < mnp_ini_section_count(ini); i++) {
        const mnp_ini_section_t *sec = mnp_ini_section_at(ini, i);
        if (strcmp(sec->name, section) != 0)
            continue;
        for (size_t k = 0; k < sec->nkeys; k++) {
            const mnp_ini_entry_t *e = mnp_ini_entry_at(sec, k);
            if (!in_list(e->key, known_keys))
                return mnp_error_set(err, MNP_EFORMAT, "%s:%zu: unknown key '%s' in %s", ini->name,
                                     e->line, ini_snip(e->key, key, sizeof(key)),
                                     ini_label(sec, label, sizeof(label)));
        }
    }
    return 0;
}

int mnp_ini_check_sections(const mnp_ini_t *ini, const char *const known_sections[],
                           mnp_error_t *err)
{
    char label[INI_LABEL_SIZE];
    for (size_t i = 0; i < mnp_ini_section_count(ini); i++) {
        const mnp_ini_section_t *sec = mnp_ini_section_at(ini, i);
        if (!in_list(sec->name, known_sections))
            return mnp_error_set(err, MNP_EFORMAT, "%s:%zu: unknown section %s", ini->name,
                                 sec->line, ini_label(sec, label, sizeof(label)));
    }
    return 0;
}
