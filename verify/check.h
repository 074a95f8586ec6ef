/* check.h — the check model: which checks exist, their order, statuses,
 * reasons, results and responsible parties.  Every other module speaks in
 * these enums; their stable machine names (used in JSON) live in check.c. */
#pragma once
#include <glib.h>

/* The walkthrough of one signature, in RFC 6376 §6.1 order: the signature
 * field (6.1.1), then the key (6.1.2), then body and signature (6.1.3). */
typedef enum {
  DKS_CHECK_SIGNATURE_SYNTAX = 0, /* tag-list, required tags, v=1, c=, q= */
  DKS_CHECK_ALGORITHM,            /* a= known; RFC 8301 */
  DKS_CHECK_IDENTITY,             /* i= within d= */
  DKS_CHECK_FROM_SIGNED,          /* From in h= */
  DKS_CHECK_TIMESTAMPS,           /* t= and x= against now */
  DKS_CHECK_KEY_LOOKUP,           /* DNS TXT <s>._domainkey.<d> */
  DKS_CHECK_KEY_RECORD,           /* v k h s t p of the record */
  DKS_CHECK_KEY_STRENGTH,         /* key type and size; RFC 8301 */
  DKS_CHECK_BODY_HASH,            /* canonicalized body vs bh= */
  DKS_CHECK_HEADER_SIGNATURE,     /* b= over the signed headers */
  DKS_CHECK_COUNT
} DksCheckId;

typedef enum {
  DKS_STATUS_PENDING = 0, /* not run yet (waiting for DNS) */
  DKS_STATUS_PASS,
  DKS_STATUS_WARN,        /* fine, with a remark (e.g. t=y testing key) */
  DKS_STATUS_FAIL,
  DKS_STATUS_SKIPPED,     /* an earlier step failed; evidence says which */
  DKS_STATUS_INFO,        /* nothing to judge (e.g. no x= tag) */
} DksStatus;

/* One machine reason per verdict; each belongs to exactly one result. */
typedef enum {
  DKS_REASON_NONE = 0,          /* verdict pending, or a step that passed */
  DKS_REASON_PASS,
  /* fail */
  DKS_REASON_BODY_HASH_MISMATCH,
  DKS_REASON_SIGNATURE_MISMATCH,
  /* permerror */
  DKS_REASON_KEY_NOT_FOUND,
  DKS_REASON_KEY_REVOKED,
  DKS_REASON_KEY_SYNTAX,
  DKS_REASON_KEY_HASH_NOT_ALLOWED,
  DKS_REASON_KEY_ALGORITHM_MISMATCH,
  DKS_REASON_SIGNATURE_SYNTAX,
  DKS_REASON_ALGORITHM_UNSUPPORTED,
  DKS_REASON_FROM_NOT_SIGNED,
  DKS_REASON_DOMAIN_MISMATCH,
  DKS_REASON_L_EXCEEDS_BODY,
  DKS_REASON_SIGNATURE_EXPIRED,
  DKS_REASON_SIGNATURE_FUTURE,
  /* policy (RFC 8301) */
  DKS_REASON_ALGORITHM_DEPRECATED,
  DKS_REASON_KEY_TOO_SHORT,
  /* temperror */
  DKS_REASON_DNS_TEMPERROR,
  DKS_REASON_DNSSEC_BOGUS,
  /* neutral */
  DKS_REASON_BODY_NOT_CHECKED,
  DKS_REASON_COUNT
} DksReason;

/* RFC 8601 §2.7.1 words. */
typedef enum {
  DKS_RESULT_NONE = 0,  /* no signature (message level) / not decided yet */
  DKS_RESULT_PASS,
  DKS_RESULT_FAIL,
  DKS_RESULT_NEUTRAL,
  DKS_RESULT_POLICY,
  DKS_RESULT_TEMPERROR,
  DKS_RESULT_PERMERROR,
} DksResult;

/* Who must act. */
typedef enum {
  DKS_PARTY_NONE = 0,    /* nothing to fix */
  DKS_PARTY_SENDER_DNS,  /* the sender's DNS administrator */
  DKS_PARTY_SENDER_MAIL, /* the sender's mail system or provider */
  DKS_PARTY_INTERMEDIARY,/* a list, forwarder, gateway that changed the mail */
  DKS_PARTY_RECEIVER,    /* the receiving side: resolver, policy */
  DKS_PARTY_INPUT,       /* nobody upstream: the input itself is damaged */
} DksParty;

/* Stable machine names ("signature-syntax", "key-not-found", "permerror",
 * "sender-dns", "pass", ...).  Static strings. */
const char *dks_check_id_name(DksCheckId check);
const char *dks_status_name(DksStatus status);
const char *dks_reason_name(DksReason reason);
const char *dks_result_name(DksResult result);
const char *dks_party_name(DksParty party);

/* The result a reason belongs to (the table in check.c). */
DksResult dks_reason_result(DksReason reason);

/* The party who usually acts on a reason, before forensics refine it. */
DksParty dks_reason_default_party(DksReason reason);

/* TRUE for the checks that need the message itself (every one but the
 * key lookup, the key record and the key's strength): a selector checked
 * with no message has only the three key checks. */
gboolean dks_check_needs_message(DksCheckId check);

/* Status symbol for display: UTF-8 when utf8, ASCII otherwise. */
const char *dks_status_symbol(DksStatus status, gboolean utf8);
