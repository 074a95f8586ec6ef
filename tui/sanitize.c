/* sanitize.c — see sanitize.h.  One pass; never reads past len. */
#include "tui/sanitize.h"

/* Characters that are printable by the book but change how text around them
 * looks: made visible so a support agent sees what is really there. */
static gboolean
is_deceptive(gunichar c)
{
  return (c >= 0x202A && c <= 0x202E) || /* LRE RLE PDF LRO RLO */
         (c >= 0x2066 && c <= 0x2069) || /* LRI RLI FSI PDI */
         c == 0x200E || c == 0x200F || c == 0x061C || /* LRM RLM ALM */
         (c >= 0x200B && c <= 0x200D) || /* zero-width space/joiners */
         c == 0x2060 || c == 0xFEFF ||   /* word joiner, BOM */
         c == 0x00A0 || c == 0x00AD;     /* NBSP, soft hyphen */
}

static void
append_control(GString *out, guchar c)
{
  switch (c) {
  case '\t': g_string_append(out, "\\t"); return;
  case '\r': g_string_append(out, "\\r"); return;
  case '\n': g_string_append(out, "\\n"); return;
  case 0x1b: g_string_append(out, "\\e"); return;
  default: g_string_append_printf(out, "\\x%02x", c); return;
  }
}

char *
dks_sanitize(const char *data, gssize len, gboolean ascii_only)
{
  if (data == NULL)
    return g_strdup("");
  gsize n = len < 0 ? strlen(data) : (gsize)len;
  GString *out = g_string_sized_new(n + 8);
  const char *p = data, *end = data + n;

  while (p < end) {
    guchar c = (guchar)*p;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f)
        append_control(out, c);
      else
        g_string_append_c(out, (char)c);
      p++;
      continue;
    }
    gunichar u = g_utf8_get_char_validated(p, end - p);
    if (u == (gunichar)-1 || u == (gunichar)-2) {
      g_string_append_printf(out, "\\x%02x", c);
      p++;
      continue;
    }
    const char *next = g_utf8_next_char(p);
    if ((u >= 0x80 && u < 0xA0) || is_deceptive(u) || ascii_only ||
        !g_unichar_isprint(u))
      g_string_append_printf(out, "<U+%04X>", u);
    else
      g_string_append_len(out, p, next - p);
    p = next;
  }
  return g_string_free(out, FALSE);
}

char *
dks_sanitize_text(const char *text, gboolean ascii_only)
{
  g_auto(GStrv) lines = g_strsplit(text ? text : "", "\n", -1);
  GString *out = g_string_new(NULL);
  for (guint i = 0; lines[i] != NULL; i++) {
    g_autofree char *clean = dks_sanitize(lines[i], -1, ascii_only);
    g_string_append_printf(out, "%s%s", i ? "\n" : "", clean);
  }
  return g_string_free(out, FALSE);
}
