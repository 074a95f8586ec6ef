/* limits.h — every cap on input-driven growth, in one place.
 *
 * Mail, pasted text and DNS answers are hostile.  Each loop or buffer whose
 * size the input controls is bounded by one of these numbers; reaching a cap
 * is reported as a finding (the walkthrough goes on), never a crash. */
#pragma once

#define DKS_MAX_MESSAGE_BYTES      (64u * 1024u * 1024u) /* whole input */
#define DKS_MAX_HEADER_FIELDS      10000u  /* header fields kept in the index */
#define DKS_MAX_HEADER_FIELD_BYTES (1024u * 1024u) /* one (folded) field */
#define DKS_MAX_SIGNATURES         50u     /* DKIM-Signature fields evaluated */
#define DKS_MAX_TAGS               64u     /* tags in one tag-list */
#define DKS_MAX_TAG_NAME_BYTES     64u
#define DKS_MAX_SIGNED_HEADERS     256u    /* names in h= */
#define DKS_MAX_COPIED_HEADERS     256u    /* entries in z= */
#define DKS_MAX_KEY_RECORD_BYTES   16384u  /* one TXT record, strings joined */
#define DKS_MAX_TXT_RECORDS        16u     /* TXT records kept from one answer */
#define DKS_MAX_CNAME_HOPS         16u     /* CNAME chain shown / followed */
#define DKS_MAX_DNS_NAME_BYTES     253u    /* RFC 1035 §2.3.4, text form */
#define DKS_MAX_RSA_BITS           16384u  /* larger keys are refused */
#define DKS_MAX_CACHED_KEYS        1024u   /* decoded p= kept for reuse
                                              (verify/crypto.c), failures
                                              included */
#define DKS_MAX_EVIDENCE_LINES     200u    /* per step */
#define DKS_MAX_ZONE_FILES         32u     /* --dns-zone given */
#define DKS_MAX_BATCH_WINDOW       256u    /* messages in flight at once */
#define DKS_MAX_BATCH_WINDOW_BYTES (64u * 1024u * 1024u) /* and their bytes */
#define DKS_MAX_JOBS               64u     /* --jobs */
#define DKS_MAX_SHARED_ANSWERS     16384u  /* DNS answers one resolver keeps
                                              for the rest of the run; past
                                              it, questions are asked anew */
#define DKS_CLOCK_SKEW_SECONDS     300     /* t= this far ahead is tolerated */

/* The interactive view (tui/): how much of the input it shows, and how
 * much the user may type.  None of these changes a verdict. */
/* Header block in the raw view: more than any real message has, while a
 * hostile 60 MB block stays quick to page and search. */
#define DKS_MAX_RAW_VIEW_BYTES     (1024u * 1024u)
/* Canonicalized body shown in the teaching view: a few screens, enough to
 * see what canonicalization did to the first lines. */
#define DKS_MAX_TEACH_BODY_BYTES   4096u
/* Body canonicalized for that view, from a prefix ending at a line end, so
 * a 60 MB body does not delay a frame; the body hash itself always covers
 * the whole body (the pipeline computes it). */
#define DKS_MAX_TEACH_CANON_BYTES  (256u * 1024u)
#define DKS_MAX_SEARCH_BYTES       256u    /* raw view search text: longer
                                              than anything one types */
#define DKS_MAX_PROMPT_BYTES       4096u   /* file name typed at a prompt:
                                              PATH_MAX on Linux */
/* One OSC 52 clipboard sequence, escape and terminator included: tmux
 * silently drops an escape string that does not fit its 1 MiB input
 * buffer (INPUT_BUF_LIMIT), so a longer report is saved instead. */
#define DKS_MAX_OSC52_BYTES        (1024u * 1024u)
