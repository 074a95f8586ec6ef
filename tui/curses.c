/* curses.c — the only file that includes curses.  Everything above it
 * speaks DksCanvas and DksKey; everything curses-specific (key codes,
 * colour pairs, terminfo strings, the terminal modes to restore) stays
 * here. */
#define NCURSES_WIDECHAR 1
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
/* <ncurses.h>, not <curses.h>: this directory has its own curses.h. */
#include <ncurses.h>
#include <term.h>

#include "tui/curses.h"

/* Our own key codes for the bracketed-paste markers, beyond curses'. */
enum {
  TERM_KEY_PASTE_BEGIN = KEY_MAX + 1,
  TERM_KEY_PASTE_END = KEY_MAX + 2,
};

#define PASTE_ON "\033[?2004h"
#define PASTE_OFF "\033[?2004l"

struct DksTerm {
  int in_fd, out_fd;      /* both /dev/tty, opened separately */
  FILE *in, *out;         /* what curses reads and writes */
  SCREEN *screen;
  gboolean color;
  gboolean utf8;          /* the locale's codeset is UTF-8 */
  gboolean in_paste;      /* between ESC[200~ and ESC[201~ */
  gboolean invalid;       /* repaint everything on the next draw */
  gboolean suspended;     /* the shell's (endwin), until resumed */
};

/* ---------- restoring the terminal from a fatal signal ----------
 * A crash must not leave the user's terminal in raw mode on the alternate
 * screen.  Only async-signal-safe calls (write, tcsetattr, sigaction,
 * raise) happen in the handler, on data prepared at open time. */

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGQUIT};

static struct {
  volatile sig_atomic_t armed;
  int fd;
  struct termios modes;   /* as before curses changed them */
  char restore[512];      /* bracketed paste off, rmcup, cnorm, sgr0 */
  size_t restore_len;
  struct sigaction previous[G_N_ELEMENTS(fatal_signals)];
} emergency;

static void
emergency_write(const char *bytes, size_t len)
{
  while (len > 0) {
    ssize_t n = write(emergency.fd, bytes, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    bytes += n;
    len -= (size_t)n;
  }
}

static void
on_fatal_signal(int sig)
{
  int saved_errno = errno;
  if (emergency.armed) {
    emergency.armed = 0;
    emergency_write(emergency.restore, emergency.restore_len);
    tcsetattr(emergency.fd, TCSANOW, &emergency.modes);
  }
  /* Hand the signal to whoever had it before (the default: a core dump;
   * under ASan its report). */
  for (guint i = 0; i < G_N_ELEMENTS(fatal_signals); i++)
    if (fatal_signals[i] == sig)
      sigaction(sig, &emergency.previous[i], NULL);
  errno = saved_errno;
  raise(sig);
}

/* Appends a terminfo string (when the terminal has it) to the restore
 * sequence. */
static void
emergency_add(const char *capname)
{
  char *value = tigetstr(capname);
  if (value == NULL || value == (char *)-1)
    return;
  size_t len = strlen(value);
  if (emergency.restore_len + len >= sizeof emergency.restore)
    return;
  memcpy(emergency.restore + emergency.restore_len, value, len);
  emergency.restore_len += len;
}

static void
emergency_arm(int fd, const struct termios *modes)
{
  emergency.fd = fd;
  emergency.modes = *modes;
  emergency.restore_len = 0;
  memcpy(emergency.restore, PASTE_OFF, strlen(PASTE_OFF));
  emergency.restore_len = strlen(PASTE_OFF);
  emergency_add("sgr0");
  emergency_add("rmkx");
  emergency_add("rmcup");
  emergency_add("cnorm");
  struct sigaction action = {0};
  action.sa_handler = on_fatal_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_NODEFER;
  for (guint i = 0; i < G_N_ELEMENTS(fatal_signals); i++)
    sigaction(fatal_signals[i], &action, &emergency.previous[i]);
  emergency.armed = 1;
}

static void
emergency_disarm(void)
{
  if (!emergency.armed)
    return;
  emergency.armed = 0;
  for (guint i = 0; i < G_N_ELEMENTS(fatal_signals); i++)
    sigaction(fatal_signals[i], &emergency.previous[i], NULL);
}

/* ---------- opening and closing ---------- */

static gboolean
codeset_is_utf8(void)
{
  const char *codeset = nl_langinfo(CODESET);
  return codeset && (g_ascii_strcasecmp(codeset, "UTF-8") == 0 ||
                     g_ascii_strcasecmp(codeset, "utf8") == 0);
}

/* Colour pairs are numbered by DksRole; -1 keeps the terminal's own
 * background (and foreground for DEFAULT). */
static void
setup_colors(void)
{
  static const short fg[DKS_ROLE_COUNT] = {
    [DKS_ROLE_DEFAULT] = -1,       [DKS_ROLE_PASS] = COLOR_GREEN,
    [DKS_ROLE_FAIL] = COLOR_RED,   [DKS_ROLE_WARN] = COLOR_YELLOW,
    [DKS_ROLE_INFO] = COLOR_CYAN,  [DKS_ROLE_TITLE] = COLOR_BLUE,
  };
  start_color();
  gboolean defaults = use_default_colors() == OK;
  for (short role = 1; role < DKS_ROLE_COUNT; role++)
    init_pair(role, fg[role], defaults ? -1 : COLOR_BLACK);
}

static int
open_tty(int flags, GError **error)
{
  int fd = open("/dev/tty", flags | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "the interactive view needs a terminal, and /dev/tty cannot be "
                "opened (%s); use --report", g_strerror(errno));
  return fd;
}

static void
close_files(DksTerm *term)
{
  if (term->in)
    fclose(term->in);
  else if (term->in_fd >= 0)
    close(term->in_fd);
  if (term->out)
    fclose(term->out);
  else if (term->out_fd >= 0)
    close(term->out_fd);
}

static void
write_all(int fd, const char *bytes, gsize len)
{
  while (len > 0) {
    ssize_t n = write(fd, bytes, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    bytes += n;
    len -= (gsize)n;
  }
}

static gboolean
start_curses(DksTerm *term, gboolean want_color, GError **error)
{
  const char *type = g_getenv("TERM");
  term->screen = newterm(type && *type ? type : NULL, term->out, term->in);
  if (term->screen == NULL) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_NODEV,
                "the terminal type '%s' is unknown to curses; set TERM or use "
                "--report", type ? type : "");
    return FALSE;
  }
  set_term(term->screen);
  cbreak();           /* Ctrl-C still sends SIGINT: the caller restores */
  noecho();
  nonl();
  keypad(stdscr, TRUE);
  nodelay(stdscr, TRUE);
  set_escdelay(40);   /* Esc alone answers fast; sequences arrive at once */
  curs_set(0);
  define_key("\033[200~", TERM_KEY_PASTE_BEGIN);
  define_key("\033[201~", TERM_KEY_PASTE_END);
  term->color = want_color && has_colors();
  if (term->color)
    setup_colors();
  return TRUE;
}

DksTerm *
dks_term_open(gboolean want_color, GError **error)
{
  g_autofree DksTerm *term = g_new0(DksTerm, 1);
  term->in_fd = term->out_fd = -1;
  term->utf8 = codeset_is_utf8();
  term->in_fd = open_tty(O_RDONLY, error);
  if (term->in_fd < 0)
    return NULL;
  term->out_fd = open_tty(O_WRONLY, error);
  struct termios modes;
  if (term->out_fd < 0 || tcgetattr(term->in_fd, &modes) != 0) {
    if (term->out_fd >= 0)
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                  "/dev/tty: %s", g_strerror(errno));
    close_files(term);
    return NULL;
  }
  term->in = fdopen(term->in_fd, "r");
  term->out = term->in ? fdopen(term->out_fd, "w") : NULL;
  if (term->in == NULL || term->out == NULL) {
    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                "/dev/tty: %s", g_strerror(errno));
    close_files(term);
    return NULL;
  }
  if (!start_curses(term, want_color, error)) {
    close_files(term);
    return NULL;
  }
  emergency_arm(term->out_fd, &modes);
  write_all(term->out_fd, PASTE_ON, strlen(PASTE_ON));
  term->invalid = TRUE;
  return g_steal_pointer(&term);
}

/* Without an alternate screen the last frame would stay, and the shell
 * would write over its bottom line: leave a clean screen instead, as
 * terminals with one do. */
static void
clear_without_alternate_screen(void)
{
  char *rmcup = tigetstr("rmcup");
  if (rmcup == NULL || rmcup == (char *)-1 || *rmcup == '\0') {
    erase();
    refresh();
  }
}

void
dks_term_close(DksTerm *term)
{
  if (term == NULL)
    return;
  set_term(term->screen);
  clear_without_alternate_screen();
  curs_set(1);
  endwin();           /* rmcup, the modes from before newterm */
  write_all(term->out_fd, PASTE_OFF, strlen(PASTE_OFF));
  emergency_disarm();
  delscreen(term->screen);
  close_files(term);
  g_free(term);
}

void
dks_term_suspend(DksTerm *term)
{
  set_term(term->screen);
  if (term->suspended)
    return;
  clear_without_alternate_screen();
  /* endwin shows the cursor, leaves keypad mode and the alternate screen
   * and restores the shell's modes, remembering ours for the next
   * doupdate; bracketed paste is ours to turn off. */
  endwin();
  write_all(term->out_fd, PASTE_OFF, strlen(PASTE_OFF));
  term->suspended = TRUE;
  term->in_paste = FALSE;
}

void
dks_term_resume(DksTerm *term)
{
  set_term(term->screen);
  if (!term->suspended)
    reset_prog_mode();   /* the shell may have set its own meanwhile */
  term->suspended = FALSE;
  write_all(term->out_fd, PASTE_ON, strlen(PASTE_ON));
  term->invalid = TRUE;
}

int
dks_term_input_fd(const DksTerm *term)
{
  return term->in_fd;
}

void
dks_term_size(const DksTerm *term, guint *width, guint *height)
{
  (void)term;
  *width = COLS > 0 ? (guint)COLS : 1;
  *height = LINES > 0 ? (guint)LINES : 1;
}

gboolean
dks_term_update_size(DksTerm *term)
{
  struct winsize ws;
  if (ioctl(term->out_fd, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0 || ws.ws_col == 0)
    return FALSE;
  if (ws.ws_row == LINES && ws.ws_col == COLS)
    return FALSE;
  resize_term(ws.ws_row, ws.ws_col);
  term->invalid = TRUE;
  return TRUE;
}

gboolean
dks_term_has_color(const DksTerm *term)
{
  return term->color;
}

void
dks_term_invalidate(DksTerm *term)
{
  term->invalid = TRUE;
}

/* ---------- drawing ---------- */

static attr_t
curses_attrs(guint8 attrs)
{
  attr_t a = A_NORMAL;
  if (attrs & DKS_ATTR_BOLD)
    a |= A_BOLD;
  if (attrs & DKS_ATTR_REVERSE)
    a |= A_REVERSE;
  if (attrs & DKS_ATTR_UNDERLINE)
    a |= A_UNDERLINE;
  if (attrs & DKS_ATTR_DIM)
    a |= A_DIM;
  return a;
}

/* What may reach the terminal: never a control character. */
static wchar_t
safe_char(const DksTerm *term, gunichar ch)
{
  if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0))
    return L'?';
  if (!term->utf8 && ch > 0x7e)
    return L'?';
  if (ch > 0x10ffff || (ch >= 0xd800 && ch <= 0xdfff))
    return L'?';
  return (wchar_t)ch;
}

static void
draw_cell(const DksTerm *term, int y, int x, const DksCell *cell)
{
  wchar_t text[2] = {safe_char(term, cell->ch), L'\0'};
  short pair = term->color && cell->role < DKS_ROLE_COUNT ? (short)cell->role : 0;
  cchar_t cc;
  if (setcchar(&cc, text, curses_attrs(cell->attrs), pair, NULL) != OK)
    return;
  /* The bottom-right cell returns ERR (the cursor cannot advance) but is
   * drawn all the same. */
  mvadd_wch(y, x, &cc);
}

void
dks_term_draw(DksTerm *term, const DksCanvas *canvas)
{
  set_term(term->screen);
  if (term->invalid) {
    clearok(curscr, TRUE);
    term->invalid = FALSE;
  }
  guint width = MIN(canvas->width, (guint)MAX(COLS, 0));
  guint height = MIN(canvas->height, (guint)MAX(LINES, 0));
  erase();
  for (guint y = 0; y < height; y++) {
    const DksCell *row = canvas->cells + (gsize)y * canvas->width;
    for (guint x = 0; x < width; x++) {
      if (row[x].ch == 0 && x > 0)
        continue;   /* right half of a wide character */
      if (row[x].ch == 0) {
        DksCell blank = row[x];
        blank.ch = ' ';
        draw_cell(term, (int)y, (int)x, &blank);
        continue;
      }
      /* A wide character in the last column cannot be drawn whole. */
      if (x + 1 == width && g_unichar_iswide(row[x].ch)) {
        DksCell blank = row[x];
        blank.ch = ' ';
        draw_cell(term, (int)y, (int)x, &blank);
        continue;
      }
      draw_cell(term, (int)y, (int)x, &row[x]);
    }
  }
  wnoutrefresh(stdscr);
  doupdate();
}

/* ---------- keys ---------- */

static guint
translate_function_key(wint_t code)
{
  switch (code) {
  case KEY_UP: return DKS_KEY_UP;
  case KEY_DOWN: return DKS_KEY_DOWN;
  case KEY_LEFT: return DKS_KEY_LEFT;
  case KEY_RIGHT: return DKS_KEY_RIGHT;
  case KEY_PPAGE: return DKS_KEY_PAGE_UP;
  case KEY_NPAGE: return DKS_KEY_PAGE_DOWN;
  case KEY_HOME: case KEY_A1: return DKS_KEY_HOME;
  case KEY_END: case KEY_C1: return DKS_KEY_END;
  case KEY_ENTER: return DKS_KEY_ENTER;
  case KEY_BTAB: return DKS_KEY_BACKTAB;
  case KEY_BACKSPACE: return DKS_KEY_BACKSPACE;
  case KEY_RESIZE: return DKS_KEY_RESIZE;
  default: break;
  }
  if (code == KEY_F(1))
    return DKS_KEY_F1;
  return DKS_KEY_NONE;
}

static guint
translate_char(wint_t ch)
{
  switch (ch) {
  case '\r': case '\n': return DKS_KEY_ENTER;
  case '\t': return DKS_KEY_TAB;
  case 0x1b: return DKS_KEY_ESCAPE;
  case 0x7f: case 0x08: return DKS_KEY_BACKSPACE;
  case 0x03: return DKS_KEY_CTRL_C;
  case 0x04: return DKS_KEY_CTRL_D;
  case 0x0c: return DKS_KEY_CTRL_L;
  default: break;
  }
  /* Ctrl-U (clear a prompt) passes as itself; other control keys mean
   * nothing here. */
  if (ch == 0x15)
    return ch;
  if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0) || ch > 0x10ffff)
    return DKS_KEY_NONE;
  return (guint)ch;
}

/* Inside a bracketed paste everything is text: line ends and tabs stay
 * characters (the paste screen needs CR and LF apart), other control
 * characters are dropped. */
static guint
pasted_char(wint_t ch)
{
  if (ch == '\r' || ch == '\n' || ch == '\t')
    return (guint)ch;
  if (ch < 0x20 || (ch >= 0x7f && ch < 0xa0) || ch > 0x10ffff)
    return DKS_KEY_NONE;
  return (guint)ch;
}

gboolean
dks_term_read_key(DksTerm *term, DksTermKey *out)
{
  set_term(term->screen);
  for (;;) {
    wint_t ch = 0;
    int rc = get_wch(&ch);
    if (rc == ERR)
      return FALSE;
    guint key;
    if (rc == KEY_CODE_YES) {
      if (ch == TERM_KEY_PASTE_BEGIN) {
        term->in_paste = TRUE;
        continue;
      }
      if (ch == TERM_KEY_PASTE_END) {
        gboolean was_pasting = term->in_paste;
        term->in_paste = FALSE;
        if (!was_pasting)
          continue;
        *out = (DksTermKey){.key = DKS_KEY_NONE, .paste_end = TRUE};
        return TRUE;
      }
      key = translate_function_key(ch);
    } else if (term->in_paste) {
      key = pasted_char(ch);
    } else {
      key = translate_char(ch);
    }
    if (key == DKS_KEY_NONE)
      continue;
    *out = (DksTermKey){.key = key, .pasted = term->in_paste};
    return TRUE;
  }
}

gboolean
dks_term_write_raw(DksTerm *term, const char *bytes, gsize len, GError **error)
{
  set_term(term->screen);
  doupdate();         /* curses' pending output first */
  while (len > 0) {
    ssize_t n = write(term->out_fd, bytes, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(errno),
                  "writing to the terminal: %s", g_strerror(errno));
      return FALSE;
    }
    bytes += n;
    len -= (gsize)n;
  }
  return TRUE;
}
