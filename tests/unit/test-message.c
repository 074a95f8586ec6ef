/* test-message.c — raw message bytes, header index, conversions, GMime
 * display values. */
#include <fcntl.h>
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "parse/finding.h"
#include "parse/limits.h"
#include "parse/message.h"
#include "testutil.h"

typedef struct {
  const char *name;
  const char *input;
  gssize input_len;       /* -1: strlen */
  const char *data;       /* the bytes as analysed; NULL: same as input */
  const char *fields;     /* header names joined by ',' */
  guint flags;
  const char *body;       /* NULL: headers-only */
  const char *finding;    /* substring of some finding, or NULL */
} MessageCase;

static char *
field_names(const DksMessage *msg)
{
  GString *out = g_string_new(NULL);
  for (guint i = 0; i < msg->headers->len; i++) {
    const DksHeader *h = dks_message_header(msg, i);
    if (i > 0)
      g_string_append_c(out, ',');
    g_string_append_len(out, dks_header_name(msg, h), (gssize)h->name_len);
  }
  return g_string_free(out, FALSE);
}

static void
message_one(const MessageCase *c)
{
  gsize len = c->input_len < 0 ? strlen(c->input) : (gsize)c->input_len;
  g_autoptr(GError) error = NULL;
  g_autoptr(DksMessage) msg = dks_message_new_from_data(c->input, len, &error);
  g_assert_no_error(error);
  g_assert_nonnull(msg);

  const char *want_data = c->data != NULL ? c->data : c->input;
  gsize want_len = c->data != NULL ? strlen(c->data) : len;
  g_assert_cmpmem(msg->data, msg->len, want_data, want_len);
  g_assert_cmpint(msg->data[msg->len], ==, '\0');
  g_assert_cmpuint(msg->original_len, ==, len);
  g_assert_true(msg->data == g_bytes_get_data(msg->bytes, NULL));

  g_autofree char *names = field_names(msg);
  g_assert_cmpstr(names, ==, c->fields);
  g_assert_cmphex(msg->flags, ==, c->flags);

  gsize body_len = 0;
  const char *body = dks_message_body(msg, &body_len);
  if (c->body == NULL) {
    g_assert_false(dks_message_has_body(msg));
    g_assert_cmpuint(msg->body_offset, ==, msg->len);
    g_assert_cmpuint(body_len, ==, 0);
  } else {
    g_assert_true(dks_message_has_body(msg));
    g_assert_cmpmem(body, body_len, c->body, strlen(c->body));
  }
  if (c->finding != NULL)
    g_assert_true(findings_mention(msg->findings, c->finding));

  /* Every indexed field lies inside the header block and starts a line. */
  for (guint i = 0; i < msg->headers->len; i++) {
    const DksHeader *h = dks_message_header(msg, i);
    g_assert_cmpuint(h->offset + h->raw_len, <=, msg->body_offset);
    g_assert_true(h->offset == 0 || msg->data[h->offset - 1] == '\n');
  }
  g_assert_null(dks_message_header(msg, msg->headers->len));
}

static const MessageCase message_cases[] = {
  { "CRLF", "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n", -1, NULL,
    "From,Subject", 0, "body\r\n", NULL },
  { "empty body", "From: a@example.com\r\n\r\n", -1, NULL, "From", 0, "", NULL },
  { "bare LF", "From: a@example.com\nSubject: hi\n\nbody\n", -1,
    "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n", "From,Subject",
    DKS_MESSAGE_BARE_LF_CONVERTED, "body\r\n", "4 lines ended with a bare LF" },
  { "mixed line ends", "From: a@example.com\r\nSubject: hi\n\r\nbody\n", -1,
    "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n", "From,Subject",
    DKS_MESSAGE_BARE_LF_CONVERTED, "body\r\n", "2 lines ended" },
  { "mbox From line", "From alice@example.com Mon Jan  2 10:00:00 2023\nFrom: a@example.com\n\nhi\n",
    -1, "From: a@example.com\r\n\r\nhi\r\n", "From",
    DKS_MESSAGE_MBOX_FROM_REMOVED | DKS_MESSAGE_BARE_LF_CONVERTED, "hi\r\n",
    "mbox separator line 'From alice@example.com" },
  { "headers only", "From: a@example.com\r\nSubject: hi\r\n", -1, NULL, "From,Subject",
    DKS_MESSAGE_HEADERS_ONLY, NULL, "no body" },
  { "headers only, no final CRLF", "From: a@example.com\r\nSubject: hi", -1, NULL,
    "From,Subject", DKS_MESSAGE_HEADERS_ONLY, NULL, NULL },
  { "folded", "Subject: one\r\n two\r\n\tthree\r\nFrom: a@example.com\r\n\r\nb", -1, NULL,
    "Subject,From", 0, "b", NULL },
  { "space before colon", "Subject : hi\r\nFrom:a@example.com\r\n\r\nb", -1, NULL,
    "Subject,From", 0, "b", NULL },
  { "8-bit header", "From: J\xc3\xb6rg <j@example.com>\r\nSubject: Gr\xfc\xdf\r\n\r\nb", -1,
    NULL, "From,Subject", DKS_MESSAGE_EIGHT_BIT_HEADERS, "b", "8-bit octets (first at offset 7)" },
  { "8-bit body only", "From: a@example.com\r\n\r\nGr\xc3\xbc\xc3\x9f", -1, NULL, "From", 0,
    "Gr\xc3\xbc\xc3\x9f", NULL },
  { "line without colon", "Received: x\r\n y\r\nInvalid header\r\nFrom: a@example.com\r\n\r\nb",
    -1, NULL, "Received,From", DKS_MESSAGE_MALFORMED_LINES, "b",
    "header line 3 'Invalid header' has no colon" },
  { "continuation of a malformed line", "From: a@example.com\r\nJunk\r\n more junk\r\nTo: b\r\n\r\nx",
    -1, NULL, "From,To", DKS_MESSAGE_MALFORMED_LINES, "x", NULL },
  { "mbox From further down", "From: a@example.com\r\nFrom b@example.com Mon\r\n\r\nx", -1, NULL,
    "From", DKS_MESSAGE_MALFORMED_LINES, "x", NULL },
  { "orphan continuation", " leading\r\nFrom: a@example.com\r\n\r\nx", -1, NULL, "From",
    DKS_MESSAGE_MALFORMED_LINES, "x", "continuation line with no field before it" },
  { "NUL in header", "From: a@example.com\r\nX-A: a\0b\r\n\r\nx", 34, NULL, "From,X-A", 0,
    "x", NULL },
  { "bare CR kept", "From: a@example.com\r\nX: a\rb\r\n\r\nx\ry", -1, NULL, "From,X", 0,
    "x\ry", "2 bare CR octets" },
  { "no From field", "X-Only: 1\r\n\r\n", -1, NULL,
    "X-Only", 0, "", "no From field" },
  { "two From fields", "From: a@example.com\r\nFrom: b@example.com\r\n\r\n", -1, NULL,
    "From,From", 0, "", "2 From fields" },
  { "body with header-like lines", "From: a@example.com\r\n\r\nTo: x\r\n\r\nSubject: y\r\n", -1,
    NULL, "From", 0, "To: x\r\n\r\nSubject: y\r\n", NULL },
};

static void
test_message_table(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(message_cases); i++) {
    g_test_message("case %s", message_cases[i].name);
    message_one(&message_cases[i]);
  }
}

typedef struct {
  const char *name;
  const char *input;
  gssize input_len;
  GQuark domain;
  gint code;
} MessageErrorCase;

static void
test_message_errors(void)
{
  const MessageErrorCase cases[] = {
    { "empty", "", 0, G_FILE_ERROR, G_FILE_ERROR_INVAL },
    { "NULL", NULL, 0, G_FILE_ERROR, G_FILE_ERROR_INVAL },
    { "blank line first", "\r\nFrom: a@example.com\r\n", -1, G_FILE_ERROR, G_FILE_ERROR_INVAL },
    { "plain text", "hello world\nthis is no mail\n", -1, G_FILE_ERROR, G_FILE_ERROR_INVAL },
    { "mbox line only", "From x@example.com Mon Jan  2 10:00:00 2023\n", -1, G_FILE_ERROR,
      G_FILE_ERROR_INVAL },
    { "binary junk", "\x01\x02\x03\xff\xfe", -1, G_FILE_ERROR, G_FILE_ERROR_INVAL },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_test_message("case %s", cases[i].name);
    gsize len = cases[i].input_len < 0 ? strlen(cases[i].input) : (gsize)cases[i].input_len;
    g_autoptr(GError) error = NULL;
    DksMessage *msg = dks_message_new_from_data(cases[i].input, len, &error);
    g_assert_null(msg);
    g_assert_error(error, cases[i].domain, cases[i].code);
  }
}

static void
test_message_size_cap(void)
{
  gsize len = DKS_MAX_MESSAGE_BYTES + 1;
  char *big = g_malloc(len);
  memset(big, 'a', len);
  memcpy(big, "From: a@example.com\r\n\r\n", 24);
  g_autoptr(GError) error = NULL;
  g_assert_null(dks_message_new_from_data(big, len, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE);
  g_clear_error(&error);

  /* Exactly at the cap is fine. */
  g_autoptr(DksMessage) msg = dks_message_new_from_data(big, len - 1, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(msg->len, ==, len - 1);
  g_free(big);
}

static void
test_message_accessors(void)
{
  const char *text = "dkim-signature:\tv=1; a=b\r\n c=d\r\nFROM : a@example.com\r\n\r\n";
  g_autoptr(DksMessage) msg = dks_message_new_from_data(text, strlen(text), NULL);
  g_assert_nonnull(msg);
  const DksHeader *sig = dks_message_header(msg, 0);
  const DksHeader *from = dks_message_header(msg, 1);
  g_assert_true(dks_header_is(msg, sig, "DKIM-Signature"));
  g_assert_false(dks_header_is(msg, sig, "DKIM-Signatur"));
  g_assert_true(dks_header_is(msg, from, "from"));
  g_assert_cmpuint(from->name_len, ==, 4);
  g_assert_cmpmem(dks_header_raw(msg, sig), sig->raw_len,
                  "dkim-signature:\tv=1; a=b\r\n c=d", 30);
  gsize len = 0;
  const char *value = dks_header_value(msg, sig, &len);
  g_assert_cmpmem(value, len, "\tv=1; a=b\r\n c=d", 15);
  value = dks_header_value(msg, from, &len);
  g_assert_cmpmem(value, len, " a@example.com", 14);
  g_assert_false(dks_header_is(msg, NULL, "from"));
  g_assert_null(dks_message_header(msg, 2));
}

static void
test_message_display(void)
{
  const char *text =
    "From: =?UTF-8?Q?J=C3=B6rg?= Example <jorg@example.com>\r\n"
    "Subject: =?UTF-8?B?R3LDvMOfZQ==?= and\r\n =?ISO-8859-1?Q?caf=E9?=\r\n"
    "Date: Mon, 02 Jan 2023 10:00:00 +0100\r\n"
    "\r\n"
    "Hi\r\n";
  g_autoptr(DksMessage) msg = dks_message_new_from_data(text, strlen(text), NULL);
  g_assert_nonnull(msg);
  g_assert_cmpstr(msg->subject_display, ==, "Grüße and café");
  g_assert_nonnull(strstr(msg->from_display, "Jörg Example"));
  g_assert_nonnull(strstr(msg->from_display, "jorg@example.com"));
  g_assert_cmpstr(msg->date_display, ==, "Mon, 02 Jan 2023 10:00:00 +0100");
  g_assert_cmpint(msg->date_unix, ==, 1672650000);
  /* The raw bytes are untouched by decoding. */
  g_assert_cmpmem(msg->data, msg->len, text, strlen(text));
}

static void
test_message_display_absent(void)
{
  const char *text = "X-Thing: 1\r\nDate: not a date at all\r\n\r\n";
  g_autoptr(DksMessage) msg = dks_message_new_from_data(text, strlen(text), NULL);
  g_assert_nonnull(msg);
  g_assert_null(msg->from_display);
  g_assert_null(msg->subject_display);
  g_assert_cmpstr(msg->date_display, ==, "not a date at all");
  g_assert_cmpint(msg->date_unix, ==, 0);
}

/* Realistic signed message (python3-dkim, throwaway key, t=1672653600). */
static const char signed_message[] =
  "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/simple; d=example.com;\r\n"
  " i=@example.com; q=dns/txt; s=ed; t=1672653600; h=from : to : subject;\r\n"
  " bh=DD3L33E64/RV0CUJdfGTtPGKU7OPJpo/2LxOdf3k0RI=;\r\n"
  " b=wQtyBAJBwn6txm9YQtYVXyqOkhx3LcasQymBEs8rwPS3/41tNJt7njVveUYJFChOHPzHp\r\n"
  " RQOpkXDo5d07Q3QBw==\r\n"
  "Received: from mx.example.net by mx.example.org; Mon, 2 Jan 2023 10:00:01 +0000\r\n"
  "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/simple; d=example.com;\r\n"
  " i=alice@mail.example.com; l=12; q=dns/txt; s=sel1; t=1672653600;\r\n"
  " h=from : to : subject : date : message-id;\r\n"
  " bh=DD3L33E64/RV0CUJdfGTtPGKU7OPJpo/2LxOdf3k0RI=;\r\n"
  " b=01k+kaz7XpGWKyAvsyKX5UU1JsEXEiHq6V4yJ8B77ff3Op0M9mm1ghJd+ZH3mNVhUtCPe\r\n"
  " yZh+xwN9t3Z3+bzrqPJ38MwqT/ja3/pjg9Hm4QTz56zt+cuOj+5g1jkr3ZC0q7WTd11edES\r\n"
  " 1YSKLoO5dItHLkm1IgWi6ECQrQAKJ2E=\r\n"
  "From: Alice Example <alice@example.com>\r\n"
  "To: bob@example.net\r\n"
  "Subject: test\r\n"
  "\r\n"
  "Hello Bob.\r\n";

static void
test_message_signatures_in_order(void)
{
  g_autoptr(DksMessage) msg =
    dks_message_new_from_data(signed_message, sizeof signed_message - 1, NULL);
  g_assert_nonnull(msg);
  g_autofree char *names = field_names(msg);
  g_assert_cmpstr(names, ==, "DKIM-Signature,Received,DKIM-Signature,From,To,Subject");
  g_assert_cmphex(msg->flags, ==, 0);
  const DksHeader *first = dks_message_header(msg, 0);
  const DksHeader *second = dks_message_header(msg, 2);
  g_autofree char *first_raw = g_strndup(dks_header_raw(msg, first), first->raw_len);
  g_assert_true(g_str_has_suffix(first_raw, "RQOpkXDo5d07Q3QBw=="));
  gsize len = 0;
  const char *value = dks_header_value(msg, second, &len);
  g_assert_true(g_str_has_prefix(value, " v=1; a=rsa-sha256;"));
  g_assert_cmpuint(len, >, 10);
  g_assert_cmpmem(value + len - 10, 10, "CQrQAKJ2E=", 10);
}

static void
test_message_too_many_headers(void)
{
  GString *text = g_string_new("From: a@example.com\r\n");
  for (guint i = 0; i < DKS_MAX_HEADER_FIELDS + 5; i++)
    g_string_append_printf(text, "X-%u: v\r\n  folded\r\n", i);
  g_string_append(text, "\r\nbody\r\n");
  g_autoptr(DksMessage) msg = dks_message_new_from_data(text->str, text->len, NULL);
  g_assert_nonnull(msg);
  g_assert_cmpuint(msg->headers->len, ==, DKS_MAX_HEADER_FIELDS);
  g_assert_true(msg->flags & DKS_MESSAGE_HEADERS_TRUNCATED);
  g_assert_false(msg->flags & DKS_MESSAGE_MALFORMED_LINES);
  gsize body_len = 0;
  const char *body = dks_message_body(msg, &body_len);
  g_assert_cmpmem(body, body_len, "body\r\n", 6);
  g_string_free(text, TRUE);
}

static void
test_message_huge_field(void)
{
  GString *text = g_string_new("From: a@example.com\r\nX-Big: ");
  for (guint i = 0; i < DKS_MAX_HEADER_FIELD_BYTES / 64 + 1; i++)
    g_string_append(text, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n ");
  g_string_append(text, "end\r\nTo: b@example.com\r\n\r\nbody");
  g_autoptr(DksMessage) msg = dks_message_new_from_data(text->str, text->len, NULL);
  g_string_free(text, TRUE);
  g_assert_nonnull(msg);
  g_autofree char *names = field_names(msg);
  g_assert_cmpstr(names, ==, "From,X-Big,To");
  /* Kept whole (its octets are in memory anyway), but named. */
  g_assert_cmpuint(dks_message_header(msg, 1)->raw_len, >, DKS_MAX_HEADER_FIELD_BYTES);
  g_assert_true(findings_mention(msg->findings, "header field 2 (X-Big) is"));
}

static void
test_message_from_file(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp("dks-msg-XXXXXX.eml", &path, &error);
  g_assert_no_error(error);
  const char *text = "From: a@example.com\nSubject: file\n\nhi\n";
  g_assert_cmpint(write(fd, text, strlen(text)), ==, (gssize)strlen(text));
  close(fd);

  g_autoptr(DksMessage) msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(msg->original_len, ==, strlen(text));
  g_assert_true(msg->flags & DKS_MESSAGE_BARE_LF_CONVERTED);
  g_assert_cmpstr(msg->subject_display, ==, "file");

  /* "-" reads standard input. */
  int saved_stdin = dup(STDIN_FILENO);
  int in = g_open(path, O_RDONLY, 0);
  g_assert_cmpint(dup2(in, STDIN_FILENO), ==, STDIN_FILENO);
  close(in);
  g_autoptr(DksMessage) from_stdin = dks_message_new_from_file("-", &error);
  dup2(saved_stdin, STDIN_FILENO);
  close(saved_stdin);
  g_assert_no_error(error);
  g_assert_cmpmem(from_stdin->data, from_stdin->len, msg->data, msg->len);

  g_unlink(path);
  g_assert_null(dks_message_new_from_file(path, &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_clear_error(&error);

  g_assert_null(dks_message_new_from_file(g_get_tmp_dir(), &error));
  g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR);
}

static gboolean
finding_starts(const GPtrArray *findings, const char *prefix)
{
  for (guint i = 0; i < findings->len; i++)
    if (g_str_has_prefix(((const DksFinding *)g_ptr_array_index(findings, i))->text, prefix))
      return TRUE;
  return FALSE;
}

/* Bare LFs and CRs counted and converted as the obvious loop does, over
 * random mixes of CR, LF and other octets (many long enough for the
 * sixteen-octet loop, with CRs and LFs at every offset of it). */
static void
test_message_line_end_census(void)
{
  static const char octets[] = "\r\n\r\nab \t";
  g_autoptr(GRand) rand = g_rand_new_with_seed(4155);

  for (guint iter = 0; iter < 2000; iter++) {
    g_autoptr(GString) text = g_string_new("From: a@example.com\r\n\r\n");
    gsize body_from = text->len;
    guint n = (guint)g_rand_int_range(rand, 0, iter % 10 == 0 ? 5000 : 80);
    for (guint i = 0; i < n; i++)
      g_string_append_c(text, octets[g_rand_int_range(rand, 0, sizeof octets - 1)]);

    gsize bare_lf = 0, bare_cr = 0;
    g_autoptr(GString) want = g_string_new(NULL);
    for (gsize i = 0; i < text->len; i++) {
      char c = text->str[i];
      if (c == '\n' && (i == 0 || text->str[i - 1] != '\r')) {
        bare_lf++;
        g_string_append_c(want, '\r');
      } else if (c == '\r' && (i + 1 == text->len || text->str[i + 1] != '\n')) {
        bare_cr++;
      }
      g_string_append_c(want, c);
    }

    g_autoptr(GError) error = NULL;
    g_autoptr(DksMessage) msg = dks_message_new_from_data(text->str, text->len, &error);
    g_assert_no_error(error);
    g_assert_cmpmem(msg->data, msg->len, want->str, want->len);
    g_assert_cmpint(msg->data[msg->len], ==, '\0');
    g_assert_cmpint(!!(msg->flags & DKS_MESSAGE_BARE_LF_CONVERTED), ==, bare_lf > 0);
    g_autofree char *lf_note = g_strdup_printf("%" G_GSIZE_FORMAT " line%s ended with a bare LF",
                                               bare_lf, bare_lf == 1 ? "" : "s");
    g_autofree char *cr_note = g_strdup_printf("%" G_GSIZE_FORMAT " bare CR octet%s ",
                                               bare_cr, bare_cr == 1 ? "" : "s");
    g_assert_cmpint(finding_starts(msg->findings, lf_note), ==, bare_lf > 0);
    g_assert_cmpint(finding_starts(msg->findings, cr_note), ==, bare_cr > 0);
    g_assert_cmpuint(msg->body_offset, ==, body_from);
  }
}

/* ---- large files: mapped, not copied ------------------------------------ */

/* A file in the temporary folder with text in it; free the path after
 * g_unlink. */
static char *
temp_file_with(const char *text, gsize len)
{
  g_autoptr(GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp("dks-large-XXXXXX.eml", &path, &error);
  g_assert_no_error(error);
  gsize done = 0;
  while (done < len) {
    gssize n = write(fd, text + done, len - done);
    g_assert_cmpint(n, >, 0);
    done += (gsize)n;
  }
  close(fd);
  return path;
}


/* Whether the mapping that holds addr is anonymous and read-only and
 * starts exactly at addr (/proc/self/maps). */
static gboolean
anonymous_mapping_starts_at(const void *addr)
{
  g_autofree char *maps = NULL;
  g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(maps, "\n", -1);
  guint64 at = (guint64)(guintptr)addr;
  for (guint i = 0; lines[i] != NULL; i++) {
    guint64 start = 0, end = 0, offset = 0, inode = 0;
    char perms[8] = "", dev[16] = "";
    if (sscanf(lines[i], "%" G_GINT64_MODIFIER "x-%" G_GINT64_MODIFIER "x %7s %"
               G_GINT64_MODIFIER "x %15s %" G_GINT64_MODIFIER "u",
               &start, &end, perms, &offset, dev, &inode) != 6)
      continue;
    if (at >= start && at < end)
      return start == at && inode == 0 && g_str_has_prefix(perms, "r--");
  }
  return FALSE;
}

/* A CRLF message of at least size octets: a few header fields and a body
 * of base64-like lines; extra is put before the headers (an mbox line),
 * line_end ends every body line. */
static GString *
large_message(gsize size, const char *extra, const char *line_end)
{
  GString *text = g_string_new(extra);
  g_string_append(text, "From: Large <large@example.com>\r\n"
                        "To: someone@example.org\r\n"
                        "Subject: a large one\r\n"
                        "Date: Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                        "\r\n");
  for (guint i = 0; text->len < size; i++)
    g_string_append_printf(text, "%08uQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xt%s",
                           i, line_end);
  return text;
}

/* Everything a message holds, but where its bytes are, is the same. */
static void
assert_same_message(const DksMessage *a, const DksMessage *b)
{
  g_assert_cmpmem(a->data, a->len, b->data, b->len);
  g_assert_cmpint(a->data[a->len], ==, '\0');
  g_assert_cmpint(b->data[b->len], ==, '\0');
  g_assert_true(a->data == g_bytes_get_data(a->bytes, NULL));
  g_assert_cmpuint(g_bytes_get_size(a->bytes), ==, a->len);
  g_assert_cmpuint(a->body_offset, ==, b->body_offset);
  g_assert_cmphex(a->flags, ==, b->flags);
  g_assert_cmpuint(a->original_len, ==, b->original_len);
  g_assert_cmpmem(a->headers->data, a->headers->len * sizeof(DksHeader),
                  b->headers->data, b->headers->len * sizeof(DksHeader));
  g_assert_cmpuint(a->findings->len, ==, b->findings->len);
  for (guint i = 0; i < a->findings->len; i++) {
    const DksFinding *fa = g_ptr_array_index(a->findings, i);
    const DksFinding *fb = g_ptr_array_index(b->findings, i);
    g_assert_cmpint(fa->level, ==, fb->level);
    g_assert_cmpstr(fa->text, ==, fb->text);
  }
  g_assert_cmpstr(a->from_display, ==, b->from_display);
  g_assert_cmpstr(a->subject_display, ==, b->subject_display);
  g_assert_cmpstr(a->date_display, ==, b->date_display);
  g_assert_cmpint(a->date_unix, ==, b->date_unix);
}

typedef struct {
  const char *name;
  gsize size;            /* octets of the file; 0: the page size times 512 */
  gint size_delta;       /* added to that */
  const char *extra;     /* before the header fields */
  const char *line_end;  /* of the body lines */
  gboolean mapped;       /* the message keeps the file's mapping */
  guint flags;
  const char *finding;   /* substring of some finding, or NULL */
} LargeFileCase;

static const LargeFileCase large_file_cases[] = {
  { "crlf", 1500000, 0, "", "\r\n", TRUE, 0, NULL },
  { "page-multiple", 0, 0, "", "\r\n", TRUE, 0, NULL },
  { "page-multiple-less-one", 0, -1, "", "\r\n", TRUE, 0, NULL },
  { "page-multiple-plus-one", 0, 1, "", "\r\n", TRUE, 0, NULL },
  { "mbox-from", 1500000, 0, "From large@example.com Mon Jan  1 00:00:00 2024\r\n",
    "\r\n", TRUE, DKS_MESSAGE_MBOX_FROM_REMOVED, "mbox separator" },
  { "bare-cr", 1500000, 0, "", "\r\r\n", TRUE, 0, "bare CR octet" },
  /* to rewrite, the message copies, and the mapping goes at once */
  { "bare-lf", 1500000, 0, "", "\n", FALSE, DKS_MESSAGE_BARE_LF_CONVERTED,
    "converted to CRLF" },
  { "small", 4000, 0, "", "\r\n", FALSE, 0, NULL },
};

/* A file's message is the message of its octets, mapped or read. */
static void
test_message_large_files(void)
{
  gsize page = (gsize)sysconf(_SC_PAGESIZE);
  for (gsize i = 0; i < G_N_ELEMENTS(large_file_cases); i++) {
    const LargeFileCase *c = &large_file_cases[i];
    g_test_message("case %s", c->name);
    gsize size = (c->size > 0 ? c->size : page * 512) + (gsize)(gssize)c->size_delta;
    g_autoptr(GString) text = large_message(size, c->extra, c->line_end);
    /* cut the last body line to the exact size, keeping the line end */
    gsize end_len = strlen(c->line_end);
    g_string_truncate(text, size - end_len);
    g_string_append(text, c->line_end);
    g_assert_cmpuint(text->len, ==, size);

    g_autofree char *path = temp_file_with(text->str, text->len);
    g_autoptr(GError) error = NULL;
    DksMessage *from_file = dks_message_new_from_file(path, &error);
    g_assert_no_error(error);
    g_autoptr(DksMessage) from_data = dks_message_new_from_data(text->str, text->len, &error);
    g_assert_no_error(error);

    assert_same_message(from_file, from_data);
    g_assert_cmphex(from_file->flags, ==, c->flags);
    if (c->finding != NULL)
      g_assert_true(findings_mention(from_file->findings, c->finding));
    g_assert_cmpint(mapped_rss_kb(path) >= 0, ==, c->mapped);
    /* a page-multiple file: the NUL is on a zero page of our own */
    if (c->mapped && size % page == 0)
      g_assert_true(anonymous_mapping_starts_at(from_file->data + from_file->len));
    dks_message_free(from_file);
    g_assert_cmpint(mapped_rss_kb(path), ==, -1); /* unmapped with it */
    g_unlink(path);
  }
}

/* Dropped pages of a mapped message come back unchanged. */
static void
test_message_release_pages(void)
{
  g_autoptr(GString) text = large_message(4u * 1024u * 1024u, "", "\r\n");
  g_autofree char *path = temp_file_with(text->str, text->len);
  g_autoptr(GError) error = NULL;
  g_autoptr(DksMessage) msg = dks_message_new_from_file(path, &error);
  g_assert_no_error(error);

  gsize body_len = 0;
  const char *body = dks_message_body(msg, &body_len);
  g_autofree char *before = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                                        (const guchar *)body, body_len);
  g_assert_cmpint(mapped_rss_kb(path), >, 3 * 1024); /* all touched */
  dks_message_release_pages(msg->data, msg->len);
  g_assert_cmpint(mapped_rss_kb(path), <=, 8); /* the last page stays */
  g_autofree char *after = g_compute_checksum_for_data(G_CHECKSUM_SHA256,
                                                       (const guchar *)body, body_len);
  g_assert_cmpstr(before, ==, after);
  g_assert_cmpmem(msg->data, msg->len, text->str, text->len);
  g_assert_cmpint(msg->data[msg->len], ==, '\0');

  /* not a mapping: nothing happens */
  dks_message_release_pages(text->str, text->len);
  dks_message_release_pages(NULL, 10);
  g_unlink(path);
}

/* Runs touch(path) in a child with its standard error in a pipe; returns
 * the child's wait status and, in *err, what it wrote there. */
static int
child_status(void (*touch)(const char *path), const char *path, char **err)
{
  int fds[2];
  g_assert_cmpint(pipe(fds), ==, 0);
  fflush(NULL);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    close(fds[0]);
    dup2(fds[1], STDERR_FILENO);
    touch(path);
    _exit(0);
  }
  close(fds[1]);
  GString *text = g_string_new(NULL);
  char buf[512];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0)
    g_string_append_len(text, buf, n);
  close(fds[0]);
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  *err = g_string_free(text, FALSE);
  return status;
}

static void
touch_after_truncate(const char *path)
{
  g_autoptr(DksMessage) msg = dks_message_new_from_file(path, NULL);
  if (msg == NULL)
    _exit(1);
  if (truncate(path, 0) != 0)
    _exit(2);
  guint sum = 0;
  for (gsize i = msg->body_offset; i < msg->len; i += 512)
    sum += (guchar)msg->data[i];
  _exit(sum == 0 ? 3 : 4); /* not reached: the read faults */
}

static void
raise_sigbus(const char *path)
{
  g_autoptr(DksMessage) msg = dks_message_new_from_file(path, NULL);
  if (msg == NULL)
    _exit(1);
  raise(SIGBUS); /* not a fault in the mapping: not ours */
  _exit(5);
}

/* A mapped file that shrinks: one clear line and status 66, not a crash;
 * any other SIGBUS is left to the handler before ours. */
static void
test_message_file_shrinks(void)
{
  g_autoptr(GString) text = large_message(2u * 1024u * 1024u, "", "\r\n");
  g_autofree char *path = temp_file_with(text->str, text->len);
  g_autofree char *display = g_filename_display_name(path);
  g_autofree char *want = g_strdup_printf("dkimscope: %s changed while it was "
                                          "being read\n", display);
  g_autofree char *err = NULL;
  int status = child_status(touch_after_truncate, path, &err);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 66);
  g_assert_cmpstr(err, ==, want);

  /* the file is empty now; write it again for the second child */
  g_unlink(path);
  g_free(path);
  path = temp_file_with(text->str, text->len);
  g_autofree char *err2 = NULL;
  status = child_status(raise_sigbus, path, &err2);
  g_assert_false(WIFEXITED(status) && (WEXITSTATUS(status) == 66 ||
                                       WEXITSTATUS(status) == 5));
  g_assert_null(strstr(err2, "changed while it was being read"));
  g_unlink(path);
}

static void
test_message_free_null(void)
{
  dks_message_free(NULL);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/message/table", test_message_table);
  g_test_add_func("/message/errors", test_message_errors);
  g_test_add_func("/message/size-cap", test_message_size_cap);
  g_test_add_func("/message/accessors", test_message_accessors);
  g_test_add_func("/message/display", test_message_display);
  g_test_add_func("/message/display-absent", test_message_display_absent);
  g_test_add_func("/message/signatures-in-order", test_message_signatures_in_order);
  g_test_add_func("/message/too-many-headers", test_message_too_many_headers);
  g_test_add_func("/message/huge-field", test_message_huge_field);
  g_test_add_func("/message/from-file", test_message_from_file);
  g_test_add_func("/message/line-end-census", test_message_line_end_census);
  g_test_add_func("/message/large-files", test_message_large_files);
  g_test_add_func("/message/release-pages", test_message_release_pages);
  g_test_add_func("/message/file-shrinks", test_message_file_shrinks);
  g_test_add_func("/message/free-null", test_message_free_null);
  return g_test_run();
}
