/* app.h — the interactive view's main loop (terminal keys, DNS answers,
 * the spinner and signals on one GLib main loop). */
#pragma once
#include <glib.h>
#include "verify/dns.h"
#include "verify/pipeline.h"

/* ---------- the interactive view ---------- */

typedef struct {
  DksResolver *resolver;   /* taken by dks_app_run */
  DksMessage *msg;         /* taken; NULL with no lookup: the paste screen */
  DksRun *lookup;          /* taken: --lookup (dks_run_new_lookup), not
                              started, or NULL */
  gint64 now;              /* the time t= and x= are checked against */
  gboolean color;          /* colour allowed (no --no-color, no NO_COLOR) */
  gboolean utf8;           /* the locale's codeset is UTF-8 */
  const char *label;       /* names the message in saved reports ("-") */
} DksAppConfig;

/* Opens the terminal (/dev/tty), shows config's message, lookup or the
 * paste screen, and runs until the user quits or a signal (SIGINT,
 * SIGTERM, SIGHUP) ends it; the terminal is restored in every case.
 * Ctrl-Z (SIGTSTP) gives the terminal back to the shell while stopped;
 * SIGCONT (fg) takes it again and redraws.
 * Takes ownership of config's resolver, msg and lookup (also on failure).
 * Returns the exit status: after q, the one the report gives for the
 * message or lookup shown at that moment (tui/report.h: 0 pass, 1 a
 * lasting failure, 2 only temporary ones, 3 no signature), where a DNS
 * answer still awaited counts as a lookup that timed out (temperror);
 * DKS_EXIT_NO_MESSAGE (64) when left before anything was analysed (the
 * paste screen); 128 + the signal's number after a signal; -1 and *error
 * when the terminal cannot be opened. */
int dks_app_run(DksAppConfig *config, GError **error);
