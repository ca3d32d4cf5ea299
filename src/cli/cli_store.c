/*
 * What the mnpctl commands that change or read a database share: the check of an operator code
 * or regulator name as the command line gives it, and opening the store at --db for the one
 * transaction a command runs, so every command opens, runs and closes a store the same way.
 */
#include <string.h>

#include "cli.h"
#include "mnp/store.h"

bool cli_valid_code(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n >= MNP_STORE_CODE_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return false;
    return true;
}

int cli_store_run(const char *db, bool create, bool write, mnp_store_fn fn, void *arg,
                  mnp_error_t *err)
{
    mnp_store_t *store;
    mnp_store_config_t cfg = {.url = db, .create = create, .readers = 1};
    int rc = mnp_store_open(&cfg, &store, err);
    if (rc == 0) {
        rc = write ? mnp_store_write(store, fn, arg, err) : mnp_store_read(store, fn, arg, err);
        mnp_store_close(store);
    }
    return rc;
}
