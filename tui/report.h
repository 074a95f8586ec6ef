/* report.h — the non-interactive report: the same steps and words as the
 * UI, as text for people or JSON (one object per line) for scripts. */
#pragma once
#include <glib.h>
#include "verify/pipeline.h"

typedef enum {
  DKS_REPORT_TEXT = 0,
  DKS_REPORT_JSON,
  DKS_REPORT_ADVICE,  /* a message to the party who must act */
} DksReportFormat;

typedef struct {
  const char *file;      /* as the user named it ("-" for stdin) */
  const char *resolver;  /* dks_resolver_describe(), or NULL */
  gboolean ascii_only;   /* no UTF-8 symbols (non-UTF-8 locale) */
  guint width;           /* wrap text at this column (0: 80) */
} DksReportOptions;

/* Appends the walkthrough of run as text to out. */
void dks_report_text(GString *out, const DksRun *run, const DksReportOptions *opt);

/* Appends run as one line of JSON (with the final newline) to out. */
void dks_report_json(GString *out, const DksRun *run, const DksReportOptions *opt);

/* Appends the advice text (help/guidance.h) for run, or one line saying
 * there is nothing to fix. */
void dks_report_advice(GString *out, const DksRun *run, const DksReportOptions *opt);

/* Appends a JSON line for a file that could not be analysed. */
void dks_report_json_error(GString *out, const char *file, const char *error);
