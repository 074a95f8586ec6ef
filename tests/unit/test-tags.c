/* test-tags.c — RFC 6376 §3.2 tag-lists. */
#include <glib.h>
#include <string.h>

#include "parse/finding.h"
#include "parse/limits.h"
#include "parse/tags.h"
#include "testutil.h"

typedef struct {
  const char *name;
  const char *input;
  const char *tags;   /* "name=[value]" per tag, in order, joined by '|' */
  guint errors;       /* findings of level ERROR */
  guint warnings;
  const char *text_part; /* substring of some finding text, or NULL */
} TagCase;

static char *
summarize(const DksTagList *list)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < list->tags->len; i++) {
    const DksTag *tag = g_ptr_array_index(list->tags, i);
    g_autofree char *value = dks_quote_bytes(tag->value, tag->value_len, 200);
    g_string_append_printf(out, "%s%s=[%s]", i ? "|" : "", tag->name, value);
  }
  return g_string_free(out, FALSE);
}

static void
tags_one(const TagCase *c)
{
  g_autoptr(DksTagList) list = dks_tag_list_parse(c->input, strlen(c->input), "test");
  g_autofree char *got = summarize(list);
  g_assert_cmpstr(got, ==, c->tags);
  g_assert_cmpuint(count_level(list->findings, DKS_FINDING_ERROR), ==, c->errors);
  g_assert_cmpuint(count_level(list->findings, DKS_FINDING_WARNING), ==, c->warnings);
  if (c->text_part != NULL)
    g_assert_true(findings_mention(list->findings, c->text_part));

  /* Offsets point at the name and the trimmed value in the input. */
  for (guint i = 0; i < list->tags->len; i++) {
    const DksTag *tag = g_ptr_array_index(list->tags, i);
    g_assert_cmpmem(c->input + tag->name_offset, strlen(tag->name), tag->name,
                    strlen(tag->name));
    g_assert_cmpmem(c->input + tag->value_offset, tag->value_len, tag->value,
                    tag->value_len);
  }
}

static const TagCase tag_cases[] = {
  { "empty", "", "", 0, 0, NULL },
  { "blank", "  \r\n ", "", 0, 0, NULL },
  { "one", "v=1", "v=[1]", 0, 0, NULL },
  { "two", "v=1; a=rsa-sha256", "v=[1]|a=[rsa-sha256]", 0, 0, NULL },
  { "trailing semicolon", "v=1; a=b;", "v=[1]|a=[b]", 0, 0, NULL },
  { "trailing semicolon and FWS", "v=1; a=b; \r\n ", "v=[1]|a=[b]", 0, 0, NULL },
  { "FWS around everything", " v \t= 1 ;\r\n\ta =\r\n b c ",
    "v=[1]|a=[b c]", 0, 0, NULL },
  { "inner folding kept", "b=abc\r\n def", "b=[abc\\x0D\\x0A def]", 0, 0, NULL },
  { "empty value", "p=; k=rsa", "p=[]|k=[rsa]", 0, 0, NULL },
  { "empty value at end", "k=rsa; p=", "k=[rsa]|p=[]", 0, 0, NULL },
  { "value with =", "b=QQ==; bh=a=b", "b=[QQ==]|bh=[a=b]", 0, 0, NULL },
  { "underscore and digits", "x_1=a; A9=b", "x_1=[a]|A9=[b]", 0, 0, NULL },
  { "case-sensitive names", "v=1; V=2", "v=[1]|V=[2]", 0, 0, NULL },
  { "duplicate", "v=1; a=x; v=1", "v=[1]|a=[x]|v=[1]", 1, 0, "appears twice" },
  { "missing =", "k=rsa; t; p=abc", "k=[rsa]|p=[abc]", 1, 0, "want '='" },
  { "no tag-list at all", "synerr", "", 1, 0, "want '=' after tag-name 'synerr' at offset 0, have nothing" },
  { "name starts with digit", "1a=b", "", 1, 0, "want a tag-name" },
  { "name starts with _", "_a=b; c=d", "c=[d]", 1, 0, "want a tag-name" },
  { "empty name", "=b", "", 1, 0, "want a tag-name" },
  { "bad char in name", "a-b=c", "", 1, 0, "want '=' after tag-name 'a' at offset 0, have '-b=c'" },
  { "space in name", "a b=c", "", 1, 0, "want '='" },
  { "double semicolon", "a=b;; c=d", "a=[b]|c=[d]", 0, 1, "empty tag-spec" },
  { "leading semicolon", "; a=b", "a=[b]", 0, 1, "empty tag-spec" },
  { "control octet in value", "n=a\x01z", "n=[a\\x01z]", 0, 1, "VALCHAR" },
  { "8-bit octet in value", "n=caf\xc3\xa9", "n=[caf\\xC3\\xA9]", 0, 1, "VALCHAR" },
  { "key record with blanks", "v=DKIM1; s=email:web:fine; x1 = extra ; t = y:n:extra; p=QQ== ; ",
    "v=[DKIM1]|s=[email:web:fine]|x1=[extra]|t=[y:n:extra]|p=[QQ==]", 0, 0, NULL },
};

static void
test_tags_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(tag_cases); i++) {
    g_test_message("case %s", tag_cases[i].name);
    tags_one(&tag_cases[i]);
  }
}

static void
test_tags_offsets(void)
{
  const char *text = "v=1;  bh = abc ; b=";
  g_autoptr(DksTagList) list = dks_tag_list_parse(text, strlen(text), "DKIM-Signature");
  g_assert_cmpuint(list->tags->len, ==, 3);
  const DksTag *bh = dks_tag_list_get(list, "bh");
  g_assert_nonnull(bh);
  g_assert_cmpuint(bh->name_offset, ==, 6);
  g_assert_cmpuint(bh->value_offset, ==, 11);
  g_assert_cmpuint(bh->value_len, ==, 3);
  const DksTag *b = dks_tag_list_get(list, "b");
  g_assert_cmpuint(b->name_offset, ==, 17);
  g_assert_cmpuint(b->value_offset, ==, 19);
  g_assert_cmpuint(b->value_len, ==, 0);
  g_assert_cmpstr(b->value, ==, "");
  g_assert_null(dks_tag_list_get(list, "B"));
  g_assert_null(dks_tag_list_get(NULL, "b"));
}

static void
test_tags_duplicate_first_wins(void)
{
  const char *text = "a=1; a=2";
  g_autoptr(DksTagList) list = dks_tag_list_parse(text, strlen(text), "key record");
  g_assert_cmpstr(dks_tag_list_get(list, "a")->value, ==, "1");
  const DksFinding *f = g_ptr_array_index(list->findings, 0);
  g_assert_cmpint(f->level, ==, DKS_FINDING_ERROR);
  g_assert_cmpstr(f->tag, ==, "a");
  g_assert_nonnull(strstr(f->text, "RFC 6376 §3.2 key record"));
  g_assert_nonnull(strstr(f->text, "offsets 0 and 5"));
}

static void
test_tags_nul_in_value(void)
{
  const char text[] = "n=a\0b; p=x";
  g_autoptr(DksTagList) list = dks_tag_list_parse(text, sizeof text - 1, "key record");
  const DksTag *n = dks_tag_list_get(list, "n");
  g_assert_cmpuint(n->value_len, ==, 3);
  g_assert_cmpmem(n->value, 3, "a\0b", 3);
  g_assert_cmpstr(dks_tag_list_get(list, "p")->value, ==, "x");
  g_assert_cmpuint(count_level(list->findings, DKS_FINDING_WARNING), ==, 1);
}

static void
test_tags_cap(void)
{
  GString *text = g_string_new(NULL);
  for (guint i = 0; i < DKS_MAX_TAGS + 10; i++)
    g_string_append_printf(text, "t%u=%u;", i, i);
  g_autoptr(DksTagList) list = dks_tag_list_parse(text->str, text->len, "test");
  g_assert_cmpuint(list->tags->len, ==, DKS_MAX_TAGS);
  g_assert_cmpuint(count_level(list->findings, DKS_FINDING_ERROR), ==, 1);
  g_assert_true(findings_mention(list->findings, "more than"));
  g_string_free(text, TRUE);

  /* Exactly the cap, with a trailing ';', is fine. */
  text = g_string_new(NULL);
  for (guint i = 0; i < DKS_MAX_TAGS; i++)
    g_string_append_printf(text, "t%u=%u; ", i, i);
  g_autoptr(DksTagList) full = dks_tag_list_parse(text->str, text->len, "test");
  g_assert_cmpuint(full->tags->len, ==, DKS_MAX_TAGS);
  g_assert_cmpuint(full->findings->len, ==, 0);
  g_string_free(text, TRUE);
}

static void
test_tags_long_name(void)
{
  g_autofree char *name = g_strnfill(DKS_MAX_TAG_NAME_BYTES + 1, 'a');
  g_autofree char *text = g_strdup_printf("%s=1; b=2", name);
  g_autoptr(DksTagList) list = dks_tag_list_parse(text, strlen(text), "test");
  g_assert_cmpuint(list->tags->len, ==, 1);
  g_assert_cmpuint(count_level(list->findings, DKS_FINDING_ERROR), ==, 1);
}

static void
test_tags_null_text(void)
{
  g_autoptr(DksTagList) list = dks_tag_list_parse(NULL, 5, NULL);
  g_assert_cmpuint(list->tags->len, ==, 0);
  g_assert_cmpuint(list->findings->len, ==, 0);
  dks_tag_list_free(NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/tags/table", test_tags_table);
  g_test_add_func("/tags/offsets", test_tags_offsets);
  g_test_add_func("/tags/duplicate-first-wins", test_tags_duplicate_first_wins);
  g_test_add_func("/tags/nul-in-value", test_tags_nul_in_value);
  g_test_add_func("/tags/cap", test_tags_cap);
  g_test_add_func("/tags/long-name", test_tags_long_name);
  g_test_add_func("/tags/null-text", test_tags_null_text);
  return g_test_run();
}
