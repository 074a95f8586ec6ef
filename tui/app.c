/* app.c — the interactive view: one GLib main loop for terminal keys, DNS
 * answers, the spinner and signals.  Keys become commands through the key
 * table, the model turns commands into state and effects, the layout draws
 * the state into a canvas and curses.c copies it to the terminal.  This
 * file performs the effects (re-check, copy, save, paste) and owns what
 * lives longer than one key: the run, the resolver, the terminal.
 *
 * Also the selector lookup with no message (--lookup). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>

#include "help/guidance.h"
#include "help/texts.h"
#include "parse/finding.h"
#include "parse/limits.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/curses.h"
#include "tui/keys.h"
#include "tui/layout.h"
#include "tui/model.h"
#include "tui/paste.h"
#include "tui/report.h"
#include "tui/sanitize.h"
#include "verify/crypto.h"

/* ====================================================================
 * The selector lookup
 * ==================================================================== */

/* The key steps, in walkthrough order. */
static const DksCheckId lookup_checks[] = {
  DKS_CHECK_KEY_LOOKUP, DKS_CHECK_KEY_RECORD, DKS_CHECK_KEY_STRENGTH,
};
#define LOOKUP_STEPS G_N_ELEMENTS(lookup_checks)

struct DksLookup {
  char *selector, *domain, *key_name;
  DksStep steps[LOOKUP_STEPS];
  DksDnsAnswer *dns;           /* the key's answer, NULL until it arrives */
  DksDnsAnswer *authoritative; /* the authoritative servers' answer when the
                                  resolver said the key is missing */
  DksKeyRecord *key;
  DksKeyType key_type;
  guint key_bits;
  guint pending;               /* callbacks still to come */
  char *resolver;              /* dks_resolver_describe() at start */
  DksResolver *asked;          /* not owned: for the authoritative check */
  DksLookupChanged changed;
  gpointer user_data;
};

DksLookup *
dks_lookup_new(const char *selector, const char *domain, GError **error)
{
  const char *why = dks_dns_name_problem(selector, strlen(selector));
  if (why != NULL) {
    g_autofree char *quoted = dks_quote_bytes(selector, strlen(selector), 80);
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--lookup: the selector '%s' is no DNS label: %s", quoted, why);
    return NULL;
  }
  /* A trailing dot on the domain is how people write absolute names. */
  g_autofree char *bare = g_strdup(domain);
  gsize dlen = strlen(bare);
  if (dlen > 1 && bare[dlen - 1] == '.')
    bare[dlen - 1] = '\0';
  why = dks_dns_name_problem(bare, strlen(bare));
  if (why != NULL) {
    g_autofree char *quoted = dks_quote_bytes(domain, strlen(domain), 80);
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--lookup: the domain '%s' is no domain name: %s", quoted, why);
    return NULL;
  }
  g_autofree char *name = g_strconcat(selector, "._domainkey.", bare, NULL);
  if (strlen(name) > DKS_MAX_DNS_NAME_BYTES) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--lookup: %s is longer than 253 octets (RFC 1035 §2.3.4)", name);
    return NULL;
  }
  DksLookup *lookup = g_new0(DksLookup, 1);
  lookup->selector = g_ascii_strdown(selector, -1);
  lookup->domain = g_ascii_strdown(bare, -1);
  lookup->key_name = g_ascii_strdown(name, -1);
  for (guint i = 0; i < LOOKUP_STEPS; i++) {
    lookup->steps[i].check = lookup_checks[i];
    lookup->steps[i].evidence = g_ptr_array_new_with_free_func(g_free);
  }
  return lookup;
}

static void
lookup_forget(DksLookup *lookup)
{
  g_clear_pointer(&lookup->dns, dks_dns_answer_free);
  g_clear_pointer(&lookup->authoritative, dks_dns_answer_free);
  g_clear_pointer(&lookup->key, dks_key_record_free);
  g_clear_pointer(&lookup->resolver, g_free);
  lookup->key_type = DKS_KEY_TYPE_UNKNOWN;
  lookup->key_bits = 0;
  for (guint i = 0; i < LOOKUP_STEPS; i++) {
    DksStep *step = &lookup->steps[i];
    step->status = DKS_STATUS_PENDING;
    step->reason = DKS_REASON_NONE;
    g_clear_pointer(&step->summary, g_free);
    g_ptr_array_set_size(step->evidence, 0);
  }
}

void
dks_lookup_free(DksLookup *lookup)
{
  if (lookup == NULL)
    return;
  lookup_forget(lookup);
  for (guint i = 0; i < LOOKUP_STEPS; i++)
    g_ptr_array_unref(lookup->steps[i].evidence);
  g_free(lookup->selector);
  g_free(lookup->domain);
  g_free(lookup->key_name);
  g_free(lookup);
}

const char *
dks_lookup_key_name(const DksLookup *lookup)
{
  return lookup->key_name;
}

gboolean
dks_lookup_is_done(const DksLookup *lookup)
{
  return lookup->pending == 0 && lookup->dns != NULL;
}

static DksStep *
lookup_step(DksLookup *lookup, DksCheckId check)
{
  for (guint i = 0; i < LOOKUP_STEPS; i++)
    if (lookup->steps[i].check == check)
      return &lookup->steps[i];
  g_return_val_if_reached(&lookup->steps[0]);
}

static void G_GNUC_PRINTF(2, 3)
evidence(DksStep *step, const char *fmt, ...)
{
  if (step->evidence->len >= DKS_MAX_EVIDENCE_LINES)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_ptr_array_add(step->evidence, g_strdup_vprintf(fmt, ap));
  va_end(ap);
}

static void G_GNUC_PRINTF(4, 5)
finish(DksStep *step, DksStatus status, DksReason reason, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_free(step->summary);
  step->summary = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  step->status = status;
  step->reason = reason;
}

static void
skip(DksStep *step, DksCheckId because)
{
  finish(step, DKS_STATUS_SKIPPED, DKS_REASON_NONE, "not checked: %s did not pass",
         dks_help_check_title(because));
}

static gboolean
usable(const DksStep *step)
{
  return step->status == DKS_STATUS_PASS || step->status == DKS_STATUS_WARN;
}

static const char *
final_name(const DksDnsAnswer *dns)
{
  if (dns->cname_chain && dns->cname_chain->len > 0) {
    const DksCnameHop *last =
      g_ptr_array_index(dns->cname_chain, dns->cname_chain->len - 1);
    return last->target;
  }
  return dns->qname;
}

static gboolean
answer_says_missing(const DksDnsAnswer *dns)
{
  return dns->outcome == DKS_DNS_NXDOMAIN || dns->outcome == DKS_DNS_NODATA ||
         (dns->outcome == DKS_DNS_ANSWER && (dns->txt == NULL || dns->txt->len == 0));
}

static const char *
dnssec_words(DksDnssec dnssec)
{
  switch (dnssec) {
  case DKS_DNSSEC_SECURE: return "secure (signed, and the signatures check out)";
  case DKS_DNSSEC_BOGUS: return "bogus (signed, but the signatures do not check out)";
  case DKS_DNSSEC_INSECURE: return "insecure (the zone is not signed; that is normal)";
  case DKS_DNSSEC_UNCHECKED: break;
  }
  return "not validated (no trust anchor configured)";
}

static void
evidence_answer(DksStep *step, const DksDnsAnswer *dns)
{
  evidence(step, "query: %s TXT via %s", dns->qname,
           dns->resolver ? dns->resolver : "resolver");
  for (guint i = 0; dns->cname_chain && i < dns->cname_chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(dns->cname_chain, i);
    evidence(step, "%s is a CNAME (TTL %u) for %s", hop->owner, hop->ttl, hop->target);
  }
  for (guint i = 0; dns->txt && i < dns->txt->len; i++) {
    const DksTxtRecord *txt = g_ptr_array_index(dns->txt, i);
    g_autoptr(GString) lens = g_string_new(NULL);
    for (guint j = 0; j < txt->strings->len; j++)
      g_string_append_printf(lens, "%s%" G_GSIZE_FORMAT, j ? "+" : "",
                             g_bytes_get_size(g_ptr_array_index(txt->strings, j)));
    evidence(step, "TXT record %u at %s (TTL %u): %u string(s) of %s octets", i + 1,
             txt->owner, txt->ttl, txt->strings->len, lens->str);
  }
  if (dns->rcode < 0)
    evidence(step, "no response (%s) after %" G_GINT64_FORMAT " ms",
             dks_dns_outcome_name(dns->outcome), dns->elapsed_us / 1000);
  else
    evidence(step, "response: %s%s, %" G_GSIZE_FORMAT " octets, %" G_GINT64_FORMAT " ms",
             dks_dns_rcode_name(dns->rcode),
             dns->outcome == DKS_DNS_NODATA ? " with no TXT record (NODATA)" : "",
             dns->answer_size, dns->elapsed_us / 1000);
  if (dns->dnssec_note)
    evidence(step, "DNSSEC: not validated: %s%s", dns->dnssec_note,
             dns->resolver_ad ? " (the resolver set the AD bit: it says it validated)"
                              : "");
  else if (dns->dnssec == DKS_DNSSEC_UNCHECKED && dns->resolver_ad)
    evidence(step, "DNSSEC: not validated here, but the resolver set the AD bit: it "
             "says it validated the answer");
  else
    evidence(step, "DNSSEC: %s", dnssec_words(dns->dnssec));
  if (dns->has_negative_ttl)
    evidence(step, "resolvers may cache this negative answer for %u s (RFC 2308)",
             dns->negative_ttl);
  if (dns->outside_zones)
    evidence(step, "%s is outside every zone file loaded with --dns-zone",
             final_name(dns));
  if (dns->dig_command)
    evidence(step, "to reproduce: %s", dns->dig_command);
  if (dns->why_bogus)
    evidence(step, "DNSSEC validation failed: %s", dns->why_bogus);
  if (dns->error)
    evidence(step, "resolver: %s", dns->error);
}

static void
evaluate_key_lookup(DksLookup *lookup)
{
  DksStep *step = lookup_step(lookup, DKS_CHECK_KEY_LOOKUP);
  const DksDnsAnswer *dns = lookup->dns;
  gboolean chained = dns->cname_chain && dns->cname_chain->len > 0;
  evidence_answer(step, dns);
  if (dns->dnssec == DKS_DNSSEC_BOGUS) {
    finish(step, DKS_STATUS_FAIL, DKS_REASON_DNSSEC_BOGUS,
           "the answer for %s failed DNSSEC validation", lookup->key_name);
  } else if (answer_says_missing(dns)) {
    const char *what = dns->outcome == DKS_DNS_NXDOMAIN ? "does not exist (NXDOMAIN)"
                                                        : "has no TXT record (NODATA)";
    if (chained)
      finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_NOT_FOUND,
             "%s leads through a CNAME to %s, which %s", lookup->key_name,
             final_name(dns), what);
    else
      finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_NOT_FOUND, "%s %s",
             lookup->key_name, what);
  } else if (dns->outcome == DKS_DNS_ANSWER) {
    finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "%u TXT record(s) at %s",
           dns->txt->len, final_name(dns));
  } else {
    finish(step, DKS_STATUS_FAIL, DKS_REASON_DNS_TEMPERROR, "the DNS lookup of %s "
           "failed: %s", lookup->key_name, dks_help_dns_outcome_words(dns->outcome));
  }
}

static void
evaluate_authoritative(DksLookup *lookup)
{
  const DksDnsAnswer *auth = lookup->authoritative;
  DksStep *step = lookup_step(lookup, DKS_CHECK_KEY_LOOKUP);
  if (auth == NULL || step->reason != DKS_REASON_KEY_NOT_FOUND)
    return;
  if (auth->outcome == DKS_DNS_ANSWER && auth->txt && auth->txt->len > 0)
    evidence(step, "the authoritative servers publish %u TXT record(s) at %s: the "
             "resolver's negative answer is cached, and goes away once its TTL "
             "runs out (RFC 2308)", auth->txt->len, final_name(auth));
  else if (answer_says_missing(auth))
    evidence(step, "the authoritative servers agree: %s",
             dks_help_dns_outcome_words(auth->outcome));
  else
    evidence(step, "the authoritative servers could not be asked: %s",
             dks_help_dns_outcome_words(auth->outcome));
}

static void
evaluate_key_record(DksLookup *lookup, DksPublicKey **loaded)
{
  DksStep *step = lookup_step(lookup, DKS_CHECK_KEY_RECORD);
  if (!usable(lookup_step(lookup, DKS_CHECK_KEY_LOOKUP))) {
    skip(step, DKS_CHECK_KEY_LOOKUP);
    return;
  }
  const DksTxtRecord *txt = g_ptr_array_index(lookup->dns->txt, 0);
  gsize len = 0;
  const char *text = g_bytes_get_data(txt->joined, &len);
  lookup->key = dks_key_record_parse(text ? text : "", len);
  g_autofree char *quoted = dks_quote_bytes(text, len, 160);
  evidence(step, "record: %s", quoted);
  if (lookup->dns->txt->len > 1) {
    finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_SYNTAX, "%u TXT records at one key "
           "name: which key applies is undefined (RFC 6376 §3.6.2.2)",
           lookup->dns->txt->len);
    return;
  }
  for (guint i = 0; lookup->key->findings && i < lookup->key->findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(lookup->key->findings, i);
    evidence(step, "%s", f->text);
  }
  if (lookup->key->problem == DKS_KEY_REVOKED) {
    finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_REVOKED, "p= is empty: the key was revoked");
    return;
  }
  if (lookup->key->problem == DKS_KEY_SYNTAX) {
    finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_SYNTAX, "the key record is malformed");
    return;
  }
  g_autofree char *why = NULL;
  *loaded = dks_public_key_load(lookup->key->public_key, lookup->key->key_type, &why);
  if (*loaded == NULL) {
    evidence(step, "p=: %s", why ? why : "no usable public key");
    finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_SYNTAX, "p= does not hold a usable "
           "%s public key", dks_key_type_name(lookup->key->key_type));
    return;
  }
  lookup->key_type = dks_public_key_type(*loaded);
  lookup->key_bits = dks_public_key_bits(*loaded);
  g_autofree char *fp = dks_public_key_fingerprint(*loaded);
  evidence(step, "key fingerprint (SHA-256): %s", fp);
  gboolean warn = FALSE;
  if (dks_public_key_warning(*loaded)) {
    evidence(step, "p=: %s", dks_public_key_warning(*loaded));
    warn = TRUE;
  }
  if (lookup->key->testing) {
    evidence(step, "t=y: the domain is testing DKIM; receivers must not treat "
             "failures differently from unsigned mail (RFC 6376 §3.6.1)");
    warn = TRUE;
  }
  finish(step, warn ? DKS_STATUS_WARN : DKS_STATUS_PASS, DKS_REASON_NONE,
         "a valid %s key record", dks_key_type_name(lookup->key_type));
}

static void
evaluate_key_strength(DksLookup *lookup)
{
  DksStep *step = lookup_step(lookup, DKS_CHECK_KEY_STRENGTH);
  if (!usable(lookup_step(lookup, DKS_CHECK_KEY_RECORD))) {
    skip(step, DKS_CHECK_KEY_RECORD);
    return;
  }
  if (lookup->key_type == DKS_KEY_TYPE_ED25519) {
    finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "Ed25519 key (RFC 8463)");
    return;
  }
  if (lookup->key_bits < 1024) {
    evidence(step, "RFC 8301 §3.2: verifiers must not consider signatures with RSA "
             "keys under 1024 bits valid");
    finish(step, DKS_STATUS_WARN, DKS_REASON_KEY_TOO_SHORT,
           "RSA key of %u bits, below the 1024-bit minimum", lookup->key_bits);
    return;
  }
  if (lookup->key_bits < 2048)
    evidence(step, "RFC 8301 §3.2: signers should use at least 2048 bits");
  finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "RSA key of %u bits", lookup->key_bits);
}

/* Recomputes every step from the answers received so far. */
static void
lookup_evaluate(DksLookup *lookup)
{
  for (guint i = 0; i < LOOKUP_STEPS; i++) {
    DksStep *step = &lookup->steps[i];
    step->status = DKS_STATUS_PENDING;
    step->reason = DKS_REASON_NONE;
    g_clear_pointer(&step->summary, g_free);
    g_ptr_array_set_size(step->evidence, 0);
  }
  g_clear_pointer(&lookup->key, dks_key_record_free);
  if (lookup->dns == NULL)
    return;
  g_autoptr(DksPublicKey) key = NULL;
  evaluate_key_lookup(lookup);
  evaluate_authoritative(lookup);
  evaluate_key_record(lookup, &key);
  evaluate_key_strength(lookup);
}

static void
lookup_changed(DksLookup *lookup)
{
  lookup_evaluate(lookup);
  if (lookup->changed)
    lookup->changed(lookup, lookup->user_data);
}

static void
on_authoritative_answer(DksDnsAnswer *answer, gpointer user_data)
{
  DksLookup *lookup = user_data;
  lookup->pending--;
  g_clear_pointer(&lookup->authoritative, dks_dns_answer_free);
  lookup->authoritative = answer;
  lookup_changed(lookup);
}

static void
on_key_answer(DksDnsAnswer *answer, gpointer user_data)
{
  DksLookup *lookup = user_data;
  lookup->dns = answer;
  /* A resolver's "no such key" may be a cached negative answer: ask the
   * authoritative servers too, as the pipeline does for a signature.
   * pending stays up until that answer is in. */
  if (answer_says_missing(answer) && lookup->asked != NULL &&
      dks_resolver_lookup_authoritative(lookup->asked, lookup->key_name,
                                        on_authoritative_answer, lookup)) {
    lookup->pending++;
  }
  lookup->pending--;
  lookup_changed(lookup);
}

void
dks_lookup_start(DksLookup *lookup, DksResolver *resolver, DksLookupChanged changed,
                 gpointer user_data)
{
  g_return_if_fail(lookup->pending == 0);
  lookup_forget(lookup);
  lookup->changed = changed;
  lookup->user_data = user_data;
  lookup->asked = resolver;
  lookup->resolver = g_strdup(dks_resolver_describe(resolver));
  lookup->pending = 1;
  dks_resolver_lookup_txt(resolver, lookup->key_name, on_key_answer, lookup);
}

/* The first step that decides, in walkthrough order. */
static const DksStep *
lookup_deciding_step(const DksLookup *lookup)
{
  for (guint i = 0; i < LOOKUP_STEPS; i++)
    if (lookup->steps[i].reason != DKS_REASON_NONE)
      return &lookup->steps[i];
  return NULL;
}

DksResult
dks_lookup_result(const DksLookup *lookup)
{
  if (!dks_lookup_is_done(lookup))
    return DKS_RESULT_NONE;
  const DksStep *step = lookup_deciding_step(lookup);
  return step ? dks_reason_result(step->reason) : DKS_RESULT_PASS;
}

static DksReason
lookup_reason(const DksLookup *lookup)
{
  const DksStep *step = lookup_deciding_step(lookup);
  if (step)
    return step->reason;
  return dks_lookup_is_done(lookup) ? DKS_REASON_PASS : DKS_REASON_NONE;
}

static void
append_sanitized_line(GString *out, const char *indent, const char *text,
                      gboolean ascii_only)
{
  g_autofree char *clean = dks_sanitize(text, -1, ascii_only);
  g_string_append_printf(out, "%s%s\n", indent, clean);
}

void
dks_lookup_report_text(GString *out, const DksLookup *lookup, gboolean ascii_only)
{
  gboolean utf8 = !ascii_only;
  g_string_append_printf(out, "Selector %s at %s: %s TXT\n", lookup->selector,
                         lookup->domain, lookup->key_name);
  if (lookup->resolver)
    append_sanitized_line(out, "DNS: ", lookup->resolver, ascii_only);
  g_string_append_c(out, '\n');
  if (!dks_lookup_is_done(lookup)) {
    g_string_append(out, "Waiting for the DNS answer...\n");
  } else {
    DksReason reason = lookup_reason(lookup);
    DksResult result = dks_lookup_result(lookup);
    if (result == DKS_RESULT_PASS)
      g_string_append_printf(out, "Result: pass: a usable %s key of %u bits is "
                             "published\n", dks_key_type_name(lookup->key_type),
                             lookup->key_bits);
    else
      g_string_append_printf(out, "Result: %s (%s)\n", dks_result_name(result),
                             dks_reason_name(reason));
    if (result != DKS_RESULT_PASS) {
      append_sanitized_line(out, "", dks_help_reason_line(reason), ascii_only);
      append_sanitized_line(out, "Who must act: ",
                            dks_help_party_words(dks_reason_default_party(reason)),
                            ascii_only);
    }
  }
  for (guint i = 0; i < LOOKUP_STEPS; i++) {
    const DksStep *step = &lookup->steps[i];
    g_string_append_printf(out, "\n%s %s: %s\n", dks_status_symbol(step->status, utf8),
                           dks_help_check_title(step->check), dks_status_name(step->status));
    if (step->summary)
      append_sanitized_line(out, "  ", step->summary, ascii_only);
    for (guint j = 0; j < step->evidence->len; j++)
      append_sanitized_line(out, "    ", g_ptr_array_index(step->evidence, j), ascii_only);
  }
}

static void
json_member_string(JsonBuilder *b, const char *name, const char *value)
{
  json_builder_set_member_name(b, name);
  if (value == NULL) {
    json_builder_add_null_value(b);
    return;
  }
  /* JSON strings must be UTF-8: anything else is shown escaped. */
  g_autofree char *valid = g_utf8_validate(value, -1, NULL) ? g_strdup(value)
                                                             : dks_sanitize(value, -1, FALSE);
  json_builder_add_string_value(b, valid);
}

void
dks_lookup_report_json(GString *out, const DksLookup *lookup)
{
  g_autoptr(JsonBuilder) b = json_builder_new();
  json_builder_begin_object(b);
  json_member_string(b, "lookup", lookup->key_name);
  json_member_string(b, "selector", lookup->selector);
  json_member_string(b, "domain", lookup->domain);
  json_member_string(b, "resolver", lookup->resolver);
  json_member_string(b, "result", dks_result_name(dks_lookup_result(lookup)));
  json_member_string(b, "reason", dks_reason_name(lookup_reason(lookup)));
  json_member_string(b, "key_type", lookup->key_bits ? dks_key_type_name(lookup->key_type)
                                                     : NULL);
  json_builder_set_member_name(b, "key_bits");
  json_builder_add_int_value(b, lookup->key_bits);
  json_builder_set_member_name(b, "steps");
  json_builder_begin_array(b);
  for (guint i = 0; i < LOOKUP_STEPS; i++) {
    const DksStep *step = &lookup->steps[i];
    json_builder_begin_object(b);
    json_member_string(b, "check", dks_check_id_name(step->check));
    json_member_string(b, "status", dks_status_name(step->status));
    json_member_string(b, "reason", step->reason ? dks_reason_name(step->reason) : NULL);
    json_member_string(b, "summary", step->summary);
    json_builder_set_member_name(b, "evidence");
    json_builder_begin_array(b);
    for (guint j = 0; j < step->evidence->len; j++) {
      const char *line = g_ptr_array_index(step->evidence, j);
      g_autofree char *valid = g_utf8_validate(line, -1, NULL) ? g_strdup(line)
                                                              : dks_sanitize(line, -1, FALSE);
      json_builder_add_string_value(b, valid);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
  }
  json_builder_end_array(b);
  json_builder_end_object(b);
  g_autoptr(JsonGenerator) gen = json_generator_new();
  g_autoptr(JsonNode) root = json_builder_get_root(b);
  json_generator_set_root(gen, root);
  g_autofree char *text = json_generator_to_data(gen, NULL);
  g_string_append(out, text);
  g_string_append_c(out, '\n');
}

/* ====================================================================
 * The interactive view
 * ==================================================================== */

#define DEFAULT_REPORT_PATH "./dkimscope-report.txt"
#define DEFAULT_ADVICE_PATH "./dkimscope-advice.txt"
#define SPINNER_MS 100
#define KEYS_PER_BATCH 4096u     /* then back to the loop: a long paste
                                    never starves DNS answers or signals */
#define MAX_PROMPT_BYTES 4096u
#define MAX_OSC52_BYTES (1024u * 1024u) /* terminals drop larger ones */

typedef enum {
  PROMPT_NONE = 0,
  PROMPT_PATH,        /* typing the file name */
  PROMPT_OVERWRITE,   /* the file exists: y/n */
} PromptStage;

typedef struct {
  GMainLoop *loop;
  DksTerm *term;
  DksCanvas *canvas;
  DksUiState ui;
  DksResolver *resolver;   /* NULL only when a fresh one could not be made */
  DksRun *run;             /* the message shown, or NULL */
  DksLookup *lookup;       /* or the selector lookup shown, or NULL */
  gint64 now;
  gboolean utf8;
  char *label;             /* the message's name in reports */
  gboolean rechecking;     /* say when the re-check is done */

  GString *paste;          /* the paste screen's text */
  gboolean paste_cr;       /* the last pasted character was CR */
  gboolean paste_open;     /* a bracketed paste is arriving ... */
  gsize paste_from;        /* ... and its text starts here in paste */
  gboolean paste_full;     /* the text reached DKS_MAX_MESSAGE_BYTES */

  PromptStage prompt;
  GString *prompt_path;
  gboolean prompt_advice;  /* saving the advice text, not the report */

  guint lookup_scroll;     /* first line of the lookup view */

  guint input_id, spinner_id, redraw_id, stop_id;
  guint signal_ids[4];
  int exit_code;
} App;

static void app_schedule_redraw(App *app);
static void app_perform(App *app, guint effects);

static void
app_status(App *app, const char *text)
{
  dks_ui_set_status(&app->ui, text);
  app_schedule_redraw(app);
}

static void G_GNUC_PRINTF(2, 3)
app_statusf(App *app, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *clean = dks_sanitize(text, -1, !app->utf8);
  app_status(app, clean);
}

static gboolean
app_dns_pending(const App *app)
{
  if (app->lookup)
    return !dks_lookup_is_done(app->lookup);
  if (app->run)
    return !dks_run_is_done(app->run) || app->run->dns_pending > 0;
  return FALSE;
}

/* q: leaves with the status the report gives for what is shown (README,
 * "Exit status"), answers still awaited counting as timed out.  Nothing
 * analysed yet: DKS_EXIT_NO_MESSAGE, as the report says when given no
 * message. */
static void
app_quit(App *app)
{
  if (app->lookup != NULL)
    app->exit_code = dks_lookup_is_done(app->lookup)
                       ? dks_report_exit_status_for(dks_lookup_result(app->lookup))
                       : DKS_EXIT_TEMPORARY_FAILURE;
  else if (app->run != NULL)
    app->exit_code = dks_report_exit_status(app->run);
  else
    app->exit_code = DKS_EXIT_NO_MESSAGE;
  g_main_loop_quit(app->loop);
}

/* ---------- drawing ---------- */

/* Splits one line of our own text into rows of at most width columns,
 * breaking at spaces where it can; continuation rows are indented two
 * columns more than the line. */
static void
wrap_line(GPtrArray *rows, const char *line, guint width)
{
  width = MAX(width, 8);
  guint cont = (guint)MIN(strspn(line, " ") + 2, width / 2);
  const char *p = line;
  guint lead = 0;   /* spaces that start this row */
  do {
    g_autoptr(GString) row = g_string_new(NULL);
    for (guint i = 0; i < lead; i++)
      g_string_append_c(row, ' ');
    guint cols = lead;
    gboolean seen_text = FALSE;
    const char *q = p, *brk = NULL;
    gsize brk_len = 0;
    while (*q) {
      gunichar ch = g_utf8_get_char(q);
      guint w = g_unichar_iswide(ch) ? 2 : 1;
      if (cols + w > width)
        break;
      const char *next = g_utf8_next_char(q);
      if (ch == ' ' && seen_text) {
        brk = q;
        brk_len = row->len;
      } else if (ch != ' ') {
        seen_text = TRUE;
      }
      g_string_append_len(row, q, next - q);
      /* A long DNS name breaks after a dot when there is no space. */
      if (ch == '.' && seen_text && (brk == NULL || *brk != ' ')) {
        brk = next;
        brk_len = row->len;
      }
      cols += w;
      q = next;
    }
    if (*q && brk != NULL && brk > p) {
      g_string_truncate(row, brk_len);
      q = brk;
    }
    g_ptr_array_add(rows, g_strdup(row->str));
    while (*q == ' ')
      q++;
    p = q;
    lead = cont;
  } while (*p);
}

static GPtrArray *
lookup_rows(const App *app, guint width)
{
  g_autoptr(GString) text = g_string_new(NULL);
  dks_lookup_report_text(text, app->lookup, !app->utf8);
  GPtrArray *rows = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) lines = g_strsplit(text->str, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (lines[i + 1] != NULL || *lines[i])
      wrap_line(rows, lines[i], width);
  return rows;
}

static const char *
spinner_frame(const App *app)
{
  static const char *const ascii[] = {"|", "/", "-", "\\"};
  static const char *const utf8[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};
  if (app->utf8)
    return utf8[app->ui.spinner % G_N_ELEMENTS(utf8)];
  return ascii[app->ui.spinner % G_N_ELEMENTS(ascii)];
}

static guint8
result_role(DksResult result)
{
  switch (result) {
  case DKS_RESULT_PASS: return DKS_ROLE_PASS;
  case DKS_RESULT_TEMPERROR: case DKS_RESULT_POLICY: return DKS_ROLE_WARN;
  case DKS_RESULT_NONE: return DKS_ROLE_INFO;
  default: break;
  }
  return DKS_ROLE_FAIL;
}

/* The selector lookup has no run for the layout to draw; until the
 * pipeline offers one, it is shown as its text report in a pager. */
static void
draw_lookup(App *app)
{
  DksCanvas *c = app->canvas;
  if (c->height < 3)
    return;
  g_autofree char *title = g_strdup_printf(" dkimscope %s selector lookup: %s",
                                           app->utf8 ? "—" : "-",
                                           dks_lookup_key_name(app->lookup));
  dks_canvas_put(c, 0, 0, title, c->width, DKS_ATTR_BOLD, DKS_ROLE_TITLE);
  dks_canvas_paint(c, 0, 0, c->width, 1, DKS_ATTR_REVERSE | DKS_ATTR_BOLD, DKS_ROLE_TITLE);

  g_autoptr(GPtrArray) rows = lookup_rows(app, c->width > 2 ? c->width - 2 : c->width);
  guint visible = c->height - 2;
  guint max_scroll = rows->len > visible ? rows->len - visible : 0;
  app->lookup_scroll = MIN(app->lookup_scroll, max_scroll);
  DksResult result = dks_lookup_result(app->lookup);
  for (guint i = 0; i < visible && app->lookup_scroll + i < rows->len; i++) {
    const char *row = g_ptr_array_index(rows, app->lookup_scroll + i);
    gboolean headline = g_str_has_prefix(row, "Result: ");
    dks_canvas_put(c, 1, 1 + i, row, c->width - 1,
                   headline ? DKS_ATTR_BOLD : DKS_ATTR_NONE,
                   headline ? result_role(result) : DKS_ROLE_DEFAULT);
  }

  const char *arrows = app->utf8 ? "↑↓" : "Up/Down";
  g_autofree char *hints = g_strdup_printf("%s scroll  r re-check  c copy  s save  "
                                           "p paste  q quit", arrows);
  g_autofree char *bottom = NULL;
  if (app_dns_pending(app))
    bottom = g_strdup_printf("%s Looking up %s", spinner_frame(app),
                             dks_lookup_key_name(app->lookup));
  else
    bottom = g_strdup(app->ui.status ? app->ui.status : hints);
  dks_canvas_put(c, 0, c->height - 1, bottom, c->width, DKS_ATTR_NONE, DKS_ROLE_DEFAULT);
  dks_canvas_paint(c, 0, c->height - 1, c->width, 1, DKS_ATTR_REVERSE, DKS_ROLE_DEFAULT);
}

static void
app_draw(App *app)
{
  guint width, height;
  dks_term_size(app->term, &width, &height);
  if (app->canvas == NULL || app->canvas->width != width ||
      app->canvas->height != height) {
    dks_canvas_free(app->canvas);
    app->canvas = dks_canvas_new(width, height);
  }
  dks_canvas_clear(app->canvas);
  if (app->ui.screen == DKS_SCREEN_PASTE)
    dks_layout(app->canvas, &app->ui, app->run, app->paste->str);
  else if (app->lookup != NULL)
    draw_lookup(app);
  else if (app->run != NULL)
    dks_layout(app->canvas, &app->ui, app->run, NULL);
  dks_term_draw(app->term, app->canvas);
}

static gboolean
on_redraw(gpointer user_data)
{
  App *app = user_data;
  app->redraw_id = 0;
  app_draw(app);
  return G_SOURCE_REMOVE;
}

/* Redraws once the loop is idle: a burst of DNS answers or keys costs one
 * frame. */
static void
app_schedule_redraw(App *app)
{
  if (app->redraw_id == 0)
    app->redraw_id = g_idle_add_full(G_PRIORITY_HIGH_IDLE, on_redraw, app, NULL);
}

/* ---------- DNS progress ---------- */

static gboolean
on_spinner(gpointer user_data)
{
  App *app = user_data;
  if (app->run)
    dks_ui_tick(&app->ui, app->run);
  else
    app->ui.spinner++;
  app_schedule_redraw(app);
  if (app_dns_pending(app))
    return G_SOURCE_CONTINUE;
  app->spinner_id = 0;
  return G_SOURCE_REMOVE;
}

/* The spinner runs only while answers are awaited. */
static void
app_update_spinner(App *app)
{
  if (app->spinner_id == 0 && app_dns_pending(app))
    app->spinner_id = g_timeout_add(SPINNER_MS, on_spinner, app);
}

static void
app_note_recheck_done(App *app)
{
  if (!app->rechecking || app_dns_pending(app))
    return;
  app->rechecking = FALSE;
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *when = g_date_time_format(now, "%H:%M:%S");
  app_statusf(app, "Re-checked at %s, bypassing DNS caches", when);
}

static void
on_run_changed(DksRun *run, gpointer user_data)
{
  (void)run;
  App *app = user_data;
  app_note_recheck_done(app);
  app_schedule_redraw(app);
}

static void
on_lookup_changed(DksLookup *lookup, gpointer user_data)
{
  (void)lookup;
  App *app = user_data;
  app_note_recheck_done(app);
  app_schedule_redraw(app);
}

/* ---------- what is shown ---------- */

/* Frees the run or lookup shown.  Lookups still in flight are cancelled by
 * replacing the resolver they wait on with a fresh one (freeing a resolver
 * cancels without calling back). */
static void
app_drop_content(App *app)
{
  if (app_dns_pending(app) && app->resolver != NULL) {
    g_autoptr(GError) error = NULL;
    DksResolver *fresh = dks_resolver_new_fresh(app->resolver, &error);
    if (fresh == NULL)
      app_statusf(app, "DNS: %s", error->message);
    dks_resolver_free(app->resolver);
    app->resolver = fresh;
  }
  g_clear_pointer(&app->run, dks_run_free);
  g_clear_pointer(&app->lookup, dks_lookup_free);
  app->rechecking = FALSE;
}

/* What the title line calls the message. */
static const char *
title_for(const char *label)
{
  if (label == NULL || g_str_equal(label, "-"))
    return "standard input";
  return label;
}

static void
app_show_message(App *app, DksMessage *msg, const char *label)
{
  app_drop_content(app);
  char *copy = g_strdup(label);   /* label may be app->label itself */
  g_free(app->label);
  app->label = copy;
  app->run = dks_run_new(msg, app->now);
  dks_ui_open_run(&app->ui, app->run);
  dks_ui_set_title(&app->ui, title_for(app->label));
  if (app->resolver)
    dks_run_start_dns(app->run, app->resolver, on_run_changed, app);
  app_update_spinner(app);
  app_schedule_redraw(app);
}

/* The lookup view is this file's own (the model and layout know runs
 * only); the state keeps the size, the status line and the spinner. */
static void
app_show_lookup(App *app, DksLookup *lookup)
{
  app_drop_content(app);
  app->lookup = lookup;
  app->lookup_scroll = 0;
  app->ui.screen = DKS_SCREEN_OVERVIEW;
  app->ui.help_open = app->ui.advice_open = app->ui.searching = FALSE;
  dks_ui_set_title(&app->ui, dks_lookup_key_name(lookup));
  if (app->resolver)
    dks_lookup_start(lookup, app->resolver, on_lookup_changed, app);
  app_update_spinner(app);
  app_schedule_redraw(app);
}

/* ---------- the paste screen ---------- */

/* The paste screen, for a paste that arrives elsewhere or for p in the
 * lookup view (the model opens it itself for p on a run). */
static void
app_open_paste(App *app)
{
  if (app->lookup != NULL || app->run == NULL) {
    app->ui.screen = DKS_SCREEN_PASTE;
    app->ui.help_open = app->ui.advice_open = app->ui.searching = FALSE;
  } else if (app->ui.screen != DKS_SCREEN_PASTE) {
    dks_ui_apply(&app->ui, app->run, DKS_CMD_PASTE);
  }
  app_schedule_redraw(app);
}

static void
paste_append(App *app, gunichar ch)
{
  if (app->paste->len + 6 > DKS_MAX_MESSAGE_BYTES) {
    if (!app->paste_full)
      app_statusf(app, "The pasted text reached the %u MiB limit; the rest is "
                  "left out", DKS_MAX_MESSAGE_BYTES / (1024u * 1024u));
    app->paste_full = TRUE;
    return;
  }
  g_string_append_unichar(app->paste, ch);
}

static void
paste_backspace(App *app)
{
  if (app->paste->len == 0)
    return;
  const char *start = app->paste->str;
  const char *prev = g_utf8_find_prev_char(start, start + app->paste->len);
  g_string_truncate(app->paste, prev ? (gsize)(prev - start) : 0);
  app->paste_full = FALSE;
}

/* A pasted character: terminals send line ends as CR (some as CRLF); the
 * message wants one line end per line. */
static void
paste_add_pasted(App *app, guint key)
{
  if (!app->paste_open) {
    app->paste_open = TRUE;
    app->paste_from = app->paste->len;
  }
  if (key == '\r') {
    paste_append(app, '\n');
    app->paste_cr = TRUE;
    return;
  }
  gboolean after_cr = app->paste_cr;
  app->paste_cr = FALSE;
  if (key == '\n') {
    if (!after_cr)
      paste_append(app, '\n');
    return;
  }
  if (key == '\t' || (key >= 0x20 && key < 0x110000))
    paste_append(app, key);
}

/* A bracketed paste is complete: text with CRLF line ends arrived with
 * every line end doubled (paste.h). */
static void
paste_close(App *app)
{
  if (!app->paste_open)
    return;
  app->paste_open = FALSE;
  if (dks_paste_undouble_line_ends(app->paste, app->paste_from))
    app_schedule_redraw(app);
}

/* The text's only line, trimmed, when it is one line; else NULL. */
static char *
paste_single_line(const GString *text)
{
  g_autofree char *copy = g_strstrip(g_strdup(text->str));
  if (*copy == '\0' || strchr(copy, '\n') != NULL)
    return NULL;
  return g_steal_pointer(&copy);
}

static gboolean
paste_try_file(App *app, const char *line)
{
  g_autofree char *path = g_str_has_prefix(line, "~/")
                            ? g_build_filename(g_get_home_dir(), line + 2, NULL)
                            : g_strdup(line);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  if (msg == NULL) {
    app_statusf(app, "%s", error->message);
    return TRUE;
  }
  g_string_truncate(app->paste, 0);
  app_show_message(app, msg, path);
  return TRUE;
}

/* "SELECTOR DOMAIN" or "SELECTOR._domainkey.DOMAIN": look the key up. */
static gboolean
paste_try_lookup(App *app, const char *line)
{
  if (strpbrk(line, ":@<>") != NULL)
    return FALSE;
  g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
  const char *parts[3] = {NULL, NULL, NULL};
  guint n = 0;
  for (guint i = 0; words[i]; i++)
    if (*words[i] != '\0') {
      if (n == 2)
        return FALSE;
      parts[n++] = words[i];
    }
  g_autofree char *selector = NULL, *domain = NULL;
  if (n == 2) {
    selector = g_strdup(parts[0]);
    domain = g_strdup(parts[1]);
  } else if (n == 1) {
    const char *mark = strstr(parts[0], "._domainkey.");
    if (mark == NULL || mark == parts[0])
      return FALSE;
    selector = g_strndup(parts[0], mark - parts[0]);
    domain = g_strdup(mark + strlen("._domainkey."));
  } else {
    return FALSE;
  }
  g_autoptr(GError) error = NULL;
  DksLookup *lookup = dks_lookup_new(selector, domain, &error);
  if (lookup == NULL) {
    app_statusf(app, "%s", error->message);
    return TRUE;
  }
  g_string_truncate(app->paste, 0);
  app_show_lookup(app, lookup);
  return TRUE;
}

/* Esc: back to what was shown before the paste screen. */
static void
paste_go_back(App *app)
{
  if (app->lookup != NULL) {
    app->ui.screen = DKS_SCREEN_OVERVIEW;
    app_schedule_redraw(app);
    return;
  }
  if (app->run == NULL) {
    app_status(app, "Paste a message first, or press Ctrl-C to quit");
    return;
  }
  app_perform(app, dks_ui_apply(&app->ui, app->run, DKS_CMD_BACK));
}

/* Ctrl-D: as at a shell prompt, end of input.  Nothing pasted: leave (or
 * go back to the message shown).  One line naming a file: open it; one
 * line "SELECTOR DOMAIN": look the key up.  Otherwise analyse the text. */
static void
paste_finish(App *app)
{
  if (app->paste->len == 0) {
    if (app->run == NULL && app->lookup == NULL)
      app_quit(app);
    else
      paste_go_back(app);
    return;
  }
  g_autofree char *line = paste_single_line(app->paste);
  if (line != NULL && (paste_try_file(app, line) || paste_try_lookup(app, line)))
    return;
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(app->paste->str, app->paste->len, &error);
  if (msg == NULL) {
    if (line != NULL)
      app_status(app, "Not a message: paste its headers (or all of it), a file's "
                 "path, or SELECTOR DOMAIN");
    else
      app_statusf(app, "%s", error->message);
    return;
  }
  g_string_truncate(app->paste, 0);
  app->paste_full = FALSE;
  app_show_message(app, msg, "pasted text");
}

/* A key typed on the paste screen: text, except Ctrl-D (finish), Esc
 * (back) and the keys the model takes there (F1, Ctrl-L). */
static void
paste_key(App *app, guint key)
{
  app->paste_cr = FALSE;
  switch (key) {
  case DKS_KEY_CTRL_D: paste_finish(app); break;
  case DKS_KEY_ENTER: paste_append(app, '\n'); break;
  case DKS_KEY_TAB: paste_append(app, '\t'); break;
  case DKS_KEY_BACKSPACE: paste_backspace(app); break;
  case DKS_KEY_ESCAPE: paste_go_back(app); break;
  case DKS_KEY_CTRL_C:   /* as SIGINT, when the terminal sends it as a key */
    app->exit_code = 128 + SIGINT;
    g_main_loop_quit(app->loop);
    break;
  case DKS_KEY_CTRL_L:
    dks_term_invalidate(app->term);
    break;
  case DKS_KEY_F1:
    app_perform(app, dks_ui_apply(&app->ui, app->run, DKS_CMD_HELP));
    break;
  default:
    if (key >= 0x20 && key < 0x110000)
      paste_append(app, key);
    break;
  }
  app_schedule_redraw(app);
}

/* ---------- copy and save ---------- */

/* The text that copy and save hand out: the advice when its overlay is
 * open, else the report.  Caller frees. */
static char *
app_export_text(App *app, gboolean *is_advice)
{
  g_autoptr(GString) out = g_string_new(NULL);
  *is_advice = FALSE;
  if (app->lookup) {
    dks_lookup_report_text(out, app->lookup, !app->utf8);
  } else if (app->run) {
    DksReportOptions ropt = {
      .file = app->label,
      .resolver = app->resolver ? dks_resolver_describe(app->resolver) : NULL,
      .ascii_only = !app->utf8,
      .width = 80,
    };
    if (app->ui.advice_open) {
      dks_report_advice(out, app->run, &ropt);
      *is_advice = TRUE;
    } else {
      dks_report_text(out, app->run, &ropt);
    }
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* OSC 52 puts text on the clipboard of the terminal the user sits at, also
 * over SSH; tmux passes it on with set-clipboard on. */
static void
app_copy(App *app)
{
  gboolean advice = FALSE;
  g_autofree char *text = app_export_text(app, &advice);
  if (*text == '\0')
    return;
  g_autofree char *b64 = g_base64_encode((const guchar *)text, strlen(text));
  if (strlen(b64) > MAX_OSC52_BYTES) {
    app_status(app, "Too long for the clipboard: save it with s instead");
    return;
  }
  g_autofree char *seq = g_strdup_printf("\033]52;c;%s\a", b64);
  g_autoptr(GError) error = NULL;
  if (!dks_term_write_raw(app->term, seq, strlen(seq), &error)) {
    app_statusf(app, "Not copied: %s", error->message);
    return;
  }
  app_statusf(app, "Copied the %s (OSC 52)%s; in tmux: set -g set-clipboard on",
              advice ? "advice" : "report",
              app_dns_pending(app) ? ", DNS still pending" : "");
}

static void
prompt_show(App *app)
{
  g_autofree char *clean = dks_sanitize(app->prompt_path->str, -1, !app->utf8);
  const char *what = app->prompt_advice ? "advice" : "report";
  g_autofree char *text =
    app->prompt == PROMPT_OVERWRITE
      ? g_strdup_printf("%s exists. Overwrite it? (y/n)", clean)
      : g_strdup_printf("Save the %s to: %s_   (Enter saves, Esc cancels)", what, clean);
  app_status(app, text);
}

static void
app_start_save(App *app)
{
  if (app->run == NULL && app->lookup == NULL)
    return;
  app->prompt = PROMPT_PATH;
  app->prompt_advice = app->run != NULL && app->ui.advice_open;
  g_string_assign(app->prompt_path,
                  app->prompt_advice ? DEFAULT_ADVICE_PATH : DEFAULT_REPORT_PATH);
  prompt_show(app);
}

static char *
prompt_expanded_path(const App *app)
{
  const char *path = app->prompt_path->str;
  if (*path == '\0')
    path = app->prompt_advice ? DEFAULT_ADVICE_PATH : DEFAULT_REPORT_PATH;
  if (g_str_has_prefix(path, "~/"))
    return g_build_filename(g_get_home_dir(), path + 2, NULL);
  return g_strdup(path);
}

/* Writes the text; never replaces a file unless overwrite (the user said
 * y).  "wx" creates exclusively, so a file appearing meanwhile is not
 * clobbered either. */
static void
prompt_write(App *app, gboolean overwrite)
{
  g_autofree char *path = prompt_expanded_path(app);
  gboolean advice = FALSE;
  gboolean saved_advice_open = app->ui.advice_open;
  app->ui.advice_open = app->prompt_advice;
  g_autofree char *text = app_export_text(app, &advice);
  app->ui.advice_open = saved_advice_open;
  FILE *f = fopen(path, overwrite ? "w" : "wx");
  if (f == NULL && errno == EEXIST) {
    app->prompt = PROMPT_OVERWRITE;
    prompt_show(app);
    return;
  }
  if (f == NULL) {
    int err = errno;
    app->prompt = PROMPT_NONE;
    app_statusf(app, "Not saved: %s: %s", path, g_strerror(err));
    return;
  }
  gsize len = strlen(text);
  gboolean ok = fwrite(text, 1, len, f) == len;
  int err = errno;
  if (fclose(f) != 0 && ok) {
    ok = FALSE;
    err = errno;
  }
  app->prompt = PROMPT_NONE;
  if (!ok)
    app_statusf(app, "Not saved: %s: %s", path, g_strerror(err));
  else
    app_statusf(app, "Saved the %s to %s", advice ? "advice" : "report", path);
}

static void
prompt_confirm(App *app)
{
  g_autofree char *path = prompt_expanded_path(app);
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    app_statusf(app, "%s is a folder: name a file (Esc cancels)", path);
    return;
  }
  prompt_write(app, FALSE);
}

static void
prompt_key(App *app, const DksTermKey *k)
{
  if (app->prompt == PROMPT_OVERWRITE) {
    if (k->key == 'y' || k->key == 'Y') {
      prompt_write(app, TRUE);
    } else {
      app->prompt = PROMPT_PATH;
      prompt_show(app);
    }
    return;
  }
  switch (k->key) {
  case DKS_KEY_ENTER:
    if (k->pasted)
      return;
    prompt_confirm(app);
    return;
  case DKS_KEY_ESCAPE:
  case DKS_KEY_CTRL_C:
    app->prompt = PROMPT_NONE;
    app_status(app, "Not saved");
    return;
  case DKS_KEY_BACKSPACE: {
    const char *start = app->prompt_path->str;
    const char *prev = g_utf8_find_prev_char(start, start + app->prompt_path->len);
    g_string_truncate(app->prompt_path, prev ? (gsize)(prev - start) : 0);
    break;
  }
  case 0x15: /* Ctrl-U, as in a shell: clear the line */
    g_string_truncate(app->prompt_path, 0);
    break;
  default:
    if (k->key >= 0x20 && k->key < 0x110000 && app->prompt_path->len < MAX_PROMPT_BYTES)
      g_string_append_unichar(app->prompt_path, k->key);
    break;
  }
  prompt_show(app);
}

/* ---------- re-check ---------- */

/* The sender's admin says "published": ask again on a fresh resolver, so
 * no cached (negative) answer stands in the way. */
static void
app_recheck(App *app)
{
  if (app->run == NULL && app->lookup == NULL)
    return;
  if (app_dns_pending(app)) {
    app_status(app, "Still waiting for DNS answers; re-check once they are in");
    return;
  }
  if (app->resolver == NULL) {
    app_status(app, "No DNS resolver: restart dkimscope");
    return;
  }
  g_autoptr(GError) error = NULL;
  DksResolver *fresh = dks_resolver_new_fresh(app->resolver, &error);
  if (fresh == NULL) {
    app_statusf(app, "Re-check failed: %s", error->message);
    return;
  }
  if (app->lookup) {
    dks_lookup_start(app->lookup, fresh, on_lookup_changed, app);
  } else if (!dks_run_recheck_dns(app->run, fresh, on_run_changed, app)) {
    dks_resolver_free(fresh);
    app_status(app, "Still waiting for DNS answers; re-check once they are in");
    return;
  }
  dks_resolver_free(app->resolver);
  app->resolver = fresh;
  app->rechecking = TRUE;
  app_status(app, "Re-checking, bypassing DNS caches...");
  app_note_recheck_done(app);
  app_update_spinner(app);
}

/* ---------- keys ---------- */

static void
app_perform(App *app, guint effects)
{
  if (effects & DKS_EFFECT_QUIT) {
    app_quit(app);
    return;
  }
  if (effects & DKS_EFFECT_RECHECK)
    app_recheck(app);
  if (effects & DKS_EFFECT_COPY)
    app_copy(app);
  if (effects & DKS_EFFECT_SAVE)
    app_start_save(app);
  if (effects & DKS_EFFECT_PASTE)
    app_open_paste(app);
  if (effects != DKS_EFFECT_NONE)
    app_schedule_redraw(app);
}

/* The lookup view's own commands (the model knows only runs). */
static guint
lookup_command(App *app, DksCommand command)
{
  guint page = app->ui.height > 4 ? app->ui.height - 3 : 1;
  switch (command) {
  case DKS_CMD_UP: app->lookup_scroll -= MIN(app->lookup_scroll, 1); break;
  case DKS_CMD_DOWN: app->lookup_scroll++; break;
  case DKS_CMD_PAGE_UP: app->lookup_scroll -= MIN(app->lookup_scroll, page); break;
  case DKS_CMD_PAGE_DOWN: app->lookup_scroll += page; break;
  case DKS_CMD_HOME: app->lookup_scroll = 0; break;
  case DKS_CMD_END: app->lookup_scroll = G_MAXUINT / 2; break;
  case DKS_CMD_QUIT: return DKS_EFFECT_QUIT;
  case DKS_CMD_RECHECK: return DKS_EFFECT_RECHECK;
  case DKS_CMD_COPY: return DKS_EFFECT_COPY;
  case DKS_CMD_SAVE: return DKS_EFFECT_SAVE;
  case DKS_CMD_PASTE: return DKS_EFFECT_PASTE;
  case DKS_CMD_NONE: return DKS_EFFECT_NONE;
  default: break;
  }
  return DKS_EFFECT_REDRAW;
}

static void
app_resize(App *app)
{
  dks_term_update_size(app->term);
  guint width, height;
  dks_term_size(app->term, &width, &height);
  app_perform(app, dks_ui_resize(&app->ui, width, height));
  dks_term_invalidate(app->term);
  app_draw(app);
}

/* Where a key goes: the save prompt, the paste text, the lookup view, or
 * the model. */
static void
app_key(App *app, const DksTermKey *k)
{
  if (k->key == DKS_KEY_RESIZE) {
    app_resize(app);
    return;
  }
  /* A typed key after pasted text also ends the paste, should its end
   * marker have been lost. */
  if (k->paste_end || !k->pasted)
    paste_close(app);
  if (k->paste_end)
    return;
  if (app->prompt != PROMPT_NONE) {
    prompt_key(app, k);
    return;
  }
  if (k->pasted) {
    /* Pasted text is never a command: a search takes it, else it is the
     * next message, wherever it was pasted. */
    if (app->ui.searching && app->run) {
      app_perform(app, dks_ui_type(&app->ui, app->run, k->key));
      return;
    }
    if (app->ui.screen != DKS_SCREEN_PASTE || app->ui.help_open) {
      app_open_paste(app);
      app->ui.help_open = FALSE;
    }
    paste_add_pasted(app, k->key);
    app_schedule_redraw(app);
    return;
  }
  if (app->ui.screen == DKS_SCREEN_PASTE && !app->ui.help_open) {
    paste_key(app, k->key);
    return;
  }
  if (app->lookup != NULL) {
    DksCommand command = dks_key_command(k->key);
    if (command == DKS_CMD_REDRAW)
      dks_term_invalidate(app->term);
    app_perform(app, lookup_command(app, command));
    return;
  }
  if (dks_key_command(k->key) == DKS_CMD_REDRAW && !app->ui.searching)
    dks_term_invalidate(app->term);
  app_perform(app, dks_ui_key(&app->ui, app->run, k->key));
}

static gboolean
on_input(int fd, GIOCondition condition, gpointer user_data)
{
  (void)fd;
  App *app = user_data;
  DksTermKey k;
  guint n = 0;
  while (n++ < KEYS_PER_BATCH && g_main_loop_is_running(app->loop) &&
         dks_term_read_key(app->term, &k))
    app_key(app, &k);
  if ((condition & (G_IO_HUP | G_IO_ERR)) && n == 1) {
    /* The terminal went away and nothing more can be read. */
    app->exit_code = 128 + SIGHUP;
    app->input_id = 0;
    g_main_loop_quit(app->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* ---------- signals ---------- */

static gboolean
quit_for_signal(App *app, int sig)
{
  app->exit_code = 128 + sig;
  g_main_loop_quit(app->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean on_sigint(gpointer app) { return quit_for_signal(app, SIGINT); }
static gboolean on_sigterm(gpointer app) { return quit_for_signal(app, SIGTERM); }
static gboolean on_sighup(gpointer app) { return quit_for_signal(app, SIGHUP); }

static gboolean
on_sigwinch(gpointer user_data)
{
  App *app = user_data;
  if (app->term)
    app_resize(app);
  return G_SOURCE_CONTINUE;
}

/* ---------- suspending (Ctrl-Z) and continuing ----------
 * GLib's signal sources know neither SIGTSTP nor SIGCONT, so a handler
 * writes the signal into a pipe and the loop acts on it there: curses and
 * the terminal are no work for a signal handler. */

static struct {
  int fds[2];                  /* read, write; -1 when not set up */
  gboolean tstp_ours, cont_ours;
  struct sigaction tstp_before, cont_before;
} stop_pipe = {.fds = {-1, -1}};

#define STOP_BYTE 'T'
#define CONT_BYTE 'C'

static void
on_stop_signal(int sig)
{
  int saved_errno = errno;
  char byte = sig == SIGTSTP ? STOP_BYTE : CONT_BYTE;
  /* A full pipe already holds enough to act on. */
  ssize_t n = write(stop_pipe.fds[1], &byte, 1);
  (void)n;
  errno = saved_errno;
}

/* Gives the terminal back, stops as SIGTSTP's default would, and returns
 * once continued (fg). */
static void
app_stop(App *app)
{
  dks_term_suspend(app->term);
  struct sigaction stop = {0}, ours;
  stop.sa_handler = SIG_DFL;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGTSTP, &stop, &ours);
  /* In an orphaned process group the kernel drops it: we go on at once. */
  raise(SIGTSTP);
  sigaction(SIGTSTP, &ours, NULL);
}

/* The last signal written into the pipe, or 0. */
static char
drain_stop_pipe(int fd)
{
  char bytes[64];
  char last = 0;
  ssize_t n;
  while ((n = read(fd, bytes, sizeof bytes)) > 0)
    last = bytes[n - 1];
  return last;
}

static gboolean
on_stop_pipe(int fd, GIOCondition condition, gpointer user_data)
{
  (void)condition;
  App *app = user_data;
  char last = drain_stop_pipe(fd);
  if (last == 0)
    return G_SOURCE_CONTINUE;
  /* A SIGCONT after the SIGTSTP means someone else already stopped us
   * (a mail client stops its whole process group): only take the
   * terminal back then.  After our own stop, the SIGCONT that continued
   * us is drained, so it costs no second repaint. */
  while (last == STOP_BYTE) {
    app_stop(app);
    last = drain_stop_pipe(fd);
  }
  dks_term_resume(app->term);
  app_resize(app);   /* the size, if it changed meanwhile, and a redraw */
  return G_SOURCE_CONTINUE;
}

static void
catch_signal(int sig, gboolean *ours, struct sigaction *before)
{
  struct sigaction action = {0};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  *ours = sigaction(sig, &action, before) == 0;
}

/* SIGTSTP only when its default is in place: a parent that ignores it
 * (no job control) does not want us stopped. */
static void
app_watch_stops(App *app)
{
  struct sigaction current;
  if (sigaction(SIGTSTP, NULL, &current) != 0 || current.sa_handler != SIG_DFL)
    return;
  if (!g_unix_open_pipe(stop_pipe.fds, FD_CLOEXEC, NULL))
    return;
  g_unix_set_fd_nonblocking(stop_pipe.fds[0], TRUE, NULL);
  g_unix_set_fd_nonblocking(stop_pipe.fds[1], TRUE, NULL);
  catch_signal(SIGTSTP, &stop_pipe.tstp_ours, &stop_pipe.tstp_before);
  catch_signal(SIGCONT, &stop_pipe.cont_ours, &stop_pipe.cont_before);
  app->stop_id = g_unix_fd_add(stop_pipe.fds[0], G_IO_IN, on_stop_pipe, app);
}

static void
app_unwatch_stops(App *app)
{
  g_clear_handle_id(&app->stop_id, g_source_remove);
  if (stop_pipe.tstp_ours)
    sigaction(SIGTSTP, &stop_pipe.tstp_before, NULL);
  if (stop_pipe.cont_ours)
    sigaction(SIGCONT, &stop_pipe.cont_before, NULL);
  stop_pipe.tstp_ours = stop_pipe.cont_ours = FALSE;
  for (guint i = 0; i < 2; i++)
    if (stop_pipe.fds[i] >= 0) {
      close(stop_pipe.fds[i]);
      stop_pipe.fds[i] = -1;
    }
}

/* Before the terminal opens, so curses sees these signals taken and leaves
 * them to us: each one ends, resizes, stops or continues the loop
 * cleanly. */
static void
app_watch_signals(App *app)
{
  app->signal_ids[0] = g_unix_signal_add(SIGINT, on_sigint, app);
  app->signal_ids[1] = g_unix_signal_add(SIGTERM, on_sigterm, app);
  app->signal_ids[2] = g_unix_signal_add(SIGHUP, on_sighup, app);
  app->signal_ids[3] = g_unix_signal_add(SIGWINCH, on_sigwinch, app);
  app_watch_stops(app);
}

static void
app_remove_sources(App *app)
{
  for (guint i = 0; i < G_N_ELEMENTS(app->signal_ids); i++)
    g_clear_handle_id(&app->signal_ids[i], g_source_remove);
  g_clear_handle_id(&app->input_id, g_source_remove);
  g_clear_handle_id(&app->spinner_id, g_source_remove);
  g_clear_handle_id(&app->redraw_id, g_source_remove);
  app_unwatch_stops(app);
}

/* ---------- the loop ---------- */

static void
app_free(App *app)
{
  app_remove_sources(app);
  /* The resolver first: it cancels lookups that would call into the run. */
  g_clear_pointer(&app->resolver, dks_resolver_free);
  g_clear_pointer(&app->run, dks_run_free);
  g_clear_pointer(&app->lookup, dks_lookup_free);
  g_clear_pointer(&app->canvas, dks_canvas_free);
  if (app->paste)
    g_string_free(app->paste, TRUE);
  if (app->prompt_path)
    g_string_free(app->prompt_path, TRUE);
  g_free(app->label);
  g_clear_pointer(&app->loop, g_main_loop_unref);
}

int
dks_app_run(DksAppConfig *config, GError **error)
{
  App app = {0};
  app.resolver = g_steal_pointer(&config->resolver);
  DksMessage *msg = g_steal_pointer(&config->msg);
  DksLookup *lookup = g_steal_pointer(&config->lookup);
  app.now = config->now;
  app.utf8 = config->utf8;
  app.label = g_strdup(config->label ? config->label : "-");
  app.paste = g_string_new(NULL);
  app.prompt_path = g_string_new(NULL);
  app.loop = g_main_loop_new(NULL, FALSE);

  app_watch_signals(&app);
  app.term = dks_term_open(config->color, error);
  if (app.term == NULL) {
    dks_message_free(msg);
    dks_lookup_free(lookup);
    app_free(&app);
    return -1;
  }
  guint width, height;
  dks_term_size(app.term, &width, &height);
  dks_ui_state_init(&app.ui, width, height, app.utf8, dks_term_has_color(app.term));
  if (lookup)
    app_show_lookup(&app, lookup);
  else if (msg)
    app_show_message(&app, msg, app.label);
  else
    app.ui.screen = DKS_SCREEN_PASTE;
  /* The first frame now, before any DNS answer can arrive. */
  g_clear_handle_id(&app.redraw_id, g_source_remove);
  app_draw(&app);

  app.input_id = g_unix_fd_add(dks_term_input_fd(app.term),
                               G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, &app);
  g_main_loop_run(app.loop);

  app_remove_sources(&app);
  g_clear_pointer(&app.term, dks_term_close);
  dks_ui_state_clear(&app.ui);
  int code = app.exit_code;
  app_free(&app);
  return code;
}
