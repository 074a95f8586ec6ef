/* dkimqp.c — DKIM-Quoted-Printable (RFC 6376 §2.11).
 *
 *   dkim-quoted-printable = *(FWS / hex-octet / dkim-safe-char)
 *   hex-octet             = "=" 2HEXDIG
 *
 * FWS is not part of the value and is dropped.  HEXDIG is case-insensitive
 * in ABNF (RFC 5234 §2.3), so "=2e" decodes like "=2E".  Octets outside
 * dkim-safe-char are copied unchanged: judging them is the caller's job
 * (i= and z= have their own grammar on top of this encoding). */
#include "parse/dkimqp.h"
#include "parse/lex.h"

static int
dkimqp_hex_value(guchar c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

char *
dks_dkimqp_decode(const char *text, gsize len, gsize *out_len, gsize *bad_offset)
{
  if (text == NULL)
    len = 0;

  GString *out = g_string_sized_new(len + 1);
  for (gsize i = 0; i < len; i++) {
    guchar c = (guchar)text[i];
    if (dks_is_fws(c))
      continue;
    if (c != '=') {
      g_string_append_c(out, (char)c);
      continue;
    }
    int hi = i + 1 < len ? dkimqp_hex_value((guchar)text[i + 1]) : -1;
    int lo = i + 2 < len ? dkimqp_hex_value((guchar)text[i + 2]) : -1;
    if (hi < 0 || lo < 0) {
      if (bad_offset != NULL)
        *bad_offset = i;
      g_string_free(out, TRUE);
      return NULL;
    }
    g_string_append_c(out, (char)((hi << 4) | lo));
    i += 2;
  }
  if (out_len != NULL)
    *out_len = out->len;
  return g_string_free(out, FALSE);
}
