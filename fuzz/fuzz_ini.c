/*
 * Fuzzes the INI configuration parser. Arbitrary bytes must either be refused with a parse error
 * whose message names the text and a line, or give a document in which every section and key is
 * found again by its name, whose typed getters only ever succeed or refuse cleanly, and whose
 * canonical text parses back to the same content and is written back byte for byte the same.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "mnp/ini.h"

#define NAME "fuzz.conf"

static bool same_str(const char *a, const char *b)
{
    return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

/* A getter must succeed or refuse with its documented codes and a message naming the text. */
static void check_refusal(int rc, const mnp_error_t *err)
{
    FUZZ_CHECK(rc == 0 || rc == MNP_EFORMAT || rc == MNP_ERANGE);
    if (rc != 0)
        FUZZ_CHECK(err->code == rc && strncmp(err->msg, NAME ":", strlen(NAME ":")) == 0);
}

static void check_getters(const mnp_ini_section_t *sec, const mnp_ini_entry_t *e)
{
    mnp_error_t err = {0};
    uint64_t n;
    bool b;
    const char *s = NULL;
    mnp_ini_addr_t addr;
    check_refusal(mnp_ini_get_u64(sec, e->key, 0, 0, 1000, &n, &err), &err);
    check_refusal(mnp_ini_get_duration_ms(sec, e->key, 0, 1, 86400000, &n, &err), &err);
    check_refusal(mnp_ini_get_bytes(sec, e->key, 0, 0, UINT64_MAX, &n, &err), &err);
    check_refusal(mnp_ini_get_bool(sec, e->key, false, &b, &err), &err);
    int rc = mnp_ini_get_str(sec, e->key, NULL, 1, 64, &s, &err);
    check_refusal(rc, &err);
    FUZZ_CHECK(rc != 0 || s == e->value);
    rc = mnp_ini_get_addr(sec, e->key, NULL, &addr, &err);
    check_refusal(rc, &err);
    FUZZ_CHECK(rc != 0 || (addr.host[0] != '\0' && strlen(addr.host) <= MNP_INI_HOST_MAX));
}

/* Walks ini, checking lookups, line order and the getters; returns the number of keys. */
static size_t check_doc(const mnp_ini_t *ini)
{
    size_t keys = 0, last_line = 0;
    size_t count = mnp_ini_section_count(ini);
    FUZZ_CHECK(count <= MNP_INI_SECTIONS_MAX && mnp_ini_section_at(ini, count) == NULL);
    for (size_t i = 0; i < count; i++) {
        const mnp_ini_section_t *sec = mnp_ini_section_at(ini, i);
        const char *name = mnp_ini_section_name(sec), *sub = mnp_ini_section_sub(sec);
        FUZZ_CHECK(name[0] != '\0' && (sub == NULL || sub[0] != '\0'));
        FUZZ_CHECK(strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == strlen(name));
        FUZZ_CHECK(mnp_ini_section(ini, name, sub) == sec);
        FUZZ_CHECK(mnp_ini_section_line(sec) > last_line);
        last_line = mnp_ini_section_line(sec);
        size_t nkeys = mnp_ini_key_count(sec);
        for (size_t k = 0; k < nkeys; k++) {
            const mnp_ini_entry_t *e = mnp_ini_entry_at(sec, k);
            FUZZ_CHECK(e != NULL && e->line > last_line);
            last_line = e->line;
            FUZZ_CHECK(mnp_ini_find(sec, e->key) == e);
            FUZZ_CHECK(mnp_ini_get(sec, e->key) == e->value);
            check_getters(sec, e);
        }
        FUZZ_CHECK(mnp_ini_entry_at(sec, nkeys) == NULL);
        /* With no key allowed, the check fails exactly when some section of this name has one. */
        static const char *const none[] = {NULL};
        mnp_error_t err = {0};
        bool any = false;
        for (size_t j = 0; j < count; j++) {
            const mnp_ini_section_t *other = mnp_ini_section_at(ini, j);
            any = any ||
                  (strcmp(mnp_ini_section_name(other), name) == 0 && mnp_ini_key_count(other) > 0);
        }
        FUZZ_CHECK((mnp_ini_check_known(ini, name, none, &err) != 0) == any);
        keys += nkeys;
    }
    FUZZ_CHECK(keys <= MNP_INI_KEYS_MAX);
    return keys;
}

static void check_same(const mnp_ini_t *a, const mnp_ini_t *b)
{
    FUZZ_CHECK(mnp_ini_section_count(a) == mnp_ini_section_count(b));
    for (size_t i = 0; i < mnp_ini_section_count(a); i++) {
        const mnp_ini_section_t *sa = mnp_ini_section_at(a, i), *sb = mnp_ini_section_at(b, i);
        FUZZ_CHECK(strcmp(mnp_ini_section_name(sa), mnp_ini_section_name(sb)) == 0);
        FUZZ_CHECK(same_str(mnp_ini_section_sub(sa), mnp_ini_section_sub(sb)));
        FUZZ_CHECK(mnp_ini_key_count(sa) == mnp_ini_key_count(sb));
        for (size_t k = 0; k < mnp_ini_key_count(sa); k++) {
            const mnp_ini_entry_t *ea = mnp_ini_entry_at(sa, k), *eb = mnp_ini_entry_at(sb, k);
            FUZZ_CHECK(strcmp(ea->key, eb->key) == 0 && strcmp(ea->value, eb->value) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mnp_ini_t *ini = (mnp_ini_t *)&size, *back = NULL;
    mnp_error_t err = {0};
    int rc = mnp_ini_parse((const char *)data, size, NAME, &ini, &err);
    if (rc != 0) {
        FUZZ_CHECK(rc == MNP_EFORMAT || rc == MNP_ELIMIT);
        FUZZ_CHECK(ini == NULL && err.code == rc);
        FUZZ_CHECK(strncmp(err.msg, NAME ":", strlen(NAME ":")) == 0);
        return 0;
    }
    check_doc(ini);

    mnp_buf_t out, again;
    mnp_buf_init(&out, 2 * MNP_INI_TEXT_MAX);
    mnp_buf_init(&again, 2 * MNP_INI_TEXT_MAX);
    FUZZ_CHECK(mnp_ini_write(ini, &out) == 0);
    rc = mnp_ini_parse(out.data, out.len, NAME, &back, &err);
    if (rc == MNP_ELIMIT) {
        FUZZ_CHECK(out.len > MNP_INI_TEXT_MAX); /* the one documented way it may not parse */
    } else {
        FUZZ_CHECK(rc == 0);
        check_same(ini, back);
        FUZZ_CHECK(mnp_ini_write(back, &again) == 0);
        FUZZ_CHECK(again.len == out.len);
        FUZZ_CHECK(out.len == 0 || memcmp(again.data, out.data, out.len) == 0);
    }
    mnp_ini_free(back);
    mnp_ini_free(ini);
    mnp_buf_fini(&out);
    mnp_buf_fini(&again);
    return 0;
}
