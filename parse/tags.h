/* tags.h — the tag=value list of RFC 6376 §3.2, shared by DKIM-Signature
 * and the DNS key record. */
#pragma once
#include <glib.h>

typedef struct {
  char *name;       /* tag name as written (case-sensitive per §3.2) */
  char *value;      /* value with leading/trailing FWS removed, inner FWS kept */
  gsize name_offset;  /* offset of the name in the parsed text */
  gsize value_offset; /* offset of the (trimmed) value in the parsed text */
  gsize value_len;    /* octets in value: the input may hold NUL octets, so
                         use this rather than strlen(value) when it matters */
} DksTag;

typedef struct {
  GPtrArray *tags;     /* DksTag*, in order of appearance */
  GPtrArray *findings; /* DksFinding*: syntax errors are DKS_FINDING_ERROR */
} DksTagList;

/* Parses a tag-list.  Never fails: syntax problems (empty or invalid tag
 * name, missing '=', a duplicate tag — which invalidates the whole list per
 * §3.2 —, more than DKS_MAX_TAGS tags) become findings.  what names the
 * field in finding texts ("DKIM-Signature", "key record").  A trailing ';'
 * is allowed.  Warnings only (the list stays valid): an empty tag-spec
 * between two ';', and octets outside VALCHAR in a value (the tag's own
 * grammar decides).  FWS is any run of SP, HTAB, CR, LF.  A tag whose spec
 * is broken is left out of tags; a duplicate is kept (get() finds the
 * first).  Caller frees with dks_tag_list_free(). */
DksTagList *dks_tag_list_parse(const char *text, gsize len, const char *what);

/* The tag with that exact name (the first one when duplicated), or NULL. */
const DksTag *dks_tag_list_get(const DksTagList *list, const char *name);

/* Splits a tag's value at sep into FWS-trimmed entries (empty ones kept, so
 * callers can reject them), at most max; *cut (if non-NULL) says whether
 * more were dropped.  Returns a GPtrArray of char* that frees them. */
GPtrArray *dks_tag_split(const DksTag *tag, char sep, guint max, gboolean *cut);

void dks_tag_list_free(DksTagList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksTagList, dks_tag_list_free)
