/* main.c — options, input, which mode (interactive view or report), exit
 * codes.  The only place that prints program errors (GError) to the user;
 * the interactive view itself lives in app.c. */
#include <locale.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse/finding.h"
#include "parse/limits.h"
#include "tui/app.h"
#include "tui/batch.h"
#include "tui/report.h"

/* Exit codes (also in README and the man page); a message's are
 * tui/report.h's. */
enum {
  EXIT_ALL_PASS = DKS_EXIT_PASS,
  EXIT_LASTING_FAILURE = DKS_EXIT_LASTING_FAILURE,
  EXIT_TEMPORARY_FAILURE = DKS_EXIT_TEMPORARY_FAILURE,
  EXIT_NO_SIGNATURE = DKS_EXIT_NO_SIGNATURE,
  EXIT_USAGE = DKS_EXIT_NO_MESSAGE, /* EX_USAGE */
  EXIT_NO_INPUT = DKS_EXIT_NO_INPUT, /* EX_NOINPUT */
  EXIT_UNAVAILABLE = 69,  /* EX_UNAVAILABLE: resolver could not be set up */
};

typedef struct {
  char *report;          /* NULL, "text" or "json" */
  char **zones;
  char *resolver;
  char *now_text;
  double dns_timeout;
  char *trust_anchor;
  gboolean recursive;
  char *root_server;
  gboolean demo;
  gboolean tui;
  gboolean lookup;
  gboolean no_color;
  gboolean version;
  gint jobs;             /* 0: one per processor */
  char **files;
} Options;

static Options opts = {.dns_timeout = 5.0};

static gboolean
parse_report_option(const char *name, const char *value, gpointer data,
                    GError **error)
{
  (void)name;
  (void)data;
  if (value == NULL || g_str_equal(value, "text") || g_str_equal(value, "json") ||
      g_str_equal(value, "advice")) {
    g_free(opts.report);
    opts.report = g_strdup(value ? value : "text");
    return TRUE;
  }
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
              "--report takes text, json or advice, not '%s'", value);
  return FALSE;
}

static const GOptionEntry entries[] = {
  {"report", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK,
   (gpointer)parse_report_option, "Print a report instead of the interactive view; advice is a message "
   "to whoever must fix it", "text|json|advice"},
  {"tui", 0, 0, G_OPTION_ARG_NONE, &opts.tui,
   "Open the interactive view even when standard output is no terminal", NULL},
  {"lookup", 0, 0, G_OPTION_ARG_NONE, &opts.lookup,
   "Check a selector's key with no message: --lookup SELECTOR DOMAIN", NULL},
  {"dns-zone", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.zones,
   "Answer DNS only from this zone file (repeatable; NAME=FILE names the zone)",
   "FILE"},
  {"resolver", 0, 0, G_OPTION_ARG_STRING, &opts.resolver,
   "Send DNS queries to this resolver", "ADDR[@PORT]"},
  {"dns-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &opts.dns_timeout,
   "Seconds to wait for a DNS answer (default 5)", "SECONDS"},
  {"recursive", 0, 0, G_OPTION_ARG_NONE, &opts.recursive,
   "Resolve from the root servers directly, bypassing every cache", NULL},
  {"root-server", 0, 0, G_OPTION_ARG_STRING, &opts.root_server,
   "With --recursive and for cache checks: start at this server instead of "
   "the root servers (private DNS roots)", "ADDR[@PORT]"},
  {"trust-anchor", 0, 0, G_OPTION_ARG_FILENAME, &opts.trust_anchor,
   "Validate DNSSEC with this trust anchor file; 'none' never validates "
   "(default: the root's anchor with --recursive)", "FILE|none"},
  {"jobs", 0, 0, G_OPTION_ARG_INT, &opts.jobs,
   "Threads that read and check messages (default: one per processor)", "N"},
  {"now", 0, 0, G_OPTION_ARG_STRING, &opts.now_text,
   "Check t= and x= against this time instead of the clock", "UNIXTIME"},
  {"demo", 0, 0, G_OPTION_ARG_NONE, &opts.demo,
   "Analyse the bundled offline demo message", NULL},
  {"no-color", 0, 0, G_OPTION_ARG_NONE, &opts.no_color, "Do not use colour", NULL},
  {"version", 0, 0, G_OPTION_ARG_NONE, &opts.version, "Print the version", NULL},
  {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.files, NULL,
   "FILE..."},
  {NULL, 0, 0, 0, NULL, NULL, NULL},
};

static const char summary[] =
  "Explains why a mail's DKIM signatures pass or fail, and who must fix it.\n"
  "On a terminal it opens the interactive view: on FILE, on a message piped\n"
  "in, or on a paste screen when there is neither.  When standard output is\n"
  "no terminal it prints the text report instead.  FILE may be - for\n"
  "standard input.";

static const char description[] =
  "Exit status: 0 every signature passed; 1 a signature failed for a lasting\n"
  "reason (fail, permerror, policy, neutral); 2 the only failures are\n"
  "temporary (temperror); 3 no DKIM signature; 64 usage error; 66 input\n"
  "not readable; 69 DNS resolver could not be set up or no terminal for the\n"
  "interactive view.  The interactive view exits after q as the report\n"
  "would for the message shown, DNS answers still awaited counting as\n"
  "temperror; 64 when no message was analysed; 128+N after signal N.\n"
  "NO_COLOR in the environment means --no-color.";

static int G_GNUC_PRINTF(2, 3)
fail(int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fprintf(stderr, "dkimscope: %s\n", msg);
  return code;
}

static gboolean
parse_now(gint64 *now, GError **error)
{
  if (opts.now_text == NULL) {
    *now = g_get_real_time() / G_USEC_PER_SEC;
    return TRUE;
  }
  guint64 value = 0;
  if (!g_ascii_string_to_unsigned(opts.now_text, 10, 0, G_MAXINT64 / 2, &value, NULL)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--now wants seconds since 1970 (e.g. 1767225600), not '%s'",
                opts.now_text);
    return FALSE;
  }
  *now = (gint64)value;
  return TRUE;
}

/* Checks "ADDR[@PORT]" (IPv6 written bare: "::1@5353") for option, and
 * returns it normalised as "ADDR@PORT" (port 53 when absent). */
static char *
parse_server(const char *option, const char *text, char **addr_out, guint *port_out,
             GError **error)
{
  g_autofree char *addr = g_strdup(text);
  char *at = strrchr(addr, '@');
  guint64 port = 53;
  if (at != NULL) {
    *at = '\0';
    if (!g_ascii_string_to_unsigned(at + 1, 10, 1, 65535, &port, NULL)) {
      g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                  "%s: '%s' is not a port number (1-65535)", option, at + 1);
      return NULL;
    }
  }
  if (!g_hostname_is_ip_address(addr)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "%s wants an IP address, optionally with @PORT, not '%s'",
                option, text);
    return NULL;
  }
  char *normalised = g_strdup_printf("%s@%u", addr, (guint)port);
  if (port_out)
    *port_out = (guint)port;
  if (addr_out)
    *addr_out = g_steal_pointer(&addr);
  return normalised;
}

/* Fills the mode-specific part of config from the options. */
static gboolean
configure_mode(DksResolverConfig *config, GPtrArray *zones, GError **error)
{
  guint modes = (zones->len > 0) + (opts.resolver != NULL) + (opts.recursive != FALSE);
  if (modes > 1) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--dns-zone, --resolver and --recursive exclude each other");
    return FALSE;
  }
  if (opts.root_server) {
    config->root_server = parse_server("--root-server", opts.root_server, NULL,
                                       NULL, error);
    if (config->root_server == NULL)
      return FALSE;
  }
  if (zones->len > 0) {
    config->mode = DKS_RESOLVER_ZONES;
    config->zone_files = zones;
  } else if (opts.resolver) {
    config->mode = DKS_RESOLVER_FORWARD;
    g_autofree char *unused = parse_server("--resolver", opts.resolver,
                                           &config->forward_addr,
                                           &config->forward_port, error);
    if (unused == NULL)
      return FALSE;
  } else if (opts.recursive) {
    config->mode = DKS_RESOLVER_RECURSIVE;
  }
  return TRUE;
}

static char *
demo_dir(void)
{
  /* Installed copy first; the source tree's when running from a build. */
  if (g_file_test(DKS_DEMO_DIR "/demo.eml", G_FILE_TEST_EXISTS))
    return g_strdup(DKS_DEMO_DIR);
  return g_strdup(DKS_SOURCE_DEMO_DIR);
}

static void
add_demo(GPtrArray *zones, GPtrArray *files)
{
  g_autofree char *dir = demo_dir();
  static const char *const demo_zones[] = {DKS_DEMO_ZONES};
  for (guint i = 0; i < G_N_ELEMENTS(demo_zones); i++)
    g_ptr_array_add(zones, g_build_filename(dir, demo_zones[i], NULL));
  g_ptr_array_add(files, g_build_filename(dir, "demo.eml", NULL));
}

static DksResolver *
make_resolver(GPtrArray *zones, int *code)
{
  DksResolverConfig config = {0};
  g_autoptr(GError) error = NULL;
  config.timeout_ms = (guint)(opts.dns_timeout * 1000.0);
  config.trust_anchor = opts.trust_anchor;
  if (opts.dns_timeout <= 0 || opts.dns_timeout > 120) {
    *code = fail(EXIT_USAGE, "--dns-timeout wants 0 < SECONDS <= 120");
    return NULL;
  }
  if (zones->len > DKS_MAX_ZONE_FILES) {
    *code = fail(EXIT_USAGE, "at most %u --dns-zone files", DKS_MAX_ZONE_FILES);
    return NULL;
  }
  if (!configure_mode(&config, zones, &error)) {
    *code = fail(EXIT_USAGE, "%s", error->message);
    g_free(config.root_server);
    g_free(config.forward_addr);
    return NULL;
  }
  DksResolver *resolver = dks_resolver_new(&config, &error);
  g_free(config.forward_addr);
  g_free(config.root_server);
  /* A zone file that cannot be loaded is unusable input, like a message. */
  if (resolver == NULL)
    *code = fail(config.mode == DKS_RESOLVER_ZONES ? EXIT_NO_INPUT : EXIT_UNAVAILABLE,
                 "%s", error->message);
  return resolver;
}

static gboolean
locale_is_utf8(void)
{
  const char *codeset = nl_langinfo(CODESET);
  return codeset && (g_ascii_strcasecmp(codeset, "UTF-8") == 0 ||
                     g_ascii_strcasecmp(codeset, "utf8") == 0);
}

static DksReportFormat
report_format(void)
{
  if (opts.report == NULL)
    return DKS_REPORT_TEXT;
  if (g_str_equal(opts.report, "json"))
    return DKS_REPORT_JSON;
  if (g_str_equal(opts.report, "advice"))
    return DKS_REPORT_ADVICE;
  return DKS_REPORT_TEXT;
}

static DksBatchConfig
batch_config(DksResolver *resolver, gint64 now)
{
  DksBatchConfig config = {
    .resolver = resolver,
    .now = now,
    .format = report_format(),
    .ascii_only = !locale_is_utf8(),
    .jobs = opts.jobs > 0 ? (guint)opts.jobs : g_get_num_processors(),
    .out = stdout,
  };
  return config;
}

/* --lookup as a report: waits for every answer, then prints the run as
 * for a message. */
static int
report_lookup(DksRun *run, DksResolver *resolver, gint64 now)
{
  dks_run_start_dns(run, resolver, NULL, NULL);
  while (!dks_run_is_done(run))
    g_main_context_iteration(NULL, TRUE);
  DksBatchConfig config = batch_config(resolver, now);
  g_autoptr(GString) out = g_string_new(NULL);
  dks_batch_render(out, run, NULL, &config);
  fputs(out->str, stdout);
  fflush(stdout);
  return (int)dks_report_exit_status_for(dks_run_overall(run));
}

static int
report_files(GPtrArray *files, DksResolver *resolver, gint64 now)
{
  DksBatchConfig config = batch_config(resolver, now);
  return dks_batch_run(&config, files);
}

/* no-color.org: NO_COLOR set to anything but the empty string. */
static gboolean
color_wanted(void)
{
  const char *no_color = g_getenv("NO_COLOR");
  return !opts.no_color && (no_color == NULL || *no_color == '\0');
}

/* The interactive view on one message, the lookup, or (neither) the paste
 * screen.  The message is read first: a pipe from a mail client is
 * standard input, and keys then come from /dev/tty. */
static int
run_interactive(GPtrArray *files, DksRun *lookup, DksResolver *resolver, gint64 now)
{
  g_autoptr(GError) error = NULL;
  DksMessage *msg = NULL;
  const char *label = files->len > 0 ? g_ptr_array_index(files, 0) : NULL;
  if (lookup == NULL && label != NULL) {
    msg = dks_message_new_from_file(label, &error);
    if (msg == NULL) {
      dks_resolver_free(resolver);
      return fail(EXIT_NO_INPUT, "%s", error->message);
    }
  }
  DksAppConfig config = {
    .resolver = resolver,
    .msg = msg,
    .lookup = lookup,
    .now = now,
    .color = color_wanted(),
    .utf8 = locale_is_utf8(),
    .label = label,
  };
  int code = dks_app_run(&config, &error);
  if (code < 0)
    return fail(EXIT_UNAVAILABLE, "%s", error->message);
  return code;
}

/* git's and less's rule: a terminal on standard output gets the view, a
 * pipe or file the report; --report and --tui decide otherwise. */
static gboolean
wants_interactive(const GPtrArray *files, int *code)
{
  *code = EXIT_ALL_PASS;
  if (opts.report != NULL)
    return FALSE;
  gboolean interactive = opts.tui || isatty(STDOUT_FILENO);
  if (interactive && !opts.lookup && files->len > 1) {
    if (opts.tui)
      *code = fail(EXIT_USAGE, "--tui opens one message; use --report for several");
    return FALSE;
  }
  return interactive;
}

static void
free_options(void)
{
  g_strfreev(opts.zones);
  g_strfreev(opts.files);
  g_free(opts.report);
  g_free(opts.resolver);
  g_free(opts.now_text);
  g_free(opts.trust_anchor);
  g_free(opts.root_server);
}

static int
run(void)
{
  g_autoptr(GError) error = NULL;
  if (opts.version) {
    printf("dkimscope %s\n", DKS_VERSION);
    return EXIT_ALL_PASS;
  }
  if (opts.report != NULL && opts.tui)
    return fail(EXIT_USAGE, "--report and --tui exclude each other");
  if (opts.jobs < 0 || opts.jobs > (gint)DKS_MAX_JOBS)
    return fail(EXIT_USAGE, "--jobs wants 1 to %u threads (0: one per processor), not %d",
                DKS_MAX_JOBS, opts.jobs);
  gint64 now = 0;
  if (!parse_now(&now, &error))
    return fail(EXIT_USAGE, "%s", error->message);

  g_autoptr(GPtrArray) zones = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
  for (char **z = opts.zones; z && *z; z++)
    g_ptr_array_add(zones, g_strdup(*z));
  for (char **f = opts.files; f && *f; f++)
    g_ptr_array_add(files, g_strdup(*f));
  if (opts.demo && opts.lookup) {
    /* The demo's zones, to look its selectors up. */
    g_autoptr(GPtrArray) unused = g_ptr_array_new_with_free_func(g_free);
    add_demo(zones, unused);
  } else if (opts.demo) {
    add_demo(zones, files);
  }

  g_autoptr(DksRun) lookup = NULL;
  if (opts.lookup) {
    if (files->len != 2)
      return fail(EXIT_USAGE, "--lookup wants two arguments: SELECTOR DOMAIN");
    lookup = dks_run_new_lookup(g_ptr_array_index(files, 0), g_ptr_array_index(files, 1),
                                now, &error);
    if (lookup == NULL) {
      g_autofree char *selector = dks_quote_bytes(g_ptr_array_index(files, 0),
                                                  strlen(g_ptr_array_index(files, 0)), 80);
      g_autofree char *domain = dks_quote_bytes(g_ptr_array_index(files, 1),
                                                strlen(g_ptr_array_index(files, 1)), 80);
      return fail(EXIT_USAGE, "--lookup '%s' '%s': %s", selector, domain, error->message);
    }
  }
  int code = EXIT_ALL_PASS;
  gboolean interactive = wants_interactive(files, &code);
  if (code != EXIT_ALL_PASS)
    return code;
  if (files->len == 0) {
    if (!isatty(STDIN_FILENO))
      g_ptr_array_add(files, g_strdup("-"));
    else if (!interactive)
      return fail(EXIT_USAGE, "no message given: name a FILE, pipe a message in "
                  "(\"-\" reads standard input), or try --demo");
  }

  DksResolver *resolver = make_resolver(zones, &code);
  if (resolver == NULL)
    return code;
  if (interactive)
    return run_interactive(files, g_steal_pointer(&lookup), resolver, now);
  g_autoptr(DksResolver) owned = resolver;
  if (lookup != NULL)
    return report_lookup(lookup, resolver, now);
  return report_files(files, resolver, now);
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  g_autoptr(GOptionContext) context = g_option_context_new("[FILE...]");
  g_autoptr(GError) error = NULL;
  g_option_context_add_main_entries(context, entries, NULL);
  g_option_context_set_summary(context, summary);
  g_option_context_set_description(context, description);
  if (!g_option_context_parse(context, &argc, &argv, &error))
    return fail(EXIT_USAGE, "%s (see --help)", error->message);
  int code = run();
  free_options();
  return code;
}
