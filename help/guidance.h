/* guidance.h — for a signature's outcome: the line a support agent reads
 * out, the explanation for a learner, who must act, and the exact fix with
 * the real names filled in.  Every claim rests on what the pipeline
 * established (steps, clues, DNS answers); nothing is guessed. */
#pragma once
#include <glib.h>
#include "help/providers.h"
#include "verify/pipeline.h"

typedef struct {
  DksParty party;              /* who must act (refined by clues/provider) */
  const DksProvider *provider; /* recognised platform, or NULL */
  DksProviderMatch provider_match;
  char *verdict_line;          /* one sentence, plain words, no jargon */
  char *explanation;           /* a short paragraph for learners, RFC cited */
  char *fix;                   /* concrete steps, '\n'-separated lines: the
                                  DNS name, record type and value shape, or
                                  the setting to change.  Steps start with
                                  "1. ", "2. "...; a line starting with
                                  spaces belongs to the step above (a record
                                  to publish, a command) and is best shown
                                  unwrapped */
  char *receiver_note;         /* what the receiving side's policy means for
                                  this result (RFC 6376 §6.1: a failed
                                  signature counts as no signature), or NULL
                                  for a pass */
  /* Added with guidance.c. */
  char *who;                   /* the party in words with the real names:
                                  "the Microsoft 365 administrator for
                                  example.org (tenant contoso)", "the DNS
                                  administrator of example.com" */
  const char *refinement;      /* static machine name of the case that
                                  refined the reason, or NULL for the plain
                                  reason: "resolver-cache",
                                  "m365-cnames-missing",
                                  "m365-key-not-published",
                                  "m365-cname-wrong-target",
                                  "m365-initial-domain-signature",
                                  "provider-key-not-published",
                                  "provider-signing-domain",
                                  "cname-target-missing", "outside-zones",
                                  "key-at-doubled-domain",
                                  "key-without-underscore",
                                  "key-at-parent-domain",
                                  "key-at-child-name", "cname-as-txt",
                                  "footer-appended", "banner-prepended",
                                  "body-prefix-l", "paste-bare-lf",
                                  "paste-trailing-space", "signer-bare-lf",
                                  "body-changed", "subject-tag-added",
                                  "header-refolded", "copied-header-differs",
                                  "header-changed", "key-mismatch",
                                  "key-junk", "key-cut-at-255",
                                  "key-truncated", "key-several-records",
                                  "expired-after-delivery",
                                  "identity-strict-key", "dns-timeout",
                                  "dns-servfail", "dns-refused",
                                  "dns-error", "sender-dns-servers",
                                  "cname-loop" */
  char *notes;                 /* facts that are NOT a fault, worth saying
                                  to reassure (the other Microsoft 365
                                  selector without a key, another signature
                                  that passes), '\n'-separated, or NULL */
  char *check_after;           /* how to confirm the fix: a command line
                                  (dig ...), or NULL when there is none */
} DksGuidance;

/* Builds the guidance for one finished signature (sr->result != NONE;
 * a pending one gets a "not decided yet" text).  run gives the
 * message-level context (other signatures, DMARC when known).  Every
 * string that quotes the message or DNS has control characters and
 * bidirectional overrides escaped.  Caller frees. */
DksGuidance *dks_guidance_new(const DksRun *run, const DksSigRun *sr);
void dks_guidance_free(DksGuidance *guidance);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksGuidance, dks_guidance_free)

/* The signature dks_advice_text() writes about: the most important
 * failure, a failing signature whose d= aligns with the From domain
 * (DMARC, when run->dmarc is set) first, then lasting failures before
 * temporary ones, then header order.  NULL when every finished signature
 * passed (or there is none). */
const DksSigRun *dks_advice_pick(const DksRun *run);

/* A plain-text message addressed to the party who must act for the run's
 * most important failure (dks_advice_pick), with the evidence (query,
 * answer hop by hop, the exact record to publish or setting to change, how
 * to check afterwards), in lines of at most 72 columns (a single DNS name
 * or command longer than that stays whole on its own line), ready to paste
 * into an e-mail or ticket.  NULL when every signature passed.  Caller
 * frees. */
char *dks_advice_text(const DksRun *run);
