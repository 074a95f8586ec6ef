/* crypto.c — public keys from DKIM key records and signature checks, with
 * OpenSSL 3 EVP interfaces only.  OpenSSL objects and OpenSSL's error queue
 * never leave this file: every failure path clears the queue so an error
 * from one hostile key cannot surface in a later, unrelated call.
 *
 * Threads: every function here may be called from several threads at once,
 * on different keys or the same one.  A loaded key never changes (its
 * fingerprint is computed before anyone else sees it), its reference count
 * is atomic, the key cache is behind one mutex, and each verification uses
 * its own EVP_MD_CTX / EVP_PKEY_CTX on the shared EVP_PKEY, which OpenSSL 3
 * allows.  OpenSSL's error queue is per thread. */
#include "verify/crypto.h"

#include <string.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "parse/limits.h"
#include "verify/evp.h"

#define ED25519_KEY_OCTETS 32u
#define ED25519_SPKI_OCTETS 44u
#define ED25519_SIGNATURE_OCTETS 64u
/* Opening b=: smaller moduli are not worth looking into (no DKIM key is). */
#define OPEN_MIN_MODULUS_OCTETS 64u
/* EMSA-PKCS1-v1_5: 00 01, at least 8 octets FF, 00 (RFC 8017 §9.2). */
#define PKCS1_MIN_PADDING_END 10u

/* Immutable once dks_public_key_load() returns it: shared by every
 * message (and thread) that names the same p=. */
struct DksPublicKey {
  gint refs;           /* g_atomic_int_*: inline atomics, which thread
                          sanitizers see (g_atomic_ref_count_* are calls
                          into GLib unless G_DISABLE_CHECKS) */
  EVP_PKEY *pkey;
  DksKeyType type;
  DksKeyFormat format;
  guint bits;
  GBytes *material;    /* the octets the key was decoded from */
  const char *warning; /* static; NULL when nothing to remark */
  char *fingerprint;   /* SHA-256 of material, hex; NULL if it failed */
};

DksPublicKey *
dks_public_key_ref(DksPublicKey *key)
{
  if (key != NULL)
    g_atomic_int_inc(&key->refs);
  return key;
}

void
dks_public_key_free(DksPublicKey *key)
{
  if (key == NULL || !g_atomic_int_dec_and_test(&key->refs))
    return;
  EVP_PKEY_free(key->pkey);
  g_bytes_unref(key->material);
  g_free(key->fingerprint);
  g_free(key);
}

static const EVP_MD *
md_sha256(void)
{
  return dks_evp_md(DKS_HASH_SHA256);
}

static const EVP_MD *
md_sha1(void)
{
  return dks_evp_md(DKS_HASH_SHA1);
}

/* Hex SHA-256 of data, or NULL.  Caller frees. */
static char *
sha256_hex(const guint8 *data, gsize len)
{
  static const char hex[] = "0123456789abcdef";
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  const EVP_MD *md = md_sha256();

  if (md == NULL || EVP_Digest(data, len, digest, &digest_len, md, NULL) != 1) {
    ERR_clear_error();
    return NULL;
  }
  char *text = g_malloc(digest_len * 2 + 1);
  for (unsigned int i = 0; i < digest_len; i++) {
    text[2 * i] = hex[digest[i] >> 4];
    text[2 * i + 1] = hex[digest[i] & 0xf];
  }
  text[digest_len * 2] = '\0';
  return text;
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

  key->refs = 1; /* not yet shared */
  key->pkey = pkey;
  key->type = type;
  key->format = format;
  /* OpenSSL says 253 for Ed25519 (the curve's order); people and RFC 8463
   * speak of a 256-bit (32-octet) key. */
  key->bits = type == DKS_KEY_TYPE_ED25519
                ? ED25519_KEY_OCTETS * 8
                : (guint)MAX(EVP_PKEY_get_bits(pkey), 0);
  key->material = g_bytes_new(data, len);
  key->fingerprint = sha256_hex(data, len);
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

/* ------------------------------------------------------ the key cache */

/* Decoding p= is the costliest thing a verification does (OpenSSL builds
 * a decoder context per d2i_PUBKEY), and a mailbox names the same few keys
 * again and again.  So every (k= type, p= octets) decoded is remembered,
 * with its key or with the explanation of why it is no key: the next load
 * returns another reference to the same immutable key, or the same text.
 *
 * Bounded by DKS_MAX_CACHED_KEYS.  When full, the entry used longest ago
 * is evicted to make room (LRU), so a long run through many one-off senders
 * keeps the keys that recur.  Evicting drops only the cache's reference: a
 * key still held elsewhere stays valid.
 *
 * Decoding happens under the lock, so one key is decoded once even when
 * several threads ask for it at the same moment; decodes of different keys
 * wait for each other, which after the first messages is rare. */
typedef struct {
  DksKeyType type;
  GBytes *der;       /* a copy of the p= octets, owned */
  DksPublicKey *key; /* the cache's reference, or NULL */
  char *why;         /* when key is NULL: why it did not load */
  GList use;         /* in cache_use; data is the entry */
} CacheEntry;

static GMutex cache_lock;
/* Under cache_lock: the entries (as key and value), and the same entries
 * from the one used longest ago to the one used last. */
static GHashTable *cache;
static GQueue cache_use = G_QUEUE_INIT;
static guint decode_count; /* atomic */

static guint
cache_entry_hash(gconstpointer p)
{
  const CacheEntry *e = p;
  return g_bytes_hash(e->der) * 31u + (guint)e->type;
}

static gboolean
cache_entry_equal(gconstpointer a, gconstpointer b)
{
  const CacheEntry *x = a, *y = b;
  return x->type == y->type && g_bytes_equal(x->der, y->der);
}

static void
cache_entry_free(gpointer p)
{
  CacheEntry *e = p;
  g_bytes_unref(e->der);
  dks_public_key_free(e->key);
  g_free(e->why);
  g_free(e);
}

/* The decode itself; OpenSSL's decoders may queue errors from the formats
 * they tried even when one succeeded, so the queue is emptied after.  On
 * failure *why is always set. */
static DksPublicKey *
decode(const guint8 *data, gsize len, DksKeyType type, char **why)
{
  DksPublicKey *key = load_by_type(data, len, type, why);
  ERR_clear_error();
  g_atomic_int_inc(&decode_count);
  return key;
}

/* Makes room for one entry; under cache_lock. */
static void
cache_evict_one(void)
{
  GList *oldest = g_queue_pop_head_link(&cache_use);
  if (oldest != NULL)
    g_hash_table_remove(cache, oldest->data);
}

DksPublicKey *
dks_public_key_load(GBytes *der, DksKeyType type, char **why)
{
  if (der == NULL || g_bytes_get_size(der) == 0)
    return load_failed(why, "p= is empty: the key is revoked "
                       "(RFC 6376 §3.6.1)");
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(der, &len);
  /* Nothing to decode, nothing worth remembering. */
  if (type != DKS_KEY_TYPE_RSA && type != DKS_KEY_TYPE_ED25519)
    return load_by_type(data, len, type, why);

  CacheEntry probe = {.type = type, .der = der};
  DksPublicKey *key = NULL;
  char *reason = NULL;

  g_mutex_lock(&cache_lock);
  if (cache == NULL)
    cache = g_hash_table_new_full(cache_entry_hash, cache_entry_equal,
                                  cache_entry_free, NULL);
  CacheEntry *found = g_hash_table_lookup(cache, &probe);
  if (found != NULL) {
    g_queue_unlink(&cache_use, &found->use);
  } else {
    found = g_new0(CacheEntry, 1);
    found->type = type;
    found->der = g_bytes_new(data, len);
    found->key = decode(data, len, type, &found->why);
    found->use.data = found;
    if (g_hash_table_size(cache) >= DKS_MAX_CACHED_KEYS)
      cache_evict_one();
    g_hash_table_add(cache, found);
  }
  g_queue_push_tail_link(&cache_use, &found->use);
  key = dks_public_key_ref(found->key);
  if (key == NULL && why != NULL)
    reason = g_strdup(found->why);
  g_mutex_unlock(&cache_lock);

  if (why != NULL && key == NULL)
    *why = reason;
  return key;
}

guint
dks_public_key_decode_count(void)
{
  return (guint)g_atomic_int_get(&decode_count);
}

void
dks_public_key_cache_clear(void)
{
  g_mutex_lock(&cache_lock);
  if (cache != NULL)
    g_hash_table_remove_all(cache); /* frees the entries, links and all */
  g_queue_init(&cache_use);
  g_mutex_unlock(&cache_lock);
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
  return key != NULL ? g_strdup(key->fingerprint) : NULL;
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
    if (md_sha256() == NULL ||
        EVP_Digest(data, len, digest, &digest_len, md_sha256(), NULL) != 1) {
      ERR_clear_error();
      return FALSE;
    }
    return digest_verify(key->pkey, NULL, sig, sig_len, digest, digest_len);
  }
  /* RFC 8017 §8.2.2 step 1: an RSA signature is exactly as long as the
   * modulus (python3-dkim insists on it too). */
  if (sig_len != (gsize)EVP_PKEY_get_size(key->pkey))
    return FALSE;
  const EVP_MD *md = hash == DKS_HASH_SHA1 ? md_sha1() : md_sha256();
  if (md == NULL)
    return FALSE;
  return digest_verify(key->pkey, md, sig, sig_len, data, len);
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
