/* batch.c — the report over many messages: a window of messages in
 * flight, read and rendered by worker threads, checked against DNS on the
 * calling thread's main loop, printed in the order given.
 *
 * Each file is an Item that moves through
 *   QUEUED -> READING (a worker reads, parses, runs the local checks)
 *          -> CHECKING (the main loop: its DNS lookups, with everyone's)
 *          -> RENDERING (a worker writes its report into a string)
 *          -> READY (the main loop prints it once every earlier one is).
 * A DksRun is only ever touched by one thread at a time: the worker that
 * holds the item, or the main loop while the item is CHECKING.  The
 * resolver and the main context stay on the calling thread. */
#include "tui/batch.h"

#include "parse/limits.h"

typedef enum {
  ITEM_QUEUED = 0,
  ITEM_READING,
  ITEM_CHECKING,
  ITEM_RENDERING,
  ITEM_READY,
} ItemState;

typedef struct Batch Batch;

typedef struct {
  Batch *batch;
  const char *file;   /* the caller's */
  ItemState state;
  DksRun *run;        /* READING..RENDERING; freed once rendered */
  char *error;        /* the file could not be read: why */
  gsize bytes;        /* the message's size, for the window's budget */
  GString *out;       /* READY: what to print */
  int code;           /* READY: its exit status */
} Item;

struct Batch {
  const DksBatchConfig *config;
  const char *resolver_text; /* dks_resolver_describe(), read on the caller */
  Item *items;
  guint count;
  guint next_read;    /* the first item not yet handed out */
  guint next_print;   /* the first item not yet printed */
  guint in_window;    /* handed out and not yet printed */
  guint reading;      /* handed out to be read, not back yet */
  gsize window_bytes; /* their messages' sizes */
  GPtrArray *workers; /* GThread*; empty: the calling thread does their part */
  GAsyncQueue *work;  /* Item*, or the batch itself to say "stop" */
  GAsyncQueue *back;  /* Item*: a worker is done with it */
  GMainContext *context;
  gboolean unflushed; /* printed since the last fflush */
  int code;
};

static DksReportOptions
report_options(const char *file, const DksBatchConfig *config, const char *resolver_text)
{
  DksReportOptions options = {
    .file = file,
    .resolver = resolver_text,
    .ascii_only = config->ascii_only,
    .width = 80,
  };
  return options;
}

static void
render_with(GString *out, const DksRun *run, const DksReportOptions *options,
            DksReportFormat format)
{
  switch (format) {
  case DKS_REPORT_JSON: dks_report_json(out, run, options); break;
  case DKS_REPORT_ADVICE: dks_report_advice(out, run, options); break;
  case DKS_REPORT_TEXT: dks_report_text(out, run, options); break;
  }
}

void
dks_batch_render(GString *out, const DksRun *run, const char *file,
                 const DksBatchConfig *config)
{
  DksReportOptions options = report_options(file, config,
                                            dks_resolver_describe(config->resolver));
  render_with(out, run, &options, config->format);
}

int
dks_batch_combine_exit(int a, int b)
{
  static const int order[] = {DKS_EXIT_PASS, DKS_EXIT_NO_SIGNATURE,
                              DKS_EXIT_TEMPORARY_FAILURE, DKS_EXIT_LASTING_FAILURE,
                              DKS_EXIT_NO_INPUT};
  int ra = 0, rb = 0;
  for (guint i = 0; i < G_N_ELEMENTS(order); i++) {
    if (order[i] == a) ra = (int)i;
    if (order[i] == b) rb = (int)i;
  }
  return ra >= rb ? a : b;
}

/* ---------- the workers' part (any thread) ---------- */

static void
item_read(Item *item)
{
  g_autoptr(GError) error = NULL;
  DksMessage *msg = dks_message_new_from_file(item->file, &error);
  if (msg == NULL) {
    item->error = g_strdup(error->message);
    return;
  }
  item->bytes = msg->original_len;
  item->run = dks_run_new(msg, item->batch->config->now);
}

/* The report as one file would print it; the run is not needed after. */
static void
item_render(Item *item)
{
  const Batch *batch = item->batch;
  item->out = g_string_new(NULL);
  if (item->error != NULL) {
    if (batch->config->format == DKS_REPORT_JSON)
      dks_report_json_error(item->out, item->file, item->error);
    item->code = DKS_EXIT_NO_INPUT;
    return;
  }
  DksReportOptions options = report_options(item->file, batch->config,
                                            batch->resolver_text);
  render_with(item->out, item->run, &options, batch->config->format);
  item->code = (int)dks_report_exit_status_for(dks_run_overall(item->run));
  g_clear_pointer(&item->run, dks_run_free);
}

static void
item_work(Item *item)
{
  if (item->state == ITEM_READING)
    item_read(item);
  else
    item_render(item);
}

/* A worker thread: items until told to stop.  The threads are the
 * batch's own and are joined when it ends, so what libraries keep per
 * thread (OpenSSL's error queue) goes with them, not at process exit. */
static gpointer
worker(gpointer data)
{
  Batch *batch = data;
  for (;;) {
    gpointer next = g_async_queue_pop(batch->work);
    if (next == batch)
      return NULL;
    Item *item = next;
    item_work(item);
    g_async_queue_push(batch->back, item);
    g_main_context_wakeup(batch->context);
  }
}

static void
workers_start(Batch *batch, guint count)
{
  for (guint i = 0; i < count; i++) {
    g_autofree char *name = g_strdup_printf("dkimscope-%u", i + 1);
    g_ptr_array_add(batch->workers, g_thread_new(name, worker, batch));
  }
}

static void
workers_stop(Batch *batch)
{
  for (guint i = 0; i < batch->workers->len; i++)
    g_async_queue_push(batch->work, batch);
  for (guint i = 0; i < batch->workers->len; i++)
    g_thread_join(g_ptr_array_index(batch->workers, i));
  g_ptr_array_set_size(batch->workers, 0);
}

/* ---------- the main loop's part ---------- */

/* Hands the item to a worker, or does its work here when there are none;
 * either way it comes back through batch->back. */
static void
hand_out(Batch *batch, Item *item, ItemState state)
{
  item->state = state;
  if (batch->workers->len > 0) {
    g_async_queue_push(batch->work, item);
    return;
  }
  item_work(item);
  g_async_queue_push(batch->back, item);
}

static void
on_run_changed(DksRun *run, gpointer user_data)
{
  Item *item = user_data;
  if (item->state == ITEM_CHECKING && dks_run_is_done(run))
    hand_out(item->batch, item, ITEM_RENDERING);
}

/* A worker is done with item: read (its lookups start) or rendered. */
static void
item_back(Batch *batch, Item *item)
{
  if (item->state == ITEM_RENDERING) {
    item->state = ITEM_READY;
    return;
  }
  batch->reading--;
  batch->window_bytes += item->bytes;
  if (item->run == NULL) {
    hand_out(batch, item, ITEM_RENDERING);
    return;
  }
  item->state = ITEM_CHECKING;
  dks_run_start_dns(item->run, batch->config->resolver, on_run_changed, item);
  on_run_changed(item->run, item); /* a run that needs no DNS is done now */
}

static gboolean
drain_back(Batch *batch)
{
  gboolean any = FALSE;
  Item *item;
  while ((item = g_async_queue_try_pop(batch->back)) != NULL) {
    item_back(batch, item);
    any = TRUE;
  }
  return any;
}

/* More messages in flight while the window has room: at most
 * DKS_MAX_BATCH_WINDOW messages, and (past the first) at most
 * DKS_MAX_BATCH_WINDOW_BYTES of them, from the first not yet printed.  A
 * message's size is known once it is read, so no more are out being read
 * than two per worker (one to work on, one waiting, so no worker idles
 * while the main loop wakes up): the budget is overshot by at most that
 * many messages. */
static gboolean
fill_window(Batch *batch)
{
  gboolean any = FALSE;
  guint readers = MAX(2 * batch->workers->len, 1);
  while (batch->next_read < batch->count && batch->in_window < DKS_MAX_BATCH_WINDOW &&
         batch->reading < readers &&
         (batch->in_window == 0 || batch->window_bytes < DKS_MAX_BATCH_WINDOW_BYTES)) {
    Item *item = &batch->items[batch->next_read++];
    batch->in_window++;
    batch->reading++;
    hand_out(batch, item, ITEM_READING);
    any = TRUE;
    if (batch->workers->len == 0) {
      /* its lookups go out, and answers that came are taken in, before
       * the next file is read: a DNS answer's time is DNS's, not ours */
      drain_back(batch);
      g_main_context_iteration(batch->context, FALSE);
    }
  }
  return any;
}

static void
print_item(Batch *batch, guint index, Item *item)
{
  FILE *out = batch->config->out;
  if (index > 0 && batch->config->format != DKS_REPORT_JSON)
    fputs("\n", out);
  if (item->error != NULL) {
    /* in its place when both streams go to one pipe (2>&1) */
    fflush(out);
    fprintf(stderr, "dkimscope: %s\n", item->error);
  }
  fwrite(item->out->str, 1, item->out->len, out);
  batch->unflushed = TRUE;
  batch->code = index == 0 ? item->code : dks_batch_combine_exit(batch->code, item->code);
  batch->in_window--;
  batch->window_bytes -= item->bytes;
  g_string_free(g_steal_pointer(&item->out), TRUE);
  g_clear_pointer(&item->error, g_free);
}

static gboolean
print_ready(Batch *batch)
{
  gboolean any = FALSE;
  while (batch->next_print < batch->count &&
         batch->items[batch->next_print].state == ITEM_READY) {
    print_item(batch, batch->next_print, &batch->items[batch->next_print]);
    batch->next_print++;
    any = TRUE;
  }
  return any;
}

/* What is printed reaches a reader (a pipe into less or jq) before the
 * loop waits again, but not with one write per message. */
static void
flush_before_waiting(Batch *batch)
{
  if (!batch->unflushed)
    return;
  fflush(batch->config->out);
  batch->unflushed = FALSE;
}

int
dks_batch_run(const DksBatchConfig *config, const GPtrArray *files)
{
  Batch batch = {
    .config = config,
    .resolver_text = dks_resolver_describe(config->resolver),
    .count = files->len,
    .items = g_new0(Item, files->len),
    .workers = g_ptr_array_new(),
    .work = g_async_queue_new(),
    .back = g_async_queue_new(),
    .context = g_main_context_ref_thread_default(),
    .code = DKS_EXIT_PASS,
  };
  for (guint i = 0; i < files->len; i++) {
    batch.items[i].batch = &batch;
    batch.items[i].file = g_ptr_array_index(files, i);
  }
  if (config->jobs > 1 && files->len > 1)
    workers_start(&batch, MIN(config->jobs, files->len));
  while (batch.next_print < batch.count) {
    gboolean progressed = fill_window(&batch);
    progressed |= drain_back(&batch);
    progressed |= print_ready(&batch);
    if (!progressed && batch.next_print < batch.count) {
      flush_before_waiting(&batch);
      g_main_context_iteration(batch.context, TRUE);
    }
  }
  fflush(config->out);
  workers_stop(&batch);
  g_ptr_array_unref(batch.workers);
  g_async_queue_unref(batch.work);
  g_async_queue_unref(batch.back);
  g_main_context_unref(batch.context);
  g_free(batch.items);
  return batch.code;
}
