/* check.c — the tables behind check.h: stable machine names, the result
 * each reason belongs to, the party who usually acts on it, and the status
 * symbols.  Every table is indexed by its enum and checked for size at
 * compile time, so adding an enum value without a name fails to build. */
#include "verify/check.h"

#define TABLE_SIZE_IS(table, count)                                       \
  G_STATIC_ASSERT(G_N_ELEMENTS(table) == (count))

static const char *const check_names[] = {
  [DKS_CHECK_SIGNATURE_SYNTAX] = "signature-syntax",
  [DKS_CHECK_ALGORITHM] = "algorithm",
  [DKS_CHECK_IDENTITY] = "identity",
  [DKS_CHECK_FROM_SIGNED] = "from-signed",
  [DKS_CHECK_TIMESTAMPS] = "timestamps",
  [DKS_CHECK_KEY_LOOKUP] = "key-lookup",
  [DKS_CHECK_KEY_RECORD] = "key-record",
  [DKS_CHECK_KEY_STRENGTH] = "key-strength",
  [DKS_CHECK_BODY_HASH] = "body-hash",
  [DKS_CHECK_HEADER_SIGNATURE] = "header-signature",
};
TABLE_SIZE_IS(check_names, DKS_CHECK_COUNT);

#define DKS_STATUS_COUNT (DKS_STATUS_INFO + 1)
static const char *const status_names[] = {
  [DKS_STATUS_PENDING] = "pending",
  [DKS_STATUS_PASS] = "pass",
  [DKS_STATUS_WARN] = "warn",
  [DKS_STATUS_FAIL] = "fail",
  [DKS_STATUS_SKIPPED] = "skipped",
  [DKS_STATUS_INFO] = "info",
};
TABLE_SIZE_IS(status_names, DKS_STATUS_COUNT);

#define DKS_RESULT_COUNT (DKS_RESULT_PERMERROR + 1)
static const char *const result_names[] = {
  [DKS_RESULT_NONE] = "none",
  [DKS_RESULT_PASS] = "pass",
  [DKS_RESULT_FAIL] = "fail",
  [DKS_RESULT_NEUTRAL] = "neutral",
  [DKS_RESULT_POLICY] = "policy",
  [DKS_RESULT_TEMPERROR] = "temperror",
  [DKS_RESULT_PERMERROR] = "permerror",
};
TABLE_SIZE_IS(result_names, DKS_RESULT_COUNT);

#define DKS_PARTY_COUNT (DKS_PARTY_INPUT + 1)
static const char *const party_names[] = {
  [DKS_PARTY_NONE] = "none",
  [DKS_PARTY_SENDER_DNS] = "sender-dns",
  [DKS_PARTY_SENDER_MAIL] = "sender-mail",
  [DKS_PARTY_INTERMEDIARY] = "intermediary",
  [DKS_PARTY_RECEIVER] = "receiver",
  [DKS_PARTY_INPUT] = "input",
};
TABLE_SIZE_IS(party_names, DKS_PARTY_COUNT);

/* One row per reason: its name, the RFC 8601 result it leads to, and who
 * usually has to act (forensics may name someone more precise later). */
typedef struct {
  const char *name;
  DksResult result;
  DksParty party;
} ReasonRow;

static const ReasonRow reason_rows[] = {
  [DKS_REASON_NONE] = { "none", DKS_RESULT_NONE, DKS_PARTY_NONE },
  [DKS_REASON_PASS] = { "pass", DKS_RESULT_PASS, DKS_PARTY_NONE },
  /* fail: the message changed after signing */
  [DKS_REASON_BODY_HASH_MISMATCH] =
    { "body-hash-mismatch", DKS_RESULT_FAIL, DKS_PARTY_INTERMEDIARY },
  [DKS_REASON_SIGNATURE_MISMATCH] =
    { "signature-mismatch", DKS_RESULT_FAIL, DKS_PARTY_INTERMEDIARY },
  /* permerror: the key record in the sender's DNS */
  [DKS_REASON_KEY_NOT_FOUND] =
    { "key-not-found", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_DNS },
  [DKS_REASON_KEY_REVOKED] =
    { "key-revoked", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_DNS },
  [DKS_REASON_KEY_SYNTAX] =
    { "key-syntax", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_DNS },
  [DKS_REASON_KEY_HASH_NOT_ALLOWED] =
    { "key-hash-not-allowed", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_DNS },
  [DKS_REASON_KEY_ALGORITHM_MISMATCH] =
    { "key-algorithm-mismatch", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_DNS },
  /* permerror: the signature the sender's mail system wrote */
  [DKS_REASON_SIGNATURE_SYNTAX] =
    { "signature-syntax", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  [DKS_REASON_ALGORITHM_UNSUPPORTED] =
    { "algorithm-unsupported", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  [DKS_REASON_FROM_NOT_SIGNED] =
    { "from-not-signed", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  [DKS_REASON_DOMAIN_MISMATCH] =
    { "domain-mismatch", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  [DKS_REASON_L_EXCEEDS_BODY] =
    { "l-exceeds-body", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  [DKS_REASON_SIGNATURE_EXPIRED] =
    { "signature-expired", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  [DKS_REASON_SIGNATURE_FUTURE] =
    { "signature-future", DKS_RESULT_PERMERROR, DKS_PARTY_SENDER_MAIL },
  /* policy (RFC 8301) */
  [DKS_REASON_ALGORITHM_DEPRECATED] =
    { "algorithm-deprecated", DKS_RESULT_POLICY, DKS_PARTY_SENDER_MAIL },
  [DKS_REASON_KEY_TOO_SHORT] =
    { "key-too-short", DKS_RESULT_POLICY, DKS_PARTY_SENDER_DNS },
  /* temperror: the receiving side could not get a trustworthy answer */
  [DKS_REASON_DNS_TEMPERROR] =
    { "dns-temperror", DKS_RESULT_TEMPERROR, DKS_PARTY_RECEIVER },
  [DKS_REASON_DNSSEC_BOGUS] =
    { "dnssec-bogus", DKS_RESULT_TEMPERROR, DKS_PARTY_RECEIVER },
  /* neutral: the input does not let us check */
  [DKS_REASON_BODY_NOT_CHECKED] =
    { "body-not-checked", DKS_RESULT_NEUTRAL, DKS_PARTY_INPUT },
};
TABLE_SIZE_IS(reason_rows, DKS_REASON_COUNT);

/* Status symbols, all of one display width per mode so columns line up:
 * UTF-8 mode uses one-cell glyphs, ASCII mode four-column brackets.
 *   status   utf8  ascii
 *   pending   …    [..]
 *   pass      ✓    [ok]
 *   warn      !    [!!]
 *   fail      ✗    [XX]
 *   skipped   –    [--]
 *   info      i    [i ]  */
typedef struct {
  const char *utf8;
  const char *ascii;
} StatusSymbol;

static const StatusSymbol status_symbols[] = {
  [DKS_STATUS_PENDING] = { "\u2026", "[..]" },
  [DKS_STATUS_PASS] = { "\u2713", "[ok]" },
  [DKS_STATUS_WARN] = { "!", "[!!]" },
  [DKS_STATUS_FAIL] = { "\u2717", "[XX]" },
  [DKS_STATUS_SKIPPED] = { "\u2013", "[--]" },
  [DKS_STATUS_INFO] = { "i", "[i ]" },
};
TABLE_SIZE_IS(status_symbols, DKS_STATUS_COUNT);

/* Out-of-range values come from bugs, not input; a visible name is more
 * useful than a crash in a printer. */
static const char *
name_or_unknown(const char *const *names, gsize count, int value)
{
  if (value < 0 || (gsize)value >= count || names[value] == NULL)
    return "unknown";
  return names[value];
}

gboolean
dks_check_needs_message(DksCheckId check)
{
  return check != DKS_CHECK_KEY_LOOKUP && check != DKS_CHECK_KEY_RECORD &&
         check != DKS_CHECK_KEY_STRENGTH;
}

const char *
dks_check_id_name(DksCheckId check)
{
  return name_or_unknown(check_names, G_N_ELEMENTS(check_names), (int)check);
}

const char *
dks_status_name(DksStatus status)
{
  return name_or_unknown(status_names, G_N_ELEMENTS(status_names), (int)status);
}

const char *
dks_result_name(DksResult result)
{
  return name_or_unknown(result_names, G_N_ELEMENTS(result_names), (int)result);
}

const char *
dks_party_name(DksParty party)
{
  return name_or_unknown(party_names, G_N_ELEMENTS(party_names), (int)party);
}

static const ReasonRow *
reason_row(DksReason reason)
{
  if ((int)reason < 0 || reason >= DKS_REASON_COUNT)
    return NULL;
  return &reason_rows[reason];
}

const char *
dks_reason_name(DksReason reason)
{
  const ReasonRow *row = reason_row(reason);
  return row != NULL ? row->name : "unknown";
}

DksResult
dks_reason_result(DksReason reason)
{
  const ReasonRow *row = reason_row(reason);
  return row != NULL ? row->result : DKS_RESULT_NONE;
}

DksParty
dks_reason_default_party(DksReason reason)
{
  const ReasonRow *row = reason_row(reason);
  return row != NULL ? row->party : DKS_PARTY_NONE;
}

const char *
dks_status_symbol(DksStatus status, gboolean utf8)
{
  if ((int)status < 0 || (gsize)status >= G_N_ELEMENTS(status_symbols))
    return utf8 ? "?" : "[??]";
  return utf8 ? status_symbols[status].utf8 : status_symbols[status].ascii;
}
