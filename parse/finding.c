/* finding.c — findings: problems in the input, kept as data. */
#include "parse/finding.h"

#include <stdarg.h>

void
dks_finding_free(DksFinding *finding)
{
  if (finding == NULL)
    return;
  g_free(finding->tag);
  g_free(finding->text);
  g_free(finding);
}

GPtrArray *
dks_findings_new(void)
{
  return g_ptr_array_new_with_free_func((GDestroyNotify)dks_finding_free);
}

void
dks_findings_add(GPtrArray *findings, DksFindingLevel level, const char *tag,
                 const char *fmt, ...)
{
  if (findings == NULL || fmt == NULL)
    return;

  DksFinding *finding = g_new0(DksFinding, 1);
  finding->level = level;
  finding->tag = g_strdup(tag);

  va_list args;
  va_start(args, fmt);
  finding->text = g_strdup_vprintf(fmt, args);
  va_end(args);

  g_ptr_array_add(findings, finding);
}

gboolean
dks_findings_have_error(const GPtrArray *findings)
{
  if (findings == NULL)
    return FALSE;
  for (guint i = 0; i < findings->len; i++) {
    const DksFinding *finding = g_ptr_array_index((GPtrArray *)findings, i);
    if (finding != NULL && finding->level == DKS_FINDING_ERROR)
      return TRUE;
  }
  return FALSE;
}

char *
dks_quote_bytes(const char *data, gsize len, gsize max_bytes)
{
  GString *out = g_string_sized_new(MIN(len, max_bytes) + 8);
  gsize shown = MIN(len, max_bytes);

  if (data == NULL)
    shown = 0;
  for (gsize i = 0; i < shown; i++) {
    guchar c = (guchar)data[i];
    if (c >= 0x20 && c < 0x7f)
      g_string_append_c(out, (char)c);
    else
      g_string_append_printf(out, "\\x%02X", c);
  }
  if (data != NULL && len > max_bytes)
    g_string_append(out, "…");
  return g_string_free(out, FALSE);
}
