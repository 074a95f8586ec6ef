/* tags.c — the tag-list of RFC 6376 §3.2:
 *
 *   tag-list  =  tag-spec *( ";" tag-spec ) [ ";" ]
 *   tag-spec  =  [FWS] tag-name [FWS] "=" [FWS] tag-value [FWS]
 *   tag-name  =  ALPHA *ALNUMPUNC          ; ALNUMPUNC = ALPHA / DIGIT / "_"
 *   tag-value =  [ tval *( 1*(WSP / FWS) tval ) ]
 *   tval      =  1*VALCHAR                 ; VALCHAR = %x21-3A / %x3C-7E
 *
 * ';' is not a VALCHAR, so every ';' ends a tag-spec and the list can be
 * split on it first.  Offsets are kept so that findings can point at the
 * octet and the header hash can blank b= in place.
 *
 * Leniency, each one stated: FWS is taken as any run of SP, HTAB, CR, LF
 * (key records carry no CRLF, header values only fold with CRLF WSP); an
 * empty tag-spec between two ';' is a warning (the grammar has none, most
 * verifiers skip it); octets outside VALCHAR in a value are a warning here
 * and an error where the tag's own grammar forbids them (signature.c,
 * keyrecord.c), because unknown tags must be ignored whatever they hold. */
#include "parse/tags.h"
#include "parse/lex.h"

#include <string.h>

#include "parse/finding.h"
#include "parse/limits.h"

#define TAGS_QUOTE_MAX 40u /* octets of input quoted in one finding */

static void
dks_tag_free(DksTag *tag)
{
  if (tag == NULL)
    return;
  g_free(tag->name);
  g_free(tag->value);
  g_free(tag);
}

static gboolean
tags_is_name_start(guchar c)
{
  return g_ascii_isalpha(c);
}

static gboolean
tags_is_name_char(guchar c)
{
  return g_ascii_isalnum(c) || c == '_';
}

static gboolean
tags_is_valchar(guchar c)
{
  return c >= 0x21 && c <= 0x7e && c != ';';
}

static gsize
tags_skip_fws(const char *text, gsize pos, gsize end)
{
  while (pos < end && dks_is_fws((guchar)text[pos]))
    pos++;
  return pos;
}

/* A copy of len octets that keeps any NUL octets inside and adds one. */
static char *
tags_copy_bytes(const char *data, gsize len)
{
  char *copy = g_malloc(len + 1);
  if (len > 0)
    memcpy(copy, data, len);
  copy[len] = '\0';
  return copy;
}

static const DksTag *
tags_find(const GPtrArray *tags, const char *name)
{
  for (guint i = 0; i < tags->len; i++) {
    const DksTag *tag = g_ptr_array_index((GPtrArray *)tags, i);
    if (strcmp(tag->name, name) == 0)
      return tag;
  }
  return NULL;
}

static void
tags_check_valchars(DksTagList *list, const DksTag *tag, const char *what)
{
  for (gsize i = 0; i < tag->value_len; i++) {
    guchar c = (guchar)tag->value[i];
    if (tags_is_valchar(c) || dks_is_fws(c))
      continue;
    dks_findings_add(list->findings, DKS_FINDING_WARNING, tag->name,
                     "RFC 6376 §3.2 %s %s=: octet \\x%02X at offset %" G_GSIZE_FORMAT
                     " is not a VALCHAR (want %%x21-3A / %%x3C-7E)",
                     what, tag->name, c, tag->value_offset + i);
    return; /* the first one is enough to show */
  }
}

/* Parses one tag-spec text[start, end) and appends it to list. */
static void
tags_parse_spec(DksTagList *list, const char *text, gsize start, gsize end,
                gboolean is_last, const char *what)
{
  gsize pos = tags_skip_fws(text, start, end);

  if (pos == end) {
    /* Nothing but FWS: fine after the final ';' or for an empty list. */
    if (!is_last)
      dks_findings_add(list->findings, DKS_FINDING_WARNING, NULL,
                       "RFC 6376 §3.2 %s: empty tag-spec at offset %" G_GSIZE_FORMAT
                       " (two ';' in a row); skipped",
                       what, start);
    return;
  }

  if (!tags_is_name_start((guchar)text[pos])) {
    g_autofree char *spec_quoted = dks_quote_bytes(text + pos, end - pos, TAGS_QUOTE_MAX);
    dks_findings_add(list->findings, DKS_FINDING_ERROR, NULL,
                     "RFC 6376 §3.2 %s: want a tag-name (a letter, then letters, "
                     "digits or '_') at offset %" G_GSIZE_FORMAT ", have '%s'",
                     what, pos, spec_quoted);
    return;
  }

  gsize name_start = pos;
  while (pos < end && tags_is_name_char((guchar)text[pos]))
    pos++;
  gsize name_len = pos - name_start;
  if (name_len > DKS_MAX_TAG_NAME_BYTES) {
    dks_findings_add(list->findings, DKS_FINDING_ERROR, NULL,
                     "RFC 6376 §3.2 %s: tag-name at offset %" G_GSIZE_FORMAT
                     " is %" G_GSIZE_FORMAT " octets long (dkimscope keeps at most %u)",
                     what, name_start, name_len, DKS_MAX_TAG_NAME_BYTES);
    return;
  }
  g_autofree char *name = g_strndup(text + name_start, name_len);

  pos = tags_skip_fws(text, pos, end);
  if (pos == end || text[pos] != '=') {
    g_autofree char *quoted = dks_quote_bytes(text + pos, end - pos, TAGS_QUOTE_MAX);
    g_autofree char *rest = pos == end ? g_strdup("nothing") : g_strdup_printf("'%s'", quoted);
    dks_findings_add(list->findings, DKS_FINDING_ERROR, name,
                     "RFC 6376 §3.2 %s: want '=' after tag-name '%s' at offset %"
                     G_GSIZE_FORMAT ", have %s",
                     what, name, name_start, rest);
    return;
  }
  pos++; /* the '=' */

  gsize value_start = tags_skip_fws(text, pos, end);
  gsize value_end = end;
  while (value_end > value_start && dks_is_fws((guchar)text[value_end - 1]))
    value_end--;

  const DksTag *earlier = tags_find(list->tags, name);
  if (earlier != NULL)
    dks_findings_add(list->findings, DKS_FINDING_ERROR, name,
                     "RFC 6376 §3.2 %s: tag '%s' appears twice (offsets %" G_GSIZE_FORMAT
                     " and %" G_GSIZE_FORMAT "); a duplicate tag makes the whole "
                     "tag-list invalid",
                     what, name, earlier->name_offset, name_start);

  DksTag *tag = g_new0(DksTag, 1);
  tag->name = g_steal_pointer(&name);
  tag->name_offset = name_start;
  tag->value_offset = value_start;
  tag->value_len = value_end - value_start;
  tag->value = tags_copy_bytes(text + value_start, tag->value_len);
  g_ptr_array_add(list->tags, tag);

  tags_check_valchars(list, tag, what);
}

DksTagList *
dks_tag_list_parse(const char *text, gsize len, const char *what)
{
  DksTagList *list = g_new0(DksTagList, 1);
  list->tags = g_ptr_array_new_with_free_func((GDestroyNotify)dks_tag_free);
  list->findings = dks_findings_new();

  if (what == NULL)
    what = "tag-list";
  if (text == NULL)
    len = 0;

  gsize pos = 0;
  for (;;) {
    const char *semicolon = len > pos ? memchr(text + pos, ';', len - pos) : NULL;
    gsize end = semicolon != NULL ? (gsize)(semicolon - text) : len;

    if (list->tags->len >= DKS_MAX_TAGS &&
        tags_skip_fws(text, pos, end) < end) {
      dks_findings_add(list->findings, DKS_FINDING_ERROR, NULL,
                       "%s: more than %u tags; the rest from offset %" G_GSIZE_FORMAT
                       " was not read",
                       what, DKS_MAX_TAGS, pos);
      break;
    }
    tags_parse_spec(list, text, pos, end, semicolon == NULL, what);
    if (semicolon == NULL)
      break;
    pos = end + 1;
  }
  return list;
}

const DksTag *
dks_tag_list_get(const DksTagList *list, const char *name)
{
  if (list == NULL || name == NULL)
    return NULL;
  return tags_find(list->tags, name);
}

void
dks_tag_list_free(DksTagList *list)
{
  if (list == NULL)
    return;
  g_ptr_array_unref(list->tags);
  g_ptr_array_unref(list->findings);
  g_free(list);
}

/* A copy of text[start, end) with FWS trimmed from both ends. */
static char *
tags_trimmed(const char *text, gsize start, gsize end)
{
  while (start < end && dks_is_fws((guchar)text[start]))
    start++;
  while (end > start && dks_is_fws((guchar)text[end - 1]))
    end--;
  return g_strndup(text + start, end - start);
}

GPtrArray *
dks_tag_split(const DksTag *tag, char sep, guint max, gboolean *cut)
{
  GPtrArray *entries = g_ptr_array_new_with_free_func(g_free);
  gsize start = 0;
  if (cut != NULL)
    *cut = FALSE;
  for (gsize i = 0; i <= tag->value_len; i++) {
    if (i < tag->value_len && tag->value[i] != sep)
      continue;
    if (entries->len >= max) {
      if (cut != NULL)
        *cut = TRUE;
      break;
    }
    g_ptr_array_add(entries, tags_trimmed(tag->value, start, i));
    start = i + 1;
  }
  return entries;
}
