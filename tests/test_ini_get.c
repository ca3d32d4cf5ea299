/*
 * Tests of the typed INI getters and the config checks: integers, booleans, durations, sizes,
 * strings and addresses at their boundaries, with values of the wrong type and out of range, each
 * with its exact "file:line: [section] key: reason" message; defaults for absent keys and absent
 * sections; the unknown-key and unknown-section checks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mnp/ini.h"

/* The document the getters read, one key per line from line 2: "[g]" then the values. */
static mnp_ini_t *parse_ok(const char *text)
{
    mnp_ini_t *ini = NULL;
    mnp_error_t err = {0};
    int rc = mnp_ini_parse(text, strlen(text), "g.conf", &ini, &err);
    if (rc != 0)
        fail_msg("parse failed (%s): %s", mnp_errname(rc), err.msg);
    return ini;
}

/* Checks that a getter returned code with exactly the message want. */
static void expect_fail(int rc, const mnp_error_t *err, int code, const char *want)
{
    if (rc != code || err->code != code || strcmp(err->msg, want) != 0)
        fail_msg("gave %s \"%s\", expected %s \"%s\"", mnp_errname(rc), err->msg, mnp_errname(code),
                 want);
}

static void test_get_u64(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("[g]\nzero = 0\nten = 10\nmax = 18446744073709551615\n"
                              "over = 18446744073709551616\nneg = -1\nfrac = 1.5\nhex = 0x10\n"
                              "empty =\nspace = \" 5\"\nlead = 007\n");
    const mnp_ini_section_t *g = mnp_ini_section(ini, "g", NULL);
    mnp_error_t err = {0};
    uint64_t v = 77;
    assert_int_equal(mnp_ini_get_u64(g, "ten", 0, 10, 10, &v, &err), 0);
    assert_int_equal(v, 10);
    assert_int_equal(mnp_ini_get_u64(g, "zero", 5, 0, 10, &v, &err), 0);
    assert_int_equal(v, 0);
    assert_int_equal(mnp_ini_get_u64(g, "max", 0, 0, UINT64_MAX, &v, &err), 0);
    assert_true(v == UINT64_MAX);
    assert_int_equal(mnp_ini_get_u64(g, "lead", 0, 0, 100, &v, &err), 0);
    assert_int_equal(v, 7);
    /* Absent key or section: the default, even outside the range. */
    assert_int_equal(mnp_ini_get_u64(g, "absent", 42, 0, 1, &v, &err), 0);
    assert_int_equal(v, 42);
    assert_int_equal(mnp_ini_get_u64(NULL, "ten", 43, 0, 1, &v, &err), 0);
    assert_int_equal(v, 43);

    v = 99;
    expect_fail(mnp_ini_get_u64(g, "ten", 0, 11, 20, &v, &err), &err, MNP_ERANGE,
                "g.conf:3: [g] ten: 10 is out of range (11 to 20)");
    expect_fail(mnp_ini_get_u64(g, "ten", 0, 0, 9, &v, &err), &err, MNP_ERANGE,
                "g.conf:3: [g] ten: 10 is out of range (0 to 9)");
    expect_fail(mnp_ini_get_u64(g, "zero", 0, 1, 9, &v, &err), &err, MNP_ERANGE,
                "g.conf:2: [g] zero: 0 is out of range (1 to 9)");
    expect_fail(mnp_ini_get_u64(g, "over", 0, 0, UINT64_MAX, &v, &err), &err, MNP_ERANGE,
                "g.conf:5: [g] over: 18446744073709551616 is too large");
    expect_fail(mnp_ini_get_u64(g, "neg", 0, 0, 9, &v, &err), &err, MNP_EFORMAT,
                "g.conf:6: [g] neg: '-1' is not a decimal integer");
    expect_fail(mnp_ini_get_u64(g, "frac", 0, 0, 9, &v, &err), &err, MNP_EFORMAT,
                "g.conf:7: [g] frac: '1.5' is not a decimal integer");
    expect_fail(mnp_ini_get_u64(g, "hex", 0, 0, 99, &v, &err), &err, MNP_EFORMAT,
                "g.conf:8: [g] hex: '0x10' is not a decimal integer");
    expect_fail(mnp_ini_get_u64(g, "empty", 0, 0, 9, &v, &err), &err, MNP_EFORMAT,
                "g.conf:9: [g] empty: '' is not a decimal integer");
    expect_fail(mnp_ini_get_u64(g, "space", 0, 0, 9, &v, &err), &err, MNP_EFORMAT,
                "g.conf:10: [g] space: ' 5' is not a decimal integer");
    assert_int_equal(v, 99); /* unchanged by every failure */
    mnp_ini_free(ini);
}

static void test_get_bool_str(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("[g \"sub\"]\nt1 = true\nt2 = YES\nt3 = On\nt4 = 1\n"
                              "f1 = False\nf2 = no\nf3 = OFF\nf4 = 0\nbad1 = y\nbad2 = 2\n"
                              "empty =\nname = 中国移动\n");
    const mnp_ini_section_t *g = mnp_ini_section(ini, "g", "sub");
    mnp_error_t err = {0};
    static const char *const keys[] = {"t1", "t2", "t3", "t4", "f1", "f2", "f3", "f4"};
    for (size_t i = 0; i < 8; i++) {
        bool b = i >= 4;
        assert_int_equal(mnp_ini_get_bool(g, keys[i], i >= 4, &b, &err), 0);
        assert_true(b == (i < 4));
    }
    bool b = true;
    assert_int_equal(mnp_ini_get_bool(g, "absent", false, &b, &err), 0);
    assert_false(b);
    expect_fail(mnp_ini_get_bool(g, "bad1", false, &b, &err), &err, MNP_EFORMAT,
                "g.conf:10: [g \"sub\"] bad1: 'y' is not a boolean (use true/false, yes/no, "
                "on/off or 1/0)");
    expect_fail(mnp_ini_get_bool(g, "bad2", false, &b, &err), &err, MNP_EFORMAT,
                "g.conf:11: [g \"sub\"] bad2: '2' is not a boolean (use true/false, yes/no, "
                "on/off or 1/0)");
    assert_false(b);

    const char *s = "unset";
    assert_int_equal(mnp_ini_get_str(g, "name", NULL, 1, 12, &s, &err), 0);
    assert_string_equal(s, "中国移动");
    assert_int_equal(mnp_ini_get_str(g, "empty", "d", 0, 0, &s, &err), 0);
    assert_string_equal(s, "");
    assert_int_equal(mnp_ini_get_str(g, "absent", "dflt", 1, 2, &s, &err), 0);
    assert_string_equal(s, "dflt");
    assert_int_equal(mnp_ini_get_str(NULL, "name", NULL, 1, 2, &s, &err), 0);
    assert_null(s);
    s = "unset";
    expect_fail(mnp_ini_get_str(g, "empty", NULL, 1, 9, &s, &err), &err, MNP_ERANGE,
                "g.conf:12: [g \"sub\"] empty: must not be empty");
    expect_fail(mnp_ini_get_str(g, "name", NULL, 13, 99, &s, &err), &err, MNP_ERANGE,
                "g.conf:13: [g \"sub\"] name: 12 bytes, less than 13");
    expect_fail(mnp_ini_get_str(g, "name", NULL, 0, 11, &s, &err), &err, MNP_ERANGE,
                "g.conf:13: [g \"sub\"] name: 12 bytes, more than 11");
    assert_string_equal(s, "unset");
    mnp_ini_free(ini);
}

static void test_get_duration(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("[t]\nms = 250ms\ns = 60s\nm = 10m\nh = 1h\nd = 7d\nzero = 0\n"
                              "zero_s = 0s\nbare = 10\nspace = 10 s\nfrac = 1.5h\nupper = 10M\n"
                              "over = 213503982335d\nhuge = 99999999999999999999ms\nneg = -1s\n");
    const mnp_ini_section_t *t = mnp_ini_section(ini, "t", NULL);
    mnp_error_t err = {0};
    static const struct {
        const char *key;
        uint64_t ms;
    } ok[] = {{"ms", 250},      {"s", 60000}, {"m", 600000}, {"h", 3600000},
              {"d", 604800000}, {"zero", 0},  {"zero_s", 0}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 1;
        assert_int_equal(mnp_ini_get_duration_ms(t, ok[i].key, 5, 0, UINT64_MAX, &v, &err), 0);
        assert_int_equal(v, ok[i].ms);
    }
    uint64_t v = 1;
    assert_int_equal(mnp_ini_get_duration_ms(t, "absent", 600000, 0, 1, &v, &err), 0);
    assert_int_equal(v, 600000);
    /* Range bounds are inclusive and written back in the largest exact unit. */
    assert_int_equal(mnp_ini_get_duration_ms(t, "h", 0, 1000, 3600000, &v, &err), 0);
    expect_fail(mnp_ini_get_duration_ms(t, "h", 0, 1000, 3599999, &v, &err), &err, MNP_ERANGE,
                "g.conf:5: [t] h: 1h is out of range (1s to 3599999ms)");
    expect_fail(mnp_ini_get_duration_ms(t, "ms", 0, 1000, 86400000, &v, &err), &err, MNP_ERANGE,
                "g.conf:2: [t] ms: 250ms is out of range (1s to 1d)");
    expect_fail(mnp_ini_get_duration_ms(t, "zero", 0, 60000, 120000, &v, &err), &err, MNP_ERANGE,
                "g.conf:7: [t] zero: 0 is out of range (1m to 2m)");
#define HINT "(use an integer with ms, s, m, h or d, e.g. 30s)"
    static const struct {
        const char *key, *msg;
    } bad[] = {
        {"bare", "g.conf:9: [t] bare: '10' is not a duration " HINT},
        {"space", "g.conf:10: [t] space: '10 s' is not a duration " HINT},
        {"frac", "g.conf:11: [t] frac: '1.5h' is not a duration " HINT},
        {"upper", "g.conf:12: [t] upper: '10M' is not a duration " HINT},
        {"neg", "g.conf:15: [t] neg: '-1s' is not a duration " HINT},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_fail(mnp_ini_get_duration_ms(t, bad[i].key, 0, 0, UINT64_MAX, &v, &err), &err,
                    MNP_EFORMAT, bad[i].msg);
    /* 213503982335 days is 2^64 ms and a bit: the multiplication must not wrap. */
    expect_fail(mnp_ini_get_duration_ms(t, "over", 0, 0, UINT64_MAX, &v, &err), &err, MNP_ERANGE,
                "g.conf:13: [t] over: 213503982335d is too large");
    expect_fail(mnp_ini_get_duration_ms(t, "huge", 0, 0, UINT64_MAX, &v, &err), &err, MNP_ERANGE,
                "g.conf:14: [t] huge: 99999999999999999999ms is too large");
    assert_int_equal(v, 3600000);
    mnp_ini_free(ini);
}

static void test_get_bytes(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("[b]\nplain = 512\nb = 512B\nk = 64KiB\nm = 1MiB\ng = 3GiB\n"
                              "t = 2TiB\nkb = 64KB\nlower = 1kib\nover = 16777216TiB\n"
                              "edge = 16777215TiB\nodd = 1025\n");
    const mnp_ini_section_t *b = mnp_ini_section(ini, "b", NULL);
    mnp_error_t err = {0};
    static const struct {
        const char *key;
        uint64_t bytes;
    } ok[] = {{"plain", 512},
              {"b", 512},
              {"k", 65536},
              {"m", 1048576},
              {"g", 3ull << 30},
              {"t", 2ull << 40},
              {"edge", 16777215ull << 40}};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        uint64_t v = 1;
        assert_int_equal(mnp_ini_get_bytes(b, ok[i].key, 5, 0, UINT64_MAX, &v, &err), 0);
        assert_true(v == ok[i].bytes);
    }
    uint64_t v = 0;
#define BHINT "(use an integer of bytes, or with B, KiB, MiB, GiB or TiB, e.g. 64KiB)"
    expect_fail(mnp_ini_get_bytes(b, "kb", 0, 0, UINT64_MAX, &v, &err), &err, MNP_EFORMAT,
                "g.conf:8: [b] kb: '64KB' is not a size " BHINT);
    expect_fail(mnp_ini_get_bytes(b, "lower", 0, 0, UINT64_MAX, &v, &err), &err, MNP_EFORMAT,
                "g.conf:9: [b] lower: '1kib' is not a size " BHINT);
    expect_fail(mnp_ini_get_bytes(b, "over", 0, 0, UINT64_MAX, &v, &err), &err, MNP_ERANGE,
                "g.conf:10: [b] over: 16777216TiB is too large");
    expect_fail(mnp_ini_get_bytes(b, "m", 0, 1024, 1048575, &v, &err), &err, MNP_ERANGE,
                "g.conf:5: [b] m: 1MiB is out of range (1KiB to 1048575B)");
    expect_fail(mnp_ini_get_bytes(b, "odd", 0, 2048, 1 << 20, &v, &err), &err, MNP_ERANGE,
                "g.conf:12: [b] odd: 1025 is out of range (2KiB to 1MiB)");
    assert_int_equal(v, 0);
    assert_int_equal(mnp_ini_get_bytes(b, "m", 0, 1048576, 1048576, &v, &err), 0);
    assert_int_equal(v, 1048576);
    mnp_ini_free(ini);
}

static void test_get_addr(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("[a]\nv4 = 127.0.0.1:53\nv6 = [::1]:8080\nzone = [fe80::1%eth0]:0\n"
                              "name = db-1.example.com:65535\nlocal = localhost:5300\n");
    const mnp_ini_section_t *a = mnp_ini_section(ini, "a", NULL);
    mnp_error_t err = {0};
    static const struct {
        const char *key, *host;
        uint16_t port;
        mnp_ini_addr_kind_t kind;
    } ok[] = {{"v4", "127.0.0.1", 53, MNP_INI_ADDR_IPV4},
              {"v6", "::1", 8080, MNP_INI_ADDR_IPV6},
              {"zone", "fe80::1%eth0", 0, MNP_INI_ADDR_IPV6},
              {"name", "db-1.example.com", 65535, MNP_INI_ADDR_NAME},
              {"local", "localhost", 5300, MNP_INI_ADDR_NAME}};
    mnp_ini_addr_t addr;
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_int_equal(mnp_ini_get_addr(a, ok[i].key, NULL, &addr, &err), 0);
        assert_string_equal(addr.host, ok[i].host);
        assert_int_equal(addr.port, ok[i].port);
        assert_int_equal(addr.kind, ok[i].kind);
    }
    assert_int_equal(mnp_ini_get_addr(a, "absent", "[::]:5353", &addr, &err), 0);
    assert_string_equal(addr.host, "::");
    assert_int_equal(addr.port, 5353);
    assert_int_equal(mnp_ini_get_addr(NULL, "v4", NULL, &addr, &err), 0);
    assert_int_equal(addr.port, 0);
    assert_string_equal(addr.host, "");
    expect_fail(mnp_ini_get_addr(a, "absent", "localhost", &addr, &err), &err, MNP_EINVAL,
                "default address 'localhost' of key absent: missing ':port' (write host:port)");
    mnp_ini_free(ini);

    static const struct {
        const char *value, *reason;
        int code;
    } bad[] = {
        {"localhost", "missing ':port' (write host:port)", MNP_EFORMAT},
        {"::1:53", "an IPv6 address needs brackets, as in [::1]:53", MNP_EFORMAT},
        {"[::1]", "missing ':port' after ']'", MNP_EFORMAT},
        {"[::1]53", "missing ':port' after ']'", MNP_EFORMAT},
        {"[::1:53", "missing ']' after the IPv6 address", MNP_EFORMAT},
        {"[]:53", "missing host", MNP_EFORMAT},
        {":53", "missing host", MNP_EFORMAT},
        {"[1.2.3.4]:53", "not an IPv6 address", MNP_EFORMAT},
        {"[fe80::1%]:53", "not an IPv6 address", MNP_EFORMAT},
        {"1.2.3.256:53", "not an IPv4 address", MNP_EFORMAT},
        {"1.2.3:53", "not an IPv4 address", MNP_EFORMAT},
        {"01.2.3.4:53", "not an IPv4 address", MNP_EFORMAT},
        {"-bad.com:1", "not a valid host name", MNP_EFORMAT},
        {"bad-.com:1", "not a valid host name", MNP_EFORMAT},
        {"a..b:1", "not a valid host name", MNP_EFORMAT},
        {"a_b:1", "not a valid host name", MNP_EFORMAT},
        {"host.:1", "not a valid host name", MNP_EFORMAT},
        {"host:", "port is not a decimal number", MNP_EFORMAT},
        {"host:8x", "port is not a decimal number", MNP_EFORMAT},
        {"host:-1", "port is not a decimal number", MNP_EFORMAT},
        {"host:65536", "port out of range (0 to 65535)", MNP_ERANGE},
        {"host:99999999999999999999", "port out of range (0 to 65535)", MNP_ERANGE},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[128], want[256];
        snprintf(text, sizeof(text), "[a]\n\nlisten = %s\n", bad[i].value);
        ini = parse_ok(text);
        memset(&addr, 0x5a, sizeof(addr));
        snprintf(want, sizeof(want), "g.conf:3: [a] listen: '%s': %s", bad[i].value, bad[i].reason);
        expect_fail(mnp_ini_get_addr(mnp_ini_section(ini, "a", NULL), "listen", NULL, &addr, &err),
                    &err, bad[i].code, want);
        assert_int_equal(addr.port, 0x5a5a);
        mnp_ini_free(ini);
    }

    /* A 63-byte label and a 253-byte name pass; 64 and 254 do not. */
    char text[1024], label[70];
    memset(label, 'x', 64);
    label[64] = '\0';
    snprintf(text, sizeof(text), "[a]\nl63 = %.63s:1\nl64 = %s:1\n", label, label);
    /* 4 labels of 62 bytes and 3 dots: 251 bytes; + ".z" = 253, + ".zz" = 254. */
    char name[300];
    memset(name, 'y', 251);
    for (int i = 1; i <= 3; i++)
        name[63 * i - 1] = '.';
    name[251] = '\0';
    snprintf(text + strlen(text), sizeof(text) - strlen(text), "n253 = %s.z:1\nn254 = %s.zz:1\n",
             name, name);
    ini = parse_ok(text);
    a = mnp_ini_section(ini, "a", NULL);
    assert_int_equal(mnp_ini_get_addr(a, "l63", NULL, &addr, &err), 0);
    assert_int_equal(strlen(addr.host), 63);
    assert_int_equal(mnp_ini_get_addr(a, "l64", NULL, &addr, &err), MNP_EFORMAT);
    assert_int_equal(mnp_ini_get_addr(a, "n253", NULL, &addr, &err), 0);
    assert_int_equal(strlen(addr.host), 253);
    assert_int_equal(mnp_ini_get_addr(a, "n254", NULL, &addr, &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "host longer than 253 bytes"));
    mnp_ini_free(ini);
}

static void test_check_known(void **state)
{
    (void)state;
    mnp_ini_t *ini = parse_ok("[clearinghouse]\n"
                              "listen = 127.0.0.1:8080\n"
                              "answer_window = 10m\n"
                              "[operator \"CMCC\"]\n"
                              "db = a.db\n"
                              "[operator \"CUCC\"]\n"
                              "db = b.db\n"
                              "\n"
                              "tokn = x\n"
                              "[clearinghouse \"x\"]\n"
                              "listn = 1\n");
    static const char *const ch_keys[] = {"listen", "answer_window", NULL};
    static const char *const op_keys[] = {"db", "token", NULL};
    static const char *const none[] = {NULL};
    mnp_error_t err = {0};
    expect_fail(mnp_ini_check_known(ini, "clearinghouse", ch_keys, &err), &err, MNP_EFORMAT,
                "g.conf:11: unknown key 'listn' in [clearinghouse \"x\"]");
    expect_fail(mnp_ini_check_known(ini, "operator", op_keys, &err), &err, MNP_EFORMAT,
                "g.conf:9: unknown key 'tokn' in [operator \"CUCC\"]");
    expect_fail(mnp_ini_check_known(ini, "operator", none, &err), &err, MNP_EFORMAT,
                "g.conf:5: unknown key 'db' in [operator \"CMCC\"]");
    assert_int_equal(mnp_ini_check_known(ini, "lookup", none, &err), 0);
    mnp_ini_free(ini);

    ini = parse_ok("[clearinghouse]\nlisten = 1\n[lookup]\n[clearinhouse]\nlisten = 2\n");
    assert_int_equal(mnp_ini_check_known(ini, "clearinghouse", ch_keys, &err), 0);
    static const char *const sections[] = {"clearinghouse", "lookup", "operator", NULL};
    expect_fail(mnp_ini_check_sections(ini, sections, &err), &err, MNP_EFORMAT,
                "g.conf:4: unknown section [clearinhouse]");
    static const char *const all[] = {"clearinghouse", "lookup", "clearinhouse", NULL};
    assert_int_equal(mnp_ini_check_sections(ini, all, &err), 0);
    mnp_ini_free(ini);

    /* Long or odd names are cut (at a character boundary) and sanitised in messages. */
    char text[600], key[61];
    memset(key, 'k', 60);
    key[60] = '\0';
    snprintf(text, sizeof(text), "[s \"%s\\n\"]\n%s = 1\n",
             "中中中中中中中中中中中中中中中中中中中中", key);
    ini = parse_ok(text);
    expect_fail(mnp_ini_check_known(ini, "s", none, &err), &err, MNP_EFORMAT,
                "g.conf:2: unknown key 'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...' "
                "in [s \"中中中中中中中中中中中中中中中中...\"]");
    mnp_ini_free(ini);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_u64),      cmocka_unit_test(test_get_bool_str),
        cmocka_unit_test(test_get_duration), cmocka_unit_test(test_get_bytes),
        cmocka_unit_test(test_get_addr),     cmocka_unit_test(test_check_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
