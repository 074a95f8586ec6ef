/* message.c — a mail message as raw bytes plus an index of its header
 * fields.  The only file of dkimscope that includes GMime.
 *
 * DKIM hashes octets, so the header index is built by a byte scan of OUR
 * copy of the input (RFC 5322 §2.2: a field is name ':' value, continuation
 * lines start with SP or HTAB, the header block ends at the first empty
 * line).  GMime parses the same header block too: its idea of where the
 * header block ends is cross-checked against the scan (a disagreement is a
 * note, the scan wins), and it decodes From/Subject/Date (RFC 2047) for
 * people to read.  GMime's decoded values are never canonicalized. */
#include "parse/message.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "parse/finding.h"
#include "parse/limits.h"

#define MESSAGE_QUOTE_MAX          60u  /* octets of input quoted in a finding */
#define MESSAGE_MALFORMED_SHOWN    5u   /* malformed lines named one by one */
#define MESSAGE_READ_CHUNK         (64u * 1024u)
/* Regular files from this size on are mapped, not read.  The mapping is
 * there to keep large messages out of memory, not for speed: below about
 * 1 MiB one read into one buffer takes less CPU than the page faults and
 * unmapping of a mapping (16 KiB: 65 vs 78 us, 256 KiB: 87 vs 123 us,
 * 1 MiB: even, 10 MB: 3.2 vs 3.0 ms to load and touch a message). */
#define MESSAGE_MAP_MIN_BYTES      (1024u * 1024u)
#define MESSAGE_MAP_SLOTS          64u  /* mappings alive at once; more are read */
#define MESSAGE_MAP_NAME_BYTES     256u /* of the file name a SIGBUS line shows */
/* The line-end count drops the pages it has read every this many octets. */
#define MESSAGE_COUNT_CHUNK        (1024u * 1024u)
/* The exit status when a mapped file shrinks under us: main.c's for input
 * that cannot be read (EX_NOINPUT). */
#define MESSAGE_EXIT_INPUT_CHANGED 66

/* ---- GMime set-up ------------------------------------------------------ */

static void
message_gmime_init_once(void)
{
  static gsize initialized = 0;
  /* g_mime_init() is not safe to race; g_once makes the first caller do it
   * and every other caller wait for it.  GMime is never shut down: other
   * threads may still be parsing when we would. */
  if (g_once_init_enter(&initialized)) {
    g_mime_init();
    g_once_init_leave(&initialized, 1);
  }
}

/* ---- small byte helpers ------------------------------------------------ */

static gboolean
message_is_wsp(guchar c)
{
  return c == ' ' || c == '\t';
}

/* RFC 5322 §3.6.8 ftext: printable US-ASCII except ':'. */
static gboolean
message_is_ftext(guchar c)
{
  return c >= 33 && c <= 126 && c != ':';
}

/* The length of the field name when line[0, len) starts a header field
 * (ftext+, optional WSP — the obsolete form of RFC 5322 §4.5.8 —, ':'),
 * or 0 when it does not. */
static gsize
message_field_name_len(const char *line, gsize len)
{
  gsize name_len = 0;
  while (name_len < len && message_is_ftext((guchar)line[name_len]))
    name_len++;
  if (name_len == 0)
    return 0;
  gsize pos = name_len;
  while (pos < len && message_is_wsp((guchar)line[pos]))
    pos++;
  if (pos < len && line[pos] == ':')
    return name_len;
  return 0;
}

/* The end of the line starting at pos (offset of its CR, or len when the
 * input ends without CRLF) and in *next the start of the next line.  After
 * conversion every LF is preceded by a CR; a lone CR is content. */
static gsize
message_line_end(const char *data, gsize len, gsize pos, gsize *next)
{
  const char *lf = memchr(data + pos, '\n', len - pos);
  if (lf == NULL) {
    *next = len;
    return len;
  }
  gsize lf_offset = (gsize)(lf - data);
  *next = lf_offset + 1;
  if (lf_offset > pos && data[lf_offset - 1] == '\r')
    return lf_offset - 1;
  return lf_offset; /* cannot happen after conversion; kept safe */
}

/* ---- input normalization ----------------------------------------------- */

/* Drops a leading mbox "From " separator line (RFC 4155): it is the mail
 * store's, not the message's, and no signer saw it. */
static void
message_drop_mbox_from(const char **data, gsize *len, DksMessage *msg)
{
  if (*len < 5 || memcmp(*data, "From ", 5) != 0)
    return;
  const char *lf = memchr(*data, '\n', *len);
  gsize line_len = lf != NULL ? (gsize)(lf - *data) + 1 : *len;
  gsize shown = line_len;
  while (shown > 0 && ((*data)[shown - 1] == '\n' || (*data)[shown - 1] == '\r'))
    shown--;

  g_autofree char *quoted = dks_quote_bytes(*data, shown, MESSAGE_QUOTE_MAX);
  dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                   "removed the leading mbox separator line '%s' (RFC 4155): "
                   "it belongs to the mailbox file, not to the message, and "
                   "no signer saw it",
                   quoted);
  msg->flags |= DKS_MESSAGE_MBOX_FROM_REMOVED;
  *data += line_len;
  *len -= line_len;
}

static void
message_count_one(const char *data, gsize len, gsize i, gsize *bare_lf, gsize *bare_cr)
{
  if (data[i] == '\n' && (i == 0 || data[i - 1] != '\r'))
    (*bare_lf)++;
  else if (data[i] == '\r' && (i + 1 == len || data[i + 1] != '\n'))
    (*bare_cr)++;
}

/* Sixteen octets as one value: GCC's and Clang's generic vectors, which
 * compile to SSE2 on x86-64 and to NEON on arm64.  (An SSE2 version with
 * bit masks ran more instructions here.) */
typedef guchar MessageOctets16 __attribute__((vector_size(16)));

/* Counts, among the octets data[from, to) of data[0, len), the bare LFs
 * (not after a CR) and bare CRs (not before an LF).  Sixteen octets at a
 * time, each compared with the one before and the one after it, without a
 * branch; the first and last octets of data go one by one. */
static void
message_count_bare(const char *data, gsize len, gsize from, gsize to,
                   gsize *bare_lf, gsize *bare_cr)
{
  gsize i = from;

  if (i == 0 && i < to)
    message_count_one(data, len, i++, bare_lf, bare_cr);
  /* the vector loop reads data[i - 1, i + 17) */
  gsize vector_end = MIN(to, len - 1);
  while (i + 16 <= vector_end) {
    /* a lane counts up to 255 before it is added up */
    gsize rounds = MIN((vector_end - i) / 16, (gsize)255);
    MessageOctets16 lf = { 0 }, cr = { 0 };
    for (gsize r = 0; r < rounds; r++, i += 16) {
      MessageOctets16 at, before, after;
      memcpy(&at, data + i, 16);
      memcpy(&before, data + i - 1, 16);
      memcpy(&after, data + i + 1, 16);
      lf -= (MessageOctets16)((at == '\n') & (before != '\r'));
      cr -= (MessageOctets16)((at == '\r') & (after != '\n'));
    }
    for (guint lane = 0; lane < 16; lane++) {
      *bare_lf += lf[lane];
      *bare_cr += cr[lane];
    }
  }
  for (; i < to; i++)
    message_count_one(data, len, i, bare_lf, bare_cr);
}

/* Mail on the wire has CRLF line ends (RFC 5322 §2.1), files and pastes
 * often do not, and signers hashed the wire form: every bare LF is read as
 * CRLF (python3-dkim does the same).  Notes the conversion and any bare CR
 * (left as found) in the findings. */
static void
message_note_line_ends(DksMessage *msg, gsize bare_lf, gsize bare_cr)
{
  if (bare_lf > 0) {
    msg->flags |= DKS_MESSAGE_BARE_LF_CONVERTED;
    dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                     "%" G_GSIZE_FORMAT " line%s ended with a bare LF and %s "
                     "converted to CRLF (RFC 5322 §2.1: lines end with CRLF, "
                     "and signers hash the CRLF form that travels on the wire)",
                     bare_lf, bare_lf == 1 ? "" : "s", bare_lf == 1 ? "was" : "were");
  }
  if (bare_cr > 0)
    dks_findings_add(msg->findings, DKS_FINDING_WARNING, NULL,
                     "%" G_GSIZE_FORMAT " bare CR octet%s (CR not followed by LF) "
                     "left as found: RFC 5322 §2.3 forbids them and verifiers "
                     "disagree on how to canonicalize them",
                     bare_cr, bare_cr == 1 ? "" : "s");
}

/* A new NUL-terminated copy of data with bare_lf more octets: a CR before
 * every bare LF.  Caller frees. */
static char *
message_copy_with_crlf(const char *data, gsize len, gsize bare_lf, gsize *out_len)
{
  char *copy = g_malloc(len + bare_lf + 1);
  gsize out = 0, pos = 0;

  while (pos < len) {
    const char *lf = bare_lf > 0 ? memchr(data + pos, '\n', len - pos) : NULL;
    gsize run_end = lf != NULL ? (gsize)(lf - data) : len;
    memcpy(copy + out, data + pos, run_end - pos);
    out += run_end - pos;
    pos = run_end;
    if (lf == NULL)
      break;
    if (pos == 0 || data[pos - 1] != '\r')
      copy[out++] = '\r';
    copy[out++] = '\n';
    pos++;
  }
  copy[out] = '\0';
  *out_len = out;
  return copy;
}

/* ---- the header scan --------------------------------------------------- */

typedef struct {
  gint current;          /* header being continued, or -1 */
  guint malformed;       /* lines without a colon (continuations excluded) */
  gboolean in_malformed; /* continuation lines belong to a malformed line */
  gboolean truncated;
} MessageScan;

static void
message_note_malformed(DksMessage *msg, MessageScan *scan, gsize pos, gsize eol,
                       guint line_no, gboolean orphan_continuation)
{
  scan->malformed++;
  msg->flags |= DKS_MESSAGE_MALFORMED_LINES;
  if (scan->malformed > MESSAGE_MALFORMED_SHOWN)
    return;
  g_autofree char *quoted = dks_quote_bytes(msg->data + pos, eol - pos, MESSAGE_QUOTE_MAX);
  dks_findings_add(msg->findings, DKS_FINDING_WARNING, NULL,
                   "header line %u '%s' %s (RFC 5322 §2.2: name ':' value). It is "
                   "not indexed as a field, so it cannot be signed, and it does "
                   "not end the header block: that ends at the first empty line",
                   line_no, quoted,
                   orphan_continuation ? "is a continuation line with no field before it"
                                       : "has no colon after a field name");
}

static void
message_add_header(DksMessage *msg, MessageScan *scan, gsize pos, gsize eol,
                   gsize name_len)
{
  if (msg->headers->len >= DKS_MAX_HEADER_FIELDS) {
    if (!scan->truncated)
      dks_findings_add(msg->findings, DKS_FINDING_WARNING, NULL,
                       "more than %u header fields: the ones after offset %"
                       G_GSIZE_FORMAT " are not indexed, so they cannot be "
                       "checked or hashed",
                       DKS_MAX_HEADER_FIELDS, pos);
    scan->truncated = TRUE;
    msg->flags |= DKS_MESSAGE_HEADERS_TRUNCATED;
    scan->current = -1;
    scan->in_malformed = TRUE; /* its continuations are skipped as well */
    return;
  }
  DksHeader header = { .offset = pos, .name_len = name_len, .raw_len = eol - pos };
  g_array_append_val(msg->headers, header);
  scan->current = (gint)msg->headers->len - 1;
  scan->in_malformed = FALSE;
}

/* Indexes the header fields and finds body_offset.
 *
 * A line in the header block that is neither a field nor a continuation
 * (no colon, e.g. "Invalid header", or an mbox "From " line further down)
 * does NOT end the header block here: the header block ends at the first
 * empty line (RFC 5322 §2.1).  That is what keeps our body octets identical
 * to python3-dkim's: its rfc822_parse() splits header and body only at the
 * first empty line (it skips "From " lines and refuses other colon-less
 * lines outright), and GMime 3.2 likewise skips such a line and goes on
 * with the header block.  Treating the line as the start of the body would
 * move the body hash input by the rest of the header block.  The line and
 * its continuations are flagged and left out of the index. */
static void
message_scan_headers(DksMessage *msg)
{
  MessageScan scan = { .current = -1 };
  gboolean blank_line_found = FALSE;
  guint line_no = 0;
  gsize pos = 0;

  while (pos < msg->len) {
    gsize next;
    gsize eol = message_line_end(msg->data, msg->len, pos, &next);
    line_no++;

    if (eol == pos) { /* the empty line: the body starts after it */
      blank_line_found = TRUE;
      msg->body_offset = next;
      break;
    }

    const char *line = msg->data + pos;
    if (message_is_wsp((guchar)line[0])) {
      if (scan.current >= 0) {
        DksHeader *header = &g_array_index(msg->headers, DksHeader, scan.current);
        header->raw_len = eol - header->offset;
      } else if (!scan.in_malformed) {
        message_note_malformed(msg, &scan, pos, eol, line_no, TRUE);
        scan.in_malformed = TRUE;
      }
    } else {
      gsize name_len = message_field_name_len(line, eol - pos);
      if (name_len > 0) {
        message_add_header(msg, &scan, pos, eol, name_len);
      } else {
        message_note_malformed(msg, &scan, pos, eol, line_no, FALSE);
        scan.current = -1;
        scan.in_malformed = TRUE;
      }
    }
    pos = next;
  }

  if (scan.malformed > MESSAGE_MALFORMED_SHOWN)
    dks_findings_add(msg->findings, DKS_FINDING_WARNING, NULL,
                     "%u more header lines without a colon are not named here",
                     scan.malformed - MESSAGE_MALFORMED_SHOWN);

  if (!blank_line_found) {
    msg->flags |= DKS_MESSAGE_HEADERS_ONLY;
    msg->body_offset = msg->len;
  }
}

/* Where the header block ends: the offset of the empty line, or len. */
static gsize
message_header_block_end(const DksMessage *msg)
{
  if (msg->flags & DKS_MESSAGE_HEADERS_ONLY)
    return msg->len;
  return msg->body_offset - 2;
}

static void
message_check_headers(DksMessage *msg)
{
  gsize block_end = message_header_block_end(msg);

  for (gsize i = 0; i < block_end; i++) {
    if ((guchar)msg->data[i] < 0x80)
      continue;
    msg->flags |= DKS_MESSAGE_EIGHT_BIT_HEADERS;
    dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                     "the header block holds 8-bit octets (first at offset %"
                     G_GSIZE_FORMAT "): raw UTF-8 headers need RFC 6532 "
                     "support end to end, and software that re-encodes them "
                     "breaks signatures over those fields",
                     i);
    break;
  }

  guint from_fields = 0;
  for (guint i = 0; i < msg->headers->len; i++) {
    const DksHeader *header = &g_array_index(msg->headers, DksHeader, i);
    if (dks_header_is(msg, header, "From"))
      from_fields++;
    if (header->raw_len > DKS_MAX_HEADER_FIELD_BYTES) {
      g_autofree char *name = dks_quote_bytes(msg->data + header->offset,
                                              header->name_len, MESSAGE_QUOTE_MAX);
      dks_findings_add(msg->findings, DKS_FINDING_WARNING, NULL,
                       "header field %u (%s) is %" G_GSIZE_FORMAT " octets long, "
                       "more than the %u dkimscope expects of one field; "
                       "RFC 5322 §2.1.1 limits lines to 998 octets",
                       i + 1, name, header->raw_len, DKS_MAX_HEADER_FIELD_BYTES);
    }
  }
  if (from_fields == 0)
    dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                     "the message has no From field (RFC 5322 §3.6 requires "
                     "one, and DKIM signs it: RFC 6376 §5.4)");
  else if (from_fields > 1)
    dks_findings_add(msg->findings, DKS_FINDING_WARNING, NULL,
                     "the message has %u From fields; RFC 5322 §3.6 allows one, "
                     "and RFC 6376 §8.15 warns that a verifier and a mail "
                     "reader may pick different ones",
                     from_fields);

  if (msg->flags & DKS_MESSAGE_HEADERS_ONLY)
    dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                     "no empty line after the header fields: only a header "
                     "block was given, so there is no body to hash");
}

/* ---- GMime: cross-check and display values ----------------------------- */

/* A GMime value as valid UTF-8, trimmed.  Control characters are kept on
 * purpose: the front end shows them escaped, so a hostile header stays
 * visible instead of being blanked.  NULL stays NULL. */
static char *
message_display_value(const char *value)
{
  if (value == NULL)
    return NULL;
  return g_strstrip(g_utf8_make_valid(value, -1));
}

static void
message_take_display_values(DksMessage *msg, GMimeMessage *message)
{
  InternetAddressList *from = g_mime_message_get_from(message);
  if (from != NULL && internet_address_list_length(from) > 0) {
    g_autofree char *text = internet_address_list_to_string(from, NULL, FALSE);
    msg->from_display = message_display_value(text);
  }
  /* GMime finds no address in a malformed From: show its text instead. */
  if (msg->from_display == NULL || msg->from_display[0] == '\0') {
    g_free(msg->from_display);
    msg->from_display =
      message_display_value(g_mime_object_get_header(GMIME_OBJECT(message), "From"));
  }
  msg->subject_display = message_display_value(g_mime_message_get_subject(message));
  msg->date_display =
    message_display_value(g_mime_object_get_header(GMIME_OBJECT(message), "Date"));

  GDateTime *date = g_mime_message_get_date(message); /* owned by message */
  msg->date_unix = date != NULL ? g_date_time_to_unix(date) : 0;
}

static gboolean
message_indexes_offset(const DksMessage *msg, gint64 offset)
{
  guint lo = 0, hi = msg->headers->len;
  while (lo < hi) { /* the index is in offset order */
    guint mid = lo + (hi - lo) / 2;
    gint64 at = (gint64)g_array_index(msg->headers, DksHeader, mid).offset;
    if (at == offset)
      return TRUE;
    if (at < offset)
      lo = mid + 1;
    else
      hi = mid;
  }
  return FALSE;
}

/* Every field GMime found must start where the byte scan found one.  (The
 * other way round does not hold: GMime files Content-* fields under the
 * MIME part, not the message.) */
static void
message_crosscheck_fields(DksMessage *msg, GMimeMessage *message)
{
  GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(message));
  int count = list != NULL ? g_mime_header_list_get_count(list) : 0;
  for (int i = 0; i < count; i++) {
    GMimeHeader *header = g_mime_header_list_get_header_at(list, i);
    gint64 offset = g_mime_header_get_offset(header);
    if (offset < 0 || message_indexes_offset(msg, offset))
      continue;
    const char *name = g_mime_header_get_name(header);
    g_autofree char *quoted = dks_quote_bytes(name, name != NULL ? strlen(name) : 0,
                                              MESSAGE_QUOTE_MAX);
    dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                     "GMime reads a header field '%s' at offset %" G_GINT64_FORMAT
                     " where the byte scan found none; dkimscope goes by the "
                     "byte scan (RFC 5322 §2.2)",
                     quoted, offset);
    return; /* one such note is enough */
  }
}

/* Lets GMime parse the header block (and the empty line after it: no body,
 * so no MIME tree to walk and nothing hostile in the body to trip on). */
static void
message_consult_gmime(DksMessage *msg)
{
  message_gmime_init_once();

  gsize block_end = message_header_block_end(msg);
  gsize feed_len = (msg->flags & DKS_MESSAGE_HEADERS_ONLY) ? msg->len : msg->body_offset;
  GMimeStream *stream = g_mime_stream_mem_new_with_buffer(msg->data, feed_len);
  GMimeParser *parser = g_mime_parser_new_with_stream(stream);
  g_mime_parser_set_persist_stream(parser, TRUE);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
  GMimeMessage *message = g_mime_parser_construct_message(parser, NULL);

  if (message == NULL) {
    dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                     "GMime could not parse the header block; the header "
                     "fields were found by dkimscope's own byte scan");
  } else {
    gint64 gmime_end = g_mime_parser_get_headers_end(parser);
    gint64 scan_end = (msg->flags & DKS_MESSAGE_HEADERS_ONLY) ? -1 : (gint64)block_end;
    if (gmime_end != scan_end) {
      g_autofree char *gmime_text = gmime_end < 0
        ? g_strdup("nowhere (no end found)")
        : g_strdup_printf("offset %" G_GINT64_FORMAT, gmime_end);
      dks_findings_add(msg->findings, DKS_FINDING_NOTE, NULL,
                       "GMime ends the header block at %s, the byte scan at "
                       "offset %" G_GSIZE_FORMAT " (%s); dkimscope goes by the "
                       "byte scan: the header block ends at the first empty "
                       "line (RFC 5322 §2.1)",
                       gmime_text, block_end,
                       scan_end < 0 ? "no empty line" : "the first empty line");
    }
    message_crosscheck_fields(msg, message);
    message_take_display_values(msg, message);
    g_object_unref(message);
  }
  g_object_unref(parser);
  g_object_unref(stream);
}

/* ---- file mappings ------------------------------------------------------ */

/* A large regular file is mapped instead of read, and when it needs no
 * rewriting the message's bytes are the mapping itself: no copy at all.
 *
 * - The mapping is private and read-only; its pages are clean copies of
 *   the page cache, so dks_message_release_pages() may drop the ones a
 *   streaming reader is done with (madvise MADV_DONTNEED), and a later
 *   touch reads them back unchanged.  A 10 MB body is thus never resident
 *   in full.
 * - One NUL octet follows the data, as for a read message: the file is
 *   mapped over the start of an anonymous zero mapping one octet longer,
 *   so a file whose size is a page multiple has a zero page after it; and
 *   in a partial last page the octet after the data is written (that page
 *   becomes a private copy, never dropped), so even a file that grows
 *   meanwhile cannot take the NUL away.
 * - A file that shrinks while mapped turns a touch of its lost pages into
 *   SIGBUS.  There is no error to return from the middle of a hash, so a
 *   handler for SIGBUS in a registered mapping prints one line naming the
 *   file and ends the process with MESSAGE_EXIT_INPUT_CHANGED: the one
 *   place this library writes to the user.  Any other SIGBUS goes to the
 *   handler that was there before.
 *
 * The registry is a fixed array so the handler can read it without locks:
 * a slot is filled while BUSY and only then made LIVE. */
enum { MAP_FREE, MAP_BUSY, MAP_LIVE };

typedef struct {
  gint state;            /* MAP_FREE / MAP_BUSY / MAP_LIVE, atomic */
  guintptr start;        /* the file's octets are [start, start + file_len) */
  gsize file_len;
  gsize mapped_len;      /* the whole mapping, the NUL octet's page included */
  gsize name_len;
  char name[MESSAGE_MAP_NAME_BYTES];
} MessageMap;

static MessageMap message_maps[MESSAGE_MAP_SLOTS];
static struct sigaction message_previous_sigbus;
static gsize message_page_size;

static void
message_write_stderr(const char *text, gsize len)
{
  while (len > 0) {
    ssize_t done = write(STDERR_FILENO, text, len);
    if (done <= 0) {
      if (done < 0 && errno == EINTR)
        continue;
      return;
    }
    text += done;
    len -= (gsize)done;
  }
}

/* Async-signal-safe: atomic loads, write(2), sigaction(2), _exit(2). */
static void
message_on_sigbus(int sig, siginfo_t *info, void *context)
{
  static const char prefix[] = "dkimscope: ";
  static const char suffix[] = " changed while it was being read\n";
  guintptr addr = (guintptr)info->si_addr;

  (void)context;
  for (guint i = 0; i < MESSAGE_MAP_SLOTS; i++) {
    const MessageMap *map = &message_maps[i];
    if (g_atomic_int_get(&map->state) != MAP_LIVE || addr < map->start ||
        addr - map->start >= map->mapped_len)
      continue;
    message_write_stderr(prefix, sizeof prefix - 1);
    message_write_stderr(map->name, map->name_len);
    message_write_stderr(suffix, sizeof suffix - 1);
    _exit(MESSAGE_EXIT_INPUT_CHANGED);
  }
  /* Not ours: the previous action takes this fault (the instruction runs
   * again on return) and every later one.  A SIGBUS that was sent, not
   * caused, is sent again. */
  sigaction(SIGBUS, &message_previous_sigbus, NULL);
  if (info->si_code <= 0)
    raise(sig);
}

/* Installs the SIGBUS handler once; FALSE when that failed (then nothing
 * is mapped). */
static gboolean
message_mapping_init_once(void)
{
  static gsize done = 0;
  static gboolean ok = FALSE;

  if (g_once_init_enter(&done)) {
    struct sigaction action = { 0 };
    long page = sysconf(_SC_PAGESIZE);
    action.sa_sigaction = message_on_sigbus;
    action.sa_flags = SA_SIGINFO;
    sigemptyset(&action.sa_mask);
    if (page > 0 && sigaction(SIGBUS, &action, &message_previous_sigbus) == 0) {
      message_page_size = (gsize)page;
      ok = TRUE;
    }
    g_once_init_leave(&done, 1);
  }
  return ok;
}

static MessageMap *
message_map_claim(void)
{
  for (guint i = 0; i < MESSAGE_MAP_SLOTS; i++)
    if (g_atomic_int_compare_and_exchange(&message_maps[i].state, MAP_FREE, MAP_BUSY))
      return &message_maps[i];
  return NULL;
}

static void
message_unmap(gpointer data)
{
  MessageMap *map = data;

  /* out of the registry first: the address range may be reused at once */
  g_atomic_int_set(&map->state, MAP_BUSY);
  munmap((void *)map->start, map->mapped_len);
  g_atomic_int_set(&map->state, MAP_FREE);
}

static gsize
message_round_up(gsize n, gsize page)
{
  return (n + page - 1) / page * page;
}

/* Maps size octets of fd (a regular file, size > 0) with a NUL octet
 * after them.  NULL when mapping is not possible here (the caller reads
 * the file instead).  The GBytes unmaps when its last reference goes. */
static GBytes *
message_map_file(int fd, gsize size, const char *display)
{
  if (!message_mapping_init_once())
    return NULL;
  MessageMap *map = message_map_claim();
  if (map == NULL)
    return NULL;

  gsize page = message_page_size;
  gsize file_span = message_round_up(size, page);
  gsize mapped_len = message_round_up(size + 1, page);
  void *base = mmap(NULL, mapped_len, PROT_READ,
                    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  gboolean partial = size % page != 0;
  if (base == MAP_FAILED) {
    g_atomic_int_set(&map->state, MAP_FREE);
    return NULL;
  }
  if (mmap(base, file_span, partial ? PROT_READ | PROT_WRITE : PROT_READ,
           MAP_PRIVATE | MAP_FIXED | MAP_NORESERVE, fd, 0) == MAP_FAILED) {
    munmap(base, mapped_len);
    g_atomic_int_set(&map->state, MAP_FREE);
    return NULL;
  }

  map->start = (guintptr)base;
  map->file_len = size;
  map->mapped_len = mapped_len;
  map->name_len = MIN(strlen(display), sizeof map->name);
  memcpy(map->name, display, map->name_len);
  g_atomic_int_set(&map->state, MAP_LIVE); /* before the first touch */

  if (partial) {
    ((char *)base)[size] = '\0'; /* the last page: now a private copy */
    if (mprotect(base, file_span, PROT_READ) != 0) {
      message_unmap(map);
      return NULL;
    }
  }
  return g_bytes_new_with_free_func(base, size, message_unmap, map);
}

void
dks_message_release_pages(const void *p, gsize len)
{
  guintptr from = (guintptr)p;

  if (p == NULL || len == 0 || message_page_size == 0)
    return;
  for (guint i = 0; i < MESSAGE_MAP_SLOTS; i++) {
    const MessageMap *map = &message_maps[i];
    if (g_atomic_int_get(&map->state) != MAP_LIVE || from < map->start ||
        from - map->start >= map->file_len)
      continue;
    /* Whole pages of the file only: never the partial last one (it holds
     * the NUL) nor the zero page after a page-multiple file. */
    guintptr file_end = map->start + map->file_len;
    guintptr to = len < file_end - from ? from + len : file_end;
    guintptr first = from / message_page_size * message_page_size;
    guintptr last = to / message_page_size * message_page_size;
    if (last > first)
      madvise((void *)first, last - first, MADV_DONTNEED);
    return;
  }
}

/* ---- public API -------------------------------------------------------- */

void
dks_message_free(DksMessage *msg)
{
  if (msg == NULL)
    return;
  g_clear_pointer(&msg->bytes, g_bytes_unref);
  g_clear_pointer(&msg->headers, g_array_unref);
  g_clear_pointer(&msg->findings, g_ptr_array_unref);
  g_free(msg->from_display);
  g_free(msg->subject_display);
  g_free(msg->date_display);
  g_free(msg);
}

/* Builds the message from data[0, len).  With owner, data lies inside
 * owner and a NUL octet follows it: when no octet needs rewriting (no bare
 * LF), the message keeps a reference to owner instead of a copy.  Without
 * owner, data is copied. */
static DksMessage *
message_new(const char *data, gsize len, GBytes *owner, GError **error)
{
  if (len > DKS_MAX_MESSAGE_BYTES) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                "the message is %" G_GSIZE_FORMAT " octets; dkimscope reads at "
                "most %u",
                len, DKS_MAX_MESSAGE_BYTES);
    return NULL;
  }
  if (data == NULL || len == 0) {
    g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "the input is empty: no message to check");
    return NULL;
  }

  g_autoptr(DksMessage) msg = g_new0(DksMessage, 1);
  msg->original_len = len;
  msg->findings = dks_findings_new();
  msg->headers = g_array_new(FALSE, FALSE, sizeof(DksHeader));

  const char *input = data;
  gsize input_len = len;
  message_drop_mbox_from(&input, &input_len, msg);

  gsize bare_lf = 0, bare_cr = 0;
  for (gsize pos = 0; pos < input_len; pos += MESSAGE_COUNT_CHUNK) {
    gsize end = MIN(pos + MESSAGE_COUNT_CHUNK, input_len);
    message_count_bare(input, input_len, pos, end, &bare_lf, &bare_cr);
    if (input_len > MESSAGE_COUNT_CHUNK)
      dks_message_release_pages(input + pos, end - pos);
  }
  message_note_line_ends(msg, bare_lf, bare_cr);

  /* Either way one NUL follows the bytes, so C string helpers cannot run
   * off them; len excludes that NUL. */
  if (owner != NULL && bare_lf == 0) {
    const char *base = g_bytes_get_data(owner, NULL);
    msg->bytes = g_bytes_new_from_bytes(owner, (gsize)(input - base), input_len);
    msg->data = input;
    msg->len = input_len;
  } else {
    gsize copy_len = 0;
    char *copy = message_copy_with_crlf(input, input_len, bare_lf, &copy_len);
    msg->bytes = g_bytes_new_take(copy, copy_len);
    msg->data = copy;
    msg->len = copy_len;
  }

  message_scan_headers(msg);
  if (msg->headers->len == 0) {
    g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                        "no header field found: the input does not start "
                        "with 'Name: value' lines, so it is not a mail message");
    return NULL;
  }
  message_check_headers(msg);
  message_consult_gmime(msg);
  return g_steal_pointer(&msg);
}

DksMessage *
dks_message_new_from_data(const char *data, gsize len, GError **error)
{
  return message_new(data, len, NULL, error);
}

/* Reads all of fd into one buffer, failing once more than
 * DKS_MAX_MESSAGE_BYTES arrive.  size_hint (the size of a regular file, or
 * 0) sizes the buffer, so a file is read in place with no copy.  Returns
 * the octets read, with a NUL octet after them (not counted). */
static GBytes *
message_read_fd(int fd, gsize size_hint, const char *display, GError **error)
{
  /* room for one octet past the cap: reading it tells "too large" */
  const gsize cap_max = (gsize)DKS_MAX_MESSAGE_BYTES + 2;
  gsize cap = MIN(size_hint > 0 ? size_hint + 2 : (gsize)MESSAGE_READ_CHUNK, cap_max);
  g_autofree char *buffer = g_malloc(cap);
  gsize have = 0;

  for (;;) {
    if (have + 1 == cap) { /* full but for the NUL */
      cap = MIN(cap * 2, cap_max);
      buffer = g_realloc(buffer, cap);
    }
    ssize_t got = read(fd, buffer + have, cap - 1 - have);
    if (got < 0) {
      if (errno == EINTR)
        continue;
      int saved = errno;
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                  "cannot read %s: %s", display, g_strerror(saved));
      return NULL;
    }
    if (got == 0)
      break;
    have += (gsize)got;
    if (have > DKS_MAX_MESSAGE_BYTES) {
      g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                  "%s is larger than %u octets, the most dkimscope reads",
                  display, DKS_MAX_MESSAGE_BYTES);
      return NULL;
    }
  }
  buffer[have] = '\0';
  if (cap - have > MESSAGE_READ_CHUNK) /* a pipe's buffer grown too far */
    buffer = g_realloc(buffer, have + 1);
  return g_bytes_new_take(g_steal_pointer(&buffer), have);
}

DksMessage *
dks_message_new_from_file(const char *path, GError **error)
{
  if (path == NULL) {
    g_set_error_literal(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no file name given");
    return NULL;
  }

  gboolean is_stdin = strcmp(path, "-") == 0;
  g_autofree char *display = is_stdin ? g_strdup("standard input")
                                      : g_filename_display_name(path);
  int fd = is_stdin ? STDIN_FILENO : g_open(path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0) {
    int saved = errno;
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
                "cannot open %s: %s", display, g_strerror(saved));
    return NULL;
  }

  /* Refuse what cannot be a message before reading it. */
  struct stat st;
  gboolean have_stat = fstat(fd, &st) == 0;
  gboolean regular = have_stat && S_ISREG(st.st_mode);
  g_autoptr(GBytes) input = NULL;
  if (have_stat && S_ISDIR(st.st_mode)) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_ISDIR, "%s is a directory", display);
  } else if (regular && (guint64)st.st_size > DKS_MAX_MESSAGE_BYTES) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE,
                "%s is %" G_GUINT64_FORMAT " octets, more than the %u "
                "dkimscope reads",
                display, (guint64)st.st_size, DKS_MAX_MESSAGE_BYTES);
  } else {
    if (regular && (gsize)st.st_size >= MESSAGE_MAP_MIN_BYTES)
      input = message_map_file(fd, (gsize)st.st_size, display);
    if (input == NULL)
      input = message_read_fd(fd, regular ? (gsize)st.st_size : 0, display, error);
  }
  if (!is_stdin)
    close(fd);
  if (input == NULL)
    return NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data(input, &len);
  return message_new(data, len, input, error);
}

const DksHeader *
dks_message_header(const DksMessage *msg, guint index)
{
  if (msg == NULL || msg->headers == NULL || index >= msg->headers->len)
    return NULL;
  return &g_array_index(msg->headers, DksHeader, index);
}

/* Not NUL-terminated: the name is h->name_len octets long. */
const char *
dks_header_name(const DksMessage *msg, const DksHeader *h)
{
  return msg->data + h->offset;
}

/* Not NUL-terminated: the field is h->raw_len octets long. */
const char *
dks_header_raw(const DksMessage *msg, const DksHeader *h)
{
  return msg->data + h->offset;
}

const char *
dks_header_value(const DksMessage *msg, const DksHeader *h, gsize *len)
{
  const char *raw = msg->data + h->offset;
  gsize pos = h->name_len;
  /* The scan only indexes "name [WSP] ':'", so the colon is there. */
  while (pos < h->raw_len && raw[pos] != ':')
    pos++;
  if (pos < h->raw_len)
    pos++;
  if (len != NULL)
    *len = h->raw_len - pos;
  return raw + pos;
}

gboolean
dks_header_is(const DksMessage *msg, const DksHeader *h, const char *name)
{
  if (msg == NULL || h == NULL || name == NULL)
    return FALSE;
  gsize name_len = strlen(name);
  return h->name_len == name_len &&
         g_ascii_strncasecmp(msg->data + h->offset, name, name_len) == 0;
}

const char *
dks_message_body(const DksMessage *msg, gsize *len)
{
  if (len != NULL)
    *len = msg->len - msg->body_offset;
  return msg->data + msg->body_offset;
}

gboolean
dks_message_has_body(const DksMessage *msg)
{
  return msg != NULL && !(msg->flags & DKS_MESSAGE_HEADERS_ONLY);
}
