/* testutil-run.c — shared test helpers that need the verify library
 * (testutil-run.h). */
#include "testutil-run.h"

DksResolver *
zones_resolver(const char *dir, const char *const *names)
{
  g_autoptr(GPtrArray) zones = g_ptr_array_new_with_free_func(g_free);
  for (const char *const *n = names; *n != NULL; n++)
    g_ptr_array_add(zones, source_path(dir, *n, NULL));
  DksResolverConfig config = { .mode = DKS_RESOLVER_ZONES, .zone_files = zones,
                               .timeout_ms = 5000 };
  g_autoptr(GError) error = NULL;
  DksResolver *resolver = dks_resolver_new(&config, &error);
  g_assert_no_error(error);
  return resolver;
}

DksResolver *
fixture_zones_resolver(void)
{
  static const char *const names[] = { "example.com.zone", "example.net.zone",
                                       "example.org.zone", "contoso.onmicrosoft.com.zone",
                                       NULL };
  return zones_resolver("tests/fixtures/zones", names);
}

DksResolver *
demo_zones_resolver(void)
{
  static const char *const names[] = { "northwind.example.net.zone",
                                       "northwindtraders.onmicrosoft.com.zone", NULL };
  return zones_resolver("demo", names);
}

void
run_until_done(DksRun *run)
{
  while (!dks_run_is_done(run) || run->dns_pending > 0)
    g_main_context_iteration(NULL, TRUE);
}
