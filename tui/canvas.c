/* canvas.c — see canvas.h.  Every write is clipped to the grid; no
 * coordinate or text can make it write outside. */
#include "tui/canvas.h"

#include <string.h>

DksCanvas *
dks_canvas_new(guint width, guint height)
{
  DksCanvas *canvas = g_new0(DksCanvas, 1);
  canvas->width = width;
  canvas->height = height;
  canvas->cells = g_new0(DksCell, (gsize)width * height + 1);
  dks_canvas_clear(canvas);
  return canvas;
}

void
dks_canvas_free(DksCanvas *canvas)
{
  if (canvas == NULL)
    return;
  g_free(canvas->cells);
  g_free(canvas);
}

void
dks_canvas_clear(DksCanvas *canvas)
{
  gsize n = (gsize)canvas->width * canvas->height;
  for (gsize i = 0; i < n; i++)
    canvas->cells[i] = (DksCell){ .ch = ' ' };
}

static DksCell *
cell_at(const DksCanvas *canvas, guint x, guint y)
{
  if (x >= canvas->width || y >= canvas->height)
    return NULL;
  return &canvas->cells[(gsize)y * canvas->width + x];
}

const DksCell *
dks_canvas_cell(const DksCanvas *canvas, guint x, guint y)
{
  return cell_at(canvas, x, y);
}

/* The next character of text and the octets it takes; what the terminal
 * must never see (controls, invalid UTF-8) comes back as '?'. */
static gunichar
next_char(const char *p, gsize *len)
{
  gunichar c = g_utf8_get_char_validated(p, -1);
  if (c == (gunichar)-1 || c == (gunichar)-2 || c == 0) {
    *len = 1;
    return '?';
  }
  *len = g_utf8_next_char(p) - p;
  if (c < 0x20 || (c >= 0x7f && c < 0xa0))
    return '?';
  return c;
}

/* Columns a (cleaned) character takes: 0, 1 or 2. */
static guint
char_columns(gunichar c)
{
  if (g_unichar_iszerowidth(c))
    return 0;
  return g_unichar_iswide(c) ? 2 : 1;
}

/* Blanks the other half of a wide character that (x, y) is part of, so
 * that overwriting one half never leaves half a glyph behind. */
static void
break_wide_at(DksCanvas *canvas, guint x, guint y)
{
  DksCell *cell = cell_at(canvas, x, y);
  if (cell == NULL)
    return;
  if (cell->ch == 0 && x > 0) {
    DksCell *left = cell_at(canvas, x - 1, y);
    left->ch = ' ';
  }
  if (cell->ch != 0 && char_columns(cell->ch) == 2) {
    DksCell *right = cell_at(canvas, x + 1, y);
    if (right != NULL && right->ch == 0)
      right->ch = ' ';
  }
}

guint
dks_canvas_put(DksCanvas *canvas, guint x, guint y, const char *text,
               guint max_cols, guint8 attrs, guint8 role)
{
  if (text == NULL || y >= canvas->height || x >= canvas->width)
    return 0;
  guint limit = MIN(max_cols, canvas->width - x);
  guint col = 0;
  const char *p = text;
  while (*p != '\0') {
    gsize len;
    gunichar c = next_char(p, &len);
    p += len;
    guint w = char_columns(c);
    if (w == 0)
      continue;
    if (col + w > limit)
      break;
    break_wide_at(canvas, x + col, y);
    if (w == 2)
      break_wide_at(canvas, x + col + 1, y);
    DksCell *cell = cell_at(canvas, x + col, y);
    *cell = (DksCell){ .ch = c, .attrs = attrs, .role = role };
    if (w == 2)
      *cell_at(canvas, x + col + 1, y) = (DksCell){ .ch = 0, .attrs = attrs, .role = role };
    col += w;
  }
  return col;
}

void
dks_canvas_paint(DksCanvas *canvas, guint x, guint y, guint w, guint h,
                 guint8 attrs, guint8 role)
{
  for (guint row = y; row < canvas->height && row - y < h; row++)
    for (guint col = x; col < canvas->width && col - x < w; col++) {
      DksCell *cell = cell_at(canvas, col, row);
      cell->attrs = attrs;
      cell->role = role;
    }
}

void
dks_canvas_fill(DksCanvas *canvas, guint x, guint y, guint w, guint h,
                gunichar ch, guint8 attrs, guint8 role)
{
  if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0) || char_columns(ch) != 1 ||
      !g_unichar_validate(ch))
    ch = ' ';
  for (guint row = y; row < canvas->height && row - y < h; row++)
    for (guint col = x; col < canvas->width && col - x < w; col++) {
      break_wide_at(canvas, col, row);
      *cell_at(canvas, col, row) = (DksCell){ .ch = ch, .attrs = attrs, .role = role };
    }
}

char *
dks_canvas_dump(const DksCanvas *canvas)
{
  GString *out = g_string_sized_new((gsize)(canvas->width + 1) * canvas->height);
  for (guint y = 0; y < canvas->height; y++) {
    gsize line_start = out->len, content_end = out->len;
    for (guint x = 0; x < canvas->width; x++) {
      gunichar c = cell_at(canvas, x, y)->ch;
      if (c == 0)
        continue; /* the right half of a wide character */
      g_string_append_unichar(out, c);
      if (c != ' ')
        content_end = out->len;
    }
    g_string_truncate(out, MAX(line_start, content_end));
    g_string_append_c(out, '\n');
  }
  return g_string_free(out, FALSE);
}

guint
dks_char_width(gunichar c)
{
  if (c < 0x20 || (c >= 0x7f && c < 0xa0))
    return 1; /* drawn as '?' */
  return char_columns(c);
}

gsize
dks_text_fit(const char *text, guint cols, guint *used)
{
  guint width = 0;
  const char *p = text ? text : "";
  while (*p != '\0') {
    gsize len = 1;
    /* Printable ASCII, most of any text, takes one column. */
    guint w = (guchar)*p >= 0x20 && (guchar)*p < 0x7f ? 1 : char_columns(next_char(p, &len));
    if (width + w > cols)
      break;
    width += w;
    p += len;
  }
  if (used != NULL)
    *used = width;
  return text ? (gsize)(p - text) : 0;
}

guint
dks_text_width(const char *text)
{
  guint cols = 0;
  for (const char *p = text ? text : ""; *p != '\0';) {
    gsize len;
    cols += char_columns(next_char(p, &len));
    p += len;
  }
  return cols;
}
