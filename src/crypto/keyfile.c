/*
 * The server key file: 64 hex characters and a newline, readable by its owner only. Loading is
 * strict (a key that others could read, or a file that is not exactly a key, is refused with the
 * reason, never used), and creating is atomic: the key appears under its name complete and
 * durable, or not at all, and a key that already exists is never replaced — replacing it would
 * orphan every credential and code hashed under the old one.
 */
#include "mnp/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mnp/alloc.h"

#define KEY_HEX_LEN (2 * MNP_HASH_KEY_BYTES)

/* Reads at most cap bytes of fd into buf; the count, or -1 with errno set. */
static ssize_t read_upto(int fd, char *buf, size_t cap)
{
    size_t got = 0;
    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* Checks what ssh checks of a private key: a regular file, ours, closed to everyone else. */
static int check_file(int fd, const char *path, mnp_error_t *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return mnp_error_set(err, mnp_error_from_errno(errno), "key file %s: %s", path,
                             strerror(errno));
    if (!S_ISREG(st.st_mode))
        return mnp_error_set(err, MNP_EINVAL, "key file %s is not a regular file", path);
    if (st.st_uid != geteuid() && st.st_uid != 0)
        return mnp_error_set(err, MNP_EINVAL, "key file %s is owned by uid %u, not by this user",
                             path, (unsigned)st.st_uid);
    if ((st.st_mode & 077) != 0)
        return mnp_error_set(err, MNP_EINVAL,
                             "key file %s has mode %04o: group and others must have no access "
                             "(chmod 600 %s)",
                             path, (unsigned)(st.st_mode & 07777), path);
    return 0;
}

/* Parses the file content: exactly the hex, then at most one newline. */
static int parse_key(const char *buf, size_t len, const char *path, mnp_hash_key_t *key,
                     mnp_error_t *err)
{
    bool shape_ok = len == KEY_HEX_LEN || (len == KEY_HEX_LEN + 1 && buf[KEY_HEX_LEN] == '\n');
    if (!shape_ok || mnp_hex_decode(buf, KEY_HEX_LEN, key->bytes, sizeof(key->bytes)) != 0)
        return mnp_error_set(err, MNP_EFORMAT,
                             "key file %s is malformed: it must hold exactly %d hexadecimal "
                             "characters and a newline",
                             path, KEY_HEX_LEN);
    static const uint8_t zeros[MNP_HASH_KEY_BYTES];
    if (mnp_ct_equal(key->bytes, zeros, sizeof(zeros)))
        return mnp_error_set(err, MNP_EFORMAT, "key file %s holds an all-zero key", path);
    return 0;
}

static int read_key(const char *path, mnp_hash_key_t *key, mnp_error_t *err)
{
    /* Room for a key, its newline and one byte more, so that a longer file shows as such. */
    char buf[KEY_HEX_LEN + 2];
    int rc = 0;
    /* O_NONBLOCK: a FIFO planted at the path must be refused below, not hang the open. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return mnp_error_set(err, MNP_ENOENT, "key file %s does not exist", path);
        return mnp_error_set(err, mnp_error_from_errno(errno), "key file %s: %s", path,
                             strerror(errno));
    }
    rc = check_file(fd, path, err);
    if (rc != 0)
        goto fail;
    ssize_t n = read_upto(fd, buf, sizeof(buf));
    if (n < 0) {
        rc = mnp_error_set(err, mnp_error_from_errno(errno), "reading key file %s: %s", path,
                           strerror(errno));
        goto fail;
    }
    rc = parse_key(buf, (size_t)n, path, key, err);

fail:
    mnp_memzero(buf, sizeof(buf));
    close(fd);
    return rc;
}

static int write_all(int fd, const char *p, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Best effort: the link is durable once its directory is. */
static void sync_dir_of(const char *path)
{
    char *copy = mnp_xstrdup(path);
    int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
}

/* Reports the errno of a failed step of creating the key file. */
static int create_error(const char *path, mnp_error_t *err)
{
    return mnp_error_set(err, mnp_error_from_errno(errno), "creating key file %s: %s", path,
                         strerror(errno));
}

/* Writes a new key to path. MNP_EEXIST when path appeared meanwhile (the caller loads it). */
static int create_key(const char *path, mnp_hash_key_t *key, mnp_error_t *err)
{
    char text[KEY_HEX_LEN + 2];
    size_t tmp_size = strlen(path) + sizeof(".tmp.XXXXXX");
    char *tmp = mnp_xmalloc(tmp_size);
    snprintf(tmp, tmp_size, "%s.tmp.XXXXXX", path);
    /* mkostemp opens with O_EXCL and mode 0600, whatever the umask. */
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0) {
        int rc = create_error(path, err);
        free(tmp);
        return rc;
    }
    mnp_hash_key_generate(key);
    int rc = mnp_hex_encode(key->bytes, sizeof(key->bytes), text, sizeof(text));
    if (rc != 0)
        goto fail;
    text[KEY_HEX_LEN] = '\n';
    if (fchmod(fd, 0600) != 0 || write_all(fd, text, KEY_HEX_LEN + 1) != 0 || fsync(fd) != 0) {
        rc = create_error(path, err);
        goto fail;
    }
    rc = close(fd);
    fd = -1;
    if (rc != 0) {
        rc = create_error(path, err);
        goto fail;
    }
    /* link, unlike rename, never replaces: of two processes creating the key at once, one wins
     * and the other loads the winner's key instead of silently overwriting it. */
    if (link(tmp, path) != 0) {
        rc = errno == EEXIST ? MNP_EEXIST : create_error(path, err);
        goto fail;
    }
    sync_dir_of(path);

fail:
    if (rc != 0)
        mnp_hash_key_wipe(key);
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    mnp_memzero(text, sizeof(text));
    return rc;
}

int mnp_hash_key_load(const char *path, bool create_if_missing, mnp_hash_key_t *key,
                      mnp_error_t *err)
{
    mnp_hash_key_wipe(key);
    int rc = read_key(path, key, err);
    if (rc == MNP_ENOENT && create_if_missing) {
        mnp_error_clear(err);
        rc = create_key(path, key, err);
        if (rc == MNP_EEXIST)
            rc = read_key(path, key, err);
    }
    if (rc != 0)
        mnp_hash_key_wipe(key);
    return rc;
}
