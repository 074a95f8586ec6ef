/* test-guidance.c — the words for every reason and refinement, provider
 * detection, the advice e-mail, and a smoke test on a real fixture.
 *
 * Runs are built by hand (a real message and DKIM-Signature, then the
 * steps, DNS answers and clues a finished pipeline would leave), so every
 * refinement can be reached without DNS. */
#include <string.h>

#include "help/guidance.h"
#include "help/providers.h"
#include "help/texts.h"

#define FIXTURE_NOW 1717250400 /* tests/fixtures/README.md */
#define NO_CLUE ((int)-1)

/* ---------- builders ---------- */

typedef struct {
  const char *d, *s, *a;
} SigSpec;

static void
clue_free(DksClue *clue)
{
  if (clue == NULL)
    return;
  g_free(clue->summary);
  if (clue->evidence != NULL)
    g_ptr_array_unref(clue->evidence);
  g_free(clue);
}

static void
sig_run_free(DksSigRun *sr)
{
  for (int c = 0; c < DKS_CHECK_COUNT; c++) {
    g_free(sr->steps[c].summary);
    g_ptr_array_unref(sr->steps[c].evidence);
  }
  dks_signature_free(sr->sig);
  g_free(sr->key_name);
  dks_dns_answer_free(sr->dns);
  dks_dns_answer_free(sr->authoritative);
  dks_dns_answer_free(sr->sibling);
  g_free(sr->sibling_name);
  dks_key_record_free(sr->key);
  g_ptr_array_unref(sr->clues);
  g_free(sr);
}

/* A run over a real message whose DKIM-Signature fields follow specs;
 * every step passed, no verdict yet. */
static DksRun *
run_new(const char *from_domain, const SigSpec *specs, guint n)
{
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf(text,
      "DKIM-Signature: v=1; a=%s; c=relaxed/relaxed; d=%s; s=%s;\r\n"
      " h=from:to:subject:date; bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=;\r\n"
      " b=AAAA\r\n", specs[i].a, specs[i].d, specs[i].s);
  g_string_append_printf(text,
    "From: Dana Whitfield <dana@%s>\r\nTo: priya@example.net\r\n"
    "Subject: Quarterly figures\r\nDate: Sat, 01 Jun 2024 12:00:00 +0000\r\n"
    "\r\nHi Priya,\r\n", from_domain);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text->str, text->len, &error);
  g_assert_no_error(error);
  g_string_free(text, TRUE);

  DksRun *run = g_new0(DksRun, 1);
  run->msg = msg;
  run->now = FIXTURE_NOW;
  run->sigs = g_ptr_array_new_with_free_func((GDestroyNotify)sig_run_free);
  g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);
  g_assert_cmpuint(sigs->len, ==, n);
  for (guint i = 0; i < sigs->len; i++) {
    DksSigRun *sr = g_new0(DksSigRun, 1);
    sr->msg = msg;
    sr->sig = g_ptr_array_steal_index(sigs, i--);
    sr->key_name = dks_signature_key_name(sr->sig);
    sr->clues = g_ptr_array_new_with_free_func((GDestroyNotify)clue_free);
    for (int c = 0; c < DKS_CHECK_COUNT; c++) {
      sr->steps[c].check = (DksCheckId)c;
      sr->steps[c].status = DKS_STATUS_PASS;
      sr->steps[c].evidence = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_add(run->sigs, sr);
  }
  return run;
}

static DksRun *
run_one(const char *from_domain, const char *d, const char *s, const char *a)
{
  const SigSpec spec = {d, s, a};
  return run_new(from_domain, &spec, 1);
}

static void
run_free(DksRun *run)
{
  g_ptr_array_unref(run->sigs);
  dks_message_free(run->msg);
  if (run->dmarc != NULL) {
    g_free(run->dmarc->from_domain);
    g_free(run->dmarc->org_domain);
    g_free(run->dmarc->policy);
    g_free(run->dmarc);
  }
  g_free(run);
}
/* Hand-built runs are freed here, not by dks_run_free: the pipeline owns
 * how its own runs are released. */
typedef DksRun DksRun_test;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksRun_test, run_free)

static DksSigRun *
sr_at(DksRun *run, guint i)
{
  return g_ptr_array_index(run->sigs, i);
}

/* The verdict a pipeline would reach when check failed with reason. */
static void
sr_verdict(DksSigRun *sr, DksCheckId check, DksReason reason)
{
  if (reason != DKS_REASON_PASS) {
    sr->steps[check].status = DKS_STATUS_FAIL;
    sr->steps[check].reason = reason;
  }
  sr->reason = reason;
  sr->result = dks_reason_result(reason);
}

static DksDnsAnswer *
answer_new(const char *qname, DksDnsOutcome outcome)
{
  DksDnsAnswer *a = g_new0(DksDnsAnswer, 1);
  a->qname = g_strdup(qname);
  a->outcome = outcome;
  a->rcode = outcome == DKS_DNS_NXDOMAIN ? 3 : outcome == DKS_DNS_SERVFAIL ? 2 : 0;
  a->cname_chain = g_ptr_array_new_with_free_func((GDestroyNotify)dks_cname_hop_free);
  a->txt = g_ptr_array_new_with_free_func((GDestroyNotify)dks_txt_record_free);
  a->resolver = g_strdup("resolver 192.0.2.53@53");
  return a;
}

static void
answer_cname(DksDnsAnswer *a, const char *target)
{
  DksCnameHop *hop = g_new0(DksCnameHop, 1);
  hop->owner = g_strdup(a->cname_chain->len
                          ? ((DksCnameHop *)g_ptr_array_index(a->cname_chain,
                                                              a->cname_chain->len - 1))->target
                          : a->qname);
  hop->target = g_strdup(target);
  hop->ttl = 3600;
  g_ptr_array_add(a->cname_chain, hop);
}

static void
answer_txt(DksDnsAnswer *a, const char *text)
{
  DksTxtRecord *txt = g_new0(DksTxtRecord, 1);
  txt->owner = g_strdup(a->qname);
  txt->ttl = 300;
  txt->strings = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  g_ptr_array_add(txt->strings, g_bytes_new(text, strlen(text)));
  txt->joined = g_bytes_new(text, strlen(text));
  g_ptr_array_add(a->txt, txt);
}

static void
clue_add(DksSigRun *sr, DksClueKind kind, const char *summary, const char *evidence)
{
  DksClue *clue = g_new0(DksClue, 1);
  clue->kind = kind;
  clue->summary = g_strdup(summary);
  clue->evidence = g_ptr_array_new_with_free_func(g_free);
  if (evidence != NULL)
    g_ptr_array_add(clue->evidence, g_strdup(evidence));
  g_ptr_array_add(sr->clues, clue);
}

static void
dmarc_set(DksRun *run, const char *from, const char *org, const char *policy)
{
  run->dmarc = g_new0(DksDmarc, 1);
  run->dmarc->from_domain = g_strdup(from);
  run->dmarc->org_domain = g_strdup(org);
  run->dmarc->policy = g_strdup(policy);
  run->dmarc->pct = 100;
}

/* ---------- checks every text must pass ---------- */

/* Every RFC section the texts may cite; a typo fails here. */
static const char *const known_rfcs[] = {
  "1035 §3.3", "2308 §5", "4035 §5", "6376", "6376 §3.2", "6376 §3.4",
  "6376 §3.4.1", "6376 §3.4.2", "6376 §3.5", "6376 §3.6.1", "6376 §3.6.2",
  "6376 §3.6.2.1", "6376 §3.6.2.2", "6376 §3.7", "6376 §5.4", "6376 §6.1",
  "6376 §6.1.1", "6376 §6.1.2", "6376 §6.1.3", "6376 §6.3", "6376 §8.2",
  "5322 §2.1", "6376 §5.3", "7489 §3.1", "7489 §3.1.1", "7489 §6.6", "8301", "8301 §3.1", "8301 §3.2", "8463",
  "8017 §9.2", "8463 §4", "8601", "8617", NULL,
};

static gboolean
rfc_known(const char *cite)
{
  return g_strv_contains(known_rfcs, cite);
}

/* Finds every "RFC n" and "RFC n §x.y" (and ", §x.y" right after one). */
static void
assert_rfcs_known(const char *text)
{
  if (text == NULL)
    return;
  g_autoptr(GRegex) re = g_regex_new("RFC (\\d+)((?: §[0-9.]*[0-9])(?:, §[0-9.]*[0-9])*)?",
                                     0, 0, NULL);
  g_autoptr(GMatchInfo) m = NULL;
  g_regex_match(re, text, 0, &m);
  for (; g_match_info_matches(m); g_match_info_next(m, NULL)) {
    g_autofree char *num = g_match_info_fetch(m, 1);
    g_autofree char *sections = g_match_info_fetch(m, 2);
    if (sections == NULL || *sections == '\0') {
      if (!rfc_known(num))
        g_error("unknown RFC cited: RFC %s in: %s", num, text);
      continue;
    }
    g_auto(GStrv) parts = g_strsplit(sections, ",", -1);
    for (guint i = 0; parts[i] != NULL; i++) {
      g_autofree char *cite = g_strdup_printf("%s %s", num, g_strstrip(parts[i]));
      if (!rfc_known(cite))
        g_error("unknown RFC section cited: RFC %s in: %s", cite, text);
    }
  }
  /* "§" without "RFC n" in front is a citation we could not check. */
  for (const char *p = strstr(text, "§"); p != NULL; p = strstr(p + 1, "§")) {
    gboolean after_rfc = FALSE;
    for (gsize back = 0; back <= (gsize)(p - text) && back < 24 && !after_rfc; back++)
      after_rfc = g_str_has_prefix(p - back, "RFC ");
    if (!after_rfc)
      g_error("section sign without an RFC number in: %s", text);
  }
}

static void
assert_guidance_sane(const DksGuidance *g)
{
  g_assert_nonnull(g);
  g_assert_nonnull(g->verdict_line);
  g_assert_cmpuint(strlen(g->verdict_line), >, 10);
  g_assert_nonnull(g->explanation);
  g_assert_cmpuint(strlen(g->explanation), >, 20);
  g_assert_nonnull(g->fix);
  g_assert_cmpuint(strlen(g->fix), >, 5);
  g_assert_nonnull(g->who);
  g_assert_true(g_utf8_validate(g->verdict_line, -1, NULL));
  g_assert_true(g_utf8_validate(g->explanation, -1, NULL));
  g_assert_true(g_utf8_validate(g->fix, -1, NULL));
  g_assert_null(strstr(g->fix, "(null)"));
  g_assert_null(strstr(g->explanation, "(null)"));
  g_assert_null(strstr(g->verdict_line, "(null)"));
  g_assert_null(strstr(g->who, "(null)"));
  assert_rfcs_known(g->verdict_line);
  assert_rfcs_known(g->explanation);
  assert_rfcs_known(g->fix);
  assert_rfcs_known(g->receiver_note);
  assert_rfcs_known(g->notes);
}

static void
assert_contains(const char *what, const char *text, const char *phrase)
{
  if (text == NULL || strstr(text, phrase) == NULL)
    g_error("%s lacks \"%s\":\n%s", what, phrase, text ? text : "(null)");
}

static void assert_advice_layout(const char *advice);

/* ---------- every reason has words ---------- */

static DksCheckId
check_of(DksReason reason)
{
  switch (reason) {
  case DKS_REASON_SIGNATURE_SYNTAX: return DKS_CHECK_SIGNATURE_SYNTAX;
  case DKS_REASON_ALGORITHM_UNSUPPORTED:
  case DKS_REASON_ALGORITHM_DEPRECATED: return DKS_CHECK_ALGORITHM;
  case DKS_REASON_DOMAIN_MISMATCH: return DKS_CHECK_IDENTITY;
  case DKS_REASON_FROM_NOT_SIGNED: return DKS_CHECK_FROM_SIGNED;
  case DKS_REASON_SIGNATURE_EXPIRED:
  case DKS_REASON_SIGNATURE_FUTURE: return DKS_CHECK_TIMESTAMPS;
  case DKS_REASON_KEY_NOT_FOUND:
  case DKS_REASON_DNS_TEMPERROR:
  case DKS_REASON_DNSSEC_BOGUS: return DKS_CHECK_KEY_LOOKUP;
  case DKS_REASON_KEY_TOO_SHORT: return DKS_CHECK_KEY_STRENGTH;
  case DKS_REASON_BODY_HASH_MISMATCH:
  case DKS_REASON_L_EXCEEDS_BODY:
  case DKS_REASON_BODY_NOT_CHECKED: return DKS_CHECK_BODY_HASH;
  case DKS_REASON_SIGNATURE_MISMATCH: return DKS_CHECK_HEADER_SIGNATURE;
  default: return DKS_CHECK_KEY_RECORD;
  }
}

static void
test_every_reason(void)
{
  for (int r = 0; r < DKS_REASON_COUNT; r++) {
    g_autoptr(DksRun_test) run = run_one("example.com", "example.com", "s2048", "rsa-sha256");
    DksSigRun *sr = sr_at(run, 0);
    sr_verdict(sr, check_of(r), r);
    if (r == DKS_REASON_NONE)
      sr->result = DKS_RESULT_NONE;
    sr->dns = answer_new(sr->key_name,
                         r == DKS_REASON_KEY_NOT_FOUND ? DKS_DNS_NXDOMAIN
                         : r == DKS_REASON_DNS_TEMPERROR ? DKS_DNS_TIMEOUT
                                                         : DKS_DNS_ANSWER);
    if (sr->dns->outcome == DKS_DNS_ANSWER)
      answer_txt(sr->dns, "v=DKIM1; k=rsa; p=MIIB");
    g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
    g_test_message("%s: %s [%s]\n  why: %s\n  receiver: %s", dks_reason_name(r),
                   g->verdict_line, dks_party_name(g->party), g->explanation,
                   g->receiver_note);
    assert_guidance_sane(g);
    /* A failure tells someone to act; a pass or a pending check nobody. */
    if (r == DKS_REASON_PASS || r == DKS_REASON_NONE) {
      g_assert_cmpint(g->party, ==, DKS_PARTY_NONE);
      g_assert_null(g->receiver_note);
    } else {
      g_assert_cmpint(g->party, !=, DKS_PARTY_NONE);
      g_assert_nonnull(g->receiver_note);
      if (dks_reason_result(r) != DKS_RESULT_NEUTRAL)
        assert_contains("receiver note", g->receiver_note, "RFC 6376 §6.1:");
    }
    g_assert_cmpstr(dks_help_reason_line(r), !=, "");
  }
}

/* A signature without usable d= and s= (hostile or broken input) still
 * gets sane words for every reason, and never a "(null)". */
static void
test_broken_signature(void)
{
  for (int r = 0; r < DKS_REASON_COUNT; r++) {
    g_autoptr(DksRun_test) run = run_one("example.com", "", "", "rsa-sha256");
    DksSigRun *sr = sr_at(run, 0);
    g_assert_null(sr->key_name);
    sr_verdict(sr, check_of(r), r);
    if (r == DKS_REASON_NONE)
      sr->result = DKS_RESULT_NONE;
    g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
    assert_guidance_sane(g);
    g_autofree char *advice = dks_advice_text(run);
    if (advice != NULL) {
      g_assert_null(strstr(advice, "(null)"));
      assert_advice_layout(advice);
    }
  }
}

/* ---------- reasons x refinements ---------- */

typedef enum { AUTH_NONE = 0, AUTH_HAS_KEY, AUTH_MISSING, AUTH_SERVFAIL } AuthState;

typedef struct {
  const char *name;
  DksReason reason;
  const char *from, *d, *s, *a;     /* a NULL: rsa-sha256 */
  DksDnsOutcome outcome;            /* of the key lookup */
  const char *cname[3];             /* chain from the key name */
  const char *txt;                  /* record at the end, for ANSWER */
  guint negative_ttl;               /* 0: none */
  AuthState auth;
  const char *sibling_target;       /* selector1/2: the other one's CNAME */
  gboolean sibling_has_key;
  int clue;                         /* DksClueKind or NO_CLUE */
  DksParty clue_party;              /* as forensics set it (NONE: open) */
  void (*tweak)(DksRun *run, DksSigRun *sr);
  /* expected */
  DksParty party;
  const char *provider;             /* id, or NULL */
  const char *refinement;
  const char *fix_has[4];
  const char *who_has;
  const char *notes_has;
} GuidanceCase;

static void
sibling_name_for(DksSigRun *sr)
{
  const char *other = g_str_equal(sr->sig->selector, "selector1") ? "selector2" : "selector1";
  sr->sibling_name = g_strdup_printf("%s._domainkey.%s", other, sr->sig->domain);
}

static void
build_case(const GuidanceCase *c, DksRun **run_out)
{
  DksRun *run = run_one(c->from ? c->from : c->d, c->d, c->s,
                        c->a ? c->a : "rsa-sha256");
  DksSigRun *sr = sr_at(run, 0);
  sr_verdict(sr, check_of(c->reason), c->reason);
  sr->dns = answer_new(sr->key_name, c->outcome);
  for (guint i = 0; i < G_N_ELEMENTS(c->cname) && c->cname[i]; i++)
    answer_cname(sr->dns, c->cname[i]);
  if (c->txt != NULL)
    answer_txt(sr->dns, c->txt);
  if (c->negative_ttl) {
    sr->dns->has_negative_ttl = TRUE;
    sr->dns->negative_ttl = c->negative_ttl;
  }
  if (c->auth != AUTH_NONE) {
    sr->authoritative = answer_new(sr->key_name, c->auth == AUTH_HAS_KEY ? DKS_DNS_ANSWER
                                                 : c->auth == AUTH_MISSING ? DKS_DNS_NXDOMAIN
                                                                           : DKS_DNS_SERVFAIL);
    g_free(sr->authoritative->resolver);
    sr->authoritative->resolver = g_strdup("authoritative servers");
    if (c->auth == AUTH_HAS_KEY)
      answer_txt(sr->authoritative, "v=DKIM1; k=rsa; p=MIIB");
  }
  if (c->sibling_target != NULL) {
    sibling_name_for(sr);
    sr->sibling = answer_new(sr->sibling_name, c->sibling_has_key ? DKS_DNS_ANSWER
                                                                  : DKS_DNS_NXDOMAIN);
    answer_cname(sr->sibling, c->sibling_target);
    if (c->sibling_has_key)
      answer_txt(sr->sibling, "v=DKIM1; k=rsa; p=MIIB");
  }
  if (c->clue != NO_CLUE) {
    clue_add(sr, (DksClueKind)c->clue, "what forensics found",
             "evidence line from forensics");
    ((DksClue *)g_ptr_array_index(sr->clues, sr->clues->len - 1))->party = c->clue_party;
  }
  if (c->tweak != NULL)
    c->tweak(run, sr);
  *run_out = run;
}

static void
guidance_one(const GuidanceCase *c)
{
  DksRun *built = NULL;
  build_case(c, &built);
  g_autoptr(DksRun_test) run = built;
  DksSigRun *sr = sr_at(run, 0);
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
  g_test_message("%s: [%s/%s] %s\n  who: %s\n  why: %s\n  fix:\n%s\n  notes: %s", c->name,
                 dks_party_name(g->party), g->refinement ? g->refinement : "-",
                 g->verdict_line, g->who, g->explanation, g->fix, g->notes);
  assert_guidance_sane(g);
  if (g->party != c->party)
    g_error("%s: party %s, want %s", c->name, dks_party_name(g->party),
            dks_party_name(c->party));
  g_assert_cmpstr(g->provider ? g->provider->id : NULL, ==, c->provider);
  g_assert_cmpstr(g->refinement, ==, c->refinement);
  for (guint i = 0; i < G_N_ELEMENTS(c->fix_has) && c->fix_has[i]; i++)
    assert_contains(c->name, g->fix, c->fix_has[i]);
  if (c->who_has != NULL)
    assert_contains(c->name, g->who, c->who_has);
  if (c->notes_has != NULL)
    assert_contains(c->name, g->notes, c->notes_has);
}

/* tweaks for the cases that need more than the table holds */

static void
tweak_m365_pass_initial_domain(DksRun *run, DksSigRun *sr)
{
  (void)sr;
  dmarc_set(run, "example.org", "example.org", "reject");
}

static void
tweak_dmarc_example_com(DksRun *run, DksSigRun *sr)
{
  (void)sr;
  dmarc_set(run, "example.com", "example.com", "quarantine");
}

static void
tweak_two_records(DksRun *run, DksSigRun *sr)
{
  (void)run;
  answer_txt(sr->dns, "v=DKIM1; k=rsa; p=MIIC");
}

static void
tweak_sha1_only(DksRun *run, DksSigRun *sr)
{
  (void)run;
  sr->key = dks_key_record_parse("v=DKIM1; h=sha1; p=MIIB", strlen("v=DKIM1; h=sha1; p=MIIB"));
}

static void
tweak_strict_key(DksRun *run, DksSigRun *sr)
{
  (void)run;
  sr->steps[DKS_CHECK_IDENTITY].status = DKS_STATUS_PASS;
  sr->steps[DKS_CHECK_IDENTITY].reason = DKS_REASON_NONE;
  sr->steps[DKS_CHECK_KEY_RECORD].status = DKS_STATUS_FAIL;
  sr->steps[DKS_CHECK_KEY_RECORD].reason = DKS_REASON_DOMAIN_MISMATCH;
}

static void
tweak_short_key(DksRun *run, DksSigRun *sr)
{
  (void)run;
  sr->key_bits = 512;
  sr->header_valid = DKS_TRI_YES;
  sr->body_hash_match = DKS_TRI_YES;
}

static void
tweak_outside_zones(DksRun *run, DksSigRun *sr)
{
  (void)run;
  sr->dns->outside_zones = TRUE;
}

static void
tweak_dig(DksRun *run, DksSigRun *sr)
{
  (void)run;
  sr->dns->dig_command = g_strdup("dig @192.0.2.53 -p 53 +norecurse TXT missing._domainkey.example.com");
}

#define M365_T1 "selector1-example-org._domainkey.contoso.onmicrosoft.com"
#define M365_T2 "selector2-example-org._domainkey.contoso.onmicrosoft.com"
#define M365_NEW1 "selector1-example-org._domainkey.contoso.n-v1.dkim.mail.microsoft"

static const GuidanceCase cases[] = {
  /* ----- key-not-found ----- */
  {.name = "plain NXDOMAIN", .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.com",
   .s = "missing", .outcome = DKS_DNS_NXDOMAIN, .negative_ttl = 300, .clue = NO_CLUE,
   .tweak = tweak_dig, .party = DKS_PARTY_SENDER_DNS,
   .fix_has = {"missing._domainkey.example.com  TXT", "v=DKIM1; k=rsa; p=<base64 public key>",
               "255 characters", "5 minutes"},
   .who_has = "DNS administrator of example.com"},
  {.name = "plain NODATA ed25519", .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.com",
   .s = "ed", .a = "ed25519-sha256", .outcome = DKS_DNS_NODATA, .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_DNS, .fix_has = {"ed._domainkey.example.com", "k=ed25519"}},
  {.name = "google selector, TXT published by the DNS admin",
   .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.com", .s = "google",
   .outcome = DKS_DNS_NXDOMAIN, .clue = NO_CLUE, .party = DKS_PARTY_SENDER_DNS,
   .provider = "google", .fix_has = {"Authenticate email", "google._domainkey.example.com"}},
  {.name = "resolver cache", .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.com",
   .s = "s2048", .outcome = DKS_DNS_NXDOMAIN, .negative_ttl = 900, .auth = AUTH_HAS_KEY,
   .clue = NO_CLUE, .party = DKS_PARTY_RECEIVER, .refinement = "resolver-cache",
   .fix_has = {"15 minutes", "rndc flushname s2048._domainkey.example.com",
               "unbound-control flush s2048._domainkey.example.com"},
   .who_has = "resolver 192.0.2.53@53"},
  {.name = "authoritative agrees: not cached", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.com", .s = "s2048", .outcome = DKS_DNS_NXDOMAIN, .auth = AUTH_MISSING,
   .clue = NO_CLUE, .party = DKS_PARTY_SENDER_DNS, .fix_has = {"s2048._domainkey.example.com"}},
  {.name = "doubled domain", .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_NXDOMAIN, .clue = DKS_CLUE_KEY_AT_DOUBLED_DOMAIN,
   .party = DKS_PARTY_SENDER_DNS, .refinement = "key-at-doubled-domain",
   .fix_has = {"sel._domainkey.example.com", "only the host part sel._domainkey"}},
  {.name = "no underscore", .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_NXDOMAIN, .clue = DKS_CLUE_KEY_WITHOUT_UNDERSCORE,
   .party = DKS_PARTY_SENDER_DNS, .refinement = "key-without-underscore",
   .fix_has = {"Rename the record to sel._domainkey.example.com"}},
  {.name = "parent domain", .reason = DKS_REASON_KEY_NOT_FOUND, .d = "mail.example.com",
   .from = "example.com", .s = "sel", .outcome = DKS_DNS_NXDOMAIN,
   .clue = DKS_CLUE_KEY_AT_PARENT_DOMAIN, .party = DKS_PARTY_SENDER_DNS,
   .refinement = "key-at-parent-domain", .fix_has = {"sel._domainkey.mail.example.com"}},
  {.name = "child name", .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_NXDOMAIN, .clue = DKS_CLUE_KEY_AT_CHILD_NAME,
   .party = DKS_PARTY_SENDER_DNS, .refinement = "key-at-child-name",
   .fix_has = {"exactly sel._domainkey.example.com"}},
  {.name = "CNAME value entered as TXT", .reason = DKS_REASON_KEY_SYNTAX,
   .d = "example.com", .s = "s1", .outcome = DKS_DNS_ANSWER, .txt = "s1.domainkey.u1.wl.sendgrid.net",
   .clue = DKS_CLUE_CNAME_TARGET_AS_TXT, .party = DKS_PARTY_SENDER_DNS,
   .provider = "sendgrid", .refinement = "cname-as-txt",
   .fix_has = {"Delete the TXT record at s1._domainkey.example.com", "CNAME record"}},
  /* Microsoft 365 (1): no CNAME at the signing selector. */
  {.name = "m365 cnames missing (sibling proves Microsoft 365)",
   .reason = DKS_REASON_KEY_NOT_FOUND, .d = "example.org", .s = "selector1",
   .outcome = DKS_DNS_NXDOMAIN, .sibling_target = M365_T2, .sibling_has_key = TRUE,
   .clue = NO_CLUE, .party = DKS_PARTY_SENDER_DNS, .provider = "microsoft365",
   .refinement = "m365-cnames-missing",
   .fix_has = {"selector1._domainkey.example.org  CNAME", "selector2._domainkey.example.org  CNAME",
               "Get-DkimSigningConfig -Identity example.org | Format-List", M365_T2},
   .who_has = "DNS administrator of example.org", .notes_has = "does lead to a key"},
  {.name = "m365 cnames missing (selector hint only)", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.org", .s = "selector2", .outcome = DKS_DNS_NXDOMAIN, .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_DNS, .provider = "microsoft365",
   .refinement = "m365-cnames-missing",
   .fix_has = {"selector2-example-org._domainkey.<tenant>.onmicrosoft.com",
               "Selector1CNAME,Selector2CNAME"}},
  /* (2): the CNAME is right, Microsoft publishes no key at its target. */
  {.name = "m365 key not published", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.org", .s = "selector1", .outcome = DKS_DNS_NXDOMAIN,
   .cname = {M365_T1}, .sibling_target = M365_T2, .sibling_has_key = TRUE,
   .clue = NO_CLUE, .party = DKS_PARTY_SENDER_MAIL, .provider = "microsoft365",
   .refinement = "m365-key-not-published",
   .fix_has = {"Sign messages for this domain with DKIM signatures",
               "Rotate-DkimSigningConfig -Identity example.org", M365_T1,
               "nothing needs to change in the DNS of example.org"},
   .who_has = "Microsoft 365 administrator for example.org (tenant contoso)"},
  {.name = "m365 key not published, new target format", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.org", .s = "selector1", .outcome = DKS_DNS_NXDOMAIN,
   .cname = {M365_NEW1}, .clue = NO_CLUE, .party = DKS_PARTY_SENDER_MAIL,
   .provider = "microsoft365", .refinement = "m365-key-not-published",
   .fix_has = {"Set-DkimSigningConfig -Identity example.org -Enabled $true", M365_NEW1},
   .who_has = "(tenant contoso)"},
  /* (4): the CNAME was built by hand and points elsewhere. */
  {.name = "m365 CNAME with a wrong target", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.org", .s = "selector1", .outcome = DKS_DNS_NXDOMAIN,
   .cname = {"selector1-example-com._domainkey.contoso.onmicrosoft.com"}, .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_DNS, .provider = "microsoft365",
   .refinement = "m365-cname-wrong-target",
   .fix_has = {"Get-DkimSigningConfig -Identity example.org",
               "selector1._domainkey.example.org  CNAME  " M365_T1}},
  /* (3): the inactive selector without a key is no fault. */
  {.name = "m365 pass, other selector empty", .reason = DKS_REASON_PASS,
   .d = "example.org", .s = "selector1", .outcome = DKS_DNS_ANSWER, .cname = {M365_T1},
   .txt = "v=DKIM1; k=rsa; p=MIIB", .sibling_target = M365_T2, .sibling_has_key = FALSE,
   .clue = NO_CLUE, .party = DKS_PARTY_NONE, .provider = "microsoft365",
   .fix_has = {"Nothing to fix"}, .notes_has = "That is normal"},
  /* (5): signed with the tenant's initial domain, not aligned with From. */
  {.name = "m365 initial domain signature", .reason = DKS_REASON_PASS,
   .from = "example.org", .d = "contoso.onmicrosoft.com", .s = "selector1",
   .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; k=rsa; p=MIIB", .clue = NO_CLUE,
   .tweak = tweak_m365_pass_initial_domain, .party = DKS_PARTY_SENDER_MAIL,
   .provider = "microsoft365", .refinement = "m365-initial-domain-signature",
   .fix_has = {"two DKIM CNAME records Microsoft 365 shows",
               "Get-DkimSigningConfig -Identity example.org",
               "signed with d=example.org"},
   .who_has = "Microsoft 365 administrator for example.org (tenant contoso)"},
  {.name = "ESP signs with its own domain", .reason = DKS_REASON_PASS,
   .from = "example.com", .d = "sendgrid.info", .s = "smtpapi", .outcome = DKS_DNS_ANSWER,
   .txt = "v=DKIM1; k=rsa; p=MIIB", .clue = NO_CLUE, .tweak = tweak_dmarc_example_com,
   .party = DKS_PARTY_SENDER_MAIL, .provider = "sendgrid",
   .refinement = "provider-signing-domain",
   .fix_has = {"Domain Authentication), domain example.com", "s1._domainkey.example.com"},
   .who_has = "SendGrid account administrator for example.com"},
  {.name = "pass, not aligned, no provider", .reason = DKS_REASON_PASS,
   .from = "example.com", .d = "example.net", .s = "sel", .outcome = DKS_DNS_ANSWER,
   .txt = "v=DKIM1; k=rsa; p=MIIB", .clue = NO_CLUE, .tweak = tweak_dmarc_example_com,
   .party = DKS_PARTY_NONE, .fix_has = {"sign with d=example.com"}},
  {.name = "SendGrid CNAME without key", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.com", .s = "s1", .outcome = DKS_DNS_NXDOMAIN,
   .cname = {"s1.domainkey.u123.wl.sendgrid.net"}, .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_MAIL, .provider = "sendgrid",
   .refinement = "provider-key-not-published", .fix_has = {"Domain Authentication"},
   .who_has = "SendGrid account administrator for example.com"},
  {.name = "Amazon SES CNAME without key", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.com", .s = "abcdef123", .outcome = DKS_DNS_NXDOMAIN,
   .cname = {"abcdef123.dkim.amazonses.com"}, .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_MAIL, .provider = "amazonses",
   .refinement = "provider-key-not-published",
   .fix_has = {"aws sesv2 get-email-identity --email-identity example.com"}},
  {.name = "CNAME to an unknown name without key", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.com", .s = "nodata", .outcome = DKS_DNS_NODATA,
   .cname = {"www.example.com"}, .clue = NO_CLUE, .party = DKS_PARTY_SENDER_DNS,
   .refinement = "cname-target-missing", .fix_has = {"www.example.com  TXT"}},
  {.name = "outside the offline zones", .reason = DKS_REASON_KEY_NOT_FOUND,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_NXDOMAIN,
   .cname = {"sel.elsewhere.example"}, .clue = NO_CLUE, .tweak = tweak_outside_zones,
   .party = DKS_PARTY_INPUT, .refinement = "outside-zones",
   .fix_has = {"--dns-zone", "sel.elsewhere.example"}},
  /* ----- body-hash-mismatch ----- */
  {.name = "footer appended", .reason = DKS_REASON_BODY_HASH_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_FOOTER_APPENDED, .party = DKS_PARTY_INTERMEDIARY,
   .refinement = "footer-appended", .fix_has = {"before the message is DKIM-signed", "RFC 8617"}},
  {.name = "banner prepended", .reason = DKS_REASON_BODY_HASH_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_BANNER_PREPENDED, .clue_party = DKS_PARTY_INTERMEDIARY,
   .party = DKS_PARTY_INTERMEDIARY, .refinement = "banner-prepended",
   .fix_has = {"banner", "RFC 8617"}},
  {.name = "change inside the l= part", .reason = DKS_REASON_BODY_HASH_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_BODY_PREFIX_L, .party = DKS_PARTY_INTERMEDIARY,
   .refinement = "body-prefix-l", .fix_has = {"rewrote the signed part"}},
  {.name = "signer hashed bare LF", .reason = DKS_REASON_BODY_HASH_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_BARE_LF_DAMAGE, .clue_party = DKS_PARTY_SENDER_MAIL,
   .party = DKS_PARTY_SENDER_MAIL, .refinement = "signer-bare-lf",
   .fix_has = {"CRLF line ends"}, .who_has = "mail system that signs for example.com"},
  {.name = "body changed, copy incomplete", .reason = DKS_REASON_BODY_HASH_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_BODY_CHANGED, .clue_party = DKS_PARTY_INPUT, .party = DKS_PARTY_INPUT,
   .refinement = "body-changed", .fix_has = {"complete message"}},
  {.name = "bare LF from pasting", .reason = DKS_REASON_BODY_HASH_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_BARE_LF_DAMAGE, .party = DKS_PARTY_INPUT,
   .refinement = "paste-bare-lf", .fix_has = {"Show original"}},
  {.name = "trailing spaces from pasting", .reason = DKS_REASON_BODY_HASH_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_TRAILING_WS_DAMAGE, .party = DKS_PARTY_INPUT,
   .refinement = "paste-trailing-space", .fix_has = {".eml"}},
  {.name = "body changed", .reason = DKS_REASON_BODY_HASH_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_BODY_CHANGED, .party = DKS_PARTY_INTERMEDIARY,
   .refinement = "body-changed", .fix_has = {"rewrote it"}},
  {.name = "body hash, no forensics", .reason = DKS_REASON_BODY_HASH_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = NO_CLUE, .party = DKS_PARTY_INTERMEDIARY, .fix_has = {"rewrote it"}},
  /* ----- signature-mismatch ----- */
  {.name = "subject tag", .reason = DKS_REASON_SIGNATURE_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_SUBJECT_TAG_ADDED, .party = DKS_PARTY_INTERMEDIARY,
   .refinement = "subject-tag-added", .fix_has = {"Authentication-Results"}},
  {.name = "refolded header", .reason = DKS_REASON_SIGNATURE_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_HEADER_REFOLDED, .party = DKS_PARTY_INTERMEDIARY,
   .refinement = "header-refolded", .fix_has = {"c=relaxed/relaxed"}},
  {.name = "z= copy differs", .reason = DKS_REASON_SIGNATURE_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_COPIED_HEADER_DIFFERS, .party = DKS_PARTY_INTERMEDIARY,
   .refinement = "copied-header-differs", .fix_has = {"rewrites this header field"}},
  {.name = "header changed, key right", .reason = DKS_REASON_SIGNATURE_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_HEADER_CHANGED, .clue_party = DKS_PARTY_INTERMEDIARY,
   .party = DKS_PARTY_INTERMEDIARY, .refinement = "header-changed",
   .fix_has = {"h= with the sender's copy"}},
  {.name = "key mismatch, own DNS", .reason = DKS_REASON_SIGNATURE_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_KEY_MISMATCH, .party = DKS_PARTY_SENDER_DNS,
   .refinement = "key-mismatch",
   .fix_has = {"sel._domainkey.example.com  TXT", "new selector"}},
  {.name = "key mismatch, key hosted by Microsoft 365", .reason = DKS_REASON_SIGNATURE_MISMATCH,
   .d = "example.org", .s = "selector1", .outcome = DKS_DNS_ANSWER, .cname = {M365_T1},
   .txt = "v=DKIM1; p=MIIB", .clue = DKS_CLUE_KEY_MISMATCH,
   .party = DKS_PARTY_SENDER_MAIL, .provider = "microsoft365", .refinement = "key-mismatch",
   .fix_has = {"Rotate-DkimSigningConfig -Identity example.org"}},
  {.name = "signature mismatch, no forensics", .reason = DKS_REASON_SIGNATURE_MISMATCH,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = NO_CLUE, .party = DKS_PARTY_INTERMEDIARY, .fix_has = {"sel._domainkey.example.com"}},
  /* ----- key record ----- */
  {.name = "key revoked", .reason = DKS_REASON_KEY_REVOKED, .d = "example.com",
   .s = "revoked", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; k=rsa; p=", .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_DNS, .fix_has = {"revoked._domainkey.example.com  TXT"}},
  {.name = "key junk", .reason = DKS_REASON_KEY_SYNTAX, .d = "example.com", .s = "quoted",
   .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; k=rsa; p=\"MIIB\"",
   .clue = DKS_CLUE_KEY_JUNK, .party = DKS_PARTY_SENDER_DNS, .refinement = "key-junk",
   .fix_has = {"quoted._domainkey.example.com  TXT", "no quotes"}},
  {.name = "key cut at 255", .reason = DKS_REASON_KEY_SYNTAX, .d = "example.com",
   .s = "cut", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; k=rsa; p=MIIB",
   .clue = DKS_CLUE_KEY_CUT_AT_255, .party = DKS_PARTY_SENDER_DNS,
   .refinement = "key-cut-at-255", .fix_has = {"255 characters", "cut._domainkey.example.com"}},
  {.name = "key truncated", .reason = DKS_REASON_KEY_SYNTAX, .d = "example.com",
   .s = "short", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; k=rsa; p=MIIBIjAN",
   .clue = DKS_CLUE_KEY_TRUNCATED, .clue_party = DKS_PARTY_SENDER_DNS,
   .party = DKS_PARTY_SENDER_DNS, .refinement = "key-truncated",
   .fix_has = {"whole public key", "short._domainkey.example.com  TXT"}},
  {.name = "two key records", .reason = DKS_REASON_KEY_SYNTAX, .d = "example.com",
   .s = "tworecords", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; k=rsa; p=MIIB",
   .clue = NO_CLUE, .tweak = tweak_two_records, .party = DKS_PARTY_SENDER_DNS,
   .refinement = "key-several-records", .fix_has = {"Delete all but"}},
  {.name = "hash not allowed", .reason = DKS_REASON_KEY_HASH_NOT_ALLOWED, .d = "example.com",
   .s = "sha1only", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; h=sha1; p=MIIB",
   .clue = NO_CLUE, .tweak = tweak_sha1_only, .party = DKS_PARTY_SENDER_DNS,
   .fix_has = {"Remove h= from the record at sha1only._domainkey.example.com"}},
  {.name = "key algorithm mismatch", .reason = DKS_REASON_KEY_ALGORITHM_MISMATCH,
   .d = "example.com", .s = "s2048", .a = "ed25519-sha256", .outcome = DKS_DNS_ANSWER,
   .txt = "v=DKIM1; k=rsa; p=MIIB", .clue = NO_CLUE, .party = DKS_PARTY_SENDER_DNS,
   .fix_has = {"k=ed25519", "s2048._domainkey.example.com"}},
  {.name = "key too short", .reason = DKS_REASON_KEY_TOO_SHORT, .d = "example.com",
   .s = "s512", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB", .clue = NO_CLUE,
   .tweak = tweak_short_key, .party = DKS_PARTY_SENDER_DNS,
   .fix_has = {"2048-bit", "<new selector>._domainkey.example.com  TXT"}},
  /* ----- signature field ----- */
  {.name = "identity outside d=", .reason = DKS_REASON_DOMAIN_MISMATCH, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB", .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_MAIL, .fix_has = {"@example.com"}},
  {.name = "strict key", .reason = DKS_REASON_DOMAIN_MISMATCH, .d = "example.com",
   .s = "strict", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; t=s; p=MIIB", .clue = NO_CLUE,
   .tweak = tweak_strict_key, .party = DKS_PARTY_SENDER_MAIL,
   .refinement = "identity-strict-key", .fix_has = {"remove t=s", "i=@example.com"}},
  {.name = "expired after delivery", .reason = DKS_REASON_SIGNATURE_EXPIRED,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB",
   .clue = DKS_CLUE_EXPIRED_AFTER_DELIVERY, .party = DKS_PARTY_NONE,
   .refinement = "expired-after-delivery", .fix_has = {"Nothing to fix", "--now"}},
  {.name = "expired", .reason = DKS_REASON_SIGNATURE_EXPIRED, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ANSWER, .txt = "v=DKIM1; p=MIIB", .clue = NO_CLUE,
   .party = DKS_PARTY_SENDER_MAIL, .fix_has = {"x="}},
  /* ----- temporary ----- */
  {.name = "timeout", .reason = DKS_REASON_DNS_TEMPERROR, .d = "example.com", .s = "sel",
   .outcome = DKS_DNS_TIMEOUT, .clue = NO_CLUE, .party = DKS_PARTY_RECEIVER,
   .refinement = "dns-timeout", .fix_has = {"dig +trace TXT sel._domainkey.example.com"}},
  {.name = "servfail", .reason = DKS_REASON_DNS_TEMPERROR, .d = "example.com", .s = "sel",
   .outcome = DKS_DNS_SERVFAIL, .clue = NO_CLUE, .party = DKS_PARTY_RECEIVER,
   .refinement = "dns-servfail", .fix_has = {"Check again"}},
  {.name = "refused", .reason = DKS_REASON_DNS_TEMPERROR, .d = "example.com", .s = "sel",
   .outcome = DKS_DNS_REFUSED, .clue = NO_CLUE, .party = DKS_PARTY_RECEIVER,
   .refinement = "dns-refused", .who_has = "resolver 192.0.2.53@53"},
  {.name = "resolver error", .reason = DKS_REASON_DNS_TEMPERROR, .d = "example.com",
   .s = "sel", .outcome = DKS_DNS_ERROR, .clue = NO_CLUE, .party = DKS_PARTY_RECEIVER,
   .refinement = "dns-error"},
  {.name = "authoritative servers fail too", .reason = DKS_REASON_DNS_TEMPERROR,
   .d = "example.com", .s = "sel", .outcome = DKS_DNS_SERVFAIL, .auth = AUTH_SERVFAIL,
   .clue = NO_CLUE, .party = DKS_PARTY_SENDER_DNS, .refinement = "sender-dns-servers",
   .fix_has = {"name servers"}},
  {.name = "CNAME loop", .reason = DKS_REASON_DNS_TEMPERROR, .d = "example.com",
   .s = "loop", .outcome = DKS_DNS_CNAME_LOOP,
   .cname = {"a.example.com", "b.example.com", "loop._domainkey.example.com"},
   .clue = NO_CLUE, .party = DKS_PARTY_SENDER_DNS, .refinement = "cname-loop",
   .fix_has = {"loop._domainkey.example.com"}},
};

static void
test_cases(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    guidance_one(&cases[i]);
}

/* Every clue kind is exercised by at least one case above. */
static void
test_every_clue_covered(void)
{
  for (int k = 0; k < DKS_CLUE_COUNT; k++) {
    gboolean found = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(cases) && !found; i++)
      found = cases[i].clue == k;
    if (!found)
      g_error("no guidance case for clue kind %d", k);
  }
}

/* Hostile bytes in d= and DNS names come out escaped. */
static void
test_hostile_names_escaped(void)
{
  g_autoptr(DksRun_test) run = run_one("example.com", "example.com", "s1", "rsa-sha256");
  DksSigRun *sr = sr_at(run, 0);
  sr_verdict(sr, DKS_CHECK_KEY_LOOKUP, DKS_REASON_KEY_NOT_FOUND);
  g_free(sr->sig->domain);
  sr->sig->domain = g_strdup("evil\x1b[2J\xe2\x80\xae" "moc.example");
  sr->dns = answer_new(sr->key_name, DKS_DNS_NXDOMAIN);
  answer_cname(sr->dns, "x\x07y.example.net");
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
  const char *texts[] = {g->verdict_line, g->explanation, g->fix, g->who};
  for (guint i = 0; i < G_N_ELEMENTS(texts); i++) {
    g_assert_null(strchr(texts[i], 0x1b));
    g_assert_null(strchr(texts[i], 0x07));
    g_assert_null(strstr(texts[i], "\xe2\x80\xae"));
  }
  assert_contains("who", g->who, "evil\\x1b[2J<U+202E>moc.example");
  g_autofree char *advice = dks_advice_text((DksRun *)run);
  g_assert_nonnull(advice);
  g_assert_null(strchr(advice, 0x1b));
}

/* ---------- providers ---------- */

typedef struct {
  const char *d, *s, *cname;
  const char *want_id;
  DksProviderMatch want_how;
} ProviderCase;

static void
provider_one(const ProviderCase *c)
{
  g_autoptr(DksRun_test) run = run_one(c->d, c->d, c->s, "rsa-sha256");
  DksSigRun *sr = sr_at(run, 0);
  sr->dns = answer_new(sr->key_name, DKS_DNS_NXDOMAIN);
  if (c->cname != NULL)
    answer_cname(sr->dns, c->cname);
  DksProviderMatch how = DKS_PROVIDER_MATCH_NONE;
  const DksProvider *p = dks_provider_detect(sr, &how);
  g_test_message("d=%s s=%s cname=%s -> %s/%d", c->d, c->s, c->cname,
                 p ? p->id : "none", how);
  g_assert_cmpstr(p ? p->id : NULL, ==, c->want_id);
  g_assert_cmpint(how, ==, c->want_how);
}

static void
test_provider_detect(void)
{
  static const ProviderCase cases[] = {
    {"example.org", "selector1", M365_T1, "microsoft365", DKS_PROVIDER_MATCH_CNAME},
    {"example.org", "selector1", M365_NEW1, "microsoft365", DKS_PROVIDER_MATCH_CNAME},
    {"contoso.onmicrosoft.com", "selector1", NULL, "microsoft365", DKS_PROVIDER_MATCH_DOMAIN},
    {"example.org", "selector2", NULL, "microsoft365", DKS_PROVIDER_MATCH_SELECTOR},
    {"example.com", "google", NULL, "google", DKS_PROVIDER_MATCH_SELECTOR},
    {"example-com.20230601.gappssmtp.com", "20230601", NULL, "google", DKS_PROVIDER_MATCH_DOMAIN},
    {"example.com", "tok3n", "tok3n.dkim.amazonses.com", "amazonses", DKS_PROVIDER_MATCH_CNAME},
    {"amazonses.com", "tok3n", NULL, "amazonses", DKS_PROVIDER_MATCH_DOMAIN},
    {"example.com", "s1", "s1.domainkey.u1234.wl5.sendgrid.net", "sendgrid", DKS_PROVIDER_MATCH_CNAME},
    {"example.com", "s2", NULL, "sendgrid", DKS_PROVIDER_MATCH_SELECTOR},
    {"sendgrid.info", "smtpapi", NULL, "sendgrid", DKS_PROVIDER_MATCH_DOMAIN},
    {"example.com", "k1", "dkim.mcsv.net", "mailchimp", DKS_PROVIDER_MATCH_CNAME},
    {"example.com", "k1", NULL, "mailchimp", DKS_PROVIDER_MATCH_SELECTOR},
    {"example.com", "mandrill", "dkim.mandrillapp.com", "mandrill", DKS_PROVIDER_MATCH_CNAME},
    {"mandrillapp.com", "mandrill", NULL, "mandrill", DKS_PROVIDER_MATCH_DOMAIN},
    {"example.com", "sf1", "sf1.abc123.custdkim.salesforce.com", "salesforce", DKS_PROVIDER_MATCH_CNAME},
    {"example.com", "hs1-123456", "example-com.hs1-123456.dkim.hubspotemail.net", "hubspot", DKS_PROVIDER_MATCH_CNAME},
    {"example.com", "hs2-123456", NULL, "hubspot", DKS_PROVIDER_MATCH_SELECTOR},
    {"example.com", "zendesk1", "zendesk1._domainkey.zendesk.com", "zendesk", DKS_PROVIDER_MATCH_CNAME},
    /* CNAME wins over a selector that hints at someone else. */
    {"example.com", "selector1", "s1.domainkey.u1.wl.sendgrid.net", "sendgrid", DKS_PROVIDER_MATCH_CNAME},
    /* The domain wins over a selector hint. */
    {"amazonses.com", "google", NULL, "amazonses", DKS_PROVIDER_MATCH_DOMAIN},
    /* Suffixes match at label boundaries only. */
    {"example.com", "x", "evilsendgrid.net", NULL, DKS_PROVIDER_MATCH_NONE},
    {"notonmicrosoft.com", "x", NULL, NULL, DKS_PROVIDER_MATCH_NONE},
    {"example.com", "default", NULL, NULL, DKS_PROVIDER_MATCH_NONE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    provider_one(&cases[i]);
}

/* Every CNAME hop counts, not just the first. */
static void
test_provider_later_hop(void)
{
  g_autoptr(DksRun_test) run = run_one("example.org", "example.org", "sel", "rsa-sha256");
  DksSigRun *sr = sr_at(run, 0);
  sr->dns = answer_new(sr->key_name, DKS_DNS_NXDOMAIN);
  answer_cname(sr->dns, "dkim.example.org");
  answer_cname(sr->dns, "sel.dkim.amazonses.com");
  DksProviderMatch how;
  const DksProvider *p = dks_provider_detect(sr, &how);
  g_assert_nonnull(p);
  g_assert_cmpstr(p->id, ==, "amazonses");
  g_assert_cmpint(how, ==, DKS_PROVIDER_MATCH_CNAME);
}

static void
test_provider_table(void)
{
  const DksProvider *const *all = dks_providers_all();
  guint n = 0;
  for (; all[n] != NULL; n++) {
    const DksProvider *p = all[n];
    g_assert_nonnull(p->id);
    g_assert_nonnull(p->name);
    g_assert_nonnull(p->enable_where);
    g_assert_nonnull(p->dns_records);
    g_assert_true(p->cname_suffixes || p->domain_suffixes || p->selectors);
    g_assert_true(dks_provider_by_id(p->id) == p);
    assert_rfcs_known(p->enable_where);
    assert_rfcs_known(p->dns_records);
    /* Only "%s" may appear as a placeholder. */
    const char *texts[] = {p->enable_where, p->dns_records, p->rotate_where, p->check_command};
    for (guint t = 0; t < G_N_ELEMENTS(texts); t++)
      for (const char *q = texts[t] ? strchr(texts[t], '%') : NULL; q; q = strchr(q + 1, '%'))
        g_assert_cmpint(q[1], ==, 's');
  }
  g_assert_cmpuint(n, >=, 8);
  g_assert_null(dks_provider_by_id("nosuch"));

  g_autofree char *t = dks_provider_text("a %s b %s", "example.org");
  g_assert_cmpstr(t, ==, "a example.org b example.org");
  g_autofree char *t2 = dks_provider_text("100% sure %", "x");
  g_assert_cmpstr(t2, ==, "100% sure %");
  g_assert_null(dks_provider_text(NULL, "x"));
}

typedef struct {
  const char *selector, *domain, *want;
} PrefixCase;

static void
test_m365_names(void)
{
  static const PrefixCase prefixes[] = {
    {"selector1", "contoso.com", "selector1-contoso-com._domainkey."},
    {"Selector2", "Marketing.Contoso.COM.", "selector2-marketing-contoso-com._domainkey."},
    {"selector1", "", NULL},
    {NULL, "contoso.com", NULL},
  };
  for (guint i = 0; i < G_N_ELEMENTS(prefixes); i++) {
    g_autofree char *got = dks_m365_expected_target_prefix(prefixes[i].selector,
                                                           prefixes[i].domain);
    g_assert_cmpstr(got, ==, prefixes[i].want);
  }
  static const struct {
    const char *target, *tenant;
    gboolean initial;
  } tenants[] = {
    {M365_T1, "contoso", TRUE},
    {M365_NEW1, "contoso", FALSE},
    {"selector1-x._domainkey.Fabrikam.r-v1.dkim.mail.microsoft", "fabrikam", FALSE},
    {"contoso.onmicrosoft.com", NULL, FALSE},
    {"_domainkey.contoso.onmicrosoft.com", NULL, FALSE},
    {"selector1-x.domainkey.contoso.onmicrosoft.com", NULL, FALSE},
    {"dkim.mail.microsoft", NULL, FALSE},
    {"s1.domainkey.u1.wl.sendgrid.net", NULL, FALSE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(tenants); i++) {
    g_autofree char *got = dks_m365_tenant(tenants[i].target);
    g_assert_cmpstr(got, ==, tenants[i].tenant);
    g_assert_cmpint(dks_m365_target_is_initial_domain(tenants[i].target), ==,
                    tenants[i].initial);
  }
  const char *const suffixes[] = {"example.org", NULL};
  g_assert_true(dks_name_under_any("EXAMPLE.org.", suffixes));
  g_assert_true(dks_name_under_any("a.example.org", suffixes));
  g_assert_false(dks_name_under_any("aexample.org", suffixes));
  g_assert_false(dks_name_under_any("org", suffixes));
  g_assert_false(dks_name_under_any(NULL, suffixes));
}

/* ---------- advice text ---------- */

static void
assert_advice_layout(const char *advice)
{
  g_auto(GStrv) lines = g_strsplit(advice, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    if (g_utf8_strlen(*l, -1) <= 72)
      continue;
    /* Longer only for a record or command (indented 7, copied as it is)
     * or when one unbreakable word fills the line. */
    if (g_str_has_prefix(*l, "       "))
      continue;
    const char *word = *l + strspn(*l, " ");
    if (strchr(word, ' ') != NULL)
      g_error("advice line over 72 columns: \"%s\"", *l);
  }
}

static void
test_advice_m365(void)
{
  const GuidanceCase *c = NULL;
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    if (g_str_equal(cases[i].name, "m365 key not published"))
      c = &cases[i];
  g_assert_nonnull(c);
  DksRun *built = NULL;
  build_case(c, &built);
  g_autoptr(DksRun_test) run = built;
  sr_at(run, 0)->dns->dig_command =
    g_strdup("dig @192.0.2.53 TXT selector1._domainkey.example.org");
  g_autofree char *advice = dks_advice_text(run);
  g_assert_nonnull(advice);
  g_test_message("%s", advice);
  assert_advice_layout(advice);
  assert_contains("advice", advice, "To: the Microsoft 365 administrator for");
  assert_contains("advice", advice, "From: Dana Whitfield <dana@example.org>");
  assert_contains("advice", advice, "Subject: Quarterly figures");
  assert_contains("advice", advice, "Date: Sat, 01 Jun 2024 12:00:00 +0000");
  assert_contains("advice", advice, "d=example.org s=selector1");
  assert_contains("advice", advice, "selector1._domainkey.example.org is a CNAME");
  assert_contains("advice", advice, M365_T1);
  assert_contains("advice", advice, "does not exist (NXDOMAIN)");
  assert_contains("advice", advice, "Rotate-DkimSigningConfig");
  assert_contains("advice", advice, "       dig +short TXT " M365_T1 "\n");
  assert_contains("advice", advice, "       Rotate-DkimSigningConfig -Identity example.org\n");
  assert_contains("advice", advice, "Thank you.");
}

static void
test_advice_plain_key(void)
{
  g_autoptr(DksRun_test) run = run_one("example.com", "example.com", "missing", "rsa-sha256");
  DksSigRun *sr = sr_at(run, 0);
  sr_verdict(sr, DKS_CHECK_KEY_LOOKUP, DKS_REASON_KEY_NOT_FOUND);
  sr->dns = answer_new(sr->key_name, DKS_DNS_NXDOMAIN);
  sr->dns->dig_command = g_strdup("dig @192.0.2.53 TXT missing._domainkey.example.com");
  g_autofree char *advice = dks_advice_text(run);
  g_assert_nonnull(advice);
  assert_advice_layout(advice);
  assert_contains("advice", advice, "To: the DNS administrator of example.com");
  assert_contains("advice", advice, "       missing._domainkey.example.com  TXT  \"v=DKIM1; k=rsa; p=<base64");
  assert_contains("advice", advice, "dig @192.0.2.53 TXT missing._domainkey.example.com");
}

static void
test_advice_none_when_passing(void)
{
  const SigSpec specs[] = {{"example.com", "s1", "rsa-sha256"},
                           {"example.net", "s2", "rsa-sha256"}};
  g_autoptr(DksRun_test) run = run_new("example.com", specs, 2);
  sr_verdict(sr_at(run, 0), DKS_CHECK_HEADER_SIGNATURE, DKS_REASON_PASS);
  sr_verdict(sr_at(run, 1), DKS_CHECK_HEADER_SIGNATURE, DKS_REASON_PASS);
  g_assert_null(dks_advice_pick(run));
  g_assert_null(dks_advice_text(run));
  g_autoptr(DksRun_test) empty = run_new("example.com", NULL, 0);
  g_assert_null(dks_advice_text(empty));
}

/* The signature whose d= aligns with From is the one to write about; a
 * lasting failure beats a temporary one. */
static void
test_advice_pick(void)
{
  const SigSpec specs[] = {{"esp.example.net", "s1", "rsa-sha256"},
                           {"mail.example.org", "s2", "rsa-sha256"},
                           {"example.org", "s3", "rsa-sha256"}};
  g_autoptr(DksRun_test) run = run_new("example.org", specs, 3);
  sr_verdict(sr_at(run, 0), DKS_CHECK_KEY_LOOKUP, DKS_REASON_KEY_NOT_FOUND);
  sr_verdict(sr_at(run, 1), DKS_CHECK_KEY_LOOKUP, DKS_REASON_DNS_TEMPERROR);
  sr_verdict(sr_at(run, 2), DKS_CHECK_HEADER_SIGNATURE, DKS_REASON_PASS);
  /* Without DMARC context: the lasting failure first. */
  g_assert_true(dks_advice_pick(run) == sr_at(run, 0));
  /* With it: the aligned failure (relaxed: mail.example.org). */
  dmarc_set(run, "example.org", "example.org", "none");
  g_assert_true(dks_advice_pick(run) == sr_at(run, 1));
  sr_at(run, 1)->dns = answer_new(sr_at(run, 1)->key_name, DKS_DNS_TIMEOUT);
  g_autofree char *advice = dks_advice_text(run);
  assert_contains("advice", advice, "d=mail.example.org s=s2");
  assert_advice_layout(advice);
  /* The passing aligned signature is named in the receiver note. */
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr_at(run, 0));
  assert_contains("receiver note", g->receiver_note, "another signature verifies (d=example.org)");
  assert_contains("receiver note", g->receiver_note, "DMARC p=none");
}

/* ---------- real fixtures through the pipeline ---------- */

static DksResolver *fixture_resolver;

static DksResolver *
fixture_resolver_get(void)
{
  if (fixture_resolver != NULL)
    return fixture_resolver;
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  g_assert_nonnull(root);
  g_autofree char *zdir = g_build_filename(root, "tests", "fixtures", "zones", NULL);
  g_autoptr(GPtrArray) zones = g_ptr_array_new_with_free_func(g_free);
  static const char *const names[] = {"example.com.zone", "example.net.zone",
                                      "example.org.zone", "contoso.onmicrosoft.com.zone",
                                      "fabrikam.onmicrosoft.com.zone"};
  for (guint i = 0; i < G_N_ELEMENTS(names); i++)
    g_ptr_array_add(zones, g_build_filename(zdir, names[i], NULL));
  DksResolverConfig config = {.mode = DKS_RESOLVER_ZONES, .zone_files = zones,
                              .timeout_ms = 5000};
  g_autoptr(GError) error = NULL;
  fixture_resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  return fixture_resolver;
}

static DksRun *
fixture_run(const char *name)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  g_autofree char *path = g_build_filename(root, "tests", "fixtures", "messages", name, NULL);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  DksRun *run = dks_run_new(msg, FIXTURE_NOW);
  dks_run_start_dns(run, fixture_resolver_get(), NULL, NULL);
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  return run;
}

typedef struct {
  const char *file;
  guint sig;
  DksParty party;
  const char *provider;
  const char *refinement;
  const char *fix_has;
  const char *who_has;
  const char *notes_has;
} FixtureCase;

static void
fixture_one(const FixtureCase *c)
{
  g_autoptr(DksRun) run = fixture_run(c->file);
  g_assert_cmpuint(c->sig, <, run->sigs->len);
  const DksSigRun *sr = g_ptr_array_index(run->sigs, c->sig);
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
  g_test_message("%s #%u %s: [%s/%s] %s\n  who: %s\n  why: %s\n  fix:\n%s\n  notes: %s",
                 c->file, c->sig, dks_reason_name(sr->reason), dks_party_name(g->party),
                 g->refinement ? g->refinement : "-", g->verdict_line, g->who,
                 g->explanation, g->fix, g->notes);
  assert_guidance_sane(g);
  if (g->party != c->party)
    g_error("%s: party %s, want %s", c->file, dks_party_name(g->party),
            dks_party_name(c->party));
  g_assert_cmpstr(g->provider ? g->provider->id : NULL, ==, c->provider);
  g_assert_cmpstr(g->refinement, ==, c->refinement);
  if (c->fix_has != NULL)
    assert_contains(c->file, g->fix, c->fix_has);
  if (c->who_has != NULL)
    assert_contains(c->file, g->who, c->who_has);
  if (c->notes_has != NULL)
    assert_contains(c->file, g->notes, c->notes_has);
  g_autofree char *advice = dks_advice_text(run);
  if (sr->result == DKS_RESULT_PASS) {
    g_assert_null(advice);
    return;
  }
  g_assert_nonnull(advice);
  g_test_message("%s", advice);
  assert_advice_layout(advice);
  assert_contains(c->file, advice, "Quarterly figures");
  assert_rfcs_known(advice);
}

static void
test_fixtures(void)
{
  static const FixtureCase cases[] = {
    /* Microsoft 365, each case the brief names */
    {"permerror-key-not-found-m365.eml", 0, DKS_PARTY_SENDER_MAIL, "microsoft365",
     "m365-key-not-published", M365_T1,
     "Microsoft 365 administrator for example.org (tenant contoso)",
     "does lead to a key"},
    {"permerror-key-not-found-m365-no-cname.eml", 0, DKS_PARTY_SENDER_DNS, "microsoft365",
     "m365-cnames-missing", "selector2._domainkey.m365-missing.example.org  CNAME",
     "DNS administrator of m365-missing.example.org", "has no key either"},
    {"permerror-key-not-found-m365-typo.eml", 0, DKS_PARTY_SENDER_DNS, "microsoft365",
     "m365-cname-wrong-target",
     "CNAME  selector1-m365-typo-example-org._domainkey.contoso.onmicrosoft.com",
     "DNS administrator of m365-typo.example.org", NULL},
    {"permerror-key-not-found-m365-wrong-tenant.eml", 0, DKS_PARTY_SENDER_MAIL,
     "microsoft365", "m365-key-not-published",
     "selector1-m365-wrongtenant-example-org._domainkey.fabrikam.onmicrosoft.com",
     "(its DKIM CNAMEs name tenant fabrikam)", "has no key either"},
    {"pass-m365-tenant-domain.eml", 0, DKS_PARTY_SENDER_MAIL, "microsoft365",
     "m365-initial-domain-signature", "Get-DkimSigningConfig -Identity m365-default.example.org",
     "for m365-default.example.org (tenant contoso)", NULL},
    {"pass-cname-m365.eml", 0, DKS_PARTY_NONE, "microsoft365", NULL, "Nothing to fix",
     "nobody", "That is normal"},
    /* keys */
    {"permerror-key-not-found.eml", 0, DKS_PARTY_SENDER_DNS, NULL, NULL,
     "missing._domainkey.example.com  TXT", "DNS administrator of example.com", NULL},
    {"permerror-key-doubled-domain.eml", 0, DKS_PARTY_SENDER_DNS, NULL,
     "key-at-doubled-domain", "doubled._domainkey.example.com", NULL, NULL},
    {"permerror-key-no-underscore.eml", 0, DKS_PARTY_SENDER_DNS, NULL,
     "key-without-underscore", "nounderscore._domainkey.example.com", NULL, NULL},
    {"permerror-key-parent-domain.eml", 0, DKS_PARTY_SENDER_DNS, NULL,
     "key-at-parent-domain", "parent._domainkey.mail.example.com", NULL, NULL},
    {"permerror-key-child-name.eml", 0, DKS_PARTY_SENDER_DNS, NULL, "key-at-child-name",
     "twice._domainkey.example.com", NULL, NULL},
    {"permerror-key-syntax-cname-as-txt.eml", 0, DKS_PARTY_SENDER_DNS, NULL,
     "cname-as-txt", "Delete the TXT record at cnametxt._domainkey.example.com", NULL, NULL},
    {"permerror-key-syntax-cut-255.eml", 0, DKS_PARTY_SENDER_DNS, NULL, "key-cut-at-255",
     "cut255._domainkey.example.com", NULL, NULL},
    {"permerror-key-syntax-invisible.eml", 0, DKS_PARTY_SENDER_DNS, NULL, "key-junk",
     "invisible._domainkey.example.com  TXT", NULL, NULL},
    {"permerror-key-syntax-two-records.eml", 0, DKS_PARTY_SENDER_DNS, NULL,
     "key-several-records", "tworecords._domainkey.example.com", NULL, NULL},
    {"permerror-key-revoked.eml", 0, DKS_PARTY_SENDER_DNS, NULL, NULL,
     "revoked._domainkey.example.com  TXT", NULL, NULL},
    /* body and headers */
    {"fail-body-hash-mismatch.eml", 0, DKS_PARTY_INTERMEDIARY, NULL, "footer-appended",
     "footer", NULL, NULL},
    {"fail-body-banner-prepended.eml", 0, DKS_PARTY_INTERMEDIARY, NULL, "banner-prepended",
     "banner", NULL, NULL},
    {"fail-body-paste-trailing-ws.eml", 0, DKS_PARTY_INPUT, NULL, "paste-trailing-space",
     "Show original", NULL, NULL},
    {"fail-signature-subject-external.eml", 0, DKS_PARTY_INTERMEDIARY, NULL,
     "subject-tag-added", "Subject", NULL, NULL},
    {"fail-signature-refolded-simple.eml", 0, DKS_PARTY_INTERMEDIARY, NULL,
     "header-refolded", "c=relaxed/relaxed", NULL, NULL},
    {"fail-signature-z-copied.eml", 0, DKS_PARTY_INTERMEDIARY, NULL,
     "copied-header-differs", "header field", NULL, NULL},
    {"fail-signature-key-rotated.eml", 0, DKS_PARTY_SENDER_DNS, NULL, "key-mismatch",
     "rotated._domainkey.example.com  TXT", NULL, NULL},
    /* time and input */
    {"permerror-signature-expired-after-delivery.eml", 0, DKS_PARTY_NONE, NULL,
     "expired-after-delivery", "--now 1717070405", "nobody", NULL},
    {"headers-only-neutral.eml", 0, DKS_PARTY_INPUT, NULL, NULL, ".eml", NULL, NULL},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    fixture_one(&cases[i]);
}

/* A selector looked up with no message gets the guidance the same key
 * gets under a signature (the fixtures above): the key steps and the DNS
 * forensics do not need the message. */
typedef struct {
  const char *selector, *domain;
  DksParty party;
  const char *provider, *refinement, *fix_has, *who_has;
} LookupGuidanceCase;

static void
lookup_guidance_one(const LookupGuidanceCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DksRun) run = dks_run_new_lookup(c->selector, c->domain, FIXTURE_NOW, &error);
  g_assert_no_error(error);
  dks_run_start_dns(run, fixture_resolver_get(), NULL, NULL);
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
  g_test_message("lookup %s %s %s: [%s/%s] %s\n  who: %s\n  fix:\n%s", c->selector,
                 c->domain, dks_reason_name(sr->reason), dks_party_name(g->party),
                 g->refinement ? g->refinement : "-", g->verdict_line, g->who, g->fix);
  assert_guidance_sane(g);
  if (g->party != c->party)
    g_error("lookup %s: party %s, want %s", c->selector, dks_party_name(g->party),
            dks_party_name(c->party));
  g_assert_cmpstr(g->provider ? g->provider->id : NULL, ==, c->provider);
  g_assert_cmpstr(g->refinement, ==, c->refinement);
  if (c->fix_has != NULL)
    assert_contains(c->selector, g->fix, c->fix_has);
  if (c->who_has != NULL)
    assert_contains(c->selector, g->who, c->who_has);
  g_autofree char *advice = dks_advice_text(run);
  if (sr->result == DKS_RESULT_PASS) {
    g_assert_null(advice);
    assert_contains(c->selector, g->verdict_line, "key is published at");
    g_assert_null(strstr(g->verdict_line, "message"));
    return;
  }
  g_assert_nonnull(advice);
  g_test_message("%s", advice);
  assert_advice_layout(advice);
  assert_contains(c->selector, advice, "About: the DKIM key of");
  assert_contains(c->selector, advice, "Looked up with no message: selector");
  g_assert_null(strstr(advice, "DKIM-Signature #"));
  assert_rfcs_known(advice);
}

static void
test_lookups(void)
{
  static const LookupGuidanceCase cases[] = {
    {"selector1", "example.org", DKS_PARTY_SENDER_MAIL, "microsoft365",
     "m365-key-not-published", M365_T1,
     "Microsoft 365 administrator for example.org (tenant contoso)"},
    {"selector1", "m365-missing.example.org", DKS_PARTY_SENDER_DNS, "microsoft365",
     "m365-cnames-missing", "selector2._domainkey.m365-missing.example.org  CNAME",
     "DNS administrator of m365-missing.example.org"},
    {"selector1", "m365-typo.example.org", DKS_PARTY_SENDER_DNS, "microsoft365",
     "m365-cname-wrong-target",
     "CNAME  selector1-m365-typo-example-org._domainkey.contoso.onmicrosoft.com",
     "DNS administrator of m365-typo.example.org"},
    {"missing", "example.com", DKS_PARTY_SENDER_DNS, NULL, NULL,
     "missing._domainkey.example.com  TXT", "DNS administrator of example.com"},
    {"doubled", "example.com", DKS_PARTY_SENDER_DNS, NULL, "key-at-doubled-domain",
     "doubled._domainkey.example.com", NULL},
    {"cnametxt", "example.com", DKS_PARTY_SENDER_DNS, NULL, "cname-as-txt",
     "Delete the TXT record at cnametxt._domainkey.example.com", NULL},
    {"cut255", "example.com", DKS_PARTY_SENDER_DNS, NULL, "key-cut-at-255",
     "cut255._domainkey.example.com", NULL},
    {"revoked", "example.com", DKS_PARTY_SENDER_DNS, NULL, NULL,
     "revoked._domainkey.example.com  TXT", NULL},
    {"s2048", "example.com", DKS_PARTY_NONE, NULL, NULL, "Nothing to fix", "nobody"},
    {"selector2", "example.org", DKS_PARTY_NONE, "microsoft365", NULL, "Nothing to fix",
     "nobody"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    lookup_guidance_one(&cases[i]);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/guidance/every-reason", test_every_reason);
  g_test_add_func("/guidance/broken-signature", test_broken_signature);
  g_test_add_func("/guidance/cases", test_cases);
  g_test_add_func("/guidance/every-clue-covered", test_every_clue_covered);
  g_test_add_func("/guidance/hostile-names", test_hostile_names_escaped);
  g_test_add_func("/providers/detect", test_provider_detect);
  g_test_add_func("/providers/later-hop", test_provider_later_hop);
  g_test_add_func("/providers/table", test_provider_table);
  g_test_add_func("/providers/m365-names", test_m365_names);
  g_test_add_func("/advice/m365", test_advice_m365);
  g_test_add_func("/advice/plain-key", test_advice_plain_key);
  g_test_add_func("/advice/none-when-passing", test_advice_none_when_passing);
  g_test_add_func("/advice/pick", test_advice_pick);
  g_test_add_func("/guidance/fixtures", test_fixtures);
  g_test_add_func("/guidance/lookups", test_lookups);
  int status = g_test_run();
  g_clear_pointer(&fixture_resolver, dks_resolver_free);
  return status;
}
