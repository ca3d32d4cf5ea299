/*
 * The parsed INI document: lookups by hash, accessors, the canonical writer, and the helpers that
 * quote names and values in messages. The parser (ini.c) fills the structures of iniInt.h; this
 * file only reads them, so everything here is safe to call from many threads at once.
 */
#include "mnp/ini.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "iniInt.h"

#define FNV_SEED  2166136261u
#define FNV_PRIME 16777619u

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- hashing ---------------------------------------------------------------------------- */

static uint32_t fnv_byte(uint32_t h, unsigned char c)
{
    return (h ^ c) * FNV_PRIME;
}

static uint32_t fnv_str(uint32_t h, const char *s)
{
    while (*s != '\0')
        h = fnv_byte(h, (unsigned char)*s++);
    return h;
}

static bool same_sub(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

size_t ini_sec_probe(const mnp_ini_t *ini, const char *name, const char *sub)
{
    /* 0xff never occurs in a name (a-z 0-9 _ . -), so it separates name from sub. */
    uint32_t h = fnv_byte(fnv_str(FNV_SEED, name), 0xff);
    size_t i = (sub != NULL ? fnv_str(h, sub) : h) & ini->sec_mask;
    for (;;) {
        uint32_t v = ini->sec_slots[i];
        if (v == 0)
            return i;
        const mnp_ini_section_t *s = &ini->sections[v - 1];
        if (strcmp(s->name, name) == 0 && same_sub(s->sub, sub))
            return i;
        i = (i + 1) & ini->sec_mask;
    }
}

size_t ini_key_probe(const mnp_ini_t *ini, const mnp_ini_section_t *sec, const char *key)
{
    size_t index = (size_t)(sec - ini->sections);
    uint32_t h = FNV_SEED;
    for (int b = 0; b < 4; b++)
        h = fnv_byte(h, (unsigned char)(index >> (8 * b)));
    size_t i = fnv_str(h, key) & ini->key_mask;
    for (;;) {
        uint32_t v = ini->key_slots[i];
        if (v == 0)
            return i;
        /* One table for all sections: an entry belongs to sec when it lies in sec's run. */
        size_t e = v - 1;
        if (e >= sec->first && e - sec->first < sec->nkeys && strcmp(ini->entries[e].key, key) == 0)
            return i;
        i = (i + 1) & ini->key_mask;
    }
}

/* ---- access ----------------------------------------------------------------------------- */

size_t mnp_ini_section_count(const mnp_ini_t *ini)
{
    return ini->nsections;
}

const mnp_ini_section_t *mnp_ini_section_at(const mnp_ini_t *ini, size_t i)
{
    return i < ini->nsections ? &ini->sections[i] : NULL;
}

const mnp_ini_section_t *mnp_ini_section(const mnp_ini_t *ini, const char *name, const char *sub)
{
    uint32_t v = ini->sec_slots[ini_sec_probe(ini, name, sub)];
    return v != 0 ? &ini->sections[v - 1] : NULL;
}

const char *mnp_ini_section_name(const mnp_ini_section_t *sec)
{
    return sec->name;
}

const char *mnp_ini_section_sub(const mnp_ini_section_t *sec)
{
    return sec->sub;
}

size_t mnp_ini_section_line(const mnp_ini_section_t *sec)
{
    return sec->line;
}

size_t mnp_ini_key_count(const mnp_ini_section_t *sec)
{
    return sec->nkeys;
}

const mnp_ini_entry_t *mnp_ini_entry_at(const mnp_ini_section_t *sec, size_t i)
{
    return i < sec->nkeys ? &sec->doc->entries[sec->first + i] : NULL;
}

const mnp_ini_entry_t *mnp_ini_find(const mnp_ini_section_t *sec, const char *key)
{
    if (sec == NULL)
        return NULL;
    const mnp_ini_t *ini = sec->doc;
    uint32_t v = ini->key_slots[ini_key_probe(ini, sec, key)];
    return v != 0 ? &ini->entries[v - 1] : NULL;
}

const char *mnp_ini_get(const mnp_ini_section_t *sec, const char *key)
{
    const mnp_ini_entry_t *e = mnp_ini_find(sec, key);
    return e != NULL ? e->value : NULL;
}

/* ---- writing ---------------------------------------------------------------------------- */

/* Whether v, written unquoted after "key = ", would not parse back as v. */
static bool needs_quotes(const char *v)
{
    if (*v == '\0' || *v == '"' || *v == '#' || *v == ';' || is_blank(*v))
        return true;
    for (const char *c = v; *c != '\0'; c++) {
        if (*c == '\n' || ((*c == '#' || *c == ';') && is_blank(c[-1])))
            return true;
        if (c[1] == '\0' && is_blank(*c))
            return true;
    }
    return false;
}

/* Bytes that quoted(s) writes. */
static size_t quoted_len(const char *s)
{
    size_t n = 2;
    for (; *s != '\0'; s++)
        n += (*s == '"' || *s == '\\' || *s == '\n') ? 2 : 1;
    return n;
}

/* Writes s in double quotes. Tabs stay raw: escaping them could make a line longer than the one
 * it was read from, and then the text would no longer parse. */
static void put_quoted(mnp_buf_t *out, const char *s)
{
    mnp_buf_putc(out, '"');
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\')
            mnp_buf_putc(out, '\\');
        if (*s == '\n')
            mnp_buf_puts(out, "\\n");
        else
            mnp_buf_putc(out, *s);
    }
    mnp_buf_putc(out, '"');
}

static void put_entry(mnp_buf_t *out, const mnp_ini_entry_t *e)
{
    bool quote = needs_quotes(e->value);
    size_t rep = quote ? quoted_len(e->value) : strlen(e->value);
    mnp_buf_puts(out, e->key);
    if (strlen(e->key) + 3 + rep <= MNP_INI_LINE_MAX) {
        mnp_buf_puts(out, " = ");
    } else {
        /* The line it came from fit; without the spaces, and with "" written as nothing, this
         * one fits too (its value is never written longer than it was read). */
        mnp_buf_putc(out, '=');
        if (e->value[0] == '\0')
            quote = false;
    }
    if (quote)
        put_quoted(out, e->value);
    else
        mnp_buf_puts(out, e->value);
    mnp_buf_putc(out, '\n');
}

int mnp_ini_write(const mnp_ini_t *ini, mnp_buf_t *out)
{
    for (size_t i = 0; i < ini->nsections; i++) {
        const mnp_ini_section_t *sec = &ini->sections[i];
        if (i > 0)
            mnp_buf_putc(out, '\n');
        mnp_buf_putc(out, '[');
        mnp_buf_puts(out, sec->name);
        if (sec->sub != NULL) {
            mnp_buf_putc(out, ' ');
            put_quoted(out, sec->sub);
        }
        mnp_buf_puts(out, "]\n");
        for (size_t k = 0; k < sec->nkeys; k++)
            put_entry(out, &ini->entries[sec->first + k]);
    }
    return mnp_buf_error(out);
}

/* ---- messages --------------------------------------------------------------------------- */

const char *ini_snip(const char *s, char *buf, size_t size)
{
    size_t max = size > 4 + INI_SNIP_MAX ? INI_SNIP_MAX : size - 4;
    size_t n = strnlen(s, max + 1);
    bool cut = n > max;
    if (cut) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
            n--; /* s[n] continues a character: cut before the character starts */
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    memcpy(buf + n, cut ? "..." : "", cut ? 4 : 1);
    return buf;
}

const char *ini_label(const mnp_ini_section_t *sec, char *buf, size_t size)
{
    char name[INI_SNIP_MAX + 4], sub[INI_SNIP_MAX + 4];
    ini_snip(sec->name, name, sizeof(name));
    if (sec->sub != NULL)
        snprintf(buf, size, "[%s \"%s\"]", name, ini_snip(sec->sub, sub, sizeof(sub)));
    else
        snprintf(buf, size, "[%s]", name);
    return buf;
}
