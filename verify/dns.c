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
#include <unbound.h>

enum { RR_TYPE_SOA = 6, RR_TYPE_TXT = 16, RR_CLASS_IN = 1 };
enum { RCODE_NOERROR = 0, RCODE_SERVFAIL = 2, RCODE_NXDOMAIN = 3, RCODE_REFUSED = 5 };

#define DEFAULT_TIMEOUT_MS 5000u
#define DEFAULT_DNS_PORT 53u
/* The synthetic root zone's SOA MNAME: seeing it in a negative answer
 * means "this name is under none of the zones you loaded". */
#define OUTSIDE_MARKER "no-zone-loaded.dkimscope.invalid"
#define MAX_DESCRIBED_SERVERS 4u
#define MAX_LOG_EXCERPT 2000u
#define ZONE_SCAN_LINE_BYTES 8192 /* a zone file line read for its name */

typedef struct {
  char *name;    /* canonical (dnswire.h), "." for the root */
  char *path;    /* absolute */
  char *display; /* the file's base name, for messages */
} ZoneSpec;

typedef struct Lookup Lookup;

struct DksResolver {
  struct ub_ctx *ctx;
  GMainContext *main_context;
  GSource *fd_source;      /* watches ub_fd() */
  GSource *deliver_source; /* idle that runs finished lookups' callbacks */
  GHashTable *in_flight;   /* Lookup*: waiting for libunbound */
  GQueue finished;         /* Lookup*: answered, callback not yet run */
  guint timeout_ms;
  gboolean validating;     /* a trust anchor was given */
  gboolean marks_outside;  /* ZONES with the synthetic root zone */
  char *description;
  char *tmpdir;            /* ZONES: generated config, root zone, log */
  FILE *log;               /* ZONES: libunbound's log, read for errors */
  gboolean delivering;     /* inside the callbacks' loop */
  gboolean free_requested; /* dks_resolver_free was called from a callback */
};

struct Lookup {
  DksResolver *resolver;
  char *qname;
  DksDnsCallback callback;
  gpointer user_data;
  int async_id;
  gint64 started_us;
  GSource *timeout_source;
  DksDnsAnswer *answer; /* set once finished */
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
  g_free(answer->resolver);
  g_free(answer->error);
  g_free(answer);
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

/* An answer with no response yet: rcode -1, empty chain and TXT list. */
static DksDnsAnswer *answer_new(const Lookup *lookup)
{
  DksDnsAnswer *answer = g_new0(DksDnsAnswer, 1);
  answer->qname = g_strdup(lookup->qname);
  answer->rcode = -1;
  answer->cname_chain = g_ptr_array_new_with_free_func((GDestroyNotify) dks_cname_hop_free);
  answer->txt = g_ptr_array_new_with_free_func((GDestroyNotify) dks_txt_record_free);
  answer->dnssec = lookup->resolver->validating ? DKS_DNSSEC_INSECURE
                                                : DKS_DNSSEC_UNCHECKED;
  answer->resolver = g_strdup(lookup->resolver->description);
  answer->elapsed_us = g_get_monotonic_time() - lookup->started_us;
  return answer;
}

static DksDnsAnswer *answer_new_failed(const Lookup *lookup, DksDnsOutcome outcome,
                                       const char *error)
{
  DksDnsAnswer *answer = answer_new(lookup);
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

static void answer_take_packet(DksResolver *resolver, DksDnsAnswer *answer,
                               DksDnsPacket *pkt)
{
  /* swap, so the packet's arrays move into the answer without copying */
  GPtrArray *tmp = answer->cname_chain;
  answer->cname_chain = pkt->cname_chain;
  pkt->cname_chain = tmp;
  tmp = answer->txt;
  answer->txt = pkt->txt;
  pkt->txt = tmp;
  if (resolver->marks_outside && pkt->soa_mname &&
      strcmp(pkt->soa_mname, OUTSIDE_MARKER) == 0)
    answer->outside_zones = TRUE;
}

/* Copies what the pipeline needs out of a ub_result (which the caller frees
 * right after): rcode, DNSSEC status, and from the answer packet the CNAME
 * chain, the TXT records at its end and whether the name is outside the
 * loaded zones. */
static void answer_fill(DksResolver *resolver, DksDnsAnswer *answer,
                        const struct ub_result *result)
{
  answer->rcode = result->rcode;
  if (resolver->validating) {
    if (result->secure)
      answer->dnssec = DKS_DNSSEC_SECURE;
    else if (result->bogus)
      answer->dnssec = DKS_DNSSEC_BOGUS;
  }
  if (result->why_bogus)
    answer->why_bogus = g_strdup(result->why_bogus);

  gboolean chain_broken = FALSE;
  if (result->answer_packet && result->answer_len > 0) {
    answer->answer_size = (gsize) result->answer_len;
    g_autoptr(GError) error = NULL;
    g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(result->answer_packet,
                                                       (gsize) result->answer_len,
                                                       answer->qname, &error);
    if (!pkt) {
      answer->outcome = DKS_DNS_ERROR;
      answer->error = g_strdup(error->message);
      return;
    }
    chain_broken = pkt->cname_loop || pkt->cname_too_long;
    answer_take_packet(resolver, answer, pkt);
  } else if (result->rcode == RCODE_NOERROR) {
    answer->outcome = DKS_DNS_ERROR;
    answer->error = g_strdup("libunbound reported NOERROR without an answer packet");
    return;
  }

  answer->outcome = outcome_for_rcode(result->rcode, chain_broken, answer->txt->len);
  if (result->bogus) /* data that failed validation must not be used */
    answer->outcome = DKS_DNS_SERVFAIL;
  if (answer->outcome == DKS_DNS_ERROR)
    answer->error = g_strdup_printf("unexpected response code %d (%s)", result->rcode,
                                    dks_dns_rcode_name(result->rcode));
}

/* ---------------------------------------------------------------- lookups */

static void lookup_free(Lookup *lookup)
{
  if (!lookup)
    return;
  if (lookup->timeout_source) {
    g_source_destroy(lookup->timeout_source);
    g_source_unref(lookup->timeout_source);
  }
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

/* Ends a lookup: it leaves the in-flight set and waits for delivery. */
static void lookup_finish(Lookup *lookup, DksDnsAnswer *answer)
{
  DksResolver *resolver = lookup->resolver;
  g_hash_table_remove(resolver->in_flight, lookup);
  if (lookup->timeout_source) {
    g_source_destroy(lookup->timeout_source);
    g_clear_pointer(&lookup->timeout_source, g_source_unref);
  }
  lookup->answer = answer;
  g_queue_push_tail(&resolver->finished, lookup);
  schedule_delivery(resolver);
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

/* libunbound's callback, run from ub_process() on the main context. */
static void on_ub_result(void *data, int err, struct ub_result *result)
{
  Lookup *lookup = data;
  DksDnsAnswer *answer = answer_new(lookup);
  if (err != 0) {
    answer->outcome = DKS_DNS_ERROR;
    answer->error = g_strdup_printf("libunbound: %s", ub_strerror(err));
  } else if (result) {
    answer_fill(lookup->resolver, answer, result);
  } else {
    answer->outcome = DKS_DNS_ERROR;
    answer->error = g_strdup("libunbound returned no result");
  }
  ub_resolve_free(result);
  lookup_finish(lookup, answer);
}

static gboolean on_lookup_timeout(gpointer data)
{
  Lookup *lookup = data;
  DksResolver *resolver = lookup->resolver;
  /* After a successful cancel libunbound never calls on_ub_result for it. */
  (void) ub_cancel(resolver->ctx, lookup->async_id);
  g_clear_pointer(&lookup->timeout_source, g_source_unref);
  g_autofree char *text = g_strdup_printf("no answer within %u ms", resolver->timeout_ms);
  lookup_finish(lookup, answer_new_failed(lookup, DKS_DNS_TIMEOUT, text));
  return G_SOURCE_REMOVE;
}

/* Fails every lookup in flight: libunbound's background worker is gone. */
static void fail_in_flight(DksResolver *resolver, const char *why)
{
  GList *lookups = g_hash_table_get_keys(resolver->in_flight);
  for (GList *l = lookups; l; l = l->next) {
    Lookup *lookup = l->data;
    (void) ub_cancel(resolver->ctx, lookup->async_id);
    lookup_finish(lookup, answer_new_failed(lookup, DKS_DNS_ERROR, why));
  }
  g_list_free(lookups);
}

static gboolean on_ub_readable(gint fd, GIOCondition condition, gpointer data)
{
  (void) fd;
  (void) condition;
  DksResolver *resolver = data;
  int err = ub_process(resolver->ctx);
  if (err != 0) {
    g_autofree char *why = g_strdup_printf("libunbound: %s", ub_strerror(err));
    fail_in_flight(resolver, why);
    g_clear_pointer(&resolver->fd_source, g_source_unref);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

void dks_resolver_lookup_txt(DksResolver *resolver, const char *qname,
                             DksDnsCallback callback, gpointer user_data)
{
  g_return_if_fail(resolver != NULL);
  g_return_if_fail(qname != NULL);
  g_return_if_fail(callback != NULL);
  g_return_if_fail(!resolver->free_requested);

  Lookup *lookup = g_new0(Lookup, 1);
  lookup->resolver = resolver;
  lookup->callback = callback;
  lookup->user_data = user_data;
  lookup->started_us = g_get_monotonic_time();

  g_autoptr(GError) error = NULL;
  lookup->qname = dks_dns_name_canonical(qname, &error);
  if (!lookup->qname) {
    lookup->qname = g_strdup(qname);
    lookup_finish(lookup, answer_new_failed(lookup, DKS_DNS_ERROR, error->message));
    return;
  }
  int err = ub_resolve_async(resolver->ctx, lookup->qname, RR_TYPE_TXT, RR_CLASS_IN,
                             lookup, on_ub_result, &lookup->async_id);
  if (err != 0) {
    g_autofree char *why = g_strdup_printf("libunbound: %s", ub_strerror(err));
    lookup_finish(lookup, answer_new_failed(lookup, DKS_DNS_ERROR, why));
    return;
  }
  g_hash_table_add(resolver->in_flight, lookup);
  lookup->timeout_source = g_timeout_source_new(resolver->timeout_ms);
  g_source_set_callback(lookup->timeout_source, on_lookup_timeout, lookup, NULL);
  g_source_set_static_name(lookup->timeout_source, "dkimscope dns timeout");
  g_source_attach(lookup->timeout_source, resolver->main_context);
}

guint dks_resolver_pending(const DksResolver *resolver)
{
  g_return_val_if_fail(resolver != NULL, 0);
  return g_hash_table_size(resolver->in_flight) + resolver->finished.length;
}

const char *dks_resolver_describe(const DksResolver *resolver)
{
  g_return_val_if_fail(resolver != NULL, NULL);
  return resolver->description;
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

/* Library code never prints: libunbound's log goes to a file in offline
 * mode (its zone errors end up in our GError) and nowhere otherwise.
 * (libunbound's log target is process-wide; ub_ctx_delete resets it.) */
static gboolean resolver_setup_log(DksResolver *resolver, GError **error)
{
  if (!resolver->tmpdir) {
    ub_ctx_debugout(resolver->ctx, NULL);
    return TRUE;
  }
  g_autofree char *path = g_build_filename(resolver->tmpdir, "libunbound.log", NULL);
  resolver->log = fopen(path, "w");
  if (!resolver->log) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "cannot write %s: %s", path, g_strerror(saved));
    return FALSE;
  }
  ub_ctx_debugout(resolver->ctx, resolver->log);
  return TRUE;
}

/* The last lines libunbound logged (its zone file errors), or NULL. */
static char *resolver_log_excerpt(DksResolver *resolver)
{
  if (!resolver->log)
    return NULL;
  fflush(resolver->log);
  g_autofree char *path = g_build_filename(resolver->tmpdir, "libunbound.log", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, NULL) || len == 0)
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

/* Asks for each zone's SOA at once, synchronously: libunbound reads zone
 * files only at the first query, and a file it cannot load would otherwise
 * turn every later lookup into an error far from its cause. */
static gboolean zones_probe(DksResolver *resolver, GArray *zones, GError **error)
{
  for (guint i = 0; i < zones->len; i++) {
    const ZoneSpec *zone = &g_array_index(zones, ZoneSpec, i);
    struct ub_result *result = NULL;
    int err = ub_resolve(resolver->ctx, zone->name, RR_TYPE_SOA, RR_CLASS_IN, &result);
    gboolean loaded = err == 0 && result && result->rcode == RCODE_NOERROR &&
                      result->havedata;
    int rcode = result ? result->rcode : -1;
    ub_resolve_free(result);
    if (loaded)
      continue;
    g_autofree char *log = resolver_log_excerpt(resolver);
    g_autofree char *why = err != 0 ? g_strdup(ub_strerror(err))
                           : g_strdup_printf("its SOA query answers %s",
                                             dks_dns_rcode_name(rcode));
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

  resolver->tmpdir = g_dir_make_tmp("dkimscope-zones-XXXXXX", error);
  if (!resolver->tmpdir || !resolver_setup_log(resolver, error))
    return FALSE; /* the log must be in place before the zone probe runs */
  g_autoptr(GString) config_text = g_string_new(
      "# written by dkimscope for its offline mode: the zones below are the\n"
      "# only DNS data, and no address may be queried, so nothing leaves the host\n"
      "server:\n"
      "    do-not-query-address: 0.0.0.0/0\n"
      "    do-not-query-address: ::/0\n");
  g_string_append_printf(config_text, "    module-config: \"%s\"\n",
                         resolver->validating ? "validator iterator" : "iterator");
  for (guint i = 0; i < zones->len; i++) {
    const ZoneSpec *zone = &g_array_index(zones, ZoneSpec, i);
    config_append_auth_zone(config_text, zone->name, zone->path);
  }
  if (!have_root) {
    g_autofree char *root_path = g_build_filename(resolver->tmpdir, "root.zone", NULL);
    if (!write_file(root_path,
                    "; no zone loaded: every name outside the given zones does not exist\n"
                    ". 0 IN SOA " OUTSIDE_MARKER ". nobody.invalid. 1 3600 600 86400 0\n"
                    ". 0 IN NS " OUTSIDE_MARKER ".\n", error))
      return FALSE;
    config_append_auth_zone(config_text, ".", root_path);
    resolver->marks_outside = TRUE;
  }
  g_autofree char *config_path = g_build_filename(resolver->tmpdir, "unbound.conf", NULL);
  if (!write_file(config_path, config_text->str, error))
    return FALSE;
  int err = ub_ctx_config(resolver->ctx, config_path);
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
  resolver->description = g_string_free(g_steal_pointer(&description), FALSE);
  return zones_probe(resolver, zones, error);
}

static gboolean resolver_setup_forward(DksResolver *resolver,
                                       const DksResolverConfig *config, GError **error)
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
  int err = ub_ctx_set_fwd(resolver->ctx, target);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "resolver address: want an IPv4 or IPv6 address, have '%s' (%s)",
                addr, ub_strerror(err));
    return FALSE;
  }
  resolver->description = g_strdup_printf("resolver %s", target);
  return TRUE;
}

/* "ADDR, ADDR" from resolv.conf's nameserver lines, as libunbound reads
 * them; libunbound falls back to 127.0.0.1 when there is none. */
static char *resolv_conf_servers(const char *path)
{
  g_autofree char *text = NULL;
  g_autoptr(GString) servers = g_string_new(NULL);
  guint count = 0;
  if (g_file_get_contents(path, &text, NULL, NULL)) {
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
      const char *p = *l + strspn(*l, " \t");
      if (strncmp(p, "nameserver", 10) != 0)
        continue;
      p += 10;
      p += strspn(p, " \t");
      gsize n = strspn(p, "0123456789abcdefABCDEF.:");
      if (n == 0)
        continue;
      if (++count > MAX_DESCRIBED_SERVERS) {
        g_string_append(servers, ", ...");
        break;
      }
      g_string_append_printf(servers, "%s%.*s", servers->len ? ", " : "", (int) n, p);
    }
  }
  if (servers->len == 0)
    g_string_assign(servers, "127.0.0.1");
  return g_string_free(g_steal_pointer(&servers), FALSE);
}

static gboolean resolver_setup_system(DksResolver *resolver, GError **error)
{
  int err = ub_ctx_resolvconf(resolver->ctx, NULL);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot use the system resolver from /etc/resolv.conf: %s%s%s",
                ub_strerror(err), err == UB_READFILE ? ": " : "",
                err == UB_READFILE ? g_strerror(errno) : "");
    return FALSE;
  }
  err = ub_ctx_hosts(resolver->ctx, NULL);
  if (err != 0 && err != UB_READFILE) { /* no /etc/hosts is fine */
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot read /etc/hosts for the system resolver: %s", ub_strerror(err));
    return FALSE;
  }
  g_autofree char *servers = resolv_conf_servers("/etc/resolv.conf");
  resolver->description = g_strdup_printf("system resolver (%s)", servers);
  return TRUE;
}

static gboolean resolver_setup_trust_anchor(DksResolver *resolver, const char *path,
                                            GError **error)
{
  if (g_access(path, R_OK) != 0) {
    int saved = errno;
    g_set_error(error, G_IO_ERROR, g_io_error_from_errno(saved),
                "cannot read DNSSEC trust anchor %s: %s", path, g_strerror(saved));
    return FALSE;
  }
  int err = ub_ctx_add_ta_file(resolver->ctx, path);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "cannot use DNSSEC trust anchor %s: %s", path, ub_strerror(err));
    return FALSE;
  }
  return TRUE;
}

static gboolean resolver_setup(DksResolver *resolver, const DksResolverConfig *config,
                               GError **error)
{
  /* threads, not the default fork: answers come back on ub_fd() to us */
  int err = ub_ctx_async(resolver->ctx, 1);
  if (err != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                "libunbound cannot resolve in a thread: %s", ub_strerror(err));
    return FALSE;
  }
  ub_ctx_debugout(resolver->ctx, NULL); /* quiet until the mode picks a log */
  if (config->trust_anchor &&
      !resolver_setup_trust_anchor(resolver, config->trust_anchor, error))
    return FALSE;
  if (config->mode != DKS_RESOLVER_ZONES) {
    err = ub_ctx_set_option(resolver->ctx, "module-config:",
                            resolver->validating ? "validator iterator" : "iterator");
    if (err != 0) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
                  "libunbound rejected module-config: %s", ub_strerror(err));
      return FALSE;
    }
  }
  switch (config->mode) {
  case DKS_RESOLVER_SYSTEM:
    return resolver_setup_system(resolver, error) && resolver_setup_log(resolver, error);
  case DKS_RESOLVER_FORWARD:
    return resolver_setup_forward(resolver, config, error) &&
           resolver_setup_log(resolver, error);
  case DKS_RESOLVER_ZONES:
    return resolver_setup_zones(resolver, config, error);
  }
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
              "unknown resolver mode %d", (int) config->mode);
  return FALSE;
}

DksResolver *dks_resolver_new(const DksResolverConfig *config, GError **error)
{
  g_return_val_if_fail(config != NULL, NULL);
  g_return_val_if_fail(error == NULL || *error == NULL, NULL);

  DksResolver *resolver = g_new0(DksResolver, 1);
  g_queue_init(&resolver->finished);
  resolver->in_flight = g_hash_table_new(NULL, NULL);
  resolver->main_context = g_main_context_ref_thread_default();
  resolver->timeout_ms = config->timeout_ms ? config->timeout_ms : DEFAULT_TIMEOUT_MS;
  resolver->validating = config->trust_anchor != NULL;
  resolver->ctx = ub_ctx_create();
  if (!resolver->ctx) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "libunbound: cannot create a "
                "context: %s", g_strerror(errno));
    resolver_destroy(resolver);
    return NULL;
  }
  if (!resolver_setup(resolver, config, error)) {
    resolver_destroy(resolver);
    return NULL;
  }
  resolver->fd_source = g_unix_fd_source_new(ub_fd(resolver->ctx), G_IO_IN | G_IO_HUP | G_IO_ERR);
  g_source_set_callback(resolver->fd_source, G_SOURCE_FUNC(on_ub_readable), resolver, NULL);
  g_source_set_static_name(resolver->fd_source, "dkimscope libunbound");
  g_source_attach(resolver->fd_source, resolver->main_context);
  return resolver;
}

static void remove_tmpdir(const char *dir)
{
  static const char *const files[] = { "unbound.conf", "root.zone", "libunbound.log" };
  for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *path = g_build_filename(dir, files[i], NULL);
    (void) g_unlink(path);
  }
  (void) g_rmdir(dir);
}

static void destroy_source(GSource **source)
{
  if (!*source)
    return;
  g_source_destroy(*source);
  g_clear_pointer(source, g_source_unref);
}

static void resolver_destroy(DksResolver *resolver)
{
  /* Cancelled lookups' callbacks are never called: libunbound drops them,
   * and their answers, finished or not, go with the lookups. */
  GList *lookups = g_hash_table_get_keys(resolver->in_flight);
  for (GList *l = lookups; l; l = l->next) {
    Lookup *lookup = l->data;
    if (resolver->ctx)
      (void) ub_cancel(resolver->ctx, lookup->async_id);
    lookup_free(lookup);
  }
  g_list_free(lookups);
  g_hash_table_destroy(resolver->in_flight);
  g_queue_clear_full(&resolver->finished, (GDestroyNotify) lookup_free);
  destroy_source(&resolver->fd_source);
  destroy_source(&resolver->deliver_source);
  if (resolver->ctx)
    ub_ctx_delete(resolver->ctx); /* also stops logging to resolver->log */
  if (resolver->log)
    fclose(resolver->log);
  if (resolver->tmpdir)
    remove_tmpdir(resolver->tmpdir);
  g_free(resolver->tmpdir);
  g_free(resolver->description);
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
