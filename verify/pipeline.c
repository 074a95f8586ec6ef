/* pipeline.c — runs the checks of every signature in RFC 6376 §6.1 order
 * and keeps what each one found.
 *
 * Every step that can be evaluated is evaluated, so the walkthrough shows
 * the whole picture (a body that still matches is worth knowing when the key
 * is missing); the verdict is decided by the FIRST failing step in order,
 * which is the RFC's order: signature field, then key, then body and
 * signature.  A step that needs an earlier one that failed is SKIPPED and
 * says which. */
#include "verify/pipeline.h"

#include <string.h>

#include "parse/base64.h"
#include "parse/finding.h"
#include "parse/limits.h"
#include "verify/crypto.h"

/* ---------- steps and evidence ---------- */

static void G_GNUC_PRINTF(2, 3)
step_evidence(DksStep *step, const char *fmt, ...)
{
  if (step->evidence->len >= DKS_MAX_EVIDENCE_LINES)
    return;
  va_list ap;
  va_start(ap, fmt);
  g_ptr_array_add(step->evidence, g_strdup_vprintf(fmt, ap));
  va_end(ap);
  if (step->evidence->len == DKS_MAX_EVIDENCE_LINES)
    g_ptr_array_add(step->evidence,
                    g_strdup_printf("(further lines omitted: more than %u)",
                                    DKS_MAX_EVIDENCE_LINES));
}

/* Sets the outcome of a step: status, reason and its one-line summary. */
static void G_GNUC_PRINTF(4, 5)
step_finish(DksStep *step, DksStatus status, DksReason reason,
            const char *fmt, ...)
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
step_skip(DksStep *step, DksCheckId because)
{
  step_finish(step, DKS_STATUS_SKIPPED, DKS_REASON_NONE,
              "not checked: needs the %s step, which did not pass",
              dks_check_id_name(because));
}

static gboolean
step_usable(const DksStep *step)
{
  return step->status == DKS_STATUS_PASS || step->status == DKS_STATUS_WARN ||
         step->status == DKS_STATUS_INFO;
}

static void
step_add_findings(DksStep *step, const GPtrArray *findings,
                  DksFindingLevel max_level)
{
  if (findings == NULL)
    return;
  for (guint i = 0; i < findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(findings, i);
    if (f->level <= max_level)
      step_evidence(step, "%s", f->text);
  }
}

static char *
format_time(gint64 unix_time)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(unix_time);
  if (dt == NULL)
    return g_strdup_printf("%" G_GINT64_FORMAT " (out of range)", unix_time);
  return g_date_time_format(dt, "%Y-%m-%d %H:%M:%S UTC");
}

static char *
format_duration(gint64 seconds)
{
  gint64 s = seconds < 0 ? -seconds : seconds;
  if (s < 120)
    return g_strdup_printf("%" G_GINT64_FORMAT " second%s", s, s == 1 ? "" : "s");
  if (s < 7200)
    return g_strdup_printf("%" G_GINT64_FORMAT " minutes", s / 60);
  if (s < 172800)
    return g_strdup_printf("%" G_GINT64_FORMAT " hours", s / 3600);
  return g_strdup_printf("%" G_GINT64_FORMAT " days", s / 86400);
}

/* Joins a GPtrArray of char* (not NULL-terminated) with sep. */
static char *
join_strings(const GPtrArray *strings, const char *sep)
{
  GString *s = g_string_new(NULL);
  for (guint i = 0; strings != NULL && i < strings->len; i++)
    g_string_append_printf(s, "%s%s", i ? sep : "",
                           (const char *)g_ptr_array_index(strings, i));
  return g_string_free(s, FALSE);
}

static char *
hex_digest(const guint8 *digest, gsize len)
{
  GString *s = g_string_sized_new(len * 2);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf(s, "%02x", digest[i]);
  return g_string_free(s, FALSE);
}

/* ---------- signature-field steps (RFC 6376 §6.1.1) ---------- */

static void
check_signature_syntax(DksSigRun *sr)
{
  DksStep *step = &sr->steps[DKS_CHECK_SIGNATURE_SYNTAX];
  const DksSignature *sig = sr->sig;

  if (sig->problem == DKS_SIG_SYNTAX) {
    step_add_findings(step, sig->findings, DKS_FINDING_ERROR);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_SIGNATURE_SYNTAX,
                "the DKIM-Signature field is malformed");
    return;
  }
  sr->key_name = dks_signature_key_name(sig);
  if (sr->key_name == NULL) {
    step_evidence(step, "RFC 6376 §3.6.2.1: s= \"%s\" and d= \"%s\" do not form a "
                  "valid DNS name (labels of 1-63 letters, digits, '-' or '_', "
                  "at most 253 octets)", sig->selector, sig->domain);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_SIGNATURE_SYNTAX,
                "s= and d= do not form a DNS name to look the key up");
    return;
  }
  step_evidence(step, "v=%s a=%s d=%s s=%s", sig->version, sig->algorithm_name,
                sig->domain, sig->selector);
  step_evidence(step, "c=%s/%s (header/body canonicalization)",
                dks_canon_name(sig->header_canon), dks_canon_name(sig->body_canon));
  g_autofree char *h = join_strings(sig->signed_headers, ":");
  step_evidence(step, "h=%s (%u header fields signed)", h, sig->signed_headers->len);
  if (sig->has_length)
    step_evidence(step, "l=%" G_GUINT64_FORMAT " (only this many body octets are signed)",
                  sig->length);
  step_add_findings(step, sig->findings, DKS_FINDING_NOTE);
  gboolean warned = FALSE;
  for (guint i = 0; i < sig->findings->len; i++)
    warned |= ((DksFinding *)g_ptr_array_index(sig->findings, i))->level ==
              DKS_FINDING_WARNING;
  step_finish(step, warned ? DKS_STATUS_WARN : DKS_STATUS_PASS, DKS_REASON_NONE,
              "all required tags are present and well-formed");
}

/* After a SYNTAX problem the parser stops judging the rest, so these steps
 * cannot say more: skip them. */
static gboolean
skipped_after_syntax(DksSigRun *sr, DksStep *step)
{
  if (sr->sig->problem != DKS_SIG_SYNTAX)
    return FALSE;
  step_skip(step, DKS_CHECK_SIGNATURE_SYNTAX);
  return TRUE;
}

static void
check_algorithm(DksSigRun *sr)
{
  DksStep *step = &sr->steps[DKS_CHECK_ALGORITHM];
  const DksSignature *sig = sr->sig;

  if (skipped_after_syntax(sr, step))
    return;
  if (sig->algorithm_unknown || sig->algorithm == DKS_ALG_UNKNOWN) {
    step_evidence(step, "RFC 6376 §3.5 a=: want rsa-sha256 or ed25519-sha256, have '%s'",
                  sig->algorithm_name);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_ALGORITHM_UNSUPPORTED,
                "a=%s is not a DKIM signing algorithm", sig->algorithm_name);
    return;
  }
  if (sig->algorithm == DKS_ALG_RSA_SHA1) {
    step_evidence(step, "RFC 8301 §3.1: verifiers must not consider rsa-sha1 "
                  "signatures valid; the checks below still say whether it "
                  "verifies, because some receivers still accept it");
    step_finish(step, DKS_STATUS_WARN, DKS_REASON_ALGORITHM_DEPRECATED,
                "a=rsa-sha1 is deprecated (RFC 8301)");
    return;
  }
  step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "a=%s",
              dks_algorithm_name(sig->algorithm));
}

static void
check_identity(DksSigRun *sr)
{
  DksStep *step = &sr->steps[DKS_CHECK_IDENTITY];
  const DksSignature *sig = sr->sig;

  if (skipped_after_syntax(sr, step))
    return;
  if (sig->identity_outside_domain) {
    step_evidence(step, "RFC 6376 §3.5 i=: want d= (%s) or a subdomain of it, have '%s'",
                  sig->domain, sig->identity);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_DOMAIN_MISMATCH,
                "i=%s is outside d=%s", sig->identity, sig->domain);
    return;
  }
  if (sig->identity_defaulted) {
    step_finish(step, DKS_STATUS_INFO, DKS_REASON_NONE,
                "no i= tag: the identity defaults to @%s", sig->domain);
    return;
  }
  step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "i=%s is within d=%s",
              sig->identity, sig->domain);
}

static void
check_from_signed(DksSigRun *sr)
{
  DksStep *step = &sr->steps[DKS_CHECK_FROM_SIGNED];
  const DksSignature *sig = sr->sig;

  if (skipped_after_syntax(sr, step))
    return;
  if (sig->from_not_signed) {
    step_evidence(step, "RFC 6376 §5.4: the From header field MUST be signed; "
                  "h= does not list it");
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_FROM_NOT_SIGNED,
                "From is not among the signed header fields");
    return;
  }
  guint from_count = 0, listed = 0;
  for (guint i = 0; i < sig->signed_headers->len; i++)
    if (g_ascii_strcasecmp(g_ptr_array_index(sig->signed_headers, i), "from") == 0)
      listed++;
  for (guint i = 0; i < sr->msg->headers->len; i++)
    if (dks_header_is(sr->msg, dks_message_header(sr->msg, i), "From"))
      from_count++;
  if (listed > from_count)
    step_evidence(step, "From is listed %u times for %u From field(s): the extra "
                  "entry (oversigning) stops anyone adding a second From",
                  listed, from_count);
  step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "From is signed");
}

static void
check_timestamps(DksSigRun *sr, gint64 now)
{
  DksStep *step = &sr->steps[DKS_CHECK_TIMESTAMPS];
  const DksSignature *sig = sr->sig;

  if (skipped_after_syntax(sr, step))
    return;
  g_autofree char *now_text = format_time(now);
  step_evidence(step, "checked against %s", now_text);
  if (sig->has_timestamp) {
    g_autofree char *t = format_time(sig->timestamp);
    step_evidence(step, "t=%" G_GINT64_FORMAT " signed at %s", sig->timestamp, t);
  }
  if (sig->has_expiry) {
    g_autofree char *x = format_time(sig->expiry);
    step_evidence(step, "x=%" G_GINT64_FORMAT " expires at %s", sig->expiry, x);
  }
  if (sig->has_expiry && sig->expiry < now) {
    g_autofree char *ago = format_duration(now - sig->expiry);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_SIGNATURE_EXPIRED,
                "the signature expired %s ago", ago);
    return;
  }
  if (sig->has_timestamp && sig->timestamp > now + DKS_CLOCK_SKEW_SECONDS) {
    g_autofree char *ahead = format_duration(sig->timestamp - now);
    step_evidence(step, "up to %d seconds of clock difference are tolerated",
                  DKS_CLOCK_SKEW_SECONDS);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_SIGNATURE_FUTURE,
                "the signature is dated %s in the future", ahead);
    return;
  }
  if (!sig->has_timestamp && !sig->has_expiry) {
    step_finish(step, DKS_STATUS_INFO, DKS_REASON_NONE,
                "no t= or x= tag: nothing to check");
    return;
  }
  step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE,
              sig->has_expiry ? "signed in the past and not expired"
                              : "signed in the past; no expiry set");
}

/* ---------- body hash (RFC 6376 §3.7, local) ---------- */

static gboolean
bh_equals(const DksSignature *sig, const guint8 *digest, gsize len)
{
  gsize bh_len = 0;
  const guint8 *bh = sig->bh ? g_bytes_get_data(sig->bh, &bh_len) : NULL;
  return bh != NULL && bh_len == len && memcmp(bh, digest, len) == 0;
}

static void
body_hash_headers_only(DksSigRun *sr, DksStep *step, DksHash hash)
{
  const DksSignature *sig = sr->sig;
  dks_body_hash("", 0, sig->body_canon, hash, sig->has_length, sig->length,
                &sr->body_hash);
  g_autofree char *computed = dks_base64_encode(sr->body_hash.digest,
                                                sr->body_hash.digest_len);
  step_evidence(step, "the input has no body: it ends with the header block");
  if (bh_equals(sig, sr->body_hash.digest, sr->body_hash.digest_len)) {
    step_evidence(step, "bh=%s is the hash of an empty body", computed);
    sr->body_hash_match = DKS_TRI_YES;
    step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE,
                "the signed body was empty, so nothing is missing");
    return;
  }
  step_evidence(step, "bh=%s is not the hash of an empty body (%s), so the "
                "signed message had a body that was not given here",
                sig->bh_text, computed);
  step_evidence(step, "to check it, give the whole message (with its body), "
                "e.g. the .eml file or \"show original\" in the mail client");
  sr->body_hash_match = DKS_TRI_NOT_CHECKED;
  step_finish(step, DKS_STATUS_INFO, DKS_REASON_BODY_NOT_CHECKED,
              "the body was not provided, so it could not be checked");
}

static void
check_body_hash(DksSigRun *sr)
{
  DksStep *step = &sr->steps[DKS_CHECK_BODY_HASH];
  const DksSignature *sig = sr->sig;

  if (skipped_after_syntax(sr, step))
    return;
  if (sig->algorithm == DKS_ALG_UNKNOWN) {
    step_skip(step, DKS_CHECK_ALGORITHM);
    return;
  }
  DksHash hash = dks_algorithm_hash(sig->algorithm);
  if (!dks_message_has_body(sr->msg)) {
    body_hash_headers_only(sr, step, hash);
    return;
  }
  gsize body_len = 0;
  const char *body = dks_message_body(sr->msg, &body_len);
  dks_body_hash(body, body_len, sig->body_canon, hash, sig->has_length,
                sig->length, &sr->body_hash);
  g_autofree char *computed = dks_base64_encode(sr->body_hash.digest,
                                                sr->body_hash.digest_len);
  step_evidence(step, "body: %" G_GSIZE_FORMAT " octets, %" G_GUINT64_FORMAT
                " after %s canonicalization", body_len,
                sr->body_hash.canon_body_len, dks_canon_name(sig->body_canon));
  if (sig->has_length)
    step_evidence(step, "l=%" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT
                  " octets hashed, %" G_GUINT64_FORMAT " unsigned octets after them",
                  sig->length, sr->body_hash.hashed_len,
                  sr->body_hash.canon_body_len - sr->body_hash.hashed_len);
  step_evidence(step, "claimed  bh=%s", sig->bh_text);
  step_evidence(step, "computed bh=%s (%s)", computed, dks_hash_name(hash));
  if (sr->body_hash.l_exceeds_body) {
    /* Nothing to compare: the signed part of the body is not all there. */
    sr->body_hash_match = DKS_TRI_NOT_CHECKED;
    step_evidence(step, "RFC 6376 §3.5 l=: want at most the body length (%"
                  G_GUINT64_FORMAT "), have %" G_GUINT64_FORMAT,
                  sr->body_hash.canon_body_len, sig->length);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_L_EXCEEDS_BODY,
                "l= promises %" G_GUINT64_FORMAT " body octets, the body has %"
                G_GUINT64_FORMAT, sig->length, sr->body_hash.canon_body_len);
    return;
  }
  if (bh_equals(sig, sr->body_hash.digest, sr->body_hash.digest_len)) {
    sr->body_hash_match = DKS_TRI_YES;
    step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE,
                "the body is exactly what was signed");
    return;
  }
  sr->body_hash_match = DKS_TRI_NO;
  step_finish(step, DKS_STATUS_FAIL, DKS_REASON_BODY_HASH_MISMATCH,
              "the body hash differs: the body changed after signing");
}

/* ---------- key steps (RFC 6376 §6.1.2) ---------- */

static gboolean
signature_stage_failed(const DksSigRun *sr, DksCheckId *which)
{
  for (int c = DKS_CHECK_SIGNATURE_SYNTAX; c <= DKS_CHECK_TIMESTAMPS; c++)
    if (sr->steps[c].status == DKS_STATUS_FAIL) {
      *which = (DksCheckId)c;
      return TRUE;
    }
  return FALSE;
}

static void
evidence_dns_chain(DksStep *step, const DksDnsAnswer *dns)
{
  for (guint i = 0; dns->cname_chain && i < dns->cname_chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(dns->cname_chain, i);
    step_evidence(step, "%s is a CNAME (TTL %u) for %s", hop->owner, hop->ttl,
                  hop->target);
  }
}

static const char *
dns_final_name(const DksDnsAnswer *dns)
{
  if (dns->cname_chain && dns->cname_chain->len > 0) {
    const DksCnameHop *last =
      g_ptr_array_index(dns->cname_chain, dns->cname_chain->len - 1);
    return last->target;
  }
  return dns->qname;
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
evidence_dns_answer(DksStep *step, const DksDnsAnswer *dns)
{
  step_evidence(step, "query: %s TXT via %s", dns->qname,
                dns->resolver ? dns->resolver : "resolver");
  evidence_dns_chain(step, dns);
  for (guint i = 0; dns->txt && i < dns->txt->len; i++) {
    const DksTxtRecord *txt = g_ptr_array_index(dns->txt, i);
    GString *lens = g_string_new(NULL);
    for (guint j = 0; j < txt->strings->len; j++)
      g_string_append_printf(lens, "%s%" G_GSIZE_FORMAT, j ? "+" : "",
                             g_bytes_get_size(g_ptr_array_index(txt->strings, j)));
    step_evidence(step, "TXT record %u at %s (TTL %u): %u string(s) of %s octets",
                  i + 1, txt->owner, txt->ttl, txt->strings->len, lens->str);
    g_string_free(lens, TRUE);
  }
  if (dns->rcode < 0)
    step_evidence(step, "no response (%s) after %" G_GINT64_FORMAT " ms",
                  dks_dns_outcome_name(dns->outcome), dns->elapsed_us / 1000);
  else
    step_evidence(step, "response: %s%s, %" G_GSIZE_FORMAT " octets, %"
                  G_GINT64_FORMAT " ms", dks_dns_rcode_name(dns->rcode),
                  dns->outcome == DKS_DNS_NODATA ? " with no TXT record (NODATA)" : "",
                  dns->answer_size, dns->elapsed_us / 1000);
  if (dns->dnssec_note != NULL)
    step_evidence(step, "DNSSEC: not validated: %s%s", dns->dnssec_note,
                  dns->resolver_ad ? " (the resolver set the AD bit: it says it "
                                     "validated)" : "");
  else if (dns->dnssec == DKS_DNSSEC_UNCHECKED && dns->resolver_ad)
    step_evidence(step, "DNSSEC: not validated here, but the resolver set the AD "
                  "bit: it says it validated the answer");
  else
    step_evidence(step, "DNSSEC: %s", dnssec_words(dns->dnssec));
  if (dns->answer_size > 512)
    step_evidence(step, "the response is larger than 512 octets: it needs EDNS0 "
                  "or TCP, which some firewalls and old resolvers block");
  if (dns->has_negative_ttl) {
    g_autofree char *ttl = format_duration(dns->negative_ttl);
    step_evidence(step, "resolvers may cache this negative answer for %s "
                  "(RFC 2308)", ttl);
  }
  if (dns->dig_command)
    step_evidence(step, "to reproduce: %s", dns->dig_command);
  if (dns->why_bogus)
    step_evidence(step, "DNSSEC validation failed: %s", dns->why_bogus);
  if (dns->error)
    step_evidence(step, "resolver: %s", dns->error);
}

static void
finish_lookup_missing(DksSigRun *sr, DksStep *step, const DksDnsAnswer *dns)
{
  const char *name = dns_final_name(dns);
  gboolean chained = dns->cname_chain && dns->cname_chain->len > 0;
  if (dns->outside_zones)
    step_evidence(step, "%s is outside every zone file loaded with --dns-zone", name);
  if (dns->outcome == DKS_DNS_NXDOMAIN)
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_NOT_FOUND,
                chained ? "%s leads through a CNAME to %s, which does not exist"
                        : "%s does not exist in DNS (NXDOMAIN)",
                sr->key_name, name);
  else
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_NOT_FOUND,
                chained ? "%s leads through a CNAME to %s, which has no TXT record"
                        : "%s exists but has no TXT record (NODATA)",
                sr->key_name, name);
}

static void
check_key_lookup(DksSigRun *sr)
{
  DksStep *step = &sr->steps[DKS_CHECK_KEY_LOOKUP];
  const DksDnsAnswer *dns = sr->dns;

  evidence_dns_answer(step, dns);
  if (dns->dnssec == DKS_DNSSEC_BOGUS) {
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_DNSSEC_BOGUS,
                "the answer for %s failed DNSSEC validation", sr->key_name);
    return;
  }
  switch (dns->outcome) {
  case DKS_DNS_ANSWER:
    if (dns->txt == NULL || dns->txt->len == 0) {
      finish_lookup_missing(sr, step, dns);
      return;
    }
    step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "%u TXT record(s) at %s",
                dns->txt->len, dns_final_name(dns));
    return;
  case DKS_DNS_NXDOMAIN:
  case DKS_DNS_NODATA:
    finish_lookup_missing(sr, step, dns);
    return;
  case DKS_DNS_TIMEOUT:
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_DNS_TEMPERROR,
                "no DNS answer for %s in time", sr->key_name);
    return;
  case DKS_DNS_CNAME_LOOP:
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_DNS_TEMPERROR,
                "the CNAME chain from %s loops or is too long", sr->key_name);
    return;
  case DKS_DNS_SERVFAIL:
  case DKS_DNS_REFUSED:
  case DKS_DNS_ERROR:
    break;
  }
  step_finish(step, DKS_STATUS_FAIL, DKS_REASON_DNS_TEMPERROR,
              "the DNS lookup of %s failed (%s)", sr->key_name,
              dks_dns_outcome_name(dns->outcome));
}

static const char *
algorithm_key_type_name(DksAlgorithm alg)
{
  return alg == DKS_ALG_ED25519_SHA256 ? "ed25519" : "rsa";
}

static DksKeyType
algorithm_key_type(DksAlgorithm alg)
{
  return alg == DKS_ALG_ED25519_SHA256 ? DKS_KEY_TYPE_ED25519 : DKS_KEY_TYPE_RSA;
}

static const char *
identity_domain(const DksSignature *sig)
{
  const char *at = sig->identity ? strrchr(sig->identity, '@') : NULL;
  return at ? at + 1 : sig->domain;
}

/* Checks the parsed record's tags against the signature; FALSE when one
 * forbids it (the step is then finished). */
static gboolean
key_record_allows_signature(DksSigRun *sr, DksStep *step)
{
  const DksKeyRecord *key = sr->key;
  const DksSignature *sig = sr->sig;

  if (sig->algorithm != DKS_ALG_UNKNOWN &&
      key->key_type != algorithm_key_type(sig->algorithm)) {
    step_evidence(step, "RFC 6376 §3.6.1 k=: want %s for a=%s, have %s",
                  algorithm_key_type_name(sig->algorithm),
                  dks_algorithm_name(sig->algorithm), dks_key_type_name(key->key_type));
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_ALGORITHM_MISMATCH,
                "the record holds an %s key, the signature needs %s",
                dks_key_type_name(key->key_type),
                algorithm_key_type_name(sig->algorithm));
    return FALSE;
  }
  if (sig->algorithm != DKS_ALG_UNKNOWN) {
    const char *hash = dks_hash_name(dks_algorithm_hash(sig->algorithm));
    if (!dks_key_record_allows_hash(key, hash)) {
      g_autofree char *h = join_strings(key->hashes, ":");
      step_evidence(step, "RFC 6376 §3.6.1 h=: want a list with %s, have %s", hash, h);
      step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_HASH_NOT_ALLOWED,
                  "the key allows only h=%s, the signature uses %s", h, hash);
      return FALSE;
    }
  }
  if (key->strict && sig->domain &&
      g_ascii_strcasecmp(identity_domain(sig), sig->domain) != 0) {
    step_evidence(step, "RFC 6376 §3.6.1 t=s: the i= domain must equal d= "
                  "(%s), have %s", sig->domain, identity_domain(sig));
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_DOMAIN_MISMATCH,
                "the key has t=s, so i= may not name a subdomain");
    return FALSE;
  }
  return TRUE;
}

static void
check_key_record(DksSigRun *sr, DksPublicKey **loaded)
{
  DksStep *step = &sr->steps[DKS_CHECK_KEY_RECORD];
  const DksDnsAnswer *dns = sr->dns;

  if (!step_usable(&sr->steps[DKS_CHECK_KEY_LOOKUP])) {
    step_skip(step, DKS_CHECK_KEY_LOOKUP);
    return;
  }
  const DksTxtRecord *txt = g_ptr_array_index(dns->txt, 0);
  gsize len = 0;
  const char *text = g_bytes_get_data(txt->joined, &len);
  sr->key = dks_key_record_parse(text ? text : "", len);
  g_autofree char *quoted = dks_quote_bytes(text, len, 160);
  step_evidence(step, "record: %s", quoted);
  if (dns->txt->len > 1) {
    step_evidence(step, "RFC 6376 §3.6.2.2: want one TXT record at the key name, "
                  "have %u; verifiers may pick any of them", dns->txt->len);
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_SYNTAX,
                "%u TXT records at one key name: which key applies is undefined",
                dns->txt->len);
    return;
  }
  step_add_findings(step, sr->key->findings, DKS_FINDING_NOTE);
  if (sr->key->problem == DKS_KEY_REVOKED) {
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_REVOKED,
                "p= is empty: the key was revoked");
    return;
  }
  if (sr->key->problem == DKS_KEY_SYNTAX) {
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_SYNTAX,
                "the key record is malformed");
    return;
  }
  /* A lookup has no signature to hold the record against. */
  if (sr->msg != NULL && !key_record_allows_signature(sr, step))
    return;
  g_autofree char *why = NULL;
  *loaded = dks_public_key_load(sr->key->public_key, sr->key->key_type, &why);
  if (*loaded == NULL) {
    step_evidence(step, "p=: %s", why ? why : "no usable public key");
    step_finish(step, DKS_STATUS_FAIL, DKS_REASON_KEY_SYNTAX,
                "p= does not hold a usable %s public key",
                dks_key_type_name(sr->key->key_type));
    return;
  }
  sr->key_type = dks_public_key_type(*loaded);
  sr->key_bits = dks_public_key_bits(*loaded);
  g_autofree char *fp = dks_public_key_fingerprint(*loaded);
  step_evidence(step, "key fingerprint (SHA-256): %s", fp);
  gboolean warn = FALSE;
  const char *key_warning = dks_public_key_warning(*loaded);
  if (key_warning != NULL) {
    step_evidence(step, "p=: %s", key_warning);
    warn = TRUE;
  }
  if (sr->key->testing) {
    step_evidence(step, "t=y: the domain is testing DKIM; receivers must not treat "
                  "failures differently from unsigned mail (RFC 6376 §3.6.1)");
    warn = TRUE;
  }
  step_finish(step, warn ? DKS_STATUS_WARN : DKS_STATUS_PASS, DKS_REASON_NONE,
              "a valid %s key record", dks_key_type_name(sr->key_type));
}

static void
check_key_strength(DksSigRun *sr)
{
  DksStep *step = &sr->steps[DKS_CHECK_KEY_STRENGTH];

  if (!step_usable(&sr->steps[DKS_CHECK_KEY_RECORD])) {
    step_skip(step, DKS_CHECK_KEY_RECORD);
    return;
  }
  if (sr->key_type == DKS_KEY_TYPE_ED25519) {
    step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "Ed25519 key (RFC 8463)");
    return;
  }
  if (sr->key_bits < 1024) {
    step_evidence(step, "RFC 8301 §3.2: verifiers must not consider signatures "
                  "with RSA keys under 1024 bits valid");
    step_finish(step, DKS_STATUS_WARN, DKS_REASON_KEY_TOO_SHORT,
                "RSA key of %u bits, below the 1024-bit minimum", sr->key_bits);
    return;
  }
  if (sr->key_bits < 2048)
    step_evidence(step, "RFC 8301 §3.2: signers should use at least 2048 bits");
  step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE, "RSA key of %u bits",
              sr->key_bits);
}

/* ---------- header signature (RFC 6376 §6.1.3) ---------- */

static void
evidence_signed_fields(DksStep *step, const DksSigRun *sr, const GPtrArray *fields)
{
  for (guint i = 0; i < fields->len; i++) {
    const DksSignedField *f = g_ptr_array_index(fields, i);
    if (f->header_index < 0)
      step_evidence(step, "h= %s: no such field (left out; guards against adding one)",
                    f->name);
    else
      step_evidence(step, "h= %s: header field #%d", f->name, f->header_index + 1);
  }
  (void)sr;
}

static void
check_header_signature(DksSigRun *sr, const DksPublicKey *key)
{
  DksStep *step = &sr->steps[DKS_CHECK_HEADER_SIGNATURE];
  const DksSignature *sig = sr->sig;

  if (key == NULL) {
    DksCheckId need = step_usable(&sr->steps[DKS_CHECK_KEY_RECORD])
                        ? DKS_CHECK_KEY_STRENGTH : DKS_CHECK_KEY_RECORD;
    if (!step_usable(&sr->steps[DKS_CHECK_KEY_LOOKUP]))
      need = DKS_CHECK_KEY_LOOKUP;
    step_skip(step, need);
    return;
  }
  if (sig->problem == DKS_SIG_SYNTAX || sig->algorithm == DKS_ALG_UNKNOWN ||
      sig->b == NULL) {
    step_skip(step, sig->problem == DKS_SIG_SYNTAX ? DKS_CHECK_SIGNATURE_SYNTAX
                                                   : DKS_CHECK_ALGORITHM);
    return;
  }
  DksHash hash = dks_algorithm_hash(sig->algorithm);
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GBytes) input = dks_header_hash_input(sr->msg, sig, &fields);
  gsize input_len = 0;
  const guint8 *data = g_bytes_get_data(input, &input_len);
  evidence_signed_fields(step, sr, fields);
  guint8 digest[32];
  gsize digest_len = dks_digest(hash, data, input_len, digest);
  g_autofree char *hex = hex_digest(digest, digest_len);
  step_evidence(step, "header hash (%s over %" G_GSIZE_FORMAT " canonicalized octets): %s",
                dks_hash_name(hash), input_len, hex);
  step_evidence(step, "b= is %" G_GSIZE_FORMAT " octets", g_bytes_get_size(sig->b));
  if (dks_public_key_verify(key, hash, data, input_len, sig->b)) {
    sr->header_valid = DKS_TRI_YES;
    step_finish(step, DKS_STATUS_PASS, DKS_REASON_NONE,
                "b= verifies with the published key");
    return;
  }
  sr->header_valid = DKS_TRI_NO;
  step_finish(step, DKS_STATUS_FAIL, DKS_REASON_SIGNATURE_MISMATCH,
              "b= does not verify: signed headers changed, or the published "
              "key is not the signing key");
}

/* ---------- verdict ---------- */

/* The first failing step in RFC order decides; RFC 8301 turns a pass or a
 * fail into policy; a body that was not given makes a pass neutral. */
static void
decide(DksSigRun *sr)
{
  DksReason policy = DKS_REASON_NONE, first_fail = DKS_REASON_NONE;
  gboolean pending = FALSE, body_missing = FALSE;

  for (int c = 0; c < DKS_CHECK_COUNT; c++) {
    const DksStep *step = &sr->steps[c];
    if (step->status == DKS_STATUS_PENDING)
      pending = TRUE;
    if (step->status == DKS_STATUS_FAIL && first_fail == DKS_REASON_NONE)
      first_fail = step->reason;
    if (step->status == DKS_STATUS_WARN && policy == DKS_REASON_NONE &&
        dks_reason_result(step->reason) == DKS_RESULT_POLICY)
      policy = step->reason;
    if (step->reason == DKS_REASON_BODY_NOT_CHECKED)
      body_missing = TRUE;
  }
  DksReason reason = first_fail;
  if (reason == DKS_REASON_NONE) {
    if (pending) {
      sr->result = DKS_RESULT_NONE;
      sr->reason = DKS_REASON_NONE;
      return;
    }
    reason = body_missing ? DKS_REASON_BODY_NOT_CHECKED : DKS_REASON_PASS;
  }
  DksResult base = dks_reason_result(reason);
  if (policy != DKS_REASON_NONE &&
      (base == DKS_RESULT_PASS || base == DKS_RESULT_FAIL))
    reason = policy;
  sr->reason = reason;
  sr->result = dks_reason_result(reason);
}

/* ---------- run ---------- */

static void
sig_run_free(DksSigRun *sr)
{
  if (sr == NULL)
    return;
  for (int c = 0; c < DKS_CHECK_COUNT; c++) {
    g_free(sr->steps[c].summary);
    g_ptr_array_unref(sr->steps[c].evidence);
  }
  dks_signature_free(sr->sig);
  g_free(sr->key_name);
  dks_dns_answer_free(sr->dns);
  dks_dns_answer_free(sr->authoritative);
  dks_key_record_free(sr->key);
  g_ptr_array_unref(sr->clues);
  g_free(sr->sibling_name);
  dks_dns_answer_free(sr->sibling);
  g_free(sr);
}

static DksSigRun *
sig_run_new(DksRun *run, DksSignature *sig)
{
  DksSigRun *sr = g_new0(DksSigRun, 1);
  sr->sig = sig;
  sr->msg = run->msg;
  sr->clues = g_ptr_array_new_with_free_func((GDestroyNotify)dks_clue_free);
  for (int c = 0; c < DKS_CHECK_COUNT; c++) {
    sr->steps[c].check = (DksCheckId)c;
    sr->steps[c].status = DKS_STATUS_PENDING;
    sr->steps[c].evidence = g_ptr_array_new_with_free_func(g_free);
  }
  return sr;
}

/* ---------- forensics: clues on what failed ---------- */

static void
add_clues(DksSigRun *sr, GPtrArray *clues)
{
  if (clues == NULL)
    return;
  for (guint i = 0; i < clues->len; i++)
    g_ptr_array_add(sr->clues, g_ptr_array_steal_index(clues, i--));
  g_ptr_array_unref(clues);
}

static void
add_clue(DksSigRun *sr, DksClue *clue)
{
  if (clue != NULL)
    g_ptr_array_add(sr->clues, clue);
}

static gboolean
step_failed_with(const DksSigRun *sr, DksCheckId check, DksReason reason)
{
  return sr->steps[check].status == DKS_STATUS_FAIL && sr->steps[check].reason == reason;
}

/* Clues that need no DNS: how the body changed, whether an expired
 * signature was still valid on arrival.  They survive a DNS re-check. */
static void
add_local_clues(DksSigRun *sr, gint64 now)
{
  if (step_failed_with(sr, DKS_CHECK_TIMESTAMPS, DKS_REASON_SIGNATURE_EXPIRED))
    add_clue(sr, dks_forensics_expiry(sr->msg, sr->sig, now));
  if (step_failed_with(sr, DKS_CHECK_BODY_HASH, DKS_REASON_BODY_HASH_MISMATCH))
    add_clues(sr, dks_forensics_body(sr->msg, sr->sig));
  sr->local_clue_count = sr->clues->len;
}

/* Microsoft 365 publishes two selectors and signs with one at a time: the
 * other one's state tells "rotation pending" from "never set up". */
static char *
sibling_key_name(const DksSignature *sig)
{
  if (sig->selector == NULL || sig->domain == NULL)
    return NULL;
  const char *other = g_ascii_strcasecmp(sig->selector, "selector1") == 0 ? "selector2"
                    : g_ascii_strcasecmp(sig->selector, "selector2") == 0 ? "selector1"
                    : NULL;
  return other ? g_strconcat(other, "._domainkey.", sig->domain, NULL) : NULL;
}

static void
run_local_steps(DksSigRun *sr, gint64 now)
{
  check_signature_syntax(sr);
  check_algorithm(sr);
  check_identity(sr);
  check_from_signed(sr);
  check_timestamps(sr, now);
  check_body_hash(sr);
  add_local_clues(sr, now);
  sr->sibling_name = sibling_key_name(sr->sig);
  if (sr->key_name == NULL) {
    DksCheckId why = DKS_CHECK_SIGNATURE_SYNTAX;
    step_skip(&sr->steps[DKS_CHECK_KEY_LOOKUP], why);
    step_skip(&sr->steps[DKS_CHECK_KEY_RECORD], DKS_CHECK_KEY_LOOKUP);
    step_skip(&sr->steps[DKS_CHECK_KEY_STRENGTH], DKS_CHECK_KEY_RECORD);
    check_header_signature(sr, NULL);
  }
  decide(sr);
}

DksRun *
dks_run_new(DksMessage *msg, gint64 now)
{
  DksRun *run = g_new0(DksRun, 1);
  run->msg = msg;
  run->now = now;
  run->sigs = g_ptr_array_new_with_free_func((GDestroyNotify)sig_run_free);
  GPtrArray *sigs = dks_signatures_parse_all(msg);
  for (guint i = 0; i < sigs->len; i++) {
    DksSigRun *sr = sig_run_new(run, g_ptr_array_steal_index(sigs, i--));
    g_ptr_array_add(run->sigs, sr);
  }
  g_ptr_array_unref(sigs);
  for (guint i = 0; i < run->sigs->len; i++)
    run_local_steps(g_ptr_array_index(run->sigs, i), now);
  run->authres = dks_authres_parse_all(msg);
  run->dmarc = dks_dmarc_new(msg);
  return run;
}

gboolean
dks_sig_run_has_step(const DksSigRun *sr, DksCheckId check)
{
  return sr->msg != NULL || !dks_check_needs_message(check);
}

gboolean
dks_run_is_lookup(const DksRun *run)
{
  return run->msg == NULL;
}

DksRun *
dks_run_new_lookup(const char *selector, const char *domain, gint64 now,
                   GError **error)
{
  const char *why = NULL;
  DksSignature *sig = dks_signature_new_for_key(selector, domain, &why);
  if (sig == NULL) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "%s", why);
    return NULL;
  }
  DksRun *run = g_new0(DksRun, 1);
  run->now = now;
  run->sigs = g_ptr_array_new_with_free_func((GDestroyNotify)sig_run_free);
  run->authres = dks_authres_parse_all(NULL);
  DksSigRun *sr = sig_run_new(run, sig);
  g_ptr_array_add(run->sigs, sr);
  sr->key_name = dks_signature_key_name(sig);
  sr->sibling_name = sibling_key_name(sig);
  for (int c = 0; c < DKS_CHECK_COUNT; c++)
    if (!dks_sig_run_has_step(sr, (DksCheckId)c))
      step_finish(&sr->steps[c], DKS_STATUS_INFO, DKS_REASON_NONE,
                  "not checked: a selector lookup has no message");
  return run;
}

/* One DNS lookup the run waits for: a key, an owner-name probe, the other
 * Microsoft 365 selector, or the DMARC policy. */
typedef struct {
  DksRun *run;
  DksSigRun *sr;
  DksResolver *resolver;
  DksRunChanged changed;
  gpointer user_data;
  DksKeyProbe *probe;
} LookupCtx;

static LookupCtx *
lookup_ctx_new(DksRun *run, DksSigRun *sr, DksResolver *resolver,
               DksRunChanged changed, gpointer user_data)
{
  LookupCtx *ctx = g_new0(LookupCtx, 1);
  ctx->run = run;
  ctx->sr = sr;
  ctx->resolver = resolver;
  ctx->changed = changed;
  ctx->user_data = user_data;
  run->dns_pending++;
  return ctx;
}

/* The resolver was freed before the answer came: only the context goes.
 * The run is not touched (it may be on its way out too). */
static void
lookup_cancelled(gpointer data)
{
  LookupCtx *ctx = data;
  dks_key_probe_free(ctx->probe);
  g_free(ctx);
}

static void
lookup_done(LookupCtx *ctx)
{
  ctx->run->dns_pending--;
  if (ctx->changed)
    ctx->changed(ctx->run, ctx->user_data);
  dks_key_probe_free(ctx->probe);
  g_free(ctx);
}

static void
apply_dns_answer(DksSigRun *sr, DksDnsAnswer *answer)
{
  sr->dns = answer;
  check_key_lookup(sr);
  g_autoptr(DksPublicKey) key = NULL;
  check_key_record(sr, &key);
  if (step_failed_with(sr, DKS_CHECK_KEY_RECORD, DKS_REASON_KEY_SYNTAX) &&
      answer->txt != NULL && answer->txt->len > 0)
    add_clues(sr, dks_forensics_key_record(g_ptr_array_index(answer->txt, 0), sr->key));
  check_key_strength(sr);
  if (dks_sig_run_has_step(sr, DKS_CHECK_HEADER_SIGNATURE))
    check_header_signature(sr, key);
  if (step_failed_with(sr, DKS_CHECK_HEADER_SIGNATURE, DKS_REASON_SIGNATURE_MISMATCH))
    add_clues(sr, dks_forensics_header(sr->msg, sr->sig, key));
  decide(sr);
}

/* Adds what the authoritative servers said to the key-lookup step: the
 * difference between a cached "no such key" and the truth is the whole
 * story when an admin has just published the record. */
static void
compare_with_authoritative(DksSigRun *sr, const DksDnsAnswer *auth)
{
  DksStep *step = &sr->steps[DKS_CHECK_KEY_LOOKUP];
  const DksDnsAnswer *cached = sr->dns;
  step_evidence(step, "asked the authoritative servers directly (%s):",
                auth->resolver ? auth->resolver : "no cache");
  if (auth->outcome == DKS_DNS_ANSWER && auth->txt && auth->txt->len > 0) {
    step_evidence(step, "they publish %u TXT record(s) at %s now", auth->txt->len,
                  dns_final_name(auth));
    if (cached->has_negative_ttl) {
      g_autofree char *left = format_duration(cached->negative_ttl);
      step_evidence(step, "the resolver cached the earlier negative answer; it "
                    "expires in %s (RFC 2308 negative caching), then the key "
                    "will be found", left);
    } else {
      step_evidence(step, "the resolver's answer is out of date (cached or "
                    "from a different view)");
    }
    g_autofree char *summary = g_strdup_printf(
      "%s (but the authoritative servers publish the key now: the resolver's "
      "answer is cached)", step->summary);
    g_free(step->summary);
    step->summary = g_steal_pointer(&summary);
    return;
  }
  if (auth->outcome == DKS_DNS_NXDOMAIN || auth->outcome == DKS_DNS_NODATA) {
    step_evidence(step, "they agree: %s (%s), so nothing is cached wrongly",
                  dns_final_name(auth), dks_dns_outcome_name(auth->outcome));
    return;
  }
  step_evidence(step, "no usable answer from them either (%s%s%s)",
                dks_dns_outcome_name(auth->outcome), auth->error ? ": " : "",
                auth->error ? auth->error : "");
}

static void
on_authoritative_answer(DksDnsAnswer *answer, gpointer user_data)
{
  LookupCtx *ctx = user_data;
  ctx->sr->authoritative = answer;
  compare_with_authoritative(ctx->sr, answer);
  lookup_done(ctx);
}

static void
on_probe_answer(DksDnsAnswer *answer, gpointer user_data)
{
  LookupCtx *ctx = user_data;
  add_clue(ctx->sr, dks_forensics_key_probe_clue(ctx->probe, answer));
  dks_dns_answer_free(answer);
  lookup_done(ctx);
}

static void
on_sibling_answer(DksDnsAnswer *answer, gpointer user_data)
{
  LookupCtx *ctx = user_data;
  ctx->sr->sibling = answer;
  lookup_done(ctx);
}

static gboolean
answer_says_missing(const DksDnsAnswer *dns)
{
  return dns->outcome == DKS_DNS_NXDOMAIN || dns->outcome == DKS_DNS_NODATA ||
         (dns->outcome == DKS_DNS_ANSWER && (dns->txt == NULL || dns->txt->len == 0));
}

/* The key is missing or unusable: look for it where people misplace it. */
static void
start_key_probes(LookupCtx *parent)
{
  DksSigRun *sr = parent->sr;
  if (!step_failed_with(sr, DKS_CHECK_KEY_LOOKUP, DKS_REASON_KEY_NOT_FOUND) &&
      !step_failed_with(sr, DKS_CHECK_KEY_RECORD, DKS_REASON_KEY_SYNTAX))
    return;
  g_autoptr(GPtrArray) probes = dks_forensics_key_probes(sr->sig);
  for (guint i = 0; probes && i < probes->len; i++) {
    LookupCtx *ctx = lookup_ctx_new(parent->run, sr, parent->resolver,
                                    parent->changed, parent->user_data);
    ctx->probe = g_ptr_array_steal_index(probes, i--);
    dks_resolver_lookup_txt_full(parent->resolver, ctx->probe->name, on_probe_answer, ctx,
                                 lookup_cancelled);
  }
}

static void
on_key_answer(DksDnsAnswer *answer, gpointer user_data)
{
  LookupCtx *ctx = user_data;
  ctx->sr->dns_pending = FALSE;
  apply_dns_answer(ctx->sr, answer);
  start_key_probes(ctx);
  /* Through a caching resolver a missing key may be a stale answer: ask
   * the authoritative servers too.  The run stays pending until then. */
  if (answer_says_missing(answer) &&
      dks_resolver_lookup_authoritative(ctx->resolver, ctx->sr->key_name,
                                        on_authoritative_answer, ctx, lookup_cancelled)) {
    if (ctx->changed)
      ctx->changed(ctx->run, ctx->user_data);
    return;
  }
  lookup_done(ctx);
}

static void
on_dmarc_done(DksDmarc *dmarc, gpointer user_data)
{
  (void)dmarc;
  lookup_done(user_data);
}

void
dks_run_start_dns(DksRun *run, DksResolver *resolver, DksRunChanged changed,
                  gpointer user_data)
{
  for (guint i = 0; i < run->sigs->len; i++) {
    DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    if (sr->key_name == NULL || sr->dns != NULL || sr->dns_pending)
      continue;
    DksCheckId failed;
    if (signature_stage_failed(sr, &failed))
      step_evidence(&sr->steps[DKS_CHECK_KEY_LOOKUP],
                    "looked up although the %s step failed, to show the whole "
                    "picture; the verdict comes from that earlier step",
                    dks_check_id_name(failed));
    sr->dns_pending = TRUE;
    LookupCtx *ctx = lookup_ctx_new(run, sr, resolver, changed, user_data);
    dks_resolver_lookup_txt_full(resolver, sr->key_name, on_key_answer, ctx,
                                 lookup_cancelled);
    if (sr->sibling_name != NULL) {
      LookupCtx *sib = lookup_ctx_new(run, sr, resolver, changed, user_data);
      dks_resolver_lookup_txt_full(resolver, sr->sibling_name, on_sibling_answer, sib,
                                   lookup_cancelled);
    }
  }
  if (run->dmarc != NULL && run->dmarc->from_domain != NULL)
    dks_dmarc_lookup(run->dmarc, resolver, on_dmarc_done,
                     lookup_ctx_new(run, NULL, resolver, changed, user_data),
                     lookup_cancelled);
}

static void
step_reset(DksStep *step)
{
  step->status = DKS_STATUS_PENDING;
  step->reason = DKS_REASON_NONE;
  g_clear_pointer(&step->summary, g_free);
  g_ptr_array_set_size(step->evidence, 0);
}

/* The steps that depend on DNS, back to their state before the lookup. */
static void
sig_run_forget_dns(DksSigRun *sr)
{
  static const DksCheckId dns_steps[] = {DKS_CHECK_KEY_LOOKUP, DKS_CHECK_KEY_RECORD,
                                         DKS_CHECK_KEY_STRENGTH,
                                         DKS_CHECK_HEADER_SIGNATURE};
  for (guint i = 0; i < G_N_ELEMENTS(dns_steps); i++)
    if (dks_sig_run_has_step(sr, dns_steps[i]))
      step_reset(&sr->steps[dns_steps[i]]);
  g_clear_pointer(&sr->dns, dks_dns_answer_free);
  g_clear_pointer(&sr->authoritative, dks_dns_answer_free);
  g_clear_pointer(&sr->key, dks_key_record_free);
  g_clear_pointer(&sr->sibling, dks_dns_answer_free);
  g_ptr_array_set_size(sr->clues, sr->local_clue_count);
  sr->key_bits = 0;
  sr->key_type = DKS_KEY_TYPE_UNKNOWN;
  sr->header_valid = DKS_TRI_NOT_CHECKED;
  sr->result = DKS_RESULT_NONE;
  sr->reason = DKS_REASON_NONE;
}

gboolean
dks_run_recheck_dns(DksRun *run, DksResolver *resolver, DksRunChanged changed,
                    gpointer user_data)
{
  if (run->dns_pending > 0)
    return FALSE;
  for (guint i = 0; i < run->sigs->len; i++) {
    DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    if (sr->key_name != NULL)
      sig_run_forget_dns(sr);
  }
  dks_run_start_dns(run, resolver, changed, user_data);
  return TRUE;
}

gboolean
dks_run_is_done(const DksRun *run)
{
  if (run->dns_pending > 0)
    return FALSE;
  for (guint i = 0; i < run->sigs->len; i++)
    if (((const DksSigRun *)g_ptr_array_index(run->sigs, i))->result == DKS_RESULT_NONE)
      return FALSE;
  return TRUE;
}

/* Ranking for the message-level result: lasting failures first, then
 * temporary ones, then pass. */
static int
result_rank(DksResult r)
{
  switch (r) {
  case DKS_RESULT_PERMERROR: return 6;
  case DKS_RESULT_FAIL: return 5;
  case DKS_RESULT_POLICY: return 4;
  case DKS_RESULT_NEUTRAL: return 3;
  case DKS_RESULT_TEMPERROR: return 2;
  case DKS_RESULT_PASS: return 1;
  case DKS_RESULT_NONE: break;
  }
  return 0;
}

DksResult
dks_run_overall(const DksRun *run)
{
  if (run->sigs->len == 0)
    return DKS_RESULT_NONE;
  DksResult worst = DKS_RESULT_PASS;
  for (guint i = 0; i < run->sigs->len; i++) {
    const DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    if (sr->result == DKS_RESULT_NONE)
      return DKS_RESULT_NONE; /* still pending */
    if (result_rank(sr->result) > result_rank(worst))
      worst = sr->result;
  }
  return worst;
}

/* RFC 6008 §4: header.b holds at least this many characters of b=;
 * fewer are taken as no header.b at all. */
#define AUTHRES_B_MIN_CHARS 8u

/* b= (folding white space skipped) begins with prefix. */
static gboolean
b_starts_with(const char *b, const char *prefix)
{
  if (b == NULL)
    return FALSE;
  const char *p = prefix;
  for (; *b != '\0' && *p != '\0'; b++) {
    if (g_ascii_isspace(*b))
      continue;
    if (*b != *p)
      return FALSE;
    p++;
  }
  return *p == '\0';
}

static gboolean
names_match(const DksSignature *sig, const DksAuthResult *r)
{
  if (r->header_d == NULL || sig->domain == NULL ||
      g_ascii_strcasecmp(r->header_d, sig->domain) != 0)
    return FALSE;
  return r->header_s == NULL ||
         (sig->selector != NULL && g_ascii_strcasecmp(r->header_s, sig->selector) == 0);
}

const DksSigRun *
dks_run_signature_for_authres(const DksRun *run, const DksAuthResult *r)
{
  if (run == NULL || r == NULL || g_strcmp0(r->method, "dkim") != 0)
    return NULL;
  gboolean by_b = r->header_b != NULL && strlen(r->header_b) >= AUTHRES_B_MIN_CHARS;
  const DksSigRun *found = NULL;
  guint matches = 0;
  for (guint i = 0; i < run->sigs->len; i++) {
    const DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    if (by_b ? b_starts_with(sr->sig->b_text, r->header_b) : names_match(sr->sig, r)) {
      found = sr;
      matches++;
    }
  }
  return matches == 1 ? found : NULL;
}

void
dks_run_free(DksRun *run)
{
  if (run == NULL)
    return;
  g_ptr_array_unref(run->sigs);
  g_ptr_array_unref(run->authres);
  dks_dmarc_free(run->dmarc);
  dks_message_free(run->msg);
  g_free(run);
}
