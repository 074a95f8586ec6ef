/* dnswire.h — reads a DNS response packet (RFC 1035 §4) into plain structs:
 * the CNAME chain hop by hop, the TXT records at its end with every
 * character-string, the SOA of a negative answer, and whether a DNSKEY
 * RRset came with its signatures.  Bounded: names,
 * record counts and chain length are capped (parse/limits.h); a malformed
 * packet is an error, never an over-read. */
#pragma once
#include <glib.h>

/* Names in these structs are in one canonical text form: ASCII lower-case,
 * no trailing dot, the root itself as ".", and label octets other than
 * printable ASCII escaped as \DDD ('.' and '\' inside a label as "\." and
 * "\\").  Two names are equal exactly when their strings are equal. */

typedef struct {
  char *owner;   /* lower-case, no trailing dot */
  char *target;
  guint32 ttl;
} DksCnameHop;

typedef struct {
  char *owner;
  guint32 ttl;
  GPtrArray *strings; /* GBytes*: each character-string as sent (0..255 octets) */
  GBytes *joined;     /* strings concatenated with nothing between (§3.6.2.2) */
} DksTxtRecord;

typedef struct {
  int rcode;              /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, ... (with the
                             EDNS extended bits when an OPT record is present) */
  gboolean truncated;     /* TC bit */
  gboolean authoritative; /* AA bit */
  gboolean authentic_data;/* AD bit (RFC 4035 §3.2.3): the resolver says it
                             validated every record with DNSSEC */
  gsize size;             /* packet size in octets */
  GPtrArray *cname_chain; /* DksCnameHop*, starting at the query name */
  gboolean cname_loop;    /* the chain came back to a name already seen */
  gboolean cname_too_long;/* more than DKS_MAX_CNAME_HOPS hops */
  GPtrArray *txt;         /* DksTxtRecord* owned by the chain's last name */
  guint txt_dropped;      /* TXT records beyond DKS_MAX_TXT_RECORDS */
  char *soa_owner;        /* SOA in the authority section, or NULL */
  char *soa_mname;
  guint32 soa_ttl;
  guint32 soa_minimum;
  guint16 question_type;  /* the question's QTYPE; 0 when QDCOUNT is 0 */
  gboolean has_edns;      /* an OPT record came back (RFC 6891 §6.1.1): the
                             server took the query's EDNS */
  guint dnskey_count;     /* DNSKEY records owned by the question name in
                             the answer section */
  guint dnskey_rrsig_count; /* RRSIG records there that cover DNSKEY (RFC
                               4034 §3.1.1 Type Covered; shorter than the
                               18-octet fixed part: not counted) */
} DksDnsPacket;

/* Parses a response to a query for qname (TXT, or any type: the records
 * above are read, the others skipped) (text form, trailing dot
 * optional).  Returns NULL and sets *error (G_IO_ERROR_INVALID_DATA) when the
 * packet is malformed.  Caller frees with dks_dns_packet_free. */
DksDnsPacket *dks_dns_packet_parse(const guchar *wire, gsize len,
                                   const char *qname, GError **error);
void dks_dns_packet_free(DksDnsPacket *pkt);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksDnsPacket, dks_dns_packet_free)

void dks_cname_hop_free(DksCnameHop *hop);
void dks_txt_record_free(DksTxtRecord *txt);

/* The canonical form (above) of a name in presentation format (RFC 1035
 * §5.1: "\." and "\DDD" escapes, trailing dot optional).  NULL and *error
 * (G_IO_ERROR_INVALID_DATA) when it is no valid domain name: empty label,
 * label over 63 octets, name over 255 octets, bad escape.  Caller frees. */
char *dks_dns_name_canonical(const char *name, GError **error);

/* Header flags a query may set (RFC 1035 §4.1.1; RFC 6840 §5.7: AD in a
 * query asks a validating resolver to say whether it validated). */
#define DKS_DNS_FLAG_RD 0x0100u
#define DKS_DNS_FLAG_AD 0x0020u
#define DKS_DNS_FLAG_CD 0x0010u /* RFC 4035 §3.2.2: hand on what fails
                                   validation, the asker validates */
/* EDNS flags (the OPT record's TTL field, RFC 6891 §6.1.4): DO asks for
 * DNSSEC records (RFC 3225 §3, RFC 4035 §3.2.1). */
#define DKS_DNS_EDNS_DO 0x8000u

/* A query packet for (qname, qtype, class IN) with the given ID and header
 * flags (QR is never set), and an EDNS OPT record offering edns_size
 * octets (at least 512) when edns_size > 0, no DO bit.  NULL and *error as
 * for dks_dns_name_canonical when qname is no valid name.  Caller unrefs. */
GBytes *dks_dns_query_new(const char *qname, guint16 qtype, guint16 id, guint16 flags,
                          guint16 edns_size, GError **error);
/* The same with edns_flags (DKS_DNS_EDNS_DO) in the OPT record; they need
 * edns_size > 0. */
GBytes *dks_dns_query_new_edns(const char *qname, guint16 qtype, guint16 id, guint16 flags,
                               guint16 edns_size, guint16 edns_flags, GError **error);

/* The mnemonic of an RCODE (RFC 1035 §4.1.1, RFC 6895 §2.3): "NOERROR",
 * "SERVFAIL", "NXDOMAIN", ...; "unassigned" for codes without one.  Static. */
const char *dks_dns_rcode_name(int rcode);
