/* test-signature.c — DKIM-Signature parsing (RFC 6376 §3.5). */
#include <glib.h>
#include <string.h>

#include "parse/finding.h"
#include "parse/limits.h"
#include "parse/message.h"
#include "parse/signature.h"
#include "testutil.h"

#define BH32 "DD3L33E64/RV0CUJdfGTtPGKU7OPJpo/2LxOdf3k0RI="
#define BH20 "2jmj7l5rSw0yVb/vlWAYkK/YBwk="
#define B    "dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ=="
/* Everything required, well-formed; tests append or replace tags. */
#define GOOD_TAIL "d=example.com; s=sel; h=from:to; bh=" BH32 "; b=" B
#define GOOD "v=1; a=rsa-sha256; " GOOD_TAIL

static DksMessage *
message_with_signature(const char *value)
{
  g_autofree char *text =
    g_strdup_printf("DKIM-Signature: %s\r\nFrom: a@example.com\r\n\r\nbody\r\n", value);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text, strlen(text), &error);
  g_assert_no_error(error);
  return msg;
}

typedef struct {
  const char *name;
  const char *value;     /* the DKIM-Signature field value */
  DksSigProblem problem;
  guint errors;          /* ERROR findings expected */
  const char *finding;   /* substring of some finding, or NULL */
} SigCase;

static void
signature_one(const SigCase *c)
{
  g_autoptr(DksMessage) msg = message_with_signature(c->value);
  g_autoptr(DksSignature) sig = dks_signature_parse(msg, 0, 0);
  g_assert_nonnull(sig);
  for (guint i = 0; i < sig->findings->len; i++)
    g_test_message("  finding: %s",
                   ((DksFinding *)g_ptr_array_index(sig->findings, i))->text);
  g_assert_cmpint(sig->problem, ==, c->problem);
  g_assert_cmpuint(count_level(sig->findings, DKS_FINDING_ERROR), ==, c->errors);
  if (c->finding != NULL)
    g_assert_true(findings_mention(sig->findings, c->finding));
  /* Every ERROR-free signature is OK, and the other way round. */
  g_assert_cmpint(c->errors == 0, ==, c->problem == DKS_SIG_OK);
}

static const SigCase sig_cases[] = {
  { "good", GOOD, DKS_SIG_OK, 0, NULL },
  { "good, trailing ';'", GOOD ";", DKS_SIG_OK, 0, NULL },
  { "good, ed25519", "v=1; a=ed25519-sha256; " GOOD_TAIL, DKS_SIG_OK, 0, NULL },
  { "good, rsa-sha1", "v=1; a=rsa-sha1; d=example.com; s=sel; h=from; bh=" BH20 "; b=" B,
    DKS_SIG_OK, 0, NULL },
  /* required tags */
  { "no v", "a=rsa-sha256; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, "v=: required tag missing" },
  { "no a", "v=1; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, "a=: required tag missing" },
  { "no b", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32, DKS_SIG_SYNTAX, 1,
    "b=: required tag missing" },
  { "no bh", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=" B, DKS_SIG_SYNTAX, 1,
    "bh=: required tag missing" },
  { "no d", "v=1; a=rsa-sha256; s=sel; h=from; bh=" BH32 "; b=" B, DKS_SIG_SYNTAX, 1,
    "d=: required tag missing" },
  { "no s", "v=1; a=rsa-sha256; d=example.com; h=from; bh=" BH32 "; b=" B, DKS_SIG_SYNTAX, 1,
    "s=: required tag missing" },
  { "no h", "v=1; a=rsa-sha256; d=example.com; s=sel; bh=" BH32 "; b=" B, DKS_SIG_SYNTAX, 1,
    "h=: required tag missing" },
  { "not a tag-list", "synerr", DKS_SIG_SYNTAX, 9, "want '=' after tag-name 'synerr'" },
  { "empty field", "", DKS_SIG_SYNTAX, 8, "want a tag=value list" },
  /* v= */
  { "v=0.5", "v=0.5; a=rsa-sha256; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, "draft signature" },
  { "v=2", "v=2; a=rsa-sha256; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, "v=: want '1', have '2'" },
  { "v=1.0", "v=1.0; a=rsa-sha256; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, NULL },
  /* a= */
  { "a=rsa-md5", "v=1; a=rsa-md5; " GOOD_TAIL, DKS_SIG_ALGORITHM, 1, "'rsa-md5' is not an algorithm" },
  { "a=dsa-sha1", "v=1; a=dsa-sha1; " GOOD_TAIL, DKS_SIG_ALGORITHM, 1, NULL },
  { "a=ed448-sha512", "v=1; a=ed448-sha512; " GOOD_TAIL, DKS_SIG_ALGORITHM, 1, NULL },
  { "a=rsa_sha256", "v=1; a=rsa_sha256; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, "want <key type>-<hash>" },
  { "a=rsa-sha-256", "v=1; a=rsa-sha-256; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, NULL },
  { "a=", "v=1; a=; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, NULL },
  { "a=RSA-SHA256", "v=1; a=RSA-SHA256; " GOOD_TAIL, DKS_SIG_OK, 0, "not in lower case" },
  /* b= and bh= */
  { "b= empty", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32 "; b=",
    DKS_SIG_SYNTAX, 1, "b=: want base64, have nothing" },
  { "b= with quote", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32 "; b=QU\"JD",
    DKS_SIG_SYNTAX, 1, "have '\"' at offset 2 of the value" },
  { "bh= short quantum", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=QQ; b=" B,
    DKS_SIG_SYNTAX, 1, "bh=: want base64, have 2 octets" },
  { "bh= wrong length", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH20 "; b=" B,
    DKS_SIG_OK, 0, "want a 32-octet SHA-256 digest, have 20 octets" },
  { "b= folded", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=" BH32
    "; b=dGhpcyBpcyBub3QgYSByZWFs\r\n IHNpZ25hdHVyZQ==", DKS_SIG_OK, 0, NULL },
  /* c= */
  { "c=relaxed", "v=1; a=rsa-sha256; c=relaxed; " GOOD_TAIL, DKS_SIG_OK, 0, NULL },
  { "c=future", "v=1; a=rsa-sha256; c=future; " GOOD_TAIL, DKS_SIG_SYNTAX, 1,
    "c=: want simple or relaxed" },
  { "c=relaxed/future", "v=1; a=rsa-sha256; c=relaxed/future; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, NULL },
  { "c=relaxed/", "v=1; a=rsa-sha256; c=relaxed/; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, NULL },
  { "c=", "v=1; a=rsa-sha256; c=; " GOOD_TAIL, DKS_SIG_SYNTAX, 1, NULL },
  /* d= and s= */
  { "d= empty", "v=1; a=rsa-sha256; d=; s=sel; h=from; bh=" BH32 "; b=" B, DKS_SIG_SYNTAX, 1,
    "d=: want a domain name, have '': it is empty" },
  { "d= with space", "v=1; a=rsa-sha256; d=exa mple.com; s=sel; h=from; bh=" BH32 "; b=" B,
    DKS_SIG_SYNTAX, 1, NULL },
  { "d= trailing dot", "v=1; a=rsa-sha256; d=example.com.; s=sel; h=from; bh=" BH32 "; b=" B,
    DKS_SIG_SYNTAX, 1, "empty label" },
  { "s= empty", "v=1; a=rsa-sha256; d=example.com; s=; h=from; bh=" BH32 "; b=" B,
    DKS_SIG_SYNTAX, 1, "s=: want a selector" },
  { "s= dotted", "v=1; a=rsa-sha256; d=example.com; s=2024.eu_west-1; h=from; bh=" BH32 "; b=" B,
    DKS_SIG_OK, 0, NULL },
  /* h= */
  { "h= without from", "v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; bh=" BH32 "; b=" B,
    DKS_SIG_FROM_NOT_SIGNED, 1, "want From among the signed fields" },
  { "h= FROM upper case", "v=1; a=rsa-sha256; d=example.com; s=sel; h=To:FROM; bh=" BH32 "; b=" B,
    DKS_SIG_OK, 0, NULL },
  { "h= with FWS", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from :\r\n to : subject; bh="
    BH32 "; b=" B, DKS_SIG_OK, 0, NULL },
  { "h= empty entry", "v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; bh=" BH32 "; b=" B,
    DKS_SIG_SYNTAX, 1, "entry 2 is ''" },
  { "h= empty", "v=1; a=rsa-sha256; d=example.com; s=sel; h=; bh=" BH32 "; b=" B,
    DKS_SIG_SYNTAX, 2, NULL },
  /* i= */
  { "i= subdomain", GOOD "; i=user@mail.Example.COM", DKS_SIG_OK, 0, NULL },
  { "i= same domain, no local part", GOOD "; i=@EXAMPLE.com", DKS_SIG_OK, 0, NULL },
  { "i= other domain", GOOD "; i=jon@example.org", DKS_SIG_DOMAIN_MISMATCH, 1,
    "want d= ('example.com') or a subdomain of it as the domain, have 'example.org'" },
  { "i= suffix but not subdomain", GOOD "; i=a@badexample.com", DKS_SIG_DOMAIN_MISMATCH, 1, NULL },
  { "i= parent domain", GOOD "; i=a@com", DKS_SIG_DOMAIN_MISMATCH, 1, NULL },
  { "i= quoted-printable", GOOD "; i==6Along@example=2Ecom", DKS_SIG_OK, 0, NULL },
  { "i= bad escape", GOOD "; i=a=4@example.com", DKS_SIG_SYNTAX, 1, "bad escape at offset 1" },
  { "i= no @", GOOD "; i=example.com", DKS_SIG_SYNTAX, 1, "want [local-part]@domain" },
  { "i= no domain", GOOD "; i=user@", DKS_SIG_SYNTAX, 1, "want a domain after '@'" },
  /* l= */
  { "l=0", GOOD "; l=0", DKS_SIG_OK, 0, NULL },
  { "l= max", GOOD "; l=18446744073709551615", DKS_SIG_OK, 0, NULL },
  { "l= overflow", GOOD "; l=18446744073709551616", DKS_SIG_SYNTAX, 1, "too large" },
  { "l=abc", GOOD "; l=abc", DKS_SIG_SYNTAX, 1, "l=: want digits, have 'abc'" },
  { "l=-1", GOOD "; l=-1", DKS_SIG_SYNTAX, 1, NULL },
  { "l= empty", GOOD "; l=", DKS_SIG_SYNTAX, 1, NULL },
  /* q= */
  { "q=dns/txt", GOOD "; q=dns/txt", DKS_SIG_OK, 0, NULL },
  { "q=DNS/TXT", GOOD "; q=DNS/TXT", DKS_SIG_OK, 0, NULL },
  { "q= list with dns/txt", GOOD "; q=foo/bar:dns/txt:exam/ple", DKS_SIG_OK, 0,
    "query method 'foo/bar' is unknown and ignored" },
  { "q=http", GOOD "; q=http", DKS_SIG_SYNTAX, 1, "want 'dns/txt' among the query methods, have 'http'" },
  { "q=dns/special", GOOD "; q=dns/special", DKS_SIG_SYNTAX, 1, NULL },
  { "q=dns (draft)", GOOD "; q=dns", DKS_SIG_SYNTAX, 1, NULL },
  /* t= and x= */
  { "t and x", GOOD "; t=1672653600; x=1673258400", DKS_SIG_OK, 0, NULL },
  { "x before t", GOOD "; t=1672653600; x=1672653599", DKS_SIG_SYNTAX, 1,
    "x=: want a time after t=" },
  { "x equals t", GOOD "; t=1672653600; x=1672653600", DKS_SIG_OK, 0, "the same time" },
  { "t=abc", GOOD "; t=abc", DKS_SIG_SYNTAX, 1, "t=: want seconds since 1970" },
  { "t= overflow", GOOD "; t=99999999999999999999", DKS_SIG_SYNTAX, 1, "too large" },
  { "x= 13 digits", GOOD "; x=1000000000000", DKS_SIG_OK, 0, "at most 12 digits" },
  /* z= */
  { "z= good", GOOD "; z=From:foo@eng.example.net|To:joe@example.com|\r\n Subject:demo=20run",
    DKS_SIG_OK, 0, NULL },
  { "z= bad entry is a warning", GOOD "; z=From:a|nocolon|Date:=ZZ", DKS_SIG_OK, 0,
    "entry 2 'nocolon'" },
  /* tag-list problems */
  { "duplicate d", GOOD "; d=example.org", DKS_SIG_SYNTAX, 1, "appears twice" },
  { "unknown tag", GOOD "; foo=bar", DKS_SIG_OK, 0, "foo=: unknown tag, ignored" },
  /* problem order: SYNTAX, ALGORITHM, DOMAIN_MISMATCH, FROM_NOT_SIGNED */
  { "algorithm + syntax", "v=1; a=rsa-md5; c=bogus; " GOOD_TAIL, DKS_SIG_SYNTAX, 2, NULL },
  { "domain + algorithm", "v=1; a=rsa-md5; " GOOD_TAIL "; i=a@example.org", DKS_SIG_ALGORITHM, 2,
    NULL },
  { "from + domain", "v=1; a=rsa-sha256; d=example.com; s=sel; h=to; bh=" BH32 "; b=" B
    "; i=a@example.org", DKS_SIG_DOMAIN_MISMATCH, 2, NULL },
  { "all four", "v=1; a=rsa-md5; d=example.com; s=sel; h=to; bh=" BH32 "; b=" B
    "; i=a@example.org; l=x", DKS_SIG_SYNTAX, 4, NULL },
};

static void
test_signature_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(sig_cases); i++) {
    g_test_message("case %s", sig_cases[i].name);
    signature_one(&sig_cases[i]);
  }
}

static void
test_signature_defaults(void)
{
  g_autoptr(DksMessage) msg = message_with_signature(GOOD);
  g_autoptr(DksSignature) sig = dks_signature_parse(msg, 0, 0);
  g_assert_cmpint(sig->problem, ==, DKS_SIG_OK);
  g_assert_cmpint(sig->header_canon, ==, DKS_CANON_SIMPLE);
  g_assert_cmpint(sig->body_canon, ==, DKS_CANON_SIMPLE);
  g_assert_cmpstr(sig->identity, ==, "@example.com");
  g_assert_true(sig->identity_defaulted);
  g_assert_null(sig->query_methods);
  g_assert_false(sig->has_length);
  g_assert_false(sig->has_timestamp);
  g_assert_false(sig->has_expiry);
  g_assert_null(sig->copied_headers);
  g_assert_cmpuint(g_bytes_get_size(sig->bh), ==, 32);
  g_assert_cmpstr(sig->b_text, ==, B);
  g_assert_cmpuint(sig->signed_headers->len, ==, 2);
}

/* Two signatures made by python3-dkim 1.1.4 with throwaway keys (an RSA
 * 1024-bit key and the Ed25519 seed 00 01 .. 1f), clock at 1672653600. */
static const char real_message[] =
  "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/simple; d=example.com;\r\n"
  " i=@example.com; q=dns/txt; s=ed; t=1672653600; h=from : to : subject;\r\n"
  " bh=DD3L33E64/RV0CUJdfGTtPGKU7OPJpo/2LxOdf3k0RI=;\r\n"
  " b=wQtyBAJBwn6txm9YQtYVXyqOkhx3LcasQymBEs8rwPS3/41tNJt7njVveUYJFChOHPzHp\r\n"
  " RQOpkXDo5d07Q3QBw==\r\n"
  "Received: from mx.example.net by mx.example.org; Mon, 2 Jan 2023 10:00:01 +0000\r\n"
  "dkim-signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.com;\r\n"
  " i=alice@mail.example.com; l=12; q=dns/txt; s=sel1; t=1672653600;\r\n"
  " h=from : to : subject : date : message-id;\r\n"
  " bh=DD3L33E64/RV0CUJdfGTtPGKU7OPJpo/2LxOdf3k0RI=;\r\n"
  " b=01k+kaz7XpGWKyAvsyKX5UU1JsEXEiHq6V4yJ8B77ff3Op0M9mm1ghJd+ZH3mNVhUtCPe\r\n"
  " yZh+xwN9t3Z3+bzrqPJ38MwqT/ja3/pjg9Hm4QTz56zt+cuOj+5g1jkr3ZC0q7WTd11edES\r\n"
  " 1YSKLoO5dItHLkm1IgWi6ECQrQAKJ2E=\r\n"
  "From: Alice Example <alice@example.com>\r\n"
  "To: bob@example.net\r\n"
  "Subject: test\r\n"
  "\r\n"
  "Hello Bob.\r\n";

static char *
joined(const GPtrArray *list)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < list->len; i++)
    g_string_append_printf(out, "%s%s", i ? "," : "",
                           (const char *)g_ptr_array_index((GPtrArray *)list, i));
  return g_string_free(out, FALSE);
}

static void
test_signature_real(void)
{
  g_autoptr(DksMessage) msg = dks_message_new_from_data(real_message, sizeof real_message - 1, NULL);
  g_assert_nonnull(msg);
  g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);
  g_assert_cmpuint(sigs->len, ==, 2);

  const DksSignature *ed = g_ptr_array_index(sigs, 0);
  g_assert_cmpuint(ed->index, ==, 0);
  g_assert_cmpuint(ed->header_index, ==, 0);
  g_assert_cmpint(ed->problem, ==, DKS_SIG_OK);
  g_assert_cmpuint(ed->findings->len, ==, 0);
  g_assert_cmpstr(ed->version, ==, "1");
  g_assert_cmpint(ed->algorithm, ==, DKS_ALG_ED25519_SHA256);
  g_assert_cmpstr(ed->algorithm_name, ==, "ed25519-sha256");
  g_assert_cmpint(ed->header_canon, ==, DKS_CANON_RELAXED);
  g_assert_cmpint(ed->body_canon, ==, DKS_CANON_SIMPLE);
  g_assert_cmpstr(ed->domain, ==, "example.com");
  g_assert_cmpstr(ed->selector, ==, "ed");
  g_assert_cmpstr(ed->identity, ==, "@example.com");
  g_assert_false(ed->identity_defaulted);
  g_autofree char *ed_h = joined(ed->signed_headers);
  g_assert_cmpstr(ed_h, ==, "from,to,subject");
  g_assert_cmpuint(g_bytes_get_size(ed->b), ==, 64);
  g_assert_cmpuint(g_bytes_get_size(ed->bh), ==, 32);
  g_assert_cmpstr(ed->b_text, ==,
                  "wQtyBAJBwn6txm9YQtYVXyqOkhx3LcasQymBEs8rwPS3/41tNJt7njVveUYJFChOHPzHp\r\n"
                  " RQOpkXDo5d07Q3QBw==");
  g_assert_cmpstr(ed->bh_text, ==, "DD3L33E64/RV0CUJdfGTtPGKU7OPJpo/2LxOdf3k0RI=");
  g_assert_true(ed->has_timestamp);
  g_assert_cmpint(ed->timestamp, ==, 1672653600);
  g_assert_false(ed->has_expiry);
  g_assert_false(ed->has_length);
  g_assert_cmpstr(ed->query_methods, ==, "dns/txt");
  g_autofree char *ed_key = dks_signature_key_name(ed);
  g_assert_cmpstr(ed_key, ==, "ed._domainkey.example.com");

  const DksSignature *rsa = g_ptr_array_index(sigs, 1);
  g_assert_cmpuint(rsa->index, ==, 1);
  g_assert_cmpuint(rsa->header_index, ==, 2);
  g_assert_cmpint(rsa->problem, ==, DKS_SIG_OK);
  g_assert_cmpint(rsa->algorithm, ==, DKS_ALG_RSA_SHA256);
  g_assert_cmpstr(rsa->identity, ==, "alice@mail.example.com");
  g_assert_true(rsa->has_length);
  g_assert_cmpuint(rsa->length, ==, 12);
  g_assert_cmpuint(g_bytes_get_size(rsa->b), ==, 128); /* 1024-bit key */
  g_autofree char *rsa_h = joined(rsa->signed_headers);
  g_assert_cmpstr(rsa_h, ==, "from,to,subject,date,message-id");
  g_autofree char *rsa_key = dks_signature_key_name(rsa);
  g_assert_cmpstr(rsa_key, ==, "sel1._domainkey.example.com");

  /* Tag offsets count from the first octet of the field value. */
  gsize value_len = 0;
  const char *value = dks_header_value(msg, dks_message_header(msg, 2), &value_len);
  const DksTag *b = dks_tag_list_get(rsa->tags, "b");
  g_assert_cmpuint(b->value_offset + b->value_len, ==, value_len);
  g_assert_cmpmem(value + b->value_offset, b->value_len, b->value, b->value_len);
}

static void
test_signature_fields(void)
{
  g_autoptr(DksMessage) msg = message_with_signature(
    "v=1; a=rsa-sha1; c=simple/relaxed; d=Example.COM; s=s1; h=From:To;\r\n"
    " bh=" BH20 "; b=" B "; i==6Along@Mail.example.com; l=42; q=dns/txt:x/y;\r\n"
    " t=100; x=200; z=From:a=40b|Subject:hello=20world");
  g_autoptr(DksSignature) sig = dks_signature_parse(msg, 0, 7);
  g_assert_cmpint(sig->problem, ==, DKS_SIG_OK);
  g_assert_cmpuint(sig->index, ==, 7);
  g_assert_cmpint(sig->algorithm, ==, DKS_ALG_RSA_SHA1);
  g_assert_cmpint(sig->header_canon, ==, DKS_CANON_SIMPLE);
  g_assert_cmpint(sig->body_canon, ==, DKS_CANON_RELAXED);
  g_assert_cmpstr(sig->domain, ==, "Example.COM");
  g_assert_cmpstr(sig->identity, ==, "jlong@Mail.example.com");
  g_assert_cmpuint(sig->length, ==, 42);
  g_assert_cmpint(sig->timestamp, ==, 100);
  g_assert_cmpint(sig->expiry, ==, 200);
  g_assert_cmpstr(sig->query_methods, ==, "dns/txt:x/y");
  g_autofree char *z = joined(sig->copied_headers);
  g_assert_cmpstr(z, ==, "From:a@b,Subject:hello world");
  g_autofree char *h = joined(sig->signed_headers);
  g_assert_cmpstr(h, ==, "From,To");
}

static void
test_signature_key_name(void)
{
  static const struct {
    const char *s, *d, *want; /* want NULL: refused */
  } cases[] = {
    { "sel", "example.com", "sel._domainkey.example.com" },
    { "2024-01.eu_w", "Mail.Example.com", "2024-01.eu_w._domainkey.Mail.Example.com" },
    { "sel", "", NULL },
    { "", "example.com", NULL },
    { "se l", "example.com", NULL },
    { "sel", "example..com", NULL },
    { "sel", "example.com.", NULL },
    { "sel", "exa\"mple.com", NULL },
    { "sel", "ex\xc3\xa4mple.com", NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *value = g_strdup_printf("v=1; a=rsa-sha256; d=%s; s=%s; h=from; bh=" BH32
                                             "; b=" B, cases[i].d, cases[i].s);
    g_autoptr(DksMessage) msg = message_with_signature(value);
    g_autoptr(DksSignature) sig = dks_signature_parse(msg, 0, 0);
    g_autofree char *name = dks_signature_key_name(sig);
    g_assert_cmpstr(name, ==, cases[i].want);
  }

  /* Labels up to 63 octets, names up to 253. */
  g_autofree char *label63 = g_strnfill(63, 'a');
  g_autofree char *label64 = g_strnfill(64, 'a');
  g_autofree char *long_d = g_strdup_printf("%s.%s.%s.com", label63, label63, label63);
  const char *selectors[] = { label63, label64, "abcdefghij" };
  const gboolean ok[] = { FALSE /* 63 + 12 + 195 > 253 */, FALSE, TRUE };
  for (gsize i = 0; i < G_N_ELEMENTS(selectors); i++) {
    g_autofree char *d = i == 2 ? g_strdup("example.com") : g_strdup(long_d);
    g_autofree char *value = g_strdup_printf("v=1; a=rsa-sha256; d=%s; s=%s; h=from; bh=" BH32
                                             "; b=" B, d, selectors[i]);
    g_autoptr(DksMessage) msg = message_with_signature(value);
    g_autoptr(DksSignature) sig = dks_signature_parse(msg, 0, 0);
    g_autofree char *name = dks_signature_key_name(sig);
    g_assert_cmpint(name != NULL, ==, ok[i]);
  }
  g_autofree char *short_s = g_strdup_printf("v=1; a=rsa-sha256; d=%s; s=a; h=from; bh=" BH32
                                             "; b=" B, long_d);
  g_autoptr(DksMessage) msg = message_with_signature(short_s);
  g_autoptr(DksSignature) sig = dks_signature_parse(msg, 0, 0);
  g_autofree char *name = dks_signature_key_name(sig);
  g_assert_cmpuint(strlen(name), ==, 1 + 12 + strlen(long_d)); /* 1 + 12 + 195 */
  g_assert_null(dks_signature_key_name(NULL));
}

static void
test_signature_parse_all_cap(void)
{
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < DKS_MAX_SIGNATURES + 3; i++)
    g_string_append_printf(text, "DKIM-Signature: " GOOD "; z=From:n%u\r\nX: %u\r\n", i, i);
  g_string_append(text, "From: a@example.com\r\n\r\n");
  g_autoptr(DksMessage) msg = dks_message_new_from_data(text->str, text->len, NULL);
  g_string_free(text, TRUE);
  g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);
  g_assert_cmpuint(sigs->len, ==, DKS_MAX_SIGNATURES);
  for (guint i = 0; i < sigs->len; i++) {
    const DksSignature *sig = g_ptr_array_index(sigs, i);
    g_assert_cmpuint(sig->index, ==, i);
    g_assert_cmpuint(sig->header_index, ==, 2 * i);
    g_autofree char *want = g_strdup_printf("From:n%u", i);
    g_assert_cmpstr(g_ptr_array_index(sig->copied_headers, 0), ==, want);
  }
  g_assert_true(findings_mention(msg->findings, "53 DKIM-Signature fields"));
}

static void
test_signature_misc(void)
{
  g_autoptr(DksMessage) msg = message_with_signature(GOOD);
  g_assert_null(dks_signature_parse(msg, 99, 0));
  g_autoptr(GPtrArray) none = dks_signatures_parse_all(NULL);
  g_assert_cmpuint(none->len, ==, 0);
  dks_signature_free(NULL);
  g_assert_cmpstr(dks_algorithm_name(DKS_ALG_RSA_SHA1), ==, "rsa-sha1");
  g_assert_cmpstr(dks_algorithm_name(DKS_ALG_RSA_SHA256), ==, "rsa-sha256");
  g_assert_cmpstr(dks_algorithm_name(DKS_ALG_ED25519_SHA256), ==, "ed25519-sha256");
  g_assert_cmpstr(dks_algorithm_name(DKS_ALG_UNKNOWN), ==, "unknown");
  g_assert_cmpstr(dks_canon_name(DKS_CANON_SIMPLE), ==, "simple");
  g_assert_cmpstr(dks_canon_name(DKS_CANON_RELAXED), ==, "relaxed");
}

/* ---- the conformance suite's messages --------------------------------- */

static char *
conformance_dir(void)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  g_autofree char *beside = root != NULL
    ? g_build_filename(root, "..", "shared", "conformance", NULL) : NULL;
  const char *candidates[] = { beside, "/work/shared/conformance" };
  for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
    if (candidates[i] == NULL)
      continue;
    g_autofree char *tsv = g_build_filename(candidates[i], "expected.tsv", NULL);
    if (g_file_test(tsv, G_FILE_TEST_IS_REGULAR))
      return g_strdup(candidates[i]);
  }
  return NULL;
}

/* What parsing alone must say of a row, from its expected result and notes:
 * every signature that verifies (pass) or is usable but does not match
 * (fail) must parse cleanly; the pre-RFC 6376 drafts and the suite's
 * "ignore_*" rows are rejected while parsing. */
static int
conformance_expected_problem(const char *file, const char *result, const char *notes)
{
  static const struct {
    const char *file_part;
    DksSigProblem problem;
  } by_file[] = {
    { "ignore_1.eml", DKS_SIG_SYNTAX },    /* v=5 */
    { "ignore_2.eml", DKS_SIG_SYNTAX },    /* rsa-md5, but v=0.5 comes first */
    { "ignore_3.eml", DKS_SIG_SYNTAX },    /* dsa-sha1, but v=0.5 comes first */
    { "ignore_4.eml", DKS_SIG_SYNTAX },    /* c=future (and v=0.5) */
    { "ignore_5.eml", DKS_SIG_SYNTAX },    /* q=http */
    { "ignore_6.eml", DKS_SIG_SYNTAX },    /* q=dns/special */
    { "ignore_7.eml", DKS_SIG_OK },        /* expired: a clock check, not parsing */
    { "ignore_8.eml", DKS_SIG_DOMAIN_MISMATCH },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(by_file); i++) {
    if (strstr(file, by_file[i].file_part) != NULL)
      return by_file[i].problem;
  }
  if (strstr(notes, "pre-RFC 6376") != NULL)
    return DKS_SIG_SYNTAX;
  if (strcmp(result, "pass") == 0 || strcmp(result, "fail") == 0)
    return DKS_SIG_OK;
  return -1; /* decided later (key, DNS): any parse result */
}

static void
test_signature_conformance(void)
{
  g_autofree char *dir = conformance_dir();
  if (dir == NULL) {
    g_test_skip("shared/conformance not found");
    return;
  }
  g_autofree char *tsv_path = g_build_filename(dir, "expected.tsv", NULL);
  g_autofree char *tsv = NULL;
  g_assert_true(g_file_get_contents(tsv_path, &tsv, NULL, NULL));
  g_auto(GStrv) rows = g_strsplit(tsv, "\n", -1);

  guint checked = 0;
  for (guint r = 1; rows[r] != NULL; r++) {
    if (rows[r][0] == '\0')
      continue;
    g_auto(GStrv) col = g_strsplit(rows[r], "\t", -1);
    g_assert_cmpuint(g_strv_length(col), >=, 7);
    g_test_message("row %s #%s", col[0], col[1]);

    g_autofree char *path = g_build_filename(dir, col[0], NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(DksMessage) msg = dks_message_new_from_file(path, &error);
    g_assert_no_error(error);
    g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);

    if (strcmp(col[1], "-") == 0) {
      g_assert_cmpuint(sigs->len, ==, 0);
      checked++;
      continue;
    }
    guint index = (guint)g_ascii_strtoull(col[1], NULL, 10);
    g_assert_cmpuint(index, <, sigs->len);
    const DksSignature *sig = g_ptr_array_index(sigs, index);
    g_assert_cmpstr(sig->domain != NULL ? sig->domain : "-", ==, col[2]);
    g_assert_cmpstr(sig->selector != NULL ? sig->selector : "-", ==, col[3]);

    int want = conformance_expected_problem(col[0], col[4], col[6]);
    if (want >= 0)
      g_assert_cmpint(sig->problem, ==, want);
    checked++;
  }
  g_assert_cmpuint(checked, ==, 94);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/signature/table", test_signature_table);
  g_test_add_func("/signature/defaults", test_signature_defaults);
  g_test_add_func("/signature/real", test_signature_real);
  g_test_add_func("/signature/fields", test_signature_fields);
  g_test_add_func("/signature/key-name", test_signature_key_name);
  g_test_add_func("/signature/parse-all-cap", test_signature_parse_all_cap);
  g_test_add_func("/signature/misc", test_signature_misc);
  g_test_add_func("/signature/conformance", test_signature_conformance);
  return g_test_run();
}
