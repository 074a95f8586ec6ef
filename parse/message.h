/* message.h — a mail message as raw bytes plus an index of its header
 * fields.  GMime finds the boundaries (message.c is the only file that
 * includes <gmime/gmime.h>); DKIM canonicalizes the bytes we keep here,
 * never GMime's decoded values. */
#pragma once
#include <glib.h>

typedef enum {
  DKS_MESSAGE_HEADERS_ONLY      = 1 << 0, /* no blank line: no body given */
  DKS_MESSAGE_BARE_LF_CONVERTED = 1 << 1, /* bare LF turned into CRLF */
  DKS_MESSAGE_MBOX_FROM_REMOVED = 1 << 2, /* leading "From " line dropped */
  DKS_MESSAGE_HEADERS_TRUNCATED = 1 << 3, /* more than DKS_MAX_HEADER_FIELDS */
  DKS_MESSAGE_EIGHT_BIT_HEADERS = 1 << 4, /* a header has octets >= 0x80 */
  DKS_MESSAGE_MALFORMED_LINES   = 1 << 5, /* header lines without a colon */
} DksMessageFlags;

/* One header field, as a slice of the message bytes. */
typedef struct {
  gsize offset;    /* of the first octet of the field name in data */
  gsize name_len;  /* field name without the colon or trailing WSP */
  gsize raw_len;   /* whole field incl. folded lines, WITHOUT the final CRLF */
} DksHeader;

typedef struct {
  GBytes *bytes;        /* the message as analysed (CRLF line ends) */
  const char *data;     /* = g_bytes_get_data(bytes); data[len] is a NUL
                           octet (not counted in len) */
  gsize len;
  GArray *headers;      /* DksHeader, in message order (top first) */
  gsize body_offset;    /* first octet of the body; == len when headers-only */
  guint flags;          /* DksMessageFlags */
  gsize original_len;   /* size of the input before any conversion */
  GPtrArray *findings;  /* DksFinding*: notes about the input itself */
  /* Display values decoded by GMime (RFC 2047), UTF-8, NULL when absent.
   * For people only: never canonicalized. */
  char *from_display;
  char *subject_display;
  char *date_display;
  gint64 date_unix;     /* Date: as UNIX time, or 0 when missing/invalid */
} DksMessage;

/* Builds a message from input bytes (copied).  Handles CRLF and bare LF (LF
 * converted to CRLF, flag set), a leading mbox "From " line, headers-only
 * input, 8-bit and folded headers.  The header block ends at the first
 * empty line; a line in it that is no field (no colon) is flagged
 * (DKS_MESSAGE_MALFORMED_LINES), left out of the index and does not end the
 * header block (python3-dkim and GMime split header and body the same way).
 * Too large: G_IO_ERROR_MESSAGE_TOO_LARGE; empty or no header field:
 * G_FILE_ERROR_INVAL.  Fails (GError in G_FILE_ERROR /
 * G_IO_ERROR domain) only when len > DKS_MAX_MESSAGE_BYTES or the input is
 * empty or has no header field at all.  Caller frees with dks_message_free. */
DksMessage *dks_message_new_from_data(const char *data, gsize len, GError **error);

/* Reads a file (path "-" means stdin) with the size cap, then as above.
 * A large regular file is mapped, not copied, when it needs no rewriting:
 * its pages are read on demand and msg->data stays valid until
 * dks_message_free.  Should the file shrink meanwhile, touching the lost
 * part prints "dkimscope: FILE changed while it was being read" and ends
 * the process with status 66 (there is no error to return from a read of
 * memory). */
DksMessage *dks_message_new_from_file(const char *path, GError **error);

/* A hint from code that streams through message octets once (the body
 * hash): [p, p + len) is not needed again soon.  When it lies in a mapped
 * file, the pages holding it (but the one holding p + len) are dropped
 * from memory; touched again they are read back, unchanged.  Otherwise
 * nothing happens.  Cheap: call it every megabyte or so. */
void dks_message_release_pages(const void *p, gsize len);

void dks_message_free(DksMessage *msg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksMessage, dks_message_free)

/* Accessors for one header field; index < msg->headers->len (else NULL).
 * Name and raw field point into msg->data and are NOT NUL-terminated: use
 * h->name_len and h->raw_len. */
const DksHeader *dks_message_header(const DksMessage *msg, guint index);
const char *dks_header_name(const DksMessage *msg, const DksHeader *h);
const char *dks_header_raw(const DksMessage *msg, const DksHeader *h);
/* Value: the octets after the colon, up to the final CRLF (folds kept). */
const char *dks_header_value(const DksMessage *msg, const DksHeader *h, gsize *len);
/* TRUE when the field name equals name, ASCII case-insensitively. */
gboolean dks_header_is(const DksMessage *msg, const DksHeader *h, const char *name);

/* Body slice: from body_offset to the end (may be empty). */
const char *dks_message_body(const DksMessage *msg, gsize *len);
gboolean dks_message_has_body(const DksMessage *msg);
