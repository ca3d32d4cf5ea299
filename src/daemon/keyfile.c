/*
 * Reading an API key from a file, as the gateway and the lookup replica do at start: a file only
 * its owner can read, its first line, checked, and wiped from every buffer it passed through.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "mnpd.h"

int mnpd_read_api_key(const char *path, char key[MNP_APIKEY_STR_SIZE], mnp_error_t *err)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return mnp_error_set(err, MNP_EIO, "api_key_file %s: %s", path, strerror(errno));
    /* The key acts as the operator (or replica) at the clearinghouse: only its owner reads it. */
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || (st.st_mode & 077) != 0) {
        fclose(f);
        return mnp_error_set(err, MNP_EFORMAT,
                             "api_key_file %s: group or others may read it (mode %03o); make it "
                             "the owner's alone: chmod 600",
                             path, (unsigned)(st.st_mode & 0777));
    }
    char line[256] = "";
    bool got = fgets(line, sizeof(line), f) != NULL;
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    int rc = 0;
    if (!got || mnp_apikey_check(line) != 0)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "api_key_file %s: the first line is not an mnp API key (the one "
                           "'mnpctl operator add' or 'mnpctl replica add' printed)",
                           path);
    else
        snprintf(key, MNP_APIKEY_STR_SIZE, "%s", line);
    mnp_memzero(line, sizeof(line));
    return rc;
}
