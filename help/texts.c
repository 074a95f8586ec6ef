/* texts.c — the words.  Tables indexed by enum so a new check or reason
 * without text fails the static assertions below, not a user. */
#include "help/texts.h"

#include <string.h>

typedef struct {
  const char *title;
  const char *purpose;
} CheckText;

static const CheckText check_texts[] = {
  [DKS_CHECK_SIGNATURE_SYNTAX] = {"Signature syntax",
    "The DKIM-Signature field is a valid tag-list with every required tag "
    "(v a b bh d h s) and v=1 (RFC 6376 §3.2, §3.5)."},
  [DKS_CHECK_ALGORITHM] = {"Signing algorithm",
    "a= names an algorithm this verifier knows; rsa-sha1 is no longer "
    "acceptable (RFC 6376 §3.3, RFC 8301, RFC 8463)."},
  [DKS_CHECK_IDENTITY] = {"Signing identity",
    "i= (the agent or user identifier) is in d= or one of its subdomains "
    "(RFC 6376 §3.5)."},
  [DKS_CHECK_FROM_SIGNED] = {"From header signed",
    "h= lists the From header field, which a signature must cover "
    "(RFC 6376 §5.4)."},
  [DKS_CHECK_TIMESTAMPS] = {"Signature time",
    "t= (signed at) is not in the future and x= (expires) is not in the past "
    "(RFC 6376 §3.5)."},
  [DKS_CHECK_KEY_LOOKUP] = {"Key lookup in DNS",
    "The public key is fetched as a TXT record at <s>._domainkey.<d> "
    "(RFC 6376 §3.6.2)."},
  [DKS_CHECK_KEY_RECORD] = {"Key record",
    "The TXT record is a valid DKIM key record whose tags allow this "
    "signature (RFC 6376 §3.6.1, RFC 8463 §4)."},
  [DKS_CHECK_KEY_STRENGTH] = {"Key type and size",
    "The key is an Ed25519 key or an RSA key of at least 1024 bits "
    "(RFC 8301 §3.2)."},
  [DKS_CHECK_BODY_HASH] = {"Body hash",
    "The body, canonicalized as c= says and cut at l=, hashes to the value "
    "in bh= (RFC 6376 §3.7)."},
  [DKS_CHECK_HEADER_SIGNATURE] = {"Header signature",
    "b= is a valid signature, by the published key, over the headers listed "
    "in h= and the DKIM-Signature itself (RFC 6376 §3.7, §6.1.3)."},
};
G_STATIC_ASSERT(G_N_ELEMENTS(check_texts) == DKS_CHECK_COUNT);

static const char *const reason_lines[] = {
  [DKS_REASON_NONE] = "Not decided yet.",
  [DKS_REASON_PASS] = "The signature is valid: this domain really signed this message.",
  [DKS_REASON_BODY_HASH_MISMATCH] =
    "The message body was changed after it was signed.",
  [DKS_REASON_SIGNATURE_MISMATCH] =
    "The signed headers were changed after signing, or DNS publishes a "
    "different key than the one that signed.",
  [DKS_REASON_KEY_NOT_FOUND] =
    "The sender's public key is not published in DNS at the selector the "
    "signature names.",
  [DKS_REASON_KEY_REVOKED] =
    "The sender's DNS publishes this selector with an empty key: the key "
    "was revoked.",
  [DKS_REASON_KEY_SYNTAX] =
    "The key record in the sender's DNS is malformed, so no verifier can "
    "use it.",
  [DKS_REASON_KEY_HASH_NOT_ALLOWED] =
    "The key record forbids the hash algorithm this signature uses.",
  [DKS_REASON_KEY_ALGORITHM_MISMATCH] =
    "The key in DNS is of a different type than the signature's algorithm.",
  [DKS_REASON_SIGNATURE_SYNTAX] =
    "The DKIM-Signature header is malformed, so it cannot be checked.",
  [DKS_REASON_ALGORITHM_UNSUPPORTED] =
    "The signature uses an algorithm that DKIM verifiers do not support.",
  [DKS_REASON_FROM_NOT_SIGNED] =
    "The signature does not cover the From header, which DKIM requires.",
  [DKS_REASON_DOMAIN_MISMATCH] =
    "The signing identity (i=) is not within the signing domain (d=), or "
    "the key forbids subdomain identities.",
  [DKS_REASON_L_EXCEEDS_BODY] =
    "The signature claims more body than the message has: the body was "
    "cut short.",
  [DKS_REASON_SIGNATURE_EXPIRED] = "The signature has expired (x= is in the past).",
  [DKS_REASON_SIGNATURE_FUTURE] =
    "The signature claims to be made in the future (t=): the signer's clock "
    "is wrong.",
  [DKS_REASON_ALGORITHM_DEPRECATED] =
    "The signature uses rsa-sha1, which receivers must no longer accept "
    "(RFC 8301).",
  [DKS_REASON_KEY_TOO_SHORT] =
    "The RSA key is shorter than 1024 bits, which receivers must no longer "
    "accept (RFC 8301).",
  [DKS_REASON_DNS_TEMPERROR] =
    "The DNS lookup for the key failed for now; the answer may be different "
    "later.",
  [DKS_REASON_DNSSEC_BOGUS] =
    "The DNS answer for the key failed DNSSEC validation and cannot be "
    "trusted.",
  [DKS_REASON_BODY_NOT_CHECKED] =
    "Only the headers were given: the header signature was checked, the "
    "body could not be.",
};
G_STATIC_ASSERT(G_N_ELEMENTS(reason_lines) == DKS_REASON_COUNT);

const char *
dks_help_check_title(DksCheckId check)
{
  return check < DKS_CHECK_COUNT ? check_texts[check].title : "Unknown check";
}

const char *
dks_help_check_purpose(DksCheckId check)
{
  return check < DKS_CHECK_COUNT ? check_texts[check].purpose : "";
}

const char *
dks_help_reason_line(DksReason reason)
{
  return reason < DKS_REASON_COUNT ? reason_lines[reason] : "";
}

const char *
dks_help_result_words(DksResult result)
{
  switch (result) {
  case DKS_RESULT_PASS: return "pass: the signature verifies";
  case DKS_RESULT_FAIL: return "fail: the signature does not verify";
  case DKS_RESULT_NEUTRAL: return "neutral: the signature could only be checked in part";
  case DKS_RESULT_POLICY: return "policy: valid or not, receivers must reject it (RFC 8301)";
  case DKS_RESULT_TEMPERROR: return "temperror: a temporary failure; try again later";
  case DKS_RESULT_PERMERROR: return "permerror: the signature cannot be checked at all";
  case DKS_RESULT_NONE: break;
  }
  return "none: no DKIM signature";
}

const char *
dks_help_lookup_result_words(DksResult result)
{
  switch (result) {
  case DKS_RESULT_PASS:
    return "pass: a usable key is published; signatures made with it can verify";
  case DKS_RESULT_POLICY:
    return "policy: the key is published, but receivers must not accept "
           "signatures made with it (RFC 8301)";
  case DKS_RESULT_TEMPERROR:
    return "temperror: the key could not be looked up now; try again later";
  case DKS_RESULT_PERMERROR:
    return "permerror: no usable key: every signature with this selector fails "
           "to verify";
  case DKS_RESULT_FAIL:
  case DKS_RESULT_NEUTRAL:
    return dks_help_result_words(result);
  case DKS_RESULT_NONE: break;
  }
  return "none: the lookup has not finished";
}

const char *
dks_help_party_words(DksParty party)
{
  switch (party) {
  case DKS_PARTY_SENDER_DNS: return "the sender's DNS administrator";
  case DKS_PARTY_SENDER_MAIL: return "the sender's mail system or mail provider";
  case DKS_PARTY_INTERMEDIARY: return "a system that changed the message on the way";
  case DKS_PARTY_RECEIVER: return "the receiving side (its DNS resolver)";
  case DKS_PARTY_INPUT: return "nobody upstream: the input given here is incomplete";
  case DKS_PARTY_NONE: break;
  }
  return "nobody";
}

const char *
dks_help_dns_outcome_words(DksDnsOutcome outcome)
{
  switch (outcome) {
  case DKS_DNS_ANSWER: return "answered with TXT data";
  case DKS_DNS_NXDOMAIN: return "does not exist (NXDOMAIN)";
  case DKS_DNS_NODATA: return "exists but has no TXT record (NODATA)";
  case DKS_DNS_SERVFAIL: return "could not be resolved: the resolver answered SERVFAIL";
  case DKS_DNS_REFUSED: return "was refused by the resolver (REFUSED)";
  case DKS_DNS_TIMEOUT: return "got no answer in time (time-out)";
  case DKS_DNS_ERROR: return "could not be looked up (resolver error)";
  case DKS_DNS_CNAME_LOOP: return "leads into a CNAME chain that loops or is too long";
  }
  return "gave an unknown answer";
}

const char *
dks_help_authres_difference(const char *theirs, DksResult ours, DksReason reason)
{
  if (theirs == NULL || g_strcmp0(theirs, dks_result_name(ours)) == 0)
    return NULL;
  gboolean they_passed = g_strcmp0(theirs, "pass") == 0;
  if (they_passed && ours == DKS_RESULT_POLICY)
    return "that server still accepts what RFC 8301 forbids (rsa-sha1 or a short "
           "RSA key); dkimscope enforces RFC 8301";
  if (they_passed && (reason == DKS_REASON_KEY_NOT_FOUND || reason == DKS_REASON_KEY_REVOKED ||
                      reason == DKS_REASON_SIGNATURE_MISMATCH))
    return "the key in DNS has changed or gone since that server checked (a key "
           "rotation or removal), or the message was changed after it arrived there";
  if (they_passed && reason == DKS_REASON_BODY_HASH_MISMATCH)
    return "the message was changed after that server checked it (by a later "
           "hop, a mail client or the copy given here)";
  if (they_passed && reason == DKS_REASON_SIGNATURE_EXPIRED)
    return "the signature was still valid when that server checked it; it has "
           "expired since";
  if (!they_passed && ours == DKS_RESULT_PASS)
    return "the problem was fixed after delivery (for example the key was "
           "published since), or that server's DNS answer was stale or failed";
  if (g_strcmp0(theirs, "temperror") == 0)
    return "that server had a temporary DNS failure; the live lookup did not";
  if (!they_passed && ours != DKS_RESULT_PASS && ours != DKS_RESULT_TEMPERROR)
    return "both say the signature does not verify (servers word the same "
           "failure differently: 'fail' often covers a missing or bad key)";
  return "the two checks ran at different times, with different DNS answers or "
         "policies";
}

const char *
dks_help_dmarc_meaning(const char *policy, gboolean aligned_pass)
{
  if (aligned_pass)
    return "an aligned DKIM signature passes, so DMARC passes on DKIM whatever "
           "the policy";
  if (g_strcmp0(policy, "reject") == 0)
    return "no aligned DKIM signature passes: unless SPF passes aligned, "
           "receivers that enforce DMARC reject this message (p=reject)";
  if (g_strcmp0(policy, "quarantine") == 0)
    return "no aligned DKIM signature passes: unless SPF passes aligned, "
           "receivers that enforce DMARC treat it as suspicious, e.g. the spam "
           "folder (p=quarantine)";
  return "no aligned DKIM signature passes, but p=none asks receivers only to "
         "report, not to act";
}

/* ---------- tags, for the teaching view ---------- */

typedef struct {
  const char *name, *text;
} TagText;

/* RFC 6376 §3.5, every tag it defines. */
static const TagText signature_tags[] = {
  { "v", "Version: must be 1 (RFC 6376 §3.5)." },
  { "a", "The algorithm that made b=: rsa-sha256, or ed25519-sha256 (RFC 8463); "
         "rsa-sha1 is no longer accepted (RFC 8301)." },
  { "b", "The signature itself, in base64: made with the private key over the signed "
         "header fields and this field with b= left empty (bh= in it covers the body)." },
  { "bh", "The body hash, in base64: the hash of the canonicalized body (cut at l= "
          "when there is one)." },
  { "c", "Canonicalization, header/body: simple changes nothing but empty lines at the "
         "end of the body; relaxed also forgives changes of white space, of header "
         "folding and of header name case. One word sets the header part and leaves "
         "the body simple; the default is simple/simple (§3.4)." },
  { "d", "The signing domain: the key is looked up under it, and DMARC compares it "
         "with the From domain." },
  { "h", "The header fields that are signed, in the order they are hashed; each name "
         "takes the lowest field of that name not used yet, and a name with none left "
         "signs its absence (§5.4.2). From must be among them." },
  { "i", "The agent or user identifier: an address in d= or a subdomain of it; "
         "@d= when absent." },
  { "l", "Body length: only this many octets of the canonicalized body are signed; "
         "anything added after them is not covered." },
  { "q", "How to find the key: dns/txt, the default and the only method there is." },
  { "s", "The selector: which of the domain's keys, published at "
         "<s>._domainkey.<d>." },
  { "t", "When it was signed (UNIX time)." },
  { "x", "When it expires (UNIX time): after that, verifiers may treat it as invalid "
         "(dkimscope does); it must be later than t=." },
  { "z", "Copies of some header fields as they were when signed (not necessarily "
         "those in h=): for diagnosis only, never used to verify." },
};

/* RFC 6376 §3.6.1, every tag it defines, with RFC 8463's ed25519. */
static const TagText key_tags[] = {
  { "v", "Version: DKIM1 when present, and then it must be the first tag; a record "
         "with another version is discarded." },
  { "h", "The hash algorithms this key may be used with; any when absent." },
  { "k", "Key type: rsa (the default) or ed25519 (RFC 8463); it must match a= of "
         "the signature." },
  { "n", "Notes for people; verifiers ignore them." },
  { "p", "The public key in base64 (for ed25519 the bare 32-octet key, RFC 8463); "
         "empty means the key was revoked." },
  { "s", "Service types: email or * (any); any when absent." },
  { "t", "Flags: y = the domain is testing DKIM, so verifiers must treat its mail "
         "like unsigned mail, even when the signature fails; s = i= must be in d= "
         "itself, not a subdomain." },
};

static const char *
tag_text(const TagText *table, gsize n, const char *name)
{
  for (gsize i = 0; name != NULL && i < n; i++)
    if (strcmp(table[i].name, name) == 0)
      return table[i].text;
  return NULL;
}

const char *
dks_help_signature_tag(const char *name)
{
  return tag_text(signature_tags, G_N_ELEMENTS(signature_tags), name);
}

const char *
dks_help_key_tag(const char *name)
{
  return tag_text(key_tags, G_N_ELEMENTS(key_tags), name);
}

const char *
dks_help_unknown_tag(void)
{
  return "Not a tag RFC 6376 defines: verifiers ignore it.";
}
