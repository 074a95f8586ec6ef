/* layout.h — draws the UI state and the run into a canvas.  Pure: the same
 * state, run and size always give the same canvas (golden tests).  Every
 * byte from the message or DNS goes through dks_sanitize() on its way to
 * the canvas; with state->utf8 off, the canvas holds only ASCII. */
#pragma once
#include "tui/canvas.h"
#include "tui/model.h"

/* Draws everything for state->screen (plus overlays) into canvas, whose
 * size is the terminal's.  run may be NULL on the paste screen.  paste is
 * the text pasted so far (paste screen only), or NULL.  Scroll positions
 * beyond the content are drawn clamped (dks_layout_scroll). */
void dks_layout(DksCanvas *canvas, const DksUiState *state, const DksRun *run,
                const char *paste);

/* Lines of the scrollable content of the current screen (for paging and
 * search in the model): as the layout would show them at this width.  The
 * help or advice overlay when one is open, else STEP, TEACH, RAW, or the
 * detail pane of a wide OVERVIEW; empty for the rest.  Returns a
 * GPtrArray of char* that frees them. */
GPtrArray *dks_layout_lines(const DksUiState *state, const DksRun *run);

/* Added with layout.c. */

/* Rows the scrollable content of the current screen (as for
 * dks_layout_lines) shows at once; on the OVERVIEW with the focus on a
 * list, the rows of that list.  At least 1. */
guint dks_layout_page_rows(const DksUiState *state, const DksRun *run);

/* state->scroll as it is drawn: at most the last full page of the
 * content, and on RAW moved so that the current match is in view. */
guint dks_layout_scroll(const DksUiState *state, const DksRun *run);

/* state->overlay_scroll as it is drawn (at most the last full page). */
guint dks_layout_overlay_scroll(const DksUiState *state, const DksRun *run);

/* TRUE when the overview is wide enough to show the selected check beside
 * the lists (DKS_PANE_DETAIL). */
gboolean dks_layout_has_detail_pane(guint width, guint height);

/* The raw header block as lines, sanitized for display (tabs expanded),
 * independent of the width: what RAW shows and what search looks in.
 * Returns a GPtrArray of char* that frees them; empty for a NULL run. */
GPtrArray *dks_layout_raw_lines(const DksRun *run, gboolean utf8);

/* The row of dks_layout_lines (RAW) that shows octet offset of raw line
 * line at the current width, and the raw line shown on a row. */
guint dks_layout_raw_row(const DksUiState *state, const DksRun *run, guint line,
                         gsize offset);
guint dks_layout_raw_line_at(const DksUiState *state, const DksRun *run, guint row);
