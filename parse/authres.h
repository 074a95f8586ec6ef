/* authres.h — Authentication-Results (RFC 8601) and ARC-Authentication-
 * Results (RFC 8617) already in the message: what the receiving servers
 * concluded, to show beside the live result. */
#pragma once
#include <glib.h>
#include "parse/message.h"

typedef struct {
  char *method;        /* "dkim", "spf", "dmarc", "arc", ... (lower case) */
  char *result;        /* "pass", "fail", "neutral", ... (lower case) */
  char *reason;        /* reason="..." text, or NULL */
  GPtrArray *props;    /* char*: "header.d=example.com" as written, in order
                          (CFWS around '.' and '=' dropped, a quoted value
                          kept with its quotes; a non-standard "key=value"
                          such as Microsoft's "action=none" is kept too) */
  /* Convenience copies of the DKIM properties, NULL when absent. */
  char *header_d, *header_s, *header_i, *header_b, *header_a;
  char *comment;       /* the first comment after the result, e.g.
                          "(invalid public key)" without parentheses */
  /* Added: more convenience copies (first occurrence, quotes removed). */
  char *method_version;/* "1" of "dkim/1=pass", or NULL */
  char *header_from;   /* dmarc's header.from, or NULL */
  char *smtp_mailfrom; /* spf's smtp.mailfrom, or NULL */
} DksAuthResult;

typedef struct {
  guint header_index;  /* in msg->headers */
  gboolean arc;        /* ARC-Authentication-Results */
  guint arc_instance;  /* i= of an ARC set, 0 otherwise */
  char *authserv_id;   /* the server that wrote it */
  GPtrArray *results;  /* DksAuthResult* */
  GPtrArray *findings; /* DksFinding*: syntax problems (never fatal) */
  guint version;       /* authres-version after the authserv-id, 0 when none
                          (an unknown version is an ERROR finding: RFC 8601
                          §2.2 says to ignore such a field) */
  gboolean no_result;  /* "; none": the server evaluated nothing */
} DksAuthResults;

/* Caps of this parser (local to authres.c, not parse/limits.h): */
#define DKS_AUTHRES_MAX_FIELDS   64u  /* fields parsed per message */
#define DKS_AUTHRES_MAX_RESULTS  64u  /* resinfos kept per field */
#define DKS_AUTHRES_MAX_PROPS    32u  /* properties kept per resinfo */
#define DKS_AUTHRES_MAX_FINDINGS 32u  /* findings per field (then one more
                                         saying how many were left out) */

/* Every Authentication-Results and ARC-Authentication-Results field, top
 * (newest) first, capped (DKS_AUTHRES_MAX_FIELDS; the last field kept gets
 * a finding when more were left out).  Never fails: a field that does not
 * parse keeps its findings and whatever was read.  Caller unrefs. */
GPtrArray *dks_authres_parse_all(const DksMessage *msg);

/* Parses one field value (the octets after the colon, folds included; NUL
 * and 8-bit octets allowed).  arc: the value begins with the "i=N;" of an
 * ARC-Authentication-Results.  header_index is left 0.  Never fails.
 * Caller frees with dks_authres_free. */
DksAuthResults *dks_authres_parse(const char *value, gsize len, gboolean arc);

/* The first result of that method (lower case, e.g. "dkim") whose header.d
 * equals domain (ASCII case-insensitively; any header.d when domain is
 * NULL), or NULL.  Points into ar. */
const DksAuthResult *dks_authres_find(const DksAuthResults *ar, const char *method,
                                      const char *domain);

void dks_authres_free(DksAuthResults *ar);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksAuthResults, dks_authres_free)
