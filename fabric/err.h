/*
 * err.h - the one error type of the GLIF fabric toolchain.
 *
 * Every library function returns 0 on success or a negative GLIF_E* code and fills a
 * glif_err with a message and, where there is one, the input position. Only main()
 * decides to exit. Messages read
 *     model.yaml:12:5: what is wrong (the numbers involved) - what to do
 * Lines and columns are 1-based (libyaml marks are 0-based: add 1).
 *
 * Codes come from one X-macro table (libuv's uv-errno map is the model), so the
 * enum, the names and the short descriptions can never drift apart.
 */
#ifndef GLIF_ERR_H
#define GLIF_ERR_H

#include <stdarg.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/*       name          code  short description */
#define GLIF_ERRNO_MAP(X)                                         \
  X(OK,           0,   "success")                                 \
  X(NOMEM,       -1,   "out of memory")                           \
  X(IO,          -2,   "input/output error")                      \
  X(SYNTAX,      -3,   "malformed input")                         \
  X(RANGE,       -4,   "value out of range")                      \
  X(SHAPE,       -5,   "wrong shape")                             \
  X(TYPE,        -6,   "unsupported type")                        \
  X(MISSING,     -7,   "missing field or file")                   \
  X(CORRUPT,     -8,   "corrupted file")                          \
  X(VERSION,     -9,   "unsupported format version")              \
  X(ARCH,        -10,  "architecture mismatch")                   \
  X(FIT,         -11,  "network does not fit the fabric")         \
  X(USAGE,       -12,  "bad command-line usage")                  \
  X(UNSUPPORTED, -13,  "not supported")                           \
  X(INTERNAL,    -14,  "internal error")

enum {
#define GLIF_ERR_ENUM(name, code, desc) GLIF_E##name = (code),
  GLIF_ERRNO_MAP(GLIF_ERR_ENUM)
#undef GLIF_ERR_ENUM
};

#define GLIF_ERR_MSG_MAX 8192

typedef struct glif_err {
  int code;                  /* GLIF_E* (0 = no error) */
  char file[512];            /* input file the error is about, "" if none */
  int line, col;             /* 1-based input position, 0 when unknown */
  char msg[GLIF_ERR_MSG_MAX];/* the message without the position prefix; may hold
                                several lines (design-rule checks list them all) */
} glif_err;

/* Resets e to "no error". */
void glif_err_clear(glif_err *e);

/* Fills e (when non-NULL) and returns code. file may be NULL; line/col 0 = unknown. */
int glif_errf(glif_err *e, int code, const char *file, int line, int col,
              const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int glif_verrf(glif_err *e, int code, const char *file, int line, int col,
               const char *fmt, va_list ap);

/* Appends one more line to e->msg (keeps code and position unless e had no error,
 * in which case it behaves like glif_errf). Used to collect a full list of problems. */
int glif_err_append(glif_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "GLIF_ERANGE" style name and short description of a code. */
const char *glif_err_name(int code);
const char *glif_strerror(int code);

/* Levenshtein distance between s and t (ignoring case when fold_case), for the "did you
 * mean" suggestions of messages; names longer than 127 characters are never close. */
size_t glif_edit_distance(const char *s, const char *t, int fold_case);

/* Writes "file:line:col: error: msg\n" (the prefix parts that are known). */
void glif_err_print(const glif_err *e, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_ERR_H */
