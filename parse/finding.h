/* finding.h — a problem found in the input, with the rule it breaks.
 *
 * Findings are how parse/ reports hostile or broken input: never as program
 * errors, always as data the walkthrough shows.  Text follows the habit
 * "RFC 6376 §3.5 l=: want digits, have 'abc'". */
#pragma once
#include <glib.h>

typedef enum {
  DKS_FINDING_ERROR,   /* makes the object unusable (signature / key) */
  DKS_FINDING_WARNING, /* usable, but something is off */
  DKS_FINDING_NOTE,    /* a fact worth showing (e.g. "bare LF converted") */
} DksFindingLevel;

typedef struct {
  DksFindingLevel level;
  char *tag;  /* tag name the finding is about ("l", "p"), or NULL */
  char *text; /* UTF-8 may be invalid when it quotes input: sanitize on display */
} DksFinding;

/* Frees a finding; accepts NULL. */
void dks_finding_free(DksFinding *finding);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksFinding, dks_finding_free)

/* A GPtrArray of DksFinding* that frees its elements. Caller owns it. */
GPtrArray *dks_findings_new(void);

/* Appends a finding built from a printf format.  tag may be NULL. */
void dks_findings_add(GPtrArray *findings, DksFindingLevel level,
                      const char *tag, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

/* TRUE when any finding in the array has level DKS_FINDING_ERROR. */
gboolean dks_findings_have_error(const GPtrArray *findings);

/* Quotes up to max_bytes of untrusted input for a finding text: printable
 * ASCII kept, everything else as \xNN, ellipsis when cut.  Caller frees. */
char *dks_quote_bytes(const char *data, gsize len, gsize max_bytes);
