/*
 * The configuration file parser: INI text, as `mnpd --config mnpd.conf` reads it, into an
 * immutable document of sections and keys that keep their line numbers, plus typed getters and
 * unknown-key checks that turn every mistake in a config file into one clear message naming
 * "file:line". The syntax, exactly:
 *
 *   - A line is a section header, a `key = value` pair, a comment or blank. Lines end in "\n" or
 *     "\r\n"; leading spaces and tabs are ignored; a UTF-8 byte order mark at the very start is
 *     skipped.
 *   - `[name]` or `[name "sub"]` opens a section. Names use a-z 0-9 '_' '.' '-'; the subsection
 *     is a quoted string (escapes as for values, not empty), e.g. `[operator "CMCC"]`. The same
 *     name + sub twice in one document is an error; sections keep file order.
 *   - Keys use a-z 0-9 '_' '.' '-' (lowercase only); a key before the first section, or the same
 *     key twice in one section, is an error.
 *   - Values are trimmed. An unquoted value ends at a '#' or ';' that starts it or follows a space
 *     or tab: the rest is a comment, so `port = 53 # dns` gives "53". A value in double quotes
 *     keeps spaces, '#' and ';' and understands the escapes \" \\ \n \t; only spaces and a comment
 *     may follow the closing quote. An unquoted value takes '"' and '\' literally after its start.
 *   - Lines whose first non-blank character is '#' or ';' are comments.
 *   - The text must be UTF-8 without NUL bytes or control characters other than tab; lines are
 *     at most MNP_INI_LINE_MAX bytes (without line ending), the text at most MNP_INI_TEXT_MAX
 *     bytes, with at most MNP_INI_KEYS_MAX keys and MNP_INI_SECTIONS_MAX sections.
 *
 * A document is immutable once parsed: it may be read from any number of threads. Every string
 * it returns is borrowed from it and lives until mnp_ini_free.
 */
#ifndef MNP_INI_H
#define MNP_INI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mnp/buf.h"
#include "mnp/error.h"

#define MNP_INI_LINE_MAX     4096       /* longest line, in bytes, without its line ending */
#define MNP_INI_TEXT_MAX     (1u << 20) /* longest text (or file), in bytes */
#define MNP_INI_KEYS_MAX     10000      /* most keys in one document */
#define MNP_INI_SECTIONS_MAX 10000      /* most sections in one document */
#define MNP_INI_HOST_MAX     253        /* longest host in an address, without its NUL */

typedef struct mnp_ini mnp_ini_t;
typedef struct mnp_ini_section mnp_ini_section_t;

/* One key of a section; a read-only view borrowed from the document. */
typedef struct mnp_ini_entry {
    const char *key;
    const char *value; /* unquoted and unescaped; NUL-terminated, never contains NUL */
    size_t line;       /* 1-based line of the key in the text */
} mnp_ini_entry_t;

/* ---- parsing ---------------------------------------------------------------------------- */

/* Parses text[0..len) (need not be NUL-terminated; NULL when len is 0). name is what messages
 * call the text (usually the file path; NULL gives "(text)"); it is copied. On success *out is a
 * new document (free with mnp_ini_free). On failure *out is NULL and err says "name:LINE: reason";
 * returns MNP_EFORMAT for bad syntax, bad UTF-8, NUL bytes, duplicates; MNP_ELIMIT for a line,
 * text, key or section count over its limit (a text over MNP_INI_TEXT_MAX is refused before
 * parsing: its message names no line); MNP_ENOMEM. err may be NULL. */
int mnp_ini_parse(const char *text, size_t len, const char *name, mnp_ini_t **out,
                  mnp_error_t *err) MNP_WUR;

/* Reads and parses the file at path; messages name the file by path. Returns as mnp_ini_parse,
 * or MNP_ENOENT when the file does not exist, MNP_EIO when it cannot be read (a directory,
 * permissions), MNP_ELIMIT when it is larger than MNP_INI_TEXT_MAX. */
int mnp_ini_load(const char *path, mnp_ini_t **out, mnp_error_t *err) MNP_WUR;

/* Frees the document and every string borrowed from it; NULL is a no-op. */
void mnp_ini_free(mnp_ini_t *ini);

/* The name given to mnp_ini_parse (or the path given to mnp_ini_load). */
const char *mnp_ini_name(const mnp_ini_t *ini);

/* ---- sections and keys ------------------------------------------------------------------ */

/* Number of sections, and section i (0-based, file order; NULL when i is past the end). */
size_t mnp_ini_section_count(const mnp_ini_t *ini);
const mnp_ini_section_t *mnp_ini_section_at(const mnp_ini_t *ini, size_t i);

/* The section called name with subsection sub (NULL for a section without one), or NULL. */
const mnp_ini_section_t *mnp_ini_section(const mnp_ini_t *ini, const char *name, const char *sub);

/* A section's name, subsection (NULL when it has none), header line and number of keys. */
const char *mnp_ini_section_name(const mnp_ini_section_t *sec);
const char *mnp_ini_section_sub(const mnp_ini_section_t *sec);
size_t mnp_ini_section_line(const mnp_ini_section_t *sec);
size_t mnp_ini_key_count(const mnp_ini_section_t *sec);

/* Key i of sec in file order (NULL when i is past the end). */
const mnp_ini_entry_t *mnp_ini_entry_at(const mnp_ini_section_t *sec, size_t i);

/* The entry for key in sec, or NULL when sec is NULL or lacks key. */
const mnp_ini_entry_t *mnp_ini_find(const mnp_ini_section_t *sec, const char *key);

/* The raw value of key in sec, or NULL when sec is NULL or lacks key. */
const char *mnp_ini_get(const mnp_ini_section_t *sec, const char *key);

/* ---- typed getters ---------------------------------------------------------------------- */
/*
 * Each getter reads key from sec. When sec is NULL (the section is absent) or lacks key, *out is
 * def, unchecked. Otherwise the value is parsed and range-checked; on failure *out is unchanged
 * and err says "file:LINE: [section] key: reason", with MNP_EFORMAT when the value is not of the
 * type and MNP_ERANGE when it is outside [min, max]. err may be NULL.
 */

/* A string of min_len..max_len bytes. def may be NULL (then *out is NULL when absent). */
int mnp_ini_get_str(const mnp_ini_section_t *sec, const char *key, const char *def, size_t min_len,
                    size_t max_len, const char **out, mnp_error_t *err) MNP_WUR;

/* A decimal integer (digits only: no sign, no spaces, no base prefix). */
int mnp_ini_get_u64(const mnp_ini_section_t *sec, const char *key, uint64_t def, uint64_t min,
                    uint64_t max, uint64_t *out, mnp_error_t *err) MNP_WUR;

/* true/yes/on/1 or false/no/off/0, in any ASCII case. */
int mnp_ini_get_bool(const mnp_ini_section_t *sec, const char *key, bool def, bool *out,
                     mnp_error_t *err) MNP_WUR;

/* A duration in milliseconds, written as an integer with a unit and no space between: "250ms",
 * "60s", "10m", "1h", "7d". The unit is required (so that "10" cannot be misread as seconds);
 * only "0" may stand alone. def, min, max and *out are in milliseconds. */
int mnp_ini_get_duration_ms(const mnp_ini_section_t *sec, const char *key, uint64_t def_ms,
                            uint64_t min_ms, uint64_t max_ms, uint64_t *out_ms,
                            mnp_error_t *err) MNP_WUR;

/* A size in bytes: a plain integer, or an integer with one of the units B, KiB, MiB, GiB, TiB
 * (powers of 1024, case as written, no space). Decimal units (KB, MB) are refused as ambiguous. */
int mnp_ini_get_bytes(const mnp_ini_section_t *sec, const char *key, uint64_t def, uint64_t min,
                      uint64_t max, uint64_t *out, mnp_error_t *err) MNP_WUR;

typedef enum mnp_ini_addr_kind {
    MNP_INI_ADDR_NAME = 1, /* a host name, resolved later by the caller */
    MNP_INI_ADDR_IPV4,
    MNP_INI_ADDR_IPV6,
} mnp_ini_addr_kind_t;

/* A network address as the value gives it; nothing is resolved. */
typedef struct mnp_ini_addr {
    char host[MNP_INI_HOST_MAX + 1]; /* IPv6 without its brackets, possibly with a %zone */
    uint16_t port;
    mnp_ini_addr_kind_t kind;
} mnp_ini_addr_t;

/* "host:port": host is an IPv4 address, an IPv6 address in brackets ("[::1]:53") or a DNS name
 * (letters, digits, '-' in dot-separated labels of 1-63 bytes); port is 0-65535. def is a string
 * in the same form (NULL: *out is zeroed when absent); a def that does not parse returns
 * MNP_EINVAL. */
int mnp_ini_get_addr(const mnp_ini_section_t *sec, const char *key, const char *def,
                     mnp_ini_addr_t *out, mnp_error_t *err) MNP_WUR;

/* ---- checks ----------------------------------------------------------------------------- */

/* Checks every section called section (any subsection) for keys not in known (NULL-terminated).
 * Returns 0, or MNP_EFORMAT for the first unknown key in file order with err set to
 * "file:LINE: unknown key 'listn' in [clearinghouse]". No such section passes. */
int mnp_ini_check_known(const mnp_ini_t *ini, const char *section, const char *const known_keys[],
                        mnp_error_t *err) MNP_WUR;

/* Checks that every section's name is in known (NULL-terminated). Returns 0, or MNP_EFORMAT for
 * the first other section with err set to "file:LINE: unknown section [clearinhouse]". */
int mnp_ini_check_sections(const mnp_ini_t *ini, const char *const known_sections[],
                           mnp_error_t *err) MNP_WUR;

/* ---- writing ---------------------------------------------------------------------------- */

/* Appends ini to out as canonical text: sections in order separated by a blank line, each
 * `[name]` or `[name "sub"]` followed by its keys as `key = value`; a value is quoted (escaping
 * '"', '\' and newline) only when it must be, and "" stands for an empty value. Comments and
 * blank lines of the original are not kept. The text parses back to the same sections, keys and
 * values, provided it stays within MNP_INI_TEXT_MAX (it may be longer than the original by up
 * to four bytes per key and one per section). A line that would pass MNP_INI_LINE_MAX is written
 * as `key=value`, which always fits. Returns mnp_buf_error(out). */
int mnp_ini_write(const mnp_ini_t *ini, mnp_buf_t *out) MNP_WUR;

#endif
