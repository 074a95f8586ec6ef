/* dmarc.h — DMARC (RFC 7489) as far as DKIM is concerned: the From
 * domain's policy and, per signature, whether its d= is aligned. */
#pragma once
#include <glib.h>
#include "parse/message.h"
#include "verify/dns.h"

typedef enum {
  DKS_ALIGN_NONE = 0,   /* d= is not the From domain or in its organisation */
  DKS_ALIGN_RELAXED,    /* same organisational domain (libpsl) */
  DKS_ALIGN_STRICT,     /* d= equals the From domain */
} DksAlignment;

/* Added: how the policy lookup ended (RFC 7489 §6.6.3), in the words a
 * report needs ("temperror", "permerror", ...). */
typedef enum {
  DKS_DMARC_PENDING = 0, /* not looked up (yet) */
  DKS_DMARC_NO_DOMAIN,   /* no single From domain (problem says why):
                            nothing was asked */
  DKS_DMARC_RECORD,      /* one record applies: policy is set */
  DKS_DMARC_NONE,        /* no DMARC record at the From domain nor at its
                            organisational domain */
  DKS_DMARC_MULTIPLE,    /* several DMARC records at one name: DMARC is not
                            applied (§6.6.3 step 5); a finding lists them */
  DKS_DMARC_PERMERROR,   /* the record that applies is unusable: no valid
                            p=/sp= and no valid rua= (§6.6.3 step 6) */
  DKS_DMARC_TEMPERROR,   /* a lookup failed (SERVFAIL, timeout, CNAME loop,
                            ...): dns / org_dns say which */
} DksDmarcStatus;

typedef struct {
  char *from_domain;    /* of the (single) From address, lower case, or NULL */
  char *org_domain;     /* organisational domain of from_domain (libpsl) */
  char *problem;        /* why there is no From domain (none, several), or NULL */
  char *record_name;    /* the _dmarc name whose record applies, or NULL */
  DksDnsAnswer *dns;    /* the answer for _dmarc.<from_domain> (owned) */
  DksDnsAnswer *org_dns;/* for _dmarc.<org_domain> when that was needed */
  char *record;         /* the DMARC record text, or NULL */
  char *policy;         /* p= (or sp= when the org record applies to a
                           subdomain), NULL when no record */
  gboolean strict_dkim; /* adkim=s */
  guint pct;            /* pct=, 100 by default */
  GPtrArray *findings;  /* DksFinding*: record syntax, several records, ... */
  /* Added. */
  DksDmarcStatus status;
  gsize record_len;     /* octets in record (it may hold NUL octets) */
  gboolean org_record;  /* the record is the organisational domain's */
  gboolean policy_from_sp; /* policy is the org record's sp= */
  gboolean strict_spf;  /* aspf=s */
  /* private */
  gpointer lookup;      /* the lookup in flight, or NULL */
  guint base_findings;  /* findings about the From field (kept on re-lookup) */
} DksDmarc;

/* Frees; accepts NULL.  Safe while a lookup is in flight: its done is
 * then never called. */
void dks_dmarc_free(DksDmarc *dmarc);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksDmarc, dks_dmarc_free)

/* Reads the From domain and its organisational domain.  Caller frees. */
DksDmarc *dks_dmarc_new(const DksMessage *msg);

/* Added: the same for a domain given directly (e.g. a command-line check
 * or a test); NULL or an invalid name gives a DksDmarc with a problem.
 * Caller frees. */
DksDmarc *dks_dmarc_new_for_domain(const char *from_domain);

/* Looks the policy up (the From domain's record, then the organisational
 * domain's, RFC 7489 §6.6.3) and calls done once, on the main context
 * (the thread-default context at this call; the resolver's for answers),
 * never from inside this call.  Without a From domain nothing is asked
 * (status NO_DOMAIN).  One lookup at a time; a second lookup later (e.g.
 * with a fresh resolver) starts over.  done may free dmarc.  Freeing the
 * resolver or dmarc with the lookup in flight means done never runs:
 * cancelled(user_data) runs instead (may be NULL; it must not call the
 * resolver), so user_data can be owned by the lookup. */
typedef void (*DksDmarcDone)(DksDmarc *dmarc, gpointer user_data);
void dks_dmarc_lookup(DksDmarc *dmarc, DksResolver *resolver, DksDmarcDone done,
                      gpointer user_data, GDestroyNotify cancelled);

/* Added: applies one DMARC record (TXT strings joined; NUL octets allowed)
 * found at name: fills record, policy, strict_dkim, strict_spf, pct and
 * status (RECORD or PERMERROR), with findings.  org: the record is the
 * organisational domain's, so sp= (if valid) applies.  Used by the lookup;
 * public for tests. */
void dks_dmarc_set_record(DksDmarc *dmarc, const char *name, const char *text,
                          gsize len, gboolean org);

/* How a signing domain lines up with the From domain under this policy's
 * adkim= (relaxed unless strict_dkim). */
DksAlignment dks_dmarc_alignment(const DksDmarc *dmarc, const char *signing_domain);
const char *dks_alignment_name(DksAlignment alignment); /* "none", ... */

/* Added: alignment of two domains without any policy: STRICT when equal
 * (ASCII case-insensitively, a trailing dot ignored), RELAXED when their
 * organisational domains are equal, else NONE (also for NULL). */
DksAlignment dks_domain_alignment(const char *from_domain, const char *signing_domain);

/* Added: "pending", "no-domain", "record", "none", "multiple", "permerror",
 * "temperror".  Static. */
const char *dks_dmarc_status_name(DksDmarcStatus status);

/* Organisational domain of any domain (libpsl), lower case.  Caller frees.
 * A public suffix itself ("co.uk", "com") is its own organisational
 * domain.  NULL for NULL, "", an IP address or a domain literal. */
char *dks_org_domain(const char *domain);

/* Added: the domain of the single address in a From field value (raw
 * octets after the colon, folds included): display names, quoted strings,
 * comments, angle brackets, groups (RFC 5322 §3.4, RFC 6854).  Lower
 * case; IDN (UTF-8 or A-labels) left as is.  NULL when there is not
 * exactly one address with a valid domain; *problem (if non-NULL) then
 * says why, citing the rule; caller frees both.  Lesser issues (an
 * unclosed quote) go to findings, if non-NULL. */
char *dks_from_domain(const char *value, gsize len, GPtrArray *findings, char **problem);
