/*
 * front_yaml.c - YAML for the front end: a libyaml document whose every node keeps its
 * position, typed scalars that explain what they expected, tensors written inline or
 * as .npy files, and "did you mean" suggestions.
 *
 * Pipeline position: used by the load pass (model.c) to turn model.yaml into ir_model.
 * Every error names the file and the 1-based line and column of the offending node
 * (libyaml marks are 0-based), says what it found and what to do.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"
#include "../fabric/ofile.h"

/* ---- document ------------------------------------------------------------------ */

#define MODEL_MAX_BYTES ((size_t)256 << 20) /* tensors live in .npy files: YAML is small */

static int read_file(front_yaml *y, const char *path) {
  char *text;
  size_t len;
  int rc = glif_read_text(path, "the model", "give the model's YAML file "
                          "(docs/model-format.md)", MODEL_MAX_BYTES, &text, &len, y->err);
  if (rc) return rc;
  char *copy = glif_arena_alloc(y->arena, len + 1);
  if (copy) memcpy(copy, text, len + 1);
  glif_free(text);
  if (!copy) return glif_errf(y->err, GLIF_ENOMEM, path, 0, 0, "out of memory reading it");
  y->text = copy;
  y->len = len;
  return 0;
}

/* Turns a libyaml parser error into "path:line:col: malformed YAML: ...". */
static int parse_error(front_yaml *y, const yaml_parser_t *p) {
  if (p->error == YAML_MEMORY_ERROR)
    return glif_errf(y->err, GLIF_ENOMEM, y->path, 0, 0, "out of memory parsing YAML");
  if (p->error == YAML_READER_ERROR)
    return glif_errf(y->err, GLIF_ESYNTAX, y->path, 0, 0,
                     "not readable as YAML text: %s (byte offset %zu) - save the file "
                     "as UTF-8", p->problem ? p->problem : "?", p->problem_offset);
  yaml_mark_t m = p->problem_mark;
  char ctx[160] = "";
  if (p->context)
    snprintf(ctx, sizeof ctx, " %s started at line %d, column %d", p->context,
             (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
  const char *hint = "";
  if (m.index < y->len && y->text[m.index] == '\t')
    hint = " (a tab: YAML indentation must use spaces)";
  return glif_errf(y->err, GLIF_ESYNTAX, y->path, (int)m.line + 1, (int)m.column + 1,
                   "malformed YAML: %s%s%s - fix the syntax at this position",
                   p->problem ? p->problem : "syntax error", ctx, hint);
}

int front_yaml_load(front_yaml *y, const char *path, glif_arena *arena, glif_err *err) {
  memset(y, 0, sizeof *y);
  y->path = path;
  y->arena = arena;
  y->err = err;
  int rc = read_file(y, path);
  if (rc) return rc;
  yaml_parser_t p;
  if (!yaml_parser_initialize(&p))
    return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory parsing YAML");
  yaml_parser_set_input_string(&p, (const unsigned char *)y->text, y->len);
  if (!yaml_parser_load(&p, &y->doc)) {
    rc = parse_error(y, &p);
    yaml_parser_delete(&p);
    return rc;
  }
  y->loaded = 1;
  yaml_parser_delete(&p);
  yaml_node_t *root = yaml_document_get_root_node(&y->doc);
  if (!root)
    return glif_errf(err, GLIF_ESYNTAX, path, 1, 1,
                     "the file is empty - a model starts with 'glif_model: 1' "
                     "(docs/model-format.md)");
  if (root->type != YAML_MAPPING_NODE)
    return front_fail(y, root, GLIF_ESYNTAX,
                      "the model must be a mapping of keys (glif_model, timesteps, "
                      "layers, ...) - see docs/model-format.md");
  return 0;
}

void front_yaml_free(front_yaml *y) {
  if (y->loaded) yaml_document_delete(&y->doc);
  y->loaded = 0;
}

yaml_node_t *front_yaml_root(front_yaml *y) {
  return yaml_document_get_root_node(&y->doc);
}

yaml_node_t *front_node(front_yaml *y, int index) {
  return yaml_document_get_node(&y->doc, index);
}

ir_pos front_pos(const yaml_node_t *n) {
  ir_pos p = {0, 0};
  if (n) {
    p.line = (int)n->start_mark.line + 1;
    p.col = (int)n->start_mark.column + 1;
  }
  return p;
}

int front_fail(front_yaml *y, const yaml_node_t *n, int code, const char *fmt, ...) {
  va_list ap;
  ir_pos p = front_pos(n);
  va_start(ap, fmt);
  glif_verrf(y->err, code, y->path, p.line, p.col, fmt, ap);
  va_end(ap);
  return code;
}

/* ---- suggestions ----------------------------------------------------------------- */


const char *front_suggest(const char *word, const char *const *cands) {
  const char *best = NULL;
  size_t best_d = 3;
  for (; *cands; cands++) {
    const size_t d = glif_edit_distance(word, *cands, 0);
    if (d < best_d && d <= (strlen(*cands) + 1) / 2) best = *cands, best_d = d;
  }
  return best;
}

/* ---- scalars --------------------------------------------------------------------- */

static const char *scalar_text(const yaml_node_t *n) {
  return (const char *)n->data.scalar.value;
}

static int is_plain(const yaml_node_t *n) {
  return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

static const char *kind_of(const yaml_node_t *n) {
  if (n->type == YAML_MAPPING_NODE) return "a mapping";
  if (n->type == YAML_SEQUENCE_NODE) return "a list";
  return "a scalar";
}

/* Parses a plain scalar as a number: 1 if it is one (*is_int set for integers). YAML's
 * .inf/.nan spellings are numbers here so that they can be refused by name. */
static int number_of(const yaml_node_t *n, double *v, int *is_int) {
  if (!is_plain(n)) return 0;
  const char *s = scalar_text(n);
  static const char *const inf[] = {".inf", ".Inf", ".INF", NULL};
  static const char *const nan_[] = {".nan", ".NaN", ".NAN", NULL};
  const char *t = (*s == '+' || *s == '-') ? s + 1 : s;
  for (int i = 0; inf[i]; i++)
    if (!strcmp(t, inf[i])) return *v = *s == '-' ? -INFINITY : INFINITY, *is_int = 0, 1;
  for (int i = 0; nan_[i]; i++)
    if (!strcmp(s, nan_[i])) return *v = NAN, *is_int = 0, 1;
  if (!*t || strspn(s, "+-0123456789.eE") != strlen(s) || !strpbrk(s, "0123456789"))
    return 0;
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (*end) return 0;
  *is_int = strspn(t, "0123456789") == strlen(t);
  return 1;
}

int front_string(front_yaml *y, yaml_node_t *n, const char *what, const char **out) {
  double v;
  int is_int;
  if (n->type != YAML_SCALAR_NODE || number_of(n, &v, &is_int) || !scalar_text(n)[0])
    return front_fail(y, n, GLIF_ETYPE, "%s must be a non-empty string, found %s%s%s%s",
                      what, n->type == YAML_SCALAR_NODE ? "'" : "",
                      n->type == YAML_SCALAR_NODE ? scalar_text(n) : kind_of(n),
                      n->type == YAML_SCALAR_NODE ? "'" : "",
                      " - write a name (quote it if it looks like a number)");
  *out = glif_arena_strdup(y->arena, scalar_text(n));
  if (!*out) return glif_errf(y->err, GLIF_ENOMEM, y->path, 0, 0, "out of memory");
  return 0;
}

int front_int(front_yaml *y, yaml_node_t *n, const char *what, long lo, long hi,
              int *out) {
  double v;
  int is_int;
  if (n->type != YAML_SCALAR_NODE || !number_of(n, &v, &is_int) || !is_int)
    return front_fail(y, n, GLIF_ETYPE, "%s must be an integer, found %s%s%s", what,
                      n->type == YAML_SCALAR_NODE ? "'" : "",
                      n->type == YAML_SCALAR_NODE ? scalar_text(n) : kind_of(n),
                      n->type == YAML_SCALAR_NODE ? "'" : "");
  if (v < (double)lo || v > (double)hi)
    return front_fail(y, n, GLIF_ERANGE, "%s = %s is out of range (allowed %ld .. %ld)",
                      what, scalar_text(n), lo, hi);
  *out = (int)v;
  return 0;
}

int front_double(front_yaml *y, yaml_node_t *n, const char *what, double *out) {
  int is_int;
  if (n->type != YAML_SCALAR_NODE || !number_of(n, out, &is_int))
    return front_fail(y, n, GLIF_ETYPE, "%s must be a number, found %s%s%s", what,
                      n->type == YAML_SCALAR_NODE ? "'" : "",
                      n->type == YAML_SCALAR_NODE ? scalar_text(n) : kind_of(n),
                      n->type == YAML_SCALAR_NODE ? "'" : "");
  if (!isfinite(*out))
    return front_fail(y, n, GLIF_ERANGE, "%s = %s is not a finite number - write a "
                      "finite value", what, scalar_text(n));
  return 0;
}

int front_pair(front_yaml *y, yaml_node_t *n, const char *what, int lo, int out[2]) {
  if (n->type == YAML_SCALAR_NODE) {
    int rc = front_int(y, n, what, lo, 1 << 20, &out[0]);
    out[1] = out[0];
    return rc;
  }
  if (n->type != YAML_SEQUENCE_NODE ||
      n->data.sequence.items.top - n->data.sequence.items.start != 2)
    return front_fail(y, n, GLIF_ETYPE, "%s must be an integer or a pair [a, b], "
                      "found %s", what, kind_of(n));
  for (int i = 0; i < 2; i++) {
    int rc = front_int(y, front_node(y, n->data.sequence.items.start[i]), what, lo,
                       1 << 20, &out[i]);
    if (rc) return rc;
  }
  return 0;
}

/* ---- tensors --------------------------------------------------------------------- */

/* Shape of a nested list: descends through first elements. */
static int list_shape(front_yaml *y, yaml_node_t *n, const char *what, ir_tensor *t) {
  t->ndim = 0;
  while (n->type == YAML_SEQUENCE_NODE) {
    int64_t len = n->data.sequence.items.top - n->data.sequence.items.start;
    if (t->ndim == 4)
      return front_fail(y, n, GLIF_ESHAPE, "%s: inline lists nest at most 4 deep", what);
    if (len == 0)
      return front_fail(y, n, GLIF_ESHAPE, "%s: an inline list is empty", what);
    t->shape[t->ndim++] = len;
    n = front_node(y, n->data.sequence.items.start[0]);
  }
  return 0;
}

/* Copies the numbers of a rectangular nested list in C order. */
static int list_fill(front_yaml *y, yaml_node_t *n, const char *what, ir_tensor *t,
                     int dim, int64_t *k) {
  if (dim == t->ndim) {
    int is_int;
    if (n->type != YAML_SCALAR_NODE || !number_of(n, &t->data[*k], &is_int))
      return front_fail(y, n, GLIF_ETYPE, "%s: inline lists hold numbers only, found %s",
                        what, n->type == YAML_SCALAR_NODE ? scalar_text(n) : kind_of(n));
    if (!isfinite(t->data[*k]))
      return front_fail(y, n, GLIF_ERANGE, "%s: element %" PRId64 " is %s - tensors "
                        "must be finite", what, *k, scalar_text(n));
    (*k)++;
    return 0;
  }
  int64_t len = n->type == YAML_SEQUENCE_NODE
                    ? n->data.sequence.items.top - n->data.sequence.items.start
                    : -1;
  if (len != t->shape[dim])
    return front_fail(y, n, GLIF_ESHAPE, "%s: the inline list is not rectangular "
                      "(expected %" PRId64 " entries at depth %d here)", what,
                      t->shape[dim], dim + 1);
  for (int64_t i = 0; i < len; i++) {
    int rc = list_fill(y, front_node(y, n->data.sequence.items.start[i]), what, t,
                       dim + 1, k);
    if (rc) return rc;
  }
  return 0;
}

static int inline_tensor(front_yaml *y, yaml_node_t *n, const char *what, ir_tensor *t) {
  int rc = list_shape(y, n, what, t);
  if (rc) return rc;
  t->size = 1;
  for (int i = 0; i < t->ndim; i++) t->size *= t->shape[i];
  if (t->size > (1 << 24))
    return front_fail(y, n, GLIF_ESHAPE, "%s: an inline tensor of %" PRId64 " values is "
                      "too large - store it in a .npy file", what, t->size);
  t->data = glif_arena_array(y->arena, (size_t)t->size, sizeof(double));
  if (!t->data) return glif_errf(y->err, GLIF_ENOMEM, y->path, 0, 0, "out of memory");
  int64_t k = 0;
  return list_fill(y, n, what, t, 0, &k);
}

static const char *join_path(front_yaml *y, const char *dir, const char *file) {
  if (file[0] == '/' || !dir || !dir[0] || !strcmp(dir, ".")) return glif_arena_strdup(y->arena, file);
  return glif_arena_printf(y->arena, "%s/%s", dir, file);
}

/* Copies an npy array into the tensor (arena) and refuses non-finite values. */
static int adopt_npy(front_yaml *y, yaml_node_t *n, const char *what, npy_array *a,
                     ir_tensor *t) {
  if (a->ndim > 4)
    return front_fail(y, n, GLIF_ESHAPE, "%s: %s has %d dimensions; model tensors have "
                      "at most 4", what, t->file, a->ndim);
  for (int64_t i = 0; i < a->size; i++)
    if (!isfinite(a->data[i]))
      return front_fail(y, n, GLIF_ERANGE, "%s: %s holds %s at flat index %" PRId64
                        " - the tensor must be finite; re-export the model", what,
                        t->file, isnan(a->data[i]) ? "NaN" : "Inf", i);
  t->ndim = a->ndim;
  for (int i = 0; i < a->ndim; i++) t->shape[i] = a->shape[i];
  t->size = a->size;
  t->data = glif_arena_array(y->arena, (size_t)(a->size ? a->size : 1), sizeof(double));
  if (!t->data) return glif_errf(y->err, GLIF_ENOMEM, y->path, 0, 0, "out of memory");
  memcpy(t->data, a->data, (size_t)a->size * sizeof(double));
  return 0;
}

static int file_tensor(front_yaml *y, yaml_node_t *n, const char *dir, const char *what,
                       ir_tensor *t) {
  const char *name = scalar_text(n);
  size_t len = strlen(name);
  if (len < 5 || strcmp(name + len - 4, ".npy"))
    return front_fail(y, n, GLIF_ETYPE, "%s must be a number, a list of numbers or a "
                      ".npy file name, found '%s'", what, name);
  t->file = join_path(y, dir, name);
  if (!t->file) return glif_errf(y->err, GLIF_ENOMEM, y->path, 0, 0, "out of memory");
  npy_array a;
  glif_err e;
  glif_err_clear(&e);
  int rc = npy_read(t->file, &a, &e);
  if (rc == GLIF_ENOMEM) return glif_errf(y->err, rc, y->path, 0, 0, "out of memory");
  if (rc)
    return front_fail(y, n, rc, "%s: cannot use tensor file %s: %s", what, t->file,
                      e.msg);
  rc = adopt_npy(y, n, what, &a, t);
  npy_free(&a);
  return rc;
}

int front_tensor(front_yaml *y, yaml_node_t *n, const char *dir, const char *what,
                 ir_tensor *t) {
  memset(t, 0, sizeof *t);
  t->pos = front_pos(n);
  if (n->type == YAML_SEQUENCE_NODE) return inline_tensor(y, n, what, t);
  if (n->type != YAML_SCALAR_NODE)
    return front_fail(y, n, GLIF_ETYPE, "%s must be a number, a list of numbers or a "
                      ".npy file name, found a mapping", what);
  int is_int;
  double v;
  if (!number_of(n, &v, &is_int)) return file_tensor(y, n, dir, what, t);
  if (!isfinite(v))
    return front_fail(y, n, GLIF_ERANGE, "%s = %s is not finite", what, scalar_text(n));
  t->size = 1;
  t->data = glif_arena_alloc(y->arena, sizeof(double));
  if (!t->data) return glif_errf(y->err, GLIF_ENOMEM, y->path, 0, 0, "out of memory");
  t->data[0] = v;
  return 0;
}
