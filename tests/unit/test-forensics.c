/* test-forensics.c — verify/forensics.c: what changed, and who changed it.
 *
 * Table-driven on the fixtures (tests/fixtures/messages, signed by dkimpy or
 * Mail::DKIM and damaged afterwards; the keys come from the fixture zone
 * files), plus hand-built bodies whose bh= values were computed with
 * python3-dkim's canonicalization (dkim.canonicalization.Simple/Relaxed,
 * then SHA-256) when this file was written. */
#include <stdio.h>
#include <string.h>

#include "parse/dnswire.h"
#include "parse/keyrecord.h"
#include "parse/message.h"
#include "parse/signature.h"
#include "verify/canon.h"
#include "verify/crypto.h"
#include "verify/dns.h"
#include "verify/forensics.h"

#define NOW 1717250400 /* the fixtures' --now: 2024-06-01T14:00:00Z */

/* ---------------------------------------------------------------- helpers */

static char *
fixture_path(const char *rel)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  return g_build_filename(root != NULL ? root : ".", "tests", "fixtures", rel, NULL);
}

static GBytes *
read_fixture(const char *rel)
{
  g_autofree char *path = fixture_path(rel);
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &data, &len, &error))
    g_error("cannot read %s: %s", path, error->message);
  return g_bytes_new_take(data, len);
}

static DksMessage *
message_from(const char *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(data, len, &error);
  g_assert_no_error(error);
  g_assert_nonnull(msg);
  return msg;
}

static DksMessage *
load_message(const char *name)
{
  g_autofree char *rel = g_strdup_printf("messages/%s.eml", name);
  g_autoptr(GBytes) bytes = read_fixture(rel);
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  return message_from(data, len);
}

/* The fixture with one string replaced (exactly once), as a message. */
static DksMessage *
load_edited(const char *name, const char *old, const char *new_text)
{
  g_autofree char *rel = g_strdup_printf("messages/%s.eml", name);
  g_autoptr(GBytes) bytes = read_fixture(rel);
  gsize len = 0;
  const char *data = g_bytes_get_data(bytes, &len);
  const char *hit = g_strstr_len(data, (gssize)len, old);
  g_assert_nonnull(hit);
  g_autoptr(GString) out = g_string_new_len(data, hit - data);
  g_string_append(out, new_text);
  g_string_append_len(out, hit + strlen(old), (gssize)(len - (gsize)(hit - data) - strlen(old)));
  return message_from(out->str, out->len);
}

static DksSignature *
signature_of(DksMessage *msg, guint index)
{
  g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);
  g_assert_cmpuint(index, <, sigs->len);
  return g_ptr_array_steal_index(sigs, index);
}

/* The TXT record at owner (as written in the zone file) as the DNS would
 * hand it over: each quoted character-string, escapes resolved. */
static DksTxtRecord *
zone_txt(const char *zone, const char *owner)
{
  g_autofree char *rel = g_strdup_printf("zones/%s.zone", zone);
  g_autoptr(GBytes) bytes = read_fixture(rel);
  g_autofree char *text = g_strndup(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *prefix = g_strdup_printf("%s\tIN\tTXT\t", owner);

  for (guint i = 0; lines[i] != NULL; i++) {
    if (!g_str_has_prefix(lines[i], prefix))
      continue;
    DksTxtRecord *txt = g_new0(DksTxtRecord, 1);
    g_autoptr(GByteArray) joined = g_byte_array_new();
    const char *p = lines[i] + strlen(prefix);
    txt->owner = g_strdup(owner);
    txt->strings = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    while ((p = strchr(p, '"')) != NULL) {
      g_autoptr(GByteArray) s = g_byte_array_new();
      for (p++; *p != '\0' && *p != '"'; p++) {
        guint8 c = (guint8)*p;
        if (*p == '\\' && g_ascii_isdigit(p[1])) {
          c = (guint8)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
          p += 3;
        } else if (*p == '\\') {
          c = (guint8)*++p;
        }
        g_byte_array_append(s, &c, 1);
      }
      g_byte_array_append(joined, s->data, s->len);
      g_ptr_array_add(txt->strings, g_byte_array_free_to_bytes(g_steal_pointer(&s)));
      p++;
    }
    txt->joined = g_byte_array_free_to_bytes(g_steal_pointer(&joined));
    return txt;
  }
  g_error("no TXT record %s in %s", owner, zone);
  return NULL;
}

static DksKeyRecord *
zone_key_record(const char *zone, const char *owner)
{
  DksTxtRecord *txt = zone_txt(zone, owner);
  gsize n = 0;
  const char *text = g_bytes_get_data(txt->joined, &n);
  DksKeyRecord *key = dks_key_record_parse(text, n);
  dks_txt_record_free(txt);
  return key;
}

static DksPublicKey *
zone_key(const char *zone, const char *owner)
{
  g_autoptr(DksKeyRecord) record = zone_key_record(zone, owner);
  g_autofree char *why = NULL;
  g_assert_nonnull(record->public_key);
  DksPublicKey *key = dks_public_key_load(record->public_key, record->key_type, &why);
  g_assert_nonnull(key);
  return key;
}

static const DksClue *
find_clue(const GPtrArray *clues, DksClueKind kind)
{
  for (guint i = 0; i < clues->len; i++) {
    const DksClue *clue = g_ptr_array_index(clues, i);
    if (clue->kind == kind)
      return clue;
  }
  return NULL;
}

/* TRUE when the summary or any evidence line contains needle. */
static gboolean
clue_mentions(const DksClue *clue, const char *needle)
{
  if (needle == NULL || strstr(clue->summary, needle) != NULL)
    return TRUE;
  for (guint i = 0; i < clue->evidence->len; i++)
    if (strstr(g_ptr_array_index(clue->evidence, i), needle) != NULL)
      return TRUE;
  return FALSE;
}

static void
dump_clues(const GPtrArray *clues)
{
  for (guint i = 0; i < clues->len; i++) {
    const DksClue *clue = g_ptr_array_index(clues, i);
    g_test_message("clue %s (%s): %s", dks_clue_kind_name(clue->kind),
                   dks_party_name(clue->party), clue->summary);
    for (guint k = 0; k < clue->evidence->len; k++)
      g_test_message("  | %s", (const char *)g_ptr_array_index(clue->evidence, k));
  }
}

static void
assert_clue(const GPtrArray *clues, DksClueKind kind, DksParty party, const char *mentions)
{
  const DksClue *clue = find_clue(clues, kind);
  if (clue == NULL || clue->party != party || !clue_mentions(clue, mentions)) {
    dump_clues(clues);
    g_error("want clue %s (%s) mentioning '%s'", dks_clue_kind_name(kind),
            dks_party_name(party), mentions != NULL ? mentions : "");
  }
}

/* --------------------------------------------------------- names, frees */

static void
test_kind_names(void)
{
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint k = 0; k < DKS_CLUE_COUNT; k++) {
    const char *name = dks_clue_kind_name((DksClueKind)k);
    g_assert_cmpstr(name, !=, "unknown");
    g_assert_false(g_hash_table_contains(seen, name));
    g_hash_table_add(seen, (gpointer)name);
  }
  g_hash_table_unref(seen);
  g_assert_cmpstr(dks_clue_kind_name(DKS_CLUE_FOOTER_APPENDED), ==, "footer-appended");
  g_assert_cmpstr(dks_clue_kind_name(DKS_CLUE_KEY_CUT_AT_255), ==, "key-cut-at-255");
  g_assert_cmpstr(dks_clue_kind_name(DKS_CLUE_COUNT), ==, "unknown");
  dks_clue_free(NULL);
  dks_key_probe_free(NULL);
}

/* ------------------------------------------------------- body: fixtures */

typedef struct {
  const char *fixture;
  guint sig_index;
  DksClueKind kind;
  DksParty party;
  const char *mentions;
} BodyFixture;

static const BodyFixture body_fixtures[] = {
  /* the three-line list footer, relaxed body */
  { "fail-body-hash-mismatch", 0, DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY,
    "without its last 3 lines" },
  { "fail-body-hash-mismatch", 0, DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY,
    "+ Unsubscribe: https://lists.example.net/u/team" },
  { "multi-three", 2, DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY, "+ --" },
  { "policy-algorithm-deprecated-fail", 0, DKS_CLUE_FOOTER_APPENDED,
    DKS_PARTY_INTERMEDIARY, "last 3 lines" },
  { "fail-body-banner-prepended", 0, DKS_CLUE_BANNER_PREPENDED, DKS_PARTY_INTERMEDIARY,
    "+ CAUTION: This email originated from outside of the organization." },
  { "fail-body-banner-prepended", 0, DKS_CLUE_BANNER_PREPENDED, DKS_PARTY_INTERMEDIARY,
    "first 3 lines" },
  { "fail-body-paste-trailing-ws", 0, DKS_CLUE_TRAILING_WS_DAMAGE, DKS_PARTY_INPUT,
    "line 4" },
  { "fail-body-paste-trailing-ws", 0, DKS_CLUE_TRAILING_WS_DAMAGE, DKS_PARTY_INPUT,
    "bare LF" },
};

static void
body_fixture_one(const BodyFixture *c)
{
  g_autoptr(DksMessage) msg = load_message(c->fixture);
  g_autoptr(DksSignature) sig = signature_of(msg, c->sig_index);
  g_autoptr(GPtrArray) clues = dks_forensics_body(msg, sig);

  g_test_message("%s #%u", c->fixture, c->sig_index);
  assert_clue(clues, c->kind, c->party, c->mentions);
  g_assert_null(find_clue(clues, DKS_CLUE_BODY_CHANGED));
}

static void
test_body_fixtures(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(body_fixtures); i++)
    body_fixture_one(&body_fixtures[i]);
}

/* --------------------------------------------------- body: hand-built */

typedef struct {
  const char *name;
  const char *canon;    /* c= */
  const char *bh;       /* python3-dkim over the body as signed */
  const char *length;   /* l= or NULL */
  gboolean lf_input;    /* the whole input with bare LF line ends */
  const char *body;     /* the body now */
  DksClueKind kind;
  DksParty party;
  const char *mentions;
  gboolean also_changed; /* BODY_CHANGED expected as well */
} BodyCase;

#define BH_AB "WAVb3Mc3h+uIx4028LSTnpxdwcOtF+JcyFpoM88aDKs=" /* "a\r\nb\r\n" */

static const BodyCase body_cases[] = {
  { "footer-simple", "simple/simple", BH_AB, NULL, FALSE,
    "a\r\nb\r\n--\r\nfooter\r\n", DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY,
    "last 2 lines", FALSE },
  /* signed "a\r\n\r\n": the empty and white-space lines after "a" stay */
  { "footer-after-blank-lines", "relaxed/relaxed",
    "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=", NULL, FALSE,
    "a\r\n\r\n \t\r\n--\r\nf\r\n", DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY,
    "last 2 lines", FALSE },
  /* signed with an empty body (relaxed: nothing; simple: one CRLF) */
  { "footer-on-empty-relaxed", "relaxed/relaxed",
    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", NULL, FALSE,
    "\r\nfooter line\r\n", DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY,
    "+ footer line", FALSE },
  { "footer-on-empty-simple", "simple/simple",
    "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=", NULL, FALSE,
    "footer\r\n", DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY, "last line", FALSE },
  /* signed "a\r\nb" (no final CRLF), a line added without one either */
  { "footer-unterminated", "simple/simple", BH_AB, NULL, FALSE,
    "a\r\nb\r\nfooter", DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY, "+ footer", FALSE },
  { "banner", "relaxed/relaxed", BH_AB, NULL, FALSE,
    "WARNING: external sender\r\n\r\na\r\nb\r\n", DKS_CLUE_BANNER_PREPENDED,
    DKS_PARTY_INTERMEDIARY, "first 2 lines", FALSE },
  { "cr-cr-lf", "simple/simple", BH_AB, NULL, FALSE,
    "a\r\r\nb\r\r\n", DKS_CLUE_BARE_LF_DAMAGE, DKS_PARTY_INPUT, "CR CR LF", FALSE },
  /* the signer hashed "Hello\nworld\n" with its bare LFs */
  { "signed-with-bare-lf", "simple/simple",
    "2sNylGfReReySkO8rRBBDqwHxBZipqfik9IGVuKs0Es=", NULL, TRUE,
    "Hello\nworld\n", DKS_CLUE_BARE_LF_DAMAGE, DKS_PARTY_SENDER_MAIL, "bare LF", FALSE },
  { "trailing-ws-added", "simple/simple", BH_AB, NULL, FALSE,
    "a  \r\nb\t\r\n", DKS_CLUE_TRAILING_WS_DAMAGE, DKS_PARTY_INPUT, "2 lines", FALSE },
  /* signed "a\r\n-- \r\nsig\r\n": the signature separator lost its space */
  { "trailing-space-lost", "simple/simple",
    "oVz6aVWKmBBJdmzUwLsQ6mNg5bp6JK7U9OZF/Qao9FA=", NULL, FALSE,
    "a\r\n--\r\nsig\r\n", DKS_CLUE_TRAILING_WS_DAMAGE, DKS_PARTY_INPUT, "line 2", FALSE },
  /* l=6 over "a\r\nb\r\n" (relaxed); the first line changed */
  { "l-prefix-changed", "relaxed/relaxed", BH_AB, "6", FALSE,
    "X\r\nb\r\nappended\r\n", DKS_CLUE_BODY_PREFIX_L, DKS_PARTY_INTERMEDIARY,
    "first 6 octets", TRUE },
  { "changed", "relaxed/relaxed", "jkYhN5eG70Kk/sFVzVJcKR3X2zwf3jR4Ui9PYcA/0b0=", NULL,
    FALSE, "b\r\n", DKS_CLUE_BODY_CHANGED, DKS_PARTY_INTERMEDIARY, "no common change",
    FALSE },
  /* relaxed ignores added trailing white space: not a candidate there */
  { "relaxed-no-ws-trial", "relaxed/relaxed", BH_AB, NULL, FALSE,
    "a  \r\nc\r\n", DKS_CLUE_BODY_CHANGED, DKS_PARTY_INTERMEDIARY, NULL, FALSE },
};

static char *
hand_message(const BodyCase *c, const char *body)
{
  g_autoptr(GString) s = g_string_new(NULL);
  g_string_append(s, "From: Dana <dana@example.com>\r\n");
  g_string_append_printf(s, "DKIM-Signature: v=1; a=rsa-sha256; c=%s; d=example.com;\r\n"
                         " s=s2048; h=from; %s%s%sbh=%s;\r\n b=AAAA\r\n\r\n", c->canon,
                         c->length ? "l=" : "", c->length ? c->length : "",
                         c->length ? "; " : "", c->bh);
  g_string_append(s, body);
  if (c->lf_input) {
    g_autoptr(GString) lf = g_string_new(NULL);
    for (gsize i = 0; i < s->len; i++)
      if (!(s->str[i] == '\r' && i + 1 < s->len && s->str[i + 1] == '\n'))
        g_string_append_c(lf, s->str[i]);
    return g_string_free(g_steal_pointer(&lf), FALSE);
  }
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
body_case_one(const BodyCase *c)
{
  g_autofree char *data = hand_message(c, c->body);
  g_autoptr(DksMessage) msg = message_from(data, strlen(data));
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(GPtrArray) clues = NULL;

  g_test_message("body case %s", c->name);
  g_assert_cmpint(sig->problem, ==, DKS_SIG_OK);
  clues = dks_forensics_body(msg, sig);
  assert_clue(clues, c->kind, c->party, c->mentions);
  if (c->kind != DKS_CLUE_BODY_CHANGED)
    g_assert_true((find_clue(clues, DKS_CLUE_BODY_CHANGED) != NULL) == c->also_changed);
}

static void
test_body_cases(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(body_cases); i++)
    body_case_one(&body_cases[i]);
}

/* A footer longer than the search cap is not found: BODY_CHANGED. */
static void
test_body_footer_cap(void)
{
  static const BodyCase c = { "too-long", "simple/simple", BH_AB, NULL, FALSE, NULL,
                              DKS_CLUE_BODY_CHANGED, DKS_PARTY_INTERMEDIARY, NULL, FALSE };
  g_autoptr(GString) body = g_string_new("a\r\nb\r\n");
  for (guint i = 0; i < 201; i++)
    g_string_append_printf(body, "footer line %u\r\n", i);
  g_autofree char *data = hand_message(&c, body->str);
  g_autoptr(DksMessage) msg = message_from(data, strlen(data));
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(GPtrArray) clues = dks_forensics_body(msg, sig);

  g_assert_null(find_clue(clues, DKS_CLUE_FOOTER_APPENDED));
  assert_clue(clues, DKS_CLUE_BODY_CHANGED, DKS_PARTY_INTERMEDIARY, "200 lines");

  /* 200 lines exactly: found, and only 12 of them shown. */
  g_autoptr(GString) body2 = g_string_new("a\r\nb\r\n");
  for (guint i = 0; i < 200; i++)
    g_string_append_printf(body2, "footer line %u\r\n", i);
  g_autofree char *data2 = hand_message(&c, body2->str);
  g_autoptr(DksMessage) msg2 = message_from(data2, strlen(data2));
  g_autoptr(DksSignature) sig2 = signature_of(msg2, 0);
  g_autoptr(GPtrArray) clues2 = dks_forensics_body(msg2, sig2);
  assert_clue(clues2, DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY, "and 188 more lines");
  const DksClue *clue = find_clue(clues2, DKS_CLUE_FOOTER_APPENDED);
  g_assert_cmpuint(clue->evidence->len, ==, 1 + 12 + 1);
}

/* A large body (several canonicalization pieces, white space and empty
 * lines across piece borders) with a footer: found, in bounded time.  Here
 * bh= comes from canon.c itself over the body as "signed": what is tested
 * is that the piecewise hashing agrees with canon.c's whole pass. */
static void
test_body_large(void)
{
  static const char *const canons[] = { "relaxed/relaxed", "simple/simple" };
  for (gsize k = 0; k < G_N_ELEMENTS(canons); k++) {
    g_autoptr(GString) body = g_string_new(NULL);
    for (guint i = 0; body->len < 3 * 1024 * 1024; i++) {
      if (i % 7 == 0)
        g_string_append(body, "\r\n");
      if (i % 11 == 0)
        g_string_append(body, " \t \r\n");
      g_string_append_printf(body, "line %u  with\tsome   white space \r\n", i);
    }
    g_string_append(body, "\r\n\r\n");
    DksBodyHash bh;
    dks_body_hash(body->str, body->len, k == 0 ? DKS_CANON_RELAXED : DKS_CANON_SIMPLE,
                  DKS_HASH_SHA256, FALSE, 0, &bh);
    g_autofree char *b64 = g_base64_encode(bh.digest, bh.digest_len);
    BodyCase c = { "large", canons[k], b64, NULL, FALSE, NULL, DKS_CLUE_FOOTER_APPENDED,
                   DKS_PARTY_INTERMEDIARY, NULL, FALSE };
    g_string_append(body, "-- \r\nlist footer\r\n");
    g_autofree char *data = hand_message(&c, body->str);
    g_autoptr(DksMessage) msg = message_from(data, strlen(data));
    g_autoptr(DksSignature) sig = signature_of(msg, 0);
    gint64 start = g_get_monotonic_time();
    g_autoptr(GPtrArray) clues = dks_forensics_body(msg, sig);
    g_test_message("%s: %.1f ms", canons[k], (g_get_monotonic_time() - start) / 1000.0);
    assert_clue(clues, DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY, "last 2 lines");
  }
}

/* Property: for random bodies B (ending in CRLF) and random added lines F
 * (empty, white space only, bare CR or LF inside, no final CRLF), B + F is
 * explained as a footer of at most lines(F) lines, or matches as it is.
 * bh= comes from canon.c over B (the oracle for "signed"). */
static void
random_line(GRand *r, GString *out)
{
  static const char *const parts[] = { "a", "b c", " ", "\t", "  x  ", "\r", "\n", "--",
                                       "\xc3\xa9", "end " };
  guint n = (guint)g_rand_int_range(r, 0, 4);
  for (guint i = 0; i < n; i++)
    g_string_append(out, parts[g_rand_int_range(r, 0, G_N_ELEMENTS(parts))]);
}

static void
test_body_footer_random(void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed(20240601);
  guint found = 0;

  for (guint round = 0; round < 400; round++) {
    gboolean relaxed = round % 2 == 0;
    g_autoptr(GString) b = g_string_new(NULL);
    g_autoptr(GString) f = g_string_new(NULL);
    guint nb = (guint)g_rand_int_range(r, 0, 6), nf = (guint)g_rand_int_range(r, 1, 6);
    for (guint i = 0; i < nb; i++) {
      random_line(r, b);
      g_string_append(b, "\r\n");
    }
    for (guint i = 0; i < nf; i++) {
      random_line(r, f);
      if (i + 1 < nf || g_rand_boolean(r))
        g_string_append(f, "\r\n");
    }
    DksBodyHash bh;
    dks_body_hash(b->str, b->len, relaxed ? DKS_CANON_RELAXED : DKS_CANON_SIMPLE,
                  DKS_HASH_SHA256, FALSE, 0, &bh);
    g_autofree char *b64 = g_base64_encode(bh.digest, bh.digest_len);
    BodyCase c = { "random", relaxed ? "relaxed/relaxed" : "simple/simple", b64, NULL,
                   FALSE, NULL, DKS_CLUE_FOOTER_APPENDED, DKS_PARTY_INTERMEDIARY, NULL,
                   FALSE };
    g_string_append_len(b, f->str, (gssize)f->len);
    g_autofree char *data = hand_message(&c, b->str);
    /* bare LF inside would be converted by message.c: keep the input as is */
    g_autoptr(DksMessage) msg = message_from(data, strlen(data));
    if (msg->flags & DKS_MESSAGE_BARE_LF_CONVERTED)
      continue;
    g_autoptr(DksSignature) sig = signature_of(msg, 0);
    g_autoptr(GPtrArray) clues = dks_forensics_body(msg, sig);
    DksBodyHash now;
    gsize len = 0;
    const char *body = dks_message_body(msg, &len);
    dks_body_hash(body, len, sig->body_canon, DKS_HASH_SHA256, FALSE, 0, &now);
    if (memcmp(now.digest, bh.digest, bh.digest_len) == 0) {
      g_assert_cmpuint(clues->len, ==, 0); /* only blank lines were added */
      continue;
    }
    const DksClue *clue = find_clue(clues, DKS_CLUE_FOOTER_APPENDED);
    if (clue == NULL) {
      g_autofree char *q = g_strescape(b->str, NULL);
      dump_clues(clues);
      g_error("round %u (%s): no footer found in \"%s\" (%u lines added)", round,
              c.canon, q, nf);
    }
    guint removed = 0;
    const char *first = clue->evidence->pdata[0];
    if (g_str_has_prefix(first, "bh= matches the body without its last line "))
      removed = 1;
    else
      g_assert_cmpint(sscanf(first, "bh= matches the body without its last %u", &removed), ==, 1);
    guint f_lines = 0; /* lines of F as canon.c counts them (only CRLF ends one) */
    for (gsize i = 0; i < f->len; f_lines++) {
      const char *crlf = g_strstr_len(f->str + i, (gssize)(f->len - i), "\r\n");
      i = crlf != NULL ? (gsize)(crlf - f->str) + 2 : f->len;
    }
    g_assert_cmpuint(removed, <=, f_lines);
    found++;
  }
  g_assert_cmpuint(found, >, 150); /* rounds with a bare LF are skipped */
}

/* Hostile variations must never crash or over-read (run under ASan). */
static void
test_mutations(void)
{
  g_autoptr(GRand) r = g_rand_new_with_seed(6376);
  g_autoptr(GBytes) base = read_fixture("messages/fail-signature-refolded-simple.eml");
  g_autoptr(DksPublicKey) key = zone_key("example.com", "s2048._domainkey");
  static const char junk[] = { '\r', '\n', ' ', '\t', ':', ';', '[', ']', '*', '\0', 'x',
                               '=', '(', ')', '\xff' };

  for (guint round = 0; round < 60; round++) {
    gsize len = g_bytes_get_size(base);
    g_autofree char *data = g_memdup2(g_bytes_get_data(base, NULL), len);
    for (guint k = 0; k < 6; k++)
      data[g_rand_int_range(r, 0, (gint32)len)] = junk[g_rand_int_range(r, 0, sizeof junk)];
    g_autoptr(GError) error = NULL;
    g_autoptr(DksMessage) msg = dks_message_new_from_data(data, len, &error);
    if (msg == NULL)
      continue;
    g_autoptr(GPtrArray) sigs = dks_signatures_parse_all(msg);
    for (guint i = 0; i < sigs->len; i++) {
      const DksSignature *sig = g_ptr_array_index(sigs, i);
      g_autoptr(GPtrArray) h = dks_forensics_header(msg, sig, key);
      g_autoptr(GPtrArray) b = dks_forensics_body(msg, sig);
      g_autoptr(GPtrArray) p = dks_forensics_key_probes(sig);
      g_autoptr(DksClue) x = dks_forensics_expiry(msg, sig, NOW);
      (void)h, (void)b, (void)p, (void)x;
    }
    (void)dks_forensics_received_time(msg);
  }

  /* key records and dates of random octets */
  for (guint round = 0; round < 2000; round++) {
    char buf[96];
    gsize n = (gsize)g_rand_int_range(r, 0, sizeof buf);
    for (gsize i = 0; i < n; i++)
      buf[i] = round % 3 == 0 ? junk[g_rand_int_range(r, 0, sizeof junk)]
                              : "v=DKIM1; p=MIIBIjAN+/= \"\\\xc2\xa0\xe2\x80\x8b"[g_rand_int_range(r, 0, 30)];
    g_autoptr(DksKeyRecord) k = dks_key_record_parse(buf, n);
    g_autoptr(GPtrArray) c = dks_forensics_key_record(NULL, k);
    g_autofree char *rec = g_strdup_printf("Received: x;%.*s\r\nFrom: a@b.example\r\n\r\n",
                                           (int)n, buf);
    g_autoptr(GError) error = NULL;
    g_autoptr(DksMessage) msg = dks_message_new_from_data(rec, strlen(rec), &error);
    if (msg != NULL)
      (void)dks_forensics_received_time(msg);
    (void)c;
  }
}

/* ------------------------------------------------------ header: fixtures */

typedef struct {
  const char *fixture;
  const char *edit_old, *edit_new; /* an extra edit of the fixture, or NULL */
  guint sig_index;
  const char *zone, *owner;        /* where the key is published */
  DksClueKind kind;                /* COUNT: no clue at all (b= verifies) */
  DksParty party;
  const char *mentions;
} HeaderCase;

static const HeaderCase header_cases[] = {
  { "pass-simple-simple", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_COUNT, DKS_PARTY_NONE, NULL },
  { "fail-signature-subject-external", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_SUBJECT_TAG_ADDED, DKS_PARTY_INTERMEDIARY, "\"[EXTERNAL]\" removed" },
  { "fail-signature-subject-external", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_SUBJECT_TAG_ADDED, DKS_PARTY_INTERMEDIARY,
    "Subject as signed: Quarterly figures" },
  { "multi-two", NULL, NULL, 1, "example.com", "s2048._domainkey",
    DKS_CLUE_SUBJECT_TAG_ADDED, DKS_PARTY_INTERMEDIARY, "\"[team]\"" },
  { "fail-signature-refolded-simple", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_HEADER_REFOLDED, DKS_PARTY_INTERMEDIARY, "Subject field unfolded" },
  /* the fold's tab turned into a space (c=simple/simple) */
  { "pass-folded-simple", "regions,\r\n\tsecond", "regions,\r\n second", 0, "example.com",
    "s2048._domainkey", DKS_CLUE_HEADER_REFOLDED, DKS_PARTY_INTERMEDIARY,
    "tab instead of a space" },
  /* the z= copy shows the Subject edit, and verifies when put back */
  { "fail-signature-z-copied", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_COPIED_HEADER_DIFFERS, DKS_PARTY_INTERMEDIARY,
    "Subject: signed ' Quarterly figures', now ' Quarterly figures (corrected)'" },
  { "fail-signature-z-copied", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_COPIED_HEADER_DIFFERS, DKS_PARTY_INTERMEDIARY, "these changes are the whole story" },
  { "fail-signature-z-copied", "Subject: Quarterly figures (corrected)\r\n", "", 0,
    "example.com", "s2048._domainkey", DKS_CLUE_COPIED_HEADER_DIFFERS,
    DKS_PARTY_INTERMEDIARY, "Subject: present when signed (' Quarterly figures'), absent now" },
  /* "RE: " is no tag: the key opens b=, so a header changed */
  { "fail-signature-mismatch", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_HEADER_CHANGED, DKS_PARTY_INTERMEDIARY, "this key made the signature" },
  { "fail-signature-mismatch", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_HEADER_CHANGED, DKS_PARTY_INTERMEDIARY,
    "RSA PKCS#1 v1.5 block holding a sha256 digest" },
  { "headers-only-tampered", NULL, NULL, 0, "example.com", "s2048._domainkey",
    DKS_CLUE_HEADER_CHANGED, DKS_PARTY_INTERMEDIARY, "sha256 digest" },
  /* the key was rotated: b= does not open with the published key */
  { "fail-signature-key-rotated", NULL, NULL, 0, "example.com", "rotated._domainkey",
    DKS_CLUE_KEY_MISMATCH, DKS_PARTY_SENDER_DNS, "another key made it" },
  { "fail-signature-key-rotated", NULL, NULL, 0, "example.com", "rotated._domainkey",
    DKS_CLUE_KEY_MISMATCH, DKS_PARTY_SENDER_DNS, "b= was not made with the published key" },
  /* a 1024-bit key published for a 2048-bit signature */
  { "pass-simple-simple", NULL, NULL, 0, "example.com", "s1024._domainkey",
    DKS_CLUE_KEY_MISMATCH, DKS_PARTY_SENDER_DNS, "it cannot have made it" },
  /* Ed25519 cannot be opened: the key stays only a suspect */
  { "pass-ed25519", "Subject: Quarterly figures", "Subject: Quarterly results", 0,
    "example.com", "ed._domainkey", DKS_CLUE_KEY_MISMATCH, DKS_PARTY_SENDER_DNS,
    "Ed25519 signature cannot be opened" },
  { "pass-ed25519", "Subject: Quarterly figures", "Subject: Quarterly results", 0,
    "example.com", "ed._domainkey", DKS_CLUE_KEY_MISMATCH, DKS_PARTY_SENDER_DNS,
    "or the signed header fields changed in a way not recognised" },
};

static GPtrArray *
header_clues(const HeaderCase *c)
{
  g_autoptr(DksMessage) msg = c->edit_old != NULL ?
    load_edited(c->fixture, c->edit_old, c->edit_new) : load_message(c->fixture);
  g_autoptr(DksSignature) sig = signature_of(msg, c->sig_index);
  g_autoptr(DksPublicKey) key = zone_key(c->zone, c->owner);

  return dks_forensics_header(msg, sig, key);
}

static void
header_case_one(const HeaderCase *c)
{
  g_autoptr(GPtrArray) clues = NULL;

  g_test_message("%s #%u (%s)", c->fixture, c->sig_index, c->owner);
  clues = header_clues(c);
  if (c->kind == DKS_CLUE_COUNT) {
    dump_clues(clues);
    g_assert_cmpuint(clues->len, ==, 0);
    return;
  }
  assert_clue(clues, c->kind, c->party, c->mentions);
  /* KEY_MISMATCH only when nothing else explains it */
  if (c->kind != DKS_CLUE_KEY_MISMATCH)
    g_assert_null(find_clue(clues, DKS_CLUE_KEY_MISMATCH));
  else
    g_assert_cmpuint(clues->len, ==, 1);
}

static void
test_header_cases(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(header_cases); i++)
    header_case_one(&header_cases[i]);
}

/* Subject tags on a c=simple/simple fixture: each added in front of the
 * signed Subject, and removed again by forensics; replies are no tags. */
typedef struct {
  const char *subject;   /* the Subject value now */
  gboolean tag;          /* a tag: SUBJECT_TAG_ADDED; else HEADER_CHANGED */
  const char *removed;
} TagCase;

static const TagCase tag_cases[] = {
  { " [EXTERNAL] Quarterly figures", TRUE, "[EXTERNAL]" },
  { " [External]Quarterly figures", TRUE, "[External]" },
  { " EXTERNAL: Quarterly figures", TRUE, "EXTERNAL:" },
  { " External: Quarterly figures", TRUE, "External:" },
  { " ***SPAM*** Quarterly figures", TRUE, "***SPAM***" },
  { " *** SPAM *** Quarterly figures", TRUE, "*** SPAM ***" },
  { " [SPAM] Quarterly figures", TRUE, "[SPAM]" },
  { " [SUSPECTED SPAM] Quarterly figures", TRUE, "[SUSPECTED SPAM]" },
  { " [Caution] Quarterly figures", TRUE, "[Caution]" },
  { " [EXT] Quarterly figures", TRUE, "[EXT]" },
  { " [team-list] Quarterly figures", TRUE, "[team-list]" },
  { " {Spam?} Quarterly figures", TRUE, "{Spam?}" },
  { " (EXTERNAL) Quarterly figures", TRUE, "(EXTERNAL)" },
  { " [EXTERNAL] [SPAM] Quarterly figures", TRUE, "[EXTERNAL] [SPAM]" },
  { " [EXTERNAL]\r\n Quarterly figures", TRUE, "[EXTERNAL]" },
  { " RE: Quarterly figures", FALSE, NULL },
  { " FW: Quarterly figures", FALSE, NULL },
  { " Fwd: Quarterly figures", FALSE, NULL },
  { " [EXTERNAL] RE: Quarterly figures", FALSE, NULL },
  { " [unclosed Quarterly figures", FALSE, NULL },
  { " Quarterly figures [EXTERNAL]", FALSE, NULL },
};

static void
tag_case_one(const TagCase *c)
{
  g_autofree char *field = g_strdup_printf("Subject:%s", c->subject);
  HeaderCase hc = { "pass-simple-simple", "Subject: Quarterly figures", field, 0,
                    "example.com", "s2048._domainkey", DKS_CLUE_COUNT,
                    DKS_PARTY_NONE, NULL };
  g_autoptr(GPtrArray) clues = NULL;
  g_autofree char *quoted = g_strdup_printf("\"%s\" removed", c->removed ? c->removed : "");

  g_test_message("Subject:%s", c->subject);
  clues = header_clues(&hc);
  if (c->tag)
    assert_clue(clues, DKS_CLUE_SUBJECT_TAG_ADDED, DKS_PARTY_INTERMEDIARY, quoted);
  else {
    g_assert_null(find_clue(clues, DKS_CLUE_SUBJECT_TAG_ADDED));
    assert_clue(clues, DKS_CLUE_HEADER_CHANGED, DKS_PARTY_INTERMEDIARY, NULL);
  }
}

static void
test_subject_tags(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(tag_cases); i++)
    tag_case_one(&tag_cases[i]);
}

/* No key, no b=: nothing to say (and no crash). */
static void
test_header_degenerate(void)
{
  g_autoptr(DksMessage) msg = load_message("fail-signature-mismatch");
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(GPtrArray) a = dks_forensics_header(msg, sig, NULL);
  g_autoptr(GPtrArray) b = dks_forensics_header(NULL, sig, NULL);
  g_assert_cmpuint(a->len, ==, 0);
  g_assert_cmpuint(b->len, ==, 0);
}

/* ------------------------------------------------------------- key probes */

static gboolean
has_probe(const GPtrArray *probes, DksClueKind kind, const char *name)
{
  for (guint i = 0; i < probes->len; i++) {
    const DksKeyProbe *p = g_ptr_array_index(probes, i);
    if (p->kind == kind && g_ascii_strcasecmp(p->name, name) == 0)
      return TRUE;
  }
  return FALSE;
}

static void
test_probe_names(void)
{
  g_autoptr(DksMessage) msg = load_message("permerror-key-parent-domain");
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(GPtrArray) probes = dks_forensics_key_probes(sig);
  static const struct { DksClueKind kind; const char *name; } want[] = {
    { DKS_CLUE_KEY_AT_DOUBLED_DOMAIN, "parent._domainkey.mail.example.com.mail.example.com" },
    { DKS_CLUE_KEY_AT_DOUBLED_DOMAIN, "parent._domainkey.mail.example.com.example.com" },
    { DKS_CLUE_KEY_WITHOUT_UNDERSCORE, "parent.domainkey.mail.example.com" },
    { DKS_CLUE_KEY_AT_PARENT_DOMAIN, "parent._domainkey.example.com" },
    { DKS_CLUE_KEY_AT_CHILD_NAME, "parent._domainkey.parent._domainkey.mail.example.com" },
    { DKS_CLUE_CNAME_TARGET_AS_TXT, "parent._domainkey.mail.example.com" },
  };
  g_assert_cmpuint(probes->len, ==, G_N_ELEMENTS(want));
  for (gsize i = 0; i < G_N_ELEMENTS(want); i++)
    g_assert_true(has_probe(probes, want[i].kind, want[i].name));
  const DksKeyProbe *p = g_ptr_array_index(probes, 0);
  g_assert_cmpstr(p->key_name, ==, "parent._domainkey.mail.example.com");

  /* two labels: no parent probe */
  g_autoptr(DksMessage) msg2 = load_message("permerror-key-doubled-domain");
  g_autoptr(DksSignature) sig2 = signature_of(msg2, 0);
  g_autoptr(GPtrArray) probes2 = dks_forensics_key_probes(sig2);
  g_assert_cmpuint(probes2->len, ==, 4);
  g_assert_true(has_probe(probes2, DKS_CLUE_KEY_AT_DOUBLED_DOMAIN,
                          "doubled._domainkey.example.com.example.com"));
}

/* A name too long for DNS is not probed. */
static void
test_probe_names_too_long(void)
{
  g_autoptr(GString) d = g_string_new(NULL);
  for (guint i = 0; i < 4; i++)
    g_string_append(d, "abcdefghijabcdefghijabcdefghijabcdefghij.");
  g_string_append(d, "example.com");
  g_autofree char *data = g_strdup_printf(
    "From: a@example.com\r\nDKIM-Signature: v=1; a=rsa-sha256; d=%s; s=sel; h=from;"
    " bh=AAAA; b=AAAA\r\n\r\nx\r\n", d->str);
  g_autoptr(DksMessage) msg = message_from(data, strlen(data));
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(GPtrArray) probes = dks_forensics_key_probes(sig);
  for (guint i = 0; i < probes->len; i++) {
    const DksKeyProbe *p = g_ptr_array_index(probes, i);
    g_assert_cmpuint(strlen(p->name), <=, 253);
    g_assert_true(p->kind != DKS_CLUE_KEY_AT_DOUBLED_DOMAIN);
  }
  g_autofree char *without = g_strdup_printf("sel.domainkey.%s", d->str);
  g_assert_true(has_probe(probes, DKS_CLUE_KEY_WITHOUT_UNDERSCORE, without));
  g_assert_cmpuint(probes->len, ==, 4); /* without _, parent, child, the key name */
}

static DksDnsAnswer *
answer_with(const char *qname, DksDnsOutcome outcome, DksTxtRecord *txt)
{
  DksDnsAnswer *a = g_new0(DksDnsAnswer, 1);
  a->qname = g_strdup(qname);
  a->outcome = outcome;
  a->cname_chain = g_ptr_array_new_with_free_func((GDestroyNotify)dks_cname_hop_free);
  a->txt = g_ptr_array_new_with_free_func((GDestroyNotify)dks_txt_record_free);
  if (txt != NULL)
    g_ptr_array_add(a->txt, txt);
  return a;
}

typedef struct {
  const char *fixture;
  const char *zone, *owner;  /* the TXT the probe finds */
  DksClueKind kind;
  const char *probe_name;
  const char *mentions;
} ProbeCase;

static const ProbeCase probe_cases[] = {
  { "permerror-key-doubled-domain", "example.com", "doubled._domainkey.example.com",
    DKS_CLUE_KEY_AT_DOUBLED_DOMAIN, "doubled._domainkey.example.com.example.com",
    "verifiers look at doubled._domainkey.example.com" },
  { "permerror-key-no-underscore", "example.com", "nounderscore.domainkey",
    DKS_CLUE_KEY_WITHOUT_UNDERSCORE, "nounderscore.domainkey.example.com", "underscore" },
  { "permerror-key-parent-domain", "example.com", "parent._domainkey",
    DKS_CLUE_KEY_AT_PARENT_DOMAIN, "parent._domainkey.example.com", "parent domain" },
  { "permerror-key-child-name", "example.com", "twice._domainkey.twice._domainkey",
    DKS_CLUE_KEY_AT_CHILD_NAME, "twice._domainkey.twice._domainkey.example.com",
    "fix: publish the same record at twice._domainkey.example.com" },
  { "permerror-key-syntax-cname-as-txt", "example.com", "cnametxt._domainkey",
    DKS_CLUE_CNAME_TARGET_AS_TXT, "cnametxt._domainkey.example.com",
    "CNAME selector1-example-com._domainkey.contoso.onmicrosoft.com." },
};

static const DksKeyProbe *
probe_named(const GPtrArray *probes, DksClueKind kind, const char *name)
{
  for (guint i = 0; i < probes->len; i++) {
    const DksKeyProbe *p = g_ptr_array_index(probes, i);
    if (p->kind == kind && strcmp(p->name, name) == 0)
      return p;
  }
  g_error("no probe %s for %s", name, dks_clue_kind_name(kind));
  return NULL;
}

static void
probe_case_one(const ProbeCase *c)
{
  g_autoptr(DksMessage) msg = load_message(c->fixture);
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(GPtrArray) probes = dks_forensics_key_probes(sig);
  const DksKeyProbe *probe = probe_named(probes, c->kind, c->probe_name);
  g_autoptr(DksDnsAnswer) found = answer_with(probe->name, DKS_DNS_ANSWER,
                                              zone_txt(c->zone, c->owner));
  g_autoptr(DksDnsAnswer) nx = answer_with(probe->name, DKS_DNS_NXDOMAIN, NULL);
  g_autoptr(DksDnsAnswer) spf = answer_with(probe->name, DKS_DNS_ANSWER, NULL);
  g_autoptr(DksClue) clue = dks_forensics_key_probe_clue(probe, found);
  g_autoptr(DksClue) none = dks_forensics_key_probe_clue(probe, nx);

  g_test_message("probe %s", probe->name);
  g_assert_nonnull(clue);
  g_assert_cmpint(clue->kind, ==, c->kind);
  g_assert_cmpint(clue->party, ==, DKS_PARTY_SENDER_DNS);
  if (!clue_mentions(clue, c->mentions)) {
    g_autoptr(GPtrArray) one = g_ptr_array_new();
    g_ptr_array_add(one, clue);
    dump_clues(one);
    g_error("clue does not mention %s", c->mentions);
  }
  g_assert_null(none);

  /* A TXT that is neither a key nor a host name proves nothing. */
  DksTxtRecord *txt = g_new0(DksTxtRecord, 1);
  txt->owner = g_strdup(probe->name);
  txt->strings = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  txt->joined = g_bytes_new_static("v=spf1 -all", 11);
  g_ptr_array_add(spf->txt, txt);
  g_autoptr(DksClue) nothing = dks_forensics_key_probe_clue(probe, spf);
  g_assert_null(nothing);
}

static void
test_probe_clues(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(probe_cases); i++)
    probe_case_one(&probe_cases[i]);

  /* A real key at the key name is no CNAME target pasted as TXT. */
  g_autoptr(DksMessage) msg = load_message("pass-simple-simple");
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(GPtrArray) probes = dks_forensics_key_probes(sig);
  const DksKeyProbe *probe = probe_named(probes, DKS_CLUE_CNAME_TARGET_AS_TXT,
                                         "s2048._domainkey.example.com");
  g_autoptr(DksDnsAnswer) key = answer_with(probe->name, DKS_DNS_ANSWER,
                                            zone_txt("example.com", "s2048._domainkey"));
  g_autoptr(DksClue) clue = dks_forensics_key_probe_clue(probe, key);
  g_assert_null(clue);
  g_assert_null(dks_forensics_key_probe_clue(NULL, key));
  g_assert_null(dks_forensics_key_probe_clue(probe, NULL));
}

/* ------------------------------------------------------------- key record */

typedef struct {
  const char *name;
  const char *zone, *owner;   /* from the fixture zones, or NULL: text below */
  const char *text;
  gsize text_len;
  DksClueKind kind;           /* COUNT: no clue */
  const char *mentions;
  const char *mentions2;
} KeyCase;

#define T(s) (s), (sizeof(s) - 1)

static const KeyCase key_cases[] = {
  { "good", "example.com", "s2048._domainkey", NULL, 0, DKS_CLUE_COUNT, NULL, NULL },
  { "cut-255", "example.com", "cut255._domainkey", NULL, 0, DKS_CLUE_KEY_CUT_AT_255,
    "2048-bit RSA key cut at 255", "255 + 18 octets" },
  { "invisible", "example.com", "invisible._domainkey", NULL, 0, DKS_CLUE_KEY_JUNK,
    "(p= offset 64): U+200B ZERO WIDTH SPACE", "(p= offset 203): U+00A0 NO-BREAK SPACE" },
  { "quoted", "example.com", "quoted._domainkey", NULL, 0, DKS_CLUE_KEY_JUNK,
    "(p= offset 200): a double quote", "(p= offset 202): a double quote" },
  { "bom", NULL, NULL, T("\xef\xbb\xbfv=DKIM1; p=MIIB"), DKS_CLUE_KEY_JUNK,
    "octet 0: U+FEFF BYTE ORDER MARK", NULL },
  { "backslash", NULL, NULL, T("v=DKIM1; p=MII\\BIjAN"), DKS_CLUE_KEY_JUNK,
    "p= offset 3): a backslash", NULL },
  { "nul", NULL, NULL, T("v=DKIM1; p=MIIB\0IjAN"), DKS_CLUE_KEY_JUNK, "a NUL octet", NULL },
};

static void
key_case_one(const KeyCase *c)
{
  g_autoptr(DksKeyRecord) key = NULL;
  DksTxtRecord *txt = NULL;
  g_autoptr(GPtrArray) clues = NULL;

  g_test_message("key case %s", c->name);
  if (c->zone != NULL) {
    txt = zone_txt(c->zone, c->owner);
    gsize n = 0;
    const char *text = g_bytes_get_data(txt->joined, &n);
    key = dks_key_record_parse(text, n);
  } else {
    key = dks_key_record_parse(c->text, c->text_len);
  }
  clues = dks_forensics_key_record(txt, key);
  if (txt != NULL) { /* the same from the TXT alone */
    g_autoptr(GPtrArray) alone = dks_forensics_key_record(txt, NULL);
    g_assert_cmpuint(alone->len, ==, clues->len);
  }
  if (c->kind == DKS_CLUE_COUNT) {
    dump_clues(clues);
    g_assert_cmpuint(clues->len, ==, 0);
  } else {
    assert_clue(clues, c->kind, DKS_PARTY_SENDER_DNS, c->mentions);
    assert_clue(clues, c->kind, DKS_PARTY_SENDER_DNS, c->mentions2);
  }
  dks_txt_record_free(txt);
}

static void
test_key_records(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(key_cases); i++)
    key_case_one(&key_cases[i]);
}

/* The 2048-bit key cut elsewhere, and the whole record cut at 255. */
static void
test_key_cut(void)
{
  g_autoptr(DksKeyRecord) good = zone_key_record("example.com", "s2048._domainkey");
  g_autofree char *p = g_strdup(good->p_text);

  g_autofree char *at200 = g_strdup_printf("v=DKIM1; k=rsa; p=%.200s", p);
  g_autoptr(DksKeyRecord) k200 = dks_key_record_parse(at200, strlen(at200));
  g_autoptr(GPtrArray) c200 = dks_forensics_key_record(NULL, k200);
  assert_clue(c200, DKS_CLUE_KEY_TRUNCATED, DKS_PARTY_SENDER_DNS, "2048-bit");
  g_assert_null(find_clue(c200, DKS_CLUE_KEY_CUT_AT_255));

  g_autofree char *rec = g_strdup_printf("v=DKIM1; k=rsa; p=%s", p);
  rec[255] = '\0';
  g_autoptr(DksKeyRecord) k255 = dks_key_record_parse(rec, 255);
  g_autoptr(GPtrArray) c255 = dks_forensics_key_record(NULL, k255);
  assert_clue(c255, DKS_CLUE_KEY_CUT_AT_255, DKS_PARTY_SENDER_DNS, "the record is 255 octets");

  /* white space inside p= is FWS: fine, no clue */
  g_autofree char *spaced = g_strdup_printf("v=DKIM1; k=rsa; p=%.100s %.100s\t%s", p, p + 100,
                                            p + 200);
  g_autoptr(DksKeyRecord) ks = dks_key_record_parse(spaced, strlen(spaced));
  g_assert_nonnull(ks->public_key);
  g_autoptr(GPtrArray) cs = dks_forensics_key_record(NULL, ks);
  g_assert_cmpuint(cs->len, ==, 0);

  /* ... but named (as allowed) next to real junk */
  g_autofree char *both = g_strdup_printf("v=DKIM1; k=rsa; p=%.100s %.100s\\%s", p, p + 100,
                                          p + 200);
  g_autoptr(DksKeyRecord) kb = dks_key_record_parse(both, strlen(both));
  g_autoptr(GPtrArray) cb = dks_forensics_key_record(NULL, kb);
  assert_clue(cb, DKS_CLUE_KEY_JUNK, DKS_PARTY_SENDER_DNS, "white space inside p= at offset 100");
  assert_clue(cb, DKS_CLUE_KEY_JUNK, DKS_PARTY_SENDER_DNS, "(p= offset 201): a backslash");

  g_autoptr(GPtrArray) none = dks_forensics_key_record(NULL, NULL);
  g_assert_cmpuint(none->len, ==, 0);
}

/* ------------------------------------------------------------------- time */

typedef struct {
  const char *received;   /* the topmost Received field(s), CRLF each */
  gint64 want;
} ReceivedCase;

static const ReceivedCase received_cases[] = {
  { "Received: from a by b; Thu, 30 May 2024 12:00:05 +0000 (UTC)\r\n", 1717070405 },
  { "Received: from a by b; Sat,  1 Jun 2024 12:00:03 +0000\r\n", 1717243203 },
  { "Received: from a by b;\r\n\tSat, 01 Jun 2024 12:00:00 +0000\r\n", 1717243200 },
  { "Received: from a by b; 1 Jun 2024 05:00:00 -0700\r\n", 1717243200 },
  { "Received: from a by b; Sat, 01 Jun 2024 14:30:00 +0230\r\n", 1717243200 },
  { "Received: from a by b; Sat, 01 Jun 24 12:00 GMT\r\n", 1717243200 },
  { "Received: from a by b; Sat, 01 Jun 2024 08:00:00 EDT\r\n", 1717243200 },
  { "Received: from a by b; sat, 01 jun 2024 12:00:00 UT\r\n", 1717243200 },
  { "Received: from a (c; d) by b; (comment (nested)) Sat, 01 Jun 2024 12:00:00 +0000\r\n",
    1717243200 },
  { "Received: by b id 1; x; Sat, 01 Jun 2024 12:00:00 +0000\r\n", 1717243200 },
  /* the topmost one counts */
  { "Received: by b; Sat, 01 Jun 2024 12:00:00 +0000\r\n"
    "Received: by c; Fri, 31 May 2024 12:00:00 +0000\r\n", 1717243200 },
  /* refused */
  { "Received: by b; Sat, 31 Jun 2024 12:00:00 +0000\r\n", 0 },
  { "Received: by b; Sat, 01 Jun 2024 24:00:00 +0000\r\n", 0 },
  { "Received: by b; Sat 01 Jun 2024 12:00:00 +0000\r\n", 0 },
  { "Received: by b; Sat, 01 Jun 2024 12:00:00 +0000 junk\r\n", 0 },
  { "Received: by b; Sat, 01 Jun 2024 12:00:00\r\n", 0 },
  { "Received: by b; Funday, 01 Jun 2024 12:00:00 +0000\r\n", 0 },
  { "Received: by b; Sat, 01 Juni 2024 12:00:00 +0000\r\n", 0 },
  { "Received: by b; Sat, 01 Jun 2024 12:00:00 +0060\r\n", 0 },
  { "Received: by b; Sat, 01 Jun 2024 12:00:00 +0000 (unclosed\r\n", 0 },
  { "Received: by b; Sat, 01 Jun 2024 12:00:00 +0000 ((((((((((deep))))))))))\r\n", 0 },
  { "Received: by b; yesterday\r\n", 0 },
  { "Received: from a by b with SMTP\r\n", 0 },
  { "X-Other: 1\r\n", 0 },
};

static void
received_case_one(const ReceivedCase *c)
{
  g_autofree char *data = g_strdup_printf("%sFrom: a@example.com\r\n\r\nx\r\n", c->received);
  g_autoptr(DksMessage) msg = message_from(data, strlen(data));
  g_test_message("%s", c->received);
  g_assert_cmpint(dks_forensics_received_time(msg), ==, c->want);
}

static void
test_received_time(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(received_cases); i++)
    received_case_one(&received_cases[i]);
  g_assert_cmpint(dks_forensics_received_time(NULL), ==, 0);

  /* A very long date text is refused without reading it all. */
  g_autoptr(GString) s = g_string_new("Received: by b; Sat, 01 Jun 2024 12:00:00 +0000");
  for (guint i = 0; i < 300; i++)
    g_string_append(s, " (c)");
  g_string_append(s, "\r\nFrom: a@example.com\r\n\r\n");
  g_autoptr(DksMessage) msg = message_from(s->str, s->len);
  g_assert_cmpint(dks_forensics_received_time(msg), ==, 0);
}

static void
test_expiry(void)
{
  g_autoptr(DksMessage) msg = load_message("permerror-signature-expired-after-delivery");
  g_autoptr(DksSignature) sig = signature_of(msg, 0);
  g_autoptr(DksClue) clue = dks_forensics_expiry(msg, sig, NOW);

  g_assert_cmpint(dks_forensics_received_time(msg), ==, 1717070405);
  g_assert_nonnull(clue);
  g_assert_cmpint(clue->kind, ==, DKS_CLUE_EXPIRED_AFTER_DELIVERY);
  g_assert_cmpint(clue->party, ==, DKS_PARTY_NONE);
  g_assert_true(clue_mentions(clue, "expired at 2024-05-31T12:00:00Z"));
  g_assert_true(clue_mentions(clue, "received 2024-05-30T12:00:05Z"));

  /* not expired yet, or no x= at all: nothing */
  g_assert_null(dks_forensics_expiry(msg, sig, 1717156800));
  g_autoptr(DksMessage) plain = load_message("pass-simple-simple");
  g_autoptr(DksSignature) no_x = signature_of(plain, 0);
  g_assert_null(dks_forensics_expiry(plain, no_x, NOW));

  /* no Received field: nothing can be said */
  g_autoptr(DksMessage) bare = load_message("permerror-signature-expired");
  g_autoptr(DksSignature) bare_sig = signature_of(bare, 0);
  g_assert_null(dks_forensics_expiry(bare, bare_sig, NOW));

  /* received after x=: it had expired already on arrival */
  g_autoptr(DksMessage) late = load_edited("permerror-signature-expired-after-delivery",
                                           "Thu, 30 May 2024 12:00:05", "Fri, 31 May 2024 12:00:01");
  g_autoptr(DksSignature) late_sig = signature_of(late, 0);
  g_assert_null(dks_forensics_expiry(late, late_sig, NOW));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/forensics/kind-names", test_kind_names);
  g_test_add_func("/forensics/body/fixtures", test_body_fixtures);
  g_test_add_func("/forensics/body/cases", test_body_cases);
  g_test_add_func("/forensics/body/footer-cap", test_body_footer_cap);
  g_test_add_func("/forensics/body/large", test_body_large);
  g_test_add_func("/forensics/body/footer-random", test_body_footer_random);
  g_test_add_func("/forensics/mutations", test_mutations);
  g_test_add_func("/forensics/header/cases", test_header_cases);
  g_test_add_func("/forensics/header/subject-tags", test_subject_tags);
  g_test_add_func("/forensics/header/degenerate", test_header_degenerate);
  g_test_add_func("/forensics/probes/names", test_probe_names);
  g_test_add_func("/forensics/probes/too-long", test_probe_names_too_long);
  g_test_add_func("/forensics/probes/clues", test_probe_clues);
  g_test_add_func("/forensics/key-record/cases", test_key_records);
  g_test_add_func("/forensics/key-record/cut", test_key_cut);
  g_test_add_func("/forensics/time/received", test_received_time);
  g_test_add_func("/forensics/time/expiry", test_expiry);
  return g_test_run();
}
