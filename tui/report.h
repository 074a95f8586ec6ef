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

/* Exit statuses for a message (README, "Exit status"): the report's, and
 * the interactive view's after q. */
typedef enum {
  DKS_EXIT_PASS = 0,              /* every signature passed */
  DKS_EXIT_LASTING_FAILURE = 1,   /* fail, permerror, policy, neutral */
  DKS_EXIT_TEMPORARY_FAILURE = 2, /* the only failures are temperror */
  DKS_EXIT_NO_SIGNATURE = 3,      /* the message has no DKIM-Signature */
  DKS_EXIT_NO_MESSAGE = 64,       /* EX_USAGE: no message given at all */
} DksExitStatus;

/* The status for a message-level result (dks_run_overall, or a selector
 * lookup's); DKS_RESULT_NONE means no signature. */
DksExitStatus dks_report_exit_status_for(DksResult overall);

/* The status for run, also while it still waits for DNS answers: each
 * answer still awaited counts as a lookup that timed out (temperror), so a
 * signature keeps a verdict that a check before its awaited ones decided,
 * and is temperror otherwise.  For a finished run the same as
 * dks_report_exit_status_for(dks_run_overall(run)). */
DksExitStatus dks_report_exit_status(const DksRun *run);
