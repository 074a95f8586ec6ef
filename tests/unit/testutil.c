/* testutil.c — helpers that several unit tests share (testutil.h). */
#include "testutil.h"

#include <string.h>

#include "parse/finding.h"

char *
source_path(const char *first, ...)
{
  const char *root = g_getenv("DKS_SOURCE_ROOT");
  g_assert_nonnull(root);
  va_list ap;
  va_start(ap, first);
  GPtrArray *parts = g_ptr_array_new();
  g_ptr_array_add(parts, (gpointer)root);
  for (const char *p = first; p != NULL; p = va_arg(ap, const char *))
    g_ptr_array_add(parts, (gpointer)p);
  va_end(ap);
  g_ptr_array_add(parts, NULL);
  char *path = g_build_filenamev((char **)parts->pdata);
  g_ptr_array_free(parts, TRUE);
  return path;
}

guint
count_level(const GPtrArray *findings, DksFindingLevel level)
{
  guint n = 0;
  for (guint i = 0; i < findings->len; i++)
    n += ((const DksFinding *)g_ptr_array_index((GPtrArray *)findings, i))->level == level;
  return n;
}

guint
count_problems(const GPtrArray *findings)
{
  return findings->len - count_level(findings, DKS_FINDING_NOTE);
}

gboolean
findings_mention(const GPtrArray *findings, const char *part)
{
  for (guint i = 0; i < findings->len; i++) {
    const DksFinding *f = g_ptr_array_index((GPtrArray *)findings, i);
    if (strstr(f->text, part) != NULL)
      return TRUE;
  }
  return FALSE;
}

void
log_findings(const GPtrArray *findings)
{
  for (guint i = 0; i < findings->len; i++) {
    const DksFinding *f = g_ptr_array_index((GPtrArray *)findings, i);
    g_test_message("  finding: %s", f->text);
  }
}

DksMessage *
message_from(const char *text)
{
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(text, strlen(text), &error);
  g_assert_no_error(error);
  return msg;
}

gint64
mapped_rss_kb(const char *path)
{
  g_autofree char *smaps = NULL;
  g_assert_true(g_file_get_contents("/proc/self/smaps", &smaps, NULL, NULL));
  g_auto(GStrv) lines = g_strsplit(smaps, "\n", -1);
  gint64 total = -1;
  gboolean in_path = FALSE;
  for (guint i = 0; lines[i] != NULL; i++) {
    const char *line = lines[i];
    /* a mapping's first line: "start-end perms offset dev inode path" */
    if (g_ascii_isxdigit(line[0]) && strchr(line, '-') != NULL &&
        strchr(line, '-') < strchr(line, ' ')) {
      in_path = g_str_has_suffix(line, path);
      if (in_path && total < 0)
        total = 0;
    } else if (in_path && g_str_has_prefix(line, "Rss:")) {
      total += g_ascii_strtoll(line + 4, NULL, 10);
    }
  }
  return total;
}
