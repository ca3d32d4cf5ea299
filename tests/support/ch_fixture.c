/*
 * The clearinghouse fixture of ch_fixture.h. mnpctl prints an operator's new key on standard
 * output, which is how a test gets the keys it authenticates with; the server's hashing key is
 * the one mnpctl and mnpd both find next to the store (DB.key).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ch_fixture.h"
#include "mnp/error.h"

#define MNPCTL MNP_BIN_DIR "/mnpctl"

static void run_ok(const char *const argv[], char *out, size_t size)
{
    int st = test_run(argv, out, size);
    if (st != 0)
        fail_msg("mnpctl %s %s: exit status %d", argv[1], argv[2], st);
}

void test_ch_fixture_setup(test_ch_fixture_t *f)
{
    static const char *const names[MNP_OP_COUNT] = {NULL, "China Mobile", "China Unicom",
                                                    "China Telecom", "China Broadnet"};
    memset(f, 0, sizeof(*f));
    test_dir_make(f->dir);
    snprintf(f->db, sizeof(f->db), "%s/ch.db", f->dir);
    snprintf(f->conf, sizeof(f->conf), "%s/ch.conf", f->dir);
    snprintf(f->log, sizeof(f->log), "%s/mnpd.log", f->dir);
    for (int op = 1; op < MNP_OP_COUNT; op++) {
        const char *argv[] = {MNPCTL,   "operator", "add",  mnp_operator_code((mnp_operator_t)op),
                              "--name", names[op],  "--db", f->db,
                              NULL};
        run_ok(argv, f->keys[op], sizeof(f->keys[op]));
        f->keys[op][strcspn(f->keys[op], "\r\n")] = '\0';
        assert_true(strlen(f->keys[op]) > 16);
    }
    const char *plan[] = {MNPCTL, "numplan", "import", MNP_SOURCE_DIR "/data/blocks-demo.csv",
                          "--db", f->db,     NULL};
    run_ok(plan, NULL, 0);
    const char *routing[] = {MNPCTL, "routing", "import", MNP_SOURCE_DIR "/data/routing-demo.csv",
                             "--db", f->db,     NULL};
    run_ok(routing, NULL, 0);
    FILE *c = fopen(f->conf, "w");
    assert_non_null(c);
    fprintf(c, "[clearinghouse]\nlisten = 127.0.0.1:0\nstore = sqlite:%s\nkey_file = %s.key\n",
            f->db, f->db);
    assert_int_equal(fclose(c), 0);
}

void test_ch_fixture_start(const test_ch_fixture_t *f, int64_t clock_ms, int timeout_ms,
                           test_daemon_t *d)
{
    char start[32];
    snprintf(start, sizeof(start), "%lld", (long long)clock_ms);
    const char *argv[] = {MNP_BIN_DIR "/mnpd", "--config", f->conf, "--test-clock", start, NULL};
    int rc = test_daemon_start(d, argv, f->log, timeout_ms);
    if (rc != 0)
        fail_msg("mnpd did not start: %s (its log: %s)", mnp_strerror(rc), f->log);
}

void test_ch_fixture_remove(const test_ch_fixture_t *f)
{
    test_dir_remove(f->dir);
}
