/* testutil.h — helpers that several unit tests share: files in the source
 * tree, findings, messages from text.  These need GLib and the parse
 * library only; testutil-run.h adds offline resolvers and runs. */
#pragma once
#include <glib.h>

#include "parse/finding.h"
#include "parse/message.h"

/* A path in the source tree (DKS_SOURCE_ROOT, which meson's test
 * environment sets) from its NULL-terminated parts; free it. */
char *source_path(const char *first, ...) G_GNUC_NULL_TERMINATED;

/* How many findings are of level. */
guint count_level(const GPtrArray *findings, DksFindingLevel level);

/* How many findings are warnings or errors, not notes. */
guint count_problems(const GPtrArray *findings);

/* Whether the text of some finding contains part. */
gboolean findings_mention(const GPtrArray *findings, const char *part);

/* Each finding's text in the test's log. */
void log_findings(const GPtrArray *findings);

/* The message in text (the whole of it, headers and body); aborts the test
 * when it does not parse. */
DksMessage *message_from(const char *text);

/* The resident size of this process's mappings of path (kB, from
 * /proc/self/smaps), or -1 when none maps it. */
gint64 mapped_rss_kb(const char *path);
