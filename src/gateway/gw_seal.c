/*
 * Authorization codes are never stored in clear (SPEC.md §3.2): the SQXZ reply that carries one
 * waits in the outbound SMS queue sealed (XChaCha20-Poly1305 secretbox, libsodium) with a key
 * derived from the operator's API key, which lives in its own file and not in the store. The
 * gateway opens it only to hand it to the SMS centre; a copy of the store file (a backup) holds
 * no usable code.
 */
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "gwInt.h"

#define SEAL_PREFIX "mnp-sealed-v1:"

void gw_seal_init(mnp_gw_t *gw, const char *secret)
{
    static const char purpose[] = "mnp gateway: seal queued SMS v1";
    if (secret == NULL) {
        crypto_secretbox_keygen(gw->seal_key);
        return;
    }
    crypto_generichash(gw->seal_key, sizeof(gw->seal_key), (const unsigned char *)purpose,
                       sizeof(purpose) - 1, (const unsigned char *)secret, strlen(secret));
}

int gw_sms_seal(const mnp_gw_t *gw, mnp_gw_sms_t *m, mnp_error_t *err)
{
    size_t len = strlen(m->text);
    size_t boxed = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + len;
    size_t b64 = sodium_base64_ENCODED_LEN(boxed, sodium_base64_VARIANT_ORIGINAL);
    if (sizeof(SEAL_PREFIX) - 1 + b64 > sizeof(m->text))
        return mnp_error_set(err, MNP_ELIMIT, "an SMS too long to seal");
    unsigned char box[MNP_GW_TEXT_MAX + crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES];
    randombytes_buf(box, crypto_secretbox_NONCEBYTES);
    crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, (const unsigned char *)m->text, len,
                          box, gw->seal_key);
    sodium_memzero(m->text, sizeof(m->text));
    memcpy(m->text, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1);
    sodium_bin2base64(m->text + sizeof(SEAL_PREFIX) - 1, sizeof(m->text) - sizeof(SEAL_PREFIX) + 1,
                      box, boxed, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

bool gw_sms_open(const mnp_gw_t *gw, const char *stored, char out[MNP_GW_TEXT_MAX])
{
    if (strncmp(stored, SEAL_PREFIX, sizeof(SEAL_PREFIX) - 1) != 0) {
        snprintf(out, MNP_GW_TEXT_MAX, "%s", stored);
        return true;
    }
    unsigned char box[MNP_GW_TEXT_MAX];
    size_t boxed = 0;
    const char *b64 = stored + sizeof(SEAL_PREFIX) - 1;
    bool ok =
        sodium_base642bin(box, sizeof(box), b64, strlen(b64), NULL, &boxed, NULL,
                          sodium_base64_VARIANT_ORIGINAL) == 0 &&
        boxed >= crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES &&
        boxed - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES < MNP_GW_TEXT_MAX &&
        crypto_secretbox_open_easy((unsigned char *)out, box + crypto_secretbox_NONCEBYTES,
                                   boxed - crypto_secretbox_NONCEBYTES, box, gw->seal_key) == 0;
    if (ok)
        out[boxed - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES] = '\0';
    else
        snprintf(out, MNP_GW_TEXT_MAX, "%s", "(sealed with another key: cannot be read)");
    return ok;
}
