/* keys.c — the one key table (see keys.h).  Each command's name, help text
 * and hint are written once, in the CMD_ macros below, and every key bound
 * to it repeats them through the macro, so the help overlay can group the
 * keys of a command without a second table to keep in step. */
#include "tui/keys.h"

/* name, help, hint of each command. */
#define CMD_UP DKS_CMD_UP, "move-up", \
  "Move up: the previous signature or check, or scroll up", NULL
#define CMD_DOWN DKS_CMD_DOWN, "move-down", \
  "Move down: the next signature or check, or scroll down", NULL
#define CMD_PAGE_UP DKS_CMD_PAGE_UP, "page-up", "Scroll up one page", NULL
#define CMD_PAGE_DOWN DKS_CMD_PAGE_DOWN, "page-down", "Scroll down one page", NULL
#define CMD_HOME DKS_CMD_HOME, "top", "Go to the top", NULL
#define CMD_END DKS_CMD_END, "bottom", "Go to the end", NULL
#define CMD_NEXT_PANE DKS_CMD_NEXT_PANE, "next-pane", \
  "Next pane: signatures, checks, details", NULL
#define CMD_PREV_PANE DKS_CMD_PREV_PANE, "previous-pane", "Previous pane", NULL
#define CMD_OPEN DKS_CMD_OPEN, "open", \
  "Open the selected check; in a check, go on to the next one", "details"
#define CMD_NEXT_STEP DKS_CMD_NEXT_STEP, "next-check", \
  "Walk through: the next check", "walk through"
#define CMD_PREV_STEP DKS_CMD_PREV_STEP, "previous-check", \
  "Walk through: the previous check", "walk through"
#define CMD_BACK DKS_CMD_BACK, "back", \
  "Back; close the help or the advice; cancel a search", "back"
#define CMD_TEACH DKS_CMD_TEACH, "teach", \
  "Teach: signature and key tag by tag, the hashed data, the DNS hops", "teach"
#define CMD_RAW DKS_CMD_RAW, "headers", "The raw header fields", "headers"
#define CMD_SEARCH DKS_CMD_SEARCH, "search", "Search the raw header fields", "search"
#define CMD_SEARCH_NEXT DKS_CMD_SEARCH_NEXT, "next-match", "Next match", "next"
#define CMD_SEARCH_PREV DKS_CMD_SEARCH_PREV, "previous-match", "Previous match", \
  "previous"
#define CMD_ADVICE DKS_CMD_ADVICE, "advice", \
  "The advice: a message to whoever must fix it", "advice"
#define CMD_HELP DKS_CMD_HELP, "help", "Help: every key and what it does", "help"
#define CMD_RECHECK DKS_CMD_RECHECK, "re-check", \
  "Re-check: look the keys up again now, bypassing caches", "re-check"
#define CMD_COPY DKS_CMD_COPY, "copy", \
  "Copy the report (the advice, when it is open) to the clipboard", "copy"
#define CMD_SAVE DKS_CMD_SAVE, "save", \
  "Save the report (the advice, when it is open) to a file", "save"
#define CMD_PASTE DKS_CMD_PASTE, "paste", "Paste or open another message", "paste"
#define CMD_LOOKUP DKS_CMD_LOOKUP, "look-up", \
  "Look a selector's key up with no message: type SELECTOR DOMAIN", "look up"
#define CMD_REDRAW DKS_CMD_REDRAW, "redraw", "Redraw the screen", NULL
#define CMD_QUIT DKS_CMD_QUIT, "quit", "Quit", "quit"

/* B(key, label, ASCII label, CMD_x): one binding.  The extra level of
 * macro lets CMD_x expand into its four fields before BIND_ takes them. */
#define B(key, label, ascii, ...) BIND_(key, label, ascii, __VA_ARGS__)
#define BIND_(key, label, ascii, command, name, help, hint) \
  { (DksKey)(key), label, command, name, help, ascii, hint }
/* The name field of a CMD_x, for the table of names. */
#define NAME(...) NAME_(__VA_ARGS__)
#define NAME_(command, name, help, hint) name

static const DksKeyBinding bindings[] = {
  B(DKS_KEY_UP, "\u2191", "Up", CMD_UP),
  B('k', "k", "k", CMD_UP),
  B(DKS_KEY_DOWN, "\u2193", "Down", CMD_DOWN),
  B('j', "j", "j", CMD_DOWN),
  B(DKS_KEY_PAGE_UP, "PgUp", "PgUp", CMD_PAGE_UP),
  B(DKS_KEY_PAGE_DOWN, "PgDn", "PgDn", CMD_PAGE_DOWN),
  B(' ', "Space", "Space", CMD_PAGE_DOWN),
  B(DKS_KEY_HOME, "Home", "Home", CMD_HOME),
  B('g', "g", "g", CMD_HOME),
  B(DKS_KEY_END, "End", "End", CMD_END),
  B('G', "G", "G", CMD_END),
  B(DKS_KEY_TAB, "Tab", "Tab", CMD_NEXT_PANE),
  B(DKS_KEY_BACKTAB, "Shift-Tab", "Shift-Tab", CMD_PREV_PANE),
  B(DKS_KEY_ENTER, "Enter", "Enter", CMD_OPEN),
  B(DKS_KEY_RIGHT, "\u2192", "Right", CMD_NEXT_STEP),
  B(DKS_KEY_LEFT, "\u2190", "Left", CMD_PREV_STEP),
  B(DKS_KEY_ESCAPE, "Esc", "Esc", CMD_BACK),
  B('t', "t", "t", CMD_TEACH),
  B('h', "h", "h", CMD_RAW),
  B('/', "/", "/", CMD_SEARCH),
  B('n', "n", "n", CMD_SEARCH_NEXT),
  B('N', "N", "N", CMD_SEARCH_PREV),
  B('a', "a", "a", CMD_ADVICE),
  B('?', "?", "?", CMD_HELP),
  B(DKS_KEY_F1, "F1", "F1", CMD_HELP),
  B('r', "r", "r", CMD_RECHECK),
  B('c', "c", "c", CMD_COPY),
  B('s', "s", "s", CMD_SAVE),
  B('p', "p", "p", CMD_PASTE),
  B('l', "l", "l", CMD_LOOKUP),
  B(DKS_KEY_CTRL_L, "Ctrl-L", "Ctrl-L", CMD_REDRAW),
  B('q', "q", "q", CMD_QUIT),
  B(DKS_KEY_CTRL_C, "Ctrl-C", "Ctrl-C", CMD_QUIT),
  { 0 }
};

/* Stable names for every command, the same as in the bindings. */
static const char *const command_names[] = {
  [DKS_CMD_NONE] = "none",
  [DKS_CMD_QUIT] = NAME(CMD_QUIT),
  [DKS_CMD_BACK] = NAME(CMD_BACK),
  [DKS_CMD_UP] = NAME(CMD_UP),
  [DKS_CMD_DOWN] = NAME(CMD_DOWN),
  [DKS_CMD_PAGE_UP] = NAME(CMD_PAGE_UP),
  [DKS_CMD_PAGE_DOWN] = NAME(CMD_PAGE_DOWN),
  [DKS_CMD_HOME] = NAME(CMD_HOME),
  [DKS_CMD_END] = NAME(CMD_END),
  [DKS_CMD_NEXT_PANE] = NAME(CMD_NEXT_PANE),
  [DKS_CMD_PREV_PANE] = NAME(CMD_PREV_PANE),
  [DKS_CMD_OPEN] = NAME(CMD_OPEN),
  [DKS_CMD_NEXT_STEP] = NAME(CMD_NEXT_STEP),
  [DKS_CMD_PREV_STEP] = NAME(CMD_PREV_STEP),
  [DKS_CMD_HELP] = NAME(CMD_HELP),
  [DKS_CMD_RECHECK] = NAME(CMD_RECHECK),
  [DKS_CMD_TEACH] = NAME(CMD_TEACH),
  [DKS_CMD_RAW] = NAME(CMD_RAW),
  [DKS_CMD_SEARCH] = NAME(CMD_SEARCH),
  [DKS_CMD_SEARCH_NEXT] = NAME(CMD_SEARCH_NEXT),
  [DKS_CMD_SEARCH_PREV] = NAME(CMD_SEARCH_PREV),
  [DKS_CMD_COPY] = NAME(CMD_COPY),
  [DKS_CMD_SAVE] = NAME(CMD_SAVE),
  [DKS_CMD_ADVICE] = NAME(CMD_ADVICE),
  [DKS_CMD_PASTE] = NAME(CMD_PASTE),
  [DKS_CMD_LOOKUP] = NAME(CMD_LOOKUP),
  [DKS_CMD_REDRAW] = NAME(CMD_REDRAW),
};
G_STATIC_ASSERT(G_N_ELEMENTS(command_names) == DKS_CMD_COUNT);

const DksKeyBinding *
dks_key_bindings(void)
{
  return bindings;
}

guint
dks_key_normalize(guint key)
{
  switch (key) {
  case '\r': case '\n': return DKS_KEY_ENTER;
  case 0x1b: return DKS_KEY_ESCAPE;
  case '\t': return DKS_KEY_TAB;
  case 0x7f: case 0x08: return DKS_KEY_BACKSPACE;
  case 0x03: return DKS_KEY_CTRL_C;
  case 0x04: return DKS_KEY_CTRL_D;
  case 0x0c: return DKS_KEY_CTRL_L;
  default: return key;
  }
}

DksCommand
dks_key_command(guint key)
{
  key = dks_key_normalize(key);
  for (const DksKeyBinding *b = bindings; b->command != DKS_CMD_NONE; b++)
    if ((guint)b->key == key)
      return b->command;
  return DKS_CMD_NONE;
}

const char *
dks_command_name(DksCommand command)
{
  return (guint)command < DKS_CMD_COUNT ? command_names[command] : "none";
}

const DksKeyBinding *
dks_command_binding(DksCommand command)
{
  for (const DksKeyBinding *b = bindings; b->command != DKS_CMD_NONE; b++)
    if (b->command == command)
      return b;
  return NULL;
}

char *
dks_command_keys_label(DksCommand command, gboolean utf8)
{
  GString *out = g_string_new(NULL);
  for (const DksKeyBinding *b = bindings; b->command != DKS_CMD_NONE; b++) {
    if (b->command != command)
      continue;
    if (out->len > 0)
      g_string_append(out, " / ");
    g_string_append(out, utf8 ? b->key_label : b->ascii_label);
  }
  return g_string_free(out, FALSE);
}
