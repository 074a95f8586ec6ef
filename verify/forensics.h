/* forensics.h — when a check fails, find out what changed and who changed
 * it.  Each finding is a "clue": a labelled diagnostic, never a verdict (a
 * clue that says "the signature would verify without the [EXTERNAL] tag"
 * does not make the signature pass).  Pure functions over the message, the
 * signature and (for the header) the key; the key-name probes use DNS and
 * are run by the pipeline. */
#pragma once
#include <glib.h>
#include "parse/message.h"
#include "parse/signature.h"
#include "parse/keyrecord.h"
#include "verify/check.h"
#include "verify/crypto.h"
#include "verify/dns.h"

typedef enum {
  /* body hash mismatch */
  DKS_CLUE_FOOTER_APPENDED = 0, /* body minus N trailing lines matches bh= */
  DKS_CLUE_BODY_PREFIX_L,       /* l= is present: what it covered (only a
                                   prefix is signed; the change is inside it) */
  DKS_CLUE_BARE_LF_DAMAGE,      /* the input had bare LF (pasted/exported) */
  DKS_CLUE_TRAILING_WS_DAMAGE,  /* trailing white space changed (paste) */
  DKS_CLUE_BODY_CHANGED,        /* none of the above explains it */
  /* header signature mismatch, body intact */
  DKS_CLUE_SUBJECT_TAG_ADDED,   /* Subject verifies without "[EXTERNAL] " etc. */
  DKS_CLUE_HEADER_REFOLDED,     /* verifies with the field unfolded/refolded
                                   (simple header canonicalization) */
  DKS_CLUE_COPIED_HEADER_DIFFERS, /* z= copy differs from the field now */
  DKS_CLUE_KEY_MISMATCH,        /* nothing explains it: the published key is
                                   not the signing key */
  /* key missing: owner-name mistakes found in DNS */
  DKS_CLUE_KEY_AT_DOUBLED_DOMAIN,   /* <s>._domainkey.<d>.<d> exists */
  DKS_CLUE_KEY_WITHOUT_UNDERSCORE,  /* <s>.domainkey.<d> exists */
  DKS_CLUE_KEY_AT_PARENT_DOMAIN,    /* <s>._domainkey.<parent of d> exists */
  DKS_CLUE_KEY_AT_CHILD_NAME,       /* e.g. <s>._domainkey.<s>._domainkey.<d> */
  DKS_CLUE_CNAME_TARGET_AS_TXT,     /* a TXT holds a host name, not a key */
  /* key record */
  DKS_CLUE_KEY_JUNK,            /* invisible bytes, quotes, spaces: where */
  DKS_CLUE_KEY_CUT_AT_255,      /* a 2048-bit key cut at a 255-octet string */
  /* time */
  DKS_CLUE_EXPIRED_AFTER_DELIVERY, /* x= was still valid when received */
  /* added after the first contract */
  DKS_CLUE_BANNER_PREPENDED,    /* body minus N leading lines matches bh= */
  DKS_CLUE_HEADER_CHANGED,      /* the published key opens b= (it made the
                                   signature): a signed field changed, not
                                   recognised how (RSA only) */
  DKS_CLUE_KEY_TRUNCATED,       /* p= is the start of a longer RSA key, not
                                   cut at a 255-octet string */
  DKS_CLUE_COUNT
} DksClueKind;

typedef struct {
  DksClueKind kind;
  DksParty party;       /* who this clue points at */
  char *summary;        /* one line, plain words */
  GPtrArray *evidence;  /* char*: facts (lines shown, names found, offsets) */
} DksClue;

void dks_clue_free(DksClue *clue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(DksClue, dks_clue_free)

/* Stable machine name of a clue kind ("footer-appended", ...). */
const char *dks_clue_kind_name(DksClueKind kind);

/* The body did not match bh=: tries a footer appended (the fewest trailing
 * lines, at most 200 within 64 KiB, whose removal makes the body match; the
 * lines are evidence, raw and capped: sanitize on display), a banner put
 * at the top (at most 40 lines, bodies up to 256 KiB), line-end damage
 * (CR CR LF; a body signed with bare LF when the input had bare LF) and
 * trailing white space added or (c=simple, one line) lost.  With l=, adds
 * BODY_PREFIX_L saying what l= covered.  Returns DksClue* (at least one:
 * BODY_CHANGED when nothing explains it; none when the body does match
 * bh=).  Caller unrefs. */
GPtrArray *dks_forensics_body(const DksMessage *msg, const DksSignature *sig);

/* The header signature failed while the body matched (or was not given):
 * re-verifies with common transformations undone (Subject tags such as
 * [EXTERNAL], [SPAM], "*** SPAM ***"; refolded fields; fields that differ
 * from their z= copies) and reports which one explains it.  When none
 * does and the key is RSA, b= is opened with the key
 * (dks_public_key_open): a well-formed PKCS#1 v1.5 block proves this key
 * made the signature, so a header changed (HEADER_CHANGED, party
 * intermediary); anything else proves another key made it (KEY_MISMATCH,
 * stated firmly).  For Ed25519 KEY_MISMATCH stays carefully worded.  Empty
 * array when b= verifies, or without key, b= or the signature's field.
 * Caller unrefs. */
GPtrArray *dks_forensics_header(const DksMessage *msg, const DksSignature *sig,
                                const DksPublicKey *key);

/* The names worth probing when <s>._domainkey.<d> has no key: the usual
 * owner-name mistakes, each with the clue kind it would prove.  The
 * pipeline looks them up and calls dks_forensics_key_probe_clue() on each
 * answer.  Returns DksKeyProbe* (caller unrefs).
 * The names: <s>._domainkey.<d>.<d> (and, when d= has 3+ labels,
 * <s>._domainkey.<d>.<parent of d>) for KEY_AT_DOUBLED_DOMAIN;
 * <s>.domainkey.<d>; <s>._domainkey.<parent of d> (d= with 3+ labels);
 * <s>._domainkey.<s>._domainkey.<d>; and, last, the key name itself for
 * CNAME_TARGET_AS_TXT: the pipeline may hand the key lookup's own answer
 * to dks_forensics_key_probe_clue() for that one instead of asking again
 * (the mistake shows as a key-syntax failure, not a missing key).  Names
 * that would be invalid (too long) are left out. */
typedef struct {
  DksClueKind kind;
  char *name;
  char *key_name;   /* <s>._domainkey.<d>: where verifiers look */
} DksKeyProbe;
GPtrArray *dks_forensics_key_probes(const DksSignature *sig);
void dks_key_probe_free(DksKeyProbe *probe);
/* A clue when the probe's answer shows the mistake (a TXT record there, or
 * for CNAME_TARGET_AS_TXT: the key name's own TXT looks like a host name),
 * else NULL.  Caller frees. */
DksClue *dks_forensics_key_probe_clue(const DksKeyProbe *probe, const DksDnsAnswer *answer);

/* The key record is malformed: shows invisible bytes, quotes, spaces and
 * where decoding fails; names a key cut at 255 octets (a TXT string limit
 * hit by a 2048-bit key pasted as one string).  txt may be NULL.  Returns
 * DksClue* (possibly empty).  Caller unrefs.
 * KEY_JUNK: every octet sequence that does not belong (UTF-8 invisibles
 * such as NBSP, zero-width, BOM, smart quotes; '"', '\\', control and 8-bit
 * octets; non-base64 inside p=) with its offset in the record and in p=;
 * white space inside p= is listed as allowed.  KEY_CUT_AT_255: p= decodes
 * to an RSA DER whose declared length exceeds the data, and a
 * character-string, the record or p= is exactly 255 octets; otherwise the
 * same finding is KEY_TRUNCATED. */
GPtrArray *dks_forensics_key_record(const DksTxtRecord *txt, const DksKeyRecord *key);

/* The time the message was received: the date of the topmost Received
 * field (after its last ';', RFC 5322 §3.3 date-time with the §4.3 obsolete
 * forms, comments allowed, nothing else), or 0 when that field is missing
 * or its date is not exactly such a date.  */
gint64 dks_forensics_received_time(const DksMessage *msg);

/* x= is in the past now: was it still valid when the message arrived?
 * EXPIRED_AFTER_DELIVERY (party none) when x= < now and x= >= the received
 * time; NULL otherwise (also without a received time).  Caller frees. */
DksClue *dks_forensics_expiry(const DksMessage *msg, const DksSignature *sig, gint64 now);
