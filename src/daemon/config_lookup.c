/*
 * mnpd's [lookup] section: a replica of the clearinghouse's NPDB that answers lookups. Every key,
 * its default and its bounds; docs/configuration.md says the same for people.
 */
#include <string.h>

#include "mnpd.h"

static const char *const lookup_keys[] = {"listen",
                                          "clearinghouse",
                                          "api_key_file",
                                          "state_dir",
                                          "blocks",
                                          "routing",
                                          "snapshot_after_changes",
                                          "pdb_listen",
                                          "enum_listen",
                                          "workers",
                                          "carriers",
                                          "enum_suffix",
                                          NULL};

/* An optional UDP address key: *set tells whether it was given. */
static int udp_addr(const mnp_ini_t *ini, const mnp_ini_section_t *s, const char *key, bool *set,
                    mnp_ini_addr_t *out, mnp_error_t *err)
{
    *set = mnp_ini_get(s, key) != NULL;
    int rc = *set ? mnp_ini_get_addr(s, key, NULL, out, err) : 0;
    if (rc == 0 && *set && out->kind != MNP_INI_ADDR_IPV4)
        rc = mnp_error_set(err, MNP_EFORMAT, "%s: [lookup] %s: give an IPv4 address and port",
                           mnp_ini_name(ini), key);
    return rc;
}

/* The required string key of [lookup], or an error that says what it is for. */
static int required(const mnp_ini_t *ini, const mnp_ini_section_t *s, const char *key,
                    const char *what, const char **out, mnp_error_t *err)
{
    int rc = mnp_ini_get_str(s, key, NULL, 1, 4095, out, err);
    if (rc == 0 && *out == NULL)
        rc = mnp_error_set(err, MNP_EFORMAT, "%s:%zu: [lookup] %s is required (%s)",
                           mnp_ini_name(ini), mnp_ini_section_line(s), key, what);
    return rc;
}

int mnpd_config_read_lookup(const mnp_ini_t *ini, mnpd_config_t *cfg, mnp_error_t *err)
{
    const mnp_ini_section_t *s = mnp_ini_section(ini, "lookup", NULL);
    cfg->lookup = s != NULL;
    if (s == NULL)
        return 0;
    int rc = mnp_ini_check_known(ini, "lookup", lookup_keys, err);
    if (rc == 0 && mnp_ini_get(s, "listen") != NULL) {
        cfg->lookup_listen_set = true;
        rc = mnp_ini_get_addr(s, "listen", NULL, &cfg->lookup_listen, err);
        if (rc == 0 && cfg->lookup_listen.kind == MNP_INI_ADDR_NAME)
            rc = mnp_error_set(err, MNP_EFORMAT,
                               "%s: [lookup] listen: give an IP address, not a name ('%s')",
                               mnp_ini_name(ini), cfg->lookup_listen.host);
    }
    if (rc == 0 && !cfg->lookup_listen_set && !cfg->clearinghouse)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s:%zu: [lookup] listen is required when this mnpd has no "
                           "[clearinghouse] whose listener it could share",
                           mnp_ini_name(ini), mnp_ini_section_line(s));
    if (rc == 0)
        rc = required(ini, s, "clearinghouse", "its URL, http://HOST:PORT, or local",
                      &cfg->lookup_clearinghouse, err);
    if (rc == 0 && strcmp(cfg->lookup_clearinghouse, "local") != 0 &&
        strncmp(cfg->lookup_clearinghouse, "http://", 7) != 0 &&
        strncmp(cfg->lookup_clearinghouse, "https://", 8) != 0)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [lookup] clearinghouse: give its URL (http://HOST:PORT) or local",
                           mnp_ini_name(ini));
    if (rc == 0 && strcmp(cfg->lookup_clearinghouse, "local") == 0 && !cfg->clearinghouse)
        rc = mnp_error_set(err, MNP_EFORMAT,
                           "%s: [lookup] clearinghouse = local needs a [clearinghouse] section "
                           "in this file",
                           mnp_ini_name(ini));
    if (rc == 0)
        rc = required(ini, s, "api_key_file",
                      "a file holding the key 'mnpctl replica add' printed for this replica",
                      &cfg->lookup_key_file, err);
    if (rc == 0)
        rc = required(ini, s, "state_dir", "where the replica keeps its snapshot and journal",
                      &cfg->lookup_state_dir, err);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "blocks", NULL, 1, 4095, &cfg->lookup_blocks, err);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "routing", NULL, 1, 4095, &cfg->lookup_routing, err);
    if (rc == 0)
        rc = mnp_ini_get_u64(s, "snapshot_after_changes", 262144, 1, UINT64_C(100000000),
                             &cfg->lookup_changes_max, err);
    if (rc == 0)
        rc = udp_addr(ini, s, "pdb_listen", &cfg->lookup_pdb_set, &cfg->lookup_pdb, err);
    if (rc == 0)
        rc = udp_addr(ini, s, "enum_listen", &cfg->lookup_enum_set, &cfg->lookup_enum, err);
    if (rc == 0)
        rc = mnp_ini_get_u64(s, "workers", 1, 1, 64, &cfg->lookup_workers, err);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "carriers", "CMCC:1,CUCC:2,CTCC:3,CBN:4", 1, 1024,
                             &cfg->lookup_carriers, err);
    if (rc == 0)
        rc = mnp_ini_get_str(s, "enum_suffix", "e164.arpa.", 1, 253, &cfg->lookup_enum_suffix, err);
    return rc;
}
