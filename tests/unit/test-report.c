/* test-report.c — sanitizer and report printers. */
#include <json-glib/json-glib.h>

#include "help/texts.h"
#include "tui/report.h"
#include "tui/sanitize.h"

typedef struct {
  const char *input;
  gssize len;
  gboolean ascii_only;
  const char *want;
} SanitizeCase;

static void
sanitize_one(const SanitizeCase *c)
{
  g_autofree char *got = dks_sanitize(c->input, c->len, c->ascii_only);
  g_assert_cmpstr(got, ==, c->want);
  g_assert_true(g_utf8_validate(got, -1, NULL));
}

static void
test_sanitize(void)
{
  static const SanitizeCase cases[] = {
    {"plain text", -1, FALSE, "plain text"},
    {"", -1, FALSE, ""},
    {"\x1b[2Jclear", -1, FALSE, "\\e[2Jclear"},
    {"bell\x07", -1, FALSE, "bell\\x07"},
    {"tab\there\r\n", -1, FALSE, "tab\\there\\r\\n"},
    {"del\x7f", -1, FALSE, "del\\x7f"},
    {"nul\0inside", 10, FALSE, "nul\\x00inside"},
    {"caf\xc3\xa9", -1, FALSE, "caf\xc3\xa9"},
    {"caf\xc3\xa9", -1, TRUE, "caf<U+00E9>"},
    {"bad \xff\xfe utf8", -1, FALSE, "bad \\xff\\xfe utf8"},
    {"cut \xe2\x80", -1, FALSE, "cut \\xe2\\x80"},
    {"rlo \xe2\x80\xae" "exe", -1, FALSE, "rlo <U+202E>exe"},
    {"isolate \xe2\x81\xa6x", -1, FALSE, "isolate <U+2066>x"},
    {"zw\xe2\x80\x8bsp", -1, FALSE, "zw<U+200B>sp"},
    {"nb\xc2\xa0sp", -1, FALSE, "nb<U+00A0>sp"},
    {"c1 \xc2\x9b" "31m", -1, FALSE, "c1 <U+009B>31m"},
    {"bom\xef\xbb\xbf", -1, FALSE, "bom<U+FEFF>"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    sanitize_one(&cases[i]);
}

static DksRun *
run_for(const char *text)
{
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text, strlen(text), &error);
  g_assert_no_error(error);
  return dks_run_new(msg, 1767225600);
}

static void
test_text_no_signature(void)
{
  g_autoptr(DksRun) run = run_for("From: a@example.com\r\nSubject: \x1b]0;x\x07hi\r\n\r\nbody\r\n");
  g_autoptr(GString) out = g_string_new(NULL);
  DksReportOptions opt = {.file = "msg\x1b.eml", .resolver = "offline zones: x"};
  dks_report_text(out, run, &opt);
  g_assert_null(strchr(out->str, 0x1b));
  g_assert_null(strchr(out->str, 0x07));
  g_assert_nonnull(strstr(out->str, "Result: none"));
  g_assert_nonnull(strstr(out->str, "msg\\e.eml"));
  g_assert_nonnull(strstr(out->str, "offline zones: x"));
  /* Every line fits in 80 columns. */
  g_auto(GStrv) lines = g_strsplit(out->str, "\n", -1);
  for (char **l = lines; *l; l++)
    g_assert_cmpint(g_utf8_strlen(*l, -1), <=, 80);
}

static void
test_json_no_signature(void)
{
  g_autoptr(DksRun) run = run_for("From: a@example.com\r\nSubject: \xe2\x80\xae\r\n\r\n");
  g_autoptr(GString) out = g_string_new(NULL);
  DksReportOptions opt = {.file = "m.eml"};
  dks_report_json(out, run, &opt);
  g_assert_true(g_str_has_suffix(out->str, "\n"));
  g_assert_true(strchr(out->str, '\n') == out->str + out->len - 1); /* one line */
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(parser, out->str, -1, &error));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  g_assert_cmpstr(json_object_get_string_member(root, "file"), ==, "m.eml");
  g_assert_cmpstr(json_object_get_string_member(root, "result"), ==, "none");
  g_assert_cmpuint(json_array_get_length(json_object_get_array_member(root, "signatures")), ==, 0);
  JsonObject *m = json_object_get_object_member(root, "message");
  g_assert_cmpstr(json_object_get_string_member(m, "subject"), ==, "<U+202E>");
}

/* A selector lookup, before its answer: what was asked, the three key
 * checks and nothing of a message. */
static void
test_lookup_report(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DksRun) run = dks_run_new_lookup("Selector1", "Example.org.", 1767225600, &error);
  g_assert_no_error(error);
  DksReportOptions opt = {.resolver = "offline zones: x"};
  g_autoptr(GString) text = g_string_new(NULL);
  dks_report_text(text, run, &opt);
  g_test_message("%s", text->str);
  g_assert_nonnull(strstr(text->str, "selector lookup selector1._domainkey.example.org"));
  g_assert_nonnull(strstr(text->str, "Key selector1._domainkey.example.org"));
  g_assert_nonnull(strstr(text->str, "Key lookup in DNS"));
  g_assert_nonnull(strstr(text->str, "Key type and size"));
  g_assert_null(strstr(text->str, "Body hash"));
  g_assert_null(strstr(text->str, "From:"));
  g_assert_nonnull(strstr(text->str, "Overall: none: the lookup has not finished"));

  g_autoptr(GString) json = g_string_new(NULL);
  dks_report_json(json, run, &opt);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_assert_true(json_parser_load_from_data(parser, json->str, -1, &error));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  g_assert_true(json_object_get_null_member(root, "file"));
  g_assert_true(json_object_get_null_member(root, "message"));
  JsonObject *lookup = json_object_get_object_member(root, "lookup");
  g_assert_cmpstr(json_object_get_string_member(lookup, "selector"), ==, "selector1");
  g_assert_cmpstr(json_object_get_string_member(lookup, "domain"), ==, "example.org");
  g_assert_cmpstr(json_object_get_string_member(lookup, "key_name"), ==,
                  "selector1._domainkey.example.org");
  JsonArray *sigs = json_object_get_array_member(root, "signatures");
  g_assert_cmpuint(json_array_get_length(sigs), ==, 1);
  JsonArray *steps = json_object_get_array_member(json_array_get_object_element(sigs, 0),
                                                  "steps");
  g_assert_cmpuint(json_array_get_length(steps), ==, 3);
  g_assert_cmpstr(json_object_get_string_member(json_array_get_object_element(steps, 0), "id"),
                  ==, "key-lookup");
}

static void
test_json_error_line(void)
{
  g_autoptr(GString) out = g_string_new(NULL);
  dks_report_json_error(out, "x.eml", "cannot read \"x.eml\": No such file");
  g_assert_cmpstr(out->str, ==,
                  "{\"file\":\"x.eml\",\"error\":\"cannot read \\\"x.eml\\\": No such file\"}\n");
}

/* Two signatures and what a receiver recorded about each, plus one result
 * about no signature here; the verdicts are set by hand (no DNS). */
static const char authres_message[] =
  "Authentication-Results: mx.example.net;\r\n"
  " dkim=pass header.d=example.com header.s=one;\r\n"
  " dkim=pass header.b=c2Vjb25k;\r\n"
  " dkim=fail header.d=elsewhere.example;\r\n"
  " dmarc=pass header.from=example.com\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=one; h=from;\r\n"
  " bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=; b=Zmlyc3RzaWc=\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=two; h=from;\r\n"
  " bh=uj53yIBBkrNihRn/WWg6xJNUaz6iiuZG1Zsq84CFxlk=; b=c2Vjb25kc2ln\r\n"
  "From: a@example.com\r\n"
  "\r\n"
  "body\r\n";

static DksRun *
authres_run(void)
{
  DksRun *run = run_for(authres_message);
  g_assert_cmpuint(run->sigs->len, ==, 2);
  DksSigRun *first = g_ptr_array_index(run->sigs, 0);
  first->result = DKS_RESULT_FAIL;
  first->reason = DKS_REASON_BODY_HASH_MISMATCH;
  DksSigRun *second = g_ptr_array_index(run->sigs, 1);
  second->result = DKS_RESULT_PASS;
  second->reason = DKS_REASON_PASS;
  return run;
}

static guint
count_of(const char *text, const char *word)
{
  guint n = 0;
  for (const char *p = strstr(text, word); p != NULL; p = strstr(p + 1, word))
    n++;
  return n;
}

/* Under each recorded dkim result that names one signature: its live
 * result now and why the two differ. */
static void
test_text_authres_live(void)
{
  g_autoptr(DksRun) run = authres_run();
  g_autoptr(GString) out = g_string_new(NULL);
  DksReportOptions opt = {.file = "m.eml", .width = 200};
  dks_report_text(out, run, &opt);
  g_test_message("%s", out->str);
  g_autofree char *changed = g_strdup_printf(
    "live now: fail (body-hash-mismatch): %s",
    dks_help_authres_difference("pass", DKS_RESULT_FAIL, DKS_REASON_BODY_HASH_MISMATCH));
  g_assert_nonnull(strstr(out->str, changed));
  g_assert_nonnull(strstr(out->str, "live now: pass (pass), the same"));
  g_assert_cmpuint(count_of(out->str, "live now:"), ==, 2);
}

/* The JSON names the live signature ("index") each dkim result is about. */
static void
test_json_authres_index(void)
{
  g_autoptr(DksRun) run = authres_run();
  g_autoptr(GString) out = g_string_new(NULL);
  DksReportOptions opt = {.file = "m.eml"};
  dks_report_json(out, run, &opt);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(json_parser_load_from_data(parser, out->str, -1, &error));
  JsonObject *root = json_node_get_object(json_parser_get_root(parser));
  JsonArray *fields = json_object_get_array_member(root, "authentication_results");
  g_assert_cmpuint(json_array_get_length(fields), ==, 1);
  JsonArray *results =
    json_object_get_array_member(json_array_get_object_element(fields, 0), "results");
  g_assert_cmpuint(json_array_get_length(results), ==, 4);
  static const gint64 want[] = { 0, 1, -1, -1 }; /* -1: null */
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    JsonObject *r = json_array_get_object_element(results, i);
    g_assert_true(json_object_has_member(r, "signature_index"));
    if (want[i] < 0)
      g_assert_true(json_object_get_null_member(r, "signature_index"));
    else
      g_assert_cmpint(json_object_get_int_member(r, "signature_index"), ==, want[i]);
  }
}

typedef struct {
  const char *theirs;
  DksResult ours;
  DksReason reason;
  const char *want; /* a phrase of the explanation, or NULL: they agree */
} DifferenceCase;

static void
test_authres_difference(void)
{
  static const DifferenceCase cases[] = {
    {"pass", DKS_RESULT_PASS, DKS_REASON_PASS, NULL},
    {"fail", DKS_RESULT_FAIL, DKS_REASON_BODY_HASH_MISMATCH, NULL},
    {"pass", DKS_RESULT_POLICY, DKS_REASON_ALGORITHM_DEPRECATED, "RFC 8301"},
    {"pass", DKS_RESULT_PERMERROR, DKS_REASON_KEY_NOT_FOUND, "key in DNS has changed"},
    {"pass", DKS_RESULT_FAIL, DKS_REASON_BODY_HASH_MISMATCH, "changed after"},
    {"pass", DKS_RESULT_PERMERROR, DKS_REASON_SIGNATURE_EXPIRED, "expired since"},
    {"fail", DKS_RESULT_PASS, DKS_REASON_PASS, "fixed after delivery"},
    {"permerror", DKS_RESULT_PASS, DKS_REASON_PASS, "fixed after delivery"},
    {"temperror", DKS_RESULT_PERMERROR, DKS_REASON_KEY_NOT_FOUND, "temporary DNS failure"},
    {"fail", DKS_RESULT_PERMERROR, DKS_REASON_KEY_NOT_FOUND, "both say"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *got = dks_help_authres_difference(cases[i].theirs, cases[i].ours,
                                                  cases[i].reason);
    if (cases[i].want == NULL)
      g_assert_null(got);
    else
      g_assert_nonnull(strstr(got, cases[i].want));
  }
  g_assert_nonnull(strstr(dks_help_dmarc_meaning("reject", FALSE), "reject this message"));
  g_assert_nonnull(strstr(dks_help_dmarc_meaning("reject", TRUE), "DMARC passes"));
  g_assert_nonnull(strstr(dks_help_dmarc_meaning("none", FALSE), "only to report"));
}

/* ------------------------------------------------------- exit status */

static void
test_exit_status_for(void)
{
  static const struct {
    DksResult result;
    DksExitStatus want;
  } cases[] = {
    {DKS_RESULT_PASS, 0},      {DKS_RESULT_FAIL, 1},      {DKS_RESULT_PERMERROR, 1},
    {DKS_RESULT_POLICY, 1},    {DKS_RESULT_NEUTRAL, 1},   {DKS_RESULT_TEMPERROR, 2},
    {DKS_RESULT_NONE, 3},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    g_assert_cmpint(dks_report_exit_status_for(cases[i].result), ==, cases[i].want);
}

#define FIXTURE_NOW 1717250400 /* tests/fixtures/README.md */

static DksResolver *fixture_resolver;

/* A fixture (tests/fixtures/messages), its DNS answers all in when
 * with_dns, else none asked for yet: every DNS step pending. */
static DksRun *
fixture_run(const char *name, gboolean with_dns)
{
  g_autofree char *path = g_build_filename(g_getenv("DKS_SOURCE_ROOT"), "tests",
                                           "fixtures", "messages", name, NULL);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  DksRun *run = dks_run_new(msg, FIXTURE_NOW);
  if (with_dns) {
    dks_run_start_dns(run, fixture_resolver, NULL, NULL);
    while (!dks_run_is_done(run))
      g_main_context_iteration(NULL, TRUE);
  }
  return run;
}

static void
test_exit_status_run(void)
{
  static const struct {
    const char *message;
    gboolean with_dns;
    DksExitStatus want;
  } cases[] = {
    /* Done: the report's status. */
    {"pass-simple-simple.eml", TRUE, DKS_EXIT_PASS},
    {"fail-body-hash-mismatch.eml", TRUE, DKS_EXIT_LASTING_FAILURE},
    {"permerror-key-not-found.eml", TRUE, DKS_EXIT_LASTING_FAILURE},
    {"temperror-dns.eml", TRUE, DKS_EXIT_TEMPORARY_FAILURE},
    {"none-unsigned.eml", TRUE, DKS_EXIT_NO_SIGNATURE},
    {"multi-two.eml", TRUE, DKS_EXIT_LASTING_FAILURE},  /* a pass and a fail */
    /* Waiting for DNS: the key lookups count as timed out ... */
    {"pass-simple-simple.eml", FALSE, DKS_EXIT_TEMPORARY_FAILURE},
    /* ... also where a later, local check already failed ... */
    {"fail-body-hash-mismatch.eml", FALSE, DKS_EXIT_TEMPORARY_FAILURE},
    /* ... but a check before the key lookup that failed decides. */
    {"permerror-from-not-signed.eml", FALSE, DKS_EXIT_LASTING_FAILURE},
    {"none-unsigned.eml", FALSE, DKS_EXIT_NO_SIGNATURE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(DksRun) run = fixture_run(cases[i].message, cases[i].with_dns);
    g_test_message("%s, DNS %s", cases[i].message, cases[i].with_dns ? "done" : "pending");
    g_assert_cmpint(dks_report_exit_status(run), ==, cases[i].want);
    if (cases[i].with_dns)
      g_assert_cmpint(dks_report_exit_status(run), ==,
                      dks_report_exit_status_for(dks_run_overall(run)));
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/sanitize/table", test_sanitize);
  g_test_add_func("/report/text-no-signature", test_text_no_signature);
  g_test_add_func("/report/json-no-signature", test_json_no_signature);
  g_test_add_func("/report/json-error", test_json_error_line);
  g_test_add_func("/report/lookup", test_lookup_report);
  g_test_add_func("/help/authres-difference", test_authres_difference);
  g_test_add_func("/report/text-authres-live", test_text_authres_live);
  g_test_add_func("/report/json-authres-index", test_json_authres_index);
  g_test_add_func("/report/exit-status-for", test_exit_status_for);
  g_test_add_func("/report/exit-status-run", test_exit_status_run);
  g_autoptr(GPtrArray) zones = g_ptr_array_new_with_free_func(g_free);
  static const char *const zone_names[] = {"example.com.zone", "example.net.zone",
                                           "example.org.zone", NULL};
  for (const char *const *n = zone_names; *n; n++)
    g_ptr_array_add(zones, g_build_filename(g_getenv("DKS_SOURCE_ROOT"), "tests",
                                            "fixtures", "zones", *n, NULL));
  DksResolverConfig config = {.mode = DKS_RESOLVER_ZONES, .zone_files = zones,
                              .timeout_ms = 5000};
  g_autoptr(GError) error = NULL;
  fixture_resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  int status = g_test_run();
  dks_resolver_free(fixture_resolver);
  return status;
}
