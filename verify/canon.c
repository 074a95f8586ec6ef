/* canon.c — DKIM canonicalization (RFC 6376 §3.4) and the two hash inputs
 * (§3.7).
 *
 * Line model: only CRLF ends a line.  A bare CR or a bare LF in hostile input
 * is an ordinary octet of the line it sits in (so WSP before it is not
 * "trailing"), which is what python3-dkim's regular expressions do too.
 *
 * The body is canonicalized in one pass without copying: content is handed
 * on as slices of the input, empty lines are only counted and emitted once
 * content follows them (trailing empty lines thus vanish), and an output
 * sink counts the canonical length while feeding at most l= octets to the
 * hash (or to a bounded copy for the teaching view).  The sink joins slices
 * that follow each other in the input and buffers the short pieces, so the
 * hash is fed in large pieces whatever the body looks like. */
#include "verify/canon.h"
#include "verify/evp.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <openssl/err.h>
#include <openssl/evp.h>

#include "parse/limits.h"

static const char crlf_run[] =
  "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n";

static gboolean
is_wsp(char c)
{
  return c == ' ' || c == '\t';
}

static gboolean
is_crlf_at(const char *p, gsize i, gsize len)
{
  return i + 1 < len && p[i] == '\r' && p[i + 1] == '\n';
}

/* ---------------------------------------------------------------- hashes */

DksHash
dks_algorithm_hash(DksAlgorithm alg)
{
  /* ed25519-sha256 and rsa-sha256 hash with SHA-256; an unknown a= never
   * reaches a hash, SHA-256 is a harmless default. */
  return alg == DKS_ALG_RSA_SHA1 ? DKS_HASH_SHA1 : DKS_HASH_SHA256;
}

const char *
dks_hash_name(DksHash hash)
{
  return hash == DKS_HASH_SHA1 ? "sha1" : "sha256";
}

gsize
dks_hash_size(DksHash hash)
{
  return hash == DKS_HASH_SHA1 ? 20 : 32;
}

/* The first thread to fetch publishes its EVP_MD; one that loses the race
 * frees its own. */
static const EVP_MD *
md_fetch_once(EVP_MD **slot, const char *name)
{
  EVP_MD *md = g_atomic_pointer_get(slot);
  if (md != NULL)
    return md;
  md = EVP_MD_fetch(NULL, name, NULL);
  ERR_clear_error();
  if (md == NULL || g_atomic_pointer_compare_and_exchange(slot, NULL, md))
    return md;
  EVP_MD_free(md);
  return g_atomic_pointer_get(slot);
}

const EVP_MD *
dks_evp_md(DksHash hash)
{
  static EVP_MD *sha1, *sha256;
  return hash == DKS_HASH_SHA1 ? md_fetch_once(&sha1, "SHA1")
                               : md_fetch_once(&sha256, "SHA256");
}

gsize
dks_digest(DksHash hash, const void *data, gsize len, guint8 *out)
{
  unsigned int out_len = 0;

  if (EVP_Digest(data, len, out, &out_len, dks_evp_md(hash), NULL) != 1) {
    /* Only a broken OpenSSL build gets here; never leave its errors behind
     * for an unrelated later call to report. */
    ERR_clear_error();
    return 0;
  }
  return out_len;
}

/* ---------------------------------------------------------- the hasher */

struct DksHasher {
  EVP_MD_CTX *md;
  gboolean has_limit;
  guint64 limit;
  guint64 length;   /* octets fed: hashed, or past the limit only counted */
  gboolean failed;  /* OpenSSL failed, or finished: md takes no more */
};

/* OpenSSL failed: remember it, and never leave its errors behind for an
 * unrelated later call to report. */
static void
hasher_fail(DksHasher *hasher)
{
  hasher->failed = TRUE;
  ERR_clear_error();
}

DksHasher *
dks_hasher_new(DksHash hash)
{
  DksHasher *hasher = g_new0(DksHasher, 1);

  hasher->md = EVP_MD_CTX_new();
  if (hasher->md == NULL ||
      EVP_DigestInit_ex(hasher->md, dks_evp_md(hash), NULL) != 1)
    hasher_fail(hasher);
  return hasher;
}

void
dks_hasher_set_limit(DksHasher *hasher, guint64 limit)
{
  hasher->has_limit = TRUE;
  hasher->limit = limit;
}

void
dks_hasher_update(DksHasher *hasher, const void *data, gsize len)
{
  guint64 take = len;

  if (hasher->has_limit) {
    guint64 room = hasher->length >= hasher->limit
                     ? 0 : hasher->limit - hasher->length;
    take = MIN(take, room);
  }
  hasher->length += len;
  if (hasher->failed || take == 0)
    return;
  if (EVP_DigestUpdate(hasher->md, data, (size_t)take) != 1)
    hasher_fail(hasher);
}

guint64
dks_hasher_length(const DksHasher *hasher)
{
  return hasher->length;
}

DksHasher *
dks_hasher_copy(const DksHasher *hasher)
{
  DksHasher *copy = g_new(DksHasher, 1);

  *copy = *hasher;
  copy->md = EVP_MD_CTX_new();
  if (hasher->failed || copy->md == NULL ||
      EVP_MD_CTX_copy_ex(copy->md, hasher->md) != 1)
    hasher_fail(copy);
  return copy;
}

gsize
dks_hasher_finish(DksHasher *hasher, guint8 *out)
{
  guint8 digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;

  if (hasher->failed)
    return 0;
  if (EVP_DigestFinal_ex(hasher->md, digest, &len) != 1 ||
      len > DKS_HASH_MAX_SIZE) {
    hasher_fail(hasher);
    return 0;
  }
  hasher->failed = TRUE; /* spent: a finished context takes no updates */
  memcpy(out, digest, len);
  return len;
}

void
dks_hasher_free(DksHasher *hasher)
{
  if (hasher == NULL)
    return;
  EVP_MD_CTX_free(hasher->md);
  g_free(hasher);
}

/* ------------------------------------------------------------ body sink */

/* Canonical body octets leave through a sink that keeps the number of
 * hasher calls small: most of the output is the input itself (a base64
 * line, a line of text with single spaces, a blank line followed by more
 * text), so the sink holds the output as a span of the input that grows
 * while the next piece follows on contiguously.  A piece that is not the
 * input (one SP for a run of WSP, held blank lines that held WSP, the CRLF
 * added at the end) or a short span goes into a small buffer first.  A
 * 10 MB body thus costs a few dozen hasher calls, not one per word. */
#define SINK_BUF_BYTES   (16u * 1024u)  /* small pieces, coalesced */
#define SINK_SPAN_MAX    (256u * 1024u) /* one span is fed at most this long */
#define SINK_SHORT_SPAN  1024u          /* copied into the buffer instead */
/* The body's pages behind the scan are handed back this often (a mapped
 * file's are then dropped: dks_message_release_pages). */
#define BODY_RELEASE_BYTES (1024u * 1024u)

/* Where canonical body octets go: hashed (the hasher counts them and stops
 * at l=) or copied (up to max_len).  The output is buf[0, buf_len)
 * followed by span[0, span_len), both not yet written. */
typedef struct {
  DksHasher *hasher;  /* NULL when copying */
  GString *copy;      /* NULL when hashing */
  gsize copy_max;
  const char *span;   /* input octets that go out unchanged */
  gsize span_len;
  gsize buf_len;
  char buf[SINK_BUF_BYTES];
} BodySink;

static void
sink_write(BodySink *sink, const char *p, gsize n)
{
  if (n == 0)
    return;
  if (sink->hasher != NULL)
    dks_hasher_update(sink->hasher, p, n);
  if (sink->copy != NULL && sink->copy->len < sink->copy_max) {
    gsize room = sink->copy_max - sink->copy->len;
    g_string_append_len(sink->copy, p, (gssize)MIN(room, n));
  }
}

static void
sink_flush_buf(BodySink *sink)
{
  sink_write(sink, sink->buf, sink->buf_len);
  sink->buf_len = 0;
}

/* Puts n octets at the end of the buffer (n <= SINK_BUF_BYTES). */
static void
sink_buffer(BodySink *sink, const char *p, gsize n)
{
  if (sink->buf_len + n > SINK_BUF_BYTES)
    sink_flush_buf(sink);
  memcpy(sink->buf + sink->buf_len, p, n);
  sink->buf_len += n;
}

/* The span ends here: a short one joins the buffer, a long one is written
 * from the input as it is. */
static void
sink_end_span(BodySink *sink)
{
  if (sink->span_len == 0)
    return;
  if (sink->span_len <= SINK_SHORT_SPAN) {
    sink_buffer(sink, sink->span, sink->span_len);
  } else {
    sink_flush_buf(sink);
    sink_write(sink, sink->span, sink->span_len);
  }
  sink->span_len = 0;
}

static void
sink_start_span(BodySink *sink, const char *p, gsize n)
{
  sink_end_span(sink);
  sink->span = p;
  sink->span_len = n;
  if (sink->span_len >= SINK_SPAN_MAX)
    sink_end_span(sink);
}

/* Octets of the input that go out unchanged.  Inline: mostly they follow
 * on the span, which then only grows. */
static inline void
sink_put_input(BodySink *sink, const char *p, gsize n)
{
  if (G_LIKELY(sink->span_len > 0 && sink->span + sink->span_len == p &&
               sink->span_len + n < SINK_SPAN_MAX))
    sink->span_len += n;
  else if (n > 0)
    sink_start_span(sink, p, n);
}

/* Octets that are not the input's (short: at most a few CRLFs). */
static void
sink_put_other(BodySink *sink, const char *p, gsize n)
{
  sink_end_span(sink);
  while (n > 0) {
    gsize piece = MIN(n, (gsize)SINK_BUF_BYTES);
    sink_buffer(sink, p, piece);
    p += piece;
    n -= piece;
  }
}

static void
sink_finish(BodySink *sink)
{
  sink_end_span(sink);
  sink_flush_buf(sink);
}

/* The copy is full (counting what the sink still holds): the rest of the
 * body cannot change what we return. */
static gboolean
sink_done(const BodySink *sink)
{
  return sink->copy != NULL && sink->hasher == NULL &&
         sink->copy->len + sink->buf_len + sink->span_len >= sink->copy_max;
}

/* --------------------------------------------------- body canonicalizer */

/* body[*released, upto) is consumed (nothing the sink still holds lies in
 * it): hands its pages back once a megabyte has gathered. */
static void
body_release(const char *body, gsize *released, gsize upto)
{
  if (upto >= *released + BODY_RELEASE_BYTES) {
    dks_message_release_pages(body + *released, upto - *released);
    *released = upto;
  }
}

/* The first body octet the sink still holds, or upto when it holds none. */
static gsize
sink_holds_from(const BodySink *sink, const char *body, gsize upto)
{
  return sink->span_len > 0 ? MIN(upto, (gsize)(sink->span - body)) : upto;
}

/* Simple (§3.4.3): the body as it is, without the empty lines at its end,
 * and with one CRLF after its last line.  As only CRLF ends a line and two
 * CRLFs cannot overlap, the empty lines at the end are exactly the CRLF
 * pairs the body ends with; what precedes them is either empty or a line
 * with content whose CRLF is the one put back.  So an empty body is one
 * CRLF, and the output is always body[0, end) + CRLF. */
static void
body_run_simple(const char *body, gsize len, BodySink *sink)
{
  gsize end = len, released = 0;

  while (end >= 2 && body[end - 2] == '\r' && body[end - 1] == '\n')
    end -= 2;
  for (gsize pos = 0; pos < end && !sink_done(sink);) {
    gsize piece = MIN(end - pos, (gsize)SINK_SPAN_MAX);
    sink_put_input(sink, body + pos, piece);
    pos += piece;
    body_release(body, &released, sink_holds_from(sink, body, pos));
  }
  sink_put_other(sink, "\r\n", 2);
}

/* Relaxed (§3.4.4) works on the pieces between the three octets it cares
 * about: SP and HTAB (a run of them becomes one SP, or nothing at the end
 * of a line) and CR (a CRLF ends a line; a bare CR is content). */
typedef struct {
  BodySink *sink;
  const char *body;
  guint64 blank_lines;      /* empty lines held back until content follows */
  gsize blank_from;         /* offset of the first one */
  gboolean blank_pure;      /* all of them "\r\n" in the input: they go out
                               as body[blank_from, +2 * blank_lines) */
  gsize line_start;         /* offset of the current line */
  gboolean line_has_content;/* current line emitted something */
  gboolean pending_wsp;     /* a WSP run not emitted yet */
  gsize wsp_from, wsp_len;  /* ... where it is */
  gboolean emitted;         /* anything emitted at all */
} BodyRelaxed;

static void
emit_held_blank_lines(BodyRelaxed *br)
{
  if (br->blank_pure) {
    sink_put_input(br->sink, br->body + br->blank_from,
                   (gsize)br->blank_lines * 2);
    br->blank_lines = 0;
  }
  while (br->blank_lines > 0) {
    guint64 n = MIN(br->blank_lines, (guint64)(sizeof crlf_run - 1) / 2);
    sink_put_other(br->sink, crlf_run, (gsize)n * 2);
    br->blank_lines -= n;
  }
}

/* What goes out before content that follows held blank lines or WSP. */
static void
emit_before_content(BodyRelaxed *br)
{
  if (br->blank_lines > 0)
    emit_held_blank_lines(br);
  if (br->pending_wsp) {
    /* one SP in the input stays part of the span */
    if (br->wsp_len == 1 && br->body[br->wsp_from] == ' ')
      sink_put_input(br->sink, br->body + br->wsp_from, 1);
    else
      sink_put_other(br->sink, " ", 1);
    br->pending_wsp = FALSE;
  }
}

/* Content octets of the current line (never WSP, never the CRLF that ends
 * the line); p is in the body, or (other) not.  Inline: it runs for every
 * word, and mostly only extends the span. */
static inline void
emit_content(BodyRelaxed *br, const char *p, gsize n, gboolean other)
{
  if (G_UNLIKELY(br->blank_lines > 0 || br->pending_wsp))
    emit_before_content(br);
  if (other)
    sink_put_other(br->sink, p, n);
  else
    sink_put_input(br->sink, p, n);
  br->line_has_content = TRUE;
  br->emitted = TRUE;
}

/* The CRLF at offset crlf ends the current line. */
static void
end_line(BodyRelaxed *br, gsize crlf)
{
  br->pending_wsp = FALSE; /* WSP at the end of a line goes */
  if (br->line_has_content) {
    sink_put_input(br->sink, br->body + crlf, 2);
  } else {
    if (br->blank_lines == 0) {
      br->blank_from = br->line_start;
      br->blank_pure = TRUE;
    }
    if (crlf != br->line_start)
      br->blank_pure = FALSE; /* the line held WSP */
    br->blank_lines++;
  }
  br->line_has_content = FALSE;
  br->line_start = crlf + 2;
}

static gboolean
is_relaxed_special(char c)
{
  return c == ' ' || c == '\t' || c == '\r';
}

#if defined(__SSE2__)
/* The offset of the first SP, HTAB or CR at or after i, or len: 32 octets
 * compared at once, the match found from the comparison's bit mask (bit k
 * is octet i + k), as memchr does for one octet. */
static gsize
next_relaxed_special(const char *p, gsize i, gsize len)
{
  const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t');
  const __m128i cr = _mm_set1_epi8('\r');

  while (i + 32 <= len) {
    __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
    __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(p + i + 16));
    __m128i ma = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, sp), _mm_cmpeq_epi8(a, tab)),
                              _mm_cmpeq_epi8(a, cr));
    __m128i mb = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(b, sp), _mm_cmpeq_epi8(b, tab)),
                              _mm_cmpeq_epi8(b, cr));
    guint32 mask = (guint32)_mm_movemask_epi8(ma) | (guint32)_mm_movemask_epi8(mb) << 16;
    if (mask != 0)
      return i + (gsize)__builtin_ctz(mask);
    i += 32;
  }
  for (; i < len; i++)
    if (is_relaxed_special(p[i]))
      return i;
  return len;
}
#else
/* The offset of the first SP, HTAB or CR at or after i, or len: sixteen
 * octets compared at once with GCC's and Clang's generic vectors, the
 * first match found from the two halves of the comparison (lane 0 is the
 * lowest address). */
typedef guchar CanonOctets16 __attribute__((vector_size(16)));

static gsize
next_relaxed_special(const char *p, gsize i, gsize len)
{
  while (i + 16 <= len) {
    CanonOctets16 v, m;
    guint64 lo, hi;
    memcpy(&v, p + i, 16);
    m = (CanonOctets16)((v == ' ') | (v == '\t') | (v == '\r'));
    memcpy(&lo, &m, 8);
    memcpy(&hi, (const char *)&m + 8, 8);
    if ((lo | hi) != 0) {
#if G_BYTE_ORDER == G_LITTLE_ENDIAN
      return i + (lo != 0 ? (gsize)__builtin_ctzll(lo) / 8
                          : 8 + (gsize)__builtin_ctzll(hi) / 8);
#else
      return i + (lo != 0 ? (gsize)__builtin_clzll(lo) / 8
                          : 8 + (gsize)__builtin_clzll(hi) / 8);
#endif
    }
    i += 16;
  }
  for (; i < len; i++)
    if (is_relaxed_special(p[i]))
      return i;
  return len;
}
#endif

static void
body_run_relaxed(const char *body, gsize len, BodySink *sink)
{
  BodyRelaxed br = { .sink = sink, .body = body };
  gsize i = 0, released = 0;

  while (i < len) {
    if (i >= released + BODY_RELEASE_BYTES) {
      /* what the sink or the held blank lines and WSP will still read */
      gsize held = sink_holds_from(sink, body, i);
      if (br.blank_lines > 0 && br.blank_pure)
        held = MIN(held, br.blank_from);
      if (br.pending_wsp)
        held = MIN(held, br.wsp_from);
      body_release(body, &released, held);
    }
    gsize j = next_relaxed_special(body, i, len);
    if (j > i)
      emit_content(&br, body + i, j - i, FALSE);
    if (j >= len)
      break;
    if (body[j] == '\r') {
      if (j + 1 < len && body[j + 1] == '\n') {
        end_line(&br, j);
        i = j + 2;
        if (sink_done(sink))
          return;
      } else {
        emit_content(&br, body + j, 1, FALSE); /* a bare CR is content */
        i = j + 1;
      }
      continue;
    }
    gsize k = j + 1;
    while (k < len && is_wsp(body[k]))
      k++;
    br.pending_wsp = TRUE;
    br.wsp_from = j;
    br.wsp_len = k - j;
    i = k;
  }

  /* A last line without CRLF: its WSP run counts as content (there is no
   * line end to be trailing before, python3-dkim keeps it too), and the
   * missing CRLF is added (§3.4.4).  Held blank lines are trailing:
   * ignored.  An empty relaxed body stays empty. */
  if (br.pending_wsp) {
    br.pending_wsp = FALSE;
    emit_content(&br, " ", 1, TRUE);
  }
  if (br.line_has_content)
    sink_put_other(sink, "\r\n", 2);
}

static void
body_run(const char *body, gsize len, DksCanon canon, BodySink *sink)
{
  if (body == NULL)
    len = 0;
  if (canon == DKS_CANON_RELAXED)
    body_run_relaxed(body, len, sink);
  else
    body_run_simple(body, len, sink);
  sink_finish(sink);
}

void
dks_body_hash(const char *body, gsize len, DksCanon canon, DksHash hash,
              gboolean has_limit, guint64 limit, DksBodyHash *out)
{
  g_autoptr(DksHasher) hasher = dks_hasher_new(hash);
  BodySink sink = { .hasher = hasher };

  memset(out, 0, sizeof *out);
  if (has_limit)
    dks_hasher_set_limit(hasher, limit);
  body_run(body, len, canon, &sink);
  /* all of it is consumed now: the last megabyte's pages go too, so a
   * mapped message waiting for DNS holds none of its body */
  dks_message_release_pages(body, len);
  /* digest_len stays 0 when OpenSSL failed: no digest can match bh= */
  out->digest_len = dks_hasher_finish(hasher, out->digest);
  out->canon_body_len = dks_hasher_length(hasher);
  out->hashed_len = has_limit ? MIN(out->canon_body_len, limit)
                              : out->canon_body_len;
  out->l_exceeds_body = has_limit && limit > out->canon_body_len;
}

GBytes *
dks_body_canonicalize(const char *body, gsize len, DksCanon canon,
                      gsize max_len)
{
  BodySink sink = { .copy_max = max_len };

  sink.copy = g_string_sized_new(MIN(max_len, len) + 2);
  body_run(body, len, canon, &sink);
  return g_string_free_to_bytes(sink.copy);
}

/* ---------------------------------------------------------- header canon */

/* Relaxed header canonicalization (§3.4.2): name lower-cased with WSP before
 * the colon removed; value unfolded (every CRLF dropped: inside one field a
 * CRLF only ever precedes WSP), WSP runs reduced to one SP, WSP at both ends
 * of the value removed. */
static void
header_relaxed(const char *raw, gsize raw_len, GString *out)
{
  const char *colon = memchr(raw, ':', raw_len);
  gsize name_end = colon != NULL ? (gsize)(colon - raw) : raw_len;
  gsize trimmed = name_end;
  gboolean pending_wsp = FALSE, value_started = FALSE;

  while (trimmed > 0 && (is_wsp(raw[trimmed - 1]) || raw[trimmed - 1] == '\r' ||
                         raw[trimmed - 1] == '\n'))
    trimmed--;
  for (gsize i = 0; i < trimmed; i++)
    g_string_append_c(out, g_ascii_tolower(raw[i]));
  if (colon == NULL)
    return; /* not a field (no colon): the lower-cased text is all we have */
  g_string_append_c(out, ':');

  for (gsize i = name_end + 1; i < raw_len; i++) {
    if (is_crlf_at(raw, i, raw_len)) {
      i++; /* unfold */
      continue;
    }
    if (is_wsp(raw[i])) {
      pending_wsp = value_started; /* leading WSP is dropped */
      continue;
    }
    if (pending_wsp)
      g_string_append_c(out, ' ');
    pending_wsp = FALSE;
    value_started = TRUE;
    g_string_append_c(out, raw[i]);
  }
}

void
dks_header_canonicalize(const char *raw, gsize raw_len, DksCanon canon,
                        gboolean append_crlf, GString *out)
{
  if (raw == NULL)
    raw_len = 0;
  if (canon == DKS_CANON_RELAXED)
    header_relaxed(raw, raw_len, out);
  else
    g_string_append_len(out, raw, (gssize)raw_len);
  if (append_crlf)
    g_string_append_len(out, "\r\n", 2);
}

/* ---------------------------------------------------- header hash input */

void
dks_signed_field_free(DksSignedField *field)
{
  if (field == NULL)
    return;
  g_free(field->name);
  g_free(field);
}

static gboolean
is_fws(char c)
{
  return is_wsp(c) || c == '\r' || c == '\n';
}

/* Copy of a DKIM-Signature field with the value of every tag named exactly
 * "b" removed (§3.7: "the value of the b= tag (including all surrounding
 * whitespace) deleted").  Works on the tag-list after the colon: each tag
 * starts after ';' (or the colon), possibly after FWS; "b" followed by FWS
 * and '=' keeps everything up to the '=' and drops all up to the next ';'
 * or the end.  "bh" and other names are left alone. */
static GString *
signature_without_b_value(const char *raw, gsize raw_len)
{
  const char *colon = memchr(raw, ':', raw_len);
  GString *out = g_string_sized_new(raw_len);
  gsize i;

  if (colon == NULL) {
    g_string_append_len(out, raw, (gssize)raw_len);
    return out;
  }
  i = (gsize)(colon - raw) + 1;
  g_string_append_len(out, raw, (gssize)i);

  while (i < raw_len) {
    const char *semi = memchr(raw + i, ';', raw_len - i);
    gsize tag_end = semi != NULL ? (gsize)(semi - raw) : raw_len;
    gsize j = i;

    while (j < tag_end && is_fws(raw[j]))
      j++;
    if (j < tag_end && raw[j] == 'b') {
      gsize k = j + 1;
      while (k < tag_end && is_fws(raw[k]))
        k++;
      if (k < tag_end && raw[k] == '=') {
        g_string_append_len(out, raw + i, (gssize)(k + 1 - i));
        i = tag_end;
      }
    }
    /* the rest of this tag (all of it unless it was b=), and its ';' */
    g_string_append_len(out, raw + i, (gssize)(tag_end - i));
    i = tag_end;
    if (i < raw_len) {
      g_string_append_c(out, ';');
      i++;
    }
  }
  return out;
}

/* An h= entry as written may carry FWS around it; header names never do. */
static char *
trimmed_name(const char *name)
{
  gsize start = 0, end = strlen(name);

  while (start < end && is_fws(name[start]))
    start++;
  while (end > start && is_fws(name[end - 1]))
    end--;
  return g_strndup(name + start, end - start);
}

/* §5.4.2: the bottom-most instance of name not used yet, or -1.  The
 * signature being verified is never a candidate: it did not exist when it
 * was made (§5.4: a signature MUST NOT sign itself), so selecting it could
 * only make an honest signature fail. */
static gint
select_bottom_up(const DksMessage *msg, const char *name, const gboolean *used,
                 guint skip_index)
{
  if (*name == '\0')
    return -1;
  for (guint i = msg->headers->len; i > 0; i--) {
    guint idx = i - 1;
    if (used[idx] || idx == skip_index)
      continue;
    if (dks_header_is(msg, dks_message_header(msg, idx), name))
      return (gint)idx;
  }
  return -1;
}

static void
append_field(const DksMessage *msg, guint index, DksCanon canon,
             gboolean append_crlf, GString *out)
{
  const DksHeader *h = dks_message_header(msg, index);

  dks_header_canonicalize(dks_header_raw(msg, h), h->raw_len, canon,
                          append_crlf, out);
}

GBytes *
dks_header_hash_input(const DksMessage *msg, const DksSignature *sig,
                      GPtrArray **fields)
{
  g_autoptr(GString) out = g_string_new(NULL);
  g_autoptr(GPtrArray) selected =
    g_ptr_array_new_with_free_func((GDestroyNotify)dks_signed_field_free);
  guint n_headers = msg->headers != NULL ? msg->headers->len : 0;
  g_autofree gboolean *used = g_new0(gboolean, n_headers + 1);
  guint n_names = sig->signed_headers != NULL ? sig->signed_headers->len : 0;

  /* The parser caps h= already; the cap here keeps this loop bounded even
   * if it did not. */
  n_names = MIN(n_names, DKS_MAX_SIGNED_HEADERS);
  for (guint i = 0; i < n_names; i++) {
    const char *written = g_ptr_array_index(sig->signed_headers, i);
    g_autofree char *name = trimmed_name(written != NULL ? written : "");
    gint idx = select_bottom_up(msg, name, used, sig->header_index);
    DksSignedField *field = g_new0(DksSignedField, 1);

    if (idx >= 0) {
      used[idx] = TRUE;
      append_field(msg, (guint)idx, sig->header_canon, TRUE, out);
    }
    field->name = g_strdup(written != NULL ? written : "");
    field->header_index = idx;
    g_ptr_array_add(selected, field);
  }

  if (sig->header_index < n_headers) {
    const DksHeader *h = dks_message_header(msg, sig->header_index);
    g_autoptr(GString) blanked =
      signature_without_b_value(dks_header_raw(msg, h), h->raw_len);
    dks_header_canonicalize(blanked->str, blanked->len, sig->header_canon,
                            FALSE, out);
  }

  if (fields != NULL)
    *fields = g_steal_pointer(&selected);
  return g_string_free_to_bytes(g_steal_pointer(&out));
}
