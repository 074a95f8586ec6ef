/* test-tui-layout.c — the screens as text: the real pipeline on the demo
 * and the fixtures (offline zones), drawn by dks_layout at 80x24, a small
 * and a large size, compared with golden files in tests/golden/.  Every
 * drawing, golden or not, is also checked for what must never happen: a
 * control character on the canvas, a line wider than the terminal, a
 * non-ASCII character in ASCII mode.
 *
 * DKS_UPDATE_GOLDEN=1 rewrites the golden files instead of comparing;
 * review every change by eye before committing it. */
#include <glib/gstdio.h>
#include <string.h>

#include "parse/limits.h"
#include "tui/layout.h"
#include "testutil-run.h"

#define FIXTURE_NOW 1717250400 /* tests/fixtures/README.md */

/* The demo with its own zones only, as `dkimscope --demo` runs it; the
 * fixtures with theirs. */
static DksResolver *demo_resolver, *fixture_resolver;

/* ------------------------------------------------------------ runs */

/* The time a lookup took is the only fact that changes from run to run:
 * the goldens show it as 0 ms. */
static void
zero_times(GPtrArray *lines)
{
  g_autoptr(GRegex) ms = g_regex_new(" [0-9]+ ms\\b", 0, 0, NULL);
  for (guint i = 0; lines != NULL && i < lines->len; i++) {
    char *fixed = g_regex_replace_literal(ms, g_ptr_array_index(lines, i), -1, 0, " 0 ms", 0,
                                          NULL);
    g_free(g_ptr_array_index(lines, i));
    g_ptr_array_index(lines, i) = fixed;
  }
}

static void
run_zero_times(DksRun *run)
{
  for (guint i = 0; i < run->sigs->len; i++) {
    DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    for (guint c = 0; c < DKS_CHECK_COUNT; c++)
      zero_times(sr->steps[c].evidence);
    for (guint c = 0; c < sr->clues->len; c++)
      zero_times(((DksClue *)g_ptr_array_index(sr->clues, c))->evidence);
    DksDnsAnswer *answers[] = { sr->dns, sr->authoritative, sr->sibling };
    for (guint a = 0; a < G_N_ELEMENTS(answers); a++)
      if (answers[a] != NULL)
        answers[a]->elapsed_us = 0;
  }
}

/* How far a run gets before it is drawn: not started (the first frame),
 * done, or started with no answer in yet (the spinner). */
enum { NO_DNS = 0, DNS_DONE = 1, DNS_STARTED = 2 };

/* Takes run as far as with_dns says, on resolver. */
static DksRun *
run_dns(DksRun *run, DksResolver *resolver, gint with_dns)
{
  if (with_dns == NO_DNS)
    return run; /* the first frame: DNS steps pending */
  if (with_dns == DNS_STARTED) {
    /* Answers arrive only on the main loop, which nobody runs yet. */
    dks_run_start_dns(run, resolver, NULL, NULL);
    return run;
  }
  /* An empty cache for each run: a cached answer's TTL counts down. */
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) fresh = dks_resolver_new_fresh(resolver, &error);
  g_assert_no_error(error);
  dks_run_start_dns(run, fresh, NULL, NULL);
  run_until_done(run);
  run_zero_times(run);
  return run;
}

static DksRun *
run_message(DksMessage *msg, DksResolver *resolver, gint with_dns)
{
  return run_dns(dks_run_new(msg, FIXTURE_NOW), resolver, with_dns);
}

static char *hostile_message(gsize *len);

/* The demo's selector (name "s1-lookup" or "s2-lookup") looked up with no
 * message, as --lookup does. */
static DksRun *
run_lookup(const char *name, gint with_dns)
{
  g_autoptr(GError) error = NULL;
  DksRun *run = dks_run_new_lookup(name[1] == '1' ? "selector1" : "selector2",
                                   "northwind.example.net", FIXTURE_NOW, &error);
  g_assert_no_error(error);
  return run_dns(run, demo_resolver, with_dns);
}

/* name: "demo" for demo/demo.eml, "hostile" for hostile_message(),
 * "s1-lookup"/"s2-lookup" for run_lookup(), else a file in
 * tests/fixtures/messages. */
static DksRun *
run_named(const char *name, gint with_dns)
{
  if (g_str_has_suffix(name, "-lookup"))
    return run_lookup(name, with_dns);
  if (strcmp(name, "hostile") == 0) {
    gsize len;
    g_autofree char *text = hostile_message(&len);
    g_autoptr(GError) error = NULL;
    DksMessage *msg = dks_message_new_from_data(text, len, &error);
    g_assert_no_error(error);
    return run_message(msg, fixture_resolver, with_dns);
  }
  gboolean demo = strcmp(name, "demo") == 0;
  g_autofree char *path = demo ? source_path("demo", "demo.eml", NULL)
                               : source_path("tests", "fixtures", "messages", name, NULL);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  return run_message(msg, demo ? demo_resolver : fixture_resolver, with_dns);
}

/* ------------------------------------------------------------ checks */

/* What must hold for any drawing at any size. */
static void
assert_canvas_sane(const DksCanvas *canvas, gboolean utf8)
{
  g_autofree char *dump = dks_canvas_dump(canvas);
  g_assert_true(g_utf8_validate(dump, -1, NULL));
  g_auto(GStrv) lines = g_strsplit(dump, "\n", -1);
  /* height lines, each ended by '\n', so one empty string after them */
  g_assert_cmpuint(g_strv_length(lines), ==, canvas->height + 1);
  for (guint y = 0; y < canvas->height; y++) {
    g_assert_cmpuint(dks_text_width(lines[y]), <=, canvas->width);
    for (const char *p = lines[y]; *p != '\0'; p = g_utf8_next_char(p)) {
      gunichar c = g_utf8_get_char(p);
      if (c < 0x20 || (c >= 0x7f && c < 0xa0))
        g_error("control character U+%04X on row %u: %s", c, y, lines[y]);
      if (!utf8 && c >= 0x80)
        g_error("non-ASCII U+%04X in ASCII mode on row %u: %s", c, y, lines[y]);
      if (c >= 0x202a && c <= 0x202e)
        g_error("bidi override on row %u", y);
    }
  }
  /* A wide character's right half only ever follows a wide character. */
  for (guint y = 0; y < canvas->height; y++)
    for (guint x = 0; x < canvas->width; x++) {
      const DksCell *cell = dks_canvas_cell(canvas, x, y);
      if (cell->ch == 0)
        g_assert_true(x > 0 && g_unichar_iswide(dks_canvas_cell(canvas, x - 1, y)->ch));
    }
}

static char *
golden_path(const char *name)
{
  g_autofree char *file = g_strconcat(name, ".txt", NULL);
  return source_path("tests", "golden", file, NULL);
}

static void
assert_golden(const char *name, const char *got)
{
  g_autofree char *path = golden_path(name);
  if (g_strcmp0(g_getenv("DKS_UPDATE_GOLDEN"), "1") == 0) {
    g_autofree char *dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0755);
    g_assert_true(g_file_set_contents(path, got, -1, NULL));
    g_test_message("wrote %s", path);
    return;
  }
  g_autofree char *want = NULL;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents(path, &want, NULL, &error))
    g_error("%s: %s (run with DKS_UPDATE_GOLDEN=1 to create it)", path, error->message);
  if (strcmp(want, got) != 0) {
    /* Leave what was drawn next to the build for a diff. */
    const char *build = g_getenv("DKS_BUILD_ROOT");
    g_autofree char *file = g_strconcat(name, ".txt", NULL);
    g_autofree char *out = g_build_filename(build ? build : ".", "golden-actual", file, NULL);
    g_autofree char *dir = g_path_get_dirname(out);
    g_mkdir_with_parents(dir, 0755);
    g_file_set_contents(out, got, -1, NULL);
    g_error("the screen differs from %s; what was drawn is in %s", path, out);
  }
}

/* ------------------------------------------------------------ screens */

/* How a case gets to its screen: keys as the user types them. */
typedef struct {
  const char *golden;   /* NULL: only the sanity checks */
  const char *message;  /* "demo", a fixture file, NULL for no run */
  gint with_dns;        /* NO_DNS, DNS_DONE, DNS_STARTED */
  guint width, height;
  gboolean utf8;
  const guint *keys;    /* DKS_KEY_NONE-terminated, or NULL */
  const char *paste;    /* the paste buffer, for the paste screen */
  gboolean lines;       /* golden of dks_layout_lines (the whole content)
                           instead of the canvas */
  const char *reverse;  /* NULL, or how the text in reverse video between
                           the title bar and the bottom line starts (runs
                           joined by '|'): the selection, the match */
} ScreenCase;

/* The runs of reverse-video cells between the title bar and the bottom
 * line, each as text, joined by '|'.  Caller frees. */
static char *
reverse_text(const DksCanvas *canvas)
{
  GString *out = g_string_new(NULL);
  for (guint y = 1; y + 1 < canvas->height; y++) {
    gboolean in_run = FALSE;
    for (guint x = 0; x < canvas->width; x++) {
      const DksCell *cell = dks_canvas_cell(canvas, x, y);
      gboolean reverse = (cell->attrs & DKS_ATTR_REVERSE) != 0;
      if (reverse && !in_run && out->len > 0)
        g_string_append_c(out, '|');
      if (reverse && cell->ch != 0)
        g_string_append_unichar(out, cell->ch);
      in_run = reverse;
    }
  }
  return g_string_free(out, FALSE);
}

static void
screen_one(const ScreenCase *c)
{
  g_autoptr(DksRun) run = c->message ? run_named(c->message, c->with_dns) : NULL;
  DksUiState state;
  dks_ui_state_init(&state, c->width, c->height, c->utf8, FALSE);
  dks_ui_set_title(&state, c->message && strcmp(c->message, "demo") == 0 ? "demo.eml"
                                                                         : c->message);
  if (run != NULL)
    dks_ui_open_run(&state, run);
  for (const guint *k = c->keys; k != NULL && *k != DKS_KEY_NONE; k++)
    dks_ui_key(&state, run, *k);
  g_autoptr(DksCanvas) canvas = dks_canvas_new(c->width, c->height);
  dks_layout(canvas, &state, run, c->paste);
  assert_canvas_sane(canvas, c->utf8);
  if (c->golden != NULL) {
    g_autofree char *got = NULL;
    if (c->lines) {
      g_autoptr(GPtrArray) lines = dks_layout_lines(&state, run);
      GString *text = g_string_new(NULL);
      for (guint i = 0; i < lines->len; i++) {
        const char *line = g_ptr_array_index(lines, i);
        g_assert_cmpuint(dks_text_width(line), <=, c->width);
        g_string_append_printf(text, "%s\n", line);
      }
      got = g_string_free(text, FALSE);
    } else {
      got = dks_canvas_dump(canvas);
    }
    assert_golden(c->golden, got);
  }
  if (c->reverse != NULL) {
    g_autofree char *reverse = reverse_text(canvas);
    if (!g_str_has_prefix(reverse, c->reverse))
      g_error("%s: reverse video shows '%s', want '%s...'", c->golden, reverse, c->reverse);
  }
  dks_ui_state_clear(&state);
  /* Lookups in flight call back into the run: let them end first. */
  if (run != NULL && c->with_dns == DNS_STARTED)
    run_until_done(run);
}

#define KEYS(...) ((const guint[]){ __VA_ARGS__, DKS_KEY_NONE })

/* From the overview: the key lookup check (the sixth) of the demo, which
 * is selected at first as the one that decided the verdict. */
#define TO_KEY_LOOKUP DKS_KEY_ENTER

static void
test_goldens(void)
{
  static const char paste[] =
    "Received: from mail.northwind.example.net (mail.northwind.example.net [192.0.2.25])\r\n"
    "\tby mx.fabrikam.example.org; Sat, 1 Jun 2024 12:00:05 +0000\r\n"
    "From: Dana Whitfield <dana.whitfield@northwind.example.net>\n"
    "To: Priya Raman <priya.raman@fabrikam.example.org>\n"
    "Subject: \x1b[31mQ3\x1b[0m shipment \xe2\x80\xae schedule\n";
  const ScreenCase cases[] = {
    { "overview-demo-80x24", "demo", TRUE, 80, 24, TRUE, NULL, NULL, FALSE,
      " Checks |\u25b6 \u2717 fail     Key lookup in DNS" },
    { "overview-demo-60x16", "demo", TRUE, 60, 16, TRUE, NULL, NULL, FALSE, NULL },
    { "overview-demo-132x43", "demo", TRUE, 132, 43, TRUE, NULL, NULL, FALSE, NULL },
    { "overview-demo-ascii-80x24", "demo", TRUE, 80, 24, FALSE, NULL, NULL, FALSE, NULL },
    { "overview-demo-pending-80x24", "demo", DNS_STARTED, 80, 24, TRUE, NULL, NULL, FALSE,
      NULL },
    { "overview-multi-80x24", "multi-three.eml", TRUE, 80, 24, TRUE, KEYS('j', 'j'), NULL,
      FALSE, " Signatures (3) |\u25b6  3 \u2717 fail       d=example.com s=s2048  rsa-sha256" },
    { "overview-pass-80x24", "pass-relaxed-relaxed.eml", TRUE, 80, 24, TRUE, NULL, NULL,
      FALSE, NULL },
    { "overview-unsigned-80x24", "none-unsigned.eml", TRUE, 80, 24, TRUE, NULL, NULL, FALSE, NULL },
    { "step-demo-key-lookup-80x24", "demo", TRUE, 80, 24, TRUE, KEYS(TO_KEY_LOOKUP), NULL,
      FALSE, NULL },
    { "step-demo-key-lookup-60x16", "demo", TRUE, 60, 16, TRUE, KEYS(TO_KEY_LOOKUP), NULL,
      FALSE, NULL },
    { "step-demo-key-lookup-lines-80", "demo", TRUE, 80, 24, TRUE, KEYS(TO_KEY_LOOKUP), NULL,
      TRUE, NULL },
    { "step-demo-body-hash-ascii-80x24", "demo", TRUE, 80, 24, FALSE,
      KEYS(TO_KEY_LOOKUP, DKS_KEY_RIGHT, DKS_KEY_RIGHT, DKS_KEY_RIGHT), NULL, FALSE, NULL },
    { "step-footer-lines-80", "fail-body-hash-mismatch.eml", TRUE, 80, 24, TRUE,
      KEYS(DKS_KEY_ENTER), NULL, TRUE, NULL },
    { "teach-demo-80x24", "demo", TRUE, 80, 24, TRUE, KEYS('t'), NULL, FALSE, NULL },
    { "teach-demo-lines-80", "demo", TRUE, 80, 24, TRUE, KEYS('t'), NULL, TRUE, NULL },
    { "teach-pass-ascii-lines-80", "pass-simple-simple.eml", TRUE, 80, 24, FALSE, KEYS('t'),
      NULL, TRUE, NULL },
    { "teach-demo-132x43", "demo", TRUE, 132, 43, TRUE, KEYS('t', DKS_KEY_PAGE_DOWN), NULL,
      FALSE, NULL },
    { "raw-demo-search-80x24", "demo", TRUE, 80, 24, TRUE,
      KEYS('/', 's', 'e', 'l', 'e', 'c', 't', 'o', 'r', '1', DKS_KEY_ENTER, 'n'), NULL, FALSE,
      "selector1" },
    { "raw-demo-typing-60x16", "demo", TRUE, 60, 16, TRUE, KEYS('h', '/', 'f', 'a', 'b'), NULL,
      FALSE, NULL },
    { "help-80x24", "demo", TRUE, 80, 24, TRUE, KEYS('?'), NULL, FALSE, NULL },
    { "help-ascii-60x16", "demo", TRUE, 60, 16, FALSE, KEYS(DKS_KEY_F1), NULL, FALSE, NULL },
    { "help-132x43", "demo", TRUE, 132, 43, TRUE, KEYS('?'), NULL, FALSE, NULL },
    { "advice-demo-80x24", "demo", TRUE, 80, 24, TRUE, KEYS('a'), NULL, FALSE, NULL },
    { "overview-hostile-80x24", "hostile", DNS_DONE, 80, 24, TRUE, KEYS(DKS_KEY_ENTER, 'g'),
      NULL, FALSE, NULL },
    { "overview-hostile-ascii-80x24", "hostile", DNS_DONE, 80, 24, FALSE, NULL, NULL, FALSE,
      NULL },
    { "raw-hostile-80x24", "hostile", DNS_DONE, 80, 24, TRUE, KEYS('h'), NULL, FALSE, NULL },
    { "teach-hostile-lines-80", "hostile", DNS_DONE, 80, 24, TRUE, KEYS('t'), NULL, TRUE,
      NULL },
    { "lookup-s1-80x24", "s1-lookup", TRUE, 80, 24, TRUE, NULL, NULL, FALSE,
      " Checks |\u25b6 \u2717 fail     Key lookup in DNS" },
    { "lookup-s2-ascii-80x24", "s2-lookup", TRUE, 80, 24, FALSE, NULL, NULL, FALSE, NULL },
    { "lookup-s1-pending-60x16", "s1-lookup", NO_DNS, 60, 16, TRUE, NULL, NULL, FALSE, NULL },
    { "lookup-s2-132x43", "s2-lookup", TRUE, 132, 43, TRUE, NULL, NULL, FALSE, NULL },
    { "lookup-s1-step-lines-80", "s1-lookup", TRUE, 80, 24, TRUE, KEYS(DKS_KEY_ENTER), NULL,
      TRUE, NULL },
    { "lookup-s2-teach-lines-80", "s2-lookup", TRUE, 80, 24, TRUE, KEYS('t'), NULL, TRUE,
      NULL },
    { "lookup-s1-raw-80x24", "s1-lookup", TRUE, 80, 24, TRUE, KEYS('h'), NULL, FALSE, NULL },
    { "paste-empty-80x24", NULL, FALSE, 80, 24, TRUE, NULL, NULL, FALSE, NULL },
    { "paste-80x24", NULL, FALSE, 80, 24, TRUE, NULL, paste, FALSE, NULL },
    { "paste-again-60x16", "demo", TRUE, 60, 16, FALSE, KEYS('p'), paste, FALSE, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("%s", cases[i].golden);
    screen_one(&cases[i]);
  }
}

/* ------------------------------------------------------------ any size */

/* Each screen, reached with these keys. */
static const guint *const every_screen[] = {
  NULL,                                        /* overview */
  KEYS(DKS_KEY_TAB),                           /* overview, next pane */
  KEYS(DKS_KEY_ENTER),                         /* a check */
  KEYS(DKS_KEY_END, DKS_KEY_ENTER, DKS_KEY_END), /* the last check, scrolled down */
  KEYS('t'), KEYS('t', DKS_KEY_END), KEYS('h', DKS_KEY_END),
  KEYS('/', 'a', DKS_KEY_ENTER, 'N'), KEYS('?'), KEYS('a', DKS_KEY_END), KEYS('p'),
};

static const guint sizes[][2] = {
  { 80, 24 }, { 60, 16 }, { 132, 43 }, { 20, 5 }, { 1, 1 }, { 2, 2 }, { 3, 3 },
  { 10, 40 }, { 200, 3 }, { 40, 8 }, { 120, 16 },
};

/* Every screen at every size, in both modes: within bounds, no control
 * characters, no crash. */
static void
every_screen_sane(DksRun *run, const char *paste)
{
  for (guint s = 0; s < G_N_ELEMENTS(sizes); s++)
    for (guint k = 0; k < G_N_ELEMENTS(every_screen); k++)
      for (int utf8 = 0; utf8 <= 1; utf8++) {
        DksUiState state;
        dks_ui_state_init(&state, sizes[s][0], sizes[s][1], utf8, TRUE);
        if (run != NULL)
          dks_ui_open_run(&state, run);
        for (const guint *key = every_screen[k]; key != NULL && *key != DKS_KEY_NONE; key++)
          dks_ui_key(&state, run, *key);
        g_autoptr(DksCanvas) canvas = dks_canvas_new(sizes[s][0], sizes[s][1]);
        dks_layout(canvas, &state, run, paste);
        assert_canvas_sane(canvas, utf8);
        dks_ui_state_clear(&state);
      }
}

static void
test_sizes_demo(void)
{
  g_autoptr(DksRun) run = run_named("demo", TRUE);
  every_screen_sane(run, "From: a@b\n");
  g_autoptr(DksRun) pending = run_named("demo", FALSE);
  every_screen_sane(pending, NULL);
  every_screen_sane(NULL, NULL);
}

/* A message made to attack the terminal: escape sequences, a bidi
 * override, a NUL, invalid UTF-8, a very long line, 5000 header fields,
 * wide characters, and all of it in the DKIM-Signature too. */
static char *
hostile_message(gsize *len)
{
  GString *m = g_string_new(NULL);
  g_string_append(m, "From: \"Evil \x1b[31mRed\x1b[0m\x1b]52;c;aGk=\x07\" <evil@example.com>\r\n");
  g_string_append(m, "Subject: invoice \xe2\x80\xae" "fdp.exe \xf0\x9f\x93\xa6 \xe6\xbc\xa2\xe5\xad\x97 "
                     "\xff\xfe bad\r\n");
  g_string_append_len(m, "X-Nul: before\0after\r\n", 21);
  g_string_append(m, "X-Long: ");
  for (guint i = 0; i < 5000; i++)
    g_string_append_c(m, "AB\x1b"[i % 3]);
  g_string_append(m, "\r\n");
  for (guint i = 0; i < 5000; i++)
    g_string_append_printf(m, "X-Filler-%u: value\x1b[%uA %u\r\n", i, i % 9, i);
  g_string_append(m, "DKIM-Signature: v=1; a=rsa-sha256; d=exa\x1b[2Jmple.com; "
                     "s=sel\xe2\x80\xae\x01; c=relaxed/simple; h=from:subject:x-nul; "
                     "t=1717243200; x=99999999999999999999; "
                     "bh=frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=; b=AAAA\x1b\x9b\r\n");
  g_string_append(m, "DKIM-Signature: \x1b[?1049h\r\n");
  g_string_append(m, "\r\n");
  g_string_append(m, "body line\t \r\n\x1b[2J\r\nlast\xe2\x80\xae  \r\n");
  *len = m->len;
  return g_string_free(m, FALSE);
}

static void
test_hostile(void)
{
  gsize len;
  g_autofree char *text = hostile_message(&len);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text, len, &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) run = run_message(msg, fixture_resolver, TRUE);
  g_assert_cmpuint(run->sigs->len, ==, 2);
  every_screen_sane(run, text);
  /* Search lands on the escaped form and stays within bounds. */
  DksUiState state;
  dks_ui_state_init(&state, 80, 24, TRUE, TRUE);
  dks_ui_open_run(&state, run);
  const guint *keys = KEYS('/', '\\', 'e', '[', '2', 'J', DKS_KEY_ENTER);
  for (const guint *k = keys; *k != DKS_KEY_NONE; k++)
    dks_ui_key(&state, run, *k);
  g_assert_cmpint(state.match_line, >=, 0);
  g_autoptr(DksCanvas) canvas = dks_canvas_new(80, 24);
  dks_layout(canvas, &state, run, NULL);
  assert_canvas_sane(canvas, TRUE);
  g_autofree char *dump = dks_canvas_dump(canvas);
  g_assert_nonnull(strstr(dump, "\\e[2J"));
  dks_ui_state_clear(&state);
}

/* ------------------------------------------------------------ details */

/* The selected signature is reverse video while its pane has the focus,
 * and the selected check while the checks have it. */
static void
test_selection_is_reverse(void)
{
  g_autoptr(DksRun) run = run_named("multi-three.eml", TRUE);
  DksUiState state;
  dks_ui_state_init(&state, 80, 24, TRUE, FALSE);
  dks_ui_open_run(&state, run);
  g_assert_cmpint(state.focus, ==, DKS_PANE_SIGNATURES);
  g_autoptr(DksCanvas) canvas = dks_canvas_new(80, 24);
  dks_layout(canvas, &state, run, NULL);
  g_autofree char *dump = dks_canvas_dump(canvas);
  g_auto(GStrv) lines = g_strsplit(dump, "\n", -1);
  guint reverse_rows = 0;
  for (guint y = 1; y + 1 < 24; y++) {
    const DksCell *cell = dks_canvas_cell(canvas, 0, y);
    if (cell->attrs & DKS_ATTR_REVERSE) {
      reverse_rows++;
      g_assert_nonnull(strstr(lines[y], "d=example.org"));
    }
  }
  g_assert_cmpuint(reverse_rows, ==, 1);
  /* No colour when colour is off. */
  for (guint i = 0; i < canvas->width * canvas->height; i++)
    g_assert_cmpuint(canvas->cells[i].role, ==, DKS_ROLE_DEFAULT);
  dks_ui_state_clear(&state);
}

/* The help overlay lists every command of the key table with all its
 * keys and its help text, in the table's order, and nothing else above
 * the clipboard note. */
static void
test_help_is_the_table(void)
{
  DksUiState state;
  dks_ui_state_init(&state, 132, 60, TRUE, FALSE);
  dks_ui_apply(&state, NULL, DKS_CMD_HELP);
  g_autoptr(GPtrArray) lines = dks_layout_lines(&state, NULL);
  /* Entries: a row that starts with a key, plus its indented rows. */
  g_autoptr(GPtrArray) entries = g_ptr_array_new_with_free_func(g_free);
  guint i = 0;
  for (; i < lines->len; i++) {
    const char *line = g_ptr_array_index(lines, i);
    if (line[0] == '\0')
      break;
    if (line[0] != ' ') {
      g_ptr_array_add(entries, g_strdup(line));
      continue;
    }
    g_assert_cmpuint(entries->len, >, 0);
    char **last = (char **)&g_ptr_array_index(entries, entries->len - 1);
    g_autofree char *more = g_strstrip(g_strdup(line));
    char *joined = g_strconcat(*last, " ", more, NULL);
    g_free(*last);
    *last = joined;
  }
  guint entry = 0;
  for (const DksKeyBinding *b = dks_key_bindings(); b->command != DKS_CMD_NONE; b++) {
    if (b != dks_key_bindings() && b[-1].command == b->command)
      continue;
    g_assert_cmpuint(entry, <, entries->len);
    g_autofree char *label = dks_command_keys_label(b->command, TRUE);
    const char *got = g_ptr_array_index(entries, entry++);
    g_assert_true(g_str_has_prefix(got, label));
    g_autofree char *rest = g_strstrip(g_strdup(got + strlen(label)));
    g_assert_cmpstr(rest, ==, b->help);
  }
  g_assert_cmpuint(entry, ==, entries->len);
  /* Then the note on copying over SSH. */
  GString *note = g_string_new(NULL);
  for (; i < lines->len; i++)
    g_string_append_printf(note, "%s ", (const char *)g_ptr_array_index(lines, i));
  g_assert_nonnull(strstr(note->str, "OSC 52"));
  g_assert_nonnull(strstr(note->str, "set-clipboard on"));
  g_string_free(note, TRUE);
  dks_ui_state_clear(&state);
}

/* The overview's spare rows: under a recorded dkim result, the live result
 * of the signature it is about and why they differ (as in the text
 * report); a spinner while that signature is still being checked. */
static void
test_overview_authres_live(void)
{
  static const char text[] =
    "Authentication-Results: mx.example.net;\r\n"
    " dkim=pass header.d=example.com header.s=one;\r\n"
    " dkim=pass header.d=nowhere.example\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=one; h=from;\r\n"
    " bh=Ck5SoRNWUpSR4X0COv7R5ub2pUTtl6xz4dTFz++ji4M=; b=Zmlyc3RzaWc=\r\n"
    "From: a@example.com\r\n"
    "\r\n"
    "body\r\n"; /* bh= is this body's: no verdict before DNS */
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text, strlen(text), &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) run = run_message(msg, fixture_resolver, NO_DNS);
  DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  DksUiState state;
  dks_ui_state_init(&state, 132, 43, TRUE, FALSE);
  dks_ui_open_run(&state, run);
  g_autoptr(DksCanvas) canvas = dks_canvas_new(132, 43);
  dks_layout(canvas, &state, run, NULL);
  g_autofree char *pending = dks_canvas_dump(canvas);
  g_assert_nonnull(strstr(pending, "Recorded by mx.example.net: dkim=pass"));
  g_assert_nonnull(strstr(pending, "live now: "));
  g_assert_cmpint(sr->result, ==, DKS_RESULT_NONE);
  g_assert_nonnull(strstr(pending, " checking"));

  sr->result = DKS_RESULT_FAIL;
  sr->reason = DKS_REASON_BODY_HASH_MISMATCH;
  dks_canvas_clear(canvas);
  dks_layout(canvas, &state, run, NULL);
  g_autofree char *done = dks_canvas_dump(canvas);
  g_test_message("%s", done);
  g_assert_nonnull(strstr(done, "live now: fail (body-hash-mismatch): the message was"));
  g_assert_null(strstr(done, " checking"));
  /* Only the result about this message's signature gets a live line. */
  guint n = 0;
  for (const char *p = strstr(done, "live now:"); p != NULL; p = strstr(p + 1, "live now:"))
    n++;
  g_assert_cmpuint(n, ==, 1);
  g_assert_nonnull(strstr(done, "header.d=nowhere.example"));
  dks_ui_state_clear(&state);
}

/* The raw view stops at DKS_MAX_RAW_VIEW_BYTES of a larger header block
 * and says so; a block under the cap is shown whole. */
static void
test_raw_view_cap(void)
{
  GString *m = g_string_new("From: a@example.com\r\n");
  while (m->len <= DKS_MAX_RAW_VIEW_BYTES + 4096)
    g_string_append_printf(m, "X-Filler-%" G_GSIZE_FORMAT ": %0200u\r\n", m->len, 7u);
  g_string_append(m, "\r\nbody\r\n");
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(m->str, m->len, &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) run = dks_run_new(msg, 1717250400);
  g_autoptr(GPtrArray) lines = dks_layout_raw_lines(run, TRUE);
  gsize shown = 0;
  for (guint i = 0; i + 1 < lines->len; i++)
    shown += strlen(g_ptr_array_index(lines, i)) + 2;
  g_assert_cmpuint(shown, <=, DKS_MAX_RAW_VIEW_BYTES + 2);
  g_assert_cmpuint(shown, >, DKS_MAX_RAW_VIEW_BYTES - 300);
  g_autofree char *want = g_strdup_printf("after %u KiB", DKS_MAX_RAW_VIEW_BYTES / 1024);
  g_assert_nonnull(strstr(g_ptr_array_index(lines, lines->len - 1), want));
  g_string_free(m, TRUE);

  static const char small_text[] = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
  g_autoptr(DksMessage) small = dks_message_new_from_data(small_text, strlen(small_text),
                                                          &error);
  g_assert_no_error(error);
  g_autoptr(DksRun) small_run = dks_run_new(g_steal_pointer(&small), 1717250400);
  g_autoptr(GPtrArray) small_lines = dks_layout_raw_lines(small_run, TRUE);
  g_assert_cmpuint(small_lines->len, ==, 2);
  g_assert_cmpstr(g_ptr_array_index(small_lines, 1), ==, "Subject: hi");
}

/* The canvas: wide characters, clipping, controls. */
typedef struct {
  guint width, x;
  const char *text;
  guint max_cols;
  guint want_cols;
  const char *want_dump;
} PutCase;

static void
put_one(const PutCase *c)
{
  g_autoptr(DksCanvas) canvas = dks_canvas_new(c->width, 1);
  dks_canvas_put(canvas, 0, 0, "..........", G_MAXUINT, 0, 0);
  guint cols = dks_canvas_put(canvas, c->x, 0, c->text, c->max_cols, 0, 0);
  g_autofree char *dump = dks_canvas_dump(canvas);
  g_assert_cmpuint(cols, ==, c->want_cols);
  g_assert_cmpstr(dump, ==, c->want_dump);
}

static void
test_canvas_put(void)
{
  static const PutCase cases[] = {
    { 6, 0, "abc", 10, 3, "abc...\n" },
    { 6, 4, "abc", 10, 2, "....ab\n" },
    { 6, 1, "abc", 1, 1, ".a....\n" },
    { 6, 0, "\xe6\xbc\xa2\xe5\xad\x97", 10, 4, "\xe6\xbc\xa2\xe5\xad\x97..\n" },
    { 6, 5, "\xe6\xbc\xa2", 10, 0, "......\n" },        /* a wide char that does not fit */
    { 6, 0, "a\x1b[2Jb", 10, 6, "a?[2Jb\n" },            /* controls never pass */
    { 6, 0, "\xff\xfe", 10, 2, "??....\n" },             /* invalid UTF-8 */
    { 6, 0, "e\xcc\x81x", 10, 2, "ex....\n" },           /* combining mark skipped */
    { 6, 6, "abc", 10, 0, "......\n" },
    { 3, 0, "\xc2\x9b" "1", 10, 2, "?1.\n" },            /* C1 control */
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    put_one(&cases[i]);

  /* Overwriting half of a wide character blanks the other half. */
  g_autoptr(DksCanvas) canvas = dks_canvas_new(4, 1);
  dks_canvas_put(canvas, 0, 0, "\xe6\xbc\xa2\xe5\xad\x97", 4, 0, 0);
  dks_canvas_put(canvas, 1, 0, "x", 1, 0, 0);
  g_autofree char *dump = dks_canvas_dump(canvas);
  g_assert_cmpstr(dump, ==, " x\xe5\xad\x97\n");
  dks_canvas_put(canvas, 2, 0, "y", 1, 0, 0);
  g_autofree char *dump2 = dks_canvas_dump(canvas);
  g_assert_cmpstr(dump2, ==, " xy\n");
  g_assert_cmpuint(dks_text_width("a\xe6\xbc\xa2" "e\xcc\x81"), ==, 4);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  fixture_resolver = fixture_zones_resolver();
  demo_resolver = demo_zones_resolver();
  g_test_add_func("/tui-layout/canvas-put", test_canvas_put);
  g_test_add_func("/tui-layout/goldens", test_goldens);
  g_test_add_func("/tui-layout/sizes", test_sizes_demo);
  g_test_add_func("/tui-layout/hostile", test_hostile);
  g_test_add_func("/tui-layout/selection-reverse", test_selection_is_reverse);
  g_test_add_func("/tui-layout/help-is-the-table", test_help_is_the_table);
  g_test_add_func("/tui-layout/raw-view-cap", test_raw_view_cap);
  g_test_add_func("/tui-layout/overview-authres-live", test_overview_authres_live);
  int status = g_test_run();
  dks_resolver_free(demo_resolver);
  dks_resolver_free(fixture_resolver);
  return status;
}
