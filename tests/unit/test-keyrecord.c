/* test-keyrecord.c — DKIM key records (RFC 6376 §3.6.1, RFC 8463). */
#include <glib.h>
#include <string.h>

#include "parse/finding.h"
#include "parse/keyrecord.h"
#include "parse/limits.h"
#include "testutil.h"

/* RFC 8463 Appendix A.2, the RSA record with its four strings joined. */
#define RFC8463_RSA_P                                                        \
  "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWR"                       \
  "iGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/J16JYi0Qvx/byYzCNb3W91y3FutAC"    \
  "DfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3"    \
  "Ip3G+2kryOTIKT+l/K4w3QIDAQAB"
#define RFC8463_ED_P "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
/* A 512-bit RSA key from the Mail::DKIM corpus (94 octets of DER). */
#define P512                                                                 \
  "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALgSoqXVSEmfcIsOzw7oRuCCOwsmtX/SJnTWxYyj2" \
  "leFxfS/AVJ+dYfY+hXqMsT7l+MZvvh/R1WzN4MO/kI/7XsCAwEAAQ=="

typedef struct {
  const char *name;
  const char *record;
  gssize len;           /* -1: strlen */
  DksKeyProblem problem;
  DksKeyType type;
  gboolean testing, strict;
  gsize key_len;        /* decoded p= octets, 0 when none */
  const char *finding;  /* substring of some finding, or NULL */
} KeyCase;

static void
key_one(const KeyCase *c)
{
  gsize len = c->len < 0 ? strlen(c->record) : (gsize)c->len;
  g_autoptr(DksKeyRecord) key = dks_key_record_parse(c->record, len);
  g_assert_nonnull(key);
  for (guint i = 0; i < key->findings->len; i++)
    g_test_message("  finding: %s", ((DksFinding *)g_ptr_array_index(key->findings, i))->text);
  g_assert_cmpint(key->problem, ==, c->problem);
  g_assert_cmpint(key->key_type, ==, c->type);
  g_assert_cmpint(key->testing, ==, c->testing);
  g_assert_cmpint(key->strict, ==, c->strict);
  g_assert_cmpuint(key->text_len, ==, len);
  g_assert_cmpmem(key->text, key->text_len, c->record, len);
  if (c->key_len == 0)
    g_assert_null(key->public_key);
  else
    g_assert_cmpuint(g_bytes_get_size(key->public_key), ==, c->key_len);
  if (c->finding != NULL)
    g_assert_true(findings_mention(key->findings, c->finding));
  g_assert_cmpint(c->problem != DKS_KEY_OK, ==, dks_findings_have_error(key->findings));
}

static const KeyCase key_cases[] = {
  { "RFC 8463 ed25519", "v=DKIM1; k=ed25519; p=" RFC8463_ED_P, -1, DKS_KEY_OK,
    DKS_KEY_TYPE_ED25519, FALSE, FALSE, 32, NULL },
  { "RFC 8463 rsa", "v=DKIM1; k=rsa; p=" RFC8463_RSA_P, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA,
    FALSE, FALSE, 162, NULL },
  { "no v, no k", "p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94, NULL },
  { "leading blanks before v", "  v=DKIM1; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE,
    FALSE, 94, NULL },
  { "k=ED25519 upper case", "k=ED25519; p=" RFC8463_ED_P, -1, DKS_KEY_OK, DKS_KEY_TYPE_ED25519,
    FALSE, FALSE, 32, NULL },
  { "p= with FWS", "v=DKIM1; p=MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBALgSoqXVSEmfcIsOzw7oRuCCOwsmtX/SJnTWxYyj2"
    " leFxfS/AVJ+dYfY+hXqMsT7l+MZvvh/R1WzN4MO/kI/7XsC\tAwEAAQ== ", -1, DKS_KEY_OK,
    DKS_KEY_TYPE_RSA, FALSE, FALSE, 94, NULL },
  /* revoked */
  { "revoked", "k=rsa; t=y; p=", -1, DKS_KEY_REVOKED, DKS_KEY_TYPE_RSA, TRUE, FALSE, 0,
    "the key is revoked" },
  { "revoked with blanks", "v=DKIM1; p= ; ", -1, DKS_KEY_REVOKED, DKS_KEY_TYPE_RSA, FALSE, FALSE,
    0, "not a malformed record" },
  { "syntax beats revoked", "v=DKIM2; p=", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "the key is revoked" },
  /* v= */
  { "v not first", "k=rsa; v=DKIM1; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE,
    94, "want it as the first tag of the record, have it at offset 7" },
  { "v after a broken tag-spec", "x; v=DKIM1; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA,
    FALSE, FALSE, 94, "first tag" },
  { "v=DKIM3", "v=DKIM3; t=y; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, TRUE, FALSE, 94,
    "v=: want 'DKIM1', have 'DKIM3'" },
  { "v=dkim1 lower case", "v=dkim1; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE,
    94, NULL },
  /* k= */
  { "k=foobar", "k=foobar; t=y; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_UNKNOWN, TRUE, FALSE,
    94, "k=: want 'rsa' or 'ed25519' (RFC 8463), have 'foobar'" },
  { "k= empty", "k=; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_UNKNOWN, FALSE, FALSE, 94, NULL },
  /* h= */
  { "h=sha256", "v=DKIM1; h=sha256; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94,
    NULL },
  { "h=bad", "v=DKIM1; h=bad; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94,
    "allows neither sha256 nor sha1" },
  { "h= empty entry", "v=DKIM1; h=sha1::sha256; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA,
    FALSE, FALSE, 94, "entry 2 is ''" },
  /* s= */
  { "s=email", "v=DKIM1; t=y; s=email; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, TRUE, FALSE, 94,
    NULL },
  { "s=*", "s=*; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94, NULL },
  { "s=email:web:fine", "s=email:web:fine; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE,
    FALSE, 94, NULL },
  { "s=chat", "v=DKIM1; s=chat; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94,
    "s=: want 'email' or '*' among the service types, have 'chat'" },
  /* t= */
  { "t=y:s", "v=DKIM1; t=y:s; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, TRUE, TRUE, 94, NULL },
  { "t=s", "t=s; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE, TRUE, 94, NULL },
  { "t= unknown flags", "t = y:n:extra; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, TRUE, FALSE,
    94, "flag 'extra' is unknown and ignored" },
  /* p= */
  { "no p", "v=DKIM1; k=rsa", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "p=: required tag missing" },
  { "empty record", "", 0, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "p=: required tag missing" },
  { "p= quote", "v=DKIM1; p=MFwwDQYJ\"KoZIhvcNAQEBBQADSwAwSAJBALgSoqXVSEmfcIsOzw7oRuCCOwsmtX/SJnTWxYyj2"
    "leFxfS/AVJ+dYfY+hXqMsT7l+MZvvh/R1WzN4MO/kI/7XsCAwEAAQ==", -1, DKS_KEY_SYNTAX,
    DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "have '\"' (a double quote (zone-file quoting copied into the data)) at offset 8 of p= "
    "(offset 19 in the record)" },
  { "p= backslash", "p=MFww\\;DQYJ", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "a backslash" },
  { "p= NBSP", "v=DKIM1; k=rsa; p=" P512 "\xc2\xa0", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE,
    FALSE, 0, "a non-breaking space (UTF-8 C2 A0" },
  { "p= control", "p=MFww\x01", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "a control octet" },
  { "p= NUL", "p=MFww\0AAAA", 11, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "a NUL octet" },
  { "p= truncated", "p=MFwwDQY", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    "A lenient verifier that strips non-base64 octets would decode 5 octets" },
  /* tag-list */
  { "bare t;", "k=rsa; t; p=" P512, -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94,
    "want '=' after tag-name 't'" },
  { "duplicate p", "p=" P512 "; p=", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94,
    "appears twice" },
  { "g= ignored", "v=DKIM1; g=jl*g; p=" P512, -1, DKS_KEY_OK, DKS_KEY_TYPE_RSA, FALSE, FALSE, 94,
    "granularity tag of RFC 4871" },
  { "unknown tag ignored", "v=DKIM1; x1 = extra ; p=" P512 " ; ", -1, DKS_KEY_OK,
    DKS_KEY_TYPE_RSA, FALSE, FALSE, 94, "x1=: unknown tag, ignored" },
  { "junk text", "\x01\x02\xff garbage", -1, DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA, FALSE, FALSE, 0,
    NULL },
};

static void
test_key_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(key_cases); i++) {
    g_test_message("case %s", key_cases[i].name);
    key_one(&key_cases[i]);
  }
}

static void
test_key_bad_p_position(void)
{
  const char *record = "v=DKIM1; k=rsa; p=" P512 "\xc2\xa0";
  g_autoptr(DksKeyRecord) key = dks_key_record_parse(record, strlen(record));
  g_assert_cmpint(key->problem, ==, DKS_KEY_SYNTAX);
  g_assert_cmpuint(key->findings->len, ==, 1); /* no second VALCHAR warning */
  g_assert_cmpuint(key->p_bad_offset, ==, strlen(P512));
  g_assert_cmpmem(key->p_text, strlen(P512) + 2, P512 "\xc2\xa0", strlen(P512) + 2);
  const DksFinding *f = g_ptr_array_index(key->findings, key->findings->len - 1);
  g_assert_cmpstr(f->tag, ==, "p");
  g_assert_cmpint(f->level, ==, DKS_FINDING_ERROR);
  g_autofree char *where = g_strdup_printf("at offset %zu of p= (offset %zu in the record)",
                                           strlen(P512), strlen(P512) + 18);
  g_assert_nonnull(strstr(f->text, where));
  g_assert_nonnull(strstr(f->text, "would decode 94 octets"));
  g_assert_nonnull(strstr(f->text, "near '…"));
}

static void
test_key_lists(void)
{
  const char *record = "v=DKIM1; h=md5 : sha1; s=email:web; n=A 1024 bit key=2C ok; p=" P512;
  g_autoptr(DksKeyRecord) key = dks_key_record_parse(record, strlen(record));
  g_assert_cmpint(key->problem, ==, DKS_KEY_OK);
  g_assert_cmpuint(key->hashes->len, ==, 2);
  g_assert_cmpstr(g_ptr_array_index(key->hashes, 0), ==, "md5");
  g_assert_cmpstr(g_ptr_array_index(key->hashes, 1), ==, "sha1");
  g_assert_true(dks_key_record_allows_hash(key, "sha1"));
  g_assert_true(dks_key_record_allows_hash(key, "SHA1"));
  g_assert_false(dks_key_record_allows_hash(key, "sha256"));
  g_assert_cmpuint(key->services->len, ==, 2);
  g_assert_cmpstr(key->notes, ==, "A 1024 bit key, ok");
  g_assert_cmpstr(key->version, ==, "DKIM1");
  g_assert_null(key->key_type_name);

  g_autoptr(DksKeyRecord) plain = dks_key_record_parse("k=rsa; p=" P512, 9 + strlen(P512));
  g_assert_null(plain->hashes);
  g_assert_null(plain->services);
  g_assert_null(plain->notes);
  g_assert_null(plain->version);
  g_assert_cmpstr(plain->key_type_name, ==, "rsa");
  g_assert_true(dks_key_record_allows_hash(plain, "sha256"));
  g_assert_true(dks_key_record_allows_hash(plain, "anything"));
  g_assert_false(dks_key_record_allows_hash(NULL, "sha256"));

  /* n= that is not quoted-printable is kept as written. */
  const char *att = "n=send%20comments%20to%20tony%40att%2Ecom; p=" P512;
  g_autoptr(DksKeyRecord) notes = dks_key_record_parse(att, strlen(att));
  g_assert_cmpstr(notes->notes, ==, "send%20comments%20to%20tony%40att%2Ecom");
  const char *bad_qp = "n=50=% off; p=" P512;
  g_autoptr(DksKeyRecord) bad = dks_key_record_parse(bad_qp, strlen(bad_qp));
  g_assert_cmpstr(bad->notes, ==, "50=% off");
}

static void
test_key_too_long(void)
{
  gsize len = DKS_MAX_KEY_RECORD_BYTES + 1;
  g_autofree char *record = g_strnfill(len, 'A');
  memcpy(record, "p=  ", 4); /* then 16380 symbols at the cap: whole quanta */
  g_autoptr(DksKeyRecord) key = dks_key_record_parse(record, len);
  g_assert_nonnull(key);
  g_assert_cmpint(key->problem, ==, DKS_KEY_SYNTAX);
  g_assert_cmpuint(key->findings->len, ==, 1);
  g_assert_cmpuint(count_level(key->findings, DKS_FINDING_ERROR), ==, 1);
  g_assert_cmpuint(key->text_len, ==, DKS_MAX_KEY_RECORD_BYTES);
  g_assert_nonnull(key->tags);
  g_assert_null(key->public_key);

  /* At the cap it is parsed. */
  g_autoptr(DksKeyRecord) at_cap = dks_key_record_parse(record, len - 1);
  g_assert_nonnull(at_cap->public_key);
}

static void
test_key_misc(void)
{
  g_autoptr(DksKeyRecord) key = dks_key_record_parse(NULL, 0);
  g_assert_nonnull(key);
  g_assert_cmpint(key->problem, ==, DKS_KEY_SYNTAX);
  dks_key_record_free(NULL);
  g_assert_cmpstr(dks_key_type_name(DKS_KEY_TYPE_RSA), ==, "rsa");
  g_assert_cmpstr(dks_key_type_name(DKS_KEY_TYPE_ED25519), ==, "ed25519");
  g_assert_cmpstr(dks_key_type_name(DKS_KEY_TYPE_UNKNOWN), ==, "unknown");
}

/* ---- the conformance zone ---------------------------------------------- */

/* Joins the character-strings of one TXT record's text (after "TXT"):
 * "..." pieces, possibly in ( ) over several lines, \" and \\ unescaped. */
static GString *
zone_join_strings(const char *text)
{
  GString *out = g_string_new(NULL);
  gboolean in_string = FALSE;
  for (const char *p = text; *p != '\0'; p++) {
    if (!in_string) {
      if (*p == ';')
        while (p[1] != '\0' && p[1] != '\n')
          p++;
      else if (*p == '"')
        in_string = TRUE;
      continue;
    }
    if (*p == '\\' && p[1] != '\0')
      g_string_append_c(out, *++p);
    else if (*p == '"')
      in_string = FALSE;
    else
      g_string_append_c(out, *p);
  }
  return out;
}

static char *
conformance_zone_path(void)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  const char *candidates[] = {
    root != NULL ? g_build_filename(root, "..", "shared", "conformance", "conformance.zone", NULL)
                 : NULL,
    "/work/shared/conformance/conformance.zone",
  };
  char *found = NULL;
  for (gsize i = 0; i < G_N_ELEMENTS(candidates); i++) {
    if (found == NULL && candidates[i] != NULL &&
        g_file_test(candidates[i], G_FILE_TEST_IS_REGULAR))
      found = g_strdup(candidates[i]);
  }
  g_free((char *)candidates[0]);
  return found;
}

static void
test_key_conformance_zone(void)
{
  g_autofree char *path = conformance_zone_path();
  if (path == NULL) {
    g_test_skip("shared/conformance/conformance.zone not found");
    return;
  }
  g_autofree char *zone = NULL;
  g_assert_true(g_file_get_contents(path, &zone, NULL, NULL));

  /* What RFC 6376 says of each record (see the suite's README). */
  static const struct {
    const char *owner;
    DksKeyProblem problem;
    DksKeyType type;
  } expected[] = {
    { "brisbane._domainkey.football.example.com.", DKS_KEY_OK, DKS_KEY_TYPE_ED25519 },
    { "test._domainkey.football.example.com.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "selector1._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "test1._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "test2._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "test3._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "test4._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "test5._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "test6._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "testbad1._domainkey.messiah.edu.", DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA },
    { "testbad2._domainkey.messiah.edu.", DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA },
    { "testbad3._domainkey.messiah.edu.", DKS_KEY_SYNTAX, DKS_KEY_TYPE_UNKNOWN },
    { "testbad4._domainkey.messiah.edu.", DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA },
    { "testbad7._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA }, /* h=bad: verify decides */
    { "testbad8._domainkey.messiah.edu.", DKS_KEY_OK, DKS_KEY_TYPE_RSA }, /* g= is ignored */
    { "testrevoked._domainkey.messiah.edu.", DKS_KEY_REVOKED, DKS_KEY_TYPE_RSA },
    { "2023-05-ed25519-empty._domainkey.wander.science.", DKS_KEY_SYNTAX, DKS_KEY_TYPE_RSA },
    { "invalid._domainkey.wander.science.", DKS_KEY_OK, DKS_KEY_TYPE_ED25519 }, /* crypto decides */
    { "shan._domainkey.vmt2.cis.att.net.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "20120113._domainkey.gmail.com.", DKS_KEY_OK, DKS_KEY_TYPE_RSA },
    { "sed._domainkey.test.ex.", DKS_KEY_OK, DKS_KEY_TYPE_ED25519 },
  };

  guint checked = 0, records = 0;
  g_auto(GStrv) lines = g_strsplit(zone, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *line = lines[i];
    const char *txt = strstr(line, "\tTXT\t");
    if (line[0] == ';' || txt == NULL)
      continue;
    g_autofree char *owner = g_strndup(line, strcspn(line, "\t"));
    /* A record in ( ) goes on until the line holding ')'. */
    g_autoptr(GString) text = g_string_new(txt + 5);
    if (strchr(txt, '(') != NULL)
      while (strchr(text->str, ')') == NULL && lines[i + 1] != NULL)
        g_string_append_printf(text, "\n%s", lines[++i]);
    g_autoptr(GString) joined = zone_join_strings(text->str);

    g_autoptr(DksKeyRecord) key = dks_key_record_parse(joined->str, joined->len);
    g_assert_nonnull(key);
    records++;
    for (gsize k = 0; k < G_N_ELEMENTS(expected); k++) {
      if (strcmp(owner, expected[k].owner) != 0)
        continue;
      g_test_message("zone record %s: problem %d", owner, key->problem);
      g_assert_cmpint(key->problem, ==, expected[k].problem);
      g_assert_cmpint(key->key_type, ==, expected[k].type);
      checked++;
    }
  }
  g_assert_cmpuint(checked, ==, G_N_ELEMENTS(expected));
  g_assert_cmpuint(records, >=, checked);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/keyrecord/table", test_key_table);
  g_test_add_func("/keyrecord/bad-p-position", test_key_bad_p_position);
  g_test_add_func("/keyrecord/lists", test_key_lists);
  g_test_add_func("/keyrecord/too-long", test_key_too_long);
  g_test_add_func("/keyrecord/misc", test_key_misc);
  g_test_add_func("/keyrecord/conformance-zone", test_key_conformance_zone);
  return g_test_run();
}
