/*
 * Private to the INI module (ini.c parses and loads, ini_doc.c looks up and writes, ini_get.c
 * reads typed values): the layout of a parsed document. Everything lives in one arena: a copy of
 * the text, unquoted in place so that keys, values and names point into it; the sections and
 * entries arrays, sized from the text's line count (every section and key takes a line); and two
 * open-addressing hash tables (sections by name + sub, entries by section + key) holding index
 * + 1, 0 meaning empty. Duplicate sections are refused, so a section's entries are one contiguous
 * run of the entries array.
 */
#ifndef MNP_INI_INT_H
#define MNP_INI_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mnp/arena.h"
#include "mnp/ini.h"

struct mnp_ini_section {
    const mnp_ini_t *doc;
    const char *name;
    const char *sub; /* NULL when the header has none; never "" */
    size_t line;
    size_t first; /* index of its first entry in doc->entries */
    size_t nkeys;
};

struct mnp_ini {
    mnp_arena_t arena;
    const char *name;
    mnp_ini_section_t *sections;
    size_t nsections;
    mnp_ini_entry_t *entries;
    size_t nentries;
    uint32_t *sec_slots; /* sec_mask + 1 slots */
    uint32_t *key_slots; /* key_mask + 1 slots */
    size_t sec_mask;
    size_t key_mask;
};

/* The slot of sections holding name + sub, or the empty slot where it would go. The tables are
 * at most half full (sized from the line count), so probing always ends. */
size_t ini_sec_probe(const mnp_ini_t *ini, const char *name, const char *sub);

/* The slot of entries holding key of sec, or the empty slot where it would go. */
size_t ini_key_probe(const mnp_ini_t *ini, const mnp_ini_section_t *sec, const char *key);

/* Longest excerpt of a value, key or name quoted in a message, in bytes. */
#define INI_SNIP_MAX 48

/* Writes s into buf (size > INI_SNIP_MAX + 4) for a message: at most INI_SNIP_MAX bytes cut at a
 * UTF-8 character boundary, "..." when cut, control characters as '?'. Returns buf. */
const char *ini_snip(const char *s, char *buf, size_t size);

/* Writes "[name]" or "[name \"sub\"]" (both snipped) into buf for a message. Returns buf. */
const char *ini_label(const mnp_ini_section_t *sec, char *buf, size_t size);

/* Size of a buffer that ini_label never cuts. */
#define INI_LABEL_SIZE (2 * INI_SNIP_MAX + 16)

#endif
