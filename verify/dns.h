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
  DKS_RESOLVER_RECURSIVE,  /* --recursive: libunbound iterates from the root
                              itself, bypassing any local cache */
} DksResolverMode;

typedef struct {
  DksResolverMode mode;
  char *forward_addr;     /* FORWARD: "127.0.0.1" or "::1" */
  guint forward_port;     /* FORWARD: 53 when 0 */
  GPtrArray *zone_files;  /* ZONES: char* paths, "NAME=PATH" allowed; without
                             NAME the zone is the owner of the file's first SOA
                             or its first $ORIGIN */
  guint timeout_ms;       /* per lookup; 5000 when 0 */
  char *trust_anchor;     /* DNSSEC trust anchor file (DS/DNSKEY RRs or
                             unbound-anchor's file).  An explicit file: every
                             mode validates with it.  "none": no validation
                             in any mode.  NULL: the default anchor
                             (default_anchor) when that file exists and no
                             root_server is set — RECURSIVE and the
                             authoritative cross-check validate with it;
                             SYSTEM and FORWARD validate with it only when
                             the path to the resolver carries DNSSEC
                             records, which a check tells (probe_name's
                             DNSKEY asked through a validating context,
                             started with the first lookup, in parallel
                             with it; the same question sent straight to
                             a lone resolver can tell "no" at once, when
                             its reply lacks the signatures); where it
                             does not, they report the
                             resolver's AD bit and say why in
                             DksDnsAnswer.dnssec_note.  Without the file
                             nothing validates in those modes. */
  char *root_server;      /* RECURSIVE and the authoritative cross-check:
                             iterate from this server ("ADDR[@PORT]") instead
                             of the Internet's root servers (private roots,
                             tests); NULL for the real root */
  char *default_anchor;   /* for tests and packagers: the anchor file used
                             when trust_anchor is NULL; NULL means
                             DKS_ROOT_TRUST_ANCHOR */
  char *probe_name;       /* for tests and packagers: the name whose DNSKEY
                             SYSTEM and FORWARD ask to check that the
                             resolver passes DNSSEC records; it must be
                             signed under default_anchor.  NULL means "."
                             (the root's DNSKEY, for the root's anchor) */
} DksResolverConfig;

/* Debian's dns-root-data package installs the root zone's trust anchor here. */
#define DKS_ROOT_TRUST_ANCHOR "/usr/share/dns/root.key"

typedef enum {
  DKS_DNS_ANSWER = 0,   /* NOERROR with TXT data at the end of the chain */
  DKS_DNS_NXDOMAIN,     /* the name (or the chain's target) does not exist */
  DKS_DNS_NODATA,       /* the name exists, no TXT record */
  DKS_DNS_SERVFAIL,     /* also when DNSSEC validation failed (dnssec BOGUS;
                           rcode and records then stay as the server sent them) */
  DKS_DNS_REFUSED,
  DKS_DNS_TIMEOUT,      /* no answer within timeout_ms */
  DKS_DNS_ERROR,        /* resolver error (network, setup, other rcode) */
  DKS_DNS_CNAME_LOOP,   /* chain loops or is longer than DKS_MAX_CNAME_HOPS
                           (libunbound says SERVFAIL for a loop: the chain is
                           then walked hop by hop to name it) */
} DksDnsOutcome;

typedef enum {
  DKS_DNSSEC_INSECURE = 0, /* not signed (normal) */
  DKS_DNSSEC_SECURE,
  DKS_DNSSEC_BOGUS,
  DKS_DNSSEC_UNCHECKED,    /* not validated: no trust anchor, or (with
                              dnssec_note) the resolver's path does not
                              carry DNSSEC, or validation was too slow */
} DksDnssec;

typedef struct {
  char *qname;            /* as queried, no trailing dot */
  DksDnsOutcome outcome;
  int rcode;              /* -1 when there was no response */
  GPtrArray *cname_chain; /* DksCnameHop* */
  GPtrArray *txt;         /* DksTxtRecord* at the end of the chain */
  DksDnssec dnssec;
  char *why_bogus;        /* libunbound's text, or NULL */
  char *dnssec_note;      /* SYSTEM and FORWARD with the default anchor:
                             why this answer was not validated although an
                             anchor is installed (dnssec is UNCHECKED): "the
                             resolver does not pass DNSSEC records (...), so
                             answers could not be validated", or the check or
                             the validation did not finish within timeout_ms.
                             NULL otherwise.  For the user, as it is. */
  gboolean resolver_ad;   /* the resolver set the AD bit: it says it
                             validated the answer (meaningful only when we
                             did not validate ourselves, dnssec UNCHECKED;
                             SYSTEM and FORWARD then ask the resolver once
                             more, in parallel, for it, as libunbound drops
                             the upstream bit) */
  gboolean has_negative_ttl;
  guint32 negative_ttl;   /* NXDOMAIN/NODATA: how long a resolver may cache
                             the negative answer, min(SOA TTL, SOA MINIMUM)
                             (RFC 2308 §5); from a caching resolver the SOA
                             TTL has counted down, so this is the time left */
  char *dig_command;      /* a dig command line that asks the same question
                             of the same server, or NULL (offline zones) */
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
/* A deep copy (the TXT strings' GBytes are shared: they are immutable);
 * NULL for NULL.  Caller frees. */
DksDnsAnswer *dks_dns_answer_copy(const DksDnsAnswer *answer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksDnsAnswer, dks_dns_answer_free)

const char *dks_dns_outcome_name(DksDnsOutcome outcome); /* "nxdomain", ... */
const char *dks_dnssec_name(DksDnssec dnssec);           /* "insecure", ... */

typedef struct DksResolver DksResolver;

/* Creates a resolver.  Fails with a GError (G_IO_ERROR domain: unreadable
 * zone file, zone name not found, a zone libunbound cannot load — each zone
 * is probed for its SOA here —, bad address, libunbound setup): a program
 * error for tui/ to print; the message names the file and the fix.
 * Sends nothing and never waits for the network: the SYSTEM/FORWARD DNSSEC
 * path check (see trust_anchor) starts with the first lookup.
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

/* The same, and when the resolver is freed before the callback ran,
 * cancelled(user_data) is called instead (from inside dks_resolver_free:
 * it may free user_data, and must not call the resolver).  So exactly one
 * of callback and cancelled runs, and user_data can be owned by the
 * lookup. */
void dks_resolver_lookup_txt_full(DksResolver *resolver, const char *qname,
                                  DksDnsCallback callback, gpointer user_data,
                                  GDestroyNotify cancelled);

/* Number of lookups whose callback has not run yet. */
guint dks_resolver_pending(const DksResolver *resolver);

/* A resolver asks each name once: a lookup of a name asked before gets a
 * copy of that answer (failures and time-outs included), and one made
 * while it is still awaited gets it when it comes; both are delivered like
 * any answer, later on the main context, and keep the first answer's
 * elapsed_us.  Up to DKS_MAX_SHARED_ANSWERS names are kept; past that,
 * new names are asked every time.  A fresh resolver starts with none.
 * This counts the questions sent to libunbound so far (each chain-walk
 * step and the DNSSEC twin of a lookup count too): for tests and
 * benchmarks. */
guint dks_resolver_questions(const DksResolver *resolver);

/* Human description of the mode ("offline zones: demo.zone"). Static to the
 * resolver. */
const char *dks_resolver_describe(const DksResolver *resolver);

/* A new resolver with the same configuration and an empty cache: for the
 * "I have just published it" re-check.  Caller frees. */
DksResolver *dks_resolver_new_fresh(const DksResolver *like, GError **error);

/* Asks the authoritative servers directly, bypassing every cache: a lookup
 * through a fresh recursive context that iterates from the root (or from
 * the configured root_server), without the resolver's forwarders.  For
 * comparing a cached negative answer with the truth.  FALSE (and no
 * callback) when the mode cannot do it: offline zones, or no network path;
 * also RECURSIVE mode, whose lookups already ask those servers.  The
 * context is made on the first call and kept for the next ones.
 * Otherwise exactly one callback, or cancelled (may be NULL), as for
 * dks_resolver_lookup_txt_full. */
gboolean dks_resolver_lookup_authoritative(DksResolver *resolver, const char *qname,
                                           DksDnsCallback callback,
                                           gpointer user_data,
                                           GDestroyNotify cancelled);

/* The mode this resolver was made with. */
DksResolverMode dks_resolver_mode(const DksResolver *resolver);

/* Cancels lookups in flight (their callbacks are not called; their
 * cancelled notifies are) and frees. */
void dks_resolver_free(DksResolver *resolver);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksResolver, dks_resolver_free)
