/* test-texts.c — help's per-tag words for the teaching view: every tag RFC
 * 6376 defines has them, anything else (other case included) has none. */
#include <string.h>

#include "help/texts.h"

/* RFC 6376 §3.5: every tag of a DKIM-Signature. */
static const char *const signature_tags[] = {
  "v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x", "z",
};

/* RFC 6376 §3.6.1: every tag of a key record. */
static const char *const key_tags[] = { "v", "h", "k", "n", "p", "s", "t" };

/* A sentence or more, safe to show as it is. */
static void
assert_sentence(const char *tag, const char *text)
{
  g_test_message("%s: %s", tag, text ? text : "(null)");
  g_assert_nonnull(text);
  g_assert_cmpuint(strlen(text), >, 15);
  g_assert_true(g_utf8_validate(text, -1, NULL));
  for (const char *p = text; *p; p++)
    g_assert_false(g_ascii_iscntrl(*p));
  g_assert_true(g_str_has_suffix(text, "."));
}

static void
test_signature_tags(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(signature_tags); i++)
    assert_sentence(signature_tags[i], dks_help_signature_tag(signature_tags[i]));
  /* The facts the teaching view must get right. */
  g_assert_nonnull(strstr(dks_help_signature_tag("a"), "ed25519-sha256 (RFC 8463)"));
  g_assert_nonnull(strstr(dks_help_signature_tag("a"), "rsa-sha1"));
  g_assert_nonnull(strstr(dks_help_signature_tag("c"), "simple/simple"));
  g_assert_nonnull(strstr(dks_help_signature_tag("c"), "leaves the body simple"));
  /* x=: RFC 6376 §3.5 says MAY be considered invalid, and x= > t=. */
  g_assert_nonnull(strstr(dks_help_signature_tag("x"), "may treat it as invalid"));
  g_assert_nonnull(strstr(dks_help_signature_tag("x"), "later than t="));
  g_assert_nonnull(strstr(dks_help_signature_tag("z"), "not necessarily"));
  g_assert_nonnull(strstr(dks_help_signature_tag("s"), "<s>._domainkey.<d>"));
}

static void
test_key_tags(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(key_tags); i++)
    assert_sentence(key_tags[i], dks_help_key_tag(key_tags[i]));
  g_assert_nonnull(strstr(dks_help_key_tag("k"), "ed25519 (RFC 8463)"));
  g_assert_nonnull(strstr(dks_help_key_tag("p"), "revoked"));
  g_assert_nonnull(strstr(dks_help_key_tag("p"), "32-octet"));
  g_assert_nonnull(strstr(dks_help_key_tag("t"), "y = "));
  g_assert_nonnull(strstr(dks_help_key_tag("t"), "s = "));
  g_assert_nonnull(strstr(dks_help_key_tag("v"), "first tag"));
  /* The same name means different things in the two tag-lists. */
  g_assert_cmpstr(dks_help_key_tag("t"), !=, dks_help_signature_tag("t"));
  g_assert_cmpstr(dks_help_key_tag("h"), !=, dks_help_signature_tag("h"));
}

static void
test_unknown_tags(void)
{
  /* Tag names are case-sensitive (RFC 6376 §3.2). */
  static const char *const unknown[] = {
    "", "V", "A", "BH", "bH", "Bh", "vv", "b ", " b", "atps", "r", "e", "y", "bh=",
  };
  for (guint i = 0; i < G_N_ELEMENTS(unknown); i++) {
    g_assert_null(dks_help_signature_tag(unknown[i]));
    g_assert_null(dks_help_key_tag(unknown[i]));
  }
  g_assert_null(dks_help_signature_tag(NULL));
  g_assert_null(dks_help_key_tag(NULL));
  /* Tags of one list are not tags of the other. */
  static const char *const signature_only[] = { "a", "b", "bh", "c", "d", "i", "l", "q",
                                                "x", "z" };
  for (guint i = 0; i < G_N_ELEMENTS(signature_only); i++)
    g_assert_null(dks_help_key_tag(signature_only[i]));
  static const char *const key_only[] = { "k", "n", "p" };
  for (guint i = 0; i < G_N_ELEMENTS(key_only); i++)
    g_assert_null(dks_help_signature_tag(key_only[i]));
  assert_sentence("(unknown)", dks_help_unknown_tag());
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/texts/signature-tags", test_signature_tags);
  g_test_add_func("/texts/key-tags", test_key_tags);
  g_test_add_func("/texts/unknown-tags", test_unknown_tags);
  return g_test_run();
}
