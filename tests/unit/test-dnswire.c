/* test-dnswire.c — the DNS response reader on hand-built packets: CNAME
 * chains in any order, loops, over-long chains, TXT split in strings or
 * empty, negative answers with their SOA, the caps, and hostile packets
 * (every truncation and many corruptions of good packets must give either a
 * parse or an error, never a crash). */
#include "parse/dnswire.h"
#include "parse/limits.h"
#include <gio/gio.h>
#include <string.h>

/* ------------------------------------------------------- packet builder */

enum { T_CNAME = 5, T_SOA = 6, T_TXT = 16, T_OPT = 41, T_A = 1, T_RRSIG = 46, T_DNSKEY = 48 };
enum {
  F_RESPONSE = 0x8180,   /* QR RD RA */
  F_AA = 0x0400,
  F_TC = 0x0200,
  F_AD = 0x0020,
};

static void put_u8(GByteArray *b, guint8 v)
{
  g_byte_array_append(b, &v, 1);
}

static void put_u16(GByteArray *b, guint16 v)
{
  put_u8(b, (guint8) (v >> 8));
  put_u8(b, (guint8) v);
}

static void put_u32(GByteArray *b, guint32 v)
{
  put_u16(b, (guint16) (v >> 16));
  put_u16(b, (guint16) v);
}

/* Writes a name uncompressed; "." is the root. */
static void put_name(GByteArray *b, const char *name)
{
  if (strcmp(name, ".") != 0) {
    g_auto(GStrv) labels = g_strsplit(name, ".", -1);
    for (char **l = labels; *l; l++) {
      put_u8(b, (guint8) strlen(*l));
      g_byte_array_append(b, (const guint8 *) *l, (guint) strlen(*l));
    }
  }
  put_u8(b, 0);
}

static guint name_octets(const char *name)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  put_name(b, name);
  return b->len;
}

static void put_header(GByteArray *b, guint16 flags, guint16 qd, guint16 an, guint16 ns,
                       guint16 ar)
{
  put_u16(b, 0x4242);
  put_u16(b, flags);
  put_u16(b, qd);
  put_u16(b, an);
  put_u16(b, ns);
  put_u16(b, ar);
}

static void put_question_type(GByteArray *b, const char *qname, guint16 qtype)
{
  put_name(b, qname);
  put_u16(b, qtype);
  put_u16(b, 1);
}

static void put_question(GByteArray *b, const char *qname)
{
  put_question_type(b, qname, T_TXT);
}

static void put_rr_head(GByteArray *b, const char *owner, guint16 type, guint32 ttl,
                        guint16 rdlength)
{
  put_name(b, owner);
  put_u16(b, type);
  put_u16(b, 1);
  put_u32(b, ttl);
  put_u16(b, rdlength);
}

static void put_cname(GByteArray *b, const char *owner, const char *target, guint32 ttl)
{
  put_rr_head(b, owner, T_CNAME, ttl, (guint16) name_octets(target));
  put_name(b, target);
}

/* strings separated by '|' ("" is one empty string) */
static void put_txt(GByteArray *b, const char *owner, guint32 ttl, const char *strings)
{
  g_auto(GStrv) parts = g_strsplit(strings, "|", -1);
  guint len = 0;
  for (char **p = parts; *p; p++)
    len += 1 + (guint) strlen(*p);
  if (!parts[0])
    len = 1; /* "" splits into no parts: one empty string */
  put_rr_head(b, owner, T_TXT, ttl, (guint16) len);
  if (!parts[0])
    put_u8(b, 0);
  for (char **p = parts; *p; p++) {
    put_u8(b, (guint8) strlen(*p));
    g_byte_array_append(b, (const guint8 *) *p, (guint) strlen(*p));
  }
}

static void put_soa(GByteArray *b, const char *owner, const char *mname, guint32 ttl,
                    guint32 minimum)
{
  put_rr_head(b, owner, T_SOA, ttl,
              (guint16) (name_octets(mname) + name_octets("hostmaster.invalid") + 20));
  put_name(b, mname);
  put_name(b, "hostmaster.invalid");
  put_u32(b, 2024010101);
  put_u32(b, 3600);
  put_u32(b, 600);
  put_u32(b, 86400);
  put_u32(b, minimum);
}

static GByteArray *bytes_of(const guint8 *data, gsize len)
{
  GByteArray *b = g_byte_array_new();
  g_byte_array_append(b, data, (guint) len);
  return b;
}

/* ---------------------------------------------------------- the packets */

/* A key record, the answer's owner compressed to the question name. */
static const guint8 direct_packet[] = {
  0x12, 0x34, 0x85, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
  /* question at 12: k._domainkey.ex.com TXT IN */
  0x01, 'k', 0x0a, '_', 'd', 'o', 'm', 'a', 'i', 'n', 'k', 'e', 'y',
  0x02, 'e', 'x', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x10, 0x00, 0x01,
  /* answer: ptr to 12, TXT IN, TTL 300, RDLENGTH 12 */
  0xc0, 0x0c, 0x00, 0x10, 0x00, 0x01, 0x00, 0x00, 0x01, 0x2c, 0x00, 0x0c,
  0x0b, 'v', '=', 'D', 'K', 'I', 'M', '1', ';', ' ', 'p', '=',
};

/* NXDOMAIN with the zone's SOA; names compressed to "ex.com" at 25. */
static const guint8 nxdomain_packet[] = {
  0x12, 0x34, 0x85, 0x83, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
  0x01, 'k', 0x0a, '_', 'd', 'o', 'm', 'a', 'i', 'n', 'k', 'e', 'y',
  0x02, 'e', 'x', 0x03, 'c', 'o', 'm', 0x00, 0x00, 0x10, 0x00, 0x01,
  /* authority: ex.com SOA IN TTL 3600 RDLENGTH 29 */
  0xc0, 0x19, 0x00, 0x06, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x1d,
  0x02, 'n', 's', 0xc0, 0x19,          /* mname ns.ex.com */
  0x01, 'h', 0xc0, 0x19,               /* rname h.ex.com */
  0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x0e, 0x10, 0x00, 0x00, 0x02, 0x58,
  0x00, 0x09, 0x3a, 0x80, 0x00, 0x00, 0x01, 0x2c, /* ... minimum 300 */
};

static GByteArray *pkt_direct(void)
{
  return bytes_of(direct_packet, sizeof direct_packet);
}

static GByteArray *pkt_nxdomain(void)
{
  return bytes_of(nxdomain_packet, sizeof nxdomain_packet);
}

/* The key behind two CNAMEs, listed key first and the chain backwards. */
static GByteArray *pkt_chain_out_of_order(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 4, 0, 0);
  put_question(b, "s._domainkey.a.example");
  put_txt(b, "Key.Example.NET", 60, "v=DKIM1; p=QUJD");
  put_cname(b, "hop.b.example", "key.example.net", 120);
  put_txt(b, "unrelated.example", 60, "not this one");
  put_cname(b, "s._domainkey.a.example", "hop.b.example", 300);
  return b;
}

static GByteArray *pkt_loop(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 3, 0, 0);
  put_question(b, "a.example");
  put_cname(b, "b.example", "a.example", 10);
  put_cname(b, "a.example", "b.example", 10);
  put_txt(b, "a.example", 10, "ignored: a CNAME owner has no other data");
  return b;
}

static GByteArray *pkt_too_long(void)
{
  guint hops = DKS_MAX_CNAME_HOPS + 1;
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, (guint16) (hops + 1), 0, 0);
  put_question(b, "h0.example");
  for (guint i = 0; i < hops; i++) {
    g_autofree char *owner = g_strdup_printf("h%u.example", i);
    g_autofree char *target = g_strdup_printf("h%u.example", i + 1);
    put_cname(b, owner, target, 5);
  }
  g_autofree char *last = g_strdup_printf("h%u.example", hops);
  put_txt(b, last, 5, "v=DKIM1; p=");
  return b;
}

static GByteArray *pkt_split(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE | F_AA, 1, 1, 0, 0);
  put_question(b, "s._domainkey.example.com");
  put_txt(b, "s._domainkey.example.com", 3600, "v=DKIM1; k=rsa; |p=MIIB|IjAN");
  return b;
}

static GByteArray *pkt_empty_string(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 1, 0, 0);
  put_question(b, "e._domainkey.example.com");
  put_txt(b, "e._domainkey.example.com", 60, "");
  return b;
}

static GByteArray *pkt_nodata(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE | F_AA, 1, 1, 1, 0);
  put_question(b, "n._domainkey.example.com");
  put_cname(b, "n._domainkey.example.com", "target.example.org", 30);
  put_soa(b, "example.org", "ns1.example.org", 900, 60);
  return b;
}

static GByteArray *pkt_too_many_txt(void)
{
  guint n = DKS_MAX_TXT_RECORDS + 2;
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, (guint16) n, 0, 0);
  put_question(b, "many.example");
  for (guint i = 0; i < n; i++) {
    g_autofree char *text = g_strdup_printf("r%u", i);
    put_txt(b, "many.example", 1, text);
  }
  return b;
}

/* The root as SOA owner, an OPT carrying BADVERS's upper bits, TC set. */
static GByteArray *pkt_badvers_truncated(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE | F_TC, 1, 0, 1, 1);
  put_question(b, "x.example");
  put_soa(b, ".", "a.root-servers.net", 86400, 0);
  put_rr_head(b, ".", T_OPT, 0x01000000, 0); /* extended rcode 1 → 16 */
  return b;
}

/* A validating resolver's answer: AD set, AA not. */
static GByteArray *pkt_authentic(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE | F_AD, 1, 1, 0, 0);
  put_question(b, "s.example");
  put_txt(b, "s.example", 300, "v=DKIM1");
  return b;
}

/* Other record types in every section are skipped. */
static GByteArray *pkt_other_types(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 2, 1, 1);
  put_question(b, "t.example");
  put_rr_head(b, "t.example", T_A, 60, 4);
  put_u32(b, 0xc0000201);
  put_txt(b, "T.EXAMPLE", 60, "hello");
  put_rr_head(b, "example", 2 /* NS */, 60, (guint16) name_octets("ns.example"));
  put_name(b, "ns.example");
  put_rr_head(b, "ns.example", T_A, 60, 4);
  put_u32(b, 0xc0000202);
  return b;
}

/* A DNSKEY (RFC 4034 §2.1): flags, protocol 3, algorithm, a short key. */
static void put_dnskey(GByteArray *b, const char *owner, guint16 flags)
{
  put_rr_head(b, owner, T_DNSKEY, 3600, 8);
  put_u16(b, flags);
  put_u8(b, 3);
  put_u8(b, 13);
  put_u32(b, 0x01020304);
}

/* An RRSIG (RFC 4034 §3.1) covering `covered`, signed by signer. */
static void put_rrsig(GByteArray *b, const char *owner, guint16 covered, const char *signer)
{
  put_rr_head(b, owner, T_RRSIG, 3600, (guint16) (18 + name_octets(signer) + 4));
  put_u16(b, covered);
  put_u8(b, 13);                 /* algorithm */
  put_u8(b, 0);                  /* labels */
  put_u32(b, 3600);              /* original TTL */
  put_u32(b, 1767225600);        /* expiration */
  put_u32(b, 1735689600);        /* inception */
  put_u16(b, 20326);             /* key tag */
  put_name(b, signer);
  put_u32(b, 0xdeadbeef);        /* signature */
}

/* The root's DNSKEY RRset with its signature, as a resolver that passes
 * DNSSEC hands it on: what counts is the question name's DNSKEYs and the
 * RRSIGs covering DNSKEY; another type's RRSIG, another owner's DNSKEY and
 * an RRSIG too short for its fixed part do not. */
static GByteArray *pkt_dnskey_signed(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 6, 0, 1);
  put_question_type(b, ".", T_DNSKEY);
  put_dnskey(b, ".", 257);
  put_dnskey(b, ".", 256);
  put_rrsig(b, ".", T_DNSKEY, ".");
  put_rrsig(b, ".", T_SOA, ".");
  put_dnskey(b, "example", 256);
  put_rr_head(b, ".", T_RRSIG, 3600, 2); /* covers DNSKEY, but 2 octets */
  put_u16(b, T_DNSKEY);
  put_rr_head(b, ".", T_OPT, 0x00008000, 0); /* DO */
  return b;
}

/* The same from a path that strips signatures and has no EDNS. */
static GByteArray *pkt_dnskey_stripped(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 2, 0, 0);
  put_question_type(b, ".", T_DNSKEY);
  put_dnskey(b, ".", 257);
  put_dnskey(b, ".", 256);
  return b;
}

/* -------------------------------------------------------- bad packets */

static GByteArray *bad_short_header(void)
{
  return bytes_of(direct_packet, 11);
}

static GByteArray *bad_query_not_response(void)
{
  GByteArray *b = pkt_direct();
  b->data[2] &= 0x7f;
  return b;
}

static GByteArray *bad_pointer_to_itself(void)
{
  GByteArray *b = pkt_direct();
  b->data[38] = 0x25; /* the answer's owner pointer now points at itself (37) */
  return b;
}

static GByteArray *bad_pointer_forward(void)
{
  GByteArray *b = pkt_direct();
  b->data[38] = 0x30; /* past itself */
  return b;
}

static GByteArray *bad_label_type(void)
{
  GByteArray *b = pkt_direct();
  b->data[12] = 0x41; /* 01xxxxxx: the extended label type */
  return b;
}

static GByteArray *bad_txt_overrun(void)
{
  GByteArray *b = pkt_direct();
  b->data[49] = 0x0c; /* the string says 12 octets, RDLENGTH leaves 11 */
  return b;
}

static GByteArray *bad_txt_no_string(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 1, 0, 0);
  put_question(b, "z.example");
  put_rr_head(b, "z.example", T_TXT, 1, 0);
  return b;
}

static GByteArray *bad_cname_rdlength(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 1, 0, 0);
  put_question(b, "c.example");
  put_rr_head(b, "c.example", T_CNAME, 1, (guint16) (name_octets("d.example") + 2));
  put_name(b, "d.example");
  put_u16(b, 0xdead);
  return b;
}

static GByteArray *bad_question_mismatch(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 0, 0, 0);
  put_question(b, "other.example");
  return b;
}

static GByteArray *bad_two_questions(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 2, 0, 0, 0);
  put_question(b, "q.example");
  put_question(b, "q.example");
  return b;
}

static GByteArray *bad_name_too_long(void)
{
  GByteArray *b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 0, 0, 0);
  for (guint i = 0; i < 5; i++) { /* 5 × 64 octets > 255 */
    put_u8(b, 63);
    for (guint j = 0; j < 63; j++)
      put_u8(b, 'a');
  }
  put_u8(b, 0);
  put_u16(b, T_TXT);
  put_u16(b, 1);
  return b;
}

static GByteArray *bad_counts_lie(void)
{
  GByteArray *b = pkt_direct();
  b->data[7] = 0x05; /* ANCOUNT 5, one record present */
  return b;
}

static GByteArray *bad_soa_short(void)
{
  GByteArray *b = pkt_nxdomain();
  b->data[48] = 0x1c; /* RDLENGTH one short of what the SOA's fields take */
  return b;
}

/* ----------------------------------------------------------- the table */

typedef struct {
  const char *name;
  GByteArray *(*build)(void);
  const char *qname;
  const char *error;      /* a part of the error message, or NULL */
  int rcode;
  gboolean truncated, authoritative;
  const char *chain;      /* "owner>target/ttl ..." */
  gboolean loop, too_long;
  const char *txt;        /* records " | ", strings quoted, joined by "+" */
  guint txt_dropped;
  const char *soa;        /* "owner mname ttl minimum" */
  gboolean authentic_data;
} PacketCase;

#define BAD(n, b, q, e) { .name = n, .build = b, .qname = q, .error = e }

static const PacketCase packet_cases[] = {
  { "direct", pkt_direct, "K._domainkey.EX.com.", NULL, 0, FALSE, TRUE, "",
    FALSE, FALSE, "\"v=DKIM1; p=\"", 0, NULL, FALSE },
  { "nxdomain-soa", pkt_nxdomain, "k._domainkey.ex.com", NULL, 3, FALSE, TRUE, "",
    FALSE, FALSE, "", 0, "ex.com ns.ex.com 3600 300", FALSE },
  { "chain-out-of-order", pkt_chain_out_of_order, "s._domainkey.a.example", NULL, 0,
    FALSE, FALSE,
    "s._domainkey.a.example>hop.b.example/300 hop.b.example>key.example.net/120",
    FALSE, FALSE, "\"v=DKIM1; p=QUJD\"", 0, NULL, FALSE },
  { "loop", pkt_loop, "a.example", NULL, 0, FALSE, FALSE,
    "a.example>b.example/10 b.example>a.example/10", TRUE, FALSE, "", 0, NULL, FALSE },
  { "too-long", pkt_too_long, "h0.example", NULL, 0, FALSE, FALSE,
    "h0.example>h1.example/5 h1.example>h2.example/5 h2.example>h3.example/5 "
    "h3.example>h4.example/5 h4.example>h5.example/5 h5.example>h6.example/5 "
    "h6.example>h7.example/5 h7.example>h8.example/5 h8.example>h9.example/5 "
    "h9.example>h10.example/5 h10.example>h11.example/5 h11.example>h12.example/5 "
    "h12.example>h13.example/5 h13.example>h14.example/5 h14.example>h15.example/5 "
    "h15.example>h16.example/5", FALSE, TRUE, "", 0, NULL, FALSE },
  { "txt-split", pkt_split, "s._domainkey.example.com", NULL, 0, FALSE, TRUE, "",
    FALSE, FALSE, "\"v=DKIM1; k=rsa; \"+\"p=MIIB\"+\"IjAN\"", 0, NULL, FALSE },
  { "txt-empty-string", pkt_empty_string, "e._domainkey.example.com", NULL, 0, FALSE,
    FALSE, "", FALSE, FALSE, "\"\"", 0, NULL, FALSE },
  { "nodata-after-cname", pkt_nodata, "n._domainkey.example.com", NULL, 0, FALSE, TRUE,
    "n._domainkey.example.com>target.example.org/30", FALSE, FALSE, "", 0,
    "example.org ns1.example.org 900 60", FALSE },
  { "txt-cap", pkt_too_many_txt, "many.example", NULL, 0, FALSE, FALSE, "", FALSE, FALSE,
    "\"r0\" | \"r1\" | \"r2\" | \"r3\" | \"r4\" | \"r5\" | \"r6\" | \"r7\" | \"r8\" | "
    "\"r9\" | \"r10\" | \"r11\" | \"r12\" | \"r13\" | \"r14\" | \"r15\"", 2, NULL, FALSE },
  { "badvers-tc-root-soa", pkt_badvers_truncated, "x.example", NULL, 16, TRUE, FALSE, "",
    FALSE, FALSE, "", 0, ". a.root-servers.net 86400 0", FALSE },
  { "authentic-data", pkt_authentic, "s.example", NULL, 0, FALSE, FALSE, "", FALSE, FALSE,
    "\"v=DKIM1\"", 0, NULL, TRUE },
  { "other-types-skipped", pkt_other_types, "t.example", NULL, 0, FALSE, FALSE, "",
    FALSE, FALSE, "\"hello\"", 0, NULL, FALSE },
  { "dnskey-signed", pkt_dnskey_signed, ".", NULL, 0, FALSE, FALSE, "", FALSE, FALSE, "",
    0, NULL, FALSE },
  { "dnskey-stripped", pkt_dnskey_stripped, ".", NULL, 0, FALSE, FALSE, "", FALSE, FALSE,
    "", 0, NULL, FALSE },

  BAD("short-header", bad_short_header, "k._domainkey.ex.com", "header counts"),
  BAD("query-not-response", bad_query_not_response, "k._domainkey.ex.com", "QR"),
  BAD("pointer-to-itself", bad_pointer_to_itself, "k._domainkey.ex.com",
      "compression pointer to an earlier name"),
  BAD("pointer-forward", bad_pointer_forward, "k._domainkey.ex.com",
      "compression pointer to an earlier name"),
  BAD("label-type", bad_label_type, "k._domainkey.ex.com", "label type 0x40"),
  BAD("txt-overrun", bad_txt_overrun, "k._domainkey.ex.com", "runs past RDLENGTH"),
  BAD("txt-no-string", bad_txt_no_string, "z.example", "at least one character-string"),
  BAD("cname-rdlength", bad_cname_rdlength, "c.example", "RDLENGTH says"),
  BAD("question-mismatch", bad_question_mismatch, "q.example", "want 'q.example'"),
  BAD("two-questions", bad_two_questions, "q.example", "QDCOUNT"),
  BAD("name-too-long", bad_name_too_long, "q.example", "at most 255 octets"),
  BAD("counts-lie", bad_counts_lie, "k._domainkey.ex.com", "answer record owner"),
  BAD("soa-short", bad_soa_short, "k._domainkey.ex.com", "SOA: RDLENGTH says 28"),
  BAD("bad-qname", pkt_direct, "a..b", "empty label"),
};

static char *describe_chain(const GPtrArray *chain)
{
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; i < chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(chain, i);
    g_string_append_printf(s, "%s%s>%s/%u", i ? " " : "", hop->owner, hop->target, hop->ttl);
  }
  return g_string_free(g_steal_pointer(&s), FALSE);
}

/* Also checks that joined is the strings with nothing in between. */
static char *describe_txt(const GPtrArray *txt)
{
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; i < txt->len; i++) {
    const DksTxtRecord *rec = g_ptr_array_index(txt, i);
    g_autoptr(GByteArray) concat = g_byte_array_new();
    if (i)
      g_string_append(s, " | ");
    for (guint j = 0; j < rec->strings->len; j++) {
      gsize n = 0;
      const guint8 *data = g_bytes_get_data(g_ptr_array_index(rec->strings, j), &n);
      g_string_append_printf(s, "%s\"%.*s\"", j ? "+" : "", (int) n, (const char *) data);
      if (n)
        g_byte_array_append(concat, data, (guint) n);
    }
    gsize joined_len = 0;
    const guint8 *joined = g_bytes_get_data(rec->joined, &joined_len);
    g_assert_cmpmem(joined, joined_len, concat->data, concat->len);
  }
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static void packet_one(const PacketCase *c)
{
  g_autoptr(GByteArray) wire = c->build();
  g_autoptr(GError) error = NULL;
  g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(wire->data, wire->len, c->qname, &error);
  if (c->error) {
    g_assert_null(pkt);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    if (!strstr(error->message, c->error))
      g_error("%s: want an error with '%s', have '%s'", c->name, c->error, error->message);
    return;
  }
  if (!pkt)
    g_error("%s: want a parse, have error '%s'", c->name, error->message);
  g_assert_no_error(error);
  g_assert_cmpint(pkt->rcode, ==, c->rcode);
  g_assert_cmpint(pkt->truncated, ==, c->truncated);
  g_assert_cmpint(pkt->authoritative, ==, c->authoritative);
  g_assert_cmpint(pkt->authentic_data, ==, c->authentic_data);
  g_assert_cmpuint(pkt->size, ==, wire->len);
  g_autofree char *chain = describe_chain(pkt->cname_chain);
  g_assert_cmpstr(chain, ==, c->chain);
  g_assert_cmpint(pkt->cname_loop, ==, c->loop);
  g_assert_cmpint(pkt->cname_too_long, ==, c->too_long);
  g_autofree char *txt = describe_txt(pkt->txt);
  g_assert_cmpstr(txt, ==, c->txt);
  g_assert_cmpuint(pkt->txt_dropped, ==, c->txt_dropped);
  g_autofree char *soa = pkt->soa_owner
      ? g_strdup_printf("%s %s %u %u", pkt->soa_owner, pkt->soa_mname, pkt->soa_ttl,
                        pkt->soa_minimum)
      : NULL;
  g_assert_cmpstr(soa, ==, c->soa);
}

static void test_packets(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(packet_cases); i++) {
    g_test_message("case %s", packet_cases[i].name);
    packet_one(&packet_cases[i]);
  }
}

/* What the DNSSEC path check reads: the question's type, whether EDNS came
 * back, the question name's DNSKEYs and the RRSIGs that cover them. */
typedef struct {
  GByteArray *(*build)(void);
  const char *qname;
  const char *want; /* "QTYPE edns|- DNSKEYs RRSIGs" */
} DnssecCountCase;

static void test_dnssec_counts(void)
{
  static const DnssecCountCase cases[] = {
    { pkt_dnskey_signed, ".", "48 edns 2 1" },
    { pkt_dnskey_stripped, ".", "48 - 2 0" },
    { pkt_badvers_truncated, "x.example", "16 edns 0 0" },
    { pkt_other_types, "t.example", "16 - 0 0" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GByteArray) wire = cases[i].build();
    g_autoptr(GError) error = NULL;
    g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(wire->data, wire->len, cases[i].qname,
                                                       &error);
    g_assert_no_error(error);
    g_autofree char *got = g_strdup_printf("%u %s %u %u", pkt->question_type,
                                           pkt->has_edns ? "edns" : "-", pkt->dnskey_count,
                                           pkt->dnskey_rrsig_count);
    g_assert_cmpstr(got, ==, cases[i].want);
  }
}

/* The TXT owner is matched after following the chain: TXT records of the
 * names along the way are not the key. */
static void test_txt_owner_after_chain(void)
{
  g_autoptr(GByteArray) b = g_byte_array_new();
  put_header(b, F_RESPONSE, 1, 3, 0, 0);
  put_question(b, "a.example");
  put_txt(b, "b.example", 1, "middle");
  put_cname(b, "a.example", "b.example", 1);
  put_cname(b, "b.example", "c.example", 1);
  g_autoptr(GError) error = NULL;
  g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(b->data, b->len, "a.example", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(pkt->cname_chain->len, ==, 2);
  g_assert_cmpuint(pkt->txt->len, ==, 0);
}

/* Parses one (possibly broken) packet: a result or an error, never both,
 * never neither. */
static void parse_must_not_crash(const guint8 *data, gsize len, const char *qname)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(data, len, qname, &error);
  g_assert_true((pkt == NULL) != (error == NULL));
  if (error)
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
}

static void test_every_truncation(void)
{
  for (guint i = 0; i < G_N_ELEMENTS(packet_cases); i++) {
    const PacketCase *c = &packet_cases[i];
    if (c->error)
      continue;
    g_autoptr(GByteArray) wire = c->build();
    for (gsize len = 0; len < wire->len; len++) {
      /* a copy of exactly len octets, so ASan sees any over-read */
      g_autofree guint8 *prefix = g_memdup2(wire->data, len ? len : 1);
      parse_must_not_crash(prefix, len, c->qname);
    }
  }
}

static void test_corruptions(void)
{
  static const guint8 values[] = { 0x00, 0x01, 0x3f, 0x40, 0x80, 0xc0, 0xc1, 0xff };
  for (guint i = 0; i < G_N_ELEMENTS(packet_cases); i++) {
    const PacketCase *c = &packet_cases[i];
    if (c->error)
      continue;
    g_autoptr(GByteArray) wire = c->build();
    for (gsize pos = 0; pos < wire->len; pos++) {
      for (guint v = 0; v < G_N_ELEMENTS(values); v++) {
        g_autofree guint8 *copy = g_memdup2(wire->data, wire->len);
        copy[pos] = values[v];
        parse_must_not_crash(copy, wire->len, c->qname);
      }
    }
  }
}

/* ------------------------------------------------------------- names */

typedef struct {
  const char *input;
  const char *canonical; /* NULL: invalid */
} NameCase;

static void name_one(const NameCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *got = dks_dns_name_canonical(c->input, &error);
  g_assert_cmpstr(got, ==, c->canonical);
  if (!c->canonical)
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  else
    g_assert_no_error(error);
}

static void test_names(void)
{
  g_autofree char *label63 = g_strnfill(63, 'a');
  g_autofree char *label64 = g_strnfill(64, 'a');
  g_autofree char *label61 = g_strnfill(61, 'b');
  g_autofree char *label62 = g_strnfill(62, 'b');
  /* 253 characters are 255 octets on the wire: the longest name */
  g_autofree char *name253 = g_strdup_printf("%s.%s.%s.%s", label63, label63, label63,
                                             label61);
  g_autofree char *name254 = g_strdup_printf("%s.%s.%s.%s", label63, label63, label63,
                                             label62);
  const NameCase cases[] = {
    { "Sel._DomainKey.Example.COM.", "sel._domainkey.example.com" },
    { "example.com", "example.com" },
    { ".", "." },
    { "a\\.b.example", "a\\.b.example" },
    { "\\065\\066c.example", "abc.example" },
    { "sp\\032ace.example", "sp\\032ace.example" },
    { "back\\\\slash", "back\\\\slash" },
    { label63, label63 },
    { name253, name253 },
    { "", NULL },
    { "..", NULL },
    { "a..b", NULL },
    { ".a", NULL },
    { label64, NULL },
    { name254, NULL },
    { "a\\", NULL },
    { "a\\256", NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    name_one(&cases[i]);
}

/* Queries: the exact octets, and a query turned into a response parses
 * back to the same question. */
typedef struct {
  const char *qname;
  guint16 qtype, id, flags, edns;
  const char *hex; /* the whole packet; NULL: an invalid name */
  guint16 edns_flags; /* 0: dks_dns_query_new */
} QueryCase;

static void query_one(const QueryCase *c)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) query = c->edns_flags
      ? dks_dns_query_new_edns(c->qname, c->qtype, c->id, c->flags, c->edns, c->edns_flags,
                               &error)
      : dks_dns_query_new(c->qname, c->qtype, c->id, c->flags, c->edns, &error);
  if (!c->hex) {
    g_assert_null(query);
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
    return;
  }
  g_assert_no_error(error);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(query, &len);
  g_autoptr(GString) hex = g_string_new(NULL);
  for (gsize i = 0; i < len; i++)
    g_string_append_printf(hex, "%02x", data[i]);
  g_assert_cmpstr(hex->str, ==, c->hex);

  g_autoptr(GByteArray) response = g_byte_array_new();
  g_byte_array_append(response, data, (guint) len);
  response->data[2] |= 0x80; /* QR */
  g_autoptr(DksDnsPacket) pkt = dks_dns_packet_parse(response->data, response->len, c->qname,
                                                     &error);
  g_assert_no_error(error);
  g_assert_nonnull(pkt);
  g_assert_cmpint(pkt->authentic_data, ==, (c->flags & DKS_DNS_FLAG_AD) != 0);
  g_assert_cmpuint(pkt->question_type, ==, c->qtype);
  g_assert_cmpint(pkt->has_edns, ==, c->edns > 0);
}

static void test_queries(void)
{
  static const QueryCase cases[] = {
    { "s._domainkey.Ex.com", T_TXT, 0x1234, DKS_DNS_FLAG_RD | DKS_DNS_FLAG_AD, 1232,
      "123401200001000000000001"
      "01730a5f646f6d61696e6b657902457803636f6d00" "00100001"
      "00" "0029" "04d0" "0000" "0000" "0000", 0 },
    { ".", T_SOA, 1, 0, 0, "000100000001000000000000" "00" "00060001", 0 },
    { "a\\.b.\\065x", T_TXT, 0xffff, 0x8000 | DKS_DNS_FLAG_RD, 100,
      "ffff01000001000000000001" "03612e62024178" "00" "00100001"
      "00" "0029" "0200" "0000" "0000" "0000", 0 },
    { "a..b", T_TXT, 1, 0, 0, NULL, 0 },
    /* the DNSSEC path check's question: RD, CD, and DO in the OPT TTL */
    { ".", T_DNSKEY, 0xbeef, DKS_DNS_FLAG_RD | DKS_DNS_FLAG_CD, 1232,
      "beef01100001000000000001" "00" "00300001" "00" "0029" "04d0" "0000" "8000" "0000",
      DKS_DNS_EDNS_DO },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    query_one(&cases[i]);
}

static void test_rcode_names(void)
{
  g_assert_cmpstr(dks_dns_rcode_name(0), ==, "NOERROR");
  g_assert_cmpstr(dks_dns_rcode_name(2), ==, "SERVFAIL");
  g_assert_cmpstr(dks_dns_rcode_name(3), ==, "NXDOMAIN");
  g_assert_cmpstr(dks_dns_rcode_name(5), ==, "REFUSED");
  g_assert_cmpstr(dks_dns_rcode_name(16), ==, "BADVERS");
  g_assert_cmpstr(dks_dns_rcode_name(12), ==, "unassigned");
  g_assert_cmpstr(dks_dns_rcode_name(-1), ==, "unassigned");
  g_assert_cmpstr(dks_dns_rcode_name(4096), ==, "unassigned");
}

static void test_free_null(void)
{
  dks_dns_packet_free(NULL);
  dks_cname_hop_free(NULL);
  dks_txt_record_free(NULL);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dnswire/packets", test_packets);
  g_test_add_func("/dnswire/dnssec-counts", test_dnssec_counts);
  g_test_add_func("/dnswire/txt-owner-after-chain", test_txt_owner_after_chain);
  g_test_add_func("/dnswire/every-truncation", test_every_truncation);
  g_test_add_func("/dnswire/corruptions", test_corruptions);
  g_test_add_func("/dnswire/names", test_names);
  g_test_add_func("/dnswire/rcode-names", test_rcode_names);
  g_test_add_func("/dnswire/queries", test_queries);
  g_test_add_func("/dnswire/free-null", test_free_null);
  return g_test_run();
}
