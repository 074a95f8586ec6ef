/* pipeline.h — DksRun, the whole state of one analysis: the message, each
 * signature and its ordered steps.  Only the pipeline writes it, on the main
 * loop; front ends read it const and redraw when told. */
#pragma once
#include <glib.h>
#include "parse/message.h"
#include "parse/signature.h"
#include "parse/keyrecord.h"
#include "verify/check.h"
#include "verify/dns.h"
#include "verify/canon.h"
#include "parse/authres.h"
#include "verify/dmarc.h"
#include "verify/forensics.h"

typedef struct {
  DksCheckId check;
  DksStatus status;
  DksReason reason;    /* set when status is FAIL (or WARN with a reason) */
  char *summary;       /* one line: what was found */
  GPtrArray *evidence; /* char*: facts, may quote input (sanitize to show) */
} DksStep;

typedef enum {
  DKS_TRI_NOT_CHECKED = 0,
  DKS_TRI_YES,
  DKS_TRI_NO,
} DksTri;

typedef struct {
  const DksMessage *msg;   /* the run's message (not owned); NULL in a
                              lookup (dks_run_new_lookup) */
  DksSignature *sig;       /* owned */
  DksStep steps[DKS_CHECK_COUNT]; /* in DksCheckId order */
  DksResult result;        /* DKS_RESULT_NONE while pending */
  DksReason reason;
  char *key_name;          /* <s>._domainkey.<d>, or NULL */
  DksDnsAnswer *dns;       /* owned, NULL until answered */
  DksDnsAnswer *authoritative; /* owned: the authoritative servers' answer
                                  when the resolver said the key is missing
                                  (system/forward modes), else NULL */
  DksKeyRecord *key;       /* owned, NULL until parsed */
  guint key_bits;
  DksKeyType key_type;
  DksTri body_hash_match;  /* body_hash: match / mismatch / not-checked */
  DksTri header_valid;     /* header_signature: valid / invalid / not-checked */
  DksBodyHash body_hash;   /* computed (when body_hash_match != NOT_CHECKED) */
  GPtrArray *clues;        /* DksClue*: forensics on what failed, in the
                              order found (never changes the verdict) */
  guint local_clue_count;  /* the first clues, found without DNS: kept when
                              the DNS steps are re-checked */
  char *sibling_name;      /* for selector1/selector2 (Microsoft 365 style):
                              the other selector's key name, else NULL */
  DksDnsAnswer *sibling;   /* its answer, once looked up (owned) */
  gboolean dns_pending;
} DksSigRun;

typedef struct {
  DksMessage *msg;         /* owned; NULL in a lookup (dks_run_new_lookup) */
  GPtrArray *sigs;         /* DksSigRun* */
  gint64 now;              /* UNIX time the checks use */
  guint dns_pending;       /* lookups still outstanding (keys, probes,
                              DMARC) */
  GPtrArray *authres;      /* DksAuthResults*: what receivers concluded */
  DksDmarc *dmarc;         /* From domain, policy and alignment; the policy
                              fields are filled once its lookup is done */
} DksRun;

/* Called on the main loop each time the run changes (a step finished). */
typedef void (*DksRunChanged)(DksRun *run, gpointer user_data);

/* Creates a run for msg (takes ownership), parses every signature and runs
 * every local step at once.  Caller frees with dks_run_free. */
DksRun *dks_run_new(DksMessage *msg, gint64 now);

/* A run with no message: a selector checked the way web DKIM lookup tools
 * do, with the same DNS evidence, clues and guidance as for a signature.
 * It holds one DksSigRun whose signature is only d= and s=
 * (dks_signature_new_for_key); its key steps run as for a signature, the
 * steps that need the message are INFO "not checked" and front ends leave
 * them out (dks_sig_run_has_step).  No DMARC, no Authentication-Results.
 * Pass means "a usable key is published".  NULL and *error
 * (G_OPTION_ERROR_BAD_VALUE; the message says what is wrong) when the two
 * do not form a key name.  Caller frees with dks_run_free. */
DksRun *dks_run_new_lookup(const char *selector, const char *domain, gint64 now,
                           GError **error);

/* TRUE for a run made by dks_run_new_lookup. */
gboolean dks_run_is_lookup(const DksRun *run);

/* TRUE when the step belongs to this signature's walkthrough: every check
 * for a signature in a message, the key checks alone in a lookup. */
gboolean dks_sig_run_has_step(const DksSigRun *sr, DksCheckId check);

/* Starts the DNS steps for every signature on resolver (not owned).  changed
 * is called after each answer is applied.  The run must stay alive until
 * dks_run_is_done() or until the resolver is freed (which cancels lookups
 * without calling back). */
void dks_run_start_dns(DksRun *run, DksResolver *resolver,
                       DksRunChanged changed, gpointer user_data);

/* Forgets every DNS answer and what followed from it, and looks the keys
 * up again on resolver (pass a fresh one, dks_resolver_new_fresh(), to
 * bypass its cache).  FALSE, and nothing done, while lookups are pending. */
gboolean dks_run_recheck_dns(DksRun *run, DksResolver *resolver,
                             DksRunChanged changed, gpointer user_data);

/* TRUE when every signature has a verdict. */
gboolean dks_run_is_done(const DksRun *run);

/* Message-level result for exit codes: the "worst" lasting result. */
DksResult dks_run_overall(const DksRun *run);

/* The live signature that an Authentication-Results (or ARC-Authentication-
 * Results) "dkim" result r is about, or NULL when that cannot be told:
 * - header.b of 8 characters or more (RFC 6008 §4 asks for at least the
 *   first 8 of b=, and enough to be unique) names the signature whose b=,
 *   folding white space removed, begins with it; nothing else is compared
 *   then.
 * - Otherwise header.d names the signatures whose d= equals it, and
 *   header.s, when present, those whose s= equals it too (both ASCII
 *   case-insensitively).
 * Exactly one signature must match: none or several (say two signatures
 * with that d= and no header.s) give NULL, never a guess.  Any method
 * other than "dkim" gives NULL.  Points into run. */
const DksSigRun *dks_run_signature_for_authres(const DksRun *run, const DksAuthResult *r);

void dks_run_free(DksRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksRun, dks_run_free)
