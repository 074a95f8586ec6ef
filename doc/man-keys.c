/* man-keys.c — writes the man page: doc/dkimscope.1.in with its list of
 * keys generated from the key table (tui/keys.c), so the page names exactly
 * the bindings the help overlay names and a new or changed binding needs no
 * second edit.  Run by meson at build time: man-keys TEMPLATE OUTPUT.
 * The template holds the line KEYS_PLACEHOLDER where the list goes.
 * A label or help text the page could not show safely fails the build. */
#include "doc/roff.h"
#include "tui/keys.h"

#include <string.h>

#define KEYS_PLACEHOLDER "@KEYS@"
/* The widest indent of the list's text; a longer key label gets a line of
 * its own instead of pushing every description to the right. */
#define MAX_TAG_INDENT 20

G_DEFINE_QUARK(dks-man-keys-error, man_keys_error)

/* The command's keys in bold: the UTF-8 labels when roff can name every
 * character in them, else the ASCII ones. */
static gboolean
append_keys(GString *out, DksCommand command)
{
  g_autofree char *utf8 = dks_command_keys_label(command, TRUE);
  g_autofree char *ascii = dks_command_keys_label(command, FALSE);
  g_string_append(out, "\\fB");
  if (!dks_roff_append(out, utf8, FALSE) && !dks_roff_append(out, ascii, FALSE))
    return FALSE;
  g_string_append(out, "\\fR\n");
  return TRUE;
}

static guint
tag_indent(void)
{
  gsize widest = 0;
  for (const DksKeyBinding *b = dks_key_bindings(); b->command != DKS_CMD_NONE; b++) {
    g_autofree char *ascii = dks_command_keys_label(b->command, FALSE);
    widest = MAX(widest, strlen(ascii));
  }
  return (guint)MIN(widest + 2, MAX_TAG_INDENT);
}

/* One .TP item per command, in the table's order (the help overlay's):
 * all its keys, then its help text.  NULL, with error set, when a label or
 * help text cannot be written.  Caller frees. */
static char *
keys_roff(GError **error)
{
  g_autoptr(GString) out =
    g_string_new(".\\\" Generated from the key table in tui/keys.c by doc/man-keys.c.\n");
  gboolean first = TRUE;
  for (const DksKeyBinding *b = dks_key_bindings(); b->command != DKS_CMD_NONE; b++) {
    if (dks_command_binding(b->command) != b)
      continue; /* listed with the command's first key */
    if (first)
      g_string_append_printf(out, ".TP %u\n", tag_indent());
    else
      g_string_append(out, ".TP\n");
    first = FALSE;
    if (!append_keys(out, b->command) || !dks_roff_append(out, b->help, TRUE)) {
      g_set_error(error, man_keys_error_quark(), 0,
                  "the key label or help text of command %s cannot be written "
                  "in roff (a control character, or not UTF-8)", b->name);
      return NULL;
    }
    g_string_append_c(out, '\n');
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* The template with its placeholder line replaced by the key list; the
 * placeholder must stand on exactly one line of its own.  Caller frees. */
static char *
fill_template(const char *template_text, const char *keys, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(template_text, "\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  guint found = 0;
  for (char **l = lines; *l != NULL; l++) {
    if (strcmp(*l, KEYS_PLACEHOLDER) == 0) {
      found++;
      g_string_append(out, keys);
    } else if (l[1] != NULL) {
      g_string_append_printf(out, "%s\n", *l);
    } else {
      g_string_append(out, *l); /* the text after the last newline */
    }
  }
  if (found != 1) {
    g_set_error(error, man_keys_error_quark(), 0,
                "the template has %u lines " KEYS_PLACEHOLDER ", want 1", found);
    return NULL;
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

static gboolean
write_page(const char *template_path, const char *output_path, GError **error)
{
  g_autofree char *template_text = NULL;
  if (!g_file_get_contents(template_path, &template_text, NULL, error))
    return FALSE;
  g_autofree char *keys = keys_roff(error);
  if (keys == NULL)
    return FALSE;
  g_autofree char *page = fill_template(template_text, keys, error);
  if (page == NULL) {
    g_prefix_error(error, "%s: ", template_path);
    return FALSE;
  }
  return g_file_set_contents(output_path, page, -1, error);
}

int
main(int argc, char **argv)
{
  if (argc != 3) {
    g_printerr("usage: man-keys TEMPLATE OUTPUT\n");
    return 64;
  }
  g_autoptr(GError) error = NULL;
  if (!write_page(argv[1], argv[2], &error)) {
    g_printerr("man-keys: %s\n", error->message);
    return 1;
  }
  return 0;
}
