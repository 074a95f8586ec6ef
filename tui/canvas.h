/* canvas.h — an in-memory screen: a grid of cells that layout.c draws into
 * and curses.c copies to the terminal.  Every screen is testable as text
 * (dks_canvas_dump).  Only sanitized text (tui/sanitize.h) goes in. */
#pragma once
#include <glib.h>

typedef enum {
  DKS_ATTR_NONE      = 0,
  DKS_ATTR_BOLD      = 1 << 0,
  DKS_ATTR_REVERSE   = 1 << 1, /* selection: visible without colour */
  DKS_ATTR_UNDERLINE = 1 << 2,
  DKS_ATTR_DIM       = 1 << 3,
} DksAttr;

/* Colour roles, never the only carrier of meaning (a symbol and a word
 * always say the same). */
typedef enum {
  DKS_ROLE_DEFAULT = 0,
  DKS_ROLE_PASS,
  DKS_ROLE_FAIL,
  DKS_ROLE_WARN,
  DKS_ROLE_INFO,
  DKS_ROLE_TITLE,
  DKS_ROLE_COUNT
} DksRole;

typedef struct {
  gunichar ch;      /* 0 = the right half of a wide character */
  guint8 attrs;     /* DksAttr */
  guint8 role;      /* DksRole */
} DksCell;

typedef struct {
  guint width, height;
  DksCell *cells;   /* width * height, row-major */
} DksCanvas;

/* A blank canvas (spaces).  Caller frees. */
DksCanvas *dks_canvas_new(guint width, guint height);
void dks_canvas_free(DksCanvas *canvas);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksCanvas, dks_canvas_free)

void dks_canvas_clear(DksCanvas *canvas);

/* Writes UTF-8 text at (x, y), at most max_cols columns (wide characters
 * count two; a character that does not fit is not drawn); nothing past the
 * canvas edge.  Returns the columns written. */
guint dks_canvas_put(DksCanvas *canvas, guint x, guint y, const char *text,
                     guint max_cols, guint8 attrs, guint8 role);

/* Sets attrs/role on a rectangle without changing characters. */
void dks_canvas_paint(DksCanvas *canvas, guint x, guint y, guint w, guint h,
                      guint8 attrs, guint8 role);

/* The canvas as text: one line per row, trailing spaces removed, '\n'
 * after each.  For golden tests.  Caller frees. */
char *dks_canvas_dump(const DksCanvas *canvas);

/* Display width of UTF-8 text in terminal columns, as dks_canvas_put
 * counts them (a character it would not draw counts nothing). */
guint dks_text_width(const char *text);

/* Added with canvas.c. */

/* Columns one character takes as dks_canvas_put draws it: 0 for a
 * zero-width character, 2 for a wide one, else 1 (a control drawn as '?'
 * included). */
guint dks_char_width(gunichar c);

/* Octets of the longest prefix of text that fits in cols columns (an
 * invalid octet counts one column, as put draws it as '?'); *used (if not
 * NULL) gets its columns. */
gsize dks_text_fit(const char *text, guint cols, guint *used);

/* Fills a rectangle (clipped to the canvas) with ch: a one-column,
 * printable character (else a space). */
void dks_canvas_fill(DksCanvas *canvas, guint x, guint y, guint w, guint h,
                     gunichar ch, guint8 attrs, guint8 role);

/* The cell at (x, y), or NULL outside the canvas. */
const DksCell *dks_canvas_cell(const DksCanvas *canvas, guint x, guint y);

/* How put draws characters, for every writer: C0/C1 controls, DEL and
 * invalid UTF-8 become '?' (nothing reaches the terminal that could drive
 * it, even if a caller forgot to sanitize); zero-width characters
 * (combining marks) are skipped; wide characters take two cells, the right
 * one holding 0.  Overwriting half of a wide character blanks the other
 * half. */
