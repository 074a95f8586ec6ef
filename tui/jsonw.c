/* jsonw.c — see jsonw.h.  Deliberately not json-glib: building a JsonNode
 * tree per message only to generate and free it cost ~20 % of the
 * instructions of a mailbox run (callgrind, 200 small messages).  json-glib
 * stays in the tests, which parse this writer's output to prove it valid
 * and regenerate it to prove it byte-identical. */
#include "tui/jsonw.h"

#include <string.h>

void
dks_jsonw_init(DksJsonWriter *w, GString *out)
{
  w->out = out;
  w->depth = 0;
  w->need_comma = FALSE;
}

/* Before any value or member name: the comma after the previous one. */
static void
separate(DksJsonWriter *w)
{
  if (w->need_comma)
    g_string_append_c(w->out, ',');
}

static void
begin(DksJsonWriter *w, char open)
{
  separate(w);
  g_string_append_c(w->out, open);
  w->depth++;
  w->need_comma = FALSE;
}

static void
finish(DksJsonWriter *w, char close)
{
  g_return_if_fail(w->depth > 0);
  g_string_append_c(w->out, close);
  w->depth--;
  w->need_comma = TRUE;
}

void
dks_jsonw_begin_object(DksJsonWriter *w)
{
  begin(w, '{');
}

void
dks_jsonw_end_object(DksJsonWriter *w)
{
  finish(w, '}');
}

void
dks_jsonw_begin_array(DksJsonWriter *w)
{
  begin(w, '[');
}

void
dks_jsonw_end_array(DksJsonWriter *w)
{
  finish(w, ']');
}

/* For each octet: 0 when it goes out as it is (printable ASCII but '"'
 * and '\\'), 1 when it is escaped (the rest of ASCII), 2 when it starts,
 * or continues, a multi-octet UTF-8 sequence to validate. */
static const guint8 octet_class[256] = {
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
  0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20: '"' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50: '\\' */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, /* 0x70: DEL */
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
  2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static void
escape_ascii(GString *out, guchar c)
{
  static const char hex[] = "0123456789abcdef";
  char u[6] = {'\\', 'u', '0', '0', 0, 0};

  switch (c) {
  case '"': g_string_append_len(out, "\\\"", 2); return;
  case '\\': g_string_append_len(out, "\\\\", 2); return;
  case '\b': g_string_append_len(out, "\\b", 2); return;
  case '\f': g_string_append_len(out, "\\f", 2); return;
  case '\n': g_string_append_len(out, "\\n", 2); return;
  case '\r': g_string_append_len(out, "\\r", 2); return;
  case '\t': g_string_append_len(out, "\\t", 2); return;
  default:
    u[4] = hex[c >> 4];
    u[5] = hex[c & 0xf];
    g_string_append_len(out, u, sizeof u);
    return;
  }
}

void
dks_jsonw_escape(GString *out, const char *data, gsize len)
{
  const char *p = data, *end = data + len;

  while (p < end) {
    const char *run = p;
    while (p < end && octet_class[(guchar)*p] == 0)
      p++;
    if (p > run)
      g_string_append_len(out, run, p - run);
    if (p == end)
      break;
    guchar c = (guchar)*p;
    if (octet_class[c] == 1) {
      escape_ascii(out, c);
      p++;
      continue;
    }
    gunichar u = g_utf8_get_char_validated(p, end - p);
    if (u == (gunichar)-1 || u == (gunichar)-2) {
      g_string_append(out, "\\ufffd");
      p++;
      continue;
    }
    const char *next = g_utf8_next_char(p);
    g_string_append_len(out, p, next - p);
    p = next;
  }
}

void
dks_jsonw_member(DksJsonWriter *w, const char *name)
{
  separate(w);
  g_string_append_c(w->out, '"');
  dks_jsonw_escape(w->out, name, strlen(name));
  g_string_append_c(w->out, '"');
  g_string_append_c(w->out, ':');
  w->need_comma = FALSE; /* the value follows the colon */
}

void
dks_jsonw_string_len(DksJsonWriter *w, const char *value, gsize len)
{
  separate(w);
  g_string_append_c(w->out, '"');
  dks_jsonw_escape(w->out, value, len);
  g_string_append_c(w->out, '"');
  w->need_comma = TRUE;
}

void
dks_jsonw_string(DksJsonWriter *w, const char *value)
{
  if (value == NULL)
    dks_jsonw_null(w);
  else
    dks_jsonw_string_len(w, value, strlen(value));
}

void
dks_jsonw_int(DksJsonWriter *w, gint64 value)
{
  char digits[24];
  gsize i = sizeof digits;
  /* Negated as unsigned, so G_MININT64 has a magnitude too. */
  guint64 magnitude = value < 0 ? -(guint64)value : (guint64)value;

  do {
    digits[--i] = (char)('0' + magnitude % 10);
    magnitude /= 10;
  } while (magnitude != 0);
  if (value < 0)
    digits[--i] = '-';
  separate(w);
  g_string_append_len(w->out, digits + i, sizeof digits - i);
  w->need_comma = TRUE;
}

void
dks_jsonw_bool(DksJsonWriter *w, gboolean value)
{
  separate(w);
  g_string_append(w->out, value ? "true" : "false");
  w->need_comma = TRUE;
}

void
dks_jsonw_null(DksJsonWriter *w)
{
  separate(w);
  g_string_append(w->out, "null");
  w->need_comma = TRUE;
}
