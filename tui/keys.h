/* keys.h — the one key table.  Keys map to command names, names to
 * commands; the help overlay and the key hints on the bottom line are
 * generated from this table, so they always list exactly the real
 * bindings.  No curses here: curses.c translates its key codes into DksKey. */
#pragma once
#include <glib.h>

/* Keys beyond plain characters (which are their Unicode code point). */
typedef enum {
  DKS_KEY_NONE = 0,
  DKS_KEY_UP = 0x110000, DKS_KEY_DOWN, DKS_KEY_LEFT, DKS_KEY_RIGHT,
  DKS_KEY_PAGE_UP, DKS_KEY_PAGE_DOWN, DKS_KEY_HOME, DKS_KEY_END,
  DKS_KEY_ENTER, DKS_KEY_ESCAPE, DKS_KEY_TAB, DKS_KEY_BACKTAB,
  DKS_KEY_BACKSPACE, DKS_KEY_F1, DKS_KEY_RESIZE,
  DKS_KEY_CTRL_C, DKS_KEY_CTRL_D, DKS_KEY_CTRL_L,
} DksKey;

typedef enum {
  DKS_CMD_NONE = 0,
  DKS_CMD_QUIT, DKS_CMD_BACK,
  DKS_CMD_UP, DKS_CMD_DOWN, DKS_CMD_PAGE_UP, DKS_CMD_PAGE_DOWN,
  DKS_CMD_HOME, DKS_CMD_END,
  DKS_CMD_NEXT_PANE, DKS_CMD_PREV_PANE,
  DKS_CMD_OPEN,        /* Enter: open the selected item / next step */
  DKS_CMD_NEXT_STEP,   /* right arrow: walkthrough forward */
  DKS_CMD_PREV_STEP,   /* left arrow: walkthrough back */
  DKS_CMD_HELP,
  DKS_CMD_RECHECK,     /* r: look up again, bypassing caches */
  DKS_CMD_TEACH,       /* t: the teaching view */
  DKS_CMD_RAW,         /* h: raw headers */
  DKS_CMD_SEARCH, DKS_CMD_SEARCH_NEXT, DKS_CMD_SEARCH_PREV,
  DKS_CMD_COPY,        /* c: copy the report (OSC 52) */
  DKS_CMD_SAVE,        /* s: save the report to a file */
  DKS_CMD_ADVICE,      /* a: the advice text */
  DKS_CMD_PASTE,       /* p: paste or open another message */
  DKS_CMD_LOOKUP,      /* l: look a selector up, with no message */
  DKS_CMD_REDRAW,      /* Ctrl-L */
  DKS_CMD_COUNT
} DksCommand;

typedef struct {
  DksKey key;          /* or a character */
  const char *key_label; /* this key alone, UTF-8: "↑", "k", "Enter" */
  DksCommand command;
  const char *name;    /* the command's name: "move-up" */
  const char *help;    /* what it does, for the help overlay: "Move up" */
  /* Added with keys.c. */
  const char *ascii_label; /* key_label in ASCII (non-UTF-8 locales) */
  const char *hint;    /* a word or two for the bottom line ("help",
                          "quit"), or NULL; the same for every key of a
                          command */
} DksKeyBinding;

/* The table, in the order the help overlay shows it (the keys of one
 * command next to each other); ends with a zeroed entry. */
const DksKeyBinding *dks_key_bindings(void);

/* Folds the raw control codes a terminal sends into DksKey: '\r' and '\n'
 * into DKS_KEY_ENTER, 0x1b into DKS_KEY_ESCAPE, '\t' into DKS_KEY_TAB,
 * 0x7f and 0x08 into DKS_KEY_BACKSPACE, 0x03 / 0x04 / 0x0c into
 * DKS_KEY_CTRL_C / _D / _L.  Every other key is returned as it is. */
guint dks_key_normalize(guint key);

/* The command bound to a key (normalized first), or DKS_CMD_NONE. */
DksCommand dks_key_command(guint key);

/* The stable name of a command ("move-up"), "none" for DKS_CMD_NONE and
 * out-of-range values.  Static string. */
const char *dks_command_name(DksCommand command);

/* The first binding of a command in the table, or NULL when unbound. */
const DksKeyBinding *dks_command_binding(DksCommand command);

/* Every key of a command joined with " / " ("↑ / k"), in ASCII when
 * !utf8; "" when unbound.  Caller frees. */
char *dks_command_keys_label(DksCommand command, gboolean utf8);
