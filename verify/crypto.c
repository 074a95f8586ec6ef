/* crypto.c — public keys from DKIM key records and signature checks, with
 * OpenSSL 3 EVP interfaces only.  OpenSSL objects and OpenSSL's error queue
 * never leave this file: every failure path clears the queue so an error
 * from one hostile key cannot surface in a later, unrelated call. */
#include "verify/crypto.h"

#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "parse/limits.h"

#define ED25519_KEY_OCTETS 32u
#define ED25519_SPKI_OCTETS 44u
#define ED25519_SIGNATURE_OCTETS 64u
/* Opening b=: smaller moduli are not worth looking into (no DKIM key is). */
#define OPEN_MIN_MODULUS_OCTETS 64u
/* EMSA-PKCS1-v1_5: 00 01, at least 8 octets FF, 00 (RFC 8017 §9.2). */
#define PKCS1_MIN_PADDING_END 10u

struct DksPublicKey {
  EVP_PKEY *pkey;
  DksKeyType type;
  DksKeyFormat format;
  guint bits;
  GBytes *material;    /* the octets the key was decoded from */
  const char *warning; /* static; NULL when nothing to remark */
};

void
dks_public_key_free(DksPublicKey *key)
{
  if (key == NULL)
    return;
  EVP_PKEY_free(key->pkey);
  g_bytes_unref(key->material);
  g_free(key);
}

/* Sets *why (newly allocated) and returns NULL, after dropping whatever
 * OpenSSL queued while failing. */
static DksPublicKey *
load_failed(char **why, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static DksPublicKey *
load_failed(char **why, const char *fmt, ...)
{
  va_list ap;

  ERR_clear_error();
  if (why != NULL) {
    va_start(ap, fmt);
    *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
  }
  return NULL;
}

static DksPublicKey *
key_new(EVP_PKEY *pkey, DksKeyType type, DksKeyFormat format,
        const guint8 *data, gsize len)
{
  DksPublicKey *key = g_new0(DksPublicKey, 1);

  key->pkey = pkey;
  key->type = type;
  key->format = format;
  /* OpenSSL says 253 for Ed25519 (the curve's order); people and RFC 8463
   * speak of a 256-bit (32-octet) key. */
  key->bits = type == DKS_KEY_TYPE_ED25519
                ? ED25519_KEY_OCTETS * 8
                : (guint)MAX(EVP_PKEY_get_bits(pkey), 0);
  key->material = g_bytes_new(data, len);
  return key;
}

/* Name of what an SPKI really holds, for "k= says rsa" explanations. */
static const char *
pkey_kind(const EVP_PKEY *pkey)
{
  switch (EVP_PKEY_get_base_id(pkey)) {
  case EVP_PKEY_RSA: return "an RSA key";
  case EVP_PKEY_RSA_PSS: return "an RSA-PSS key";
  case EVP_PKEY_EC: return "an EC key";
  case EVP_PKEY_ED25519: return "an Ed25519 key";
  case EVP_PKEY_ED448: return "an Ed448 key";
  case EVP_PKEY_DSA: return "a DSA key";
  case EVP_PKEY_DH: return "a DH key";
  default: return "a key of a type DKIM does not use";
  }
}

/* d2i_PUBKEY on exactly data/len; *used gets the octets consumed. */
static EVP_PKEY *
decode_spki(const guint8 *data, gsize len, gsize *used)
{
  const unsigned char *p = data;
  EVP_PKEY *pkey;

  if (len > G_MAXLONG)
    return NULL;
  pkey = d2i_PUBKEY(NULL, &p, (long)len);
  if (pkey != NULL)
    *used = (gsize)(p - data);
  return pkey;
}

/* A bare PKCS#1 RSAPublicKey (SEQUENCE { n, e }), which some publishers put
 * into p= instead of the SubjectPublicKeyInfo RFC 6376 §3.6.1 asks for. */
static EVP_PKEY *
decode_pkcs1_rsa(const guint8 *data, gsize len, gsize *used)
{
  const unsigned char *p = data;
  EVP_PKEY *pkey;

  if (len > G_MAXLONG)
    return NULL;
  pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)len);
  if (pkey != NULL)
    *used = (gsize)(p - data);
  return pkey;
}

static DksPublicKey *
check_rsa_size(DksPublicKey *key, char **why)
{
  if (key->bits > DKS_MAX_RSA_BITS) {
    guint bits = key->bits;
    dks_public_key_free(key);
    return load_failed(why, "the RSA key has %u bits; keys above %u bits are "
                       "refused (verifying them costs too much)",
                       bits, DKS_MAX_RSA_BITS);
  }
  if (key->bits == 0) {
    dks_public_key_free(key);
    return load_failed(why, "the RSA key has no usable modulus");
  }
  return key;
}

static DksPublicKey *
load_rsa(const guint8 *data, gsize len, char **why)
{
  gsize used = 0;
  EVP_PKEY *pkey = decode_spki(data, len, &used);
  DksPublicKey *key;

  if (pkey != NULL) {
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
      const char *kind = pkey_kind(pkey);
      EVP_PKEY_free(pkey);
      return load_failed(why, "the key inside p= is %s, k= says rsa "
                         "(RFC 6376 §3.6.1)", kind);
    }
    key = key_new(pkey, DKS_KEY_TYPE_RSA, DKS_KEY_FORMAT_SPKI, data, len);
  } else {
    ERR_clear_error();
    pkey = decode_pkcs1_rsa(data, len, &used);
    if (pkey == NULL)
      return load_failed(why, "p= is not a DER SubjectPublicKeyInfo, nor a "
                         "bare RSAPublicKey (RFC 6376 §3.6.1, %zu octets)",
                         len);
    key = key_new(pkey, DKS_KEY_TYPE_RSA, DKS_KEY_FORMAT_PKCS1, data, len);
    key->warning = "p= holds a bare PKCS#1 RSAPublicKey, not the "
                   "SubjectPublicKeyInfo RFC 6376 §3.6.1 asks for; many "
                   "verifiers accept it, some do not";
  }
  if (used < len && key->warning == NULL)
    key->warning = "p= has octets after the end of the DER key; they are "
                   "ignored";
  return check_rsa_size(key, why);
}

static DksPublicKey *
load_ed25519(const guint8 *data, gsize len, char **why)
{
  EVP_PKEY *pkey;

  if (len == ED25519_SPKI_OCTETS) {
    gsize used = 0;
    EVP_PKEY *spki = decode_spki(data, len, &used);
    gboolean is_ed = spki != NULL &&
                     EVP_PKEY_get_base_id(spki) == EVP_PKEY_ED25519;
    EVP_PKEY_free(spki);
    if (is_ed)
      return load_failed(why, "p= is a 44-octet SubjectPublicKeyInfo; "
                         "RFC 8463 §4.2 wants the bare 32-octet Ed25519 key "
                         "(the last 32 octets of it)");
  }
  if (len != ED25519_KEY_OCTETS)
    return load_failed(why, "p= is %zu octets; an Ed25519 key is %u octets "
                       "(RFC 8463 §4.2)", len, ED25519_KEY_OCTETS);
  pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, data, len);
  if (pkey == NULL)
    return load_failed(why, "p= is not a usable Ed25519 public key "
                       "(RFC 8463 §4.2)");
  return key_new(pkey, DKS_KEY_TYPE_ED25519, DKS_KEY_FORMAT_ED25519_RAW,
                 data, len);
}

static DksPublicKey *
load_by_type(const guint8 *data, gsize len, DksKeyType type, char **why)
{
  switch (type) {
  case DKS_KEY_TYPE_RSA:
    return load_rsa(data, len, why);
  case DKS_KEY_TYPE_ED25519:
    return load_ed25519(data, len, why);
  case DKS_KEY_TYPE_UNKNOWN:
  default:
    return load_failed(why, "k= names a key type this verifier does not "
                       "know (RFC 6376 §3.6.1: rsa; RFC 8463: ed25519)");
  }
}

DksPublicKey *
dks_public_key_load(GBytes *der, DksKeyType type, char **why)
{
  DksPublicKey *key;
  const guint8 *data;
  gsize len = 0;

  if (der == NULL || g_bytes_get_size(der) == 0)
    return load_failed(why, "p= is empty: the key is revoked "
                       "(RFC 6376 §3.6.1)");
  data = g_bytes_get_data(der, &len);
  key = load_by_type(data, len, type, why);
  /* OpenSSL's decoders may queue errors from the formats they tried even
   * when one succeeded. */
  ERR_clear_error();
  return key;
}

DksKeyType
dks_public_key_type(const DksPublicKey *key)
{
  return key != NULL ? key->type : DKS_KEY_TYPE_UNKNOWN;
}

DksKeyFormat
dks_public_key_format(const DksPublicKey *key)
{
  return key != NULL ? key->format : DKS_KEY_FORMAT_SPKI;
}

guint
dks_public_key_bits(const DksPublicKey *key)
{
  return key != NULL ? key->bits : 0;
}

const char *
dks_public_key_warning(const DksPublicKey *key)
{
  return key != NULL ? key->warning : NULL;
}

char *
dks_public_key_fingerprint(const DksPublicKey *key)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  const guint8 *data;
  gsize len = 0;
  GString *hex;

  if (key == NULL)
    return NULL;
  data = g_bytes_get_data(key->material, &len);
  if (EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL) != 1) {
    ERR_clear_error();
    return NULL;
  }
  hex = g_string_sized_new(digest_len * 2);
  for (unsigned int i = 0; i < digest_len; i++)
    g_string_append_printf(hex, "%02x", digest[i]);
  return g_string_free(hex, FALSE);
}

/* One EVP_DigestVerify: md NULL for Ed25519 (PureEdDSA), else RSA with
 * PKCS#1 v1.5 padding (OpenSSL's default for RSA keys). */
static gboolean
digest_verify(EVP_PKEY *pkey, const EVP_MD *md, const guint8 *sig,
              gsize sig_len, const void *data, gsize len)
{
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  gboolean ok = FALSE;

  if (ctx != NULL &&
      EVP_DigestVerifyInit(ctx, NULL, md, NULL, pkey) == 1 &&
      EVP_DigestVerify(ctx, sig, sig_len, data, len) == 1)
    ok = TRUE;
  EVP_MD_CTX_free(ctx);
  ERR_clear_error(); /* a failed verify queues errors; they mean "no" */
  return ok;
}

gboolean
dks_public_key_verify(const DksPublicKey *key, DksHash hash,
                      const void *data, gsize len, GBytes *signature)
{
  const guint8 *sig;
  gsize sig_len = 0;

  if (key == NULL || signature == NULL || (data == NULL && len > 0))
    return FALSE;
  sig = g_bytes_get_data(signature, &sig_len);
  if (sig_len == 0)
    return FALSE;

  if (key->type == DKS_KEY_TYPE_ED25519) {
    /* RFC 8463 §3: ed25519-sha256 signs the SHA-256 hash of the
     * canonicalized header data, with PureEdDSA; hash is always SHA-256. */
    guint8 digest[32];
    unsigned int digest_len = 0;

    if (sig_len != ED25519_SIGNATURE_OCTETS)
      return FALSE;
    if (EVP_Digest(data, len, digest, &digest_len, EVP_sha256(), NULL) != 1) {
      ERR_clear_error();
      return FALSE;
    }
    return digest_verify(key->pkey, NULL, sig, sig_len, digest, digest_len);
  }
  /* RFC 8017 §8.2.2 step 1: an RSA signature is exactly as long as the
   * modulus (python3-dkim insists on it too). */
  if (sig_len != (gsize)EVP_PKEY_get_size(key->pkey))
    return FALSE;
  return digest_verify(key->pkey,
                       hash == DKS_HASH_SHA1 ? EVP_sha1() : EVP_sha256(),
                       sig, sig_len, data, len);
}

/* ------------------------------------------------------ opening b= */

/* The DER DigestInfo prefixes of the two hashes DKIM signs with (RFC 8017
 * §9.2, note 1); the digest follows them. */
static const guint8 digest_info_sha256[] = {
  0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03,
  0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20 };
static const guint8 digest_info_sha1[] = {
  0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05,
  0x00, 0x04, 0x14 };

static const struct {
  DksHash hash;
  const guint8 *prefix;
  gsize prefix_len;
} digest_infos[] = {
  { DKS_HASH_SHA256, digest_info_sha256, sizeof digest_info_sha256 },
  { DKS_HASH_SHA1, digest_info_sha1, sizeof digest_info_sha1 },
};

/* RSAVP1 on sig into block (exactly block_len octets, the modulus size).
 * FALSE when there is no block: *why_not is NOT_THIS_KEY when OpenSSL
 * refuses the value (it is not below the modulus), UNKNOWN when it cannot
 * try. */
static gboolean
rsa_open_raw(EVP_PKEY *pkey, const guint8 *sig, gsize sig_len, guint8 *block,
             gsize block_len, DksSignatureOpening *why_not)
{
  EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(pkey, NULL);
  size_t len = block_len;
  gboolean opened = FALSE;

  *why_not = DKS_OPENING_UNKNOWN;
  if (ctx != NULL && EVP_PKEY_verify_recover_init(ctx) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) == 1) {
    opened = EVP_PKEY_verify_recover(ctx, block, &len, sig, sig_len) == 1 &&
             len == block_len;
    *why_not = DKS_OPENING_NOT_THIS_KEY;
  }
  EVP_PKEY_CTX_free(ctx);
  ERR_clear_error(); /* a refused value queues errors; they mean "no" */
  return opened;
}

/* Is block an EMSA-PKCS1-v1_5 encoding of a SHA-1 or SHA-256 digest?  Then
 * *out gets the hash and the digest. */
static gboolean
pkcs1_block_digest(const guint8 *block, gsize len, DksSignedDigest *out)
{
  gsize i = 2;

  if (len < 2 || block[0] != 0x00 || block[1] != 0x01)
    return FALSE;
  while (i < len && block[i] == 0xff)
    i++;
  if (i < PKCS1_MIN_PADDING_END || i >= len || block[i] != 0x00)
    return FALSE;
  i++;
  for (gsize k = 0; k < G_N_ELEMENTS(digest_infos); k++) {
    gsize prefix_len = digest_infos[k].prefix_len;
    gsize digest_len = dks_hash_size(digest_infos[k].hash);

    if (len - i == prefix_len + digest_len &&
        memcmp(block + i, digest_infos[k].prefix, prefix_len) == 0) {
      out->hash = digest_infos[k].hash;
      out->digest_len = digest_len;
      memcpy(out->digest, block + i + prefix_len, digest_len);
      return TRUE;
    }
  }
  return FALSE;
}

DksSignatureOpening
dks_public_key_open(const DksPublicKey *key, GBytes *signature,
                    DksSignedDigest *signed_digest)
{
  const guint8 *sig = NULL;
  gsize sig_len = 0, key_len;
  g_autofree guint8 *block = NULL;
  DksSignedDigest found;
  DksSignatureOpening why_not;

  if (key == NULL || key->type != DKS_KEY_TYPE_RSA)
    return DKS_OPENING_NOT_RSA;
  if (signature != NULL)
    sig = g_bytes_get_data(signature, &sig_len);
  key_len = (gsize)MAX(EVP_PKEY_get_size(key->pkey), 0);
  /* RFC 8017 §8.2.2 step 1: another size is another key's signature. */
  if (sig == NULL || sig_len != key_len || key_len < OPEN_MIN_MODULUS_OCTETS)
    return DKS_OPENING_NOT_THIS_KEY;

  block = g_malloc(key_len);
  if (!rsa_open_raw(key->pkey, sig, sig_len, block, key_len, &why_not))
    return why_not;
  if (!pkcs1_block_digest(block, key_len, &found))
    return DKS_OPENING_NOT_THIS_KEY;
  if (signed_digest != NULL)
    *signed_digest = found;
  return DKS_OPENING_WELL_FORMED;
}
