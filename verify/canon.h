/* canon.h — DKIM canonicalization (RFC 6376 §3.4) and the two hashes
 * (§3.7): body hash with l=, and the header hash input.  Works on the raw
 * message bytes; streaming, so a large body costs no copy. */
#pragma once
#include <glib.h>
#include "parse/message.h"
#include "parse/signature.h"

typedef enum { DKS_HASH_SHA1, DKS_HASH_SHA256 } DksHash;

/* The largest digest of a DksHash (SHA-256), for output buffers. */
#define DKS_HASH_MAX_SIZE 32

DksHash dks_algorithm_hash(DksAlgorithm alg);
const char *dks_hash_name(DksHash hash); /* "sha1" / "sha256" */
gsize dks_hash_size(DksHash hash);       /* 20 / 32 */

/* A digest computed piece by piece, which can be copied so that several
 * endings share one hashed prefix (forensics tries each candidate body
 * that way).  Optionally cut at a length like the body hash at l=.  The
 * OpenSSL context stays inside canon.c.  Should OpenSSL fail, the hasher
 * remembers it: updates are then only counted and _finish gives 0, so no
 * digest of a failed hasher can match anything. */
typedef struct DksHasher DksHasher;

/* A new hasher for hash.  Never NULL.  Caller frees with dks_hasher_free. */
DksHasher *dks_hasher_new(DksHash hash);
/* From now on, only the first limit octets fed in total are hashed
 * (RFC 6376 §3.5 l=); the rest is counted, not hashed. */
void dks_hasher_set_limit(DksHasher *hasher, guint64 limit);
void dks_hasher_update(DksHasher *hasher, const void *data, gsize len);
/* Octets fed so far, hashed or (past the limit) only counted. */
guint64 dks_hasher_length(const DksHasher *hasher);
/* An independent hasher in the same state (limit and length included).
 * Never NULL.  Caller frees. */
DksHasher *dks_hasher_copy(const DksHasher *hasher);
/* Writes the digest of what was hashed into out (>= DKS_HASH_MAX_SIZE
 * octets) and returns its length, or 0 when the hasher failed or was
 * finished before: it is spent (copy it first to go on hashing).  out is
 * only written on success. */
gsize dks_hasher_finish(DksHasher *hasher, guint8 *out);
void dks_hasher_free(DksHasher *hasher);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksHasher, dks_hasher_free)

typedef struct {
  guint8 digest[DKS_HASH_MAX_SIZE];
  gsize digest_len;
  guint64 canon_body_len;  /* length of the whole canonicalized body */
  guint64 hashed_len;      /* octets that went into the hash (<= l=) */
  gboolean l_exceeds_body; /* l= larger than the canonicalized body */
} DksBodyHash;

/* Hashes body (len octets, CRLF lines) canonicalized with canon, stopping at
 * limit octets of canonical output when has_limit.  Always succeeds. */
void dks_body_hash(const char *body, gsize len, DksCanon canon, DksHash hash,
                   gboolean has_limit, guint64 limit, DksBodyHash *out);

/* The canonicalized body as bytes (for the teaching view and forensics),
 * cut at max_len.  Caller unrefs. */
GBytes *dks_body_canonicalize(const char *body, gsize len, DksCanon canon,
                              gsize max_len);

/* One header field canonicalized (simple: unchanged + CRLF; relaxed:
 * lower-case name, unfolded, WSP runs to one SP, trimmed, + CRLF). */
void dks_header_canonicalize(const char *raw, gsize raw_len, DksCanon canon,
                             gboolean append_crlf, GString *out);

/* Which header field each h= entry selected (§5.4.2: bottom-up, each
 * instance used once; a name with no instance left selects nothing).  The
 * DKIM-Signature being verified is never selected (it did not exist when
 * it was signed); other DKIM-Signature fields can be. */
typedef struct {
  char *name;       /* the h= entry */
  gint header_index;/* index in msg->headers, or -1 (nonexistent/oversigned) */
} DksSignedField;

/* Builds the exact octets the header hash covers: every selected field
 * canonicalized in h= order, then the DKIM-Signature field itself with the
 * b= value emptied and no trailing CRLF.  fields (if non-NULL) gets a
 * GPtrArray of DksSignedField* (caller unrefs).  Caller unrefs the bytes. */
GBytes *dks_header_hash_input(const DksMessage *msg, const DksSignature *sig,
                              GPtrArray **fields);

void dks_signed_field_free(DksSignedField *field);

/* Digest of data with hash into out (>= DKS_HASH_MAX_SIZE octets);
 * returns its length (0 only if OpenSSL fails). */
gsize dks_digest(DksHash hash, const void *data, gsize len, guint8 *out);
