/* providers.c — the platforms that sign mail for their customers, as data.
 *
 * To add one: a row in the table below.  Only patterns we are sure of go
 * in; where a console path is not certain, the text names the setting in
 * general words.  Texts may hold "%s" for the domain (see
 * dks_provider_text); they are never used as printf formats. */
#include "help/providers.h"

#include <string.h>

#define STRINGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static const DksProvider microsoft365 = {
  .id = "microsoft365",
  .name = "Microsoft 365",
  .cname_suffixes = STRINGS("onmicrosoft.com", "dkim.mail.microsoft"),
  .domain_suffixes = STRINGS("onmicrosoft.com"),
  .selectors = STRINGS("selector1", "selector2"),
  .enable_where =
    "the Microsoft Defender portal (https://security.microsoft.com/dkimv2: "
    "Email & collaboration > Policies & rules > Threat policies > Email "
    "authentication settings > DKIM), domain %s, setting \"Sign messages for "
    "this domain with DKIM signatures\"",
  .dns_records =
    "two CNAME records: selector1._domainkey.%s and selector2._domainkey.%s, "
    "each pointing to the value Microsoft 365 shows for the domain "
    "(selector1-<domain with dashes>._domainkey.<tenant>.onmicrosoft.com, or "
    "for domains added since May 2025 selector1-<domain with "
    "dashes>._domainkey.<tenant>.<letter>-v1.dkim.mail.microsoft)",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the Microsoft 365 administrator",
  /* New-DkimSigningConfig -DomainName %s -Enabled $true creates the
   * configuration the first time; Set- switches an existing one on. */
  .enable_command = "Set-DkimSigningConfig -Identity %s -Enabled $true",
  .rotate_where = "the DKIM page of the Microsoft Defender portal, domain %s, "
                  "\"Rotate DKIM keys\"",
  .rotate_command = "Rotate-DkimSigningConfig -Identity %s",
  .check_command = "Get-DkimSigningConfig -Identity %s | Format-List "
                   "Selector1CNAME,Selector2CNAME",
};

static const DksProvider google = {
  .id = "google",
  .name = "Google Workspace",
  .cname_suffixes = NULL,
  .domain_suffixes = STRINGS("gappssmtp.com"),
  .selectors = STRINGS("google"),
  .enable_where =
    "the Google Admin console (Apps > Google Workspace > Gmail > Authenticate "
    "email), domain %s: generate a new record, publish it, then \"Start "
    "authentication\"",
  .dns_records =
    "one TXT record at google._domainkey.%s (\"google\" is the default "
    "selector prefix) holding the value the Admin console shows, "
    "v=DKIM1; k=rsa; p=<public key>",
  .hosting = DKS_KEY_HOSTING_TXT,
  .admin = "the Google Workspace administrator",
  .rotate_where =
    "the Authenticate email page of the Google Admin console: generate a new "
    "record for %s, publish it, then start authentication again",
  .check_command = NULL,
};

static const DksProvider amazonses = {
  .id = "amazonses",
  .name = "Amazon SES",
  .cname_suffixes = STRINGS("dkim.amazonses.com"),
  .domain_suffixes = STRINGS("amazonses.com"),
  .selectors = NULL,
  .enable_where = "the Amazon SES console, the DKIM settings (Easy DKIM) of "
                  "the verified identity %s",
  .dns_records =
    "three CNAME records <token>._domainkey.%s pointing to "
    "<token>.dkim.amazonses.com, with the tokens the SES console shows for "
    "the identity",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the Amazon SES account administrator",
  .rotate_where = NULL,
  .check_command = "aws sesv2 get-email-identity --email-identity %s",
};

static const DksProvider sendgrid = {
  .id = "sendgrid",
  .name = "SendGrid",
  .cname_suffixes = STRINGS("sendgrid.net"),
  .domain_suffixes = STRINGS("sendgrid.info", "sendgrid.net"),
  .selectors = STRINGS("s1", "s2"),
  .enable_where = "SendGrid (Settings > Sender Authentication > Domain "
                  "Authentication), domain %s",
  .dns_records =
    "the CNAME records SendGrid shows for %s, among them s1._domainkey.%s and "
    "s2._domainkey.%s pointing to names under sendgrid.net",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the SendGrid account administrator",
};

static const DksProvider mailchimp = {
  .id = "mailchimp",
  .name = "Mailchimp",
  .cname_suffixes = STRINGS("mcsv.net"),
  .domain_suffixes = STRINGS("mcsv.net"),
  .selectors = STRINGS("k1", "k2", "k3"),
  .enable_where = "Mailchimp's domain settings (authenticate %s)",
  .dns_records =
    "the CNAME records Mailchimp shows for %s, such as k1._domainkey.%s "
    "pointing to dkim.mcsv.net",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the Mailchimp account administrator",
};

static const DksProvider mandrill = {
  .id = "mandrill",
  .name = "Mandrill (Mailchimp Transactional)",
  .cname_suffixes = STRINGS("mandrillapp.com"),
  .domain_suffixes = STRINGS("mandrillapp.com"),
  .selectors = STRINGS("mandrill"),
  .enable_where = "Mandrill's sending-domain settings for %s",
  .dns_records = "a CNAME record mandrill._domainkey.%s pointing to "
                 "dkim.mandrillapp.com, as Mandrill shows it",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the Mandrill account administrator",
};

static const DksProvider salesforce = {
  .id = "salesforce",
  .name = "Salesforce",
  .cname_suffixes = STRINGS("custdkim.salesforce.com"),
  .domain_suffixes = NULL,
  .selectors = NULL,
  .enable_where = "Salesforce Setup, DKIM Keys, the key for %s (publish its "
                  "CNAME records, then activate it)",
  .dns_records =
    "two CNAME records under _domainkey.%s, for the primary and the "
    "alternate selector chosen in Salesforce, pointing to the targets "
    "Salesforce shows under custdkim.salesforce.com",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the Salesforce administrator",
};

static const DksProvider hubspot = {
  .id = "hubspot",
  .name = "HubSpot",
  .cname_suffixes = STRINGS("dkim.hubspotemail.net"),
  .domain_suffixes = NULL,
  .selectors = STRINGS("hs1", "hs2", "hs1-*", "hs2-*"),
  .enable_where = "HubSpot's settings for the email sending domain %s",
  .dns_records =
    "the two CNAME records HubSpot shows, hs1-<id>._domainkey.%s and "
    "hs2-<id>._domainkey.%s, pointing to names under dkim.hubspotemail.net",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the HubSpot account administrator",
};

static const DksProvider zendesk = {
  .id = "zendesk",
  .name = "Zendesk",
  .cname_suffixes = STRINGS("zendesk.com"),
  .domain_suffixes = NULL,
  .selectors = STRINGS("zendesk1", "zendesk2"),
  .enable_where = "Zendesk's email settings for %s (digital signatures)",
  .dns_records =
    "two CNAME records: zendesk1._domainkey.%s pointing to "
    "zendesk1._domainkey.zendesk.com and zendesk2._domainkey.%s pointing to "
    "zendesk2._domainkey.zendesk.com",
  .hosting = DKS_KEY_HOSTING_CNAME,
  .admin = "the Zendesk administrator",
};

/* Order matters only for selector hints shared by several platforms. */
static const DksProvider *const providers[] = {
  &microsoft365, &google, &amazonses, &sendgrid, &mailchimp, &mandrill,
  &salesforce, &hubspot, &zendesk, NULL,
};

const DksProvider *const *
dks_providers_all(void)
{
  return providers;
}

const DksProvider *
dks_provider_by_id(const char *id)
{
  for (guint i = 0; id != NULL && providers[i] != NULL; i++)
    if (strcmp(providers[i]->id, id) == 0)
      return providers[i];
  return NULL;
}

/* ---------- matching ---------- */

gboolean
dks_name_under_any(const char *name, const char *const *suffixes)
{
  if (name == NULL || suffixes == NULL)
    return FALSE;
  gsize len = strlen(name);
  if (len > 0 && name[len - 1] == '.')
    len--;
  for (guint i = 0; suffixes[i] != NULL; i++) {
    gsize slen = strlen(suffixes[i]);
    if (slen == 0 || slen > len)
      continue;
    const char *tail = name + len - slen;
    if (g_ascii_strncasecmp(tail, suffixes[i], slen) != 0)
      continue;
    if (slen == len || tail[-1] == '.')
      return TRUE;
  }
  return FALSE;
}

static gboolean
selector_matches(const char *selector, const char *const *patterns)
{
  if (selector == NULL || patterns == NULL)
    return FALSE;
  g_autofree char *lower = g_ascii_strdown(selector, -1);
  for (guint i = 0; patterns[i] != NULL; i++)
    if (g_pattern_match_simple(patterns[i], lower))
      return TRUE;
  return FALSE;
}

static gboolean
chain_into(const DksDnsAnswer *answer, const DksProvider *provider)
{
  for (guint i = 0; answer && answer->cname_chain && i < answer->cname_chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(answer->cname_chain, i);
    if (dks_name_under_any(hop->target, provider->cname_suffixes))
      return TRUE;
  }
  return FALSE;
}

const DksProvider *
dks_provider_detect(const DksSigRun *sr, DksProviderMatch *how)
{
  DksProviderMatch best = DKS_PROVIDER_MATCH_NONE;
  const DksProvider *found = NULL;

  for (guint i = 0; sr != NULL && providers[i] != NULL && best < DKS_PROVIDER_MATCH_CNAME; i++) {
    const DksProvider *p = providers[i];
    if (chain_into(sr->dns, p) || chain_into(sr->authoritative, p) ||
        chain_into(sr->sibling, p)) {
      found = p;
      best = DKS_PROVIDER_MATCH_CNAME;
    } else if (best < DKS_PROVIDER_MATCH_DOMAIN && sr->sig != NULL &&
               dks_name_under_any(sr->sig->domain, p->domain_suffixes)) {
      found = p;
      best = DKS_PROVIDER_MATCH_DOMAIN;
    } else if (best < DKS_PROVIDER_MATCH_SELECTOR && sr->sig != NULL &&
               selector_matches(sr->sig->selector, p->selectors)) {
      found = p;
      best = DKS_PROVIDER_MATCH_SELECTOR;
    }
  }
  if (how != NULL)
    *how = best;
  return found;
}

/* ---------- texts ---------- */

char *
dks_provider_text(const char *text, const char *domain)
{
  if (text == NULL)
    return NULL;
  GString *out = g_string_new(NULL);
  for (const char *p = text; *p != '\0'; p++) {
    if (p[0] == '%' && p[1] == 's') {
      g_string_append(out, domain ? domain : "<domain>");
      p++;
    } else {
      g_string_append_c(out, *p);
    }
  }
  return g_string_free(out, FALSE);
}

/* ---------- Microsoft 365 ---------- */

char *
dks_m365_expected_target_prefix(const char *selector, const char *domain)
{
  if (selector == NULL || *selector == '\0' || domain == NULL || *domain == '\0')
    return NULL;
  g_autofree char *dashed = g_ascii_strdown(domain, -1);
  gsize len = strlen(dashed);
  if (len > 0 && dashed[len - 1] == '.')
    dashed[len - 1] = '\0';
  g_strdelimit(dashed, ".", '-');
  g_autofree char *sel = g_ascii_strdown(selector, -1);
  return g_strdup_printf("%s-%s._domainkey.", sel, dashed);
}

/* The label right before suffix in target ("contoso" in
 * "x._domainkey.contoso.onmicrosoft.com"), when the label before it is
 * "_domainkey".  NULL otherwise. */
static char *
label_before(const char *target, const char *suffix)
{
  gsize len = strlen(target), slen = strlen(suffix);
  if (len <= slen + 1 || g_ascii_strcasecmp(target + len - slen, suffix) != 0 ||
      target[len - slen - 1] != '.')
    return NULL;
  const char *end = target + len - slen - 1; /* the dot before suffix */
  const char *start = end;
  while (start > target && start[-1] != '.')
    start--;
  static const char domainkey[] = "._domainkey.";
  const gsize dk_len = sizeof domainkey - 1;
  if (start == end || (gsize)(start - target) < dk_len ||
      g_ascii_strncasecmp(start - dk_len, domainkey, dk_len) != 0)
    return NULL;
  return g_ascii_strdown(start, end - start);
}

char *
dks_m365_tenant(const char *target)
{
  if (target == NULL)
    return NULL;
  char *tenant = label_before(target, "onmicrosoft.com");
  if (tenant != NULL)
    return tenant;
  /* <tenant>.<letter>-v1.dkim.mail.microsoft: skip the partition label. */
  static const char suffix[] = ".dkim.mail.microsoft";
  gsize len = strlen(target), slen = strlen(suffix);
  if (len <= slen || g_ascii_strcasecmp(target + len - slen, suffix) != 0)
    return NULL;
  g_autofree char *head = g_strndup(target, len - slen);
  const char *partition = strrchr(head, '.');
  if (partition == NULL)
    return NULL;
  return label_before(head, partition + 1);
}

gboolean
dks_m365_target_is_initial_domain(const char *target)
{
  g_autofree char *tenant = target ? label_before(target, "onmicrosoft.com") : NULL;
  return tenant != NULL;
}
