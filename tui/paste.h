/* paste.h — the paste screen's text, apart from the terminal: what a
 * terminal does to line ends while it pastes, undone. */
#pragma once
#include <glib.h>

/* Terminals send every LF of a paste as CR, so text with CRLF line ends
 * arrives as CR CR: two line ends where one was meant, a blank line after
 * every header field that cuts the header block after its first field.
 * A real blank line in an LF paste arrives as CR CR too; the difference
 * shows only across the whole paste: in CRLF text every line end is
 * doubled.
 *
 * text[from..] is the text of one bracketed paste, its line ends already
 * made '\n'.  When it holds a line end and every run of '\n' in it has an
 * even length, each run is halved in place and TRUE is returned; otherwise
 * nothing changes (an LF paste with blank lines has runs of 1 and 2).  A
 * paste whose every line is followed by a blank line cannot be told from
 * CRLF text and is halved too.  from beyond the end changes nothing. */
gboolean dks_paste_undouble_line_ends(GString *text, gsize from);
