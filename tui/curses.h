/* curses.h — the terminal: the only module that talks to curses.  It opens
 * the controlling terminal (/dev/tty, never stdin or stdout, which may be a
 * pipe from a mail client), copies a canvas to it, reads keys as DksKey and
 * always gives the terminal back as it found it. */
#pragma once
#include <glib.h>
#include "tui/canvas.h"
#include "tui/keys.h"

typedef struct DksTerm DksTerm;

/* One key from the terminal. */
typedef struct {
  guint key;        /* a DksKey, or a Unicode code point; DKS_KEY_NONE
                       with paste_end */
  gboolean pasted;  /* it arrived inside a bracketed paste (ESC[200~ ..
                       ESC[201~): text, never a command */
  gboolean paste_end; /* no key: a bracketed paste ended (ESC[201~), so
                         its text can be judged as a whole */
} DksTermKey;

/* Opens /dev/tty for keys and drawing: alternate screen, no echo, keys one
 * by one (cbreak), arrow keys decoded, cursor hidden, bracketed paste on
 * (ESC[?2004h).  Colour only when want_color and the terminal has colours.
 * Installs handlers for fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
 * SIGABRT, SIGQUIT) that restore the terminal, then re-raise with the
 * handler that was there before.  SIGINT, SIGTERM, SIGHUP, SIGWINCH,
 * SIGTSTP and SIGCONT are the caller's (install them before this call, so
 * curses leaves them alone; see dks_term_suspend).  One
 * terminal at a time.  NULL and *error (G_FILE_ERROR) when there is no
 * terminal or curses cannot start.  Caller closes with dks_term_close. */
DksTerm *dks_term_open(gboolean want_color, GError **error);

/* Leaves the alternate screen, shows the cursor, turns bracketed paste
 * off, restores the terminal modes and frees.  Accepts NULL. */
void dks_term_close(DksTerm *term);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksTerm, dks_term_close)

/* Gives the terminal back to the shell for a while (Ctrl-Z), as
 * dks_term_close leaves it, but keeps curses' state for dks_term_resume.
 * Call it before the process stops. */
void dks_term_suspend(DksTerm *term);

/* Takes the terminal again after the process was continued (SIGCONT),
 * whether dks_term_suspend ran first or it was stopped without a word
 * (SIGSTOP): our terminal modes and bracketed paste again; the next draw
 * restores the alternate screen, the keypad mode and the hidden cursor,
 * and repaints everything.  Call dks_term_update_size too: a resize
 * meanwhile signalled the shell, not us. */
void dks_term_resume(DksTerm *term);

/* The descriptor keys arrive on: watch it for G_IO_IN, then call
 * dks_term_read_key until it returns FALSE. */
int dks_term_input_fd(const DksTerm *term);

/* The size curses draws at. */
void dks_term_size(const DksTerm *term, guint *width, guint *height);

/* Asks the terminal for its size (after SIGWINCH) and resizes curses.
 * TRUE when the size changed. */
gboolean dks_term_update_size(DksTerm *term);

/* TRUE when colours are in use. */
gboolean dks_term_has_color(const DksTerm *term);

/* Copies canvas to the terminal (only what changed is sent).  Characters
 * that could drive the terminal (C0, DEL, C1) are drawn as '?', and, in a
 * locale that is not UTF-8, everything outside ASCII. */
void dks_term_draw(DksTerm *term, const DksCanvas *canvas);

/* The next draw repaints the whole screen (Ctrl-L, after a resize). */
void dks_term_invalidate(DksTerm *term);

/* Reads one waiting key without blocking; FALSE when none is waiting. */
gboolean dks_term_read_key(DksTerm *term, DksTermKey *out);

/* Writes bytes to the terminal as they are (an OSC 52 sequence), after
 * whatever curses has drawn.  FALSE and *error when the write fails. */
gboolean dks_term_write_raw(DksTerm *term, const char *bytes, gsize len,
                            GError **error);
