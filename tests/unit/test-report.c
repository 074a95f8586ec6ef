/* test-report.c — sanitizer and report printers. */
#include <json-glib/json-glib.h>

#include "help/texts.h"
#include "tui/jsonw.h"
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

/* ------------------------------------------------------- JSON writer */

/* What json-glib's generator (compact, as the report used before
 * tui/jsonw.c) writes for node.  Caller frees. */
static char *
json_glib_text(JsonNode *node)
{
  g_autoptr(JsonGenerator) gen = json_generator_new();
  json_generator_set_root(gen, node);
  return json_generator_to_data(gen, NULL);
}

/* json-glib's text for a one-string array. */
static char *
json_glib_string_array(const char *value)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_array(b);
  json_builder_add_string_value(b, value);
  json_builder_end_array(b);
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  return json_glib_text(root);
}

/* The writer's text for a one-string array of len octets. */
static char *
jsonw_string_array(const char *value, gsize len)
{
  GString *out = g_string_new(NULL);
  DksJsonWriter w;
  dks_jsonw_init(&w, out);
  dks_jsonw_begin_array(&w);
  dks_jsonw_string_len(&w, value, len);
  dks_jsonw_end_array(&w);
  g_assert_cmpuint(w.depth, ==, 0);
  return g_string_free(out, FALSE);
}

/* json is valid JSON: UTF-8 that JsonParser reads.  Returns the parsed
 * root; caller frees. */
static JsonNode *
assert_valid_json(const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_true(g_utf8_validate(json, -1, NULL));
  if (!json_parser_load_from_data(parser, json, -1, &error))
    g_error("not JSON (%s): %s", error->message, json);
  return json_node_copy(json_parser_get_root(parser));
}

/* json is valid JSON and json-glib writes the tree it holds as exactly
 * these bytes again.  Returns the parsed root; caller frees. */
static JsonNode *
assert_json_glib_same(const char *json)
{
  JsonNode *root = assert_valid_json(json);
  g_autofree char *again = json_glib_text(root);
  g_assert_cmpstr(again, ==, json);
  return root;
}

/* Every ASCII octet in "a?z": json-glib's bytes, except 0x1f, which
 * json-glib 1.6 copies through raw (not JSON, RFC 8259 §7). */
static void
test_jsonw_ascii_table(void)
{
  for (guint c = 1; c < 0x80; c++) {
    char in[4] = {'a', (char)c, 'z', '\0'};
    g_autofree char *got = jsonw_string_array(in, 3);
    g_autofree char *want = NULL;
    switch (c) {
    case '"': want = g_strdup("[\"a\\\"z\"]"); break;
    case '\\': want = g_strdup("[\"a\\\\z\"]"); break;
    case '\b': want = g_strdup("[\"a\\bz\"]"); break;
    case '\t': want = g_strdup("[\"a\\tz\"]"); break;
    case '\n': want = g_strdup("[\"a\\nz\"]"); break;
    case '\f': want = g_strdup("[\"a\\fz\"]"); break;
    case '\r': want = g_strdup("[\"a\\rz\"]"); break;
    default:
      want = c < 0x20 || c == 0x7f ? g_strdup_printf("[\"a\\u%04xz\"]", c)
                                   : g_strdup_printf("[\"a%cz\"]", c);
      break;
    }
    g_test_message("octet 0x%02x: %s", c, got);
    g_assert_cmpstr(got, ==, want);
    g_autoptr(JsonNode) back = c == 0x1f ? assert_valid_json(got) : assert_json_glib_same(got);
    g_assert_cmpstr(json_array_get_string_element(json_node_get_array(back), 0), ==, in);
    g_autofree char *theirs = json_glib_string_array(in);
    if (c == 0x1f)
      g_assert_cmpstr(theirs, ==, "[\"a\x1fz\"]");
    else
      g_assert_cmpstr(got, ==, theirs);
  }
  /* '/' is not escaped; NUL (only with a length) is \u0000. */
  g_autofree char *slash = jsonw_string_array("</a>", 4);
  g_assert_cmpstr(slash, ==, "[\"</a>\"]");
  g_autofree char *nul = jsonw_string_array("a\0b", 3);
  g_assert_cmpstr(nul, ==, "[\"a\\u0000b\"]");
  g_autoptr(JsonNode) nul_back = assert_valid_json(nul);
  g_assert_cmpuint(json_node_get_array(nul_back) != NULL, ==, TRUE);
}

typedef struct {
  const char *input;
  const char *want; /* NULL: as the input */
} EscapeCase;

/* Valid UTF-8 goes out as it is, as json-glib writes it; each octet that
 * starts no valid sequence becomes \ufffd, where json-glib copies it
 * through and so writes something no JSON parser must accept. */
static void
test_jsonw_utf8_table(void)
{
  static const EscapeCase cases[] = {
    {"\xc2\xa7 6.1", NULL},                 /* § */
    {"wait\xe2\x80\xa6", NULL},             /* … */
    {"line\xe2\x80\xa8sep\xe2\x80\xa9", NULL}, /* U+2028, U+2029 */
    {"\xef\xbb\xbf" "bom \xef\xbf\xbf", NULL}, /* U+FEFF, U+FFFF */
    {"smile \xf0\x9f\x98\x80", NULL},       /* U+1F600: no surrogate pair */
    {"last \xf4\x8f\xbf\xbf", NULL},        /* U+10FFFF */
    {"caf\xc3\xa9 \"x\"", "caf\xc3\xa9 \\\"x\\\""},
    {"bad \xff\xfe", "bad \\ufffd\\ufffd"},
    {"overlong \xc0\xaf", "overlong \\ufffd\\ufffd"},
    {"surrogate \xed\xa0\x80", "surrogate \\ufffd\\ufffd\\ufffd"},
    {"cut \xe2\x80", "cut \\ufffd\\ufffd"},
    {"cut \xe2\x80 mid", "cut \\ufffd\\ufffd mid"},
    {"above \xf4\x90\x80\x80", "above \\ufffd\\ufffd\\ufffd\\ufffd"},
    {"five \xf8\x88\x80\x80\x80", "five \\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"},
    {"lone \x80 cont", "lone \\ufffd cont"},
    {"\xc3", "\\ufffd"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    const EscapeCase *c = &cases[i];
    g_autofree char *got = jsonw_string_array(c->input, strlen(c->input));
    g_autofree char *want = g_strdup_printf("[\"%s\"]", c->want ? c->want : c->input);
    g_test_message("case %u: %s", i, got);
    g_assert_cmpstr(got, ==, want);
    g_autoptr(JsonNode) back = c->want == NULL ? assert_json_glib_same(got)
                                               : assert_valid_json(got);
    if (c->want == NULL) {
      g_autofree char *theirs = json_glib_string_array(c->input);
      g_assert_cmpstr(got, ==, theirs);
    } else {
      g_assert_true(g_utf8_validate(
        json_array_get_string_element(json_node_get_array(back), 0), -1, NULL));
    }
  }
  /* What json-glib itself writes there, its own parser refuses. */
  g_autofree char *theirs = json_glib_string_array("bad \xff");
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  g_assert_false(json_parser_load_from_data(parser, theirs, -1, &error));
  g_assert_nonnull(error);
}

/* Nesting, commas, empty containers, every value kind and the gint64
 * extremes: the same bytes as json-glib's builder and generator. */
static void
test_jsonw_structure(void)
{
  g_autoptr(GString) out = g_string_new("prefix ");
  DksJsonWriter w;
  dks_jsonw_init(&w, out);
  g_autoptr(JsonBuilder) b = json_builder_new();

  dks_jsonw_begin_object(&w);                json_builder_begin_object(b);
  dks_jsonw_member(&w, "min");               json_builder_set_member_name(b, "min");
  dks_jsonw_int(&w, G_MININT64);             json_builder_add_int_value(b, G_MININT64);
  dks_jsonw_member(&w, "max");               json_builder_set_member_name(b, "max");
  dks_jsonw_int(&w, G_MAXINT64);             json_builder_add_int_value(b, G_MAXINT64);
  dks_jsonw_member(&w, "ints");              json_builder_set_member_name(b, "ints");
  dks_jsonw_begin_array(&w);                 json_builder_begin_array(b);
  static const gint64 ints[] = {0, 1, -1, 9, 10, -10, 4294967295, -4294967296,
                                G_MAXINT64 - 1, G_MININT64 + 1};
  for (guint i = 0; i < G_N_ELEMENTS(ints); i++) {
    dks_jsonw_int(&w, ints[i]);              json_builder_add_int_value(b, ints[i]);
  }
  dks_jsonw_end_array(&w);                   json_builder_end_array(b);
  dks_jsonw_member(&w, "empty_array");       json_builder_set_member_name(b, "empty_array");
  dks_jsonw_begin_array(&w);                 json_builder_begin_array(b);
  dks_jsonw_end_array(&w);                   json_builder_end_array(b);
  dks_jsonw_member(&w, "empty_object");      json_builder_set_member_name(b, "empty_object");
  dks_jsonw_begin_object(&w);                json_builder_begin_object(b);
  dks_jsonw_end_object(&w);                  json_builder_end_object(b);
  dks_jsonw_member(&w, "t");                 json_builder_set_member_name(b, "t");
  dks_jsonw_bool(&w, 2);                     json_builder_add_boolean_value(b, 2);
  dks_jsonw_member(&w, "f");                 json_builder_set_member_name(b, "f");
  dks_jsonw_bool(&w, FALSE);                 json_builder_add_boolean_value(b, FALSE);
  dks_jsonw_member(&w, "n");                 json_builder_set_member_name(b, "n");
  dks_jsonw_null(&w);                        json_builder_add_null_value(b);
  dks_jsonw_member(&w, "s");                 json_builder_set_member_name(b, "s");
  dks_jsonw_string(&w, NULL);                json_builder_add_null_value(b);
  dks_jsonw_member(&w, "na\"me\xc2\xa7");    json_builder_set_member_name(b, "na\"me\xc2\xa7");
  dks_jsonw_string(&w, "");                  json_builder_add_string_value(b, "");
  dks_jsonw_member(&w, "nested");            json_builder_set_member_name(b, "nested");
  dks_jsonw_begin_array(&w);                 json_builder_begin_array(b);
  dks_jsonw_begin_array(&w);                 json_builder_begin_array(b);
  dks_jsonw_end_array(&w);                   json_builder_end_array(b);
  dks_jsonw_begin_array(&w);                 json_builder_begin_array(b);
  dks_jsonw_begin_object(&w);                json_builder_begin_object(b);
  dks_jsonw_member(&w, "a");                 json_builder_set_member_name(b, "a");
  dks_jsonw_begin_object(&w);                json_builder_begin_object(b);
  dks_jsonw_member(&w, "b");                 json_builder_set_member_name(b, "b");
  dks_jsonw_string(&w, "c");                 json_builder_add_string_value(b, "c");
  dks_jsonw_end_object(&w);                  json_builder_end_object(b);
  dks_jsonw_member(&w, "d");                 json_builder_set_member_name(b, "d");
  dks_jsonw_begin_array(&w);                 json_builder_begin_array(b);
  dks_jsonw_null(&w);                        json_builder_add_null_value(b);
  dks_jsonw_end_array(&w);                   json_builder_end_array(b);
  dks_jsonw_end_object(&w);                  json_builder_end_object(b);
  dks_jsonw_begin_object(&w);                json_builder_begin_object(b);
  dks_jsonw_end_object(&w);                  json_builder_end_object(b);
  dks_jsonw_end_array(&w);                   json_builder_end_array(b);
  dks_jsonw_string(&w, "after");             json_builder_add_string_value(b, "after");
  dks_jsonw_end_array(&w);                   json_builder_end_array(b);
  dks_jsonw_end_object(&w);                  json_builder_end_object(b);
  g_assert_cmpuint(w.depth, ==, 0);

  g_autoptr(JsonNode) root = json_builder_get_root(b);
  g_autofree char *want = json_glib_text(root);
  g_test_message("%s", out->str);
  g_assert_true(g_str_has_prefix(out->str, "prefix "));
  g_assert_cmpstr(out->str + strlen("prefix "), ==, want);
  g_assert_nonnull(strstr(want, "\"min\":-9223372036854775808,"
                                "\"max\":9223372036854775807,"));
  g_autoptr(JsonNode) back = assert_json_glib_same(out->str + strlen("prefix "));

  /* A bare value at the top, and two documents one after the other. */
  g_string_truncate(out, 0);
  dks_jsonw_init(&w, out);
  dks_jsonw_int(&w, 7);
  g_assert_cmpstr(out->str, ==, "7");
  g_string_truncate(out, 0);
  dks_jsonw_init(&w, out);
  dks_jsonw_begin_object(&w);
  dks_jsonw_end_object(&w);
  g_string_append_c(out, '\n');
  dks_jsonw_init(&w, out);
  dks_jsonw_begin_array(&w);
  dks_jsonw_end_array(&w);
  g_assert_cmpstr(out->str, ==, "{}\n[]");
}

/* The report's JSON for runs of every kind: valid, one line, and json-glib
 * writes the tree it holds as the same bytes.  (That the tree is the one
 * the json-glib builder made before is bench/same-output.sh's job: it
 * diffs the reports of every fixture and conformance message against the
 * binary from before.) */
static void
assert_report_json_glib_same(const DksRun *run, const char *file)
{
  g_autoptr(GString) out = g_string_new(NULL);
  DksReportOptions opt = {.file = file, .resolver = "offline zones: x"};
  dks_report_json(out, run, &opt);
  g_assert_true(g_str_has_suffix(out->str, "\n"));
  g_assert_true(strchr(out->str, '\n') == out->str + out->len - 1);
  g_string_truncate(out, out->len - 1);
  g_autoptr(JsonNode) root = assert_json_glib_same(out->str);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
}

static DksRun *fixture_run(const char *name, gboolean with_dns);

static void
test_report_json_glib_same(void)
{
  g_autofree char *dir = g_build_filename(g_getenv("DKS_SOURCE_ROOT"), "tests",
                                          "fixtures", "messages", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) d = g_dir_open(dir, 0, &error);
  g_assert_no_error(error);
  guint n = 0;
  for (const char *name; (name = g_dir_read_name(d)) != NULL;) {
    if (!g_str_has_suffix(name, ".eml"))
      continue;
    g_test_message("%s", name);
    g_autoptr(DksRun) waiting = fixture_run(name, FALSE);
    assert_report_json_glib_same(waiting, name);
    g_autoptr(DksRun) done = fixture_run(name, TRUE);
    assert_report_json_glib_same(done, name);
    n++;
  }
  g_assert_cmpuint(n, >, 50);
  g_autoptr(DksRun) hostile = run_for("From: \"\x1b]0;\xe2\x80\xae\" <a@example.com>\r\n"
                                      "Subject: \xff\xfe \\ \" \x7f\r\n\r\n");
  assert_report_json_glib_same(hostile, "odd \"name\"\x01\xc3.eml");
  g_autoptr(DksRun) authres = authres_run();
  assert_report_json_glib_same(authres, "m.eml");
  g_autoptr(DksRun) lookup = dks_run_new_lookup("sel", "example.com", 1767225600, &error);
  g_assert_no_error(error);
  assert_report_json_glib_same(lookup, NULL);

  g_autoptr(GString) line = g_string_new(NULL);
  dks_report_json_error(line, "bad\xff.eml", "cannot \"read\"\n");
  g_assert_cmpstr(line->str, ==,
                  "{\"file\":\"bad\\\\xff.eml\",\"error\":\"cannot \\\"read\\\"\\\\n\"}\n");
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
  g_test_add_func("/jsonw/ascii-table", test_jsonw_ascii_table);
  g_test_add_func("/jsonw/utf8-table", test_jsonw_utf8_table);
  g_test_add_func("/jsonw/structure", test_jsonw_structure);
  g_test_add_func("/report/json-glib-same", test_report_json_glib_same);
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
