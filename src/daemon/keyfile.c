/*
 * Reading a secret from a file, as the gateway and the lookup replica do at start (an API key,
 * a webhook's signing key): a regular file only its owner can read, its first line, checked,
 * and wiped from every buffer it passed through.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mnpd.h"

#define LINE_MAX_BYTES 512

int mnpd_read_secret_line(const char *what, const char *path, char *out, size_t out_size,
                          mnp_error_t *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return mnp_error_set(err, MNP_EIO, "%s %s: %s", what, path, strerror(errno));
    /* The secret acts for the operator (or replica): only its owner may read it. */
    struct stat st;
    int rc = 0;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode))
        rc = mnp_error_set(err, MNP_EINVAL, "%s %s: not a regular file", what, path);
    else if ((st.st_mode & 077) != 0)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s %s: group or others may read it (mode %03o); make it the owner's "
                           "alone: chmod 600 %s",
                           what, path, (unsigned)(st.st_mode & 0777), path);
    char line[LINE_MAX_BYTES] = "";
    if (rc == 0 && fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    if (rc == 0 && strlen(line) >= out_size)
        rc = mnp_error_set(err, MNP_EFORMAT, "%s %s: the first line is longer than %zu bytes", what,
                           path, out_size - 1);
    if (rc == 0)
        snprintf(out, out_size, "%s", line);
    mnp_memzero(line, sizeof(line));
    return rc;
}

int mnpd_read_api_key(const char *path, char key[MNP_APIKEY_STR_SIZE], mnp_error_t *err)
{
    char line[MNP_APIKEY_STR_SIZE];
    int rc = mnpd_read_secret_line("api_key_file", path, line, sizeof(line), err);
    if (rc == 0 && mnp_apikey_check(line) != 0)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "api_key_file %s: the first line is not an mnp API key (the one "
                           "'mnpctl operator add' or 'mnpctl replica add' printed)",
                           path);
    if (rc == 0)
        memcpy(key, line, MNP_APIKEY_STR_SIZE);
    mnp_memzero(line, sizeof(line));
    return rc;
}
