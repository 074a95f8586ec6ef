/* model.h — the UI state and how commands change it.  Pure: no I/O, no
 * curses; (state, run, command) -> new state + effects.  The caller
 * performs the effects (redraw, quit, re-check, copy, save) and redraws. */
#pragma once
#include <glib.h>
#include "tui/keys.h"
#include "verify/pipeline.h"

typedef enum {
  DKS_SCREEN_PASTE = 0,  /* paste headers or a message */
  DKS_SCREEN_OVERVIEW,   /* summary, signatures, verdict, steps */
  DKS_SCREEN_STEP,       /* one step: evidence, explanation, party, fix */
  DKS_SCREEN_TEACH,      /* tags, canonicalized data, hashes, DNS hops */
  DKS_SCREEN_RAW,        /* raw headers with search */
} DksScreen;

typedef enum {
  DKS_PANE_SIGNATURES = 0,
  DKS_PANE_STEPS,
  DKS_PANE_DETAIL,       /* the selected check beside the lists; only on
                            wide terminals (dks_layout_has_detail_pane) */
  DKS_PANE_COUNT
} DksPane;

typedef enum {
  DKS_EFFECT_NONE    = 0,
  DKS_EFFECT_REDRAW  = 1 << 0,
  DKS_EFFECT_QUIT    = 1 << 1,
  DKS_EFFECT_RECHECK = 1 << 2,
  DKS_EFFECT_COPY    = 1 << 3, /* the report; the advice when advice_open */
  DKS_EFFECT_SAVE    = 1 << 4, /* the report; the advice when advice_open */
  DKS_EFFECT_PASTE   = 1 << 5, /* open the paste screen for a new message */
  DKS_EFFECT_LOOKUP  = 1 << 6, /* ask for SELECTOR DOMAIN and look it up */
} DksEffect;

typedef struct {
  DksScreen screen;
  DksScreen back_to;       /* where Esc returns from TEACH/RAW/PASTE
                              (OVERVIEW or STEP); STEP returns to OVERVIEW */
  gboolean help_open;      /* the key overlay */
  gboolean advice_open;    /* the advice text overlay */
  DksPane focus;
  guint sig;               /* selected signature */
  guint step;              /* selected step (DksCheckId); until the user
                              picks one (step_chosen), it follows the step
                              that decided the verdict */
  guint scroll;            /* first row of the scrollable pane (STEP, TEACH,
                              RAW, or the detail pane), in rows as
                              dks_layout_lines gives them */
  guint width, height;     /* terminal size */
  gboolean utf8;           /* UTF-8 symbols, else ASCII */
  gboolean color;          /* colour allowed (NO_COLOR, --no-color) */
  gboolean searching;      /* typing a search in RAW */
  GString *search;         /* the search text */
  gint match_line;         /* line of the current match in RAW, -1 none:
                              an index into dks_layout_raw_lines(), which
                              does not depend on the width */
  char *status;            /* one-line message ("Copied", "Saved to ..."), or NULL */
  guint spinner;           /* frame counter while DNS is pending */
  /* Added with model.c. */
  gsize match_offset;      /* octet offset of the match in its raw line */
  gsize match_len;         /* octets of the match */
  gboolean show_match;     /* keep the match in view (set by a search,
                              cleared when the user scrolls away) */
  guint overlay_scroll;    /* first row of the help or advice overlay */
  guint back_scroll;       /* scroll to restore when Esc returns to STEP */
  gboolean step_chosen;    /* the user moved the step selection */
  char *title;             /* what is shown: the file name, "standard
                              input", "pasted message"; NULL for none */
} DksUiState;

void dks_ui_state_init(DksUiState *state, guint width, guint height,
                       gboolean utf8, gboolean color);
void dks_ui_state_clear(DksUiState *state);

/* Applies a command; returns DksEffect flags.  run may be NULL (nothing
 * pasted yet).  Commands that need a message (re-check, copy, save,
 * teach, ...) then only set a status line.  The status line is cleared by
 * the next command.  On the PASTE screen the caller keeps typed text for
 * itself and passes only keys that are not text (Esc, F1, Ctrl-L, Ctrl-C);
 * Esc there returns to the message shown before, when there is one. */
guint dks_ui_apply(DksUiState *state, const DksRun *run, DksCommand command);

/* A character typed while searching (or Backspace as DKS_KEY_BACKSPACE);
 * returns effects.  Enter (DKS_KEY_ENTER) runs the search, Esc cancels
 * it; only printable characters are kept.  Does nothing when not
 * searching. */
guint dks_ui_type(DksUiState *state, const DksRun *run, guint key);

/* The terminal changed size.  Scroll positions are brought back within
 * the content at the next command (and dks_layout draws them clamped), so
 * what was selected or matched stays in view. */
guint dks_ui_resize(DksUiState *state, guint width, guint height);

/* Sets the status line (copied), returns DKS_EFFECT_REDRAW. */
guint dks_ui_set_status(DksUiState *state, const char *text);

/* Added with model.c. */

/* One key, as the main loop reads it: typed into the search while
 * searching, else its command from the key table (dks_key_command).
 * DKS_KEY_RESIZE only asks for a redraw (call dks_ui_resize with the new
 * size).  Returns DksEffect flags. */
guint dks_ui_key(DksUiState *state, const DksRun *run, guint key);

/* Shows a new run (after a file was read or a message pasted): the
 * overview, the first signature with the check that decided its verdict
 * (the first check until then), nothing scrolled, no search match.  Focus is on the checks, or on the signatures when there are
 * several to choose from.  Returns DKS_EFFECT_REDRAW. */
guint dks_ui_open_run(DksUiState *state, const DksRun *run);

/* Advances the spinner: call it a few times a second while
 * run->dns_pending.  Returns DKS_EFFECT_REDRAW while something is
 * pending, else DKS_EFFECT_NONE. */
guint dks_ui_tick(DksUiState *state, const DksRun *run);

/* Sets the title (copied; NULL for none). */
void dks_ui_set_title(DksUiState *state, const char *title);

/* The selected step as shown: state->step once the user chose one, else
 * the step that decided the selected signature's verdict (when decided). */
guint dks_ui_selected_step(const DksUiState *state, const DksRun *run);

/* The checks a signature's walkthrough shows, first to last (every check
 * for a signature; the key checks for a selector lookup, which are
 * consecutive: dks_sig_run_has_step).  sr may be NULL (every check). */
void dks_ui_step_range(const DksSigRun *sr, guint *first, guint *last);

/* The check that decided a signature's verdict: the first step whose
 * reason is the verdict's (FAIL or WARN), the last check shown
 * (dks_ui_step_range) for a pass, or -1 while the verdict is pending. */
gint dks_ui_deciding_step(const DksSigRun *sr);
