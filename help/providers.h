/* providers.h — what we know about the platforms that sign mail for
 * others, kept as data (providers.c) so it is easy to extend.  Recognised
 * from the CNAME target first (certain), the signing domain second, the
 * selector last (a hint only). */
#pragma once
#include <glib.h>
#include "verify/pipeline.h"

typedef enum {
  DKS_PROVIDER_MATCH_NONE = 0,
  DKS_PROVIDER_MATCH_SELECTOR, /* selector name only: a hint */
  DKS_PROVIDER_MATCH_DOMAIN,   /* d= under the provider's own domain */
  DKS_PROVIDER_MATCH_CNAME,    /* the key name is a CNAME into the provider */
} DksProviderMatch;

/* Where the public key lives once DKIM is set up for a customer domain. */
typedef enum {
  DKS_KEY_HOSTING_UNKNOWN = 0,
  DKS_KEY_HOSTING_CNAME, /* the customer's DNS holds CNAMEs; the provider
                            publishes (and rotates) the key at the target */
  DKS_KEY_HOSTING_TXT,   /* the provider generates the key; the customer's
                            DNS admin publishes it as a TXT record */
} DksKeyHosting;

typedef struct {
  const char *id;                /* "microsoft365", "google", "amazonses", ... */
  const char *name;              /* "Microsoft 365" */
  const char *const *cname_suffixes;   /* NULL-terminated; matched against
                                          every CNAME target (lower case) */
  const char *const *domain_suffixes;  /* NULL-terminated; d= under these */
  const char *const *selectors;        /* NULL-terminated; exact selector
                                          names (glob '*' allowed) */
  const char *enable_where;      /* where the sender's admin turns DKIM on /
                                    finds the records (portal, setting), in
                                    words, %s for the domain; never holds a
                                    command (those go in *_command) */
  const char *dns_records;       /* what the DNS admin publishes, in words,
                                    with %s for the domain where useful */
  /* Added with guidance.c; all may be NULL. */
  DksKeyHosting hosting;
  const char *admin;             /* who acts at the provider, in words:
                                    "the Microsoft 365 administrator" */
  const char *enable_command;    /* a command line that turns signing on,
                                    %s for the domain */
  const char *rotate_where;      /* where keys are rotated or re-generated,
                                    %s for the domain */
  const char *rotate_command;    /* a command line that rotates the keys */
  const char *check_command;     /* a command that shows the records the
                                    provider expects, %s for the domain */
} DksProvider;

/* The best match for this signature (NULL when none), and how it matched.
 * Looks at every CNAME hop of the key's answer, of the authoritative
 * answer and of the sibling selector's answer, then at d=, then at s=.
 * how may be NULL. */
const DksProvider *dks_provider_detect(const DksSigRun *sr, DksProviderMatch *how);

/* Every known provider, NULL-terminated (for tests and docs). */
const DksProvider *const *dks_providers_all(void);

/* The provider with this id, or NULL. */
const DksProvider *dks_provider_by_id(const char *id);

/* TRUE when name (a DNS name, any case, trailing dot allowed) equals one
 * of the NULL-terminated suffixes or lies under one of them. */
gboolean dks_name_under_any(const char *name, const char *const *suffixes);

/* A provider text (dns_records, rotate_where, check_command) with every
 * "%s" replaced by domain (no printf: the table is data).  NULL when text
 * is NULL.  Caller frees. */
char *dks_provider_text(const char *text, const char *domain);

/* Microsoft 365's expected CNAME targets for a domain and selector:
 * "selector1-<domain-dashed>._domainkey.<tenant>.onmicrosoft.com" needs the
 * tenant, so this returns the part before the tenant
 * ("selector1-contoso-com._domainkey.") — caller frees.  NULL when selector
 * or domain is NULL or empty.  Microsoft derives <domain-dashed> itself;
 * for names that already hold a hyphen the real value may differ, so a
 * mismatch is only a strong hint there. */
char *dks_m365_expected_target_prefix(const char *selector, const char *domain);

/* The tenant part of a Microsoft 365 CNAME target: "contoso" for
 * "selector1-x._domainkey.contoso.onmicrosoft.com" and for
 * "selector1-x._domainkey.contoso.n-v1.dkim.mail.microsoft"; NULL when the
 * target has neither shape.  Caller frees. */
char *dks_m365_tenant(const char *target);

/* TRUE when target is the older "<...>._domainkey.<tenant>.onmicrosoft.com"
 * shape, in which both selectors share the tenant zone. */
gboolean dks_m365_target_is_initial_domain(const char *target);
