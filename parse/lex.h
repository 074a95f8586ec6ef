/* lex.h — the lexical bits RFC 6376 shares across tag-lists, base64 and
 * DKIM-Quoted-Printable, defined once. */
#pragma once
#include <glib.h>

/* Folding white space as found in header fields and TXT records: RFC 6376
 * §2.8 allows it between any two symbols (a CRLF only before WSP, but a
 * verifier that strips it wherever it appears reads the same value). */
static inline gboolean
dks_is_fws(guchar c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
