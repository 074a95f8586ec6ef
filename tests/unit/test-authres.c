/* test-authres.c — Authentication-Results (RFC 8601) and
 * ARC-Authentication-Results (RFC 8617): real receivers' fields and hostile
 * ones. */
#include <glib.h>
#include <string.h>

#include "parse/authres.h"
#include "parse/finding.h"
#include "parse/message.h"
#include "testutil.h"

static void
append_field(GString *out, const char *name, const char *value)
{
  if (value != NULL)
    g_string_append_printf(out, " %s=%s", name, value);
}

/* "dkim=pass d=example.com s=s1 (comment) props=3; spf=..." */
static char *
summarize(const DksAuthResults *ar)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < ar->results->len; i++) {
    const DksAuthResult *r = g_ptr_array_index(ar->results, i);
    if (i > 0)
      g_string_append(out, "; ");
    g_string_append(out, r->method);
    if (r->method_version != NULL)
      g_string_append_printf(out, "/%s", r->method_version);
    g_string_append_printf(out, "=%s", r->result);
    append_field(out, "d", r->header_d);
    append_field(out, "s", r->header_s);
    append_field(out, "i", r->header_i);
    append_field(out, "b", r->header_b);
    append_field(out, "a", r->header_a);
    append_field(out, "from", r->header_from);
    append_field(out, "mailfrom", r->smtp_mailfrom);
    append_field(out, "reason", r->reason);
    if (r->comment != NULL)
      g_string_append_printf(out, " (%s)", r->comment);
    g_string_append_printf(out, " props=%u", r->props->len);
  }
  return g_string_free(out, FALSE);
}

typedef struct {
  const char *name;
  const char *value;
  gssize len;            /* -1: strlen */
  gboolean arc;
  const char *authserv;  /* NULL: none */
  guint version, instance;
  gboolean no_result;
  const char *summary;
  guint problems;        /* WARNING + ERROR findings */
  const char *finding;   /* substring of some finding, or NULL */
} ArCase;

static void
ar_one(const ArCase *c)
{
  gsize len = c->len < 0 ? strlen(c->value) : (gsize)c->len;
  g_autoptr(DksAuthResults) ar = dks_authres_parse(c->value, len, c->arc);
  g_assert_nonnull(ar);
  log_findings(ar->findings);
  g_autofree char *summary = summarize(ar);
  g_test_message("  summary: %s", summary);
  g_assert_cmpstr(ar->authserv_id, ==, c->authserv);
  g_assert_cmpuint(ar->version, ==, c->version);
  g_assert_cmpuint(ar->arc_instance, ==, c->instance);
  g_assert_cmpint(ar->arc, ==, c->arc);
  g_assert_cmpint(ar->no_result, ==, c->no_result);
  g_assert_cmpstr(summary, ==, c->summary);
  g_assert_cmpuint(count_problems(ar->findings), ==, c->problems);
  if (c->finding != NULL)
    g_assert_true(findings_mention(ar->findings, c->finding));
  /* no string handed out may hold a control octet */
  for (guint i = 0; i < ar->results->len; i++) {
    const DksAuthResult *r = g_ptr_array_index(ar->results, i);
    for (guint j = 0; j < r->props->len; j++) {
      const char *prop = g_ptr_array_index(r->props, j);
      for (const char *s = prop; *s != '\0'; s++)
        g_assert_true((guchar)*s >= 0x20 || *s == '\t');
    }
  }
}

#define NUL_FIELD " mx.example.net; dkim=pa\0ss header.d=exa\0mple.com"

static const ArCase ar_cases[] = {
  { "gmail",
    " mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=s1 "
    "header.b=AbCd;\r\n       spf=pass (google.com: domain of bounce@example.com "
    "designates 192.0.2.1 as permitted sender) smtp.mailfrom=bounce@example.com;\r\n"
    "       dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.com",
    -1, FALSE, "mx.google.com", 0, 0, FALSE,
    "dkim=pass s=s1 i=@example.com b=AbCd props=3; "
    "spf=pass mailfrom=bounce@example.com (google.com: domain of bounce@example.com "
    "designates 192.0.2.1 as permitted sender) props=1; "
    "dmarc=pass from=example.com (p=REJECT sp=REJECT dis=NONE) props=1",
    0, NULL },
  { "gmail arc",
    " mx.google.com;\r\n       dkim=pass header.i=@example.com header.s=20230601 "
    "header.b=\"Xy/+Z=\";\r\n       arc=pass (i=1 spf=pass spfdomain=example.com "
    "dkim=pass dkdomain=example.com dmarc=pass fromdomain=example.com);\r\n"
    "       spf=pass (google.com: domain of a@example.com designates 2001:db8::1 as "
    "permitted sender) smtp.mailfrom=a@example.com",
    -1, FALSE, "mx.google.com", 0, 0, FALSE,
    "dkim=pass s=20230601 i=@example.com b=Xy/+Z= props=3; "
    "arc=pass (i=1 spf=pass spfdomain=example.com dkim=pass dkdomain=example.com "
    "dmarc=pass fromdomain=example.com) props=0; "
    "spf=pass mailfrom=a@example.com (google.com: domain of a@example.com designates "
    "2001:db8::1 as permitted sender) props=1",
    0, NULL },
  { "microsoft 365, no authserv-id",
    " spf=pass (sender IP is 192.0.2.1)\r\n smtp.mailfrom=example.com; dkim=fail "
    "(signature did not verify)\r\n header.d=example.com;dmarc=fail action=quarantine\r\n"
    " header.from=example.com;compauth=fail reason=000",
    -1, FALSE, NULL, 0, 0, FALSE,
    "spf=pass mailfrom=example.com (sender IP is 192.0.2.1) props=1; "
    "dkim=fail d=example.com (signature did not verify) props=1; "
    "dmarc=fail from=example.com props=2; compauth=fail reason=000 props=0",
    1, "Microsoft 365" },
  { "microsoft 365 arc",
    " i=1; mx.microsoft.com 1; spf=pass\r\n smtp.mailfrom=example.com; dmarc=pass\r\n"
    " action=none header.from=example.com; dkim=pass\r\n header.d=example.com; arc=none",
    -1, TRUE, "mx.microsoft.com", 1, 1, FALSE,
    "spf=pass mailfrom=example.com props=1; dmarc=pass from=example.com props=2; "
    "dkim=pass d=example.com props=1; arc=none props=0",
    0, NULL },
  { "microsoft dkim none",
    " spf=none (sender IP is 192.0.2.7) smtp.mailfrom=example.org; dkim=none "
    "(message not signed) header.d=none;dmarc=none action=none header.from=example.org;",
    -1, FALSE, NULL, 0, 0, FALSE,
    "spf=none mailfrom=example.org (sender IP is 192.0.2.7) props=1; "
    "dkim=none d=none (message not signed) props=1; "
    "dmarc=none from=example.org props=2",
    1, NULL },
  { "gateway invalid public key",
    " mx.example.net; dkim=fail (invalid public key) header.d=example.com "
    "header.i=@example.com header.b=\"AbCd+/=\"",
    -1, FALSE, "mx.example.net", 0, 0, FALSE,
    "dkim=fail d=example.com i=@example.com b=AbCd+/= (invalid public key) props=3",
    0, NULL },
  { "proofpoint",
    " ppops.net; spf=pass smtp.mailfrom=bounce@example.com;\r\n\tdkim=pass "
    "header.s=pp1 header.d=example.com;\r\n\tdmarc=pass header.from=example.com",
    -1, FALSE, "ppops.net", 0, 0, FALSE,
    "spf=pass mailfrom=bounce@example.com props=1; dkim=pass d=example.com s=pp1 "
    "props=2; dmarc=pass from=example.com props=1",
    0, NULL },
  { "mimecast",
    " relay.mimecast.com;\r\n\tdkim=pass header.d=example.com header.s=mc1 "
    "header.b=AbCd;\r\n\tdmarc=pass (policy=reject) header.from=example.com;\r\n"
    "\tspf=pass (relay.mimecast.com: domain of bounce@example.com designates "
    "192.0.2.1 as permitted sender) smtp.mailfrom=bounce@example.com",
    -1, FALSE, "relay.mimecast.com", 0, 0, FALSE,
    "dkim=pass d=example.com s=mc1 b=AbCd props=3; dmarc=pass from=example.com "
    "(policy=reject) props=1; spf=pass mailfrom=bounce@example.com "
    "(relay.mimecast.com: domain of bounce@example.com designates 192.0.2.1 as "
    "permitted sender) props=1",
    0, NULL },
  { "rfc 8601 none", " example.org 1; none", -1, FALSE, "example.org", 1, 0, TRUE,
    "", 0, NULL },
  { "rfc 8601 appendix", " example.com;\r\n  auth=pass (cram-md5) "
    "smtp.auth=sender@example.net;\r\n  spf=pass smtp.mailfrom=example.net",
    -1, FALSE, "example.com", 0, 0, FALSE,
    "auth=pass (cram-md5) props=1; spf=pass mailfrom=example.net props=1", 0, NULL },
  { "method version and quoted reason",
    " example.com; dkim/1=pass reason=\"good \\\"signature\\\"\" header.d=example.org",
    -1, FALSE, "example.com", 0, 0, FALSE,
    "dkim/1=pass d=example.org reason=good \"signature\" props=1", 0, NULL },
  { "upper case method and result", " example.com; DKIM=Pass Header.D=example.org",
    -1, FALSE, "example.com", 0, 0, FALSE, "dkim=pass d=example.org props=1", 0, NULL },
  { "version 2", " example.com 2; dkim=pass", -1, FALSE, "example.com", 2, 0, FALSE,
    "dkim=pass props=0", 1, "version 2 is unknown" },
  { "missing semicolon",
    " mx.example.net; dkim=pass header.d=example.com spf=pass smtp.mailfrom=example.com",
    -1, FALSE, "mx.example.net", 0, 0, FALSE,
    "dkim=pass d=example.com props=1; spf=pass mailfrom=example.com props=1",
    1, "want ';' before the 'spf' result" },
  { "unknown methods",
    " mx.example.net; x-foo=bar header.d=example.com; compauth=pass reason=100",
    -1, FALSE, "mx.example.net", 0, 0, FALSE,
    "x-foo=bar d=example.com props=1; compauth=pass reason=100 props=0", 0, NULL },
  { "unregistered result", " mx.example.net; dkim=hardfail", -1, FALSE, "mx.example.net",
    0, 0, FALSE, "dkim=hardfail props=0", 0, "no registered result" },
  { "quoted authserv-id", " \"mx.example.net\"; dkim=pass", -1, FALSE, "mx.example.net",
    0, 0, FALSE, "dkim=pass props=0", 0, NULL },
  { "comments everywhere",
    " (c1) mx.example.net (c2) ; (c3) dkim (c4) = (c5) pass (first) header (c6) . (c7) "
    "d (c8) = (c9) example.com (c10)",
    -1, FALSE, "mx.example.net", 0, 0, FALSE, "dkim=pass d=example.com (first) props=1",
    0, NULL },
  { "nested comment", " mx.example.net; dkim=fail (bad (really (very)) bad) header.d=a.example",
    -1, FALSE, "mx.example.net", 0, 0, FALSE,
    "dkim=fail d=a.example (bad (really (very)) bad) props=1", 0, NULL },
  { "quoted-pairs in a comment", " mx.example.net; dkim=fail (a \\( b \\) c) header.d=x.example",
    -1, FALSE, "mx.example.net", 0, 0, FALSE, "dkim=fail d=x.example (a ( b ) c) props=1",
    0, NULL },
  { "trailing semicolon", " mx.example.net; dkim=pass;", -1, FALSE, "mx.example.net",
    0, 0, FALSE, "dkim=pass props=0", 0, NULL },
  { "no results", " mx.example.net", -1, FALSE, "mx.example.net", 0, 0, FALSE, "", 1,
    "at least one result" },
  { "empty", "", -1, FALSE, NULL, 0, 0, FALSE, "", 1, "empty" },
  { "only CFWS", " \r\n\t(just a comment) ", -1, FALSE, NULL, 0, 0, FALSE, "", 1, "empty" },
  /* hostile */
  { "unterminated comment",
    " mx.example.net; dkim=pass (never closed header.d=example.com", -1, FALSE,
    "mx.example.net", 0, 0, FALSE, "dkim=pass (never closed header.d=example.com) props=0",
    1, "not closed" },
  { "unterminated quoted-string", " mx.example.net; dkim=pass header.b=\"AbCd", -1, FALSE,
    "mx.example.net", 0, 0, FALSE, "dkim=pass b=AbCd props=1", 1, "not closed" },
  { "NUL octets", NUL_FIELD, sizeof(NUL_FIELD) - 1, FALSE,
    "mx.example.net", 0, 0, FALSE, "dkim=pa d=exa props=1", 3, "control octet \\x00" },
  { "8-bit", " mx.ex\xc3\xa4mple.net; dkim=pass header.d=ex\xc3\xa4mple.com "
    "(bad \xff\xfe)", -1, FALSE, "mx.ex\xc3\xa4mple.net", 0, 0, FALSE,
    "dkim=pass d=ex\xc3\xa4mple.com (bad \xff\xfe) props=1", 0, NULL },
  { "8-bit method", " mx.example.net; dk\xc3\xafm=pass; spf=pass", -1, FALSE,
    "mx.example.net", 0, 0, FALSE, "spf=pass props=0", 1, "want a method keyword" },
  { "garbage", " @@@ ;;; === ; dkim", -1, FALSE, NULL, 0, 0, FALSE, "", 4, NULL },
  { "method without result", " mx.example.net; dkim=; spf", -1, FALSE, "mx.example.net",
    0, 0, FALSE, "", 3, "want a result keyword" },
  { "stray words", " mx.example.net; dkim=pass hello header.d=example.com = , \"q\"",
    -1, FALSE, "mx.example.net", 0, 0, FALSE, "dkim=pass d=example.com props=1", 4,
    "want '=' after 'hello'" },
  { "none among results", " mx.example.net; dkim=pass; none", -1, FALSE, "mx.example.net",
    0, 0, TRUE, "dkim=pass props=0", 1, "must stand alone" },
  { "bad version", " mx.example.net 1x; dkim=pass", -1, FALSE, "mx.example.net", 0, 0,
    FALSE, "dkim=pass props=0", 1, "want a version number" },
  { "junk after authserv-id", " mx.example.net junk; dkim=pass", -1, FALSE,
    "mx.example.net", 0, 0, FALSE, "dkim=pass props=0", 1, "want ';' after the authserv-id" },
  /* ARC */
  { "arc i=2", " i=2; lists.example.org; arc=pass; dkim=pass header.d=example.org",
    -1, TRUE, "lists.example.org", 0, 2, FALSE, "arc=pass props=0; dkim=pass d=example.org "
    "props=1", 0, NULL },
  { "arc without i=", " mx.example.net; arc=pass", -1, TRUE, "mx.example.net", 0, 0,
    FALSE, "arc=pass props=0", 1, "want 'i=<1..50>;' first" },
  { "arc i=99", " i=99; mx.example.net; arc=fail", -1, TRUE, "mx.example.net", 0, 0,
    FALSE, "arc=fail props=0", 1, "want an instance from 1 to 50" },
  { "arc i= without ;", " i=1 mx.example.net; arc=pass", -1, TRUE, "mx.example.net", 0, 1,
    FALSE, "arc=pass props=0", 1, "want ';' after i=" },
  { "arc i=huge", " i=99999999999999999999; mx.example.net; arc=pass", -1, TRUE,
    "mx.example.net", 0, 0, FALSE, "arc=pass props=0", 1, NULL },
};

static void
test_cases(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(ar_cases); i++) {
    g_test_message("case: %s", ar_cases[i].name);
    ar_one(&ar_cases[i]);
  }
}

/* 10k semicolons: one finding for all the empty results, the real one kept. */
static void
test_many_semicolons(void)
{
  GString *v = g_string_new(" mx.example.net");
  for (guint i = 0; i < 10000; i++)
    g_string_append_c(v, ';');
  g_string_append(v, " dkim=pass header.d=example.com");
  g_autoptr(DksAuthResults) ar = dks_authres_parse(v->str, v->len, FALSE);
  g_string_free(v, TRUE);
  g_assert_cmpuint(ar->results->len, ==, 1);
  g_assert_cmpuint(ar->findings->len, ==, 1);
  g_assert_true(findings_mention(ar->findings, "9999 empty results"));
}

/* 10k results: capped, and the findings stay capped too. */
static void
test_many_results(void)
{
  GString *v = g_string_new(" mx.example.net");
  for (guint i = 0; i < 10000; i++)
    g_string_append(v, "; dkim=pass header.d=example.com bogus");
  g_autoptr(DksAuthResults) ar = dks_authres_parse(v->str, v->len, FALSE);
  g_string_free(v, TRUE);
  g_assert_cmpuint(ar->results->len, ==, DKS_AUTHRES_MAX_RESULTS);
  g_assert_cmpuint(ar->findings->len, ==, DKS_AUTHRES_MAX_FINDINGS + 1);
  g_assert_true(findings_mention(ar->findings, "more problems in this field"));
}

static void
test_many_props(void)
{
  GString *v = g_string_new(" mx.example.net; dkim=pass");
  for (guint i = 0; i < 1000; i++)
    g_string_append_printf(v, " header.x%u=%u", i, i);
  g_autoptr(DksAuthResults) ar = dks_authres_parse(v->str, v->len, FALSE);
  g_string_free(v, TRUE);
  g_assert_cmpuint(ar->results->len, ==, 1);
  const DksAuthResult *r = g_ptr_array_index(ar->results, 0);
  g_assert_cmpuint(r->props->len, ==, DKS_AUTHRES_MAX_PROPS);
  g_assert_cmpstr(g_ptr_array_index(r->props, 0), ==, "header.x0=0");
  g_assert_cmpuint(count_problems(ar->findings), ==, 1);
}

/* Deep nesting is read to its end (no recursion), reported once. */
static void
test_deep_comment(void)
{
  GString *v = g_string_new(" mx.example.net; dkim=fail ");
  for (guint i = 0; i < 100000; i++)
    g_string_append_c(v, '(');
  for (guint i = 0; i < 100000; i++)
    g_string_append_c(v, ')');
  g_string_append(v, " header.d=example.com");
  g_autoptr(DksAuthResults) ar = dks_authres_parse(v->str, v->len, FALSE);
  g_string_free(v, TRUE);
  g_assert_cmpuint(ar->results->len, ==, 1);
  const DksAuthResult *r = g_ptr_array_index(ar->results, 0);
  g_assert_cmpstr(r->header_d, ==, "example.com");
  g_assert_cmpuint(ar->findings->len, ==, 1);
  g_assert_true(findings_mention(ar->findings, "nests deeper than"));
}

/* Every prefix of a real field parses without over-reading (ASan checks
 * the reads: each prefix is copied into a buffer of exactly its size). */
static void
test_prefixes(void)
{
  const char *field = ar_cases[2].value;
  gsize len = strlen(field);
  for (gsize n = 0; n <= len; n++) {
    char *copy = g_memdup2(field, n);
    g_autoptr(DksAuthResults) ar = dks_authres_parse(copy, n, n % 2 == 0);
    g_assert_nonnull(ar);
    g_free(copy);
  }
}

/* Random fields made of the octets the grammar cares about: no crash, no
 * over-read (ASan), and every result has a method and a result. */
static void
test_random(void)
{
  static const char alphabet[] = "dkim=pass; header.d=(x)\"\\ @/.i1\r\n\t\0\xff";
  for (guint round = 0; round < 3000; round++) {
    gsize len = (gsize)g_test_rand_int_range(0, 120);
    char *field = g_malloc(len + 1);
    for (gsize i = 0; i < len; i++)
      field[i] = alphabet[g_test_rand_int_range(0, sizeof alphabet - 1)];
    g_autoptr(DksAuthResults) ar = dks_authres_parse(field, len, round % 2 == 0);
    g_free(field);
    for (guint i = 0; i < ar->results->len; i++) {
      const DksAuthResult *r = g_ptr_array_index(ar->results, i);
      g_assert_nonnull(r->method);
      g_assert_nonnull(r->result);
    }
    g_assert_cmpuint(ar->findings->len, <=, DKS_AUTHRES_MAX_FINDINGS + 1);
  }
}

static void
test_find(void)
{
  const char *field =
    " mx.example.net; dkim=fail header.d=example.com; dkim=pass header.d=Example.NET";
  g_autoptr(DksAuthResults) ar = dks_authres_parse(field, strlen(field), FALSE);
  g_assert_cmpuint(ar->results->len, ==, 2);
  const DksAuthResult *r = dks_authres_find(ar, "dkim", "example.net");
  g_assert_nonnull(r);
  g_assert_cmpstr(r->result, ==, "pass");
  r = dks_authres_find(ar, "DKIM", NULL);
  g_assert_nonnull(r);
  g_assert_cmpstr(r->result, ==, "fail");
  g_assert_null(dks_authres_find(ar, "spf", NULL));
  g_assert_null(dks_authres_find(ar, "dkim", "example.org"));
  g_assert_null(dks_authres_find(NULL, "dkim", NULL));
}

static void
test_parse_all(void)
{
  g_autoptr(DksMessage) msg = message_from(
    "Authentication-Results: mx.example.net; dkim=pass header.d=example.com\r\n"
    "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=arc; b=AAAA\r\n"
    "ARC-Authentication-Results: i=1; lists.example.org;\r\n"
    "\tdkim=fail (body hash did not verify) header.d=example.com\r\n"
    "authentication-results: spf=pass smtp.mailfrom=example.com\r\n"
    "From: a@example.com\r\n"
    "\r\n"
    "body\r\n");
  g_autoptr(GPtrArray) all = dks_authres_parse_all(msg);
  g_assert_cmpuint(all->len, ==, 3);
  const DksAuthResults *a = g_ptr_array_index(all, 0);
  const DksAuthResults *b = g_ptr_array_index(all, 1);
  const DksAuthResults *c = g_ptr_array_index(all, 2);
  g_assert_cmpuint(a->header_index, ==, 0);
  g_assert_false(a->arc);
  g_assert_cmpstr(a->authserv_id, ==, "mx.example.net");
  g_assert_cmpuint(b->header_index, ==, 2);
  g_assert_true(b->arc);
  g_assert_cmpuint(b->arc_instance, ==, 1);
  const DksAuthResult *r = g_ptr_array_index(b->results, 0);
  g_assert_cmpstr(r->comment, ==, "body hash did not verify");
  g_assert_cmpuint(c->header_index, ==, 3);
  g_assert_null(c->authserv_id);
}

static void
test_parse_all_capped(void)
{
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < 100; i++)
    g_string_append_printf(text, "Authentication-Results: mx%u.example.net; none\r\n", i);
  g_string_append(text, "From: a@example.com\r\n\r\nbody\r\n");
  g_autoptr(DksMessage) msg = message_from(text->str);
  g_string_free(text, TRUE);
  g_autoptr(GPtrArray) all = dks_authres_parse_all(msg);
  g_assert_cmpuint(all->len, ==, DKS_AUTHRES_MAX_FIELDS);
  const DksAuthResults *last = g_ptr_array_index(all, all->len - 1);
  g_assert_cmpstr(last->authserv_id, ==, "mx63.example.net");
  g_assert_true(findings_mention(last->findings, "36 more Authentication-Results"));
  const DksAuthResults *first = g_ptr_array_index(all, 0);
  g_assert_cmpuint(first->findings->len, ==, 0);
}

static void
test_free_null(void)
{
  dks_authres_free(NULL);
  g_autoptr(GPtrArray) all = dks_authres_parse_all(NULL);
  g_assert_cmpuint(all->len, ==, 0);
  g_autoptr(DksAuthResults) ar = dks_authres_parse(NULL, 5, FALSE);
  g_assert_cmpuint(ar->results->len, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/authres/cases", test_cases);
  g_test_add_func("/authres/many-semicolons", test_many_semicolons);
  g_test_add_func("/authres/many-results", test_many_results);
  g_test_add_func("/authres/many-props", test_many_props);
  g_test_add_func("/authres/deep-comment", test_deep_comment);
  g_test_add_func("/authres/prefixes", test_prefixes);
  g_test_add_func("/authres/random", test_random);
  g_test_add_func("/authres/find", test_find);
  g_test_add_func("/authres/parse-all", test_parse_all);
  g_test_add_func("/authres/parse-all-capped", test_parse_all_capped);
  g_test_add_func("/authres/free-null", test_free_null);
  return g_test_run();
}
