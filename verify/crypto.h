/* crypto.h — public keys from key records and signature checks (OpenSSL).
 * OpenSSL objects never leave this module. */
#pragma once
#include <glib.h>
#include "parse/keyrecord.h"
#include "verify/canon.h"

typedef struct DksPublicKey DksPublicKey;

typedef enum {
  DKS_KEY_FORMAT_SPKI,      /* SubjectPublicKeyInfo (the RFC 6376 form) */
  DKS_KEY_FORMAT_PKCS1,     /* bare RSAPublicKey: accepted with a warning */
  DKS_KEY_FORMAT_ED25519_RAW, /* 32 octets, RFC 8463 §4.2 */
} DksKeyFormat;

/* Loads the decoded p= for the given k= type.  On failure returns NULL and
 * sets *why (when why is non-NULL) to a newly allocated English explanation,
 * which the caller frees with g_free ("p= is 44 octets; an Ed25519
 * key is 32 octets (RFC 8463 §4.2)", "not a DER SubjectPublicKeyInfo", "the
 * key inside p= is an EC key, k= says rsa", ...).  Caller frees the key
 * with dks_public_key_free.
 *
 * The same (type, p= octets) loaded again returns another reference to the
 * same key, or the same explanation, without decoding again: keys are
 * immutable and shared, from a process-wide cache of at most
 * DKS_MAX_CACHED_KEYS entries.  Safe to call from several threads. */
DksPublicKey *dks_public_key_load(GBytes *der, DksKeyType type, char **why);
/* Another reference to key (NULL allowed); returns key. */
DksPublicKey *dks_public_key_ref(DksPublicKey *key);
/* Drops one reference; the last one frees the key.  Accepts NULL. */
void dks_public_key_free(DksPublicKey *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksPublicKey, dks_public_key_free)

/* For tests and benchmarks: how many times p= octets were really decoded
 * (cache misses) since the process started. */
guint dks_public_key_decode_count(void);
/* Empties the key cache.  Keys still referenced elsewhere stay valid; the
 * next load of anything decodes again. */
void dks_public_key_cache_clear(void);

DksKeyType dks_public_key_type(const DksPublicKey *key);
/* A remark about a key that loaded but is not quite as RFC 6376 wants it
 * (bare PKCS#1 RSAPublicKey, octets after the DER key), or NULL.  Static
 * string. */
const char *dks_public_key_warning(const DksPublicKey *key);
DksKeyFormat dks_public_key_format(const DksPublicKey *key);
guint dks_public_key_bits(const DksPublicKey *key);
/* SHA-256 fingerprint of the key material, hex, for evidence.  Caller frees. */
char *dks_public_key_fingerprint(const DksPublicKey *key);

/* Verifies signature over data: RSA PKCS#1 v1.5 with hash (the data is
 * hashed here), or Ed25519 over the SHA-256 digest of data (RFC 8463 §3).
 * Returns TRUE when it verifies. */
gboolean dks_public_key_verify(const DksPublicKey *key, DksHash hash,
                               const void *data, gsize len,
                               GBytes *signature);

/* What b= turns out to be when opened with the public key alone (RSAVP1,
 * RFC 8017 §5.2.2: s^e mod n, no padding check).  Only the matching private
 * key can have made a well-formed EMSA-PKCS1-v1_5 block (RFC 8017 §9.2), so
 * an opening tells "this key made b=, the signed data changed" from
 * "another key made b=" without knowing the data. */
typedef enum {
  DKS_OPENING_NOT_RSA,      /* no key, or Ed25519: cannot be opened */
  DKS_OPENING_UNKNOWN,      /* OpenSSL could not apply the key: no answer */
  DKS_OPENING_WELL_FORMED,  /* 00 01 FF..FF 00 DigestInfo(SHA-1 or SHA-256)
                               digest: this key made b= */
  DKS_OPENING_NOT_THIS_KEY, /* anything else (another size, a value above
                               the modulus, no such block): another key
                               made b=, or b= itself was damaged */
} DksSignatureOpening;

/* The digest a well-formed block carries: what the signer hashed. */
typedef struct {
  DksHash hash;
  guint8 digest[DKS_HASH_MAX_SIZE];
  gsize digest_len;
} DksSignedDigest;

/* Opens signature (b=, decoded) with key.  A block is only looked at when
 * the signature is exactly as long as the modulus and the modulus has at
 * least 64 octets (512 bits).  *signed_digest (when non-NULL) is written
 * only for DKS_OPENING_WELL_FORMED.  Leaves OpenSSL's error queue empty. */
DksSignatureOpening dks_public_key_open(const DksPublicKey *key, GBytes *signature,
                                        DksSignedDigest *signed_digest);
