/*
 * Tests of the subscriber and agreement files (subscriber_csv.h): good files read back every
 * column (numbers in any written form, a lower-case x in an identity, empty last_port and
 * services, a byte order mark, CRLF line ends, blank lines); every kind of bad row is refused
 * with its exact "FILE:LINE: reason" and the file yields nothing; a missing or wrong header and
 * a file over 64 MiB are refused as a whole; repeated numbers or agreements name both lines; the
 * report keeps the first 20 lines and counts every bad row; Beijing dates are the instant of
 * their 00:00 at UTC+8, leap days only in leap years.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mnp/subscriber_csv.h"

#define SUB_HEADER                                                                                 \
    "number,name,identity,registration,status,unpaid_fen,last_port,services,balance_fen\n"
#define AGR_HEADER "number,name,start,end,fee_fen,has_term\n"

/* Valid identity numbers (GB 11643 check characters computed). */
#define ID1 "11010519491231002X"
#define ID2 "430102199003074515"
#define ID3 "440304198506151237"

#define DAY_MS (86400 * 1000LL)

/* 2024-03-01 00:00 UTC+8 = 2024-02-29 16:00 UTC. */
#define MS_2024_03_01 1709222400000LL

typedef struct parsed {
    int rc;
    mnp_subscriber_row_t *subs;
    mnp_agreement_row_t *agrs;
    size_t n;
    mnp_csv_report_t rep;
} parsed_t;

static parsed_t *subs_parse(const char *text)
{
    parsed_t *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    p->rc = mnp_subscribers_parse(text, strlen(text), "s.csv", &p->subs, &p->n, &p->rep);
    if (p->rc != 0) {
        assert_null(p->subs);
        assert_int_equal(p->n, 0);
    }
    return p;
}

static parsed_t *agrs_parse(const char *text)
{
    parsed_t *p = calloc(1, sizeof(*p));
    assert_non_null(p);
    p->rc = mnp_agreements_parse(text, strlen(text), "a.csv", &p->agrs, &p->n, &p->rep);
    if (p->rc != 0) {
        assert_null(p->agrs);
        assert_int_equal(p->n, 0);
    }
    return p;
}

static void parsed_free(parsed_t *p)
{
    free(p->subs);
    free(p->agrs);
    free(p);
}

/* The file is refused with exactly the one report line want. */
static void expect_one(parsed_t *p, const char *want)
{
    assert_int_equal(p->rc, MNP_EFORMAT);
    assert_int_equal(p->rep.bad_rows, 1);
    assert_int_equal(p->rep.nlines, 1);
    assert_string_equal(p->rep.lines[0], want);
    parsed_free(p);
}

/* A subscriber file with the one data row `row` (no newline) is refused with line 2: reason. */
static void sub_row_bad(const char *row, const char *reason)
{
    char text[1024], want[200];
    snprintf(text, sizeof(text), SUB_HEADER "%s\n", row);
    snprintf(want, sizeof(want), "s.csv:2: %s", reason);
    expect_one(subs_parse(text), want);
}

static void agr_row_bad(const char *row, const char *reason)
{
    char text[1024], want[200];
    snprintf(text, sizeof(text), AGR_HEADER "%s\n", row);
    snprintf(want, sizeof(want), "a.csv:2: %s", reason);
    expect_one(agrs_parse(text), want);
}

/* ---- good files --------------------------------------------------------------------------- */

static void test_subscribers_good(void **state)
{
    (void)state;
    parsed_t *p = subs_parse(SUB_HEADER "13012345678,张三," ID2 ",person,normal,0,,,500\n"
                                        "\n"
                                        "+86 130 1234 5679,\"Li, Si\",11010519491231002x,company,"
                                        "lost,1200,2024-03-01,副卡; 宽带 ;积分,0\n"
                                        "008613012345680,王五," ID3 ",none,suspended,7,,x,3\n");
    assert_int_equal(p->rc, 0);
    assert_int_equal(p->rep.bad_rows, 0);
    assert_int_equal(p->n, 3);

    const mnp_subscriber_row_t *r = &p->subs[0];
    assert_int_equal(r->sub.number, 8613012345678ULL);
    assert_string_equal(r->sub.name, "张三");
    assert_string_equal(r->sub.identity, ID2);
    assert_int_equal(r->sub.registration, MNP_REG_PERSON);
    assert_int_equal(r->sub.status, MNP_SUB_NORMAL);
    assert_int_equal(r->sub.unpaid_fen, 0);
    assert_int_equal(r->sub.last_port_ms, 0);
    assert_int_equal(r->nservices, 0);
    assert_int_equal(r->balance_fen, 500);

    r = &p->subs[1];
    assert_int_equal(r->sub.number, 8613012345679ULL);
    assert_string_equal(r->sub.name, "Li, Si");
    assert_string_equal(r->sub.identity, ID1); /* the x is upper-cased */
    assert_int_equal(r->sub.registration, MNP_REG_COMPANY);
    assert_int_equal(r->sub.status, MNP_SUB_LOST);
    assert_int_equal(r->sub.unpaid_fen, 1200);
    assert_int_equal(r->sub.last_port_ms, MS_2024_03_01);
    assert_int_equal(r->nservices, 3);
    assert_string_equal(r->services[0], "副卡");
    assert_string_equal(r->services[1], "宽带");
    assert_string_equal(r->services[2], "积分");
    assert_int_equal(r->balance_fen, 0);

    r = &p->subs[2];
    assert_int_equal(r->sub.number, 8613012345680ULL);
    assert_int_equal(r->sub.registration, MNP_REG_NONE);
    assert_int_equal(r->sub.status, MNP_SUB_SUSPENDED);
    assert_int_equal(r->nservices, 1);
    parsed_free(p);
}

static void test_bom_crlf_blank_lines(void **state)
{
    (void)state;
    parsed_t *p = subs_parse("\xEF\xBB\xBF"
                             "number,name,identity,registration,status,unpaid_fen,last_port,"
                             "services,balance_fen\r\n"
                             "\r\n"
                             "13012345678,a," ID1 ",person,normal,0,,,0\r\n"
                             "   \r\n"
                             "13012345679,b," ID2 ",person,normal,0,,,1"); /* no final newline */
    assert_int_equal(p->rc, 0);
    assert_int_equal(p->n, 2);
    assert_int_equal(p->subs[1].balance_fen, 1);
    parsed_free(p);

    /* Line numbers count the blank lines and the BOM does not shift them. */
    p = subs_parse("\xEF\xBB\xBF" SUB_HEADER "\r\n\r\n13012345678,a," ID1
                   ",person,normal,x,,,0\r\n");
    expect_one(p, "s.csv:4: unpaid_fen \"x\" is not a whole number of fen (0 or more)");
}

static void test_header_only_and_header_checks(void **state)
{
    (void)state;
    parsed_t *p = subs_parse(SUB_HEADER);
    assert_int_equal(p->rc, 0);
    assert_int_equal(p->n, 0);
    assert_null(p->subs);
    parsed_free(p);

    expect_one(subs_parse(""), "s.csv:1: no header line: the first line must be "
                               "number,name,identity,registration,status,unpaid_fen,last_port,"
                               "services,balance_fen");
    expect_one(agrs_parse("13012345678,a,2024-01-01,2024-12-31,0,yes\n"),
               "a.csv:1: the header must be number,name,start,end,fee_fen,has_term");
    expect_one(agrs_parse("number,name,start,end,fee_fen\n"),
               "a.csv:1: the header must be number,name,start,end,fee_fen,has_term");
    expect_one(agrs_parse("Number,name,start,end,fee_fen,has_term\n"),
               "a.csv:1: the header must be number,name,start,end,fee_fen,has_term");
    /* Quoting and spaces around the column names are CSV, not part of the names. */
    p = agrs_parse("\"number\", name ,start,end,fee_fen,has_term\n");
    assert_int_equal(p->rc, 0);
    parsed_free(p);
    /* A wrong header stops the reading: its rows are not judged under the wrong columns. */
    expect_one(agrs_parse("a,b\n1,2\n3,4\n"),
               "a.csv:1: the header must be number,name,start,end,fee_fen,has_term");
}

static void test_file_too_large(void **state)
{
    (void)state;
    size_t len = 64u * 1024 * 1024 + 1;
    char *big = calloc(1, len); /* zero pages: never read, never touched */
    assert_non_null(big);
    mnp_subscriber_row_t *rows = (mnp_subscriber_row_t *)1;
    size_t n = 9;
    mnp_csv_report_t rep;
    assert_int_equal(mnp_subscribers_parse(big, len, "big.csv", &rows, &n, &rep), MNP_EFORMAT);
    assert_null(rows);
    assert_int_equal(n, 0);
    assert_int_equal(rep.nlines, 1);
    assert_string_equal(rep.lines[0], "big.csv: the file is larger than 64 MiB");
    free(big);
}

/* ---- every kind of bad subscriber row ------------------------------------------------------ */

static void test_subscriber_bad_rows(void **state)
{
    (void)state;
    sub_row_bad("1301234567,a," ID1 ",person,normal,0,,,0", "number \"1301234567\": too short");
    sub_row_bad("17x12345678,a," ID1 ",person,normal,0,,,0",
                "number \"17x12345678\": contains a character that is not part of a number");
    sub_row_bad(",a," ID1 ",person,normal,0,,,0", "number \"\": no number given");
    sub_row_bad("+4413012345678,a," ID1 ",person,normal,0,,,0",
                "number \"+4413012345678\": not a number of country code 86");
    sub_row_bad("13012345678,," ID1 ",person,normal,0,,,0", "name is empty");
    sub_row_bad("13012345678,"
                "0123456789012345678901234567890123456789012345678901234567890123," ID1
                ",person,normal,0,,,0",
                "name is longer than 63 bytes");
    sub_row_bad("13012345678,a\xff," ID1 ",person,normal,0,,,0",
                "name is not UTF-8 text (or has a control character)");
    sub_row_bad("13012345678,a\x1b[2J," ID1 ",person,normal,0,,,0",
                "name is not UTF-8 text (or has a control character)");
    sub_row_bad("13012345678,a,11010519491231002,person,normal,0,,,0",
                "identity: an identity number has 18 characters");
    sub_row_bad("13012345678,a,110105194912310021,person,normal,0,,,0",
                "identity: the check character of the identity number does not match");
    sub_row_bad("13012345678,a,110105194913310021,person,normal,0,,,0",
                "identity: the birth date in the identity number is not a real date");
    sub_row_bad("13012345678,a," ID1 ",Person,normal,0,,,0",
                "registration \"Person\" is not person, company or none");
    sub_row_bad("13012345678,a," ID1 ",,normal,0,,,0",
                "registration \"\" is not person, company or none");
    sub_row_bad("13012345678,a," ID1 ",person,stolen,0,,,0",
                "status \"stolen\" is not normal, lost or suspended");
    sub_row_bad("13012345678,a," ID1 ",person,normal,-5,,,0",
                "unpaid_fen \"-5\" is not a whole number of fen (0 or more)");
    sub_row_bad("13012345678,a," ID1 ",person,normal,,,,0",
                "unpaid_fen \"\" is not a whole number of fen (0 or more)");
    sub_row_bad("13012345678,a," ID1 ",person,normal,1.5,,,0",
                "unpaid_fen \"1.5\" is not a whole number of fen (0 or more)");
    sub_row_bad("13012345678,a," ID1 ",person,normal,1234567890123456789,,,0",
                "unpaid_fen \"1234567890123456789\" is not a whole number of fen (0 or more)");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,2024/01/01,,0",
                "last_port \"2024/01/01\" is not a date YYYY-MM-DD");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,2023-02-29,,0",
                "last_port \"2023-02-29\" is not a real date");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,1899-12-31,,0",
                "last_port \"1899-12-31\" is not between the years 1900 and 9999");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,,a;;b,0", "service 2 is empty");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,,a;,0", "service 2 is empty");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,,1;2;3;4;5;6;7;8;9,0",
                "services: more than 8");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,,"
                "x;0123456789012345678901234567890123456789012345678901234567890123,0",
                "service 2 is longer than 63 bytes");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,,,", "balance_fen \"\" is not a whole "
                                                            "number of fen (0 or more)");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,,", "8 fields, expected 9");
    sub_row_bad("13012345678,a," ID1 ",person,normal,0,,,0,extra", "10 fields, expected 9");
    sub_row_bad("13012345678,a\"b," ID1 ",person,normal,0,,,0", "field 2: stray quote");
    sub_row_bad("13012345678,\"a," ID1 ",person,normal,0,,,0",
                "field 2: quoted field not terminated");
    sub_row_bad("1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,"
                "31,32,33",
                "more than 32 fields");
    /* Exactly MNP_SERVICES_MAX services pass. */
    parsed_t *p =
        subs_parse(SUB_HEADER "13012345678,a," ID1 ",person,normal,0,,1;2;3;4;5;6;7;8,0\n");
    assert_int_equal(p->rc, 0);
    assert_int_equal(p->subs[0].nservices, 8);
    parsed_free(p);
}

static void test_long_line_and_nul(void **state)
{
    (void)state;
    size_t size = sizeof(SUB_HEADER) + 5000 + 200;
    char *text = malloc(size);
    assert_non_null(text);
    size_t o = (size_t)snprintf(text, size, SUB_HEADER "13012345678,");
    memset(text + o, 'a', 5000);
    o += 5000;
    o += (size_t)snprintf(text + o, size - o, "," ID1 ",person,normal,0,,,0\n");
    mnp_subscriber_row_t *rows;
    size_t n;
    mnp_csv_report_t rep;
    assert_int_equal(mnp_subscribers_parse(text, o, "s.csv", &rows, &n, &rep), MNP_EFORMAT);
    assert_int_equal(rep.bad_rows, 1);
    assert_string_equal(rep.lines[0], "s.csv:2: line is longer than 4096 bytes");
    free(text);

    static const char nul[] = SUB_HEADER "13012345678,a\0b," ID1 ",person,normal,0,,,0\n"
                                         "13012345679,a," ID2 ",person,normal,0,,,0\n";
    assert_int_equal(mnp_subscribers_parse(nul, sizeof(nul) - 1, "s.csv", &rows, &n, &rep),
                     MNP_EFORMAT);
    assert_int_equal(rep.bad_rows, 1);
    assert_string_equal(rep.lines[0], "s.csv:2: NUL byte at column 14");
}

static void test_duplicates_name_both_lines(void **state)
{
    (void)state;
    parsed_t *p = subs_parse(SUB_HEADER "13012345678,a," ID1 ",person,normal,0,,,0\n"
                                        "13012345679,b," ID2 ",person,normal,0,,,0\n"
                                        "+8613012345678,c," ID3 ",person,normal,0,,,0\n"
                                        "130 1234 5678,d," ID3 ",person,normal,0,,,0\n");
    assert_int_equal(p->rc, MNP_EFORMAT);
    assert_int_equal(p->rep.bad_rows, 2);
    assert_string_equal(p->rep.lines[0], "s.csv:4: number 8613012345678 is also on line 2");
    assert_string_equal(p->rep.lines[1], "s.csv:5: number 8613012345678 is also on line 2");
    parsed_free(p);
}

static void test_report_keeps_twenty_counts_all(void **state)
{
    (void)state;
    char *text = malloc(64 * 1024);
    assert_non_null(text);
    size_t o = (size_t)sprintf(text, SUB_HEADER);
    for (int i = 0; i < 25; i++) {
        o += (size_t)sprintf(text + o, "130123456%02d,a," ID1 ",person,normal,0,,,0\n", i);
        o += (size_t)sprintf(text + o, "130123457%02d,a," ID1 ",person,normal,bad,,,0\n", i);
    }
    parsed_t *p = subs_parse(text);
    assert_int_equal(p->rc, MNP_EFORMAT);
    assert_int_equal(p->rep.bad_rows, 25);
    assert_int_equal(p->rep.nlines, MNP_CSV_ERRORS_MAX);
    assert_string_equal(p->rep.lines[0],
                        "s.csv:3: unpaid_fen \"bad\" is not a whole number of fen (0 or more)");
    assert_string_equal(p->rep.lines[19],
                        "s.csv:41: unpaid_fen \"bad\" is not a whole number of fen (0 or more)");
    parsed_free(p);
    free(text);
}

/* ---- agreements --------------------------------------------------------------------------- */

static void test_agreements_good(void **state)
{
    (void)state;
    parsed_t *p = agrs_parse(AGR_HEADER "13012345678,合约计划,2024-03-01,2024-03-01,10000,yes\n"
                                        "13012345678,宽带优惠,2024-01-01,2025-12-31,0,no\n"
                                        "+8613012345679,\"Plan, 2 years\",2023-01-01,2024-12-31,5,"
                                        "yes\n");
    assert_int_equal(p->rc, 0);
    assert_int_equal(p->n, 3);
    const mnp_agreement_row_t *a = &p->agrs[0];
    assert_int_equal(a->number, 8613012345678ULL);
    assert_string_equal(a->agreement.name, "合约计划");
    assert_int_equal(a->agreement.start_ms, MS_2024_03_01);
    /* One day: in force until the end day's 24:00. */
    assert_int_equal(a->agreement.end_ms, MS_2024_03_01 + DAY_MS);
    assert_int_equal(a->agreement.fee_fen, 10000);
    assert_true(a->agreement.has_term);
    assert_int_equal(a->agreement.id, 0);
    assert_int_equal(a->agreement.created_ms, 0);
    assert_false(p->agrs[1].agreement.has_term);
    assert_int_equal(p->agrs[2].number, 8613012345679ULL);
    assert_string_equal(p->agrs[2].agreement.name, "Plan, 2 years");
    parsed_free(p);
}

static void test_agreement_bad_rows(void **state)
{
    (void)state;
    agr_row_bad("12345,a,2024-01-01,2024-12-31,0,yes", "number \"12345\": too short");
    agr_row_bad("13012345678,,2024-01-01,2024-12-31,0,yes", "name is empty");
    agr_row_bad("13012345678,"
                "012345678901234567890123456789012345678901234567890123456789012345678901234567890"
                "123456789012345,2024-01-01,2024-12-31,0,yes",
                "name is longer than 95 bytes");
    agr_row_bad("13012345678,a,2024-1-01,2024-12-31,0,yes",
                "start \"2024-1-01\" is not a date YYYY-MM-DD");
    agr_row_bad("13012345678,a,2024-01-01,2024-13-01,0,yes",
                "end \"2024-13-01\" is not a real date");
    agr_row_bad("13012345678,a,2024-01-01,,0,yes", "end \"\" is not a date YYYY-MM-DD");
    agr_row_bad("13012345678,a,2024-02-01,2024-01-31,0,yes",
                "end 2024-01-31 is before start 2024-02-01");
    agr_row_bad("13012345678,a,2024-01-01,2024-12-31,-1,yes",
                "fee_fen \"-1\" is not a whole number of fen (0 or more)");
    agr_row_bad("13012345678,a,2024-01-01,2024-12-31,0,true", "has_term \"true\" is not yes or no");
    agr_row_bad("13012345678,a,2024-01-01,2024-12-31,0,YES", "has_term \"YES\" is not yes or no");
    agr_row_bad("13012345678,a,2024-01-01,2024-12-31,0", "5 fields, expected 6");
}

static void test_agreement_duplicates(void **state)
{
    (void)state;
    /* The same number, name and period twice (whatever the fee) is one agreement twice; the
     * same name over another period, or another name, is another agreement. */
    parsed_t *p = agrs_parse(AGR_HEADER "13012345678,a,2024-01-01,2024-12-31,0,yes\n"
                                        "13012345678,a,2025-01-01,2025-12-31,0,yes\n"
                                        "13012345678,b,2024-01-01,2024-12-31,0,yes\n"
                                        "13012345679,a,2024-01-01,2024-12-31,0,yes\n"
                                        "+86 13012345678,a,2024-01-01,2024-12-31,9,no\n");
    assert_int_equal(p->rc, MNP_EFORMAT);
    assert_int_equal(p->rep.bad_rows, 1);
    assert_string_equal(p->rep.lines[0],
                        "a.csv:6: the same agreement (number, name, start, end) is on line 2");
    parsed_free(p);
}

/* ---- dates -------------------------------------------------------------------------------- */

static void test_beijing_dates(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(mnp_beijing_date_parse("2024-03-01", &ms), 0);
    assert_int_equal(ms, MS_2024_03_01);
    /* Beijing midnight is 16:00 UTC of the day before. */
    assert_int_equal(mnp_beijing_date_parse("1970-01-02", &ms), 0);
    assert_int_equal(ms, 16 * 3600 * 1000LL);
    assert_int_equal(mnp_beijing_date_parse("1970-01-01", &ms), 0);
    assert_int_equal(ms, -8 * 3600 * 1000LL);
    assert_int_equal(mnp_beijing_date_parse("2024-02-29", &ms), 0);
    assert_int_equal(ms, MS_2024_03_01 - DAY_MS);
    assert_int_equal(mnp_beijing_date_parse("2000-02-29", &ms), 0);
    assert_int_equal(mnp_beijing_date_parse("2019-12-01", &ms), 0);
    assert_int_equal(ms, 1575129600000LL); /* 2019-11-30T16:00:00Z */
    assert_int_equal(mnp_beijing_date_parse("9999-12-31", &ms), 0);
    assert_int_equal(mnp_beijing_date_parse("1900-01-01", &ms), 0);

    static const char *const bad[] = {
        "2023-02-29", "1900-02-29", "2024-02-30", "2024-04-31", "2024-00-10",  "2024-13-01",
        "2024-01-00", "2024-1-01",  "2024-01-1",  "20240101",   "2024-01-01 ", " 2024-01-01",
        "2024/01/01", "+024-01-01", "1899-12-31", "",           "2024-01-0x",  "２024-01-01",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ms = 42;
        if (mnp_beijing_date_parse(bad[i], &ms) != MNP_EINVAL)
            fail_msg("\"%s\" was accepted", bad[i]);
        assert_int_equal(ms, 42);
    }
    assert_int_equal(mnp_beijing_date_parse(NULL, &ms), MNP_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_subscribers_good),
        cmocka_unit_test(test_bom_crlf_blank_lines),
        cmocka_unit_test(test_header_only_and_header_checks),
        cmocka_unit_test(test_file_too_large),
        cmocka_unit_test(test_subscriber_bad_rows),
        cmocka_unit_test(test_long_line_and_nul),
        cmocka_unit_test(test_duplicates_name_both_lines),
        cmocka_unit_test(test_report_keeps_twenty_counts_all),
        cmocka_unit_test(test_agreements_good),
        cmocka_unit_test(test_agreement_bad_rows),
        cmocka_unit_test(test_agreement_duplicates),
        cmocka_unit_test(test_beijing_dates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
