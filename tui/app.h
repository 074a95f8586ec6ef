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
 * Takes ownership of config's resolver, msg and lookup (also on failure).
 * Returns the exit status: 0 after q, 128 + the signal's number after a
 * signal; -1 and *error when the terminal cannot be opened. */
int dks_app_run(DksAppConfig *config, GError **error);
