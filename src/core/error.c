/*
 * Error codes to text, and the caller-owned error detail. The names and descriptions are part of
 * the stable interface (they reach logs, exit statuses and JSON problem bodies), so they live in
 * one table indexed by the negated code.
 */
#include "mnp/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

struct err_info {
    const char *name;
    const char *desc;
};

/* Indexed by -code; must list every code of error.h in order. */
static const struct err_info err_table[MNP_ERR_COUNT] = {
    {"MNP_OK", "success"},
    {"MNP_ENOMEM", "out of memory"},
    {"MNP_EINVAL", "invalid argument or input"},
    {"MNP_ERANGE", "value out of range"},
    {"MNP_EIO", "input/output error"},
    {"MNP_ENOENT", "no such file or entry"},
    {"MNP_EEXIST", "already exists"},
    {"MNP_EFORMAT", "malformed data"},
    {"MNP_EVERSION", "unsupported version"},
    {"MNP_ECHECKSUM", "checksum mismatch"},
    {"MNP_ETRUNC", "input truncated"},
    {"MNP_ELIMIT", "limit reached"},
    {"MNP_EBUSY", "resource busy"},
    {"MNP_EINTERNAL", "internal error"},
};

static const struct err_info *err_lookup(int rc)
{
    /* Compare before negating: -INT_MIN would overflow. */
    if (rc > 0 || rc <= -MNP_ERR_COUNT)
        return NULL;
    return &err_table[-rc];
}

const char *mnp_strerror(int rc)
{
    const struct err_info *e = err_lookup(rc);
    return e ? e->desc : "unknown error";
}

const char *mnp_errname(int rc)
{
    const struct err_info *e = err_lookup(rc);
    return e ? e->name : "MNP_EUNKNOWN";
}

int mnp_error_set(mnp_error_t *err, int code, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    /* vsnprintf cuts long messages and always NUL-terminates; a formatting failure leaves an
     * empty message rather than garbage. */
    if (vsnprintf(err->msg, sizeof(err->msg), fmt, ap) < 0)
        err->msg[0] = '\0';
    va_end(ap);
    return code;
}

void mnp_error_clear(mnp_error_t *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->msg[0] = '\0';
}

int mnp_error_from_errno(int errnum)
{
    switch (errnum) {
    case ENOMEM:
        return MNP_ENOMEM;
    case ENOENT:
        return MNP_ENOENT;
    case EEXIST:
        return MNP_EEXIST;
    case EINVAL:
        return MNP_EINVAL;
    default:
        return MNP_EIO;
    }
}
