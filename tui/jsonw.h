/* jsonw.h — a streaming JSON writer that appends to a GString.
 *
 * The report used to build a json-glib tree per message, generate it and
 * free it: about a fifth of a mailbox run's instructions.  This writer
 * appends straight to the output instead and writes the same bytes as
 * json-glib 1.6's JsonGenerator (compact form) for every string our report
 * can hold, so the format did not change.  Where json-glib writes bytes
 * that are not JSON (0x1f raw, invalid UTF-8 copied through), this writer
 * stays valid; see dks_jsonw_escape().
 *
 * Commas are the writer's business: begin, member and value calls in
 * document order are all it needs.  No allocation beyond the GString. */
#pragma once
#include <glib.h>

typedef struct {
  GString *out;        /* not owned */
  guint depth;         /* open objects and arrays */
  gboolean need_comma; /* a value was written at this level */
} DksJsonWriter;

/* Starts writing to out (appending; out's text so far is left alone). */
void dks_jsonw_init(DksJsonWriter *w, GString *out);

void dks_jsonw_begin_object(DksJsonWriter *w);
void dks_jsonw_end_object(DksJsonWriter *w);
void dks_jsonw_begin_array(DksJsonWriter *w);
void dks_jsonw_end_array(DksJsonWriter *w);

/* The name of the next member of the open object; a value or a begin
 * call must follow. */
void dks_jsonw_member(DksJsonWriter *w, const char *name);

/* A string value; NULL writes null. */
void dks_jsonw_string(DksJsonWriter *w, const char *value);
/* A string value of len octets (NUL octets included, written \u0000). */
void dks_jsonw_string_len(DksJsonWriter *w, const char *value, gsize len);
void dks_jsonw_int(DksJsonWriter *w, gint64 value);
void dks_jsonw_bool(DksJsonWriter *w, gboolean value);
void dks_jsonw_null(DksJsonWriter *w);

/* Appends the inside of a JSON string literal (no quotes) for len octets
 * of data: '"' and '\' with a backslash; \b \f \n \r \t; every other
 * octet below 0x20, and DEL, as \u00xx (lowercase hex, as json-glib);
 * valid UTF-8 as it is (U+2028 and characters beyond the BMP too, as
 * json-glib); each octet that does not start a valid UTF-8 sequence as
 * \ufffd.  json-glib 1.6 differs in two places only, both where it writes
 * invalid JSON: it copies 0x1f and invalid UTF-8 through raw. */
void dks_jsonw_escape(GString *out, const char *data, gsize len);
