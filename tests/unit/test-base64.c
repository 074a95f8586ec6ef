/* test-base64.c — strict RFC 6376 base64, DKIM-Quoted-Printable and
 * dks_quote_bytes. */
#include <glib.h>
#include <string.h>

#include "parse/base64.h"
#include "parse/dkimqp.h"
#include "parse/finding.h"

typedef struct {
  const char *name;
  const char *input;
  gssize input_len;   /* -1: strlen */
  const char *decoded; /* NULL when decoding must fail */
  gsize decoded_len;
  gsize bad_offset;
  guchar bad_octet;
  const char *why_part; /* substring of err.why */
} Base64Case;

static void
base64_one(const Base64Case *c)
{
  gsize len = c->input_len < 0 ? strlen(c->input) : (gsize)c->input_len;
  DksBase64Error err = { .bad_offset = 9999, .bad_octet = 0xEE, .why = NULL };
  g_autoptr(GBytes) out = dks_base64_decode_strict(c->input, len, &err);

  if (c->decoded != NULL) {
    g_assert_nonnull(out);
    gsize out_len = 0;
    const guchar *data = g_bytes_get_data(out, &out_len);
    g_assert_cmpmem(data, out_len, c->decoded, c->decoded_len);
    /* err is left alone on success */
    g_assert_cmpuint(err.bad_offset, ==, 9999);
  } else {
    g_assert_null(out);
    g_assert_cmpuint(err.bad_offset, ==, c->bad_offset);
    g_assert_cmpuint(err.bad_octet, ==, c->bad_octet);
    g_assert_nonnull(err.why);
    g_assert_nonnull(strstr(err.why, c->why_part));
  }
}

static const Base64Case base64_cases[] = {
  { "empty", "", -1, "", 0, 0, 0, NULL },
  { "only FWS", " \t\r\n ", -1, "", 0, 0, 0, NULL },
  { "one quantum", "QUJD", -1, "ABC", 3, 0, 0, NULL },
  { "two pad", "QQ==", -1, "A", 1, 0, 0, NULL },
  { "one pad", "QUI=", -1, "AB", 2, 0, 0, NULL },
  { "fws everywhere", " Q U\r\n\tJ D ", -1, "ABC", 3, 0, 0, NULL },
  { "fws inside padding", "QQ= =", -1, "A", 1, 0, 0, NULL },
  { "fws after padding", "QQ==\r\n ", -1, "A", 1, 0, 0, NULL },
  { "plus slash", "+/+/", -1, "\xfb\xff\xbf", 3, 0, 0, NULL },
  { "all zero", "AAAA", -1, "\0\0\0", 3, 0, 0, NULL },
  { "quote", "QUJD\"", -1, NULL, 0, 4, '"', "alphabet" },
  { "backslash", "QU\\JD", -1, NULL, 0, 2, '\\', "alphabet" },
  { "nbsp", "QUJD\xc2\xa0QUJD", -1, NULL, 0, 4, 0xC2, "alphabet" },
  { "nul", "QU\0JD", 5, NULL, 0, 2, 0, "alphabet" },
  { "url-safe minus", "QU-D", -1, NULL, 0, 2, '-', "alphabet" },
  { "semicolon", "QUJD;", -1, NULL, 0, 4, ';', "alphabet" },
  { "pad too early", "Q===", -1, NULL, 0, 1, '=', "symbol is needed" },
  { "pad at quantum start", "QUJD=", -1, NULL, 0, 4, '=', "symbol is needed" },
  { "three pads", "QQ===", -1, NULL, 0, 4, '=', "excess" },
  { "pad after full", "QUI==", -1, NULL, 0, 4, '=', "excess" },
  { "data after pad", "QQ==QUJD", -1, NULL, 0, 4, 'Q', "after the padding" },
  { "data inside pad", "QQ=Q", -1, NULL, 0, 3, 'Q', "after the padding" },
  { "missing pad", "QQ", -1, NULL, 0, 2, 0, "quantum" },
  { "missing one pad", "QQ=", -1, NULL, 0, 3, 0, "quantum" },
  { "five symbols", "QUJDR", -1, NULL, 0, 5, 0, "quantum" },
};

static void
test_base64_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(base64_cases); i++) {
    g_test_message("case %s", base64_cases[i].name);
    base64_one(&base64_cases[i]);
  }
}

static void
test_base64_null_err(void)
{
  /* err may be NULL */
  g_assert_null(dks_base64_decode_strict("!!!!", 4, NULL));
  g_autoptr(GBytes) ok = dks_base64_decode_strict("QQ==", 4, NULL);
  g_assert_cmpuint(g_bytes_get_size(ok), ==, 1);
}

static void
test_base64_roundtrip(void)
{
  guchar data[256];
  for (guint i = 0; i < sizeof data; i++)
    data[i] = (guchar)(i * 7 + 3);
  for (gsize len = 0; len <= sizeof data; len += 17) {
    g_autofree char *text = dks_base64_encode(data, len);
    g_assert_null(strchr(text, '\n'));
    g_autoptr(GBytes) back = dks_base64_decode_strict(text, strlen(text), NULL);
    g_assert_nonnull(back);
    g_assert_cmpmem(g_bytes_get_data(back, NULL), g_bytes_get_size(back), data, len);
  }
  g_autofree char *empty = dks_base64_encode(NULL, 0);
  g_assert_cmpstr(empty, ==, "");
  g_autofree char *abc = dks_base64_encode((const guchar *)"ABC", 3);
  g_assert_cmpstr(abc, ==, "QUJD");
}

typedef struct {
  const char *input;
  const char *decoded; /* NULL: malformed */
  gsize decoded_len;
  gsize bad_offset;
} QpCase;

static void
dkimqp_one(const QpCase *c)
{
  gsize out_len = 12345, bad = 12345;
  g_autofree char *out = dks_dkimqp_decode(c->input, strlen(c->input), &out_len, &bad);
  if (c->decoded != NULL) {
    g_assert_nonnull(out);
    g_assert_cmpmem(out, out_len, c->decoded, c->decoded_len);
    g_assert_cmpint(out[out_len], ==, '\0');
    g_assert_cmpuint(bad, ==, 12345);
  } else {
    g_assert_null(out);
    g_assert_cmpuint(bad, ==, c->bad_offset);
    g_assert_cmpuint(out_len, ==, 12345);
  }
}

static void
test_dkimqp_table(void)
{
  static const QpCase cases[] = {
    { "", "", 0, 0 },
    { "jlong@messiah.edu", "jlong@messiah.edu", 17, 0 },
    { "=6Along@messiah.edu", "jlong@messiah.edu", 17, 0 },
    { "jlong@messiah=2Eedu", "jlong@messiah.edu", 17, 0 },
    { "jlong=40messiah.edu", "jlong@messiah.edu", 17, 0 },
    { "a=2eb", "a.b", 3, 0 },            /* HEXDIG is case-insensitive */
    { "a b\r\n\tc", "abc", 3, 0 },       /* FWS dropped */
    { "Subject:Hi=3B=20there", "Subject:Hi; there", 17, 0 },
    { "=00x", "\0x", 2, 0 },
    { "abc=", NULL, 0, 3 },
    { "abc=4", NULL, 0, 3 },
    { "a=G0", NULL, 0, 1 },
    { "ab=0Z", NULL, 0, 2 },
    { "x= 41", NULL, 0, 1 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("qp case %" G_GSIZE_FORMAT ": %s", i, cases[i].input);
    dkimqp_one(&cases[i]);
  }
}

static void
test_quote_bytes(void)
{
  static const struct {
    const char *in;
    gsize len, max;
    const char *out;
  } cases[] = {
    { "abc", 3, 10, "abc" },
    { "a\"b\\c", 5, 10, "a\"b\\c" },
    { "a\r\nb", 4, 10, "a\\x0D\\x0Ab" },
    { "\xc2\xa0", 2, 10, "\\xC2\\xA0" },
    { "a\0b", 3, 10, "a\\x00b" },
    { "abcdef", 6, 3, "abc…" },
    { "", 0, 3, "" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *q = dks_quote_bytes(cases[i].in, cases[i].len, cases[i].max);
    g_assert_cmpstr(q, ==, cases[i].out);
  }
}

static void
test_findings(void)
{
  g_autoptr(GPtrArray) f = dks_findings_new();
  g_assert_false(dks_findings_have_error(f));
  g_assert_false(dks_findings_have_error(NULL));
  dks_findings_add(f, DKS_FINDING_NOTE, NULL, "note %d", 1);
  dks_findings_add(f, DKS_FINDING_WARNING, "l", "RFC 6376 §3.5 l=: want digits, have '%s'", "abc");
  g_assert_false(dks_findings_have_error(f));
  dks_findings_add(f, DKS_FINDING_ERROR, "p", "bad");
  g_assert_true(dks_findings_have_error(f));
  g_assert_cmpuint(f->len, ==, 3);
  const DksFinding *w = g_ptr_array_index(f, 1);
  g_assert_cmpstr(w->tag, ==, "l");
  g_assert_cmpstr(w->text, ==, "RFC 6376 §3.5 l=: want digits, have 'abc'");
  g_assert_null(((DksFinding *)g_ptr_array_index(f, 0))->tag);
  dks_finding_free(NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/base64/table", test_base64_table);
  g_test_add_func("/base64/null-err", test_base64_null_err);
  g_test_add_func("/base64/roundtrip", test_base64_roundtrip);
  g_test_add_func("/dkimqp/table", test_dkimqp_table);
  g_test_add_func("/finding/quote-bytes", test_quote_bytes);
  g_test_add_func("/finding/findings", test_findings);
  return g_test_run();
}
