/*
 * Error codes and the caller-owned error detail that every fallible mnp function reports
 * through. Functions return 0 on success or a negative MNP_E* code; where a user needs to know
 * more (which line, which field), the function also fills an mnp_error_t that the caller owns.
 * The codes and their names are stable: they reach logs, exit statuses and JSON problem bodies.
 */
#ifndef MNP_ERROR_H
#define MNP_ERROR_H

#include <stddef.h>

#if defined(__GNUC__)
#define MNP_WUR          __attribute__((warn_unused_result))
#define MNP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MNP_WUR
#define MNP_PRINTF(f, a)
#endif

/* Stable error codes. Never renumber: add new codes at the end. */
enum {
    MNP_OK = 0,
    MNP_ENOMEM = -1,     /* out of memory */
    MNP_EINVAL = -2,     /* invalid argument or input */
    MNP_ERANGE = -3,     /* value out of its allowed range */
    MNP_EIO = -4,        /* operating system I/O failure */
    MNP_ENOENT = -5,     /* no such thing (file, key, record) */
    MNP_EEXIST = -6,     /* already exists */
    MNP_EFORMAT = -7,    /* malformed data or file */
    MNP_EVERSION = -8,   /* unsupported format or schema version */
    MNP_ECHECKSUM = -9,  /* checksum mismatch: data is corrupt */
    MNP_ETRUNC = -10,    /* input ended before a complete item */
    MNP_ELIMIT = -11,    /* a configured or protocol limit was reached */
    MNP_EBUSY = -12,     /* resource busy, try again */
    MNP_EINTERNAL = -13, /* a bug: an invariant did not hold */
};
#define MNP_ERR_COUNT 14

/* Longest message an mnp_error_t keeps (longer messages are cut). */
#define MNP_ERROR_MSG_MAX 256

/* What went wrong, for a person: filled by a failing function, owned by the caller. */
typedef struct mnp_error {
    int code;                    /* the MNP_E* code, or 0 */
    char msg[MNP_ERROR_MSG_MAX]; /* one sentence, no trailing newline */
} mnp_error_t;

/* A short English description of rc ("out of memory"); never NULL, also for unknown codes. */
const char *mnp_strerror(int rc);

/* The stable symbolic name of rc ("MNP_ENOMEM"); "MNP_EUNKNOWN" for unknown codes. */
const char *mnp_errname(int rc);

/* Sets err (if not NULL) to code and the formatted message; returns code, so that a function can
 * end with `return mnp_error_set(err, MNP_EINVAL, "line %zu: ...", n);`. */
int mnp_error_set(mnp_error_t *err, int code, const char *fmt, ...) MNP_PRINTF(3, 4);

/* Clears err (if not NULL) to code 0 and an empty message. */
void mnp_error_clear(mnp_error_t *err);

/* Maps an errno value to the closest MNP_E* code (ENOMEM -> MNP_ENOMEM, ENOENT -> MNP_ENOENT,
 * EEXIST -> MNP_EEXIST, EINVAL -> MNP_EINVAL, everything else -> MNP_EIO). */
int mnp_error_from_errno(int errnum);

#endif
