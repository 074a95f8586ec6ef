/* batch.h — the report over many messages at once.
 *
 * A folder of mail is mostly waiting and hashing: the messages are read,
 * parsed and their bodies hashed by a few worker threads; the DNS lookups
 * of every message in the window are in flight together on the one
 * resolver, whose answers are shared by all (verify/dns.h); reports are
 * rendered by the workers too; and everything is printed in the order
 * the files were given, exactly as one file at a time would print it. */
#pragma once
#include <stdio.h>
#include <glib.h>
#include "tui/report.h"

typedef struct {
  DksResolver *resolver;  /* not owned; used on the calling thread only */
  gint64 now;
  DksReportFormat format;
  gboolean ascii_only;    /* DksReportOptions.ascii_only */
  guint jobs;             /* worker threads; 1 (or one file) does all the
                             work on the calling thread */
  FILE *out;              /* reports; program errors go to stderr */
} DksBatchConfig;

/* Renders run in format into out, as the report prints it for one file
 * (file NULL for a selector lookup). */
void dks_batch_render(GString *out, const DksRun *run, const char *file,
                      const DksBatchConfig *config);

/* Reports on every file (char*; "-" is standard input) and returns the
 * worst exit status (tui/report.h's, or 66 when a file could not be
 * read).  Runs the calling thread's default main context until done. */
int dks_batch_run(const DksBatchConfig *config, const GPtrArray *files);

/* The exit status for input that cannot be read (EX_NOINPUT). */
#define DKS_EXIT_NO_INPUT 66

/* Combines two exit statuses: unreadable input beats a lasting failure,
 * which beats a temporary one, which beats "no signature", which beats a
 * pass. */
int dks_batch_combine_exit(int a, int b);
