/* dnswire.c — a bounded reader for DNS response packets (RFC 1035 §4).
 *
 * The reader keeps a cursor and the first problem it met; once it has failed
 * every further read returns zero, so the record parsers check once at the
 * end instead of after every field.  Names are decoded straight into the
 * canonical text form described in dnswire.h, so comparing two names is
 * comparing two strings.  The packet is never trusted: every read is checked
 * against its length, compression pointers must point strictly backwards
 * (so a name cannot loop), and record counts are bounded by the packet
 * itself since each record takes at least 11 octets. */
#include "parse/dnswire.h"
#include "parse/limits.h"
#include <gio/gio.h>
#include <stdarg.h>
#include <string.h>

enum {
  DNS_HEADER_OCTETS = 12,
  DNS_MAX_NAME_OCTETS = 255, /* RFC 1035 §2.3.4, wire form */
  DNS_MAX_LABEL_OCTETS = 63,
};

enum {
  DNS_TYPE_CNAME = 5,
  DNS_TYPE_SOA = 6,
  DNS_TYPE_TXT = 16,
  DNS_TYPE_OPT = 41,
  DNS_TYPE_RRSIG = 46,
  DNS_TYPE_DNSKEY = 48,
};

enum { RRSIG_FIXED_OCTETS = 18 }; /* RFC 4034 §3.1: before the signer's name */

enum {
  DNS_FLAG_QR = 0x8000,
  DNS_FLAG_AA = 0x0400,
  DNS_FLAG_TC = 0x0200,
  DNS_FLAG_AD = 0x0020,
};

typedef enum { SECTION_ANSWER, SECTION_AUTHORITY, SECTION_ADDITIONAL } Section;

typedef struct {
  const guchar *wire;
  gsize len;
  gsize pos;
  char *error; /* the first problem met, or NULL */
} WireReader;

/* What one resource record's fixed part says; rdata stays in the packet. */
typedef struct {
  char *owner;
  guint16 type;
  guint32 ttl;
  gsize rdata_pos;
  gsize rdlength;
} RrHeader;

/* Everything the sections hold that the result is built from. */
typedef struct {
  GPtrArray *cnames; /* DksCnameHop*: every CNAME of the answer section */
  GPtrArray *txts;   /* DksTxtRecord*: every TXT of the answer section */
  gboolean have_opt;
  guint8 extended_rcode;
  const char *qname; /* canonical: whose DNSKEY and RRSIG records count */
} Collected;

static void reader_fail(WireReader *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void reader_fail(WireReader *r, const char *fmt, ...)
{
  if (r->error)
    return; /* the first problem is the one worth telling */
  va_list ap;
  va_start(ap, fmt);
  r->error = g_strdup_vprintf(fmt, ap);
  va_end(ap);
}

/* TRUE when n more octets can be read; otherwise records why not. */
static gboolean reader_need(WireReader *r, gsize n, const char *what)
{
  if (r->error)
    return FALSE;
  if (n > r->len - r->pos) {
    reader_fail(r, "RFC 1035 §4.1: %s: want %" G_GSIZE_FORMAT " octets at offset %"
                G_GSIZE_FORMAT ", have %" G_GSIZE_FORMAT " (packet truncated)",
                what, n, r->pos, r->len - r->pos);
    return FALSE;
  }
  return TRUE;
}

static guint8 read_u8(WireReader *r, const char *what)
{
  if (!reader_need(r, 1, what))
    return 0;
  return r->wire[r->pos++];
}

static guint16 read_u16(WireReader *r, const char *what)
{
  if (!reader_need(r, 2, what))
    return 0;
  guint16 v = (guint16) ((r->wire[r->pos] << 8) | r->wire[r->pos + 1]);
  r->pos += 2;
  return v;
}

static guint32 read_u32(WireReader *r, const char *what)
{
  if (!reader_need(r, 4, what))
    return 0;
  const guchar *p = r->wire + r->pos;
  guint32 v = ((guint32) p[0] << 24) | ((guint32) p[1] << 16) |
              ((guint32) p[2] << 8) | (guint32) p[3];
  r->pos += 4;
  return v;
}

static void skip_octets(WireReader *r, gsize n, const char *what)
{
  if (reader_need(r, n, what))
    r->pos += n;
}

/* Appends one label in canonical text form: ASCII lower-cased, '.' and '\'
 * escaped with a backslash, anything not printable as \DDD (RFC 1035 §5.1). */
static void append_label(GString *text, const guchar *label, gsize len)
{
  if (text->len > 0)
    g_string_append_c(text, '.');
  for (gsize i = 0; i < len; i++) {
    guchar c = label[i];
    if (c >= 'A' && c <= 'Z')
      g_string_append_c(text, (char) (c - 'A' + 'a'));
    else if (c == '.' || c == '\\')
      g_string_append_printf(text, "\\%c", c);
    else if (c < 0x21 || c > 0x7e)
      g_string_append_printf(text, "\\%03u", (unsigned) c);
    else
      g_string_append_c(text, (char) c);
  }
}

static char *finish_name(GString *text)
{
  if (text->len == 0)
    g_string_assign(text, "."); /* the root */
  return g_string_free(text, FALSE);
}

/* Reads a possibly compressed name (RFC 1035 §4.1.4) at the cursor and moves
 * the cursor past its in-place part.  Each pointer must point before the
 * previous one (the first before the name itself): compressors only refer to
 * names written earlier, and the rule makes a loop impossible. */
static char *read_name(WireReader *r, const char *what)
{
  if (r->error)
    return NULL;
  g_autoptr(GString) text = g_string_new(NULL);
  gsize pos = r->pos;
  gsize resume = 0;
  gboolean jumped = FALSE;
  gsize limit = r->pos;
  gsize octets = 1; /* the root label */

  for (;;) {
    if (pos >= r->len) {
      reader_fail(r, "RFC 1035 §4.1.4 %s: name runs past the end of the packet "
                  "(offset %" G_GSIZE_FORMAT ")", what, pos);
      return NULL;
    }
    guint8 b = r->wire[pos];
    if ((b & 0xC0) == 0xC0) {
      if (pos + 1 >= r->len) {
        reader_fail(r, "RFC 1035 §4.1.4 %s: compression pointer cut off at offset %"
                    G_GSIZE_FORMAT, what, pos);
        return NULL;
      }
      gsize target = ((gsize) (b & 0x3F) << 8) | r->wire[pos + 1];
      if (target >= limit) {
        reader_fail(r, "RFC 1035 §4.1.4 %s: want a compression pointer to an earlier "
                    "name, have one from offset %" G_GSIZE_FORMAT " to %" G_GSIZE_FORMAT,
                    what, pos, target);
        return NULL;
      }
      if (!jumped)
        resume = pos + 2;
      jumped = TRUE;
      limit = target;
      pos = target;
      continue;
    }
    if (b & 0xC0) {
      reader_fail(r, "RFC 6891 §5 %s: label type 0x%02x at offset %" G_GSIZE_FORMAT
                  " is not supported", what, b & 0xC0, pos);
      return NULL;
    }
    if (b == 0) {
      if (!jumped)
        resume = pos + 1;
      break;
    }
    if ((gsize) b > r->len - pos - 1) {
      reader_fail(r, "RFC 1035 §4.1.4 %s: label of %u octets runs past the end of "
                  "the packet (offset %" G_GSIZE_FORMAT ")", what, b, pos);
      return NULL;
    }
    octets += 1u + b;
    if (octets > DNS_MAX_NAME_OCTETS) {
      reader_fail(r, "RFC 1035 §2.3.4 %s: want a name of at most %u octets, have more",
                  what, DNS_MAX_NAME_OCTETS);
      return NULL;
    }
    append_label(text, r->wire + pos + 1, b);
    pos += 1u + b;
  }
  r->pos = resume;
  return finish_name(g_steal_pointer(&text));
}

/* Reads a name in presentation format label by label (RFC 1035 §5.1) into
 * its canonical text form and/or its uncompressed wire form (either may be
 * NULL).  Returns NULL, or why the name is invalid. */
static const char *decode_name(const char *name, GString *text, GByteArray *wire)
{
  guchar label[DNS_MAX_LABEL_OCTETS];
  gsize label_len = 0;
  gsize octets = 1;
  const char *p = name;

  if (strcmp(name, ".") != 0) {
    for (;;) {
      if (*p == '\0' || *p == '.') {
        if (label_len == 0)
          return "empty label";
        octets += 1 + label_len;
        if (octets > DNS_MAX_NAME_OCTETS)
          return "longer than 255 octets";
        if (text)
          append_label(text, label, label_len);
        if (wire) {
          guint8 len = (guint8) label_len;
          g_byte_array_append(wire, &len, 1);
          g_byte_array_append(wire, label, (guint) label_len);
        }
        label_len = 0;
        if (*p == '\0' || *++p == '\0')
          break; /* the end, with or without a trailing dot */
        continue;
      }
      guchar c = (guchar) *p++;
      if (c == '\\') {
        if (g_ascii_isdigit(p[0]) && g_ascii_isdigit(p[1]) && g_ascii_isdigit(p[2])) {
          unsigned v = (unsigned) (p[0] - '0') * 100u + (unsigned) (p[1] - '0') * 10u +
                       (unsigned) (p[2] - '0');
          if (v > 255)
            return "escape \\DDD above 255";
          c = (guchar) v;
          p += 3;
        } else if (*p != '\0') {
          c = (guchar) *p++;
        } else {
          return "backslash at the end";
        }
      }
      if (label_len == DNS_MAX_LABEL_OCTETS)
        return "label longer than 63 octets";
      label[label_len++] = c;
    }
  }
  if (wire) {
    const guint8 root = 0;
    g_byte_array_append(wire, &root, 1);
  }
  return NULL;
}

static void set_name_error(GError **error, const char *name, const char *why)
{
  g_autofree char *quoted = g_strescape(name, NULL);
  g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
              "RFC 1035 §2.3.4: want a domain name, have '%.300s' (%s)", quoted, why);
}

char *dks_dns_name_canonical(const char *name, GError **error)
{
  g_return_val_if_fail(name != NULL, NULL);
  g_autoptr(GString) text = g_string_new(NULL);
  const char *why = decode_name(name, text, NULL);
  if (why) {
    set_name_error(error, name, why);
    return NULL;
  }
  return finish_name(g_steal_pointer(&text));
}

static void put_u16(GByteArray *wire, guint16 v)
{
  const guint8 be[2] = { (guint8) (v >> 8), (guint8) v };
  g_byte_array_append(wire, be, 2);
}

GBytes *dks_dns_query_new(const char *qname, guint16 qtype, guint16 id, guint16 flags,
                          guint16 edns_size, GError **error)
{
  return dks_dns_query_new_edns(qname, qtype, id, flags, edns_size, 0, error);
}

GBytes *dks_dns_query_new_edns(const char *qname, guint16 qtype, guint16 id, guint16 flags,
                               guint16 edns_size, guint16 edns_flags, GError **error)
{
  g_return_val_if_fail(qname != NULL, NULL);
  g_return_val_if_fail(edns_size > 0 || edns_flags == 0, NULL);
  g_autoptr(GByteArray) wire = g_byte_array_new();
  put_u16(wire, id);
  put_u16(wire, flags & (guint16) ~DNS_FLAG_QR);
  put_u16(wire, 1); /* QDCOUNT */
  put_u16(wire, 0);
  put_u16(wire, 0);
  put_u16(wire, edns_size ? 1 : 0);
  const char *why = decode_name(qname, NULL, wire);
  if (why) {
    set_name_error(error, qname, why);
    return NULL;
  }
  put_u16(wire, qtype);
  put_u16(wire, 1); /* IN */
  if (edns_size) { /* RFC 6891 §6.1.2: root owner, OPT, payload size, TTL
                     (extended RCODE 0, version 0, then the flags) */
    const guint8 root = 0;
    g_byte_array_append(wire, &root, 1);
    put_u16(wire, DNS_TYPE_OPT);
    put_u16(wire, MAX(edns_size, 512));
    put_u16(wire, 0);
    put_u16(wire, edns_flags);
    put_u16(wire, 0);
  }
  return g_byte_array_free_to_bytes(g_steal_pointer(&wire));
}

const char *dks_dns_rcode_name(int rcode)
{
  static const char *const names[] = {
    "NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
    "YXDOMAIN", "YXRRSET", "NXRRSET", "NOTAUTH", "NOTZONE", "DSOTYPENI",
    NULL, NULL, NULL, NULL, "BADVERS", "BADKEY", "BADTIME", "BADMODE",
    "BADNAME", "BADALG", "BADTRUNC", "BADCOOKIE",
  };
  if (rcode < 0 || (gsize) rcode >= G_N_ELEMENTS(names) || !names[rcode])
    return "unassigned";
  return names[rcode];
}

void dks_cname_hop_free(DksCnameHop *hop)
{
  if (!hop)
    return;
  g_free(hop->owner);
  g_free(hop->target);
  g_free(hop);
}

void dks_txt_record_free(DksTxtRecord *txt)
{
  if (!txt)
    return;
  g_free(txt->owner);
  g_clear_pointer(&txt->strings, g_ptr_array_unref);
  g_clear_pointer(&txt->joined, g_bytes_unref);
  g_free(txt);
}

void dks_dns_packet_free(DksDnsPacket *pkt)
{
  if (!pkt)
    return;
  g_clear_pointer(&pkt->cname_chain, g_ptr_array_unref);
  g_clear_pointer(&pkt->txt, g_ptr_array_unref);
  g_free(pkt->soa_owner);
  g_free(pkt->soa_mname);
  g_free(pkt);
}

static void collected_clear(Collected *c)
{
  g_clear_pointer(&c->cnames, g_ptr_array_unref);
  g_clear_pointer(&c->txts, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Collected, collected_clear)

static void rr_header_clear(RrHeader *rr)
{
  g_clear_pointer(&rr->owner, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(RrHeader, rr_header_clear)

static const char *section_name(Section section)
{
  switch (section) {
  case SECTION_ANSWER: return "answer";
  case SECTION_AUTHORITY: return "authority";
  case SECTION_ADDITIONAL: return "additional";
  }
  return "?";
}

/* Checks that a record's rdata was read exactly to its announced end. */
static void expect_rdata_end(WireReader *r, const RrHeader *rr, const char *what)
{
  if (r->error)
    return;
  gsize end = rr->rdata_pos + rr->rdlength;
  if (r->pos != end)
    reader_fail(r, "RFC 1035 §3.3 %s: RDLENGTH says %" G_GSIZE_FORMAT " octets, the "
                "data takes %" G_GSIZE_FORMAT, what, rr->rdlength, r->pos - rr->rdata_pos);
}

static DksCnameHop *parse_cname(WireReader *r, const RrHeader *rr)
{
  g_autofree char *target = read_name(r, "CNAME target");
  expect_rdata_end(r, rr, "CNAME");
  if (r->error)
    return NULL;
  DksCnameHop *hop = g_new0(DksCnameHop, 1);
  hop->owner = g_strdup(rr->owner);
  hop->target = g_steal_pointer(&target);
  hop->ttl = rr->ttl;
  return hop;
}

/* TXT rdata (RFC 1035 §3.3.14): one or more <character-string>s, each a
 * length octet and that many octets, filling RDLENGTH exactly. */
static DksTxtRecord *parse_txt(WireReader *r, const RrHeader *rr)
{
  if (rr->rdlength == 0) {
    reader_fail(r, "RFC 1035 §3.3.14 TXT of %s: want at least one character-string, "
                "have none", rr->owner);
    return NULL;
  }
  g_autoptr(GPtrArray) strings = g_ptr_array_new_with_free_func((GDestroyNotify) g_bytes_unref);
  g_autoptr(GByteArray) joined = g_byte_array_new();
  gsize end = rr->rdata_pos + rr->rdlength;
  while (!r->error && r->pos < end) {
    guint8 n = read_u8(r, "TXT character-string length");
    if (r->error)
      break;
    if (n > end - r->pos) {
      reader_fail(r, "RFC 1035 §3.3.14 TXT of %s: character-string of %u octets runs "
                  "past RDLENGTH", rr->owner, n);
      break;
    }
    g_ptr_array_add(strings, g_bytes_new(r->wire + r->pos, n));
    g_byte_array_append(joined, r->wire + r->pos, n);
    r->pos += n;
  }
  if (r->error)
    return NULL;
  DksTxtRecord *txt = g_new0(DksTxtRecord, 1);
  txt->owner = g_strdup(rr->owner);
  txt->ttl = rr->ttl;
  txt->strings = g_steal_pointer(&strings);
  txt->joined = g_byte_array_free_to_bytes(g_steal_pointer(&joined));
  return txt;
}

/* SOA rdata (RFC 1035 §3.3.13): MNAME RNAME SERIAL REFRESH RETRY EXPIRE
 * MINIMUM.  Only the first SOA of the authority section is kept. */
static void parse_soa(WireReader *r, const RrHeader *rr, DksDnsPacket *pkt)
{
  g_autofree char *mname = read_name(r, "SOA MNAME");
  g_autofree char *rname = read_name(r, "SOA RNAME");
  skip_octets(r, 16, "SOA SERIAL..EXPIRE");
  guint32 minimum = read_u32(r, "SOA MINIMUM");
  expect_rdata_end(r, rr, "SOA");
  if (r->error || pkt->soa_owner)
    return;
  pkt->soa_owner = g_strdup(rr->owner);
  pkt->soa_mname = g_steal_pointer(&mname);
  pkt->soa_ttl = rr->ttl;
  pkt->soa_minimum = minimum;
}

/* The EDNS OPT pseudo-record (RFC 6891 §6.1.3) carries the upper eight bits
 * of the RCODE in its TTL field. */
static void parse_opt(WireReader *r, const RrHeader *rr, Collected *c)
{
  if (c->have_opt) {
    reader_fail(r, "RFC 6891 §6.1.1: want at most one OPT record, have two");
    return;
  }
  if (strcmp(rr->owner, ".") != 0) {
    reader_fail(r, "RFC 6891 §6.1.2: OPT owner: want the root, have '%s'", rr->owner);
    return;
  }
  c->have_opt = TRUE;
  c->extended_rcode = (guint8) (rr->ttl >> 24);
  skip_octets(r, rr->rdlength, "OPT data");
}

/* Counts the question name's DNSKEY records, and the RRSIGs that cover
 * them: whether a resolver passed what a validator needs for that RRset. */
static void count_dnssec(WireReader *r, const RrHeader *rr, DksDnsPacket *pkt,
                         const Collected *c)
{
  if (strcmp(rr->owner, c->qname) != 0)
    return;
  if (rr->type == DNS_TYPE_DNSKEY) {
    pkt->dnskey_count++;
  } else if (rr->rdlength >= RRSIG_FIXED_OCTETS &&
             (((guint) r->wire[rr->rdata_pos] << 8) | r->wire[rr->rdata_pos + 1]) ==
                 DNS_TYPE_DNSKEY) {
    pkt->dnskey_rrsig_count++; /* read_rr_header checked rdlength octets */
  }
}

static gboolean read_rr_header(WireReader *r, RrHeader *rr, const char *what)
{
  rr->owner = read_name(r, what);
  rr->type = read_u16(r, "TYPE");
  (void) read_u16(r, "CLASS");
  rr->ttl = read_u32(r, "TTL");
  rr->rdlength = read_u16(r, "RDLENGTH");
  rr->rdata_pos = r->pos;
  return reader_need(r, rr->rdlength, "RDATA");
}

static void parse_rr(WireReader *r, Section section, DksDnsPacket *pkt, Collected *c)
{
  g_autofree char *what = g_strdup_printf("%s record owner", section_name(section));
  g_auto(RrHeader) rr = { 0 };
  if (!read_rr_header(r, &rr, what))
    return;
  if (section == SECTION_ANSWER && rr.type == DNS_TYPE_CNAME) {
    DksCnameHop *hop = parse_cname(r, &rr);
    if (hop)
      g_ptr_array_add(c->cnames, hop);
  } else if (section == SECTION_ANSWER && rr.type == DNS_TYPE_TXT) {
    DksTxtRecord *txt = parse_txt(r, &rr);
    if (txt)
      g_ptr_array_add(c->txts, txt);
  } else if (section == SECTION_ANSWER &&
             (rr.type == DNS_TYPE_DNSKEY || rr.type == DNS_TYPE_RRSIG)) {
    count_dnssec(r, &rr, pkt, c);
    skip_octets(r, rr.rdlength, "RDATA");
  } else if (section == SECTION_AUTHORITY && rr.type == DNS_TYPE_SOA) {
    parse_soa(r, &rr, pkt);
  } else if (section == SECTION_ADDITIONAL && rr.type == DNS_TYPE_OPT) {
    parse_opt(r, &rr, c);
  } else {
    skip_octets(r, rr.rdlength, "RDATA");
  }
}

static void parse_question(WireReader *r, guint16 qdcount, const char *qname,
                           DksDnsPacket *pkt)
{
  if (qdcount > 1) {
    reader_fail(r, "RFC 9619 §3: QDCOUNT: want 0 or 1, have %u", qdcount);
    return;
  }
  if (qdcount == 0)
    return;
  g_autofree char *name = read_name(r, "question name");
  pkt->question_type = read_u16(r, "QTYPE");
  (void) read_u16(r, "QCLASS");
  if (!r->error && strcmp(name, qname) != 0)
    reader_fail(r, "RFC 1035 §4.1.2 question: want '%s', have '%s'", qname, name);
}

static DksCnameHop *cname_hop_copy(const DksCnameHop *hop)
{
  DksCnameHop *copy = g_new0(DksCnameHop, 1);
  copy->owner = g_strdup(hop->owner);
  copy->target = g_strdup(hop->target);
  copy->ttl = hop->ttl;
  return copy;
}

static const DksCnameHop *find_cname(const GPtrArray *cnames, const char *owner)
{
  for (guint i = 0; i < cnames->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(cnames, i);
    if (strcmp(hop->owner, owner) == 0)
      return hop;
  }
  return NULL;
}

/* Follows the CNAMEs from qname hop by hop, whatever order the answer lists
 * them in.  Returns the chain's last name (points into cnames or is qname),
 * or NULL when the chain has no end (loop, too long). */
static const char *follow_chain(DksDnsPacket *pkt, const GPtrArray *cnames,
                                const char *qname)
{
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  const char *current = qname;
  g_hash_table_add(seen, (gpointer) qname);
  for (;;) {
    const DksCnameHop *hop = find_cname(cnames, current);
    if (!hop)
      return current;
    if (pkt->cname_chain->len >= DKS_MAX_CNAME_HOPS) {
      pkt->cname_too_long = TRUE;
      return NULL;
    }
    g_ptr_array_add(pkt->cname_chain, cname_hop_copy(hop));
    if (!g_hash_table_add(seen, hop->target)) {
      pkt->cname_loop = TRUE;
      return NULL;
    }
    current = hop->target;
  }
}

/* Moves the TXT records owned by name into the result, up to the cap. */
static void take_txt(DksDnsPacket *pkt, GPtrArray *txts, const char *name)
{
  for (guint i = 0; i < txts->len; i++) {
    DksTxtRecord *txt = g_ptr_array_index(txts, i);
    if (!txt || strcmp(txt->owner, name) != 0)
      continue;
    if (pkt->txt->len >= DKS_MAX_TXT_RECORDS) {
      pkt->txt_dropped++;
      continue;
    }
    g_ptr_array_add(pkt->txt, txt);
    txts->pdata[i] = NULL; /* moved; the free function accepts NULL */
  }
}

static DksDnsPacket *packet_new(gsize len)
{
  DksDnsPacket *pkt = g_new0(DksDnsPacket, 1);
  pkt->size = len;
  pkt->cname_chain = g_ptr_array_new_with_free_func((GDestroyNotify) dks_cname_hop_free);
  pkt->txt = g_ptr_array_new_with_free_func((GDestroyNotify) dks_txt_record_free);
  return pkt;
}

DksDnsPacket *dks_dns_packet_parse(const guchar *wire, gsize len,
                                   const char *qname, GError **error)
{
  g_return_val_if_fail(wire != NULL || len == 0, NULL);
  g_return_val_if_fail(qname != NULL, NULL);
  g_autofree char *want = dks_dns_name_canonical(qname, error);
  if (!want)
    return NULL;

  WireReader r = { .wire = wire, .len = len };
  g_autoptr(DksDnsPacket) pkt = packet_new(len);
  g_auto(Collected) c = {
    .cnames = g_ptr_array_new_with_free_func((GDestroyNotify) dks_cname_hop_free),
    .txts = g_ptr_array_new_with_free_func((GDestroyNotify) dks_txt_record_free),
    .qname = want,
  };

  (void) read_u16(&r, "header ID");
  guint16 flags = read_u16(&r, "header flags");
  guint16 counts[4];
  for (guint i = 0; i < 4; i++)
    counts[i] = read_u16(&r, "header counts");
  if (!r.error && !(flags & DNS_FLAG_QR))
    reader_fail(&r, "RFC 1035 §4.1.1 QR: want 1 (a response), have 0 (a query)");
  parse_question(&r, counts[0], want, pkt);
  static const Section sections[] = { SECTION_ANSWER, SECTION_AUTHORITY, SECTION_ADDITIONAL };
  for (guint s = 0; s < G_N_ELEMENTS(sections); s++)
    for (guint i = 0; i < counts[s + 1] && !r.error; i++)
      parse_rr(&r, sections[s], pkt, &c);
  if (r.error) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "malformed DNS response for %s: %s", want, r.error);
    g_free(r.error);
    return NULL;
  }

  pkt->rcode = (c.extended_rcode << 4) | (flags & 0x000F);
  pkt->truncated = (flags & DNS_FLAG_TC) != 0;
  pkt->authoritative = (flags & DNS_FLAG_AA) != 0;
  pkt->authentic_data = (flags & DNS_FLAG_AD) != 0;
  pkt->has_edns = c.have_opt;
  const char *last = follow_chain(pkt, c.cnames, want);
  if (last)
    take_txt(pkt, c.txts, last);
  return g_steal_pointer(&pkt);
}
