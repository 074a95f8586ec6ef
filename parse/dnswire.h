/* dnswire.h — reads a DNS response packet (RFC 1035 §4) into plain structs:
 * the CNAME chain hop by hop, the TXT records at its end with every
 * character-string, and the SOA of a negative answer.  Bounded: names,
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
} DksDnsPacket;

/* Parses a response to a TXT query for qname (text form, trailing dot
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

/* A query packet for (qname, qtype, class IN) with the given ID and header
 * flags (QR is never set), and an EDNS OPT record offering edns_size
 * octets (at least 512) when edns_size > 0, no DO bit.  NULL and *error as
 * for dks_dns_name_canonical when qname is no valid name.  Caller unrefs. */
GBytes *dks_dns_query_new(const char *qname, guint16 qtype, guint16 id, guint16 flags,
                          guint16 edns_size, GError **error);

/* The mnemonic of an RCODE (RFC 1035 §4.1.1, RFC 6895 §2.3): "NOERROR",
 * "SERVFAIL", "NXDOMAIN", ...; "unassigned" for codes without one.  Static. */
const char *dks_dns_rcode_name(int rcode);
