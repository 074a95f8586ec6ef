/* test-dmarc.c — the From domain, organisational domains (libpsl),
 * alignment, DMARC records, and policy discovery against the offline
 * zones in tests/dmarc/. */
#include <glib.h>
#include <string.h>

#include "parse/finding.h"
#include "verify/dmarc.h"
#include "testutil-run.h"

static DksResolver *resolver;

/* ---- From domain ----------------------------------------------------------- */

typedef struct {
  const char *value;
  gssize len;            /* -1: strlen */
  const char *domain;    /* NULL: none */
  const char *problem;   /* substring of the problem when domain is NULL */
  guint warnings;        /* findings about the field */
} FromCase;

static void
from_one(const FromCase *c)
{
  gsize len = c->len < 0 ? strlen(c->value) : (gsize)c->len;
  g_autoptr(GPtrArray) findings = dks_findings_new();
  g_autofree char *problem = NULL;
  g_autofree char *domain = dks_from_domain(c->value, len, findings, &problem);
  g_test_message("from: '%s' -> %s / %s", c->value, domain, problem);
  log_findings(findings);
  g_assert_cmpstr(domain, ==, c->domain);
  if (c->domain == NULL) {
    g_assert_nonnull(problem);
    g_assert_nonnull(strstr(problem, c->problem));
  } else {
    g_assert_null(problem);
  }
  g_assert_cmpuint(findings->len, ==, c->warnings);
}

#define LONG_LABEL "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" /* 64 */
#define LABEL60 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define NUL_FROM "j@exa\0mple.com"

static const FromCase from_cases[] = {
  { " a@example.com", -1, "example.com", NULL, 0 },
  { " John Doe <John@Example.COM>", -1, "example.com", NULL, 0 },
  { " \"Doe, John\" <j@example.com>", -1, "example.com", NULL, 0 },
  { " Doe, John <j@example.com>", -1, NULL, "(1 without '@': an unquoted ','", 0 },
  { " (comment) j@example.com (another, with comma; and semicolon)", -1, "example.com",
    NULL, 0 },
  { " ((nested) comment) j@example.com", -1, "example.com", NULL, 0 },
  { " \"j@evil.example.net\" <j@example.com>", -1, "example.com", NULL, 0 },
  { " \"Evil <j@evil.example.net>\" <j@example.com>", -1, "example.com", NULL, 0 },
  { " \"quoted@local\"@example.org", -1, "example.org", NULL, 0 },
  { " <@route.example.net:j@example.com>", -1, "example.com", NULL, 0 },
  { " John\r\n Doe\r\n <j@example.com>", -1, "example.com", NULL, 0 },
  /* RFC 8616 §6: as A-labels, with a note that says so */
  { " =?UTF-8?B?SsO2cmc=?= <j@b\xc3\xbc" "cher.example>", -1, "xn--bcher-kva.example",
    NULL, 1 },
  { " J@B\xc3\x9c" "CHER.EXAMPLE", -1, "xn--bcher-kva.example", NULL, 1 },
  { " j@\xe2\x80\xae" "example.com", -1, NULL, "no valid internationalized", 0 },
  { " j@xn--bcher-kva.example", -1, "xn--bcher-kva.example", NULL, 0 },
  { " J@EXAMPLE.COM.", -1, "example.com", NULL, 0 },
  { " Team: a@example.com;", -1, "example.com", NULL, 0 },
  { " Team: a@example.com, b@example.net;", -1, NULL, "2 addresses", 0 },
  { " undisclosed-recipients:;", -1, NULL, "no address", 0 },
  { "", -1, NULL, "no address", 0 },
  { " (only a comment)", -1, NULL, "no address", 0 },
  { " a@example.com, b@example.com", -1, NULL, "2 addresses", 0 },
  { " a@example.com,, ,", -1, "example.com", NULL, 0 },
  { " j@[192.0.2.1]", -1, NULL, "literal", 0 },
  { " j@192.0.2.1", -1, NULL, "IP address", 0 },
  { " j", -1, NULL, "no '@domain'", 0 },
  { " <>", -1, NULL, "no '@domain'", 0 },
  { " j@", -1, NULL, "nothing after '@'", 0 },
  { " j@example..com", -1, NULL, "label of 0 octets", 0 },
  { " j@" LONG_LABEL ".com", -1, NULL, "label of 64 octets", 0 },
  { " j@" LABEL60 "." LABEL60 "." LABEL60 "." LABEL60 ".com", -1, NULL, "too long", 0 },
  { " j@ex!ample.com", -1, NULL, "holds '!'", 0 },
  { " j@exa\xffmple.com", -1, NULL, "not valid UTF-8", 0 },
  { NUL_FROM, sizeof(NUL_FROM) - 1, NULL, "holds '\\x00'", 0 },
  { " \"unterminated <j@example.com>", -1, NULL, "no '@domain'", 1 },
  { " John <j@example.com", -1, "example.com", NULL, 1 },
  { " (unclosed j@example.com", -1, NULL, "no address", 1 },
  { " j@example.com (unclosed", -1, "example.com", NULL, 1 },
};

static void
test_from_domain(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(from_cases); i++)
    from_one(&from_cases[i]);
}

/* Random From values and records: no crash, no over-read (ASan); a
 * domain comes back exactly when no problem does. */
static void
test_random(void)
{
  static const char from_chars[] = "a@b.c<>()\",:;[]\\ \r\n\0\xc3\xbc!";
  static const char record_chars[] = "v=DMARC1;p=rejectsnoua:@!,.0 \0";
  for (guint round = 0; round < 3000; round++) {
    gsize len = (gsize)g_test_rand_int_range(0, 60);
    char *text = g_malloc(len + 1);
    for (gsize i = 0; i < len; i++)
      text[i] = from_chars[g_test_rand_int_range(0, sizeof from_chars - 1)];
    g_autoptr(GPtrArray) findings = dks_findings_new();
    g_autofree char *problem = NULL;
    g_autofree char *domain = dks_from_domain(text, len, findings, &problem);
    g_assert_true((domain == NULL) != (problem == NULL));

    for (gsize i = 0; i < len; i++)
      text[i] = record_chars[g_test_rand_int_range(0, sizeof record_chars - 1)];
    g_autoptr(DksDmarc) dmarc = dks_dmarc_new_for_domain("example.com");
    dks_dmarc_set_record(dmarc, "_dmarc.example.com", text, len, round % 2 == 0);
    g_assert_true(dmarc->status == DKS_DMARC_RECORD || dmarc->status == DKS_DMARC_PERMERROR);
    g_assert_cmpint(dmarc->policy != NULL, ==, dmarc->status == DKS_DMARC_RECORD);
    g_free(text);
  }
}

static void
test_from_message(void)
{
  g_autoptr(DksMessage) one = message_from("Subject: x\r\nFrom: \"A, B\" <a@Sub.Example.COM>\r\n\r\nx\r\n");
  g_autoptr(DksDmarc) d1 = dks_dmarc_new(one);
  g_assert_cmpstr(d1->from_domain, ==, "sub.example.com");
  g_assert_cmpstr(d1->org_domain, ==, "example.com");
  g_assert_null(d1->problem);
  g_assert_cmpint(d1->status, ==, DKS_DMARC_PENDING);
  g_assert_cmpuint(d1->pct, ==, 100);

  g_autoptr(DksMessage) none = message_from("Subject: x\r\nTo: a@example.com\r\n\r\nx\r\n");
  g_autoptr(DksDmarc) d2 = dks_dmarc_new(none);
  g_assert_null(d2->from_domain);
  g_assert_null(d2->org_domain);
  g_assert_nonnull(strstr(d2->problem, "no From field"));

  g_autoptr(DksMessage) two = message_from(
    "From: a@example.com\r\nfrom: b@example.com\r\n\r\nx\r\n");
  g_autoptr(DksDmarc) d3 = dks_dmarc_new(two);
  g_assert_null(d3->from_domain);
  g_assert_nonnull(strstr(d3->problem, "2 From fields"));

  g_autoptr(DksMessage) folded = message_from(
    "From: Someone\r\n\t<someone@example.net> (comment)\r\n\r\nx\r\n");
  g_autoptr(DksDmarc) d4 = dks_dmarc_new(folded);
  g_assert_cmpstr(d4->from_domain, ==, "example.net");

  /* RFC 6532 UTF-8 in the From field: the domain as A-labels, with a note */
  g_autoptr(DksMessage) idn = message_from("From: J\xc3\xbcrgen <j@B\xc3\xbc" "cher.example>"
                                           "\r\n\r\nx\r\n");
  g_autoptr(DksDmarc) d6 = dks_dmarc_new(idn);
  g_assert_cmpstr(d6->from_domain, ==, "xn--bcher-kva.example");
  g_assert_null(d6->problem);
  g_assert_cmpuint(d6->findings->len, ==, 1);
  g_assert_nonnull(strstr(((DksFinding *)g_ptr_array_index(d6->findings, 0))->text,
                          "RFC 8616"));
  g_autoptr(DksMessage) bad = message_from("From: John <j@example.com\r\n\r\nx\r\n");
  g_autoptr(DksDmarc) d5 = dks_dmarc_new(bad);
  g_assert_cmpstr(d5->from_domain, ==, "example.com");
  g_assert_cmpuint(d5->findings->len, ==, 1);
}

/* ---- organisational domains ----------------------------------------------- */

static void
org_one(const char *domain, const char *expected)
{
  g_autofree char *org = dks_org_domain(domain);
  g_test_message("org: %s -> %s", domain, org);
  g_assert_cmpstr(org, ==, expected);
}

static void
test_org_domain(void)
{
  static const struct {
    const char *domain, *org;
  } cases[] = {
    { "a.b.example.co.uk", "example.co.uk" },
    { "example.co.uk", "example.co.uk" },
    { "co.uk", "co.uk" },
    { "sub.example.com", "example.com" },
    { "deep.sub.example.com", "example.com" },
    { "EXAMPLE.COM.", "example.com" },
    { "Mail.Example.Org", "example.org" },
    { "com", "com" },
    { "b\xc3\xbc" "cher.example.com", "example.com" },
    /* RFC 8616 §6: internationalized names as A-labels */
    { "www.b\xc3\xbc" "cher.co.uk", "xn--bcher-kva.co.uk" },
    { "WWW.B\xc3\x9c" "CHER.co.uk", "xn--bcher-kva.co.uk" },
    { "www.xn--bcher-kva.co.uk", "xn--bcher-kva.co.uk" },
    { "192.0.2.1", NULL },
    { "[192.0.2.1]", NULL },
    { "2001:db8::1", NULL },
    { "", NULL },
    { ".", NULL },
    { "exa\xffmple.com", NULL },
    { NULL, NULL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    org_one(cases[i].domain, cases[i].org);
}

/* ---- alignment -------------------------------------------------------------- */

typedef struct {
  const char *from, *d;
  gboolean strict_dkim;
  DksAlignment expected;
} AlignCase;

static void
align_one(const AlignCase *c)
{
  g_autoptr(DksDmarc) dmarc = dks_dmarc_new_for_domain(c->from);
  dmarc->strict_dkim = c->strict_dkim;
  DksAlignment a = dks_dmarc_alignment(dmarc, c->d);
  g_test_message("align: %s / %s (%s) -> %s", c->from, c->d,
                 c->strict_dkim ? "s" : "r", dks_alignment_name(a));
  g_assert_cmpint(a, ==, c->expected);
}

static const AlignCase align_cases[] = {
  { "example.com", "example.com", FALSE, DKS_ALIGN_STRICT },
  { "example.com", "example.com", TRUE, DKS_ALIGN_STRICT },
  { "Example.COM", "EXAMPLE.com.", FALSE, DKS_ALIGN_STRICT },
  { "sub.example.com", "example.com", FALSE, DKS_ALIGN_RELAXED },
  { "sub.example.com", "example.com", TRUE, DKS_ALIGN_NONE },
  { "example.com", "mail.example.com", FALSE, DKS_ALIGN_RELAXED },
  { "a.example.com", "b.example.com", FALSE, DKS_ALIGN_RELAXED },
  { "a.b.example.co.uk", "example.co.uk", FALSE, DKS_ALIGN_RELAXED },
  { "a.example.co.uk", "b.example.co.uk", FALSE, DKS_ALIGN_RELAXED },
  { "example.co.uk", "other.co.uk", FALSE, DKS_ALIGN_NONE },
  { "example.co.uk", "co.uk", FALSE, DKS_ALIGN_NONE },
  { "example.com", "example.net", FALSE, DKS_ALIGN_NONE },
  { "example.com", "notexample.com", FALSE, DKS_ALIGN_NONE },
  { "example.com", "com", FALSE, DKS_ALIGN_NONE },
  { "example.com", NULL, FALSE, DKS_ALIGN_NONE },
  { "example.com", "", FALSE, DKS_ALIGN_NONE },
  { NULL, "example.com", FALSE, DKS_ALIGN_NONE },
  { "192.0.2.1", "192.0.2.1", FALSE, DKS_ALIGN_NONE },
  /* RFC 8616 §6: a U-label From domain against the A-label d= */
  { "b\xc3\xbc" "cher.example", "xn--bcher-kva.example", TRUE, DKS_ALIGN_STRICT },
  { "B\xc3\x9c" "CHER.example", "XN--BCHER-KVA.example", TRUE, DKS_ALIGN_STRICT },
  { "mail.b\xc3\xbc" "cher.example", "xn--bcher-kva.example", FALSE, DKS_ALIGN_RELAXED },
  { "b\xc3\xbc" "cher.example", "bucher.example", FALSE, DKS_ALIGN_NONE },
};

static void
test_alignment(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(align_cases); i++)
    align_one(&align_cases[i]);
  g_assert_cmpint(dks_dmarc_alignment(NULL, "example.com"), ==, DKS_ALIGN_NONE);
  g_assert_cmpint(dks_domain_alignment("example.com", "EXAMPLE.COM"), ==, DKS_ALIGN_STRICT);
  g_assert_cmpint(dks_domain_alignment("x.example.com", "example.com"), ==, DKS_ALIGN_RELAXED);
  g_assert_cmpstr(dks_alignment_name(DKS_ALIGN_NONE), ==, "none");
  g_assert_cmpstr(dks_alignment_name(DKS_ALIGN_RELAXED), ==, "relaxed");
  g_assert_cmpstr(dks_alignment_name(DKS_ALIGN_STRICT), ==, "strict");
  g_assert_cmpstr(dks_dmarc_status_name(DKS_DMARC_TEMPERROR), ==, "temperror");
  g_assert_cmpstr(dks_dmarc_status_name(DKS_DMARC_NO_DOMAIN), ==, "no-domain");
}

/* ---- records ------------------------------------------------------------------ */

typedef struct {
  const char *record;
  gssize len;           /* -1: strlen */
  gboolean org;
  DksDmarcStatus status;
  const char *policy;
  gboolean from_sp, strict_dkim, strict_spf;
  guint pct;
  guint problems;       /* WARNING + ERROR findings */
  const char *finding;  /* substring of some finding, or NULL */
} RecordCase;

static void
record_one(const RecordCase *c)
{
  gsize len = c->len < 0 ? strlen(c->record) : (gsize)c->len;
  g_autoptr(DksDmarc) dmarc = dks_dmarc_new_for_domain("sub.example.com");
  dks_dmarc_set_record(dmarc, "_dmarc.example.com", c->record, len, c->org);
  g_test_message("record: '%s' -> %s %s", c->record, dks_dmarc_status_name(dmarc->status),
                 dmarc->policy);
  log_findings(dmarc->findings);
  g_assert_cmpint(dmarc->status, ==, c->status);
  g_assert_cmpstr(dmarc->policy, ==, c->policy);
  g_assert_cmpint(dmarc->policy_from_sp, ==, c->from_sp);
  g_assert_cmpint(dmarc->strict_dkim, ==, c->strict_dkim);
  g_assert_cmpint(dmarc->strict_spf, ==, c->strict_spf);
  g_assert_cmpuint(dmarc->pct, ==, c->pct);
  g_assert_cmpuint(count_problems(dmarc->findings), ==, c->problems);
  g_assert_cmpstr(dmarc->record_name, ==, "_dmarc.example.com");
  g_assert_cmpuint(dmarc->record_len, ==, len);
  g_assert_cmpmem(dmarc->record, dmarc->record_len, c->record, len);
  g_assert_cmpint(dmarc->org_record, ==, c->org);
  if (c->finding != NULL)
    g_assert_true(findings_mention(dmarc->findings, c->finding));
}

#define REC DKS_DMARC_RECORD
#define PERM DKS_DMARC_PERMERROR
#define NUL_RECORD "v=DMARC1; p=re\0ject"

static const RecordCase record_cases[] = {
  { "v=DMARC1; p=reject", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 0, NULL },
  { "v=DMARC1;p=reject;", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 0, NULL },
  { "v=DMARC1; p=Quarantine; sp=none; adkim=s; aspf=S; pct=20", -1, TRUE, REC, "none",
    TRUE, TRUE, TRUE, 20, 0, NULL },
  { "v=DMARC1; p=Quarantine; sp=none; adkim=s; aspf=S; pct=20", -1, FALSE, REC,
    "quarantine", FALSE, TRUE, TRUE, 20, 0, NULL },
  { "v=DMARC1; p=reject", -1, TRUE, REC, "reject", FALSE, FALSE, FALSE, 100, 0, NULL },
  { "V = DMARC1 ; P = REJECT ; ADKIM = s", -1, FALSE, REC, "reject", FALSE, TRUE, FALSE,
    100, 0, NULL },
  { "v=DMARC1; p=none; sp=bogus", -1, TRUE, PERM, NULL, FALSE, FALSE, FALSE, 100, 2,
    "a bad sp= and no valid rua=" },
  { "v=DMARC1; p=bogus; rua=mailto:a@example.com", -1, FALSE, REC, "none", FALSE, FALSE,
    FALSE, 100, 2, "act as if it said p=none" },
  { "v=DMARC1; rua=mailto:a@example.com", -1, FALSE, REC, "none", FALSE, FALSE, FALSE, 100,
    1, "has no p= but a valid rua=" },
  { "v=DMARC1", -1, FALSE, PERM, NULL, FALSE, FALSE, FALSE, 100, 1, "no p= and no valid rua=" },
  { "v=DMARC1; p=bogus; rua=dmarc@example.com", -1, FALSE, PERM, NULL, FALSE, FALSE, FALSE,
    100, 3, "'dmarc@example.com' is no URI" },
  { "v=DMARC1; p=reject; pct=101", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 1,
    "pct=: want an integer from 0 to 100, have '101'" },
  { "v=DMARC1; p=reject; pct=abc", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 1,
    "have 'abc'" },
  { "v=DMARC1; p=reject; pct=0", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 0, 0, NULL },
  { "v=DMARC1; p=reject; adkim=x", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 1,
    "adkim=: want 'r' (relaxed) or 's' (strict)" },
  { "v=DMARC1; p=reject; adkim=r", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 0, NULL },
  { "v=DMARC1; p=reject; rua=mailto:a@example.com!10m, https://example.com/r", -1, FALSE,
    REC, "reject", FALSE, FALSE, FALSE, 100, 0, "not a mailto: URI" },
  { "v=DMARC1; p=reject; rua=mailto:a@example.com!big", -1, FALSE, REC, "reject", FALSE,
    FALSE, FALSE, 100, 1, "is no URI" },
  { "v=DMARC1; p=reject; ruf=mailto:f@example.com; fo=1:x", -1, FALSE, REC, "reject", FALSE,
    FALSE, FALSE, 100, 1, "option 'x' is unknown" },
  { "v=DMARC1; p=reject; fo=0:1:d:s; rf=afrf:iodef; ri=86400", -1, FALSE, REC, "reject",
    FALSE, FALSE, FALSE, 100, 0, "report format 'iodef'" },
  { "v=DMARC1; p=reject; ri=-1", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 1,
    "ri=: want seconds" },
  { "v=DMARC1; p=reject; np=reject; psd=n; t=y", -1, FALSE, REC, "reject", FALSE, FALSE,
    FALSE, 100, 0, "DMARCbis" },
  { "v=DMARC1; p=reject; foo=bar", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 0,
    "tag 'foo' is unknown" },
  { "v=DMARC1; p=reject; p=none", -1, FALSE, PERM, NULL, FALSE, FALSE, FALSE, 100, 2,
    "duplicate tag (p=)" },
  { "p=reject; v=DMARC1", -1, FALSE, PERM, NULL, FALSE, FALSE, FALSE, 100, 1,
    "want 'v=DMARC1' as the first tag" },
  { "v=dmarc1; p=reject", -1, FALSE, PERM, NULL, FALSE, FALSE, FALSE, 100, 1,
    "(DMARC1 in upper case), have 'v=dmarc1; p=reject'" },
  { "v=DMARC1x; p=reject", -1, FALSE, PERM, NULL, FALSE, FALSE, FALSE, 100, 1, NULL },
  { "", -1, FALSE, PERM, NULL, FALSE, FALSE, FALSE, 100, 1, NULL },
  { NUL_RECORD, sizeof(NUL_RECORD) - 1, FALSE, PERM, NULL, FALSE, FALSE, FALSE, 100, 3,
    "have 're\\x00ject'" },
  { "v=DMARC1; p=reject; 1x=2", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 1,
    "tag-name" },
  { "v=DMARC1; ; p=reject", -1, FALSE, REC, "reject", FALSE, FALSE, FALSE, 100, 1,
    "empty tag-spec" },
};

static void
test_records(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(record_cases); i++)
    record_one(&record_cases[i]);
}

/* ---- lookups ------------------------------------------------------------------ */

typedef struct {
  guint calls;
  gboolean inside;     /* dks_dmarc_lookup is running */
  gboolean free_it;    /* the callback frees the DksDmarc */
} DoneState;

static void
on_done(DksDmarc *dmarc, gpointer data)
{
  DoneState *st = data;
  g_assert_false(st->inside);
  g_assert_null(dmarc->lookup);
  st->calls++;
  if (st->free_it)
    dks_dmarc_free(dmarc);
}

static gboolean
set_flag(gpointer data)
{
  *(gboolean *)data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until done was called (or the watchdog fires). */
static void
wait_done(DoneState *st)
{
  gboolean expired = FALSE;
  guint watchdog = g_timeout_add(20000, set_flag, &expired);
  while (st->calls == 0 && !expired)
    g_main_context_iteration(NULL, TRUE);
  g_assert_false(expired);
  g_source_remove(watchdog);
}

/* Runs the main context until the resolver is idle. */
static void
wait_resolver(void)
{
  gboolean expired = FALSE;
  guint watchdog = g_timeout_add(20000, set_flag, &expired);
  while (dks_resolver_pending(resolver) > 0 && !expired)
    g_main_context_iteration(NULL, TRUE);
  g_assert_false(expired);
  g_source_remove(watchdog);
  /* a last turn for idles queued by the final answers */
  while (g_main_context_iteration(NULL, FALSE))
    ;
}

static void
lookup_sync(DksDmarc *dmarc)
{
  DoneState st = { 0 };
  st.inside = TRUE;
  dks_dmarc_lookup(dmarc, resolver, on_done, &st, NULL);
  st.inside = FALSE;
  g_assert_cmpuint(st.calls, ==, 0);
  wait_done(&st);
  wait_resolver();
  g_assert_cmpuint(st.calls, ==, 1);
}

typedef struct {
  const char *from;
  DksDmarcStatus status;
  const char *record_name;
  const char *policy;
  gboolean org_record, from_sp;
  DksDnsOutcome outcome;     /* of the From domain's lookup */
  gboolean org_asked;        /* org_dns set */
  guint pct;
  const char *finding;
} LookupCase;

static void
lookup_one(const LookupCase *c)
{
  g_autoptr(DksDmarc) dmarc = dks_dmarc_new_for_domain(c->from);
  g_assert_null(dmarc->problem);
  lookup_sync(dmarc);
  g_test_message("lookup %s -> %s %s at %s", c->from, dks_dmarc_status_name(dmarc->status),
                 dmarc->policy, dmarc->record_name);
  log_findings(dmarc->findings);
  g_assert_cmpint(dmarc->status, ==, c->status);
  g_assert_cmpstr(dmarc->record_name, ==, c->record_name);
  g_assert_cmpstr(dmarc->policy, ==, c->policy);
  g_assert_cmpint(dmarc->org_record, ==, c->org_record);
  g_assert_cmpint(dmarc->policy_from_sp, ==, c->from_sp);
  g_assert_nonnull(dmarc->dns);
  g_autofree char *qname = g_strconcat("_dmarc.", c->from, NULL);
  g_assert_cmpstr(dmarc->dns->qname, ==, qname);
  g_assert_cmpint(dmarc->dns->outcome, ==, c->outcome);
  g_assert_cmpint(dmarc->org_dns != NULL, ==, c->org_asked);
  if (dmarc->org_dns != NULL) {
    g_autofree char *org_qname = g_strconcat("_dmarc.", dmarc->org_domain, NULL);
    g_assert_cmpstr(dmarc->org_dns->qname, ==, org_qname);
  }
  g_assert_cmpuint(dmarc->pct, ==, c->pct);
  g_assert_cmpint(dmarc->record != NULL, ==,
                  c->status == DKS_DMARC_RECORD || c->status == DKS_DMARC_PERMERROR);
  if (c->finding != NULL)
    g_assert_true(findings_mention(dmarc->findings, c->finding));
}

static const LookupCase lookup_cases[] = {
  /* a record at the From domain */
  { "example.com", DKS_DMARC_RECORD, "_dmarc.example.com", "reject", FALSE, FALSE,
    DKS_DNS_ANSWER, FALSE, 100, NULL },
  { "own.example.com", DKS_DMARC_RECORD, "_dmarc.own.example.com", "none", FALSE, FALSE,
    DKS_DNS_ANSWER, FALSE, 25, NULL },
  { "mixed.example.com", DKS_DMARC_RECORD, "_dmarc.mixed.example.com", "quarantine", FALSE,
    FALSE, DKS_DNS_ANSWER, FALSE, 100, NULL },
  { "split.example.com", DKS_DMARC_RECORD, "_dmarc.split.example.com", "reject", FALSE,
    FALSE, DKS_DNS_ANSWER, FALSE, 100, NULL },
  { "alias.example.net", DKS_DMARC_RECORD, "_dmarc.alias.example.net", "none", FALSE, FALSE,
    DKS_DNS_ANSWER, FALSE, 25, NULL },
  /* only at the organisational domain: sp= when there is one */
  { "sub.example.com", DKS_DMARC_RECORD, "_dmarc.example.com", "quarantine", TRUE, TRUE,
    DKS_DNS_NXDOMAIN, TRUE, 100, NULL },
  { "deep.sub.example.com", DKS_DMARC_RECORD, "_dmarc.example.com", "quarantine", TRUE, TRUE,
    DKS_DNS_NXDOMAIN, TRUE, 100, NULL },
  { "sub.example.org", DKS_DMARC_RECORD, "_dmarc.example.org", "quarantine", TRUE, FALSE,
    DKS_DNS_NXDOMAIN, TRUE, 50, NULL },
  { "lower.example.org", DKS_DMARC_RECORD, "_dmarc.example.org", "quarantine", TRUE, FALSE,
    DKS_DNS_ANSWER, TRUE, 50, "says DMARC1 in lower case" },
  /* none */
  { "example.net", DKS_DMARC_NONE, NULL, NULL, FALSE, FALSE, DKS_DNS_NXDOMAIN, FALSE, 100,
    NULL },
  { "sub.example.net", DKS_DMARC_NONE, NULL, NULL, FALSE, FALSE, DKS_DNS_NXDOMAIN, TRUE, 100,
    NULL },
  { "spfonly.example.net", DKS_DMARC_NONE, NULL, NULL, FALSE, FALSE, DKS_DNS_ANSWER, TRUE,
    100, "none starting with 'v=DMARC1'" },
  { "nodata.example.net", DKS_DMARC_NONE, NULL, NULL, FALSE, FALSE, DKS_DNS_NODATA, TRUE,
    100, NULL },
  /* broken */
  { "two.example.net", DKS_DMARC_MULTIPLE, "_dmarc.two.example.net", NULL, FALSE, FALSE,
    DKS_DNS_ANSWER, FALSE, 100, "2 DMARC records at _dmarc.two.example.net" },
  { "bad.example.net", DKS_DMARC_PERMERROR, "_dmarc.bad.example.net", NULL, FALSE, FALSE,
    DKS_DNS_ANSWER, FALSE, 100, "have 'bogus'" },
  { "badrua.example.net", DKS_DMARC_RECORD, "_dmarc.badrua.example.net", "none", FALSE,
    FALSE, DKS_DNS_ANSWER, FALSE, 100, "act as if it said p=none" },
  { "dup.example.net", DKS_DMARC_PERMERROR, "_dmarc.dup.example.net", NULL, FALSE, FALSE,
    DKS_DNS_ANSWER, FALSE, 100, "appears twice" },
  { "loop.example.net", DKS_DMARC_TEMPERROR, NULL, NULL, FALSE, FALSE, DKS_DNS_CNAME_LOOP,
    FALSE, 100, "dmarc=temperror" },
  /* outside the loaded zones */
  { "mail.elsewhere.example", DKS_DMARC_NONE, NULL, NULL, FALSE, FALSE, DKS_DNS_NXDOMAIN,
    TRUE, 100, "under no loaded zone" },
};

static void
test_lookups(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(lookup_cases); i++)
    lookup_one(&lookup_cases[i]);
}

/* The strict adkim= of example.com's record reaches alignment. */
static void
test_lookup_then_align(void)
{
  g_autoptr(DksDmarc) dmarc = dks_dmarc_new_for_domain("example.com");
  lookup_sync(dmarc);
  g_assert_true(dmarc->strict_dkim);
  g_assert_cmpint(dks_dmarc_alignment(dmarc, "example.com"), ==, DKS_ALIGN_STRICT);
  g_assert_cmpint(dks_dmarc_alignment(dmarc, "mail.example.com"), ==, DKS_ALIGN_NONE);

  g_autoptr(DksDmarc) org = dks_dmarc_new_for_domain("sub.example.org");
  lookup_sync(org);
  g_assert_false(org->strict_dkim);
  g_assert_cmpint(dks_dmarc_alignment(org, "example.org"), ==, DKS_ALIGN_RELAXED);
}

/* No From domain: nothing asked, done still later and once. */
static void
test_lookup_no_domain(void)
{
  g_autoptr(DksDmarc) dmarc = dks_dmarc_new_for_domain(NULL);
  g_assert_nonnull(dmarc->problem);
  lookup_sync(dmarc);
  g_assert_cmpint(dmarc->status, ==, DKS_DMARC_NO_DOMAIN);
  g_assert_null(dmarc->dns);
  g_assert_null(dmarc->policy);

  g_autoptr(DksDmarc) literal = dks_dmarc_new_for_domain("[192.0.2.1]");
  g_assert_nonnull(strstr(literal->problem, "literal"));
  g_assert_null(literal->from_domain);
}

/* A second lookup starts over: same result, findings not doubled. */
static void
test_lookup_twice(void)
{
  g_autoptr(DksDmarc) dmarc = dks_dmarc_new_for_domain("two.example.net");
  lookup_sync(dmarc);
  guint findings = dmarc->findings->len;
  g_assert_cmpuint(findings, >, 0);
  lookup_sync(dmarc);
  g_assert_cmpint(dmarc->status, ==, DKS_DMARC_MULTIPLE);
  g_assert_cmpuint(dmarc->findings->len, ==, findings);

  /* From-field findings stay */
  g_autoptr(DksMessage) msg = message_from("From: J <j@example.com\r\n\r\nx\r\n");
  g_autoptr(DksDmarc) from = dks_dmarc_new(msg);
  g_assert_cmpuint(from->findings->len, ==, 1);
  lookup_sync(from);
  lookup_sync(from);
  g_assert_cmpuint(from->findings->len, ==, 1);
  g_assert_cmpint(from->status, ==, DKS_DMARC_RECORD);
}

static void
count_cancel(gpointer data)
{
  (*(guint *)data)++;
}

static void
count_done(DksDmarc *dmarc, gpointer data)
{
  (void)dmarc;
  (*(guint *)data) += 100; /* told apart from a cancel */
}

/* The zone files in tests/dmarc/. */
static const char *const dmarc_zones[] = { "example.com.zone", "example.net.zone",
                                           "example.org.zone", NULL };

/* Freeing while the lookup is in flight: done never runs, cancelled runs
 * once instead, nothing leaks or is touched afterwards (ASan). */
static void
test_free_in_flight(void)
{
  DoneState st = { 0 };
  DksDmarc *dmarc = dks_dmarc_new_for_domain("sub.example.com");
  dks_dmarc_lookup(dmarc, resolver, on_done, &st, NULL);
  dks_dmarc_free(dmarc);
  wait_resolver();
  g_assert_cmpuint(st.calls, ==, 0);

  /* dmarc freed, then its answer comes in: cancelled then */
  guint outcome = 0;
  dmarc = dks_dmarc_new_for_domain("sub.example.com");
  dks_dmarc_lookup(dmarc, resolver, count_done, &outcome, count_cancel);
  dks_dmarc_free(dmarc);
  wait_resolver();
  g_assert_cmpuint(outcome, ==, 1);

  /* no domain: done would come from an idle; freeing first cancels it */
  outcome = 0;
  DksDmarc *none = dks_dmarc_new_for_domain("");
  dks_dmarc_lookup(none, resolver, count_done, &outcome, count_cancel);
  dks_dmarc_free(none);
  wait_resolver();
  g_assert_cmpuint(outcome, ==, 1);

  /* the resolver freed first: cancelled at once, and dmarc stays usable */
  DksResolver *own = zones_resolver("tests/dmarc", dmarc_zones);
  outcome = 0;
  dmarc = dks_dmarc_new_for_domain("sub.example.com");
  dks_dmarc_lookup(dmarc, own, count_done, &outcome, count_cancel);
  dks_resolver_free(own);
  g_assert_cmpuint(outcome, ==, 1);
  g_assert_null(dmarc->lookup);
  dks_dmarc_lookup(dmarc, resolver, count_done, &outcome, count_cancel);
  while (outcome == 1)
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpuint(outcome, ==, 101);
  dks_dmarc_free(dmarc);

  /* done may free it */
  DoneState freeing = { .free_it = TRUE };
  DksDmarc *self = dks_dmarc_new_for_domain("sub.example.net");
  dks_dmarc_lookup(self, resolver, on_done, &freeing, NULL);
  wait_done(&freeing);
  wait_resolver();
  g_assert_cmpuint(freeing.calls, ==, 1);

  dks_dmarc_free(NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  resolver = zones_resolver("tests/dmarc", dmarc_zones);

  g_test_add_func("/dmarc/from-domain", test_from_domain);
  g_test_add_func("/dmarc/from-message", test_from_message);
  g_test_add_func("/dmarc/random", test_random);
  g_test_add_func("/dmarc/org-domain", test_org_domain);
  g_test_add_func("/dmarc/alignment", test_alignment);
  g_test_add_func("/dmarc/records", test_records);
  g_test_add_func("/dmarc/lookups", test_lookups);
  g_test_add_func("/dmarc/lookup-then-align", test_lookup_then_align);
  g_test_add_func("/dmarc/lookup-no-domain", test_lookup_no_domain);
  g_test_add_func("/dmarc/lookup-twice", test_lookup_twice);
  g_test_add_func("/dmarc/free-in-flight", test_free_in_flight);
  int status = g_test_run();
  dks_resolver_free(resolver);
  return status;
}
