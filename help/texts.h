/* texts.h — every user-facing word about a check or a reason, in one
 * place.  Front ends look texts up here; nothing else hard-codes them. */
#pragma once
#include "verify/check.h"
#include "verify/dns.h"

/* Short title of a check ("Key lookup in DNS").  Static string. */
const char *dks_help_check_title(DksCheckId check);

/* What the check verifies, one sentence with its RFC section. */
const char *dks_help_check_purpose(DksCheckId check);

/* One line a support agent can read out for a signature's verdict
 * ("The sender's public key is not published in DNS."). */
const char *dks_help_reason_line(DksReason reason);

/* The RFC 8601 result in plain words ("fail: the signature is broken"). */
const char *dks_help_result_words(DksResult result);

/* The same for a selector looked up with no message: what the key steps
 * alone mean for signatures made with it ("pass: a usable key is
 * published"). */
const char *dks_help_lookup_result_words(DksResult result);

/* Who must act, in words ("the sender's DNS administrator"). */
const char *dks_help_party_words(DksParty party);

/* A DNS outcome in plain words ("does not exist (NXDOMAIN)").  Static. */
const char *dks_help_dns_outcome_words(DksDnsOutcome outcome);

/* Why a receiving server's recorded DKIM result (Authentication-Results)
 * can differ from the live result now, or NULL when they agree.  theirs is
 * the recorded word ("pass", "fail", "permerror", ...).  Static string. */
const char *dks_help_authres_difference(const char *theirs, DksResult ours,
                                        DksReason reason);

/* What the DMARC policy means for this message: policy is p= (or sp=),
 * aligned_pass whether some aligned signature passes.  Static string. */
const char *dks_help_dmarc_meaning(const char *policy, gboolean aligned_pass);

/* What a DKIM-Signature tag (RFC 6376 §3.5; a= also RFC 8301, RFC 8463)
 * is for, one or two sentences for the teaching view, or NULL when name
 * is not a tag RFC 6376 defines.  Tag names are case-sensitive (RFC 6376
 * §3.2): "a" is a tag, "A" is not.  Static string. */
const char *dks_help_signature_tag(const char *name);

/* What a key record tag (RFC 6376 §3.6.1; k= and p= also RFC 8463) is
 * for, or NULL when name is not a key record tag.  Case-sensitive, as
 * above.  Static string. */
const char *dks_help_key_tag(const char *name);

/* What the teaching view says of a tag that neither lookup knows: both
 * tag-lists tell verifiers to ignore unknown tags (RFC 6376 §3.2).
 * Static string. */
const char *dks_help_unknown_tag(void);
