/* dmarc.c — DMARC (RFC 7489) as far as DKIM is concerned.
 *
 * Three parts: the author domain, read from the raw From field (RFC 5322
 * §3.4: display names, quoted strings, comments, angle brackets, groups)
 * because GMime stays in parse/message.c and canonical bytes are ours; the
 * organisational domain through libpsl (RFC 7489 §3.2); and policy
 * discovery (§6.6.3): TXT at _dmarc.<From domain>, and when no DMARC
 * record is there, at _dmarc.<organisational domain>, whose sp= then
 * applies.  The record is a tag-list (§6.3 borrows RFC 6376 §3.2), read
 * with parse/tags.h; every bad value is a finding, and the ones §6.6.3
 * step 6 names (p=, sp=) decide between a policy, "act as p=none" and no
 * DMARC at all (permerror).  DNS failures keep their answer, so a report
 * can say temperror and show why. */
#include "verify/dmarc.h"
#include "parse/lex.h"

#include <libpsl.h>
#include <string.h>

#include "parse/finding.h"
#include "parse/limits.h"
#include "parse/tags.h"

#define DMARC_PREFIX     "_dmarc."
#define DMARC_WHAT       "DMARC record"
#define DMARC_QUOTE_MAX  60u
#define DMARC_SHOW_RECORDS 4u /* records quoted in the "several records" finding */
/* The From domain must leave room for "_dmarc." in a DNS name. */
#define DMARC_MAX_DOMAIN (DKS_MAX_DNS_NAME_BYTES - (sizeof DMARC_PREFIX - 1))

/* ---- domains -------------------------------------------------------------- */

static const psl_ctx_t *
dmarc_psl(void)
{
  static gsize once = 0;
  static const psl_ctx_t *psl = NULL;
  if (g_once_init_enter(&once)) {
    /* The system's list when it is newer than the built-in one; kept for
     * the life of the process. */
    psl = psl_latest(NULL);
    if (psl == NULL)
      psl = psl_builtin();
    g_once_init_leave(&once, 1);
  }
  return psl;
}

/* Lower case (UTF-8 aware, so IDN U-labels fold too), one trailing dot
 * dropped.  NULL when empty or not UTF-8. */
static char *
dmarc_normalize(const char *domain, gsize len)
{
  if (domain == NULL || len == 0 || !g_utf8_validate(domain, (gssize)len, NULL))
    return NULL;
  if (domain[len - 1] == '.')
    len--;
  if (len == 0)
    return NULL;
  g_autofree char *lower = g_utf8_strdown(domain, (gssize)len);
  if (!g_str_is_ascii(lower)) {
    /* RFC 8616 §6: an internationalized From domain is looked up and
     * compared as A-labels (d= holds A-labels, RFC 6376 §3.5); GLib's
     * IDNA conversion does it, NULL when the name is no valid IDN. */
    g_autofree char *ascii = g_hostname_to_ascii(lower);
    return ascii != NULL ? g_ascii_strdown(ascii, -1) : NULL;
  }
  return g_steal_pointer(&lower);
}

static gboolean
dmarc_is_ip(const char *domain)
{
  return domain[0] == '[' || g_hostname_is_ip_address(domain);
}

char *
dks_org_domain(const char *domain)
{
  if (domain == NULL)
    return NULL;
  g_autofree char *lower = dmarc_normalize(domain, strlen(domain));
  if (lower == NULL || dmarc_is_ip(lower))
    return NULL;
  const psl_ctx_t *psl = dmarc_psl();
  if (psl == NULL)
    return NULL;
  const char *registrable = psl_registrable_domain(psl, lower);
  /* NULL: the name is a public suffix itself (or has no registrable part):
   * RFC 7489 §3.2 has no label to add, so it stands for itself. */
  return g_strdup(registrable != NULL ? registrable : lower);
}

/* Why text is no usable domain name for a DMARC lookup, or NULL when it
 * is one: labels of 1..63 octets of letters, digits, '-', '_' or UTF-8. */
static char *
dmarc_domain_problem(const char *domain, gsize len)
{
  g_autofree char *q = dks_quote_bytes(domain, len, DMARC_QUOTE_MAX);
  if (len == 0)
    return g_strdup("RFC 5322 §3.4.1: the From address has nothing after '@'");
  if (domain[0] == '[')
    return g_strdup_printf("RFC 7489 §6.6.1: the From domain is a literal '%s'; DMARC "
                           "needs a domain name", q);
  gsize end = domain[len - 1] == '.' ? len - 1 : len;
  if (end > DMARC_MAX_DOMAIN)
    return g_strdup_printf("RFC 1035 §2.3.4: the From domain '%s' is %" G_GSIZE_FORMAT
                           " octets long, too long for a _dmarc name", q, end);
  g_autofree char *copy = g_strndup(domain, end) /* stops at a NUL: checked below */;
  if (g_hostname_is_ip_address(copy))
    return g_strdup_printf("RFC 7489 §6.6.1: the From domain '%s' is an IP address; "
                           "DMARC needs a domain name", q);
  gsize label = 0;
  for (gsize i = 0; i <= end; i++) {
    if (i == end || domain[i] == '.') {
      if (label == 0 || label > 63)
        return g_strdup_printf("RFC 1035 §2.3.4: the From domain '%s' has a label of "
                               "%" G_GSIZE_FORMAT " octets (want 1 to 63)", q, label);
      label = 0;
      continue;
    }
    guchar c = (guchar)domain[i];
    if (!g_ascii_isalnum(c) && c != '-' && c != '_' && c < 0x80) {
      g_autofree char *bad = dks_quote_bytes(domain + i, 1, 1);
      return g_strdup_printf("RFC 5322 §3.4.1: the From domain '%s' holds '%s', which "
                             "no domain name holds", q, bad);
    }
    label++;
  }
  if (!g_utf8_validate(domain, (gssize)len, NULL))
    return g_strdup_printf("RFC 6532 §3.2: the From domain '%s' is not valid UTF-8", q);
  g_autofree char *ascii = dmarc_normalize(domain, len);
  if (ascii == NULL)
    return g_strdup_printf("RFC 5891 §5: the From domain '%s' is no valid internationalized "
                           "domain name, so it has no A-label form to look up", q);
  if (strlen(ascii) > DMARC_MAX_DOMAIN)
    return g_strdup_printf("RFC 1035 §2.3.4: the From domain '%s' is %" G_GSIZE_FORMAT
                           " octets long as A-labels (%s), too long for a _dmarc name", q,
                           strlen(ascii), ascii);
  return NULL;
}

static char *
dmarc_domain_equal_form(const char *domain)
{
  return domain != NULL ? dmarc_normalize(domain, strlen(domain)) : NULL;
}

DksAlignment
dks_domain_alignment(const char *from_domain, const char *signing_domain)
{
  g_autofree char *from = dmarc_domain_equal_form(from_domain);
  g_autofree char *d = dmarc_domain_equal_form(signing_domain);
  if (from == NULL || d == NULL)
    return DKS_ALIGN_NONE;
  if (strcmp(from, d) == 0)
    return DKS_ALIGN_STRICT;
  g_autofree char *from_org = dks_org_domain(from);
  g_autofree char *d_org = dks_org_domain(d);
  if (from_org != NULL && d_org != NULL && strcmp(from_org, d_org) == 0)
    return DKS_ALIGN_RELAXED;
  return DKS_ALIGN_NONE;
}

DksAlignment
dks_dmarc_alignment(const DksDmarc *dmarc, const char *signing_domain)
{
  if (dmarc == NULL)
    return DKS_ALIGN_NONE;
  DksAlignment a = dks_domain_alignment(dmarc->from_domain, signing_domain);
  /* RFC 7489 §3.1.1: adkim=s wants the exact domain. */
  if (a == DKS_ALIGN_RELAXED && dmarc->strict_dkim)
    return DKS_ALIGN_NONE;
  return a;
}

const char *
dks_alignment_name(DksAlignment alignment)
{
  switch (alignment) {
  case DKS_ALIGN_NONE: return "none";
  case DKS_ALIGN_RELAXED: return "relaxed";
  case DKS_ALIGN_STRICT: return "strict";
  }
  return "unknown";
}

const char *
dks_dmarc_status_name(DksDmarcStatus status)
{
  switch (status) {
  case DKS_DMARC_PENDING: return "pending";
  case DKS_DMARC_NO_DOMAIN: return "no-domain";
  case DKS_DMARC_RECORD: return "record";
  case DKS_DMARC_NONE: return "none";
  case DKS_DMARC_MULTIPLE: return "multiple";
  case DKS_DMARC_PERMERROR: return "permerror";
  case DKS_DMARC_TEMPERROR: return "temperror";
  }
  return "unknown";
}

/* ---- the From field --------------------------------------------------------- */

typedef struct {
  const char *v;
  gsize len;
  GPtrArray *findings;
  guint mailboxes;      /* non-empty entries */
  guint without_at;     /* entries with no '@' */
  GString *first;       /* addr-spec text of the first entry */
  GString *addr;        /* the current entry's addr-spec text */
  gboolean in_angle, angle_seen, angle_done;
} FromScan;

/* Index after the comment starting at i (which is '('), nesting counted. */
static gsize
from_skip_comment(FromScan *s, gsize i)
{
  gsize start = i;
  guint depth = 0;
  while (i < s->len) {
    char c = s->v[i++];
    if (c == '\\' && i < s->len)
      i++;
    else if (c == '(')
      depth++;
    else if (c == ')' && --depth == 0)
      return i;
  }
  dks_findings_add(s->findings, DKS_FINDING_WARNING, NULL,
                   "RFC 5322 §3.2.2 From: the comment at offset %" G_GSIZE_FORMAT
                   " is not closed", start);
  return i;
}

/* Index after the quoted-string or domain literal at i (close is '"' or ']'). */
static gsize
from_skip_quoted(FromScan *s, gsize i, char close)
{
  gsize start = i++;
  while (i < s->len) {
    char c = s->v[i++];
    if (c == '\\' && i < s->len)
      i++;
    else if (c == close)
      return i;
  }
  dks_findings_add(s->findings, DKS_FINDING_WARNING, NULL,
                   "RFC 5322 §3.2.4 From: the %s at offset %" G_GSIZE_FORMAT
                   " is not closed (want '%c')",
                   close == '"' ? "quoted-string" : "domain literal", start, close);
  return i;
}

static gboolean
from_has_at(const GString *addr)
{
  return strchr(addr->str, '@') != NULL;
}

static void
from_end_entry(FromScan *s)
{
  if (s->addr->len > 0 || s->angle_seen) {
    s->mailboxes++;
    if (s->first == NULL)
      s->first = g_string_new_len(s->addr->str, (gssize)s->addr->len);
    if (!from_has_at(s->addr))
      s->without_at++;
  }
  g_string_truncate(s->addr, 0);
  s->in_angle = s->angle_seen = s->angle_done = FALSE;
}

/* One octet outside comments and quotes; returns FALSE when it is not part
 * of an address (a separator, a bracket, white space). */
static gboolean
from_structural(FromScan *s, char c)
{
  if (dks_is_fws((guchar)c))
    return TRUE; /* FWS inside an addr-spec is obsolete syntax: dropped */
  if (s->in_angle) {
    if (c != '>')
      return FALSE;
    s->in_angle = FALSE;
    s->angle_done = TRUE;
    return TRUE;
  }
  switch (c) {
  case ',':
  case ';': /* the end of a group ends its last mailbox */
    from_end_entry(s);
    return TRUE;
  case ':': /* "group name:" — what came before was the group's name */
    g_string_truncate(s->addr, 0);
    s->angle_seen = s->angle_done = FALSE;
    return TRUE;
  case '<':
    g_string_truncate(s->addr, 0);
    s->in_angle = s->angle_seen = TRUE;
    s->angle_done = FALSE;
    return TRUE;
  default:
    return FALSE;
  }
}

static void
from_scan(FromScan *s)
{
  gsize i = 0;
  while (i < s->len) {
    char c = s->v[i];
    if (c == '(') {
      i = from_skip_comment(s, i);
    } else if (c == '"' || c == '[') {
      gsize end = from_skip_quoted(s, i, c == '"' ? '"' : ']');
      if (!s->angle_done)
        g_string_append_len(s->addr, s->v + i, (gssize)(end - i));
      i = end;
    } else {
      if (!from_structural(s, c) && !s->angle_done)
        g_string_append_c(s->addr, c);
      i++;
    }
  }
  if (s->in_angle)
    dks_findings_add(s->findings, DKS_FINDING_WARNING, NULL,
                     "RFC 5322 §3.4 From: '<' is not closed (want '>')");
  from_end_entry(s);
}

/* Offset of the '@' that starts the domain: the last one outside quotes
 * and domain literals, or -1. */
static gssize
from_find_at(const GString *addr)
{
  gssize at = -1;
  char close = 0;
  for (gsize i = 0; i < addr->len; i++) {
    char c = addr->str[i];
    if (close != 0) {
      if (c == '\\')
        i++;
      else if (c == close)
        close = 0;
    } else if (c == '"') {
      close = '"';
    } else if (c == '[') {
      close = ']';
    } else if (c == '@') {
      at = (gssize)i;
    }
  }
  return at;
}

char *
dks_from_domain(const char *value, gsize len, GPtrArray *findings, char **problem)
{
  FromScan s = { .v = value != NULL ? value : "", .len = value != NULL ? len : 0,
                 .findings = findings, .addr = g_string_new(NULL) };
  from_scan(&s);
  g_string_free(s.addr, TRUE);
  g_autoptr(GString) first = s.first;

  char *why = NULL;
  if (s.mailboxes == 0) {
    why = g_strdup("RFC 5322 §3.6.2: the From field holds no address (want exactly one)");
  } else if (s.mailboxes > 1) {
    g_autofree char *hint = s.without_at > 0 && s.without_at < s.mailboxes
      ? g_strdup_printf(" (%u without '@': an unquoted ',' in a display name?)", s.without_at)
      : g_strdup("");
    why = g_strdup_printf("RFC 7489 §6.6.1: the From field holds %u addresses; DMARC "
                          "needs exactly one author domain%s", s.mailboxes, hint);
  } else {
    gssize at = from_find_at(first);
    if (at < 0) {
      g_autofree char *q = dks_quote_bytes(first->str, first->len, DMARC_QUOTE_MAX);
      why = g_strdup_printf("RFC 5322 §3.4.1: the From address '%s' has no '@domain'", q);
    } else {
      const char *domain = first->str + at + 1;
      gsize dlen = first->len - (gsize)at - 1;
      why = dmarc_domain_problem(domain, dlen);
      if (why == NULL) {
        char *result = dmarc_normalize(domain, dlen);
        g_autofree char *written = g_strndup(domain, dlen);
        if (result != NULL && findings != NULL && !g_str_is_ascii(written)) {
          g_autofree char *u = dks_quote_bytes(domain, dlen, DMARC_QUOTE_MAX);
          dks_findings_add(findings, DKS_FINDING_NOTE, NULL,
                           "RFC 8616 §6: the From domain '%s' is looked up and compared "
                           "with d= as A-labels: %s", u, result);
        }
        if (result != NULL)
          return result;
        why = g_strdup("RFC 5322 §3.4.1: the From domain is empty");
      }
    }
  }
  if (problem != NULL)
    *problem = why;
  else
    g_free(why);
  return NULL;
}

/* ---- the DksDmarc object ------------------------------------------------------ */

typedef struct {
  DksDmarc *dmarc;    /* NULL once dmarc was freed: the answer is dropped */
  DksResolver *resolver;
  DksDmarcDone done;
  gpointer user_data;
  GDestroyNotify cancelled; /* instead of done when it will never run */
  GSource *idle;      /* when done is called without asking DNS */
} DmarcLookup;

/* done will never run (dmarc or the resolver was freed first): the
 * caller hears of it, and the lookup state goes. */
static void
dmarc_lookup_drop(DmarcLookup *lookup)
{
  GDestroyNotify cancelled = lookup->cancelled;
  gpointer user_data = lookup->user_data;
  if (lookup->dmarc != NULL)
    lookup->dmarc->lookup = NULL;
  g_free(lookup);
  if (cancelled != NULL)
    cancelled(user_data);
}

/* The resolver was freed with the question in flight. */
static void
on_dns_cancelled(gpointer data)
{
  dmarc_lookup_drop(data);
}

static DksDmarc *
dmarc_alloc(void)
{
  DksDmarc *dmarc = g_new0(DksDmarc, 1);
  dmarc->findings = dks_findings_new();
  dmarc->pct = 100;
  return dmarc;
}

static void
dmarc_set_domain(DksDmarc *dmarc, char *domain)
{
  dmarc->from_domain = domain;
  dmarc->org_domain = dks_org_domain(domain);
}

DksDmarc *
dks_dmarc_new(const DksMessage *msg)
{
  DksDmarc *dmarc = dmarc_alloc();
  guint from_fields = 0;
  const DksHeader *from = NULL;
  for (guint i = 0; msg != NULL && msg->headers != NULL && i < msg->headers->len; i++) {
    const DksHeader *h = dks_message_header(msg, i);
    if (dks_header_is(msg, h, "From")) {
      from_fields++;
      if (from == NULL)
        from = h;
    }
  }
  if (from_fields == 0) {
    dmarc->problem = g_strdup("RFC 5322 §3.6: the message has no From field (want "
                              "exactly one)");
  } else if (from_fields > 1) {
    dmarc->problem = g_strdup_printf("RFC 5322 §3.6: the message has %u From fields "
                                     "(want exactly one); RFC 7489 §6.6.1 leaves it to "
                                     "local policy", from_fields);
  } else {
    gsize len = 0;
    const char *value = dks_header_value(msg, from, &len);
    char *domain = dks_from_domain(value, len, dmarc->findings, &dmarc->problem);
    if (domain != NULL)
      dmarc_set_domain(dmarc, domain);
  }
  dmarc->base_findings = dmarc->findings->len;
  return dmarc;
}

DksDmarc *
dks_dmarc_new_for_domain(const char *from_domain)
{
  DksDmarc *dmarc = dmarc_alloc();
  gsize len = from_domain != NULL ? strlen(from_domain) : 0;
  dmarc->problem = dmarc_domain_problem(from_domain != NULL ? from_domain : "", len);
  if (dmarc->problem == NULL)
    dmarc_set_domain(dmarc, dmarc_normalize(from_domain, len));
  return dmarc;
}

/* Forgets what a previous lookup found, so a new one starts over. */
static void
dmarc_clear_policy(DksDmarc *dmarc)
{
  g_clear_pointer(&dmarc->record_name, g_free);
  g_clear_pointer(&dmarc->dns, dks_dns_answer_free);
  g_clear_pointer(&dmarc->org_dns, dks_dns_answer_free);
  g_clear_pointer(&dmarc->record, g_free);
  g_clear_pointer(&dmarc->policy, g_free);
  dmarc->record_len = 0;
  dmarc->strict_dkim = dmarc->strict_spf = FALSE;
  dmarc->org_record = dmarc->policy_from_sp = FALSE;
  dmarc->pct = 100;
  dmarc->status = DKS_DMARC_PENDING;
  if (dmarc->findings->len > dmarc->base_findings)
    g_ptr_array_remove_range(dmarc->findings, dmarc->base_findings,
                             dmarc->findings->len - dmarc->base_findings);
}

void
dks_dmarc_free(DksDmarc *dmarc)
{
  if (dmarc == NULL)
    return;
  DmarcLookup *lookup = dmarc->lookup;
  if (lookup != NULL) {
    lookup->dmarc = NULL;
    if (lookup->idle != NULL) {
      g_source_destroy(lookup->idle);
      g_source_unref(lookup->idle);
      dmarc_lookup_drop(lookup);
    } /* else the DNS callback (or its cancel) drops it */
  }
  dmarc_clear_policy(dmarc);
  g_free(dmarc->from_domain);
  g_free(dmarc->org_domain);
  g_free(dmarc->problem);
  g_ptr_array_unref(dmarc->findings);
  g_free(dmarc);
}

/* ---- the record ------------------------------------------------------------------ */

typedef struct {
  DksDmarc *dmarc;
  const char *p, *sp;      /* valid policy words (static), NULL when absent/bad */
  gboolean p_bad, sp_bad;  /* present but invalid */
  gboolean rua_valid;      /* at least one syntactically valid rua= URI */
} RecordParse;

static char *
dmarc_quote_tag(const DksTag *tag)
{
  return dks_quote_bytes(tag->value, tag->value_len, DMARC_QUOTE_MAX);
}

/* "v=DMARC1" as the first tag (§6.6.3 step 2 discards anything else).
 * *wrong_case: it is there, but not in upper case as §6.3 wants.  Tag
 * names match case-insensitively: §6.4's ABNF quotes them as strings,
 * which RFC 5234 §2.3 makes case-insensitive. */
static gboolean
dmarc_starts_with_version(const char *text, gsize len, gboolean *wrong_case)
{
  gsize i = 0;
  *wrong_case = FALSE;
  while (i < len && dks_is_fws((guchar)text[i]))
    i++;
  if (i >= len || g_ascii_tolower(text[i]) != 'v')
    return FALSE;
  i++;
  while (i < len && dks_is_fws((guchar)text[i]))
    i++;
  if (i >= len || text[i] != '=')
    return FALSE;
  i++;
  while (i < len && dks_is_fws((guchar)text[i]))
    i++;
  if (len - i < 6)
    return FALSE;
  gboolean exact = memcmp(text + i, "DMARC1", 6) == 0;
  gboolean folded = g_ascii_strncasecmp(text + i, "DMARC1", 6) == 0;
  i += 6;
  while (i < len && dks_is_fws((guchar)text[i]))
    i++;
  if (i < len && text[i] != ';')
    return FALSE;
  *wrong_case = folded && !exact;
  return exact;
}

static const char *
dmarc_policy_word(const DksTag *tag)
{
  static const char *const words[] = { "none", "quarantine", "reject" };
  for (gsize i = 0; i < G_N_ELEMENTS(words); i++) {
    if (tag->value_len == strlen(words[i]) && g_ascii_strcasecmp(tag->value, words[i]) == 0)
      return words[i];
  }
  return NULL;
}

static void
record_policy(RecordParse *rp, const DksTag *tag, const char **word, gboolean *bad)
{
  *word = dmarc_policy_word(tag);
  if (*word != NULL)
    return;
  *bad = TRUE;
  g_autofree char *have = dmarc_quote_tag(tag);
  dks_findings_add(rp->dmarc->findings, DKS_FINDING_WARNING, tag->name,
                   "RFC 7489 §6.3 %s=: want none, quarantine or reject, have '%s'",
                   tag->name, have);
}

static void
record_p(RecordParse *rp, const DksTag *tag)
{
  record_policy(rp, tag, &rp->p, &rp->p_bad);
}

static void
record_sp(RecordParse *rp, const DksTag *tag)
{
  record_policy(rp, tag, &rp->sp, &rp->sp_bad);
}

/* adkim= and aspf=: "r" or "s" (§6.3). */
static gboolean
record_alignment_mode(RecordParse *rp, const DksTag *tag)
{
  if (tag->value_len == 1 && g_ascii_tolower(tag->value[0]) == 's')
    return TRUE;
  if (tag->value_len == 1 && g_ascii_tolower(tag->value[0]) == 'r')
    return FALSE;
  g_autofree char *have = dmarc_quote_tag(tag);
  dks_findings_add(rp->dmarc->findings, DKS_FINDING_WARNING, tag->name,
                   "RFC 7489 §6.3 %s=: want 'r' (relaxed) or 's' (strict), have '%s'; "
                   "relaxed is used", tag->name, have);
  return FALSE;
}

static void
record_adkim(RecordParse *rp, const DksTag *tag)
{
  rp->dmarc->strict_dkim = record_alignment_mode(rp, tag);
}

static void
record_aspf(RecordParse *rp, const DksTag *tag)
{
  rp->dmarc->strict_spf = record_alignment_mode(rp, tag);
}

/* 1*DIGIT no larger than max; FALSE for anything else. */
static gboolean
dmarc_parse_uint(const char *s, gsize len, guint64 max, guint64 *out)
{
  guint64 v = 0;
  if (len == 0 || len > 20)
    return FALSE;
  for (gsize i = 0; i < len; i++) {
    if (!g_ascii_isdigit((guchar)s[i]))
      return FALSE;
    v = v * 10 + (guint64)(s[i] - '0');
    if (v > max)
      return FALSE;
  }
  *out = v;
  return TRUE;
}

static void
record_pct(RecordParse *rp, const DksTag *tag)
{
  guint64 pct = 0;
  if (dmarc_parse_uint(tag->value, tag->value_len, 100, &pct)) {
    rp->dmarc->pct = (guint)pct;
    return;
  }
  g_autofree char *have = dmarc_quote_tag(tag);
  dks_findings_add(rp->dmarc->findings, DKS_FINDING_WARNING, "pct",
                   "RFC 7489 §6.3 pct=: want an integer from 0 to 100, have '%s'; 100 is "
                   "used", have);
}

static void
record_ri(RecordParse *rp, const DksTag *tag)
{
  guint64 ri = 0;
  if (dmarc_parse_uint(tag->value, tag->value_len, G_MAXUINT32, &ri))
    return;
  g_autofree char *have = dmarc_quote_tag(tag);
  dks_findings_add(rp->dmarc->findings, DKS_FINDING_WARNING, "ri",
                   "RFC 7489 §6.3 ri=: want seconds (a 32-bit integer), have '%s'", have);
}

/* dmarc-uri = URI [ "!" 1*DIGIT [ "k" / "m" / "g" / "t" ] ] (§6.4). */
static gboolean
dmarc_is_uri(const char *uri)
{
  gsize len = strlen(uri);
  const char *bang = strrchr(uri, '!');
  if (bang != NULL) {
    const char *size = bang + 1;
    gsize n = strlen(size);
    if (n > 0 && strchr("kmgtKMGT", size[n - 1]) != NULL)
      n--;
    guint64 ignored = 0;
    if (!dmarc_parse_uint(size, n, G_MAXUINT64 / 10, &ignored))
      return FALSE;
    len = (gsize)(bang - uri);
  }
  gsize i = 0;
  if (len == 0 || !g_ascii_isalpha((guchar)uri[0]))
    return FALSE;
  while (i < len && (g_ascii_isalnum((guchar)uri[i]) || strchr("+-.", uri[i]) != NULL))
    i++;
  if (i >= len || uri[i] != ':' || i + 1 >= len)
    return FALSE;
  for (i++; i < len; i++) {
    guchar c = (guchar)uri[i];
    if (c <= 0x20 || c >= 0x7f)
      return FALSE;
  }
  return TRUE;
}

static gboolean
record_uri_list(RecordParse *rp, const DksTag *tag)
{
  gboolean cut = FALSE, any_valid = FALSE;
  g_autoptr(GPtrArray) uris = dks_tag_split(tag, ',', DKS_MAX_TAGS, &cut);
  for (guint i = 0; i < uris->len; i++) {
    const char *uri = g_ptr_array_index(uris, i);
    g_autofree char *q = dks_quote_bytes(uri, strlen(uri), DMARC_QUOTE_MAX);
    if (!dmarc_is_uri(uri)) {
      dks_findings_add(rp->dmarc->findings, DKS_FINDING_WARNING, tag->name,
                       "RFC 7489 §6.4 %s=: entry %u '%s' is no URI (want e.g. "
                       "'mailto:dmarc@%s')", tag->name, i + 1, q,
                       rp->dmarc->org_domain != NULL ? rp->dmarc->org_domain : "example.com");
      continue;
    }
    any_valid = TRUE;
    if (g_ascii_strncasecmp(uri, "mailto:", 7) != 0)
      dks_findings_add(rp->dmarc->findings, DKS_FINDING_NOTE, tag->name,
                       "RFC 7489 §6.2 %s=: '%s' is not a mailto: URI; receivers need "
                       "only support mailto:", tag->name, q);
  }
  if (cut)
    dks_findings_add(rp->dmarc->findings, DKS_FINDING_NOTE, tag->name,
                     "%s= lists more than %u URIs; the rest were not checked",
                     tag->name, DKS_MAX_TAGS);
  return any_valid;
}

static void
record_rua(RecordParse *rp, const DksTag *tag)
{
  rp->rua_valid = record_uri_list(rp, tag);
}

static void
record_ruf(RecordParse *rp, const DksTag *tag)
{
  record_uri_list(rp, tag);
}

static void
record_fo(RecordParse *rp, const DksTag *tag)
{
  g_autoptr(GPtrArray) opts = dks_tag_split(tag, ':', DKS_MAX_TAGS, NULL);
  for (guint i = 0; i < opts->len; i++) {
    const char *o = g_ptr_array_index(opts, i);
    if (strlen(o) == 1 && strchr("01dsDS", o[0]) != NULL)
      continue;
    g_autofree char *q = dks_quote_bytes(o, strlen(o), DMARC_QUOTE_MAX);
    dks_findings_add(rp->dmarc->findings, DKS_FINDING_WARNING, "fo",
                     "RFC 7489 §6.3 fo=: option '%s' is unknown (want 0, 1, d or s, "
                     "separated by ':')", q);
  }
}

static void
record_rf(RecordParse *rp, const DksTag *tag)
{
  g_autoptr(GPtrArray) formats = dks_tag_split(tag, ':', DKS_MAX_TAGS, NULL);
  for (guint i = 0; i < formats->len; i++) {
    const char *f = g_ptr_array_index(formats, i);
    if (g_ascii_strcasecmp(f, "afrf") == 0)
      continue;
    g_autofree char *q = dks_quote_bytes(f, strlen(f), DMARC_QUOTE_MAX);
    dks_findings_add(rp->dmarc->findings, DKS_FINDING_NOTE, "rf",
                     "RFC 7489 §6.3 rf=: report format '%s' is unknown (want afrf)", q);
  }
}

static void
record_v(RecordParse *rp, const DksTag *tag)
{
  (void)rp;
  (void)tag; /* checked before: dmarc_starts_with_version */
}

/* DMARCbis (draft) tags: not RFC 7489, harmless. */
static void
record_bis(RecordParse *rp, const DksTag *tag)
{
  dks_findings_add(rp->dmarc->findings, DKS_FINDING_NOTE, tag->name,
                   "%s= is a DMARCbis tag, not RFC 7489; receivers that do not know it "
                   "ignore it (§6.3)", tag->name);
}

static const struct {
  const char *name;
  void (*parse)(RecordParse *rp, const DksTag *tag);
} record_tags[] = {
  { "v", record_v },       { "p", record_p },     { "sp", record_sp },
  { "adkim", record_adkim }, { "aspf", record_aspf }, { "pct", record_pct },
  { "rua", record_rua },   { "ruf", record_ruf }, { "fo", record_fo },
  { "rf", record_rf },     { "ri", record_ri },   { "np", record_bis },
  { "psd", record_bis },   { "t", record_bis },
};

static void
record_parse_tag(RecordParse *rp, const DksTag *tag)
{
  for (gsize i = 0; i < G_N_ELEMENTS(record_tags); i++) {
    if (g_ascii_strcasecmp(record_tags[i].name, tag->name) == 0) {
      record_tags[i].parse(rp, tag);
      return;
    }
  }
  g_autofree char *q = dks_quote_bytes(tag->name, strlen(tag->name), DMARC_QUOTE_MAX);
  dks_findings_add(rp->dmarc->findings, DKS_FINDING_NOTE, tag->name,
                   "RFC 7489 §6.3: tag '%s' is unknown and ignored", q);
}

/* The first tag name that appears twice, or NULL. */
static const char *
record_duplicate(const DksTagList *list)
{
  for (guint i = 0; i < list->tags->len; i++) {
    const DksTag *a = g_ptr_array_index(list->tags, i);
    for (guint j = i + 1; j < list->tags->len; j++) {
      const DksTag *b = g_ptr_array_index(list->tags, j);
      if (g_ascii_strcasecmp(a->name, b->name) == 0)
        return a->name;
    }
  }
  return NULL;
}

/* §6.6.3 step 6: no valid p= (or a bad sp=) leaves "p=none" when rua= is
 * valid, else no DMARC at all. */
static void
record_decide(RecordParse *rp, gboolean org)
{
  DksDmarc *dmarc = rp->dmarc;
  if (rp->p == NULL || rp->sp_bad) {
    const char *what = rp->p == NULL ? (rp->p_bad ? "no valid p=" : "no p=") : "a bad sp=";
    if (rp->rua_valid) {
      dks_findings_add(dmarc->findings, DKS_FINDING_WARNING, "p",
                       "RFC 7489 §6.6.3: the record has %s but a valid rua=: receivers "
                       "act as if it said p=none", what);
      dmarc->policy = g_strdup("none");
      dmarc->status = DKS_DMARC_RECORD;
      return;
    }
    dks_findings_add(dmarc->findings, DKS_FINDING_ERROR, "p",
                     "RFC 7489 §6.6.3: the record has %s and no valid rua=: receivers "
                     "apply no DMARC policy (permerror)", what);
    dmarc->status = DKS_DMARC_PERMERROR;
    return;
  }
  /* §6.3 sp=: for subdomains of the domain queried, which an org record's
   * From domain is (the org lookup is only made for a subdomain). */
  dmarc->policy_from_sp = org && rp->sp != NULL;
  dmarc->policy = g_strdup(dmarc->policy_from_sp ? rp->sp : rp->p);
  dmarc->status = DKS_DMARC_RECORD;
}

void
dks_dmarc_set_record(DksDmarc *dmarc, const char *name, const char *text, gsize len,
                     gboolean org)
{
  g_return_if_fail(dmarc != NULL);
  if (text == NULL)
    len = 0;
  g_free(dmarc->record_name);
  dmarc->record_name = g_strdup(name);
  g_free(dmarc->record);
  dmarc->record = g_malloc(len + 1);
  if (len > 0)
    memcpy(dmarc->record, text, len);
  dmarc->record[len] = '\0';
  dmarc->record_len = len;
  dmarc->org_record = org;
  g_clear_pointer(&dmarc->policy, g_free);
  dmarc->policy_from_sp = dmarc->strict_dkim = dmarc->strict_spf = FALSE;
  dmarc->pct = 100;

  gboolean wrong_case = FALSE;
  if (!dmarc_starts_with_version(dmarc->record, len, &wrong_case)) {
    g_autofree char *have = dks_quote_bytes(dmarc->record, len, DMARC_QUOTE_MAX);
    dks_findings_add(dmarc->findings, DKS_FINDING_ERROR, "v",
                     "RFC 7489 §6.3 v=: want 'v=DMARC1' as the first tag%s, have '%s'",
                     wrong_case ? " (DMARC1 in upper case)" : "", have);
    dmarc->status = DKS_DMARC_PERMERROR;
    return;
  }

  g_autoptr(DksTagList) list = dks_tag_list_parse(dmarc->record, len, DMARC_WHAT);
  /* The tag-list's own problems are shown; whether the record still
   * works is decided below, tag by tag, as receivers do. */
  for (guint i = 0; i < list->findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(list->findings, i);
    dks_findings_add(dmarc->findings, MAX(f->level, DKS_FINDING_WARNING), f->tag, "%s",
                     f->text);
  }
  const char *dup = record_duplicate(list);
  if (dup != NULL) {
    dks_findings_add(dmarc->findings, DKS_FINDING_ERROR, dup,
                     "RFC 7489 §6.3: with a duplicate tag (%s=) the record is invalid: "
                     "receivers apply no DMARC policy (permerror)", dup);
    dmarc->status = DKS_DMARC_PERMERROR;
    return;
  }

  RecordParse rp = { .dmarc = dmarc };
  for (guint i = 0; i < list->tags->len; i++)
    record_parse_tag(&rp, g_ptr_array_index(list->tags, i));
  record_decide(&rp, org);
}

/* ---- the lookup ----------------------------------------------------------------- */

static void
lookup_finish(DmarcLookup *lookup)
{
  DksDmarc *dmarc = lookup->dmarc;
  DksDmarcDone done = lookup->done;
  gpointer user_data = lookup->user_data;
  if (lookup->idle != NULL)
    g_source_unref(lookup->idle);
  g_free(lookup);
  dmarc->lookup = NULL;
  done(dmarc, user_data); /* may free dmarc: nothing after this */
}

static gboolean
on_idle_finish(gpointer data)
{
  DmarcLookup *lookup = data;
  lookup_finish(lookup);
  return G_SOURCE_REMOVE;
}

static void
lookup_quote_records(GString *out, const GPtrArray *records)
{
  for (guint i = 0; i < records->len && i < DMARC_SHOW_RECORDS; i++) {
    GBytes *b = g_ptr_array_index((GPtrArray *)records, i);
    gsize n = 0;
    const char *data = g_bytes_get_data(b, &n);
    g_autofree char *q = dks_quote_bytes(data, n, DMARC_QUOTE_MAX);
    g_string_append_printf(out, "%s'%s'", i > 0 ? ", " : "", q);
  }
  if (records->len > DMARC_SHOW_RECORDS)
    g_string_append(out, ", …");
}

/* What one answer says.  TRUE when it decides (a record, several, a
 * failure); FALSE when there is no DMARC record at that name. */
static gboolean
lookup_consider(DksDmarc *dmarc, const DksDnsAnswer *answer, gboolean org)
{
  switch (answer->outcome) {
  case DKS_DNS_ANSWER:
    break;
  case DKS_DNS_NXDOMAIN:
  case DKS_DNS_NODATA:
    if (answer->outside_zones)
      dks_findings_add(dmarc->findings, DKS_FINDING_NOTE, NULL,
                       "%s is under no loaded zone: the offline answer says nothing "
                       "about the real DNS", answer->qname);
    return FALSE;
  default:
    dks_findings_add(dmarc->findings, DKS_FINDING_WARNING, NULL,
                     "RFC 7489 §6.6.3: the lookup of %s ended in %s; receivers report "
                     "dmarc=temperror and may try again later",
                     answer->qname, dks_dns_outcome_name(answer->outcome));
    dmarc->status = DKS_DMARC_TEMPERROR;
    return TRUE;
  }

  g_autoptr(GPtrArray) records = g_ptr_array_new();
  guint others = 0;
  for (guint i = 0; answer->txt != NULL && i < answer->txt->len; i++) {
    const DksTxtRecord *txt = g_ptr_array_index(answer->txt, i);
    gsize n = 0;
    const char *data = g_bytes_get_data(txt->joined, &n);
    gboolean wrong_case = FALSE;
    if (dmarc_starts_with_version(data, n, &wrong_case)) {
      g_ptr_array_add(records, txt->joined);
      continue;
    }
    others++;
    if (wrong_case) {
      g_autofree char *q = dks_quote_bytes(data, n, DMARC_QUOTE_MAX);
      dks_findings_add(dmarc->findings, DKS_FINDING_WARNING, "v",
                       "RFC 7489 §6.3 v=: '%s' at %s says DMARC1 in lower case; the "
                       "value must be 'DMARC1', so receivers ignore the record",
                       q, answer->qname);
    }
  }
  if (records->len == 0) {
    dks_findings_add(dmarc->findings, DKS_FINDING_NOTE, NULL,
                     "RFC 7489 §6.6.3: %u TXT record%s at %s, none starting with "
                     "'v=DMARC1'; ignored", others, others == 1 ? "" : "s", answer->qname);
    return FALSE;
  }
  if (records->len > 1) {
    g_autoptr(GString) list = g_string_new(NULL);
    lookup_quote_records(list, records);
    dks_findings_add(dmarc->findings, DKS_FINDING_ERROR, NULL,
                     "RFC 7489 §6.6.3: %u DMARC records at %s (want one): receivers "
                     "apply no DMARC policy; they are %s", records->len, answer->qname,
                     list->str);
    g_free(dmarc->record_name);
    dmarc->record_name = g_strdup(answer->qname);
    dmarc->org_record = org;
    dmarc->status = DKS_DMARC_MULTIPLE;
    return TRUE;
  }
  gsize n = 0;
  const char *data = g_bytes_get_data(g_ptr_array_index(records, 0), &n);
  dks_dmarc_set_record(dmarc, answer->qname, data, n, org);
  return TRUE;
}

static void
on_org_answer(DksDnsAnswer *answer, gpointer data)
{
  DmarcLookup *lookup = data;
  DksDmarc *dmarc = lookup->dmarc;
  if (dmarc == NULL) {
    dks_dns_answer_free(answer);
    dmarc_lookup_drop(lookup);
    return;
  }
  dmarc->org_dns = answer;
  if (!lookup_consider(dmarc, answer, TRUE))
    dmarc->status = DKS_DMARC_NONE;
  lookup_finish(lookup);
}

static void
on_from_answer(DksDnsAnswer *answer, gpointer data)
{
  DmarcLookup *lookup = data;
  DksDmarc *dmarc = lookup->dmarc;
  if (dmarc == NULL) {
    dks_dns_answer_free(answer);
    dmarc_lookup_drop(lookup);
    return;
  }
  dmarc->dns = answer;
  if (lookup_consider(dmarc, answer, FALSE)) {
    lookup_finish(lookup);
    return;
  }
  if (dmarc->org_domain == NULL || strcmp(dmarc->org_domain, dmarc->from_domain) == 0) {
    dmarc->status = DKS_DMARC_NONE;
    lookup_finish(lookup);
    return;
  }
  g_autofree char *qname = g_strconcat(DMARC_PREFIX, dmarc->org_domain, NULL);
  dks_resolver_lookup_txt_full(lookup->resolver, qname, on_org_answer, lookup,
                               on_dns_cancelled);
}

void
dks_dmarc_lookup(DksDmarc *dmarc, DksResolver *resolver, DksDmarcDone done,
                 gpointer user_data, GDestroyNotify cancelled)
{
  g_return_if_fail(dmarc != NULL && resolver != NULL && done != NULL);
  g_return_if_fail(dmarc->lookup == NULL);

  dmarc_clear_policy(dmarc);
  DmarcLookup *lookup = g_new0(DmarcLookup, 1);
  lookup->dmarc = dmarc;
  lookup->resolver = resolver;
  lookup->done = done;
  lookup->user_data = user_data;
  lookup->cancelled = cancelled;
  dmarc->lookup = lookup;

  if (dmarc->from_domain == NULL) {
    dmarc->status = DKS_DMARC_NO_DOMAIN;
    /* done must not run inside this call: an idle on the caller's context */
    g_autoptr(GMainContext) context = g_main_context_ref_thread_default();
    lookup->idle = g_idle_source_new();
    g_source_set_callback(lookup->idle, on_idle_finish, lookup, NULL);
    g_source_attach(lookup->idle, context);
    return;
  }
  g_autofree char *qname = g_strconcat(DMARC_PREFIX, dmarc->from_domain, NULL);
  dks_resolver_lookup_txt_full(resolver, qname, on_from_answer, lookup, on_dns_cancelled);
}
