/* roff.c — text for a man page's source (see roff.h). */
#include "doc/roff.h"

/* roff's own names for the characters the key labels use: they render on
 * an ASCII terminal too (as ^, v, ->, <-), which \[uXXXX] would not. */
static const struct {
  gunichar c;
  const char *roff;
} glyphs[] = {
  { 0x2191, "\\(ua" }, { 0x2193, "\\(da" },
  { 0x2192, "\\(->" }, { 0x2190, "\\(<-" },
};

static const char *
glyph_name(gunichar c)
{
  for (guint i = 0; i < G_N_ELEMENTS(glyphs); i++)
    if (glyphs[i].c == c)
      return glyphs[i].roff;
  return NULL;
}

static gboolean
at_line_start(const GString *out)
{
  return out->len == 0 || out->str[out->len - 1] == '\n';
}

gboolean
dks_roff_append(GString *out, const char *text, gboolean unicode_ok)
{
  if (!g_utf8_validate(text, -1, NULL))
    return FALSE;
  g_autoptr(GString) roff = g_string_new(NULL);
  if (at_line_start(out) && (*text == '.' || *text == '\'' || *text == ' '))
    g_string_append(roff, "\\&");
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
    gunichar c = g_utf8_get_char(p);
    if (g_unichar_iscntrl(c) || g_unichar_type(c) == G_UNICODE_FORMAT)
      return FALSE;
    if (c == '\\')
      g_string_append(roff, "\\e");
    else if (c == '-')
      g_string_append(roff, "\\-");
    else if (c < 0x80)
      g_string_append_c(roff, (char)c);
    else if (glyph_name(c) != NULL)
      g_string_append(roff, glyph_name(c));
    else if (unicode_ok)
      g_string_append_printf(roff, "\\[u%04X]", (guint)c);
    else
      return FALSE;
  }
  g_string_append_len(out, roff->str, (gssize)roff->len);
  return TRUE;
}
