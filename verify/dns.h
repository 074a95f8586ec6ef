/* dns.h — key lookups through libunbound, asynchronous on a GLib main
 * context.  ub_result is copied into DksDnsAnswer and freed at once; nothing
 * else in the program sees libunbound. */
#pragma once
#include <glib.h>
#include "parse/dnswire.h"

typedef enum {
  DKS_RESOLVER_SYSTEM = 0, /* /etc/resolv.conf (default) */
  DKS_RESOLVER_FORWARD,    /* --resolver ADDR[@PORT] */
  DKS_RESOLVER_ZONES,      /* --dns-zone FILE...: offline, nothing sent */
} DksResolverMode;

typedef struct {
  DksResolverMode mode;
  char *forward_addr;     /* FORWARD: "127.0.0.1" or "::1" */
  guint forward_port;     /* FORWARD: 53 when 0 */
  GPtrArray *zone_files;  /* ZONES: char* paths, "NAME=PATH" allowed; without
                             NAME the zone is the owner of the file's first SOA
                             or its first $ORIGIN */
  guint timeout_ms;       /* per lookup; 5000 when 0 */
  char *trust_anchor;     /* file for DNSSEC validation, or NULL (issue 3) */
} DksResolverConfig;

typedef enum {
  DKS_DNS_ANSWER = 0,   /* NOERROR with TXT data at the end of the chain */
  DKS_DNS_NXDOMAIN,     /* the name (or the chain's target) does not exist */
  DKS_DNS_NODATA,       /* the name exists, no TXT record */
  DKS_DNS_SERVFAIL,     /* also when DNSSEC validation failed (dnssec BOGUS;
                           rcode and records then stay as the server sent them) */
  DKS_DNS_REFUSED,
  DKS_DNS_TIMEOUT,      /* no answer within timeout_ms */
  DKS_DNS_ERROR,        /* resolver error (network, setup, other rcode) */
  DKS_DNS_CNAME_LOOP,   /* chain loops or is longer than DKS_MAX_CNAME_HOPS */
} DksDnsOutcome;

typedef enum {
  DKS_DNSSEC_INSECURE = 0, /* not signed (normal) */
  DKS_DNSSEC_SECURE,
  DKS_DNSSEC_BOGUS,
  DKS_DNSSEC_UNCHECKED,    /* no trust anchor configured */
} DksDnssec;

typedef struct {
  char *qname;            /* as queried, no trailing dot */
  DksDnsOutcome outcome;
  int rcode;              /* -1 when there was no response */
  GPtrArray *cname_chain; /* DksCnameHop* */
  GPtrArray *txt;         /* DksTxtRecord* at the end of the chain */
  DksDnssec dnssec;
  char *why_bogus;        /* libunbound's text, or NULL */
  gsize answer_size;      /* octets of the response packet, 0 when none */
  gint64 elapsed_us;
  char *resolver;         /* dks_resolver_describe(): "system resolver (10.0.0.1)",
                             "resolver 127.0.0.1@5353", "offline zones: demo.zone" */
  gboolean outside_zones; /* ZONES mode: the name (or the chain's target) is
                             under no loaded zone: NXDOMAIN from the synthetic
                             root.  Never set when a loaded zone is the root. */
  char *error;            /* resolver error text, or NULL */
} DksDnsAnswer;

void dks_dns_answer_free(DksDnsAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksDnsAnswer, dks_dns_answer_free)

const char *dks_dns_outcome_name(DksDnsOutcome outcome); /* "nxdomain", ... */
const char *dks_dnssec_name(DksDnssec dnssec);           /* "insecure", ... */

typedef struct DksResolver DksResolver;

/* Creates a resolver.  Fails with a GError (G_IO_ERROR domain: unreadable
 * zone file, zone name not found, a zone libunbound cannot load — each zone
 * is probed for its SOA here —, bad address, libunbound setup): a program
 * error for tui/ to print; the message names the file and the fix.
 * Caller frees with dks_resolver_free. */
DksResolver *dks_resolver_new(const DksResolverConfig *config, GError **error);

/* Called on the resolver's main context when a lookup ends; the callback
 * owns answer.  It may start lookups and may free the resolver (the
 * remaining callbacks are then not called). */
typedef void (*DksDnsCallback)(DksDnsAnswer *answer, gpointer user_data);

/* Starts an asynchronous TXT lookup of qname; callback runs later on the
 * main context given to dks_resolver_new's caller (the thread-default one at
 * creation time), never from inside this call.  Exactly one callback per
 * lookup: an invalid qname or a libunbound failure also arrives there, as
 * DKS_DNS_ERROR. */
void dks_resolver_lookup_txt(DksResolver *resolver, const char *qname,
                             DksDnsCallback callback, gpointer user_data);

/* Number of lookups whose callback has not run yet. */
guint dks_resolver_pending(const DksResolver *resolver);

/* Human description of the mode ("offline zones: demo.zone"). Static to the
 * resolver. */
const char *dks_resolver_describe(const DksResolver *resolver);

/* Cancels lookups in flight (their callbacks are not called) and frees. */
void dks_resolver_free(DksResolver *resolver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksResolver, dks_resolver_free)
