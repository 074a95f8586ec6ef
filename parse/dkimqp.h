/* dkimqp.h — DKIM-Quoted-Printable (RFC 6376 §2.11), used by i= and z=. */
#pragma once
#include <glib.h>

/* Decodes DKIM-Quoted-Printable: "=XX" hex escapes, FWS removed.  Returns a
 * newly allocated buffer (NUL-terminated, length in *out_len) or NULL when an
 * escape is malformed; *bad_offset (if non-NULL) then gets its offset.
 * Caller frees. */
char *dks_dkimqp_decode(const char *text, gsize len, gsize *out_len,
                        gsize *bad_offset);
