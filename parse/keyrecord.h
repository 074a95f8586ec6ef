/* keyrecord.h — a DKIM key record from DNS (RFC 6376 §3.6.1, RFC 8463). */
#pragma once
#include <glib.h>
#include "parse/tags.h"

typedef enum {
  DKS_KEY_TYPE_UNKNOWN = 0,
  DKS_KEY_TYPE_RSA,
  DKS_KEY_TYPE_ED25519,
} DksKeyType;

/* Why the record cannot be used, decided while parsing; the first in this
 * order wins. */
typedef enum {
  DKS_KEY_OK = 0,
  DKS_KEY_SYNTAX,   /* tag-list error, v= not DKIM1 or not first, unknown
                       k=, p= missing, p= octets outside base64, s= without
                       email or '*' */
  DKS_KEY_REVOKED,  /* p= present and empty */
} DksKeyProblem;

typedef struct {
  char *text;           /* the record as received, strings joined */
  gsize text_len;       /* may contain NUL octets: use this, not strlen */
  DksTagList *tags;
  GPtrArray *findings;  /* DksFinding* */
  DksKeyProblem problem;

  char *version;        /* v= or NULL */
  DksKeyType key_type;  /* k= (default rsa) */
  char *key_type_name;  /* k= as written, or NULL */
  GPtrArray *hashes;    /* char*: h= list, or NULL when absent (all allowed) */
  GPtrArray *services;  /* char*: s= list, or NULL when absent ("*") */
  gboolean testing;     /* t=y */
  gboolean strict;      /* t=s: i= domain must equal d= */
  char *notes;          /* n= (qp-section decoded when possible) */
  char *p_text;         /* p= as written */
  GBytes *public_key;   /* p= decoded (DER or raw ed25519), NULL when
                           revoked or undecodable */
  gsize p_bad_offset;   /* when p= did not decode: offset of the first bad
                           octet inside p_text */
} DksKeyRecord;

/* Parses a record (bytes, may contain anything).  Never NULL; longer input
 * than DKS_MAX_KEY_RECORD_BYTES becomes one DKS_KEY_SYNTAX finding (text
 * then holds the first DKS_MAX_KEY_RECORD_BYTES octets, tags is empty).
 * Junk in p= (spaces inside is FWS and fine; quotes, backslashes, NBSP,
 * control octets) is named with its position, and the finding says what a
 * lenient verifier would have done.  Caller frees. */
DksKeyRecord *dks_key_record_parse(const char *text, gsize len);

/* TRUE when the record's h= (if any) allows hash ("sha256"/"sha1"). */
gboolean dks_key_record_allows_hash(const DksKeyRecord *key, const char *hash);

void dks_key_record_free(DksKeyRecord *key);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksKeyRecord, dks_key_record_free)

const char *dks_key_type_name(DksKeyType type); /* "rsa", "ed25519", "unknown" */
