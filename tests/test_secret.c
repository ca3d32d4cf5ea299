/*
 * Tests of the secrets module: the key file (creation with mode 0600 and nothing left behind,
 * reloading, no overwrite, refusal of open permissions and of every malformed shape), keyed
 * hashes against known answers computed independently with Python's hashlib.blake2b, domain
 * separation and the framing of multi-part hashes, hex and constant-time helpers, API keys (shape,
 * uniqueness, strict checking, hashing), authorization codes (digit distribution over 100 000
 * draws, binding to number and identity) and initialisation from many threads at once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnp/secret.h"

/* ---- Fixture: a temporary directory -------------------------------------------------------- */

typedef struct fixture {
    char dir[64];
    char path[128]; /* dir/key */
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof(*f));
    if (f == NULL)
        return -1;
    snprintf(f->dir, sizeof(f->dir), "/tmp/mnp-test-secret-XXXXXX");
    if (mkdtemp(f->dir) == NULL) {
        free(f);
        return -1;
    }
    snprintf(f->path, sizeof(f->path), "%s/key", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    DIR *d = opendir(f->dir);
    if (d != NULL) {
        struct dirent *e;
        char p[512];
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
            if (unlink(p) != 0)
                rmdir(p);
        }
        closedir(d);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static void write_file(const char *path, const char *content, size_t len, mode_t mode)
{
    /* A fresh file: the previous one may be read-only. */
    (void)unlink(path);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    assert_true(fd >= 0);
    assert_int_equal(fchmod(fd, mode), 0);
    assert_int_equal(write(fd, content, len), (ssize_t)len);
    assert_int_equal(close(fd), 0);
}

static size_t count_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

static void assert_hex(const uint8_t *bytes, size_t len, const char *expected)
{
    char hex[2 * 64 + 1];
    assert_true(len <= 64);
    assert_int_equal(mnp_hex_encode(bytes, len, hex, sizeof(hex)), 0);
    assert_string_equal(hex, expected);
}

/* The key 00 01 02 ... 1f used by every known answer below. */
static void known_key(mnp_hash_key_t *k)
{
    for (int i = 0; i < MNP_HASH_KEY_BYTES; i++)
        k->bytes[i] = (uint8_t)i;
}

static const char known_key_hex[] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

/* ---- The key file -------------------------------------------------------------------------- */

static void test_keyfile_create_and_reload(void **state)
{
    fixture_t *f = *state;
    mnp_hash_key_t k1, k2;
    mnp_error_t err;

    assert_int_equal(mnp_hash_key_load(f->path, false, &k1, &err), MNP_ENOENT);
    assert_non_null(strstr(err.msg, f->path));
    assert_int_equal(count_dir_entries(f->dir), 0);

    assert_int_equal(mnp_hash_key_load(f->path, true, &k1, &err), 0);
    struct stat st;
    assert_int_equal(stat(f->path, &st), 0);
    assert_true(S_ISREG(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0600);
    assert_int_equal(st.st_size, 65);
    /* No temporary file is left beside the key. */
    assert_int_equal(count_dir_entries(f->dir), 1);

    /* The content is the key in lower-case hex and a newline. */
    char text[80] = {0}, hex[MNP_HASH_HEX_SIZE];
    int fd = open(f->path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(read(fd, text, sizeof(text) - 1), 65);
    close(fd);
    assert_int_equal(mnp_hex_encode(k1.bytes, sizeof(k1.bytes), hex, sizeof(hex)), 0);
    assert_memory_equal(text, hex, 64);
    assert_int_equal(text[64], '\n');

    /* Reloading gives the same key; create_if_missing never replaces an existing key. */
    assert_int_equal(mnp_hash_key_load(f->path, false, &k2, &err), 0);
    assert_memory_equal(k1.bytes, k2.bytes, sizeof(k1.bytes));
    assert_int_equal(mnp_hash_key_load(f->path, true, &k2, &err), 0);
    assert_memory_equal(k1.bytes, k2.bytes, sizeof(k1.bytes));

    /* A missing directory fails cleanly. */
    char bad[160];
    snprintf(bad, sizeof(bad), "%s/no/such/dir/key", f->dir);
    assert_int_equal(mnp_hash_key_load(bad, true, &k2, &err), MNP_ENOENT);
    assert_int_equal(count_dir_entries(f->dir), 1);
}

static void test_keyfile_known_content(void **state)
{
    fixture_t *f = *state;
    mnp_hash_key_t k, want;
    known_key(&want);
    char text[70];
    snprintf(text, sizeof(text), "%s\n", known_key_hex);
    write_file(f->path, text, 65, 0600);
    assert_int_equal(mnp_hash_key_load(f->path, false, &k, NULL), 0);
    assert_memory_equal(k.bytes, want.bytes, sizeof(k.bytes));

    /* Upper case, and no final newline, are accepted. */
    for (size_t i = 0; i < 64; i++)
        if (text[i] >= 'a' && text[i] <= 'f')
            text[i] = (char)(text[i] - 'a' + 'A');
    write_file(f->path, text, 64, 0400);
    memset(&k, 0xff, sizeof(k));
    assert_int_equal(mnp_hash_key_load(f->path, false, &k, NULL), 0);
    assert_memory_equal(k.bytes, want.bytes, sizeof(k.bytes));
}

static void test_keyfile_permissions(void **state)
{
    fixture_t *f = *state;
    char text[70];
    snprintf(text, sizeof(text), "%s\n", known_key_hex);
    static const mode_t refused[] = {0640, 0604, 0644, 0660, 0602, 0610, 0601, 0666};
    mnp_hash_key_t k;
    static const mnp_hash_key_t zero;
    mnp_error_t err;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        write_file(f->path, text, 65, refused[i]);
        memset(&k, 0xff, sizeof(k));
        assert_int_equal(mnp_hash_key_load(f->path, false, &k, &err), MNP_EINVAL);
        assert_int_equal(err.code, MNP_EINVAL);
        assert_non_null(strstr(err.msg, "chmod 600"));
        assert_non_null(strstr(err.msg, f->path));
        /* The key is never half-loaded, and the message never carries it. */
        assert_memory_equal(k.bytes, zero.bytes, sizeof(k.bytes));
        assert_null(strstr(err.msg, "00010203"));
        /* create_if_missing does not "repair" a refused file. */
        assert_int_equal(mnp_hash_key_load(f->path, true, &k, &err), MNP_EINVAL);
    }
    static const mode_t accepted[] = {0600, 0400, 0700};
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        write_file(f->path, text, 65, accepted[i]);
        assert_int_equal(mnp_hash_key_load(f->path, false, &k, &err), 0);
    }
    /* A FIFO in place of the key file is refused without blocking. */
    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(mkfifo(f->path, 0600), 0);
    assert_int_equal(mnp_hash_key_load(f->path, false, &k, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "not a regular file"));
    /* A directory in place of the key file. */
    assert_int_equal(unlink(f->path), 0);
    assert_int_equal(mkdir(f->path, 0700), 0);
    assert_int_equal(mnp_hash_key_load(f->path, true, &k, &err), MNP_EINVAL);
    assert_non_null(strstr(err.msg, "not a regular file"));
}

static void test_keyfile_malformed(void **state)
{
    fixture_t *f = *state;
    char good[65];
    memcpy(good, known_key_hex, 64);
    good[64] = '\0';
    char text[200];
    const char *suffixes[] = {"\n\n", "\r\n", " ", " \n", "\nx", "0\n", "00\n"};
    mnp_hash_key_t k;
    mnp_error_t err;

    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(text, sizeof(text), "%s%s", good, suffixes[i]);
        write_file(f->path, text, strlen(text), 0600);
        assert_int_equal(mnp_hash_key_load(f->path, false, &k, &err), MNP_EFORMAT);
        assert_non_null(strstr(err.msg, "malformed"));
    }
    const char *whole[] = {
        "",
        "\n",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1\n", /* 63 */
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f0\n",
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1g\n", /* g */
        " 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n",
        "00:01:02:03:04:05:06:07:08:09:0a:0b:0c:0d:0e:0f:10:11:12:13:14:15\n",
    };
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++) {
        write_file(f->path, whole[i], strlen(whole[i]), 0600);
        assert_int_equal(mnp_hash_key_load(f->path, false, &k, &err), MNP_EFORMAT);
    }
    /* A NUL inside the hex. */
    memcpy(text, good, 64);
    text[10] = '\0';
    text[64] = '\n';
    write_file(f->path, text, 65, 0600);
    assert_int_equal(mnp_hash_key_load(f->path, false, &k, &err), MNP_EFORMAT);
    /* A placeholder of zeros. */
    memset(text, '0', 64);
    text[64] = '\n';
    write_file(f->path, text, 65, 0600);
    assert_int_equal(mnp_hash_key_load(f->path, false, &k, &err), MNP_EFORMAT);
    assert_non_null(strstr(err.msg, "all-zero"));
}

/* ---- Keyed hashes -------------------------------------------------------------------------- */

/* Expected values: hashlib.blake2b(domain + sep + data, key=bytes(range(32)), digest_size=32),
 * with the framing of secret.h spelled out in Python by hand. */
static void test_keyed_hash_known_answers(void **state)
{
    (void)state;
    mnp_hash_key_t k;
    known_key(&k);
    uint8_t out[MNP_HASH_BYTES];

    /* b"identity\x00" + b"11010519491231002X" */
    mnp_identity_hash(&k, "11010519491231002X", out);
    assert_hex(out, sizeof(out),
               "a9c326605242e758659d569a67cf6ee69e031a7183985b68f895cfe1ade006a3");
    mnp_keyed_hash(&k, "identity", "11010519491231002X", 18, out);
    assert_hex(out, sizeof(out),
               "a9c326605242e758659d569a67cf6ee69e031a7183985b68f895cfe1ade006a3");
    /* b"test\x00" */
    mnp_keyed_hash(&k, "test", NULL, 0, out);
    assert_hex(out, sizeof(out),
               "4c75cf7f041204b80353654e8a91fb3a7179fed0b22869587179ebb2b76dbae4");
    /* b"test\x01" + be32(2) + be64(2) + b"ab" + be64(1) + b"c" */
    const mnp_hash_part_t ab_c[2] = {{"ab", 2}, {"c", 1}};
    mnp_keyed_hash_parts(&k, "test", ab_c, 2, out);
    assert_hex(out, sizeof(out),
               "bdc5cec87715721a69c79ae8291f82fcbdd194606877488037f8d4271226fbb1");
    const mnp_hash_part_t a_bc[2] = {{"a", 1}, {"bc", 2}};
    mnp_keyed_hash_parts(&k, "test", a_bc, 2, out);
    assert_hex(out, sizeof(out),
               "d26c59d649193a3fbfef53e6b1995e20f428cad8c12df7c4738654dd07fdcb40");
    /* b"test\x01" + be32(0) */
    mnp_keyed_hash_parts(&k, "test", NULL, 0, out);
    assert_hex(out, sizeof(out),
               "994866d1c3149874b1a279d0bd7ec5cb62805487d23dcde6692663db8d11633b");
}

static void test_domain_separation(void **state)
{
    (void)state;
    mnp_hash_key_t k, k2;
    known_key(&k);
    known_key(&k2);
    k2.bytes[31] ^= 1;
    uint8_t a[MNP_HASH_BYTES], b[MNP_HASH_BYTES];
    const char *data = "8613012345678";

    mnp_keyed_hash(&k, "identity", data, 13, a);
    mnp_keyed_hash(&k, "apikey", data, 13, b);
    assert_memory_not_equal(a, b, sizeof(a));
    /* The domain ends at its separator: "ab" || "c..." is not "a" || "bc...". */
    mnp_keyed_hash(&k, "ab", "c", 1, a);
    mnp_keyed_hash(&k, "a", "bc", 2, b);
    assert_memory_not_equal(a, b, sizeof(a));
    /* Another server key. */
    mnp_keyed_hash(&k, "identity", data, 13, a);
    mnp_keyed_hash(&k2, "identity", data, 13, b);
    assert_memory_not_equal(a, b, sizeof(a));
    /* Deterministic. */
    mnp_keyed_hash(&k, "identity", data, 13, b);
    assert_memory_equal(a, b, sizeof(a));
    /* One part is not the single-part form of the same bytes. */
    const mnp_hash_part_t one = {data, 13};
    mnp_keyed_hash_parts(&k, "identity", &one, 1, b);
    assert_memory_not_equal(a, b, sizeof(a));
}

static void test_parts_framing(void **state)
{
    (void)state;
    mnp_hash_key_t k;
    known_key(&k);
    /* Every way of cutting "abc" (with empty parts) hashes differently from every other. */
    const mnp_hash_part_t cuts[][3] = {
        {{"abc", 3}},
        {{"ab", 2}, {"c", 1}},
        {{"a", 1}, {"bc", 2}},
        {{"", 0}, {"abc", 3}},
        {{"abc", 3}, {"", 0}},
        {{"a", 1}, {"b", 1}, {"c", 1}},
        {{"a", 1}, {"", 0}, {"bc", 2}},
    };
    const size_t counts[] = {1, 2, 2, 2, 2, 3, 3};
    const size_t n = sizeof(counts) / sizeof(counts[0]);
    uint8_t h[7][MNP_HASH_BYTES];
    for (size_t i = 0; i < n; i++)
        mnp_keyed_hash_parts(&k, "test", cuts[i], counts[i], h[i]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            assert_memory_not_equal(h[i], h[j], MNP_HASH_BYTES);
}

static void test_hex_and_compare(void **state)
{
    (void)state;
    const uint8_t bytes[4] = {0x00, 0x9f, 0xa0, 0xff};
    char hex[9];
    uint8_t back[4];
    assert_int_equal(mnp_hex_encode(bytes, 4, hex, sizeof(hex)), 0);
    assert_string_equal(hex, "009fa0ff");
    assert_int_equal(mnp_hex_encode(bytes, 4, hex, 8), MNP_ERANGE);
    assert_int_equal(mnp_hex_decode("009FA0ff", 8, back, 4), 0);
    assert_memory_equal(back, bytes, 4);
    assert_int_equal(mnp_hex_decode("009fa0f", 7, back, 4), MNP_EINVAL);
    assert_int_equal(mnp_hex_decode("009fa0ff00", 10, back, 4), MNP_EINVAL);
    assert_int_equal(mnp_hex_decode("009fa0fg", 8, back, 4), MNP_EINVAL);
    assert_int_equal(back[0] | back[1] | back[2] | back[3], 0); /* zeroed on failure */
    assert_int_equal(mnp_hex_decode("00 fa0ff", 8, back, 4), MNP_EINVAL);
    assert_int_equal(mnp_hex_decode("", 0, back, 0), 0);

    assert_true(mnp_ct_equal("abcd", "abcd", 4));
    assert_false(mnp_ct_equal("abcd", "abce", 4));
    assert_false(mnp_ct_equal("abcd", "bbcd", 4));

    mnp_hash_key_t k;
    static const mnp_hash_key_t zero;
    mnp_hash_key_generate(&k);
    assert_memory_not_equal(k.bytes, zero.bytes, sizeof(k.bytes));
    mnp_hash_key_wipe(&k);
    assert_memory_equal(k.bytes, zero.bytes, sizeof(k.bytes));
    mnp_hash_key_wipe(NULL);
    uint8_t buf[5] = {1, 2, 3, 4, 5};
    mnp_memzero(buf, 4);
    assert_int_equal(buf[0] | buf[1] | buf[2] | buf[3], 0);
    assert_int_equal(buf[4], 5);
}

/* ---- API keys ------------------------------------------------------------------------------ */

static int cmp_keys(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void test_apikey_shape_and_uniqueness(void **state)
{
    (void)state;
    enum { N = 2000 };
    char(*keys)[MNP_APIKEY_STR_SIZE] = calloc(N, MNP_APIKEY_STR_SIZE);
    assert_non_null(keys);
    for (size_t i = 0; i < N; i++) {
        mnp_apikey_new(keys[i]);
        assert_int_equal(strlen(keys[i]), MNP_APIKEY_LEN);
        assert_memory_equal(keys[i], "mnp_", 4);
        assert_int_equal(strspn(keys[i] + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                             "0123456789-_"),
                         43);
        assert_int_equal(mnp_apikey_check(keys[i]), 0);
    }
    qsort(keys, N, MNP_APIKEY_STR_SIZE, cmp_keys);
    for (size_t i = 1; i < N; i++)
        assert_string_not_equal(keys[i - 1], keys[i]);
    free(keys);
}

static void test_apikey_check_refuses(void **state)
{
    (void)state;
    const char *good = "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8";
    assert_int_equal(mnp_apikey_check(good), 0);
    const char *bad[] = {
        "",
        "mnp_",
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh",   /* one short */
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A", /* one long */
        "mnq_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",  /* prefix */
        "MNP_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd+h8", /* standard base64 */
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwd/h8",
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh=",
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxw Hh8",
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9", /* last char: low bits set */
        "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh_",
        " mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(mnp_apikey_check(bad[i]), MNP_EINVAL);
    assert_int_equal(mnp_apikey_check(NULL), MNP_EINVAL);
}

static void test_apikey_hash(void **state)
{
    (void)state;
    mnp_hash_key_t k, k2;
    known_key(&k);
    mnp_hash_key_generate(&k2);
    uint8_t out[MNP_HASH_BYTES], out2[MNP_HASH_BYTES];
    /* b"apikey\x00" + the key string */
    assert_int_equal(mnp_apikey_hash(&k, "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", out),
                     0);
    assert_hex(out, sizeof(out),
               "7b6cc095ad4130ddf4938d0eda3b07da41157fb39d0faa06e8e140b0372e0471");
    assert_int_equal(mnp_apikey_hash(&k2, "mnp_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", out2),
                     0);
    assert_memory_not_equal(out, out2, sizeof(out));

    memset(out2, 0x5a, sizeof(out2));
    memcpy(out, out2, sizeof(out));
    assert_int_equal(mnp_apikey_hash(&k, "mnp_short", out), MNP_EINVAL);
    assert_memory_equal(out, out2, sizeof(out)); /* untouched */

    char a[MNP_APIKEY_STR_SIZE], b[MNP_APIKEY_STR_SIZE];
    mnp_apikey_new(a);
    mnp_apikey_new(b);
    assert_int_equal(mnp_apikey_hash(&k, a, out), 0);
    assert_int_equal(mnp_apikey_hash(&k, b, out2), 0);
    assert_memory_not_equal(out, out2, sizeof(out));
    assert_int_equal(mnp_apikey_hash(&k, a, out2), 0);
    assert_memory_equal(out, out2, sizeof(out));
}

/* ---- Authorization codes ------------------------------------------------------------------- */

static void test_authcode_distribution(void **state)
{
    (void)state;
    enum { DRAWS = 100000 };
    static unsigned counts[MNP_AUTHCODE_DIGITS][10];
    memset(counts, 0, sizeof(counts));
    char code[MNP_AUTHCODE_STR_SIZE];
    for (int i = 0; i < DRAWS; i++) {
        memset(code, 'x', sizeof(code));
        mnp_authcode_new(code);
        assert_int_equal(code[MNP_AUTHCODE_DIGITS], '\0');
        for (int p = 0; p < MNP_AUTHCODE_DIGITS; p++) {
            assert_true(code[p] >= '0' && code[p] <= '9');
            counts[p][code[p] - '0']++;
        }
    }
    /* 10 000 expected per cell, standard deviation 95: +-1000 is over ten deviations, so this
     * fails only for a real bias (a stuck digit, a modulo skew of the first digit). */
    for (int p = 0; p < MNP_AUTHCODE_DIGITS; p++)
        for (int d = 0; d < 10; d++) {
            assert_in_range(counts[p][d], 9000, 11000);
        }
}

static void test_authcode_hash_binding(void **state)
{
    (void)state;
    mnp_hash_key_t k, k2;
    known_key(&k);
    known_key(&k2);
    k2.bytes[0] ^= 0x80;
    uint8_t id[MNP_HASH_BYTES], id2[MNP_HASH_BYTES];
    mnp_identity_hash(&k, "11010519491231002X", id);
    mnp_identity_hash(&k, "110101198001010010", id2);
    assert_memory_not_equal(id, id2, sizeof(id));

    /* b"authcode\x01" + be32(3) + be64(8) + be64(8613012345678) + be64(32) + id + be64(6) +
     * b"123456" */
    uint8_t h[MNP_HASH_BYTES], o[MNP_HASH_BYTES];
    assert_int_equal(mnp_authcode_hash(&k, 8613012345678u, id, "123456", h), 0);
    assert_hex(h, sizeof(h), "d2c5f8eb7f8a9e5f519f0c6e20b9f68c8a36cca158be3a72779068e04d750015");

    assert_int_equal(mnp_authcode_hash(&k, 8613012345679u, id, "123456", o), 0);
    assert_memory_not_equal(h, o, sizeof(h)); /* another number */
    assert_int_equal(mnp_authcode_hash(&k, 8613012345678u, id2, "123456", o), 0);
    assert_memory_not_equal(h, o, sizeof(h)); /* another identity */
    assert_int_equal(mnp_authcode_hash(&k, 8613012345678u, id, "123457", o), 0);
    assert_memory_not_equal(h, o, sizeof(h)); /* another code */
    assert_int_equal(mnp_authcode_hash(&k2, 8613012345678u, id, "123456", o), 0);
    assert_memory_not_equal(h, o, sizeof(h)); /* another server key */
    assert_int_equal(mnp_authcode_hash(&k, 8613012345678u, id, "123456", o), 0);
    assert_memory_equal(h, o, sizeof(h));

    const char *bad[] = {"", "12345", "1234567", "12345a", " 12345", "12345 ", "１２３４５６"};
    memset(o, 0x77, sizeof(o));
    memcpy(h, o, sizeof(o));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(mnp_authcode_hash(&k, 8613012345678u, id, bad[i], o), MNP_EINVAL);
    assert_int_equal(mnp_authcode_hash(&k, 8613012345678u, id, NULL, o), MNP_EINVAL);
    assert_memory_equal(h, o, sizeof(h)); /* untouched */
}

/* ---- Initialisation from many threads ------------------------------------------------------- */

static void *init_thread(void *arg)
{
    char *out = arg;
    if (mnp_crypto_init() != 0)
        return NULL;
    mnp_apikey_new(out);
    return out;
}

static void test_init_threads(void **state)
{
    (void)state;
    enum { T = 8 };
    pthread_t th[T];
    char keys[T][MNP_APIKEY_STR_SIZE];
    for (int i = 0; i < T; i++)
        assert_int_equal(pthread_create(&th[i], NULL, init_thread, keys[i]), 0);
    for (int i = 0; i < T; i++) {
        void *ret = NULL;
        assert_int_equal(pthread_join(th[i], &ret), 0);
        assert_ptr_equal(ret, keys[i]);
        assert_int_equal(mnp_apikey_check(keys[i]), 0);
    }
    for (int i = 0; i < T; i++)
        for (int j = i + 1; j < T; j++)
            assert_string_not_equal(keys[i], keys[j]);
    assert_int_equal(mnp_crypto_init(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_threads),
        cmocka_unit_test_setup_teardown(test_keyfile_create_and_reload, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyfile_known_content, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyfile_permissions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keyfile_malformed, setup, teardown),
        cmocka_unit_test(test_keyed_hash_known_answers),
        cmocka_unit_test(test_domain_separation),
        cmocka_unit_test(test_parts_framing),
        cmocka_unit_test(test_hex_and_compare),
        cmocka_unit_test(test_apikey_shape_and_uniqueness),
        cmocka_unit_test(test_apikey_check_refuses),
        cmocka_unit_test(test_apikey_hash),
        cmocka_unit_test(test_authcode_distribution),
        cmocka_unit_test(test_authcode_hash_binding),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
