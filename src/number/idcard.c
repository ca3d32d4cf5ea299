/*
 * Checking Chinese resident identity numbers (GB 11643-1999) for E07, where a subscriber's name
 * and identity number must match the record. The check is structural only: length, characters,
 * a real birth date and the ISO 7064 MOD 11-2 check character. The 6-digit area code is not
 * checked, as areas are renamed over the years while their numbers stay valid.
 */
#include "mnp/idcard.h"

#include <stdbool.h>

/* Weights of GB 11643-1999: 2^(17-i) mod 11 for positions i = 0..16. */
static const unsigned char weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
/* The check character for each value of the weighted sum mod 11. */
static const char check_chars[] = "10X98765432";

#define BIRTH_OFFSET 6
#define YEAR_MIN     1900
#define YEAR_MAX     2100

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

char mnp_idcard_check_char(const char *d17)
{
    unsigned sum = 0;
    for (int i = 0; i < 17; i++) {
        if (!is_digit(d17[i]))
            return '?';
        sum += (unsigned)(d17[i] - '0') * weights[i];
    }
    return check_chars[sum % 11];
}

static unsigned digits_value(const char *s, int n)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    return v;
}

static bool is_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The birth date YYYYMMDD at s (8 digits, already checked) is a Gregorian date in the years that
 * living subscribers can have been born in. */
static bool valid_birth_date(const char *s)
{
    static const unsigned char days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y = digits_value(s, 4), m = digits_value(s + 4, 2), d = digits_value(s + 6, 2);
    if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1)
        return false;
    unsigned last = days[m - 1] + (m == 2 && is_leap(y) ? 1u : 0u);
    return d <= last;
}

static mnp_idcard_reason_t check(const char *s, size_t len)
{
    if (len != MNP_IDCARD_LEN)
        return MNP_IDCARD_BAD_LENGTH;
    for (int i = 0; i < MNP_IDCARD_LEN - 1; i++)
        if (!is_digit(s[i]))
            return MNP_IDCARD_BAD_CHAR;
    char last = s[MNP_IDCARD_LEN - 1];
    if (last == 'x')
        last = 'X';
    if (!is_digit(last) && last != 'X')
        return MNP_IDCARD_BAD_CHAR;
    if (!valid_birth_date(s + BIRTH_OFFSET))
        return MNP_IDCARD_BAD_DATE;
    if (mnp_idcard_check_char(s) != last)
        return MNP_IDCARD_BAD_CHECKSUM;
    return MNP_IDCARD_OK;
}

int mnp_idcard_validate(const char *s, size_t len, char *canon, mnp_idcard_reason_t *why)
{
    mnp_idcard_reason_t r = s == NULL ? MNP_IDCARD_BAD_LENGTH : check(s, len);
    if (why != NULL)
        *why = r;
    if (r != MNP_IDCARD_OK)
        return MNP_EINVAL;
    if (canon != NULL) {
        for (int i = 0; i < MNP_IDCARD_LEN; i++)
            canon[i] = s[i] == 'x' ? 'X' : s[i];
        canon[MNP_IDCARD_LEN] = '\0';
    }
    return 0;
}

const char *mnp_idcard_reason_str(mnp_idcard_reason_t why)
{
    switch (why) {
    case MNP_IDCARD_OK:
        return "ok";
    case MNP_IDCARD_BAD_LENGTH:
        return "an identity number has 18 characters";
    case MNP_IDCARD_BAD_CHAR:
        return "an identity number is 17 digits and a digit or X";
    case MNP_IDCARD_BAD_DATE:
        return "the birth date in the identity number is not a real date";
    case MNP_IDCARD_BAD_CHECKSUM:
        return "the check character of the identity number does not match";
    }
    return "unknown reason";
}
