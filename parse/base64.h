/* base64.h — base64 as RFC 6376 writes it (§2.4 base64string): letters,
 * digits, '+', '/', folding white space anywhere, '=' padding only at the
 * end.  Strict on purpose: a verifier must not guess. */
#pragma once
#include <glib.h>

typedef struct {
  gsize bad_offset;   /* offset in the input of the first offending octet */
  guchar bad_octet;   /* that octet */
  const char *why;    /* static English text: "octet outside the base64 alphabet" */
} DksBase64Error;

/* Decodes base64 with FWS (space, tab, CR, LF) ignored.  Returns the decoded
 * bytes (caller unrefs), or NULL and fills *err (if err) on the first octet
 * outside the grammar, misplaced or excess padding, or a length that is not a
 * whole number of quanta.  An empty input decodes to an empty GBytes. */
GBytes *dks_base64_decode_strict(const char *text, gsize len, DksBase64Error *err);

/* Encodes bytes as one line of base64.  Caller frees. */
char *dks_base64_encode(const guchar *data, gsize len);
