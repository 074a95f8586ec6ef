/* signature.c — one DKIM-Signature field, tag by tag (RFC 6376 §3.5).
 *
 * Every tag has its own small parser that records what it found and, when
 * the value breaks the rule, an ERROR finding that cites the rule and sets
 * one of the problem flags.  Parsing goes on after the first problem so the
 * walkthrough can show all of them; `problem` is decided at the end in the
 * order SYNTAX, ALGORITHM, DOMAIN_MISMATCH, FROM_NOT_SIGNED (signature.h). */
#include "parse/signature.h"
#include "parse/lex.h"

#include <stdarg.h>
#include <string.h>

#include "parse/base64.h"
#include "parse/dkimqp.h"
#include "parse/finding.h"
#include "parse/limits.h"

#define SIG_WHAT      "DKIM-Signature"
#define SIG_QUOTE_MAX 40u

typedef struct {
  DksSignature *sig;
  gboolean syntax, algorithm, domain, from;
} SigParse;

/* ---- findings ---------------------------------------------------------- */

/* An ERROR that makes the signature a syntax failure. */
#define sig_syntax(sp, tag, ...)                                   \
  do {                                                             \
    (sp)->syntax = TRUE;                                           \
    dks_findings_add((sp)->sig->findings, DKS_FINDING_ERROR, (tag), \
                     __VA_ARGS__);                                \
  } while (0)

static char *
sig_quote(const DksTag *tag)
{
  return dks_quote_bytes(tag->value, tag->value_len, SIG_QUOTE_MAX);
}

/* ---- shared value helpers ---------------------------------------------- */

/* RFC 5322 ftext: printable US-ASCII except ':'. */
static gboolean
sig_is_field_name(const char *name)
{
  if (*name == '\0')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++) {
    guchar c = (guchar)*p;
    if (c < 33 || c > 126 || c == ':')
      return FALSE;
  }
  return TRUE;
}

/* Checks a DNS name in text form: labels of letters, digits, '-' or '_',
 * 1 to 63 octets each, 253 octets in all, no empty label.  Returns NULL
 * when fine, else a static reason. */
const char *
dks_dns_name_problem(const char *name, gsize len)
{
  if (len == 0)
    return "it is empty";
  if (len > DKS_MAX_DNS_NAME_BYTES)
    return "it is longer than 253 octets (RFC 1035 §2.3.4)";
  gsize label = 0;
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar)name[i];
    if (c == '.') {
      if (label == 0)
        return "it has an empty label (two dots in a row, or a dot at an end)";
      label = 0;
    } else if (g_ascii_isalnum(c) || c == '-' || c == '_') {
      if (++label > 63)
        return "a label is longer than 63 octets (RFC 1035 §2.3.4)";
    } else {
      return "it holds an octet other than a letter, digit, '-', '_' or '.'";
    }
  }
  if (label == 0)
    return "it has an empty label (two dots in a row, or a dot at an end)";
  return NULL;
}

/* Decimal digits only, value <= max.  Returns NULL when fine, else why. */
static const char *
sig_parse_digits(const DksTag *tag, guint64 max, guint64 *out)
{
  if (tag->value_len == 0)
    return "it is empty";
  guint64 value = 0;
  for (gsize i = 0; i < tag->value_len; i++) {
    guchar c = (guchar)tag->value[i];
    if (!g_ascii_isdigit(c))
      return "it holds something other than digits";
    guint digit = c - '0';
    if (value > (max - digit) / 10)
      return "the number is too large to hold";
    value = value * 10 + digit;
  }
  *out = value;
  return NULL;
}

/* ---- one parser per tag ------------------------------------------------ */

static const DksTag *
sig_required(SigParse *sp, const char *name, const char *what)
{
  const DksTag *tag = dks_tag_list_get(sp->sig->tags, name);
  if (tag == NULL)
    sig_syntax(sp, name, "RFC 6376 §3.5 %s=: required tag missing (%s)", name, what);
  return tag;
}

static void
sig_parse_v(SigParse *sp)
{
  const DksTag *tag = sig_required(sp, "v",
                                   "a signature without v= predates RFC 6376; "
                                   "§6.1.1 makes it PERMFAIL");
  if (tag == NULL)
    return;
  sp->sig->version = g_strdup(tag->value);
  if (tag->value_len != 1 || tag->value[0] != '1') {
    g_autofree char *have = sig_quote(tag);
    sig_syntax(sp, "v", "RFC 6376 §3.5 v=: want '1', have '%s'%s", have,
               g_str_has_prefix(tag->value, "0.") ? " (a pre-RFC 6376 draft signature)" : "");
  }
}

/* sig-a-tag-alg = sig-a-tag-k "-" sig-a-tag-h, each ALPHA *(ALPHA / DIGIT). */
static gboolean
sig_is_alg_word(const char *word, gsize len)
{
  if (len == 0 || !g_ascii_isalpha((guchar)word[0]))
    return FALSE;
  for (gsize i = 1; i < len; i++) {
    if (!g_ascii_isalnum((guchar)word[i]))
      return FALSE;
  }
  return TRUE;
}

static void
sig_parse_a(SigParse *sp)
{
  const DksTag *tag = sig_required(sp, "a", "the signing algorithm");
  if (tag == NULL)
    return;
  DksSignature *sig = sp->sig;
  sig->algorithm_name = g_strdup(tag->value);
  g_autofree char *have = sig_quote(tag);

  const char *dash = memchr(tag->value, '-', tag->value_len);
  if (dash == NULL || !sig_is_alg_word(tag->value, (gsize)(dash - tag->value)) ||
      !sig_is_alg_word(dash + 1, tag->value_len - (gsize)(dash - tag->value) - 1)) {
    sig_syntax(sp, "a", "RFC 6376 §3.5 a=: want <key type>-<hash>, e.g. "
               "'rsa-sha256', have '%s'", have);
    return;
  }

  static const struct {
    const char *name;
    DksAlgorithm alg;
  } known[] = {
    { "rsa-sha1", DKS_ALG_RSA_SHA1 },
    { "rsa-sha256", DKS_ALG_RSA_SHA256 },
    { "ed25519-sha256", DKS_ALG_ED25519_SHA256 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(known); i++) {
    if (g_ascii_strcasecmp(tag->value, known[i].name) != 0)
      continue;
    sig->algorithm = known[i].alg;
    if (strcmp(tag->value, known[i].name) != 0)
      dks_findings_add(sp->sig->findings, DKS_FINDING_WARNING, "a",
              "RFC 6376 §3.5 a=: '%s' is not in lower case; ABNF makes it "
              "case-insensitive, but some verifiers (python3-dkim) only know "
              "'%s'", have, known[i].name);
    return;
  }
  sp->algorithm = TRUE;
  dks_findings_add(sp->sig->findings, DKS_FINDING_ERROR, "a",
          "RFC 6376 §3.5 a=: '%s' is not an algorithm a verifier knows (want "
          "rsa-sha256, ed25519-sha256 (RFC 8463) or rsa-sha1); §6.1.1 makes "
          "it PERMFAIL", have);
}

static GBytes *
sig_parse_base64(SigParse *sp, const DksTag *tag, const char *rule)
{
  if (tag->value_len == 0) {
    sig_syntax(sp, tag->name, "RFC 6376 %s %s=: want base64, have nothing", rule,
               tag->name);
    return NULL;
  }
  DksBase64Error err = { 0 };
  GBytes *decoded = dks_base64_decode_strict(tag->value, tag->value_len, &err);
  if (decoded == NULL) {
    g_autofree char *octet = dks_quote_bytes((const char *)&err.bad_octet, 1, 1);
    if (err.bad_offset < tag->value_len)
      sig_syntax(sp, tag->name,
                 "RFC 6376 %s %s=: want base64, have '%s' at offset %" G_GSIZE_FORMAT
                 " of the value: %s",
                 rule, tag->name, octet, err.bad_offset, err.why);
    else
      sig_syntax(sp, tag->name, "RFC 6376 %s %s=: want base64, have %" G_GSIZE_FORMAT
                 " octets: %s", rule, tag->name, tag->value_len, err.why);
    return NULL;
  }
  if (g_bytes_get_size(decoded) == 0) {
    sig_syntax(sp, tag->name, "RFC 6376 %s %s=: want base64, have only blanks", rule,
               tag->name);
    g_bytes_unref(decoded);
    return NULL;
  }
  return decoded;
}

static gsize
sig_algorithm_digest_size(DksAlgorithm alg)
{
  switch (alg) {
  case DKS_ALG_RSA_SHA1:
    return 20;
  case DKS_ALG_RSA_SHA256:
  case DKS_ALG_ED25519_SHA256:
    return 32;
  case DKS_ALG_UNKNOWN:
  default:
    return 0;
  }
}

static void
sig_parse_b_bh(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  const DksTag *b = sig_required(sp, "b", "the signature data");
  if (b != NULL) {
    sig->b_text = g_strdup(b->value);
    sig->b = sig_parse_base64(sp, b, "§3.5");
  }

  const DksTag *bh = sig_required(sp, "bh", "the body hash");
  if (bh != NULL) {
    sig->bh_text = g_strdup(bh->value);
    sig->bh = sig_parse_base64(sp, bh, "§3.5");
  }

  gsize want = sig_algorithm_digest_size(sig->algorithm);
  if (sig->bh != NULL && want != 0 && g_bytes_get_size(sig->bh) != want)
    dks_findings_add(sp->sig->findings, DKS_FINDING_WARNING, "bh",
            "RFC 6376 §3.5 bh=: want a %" G_GSIZE_FORMAT "-octet %s digest, have "
            "%" G_GSIZE_FORMAT " octets: it cannot match any body",
            want, want == 20 ? "SHA-1" : "SHA-256", g_bytes_get_size(sig->bh));
}

static gboolean
sig_canon_from_word(const char *word, DksCanon *out)
{
  if (g_ascii_strcasecmp(word, "simple") == 0) {
    *out = DKS_CANON_SIMPLE;
    return TRUE;
  }
  if (g_ascii_strcasecmp(word, "relaxed") == 0) {
    *out = DKS_CANON_RELAXED;
    return TRUE;
  }
  return FALSE;
}

static void
sig_parse_c(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  sig->header_canon = DKS_CANON_SIMPLE;
  sig->body_canon = DKS_CANON_SIMPLE;
  const DksTag *tag = dks_tag_list_get(sig->tags, "c");
  if (tag == NULL)
    return;

  g_autofree char *have = sig_quote(tag);
  const char *slash = memchr(tag->value, '/', tag->value_len);
  g_autofree char *header_word = slash != NULL
    ? g_strndup(tag->value, (gsize)(slash - tag->value))
    : g_strndup(tag->value, tag->value_len);
  g_autofree char *body_word = slash != NULL ? g_strdup(slash + 1) : g_strdup("simple");

  if (!sig_canon_from_word(header_word, &sig->header_canon) ||
      !sig_canon_from_word(body_word, &sig->body_canon)) {
    sig->header_canon = DKS_CANON_SIMPLE;
    sig->body_canon = DKS_CANON_SIMPLE;
    sig_syntax(sp, "c", "RFC 6376 §3.5 c=: want simple or relaxed, optionally "
               "'/' simple or relaxed, have '%s'", have);
  }
}

static void
sig_parse_d_s(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  const DksTag *d = sig_required(sp, "d", "the signing domain");
  if (d != NULL) {
    sig->domain = g_strdup(d->value);
    const char *why = dks_dns_name_problem(d->value, d->value_len);
    if (why != NULL) {
      g_autofree char *have = sig_quote(d);
      sig_syntax(sp, "d", "RFC 6376 §3.5 d=: want a domain name, have '%s': %s",
                 have, why);
    }
  }
  const DksTag *s = sig_required(sp, "s", "the selector");
  if (s != NULL) {
    sig->selector = g_strdup(s->value);
    const char *why = dks_dns_name_problem(s->value, s->value_len);
    if (why != NULL) {
      g_autofree char *have = sig_quote(s);
      sig_syntax(sp, "s", "RFC 6376 §3.5 s=: want a selector (dot-separated "
                 "labels), have '%s': %s", have, why);
    }
  }
}

static void
sig_parse_h(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  sig->signed_headers = g_ptr_array_new_with_free_func(g_free);
  const DksTag *tag = sig_required(sp, "h", "the list of signed header fields");
  if (tag == NULL)
    return;

  gboolean cut = FALSE;
  g_autoptr(GPtrArray) names = dks_tag_split(tag, ':', DKS_MAX_SIGNED_HEADERS, &cut);
  gboolean has_from = FALSE;
  for (guint i = 0; i < names->len; i++) {
    const char *name = g_ptr_array_index(names, i);
    if (!sig_is_field_name(name)) {
      g_autofree char *bad = dks_quote_bytes(name, strlen(name), SIG_QUOTE_MAX);
      g_autofree char *have = sig_quote(tag);
      sig_syntax(sp, "h", "RFC 6376 §3.5 h=: entry %u is '%s', want a header "
                 "field name (h= is '%s')", i + 1, bad, have);
      continue;
    }
    if (g_ascii_strcasecmp(name, "from") == 0)
      has_from = TRUE;
    g_ptr_array_add(sig->signed_headers, g_strdup(name));
  }
  if (cut)
    sig_syntax(sp, "h", "RFC 6376 §3.5 h=: more than %u names; dkimscope does "
               "not evaluate longer lists", DKS_MAX_SIGNED_HEADERS);
  if (!has_from) {
    sp->from = TRUE;
    g_autofree char *have = sig_quote(tag);
    dks_findings_add(sp->sig->findings, DKS_FINDING_ERROR, "h",
            "RFC 6376 §5.4 h=: want From among the signed fields, have '%s'; "
            "§6.1.1 makes a signature that does not sign From PERMFAIL", have);
  }
}

/* i= domain must be d= or a subdomain of it (§3.5), case-insensitively. */
static gboolean
sig_domain_within(const char *domain, const char *parent)
{
  gsize len = strlen(domain), parent_len = strlen(parent);
  if (len == parent_len)
    return g_ascii_strcasecmp(domain, parent) == 0;
  return len > parent_len && domain[len - parent_len - 1] == '.' &&
         g_ascii_strcasecmp(domain + len - parent_len, parent) == 0;
}

static void
sig_parse_i(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  const DksTag *tag = dks_tag_list_get(sig->tags, "i");
  if (tag == NULL) {
    if (sig->domain != NULL) {
      sig->identity = g_strconcat("@", sig->domain, NULL);
      sig->identity_defaulted = TRUE;
    }
    return;
  }

  g_autofree char *have = sig_quote(tag);
  gsize bad_offset = 0, decoded_len = 0;
  g_autofree char *decoded =
    dks_dkimqp_decode(tag->value, tag->value_len, &decoded_len, &bad_offset);
  if (decoded == NULL) {
    sig_syntax(sp, "i", "RFC 6376 §2.11 i=: want DKIM-Quoted-Printable ('=' and "
               "two hex digits), have '%s' with a bad escape at offset %"
               G_GSIZE_FORMAT, have, bad_offset);
    return;
  }
  if (memchr(decoded, '\0', decoded_len) != NULL) {
    sig_syntax(sp, "i", "RFC 6376 §3.5 i=: '%s' decodes to a NUL octet", have);
    return;
  }
  sig->identity = g_steal_pointer(&decoded);

  const char *at = strrchr(sig->identity, '@');
  if (at == NULL) {
    sig_syntax(sp, "i", "RFC 6376 §3.5 i=: want [local-part]@domain, have '%s'", have);
    return;
  }
  if (at[1] == '\0') {
    sig_syntax(sp, "i", "RFC 6376 §3.5 i=: want a domain after '@', have '%s'", have);
    return;
  }
  if (sig->domain != NULL && !sig_domain_within(at + 1, sig->domain)) {
    sp->domain = TRUE;
    g_autofree char *i_domain = dks_quote_bytes(at + 1, strlen(at + 1), SIG_QUOTE_MAX);
    g_autofree char *d_domain = dks_quote_bytes(sig->domain, strlen(sig->domain),
                                                SIG_QUOTE_MAX);
    dks_findings_add(sp->sig->findings, DKS_FINDING_ERROR, "i",
            "RFC 6376 §3.5 i=: want d= ('%s') or a subdomain of it as the "
            "domain, have '%s'; §6.1.1 makes this PERMFAIL (domain mismatch)",
            d_domain, i_domain);
  }
}

static void
sig_parse_l(SigParse *sp)
{
  const DksTag *tag = dks_tag_list_get(sp->sig->tags, "l");
  if (tag == NULL)
    return;
  guint64 value = 0;
  const char *why = sig_parse_digits(tag, G_MAXUINT64, &value);
  if (why == NULL && tag->value_len > 76)
    why = "it has more than 76 digits";
  if (why != NULL) {
    g_autofree char *have = sig_quote(tag);
    sig_syntax(sp, "l", "RFC 6376 §3.5 l=: want digits, have '%s': %s", have, why);
    return;
  }
  sp->sig->has_length = TRUE;
  sp->sig->length = value;
}

static void
sig_parse_q(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  const DksTag *tag = dks_tag_list_get(sig->tags, "q");
  if (tag == NULL)
    return;
  sig->query_methods = g_strdup(tag->value);
  g_autofree char *have = sig_quote(tag);

  gboolean cut = FALSE, has_dns_txt = FALSE;
  g_autoptr(GPtrArray) methods = dks_tag_split(tag, ':', DKS_MAX_TAGS, &cut);
  for (guint i = 0; i < methods->len; i++) {
    const char *method = g_ptr_array_index(methods, i);
    if (g_ascii_strcasecmp(method, "dns/txt") == 0)
      has_dns_txt = TRUE;
    else if (*method != '\0')
      dks_findings_add(sp->sig->findings, DKS_FINDING_NOTE, "q",
              "RFC 6376 §3.5 q=: query method '%s' is unknown and ignored",
              method);
  }
  if (!has_dns_txt)
    sig_syntax(sp, "q", "RFC 6376 §3.5 q=: want 'dns/txt' among the query "
               "methods, have '%s'", have);
}

static gboolean
sig_parse_time(SigParse *sp, const char *name, gint64 *out)
{
  const DksTag *tag = dks_tag_list_get(sp->sig->tags, name);
  if (tag == NULL)
    return FALSE;
  guint64 value = 0;
  const char *why = sig_parse_digits(tag, G_MAXINT64, &value);
  g_autofree char *have = sig_quote(tag);
  if (why != NULL) {
    sig_syntax(sp, name, "RFC 6376 §3.5 %s=: want seconds since 1970 (digits), "
               "have '%s': %s", name, have, why);
    return FALSE;
  }
  if (tag->value_len > 12)
    dks_findings_add(sp->sig->findings, DKS_FINDING_WARNING, name,
            "RFC 6376 §3.5 %s=: want at most 12 digits, have %" G_GSIZE_FORMAT,
            name, tag->value_len);
  *out = (gint64)value;
  return TRUE;
}

static void
sig_parse_t_x(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  sig->has_timestamp = sig_parse_time(sp, "t", &sig->timestamp);
  sig->has_expiry = sig_parse_time(sp, "x", &sig->expiry);
  if (!sig->has_timestamp || !sig->has_expiry)
    return;
  if (sig->expiry < sig->timestamp)
    sig_syntax(sp, "x", "RFC 6376 §3.5 x=: want a time after t= (%" G_GINT64_FORMAT
               "), have %" G_GINT64_FORMAT ": the signature expired before it "
               "was made", sig->timestamp, sig->expiry);
  else if (sig->expiry == sig->timestamp)
    dks_findings_add(sp->sig->findings, DKS_FINDING_WARNING, "x",
            "RFC 6376 §3.5 x=: want a time after t=, have the same time (%"
            G_GINT64_FORMAT "): the signature expires the moment it is made",
            sig->expiry);
}

/* z= is diagnostic only (§3.5: copied header fields): a bad entry is a
 * warning, never a reason to reject the signature. */
static void
sig_parse_z(SigParse *sp)
{
  DksSignature *sig = sp->sig;
  const DksTag *tag = dks_tag_list_get(sig->tags, "z");
  if (tag == NULL)
    return;
  sig->copied_headers = g_ptr_array_new_with_free_func(g_free);

  gboolean cut = FALSE;
  g_autoptr(GPtrArray) entries = dks_tag_split(tag, '|', DKS_MAX_COPIED_HEADERS, &cut);
  for (guint i = 0; i < entries->len; i++) {
    const char *entry = g_ptr_array_index(entries, i);
    gsize len = strlen(entry), bad_offset = 0, decoded_len = 0;
    g_autofree char *decoded = dks_dkimqp_decode(entry, len, &decoded_len, &bad_offset);
    const char *colon = decoded != NULL ? memchr(decoded, ':', decoded_len) : NULL;
    if (decoded == NULL || colon == NULL || colon == decoded) {
      g_autofree char *bad = dks_quote_bytes(entry, len, SIG_QUOTE_MAX);
      dks_findings_add(sp->sig->findings, DKS_FINDING_WARNING, "z",
              "RFC 6376 §3.5 z=: entry %u '%s' is not name:DKIM-Quoted-Printable "
              "value%s; skipped", i + 1, bad,
              decoded == NULL ? " (bad '=' escape)" : "");
      continue;
    }
    g_ptr_array_add(sig->copied_headers, g_steal_pointer(&decoded));
  }
  if (cut)
    dks_findings_add(sp->sig->findings, DKS_FINDING_WARNING, "z",
            "RFC 6376 §3.5 z=: more than %u copied fields; the rest are not shown",
            DKS_MAX_COPIED_HEADERS);
}

static void
sig_note_unknown_tags(SigParse *sp)
{
  static const char *const known[] = {
    "v", "a", "b", "bh", "c", "d", "h", "i", "l", "q", "s", "t", "x", "z",
  };
  for (guint i = 0; i < sp->sig->tags->tags->len; i++) {
    const DksTag *tag = g_ptr_array_index(sp->sig->tags->tags, i);
    gboolean is_known = FALSE;
    for (gsize k = 0; k < G_N_ELEMENTS(known); k++)
      is_known = is_known || strcmp(known[k], tag->name) == 0;
    if (!is_known)
      dks_findings_add(sp->sig->findings, DKS_FINDING_NOTE, tag->name,
              "RFC 6376 §3.2 %s=: unknown tag, ignored as the RFC requires",
              tag->name);
  }
}

/* The tag-list warns about octets outside VALCHAR in any value.  The tags
 * below have a grammar of their own that rejects every such octet with a
 * more precise ERROR, so their warning would only say the same thing twice. */
static gboolean
sig_tag_warning_is_repeated(const DksFinding *f)
{
  static const char *const strict[] = { "v", "a", "b", "bh", "d", "s", "l", "t", "x" };
  if (f->level != DKS_FINDING_WARNING || f->tag == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(strict); i++) {
    if (strcmp(f->tag, strict[i]) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
sig_copy_findings(GPtrArray *to, const GPtrArray *from)
{
  for (guint i = 0; i < from->len; i++) {
    const DksFinding *f = g_ptr_array_index((GPtrArray *)from, i);
    if (!sig_tag_warning_is_repeated(f))
      dks_findings_add(to, f->level, f->tag, "%s", f->text);
  }
}

/* ---- public API -------------------------------------------------------- */

DksSignature *
dks_signature_parse(const DksMessage *msg, guint header_index, guint sig_index)
{
  const DksHeader *header = dks_message_header(msg, header_index);
  if (header == NULL)
    return NULL;

  DksSignature *sig = g_new0(DksSignature, 1);
  sig->index = sig_index;
  sig->header_index = header_index;
  sig->findings = dks_findings_new();

  gsize value_len = 0;
  const char *value = dks_header_value(msg, header, &value_len);
  sig->tags = dks_tag_list_parse(value, value_len, SIG_WHAT);

  SigParse sp = { .sig = sig };
  sig_copy_findings(sig->findings, sig->tags->findings);
  if (dks_findings_have_error(sig->tags->findings))
    sp.syntax = TRUE;

  if (sig->tags->tags->len == 0) {
    g_autofree char *have = dks_quote_bytes(value, value_len, SIG_QUOTE_MAX);
    sig_syntax(&sp, NULL, "RFC 6376 §3.5 " SIG_WHAT ": want a tag=value list, "
               "have '%s'", have);
  }

  /* Each parser records what it can even after an earlier problem, so the
   * walkthrough shows every finding; order matters only where one tag's
   * check needs another (bh= length needs a=, i= needs d=). */
  sig_parse_v(&sp);
  sig_parse_a(&sp);
  sig_parse_b_bh(&sp);
  sig_parse_c(&sp);
  sig_parse_d_s(&sp);
  sig_parse_h(&sp);
  sig_parse_i(&sp);
  sig_parse_l(&sp);
  sig_parse_q(&sp);
  sig_parse_t_x(&sp);
  sig_parse_z(&sp);
  sig_note_unknown_tags(&sp);

  sig->algorithm_unknown = sp.algorithm;
  sig->identity_outside_domain = sp.domain;
  sig->from_not_signed = sp.from;
  if (sp.syntax)
    sig->problem = DKS_SIG_SYNTAX;
  else if (sp.algorithm)
    sig->problem = DKS_SIG_ALGORITHM;
  else if (sp.domain)
    sig->problem = DKS_SIG_DOMAIN_MISMATCH;
  else if (sp.from)
    sig->problem = DKS_SIG_FROM_NOT_SIGNED;
  else
    sig->problem = DKS_SIG_OK;
  return sig;
}

GPtrArray *
dks_signatures_parse_all(DksMessage *msg)
{
  GPtrArray *sigs = g_ptr_array_new_with_free_func((GDestroyNotify)dks_signature_free);
  if (msg == NULL || msg->headers == NULL)
    return sigs;

  guint found = 0;
  for (guint i = 0; i < msg->headers->len; i++) {
    const DksHeader *header = dks_message_header(msg, i);
    if (!dks_header_is(msg, header, "DKIM-Signature"))
      continue;
    found++;
    if (sigs->len < DKS_MAX_SIGNATURES)
      g_ptr_array_add(sigs, dks_signature_parse(msg, i, sigs->len));
  }
  if (found > DKS_MAX_SIGNATURES)
    dks_findings_add(msg->findings, DKS_FINDING_WARNING, NULL,
                     "the message has %u DKIM-Signature fields; only the first "
                     "%u (from the top) are evaluated",
                     found, DKS_MAX_SIGNATURES);
  return sigs;
}

DksSignature *
dks_signature_new_for_key(const char *selector, const char *domain, const char **why)
{
  const char *problem = NULL;
  gsize dlen = domain ? strlen(domain) : 0;
  /* A trailing dot is how people write absolute names. */
  if (dlen > 1 && domain[dlen - 1] == '.')
    dlen--;
  if (selector == NULL || domain == NULL)
    problem = "a selector and a domain are both needed";
  else if (dks_dns_name_problem(selector, strlen(selector)) != NULL)
    problem = "the selector is no DNS name (labels of 1-63 letters, digits, "
              "'-' or '_')";
  else if (dks_dns_name_problem(domain, dlen) != NULL)
    problem = "the domain is no DNS name (labels of 1-63 letters, digits, "
              "'-' or '_', at most 253 octets)";
  else if (strlen(selector) + strlen("._domainkey.") + dlen > DKS_MAX_DNS_NAME_BYTES)
    problem = "<selector>._domainkey.<domain> is longer than 253 octets "
              "(RFC 1035 §2.3.4)";
  if (problem != NULL) {
    if (why != NULL)
      *why = problem;
    return NULL;
  }
  DksSignature *sig = g_new0(DksSignature, 1);
  sig->findings = dks_findings_new();
  sig->selector = g_ascii_strdown(selector, -1);
  sig->domain = g_ascii_strdown(domain, (gssize)dlen);
  g_autofree char *text = g_strdup_printf("d=%s; s=%s", sig->domain, sig->selector);
  sig->tags = dks_tag_list_parse(text, strlen(text), SIG_WHAT);
  sig->signed_headers = g_ptr_array_new_with_free_func(g_free);
  return sig;
}

void
dks_signature_free(DksSignature *sig)
{
  if (sig == NULL)
    return;
  dks_tag_list_free(sig->tags);
  g_clear_pointer(&sig->findings, g_ptr_array_unref);
  g_free(sig->version);
  g_free(sig->algorithm_name);
  g_free(sig->domain);
  g_free(sig->selector);
  g_free(sig->identity);
  g_clear_pointer(&sig->signed_headers, g_ptr_array_unref);
  g_clear_pointer(&sig->b, g_bytes_unref);
  g_clear_pointer(&sig->bh, g_bytes_unref);
  g_free(sig->b_text);
  g_free(sig->bh_text);
  g_free(sig->query_methods);
  g_clear_pointer(&sig->copied_headers, g_ptr_array_unref);
  g_free(sig);
}

char *
dks_signature_key_name(const DksSignature *sig)
{
  if (sig == NULL || sig->selector == NULL || sig->domain == NULL ||
      *sig->selector == '\0' || *sig->domain == '\0')
    return NULL;
  /* A NUL octet inside s= or d= would cut the name short silently. */
  const DksTag *s_tag = dks_tag_list_get(sig->tags, "s");
  const DksTag *d_tag = dks_tag_list_get(sig->tags, "d");
  if ((s_tag != NULL && s_tag->value_len != strlen(sig->selector)) ||
      (d_tag != NULL && d_tag->value_len != strlen(sig->domain)))
    return NULL;
  char *name = g_strconcat(sig->selector, "._domainkey.", sig->domain, NULL);
  if (dks_dns_name_problem(name, strlen(name)) != NULL) {
    g_free(name);
    return NULL;
  }
  return name;
}

const char *
dks_algorithm_name(DksAlgorithm alg)
{
  switch (alg) {
  case DKS_ALG_RSA_SHA1:
    return "rsa-sha1";
  case DKS_ALG_RSA_SHA256:
    return "rsa-sha256";
  case DKS_ALG_ED25519_SHA256:
    return "ed25519-sha256";
  case DKS_ALG_UNKNOWN:
  default:
    return "unknown";
  }
}

const char *
dks_canon_name(DksCanon canon)
{
  return canon == DKS_CANON_RELAXED ? "relaxed" : "simple";
}
