/* app.c — the interactive view: one GLib main loop for terminal keys, DNS
 * answers, the spinner and signals.  Keys become commands through the key
 * table, the model turns commands into state and effects, the layout draws
 * the state into a canvas and curses.c copies it to the terminal.  This
 * file performs the effects (re-check, copy, save, paste) and owns what
 * lives longer than one key: the run, the resolver, the terminal.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib-unix.h>

#include "help/guidance.h"
#include "help/texts.h"
#include "parse/finding.h"
#include "parse/limits.h"
#include "tui/app.h"
#include "tui/canvas.h"
#include "tui/curses.h"
#include "tui/keys.h"
#include "tui/layout.h"
#include "tui/model.h"
#include "tui/paste.h"
#include "tui/report.h"
#include "tui/sanitize.h"
#include "verify/crypto.h"

/* ====================================================================
 * The interactive view
 * ==================================================================== */

#define DEFAULT_REPORT_PATH "./dkimscope-report.txt"
#define DEFAULT_ADVICE_PATH "./dkimscope-advice.txt"
#define SPINNER_MS 100
#define KEYS_PER_BATCH 4096u     /* then back to the loop: a long paste
                                    never starves DNS answers or signals */

typedef enum {
  PROMPT_NONE = 0,
  PROMPT_PATH,        /* typing the file name */
  PROMPT_OVERWRITE,   /* the file exists: y/n */
  PROMPT_LOOKUP,      /* typing SELECTOR DOMAIN to look up */
} PromptStage;

typedef struct {
  GMainLoop *loop;
  DksTerm *term;
  DksCanvas *canvas;
  DksUiState ui;
  DksResolver *resolver;   /* NULL only when a fresh one could not be made */
  DksRun *run;             /* the message or selector lookup shown, or NULL */
  gint64 now;
  gboolean utf8;
  char *label;             /* the message's name in reports */
  gboolean rechecking;     /* say when the re-check is done */

  GString *paste;          /* the paste screen's text */
  gboolean paste_cr;       /* the last pasted character was CR */
  gboolean paste_open;     /* a bracketed paste is arriving ... */
  gsize paste_from;        /* ... and its text starts here in paste */
  gboolean paste_full;     /* the text reached DKS_MAX_MESSAGE_BYTES */

  PromptStage prompt;
  GString *prompt_text;    /* the text typed at the prompt */
  gboolean prompt_advice;  /* saving the advice text, not the report */

  guint input_id, spinner_id, redraw_id, stop_id;
  guint signal_ids[4];
  int exit_code;
} App;

static void app_schedule_redraw(App *app);
static void app_perform(App *app, guint effects);

static void
app_status(App *app, const char *text)
{
  dks_ui_set_status(&app->ui, text);
  app_schedule_redraw(app);
}

static void G_GNUC_PRINTF(2, 3)
app_statusf(App *app, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autofree char *clean = dks_sanitize(text, -1, !app->utf8);
  app_status(app, clean);
}

static gboolean
app_dns_pending(const App *app)
{
  if (app->run)
    return !dks_run_is_done(app->run) || app->run->dns_pending > 0;
  return FALSE;
}

/* q: leaves with the status the report gives for what is shown (README,
 * "Exit status"), answers still awaited counting as timed out.  Nothing
 * analysed yet: DKS_EXIT_NO_MESSAGE, as the report says when given no
 * message. */
static void
app_quit(App *app)
{
  if (app->run != NULL)
    app->exit_code = dks_report_exit_status(app->run);
  else
    app->exit_code = DKS_EXIT_NO_MESSAGE;
  g_main_loop_quit(app->loop);
}

/* ---------- drawing ---------- */

static void
app_draw(App *app)
{
  guint width, height;
  dks_term_size(app->term, &width, &height);
  if (app->canvas == NULL || app->canvas->width != width ||
      app->canvas->height != height) {
    dks_canvas_free(app->canvas);
    app->canvas = dks_canvas_new(width, height);
  }
  dks_canvas_clear(app->canvas);
  if (app->ui.screen == DKS_SCREEN_PASTE)
    dks_layout(app->canvas, &app->ui, app->run, app->paste->str);
  else if (app->run != NULL)
    dks_layout(app->canvas, &app->ui, app->run, NULL);
  dks_term_draw(app->term, app->canvas);
}

static gboolean
on_redraw(gpointer user_data)
{
  App *app = user_data;
  app->redraw_id = 0;
  app_draw(app);
  return G_SOURCE_REMOVE;
}

/* Redraws once the loop is idle: a burst of DNS answers or keys costs one
 * frame. */
static void
app_schedule_redraw(App *app)
{
  if (app->redraw_id == 0)
    app->redraw_id = g_idle_add_full(G_PRIORITY_HIGH_IDLE, on_redraw, app, NULL);
}

/* ---------- DNS progress ---------- */

static gboolean
on_spinner(gpointer user_data)
{
  App *app = user_data;
  if (app->run)
    dks_ui_tick(&app->ui, app->run);
  else
    app->ui.spinner++;
  app_schedule_redraw(app);
  if (app_dns_pending(app))
    return G_SOURCE_CONTINUE;
  app->spinner_id = 0;
  return G_SOURCE_REMOVE;
}

/* The spinner runs only while answers are awaited. */
static void
app_update_spinner(App *app)
{
  if (app->spinner_id == 0 && app_dns_pending(app))
    app->spinner_id = g_timeout_add(SPINNER_MS, on_spinner, app);
}

static void
app_note_recheck_done(App *app)
{
  if (!app->rechecking || app_dns_pending(app))
    return;
  app->rechecking = FALSE;
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *when = g_date_time_format(now, "%H:%M:%S");
  app_statusf(app, "Re-checked at %s, bypassing DNS caches", when);
}

static void
on_run_changed(DksRun *run, gpointer user_data)
{
  (void)run;
  App *app = user_data;
  app_note_recheck_done(app);
  app_schedule_redraw(app);
}

/* ---------- what is shown ---------- */

/* Frees the run shown.  Lookups still in flight are cancelled by
 * replacing the resolver they wait on with a fresh one (freeing a resolver
 * cancels without calling back). */
static void
app_drop_content(App *app)
{
  if (app_dns_pending(app) && app->resolver != NULL) {
    g_autoptr(GError) error = NULL;
    DksResolver *fresh = dks_resolver_new_fresh(app->resolver, &error);
    if (fresh == NULL)
      app_statusf(app, "DNS: %s", error->message);
    dks_resolver_free(app->resolver);
    app->resolver = fresh;
  }
  g_clear_pointer(&app->run, dks_run_free);
  app->rechecking = FALSE;
}

/* What the title line calls the message. */
static const char *
title_for(const char *label)
{
  if (label == NULL || g_str_equal(label, "-"))
    return "standard input";
  return label;
}

/* Shows run (taken): a message's, titled by label ("-" for standard
 * input), or a selector lookup's, titled by its key name. */
static void
app_show_run(App *app, DksRun *run, const char *label)
{
  app_drop_content(app);
  char *copy = g_strdup(label);   /* label may be app->label itself */
  g_free(app->label);
  app->label = copy;
  app->run = run;
  dks_ui_open_run(&app->ui, app->run);
  if (dks_run_is_lookup(run)) {
    const DksSigRun *sr = g_ptr_array_index(run->sigs, 0);
    g_autofree char *title = g_strdup_printf("selector lookup: %s", sr->key_name);
    dks_ui_set_title(&app->ui, title);
  } else {
    dks_ui_set_title(&app->ui, title_for(app->label));
  }
  if (app->resolver)
    dks_run_start_dns(app->run, app->resolver, on_run_changed, app);
  app_update_spinner(app);
  app_schedule_redraw(app);
}

static void
app_show_message(App *app, DksMessage *msg, const char *label)
{
  app_show_run(app, dks_run_new(msg, app->now), label);
}

/* ---------- the paste screen ---------- */

/* The paste screen, for a paste that arrives elsewhere (the model opens
 * it itself for p). */
static void
app_open_paste(App *app)
{
  if (app->run == NULL) {
    app->ui.screen = DKS_SCREEN_PASTE;
    app->ui.help_open = app->ui.advice_open = app->ui.searching = FALSE;
  } else if (app->ui.screen != DKS_SCREEN_PASTE) {
    dks_ui_apply(&app->ui, app->run, DKS_CMD_PASTE);
  }
  app_schedule_redraw(app);
}

static void
paste_append(App *app, gunichar ch)
{
  if (app->paste->len + 6 > DKS_MAX_MESSAGE_BYTES) {
    if (!app->paste_full)
      app_statusf(app, "The pasted text reached the %u MiB limit; the rest is "
                  "left out", DKS_MAX_MESSAGE_BYTES / (1024u * 1024u));
    app->paste_full = TRUE;
    return;
  }
  g_string_append_unichar(app->paste, ch);
}

static void
paste_backspace(App *app)
{
  if (app->paste->len == 0)
    return;
  const char *start = app->paste->str;
  const char *prev = g_utf8_find_prev_char(start, start + app->paste->len);
  g_string_truncate(app->paste, prev ? (gsize)(prev - start) : 0);
  app->paste_full = FALSE;
}

/* A pasted character: terminals send line ends as CR (some as CRLF); the
 * message wants one line end per line. */
static void
paste_add_pasted(App *app, guint key)
{
  if (!app->paste_open) {
    app->paste_open = TRUE;
    app->paste_from = app->paste->len;
  }
  if (key == '\r') {
    paste_append(app, '\n');
    app->paste_cr = TRUE;
    return;
  }
  gboolean after_cr = app->paste_cr;
  app->paste_cr = FALSE;
  if (key == '\n') {
    if (!after_cr)
      paste_append(app, '\n');
    return;
  }
  if (key == '\t' || (key >= 0x20 && key < 0x110000))
    paste_append(app, key);
}

/* A bracketed paste is complete: text with CRLF line ends arrived with
 * every line end doubled (paste.h). */
static void
paste_close(App *app)
{
  if (!app->paste_open)
    return;
  app->paste_open = FALSE;
  if (dks_paste_undouble_line_ends(app->paste, app->paste_from))
    app_schedule_redraw(app);
}

/* The text's only line, trimmed, when it is one line; else NULL. */
static char *
paste_single_line(const GString *text)
{
  g_autofree char *copy = g_strstrip(g_strdup(text->str));
  if (*copy == '\0' || strchr(copy, '\n') != NULL)
    return NULL;
  return g_steal_pointer(&copy);
}

static gboolean
paste_try_file(App *app, const char *line)
{
  g_autofree char *path = g_str_has_prefix(line, "~/")
                            ? g_build_filename(g_get_home_dir(), line + 2, NULL)
                            : g_strdup(line);
  if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
    return FALSE;
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(path, &error);
  if (msg == NULL) {
    app_statusf(app, "%s", error->message);
    return TRUE;
  }
  g_string_truncate(app->paste, 0);
  app_show_message(app, msg, path);
  return TRUE;
}

/* "SELECTOR DOMAIN" or "SELECTOR._domainkey.DOMAIN" into its two parts;
 * FALSE when line has another shape (an address, a header, three words). */
static gboolean
split_lookup_line(const char *line, char **selector, char **domain)
{
  if (strpbrk(line, ":@<>") != NULL)
    return FALSE;
  g_auto(GStrv) words = g_strsplit_set(line, " \t", -1);
  const char *parts[2] = {NULL, NULL};
  guint n = 0;
  for (guint i = 0; words[i]; i++)
    if (*words[i] != '\0') {
      if (n == 2)
        return FALSE;
      parts[n++] = words[i];
    }
  if (n == 2) {
    *selector = g_strdup(parts[0]);
    *domain = g_strdup(parts[1]);
    return TRUE;
  }
  const char *mark = n == 1 ? strstr(parts[0], "._domainkey.") : NULL;
  if (mark == NULL || mark == parts[0])
    return FALSE;
  *selector = g_strndup(parts[0], mark - parts[0]);
  *domain = g_strdup(mark + strlen("._domainkey."));
  return TRUE;
}

/* Looks selector up at domain and shows it; FALSE (and a status line
 * saying why) when the two form no key name. */
static gboolean
app_look_up(App *app, const char *selector, const char *domain)
{
  g_autoptr(GError) error = NULL;
  DksRun *run = dks_run_new_lookup(selector, domain, app->now, &error);
  if (run == NULL) {
    app_statusf(app, "Not looked up: %s", error->message);
    return FALSE;
  }
  app_show_run(app, run, "-");
  return TRUE;
}

/* One pasted line "SELECTOR DOMAIN": look the key up. */
static gboolean
paste_try_lookup(App *app, const char *line)
{
  g_autofree char *selector = NULL, *domain = NULL;
  if (!split_lookup_line(line, &selector, &domain))
    return FALSE;
  if (app_look_up(app, selector, domain))
    g_string_truncate(app->paste, 0);
  return TRUE;
}

/* Esc: back to what was shown before the paste screen. */
static void
paste_go_back(App *app)
{
  if (app->run == NULL) {
    app_status(app, "Paste a message first, or press Ctrl-C to quit");
    return;
  }
  app_perform(app, dks_ui_apply(&app->ui, app->run, DKS_CMD_BACK));
}

/* Ctrl-D: as at a shell prompt, end of input.  Nothing pasted: leave (or
 * go back to the message shown).  One line naming a file: open it; one
 * line "SELECTOR DOMAIN": look the key up.  Otherwise analyse the text. */
static void
paste_finish(App *app)
{
  if (app->paste->len == 0) {
    if (app->run == NULL)
      app_quit(app);
    else
      paste_go_back(app);
    return;
  }
  g_autofree char *line = paste_single_line(app->paste);
  if (line != NULL && (paste_try_file(app, line) || paste_try_lookup(app, line)))
    return;
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_data(app->paste->str, app->paste->len, &error);
  if (msg == NULL) {
    if (line != NULL)
      app_status(app, "Not a message: paste its headers (or all of it), a file's "
                 "path, or SELECTOR DOMAIN");
    else
      app_statusf(app, "%s", error->message);
    return;
  }
  g_string_truncate(app->paste, 0);
  app->paste_full = FALSE;
  app_show_message(app, msg, "pasted text");
}

/* A key typed on the paste screen: text, except Ctrl-D (finish), Esc
 * (back) and the keys the model takes there (F1, Ctrl-L). */
static void
paste_key(App *app, guint key)
{
  app->paste_cr = FALSE;
  switch (key) {
  case DKS_KEY_CTRL_D: paste_finish(app); break;
  case DKS_KEY_ENTER: paste_append(app, '\n'); break;
  case DKS_KEY_TAB: paste_append(app, '\t'); break;
  case DKS_KEY_BACKSPACE: paste_backspace(app); break;
  case DKS_KEY_ESCAPE: paste_go_back(app); break;
  case DKS_KEY_CTRL_C:   /* as SIGINT, when the terminal sends it as a key */
    app->exit_code = 128 + SIGINT;
    g_main_loop_quit(app->loop);
    break;
  case DKS_KEY_CTRL_L:
    dks_term_invalidate(app->term);
    break;
  case DKS_KEY_F1:
    app_perform(app, dks_ui_apply(&app->ui, app->run, DKS_CMD_HELP));
    break;
  default:
    if (key >= 0x20 && key < 0x110000)
      paste_append(app, key);
    break;
  }
  app_schedule_redraw(app);
}

/* ---------- copy and save ---------- */

/* The text that copy and save hand out: the advice when its overlay is
 * open, else the report.  Caller frees. */
static char *
app_export_text(App *app, gboolean *is_advice)
{
  g_autoptr(GString) out = g_string_new(NULL);
  *is_advice = FALSE;
  if (app->run) {
    DksReportOptions ropt = {
      .file = dks_run_is_lookup(app->run) ? NULL : app->label,
      .resolver = app->resolver ? dks_resolver_describe(app->resolver) : NULL,
      .ascii_only = !app->utf8,
      .width = 80,
    };
    if (app->ui.advice_open) {
      dks_report_advice(out, app->run, &ropt);
      *is_advice = TRUE;
    } else {
      dks_report_text(out, app->run, &ropt);
    }
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* OSC 52 puts text on the clipboard of the terminal the user sits at, also
 * over SSH; tmux passes it on with set-clipboard on. */
static void
app_copy(App *app)
{
  gboolean advice = FALSE;
  g_autofree char *text = app_export_text(app, &advice);
  if (*text == '\0')
    return;
  g_autofree char *b64 = g_base64_encode((const guchar *)text, strlen(text));
  if (strlen(b64) + strlen("\033]52;c;\a") > DKS_MAX_OSC52_BYTES) {
    app_status(app, "Too long for the clipboard: save it with s instead");
    return;
  }
  g_autofree char *seq = g_strdup_printf("\033]52;c;%s\a", b64);
  g_autoptr(GError) error = NULL;
  if (!dks_term_write_raw(app->term, seq, strlen(seq), &error)) {
    app_statusf(app, "Not copied: %s", error->message);
    return;
  }
  app_statusf(app, "Copied the %s (OSC 52)%s; in tmux: set -g set-clipboard on",
              advice ? "advice" : "report",
              app_dns_pending(app) ? ", DNS still pending" : "");
}

static void
prompt_show(App *app)
{
  g_autofree char *clean = dks_sanitize(app->prompt_text->str, -1, !app->utf8);
  const char *what = app->prompt_advice ? "advice" : "report";
  g_autofree char *text =
    app->prompt == PROMPT_LOOKUP
      ? g_strdup_printf("Look up SELECTOR DOMAIN: %s_   (Enter looks up, Esc cancels)", clean)
    : app->prompt == PROMPT_OVERWRITE
      ? g_strdup_printf("%s exists. Overwrite it? (y/n)", clean)
      : g_strdup_printf("Save the %s to: %s_   (Enter saves, Esc cancels)", what, clean);
  app_status(app, text);
}

static void
app_start_save(App *app)
{
  if (app->run == NULL)
    return;
  app->prompt = PROMPT_PATH;
  app->prompt_advice = app->run != NULL && app->ui.advice_open;
  g_string_assign(app->prompt_text,
                  app->prompt_advice ? DEFAULT_ADVICE_PATH : DEFAULT_REPORT_PATH);
  prompt_show(app);
}

/* l: ask for a selector to look up, starting from the selected
 * signature's, so checking the other Microsoft 365 selector is one edit. */
static void
app_start_lookup(App *app)
{
  app->prompt = PROMPT_LOOKUP;
  g_string_truncate(app->prompt_text, 0);
  guint n = app->run ? app->run->sigs->len : 0;
  if (n > 0) {
    const DksSigRun *sr = g_ptr_array_index(app->run->sigs, MIN(app->ui.sig, n - 1));
    if (sr->key_name != NULL)
      g_string_printf(app->prompt_text, "%s %s", sr->sig->selector, sr->sig->domain);
  }
  prompt_show(app);
}

static void
prompt_look_up(App *app)
{
  g_autofree char *line = g_strstrip(g_strdup(app->prompt_text->str));
  g_autofree char *selector = NULL, *domain = NULL;
  if (!split_lookup_line(line, &selector, &domain)) {
    app_status(app, "Type a selector and a domain, as in: selector1 example.com "
               "(Esc cancels)");
    return;
  }
  if (app_look_up(app, selector, domain))
    app->prompt = PROMPT_NONE;
}

static char *
prompt_expanded_path(const App *app)
{
  const char *path = app->prompt_text->str;
  if (*path == '\0')
    path = app->prompt_advice ? DEFAULT_ADVICE_PATH : DEFAULT_REPORT_PATH;
  if (g_str_has_prefix(path, "~/"))
    return g_build_filename(g_get_home_dir(), path + 2, NULL);
  return g_strdup(path);
}

/* Writes the text; never replaces a file unless overwrite (the user said
 * y).  "wx" creates exclusively, so a file appearing meanwhile is not
 * clobbered either. */
static void
prompt_write(App *app, gboolean overwrite)
{
  g_autofree char *path = prompt_expanded_path(app);
  gboolean advice = FALSE;
  gboolean saved_advice_open = app->ui.advice_open;
  app->ui.advice_open = app->prompt_advice;
  g_autofree char *text = app_export_text(app, &advice);
  app->ui.advice_open = saved_advice_open;
  FILE *f = fopen(path, overwrite ? "w" : "wx");
  if (f == NULL && errno == EEXIST) {
    app->prompt = PROMPT_OVERWRITE;
    prompt_show(app);
    return;
  }
  if (f == NULL) {
    int err = errno;
    app->prompt = PROMPT_NONE;
    app_statusf(app, "Not saved: %s: %s", path, g_strerror(err));
    return;
  }
  gsize len = strlen(text);
  gboolean ok = fwrite(text, 1, len, f) == len;
  int err = errno;
  if (fclose(f) != 0 && ok) {
    ok = FALSE;
    err = errno;
  }
  app->prompt = PROMPT_NONE;
  if (!ok)
    app_statusf(app, "Not saved: %s: %s", path, g_strerror(err));
  else
    app_statusf(app, "Saved the %s to %s", advice ? "advice" : "report", path);
}

static void
prompt_confirm(App *app)
{
  g_autofree char *path = prompt_expanded_path(app);
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    app_statusf(app, "%s is a folder: name a file (Esc cancels)", path);
    return;
  }
  prompt_write(app, FALSE);
}

static void
prompt_key(App *app, const DksTermKey *k)
{
  if (app->prompt == PROMPT_OVERWRITE) {
    if (k->key == 'y' || k->key == 'Y') {
      prompt_write(app, TRUE);
    } else {
      app->prompt = PROMPT_PATH;
      prompt_show(app);
    }
    return;
  }
  switch (k->key) {
  case DKS_KEY_ENTER:
    if (k->pasted)
      return;
    if (app->prompt == PROMPT_LOOKUP)
      prompt_look_up(app);
    else
      prompt_confirm(app);
    return;
  case DKS_KEY_ESCAPE:
  case DKS_KEY_CTRL_C:
    app_status(app, app->prompt == PROMPT_LOOKUP ? "Not looked up" : "Not saved");
    app->prompt = PROMPT_NONE;
    return;
  case DKS_KEY_BACKSPACE: {
    const char *start = app->prompt_text->str;
    const char *prev = g_utf8_find_prev_char(start, start + app->prompt_text->len);
    g_string_truncate(app->prompt_text, prev ? (gsize)(prev - start) : 0);
    break;
  }
  case 0x15: /* Ctrl-U, as in a shell: clear the line */
    g_string_truncate(app->prompt_text, 0);
    break;
  default:
    if (k->key >= 0x20 && k->key < 0x110000 && app->prompt_text->len < DKS_MAX_PROMPT_BYTES)
      g_string_append_unichar(app->prompt_text, k->key);
    break;
  }
  prompt_show(app);
}

/* ---------- re-check ---------- */

/* The sender's admin says "published": ask again on a fresh resolver, so
 * no cached (negative) answer stands in the way. */
static void
app_recheck(App *app)
{
  if (app->run == NULL)
    return;
  if (app_dns_pending(app)) {
    app_status(app, "Still waiting for DNS answers; re-check once they are in");
    return;
  }
  if (app->resolver == NULL) {
    app_status(app, "No DNS resolver: restart dkimscope");
    return;
  }
  g_autoptr(GError) error = NULL;
  DksResolver *fresh = dks_resolver_new_fresh(app->resolver, &error);
  if (fresh == NULL) {
    app_statusf(app, "Re-check failed: %s", error->message);
    return;
  }
  if (!dks_run_recheck_dns(app->run, fresh, on_run_changed, app)) {
    dks_resolver_free(fresh);
    app_status(app, "Still waiting for DNS answers; re-check once they are in");
    return;
  }
  dks_resolver_free(app->resolver);
  app->resolver = fresh;
  app->rechecking = TRUE;
  app_status(app, "Re-checking, bypassing DNS caches...");
  app_note_recheck_done(app);
  app_update_spinner(app);
}

/* ---------- keys ---------- */

static void
app_perform(App *app, guint effects)
{
  if (effects & DKS_EFFECT_QUIT) {
    app_quit(app);
    return;
  }
  if (effects & DKS_EFFECT_RECHECK)
    app_recheck(app);
  if (effects & DKS_EFFECT_COPY)
    app_copy(app);
  if (effects & DKS_EFFECT_SAVE)
    app_start_save(app);
  if (effects & DKS_EFFECT_PASTE)
    app_open_paste(app);
  if (effects & DKS_EFFECT_LOOKUP)
    app_start_lookup(app);
  if (effects != DKS_EFFECT_NONE)
    app_schedule_redraw(app);
}

static void
app_resize(App *app)
{
  dks_term_update_size(app->term);
  guint width, height;
  dks_term_size(app->term, &width, &height);
  app_perform(app, dks_ui_resize(&app->ui, width, height));
  dks_term_invalidate(app->term);
  app_draw(app);
}

/* Where a key goes: the save prompt, the paste text, or the model. */
static void
app_key(App *app, const DksTermKey *k)
{
  if (k->key == DKS_KEY_RESIZE) {
    app_resize(app);
    return;
  }
  /* A typed key after pasted text also ends the paste, should its end
   * marker have been lost. */
  if (k->paste_end || !k->pasted)
    paste_close(app);
  if (k->paste_end)
    return;
  if (app->prompt != PROMPT_NONE) {
    prompt_key(app, k);
    return;
  }
  if (k->pasted) {
    /* Pasted text is never a command: a search takes it, else it is the
     * next message, wherever it was pasted. */
    if (app->ui.searching && app->run) {
      app_perform(app, dks_ui_type(&app->ui, app->run, k->key));
      return;
    }
    if (app->ui.screen != DKS_SCREEN_PASTE || app->ui.help_open) {
      app_open_paste(app);
      app->ui.help_open = FALSE;
    }
    paste_add_pasted(app, k->key);
    app_schedule_redraw(app);
    return;
  }
  if (app->ui.screen == DKS_SCREEN_PASTE && !app->ui.help_open) {
    paste_key(app, k->key);
    return;
  }
  if (dks_key_command(k->key) == DKS_CMD_REDRAW && !app->ui.searching)
    dks_term_invalidate(app->term);
  app_perform(app, dks_ui_key(&app->ui, app->run, k->key));
}

static gboolean
on_input(int fd, GIOCondition condition, gpointer user_data)
{
  (void)fd;
  App *app = user_data;
  DksTermKey k;
  guint n = 0;
  while (n++ < KEYS_PER_BATCH && g_main_loop_is_running(app->loop) &&
         dks_term_read_key(app->term, &k))
    app_key(app, &k);
  if ((condition & (G_IO_HUP | G_IO_ERR)) && n == 1) {
    /* The terminal went away and nothing more can be read. */
    app->exit_code = 128 + SIGHUP;
    app->input_id = 0;
    g_main_loop_quit(app->loop);
    return G_SOURCE_REMOVE;
  }
  return G_SOURCE_CONTINUE;
}

/* ---------- signals ---------- */

static gboolean
quit_for_signal(App *app, int sig)
{
  app->exit_code = 128 + sig;
  g_main_loop_quit(app->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean on_sigint(gpointer app) { return quit_for_signal(app, SIGINT); }
static gboolean on_sigterm(gpointer app) { return quit_for_signal(app, SIGTERM); }
static gboolean on_sighup(gpointer app) { return quit_for_signal(app, SIGHUP); }

static gboolean
on_sigwinch(gpointer user_data)
{
  App *app = user_data;
  if (app->term)
    app_resize(app);
  return G_SOURCE_CONTINUE;
}

/* ---------- suspending (Ctrl-Z) and continuing ----------
 * GLib's signal sources know neither SIGTSTP nor SIGCONT, so a handler
 * writes the signal into a pipe and the loop acts on it there: curses and
 * the terminal are no work for a signal handler. */

static struct {
  int fds[2];                  /* read, write; -1 when not set up */
  gboolean tstp_ours, cont_ours;
  struct sigaction tstp_before, cont_before;
} stop_pipe = {.fds = {-1, -1}};

#define STOP_BYTE 'T'
#define CONT_BYTE 'C'

static void
on_stop_signal(int sig)
{
  int saved_errno = errno;
  char byte = sig == SIGTSTP ? STOP_BYTE : CONT_BYTE;
  /* A full pipe already holds enough to act on. */
  ssize_t n = write(stop_pipe.fds[1], &byte, 1);
  (void)n;
  errno = saved_errno;
}

/* Gives the terminal back, stops as SIGTSTP's default would, and returns
 * once continued (fg). */
static void
app_stop(App *app)
{
  dks_term_suspend(app->term);
  struct sigaction stop = {0}, ours;
  stop.sa_handler = SIG_DFL;
  sigemptyset(&stop.sa_mask);
  sigaction(SIGTSTP, &stop, &ours);
  /* In an orphaned process group the kernel drops it: we go on at once. */
  raise(SIGTSTP);
  sigaction(SIGTSTP, &ours, NULL);
}

/* The last signal written into the pipe, or 0. */
static char
drain_stop_pipe(int fd)
{
  char bytes[64];
  char last = 0;
  ssize_t n;
  while ((n = read(fd, bytes, sizeof bytes)) > 0)
    last = bytes[n - 1];
  return last;
}

static gboolean
on_stop_pipe(int fd, GIOCondition condition, gpointer user_data)
{
  (void)condition;
  App *app = user_data;
  char last = drain_stop_pipe(fd);
  if (last == 0)
    return G_SOURCE_CONTINUE;
  /* A SIGCONT after the SIGTSTP means someone else already stopped us
   * (a mail client stops its whole process group): only take the
   * terminal back then.  After our own stop, the SIGCONT that continued
   * us is drained, so it costs no second repaint. */
  while (last == STOP_BYTE) {
    app_stop(app);
    last = drain_stop_pipe(fd);
  }
  dks_term_resume(app->term);
  app_resize(app);   /* the size, if it changed meanwhile, and a redraw */
  return G_SOURCE_CONTINUE;
}

static void
catch_signal(int sig, gboolean *ours, struct sigaction *before)
{
  struct sigaction action = {0};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  *ours = sigaction(sig, &action, before) == 0;
}

/* SIGTSTP only when its default is in place: a parent that ignores it
 * (no job control) does not want us stopped. */
static void
app_watch_stops(App *app)
{
  struct sigaction current;
  if (sigaction(SIGTSTP, NULL, &current) != 0 || current.sa_handler != SIG_DFL)
    return;
  if (!g_unix_open_pipe(stop_pipe.fds, FD_CLOEXEC, NULL))
    return;
  g_unix_set_fd_nonblocking(stop_pipe.fds[0], TRUE, NULL);
  g_unix_set_fd_nonblocking(stop_pipe.fds[1], TRUE, NULL);
  catch_signal(SIGTSTP, &stop_pipe.tstp_ours, &stop_pipe.tstp_before);
  catch_signal(SIGCONT, &stop_pipe.cont_ours, &stop_pipe.cont_before);
  app->stop_id = g_unix_fd_add(stop_pipe.fds[0], G_IO_IN, on_stop_pipe, app);
}

static void
app_unwatch_stops(App *app)
{
  g_clear_handle_id(&app->stop_id, g_source_remove);
  if (stop_pipe.tstp_ours)
    sigaction(SIGTSTP, &stop_pipe.tstp_before, NULL);
  if (stop_pipe.cont_ours)
    sigaction(SIGCONT, &stop_pipe.cont_before, NULL);
  stop_pipe.tstp_ours = stop_pipe.cont_ours = FALSE;
  for (guint i = 0; i < 2; i++)
    if (stop_pipe.fds[i] >= 0) {
      close(stop_pipe.fds[i]);
      stop_pipe.fds[i] = -1;
    }
}

/* Before the terminal opens, so curses sees these signals taken and leaves
 * them to us: each one ends, resizes, stops or continues the loop
 * cleanly. */
static void
app_watch_signals(App *app)
{
  app->signal_ids[0] = g_unix_signal_add(SIGINT, on_sigint, app);
  app->signal_ids[1] = g_unix_signal_add(SIGTERM, on_sigterm, app);
  app->signal_ids[2] = g_unix_signal_add(SIGHUP, on_sighup, app);
  app->signal_ids[3] = g_unix_signal_add(SIGWINCH, on_sigwinch, app);
  app_watch_stops(app);
}

static void
app_remove_sources(App *app)
{
  for (guint i = 0; i < G_N_ELEMENTS(app->signal_ids); i++)
    g_clear_handle_id(&app->signal_ids[i], g_source_remove);
  g_clear_handle_id(&app->input_id, g_source_remove);
  g_clear_handle_id(&app->spinner_id, g_source_remove);
  g_clear_handle_id(&app->redraw_id, g_source_remove);
  app_unwatch_stops(app);
}

/* ---------- the loop ---------- */

static void
app_free(App *app)
{
  app_remove_sources(app);
  /* The resolver first: it cancels lookups that would call into the run. */
  g_clear_pointer(&app->resolver, dks_resolver_free);
  g_clear_pointer(&app->run, dks_run_free);
  g_clear_pointer(&app->canvas, dks_canvas_free);
  if (app->paste)
    g_string_free(app->paste, TRUE);
  if (app->prompt_text)
    g_string_free(app->prompt_text, TRUE);
  g_free(app->label);
  g_clear_pointer(&app->loop, g_main_loop_unref);
}

int
dks_app_run(DksAppConfig *config, GError **error)
{
  App app = {0};
  app.resolver = g_steal_pointer(&config->resolver);
  DksMessage *msg = g_steal_pointer(&config->msg);
  DksRun *lookup = g_steal_pointer(&config->lookup);
  app.now = config->now;
  app.utf8 = config->utf8;
  app.label = g_strdup(config->label ? config->label : "-");
  app.paste = g_string_new(NULL);
  app.prompt_text = g_string_new(NULL);
  app.loop = g_main_loop_new(NULL, FALSE);

  app_watch_signals(&app);
  app.term = dks_term_open(config->color, error);
  if (app.term == NULL) {
    dks_message_free(msg);
    dks_run_free(lookup);
    app_free(&app);
    return -1;
  }
  guint width, height;
  dks_term_size(app.term, &width, &height);
  dks_ui_state_init(&app.ui, width, height, app.utf8, dks_term_has_color(app.term));
  if (lookup)
    app_show_run(&app, lookup, "-");
  else if (msg)
    app_show_message(&app, msg, app.label);
  else
    app.ui.screen = DKS_SCREEN_PASTE;
  /* The first frame now, before any DNS answer can arrive. */
  g_clear_handle_id(&app.redraw_id, g_source_remove);
  app_draw(&app);

  app.input_id = g_unix_fd_add(dks_term_input_fd(app.term),
                               G_IO_IN | G_IO_HUP | G_IO_ERR, on_input, &app);
  g_main_loop_run(app.loop);

  app_remove_sources(&app);
  g_clear_pointer(&app.term, dks_term_close);
  dks_ui_state_clear(&app.ui);
  int code = app.exit_code;
  app_free(&app);
  return code;
}
