/* test-dns.c — the libunbound resolver against real DNS data:
 *   offline zones (the files in tests/dns/ and the conformance zone) loaded by
 *   libunbound itself; a real authoritative server (nsd, or knot) that the
 *   test starts on 127.0.0.1 at a free port, reached in FORWARD mode; a UDP
 *   socket that never answers, for the timeout; and the event-loop contract
 *   (callbacks later, never inside the lookup call; cancel on free). */
#include "verify/dns.h"
#include "parse/limits.h"
#include <arpa/inet.h>
#include <errno.h>
#include <gio/gio.h>
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
  /* libunbound gives up on a CNAME loop with SERVFAIL and no packet */
  { "loop1._domainkey.example.com", DKS_DNS_SERVFAIL, 2, "", "", FALSE, FALSE },
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
  else if (c->outcome == DKS_DNS_SERVFAIL)
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

static void dnssec_one(DksResolver *resolver, const DnssecCase *c)
{
  g_autoptr(DksDnsAnswer) answer = lookup_and_wait(resolver, c->qname);
  g_test_message("%s: %s %s %s", c->qname, dks_dns_outcome_name(answer->outcome),
                 dks_dnssec_name(answer->dnssec), answer->why_bogus ? answer->why_bogus : "");
  g_assert_cmpstr(dks_dns_outcome_name(answer->outcome), ==, dks_dns_outcome_name(c->outcome));
  g_assert_cmpint(answer->rcode, ==, c->rcode);
  g_assert_cmpstr(dks_dnssec_name(answer->dnssec), ==, dks_dnssec_name(c->dnssec));
  if (c->why_bogus)
    g_assert_nonnull(strstr(answer->why_bogus, c->why_bogus));
  else
    g_assert_null(answer->why_bogus);
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
  g_timeout_add(5000, set_flag, &expired);
  while (state.resolver && !expired)
    g_main_context_iteration(NULL, TRUE);
  g_assert_null(state.resolver);
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
  DksResolverConfig config = { .mode = DKS_RESOLVER_SYSTEM };
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
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(DksResolver) resolver = dks_resolver_new(&cases[i].config, &error);
    g_assert_null(resolver);
    g_assert_nonnull(error);
    if (!strstr(error->message, cases[i].want))
      g_error("want '%s' in '%s'", cases[i].want, error->message);
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

static void test_timeout(void)
{
  guint port = 0;
  int fd = silent_udp_socket(&port);
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = port, .timeout_ms = 500 };
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

/* -------------------------------- a real authoritative server (nsd/knot) */

typedef struct {
  GPid pid;
  guint port;
  char *dir;
  DksResolver *resolver;
} ServerFixture;

static char *server_binary(const char *name)
{
  g_autofree char *found = g_find_program_in_path(name);
  if (found)
    return g_steal_pointer(&found);
  g_autofree char *sbin = g_build_filename("/usr/sbin", name, NULL);
  return g_file_test(sbin, G_FILE_TEST_IS_EXECUTABLE) ? g_steal_pointer(&sbin) : NULL;
}

static char *nsd_config(const char *dir, guint port)
{
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
      "  pidfile: \"%s/nsd.pid\"\n"
      "  zonelistfile: \"%s/zone.list\"\n"
      "  xfrdfile: \"%s/xfrd.state\"\n"
      "  xfrdir: \"%s\"\n"
      "  logfile: \"%s/server.log\"\n"
      "remote-control:\n"
      "  control-enable: no\n",
      port, dir, dir, dir, dir, dir);
  for (guint i = 0; i < G_N_ELEMENTS(test_zones); i++) {
    g_autofree char *path = dns_file(test_zones[i].file);
    g_string_append_printf(c, "zone:\n  name: \"%s\"\n  zonefile: \"%s\"\n",
                           test_zones[i].name, path);
  }
  return g_string_free(g_steal_pointer(&c), FALSE);
}

static char *knot_config(const char *dir, guint port)
{
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
  for (guint i = 0; i < G_N_ELEMENTS(test_zones); i++) {
    g_autofree char *path = dns_file(test_zones[i].file);
    g_string_append_printf(c, "  - domain: \"%s\"\n    file: \"%s\"\n",
                           test_zones[i].name, path);
  }
  return g_string_free(g_steal_pointer(&c), FALSE);
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

/* Sends "example.com SOA?" and waits up to 200 ms for any answer. */
static gboolean server_answers(guint port)
{
  static const guint8 query[] = {
    0x00, 0x2a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
    0x00, 0x06, 0x00, 0x01,
  };
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint(fd, >=, 0);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((guint16) port) };
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  gboolean ok = FALSE;
  if (connect(fd, (struct sockaddr *) &addr, sizeof addr) == 0 &&
      send(fd, query, sizeof query, 0) == (ssize_t) sizeof query) {
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    guint8 reply[512];
    if (poll(&pfd, 1, 200) == 1 && recv(fd, reply, sizeof reply, 0) >= 12)
      ok = reply[0] == 0x00 && reply[1] == 0x2a && (reply[3] & 0x0f) == 0;
  }
  close(fd);
  return ok;
}

static void server_stop(ServerFixture *f)
{
  if (f->pid > 0) {
    kill(f->pid, SIGTERM);
    int status;
    while (waitpid(f->pid, &status, 0) < 0 && errno == EINTR)
      ;
    f->pid = 0;
  }
}

/* Starts the server on a random high port; another port when that one is
 * taken (the server exits).  Waits by querying it, not by sleeping. */
static gboolean server_start(ServerFixture *f, const char *binary, gboolean nsd)
{
  for (guint attempt = 0; attempt < 10; attempt++) {
    f->port = (guint) g_random_int_range(20000, 60000);
    g_autofree char *config = nsd ? nsd_config(f->dir, f->port) : knot_config(f->dir, f->port);
    g_autofree char *config_path = g_build_filename(f->dir, "server.conf", NULL);
    g_assert_true(g_file_set_contents(config_path, config, -1, NULL));
    const char *nsd_argv[] = { binary, "-d", "-c", config_path, NULL };
    const char *knot_argv[] = { binary, "-c", config_path, NULL };
    g_autoptr(GError) error = NULL;
    if (!g_spawn_async(f->dir, (char **) (nsd ? nsd_argv : knot_argv), NULL,
                       G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDOUT_TO_DEV_NULL |
                       G_SPAWN_STDERR_TO_DEV_NULL,
                       die_with_parent, GINT_TO_POINTER(getpid()), &f->pid, &error))
      g_error("cannot start %s: %s", binary, error->message);
    gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
    while (g_get_monotonic_time() < deadline) {
      int status;
      if (waitpid(f->pid, &status, WNOHANG) == f->pid) {
        f->pid = 0; /* exited: most likely the port was taken */
        break;
      }
      if (server_answers(f->port))
        return TRUE;
      g_usleep(20 * 1000); /* poll interval while the server starts */
    }
    server_stop(f);
  }
  return FALSE;
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

static void server_setup(ServerFixture *f, gconstpointer data)
{
  (void) data;
  g_autofree char *nsd = server_binary("nsd");
  g_autofree char *knot = nsd ? NULL : server_binary("knotd");
  if (!nsd && !knot) {
    g_test_skip("neither nsd nor knotd is installed (apt-get install -y nsd)");
    return;
  }
  f->dir = g_dir_make_tmp("test-dns-server-XXXXXX", NULL);
  g_assert_nonnull(f->dir);
  if (!server_start(f, nsd ? nsd : knot, nsd != NULL)) {
    g_autofree char *log_path = g_build_filename(f->dir, "server.log", NULL);
    g_autofree char *log = NULL;
    g_file_get_contents(log_path, &log, NULL, NULL);
    g_error("%s did not start: %s", nsd ? nsd : knot, log ? log : "(no log)");
  }
  DksResolverConfig config = { .mode = DKS_RESOLVER_FORWARD, .forward_addr = "127.0.0.1",
                               .forward_port = f->port };
  g_autoptr(GError) error = NULL;
  f->resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
}

static void server_teardown(ServerFixture *f, gconstpointer data)
{
  (void) data;
  g_clear_pointer(&f->resolver, dks_resolver_free);
  server_stop(f);
  if (f->dir)
    remove_dir(f->dir);
  g_clear_pointer(&f->dir, g_free);
}

static void test_forward_lookups(ServerFixture *f, gconstpointer data)
{
  (void) data;
  if (!f->resolver)
    return; /* skipped in setup */
  g_autofree char *describe = g_strdup_printf("resolver 127.0.0.1@%u", f->port);
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
  return g_test_run();
}
