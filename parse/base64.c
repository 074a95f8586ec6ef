/* base64.c — strict base64 of RFC 6376 §2.4 (base64string).
 *
 * Strict on purpose: b=, bh= and p= are compared and fed to crypto as
 * decoded here, and a decoder that skips junk would hide the very problem
 * the user came to find.  The first octet that breaks the grammar is
 * reported with its offset. */
#include "parse/base64.h"
#include "parse/lex.h"

/* The value of a base64 symbol, or -1 for anything else ('=' included). */
static int
base64_symbol_value(guchar c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '+')
    return 62;
  if (c == '/')
    return 63;
  return -1;
}

static void
base64_set_error(DksBase64Error *err, const char *text, gsize len, gsize offset,
                 const char *why)
{
  if (err == NULL)
    return;
  err->bad_offset = offset;
  err->bad_octet = offset < len ? (guchar)text[offset] : 0;
  err->why = why;
}

GBytes *
dks_base64_decode_strict(const char *text, gsize len, DksBase64Error *err)
{
  if (text == NULL)
    len = 0;

  /* Every 4 symbols give at most 3 octets. */
  GByteArray *out = g_byte_array_sized_new((guint)MIN(len / 4 * 3 + 3, G_MAXUINT));
  guint32 quantum = 0; /* bits of the symbols seen in this quantum */
  guint in_quantum = 0; /* symbols (padding included) in this quantum */
  guint padding = 0;    /* '=' seen so far */

  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar)text[i];
    if (dks_is_fws(c))
      continue;

    if (c == '=') {
      /* '=' may only fill the last one or two places of the final quantum. */
      if (in_quantum == 4) {
        base64_set_error(err, text, len, i, "excess padding '='");
        g_byte_array_unref(out);
        return NULL;
      }
      if (in_quantum < 2) {
        base64_set_error(err, text, len, i,
                         "padding '=' where a base64 symbol is needed");
        g_byte_array_unref(out);
        return NULL;
      }
      padding++;
      in_quantum++;
      if (in_quantum == 4) {
        /* "xx==" gives one octet, "xxx=" two. */
        guint octets = 3 - padding;
        guint32 bits = quantum << (6 * padding);
        guint8 bytes[3] = { (guint8)(bits >> 16), (guint8)(bits >> 8), (guint8)bits };
        g_byte_array_append(out, bytes, octets);
      }
      continue;
    }

    int value = base64_symbol_value(c);
    if (value < 0) {
      base64_set_error(err, text, len, i, "octet outside the base64 alphabet");
      g_byte_array_unref(out);
      return NULL;
    }
    if (padding > 0) {
      base64_set_error(err, text, len, i, "base64 symbol after the padding '='");
      g_byte_array_unref(out);
      return NULL;
    }
    quantum = (quantum << 6) | (guint32)value;
    in_quantum++;
    if (in_quantum == 4) {
      guint8 bytes[3] = { (guint8)(quantum >> 16), (guint8)(quantum >> 8), (guint8)quantum };
      g_byte_array_append(out, bytes, 3);
      quantum = 0;
      in_quantum = 0;
    }
  }

  /* After complete padding in_quantum is 4; a quantum left open means the
   * symbol count is not a multiple of 4 (missing padding or lost octets). */
  if (in_quantum != 0 && in_quantum != 4) {
    base64_set_error(err, text, len, len,
                     "text ends inside a quantum: symbols and padding are "
                     "not a multiple of 4");
    g_byte_array_unref(out);
    return NULL;
  }
  return g_byte_array_free_to_bytes(out);
}

char *
dks_base64_encode(const guchar *data, gsize len)
{
  if (data == NULL || len == 0)
    return g_strdup("");
  return g_base64_encode(data, len);
}
