/* test-message.c — raw message bytes, header index, conversions, GMime
 * display values. */
#include <fcntl.h>
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
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
  g_test_add_func("/message/free-null", test_message_free_null);
  return g_test_run();
}
