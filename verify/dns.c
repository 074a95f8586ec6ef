/* dns.c — TXT lookups through libunbound, asynchronous on a GLib main
 * context.  The only file that includes <unbound.h>.
 *
 * Life of a lookup: dks_resolver_lookup_txt() hands the name to
 * ub_resolve_async() and arms a GLib timeout.  libunbound resolves in its
 * own thread and signals on ub_fd(), which a GLib fd source watches; when
 * it is readable ub_process() runs our result callback, which copies the
 * ub_result into a DksDnsAnswer and frees it at once.  The finished lookup
 * then waits in a queue that an idle source on the same context empties by
 * calling the user's callbacks — so a callback never runs inside
 * dks_resolver_lookup_txt(), nor inside libunbound, and may itself start
 * lookups or free the resolver.
 *
 * A SERVFAIL is often a CNAME loop, which libunbound reports as a bare
 * SERVFAIL.  The lookup then stays in flight and walks the chain itself,
 * one CNAME query per hop, until a name repeats (a loop), the chain is too
 * long, or it ends (a real SERVFAIL); the lookup's one timeout covers the
 * walk too.
 *
 * A resolver owns one libunbound context for its mode, and for the
 * authoritative cross-check a second one, made on first use, that iterates
 * from the root itself: no forwarder, no shared cache.
 *
 * When we do not validate, a SYSTEM or FORWARD lookup also sends its
 * question straight to the resolver, with AD set, to read the resolver's
 * AD bit (see RawProbe): libunbound's own answer packet never carries it.
 *
 * SYSTEM and FORWARD with the default (root) anchor validate only through a
 * resolver that passes DNSSEC records: through one that strips RRSIG,
 * DNSKEY or DS, or has no EDNS, libunbound would call every answer bogus, a
 * false alarm that reads as an attack.  So the resolver gets a second,
 * validating context (the validator), and with the first lookup a check
 * (PathCheck) asks it for the probe name's DNSKEY: secure means the path
 * carries DNSSEC.  While the check runs every lookup asks both contexts at
 * once (Query, twin); its answer is then the validated one or the plain
 * one, which says why in dnssec_note.  Once the check has spoken, lookups
 * ask only the context it chose.  Through a path without DNSSEC the
 * validator takes several round trips to give up (it asks again, and
 * signals its key tags), so the check also sends its question straight to
 * the resolver: a reply that lacks the signatures settles it at once
 * (path_raw_shortfall); one that has them leaves it to the validator.
 *
 * Offline mode (--dns-zone) loads the user's zone files with libunbound's
 * own auth-zone support (no zone parser of ours), plus a synthetic root zone
 * whose SOA names a marker server: every name outside the loaded zones then
 * gets an instant NXDOMAIN we can recognise, and every upstream address is
 * on the do-not-query list, so nothing is ever sent to the network. */
#include "verify/dns.h"
#include "parse/limits.h"
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <unbound.h>

enum { RR_TYPE_CNAME = 5, RR_TYPE_SOA = 6, RR_TYPE_TXT = 16, RR_TYPE_DNSKEY = 48,
       RR_CLASS_IN = 1 };
enum { RCODE_NOERROR = 0, RCODE_FORMERR = 1, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3,
       RCODE_REFUSED = 5 };

#define DEFAULT_TIMEOUT_MS 5000u
#define DEFAULT_DNS_PORT 53u
/* The synthetic root zone's SOA MNAME: seeing it in a negative answer
 * means "this name is under none of the zones you loaded". */
#define OUTSIDE_MARKER "no-zone-loaded.dkimscope.invalid"
#define MAX_DESCRIBED_SERVERS 4u
#define MAX_LOG_EXCERPT 2000u
#define ZONE_SCAN_LINE_BYTES 8192 /* a zone file line read for its name */
#define MAX_TRUST_ANCHOR_BYTES (1024 * 1024) /* the root's anchor is < 1 KiB */
#define TRUST_ANCHOR_NONE "none"
#define ITERATING_FROM_ROOT "authoritative servers (iterating from the root)"
#define PROBE_EDNS_SIZE 1232u   /* RFC 9715's advice: no IP fragments */
#define PROBE_RESEND_MS 1000u   /* UDP may be lost: ask again after this */
#define PROBE_MAX_SENDS 3u
#define PROBE_REPLY_BYTES 4096u /* more than PROBE_EDNS_SIZE offered */

typedef struct {
  char *name;    /* canonical (dnswire.h), "." for the root */
  char *path;    /* absolute */
  char *display; /* the file's base name, for messages */
} ZoneSpec;

typedef struct Lookup Lookup;

/* One libunbound context and the fd source that watches it.  Each question
 * runs on one backend; an answer says which one it came from. */
typedef struct {
  DksResolver *resolver;
  struct ub_ctx *ctx;
  GSource *fd_source;  /* watches ub_fd() */
  gboolean validating; /* a trust anchor is loaded */
  gboolean marks_outside; /* ZONES with the synthetic root zone */
  char *description;   /* dks_resolver_describe(), DksDnsAnswer.resolver */
  gboolean has_dig;    /* FALSE offline: no server to ask */
  char *dig_options;   /* after "dig +dnssec +multi": "", " +trace" */
  char *dig_server;    /* after the name: "", " @127.0.0.1 -p 5353" */
  char *start_error;   /* the authoritative context could not start: why */
  GSocketAddress *ad_server; /* the resolver asked for its AD bit, or NULL */
  gboolean one_server; /* ad_server is the only resolver libunbound asks */
} Backend;

/* A lookup's question to one backend, and the CNAME walk that may follow
 * it (see walk_start). */
typedef struct {
  Lookup *lookup;
  Backend *backend;     /* NULL: not asked */
  int async_id;
  gboolean ub_pending;  /* async_id is libunbound's, not yet answered */
  gboolean done;        /* libunbound has said its last word, walk included */
  DksDnsAnswer *answer; /* set once done; while walking, the SERVFAIL
                           answer the walk completes */
  char *walk_name;      /* walking: the name whose CNAME is being asked */
} Query;

/* Whether the path to a SYSTEM or FORWARD resolver carries DNSSEC. */
typedef enum {
  PATH_UNASKED = 0, /* no lookup yet, so no check */
  PATH_CHECKING,
  PATH_SECURE,      /* the probe name's DNSKEY validated through it */
  PATH_NOT_SECURE,  /* it did not, or not within timeout_ms: note says */
} PathState;

typedef struct RawProbe RawProbe;

typedef struct {
  PathState state;
  char *name;       /* canonical probe name, "." by default */
  char *what;       /* "the root's DNSKEY", for the notes */
  int async_id;
  gboolean ub_pending;
  GSource *timeout;
  RawProbe *probe;  /* the same question straight to the resolver, or NULL */
  char *note;       /* PATH_NOT_SECURE: the plain answers' dnssec_note */
} PathCheck;

/* A question sent straight to the resolver over UDP, beside libunbound's:
 * resent every PROBE_RESEND_MS, at most PROBE_MAX_SENDS times, and one
 * reply (of at most PROBE_REPLY_BYTES, with the query's ID) read.  Two
 * kinds:
 * - the AD probe.  libunbound builds its answer packet itself and sets AD
 *   only from its own validation, so a forwarder's AD bit never comes
 *   through it.  When we do not validate, a lookup's question goes once
 *   more straight to the resolver, with AD set in the query (RFC 6840
 *   §5.7), and only the header of its reply is kept.
 * - the path check's own question (see path_raw_shortfall). */
/* The probe has stopped: reply holds len octets with the query's ID, or
 * is NULL when none came (every send unanswered, the port refused).  It
 * may free the probe. */
typedef void (*RawProbeDone)(RawProbe *probe, const guint8 *reply, gsize len);

struct RawProbe {
  GSocket *socket;
  GSource *readable;
  GSource *resend;
  GBytes *query;
  guint16 id;
  guint sends;
  gboolean done;       /* replied, or gave up */
  gboolean ad;         /* the AD probe: the reply had AD set */
  RawProbeDone on_done; /* not called when the probe could not start */
  gpointer owner;      /* the Lookup, or for the path check the DksResolver */
};

/* One question asked once per resolver: the first lookup of a name asks,
 * lookups of the same name meanwhile wait for its answer, and later ones
 * get a copy of it at once.  Failures are kept too, so a folder of mail
 * from one broken domain costs one time-out, not one per message; a fresh
 * resolver (dks_resolver_new_fresh, the re-check) starts empty. */
typedef struct {
  DksDnsAnswer *answer; /* NULL while the first lookup is in flight */
  GPtrArray *waiters;   /* Lookup*: asked meanwhile, end with the first */
} Shared;

struct DksResolver {
  DksResolverConfig config; /* deep copy: new_fresh, the authoritative context */
  Backend main;
  Backend *validator;       /* SYSTEM, FORWARD with the default anchor: the
                               same resolver through a validating context */
  PathCheck path;           /* with a validator: may it be used? */
  Backend *authoritative;   /* made on the first authoritative lookup */
  char *root_addr;          /* config.root_server's address, or NULL */
  guint root_port;
  gboolean root_on_loopback;
  GMainContext *main_context;
  GSource *deliver_source; /* idle that runs finished lookups' callbacks */
  GHashTable *in_flight;   /* Lookup*: waiting for libunbound */
  GQueue finished;         /* Lookup*: answered, callback not yet run */
  guint timeout_ms;
  GArray *memfds;          /* int: ZONES: in-memory files libunbound reads
                              by name (the generated config, root zone) */
  char *tmpdir;            /* ZONES, where the system has no in-memory
                              files: a folder for them instead */
  FILE *log;               /* ZONES: libunbound's log, read for errors */
  GHashTable *shared;      /* canonical qname -> Shared*: key, DMARC and
                              probe lookups */
  GHashTable *shared_authoritative; /* the same for the authoritative
                                       servers' answers */
  guint questions;         /* asked of libunbound (dks_resolver_questions) */
  gboolean delivering;     /* inside the callbacks' loop */
  gboolean free_requested; /* dks_resolver_free was called from a callback */
};

struct Lookup {
  DksResolver *resolver;
  char *qname;
  DksDnsCallback callback;
  gpointer user_data;
  GDestroyNotify cancelled; /* instead of callback when the resolver goes */
  GHashTable *shared_in;    /* the resolver's table this lookup shares
                               answers through, or NULL */
  Shared *leads;            /* this lookup asks for the waiters of leads */
  gboolean waits;           /* this lookup waits for another one's answer
                               (in_flight, but asks nothing itself) */
  gint64 started_us;
  GSource *timeout_source;
  Query query;          /* on the lookup's backend */
  Query twin;           /* while the path check runs: the same question to
                           the validator (backend NULL otherwise) */
  RawProbe *probe;      /* asking for the resolver's AD bit, or NULL */
  DksDnsAnswer *answer; /* set once finished: what the callback gets */
};

/* ---------------------------------------------------------------- answers */

void dks_dns_answer_free(DksDnsAnswer *answer)
{
  if (!answer)
    return;
  g_free(answer->qname);
  g_clear_pointer(&answer->cname_chain, g_ptr_array_unref);
  g_clear_pointer(&answer->txt, g_ptr_array_unref);
  g_free(answer->why_bogus);
  g_free(answer->dnssec_note);
  g_free(answer->dig_command);
  g_free(answer->resolver);
  g_free(answer->error);
  g_free(answer);
}

static gpointer cname_hop_copy(gconstpointer data, gpointer unused)
{
  (void) unused;
  const DksCnameHop *hop = data;
  DksCnameHop *copy = g_new0(DksCnameHop, 1);
  copy->owner = g_strdup(hop->owner);
  copy->target = g_strdup(hop->target);
  copy->ttl = hop->ttl;
  return copy;
}

/* The strings are immutable GBytes: the copy shares them. */
static gpointer txt_record_copy(gconstpointer data, gpointer unused)
{
  (void) unused;
  const DksTxtRecord *txt = data;
  DksTxtRecord *copy = g_new0(DksTxtRecord, 1);
  copy->owner = g_strdup(txt->owner);
  copy->ttl = txt->ttl;
  copy->strings = g_ptr_array_new_full(txt->strings->len, (GDestroyNotify) g_bytes_unref);
  for (guint i = 0; i < txt->strings->len; i++)
    g_ptr_array_add(copy->strings, g_bytes_ref(g_ptr_array_index(txt->strings, i)));
  copy->joined = txt->joined ? g_bytes_ref(txt->joined) : NULL;
  return copy;
}

DksDnsAnswer *dks_dns_answer_copy(const DksDnsAnswer *answer)
{
  if (!answer)
    return NULL;
  DksDnsAnswer *copy = g_new0(DksDnsAnswer, 1);
  *copy = *answer;
  copy->qname = g_strdup(answer->qname);
  copy->cname_chain = answer->cname_chain
      ? g_ptr_array_copy(answer->cname_chain, cname_hop_copy, NULL) : NULL;
  if (copy->cname_chain)
    g_ptr_array_set_free_func(copy->cname_chain, (GDestroyNotify) dks_cname_hop_free);
  copy->txt = answer->txt
      ? g_ptr_array_copy(answer->txt, txt_record_copy, NULL) : NULL;
  if (copy->txt)
    g_ptr_array_set_free_func(copy->txt, (GDestroyNotify) dks_txt_record_free);
  copy->why_bogus = g_strdup(answer->why_bogus);
  copy->dnssec_note = g_strdup(answer->dnssec_note);
  copy->dig_command = g_strdup(answer->dig_command);
  copy->resolver = g_strdup(answer->resolver);
  copy->error = g_strdup(answer->error);
  return copy;
}

const char *dks_dns_outcome_name(DksDnsOutcome outcome)
{
  switch (outcome) {
  case DKS_DNS_ANSWER: return "answer";
  case DKS_DNS_NXDOMAIN: return "nxdomain";
  case DKS_DNS_NODATA: return "nodata";
  case DKS_DNS_SERVFAIL: return "servfail";
  case DKS_DNS_REFUSED: return "refused";
  case DKS_DNS_TIMEOUT: return "timeout";
  case DKS_DNS_ERROR: return "error";
  case DKS_DNS_CNAME_LOOP: return "cname-loop";
  }
  return "unknown";
}

const char *dks_dnssec_name(DksDnssec dnssec)
{
  switch (dnssec) {
  case DKS_DNSSEC_INSECURE: return "insecure";
  case DKS_DNSSEC_SECURE: return "secure";
  case DKS_DNSSEC_BOGUS: return "bogus";
  case DKS_DNSSEC_UNCHECKED: return "unchecked";
  }
  return "unknown";
}

/* A name is safe for a shell word when it holds only hostname characters;
 * anything else (the \DDD escapes of hostile names included) is quoted. */
static gboolean name_is_shell_safe(const char *name)
{
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '.' && *p != '-' && *p != '_')
      return FALSE;
  return *name != '\0' && *name != '-';
}

/* The dig command line that asks the backend's question, or NULL offline. */
static char *dig_command(const Backend *backend, const char *qname)
{
  if (!backend->has_dig)
    return NULL;
  g_autofree char *word = name_is_shell_safe(qname) ? g_strdup(qname) : g_shell_quote(qname);
  return g_strdup_printf("dig +dnssec +multi%s TXT %s%s", backend->dig_options, word,
                         backend->dig_server);
}

/* An answer from backend with no response yet: rcode -1, empty chain and
 * TXT list. */
static DksDnsAnswer *answer_new(const Lookup *lookup, const Backend *backend)
{
  DksDnsAnswer *answer = g_new0(DksDnsAnswer, 1);
  answer->qname = g_strdup(lookup->qname);
  answer->rcode = -1;
  answer->cname_chain = g_ptr_array_new_with_free_func((GDestroyNotify) dks_cname_hop_free);
  answer->txt = g_ptr_array_new_with_free_func((GDestroyNotify) dks_txt_record_free);
  answer->dnssec = backend->validating ? DKS_DNSSEC_INSECURE : DKS_DNSSEC_UNCHECKED;
  answer->resolver = g_strdup(backend->description);
  answer->dig_command = dig_command(backend, lookup->qname);
  answer->elapsed_us = g_get_monotonic_time() - lookup->started_us;
  return answer;
}

static DksDnsAnswer *answer_new_failed(const Lookup *lookup, const Backend *backend,
                                       DksDnsOutcome outcome, const char *error)
{
  DksDnsAnswer *answer = answer_new(lookup, backend);
  answer->outcome = outcome;
  answer->error = g_strdup(error);
  return answer;
}

static DksDnsOutcome outcome_for_rcode(int rcode, gboolean chain_broken, guint txt_count)
{
  switch (rcode) {
  case RCODE_NOERROR:
    if (chain_broken)
      return DKS_DNS_CNAME_LOOP;
    return txt_count > 0 ? DKS_DNS_ANSWER : DKS_DNS_NODATA;
  case RCODE_NXDOMAIN: return DKS_DNS_NXDOMAIN;
  case RCODE_SERVFAIL: return DKS_DNS_SERVFAIL;
  case RCODE_REFUSED: return DKS_DNS_REFUSED;
  default: return DKS_DNS_ERROR;
  }
}

static void answer_take_packet(const Backend *backend, DksDnsAnswer *answer,
                               DksDnsPacket *pkt)
{
  /* swap, so the packet's arrays move into the answer without copying */
  GPtrArray *tmp = answer->cname_chain;
  answer->cname_chain = pkt->cname_chain;
  pkt->cname_chain = tmp;
  tmp = answer->txt;
  answer->txt = pkt->txt;
  pkt->txt = tmp;
  answer->resolver_ad = pkt->authentic_data;
  if (backend->marks_outside && pkt->soa_mname &&
      strcmp(pkt->soa_mname, OUTSIDE_MARKER) == 0)
    answer->outside_zones = TRUE;
}

/* RFC 2308 §5: a negative answer may be cached for the smaller of the SOA
 * record's TTL and its MINIMUM field. */
static void answer_set_negative_ttl(DksDnsAnswer *answer, const DksDnsPacket *pkt)
{
  if (!pkt->soa_owner ||
      (answer->outcome != DKS_DNS_NXDOMAIN && answer->outcome != DKS_DNS_NODATA))
    return;
  answer->has_negative_ttl = TRUE;
  answer->negative_ttl = MIN(pkt->soa_ttl, pkt->soa_minimum);
}

/* Copies what the pipeline needs out of a ub_result (which the caller frees
 * right after): rcode, DNSSEC status, and from the answer packet the CNAME
 * chain, the TXT records at its end, the AD bit, the negative TTL and
 * whether the name is outside the loaded zones. */
static void answer_fill(const Backend *backend, DksDnsAnswer *answer,
                        const struct ub_result *result)
{
  answer->rcode = result->rcode;
  if (backend->validating) {
    if (result->secure)
      answer->dnssec = DKS_DNSSEC_SECURE;
    else if (result->bogus)
      answer->dnssec = DKS_DNSSEC_BOGUS;
  }
  if (result->why_bogus)
    answer->why_bogus = g_strdup(result->why_bogus);

  g_autoptr(DksDnsPacket) pkt = NULL;
  if (result->answer_packet && result->answer_len > 0) {
    answer->answer_size = (gsize) result->answer_len;
    g_autoptr(GError) error = NULL;
    pkt = dks_dns_packet_parse(result->answer_packet, (gsize) result->answer_len,
                               answer->qname, &error);
    if (!pkt) {
      answer->outcome = DKS_DNS_ERROR;
      answer->error = g_strdup(error->message);
      return;
    }
    answer_take_packet(backend, answer, pkt);
  } else if (result->rcode == RCODE_NOERROR) {
    answer->outcome = DKS_DNS_ERROR;
    answer->error = g_strdup("libunbound reported NOERROR without an answer packet");
    return;
  }

  gboolean chain_broken = pkt && (pkt->cname_loop || pkt->cname_too_long);
  answer->outcome = outcome_for_rcode(result->rcode, chain_broken, answer->txt->len);
  if (result->bogus) /* data that failed validation must not be used */
    answer->outcome = DKS_DNS_SERVFAIL;
  if (pkt)
    answer_set_negative_ttl(answer, pkt);
  /* A true "no such record" carries the zone's SOA (RFC 2308 §2.2).  An
   * empty NOERROR without one is a referral or a lame server (e.g. an
   * authoritative-only server asked as a resolver): no verdict on the key. */
  if (answer->outcome == DKS_DNS_NODATA && pkt && pkt->soa_owner == NULL &&
      answer->cname_chain->len == 0) {
    answer->outcome = DKS_DNS_ERROR;
    answer->error = g_strdup("the server sent neither the record nor the zone's "
                             "SOA: a referral, or a server that does not resolve "
                             "(is it a recursive resolver?)");
    return;
  }
  if (answer->outcome == DKS_DNS_ERROR)
    answer->error = g_strdup_printf("unexpected response code %d (%s)", result->rcode,
                                    dks_dns_rcode_name(result->rcode));
}

/* ---------------------------------------------------------------- lookups */

static void destroy_source(GSource **source)
{
  if (!*source)
    return;
  g_source_destroy(*source);
  g_clear_pointer(source, g_source_unref);
}

/* Stops asking: no more sends, no more reading; the result stays. */
static void probe_stop(RawProbe *probe)
{
  probe->done = TRUE;
  destroy_source(&probe->readable);
  destroy_source(&probe->resend);
  if (probe->socket)
    (void) g_socket_close(probe->socket, NULL);
  g_clear_object(&probe->socket);
}

static void probe_free(RawProbe *probe)
{
  if (!probe)
    return;
  probe_stop(probe);
  g_clear_pointer(&probe->query, g_bytes_unref);
  g_free(probe);
}

/* Cancels the libunbound question a query waits for, if any.  After a
 * successful cancel libunbound never calls on_ub_result for it. */
static void query_cancel(Query *query)
{
  if (query->ub_pending && query->backend && query->backend->ctx)
    (void) ub_cancel(query->backend->ctx, query->async_id);
  query->ub_pending = FALSE;
}

static void query_clear(Query *query)
{
  g_clear_pointer(&query->answer, dks_dns_answer_free);
  g_clear_pointer(&query->walk_name, g_free);
}

static void lookup_free(Lookup *lookup)
{
  if (!lookup)
    return;
  destroy_source(&lookup->timeout_source);
  probe_free(lookup->probe);
  query_clear(&lookup->query);
  query_clear(&lookup->twin);
  dks_dns_answer_free(lookup->answer);
  g_free(lookup->qname);
  g_free(lookup);
}

static gboolean deliver_finished(gpointer data);

static void schedule_delivery(DksResolver *resolver)
{
  if (resolver->deliver_source)
    return;
  resolver->deliver_source = g_idle_source_new();
  g_source_set_priority(resolver->deliver_source, G_PRIORITY_DEFAULT);
  g_source_set_callback(resolver->deliver_source, deliver_finished, resolver, NULL);
  g_source_set_static_name(resolver->deliver_source, "dkimscope dns delivery");
  g_source_attach(resolver->deliver_source, resolver->main_context);
}

/* Queues a finished lookup's answer (owned) for delivery. */
static void lookup_enqueue(Lookup *lookup, DksDnsAnswer *answer)
{
  DksResolver *resolver = lookup->resolver;
  g_hash_table_remove(resolver->in_flight, lookup);
  if (lookup->answer != answer)
    dks_dns_answer_free(lookup->answer);
  lookup->answer = answer;
  g_queue_push_tail(&resolver->finished, lookup);
  schedule_delivery(resolver);
}

/* The asking lookup has its answer: the run keeps it, and every lookup
 * that waited for it gets a copy, in the order they were asked. */
static void shared_settle(Shared *shared, const DksDnsAnswer *answer)
{
  shared->answer = dks_dns_answer_copy(answer);
  for (guint i = 0; i < shared->waiters->len; i++) {
    Lookup *waiter = g_ptr_array_index(shared->waiters, i);
    waiter->waits = FALSE;
    lookup_enqueue(waiter, dks_dns_answer_copy(answer));
  }
  g_ptr_array_set_size(shared->waiters, 0);
}

static void shared_free(Shared *shared)
{
  dks_dns_answer_free(shared->answer);
  g_ptr_array_unref(shared->waiters); /* the lookups are in_flight's */
  g_free(shared);
}

/* Answers lookup from the run's answers when its question was asked
 * before (TRUE: it is answered, or waits for the answer), or makes it the
 * one that asks (FALSE).  A copy keeps the time the first answer took:
 * that is how long DNS took to answer the question. */
static gboolean lookup_join_shared(Lookup *lookup)
{
  GHashTable *table = lookup->shared_in;
  if (!table)
    return FALSE;
  Shared *shared = g_hash_table_lookup(table, lookup->qname);
  if (shared && shared->answer) {
    lookup_enqueue(lookup, dks_dns_answer_copy(shared->answer));
    return TRUE;
  }
  if (shared) {
    lookup->waits = TRUE;
    g_ptr_array_add(shared->waiters, lookup);
    g_hash_table_add(lookup->resolver->in_flight, lookup);
    return TRUE;
  }
  if (g_hash_table_size(table) >= DKS_MAX_SHARED_ANSWERS)
    return FALSE; /* asked anew, and not kept */
  shared = g_new0(Shared, 1);
  shared->waiters = g_ptr_array_new();
  g_hash_table_insert(table, g_strdup(lookup->qname), shared);
  lookup->leads = shared;
  return FALSE;
}

/* Ends a lookup with answer (owned; it may be one a query holds): it
 * leaves the in-flight set, stops asking, and waits for delivery. */
static void lookup_finish(Lookup *lookup, DksDnsAnswer *answer)
{
  DksResolver *resolver = lookup->resolver;
  g_hash_table_remove(resolver->in_flight, lookup);
  destroy_source(&lookup->timeout_source);
  g_clear_pointer(&lookup->probe, probe_free);
  Query *queries[] = { &lookup->query, &lookup->twin };
  for (guint i = 0; i < G_N_ELEMENTS(queries); i++) {
    query_cancel(queries[i]);
    if (queries[i]->answer == answer)
      queries[i]->answer = NULL;
    query_clear(queries[i]);
  }
  answer->elapsed_us = g_get_monotonic_time() - lookup->started_us;
  if (lookup->leads) {
    shared_settle(lookup->leads, answer);
    lookup->leads = NULL;
  }
  lookup_enqueue(lookup, answer);
}

/* The note for an answer from backend: set when the resolver has a
 * validator that the path check ruled out, and the answer is the plain
 * context's. */
static const char *path_note(const DksResolver *resolver, const Backend *backend)
{
  if (backend != &resolver->main || !resolver->validator ||
      resolver->path.state != PATH_NOT_SECURE)
    return NULL;
  return resolver->path.note;
}

/* "The check did not finish in time": for a lookup whose own timeout came
 * first, and for the check's timeout itself. */
static char *path_late_note(const DksResolver *resolver)
{
  return g_strdup_printf("the resolver did not answer the DNSSEC check (%s) within %u ms, "
                         "so answers could not be validated", resolver->path.what,
                         resolver->timeout_ms);
}

/* Ends a lookup with what one of its queries holds, the AD bit its probe
 * saw (for the plain context's answer) and note, or the path check's note
 * when note is NULL. */
static void lookup_deliver(Lookup *lookup, Query *from, const char *note)
{
  DksDnsAnswer *answer = g_steal_pointer(&from->answer);
  if (from == &lookup->query && lookup->probe)
    answer->resolver_ad = lookup->probe->ad;
  if (!note)
    note = path_note(lookup->resolver, from->backend);
  g_free(answer->dnssec_note);
  answer->dnssec_note = g_strdup(note);
  lookup_finish(lookup, answer);
}

/* The query whose answer the lookup delivers, or NULL while the path check
 * has not said whether that is the validator's or the plain one. */
static Query *lookup_pick(Lookup *lookup)
{
  if (!lookup->twin.backend)
    return &lookup->query;
  switch (lookup->resolver->path.state) {
  case PATH_SECURE: return &lookup->twin;
  case PATH_NOT_SECURE: return &lookup->query;
  case PATH_UNASKED:
  case PATH_CHECKING: break;
  }
  return NULL;
}

/* Ends the lookup when everything its answer needs is in: the picked
 * query's answer, and for the plain one the AD probe's reply. */
static void lookup_try_finish(Lookup *lookup)
{
  Query *pick = lookup_pick(lookup);
  if (!pick || !pick->done)
    return;
  if (pick == &lookup->query && lookup->probe && !lookup->probe->done)
    return; /* on_probe_readable, on_probe_resend or the timeout ends it */
  lookup_deliver(lookup, pick, NULL);
}

/* libunbound has said its last word on the query (the chain walk
 * included). */
static void query_answered(Query *query, DksDnsAnswer *answer)
{
  if (query->answer != answer)
    dks_dns_answer_free(query->answer);
  query->answer = answer;
  g_clear_pointer(&query->walk_name, g_free);
  query->done = TRUE;
  lookup_try_finish(query->lookup);
}

/* Ends a query whose chain walk holds the answer. */
static void query_finish_walk(Query *query)
{
  query_answered(query, query->answer);
}

static void resolver_destroy(DksResolver *resolver);

static gboolean deliver_finished(gpointer data)
{
  DksResolver *resolver = data;
  resolver->delivering = TRUE;
  Lookup *lookup;
  while (!resolver->free_requested && (lookup = g_queue_pop_head(&resolver->finished))) {
    DksDnsAnswer *answer = g_steal_pointer(&lookup->answer);
    DksDnsCallback callback = lookup->callback;
    gpointer user_data = lookup->user_data;
    lookup_free(lookup);
    callback(answer, user_data);
  }
  resolver->delivering = FALSE;
  if (resolver->free_requested) {
    resolver_destroy(resolver); /* also destroys this source */
    return G_SOURCE_REMOVE;
  }
  g_clear_pointer(&resolver->deliver_source, g_source_unref);
  return G_SOURCE_REMOVE;
}

static void on_ub_result(void *data, int err, struct ub_result *result);

/* Asks libunbound for (name, type) on the query's backend; FALSE with the
 * reason in *why when it refuses. */
static gboolean query_ask(Query *query, const char *name, int rrtype, char **why)
{
  int err = ub_resolve_async(query->backend->ctx, name, rrtype, RR_CLASS_IN, query,
                             on_ub_result, &query->async_id);
  query->lookup->resolver->questions++;
  if (err != 0) {
    *why = g_strdup_printf("libunbound: %s", ub_strerror(err));
    return FALSE;
  }
  query->ub_pending = TRUE;
  return TRUE;
}

/* TRUE when name is already in the chain (the query name or a hop's
 * owner): following it again would go round forever. */
static gboolean chain_has_name(const DksDnsAnswer *answer, const char *name)
{
  if (strcmp(answer->qname, name) == 0)
    return TRUE;
  for (guint i = 0; i < answer->cname_chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(answer->cname_chain, i);
    if (strcmp(hop->owner, name) == 0)
      return TRUE;
  }
  return FALSE;
}

/* Asks for the CNAME of the chain's current end; FALSE when that cannot
 * even be asked (the walk then ends with what it has). */
static gboolean walk_ask(Query *query)
{
  g_autofree char *why = NULL;
  return query_ask(query, query->walk_name, RR_TYPE_CNAME, &why);
}

/* libunbound's SERVFAIL may hide a CNAME loop: start walking the chain
 * from its last known name.  FALSE when no walk could start. */
static gboolean walk_start(Query *query, DksDnsAnswer *answer)
{
  const GPtrArray *chain = answer->cname_chain;
  const char *from = chain->len > 0
      ? ((const DksCnameHop *) g_ptr_array_index(chain, chain->len - 1))->target
      : answer->qname;
  query->answer = answer;
  query->walk_name = g_strdup(from);
  if (walk_ask(query))
    return TRUE;
  query->answer = NULL;
  g_clear_pointer(&query->walk_name, g_free);
  return FALSE;
}

/* The CNAME of walk_name, copied out of a CNAME query's result, or NULL
 * when there is none (the chain ends here, or the query failed too). */
static DksCnameHop *walk_hop(const Query *query, const struct ub_result *result)
{
  if (!result || result->rcode != RCODE_NOERROR || !result->answer_packet ||
      result->answer_len <= 0)
    return NULL;
  g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(result->answer_packet,
                                                     (gsize) result->answer_len,
                                                     query->walk_name, NULL);
  if (!pkt || pkt->cname_chain->len == 0)
    return NULL;
  const DksCnameHop *first = g_ptr_array_index(pkt->cname_chain, 0);
  DksCnameHop *hop = g_new0(DksCnameHop, 1);
  hop->owner = g_strdup(first->owner);
  hop->target = g_strdup(first->target);
  hop->ttl = first->ttl;
  return hop;
}

/* One step of the walk: a hop that comes back to a name already seen is a
 * loop, one past DKS_MAX_CNAME_HOPS a chain too long (both CNAME_LOOP);
 * no hop at all means the chain ends and the SERVFAIL was real. */
static void walk_step(Query *query, const struct ub_result *result)
{
  DksDnsAnswer *answer = query->answer;
  DksCnameHop *hop = walk_hop(query, result);
  if (!hop) {
    query_finish_walk(query);
    return;
  }
  if (answer->cname_chain->len >= DKS_MAX_CNAME_HOPS) {
    dks_cname_hop_free(hop);
    answer->outcome = DKS_DNS_CNAME_LOOP;
    query_finish_walk(query);
    return;
  }
  gboolean loops = chain_has_name(answer, hop->target);
  g_free(query->walk_name);
  query->walk_name = g_strdup(hop->target);
  g_ptr_array_add(answer->cname_chain, hop);
  if (loops) {
    answer->outcome = DKS_DNS_CNAME_LOOP;
    query_finish_walk(query);
    return;
  }
  if (!walk_ask(query))
    query_finish_walk(query);
}

static gboolean worth_walking(const DksDnsAnswer *answer)
{
  return answer->outcome == DKS_DNS_SERVFAIL && answer->rcode == RCODE_SERVFAIL &&
         answer->dnssec != DKS_DNSSEC_BOGUS;
}

/* libunbound's callback, run from ub_process() on the main context. */
static void on_ub_result(void *data, int err, struct ub_result *result)
{
  Query *query = data;
  query->ub_pending = FALSE;
  if (query->walk_name) {
    walk_step(query, err == 0 ? result : NULL);
    ub_resolve_free(result);
    return;
  }
  DksDnsAnswer *answer = answer_new(query->lookup, query->backend);
  if (err != 0) {
    answer->outcome = DKS_DNS_ERROR;
    answer->error = g_strdup_printf("libunbound: %s", ub_strerror(err));
  } else if (result) {
    answer_fill(query->backend, answer, result);
  } else {
    answer->outcome = DKS_DNS_ERROR;
    answer->error = g_strdup("libunbound returned no result");
  }
  ub_resolve_free(result);
  if (worth_walking(answer) && walk_start(query, answer))
    return;
  query_answered(query, answer);
}

static gboolean on_lookup_timeout(gpointer data)
{
  Lookup *lookup = data;
  DksResolver *resolver = lookup->resolver;
  g_clear_pointer(&lookup->timeout_source, g_source_unref);
  query_cancel(&lookup->query);
  query_cancel(&lookup->twin);
  Query *pick = lookup_pick(lookup);
  if (pick && pick->answer) {
    /* libunbound answered: a chain walk or the AD probe is cut short (the
     * SERVFAIL was an answer; the walk only adds what it has learnt) */
    lookup_deliver(lookup, pick, NULL);
    return G_SOURCE_REMOVE;
  }
  if (pick != &lookup->query && lookup->query.answer) {
    /* the validator is late, or the path check is: the resolver's own
     * answer, not validated, and why */
    g_autofree char *note = pick
        ? g_strdup_printf("DNSSEC validation did not finish within %u ms, so this answer "
                          "(the resolver's own) could not be validated", resolver->timeout_ms)
        : path_late_note(resolver);
    lookup_deliver(lookup, &lookup->query, note);
    return G_SOURCE_REMOVE;
  }
  g_autofree char *text = g_strdup_printf("no answer within %u ms", resolver->timeout_ms);
  DksDnsAnswer *answer = answer_new_failed(lookup, lookup->query.backend, DKS_DNS_TIMEOUT,
                                           text);
  answer->dnssec_note = g_strdup(path_note(resolver, lookup->query.backend));
  lookup_finish(lookup, answer);
  return G_SOURCE_REMOVE;
}

/* ------------------------------------------------- the DNSSEC path check */

static RawProbe *probe_new(GSocketAddress *server, GMainContext *context, const char *qname,
                           guint16 qtype, guint16 flags, guint16 edns_flags,
                           RawProbeDone on_done, gpointer owner);

/* The check has spoken (note: owned, for PATH_NOT_SECURE): it stops
 * asking, and the lookups that waited for it end when their chosen answer
 * is in. */
static void path_settle(DksResolver *resolver, PathState state, char *note)
{
  PathCheck *path = &resolver->path;
  path->state = state;
  g_free(path->note);
  path->note = note;
  destroy_source(&path->timeout);
  if (path->ub_pending)
    (void) ub_cancel(resolver->validator->ctx, path->async_id);
  path->ub_pending = FALSE;
  g_clear_pointer(&path->probe, probe_free); /* may be the caller's: see on_done */
  GList *lookups = g_hash_table_get_keys(resolver->in_flight);
  for (GList *l = lookups; l; l = l->next) {
    Lookup *lookup = l->data;
    if (!lookup->twin.backend)
      continue;
    if (state == PATH_NOT_SECURE)
      query_cancel(&lookup->twin); /* its answer will not be used */
    lookup_try_finish(lookup);
  }
  g_list_free(lookups);
}

/* The check could not be made: libunbound failed (why). */
static char *path_error_note(const PathCheck *path, const char *why)
{
  return g_strdup_printf("the DNSSEC check of the resolver (asking it for %s) failed: %s, "
                         "so answers could not be validated", path->what, why);
}

/* Why the probe name's DNSKEY did not come back secure. */
static char *path_failure_note(const PathCheck *path, int err,
                               const struct ub_result *result)
{
  if (err != 0 || !result) {
    g_autofree char *why = g_strdup_printf("libunbound: %s",
                                           err != 0 ? ub_strerror(err) : "no result");
    return path_error_note(path, why);
  }
  g_autofree char *why = NULL;
  if (result->why_bogus)
    why = g_strdup_printf("libunbound says: %s", result->why_bogus);
  else if (result->rcode != RCODE_NOERROR)
    why = g_strdup_printf("the resolver answered %s", dks_dns_rcode_name(result->rcode));
  else if (!result->havedata)
    why = g_strdup("no DNSKEY came back");
  else
    why = g_strdup("the DNSKEY came back unsigned");
  return g_strdup_printf("the resolver does not pass DNSSEC records (%s did not validate "
                         "through it), so answers could not be validated; %s", path->what,
                         why);
}

static void on_path_result(void *data, int err, struct ub_result *result)
{
  DksResolver *resolver = data;
  resolver->path.ub_pending = FALSE;
  gboolean secure = err == 0 && result && result->secure;
  char *note = secure ? NULL : path_failure_note(&resolver->path, err, result);
  ub_resolve_free(result);
  path_settle(resolver, secure ? PATH_SECURE : PATH_NOT_SECURE, note);
}

/* A check that does not answer in time counts as a path without DNSSEC. */
static gboolean on_path_timeout(gpointer data)
{
  DksResolver *resolver = data;
  g_clear_pointer(&resolver->path.timeout, g_source_unref); /* removed by returning */
  path_settle(resolver, PATH_NOT_SECURE, path_late_note(resolver));
  return G_SOURCE_REMOVE;
}

/* Why the resolver's own reply to the check's question shows that the
 * validator cannot get what it needs through it, or NULL when it does not
 * show that (the validator then decides, as without the reply).
 *
 * The question is the validator's: the probe name's DNSKEY with RD, CD
 * (RFC 4035 §3.2.2: hand on data that fails validation; libunbound sets
 * it too) and EDNS with DO (§4.1: what a validating resolver sends;
 * RFC 3225 §3).  To validate, libunbound needs the DNSKEY RRset and an
 * RRSIG over it made with the key the anchor names (§5).  A
 * security-aware recursive server asked with DO passes those RRSIGs on
 * (§3.2.1), and one without room for an RRSIG sets TC rather than leave it
 * out (§3.1.1).  So:
 * - NOERROR, not truncated, and no RRSIG covering the name's DNSKEY
 *   (whether or not DNSKEYs came): the path strips the signatures, or the
 *   name is not signed there at all.  Not secure.
 * - No OPT record in a NOERROR or FORMERR reply: the resolver did not take
 *   EDNS (RFC 6891 §7: FORMERR and no OPT is how a server without EDNS
 *   answers), and without EDNS there is no DO bit to ask for DNSSEC
 *   records.  Not secure.
 * - Anything else leaves it open: a truncated reply (over TCP the
 *   signatures may come), SERVFAIL or REFUSED (perhaps passing: the
 *   validator asks again), a reply to another question, and a signed
 *   DNSKEY RRset (only validation tells whether it is good).
 * Whether DO is echoed (RFC 3225 §3) is not looked at: the records decide,
 * for the validator too.
 * A spoofed reply can at worst make the answers unchecked, with the note,
 * as a spoofed reply to the validator's own question can already. */
static char *path_raw_shortfall(const PathCheck *path, const DksDnsPacket *pkt)
{
  if (pkt->truncated)
    return NULL;
  gboolean about_dnskey = pkt->question_type == RR_TYPE_DNSKEY;
  if (pkt->rcode == RCODE_FORMERR && !pkt->has_edns && (about_dnskey || !pkt->question_type))
    return g_strdup("it answered FORMERR to a query with EDNS, which DNSSEC records need");
  if (pkt->rcode != RCODE_NOERROR || !about_dnskey || pkt->dnskey_rrsig_count > 0)
    return NULL;
  if (!pkt->has_edns)
    return g_strdup_printf("its answer for %s came without EDNS, which DNSSEC records need",
                           path->what);
  if (pkt->dnskey_count == 0)
    return g_strdup_printf("asked for %s, it returned none", path->what);
  return g_strdup_printf("its answer for %s carried no signatures", path->what);
}

/* The check's own question has its reply (or none). */
static void on_path_probe_done(RawProbe *probe, const guint8 *reply, gsize len)
{
  DksResolver *resolver = probe->owner;
  PathCheck *path = &resolver->path;
  if (!reply)
    return; /* the validator or the timeout decides */
  g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(reply, len, path->name, NULL);
  g_autofree char *why = pkt ? path_raw_shortfall(path, pkt) : NULL; /* malformed: ignored */
  if (!why)
    return;
  path_settle(resolver, PATH_NOT_SECURE,
              g_strdup_printf("the resolver does not pass DNSSEC records (%s), so answers "
                              "could not be validated", why)); /* frees the probe */
}

/* Sends the check's question straight to the resolver too, when there is
 * one resolver to ask: libunbound picks among several, and may find the
 * records through one that the probe did not ask. */
static void path_probe_start(DksResolver *resolver)
{
  const Backend *main = &resolver->main;
  if (!main->ad_server || !main->one_server)
    return;
  resolver->path.probe = probe_new(main->ad_server, resolver->main_context, resolver->path.name,
                                   RR_TYPE_DNSKEY, DKS_DNS_FLAG_RD | DKS_DNS_FLAG_CD,
                                   DKS_DNS_EDNS_DO, on_path_probe_done, resolver);
}

/* Asks the validator for the probe name's DNSKEY, once per resolver, with
 * the first lookup (so a resolver that is never used sends nothing). */
static void path_check_start(DksResolver *resolver)
{
  PathCheck *path = &resolver->path;
  path->state = PATH_CHECKING;
  int err = ub_resolve_async(resolver->validator->ctx, path->name, RR_TYPE_DNSKEY,
                             RR_CLASS_IN, resolver, on_path_result, &path->async_id);
  if (err != 0) {
    path_settle(resolver, PATH_NOT_SECURE, path_failure_note(path, err, NULL));
    return;
  }
  path->ub_pending = TRUE;
  path->timeout = g_timeout_source_new(resolver->timeout_ms);
  g_source_set_callback(path->timeout, on_path_timeout, resolver, NULL);
  g_source_set_static_name(path->timeout, "dkimscope dns DNSSEC path check timeout");
  g_source_attach(path->timeout, resolver->main_context);
  path_probe_start(resolver);
}

/* Which contexts a lookup on the resolver's own backend asks, when it has
 * a validator: both while the check runs, then the one the check chose. */
static void lookup_route(Lookup *lookup)
{
  DksResolver *resolver = lookup->resolver;
  if (lookup->query.backend != &resolver->main || !resolver->validator)
    return;
  if (resolver->path.state == PATH_UNASKED)
    path_check_start(resolver);
  switch (resolver->path.state) {
  case PATH_CHECKING:
    lookup->twin.backend = resolver->validator;
    break;
  case PATH_SECURE:
    lookup->query.backend = resolver->validator;
    break;
  case PATH_UNASKED:
  case PATH_NOT_SECURE:
    break;
  }
}

/* ------------------------------------------------- the backends' events */

/* Fails every question in flight on a backend: libunbound's background
 * worker is gone. */
static void fail_in_flight(Backend *backend, const char *why)
{
  DksResolver *resolver = backend->resolver;
  if (backend == resolver->validator && resolver->path.state == PATH_CHECKING) {
    resolver->path.ub_pending = FALSE;
    path_settle(resolver, PATH_NOT_SECURE, path_error_note(&resolver->path, why));
  }
  GList *lookups = g_hash_table_get_keys(resolver->in_flight);
  for (GList *l = lookups; l; l = l->next) {
    Lookup *lookup = l->data;
    if (lookup->waits)
      continue; /* ends with the lookup it waits for */
    Query *queries[] = { &lookup->query, &lookup->twin };
    for (guint i = 0; i < G_N_ELEMENTS(queries); i++) {
      Query *query = queries[i];
      if (!g_hash_table_contains(resolver->in_flight, lookup))
        break; /* the other query's end ended the lookup */
      if (query->backend != backend || query->done)
        continue;
      query_cancel(query);
      /* a SERVFAIL the walk holds stays the answer */
      query_answered(query, query->answer ? query->answer
                                          : answer_new_failed(lookup, backend,
                                                              DKS_DNS_ERROR, why));
    }
  }
  g_list_free(lookups);
}

static gboolean on_ub_readable(gint fd, GIOCondition condition, gpointer data)
{
  (void) fd;
  (void) condition;
  Backend *backend = data;
  int err = ub_process(backend->ctx);
  if (err != 0) {
    g_autofree char *why = g_strdup_printf("libunbound: %s", ub_strerror(err));
    g_clear_pointer(&backend->fd_source, g_source_unref); /* removed by returning */
    fail_in_flight(backend, why);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

static gboolean on_probe_readable(GSocket *socket, GIOCondition condition, gpointer data)
{
  (void) condition;
  RawProbe *probe = data;
  guint8 reply[PROBE_REPLY_BYTES];
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive(socket, (gchar *) reply, sizeof reply, NULL, &error);
  if (n < 0 && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return G_SOURCE_CONTINUE;
  if (n >= 0 && (n < 2 || reply[0] != (probe->id >> 8) || reply[1] != (probe->id & 0xff)))
    return G_SOURCE_CONTINUE; /* not the reply to our query */
  probe_stop(probe); /* a reply, or the resolver refused the port */
  probe->on_done(probe, n > 0 ? reply : NULL, n > 0 ? (gsize) n : 0); /* may free the
                                                                        probe */
  return G_SOURCE_REMOVE;
}

static void probe_send(RawProbe *probe)
{
  gsize len = 0;
  const gchar *data = g_bytes_get_data(probe->query, &len);
  probe->sends++;
  (void) g_socket_send(probe->socket, data, len, NULL, NULL); /* lost: sent again */
}

static gboolean on_probe_resend(gpointer data)
{
  RawProbe *probe = data;
  if (probe->sends < PROBE_MAX_SENDS) {
    probe_send(probe);
    return G_SOURCE_CONTINUE;
  }
  g_clear_pointer(&probe->resend, g_source_unref); /* removed by returning */
  probe_stop(probe);
  probe->on_done(probe, NULL, 0); /* may free the probe */
  return G_SOURCE_REMOVE;
}

/* Sends (qname, qtype) with header flags and EDNS flags to server and
 * watches for the reply on context; on_done(owner's probe) tells.  Any
 * failure to start leaves the probe done, and on_done is not called.
 * Caller frees with probe_free. */
static RawProbe *probe_new(GSocketAddress *server, GMainContext *context, const char *qname,
                           guint16 qtype, guint16 flags, guint16 edns_flags,
                           RawProbeDone on_done, gpointer owner)
{
  RawProbe *probe = g_new0(RawProbe, 1);
  probe->on_done = on_done;
  probe->owner = owner;
  probe->id = (guint16) g_random_int_range(0, 0x10000);
  probe->query = dks_dns_query_new_edns(qname, qtype, probe->id, flags, PROBE_EDNS_SIZE,
                                        edns_flags, NULL);
  probe->socket = g_socket_new(g_socket_address_get_family(server), G_SOCKET_TYPE_DATAGRAM,
                               G_SOCKET_PROTOCOL_UDP, NULL);
  if (!probe->query || !probe->socket || !g_socket_connect(probe->socket, server, NULL, NULL)) {
    probe_stop(probe);
    return probe;
  }
  g_socket_set_blocking(probe->socket, FALSE);
  probe->readable = g_socket_create_source(probe->socket, G_IO_IN, NULL);
  g_source_set_callback(probe->readable, G_SOURCE_FUNC(on_probe_readable), probe, NULL);
  g_source_set_static_name(probe->readable, "dkimscope dns raw probe");
  g_source_attach(probe->readable, context);
  probe->resend = g_timeout_source_new(PROBE_RESEND_MS);
  g_source_set_callback(probe->resend, on_probe_resend, probe, NULL);
  g_source_set_static_name(probe->resend, "dkimscope dns raw probe resend");
  g_source_attach(probe->resend, context);
  probe_send(probe);
  return probe;
}

/* The AD probe's reply (or none): a malformed one vouches for nothing. */
static void on_ad_probe_done(RawProbe *probe, const guint8 *reply, gsize len)
{
  Lookup *lookup = probe->owner;
  if (reply) {
    g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(reply, len, lookup->qname, NULL);
    probe->ad = pkt && pkt->authentic_data;
  }
  lookup_try_finish(lookup); /* may free the probe; nothing after this */
}

/* Sends the AD probe for a lookup when its backend has a resolver to ask;
 * any failure just means no AD bit. */
static void probe_start(Lookup *lookup)
{
  GSocketAddress *server = lookup->query.backend->ad_server;
  if (!server)
    return;
  lookup->probe = probe_new(server, lookup->resolver->main_context, lookup->qname,
                            RR_TYPE_TXT, DKS_DNS_FLAG_RD | DKS_DNS_FLAG_AD, 0,
                            on_ad_probe_done, lookup);
}

static Lookup *lookup_new(DksResolver *resolver, Backend *backend,
                          DksDnsCallback callback, gpointer user_data,
                          GDestroyNotify cancelled)
{
  Lookup *lookup = g_new0(Lookup, 1);
  lookup->resolver = resolver;
  lookup->query.lookup = lookup;
  lookup->query.backend = backend;
  lookup->twin.lookup = lookup;
  lookup->callback = callback;
  lookup->user_data = user_data;
  lookup->cancelled = cancelled;
  lookup->started_us = g_get_monotonic_time();
  return lookup;
}

/* Starts a TXT lookup on a backend (and its twin); any failure to start
 * still ends in exactly one (later) callback. */
static void lookup_start(Lookup *lookup, const char *qname)
{
  DksResolver *resolver = lookup->resolver;
  g_autoptr(GError) error = NULL;
  lookup->qname = dks_dns_name_canonical(qname, &error);
  if (!lookup->qname) {
    lookup->qname = g_strdup(qname);
    lookup_finish(lookup, answer_new_failed(lookup, lookup->query.backend, DKS_DNS_ERROR,
                                            error->message));
    return;
  }
  if (lookup_join_shared(lookup))
    return;
  lookup_route(lookup);
  g_autofree char *why = NULL;
  if (!query_ask(&lookup->query, lookup->qname, RR_TYPE_TXT, &why)) {
    lookup_finish(lookup, answer_new_failed(lookup, lookup->query.backend, DKS_DNS_ERROR,
                                            why));
    return;
  }
  g_hash_table_add(resolver->in_flight, lookup);
  lookup->timeout_source = g_timeout_source_new(resolver->timeout_ms);
  g_source_set_callback(lookup->timeout_source, on_lookup_timeout, lookup, NULL);
  g_source_set_static_name(lookup->timeout_source, "dkimscope dns timeout");
  g_source_attach(lookup->timeout_source, resolver->main_context);
  probe_start(lookup);
  g_autofree char *twin_why = NULL;
  if (lookup->twin.backend && !query_ask(&lookup->twin, lookup->qname, RR_TYPE_TXT, &twin_why))
    query_answered(&lookup->twin, answer_new_failed(lookup, lookup->twin.backend,
                                                    DKS_DNS_ERROR, twin_why));
}

void dks_resolver_lookup_txt_full(DksResolver *resolver, const char *qname,
                                  DksDnsCallback callback, gpointer user_data,
                                  GDestroyNotify cancelled)
{
  g_return_if_fail(resolver != NULL);
  g_return_if_fail(qname != NULL);
  g_return_if_fail(callback != NULL);
  g_return_if_fail(!resolver->free_requested);
  Lookup *lookup = lookup_new(resolver, &resolver->main, callback, user_data, cancelled);
  lookup->shared_in = resolver->shared;
  lookup_start(lookup, qname);
}

void dks_resolver_lookup_txt(DksResolver *resolver, const char *qname,
                             DksDnsCallback callback, gpointer user_data)
{
  dks_resolver_lookup_txt_full(resolver, qname, callback, user_data, NULL);
}

guint dks_resolver_pending(const DksResolver *resolver)
{
  g_return_val_if_fail(resolver != NULL, 0);
  return g_hash_table_size(resolver->in_flight) + resolver->finished.length;
}

guint dks_resolver_questions(const DksResolver *resolver)
{
  g_return_val_if_fail(resolver != NULL, 0);
  return resolver->questions;
}

const char *dks_resolver_describe(const DksResolver *resolver)
{
  g_return_val_if_fail(resolver != NULL, NULL);
  return resolver->main.description;
}

DksResolverMode dks_resolver_mode(const DksResolver *resolver)
{
  g_return_val_if_fail(resolver != NULL, DKS_RESOLVER_SYSTEM);
  return resolver->config.mode;
}

/* ------------------------------------------------------------ zone files */

static void zone_spec_clear(ZoneSpec *zone)
{
  g_clear_pointer(&zone->name, g_free);
  g_clear_pointer(&zone->path, g_free);
  g_clear_pointer(&zone->display, g_free);
}

/* Splits a master-file line into tokens (RFC 1035 §5.1): blanks separate,
 * ';' starts a comment, quotes keep blanks, parentheses only continue the
 * record on the next lines (*depth counts them across lines). */
static GPtrArray *zone_line_tokens(const char *line, int *depth)
{
  GPtrArray *tokens = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GString) token = g_string_new(NULL);
  gboolean in_token = FALSE, quoted = FALSE;
  for (const char *p = line;; p++) {
    char c = *p;
    if (quoted && c != '\0' && c != '\n') {
      if (c == '\\' && p[1] != '\0') {
        g_string_append_c(token, c);
        c = *++p;
      } else if (c == '"') {
        quoted = FALSE;
      }
      g_string_append_c(token, c);
      continue;
    }
    gboolean ends = c == '\0' || c == '\n' || c == ';' || c == ' ' || c == '\t' ||
                    c == '\r' || c == '(' || c == ')';
    if (ends && in_token) {
      g_ptr_array_add(tokens, g_strdup(token->str));
      g_string_truncate(token, 0);
      in_token = FALSE;
    }
    if (c == '\0' || c == '\n' || c == ';')
      break;
    if (c == '(')
      (*depth)++;
    else if (c == ')' && *depth > 0)
      (*depth)--;
    if (ends)
      continue;
    if (c == '"')
      quoted = TRUE;
    if (c == '\\' && p[1] != '\0' && p[1] != '\n') {
      g_string_append_c(token, c);
      c = *++p;
    }
    g_string_append_c(token, c);
    in_token = TRUE;
  }
  return tokens;
}

/* An owner or $ORIGIN argument made absolute (with a trailing dot), or NULL
 * when it is relative and there is no origin yet. */
static char *zone_absolute_name(const char *name, const char *origin)
{
  if (strcmp(name, "@") == 0)
    return g_strdup(origin);
  gsize len = strlen(name);
  if (len == 0)
    return NULL;
  gsize backslashes = 0; /* before the last character: "a\\." ends in a dot */
  while (backslashes < len - 1 && name[len - 2 - backslashes] == '\\')
    backslashes++;
  if (name[len - 1] == '.' && backslashes % 2 == 0)
    return g_strdup(name);
  if (!origin)
    return NULL;
  if (strcmp(origin, ".") == 0)
    return g_strconcat(name, ".", NULL);
  return g_strconcat(name, ".", origin, NULL);
}

static gboolean zone_token_is_ttl_or_class(const char *token)
{
  if (g_ascii_isdigit(token[0]))
    return TRUE; /* a TTL: 3600, 1h30m */
  static const char *const classes[] = { "IN", "CH", "HS", "CS" };
  for (guint i = 0; i < G_N_ELEMENTS(classes); i++)
    if (g_ascii_strcasecmp(token, classes[i]) == 0)
      return TRUE;
  return g_ascii_strncasecmp(token, "CLASS", 5) == 0 && g_ascii_isdigit(token[5]);
}

/* The record type of a line's tokens, after the owner (if written), TTL and
 * class; NULL when the line holds none. */
static const char *zone_record_type(GPtrArray *tokens, guint first)
{
  for (guint i = first; i < tokens->len; i++) {
    const char *token = g_ptr_array_index(tokens, i);
    if (!zone_token_is_ttl_or_class(token))
      return token;
  }
  return NULL;
}

static void skip_rest_of_line(FILE *file)
{
  int c;
  while ((c = getc(file)) != EOF && c != '\n')
    ;
}

/* Finds a zone's name in its master file without parsing the zone (that is
 * libunbound's job): the owner of the first SOA record, made absolute with
 * $ORIGIN, or failing that the first $ORIGIN.  NULL when neither exists. */
static char *zone_name_scan(FILE *file)
{
  char line[ZONE_SCAN_LINE_BYTES];
  g_autofree char *origin = NULL, *first_origin = NULL, *owner = NULL;
  int depth = 0;
  while (fgets(line, sizeof line, file)) {
    if (!strchr(line, '\n'))
      skip_rest_of_line(file); /* only the start of a long line matters here */
    gboolean continued = depth > 0;
    gboolean blank_owner = line[0] == ' ' || line[0] == '\t';
    g_autoptr(GPtrArray) tokens = zone_line_tokens(line, &depth);
    if (continued || tokens->len == 0)
      continue;
    const char *first = g_ptr_array_index(tokens, 0);
    if (first[0] == '$') {
      if (g_ascii_strcasecmp(first, "$ORIGIN") == 0 && tokens->len > 1) {
        char *absolute = zone_absolute_name(g_ptr_array_index(tokens, 1), origin);
        if (absolute) {
          g_free(origin);
          origin = absolute;
          if (!first_origin)
            first_origin = g_strdup(origin);
        }
      }
      continue;
    }
    if (!blank_owner) {
      g_free(owner);
      owner = zone_absolute_name(first, origin);
    }
    const char *type = zone_record_type(tokens, blank_owner ? 0 : 1);
    if (type && g_ascii_strcasecmp(type, "SOA") == 0 && owner)
      return g_steal_pointer(&owner);
  }
  return g_steal_pointer(&first_origin);
}

/* A zone name we are willing to write into unbound's config: hostname
 * characters only (no quote, no blank, no escape). */
static gboolean zone_name_is_plain(const char *name)
{
  if (strcmp(name, ".") == 0)
    return TRUE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

static gboolean zone_path_is_plain(const char *path)
{
  for (const char *p = path; *p; p++)
    if (*p == '"' || (guchar) *p < 0x20 || *p == 0x7f)
      return FALSE;
  return TRUE;
}

/* "NAME=PATH" unless the whole argument is an existing file. */
static void zone_spec_split(const char *arg, char **name, char **path)
{
  const char *eq = strchr(arg, '=');
  if (eq && eq != arg && !g_file_test(arg, G_FILE_TEST_EXISTS) &&
      !memchr(arg, '/', (gsize) (eq - arg))) {
    *name = g_strndup(arg, (gsize) (eq - arg));
    *path = g_strdup(eq + 1);
  } else {
    *name = NULL;
    *path = g_strdup(arg);
  }
}

static gboolean zone_spec_init(ZoneSpec *zone, const char *arg, GError **error)
{
  g_autofree char *given_name = NULL, *path = NULL;
  zone_spec_split(arg, &given_name, &path);
  zone->path = g_canonicalize_filename(path, NULL);
  zone->display = g_path_get_basename(path);

  FILE *file = fopen(zone->path, "r");
  if (!file) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "cannot read zone file %s: %s", path, g_strerror(saved));
    return FALSE;
  }
  if (!g_file_test(zone->path, G_FILE_TEST_IS_REGULAR)) {
    fclose(file);
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                "zone file %s is not a regular file", path);
    return FALSE;
  }
  g_autofree char *found = given_name ? NULL : zone_name_scan(file);
  fclose(file);
  if (!given_name && !found) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "zone file %s: cannot tell which zone it holds (no $ORIGIN and no "
                "SOA record with an absolute owner); add $ORIGIN or pass NAME=PATH",
                path);
    return FALSE;
  }
  g_autoptr(GError) name_error = NULL;
  zone->name = dks_dns_name_canonical(given_name ? given_name : found, &name_error);
  if (!zone->name || !zone_name_is_plain(zone->name)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "zone file %s: '%s' is not a usable zone name (%s); pass NAME=PATH",
                path, given_name ? given_name : found,
                name_error ? name_error->message : "want letters, digits, '-', '_', '.'");
    return FALSE;
  }
  if (!zone_path_is_plain(zone->path)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                "zone file %s: its path holds a quote or control character, which "
                "libunbound's configuration cannot carry; rename or copy it", path);
    return FALSE;
  }
  return TRUE;
}

/* ---------------------------------------------------- resolver creation */

static char *absolute_dns_name(const char *canonical)
{
  return strcmp(canonical, ".") == 0 ? g_strdup(".") : g_strconcat(canonical, ".", NULL);
}

static void config_append_auth_zone(GString *config, const char *name, const char *path)
{
  g_autofree char *absolute = absolute_dns_name(name);
  g_string_append_printf(config,
                         "auth-zone:\n"
                         "    name: \"%s\"\n"
                         "    zonefile: \"%s\"\n"
                         "    for-downstream: no\n"
                         "    for-upstream: yes\n"
                         "    fallback-enabled: no\n",
                         absolute, path);
}

static gboolean write_file(const char *path, const char *text, GError **error)
{
  return g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_NONE, 0600, error);
}

/* Library code never prints: libunbound's log goes to an anonymous file
 * in offline mode (its zone errors end up in our GError) and nowhere
 * otherwise.  (libunbound's log target is process-wide; ub_ctx_delete
 * resets it.) */
static gboolean resolver_setup_log(DksResolver *resolver, GError **error)
{
  if (resolver->config.mode != DKS_RESOLVER_ZONES) {
    ub_ctx_debugout(resolver->main.ctx, NULL);
    return TRUE;
  }
  int fd = memfd_create("dkimscope-libunbound-log", MFD_CLOEXEC);
  resolver->log = fd >= 0 ? fdopen(fd, "w+") : tmpfile();
  if (!resolver->log) {
    int saved = errno;
    if (fd >= 0)
      close(fd);
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "cannot make a file for libunbound's log: %s", g_strerror(saved));
    return FALSE;
  }
  ub_ctx_debugout(resolver->main.ctx, resolver->log);
  return TRUE;
}

/* Writes text where libunbound can open it by name: an in-memory file,
 * named /proc/self/fd/N, or where the system has none, a file in a
 * temporary folder.  A folder of three files, made and removed again,
 * cost about 2.5 ms of every offline start.  Returns the name (caller
 * frees), or NULL and *error. */
static char *resolver_file(DksResolver *resolver, const char *name, const char *text,
                           GError **error)
{
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd >= 0) {
    g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", fd);
    gsize len = strlen(text);
    if (write(fd, text, len) == (gssize) len && g_file_test(path, G_FILE_TEST_EXISTS)) {
      g_array_append_val(resolver->memfds, fd);
      return g_steal_pointer(&path);
    }
    close(fd);
  }
  if (!resolver->tmpdir) {
    resolver->tmpdir = g_dir_make_tmp("dkimscope-zones-XXXXXX", error);
    if (!resolver->tmpdir)
      return NULL;
  }
  char *path = g_build_filename(resolver->tmpdir, name, NULL);
  if (!write_file(path, text, error)) {
    g_free(path);
    return NULL;
  }
  return path;
}

/* The last lines of a libunbound log, its "error: " prefixes dropped and
 * repeated lines once, or NULL when it holds nothing. */
static char *log_text_excerpt(const char *text, gsize len)
{
  if (!text || len == 0)
    return NULL;
  const char *start = len > MAX_LOG_EXCERPT ? text + len - MAX_LOG_EXCERPT : text;
  g_autoptr(GString) excerpt = g_string_new(NULL);
  g_auto(GStrv) lines = g_strsplit(start, "\n", -1);
  for (char **l = lines; *l; l++) {
    /* drop unbound's "[time] libunbound[pid:tid] " prefix */
    const char *msg = strstr(*l, "] error: ");
    msg = msg ? msg + strlen("] error: ") : *l;
    if (*msg == '\0' || strstr(excerpt->str, msg))
      continue; /* libunbound repeats itself on every retry */
    if (excerpt->len > 0)
      g_string_append(excerpt, "; ");
    g_string_append(excerpt, msg);
  }
  return excerpt->len ? g_string_free(g_steal_pointer(&excerpt), FALSE) : NULL;
}

/* The last lines libunbound logged (its zone file errors), or NULL.
 * Read with pread: the log's own position is libunbound's. */
static char *resolver_log_excerpt(DksResolver *resolver)
{
  if (!resolver->log)
    return NULL;
  fflush(resolver->log);
  struct stat st;
  int fd = fileno(resolver->log);
  if (fstat(fd, &st) != 0 || st.st_size <= 0)
    return NULL;
  gsize len = MIN((gsize) st.st_size, (gsize) MAX_LOG_EXCERPT);
  g_autofree char *text = g_malloc(len + 1);
  gssize got = pread(fd, text, len, st.st_size - (off_t) len);
  if (got <= 0)
    return NULL;
  text[got] = '\0';
  return log_text_excerpt(text, (gsize) got);
}

/* Asks for each zone's SOA at once, synchronously: libunbound reads zone
 * files only at the first query, and a file it cannot load would otherwise
 * turn every later lookup into an error far from its cause. */
typedef struct {
  int err;
  int rcode;
  gboolean loaded;
  gboolean done;
} ZoneProbe;

static void on_zone_probe(void *data, int err, struct ub_result *result)
{
  ZoneProbe *probe = data;
  probe->err = err;
  probe->rcode = result ? result->rcode : -1;
  probe->loaded = err == 0 && result && result->rcode == RCODE_NOERROR && result->havedata;
  probe->done = TRUE;
  ub_resolve_free(result);
}

/* Asks each zone for its SOA, which only a zone libunbound loaded has.
 * The questions go to the context's own resolving thread (ub_wait), which
 * the lookups use next: a synchronous ub_resolve would set up (and seed
 * the random generator of) a worker of its own for every zone, about
 * half a millisecond each. */
static gboolean zones_probe(DksResolver *resolver, GArray *zones, GError **error)
{
  g_autofree ZoneProbe *probes = g_new0(ZoneProbe, zones->len);
  for (guint i = 0; i < zones->len; i++) {
    const ZoneSpec *zone = &g_array_index(zones, ZoneSpec, i);
    probes[i].err = ub_resolve_async(resolver->main.ctx, zone->name, RR_TYPE_SOA,
                                     RR_CLASS_IN, &probes[i], on_zone_probe, NULL);
    probes[i].done = probes[i].err != 0;
  }
  int wait_err = ub_wait(resolver->main.ctx);
  for (guint i = 0; i < zones->len; i++) {
    const ZoneSpec *zone = &g_array_index(zones, ZoneSpec, i);
    const ZoneProbe *probe = &probes[i];
    if (probe->done && probe->loaded)
      continue;
    int err = !probe->done ? wait_err : probe->err;
    g_autofree char *log = resolver_log_excerpt(resolver);
    g_autofree char *why = err != 0 ? g_strdup(ub_strerror(err))
                           : !probe->done ? g_strdup("no answer to its SOA query")
                           : g_strdup_printf("its SOA query answers %s",
                                             dks_dns_rcode_name(probe->rcode));
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "zone file %s did not load as zone %s: %s%s%s; check the file's "
                "syntax, that it has an SOA record for %s, or pass NAME=PATH",
                zone->path, zone->name, why, log ? "; libunbound says: " : "",
                log ? log : "", zone->name);
    return FALSE;
  }
  return TRUE;
}

static gboolean resolver_setup_zones(DksResolver *resolver, const DksResolverConfig *config,
                                     GError **error)
{
  if (!config->zone_files || config->zone_files->len == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "offline DNS needs at least one zone file");
    return FALSE;
  }
  if (config->zone_files->len > DKS_MAX_ZONE_FILES) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "%u zone files given, at most %u are supported",
                config->zone_files->len, DKS_MAX_ZONE_FILES);
    return FALSE;
  }
  g_autoptr(GArray) zones = g_array_new(FALSE, TRUE, sizeof(ZoneSpec));
  g_array_set_clear_func(zones, (GDestroyNotify) zone_spec_clear);
  gboolean have_root = FALSE;
  for (guint i = 0; i < config->zone_files->len; i++) {
    ZoneSpec zone = { 0 };
    if (!zone_spec_init(&zone, g_ptr_array_index(config->zone_files, i), error)) {
      zone_spec_clear(&zone);
      return FALSE;
    }
    for (guint j = 0; j < zones->len; j++) {
      const ZoneSpec *other = &g_array_index(zones, ZoneSpec, j);
      if (strcmp(other->name, zone.name) == 0) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                    "zone %s is given twice (%s and %s); pass each zone once",
                    zone.name, other->path, zone.path);
        zone_spec_clear(&zone);
        return FALSE;
      }
    }
    have_root = have_root || strcmp(zone.name, ".") == 0;
    g_array_append_val(zones, zone);
  }

  if (!resolver_setup_log(resolver, error))
    return FALSE; /* the log must be in place before the zone probe runs */
  g_autoptr(GString) config_text = g_string_new(
      "# written by dkimscope for its offline mode: the zones below are the\n"
      "# only DNS data, and no address may be queried, so nothing leaves the host\n"
      "server:\n"
      "    do-not-query-address: 0.0.0.0/0\n"
      "    do-not-query-address: ::/0\n"
      "    # a zone file's TTLs as written, not counted down in the cache:\n"
      "    # the same message gives the same report\n"
      "    serve-original-ttl: yes\n");
  g_string_append_printf(config_text, "    module-config: \"%s\"\n",
                         resolver->main.validating ? "validator iterator" : "iterator");
  for (guint i = 0; i < zones->len; i++) {
    const ZoneSpec *zone = &g_array_index(zones, ZoneSpec, i);
    config_append_auth_zone(config_text, zone->name, zone->path);
  }
  if (!have_root) {
    g_autofree char *root_path = resolver_file(
        resolver, "root.zone",
        "; no zone loaded: every name outside the given zones does not exist\n"
        ". 0 IN SOA " OUTSIDE_MARKER ". nobody.invalid. 1 3600 600 86400 0\n"
        ". 0 IN NS " OUTSIDE_MARKER ".\n", error);
    if (!root_path)
      return FALSE;
    config_append_auth_zone(config_text, ".", root_path);
    resolver->main.marks_outside = TRUE;
  }
  g_autofree char *config_path = resolver_file(resolver, "unbound.conf", config_text->str,
                                               error);
  if (!config_path)
    return FALSE;
  int err = ub_ctx_config(resolver->main.ctx, config_path);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound rejected the offline configuration %s: %s", config_path,
                ub_strerror(err));
    return FALSE;
  }

  g_autoptr(GString) description = g_string_new("offline zones: ");
  for (guint i = 0; i < zones->len; i++)
    g_string_append_printf(description, "%s%s", i ? ", " : "",
                           g_array_index(zones, ZoneSpec, i).display);
  resolver->main.description = g_string_free(g_steal_pointer(&description), FALSE);
  resolver->main.has_dig = FALSE; /* nothing is asked of any server */
  return zones_probe(resolver, zones, error);
}


/* Without our own validation, the resolver's AD bit is the only DNSSEC
 * word there is: ask the resolver at addr for it (see RawProbe). */
static void backend_ask_for_ad(Backend *backend, const char *addr, guint port)
{
  if (!backend->validating)
    backend->ad_server = g_inet_socket_address_new_from_string(addr, port);
}

/* " @ADDR" or " @ADDR -p PORT": where dig sends its question. */
static char *dig_server_text(const char *addr, guint port)
{
  if (port == DEFAULT_DNS_PORT)
    return g_strdup_printf(" @%s", addr);
  return g_strdup_printf(" @%s -p %u", addr, port);
}

/* Points backend (the resolver's own context, or its validator) at the
 * --resolver address. */
static gboolean resolver_setup_forward(Backend *backend, const DksResolverConfig *config,
                                       GError **error)
{
  const char *addr = config->forward_addr;
  if (!addr || !*addr || strpbrk(addr, "@# \t")) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "resolver address: want an IPv4 or IPv6 address, have '%s'",
                addr ? addr : "");
    return FALSE;
  }
  guint port = config->forward_port ? config->forward_port : DEFAULT_DNS_PORT;
  if (port > 65535) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "resolver port: want 1 to 65535, have %u", port);
    return FALSE;
  }
  g_autofree char *target = g_strdup_printf("%s@%u", addr, port);
  /* Forwarding to 127.0.0.1 needs no do-not-query-localhost change: that
   * list only filters the iterator's own targets, and the library's
   * default for it is "no" anyway. */
  int err = ub_ctx_set_fwd(backend->ctx, target);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "resolver address: want an IPv4 or IPv6 address, have '%s' (%s)",
                addr, ub_strerror(err));
    return FALSE;
  }
  backend->description = g_strdup_printf("resolver %s", target);
  g_free(backend->dig_server);
  backend->dig_server = dig_server_text(addr, port);
  backend_ask_for_ad(backend, addr, port);
  backend->one_server = TRUE;
  return TRUE;
}

/* The nameserver addresses of resolv.conf, as libunbound reads them (at
 * most MAX_DESCRIBED_SERVERS + 1, the last one standing for "more");
 * libunbound falls back to 127.0.0.1 when there is none. */
static GPtrArray *resolv_conf_servers(const char *path)
{
  g_autofree char *text = NULL;
  GPtrArray *servers = g_ptr_array_new_with_free_func(g_free);
  if (g_file_get_contents(path, &text, NULL, NULL)) {
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l && servers->len <= MAX_DESCRIBED_SERVERS; l++) {
      const char *p = *l + strspn(*l, " \t");
      if (strncmp(p, "nameserver", 10) != 0)
        continue;
      p += 10;
      p += strspn(p, " \t");
      gsize n = strspn(p, "0123456789abcdefABCDEF.:");
      if (n > 0)
        g_ptr_array_add(servers, g_strndup(p, n));
    }
  }
  if (servers->len == 0)
    g_ptr_array_add(servers, g_strdup("127.0.0.1"));
  return servers;
}

/* "ADDR, ADDR, ..." for the description. */
static char *servers_text(const GPtrArray *servers)
{
  g_autoptr(GString) text = g_string_new(NULL);
  for (guint i = 0; i < servers->len; i++) {
    if (i == MAX_DESCRIBED_SERVERS) {
      g_string_append(text, ", ...");
      break;
    }
    g_string_append_printf(text, "%s%s", i ? ", " : "",
                           (const char *) g_ptr_array_index(servers, i));
  }
  return g_string_free(g_steal_pointer(&text), FALSE);
}

/* Points backend (the resolver's own context, or its validator) at the
 * resolvers of /etc/resolv.conf. */
static gboolean resolver_setup_system(Backend *backend, GError **error)
{
  int err = ub_ctx_resolvconf(backend->ctx, NULL);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot use the system resolver from /etc/resolv.conf: %s%s%s",
                ub_strerror(err), err == UB_READFILE ? ": " : "",
                err == UB_READFILE ? g_strerror(errno) : "");
    return FALSE;
  }
  err = ub_ctx_hosts(backend->ctx, NULL);
  if (err != 0 && err != UB_READFILE) { /* no /etc/hosts is fine */
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot read /etc/hosts for the system resolver: %s", ub_strerror(err));
    return FALSE;
  }
  g_autoptr(GPtrArray) servers = resolv_conf_servers("/etc/resolv.conf");
  g_autofree char *text = servers_text(servers);
  backend->description = g_strdup_printf("system resolver (%s)", text);
  g_free(backend->dig_server);
  backend->dig_server = dig_server_text(g_ptr_array_index(servers, 0), DEFAULT_DNS_PORT);
  backend_ask_for_ad(backend, g_ptr_array_index(servers, 0), DEFAULT_DNS_PORT);
  backend->one_server = servers->len == 1;
  return TRUE;
}

/* --------------------------------------------------- the private root */

/* Reads config.root_server, "ADDR[@PORT]", into the resolver. */
static gboolean root_server_parse(DksResolver *resolver, const char *spec, GError **error)
{
  g_autofree char *addr = g_strdup(spec);
  guint64 port = DEFAULT_DNS_PORT;
  char *at = strrchr(addr, '@');
  if (at) {
    *at = '\0';
    if (!g_ascii_string_to_unsigned(at + 1, 10, 1, 65535, &port, NULL)) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                  "root server port: want 1 to 65535, have '%s'", at + 1);
      return FALSE;
    }
  }
  g_autoptr(GInetAddress) inet = g_inet_address_new_from_string(addr);
  if (!inet) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "root server: want ADDR[@PORT] with an IPv4 or IPv6 address, have '%s'",
                spec);
    return FALSE;
  }
  resolver->root_addr = g_steal_pointer(&addr);
  resolver->root_port = (guint) port;
  resolver->root_on_loopback = g_inet_address_get_is_loopback(inet);
  return TRUE;
}

/* A context that resolves by iterating from the root itself, or from the
 * configured root server: RECURSIVE mode and the authoritative context. */
static gboolean backend_setup_iterating(Backend *backend, const DksResolver *resolver,
                                        GError **error)
{
  g_free(backend->dig_options);
  backend->dig_options = g_strdup(" +trace");
  if (!resolver->root_addr) {
    backend->description = g_strdup(ITERATING_FROM_ROOT);
    return TRUE; /* libunbound's built-in root hints */
  }
  g_autofree char *target = g_strdup_printf("%s@%u", resolver->root_addr,
                                            resolver->root_port);
  backend->description = g_strdup_printf("authoritative servers (iterating from %s)",
                                         target);
  g_free(backend->dig_server);
  backend->dig_server = dig_server_text(resolver->root_addr, resolver->root_port);
  if (!backend->ctx)
    return TRUE; /* the context failed to start: only the texts are used */
  /* Not primed: priming would replace the address with the root zone's NS
   * addresses, all on port 53, and a private root often has another port. */
  int err = ub_ctx_set_stub(backend->ctx, ".", target, 0);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "root server '%s': libunbound refuses it: %s", target, ub_strerror(err));
    return FALSE;
  }
  /* libunbound never asks a server on 127.0.0.0/8 or ::1 while iterating
   * unless told to; a private root for tests lives there. */
  err = resolver->root_on_loopback
      ? ub_ctx_set_option(backend->ctx, "do-not-query-localhost:", "no") : 0;
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound rejected do-not-query-localhost: %s", ub_strerror(err));
    return FALSE;
  }
  return TRUE;
}

/* ------------------------------------------------------- trust anchors */

typedef enum {
  ANCHOR_RECORDS,   /* DS or DNSKEY records in zone file format */
  ANCHOR_AUTOTRUST, /* unbound-anchor's file, kept up to date (RFC 5011) */
  ANCHOR_BIND,      /* BIND's trusted-keys / trust-anchors clause */
} AnchorFormat;

/* The anchor file the resolver validates with, or NULL: an explicit file
 * in every mode; else the default (root) anchor when it is installed,
 * except offline and with a private root (which is not signed with the
 * root's key).  SYSTEM and FORWARD use the default one only through the
 * path check (resolver_setup_validator). */
static const char *trust_anchor_for(const DksResolver *resolver)
{
  const DksResolverConfig *config = &resolver->config;
  if (config->trust_anchor)
    return strcmp(config->trust_anchor, TRUST_ANCHOR_NONE) == 0 ? NULL
                                                                 : config->trust_anchor;
  if (config->mode == DKS_RESOLVER_ZONES || resolver->root_addr)
    return NULL;
  const char *fallback = config->default_anchor ? config->default_anchor
                                                : DKS_ROOT_TRUST_ANCHOR;
  return g_file_test(fallback, G_FILE_TEST_IS_REGULAR) ? fallback : NULL;
}

/* What one line of an anchor file says about its format. */
static void anchor_scan_line(const char *line, gboolean *autotrust, gboolean *bind,
                             guint *records)
{
  if (g_str_has_prefix(line, "; autotrust trust anchor file"))
    *autotrust = TRUE;
  g_autofree char *data = g_strndup(line, strcspn(line, ";"));
  g_auto(GStrv) tokens = g_strsplit_set(g_strstrip(data), " \t\r", -1);
  for (guint i = 0; tokens[i]; i++) {
    const char *t = tokens[i];
    if (i == 0 && (g_str_has_prefix(t, "trusted-keys") ||
                   g_str_has_prefix(t, "trust-anchors") ||
                   g_str_has_prefix(t, "managed-keys")))
      *bind = TRUE;
    if (g_ascii_strcasecmp(t, "DS") == 0 || g_ascii_strcasecmp(t, "DNSKEY") == 0)
      (*records)++;
  }
}

/* Tells the anchor file's format from its content, so the right libunbound
 * call loads it; a file with no anchor in it is an error (it would
 * silently validate nothing). */
static gboolean anchor_read_format(const char *path, AnchorFormat *format, GError **error)
{
  GStatBuf st;
  if (g_stat(path, &st) != 0 || g_access(path, R_OK) != 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "cannot read DNSSEC trust anchor %s: %s", path, g_strerror(saved));
    return FALSE;
  }
  if (!S_ISREG(st.st_mode) || st.st_size > MAX_TRUST_ANCHOR_BYTES) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "DNSSEC trust anchor %s: want a file of DS or DNSKEY records of at "
                "most %d octets, have %s", path, MAX_TRUST_ANCHOR_BYTES,
                S_ISREG(st.st_mode) ? "a larger file" : "no regular file");
    return FALSE;
  }
  g_autofree char *text = NULL;
  if (!g_file_get_contents(path, &text, NULL, error))
    return FALSE;
  gboolean autotrust = FALSE, bind = FALSE;
  guint records = 0;
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++)
    anchor_scan_line(*l, &autotrust, &bind, &records);
  if (bind) {
    *format = ANCHOR_BIND;
    return TRUE;
  }
  if (records == 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "DNSSEC trust anchor %s: want DS or DNSKEY records (RFC 4034 §5.1, "
                "§2.1), unbound-anchor's file or BIND trust-anchors, have none; give "
                "such a file, or \"" TRUST_ANCHOR_NONE "\" for no validation", path);
    return FALSE;
  }
  *format = autotrust ? ANCHOR_AUTOTRUST : ANCHOR_RECORDS;
  return TRUE;
}

static int anchor_add(struct ub_ctx *ctx, const char *path, AnchorFormat format)
{
  switch (format) {
  case ANCHOR_AUTOTRUST: return ub_ctx_add_ta_autr(ctx, path);
  case ANCHOR_BIND: return ub_ctx_trustedkeys(ctx, path);
  case ANCHOR_RECORDS: break;
  }
  return ub_ctx_add_ta_file(ctx, path);
}

/* libunbound parses an anchor only when a context starts, and then fails
 * every lookup; a throwaway context started here turns a bad anchor into
 * an error at creation, with libunbound's reason.  (Its log goes to a
 * temporary file; libunbound's log target is process-wide and reset when
 * the context is deleted.) */
static gboolean anchor_probe(const char *path, AnchorFormat format, GError **error)
{
  struct ub_ctx *probe = ub_ctx_create();
  if (!probe) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound: cannot create a context: %s", g_strerror(errno));
    return FALSE;
  }
  FILE *log = tmpfile();
  ub_ctx_debugout(probe, log);
  int err = ub_ctx_set_option(probe, "module-config:", "validator iterator");
  if (err == 0)
    err = anchor_add(probe, path, format);
  if (err == 0) /* starts the context (no query is sent) */
    err = ub_ctx_zone_remove(probe, "dkimscope-anchor-probe.invalid");
  ub_ctx_delete(probe);
  g_autofree char *why = NULL;
  if (err != 0 && log) {
    char buf[MAX_LOG_EXCERPT + 1];
    rewind(log);
    gsize n = fread(buf, 1, MAX_LOG_EXCERPT, log);
    buf[n] = '\0';
    why = log_text_excerpt(buf, n);
  }
  if (log)
    fclose(log);
  if (err == 0)
    return TRUE;
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
              "libunbound cannot use DNSSEC trust anchor %s: %s%s%s; check the "
              "records, or give \"" TRUST_ANCHOR_NONE "\" for no validation", path,
              ub_strerror(err), why ? ": " : "", why ? why : "");
  return FALSE;
}

/* A file the user names is tried out in a throwaway context first, so a
 * bad one is an error now and not a failure of every lookup.  The default
 * anchor (the dns-root-data package's root key) gets the format check
 * only: the throwaway context costs a millisecond of every start, and a
 * default anchor that libunbound still refused would show in the answers
 * (through a resolver the path check's note says validation failed;
 * resolving from the root, each answer carries libunbound's error). */
static gboolean backend_add_trust_anchor(Backend *backend, const char *path, GError **error)
{
  AnchorFormat format = ANCHOR_RECORDS;
  gboolean given = backend->resolver->config.trust_anchor != NULL;
  if (!anchor_read_format(path, &format, error) ||
      (given && !anchor_probe(path, format, error)))
    return FALSE;
  int err = anchor_add(backend->ctx, path, format);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot use DNSSEC trust anchor %s: %s", path, ub_strerror(err));
    return FALSE;
  }
  backend->validating = TRUE;
  return TRUE;
}

/* ------------------------------------------------------------ backends */

static void backend_init_texts(Backend *backend, DksResolver *resolver)
{
  backend->resolver = resolver;
  backend->has_dig = TRUE;
  backend->dig_options = g_strdup("");
  backend->dig_server = g_strdup("");
}

/* A libunbound context that answers in a thread of its own and validates
 * with anchor (NULL: does not validate). */
static gboolean backend_start(Backend *backend, const char *anchor, gboolean zones,
                              GError **error)
{
  backend->ctx = ub_ctx_create();
  if (!backend->ctx) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound: cannot create a context: %s", g_strerror(errno));
    return FALSE;
  }
  /* threads, not the default fork: answers come back on ub_fd() to us */
  int err = ub_ctx_async(backend->ctx, 1);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound cannot resolve in a thread: %s", ub_strerror(err));
    return FALSE;
  }
  ub_ctx_debugout(backend->ctx, NULL); /* quiet until the mode picks a log */
  /* libunbound's library default is 16 outgoing sockets, so the 17th key
   * lookup of a message waited for a whole round trip (bench/): allow
   * every signature's lookup to be in flight at once. */
  /* libunbound rotates the records of an RRset per answer by default: the
   * same message would list two TXT records at a key name in another order
   * from run to run.  Reports are reproducible instead. */
  if (ub_ctx_set_option(backend->ctx, "outgoing-range:", "256") != 0 ||
      ub_ctx_set_option(backend->ctx, "num-queries-per-thread:", "128") != 0 ||
      ub_ctx_set_option(backend->ctx, "rrset-roundrobin:", "no") != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound rejected the outgoing-range or rrset-roundrobin setting");
    return FALSE;
  }
  if (anchor && !backend_add_trust_anchor(backend, anchor, error))
    return FALSE;
  if (zones)
    return TRUE; /* the offline configuration file names the modules */
  err = ub_ctx_set_option(backend->ctx, "module-config:",
                          backend->validating ? "validator iterator" : "iterator");
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound rejected module-config: %s", ub_strerror(err));
    return FALSE;
  }
  return TRUE;
}

static void backend_watch(Backend *backend, GMainContext *context)
{
  backend->fd_source = g_unix_fd_source_new(ub_fd(backend->ctx),
                                            G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback(backend->fd_source, G_SOURCE_FUNC(on_ub_readable), backend, NULL);
  g_source_set_static_name(backend->fd_source, "dkimscope libunbound");
  g_source_attach(backend->fd_source, context);
}

static void backend_clear(Backend *backend)
{
  destroy_source(&backend->fd_source);
  if (backend->ctx)
    ub_ctx_delete(backend->ctx); /* also stops logging to resolver->log */
  backend->ctx = NULL;
  g_clear_pointer(&backend->description, g_free);
  g_clear_pointer(&backend->dig_options, g_free);
  g_clear_pointer(&backend->dig_server, g_free);
  g_clear_object(&backend->ad_server);
}

/* ------------------------------------------------------------ resolvers */

/* A deep copy: the caller's strings and arrays may go away. */
static void config_copy(DksResolverConfig *to, const DksResolverConfig *from)
{
  *to = *from;
  to->forward_addr = g_strdup(from->forward_addr);
  to->trust_anchor = g_strdup(from->trust_anchor);
  to->root_server = g_strdup(from->root_server);
  to->default_anchor = g_strdup(from->default_anchor);
  to->probe_name = g_strdup(from->probe_name);
  to->zone_files = NULL;
  if (from->zone_files) {
    to->zone_files = g_ptr_array_new_full(from->zone_files->len, g_free);
    for (guint i = 0; i < from->zone_files->len; i++)
      g_ptr_array_add(to->zone_files, g_strdup(g_ptr_array_index(from->zone_files, i)));
  }
}

static void config_clear(DksResolverConfig *config)
{
  g_clear_pointer(&config->forward_addr, g_free);
  g_clear_pointer(&config->trust_anchor, g_free);
  g_clear_pointer(&config->root_server, g_free);
  g_clear_pointer(&config->default_anchor, g_free);
  g_clear_pointer(&config->probe_name, g_free);
  g_clear_pointer(&config->zone_files, g_ptr_array_unref);
}

/* The path check's name (config.probe_name, "." by default) and how the
 * notes call its DNSKEY. */
static gboolean path_check_init(DksResolver *resolver, GError **error)
{
  const char *name = resolver->config.probe_name ? resolver->config.probe_name : ".";
  g_autoptr(GError) why = NULL;
  resolver->path.name = dks_dns_name_canonical(name, &why);
  if (!resolver->path.name) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "DNSSEC check name: want a domain name, have '%s': %s", name, why->message);
    return FALSE;
  }
  resolver->path.what = strcmp(resolver->path.name, ".") == 0
      ? g_strdup("the root's DNSKEY")
      : g_strdup_printf("the DNSKEY of %s", resolver->path.name);
  return TRUE;
}

/* SYSTEM and FORWARD with the default anchor: a second context that asks
 * the same resolver and validates with anchor; lookups use it once the
 * path check finds that the resolver passes DNSSEC records. */
static gboolean resolver_setup_validator(DksResolver *resolver, const char *anchor,
                                         GError **error)
{
  Backend *backend = g_new0(Backend, 1);
  resolver->validator = backend;
  backend_init_texts(backend, resolver);
  if (!backend_start(backend, anchor, FALSE, error))
    return FALSE;
  if (resolver->config.mode == DKS_RESOLVER_SYSTEM)
    return resolver_setup_system(backend, error);
  return resolver_setup_forward(backend, &resolver->config, error);
}

static gboolean resolver_setup(DksResolver *resolver, GError **error)
{
  const DksResolverConfig *config = &resolver->config;
  if ((int) config->mode < 0 || (int) config->mode > (int) DKS_RESOLVER_RECURSIVE) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "unknown resolver mode %d", (int) config->mode);
    return FALSE;
  }
  gboolean zones = config->mode == DKS_RESOLVER_ZONES;
  if (!zones && config->root_server &&
      !root_server_parse(resolver, config->root_server, error))
    return FALSE;
  if (!path_check_init(resolver, error))
    return FALSE;
  const char *anchor = trust_anchor_for(resolver);
  gboolean via_resolver = config->mode == DKS_RESOLVER_SYSTEM ||
                          config->mode == DKS_RESOLVER_FORWARD;
  /* the default anchor only through the path check */
  gboolean check_path = via_resolver && anchor && !config->trust_anchor;
  backend_init_texts(&resolver->main, resolver);
  if (!backend_start(&resolver->main, check_path ? NULL : anchor, zones, error))
    return FALSE;
  switch (config->mode) {
  case DKS_RESOLVER_SYSTEM:
    if (!resolver_setup_system(&resolver->main, error) || !resolver_setup_log(resolver, error))
      return FALSE;
    break;
  case DKS_RESOLVER_FORWARD:
    if (!resolver_setup_forward(&resolver->main, config, error) ||
        !resolver_setup_log(resolver, error))
      return FALSE;
    break;
  case DKS_RESOLVER_ZONES:
    return resolver_setup_zones(resolver, config, error);
  case DKS_RESOLVER_RECURSIVE:
    /* no forwarders, no resolv.conf: libunbound iterates by itself */
    return backend_setup_iterating(&resolver->main, resolver, error) &&
           resolver_setup_log(resolver, error);
  }
  return !check_path || resolver_setup_validator(resolver, anchor, error);
}

DksResolver *dks_resolver_new(const DksResolverConfig *config, GError **error)
{
  g_return_val_if_fail(config != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  DksResolver *resolver = g_new0(DksResolver, 1);
  g_queue_init(&resolver->finished);
  resolver->in_flight = g_hash_table_new(NULL, NULL);
  resolver->memfds = g_array_new(FALSE, FALSE, sizeof(int));
  resolver->shared = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) shared_free);
  resolver->shared_authoritative = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) shared_free);
  resolver->main_context = g_main_context_ref_thread_default();
  resolver->timeout_ms = config->timeout_ms ? config->timeout_ms : DEFAULT_TIMEOUT_MS;
  config_copy(&resolver->config, config);
  if (!resolver_setup(resolver, error)) {
    resolver_destroy(resolver);
    return NULL;
  }
  backend_watch(&resolver->main, resolver->main_context);
  if (resolver->validator)
    backend_watch(resolver->validator, resolver->main_context);
  return resolver;
}

DksResolver *dks_resolver_new_fresh(const DksResolver *like, GError **error)
{
  g_return_val_if_fail(like != NULL, NULL);
  return dks_resolver_new(&like->config, error);
}

/* The authoritative context, made on first use.  When it cannot start, it
 * stays without a libunbound context and every lookup on it ends in
 * DKS_DNS_ERROR with the reason. */
static Backend *authoritative_backend(DksResolver *resolver)
{
  if (resolver->authoritative)
    return resolver->authoritative;
  Backend *backend = g_new0(Backend, 1);
  resolver->authoritative = backend;
  backend_init_texts(backend, resolver);
  g_autoptr(GError) error = NULL;
  if (backend_start(backend, trust_anchor_for(resolver), FALSE, &error) &&
      backend_setup_iterating(backend, resolver, &error)) {
    backend_watch(backend, resolver->main_context);
    return backend;
  }
  if (backend->ctx)
    ub_ctx_delete(backend->ctx);
  backend->ctx = NULL;
  if (!backend->description) /* the texts, without the context */
    (void) backend_setup_iterating(backend, resolver, NULL);
  backend->start_error = g_strdup(error->message);
  return backend;
}

gboolean dks_resolver_lookup_authoritative(DksResolver *resolver, const char *qname,
                                           DksDnsCallback callback, gpointer user_data,
                                           GDestroyNotify cancelled)
{
  g_return_val_if_fail(resolver != NULL, FALSE);
  g_return_val_if_fail(qname != NULL, FALSE);
  g_return_val_if_fail(callback != NULL, FALSE);
  g_return_val_if_fail(!resolver->free_requested, FALSE);
  /* offline there is no server; RECURSIVE already asks the servers */
  if (resolver->config.mode == DKS_RESOLVER_ZONES ||
      resolver->config.mode == DKS_RESOLVER_RECURSIVE)
    return FALSE;
  Backend *backend = authoritative_backend(resolver);
  Lookup *lookup = lookup_new(resolver, backend, callback, user_data, cancelled);
  if (!backend->ctx) {
    lookup->qname = g_strdup(qname);
    lookup_finish(lookup, answer_new_failed(lookup, backend, DKS_DNS_ERROR,
                                            backend->start_error));
    return TRUE;
  }
  lookup->shared_in = resolver->shared_authoritative;
  lookup_start(lookup, qname);
  return TRUE;
}

static void remove_tmpdir(const char *dir)
{
  static const char *const files[] = { "unbound.conf", "root.zone" };
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *path = g_build_filename(dir, files[i], NULL);
    (void) g_unlink(path);
  }
  (void) g_rmdir(dir);
}

/* A lookup whose callback will never run: its owner hears of it. */
static void lookup_cancel_free(Lookup *lookup)
{
  GDestroyNotify cancelled = lookup->cancelled;
  gpointer user_data = lookup->user_data;
  lookup_free(lookup);
  if (cancelled)
    cancelled(user_data);
}

static void resolver_destroy(DksResolver *resolver)
{
  /* Cancelled lookups' callbacks are never called: libunbound drops them,
   * and their answers, finished or not, go with the lookups. */
  GList *lookups = g_hash_table_get_keys(resolver->in_flight);
  for (GList *l = lookups; l; l = l->next) {
    Lookup *lookup = l->data;
    query_cancel(&lookup->query);
    query_cancel(&lookup->twin);
    lookup_cancel_free(lookup);
  }
  g_list_free(lookups);
  g_hash_table_destroy(resolver->in_flight);
  g_hash_table_destroy(resolver->shared);
  g_hash_table_destroy(resolver->shared_authoritative);
  g_queue_clear_full(&resolver->finished, (GDestroyNotify) lookup_cancel_free);
  destroy_source(&resolver->deliver_source);
  destroy_source(&resolver->path.timeout);
  if (resolver->path.ub_pending)
    (void) ub_cancel(resolver->validator->ctx, resolver->path.async_id);
  probe_free(resolver->path.probe);
  g_free(resolver->path.name);
  g_free(resolver->path.what);
  g_free(resolver->path.note);
  backend_clear(&resolver->main);
  if (resolver->validator) {
    backend_clear(resolver->validator);
    g_free(resolver->validator);
  }
  if (resolver->authoritative) {
    backend_clear(resolver->authoritative);
    g_free(resolver->authoritative->start_error);
    g_free(resolver->authoritative);
  }
  if (resolver->log)
    fclose(resolver->log);
  for (guint i = 0; i < resolver->memfds->len; i++)
    close(g_array_index(resolver->memfds, int, i));
  g_array_unref(resolver->memfds);
  if (resolver->tmpdir)
    remove_tmpdir(resolver->tmpdir);
  g_free(resolver->tmpdir);
  g_free(resolver->root_addr);
  config_clear(&resolver->config);
  g_main_context_unref(resolver->main_context);
  g_free(resolver);
}

void dks_resolver_free(DksResolver *resolver)
{
  if (!resolver)
    return;
  if (resolver->delivering) {
    /* called from a callback: the delivery loop finishes the job */
    resolver->free_requested = TRUE;
    return;
  }
  resolver_destroy(resolver);
}
