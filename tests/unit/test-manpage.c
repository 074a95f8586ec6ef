/* test-manpage.c — the man page against the key table: the page that the
 * build writes (doc/man-keys.c) lists every command of the table, with all
 * its keys and its help text, in the table's order and nothing else; it
 * renders with man(1) without a warning in a UTF-8 and in an ASCII locale;
 * and the roff escaping (doc/roff.c) keeps hostile text inert. */
#include <string.h>

#include "doc/roff.h"
#include "tui/keys.h"

/* Wide enough that no help text wraps, so none is hyphenated. */
#define MAN_WIDTH "200"

static char *
page_path(void)
{
  const char *root = g_getenv("DKS_BUILD_ROOT");
  g_assert_nonnull(root);
  return g_build_filename(root, "doc", "dkimscope.1", NULL);
}

/* The page as man(1) shows it in locale, formatting removed (man does so
 * when its output is no terminal); its warnings in *warnings. */
static char *
render(const char *locale, char **warnings)
{
  g_autofree char *page = page_path();
  const char *argv[] = { "man", "--warnings", "-l", page, NULL };
  g_auto(GStrv) env = g_get_environ();
  env = g_environ_setenv(env, "LC_ALL", locale, TRUE);
  env = g_environ_setenv(env, "MANWIDTH", MAN_WIDTH, TRUE);
  env = g_environ_unsetenv(env, "MANOPT");
  env = g_environ_unsetenv(env, "MAN_KEEP_FORMATTING");
  char *out = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  g_spawn_sync(NULL, (char **)argv, env, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, warnings,
               &status, &error);
  g_assert_no_error(error); /* man-db and groff-base: see dev.sh */
  g_spawn_check_wait_status(status, &error);
  g_assert_no_error(error);
  g_assert_null(strchr(out, '\b'));
  return out;
}

/* The text of the subsection "Keys" (from the line after its heading to
 * the next heading), its whitespace collapsed to single spaces and the
 * hyphen and minus glyphs some groff set-ups print for - and \- read as -. */
static char *
keys_section(const char *rendered)
{
  g_auto(GStrv) lines = g_strsplit(rendered, "\n", -1);
  char **l = lines;
  while (*l != NULL && strcmp(*l, "   Keys") != 0)
    l++;
  g_assert_nonnull(*l);
  GString *text = g_string_new(NULL);
  for (l++; *l != NULL; l++) {
    if (**l != '\0' && !g_str_has_prefix(*l, "       "))
      break; /* a heading */
    g_string_append_printf(text, "%s ", *l);
  }
  g_autoptr(GRegex) dashes = g_regex_new("\u2010|\u2212", 0, 0, NULL);
  g_autoptr(GRegex) spaces = g_regex_new("\\s+", 0, 0, NULL);
  g_autofree char *plain = g_regex_replace_literal(dashes, text->str, -1, 0, "-", 0, NULL);
  g_string_free(text, TRUE);
  g_autofree char *single = g_regex_replace_literal(spaces, plain, -1, 0, " ", 0, NULL);
  return g_strdup(g_strstrip(single));
}

static gboolean
first_binding(const DksKeyBinding *b)
{
  return dks_command_binding(b->command) == b;
}

static void
test_renders_without_warnings(void)
{
  static const char *const locales[] = { "C.UTF-8", "C" };
  for (guint i = 0; i < G_N_ELEMENTS(locales); i++) {
    g_autofree char *warnings = NULL;
    g_autofree char *out = render(locales[i], &warnings);
    g_assert_cmpstr(warnings, ==, "");
    g_assert_nonnull(strstr(out, "DKIMSCOPE(1)"));
  }
}

/* Each command once, at its first key: all its keys (as the help overlay
 * writes them) and its help text, in the table's order; then no further
 * item (the list's text ends the section or is followed by prose). */
static void
test_keys_section_is_the_table(void)
{
  g_autofree char *warnings = NULL;
  g_autofree char *out = render("C.UTF-8", &warnings);
  g_autofree char *section = keys_section(out);
  const char *pos = section;
  guint commands = 0;
  for (const DksKeyBinding *b = dks_key_bindings(); b->command != DKS_CMD_NONE; b++) {
    g_assert_nonnull(strstr(section, b->key_label));
    if (!first_binding(b))
      continue;
    commands++;
    g_autofree char *label = dks_command_keys_label(b->command, TRUE);
    g_autofree char *item = g_strdup_printf("%s %s", label, b->help);
    g_autofree char *got = g_strndup(pos, strlen(item));
    g_assert_cmpstr(got, ==, item);
    pos += strlen(item);
    while (*pos == ' ')
      pos++;
  }
  g_assert_cmpuint(commands, >, 20);
  /* The source: one .TP per command between ".SS Keys" and what follows,
   * so no item written by hand has stayed behind. */
  g_autofree char *page = page_path();
  g_autofree char *source = NULL;
  g_assert_true(g_file_get_contents(page, &source, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(source, "\n", -1);
  char **l = lines;
  while (*l != NULL && strcmp(*l, ".SS Keys") != 0)
    l++;
  g_assert_nonnull(*l);
  guint items = 0;
  for (l++; *l != NULL && !g_str_has_prefix(*l, ".SS "); l++)
    items += g_str_has_prefix(*l, ".TP");
  g_assert_cmpuint(items, ==, commands);
  g_assert_null(strstr(source, "@KEYS@"));
}

/* On a terminal without UTF-8 the page is ASCII: every help text is there
 * and the arrows are drawn as roff draws them in ASCII. */
static void
test_keys_section_in_ascii(void)
{
  g_autofree char *warnings = NULL;
  g_autofree char *out = render("C", &warnings);
  for (const char *p = out; *p != '\0'; p++)
    g_assert_cmpint((guchar)*p, <, 0x80);
  g_autofree char *section = keys_section(out);
  for (const DksKeyBinding *b = dks_key_bindings(); b->command != DKS_CMD_NONE; b++)
    g_assert_nonnull(strstr(section, b->help));
  g_assert_true(g_str_has_prefix(section, "^ / k Move up"));
  g_assert_nonnull(strstr(section, "-> Walk through: the next check"));
  g_assert_nonnull(strstr(section, "Shift-Tab Previous pane"));
}

static void
roff_one(const char *before, const char *text, gboolean unicode_ok, const char *want)
{
  g_autoptr(GString) out = g_string_new(before);
  gboolean ok = dks_roff_append(out, text, unicode_ok);
  g_assert_cmpint(ok, ==, want != NULL);
  g_assert_cmpstr(out->str + strlen(before), ==, want != NULL ? want : "");
}

static void
test_roff_escaping(void)
{
  roff_one("", "Quit", FALSE, "Quit");
  roff_one("", "Shift-Tab", FALSE, "Shift\\-Tab");
  roff_one("", "a\\fBb", FALSE, "a\\efBb");
  roff_one("", ".TH x", FALSE, "\\&.TH x");
  roff_one("", "'br", FALSE, "\\&'br");
  roff_one("", " x", FALSE, "\\& x");
  roff_one("x\n", ".so /etc/passwd", FALSE, "\\&.so /etc/passwd");
  roff_one("\\fB", ".", FALSE, "."); /* not at the start of a line */
  roff_one("", "\u2191 / k", FALSE, "\\(ua / k");
  roff_one("", "\u2193\u2190\u2192", FALSE, "\\(da\\(<-\\(->");
  roff_one("", "caf\u00e9", TRUE, "caf\\[u00E9]");
  roff_one("", "\U0001F600", TRUE, "\\[u1F600]");
  roff_one("", "caf\u00e9", FALSE, NULL);
  roff_one("", "a\nb", TRUE, NULL);
  roff_one("", "a\tb", TRUE, NULL);
  roff_one("", "\x1b[2J", TRUE, NULL);
  roff_one("", "\u202e", TRUE, NULL);
  roff_one("", "\xff", TRUE, NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/manpage/renders-without-warnings", test_renders_without_warnings);
  g_test_add_func("/manpage/keys-section-is-the-table", test_keys_section_is_the_table);
  g_test_add_func("/manpage/keys-section-in-ascii", test_keys_section_in_ascii);
  g_test_add_func("/manpage/roff-escaping", test_roff_escaping);
  return g_test_run();
}
