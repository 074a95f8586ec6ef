/* app.h — the interactive view's main loop (terminal keys, DNS answers,
 * the spinner and signals on one GLib main loop), and the selector lookup
 * with no message (--lookup), which the view and the report share. */
#pragma once
#include <glib.h>
#include "verify/dns.h"
#include "verify/pipeline.h"

/* ---------- a selector checked with no message ----------
 * The key steps of the walkthrough on their own: the DNS lookup of
 * <selector>._domainkey.<domain>, the key record, the key's strength, with
 * the same evidence and words as for a signature.
 * (Stop-gap until verify/pipeline.h offers a run without a message.) */

typedef struct DksLookup DksLookup;

/* Called on the main loop each time the lookup changes. */
typedef void (*DksLookupChanged)(DksLookup *lookup, gpointer user_data);

/* A lookup of selector at domain, not started.  NULL and *error
 * (G_OPTION_ERROR_BAD_VALUE, the message says what is wrong) when the two
 * do not form a valid key name.  Caller frees with dks_lookup_free. */
DksLookup *dks_lookup_new(const char *selector, const char *domain, GError **error);

/* Forgets any earlier answer and asks resolver (not owned; it must outlive
 * the lookup, or be freed first, which cancels the lookup without calling
 * back).  changed may be NULL.  Only when no lookup is in flight. */
void dks_lookup_start(DksLookup *lookup, DksResolver *resolver,
                      DksLookupChanged changed, gpointer user_data);

/* TRUE when every answer (key, and the authoritative cross-check) is in. */
gboolean dks_lookup_is_done(const DksLookup *lookup);

/* The key name asked for ("s._domainkey.example.com").  Static to lookup. */
const char *dks_lookup_key_name(const DksLookup *lookup);

/* The result a signature with this key would get from the key steps alone:
 * pass, permerror (no key, bad record), policy (too short), temperror. */
DksResult dks_lookup_result(const DksLookup *lookup);

/* Appends the lookup as text: result, who must act, then each step with
 * its evidence.  Every byte from DNS is sanitized (ASCII only when
 * ascii_only). */
void dks_lookup_report_text(GString *out, const DksLookup *lookup, gboolean ascii_only);

/* Appends the lookup as one JSON object on one line. */
void dks_lookup_report_json(GString *out, const DksLookup *lookup);

/* Frees; accepts NULL.  A lookup still in flight must have its resolver
 * freed first. */
void dks_lookup_free(DksLookup *lookup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksLookup, dks_lookup_free)

/* ---------- the interactive view ---------- */

typedef struct {
  DksResolver *resolver;   /* taken by dks_app_run */
  DksMessage *msg;         /* taken; NULL with no lookup: the paste screen */
  DksLookup *lookup;       /* taken: --lookup, or NULL */
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
