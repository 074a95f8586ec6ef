/* test-crypto.c — verify/crypto.c: loading keys from p=, verifying RSA and
 * Ed25519 signatures, and never leaving errors in OpenSSL's queue.
 *
 * Vectors: the RFC 8463 Appendix A keys and signatures (over the header hash
 * input python3-dkim computes for the Appendix A.3 message), plus keys and
 * signatures made once with the openssl CLI over DATA:
 *   openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024
 *   openssl dgst -sha256|-sha1 -sign key.pem data
 *   openssl rsa -RSAPublicKey_out -outform DER      (the PKCS#1 form)
 *   openssl genpkey -algorithm ED25519; openssl dgst -sha256 -binary data
 *     | openssl pkeyutl -sign -rawin             (PureEd25519 over the hash)
 *   openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256
 * and, for opening b=, with the fixture key tests/fixtures/keys/rsa1024.pem
 * (published as s1024._domainkey.example.com) over the same DATA:
 *   openssl dgst -sha256|-sha512 -sign rsa1024.pem data
 *   openssl pkeyutl -decrypt -inkey rsa1024.pem -pkeyopt rsa_padding_mode:none
 *     (raw RSA with the private key: a hand-made 128-octet block in, the
 *     "signature" that opens to it out)
 * and a 496-bit key, which OpenSSL 3 refuses to generate, made with Python
 * integers (two random probable primes, e = 65537) with a SHA-1 PKCS#1
 * v1.5 signature over DATA; `openssl dgst -sha1 -verify` accepts it. */
#include <string.h>
#include <openssl/err.h>

#include "parse/limits.h"
#include "verify/crypto.h"

/* ---- RFC 8463 Appendix A ------------------------------------------------ */

#define RFC8463_ED25519_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RFC8463_RSA_P \
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR" \
  "6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6l" \
  "HvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
/* The same Ed25519 key wrapped in a 44-octet SubjectPublicKeyInfo. */
#define RFC8463_ED25519_SPKI "MCowBQYDK2VwAyEA11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="

#define RFC8463_HEADERS_COMMON                                               \
  "from:Joe SixPack <joe@football.example.com>\r\n"                          \
  "to:Suzie Q <suzie@shopping.example.net>\r\n"                              \
  "subject:Is dinner ready?\r\n"                                             \
  "date:Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"                           \
  "message-id:<20030712040037.46341.5F8J@football.example.com>\r\n"

static const char rfc8463_ed25519_input[] = RFC8463_HEADERS_COMMON
  "dkim-signature:v=1; a=ed25519-sha256; c=relaxed/relaxed; "
  "d=football.example.com; i=@football.example.com; q=dns/txt; s=brisbane; "
  "t=1528637909; h=from : to : subject : date : message-id : from : subject "
  ": date; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=";
#define RFC8463_ED25519_B \
  "/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11BusFa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw=="

static const char rfc8463_rsa_input[] = RFC8463_HEADERS_COMMON
  "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; "
  "d=football.example.com; i=@football.example.com; q=dns/txt; s=test; "
  "t=1528637909; h=from : to : subject : date : message-id : from : subject "
  ": date; bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=; b=";
#define RFC8463_RSA_B \
  "F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3DhCVlUrSjV4BwcVcOF6+" \
  "FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2JzdA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEF" \
  "E4LjFYNcUxZQ4FADY+8="

/* ---- made with the openssl CLI ------------------------------------------ */

static const char DATA[] = "fixed data for dkimscope crypto tests\r\n";

#define RSA1024_SPKI \
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDQEyhzTCpubPXVUdEfTi8qtRdypckHOLtoR5Fc" \
  "krABzeYNiaoP+VMh1TjAe8zoojBRIIYAQW3tbLC1zq1NB/e627/seVE95c/dKMPQDsB5ZstyB3Xy" \
  "vrKJ1bnnI+On2RJZhyqRK+rH7WSuXLh2T57+RftFpHIon2Lp0ZvE1qOejwIDAQAB"
#define RSA1024_PKCS1 \
  "MIGJAoGBANATKHNMKm5s9dVR0R9OLyq1F3KlyQc4u2hHkVySsAHN5g2Jqg/5UyHVOMB7zOiiMFEg" \
  "hgBBbe1ssLXOrU0H97rbv+x5UT3lz90ow9AOwHlmy3IHdfK+sonVuecj46fZElmHKpEr6sftZK5c" \
  "uHZPnv5F+0WkciifYunRm8TWo56PAgMBAAE="
#define RSA1024_SPKI_SHA256 \
  "1c54c4b12f2932b2df804f583f5d1dc63831128ad45c993e8050d1e123ef9ffe"
#define RSA1024_SIG_SHA256 \
  "KAt4ZnZCEXk9CZdy8tCrxcQaDRNTAax8V2jcMcrD4HCctJiJzLTeE3ONKYZXz+7PxRLdrgJ5rX1J" \
  "f8Lr8lFNai+mjUB+ezerO/IQeIFpMWMKOjIVhMhU+6B6SEJBT8hJc3nqUH0MDvNwrzKU3YcdOLwQ" \
  "VkWqwTSB0DqlxOcjkUA="
#define RSA1024_SIG_SHA1 \
  "twbJ9K9wHJ6RNZhp0Rno1RM7sHa8VJx+357FHNM7WEVQ6VSPfb6TSS4ML3lt+LJBS4wg0W4oWUIp" \
  "63k83Lp8osCO+gFnTu+73KxYtx6HijfGXJTLwD6aKmYeyi6Xz/Xzq+BbqbkBg42nKw2kwAJkTdwq" \
  "LsUCh7Z9LXb4lz9zMQI="
#define RSA512_SPKI \
  "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKyLn8ZRRb//Mze0vn4x+6sVqip3q7sm96GKrbeVSTTE" \
  "t6v5FYUkTeMfB9Ungp2rqkfn0PLbDkJsOGy6o0ziawUCAwEAAQ=="
#define ED25519_RAW "VWXwKsM7kNe0PZ23JNAxTSPGJWqRbtZq+kOHqC7rKjg="
#define ED25519_RAW_SHA256 \
  "80a9a62883bde8189202ca78d2e30faa498b4a0fd2225a42042dcdc537bfee15"
#define ED25519_SIG \
  "xLWEKl4nZ712GZDwbF8SFxgd0Y6uD2ImKZPpCYjDh28eo6BmVYAxES1vlhpbMVqYsiDHgvaryyp+" \
  "VjuplTylCQ=="
#define EC_P256_SPKI \
  "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEATDaZv+kjR9uKuqXXRYTudmwd90PmY6U8bKsjyB9" \
  "ze4tl47kfqT/kY8isRE4IcHIL1Q4yypI4hcfZo+ETOUFSA=="

/* ---- made with the fixture key rsa1024.pem -------------------------------- */

#define FIXTURE_RSA1024_SPKI \
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDXVXxqDVsJaPNuIGb+G+eiDbyGttULNsl8jtE9" \
  "DDSyZHv2ttKi5paoLaXHroVff49NOYuAW/NxPpXzugG9jPEsCLXKd8JkHPFtazO7BCbbZ5SfuZoN" \
  "8Vu0qhHibNtpN5TZ5GvexKcmK/UFEcSCKjCJ0mz6Z6c8gjWms/9Nn2D41QIDAQAB"
#define FIXTURE_RSA1024_SIG_SHA256 \
  "x+N4W9Pr3gGlAWa21t+ejklgdvduH2tHDOn0j7zSehtehQrXoA28hExmCesHByXiTy7lgOHY7xCu" \
  "0qWvF5LEzrWrjd54Am0X2ahn3xg8/JfnV8rH7E1a3sj5knuxVO6HZoFsAYKgPlPr550jdvVeCQQg" \
  "KvxWIjZAyxpmvMXxb2Y="
/* a well-formed block, but of SHA-512, which DKIM never signs with */
#define FIXTURE_RSA1024_SIG_SHA512 \
  "RFbFCls6PefoPkTglKAbeftnxs2TDkMQws9/InEtg78groN9xYf9eyKmf9fY63QO6KHqTRgD6REX" \
  "Iv8oH6/IawNBpH6GqkkYnIG9796yCr9T6bfo97C9WS/vkBgmFtVnL5vxO5uI2+Vx16iK569osAwY" \
  "znRZxIh/mXfELihF7uM="
/* opens to 00 02 FF*74 00 DigestInfo(SHA-256) SHA-256(DATA): block type 2 */
#define FIXTURE_RSA1024_BLOCK_TYPE_2 \
  "fKMXVnOBxHuUOWNgCdyo4Gbp1MkPXPa9jYrxCX/cUSzs/Q1/aMb+qHLpx39MbRHVTZKYhqd8oGly" \
  "8pIElNMSsqXTAUdBalh7TcAESf0gTm0yB8v8qUmC+F2CIQT+pnYz9g0owCtB4V2wTM4lEfqO8ROh" \
  "R9sTSEBNSAaDeXvyUSg="
/* opens to 00 01 FF*74 01 DigestInfo(SHA-256) SHA-256(DATA): no 00 after
 * the padding */
#define FIXTURE_RSA1024_NO_SEPARATOR \
  "yXsz9h7Ml3d4The+qYPWShWYGeuICOQ/kMVkErUe4H13qMUBL//3IhjiaqQqMoaTwvD/vuCPP3R/" \
  "UmdTV9apn9mgF0ZQlg6A+XTPILhDFWByPUpHeZ1p/2P60AIBYwA7xXlkzULoKnGG9GAmtAMGWtzi" \
  "AyllD5FXnsMhPty2qVs="
/* 128 octets FF: above any 1024-bit modulus, so no RSA value at all */
#define ALL_FF_128 \
  "////////////////////////////////////////////////////////////////////////////" \
  "////////////////////////////////////////////////////////////////////////////" \
  "//////////////////8="

#define RSA496_SPKI \
  "MFowDQYJKoZIhvcNAQEBBQADSQAwRgI/ALL+jfk+7owfKxkzPUjn5dag6i+3yf7qCcvLCTPcJGzW" \
  "/QwiwmOgpZRA0JeymN1H7L9ZvMHmnoH9bX/7F1ctAgMBAAE="
#define RSA496_SIG_SHA1 \
  "Ja2O+tswjEDVMibbKHCZG/xLMJgCt0sJWhJLqKXLs6ENkJmNrqmfP0zvOxutkKQKcnVzwjtTuSIg" \
  "lPpElTk="

/* The digests the blocks must carry (Python hashlib over DATA, and over
 * rfc8463_rsa_input). */
#define DATA_SHA256 "7284a66ab1e7a9cf6d50b8a6f4c9351af9a0bfb49682b2711a78b05a8985d50a"
#define DATA_SHA1 "7b6c94b59ff9c11cd4e008304c8afe152f031d09"
#define RFC8463_RSA_INPUT_SHA256 \
  "fed71e6d70fb123bb5c353adc42821b304b6b9d54fc867f304f7c61daaaa1111"

/* ---- helpers ------------------------------------------------------------ */

static GBytes *
b64(const char *text)
{
  gsize len = 0;
  guchar *data = g_base64_decode(text, &len);
  return g_bytes_new_take(data, len);
}

static GBytes *
b64_truncated(const char *text, gsize keep)
{
  g_autoptr(GBytes) full = b64(text);
  g_assert_cmpuint(keep, <, g_bytes_get_size(full));
  return g_bytes_new_from_bytes(full, 0, keep);
}

/* A copy of sig with one bit flipped in its middle octet. */
static GBytes *
flipped(GBytes *sig)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(sig, &len);
  guint8 *copy = g_memdup2(data, len);
  copy[len / 2] ^= 0x01;
  return g_bytes_new_take(copy, len);
}

static void
assert_openssl_queue_empty(void)
{
  g_assert_cmpuint(ERR_peek_error(), ==, 0);
}

/* ---- loading: table-driven ---------------------------------------------- */

typedef struct {
  const char *name;
  const char *p;          /* base64 of the decoded p= */
  gsize truncate_to;      /* 0: whole */
  DksKeyType type;
  gboolean loads;
  DksKeyFormat format;    /* when it loads */
  guint bits;             /* when it loads */
  const char *why_has;    /* substring of *why when it does not load */
  gboolean has_warning;
} LoadCase;

static const LoadCase load_cases[] = {
  { "rfc8463-ed25519", RFC8463_ED25519_P, 0, DKS_KEY_TYPE_ED25519, TRUE,
    DKS_KEY_FORMAT_ED25519_RAW, 256, NULL, FALSE },
  { "rfc8463-rsa", RFC8463_RSA_P, 0, DKS_KEY_TYPE_RSA, TRUE,
    DKS_KEY_FORMAT_SPKI, 1024, NULL, FALSE },
  { "rsa1024-spki", RSA1024_SPKI, 0, DKS_KEY_TYPE_RSA, TRUE,
    DKS_KEY_FORMAT_SPKI, 1024, NULL, FALSE },
  { "rsa1024-pkcs1", RSA1024_PKCS1, 0, DKS_KEY_TYPE_RSA, TRUE,
    DKS_KEY_FORMAT_PKCS1, 1024, NULL, TRUE },
  { "rsa512-bits", RSA512_SPKI, 0, DKS_KEY_TYPE_RSA, TRUE,
    DKS_KEY_FORMAT_SPKI, 512, NULL, FALSE },
  { "ed25519-spki-44", RFC8463_ED25519_SPKI, 0, DKS_KEY_TYPE_ED25519, FALSE,
    0, 0, "44-octet SubjectPublicKeyInfo", FALSE },
  { "ed25519-wrong-length", RFC8463_ED25519_P, 31, DKS_KEY_TYPE_ED25519,
    FALSE, 0, 0, "p= is 31 octets; an Ed25519 key is 32", FALSE },
  { "rsa-key-under-ed25519", RSA1024_SPKI, 0, DKS_KEY_TYPE_ED25519, FALSE,
    0, 0, "p= is 162 octets", FALSE },
  { "ec-key-under-rsa", EC_P256_SPKI, 0, DKS_KEY_TYPE_RSA, FALSE, 0, 0,
    "an EC key, k= says rsa", FALSE },
  { "ed25519-spki-under-rsa", RFC8463_ED25519_SPKI, 0, DKS_KEY_TYPE_RSA,
    FALSE, 0, 0, "an Ed25519 key, k= says rsa", FALSE },
  { "raw-ed25519-under-rsa", RFC8463_ED25519_P, 0, DKS_KEY_TYPE_RSA, FALSE,
    0, 0, "not a DER SubjectPublicKeyInfo", FALSE },
  { "garbage-der", "3q2+7wABAgMEBQYHCAkKCwwNDg8=", 0, DKS_KEY_TYPE_RSA,
    FALSE, 0, 0, "not a DER SubjectPublicKeyInfo", FALSE },
  { "truncated-spki", RSA1024_SPKI, 100, DKS_KEY_TYPE_RSA, FALSE, 0, 0,
    "not a DER SubjectPublicKeyInfo", FALSE },
  { "truncated-pkcs1", RSA1024_PKCS1, 139, DKS_KEY_TYPE_RSA, FALSE, 0, 0,
    "not a DER SubjectPublicKeyInfo", FALSE },
  { "unknown-type", RSA1024_SPKI, 0, DKS_KEY_TYPE_UNKNOWN, FALSE, 0, 0,
    "k= names a key type", FALSE },
};

static void
load_one(const LoadCase *c)
{
  g_autoptr(GBytes) p = c->truncate_to > 0 ? b64_truncated(c->p, c->truncate_to)
                                           : b64(c->p);
  g_autofree char *why = NULL;
  g_autoptr(DksPublicKey) key = dks_public_key_load(p, c->type, &why);

  assert_openssl_queue_empty();
  if (!c->loads) {
    g_assert_null(key);
    g_assert_nonnull(why);
    if (strstr(why, c->why_has) == NULL)
      g_error("%s: why = '%s', want it to contain '%s'", c->name, why,
              c->why_has);
    return;
  }
  if (key == NULL)
    g_error("%s: did not load: %s", c->name, why);
  g_assert_null(why);
  g_assert_cmpint(dks_public_key_type(key), ==, c->type);
  g_assert_cmpint(dks_public_key_format(key), ==, c->format);
  g_assert_cmpuint(dks_public_key_bits(key), ==, c->bits);
  g_assert_cmpint(dks_public_key_warning(key) != NULL, ==, c->has_warning);
}

static void
test_load_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(load_cases); i++)
    load_one(&load_cases[i]);
}

static void
test_load_empty_is_revoked(void)
{
  g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
  g_autofree char *why = NULL;
  g_autofree char *why_null = NULL;

  g_assert_null(dks_public_key_load(empty, DKS_KEY_TYPE_RSA, &why));
  g_assert_nonnull(strstr(why, "revoked"));
  g_assert_null(dks_public_key_load(NULL, DKS_KEY_TYPE_ED25519, &why_null));
  g_assert_nonnull(why_null);
  /* why may be NULL when the caller does not want the explanation */
  g_assert_null(dks_public_key_load(empty, DKS_KEY_TYPE_RSA, NULL));
}

/* Appends one DER TLV with a definite length in the shortest form. */
static void
der_append(GByteArray *out, guint8 tag, const guint8 *content, gsize len)
{
  guint8 head[6] = { tag };
  gsize head_len = 1;

  if (len < 0x80) {
    head[head_len++] = (guint8)len;
  } else {
    guint8 octets = len > 0xffff ? 3 : len > 0xff ? 2 : 1;
    head[head_len++] = 0x80 | octets;
    for (int i = octets - 1; i >= 0; i--)
      head[head_len++] = (guint8)(len >> (8 * i));
  }
  g_byte_array_append(out, head, (guint)head_len);
  g_byte_array_append(out, content, (guint)len);
}

/* An RSA SubjectPublicKeyInfo whose modulus has `bits` bits (not a real
 * key: OpenSSL decodes it without checking primality). */
static GBytes *
rsa_spki_with_bits(guint bits)
{
  static const guint8 rsa_alg[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
                                    0x0d, 0x01, 0x01, 0x01, 0x05, 0x00 };
  static const guint8 exponent[] = { 0x01, 0x00, 0x01 };
  gsize n_len = bits / 8 + 1; /* a leading 0x00 keeps it positive */
  g_autofree guint8 *modulus = g_malloc0(n_len);
  g_autoptr(GByteArray) ints = g_byte_array_new();
  g_autoptr(GByteArray) pk = g_byte_array_new();
  g_autoptr(GByteArray) bitstring = g_byte_array_new();
  g_autoptr(GByteArray) body = g_byte_array_new();
  GByteArray *spki = g_byte_array_new();

  g_assert_cmpuint(bits % 8, ==, 0);
  modulus[1] = 0x80;
  modulus[n_len - 1] = 0x01;
  der_append(ints, 0x02, modulus, n_len);
  der_append(ints, 0x02, exponent, sizeof exponent);
  der_append(pk, 0x30, ints->data, ints->len);
  g_byte_array_append(bitstring, (const guint8 *)"", 1); /* unused bits: 0 */
  g_byte_array_append(bitstring, pk->data, pk->len);
  der_append(body, 0x30, rsa_alg, sizeof rsa_alg);
  der_append(body, 0x03, bitstring->data, bitstring->len);
  der_append(spki, 0x30, body->data, body->len);
  return g_byte_array_free_to_bytes(spki);
}

static void
test_load_rsa_size_cap(void)
{
  g_autoptr(GBytes) at_cap = rsa_spki_with_bits(DKS_MAX_RSA_BITS);
  g_autoptr(GBytes) above = rsa_spki_with_bits(DKS_MAX_RSA_BITS + 8);
  g_autofree char *why = NULL;
  g_autofree char *why_above = NULL;
  g_autoptr(DksPublicKey) key = dks_public_key_load(at_cap, DKS_KEY_TYPE_RSA,
                                                    &why);

  g_assert_nonnull(key);
  g_assert_cmpuint(dks_public_key_bits(key), ==, DKS_MAX_RSA_BITS);
  g_assert_null(dks_public_key_load(above, DKS_KEY_TYPE_RSA, &why_above));
  g_assert_nonnull(strstr(why_above, "16392 bits"));
  assert_openssl_queue_empty();
}

static void
test_load_trailing_octets_warns(void)
{
  g_autoptr(GBytes) spki = b64(RSA1024_SPKI);
  g_autoptr(GByteArray) longer = g_byte_array_new();
  g_autoptr(GBytes) p = NULL;
  g_autoptr(DksPublicKey) key = NULL;

  g_byte_array_append(longer, g_bytes_get_data(spki, NULL),
                      (guint)g_bytes_get_size(spki));
  g_byte_array_append(longer, (const guint8 *)"\0\0\0", 3);
  p = g_bytes_new(longer->data, longer->len);
  key = dks_public_key_load(p, DKS_KEY_TYPE_RSA, NULL);
  g_assert_nonnull(key);
  g_assert_cmpuint(dks_public_key_bits(key), ==, 1024);
  g_assert_nonnull(strstr(dks_public_key_warning(key), "after the end"));
}

/* ---- fingerprints ------------------------------------------------------- */

static void
fingerprint_one(const char *p, DksKeyType type, const char *want)
{
  g_autoptr(GBytes) der = b64(p);
  g_autoptr(DksPublicKey) key = dks_public_key_load(der, type, NULL);
  g_autofree char *fp = NULL;

  g_assert_nonnull(key);
  fp = dks_public_key_fingerprint(key);
  g_assert_cmpstr(fp, ==, want);
}

static void
test_fingerprint(void)
{
  fingerprint_one(RSA1024_SPKI, DKS_KEY_TYPE_RSA, RSA1024_SPKI_SHA256);
  fingerprint_one(ED25519_RAW, DKS_KEY_TYPE_ED25519, ED25519_RAW_SHA256);
  fingerprint_one(RFC8463_ED25519_P, DKS_KEY_TYPE_ED25519,
                  "21fe31dfa154a261626bf854046fd2271b7bed4b6abe45aa58877ef47f9721b9");
  g_assert_null(dks_public_key_fingerprint(NULL));
}

/* ---- verifying: table-driven -------------------------------------------- */

typedef struct {
  const char *name;
  const char *p;
  DksKeyType type;
  DksHash hash;
  const char *data;
  gsize data_len;
  const char *sig;
  gboolean verifies;
} VerifyCase;

#define STR_LEN(s) (s), (sizeof(s) - 1)

static const VerifyCase verify_cases[] = {
  { "rfc8463-ed25519", RFC8463_ED25519_P, DKS_KEY_TYPE_ED25519,
    DKS_HASH_SHA256, STR_LEN(rfc8463_ed25519_input), RFC8463_ED25519_B, TRUE },
  { "rfc8463-rsa-sha256", RFC8463_RSA_P, DKS_KEY_TYPE_RSA, DKS_HASH_SHA256,
    STR_LEN(rfc8463_rsa_input), RFC8463_RSA_B, TRUE },
  /* each signature over the other's header input */
  { "rfc8463-ed25519-other-data", RFC8463_ED25519_P, DKS_KEY_TYPE_ED25519,
    DKS_HASH_SHA256, STR_LEN(rfc8463_rsa_input), RFC8463_ED25519_B, FALSE },
  { "rfc8463-rsa-other-data", RFC8463_RSA_P, DKS_KEY_TYPE_RSA,
    DKS_HASH_SHA256, STR_LEN(rfc8463_ed25519_input), RFC8463_RSA_B, FALSE },
  { "rsa-sha256", RSA1024_SPKI, DKS_KEY_TYPE_RSA, DKS_HASH_SHA256,
    STR_LEN(DATA), RSA1024_SIG_SHA256, TRUE },
  { "rsa-sha1", RSA1024_SPKI, DKS_KEY_TYPE_RSA, DKS_HASH_SHA1, STR_LEN(DATA),
    RSA1024_SIG_SHA1, TRUE },
  { "rsa-pkcs1-key-sha256", RSA1024_PKCS1, DKS_KEY_TYPE_RSA, DKS_HASH_SHA256,
    STR_LEN(DATA), RSA1024_SIG_SHA256, TRUE },
  { "rsa-sha1-sig-checked-as-sha256", RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    DKS_HASH_SHA256, STR_LEN(DATA), RSA1024_SIG_SHA1, FALSE },
  { "rsa-sha256-sig-checked-as-sha1", RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    DKS_HASH_SHA1, STR_LEN(DATA), RSA1024_SIG_SHA256, FALSE },
  { "rsa-wrong-key", RFC8463_RSA_P, DKS_KEY_TYPE_RSA, DKS_HASH_SHA256,
    STR_LEN(DATA), RSA1024_SIG_SHA256, FALSE },
  { "rsa-data-one-octet-short", RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    DKS_HASH_SHA256, DATA, sizeof(DATA) - 2, RSA1024_SIG_SHA256, FALSE },
  { "ed25519", ED25519_RAW, DKS_KEY_TYPE_ED25519, DKS_HASH_SHA256,
    STR_LEN(DATA), ED25519_SIG, TRUE },
  /* an Ed25519 signature is 64 octets; an RSA one here is just wrong */
  { "ed25519-with-rsa-sig", ED25519_RAW, DKS_KEY_TYPE_ED25519,
    DKS_HASH_SHA256, STR_LEN(DATA), RSA1024_SIG_SHA256, FALSE },
  { "ed25519-wrong-key", RFC8463_ED25519_P, DKS_KEY_TYPE_ED25519,
    DKS_HASH_SHA256, STR_LEN(DATA), ED25519_SIG, FALSE },
  { "rsa-with-ed25519-sig", RSA1024_SPKI, DKS_KEY_TYPE_RSA, DKS_HASH_SHA256,
    STR_LEN(DATA), ED25519_SIG, FALSE },
};

static void
verify_one(const VerifyCase *c)
{
  g_autoptr(GBytes) der = b64(c->p);
  g_autoptr(GBytes) sig = b64(c->sig);
  g_autoptr(GBytes) bad = flipped(sig);
  g_autoptr(DksPublicKey) key = dks_public_key_load(der, c->type, NULL);
  gboolean ok;

  g_assert_nonnull(key);
  ok = dks_public_key_verify(key, c->hash, c->data, c->data_len, sig);
  if (ok != c->verifies)
    g_error("%s: verify gave %d, want %d", c->name, ok, c->verifies);
  /* a flipped bit in the signature never verifies */
  g_assert_false(dks_public_key_verify(key, c->hash, c->data, c->data_len,
                                       bad));
  assert_openssl_queue_empty();
}

static void
test_verify_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(verify_cases); i++)
    verify_one(&verify_cases[i]);
}

static void
test_verify_degenerate(void)
{
  g_autoptr(GBytes) der = b64(RSA1024_SPKI);
  g_autoptr(GBytes) sig = b64(RSA1024_SIG_SHA256);
  g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
  g_autoptr(GBytes) short_sig = g_bytes_new_from_bytes(sig, 1, 127);
  g_autoptr(DksPublicKey) key = dks_public_key_load(der, DKS_KEY_TYPE_RSA,
                                                    NULL);

  g_assert_false(dks_public_key_verify(NULL, DKS_HASH_SHA256, STR_LEN(DATA),
                                       sig));
  g_assert_false(dks_public_key_verify(key, DKS_HASH_SHA256, STR_LEN(DATA),
                                       NULL));
  g_assert_false(dks_public_key_verify(key, DKS_HASH_SHA256, STR_LEN(DATA),
                                       empty));
  /* RFC 8017 §8.2.2: a signature shorter than the modulus is invalid */
  g_assert_false(dks_public_key_verify(key, DKS_HASH_SHA256, STR_LEN(DATA),
                                       short_sig));
  g_assert_false(dks_public_key_verify(key, DKS_HASH_SHA256, NULL, 5, sig));
  assert_openssl_queue_empty();
}

/* ---- opening b=: table-driven ------------------------------------------- */

typedef struct {
  const char *name;
  const char *p;              /* NULL: no key */
  DksKeyType type;
  const char *sig;            /* NULL: no signature */
  gsize sig_keep;             /* 0: whole */
  DksSignatureOpening opening;
  DksHash hash;               /* when WELL_FORMED */
  const char *digest;         /* hex, when WELL_FORMED */
} OpenCase;

static const OpenCase open_cases[] = {
  { "rsa-sha256", RSA1024_SPKI, DKS_KEY_TYPE_RSA, RSA1024_SIG_SHA256, 0,
    DKS_OPENING_WELL_FORMED, DKS_HASH_SHA256, DATA_SHA256 },
  { "rsa-sha1", RSA1024_SPKI, DKS_KEY_TYPE_RSA, RSA1024_SIG_SHA1, 0,
    DKS_OPENING_WELL_FORMED, DKS_HASH_SHA1, DATA_SHA1 },
  { "rsa-pkcs1-key", RSA1024_PKCS1, DKS_KEY_TYPE_RSA, RSA1024_SIG_SHA256, 0,
    DKS_OPENING_WELL_FORMED, DKS_HASH_SHA256, DATA_SHA256 },
  { "rfc8463-rsa", RFC8463_RSA_P, DKS_KEY_TYPE_RSA, RFC8463_RSA_B, 0,
    DKS_OPENING_WELL_FORMED, DKS_HASH_SHA256, RFC8463_RSA_INPUT_SHA256 },
  { "fixture-key-sha256", FIXTURE_RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    FIXTURE_RSA1024_SIG_SHA256, 0, DKS_OPENING_WELL_FORMED, DKS_HASH_SHA256,
    DATA_SHA256 },
  { "fixture-key-sha512", FIXTURE_RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    FIXTURE_RSA1024_SIG_SHA512, 0, DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  { "block-type-2", FIXTURE_RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    FIXTURE_RSA1024_BLOCK_TYPE_2, 0, DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  { "no-separator", FIXTURE_RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    FIXTURE_RSA1024_NO_SEPARATOR, 0, DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  { "above-the-modulus", FIXTURE_RSA1024_SPKI, DKS_KEY_TYPE_RSA, ALL_FF_128, 0,
    DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  /* same size, other key: the block is noise */
  { "other-key", RFC8463_RSA_P, DKS_KEY_TYPE_RSA, RSA1024_SIG_SHA256, 0,
    DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  { "fixture-key-other-signer", FIXTURE_RSA1024_SPKI, DKS_KEY_TYPE_RSA,
    RSA1024_SIG_SHA256, 0, DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  /* RFC 8017 §8.2.2: not the modulus size */
  { "one-octet-short", RSA1024_SPKI, DKS_KEY_TYPE_RSA, RSA1024_SIG_SHA256, 127,
    DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  { "ed25519-signature-under-rsa", RSA1024_SPKI, DKS_KEY_TYPE_RSA, ED25519_SIG, 0,
    DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  /* well formed, but a modulus under 64 octets is not looked into */
  { "modulus-too-small", RSA496_SPKI, DKS_KEY_TYPE_RSA, RSA496_SIG_SHA1, 0,
    DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  /* inputs forensics never passes */
  { "no-signature", RSA1024_SPKI, DKS_KEY_TYPE_RSA, NULL, 0,
    DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  { "empty-signature", RSA1024_SPKI, DKS_KEY_TYPE_RSA, "", 0,
    DKS_OPENING_NOT_THIS_KEY, 0, NULL },
  { "no-key", NULL, DKS_KEY_TYPE_RSA, RSA1024_SIG_SHA256, 0,
    DKS_OPENING_NOT_RSA, 0, NULL },
  { "ed25519", ED25519_RAW, DKS_KEY_TYPE_ED25519, ED25519_SIG, 0,
    DKS_OPENING_NOT_RSA, 0, NULL },
  { "rfc8463-ed25519", RFC8463_ED25519_P, DKS_KEY_TYPE_ED25519, RFC8463_ED25519_B,
    0, DKS_OPENING_NOT_RSA, 0, NULL },
};

static void
open_one(const OpenCase *c)
{
  g_autoptr(GBytes) der = c->p != NULL ? b64(c->p) : NULL;
  g_autoptr(GBytes) sig = c->sig == NULL ? NULL
                          : c->sig_keep > 0 ? b64_truncated(c->sig, c->sig_keep)
                                            : b64(c->sig);
  g_autoptr(DksPublicKey) key = der != NULL ? dks_public_key_load(der, c->type, NULL)
                                            : NULL;
  DksSignedDigest got, untouched;
  DksSignatureOpening opening;

  g_assert_true(key != NULL || c->p == NULL);
  memset(&got, 0xa5, sizeof got);
  memset(&untouched, 0xa5, sizeof untouched);
  opening = dks_public_key_open(key, sig, &got);
  assert_openssl_queue_empty();
  if (opening != c->opening)
    g_error("%s: opening %d, want %d", c->name, opening, c->opening);
  if (c->opening != DKS_OPENING_WELL_FORMED) {
    g_assert_cmpmem(&got, sizeof got, &untouched, sizeof untouched);
    return;
  }
  g_autofree char *hex = g_malloc0(got.digest_len * 2 + 1);
  for (gsize i = 0; i < got.digest_len; i++)
    g_snprintf(hex + 2 * i, 3, "%02x", got.digest[i]);
  g_assert_cmpint(got.hash, ==, c->hash);
  g_assert_cmpuint(got.digest_len, ==, dks_hash_size(c->hash));
  if (strcmp(hex, c->digest) != 0)
    g_error("%s: digest %s, want %s", c->name, hex, c->digest);
  /* without a place for the digest the answer is the same */
  g_assert_cmpint(dks_public_key_open(key, sig, NULL), ==, DKS_OPENING_WELL_FORMED);
  /* one flipped bit and the block is noise */
  g_autoptr(GBytes) bad = flipped(sig);
  g_assert_cmpint(dks_public_key_open(key, bad, NULL), ==, DKS_OPENING_NOT_THIS_KEY);
  assert_openssl_queue_empty();
}

static void
test_open_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(open_cases); i++)
    open_one(&open_cases[i]);
}

/* ---- the key cache ------------------------------------------------------ */

/* What one load gave, to hold a later load of the same octets against. */
typedef struct {
  DksPublicKey *key; /* owned */
  char *why;
  char *fingerprint;
} Loaded;

static void
loaded_clear(Loaded *l)
{
  dks_public_key_free(l->key);
  g_free(l->why);
  g_free(l->fingerprint);
}

static Loaded
load_b64(const LoadCase *c)
{
  g_autoptr(GBytes) p = c->truncate_to > 0 ? b64_truncated(c->p, c->truncate_to)
                                           : b64(c->p);
  Loaded l = {0};
  l.key = dks_public_key_load(p, c->type, &l.why);
  l.fingerprint = dks_public_key_fingerprint(l.key);
  return l;
}

/* Every case of the load table, 100 times over from new GBytes each time:
 * decoded at most once (never for a type with nothing to decode), the
 * same key or the same explanation every time. */
static void
test_cache_same_octets_decode_once(void)
{
  dks_public_key_cache_clear();
  for (gsize i = 0; i < G_N_ELEMENTS(load_cases); i++) {
    const LoadCase *c = &load_cases[i];
    guint before = dks_public_key_decode_count();
    Loaded first = load_b64(c);
    for (int n = 0; n < 100; n++) {
      Loaded again = load_b64(c);
      assert_openssl_queue_empty();
      g_assert_true(again.key == first.key);
      g_assert_cmpstr(again.why, ==, first.why);
      g_assert_cmpstr(again.fingerprint, ==, first.fingerprint);
      g_assert_cmpint(dks_public_key_type(again.key), ==, dks_public_key_type(first.key));
      g_assert_cmpint(dks_public_key_format(again.key), ==,
                      dks_public_key_format(first.key));
      g_assert_cmpuint(dks_public_key_bits(again.key), ==, dks_public_key_bits(first.key));
      g_assert_true(dks_public_key_warning(again.key) == dks_public_key_warning(first.key));
      loaded_clear(&again);
      /* without a place for the explanation too */
      g_autoptr(GBytes) p = c->truncate_to > 0 ? b64_truncated(c->p, c->truncate_to)
                                               : b64(c->p);
      g_autoptr(DksPublicKey) quiet = dks_public_key_load(p, c->type, NULL);
      g_assert_true(quiet == first.key);
    }
    guint decodes = dks_public_key_decode_count() - before;
    g_test_message("%s: %u decode(s)", c->name, decodes);
    g_assert_cmpuint(decodes, ==, c->type == DKS_KEY_TYPE_UNKNOWN ? 0 : 1);
    g_assert_cmpint(first.key != NULL, ==, c->loads);
    loaded_clear(&first);
  }
}

/* The same octets under another k=, and other octets: decoded apart. */
static void
test_cache_keys_apart(void)
{
  g_autoptr(GBytes) rsa = b64(RSA1024_SPKI);
  g_autoptr(GBytes) pkcs1 = b64(RSA1024_PKCS1);
  g_autoptr(GBytes) ed = b64(ED25519_RAW);
  g_autofree char *why = NULL;

  dks_public_key_cache_clear();
  guint before = dks_public_key_decode_count();
  g_autoptr(DksPublicKey) a = dks_public_key_load(rsa, DKS_KEY_TYPE_RSA, NULL);
  g_autoptr(DksPublicKey) b = dks_public_key_load(pkcs1, DKS_KEY_TYPE_RSA, NULL);
  g_autoptr(DksPublicKey) c = dks_public_key_load(ed, DKS_KEY_TYPE_ED25519, NULL);
  g_assert_null(dks_public_key_load(rsa, DKS_KEY_TYPE_ED25519, &why));
  g_assert_cmpuint(dks_public_key_decode_count() - before, ==, 4);
  g_assert_true(a != b && b != c && a != c);
  g_assert_cmpint(dks_public_key_format(a), ==, DKS_KEY_FORMAT_SPKI);
  g_assert_null(dks_public_key_warning(a));
  g_assert_cmpint(dks_public_key_format(b), ==, DKS_KEY_FORMAT_PKCS1);
  g_assert_nonnull(dks_public_key_warning(b));
  g_assert_cmpint(dks_public_key_type(c), ==, DKS_KEY_TYPE_ED25519);
  g_assert_nonnull(strstr(why, "p= is 162 octets"));
  /* a reference of its own, dropped apart */
  DksPublicKey *extra = dks_public_key_ref(a);
  g_assert_true(extra == a);
  dks_public_key_free(extra);
  g_assert_null(dks_public_key_ref(NULL));
  dks_public_key_free(NULL);
}

/* An Ed25519 "key" made of i's octets: any 32 octets load. */
static GBytes *
ed25519_numbered(guint i)
{
  guint8 raw[32] = {0};
  for (gsize k = 0; k < sizeof raw; k++)
    raw[k] = (guint8)(k * 7 + 1);
  memcpy(raw, &i, sizeof i);
  return g_bytes_new(raw, sizeof raw);
}

static char *
sha256_of(GBytes *bytes)
{
  return g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, bytes);
}

/* Past DKS_MAX_CACHED_KEYS: every load still right, a key held from before
 * the cache filled still verifies, and the cache holds no more than its
 * cap (a second pass over cap + 100 keys decodes at least 100 again). */
static void
test_cache_cap(void)
{
  const guint n = DKS_MAX_CACHED_KEYS + 100;
  g_autoptr(GBytes) der = b64(ED25519_RAW);
  g_autoptr(GBytes) sig = b64(ED25519_SIG);

  dks_public_key_cache_clear();
  g_autoptr(DksPublicKey) held = dks_public_key_load(der, DKS_KEY_TYPE_ED25519, NULL);
  guint before = dks_public_key_decode_count();
  for (int pass = 0; pass < 2; pass++) {
    for (guint i = 0; i < n; i++) {
      g_autoptr(GBytes) p = ed25519_numbered(i);
      g_autofree char *why = NULL;
      g_autoptr(DksPublicKey) key = dks_public_key_load(p, DKS_KEY_TYPE_ED25519, &why);
      if (key == NULL)
        g_error("key %u: %s", i, why);
      g_autofree char *fp = dks_public_key_fingerprint(key);
      g_autofree char *want = sha256_of(p);
      g_assert_cmpstr(fp, ==, want);
      /* a failure per key too, cached beside them */
      g_autoptr(GBytes) cut = g_bytes_new_from_bytes(p, 0, 31);
      g_autofree char *cut_why = NULL;
      g_assert_null(dks_public_key_load(cut, DKS_KEY_TYPE_ED25519, &cut_why));
      g_assert_nonnull(strstr(cut_why, "p= is 31 octets"));
    }
    guint decodes = dks_public_key_decode_count() - before;
    g_test_message("pass %d: %u decodes", pass + 1, decodes);
    if (pass == 0)
      g_assert_cmpuint(decodes, ==, 2 * n);
    else
      g_assert_cmpuint(decodes, >=, 2 * n + 2 * (n - DKS_MAX_CACHED_KEYS));
  }
  g_assert_true(dks_public_key_verify(held, DKS_HASH_SHA256, STR_LEN(DATA), sig));
  dks_public_key_cache_clear();
}

/* A key that recurs among many one-off keys stays cached: the one used
 * longest ago goes first. */
static void
test_cache_keeps_recurring(void)
{
  g_autoptr(GBytes) hot = b64(RSA1024_SPKI);

  dks_public_key_cache_clear();
  guint before = dks_public_key_decode_count();
  for (guint i = 0; i < 3 * DKS_MAX_CACHED_KEYS; i++) {
    g_autoptr(GBytes) p = ed25519_numbered(i);
    g_autoptr(DksPublicKey) once = dks_public_key_load(p, DKS_KEY_TYPE_ED25519, NULL);
    g_assert_nonnull(once);
    if (i % 100 == 0) {
      g_autoptr(DksPublicKey) key = dks_public_key_load(hot, DKS_KEY_TYPE_RSA, NULL);
      g_assert_cmpuint(dks_public_key_bits(key), ==, 1024);
    }
  }
  g_assert_cmpuint(dks_public_key_decode_count() - before, ==, 3 * DKS_MAX_CACHED_KEYS + 1);
  dks_public_key_cache_clear();
}

/* A key held while the cache is emptied stays usable; the next load
 * decodes again and both keys work. */
static void
test_cache_clear_while_held(void)
{
  g_autoptr(GBytes) der = b64(RSA1024_SPKI);
  g_autoptr(GBytes) sig = b64(RSA1024_SIG_SHA256);

  dks_public_key_cache_clear();
  g_autoptr(DksPublicKey) held = dks_public_key_load(der, DKS_KEY_TYPE_RSA, NULL);
  guint before = dks_public_key_decode_count();
  dks_public_key_cache_clear();
  g_assert_true(dks_public_key_verify(held, DKS_HASH_SHA256, STR_LEN(DATA), sig));
  g_autofree char *fp = dks_public_key_fingerprint(held);
  g_assert_cmpstr(fp, ==, RSA1024_SPKI_SHA256);
  g_autoptr(DksPublicKey) fresh = dks_public_key_load(der, DKS_KEY_TYPE_RSA, NULL);
  g_assert_cmpuint(dks_public_key_decode_count() - before, ==, 1);
  g_assert_true(fresh != held);
  g_assert_true(dks_public_key_verify(fresh, DKS_HASH_SHA256, STR_LEN(DATA), sig));
  dks_public_key_cache_clear();
  dks_public_key_cache_clear(); /* twice, and empty: nothing happens */
  g_assert_true(dks_public_key_verify(held, DKS_HASH_SHA256, STR_LEN(DATA), sig));
}

/* ---- threads ------------------------------------------------------------ */

#define THREADS 4
#define THREAD_ROUNDS 150

typedef struct {
  gboolean clear_too; /* empty the cache now and then as well */
  guint failures;     /* written by the thread */
} ThreadJob;

/* Loads, verifies and opens with the same few keys, again and again. */
static gpointer
thread_main(gpointer data)
{
  ThreadJob *job = data;
  g_autoptr(GBytes) rsa_sig = b64(RSA1024_SIG_SHA256);
  g_autoptr(GBytes) rsa_bad = flipped(rsa_sig);
  g_autoptr(GBytes) ed_sig = b64(ED25519_SIG);
  g_autoptr(GBytes) sha1_sig = b64(RSA1024_SIG_SHA1);

  for (int round = 0; round < THREAD_ROUNDS; round++) {
    g_autoptr(GBytes) rsa = b64(RSA1024_SPKI);
    g_autoptr(GBytes) pkcs1 = b64(RSA1024_PKCS1);
    g_autoptr(GBytes) ed = b64(ED25519_RAW);
    g_autoptr(GBytes) broken = b64_truncated(RSA1024_SPKI, 100);
    g_autofree char *why = NULL;
    g_autoptr(DksPublicKey) a = dks_public_key_load(rsa, DKS_KEY_TYPE_RSA, NULL);
    g_autoptr(DksPublicKey) b = dks_public_key_load(pkcs1, DKS_KEY_TYPE_RSA, NULL);
    g_autoptr(DksPublicKey) c = dks_public_key_load(ed, DKS_KEY_TYPE_ED25519, NULL);
    g_autoptr(DksPublicKey) d = dks_public_key_load(broken, DKS_KEY_TYPE_RSA, &why);
    g_autofree char *fp = dks_public_key_fingerprint(a);
    DksSignedDigest digest;
    gboolean ok = a != NULL && b != NULL && c != NULL && d == NULL &&
      why != NULL && strstr(why, "not a DER SubjectPublicKeyInfo") != NULL &&
      g_strcmp0(fp, RSA1024_SPKI_SHA256) == 0 &&
      dks_public_key_verify(a, DKS_HASH_SHA256, STR_LEN(DATA), rsa_sig) &&
      !dks_public_key_verify(a, DKS_HASH_SHA256, STR_LEN(DATA), rsa_bad) &&
      dks_public_key_verify(a, DKS_HASH_SHA1, STR_LEN(DATA), sha1_sig) &&
      dks_public_key_verify(b, DKS_HASH_SHA256, STR_LEN(DATA), rsa_sig) &&
      dks_public_key_verify(c, DKS_HASH_SHA256, STR_LEN(DATA), ed_sig) &&
      dks_public_key_open(a, rsa_sig, &digest) == DKS_OPENING_WELL_FORMED &&
      digest.hash == DKS_HASH_SHA256 &&
      ERR_peek_error() == 0;
    if (!ok)
      job->failures++;
    if (job->clear_too && round % 10 == 0)
      dks_public_key_cache_clear();
  }
  return NULL;
}

static void
run_threads(ThreadJob *jobs)
{
  GThread *threads[THREADS];
  for (int i = 0; i < THREADS; i++)
    threads[i] = g_thread_new("crypto-test", thread_main, &jobs[i]);
  for (int i = 0; i < THREADS; i++) {
    g_thread_join(threads[i]);
    g_assert_cmpuint(jobs[i].failures, ==, 0);
  }
}

/* Four threads on the same keys: right answers, and each key decoded once
 * however the loads interleave. */
static void
test_cache_threads(void)
{
  ThreadJob jobs[THREADS] = {{0}};

  dks_public_key_cache_clear();
  guint before = dks_public_key_decode_count();
  run_threads(jobs);
  g_assert_cmpuint(dks_public_key_decode_count() - before, ==, 4);
}

/* The same while one thread keeps emptying the cache under the others'
 * hands. */
static void
test_cache_threads_clearing(void)
{
  ThreadJob jobs[THREADS] = {{0}};

  jobs[0].clear_too = TRUE;
  run_threads(jobs);
  dks_public_key_cache_clear();
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/crypto/load/table", test_load_table);
  g_test_add_func("/crypto/load/empty-is-revoked", test_load_empty_is_revoked);
  g_test_add_func("/crypto/load/rsa-size-cap", test_load_rsa_size_cap);
  g_test_add_func("/crypto/load/trailing-octets", test_load_trailing_octets_warns);
  g_test_add_func("/crypto/fingerprint", test_fingerprint);
  g_test_add_func("/crypto/verify/table", test_verify_table);
  g_test_add_func("/crypto/verify/degenerate", test_verify_degenerate);
  g_test_add_func("/crypto/open/table", test_open_table);
  g_test_add_func("/crypto/cache/same-octets-decode-once", test_cache_same_octets_decode_once);
  g_test_add_func("/crypto/cache/keys-apart", test_cache_keys_apart);
  g_test_add_func("/crypto/cache/cap", test_cache_cap);
  g_test_add_func("/crypto/cache/keeps-recurring", test_cache_keeps_recurring);
  g_test_add_func("/crypto/cache/clear-while-held", test_cache_clear_while_held);
  g_test_add_func("/crypto/cache/threads", test_cache_threads);
  g_test_add_func("/crypto/cache/threads-clearing", test_cache_threads_clearing);
  return g_test_run();
}
