/* layout.c — see layout.h.
 *
 * Two kinds of drawing: fixed parts (title bar, overview lists, bottom
 * line) are put on the canvas directly; scrollable content (a check, the
 * teaching view, raw headers, the overlays) is first built as rows of
 * display-clean text for a width, then a window of them is drawn.  The
 * model pages and searches through the same rows (dks_layout_lines), so
 * what it counts is what the screen shows.
 *
 * Every byte that came from the message or DNS passes clean_input()
 * (dks_sanitize); our own words pass clean_ours(), which in ASCII mode
 * spells the few typographic characters we use in ASCII. */
#include "tui/layout.h"

#include <string.h>

#include "help/guidance.h"
#include "help/texts.h"
#include "parse/finding.h"
#include "parse/limits.h"
#include "tui/sanitize.h"

/* The overview shows the selected check beside the lists from this size. */
#define WIDE_MIN_WIDTH 120u
#define WIDE_MIN_HEIGHT 16u

/* ------------------------------------------------------------ glyphs */

typedef struct {
  const char *utf8, *ascii;
} Glyph;

static const Glyph GLYPH_SELECTED = { "\u25b6", ">" };
static const Glyph GLYPH_HLINE = { "\u2500", "-" };
static const Glyph GLYPH_VLINE = { "\u2502", "|" };
static const Glyph GLYPH_ELLIPSIS = { "\u2026", "..." };
static const Glyph GLYPH_BULLET = { "\u2022", "*" };
static const Glyph GLYPH_ARROW = { "\u2192", "->" };
static const Glyph GLYPH_CR = { "\u240d", "\\r" };
static const Glyph GLYPH_LF = { "\u240a", "\\n" };
static const Glyph GLYPH_TAB = { "\u2409", "\\t" };
static const Glyph GLYPH_END_SPACE = { "\u00b7", "\\x20" };
static const Glyph GLYPH_CORNER_TL = { "\u250c", "+" };
static const Glyph GLYPH_CORNER_TR = { "\u2510", "+" };
static const Glyph GLYPH_CORNER_BL = { "\u2514", "+" };
static const Glyph GLYPH_CORNER_BR = { "\u2518", "+" };
static const Glyph GLYPH_MORE_BELOW = { "\u2193", "v" };
static const Glyph GLYPH_MORE_ABOVE = { "\u2191", "^" };
static const Glyph GLYPH_CONTINUED = { "\u21aa", ">" };

static const char *const spinner_utf8[] = {
  "\u280b", "\u2819", "\u2839", "\u2838", "\u283c",
  "\u2834", "\u2826", "\u2827", "\u2807", "\u280f",
};
static const char *const spinner_ascii[] = { "|", "/", "-", "\\" };

/* ------------------------------------------------------------ context */

typedef struct {
  const DksUiState *state;
  const DksRun *run;
  gboolean utf8;
} Ctx;

static Ctx
ctx_of(const DksUiState *state, const DksRun *run)
{
  return (Ctx){ .state = state, .run = run, .utf8 = state->utf8 };
}

static const char *
glyph(const Ctx *ctx, Glyph g)
{
  return ctx->utf8 ? g.utf8 : g.ascii;
}

static const char *
spinner(const Ctx *ctx)
{
  guint frame = ctx->state->spinner;
  return ctx->utf8 ? spinner_utf8[frame % G_N_ELEMENTS(spinner_utf8)]
                   : spinner_ascii[frame % G_N_ELEMENTS(spinner_ascii)];
}

static guint8
role_of(const Ctx *ctx, DksRole role)
{
  return ctx->state->color ? (guint8)role : DKS_ROLE_DEFAULT;
}

/* Text from the message or DNS, made safe to show.  Caller frees. */
static char *
clean_input(const Ctx *ctx, const char *data, gssize len)
{
  return dks_sanitize(data, len, !ctx->utf8);
}

/* Our own words in ASCII: the typographic characters the help texts use,
 * spelled out; anything else non-ASCII is left to dks_sanitize. */
static const struct {
  const char *from, *to;
} ascii_spelling[] = {
  { "\u00a7", "section " }, { "\u2014", "--" }, { "\u2013", "-" },
  { "\u2026", "..." }, { "\u2022", "*" }, { "\u2192", "->" },
  { "\u2190", "<-" }, { "\u2191", "^" }, { "\u2193", "v" },
  { "\u2018", "'" }, { "\u2019", "'" }, { "\u201c", "\"" }, { "\u201d", "\"" },
  { "\u2713", "ok" }, { "\u2717", "X" },
};

/* Our own words (which may quote input), made safe to show.  Caller frees. */
static char *
clean_ours(const Ctx *ctx, const char *text)
{
  if (text == NULL)
    return g_strdup("");
  if (ctx->utf8)
    return dks_sanitize(text, -1, FALSE);
  GString *spelled = g_string_new(NULL);
  for (const char *p = text; *p != '\0';) {
    gboolean done = FALSE;
    if ((guchar)*p >= 0x80)
      for (guint i = 0; i < G_N_ELEMENTS(ascii_spelling) && !done; i++) {
        gsize n = strlen(ascii_spelling[i].from);
        if (strncmp(p, ascii_spelling[i].from, n) == 0) {
          g_string_append(spelled, ascii_spelling[i].to);
          p += n;
          done = TRUE;
        }
      }
    if (!done)
      g_string_append_c(spelled, *p++);
  }
  char *clean = dks_sanitize(spelled->str, spelled->len, TRUE);
  g_string_free(spelled, TRUE);
  return clean;
}

/* Runs of folding white space (SP, HTAB, CR, LF) as one space: how a tag
 * value reads, not how it was folded.  Caller frees. */
static char *
collapse_fws(const char *data, gsize len)
{
  GString *out = g_string_sized_new(len);
  gboolean in_ws = FALSE;
  for (gsize i = 0; i < len; i++) {
    char c = data[i];
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      in_ws = TRUE;
      continue;
    }
    if (in_ws && out->len > 0)
      g_string_append_c(out, ' ');
    in_ws = FALSE;
    g_string_append_c(out, c);
  }
  return g_string_free(out, FALSE);
}

/* The longest prefix of text (octets) that fits in cols columns; *used
 * gets its columns.  Counts as dks_canvas_put draws. */
static gsize
fitting_prefix(const char *text, guint cols, guint *used)
{
  return dks_text_fit(text, cols, used);
}

/* text cut to cols columns, ending in an ellipsis when it was cut.
 * Caller frees. */
static char *
truncated(const Ctx *ctx, const char *text, guint cols)
{
  if (dks_text_width(text) <= cols)
    return g_strdup(text);
  const char *ell = glyph(ctx, GLYPH_ELLIPSIS);
  guint ell_w = dks_text_width(ell);
  if (cols < ell_w)
    return g_strndup(text, fitting_prefix(text, cols, NULL));
  gsize keep = fitting_prefix(text, cols - ell_w, NULL);
  return g_strdup_printf("%.*s%s", (int)keep, text, ell);
}

/* Width of the first len octets of text. */
static guint
prefix_width(const char *text, gsize len)
{
  g_autofree char *prefix = g_strndup(text, len);
  return dks_text_width(prefix);
}

/* ------------------------------------------------------------ rows */

/* A stretch of a row drawn with its own attributes (a status symbol, a
 * byte marker, a search match), in octets of the row's text. */
typedef struct {
  gsize start, len;
  guint8 attrs, role;
} Span;

typedef struct {
  char *text;       /* display-clean, indentation included */
  guint8 attrs, role;
  GArray *spans;    /* Span, or NULL */
  gint src_line;    /* RAW: the raw line this row shows, else -1 */
  gsize src_offset; /* RAW: octet of that line where this row starts */
} Row;

static void
row_free(Row *row)
{
  if (row == NULL)
    return;
  g_free(row->text);
  if (row->spans != NULL)
    g_array_unref(row->spans);
  g_free(row);
}

/* Content being built: rows for one width. */
typedef struct {
  const Ctx *ctx;
  guint width;
  GPtrArray *rows; /* Row* */
} Doc;

static Doc
doc_new(const Ctx *ctx, guint width)
{
  return (Doc){ .ctx = ctx, .width = MAX(width, 1u),
                .rows = g_ptr_array_new_with_free_func((GDestroyNotify)row_free) };
}

static Row *
doc_add(Doc *doc, char *text_owned, guint8 attrs, guint8 role)
{
  Row *row = g_new0(Row, 1);
  row->text = text_owned;
  row->attrs = attrs;
  row->role = role;
  row->src_line = -1;
  g_ptr_array_add(doc->rows, row);
  return row;
}

static void
row_span(Row *row, gsize start, gsize len, guint8 attrs, guint8 role)
{
  if (len == 0)
    return;
  if (row->spans == NULL)
    row->spans = g_array_new(FALSE, FALSE, sizeof(Span));
  Span span = { start, len, attrs, role };
  g_array_append_val(row->spans, span);
}

static void
doc_blank(Doc *doc)
{
  if (doc->rows->len > 0)
    doc_add(doc, g_strdup(""), 0, 0);
}

/* Where a line may break inside a long word: after these (DNS names,
 * header lists, URLs).  Spaces are preferred; base64 is cut anywhere. */
static gboolean
is_soft_break(char c)
{
  return c == '.' || c == '/' || c == ':' || c == ';' || c == ',' || c == '-' ||
         c == '=';
}

/* Octets of the next line of p within avail columns: up to the last space,
 * else after the last soft break (when that keeps a third of the line),
 * else a hard cut; at least one character. */
static gsize
next_line_length(const char *p, guint avail)
{
  guint used;
  gsize fit = fitting_prefix(p, avail, &used);
  if (p[fit] == '\0')
    return fit;
  if (fit == 0)
    return g_utf8_next_char(p) - p;
  if (p[fit] == ' ')
    return fit;
  const char *space = NULL, *soft = NULL;
  for (const char *q = p; q < p + fit; q++) {
    if (*q == ' ')
      space = q;
    else if (is_soft_break(*q))
      soft = q + 1;
  }
  /* A space early in the line ("label: a.very.long.name") would leave
   * most of the row empty: break the long word at a soft break instead. */
  if (space != NULL && (gsize)(space - p) > fit / 3)
    return space - p;
  if (soft != NULL && (gsize)(soft - p) > fit / 3)
    return soft - p;
  if (space != NULL && space > p)
    return space - p;
  return fit;
}

/* Adds clean text word-wrapped: the first row at column indent, the rest
 * at indent + hang.  '\n' starts a new paragraph (at indent). */
static void
doc_wrap(Doc *doc, const char *clean, guint indent, guint hang, guint8 attrs,
         guint8 role)
{
  g_auto(GStrv) paragraphs = g_strsplit(clean, "\n", -1);
  for (char **para = paragraphs; *para != NULL; para++) {
    const char *p = *para;
    guint col = indent;
    gboolean first = TRUE;
    while (first || *p != '\0') {
      guint avail = doc->width > col ? doc->width - col : 1;
      gsize len = next_line_length(p, avail);
      doc_add(doc, g_strdup_printf("%*s%.*s", (int)col, "", (int)len, p), attrs, role);
      p += len;
      while (*p == ' ')
        p++;
      if (first)
        col = indent + hang;
      first = FALSE;
    }
  }
}

/* Our words, cleaned and wrapped; '\n' starts a new paragraph. */
static void
doc_text(Doc *doc, const char *text, guint indent, guint hang, guint8 attrs,
         guint8 role)
{
  g_auto(GStrv) paragraphs = g_strsplit(text ? text : "", "\n", -1);
  for (char **para = paragraphs; *para != NULL; para++) {
    g_autofree char *clean = clean_ours(doc->ctx, *para);
    doc_wrap(doc, clean, indent, hang, attrs, role);
  }
}

static void
doc_heading(Doc *doc, const char *text)
{
  doc_text(doc, text, 0, 2, DKS_ATTR_BOLD, role_of(doc->ctx, DKS_ROLE_TITLE));
}

/* Adds clean text cut at the width exactly, no word breaks: for records,
 * commands, base64 and raw data, which must read as they are.  The first
 * row starts at indent, the rest at indent + hang, after mark when given
 * (dimmed, so a cut line is not taken for a new one).  spans (octets of
 * clean) move with the text.  src_line tags the rows (RAW), -1 for none. */
static void
doc_wrap_hard(Doc *doc, const char *clean, const GArray *spans, guint indent, guint hang,
              const char *mark, guint8 attrs, guint8 role, gint src_line)
{
  gsize total = strlen(clean), start = 0;
  guint mark_w = mark != NULL ? dks_text_width(mark) : 0;
  do {
    guint col = start == 0 ? indent : indent + hang;
    guint avail = doc->width > col ? doc->width - col : 1;
    gsize len = fitting_prefix(clean + start, avail, NULL);
    if (len == 0 && start < total)
      len = g_utf8_next_char(clean + start) - (clean + start);
    GString *text = g_string_sized_new(col + len + 8);
    gsize mark_len = 0;
    guint pad = col;
    if (start > 0 && mark != NULL && mark_w < col) {
      g_string_append(text, mark);
      mark_len = strlen(mark);
      pad = col - mark_w;
    }
    for (guint i = 0; i < pad; i++)
      g_string_append_c(text, ' ');
    gsize prefix = text->len;
    g_string_append_len(text, clean + start, len);
    Row *row = doc_add(doc, g_string_free(text, FALSE), attrs, role);
    row->src_line = src_line;
    row->src_offset = start;
    if (mark_len > 0)
      row_span(row, 0, mark_len, DKS_ATTR_DIM, role_of(doc->ctx, DKS_ROLE_INFO));
    for (guint i = 0; spans != NULL && i < spans->len; i++) {
      const Span *s = &g_array_index(spans, Span, i);
      gsize a = MAX(s->start, start), b = MIN(s->start + s->len, start + len);
      if (a < b)
        row_span(row, a - start + prefix, b - a, s->attrs, s->role);
    }
    start += len;
  } while (start < total);
}

/* The rows as plain strings (dks_layout_lines). */
static GPtrArray *
rows_text(const GPtrArray *rows)
{
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < rows->len; i++)
    g_ptr_array_add(out, g_strdup(((const Row *)g_ptr_array_index(rows, i))->text));
  return out;
}

/* ------------------------------------------------------------ canvas helpers */

static void
put(DksCanvas *canvas, const Ctx *ctx, guint x, guint y, const char *text,
    guint max_cols, guint8 attrs, DksRole role)
{
  dks_canvas_put(canvas, x, y, text, max_cols, attrs, role_of(ctx, role));
}

/* Puts text to the right edge; returns the columns written. */
static guint
put_text_returning(DksCanvas *canvas, const Ctx *ctx, guint x, guint y,
                   const char *text, guint8 attrs)
{
  if (x >= canvas->width)
    return 0;
  return dks_canvas_put(canvas, x, y, text, canvas->width - x, attrs,
                        role_of(ctx, DKS_ROLE_DEFAULT));
}

static void
draw_row(DksCanvas *canvas, const Ctx *ctx, guint x, guint y, guint w,
         const Row *row)
{
  dks_canvas_put(canvas, x, y, row->text, w, row->attrs, row->role);
  for (guint i = 0; row->spans != NULL && i < row->spans->len; i++) {
    const Span *s = &g_array_index(row->spans, Span, i);
    guint from = prefix_width(row->text, s->start);
    guint span_w = prefix_width(row->text + s->start, s->len);
    if (from < w)
      dks_canvas_paint(canvas, x + from, y, MIN(span_w, w - from), 1,
                       s->attrs | row->attrs, ctx->state->color ? s->role : 0);
  }
}

/* Draws rows[first ...] into the rectangle; marks more content above or
 * below at the right edge. */
static void
draw_rows(DksCanvas *canvas, const Ctx *ctx, const GPtrArray *rows, guint first,
          guint x, guint y, guint w, guint h)
{
  for (guint i = 0; i < h && first + i < rows->len; i++)
    draw_row(canvas, ctx, x, y + i, w, g_ptr_array_index(rows, first + i));
  if (w < 2 || h == 0)
    return;
  if (first > 0)
    put(canvas, ctx, x + w - 1, y, glyph(ctx, GLYPH_MORE_ABOVE), 1, DKS_ATTR_BOLD,
        DKS_ROLE_INFO);
  if (first + h < rows->len)
    put(canvas, ctx, x + w - 1, y + h - 1, glyph(ctx, GLYPH_MORE_BELOW), 1, DKS_ATTR_BOLD,
        DKS_ROLE_INFO);
}

/* "── text ──────" across w columns. */
static void
draw_rule(DksCanvas *canvas, const Ctx *ctx, guint x, guint y, guint w,
          const char *text, gboolean focused)
{
  const char *line = glyph(ctx, GLYPH_HLINE);
  for (guint i = 0; i < w; i++)
    put(canvas, ctx, x + i, y, line, 1, DKS_ATTR_DIM, DKS_ROLE_DEFAULT);
  if (text == NULL || w < 6)
    return;
  g_autofree char *label = g_strdup_printf(" %s ", text);
  g_autofree char *cut = truncated(ctx, label, w - 2);
  put(canvas, ctx, x + 1, y, cut, w - 2,
      DKS_ATTR_BOLD | (focused ? DKS_ATTR_REVERSE : 0), DKS_ROLE_TITLE);
}

/* A row of text, reverse video across the whole width. */
static void
draw_bar(DksCanvas *canvas, const Ctx *ctx, guint y, const char *left,
         const char *right)
{
  guint w = canvas->width;
  dks_canvas_fill(canvas, 0, y, w, 1, ' ', DKS_ATTR_REVERSE, role_of(ctx, DKS_ROLE_TITLE));
  guint right_w = right ? dks_text_width(right) : 0;
  guint left_room = w;
  if (right_w > 0 && right_w + 4 < w) {
    left_room = w - right_w - 2;
    put(canvas, ctx, w - right_w - 1, y, right, right_w, DKS_ATTR_REVERSE, DKS_ROLE_TITLE);
  }
  g_autofree char *cut = truncated(ctx, left, left_room > 1 ? left_room - 1 : 0);
  put(canvas, ctx, 1, y, cut, left_room, DKS_ATTR_REVERSE | DKS_ATTR_BOLD, DKS_ROLE_TITLE);
}

/* ------------------------------------------------------------ facts */

static guint
sig_count(const DksRun *run)
{
  return run != NULL ? run->sigs->len : 0;
}

static const DksSigRun *
selected_sig(const Ctx *ctx)
{
  guint n = sig_count(ctx->run);
  if (n == 0)
    return NULL;
  return g_ptr_array_index(ctx->run->sigs, MIN(ctx->state->sig, n - 1));
}

static DksCheckId
selected_check(const Ctx *ctx)
{
  return (DksCheckId)dks_ui_selected_step(ctx->state, ctx->run);
}

/* The checks sr's walkthrough shows: how many, and the first one (all ten
 * for a signature, the three key checks for a selector lookup). */
static guint
shown_checks(const DksSigRun *sr, guint *first)
{
  guint last;
  dks_ui_step_range(sr, first, &last);
  return last - *first + 1;
}

/* "check 2 of 3": where the selected check is in the walkthrough. */
static char *
check_position(const Ctx *ctx, const DksSigRun *sr)
{
  guint first, n = shown_checks(sr, &first);
  return g_strdup_printf("check %u of %u", selected_check(ctx) - first + 1, n);
}

/* The status a verdict is shown with. */
static DksStatus
result_status(DksResult result)
{
  switch (result) {
  case DKS_RESULT_PASS: return DKS_STATUS_PASS;
  case DKS_RESULT_FAIL:
  case DKS_RESULT_PERMERROR: return DKS_STATUS_FAIL;
  case DKS_RESULT_NEUTRAL:
  case DKS_RESULT_POLICY:
  case DKS_RESULT_TEMPERROR: return DKS_STATUS_WARN;
  case DKS_RESULT_NONE: break;
  }
  return DKS_STATUS_PENDING;
}

static DksRole
status_role(DksStatus status)
{
  switch (status) {
  case DKS_STATUS_PASS: return DKS_ROLE_PASS;
  case DKS_STATUS_FAIL: return DKS_ROLE_FAIL;
  case DKS_STATUS_WARN: return DKS_ROLE_WARN;
  case DKS_STATUS_INFO:
  case DKS_STATUS_PENDING: return DKS_ROLE_INFO;
  case DKS_STATUS_SKIPPED: break;
  }
  return DKS_ROLE_DEFAULT;
}

/* The symbol for a status; a spinner frame while pending. */
static const char *
status_symbol(const Ctx *ctx, DksStatus status)
{
  if (status == DKS_STATUS_PENDING)
    return spinner(ctx);
  return dks_status_symbol(status, ctx->utf8);
}

static char *
step_summary(const Ctx *ctx, const DksStep *step)
{
  if (step->summary == NULL)
    return clean_ours(ctx, step->status == DKS_STATUS_PENDING
                             ? "waiting for the DNS answer"
                             : "not run");
  return clean_input(ctx, step->summary, -1);
}

static char *
sig_domain(const Ctx *ctx, const DksSignature *sig)
{
  return clean_input(ctx, sig->domain ? sig->domain : "(none)", -1);
}

/* The first line that names a signature: "d=... s=...". */
static char *
sig_label(const Ctx *ctx, const DksSignature *sig)
{
  g_autofree char *d = sig_domain(ctx, sig);
  g_autofree char *s = clean_input(ctx, sig->selector ? sig->selector : "(none)", -1);
  return g_strdup_printf("d=%s s=%s", d, s);
}

static const char *
result_word(const DksSigRun *sr)
{
  return sr->result == DKS_RESULT_NONE ? "checking" : dks_result_name(sr->result);
}

/* ------------------------------------------------------------ a check */

/* A guidance text: numbered lines wrap under their text; lines starting
 * with spaces (a record to publish, a command) keep their words together
 * and are only cut at the edge. */
static void
doc_block(Doc *doc, const char *text, guint indent)
{
  if (text == NULL || text[0] == '\0')
    return;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    g_autofree char *clean = clean_ours(doc->ctx, *l);
    if (clean[0] == ' ') {
      /* Indented under the numbered text above it, which hangs by 3. */
      const char *body = clean;
      while (*body == ' ')
        body++;
      doc_wrap_hard(doc, body, NULL, indent + 5, 0, NULL, DKS_ATTR_BOLD, 0, -1);
      continue;
    }
    guint hang = g_ascii_isdigit(clean[0]) && strstr(clean, ". ") == clean + 1 ? 3 : 0;
    doc_wrap(doc, clean, indent, hang, 0, 0);
  }
}

static void
doc_labelled(Doc *doc, const char *label, const char *text)
{
  if (text == NULL || text[0] == '\0')
    return;
  doc_blank(doc);
  doc_heading(doc, label);
  doc_block(doc, text, 2);
}

static void
doc_clues(Doc *doc, const DksSigRun *sr)
{
  if (sr->clues->len == 0)
    return;
  doc_blank(doc);
  doc_heading(doc, "What changed (a diagnosis, not a verdict)");
  for (guint i = 0; i < sr->clues->len; i++) {
    const DksClue *clue = g_ptr_array_index(sr->clues, i);
    g_autofree char *summary = clean_input(doc->ctx, clue->summary, -1);
    g_autofree char *line = g_strdup_printf("%s %s", glyph(doc->ctx, GLYPH_BULLET), summary);
    doc_wrap(doc, line, 2, 2, 0, 0);
    for (guint j = 0; j < clue->evidence->len; j++) {
      g_autofree char *ev = clean_input(doc->ctx, g_ptr_array_index(clue->evidence, j), -1);
      doc_wrap(doc, ev, 4, 2, 0, 0);
    }
  }
}

/* "Recorded by mx.example: dkim=fail header.d=example.com (comment)":
 * one Authentication-Results entry, sanitized.  Caller frees. */
static char *
recorded_text(const Ctx *ctx, const DksAuthResults *ar, const DksAuthResult *r)
{
  g_autofree char *text = g_strdup_printf(
    "Recorded by %s%s: %s=%s%s%s%s%s%s", ar->arc ? "ARC " : "",
    ar->authserv_id ? ar->authserv_id : "(unnamed server)", r->method,
    r->result ? r->result : "?", r->header_d ? " header.d=" : "",
    r->header_d ? r->header_d : "", r->comment ? " (" : "", r->comment ? r->comment : "",
    r->comment ? ")" : "");
  return clean_input(ctx, text, -1);
}

/* Under a recorded dkim result: what the live check of the same signature
 * says now, and why the two can differ; the text report's "live now"
 * line.  Nothing when no one signature is the one recorded. */
static void
doc_live_now(Doc *doc, const DksAuthResult *r, guint indent)
{
  const Ctx *ctx = doc->ctx;
  const DksSigRun *live = dks_run_signature_for_authres(ctx->run, r);
  if (live == NULL)
    return;
  g_autofree char *text = NULL;
  if (live->result == DKS_RESULT_NONE) {
    text = g_strdup_printf("live now: %s checking", spinner(ctx));
  } else {
    const char *why = dks_help_authres_difference(r->result, live->result, live->reason);
    text = g_strdup_printf("live now: %s (%s)%s%s", dks_result_name(live->result),
                           dks_reason_name(live->reason), why ? ": " : ", the same",
                           why ? why : "");
  }
  doc_text(doc, text, indent, 2, 0, 0);
}

/* What receivers recorded about this signature, each with the live
 * result beside it: with the check that decided, so it is there at any
 * terminal size (the overview shows it only when it has rows to spare). */
static void
doc_recorded_for(Doc *doc, const DksSigRun *sr)
{
  const Ctx *ctx = doc->ctx;
  const GPtrArray *all = ctx->run->authres;
  gboolean any = FALSE;
  for (guint i = 0; all != NULL && i < all->len; i++) {
    const DksAuthResults *ar = g_ptr_array_index(all, i);
    for (guint j = 0; j < ar->results->len; j++) {
      const DksAuthResult *r = g_ptr_array_index(ar->results, j);
      if (g_strcmp0(r->method, "dkim") != 0 || dks_run_signature_for_authres(ctx->run, r) != sr)
        continue;
      if (!any) {
        doc_blank(doc);
        doc_heading(doc, "What receiving servers recorded (Authentication-Results)");
        any = TRUE;
      }
      g_autofree char *text = recorded_text(ctx, ar, r);
      doc_wrap(doc, text, 2, 2, 0, 0);
      doc_live_now(doc, r, 4);
    }
  }
}

/* The guidance for the signature, shown with the check that decided it. */
static void
doc_guidance(Doc *doc, const DksSigRun *sr)
{
  const Ctx *ctx = doc->ctx;
  g_autoptr(DksGuidance) g = dks_guidance_new(ctx->run, sr);
  g_autofree char *head = g_strdup_printf("Verdict: %s (%s)", result_word(sr),
                                          dks_reason_name(sr->reason));
  doc_blank(doc);
  doc_heading(doc, head);
  doc_block(doc, g->verdict_line, 2);
  g_autofree char *who = g_strdup_printf("Who must act: %s",
                                         g->who ? g->who : dks_help_party_words(g->party));
  doc_text(doc, who, 2, 2, DKS_ATTR_BOLD, 0);
  if (g->provider != NULL) {
    g_autofree char *provider = g_strdup_printf(
      "Sender's platform: %s%s", g->provider->name,
      g->provider_match == DKS_PROVIDER_MATCH_SELECTOR ? " (guessed from the selector name)"
                                                       : "");
    doc_text(doc, provider, 2, 0, 0, 0);
  }
  doc_labelled(doc, "Why", g->explanation);
  doc_labelled(doc, "What to do", g->fix);
  if (g->check_after != NULL && g->check_after[0] != '\0') {
    doc_blank(doc);
    doc_heading(doc, "Check afterwards");
    g_auto(GStrv) commands = g_strsplit(g->check_after, "\n", -1);
    for (char **c = commands; *c != NULL; c++) {
      g_autofree char *clean = clean_ours(ctx, g_strstrip(*c));
      doc_wrap_hard(doc, clean, NULL, 2, 0, NULL, DKS_ATTR_BOLD, 0, -1);
    }
  }
  doc_labelled(doc, "Receiving side", g->receiver_note);
  doc_labelled(doc, "Good to know", g->notes);
  doc_clues(doc, sr);
  doc_recorded_for(doc, sr);
}

/* The content of a check: what was found, the evidence, what the check
 * is for, and for the check that decided the verdict the guidance. */
static void
doc_step(Doc *doc, const DksSigRun *sr, DksCheckId check)
{
  const Ctx *ctx = doc->ctx;
  const DksStep *step = &sr->steps[check];
  g_autofree char *summary = step_summary(ctx, step);
  doc_wrap(doc, summary, 0, 2, 0, 0);
  if (step->evidence->len > 0) {
    doc_blank(doc);
    doc_heading(doc, "Evidence");
    for (guint i = 0; i < step->evidence->len; i++) {
      g_autofree char *ev = clean_input(ctx, g_ptr_array_index(step->evidence, i), -1);
      doc_wrap(doc, ev, 2, 2, 0, 0);
    }
  }
  doc_blank(doc);
  doc_heading(doc, "What this check does");
  doc_text(doc, dks_help_check_purpose(check), 2, 0, 0, 0);
  if (dks_ui_deciding_step(sr) == (gint)check)
    doc_guidance(doc, sr);
}

/* "✗ fail  Key lookup in DNS" with the symbol in its colour. */
static void
draw_step_heading(DksCanvas *canvas, const Ctx *ctx, guint x, guint y, guint w,
                  const DksStep *step, const char *right)
{
  const char *sym = status_symbol(ctx, step->status);
  g_autofree char *head = g_strdup_printf("%s %s  %s", sym, dks_status_name(step->status),
                                          dks_help_check_title(step->check));
  guint right_w = right ? dks_text_width(right) : 0;
  guint room = right_w + 2 < w ? w - right_w - 2 : w;
  g_autofree char *cut = truncated(ctx, head, room);
  put(canvas, ctx, x, y, cut, room, DKS_ATTR_BOLD, DKS_ROLE_DEFAULT);
  guint sym_w = dks_text_width(sym) + 1 + dks_text_width(dks_status_name(step->status));
  dks_canvas_paint(canvas, x, y, MIN(sym_w, room), 1, DKS_ATTR_BOLD,
                   role_of(ctx, status_role(step->status)));
  if (room < w)
    put(canvas, ctx, x + w - right_w, y, right, right_w, DKS_ATTR_DIM, DKS_ROLE_DEFAULT);
}

/* ------------------------------------------------------------ teaching */

/* What a tag is for: help's words for the tag-list it belongs to. */
typedef const char *(*TagHelp)(const char *name);

static const char *
tag_text(TagHelp help, const char *name)
{
  const char *text = help(name);
  return text != NULL ? text : dks_help_unknown_tag();
}

static char *
format_utc(gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
  return dt ? g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC") : g_strdup("out of range");
}

/* Every tag of a tag-list: "name=value", then what the tag is for;
 * dated: t= and x= are UNIX times (a DKIM-Signature), shown as dates. */
static void
doc_tags(Doc *doc, const DksTagList *tags, TagHelp help, gboolean dated)
{
  const Ctx *ctx = doc->ctx;
  if (tags == NULL || tags->tags->len == 0) {
    doc_text(doc, "(no tags could be read)", 2, 0, 0, 0);
    return;
  }
  for (guint i = 0; i < tags->tags->len; i++) {
    const DksTag *tag = g_ptr_array_index(tags->tags, i);
    g_autofree char *name = clean_input(ctx, tag->name, -1);
    g_autofree char *collapsed = collapse_fws(tag->value, tag->value_len);
    g_autofree char *value = clean_input(ctx, collapsed, -1);
    g_autofree char *line = g_strdup_printf("%s=%s", name, value);
    /* base64 reads best cut evenly; the rest breaks between words. */
    if (strcmp(tag->name, "b") == 0 || strcmp(tag->name, "bh") == 0 ||
        strcmp(tag->name, "p") == 0)
      doc_wrap_hard(doc, line, NULL, 2, (guint)strlen(name) + 1, NULL, DKS_ATTR_BOLD, 0, -1);
    else
      doc_wrap(doc, line, 2, (guint)strlen(name) + 1, DKS_ATTR_BOLD, 0);
    if (dated && (strcmp(tag->name, "t") == 0 || strcmp(tag->name, "x") == 0)) {
      gint64 when = g_ascii_strtoll(tag->value, NULL, 10);
      g_autofree char *date = format_utc(when);
      g_autofree char *text = g_strdup_printf("%s That is %s.", tag_text(help, tag->name), date);
      doc_text(doc, text, 6, 0, DKS_ATTR_DIM, 0);
      continue;
    }
    doc_text(doc, tag_text(help, tag->name), 6, 0, DKS_ATTR_DIM, 0);
  }
}

static void
doc_dns_answer(Doc *doc, const DksDnsAnswer *dns)
{
  const Ctx *ctx = doc->ctx;
  g_autofree char *qname = clean_input(ctx, dns->qname, -1);
  g_autofree char *query = g_strdup_printf("query:  %s TXT", qname);
  doc_wrap(doc, query, 2, 8, 0, 0);
  if (dns->resolver != NULL) {
    g_autofree char *via = clean_input(ctx, dns->resolver, -1);
    g_autofree char *line = g_strdup_printf("via:    %s", via);
    doc_wrap(doc, line, 2, 8, 0, 0);
  }
  for (guint i = 0; dns->cname_chain != NULL && i < dns->cname_chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(dns->cname_chain, i);
    g_autofree char *owner = clean_input(ctx, hop->owner, -1);
    g_autofree char *target = clean_input(ctx, hop->target, -1);
    g_autofree char *line = g_strdup_printf("CNAME:  %s (TTL %u)", owner, hop->ttl);
    doc_wrap(doc, line, 2, 8, 0, 0);
    g_autofree char *to = g_strdup_printf("%s %s", glyph(ctx, GLYPH_ARROW), target);
    doc_wrap(doc, to, 10, 2, 0, 0);
  }
  const char *rcode = dns->rcode < 0 ? "no response" : dks_dns_rcode_name(dns->rcode);
  g_autofree char *outcome = g_strdup_printf("answer: %s: %s", rcode,
                                             dks_help_dns_outcome_words(dns->outcome));
  doc_text(doc, outcome, 2, 8, 0, 0);
  for (guint i = 0; dns->txt != NULL && i < dns->txt->len; i++) {
    const DksTxtRecord *txt = g_ptr_array_index(dns->txt, i);
    g_autofree char *owner = clean_input(ctx, txt->owner, -1);
    gsize joined = txt->joined ? g_bytes_get_size(txt->joined) : 0;
    g_autofree char *line = g_strdup_printf(
      "TXT:    record %u at %s (TTL %u): %u string%s, %" G_GSIZE_FORMAT " octets in all",
      i + 1, owner, txt->ttl, txt->strings->len, txt->strings->len == 1 ? "" : "s", joined);
    doc_wrap(doc, line, 2, 8, 0, 0);
    for (guint j = 0; j < txt->strings->len; j++) {
      GBytes *s = g_ptr_array_index(txt->strings, j);
      gsize len;
      const char *data = g_bytes_get_data(s, &len);
      g_autofree char *head = g_strdup_printf("string %u: %" G_GSIZE_FORMAT " octets%s", j + 1,
                                              len, len == 255 ? " (the most one string holds)"
                                                              : "");
      doc_wrap(doc, head, 10, 2, DKS_ATTR_DIM, 0);
      g_autofree char *content = clean_input(ctx, data, len);
      doc_wrap_hard(doc, content, NULL, 12, 0, NULL, 0, 0, -1);
    }
  }
  const char *dnssec_words = "not validated";
  switch (dns->dnssec) {
  case DKS_DNSSEC_INSECURE: dnssec_words = "the zone is not signed (insecure)"; break;
  case DKS_DNSSEC_SECURE: dnssec_words = "validated (secure)"; break;
  case DKS_DNSSEC_BOGUS: dnssec_words = "failed validation (bogus)"; break;
  case DKS_DNSSEC_UNCHECKED: break;
  }
  const char *why = dns->why_bogus ? dns->why_bogus : dns->dnssec_note;
  g_autofree char *dnssec = g_strdup_printf("DNSSEC: %s%s%s", dnssec_words, why ? ": " : "",
                                            why ? why : "");
  doc_text(doc, dnssec, 2, 8, 0, 0);
  if (dns->dig_command != NULL) {
    g_autofree char *dig = clean_input(ctx, dns->dig_command, -1);
    g_autofree char *line = g_strdup_printf("same question: %s", dig);
    doc_wrap(doc, line, 2, 8, 0, 0);
  }
}

static void
doc_teach_dns(Doc *doc, const DksSigRun *sr)
{
  const Ctx *ctx = doc->ctx;
  doc_blank(doc);
  doc_heading(doc, "2. The key in DNS: the lookup, hop by hop (RFC 6376 \u00a73.6.2)");
  if (sr->dns != NULL) {
    doc_dns_answer(doc, sr->dns);
  } else if (sr->dns_pending) {
    g_autofree char *line = g_strdup_printf("%s waiting for the answer", spinner(ctx));
    doc_wrap(doc, line, 2, 2, 0, 0);
  } else {
    doc_text(doc, "No lookup: s= and d= do not form a DNS name.", 2, 0, 0, 0);
  }
  if (sr->authoritative != NULL) {
    doc_text(doc, "The authoritative servers, asked directly:", 2, 0, DKS_ATTR_BOLD, 0);
    doc_dns_answer(doc, sr->authoritative);
  }
  doc_blank(doc);
  g_autofree char *name = clean_input(ctx, sr->key_name ? sr->key_name : "(none)", -1);
  g_autofree char *head = g_strdup_printf("3. The key record, tag by tag (RFC 6376 "
                                          "\u00a73.6.1)");
  doc_heading(doc, head);
  if (sr->key == NULL) {
    doc_text(doc, sr->dns_pending ? "Not known yet: the lookup is still running."
                                  : "There is none: the lookup found no key record.",
             2, 0, 0, 0);
    return;
  }
  doc_tags(doc, sr->key->tags, dks_help_key_tag, FALSE);
  if (sr->key_type != DKS_KEY_TYPE_UNKNOWN) {
    g_autofree char *kind = g_strdup_printf("The key: %s, %u bits.",
                                            dks_key_type_name(sr->key_type), sr->key_bits);
    doc_text(doc, kind, 2, 0, 0, 0);
  }
}

/* Canonicalized octets with what matters visible: CR, LF, tabs and
 * spaces at a line's end become markers (dimmed), the rest is sanitized.
 * Each CRLF-terminated line is one logical line, cut at the width. */
static void
doc_visible_octets(Doc *doc, const char *data, gsize len)
{
  const Ctx *ctx = doc->ctx;
  gsize pos = 0;
  while (pos < len) {
    const char *nl = memchr(data + pos, '\n', len - pos);
    gsize end = nl ? (gsize)(nl - data) + 1 : len;
    /* Trailing white space before the line break, which is what a paste
     * or a mail client silently changes. */
    gsize content_end = end;
    while (content_end > pos && (data[content_end - 1] == '\n' || data[content_end - 1] == '\r'))
      content_end--;
    gsize trail = content_end;
    while (trail > pos && (data[trail - 1] == ' ' || data[trail - 1] == '\t'))
      trail--;
    GString *text = g_string_new(NULL);
    g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(Span));
    gsize run_start = pos;
    for (gsize i = pos; i <= end; i++) {
      const char *marker = NULL;
      if (i < end) {
        char c = data[i];
        if (c == '\r')
          marker = glyph(ctx, GLYPH_CR);
        else if (c == '\n')
          marker = glyph(ctx, GLYPH_LF);
        else if (c == '\t')
          marker = glyph(ctx, GLYPH_TAB);
        else if (c == ' ' && i >= trail)
          marker = glyph(ctx, GLYPH_END_SPACE);
        else
          continue;
      }
      if (i > run_start) {
        g_autofree char *clean = clean_input(ctx, data + run_start, i - run_start);
        g_string_append(text, clean);
      }
      run_start = i + 1;
      if (marker != NULL) {
        Span span = { text->len, strlen(marker), DKS_ATTR_DIM, role_of(ctx, DKS_ROLE_INFO) };
        g_array_append_val(spans, span);
        g_string_append(text, marker);
      }
    }
    doc_wrap_hard(doc, text->str, spans, 2, 0, NULL, 0, 0, -1);
    g_string_free(text, TRUE);
    pos = end;
  }
}

static char *
base64_of(const guint8 *data, gsize len)
{
  return len > 0 ? g_base64_encode(data, len) : g_strdup("(none)");
}

static void
doc_teach_body(Doc *doc, const DksSigRun *sr)
{
  const Ctx *ctx = doc->ctx;
  const DksSignature *sig = sr->sig;
  doc_blank(doc);
  g_autofree char *head = g_strdup_printf("4. The body, canonicalized (c=.../%s), and its hash "
                                          "(RFC 6376 \u00a73.4, \u00a73.7)",
                                          dks_canon_name(sig->body_canon));
  doc_heading(doc, head);
  if (!dks_message_has_body(ctx->run->msg)) {
    doc_text(doc, "No body was given (headers only), so the body hash cannot be checked.",
             2, 0, 0, 0);
    return;
  }
  gsize body_len;
  const char *body = dks_message_body(ctx->run->msg, &body_len);
  gsize take = body_len;
  if (take > DKS_MAX_TEACH_CANON_BYTES) {
    /* A prefix that ends at a line end canonicalizes to the same first
     * octets as the whole body. */
    const char *cut = g_strstr_len(body + DKS_MAX_TEACH_CANON_BYTES / 2,
                                   DKS_MAX_TEACH_CANON_BYTES / 2, "\r\n");
    take = cut ? (gsize)(cut - body) + 2 : DKS_MAX_TEACH_CANON_BYTES;
  }
  g_autoptr(GBytes) canon = dks_body_canonicalize(body, take, sig->body_canon,
                                                  DKS_MAX_TEACH_BODY_BYTES);
  gsize canon_len;
  const char *canon_data = g_bytes_get_data(canon, &canon_len);
  doc_text(doc, ctx->utf8 ? "\u240d = CR, \u240a = LF, \u2409 = tab, \u00b7 = a space "
                            "at the end of a line"
                          : "\\r = CR, \\n = LF, \\t = tab, \\x20 = a space at the end of "
                            "a line",
           2, 0, DKS_ATTR_DIM, 0);
  doc_visible_octets(doc, canon_data, canon_len);
  if (sr->body_hash_match != DKS_TRI_NOT_CHECKED) {
    if (sr->body_hash.canon_body_len > canon_len) {
      g_autofree char *more = g_strdup_printf("%s (the first %" G_GSIZE_FORMAT " of %"
                                              G_GUINT64_FORMAT " octets shown)",
                                              glyph(ctx, GLYPH_ELLIPSIS), canon_len,
                                              sr->body_hash.canon_body_len);
      doc_text(doc, more, 2, 0, DKS_ATTR_DIM, 0);
    }
    if (sig->has_length) {
      g_autofree char *l = g_strdup_printf(
        "l=%" G_GUINT64_FORMAT ": only the first %" G_GUINT64_FORMAT " octets are hashed.",
        sig->length, sr->body_hash.hashed_len);
      doc_text(doc, l, 2, 0, 0, 0);
    }
    g_autofree char *claimed_raw = collapse_fws(sig->bh_text ? sig->bh_text : "",
                                                sig->bh_text ? strlen(sig->bh_text) : 0);
    g_autofree char *claimed = clean_input(ctx, claimed_raw, -1);
    g_autofree char *computed = base64_of(sr->body_hash.digest, sr->body_hash.digest_len);
    g_autofree char *l1 = g_strdup_printf("claimed  bh=%s", claimed);
    g_autofree char *l2 = g_strdup_printf("computed bh=%s (%s over %" G_GUINT64_FORMAT
                                          " octets)", computed,
                                          dks_hash_name(dks_algorithm_hash(sig->algorithm)),
                                          sr->body_hash.hashed_len);
    doc_wrap(doc, l1, 2, 12, 0, 0);
    doc_wrap(doc, l2, 2, 12, 0, 0);
    gboolean match = sr->body_hash_match == DKS_TRI_YES;
    g_autofree char *verdict = g_strdup_printf(
      "%s %s", dks_status_symbol(match ? DKS_STATUS_PASS : DKS_STATUS_FAIL, ctx->utf8),
      match ? "they are the same: the body is what was signed"
            : "they differ: the body is not what was signed");
    g_autofree char *clean = clean_ours(ctx, verdict);
    Row *row = doc_add(doc, g_strdup_printf("  %s", clean), DKS_ATTR_BOLD, 0);
    row_span(row, 2, strlen(dks_status_symbol(DKS_STATUS_PASS, ctx->utf8)), DKS_ATTR_BOLD,
             role_of(ctx, match ? DKS_ROLE_PASS : DKS_ROLE_FAIL));
  }
}

static void
doc_teach_headers(Doc *doc, const DksSigRun *sr)
{
  const Ctx *ctx = doc->ctx;
  const DksSignature *sig = sr->sig;
  doc_blank(doc);
  g_autofree char *head = g_strdup_printf("5. The signed header data, canonicalized "
                                          "(c=%s/...), and its hash (RFC 6376 \u00a73.7)",
                                          dks_canon_name(sig->header_canon));
  doc_heading(doc, head);
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GBytes) input = dks_header_hash_input(ctx->run->msg, sig, &fields);
  gsize len;
  const char *data = g_bytes_get_data(input, &len);
  doc_text(doc, "Each field in h= order, then this DKIM-Signature with b= empty and no "
           "line break at its end:", 2, 0, DKS_ATTR_DIM, 0);
  doc_visible_octets(doc, data, len);
  for (guint i = 0; fields != NULL && i < fields->len; i++) {
    const DksSignedField *f = g_ptr_array_index(fields, i);
    if (f->header_index >= 0)
      continue;
    g_autofree char *name = clean_input(ctx, f->name, -1);
    g_autofree char *line = g_strdup_printf("h= names %s, which has no (further) field in "
                                            "the message: it adds nothing, and a field of "
                                            "that name added later breaks the signature.",
                                            name);
    doc_text(doc, line, 2, 0, DKS_ATTR_DIM, 0);
  }
  if (sig->algorithm == DKS_ALG_UNKNOWN)
    return;
  DksHash hash = dks_algorithm_hash(sig->algorithm);
  guint8 digest[DKS_HASH_MAX_SIZE];
  gsize digest_len = dks_digest(hash, data, len, digest);
  g_autofree char *b64 = base64_of(digest, digest_len);
  g_autofree char *line = g_strdup_printf("%s of these %" G_GSIZE_FORMAT " octets: %s",
                                          dks_hash_name(hash), len, b64);
  doc_wrap(doc, line, 2, 4, 0, 0);
  const char *meaning;
  switch (sr->header_valid) {
  case DKS_TRI_YES: meaning = "b= is a valid signature of this data by the published key."; break;
  case DKS_TRI_NO: meaning = "b= is not a valid signature of this data by the published key."; break;
  default: meaning = "b= signs this data; only the published key can tell whether it is valid, "
                     "and that check has not been made."; break;
  }
  doc_text(doc, meaning, 2, 0, DKS_ATTR_BOLD, 0);
}

static void
doc_teach(Doc *doc, const DksSigRun *sr)
{
  if (sr->msg == NULL) {
    doc_heading(doc, "1. No DKIM-Signature: a selector lookup");
    g_autofree char *name = clean_input(doc->ctx, sr->key_name, -1);
    g_autofree char *line = g_strdup_printf(
      "A signature's s= and d= name its key: %s. With no message there is no "
      "signature, no canonicalized data and no hash to show; the key is all "
      "there is to check.", name);
    doc_wrap(doc, line, 2, 0, 0, 0);
    doc_teach_dns(doc, sr);
    return;
  }
  doc_heading(doc, "1. The DKIM-Signature, tag by tag (RFC 6376 \u00a73.5)");
  doc_tags(doc, sr->sig->tags, dks_help_signature_tag, TRUE);
  doc_teach_dns(doc, sr);
  doc_teach_body(doc, sr);
  doc_teach_headers(doc, sr);
}

/* ------------------------------------------------------------ raw headers */

/* One line of the header block: tabs as spaces (to the next multiple of
 * eight), then sanitized. */
static char *
raw_line_clean(const char *line, gsize len, gboolean utf8)
{
  GString *expanded = g_string_sized_new(len + 8);
  for (gsize i = 0; i < len; i++) {
    if (line[i] == '\t') {
      do
        g_string_append_c(expanded, ' ');
      while (expanded->len % 8 != 0);
      continue;
    }
    g_string_append_c(expanded, line[i]);
  }
  char *clean = dks_sanitize(expanded->str, expanded->len, !utf8);
  g_string_free(expanded, TRUE);
  return clean;
}

GPtrArray *
dks_layout_raw_lines(const DksRun *run, gboolean utf8)
{
  GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
  if (run == NULL || run->msg == NULL)
    return lines;
  const DksMessage *msg = run->msg;
  gsize block = msg->body_offset <= msg->len ? msg->body_offset : msg->len;
  gsize shown = MIN(block, (gsize)DKS_MAX_RAW_VIEW_BYTES);
  gsize pos = 0;
  while (pos < shown) {
    const char *start = msg->data + pos;
    const char *nl = memchr(start, '\n', shown - pos);
    gsize end = nl ? (gsize)(nl - msg->data) : shown;
    gsize len = end - pos;
    if (len > 0 && start[len - 1] == '\r')
      len--;
    /* The empty line that ends the header block is not a header line. */
    if (!(len == 0 && end + 1 >= block))
      g_ptr_array_add(lines, raw_line_clean(start, len, utf8));
    pos = end + 1;
  }
  if (shown < block)
    g_ptr_array_add(lines, g_strdup_printf("[the raw view stops here, after %u KiB of the "
                                           "%" G_GSIZE_FORMAT " octets of header]",
                                           DKS_MAX_RAW_VIEW_BYTES / 1024, block));
  return lines;
}

static void
doc_raw(Doc *doc)
{
  const Ctx *ctx = doc->ctx;
  const DksUiState *state = ctx->state;
  g_autoptr(GPtrArray) lines = dks_layout_raw_lines(ctx->run, ctx->utf8);
  g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(Span));
  const char *mark = glyph(ctx, GLYPH_CONTINUED);
  for (guint i = 0; i < lines->len; i++) {
    const char *line = g_ptr_array_index(lines, i);
    g_array_set_size(spans, 0);
    /* The field name bold, so fields stand apart from their folds. */
    const char *colon = strchr(line, ':');
    if (line[0] != ' ' && colon != NULL) {
      Span name = { 0, colon - line, DKS_ATTR_BOLD, role_of(ctx, DKS_ROLE_TITLE) };
      g_array_append_val(spans, name);
    }
    if (state->match_line == (gint)i && state->match_len > 0 &&
        state->match_offset + state->match_len <= strlen(line)) {
      Span match = { state->match_offset, state->match_len, DKS_ATTR_REVERSE,
                     role_of(ctx, DKS_ROLE_WARN) };
      g_array_append_val(spans, match);
    }
    doc_wrap_hard(doc, line, spans, 0, 2, mark, 0, 0, (gint)i);
  }
  if (ctx->run != NULL && ctx->run->msg == NULL)
    doc_text(doc, "A selector lookup has no message, so there are no header fields "
             "to show.", 0, 0, DKS_ATTR_DIM, 0);
  if (ctx->run != NULL && ctx->run->msg != NULL && dks_message_has_body(ctx->run->msg)) {
    gsize body_len;
    dks_message_body(ctx->run->msg, &body_len);
    g_autofree char *note = g_strdup_printf("[an empty line, then the body: %" G_GSIZE_FORMAT
                                            " octets, not shown here]", body_len);
    doc_add(doc, g_steal_pointer(&note), DKS_ATTR_DIM, 0);
  }
}

/* ------------------------------------------------------------ overlays */

static const char help_clipboard_note[] =
  "Copying works over SSH: c sends the text to your own terminal's "
  "clipboard with OSC 52. Inside tmux, that needs set-clipboard on: "
  "put \"set -g set-clipboard on\" in ~/.tmux.conf.";

static void
doc_help(Doc *doc)
{
  const Ctx *ctx = doc->ctx;
  const DksKeyBinding *table = dks_key_bindings();
  guint label_w = 0;
  for (const DksKeyBinding *b = table; b->command != DKS_CMD_NONE; b++) {
    g_autofree char *label = dks_command_keys_label(b->command, ctx->utf8);
    label_w = MAX(label_w, dks_text_width(label));
  }
  for (const DksKeyBinding *b = table; b->command != DKS_CMD_NONE; b++) {
    if (b != table && b[-1].command == b->command)
      continue; /* the command's keys are listed together, on its first row */
    g_autofree char *label = dks_command_keys_label(b->command, ctx->utf8);
    g_autofree char *help = clean_ours(ctx, b->help);
    guint pad = label_w + 2 - dks_text_width(label);
    g_autofree char *line = g_strdup_printf("%s%*s%s", label, (int)pad, "", help);
    gsize first = doc->rows->len;
    doc_wrap(doc, line, 0, label_w + 2, 0, 0);
    row_span(g_ptr_array_index(doc->rows, first), 0, strlen(label), DKS_ATTR_BOLD,
             role_of(ctx, DKS_ROLE_TITLE));
  }
  doc_blank(doc);
  doc_text(doc, help_clipboard_note, 0, 0, 0, 0);
}

static void
doc_advice(Doc *doc)
{
  const Ctx *ctx = doc->ctx;
  g_autofree char *advice = ctx->run ? dks_advice_text(ctx->run) : NULL;
  if (advice == NULL) {
    doc_text(doc, ctx->run && dks_run_is_lookup(ctx->run)
                    ? "Nothing to fix: a usable key is published."
                  : ctx->run && sig_count(ctx->run) > 0
                    ? "Nothing to fix: every DKIM signature verifies."
                    : "Nothing to advise: there is no DKIM signature to fix.",
             0, 0, 0, 0);
    return;
  }
  g_auto(GStrv) lines = g_strsplit(advice, "\n", -1);
  for (char **l = lines; *l != NULL; l++) {
    /* The blank lines part the advice's sections, as in the saved text
     * (the last split piece is what follows the final newline). */
    if (**l == '\0') {
      if (l[1] != NULL)
        doc_blank(doc);
      continue;
    }
    g_autofree char *clean = clean_ours(ctx, *l);
    guint indent = 0;
    while (clean[indent] == ' ')
      indent++;
    doc_wrap(doc, clean + indent, indent, 0, 0, 0);
  }
}

/* The rectangle an overlay takes, and the text area inside its frame. */
typedef struct {
  guint x, y, w, h;         /* the box */
  guint tx, ty, tw, th;     /* its text */
  gboolean framed;
} Box;

static Box
overlay_box(const DksUiState *state)
{
  Box b = { 0 };
  guint top = state->height >= 3 ? 1 : 0;
  guint bottom = state->height >= 3 ? 1 : 0;
  b.y = top;
  b.h = state->height - top - bottom;
  b.w = MIN(state->width, 80u);
  b.x = (state->width - b.w) / 2;
  b.framed = b.w >= 24 && b.h >= 6;
  if (b.framed) {
    b.tx = b.x + 2;
    b.ty = b.y + 1;
    b.tw = b.w - 4;
    b.th = b.h - 2;
  } else {
    b = (Box){ .x = b.x, .y = b.y, .w = b.w, .h = b.h, .tx = b.x, .ty = b.y, .tw = b.w,
               .th = b.h };
  }
  return b;
}

static GPtrArray *
overlay_rows(const Ctx *ctx)
{
  Box box = overlay_box(ctx->state);
  Doc doc = doc_new(ctx, box.tw);
  if (ctx->state->help_open)
    doc_help(&doc);
  else
    doc_advice(&doc);
  return doc.rows;
}

static void
draw_frame(DksCanvas *canvas, const Ctx *ctx, const Box *b, const char *title)
{
  dks_canvas_fill(canvas, b->x, b->y, b->w, b->h, ' ', 0, 0);
  if (!b->framed)
    return;
  const char *h = glyph(ctx, GLYPH_HLINE), *v = glyph(ctx, GLYPH_VLINE);
  for (guint i = 1; i + 1 < b->w; i++) {
    put(canvas, ctx, b->x + i, b->y, h, 1, 0, DKS_ROLE_TITLE);
    put(canvas, ctx, b->x + i, b->y + b->h - 1, h, 1, 0, DKS_ROLE_TITLE);
  }
  for (guint j = 1; j + 1 < b->h; j++) {
    put(canvas, ctx, b->x, b->y + j, v, 1, 0, DKS_ROLE_TITLE);
    put(canvas, ctx, b->x + b->w - 1, b->y + j, v, 1, 0, DKS_ROLE_TITLE);
  }
  put(canvas, ctx, b->x, b->y, glyph(ctx, GLYPH_CORNER_TL), 1, 0, DKS_ROLE_TITLE);
  put(canvas, ctx, b->x + b->w - 1, b->y, glyph(ctx, GLYPH_CORNER_TR), 1, 0, DKS_ROLE_TITLE);
  put(canvas, ctx, b->x, b->y + b->h - 1, glyph(ctx, GLYPH_CORNER_BL), 1, 0, DKS_ROLE_TITLE);
  put(canvas, ctx, b->x + b->w - 1, b->y + b->h - 1, glyph(ctx, GLYPH_CORNER_BR), 1, 0,
      DKS_ROLE_TITLE);
  g_autofree char *label = g_strdup_printf(" %s ", title);
  g_autofree char *cut = truncated(ctx, label, b->w - 4);
  put(canvas, ctx, b->x + 2, b->y, cut, b->w - 4, DKS_ATTR_BOLD, DKS_ROLE_TITLE);
}

static void
draw_overlay(DksCanvas *canvas, const Ctx *ctx)
{
  Box box = overlay_box(ctx->state);
  if (box.h == 0 || box.w == 0)
    return;
  /* Nothing of the screen below shows around the box. */
  dks_canvas_fill(canvas, 0, box.y, canvas->width, box.h, ' ', 0, 0);
  g_autoptr(GPtrArray) rows = overlay_rows(ctx);
  if (box.framed && rows->len + 2 < box.h) {
    /* A short text gets a box of its size, in the middle. */
    guint h = rows->len + 2;
    box.y += (box.h - h) / 2;
    box.ty = box.y + 1;
    box.h = h;
    box.th = h - 2;
  }
  draw_frame(canvas, ctx, &box,
             ctx->state->help_open ? "Help: every key" : "Advice: a message to whoever must fix it");
  guint first = dks_layout_overlay_scroll(ctx->state, ctx->run);
  draw_rows(canvas, ctx, rows, first, box.tx, box.ty, box.tw, box.th);
}

/* ------------------------------------------------------------ bottom line */

typedef struct {
  DksCommand command, second; /* second: shown as "a/b" (DKS_CMD_NONE: none) */
  const char *word;           /* NULL: the binding's hint */
} Hint;

/* The first key of a command, as the hint shows it. */
static const char *
hint_key(const Ctx *ctx, DksCommand command)
{
  const DksKeyBinding *b = dks_command_binding(command);
  if (b == NULL)
    return "";
  return ctx->utf8 ? b->key_label : b->ascii_label;
}

/* Key hints from the key table, as many as fit from x on. */
static void
draw_hints(DksCanvas *canvas, const Ctx *ctx, guint x, guint y, const Hint *hints,
           guint n)
{
  guint w = canvas->width;
  for (guint i = 0; i < n; i++) {
    const DksKeyBinding *b = dks_command_binding(hints[i].command);
    if (b == NULL)
      continue;
    g_autofree char *key = hints[i].second != DKS_CMD_NONE
      ? g_strdup_printf("%s/%s", hint_key(ctx, hints[i].command),
                        hint_key(ctx, hints[i].second))
      : g_strdup(hint_key(ctx, hints[i].command));
    const char *word = hints[i].word ? hints[i].word : b->hint ? b->hint : b->name;
    guint need = dks_text_width(key) + 1 + dks_text_width(word);
    if (x + need > w)
      return;
    x += put_text_returning(canvas, ctx, x, y, key, DKS_ATTR_REVERSE);
    x += 1;
    x += put_text_returning(canvas, ctx, x, y, word, 0);
    x += 2;
  }
}

/* The bottom line: the search being typed, else the status, else the key
 * hints. */
static void
draw_bottom(DksCanvas *canvas, const Ctx *ctx, const Hint *hints, guint n)
{
  const DksUiState *state = ctx->state;
  if (canvas->height < 3)
    return;
  guint y = canvas->height - 1;
  if (state->searching) {
    g_autofree char *text = clean_input(ctx, state->search ? state->search->str : "", -1);
    g_autofree char *prompt = g_strdup_printf("/%s", text);
    guint room = canvas->width > 1 ? canvas->width - 1 : 0;
    /* Keep the end of a long search text in view, where the typing is. */
    const char *shown = prompt;
    while (dks_text_width(shown) > room && *shown != '\0')
      shown = g_utf8_next_char(shown);
    guint x = put_text_returning(canvas, ctx, 0, y, shown, DKS_ATTR_BOLD);
    put(canvas, ctx, x, y, " ", 1, DKS_ATTR_REVERSE, DKS_ROLE_DEFAULT); /* the cursor */
    static const Hint typing[] = {
      { DKS_CMD_OPEN, DKS_CMD_NONE, "search" }, { DKS_CMD_BACK, DKS_CMD_NONE, "cancel" },
    };
    guint hints_w = 24;
    if (x + 4 + hints_w <= canvas->width)
      draw_hints(canvas, ctx, canvas->width - hints_w, y, typing, G_N_ELEMENTS(typing));
    return;
  }
  if (state->status != NULL) {
    g_autofree char *status = clean_ours(ctx, state->status);
    g_autofree char *cut = truncated(ctx, status, canvas->width);
    put(canvas, ctx, 0, y, cut, canvas->width, DKS_ATTR_BOLD, DKS_ROLE_INFO);
    return;
  }
  draw_hints(canvas, ctx, 0, y, hints, n);
}

/* "N DNS answers pending ⠋" while lookups run, else NULL.  Caller frees. */
static char *
dns_activity(const Ctx *ctx)
{
  if (ctx->run == NULL || ctx->run->dns_pending == 0)
    return NULL;
  return g_strdup_printf("%s waiting for %u DNS answer%s", spinner(ctx),
                         ctx->run->dns_pending, ctx->run->dns_pending == 1 ? "" : "s");
}

static void
draw_title(DksCanvas *canvas, const Ctx *ctx, const char *where)
{
  if (canvas->height < 2)
    return;
  const char *sep = ctx->utf8 ? " \u00b7 " : " - ";
  g_autofree char *title = ctx->state->title ? clean_input(ctx, ctx->state->title, -1) : NULL;
  g_autofree char *left = title ? g_strconcat("dkimscope", sep, title, NULL)
                                : g_strdup("dkimscope");
  g_autofree char *dns = dns_activity(ctx);
  g_autofree char *right = dns && where ? g_strconcat(dns, sep, where, NULL)
                                        : g_strdup(dns ? dns : where);
  draw_bar(canvas, ctx, 0, left, right);
}

/* ------------------------------------------------------------ geometry */

typedef struct {
  guint x, y, w, h;
} Rect;

/* Rows between the title bar and the bottom line. */
static Rect
body_rect(const DksUiState *state)
{
  guint top = state->height >= 2 ? 1 : 0;
  guint bottom = state->height >= 3 ? 1 : 0;
  return (Rect){ 0, top, state->width, state->height - top - bottom };
}

gboolean
dks_layout_has_detail_pane(guint width, guint height)
{
  return width >= WIDE_MIN_WIDTH && height >= WIDE_MIN_HEIGHT;
}

static gboolean
overview_has_detail(const DksUiState *state, const DksRun *run)
{
  return dks_layout_has_detail_pane(state->width, state->height) && sig_count(run) > 0;
}

/* Width of the overview's list column. */
static guint
overview_left_width(const DksUiState *state, const DksRun *run)
{
  return overview_has_detail(state, run) ? state->width * 11 / 20 : state->width;
}

/* Where the scrollable content of the current screen goes. */
static Rect
content_rect(const DksUiState *state, const DksRun *run)
{
  Rect body = body_rect(state);
  switch (state->screen) {
  case DKS_SCREEN_STEP:
  case DKS_SCREEN_TEACH: {
    /* A fixed heading row, then the text with a column of margin. */
    guint heading = body.h >= 3 ? 1 : 0;
    guint margin = body.w >= 20 ? 1 : 0;
    return (Rect){ margin, body.y + heading, body.w - 2 * margin, body.h - heading };
  }
  case DKS_SCREEN_RAW:
    return body;
  case DKS_SCREEN_OVERVIEW:
    if (overview_has_detail(state, run)) {
      guint x = overview_left_width(state, run) + 2;
      guint heading = body.h >= 3 ? 1 : 0;
      return (Rect){ x, body.y + heading, state->width - x - 1, body.h - heading };
    }
    return (Rect){ 0, body.y, body.w, 0 };
  case DKS_SCREEN_PASTE:
    break;
  }
  return (Rect){ 0, body.y, body.w, 0 };
}

/* The rows of the current screen's scrollable content. */
static GPtrArray *
screen_rows(const Ctx *ctx)
{
  const DksUiState *state = ctx->state;
  Rect r = content_rect(state, ctx->run);
  Doc doc = doc_new(ctx, r.w);
  const DksSigRun *sr = selected_sig(ctx);
  switch (state->screen) {
  case DKS_SCREEN_STEP:
    if (sr != NULL)
      doc_step(&doc, sr, selected_check(ctx));
    break;
  case DKS_SCREEN_TEACH:
    if (sr != NULL)
      doc_teach(&doc, sr);
    break;
  case DKS_SCREEN_RAW:
    doc_raw(&doc);
    break;
  case DKS_SCREEN_OVERVIEW:
    if (sr != NULL && overview_has_detail(state, ctx->run))
      doc_step(&doc, sr, selected_check(ctx));
    break;
  case DKS_SCREEN_PASTE:
    break;
  }
  return doc.rows;
}

static guint
clamp_scroll(guint scroll, guint rows, guint page)
{
  guint max = rows > page ? rows - page : 0;
  return MIN(scroll, max);
}

/* The row showing (line, offset) of the raw lines. */
static guint
raw_row_in(const GPtrArray *rows, guint line, gsize offset)
{
  guint found = 0;
  for (guint i = 0; i < rows->len; i++) {
    const Row *row = g_ptr_array_index(rows, i);
    if (row->src_line < 0 || (guint)row->src_line > line)
      break;
    if ((guint)row->src_line == line && row->src_offset > offset)
      break;
    found = i;
  }
  return found;
}

static guint
effective_scroll(const Ctx *ctx, const GPtrArray *rows)
{
  const DksUiState *state = ctx->state;
  Rect r = content_rect(state, ctx->run);
  guint page = MAX(r.h, 1u);
  guint scroll = clamp_scroll(state->scroll, rows->len, page);
  if (state->screen == DKS_SCREEN_RAW && state->show_match && state->match_line >= 0) {
    guint row = raw_row_in(rows, (guint)state->match_line, state->match_offset);
    if (row < scroll || row >= scroll + page) {
      scroll = clamp_scroll(row > page / 3 ? row - page / 3 : 0, rows->len, page);
      /* Start the page at the beginning of a line, not inside one. */
      while (scroll > 0 && row + 1 < scroll + page &&
             ((const Row *)g_ptr_array_index(rows, scroll))->src_offset > 0)
        scroll--;
    }
  }
  return scroll;
}

/* ------------------------------------------------------------ overview */

typedef struct {
  guint summary;    /* message summary rows, 0..3 */
  gboolean rules;   /* section rules shown */
  guint sigs;       /* signature rows */
  guint verdict;    /* verdict line rows */
  guint who;        /* "Who must act" rows */
  guint steps;      /* check rows (may exceed DKS_CHECK_COUNT: spare) */
} OverviewPlan;

/* From the most to the least room: which parts shrink first when the
 * terminal is small.  steps_min is what the level must leave for checks. */
static const struct {
  guint summary;
  gboolean rules;
  guint verdict, who, sigs, steps_min;
} overview_levels[] = {
  { 3, TRUE, 4, 2, 6, DKS_CHECK_COUNT },
  { 1, TRUE, 4, 2, 4, DKS_CHECK_COUNT },
  { 1, FALSE, 3, 2, 3, DKS_CHECK_COUNT },
  { 1, FALSE, 3, 2, 2, 4 },
  { 0, FALSE, 2, 1, 1, 3 },
  { 0, FALSE, 1, 1, 1, 1 },
  { 0, FALSE, 1, 0, 1, 0 },
};

static OverviewPlan
overview_plan(guint avail, guint nsigs, guint verdict_rows, guint who_rows)
{
  OverviewPlan plan = { 0 };
  for (guint i = 0; i < G_N_ELEMENTS(overview_levels); i++) {
    plan.summary = overview_levels[i].summary;
    plan.rules = overview_levels[i].rules;
    plan.sigs = MIN(nsigs, overview_levels[i].sigs);
    plan.verdict = MIN(verdict_rows, overview_levels[i].verdict);
    plan.who = MIN(who_rows, overview_levels[i].who);
    guint fixed = plan.summary + plan.sigs + plan.verdict + plan.who + (plan.rules ? 3 : 0);
    if (fixed + overview_levels[i].steps_min <= avail) {
      plan.steps = avail - fixed;
      return plan;
    }
  }
  guint fixed = plan.summary + plan.sigs + plan.verdict + plan.who + (plan.rules ? 3 : 0);
  plan.steps = avail > fixed ? avail - fixed : 0;
  return plan;
}

/* The verdict of the selected signature, wrapped for the list column:
 * the line to read out, then who must act. */
static void
overview_verdict(const Ctx *ctx, const DksSigRun *sr, guint width, GPtrArray **verdict,
                 GPtrArray **who)
{
  g_autoptr(DksGuidance) g = dks_guidance_new(ctx->run, sr);
  Doc v = doc_new(ctx, width), w = doc_new(ctx, width);
  doc_text(&v, g->verdict_line, 1, 0, 0, 0);
  g_autofree char *line = g_strdup_printf(
    "Who must act: %s", sr->result == DKS_RESULT_NONE ? "not known yet"
                        : g->who ? g->who : dks_help_party_words(g->party));
  doc_text(&w, line, 1, 2, DKS_ATTR_BOLD, 0);
  *verdict = v.rows;
  *who = w.rows;
}

/* Draws up to rows of a wrapped text; the last one shown ends in an
 * ellipsis when some were left out. */
static guint
draw_cut_rows(DksCanvas *canvas, const Ctx *ctx, const GPtrArray *rows, guint shown,
              guint x, guint y, guint w)
{
  for (guint i = 0; i < shown && i < rows->len; i++) {
    const Row *row = g_ptr_array_index(rows, i);
    if (i + 1 == shown && shown < rows->len) {
      g_autofree char *more = g_strconcat(row->text, " ", glyph(ctx, GLYPH_ELLIPSIS), NULL);
      g_autofree char *cut = truncated(ctx, more, w);
      dks_canvas_put(canvas, x, y + i, cut, w, row->attrs, row->role);
      continue;
    }
    draw_row(canvas, ctx, x, y + i, w, row);
  }
  return MIN(shown, rows->len);
}

static void
draw_summary(DksCanvas *canvas, const Ctx *ctx, guint y, guint w, guint rows)
{
  const DksMessage *msg = ctx->run->msg;
  const char *labels[] = { "From:    ", "Subject: ", "Date:    " };
  const char *values[] = { NULL, NULL, NULL };
  if (msg != NULL) {
    values[0] = msg->from_display;
    values[1] = msg->subject_display;
    values[2] = msg->date_display;
  } else {
    /* A selector lookup: what was asked instead of a message's fields. */
    const DksSigRun *sr = g_ptr_array_index(ctx->run->sigs, 0);
    labels[0] = "Key:     ";
    labels[1] = "Domain:  ";
    labels[2] = "Message: ";
    values[0] = sr->key_name;
    values[1] = sr->sig->domain;
    values[2] = "none: only the published key is checked";
  }
  for (guint i = 0; i < rows && i < 3; i++) {
    g_autofree char *value = clean_input(ctx, values[i] ? values[i] : "(none)", -1);
    g_autofree char *line = g_strconcat(labels[i], value, NULL);
    g_autofree char *cut = truncated(ctx, line, w > 1 ? w - 1 : w);
    put(canvas, ctx, 1, y + i, cut, w > 1 ? w - 1 : w, 0, DKS_ROLE_DEFAULT);
    dks_canvas_paint(canvas, 1, y + i, MIN(8u, w), 1, DKS_ATTR_BOLD, 0);
  }
}

/* First row of a list of n items showing rows of them, with sel in view. */
static guint
list_first(guint sel, guint n, guint rows)
{
  if (rows == 0 || n <= rows)
    return 0;
  guint first = sel >= rows ? sel - rows + 1 : 0;
  return MIN(first, n - rows);
}

/* A list row: the selection marker, then text; the selected row is in
 * reverse video when its pane has the focus, else bold. */
static void
draw_list_row(DksCanvas *canvas, const Ctx *ctx, guint y, guint w, const char *text,
              gboolean selected, gboolean focused, guint8 extra_attrs,
              const char *symbol, guint symbol_at, DksStatus status)
{
  g_autofree char *line = g_strdup_printf("%s %s", selected ? glyph(ctx, GLYPH_SELECTED) : " ",
                                          text);
  g_autofree char *cut = truncated(ctx, line, w);
  guint8 attrs = extra_attrs;
  if (selected)
    attrs |= focused ? DKS_ATTR_REVERSE : DKS_ATTR_BOLD;
  if (selected && focused)
    dks_canvas_fill(canvas, 0, y, w, 1, ' ', attrs, 0);
  put(canvas, ctx, 0, y, cut, w, attrs, DKS_ROLE_DEFAULT);
  guint sym_x = dks_text_width(glyph(ctx, GLYPH_SELECTED)) + 1 + symbol_at;
  if (sym_x < w)
    dks_canvas_paint(canvas, sym_x, y, MIN(dks_text_width(symbol), w - sym_x), 1,
                     attrs | DKS_ATTR_BOLD, role_of(ctx, status_role(status)));
}

static void
draw_sig_rows(DksCanvas *canvas, const Ctx *ctx, guint y, guint w, guint rows)
{
  const DksUiState *state = ctx->state;
  guint n = sig_count(ctx->run);
  guint sel = MIN(state->sig, n ? n - 1 : 0);
  guint first = list_first(sel, n, rows);
  for (guint i = 0; i < rows && first + i < n; i++) {
    const DksSigRun *sr = g_ptr_array_index(ctx->run->sigs, first + i);
    DksStatus status = result_status(sr->result);
    const char *sym = status_symbol(ctx, status);
    g_autofree char *label = sig_label(ctx, sr->sig);
    g_autofree char *alg = clean_input(ctx, sr->sig->algorithm_name ? sr->sig->algorithm_name
                                            : sr->msg == NULL ? "selector lookup"
                                                              : "(no a=)", -1);
    g_autofree char *number = g_strdup_printf("%u", first + i + 1);
    g_autofree char *text = g_strdup_printf("%2s %s %-9s  %s  %s", number, sym, result_word(sr),
                                            label, alg);
    draw_list_row(canvas, ctx, y + i, w, text, first + i == sel,
                  state->focus == DKS_PANE_SIGNATURES, 0, sym, 3, status);
  }
}

static void
draw_step_rows(DksCanvas *canvas, const Ctx *ctx, const DksSigRun *sr, guint y, guint w,
               guint rows)
{
  const DksUiState *state = ctx->state;
  guint base, n = shown_checks(sr, &base);
  guint sel = selected_check(ctx) - base;
  guint shown = MIN(rows, n);
  guint first = list_first(sel, n, shown);
  gint deciding = dks_ui_deciding_step(sr) - (gint)base;
  for (guint i = 0; i < shown; i++) {
    const DksStep *step = &sr->steps[base + first + i];
    const char *sym = status_symbol(ctx, step->status);
    g_autofree char *summary = step_summary(ctx, step);
    g_autofree char *text = g_strdup_printf("%s %-7s  %-18s  %s", sym,
                                            dks_status_name(step->status),
                                            dks_help_check_title(step->check), summary);
    gboolean focused = state->focus != DKS_PANE_SIGNATURES;
    draw_list_row(canvas, ctx, y + i, w, text, first + i == sel, focused,
                  (gint)(first + i) == deciding ? DKS_ATTR_BOLD : 0, sym, 0, step->status);
  }
  if (shown < n && shown > 0 && w > 2) {
    if (first > 0)
      put(canvas, ctx, w - 1, y, glyph(ctx, GLYPH_MORE_ABOVE), 1, DKS_ATTR_BOLD,
          DKS_ROLE_INFO);
    if (first + shown < n)
      put(canvas, ctx, w - 1, y + shown - 1, glyph(ctx, GLYPH_MORE_BELOW), 1, DKS_ATTR_BOLD,
          DKS_ROLE_INFO);
  }
}

/* The From domain's DMARC policy and which signatures align with it,
 * in one line. */
static void
doc_dmarc_line(Doc *doc)
{
  const Ctx *ctx = doc->ctx;
  const DksDmarc *d = ctx->run->dmarc;
  if (d == NULL || d->from_domain == NULL)
    return;
  GString *line = g_string_new("DMARC: ");
  g_autofree char *from = clean_input(ctx, d->from_domain, -1);
  switch (d->status) {
  case DKS_DMARC_PENDING:
    g_string_append_printf(line, "%s looking up the policy of %s", spinner(ctx), from);
    break;
  case DKS_DMARC_RECORD: {
    g_autofree char *policy = clean_input(ctx, d->policy ? d->policy : "?", -1);
    g_string_append_printf(line, "%s publishes p=%s", from, policy);
    break;
  }
  case DKS_DMARC_NONE:
    g_string_append_printf(line, "%s publishes no DMARC policy", from);
    break;
  default:
    g_string_append_printf(line, "%s: %s", from, dks_dmarc_status_name(d->status));
    break;
  }
  for (guint i = 0; i < ctx->run->sigs->len; i++) {
    const DksSigRun *sr = g_ptr_array_index(ctx->run->sigs, i);
    if (sr->sig->domain == NULL)
      continue;
    DksAlignment a = dks_dmarc_alignment(d, sr->sig->domain);
    g_string_append_printf(line, "; signature %u %s", i + 1,
                           a == DKS_ALIGN_NONE ? "not aligned" : "aligned");
  }
  doc_text(doc, line->str, 1, 2, 0, 0);
  g_string_free(line, TRUE);
}

/* What receiving servers recorded for DKIM and DMARC, one item each, and
 * for DKIM what the live check says now, another item; ends gets the row
 * count after each. */
static void
doc_recorded_lines(Doc *doc, GArray *ends)
{
  const Ctx *ctx = doc->ctx;
  const GPtrArray *all = ctx->run->authres;
  for (guint i = 0; all != NULL && i < all->len; i++) {
    const DksAuthResults *ar = g_ptr_array_index(all, i);
    for (guint j = 0; j < ar->results->len; j++) {
      const DksAuthResult *r = g_ptr_array_index(ar->results, j);
      if (g_strcmp0(r->method, "dkim") != 0 && g_strcmp0(r->method, "dmarc") != 0)
        continue;
      g_autofree char *clean = recorded_text(ctx, ar, r);
      doc_wrap(doc, clean, 1, 2, 0, 0);
      g_array_append_val(ends, doc->rows->len);
      guint before = doc->rows->len;
      doc_live_now(doc, r, 3);
      if (doc->rows->len > before)
        g_array_append_val(ends, doc->rows->len);
    }
  }
}

/* Spare rows under the checks, after a blank one: the message's own
 * notes, DMARC, what receivers recorded, then a tip; each item only when
 * it fits whole, in that order. */
static void
draw_overview_spare(DksCanvas *canvas, const Ctx *ctx, guint y, guint w, guint rows)
{
  if (rows < 2)
    return;
  Doc doc = doc_new(ctx, w);
  GArray *ends = g_array_new(FALSE, FALSE, sizeof(guint)); /* rows after each item */
  const DksMessage *msg = ctx->run->msg;
  for (guint i = 0; msg != NULL && msg->findings != NULL && i < msg->findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(msg->findings, i);
    g_autofree char *text = clean_input(ctx, f->text, -1);
    g_autofree char *line = g_strdup_printf("Note: %s", text);
    doc_wrap(&doc, line, 1, 6, 0, 0);
    g_array_append_val(ends, doc.rows->len);
  }
  doc_dmarc_line(&doc);
  g_array_append_val(ends, doc.rows->len);
  doc_recorded_lines(&doc, ends);
  doc_blank(&doc);
  doc_text(&doc, "Enter on a check shows its evidence and what it means; the check that "
           "decided the verdict also says how to fix it.", 1, 0, DKS_ATTR_DIM, 0);
  g_array_append_val(ends, doc.rows->len);
  guint shown = 0;
  for (guint i = 0; i < ends->len; i++) {
    guint end = g_array_index(ends, guint, i);
    if (end > rows - 1)
      break;
    shown = end;
  }
  for (guint i = 0; i < shown; i++)
    draw_row(canvas, ctx, 0, y + 1 + i, w, g_ptr_array_index(doc.rows, i));
  g_array_unref(ends);
  g_ptr_array_unref(doc.rows);
}

static void
draw_detail_pane(DksCanvas *canvas, const Ctx *ctx, const DksSigRun *sr)
{
  Rect body = body_rect(ctx->state);
  Rect r = content_rect(ctx->state, ctx->run);
  guint sep_x = overview_left_width(ctx->state, ctx->run);
  for (guint i = 0; i < body.h; i++)
    put(canvas, ctx, sep_x, body.y + i, glyph(ctx, GLYPH_VLINE), 1, DKS_ATTR_DIM,
        DKS_ROLE_DEFAULT);
  DksCheckId check = selected_check(ctx);
  g_autofree char *where = check_position(ctx, sr);
  if (r.y > body.y)
    draw_step_heading(canvas, ctx, r.x, body.y, r.w, &sr->steps[check], where);
  if (ctx->state->focus == DKS_PANE_DETAIL && r.y > body.y)
    dks_canvas_paint(canvas, r.x, body.y, 1, 1, DKS_ATTR_REVERSE | DKS_ATTR_BOLD,
                     role_of(ctx, status_role(sr->steps[check].status)));
  g_autoptr(GPtrArray) rows = screen_rows(ctx);
  draw_rows(canvas, ctx, rows, effective_scroll(ctx, rows), r.x, r.y, r.w + 1, r.h);
}

static const Hint overview_hints[] = {
  { DKS_CMD_HELP, DKS_CMD_NONE, NULL }, { DKS_CMD_QUIT, DKS_CMD_NONE, NULL },
  { DKS_CMD_OPEN, DKS_CMD_NONE, NULL },
  { DKS_CMD_PREV_STEP, DKS_CMD_NEXT_STEP, "walk through" },
  { DKS_CMD_RECHECK, DKS_CMD_NONE, NULL }, { DKS_CMD_TEACH, DKS_CMD_NONE, NULL },
  { DKS_CMD_RAW, DKS_CMD_NONE, NULL }, { DKS_CMD_ADVICE, DKS_CMD_NONE, NULL },
  { DKS_CMD_COPY, DKS_CMD_NONE, NULL }, { DKS_CMD_SAVE, DKS_CMD_NONE, NULL },
  { DKS_CMD_PASTE, DKS_CMD_NONE, NULL }, { DKS_CMD_LOOKUP, DKS_CMD_NONE, NULL },
};

static void
draw_no_message(DksCanvas *canvas, const Ctx *ctx, const char *text)
{
  Rect body = body_rect(ctx->state);
  Doc doc = doc_new(ctx, body.w);
  doc_text(&doc, text, 1, 0, 0, 0);
  draw_rows(canvas, ctx, doc.rows, 0, 0, body.y + (body.h > 4 ? 1 : 0), body.w,
            body.h > 4 ? body.h - 1 : body.h);
  g_ptr_array_unref(doc.rows);
}

static void
draw_overview(DksCanvas *canvas, const Ctx *ctx)
{
  const DksUiState *state = ctx->state;
  draw_title(canvas, ctx, "overview");
  draw_bottom(canvas, ctx, overview_hints, G_N_ELEMENTS(overview_hints));
  Rect body = body_rect(state);
  if (ctx->run == NULL) {
    draw_no_message(canvas, ctx, "No message yet: press p to paste one.");
    return;
  }
  guint n = sig_count(ctx->run);
  if (n == 0) {
    static const Hint unsigned_hints[] = {
      { DKS_CMD_HELP, DKS_CMD_NONE, NULL }, { DKS_CMD_QUIT, DKS_CMD_NONE, NULL },
      { DKS_CMD_RAW, DKS_CMD_NONE, NULL }, { DKS_CMD_PASTE, DKS_CMD_NONE, NULL },
    };
    if (state->status == NULL && !state->searching && canvas->height >= 3) {
      dks_canvas_fill(canvas, 0, canvas->height - 1, canvas->width, 1, ' ', 0, 0);
      draw_hints(canvas, ctx, 0, canvas->height - 1, unsigned_hints,
                 G_N_ELEMENTS(unsigned_hints));
    }
    guint summary = MIN(3u, body.h);
    draw_summary(canvas, ctx, body.y, body.w, summary);
    Doc doc = doc_new(ctx, body.w);
    doc_text(&doc, "This message has no DKIM-Signature field: there is nothing to verify. "
             "The sender did not sign it with DKIM, or a system on the way removed the "
             "signature.", 1, 0, DKS_ATTR_BOLD, 0);
    if (body.h > summary + 1)
      draw_rows(canvas, ctx, doc.rows, 0, 0, body.y + summary + 1, body.w,
                body.h - summary - 1);
    g_ptr_array_unref(doc.rows);
    return;
  }
  const DksSigRun *sr = selected_sig(ctx);
  guint w = overview_left_width(state, ctx->run);
  g_autoptr(GPtrArray) verdict = NULL;
  g_autoptr(GPtrArray) who = NULL;
  overview_verdict(ctx, sr, w, &verdict, &who);
  OverviewPlan plan = overview_plan(body.h, n, verdict->len, who->len);
  guint y = body.y;
  draw_summary(canvas, ctx, y, w, plan.summary);
  y += plan.summary;
  gboolean lookup = dks_run_is_lookup(ctx->run);
  if (plan.rules) {
    g_autofree char *label = lookup ? g_strdup("Key (selector lookup)")
                                    : g_strdup_printf("Signatures (%u)", n);
    draw_rule(canvas, ctx, 0, y++, w, label, state->focus == DKS_PANE_SIGNATURES && n > 1);
  }
  draw_sig_rows(canvas, ctx, y, w, plan.sigs);
  y += plan.sigs;
  if (plan.rules) {
    g_autofree char *label = lookup ? g_strdup("Verdict on the key")
                                    : g_strdup_printf("Verdict of signature %u", state->sig + 1);
    draw_rule(canvas, ctx, 0, y++, w, label, FALSE);
  }
  y += draw_cut_rows(canvas, ctx, verdict, plan.verdict, 0, y, w);
  y += draw_cut_rows(canvas, ctx, who, plan.who, 0, y, w);
  if (plan.rules)
    draw_rule(canvas, ctx, 0, y++, w, "Checks", state->focus == DKS_PANE_STEPS);
  draw_step_rows(canvas, ctx, sr, y, w, plan.steps);
  guint first, checks = shown_checks(sr, &first);
  if (plan.steps > checks)
    draw_overview_spare(canvas, ctx, y + checks, w, plan.steps - checks);
  if (overview_has_detail(state, ctx->run))
    draw_detail_pane(canvas, ctx, sr);
}

/* The rows of the overview list that has the focus (for paging). */
static guint
overview_list_rows(const Ctx *ctx)
{
  const DksUiState *state = ctx->state;
  const DksSigRun *sr = selected_sig(ctx);
  if (sr == NULL)
    return 1;
  Rect body = body_rect(state);
  g_autoptr(GPtrArray) verdict = NULL;
  g_autoptr(GPtrArray) who = NULL;
  overview_verdict(ctx, sr, overview_left_width(state, ctx->run), &verdict, &who);
  OverviewPlan plan = overview_plan(body.h, sig_count(ctx->run), verdict->len, who->len);
  guint first, checks = shown_checks(sr, &first);
  guint rows = state->focus == DKS_PANE_SIGNATURES ? plan.sigs : MIN(plan.steps, checks);
  return MAX(rows, 1u);
}

/* ------------------------------------------------------------ other screens */

static void
draw_scrolled(DksCanvas *canvas, const Ctx *ctx, const GPtrArray *rows)
{
  Rect r = content_rect(ctx->state, ctx->run);
  /* The margin column on the right holds the "more" marks. */
  guint w = r.x > 0 ? r.w + 1 : r.w;
  draw_rows(canvas, ctx, rows, effective_scroll(ctx, rows), r.x, r.y, w, r.h);
}

/* "1-20/64": the rows shown of a scrolled text, NULL when all fit. */
static char *
position_label(const Ctx *ctx, const GPtrArray *rows)
{
  Rect r = content_rect(ctx->state, ctx->run);
  if (rows->len <= r.h)
    return NULL;
  guint first = effective_scroll(ctx, rows);
  return g_strdup_printf("%u-%u/%u", first + 1, MIN(first + r.h, rows->len), rows->len);
}

static void
draw_step_screen(DksCanvas *canvas, const Ctx *ctx)
{
  const DksSigRun *sr = selected_sig(ctx);
  DksCheckId check = selected_check(ctx);
  g_autofree char *position = sr ? check_position(ctx, sr) : g_strdup("");
  g_autofree char *where = dks_run_is_lookup(ctx->run)
    ? g_strdup_printf("selector lookup %s %s", ctx->utf8 ? "\u00b7" : "-", position)
    : g_strdup_printf("signature %u of %u %s %s",
                      MIN(ctx->state->sig + 1, sig_count(ctx->run)), sig_count(ctx->run),
                      ctx->utf8 ? "\u00b7" : "-", position);
  draw_title(canvas, ctx, where);
  static const Hint hints[] = {
    { DKS_CMD_PREV_STEP, DKS_CMD_NEXT_STEP, "previous/next check" },
    { DKS_CMD_UP, DKS_CMD_DOWN, "scroll" }, { DKS_CMD_BACK, DKS_CMD_NONE, NULL },
    { DKS_CMD_HELP, DKS_CMD_NONE, NULL }, { DKS_CMD_TEACH, DKS_CMD_NONE, NULL },
    { DKS_CMD_ADVICE, DKS_CMD_NONE, NULL }, { DKS_CMD_COPY, DKS_CMD_NONE, NULL },
    { DKS_CMD_QUIT, DKS_CMD_NONE, NULL },
  };
  draw_bottom(canvas, ctx, hints, G_N_ELEMENTS(hints));
  if (sr == NULL)
    return;
  Rect r = content_rect(ctx->state, ctx->run);
  g_autoptr(GPtrArray) rows = screen_rows(ctx);
  g_autofree char *pos = position_label(ctx, rows);
  if (r.y > body_rect(ctx->state).y)
    draw_step_heading(canvas, ctx, r.x, r.y - 1, r.w, &sr->steps[check], pos);
  draw_scrolled(canvas, ctx, rows);
}

static void
draw_teach_screen(DksCanvas *canvas, const Ctx *ctx)
{
  const DksSigRun *sr = selected_sig(ctx);
  g_autofree char *where = ctx->run != NULL && dks_run_is_lookup(ctx->run)
    ? g_strdup_printf("teach %s selector lookup", ctx->utf8 ? "\u00b7" : "-")
    : g_strdup_printf("teach %s signature %u of %u", ctx->utf8 ? "\u00b7" : "-",
                      MIN(ctx->state->sig + 1, sig_count(ctx->run)), sig_count(ctx->run));
  draw_title(canvas, ctx, where);
  static const Hint hints[] = {
    { DKS_CMD_UP, DKS_CMD_DOWN, "scroll" }, { DKS_CMD_PAGE_DOWN, DKS_CMD_NONE, "page" },
    { DKS_CMD_BACK, DKS_CMD_NONE, NULL }, { DKS_CMD_RAW, DKS_CMD_NONE, NULL },
    { DKS_CMD_HELP, DKS_CMD_NONE, NULL }, { DKS_CMD_QUIT, DKS_CMD_NONE, NULL },
  };
  draw_bottom(canvas, ctx, hints, G_N_ELEMENTS(hints));
  Rect r = content_rect(ctx->state, ctx->run);
  if (sr == NULL) {
    draw_no_message(canvas, ctx, "There is no signature to take apart.");
    return;
  }
  g_autoptr(GPtrArray) rows = screen_rows(ctx);
  if (r.y > body_rect(ctx->state).y) {
    g_autofree char *label = sig_label(ctx, sr->sig);
    g_autofree char *head = g_strdup_printf("How a verifier checks %s", label);
    g_autofree char *pos = position_label(ctx, rows);
    guint pos_w = pos ? dks_text_width(pos) : 0;
    guint room = pos_w + 2 < r.w ? r.w - pos_w - 2 : r.w;
    g_autofree char *cut = truncated(ctx, head, room);
    put(canvas, ctx, r.x, r.y - 1, cut, room, DKS_ATTR_BOLD, DKS_ROLE_TITLE);
    if (room < r.w)
      put(canvas, ctx, r.x + r.w - pos_w, r.y - 1, pos, pos_w, DKS_ATTR_DIM, DKS_ROLE_DEFAULT);
  }
  draw_scrolled(canvas, ctx, rows);
}

static void
draw_raw_screen(DksCanvas *canvas, const Ctx *ctx)
{
  g_autoptr(GPtrArray) rows = screen_rows(ctx);
  g_autofree char *pos = position_label(ctx, rows);
  g_autofree char *where = pos ? g_strdup_printf("raw header fields %s", pos)
                               : g_strdup("raw header fields");
  draw_title(canvas, ctx, where);
  static const Hint hints[] = {
    { DKS_CMD_SEARCH, DKS_CMD_NONE, NULL }, { DKS_CMD_SEARCH_NEXT, DKS_CMD_NONE, NULL },
    { DKS_CMD_SEARCH_PREV, DKS_CMD_NONE, NULL }, { DKS_CMD_UP, DKS_CMD_DOWN, "scroll" },
    { DKS_CMD_BACK, DKS_CMD_NONE, NULL }, { DKS_CMD_HELP, DKS_CMD_NONE, NULL },
    { DKS_CMD_QUIT, DKS_CMD_NONE, NULL },
  };
  draw_bottom(canvas, ctx, hints, G_N_ELEMENTS(hints));
  draw_scrolled(canvas, ctx, rows);
}

static const char paste_instructions[] =
  "Paste the message headers or the whole message, then press Ctrl-D on an "
  "empty line. Bracketed paste is understood.";

static void
draw_paste_screen(DksCanvas *canvas, const Ctx *ctx, const char *paste)
{
  draw_title(canvas, ctx, "paste a message");
  static const Hint hints[] = {
    { DKS_CMD_BACK, DKS_CMD_NONE, NULL }, { DKS_CMD_HELP, DKS_CMD_NONE, NULL },
  };
  draw_bottom(canvas, ctx, ctx->run ? hints : hints + 1, ctx->run ? 2 : 1);
  Rect body = body_rect(ctx->state);
  Doc doc = doc_new(ctx, body.w > 2 ? body.w - 1 : body.w);
  doc_text(&doc, paste_instructions, 1, 0, DKS_ATTR_BOLD, 0);
  /* The paste screen takes two other one-line answers (tui/app.c). */
  doc_text(&doc, "Or type a file's path, or a selector and its domain "
           "(selector1 example.com) to look that key up, then Ctrl-D.", 1, 0, 0, 0);
  if (ctx->run != NULL)
    doc_text(&doc, "Esc goes back to the message shown before.", 1, 0, 0, 0);
  guint top = MIN(doc.rows->len, body.h);
  draw_rows(canvas, ctx, doc.rows, 0, 0, body.y, body.w, top);
  g_ptr_array_unref(doc.rows);
  if (top + 2 > body.h)
    return;
  /* What arrived so far: its last lines, each cut at the edge. */
  g_auto(GStrv) lines = g_strsplit(paste ? paste : "", "\n", -1);
  guint n = g_strv_length(lines);
  if (n > 0 && lines[n - 1][0] == '\0')
    n--;
  gsize octets = paste ? strlen(paste) : 0;
  g_autofree char *label = g_strdup_printf("Pasted so far: %u line%s, %" G_GSIZE_FORMAT
                                           " octets", n, n == 1 ? "" : "s", octets);
  guint y = body.y + top + 1;
  draw_rule(canvas, ctx, 0, y++, body.w, label, FALSE);
  guint room = body.y + body.h - y;
  if (n == 0 && room > 0) {
    put(canvas, ctx, 1, y, "(nothing yet)", body.w, DKS_ATTR_DIM, DKS_ROLE_DEFAULT);
    return;
  }
  guint first = n > room ? n - room : 0;
  for (guint i = first; i < n; i++) {
    gsize len = strlen(lines[i]);
    if (len > 0 && lines[i][len - 1] == '\r')
      len--;
    g_autofree char *clean = raw_line_clean(lines[i], len, ctx->utf8);
    g_autofree char *cut = truncated(ctx, clean, body.w > 1 ? body.w - 1 : body.w);
    put(canvas, ctx, 1, y + i - first, cut, body.w, 0, DKS_ROLE_DEFAULT);
  }
}

static const Hint overlay_hints[] = {
  { DKS_CMD_UP, DKS_CMD_DOWN, "scroll" }, { DKS_CMD_BACK, DKS_CMD_NONE, "close" },
  { DKS_CMD_COPY, DKS_CMD_NONE, "copy it" }, { DKS_CMD_SAVE, DKS_CMD_NONE, "save it" },
};

/* ------------------------------------------------------------ public */

void
dks_layout(DksCanvas *canvas, const DksUiState *state_in, const DksRun *run,
           const char *paste)
{
  dks_canvas_clear(canvas);
  if (canvas->width == 0 || canvas->height == 0)
    return;
  /* Draw for the canvas's size, whatever the state says. */
  DksUiState state = *state_in;
  state.width = canvas->width;
  state.height = canvas->height;
  Ctx ctx = ctx_of(&state, run);
  switch (state.screen) {
  case DKS_SCREEN_PASTE: draw_paste_screen(canvas, &ctx, paste); break;
  case DKS_SCREEN_OVERVIEW: draw_overview(canvas, &ctx); break;
  case DKS_SCREEN_STEP: draw_step_screen(canvas, &ctx); break;
  case DKS_SCREEN_TEACH: draw_teach_screen(canvas, &ctx); break;
  case DKS_SCREEN_RAW: draw_raw_screen(canvas, &ctx); break;
  }
  if (state.help_open || (state.advice_open && run != NULL)) {
    draw_overlay(canvas, &ctx);
    if (canvas->height >= 3) {
      dks_canvas_fill(canvas, 0, canvas->height - 1, canvas->width, 1, ' ', 0, 0);
      draw_bottom(canvas, &ctx, overlay_hints, state.help_open ? 2 : G_N_ELEMENTS(overlay_hints));
    }
  }
}

GPtrArray *
dks_layout_lines(const DksUiState *state, const DksRun *run)
{
  Ctx ctx = ctx_of(state, run);
  g_autoptr(GPtrArray) rows = state->help_open || (state->advice_open && run != NULL)
    ? overlay_rows(&ctx) : screen_rows(&ctx);
  return rows_text(rows);
}

guint
dks_layout_page_rows(const DksUiState *state, const DksRun *run)
{
  Ctx ctx = ctx_of(state, run);
  if (state->help_open || (state->advice_open && run != NULL))
    return MAX(overlay_box(state).th, 1u);
  if (state->screen == DKS_SCREEN_OVERVIEW &&
      (state->focus != DKS_PANE_DETAIL || !overview_has_detail(state, run)))
    return overview_list_rows(&ctx);
  return MAX(content_rect(state, run).h, 1u);
}

guint
dks_layout_scroll(const DksUiState *state, const DksRun *run)
{
  Ctx ctx = ctx_of(state, run);
  g_autoptr(GPtrArray) rows = screen_rows(&ctx);
  return effective_scroll(&ctx, rows);
}

guint
dks_layout_overlay_scroll(const DksUiState *state, const DksRun *run)
{
  Ctx ctx = ctx_of(state, run);
  g_autoptr(GPtrArray) rows = overlay_rows(&ctx);
  return clamp_scroll(state->overlay_scroll, rows->len, MAX(overlay_box(state).th, 1u));
}

guint
dks_layout_raw_row(const DksUiState *state, const DksRun *run, guint line, gsize offset)
{
  DksUiState raw = *state;
  raw.screen = DKS_SCREEN_RAW;
  Ctx ctx = ctx_of(&raw, run);
  g_autoptr(GPtrArray) rows = screen_rows(&ctx);
  return raw_row_in(rows, line, offset);
}

guint
dks_layout_raw_line_at(const DksUiState *state, const DksRun *run, guint row)
{
  DksUiState raw = *state;
  raw.screen = DKS_SCREEN_RAW;
  Ctx ctx = ctx_of(&raw, run);
  g_autoptr(GPtrArray) rows = screen_rows(&ctx);
  if (rows->len == 0)
    return 0;
  for (guint i = MIN(row, rows->len - 1);; i--) {
    const Row *r = g_ptr_array_index(rows, i);
    if (r->src_line >= 0)
      return (guint)r->src_line;
    if (i == 0)
      return 0;
  }
}
