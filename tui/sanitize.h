/* sanitize.h — makes untrusted bytes (mail, DNS) safe to show.
 *
 * A hostile header must not drive the terminal or disguise itself: control
 * characters and escape sequences are shown escaped (\e, \r, \x01), invalid
 * UTF-8 octets as \xNN, and invisible or direction-changing characters
 * (bidi overrides and isolates, zero-width characters, BOM, NBSP) by name,
 * e.g. <U+202E>. */
#pragma once
#include <glib.h>

/* Returns a newly allocated, valid UTF-8 string that holds no control
 * character.  len may be -1 for a NUL-terminated string.  When ascii_only,
 * every non-ASCII character is shown as <U+XXXX> (for non-UTF-8 locales).
 * Caller frees. */
char *dks_sanitize(const char *data, gssize len, gboolean ascii_only);

/* As dks_sanitize, but keeps line breaks: for multi-line texts we wrote
 * ourselves that quote input (the advice message).  Caller frees. */
char *dks_sanitize_text(const char *text, gboolean ascii_only);
