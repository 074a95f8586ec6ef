/* report.c — prints a DksRun.  Reads the run const and takes every word
 * from help/, so the report and the UI can never disagree.  Every string
 * that may hold input bytes goes through dks_sanitize(). */
#include "tui/report.h"

#include "help/guidance.h"
#include "help/texts.h"
#include "parse/finding.h"
#include "tui/jsonw.h"
#include "tui/sanitize.h"

/* ---------- text ---------- */

/* Where a line may break inside a long word: after these (DNS names,
 * header lists, URLs).  Spaces are preferred; base64 is cut anywhere. */
static gboolean
is_soft_break(char c)
{
  return c == '.' || c == '/' || c == ':' || c == ';' || c == ',' || c == '-';
}

/* Length in bytes of the next line of p, at most avail characters: up to the
 * last space, else after the last soft break, else a hard cut. */
static gsize
next_line_length(const char *p, guint avail)
{
  const char *end = p, *space = NULL, *soft = NULL;
  guint chars = 0;
  while (*end != '\0' && chars < avail) {
    if (*end == ' ')
      space = end;
    else if (is_soft_break(*end))
      soft = end + 1;
    end = g_utf8_next_char(end);
    chars++;
  }
  if (*end == '\0')
    return end - p;
  if (space != NULL && space > p)
    return space - p;
  if (soft != NULL && soft - p > (gssize)avail / 3)
    return soft - p;
  return end - p;
}

/* Appends text wrapped at width, every line starting with indent; lines
 * after the first get hang extra spaces.  Columns are counted in
 * characters. */
static void
append_wrapped(GString *out, const char *text, guint indent, guint hang,
               guint width)
{
  guint col_start = indent;
  const char *p = text;
  gboolean first = TRUE;

  while (*p != '\0' || first) {
    guint avail = width > col_start + 20 ? width - col_start : 20;
    gsize len = next_line_length(p, avail);
    g_string_append_printf(out, "%*s", (int)col_start, "");
    g_string_append_len(out, p, len);
    g_string_append_c(out, '\n');
    p += len;
    while (*p == ' ')
      p++;
    if (first) {
      col_start = indent + hang;
      first = FALSE;
    }
  }
}

static void
append_field(GString *out, const char *label, const char *value,
             const DksReportOptions *opt)
{
  g_autofree char *clean = dks_sanitize(value, -1, opt->ascii_only);
  g_autofree char *line = g_strdup_printf("%-9s %s", label, clean);
  append_wrapped(out, line, 2, 10, opt->width);
}

/* The head of a lookup's report: what was asked, and of whom. */
static void
text_lookup(GString *out, const DksRun *run, const DksReportOptions *opt)
{
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  g_string_append_printf(out, "dkimscope report: selector lookup %s\n", sr->key_name);
  append_field(out, "Selector:", sr->sig->selector, opt);
  append_field(out, "Domain:", sr->sig->domain, opt);
  g_autofree char *query = g_strdup_printf("%s TXT (no message: only the published "
                                           "key is checked)", sr->key_name);
  append_field(out, "Query:", query, opt);
  if (opt->resolver)
    append_field(out, "DNS:", opt->resolver, opt);
}

static void
text_message(GString *out, const DksRun *run, const DksReportOptions *opt)
{
  const DksMessage *msg = run->msg;
  if (msg == NULL) {
    text_lookup(out, run, opt);
    return;
  }
  g_autofree char *title = dks_sanitize(opt->file, -1, opt->ascii_only);
  g_string_append_printf(out, "dkimscope report: %s\n", title);
  append_field(out, "From:", msg->from_display ? msg->from_display : "(none)", opt);
  append_field(out, "Subject:", msg->subject_display ? msg->subject_display : "(none)", opt);
  append_field(out, "Date:", msg->date_display ? msg->date_display : "(none)", opt);
  gsize body_len = 0;
  dks_message_body(msg, &body_len);
  g_autofree char *input = dks_message_has_body(msg)
    ? g_strdup_printf("%u header fields, body of %" G_GSIZE_FORMAT " octets",
                      msg->headers->len, body_len)
    : g_strdup_printf("%u header fields, no body (headers only)", msg->headers->len);
  append_field(out, "Input:", input, opt);
  if (opt->resolver)
    append_field(out, "DNS:", opt->resolver, opt);
  g_autofree char *sigs = g_strdup_printf("%u DKIM-Signature field(s)", run->sigs->len);
  append_field(out, "Found:", sigs, opt);
  for (guint i = 0; msg->findings && i < msg->findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(msg->findings, i);
    append_field(out, "Note:", f->text, opt);
  }
}

static void
text_step(GString *out, const DksStep *step, const DksReportOptions *opt)
{
  g_autofree char *summary = dks_sanitize(step->summary ? step->summary : "", -1,
                                          opt->ascii_only);
  const char *symbol = dks_status_symbol(step->status, !opt->ascii_only);
  g_autofree char *head = g_strdup_printf("%s %s: %s", symbol,
                                          dks_help_check_title(step->check), summary);
  append_wrapped(out, head, 2, 5, opt->width);
  for (guint i = 0; i < step->evidence->len; i++) {
    g_autofree char *line = dks_sanitize(g_ptr_array_index(step->evidence, i), -1,
                                         opt->ascii_only);
    append_wrapped(out, line, 7, 2, opt->width);
  }
}

/* Appends a multi-line text: lines that start with spaces (a record to
 * publish, a command) are kept unwrapped so they can be copied whole. */
static void
append_block(GString *out, const char *text, guint indent, const DksReportOptions *opt)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  for (char **l = lines; *l; l++) {
    g_autofree char *clean = dks_sanitize(*l, -1, opt->ascii_only);
    if (clean[0] == ' ')
      g_string_append_printf(out, "%*s%s\n", (int)indent, "", clean);
    else
      append_wrapped(out, clean, indent, 3, opt->width);
  }
}

static void
append_labelled(GString *out, const char *label, const char *text,
                const DksReportOptions *opt)
{
  if (text == NULL || text[0] == '\0')
    return;
  g_string_append_printf(out, "  %s\n", label);
  append_block(out, text, 4, opt);
}

static void
text_guidance(GString *out, const DksRun *run, const DksSigRun *sr,
              const DksReportOptions *opt)
{
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
  g_autofree char *result = g_strdup_printf("Result: %s (%s)", dks_result_name(sr->result),
                                            dks_reason_name(sr->reason));
  append_wrapped(out, result, 2, 2, opt->width);
  append_block(out, g->verdict_line, 2, opt);
  if (g->party != DKS_PARTY_NONE && g->who != NULL) {
    g_autofree char *who = g_strdup_printf("Who must act: %s", g->who);
    append_block(out, who, 2, opt);
  }
  if (g->provider != NULL) {
    g_autofree char *provider = g_strdup_printf("Sender's platform: %s%s", g->provider->name,
                                                g->provider_match == DKS_PROVIDER_MATCH_SELECTOR
                                                  ? " (guessed from the selector name)" : "");
    append_wrapped(out, provider, 2, 2, opt->width);
  }
  append_labelled(out, "Why:", g->explanation, opt);
  append_labelled(out, "What to do:", g->fix, opt);
  append_labelled(out, "Check afterwards:", g->check_after, opt);
  append_labelled(out, "Receiving side:", g->receiver_note, opt);
  append_labelled(out, "Good to know:", g->notes, opt);
}

static void
text_clues(GString *out, const DksSigRun *sr, const DksReportOptions *opt)
{
  if (sr->clues->len == 0)
    return;
  g_string_append(out, "\n  What changed (a diagnosis, not a verdict):\n");
  for (guint i = 0; i < sr->clues->len; i++) {
    const DksClue *clue = g_ptr_array_index(sr->clues, i);
    g_autofree char *head = g_strdup_printf("%s %s", opt->ascii_only ? "*" : "\u2022",
                                            clue->summary);
    g_autofree char *clean = dks_sanitize(head, -1, opt->ascii_only);
    append_wrapped(out, clean, 4, 2, opt->width);
    for (guint j = 0; j < clue->evidence->len; j++) {
      g_autofree char *line = dks_sanitize(g_ptr_array_index(clue->evidence, j), -1,
                                           opt->ascii_only);
      append_wrapped(out, line, 6, 2, opt->width);
    }
  }
}

static void
text_signature(GString *out, const DksRun *run, const DksSigRun *sr,
               const DksReportOptions *opt)
{
  const DksSignature *sig = sr->sig;
  g_autofree char *head = dks_run_is_lookup(run)
    ? g_strdup_printf("Key %s", sr->key_name)
    : g_strdup_printf("Signature %u of %u: d=%s s=%s a=%s", sig->index + 1, run->sigs->len,
                      sig->domain ? sig->domain : "(none)",
                      sig->selector ? sig->selector : "(none)",
                      sig->algorithm_name ? sig->algorithm_name : "(none)");
  g_autofree char *clean = dks_sanitize(head, -1, opt->ascii_only);
  g_string_append_c(out, '\n');
  append_wrapped(out, clean, 0, 2, opt->width);
  text_guidance(out, run, sr, opt);
  g_string_append_c(out, '\n');
  for (int c = 0; c < DKS_CHECK_COUNT; c++)
    if (dks_sig_run_has_step(sr, (DksCheckId)c))
      text_step(out, &sr->steps[c], opt);
  text_clues(out, sr, opt);
}

static void
text_dmarc(GString *out, const DksRun *run, const DksReportOptions *opt)
{
  const DksDmarc *d = run->dmarc;
  if (d == NULL)
    return;
  g_string_append(out, "\nDMARC (RFC 7489)\n");
  if (d->from_domain == NULL) {
    g_autofree char *line = g_strdup_printf("No single From domain: %s",
                                            d->problem ? d->problem : "none found");
    append_block(out, line, 2, opt);
    return;
  }
  g_autofree char *from = g_strdup_printf("From domain %s (organisational domain %s)",
                                          d->from_domain,
                                          d->org_domain ? d->org_domain : "unknown");
  append_block(out, from, 2, opt);
  g_autofree char *policy = NULL;
  switch (d->status) {
  case DKS_DMARC_RECORD:
    policy = g_strdup_printf("policy p=%s%s at %s; DKIM alignment %s", d->policy,
                             d->policy_from_sp ? " (the sp= of the organisational record)" : "",
                             d->record_name, d->strict_dkim ? "strict (adkim=s)" : "relaxed");
    break;
  case DKS_DMARC_NONE:
    policy = g_strdup("no DMARC record: receivers apply no DMARC policy");
    break;
  default:
    policy = g_strdup_printf("DMARC status: %s", dks_dmarc_status_name(d->status));
    break;
  }
  append_block(out, policy, 2, opt);
  gboolean aligned_pass = FALSE;
  for (guint i = 0; i < run->sigs->len; i++) {
    const DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    aligned_pass |= sr->result == DKS_RESULT_PASS && sr->sig->domain != NULL &&
                    dks_dmarc_alignment(d, sr->sig->domain) != DKS_ALIGN_NONE;
  }
  if (d->status == DKS_DMARC_RECORD)
    append_block(out, dks_help_dmarc_meaning(d->policy, aligned_pass), 2, opt);
  for (guint i = 0; i < run->sigs->len; i++) {
    const DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    if (sr->sig->domain == NULL)
      continue;
    DksAlignment a = dks_dmarc_alignment(d, sr->sig->domain);
    g_autofree char *line = g_strdup_printf(
      "signature %u (d=%s, %s): %s%s", i + 1, sr->sig->domain, dks_result_name(sr->result),
      a == DKS_ALIGN_NONE ? "not aligned with the From domain"
                          : a == DKS_ALIGN_STRICT ? "aligned (same domain)"
                                                  : "aligned (same organisational domain)",
      a != DKS_ALIGN_NONE && sr->result == DKS_RESULT_PASS ? ": DMARC can pass on it" : "");
    append_block(out, line, 2, opt);
  }
  for (guint i = 0; d->findings && i < d->findings->len; i++)
    append_block(out, ((const DksFinding *)g_ptr_array_index(d->findings, i))->text, 2, opt);
}

static void
text_authres(GString *out, const DksRun *run, const DksReportOptions *opt)
{
  if (run->authres == NULL || run->authres->len == 0)
    return;
  g_string_append(out, "\nWhat receiving servers recorded (Authentication-Results, newest "
                       "first)\n");
  for (guint i = 0; i < run->authres->len; i++) {
    const DksAuthResults *ar = g_ptr_array_index(run->authres, i);
    for (guint j = 0; j < ar->results->len; j++) {
      const DksAuthResult *r = g_ptr_array_index(ar->results, j);
      if (g_strcmp0(r->method, "dkim") != 0 && g_strcmp0(r->method, "dmarc") != 0)
        continue;
      g_autofree char *line = g_strdup_printf(
        "%s%s: %s=%s%s%s%s%s%s", ar->arc ? "ARC " : "",
        ar->authserv_id ? ar->authserv_id : "(no server name)", r->method,
        r->result ? r->result : "?", r->header_d ? " header.d=" : "",
        r->header_d ? r->header_d : "", r->comment ? " (" : "",
        r->comment ? r->comment : "", r->comment ? ")" : "");
      append_block(out, line, 2, opt);
      const DksSigRun *live = dks_run_signature_for_authres(run, r);
      if (live == NULL)
        continue;
      const char *why = dks_help_authres_difference(r->result, live->result, live->reason);
      g_autofree char *now = g_strdup_printf(
        "live now: %s (%s)%s%s", dks_result_name(live->result), dks_reason_name(live->reason),
        why ? ": " : ", the same", why ? why : "");
      append_wrapped(out, now, 4, 2, opt->width);
    }
  }
}

void
dks_report_text(GString *out, const DksRun *run, const DksReportOptions *opt_in)
{
  DksReportOptions opt = *opt_in;
  if (opt.width == 0)
    opt.width = 80;
  text_message(out, run, &opt);
  if (run->sigs->len == 0) {
    g_string_append(out, "\nResult: none (the message has no DKIM-Signature field)\n");
    append_wrapped(out, "Nothing to verify: the sender did not sign this message "
                   "with DKIM, or a system on the way removed the signature.",
                   2, 2, opt.width);
  }
  for (guint i = 0; i < run->sigs->len; i++)
    text_signature(out, run, g_ptr_array_index(run->sigs, i), &opt);
  text_dmarc(out, run, &opt);
  text_authres(out, run, &opt);
  DksResult overall = dks_run_overall(run);
  g_string_append_printf(out, "\nOverall: %s\n", dks_run_is_lookup(run)
                                                   ? dks_help_lookup_result_words(overall)
                                                   : dks_help_result_words(overall));
}

void
dks_report_advice(GString *out, const DksRun *run, const DksReportOptions *opt)
{
  g_autofree char *advice = dks_advice_text(run);
  if (advice == NULL) {
    if (dks_run_is_lookup(run)) {
      const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
      g_string_append_printf(out, "%s: nothing to fix: a usable key is published\n",
                             sr->key_name);
      return;
    }
    g_autofree char *file = dks_sanitize(opt->file, -1, opt->ascii_only);
    g_string_append_printf(out, "%s: nothing to fix: every DKIM signature verifies%s\n",
                           file, run->sigs->len == 0 ? " (there is none)" : "");
    return;
  }
  g_autofree char *clean = dks_sanitize_text(advice, opt->ascii_only);
  g_string_append(out, clean);
  if (!g_str_has_suffix(clean, "\n"))
    g_string_append_c(out, '\n');
}

/* ---------- JSON ---------- */

/* The report's JSON is written by tui/jsonw.c, not built as a json-glib
 * tree: see there why.  Every string value that may hold input bytes is
 * sanitized first, as for the text report. */

/* A sanitized string value (NULL as ""): printable ASCII is its own
 * sanitized form (dks_sanitize copies it through), so only other strings
 * are copied. */
static void
json_clean_value(DksJsonWriter *w, const char *value)
{
  const char *p = value != NULL ? value : "";
  value = p;
  while ((guchar)*p >= 0x20 && (guchar)*p < 0x7f)
    p++;
  if (*p == '\0') {
    dks_jsonw_string_len(w, value, p - value);
    return;
  }
  g_autofree char *clean = dks_sanitize(value, -1, FALSE);
  dks_jsonw_string(w, clean);
}

static void
json_string(DksJsonWriter *w, const char *key, const char *value)
{
  dks_jsonw_member(w, key);
  if (value == NULL)
    dks_jsonw_null(w);
  else
    json_clean_value(w, value);
}

static void
json_strings(DksJsonWriter *w, const char *key, const GPtrArray *values)
{
  dks_jsonw_member(w, key);
  dks_jsonw_begin_array(w);
  for (guint i = 0; values && i < values->len; i++)
    json_clean_value(w, g_ptr_array_index(values, i));
  dks_jsonw_end_array(w);
}

static void
json_dns_answer(DksJsonWriter *w, const DksDnsAnswer *dns)
{
  dks_jsonw_begin_object(w);
  json_string(w, "query", dns->qname);
  json_string(w, "rcode", dns->rcode < 0 ? NULL : dks_dns_rcode_name(dns->rcode));
  json_string(w, "outcome", dks_dns_outcome_name(dns->outcome));
  dks_jsonw_member(w, "cname_chain");
  dks_jsonw_begin_array(w);
  for (guint i = 0; dns->cname_chain && i < dns->cname_chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(dns->cname_chain, i);
    dks_jsonw_begin_object(w);
    json_string(w, "owner", hop->owner);
    json_string(w, "target", hop->target);
    dks_jsonw_member(w, "ttl");
    dks_jsonw_int(w, hop->ttl);
    dks_jsonw_end_object(w);
  }
  dks_jsonw_end_array(w);
  dks_jsonw_member(w, "txt_records");
  dks_jsonw_int(w, dns->txt ? dns->txt->len : 0);
  json_string(w, "dnssec", dks_dnssec_name(dns->dnssec));
  json_string(w, "dnssec_note", dns->dnssec_note);
  dks_jsonw_member(w, "resolver_ad");
  dks_jsonw_bool(w, dns->resolver_ad);
  dks_jsonw_member(w, "negative_ttl");
  if (dns->has_negative_ttl)
    dks_jsonw_int(w, dns->negative_ttl);
  else
    dks_jsonw_null(w);
  dks_jsonw_member(w, "size");
  dks_jsonw_int(w, dns->answer_size);
  dks_jsonw_member(w, "ms");
  dks_jsonw_int(w, dns->elapsed_us / 1000);
  json_string(w, "resolver", dns->resolver);
  json_string(w, "dig", dns->dig_command);
  json_string(w, "error", dns->error);
  dks_jsonw_end_object(w);
}

static void
json_dns(DksJsonWriter *w, const DksSigRun *sr)
{
  dks_jsonw_member(w, "dns");
  if (sr->dns == NULL) {
    dks_jsonw_null(w);
  } else {
    json_dns_answer(w, sr->dns);
  }
  dks_jsonw_member(w, "dns_authoritative");
  if (sr->authoritative == NULL)
    dks_jsonw_null(w);
  else
    json_dns_answer(w, sr->authoritative);
}

static const char *
tri_name(DksTri tri, const char *yes, const char *no)
{
  return tri == DKS_TRI_YES ? yes : tri == DKS_TRI_NO ? no : "not-checked";
}

static void
json_steps(DksJsonWriter *w, const DksSigRun *sr)
{
  dks_jsonw_member(w, "steps");
  dks_jsonw_begin_array(w);
  for (int c = 0; c < DKS_CHECK_COUNT; c++) {
    const DksStep *step = &sr->steps[c];
    if (!dks_sig_run_has_step(sr, step->check))
      continue;
    dks_jsonw_begin_object(w);
    json_string(w, "id", dks_check_id_name(step->check));
    json_string(w, "status", dks_status_name(step->status));
    json_string(w, "title", dks_help_check_title(step->check));
    json_string(w, "summary", step->summary);
    json_string(w, "reason", step->reason ? dks_reason_name(step->reason) : NULL);
    json_strings(w, "evidence", step->evidence);
    dks_jsonw_end_object(w);
  }
  dks_jsonw_end_array(w);
}

static void
json_clues(DksJsonWriter *w, const DksSigRun *sr)
{
  dks_jsonw_member(w, "clues");
  dks_jsonw_begin_array(w);
  for (guint i = 0; i < sr->clues->len; i++) {
    const DksClue *clue = g_ptr_array_index(sr->clues, i);
    dks_jsonw_begin_object(w);
    json_string(w, "kind", dks_clue_kind_name(clue->kind));
    json_string(w, "party", dks_party_name(clue->party));
    json_string(w, "summary", clue->summary);
    json_strings(w, "evidence", clue->evidence);
    dks_jsonw_end_object(w);
  }
  dks_jsonw_end_array(w);
}

static void
json_guidance(DksJsonWriter *w, const DksRun *run, const DksSigRun *sr)
{
  g_autoptr(DksGuidance) g = dks_guidance_new(run, sr);
  json_string(w, "party", dks_party_name(g->party));
  json_string(w, "who", g->who);
  json_string(w, "provider", g->provider ? g->provider->id : NULL);
  json_string(w, "verdict_line", g->verdict_line);
  json_string(w, "explanation", g->explanation);
  json_string(w, "fix", g->fix);
  json_string(w, "check_after", g->check_after);
  json_string(w, "receiver_note", g->receiver_note);
  json_string(w, "refinement", g->refinement);
  if (run->dmarc != NULL && run->dmarc->from_domain != NULL && sr->sig->domain != NULL)
    json_string(w, "dmarc_alignment",
                dks_alignment_name(dks_dmarc_alignment(run->dmarc, sr->sig->domain)));
  else
    json_string(w, "dmarc_alignment", NULL);
}

static void
json_signature(DksJsonWriter *w, const DksRun *run, const DksSigRun *sr)
{
  const DksSignature *sig = sr->sig;
  dks_jsonw_begin_object(w);
  dks_jsonw_member(w, "index");
  dks_jsonw_int(w, sig->index);
  json_string(w, "domain", sig->domain);
  json_string(w, "selector", sig->selector);
  json_string(w, "algorithm", sig->algorithm_name);
  json_string(w, "result", dks_result_name(sr->result));
  json_string(w, "reason", dks_reason_name(sr->reason));
  json_string(w, "header_signature", tri_name(sr->header_valid, "valid", "invalid"));
  json_string(w, "body_hash", tri_name(sr->body_hash_match, "match", "mismatch"));
  json_string(w, "key_name", sr->key_name);
  json_guidance(w, run, sr);
  json_dns(w, sr);
  json_steps(w, sr);
  json_clues(w, sr);
  dks_jsonw_end_object(w);
}

static void
json_dmarc(DksJsonWriter *w, const DksDmarc *d)
{
  dks_jsonw_member(w, "dmarc");
  if (d == NULL) {
    dks_jsonw_null(w);
    return;
  }
  dks_jsonw_begin_object(w);
  json_string(w, "from_domain", d->from_domain);
  json_string(w, "org_domain", d->org_domain);
  json_string(w, "problem", d->problem);
  json_string(w, "status", dks_dmarc_status_name(d->status));
  json_string(w, "record_name", d->record_name);
  json_string(w, "record", d->record);
  json_string(w, "policy", d->policy);
  json_string(w, "adkim", d->strict_dkim ? "s" : "r");
  dks_jsonw_member(w, "pct");
  dks_jsonw_int(w, d->pct);
  dks_jsonw_member(w, "findings");
  dks_jsonw_begin_array(w);
  for (guint i = 0; d->findings && i < d->findings->len; i++)
    json_clean_value(w, ((const DksFinding *)g_ptr_array_index(d->findings, i))->text);
  dks_jsonw_end_array(w);
  dks_jsonw_end_object(w);
}

static void
json_authres(DksJsonWriter *w, const DksRun *run)
{
  const GPtrArray *authres = run->authres;
  dks_jsonw_member(w, "authentication_results");
  dks_jsonw_begin_array(w);
  for (guint i = 0; authres && i < authres->len; i++) {
    const DksAuthResults *ar = g_ptr_array_index(authres, i);
    dks_jsonw_begin_object(w);
    json_string(w, "authserv_id", ar->authserv_id);
    dks_jsonw_member(w, "arc");
    dks_jsonw_bool(w, ar->arc);
    dks_jsonw_member(w, "arc_instance");
    dks_jsonw_int(w, ar->arc_instance);
    dks_jsonw_member(w, "results");
    dks_jsonw_begin_array(w);
    for (guint j = 0; j < ar->results->len; j++) {
      const DksAuthResult *r = g_ptr_array_index(ar->results, j);
      dks_jsonw_begin_object(w);
      json_string(w, "method", r->method);
      json_string(w, "result", r->result);
      json_string(w, "reason", r->reason);
      json_string(w, "comment", r->comment);
      json_string(w, "header_d", r->header_d);
      json_string(w, "header_s", r->header_s);
      json_string(w, "header_b", r->header_b);
      json_strings(w, "properties", r->props);
      /* The "index" of the live signature this dkim result is about, so a
       * script can set the two side by side; null when none can be told. */
      const DksSigRun *live = dks_run_signature_for_authres(run, r);
      dks_jsonw_member(w, "signature_index");
      if (live != NULL)
        dks_jsonw_int(w, live->sig->index);
      else
        dks_jsonw_null(w);
      dks_jsonw_end_object(w);
    }
    dks_jsonw_end_array(w);
    dks_jsonw_end_object(w);
  }
  dks_jsonw_end_array(w);
}

/* "lookup": what a message-less run asked for, else null. */
static void
json_lookup(DksJsonWriter *w, const DksRun *run)
{
  dks_jsonw_member(w, "lookup");
  if (!dks_run_is_lookup(run)) {
    dks_jsonw_null(w);
    return;
  }
  const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
  dks_jsonw_begin_object(w);
  json_string(w, "selector", sr->sig->selector);
  json_string(w, "domain", sr->sig->domain);
  json_string(w, "key_name", sr->key_name);
  dks_jsonw_end_object(w);
}

static void
json_message(DksJsonWriter *w, const DksMessage *msg)
{
  dks_jsonw_member(w, "message");
  if (msg == NULL) {
    dks_jsonw_null(w);
    return;
  }
  dks_jsonw_begin_object(w);
  json_string(w, "from", msg->from_display);
  json_string(w, "subject", msg->subject_display);
  json_string(w, "date", msg->date_display);
  dks_jsonw_member(w, "headers_only");
  dks_jsonw_bool(w, (msg->flags & DKS_MESSAGE_HEADERS_ONLY) != 0);
  dks_jsonw_member(w, "bare_lf_converted");
  dks_jsonw_bool(w, (msg->flags & DKS_MESSAGE_BARE_LF_CONVERTED) != 0);
  dks_jsonw_member(w, "mbox_from_removed");
  dks_jsonw_bool(w, (msg->flags & DKS_MESSAGE_MBOX_FROM_REMOVED) != 0);
  dks_jsonw_member(w, "notes");
  dks_jsonw_begin_array(w);
  for (guint i = 0; msg->findings && i < msg->findings->len; i++) {
    const DksFinding *f = g_ptr_array_index(msg->findings, i);
    json_clean_value(w, f->text);
  }
  dks_jsonw_end_array(w);
  dks_jsonw_end_object(w);
}

void
dks_report_json(GString *out, const DksRun *run, const DksReportOptions *opt)
{
  DksJsonWriter writer, *w = &writer;
  dks_jsonw_init(w, out);
  dks_jsonw_begin_object(w);
  json_string(w, "file", opt->file);
  json_string(w, "result", dks_result_name(dks_run_overall(run)));
  json_lookup(w, run);
  json_message(w, run->msg);
  dks_jsonw_member(w, "signatures");
  dks_jsonw_begin_array(w);
  for (guint i = 0; i < run->sigs->len; i++)
    json_signature(w, run, g_ptr_array_index(run->sigs, i));
  dks_jsonw_end_array(w);
  json_dmarc(w, run->dmarc);
  json_authres(w, run);
  dks_jsonw_end_object(w);
  g_string_append_c(out, '\n');
}

void
dks_report_json_error(GString *out, const char *file, const char *error)
{
  DksJsonWriter writer, *w = &writer;
  dks_jsonw_init(w, out);
  dks_jsonw_begin_object(w);
  json_string(w, "file", file);
  json_string(w, "error", error);
  dks_jsonw_end_object(w);
  g_string_append_c(out, '\n');
}

/* ---------- exit status ---------- */

DksExitStatus
dks_report_exit_status_for(DksResult overall)
{
  switch (overall) {
  case DKS_RESULT_PASS: return DKS_EXIT_PASS;
  case DKS_RESULT_TEMPERROR: return DKS_EXIT_TEMPORARY_FAILURE;
  case DKS_RESULT_NONE: return DKS_EXIT_NO_SIGNATURE;
  case DKS_RESULT_FAIL:
  case DKS_RESULT_NEUTRAL:
  case DKS_RESULT_POLICY:
  case DKS_RESULT_PERMERROR: break;
  }
  return DKS_EXIT_LASTING_FAILURE;
}

/* The signature's verdict if every awaited answer timed out now: the first
 * check that failed decides (RFC 6376 §6.1 order, verify/pipeline.c), and
 * a check still pending before any failure would fail with temperror. */
static DksResult
result_if_answers_time_out(const DksSigRun *sr)
{
  for (guint c = 0; c < DKS_CHECK_COUNT; c++) {
    if (sr->steps[c].status == DKS_STATUS_FAIL)
      break;
    if (sr->steps[c].status == DKS_STATUS_PENDING)
      return DKS_RESULT_TEMPERROR;
  }
  return sr->result == DKS_RESULT_NONE ? DKS_RESULT_TEMPERROR : sr->result;
}

DksExitStatus
dks_report_exit_status(const DksRun *run)
{
  if (run->sigs->len == 0)
    return DKS_EXIT_NO_SIGNATURE;
  /* A lasting failure outweighs temporary ones, which outweigh passes. */
  DksExitStatus status = DKS_EXIT_PASS;
  for (guint i = 0; i < run->sigs->len; i++) {
    const DksSigRun *sr = g_ptr_array_index(run->sigs, i);
    DksExitStatus one = dks_report_exit_status_for(result_if_answers_time_out(sr));
    if (one == DKS_EXIT_LASTING_FAILURE)
      return one;
    if (one == DKS_EXIT_TEMPORARY_FAILURE)
      status = one;
  }
  return status;
}
