/* authres.c — Authentication-Results (RFC 8601 §2.2) and
 * ARC-Authentication-Results (RFC 8617 §4.1.2) fields, read from the raw
 * header bytes:
 *
 *   authres-payload = [CFWS] authserv-id [ CFWS authres-version ]
 *                     ( no-result / 1*resinfo ) [CFWS] CRLF
 *   no-result       = [CFWS] ";" [CFWS] "none"
 *   resinfo         = [CFWS] ";" methodspec [ CFWS reasonspec ]
 *                     [ CFWS 1*propspec ]
 *   methodspec      = [CFWS] method [CFWS] "=" [CFWS] result
 *   method          = Keyword [ [CFWS] "/" [CFWS] method-version ]
 *   reasonspec      = "reason" [CFWS] "=" [CFWS] value
 *   propspec        = ptype [CFWS] "." [CFWS] property [CFWS] "=" pvalue
 *   pvalue          = [CFWS] ( value / [ [ local-part ] "@" ] domain-name )
 *                     [CFWS]
 *   arc-authres     = [CFWS] "i" [CFWS] "=" [CFWS] 1*DIGIT [CFWS] ";"
 *                     authres-payload                      (RFC 8617)
 *
 * Real receivers stray from this, and we read what they write, each
 * leniency a finding: Microsoft 365 leaves the authserv-id out and writes
 * bare "action=none" properties; some gateways drop the ';' between two
 * results (recognised when a registered method name follows a result);
 * header.b= values hold base64 '/', '+' and '=', so a pvalue is read as
 * any run of octets up to CFWS or ';'.  NUL and other control octets are
 * dropped (with one finding), so no string we return holds them.  Every
 * loop moves forward by at least one octet. */
#include "parse/authres.h"
#include "parse/lex.h"

#include <stdarg.h>
#include <string.h>

#include "parse/finding.h"
#include "parse/limits.h"

/* Local caps, not in parse/limits.h (shared): they only bound this
 * parser's output, whose input is already capped by
 * DKS_MAX_HEADER_FIELD_BYTES and DKS_MAX_HEADER_FIELDS. */
#define AR_MAX_COMMENT_DEPTH 32u /* deeper nesting is reported (still read) */
#define AR_MAX_VERSION_DIGITS 9u /* keeps a version / instance in a guint */
#define AR_QUOTE_MAX         40u /* octets of input quoted in one finding */
#define ARC_MAX_INSTANCE     50u /* RFC 8617 §4.2.1 */

typedef struct {
  const char *text;
  gsize len;
  gsize pos;
  DksAuthResults *ar;
  guint findings_dropped; /* beyond DKS_AUTHRES_MAX_FINDINGS */
  gboolean ctl_reported;  /* one finding for control octets is enough */
  gboolean depth_reported;
  gboolean props_capped;  /* the current result hit DKS_AUTHRES_MAX_PROPS */
} ArParse;

/* ---- findings ------------------------------------------------------------ */

static void ar_finding(ArParse *p, DksFindingLevel level, const char *fmt, ...)
  G_GNUC_PRINTF(3, 4);

static void
ar_finding(ArParse *p, DksFindingLevel level, const char *fmt, ...)
{
  if (p->ar->findings->len >= DKS_AUTHRES_MAX_FINDINGS) {
    p->findings_dropped++;
    return;
  }
  va_list args;
  va_start(args, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, args);
  va_end(args);
  dks_findings_add(p->ar->findings, level, NULL, "%s", text);
}

/* What is at pos, quoted for a finding ("nothing" at the end). */
static char *
ar_quote_here(const ArParse *p)
{
  if (p->pos >= p->len)
    return g_strdup("nothing");
  g_autofree char *q = dks_quote_bytes(p->text + p->pos, p->len - p->pos, AR_QUOTE_MAX);
  return g_strdup_printf("'%s'", q);
}

/* ---- octet classes --------------------------------------------------------- */

/* RFC 2045 §5.1 tspecials, plus SP and CTLs, end a token.  8-bit octets do
 * not: the callers check the token's own grammar. */
static gboolean
ar_is_token_char(guchar c)
{
  if (c <= 0x20 || c == 0x7f)
    return FALSE;
  return strchr("()<>@,;:\\\"/[]?=", c) == NULL;
}

static gboolean
ar_is_ctl(guchar c)
{
  return (c < 0x20 && !dks_is_fws(c)) || c == 0x7f;
}

/* Keyword = ldh-str (RFC 8601 §2.2, RFC 5321 §4.1.2); '_' tolerated. */
static gboolean
ar_is_keyword(const char *s)
{
  gsize n = strlen(s);
  if (n == 0 || !g_ascii_isalnum((guchar)s[0]) || s[n - 1] == '-')
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    if (!g_ascii_isalnum((guchar)s[i]) && s[i] != '-' && s[i] != '_')
      return FALSE;
  }
  return TRUE;
}

static void
ar_report_ctl(ArParse *p, gsize at)
{
  if (p->ctl_reported)
    return;
  p->ctl_reported = TRUE;
  ar_finding(p, DKS_FINDING_WARNING,
             "RFC 8601 §2.2: control octet \\x%02X at offset %" G_GSIZE_FORMAT
             " of the field; dropped (and any others)",
             (guchar)p->text[at], at);
}

/* A copy of text[start, end) without control octets (a fold's CR LF goes,
 * its WSP stays), so returned strings never hold NUL. */
static char *
ar_copy_clean(const char *text, gsize start, gsize end)
{
  GString *out = g_string_sized_new(end - start);
  for (gsize i = start; i < end; i++) {
    guchar c = (guchar)text[i];
    if (c == '\t' || (c >= 0x20 && c != 0x7f) || c >= 0x80)
      g_string_append_c(out, (char)c);
  }
  return g_string_free(out, FALSE);
}

/* ---- lexical pieces ------------------------------------------------------- */

/* A comment at p->pos (which is '('): nesting counted, quoted-pairs
 * honoured.  Returns its text without the outer parentheses, folds
 * collapsed to one space (or NULL when want_text is FALSE). */
static char *
ar_read_comment(ArParse *p, gboolean want_text)
{
  gsize start = p->pos;
  guint depth = 0;
  GString *text = want_text ? g_string_new(NULL) : NULL;

  while (p->pos < p->len) {
    guchar c = (guchar)p->text[p->pos++];
    gboolean escaped = FALSE;
    if (c == '\\' && p->pos < p->len) {
      c = (guchar)p->text[p->pos++]; /* quoted-pair: never a parenthesis */
      escaped = TRUE;
    }
    if (!escaped && c == '(') {
      depth++;
      if (depth > AR_MAX_COMMENT_DEPTH && !p->depth_reported) {
        p->depth_reported = TRUE;
        ar_finding(p, DKS_FINDING_WARNING,
                   "RFC 5322 §3.2.2: comment at offset %" G_GSIZE_FORMAT
                   " nests deeper than %u levels", start, AR_MAX_COMMENT_DEPTH);
      }
      if (depth == 1)
        continue; /* the outer parenthesis is not part of the text */
    } else if (!escaped && c == ')') {
      if (--depth == 0)
        break;
    } else if (ar_is_ctl(c)) {
      ar_report_ctl(p, p->pos - 1);
      continue;
    }
    if (text == NULL)
      continue;
    if (dks_is_fws(c)) {
      if (text->len > 0 && text->str[text->len - 1] != ' ')
        g_string_append_c(text, ' ');
    } else {
      g_string_append_c(text, (char)c);
    }
  }
  if (depth > 0)
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 5322 §3.2.2: comment at offset %" G_GSIZE_FORMAT
               " is not closed (want ')' before the end of the field)", start);
  if (text == NULL)
    return NULL;
  while (text->len > 0 && text->str[text->len - 1] == ' ')
    g_string_truncate(text, text->len - 1);
  return g_string_free(text, FALSE);
}

/* Skips CFWS (and stray control octets, with a finding).  When comment is
 * non-NULL and still NULL, the first comment's text is stored there. */
static void
ar_skip_cfws(ArParse *p, char **comment)
{
  while (p->pos < p->len) {
    guchar c = (guchar)p->text[p->pos];
    if (dks_is_fws(c)) {
      p->pos++;
    } else if (c == '(') {
      gboolean want = comment != NULL && *comment == NULL;
      char *text = ar_read_comment(p, want);
      if (want)
        *comment = text;
    } else if (ar_is_ctl(c)) {
      ar_report_ctl(p, p->pos);
      p->pos++;
    } else {
      break;
    }
  }
}

/* A token at p->pos; returns a copy, "" when none is there. */
static char *
ar_read_token(ArParse *p)
{
  gsize start = p->pos;
  while (p->pos < p->len && ar_is_token_char((guchar)p->text[p->pos]))
    p->pos++;
  return g_strndup(p->text + start, p->pos - start);
}

/* A quoted-string at p->pos (which is '"'); appends its content, unquoted,
 * to out (may be NULL).  Control octets are dropped. */
static void
ar_read_quoted(ArParse *p, GString *out)
{
  gsize start = p->pos;
  p->pos++;
  while (p->pos < p->len) {
    guchar c = (guchar)p->text[p->pos];
    if (c == '"') {
      p->pos++;
      return;
    }
    if (c == '\\' && p->pos + 1 < p->len) {
      c = (guchar)p->text[p->pos + 1];
      p->pos += 2;
    } else {
      p->pos++;
    }
    if (ar_is_ctl(c) || c == '\r' || c == '\n') {
      if (ar_is_ctl(c))
        ar_report_ctl(p, p->pos - 1);
      continue;
    }
    if (out != NULL)
      g_string_append_c(out, (char)c);
  }
  ar_finding(p, DKS_FINDING_WARNING,
             "RFC 5322 §3.2.4: quoted-string at offset %" G_GSIZE_FORMAT
             " is not closed (want '\"' before the end of the field)", start);
}

/* value = token / quoted-string (RFC 2045 §5.1).  Returns the value
 * unquoted, or NULL when neither is at p->pos. */
static char *
ar_read_value(ArParse *p)
{
  if (p->pos < p->len && p->text[p->pos] == '"') {
    GString *out = g_string_new(NULL);
    ar_read_quoted(p, out);
    return g_string_free(out, FALSE);
  }
  g_autofree char *token = ar_read_token(p);
  return token[0] == '\0' ? NULL : g_steal_pointer(&token);
}

static gboolean
ar_is_pvalue_char(guchar c)
{
  return !dks_is_fws(c) && !ar_is_ctl(c) && c != ';' && c != '(' && c != '"';
}

/* A pvalue: quoted-strings and runs of anything but CFWS, ';', '(' with
 * nothing between them ("a b"@example.com, @example.com, base64 with
 * '/+=').  *raw gets it as written (control octets dropped), the return
 * value has the quotes removed; both NULL when the pvalue is empty. */
static char *
ar_read_pvalue(ArParse *p, char **raw)
{
  gsize start = p->pos;
  GString *value = g_string_new(NULL);
  while (p->pos < p->len) {
    guchar c = (guchar)p->text[p->pos];
    if (c == '"') {
      ar_read_quoted(p, value);
    } else if (ar_is_pvalue_char(c)) {
      g_string_append_c(value, (char)c);
      p->pos++;
    } else {
      break;
    }
  }
  if (p->pos == start) {
    g_string_free(value, TRUE);
    *raw = NULL;
    return NULL;
  }
  *raw = ar_copy_clean(p->text, start, p->pos);
  return g_string_free(value, FALSE);
}

/* Error recovery: moves to the next ';' outside comments and quotes. */
static void
ar_skip_to_semicolon(ArParse *p)
{
  while (p->pos < p->len) {
    ar_skip_cfws(p, NULL);
    if (p->pos >= p->len || p->text[p->pos] == ';')
      return;
    if (p->text[p->pos] == '"')
      ar_read_quoted(p, NULL);
    else
      p->pos++;
  }
}

/* 1*DIGIT at p->pos into *number (at most AR_MAX_VERSION_DIGITS). */
static gboolean
ar_read_number(ArParse *p, guint *number)
{
  gsize start = p->pos;
  guint value = 0;
  while (p->pos < p->len && g_ascii_isdigit((guchar)p->text[p->pos])) {
    if (p->pos - start >= AR_MAX_VERSION_DIGITS)
      return FALSE;
    value = value * 10 + (guint)(p->text[p->pos] - '0');
    p->pos++;
  }
  if (p->pos == start)
    return FALSE;
  *number = value;
  return TRUE;
}

/* ---- results -------------------------------------------------------------- */

static void
ar_result_free(DksAuthResult *r)
{
  if (r == NULL)
    return;
  g_free(r->method);
  g_free(r->result);
  g_free(r->reason);
  if (r->props != NULL)
    g_ptr_array_unref(r->props);
  g_free(r->header_d);
  g_free(r->header_s);
  g_free(r->header_i);
  g_free(r->header_b);
  g_free(r->header_a);
  g_free(r->comment);
  g_free(r->method_version);
  g_free(r->header_from);
  g_free(r->smtp_mailfrom);
  g_free(r);
}

/* The methods of the IANA "Email Authentication Methods" registry this
 * tool cares about, with their registered results (RFC 8601 §2.7, RFC 7489
 * §11.2, RFC 8617 §10.1).  Other methods are accepted as they are. */
typedef struct {
  const char *method;
  const char *section;
  const char *const results[9];
} ArMethod;

static const ArMethod ar_methods[] = {
  { "dkim", "RFC 8601 §2.7.1",
    { "none", "pass", "fail", "policy", "neutral", "temperror", "permerror", NULL } },
  { "spf", "RFC 8601 §2.7.2",
    { "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
      "hardfail", NULL } },
  { "dmarc", "RFC 7489 §11.2",
    { "none", "pass", "fail", "temperror", "permerror", NULL } },
  { "arc", "RFC 8617 §10.1", { "none", "pass", "fail", NULL } },
  { "iprev", "RFC 8601 §2.7.3", { "pass", "fail", "temperror", "permerror", NULL } },
  { "auth", "RFC 8601 §2.7.4",
    { "none", "pass", "fail", "temperror", "permerror", NULL } },
  { "dkim-adsp", "RFC 8601 §2.7", { "none", "pass", "unknown", "fail", "discard",
      "nxdomain", "temperror", "permerror", NULL } },
  { "sender-id", "RFC 8601 §2.7",
    { "none", "neutral", "pass", "fail", "softfail", "temperror", "permerror",
      "hardfail", NULL } },
};

static const ArMethod *
ar_method_find(const char *method)
{
  for (gsize i = 0; i < G_N_ELEMENTS(ar_methods); i++) {
    if (g_ascii_strcasecmp(ar_methods[i].method, method) == 0)
      return &ar_methods[i];
  }
  return NULL;
}

static void
ar_check_result(ArParse *p, const DksAuthResult *r)
{
  const ArMethod *m = ar_method_find(r->method);
  if (m == NULL)
    return;
  for (guint i = 0; m->results[i] != NULL; i++) {
    if (strcmp(m->results[i], r->result) == 0)
      return;
  }
  g_autofree char *q = dks_quote_bytes(r->result, strlen(r->result), AR_QUOTE_MAX);
  ar_finding(p, DKS_FINDING_NOTE, "%s %s=: '%s' is no registered result of this method",
             m->section, r->method, q);
}

static void
ar_set_once(char **slot, const char *value)
{
  if (*slot == NULL)
    *slot = g_strdup(value);
}

/* Keeps the first of each property the convenience fields name. */
static void
ar_result_note_prop(DksAuthResult *r, const char *name, const char *value)
{
  static const struct {
    const char *name;
    gsize offset;
  } known[] = {
    { "header.d", G_STRUCT_OFFSET(DksAuthResult, header_d) },
    { "header.s", G_STRUCT_OFFSET(DksAuthResult, header_s) },
    { "header.i", G_STRUCT_OFFSET(DksAuthResult, header_i) },
    { "header.b", G_STRUCT_OFFSET(DksAuthResult, header_b) },
    { "header.a", G_STRUCT_OFFSET(DksAuthResult, header_a) },
    { "header.from", G_STRUCT_OFFSET(DksAuthResult, header_from) },
    { "smtp.mailfrom", G_STRUCT_OFFSET(DksAuthResult, smtp_mailfrom) },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(known); i++) {
    if (g_ascii_strcasecmp(known[i].name, name) == 0) {
      ar_set_once(G_STRUCT_MEMBER_P(r, known[i].offset), value);
      return;
    }
  }
}

/* RFC 8601 §2.3 registered ptypes. */
static gboolean
ar_is_known_ptype(const char *name)
{
  static const char *const ptypes[] = { "smtp.", "header.", "body.", "policy." };
  for (gsize i = 0; i < G_N_ELEMENTS(ptypes); i++) {
    if (g_ascii_strncasecmp(name, ptypes[i], strlen(ptypes[i])) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
ar_add_prop(ArParse *p, DksAuthResult *r, const char *name, const char *raw)
{
  if (r->props->len >= DKS_AUTHRES_MAX_PROPS) {
    if (!p->props_capped)
      ar_finding(p, DKS_FINDING_WARNING,
                 "%s result has more than %u properties; the rest are ignored "
                 "(dkimscope's cap)", r->method, DKS_AUTHRES_MAX_PROPS);
    p->props_capped = TRUE;
    return;
  }
  g_ptr_array_add(r->props, g_strdup_printf("%s=%s", name, raw));
}

/* Reads "name" or "ptype . property" at p->pos; "" when no token is there. */
static char *
ar_read_prop_name(ArParse *p)
{
  g_autofree char *first = ar_read_token(p);
  if (first[0] == '\0' || strchr(first, '.') != NULL)
    return g_steal_pointer(&first);
  gsize after = p->pos;
  ar_skip_cfws(p, NULL);
  if (p->pos < p->len && p->text[p->pos] == '.') {
    p->pos++;
    ar_skip_cfws(p, NULL);
    g_autofree char *second = ar_read_token(p);
    return g_strconcat(first, ".", second, NULL);
  }
  p->pos = after;
  return g_steal_pointer(&first);
}

/* A "key=value" after a result where key names a registered method: the
 * ';' before the next result was left out (seen from some gateways). */
static gboolean
ar_is_missing_semicolon(const char *name)
{
  return ar_method_find(name) != NULL;
}

/* Reads reasonspec and propspecs up to ';' or the end.  Returns FALSE when
 * it stopped at a method whose ';' is missing (p->pos is then on it). */
static gboolean
ar_parse_props(ArParse *p, DksAuthResult *r)
{
  for (;;) {
    ar_skip_cfws(p, &r->comment);
    if (p->pos >= p->len || p->text[p->pos] == ';')
      return TRUE;

    gsize word_start = p->pos;
    if (p->text[p->pos] == '"') {
      ar_read_quoted(p, NULL);
      ar_finding(p, DKS_FINDING_WARNING,
                 "RFC 8601 §2.2 %s: stray quoted-string at offset %" G_GSIZE_FORMAT
                 " (want ptype.property=value); ignored", r->method, word_start);
      continue;
    }
    g_autofree char *name = ar_read_prop_name(p);
    if (name[0] == '\0') {
      g_autofree char *have = ar_quote_here(p);
      ar_finding(p, DKS_FINDING_WARNING,
                 "RFC 8601 §2.2 %s: want ptype.property=value at offset %"
                 G_GSIZE_FORMAT ", have %s; skipped", r->method, p->pos, have);
      p->pos++;
      continue;
    }
    ar_skip_cfws(p, &r->comment);
    if (p->pos >= p->len || p->text[p->pos] != '=') {
      g_autofree char *q = dks_quote_bytes(name, strlen(name), AR_QUOTE_MAX);
      ar_finding(p, DKS_FINDING_WARNING,
                 "RFC 8601 §2.2 %s: want '=' after '%s' at offset %" G_GSIZE_FORMAT
                 "; the word is ignored", r->method, q, word_start);
      continue;
    }
    if (strchr(name, '.') == NULL && g_ascii_strcasecmp(name, "reason") != 0 &&
        ar_is_missing_semicolon(name)) {
      g_autofree char *q = dks_quote_bytes(name, strlen(name), AR_QUOTE_MAX);
      ar_finding(p, DKS_FINDING_WARNING,
                 "RFC 8601 §2.2: want ';' before the '%s' result at offset %"
                 G_GSIZE_FORMAT ", have none; read as a new result", q, word_start);
      p->pos = word_start;
      return FALSE;
    }
    p->pos++; /* '=' */
    ar_skip_cfws(p, &r->comment);

    if (g_ascii_strcasecmp(name, "reason") == 0) {
      g_autofree char *value = ar_read_value(p);
      if (value == NULL) {
        ar_finding(p, DKS_FINDING_WARNING,
                   "RFC 8601 §2.2 %s reason=: want a token or quoted-string at "
                   "offset %" G_GSIZE_FORMAT, r->method, p->pos);
        continue;
      }
      ar_set_once(&r->reason, value);
      continue;
    }

    g_autofree char *raw = NULL;
    g_autofree char *value = ar_read_pvalue(p, &raw);
    g_autofree char *qname = dks_quote_bytes(name, strlen(name), AR_QUOTE_MAX);
    if (value == NULL) {
      ar_finding(p, DKS_FINDING_WARNING,
                 "RFC 8601 §2.2 %s %s=: want a value, have none", r->method, qname);
      raw = g_strdup("");
      value = g_strdup("");
    }
    if (strchr(name, '.') == NULL) {
      g_autofree char *qraw = dks_quote_bytes(raw, strlen(raw), AR_QUOTE_MAX);
      ar_finding(p, DKS_FINDING_NOTE,
                 "RFC 8601 §2.2 %s: '%s=%s' is no ptype.property=value (non-standard, "
                 "kept as written)", r->method, qname, qraw);
    }
    else if (!ar_is_known_ptype(name))
      ar_finding(p, DKS_FINDING_NOTE,
                 "RFC 8601 §2.3 %s: ptype of '%s' is not registered (want smtp, "
                 "header, body or policy)", r->method, qname);
    ar_add_prop(p, r, name, raw);
    ar_result_note_prop(r, name, value);
  }
}

/* methodspec at p->pos.  Returns the new result, or NULL (with a finding,
 * p->pos then at the next ';' or the end). */
static DksAuthResult *
ar_parse_methodspec(ArParse *p)
{
  gsize start = p->pos;
  g_autofree char *method = ar_read_token(p);
  g_autofree char *version = NULL;

  if (method[0] == '\0' || !ar_is_keyword(method)) {
    g_autofree char *q = dks_quote_bytes(p->text + start, p->len - start, AR_QUOTE_MAX);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: want a method keyword at offset %" G_GSIZE_FORMAT
               ", have '%s'; this result is skipped", start, q);
    ar_skip_to_semicolon(p);
    return NULL;
  }
  ar_skip_cfws(p, NULL);
  if (p->pos < p->len && p->text[p->pos] == '/') {
    p->pos++;
    ar_skip_cfws(p, NULL);
    version = ar_read_token(p);
    ar_skip_cfws(p, NULL);
  }
  if (p->pos >= p->len || p->text[p->pos] != '=') {
    g_autofree char *have = ar_quote_here(p);
    g_autofree char *q = dks_quote_bytes(method, strlen(method), AR_QUOTE_MAX);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: want '=' and a result after method '%s' at offset %"
               G_GSIZE_FORMAT ", have %s; this result is skipped", q, start, have);
    ar_skip_to_semicolon(p);
    return NULL;
  }
  p->pos++;
  ar_skip_cfws(p, NULL);
  gsize result_at = p->pos;
  g_autofree char *result = ar_read_token(p);
  if (!ar_is_keyword(result)) {
    g_autofree char *q = dks_quote_bytes(p->text + result_at, p->len - result_at,
                                         AR_QUOTE_MAX);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2 %s: want a result keyword at offset %" G_GSIZE_FORMAT
               ", have '%s'; this result is skipped", method, result_at, q);
    ar_skip_to_semicolon(p);
    return NULL;
  }

  DksAuthResult *r = g_new0(DksAuthResult, 1);
  r->method = g_ascii_strdown(method, -1);
  r->result = g_ascii_strdown(result, -1);
  r->method_version = version != NULL && version[0] != '\0' ? g_steal_pointer(&version) : NULL;
  r->props = g_ptr_array_new_with_free_func(g_free);
  return r;
}

/* The "; none" of RFC 8601 §2.2: the word none with no '=' after it. */
static gboolean
ar_at_no_result(ArParse *p)
{
  gsize save = p->pos;
  g_autofree char *word = ar_read_token(p);
  ar_skip_cfws(p, NULL);
  if (g_ascii_strcasecmp(word, "none") == 0 &&
      (p->pos >= p->len || p->text[p->pos] == ';'))
    return TRUE;
  p->pos = save;
  return FALSE;
}

/* One resinfo from p->pos (after its ';', CFWS skipped, not at ';'). */
static void
ar_parse_resinfo(ArParse *p)
{
  DksAuthResults *ar = p->ar;
  gsize start = p->pos;

  if (ar_at_no_result(p)) {
    if (ar->results->len > 0 || ar->no_result)
      ar_finding(p, DKS_FINDING_WARNING,
                 "RFC 8601 §2.2: 'none' at offset %" G_GSIZE_FORMAT " must stand "
                 "alone (no-result), but the field has other results", start);
    ar->no_result = TRUE;
    return;
  }
  DksAuthResult *r = ar_parse_methodspec(p);
  if (r == NULL)
    return;
  g_ptr_array_add(ar->results, r);
  ar_check_result(p, r);
  p->props_capped = FALSE;
  ar_parse_props(p, r);
}

/* ---- the field ------------------------------------------------------------ */

/* RFC 8617 §4.1.2: "i=N;" before the payload.  On a mismatch nothing is
 * consumed (the payload is read from the start). */
static void
ar_parse_arc_instance(ArParse *p)
{
  gsize start = p->pos;
  ar_skip_cfws(p, NULL);
  gsize tag_at = p->pos;
  g_autofree char *tag = ar_read_token(p);
  ar_skip_cfws(p, NULL);
  if (g_ascii_strcasecmp(tag, "i") != 0 || p->pos >= p->len || p->text[p->pos] != '=') {
    p->pos = tag_at;
    g_autofree char *have = ar_quote_here(p);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8617 §4.1.2 ARC-Authentication-Results: want 'i=<1..50>;' first, "
               "have %s", have);
    p->pos = start;
    return;
  }
  p->pos++;
  ar_skip_cfws(p, NULL);
  gsize number_at = p->pos;
  guint instance = 0;
  if (!ar_read_number(p, &instance) || instance < 1 || instance > ARC_MAX_INSTANCE) {
    p->pos = number_at;
    g_autofree char *have = ar_quote_here(p);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8617 §4.2.1 i=: want an instance from 1 to %u, have %s",
               ARC_MAX_INSTANCE, have);
    while (p->pos < p->len && p->text[p->pos] != ';' && !dks_is_fws((guchar)p->text[p->pos]))
      p->pos++;
  } else {
    p->ar->arc_instance = instance;
  }
  ar_skip_cfws(p, NULL);
  if (p->pos < p->len && p->text[p->pos] == ';') {
    p->pos++;
    return;
  }
  g_autofree char *have = ar_quote_here(p);
  ar_finding(p, DKS_FINDING_WARNING,
             "RFC 8617 §4.1.2 ARC-Authentication-Results: want ';' after i=, have %s",
             have);
}

/* authserv-id [CFWS authres-version], up to (not past) the first ';'. */
static void
ar_parse_authserv_id(ArParse *p)
{
  DksAuthResults *ar = p->ar;
  ar_skip_cfws(p, NULL);
  if (p->pos >= p->len) {
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: the field is empty (want an authserv-id and results)");
    return;
  }
  if (p->text[p->pos] == ';') {
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: want an authserv-id before the first ';', have none");
    return;
  }
  gsize start = p->pos;
  g_autofree char *id = ar_read_value(p);
  if (id == NULL) {
    g_autofree char *have = ar_quote_here(p);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: want an authserv-id (a token or quoted-string) "
               "first, have %s; skipped to the next ';'", have);
    ar_skip_to_semicolon(p);
    return;
  }
  ar_skip_cfws(p, NULL);
  if (p->pos < p->len && (p->text[p->pos] == '=' || p->text[p->pos] == '/')) {
    /* "spf=pass ...": the first result where the authserv-id belongs. */
    p->pos = start;
    g_autofree char *have = ar_quote_here(p);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: want an authserv-id (the receiving server's name) "
               "first, have %s (Microsoft 365 writes its results this way)", have);
    return;
  }
  ar->authserv_id = g_steal_pointer(&id);

  if (p->pos < p->len && g_ascii_isdigit((guchar)p->text[p->pos])) {
    gsize version_at = p->pos;
    guint version = 0;
    if (!ar_read_number(p, &version) ||
        (p->pos < p->len && ar_is_token_char((guchar)p->text[p->pos]))) {
      p->pos = version_at;
      g_autofree char *have = ar_quote_here(p);
      ar_finding(p, DKS_FINDING_ERROR,
                 "RFC 8601 §2.2: want a version number after the authserv-id, have %s",
                 have);
      ar_skip_to_semicolon(p);
      return;
    }
    ar->version = version;
    if (version != 1)
      ar_finding(p, DKS_FINDING_ERROR,
                 "RFC 8601 §2.2: version %u is unknown (want 1); a reader must "
                 "ignore the field", version);
    ar_skip_cfws(p, NULL);
  }
  if (p->pos < p->len && p->text[p->pos] != ';') {
    g_autofree char *have = ar_quote_here(p);
    ar_finding(p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: want ';' after the authserv-id at offset %" G_GSIZE_FORMAT
               ", have %s; skipped to the next ';'", p->pos, have);
    ar_skip_to_semicolon(p);
  }
}

static DksAuthResults *
ar_new(void)
{
  DksAuthResults *ar = g_new0(DksAuthResults, 1);
  ar->results = g_ptr_array_new_with_free_func((GDestroyNotify)ar_result_free);
  ar->findings = dks_findings_new();
  return ar;
}

DksAuthResults *
dks_authres_parse(const char *value, gsize len, gboolean arc)
{
  DksAuthResults *ar = ar_new();
  ar->arc = arc;
  if (value == NULL || len == 0) {
    value = ""; /* the readers may then form text + 0 */
    len = 0;
  }
  ArParse p = { .text = value, .len = len, .ar = ar };

  if (arc)
    ar_parse_arc_instance(&p);
  ar_parse_authserv_id(&p);

  guint empty = 0;
  while (p.pos < p.len) {
    if (p.text[p.pos] == ';')
      p.pos++;
    ar_skip_cfws(&p, NULL);
    if (p.pos >= p.len)
      break;
    if (p.text[p.pos] == ';') {
      empty++;
      continue;
    }
    if (ar->results->len >= DKS_AUTHRES_MAX_RESULTS) {
      ar_finding(&p, DKS_FINDING_WARNING,
                 "the field has more than %u results; the rest (from offset %"
                 G_GSIZE_FORMAT ") are ignored (dkimscope's cap)",
                 DKS_AUTHRES_MAX_RESULTS, p.pos);
      break;
    }
    ar_parse_resinfo(&p);
  }

  if (empty > 0)
    ar_finding(&p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: %u empty result%s (';' with no method) skipped",
               empty, empty == 1 ? "" : "s");
  if (ar->results->len == 0 && !ar->no_result && ar->authserv_id != NULL)
    ar_finding(&p, DKS_FINDING_WARNING,
               "RFC 8601 §2.2: want at least one result or '; none', have none");
  if (p.findings_dropped > 0)
    dks_findings_add(ar->findings, DKS_FINDING_NOTE, NULL,
                     "%u more problems in this field are not listed", p.findings_dropped);
  return ar;
}

GPtrArray *
dks_authres_parse_all(const DksMessage *msg)
{
  GPtrArray *all = g_ptr_array_new_with_free_func((GDestroyNotify)dks_authres_free);
  if (msg == NULL || msg->headers == NULL)
    return all;

  guint left_out = 0;
  for (guint i = 0; i < msg->headers->len; i++) {
    const DksHeader *h = dks_message_header(msg, i);
    gboolean arc = dks_header_is(msg, h, "ARC-Authentication-Results");
    if (!arc && !dks_header_is(msg, h, "Authentication-Results"))
      continue;
    if (all->len >= DKS_AUTHRES_MAX_FIELDS) {
      left_out++;
      continue;
    }
    gsize len = 0;
    const char *value = dks_header_value(msg, h, &len);
    DksAuthResults *ar = dks_authres_parse(value, len, arc);
    ar->header_index = i;
    g_ptr_array_add(all, ar);
  }
  if (left_out > 0) {
    DksAuthResults *last = g_ptr_array_index(all, all->len - 1);
    dks_findings_add(last->findings, DKS_FINDING_NOTE, NULL,
                     "%u more Authentication-Results fields below this one are not "
                     "read (dkimscope reads at most %u)", left_out, DKS_AUTHRES_MAX_FIELDS);
  }
  return all;
}

const DksAuthResult *
dks_authres_find(const DksAuthResults *ar, const char *method, const char *domain)
{
  if (ar == NULL || method == NULL)
    return NULL;
  for (guint i = 0; i < ar->results->len; i++) {
    const DksAuthResult *r = g_ptr_array_index(ar->results, i);
    if (g_ascii_strcasecmp(r->method, method) != 0)
      continue;
    if (domain == NULL ||
        (r->header_d != NULL && g_ascii_strcasecmp(r->header_d, domain) == 0))
      return r;
  }
  return NULL;
}

void
dks_authres_free(DksAuthResults *ar)
{
  if (ar == NULL)
    return;
  g_free(ar->authserv_id);
  if (ar->results != NULL)
    g_ptr_array_unref(ar->results);
  if (ar->findings != NULL)
    g_ptr_array_unref(ar->findings);
  g_free(ar);
}
