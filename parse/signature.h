/* signature.h — one DKIM-Signature field parsed tag by tag
 * (RFC 6376 §3.5), with every finding kept for the walkthrough. */
#pragma once
#include <glib.h>
#include "parse/message.h"
#include "parse/tags.h"

typedef enum {
  DKS_ALG_UNKNOWN = 0,
  DKS_ALG_RSA_SHA1,
  DKS_ALG_RSA_SHA256,
  DKS_ALG_ED25519_SHA256,
} DksAlgorithm;

typedef enum { DKS_CANON_SIMPLE = 0, DKS_CANON_RELAXED } DksCanon;

/* Why a signature cannot be evaluated, decided while parsing (§6.1.1).
 * verify/ maps each to a reason; the first problem found in this order wins:
 * SYNTAX, ALGORITHM, DOMAIN (i= outside d=), FROM (From not in h=). */
typedef enum {
  DKS_SIG_OK = 0,
  DKS_SIG_SYNTAX,          /* tag-list error, missing/bad required tag, v!=1,
                              unknown c=, no dns/txt in q=, x < t */
  DKS_SIG_ALGORITHM,       /* a= well-formed but not one we know */
  DKS_SIG_DOMAIN_MISMATCH, /* i= domain not d= or a subdomain of it */
  DKS_SIG_FROM_NOT_SIGNED, /* "from" missing from h= */
} DksSigProblem;

typedef struct {
  guint index;          /* 0-based among DKIM-Signature fields, top first */
  guint header_index;   /* index of the field in msg->headers */
  DksTagList *tags;     /* raw tag-list (values as written); its offsets
                           count from the first octet of the field value,
                           i.e. from dks_header_value() of header_index */
  GPtrArray *findings;  /* DksFinding*: tag-list findings + semantic ones */
  DksSigProblem problem;
  /* Each problem on its own, so every step can be judged even when an
   * earlier problem decides the verdict (`problem` holds only the first). */
  gboolean algorithm_unknown;       /* DKS_SIG_ALGORITHM */
  gboolean identity_outside_domain; /* DKS_SIG_DOMAIN_MISMATCH */
  gboolean from_not_signed;         /* DKS_SIG_FROM_NOT_SIGNED */

  char *version;        /* v= (as written) or NULL */
  char *algorithm_name; /* a= as written, or NULL */
  DksAlgorithm algorithm;
  DksCanon header_canon, body_canon;
  char *domain;         /* d=, as written (compare case-insensitively) */
  char *selector;       /* s= */
  char *identity;       /* i= after DKIM-Quoted-Printable decoding; "@" + d=
                           when i= is absent; NULL when i= is not valid
                           DKIM-Quoted-Printable or i= and d= are absent */
  gboolean identity_defaulted; /* i= absent: "@" + d= */
  GPtrArray *signed_headers;   /* char*: h= names in order, as written */
  GBytes *b;            /* b= decoded, or NULL */
  GBytes *bh;           /* bh= decoded, or NULL */
  char *b_text;         /* b= value as written (FWS kept) */
  char *bh_text;
  gboolean has_length;  guint64 length;     /* l= */
  gboolean has_timestamp; gint64 timestamp; /* t= */
  gboolean has_expiry;  gint64 expiry;      /* x= */
  char *query_methods;  /* q= as written, or NULL (default dns/txt) */
  GPtrArray *copied_headers; /* char*: z= entries decoded ("Name:value"), or NULL */
} DksSignature;

/* Parses the DKIM-Signature field at header index header_index.  Never
 * returns NULL for a real field: problems become findings and `problem`.
 * sig_index is its position among DKIM-Signature fields.
 * Caller frees with dks_signature_free. */
DksSignature *dks_signature_parse(const DksMessage *msg, guint header_index,
                                  guint sig_index);

/* A stand-in signature for a selector checked with no message (a lookup,
 * as web DKIM tools do): only d= and s= are set, lower-cased, with a
 * trailing dot on the domain dropped; no b=, no h=, algorithm unknown,
 * identity NULL.  NULL and *why (a static reason naming what is wrong)
 * when the two do not form a key name "<s>._domainkey.<d>" (see
 * dks_dns_name_problem).  Caller frees with dks_signature_free. */
DksSignature *dks_signature_new_for_key(const char *selector, const char *domain,
                                        const char **why);

/* Every DKIM-Signature field of msg, in header order, capped at
 * DKS_MAX_SIGNATURES (a finding is added to msg->findings when cut).
 * Returns a GPtrArray of DksSignature* that frees its elements. */
GPtrArray *dks_signatures_parse_all(DksMessage *msg);

void dks_signature_free(DksSignature *sig);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksSignature, dks_signature_free)

/* The DNS name to query: "<s>._domainkey.<d>", or NULL when s= or d= is
 * missing or the result is not a valid domain name (too long, empty label,
 * octets outside letters/digits/hyphen/underscore/dot).  Caller frees. */
char *dks_signature_key_name(const DksSignature *sig);

/* Checks a DNS name (or a selector) in text form as key names need it:
 * labels of letters, digits, '-' or '_', 1 to 63 octets each, 253 octets in
 * all, no empty label.  NULL when fine, else a static reason. */
const char *dks_dns_name_problem(const char *name, gsize len);

const char *dks_algorithm_name(DksAlgorithm alg); /* "rsa-sha256", ... */
const char *dks_canon_name(DksCanon canon);       /* "simple"/"relaxed" */
