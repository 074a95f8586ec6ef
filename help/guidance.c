/* guidance.c — turns a finished signature into words: a verdict line for
 * the phone, an explanation for a learner, the party who must act and the
 * fix with the real names in it.
 *
 * One handler per reason (a table indexed by DksReason, so a new reason
 * without words fails to build); a handler looks at the evidence the
 * pipeline kept (DNS answers, clues, provider patterns) to refine who must
 * act.  It says only what that evidence shows: where two causes fit, both
 * are named. */
#include "help/guidance.h"

#include <string.h>

#include "help/texts.h"
#include "parse/finding.h"

#define SHOWN_MAX_CHARS 600 /* of any quoted input (subject, names, commands) */

typedef struct {
  const DksRun *run;
  const DksSigRun *sr;
  const DksSignature *sig;
  const char *d;          /* d= for display (owned by keep) */
  const char *s;          /* s= for display */
  const char *key_name;   /* <s>._domainkey.<d> for display */
  const DksProvider *provider;
  DksProviderMatch match;
  DksParty party;
  const char *refinement;
  char *verdict;
  GString *explain;
  GPtrArray *fix;         /* char*: lines */
  guint steps;
  guint last_step;        /* index in fix of the last numbered step */
  GPtrArray *notes;       /* char* */
  char *who;              /* set by a handler that knows better */
  char *check_after;
  GPtrArray *keep;        /* strings the context owns */
} Ctx;

/* ---------- safe display of untrusted text ---------- */

/* Characters that change how the text around them looks (bidirectional
 * controls, zero-width and other format characters, odd spaces and line
 * separators): shown as <U+XXXX> so nothing hides or reorders a name. */
static gboolean
is_deceptive(gunichar c)
{
  GUnicodeType type = g_unichar_type(c);
  return type == G_UNICODE_FORMAT || type == G_UNICODE_LINE_SEPARATOR ||
         type == G_UNICODE_PARAGRAPH_SEPARATOR || c == 0x00A0;
}

/* UTF-8 kept; control characters, invalid bytes and bidirectional
 * controls escaped; tabs and line ends become spaces; capped. */
static char *
sanitize(const char *text)
{
  if (text == NULL)
    return g_strdup("(none)");
  GString *out = g_string_new(NULL);
  guint chars = 0;
  const char *p = text;
  while (*p != '\0') {
    if (chars++ >= SHOWN_MAX_CHARS) {
      g_string_append(out, "...");
      break;
    }
    gunichar c = g_utf8_get_char_validated(p, -1);
    if (c == (gunichar)-1 || c == (gunichar)-2) {
      g_string_append_printf(out, "\\x%02x", (guchar)*p);
      p++;
      continue;
    }
    if (c == '\t' || c == '\r' || c == '\n')
      g_string_append_c(out, ' ');
    else if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
      g_string_append_printf(out, "\\x%02x", (guint)c);
    else if (is_deceptive(c))
      g_string_append_printf(out, "<U+%04X>", (guint)c);
    else
      g_string_append_unichar(out, c);
    p = g_utf8_next_char(p);
  }
  return g_string_free(out, FALSE);
}

static const char *
keep(Ctx *c, char *owned)
{
  g_ptr_array_add(c->keep, owned);
  return owned;
}

static const char *
show(Ctx *c, const char *text)
{
  return keep(c, sanitize(text));
}

/* ---------- building the texts ---------- */

static void G_GNUC_PRINTF(2, 3)
verdict(Ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_free(c->verdict);
  c->verdict = g_strdup_vprintf(fmt, ap);
  va_end(ap);
}

static void G_GNUC_PRINTF(2, 3)
explain(Ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  if (c->explain->len > 0)
    g_string_append_c(c->explain, ' ');
  g_string_append_vprintf(c->explain, fmt, ap);
  va_end(ap);
}

/* A numbered step of the fix. */
static void G_GNUC_PRINTF(2, 3)
fix(Ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  c->last_step = c->fix->len;
  g_ptr_array_add(c->fix, g_strdup_printf("%u. %s", ++c->steps, text));
}

/* More words for the last step (prose, wrapped with it). */
static void G_GNUC_PRINTF(2, 3)
fix_note(Ctx *c, const char *fmt, ...)
{
  g_return_if_fail(c->steps > 0);
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  char **step = (char **)&g_ptr_array_index(c->fix, c->last_step);
  char *joined = g_strdup_printf("%s %s", *step, text);
  g_free(*step);
  *step = joined;
}

/* A line under the step above, shown unwrapped: a record to publish or a
 * command, nothing else. */
static void G_GNUC_PRINTF(2, 3)
fix_line(Ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_ptr_array_add(c->fix, g_strdup_printf("     %s", text));
}

static void G_GNUC_PRINTF(2, 3)
note(Ctx *c, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_ptr_array_add(c->notes, g_strdup_vprintf(fmt, ap));
  va_end(ap);
}

static void
refine(Ctx *c, DksParty party, const char *refinement)
{
  c->party = party;
  c->refinement = refinement;
}

/* ---------- facts from the run ---------- */

static gboolean
answer_has_key(const DksDnsAnswer *a)
{
  return a != NULL && a->outcome == DKS_DNS_ANSWER && a->txt != NULL && a->txt->len > 0;
}

static gboolean
answer_missing(const DksDnsAnswer *a)
{
  return a != NULL && (a->outcome == DKS_DNS_NXDOMAIN || a->outcome == DKS_DNS_NODATA ||
                       (a->outcome == DKS_DNS_ANSWER && !answer_has_key(a)));
}

static guint
chain_len(const DksDnsAnswer *a)
{
  return a != NULL && a->cname_chain != NULL ? a->cname_chain->len : 0;
}

static const DksCnameHop *
hop_at(const DksDnsAnswer *a, guint i)
{
  return i < chain_len(a) ? g_ptr_array_index(a->cname_chain, i) : NULL;
}

static const char *
final_name(const DksDnsAnswer *a)
{
  guint n = chain_len(a);
  return n > 0 ? hop_at(a, n - 1)->target : a ? a->qname : NULL;
}

/* "does not exist (NXDOMAIN)" — an ANSWER without TXT counts as NODATA. */
static const char *
outcome_words(const DksDnsAnswer *a)
{
  if (a != NULL && a->outcome == DKS_DNS_ANSWER && !answer_has_key(a))
    return dks_help_dns_outcome_words(DKS_DNS_NODATA);
  return dks_help_dns_outcome_words(a ? a->outcome : DKS_DNS_ERROR);
}

static char *
duration_words(guint32 seconds)
{
  if (seconds < 120)
    return g_strdup_printf("%u second%s", seconds, seconds == 1 ? "" : "s");
  if (seconds < 7200)
    return g_strdup_printf("%u minutes", (seconds + 59) / 60);
  if (seconds < 172800)
    return g_strdup_printf("%u hours", (seconds + 3599) / 3600);
  return g_strdup_printf("%u days", (seconds + 86399) / 86400);
}

static const DksClue *
find_clue(const DksSigRun *sr, DksClueKind kind)
{
  for (guint i = 0; sr->clues != NULL && i < sr->clues->len; i++) {
    const DksClue *clue = g_ptr_array_index(sr->clues, i);
    if (clue != NULL && clue->kind == kind)
      return clue;
  }
  return NULL;
}

/* What a clue found, as one sentence: its summary and its evidence. */
static void
explain_clue(Ctx *c, const DksClue *clue)
{
  if (clue->summary != NULL)
    explain(c, "What was found: %s.", show(c, clue->summary));
  guint shown = 0;
  for (guint i = 0; clue->evidence != NULL && i < clue->evidence->len && shown < 4; i++) {
    const char *line = g_ptr_array_index(clue->evidence, i);
    if (line == NULL || g_str_has_prefix(line, "fix:"))
      continue; /* the fix is ours, with the real names */
    explain(c, "(%s)", show(c, line));
    shown++;
  }
}

static gboolean
is_ed25519(const DksSignature *sig)
{
  return sig->algorithm == DKS_ALG_ED25519_SHA256;
}

static const char *
key_record_shape(const DksSignature *sig)
{
  return is_ed25519(sig) ? "v=DKIM1; k=ed25519; p=<base64 Ed25519 public key>"
                         : "v=DKIM1; k=rsa; p=<base64 public key>";
}

/* The commonly needed how-to for a TXT key record. */
static void
fix_publish_txt(Ctx *c, const char *name)
{
  fix(c, "Publish one TXT record at %s:", name);
  fix_note(c, "p= is the public key that belongs to the private key the signer "
           "uses for s=%s, in base64 on one line, without quotes, spaces or "
           "line breaks inside.", c->s);
  if (!is_ed25519(c->sig))
    fix_note(c, "A 2048-bit key is about 400 characters: most DNS hosts split "
             "it themselves; where you type it yourself, split it into strings "
             "of at most 255 characters in the same record (\"v=DKIM1; k=rsa; "
             "p=MIIB...\" \"...rest\"), which verifiers join (RFC 6376 "
             "§3.6.2.2).");
  fix_line(c, "%s  TXT  \"%s\"", name, key_record_shape(c->sig));
}

static void
set_check_after(Ctx *c, const char *name)
{
  const DksDnsAnswer *dns = c->sr->dns;
  g_free(c->check_after);
  if (dns != NULL && dns->dig_command != NULL && g_strcmp0(name, c->key_name) == 0)
    c->check_after = sanitize(dns->dig_command);
  else
    c->check_after = g_strdup_printf("dig +short TXT %s", name);
}

/* How a signing domain lines up with the From domain; FALSE when DMARC
 * context is missing. */
static gboolean
alignment_of(const DksRun *run, const char *domain, DksAlignment *out)
{
  if (run == NULL || run->dmarc == NULL || run->dmarc->from_domain == NULL ||
      domain == NULL)
    return FALSE;
  *out = dks_dmarc_alignment(run->dmarc, domain);
  return TRUE;
}

static const DksSigRun *
other_passing(const DksRun *run, const DksSigRun *sr, gboolean want_aligned)
{
  for (guint i = 0; run != NULL && run->sigs != NULL && i < run->sigs->len; i++) {
    const DksSigRun *o = g_ptr_array_index(run->sigs, i);
    if (o == sr || o->result != DKS_RESULT_PASS || o->sig == NULL)
      continue;
    DksAlignment al = DKS_ALIGN_NONE;
    if (!want_aligned || (alignment_of(run, o->sig->domain, &al) && al != DKS_ALIGN_NONE))
      return o;
  }
  return NULL;
}

static const char *
m365_tenant(Ctx *c)
{
  const DksDnsAnswer *answers[] = {c->sr->dns, c->sr->authoritative, c->sr->sibling};
  for (guint a = 0; a < G_N_ELEMENTS(answers); a++)
    for (guint i = 0; i < chain_len(answers[a]); i++) {
      char *tenant = dks_m365_tenant(hop_at(answers[a], i)->target);
      if (tenant != NULL)
        return keep(c, tenant);
    }
  /* Signed with the tenant's own domain: selector1._domainkey.<tenant>... */
  if (c->provider != NULL &&
      dks_name_under_any(c->sig->domain, c->provider->domain_suffixes)) {
    char *tenant = dks_m365_tenant(c->key_name);
    if (tenant != NULL)
      return keep(c, tenant);
  }
  return NULL;
}

static gboolean
is_m365(const Ctx *c)
{
  return c->provider != NULL && strcmp(c->provider->id, "microsoft365") == 0;
}

/* The provider's admin may be named when the match is more than a hint. */
static gboolean
provider_certain(const Ctx *c)
{
  return c->provider != NULL && c->match >= DKS_PROVIDER_MATCH_DOMAIN;
}

static const char *
provider_text(Ctx *c, const char *text, const char *domain)
{
  return text ? keep(c, dks_provider_text(text, domain)) : NULL;
}

/* ---------- DNS story (explanation and advice) ---------- */

static void
explain_dns(Ctx *c, const DksDnsAnswer *a)
{
  if (a == NULL)
    return;
  GString *s = g_string_new(NULL);
  g_string_append_printf(s, "DNS said: %s", show(c, a->qname));
  for (guint i = 0; i < chain_len(a); i++)
    g_string_append_printf(s, " is a CNAME for %s; that name", show(c, hop_at(a, i)->target));
  if (answer_has_key(a))
    g_string_append(s, " has a TXT record.");
  else
    g_string_append_printf(s, " %s.", outcome_words(a));
  explain(c, "%s", s->str);
  g_string_free(s, TRUE);
  if (a->outside_zones)
    explain(c, "(This answer comes from the offline zone files given with "
            "--dns-zone: the name is in none of them.)");
}

/* ---------- handlers, one per reason ---------- */

static void
on_none(Ctx *c)
{
  verdict(c, "Not decided yet: the checks for this %s are still running.",
          c->run != NULL && dks_run_is_lookup(c->run) ? "key" : "signature");
  explain(c, "The walkthrough follows RFC 6376 §6.1; the DNS steps wait for "
          "their answers.");
  fix(c, "Nothing to do yet: wait for the DNS answers.");
  refine(c, DKS_PARTY_NONE, NULL);
}

/* A pass that does not align with From: the platform signs with its own
 * domain (Microsoft 365's initial domain, an ESP's domain). */
static void
pass_not_aligned(Ctx *c)
{
  const char *from = show(c, c->run->dmarc->from_domain);
  if (c->run->dmarc->strict_dkim)
    explain(c, "For DMARC, a DKIM pass counts only when d= is exactly the "
            "From domain (%s), as its record asks (adkim=s, RFC 7489 "
            "§3.1.1); d=%s is not, so this signature does not help the "
            "message pass DMARC.", from, c->d);
  else
    explain(c, "For DMARC, a DKIM pass counts only when d= is the From domain "
            "(%s) or shares its organisational domain (RFC 7489 §3.1.1); d=%s "
            "does not, so this signature does not help the message pass DMARC.",
            from, c->d);
  if (other_passing(c->run, c->sr, TRUE) != NULL) {
    note(c, "Another signature on this message verifies and aligns with %s, "
         "so DMARC's DKIM check is met by that one.", from);
    return;
  }
  gboolean own_domain = c->provider != NULL &&
                        dks_name_under_any(c->sig->domain, c->provider->domain_suffixes);
  if (is_m365(c) && own_domain) {
    refine(c, DKS_PARTY_SENDER_MAIL, "m365-initial-domain-signature");
    verdict(c, "The signature is valid, but Microsoft 365 signed with the "
            "tenant's own domain %s instead of %s, so it does not count for "
            "DMARC.", c->d, from);
    fix(c, "Publish in the DNS of %s the two DKIM CNAME records Microsoft 365 "
        "shows for it:", from);
    fix_line(c, "%s", provider_text(c, c->provider->check_command, from));
    fix(c, "Then turn on DKIM signing for %s in %s, or:", from,
        provider_text(c, c->provider->enable_where, from));
    fix_line(c, "%s", provider_text(c, c->provider->enable_command, from));
    fix(c, "New mail from %s is then signed with d=%s, which aligns.", from, from);
    const char *tenant = m365_tenant(c);
    g_free(c->who);
    c->who = tenant ? g_strdup_printf("%s for %s (tenant %s)", c->provider->admin,
                                      from, tenant)
                    : g_strdup_printf("%s for %s", c->provider->admin, from);
    c->check_after = g_strdup_printf("dig +short CNAME selector1._domainkey.%s", from);
    return;
  }
  if (own_domain) {
    refine(c, DKS_PARTY_SENDER_MAIL, "provider-signing-domain");
    verdict(c, "The signature is valid, but %s signed with its own domain %s "
            "instead of %s, so it does not count for DMARC.", c->provider->name,
            c->d, from);
    fix(c, "Set up DKIM for %s in %s.", from,
        provider_text(c, c->provider->enable_where, from));
    fix(c, "Publish what it asks for: %s.",
        provider_text(c, c->provider->dns_records, from));
    if (c->provider->admin != NULL)
      c->who = g_strdup_printf("%s for %s", c->provider->admin, from);
    return;
  }
  fix(c, "Nothing to fix in this signature.  For DMARC, the mail system would "
      "need to sign with d=%s (or a domain under it) as well.", from);
}

/* A selector looked up with no message: the key is fine, and that is all
 * that can be said without a signature to check. */
static void
on_lookup_pass(Ctx *c)
{
  g_autofree char *key = c->sr->key_type == DKS_KEY_TYPE_ED25519
                           ? g_strdup("Ed25519")
                           : g_strdup_printf("%u-bit RSA", c->sr->key_bits);
  verdict(c, "A usable %s key is published at %s: signatures made with "
          "s=%s d=%s can verify.", key, c->key_name, c->s, c->d);
  explain(c, "The key steps passed: %s has one TXT record (RFC 6376 §6.1.2), a "
          "well-formed key record holding a usable public key (RFC 6376 "
          "§3.6.1), of a size receivers accept (RFC 8301).  Whether a given "
          "message verifies also depends on its signature and on what "
          "happened to it on the way: check the message itself for that.",
          c->key_name);
  refine(c, DKS_PARTY_NONE, NULL);
  fix(c, "Nothing to fix in DNS.");
}

static void
on_pass(Ctx *c)
{
  if (c->run != NULL && dks_run_is_lookup(c->run)) {
    on_lookup_pass(c);
    return;
  }
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_PASS));
  explain(c, "Every check passed: the signature field is complete (RFC 6376 "
          "§6.1.1), the key was found at %s (RFC 6376 §6.1.2), the body "
          "matches bh= and b= verifies with that key (RFC 6376 §6.1.3).",
          c->key_name);
  refine(c, DKS_PARTY_NONE, NULL);
  DksAlignment al = DKS_ALIGN_NONE;
  if (alignment_of(c->run, c->sig->domain, &al) && al == DKS_ALIGN_NONE) {
    pass_not_aligned(c);
    return;
  }
  fix(c, "Nothing to fix.");
}

/* ----- body ----- */

/* Forensics decides from the evidence who a clue points at (a bare-LF
 * finding may blame the signer or the copy at hand); its word wins, and
 * the default below applies only when it left the party open. */
static DksParty
clue_party(const DksClue *clue, DksParty fallback)
{
  return clue->party != DKS_PARTY_NONE ? clue->party : fallback;
}

static void
body_added_text(Ctx *c, const DksClue *clue, gboolean at_top)
{
  refine(c, clue_party(clue, DKS_PARTY_INTERMEDIARY),
         at_top ? "banner-prepended" : "footer-appended");
  if (at_top)
    verdict(c, "A system on the way put text at the top of the message (a "
            "warning banner) after it was signed.");
  else
    verdict(c, "A system on the way added text to the end of the message (a "
            "footer or disclaimer) after it was signed.");
  explain_clue(c, clue);
  if (at_top)
    fix(c, "Find the system that adds this banner: usually a security gateway, "
        "often the receiving organisation's own.");
  else
    fix(c, "Find the system that adds this footer: a mailing list, a forwarding "
        "service or an outbound gateway that adds disclaimers.");
  fix(c, "If it belongs to the sender (%s), it must change the message before "
      "the message is DKIM-signed, not after.", c->d);
  fix(c, "Otherwise it should verify DKIM first and record the result "
      "(Authentication-Results, RFC 8601), and sign and ARC-seal (RFC 8617) "
      "what it changed, or leave the body alone.");
}

static void
body_paste_damage(Ctx *c, const DksClue *clue, const char *refinement)
{
  refine(c, DKS_PARTY_INPUT, refinement);
  verdict(c, "This copy of the message was damaged when it was copied, saved "
          "or exported; the original may well be fine.");
  explain_clue(c, clue);
  explain(c, "DKIM hashes the body byte for byte after canonicalization "
          "(RFC 6376 §3.4), so line ends or spaces changed by copy and paste "
          "break it.");
  fix(c, "Get the original message as a file: \"Download message\", \"Show "
      "original\" or \"Save as .eml\" in the mail client, not copy and paste.");
  fix(c, "Check that file again.");
}

static void
body_signer_bare_lf(Ctx *c, const DksClue *clue)
{
  refine(c, DKS_PARTY_SENDER_MAIL, "signer-bare-lf");
  verdict(c, "The sender's mail system computed the signature before turning "
          "the message's line ends into the standard CRLF, so the signature "
          "cannot survive delivery.");
  explain_clue(c, clue);
  explain(c, "Mail lines end in CRLF on the wire, and DKIM hashes the message "
          "in that form (RFC 6376 §3.4).");
  fix(c, "Report this to the administrator of the mail system that signs for "
      "%s: its DKIM signer must sign the message with CRLF line ends, as it "
      "is sent.", c->d);
}

static void
body_changed(Ctx *c, const DksClue *clue)
{
  DksParty party = clue ? clue_party(clue, DKS_PARTY_INTERMEDIARY) : DKS_PARTY_INTERMEDIARY;
  refine(c, party, clue ? "body-changed" : NULL);
  if (clue != NULL)
    explain_clue(c, clue);
  if (c->run->msg != NULL && (c->run->msg->flags & DKS_MESSAGE_BARE_LF_CONVERTED))
    explain(c, "This input had bare LF line ends (converted to CRLF here); if "
            "it was pasted or exported, that alone can change the body.");
  const DksClue *prefix = find_clue(c->sr, DKS_CLUE_BODY_PREFIX_L);
  if (prefix != NULL)
    explain(c, "With l= only part of the body is signed: %s.",
            show(c, prefix->summary));
  switch (party) {
  case DKS_PARTY_INPUT:
    verdict(c, "The body given here is not the body that was signed: this "
            "copy is incomplete or damaged.");
    fix(c, "Supply the original, complete message as a file (.eml, or \"Show "
        "original\" saved as a whole) and check it again.");
    return;
  case DKS_PARTY_SENDER_MAIL:
  case DKS_PARTY_SENDER_DNS:
    verdict(c, "The signature's body hash cannot match: the signing system "
            "for %s wrote it wrongly.", c->d);
    fix(c, "Report this to the administrator of the mail system that signs "
        "for %s, with this header.", c->d);
    return;
  default:
    break;
  }
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_BODY_HASH_MISMATCH));
  fix(c, "Compare the body with the sender's copy: something on the way "
      "rewrote it (for example link rewriting, a re-encoded attachment, a "
      "mailing list or a security gateway).");
  fix(c, "Ask the operator of that system to leave signed mail unchanged, or "
      "to sign and ARC-seal (RFC 8617) what it changes.");
  fix(c, "If this copy was pasted or exported, first check the original "
      "message file instead.");
}

static void
on_body_hash_mismatch(Ctx *c)
{
  explain(c, "The signature carries a hash of the body (bh=).  The verifier "
          "canonicalizes the body as c= says (RFC 6376 §3.4), hashes it (RFC "
          "6376 §3.7) and compares: they differ, so the body is not what was "
          "signed (RFC 6376 §6.1.3).");
  /* The clue that explains the change, in the order forensics found them. */
  for (guint i = 0; c->sr->clues != NULL && i < c->sr->clues->len; i++) {
    const DksClue *clue = g_ptr_array_index(c->sr->clues, i);
    switch (clue ? clue->kind : DKS_CLUE_COUNT) {
    case DKS_CLUE_FOOTER_APPENDED:
      body_added_text(c, clue, FALSE);
      return;
    case DKS_CLUE_BANNER_PREPENDED:
      body_added_text(c, clue, TRUE);
      return;
    case DKS_CLUE_BARE_LF_DAMAGE:
      if (clue_party(clue, DKS_PARTY_INPUT) == DKS_PARTY_SENDER_MAIL)
        body_signer_bare_lf(c, clue);
      else
        body_paste_damage(c, clue, "paste-bare-lf");
      return;
    case DKS_CLUE_TRAILING_WS_DAMAGE:
      body_paste_damage(c, clue, "paste-trailing-space");
      return;
    default:
      break;
    }
  }
  const DksClue *changed = find_clue(c->sr, DKS_CLUE_BODY_CHANGED);
  const DksClue *prefix = find_clue(c->sr, DKS_CLUE_BODY_PREFIX_L);
  if (changed == NULL && prefix != NULL) {
    refine(c, clue_party(prefix, DKS_PARTY_INTERMEDIARY), "body-prefix-l");
    verdict(c, "The body changed inside the part the signature covers (l=).");
    explain_clue(c, prefix);
    fix(c, "Compare the body with the sender's copy: a system on the way "
        "rewrote the signed part.");
    fix(c, "Ask the operator of that system to leave signed mail unchanged, "
        "or to sign and ARC-seal (RFC 8617) what it changes.");
    return;
  }
  body_changed(c, changed);
}

/* ----- header signature ----- */

static gboolean
key_hosted_by_provider(const Ctx *c)
{
  return c->provider != NULL && c->match == DKS_PROVIDER_MATCH_CNAME &&
         c->provider->hosting == DKS_KEY_HOSTING_CNAME;
}

static void
header_key_mismatch(Ctx *c, const DksClue *clue)
{
  const char *where = show(c, final_name(c->sr->dns));
  explain_clue(c, clue);
  if (key_hosted_by_provider(c)) {
    refine(c, DKS_PARTY_SENDER_MAIL, "key-mismatch");
    verdict(c, "The key %s publishes for this selector does not fit the "
            "signature: most likely it is not the key that signed the message.",
            c->provider->name);
    fix(c, "In %s, check the DKIM settings for %s: %s.", c->provider->name, c->d,
        provider_text(c, c->provider->enable_where, c->d));
    if (c->provider->rotate_where != NULL)
      fix(c, "If keys were rotated recently, mail signed with the old key fails "
          "until the new key is published: see %s.",
          provider_text(c, c->provider->rotate_where, c->d));
    if (c->provider->rotate_command != NULL)
      fix_line(c, "%s", provider_text(c, c->provider->rotate_command, c->d));
    return;
  }
  refine(c, DKS_PARTY_SENDER_DNS, "key-mismatch");
  verdict(c, "The public key in DNS for selector %s does not fit the "
          "signature: most likely it is not the key that signed the message.",
          c->s);
  explain(c, "No known change to the headers makes the signature verify with "
          "the published key.");
  fix(c, "Ask the administrator of the signing system which key it uses for "
      "s=%s, and export its public key.", c->s);
  fix(c, "Replace the record at %s with that key:", where);
  fix_line(c, "%s  TXT  \"%s\"", where, key_record_shape(c->sig));
  fix(c, "If the signer changed keys, use a new selector for the new key and "
      "keep the old record until the old mail is delivered.");
  set_check_after(c, c->key_name);
}

static void
on_signature_mismatch(Ctx *c)
{
  explain(c, "b= is a signature, made with the sender's private key, over the "
          "header fields listed in h= and the DKIM-Signature itself, "
          "canonicalized as c= says (RFC 6376 §3.4, §3.7).  The body matched, "
          "but b= does not verify with the key published at %s (RFC 6376 "
          "§6.1.3).", c->key_name);
  const DksClue *clue;
  if ((clue = find_clue(c->sr, DKS_CLUE_SUBJECT_TAG_ADDED)) != NULL) {
    refine(c, DKS_PARTY_INTERMEDIARY, "subject-tag-added");
    verdict(c, "A system on the way added a tag to the Subject (such as "
            "[EXTERNAL]) after the message was signed.");
    explain_clue(c, clue);
    fix(c, "Find the system that tags subjects, often the receiving side's own "
        "security gateway or a mailing list.");
    fix(c, "Have it verify DKIM and record the result (Authentication-Results, "
        "RFC 8601, or an ARC seal, RFC 8617) before it changes the Subject, or "
        "mark messages another way (a header field, not the Subject).");
    return;
  }
  if ((clue = find_clue(c->sr, DKS_CLUE_HEADER_REFOLDED)) != NULL) {
    refine(c, DKS_PARTY_INTERMEDIARY, "header-refolded");
    verdict(c, "A system on the way re-wrapped a signed header line, and the "
            "signature's simple header canonicalization does not allow that.");
    explain_clue(c, clue);
    explain(c, "With c=simple/... every byte of the signed headers counts "
            "(RFC 6376 §3.4.1); c=relaxed/... would have ignored the folding "
            "(RFC 6376 §3.4.2).");
    fix(c, "The system that re-folds headers should leave signed header "
        "fields as they are.");
    fix(c, "The sender's mail system (%s) can make its signatures robust "
        "against this by signing with c=relaxed/relaxed.", c->d);
    return;
  }
  if ((clue = find_clue(c->sr, DKS_CLUE_COPIED_HEADER_DIFFERS)) != NULL) {
    refine(c, DKS_PARTY_INTERMEDIARY, "copied-header-differs");
    verdict(c, "A signed header was changed on the way: it differs from the "
            "copy the signer kept in the signature (z=).");
    explain_clue(c, clue);
    explain(c, "z= holds copies of the header fields as signed (RFC 6376 §3.5).");
    fix(c, "Find the system that rewrites this header field (a gateway, list "
        "or forwarder) and have it leave signed fields unchanged, or sign and "
        "ARC-seal (RFC 8617) what it changes.");
    return;
  }
  if ((clue = find_clue(c->sr, DKS_CLUE_HEADER_CHANGED)) != NULL) {
    refine(c, clue_party(clue, DKS_PARTY_INTERMEDIARY), "header-changed");
    verdict(c, "The key is right, but a signed header was changed on the way.");
    explain_clue(c, clue);
    fix(c, "Compare the header fields listed in h= with the sender's copy to "
        "find the one that changed.");
    fix(c, "Find the system that changes it (a gateway, list or forwarder) "
        "and have it leave signed fields unchanged, or sign and ARC-seal (RFC "
        "8617) what it changes.");
    return;
  }
  if ((clue = find_clue(c->sr, DKS_CLUE_KEY_MISMATCH)) != NULL) {
    header_key_mismatch(c, clue);
    return;
  }
  refine(c, DKS_PARTY_INTERMEDIARY, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_SIGNATURE_MISMATCH));
  fix(c, "Compare the signed header fields (h=) with the sender's copy: a "
      "system on the way may have changed one (Subject tags, re-wrapped "
      "lines, rewritten addresses).");
  fix(c, "If nothing changed, the key at %s is not the signing key: the "
      "sender's DNS administrator must publish the signer's current public "
      "key there.", c->key_name);
}

/* ----- key not found ----- */

static void
key_in_resolver_cache(Ctx *c)
{
  const DksDnsAnswer *dns = c->sr->dns;
  refine(c, DKS_PARTY_RECEIVER, "resolver-cache");
  const char *resolver = show(c, dns->resolver ? dns->resolver : "the resolver");
  verdict(c, "The key is published now, but the resolver still remembers an "
          "older \"no such key\" answer.");
  explain(c, "Asked directly, the authoritative servers for %s publish the "
          "key, while %s answered from its cache.  Resolvers keep negative "
          "answers for the time the zone's SOA allows (RFC 2308 §5).",
          c->d, resolver);
  g_autofree char *left = dns->has_negative_ttl ? duration_words(dns->negative_ttl) : NULL;
  if (left != NULL)
    fix(c, "Wait about %s: then %s forgets the old answer and finds the key.",
        left, resolver);
  else
    fix(c, "Wait until %s's cached answer expires.", resolver);
  fix(c, "Or flush the name from the resolver's cache; on Unbound:");
  fix_line(c, "unbound-control flush %s", c->key_name);
  fix(c, "On BIND:");
  fix_line(c, "rndc flushname %s", c->key_name);
  fix(c, "Mail that was rejected meanwhile must be sent again; nothing is "
      "wrong at the sender.");
  g_free(c->who);
  c->who = g_strdup_printf("the administrator of %s", resolver);
  set_check_after(c, c->key_name);
}

typedef struct {
  DksClueKind kind;
  const char *refinement;
} OwnerMistake;

static const OwnerMistake owner_mistakes[] = {
  {DKS_CLUE_KEY_AT_DOUBLED_DOMAIN, "key-at-doubled-domain"},
  {DKS_CLUE_KEY_WITHOUT_UNDERSCORE, "key-without-underscore"},
  {DKS_CLUE_KEY_AT_PARENT_DOMAIN, "key-at-parent-domain"},
  {DKS_CLUE_KEY_AT_CHILD_NAME, "key-at-child-name"},
  {DKS_CLUE_CNAME_TARGET_AS_TXT, "cname-as-txt"},
};

static gboolean
key_owner_mistake(Ctx *c)
{
  const DksClue *clue = NULL;
  const OwnerMistake *m = NULL;
  for (guint i = 0; c->sr->clues != NULL && i < c->sr->clues->len && clue == NULL; i++) {
    const DksClue *cl = g_ptr_array_index(c->sr->clues, i);
    for (guint k = 0; cl != NULL && k < G_N_ELEMENTS(owner_mistakes); k++)
      if (cl->kind == owner_mistakes[k].kind) {
        clue = cl;
        m = &owner_mistakes[k];
        break;
      }
  }
  if (clue == NULL)
    return FALSE;
  refine(c, DKS_PARTY_SENDER_DNS, m->refinement);
  explain_clue(c, clue);
  switch (m->kind) {
  case DKS_CLUE_KEY_AT_DOUBLED_DOMAIN:
    verdict(c, "The key is published, but under a wrong name: the zone name "
            "was added to it a second time.");
    explain(c, "DNS hosting panels add the zone name to the host name "
            "themselves, so typing the full name %s there yields %s.<zone>.",
            c->key_name, c->key_name);
    fix(c, "Move the TXT record so that its full name is %s: in the DNS "
        "panel of %s enter only the host part %s._domainkey.", c->key_name,
        c->d, c->s);
    break;
  case DKS_CLUE_KEY_WITHOUT_UNDERSCORE:
    verdict(c, "The key is published, but under a wrong name: \"_domainkey\" "
            "is missing its underscore.");
    fix(c, "Rename the record to %s (with \"_domainkey\", underscore first).",
        c->key_name);
    break;
  case DKS_CLUE_KEY_AT_PARENT_DOMAIN:
    verdict(c, "The key is published under the parent domain, not under %s, "
            "which the signature names.", c->d);
    explain(c, "The key's name is built from d= exactly (RFC 6376 §3.6.2.1): "
            "a key under a parent domain is not found.");
    fix(c, "Publish the same TXT record at %s as well (or make the signer use "
        "d= of the parent domain).", c->key_name);
    break;
  case DKS_CLUE_KEY_AT_CHILD_NAME:
    verdict(c, "The key is published, but under a wrong, longer name: the "
            "full key name was typed where only the host part belongs.");
    fix(c, "Move the TXT record so that its full name is exactly %s: in the "
        "DNS panel enter only %s._domainkey.", c->key_name, c->s);
    break;
  case DKS_CLUE_CNAME_TARGET_AS_TXT:
  default:
    verdict(c, "The record at %s is a TXT record holding a host name: it "
            "should be a CNAME record pointing to that name.", c->key_name);
    explain(c, "Platforms that host the key ask for a CNAME; entered as TXT, "
            "the host name itself becomes the \"key\".");
    fix(c, "Delete the TXT record at %s.", c->key_name);
    fix(c, "Create a CNAME record with the same name and the host name as its "
        "value (as the mail provider shows it).");
    break;
  }
  fix(c, "Resolvers may remember the old \"no key\" answer for a while (RFC "
      "2308 §5); check with the command below.");
  set_check_after(c, c->key_name);
  return TRUE;
}

/* Microsoft 365: the signing selector has no CNAME and no record (1). */
static void
m365_cnames_missing(Ctx *c)
{
  const DksSigRun *sr = c->sr;
  refine(c, DKS_PARTY_SENDER_DNS, "m365-cnames-missing");
  verdict(c, "The DKIM records for %s are missing: %s has no CNAME into "
          "Microsoft 365.", c->d, c->key_name);
  explain(c, "Microsoft 365 signs with selector1 or selector2 and keeps the "
          "keys itself; the customer's DNS points to them with two CNAME "
          "records.  This message was signed with s=%s for d=%s, so signing "
          "is switched on; the DNS records are what is missing.", c->s, c->d);
  if (c->match < DKS_PROVIDER_MATCH_DOMAIN)
    explain(c, "(Microsoft 365 is recognised only from the selector name here; "
            "if %s does not send through Microsoft 365, publish a TXT key "
            "record instead.)", c->d);
  const char *cmd = provider_text(c, c->provider->check_command, c->d);
  fix(c, "Read the two CNAME values Microsoft 365 shows for %s in %s, or in "
      "Exchange Online PowerShell:", c->d,
      provider_text(c, c->provider->enable_where, c->d));
  fix_line(c, "%s", cmd);
  fix(c, "Publish both in the DNS of %s:", c->d);
  fix_line(c, "selector1._domainkey.%s  CNAME  <Selector1CNAME value>", c->d);
  fix_line(c, "selector2._domainkey.%s  CNAME  <Selector2CNAME value>", c->d);
  const DksCnameHop *sib = hop_at(sr->sibling, 0);
  if (sib != NULL && sr->sibling_name != NULL) {
    fix(c, "For comparison, %s already points to %s.", show(c, sr->sibling_name),
        show(c, sib->target));
  } else {
    g_autofree char *prefix = dks_m365_expected_target_prefix(c->s, c->sig->domain);
    fix(c, "The value for %s looks like %s<tenant>.onmicrosoft.com, or "
        "...<tenant>.<letter>-v1.dkim.mail.microsoft for newer domains.",
        c->s, show(c, prefix));
  }
  set_check_after(c, c->key_name);
}

/* Both selectors lead into Microsoft 365 and neither has a key: the tenant
 * itself is in question. */
static gboolean
m365_sibling_also_missing(const Ctx *c)
{
  const DksSigRun *sr = c->sr;
  return sr->sibling != NULL && answer_missing(sr->sibling) &&
         chain_len(sr->sibling) > 0 &&
         dks_name_under_any(final_name(sr->sibling), c->provider->cname_suffixes);
}

/* Microsoft 365: the CNAME exists and has the expected shape, but Microsoft
 * publishes no key at its target (2). */
static void
m365_key_not_published(Ctx *c, const char *target, const char *tenant)
{
  refine(c, DKS_PARTY_SENDER_MAIL, "m365-key-not-published");
  if (m365_sibling_also_missing(c))
    verdict(c, "The DNS records for %s point into Microsoft 365 tenant %s, "
            "which publishes no key for either selector: DKIM signing for %s "
            "must be enabled in Microsoft 365, or the records name the wrong "
            "tenant.", c->d, tenant ? tenant : "(unknown)", c->d);
  else
    verdict(c, "The DNS record for %s points into Microsoft 365 as expected, "
            "but Microsoft 365 publishes no key there yet: DKIM signing for %s "
            "must be enabled (or its keys rotated) in Microsoft 365.", c->d, c->d);
  if (tenant != NULL)
    explain(c, "%s is the name where Microsoft 365 publishes the %s key of %s "
            "for tenant %s.", target, c->s, c->d, tenant);
  else
    explain(c, "%s is the name where Microsoft 365 publishes the %s key of %s.",
            target, c->s, c->d);
  explain(c, "Microsoft publishes the key there itself once DKIM signing is "
          "enabled for the domain; after enabling or rotating it can take a "
          "while (up to a few days) to appear.");
  fix(c, "Open %s: check that it is on, and that the CNAME value shown there "
      "is the published one:", provider_text(c, c->provider->enable_where, c->d));
  fix_line(c, "%s  CNAME  %s", c->key_name, target);
  fix(c, "If it is off, switch it on; or in Exchange Online PowerShell:");
  fix_line(c, "%s", provider_text(c, c->provider->enable_command, c->d));
  fix(c, "If it is already on, rotate the keys so that Microsoft 365 creates "
      "and publishes them again: %s; or:",
      provider_text(c, c->provider->rotate_where, c->d));
  fix_line(c, "%s", provider_text(c, c->provider->rotate_command, c->d));
  fix(c, "To see what Microsoft 365 expects:");
  fix_line(c, "%s", provider_text(c, c->provider->check_command, c->d));
  if (m365_sibling_also_missing(c)) {
    explain(c, "The other selector's CNAME leads into the same tenant and has "
            "no key either: DKIM signing was never enabled for %s in tenant "
            "%s, or the CNAMEs name the wrong tenant.", c->d,
            tenant ? tenant : "(unknown)");
    fix(c, "If the values Microsoft 365 shows name another tenant than %s, "
        "the DNS administrator of %s must publish those values instead.",
        tenant ? tenant : "the one above", c->d);
  }
  fix(c, "Microsoft 365 can take a while (up to a few days) to publish the "
      "key; if the values match, nothing needs to change in the DNS of %s.",
      c->d);
  set_check_after(c, target);
}

/* Microsoft 365: the CNAME points somewhere else than Microsoft's value (4). */
static void
m365_cname_wrong_target(Ctx *c, const char *target, const char *prefix,
                        const char *tenant)
{
  refine(c, DKS_PARTY_SENDER_DNS, "m365-cname-wrong-target");
  verdict(c, "The DKIM CNAME for %s points to a wrong name: it was typed by "
          "hand or copied from another domain.", c->key_name);
  explain(c, "Microsoft 365's value for selector %s of %s starts with %s, but "
          "%s points to %s.", c->s, c->d, prefix, c->key_name, target);
  if (c->sig->domain != NULL && strchr(c->sig->domain, '-') != NULL)
    explain(c, "(For a domain name with a hyphen Microsoft forms this part "
            "itself; if the portal shows exactly %s, the value is right and "
            "the tenant administrator must enable DKIM signing instead.)",
            target);
  fix(c, "Copy the exact value Microsoft 365 shows for %s (Selector1CNAME / "
      "Selector2CNAME):", c->d);
  fix_line(c, "%s", provider_text(c, c->provider->check_command, c->d));
  if (tenant != NULL && dks_m365_target_is_initial_domain(target)) {
    fix(c, "Replace the CNAME's value with it; it is probably this (where they "
        "differ, the value Microsoft 365 shows wins):");
    fix_line(c, "%s  CNAME  %s%s.onmicrosoft.com", c->key_name, prefix, tenant);
  } else
    fix(c, "Replace the value of the CNAME record %s with it.", c->key_name);
  set_check_after(c, c->key_name);
}

static gboolean
key_missing_m365(Ctx *c)
{
  if (!is_m365(c))
    return FALSE;
  const DksSigRun *sr = c->sr;
  const DksCnameHop *hop = hop_at(sr->dns, 0);
  if (hop == NULL) {
    m365_cnames_missing(c);
    return TRUE;
  }
  if (!dks_name_under_any(hop->target, c->provider->cname_suffixes))
    return FALSE;
  const char *target = show(c, hop->target);
  const char *tenant = m365_tenant(c);
  char *prefix = dks_m365_expected_target_prefix(c->s, c->sig->domain);
  keep(c, prefix);
  if (prefix != NULL && !g_str_has_prefix(target, prefix)) {
    m365_cname_wrong_target(c, target, prefix, tenant);
    return TRUE;
  }
  m365_key_not_published(c, target, tenant);
  return TRUE;
}

static void
key_missing_at_provider(Ctx *c, const char *target)
{
  refine(c, DKS_PARTY_SENDER_MAIL, "provider-key-not-published");
  verdict(c, "The DNS record for %s points into %s, but %s publishes no key "
          "there: DKIM for %s is not set up (or not finished) on the %s side.",
          c->d, c->provider->name, c->provider->name, c->d, c->provider->name);
  explain(c, "%s is a name %s manages: it publishes the key there once DKIM "
          "is set up for the domain.", target, c->provider->name);
  fix(c, "Check the domain's DKIM status in %s.",
      provider_text(c, c->provider->enable_where, c->d));
  fix(c, "Compare the records it asks for with the published ones: %s.",
      provider_text(c, c->provider->dns_records, c->d));
  if (c->provider->check_command != NULL) {
    fix(c, "Or on the command line:");
    fix_line(c, "%s", provider_text(c, c->provider->check_command, c->d));
  }
  set_check_after(c, c->key_name);
}

static void
key_missing_dangling_cname(Ctx *c, const char *target)
{
  refine(c, DKS_PARTY_SENDER_DNS, "cname-target-missing");
  verdict(c, "The DNS record for %s points to another name, and that name "
          "has no key.", c->key_name);
  explain(c, "A CNAME hands the lookup on to its target, so the key must be "
          "published at %s.", target);
  fix(c, "Check the CNAME's value against what the mail provider gave you "
      "for %s; correct it if it differs.", c->d);
  fix(c, "If it is right, whoever runs %s must publish the key there:", target);
  fix_line(c, "%s  TXT  \"%s\"", target, key_record_shape(c->sig));
  set_check_after(c, c->key_name);
}

static void
key_missing_plain(Ctx *c)
{
  const DksDnsAnswer *dns = c->sr->dns;
  refine(c, DKS_PARTY_SENDER_DNS, NULL);
  verdict(c, "The sender's public key is not published: %s %s.", c->key_name,
          outcome_words(dns));
  if (c->provider != NULL && c->provider->hosting == DKS_KEY_HOSTING_TXT) {
    explain(c, "The selector %s is %s's; its key is published as a TXT "
            "record by the domain's DNS administrator.", c->s, c->provider->name);
    fix(c, "Get the key record for %s from %s.", c->d,
        provider_text(c, c->provider->enable_where, c->d));
  } else {
    fix(c, "Find the public key for selector %s in the signing system (the "
        "mail server's DKIM settings or the mail provider's DKIM page).", c->s);
  }
  fix_publish_txt(c, c->key_name);
  if (dns != NULL && dns->has_negative_ttl) {
    g_autofree char *ttl = duration_words(dns->negative_ttl);
    fix(c, "Resolvers that already asked may remember \"no key\" for up to %s "
        "(RFC 2308 §5) before they see the new record.", ttl);
  }
  set_check_after(c, c->key_name);
}

static void
on_key_not_found(Ctx *c)
{
  const DksSigRun *sr = c->sr;
  explain(c, "A verifier finds the public key in DNS: s=%s and d=%s give the "
          "name %s (RFC 6376 §3.6.2.1), whose TXT record it asks for (RFC "
          "6376 §6.1.2).  No record means no key, and the signature cannot be "
          "checked: permerror.", c->s, c->d, c->key_name);
  explain_dns(c, sr->dns);
  if (answer_has_key(sr->authoritative)) {
    key_in_resolver_cache(c);
    return;
  }
  if (sr->dns != NULL && sr->dns->outside_zones) {
    refine(c, DKS_PARTY_INPUT, "outside-zones");
    verdict(c, "The key could not be looked up: %s is outside the zone files "
            "loaded for this offline check.", show(c, final_name(sr->dns)));
    fix(c, "Load the zone that holds %s with --dns-zone, or check against the "
        "live DNS (without --dns-zone).", show(c, final_name(sr->dns)));
    set_check_after(c, c->key_name);
    return;
  }
  if (key_owner_mistake(c))
    return;
  if (key_missing_m365(c))
    return;
  const DksCnameHop *hop = hop_at(sr->dns, 0);
  if (hop != NULL) {
    if (key_hosted_by_provider(c))
      key_missing_at_provider(c, show(c, hop->target));
    else
      key_missing_dangling_cname(c, show(c, final_name(sr->dns)));
    return;
  }
  key_missing_plain(c);
}

/* ----- key record ----- */

static const char *
first_error_finding(Ctx *c, const GPtrArray *findings)
{
  for (guint i = 0; findings != NULL && i < findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(findings, i);
    if (f->level == DKS_FINDING_ERROR)
      return show(c, f->text);
  }
  return NULL;
}

/* A key record problem is the DNS admin's, unless a provider hosts it. */
static void
key_record_party(Ctx *c, const char *refinement)
{
  refine(c, key_hosted_by_provider(c) ? DKS_PARTY_SENDER_MAIL : DKS_PARTY_SENDER_DNS,
         refinement);
}

static void
on_key_revoked(Ctx *c)
{
  const char *where = show(c, final_name(c->sr->dns));
  key_record_party(c, NULL);
  verdict(c, "The key for selector %s was withdrawn: %s publishes it with an "
          "empty p=.", c->s, where);
  explain(c, "An empty p= in a key record means the key was revoked (RFC 6376 "
          "§3.6.1); verifiers must fail the signature (RFC 6376 §6.1.2).");
  if (c->party == DKS_PARTY_SENDER_MAIL) {
    fix(c, "The key is managed by %s: check the DKIM settings for %s in %s.",
        c->provider->name, c->d, provider_text(c, c->provider->enable_where, c->d));
    return;
  }
  fix(c, "If selector %s was retired on purpose, the signing system still "
      "uses it: switch it to the current selector.", c->s);
  fix(c, "If not, publish the public key again:");
  fix_line(c, "%s  TXT  \"%s\"", where, key_record_shape(c->sig));
  set_check_after(c, c->key_name);
}

static void
on_key_syntax(Ctx *c)
{
  const DksDnsAnswer *dns = c->sr->dns;
  const char *where = show(c, final_name(dns));
  explain(c, "A key record is a tag list such as \"v=DKIM1; k=rsa; p=...\" "
          "(RFC 6376 §3.6.1); a record that does not parse cannot be used "
          "(RFC 6376 §6.1.2).");
  if (dns != NULL && dns->txt != NULL && dns->txt->len > 1) {
    key_record_party(c, "key-several-records");
    verdict(c, "There are %u key records at %s instead of one, so which key "
            "applies is undefined.", dns->txt->len, where);
    explain(c, "A key name must hold exactly one TXT record (RFC 6376 "
            "§3.6.2.2).");
    fix(c, "Delete all but the current key record at %s.", where);
    set_check_after(c, c->key_name);
    return;
  }
  /* A CNAME value entered as TXT shows up as an unusable key record. */
  if (key_owner_mistake(c))
    return;
  const DksClue *clue;
  if ((clue = find_clue(c->sr, DKS_CLUE_KEY_TRUNCATED)) != NULL) {
    key_record_party(c, "key-truncated");
    verdict(c, "The key record at %s holds only the start of the key: the "
            "rest was lost when it was entered.", where);
    explain_clue(c, clue);
    fix(c, "Copy the whole public key again from the signing system and "
        "publish it at %s (check that no part was cut off):", where);
    fix_line(c, "%s  TXT  \"%s\"", where, key_record_shape(c->sig));
    set_check_after(c, c->key_name);
    return;
  }
  if ((clue = find_clue(c->sr, DKS_CLUE_KEY_CUT_AT_255)) != NULL) {
    key_record_party(c, "key-cut-at-255");
    verdict(c, "The key record at %s was cut off at 255 characters when it "
            "was entered.", where);
    explain_clue(c, clue);
    explain(c, "One DNS text string holds at most 255 characters (RFC 1035 "
            "§3.3); a 2048-bit key is longer, so it must be given as several "
            "strings in one record, which verifiers join (RFC 6376 §3.6.2.2).");
    fix(c, "Publish the whole key again at %s, split into strings of at most "
        "255 characters in one TXT record:", where);
    fix_line(c, "%s  TXT  \"v=DKIM1; k=rsa; p=MIIBIjANBg...(first part)\" "
             "\"...(rest of the key)\"", where);
    set_check_after(c, c->key_name);
    return;
  }
  if ((clue = find_clue(c->sr, DKS_CLUE_KEY_JUNK)) != NULL) {
    key_record_party(c, "key-junk");
    verdict(c, "The key record at %s contains characters that do not belong "
            "in a key (quotes, spaces or invisible characters).", where);
    explain_clue(c, clue);
  } else {
    key_record_party(c, NULL);
    verdict(c, "%s", dks_help_reason_line(DKS_REASON_KEY_SYNTAX));
    const char *what = c->sr->key ? first_error_finding(c, c->sr->key->findings) : NULL;
    if (what != NULL)
      explain(c, "What is wrong: %s.", what);
  }
  if (c->party == DKS_PARTY_SENDER_MAIL) {
    fix(c, "The record is published by %s: check the DKIM settings for %s in %s.",
        c->provider->name, c->d, provider_text(c, c->provider->enable_where, c->d));
    return;
  }
  fix(c, "Replace the record at %s with a clean copy of the key record, "
      "copied from the signing system as plain text: no quotes inside the "
      "value, no line breaks, only base64 characters in p=.", where);
  fix_line(c, "%s  TXT  \"%s\"", where, key_record_shape(c->sig));
  set_check_after(c, c->key_name);
}

static void
on_key_hash_not_allowed(Ctx *c)
{
  const char *where = show(c, final_name(c->sr->dns));
  GString *h = g_string_new(NULL);
  for (guint i = 0; c->sr->key && c->sr->key->hashes && i < c->sr->key->hashes->len; i++)
    g_string_append_printf(h, "%s%s", i ? ":" : "",
                           (const char *)g_ptr_array_index(c->sr->key->hashes, i));
  const char *hashes = h->len ? keep(c, sanitize(h->str)) : NULL;
  g_string_free(h, TRUE);
  key_record_party(c, NULL);
  if (hashes != NULL)
    verdict(c, "The key record at %s allows only h=%s, which this signature "
            "does not use.", where, hashes);
  else
    verdict(c, "The key record at %s does not allow the hash algorithm this "
            "signature uses.", where);
  explain(c, "h= in a key record lists the hash algorithms the key may be used "
          "with (RFC 6376 §3.6.1); a signature with another one must fail "
          "(RFC 6376 §6.1.2).  sha256 is the one to allow (RFC 8301 §3.1).");
  fix(c, "Remove h= from the record at %s, or set h=sha256:", where);
  fix_line(c, "%s  TXT  \"%s\"", where, key_record_shape(c->sig));
  set_check_after(c, c->key_name);
}

static void
on_key_algorithm_mismatch(Ctx *c)
{
  const char *where = show(c, final_name(c->sr->dns));
  const char *want = is_ed25519(c->sig) ? "ed25519" : "rsa";
  key_record_party(c, NULL);
  if (c->sr->key != NULL)
    verdict(c, "The key at %s has k=%s, but the signature (a=%s) needs k=%s.",
            where, dks_key_type_name(c->sr->key->key_type),
            show(c, c->sig->algorithm_name), want);
  else
    verdict(c, "The key at %s is of another type than the signature (a=%s) "
            "needs (k=%s).", where, show(c, c->sig->algorithm_name), want);
  explain(c, "k= in the key record names the key type (RFC 6376 §3.6.1; "
          "k=ed25519 in RFC 8463 §4); it must match the signature's algorithm "
          "(RFC 6376 §6.1.2).");
  fix(c, "Publish the %s public key the signer uses for s=%s at %s:", want, c->s,
      where);
  fix_line(c, "%s  TXT  \"%s\"", where, key_record_shape(c->sig));
  fix(c, "Or, if the signer has both key types, give each its own selector "
      "and make sure each signature names the right one.");
  set_check_after(c, c->key_name);
}

/* ----- signature field ----- */

static void
on_signature_syntax(Ctx *c)
{
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_SIGNATURE_SYNTAX));
  explain(c, "A DKIM-Signature is a list of tags (RFC 6376 §3.2) with required "
          "ones (v a b bh d h s) and fixed value formats (RFC 6376 §3.5); any "
          "error makes verifiers ignore it (RFC 6376 §6.1.1).");
  const char *what = first_error_finding(c, c->sig->findings);
  if (what != NULL)
    explain(c, "What is wrong: %s.", what);
  fix(c, "Send the administrator of the mail system that signs for %s this "
      "header and the error above: its DKIM software writes an invalid "
      "signature.", c->d);
  fix(c, "If this header was copied or retyped by hand, check the original "
      "message file first.");
}

static void
on_algorithm_unsupported(Ctx *c)
{
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  verdict(c, "The signature uses the algorithm %s, which DKIM verifiers do not "
          "know.", show(c, c->sig->algorithm_name));
  explain(c, "a= names the signing algorithm (RFC 6376 §3.5): rsa-sha256 "
          "(RFC 8301 §3.1) or ed25519-sha256 (RFC 8463).  An unknown one "
          "cannot be verified (RFC 6376 §6.1.1).");
  fix(c, "Configure the signing system for %s to sign with a=rsa-sha256 (it "
      "may add a second, ed25519-sha256 signature).", c->d);
}

static void
on_from_not_signed(Ctx *c)
{
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_FROM_NOT_SIGNED));
  explain(c, "h= lists the header fields the signature covers; From must be "
          "among them (RFC 6376 §5.4), else verifiers ignore the signature "
          "(RFC 6376 §6.1.1).");
  fix(c, "Configure the signing system for %s to include From in the signed "
      "header fields (h=).", c->d);
}

static void
on_domain_mismatch(Ctx *c)
{
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  const char *i = show(c, c->sig->identity);
  if (c->sr->steps[DKS_CHECK_KEY_RECORD].reason == DKS_REASON_DOMAIN_MISMATCH) {
    c->refinement = "identity-strict-key";
    verdict(c, "The key for %s forbids signing for subdomains (t=s), but the "
            "signature names the identity %s.", c->key_name, i);
    explain(c, "t=s in a key record requires the i= domain to equal d= "
            "exactly (RFC 6376 §3.6.1).");
    fix(c, "Configure the signer to use i=@%s, or to leave i= out.", c->d);
    fix(c, "Or have the DNS administrator of %s remove t=s from the record at "
        "%s.", c->d, c->key_name);
    return;
  }
  verdict(c, "The signing identity i=%s is not within the signing domain d=%s.",
          i, c->d);
  explain(c, "i= must be d= or a subdomain of it (RFC 6376 §3.5); otherwise "
          "verifiers ignore the signature (RFC 6376 §6.1.1).");
  fix(c, "Configure the signing system so that i= ends in @%s (or a subdomain "
      "of %s), or leave i= out.", c->d, c->d);
}

static void
on_l_exceeds_body(Ctx *c)
{
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_L_EXCEEDS_BODY));
  explain(c, "l= says how many body octets were signed (RFC 6376 §3.5); this "
          "body is shorter, so the signed part is not all here.  l= is risky "
          "anyway: content can be appended after the signed part (RFC 6376 "
          "§8.2).");
  fix(c, "First check the original message file: this copy may be cut short.");
  fix(c, "If the original is complete, a system on the way shortened the "
      "body, or the signer for %s wrote a wrong l=; signing without l= "
      "avoids both.", c->d);
}

static void
on_signature_expired(Ctx *c)
{
  const DksClue *clue = find_clue(c->sr, DKS_CLUE_EXPIRED_AFTER_DELIVERY);
  explain(c, "x= is the time after which the signature is no longer valid "
          "(RFC 6376 §3.5); verifiers may then fail it (RFC 6376 §6.1.1).");
  if (clue != NULL) {
    refine(c, DKS_PARTY_NONE, "expired-after-delivery");
    verdict(c, "The signature was still valid when the message arrived; it "
            "has only expired since, which is normal for an older message.");
    explain_clue(c, clue);
    gint64 received = c->run->msg ? dks_forensics_received_time(c->run->msg) : 0;
    if (received > 0)
      fix(c, "Nothing to fix.  To see the result as the receiver saw it, check "
          "again as of the time the message arrived: --now %" G_GINT64_FORMAT
          ".", received);
    else
      fix(c, "Nothing to fix.  To see the result as the receiver saw it, check "
          "again with --now set to the time the message was received (its top "
          "Received header).");
    return;
  }
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_SIGNATURE_EXPIRED));
  fix(c, "If the message was checked long after it arrived, expiry is normal: "
      "check again with --now set to the time it was received.");
  fix(c, "If it expired before delivery, the signing system for %s sets x= "
      "too short: give signatures several days (or no x=).", c->d);
}

static void
on_signature_future(Ctx *c)
{
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_SIGNATURE_FUTURE));
  explain(c, "t= is when the message was signed (RFC 6376 §3.5); a time in the "
          "future means the signer's clock is ahead, and verifiers may ignore "
          "such signatures.");
  fix(c, "Set the clock of the signing server for %s right (NTP).", c->d);
  fix(c, "If this check ran with --now, make sure that time is correct.");
}

/* ----- RFC 8301 policy ----- */

static void
explain_otherwise_valid(Ctx *c)
{
  if (c->sr->header_valid == DKS_TRI_YES && c->sr->body_hash_match == DKS_TRI_YES)
    explain(c, "Apart from that, the signature verifies.");
  else if (c->sr->header_valid == DKS_TRI_NO || c->sr->body_hash_match == DKS_TRI_NO)
    explain(c, "It does not verify either (see the failing step).");
}

static void
on_algorithm_deprecated(Ctx *c)
{
  refine(c, DKS_PARTY_SENDER_MAIL, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_ALGORITHM_DEPRECATED));
  explain(c, "RFC 8301 §3.1: rsa-sha1 must not be used for signing or "
          "verifying any more, so verifiers treat such a signature as not "
          "valid.");
  explain_otherwise_valid(c);
  fix(c, "Configure the signing system for %s to sign with a=rsa-sha256; the "
      "same RSA key and selector (%s) can stay.", c->d, c->s);
}

static void
on_key_too_short(Ctx *c)
{
  key_record_party(c, NULL);
  if (c->party == DKS_PARTY_SENDER_DNS && provider_certain(c) &&
      c->provider->hosting == DKS_KEY_HOSTING_CNAME)
    c->party = DKS_PARTY_SENDER_MAIL;
  if (c->sr->key_bits > 0)
    verdict(c, "The RSA key for selector %s has only %u bits; receivers must "
            "not accept keys under 1024 bits.", c->s, c->sr->key_bits);
  else
    verdict(c, "The RSA key for selector %s is shorter than 1024 bits, which "
            "receivers must not accept.", c->s);
  explain(c, "RFC 8301 §3.2: signers must use RSA keys of at least 1024 "
          "bits (2048 recommended), and verifiers must not accept smaller "
          "ones.");
  explain_otherwise_valid(c);
  if (c->party == DKS_PARTY_SENDER_MAIL && c->provider->rotate_where != NULL) {
    fix(c, "Rotate to a new, longer key in %s.",
        provider_text(c, c->provider->rotate_where, c->d));
    if (c->provider->rotate_command != NULL)
      fix_line(c, "%s", provider_text(c, c->provider->rotate_command, c->d));
    return;
  }
  fix(c, "Generate a new 2048-bit RSA key pair in the signing system for %s.", c->d);
  fix(c, "Publish its public key under a new selector (any name not in use "
      "yet):");
  fix_line(c, "<new selector>._domainkey.%s  TXT  \"v=DKIM1; k=rsa; p=<base64 "
           "public key>\"", c->d);
  fix(c, "Switch the signer to the new selector; later replace the old record "
      "%s with \"v=DKIM1; p=\" (revoked).", c->key_name);
}

/* ----- temporary errors ----- */

static void
on_dns_temperror(Ctx *c)
{
  const DksDnsAnswer *dns = c->sr->dns;
  const char *resolver = show(c, dns && dns->resolver ? dns->resolver : "the resolver");
  explain(c, "The key lookup for %s (RFC 6376 §6.1.2) did not get a usable "
          "answer; that is a temporary error, and a verifier may try again "
          "later.", c->key_name);
  explain_dns(c, dns);
  set_check_after(c, c->key_name);
  if (dns != NULL && dns->outcome == DKS_DNS_CNAME_LOOP) {
    refine(c, DKS_PARTY_SENDER_DNS, "cname-loop");
    verdict(c, "The DNS records for %s point in a circle (or through too many "
            "CNAMEs), so the key can never be found.", c->key_name);
    fix(c, "Follow the chain listed above and correct the CNAME record that "
        "points back: %s must lead, within a few steps, to a TXT key record.",
        c->key_name);
    return;
  }
  const DksDnsAnswer *auth = c->sr->authoritative;
  if (auth != NULL && (auth->outcome == DKS_DNS_SERVFAIL ||
                       auth->outcome == DKS_DNS_TIMEOUT ||
                       auth->outcome == DKS_DNS_REFUSED)) {
    refine(c, DKS_PARTY_SENDER_DNS, "sender-dns-servers");
    verdict(c, "The DNS servers of %s do not answer properly for the key, so "
            "nobody can check the signature right now.", c->d);
    explain(c, "Asked directly, the authoritative servers failed too (%s).",
            outcome_words(auth));
    fix(c, "The DNS administrator of %s must check the zone's name servers: "
        "each must answer TXT queries for %s.", c->d, c->key_name);
    fix_line(c, "dig +trace TXT %s", c->key_name);
    return;
  }
  DksDnsOutcome outcome = dns ? dns->outcome : DKS_DNS_ERROR;
  refine(c, DKS_PARTY_RECEIVER, NULL);
  switch (outcome) {
  case DKS_DNS_TIMEOUT:
    c->refinement = "dns-timeout";
    verdict(c, "The DNS lookup for the key timed out; try again later.");
    break;
  case DKS_DNS_SERVFAIL:
    c->refinement = "dns-servfail";
    verdict(c, "The resolver could not get the key (SERVFAIL); try again later.");
    explain(c, "SERVFAIL says only that %s failed to get an answer: the cause "
            "can be the resolver itself or the DNS servers of %s.", resolver, c->d);
    break;
  case DKS_DNS_REFUSED:
    c->refinement = "dns-refused";
    verdict(c, "The resolver refused to look the key up.");
    explain(c, "REFUSED comes from %s itself: it does not serve this client.",
            resolver);
    break;
  default:
    c->refinement = "dns-error";
    verdict(c, "%s", dks_help_reason_line(DKS_REASON_DNS_TEMPERROR));
    if (dns != NULL && dns->error != NULL)
      explain(c, "The resolver said: %s.", show(c, dns->error));
    break;
  }
  fix(c, "Check again in a few minutes.");
  fix(c, "If it keeps failing, find out where it fails: ask another resolver, "
      "or follow the lookup from the root:");
  fix_line(c, "dig +trace TXT %s", c->key_name);
  fix(c, "If that also fails at the servers of %s, their DNS administrator "
      "must fix them; otherwise the administrator of %s.", c->d, resolver);
}

static void
on_dnssec_bogus(Ctx *c)
{
  const DksDnsAnswer *dns = c->sr->dns;
  refine(c, DKS_PARTY_RECEIVER, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_DNSSEC_BOGUS));
  explain(c, "The zone is signed with DNSSEC, and the answer's signatures did "
          "not validate (RFC 4035 §5), so the key cannot be trusted and the "
          "lookup counts as failed for now.");
  if (dns != NULL && dns->why_bogus != NULL)
    explain(c, "The validator said: %s.", show(c, dns->why_bogus));
  fix(c, "Validate the name elsewhere to see who is wrong:");
  fix_line(c, "delv TXT %s", c->key_name);
  fix(c, "If it fails everywhere, the DNS administrator of %s must fix the "
      "zone's DNSSEC (expired signatures, or a DS record at the registrar "
      "that no longer matches the keys).", c->d);
  fix(c, "If it validates elsewhere, the validating resolver here is wrong "
      "(its clock or its trust anchor).");
  set_check_after(c, c->key_name);
}

/* ----- neutral ----- */

static void
on_body_not_checked(Ctx *c)
{
  refine(c, DKS_PARTY_INPUT, NULL);
  verdict(c, "%s", dks_help_reason_line(DKS_REASON_BODY_NOT_CHECKED));
  explain(c, "bh= is the hash of the body as signed (RFC 6376 §3.5, §3.7); "
          "without the body it cannot be compared, so the result is only "
          "neutral even though the header signature was checked.");
  fix(c, "Supply the whole message (headers and body): save it as an .eml "
      "file, or use \"Show original\" in the mail client and save all of it.");
}

typedef void (*ReasonHandler)(Ctx *c);

static const ReasonHandler handlers[] = {
  [DKS_REASON_NONE] = on_none,
  [DKS_REASON_PASS] = on_pass,
  [DKS_REASON_BODY_HASH_MISMATCH] = on_body_hash_mismatch,
  [DKS_REASON_SIGNATURE_MISMATCH] = on_signature_mismatch,
  [DKS_REASON_KEY_NOT_FOUND] = on_key_not_found,
  [DKS_REASON_KEY_REVOKED] = on_key_revoked,
  [DKS_REASON_KEY_SYNTAX] = on_key_syntax,
  [DKS_REASON_KEY_HASH_NOT_ALLOWED] = on_key_hash_not_allowed,
  [DKS_REASON_KEY_ALGORITHM_MISMATCH] = on_key_algorithm_mismatch,
  [DKS_REASON_SIGNATURE_SYNTAX] = on_signature_syntax,
  [DKS_REASON_ALGORITHM_UNSUPPORTED] = on_algorithm_unsupported,
  [DKS_REASON_FROM_NOT_SIGNED] = on_from_not_signed,
  [DKS_REASON_DOMAIN_MISMATCH] = on_domain_mismatch,
  [DKS_REASON_L_EXCEEDS_BODY] = on_l_exceeds_body,
  [DKS_REASON_SIGNATURE_EXPIRED] = on_signature_expired,
  [DKS_REASON_SIGNATURE_FUTURE] = on_signature_future,
  [DKS_REASON_ALGORITHM_DEPRECATED] = on_algorithm_deprecated,
  [DKS_REASON_KEY_TOO_SHORT] = on_key_too_short,
  [DKS_REASON_DNS_TEMPERROR] = on_dns_temperror,
  [DKS_REASON_DNSSEC_BOGUS] = on_dnssec_bogus,
  [DKS_REASON_BODY_NOT_CHECKED] = on_body_not_checked,
};
G_STATIC_ASSERT(G_N_ELEMENTS(handlers) == DKS_REASON_COUNT);

/* ---------- what is not a fault ---------- */

static void
add_sibling_note(Ctx *c)
{
  const DksSigRun *sr = c->sr;
  if (sr->sibling == NULL || sr->sibling_name == NULL)
    return;
  const char *name = show(c, sr->sibling_name);
  if (answer_has_key(sr->sibling)) {
    if (sr->reason == DKS_REASON_KEY_NOT_FOUND)
      note(c, "For comparison, the other selector %s does lead to a key (%s).",
           name, show(c, final_name(sr->sibling)));
    return;
  }
  if (!answer_missing(sr->sibling))
    return;
  const char *end = chain_len(sr->sibling) > 0
    ? keep(c, g_strdup_printf("%s %s", show(c, final_name(sr->sibling)),
                              outcome_words(sr->sibling)))
    : keep(c, g_strdup_printf("it %s", outcome_words(sr->sibling)));
  if (sr->reason == DKS_REASON_KEY_NOT_FOUND) {
    note(c, "The other selector, %s, has no key either: %s.", name, end);
    return;
  }
  if (is_m365(c))
    note(c, "The other selector, %s, has no key: %s.  That is normal: "
         "Microsoft 365 signs with one selector at a time and uses the other "
         "after the next key rotation.  Nothing to fix there.", name, end);
  else
    note(c, "The other selector, %s, has no key; this signature does not use "
         "it, so that is no fault.", name);
}

static void
add_context_notes(Ctx *c)
{
  add_sibling_note(c);
  if (c->sr->result != DKS_RESULT_PASS) {
    const DksSigRun *other = other_passing(c->run, c->sr, FALSE);
    if (other != NULL)
      note(c, "Another signature on this message verifies (d=%s s=%s).",
           show(c, other->sig->domain), show(c, other->sig->selector));
  }
  if (c->sr->key != NULL && c->sr->key->testing && c->sr->result != DKS_RESULT_PASS)
    note(c, "The key record has t=y (testing): receivers treat failures like "
         "unsigned mail anyway (RFC 6376 §3.6.1).");
}

/* ---------- the receiving side ---------- */

static gboolean
is_key_problem(DksReason reason)
{
  switch (reason) {
  case DKS_REASON_KEY_NOT_FOUND:
  case DKS_REASON_KEY_REVOKED:
  case DKS_REASON_KEY_SYNTAX:
  case DKS_REASON_KEY_HASH_NOT_ALLOWED:
  case DKS_REASON_KEY_ALGORITHM_MISMATCH:
  case DKS_REASON_KEY_TOO_SHORT:
    return TRUE;
  default:
    return FALSE;
  }
}

static char *
receiver_note(Ctx *c)
{
  const DksSigRun *sr = c->sr;
  if (sr->result == DKS_RESULT_PASS || sr->result == DKS_RESULT_NONE)
    return NULL;
  GString *s = g_string_new(NULL);
  switch (sr->result) {
  case DKS_RESULT_TEMPERROR:
    g_string_append(s, "This is a temporary error: a receiver may defer the "
                    "message and check again later (RFC 6376 §6.1.2). ");
    break;
  case DKS_RESULT_POLICY:
    g_string_append(s, "RFC 8301 tells verifiers to treat this signature as "
                    "not valid, whether or not it verifies. ");
    break;
  case DKS_RESULT_NEUTRAL:
    g_string_append(s, "The receiver had the whole message, so its own result "
                    "may differ from this partial check; nothing here speaks "
                    "against the message.");
    return g_string_free(s, FALSE);
  default:
    break;
  }
  g_string_append_printf(s, "RFC 6376 §6.1: a message whose signatures all "
                         "fail should be treated like a message with no "
                         "signature at all, because signatures can break on "
                         "the way through no fault of the sender.  So this "
                         "result alone is no reason to reject; rejecting "
                         "outright%s is the receiver's own policy choice, "
                         "which RFC 6376 §6.3 advises against.  A softer "
                         "policy accepts the message as unsigned and lets SPF "
                         "and DMARC decide, or only marks it (a tag in the "
                         "subject, a higher spam score).",
                         is_key_problem(sr->reason) ? " for an \"invalid key\"" : "");
  const DksSigRun *other = other_passing(c->run, sr, FALSE);
  if (other != NULL)
    g_string_append_printf(s, "  Here another signature verifies (d=%s), so "
                           "the message is not unsigned.",
                           show(c, other->sig->domain));
  const DksDmarc *dmarc = c->run ? c->run->dmarc : NULL;
  if (dmarc != NULL && dmarc->from_domain != NULL && dmarc->policy != NULL)
    g_string_append_printf(s, "  The From domain %s publishes DMARC p=%s: "
                           "receivers apply it when neither an aligned DKIM "
                           "signature nor aligned SPF passes (RFC 7489 §6.6).",
                           show(c, dmarc->from_domain), show(c, dmarc->policy));
  return g_string_free(s, FALSE);
}

/* ---------- who ---------- */

static char *
who_words(Ctx *c)
{
  const DksDnsAnswer *dns = c->sr->dns;
  switch (c->party) {
  case DKS_PARTY_SENDER_DNS:
    return g_strdup_printf("the DNS administrator of %s", c->d);
  case DKS_PARTY_SENDER_MAIL:
    if (provider_certain(c) && c->provider->admin != NULL) {
      const char *tenant = is_m365(c) ? m365_tenant(c) : NULL;
      if (tenant != NULL && c->refinement != NULL &&
          strcmp(c->refinement, "m365-key-not-published") == 0 &&
          m365_sibling_also_missing(c))
        return g_strdup_printf("%s for %s (its DKIM CNAMEs name tenant %s)",
                               c->provider->admin, c->d, tenant);
      if (tenant != NULL)
        return g_strdup_printf("%s for %s (tenant %s)", c->provider->admin, c->d,
                               tenant);
      return g_strdup_printf("%s for %s", c->provider->admin, c->d);
    }
    return g_strdup_printf("the administrator of the mail system that signs "
                           "for %s", c->d);
  case DKS_PARTY_INTERMEDIARY:
    return g_strdup("the operator of the system that changed the message on "
                    "the way (a mailing list, forwarder or security gateway)");
  case DKS_PARTY_RECEIVER:
    /* Offline, the "resolver" is the zone files given on the command line. */
    if (dns && dns->resolver && g_str_has_prefix(dns->resolver, "offline zones"))
      return g_strdup("whoever prepared the zone files loaded with --dns-zone "
                      "(this run answers DNS from them only)");
    return g_strdup_printf("the administrator of %s",
                           show(c, dns && dns->resolver ? dns->resolver
                                                        : "the DNS resolver that was asked"));
  case DKS_PARTY_INPUT:
    return g_strdup("whoever supplied this copy of the message");
  case DKS_PARTY_NONE:
    break;
  }
  return g_strdup("nobody");
}

/* ---------- entry points ---------- */

static char *
join_lines(const GPtrArray *lines)
{
  if (lines->len == 0)
    return NULL;
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < lines->len; i++)
    g_string_append_printf(s, "%s%s", i ? "\n" : "",
                           (const char *)g_ptr_array_index(lines, i));
  return g_string_free(s, FALSE);
}

static void
ctx_init(Ctx *c, const DksRun *run, const DksSigRun *sr)
{
  memset(c, 0, sizeof *c);
  c->run = run;
  c->sr = sr;
  c->sig = sr->sig;
  c->explain = g_string_new(NULL);
  c->fix = g_ptr_array_new_with_free_func(g_free);
  c->notes = g_ptr_array_new_with_free_func(g_free);
  c->keep = g_ptr_array_new_with_free_func(g_free);
  c->d = show(c, c->sig && c->sig->domain ? c->sig->domain : "(no d=)");
  c->s = show(c, c->sig && c->sig->selector ? c->sig->selector : "(no s=)");
  if (sr->key_name != NULL)
    c->key_name = show(c, sr->key_name);
  else
    c->key_name = keep(c, g_strdup_printf("%s._domainkey.%s", c->s, c->d));
  c->provider = dks_provider_detect(sr, &c->match);
  c->party = dks_reason_default_party(sr->reason);
}

static void
ctx_clear(Ctx *c)
{
  g_free(c->verdict);
  g_string_free(c->explain, TRUE);
  g_ptr_array_unref(c->fix);
  g_ptr_array_unref(c->notes);
  g_free(c->who);
  g_free(c->check_after);
  g_ptr_array_unref(c->keep);
}

DksGuidance *
dks_guidance_new(const DksRun *run, const DksSigRun *sr)
{
  g_return_val_if_fail(sr != NULL && sr->sig != NULL, NULL);
  Ctx c;
  ctx_init(&c, run, sr);
  DksReason reason = sr->result == DKS_RESULT_NONE ? DKS_REASON_NONE : sr->reason;
  handlers[reason < DKS_REASON_COUNT ? reason : DKS_REASON_NONE](&c);
  add_context_notes(&c);

  DksGuidance *g = g_new0(DksGuidance, 1);
  g->party = c.party;
  g->provider = c.provider;
  g->provider_match = c.match;
  g->refinement = c.refinement;
  g->verdict_line = g_steal_pointer(&c.verdict);
  g->explanation = g_strdup(c.explain->str);
  g->fix = join_lines(c.fix);
  if (g->fix == NULL)
    g->fix = g_strdup("Nothing to fix.");
  g->notes = join_lines(c.notes);
  g->receiver_note = receiver_note(&c);
  g->who = c.who ? g_steal_pointer(&c.who) : who_words(&c);
  g->check_after = g_steal_pointer(&c.check_after);
  ctx_clear(&c);
  return g;
}

void
dks_guidance_free(DksGuidance *guidance)
{
  if (guidance == NULL)
    return;
  g_free(guidance->verdict_line);
  g_free(guidance->explanation);
  g_free(guidance->fix);
  g_free(guidance->receiver_note);
  g_free(guidance->who);
  g_free(guidance->notes);
  g_free(guidance->check_after);
  g_free(guidance);
}

/* ---------- advice text ---------- */

#define ADVICE_WIDTH 72
#define ADVICE_VERBATIM_INDENT 7 /* deeper than any wrapped prose */

/* Lasting failures first: they will not go away by waiting. */
static int
failure_rank(DksResult r)
{
  switch (r) {
  case DKS_RESULT_PERMERROR:
  case DKS_RESULT_FAIL:
  case DKS_RESULT_POLICY: return 3;
  case DKS_RESULT_NEUTRAL: return 2;
  case DKS_RESULT_TEMPERROR: return 1;
  case DKS_RESULT_PASS:
  case DKS_RESULT_NONE: break;
  }
  return 0;
}

const DksSigRun *
dks_advice_pick(const DksRun *run)
{
  const DksSigRun *best = NULL;
  int best_score = 0;
  for (guint i = 0; run != NULL && run->sigs != NULL && i < run->sigs->len; i++) {
    const DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    int score = failure_rank(sr->result);
    if (score == 0 || sr->sig == NULL)
      continue;
    DksAlignment al = DKS_ALIGN_NONE;
    if (alignment_of(run, sr->sig->domain, &al) && al != DKS_ALIGN_NONE)
      score += 10;
    if (score > best_score) {
      best = sr;
      best_score = score;
    }
  }
  return best;
}

/* Joins "RFC 6376 §3.5" into one word (with \001 for its spaces), so a
 * citation never breaks across lines. */
static char *
glue_citations(const char *text)
{
  GString *s = g_string_new(text);
  for (gsize i = 0; i + 4 < s->len; i++) {
    if (strncmp(s->str + i, "RFC ", 4) == 0 && g_ascii_isdigit(s->str[i + 4]))
      s->str[i + 3] = '\001';
    else if (s->str[i] == ' ' && strncmp(s->str + i + 1, "§", strlen("§")) == 0 &&
             i > 0 && g_ascii_isdigit(s->str[i - 1]))
      s->str[i] = '\001';
  }
  return g_string_free(s, FALSE);
}

/* Appends text wrapped at ADVICE_WIDTH: the first line starts with indent
 * spaces, the others with indent + hang.  Words are never split, so a DNS
 * name longer than a line stays whole on a line of its own. */
static void
wrap(GString *out, const char *text, guint indent, guint hang)
{
  g_autofree char *glued = glue_citations(text);
  g_auto(GStrv) words = g_strsplit(glued, " ", -1);
  for (guint i = 0; words[i] != NULL; i++)
    g_strdelimit(words[i], "\001", ' ');
  guint col = 0;
  gboolean first_line = TRUE, line_open = FALSE;
  for (guint i = 0; words[i] != NULL; i++) {
    if (words[i][0] == '\0')
      continue;
    guint len = g_utf8_strlen(words[i], -1);
    if (line_open && col + 1 + len > ADVICE_WIDTH) {
      g_string_append_c(out, '\n');
      line_open = FALSE;
      first_line = FALSE;
    }
    if (!line_open) {
      guint start = first_line ? indent : indent + hang;
      g_string_append_printf(out, "%*s%s", (int)start, "", words[i]);
      col = start + len;
      line_open = TRUE;
    } else {
      g_string_append_printf(out, " %s", words[i]);
      col += 1 + len;
    }
  }
  g_string_append_c(out, '\n');
}

static void
heading(GString *out, const char *title)
{
  g_string_append_printf(out, "\n%s\n", title);
}

/* A record or command: never wrapped, so it can be copied as it is. */
static void
verbatim(GString *out, const char *text)
{
  g_string_append_printf(out, "%*s%s\n", ADVICE_VERBATIM_INDENT, "", text);
}

/* Each fix line: steps wrap with a hang under their text; record and
 * command lines are copied as they are. */
static void
advice_fix(GString *out, const char *fix_text)
{
  g_auto(GStrv) lines = g_strsplit(fix_text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    if (lines[i][0] == ' ')
      verbatim(out, g_strchug(lines[i]));
    else
      wrap(out, lines[i], 2, 3);
  }
}

static void
advice_dns(GString *out, Ctx *c, const DksDnsAnswer *a, const char *label)
{
  if (a == NULL)
    return;
  g_autofree char *q = g_strdup_printf("%s %s TXT (%s)", label, show(c, a->qname),
                                       show(c, a->resolver ? a->resolver : "resolver"));
  wrap(out, q, 2, 4);
  for (guint i = 0; i < chain_len(a); i++) {
    const DksCnameHop *hop = hop_at(a, i);
    g_autofree char *line = g_strdup_printf("%s is a CNAME (TTL %u) for %s",
                                            show(c, hop->owner), hop->ttl,
                                            show(c, hop->target));
    wrap(out, line, 4, 2);
  }
  g_autofree char *end = answer_has_key(a)
    ? g_strdup_printf("%s has %u TXT record(s)", show(c, final_name(a)), a->txt->len)
    : g_strdup_printf("%s %s", show(c, final_name(a)), outcome_words(a));
  wrap(out, end, 4, 2);
  if (a->outside_zones)
    wrap(out, "(answered from offline zone files: the name is in none of them)", 4, 2);
}

static void
advice_message(GString *out, Ctx *c)
{
  const DksMessage *msg = c->run->msg;
  const DksSignature *sig = c->sig;
  heading(out, "What we saw");
  if (msg != NULL) {
    g_autofree char *from = g_strdup_printf("From: %s", show(c, msg->from_display));
    g_autofree char *date = g_strdup_printf("Date: %s", show(c, msg->date_display));
    g_autofree char *subject = g_strdup_printf("Subject: %s", show(c, msg->subject_display));
    wrap(out, from, 2, 4);
    wrap(out, date, 2, 4);
    wrap(out, subject, 2, 4);
  }
  g_autofree char *sigline = msg == NULL
    ? g_strdup_printf("Looked up with no message: selector %s, domain %s", c->s, c->d)
    : g_strdup_printf("DKIM-Signature #%u: d=%s s=%s a=%s", sig->index + 1, c->d, c->s,
                      show(c, sig->algorithm_name));
  wrap(out, sigline, 2, 4);
  g_autofree char *result = g_strdup_printf("Result: %s (%s)",
                                            dks_result_name(c->sr->result),
                                            dks_reason_name(c->sr->reason));
  wrap(out, result, 2, 4);
}

static const char *
about_words(const DksRun *run, const DksSigRun *sr, const DksGuidance *g)
{
  if (dks_run_is_lookup(run))
    return sr->result == DKS_RESULT_TEMPERROR ? "could not be looked up for now"
                                              : "is not usable";
  if (g->party == DKS_PARTY_NONE)
    return "fails now, but nothing needs to be fixed";
  switch (sr->result) {
  case DKS_RESULT_TEMPERROR: return "could not be checked for now";
  case DKS_RESULT_NEUTRAL: return "could only be checked in part";
  default: return "does not verify";
  }
}

char *
dks_advice_text(const DksRun *run)
{
  const DksSigRun *sr = dks_advice_pick(run);
  if (sr == NULL)
    return NULL;
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
  if (g == NULL)
    return NULL;
  Ctx c;
  ctx_init(&c, run, sr);
  GString *out = g_string_new(NULL);

  g_autofree char *to = g_strdup_printf(
    "To: %s", g->party != DKS_PARTY_NONE ? g->who
              : dks_run_is_lookup(run) ? "whoever asked about this key"
                                       : "whoever asked about this message");
  wrap(out, to, 0, 4);
  g_autofree char *about = g_strdup_printf("About: the DKIM %s of %s "
                                           "(selector %s) %s",
                                           dks_run_is_lookup(run) ? "key" : "signature",
                                           c.d, c.s, about_words(run, sr, g));
  wrap(out, about, 0, 4);
  g_string_append_c(out, '\n');
  wrap(out, g->verdict_line, 0, 0);

  advice_message(out, &c);
  if (sr->dns != NULL) {
    heading(out, "What DNS answered");
    advice_dns(out, &c, sr->dns, "query:");
    advice_dns(out, &c, sr->authoritative, "asked the authoritative servers:");
    advice_dns(out, &c, sr->sibling, "the other selector:");
  }
  heading(out, "Why");
  wrap(out, g->explanation, 2, 0);
  heading(out, "What to do");
  advice_fix(out, g->fix);
  if (g->notes != NULL) {
    heading(out, "Good to know");
    g_auto(GStrv) notes = g_strsplit(g->notes, "\n", -1);
    for (guint i = 0; notes[i] != NULL; i++)
      wrap(out, notes[i], 2, 0);
  }
  if (g->check_after != NULL) {
    heading(out, "How to check afterwards");
    verbatim(out, g->check_after);
    if (sr->reason == DKS_REASON_KEY_NOT_FOUND || sr->reason == DKS_REASON_KEY_SYNTAX ||
        sr->reason == DKS_REASON_KEY_REVOKED)
      wrap(out, "The answer should be one TXT record starting with \"v=DKIM1;\" "
           "and a non-empty p=.  Then send a new test message.", 2, 0);
    else
      wrap(out, "Then send a new test message and check it again.", 2, 0);
  }
  g_string_append(out, "\nThank you.\n");
  ctx_clear(&c);
  return g_string_free(out, FALSE);
}
