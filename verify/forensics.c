/* forensics.c — when a check fails, find out what changed and who changed it.
 *
 * Every finding here is a clue: a labelled diagnostic, never a verdict.
 * Each clue is proven the only honest way there is, by hashing or verifying
 * again with one change undone (the body without its last lines, the
 * Subject without its "[EXTERNAL] " tag, a field unfolded) and comparing
 * with what the signer committed to (bh=, b=).  Canonicalization and
 * hashing are always canon.c's: transformed headers are built as a modified
 * copy of the header block and parsed again, transformed bodies are
 * canonicalized by canon.c piece by piece and hashed with its DksHasher.
 * Keys and signatures are crypto.c's (verifying, and opening b= when
 * nothing else explains a failure), so no OpenSSL object is seen here.
 * All searches are bounded (the caps below). */
#include "verify/forensics.h"

#include <string.h>

#include "parse/base64.h"
#include "parse/dnswire.h"
#include "parse/finding.h"
#include "parse/limits.h"
#include "verify/canon.h"

/* Footer search: at most this many trailing lines / octets are tried. */
#define FOOTER_MAX_LINES        200u
#define FOOTER_MAX_BYTES        (64u * 1024u)
/* Banner search: lines removed from the top of bodies up to this size. */
#define BANNER_MAX_LINES        40u
#define BANNER_MAX_BODY         (256u * 1024u)
/* Lost trailing space: one space restored per line, small bodies only. */
#define WS_TRIAL_MAX_BODY       (64u * 1024u)
#define WS_TRIAL_MAX_LINES      1000u
#define WS_TRIAL_MAX_WORK       (16u * 1024u * 1024u) /* lines x octets hashed */
/* Canonicalize long bodies in pieces of about this size (no full copy). */
#define CANON_CHUNK_BYTES       (256u * 1024u)
/* Lines and octets of untrusted text shown as evidence. */
#define LINES_SHOWN             12u
#define LINE_SHOWN_BYTES        200u
#define FIELD_SHOWN_BYTES       300u
/* Header re-verifications per call (each parses the header block again). */
#define HEADER_TRIALS_MAX       64u
#define HEADER_FIELDS_TRIED     40u
#define SUBJECT_TAGS_MAX        3u
#define FOLD_WIDTH              78u
/* Key record: junk positions named one by one. */
#define JUNK_SHOWN              16u
/* Received: date text after the last ';'. */
#define RECEIVED_DATE_MAX       256u
#define DATE_COMMENT_DEPTH      8u

/* ------------------------------------------------------------ the clue */

static const char *const clue_names[DKS_CLUE_COUNT] = {
  [DKS_CLUE_FOOTER_APPENDED] = "footer-appended",
  [DKS_CLUE_BODY_PREFIX_L] = "body-prefix-l",
  [DKS_CLUE_BARE_LF_DAMAGE] = "bare-lf-damage",
  [DKS_CLUE_TRAILING_WS_DAMAGE] = "trailing-ws-damage",
  [DKS_CLUE_BODY_CHANGED] = "body-changed",
  [DKS_CLUE_SUBJECT_TAG_ADDED] = "subject-tag-added",
  [DKS_CLUE_HEADER_REFOLDED] = "header-refolded",
  [DKS_CLUE_COPIED_HEADER_DIFFERS] = "copied-header-differs",
  [DKS_CLUE_KEY_MISMATCH] = "key-mismatch",
  [DKS_CLUE_KEY_AT_DOUBLED_DOMAIN] = "key-at-doubled-domain",
  [DKS_CLUE_KEY_WITHOUT_UNDERSCORE] = "key-without-underscore",
  [DKS_CLUE_KEY_AT_PARENT_DOMAIN] = "key-at-parent-domain",
  [DKS_CLUE_KEY_AT_CHILD_NAME] = "key-at-child-name",
  [DKS_CLUE_CNAME_TARGET_AS_TXT] = "cname-target-as-txt",
  [DKS_CLUE_KEY_JUNK] = "key-junk",
  [DKS_CLUE_KEY_CUT_AT_255] = "key-cut-at-255",
  [DKS_CLUE_EXPIRED_AFTER_DELIVERY] = "expired-after-delivery",
  [DKS_CLUE_BANNER_PREPENDED] = "banner-prepended",
  [DKS_CLUE_HEADER_CHANGED] = "header-changed",
  [DKS_CLUE_KEY_TRUNCATED] = "key-truncated",
};

const char *
dks_clue_kind_name(DksClueKind kind)
{
  if ((guint)kind >= DKS_CLUE_COUNT || clue_names[kind] == NULL)
    return "unknown";
  return clue_names[kind];
}

void
dks_clue_free(DksClue *clue)
{
  if (clue == NULL)
    return;
  g_free(clue->summary);
  if (clue->evidence != NULL)
    g_ptr_array_unref(clue->evidence);
  g_free(clue);
}

static DksClue *clue_new(DksClueKind kind, DksParty party, const char *fmt, ...)
  G_GNUC_PRINTF(3, 4);

static DksClue *
clue_new(DksClueKind kind, DksParty party, const char *fmt, ...)
{
  DksClue *clue = g_new0(DksClue, 1);
  va_list ap;

  clue->kind = kind;
  clue->party = party;
  va_start(ap, fmt);
  clue->summary = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  clue->evidence = g_ptr_array_new_with_free_func(g_free);
  return clue;
}

static void clue_add(DksClue *clue, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
clue_add(DksClue *clue, const char *fmt, ...)
{
  va_list ap;

  if (clue->evidence->len >= DKS_MAX_EVIDENCE_LINES)
    return;
  va_start(ap, fmt);
  g_ptr_array_add(clue->evidence, g_strdup_vprintf(fmt, ap));
  va_end(ap);
}

/* Untrusted octets kept as they are (the UI sanitizes what it shows), except
 * NUL, which a C string cannot hold; cut at max octets. */
static char *
raw_text(const char *p, gsize n, gsize max)
{
  GString *out = g_string_sized_new(MIN(n, max) + 8);

  for (gsize i = 0; i < n && i < max; i++) {
    if (p[i] == '\0')
      g_string_append(out, "\\x00");
    else
      g_string_append_c(out, p[i]);
  }
  if (n > max)
    g_string_append(out, "…");
  return g_string_free(out, FALSE);
}

static void
clue_add_raw(DksClue *clue, const char *prefix, const char *p, gsize n, gsize max)
{
  g_autofree char *text = raw_text(p, n, max);
  clue_add(clue, "%s%s", prefix, text);
}

static GPtrArray *
clue_array(void)
{
  return g_ptr_array_new_with_free_func((GDestroyNotify)dks_clue_free);
}

/* A UNIX time as "2024-06-01T14:00:00Z" (the number itself when out of the
 * calendar's range).  Caller frees. */
static char *
iso_time(gint64 t)
{
  g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
  if (dt == NULL)
    return g_strdup_printf("%" G_GINT64_FORMAT, t);
  return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

static char *
duration_text(gint64 seconds)
{
  if (seconds < 0)
    seconds = -seconds;
  if (seconds < 120)
    return g_strdup_printf("%" G_GINT64_FORMAT " s", seconds);
  if (seconds < 2 * 3600)
    return g_strdup_printf("%" G_GINT64_FORMAT " minutes", seconds / 60);
  if (seconds < 2 * 86400)
    return g_strdup_printf("%" G_GINT64_FORMAT " hours", seconds / 3600);
  return g_strdup_printf("%" G_GINT64_FORMAT " days", seconds / 86400);
}

/* --------------------------------------------------------------- hashing */

static DksHash
sig_hash(const DksSignature *sig)
{
  return dks_algorithm_hash(sig->algorithm);
}

static gboolean
digest_equals(const guint8 *digest, gsize len, GBytes *want)
{
  gsize want_len = 0;
  const guint8 *w = want != NULL ? g_bytes_get_data(want, &want_len) : NULL;
  return w != NULL && len > 0 && len == want_len && memcmp(digest, w, len) == 0;
}

/* A hasher for candidate bodies of sig: its hash, cut at l= like the body
 * hash.  Caller frees. */
static DksHasher *
body_hasher_new(const DksSignature *sig)
{
  DksHasher *h = dks_hasher_new(sig_hash(sig));
  if (sig->has_length)
    dks_hasher_set_limit(h, sig->length);
  return h;
}

static void
hasher_update_bytes(DksHasher *h, GBytes *bytes)
{
  gsize n = 0;
  const char *p = g_bytes_get_data(bytes, &n);
  dks_hasher_update(h, p, n);
}

/* Would a body hashing to this state verify against bh=?  (With l=, the
 * canonical body must be at least l= octets, as the verifier demands.)
 * Leaves h usable. */
static gboolean
hasher_matches(const DksHasher *h, const DksSignature *sig)
{
  guint8 digest[DKS_HASH_MAX_SIZE];

  if (sig->has_length && dks_hasher_length(h) < sig->length)
    return FALSE;
  g_autoptr(DksHasher) c = dks_hasher_copy(h);
  gsize len = dks_hasher_finish(c, digest);
  return digest_equals(digest, len, sig->bh);
}

/* canon.c's verdict on a (transformed) body. */
static gboolean
body_matches(const char *body, gsize len, const DksSignature *sig)
{
  DksBodyHash bh;

  dks_body_hash(body, len, sig->body_canon, sig_hash(sig), sig->has_length,
                sig->length, &bh);
  return !bh.l_exceeds_body && digest_equals(bh.digest, bh.digest_len, sig->bh);
}

/* ----------------------------------------------------------------- lines */

/* canon.c's line model: only CRLF ends a line.  The end (the CRLF's offset,
 * or len for a last line without one) of the line starting at i. */
static gsize
line_end(const char *p, gsize i, gsize len)
{
  gsize from = i;

  while (from < len) {
    const char *lf = memchr(p + from, '\n', len - from);
    if (lf == NULL)
      return len;
    gsize j = (gsize)(lf - p);
    if (j > i && p[j - 1] == '\r')
      return j - 1;
    from = j + 1;
  }
  return len;
}

static gsize
line_next(gsize end, gsize len)
{
  return end < len ? end + 2 : len;
}

static gboolean
is_wsp(char c)
{
  return c == ' ' || c == '\t';
}

/* Does the line [s, e) canonicalize to an empty line (held back, dropped
 * at the end of the body)?  simple: no octets; relaxed: only WSP, except on
 * an unterminated last line, whose WSP canon.c keeps as content. */
static gboolean
line_is_blank(const char *p, gsize s, gsize e, gboolean terminated, DksCanon canon)
{
  if (s == e)
    return TRUE;
  if (canon == DKS_CANON_SIMPLE || !terminated)
    return FALSE;
  for (gsize i = s; i < e; i++)
    if (!is_wsp(p[i]))
      return FALSE;
  return TRUE;
}

/* Feeds canon.c's canonical form of body[0, end) to h, where end is just
 * after the CRLF of a content line (or 0): in pieces that each end with a
 * content line, so that no empty line is held back at a piece's end and the
 * pieces' canonical forms join into the whole one, without a full copy. */
static void
hash_canonical_prefix(DksHasher *h, const char *body, gsize end, DksCanon canon)
{
  gsize pos = 0;

  while (pos < end) {
    gsize i = pos, cut = pos;
    while (i < end) {
      gsize e = line_end(body, i, end);
      gsize next = line_next(e, end);
      if (!line_is_blank(body, i, e, TRUE, canon))
        cut = next;
      i = next;
      if (cut == next && cut - pos >= CANON_CHUNK_BYTES)
        break;
    }
    if (cut == pos)
      cut = end; /* only blank lines left: cannot happen for a content end */
    g_autoptr(GBytes) piece = dks_body_canonicalize(body + pos, cut - pos, canon, G_MAXSIZE);
    hasher_update_bytes(h, piece);
    pos = cut;
  }
}

/* The canonical empty body: one CRLF for simple, nothing for relaxed
 * (RFC 6376 §3.4.3, §3.4.4). */
static void
hash_empty_body(DksHasher *h, DksCanon canon)
{
  if (canon == DKS_CANON_SIMPLE)
    dks_hasher_update(h, "\r\n", 2);
}

/* ------------------------------------------------------- footer appended */

typedef struct {
  gsize start;        /* first octet of the line */
  gsize content_end;  /* just after the last content line before it, or 0 */
  guint blanks;       /* empty lines between content_end and start */
} LineMark;

typedef struct {
  gsize removed_from; /* raw offset of the first removed line */
  guint removed;      /* lines removed */
} FooterMatch;

/* The state before one candidate ending: was anything emitted at all? */
static gboolean
footer_candidate_matches(const DksHasher *h, gboolean emitted, const DksSignature *sig)
{
  if (emitted)
    return hasher_matches(h, sig);

  g_autoptr(DksHasher) empty = body_hasher_new(sig);
  hash_empty_body(empty, sig->body_canon);
  return hasher_matches(empty, sig);
}

/* Finds the fewest trailing lines (at most FOOTER_MAX_LINES, within
 * FOOTER_MAX_BYTES) whose removal makes the body match bh=.  One forward
 * pass marks the last lines; the rest of the body is hashed once, then each
 * tail line extends that state and each ending is tried on a copy. */
static gboolean
find_footer(const char *body, gsize len, const DksSignature *sig, FooterMatch *out)
{
  DksCanon canon = sig->body_canon;
  LineMark ring[FOOTER_MAX_LINES + 1];
  guint ring_len = 0, ring_first = 0;
  gsize content_end = 0;
  guint blanks = 0;

  for (gsize i = 0; i < len;) {
    gsize e = line_end(body, i, len);
    gsize next = line_next(e, len);
    LineMark mark = { i, content_end, blanks };

    if (ring_len < G_N_ELEMENTS(ring)) {
      ring[(ring_first + ring_len) % G_N_ELEMENTS(ring)] = mark;
      ring_len++;
    } else {
      ring[ring_first] = mark;
      ring_first = (ring_first + 1) % G_N_ELEMENTS(ring);
    }
    if (line_is_blank(body, i, e, e < len, canon))
      blanks++;
    else {
      content_end = next;
      blanks = 0;
    }
    i = next;
  }

  /* The tail: the last lines within both caps. */
  guint t = ring_len > FOOTER_MAX_LINES ? ring_len - FOOTER_MAX_LINES : 0;
  while (t < ring_len &&
         len - ring[(ring_first + t) % G_N_ELEMENTS(ring)].start > FOOTER_MAX_BYTES)
    t++;
  if (t >= ring_len)
    return FALSE;

  const LineMark *first = &ring[(ring_first + t) % G_N_ELEMENTS(ring)];
  guint k = ring_len - t, held = first->blanks;
  gboolean emitted = first->content_end > 0, found = FALSE;
  guint best_kept = 0;
  g_autoptr(DksHasher) h = body_hasher_new(sig);

  hash_canonical_prefix(h, body, first->content_end, canon);

  if (footer_candidate_matches(h, emitted, sig)) {
    found = TRUE;
    best_kept = 0;
  }
  for (guint j = 0; j < k; j++) {
    const LineMark *m = &ring[(ring_first + t + j) % G_N_ELEMENTS(ring)];
    gsize e = line_end(body, m->start, len);

    if (line_is_blank(body, m->start, e, e < len, canon)) {
      held++;
      continue;
    }
    for (; held > 0; held--)
      dks_hasher_update(h, "\r\n", 2);
    g_autoptr(GBytes) line =
      dks_body_canonicalize(body + m->start, line_next(e, len) - m->start, canon, G_MAXSIZE);
    hasher_update_bytes(h, line);
    emitted = TRUE;
    if (j + 1 < k && footer_candidate_matches(h, emitted, sig)) {
      found = TRUE;
      best_kept = j + 1;
    }
  }
  if (!found)
    return FALSE;

  /* Empty lines right after the match were signed or not: both hash the
   * same.  Count them as kept, so that only the added text is shown. */
  while (best_kept < k) {
    const LineMark *m = &ring[(ring_first + t + best_kept) % G_N_ELEMENTS(ring)];
    gsize e = line_end(body, m->start, len);
    if (!line_is_blank(body, m->start, e, e < len, canon))
      break;
    best_kept++;
  }
  if (best_kept >= k)
    return FALSE; /* the body matches as it is: nothing was appended */
  out->removed = k - best_kept;
  out->removed_from = ring[(ring_first + t + best_kept) % G_N_ELEMENTS(ring)].start;
  return TRUE;
}

/* Shows up to LINES_SHOWN raw lines of body[from, to), each prefixed. */
static void
clue_add_lines(DksClue *clue, const char *prefix, const char *body, gsize from, gsize to)
{
  guint shown = 0, total = 0;

  for (gsize i = from; i < to;) {
    gsize e = line_end(body, i, to);
    if (shown < LINES_SHOWN) {
      clue_add_raw(clue, prefix, body + i, e - i, LINE_SHOWN_BYTES);
      shown++;
    }
    total++;
    i = line_next(e, to);
  }
  if (total > shown)
    clue_add(clue, "… and %u more line%s", total - shown, total - shown == 1 ? "" : "s");
}

/* "its last line" / "its last 3 lines". */
static char *
lines_phrase(const char *which, guint n)
{
  return n == 1 ? g_strdup_printf("its %s line", which)
                : g_strdup_printf("its %s %u lines", which, n);
}

static DksClue *
footer_clue(const char *body, gsize len, const FooterMatch *m)
{
  g_autofree char *phrase = lines_phrase("last", m->removed);
  DksClue *clue = clue_new(DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY,
    "The body matches bh= without %s: %s added after signing (a mailing list footer "
    "or a gateway's disclaimer)", phrase, m->removed == 1 ? "it was" : "they were");
  clue_add(clue, "bh= matches the body without %s (%" G_GSIZE_FORMAT " octets of %"
           G_GSIZE_FORMAT ")", phrase, len - m->removed_from, len);
  clue_add_lines(clue, "+ ", body, m->removed_from, len);
  return clue;
}

/* ------------------------------------------------------ banner prepended */

typedef struct {
  guint removed;
  gsize raw_end;   /* raw offset just after the removed lines */
} BannerMatch;

/* Finds the fewest lines (at most BANNER_MAX_LINES) at the top whose removal
 * makes the body match bh= (a gateway's "external sender" warning).  Raw
 * lines and canonical lines correspond one to one except trailing empty
 * ones, so the candidates are suffixes of the canonical body. */
static gboolean
find_banner(const char *body, gsize len, const DksSignature *sig, BannerMatch *out)
{
  if (len == 0 || len > BANNER_MAX_BODY)
    return FALSE;
  g_autoptr(GBytes) canon = dks_body_canonicalize(body, len, sig->body_canon, G_MAXSIZE);
  gsize clen = 0;
  const char *c = g_bytes_get_data(canon, &clen);
  gsize off = 0, raw = 0;

  for (guint n = 1; n <= BANNER_MAX_LINES; n++) {
    gsize e = line_end(c, off, clen);
    if (e >= clen)
      return FALSE;
    off = e + 2;
    raw = line_next(line_end(body, raw, len), len);
    if (off >= clen)
      return FALSE;

    g_autoptr(DksHasher) h = body_hasher_new(sig);
    dks_hasher_update(h, c + off, clen - off);
    if (hasher_matches(h, sig)) {
      out->removed = n;
      out->raw_end = raw;
      return TRUE;
    }
  }
  return FALSE;
}

static DksClue *
banner_clue(const char *body, const BannerMatch *m)
{
  g_autofree char *phrase = lines_phrase("first", m->removed);
  DksClue *clue = clue_new(DKS_CLUE_BANNER_PREPENDED, DKS_PARTY_INTERMEDIARY,
    "The body matches bh= without %s: %s put at the top after signing (a gateway's "
    "warning banner such as \"external sender\")", phrase,
    m->removed == 1 ? "it was" : "they were");
  clue_add(clue, "bh= matches the body without %s (%" G_GSIZE_FORMAT " octets)", phrase,
           m->raw_end);
  clue_add_lines(clue, "+ ", body, 0, m->raw_end);
  return clue;
}

/* ------------------------------------------------------ paste damage */

static guint
count_occurrences(const char *p, gsize len, const char *what, gsize what_len)
{
  guint n = 0;
  for (gsize i = 0; i + what_len <= len;) {
    const char *hit = memchr(p + i, what[0], len - i);
    if (hit == NULL)
      break;
    i = (gsize)(hit - p);
    if (i + what_len <= len && memcmp(p + i, what, what_len) == 0) {
      n++;
      i += what_len;
    } else {
      i++;
    }
  }
  return n;
}

static GString *
replace_all(const char *p, gsize len, const char *from, gsize from_len,
            const char *to, gsize to_len)
{
  GString *out = g_string_sized_new(len);
  gsize i = 0;

  while (i < len) {
    if (i + from_len <= len && memcmp(p + i, from, from_len) == 0) {
      g_string_append_len(out, to, (gssize)to_len);
      i += from_len;
    } else {
      g_string_append_c(out, p[i]);
      i++;
    }
  }
  return out;
}

/* Lines (CRLF-terminated or last) ending in WSP, and the body without it. */
static GString *
strip_trailing_wsp(const char *body, gsize len, guint *lines_changed)
{
  GString *out = g_string_sized_new(len);
  guint changed = 0;

  for (gsize i = 0; i < len;) {
    gsize e = line_end(body, i, len), t = e;
    while (t > i && is_wsp(body[t - 1]))
      t--;
    if (t != e)
      changed++;
    g_string_append_len(out, body + i, (gssize)(t - i));
    if (e < len)
      g_string_append_len(out, "\r\n", 2);
    i = line_next(e, len);
  }
  *lines_changed = changed;
  return out;
}

/* c=simple and no line ends in white space now (a paste or an editor that
 * strips it strips it everywhere): does restoring one space at the end of a
 * single line make the body match?  Returns the 1-based line or 0. */
static guint
find_lost_trailing_space(const char *body, gsize len, const DksSignature *sig)
{
  if (sig->body_canon != DKS_CANON_SIMPLE || len == 0 || len > WS_TRIAL_MAX_BODY)
    return 0;
  g_autoptr(GBytes) canon = dks_body_canonicalize(body, len, DKS_CANON_SIMPLE, G_MAXSIZE);
  gsize clen = 0;
  const char *c = g_bytes_get_data(canon, &clen);
  guint lines = 0, found = 0;

  for (gsize i = 0; i < clen; i = line_next(line_end(c, i, clen), clen)) {
    gsize e = line_end(c, i, clen);
    if (e > i && is_wsp(c[e - 1]))
      return 0;
    if (++lines > WS_TRIAL_MAX_LINES)
      return 0;
  }
  if ((guint64)lines * clen > WS_TRIAL_MAX_WORK)
    return 0;

  g_autoptr(DksHasher) prefix = body_hasher_new(sig);
  guint line = 0;
  for (gsize i = 0; i < clen && found == 0;) {
    gsize e = line_end(c, i, clen), next = line_next(e, clen);
    g_autoptr(DksHasher) trial = dks_hasher_copy(prefix);
    line++;
    dks_hasher_update(trial, c + i, e - i);
    dks_hasher_update(trial, " ", 1);
    dks_hasher_update(trial, c + e, clen - e);
    if (hasher_matches(trial, sig))
      found = line;
    dks_hasher_update(prefix, c + i, next - i);
    i = next;
  }
  return found;
}

/* Raw line number n (1-based) of body, for evidence. */
static void
clue_add_line_number(DksClue *clue, const char *body, gsize len, guint n)
{
  gsize i = 0;
  for (guint k = 1; k < n && i < len; k++)
    i = line_next(line_end(body, i, len), len);
  if (i < len) {
    g_autofree char *prefix = g_strdup_printf("line %u now: ", n);
    clue_add_raw(clue, prefix, body + i, line_end(body, i, len) - i, LINE_SHOWN_BYTES);
  }
}

/* Line-end and white-space damage of the kind copying and pasting does,
 * each tried only when the message makes it plausible.  Adds clues; TRUE
 * when one explains the mismatch. */
static gboolean
find_paste_damage(const DksMessage *msg, const DksSignature *sig,
                  const char *body, gsize len, GPtrArray *clues)
{
  gboolean pasted = (msg->flags & DKS_MESSAGE_BARE_LF_CONVERTED) != 0;
  guint crcrlf = count_occurrences(body, len, "\r\r\n", 3);

  /* CRLF converted once more into CR CR LF (a tool that turns every LF into
   * CRLF without looking). */
  if (crcrlf > 0) {
    g_autoptr(GString) fixed = replace_all(body, len, "\r\r\n", 3, "\r\n", 2);
    if (body_matches(fixed->str, fixed->len, sig)) {
      DksClue *clue = clue_new(DKS_CLUE_BARE_LF_DAMAGE, DKS_PARTY_INPUT,
        "Line ends were converted twice: %u line%s end%s in CR CR LF; with them "
        "repaired the body matches bh=, so the copy at hand was damaged after "
        "delivery (saved or converted by a tool)", crcrlf, crcrlf == 1 ? "" : "s",
        crcrlf == 1 ? "s" : "");
      clue_add(clue, "%u line%s end%s in CR CR LF (0D 0D 0A)", crcrlf,
               crcrlf == 1 ? "" : "s", crcrlf == 1 ? "s" : "");
      g_ptr_array_add(clues, clue);
      return TRUE;
    }
  }

  /* The input had bare LF line ends: was the body hashed that way, LF
   * octets inside one long line, instead of as CRLF lines? */
  if (pasted) {
    g_autoptr(GString) lf = replace_all(body, len, "\r\n", 2, "\n", 1);
    if (body_matches(lf->str, lf->len, sig)) {
      DksClue *clue = clue_new(DKS_CLUE_BARE_LF_DAMAGE, DKS_PARTY_SENDER_MAIL,
        "The body matches bh= only with bare LF line ends: the signer hashed the "
        "body before converting its lines to CRLF (RFC 5322 §2.1, RFC 6376 §5.3), "
        "so the signature cannot verify after transport");
      clue_add(clue, "the input had bare LF line ends (converted to CRLF here)");
      g_ptr_array_add(clues, clue);
      return TRUE;
    }
  }

  /* Trailing white space added (a terminal copy pads lines, an editor):
   * c=simple hashes it, relaxed would not. */
  if (sig->body_canon == DKS_CANON_SIMPLE) {
    guint changed = 0;
    g_autoptr(GString) stripped = strip_trailing_wsp(body, len, &changed);
    if (changed > 0 && body_matches(stripped->str, stripped->len, sig)) {
      DksClue *clue = clue_new(DKS_CLUE_TRAILING_WS_DAMAGE, DKS_PARTY_INPUT,
        "White space was added at the end of %u line%s after signing: without it the "
        "body matches bh= (c=simple hashes every space as written)", changed,
        changed == 1 ? "" : "s");
      clue_add(clue, "%u line%s end%s in spaces or tabs now", changed,
               changed == 1 ? "" : "s", changed == 1 ? "s" : "");
      g_ptr_array_add(clues, clue);
      return TRUE;
    }
  }

  /* Trailing white space lost (pasting, an editor, a client re-saving the
   * message): one space restored on one line at a time. */
  guint line = find_lost_trailing_space(body, len, sig);
  if (line > 0) {
    DksClue *clue = clue_new(DKS_CLUE_TRAILING_WS_DAMAGE, DKS_PARTY_INPUT,
      "A space at the end of line %u of the body was lost after signing: with it "
      "restored the body matches bh= (c=simple hashes every space as written; "
      "%s)", line,
      pasted ? "the input also had bare LF line ends, typical of a pasted or "
               "exported copy" :
               "copying, pasting or re-saving a message strips trailing spaces");
    clue_add_line_number(clue, body, len, line);
    clue_add(clue, "as signed, line %u ended with a space", line);
    g_ptr_array_add(clues, clue);
    return TRUE;
  }
  return FALSE;
}

/* --------------------------------------------------------- l= and the rest */

static DksClue *
prefix_l_clue(const DksSignature *sig, const DksBodyHash *now)
{
  DksClue *clue = clue_new(DKS_CLUE_BODY_PREFIX_L, DKS_PARTY_INTERMEDIARY,
    "l=%" G_GUINT64_FORMAT " signs only the first %" G_GUINT64_FORMAT " octets of the "
    "canonicalized body (%" G_GUINT64_FORMAT " now): text added after them would not "
    "matter, so the change lies within the signed part", sig->length, sig->length,
    now->canon_body_len);
  clue_add(clue, "RFC 6376 §3.5 l=: body length count %" G_GUINT64_FORMAT
           "; canonicalized body now %" G_GUINT64_FORMAT " octets, %" G_GUINT64_FORMAT
           " hashed", sig->length, now->canon_body_len, now->hashed_len);
  if (now->canon_body_len > sig->length)
    clue_add(clue, "%" G_GUINT64_FORMAT " octets after l= are not covered by the signature",
             now->canon_body_len - sig->length);
  return clue;
}

static DksClue *
body_changed_clue(const DksMessage *msg, const DksSignature *sig, const DksBodyHash *now)
{
  DksClue *clue;

  if (msg->flags & DKS_MESSAGE_HEADERS_ONLY) {
    clue = clue_new(DKS_CLUE_BODY_CHANGED, DKS_PARTY_INPUT,
      "The input has no body (headers only), so the body bh= describes is not here");
    return clue;
  }
  clue = clue_new(DKS_CLUE_BODY_CHANGED, DKS_PARTY_INTERMEDIARY,
    "The body changed after signing, and no common change explains it (searched: "
    "a footer of up to %u lines, a banner of up to %u lines at the top, line-end "
    "and trailing white-space damage)", FOOTER_MAX_LINES, BANNER_MAX_LINES);
  clue_add(clue, "c=.../%s: the canonicalized body has %" G_GUINT64_FORMAT " octets",
           dks_canon_name(sig->body_canon), now->canon_body_len);
  if (now->digest_len > 0 && sig->bh != NULL) {
    gsize want_len = 0;
    const guchar *want = g_bytes_get_data(sig->bh, &want_len);
    g_autofree char *have = dks_base64_encode(now->digest, now->digest_len);
    g_autofree char *wanted = dks_base64_encode(want, want_len);
    clue_add(clue, "%s of the body now: %s; bh=%s", dks_hash_name(sig_hash(sig)), have, wanted);
  }
  if (msg->flags & DKS_MESSAGE_BARE_LF_CONVERTED)
    clue_add(clue, "the input had bare LF line ends (converted to CRLF): a pasted or "
             "exported copy may have lost more than its line ends");
  return clue;
}

GPtrArray *
dks_forensics_body(const DksMessage *msg, const DksSignature *sig)
{
  GPtrArray *clues = clue_array();
  gsize len = 0;
  const char *body;
  DksBodyHash now;

  if (msg == NULL || sig == NULL)
    return clues;
  body = dks_message_body(msg, &len);
  if (body == NULL)
    len = 0;
  dks_body_hash(body, len, sig->body_canon, sig_hash(sig), sig->has_length, sig->length,
                &now);
  if (!now.l_exceeds_body && digest_equals(now.digest, now.digest_len, sig->bh))
    return clues; /* the body matches: nothing to explain */
  if (sig->bh == NULL) {
    DksClue *clue = clue_new(DKS_CLUE_BODY_CHANGED, DKS_PARTY_SENDER_MAIL,
      "bh= is missing or not base64: there is no body hash to compare with");
    g_ptr_array_add(clues, clue);
    return clues;
  }
  if (msg->flags & DKS_MESSAGE_HEADERS_ONLY) {
    g_ptr_array_add(clues, body_changed_clue(msg, sig, &now));
    return clues;
  }

  FooterMatch footer;
  if (!sig->has_length && find_footer(body, len, sig, &footer)) {
    g_ptr_array_add(clues, footer_clue(body, len, &footer));
    return clues;
  }
  BannerMatch banner;
  if (find_banner(body, len, sig, &banner)) {
    g_ptr_array_add(clues, banner_clue(body, &banner));
    return clues;
  }
  gboolean explained = find_paste_damage(msg, sig, body, len, clues);
  if (sig->has_length)
    g_ptr_array_add(clues, prefix_l_clue(sig, &now));
  if (!explained)
    g_ptr_array_add(clues, body_changed_clue(msg, sig, &now));
  return clues;
}

/* ============================================================== headers */

typedef struct {
  guint index;        /* header field replaced */
  const char *raw;    /* its new raw text (no final CRLF) */
  gsize raw_len;
} Replacement;

typedef struct {
  const DksMessage *msg;
  const DksSignature *sig;
  const DksPublicKey *key;
  guint trials;
} HeaderProbe;

static gsize
header_block_end(const DksMessage *msg)
{
  return (msg->flags & DKS_MESSAGE_HEADERS_ONLY) ? msg->len : msg->body_offset;
}

/* Re-verifies b= over a copy of the header block with some fields replaced
 * (repl in header order), parsed again by message.c and hashed by canon.c
 * exactly as the verifier does.  FALSE also when the copy no longer has
 * the same fields (then the trial proves nothing). */
static gboolean
probe_verifies(HeaderProbe *hp, const Replacement *repl, guint n_repl)
{
  const DksMessage *msg = hp->msg;
  gsize end = header_block_end(msg), pos = 0;
  g_autoptr(GString) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DksMessage) again = NULL;
  g_autoptr(GBytes) input = NULL;

  if (hp->trials >= HEADER_TRIALS_MAX || hp->key == NULL || hp->sig->b == NULL)
    return FALSE;
  hp->trials++;

  copy = g_string_sized_new(end + 256);
  for (guint i = 0; i < n_repl; i++) {
    const DksHeader *h = dks_message_header(msg, repl[i].index);
    if (h == NULL || h->offset < pos || h->offset + h->raw_len > end)
      return FALSE;
    g_string_append_len(copy, msg->data + pos, (gssize)(h->offset - pos));
    g_string_append_len(copy, repl[i].raw, (gssize)repl[i].raw_len);
    pos = h->offset + h->raw_len;
  }
  g_string_append_len(copy, msg->data + pos, (gssize)(end - pos));

  again = dks_message_new_from_data(copy->str, copy->len, &error);
  if (again == NULL || again->headers->len != msg->headers->len)
    return FALSE;
  if (!dks_header_is(again, dks_message_header(again, hp->sig->header_index),
                     "DKIM-Signature"))
    return FALSE;
  input = dks_header_hash_input(again, hp->sig, NULL);
  gsize n = 0;
  const void *data = g_bytes_get_data(input, &n);
  return dks_public_key_verify(hp->key, sig_hash(hp->sig), data, n, hp->sig->b);
}

static gboolean
probe_one(HeaderProbe *hp, guint index, const char *raw, gsize raw_len)
{
  Replacement r = { index, raw, raw_len };
  return probe_verifies(hp, &r, 1);
}

/* ------------------------------------------------------ Subject tags */

static gboolean
is_fws_char(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static gsize
skip_fws(const char *p, gsize i, gsize n)
{
  while (i < n && is_fws_char(p[i]))
    i++;
  return i;
}

/* Words that gateways and filters put before a Subject as "WORD:" or
 * "(WORD)".  RE:, FW:, AW: and the like are replies, never tags. */
static const char *const tag_words[] = {
  "EXTERNAL", "EXT", "EXTERNAL EMAIL", "EXTERNAL SENDER", "CAUTION", "WARNING",
  "SPAM", "SUSPECTED SPAM", "POSSIBLE SPAM", "PROBABLY SPAM", "SUSPICIOUS",
  "PHISHING", "BULK", "UNVERIFIED SENDER",
};

static gsize
tag_word_len(const char *p, gsize n)
{
  gsize best = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(tag_words); i++) {
    gsize wl = strlen(tag_words[i]);
    if (wl <= n && wl > best && g_ascii_strncasecmp(p, tag_words[i], wl) == 0 &&
        (wl == n || !g_ascii_isalnum(p[wl])))
      best = wl;
  }
  return best;
}

/* Length of a bracketed tag "[...]" / "{...}" with open/close, 0 if none. */
static gsize
bracket_tag_len(const char *p, gsize n, char open, char close, gsize max_inner)
{
  if (n < 3 || p[0] != open)
    return 0;
  for (gsize i = 1; i < n && i <= max_inner + 1; i++) {
    if (p[i] == close)
      return i > 1 ? i + 1 : 0;
    if (p[i] == open || p[i] == '\r' || p[i] == '\n')
      return 0;
  }
  return 0;
}

/* "***SPAM***", "*** SPAM ***", "*****SPAM*****": 1..8 stars, words of
 * letters, blanks and hyphens (at most 32 octets, one letter at least),
 * 1..8 stars. */
static gsize
star_tag_len(const char *p, gsize n)
{
  gsize i = 0, stars = 0, inner = 0;
  gboolean letter = FALSE;

  while (i < n && p[i] == '*' && stars < 8) {
    i++;
    stars++;
  }
  if (stars == 0)
    return 0;
  while (i < n && (g_ascii_isalpha(p[i]) || p[i] == ' ' || p[i] == '-') && inner < 32) {
    letter = letter || g_ascii_isalpha(p[i]);
    i++;
    inner++;
  }
  if (!letter || i >= n || p[i] != '*')
    return 0;
  stars = 0;
  while (i < n && p[i] == '*' && stars < 8) {
    i++;
    stars++;
  }
  return i;
}

/* Length of one Subject tag at p (no leading FWS), 0 when there is none. */
static gsize
subject_tag_len(const char *p, gsize n)
{
  gsize l;

  if ((l = bracket_tag_len(p, n, '[', ']', 64)) > 0)
    return l;
  if ((l = bracket_tag_len(p, n, '{', '}', 32)) > 0)
    return l;
  if ((l = star_tag_len(p, n)) > 0)
    return l;
  if (n > 2 && p[0] == '(') {
    gsize w = tag_word_len(p + 1, n - 1);
    if (w > 0 && 1 + w < n && p[1 + w] == ')')
      return w + 2;
  }
  l = tag_word_len(p, n);
  if (l > 0 && l < n && p[l] == ':')
    return l + 1;
  return 0;
}

static DksClue *
try_subject_tags(HeaderProbe *hp, guint index)
{
  const DksMessage *msg = hp->msg;
  const DksHeader *h = dks_message_header(msg, index);
  const char *raw = dks_header_raw(msg, h);
  gsize vlen = 0;
  const char *value = dks_header_value(msg, h, &vlen);
  gsize head = (gsize)(value - raw);             /* "Subject:" */
  gsize lead = skip_fws(value, 0, vlen);          /* blanks kept as they were */
  gsize cur = lead;

  for (guint level = 0; level < SUBJECT_TAGS_MAX; level++) {
    gsize l = subject_tag_len(value + cur, vlen - cur);
    if (l == 0)
      return NULL;
    cur = skip_fws(value, cur + l, vlen);
    /* Drop any white space a tag ends with; the blanks before the value
     * stay, so the field reads as it did before the tag. */
    g_autoptr(GString) without = g_string_new_len(raw, (gssize)(head + lead));
    g_string_append_len(without, value + cur, (gssize)(vlen - cur));
    if (probe_one(hp, index, without->str, without->len)) {
      gsize tag_end = cur;
      while (tag_end > lead && is_fws_char(value[tag_end - 1]))
        tag_end--;
      g_autofree char *tags = raw_text(value + lead, tag_end - lead, FIELD_SHOWN_BYTES);
      DksClue *clue = clue_new(DKS_CLUE_SUBJECT_TAG_ADDED, DKS_PARTY_INTERMEDIARY,
        "The header signature verifies with \"%s\" removed from the Subject: the tag "
        "was added after signing (a gateway or a mailing list tagged the Subject)",
        tags);
      clue_add_raw(clue, "Subject now: ", value + lead, vlen - lead, FIELD_SHOWN_BYTES);
      clue_add_raw(clue, "Subject as signed: ", value + cur, vlen - cur, FIELD_SHOWN_BYTES);
      return clue;
    }
  }
  return NULL;
}

/* ---------------------------------------------------------- refolding */

static GString *
unfold(const char *raw, gsize n)
{
  g_autoptr(GString) out = g_string_sized_new(n);
  for (gsize i = 0; i < n; i++) {
    if (raw[i] == '\r' && i + 1 < n && raw[i + 1] == '\n') {
      i++;
      continue;
    }
    g_string_append_c(out, raw[i]);
  }
  return g_steal_pointer(&out);
}

/* Every fold's first WSP set to c ("\r\n\t" <-> "\r\n "). */
static GString *
fold_wsp_as(const char *raw, gsize n, char c)
{
  GString *out = g_string_new_len(raw, (gssize)n);
  for (gsize i = 2; i < out->len; i++)
    if (out->str[i - 2] == '\r' && out->str[i - 1] == '\n' && is_wsp(out->str[i]))
      out->str[i] = c;
  return out;
}

/* The common folding: lines of at most width octets, broken before a WSP
 * that follows a non-WSP octet (RFC 5322 §2.2.3), greedily. */
static GString *
refold(const char *u, gsize n, gsize width)
{
  GString *out = g_string_sized_new(n + n / width * 2 + 2);
  const char *colon = memchr(u, ':', n);
  gsize from = colon != NULL ? (gsize)(colon - u) + 1 : n;
  gsize line_start = 0, last = 0, copied = 0;

  for (gsize i = from + 1; i <= n; i++) {
    gboolean bp = i == n || (is_wsp(u[i]) && !is_wsp(u[i - 1]));
    if (!bp)
      continue;
    if (i - line_start > width && last > line_start) {
      g_string_append_len(out, u + copied, (gssize)(last - copied));
      g_string_append_len(out, "\r\n", 2);
      copied = last;
      line_start = last;
    }
    if (i < n)
      last = i;
  }
  g_string_append_len(out, u + copied, (gssize)(n - copied));
  return out;
}

static gboolean
same_text(const GString *a, const char *b, gsize n)
{
  return a->len == n && memcmp(a->str, b, n) == 0;
}

static gsize
longest_line(const char *raw, gsize n)
{
  gsize best = 0;
  for (gsize i = 0; i < n;) {
    gsize e = line_end(raw, i, n);
    best = MAX(best, e - i);
    i = line_next(e, n);
  }
  return best;
}

static void
gstring_free(gpointer s)
{
  g_string_free(s, TRUE);
}

typedef struct {
  const char *what;  /* "unfolded", ... */
  GString *raw;
} FoldVariant;

static void
fold_variant_clear(FoldVariant *v)
{
  if (v->raw != NULL)
    g_string_free(v->raw, TRUE);
  v->raw = NULL;
}

/* The variants of one field worth trying: unfolded, the folds' white space
 * swapped between tab and space, folded at FOLD_WIDTH.  Returns how many. */
static guint
fold_variants(const char *raw, gsize n, FoldVariant out[4])
{
  guint k = 0;
  gboolean folded = g_strstr_len(raw, (gssize)n, "\r\n") != NULL;
  g_autoptr(GString) u = unfold(raw, n);

  if (folded) {
    out[k++] = (FoldVariant){ "unfolded (as one line)", g_string_new_len(u->str, (gssize)u->len) };
    GString *sp = fold_wsp_as(raw, n, ' ');
    if (!same_text(sp, raw, n))
      out[k++] = (FoldVariant){ "with its folds starting with a space instead of a tab", sp };
    else
      g_string_free(sp, TRUE);
    GString *tab = fold_wsp_as(raw, n, '\t');
    if (!same_text(tab, raw, n))
      out[k++] = (FoldVariant){ "with its folds starting with a tab instead of a space", tab };
    else
      g_string_free(tab, TRUE);
  }
  if (folded || longest_line(raw, n) > FOLD_WIDTH) {
    GString *f = refold(u->str, u->len, FOLD_WIDTH);
    if (!same_text(f, raw, n) && !same_text(f, u->str, u->len))
      out[k++] = (FoldVariant){ "folded at 78 columns", f };
    else
      g_string_free(f, TRUE);
  }
  return k;
}

static gboolean
index_seen(const GArray *indexes, guint index)
{
  for (guint i = 0; i < indexes->len; i++)
    if (g_array_index(indexes, guint, i) == index)
      return TRUE;
  return FALSE;
}

static gint
compare_guint(gconstpointer a, gconstpointer b)
{
  guint x = *(const guint *)a, y = *(const guint *)b;
  return x < y ? -1 : x > y;
}

/* The signed fields actually present, in header order, plus the signature
 * field itself (simple canonicalization hashes its folds too). */
static GArray *
signed_field_indexes(const HeaderProbe *hp, const GPtrArray *fields)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint i = 0; i < fields->len && out->len < HEADER_FIELDS_TRIED; i++) {
    const DksSignedField *f = g_ptr_array_index(fields, i);
    guint idx = (guint)f->header_index;
    if (f->header_index >= 0 && !index_seen(out, idx))
      g_array_append_val(out, idx);
  }
  if (!index_seen(out, hp->sig->header_index))
    g_array_append_val(out, hp->sig->header_index);
  g_array_sort(out, compare_guint);
  return out;
}

static DksClue *
refold_clue(const HeaderProbe *hp, guint index, const char *what, const GString *as_signed)
{
  const DksHeader *h = dks_message_header(hp->msg, index);
  const char *raw = dks_header_raw(hp->msg, h);
  g_autofree char *name = g_strndup(raw, h->name_len);
  g_autofree char *now = dks_quote_bytes(raw, h->raw_len, FIELD_SHOWN_BYTES);
  g_autofree char *then = dks_quote_bytes(as_signed->str, as_signed->len, FIELD_SHOWN_BYTES);
  DksClue *clue = clue_new(DKS_CLUE_HEADER_REFOLDED, DKS_PARTY_INTERMEDIARY,
    "The header signature verifies with the %s field %s: a system on the way "
    "refolded it after signing, and simple header canonicalization (c=simple/...) "
    "hashes every fold as written", name, what);
  clue_add(clue, "now: %s", now);
  clue_add(clue, "as signed: %s", then);
  return clue;
}

static DksClue *
try_refolding(HeaderProbe *hp, const GPtrArray *fields)
{
  g_autoptr(GArray) indexes = signed_field_indexes(hp, fields);
  g_autoptr(GArray) all_unfolded = g_array_new(FALSE, FALSE, sizeof(Replacement));
  g_autoptr(GArray) all_refolded = g_array_new(FALSE, FALSE, sizeof(Replacement));
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(gstring_free);
  DksClue *found = NULL;

  for (guint i = 0; i < indexes->len && found == NULL; i++) {
    guint idx = g_array_index(indexes, guint, i);
    const DksHeader *h = dks_message_header(hp->msg, idx);
    const char *raw = dks_header_raw(hp->msg, h);
    FoldVariant v[4] = { 0 };
    guint k = fold_variants(raw, h->raw_len, v);

    for (guint j = 0; j < k; j++) {
      if (found == NULL && probe_one(hp, idx, v[j].raw->str, v[j].raw->len))
        found = refold_clue(hp, idx, v[j].what, v[j].raw);
      /* Remember the plain unfolded and refolded forms for the trial that
       * changes every field at once (a gateway refolds all of them). */
      Replacement r = { idx, v[j].raw->str, v[j].raw->len };
      if (g_str_has_prefix(v[j].what, "unfolded"))
        g_array_append_val(all_unfolded, r);
      else if (g_str_has_prefix(v[j].what, "folded"))
        g_array_append_val(all_refolded, r);
      else {
        fold_variant_clear(&v[j]);
        continue;
      }
      g_ptr_array_add(keep, v[j].raw);
      v[j].raw = NULL;
    }
  }
  if (found != NULL)
    return found;

  GArray *sets[] = { all_unfolded, all_refolded };
  const char *words[] = { "unfolded", "folded at 78 columns" };
  for (guint s = 0; s < G_N_ELEMENTS(sets); s++) {
    if (sets[s]->len < 2 ||
        !probe_verifies(hp, (const Replacement *)(void *)sets[s]->data, sets[s]->len))
      continue;
    DksClue *clue = clue_new(DKS_CLUE_HEADER_REFOLDED, DKS_PARTY_INTERMEDIARY,
      "The header signature verifies with %u fields %s: a system on the way refolded "
      "them after signing, and simple header canonicalization (c=simple/...) hashes "
      "every fold as written", sets[s]->len, words[s]);
    for (guint i = 0; i < sets[s]->len; i++) {
      const Replacement *r = &g_array_index(sets[s], Replacement, i);
      const DksHeader *h = dks_message_header(hp->msg, r->index);
      g_autofree char *now = dks_quote_bytes(dks_header_raw(hp->msg, h), h->raw_len,
                                             FIELD_SHOWN_BYTES);
      clue_add(clue, "now: %s", now);
    }
    return clue;
  }
  return NULL;
}

/* --------------------------------------------------------- z= copies */

/* The relaxed canonical form of "name:value" for comparing. */
static GString *
relaxed_field(const char *raw, gsize n)
{
  GString *out = g_string_new(NULL);
  dks_header_canonicalize(raw, n, DKS_CANON_RELAXED, FALSE, out);
  return out;
}

/* The current field a z= entry describes: the j-th signed field of that
 * name (h= order), else the bottom-most field of that name, else -1. */
static gint
copied_field_index(const DksMessage *msg, const GPtrArray *fields, const char *name,
                   guint nth)
{
  guint seen = 0;
  for (guint i = 0; i < fields->len; i++) {
    const DksSignedField *f = g_ptr_array_index(fields, i);
    if (f->header_index < 0 || g_ascii_strcasecmp(f->name, name) != 0)
      continue;
    if (seen++ == nth)
      return f->header_index;
  }
  for (guint i = msg->headers->len; i > 0; i--)
    if (dks_header_is(msg, dks_message_header(msg, i - 1), name))
      return (gint)(i - 1);
  return -1;
}

static DksClue *
compare_copied_headers(HeaderProbe *hp, const GPtrArray *fields)
{
  const GPtrArray *copies = hp->sig->copied_headers;
  g_autoptr(GHashTable) counts = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GArray) repl = g_array_new(FALSE, FALSE, sizeof(Replacement));
  g_autoptr(GPtrArray) keep = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) facts = g_ptr_array_new_with_free_func(g_free);
  guint differ = 0, missing = 0;

  if (copies == NULL || copies->len == 0)
    return NULL;
  for (guint i = 0; i < copies->len; i++) {
    const char *entry = g_ptr_array_index(copies, i);
    const char *colon = strchr(entry, ':');
    if (colon == NULL || colon == entry)
      continue;
    g_autofree char *name = g_strstrip(g_strndup(entry, (gsize)(colon - entry)));
    g_autofree char *key = g_ascii_strdown(name, -1);
    guint nth = GPOINTER_TO_UINT(g_hash_table_lookup(counts, key));
    g_hash_table_replace(counts, g_strdup(key), GUINT_TO_POINTER(nth + 1));
    gint idx = copied_field_index(hp->msg, fields, name, nth);
    g_autofree char *then = raw_text(colon + 1, strlen(colon + 1), FIELD_SHOWN_BYTES);

    if (idx < 0) {
      missing++;
      g_ptr_array_add(facts, g_strdup_printf("%s: present when signed ('%s'), absent now",
                                             name, then));
      continue;
    }
    const DksHeader *h = dks_message_header(hp->msg, (guint)idx);
    const char *raw = dks_header_raw(hp->msg, h);
    g_autoptr(GString) a = relaxed_field(entry, strlen(entry));
    g_autoptr(GString) b = relaxed_field(raw, h->raw_len);
    gsize vlen = 0;
    const char *value = dks_header_value(hp->msg, h, &vlen);
    g_autofree char *now = raw_text(value, vlen, FIELD_SHOWN_BYTES);

    if (g_string_equal(a, b)) {
      /* The same for relaxed; with simple only exact octets count, which z=
       * (no folds, decoded) cannot settle: say so only when it may matter. */
      gboolean exact = strlen(colon + 1) == vlen && memcmp(colon + 1, value, vlen) == 0;
      if (!exact && hp->sig->header_canon == DKS_CANON_SIMPLE)
        g_ptr_array_add(facts, g_strdup_printf("%s: same words, other white space or "
                                               "folding (counts for c=simple)", name));
      continue;
    }
    differ++;
    g_ptr_array_add(facts, g_strdup_printf("%s: signed '%s', now '%s'", name, then, now));
    char *as_signed = g_strdup_printf("%.*s:%s", (int)h->name_len, raw, colon + 1);
    Replacement r = { (guint)idx, as_signed, strlen(as_signed) };
    g_ptr_array_add(keep, as_signed);
    g_array_append_val(repl, r);
  }
  if (facts->len == 0)
    return NULL;

  DksClue *clue = clue_new(DKS_CLUE_COPIED_HEADER_DIFFERS, DKS_PARTY_INTERMEDIARY,
    "%u signed field%s differ%s from the copies the signer kept in z=%s",
    differ + missing, differ + missing == 1 ? "" : "s", differ + missing == 1 ? "s" : "",
    missing > 0 ? " (some are gone)" : "");
  if (differ + missing == 0) {
    g_free(clue->summary);
    clue->summary = g_strdup("The z= copies match the fields except for white space "
                             "or folding, which simple header canonicalization counts");
  }
  for (guint i = 0; i < facts->len; i++)
    clue_add(clue, "%s", (const char *)g_ptr_array_index(facts, i));
  if (repl->len > 0) {
    g_array_sort(repl, compare_guint); /* index is the first member */
    if (probe_verifies(hp, (const Replacement *)(void *)repl->data, repl->len))
      clue_add(clue, "with the z= copies in place of these fields the header signature "
               "verifies: these changes are the whole story");
    else
      clue_add(clue, "with the z= copies in place of these fields it still does not "
               "verify (z= keeps no folding, or more changed)");
  }
  return clue;
}

/* ------------------------------------------ when nothing is recognised */

static char *
hex_prefix(const guint8 *d, gsize n, gsize shown)
{
  GString *out = g_string_new(NULL);
  for (gsize i = 0; i < n && i < shown; i++)
    g_string_append_printf(out, "%02x", d[i]);
  if (n > shown)
    g_string_append(out, "…");
  return g_string_free(out, FALSE);
}

static DksClue *
header_changed_clue(HeaderProbe *hp, const DksSignedDigest *signed_digest)
{
  DksHash hash = sig_hash(hp->sig);
  DksClue *clue = clue_new(DKS_CLUE_HEADER_CHANGED, DKS_PARTY_INTERMEDIARY,
    "The published key opens b= into a well-formed signature block: this key made "
    "the signature, so the key is right and a signed header field changed after "
    "signing, in a way not recognised (not a Subject tag%s)",
    hp->sig->header_canon == DKS_CANON_SIMPLE ? ", not refolding" : "");
  g_autoptr(GBytes) input = dks_header_hash_input(hp->msg, hp->sig, NULL);
  gsize n = 0;
  const void *data = g_bytes_get_data(input, &n);
  guint8 now[32];
  gsize now_len = dks_digest(hash, data, n, now);
  g_autofree char *signed_hex = hex_prefix(signed_digest->digest, signed_digest->digest_len, 8);
  g_autofree char *now_hex = hex_prefix(now, now_len, 8);

  clue_add(clue, "b= opened with the published key: RSA PKCS#1 v1.5 block holding a %s "
           "digest %s", dks_hash_name(signed_digest->hash), signed_hex);
  clue_add(clue, "%s of the signed header fields now: %s", dks_hash_name(hash), now_hex);
  if (signed_digest->hash != hash)
    clue_add(clue, "the block holds a %s digest while a= says %s: a= was edited after "
             "signing", dks_hash_name(signed_digest->hash),
             hp->sig->algorithm_name ? hp->sig->algorithm_name : "?");
  return clue;
}

static DksClue *
key_mismatch_clue(HeaderProbe *hp, DksSignatureOpening opening)
{
  const DksPublicKey *key = hp->key;
  g_autofree char *fp = dks_public_key_fingerprint(key);
  guint bits = dks_public_key_bits(key);
  gsize blen = 0;
  if (hp->sig->b != NULL)
    g_bytes_get_data(hp->sig->b, &blen);
  gboolean rsa = dks_public_key_type(key) == DKS_KEY_TYPE_RSA;
  gboolean size_differs = rsa && bits > 0 && blen > 0 && blen != (bits + 7) / 8;
  DksClue *clue;

  if (size_differs || opening == DKS_OPENING_NOT_THIS_KEY) {
    clue = clue_new(DKS_CLUE_KEY_MISMATCH, DKS_PARTY_SENDER_DNS,
      "b= was not made with the published key: the signer used another private key "
      "(the key was rotated, the wrong key is published, or the signer is set up "
      "with a different key) — unless b= itself was damaged");
  } else {
    clue = clue_new(DKS_CLUE_KEY_MISMATCH, DKS_PARTY_SENDER_DNS,
      "Nothing recognisable explains the failure: the published key may not be the "
      "one the signer used (rotated, or a wrong key published), or the signer used a "
      "different key — or the signed header fields changed in a way not recognised");
  }
  clue_add(clue, "published key: %s %u bits, SHA-256 fingerprint %s",
           dks_key_type_name(dks_public_key_type(key)), bits, fp != NULL ? fp : "?");
  if (size_differs)
    clue_add(clue, "b= is %" G_GSIZE_FORMAT " octets, the size of a %" G_GSIZE_FORMAT
             "-bit RSA signature; the published key is %u bits: it cannot have made it",
             blen, blen * 8, bits);
  else if (opening == DKS_OPENING_NOT_THIS_KEY)
    clue_add(clue, "b= opened with the published key gives no PKCS#1 v1.5 block "
             "(RFC 8017 §9.2): another key made it");
  else if (!rsa)
    clue_add(clue, "an Ed25519 signature cannot be opened to tell a changed header from "
             "a different key");
  clue_add(clue, "tried: Subject tags removed%s%s",
           hp->sig->header_canon == DKS_CANON_SIMPLE ? ", fields unfolded and refolded" : "",
           hp->sig->copied_headers != NULL ? ", z= copies compared" : "");
  return clue;
}

GPtrArray *
dks_forensics_header(const DksMessage *msg, const DksSignature *sig,
                     const DksPublicKey *key)
{
  GPtrArray *clues = clue_array();
  HeaderProbe hp = { msg, sig, key, 0 };
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GBytes) input = NULL;
  gsize n = 0;
  const void *data;

  if (msg == NULL || sig == NULL || key == NULL || sig->b == NULL ||
      sig->header_index >= msg->headers->len)
    return clues;
  input = dks_header_hash_input(msg, sig, &fields);
  data = g_bytes_get_data(input, &n);
  if (dks_public_key_verify(key, sig_hash(sig), data, n, sig->b))
    return clues; /* it verifies: nothing to explain */

  for (guint i = 0; i < fields->len; i++) {
    const DksSignedField *f = g_ptr_array_index(fields, i);
    if (f->header_index < 0 || g_ascii_strcasecmp(f->name, "subject") != 0)
      continue;
    DksClue *clue = try_subject_tags(&hp, (guint)f->header_index);
    if (clue != NULL) {
      g_ptr_array_add(clues, clue);
      break;
    }
  }
  if (clues->len == 0 && sig->header_canon == DKS_CANON_SIMPLE) {
    DksClue *clue = try_refolding(&hp, fields);
    if (clue != NULL)
      g_ptr_array_add(clues, clue);
  }
  DksClue *copied = compare_copied_headers(&hp, fields);
  if (copied != NULL)
    g_ptr_array_add(clues, copied);
  if (clues->len > 0)
    return clues;

  /* Nothing recognised: does the key open b=?  A well-formed block means
   * this key made it and a signed field changed; anything else, another
   * key made it. */
  DksSignedDigest signed_digest;
  DksSignatureOpening opening = dks_public_key_open(key, sig->b, &signed_digest);
  if (opening == DKS_OPENING_WELL_FORMED)
    g_ptr_array_add(clues, header_changed_clue(&hp, &signed_digest));
  else
    g_ptr_array_add(clues, key_mismatch_clue(&hp, opening));
  return clues;
}

/* ============================================================ key probes */

void
dks_key_probe_free(DksKeyProbe *probe)
{
  if (probe == NULL)
    return;
  g_free(probe->name);
  g_free(probe->key_name);
  g_free(probe);
}

static void
probe_add(GPtrArray *probes, DksClueKind kind, const char *key_name, char *name)
{
  g_autofree char *owned = name;
  g_autoptr(GError) error = NULL;
  g_autofree char *canonical = NULL;

  if (strlen(owned) > DKS_MAX_DNS_NAME_BYTES)
    return;
  canonical = dks_dns_name_canonical(owned, &error);
  if (canonical == NULL)
    return;
  for (guint i = 0; i < probes->len; i++) {
    const DksKeyProbe *p = g_ptr_array_index(probes, i);
    if (g_ascii_strcasecmp(p->name, owned) == 0 && p->kind == kind)
      return;
  }
  DksKeyProbe *probe = g_new0(DksKeyProbe, 1);
  probe->kind = kind;
  probe->name = g_steal_pointer(&owned);
  probe->key_name = g_strdup(key_name);
  g_ptr_array_add(probes, probe);
}

static guint
count_labels(const char *name)
{
  guint n = 1;
  for (const char *p = name; *p; p++)
    n += *p == '.';
  return n;
}

GPtrArray *
dks_forensics_key_probes(const DksSignature *sig)
{
  GPtrArray *probes = g_ptr_array_new_with_free_func((GDestroyNotify)dks_key_probe_free);
  g_autofree char *key_name = dks_signature_key_name(sig);

  if (key_name == NULL)
    return probes;
  const char *s = sig->selector;
  g_autofree char *d = g_strdup(sig->domain);
  gsize dl = strlen(d);
  if (dl > 1 && d[dl - 1] == '.')
    d[dl - 1] = '\0';
  guint labels = count_labels(d);
  const char *parent = strchr(d, '.');

  probe_add(probes, DKS_CLUE_KEY_AT_DOUBLED_DOMAIN, key_name,
            g_strdup_printf("%s._domainkey.%s.%s", s, d, d));
  if (labels >= 3) {
    /* The zone is often the parent: its editor appends that instead. */
    probe_add(probes, DKS_CLUE_KEY_AT_DOUBLED_DOMAIN, key_name,
              g_strdup_printf("%s._domainkey.%s.%s", s, d, parent + 1));
  }
  probe_add(probes, DKS_CLUE_KEY_WITHOUT_UNDERSCORE, key_name,
            g_strdup_printf("%s.domainkey.%s", s, d));
  if (labels >= 3)
    probe_add(probes, DKS_CLUE_KEY_AT_PARENT_DOMAIN, key_name,
              g_strdup_printf("%s._domainkey.%s", s, parent + 1));
  probe_add(probes, DKS_CLUE_KEY_AT_CHILD_NAME, key_name,
            g_strdup_printf("%s._domainkey.%s._domainkey.%s", s, s, d));
  probe_add(probes, DKS_CLUE_CNAME_TARGET_AS_TXT, key_name, g_strdup(key_name));
  return probes;
}

/* A host name and nothing else: letters, digits, '-', '_', dots between
 * labels of 1..63 octets, at least two labels, an optional final dot. */
static gboolean
looks_like_host(const char *p, gsize n)
{
  gsize label = 0;
  guint dots = 0;

  while (n > 0 && is_fws_char(p[n - 1]))
    n--;
  while (n > 0 && is_fws_char(*p))
    p++, n--;
  if (n > 0 && p[n - 1] == '.')
    n--;
  if (n < 3 || n > DKS_MAX_DNS_NAME_BYTES)
    return FALSE;
  for (gsize i = 0; i < n; i++) {
    char c = p[i];
    if (c == '.') {
      if (label == 0)
        return FALSE;
      label = 0;
      dots++;
    } else if (g_ascii_isalnum(c) || c == '-' || c == '_') {
      if (++label > 63)
        return FALSE;
    } else {
      return FALSE;
    }
  }
  return label > 0 && dots >= 1;
}

static gboolean
looks_like_key(const char *p, gsize n)
{
  g_autoptr(DksKeyRecord) key = dks_key_record_parse(p, n);
  return key->p_text != NULL && key->p_text[0] != '\0';
}

static const char *
probe_summary(DksClueKind kind)
{
  switch (kind) {
  case DKS_CLUE_KEY_AT_DOUBLED_DOMAIN:
    return "the domain is doubled: the full name was typed into a zone editor "
           "that appends the zone's name by itself";
  case DKS_CLUE_KEY_WITHOUT_UNDERSCORE:
    return "\"domainkey\" lacks its underscore";
  case DKS_CLUE_KEY_AT_PARENT_DOMAIN:
    return "it sits under the parent domain, not under d=";
  case DKS_CLUE_KEY_AT_CHILD_NAME:
    return "the name \"<selector>._domainkey\" was entered twice";
  default:
    return "the name is not the one verifiers query";
  }
}

DksClue *
dks_forensics_key_probe_clue(const DksKeyProbe *probe, const DksDnsAnswer *answer)
{
  if (probe == NULL || answer == NULL || answer->outcome != DKS_DNS_ANSWER ||
      answer->txt == NULL)
    return NULL;
  const char *key_name = probe->key_name != NULL ? probe->key_name : probe->name;

  for (guint i = 0; i < answer->txt->len; i++) {
    const DksTxtRecord *txt = g_ptr_array_index(answer->txt, i);
    gsize n = 0;
    const char *text = txt->joined != NULL ? g_bytes_get_data(txt->joined, &n) : NULL;
    if (text == NULL || n == 0 || n > DKS_MAX_KEY_RECORD_BYTES)
      continue;

    if (probe->kind == DKS_CLUE_CNAME_TARGET_AS_TXT) {
      if (!looks_like_host(text, n))
        continue;
      g_autofree char *host = raw_text(text, n, DKS_MAX_DNS_NAME_BYTES + 8);
      g_strstrip(host);
      gsize hl = strlen(host);
      if (hl > 1 && host[hl - 1] == '.')
        host[hl - 1] = '\0';
      DksClue *clue = clue_new(DKS_CLUE_CNAME_TARGET_AS_TXT, DKS_PARTY_SENDER_DNS,
        "The TXT record at %s holds a host name, \"%s\", not a key: it was meant to be "
        "a CNAME record pointing there", probe->name, host);
      clue_add(clue, "TXT at %s: \"%s\"", probe->name, host);
      if (strstr(host, "._domainkey.") != NULL)
        clue_add(clue, "the host name is itself a DKIM key name: a provider's CNAME "
                 "target (Microsoft 365 and others publish the key there)");
      clue_add(clue, "fix: replace the TXT record by \"%s. CNAME %s.\"", probe->name, host);
      return clue;
    }

    if (!looks_like_key(text, n))
      continue;
    DksClue *clue = clue_new(probe->kind, DKS_PARTY_SENDER_DNS,
      "A DKIM key is published at %s, but verifiers look at %s: %s",
      probe->name, key_name, probe_summary(probe->kind));
    clue_add_raw(clue, "TXT found there: ", text, n, 80);
    if (answer->cname_chain != NULL && answer->cname_chain->len > 0) {
      const DksCnameHop *hop = g_ptr_array_index(answer->cname_chain,
                                                 answer->cname_chain->len - 1);
      clue_add(clue, "reached through a CNAME to %s", hop->target);
    }
    const char *cut = strstr(key_name, "._domainkey.");
    g_autofree char *host = cut != NULL ? g_strndup(key_name, (gsize)(cut - key_name) + 11)
                                        : g_strdup(key_name);
    clue_add(clue, "fix: publish the same record at %s (in a zone editor for the "
             "domain the host is usually just \"%s\")", key_name, host);
    return clue;
  }
  return NULL;
}

/* ============================================================ key record */

typedef struct {
  const char *name;
  const guint8 *seq;
  gsize len;
} Invisible;

static const Invisible invisibles[] = {
  { "U+00A0 NO-BREAK SPACE", (const guint8 *)"\xc2\xa0", 2 },
  { "U+00AD SOFT HYPHEN", (const guint8 *)"\xc2\xad", 2 },
  { "U+200B ZERO WIDTH SPACE", (const guint8 *)"\xe2\x80\x8b", 3 },
  { "U+200C ZERO WIDTH NON-JOINER", (const guint8 *)"\xe2\x80\x8c", 3 },
  { "U+200D ZERO WIDTH JOINER", (const guint8 *)"\xe2\x80\x8d", 3 },
  { "U+200E LEFT-TO-RIGHT MARK", (const guint8 *)"\xe2\x80\x8e", 3 },
  { "U+200F RIGHT-TO-LEFT MARK", (const guint8 *)"\xe2\x80\x8f", 3 },
  { "U+2018 LEFT SINGLE QUOTATION MARK", (const guint8 *)"\xe2\x80\x98", 3 },
  { "U+2019 RIGHT SINGLE QUOTATION MARK", (const guint8 *)"\xe2\x80\x99", 3 },
  { "U+201C LEFT DOUBLE QUOTATION MARK", (const guint8 *)"\xe2\x80\x9c", 3 },
  { "U+201D RIGHT DOUBLE QUOTATION MARK", (const guint8 *)"\xe2\x80\x9d", 3 },
  { "U+2013 EN DASH", (const guint8 *)"\xe2\x80\x93", 3 },
  { "U+2014 EM DASH", (const guint8 *)"\xe2\x80\x94", 3 },
  { "U+202F NARROW NO-BREAK SPACE", (const guint8 *)"\xe2\x80\xaf", 3 },
  { "U+2060 WORD JOINER", (const guint8 *)"\xe2\x81\xa0", 3 },
  { "U+3000 IDEOGRAPHIC SPACE", (const guint8 *)"\xe3\x80\x80", 3 },
  { "U+FEFF BYTE ORDER MARK", (const guint8 *)"\xef\xbb\xbf", 3 },
};

/* What the junk at text[i] is (and its length in *len), or NULL when the
 * octet is fine.  in_p: inside the p= value, where only base64 and FWS
 * belong. */
static const char *
junk_at(const char *text, gsize n, gsize i, gboolean in_p, gsize *len)
{
  guchar c = (guchar)text[i];

  *len = 1;
  if (c >= 0x80) {
    for (gsize k = 0; k < G_N_ELEMENTS(invisibles); k++) {
      if (i + invisibles[k].len <= n &&
          memcmp(text + i, invisibles[k].seq, invisibles[k].len) == 0) {
        *len = invisibles[k].len;
        return invisibles[k].name;
      }
    }
    if (c == 0xa0)
      return "octet A0 (a no-break space in Latin-1)";
    return "an 8-bit octet (not ASCII)";
  }
  if (c == '"')
    return "a double quote '\"' (quoting belongs to the zone file, not the record)";
  if (c == '\\')
    return "a backslash (a zone file escape that became part of the record)";
  if (c == 0)
    return "a NUL octet";
  if (c == '\t' || c == '\r' || c == '\n' || c == ' ')
    return NULL; /* FWS: allowed everywhere in a tag-list */
  if (c < 0x20 || c == 0x7f)
    return "a control octet";
  if (in_p && !(g_ascii_isalnum(c) || c == '+' || c == '/' || c == '='))
    return "an octet outside base64";
  return NULL;
}

static DksClue *
key_junk_clue(const char *text, gsize n, const DksKeyRecord *key)
{
  const DksTag *p = key != NULL && key->tags != NULL ? dks_tag_list_get(key->tags, "p") : NULL;
  gsize p_from = p != NULL ? p->value_offset : n + 1;
  gsize p_to = p != NULL ? p->value_offset + p->value_len : n + 1;
  guint found = 0, spaces = 0;
  g_autoptr(GString) space_at = g_string_new(NULL);
  g_autoptr(GPtrArray) facts = g_ptr_array_new_with_free_func(g_free);

  for (gsize i = 0; i < n;) {
    gboolean in_p = i >= p_from && i < p_to;
    gsize len = 1;
    const char *what = junk_at(text, n, i, in_p, &len);
    if (what != NULL) {
      found++;
      if (facts->len < JUNK_SHOWN) {
        g_autofree char *octets = dks_quote_bytes(text + i, len, 8);
        if (in_p)
          g_ptr_array_add(facts, g_strdup_printf("octet %" G_GSIZE_FORMAT " (p= offset %"
                          G_GSIZE_FORMAT "): %s, %s", i, i - p_from, what, octets));
        else
          g_ptr_array_add(facts, g_strdup_printf("octet %" G_GSIZE_FORMAT ": %s, %s",
                                                 i, what, octets));
      }
    } else if (in_p && is_wsp(text[i])) {
      if (spaces++ < JUNK_SHOWN)
        g_string_append_printf(space_at, "%s%" G_GSIZE_FORMAT, spaces > 1 ? ", " : "",
                               i - p_from);
    }
    i += len;
  }
  if (found == 0)
    return NULL;

  DksClue *clue = clue_new(DKS_CLUE_KEY_JUNK, DKS_PARTY_SENDER_DNS,
    "The key record holds %u octet sequence%s that do%s not belong in it (invisible "
    "characters from a web page or document, quotes or backslashes from splitting the "
    "key by hand): remove them and publish the record again", found,
    found == 1 ? "" : "s", found == 1 ? "es" : "");
  for (guint i = 0; i < facts->len; i++)
    clue_add(clue, "%s", (const char *)g_ptr_array_index(facts, i));
  if (found > facts->len)
    clue_add(clue, "… and %u more", found - facts->len);
  if (spaces > 0)
    clue_add(clue, "white space inside p= at offset%s %s%s (allowed as FWS by RFC 6376 "
             "§3.6.1; not the problem)", spaces == 1 ? "" : "s", space_at->str,
             spaces > JUNK_SHOWN ? ", …" : "");
  return clue;
}

/* Reads a DER length at der[*i]; FALSE when malformed or too long. */
static gboolean
der_length(const guint8 *der, gsize n, gsize *i, gsize *out)
{
  if (*i >= n)
    return FALSE;
  guint8 first = der[(*i)++];
  if (first < 0x80) {
    *out = first;
    return TRUE;
  }
  guint k = first & 0x7f;
  if (k == 0 || k > 3 || *i + k > n)
    return FALSE;
  gsize len = 0;
  for (guint j = 0; j < k; j++)
    len = (len << 8) | der[(*i)++];
  *out = len;
  return TRUE;
}

static const guint8 rsa_oid[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01 };

typedef struct {
  gsize have, declared;  /* DER octets present / declared by the outer SEQUENCE */
  guint bits;            /* modulus size when readable, else an estimate, or 0 */
  gboolean spki;         /* SubjectPublicKeyInfo (else bare PKCS#1) */
} CutKey;

/* Looks for the modulus INTEGER of an RSA key in a (possibly cut) DER. */
static guint
modulus_bits(const guint8 *der, gsize n, gsize i)
{
  /* SPKI: SEQUENCE { SEQUENCE { OID, NULL }, BIT STRING { 00, SEQUENCE {
   * INTEGER n, INTEGER e } } }; bare PKCS#1 starts at the inner SEQUENCE. */
  for (gsize guard = 0; guard < 8 && i < n; guard++) {
    guint8 tag = der[i++];
    gsize len = 0;
    if (!der_length(der, n, &i, &len))
      return 0;
    if (tag == 0x30)
      continue;                 /* step into the SEQUENCE */
    if (tag == 0x03) {
      i++;                      /* BIT STRING: skip the unused-bits octet */
      continue;
    }
    if (tag == 0x02) {
      if (i < n && der[i] == 0x00 && len > 0)
        len--;
      return (guint)MIN(len * 8, (gsize)G_MAXUINT / 2);
    }
    i += len;                   /* AlgorithmIdentifier and the like */
  }
  return 0;
}

static gboolean
contains(const guint8 *hay, gsize n, const guint8 *needle, gsize k)
{
  for (gsize i = 0; i + k <= n; i++)
    if (memcmp(hay + i, needle, k) == 0)
      return TRUE;
  return FALSE;
}

/* Is p= an RSA key whose DER says it is longer than what p= holds? */
static gboolean
find_cut_key(const DksKeyRecord *key, CutKey *out)
{
  g_autoptr(GString) b64 = g_string_new(NULL);

  if (key == NULL || key->p_text == NULL || key->key_type == DKS_KEY_TYPE_ED25519)
    return FALSE;
  for (const char *p = key->p_text; *p; p++)
    if (g_ascii_isalnum(*p) || *p == '+' || *p == '/')
      g_string_append_c(b64, *p);
  g_string_truncate(b64, b64->len - b64->len % 4);
  if (b64->len < 8)
    return FALSE;
  g_autoptr(GBytes) der = dks_base64_decode_strict(b64->str, b64->len, NULL);
  if (der == NULL)
    return FALSE;
  gsize n = 0;
  const guint8 *d = g_bytes_get_data(der, &n);
  gsize i = 1, len = 0;
  if (n < 4 || d[0] != 0x30 || !der_length(d, n, &i, &len))
    return FALSE;
  out->have = n;
  out->declared = i + len;
  if (out->declared <= n)
    return FALSE;
  out->spki = contains(d, MIN(n, (gsize)32), rsa_oid, sizeof rsa_oid);
  out->bits = modulus_bits(d, n, 0);
  if (out->bits == 0) /* SPKI overhead is about 38 octets over the modulus */
    out->bits = (guint)(out->declared > 38 ? (out->declared - 38) * 8 : 0);
  return TRUE;
}

/* A character-string (or the record, or p=) of exactly 255 octets. */
static gboolean
cut_at_255(const DksTxtRecord *txt, const DksKeyRecord *key, gsize *record_len)
{
  gboolean hit = FALSE;
  if (txt != NULL && txt->strings != NULL)
    for (guint i = 0; i < txt->strings->len; i++)
      hit = hit || g_bytes_get_size(g_ptr_array_index(txt->strings, i)) == 255;
  if (key != NULL && key->text_len == 255)
    hit = TRUE;
  if (key != NULL && key->p_text != NULL) {
    gsize symbols = 0;
    for (const char *p = key->p_text; *p; p++)
      symbols += !is_fws_char(*p);
    hit = hit || symbols == 255;
  }
  *record_len = key != NULL ? key->text_len : 0;
  return hit;
}

GPtrArray *
dks_forensics_key_record(const DksTxtRecord *txt, const DksKeyRecord *key)
{
  GPtrArray *clues = clue_array();
  g_autoptr(DksKeyRecord) parsed = NULL;
  const char *text = NULL;
  gsize n = 0;

  if (key == NULL && txt != NULL && txt->joined != NULL) {
    gsize len = 0;
    const char *data = g_bytes_get_data(txt->joined, &len);
    key = parsed = dks_key_record_parse(data != NULL ? data : "", len);
  }
  if (key != NULL) {
    text = key->text;
    n = key->text_len;
  } else if (txt != NULL && txt->joined != NULL) {
    text = g_bytes_get_data(txt->joined, &n);
  }
  if (text == NULL)
    return clues;
  n = MIN(n, (gsize)DKS_MAX_KEY_RECORD_BYTES);

  DksClue *junk = key_junk_clue(text, n, key);
  if (junk != NULL)
    g_ptr_array_add(clues, junk);

  CutKey cut = { 0 };
  if (find_cut_key(key, &cut)) {
    gsize record_len = 0;
    gboolean at_255 = cut_at_255(txt, key, &record_len);
    gsize need_b64 = (cut.declared + 2) / 3 * 4;
    DksClue *clue = clue_new(at_255 ? DKS_CLUE_KEY_CUT_AT_255 : DKS_CLUE_KEY_TRUNCATED,
      DKS_PARTY_SENDER_DNS,
      at_255 ? "A %u-bit RSA key cut at 255 characters: p= holds only the start of the "
               "key. A TXT character-string holds at most 255 octets (RFC 1035 §3.3); a "
               "longer key must be published as several strings in one record "
               "(RFC 6376 §3.6.2.2), not cut" :
               "p= holds only the start of a %u-bit RSA key: the record was cut short "
               "when it was published",
      cut.bits);
    clue_add(clue, "p= decodes to %" G_GSIZE_FORMAT " octets; its DER %s says %"
             G_GSIZE_FORMAT " octets (about %" G_GSIZE_FORMAT " base64 characters)",
             cut.have, cut.spki ? "SubjectPublicKeyInfo" : "structure", cut.declared,
             need_b64);
    if (txt != NULL && txt->strings != NULL) {
      g_autoptr(GString) lens = g_string_new(NULL);
      for (guint i = 0; i < txt->strings->len && i < 16; i++)
        g_string_append_printf(lens, "%s%" G_GSIZE_FORMAT, i > 0 ? " + " : "",
                               g_bytes_get_size(g_ptr_array_index(txt->strings, i)));
      clue_add(clue, "TXT character-strings: %s octets", lens->str);
    }
    if (record_len > 0)
      clue_add(clue, "the record is %" G_GSIZE_FORMAT " octets", record_len);
    g_ptr_array_add(clues, clue);
  }
  return clues;
}

/* ============================================================ time */

typedef struct {
  const char *p;
  gsize n, i;
} DateLex;

static void
date_cfws(DateLex *lx)
{
  for (;;) {
    while (lx->i < lx->n && is_fws_char(lx->p[lx->i]))
      lx->i++;
    if (lx->i >= lx->n || lx->p[lx->i] != '(')
      return;
    guint depth = 0;
    while (lx->i < lx->n) {
      char c = lx->p[lx->i++];
      if (c == '\\' && lx->i < lx->n) {
        lx->i++;
      } else if (c == '(') {
        if (++depth > DATE_COMMENT_DEPTH) {
          lx->i = lx->n + 1; /* too deep: the date is refused */
          return;
        }
      } else if (c == ')') {
        if (--depth == 0)
          break;
      }
    }
    if (depth != 0) {
      lx->i = lx->n + 1;
      return;
    }
  }
}

static gsize
date_word(DateLex *lx, char *buf, gsize cap)
{
  gsize k = 0;
  while (lx->i < lx->n && g_ascii_isalpha(lx->p[lx->i])) {
    if (k + 1 >= cap)
      return 0;
    buf[k++] = lx->p[lx->i++];
  }
  buf[k] = '\0';
  return k;
}

static gboolean
date_number(DateLex *lx, guint min_digits, guint max_digits, guint *value, guint *digits)
{
  guint v = 0, k = 0;
  while (lx->i < lx->n && g_ascii_isdigit(lx->p[lx->i])) {
    if (++k > max_digits)
      return FALSE;
    v = v * 10 + (guint)(lx->p[lx->i++] - '0');
  }
  if (k < min_digits)
    return FALSE;
  *value = v;
  if (digits != NULL)
    *digits = k;
  return TRUE;
}

static gboolean
date_char(DateLex *lx, char c)
{
  if (lx->i < lx->n && lx->p[lx->i] == c) {
    lx->i++;
    return TRUE;
  }
  return FALSE;
}

static gint
index_of_name(const char *const *names, guint count, const char *word)
{
  for (guint i = 0; i < count; i++)
    if (g_ascii_strcasecmp(names[i], word) == 0)
      return (gint)i;
  return -1;
}

/* An obsolete zone name's offset in seconds (RFC 5322 §4.3); military
 * letters mean nothing certain and count as +0000 ("-0000"). */
static gboolean
obs_zone(const char *word, gint *offset)
{
  static const struct { const char *name; gint hours; } zones[] = {
    { "UT", 0 }, { "GMT", 0 }, { "UTC", 0 }, { "Z", 0 },
    { "EST", -5 }, { "EDT", -4 }, { "CST", -6 }, { "CDT", -5 },
    { "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(zones); i++) {
    if (g_ascii_strcasecmp(zones[i].name, word) == 0) {
      *offset = zones[i].hours * 3600;
      return TRUE;
    }
  }
  if (strlen(word) == 1 && g_ascii_isalpha(word[0]) && g_ascii_tolower(word[0]) != 'j') {
    *offset = 0;
    return TRUE;
  }
  return FALSE;
}

/* RFC 5322 §3.3 date-time (with the §4.3 obsolete forms), whole text. */
static gint64
parse_rfc5322_date(const char *p, gsize n)
{
  static const char *const days[] = { "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun" };
  static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
  DateLex lx = { p, n, 0 };
  char word[16];
  guint day = 0, year = 0, ydigits = 0, hour = 0, minute = 0, second = 0, zone = 0;
  gint offset = 0;
  gint month;

  date_cfws(&lx);
  if (lx.i < n && g_ascii_isalpha(p[lx.i])) {
    if (date_word(&lx, word, sizeof word) == 0 || index_of_name(days, 7, word) < 0)
      return 0;
    date_cfws(&lx);
    if (!date_char(&lx, ','))
      return 0;
    date_cfws(&lx);
  }
  if (!date_number(&lx, 1, 2, &day, NULL))
    return 0;
  date_cfws(&lx);
  if (date_word(&lx, word, sizeof word) == 0 || (month = index_of_name(months, 12, word)) < 0)
    return 0;
  date_cfws(&lx);
  if (!date_number(&lx, 2, 4, &year, &ydigits))
    return 0;
  if (ydigits == 2)
    year += year < 50 ? 2000 : 1900;
  else if (ydigits == 3)
    year += 1900;
  date_cfws(&lx);
  if (!date_number(&lx, 1, 2, &hour, NULL))
    return 0;
  date_cfws(&lx);
  if (!date_char(&lx, ':'))
    return 0;
  date_cfws(&lx);
  if (!date_number(&lx, 2, 2, &minute, NULL))
    return 0;
  date_cfws(&lx);
  if (date_char(&lx, ':')) {
    date_cfws(&lx);
    if (!date_number(&lx, 2, 2, &second, NULL))
      return 0;
  }
  date_cfws(&lx);
  if (lx.i < n && (p[lx.i] == '+' || p[lx.i] == '-')) {
    gint sign = p[lx.i++] == '-' ? -1 : 1;
    guint digits = 0;
    if (!date_number(&lx, 4, 4, &zone, &digits) || zone % 100 > 59)
      return 0;
    offset = sign * (gint)((zone / 100) * 3600 + (zone % 100) * 60);
  } else if (date_word(&lx, word, sizeof word) == 0 || !obs_zone(word, &offset)) {
    return 0;
  }
  date_cfws(&lx);
  if (lx.i != n)
    return 0;
  if (year < 1970 || hour > 23 || minute > 59 || second > 60)
    return 0;
  if (second == 60)
    second = 59; /* a leap second: one second early is close enough */

  g_autoptr(GDateTime) dt = g_date_time_new_utc((gint)year, month + 1, (gint)day,
                                                (gint)hour, (gint)minute, (gdouble)second);
  if (dt == NULL)
    return 0;
  return g_date_time_to_unix(dt) - offset;
}

gint64
dks_forensics_received_time(const DksMessage *msg)
{
  if (msg == NULL || msg->headers == NULL)
    return 0;
  for (guint i = 0; i < msg->headers->len; i++) {
    const DksHeader *h = dks_message_header(msg, i);
    if (!dks_header_is(msg, h, "Received"))
      continue;
    gsize vlen = 0;
    const char *value = dks_header_value(msg, h, &vlen);
    const char *semi = NULL;
    for (gsize k = vlen; k > 0; k--) {
      if (value[k - 1] == ';') {
        semi = value + k - 1;
        break;
      }
    }
    if (semi == NULL)
      return 0;
    gsize dlen = vlen - (gsize)(semi + 1 - value);
    if (dlen > RECEIVED_DATE_MAX)
      return 0;
    return parse_rfc5322_date(semi + 1, dlen);
  }
  return 0;
}

DksClue *
dks_forensics_expiry(const DksMessage *msg, const DksSignature *sig, gint64 now)
{
  if (msg == NULL || sig == NULL || !sig->has_expiry || sig->expiry >= now)
    return NULL;
  gint64 received = dks_forensics_received_time(msg);
  if (received == 0 || sig->expiry < received)
    return NULL;

  g_autofree char *x = iso_time(sig->expiry);
  g_autofree char *r = iso_time(received);
  g_autofree char *n = iso_time(now);
  g_autofree char *margin = duration_text(sig->expiry - received);
  g_autofree char *since = duration_text(now - sig->expiry);
  DksClue *clue = clue_new(DKS_CLUE_EXPIRED_AFTER_DELIVERY, DKS_PARTY_NONE,
    "The signature expired at %s, %s after the message arrived (%s): it was valid on "
    "delivery, and checking it again later is expected to fail", x, margin, r);
  clue_add(clue, "x=%" G_GINT64_FORMAT " = %s", sig->expiry, x);
  clue_add(clue, "received %s, the date of the topmost Received field (added by the "
           "receiving system)", r);
  clue_add(clue, "now %s, %s after x=", n, since);
  if (sig->has_timestamp) {
    g_autofree char *t = iso_time(sig->timestamp);
    clue_add(clue, "t=%" G_GINT64_FORMAT " = %s (signed)", sig->timestamp, t);
  }
  return clue;
}
