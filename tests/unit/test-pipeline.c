/* test-pipeline.c — the order of checks, skipping, and verdicts, on
 * fixtures signed by python3-dkim / Mail::DKIM with the offline zones. */
#include <glib/gstdio.h>
#include <string.h>

#include "verify/pipeline.h"

#define FIXTURE_NOW 1717250400 /* tests/fixtures/README.md */

static DksResolver *resolver;

static char *
fixture_path(const char *name)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  g_assert_nonnull(root);
  return g_build_filename(root, "tests", "fixtures", "messages", name, NULL);
}

static void
count_changes(DksRun *run, gpointer user_data)
{
  (void)run;
  (*(guint *)user_data)++;
}

/* Runs a fixture to the end; *changes counts the change callbacks. */
static DksRun *
run_fixture(const char *name, guint *changes)
{
  g_autofree char *path = fixture_path(name);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  DksRun *run = dks_run_new(msg, FIXTURE_NOW);
  dks_run_start_dns(run, resolver, count_changes, changes);
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  return run;
}

typedef struct {
  const char *fixture;
  guint sig;
  DksResult result;
  DksReason reason;
  /* Expected status of every step, in DksCheckId order: one letter each,
   * P pass, W warn, F fail, S skipped, I info. */
  const char *statuses;
} PipelineCase;

static char
status_letter(DksStatus s)
{
  static const char letters[] = {[DKS_STATUS_PENDING] = '.', [DKS_STATUS_PASS] = 'P',
                                 [DKS_STATUS_WARN] = 'W', [DKS_STATUS_FAIL] = 'F',
                                 [DKS_STATUS_SKIPPED] = 'S', [DKS_STATUS_INFO] = 'I'};
  return letters[s];
}

static void
pipeline_one(const PipelineCase *c)
{
  guint changes = 0;
  g_autoptr(DksRun) run = run_fixture(c->fixture, &changes);
  g_assert_cmpuint(c->sig, <, run->sigs->len);
  const DksSigRun *sr = g_ptr_array_index(run->sigs, c->sig);
  char got[DKS_CHECK_COUNT + 1] = {0};
  for (int i = 0; i < DKS_CHECK_COUNT; i++)
    got[i] = status_letter(sr->steps[i].status);
  g_test_message("%s #%u: %s %s/%s", c->fixture, c->sig, got,
                 dks_result_name(sr->result), dks_reason_name(sr->reason));
  g_assert_cmpstr(got, ==, c->statuses);
  g_assert_cmpstr(dks_result_name(sr->result), ==, dks_result_name(c->result));
  g_assert_cmpstr(dks_reason_name(sr->reason), ==, dks_reason_name(c->reason));
  for (int i = 0; i < DKS_CHECK_COUNT; i++) {
    g_assert_nonnull(sr->steps[i].summary); /* every step says something */
    if (sr->steps[i].status == DKS_STATUS_FAIL)
      g_assert_cmpint(sr->steps[i].reason, !=, DKS_REASON_NONE);
  }
}

static void
test_table(void)
{
  /*                                        syn alg id from time look rec str body hdr */
  static const PipelineCase cases[] = {
    {"pass-relaxed-relaxed.eml", 0, DKS_RESULT_PASS, DKS_REASON_PASS, "PPPPPPPPPP"},
    {"pass-ed25519.eml", 0, DKS_RESULT_PASS, DKS_REASON_PASS, "PPPPPPPPPP"},
    /* The key is missing, yet the body is shown to be intact. */
    {"permerror-key-not-found-m365.eml", 0, DKS_RESULT_PERMERROR,
     DKS_REASON_KEY_NOT_FOUND, "PPPPPFSSPS"},
    {"permerror-key-revoked.eml", 0, DKS_RESULT_PERMERROR, DKS_REASON_KEY_REVOKED,
     "PPPPPPFSPS"},
    /* Signature-field problems come first, even when a later step fails too. */
    {"permerror-signature-syntax-duplicate.eml", 0, DKS_RESULT_PERMERROR,
     DKS_REASON_SIGNATURE_SYNTAX, "FSSSSSSSSS"},
    /* RFC 8301: rsa-sha1 turns a fail into policy; the body mismatch stays visible. */
    {"policy-algorithm-deprecated-fail.eml", 0, DKS_RESULT_POLICY,
     DKS_REASON_ALGORITHM_DEPRECATED, "PWPPPPPPFP"},
    {"policy-key-too-short.eml", 0, DKS_RESULT_POLICY, DKS_REASON_KEY_TOO_SHORT,
     "PPPPPPPWPP"},
    {"headers-only-neutral.eml", 0, DKS_RESULT_NEUTRAL, DKS_REASON_BODY_NOT_CHECKED,
     "PPPPPPPPIP"},
    {"headers-only-pass.eml", 0, DKS_RESULT_PASS, DKS_REASON_PASS, "PPPPPPPPPP"},
    {"temperror-dns.eml", 0, DKS_RESULT_TEMPERROR, DKS_REASON_DNS_TEMPERROR,
     "PPPPPFSSPS"},
    {"multi-three.eml", 2, DKS_RESULT_FAIL, DKS_REASON_BODY_HASH_MISMATCH,
     "PPPPPPPPFP"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    pipeline_one(&cases[i]);
}

static void
test_local_steps_before_dns(void)
{
  g_autofree char *path = fixture_path("pass-relaxed-relaxed.eml");
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) run = dks_run_new(msg, FIXTURE_NOW);
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  /* Local checks are done at once; DNS-bound ones wait. */
  g_assert_cmpint(sr->steps[DKS_CHECK_BODY_HASH].status, ==, DKS_STATUS_PASS);
  g_assert_cmpint(sr->steps[DKS_CHECK_KEY_LOOKUP].status, ==, DKS_STATUS_PENDING);
  g_assert_cmpint(sr->result, ==, DKS_RESULT_NONE);
  g_assert_false(dks_run_is_done(run));
  guint changes = 0;
  dks_run_start_dns(run, resolver, count_changes, &changes);
  g_assert_cmpuint(changes, ==, 0); /* never called back from inside start */
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpuint(changes, ==, 2); /* the key, then the DMARC policy */
  g_assert_cmpint(dks_run_overall(run), ==, DKS_RESULT_PASS);
}

static void
test_overall_and_callbacks(void)
{
  guint changes = 0;
  g_autoptr(DksRun) run = run_fixture("multi-three.eml", &changes);
  g_assert_cmpuint(run->sigs->len, ==, 3);
  /* Three keys, the other Microsoft 365-style selector of the top
   * signature (selector2 -> selector1), and the DMARC policy. */
  g_assert_cmpuint(changes, ==, 5);
  g_assert_cmpint(dks_run_overall(run), ==, DKS_RESULT_FAIL);
}

static void
test_no_signature(void)
{
  static const char text[] = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text, sizeof text - 1, &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) run = dks_run_new(msg, FIXTURE_NOW);
  g_assert_true(dks_run_is_done(run));
  g_assert_cmpint(dks_run_overall(run), ==, DKS_RESULT_NONE);
}

/* The "I have just published it" moment: the key appears in the zone, and a
 * re-check on a fresh resolver turns key-not-found into pass. */
static void
test_recheck_after_publishing(void)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  g_autofree char *zone_src = g_build_filename(root, "tests", "fixtures", "zones",
                                               "example.com.zone", NULL);
  g_autofree char *zone_text = NULL;
  g_assert_true(g_file_get_contents(zone_src, &zone_text, NULL, NULL));
  g_autofree char *dir = g_dir_make_tmp("dks-recheck-XXXXXX", NULL);
  g_autofree char *zone = g_build_filename(dir, "example.com.zone", NULL);
  g_assert_true(g_file_set_contents(zone, zone_text, -1, NULL));

  g_autoptr(GPtrArray) zones = g_ptr_array_new();
  g_ptr_array_add(zones, zone);
  DksResolverConfig config = {.mode = DKS_RESOLVER_ZONES, .zone_files = zones};
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) before = dks_resolver_new(&config, &error);
  g_assert_no_error(error);

  g_autofree char *path = fixture_path("permerror-key-not-found.eml");
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) run = dks_run_new(msg, FIXTURE_NOW);
  guint changes = 0;
  dks_run_start_dns(run, before, count_changes, &changes);
  g_assert_false(dks_run_recheck_dns(run, before, NULL, NULL)); /* busy */
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  g_assert_cmpint(sr->reason, ==, DKS_REASON_KEY_NOT_FOUND);

  /* Publish the signing key (the s2048 record) at the missing selector. */
  const char *line = strstr(zone_text, "\ns2048._domainkey");
  g_assert_nonnull(line);
  const char *end = strchr(line + 1, '\n');
  g_autofree char *record = g_strndup(line + 1 + strlen("s2048"),
                                      end - line - 1 - strlen("s2048"));
  g_autofree char *published = g_strconcat(zone_text, "missing", record, "\n", NULL);
  g_assert_true(g_file_set_contents(zone, published, -1, NULL));

  g_autoptr(DksResolver) after = dks_resolver_new_fresh(before, &error);
  g_assert_no_error(error);
  g_assert_true(dks_run_recheck_dns(run, after, count_changes, &changes));
  g_assert_cmpint(sr->steps[DKS_CHECK_KEY_LOOKUP].status, ==, DKS_STATUS_PENDING);
  g_assert_cmpint(sr->steps[DKS_CHECK_BODY_HASH].status, ==, DKS_STATUS_PASS);
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpint(sr->result, ==, DKS_RESULT_PASS);
  g_assert_cmpuint(changes, >, 2); /* each lookup again (key, probes, DMARC) */
  g_assert_cmpuint(sr->steps[DKS_CHECK_KEY_LOOKUP].evidence->len, >, 0);
  g_unlink(zone);
  g_rmdir(dir);
}

/* Which live signature an Authentication-Results dkim result is about. */
typedef struct {
  const char *authres; /* field value */
  gint want;           /* index in run->sigs, -1 for NULL */
} AuthresCase;

static void
authres_one(const DksRun *run, const AuthresCase *c)
{
  g_test_message("Authentication-Results: %s", c->authres);
  g_autoptr(DksAuthResults) ar = dks_authres_parse(c->authres, strlen(c->authres), FALSE);
  g_assert_cmpuint(ar->results->len, ==, 1);
  const DksSigRun *got =
    dks_run_signature_for_authres(run, g_ptr_array_index(ar->results, 0));
  gint index = -1;
  for (guint i = 0; got != NULL && i < run->sigs->len; i++)
    if (g_ptr_array_index(run->sigs, i) == got)
      index = (gint)i;
  if (got != NULL)
    g_assert_cmpint(index, >=, 0);
  g_assert_cmpint(index, ==, c->want);
}

static void
test_signature_for_authres(void)
{
  static const char text[] =
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel1; h=from;\r\n"
    " bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=; b=dGVzdDEx Zm9vYmFy\r\n\tYmF6\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel2; h=from;\r\n"
    " bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=; b=dGVzdDIyZm9vYmFy\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=only; h=from;\r\n"
    " bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=; b=b3RoZXJzaWcxMjM0\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=one; h=from;\r\n"
    " bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=; b=c2FtZXByZWZpeEFB\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.net; s=two; h=from;\r\n"
    " bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=; b=c2FtZXByZWZpeEJC\r\n"
    "From: a@example.com\r\n"
    "\r\n"
    "body\r\n";
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text, sizeof text - 1, &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) run = dks_run_new(msg, FIXTURE_NOW);
  g_assert_cmpuint(run->sigs->len, ==, 5);
  static const AuthresCase cases[] = {
    /* header.b: a prefix of b=, folding white space in b= skipped. */
    { "mx; dkim=pass header.b=dGVzdDExZm9vYmFyYmF6", 0 },
    { "mx; dkim=pass header.b=dGVzdDExZm9v", 0 },
    { "mx; dkim=pass header.b=dGVzdDEx", 0 },              /* exactly 8 */
    { "mx; dkim=fail header.d=example.org header.b=\"dGVzdDIy\"", 1 },
    { "mx; dkim=pass header.b=c2FtZXByZWZpeEJC", 4 },
    { "mx; dkim=pass header.b=DGVZDDEX", -1 },              /* base64 is case-sensitive */
    { "mx; dkim=pass header.b=dGVzdDExZm9vYmFyYmF6QQ", -1 }, /* longer than b= */
    /* Ambiguous prefix: RFC 6008 wants it unique; no guess. */
    { "mx; dkim=pass header.b=c2FtZXByZWZp", -1 },
    /* A header.b that matches nothing: header.d is not used instead. */
    { "mx; dkim=pass header.d=example.org header.b=ZZZZZZZZZZZZ", -1 },
    /* Under 8 characters: as if there were no header.b. */
    { "mx; dkim=pass header.d=example.org header.b=b3Ro", 2 },
    { "mx; dkim=pass header.b=dGVzdDE", -1 },
    /* header.d and header.s. */
    { "mx; dkim=pass header.d=example.com header.s=sel2", 1 },
    { "mx; dkim=pass header.d=EXAMPLE.com header.s=SEL1", 0 },
    { "mx; dkim=pass header.d=example.net header.s=two", 4 },
    { "mx; dkim=pass header.d=example.org header.s=other", -1 },
    { "mx; dkim=pass header.s=sel1", -1 },
    /* header.d alone: only when one signature has that d=. */
    { "mx; dkim=pass header.d=example.org", 2 },
    { "mx; dkim=pass header.d=example.com", -1 },
    { "mx; dkim=pass header.d=example.net", -1 },
    { "mx; dkim=pass header.d=nowhere.example", -1 },
    { "mx; dkim=pass", -1 },
    { "mx; dkim=pass header.i=@example.org", -1 },
    /* Other methods are about no signature. */
    { "mx; dmarc=pass header.from=example.org", -1 },
    { "mx; spf=pass smtp.mailfrom=example.org", -1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    authres_one(run, &cases[i]);
  g_assert_null(dks_run_signature_for_authres(run, NULL));
}

static GPtrArray *
fixture_zones(void)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  g_autofree char *dir = g_build_filename(root, "tests", "fixtures", "zones", NULL);
  GPtrArray *zones = g_ptr_array_new_with_free_func(g_free);
  static const char *const names[] = {"example.com.zone", "example.net.zone",
                                      "example.org.zone", "contoso.onmicrosoft.com.zone"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    g_ptr_array_add(zones, g_build_filename(dir, names[i], NULL));
  return zones;
}

/* The view drops a run whose lookups are in flight by freeing the
 * resolver first (which cancels them), then the run: nothing may leak or
 * be touched afterwards (ASan, valgrind). */
static void
test_free_resolver_mid_run(void)
{
  g_autofree char *path = fixture_path("permerror-key-not-found-m365.eml");
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  DksRun *run = dks_run_new(msg, FIXTURE_NOW);
  DksResolver *own = dks_resolver_new_fresh(resolver, &error);
  g_assert_no_error(error);
  guint changes = 0;
  dks_run_start_dns(run, own, count_changes, &changes);
  g_assert_cmpuint(run->dns_pending, >, 1); /* key, sibling, DMARC */
  dks_resolver_free(own);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration(NULL, FALSE);
  g_assert_cmpuint(changes, ==, 0);
  dks_run_free(run);

  g_autoptr(DksRun) lookup = dks_run_new_lookup("selector1", "example.org", FIXTURE_NOW,
                                                &error);
  g_assert_no_error(error);
  own = dks_resolver_new_fresh(resolver, &error);
  g_assert_no_error(error);
  dks_run_start_dns(lookup, own, count_changes, &changes);
  dks_resolver_free(own);
  g_assert_cmpuint(changes, ==, 0);
}

/* ---- a selector looked up with no message ---- */

typedef struct {
  const char *selector, *domain;
  DksResult result;
  DksReason reason;
  const char *statuses; /* as in PipelineCase; '-' for a step not shown */
} LookupCase;

static DksRun *
run_lookup(const char *selector, const char *domain)
{
  g_autoptr(GError) error = NULL;
  DksRun *run = dks_run_new_lookup(selector, domain, FIXTURE_NOW, &error);
  g_assert_no_error(error);
  g_assert_nonnull(run);
  dks_run_start_dns(run, resolver, NULL, NULL);
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  return run;
}

static void
lookup_one(const LookupCase *c)
{
  g_autoptr(DksRun) run = run_lookup(c->selector, c->domain);
  g_assert_true(dks_run_is_lookup(run));
  g_assert_null(run->msg);
  g_assert_null(run->dmarc);
  g_assert_cmpuint(run->authres->len, ==, 0);
  g_assert_cmpuint(run->sigs->len, ==, 1);
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  char got[DKS_CHECK_COUNT + 1] = {0};
  for (int i = 0; i < DKS_CHECK_COUNT; i++) {
    gboolean shown = dks_sig_run_has_step(sr, (DksCheckId)i);
    got[i] = shown ? status_letter(sr->steps[i].status) : '-';
    if (!shown) /* hidden, but never pending: a report that lists it says why */
      g_assert_cmpint(sr->steps[i].status, ==, DKS_STATUS_INFO);
  }
  g_test_message("lookup %s %s: %s %s/%s", c->selector, c->domain, got,
                 dks_result_name(sr->result), dks_reason_name(sr->reason));
  g_assert_cmpstr(got, ==, c->statuses);
  g_assert_cmpstr(dks_result_name(sr->result), ==, dks_result_name(c->result));
  g_assert_cmpstr(dks_reason_name(sr->reason), ==, dks_reason_name(c->reason));
  g_assert_cmpstr(dks_result_name(dks_run_overall(run)), ==, dks_result_name(c->result));
}

static void
test_lookup_table(void)
{
  static const LookupCase cases[] = {
    {"s2048", "example.com", DKS_RESULT_PASS, DKS_REASON_PASS, "-----PPP--"},
    /* A trailing dot and capitals, as people type names. */
    {"S2048", "Example.COM.", DKS_RESULT_PASS, DKS_REASON_PASS, "-----PPP--"},
    {"ed", "example.com", DKS_RESULT_PASS, DKS_REASON_PASS, "-----PPP--"},
    {"s512", "example.com", DKS_RESULT_POLICY, DKS_REASON_KEY_TOO_SHORT, "-----PPW--"},
    {"revoked", "example.com", DKS_RESULT_PERMERROR, DKS_REASON_KEY_REVOKED, "-----PFS--"},
    {"tworecords", "example.com", DKS_RESULT_PERMERROR, DKS_REASON_KEY_SYNTAX, "-----PFS--"},
    {"nosuchkey", "example.com", DKS_RESULT_PERMERROR, DKS_REASON_KEY_NOT_FOUND, "-----FSS--"},
    /* With no signature, no a= to hold k= against: only the record counts. */
    {"sha1only", "example.com", DKS_RESULT_PASS, DKS_REASON_PASS, "-----PPP--"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
    lookup_one(&cases[i]);
}

static void
test_lookup_names(void)
{
  static const struct { const char *selector, *domain; } bad[] = {
    {"", "example.com"}, {"s1", ""}, {"a b", "example.com"}, {"s1", "exa mple.com"},
    {"s1", "example..com"}, {"s1\x1b[31m", "example.com"}, {"s1", "."},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    DksRun *run = dks_run_new_lookup(bad[i].selector, bad[i].domain, FIXTURE_NOW, &error);
    g_assert_null(run);
    g_assert_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE);
  }
  /* A valid selector and domain, too long together (63 + 12 + 195). */
  g_autofree char *label = g_strnfill(63, 'a');
  g_autofree char *long_domain = g_strdup_printf("%s.%s.%s.com", label, label, label);
  g_autoptr(GError) error = NULL;
  DksRun *run = dks_run_new_lookup(label, long_domain, FIXTURE_NOW, &error);
  g_assert_null(run);
  g_assert_nonnull(strstr(error->message, "253"));
}

/* The Microsoft 365 case with no message: the CNAME leads nowhere, and
 * the other selector is looked up too, as for a signature. */
static void
test_lookup_m365(void)
{
  g_autoptr(DksRun) run = run_lookup("selector1", "example.org");
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  g_assert_cmpint(sr->reason, ==, DKS_REASON_KEY_NOT_FOUND);
  g_assert_nonnull(sr->dns);
  g_assert_nonnull(sr->dns->cname_chain);
  g_assert_cmpuint(sr->dns->cname_chain->len, ==, 1);
  g_assert_nonnull(sr->sibling);
  g_assert_cmpint(sr->sibling->outcome, ==, DKS_DNS_ANSWER);
}

/* Re-check on a lookup: the key steps start over, the hidden ones stay
 * "not checked". */
static void
test_lookup_recheck(void)
{
  g_autoptr(DksRun) run = run_lookup("s2048", "example.com");
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  g_assert_cmpint(sr->result, ==, DKS_RESULT_PASS);
  g_assert_true(dks_run_recheck_dns(run, resolver, NULL, NULL));
  g_assert_cmpint(sr->steps[DKS_CHECK_KEY_LOOKUP].status, ==, DKS_STATUS_PENDING);
  g_assert_cmpint(sr->steps[DKS_CHECK_HEADER_SIGNATURE].status, ==, DKS_STATUS_INFO);
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  g_assert_cmpint(sr->result, ==, DKS_RESULT_PASS);
  g_assert_cmpint(sr->steps[DKS_CHECK_KEY_STRENGTH].status, ==, DKS_STATUS_PASS);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autoptr(GPtrArray) zones = fixture_zones();
  DksResolverConfig config = {.mode = DKS_RESOLVER_ZONES, .zone_files = zones,
                              .timeout_ms = 5000};
  g_autoptr(GError) error = NULL;
  resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  g_test_add_func("/pipeline/table", test_table);
  g_test_add_func("/pipeline/local-steps-first", test_local_steps_before_dns);
  g_test_add_func("/pipeline/overall", test_overall_and_callbacks);
  g_test_add_func("/pipeline/no-signature", test_no_signature);
  g_test_add_func("/pipeline/recheck-after-publishing", test_recheck_after_publishing);
  g_test_add_func("/pipeline/free-resolver-mid-run", test_free_resolver_mid_run);
  g_test_add_func("/pipeline/lookup/table", test_lookup_table);
  g_test_add_func("/pipeline/lookup/names", test_lookup_names);
  g_test_add_func("/pipeline/lookup/recheck", test_lookup_recheck);
  g_test_add_func("/pipeline/lookup/m365", test_lookup_m365);
  g_test_add_func("/pipeline/signature-for-authres", test_signature_for_authres);
  int status = g_test_run();
  dks_resolver_free(resolver);
  return status;
}
