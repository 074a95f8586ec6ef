/* test-dns.c — the libunbound resolver against real DNS data:
 *   offline zones (the files in tests/dns/ and the conformance zone) loaded by
 *   libunbound itself; a real authoritative server (nsd, or knot) that the
 *   test starts on 127.0.0.1 at a free port, reached in FORWARD mode; a
 *   private root (nsd serving tests/dns/root.zone) that RECURSIVE mode and
 *   the authoritative cross-check iterate from, with a caching, validating
 *   unbound daemon in front of it for the cached-answer and AD-bit cases; the
 *   DNSSEC path check of SYSTEM/FORWARD with a default anchor (the signed
 *   test zone's, standing in for the root's): through that unbound, through
 *   one that passes no DNSSEC (nsd serving the zone stripped of its
 *   signatures), both also through a relay that delays every exchange, and
 *   through a server that answers TXT but never DNSKEY, or DNSKEY with
 *   replies of each shape (unsigned, no EDNS, truncated, malformed...); a
 *   UDP socket that never answers, for the timeout, and one that answers
 *   only SERVFAIL, for the CNAME walk's timeout; trust anchor formats; and
 *   the event-loop contract (callbacks later, never inside the lookup call;
 *   cancel on free).  Every server is stopped by its pid, and dies with the
 *   test when an assertion aborts it; nothing is sent off loopback. */
#include "verify/dns.h"
#include "parse/limits.h"
#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* --------------------------------------------------------------- files */

/* The source tree: meson's test environment says where; run by hand, it is
 * found from this file's path relative to the build directory. */
static const char *source_root(void)
{
  static char *root;
  if (root)
    return root;
  const char *env = g_getenv("DKS_SOURCE_ROOT");
  if (env) {
    root = g_strdup(env);
    return root;
  }
  g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
  g_assert_nonnull(exe);
  g_autofree char *tests_dir = g_path_get_dirname(exe);   /* BUILD/tests */
  g_autofree char *build_dir = g_path_get_dirname(tests_dir);
  g_autofree char *file_dir = g_path_get_dirname(__FILE__); /* SRC/tests/unit */
  g_autofree char *joined = g_build_filename(build_dir, file_dir, "..", "..", NULL);
  root = g_canonicalize_filename(joined, NULL);
  return root;
}

static char *dns_file(const char *name)
{
  return g_build_filename(source_root(), "tests", "dns", name, NULL);
}

#define CONFORMANCE_ZONE "/work/shared/conformance/conformance.zone"

/* For SYSTEM and FORWARD tests that are not about the DNSSEC path check:
 * no default anchor installed, whatever this machine has. */
#define NO_DEFAULT_ANCHOR "/nonexistent/root.key"

typedef struct {
  const char *name;
  const char *file;
} TestZone;

/* The zones every server in this test serves.  example.com names itself
 * with $ORIGIN, example.net with its SOA owner, contoso only by NAME=PATH. */
static const TestZone test_zones[] = {
  { "example.com", "example.com.zone" },
  { "example.net", "example.net.zone" },
  { "example.org", "example.org.zone" },
  { "contoso.onmicrosoft.com", "contoso.onmicrosoft.com.zone" },
};

static GPtrArray *test_zone_args(void)
{
  GPtrArray *args = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < G_N_ELEMENTS(test_zones); i++) {
    g_autofree char *path = dns_file(test_zones[i].file);
    if (strcmp(test_zones[i].name, "contoso.onmicrosoft.com") == 0)
      g_ptr_array_add(args, g_strdup_printf("%s=%s", test_zones[i].name, path));
    else
      g_ptr_array_add(args, g_steal_pointer(&path));
  }
  return args;
}

static DksResolver *zones_resolver(GPtrArray *zone_args, GError **error)
{
  DksResolverConfig config = { .mode = DKS_RESOLVER_ZONES, .zone_files = zone_args };
  return dks_resolver_new(&config, error);
}

/* -------------------------------------------------------- running lookups */

static gboolean set_flag(gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main context until the resolver has nothing pending; FALSE when
 * that took longer than max_ms. */
static gboolean wait_for_lookups(DksResolver *resolver, guint max_ms)
{
  gboolean expired = FALSE;
  guint watchdog = g_timeout_add(max_ms, set_flag, &expired);
  while (dks_resolver_pending(resolver) > 0 && !expired)
    g_main_context_iteration(NULL, TRUE);
  if (!expired)
    g_source_remove(watchdog);
  return !expired;
}

/* Runs the main context for ms milliseconds. */
static void spin_for(guint ms)
{
  gboolean expired = FALSE;
  g_timeout_add(ms, set_flag, &expired);
  while (!expired)
    g_main_context_iteration(NULL, TRUE);
}

static void store_answer(DksDnsAnswer *answer, gpointer data)
{
  DksDnsAnswer **slot = data;
  g_assert_null(*slot); /* exactly one callback per lookup */
  *slot = answer;
}

static DksDnsAnswer *lookup_and_wait(DksResolver *resolver, const char *qname)
{
  DksDnsAnswer *answer = NULL;
  dks_resolver_lookup_txt(resolver, qname, store_answer, &answer);
  g_assert_null(answer); /* never called from inside the lookup call */
  g_assert_cmpuint(dks_resolver_pending(resolver), ==, 1);
  g_assert_true(wait_for_lookups(resolver, 20000));
  g_assert_nonnull(answer);
  return answer;
}

/* ------------------------------------------------------- lookup cases */

typedef struct {
  const char *qname;
  DksDnsOutcome outcome;
  int rcode;
  const char *chain;  /* "owner>target ...", NULL: not checked */
  const char *txt;    /* sorted "<strings>/<joined length>/<first 16 octets>"
                         joined by " | "; NULL: not checked */
  gboolean outside;   /* outside_zones */
  gboolean forward;   /* the case holds through nsd too */
} LookupCase;

#define KEY_1024 "1/234/v=DKIM1; k=rsa; "

static const LookupCase zone_cases[] = {
  { "direct._domainkey.example.com", DKS_DNS_ANSWER, 0, "", KEY_1024, FALSE, TRUE },
  { "Direct._DomainKey.EXAMPLE.com.", DKS_DNS_ANSWER, 0, "", KEY_1024, FALSE, TRUE },
  { "split._domainkey.example.com", DKS_DNS_ANSWER, 0, "", "2/410/v=DKIM1; k=rsa; ", FALSE,
    TRUE },
  { "two._domainkey.example.com", DKS_DNS_ANSWER, 0, "",
    "1/16/not a key record | " KEY_1024, FALSE, TRUE },
  { "empty._domainkey.example.com", DKS_DNS_ANSWER, 0, "", "1/0/", FALSE, TRUE },
  { "nodata._domainkey.example.com", DKS_DNS_NODATA, 0, "", "", FALSE, TRUE },
  { "chain._domainkey.example.com", DKS_DNS_ANSWER, 0,
    "chain._domainkey.example.com>chain-hop.example.com "
    "chain-hop.example.com>key1._domainkey.example.net",
    "1/66/v=DKIM1; k=ed255", FALSE, TRUE },
  { "dangling._domainkey.example.com", DKS_DNS_NXDOMAIN, 3,
    "dangling._domainkey.example.com>gone._domainkey.example.com", "", FALSE, TRUE },
  { "nothing._domainkey.example.net", DKS_DNS_NXDOMAIN, 3, "", "", FALSE, TRUE },
  /* Microsoft 365: the CNAME is published, its target in the tenant is not */
  { "selector1._domainkey.example.org", DKS_DNS_NXDOMAIN, 3,
    "selector1._domainkey.example.org>"
    "selector1-example-org._domainkey.contoso.onmicrosoft.com", "", FALSE, TRUE },
  { "selector2._domainkey.example.org", DKS_DNS_ANSWER, 0,
    "selector2._domainkey.example.org>"
    "selector2-example-org._domainkey.contoso.onmicrosoft.com", KEY_1024, FALSE, TRUE },
  /* libunbound gives up on a CNAME loop with SERVFAIL and no packet; the
   * resolver then walks the chain itself, hop by hop */
  { "loop1._domainkey.example.com", DKS_DNS_CNAME_LOOP, 2,
    "loop1._domainkey.example.com>loop2._domainkey.example.com "
    "loop2._domainkey.example.com>loop1._domainkey.example.com", "", FALSE, TRUE },
  /* offline: below a delegation nothing may be asked, so SERVFAIL at once */
  { "key._domainkey.sub.example.com", DKS_DNS_SERVFAIL, 2, "", "", FALSE, FALSE },
  /* under no loaded zone: the synthetic root says NXDOMAIN */
  { "sel._domainkey.example.info", DKS_DNS_NXDOMAIN, 3, "", "", TRUE, FALSE },
  { "away._domainkey.example.com", DKS_DNS_NXDOMAIN, 3,
    "away._domainkey.example.com>key._domainkey.elsewhere.example", "", TRUE, FALSE },
  { "bad..name.example.com", DKS_DNS_ERROR, -1, "", "", FALSE, TRUE },
};

static char *describe_chain(const GPtrArray *chain)
{
  g_autoptr(GString) s = g_string_new(NULL);
  for (guint i = 0; i < chain->len; i++) {
    const DksCnameHop *hop = g_ptr_array_index(chain, i);
    g_string_append_printf(s, "%s%s>%s", i ? " " : "", hop->owner, hop->target);
  }
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static gint compare_strings(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

static char *describe_txt(const GPtrArray *txt)
{
  g_autoptr(GPtrArray) records = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < txt->len; i++) {
    const DksTxtRecord *rec = g_ptr_array_index(txt, i);
    gsize len = 0;
    const char *joined = g_bytes_get_data(rec->joined, &len);
    g_ptr_array_add(records, g_strdup_printf("%u/%zu/%.*s", rec->strings->len, len,
                                             (int) MIN(len, 16), joined ? joined : ""));
  }
  /* servers may rotate an RRset: compare in a fixed order */
  g_ptr_array_sort(records, compare_strings);
  g_ptr_array_add(records, NULL);
  return g_strjoinv(" | ", (char **) records->pdata);
}

static void check_answer(const DksDnsAnswer *answer, const LookupCase *c,
                         const char *resolver_text, gboolean may_be_outside)
{
  g_test_message("%s: %s rcode %d (%s) in %" G_GINT64_FORMAT " us", c->qname,
                 dks_dns_outcome_name(answer->outcome), answer->rcode,
                 answer->error ? answer->error : "no error", answer->elapsed_us);
  g_autofree char *canonical = dks_dns_name_canonical(c->qname, NULL);
  g_assert_cmpstr(answer->qname, ==, canonical ? canonical : c->qname);
  g_assert_cmpstr(dks_dns_outcome_name(answer->outcome), ==, dks_dns_outcome_name(c->outcome));
  g_assert_cmpint(answer->rcode, ==, c->rcode);
  if (c->chain) {
    g_autofree char *chain = describe_chain(answer->cname_chain);
    g_assert_cmpstr(chain, ==, c->chain);
  }
  if (c->txt) {
    g_autofree char *txt = describe_txt(answer->txt);
    g_assert_cmpstr(txt, ==, c->txt);
  }
  g_assert_cmpint(answer->outside_zones, ==, may_be_outside && c->outside);
  g_assert_cmpstr(answer->resolver, ==, resolver_text);
  g_assert_cmpint(answer->dnssec, ==, DKS_DNSSEC_UNCHECKED);
  g_assert_null(answer->why_bogus);
  g_assert_cmpint(answer->elapsed_us, >=, 0);
  if (c->outcome == DKS_DNS_ERROR)
    g_assert_nonnull(answer->error);
  else
    g_assert_null(answer->error);
  /* for its own SERVFAIL libunbound hands a bare header, if anything */
  if (c->outcome == DKS_DNS_ERROR)
    g_assert_cmpuint(answer->answer_size, ==, 0);
  else if (c->rcode == 2)
    g_assert_cmpuint(answer->answer_size, <=, 12);
  else
    g_assert_cmpuint(answer->answer_size, >, 12);
}

/* One lookup, waited for, checked; offline lookups must also be quick. */
static void lookup_one(DksResolver *resolver, const LookupCase *c, gboolean offline)
{
  gint64 start = g_get_monotonic_time();
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, c->qname);
  check_answer(answer, c, dks_resolver_describe(resolver), offline);
  if (offline)
    g_assert_cmpint(g_get_monotonic_time() - start, <, 1000 * 1000);
}

/* ------------------------------------------------------ offline zones */

static void test_zones_lookups(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(dks_resolver_describe(resolver), ==,
                  "offline zones: example.com.zone, example.net.zone, example.org.zone, "
                  "contoso.onmicrosoft.com.zone");
  for (guint i = 0; i < G_N_ELEMENTS(zone_cases); i++)
    lookup_one(resolver, &zone_cases[i], TRUE);
}

/* The chain's TTLs and the answer's size come through as sent. */
static void test_zones_chain_details(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, "chain._domainkey.example.com");
  g_assert_cmpuint(answer->cname_chain->len, ==, 2);
  const DksCnameHop *first = g_ptr_array_index(answer->cname_chain, 0);
  g_assert_cmpuint(first->ttl, ==, 300);
  const DksTxtRecord *key = g_ptr_array_index(answer->txt, 0);
  g_assert_cmpstr(key->owner, ==, "key1._domainkey.example.net");
  g_assert_cmpuint(key->ttl, ==, 300);
}

static void test_zones_conformance(void)
{
  if (!g_file_test(CONFORMANCE_ZONE, G_FILE_TEST_IS_REGULAR)) {
    g_test_skip("no " CONFORMANCE_ZONE);
    return;
  }
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  g_ptr_array_add(args, CONFORMANCE_ZONE);
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(dks_resolver_describe(resolver), ==, "offline zones: conformance.zone");
  static const LookupCase cases[] = {
    /* below cuts to 127.0.0.2/127.0.0.3, which are never asked */
    { "test3._domainkey.blackhole.messiah.edu", DKS_DNS_SERVFAIL, 2, "", "", FALSE, FALSE },
    { "test3._domainkey.blackhole2.messiah.edu", DKS_DNS_SERVFAIL, 2, "", "", FALSE, FALSE },
    { "brisbane._domainkey.football.example.com", DKS_DNS_ANSWER, 0, "", NULL, FALSE,
      FALSE },
    { "2023-05-ed25519-empty._domainkey.wander.science", DKS_DNS_ANSWER, 0, "", "1/0/",
      FALSE, FALSE },
    /* the user's zone is the root: nothing is "outside" */
    { "nokey._domainkey.example.com", DKS_DNS_NXDOMAIN, 3, "", "", FALSE, FALSE },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    lookup_one(resolver, &cases[i], TRUE);
}

/* With a trust anchor libunbound validates: the signed zone's answers are
 * secure, a record edited after signing is bogus (and no usable answer),
 * unsigned zones stay insecure. */
typedef struct {
  const char *qname;
  DksDnsOutcome outcome;
  int rcode;
  DksDnssec dnssec;
  const char *why_bogus; /* part of it, or NULL when there is none */
} DnssecCase;

/* What any validating path (recursive, forwarding, the checked default
 * anchor) must say of the signed test zone and an unsigned one. */
static const DnssecCase signed_zone_cases[] = {
  { "good._domainkey.signed.example", DKS_DNS_ANSWER, 0, DKS_DNSSEC_SECURE, NULL },
  { "nothing._domainkey.signed.example", DKS_DNS_NXDOMAIN, 3, DKS_DNSSEC_SECURE, NULL },
  { "tampered._domainkey.signed.example", DKS_DNS_SERVFAIL, 0, DKS_DNSSEC_BOGUS,
    "signature" },
  { "direct._domainkey.example.com", DKS_DNS_ANSWER, 0, DKS_DNSSEC_INSECURE, NULL },
};

static void dnssec_check(const DksDnsAnswer *answer, const DnssecCase *c)
{
  g_test_message("%s: %s %s %s", c->qname, dks_dns_outcome_name(answer->outcome),
                 dks_dnssec_name(answer->dnssec), answer->why_bogus ? answer->why_bogus : "");
  g_assert_cmpstr(dks_dns_outcome_name(answer->outcome), ==, dks_dns_outcome_name(c->outcome));
  g_assert_cmpint(answer->rcode, ==, c->rcode);
  g_assert_cmpstr(dks_dnssec_name(answer->dnssec), ==, dks_dnssec_name(c->dnssec));
  if (c->why_bogus)
    g_assert_nonnull(strstr(answer->why_bogus, c->why_bogus));
  else
    g_assert_null(answer->why_bogus);
  g_assert_null(answer->dnssec_note); /* validated, or no anchor wanted */
}

static void dnssec_one(DksResolver *resolver, const DnssecCase *c)
{
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, c->qname);
  dnssec_check(answer, c);
}

static void test_zones_dnssec(void)
{
  g_autofree char *anchor = dns_file("signed.example.ds");
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(args, dns_file("signed.example.zone"));
  g_ptr_array_add(args, dns_file("example.com.zone"));
  DksResolverConfig config = { .mode = DKS_RESOLVER_ZONES, .zone_files = args,
                               .trust_anchor = anchor };
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  static const DnssecCase cases[] = {
    { "good._domainkey.signed.example", DKS_DNS_ANSWER, 0, DKS_DNSSEC_SECURE, NULL },
    { "nothing._domainkey.signed.example", DKS_DNS_NXDOMAIN, 3, DKS_DNSSEC_SECURE, NULL },
    /* the server's rcode stays as sent; the outcome is what a validating
     * resolver tells its clients */
    { "tampered._domainkey.signed.example", DKS_DNS_SERVFAIL, 0, DKS_DNSSEC_BOGUS,
      "signature" },
    { "direct._domainkey.example.com", DKS_DNS_ANSWER, 0, DKS_DNSSEC_INSECURE, NULL },
    { "sel._domainkey.example.info", DKS_DNS_NXDOMAIN, 3, DKS_DNSSEC_INSECURE, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    dnssec_one(resolver, &cases[i]);
}

/* Zone names found in the file: $ORIGIN, SOA owners absolute or relative,
 * records and quoted ';' '(' before the SOA, multi-line SOA. */
typedef struct {
  const char *content;
  const char *lookup; /* a TXT name in the zone */
} ScanCase;

static void scan_one(const char *dir, guint i, const ScanCase *c)
{
  g_autofree char *base = g_strdup_printf("scan%u.zone", i);
  g_autofree char *path = g_build_filename(dir, base, NULL);
  g_assert_true(g_file_set_contents(path, c->content, -1, NULL));
  g_autoptr(GPtrArray) args = g_ptr_array_new();
  g_ptr_array_add(args, path);
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, c->lookup);
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_ANSWER);
  g_assert_false(answer->outside_zones);
  g_unlink(path);
}

#define SOA_DATA "ns.invalid. h.invalid. 1 3600 600 86400 60"

static void test_zones_name_scan(void)
{
  static const ScanCase cases[] = {
    { "$TTL 60\n$ORIGIN scan.example.\n@ IN SOA " SOA_DATA "\nk IN TXT \"x\"\n",
      "k.scan.example" },
    { "; leading comment\n\nscan.example. 3600 IN SOA ns.invalid. h.invalid. (\n"
      "    1 ; serial\n    3600 600 86400 60 )\nk.scan.example. TXT \"x\"\n",
      "k.scan.example" },
    { "$ORIGIN example.\nscan 60 IN SOA " SOA_DATA "\nk.scan TXT \"x\"\n",
      "k.scan.example" },
    { "$ORIGIN Scan.Example.\n$TTL 5\nq IN TXT \"a;b(\" \"c\"\nm IN TXT ( \"multi\"\n"
      "  \"line\" )\n@ SOA " SOA_DATA "\n", "q.scan.example" },
  };
  g_autofree char *dir = g_dir_make_tmp("test-dns-scan-XXXXXX", NULL);
  g_assert_nonnull(dir);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    scan_one(dir, i, &cases[i]);
  /* a line longer than the scanner reads, with a quote and a parenthesis
   * after the cut, before the SOA */
  g_autoptr(GString) long_line = g_string_new("$ORIGIN scan.example.\nlong IN TXT");
  for (guint i = 0; i < 80; i++)
    g_string_append_printf(long_line, " \"%0250u\"", i);
  g_string_append(long_line, " \"(;\"\n@ SOA " SOA_DATA "\nk TXT \"x\"\n");
  scan_one(dir, G_N_ELEMENTS(cases), &(ScanCase) { long_line->str, "k.scan.example" });
  g_rmdir(dir);
}

/* Broken zone arguments fail in dks_resolver_new, naming file and fix. */
typedef struct {
  const char *content; /* written to DIR/bad.zone; NULL: no such file */
  const char *arg;     /* the zone argument; "@" stands for DIR/bad.zone */
  const char *want[3]; /* parts of the error message */
} ZoneErrorCase;

static void zone_error_one(const char *dir, const ZoneErrorCase *c)
{
  g_autofree char *path = g_build_filename(dir, "bad.zone", NULL);
  if (c->content)
    g_assert_true(g_file_set_contents(path, c->content, -1, NULL));
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);
  g_auto(GStrv) parts = g_strsplit(c->arg, " ", -1);
  for (char **p = parts; *p; p++) {
    g_autoptr(GString) arg = g_string_new(*p);
    g_string_replace(arg, "@", path, 0);
    g_ptr_array_add(args, g_string_free(g_steal_pointer(&arg), FALSE));
  }
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_null(resolver);
  g_assert_nonnull(error);
  g_test_message("%s -> %s", c->arg, error->message);
  for (guint i = 0; i < G_N_ELEMENTS(c->want) && c->want[i]; i++) {
    g_autoptr(GString) want = g_string_new(c->want[i]);
    g_string_replace(want, "@", path, 0);
    if (!strstr(error->message, want->str))
      g_error("zone error for '%s': want '%s' in '%s'", c->arg, want->str, error->message);
  }
  g_unlink(path);
}

static void test_zones_errors(void)
{
  g_autofree char *example_net = dns_file("example.net.zone");
  g_autofree char *wrong_name = g_strdup_printf("wrong.example=%s", example_net);
  g_autofree char *twice = g_strdup_printf("%s %s", example_net, example_net);
  const ZoneErrorCase cases[] = {
    { NULL, "@", { "cannot read zone file @", "No such file" } },
    { "k IN TXT \"x\"\n", "@", { "zone file @", "add $ORIGIN or pass NAME=PATH" } },
    { "; only a comment\n", "@", { "add $ORIGIN or pass NAME=PATH" } },
    { "$ORIGIN bad.example.\n@ IN SOA " SOA_DATA "\nk IN BOGUSTYPE 1\n", "@",
      { "zone file @ did not load as zone bad.example", "libunbound says",
        "parse error" } },
    { "$ORIGIN nosoa.example.\nk IN TXT \"x\"\n", "@",
      { "did not load as zone nosoa.example", "SERVFAIL", "NAME=PATH" } },
    { NULL, wrong_name, { "did not load as zone wrong.example" } },
    { NULL, twice, { "zone example.net is given twice" } },
    { NULL, "/", { "zone file / is not a regular file" } },
    { "$ORIGIN bad\\032name.example.\n@ SOA " SOA_DATA "\n", "@",
      { "not a usable zone name" } },
  };
  g_autofree char *dir = g_dir_make_tmp("test-dns-zones-XXXXXX", NULL);
  g_assert_nonnull(dir);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    zone_error_one(dir, &cases[i]);
  g_rmdir(dir);

  g_autoptr(GPtrArray) none = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  g_assert_null(zones_resolver(none, &error));
  g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* ------------------------------------------------- the event-loop contract */

static void count_calls(DksDnsAnswer *answer, gpointer data)
{
  dks_dns_answer_free(answer);
  (*(guint *) data)++;
}

static void test_free_cancels(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  DksResolver *resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  guint calls = 0;
  dks_resolver_lookup_txt(resolver, "direct._domainkey.example.com", count_calls, &calls);
  dks_resolver_lookup_txt(resolver, "a..b", count_calls, &calls); /* finished at once */
  g_assert_cmpuint(dks_resolver_pending(resolver), ==, 2);
  dks_resolver_free(resolver);
  spin_for(200);
  g_assert_cmpuint(calls, ==, 0);
}

typedef struct {
  guint calls, cancels;
} Outcomes;

static void outcome_answer(DksDnsAnswer *answer, gpointer data)
{
  dks_dns_answer_free(answer);
  ((Outcomes *) data)->calls++;
}

static void outcome_cancel(gpointer data)
{
  ((Outcomes *) data)->cancels++;
}

/* The _full variant: exactly one of callback and cancelled: cancelled for
 * lookups in flight and for those finished but not delivered when the
 * resolver is freed; nothing for one already answered. */
static void test_free_notifies_cancel(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  DksResolver *resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  Outcomes o = { 0, 0 };
  dks_resolver_lookup_txt_full(resolver, "direct._domainkey.example.com", outcome_answer, &o,
                               outcome_cancel);
  dks_resolver_lookup_txt_full(resolver, "a..b", outcome_answer, &o, outcome_cancel);
  dks_resolver_free(resolver);
  g_assert_cmpuint(o.cancels, ==, 2); /* at once, inside dks_resolver_free */
  spin_for(200);
  g_assert_cmpuint(o.calls, ==, 0);

  Outcomes answered = { 0, 0 };
  resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  dks_resolver_lookup_txt_full(resolver, "direct._domainkey.example.com", outcome_answer,
                               &answered, outcome_cancel);
  while (answered.calls == 0)
    g_main_context_iteration(NULL, TRUE);
  dks_resolver_free(resolver);
  spin_for(100);
  g_assert_cmpuint(answered.calls, ==, 1);
  g_assert_cmpuint(answered.cancels, ==, 0);
}

typedef struct {
  DksResolver *resolver;
  guint calls;
} FreeInCallback;

static void free_resolver_in_callback(DksDnsAnswer *answer, gpointer data)
{
  FreeInCallback *state = data;
  dks_dns_answer_free(answer);
  state->calls++;
  g_clear_pointer(&state->resolver, dks_resolver_free);
}

static void test_free_in_callback(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  FreeInCallback state = { zones_resolver(args, &error), 0 };
  g_assert_no_error(error);
  for (guint i = 0; i < 4; i++)
    dks_resolver_lookup_txt(state.resolver, i % 2 ? "a..b" : "direct._domainkey.example.com",
                            free_resolver_in_callback, &state);
  gboolean expired = FALSE;
  guint watchdog = g_timeout_add(5000, set_flag, &expired);
  while (state.resolver && !expired)
    g_main_context_iteration(NULL, TRUE);
  g_assert_null(state.resolver);
  g_source_remove(watchdog); /* else it writes to this frame after return */
  spin_for(200);
  g_assert_cmpuint(state.calls, ==, 1);
}

/* A callback may start the next lookup (the pipeline follows up this way). */
typedef struct {
  DksResolver *resolver;
  GPtrArray *outcomes;
} Chained;

static void lookup_again(DksDnsAnswer *answer, gpointer data)
{
  Chained *state = data;
  g_ptr_array_add(state->outcomes, g_strdup(dks_dns_outcome_name(answer->outcome)));
  if (state->outcomes->len < 3)
    dks_resolver_lookup_txt(state->resolver, "nodata._domainkey.example.com", lookup_again,
                            state);
  dks_dns_answer_free(answer);
}

static void test_lookup_from_callback(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  g_autoptr(GPtrArray) outcomes = g_ptr_array_new_with_free_func(g_free);
  Chained state = { resolver, outcomes };
  dks_resolver_lookup_txt(resolver, "direct._domainkey.example.com", lookup_again, &state);
  g_assert_true(wait_for_lookups(resolver, 10000));
  g_assert_cmpuint(outcomes->len, ==, 3);
  g_assert_cmpstr(g_ptr_array_index(outcomes, 0), ==, "answer");
  g_assert_cmpstr(g_ptr_array_index(outcomes, 2), ==, "nodata");
}

/* Callbacks run on the thread-default context at creation time. */
static void test_thread_default_context(void)
{
  g_autoptr(GMainContext) context = g_main_context_new();
  g_main_context_push_thread_default(context);
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  DksResolver *resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  g_main_context_pop_thread_default(context);

  guint calls = 0;
  dks_resolver_lookup_txt(resolver, "direct._domainkey.example.com", count_calls, &calls);
  spin_for(300); /* the default context: nothing may happen there */
  g_assert_cmpuint(calls, ==, 0);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (calls == 0 && g_get_monotonic_time() < deadline)
    g_main_context_iteration(context, TRUE);
  g_assert_cmpuint(calls, ==, 1);
  dks_resolver_free(resolver);
}

/* --------------------------------------------------------- other modes */

static void test_system_describe(void)
{
  DksResolverConfig config = { .mode = DKS_RESOLVER_SYSTEM,
                               .default_anchor = NO_DEFAULT_ANCHOR };
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = dks_resolver_new(&config, &error);
  if (!g_file_test("/etc/resolv.conf", G_FILE_TEST_EXISTS)) {
    g_assert_null(resolver);
    g_assert_nonnull(strstr(error->message, "/etc/resolv.conf"));
    return;
  }
  g_assert_no_error(error);
  const char *text = dks_resolver_describe(resolver);
  g_assert_true(g_str_has_prefix(text, "system resolver ("));
  g_assert_true(g_str_has_suffix(text, ")"));
}

typedef struct {
  DksResolverConfig config;
  const char *want; /* part of the error message */
} ConfigErrorCase;

static void test_config_errors(void)
{
  const ConfigErrorCase cases[] = {
    { { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "not-an-address" }, "not-an-address" },
    { { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1@53" }, "127.0.0.1@53" },
    { { .mode = DKS_RESOLVER_FORWARD }, "want an IPv4 or IPv6 address" },
    { { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1", .forward_port = 70000 },
      "70000" },
    { { .mode = DKS_RESOLVER_SYSTEM, .trust_anchor = "/nonexistent/root.key" },
      "cannot read DNSSEC trust anchor /nonexistent/root.key" },
    { { .mode = DKS_RESOLVER_RECURSIVE, .root_server = "not-an-address" },
      "root server: want ADDR[@PORT] with an IPv4 or IPv6 address, have 'not-an-address'" },
    { { .mode = DKS_RESOLVER_RECURSIVE, .root_server = "127.0.0.1@0" },
      "root server port: want 1 to 65535, have '0'" },
    { { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
        .root_server = "127.0.0.1@99999" }, "root server port" },
    { { .mode = DKS_RESOLVER_RECURSIVE, .root_server = "127.0.0.1@" }, "root server port" },
    { { .mode = (DksResolverMode) 42 }, "unknown resolver mode 42" },
    { { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1", .probe_name = "a..b" },
      "DNSSEC check name: want a domain name, have 'a..b'" },
  };
  /* an installed default anchor that is unusable fails like a given one */
  g_autofree char *not_an_anchor = dns_file("example.com.zone");
  const ConfigErrorCase broken_default = {
    { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
      .default_anchor = not_an_anchor }, "want DS or DNSKEY records" };
  for (guint i = 0; i <= G_N_ELEMENTS(cases); i++) {
    const ConfigErrorCase *c = i < G_N_ELEMENTS(cases) ? &cases[i] : &broken_default;
    g_autoptr(GError) error = NULL;
    g_autoptr(DksResolver) resolver = dks_resolver_new(&c->config, &error);
    g_assert_null(resolver);
    g_assert_nonnull(error);
    if (!strstr(error->message, c->want))
      g_error("want '%s' in '%s'", c->want, error->message);
  }
}

static void test_names(void)
{
  g_assert_cmpstr(dks_dns_outcome_name(DKS_DNS_NXDOMAIN), ==, "nxdomain");
  g_assert_cmpstr(dks_dns_outcome_name(DKS_DNS_CNAME_LOOP), ==, "cname-loop");
  g_assert_cmpstr(dks_dns_outcome_name(DKS_DNS_TIMEOUT), ==, "timeout");
  g_assert_cmpstr(dks_dnssec_name(DKS_DNSSEC_BOGUS), ==, "bogus");
  g_assert_cmpstr(dks_dnssec_name(DKS_DNSSEC_UNCHECKED), ==, "unchecked");
  dks_dns_answer_free(NULL);
  dks_resolver_free(NULL);
}

/* ------------------------------------------- the timeout: a silent server */

/* Binds a UDP socket on 127.0.0.1 that will never answer; returns it. */
static int silent_udp_socket(guint *port)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = 0 };
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  g_assert_cmpint(bind(fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  socklen_t len = sizeof addr;
  g_assert_cmpint(getsockname(fd, (struct sockaddr *) &addr, &len), ==, 0);
  *port = ntohs(addr.sin_port);
  return fd;
}

/* default_anchor: with the DNSSEC path check (which gets no answer
 * either), or NO_DEFAULT_ANCHOR; either way exactly one TIMEOUT per lookup. */
static void timeout_one(const char *default_anchor)
{
  guint port = 0;
  int fd = silent_udp_socket(&port);
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = port, .timeout_ms = 500,
                               .default_anchor = (char *) default_anchor,
                               .probe_name = "signed.example" };
  g_autoptr(GError) error = NULL;
  DksResolver *resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  g_autofree char *describe = g_strdup_printf("resolver 127.0.0.1@%u", port);
  g_assert_cmpstr(dks_resolver_describe(resolver), ==, describe);

  gint64 start = g_get_monotonic_time();
  DksDnsAnswer *answers[3] = { NULL, NULL, NULL };
  for (guint i = 0; i < G_N_ELEMENTS(answers); i++)
    dks_resolver_lookup_txt(resolver, "direct._domainkey.example.com", store_answer,
                            &answers[i]);
  g_assert_true(wait_for_lookups(resolver, 5000));
  gint64 took = g_get_monotonic_time() - start;
  g_assert_cmpint(took, >=, 450 * 1000);
  g_assert_cmpint(took, <, 1500 * 1000);
  for (guint i = 0; i < G_N_ELEMENTS(answers); i++) {
    g_assert_nonnull(answers[i]);
    g_assert_cmpint(answers[i]->outcome, ==, DKS_DNS_TIMEOUT);
    g_assert_cmpint(answers[i]->rcode, ==, -1);
    g_assert_cmpuint(answers[i]->cname_chain->len, ==, 0);
    g_assert_cmpuint(answers[i]->txt->len, ==, 0);
    g_assert_cmpuint(answers[i]->answer_size, ==, 0);
    g_assert_cmpint(answers[i]->elapsed_us, >=, 450 * 1000);
    g_assert_nonnull(strstr(answers[i]->error, "500 ms"));
    g_assert_cmpstr(answers[i]->resolver, ==, describe);
    dks_dns_answer_free(answers[i]);
  }
  /* libunbound still waits for the socket; freeing must not wait for it */
  gint64 free_start = g_get_monotonic_time();
  dks_resolver_free(resolver);
  g_assert_cmpint(g_get_monotonic_time() - free_start, <, 1000 * 1000);
  close(fd);
}

static void test_timeout(void)
{
  timeout_one(NO_DEFAULT_ANCHOR);
  g_autofree char *anchor = dns_file("signed.example.ds");
  timeout_one(anchor);
}

/* ------------------------------------- real DNS servers: nsd, knot, unbound */

/* Writes a server's configuration for its directory and port. */
typedef char *(*ConfigWriter)(const char *dir, guint port, gconstpointer spec);

/* A DNS server run by the test: started on a random free port, asked until
 * it answers (no sleeping on a guess), stopped by its pid. */
typedef struct {
  char *binary;
  gboolean foreground_flag; /* nsd and unbound need -d to stay in front */
  ConfigWriter write_config;
  gconstpointer spec;
  const char *probe;        /* a name whose SOA it answers with NOERROR */
  char *dir;                /* config, log, state */
  GPid pid;
  guint port;
} Daemon;

static char *server_binary(const char *name)
{
  g_autofree char *found = g_find_program_in_path(name);
  if (found)
    return g_steal_pointer(&found);
  g_autofree char *sbin = g_build_filename("/usr/sbin", name, NULL);
  return g_file_test(sbin, G_FILE_TEST_IS_EXECUTABLE) ? g_steal_pointer(&sbin) : NULL;
}

enum { QTYPE_SOA = 6, QTYPE_TXT = 16, QTYPE_CNAME = 5 };
#define QTYPE_DNSKEY 48

/* A query for (qname, qtype) with RD set, and an EDNS OPT record offering
 * edns_size octets when edns_size > 0 (RFC 6891 §6.1.2). */
static GByteArray *query_new(guint16 id, const char *qname, guint16 qtype, guint16 edns_size)
{
  GByteArray *q = g_byte_array_new();
  const guint8 header[] = { (guint8) (id >> 8), (guint8) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0,
                            0, edns_size ? 1 : 0 };
  g_byte_array_append(q, header, sizeof header);
  if (strcmp(qname, ".") != 0) {
    g_auto(GStrv) labels = g_strsplit(qname, ".", -1);
    for (char **l = labels; *l; l++) {
      guint8 len = (guint8) strlen(*l);
      g_byte_array_append(q, &len, 1);
      g_byte_array_append(q, (const guint8 *) *l, len);
    }
  }
  const guint8 tail[] = { 0, (guint8) (qtype >> 8), (guint8) qtype, 0, 1 };
  g_byte_array_append(q, tail, sizeof tail);
  if (edns_size) {
    const guint8 opt[] = { 0, 0, 41, (guint8) (edns_size >> 8), (guint8) edns_size,
                           0, 0, 0, 0, 0, 0 };
    g_byte_array_append(q, opt, sizeof opt);
  }
  return q;
}

/* Sends a query over UDP to 127.0.0.1:port and waits up to wait_ms for the
 * reply with the same ID; its length, or -1. */
static gssize udp_exchange(guint port, const GByteArray *query, guint8 *reply, gsize size,
                           int wait_ms)
{
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((guint16) port) };
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  gssize got = -1;
  if (connect(fd, (struct sockaddr *) &addr, sizeof addr) == 0 &&
      send(fd, query->data, query->len, 0) == (ssize_t) query->len) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    if (poll(&pfd, 1, wait_ms) == 1)
      got = recv(fd, reply, size, 0);
  }
  close(fd);
  if (got >= 12 && (reply[0] != query->data[0] || reply[1] != query->data[1]))
    got = -1;
  return got;
}

/* Sends "probe SOA?" and waits up to 200 ms for a NOERROR answer. */
static gboolean server_answers(guint port, const char *probe)
{
  g_autoptr(GByteArray) query = query_new(0x2a, probe, QTYPE_SOA, 0);
  guint8 reply[512];
  gssize n = udp_exchange(port, query, reply, sizeof reply, 200);
  return n >= 12 && (reply[3] & 0x0f) == 0;
}

/* In the server's process before exec: it dies with the test, even when a
 * failed assertion aborts the test before any teardown. */
static void die_with_parent(gpointer data)
{
  pid_t parent = GPOINTER_TO_INT(data);
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent)
    _exit(127);
}

static void daemon_stop(Daemon *d)
{
  if (d->pid > 0) {
    kill(d->pid, SIGTERM);
    int status;
    while (waitpid(d->pid, &status, 0) < 0 && errno == EINTR)
      ;
    d->pid = 0;
  }
}

/* Starts the server on d->port and waits until it answers; FALSE when it
 * exited (most likely the port was taken) or never answered. */
static gboolean daemon_spawn(Daemon *d)
{
  g_autofree char *config = d->write_config(d->dir, d->port, d->spec);
  g_autofree char *config_path = g_build_filename(d->dir, "server.conf", NULL);
  g_assert_true(g_file_set_contents(config_path, config, -1, NULL));
  const char *argv[] = { d->binary, "-c", config_path, NULL, NULL };
  if (d->foreground_flag) {
    argv[1] = "-d";
    argv[2] = "-c";
    argv[3] = config_path;
  }
  g_autoptr(GError) error = NULL;
  if (!g_spawn_async(d->dir, (char **) argv, NULL,
                     G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                     G_SPAWN_STDERR_TO_DEV_NULL,
                     die_with_parent, GINT_TO_POINTER(getpid()), &d->pid, &error))
    g_error("cannot start %s: %s", d->binary, error->message);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (g_get_monotonic_time() < deadline) {
    int status;
    if (waitpid(d->pid, &status, WNOHANG) == d->pid) {
      d->pid = 0; /* exited */
      return FALSE;
    }
    if (server_answers(d->port, d->probe))
      return TRUE;
    g_usleep(20 * 1000); /* poll interval while the server starts */
  }
  daemon_stop(d);
  return FALSE;
}

static char *daemon_log(const Daemon *d)
{
  g_autofree char *path = g_build_filename(d->dir, "server.log", NULL);
  char *log = NULL;
  if (!g_file_get_contents(path, &log, NULL, NULL))
    log = g_strdup("(no log)");
  return log;
}

/* On a random high port; another one when that one is taken. */
static void daemon_start(Daemon *d)
{
  for (guint attempt = 0; attempt < 10; attempt++) {
    d->port = (guint) g_random_int_range(20000, 60000);
    if (daemon_spawn(d))
      return;
  }
  g_autofree char *log = daemon_log(d);
  g_error("%s did not start: %s", d->binary, log);
}

/* Stops the server and starts it again on the same port (it rereads its
 * configuration and zone files). */
static void daemon_restart(Daemon *d)
{
  daemon_stop(d);
  for (guint attempt = 0; attempt < 20; attempt++) {
    if (daemon_spawn(d))
      return;
    g_usleep(50 * 1000); /* the old sockets may linger for a moment */
  }
  g_autofree char *log = daemon_log(d);
  g_error("%s did not restart on port %u: %s", d->binary, d->port, log);
}

static void remove_dir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *path = g_build_filename(dir, name, NULL);
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
      remove_dir(path);
    else
      g_unlink(path);
  }
  g_rmdir(dir);
}

static void daemon_clear(Daemon *d)
{
  daemon_stop(d);
  if (d->dir)
    remove_dir(d->dir);
  g_clear_pointer(&d->dir, g_free);
  g_clear_pointer(&d->binary, g_free);
}

/* The zones an nsd serves: NULL-terminated names and their files. */
typedef struct {
  const char *names[8];
  const char *paths[8];
  gboolean small_udp; /* answers over 512 octets are truncated on UDP */
} NsdSpec;

static char *nsd_config(const char *dir, guint port, gconstpointer data)
{
  const NsdSpec *spec = data;
  g_autoptr(GString) c = g_string_new(NULL);
  g_string_append_printf(c,
      "server:\n"
      "  ip-address: 127.0.0.1@%u\n"
      "  do-ip6: no\n"
      "  username: \"\"\n"
      "  chroot: \"\"\n"
      "  zonesdir: \"\"\n"
      "  database: \"\"\n"
      "  server-count: 1\n"
      "  verbosity: 0\n"
      "  minimal-responses: yes\n"
      "  pidfile: \"%s/nsd.pid\"\n"
      "  zonelistfile: \"%s/zone.list\"\n"
      "  xfrdfile: \"%s/xfrd.state\"\n"
      "  xfrdir: \"%s\"\n"
      "  logfile: \"%s/server.log\"\n",
      port, dir, dir, dir, dir, dir);
  if (spec->small_udp)
    g_string_append(c, "  ipv4-edns-size: 512\n  ipv6-edns-size: 512\n");
  g_string_append(c, "remote-control:\n  control-enable: no\n");
  for (guint i = 0; i < G_N_ELEMENTS(spec->names) && spec->names[i]; i++)
    g_string_append_printf(c, "zone:\n  name: \"%s\"\n  zonefile: \"%s\"\n",
                           spec->names[i], spec->paths[i]);
  return g_string_free(g_steal_pointer(&c), FALSE);
}

static char *knot_config(const char *dir, guint port, gconstpointer data)
{
  const NsdSpec *spec = data;
  g_autoptr(GString) c = g_string_new(NULL);
  g_string_append_printf(c,
      "server:\n"
      "  listen: 127.0.0.1@%u\n"
      "  rundir: \"%s\"\n"
      "log:\n"
      "  - target: \"%s/server.log\"\n"
      "    any: error\n"
      "database:\n"
      "  storage: \"%s\"\n"
      "template:\n"
      "  - id: default\n"
      "    storage: \"%s\"\n"
      "    zonefile-sync: -1\n"
      "    zonefile-load: whole\n"
      "    journal-content: none\n"
      "zone:\n",
      port, dir, dir, dir, dir);
  for (guint i = 0; i < G_N_ELEMENTS(spec->names) && spec->names[i]; i++)
    g_string_append_printf(c, "  - domain: \"%s\"\n    file: \"%s\"\n", spec->names[i],
                           spec->paths[i]);
  return g_string_free(g_steal_pointer(&c), FALSE);
}

/* A caching, iterating unbound in front of the private root. */
typedef struct {
  guint root_port;
  const char *trust_anchor; /* it validates with this, or NULL */
} UnboundSpec;

static char *unbound_config(const char *dir, guint port, gconstpointer data)
{
  const UnboundSpec *spec = data;
  g_autoptr(GString) c = g_string_new(NULL);
  g_string_append_printf(c,
      "server:\n"
      "  interface: 127.0.0.1\n"
      "  port: %u\n"
      "  do-ip6: no\n"
      "  do-daemonize: no\n"
      "  username: \"\"\n"
      "  chroot: \"\"\n"
      "  directory: \"%s\"\n"
      "  pidfile: \"%s/unbound.pid\"\n"
      "  logfile: \"%s/server.log\"\n"
      "  use-syslog: no\n"
      "  verbosity: 1\n"
      "  num-threads: 1\n"
      "  access-control: 127.0.0.0/8 allow\n"
      /* the private root and everything it names are on loopback; every
       * other IPv4 range is closed, so nothing can leave the host */
      "  do-not-query-localhost: no\n",
      port, dir, dir, dir);
  static const char *const closed[] = { "0.0.0.0/2", "64.0.0.0/3", "96.0.0.0/4",
                                        "112.0.0.0/5", "120.0.0.0/6", "124.0.0.0/7",
                                        "126.0.0.0/8", "128.0.0.0/1" };
  for (guint i = 0; i < G_N_ELEMENTS(closed); i++)
    g_string_append_printf(c, "  do-not-query-address: %s\n", closed[i]);
  if (spec->trust_anchor)
    g_string_append_printf(c, "  module-config: \"validator iterator\"\n"
                              "  trust-anchor-file: \"%s\"\n", spec->trust_anchor);
  else
    g_string_append(c, "  module-config: \"iterator\"\n");
  g_string_append_printf(c,
      "remote-control:\n"
      "  control-enable: no\n"
      "stub-zone:\n"
      "  name: \".\"\n"
      "  stub-addr: 127.0.0.1@%u\n",
      spec->root_port);
  return g_string_free(g_steal_pointer(&c), FALSE);
}

/* ------------------------------- the test zones on nsd (or knot), FORWARD */

typedef struct {
  Daemon server;
  NsdSpec zones;
  GPtrArray *paths; /* owns zones.paths */
  DksResolver *resolver;
} ServerFixture;

static void server_setup(ServerFixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *nsd = server_binary("nsd");
  g_autofree char *knot = nsd ? NULL : server_binary("knotd");
  if (!nsd && !knot) {
    g_test_skip("neither nsd nor knotd is installed (apt-get install -y nsd)");
    return;
  }
  f->paths = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < G_N_ELEMENTS(test_zones); i++) {
    g_ptr_array_add(f->paths, dns_file(test_zones[i].file));
    f->zones.names[i] = test_zones[i].name;
    f->zones.paths[i] = g_ptr_array_index(f->paths, i);
  }
  gboolean is_nsd = nsd != NULL;
  char *binary = is_nsd ? g_steal_pointer(&nsd) : g_steal_pointer(&knot);
  f->server = (Daemon) { .binary = binary, .foreground_flag = is_nsd,
                         .write_config = is_nsd ? nsd_config : knot_config,
                         .spec = &f->zones, .probe = "example.com" };
  f->server.dir = g_dir_make_tmp("test-dns-server-XXXXXX", NULL);
  g_assert_nonnull(f->server.dir);
  daemon_start(&f->server);
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = f->server.port,
                               .default_anchor = NO_DEFAULT_ANCHOR };
  g_autoptr(GError) error = NULL;
  f->resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
}

static void server_teardown(ServerFixture *f, gconstpointer data)
{
  (void) data;
  g_clear_pointer(&f->resolver, dks_resolver_free);
  daemon_clear(&f->server);
  g_clear_pointer(&f->paths, g_ptr_array_unref);
}

static void test_forward_lookups(ServerFixture *f, gconstpointer data)
{
  (void) data;
  if (!f->resolver)
    return; /* skipped in setup */
  g_autofree char *describe = g_strdup_printf("resolver 127.0.0.1@%u", f->server.port);
  g_assert_cmpstr(dks_resolver_describe(f->resolver), ==, describe);
  for (guint i = 0; i < G_N_ELEMENTS(zone_cases); i++)
    if (zone_cases[i].forward)
      lookup_one(f->resolver, &zone_cases[i], FALSE);
}

/* Every case and a few duplicates started at once: all complete, each
 * with its own answer. */
static void test_forward_concurrent(ServerFixture *f, gconstpointer data)
{
  (void) data;
  if (!f->resolver)
    return;
  enum { ROUNDS = 3 };
  g_autoptr(GPtrArray) started = g_ptr_array_new();
  DksDnsAnswer *answers[G_N_ELEMENTS(zone_cases) * ROUNDS] = { NULL };
  for (guint round = 0; round < ROUNDS; round++)
    for (guint i = 0; i < G_N_ELEMENTS(zone_cases); i++)
      if (zone_cases[i].forward) {
        guint slot = round * G_N_ELEMENTS(zone_cases) + i;
        dks_resolver_lookup_txt(f->resolver, zone_cases[i].qname, store_answer,
                                &answers[slot]);
        g_ptr_array_add(started, GUINT_TO_POINTER(slot));
      }
  g_assert_cmpuint(dks_resolver_pending(f->resolver), ==, started->len);
  g_assert_true(wait_for_lookups(f->resolver, 20000));
  for (guint n = 0; n < started->len; n++) {
    guint slot = GPOINTER_TO_UINT(g_ptr_array_index(started, n));
    g_assert_nonnull(answers[slot]);
    check_answer(answers[slot], &zone_cases[slot % G_N_ELEMENTS(zone_cases)],
                 dks_resolver_describe(f->resolver), FALSE);
    dks_dns_answer_free(answers[slot]);
  }
}


/* ------------------------------ a private root on nsd, an unbound before it */

/* nsd serves tests/dns/root.zone as the root (and signed.example.zone) on
 * 127.0.0.1, truncating UDP answers over 512 octets; dkimscope iterates
 * from it (RECURSIVE, the authoritative cross-check), and so does an
 * unbound daemon that the cached-answer tests put in between. */
typedef struct {
  gboolean skipped;
  char *dir;
  char *root_zone;   /* the lab's own copy of root.zone: tests rewrite it */
  char *signed_zone;
  char *anchor;      /* signed.example.ds */
  char *root_server; /* "127.0.0.1@PORT" of nsd */
  NsdSpec zones;
  Daemon nsd;
  UnboundSpec cache_spec;
  Daemon unbound;    /* pid 0 when not started */
} Lab;

/* What a lab test wants changed (the test's data; NULL: nothing). */
typedef struct {
  gboolean strip_dnssec; /* nsd serves signed.example without its RRSIG, NSEC
                            and DNSKEY records, and unbound does not
                            validate: a path that carries no DNSSEC */
} LabOptions;

static const LabOptions stripped_lab = { .strip_dnssec = TRUE };

/* The zone file without its DNSSEC records (RRSIG, NSEC, NSEC3, DNSKEY),
 * written to path: what a resolver that strips them hands on. */
static void write_stripped_zone(const char *source, const char *path)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(source, &text, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GString) out = g_string_new(NULL);
  guint dropped = 0;
  for (char **l = lines; *l; l++) {
    g_auto(GStrv) fields = g_strsplit_set(*l, " \t", 5);
    gboolean dnssec = g_strv_length(fields) >= 4 && **l != ';' &&
                      (strcmp(fields[3], "RRSIG") == 0 || strcmp(fields[3], "NSEC") == 0 ||
                       strcmp(fields[3], "NSEC3") == 0 || strcmp(fields[3], "DNSKEY") == 0);
    if (dnssec) {
      dropped++;
      continue;
    }
    g_string_append_printf(out, "%s\n", *l);
  }
  g_assert_cmpuint(dropped, >=, 10); /* the file's format is what this expects */
  g_assert_true(g_file_set_contents(path, out->str, -1, NULL));
}

static void lab_setup_root(Lab *lab, gconstpointer data)
{
  const LabOptions *options = data;
  g_autofree char *nsd = server_binary("nsd");
  if (!nsd) {
    lab->skipped = TRUE;
    g_test_skip("nsd is not installed (apt-get install -y nsd)");
    return;
  }
  lab->dir = g_dir_make_tmp("test-dns-lab-XXXXXX", NULL);
  g_assert_nonnull(lab->dir);
  g_autofree char *source = dns_file("root.zone");
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(source, &text, NULL, NULL));
  lab->root_zone = g_build_filename(lab->dir, "root.zone", NULL);
  g_assert_true(g_file_set_contents(lab->root_zone, text, -1, NULL));
  lab->signed_zone = dns_file("signed.example.zone");
  if (options && options->strip_dnssec) {
    g_autofree char *signed_zone = g_steal_pointer(&lab->signed_zone);
    lab->signed_zone = g_build_filename(lab->dir, "signed.example.zone", NULL);
    write_stripped_zone(signed_zone, lab->signed_zone);
  }
  lab->anchor = dns_file("signed.example.ds");
  lab->zones = (NsdSpec) { .names = { ".", "signed.example" },
                           .paths = { lab->root_zone, lab->signed_zone },
                           .small_udp = TRUE };
  lab->nsd = (Daemon) { .binary = g_steal_pointer(&nsd), .foreground_flag = TRUE,
                        .write_config = nsd_config, .spec = &lab->zones, .probe = "." };
  lab->nsd.dir = g_build_filename(lab->dir, "nsd", NULL);
  g_assert_cmpint(g_mkdir(lab->nsd.dir, 0700), ==, 0);
  daemon_start(&lab->nsd);
  lab->root_server = g_strdup_printf("127.0.0.1@%u", lab->nsd.port);
}

static void lab_setup_unbound(Lab *lab, gconstpointer data)
{
  g_autofree char *unbound = server_binary("unbound");
  if (!unbound) {
    lab->skipped = TRUE;
    g_test_skip("unbound is not installed (apt-get install -y unbound)");
    return;
  }
  lab_setup_root(lab, data);
  if (lab->skipped)
    return;
  const LabOptions *options = data;
  gboolean validates = !options || !options->strip_dnssec;
  lab->cache_spec = (UnboundSpec) { .root_port = lab->nsd.port,
                                    .trust_anchor = validates ? lab->anchor : NULL };
  lab->unbound = (Daemon) { .binary = g_steal_pointer(&unbound), .foreground_flag = TRUE,
                            .write_config = unbound_config, .spec = &lab->cache_spec,
                            .probe = "." };
  lab->unbound.dir = g_build_filename(lab->dir, "unbound", NULL);
  g_assert_cmpint(g_mkdir(lab->unbound.dir, 0700), ==, 0);
  daemon_start(&lab->unbound);
}

static void lab_teardown(Lab *lab, gconstpointer data)
{
  (void) data;
  daemon_clear(&lab->unbound);
  daemon_clear(&lab->nsd);
  if (lab->dir)
    remove_dir(lab->dir);
  g_free(lab->dir);
  g_free(lab->root_zone);
  g_free(lab->signed_zone);
  g_free(lab->anchor);
  g_free(lab->root_server);
}

static DksResolver *lab_resolver(const DksResolverConfig *config)
{
  g_autoptr(GError) error = NULL;
  DksResolver *resolver = dks_resolver_new(config, &error);
  g_assert_no_error(error);
  return resolver;
}

/* What a live lookup must find. */
typedef struct {
  const char *qname;
  DksDnsOutcome outcome;
  int rcode;
  const char *chain;   /* "owner>target ..." */
  gsize key_len;       /* octets of the one TXT record at the end, 0: none */
  gboolean negative;   /* has_negative_ttl (the root's SOA: at most 600 s) */
  DksDnssec dnssec;
  gboolean ad;         /* resolver_ad */
} LiveCase;

#define LOOP_CHAIN \
  "a._domainkey.example.com>b._domainkey.example.com " \
  "b._domainkey.example.com>a._domainkey.example.com"
#define CHAIN_2 \
  "chain._domainkey.example.com>chain-hop.example.com " \
  "chain-hop.example.com>key1._domainkey.example.net"
#define BIG_KEY_OCTETS 754 /* "v=DKIM1; k=rsa; p=" and a 4096-bit key */

/* Checks a live answer; note: part of its dnssec_note, NULL for none. */
static void live_check(DksResolver *resolver, const DksDnsAnswer *answer, const LiveCase *c,
                       const char *dig_tail, const char *note)
{
  g_autofree char *chain = describe_chain(answer->cname_chain);
  g_test_message("%s: %s rcode %d %s ad %d size %zu chain '%s' in %" G_GINT64_FORMAT " us",
                 c->qname, dks_dns_outcome_name(answer->outcome), answer->rcode,
                 dks_dnssec_name(answer->dnssec), answer->resolver_ad, answer->answer_size,
                 chain, answer->elapsed_us);
  g_assert_cmpstr(dks_dns_outcome_name(answer->outcome), ==, dks_dns_outcome_name(c->outcome));
  g_assert_cmpint(answer->rcode, ==, c->rcode);
  g_assert_cmpstr(chain, ==, c->chain);
  if (c->key_len) {
    g_assert_cmpuint(answer->txt->len, ==, 1);
    const DksTxtRecord *txt = g_ptr_array_index(answer->txt, 0);
    g_assert_cmpuint(g_bytes_get_size(txt->joined), ==, c->key_len);
  } else {
    g_assert_cmpuint(answer->txt->len, ==, 0);
  }
  g_assert_cmpint(answer->has_negative_ttl, ==, c->negative);
  if (c->negative) {
    g_assert_cmpuint(answer->negative_ttl, >, 0);
    g_assert_cmpuint(answer->negative_ttl, <=, 600);
  } else {
    g_assert_cmpuint(answer->negative_ttl, ==, 0);
  }
  g_assert_cmpstr(dks_dnssec_name(answer->dnssec), ==, dks_dnssec_name(c->dnssec));
  g_assert_cmpint(answer->resolver_ad, ==, c->ad);
  g_assert_cmpstr(answer->resolver, ==, dks_resolver_describe(resolver));
  g_autofree char *dig = g_strdup_printf("dig +dnssec +multi%s", dig_tail);
  g_autoptr(GString) want_dig = g_string_new(dig);
  g_string_replace(want_dig, "QNAME", c->qname, 0);
  g_assert_cmpstr(answer->dig_command, ==, want_dig->str);
  if (c->outcome == DKS_DNS_SERVFAIL && c->dnssec != DKS_DNSSEC_BOGUS)
    g_assert_null(answer->error);
  if (!note)
    g_assert_null(answer->dnssec_note);
  else if (!answer->dnssec_note || !strstr(answer->dnssec_note, note))
    g_error("%s: want '%s' in the note, have '%s'", c->qname, note,
            answer->dnssec_note ? answer->dnssec_note : "(none)");
}

static void live_one(DksResolver *resolver, const LiveCase *c, const char *dig_tail)
{
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, c->qname);
  live_check(resolver, answer, c, dig_tail, NULL);
}

/* RECURSIVE: libunbound iterates from the private root itself. */
static void test_recursive_lookups(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  DksResolverConfig config = { .mode = DKS_RESOLVER_RECURSIVE,
                               .root_server = lab->root_server };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  g_autofree char *describe = g_strdup_printf("authoritative servers (iterating from %s)",
                                              lab->root_server);
  g_assert_cmpstr(dks_resolver_describe(resolver), ==, describe);
  g_assert_cmpint(dks_resolver_mode(resolver), ==, DKS_RESOLVER_RECURSIVE);
  /* a private root is not signed with the root's key: no validation */
  static const LiveCase cases[] = {
    { "direct._domainkey.example.com", DKS_DNS_ANSWER, 0, "", 234, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "big._domainkey.example.com", DKS_DNS_ANSWER, 0, "", BIG_KEY_OCTETS, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "chain._domainkey.example.com", DKS_DNS_ANSWER, 0, CHAIN_2, 66, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "missing._domainkey.example.com", DKS_DNS_NXDOMAIN, 3, "", 0, TRUE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "nodata._domainkey.example.com", DKS_DNS_NODATA, 0, "", 0, TRUE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "a._domainkey.example.com", DKS_DNS_CNAME_LOOP, 2, LOOP_CHAIN, 0, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "key._domainkey.sub.example.com", DKS_DNS_SERVFAIL, 2, "", 0, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
  };
  g_autofree char *dig = g_strdup_printf(" +trace TXT QNAME @127.0.0.1 -p %u", lab->nsd.port);
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    live_one(resolver, &cases[i], dig);
  g_assert_false(dks_resolver_lookup_authoritative(resolver, "direct._domainkey.example.com",
                                                   store_answer, NULL, NULL));
}

/* A chain longer than DKS_MAX_CNAME_HOPS: the walk stops after the cap. */
static void test_recursive_long_chain(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  DksResolverConfig config = { .mode = DKS_RESOLVER_RECURSIVE,
                               .root_server = lab->root_server };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, "long._domainkey.example.com");
  g_autofree char *chain = describe_chain(answer->cname_chain);
  g_test_message("long: %s rcode %d chain %s", dks_dns_outcome_name(answer->outcome),
                 answer->rcode, chain);
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_CNAME_LOOP);
  g_assert_cmpuint(answer->cname_chain->len, ==, DKS_MAX_CNAME_HOPS);
  const DksCnameHop *first = g_ptr_array_index(answer->cname_chain, 0);
  const DksCnameHop *last = g_ptr_array_index(answer->cname_chain, DKS_MAX_CNAME_HOPS - 1);
  g_assert_cmpstr(first->owner, ==, "long._domainkey.example.com");
  g_assert_cmpstr(last->target, ==, "long16.example.com");
}

/* RECURSIVE with a trust anchor file: libunbound validates. */
static void test_recursive_dnssec(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  DksResolverConfig config = { .mode = DKS_RESOLVER_RECURSIVE,
                               .root_server = lab->root_server,
                               .trust_anchor = lab->anchor };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  for (guint i = 0; i < G_N_ELEMENTS(signed_zone_cases); i++)
    dnssec_one(resolver, &signed_zone_cases[i]);
}

/* The server truncates the 4096-bit key's answer on UDP (TC); libunbound
 * asks again over TCP and the whole key arrives. */
static void test_truncated_tcp(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  g_autoptr(GByteArray) query = query_new(0x4b1d, "big._domainkey.example.com", QTYPE_TXT,
                                          1232);
  guint8 reply[4096];
  gssize n = udp_exchange(lab->nsd.port, query, reply, sizeof reply, 2000);
  g_assert_cmpint(n, >=, 12);
  g_assert_cmpint(n, <=, 512);
  g_assert_true(reply[2] & 0x02); /* TC */

  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = lab->nsd.port,
                               .default_anchor = NO_DEFAULT_ANCHOR };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  static const LiveCase big = { "big._domainkey.example.com", DKS_DNS_ANSWER, 0, "",
                                BIG_KEY_OCTETS, FALSE, DKS_DNSSEC_UNCHECKED, FALSE };
  g_autofree char *dig = g_strdup_printf(" TXT QNAME @127.0.0.1 -p %u", lab->nsd.port);
  live_one(resolver, &big, dig);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, big.qname);
  g_assert_cmpuint(answer->answer_size, >, 512);
  const DksTxtRecord *txt = g_ptr_array_index(answer->txt, 0);
  g_assert_cmpuint(txt->strings->len, ==, 3);
}

/* FORWARD to a caching unbound; dkimscope validates itself with the
 * signed zone's anchor (libunbound sets CD, so unbound hands over even
 * the data that fails, and libunbound finds it bogus). */
static void test_forward_validating(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = lab->unbound.port,
                               .trust_anchor = lab->anchor };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  for (guint i = 0; i < G_N_ELEMENTS(signed_zone_cases); i++)
    dnssec_one(resolver, &signed_zone_cases[i]);
}

/* FORWARD to a validating unbound while dkimscope does not validate: the
 * answer carries unbound's AD bit; what fails validation there is its
 * SERVFAIL.  The same with no anchor given (NULL, and no default anchor
 * installed) and with "none"; no note either way. */
static void test_forward_resolver_ad(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  static const LiveCase cases[] = {
    { "good._domainkey.signed.example", DKS_DNS_ANSWER, 0, "", 66, FALSE,
      DKS_DNSSEC_UNCHECKED, TRUE },
    { "nothing._domainkey.signed.example", DKS_DNS_NXDOMAIN, 3, "", 0, TRUE,
      DKS_DNSSEC_UNCHECKED, TRUE },
    { "tampered._domainkey.signed.example", DKS_DNS_SERVFAIL, 2, "", 0, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "direct._domainkey.example.com", DKS_DNS_ANSWER, 0, "", 234, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
  };
  const char *anchors[] = { NULL, "none" };
  g_autofree char *dig = g_strdup_printf(" TXT QNAME @127.0.0.1 -p %u", lab->unbound.port);
  for (guint a = 0; a < G_N_ELEMENTS(anchors); a++) {
    DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                                 .forward_port = lab->unbound.port,
                                 .trust_anchor = (char *) anchors[a],
                                 .default_anchor = NO_DEFAULT_ANCHOR };
    g_autoptr(DksResolver) resolver = lab_resolver(&config);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
      live_one(resolver, &cases[i], dig);
  }
}

static DksDnsAnswer *authoritative_and_wait(DksResolver *resolver, const char *qname)
{
  DksDnsAnswer *answer = NULL;
  g_assert_true(dks_resolver_lookup_authoritative(resolver, qname, store_answer, &answer, NULL));
  g_assert_null(answer);
  g_assert_cmpuint(dks_resolver_pending(resolver), ==, 1);
  g_assert_true(wait_for_lookups(resolver, 20000));
  g_assert_nonnull(answer);
  return answer;
}

/* Adds a record to the lab's root zone and restarts nsd on its port. */
static void lab_publish(Lab *lab, const char *record)
{
  g_autofree char *text = NULL;
  g_assert_true(g_file_get_contents(lab->root_zone, &text, NULL, NULL));
  g_autofree char *more = g_strconcat(text, record, "\n", NULL);
  g_assert_true(g_file_set_contents(lab->root_zone, more, -1, NULL));
  daemon_restart(&lab->nsd);
}

#define FRESH_NAME "fresh._domainkey.example.com"

/* The "I have just published it" case: a caching resolver keeps its
 * NXDOMAIN for the negative TTL, the authoritative servers already have
 * the key. */
static void test_cached_negative(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = lab->unbound.port,
                               .root_server = lab->root_server,
                               .trust_anchor = "none" };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  g_autoptr(DksDnsAnswer) before = lookup_and_wait(resolver, FRESH_NAME);
  g_assert_cmpint(before->outcome, ==, DKS_DNS_NXDOMAIN);
  g_assert_true(before->has_negative_ttl);
  /* min(SOA TTL 3600, MINIMUM 600), perhaps a second spent in unbound */
  g_assert_cmpuint(before->negative_ttl, <=, 600);
  g_assert_cmpuint(before->negative_ttl, >=, 590);

  lab_publish(lab, FRESH_NAME ". IN TXT \"v=DKIM1; k=ed25519; "
                   "p=f7jF5Y8etNYGZGnE+mgnmsagpPjIboVdfa81PsEQdsQ=\"");

  /* through the same resolver: still the cached NXDOMAIN (libunbound's own
   * cache, and behind it unbound's), its time left no longer */
  g_autoptr(DksDnsAnswer) again = lookup_and_wait(resolver, FRESH_NAME);
  g_assert_cmpint(again->outcome, ==, DKS_DNS_NXDOMAIN);
  g_assert_true(again->has_negative_ttl);
  g_assert_cmpuint(again->negative_ttl, <=, before->negative_ttl);

  /* the authoritative servers, asked directly, already have it */
  g_autoptr(DksDnsAnswer) truth = authoritative_and_wait(resolver, FRESH_NAME);
  g_assert_cmpint(truth->outcome, ==, DKS_DNS_ANSWER);
  g_assert_cmpuint(truth->txt->len, ==, 1);
  g_assert_false(truth->has_negative_ttl);
  g_autofree char *describe = g_strdup_printf("authoritative servers (iterating from %s)",
                                              lab->root_server);
  g_assert_cmpstr(truth->resolver, ==, describe);
  g_autofree char *dig = g_strdup_printf("dig +dnssec +multi +trace TXT " FRESH_NAME
                                         " @127.0.0.1 -p %u", lab->nsd.port);
  g_assert_cmpstr(truth->dig_command, ==, dig);
  g_assert_cmpint(truth->dnssec, ==, DKS_DNSSEC_UNCHECKED); /* "none" holds there too */
  /* the authoritative context is kept for the next cross-check */
  g_autoptr(DksDnsAnswer) truth2 = authoritative_and_wait(resolver, "missing." FRESH_NAME);
  g_assert_cmpint(truth2->outcome, ==, DKS_DNS_NXDOMAIN);
  /* the zone's SOA, learnt by the first cross-check, may have aged a
   * second in that context's cache by now, as for the first answer */
  g_assert_cmpuint(truth2->negative_ttl, <=, 600);
  g_assert_cmpuint(truth2->negative_ttl, >=, 590);

  /* A fresh resolver empties only dkimscope's own cache: it still asks the
   * same unbound, which keeps its NXDOMAIN until the negative TTL runs out.
   * That is why the authoritative path exists: only it bypasses every
   * cache between dkimscope and the zone. */
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) fresh = dks_resolver_new_fresh(resolver, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(dks_resolver_describe(fresh), ==, dks_resolver_describe(resolver));
  g_autoptr(DksDnsAnswer) via_fresh = lookup_and_wait(fresh, FRESH_NAME);
  g_assert_cmpint(via_fresh->outcome, ==, DKS_DNS_NXDOMAIN);
  g_assert_cmpuint(via_fresh->negative_ttl, <=, before->negative_ttl);
  /* asked directly, nsd has the key: the NXDOMAIN above is unbound's cache */
  DksResolverConfig direct = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = lab->nsd.port,
                               .default_anchor = NO_DEFAULT_ANCHOR };
  g_autoptr(DksResolver) at_nsd = lab_resolver(&direct);
  g_autoptr(DksDnsAnswer) at_source = lookup_and_wait(at_nsd, FRESH_NAME);
  g_assert_cmpint(at_source->outcome, ==, DKS_DNS_ANSWER);
}

/* ------------------------------ the DNSSEC path check (SYSTEM, FORWARD) */

/* The default anchor and the name the check asks for: the signed test
 * zone stands in for the root, whose real anchor validates nothing here. */
#define PROBE_NAME "signed.example"

static DksResolverConfig path_check_config(const Lab *lab, guint port)
{
  return (DksResolverConfig) { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = port, .default_anchor = lab->anchor,
                               .probe_name = PROBE_NAME };
}

/* Starts a lookup of every name at once and waits for all of them. */
static void lookups_at_once(DksResolver *resolver, const char *const *names, guint n,
                            DksDnsAnswer **answers)
{
  for (guint i = 0; i < n; i++) {
    answers[i] = NULL;
    dks_resolver_lookup_txt(resolver, names[i], store_answer, &answers[i]);
  }
  g_assert_cmpuint(dks_resolver_pending(resolver), ==, n);
  g_assert_true(wait_for_lookups(resolver, 20000));
  for (guint i = 0; i < n; i++)
    g_assert_nonnull(answers[i]);
}

/* An unbound that passes DNSSEC: the check's DNSKEY is secure, so with no
 * anchor given the default one validates — lookups made while the check
 * runs (both contexts asked) and after it (the validator alone). */
static void test_path_secure(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  DksResolverConfig config = path_check_config(lab, lab->unbound.port);
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  enum { N = G_N_ELEMENTS(signed_zone_cases) };
  const char *names[N];
  for (guint i = 0; i < N; i++)
    names[i] = signed_zone_cases[i].qname;
  DksDnsAnswer *answers[N];
  lookups_at_once(resolver, names, N, answers); /* the check starts with them */
  g_autofree char *describe = g_strdup_printf("resolver 127.0.0.1@%u", lab->unbound.port);
  for (guint i = 0; i < N; i++) {
    dnssec_check(answers[i], &signed_zone_cases[i]);
    g_assert_cmpstr(answers[i]->resolver, ==, describe);
    dks_dns_answer_free(answers[i]);
  }
  for (guint i = 0; i < N; i++)
    dnssec_one(resolver, &signed_zone_cases[i]);
  /* a fresh resolver keeps the default anchor and the probe name */
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) fresh = dks_resolver_new_fresh(resolver, &error);
  g_assert_no_error(error);
  dnssec_one(fresh, &signed_zone_cases[0]);
  /* "none" still means none: the resolver's AD bit, no note */
  config.trust_anchor = "none";
  g_autoptr(DksResolver) unchecked = lab_resolver(&config);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(unchecked, signed_zone_cases[0].qname);
  g_assert_cmpint(answer->dnssec, ==, DKS_DNSSEC_UNCHECKED);
  g_assert_true(answer->resolver_ad);
  g_assert_null(answer->dnssec_note);
}

/* The check's own question to the resolver finds no DNSKEY, which settles
 * it before the validator gives up (test_path_stripped_fast). */
#define NOT_PASSED_NOTE "the resolver does not pass DNSSEC records ("
#define STRIPPED_NOTE \
  "the resolver does not pass DNSSEC records (asked for the DNSKEY of " PROBE_NAME \
  ", it returned none), so answers could not be validated"
/* What the validator says when it decides: it found the path stripped. */
#define VALIDATOR_NOTE_START \
  "the resolver does not pass DNSSEC records (the DNSKEY of " PROBE_NAME \
  " did not validate through it), so answers could not be validated; "

/* On loopback, through a cache, the validator may give up before the
 * check's own reply is in (a few milliseconds either way): either note,
 * the same verdict. */
static void stripped_note_check(const char *note)
{
  if (g_strcmp0(note, STRIPPED_NOTE) != 0 && !g_str_has_prefix(note, VALIDATOR_NOTE_START))
    g_error("want the stripped path's note, have '%s'", note ? note : "(none)");
}

/* A path that carries no DNSSEC while the anchor says the zone is signed:
 * validating through it would make every answer bogus.  The check's
 * DNSKEY comes back without signatures, so lookups get the plain answers,
 * unchecked, with the note — and the AD bit and everything else as
 * without an anchor. */
static void test_path_stripped(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  static const LiveCase cases[] = {
    { "good._domainkey.signed.example", DKS_DNS_ANSWER, 0, "", 66, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "tampered._domainkey.signed.example", DKS_DNS_ANSWER, 0, "", 66, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "nothing._domainkey.signed.example", DKS_DNS_NXDOMAIN, 3, "", 0, TRUE,
      DKS_DNSSEC_UNCHECKED, FALSE },
    { "direct._domainkey.example.com", DKS_DNS_ANSWER, 0, "", 234, FALSE,
      DKS_DNSSEC_UNCHECKED, FALSE },
  };
  enum { N = G_N_ELEMENTS(cases) };
  DksResolverConfig config = path_check_config(lab, lab->unbound.port);
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  g_autofree char *dig = g_strdup_printf(" TXT QNAME @127.0.0.1 -p %u", lab->unbound.port);
  const char *names[N];
  for (guint i = 0; i < N; i++)
    names[i] = cases[i].qname;
  DksDnsAnswer *answers[N];
  lookups_at_once(resolver, names, N, answers); /* while the check runs */
  for (guint i = 0; i < N; i++) {
    g_test_message("%s: %s", cases[i].qname, answers[i]->dnssec_note);
    live_check(resolver, answers[i], &cases[i], dig, NOT_PASSED_NOTE);
    stripped_note_check(answers[i]->dnssec_note);
    dks_dns_answer_free(answers[i]);
  }
  for (guint i = 0; i < N; i++) { /* after it */
    g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, cases[i].qname);
    live_check(resolver, answer, &cases[i], dig, NOT_PASSED_NOTE);
    stripped_note_check(answer->dnssec_note);
  }
  /* The false alarm this avoids: the same anchor given explicitly
   * validates regardless, and the good key turns bogus. */
  config.trust_anchor = lab->anchor;
  g_autoptr(DksResolver) always = lab_resolver(&config);
  static const DnssecCase alarm = { "good._domainkey.signed.example", DKS_DNS_SERVFAIL, 0,
                                    DKS_DNSSEC_BOGUS, "validation failure" };
  dnssec_one(always, &alarm);
}

/* ---------------------- fake servers on the test's main context, on loopback */

/* One query a fake server read, with room to write its reply over it. */
typedef struct {
  guint8 buf[512];
  gsize question_end; /* just past the question's QTYPE and QCLASS */
  guint qtype;
  struct sockaddr_storage from;
  socklen_t from_len;
} FakeQuery;

/* Receives one datagram and walks its question; FALSE when it holds none. */
static gboolean fake_query_read(int fd, FakeQuery *q)
{
  q->from_len = sizeof q->from;
  ssize_t n = recvfrom(fd, q->buf, sizeof q->buf, 0, (struct sockaddr *) &q->from,
                       &q->from_len);
  if (n < 12)
    return FALSE;
  gsize pos = 12;
  while (pos < (gsize) n && q->buf[pos] != 0 && q->buf[pos] < 64)
    pos += 1u + q->buf[pos];
  pos++; /* the root label */
  if (pos + 4 > (gsize) n)
    return FALSE;
  q->qtype = (guint) (q->buf[pos] << 8 | q->buf[pos + 1]);
  q->question_end = pos + 4;
  return TRUE;
}

/* Makes the query's header that of its reply: the one question, then
 * `answers` records in the answer section and none in the others. */
static void fake_reply_header(FakeQuery *q, guint8 rcode, guint8 answers)
{
  q->buf[2] = (guint8) (0x80 | (q->buf[2] & 0x01)); /* QR, RD as asked */
  q->buf[3] = (guint8) (0x80 | rcode);               /* RA */
  const guint8 counts[] = { 0, 1, 0, answers, 0, 0, 0, 0 };
  memcpy(q->buf + 4, counts, sizeof counts);
}

/* Writes the reply to a query over it; the reply's length, 0: none. */
typedef gsize (*FakeTxtReply)(FakeQuery *q);

/* A UDP server that answers TXT queries with reply_txt, DNSKEY queries
 * with reply_dnskey (NULL: never), nothing else, each reply delay_ms
 * after its query; it counts every query by its type. */
typedef struct {
  FakeTxtReply reply_txt;
  FakeTxtReply reply_dnskey;
  guint delay_ms;
  int fd;
  guint port;
  guint watch;
  GHashTable *later; /* FakeLater*: replies waiting for their time */
  guint queries[64]; /* by QTYPE, those below 64 */
} FakeServer;

/* A reply held back. */
typedef struct {
  FakeServer *server;
  FakeQuery q;
  gsize len;
} FakeLater;

static void fake_send(FakeServer *server, const FakeQuery *q, gsize len)
{
  (void) sendto(server->fd, q->buf, len, 0, (const struct sockaddr *) &q->from, q->from_len);
}

static gboolean on_fake_later(gpointer data)
{
  FakeLater *later = data;
  fake_send(later->server, &later->q, later->len);
  g_hash_table_remove(later->server->later, later); /* frees it */
  return G_SOURCE_REMOVE;
}

static gboolean on_fake_query(gint fd, GIOCondition condition, gpointer data)
{
  (void) condition;
  FakeServer *server = data;
  FakeQuery q;
  if (!fake_query_read(fd, &q))
    return G_SOURCE_CONTINUE;
  if (q.qtype < G_N_ELEMENTS(server->queries))
    server->queries[q.qtype]++;
  FakeTxtReply reply = q.qtype == QTYPE_TXT ? server->reply_txt
                       : q.qtype == QTYPE_DNSKEY ? server->reply_dnskey : NULL;
  gsize len = reply ? reply(&q) : 0;
  if (len == 0)
    return G_SOURCE_CONTINUE;
  if (server->delay_ms == 0) {
    fake_send(server, &q, len);
    return G_SOURCE_CONTINUE;
  }
  FakeLater *later = g_new0(FakeLater, 1);
  *later = (FakeLater) { .server = server, .q = q, .len = len };
  g_hash_table_add(server->later, later);
  g_timeout_add(server->delay_ms, on_fake_later, later);
  return G_SOURCE_CONTINUE;
}

/* Binds the server to a free port on 127.0.0.1 and serves it from the
 * main context, which lookup_and_wait() runs. */
static void fake_server_start(FakeServer *server)
{
  server->fd = silent_udp_socket(&server->port);
  server->watch = g_unix_fd_add(server->fd, G_IO_IN, on_fake_query, server);
  server->later = g_hash_table_new_full(NULL, NULL, g_free, NULL);
}

static void fake_server_stop(FakeServer *server)
{
  g_source_remove(server->watch);
  GHashTableIter iter;
  gpointer later;
  g_hash_table_iter_init(&iter, server->later);
  while (g_hash_table_iter_next(&iter, &later, NULL))
    g_source_remove_by_user_data(later);
  g_hash_table_destroy(server->later);
  close(server->fd);
}

/* ------------------------- the DNSSEC path check that gets no answer */

#define TXT_ONLY_RECORD "v=DKIM1; k=ed25519; p=f7jF5Y8etNYGZGnE+mgnmsagpPjIboVdfa81PsEQdsQ="

/* Answers with one record: the check's DNSKEY query gets no answer, the
 * lookups do. */
static gsize reply_one_txt(FakeQuery *q)
{
  const gsize text_len = sizeof TXT_ONLY_RECORD - 1;
  gsize pos = q->question_end;
  if (pos + 12 + 1 + text_len > sizeof q->buf)
    return 0;
  fake_reply_header(q, 0, 1); /* NOERROR */
  const guint8 rr[] = { 0xc0, 12, 0, QTYPE_TXT, 0, 1, 0, 0, 1, 44,
                        0, (guint8) (text_len + 1), (guint8) text_len };
  memcpy(q->buf + pos, rr, sizeof rr);
  memcpy(q->buf + pos + sizeof rr, TXT_ONLY_RECORD, text_len);
  return pos + sizeof rr + text_len;
}

/* The check gets no answer: when it runs out of time it counts as a path
 * without DNSSEC, and the lookup that waited for it gets the plain answer
 * within its own timeout; later lookups get theirs at once. */
static void test_path_timeout(void)
{
  FakeServer server = { .reply_txt = reply_one_txt };
  fake_server_start(&server);
  g_autofree char *anchor = dns_file("signed.example.ds");
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = server.port, .timeout_ms = 1500,
                               .default_anchor = anchor, .probe_name = PROBE_NAME };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  const char *note = "the resolver did not answer the DNSSEC check (the DNSKEY of "
                     PROBE_NAME ") within 1500 ms, so answers could not be validated";
  const char *qnames[] = { "first._domainkey.signed.example",
                           "second._domainkey.signed.example" };
  for (guint i = 0; i < G_N_ELEMENTS(qnames); i++) {
    g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, qnames[i]);
    g_test_message("%s: %s %s after %" G_GINT64_FORMAT " us: %s", qnames[i],
                   dks_dns_outcome_name(answer->outcome), dks_dnssec_name(answer->dnssec),
                   answer->elapsed_us, answer->dnssec_note);
    g_assert_cmpint(answer->outcome, ==, DKS_DNS_ANSWER);
    g_assert_cmpuint(answer->txt->len, ==, 1);
    g_assert_cmpint(answer->dnssec, ==, DKS_DNSSEC_UNCHECKED);
    g_assert_null(answer->why_bogus);
    g_assert_cmpstr(answer->dnssec_note, ==, note);
    if (i == 0) { /* it waited for the check, no longer than its timeout */
      g_assert_cmpint(answer->elapsed_us, >=, 1400 * 1000);
      g_assert_cmpint(answer->elapsed_us, <, 2000 * 1000);
    } else {
      g_assert_cmpint(answer->elapsed_us, <, 1000 * 1000);
    }
  }
  g_assert_cmpuint(server.queries[QTYPE_DNSKEY], >, 0); /* the check was asked */
  g_assert_cmpuint(server.queries[QTYPE_TXT], >, 0);
  fake_server_stop(&server);
}

/* ------------------ the DNSSEC path check's own question: fast negatives */

/* What the fake server's DNSKEY reply holds besides the question. */
enum {
  DK_OPT = 1,       /* an OPT record with DO */
  DK_KEY = 2,       /* one DNSKEY of the question name */
  DK_SIG = 4,       /* an RRSIG covering DNSKEY */
  DK_TC = 8,        /* TC set */
  DK_FORMERR = 16,  /* rcode FORMERR */
  DK_SERVFAIL = 32, /* rcode SERVFAIL */
  DK_BROKEN = 64,   /* ANCOUNT says one more record than there is */
};

static guint dnskey_shape; /* DK_*: the reply reply_dnskey writes */

static gsize put_octets(FakeQuery *q, gsize pos, const guint8 *data, gsize len)
{
  g_assert_cmpuint(pos + len, <=, sizeof q->buf);
  memcpy(q->buf + pos, data, len);
  return pos + len;
}

/* Answers a DNSKEY query as dnskey_shape says. */
static gsize reply_dnskey(FakeQuery *q)
{
  guint shape = dnskey_shape;
  guint8 answers = (guint8) (((shape & DK_KEY) != 0) + ((shape & DK_SIG) != 0) +
                             ((shape & DK_BROKEN) != 0));
  guint8 rcode = (shape & DK_FORMERR) ? 1 : (shape & DK_SERVFAIL) ? 2 : 0;
  fake_reply_header(q, rcode, answers);
  if (shape & DK_TC)
    q->buf[2] |= 0x02;
  gsize pos = q->question_end;
  if (shape & DK_KEY) {
    static const guint8 key[] = { 0xc0, 12, 0, QTYPE_DNSKEY, 0, 1, 0, 0, 14, 16, 0, 8,
                                  1, 1, 3, 13, 1, 2, 3, 4 };
    pos = put_octets(q, pos, key, sizeof key);
  }
  if (shape & DK_SIG) {
    static const guint8 sig[] = { 0xc0, 12, 0, 46, 0, 1, 0, 0, 14, 16, 0, 18 + 1 + 4,
                                  0, QTYPE_DNSKEY, 13, 1, 0, 0, 14, 16,
                                  0x7f, 0, 0, 0, 0x60, 0, 0, 0, 0x12, 0x34,
                                  0, 0xde, 0xad, 0xbe, 0xef };
    pos = put_octets(q, pos, sig, sizeof sig);
  }
  if (shape & DK_OPT) {
    static const guint8 opt[] = { 0, 0, 41, 0x04, 0xd0, 0, 0, 0x80, 0, 0, 0 };
    pos = put_octets(q, pos, opt, sizeof opt);
    q->buf[11] = 1; /* ARCOUNT */
  }
  return pos;
}

/* A reply shape, and the note the first lookup gets: the fast negative's
 * (fast: before the validator could have decided), or one the validator
 * or the check's timeout gives (NULL). */
typedef struct {
  const char *name;
  guint shape;
  const char *why; /* inside "the resolver does not pass DNSSEC records (...)" */
} FastCase;

#define FAST_DELAY_MS 250u /* each reply: one round trip */
#define FAST_TIMEOUT_MS 1500u

static void fast_one(const FastCase *c)
{
  dnskey_shape = c->shape;
  FakeServer server = { .reply_txt = reply_one_txt, .reply_dnskey = reply_dnskey,
                        .delay_ms = FAST_DELAY_MS };
  fake_server_start(&server);
  g_autofree char *anchor = dns_file("signed.example.ds");
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = server.port, .timeout_ms = FAST_TIMEOUT_MS,
                               .default_anchor = anchor, .probe_name = PROBE_NAME };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  gint64 start = g_get_monotonic_time();
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, "k._domainkey.signed.example");
  gint64 took = g_get_monotonic_time() - start;
  g_test_message("%s: %s %s after %" G_GINT64_FORMAT " us, %u DNSKEY queries: %s", c->name,
                 dks_dns_outcome_name(answer->outcome), dks_dnssec_name(answer->dnssec), took,
                 server.queries[QTYPE_DNSKEY], answer->dnssec_note);
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_ANSWER);
  g_assert_cmpuint(answer->txt->len, ==, 1);
  g_assert_cmpint(answer->dnssec, ==, DKS_DNSSEC_UNCHECKED);
  g_assert_nonnull(answer->dnssec_note);
  if (c->why) {
    g_autofree char *note = g_strdup_printf("the resolver does not pass DNSSEC records (%s), "
                                            "so answers could not be validated", c->why);
    g_assert_cmpstr(answer->dnssec_note, ==, note);
    /* the lookup's own answer and the check's reply came in one round
     * trip; the validator needs at least two to give up */
    g_assert_cmpint(took, <, 2 * FAST_DELAY_MS * 1000);
  } else {
    g_autofree char *late = g_strdup_printf("the resolver did not answer the DNSSEC check "
                                            "(the DNSKEY of " PROBE_NAME ") within %u ms, so "
                                            "answers could not be validated",
                                            FAST_TIMEOUT_MS);
    if (strcmp(answer->dnssec_note, late) != 0 &&
        !g_str_has_prefix(answer->dnssec_note, VALIDATOR_NOTE_START))
      g_error("%s: want the validator's or the timeout's note, have '%s'", c->name,
              answer->dnssec_note);
  }
  g_assert_cmpuint(server.queries[QTYPE_DNSKEY], >=, 2); /* the validator's and ours */
  fake_server_stop(&server);
}

/* The check's own question gets one reply of each shape (the validator
 * gets the same ones): a reply that lacks what validation needs settles
 * the check at once; one that is truncated, signed, SERVFAIL or malformed
 * leaves it to the validator and the timeout, as before. */
static void test_path_fast_replies(void)
{
  static const FastCase cases[] = {
    { "nodata", DK_OPT, "asked for the DNSKEY of " PROBE_NAME ", it returned none" },
    { "unsigned-key", DK_OPT | DK_KEY,
      "its answer for the DNSKEY of " PROBE_NAME " carried no signatures" },
    { "no-edns", DK_KEY,
      "its answer for the DNSKEY of " PROBE_NAME " came without EDNS, which DNSSEC records "
      "need" },
    { "formerr", DK_FORMERR,
      "it answered FORMERR to a query with EDNS, which DNSSEC records need" },
    { "truncated", DK_OPT | DK_KEY | DK_TC, NULL },
    { "signed", DK_OPT | DK_KEY | DK_SIG, NULL },
    { "servfail", DK_OPT | DK_SERVFAIL, NULL },
    { "malformed", DK_OPT | DK_KEY | DK_BROKEN, NULL },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
    fast_one(&cases[i]);
}

/* ----------------------------- a relay that holds every query back */

/* A UDP relay on 127.0.0.1 in front of a lab server: each query waits
 * delay_ms, then goes on by itself (its own socket), so every exchange
 * through it takes a round trip of delay_ms, concurrently.  It counts
 * queries by type, and DNSKEY replies with TC set. */
typedef struct {
  guint upstream_port;
  guint delay_ms;
  int fd;
  guint port;
  guint watch;
  GPtrArray *hops;   /* RelayHop*: in flight */
  guint queries[64]; /* by QTYPE, those below 64 */
  guint dnskey_truncated;
} Relay;

typedef struct {
  Relay *relay;
  FakeQuery q;
  gsize len;
  int up_fd;
  guint timer;
  guint watch;
} RelayHop;

static void relay_hop_free(RelayHop *hop)
{
  if (hop->timer)
    g_source_remove(hop->timer);
  if (hop->watch)
    g_source_remove(hop->watch);
  if (hop->up_fd >= 0)
    close(hop->up_fd);
  g_free(hop);
}

static gboolean on_relay_reply(gint fd, GIOCondition condition, gpointer data)
{
  (void) condition;
  RelayHop *hop = data;
  guint8 reply[4096];
  ssize_t n = recv(fd, reply, sizeof reply, 0);
  if (n >= 12) {
    if (hop->q.qtype == QTYPE_DNSKEY && (reply[2] & 0x02))
      hop->relay->dnskey_truncated++;
    (void) sendto(hop->relay->fd, reply, (size_t) n, 0, (struct sockaddr *) &hop->q.from,
                  hop->q.from_len);
  }
  hop->watch = 0; /* removed by returning */
  g_ptr_array_remove(hop->relay->hops, hop);
  return G_SOURCE_REMOVE;
}

static gboolean on_relay_forward(gpointer data)
{
  RelayHop *hop = data;
  hop->timer = 0; /* removed by returning */
  hop->up_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(hop->up_fd, >=, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET,
                              .sin_port = htons((guint16) hop->relay->upstream_port) };
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  g_assert_cmpint(connect(hop->up_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  (void) send(hop->up_fd, hop->q.buf, hop->len, 0);
  hop->watch = g_unix_fd_add(hop->up_fd, G_IO_IN, on_relay_reply, hop);
  return G_SOURCE_REMOVE;
}

static gboolean on_relay_query(gint fd, GIOCondition condition, gpointer data)
{
  (void) condition;
  Relay *relay = data;
  RelayHop *hop = g_new0(RelayHop, 1);
  hop->relay = relay;
  hop->up_fd = -1;
  hop->q.from_len = sizeof hop->q.from;
  ssize_t n = recvfrom(fd, hop->q.buf, sizeof hop->q.buf, 0,
                       (struct sockaddr *) &hop->q.from, &hop->q.from_len);
  if (n < 12) {
    g_free(hop);
    return G_SOURCE_CONTINUE;
  }
  hop->len = (gsize) n;
  gsize pos = 12; /* the question's type, for the counts */
  while (pos < hop->len && hop->q.buf[pos] != 0 && hop->q.buf[pos] < 64)
    pos += 1u + hop->q.buf[pos];
  if (pos + 3 <= hop->len)
    hop->q.qtype = (guint) (hop->q.buf[pos + 1] << 8 | hop->q.buf[pos + 2]);
  if (hop->q.qtype < G_N_ELEMENTS(relay->queries))
    relay->queries[hop->q.qtype]++;
  g_ptr_array_add(relay->hops, hop);
  hop->timer = g_timeout_add(relay->delay_ms, on_relay_forward, hop);
  return G_SOURCE_CONTINUE;
}

static void relay_start(Relay *relay)
{
  relay->fd = silent_udp_socket(&relay->port);
  relay->hops = g_ptr_array_new_with_free_func((GDestroyNotify) relay_hop_free);
  relay->watch = g_unix_fd_add(relay->fd, G_IO_IN, on_relay_query, relay);
}

static void relay_stop(Relay *relay)
{
  g_source_remove(relay->watch);
  g_ptr_array_unref(relay->hops);
  close(relay->fd);
}

#define RELAY_DELAY_MS 300u

/* The lab's unbound behind a relay of RELAY_DELAY_MS (stop it with
 * relay_stop), and a resolver with the path check that asks through it. */
static DksResolver *relayed_resolver(Lab *lab, Relay *relay)
{
  *relay = (Relay) { .upstream_port = lab->unbound.port, .delay_ms = RELAY_DELAY_MS };
  relay_start(relay);
  DksResolverConfig config = path_check_config(lab, relay->port);
  return lab_resolver(&config);
}

/* The stripped path through a relay that makes every exchange a round
 * trip of RELAY_DELAY_MS: the check's own question settles it with the
 * first round trip, while the validator alone would take several. */
static void test_path_stripped_fast(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  Relay relay = { 0 };
  g_autoptr(DksResolver) resolver = relayed_resolver(lab, &relay);
  const char *names[] = { "good._domainkey.signed.example",
                          "direct._domainkey.example.com" };
  gint64 start = g_get_monotonic_time();
  DksDnsAnswer *answers[G_N_ELEMENTS(names)];
  lookups_at_once(resolver, names, G_N_ELEMENTS(names), answers);
  gint64 took = g_get_monotonic_time() - start;
  g_test_message("both in after %" G_GINT64_FORMAT " us; %u DNSKEY queries relayed", took,
                 relay.queries[QTYPE_DNSKEY]);
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_assert_cmpint(answers[i]->outcome, ==, DKS_DNS_ANSWER);
    g_assert_cmpint(answers[i]->dnssec, ==, DKS_DNSSEC_UNCHECKED);
    g_assert_cmpstr(answers[i]->dnssec_note, ==, STRIPPED_NOTE);
    dks_dns_answer_free(answers[i]);
  }
  g_assert_cmpint(took, <, 2 * RELAY_DELAY_MS * 1000);
  g_assert_cmpuint(relay.queries[QTYPE_DNSKEY], >=, 2); /* the validator's and ours */
  g_clear_pointer(&resolver, dks_resolver_free);
  relay_stop(&relay);
}

/* The signed path through the same relay: the check's own reply carries
 * the signatures (not truncated, so it was read), and the validator
 * decides: secure. */
static void test_path_secure_relayed(Lab *lab, gconstpointer data)
{
  (void) data;
  if (lab->skipped)
    return;
  Relay relay = { 0 };
  g_autoptr(DksResolver) resolver = relayed_resolver(lab, &relay);
  dnssec_one(resolver, &signed_zone_cases[0]);
  g_test_message("%u DNSKEY queries relayed, %u replies truncated",
                 relay.queries[QTYPE_DNSKEY], relay.dnskey_truncated);
  g_assert_cmpuint(relay.queries[QTYPE_DNSKEY], >=, 2);
  g_assert_cmpuint(relay.dnskey_truncated, ==, 0);
  g_clear_pointer(&resolver, dks_resolver_free);
  relay_stop(&relay);
}

/* ---------------------------------- a SERVFAIL whose chain walk times out */

/* Answers with SERVFAIL and no records. */
static gsize reply_servfail(FakeQuery *q)
{
  fake_reply_header(q, 2, 0);
  return q->question_end;
}

static void test_servfail_walk_timeout(void)
{
  FakeServer fake = { .reply_txt = reply_servfail };
  fake_server_start(&fake);
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = fake.port, .timeout_ms = 1500,
                               .default_anchor = NO_DEFAULT_ANCHOR };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, "x._domainkey.example.com");
  g_test_message("%s after %" G_GINT64_FORMAT " us, %u TXT and %u CNAME queries",
                 dks_dns_outcome_name(answer->outcome), answer->elapsed_us,
                 fake.queries[QTYPE_TXT], fake.queries[QTYPE_CNAME]);
  /* the SERVFAIL was an answer: the walk that found nothing keeps it */
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_SERVFAIL);
  g_assert_cmpint(answer->rcode, ==, 2);
  g_assert_null(answer->error);
  g_assert_cmpuint(answer->cname_chain->len, ==, 0);
  g_assert_cmpuint(fake.queries[QTYPE_TXT], >, 0);
  g_assert_cmpuint(fake.queries[QTYPE_CNAME], >, 0);
  g_assert_cmpint(answer->elapsed_us, >=, 1400 * 1000);
  g_assert_cmpint(answer->elapsed_us, <, 2500 * 1000);
  spin_for(100); /* no second callback */
  fake_server_stop(&fake);
}

/* ------------------------------------------------------- trust anchors */

/* Offline with the signed zone: each anchor format loads, "none" turns
 * validation off, broken anchors fail at creation with the reason. */
typedef struct {
  const char *name;
  const char *content; /* written to a file; NULL: the path itself is given */
  const char *path;    /* used when content is NULL */
  DksDnssec dnssec;    /* of good._domainkey.signed.example */
  const char *error;   /* part of the creation error, or NULL */
} AnchorCase;

#define SIGNED_DNSKEY "257 3 15 QsvsBOrx1y/D9+P/Rg+yW+hQtrwQ0FVSyRyLz534uRg="
#define SIGNED_DS "18066 15 2 fd0f4b39c9504a2c1b1740bc09cf4796bc9dd6c8b997459f7b73bfc9b14448c4"

static void anchor_one(const char *dir, const AnchorCase *c)
{
  g_autofree char *path = NULL;
  if (c->content) {
    path = g_build_filename(dir, "anchor.key", NULL);
    g_assert_true(g_file_set_contents(path, c->content, -1, NULL));
  } else {
    path = g_strdup(c->path);
  }
  g_autoptr(GPtrArray) zones = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(zones, dns_file("signed.example.zone"));
  DksResolverConfig config = { .mode = DKS_RESOLVER_ZONES, .zone_files = zones,
                               .trust_anchor = path };
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = dks_resolver_new(&config, &error);
  if (c->error) {
    g_assert_null(resolver);
    g_assert_nonnull(error);
    g_test_message("%s -> %s", c->name, error->message);
    if (!strstr(error->message, c->error))
      g_error("%s: want '%s' in '%s'", c->name, c->error, error->message);
    return;
  }
  if (!resolver)
    g_error("%s: %s", c->name, error->message);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, "good._domainkey.signed.example");
  g_test_message("%s -> %s %s", c->name, dks_dns_outcome_name(answer->outcome),
                 dks_dnssec_name(answer->dnssec));
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_ANSWER);
  g_assert_cmpstr(dks_dnssec_name(answer->dnssec), ==, dks_dnssec_name(c->dnssec));
}

static void test_trust_anchors(void)
{
  g_autofree char *dir = g_dir_make_tmp("test-dns-anchor-XXXXXX", NULL);
  g_assert_nonnull(dir);
  const AnchorCase cases[] = {
    { "ds", "signed.example. IN DS " SIGNED_DS "\n", NULL, DKS_DNSSEC_SECURE, NULL },
    { "dnskey", "; the key itself\nsigned.example. 3600 IN DNSKEY " SIGNED_DNSKEY "\n", NULL,
      DKS_DNSSEC_SECURE, NULL },
    { "unbound-anchor", "; autotrust trust anchor file\n"
      ";;id: signed.example. 1\n"
      ";;last_queried: 1704067200 ;;Mon Jan  1 00:00:00 2024\n"
      ";;last_success: 1704067200 ;;Mon Jan  1 00:00:00 2024\n"
      ";;next_probe_time: 1704070800 ;;Mon Jan  1 01:00:00 2024\n"
      ";;query_failed: 0\n;;query_interval: 3600\n;;retry_time: 3600\n"
      "signed.example.\t300\tIN\tDNSKEY\t" SIGNED_DNSKEY " ;{id = 18066 (ksk), size = 256b} "
      ";;state=2 [  VALID  ] ;;count=0 ;;lastchange=1704067200 ;;Mon Jan  1 00:00:00 2024\n",
      NULL, DKS_DNSSEC_SECURE, NULL },
    { "bind", "trusted-keys {\n  \"signed.example.\" 257 3 15 "
      "\"QsvsBOrx1y/D9+P/Rg+yW+hQtrwQ0FVSyRyLz534uRg=\";\n};\n", NULL, DKS_DNSSEC_SECURE,
      NULL },
    { "none", NULL, "none", DKS_DNSSEC_UNCHECKED, NULL },
    { "wrong-key", "signed.example. IN DS 18066 15 2 "
      "0000000000000000000000000000000000000000000000000000000000000000\n", NULL,
      DKS_DNSSEC_BOGUS, NULL },
    { "no-records", "; nothing but a comment\n\n", NULL, 0,
      "want DS or DNSKEY records" },
    { "garbage", "this is not a key\n", NULL, 0, "want DS or DNSKEY records" },
    { "bad-digest", "signed.example. IN DS 18066 15 2 zz-not-hex\n", NULL, 0,
      "libunbound cannot use DNSSEC trust anchor" },
    { "missing", NULL, "/nonexistent/anchor.key", 0,
      "cannot read DNSSEC trust anchor /nonexistent/anchor.key" },
    { "directory", NULL, "/", 0, "no regular file" },
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    if (cases[i].dnssec == DKS_DNSSEC_BOGUS && !cases[i].error) {
      /* a wrong key makes the whole zone bogus: the answer is a SERVFAIL */
      g_autofree char *path = g_build_filename(dir, "anchor.key", NULL);
      g_assert_true(g_file_set_contents(path, cases[i].content, -1, NULL));
      g_autoptr(GPtrArray) zones = g_ptr_array_new_with_free_func(g_free);
      g_ptr_array_add(zones, dns_file("signed.example.zone"));
      DksResolverConfig config = { .mode = DKS_RESOLVER_ZONES, .zone_files = zones,
                                   .trust_anchor = path };
      g_autoptr(GError) error = NULL;
      g_autoptr(DksResolver) resolver = dks_resolver_new(&config, &error);
      g_assert_no_error(error);
      g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver,
                                                       "good._domainkey.signed.example");
      g_assert_cmpint(answer->outcome, ==, DKS_DNS_SERVFAIL);
      g_assert_cmpint(answer->dnssec, ==, DKS_DNSSEC_BOGUS);
      g_assert_nonnull(answer->why_bogus);
      continue;
    }
    anchor_one(dir, &cases[i]);
  }
  remove_dir(dir);
}

/* ----------------------------------------- modes, dig, fresh resolvers */

static DksDnsAnswer *bad_name_answer(DksResolver *resolver)
{
  /* an invalid name fails before anything is sent: safe in every mode */
  return lookup_and_wait(resolver, "a..b");
}

static void test_recursive_real_root(void)
{
  DksResolverConfig config = { .mode = DKS_RESOLVER_RECURSIVE };
  g_autoptr(DksResolver) resolver = lab_resolver(&config);
  g_assert_cmpstr(dks_resolver_describe(resolver), ==,
                  "authoritative servers (iterating from the root)");
  g_autoptr(DksDnsAnswer) answer = bad_name_answer(resolver);
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_ERROR);
  g_assert_cmpstr(answer->dig_command, ==, "dig +dnssec +multi +trace TXT a..b");
  /* the root's anchor from dns-root-data, when installed, validates */
  gboolean have_root_key = g_file_test(DKS_ROOT_TRUST_ANCHOR, G_FILE_TEST_IS_REGULAR);
  g_assert_cmpint(answer->dnssec, ==,
                  have_root_key ? DKS_DNSSEC_INSECURE : DKS_DNSSEC_UNCHECKED);

  /* a private root is not signed with the root's key; "none" is none */
  DksResolverConfig private_root = { .mode = DKS_RESOLVER_RECURSIVE,
                                     .root_server = "::1@5353" };
  g_autoptr(DksResolver) resolver2 = lab_resolver(&private_root);
  g_assert_cmpstr(dks_resolver_describe(resolver2), ==,
                  "authoritative servers (iterating from ::1@5353)");
  g_autoptr(DksDnsAnswer) answer2 = bad_name_answer(resolver2);
  g_assert_cmpint(answer2->dnssec, ==, DKS_DNSSEC_UNCHECKED);
  g_assert_cmpstr(answer2->dig_command, ==, "dig +dnssec +multi +trace TXT a..b @::1 -p 5353");
  DksResolverConfig no_anchor = { .mode = DKS_RESOLVER_RECURSIVE, .trust_anchor = "none" };
  g_autoptr(DksResolver) resolver3 = lab_resolver(&no_anchor);
  g_autoptr(DksDnsAnswer) answer3 = bad_name_answer(resolver3);
  g_assert_cmpint(answer3->dnssec, ==, DKS_DNSSEC_UNCHECKED);
}

static void test_authoritative_modes(void)
{
  /* offline: no server to ask */
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) zones = zones_resolver(args, &error);
  g_assert_no_error(error);
  g_assert_cmpint(dks_resolver_mode(zones), ==, DKS_RESOLVER_ZONES);
  g_assert_false(dks_resolver_lookup_authoritative(zones, "direct._domainkey.example.com",
                                                   store_answer, NULL, NULL));
  g_assert_cmpuint(dks_resolver_pending(zones), ==, 0);
  g_autoptr(DksDnsAnswer) offline = lookup_and_wait(zones, "direct._domainkey.example.com");
  g_assert_null(offline->dig_command);
  g_assert_false(offline->has_negative_ttl);

  /* system mode: the cross-check iterates from the real root */
  if (!g_file_test("/etc/resolv.conf", G_FILE_TEST_EXISTS))
    return;
  DksResolverConfig config = { .mode = DKS_RESOLVER_SYSTEM,
                               .default_anchor = NO_DEFAULT_ANCHOR };
  g_autoptr(DksResolver) system = lab_resolver(&config);
  g_assert_cmpint(dks_resolver_mode(system), ==, DKS_RESOLVER_SYSTEM);
  g_autoptr(DksDnsAnswer) via_system = bad_name_answer(system);
  g_assert_true(g_str_has_prefix(via_system->dig_command, "dig +dnssec +multi TXT a..b @"));
  g_assert_cmpint(via_system->dnssec, ==, DKS_DNSSEC_UNCHECKED);
  DksDnsAnswer *answer = NULL;
  g_assert_true(dks_resolver_lookup_authoritative(system, "a..b", store_answer, &answer, NULL));
  g_assert_true(wait_for_lookups(system, 5000));
  g_assert_nonnull(answer);
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_ERROR);
  g_assert_cmpstr(answer->resolver, ==, "authoritative servers (iterating from the root)");
  g_assert_cmpstr(answer->dig_command, ==, "dig +dnssec +multi +trace TXT a..b");
  dks_dns_answer_free(answer);
}

/* The resolver keeps its own copy of the configuration. */

/* ------------------------------------------- one question per name per run */

/* Every field a report shows, between two answers to the same question. */
static void assert_same_answer(const DksDnsAnswer *a, const DksDnsAnswer *b)
{
  g_assert_cmpstr(a->qname, ==, b->qname);
  g_assert_cmpint(a->outcome, ==, b->outcome);
  g_assert_cmpint(a->rcode, ==, b->rcode);
  g_assert_cmpint(a->dnssec, ==, b->dnssec);
  g_assert_cmpstr(a->resolver, ==, b->resolver);
  g_assert_cmpstr(a->dig_command, ==, b->dig_command);
  g_assert_cmpstr(a->error, ==, b->error);
  g_assert_cmpstr(a->dnssec_note, ==, b->dnssec_note);
  g_assert_cmpuint(a->answer_size, ==, b->answer_size);
  g_assert_cmpint(a->elapsed_us, ==, b->elapsed_us);
  g_assert_cmpint(a->has_negative_ttl, ==, b->has_negative_ttl);
  g_assert_cmpuint(a->negative_ttl, ==, b->negative_ttl);
  g_autofree char *chain_a = describe_chain(a->cname_chain);
  g_autofree char *chain_b = describe_chain(b->cname_chain);
  g_assert_cmpstr(chain_a, ==, chain_b);
  g_autofree char *txt_a = describe_txt(a->txt);
  g_autofree char *txt_b = describe_txt(b->txt);
  g_assert_cmpstr(txt_a, ==, txt_b);
}

/* 100 lookups of one name and 100 of another, made at once: two questions,
 * and every copy says what the first answer said.  A later lookup is a
 * copy too; a fresh resolver asks again. */
static void test_shared_one_question(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  static const char *const names[] = { "chain._domainkey.example.com",
                                       "nothing._domainkey.example.net" };
  DksDnsAnswer *answers[2][100] = { { NULL } };
  for (guint i = 0; i < 100; i++)
    for (guint n = 0; n < G_N_ELEMENTS(names); n++)
      dks_resolver_lookup_txt(resolver, names[n], store_answer, &answers[n][i]);
  g_assert_cmpuint(dks_resolver_pending(resolver), ==, 200);
  g_assert_true(wait_for_lookups(resolver, 20000));
  g_assert_cmpuint(dks_resolver_questions(resolver), ==, 2);
  g_assert_cmpint(answers[0][0]->outcome, ==, DKS_DNS_ANSWER);
  g_assert_cmpuint(answers[0][0]->cname_chain->len, ==, 2);
  g_assert_cmpint(answers[1][0]->outcome, ==, DKS_DNS_NXDOMAIN);
  for (guint n = 0; n < G_N_ELEMENTS(names); n++)
    for (guint i = 0; i < 100; i++) {
      g_assert_true(i == 0 || answers[n][i] != answers[n][0]); /* each its own */
      assert_same_answer(answers[n][0], answers[n][i]);
    }

  g_autoptr(DksDnsAnswer) later = lookup_and_wait(resolver, "CHAIN._domainkey.Example.COM.");
  g_assert_cmpuint(dks_resolver_questions(resolver), ==, 2);
  assert_same_answer(answers[0][0], later);

  g_autoptr(DksResolver) fresh = dks_resolver_new_fresh(resolver, &error);
  g_assert_no_error(error);
  g_autoptr(DksDnsAnswer) again = lookup_and_wait(fresh, names[0]);
  g_assert_cmpuint(dks_resolver_questions(fresh), ==, 1);
  g_assert_cmpint(again->outcome, ==, DKS_DNS_ANSWER);
  for (guint n = 0; n < G_N_ELEMENTS(names); n++)
    for (guint i = 0; i < 100; i++)
      dks_dns_answer_free(answers[n][i]);
}

/* A name that timed out is not asked again within the run: the next
 * lookup gets the time-out at once, not after another wait. */
static void test_shared_timeout_not_retried(void)
{
  guint port = 0;
  int fd = silent_udp_socket(&port);
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = port, .timeout_ms = 300,
                               .default_anchor = NO_DEFAULT_ANCHOR };
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  DksDnsAnswer *first[10] = { NULL };
  for (guint i = 0; i < G_N_ELEMENTS(first); i++)
    dks_resolver_lookup_txt(resolver, "direct._domainkey.example.com", store_answer,
                            &first[i]);
  g_assert_true(wait_for_lookups(resolver, 5000));
  g_assert_cmpuint(dks_resolver_questions(resolver), ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS(first); i++)
    g_assert_cmpint(first[i]->outcome, ==, DKS_DNS_TIMEOUT);

  gint64 start = g_get_monotonic_time();
  g_autoptr(DksDnsAnswer) later = lookup_and_wait(resolver, "direct._domainkey.example.com");
  g_assert_cmpint(g_get_monotonic_time() - start, <, 200 * 1000);
  g_assert_cmpuint(dks_resolver_questions(resolver), ==, 1);
  assert_same_answer(first[0], later);
  for (guint i = 0; i < G_N_ELEMENTS(first); i++)
    dks_dns_answer_free(first[i]);
  close(fd);
}

/* Lookups waiting for another one's answer are cancelled with it. */
static void test_shared_free_cancels_waiters(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  DksResolver *resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  Outcomes o = { 0, 0 };
  for (guint i = 0; i < 5; i++)
    dks_resolver_lookup_txt_full(resolver, "direct._domainkey.example.com", outcome_answer,
                                 &o, outcome_cancel);
  g_assert_cmpuint(dks_resolver_pending(resolver), ==, 5);
  dks_resolver_free(resolver);
  g_assert_cmpuint(o.cancels, ==, 5);
  spin_for(100);
  g_assert_cmpuint(o.calls, ==, 0);
}

/* Past DKS_MAX_SHARED_ANSWERS names, a new name is asked every time (and
 * still answered); the names kept before stay kept. */
static void test_shared_cap(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = zones_resolver(args, &error);
  g_assert_no_error(error);
  guint calls = 0;
  for (guint i = 0; i < DKS_MAX_SHARED_ANSWERS; i++) {
    g_autofree char *name = g_strdup_printf("k%u._domainkey.example.com", i);
    dks_resolver_lookup_txt(resolver, name, count_calls, &calls);
    if (dks_resolver_pending(resolver) >= 256)
      g_assert_true(wait_for_lookups(resolver, 20000));
  }
  g_assert_true(wait_for_lookups(resolver, 20000));
  g_assert_cmpuint(calls, ==, DKS_MAX_SHARED_ANSWERS);
  guint asked = dks_resolver_questions(resolver);
  g_assert_cmpuint(asked, ==, DKS_MAX_SHARED_ANSWERS);
  g_autoptr(DksDnsAnswer) beyond = lookup_and_wait(resolver, "beyond._domainkey.example.com");
  g_autoptr(DksDnsAnswer) beyond_again = lookup_and_wait(resolver,
                                                          "beyond._domainkey.example.com");
  g_assert_cmpint(beyond_again->outcome, ==, DKS_DNS_NXDOMAIN);
  g_assert_cmpuint(dks_resolver_questions(resolver), ==, asked + 2);
  g_autoptr(DksDnsAnswer) kept = lookup_and_wait(resolver, "k0._domainkey.example.com");
  g_assert_cmpuint(dks_resolver_questions(resolver), ==, asked + 2);
}

static void test_new_fresh(void)
{
  g_autoptr(GPtrArray) args = test_zone_args();
  DksResolverConfig config = { .mode = DKS_RESOLVER_ZONES, .zone_files = args,
                               .trust_anchor = g_strdup("none") };
  g_autoptr(GError) error = NULL;
  g_autoptr(DksResolver) resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  g_clear_pointer(&config.trust_anchor, g_free);
  g_ptr_array_set_size(args, 0);
  g_autoptr(DksResolver) fresh = dks_resolver_new_fresh(resolver, &error);
  g_assert_no_error(error);
  g_assert_true(fresh != resolver);
  g_assert_cmpstr(dks_resolver_describe(fresh), ==, dks_resolver_describe(resolver));
  g_assert_cmpint(dks_resolver_mode(fresh), ==, DKS_RESOLVER_ZONES);
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(fresh, "direct._domainkey.example.com");
  g_assert_cmpint(answer->outcome, ==, DKS_DNS_ANSWER);
  g_autoptr(DksDnsAnswer) missing = lookup_and_wait(fresh, "nothing._domainkey.example.net");
  g_assert_cmpint(missing->outcome, ==, DKS_DNS_NXDOMAIN);
  g_assert_true(missing->has_negative_ttl);
  g_assert_cmpuint(missing->negative_ttl, ==, 60);
}

int main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dns/names", test_names);
  g_test_add_func("/dns/zones/lookups", test_zones_lookups);
  g_test_add_func("/dns/zones/chain-details", test_zones_chain_details);
  g_test_add_func("/dns/zones/conformance", test_zones_conformance);
  g_test_add_func("/dns/zones/dnssec", test_zones_dnssec);
  g_test_add_func("/dns/zones/name-scan", test_zones_name_scan);
  g_test_add_func("/dns/zones/errors", test_zones_errors);
  g_test_add_func("/dns/loop/free-cancels", test_free_cancels);
  g_test_add_func("/dns/loop/free-notifies-cancel", test_free_notifies_cancel);
  g_test_add_func("/dns/loop/free-in-callback", test_free_in_callback);
  g_test_add_func("/dns/loop/lookup-from-callback", test_lookup_from_callback);
  g_test_add_func("/dns/loop/thread-default-context", test_thread_default_context);
  g_test_add_func("/dns/system/describe", test_system_describe);
  g_test_add_func("/dns/config-errors", test_config_errors);
  g_test_add_func("/dns/forward/timeout", test_timeout);
  g_test_add("/dns/forward/lookups", ServerFixture, NULL, server_setup, test_forward_lookups,
             server_teardown);
  g_test_add("/dns/forward/concurrent", ServerFixture, NULL, server_setup,
             test_forward_concurrent, server_teardown);
  g_test_add_func("/dns/forward/servfail-walk-timeout", test_servfail_walk_timeout);
  g_test_add_func("/dns/trust-anchors", test_trust_anchors);
  g_test_add_func("/dns/recursive/real-root", test_recursive_real_root);
  g_test_add_func("/dns/authoritative/modes", test_authoritative_modes);
  g_test_add_func("/dns/new-fresh", test_new_fresh);
  g_test_add_func("/dns/shared/one-question", test_shared_one_question);
  g_test_add_func("/dns/shared/timeout-not-retried", test_shared_timeout_not_retried);
  g_test_add_func("/dns/shared/free-cancels-waiters", test_shared_free_cancels_waiters);
  g_test_add_func("/dns/shared/cap", test_shared_cap);
  g_test_add("/dns/recursive/lookups", Lab, NULL, lab_setup_root, test_recursive_lookups,
             lab_teardown);
  g_test_add("/dns/recursive/long-chain", Lab, NULL, lab_setup_root,
             test_recursive_long_chain, lab_teardown);
  g_test_add("/dns/recursive/dnssec", Lab, NULL, lab_setup_root, test_recursive_dnssec,
             lab_teardown);
  g_test_add("/dns/forward/truncated-tcp", Lab, NULL, lab_setup_root, test_truncated_tcp,
             lab_teardown);
  g_test_add("/dns/cache/validating", Lab, NULL, lab_setup_unbound, test_forward_validating,
             lab_teardown);
  g_test_add("/dns/cache/resolver-ad", Lab, NULL, lab_setup_unbound,
             test_forward_resolver_ad, lab_teardown);
  g_test_add("/dns/cache/negative-vs-authoritative", Lab, NULL, lab_setup_unbound,
             test_cached_negative, lab_teardown);
  g_test_add("/dns/path-check/secure", Lab, NULL, lab_setup_unbound, test_path_secure,
             lab_teardown);
  g_test_add("/dns/path-check/stripped", Lab, &stripped_lab, lab_setup_unbound,
             test_path_stripped, lab_teardown);
  g_test_add_func("/dns/path-check/timeout", test_path_timeout);
  g_test_add_func("/dns/path-check/fast-replies", test_path_fast_replies);
  g_test_add("/dns/path-check/stripped-fast", Lab, &stripped_lab, lab_setup_unbound,
             test_path_stripped_fast, lab_teardown);
  g_test_add("/dns/path-check/secure-relayed", Lab, NULL, lab_setup_unbound,
             test_path_secure_relayed, lab_teardown);
  return g_test_run();
}
