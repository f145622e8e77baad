/*
 * err.c - the error type: formatting, the code table, printing.
 */
#include "err.h"

#include <ctype.h>
#include <string.h>

void glif_err_clear(glif_err *e) {
  if (!e) return;
  e->code = 0;
  e->file[0] = '\0';
  e->line = e->col = 0;
  e->msg[0] = '\0';
}

int glif_verrf(glif_err *e, int code, const char *file, int line, int col,
               const char *fmt, va_list ap) {
  if (!e) return code;
  e->code = code;
  snprintf(e->file, sizeof e->file, "%s", file ? file : "");
  e->line = line;
  e->col = col;
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  return code;
}

int glif_errf(glif_err *e, int code, const char *file, int line, int col,
              const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  glif_verrf(e, code, file, line, col, fmt, ap);
  va_end(ap);
  return code;
}

int glif_err_append(glif_err *e, int code, const char *fmt, ...) {
  va_list ap;
  if (!e) return code;
  if (e->code == 0) {
    va_start(ap, fmt);
    glif_verrf(e, code, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return code;
  }
  size_t len = strlen(e->msg);
  if (len + 2 < sizeof e->msg) {
    e->msg[len++] = '\n';
    e->msg[len] = '\0';
    va_start(ap, fmt);
    vsnprintf(e->msg + len, sizeof e->msg - len, fmt, ap);
    va_end(ap);
  }
  return e->code;
}

const char *glif_err_name(int code) {
  switch (code) {
#define GLIF_ERR_NAME(name, c, desc) case c: return "GLIF_E" #name;
    GLIF_ERRNO_MAP(GLIF_ERR_NAME)
#undef GLIF_ERR_NAME
  }
  return "GLIF_E?";
}

const char *glif_strerror(int code) {
  switch (code) {
#define GLIF_ERR_DESC(name, c, desc) case c: return desc;
    GLIF_ERRNO_MAP(GLIF_ERR_DESC)
#undef GLIF_ERR_DESC
  }
  return "unknown error";
}

void glif_err_print(const glif_err *e, FILE *out) {
  if (!e || e->code == 0) return;
  if (e->file[0]) {
    fprintf(out, "%s:", e->file);
    if (e->line > 0) {
      fprintf(out, "%d:", e->line);
      if (e->col > 0) fprintf(out, "%d:", e->col);
    }
    fputc(' ', out);
  }
  fprintf(out, "error: %s\n", e->msg[0] ? e->msg : glif_strerror(e->code));
}

size_t glif_edit_distance(const char *s, const char *t, int fold_case) {
  const size_t n = strlen(s), m = strlen(t);
  if (n > 127 || m > 127) return (size_t)-1;
  size_t row[128];
  for (size_t j = 0; j <= m; j++) row[j] = j;
  for (size_t i = 1; i <= n; i++) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= m; j++) {
      const int a = (unsigned char)s[i - 1], b = (unsigned char)t[j - 1];
      const size_t up = row[j], best = (up < row[j - 1] ? up : row[j - 1]) + 1;
      const size_t sub = diag + (fold_case ? tolower(a) != tolower(b) : a != b);
      row[j] = sub < best ? sub : best;
      diag = up;
    }
  }
  return row[m];
}
