/* test-tui-model.c — the UI model as command sequences: a start (message
 * and terminal size), the keys a user presses, and the state and effects
 * that must follow.  The runs are real (the demo and fixtures with their
 * offline zones), so the model is tested against the rows the layout
 * really draws. */
#include <string.h>

#include "parse/limits.h"
#include "tui/layout.h"
#include "testutil-run.h"

#define FIXTURE_NOW 1717250400 /* tests/fixtures/README.md */

static DksResolver *demo_resolver, *fixture_resolver;

/* How far a run gets before the keys: not started (the first frame: DNS
 * steps pending), started (lookups in flight), or done. */
enum { NO_DNS = 0, DNS_DONE = 1, DNS_STARTED = 2 };

/* name: "demo" for demo/demo.eml, "s1-lookup" and "s2-lookup" for the
 * demo's selectors looked up with no message (selector1 has no key,
 * selector2 has one), else a file in tests/fixtures/messages. */
static DksRun *
run_named(const char *name, gint with_dns)
{
  if (g_str_has_suffix(name, "-lookup")) {
    g_autoptr(GError) error = NULL;
    DksRun *run = dks_run_new_lookup(name[1] == '1' ? "selector1" : "selector2",
                                     "northwind.example.net", FIXTURE_NOW, &error);
    g_assert_no_error(error);
    if (with_dns == NO_DNS)
      return run;
    dks_run_start_dns(run, demo_resolver, NULL, NULL);
    if (with_dns == DNS_DONE)
      run_until_done(run);
    return run;
  }
  gboolean demo = strcmp(name, "demo") == 0;
  g_autofree char *path = demo ? source_path("demo", "demo.eml", NULL)
                               : source_path("tests", "fixtures/messages", name, NULL);
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  DksRun *run = dks_run_new(msg, FIXTURE_NOW);
  if (with_dns == NO_DNS)
    return run;
  dks_run_start_dns(run, demo ? demo_resolver : fixture_resolver, NULL, NULL);
  if (with_dns == DNS_DONE)
    run_until_done(run);
  return run;
}

/* ------------------------------------------------------------ sequences */

#define ANY (-1)
#define KEYS(...) ((const guint[]){ __VA_ARGS__, DKS_KEY_NONE })
#define NO_KEYS ((const guint[]){ DKS_KEY_NONE })

typedef struct {
  const char *name;
  const char *message;   /* "demo", a fixture, NULL for no message */
  gint with_dns;         /* NO_DNS, DNS_DONE, DNS_STARTED */
  guint width, height;
  const guint *keys;
  /* Expected afterwards; ANY where it does not matter. */
  gint screen, sig, step, focus, scroll;
  gint help_open, advice_open, searching;
  guint effects;         /* bits that some key must have returned */
  guint no_effects;      /* bits that no key may have returned */
  const char *status;    /* a part of the status line, "" for none, NULL any */
} ModelCase;

static void
model_one(const ModelCase *c)
{
  g_test_message("case: %s", c->name);
  g_autoptr(DksRun) run = c->message ? run_named(c->message, c->with_dns) : NULL;
  DksUiState state;
  dks_ui_state_init(&state, c->width, c->height, TRUE, FALSE);
  guint effects = run ? dks_ui_open_run(&state, run) : 0;
  for (const guint *k = c->keys; *k != DKS_KEY_NONE; k++)
    effects |= dks_ui_key(&state, run, *k);
  if (c->screen != ANY)
    g_assert_cmpint(state.screen, ==, c->screen);
  if (c->sig != ANY)
    g_assert_cmpint(state.sig, ==, c->sig);
  if (c->step != ANY)
    g_assert_cmpint(dks_ui_selected_step(&state, run), ==, c->step);
  if (c->focus != ANY)
    g_assert_cmpint(state.focus, ==, c->focus);
  if (c->scroll != ANY)
    g_assert_cmpint(dks_layout_scroll(&state, run), ==, c->scroll);
  if (c->help_open != ANY)
    g_assert_cmpint(state.help_open, ==, c->help_open);
  if (c->advice_open != ANY)
    g_assert_cmpint(state.advice_open, ==, c->advice_open);
  if (c->searching != ANY)
    g_assert_cmpint(state.searching, ==, c->searching);
  g_assert_cmpuint(effects & c->effects, ==, c->effects);
  g_assert_cmpuint(effects & c->no_effects, ==, 0);
  if (c->status != NULL && c->status[0] == '\0')
    g_assert_null(state.status);
  else if (c->status != NULL) {
    g_assert_nonnull(state.status);
    g_assert_nonnull(strstr(state.status, c->status));
  }
  dks_ui_state_clear(&state);
  /* Lookups in flight call back into the run: let them end first. */
  while (run != NULL && c->with_dns == DNS_STARTED &&
         (!dks_run_is_done(run) || run->dns_pending > 0))
    g_main_context_iteration(NULL, TRUE);
}

enum { OVERVIEW = DKS_SCREEN_OVERVIEW, STEP = DKS_SCREEN_STEP, TEACH = DKS_SCREEN_TEACH,
       RAW = DKS_SCREEN_RAW, PASTE = DKS_SCREEN_PASTE };
enum { SIGS = DKS_PANE_SIGNATURES, STEPS = DKS_PANE_STEPS, DETAIL = DKS_PANE_DETAIL };
enum { REDRAW = DKS_EFFECT_REDRAW, QUIT = DKS_EFFECT_QUIT, RECHECK = DKS_EFFECT_RECHECK,
       COPY = DKS_EFFECT_COPY, SAVE = DKS_EFFECT_SAVE, PASTE_FX = DKS_EFFECT_PASTE,
       LOOKUP_FX = DKS_EFFECT_LOOKUP };

/* The demo fails at the key lookup, the sixth check (index 5). */
#define KEY_LOOKUP 5
/* A check at 80x24 shows 21 rows; a page moves 20 (one row of context). */
#define STEP_PAGE 20

static void
test_sequences(void)
{
  const ModelCase cases[] = {
    /* name, message, dns, w, h, keys,
     *   screen, sig, step, focus, scroll, help, advice, searching, effects, no_effects, status */
    { "open: the check that decided is selected", "demo", TRUE, 80, 24, NO_KEYS,
      OVERVIEW, 0, KEY_LOOKUP, STEPS, 0, FALSE, FALSE, FALSE, REDRAW, 0, "" },
    { "open while DNS is pending: the first check", "demo", FALSE, 80, 24, NO_KEYS,
      OVERVIEW, 0, 0, STEPS, 0, FALSE, FALSE, FALSE, REDRAW, 0, "" },
    { "several signatures: focus on them", "multi-three.eml", TRUE, 80, 24, NO_KEYS,
      OVERVIEW, 0, ANY, SIGS, 0, ANY, ANY, ANY, 0, 0, NULL },
    /* The walkthrough. */
    { "walkthrough: right right left from the first check", "demo", TRUE, 80, 24,
      KEYS(DKS_KEY_HOME, DKS_KEY_RIGHT, DKS_KEY_RIGHT, DKS_KEY_RIGHT, DKS_KEY_LEFT),
      STEP, 0, 1, ANY, 0, ANY, ANY, ANY, REDRAW, 0, "" },
    { "walkthrough: Enter goes on", "demo", TRUE, 80, 24,
      KEYS('g', DKS_KEY_ENTER, DKS_KEY_ENTER, DKS_KEY_ENTER),
      STEP, 0, 2, ANY, 0, ANY, ANY, ANY, REDRAW, 0, "" },
    { "walkthrough stops at the last check", "demo", TRUE, 80, 24,
      KEYS('G', DKS_KEY_ENTER, DKS_KEY_RIGHT), STEP, 0, DKS_CHECK_COUNT - 1, ANY, ANY,
      ANY, ANY, ANY, REDRAW, 0, "last check" },
    { "walkthrough stops at the first check", "demo", TRUE, 80, 24,
      KEYS('g', DKS_KEY_ENTER, DKS_KEY_LEFT), STEP, 0, 0, ANY, ANY, ANY, ANY, ANY, REDRAW, 0,
      "first check" },
    { "the status line goes with the next key", "demo", TRUE, 80, 24,
      KEYS('g', DKS_KEY_ENTER, DKS_KEY_LEFT, 'j'), STEP, 0, 0, ANY, ANY, ANY, ANY, ANY, 0, 0,
      "" },
    { "Enter opens the selected check, Esc goes back", "demo", TRUE, 80, 24,
      KEYS(DKS_KEY_ENTER, DKS_KEY_ESCAPE), OVERVIEW, 0, KEY_LOOKUP, STEPS, 0, ANY, ANY, ANY,
      REDRAW, 0, "" },
    { "moving down picks a check", "demo", TRUE, 80, 24, KEYS('j', 'j'),
      OVERVIEW, 0, KEY_LOOKUP + 2, STEPS, ANY, ANY, ANY, ANY, REDRAW, 0, NULL },
    { "selection clamps at the last check", "demo", TRUE, 80, 24,
      KEYS('j', 'j', 'j', 'j', 'j', 'j', 'j', 'j'), OVERVIEW, 0, DKS_CHECK_COUNT - 1, STEPS,
      ANY, ANY, ANY, ANY, 0, 0, NULL },
    { "selection clamps at the first check", "demo", TRUE, 80, 24,
      KEYS(DKS_KEY_PAGE_UP, 'k', 'k'), OVERVIEW, 0, 0, STEPS, ANY, ANY, ANY, ANY, 0, 0, NULL },
    { "signature selection clamps", "multi-three.eml", TRUE, 80, 24,
      KEYS('j', 'j', 'j', 'j', 'j'), OVERVIEW, 2, ANY, SIGS, ANY, ANY, ANY, ANY, 0, 0, NULL },
    { "Enter on a signature moves to its checks", "multi-three.eml", TRUE, 80, 24,
      KEYS('G', DKS_KEY_ENTER), OVERVIEW, 2, DKS_CHECK_BODY_HASH, STEPS, ANY, ANY, ANY, ANY,
      0, 0, NULL },
    /* A selector lookup: the key checks only (6 to 8, indexes 5 to 7). */
    { "lookup: open on the check that decided", "s1-lookup", TRUE, 80, 24, NO_KEYS,
      OVERVIEW, 0, DKS_CHECK_KEY_LOOKUP, STEPS, 0, FALSE, FALSE, FALSE, REDRAW, 0, "" },
    { "lookup: a pass selects the last key check", "s2-lookup", TRUE, 80, 24, NO_KEYS,
      OVERVIEW, 0, DKS_CHECK_KEY_STRENGTH, STEPS, 0, FALSE, FALSE, FALSE, REDRAW, 0, "" },
    { "lookup while DNS is pending: the first key check", "s1-lookup", FALSE, 80, 24,
      NO_KEYS, OVERVIEW, 0, DKS_CHECK_KEY_LOOKUP, STEPS, 0, ANY, ANY, ANY, REDRAW, 0, "" },
    { "lookup: selection clamps to the key checks", "s2-lookup", TRUE, 80, 24,
      KEYS('g', 'k', 'k'), OVERVIEW, 0, DKS_CHECK_KEY_LOOKUP, STEPS, ANY, ANY, ANY, ANY, 0, 0,
      NULL },
    { "lookup: and at the end", "s1-lookup", TRUE, 80, 24, KEYS('j', 'j', 'j', 'j', 'G'),
      OVERVIEW, 0, DKS_CHECK_KEY_STRENGTH, STEPS, ANY, ANY, ANY, ANY, 0, 0, NULL },
    { "lookup: the walkthrough stops at the key's strength", "s1-lookup", TRUE, 80, 24,
      KEYS(DKS_KEY_ENTER, DKS_KEY_RIGHT, DKS_KEY_RIGHT, DKS_KEY_RIGHT), STEP, 0,
      DKS_CHECK_KEY_STRENGTH, ANY, ANY, ANY, ANY, ANY, REDRAW, 0, "last check" },
    { "lookup: and starts at the key lookup", "s2-lookup", TRUE, 80, 24,
      KEYS(DKS_KEY_ENTER, DKS_KEY_LEFT, DKS_KEY_LEFT, DKS_KEY_LEFT), STEP, 0,
      DKS_CHECK_KEY_LOOKUP, ANY, ANY, ANY, ANY, ANY, REDRAW, 0, "first check" },
    { "l asks for a selector to look up", "demo", TRUE, 80, 24, KEYS('l'),
      OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY, ANY, LOOKUP_FX, 0, NULL },
    { "l on the paste screen is text", "demo", TRUE, 80, 24, KEYS('p', 'l'),
      PASTE, ANY, ANY, ANY, ANY, ANY, ANY, ANY, 0, LOOKUP_FX, NULL },
    /* Scrolling a check. */
    { "page down in a check", "demo", TRUE, 80, 24, KEYS(DKS_KEY_ENTER, DKS_KEY_PAGE_DOWN),
      STEP, 0, KEY_LOOKUP, ANY, STEP_PAGE, ANY, ANY, ANY, REDRAW, 0, NULL },
    { "up at the top does nothing", "demo", TRUE, 80, 24,
      KEYS(DKS_KEY_ENTER, DKS_KEY_PAGE_DOWN, DKS_KEY_HOME, 'k'), STEP, 0, KEY_LOOKUP, ANY, 0,
      ANY, ANY, ANY, 0, 0, NULL },
    { "a new check starts at its top", "demo", TRUE, 80, 24,
      KEYS(DKS_KEY_ENTER, DKS_KEY_END, DKS_KEY_RIGHT), STEP, 0, KEY_LOOKUP + 1, ANY, 0, ANY,
      ANY, ANY, 0, 0, NULL },
    /* Panes. */
    { "Tab: signatures, checks, around", "multi-three.eml", TRUE, 80, 24,
      KEYS(DKS_KEY_TAB, DKS_KEY_TAB), OVERVIEW, ANY, ANY, SIGS, ANY, ANY, ANY, ANY, REDRAW, 0,
      NULL },
    { "Tab reaches the detail pane on a wide terminal", "multi-three.eml", TRUE, 132, 43,
      KEYS(DKS_KEY_TAB, DKS_KEY_TAB), OVERVIEW, ANY, ANY, DETAIL, ANY, ANY, ANY, ANY, REDRAW,
      0, NULL },
    { "Shift-Tab goes the other way", "multi-three.eml", TRUE, 132, 43, KEYS(DKS_KEY_BACKTAB),
      OVERVIEW, ANY, ANY, DETAIL, ANY, ANY, ANY, ANY, REDRAW, 0, NULL },
    { "one signature: Tab skips the list", "demo", TRUE, 80, 24, KEYS(DKS_KEY_TAB),
      OVERVIEW, 0, KEY_LOOKUP, STEPS, ANY, ANY, ANY, ANY, REDRAW, 0, NULL },
    { "the detail pane scrolls", "demo", TRUE, 132, 43, KEYS(DKS_KEY_TAB, 'j'),
      OVERVIEW, 0, KEY_LOOKUP, DETAIL, 1, ANY, ANY, ANY, REDRAW, 0, NULL },
    /* Overlays. */
    { "? opens the help", "demo", TRUE, 80, 24, KEYS('?'), OVERVIEW, ANY, ANY, ANY, ANY,
      TRUE, FALSE, ANY, REDRAW, 0, NULL },
    { "? again closes it", "demo", TRUE, 80, 24, KEYS('?', '?'), OVERVIEW, ANY, ANY, ANY, ANY,
      FALSE, ANY, ANY, REDRAW, 0, NULL },
    { "F1 opens it, Esc closes it", "demo", TRUE, 80, 24, KEYS(DKS_KEY_F1, DKS_KEY_ESCAPE),
      OVERVIEW, ANY, ANY, ANY, ANY, FALSE, ANY, ANY, REDRAW, 0, NULL },
    { "q in the help closes the help, not the program", "demo", TRUE, 80, 24, KEYS('?', 'q'),
      OVERVIEW, ANY, ANY, ANY, ANY, FALSE, ANY, ANY, REDRAW, QUIT, NULL },
    { "a key from the help closes it and acts", "demo", TRUE, 80, 24, KEYS('?', 't'),
      TEACH, ANY, ANY, ANY, ANY, FALSE, ANY, ANY, REDRAW, 0, NULL },
    { "the help works without a message", NULL, FALSE, 80, 24, KEYS(DKS_KEY_F1),
      PASTE, ANY, ANY, ANY, ANY, TRUE, ANY, ANY, REDRAW, 0, NULL },
    { "a opens the advice", "demo", TRUE, 80, 24, KEYS('a'), OVERVIEW, ANY, ANY, ANY, ANY,
      FALSE, TRUE, ANY, REDRAW, 0, NULL },
    { "copy in the advice keeps it open", "demo", TRUE, 80, 24, KEYS('a', 'c', 's'),
      OVERVIEW, ANY, ANY, ANY, ANY, FALSE, TRUE, ANY, COPY | SAVE, 0, NULL },
    /* Effects. */
    { "q quits", "demo", TRUE, 80, 24, KEYS('q'), OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY, ANY,
      QUIT, 0, NULL },
    { "Ctrl-C quits", "demo", TRUE, 80, 24, KEYS(0x03), OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY,
      ANY, QUIT, 0, NULL },
    { "r re-checks", "demo", TRUE, 80, 24, KEYS('r'), OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY,
      ANY, RECHECK | REDRAW, 0, "Re-checking" },
    { "r waits for pending lookups", "demo", DNS_STARTED, 80, 24, KEYS('r'), OVERVIEW, ANY, ANY, ANY,
      ANY, ANY, ANY, ANY, REDRAW, RECHECK, NULL },
    { "c copies, s saves", "demo", TRUE, 80, 24, KEYS('c', 's'), OVERVIEW, ANY, ANY, ANY, ANY,
      ANY, FALSE, ANY, COPY | SAVE, 0, NULL },
    { "Ctrl-L redraws", "demo", TRUE, 80, 24, KEYS(0x0c), OVERVIEW, ANY, ANY, ANY, ANY, ANY,
      ANY, ANY, REDRAW, 0, NULL },
    { "p opens the paste screen", "demo", TRUE, 80, 24, KEYS('p'), PASTE, ANY, ANY, ANY, ANY,
      ANY, ANY, ANY, PASTE_FX | REDRAW, 0, NULL },
    { "Esc leaves the paste screen when a message is open", "demo", TRUE, 80, 24,
      KEYS('p', DKS_KEY_ESCAPE), OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY, ANY, PASTE_FX, 0,
      NULL },
    { "Esc stays on the paste screen with no message", NULL, FALSE, 80, 24,
      KEYS(DKS_KEY_ESCAPE), PASTE, ANY, ANY, ANY, ANY, ANY, ANY, ANY, 0, REDRAW, NULL },
    { "the paste screen leaves typing to the caller", NULL, FALSE, 80, 24, KEYS('t', 'h', 'r'),
      PASTE, ANY, ANY, ANY, ANY, ANY, ANY, ANY, 0, RECHECK | REDRAW, "" },
    /* Views. */
    { "t opens the teaching view, t closes it", "demo", TRUE, 80, 24, KEYS('t', 't'),
      OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY, ANY, REDRAW, 0, NULL },
    { "Esc from the teaching view returns to the check, scrolled as it was", "demo", TRUE, 80,
      24, KEYS(DKS_KEY_ENTER, 'j', 'j', 't', 'j', DKS_KEY_ESCAPE), STEP, 0, KEY_LOOKUP, ANY, 2,
      ANY, ANY, ANY, REDRAW, 0, NULL },
    { "h shows the raw headers, Esc goes back", "demo", TRUE, 80, 24, KEYS('h', DKS_KEY_ESCAPE),
      OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY, ANY, REDRAW, 0, NULL },
    { "the teaching view needs a signature", "none-unsigned.eml", TRUE, 80, 24, KEYS('t'),
      OVERVIEW, ANY, ANY, ANY, ANY, ANY, ANY, ANY, REDRAW, 0, "no signature" },
    /* Search. */
    { "/ starts typing in the raw view", "demo", TRUE, 80, 24, KEYS('/', 'a', 'b'),
      RAW, ANY, ANY, ANY, ANY, ANY, ANY, TRUE, REDRAW, 0, NULL },
    { "Esc cancels the search", "demo", TRUE, 80, 24, KEYS('/', 'a', DKS_KEY_ESCAPE),
      RAW, ANY, ANY, ANY, ANY, ANY, ANY, FALSE, REDRAW, QUIT, "" },
    { "typed q is text, not quit", "demo", TRUE, 80, 24, KEYS('/', 'q', 'j', 'k'),
      RAW, ANY, ANY, ANY, 0, ANY, ANY, TRUE, REDRAW, QUIT, NULL },
    { "not found says so", "demo", TRUE, 80, 24, KEYS('/', 'z', 'q', 'x', DKS_KEY_ENTER),
      RAW, ANY, ANY, ANY, ANY, ANY, ANY, FALSE, REDRAW, 0, "Not found: zqx" },
    { "n without a search", "demo", TRUE, 80, 24, KEYS('h', 'n'), RAW, ANY, ANY, ANY, ANY,
      ANY, ANY, FALSE, REDRAW, 0, "No search yet" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    model_one(&cases[i]);
}

/* ------------------------------------------------------------ search */

/* The raw lines holding text (ASCII case-insensitively), as the model
 * must find them: in order, each once per match. */
static GArray *
expected_matches(const DksRun *run, const char *text)
{
  g_autoptr(GPtrArray) lines = dks_layout_raw_lines(run, TRUE);
  GArray *found = g_array_new(FALSE, FALSE, sizeof(guint));
  g_autofree char *needle = g_ascii_strdown(text, -1);
  for (guint i = 0; i < lines->len; i++) {
    g_autofree char *line = g_ascii_strdown(g_ptr_array_index(lines, i), -1);
    for (const char *p = strstr(line, needle); p != NULL; p = strstr(p + 1, needle))
      g_array_append_val(found, i);
  }
  return found;
}

static void
type_text(DksUiState *state, const DksRun *run, const char *text)
{
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p))
    dks_ui_key(state, run, g_utf8_get_char(p));
}

/* n walks every match in order and wraps to the first; N walks back and
 * wraps to the last; each match is scrolled into view. */
static void
test_search_next_previous(void)
{
  g_autoptr(DksRun) run = run_named("demo", TRUE);
  g_autoptr(GArray) want = expected_matches(run, "NORTHWIND.example");
  g_assert_cmpuint(want->len, >=, 3);
  DksUiState state;
  dks_ui_state_init(&state, 80, 24, TRUE, FALSE);
  dks_ui_open_run(&state, run);
  dks_ui_key(&state, run, '/');
  type_text(&state, run, "northwind.EXAMPLE");
  g_assert_cmpstr(state.search->str, ==, "northwind.EXAMPLE");
  dks_ui_key(&state, run, DKS_KEY_ENTER);
  g_assert_false(state.searching);
  g_assert_cmpint(state.screen, ==, DKS_SCREEN_RAW);
  guint page = dks_layout_page_rows(&state, run);
  for (guint i = 0; i <= want->len; i++) {
    guint expect = g_array_index(want, guint, i % want->len);
    g_assert_cmpint(state.match_line, ==, (gint)expect);
    g_assert_cmpuint(state.match_len, ==, strlen("northwind.example"));
    guint row = dks_layout_raw_row(&state, run, (guint)state.match_line, state.match_offset);
    guint top = dks_layout_scroll(&state, run);
    g_assert_cmpuint(row, >=, top);
    g_assert_cmpuint(row, <, top + page);
    if (i == want->len)
      g_assert_nonnull(strstr(state.status, "wrapped around to the top"));
    else if (i > 0)
      g_assert_null(state.status);
    dks_ui_key(&state, run, 'n');
  }
  /* We stand on the second match now; N twice wraps to the last one. */
  dks_ui_key(&state, run, 'N');
  g_assert_cmpint(state.match_line, ==, (gint)g_array_index(want, guint, 0));
  dks_ui_key(&state, run, 'N');
  g_assert_cmpint(state.match_line, ==, (gint)g_array_index(want, guint, want->len - 1));
  g_assert_nonnull(strstr(state.status, "wrapped around to the bottom"));
  /* Scrolling away lets go of the match; n brings it back into view. */
  dks_ui_key(&state, run, 'g');
  g_assert_cmpuint(dks_layout_scroll(&state, run), ==, 0);
  dks_ui_key(&state, run, 'N');
  guint row = dks_layout_raw_row(&state, run, (guint)state.match_line, state.match_offset);
  guint top = dks_layout_scroll(&state, run);
  g_assert_cmpuint(row, >=, top);
  g_assert_cmpuint(row, <, top + page);
  dks_ui_state_clear(&state);
}

/* Typing: Backspace takes back one character (UTF-8 included), controls
 * are not kept, the text is capped. */
static void
test_search_typing(void)
{
  g_autoptr(DksRun) run = run_named("demo", TRUE);
  DksUiState state;
  dks_ui_state_init(&state, 80, 24, TRUE, FALSE);
  dks_ui_open_run(&state, run);
  dks_ui_key(&state, run, '/');
  type_text(&state, run, "ab\xc3\xa9");
  dks_ui_key(&state, run, DKS_KEY_BACKSPACE);
  g_assert_cmpstr(state.search->str, ==, "ab");
  dks_ui_key(&state, run, 0x7f); /* DEL, as terminals send Backspace */
  g_assert_cmpstr(state.search->str, ==, "a");
  g_assert_cmpuint(dks_ui_key(&state, run, 'z'), ==, DKS_EFFECT_REDRAW);
  g_assert_cmpuint(dks_ui_key(&state, run, 0x07), ==, DKS_EFFECT_NONE);   /* BEL */
  g_assert_cmpuint(dks_ui_key(&state, run, 0x9b), ==, DKS_EFFECT_NONE);   /* CSI */
  g_assert_cmpuint(dks_ui_key(&state, run, DKS_KEY_UP), ==, DKS_EFFECT_NONE);
  for (guint i = 0; i < 1000; i++)
    dks_ui_key(&state, run, 'x');
  g_assert_cmpuint(state.search->len, ==, DKS_MAX_SEARCH_BYTES);
  g_assert_true(g_utf8_validate(state.search->str, -1, NULL));
  dks_ui_state_clear(&state);
}

/* ------------------------------------------------------------ resize */

static void
test_resize(void)
{
  g_autoptr(DksRun) run = run_named("demo", TRUE);
  DksUiState state;
  dks_ui_state_init(&state, 80, 24, TRUE, FALSE);
  dks_ui_open_run(&state, run);
  /* At the end of a long check, then the terminal grows: the scroll
   * position comes back within the content. */
  dks_ui_key(&state, run, DKS_KEY_ENTER);
  dks_ui_key(&state, run, DKS_KEY_END);
  guint at_80 = dks_layout_scroll(&state, run);
  g_assert_cmpuint(at_80, >, 0);
  g_assert_cmpuint(dks_ui_resize(&state, 200, 60), ==, DKS_EFFECT_REDRAW);
  g_autoptr(GPtrArray) lines = dks_layout_lines(&state, run);
  guint page = dks_layout_page_rows(&state, run);
  guint max = lines->len > page ? lines->len - page : 0;
  g_assert_cmpuint(dks_layout_scroll(&state, run), ==, max);
  dks_ui_key(&state, run, 'k');
  g_assert_cmpuint(state.scroll, ==, max > 0 ? max - 1 : 0);
  /* The detail pane goes when the terminal narrows; focus with it. */
  dks_ui_key(&state, run, DKS_KEY_ESCAPE);
  dks_ui_resize(&state, 132, 43);
  dks_ui_key(&state, run, DKS_KEY_TAB);
  g_assert_cmpint(state.focus, ==, DKS_PANE_DETAIL);
  dks_ui_resize(&state, 80, 24);
  g_assert_cmpint(state.focus, ==, DKS_PANE_STEPS);
  /* A search match stays in view through a resize. */
  dks_ui_key(&state, run, '/');
  type_text(&state, run, "x-ms-exchange");
  dks_ui_key(&state, run, DKS_KEY_ENTER);
  dks_ui_key(&state, run, 'N');
  g_assert_cmpint(state.match_line, >=, 0);
  for (guint w = 20; w <= 200; w += 45) {
    dks_ui_resize(&state, w, 10);
    guint row = dks_layout_raw_row(&state, run, (guint)state.match_line, state.match_offset);
    guint top = dks_layout_scroll(&state, run);
    g_assert_cmpuint(row, >=, top);
    g_assert_cmpuint(row, <, top + dks_layout_page_rows(&state, run));
  }
  /* Down to nothing and back: no crash, selections kept. */
  dks_ui_resize(&state, 1, 1);
  dks_ui_key(&state, run, 'j');
  dks_ui_resize(&state, 0, 0);
  dks_ui_key(&state, run, DKS_KEY_ESCAPE);
  dks_ui_key(&state, run, 'k');
  dks_ui_resize(&state, 80, 24);
  g_assert_cmpint(state.screen, ==, DKS_SCREEN_OVERVIEW);
  dks_ui_state_clear(&state);
}

/* The selection follows the check that decides while DNS answers come
 * in, until the user picks one. */
static void
test_selection_follows_verdict(void)
{
  g_autoptr(DksRun) run = run_named("demo", NO_DNS);
  DksUiState state;
  dks_ui_state_init(&state, 80, 24, TRUE, FALSE);
  dks_ui_open_run(&state, run);
  g_assert_cmpuint(dks_ui_selected_step(&state, run), ==, 0);
  g_assert_cmpuint(dks_ui_tick(&state, run), ==, DKS_EFFECT_NONE); /* no lookup started */
  dks_run_start_dns(run, demo_resolver, NULL, NULL);
  g_assert_cmpuint(dks_ui_tick(&state, run), ==, DKS_EFFECT_REDRAW);
  g_assert_cmpuint(state.spinner, ==, 2);
  run_until_done(run);
  g_assert_cmpuint(dks_ui_selected_step(&state, run), ==, KEY_LOOKUP);
  dks_ui_key(&state, run, 'k');
  g_assert_cmpuint(dks_ui_selected_step(&state, run), ==, KEY_LOOKUP - 1);
  g_assert_true(state.step_chosen);
  dks_ui_state_clear(&state);
}

/* The key table: every command reachable, labels for both modes, names
 * unique, the help text present; normalizing raw control codes. */
static void
test_key_table(void)
{
  gboolean bound[DKS_CMD_COUNT] = { FALSE };
  g_autoptr(GHashTable) keys = g_hash_table_new(NULL, NULL);
  for (const DksKeyBinding *b = dks_key_bindings(); b->command != DKS_CMD_NONE; b++) {
    g_assert_false(g_hash_table_contains(keys, GUINT_TO_POINTER(b->key)));
    g_hash_table_add(keys, GUINT_TO_POINTER(b->key));
    bound[b->command] = TRUE;
    g_assert_nonnull(b->key_label);
    g_assert_nonnull(b->help);
    g_assert_cmpstr(b->name, ==, dks_command_name(b->command));
    for (const char *p = b->ascii_label; *p != '\0'; p++)
      g_assert_cmpint((guchar)*p, <, 0x80);
    g_assert_cmpint(dks_key_command(b->key), ==, b->command);
  }
  for (guint c = DKS_CMD_NONE + 1; c < DKS_CMD_COUNT; c++)
    if (!bound[c])
      g_error("command %s has no key", dks_command_name(c));
  static const struct {
    guint raw, key;
  } normalized[] = {
    { '\r', DKS_KEY_ENTER }, { '\n', DKS_KEY_ENTER }, { 0x1b, DKS_KEY_ESCAPE },
    { '\t', DKS_KEY_TAB }, { 0x7f, DKS_KEY_BACKSPACE }, { 0x08, DKS_KEY_BACKSPACE },
    { 0x03, DKS_KEY_CTRL_C }, { 0x04, DKS_KEY_CTRL_D }, { 0x0c, DKS_KEY_CTRL_L },
    { 'q', 'q' }, { DKS_KEY_F1, DKS_KEY_F1 },
  };
  for (guint i = 0; i < G_N_ELEMENTS(normalized); i++)
    g_assert_cmpuint(dks_key_normalize(normalized[i].raw), ==, normalized[i].key);
  g_assert_cmpint(dks_key_command('\n'), ==, DKS_CMD_OPEN);
  g_assert_cmpint(dks_key_command('x'), ==, DKS_CMD_NONE);
  g_assert_cmpstr(dks_command_name(DKS_CMD_COUNT + 5), ==, "none");
  g_autofree char *up = dks_command_keys_label(DKS_CMD_UP, TRUE);
  g_assert_cmpstr(up, ==, "\u2191 / k");
  g_autofree char *up_ascii = dks_command_keys_label(DKS_CMD_UP, FALSE);
  g_assert_cmpstr(up_ascii, ==, "Up / k");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  fixture_resolver = fixture_zones_resolver();
  demo_resolver = demo_zones_resolver();
  g_test_add_func("/tui-model/key-table", test_key_table);
  g_test_add_func("/tui-model/sequences", test_sequences);
  g_test_add_func("/tui-model/search-next-previous", test_search_next_previous);
  g_test_add_func("/tui-model/search-typing", test_search_typing);
  g_test_add_func("/tui-model/resize", test_resize);
  g_test_add_func("/tui-model/selection-follows-verdict", test_selection_follows_verdict);
  int status = g_test_run();
  dks_resolver_free(demo_resolver);
  dks_resolver_free(fixture_resolver);
  return status;
}
