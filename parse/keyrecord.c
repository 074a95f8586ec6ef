/* keyrecord.c — a DKIM key record (RFC 6376 §3.6.1, RFC 8463 §4).
 *
 * The record arrives as the TXT strings joined (§3.6.2.2) and may hold any
 * octet at all.  Each tag has its own small parser; problems are ERROR
 * findings that set one of the problem flags, unknown tags are NOTEs (they
 * MUST be ignored), and `problem` is decided at the end: SYNTAX before
 * REVOKED.  Whether p= holds a usable RSA or Ed25519 key is for
 * verify/crypto to say: here p= only has to be strict base64. */
#include "parse/keyrecord.h"
#include "parse/lex.h"

#include <stdarg.h>
#include <string.h>

#include "parse/base64.h"
#include "parse/finding.h"
#include "parse/limits.h"

#define KEY_WHAT      "key record"
#define KEY_QUOTE_MAX 40u
#define KEY_CONTEXT   12u /* octets shown each side of a bad p= octet */

typedef struct {
  DksKeyRecord *key;
  gboolean syntax, revoked;
} KeyParse;

#define key_syntax(kp, tag, ...)                                   \
  do {                                                             \
    (kp)->syntax = TRUE;                                           \
    dks_findings_add((kp)->key->findings, DKS_FINDING_ERROR, (tag), \
                     __VA_ARGS__);                                \
  } while (0)

static char *
key_quote(const DksTag *tag)
{
  return dks_quote_bytes(tag->value, tag->value_len, KEY_QUOTE_MAX);
}

/* hyphenated-word = ALPHA [ *(ALPHA / DIGIT / "-") (ALPHA / DIGIT) ] */
static gboolean
key_is_hyphenated_word(const char *word)
{
  gsize len = strlen(word);
  if (len == 0 || !g_ascii_isalpha((guchar)word[0]) || word[len - 1] == '-')
    return FALSE;
  for (gsize i = 1; i < len; i++) {
    if (!g_ascii_isalnum((guchar)word[i]) && word[i] != '-')
      return FALSE;
  }
  return TRUE;
}

/* A list tag whose entries must be hyphenated-words (h=, s=, t=).  Returns
 * the entries, or NULL (with a finding) when one is malformed. */
static GPtrArray *
key_parse_word_list(KeyParse *kp, const DksTag *tag, const char *rule)
{
  g_autoptr(GPtrArray) entries = dks_tag_split(tag, ':', DKS_MAX_TAGS, NULL);
  for (guint i = 0; i < entries->len; i++) {
    const char *entry = g_ptr_array_index(entries, i);
    /* '*' is the s= wildcard; hyphenated-word covers the rest. */
    if (key_is_hyphenated_word(entry) || strcmp(entry, "*") == 0)
      continue;
    g_autofree char *bad = dks_quote_bytes(entry, strlen(entry), KEY_QUOTE_MAX);
    g_autofree char *have = key_quote(tag);
    key_syntax(kp, tag->name, "RFC 6376 %s %s=: entry %u is '%s', want a word "
               "(letters, digits, '-'); the list is '%s'",
               rule, tag->name, i + 1, bad, have);
    return NULL;
  }
  return g_steal_pointer(&entries);
}

static gboolean
key_list_has(const GPtrArray *list, const char *word)
{
  for (guint i = 0; list != NULL && i < list->len; i++) {
    if (g_ascii_strcasecmp(g_ptr_array_index((GPtrArray *)list, i), word) == 0)
      return TRUE;
  }
  return FALSE;
}

/* ---- one parser per tag ------------------------------------------------ */

static void
key_parse_v(KeyParse *kp)
{
  DksKeyRecord *key = kp->key;
  const DksTag *tag = dks_tag_list_get(key->tags, "v");
  if (tag == NULL)
    return;
  key->version = g_strdup(tag->value);

  /* "first" means first in the text, not merely first of the tags that
   * parsed: a broken tag-spec before v= counts too. */
  gsize first = 0;
  while (first < key->text_len && dks_is_fws((guchar)key->text[first]))
    first++;
  if (tag->name_offset != first)
    key_syntax(kp, "v", "RFC 6376 §3.6.1 v=: want it as the first tag of the "
               "record, have it at offset %" G_GSIZE_FORMAT, tag->name_offset);

  if (tag->value_len != 5 || memcmp(tag->value, "DKIM1", 5) != 0) {
    g_autofree char *have = key_quote(tag);
    key_syntax(kp, "v", "RFC 6376 §3.6.1 v=: want 'DKIM1', have '%s'", have);
  }
}

static void
key_parse_k(KeyParse *kp)
{
  DksKeyRecord *key = kp->key;
  key->key_type = DKS_KEY_TYPE_RSA;
  const DksTag *tag = dks_tag_list_get(key->tags, "k");
  if (tag == NULL)
    return;
  key->key_type_name = g_strdup(tag->value);
  if (g_ascii_strcasecmp(tag->value, "rsa") == 0 && tag->value_len == 3) {
    key->key_type = DKS_KEY_TYPE_RSA;
  } else if (g_ascii_strcasecmp(tag->value, "ed25519") == 0 && tag->value_len == 7) {
    key->key_type = DKS_KEY_TYPE_ED25519;
  } else {
    key->key_type = DKS_KEY_TYPE_UNKNOWN;
    g_autofree char *have = key_quote(tag);
    key_syntax(kp, "k", "RFC 6376 §3.6.1 k=: want 'rsa' or 'ed25519' (RFC 8463), "
               "have '%s'; a verifier cannot use a key of an unknown type", have);
  }
}

static void
key_parse_h(KeyParse *kp)
{
  DksKeyRecord *key = kp->key;
  const DksTag *tag = dks_tag_list_get(key->tags, "h");
  if (tag == NULL)
    return;
  key->hashes = key_parse_word_list(kp, tag, "§3.6.1");
  if (key->hashes == NULL) {
    /* Malformed: keep an empty list so nothing is allowed by accident. */
    key->hashes = g_ptr_array_new_with_free_func(g_free);
    return;
  }
  if (!key_list_has(key->hashes, "sha256") && !key_list_has(key->hashes, "sha1")) {
    g_autofree char *have = key_quote(tag);
    dks_findings_add(kp->key->findings, DKS_FINDING_WARNING, "h",
            "RFC 6376 §3.6.1 h=: '%s' allows neither sha256 nor sha1, so no "
            "signature can use this key", have);
  }
}

static void
key_parse_s(KeyParse *kp)
{
  DksKeyRecord *key = kp->key;
  const DksTag *tag = dks_tag_list_get(key->tags, "s");
  if (tag == NULL)
    return;
  key->services = key_parse_word_list(kp, tag, "§3.6.1");
  if (key->services == NULL) {
    key->services = g_ptr_array_new_with_free_func(g_free);
    return;
  }
  if (!key_list_has(key->services, "email") && !key_list_has(key->services, "*")) {
    g_autofree char *have = key_quote(tag);
    key_syntax(kp, "s", "RFC 6376 §3.6.1 s=: want 'email' or '*' among the "
               "service types, have '%s': the key is not for e-mail", have);
  }
}

static void
key_parse_t(KeyParse *kp)
{
  DksKeyRecord *key = kp->key;
  const DksTag *tag = dks_tag_list_get(key->tags, "t");
  if (tag == NULL)
    return;
  g_autoptr(GPtrArray) flags = key_parse_word_list(kp, tag, "§3.6.1");
  if (flags == NULL)
    return;
  for (guint i = 0; i < flags->len; i++) {
    const char *flag = g_ptr_array_index(flags, i);
    if (g_ascii_strcasecmp(flag, "y") == 0)
      key->testing = TRUE;
    else if (g_ascii_strcasecmp(flag, "s") == 0)
      key->strict = TRUE;
    else
      dks_findings_add(kp->key->findings, DKS_FINDING_NOTE, "t",
              "RFC 6376 §3.6.1 t=: flag '%s' is unknown and ignored", flag);
  }
}

static int
key_hex_value(guchar c)
{
  return g_ascii_isxdigit(c) ? g_ascii_xdigit_value((char)c) : -1;
}

/* n= is a qp-section (RFC 2045 quoted-printable, blanks kept): "=XX" is
 * decoded; anything malformed is shown as written. */
static void
key_parse_n(KeyParse *kp)
{
  DksKeyRecord *key = kp->key;
  const DksTag *tag = dks_tag_list_get(key->tags, "n");
  if (tag == NULL)
    return;
  GString *out = g_string_sized_new(tag->value_len);
  for (gsize i = 0; i < tag->value_len; i++) {
    guchar c = (guchar)tag->value[i];
    if (c != '=') {
      g_string_append_c(out, (char)c);
      continue;
    }
    int hi = i + 1 < tag->value_len ? key_hex_value((guchar)tag->value[i + 1]) : -1;
    int lo = i + 2 < tag->value_len ? key_hex_value((guchar)tag->value[i + 2]) : -1;
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
      g_string_free(out, TRUE);
      key->notes = g_strdup(tag->value);
      return;
    }
    g_string_append_c(out, (char)((hi << 4) | lo));
    i += 2;
  }
  key->notes = g_string_free(out, FALSE);
}

/* What a person should be told about an octet that breaks p=. */
static const char *
key_describe_octet(const char *p, gsize len, gsize offset)
{
  guchar c = (guchar)p[offset];
  if (c == '"')
    return "a double quote (zone-file quoting copied into the data)";
  if (c == '\\')
    return "a backslash (a zone-file escape such as \\; or \\032 copied literally)";
  if (c == 0xC2 && offset + 1 < len && (guchar)p[offset + 1] == 0xA0)
    return "a non-breaking space (UTF-8 C2 A0, typical of text pasted from a "
           "web page or word processor)";
  if (c == 0)
    return "a NUL octet";
  if (c < 0x20 || c == 0x7f)
    return "a control octet";
  if (c >= 0x80)
    return "an 8-bit octet (not ASCII)";
  return NULL;
}

/* How many octets a decoder that drops every non-alphabet octet (and the
 * padding) would produce from p=. */
static gsize
key_lenient_decoded_len(const char *p, gsize len)
{
  gsize symbols = 0;
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar)p[i];
    if (g_ascii_isalnum(c) || c == '+' || c == '/')
      symbols++;
  }
  return symbols * 3 / 4;
}

static void
key_report_bad_p(KeyParse *kp, const DksTag *tag, const DksBase64Error *err)
{
  const char *p = tag->value;
  gsize len = tag->value_len;

  if (err->bad_offset >= len) {
    key_syntax(kp, "p", "RFC 6376 §3.6.1 p=: want base64, have %" G_GSIZE_FORMAT
               " octets: the %s. A lenient verifier that strips non-base64 "
               "octets would decode %" G_GSIZE_FORMAT " octets.",
               len, err->why, key_lenient_decoded_len(p, len));
    return;
  }

  gsize from = err->bad_offset > KEY_CONTEXT ? err->bad_offset - KEY_CONTEXT : 0;
  gsize to = MIN(len, err->bad_offset + 1 + KEY_CONTEXT);
  g_autofree char *near = dks_quote_bytes(p + from, to - from, 2 * KEY_CONTEXT + 1);
  g_autofree char *octet = dks_quote_bytes(p + err->bad_offset, 1, 1);
  const char *what = key_describe_octet(p, len, err->bad_offset);
  key_syntax(kp, "p",
             "RFC 6376 §3.6.1 p=: want base64, have '%s'%s%s%s at offset %"
             G_GSIZE_FORMAT " of p= (offset %" G_GSIZE_FORMAT " in the record), "
             "near '%s%s%s': %s. A lenient verifier that strips non-base64 "
             "octets would decode %" G_GSIZE_FORMAT " octets and might accept "
             "the key; a strict one, like this check, rejects it.",
             octet, what != NULL ? " (" : "", what != NULL ? what : "",
             what != NULL ? ")" : "", err->bad_offset,
             tag->value_offset + err->bad_offset, from > 0 ? "…" : "", near,
             to < len ? "…" : "", err->why, key_lenient_decoded_len(p, len));
}

static void
key_parse_p(KeyParse *kp)
{
  DksKeyRecord *key = kp->key;
  const DksTag *tag = dks_tag_list_get(key->tags, "p");
  if (tag == NULL) {
    key_syntax(kp, "p", "RFC 6376 §3.6.1 p=: required tag missing: the record "
               "holds no public key");
    return;
  }
  key->p_text = g_malloc(tag->value_len + 1);
  memcpy(key->p_text, tag->value, tag->value_len + 1);

  if (tag->value_len == 0) {
    kp->revoked = TRUE;
    dks_findings_add(kp->key->findings, DKS_FINDING_ERROR, "p",
            "RFC 6376 §3.6.1 p=: empty: the key is revoked (the domain withdrew "
            "it on purpose; this is not a malformed record), so signatures "
            "made with it cannot verify");
    return;
  }

  DksBase64Error err = { 0 };
  key->public_key = dks_base64_decode_strict(tag->value, tag->value_len, &err);
  if (key->public_key == NULL) {
    key->p_bad_offset = err.bad_offset;
    key_report_bad_p(kp, tag, &err);
  }
}

static void
key_note_unknown_tags(KeyParse *kp)
{
  static const char *const known[] = { "v", "h", "k", "n", "p", "s", "t" };
  for (guint i = 0; i < kp->key->tags->tags->len; i++) {
    const DksTag *tag = g_ptr_array_index(kp->key->tags->tags, i);
    gboolean is_known = FALSE;
    for (gsize k = 0; k < G_N_ELEMENTS(known); k++)
      is_known = is_known || strcmp(known[k], tag->name) == 0;
    if (is_known)
      continue;
    if (strcmp(tag->name, "g") == 0)
      dks_findings_add(kp->key->findings, DKS_FINDING_NOTE, "g",
              "RFC 6376 §3.6.1 g=: the granularity tag of RFC 4871 was dropped "
              "by RFC 6376 and is ignored (some old verifiers still apply it)");
    else
      dks_findings_add(kp->key->findings, DKS_FINDING_NOTE, tag->name,
              "RFC 6376 §3.6.1 %s=: unknown tag, ignored as the RFC requires",
              tag->name);
  }
}

/* The tag-list warns about octets outside VALCHAR in any value.  The tags
 * below have a grammar of their own that rejects every such octet with a
 * more precise ERROR, so their warning would only say the same thing twice. */
static gboolean
key_tag_warning_is_repeated(const DksFinding *f)
{
  static const char *const strict[] = { "v", "k", "h", "s", "t", "p" };
  if (f->level != DKS_FINDING_WARNING || f->tag == NULL)
    return FALSE;
  for (gsize i = 0; i < G_N_ELEMENTS(strict); i++) {
    if (strcmp(f->tag, strict[i]) == 0)
      return TRUE;
  }
  return FALSE;
}

/* ---- public API -------------------------------------------------------- */

DksKeyRecord *
dks_key_record_parse(const char *text, gsize len)
{
  DksKeyRecord *key = g_new0(DksKeyRecord, 1);
  key->findings = dks_findings_new();
  if (text == NULL)
    len = 0;

  KeyParse kp = { .key = key };
  gsize kept = MIN(len, DKS_MAX_KEY_RECORD_BYTES);
  key->text = g_malloc(kept + 1);
  if (kept > 0)
    memcpy(key->text, text, kept);
  key->text[kept] = '\0';
  key->text_len = kept;
  key->key_type = DKS_KEY_TYPE_RSA;

  if (len > DKS_MAX_KEY_RECORD_BYTES) {
    key->tags = dks_tag_list_parse("", 0, KEY_WHAT);
    key_syntax(&kp, NULL, "the key record is %" G_GSIZE_FORMAT " octets; "
               "dkimscope reads at most %u (a 4096-bit RSA key needs about 800)",
               len, DKS_MAX_KEY_RECORD_BYTES);
    key->problem = DKS_KEY_SYNTAX;
    return key;
  }

  key->tags = dks_tag_list_parse(key->text, key->text_len, KEY_WHAT);
  for (guint i = 0; i < key->tags->findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(key->tags->findings, i);
    if (key_tag_warning_is_repeated(f))
      continue;
    dks_findings_add(key->findings, f->level, f->tag, "%s", f->text);
  }
  if (dks_findings_have_error(key->tags->findings))
    kp.syntax = TRUE;

  key_parse_v(&kp);
  key_parse_k(&kp);
  key_parse_h(&kp);
  key_parse_s(&kp);
  key_parse_t(&kp);
  key_parse_n(&kp);
  key_parse_p(&kp);
  key_note_unknown_tags(&kp);

  if (kp.syntax)
    key->problem = DKS_KEY_SYNTAX;
  else if (kp.revoked)
    key->problem = DKS_KEY_REVOKED;
  else
    key->problem = DKS_KEY_OK;
  return key;
}

gboolean
dks_key_record_allows_hash(const DksKeyRecord *key, const char *hash)
{
  if (key == NULL || hash == NULL)
    return FALSE;
  if (key->hashes == NULL)
    return TRUE; /* no h=: every hash is allowed */
  return key_list_has(key->hashes, hash);
}

void
dks_key_record_free(DksKeyRecord *key)
{
  if (key == NULL)
    return;
  g_free(key->text);
  dks_tag_list_free(key->tags);
  g_clear_pointer(&key->findings, g_ptr_array_unref);
  g_free(key->version);
  g_free(key->key_type_name);
  g_clear_pointer(&key->hashes, g_ptr_array_unref);
  g_clear_pointer(&key->services, g_ptr_array_unref);
  g_free(key->notes);
  g_free(key->p_text);
  g_clear_pointer(&key->public_key, g_bytes_unref);
  g_free(key);
}

const char *
dks_key_type_name(DksKeyType type)
{
  switch (type) {
  case DKS_KEY_TYPE_RSA:
    return "rsa";
  case DKS_KEY_TYPE_ED25519:
    return "ed25519";
  case DKS_KEY_TYPE_UNKNOWN:
  default:
    return "unknown";
  }
}
