/* testutil-run.h — shared test helpers that need the verify library:
 * resolvers answering from the source tree's zone files, runs taken to
 * their end. */
#pragma once
#include "testutil.h"
#include "verify/pipeline.h"

/* A resolver answering only from the zone files names (NULL-terminated)
 * in the source tree's folder dir; aborts the test when they do not load. */
DksResolver *zones_resolver(const char *dir, const char *const *names);

/* The fixtures' zones (tests/fixtures/zones) and the demo's (demo/), as
 * zones_resolver() loads them. */
DksResolver *fixture_zones_resolver(void);
DksResolver *demo_zones_resolver(void);

/* Runs the main context until the run is done and no lookup of it is
 * pending. */
void run_until_done(DksRun *run);
