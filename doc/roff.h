/* roff.h — writing text into a man page's roff source, for man-keys.c.
 * Build-time only: nothing here is linked into dkimscope. */
#pragma once
#include <glib.h>

/* Appends text, a UTF-8 string, to out as part of a roff text line:
 * backslashes as \e, hyphens as \-, a leading dot, apostrophe or space
 * (when out is at the start of a line) behind \&, so it is never read as a
 * request or a break; the arrows as roff names them (\(ua, \(da, \(->,
 * \(<-), which render on ASCII terminals too; any other non-ASCII
 * character as \[uXXXX], only when unicode_ok.  FALSE, with out unchanged,
 * when text is not valid UTF-8, holds a control or format character, or
 * needs \[uXXXX] and !unicode_ok. */
gboolean dks_roff_append(GString *out, const char *text, gboolean unicode_ok);
