/*
 * Benchmark argument parsing (see args.h). Hand-rolled rather than strtoull so that signs,
 * spaces and hexadecimal are refused instead of being accepted or wrapped.
 */
#include "args.h"

bool args_count(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    const char *p = s;
    for (; *p >= '0' && *p <= '9'; p++) {
        unsigned d = (unsigned)(*p - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (p == s)
        return false;
    uint64_t mul = 1;
    switch (*p) {
    case '\0':
        break;
    case 'k':
    case 'K':
        mul = 1000;
        p++;
        break;
    case 'm':
    case 'M':
        mul = 1000000;
        p++;
        break;
    case 'g':
    case 'G':
        mul = 1000000000;
        p++;
        break;
    default:
        return false;
    }
    if (*p != '\0' || (v != 0 && v > UINT64_MAX / mul))
        return false;
    *out = v * mul;
    return true;
}
