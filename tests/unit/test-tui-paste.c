/* test-tui-paste.c — undoing the doubled line ends of a CRLF paste. */
#include <string.h>

#include "tui/paste.h"

typedef struct {
  const char *before;   /* text on the paste screen before this paste */
  const char *pasted;   /* the paste, its line ends made '\n' */
  const char *want;     /* the whole text afterwards */
  gboolean undoubled;
} UndoubleCase;

static void
undouble_one(const UndoubleCase *c)
{
  g_autoptr(GString) text = g_string_new(c->before);
  gsize from = text->len;
  g_string_append(text, c->pasted);
  gboolean got = dks_paste_undouble_line_ends(text, from);
  g_assert_cmpstr(text->str, ==, c->want);
  g_assert_cmpuint(text->len, ==, strlen(c->want));
  g_assert_cmpint(got, ==, c->undoubled);
}

static void
test_undouble(void)
{
  static const UndoubleCase cases[] = {
    /* A CRLF header block, sent by the terminal as CR CR per line end. */
    {"", "From: a@example.com\n\nSubject: hi\n\n", "From: a@example.com\nSubject: hi\n", TRUE},
    /* Copied without the last line end. */
    {"", "From: a\n\nTo: b", "From: a\nTo: b", TRUE},
    /* A whole CRLF message: its blank line arrives as four. */
    {"", "From: a\n\nTo: b\n\n\n\nbody\n\n", "From: a\nTo: b\n\nbody\n", TRUE},
    /* Folded fields keep their continuation lines. */
    {"", "DKIM-Signature: v=1;\n\n b=abc\n\n", "DKIM-Signature: v=1;\n b=abc\n", TRUE},
    /* LF text: single line ends, untouched. */
    {"", "From: a\nTo: b\n", "From: a\nTo: b\n", FALSE},
    /* LF text with a real blank line: runs of 1 and 2, untouched. */
    {"", "From: a\nTo: b\n\nbody\n", "From: a\nTo: b\n\nbody\n", FALSE},
    /* One odd run is enough to leave it alone. */
    {"", "a\n\nb\n\nc\n", "a\n\nb\n\nc\n", FALSE},
    {"", "a\n\nb\n\n\nc\n\n", "a\n\nb\n\n\nc\n\n", FALSE},
    /* No line end at all. */
    {"", "selector1 example.com", "selector1 example.com", FALSE},
    {"", "", "", FALSE},
    /* Only this paste counts: the text before it stays as it was, and its
     * line ends do not join the paste's runs. */
    {"x\n\n\ny\n", "a\n\nb\n\n", "x\n\n\ny\na\nb\n", TRUE},
    {"From: a\n\n", "To: b\n", "From: a\n\nTo: b\n", FALSE},
    /* A paste of only line ends. */
    {"", "\n\n", "\n", TRUE},
    {"", "\n", "\n", FALSE},
    /* UTF-8 and tabs pass through. */
    {"", "Subject: caf\xc3\xa9\tx\n\n", "Subject: caf\xc3\xa9\tx\n", TRUE},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    undouble_one(&cases[i]);
}

static void
test_from_beyond_end(void)
{
  g_autoptr(GString) text = g_string_new("a\n\n");
  g_assert_false(dks_paste_undouble_line_ends(text, 3));
  g_assert_false(dks_paste_undouble_line_ends(text, 99));
  g_assert_cmpstr(text->str, ==, "a\n\n");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/paste/undouble", test_undouble);
  g_test_add_func("/paste/from-beyond-end", test_from_beyond_end);
  return g_test_run();
}
