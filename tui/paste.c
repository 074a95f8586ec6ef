/* paste.c — see paste.h. */
#include "tui/paste.h"

/* TRUE when text[from..] has a line end and every run of '\n' is of even
 * length. */
static gboolean
every_line_end_doubled(const GString *text, gsize from)
{
  gboolean any = FALSE;
  gsize i = from;
  while (i < text->len) {
    if (text->str[i] != '\n') {
      i++;
      continue;
    }
    gsize run = 0;
    while (i < text->len && text->str[i] == '\n') {
      run++;
      i++;
    }
    if (run % 2 != 0)
      return FALSE;
    any = TRUE;
  }
  return any;
}

gboolean
dks_paste_undouble_line_ends(GString *text, gsize from)
{
  if (from >= text->len || !every_line_end_doubled(text, from))
    return FALSE;
  /* Every run is even: dropping every second '\n' of a run halves it. */
  gsize out = from;
  gboolean drop_next_lf = FALSE;
  for (gsize i = from; i < text->len; i++) {
    char c = text->str[i];
    if (c == '\n') {
      drop_next_lf = !drop_next_lf;
      if (!drop_next_lf)
        continue;
    } else {
      drop_next_lf = FALSE;
    }
    text->str[out++] = c;
  }
  g_string_truncate(text, out);
  return TRUE;
}
