/* model.c — see model.h.  Each command is a small function of the state;
 * the layout module answers the questions that depend on what is drawn
 * (how many rows the content has, how many fit), so paging and search
 * move exactly over what the user sees. */
#include "tui/model.h"

#include <string.h>

#include "parse/limits.h"
#include "tui/layout.h"

void
dks_ui_state_init(DksUiState *state, guint width, guint height, gboolean utf8,
                  gboolean color)
{
  memset(state, 0, sizeof *state);
  state->screen = DKS_SCREEN_PASTE;
  state->back_to = DKS_SCREEN_OVERVIEW;
  state->focus = DKS_PANE_STEPS;
  state->width = width;
  state->height = height;
  state->utf8 = utf8;
  state->color = color;
  state->search = g_string_new(NULL);
  state->match_line = -1;
}

void
dks_ui_state_clear(DksUiState *state)
{
  if (state == NULL)
    return;
  if (state->search != NULL)
    g_string_free(state->search, TRUE);
  g_free(state->status);
  g_free(state->title);
  state->search = NULL;
  state->status = NULL;
  state->title = NULL;
}

guint
dks_ui_set_status(DksUiState *state, const char *text)
{
  g_free(state->status);
  state->status = g_strdup(text);
  return DKS_EFFECT_REDRAW;
}

void
dks_ui_set_title(DksUiState *state, const char *title)
{
  g_free(state->title);
  state->title = g_strdup(title);
}

void
dks_ui_step_range(const DksSigRun *sr, guint *first, guint *last)
{
  *first = 0;
  *last = DKS_CHECK_COUNT - 1;
  if (sr == NULL)
    return;
  while (*first < *last && !dks_sig_run_has_step(sr, (DksCheckId)*first))
    (*first)++;
  while (*last > *first && !dks_sig_run_has_step(sr, (DksCheckId)*last))
    (*last)--;
}

gint
dks_ui_deciding_step(const DksSigRun *sr)
{
  if (sr == NULL || sr->result == DKS_RESULT_NONE)
    return -1;
  guint first, last;
  dks_ui_step_range(sr, &first, &last);
  if (sr->reason == DKS_REASON_PASS)
    return (gint)last;
  for (int c = 0; c < DKS_CHECK_COUNT; c++)
    if (sr->steps[c].status != DKS_STATUS_PENDING && sr->steps[c].reason == sr->reason)
      return c;
  for (int c = 0; c < DKS_CHECK_COUNT; c++)
    if (sr->steps[c].status == DKS_STATUS_FAIL)
      return c;
  return (gint)last;
}

static guint
sig_count(const DksRun *run)
{
  return run != NULL ? run->sigs->len : 0;
}

static const DksSigRun *
selected_sig(const DksUiState *state, const DksRun *run)
{
  guint n = sig_count(run);
  return n > 0 ? g_ptr_array_index(run->sigs, MIN(state->sig, n - 1)) : NULL;
}

guint
dks_ui_selected_step(const DksUiState *state, const DksRun *run)
{
  const DksSigRun *sr = selected_sig(state, run);
  if (!state->step_chosen && sr != NULL) {
    gint deciding = dks_ui_deciding_step(sr);
    if (deciding >= 0)
      return (guint)deciding;
  }
  guint first, last;
  dks_ui_step_range(sr, &first, &last);
  return CLAMP(state->step, first, last);
}

static gboolean
overlay_open(const DksUiState *state, const DksRun *run)
{
  return state->help_open || (state->advice_open && run != NULL);
}

/* Brings selections and scroll positions back within what exists and
 * what is drawn (after a resize, a new run, a re-check). */
static void
normalize(DksUiState *state, const DksRun *run)
{
  guint n = sig_count(run);
  state->sig = n > 0 ? MIN(state->sig, n - 1) : 0;
  state->step = dks_ui_selected_step(state, run);
  if (state->focus >= DKS_PANE_COUNT ||
      (state->focus == DKS_PANE_DETAIL &&
       !dks_layout_has_detail_pane(state->width, state->height)) ||
      (state->focus == DKS_PANE_SIGNATURES && n == 0))
    state->focus = DKS_PANE_STEPS;
  state->scroll = dks_layout_scroll(state, run);
  if (overlay_open(state, run))
    state->overlay_scroll = dks_layout_overlay_scroll(state, run);
}

/* ------------------------------------------------------------ scrolling */

static guint
content_rows(const DksUiState *state, const DksRun *run)
{
  g_autoptr(GPtrArray) lines = dks_layout_lines(state, run);
  return lines->len;
}

/* Moves *pos for a scroll command over rows rows shown page at a time;
 * returns whether it moved. */
static gboolean
scroll_position(guint *pos, DksCommand command, guint rows, guint page)
{
  guint max = rows > page ? rows - page : 0;
  guint step = page > 1 ? page - 1 : 1; /* a page keeps one row of context */
  guint old = *pos, p = MIN(*pos, max);
  switch (command) {
  case DKS_CMD_UP: p = p > 0 ? p - 1 : 0; break;
  case DKS_CMD_DOWN: p = MIN(p + 1, max); break;
  case DKS_CMD_PAGE_UP: p = p > step ? p - step : 0; break;
  case DKS_CMD_PAGE_DOWN: p = MIN(p + step, max); break;
  case DKS_CMD_HOME: p = 0; break;
  case DKS_CMD_END: p = max; break;
  default: return FALSE;
  }
  *pos = p;
  return p != old;
}

static gboolean
is_scroll_command(DksCommand command)
{
  return command == DKS_CMD_UP || command == DKS_CMD_DOWN || command == DKS_CMD_PAGE_UP ||
         command == DKS_CMD_PAGE_DOWN || command == DKS_CMD_HOME || command == DKS_CMD_END;
}

static guint
scroll_content(DksUiState *state, const DksRun *run, DksCommand command)
{
  guint rows = content_rows(state, run);
  guint page = dks_layout_page_rows(state, run);
  if (!scroll_position(&state->scroll, command, rows, page))
    return DKS_EFFECT_NONE;
  state->show_match = FALSE; /* the user looks elsewhere now */
  return DKS_EFFECT_REDRAW;
}

static guint
scroll_overlay(DksUiState *state, const DksRun *run, DksCommand command)
{
  guint rows = content_rows(state, run);
  guint page = dks_layout_page_rows(state, run);
  return scroll_position(&state->overlay_scroll, command, rows, page) ? DKS_EFFECT_REDRAW
                                                                     : DKS_EFFECT_NONE;
}

/* Moves a list selection; page is the rows the list shows. */
static gboolean
move_selection(guint *sel, DksCommand command, guint n, guint page)
{
  if (n == 0)
    return FALSE;
  guint old = *sel, s = MIN(*sel, n - 1);
  switch (command) {
  case DKS_CMD_UP: s = s > 0 ? s - 1 : 0; break;
  case DKS_CMD_DOWN: s = MIN(s + 1, n - 1); break;
  case DKS_CMD_PAGE_UP: s = s > page ? s - page : 0; break;
  case DKS_CMD_PAGE_DOWN: s = MIN(s + page, n - 1); break;
  case DKS_CMD_HOME: s = 0; break;
  case DKS_CMD_END: s = n - 1; break;
  default: return FALSE;
  }
  *sel = s;
  return s != old;
}

/* ------------------------------------------------------------ screens */

/* Opens a view from OVERVIEW or STEP, remembering where Esc returns. */
static guint
go_to(DksUiState *state, DksScreen screen)
{
  if (state->screen == DKS_SCREEN_OVERVIEW || state->screen == DKS_SCREEN_STEP) {
    state->back_to = state->screen;
    state->back_scroll = state->screen == DKS_SCREEN_STEP ? state->scroll : 0;
  }
  state->screen = screen;
  state->scroll = 0;
  return DKS_EFFECT_REDRAW;
}

static guint
go_back(DksUiState *state, const DksRun *run)
{
  switch (state->screen) {
  case DKS_SCREEN_STEP:
    state->screen = DKS_SCREEN_OVERVIEW;
    state->focus = DKS_PANE_STEPS;
    state->scroll = 0;
    return DKS_EFFECT_REDRAW;
  case DKS_SCREEN_TEACH:
  case DKS_SCREEN_RAW:
  case DKS_SCREEN_PASTE:
    if (run == NULL)
      return DKS_EFFECT_NONE;
    state->screen = state->back_to == DKS_SCREEN_STEP && sig_count(run) > 0
                      ? DKS_SCREEN_STEP : DKS_SCREEN_OVERVIEW;
    state->scroll = state->screen == DKS_SCREEN_STEP ? state->back_scroll : 0;
    return DKS_EFFECT_REDRAW;
  case DKS_SCREEN_OVERVIEW:
    break;
  }
  return DKS_EFFECT_NONE;
}

static guint
open_step(DksUiState *state)
{
  state->step_chosen = TRUE; /* the walkthrough goes on from here */
  state->screen = DKS_SCREEN_STEP;
  state->scroll = 0;
  return DKS_EFFECT_REDRAW;
}

/* The walkthrough: the next or previous check, stopping at the ends. */
static guint
walk(DksUiState *state, const DksRun *run, gint delta)
{
  guint first, last;
  dks_ui_step_range(selected_sig(state, run), &first, &last);
  state->step = dks_ui_selected_step(state, run);
  if (delta > 0 && state->step >= last)
    return dks_ui_set_status(state, "That was the last check. Esc goes back to the "
                                    "overview.");
  if (delta < 0 && state->step <= first)
    return dks_ui_set_status(state, "This is the first check.");
  state->step_chosen = TRUE;
  state->step = delta > 0 ? state->step + 1 : state->step - 1;
  state->scroll = 0;
  return DKS_EFFECT_REDRAW;
}

/* The panes Tab visits, in order. */
static guint
panes_of(const DksUiState *state, const DksRun *run, DksPane *panes)
{
  guint n = 0;
  if (sig_count(run) == 0)
    return 0;
  if (sig_count(run) > 1) /* one signature: nothing to choose */
    panes[n++] = DKS_PANE_SIGNATURES;
  panes[n++] = DKS_PANE_STEPS;
  if (dks_layout_has_detail_pane(state->width, state->height))
    panes[n++] = DKS_PANE_DETAIL;
  return n;
}

static guint
cycle_focus(DksUiState *state, const DksRun *run, gint delta)
{
  DksPane panes[DKS_PANE_COUNT];
  guint n = panes_of(state, run, panes);
  if (n == 0)
    return DKS_EFFECT_NONE;
  guint at = 0;
  for (guint i = 0; i < n; i++)
    if (panes[i] == state->focus)
      at = i;
  state->focus = panes[(at + n + (guint)(delta > 0 ? 1 : n - 1)) % n];
  return DKS_EFFECT_REDRAW;
}

static guint
apply_overview(DksUiState *state, const DksRun *run, DksCommand command)
{
  guint n = sig_count(run);
  if (n == 0)
    return DKS_EFFECT_NONE;
  if (is_scroll_command(command)) {
    guint page = dks_layout_page_rows(state, run);
    switch (state->focus) {
    case DKS_PANE_SIGNATURES:
      if (!move_selection(&state->sig, command, n, page))
        return DKS_EFFECT_NONE;
      state->scroll = 0;
      return DKS_EFFECT_REDRAW;
    case DKS_PANE_DETAIL:
      return scroll_content(state, run, command);
    default: {
      guint first, last;
      dks_ui_step_range(selected_sig(state, run), &first, &last);
      guint row = dks_ui_selected_step(state, run) - first;
      state->step_chosen = TRUE;
      if (!move_selection(&row, command, last - first + 1, page))
        return DKS_EFFECT_NONE;
      state->step = first + row;
      state->scroll = 0;
      return DKS_EFFECT_REDRAW;
    }
    }
  }
  switch (command) {
  case DKS_CMD_NEXT_PANE: return cycle_focus(state, run, 1);
  case DKS_CMD_PREV_PANE: return cycle_focus(state, run, -1);
  case DKS_CMD_OPEN:
    if (state->focus == DKS_PANE_SIGNATURES) {
      state->focus = DKS_PANE_STEPS;
      return DKS_EFFECT_REDRAW;
    }
    return open_step(state);
  case DKS_CMD_NEXT_STEP:
    return open_step(state); /* the walkthrough starts at the selected check */
  default:
    return DKS_EFFECT_NONE;
  }
}

static guint
apply_step(DksUiState *state, const DksRun *run, DksCommand command)
{
  if (is_scroll_command(command))
    return scroll_content(state, run, command);
  switch (command) {
  case DKS_CMD_OPEN:
  case DKS_CMD_NEXT_STEP: return walk(state, run, 1);
  case DKS_CMD_PREV_STEP: return walk(state, run, -1);
  default: return DKS_EFFECT_NONE;
  }
}

/* ------------------------------------------------------------ search */

/* Offset of needle in hay (ASCII case-insensitively) at or after from, or
 * with last, the last one at or before limit; -1 when none. */
static gssize
find_in(const char *hay, const char *needle, gsize from, gboolean last, gssize limit)
{
  gsize hay_len = strlen(hay), n = strlen(needle);
  if (n == 0 || n > hay_len)
    return -1;
  gssize found = -1;
  for (gsize i = last ? 0 : from; i + n <= hay_len; i++) {
    if (last && (gssize)i > limit)
      break;
    if (g_ascii_strncasecmp(hay + i, needle, n) == 0) {
      if (!last)
        return (gssize)i;
      found = (gssize)i;
    }
  }
  return found;
}

/* Searches the raw lines from (line, offset): forward at or after it, or
 * backward at or before it (offset -1: from the end of the line before),
 * wrapping around once.  Returns FALSE when nothing matches. */
static gboolean
find_match(const GPtrArray *lines, const char *needle, guint line, gssize offset,
           gboolean forward, guint *found_line, gsize *found_offset, gboolean *wrapped)
{
  guint n = lines->len;
  if (n == 0)
    return FALSE;
  line = MIN(line, n - 1);
  for (guint k = 0; k <= n; k++) {
    guint li = forward ? (line + k) % n : (line + n - k % n) % n;
    const char *text = g_ptr_array_index(lines, li);
    gssize at;
    if (forward)
      at = find_in(text, needle, k == 0 ? (gsize)MAX(offset, 0) : 0, FALSE, 0);
    else
      at = find_in(text, needle, 0, TRUE, k == 0 ? offset : G_MAXSSIZE);
    if (at < 0)
      continue;
    *found_line = li;
    *found_offset = (gsize)at;
    *wrapped = k == n || (forward ? li < line : li > line);
    return TRUE;
  }
  return FALSE;
}

/* The raw line at the top of the screen. */
static guint
top_line(const DksUiState *state, const DksRun *run)
{
  return dks_layout_raw_line_at(state, run, dks_layout_scroll(state, run));
}

static guint
search(DksUiState *state, const DksRun *run, gboolean forward, gboolean from_top)
{
  if (state->search == NULL || state->search->len == 0)
    return dks_ui_set_status(state, "No search yet: press / to search the raw header fields.");
  if (state->screen != DKS_SCREEN_RAW)
    go_to(state, DKS_SCREEN_RAW);
  g_autoptr(GPtrArray) lines = dks_layout_raw_lines(run, state->utf8);
  guint line;
  gssize offset;
  if (from_top || state->match_line < 0) {
    line = top_line(state, run);
    offset = forward ? 0 : -1;
  } else {
    line = (guint)state->match_line;
    offset = forward ? (gssize)state->match_offset + 1 : (gssize)state->match_offset - 1;
  }
  guint found_line;
  gsize found_offset;
  gboolean wrapped;
  if (!find_match(lines, state->search->str, line, offset, forward, &found_line,
                  &found_offset, &wrapped)) {
    state->match_line = -1;
    g_autofree char *msg = g_strdup_printf("Not found: %s", state->search->str);
    return dks_ui_set_status(state, msg);
  }
  state->match_line = (gint)found_line;
  state->match_offset = found_offset;
  state->match_len = state->search->len;
  state->show_match = TRUE;
  state->scroll = dks_layout_scroll(state, run);
  if (wrapped)
    dks_ui_set_status(state, forward ? "Search wrapped around to the top."
                                     : "Search wrapped around to the bottom.");
  return DKS_EFFECT_REDRAW;
}

static guint
start_search(DksUiState *state)
{
  if (state->screen != DKS_SCREEN_RAW)
    go_to(state, DKS_SCREEN_RAW);
  state->searching = TRUE;
  g_string_truncate(state->search, 0);
  state->match_line = -1;
  state->show_match = FALSE;
  return DKS_EFFECT_REDRAW;
}

guint
dks_ui_type(DksUiState *state, const DksRun *run, guint key)
{
  if (!state->searching)
    return DKS_EFFECT_NONE;
  key = dks_key_normalize(key);
  switch (key) {
  case DKS_KEY_ENTER:
    state->searching = FALSE;
    if (state->search->len == 0)
      return DKS_EFFECT_REDRAW;
    g_clear_pointer(&state->status, g_free);
    return search(state, run, TRUE, TRUE);
  case DKS_KEY_ESCAPE:
  case DKS_KEY_CTRL_C:
    state->searching = FALSE;
    g_string_truncate(state->search, 0);
    return DKS_EFFECT_REDRAW;
  case DKS_KEY_BACKSPACE:
    if (state->search->len > 0) {
      const char *prev = g_utf8_find_prev_char(state->search->str,
                                               state->search->str + state->search->len);
      g_string_truncate(state->search, prev ? (gsize)(prev - state->search->str) : 0);
    }
    return DKS_EFFECT_REDRAW;
  default:
    break;
  }
  if (key >= 0x110000 || !g_unichar_validate(key) || !g_unichar_isprint(key))
    return DKS_EFFECT_NONE;
  char utf8[6];
  gint len = g_unichar_to_utf8(key, utf8);
  if (state->search->len + (gsize)len > DKS_MAX_SEARCH_BYTES)
    return DKS_EFFECT_NONE;
  g_string_append_len(state->search, utf8, len);
  return DKS_EFFECT_REDRAW;
}

/* ------------------------------------------------------------ overlays */

/* The help or advice overlay: scrolling keys scroll it, Esc (and the key
 * that opened it, and q) close it; any other command closes it and then
 * runs, except copy and save, which act on the open advice.  Returns
 * TRUE when the command was handled here. */
static gboolean
apply_overlay(DksUiState *state, const DksRun *run, DksCommand command, guint *effects)
{
  if (is_scroll_command(command)) {
    *effects |= scroll_overlay(state, run, command);
    return TRUE;
  }
  gboolean advice = !state->help_open;
  if (command == DKS_CMD_BACK || command == DKS_CMD_QUIT ||
      (command == DKS_CMD_HELP && !advice) || (command == DKS_CMD_ADVICE && advice)) {
    state->help_open = FALSE;
    if (advice)
      state->advice_open = FALSE;
    state->overlay_scroll = 0;
    *effects |= DKS_EFFECT_REDRAW;
    return TRUE;
  }
  if (command == DKS_CMD_REDRAW) {
    *effects |= DKS_EFFECT_REDRAW;
    return TRUE;
  }
  if (advice && (command == DKS_CMD_COPY || command == DKS_CMD_SAVE)) {
    *effects |= command == DKS_CMD_COPY ? DKS_EFFECT_COPY : DKS_EFFECT_SAVE;
    return TRUE;
  }
  state->help_open = FALSE;
  state->advice_open = FALSE;
  state->overlay_scroll = 0;
  *effects |= DKS_EFFECT_REDRAW;
  return FALSE;
}

/* ------------------------------------------------------------ apply */

static guint
need_message(DksUiState *state)
{
  return dks_ui_set_status(state, "No message yet: press p to paste one.");
}

static guint
recheck(DksUiState *state, const DksRun *run)
{
  if (run->dns_pending > 0)
    return dks_ui_set_status(state, "DNS lookups are still running; re-check when they "
                                    "are done.");
  if (sig_count(run) == 0)
    return dks_ui_set_status(state, "Nothing to re-check: the message has no DKIM "
                                    "signature.");
  dks_ui_set_status(state, "Re-checking: asking DNS again, bypassing caches.");
  return DKS_EFFECT_RECHECK | DKS_EFFECT_REDRAW;
}

static guint
toggle_view(DksUiState *state, const DksRun *run, DksScreen screen)
{
  if (state->screen == screen)
    return go_back(state, run);
  if (screen == DKS_SCREEN_TEACH && sig_count(run) == 0)
    return dks_ui_set_status(state, "There is no signature to take apart.");
  return go_to(state, screen);
}

/* Commands that mean the same on every screen; FALSE when command is
 * not one of them. */
static gboolean
apply_global(DksUiState *state, const DksRun *run, DksCommand command, guint *effects)
{
  switch (command) {
  case DKS_CMD_QUIT: *effects |= DKS_EFFECT_QUIT; return TRUE;
  case DKS_CMD_REDRAW: *effects |= DKS_EFFECT_REDRAW; return TRUE;
  case DKS_CMD_HELP:
    state->help_open = TRUE;
    state->overlay_scroll = 0;
    *effects |= DKS_EFFECT_REDRAW;
    return TRUE;
  case DKS_CMD_PASTE:
    if (state->screen != DKS_SCREEN_PASTE)
      go_to(state, DKS_SCREEN_PASTE);
    *effects |= DKS_EFFECT_PASTE | DKS_EFFECT_REDRAW;
    return TRUE;
  case DKS_CMD_BACK:
    *effects |= go_back(state, run);
    return TRUE;
  default:
    break;
  }
  if (state->screen == DKS_SCREEN_PASTE)
    return TRUE; /* typing goes to the paste buffer, not here */
  if (command == DKS_CMD_LOOKUP) {
    *effects |= DKS_EFFECT_LOOKUP;
    return TRUE;
  }
  gboolean needs_run = command == DKS_CMD_RECHECK || command == DKS_CMD_COPY ||
                       command == DKS_CMD_SAVE || command == DKS_CMD_ADVICE ||
                       command == DKS_CMD_TEACH || command == DKS_CMD_RAW ||
                       command == DKS_CMD_SEARCH || command == DKS_CMD_SEARCH_NEXT ||
                       command == DKS_CMD_SEARCH_PREV;
  if (needs_run && run == NULL) {
    *effects |= need_message(state);
    return TRUE;
  }
  switch (command) {
  case DKS_CMD_RECHECK: *effects |= recheck(state, run); return TRUE;
  case DKS_CMD_COPY: *effects |= DKS_EFFECT_COPY; return TRUE;
  case DKS_CMD_SAVE: *effects |= DKS_EFFECT_SAVE; return TRUE;
  case DKS_CMD_ADVICE:
    state->advice_open = TRUE;
    state->overlay_scroll = 0;
    *effects |= DKS_EFFECT_REDRAW;
    return TRUE;
  case DKS_CMD_TEACH: *effects |= toggle_view(state, run, DKS_SCREEN_TEACH); return TRUE;
  case DKS_CMD_RAW: *effects |= toggle_view(state, run, DKS_SCREEN_RAW); return TRUE;
  case DKS_CMD_SEARCH: *effects |= start_search(state); return TRUE;
  case DKS_CMD_SEARCH_NEXT: *effects |= search(state, run, TRUE, FALSE); return TRUE;
  case DKS_CMD_SEARCH_PREV: *effects |= search(state, run, FALSE, FALSE); return TRUE;
  default: return FALSE;
  }
}

guint
dks_ui_apply(DksUiState *state, const DksRun *run, DksCommand command)
{
  guint effects = DKS_EFFECT_NONE;
  if (command == DKS_CMD_NONE || command >= DKS_CMD_COUNT)
    return effects;
  if (state->status != NULL) {
    g_clear_pointer(&state->status, g_free);
    effects |= DKS_EFFECT_REDRAW;
  }
  if (state->searching) {
    /* Keys reach here while typing only when the caller bypassed
     * dks_ui_key: Enter still runs the search, anything else ends it. */
    return effects | dks_ui_type(state, run, command == DKS_CMD_OPEN ? DKS_KEY_ENTER
                                                                     : DKS_KEY_ESCAPE);
  }
  normalize(state, run);
  if (overlay_open(state, run) && apply_overlay(state, run, command, &effects))
    return effects;
  if (apply_global(state, run, command, &effects))
    return effects;
  switch (state->screen) {
  case DKS_SCREEN_OVERVIEW: return effects | apply_overview(state, run, command);
  case DKS_SCREEN_STEP: return effects | apply_step(state, run, command);
  case DKS_SCREEN_TEACH:
  case DKS_SCREEN_RAW:
    return effects | (is_scroll_command(command) ? scroll_content(state, run, command)
                                                 : DKS_EFFECT_NONE);
  case DKS_SCREEN_PASTE:
    break;
  }
  return effects;
}

guint
dks_ui_key(DksUiState *state, const DksRun *run, guint key)
{
  key = dks_key_normalize(key);
  if (key == DKS_KEY_RESIZE)
    return DKS_EFFECT_REDRAW;
  if (state->searching)
    return dks_ui_type(state, run, key);
  return dks_ui_apply(state, run, dks_key_command(key));
}

guint
dks_ui_resize(DksUiState *state, guint width, guint height)
{
  state->width = width;
  state->height = height;
  if (state->focus == DKS_PANE_DETAIL && !dks_layout_has_detail_pane(width, height))
    state->focus = DKS_PANE_STEPS;
  return DKS_EFFECT_REDRAW;
}

guint
dks_ui_open_run(DksUiState *state, const DksRun *run)
{
  state->screen = DKS_SCREEN_OVERVIEW;
  state->back_to = DKS_SCREEN_OVERVIEW;
  state->help_open = FALSE;
  state->advice_open = FALSE;
  state->focus = sig_count(run) > 1 ? DKS_PANE_SIGNATURES : DKS_PANE_STEPS;
  state->sig = 0;
  state->step = 0;
  state->step_chosen = FALSE;
  state->scroll = 0;
  state->back_scroll = 0;
  state->overlay_scroll = 0;
  state->searching = FALSE;
  state->match_line = -1;
  state->show_match = FALSE;
  g_clear_pointer(&state->status, g_free);
  return DKS_EFFECT_REDRAW;
}

guint
dks_ui_tick(DksUiState *state, const DksRun *run)
{
  state->spinner++;
  return run != NULL && run->dns_pending > 0 ? DKS_EFFECT_REDRAW : DKS_EFFECT_NONE;
}
