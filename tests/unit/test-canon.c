/* test-canon.c — verify/canon.c (RFC 6376 §3.4 canonicalization, §3.7
 * hash inputs) and the tables of verify/check.c.
 *
 * Expected canonical bodies come from python3-dkim's canonicalization
 * module (dkim.canonicalization.Simple/Relaxed.canonicalize_body) run over
 * each input when this file was written.  SIGNED_MESSAGE was signed by
 * python3-dkim (dkim.sign, key SIGNER_P, five signatures: simple/simple,
 * simple/relaxed, relaxed/simple, relaxed/relaxed, relaxed/relaxed with
 * oversigned h= and l=); the expected header hash inputs are the octets
 * python3-dkim hashed when verifying each of them (all five verify there).
 * RFC8463_MESSAGE is RFC 8463 Appendix A.3. */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "verify/canon.h"
#include "verify/check.h"
#include "verify/crypto.h"

#define STR(s) (s), (sizeof(s) - 1)

/* ---- body canonicalization: table-driven -------------------------------- */

typedef struct {
  const char *name;
  const char *body;
  gsize body_len;
  const char *simple;
  gsize simple_len;
  const char *relaxed;
  gsize relaxed_len;
} BodyCase;

static const BodyCase body_cases[] = {
  { "empty", STR(""),
    STR("\r\n"),
    STR("") },
  { "one-crlf", STR("\r\n"),
    STR("\r\n"),
    STR("") },
  { "only-blank-lines", STR("\r\n\r\n\r\n"),
    STR("\r\n"),
    STR("") },
  { "one-line", STR("a\r\n"),
    STR("a\r\n"),
    STR("a\r\n") },
  { "trailing-blank-lines", STR("a\r\n\r\n\r\n"),
    STR("a\r\n"),
    STR("a\r\n") },
  { "no-final-crlf", STR("a"),
    STR("a\r\n"),
    STR("a\r\n") },
  { "wsp-runs-and-trailing", STR("a  \t b \t\r\n"),
    STR("a  \t b \t\r\n"),
    STR("a b\r\n") },
  { "leading-wsp", STR(" \t leading\r\n"),
    STR(" \t leading\r\n"),
    STR(" leading\r\n") },
  { "wsp-only-line-then-blank", STR("a\r\n \t \r\n\r\n"),
    STR("a\r\n \t \r\n"),
    STR("a\r\n") },
  { "inner-blank-lines-kept", STR("a\r\n\r\nb\r\n\r\n"),
    STR("a\r\n\r\nb\r\n"),
    STR("a\r\n\r\nb\r\n") },
  { "blank-wsp-blank-content", STR("x\r\n\r\n \r\n\r\ny\r\n"),
    STR("x\r\n\r\n \r\n\r\ny\r\n"),
    STR("x\r\n\r\n\r\n\r\ny\r\n") },
  { "bare-lf", STR("a \nb\r\n"),
    STR("a \nb\r\n"),
    STR("a \nb\r\n") },
  { "bare-cr", STR("a \rb \r\r\n"),
    STR("a \rb \r\r\n"),
    STR("a \rb \r\r\n") },
  { "trailing-bare-cr", STR("a\r\n\r"),
    STR("a\r\n\r\r\n"),
    STR("a\r\n\r\r\n") },
  { "bare-lf-only", STR("a\n\n"),
    STR("a\n\n\r\n"),
    STR("a\n\n\r\n") },
  { "trailing-wsp-no-crlf", STR("a  "),
    STR("a  \r\n"),
    STR("a \r\n") },
  { "wsp-after-blank-no-crlf", STR("\r\n  "),
    STR("\r\n  \r\n"),
    STR("\r\n \r\n") },
  { "wsp-only-line-at-end", STR("  \r\n"),
    STR("  \r\n"),
    STR("") },
  { "tab-only", STR("\t"),
    STR("\t\r\n"),
    STR(" \r\n") },
  { "cr-lf-split-by-wsp", STR("a\r \n"),
    STR("a\r \n\r\n"),
    STR("a\r \n\r\n") },
  { "blank-then-bare-cr", STR("a\r\n\r\n\r"),
    STR("a\r\n\r\n\r\r\n"),
    STR("a\r\n\r\n\r\r\n") },
  { "crlf-after-cr", STR("\r\r\n\r\n"),
    STR("\r\r\n"),
    STR("\r\r\n") },
  { "nul-octets", STR("a\000 \000\r\n\r\n"),
    STR("a\000 \000\r\n"),
    STR("a\000 \000\r\n") },
};

/* SHA-256 of data as GLib computes it: an oracle independent of canon.c. */
static void
glib_sha256(const char *data, gsize len, guint8 out[32])
{
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);
  gsize out_len = 32;

  g_checksum_update(sum, (const guchar *)data, (gssize)len);
  g_checksum_get_digest(sum, out, &out_len);
  g_assert_cmpuint(out_len, ==, 32);
}

static void
assert_bytes_eq(const char *what, const void *have, gsize have_len,
                const void *want, gsize want_len)
{
  if (have_len == want_len && memcmp(have, want, want_len) == 0)
    return;
  {
    g_autofree char *h_raw = g_strndup(have, have_len);
    g_autofree char *w_raw = g_strndup(want, want_len);
    g_autofree char *h = g_strescape(h_raw, NULL);
    g_autofree char *w = g_strescape(w_raw, NULL);
    g_error("%s:\n have (%zu) \"%s\"\n want (%zu) \"%s\"", what, have_len, h,
            want_len, w);
  }
}

/* One body, one canonicalization: the canonical bytes, then the hash with
 * no l=, and with l= below, at and above the canonical length. */
static void
body_one(const char *name, const char *body, gsize len, DksCanon canon,
         const char *want, gsize want_len)
{
  const guint64 limits[] = { 0, 1, want_len > 0 ? want_len - 1 : 0, want_len,
                             want_len + 1, G_MAXUINT64 };
  g_autofree char *what = g_strdup_printf(
    "%s/%s", name, canon == DKS_CANON_SIMPLE ? "simple" : "relaxed");
  g_autoptr(GBytes) canonical = dks_body_canonicalize(body, len, canon,
                                                      G_MAXSIZE);
  DksBodyHash bh;
  guint8 digest[32];

  assert_bytes_eq(what, g_bytes_get_data(canonical, NULL),
                  g_bytes_get_size(canonical), want, want_len);

  dks_body_hash(body, len, canon, DKS_HASH_SHA256, FALSE, 0, &bh);
  glib_sha256(want, want_len, digest);
  g_assert_cmpuint(bh.digest_len, ==, 32);
  g_assert_cmpmem(bh.digest, 32, digest, 32);
  g_assert_cmpuint(bh.canon_body_len, ==, want_len);
  g_assert_cmpuint(bh.hashed_len, ==, want_len);
  g_assert_false(bh.l_exceeds_body);

  for (gsize i = 0; i < G_N_ELEMENTS(limits); i++) {
    guint64 hashed = MIN(limits[i], (guint64)want_len);
    dks_body_hash(body, len, canon, DKS_HASH_SHA256, TRUE, limits[i], &bh);
    glib_sha256(want, (gsize)hashed, digest);
    g_assert_cmpmem(bh.digest, bh.digest_len, digest, 32);
    g_assert_cmpuint(bh.canon_body_len, ==, want_len);
    g_assert_cmpuint(bh.hashed_len, ==, hashed);
    g_assert_cmpint(bh.l_exceeds_body, ==, limits[i] > want_len);
  }

  /* the teaching copy cut at max_len is a prefix of the whole */
  for (gsize max = 0; max <= want_len; max++) {
    g_autoptr(GBytes) cut = dks_body_canonicalize(body, len, canon, max);
    assert_bytes_eq(what, g_bytes_get_data(cut, NULL), g_bytes_get_size(cut),
                    want, max);
  }
}

static void
test_body_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(body_cases); i++) {
    const BodyCase *c = &body_cases[i];
    body_one(c->name, c->body, c->body_len, DKS_CANON_SIMPLE, c->simple,
             c->simple_len);
    body_one(c->name, c->body, c->body_len, DKS_CANON_RELAXED, c->relaxed,
             c->relaxed_len);
  }
}

static void
test_body_sha1(void)
{
  DksBodyHash bh;
  g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA1);
  guint8 want[20];
  gsize want_len = sizeof want;

  g_checksum_update(sum, (const guchar *)"a b\r\n", 5);
  g_checksum_get_digest(sum, want, &want_len);
  dks_body_hash(STR("a  \t b\t \r\n\r\n"), DKS_CANON_RELAXED, DKS_HASH_SHA1,
                FALSE, 0, &bh);
  g_assert_cmpmem(bh.digest, bh.digest_len, want, 20);
}

/* A long body made of many short and long lines, compared with the same
 * body canonicalized in small pieces by hand. */
static void
test_body_large(void)
{
  g_autoptr(GString) body = g_string_new(NULL);
  g_autoptr(GString) want = g_string_new(NULL);
  g_autoptr(GBytes) have = NULL;

  for (int i = 0; i < 5000; i++) {
    g_string_append_printf(body, "line %d  \t with\tspace \t\r\n\r\n", i);
    g_string_append_printf(want, "line %d with space\r\n\r\n", i);
  }
  g_string_append(body, "\r\n\r\n \t \r\n");
  g_string_truncate(want, want->len - 2); /* the last blank line goes */
  have = dks_body_canonicalize(body->str, body->len, DKS_CANON_RELAXED,
                               G_MAXSIZE);
  assert_bytes_eq("large", g_bytes_get_data(have, NULL),
                  g_bytes_get_size(have), want->str, want->len);
}

/* ---- body canonicalization against a reference -------------------------- */

/* The canonical body the slow, obvious way: split into lines at CRLF, treat
 * each line on its own, drop the empty lines at the end, put a CRLF after
 * every line.  Independent of canon.c's streaming and buffering. */
static GString *
reference_body(const char *body, gsize len, DksCanon canon)
{
  g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GArray) lens = g_array_new(FALSE, FALSE, sizeof(gsize));
  GString *out = g_string_new(NULL);
  gsize i = 0;

  while (i < len) {
    gsize k = i;
    while (k < len && !(body[k] == '\r' && k + 1 < len && body[k + 1] == '\n'))
      k++;
    gboolean terminated = k < len;
    GString *line = g_string_new(NULL);
    if (canon == DKS_CANON_SIMPLE) {
      g_string_append_len(line, body + i, (gssize)(k - i));
    } else {
      gboolean in_wsp = FALSE;
      for (gsize j = i; j < k; j++) {
        if (body[j] == ' ' || body[j] == '\t') {
          in_wsp = TRUE;
          continue;
        }
        if (in_wsp)
          g_string_append_c(line, ' ');
        in_wsp = FALSE;
        g_string_append_c(line, body[j]);
      }
      /* WSP at the end of a last line without CRLF is kept as one SP */
      if (in_wsp && !terminated)
        g_string_append_c(line, ' ');
    }
    g_array_append_val(lens, line->len);
    g_ptr_array_add(lines, g_string_free(line, FALSE));
    i = terminated ? k + 2 : k;
  }
  guint n = lines->len;
  while (n > 0 && g_array_index(lens, gsize, n - 1) == 0)
    n--;
  for (guint l = 0; l < n; l++) {
    g_string_append_len(out, g_ptr_array_index(lines, l),
                        (gssize)g_array_index(lens, gsize, l));
    g_string_append_len(out, "\r\n", 2);
  }
  if (out->len == 0 && canon == DKS_CANON_SIMPLE)
    g_string_append_len(out, "\r\n", 2);
  return out;
}

/* One body against the reference: the canonical bytes, a prefix, and the
 * hash with and without l=. */
static void
reference_one(const char *what, const char *body, gsize len, DksCanon canon,
              guint64 limit, gsize max_len)
{
  g_autoptr(GString) want = reference_body(body, len, canon);
  g_autoptr(GBytes) have = dks_body_canonicalize(body, len, canon, G_MAXSIZE);
  g_autoptr(GBytes) cut = dks_body_canonicalize(body, len, canon, max_len);
  guint8 digest[32];
  DksBodyHash bh;

  assert_bytes_eq(what, g_bytes_get_data(have, NULL), g_bytes_get_size(have),
                  want->str, want->len);
  assert_bytes_eq(what, g_bytes_get_data(cut, NULL), g_bytes_get_size(cut),
                  want->str, MIN(max_len, want->len));

  dks_body_hash(body, len, canon, DKS_HASH_SHA256, FALSE, 0, &bh);
  glib_sha256(want->str, want->len, digest);
  g_assert_cmpmem(bh.digest, bh.digest_len, digest, 32);
  g_assert_cmpuint(bh.canon_body_len, ==, want->len);

  dks_body_hash(body, len, canon, DKS_HASH_SHA256, TRUE, limit, &bh);
  glib_sha256(want->str, (gsize)MIN(limit, (guint64)want->len), digest);
  g_assert_cmpmem(bh.digest, bh.digest_len, digest, 32);
  g_assert_cmpuint(bh.canon_body_len, ==, want->len);
  g_assert_cmpint(bh.l_exceeds_body, ==, limit > want->len);
}

/* Bodies built to cross the sink's buffer (16 KiB) and span (256 KiB)
 * sizes, the held blank line table (16 CRLFs at a time) and the 8-octet
 * scan, each piece repeated. */
typedef struct {
  const char *name;
  const char *piece;
  gsize piece_len;
  guint repeat;
  const char *tail;  /* after the repeats */
  gsize tail_len;
} RepeatCase;

static const RepeatCase repeat_cases[] = {
  { "base64-lines",
    STR("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\r\n"),
    20000, STR("") },
  { "base64-no-final-crlf",
    STR("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\r\n"),
    5000, STR("QUJD") },
  { "text-single-spaces", STR("the quick brown fox jumps over it\r\n"), 20000,
    STR("\r\n\r\n") },
  { "text-double-spaces-and-tabs", STR("a  b\tc \t d  \r\n"), 30000, STR("") },
  { "trailing-wsp-lines", STR("line with trailing wsp \t \r\n"), 20000,
    STR("  ") },
  { "blank-lines-then-content", STR("\r\n"), 100000, STR("x\r\n") },
  { "wsp-blank-lines-then-content", STR(" \r\n\r\n\t\r\n"), 30000, STR("x") },
  { "only-blank-lines", STR("\r\n"), 200000, STR("") },
  { "only-wsp-lines", STR("  \t\r\n"), 50000, STR("") },
  { "bare-cr-and-lf", STR("a\rb \nc\r \r\r\n"), 30000, STR("\r") },
  { "one-long-line", STR("0123456789abcdef"), 40000, STR(" \r\n") },
  { "long-wsp-run", STR(" \t"), 300000, STR("end\r\n") },
  { "nul-and-8bit", STR("\000\xc3\xa9 \x80\xff\001\r\n"), 30000, STR("") },
};

static void
test_body_reference_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(repeat_cases); i++) {
    const RepeatCase *c = &repeat_cases[i];
    g_autoptr(GString) body = g_string_new(NULL);
    for (guint r = 0; r < c->repeat; r++)
      g_string_append_len(body, c->piece, (gssize)c->piece_len);
    g_string_append_len(body, c->tail, (gssize)c->tail_len);
    for (int canon = 0; canon < 2; canon++) {
      DksCanon dc = canon == 0 ? DKS_CANON_SIMPLE : DKS_CANON_RELAXED;
      g_autofree char *what = g_strdup_printf("%s/%s", c->name,
                                              canon == 0 ? "simple" : "relaxed");
      reference_one(what, body->str, body->len, dc, body->len / 3, 300000);
      /* every body is also the tail end of a longer one */
      reference_one(what, body->str + 1, body->len - 1, dc, 17, 20000);
    }
  }
}

/* Random bodies from the octets canonicalization cares about, short and
 * long, against the reference; a fixed seed, so a failure repeats. */
static void
test_body_reference_random(void)
{
  static const char *const pieces[] = {
    "a", "word", "Zz9+/=", " ", "  ", "\t", " \t ", "\r\n", "\r\n", "\r\n\r\n",
    "\r", "\n", "\r\r\n", "\n\r", " \r\n", "\t\r\n", "\r \n", "\000", "\xc3\xa9",
    "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5\r\n",
  };
  g_autoptr(GRand) rand = g_rand_new_with_seed(20240607);

  for (guint iter = 0; iter < 3000; iter++) {
    g_autoptr(GString) body = g_string_new(NULL);
    /* most bodies short, some past the sink's buffer and span sizes */
    guint n = iter % 100 == 99 ? g_rand_int_range(rand, 3000, 15000)
                               : g_rand_int_range(rand, 0, 60);
    for (guint p = 0; p < n; p++) {
      gint which = g_rand_int_range(rand, 0, G_N_ELEMENTS(pieces) + 1);
      if (which == G_N_ELEMENTS(pieces)) { /* a long run of one octet */
        static const char octets[] = "x \t\r\n";
        gint run = g_rand_int_range(rand, 1, 3000);
        char c = octets[g_rand_int_range(rand, 0, 5)];
        for (gint r = 0; r < run; r++)
          g_string_append_c(body, c);
        continue;
      }
      const char *piece = pieces[which];
      g_string_append_len(body, piece, piece[0] == '\0' ? 1 : (gssize)strlen(piece));
    }
    guint64 limit = g_rand_int_range(rand, 0, (gint32)MIN(body->len + 10, (gsize)G_MAXINT32));
    gsize max_len = g_rand_int_range(rand, 0, (gint32)MIN(body->len + 10, (gsize)G_MAXINT32));
    g_autofree char *what = g_strdup_printf("random body %u", iter);
    reference_one(what, body->str, body->len, DKS_CANON_SIMPLE, limit, max_len);
    reference_one(what, body->str, body->len, DKS_CANON_RELAXED, limit, max_len);
  }
}

/* ---- a mapped body is not resident in full ------------------------------ */


/* The body hash of a large mapped file hands the pages it has read back:
 * a few megabytes at most stay resident, and the digest is the one of the
 * same octets in memory. */
static void
test_body_mapped_file(void)
{
  g_autoptr(GString) text = g_string_new("From: a@example.com\r\n"
                                         "Subject: large\r\n\r\n");
  for (guint i = 0; text->len < 12u * 1024u * 1024u; i++)
    g_string_append_printf(text, "%07u QUJDREVGR0hJSktMTU5P  UFFSU1RVVldYWVph\t \r\n%s", i,
                           i % 7 == 0 ? "\r\n" : "");
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("dks-canon-XXXXXX.eml", &path, &error);
  g_assert_no_error(error);
  g_assert_true(g_file_set_contents(path, text->str, (gssize)text->len, &error));
  close(fd);

  g_autoptr(DksMessage) mapped = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  g_autoptr(DksMessage) copied = dks_message_new_from_data(text->str, text->len, &error);
  g_assert_no_error(error);
  g_assert_cmpint(mapped_rss_kb(path), >=, 0); /* it is mapped */

  for (int canon = 0; canon < 2; canon++) {
    DksCanon dc = canon == 0 ? DKS_CANON_SIMPLE : DKS_CANON_RELAXED;
    DksBodyHash from_map, from_copy;
    gsize len = 0;
    const char *body = dks_message_body(mapped, &len);
    dks_body_hash(body, len, dc, DKS_HASH_SHA256, FALSE, 0, &from_map);
    g_assert_cmpint(mapped_rss_kb(path), <=, 3 * 1024);
    body = dks_message_body(copied, &len);
    dks_body_hash(body, len, dc, DKS_HASH_SHA256, FALSE, 0, &from_copy);
    g_assert_cmpmem(from_map.digest, from_map.digest_len, from_copy.digest,
                    from_copy.digest_len);
    g_assert_cmpuint(from_map.canon_body_len, ==, from_copy.canon_body_len);
  }
  g_unlink(path);
}

/* ---- header canonicalization: table-driven ------------------------------ */

typedef struct {
  const char *raw;
  DksCanon canon;
  const char *want; /* with the CRLF appended */
} HeaderCase;

static const HeaderCase header_cases[] = {
  { "Subject: Hello  World ", DKS_CANON_RELAXED, "subject:Hello World\r\n" },
  { "SUBJECT :  x", DKS_CANON_RELAXED, "subject:x\r\n" },
  { "Name\t:\tv", DKS_CANON_RELAXED, "name:v\r\n" },
  { "Subject: a\r\n\tb\r\n c", DKS_CANON_RELAXED, "subject:a b c\r\n" },
  { "Subject: a \r\n\t b", DKS_CANON_RELAXED, "subject:a b\r\n" },
  { "X-Tab:\t\tv\t", DKS_CANON_RELAXED, "x-tab:v\r\n" },
  { "Empty:", DKS_CANON_RELAXED, "empty:\r\n" },
  { "Empty:  \r\n  ", DKS_CANON_RELAXED, "empty:\r\n" },
  { "To: a:b", DKS_CANON_RELAXED, "to:a:b\r\n" },
  { "Mixed-CASE: Keep Value Case", DKS_CANON_RELAXED,
    "mixed-case:Keep Value Case\r\n" },
  { "No colon at all", DKS_CANON_RELAXED, "no colon at all\r\n" },
  /* bare CR and LF are octets of the value, not line ends */
  { "X: a\rb\nc", DKS_CANON_RELAXED, "x:a\rb\nc\r\n" },
  { "Subject: Hello  World ", DKS_CANON_SIMPLE, "Subject: Hello  World \r\n" },
  { "Subject: a\r\n\tb", DKS_CANON_SIMPLE, "Subject: a\r\n\tb\r\n" },
};

static void
header_one(const HeaderCase *c)
{
  g_autoptr(GString) out = g_string_new("prefix|");
  g_autoptr(GString) bare = g_string_new(NULL);

  dks_header_canonicalize(c->raw, strlen(c->raw), c->canon, TRUE, out);
  g_assert_true(g_str_has_prefix(out->str, "prefix|")); /* appends */
  assert_bytes_eq(c->raw, out->str + 7, out->len - 7, c->want,
                  strlen(c->want));
  dks_header_canonicalize(c->raw, strlen(c->raw), c->canon, FALSE, bare);
  assert_bytes_eq(c->raw, bare->str, bare->len, c->want, strlen(c->want) - 2);
}

static void
test_header_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(header_cases); i++)
    header_one(&header_cases[i]);
}

/* ---- header hash input on python3-dkim signed messages ------------------ */

static const char SIGNED_MESSAGE[] =
  "DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=example.org;\r\n"
  " i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject\r\n"
  " : date : message-id; bh=+0Gg0QaTrvPRHCmEl3MFw660vjkL/PB/LskR5T17IYA=;\r\n"
  " b=iNrVs3nie+v5GkP+9uO6k6RGWlS585Q2VW9aQnYCI+9lcot7jf6bLvcZexYmEvRnCbeoL\r\n"
  " BUWyouFvgCa7hcZIatK+4/I0Bz4wIGdIaOVcyMvHbNnNkfFp2v0mtPpnjl7H/WMGmj7gTze\r\n"
  " T05ks0lBTX9+Wu6dZw5+Zw3+MJymEXY=\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=simple/relaxed; d=example.org;\r\n"
  " i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject\r\n"
  " : date; bh=uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=;\r\n"
  " b=qkr/Fo+NZc7UzrQK1Zw7C3igTKjUc0AIKekr3CShGPsWWRCAVC2CjXtcRDkizGKpbb865\r\n"
  " Cjo242fKWTOHQlrA3zYScj4EZ1Tzr5gYoQeWvOPxX9sfhxGhivV2HDQ6qvRQ7TSZslhsnkn\r\n"
  " dd96qehLM4DC2uFgZq3QycagCoPvZwM=\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.org;\r\n"
  " i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject\r\n"
  " : x-mixed-case : comments;\r\n"
  " bh=+0Gg0QaTrvPRHCmEl3MFw660vjkL/PB/LskR5T17IYA=;\r\n"
  " b=nfoZeC2XNb9PzsIIQ02tgsUMVn3UthuoilLOke9C6nOXnsH4sd1VeS/AHg0FihbITDPqc\r\n"
  " I25+VPvu8ZdkGkjlJXnVOaeoNpx0H/cBAClBe+RXVf1DSiQIPPJSOTqHg1zjLPACpx2s5Qm\r\n"
  " RfVtkkFpUIL7AIzWXBwtuiihtxN2IKY=\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;\r\n"
  " i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject\r\n"
  " : date : message-id : x-mixed-case;\r\n"
  " bh=uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=;\r\n"
  " b=qOHYqxheDrgDpP0JO0Iz/hs4/tmLZLg4T6ynz7nm2e6iJPsX/4YmAjDd+7UPkUfjf08Mu\r\n"
  " F+bu1f1u0/edgwRYij0kQsszmSbu3VC/CL5Ftc1Ge1DlGKThIVJn+bZEzngByqUPs88HKaP\r\n"
  " nW23ajmb9ChI/lMjHCfQbU0shNn9uw4=\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;\r\n"
  " i=@example.org; l=45; q=dns/txt; s=sel; t=1795901228; h=from : subject\r\n"
  " : to : reply-to : comments : comments : comments : from : subject :\r\n"
  " to; bh=uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=;\r\n"
  " b=irpRR8LPIQGSTbzsT9M/wLH/WfJW55a68qzChO9wxK/HJ53KeWROpyYOnvv9iQWtZaKvq\r\n"
  " teDcCeEFej9xDNwZjPKldFBklgH7we9LSdVJncAKku5zpdliBaX57E80uF7IWkLTDxMB6tV\r\n"
  " bJ2avf+SoTnUSszc8RvwmDacNzrE/OQ=\r\n"
  "Comments: first (top)\r\n"
  "comments:  second   (bottom) \r\n"
  "From: Alice <alice@example.org>\r\n"
  "To: bob@example.net\r\n"
  "SUBJECT:   Folded \t subject\r\n"
  "\twith  tabs \r\n"
  " and spaces  \r\n"
  "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
  "Message-ID: <1@example.org>\r\n"
  "X-Mixed-CASE:\tValue\t\r\n"
  "\r\n"
  "Hello  \t world \r\n"
  "\r\n"
  "  indented line\r\n"
  "trailing tab\t\r\n"
  "\r\n"
  "\r\n";

#define SIGNER_P \
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDE6bwJlMwWtN7hqW0t9+ZdVRfKYOVDa4fd" \
  "hop+zJdvdZRqQeXkCQT8XfIroFONacMUw8B8XhQnNZbphy4+NgvtXcM635Rm4nZrijQvRcCC" \
  "GLF2ThWlKlqIOxAvs0tNJ/QSg48UZhugsLedLxJplaAAnMHduVOtAuDE8eMi1/Dk0QIDAQAB"

static const char SIGNED_INPUT_SS[] =
  "From: Alice <alice@example.org>\r\n"
  "To: bob@example.net\r\n"
  "SUBJECT:   Folded \t subject\r\n"
  "\twith  tabs \r\n"
  " and spaces  \r\n"
  "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
  "Message-ID: <1@example.org>\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=simple/simple; d=example.org;\r\n"
  " i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject\r\n"
  " : date : message-id; bh=+0Gg0QaTrvPRHCmEl3MFw660vjkL/PB/LskR5T17IYA=;\r\n"
  " b=";
static const char SIGNED_INPUT_SR[] =
  "From: Alice <alice@example.org>\r\n"
  "To: bob@example.net\r\n"
  "SUBJECT:   Folded \t subject\r\n"
  "\twith  tabs \r\n"
  " and spaces  \r\n"
  "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=simple/relaxed; d=example.org;\r\n"
  " i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject\r\n"
  " : date; bh=uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=;\r\n"
  " b=";
static const char SIGNED_INPUT_RS[] =
  "from:Alice <alice@example.org>\r\n"
  "to:bob@example.net\r\n"
  "subject:Folded subject with tabs and spaces\r\n"
  "x-mixed-case:Value\r\n"
  "comments:second (bottom)\r\n"
  "dkim-signature:v=1; a=rsa-sha256; c=relaxed/simple; d=example.org; i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject : x-mixed-case : comments; bh=+0Gg0QaTrvPRHCmEl3MFw660vjkL/PB/LskR5T17IYA=; b=";
static const char SIGNED_INPUT_RR[] =
  "from:Alice <alice@example.org>\r\n"
  "to:bob@example.net\r\n"
  "subject:Folded subject with tabs and spaces\r\n"
  "date:Mon, 1 Jan 2024 00:00:00 +0000\r\n"
  "message-id:<1@example.org>\r\n"
  "x-mixed-case:Value\r\n"
  "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; i=@example.org; q=dns/txt; s=sel; t=1795901228; h=from : to : subject : date : message-id : x-mixed-case; bh=uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=; b=";
static const char SIGNED_INPUT_OVERSIGNED[] =
  "from:Alice <alice@example.org>\r\n"
  "subject:Folded subject with tabs and spaces\r\n"
  "to:bob@example.net\r\n"
  "comments:second (bottom)\r\n"
  "comments:first (top)\r\n"
  "dkim-signature:v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; i=@example.org; l=45; q=dns/txt; s=sel; t=1795901228; h=from : subject : to : reply-to : comments : comments : comments : from : subject : to; bh=uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=; b=";

/* header indexes in SIGNED_MESSAGE below the five signatures */
enum { COMMENTS_TOP = 5, COMMENTS_BOTTOM, FROM, TO, SUBJECT, DATE,
       MESSAGE_ID, X_MIXED_CASE, N_HEADERS };

typedef struct {
  const char *name;
  guint header_index;
  DksCanon header_canon, body_canon;
  const char *h;          /* h= as written, unfolded */
  const char *bh;         /* bh= */
  gboolean has_length;
  guint64 length;
  const char *want_input;
  gsize want_input_len;
  gint want_selected[10]; /* header index per h= entry */
} SignedCase;

static const SignedCase signed_cases[] = {
  { "simple/simple", 0, DKS_CANON_SIMPLE, DKS_CANON_SIMPLE,
    "from : to : subject : date : message-id",
    "+0Gg0QaTrvPRHCmEl3MFw660vjkL/PB/LskR5T17IYA=", FALSE, 0,
    STR(SIGNED_INPUT_SS), { FROM, TO, SUBJECT, DATE, MESSAGE_ID } },
  { "simple/relaxed", 1, DKS_CANON_SIMPLE, DKS_CANON_RELAXED,
    "from : to : subject : date",
    "uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=", FALSE, 0,
    STR(SIGNED_INPUT_SR), { FROM, TO, SUBJECT, DATE } },
  { "relaxed/simple", 2, DKS_CANON_RELAXED, DKS_CANON_SIMPLE,
    "from : to : subject : x-mixed-case : comments",
    "+0Gg0QaTrvPRHCmEl3MFw660vjkL/PB/LskR5T17IYA=", FALSE, 0,
    STR(SIGNED_INPUT_RS),
    { FROM, TO, SUBJECT, X_MIXED_CASE, COMMENTS_BOTTOM } },
  { "relaxed/relaxed", 3, DKS_CANON_RELAXED, DKS_CANON_RELAXED,
    "from : to : subject : date : message-id : x-mixed-case",
    "uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=", FALSE, 0,
    STR(SIGNED_INPUT_RR),
    { FROM, TO, SUBJECT, DATE, MESSAGE_ID, X_MIXED_CASE } },
  /* oversigned: a second From/Subject/To and a third Comments select
   * nothing, nor does the absent Reply-To */
  { "oversigned", 4, DKS_CANON_RELAXED, DKS_CANON_RELAXED,
    "from : subject : to : reply-to : comments : comments : comments : from "
    ": subject : to",
    "uQGMXu9JXsd84LxRMZyhhf6c4T+xgKodKV/EClWFiUQ=", TRUE, 45,
    STR(SIGNED_INPUT_OVERSIGNED),
    { FROM, SUBJECT, TO, -1, COMMENTS_BOTTOM, COMMENTS_TOP, -1, -1, -1, -1 } },
};

static DksMessage *
message_from_octets(const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(data, len, &error);

  g_assert_no_error(error);
  g_assert_nonnull(msg);
  return msg;
}

/* h= split at ':' keeping the FWS around each name, as a careless parser
 * might hand it over: dks_header_hash_input must not care. */
static GPtrArray *
names_as_written(const char *h)
{
  g_auto(GStrv) names = g_strsplit(h, ":", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

  for (gsize i = 0; names[i] != NULL; i++)
    g_ptr_array_add(out, g_strdup(names[i]));
  return out;
}

static GBytes *
b64(const char *text)
{
  gsize len = 0;
  guchar *data = g_base64_decode(text, &len);
  return g_bytes_new_take(data, len);
}

static void
signed_one(const DksMessage *msg, const SignedCase *c)
{
  g_autoptr(GPtrArray) names = names_as_written(c->h);
  g_autoptr(GPtrArray) fields = NULL;
  g_autoptr(GBytes) input = NULL;
  g_autoptr(GBytes) bh = b64(c->bh);
  DksSignature sig = {
    .header_index = c->header_index,
    .header_canon = c->header_canon,
    .body_canon = c->body_canon,
    .signed_headers = names,
  };
  const char *body;
  gsize body_len = 0;
  DksBodyHash hash;

  input = dks_header_hash_input(msg, &sig, &fields);
  assert_bytes_eq(c->name, g_bytes_get_data(input, NULL),
                  g_bytes_get_size(input), c->want_input, c->want_input_len);
  g_assert_cmpuint(fields->len, ==, names->len);
  for (guint i = 0; i < fields->len; i++) {
    const DksSignedField *f = g_ptr_array_index(fields, i);
    g_assert_cmpstr(f->name, ==, g_ptr_array_index(names, i));
    if (f->header_index != c->want_selected[i])
      g_error("%s: h= entry %u '%s' selected %d, want %d", c->name, i,
              f->name, f->header_index, c->want_selected[i]);
  }

  body = dks_message_body(msg, &body_len);
  dks_body_hash(body, body_len, c->body_canon, DKS_HASH_SHA256,
                c->has_length, c->length, &hash);
  g_assert_cmpmem(hash.digest, hash.digest_len, g_bytes_get_data(bh, NULL),
                  g_bytes_get_size(bh));
  g_assert_false(hash.l_exceeds_body);
}

static void
test_signed_python(void)
{
  g_autoptr(DksMessage) msg = message_from_octets(STR(SIGNED_MESSAGE));

  g_assert_cmpuint(msg->headers->len, ==, N_HEADERS);
  for (gsize i = 0; i < G_N_ELEMENTS(signed_cases); i++)
    signed_one(msg, &signed_cases[i]);
}

/* fields may be NULL; the input is the same */
static void
test_signed_fields_optional(void)
{
  g_autoptr(DksMessage) msg = message_from_octets(STR(SIGNED_MESSAGE));
  g_autoptr(GPtrArray) names = names_as_written(signed_cases[3].h);
  DksSignature sig = { .header_index = 3, .header_canon = DKS_CANON_RELAXED,
                       .signed_headers = names };
  g_autoptr(GBytes) input = dks_header_hash_input(msg, &sig, NULL);

  assert_bytes_eq("no fields", g_bytes_get_data(input, NULL),
                  g_bytes_get_size(input), STR(SIGNED_INPUT_RR));
}

/* The whole path with the real parser: parse every signature, hash body
 * and headers, and check b= with the signer's key. */
static void
test_signed_full_path(void)
{
  g_autoptr(DksMessage) msg = message_from_octets(STR(SIGNED_MESSAGE));
  g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);
  g_autoptr(GBytes) p = b64(SIGNER_P);
  g_autoptr(DksPublicKey) key = dks_public_key_load(p, DKS_KEY_TYPE_RSA, NULL);

  g_assert_nonnull(key);
  g_assert_cmpuint(sigs->len, ==, G_N_ELEMENTS(signed_cases));
  for (guint i = 0; i < sigs->len; i++) {
    const DksSignature *sig = g_ptr_array_index(sigs, i);
    const SignedCase *c = &signed_cases[i];
    g_autoptr(GBytes) input = dks_header_hash_input(msg, sig, NULL);
    const char *body;
    gsize body_len = 0;
    DksBodyHash hash;

    g_assert_cmpint(sig->problem, ==, DKS_SIG_OK);
    g_assert_cmpuint(sig->header_index, ==, c->header_index);
    assert_bytes_eq(c->name, g_bytes_get_data(input, NULL),
                    g_bytes_get_size(input), c->want_input,
                    c->want_input_len);
    body = dks_message_body(msg, &body_len);
    dks_body_hash(body, body_len, sig->body_canon,
                  dks_algorithm_hash(sig->algorithm), sig->has_length,
                  sig->length, &hash);
    g_assert_nonnull(sig->bh);
    g_assert_cmpmem(hash.digest, hash.digest_len,
                    g_bytes_get_data(sig->bh, NULL), g_bytes_get_size(sig->bh));
    if (!dks_public_key_verify(key, dks_algorithm_hash(sig->algorithm),
                               g_bytes_get_data(input, NULL),
                               g_bytes_get_size(input), sig->b))
      g_error("%s: b= does not verify", c->name);
  }
}

/* ---- RFC 8463 Appendix A.3 ---------------------------------------------- */

static const char RFC8463_MESSAGE[] =

  "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
  " d=football.example.com; i=@football.example.com;\r\n"
  " q=dns/txt; s=brisbane; t=1528637909; h=from : to :\r\n"
  " subject : date : message-id : from : subject : date;\r\n"
  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
  " b=/gCrinpcQOoIfuHNQIbq4pgh9kyIK3AQUdt9OdqQehSwhEIug4D11Bus\r\n"
  " Fa3bT3FY5OsU7ZbnKELq+eXdp1Q1Dw==\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed;\r\n"
  " d=football.example.com; i=@football.example.com;\r\n"
  " q=dns/txt; s=test; t=1528637909; h=from : to : subject :\r\n"
  " date : message-id : from : subject : date;\r\n"
  " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
  " b=F45dVWDfMbQDGHJFlXUNB2HKfbCeLRyhDXgFpEL8GwpsRe0IeIixNTe3\r\n"
  " DhCVlUrSjV4BwcVcOF6+FF3Zo9Rpo1tFOeS9mPYQTnGdaSGsgeefOsk2Jz\r\n"
  " dA+L10TeYt9BgDfQNZtKdN1WO//KgIqXP7OdEFE4LjFYNcUxZQ4FADY+8=\r\n"
  "From: Joe SixPack <joe@football.example.com>\r\n"
  "To: Suzie Q <suzie@shopping.example.net>\r\n"
  "Subject: Is dinner ready?\r\n"
  "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
  "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
  "\r\n"
  "Hi.\r\n"
  "\r\n"
  "We lost the game.  Are you hungry yet?\r\n"
  "\r\n"
  "Joe.\r\n";

#define RFC8463_ED25519_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define RFC8463_RSA_P \
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR" \
  "6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6l" \
  "HvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB"

static void
test_rfc8463(void)
{
  static const struct {
    const char *p;
    DksKeyType type;
  } keys[] = { { RFC8463_ED25519_P, DKS_KEY_TYPE_ED25519 },
               { RFC8463_RSA_P, DKS_KEY_TYPE_RSA } };
  g_autoptr(DksMessage) msg = message_from_octets(STR(RFC8463_MESSAGE));
  g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);
  g_autoptr(GBytes) bh = b64("2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
  const char *body;
  gsize body_len = 0;
  DksBodyHash hash;

  body = dks_message_body(msg, &body_len);
  dks_body_hash(body, body_len, DKS_CANON_RELAXED, DKS_HASH_SHA256, FALSE, 0,
                &hash);
  g_assert_cmpmem(hash.digest, hash.digest_len, g_bytes_get_data(bh, NULL),
                  32);

  g_assert_cmpuint(sigs->len, ==, 2);
  for (guint i = 0; i < sigs->len; i++) {
    const DksSignature *sig = g_ptr_array_index(sigs, i);
    g_autoptr(GBytes) p = b64(keys[i].p);
    g_autoptr(DksPublicKey) key = dks_public_key_load(p, keys[i].type, NULL);
    g_autoptr(GPtrArray) fields = NULL;
    g_autoptr(GBytes) input = dks_header_hash_input(msg, sig, &fields);
    const DksSignedField *last_date = g_ptr_array_index(fields, 7);

    g_assert_nonnull(key);
    /* from : to : subject : date : message-id, then three oversigned */
    g_assert_cmpuint(fields->len, ==, 8);
    g_assert_cmpint(last_date->header_index, ==, -1);
    if (!dks_public_key_verify(key, dks_algorithm_hash(sig->algorithm),
                               g_bytes_get_data(input, NULL),
                               g_bytes_get_size(input), sig->b))
      g_error("RFC 8463 signature %u does not verify", i);
  }
}

/* ---- b= blanking -------------------------------------------------------- */

typedef struct {
  const char *field;     /* the DKIM-Signature field, raw */
  DksCanon canon;
  const char *want;      /* the field as it enters the hash */
} BlankCase;

static const BlankCase blank_cases[] = {
  /* FWS before the name and around '=', value folded over lines */
  { "DKIM-Signature: v=1; bh=AAAA; h=from;\r\n\tb = Zm9v\r\n YmFy ; d=x.example",
    DKS_CANON_SIMPLE,
    "DKIM-Signature: v=1; bh=AAAA; h=from;\r\n\tb =; d=x.example" },
  { "DKIM-Signature: v=1; bh=AAAA; h=from;\r\n\tb = Zm9v\r\n YmFy ; d=x.example",
    DKS_CANON_RELAXED,
    "dkim-signature:v=1; bh=AAAA; h=from; b =; d=x.example" },
  /* b= first, bh= after it untouched, no trailing ';' */
  { "DKIM-Signature: b=Zm9v; bh=YmFy", DKS_CANON_SIMPLE,
    "DKIM-Signature: b=; bh=YmFy" },
  { "DKIM-Signature:b=Zm9v;bh=YmFy;", DKS_CANON_SIMPLE,
    "DKIM-Signature:b=;bh=YmFy;" },
  /* "b=" inside another tag's value is no tag */
  { "DKIM-Signature: x=b=1; bh=b=2; b=Zm9v", DKS_CANON_SIMPLE,
    "DKIM-Signature: x=b=1; bh=b=2; b=" },
  /* a tag whose name only starts with b */
  { "DKIM-Signature: bx=1; b=Zm9v ", DKS_CANON_SIMPLE,
    "DKIM-Signature: bx=1; b=" },
  /* no b= at all: the field as it is */
  { "DKIM-Signature: v=1; bh=AAAA", DKS_CANON_SIMPLE,
    "DKIM-Signature: v=1; bh=AAAA" },
};

static void
blank_one(const BlankCase *c)
{
  g_autofree char *text = g_strdup_printf("From: a@x.example\r\n%s\r\n\r\nbody\r\n",
                                          c->field);
  g_autoptr(DksMessage) msg = message_from_octets(text, strlen(text));
  g_autoptr(GPtrArray) names = names_as_written("from");
  DksSignature sig = { .header_index = 1, .header_canon = c->canon,
                       .signed_headers = names };
  g_autoptr(GBytes) input = dks_header_hash_input(msg, &sig, NULL);
  g_autofree char *want = g_strdup_printf(
    "%s%s", c->canon == DKS_CANON_SIMPLE ? "From: a@x.example\r\n"
                                         : "from:a@x.example\r\n", c->want);

  assert_bytes_eq(c->field, g_bytes_get_data(input, NULL),
                  g_bytes_get_size(input), want, strlen(want));
}

static void
test_blank_b_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(blank_cases); i++)
    blank_one(&blank_cases[i]);
}

/* The signature being verified is never selected, even when h= names
 * dkim-signature; another DKIM-Signature field below it is. */
static void
test_select_skips_own_field(void)
{
  static const char text[] =
    "DKIM-Signature: v=1; b=top\r\n"
    "From: a@x.example\r\n"
    "DKIM-Signature: v=1; b=bottom\r\n"
    "\r\n";
  g_autoptr(DksMessage) msg = message_from_octets(STR(text));
  g_autoptr(GPtrArray) names = names_as_written("from:dkim-signature:DKIM-SIGNATURE");
  g_autoptr(GPtrArray) fields = NULL;
  DksSignature sig = { .header_index = 0, .header_canon = DKS_CANON_SIMPLE,
                       .signed_headers = names };
  g_autoptr(GBytes) input = dks_header_hash_input(msg, &sig, &fields);
  static const char want[] =
    "From: a@x.example\r\n"
    "DKIM-Signature: v=1; b=bottom\r\n"
    "DKIM-Signature: v=1; b=";

  assert_bytes_eq("own field", g_bytes_get_data(input, NULL),
                  g_bytes_get_size(input), STR(want));
  g_assert_cmpint(((DksSignedField *)fields->pdata[1])->header_index, ==, 2);
  g_assert_cmpint(((DksSignedField *)fields->pdata[2])->header_index, ==, -1);
}

/* ---- the incremental hasher: table-driven ------------------------------- */

/* FIPS 180-2 Appendix A/B messages, and the digests Python's hashlib gave
 * for the prefixes the limit cases cut them to. */
#define FIPS_448_BITS "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"

typedef struct {
  const char *name;
  DksHash hash;
  const char *pieces[4];  /* fed one by one, NULL-terminated */
  gboolean has_limit;
  guint64 limit;
  guint64 length;         /* dks_hasher_length afterwards: every octet fed */
  const char *digest;     /* hex */
} HasherCase;

static const HasherCase hasher_cases[] = {
  { "sha256-empty", DKS_HASH_SHA256, { NULL }, FALSE, 0, 0,
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  { "sha1-empty", DKS_HASH_SHA1, { "", NULL }, FALSE, 0, 0,
    "da39a3ee5e6b4b0d3255bfef95601890afd80709" },
  { "sha256-abc", DKS_HASH_SHA256, { "abc", NULL }, FALSE, 0, 3,
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { "sha1-abc-in-pieces", DKS_HASH_SHA1, { "a", "", "bc", NULL }, FALSE, 0, 3,
    "a9993e364706816aba3e25717850c26c9cd0d89d" },
  { "sha256-448-bits-in-pieces", DKS_HASH_SHA256,
    { "abcdbcdecdefdefg", "efghfghighijhijkijkljklm", "klmnlmnomnopnopq", NULL },
    FALSE, 0, 56,
    "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
  { "sha1-448-bits", DKS_HASH_SHA1, { FIPS_448_BITS, NULL }, FALSE, 0, 56,
    "84983e441c3bd26ebaae4aa1f95129e5e54670f1" },
  /* l=: only the first limit octets are hashed, all are counted */
  { "limit-inside-a-piece", DKS_HASH_SHA256, { "ab", "cdef", NULL }, TRUE, 3, 6,
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
  { "limit-at-a-piece-end", DKS_HASH_SHA1, { "ab", "c", NULL }, TRUE, 2, 3,
    "da23614e02469a0d7c7bd1bdab5c9c474b1904dc" },
  { "limit-zero", DKS_HASH_SHA256, { "abc", NULL }, TRUE, 0, 3,
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
  { "limit-beyond-the-data", DKS_HASH_SHA256, { "a", "bc", NULL }, TRUE, 100, 3,
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
};

static char *
hex_of(const guint8 *data, gsize len)
{
  GString *out = g_string_new(NULL);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf(out, "%02x", data[i]);
  return g_string_free(out, FALSE);
}

static void
hasher_one(const HasherCase *c)
{
  g_autoptr(DksHasher) h = dks_hasher_new(c->hash);
  guint8 digest[DKS_HASH_MAX_SIZE];
  gsize len;

  if (c->has_limit)
    dks_hasher_set_limit(h, c->limit);
  for (guint i = 0; c->pieces[i] != NULL; i++)
    dks_hasher_update(h, c->pieces[i], strlen(c->pieces[i]));
  g_assert_cmpuint(dks_hasher_length(h), ==, c->length);
  len = dks_hasher_finish(h, digest);
  g_assert_cmpuint(len, ==, dks_hash_size(c->hash));
  g_autofree char *hex = hex_of(digest, len);
  if (strcmp(hex, c->digest) != 0)
    g_error("%s: digest %s, want %s", c->name, hex, c->digest);
  /* finished: spent, and out is left alone */
  memset(digest, 0xa5, sizeof digest);
  g_assert_cmpuint(dks_hasher_finish(h, digest), ==, 0);
  g_assert_cmpuint(digest[0], ==, 0xa5);
}

static void
test_hasher_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(hasher_cases); i++)
    hasher_one(&hasher_cases[i]);
  dks_hasher_free(NULL);
}

/* A copy goes on from the shared prefix without disturbing the original;
 * it keeps the limit and the count. */
static void
test_hasher_copy(void)
{
  g_autoptr(DksHasher) prefix = dks_hasher_new(DKS_HASH_SHA256);
  g_autoptr(DksHasher) rest = NULL;
  g_autoptr(DksHasher) limited = dks_hasher_new(DKS_HASH_SHA1);
  g_autoptr(DksHasher) limited_copy = NULL;
  guint8 digest[DKS_HASH_MAX_SIZE];
  gsize len;

  dks_hasher_update(prefix, STR("abcdbcdecdefdefg"));
  rest = dks_hasher_copy(prefix);
  dks_hasher_update(rest, FIPS_448_BITS + 16, strlen(FIPS_448_BITS) - 16);
  dks_hasher_update(prefix, STR("x"));
  g_assert_cmpuint(dks_hasher_length(rest), ==, 56);
  g_assert_cmpuint(dks_hasher_length(prefix), ==, 17);
  len = dks_hasher_finish(rest, digest);
  g_autofree char *rest_hex = hex_of(digest, len);
  g_assert_cmpstr(rest_hex, ==,
                  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  len = dks_hasher_finish(prefix, digest);
  g_autofree char *prefix_hex = hex_of(digest, len);
  g_assert_cmpstr(prefix_hex, ==,
                  "e31b9985db51d1d08354e3b18d42d19a84446b03a1c79aa98e215bf71d88a197");

  /* the copy stops at the same l= and counts on from the same length */
  dks_hasher_set_limit(limited, 3);
  dks_hasher_update(limited, STR("ab"));
  limited_copy = dks_hasher_copy(limited);
  dks_hasher_update(limited_copy, STR("cdef"));
  g_assert_cmpuint(dks_hasher_length(limited_copy), ==, 6);
  len = dks_hasher_finish(limited_copy, digest);
  g_autofree char *limited_hex = hex_of(digest, len);
  g_assert_cmpstr(limited_hex, ==, "a9993e364706816aba3e25717850c26c9cd0d89d");

  /* a copy of a spent hasher is spent too */
  g_autoptr(DksHasher) spent = dks_hasher_copy(prefix);
  g_assert_cmpuint(dks_hasher_finish(spent, digest), ==, 0);
}

/* The hasher fed with the canonical body gives the body hash. */
static void
test_hasher_matches_body_hash(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(body_cases); i++) {
    const BodyCase *c = &body_cases[i];
    g_autoptr(GBytes) canonical =
      dks_body_canonicalize(c->body, c->body_len, DKS_CANON_RELAXED, G_MAXSIZE);
    g_autoptr(DksHasher) h = dks_hasher_new(DKS_HASH_SHA256);
    guint8 digest[DKS_HASH_MAX_SIZE];
    DksBodyHash bh;

    dks_hasher_update(h, g_bytes_get_data(canonical, NULL), g_bytes_get_size(canonical));
    dks_body_hash(c->body, c->body_len, DKS_CANON_RELAXED, DKS_HASH_SHA256, FALSE, 0, &bh);
    g_assert_cmpuint(dks_hasher_length(h), ==, bh.canon_body_len);
    gsize len = dks_hasher_finish(h, digest);
    g_assert_cmpmem(digest, len, bh.digest, bh.digest_len);
  }
}

/* ---- small helpers ------------------------------------------------------ */

static void
test_hash_helpers(void)
{
  guint8 out[32];

  g_assert_cmpint(dks_algorithm_hash(DKS_ALG_RSA_SHA1), ==, DKS_HASH_SHA1);
  g_assert_cmpint(dks_algorithm_hash(DKS_ALG_RSA_SHA256), ==, DKS_HASH_SHA256);
  g_assert_cmpint(dks_algorithm_hash(DKS_ALG_ED25519_SHA256), ==,
                  DKS_HASH_SHA256);
  g_assert_cmpstr(dks_hash_name(DKS_HASH_SHA1), ==, "sha1");
  g_assert_cmpstr(dks_hash_name(DKS_HASH_SHA256), ==, "sha256");
  g_assert_cmpuint(dks_hash_size(DKS_HASH_SHA1), ==, 20);
  g_assert_cmpuint(dks_hash_size(DKS_HASH_SHA256), ==, 32);
  /* SHA-256("abc"), FIPS 180-2 */
  g_assert_cmpuint(dks_digest(DKS_HASH_SHA256, "abc", 3, out), ==, 32);
  g_assert_cmpmem(out, 4, "\xba\x78\x16\xbf", 4);
  /* SHA-1("abc") */
  g_assert_cmpuint(dks_digest(DKS_HASH_SHA1, "abc", 3, out), ==, 20);
  g_assert_cmpmem(out, 4, "\xa9\x99\x3e\x36", 4);
}

/* ---- check.c tables ----------------------------------------------------- */

typedef struct {
  DksReason reason;
  const char *name;
  DksResult result;
  DksParty party;
} ReasonCase;

static const ReasonCase reason_cases[] = {
  { DKS_REASON_NONE, "none", DKS_RESULT_NONE, DKS_PARTY_NONE },
  { DKS_REASON_PASS, "pass", DKS_RESULT_PASS, DKS_PARTY_NONE },
  { DKS_REASON_BODY_HASH_MISMATCH, "body-hash-mismatch", DKS_RESULT_FAIL,
    DKS_PARTY_INTERMEDIARY },
  { DKS_REASON_SIGNATURE_MISMATCH, "signature-mismatch", DKS_RESULT_FAIL,
    DKS_PARTY_INTERMEDIARY },
  { DKS_REASON_KEY_NOT_FOUND, "key-not-found", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_DNS },
  { DKS_REASON_KEY_REVOKED, "key-revoked", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_DNS },
  { DKS_REASON_KEY_SYNTAX, "key-syntax", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_DNS },
  { DKS_REASON_KEY_HASH_NOT_ALLOWED, "key-hash-not-allowed",
    DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_DNS },
  { DKS_REASON_KEY_ALGORITHM_MISMATCH, "key-algorithm-mismatch",
    DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_DNS },
  { DKS_REASON_SIGNATURE_SYNTAX, "signature-syntax", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_ALGORITHM_UNSUPPORTED, "algorithm-unsupported",
    DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_FROM_NOT_SIGNED, "from-not-signed", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_DOMAIN_MISMATCH, "domain-mismatch", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_L_EXCEEDS_BODY, "l-exceeds-body", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_SIGNATURE_EXPIRED, "signature-expired", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_SIGNATURE_FUTURE, "signature-future", DKS_RESULT_PERMERROR,
    DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_ALGORITHM_DEPRECATED, "algorithm-deprecated",
    DKS_RESULT_POLICY, DKS_PARTY_SENDER_MAIL },
  { DKS_REASON_KEY_TOO_SHORT, "key-too-short", DKS_RESULT_POLICY,
    DKS_PARTY_SENDER_DNS },
  { DKS_REASON_DNS_TEMPERROR, "dns-temperror", DKS_RESULT_TEMPERROR,
    DKS_PARTY_RECEIVER },
  { DKS_REASON_DNSSEC_BOGUS, "dnssec-bogus", DKS_RESULT_TEMPERROR,
    DKS_PARTY_RECEIVER },
  { DKS_REASON_BODY_NOT_CHECKED, "body-not-checked", DKS_RESULT_NEUTRAL,
    DKS_PARTY_INPUT },
};

static void
test_check_reasons(void)
{
  G_STATIC_ASSERT(G_N_ELEMENTS(reason_cases) == DKS_REASON_COUNT);
  for (gsize i = 0; i < G_N_ELEMENTS(reason_cases); i++) {
    const ReasonCase *c = &reason_cases[i];
    g_assert_cmpstr(dks_reason_name(c->reason), ==, c->name);
    g_assert_cmpint(dks_reason_result(c->reason), ==, c->result);
    g_assert_cmpint(dks_reason_default_party(c->reason), ==, c->party);
  }
  g_assert_cmpstr(dks_reason_name(DKS_REASON_COUNT), ==, "unknown");
}

static void
test_check_names(void)
{
  static const char *const checks[] = {
    "signature-syntax", "algorithm", "identity", "from-signed", "timestamps",
    "key-lookup", "key-record", "key-strength", "body-hash",
    "header-signature" };
  static const char *const statuses[] = { "pending", "pass", "warn", "fail",
                                          "skipped", "info" };
  static const char *const results[] = { "none", "pass", "fail", "neutral",
                                         "policy", "temperror", "permerror" };
  static const char *const parties[] = { "none", "sender-dns", "sender-mail",
                                         "intermediary", "receiver", "input" };

  G_STATIC_ASSERT(G_N_ELEMENTS(checks) == DKS_CHECK_COUNT);
  for (gsize i = 0; i < G_N_ELEMENTS(checks); i++)
    g_assert_cmpstr(dks_check_id_name((DksCheckId)i), ==, checks[i]);
  for (gsize i = 0; i < G_N_ELEMENTS(statuses); i++)
    g_assert_cmpstr(dks_status_name((DksStatus)i), ==, statuses[i]);
  for (gsize i = 0; i < G_N_ELEMENTS(results); i++)
    g_assert_cmpstr(dks_result_name((DksResult)i), ==, results[i]);
  for (gsize i = 0; i < G_N_ELEMENTS(parties); i++)
    g_assert_cmpstr(dks_party_name((DksParty)i), ==, parties[i]);
  g_assert_cmpstr(dks_check_id_name(DKS_CHECK_COUNT), ==, "unknown");
  g_assert_cmpstr(dks_status_name((DksStatus)99), ==, "unknown");
}

static void
test_check_symbols(void)
{
  for (int s = DKS_STATUS_PENDING; s <= DKS_STATUS_INFO; s++) {
    const char *utf8 = dks_status_symbol((DksStatus)s, TRUE);
    const char *ascii = dks_status_symbol((DksStatus)s, FALSE);

    /* one display cell in UTF-8 mode, four columns in ASCII mode */
    g_assert_true(g_utf8_validate(utf8, -1, NULL));
    g_assert_cmpint(g_utf8_strlen(utf8, -1), ==, 1);
    g_assert_cmpuint(strlen(ascii), ==, 4);
    for (const char *p = ascii; *p != '\0'; p++)
      g_assert_true(g_ascii_isprint(*p));
  }
  g_assert_cmpstr(dks_status_symbol(DKS_STATUS_PASS, TRUE), ==, "\u2713");
  g_assert_cmpstr(dks_status_symbol(DKS_STATUS_FAIL, TRUE), ==, "\u2717");
  g_assert_cmpstr(dks_status_symbol(DKS_STATUS_PASS, FALSE), ==, "[ok]");
  g_assert_cmpstr(dks_status_symbol(DKS_STATUS_FAIL, FALSE), ==, "[XX]");
  g_assert_cmpstr(dks_status_symbol(DKS_STATUS_WARN, FALSE), ==, "[!!]");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/canon/body/table", test_body_table);
  g_test_add_func("/canon/body/sha1", test_body_sha1);
  g_test_add_func("/canon/body/large", test_body_large);
  g_test_add_func("/canon/body/reference-table", test_body_reference_table);
  g_test_add_func("/canon/body/reference-random", test_body_reference_random);
  g_test_add_func("/canon/body/mapped-file", test_body_mapped_file);
  g_test_add_func("/canon/header/table", test_header_table);
  g_test_add_func("/canon/hash-input/python-signed", test_signed_python);
  g_test_add_func("/canon/hash-input/fields-optional",
                  test_signed_fields_optional);
  g_test_add_func("/canon/hash-input/full-path", test_signed_full_path);
  g_test_add_func("/canon/hash-input/rfc8463", test_rfc8463);
  g_test_add_func("/canon/hash-input/blank-b", test_blank_b_table);
  g_test_add_func("/canon/hash-input/skips-own-field",
                  test_select_skips_own_field);
  g_test_add_func("/canon/hasher/table", test_hasher_table);
  g_test_add_func("/canon/hasher/copy", test_hasher_copy);
  g_test_add_func("/canon/hasher/body-hash", test_hasher_matches_body_hash);
  g_test_add_func("/canon/helpers", test_hash_helpers);
  g_test_add_func("/check/reasons", test_check_reasons);
  g_test_add_func("/check/names", test_check_names);
  g_test_add_func("/check/symbols", test_check_symbols);
  return g_test_run();
}
