/*
 * space.c - the design space: axes of settings, ties and the numbering of points.
 *
 *   sweep specs (command line, spec.c) -> SPACE -> one architecture per point (sweep.c)
 *
 * An axis is a list of settings; a setting assigns one or more architecture fields
 * (core.neurons = 128; mesh = 8x8 assigns mesh.x and mesh.y). The space is the
 * cartesian product of its axes, numbered with the first axis varying slowest, so
 * point numbers never depend on how the sweep is run. Every value is checked when the
 * axis is added, by arch_set itself, so a bad value gets the architecture's message.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "dse_int.h"

#define MAX_TIES 16
#define MAX_AXES 64
#define SHOWN (-1000000) /* column owner: a tie's source, displayed only */
#define MAX_AXIS_VALUES 100000

typedef struct setting {
  int n;
  const arch_field *f[DSE_MAX_SET];
  double v[DSE_MAX_SET];
} setting;

typedef struct axis {
  int n, cap;
  setting *v;
} axis;

typedef struct tie {
  const arch_field *dst, *src;
} tie;

struct dse_space {
  glif_arena *arena;            /* kept strings */
  axis *axes;
  int n_axes, cap_axes;
  int points_axis;              /* index of the explicit points' axis, -1 none */
  tie ties[MAX_TIES];
  int n_ties;
  const arch_field *cols[DSE_MAX_COLS];
  int owner[DSE_MAX_COLS];      /* axis index that sets the column, or -1 - tie index */
  int n_cols;
  int auto_mesh;
};

/* ---- small utilities shared by dse/ ------------------------------------------------ */

int dse_src_err(glif_err *err, int code, const dse_src *src, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (src && src->what && src->what[0])
    return glif_errf(err, code, src->file, src->line, src->col, "%s: %s", src->what, msg);
  return glif_errf(err, code, src ? src->file : NULL, src ? src->line : 0,
                   src ? src->col : 0, "%s", msg);
}

void dse_value_text(const arch_field *f, double v, char *buf, size_t size) {
  if (!f->is_float) snprintf(buf, size, "%.0f", v);
  else snprintf(buf, size, "%.17g", v);
}

void dse_first_line(const char *msg, char *out, size_t size) {
  const char *nl = strchr(msg, '\n');
  size_t n = nl ? (size_t)(nl - msg) : strlen(msg);
  if (n >= size) n = size - 1;
  memcpy(out, msg, n);
  out[n] = '\0';
}

const char *dse_space_keep(dse_space *s, const char *text) {
  return glif_arena_strdup(s->arena, text);
}

/* ---- "did you mean" over the architecture's field paths ---------------------------- */


const char *dse_field_guess(const char *path) {
  static __thread char best[80];
  size_t n, best_d = (size_t)-1, limit = strlen(path) / 3 + 2;
  const arch_field *f = arch_fields(&n);
  const char *key = strchr(path, '.') ? strchr(path, '.') + 1 : path;
  for (size_t i = 0; i < n; i++) {
    char cand[80];
    snprintf(cand, sizeof cand, "%s.%s", f[i].section, f[i].key);
    size_t d = glif_edit_distance(path, cand, 1);
    if (!strcmp(key, f[i].key)) d = d < 1 ? d : 1; /* right key, wrong or no section */
    if (d < best_d) best_d = d, snprintf(best, sizeof best, "%s", cand);
  }
  const size_t dm = glif_edit_distance(path, "mesh", 1);
  if (dm < best_d) best_d = dm, strcpy(best, "mesh");
  return best_d <= limit ? best : NULL;
}

static int unknown_field(const char *path, const dse_src *src, glif_err *err) {
  const char *g = dse_field_guess(path);
  return dse_src_err(err, GLIF_EUSAGE, src, "'%s' is not an architecture field%s%s%s - "
                     "fields are written section.key as in the architecture YAML "
                     "(glif arch --json lists them), or 'mesh' for both mesh sizes",
                     path, g ? " (did you mean '" : "", g ? g : "", g ? "'?)" : "");
}

/* ---- building -------------------------------------------------------------------------- */

int dse_space_create(dse_space **out, glif_err *err) {
  dse_space *s = glif_calloc(1, sizeof *s);
  if (s) s->arena = glif_arena_create(16384);
  if (!s || !s->arena) {
    if (s) glif_free(s);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory creating the design space");
  }
  s->points_axis = -1;
  *out = s;
  return 0;
}

void dse_space_destroy(dse_space *s) {
  if (!s) return;
  for (int i = 0; i < s->n_axes; i++) glif_free(s->axes[i].v);
  glif_free(s->axes);
  glif_arena_destroy(s->arena);
  glif_free(s);
}

/* Registers field f as a column owned by `owner` (an axis index, -1 - tie index, or
 * SHOWN for a tie's source, which is only displayed): one field is set by one axis or
 * tie only, else the point's value would be ambiguous. */
static int add_col(dse_space *s, const arch_field *f, int owner, const dse_src *src,
                   glif_err *err) {
  for (int i = 0; i < s->n_cols; i++) {
    if (s->cols[i] != f) continue;
    if (s->owner[i] == owner || owner == SHOWN) return 0;
    if (s->owner[i] == SHOWN) return s->owner[i] = owner, 0; /* a tie's source, now set */
    return dse_src_err(err, GLIF_EUSAGE, src, "%s.%s is already set by %s - set each "
                       "field on one axis only (join fields with a comma or use a tie)",
                       f->section, f->key, s->owner[i] < 0 ? "a tie" : "another axis");
  }
  if (s->n_cols == DSE_MAX_COLS)
    return dse_src_err(err, GLIF_ERANGE, src, "more than %d swept fields - sweep fewer "
                       "fields at once", DSE_MAX_COLS);
  s->owner[s->n_cols] = owner;
  s->cols[s->n_cols++] = f;
  return 0;
}

static int is_mesh_field(const arch_field *f) { return !strcmp(f->section, "mesh"); }

static int auto_mesh_clash(const dse_space *s, const dse_src *src, glif_err *err) {
  for (int i = 0; s->auto_mesh && i < s->n_cols; i++)
    if (is_mesh_field(s->cols[i]))
      return dse_src_err(err, GLIF_EUSAGE, src, "auto mesh chooses the mesh of every "
                         "point, so mesh.%s cannot be swept too - drop one of the two",
                         s->cols[i]->key);
  return 0;
}

static axis *new_axis(dse_space *s, glif_err *err) {
  if (s->n_axes == MAX_AXES)
    return glif_errf(err, GLIF_ERANGE, NULL, 0, 0, "more than %d axes", MAX_AXES), NULL;
  if (s->n_axes == s->cap_axes) {
    int cap = s->cap_axes ? 2 * s->cap_axes : 8;
    axis *a = glif_realloc(s->axes, (size_t)cap * sizeof *a);
    if (!a) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory"), NULL;
    s->axes = a, s->cap_axes = cap;
  }
  axis *a = &s->axes[s->n_axes++];
  memset(a, 0, sizeof *a);
  return a;
}

static int push_setting(axis *a, const setting *v, const dse_src *src, glif_err *err) {
  if (a->n == MAX_AXIS_VALUES)
    return dse_src_err(err, GLIF_ERANGE, src, "more than %d values on one axis",
                       MAX_AXIS_VALUES);
  if (a->n == a->cap) {
    int cap = a->cap ? 2 * a->cap : 16;
    setting *p = glif_realloc(a->v, (size_t)cap * sizeof *p);
    if (!p) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
    a->v = p, a->cap = cap;
  }
  a->v[a->n++] = *v;
  return 0;
}

/* Sets field f of a scratch architecture from text with the architecture's own rules
 * (type and range) and returns the value it took. */
static int field_value(const arch_field *f, const char *text, double *v, const dse_src *src,
                       glif_err *err) {
  glif_arch scratch;
  char path[80];
  glif_err e;
  arch_default(&scratch);
  glif_err_clear(&e);
  snprintf(path, sizeof path, "%s.%s", f->section, f->key);
  if (arch_set(&scratch, path, text, &e))
    return dse_src_err(err, e.code ? e.code : GLIF_ERANGE, src, "%s", e.msg);
  *v = arch_field_get(&scratch, f);
  return 0;
}

static int field_value_num(const arch_field *f, double x, double *v, const dse_src *src,
                           glif_err *err) {
  char text[64];
  if (!f->is_float && x != floor(x))
    return dse_src_err(err, GLIF_ERANGE, src, "the range gives %.17g, not a whole number, "
                       "for the integer field %s.%s - use whole-number bounds and steps",
                       x, f->section, f->key);
  dse_value_text(f, x, text, sizeof text);
  return field_value(f, text, v, src, err);
}

/* ---- values: numbers and ranges -------------------------------------------------------- */

static int parse_num(const char *text, size_t len, double *v) {
  char buf[64], *end;
  if (len == 0 || len >= sizeof buf) return -1;
  memcpy(buf, text, len);
  buf[len] = '\0';
  *v = strtod(buf, &end);
  return *end || !isfinite(*v) ? -1 : 0;
}

static int range_err(const char *item, const dse_src *src, glif_err *err) {
  return dse_src_err(err, GLIF_EUSAGE, src, "'%s' is not a value or a range - write a "
                     "number, LO:HI (step 1), LO:HI:STEP (arithmetic) or LO:HI:xF "
                     "(geometric, F > 1), e.g. 64:1024:x2", item);
}

/* The numbers of "LO:HI[:STEP|:xF]", at most `max`. */
static int range_values(const char *item, double *out, int max, int *n, const dse_src *src,
                        glif_err *err) {
  const char *c1 = strchr(item, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
  double lo, hi, step = 1;
  int geo = 0;
  if (!c1 || parse_num(item, (size_t)(c1 - item), &lo) ||
      parse_num(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1), &hi))
    return range_err(item, src, err);
  if (c2) {
    geo = c2[1] == 'x' || c2[1] == '*';
    if (parse_num(c2 + 1 + geo, strlen(c2 + 1 + geo), &step)) return range_err(item, src, err);
  }
  if (lo > hi || (geo ? step <= 1 || lo <= 0 : step <= 0))
    return dse_src_err(err, GLIF_EUSAGE, src, "range '%s' is empty or endless (LO %.17g, "
                       "HI %.17g, %s %.17g) - LO <= HI and %s", item, lo, hi,
                       geo ? "factor" : "step", step, geo ? "LO > 0, factor > 1" : "step > 0");
  *n = 0;
  for (int k = 0;; k++) {
    double v = geo ? lo * pow(step, k) : lo + k * step;
    if (geo && k > 0 && floor(lo) == lo && floor(step) == step) v = out[k - 1] * step;
    if (v > hi * (1 + 1e-12)) break;
    if (*n == max)
      return dse_src_err(err, GLIF_ERANGE, src, "range '%s' has more than %d values", item, max);
    out[(*n)++] = v;
  }
  return 0;
}

/* "XxY" of a mesh item; 0 when item has that form. */
static int mesh_pair(const char *item, double *x, double *y) {
  const char *sep = strchr(item, 'x');
  if (!sep || strchr(item, ':')) return -1;
  return parse_num(item, (size_t)(sep - item), x) || parse_num(sep + 1, strlen(sep + 1), y);
}

/* ---- axes -------------------------------------------------------------------------------- */

typedef struct target {
  int mesh;                        /* 1: the "mesh" pseudo-field (x and y) */
  int n;
  const arch_field *f[DSE_MAX_SET];
} target;

static int parse_fields(const char *fields, target *t, const dse_src *src, glif_err *err) {
  char buf[512];
  memset(t, 0, sizeof *t);
  snprintf(buf, sizeof buf, "%s", fields);
  for (char *save = NULL, *p = strtok_r(buf, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
    while (isspace((unsigned char)*p)) p++;
    for (char *e = p + strlen(p); e > p && isspace((unsigned char)e[-1]);) *--e = '\0';
    const int mesh = !strcmp(p, "mesh");
    const arch_field *f = mesh ? arch_field_find("mesh.x") : arch_field_find(p);
    if (!f) return unknown_field(p, src, err);
    if (t->n + 1 + mesh > DSE_MAX_SET)
      return dse_src_err(err, GLIF_EUSAGE, src, "more than %d fields on one axis", DSE_MAX_SET);
    t->f[t->n++] = f;
    if (mesh) t->f[t->n++] = arch_field_find("mesh.y"), t->mesh = 1;
  }
  if (t->n == 0)
    return dse_src_err(err, GLIF_EUSAGE, src, "no field before '=' - write FIELD=VALUES, "
                       "e.g. core.neurons=64,128");
  if (t->mesh && t->n != 2)
    return dse_src_err(err, GLIF_EUSAGE, src, "'mesh' sets mesh.x and mesh.y and cannot be "
                       "joined with other fields - give it an axis of its own");
  return 0;
}

/* The setting that gives every field of t the value(s) x (y for mesh.y). */
static int make_setting(const target *t, double x, double y, const char *text, setting *st,
                        const dse_src *src, glif_err *err) {
  memset(st, 0, sizeof *st);
  st->n = t->n;
  for (int k = 0; k < t->n; k++) {
    const double want = t->mesh && k == 1 ? y : x;
    st->f[k] = t->f[k];
    int rc = text && !t->mesh ? field_value(t->f[k], text, &st->v[k], src, err)
                              : field_value_num(t->f[k], want, &st->v[k], src, err);
    if (rc) return rc;
  }
  return 0;
}

static int add_item(axis *a, const target *t, const char *item, const dse_src *src,
                    glif_err *err) {
  setting st;
  double x, y;
  int rc;
  if (t->mesh && !mesh_pair(item, &x, &y)) {
    if ((rc = make_setting(t, x, y, NULL, &st, src, err))) return rc;
    return push_setting(a, &st, src, err);
  }
  if (!strchr(item, ':')) {
    if (t->mesh && parse_num(item, strlen(item), &x))
      return dse_src_err(err, GLIF_EUSAGE, src, "'%s' is not a mesh - write XxY (8x8), N "
                         "(N x N) or a range of square meshes (4:16:4)", item);
    if ((rc = make_setting(t, x, x, item, &st, src, err))) return rc;
    return push_setting(a, &st, src, err);
  }
  double *v = glif_malloc(sizeof *v * MAX_AXIS_VALUES);
  int n = 0;
  if (!v) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  rc = range_values(item, v, MAX_AXIS_VALUES, &n, src, err);
  for (int i = 0; !rc && i < n; i++)
    if (!(rc = make_setting(t, v[i], v[i], NULL, &st, src, err))) rc = push_setting(a, &st, src, err);
  glif_free(v);
  return rc;
}

int dse_space_axis_items(dse_space *s, const char *fields, const char *const *items,
                         int n_items, const dse_src *src, glif_err *err) {
  target t;
  int rc = parse_fields(fields, &t, src, err);
  if (rc) return rc;
  if (n_items == 0)
    return dse_src_err(err, GLIF_EUSAGE, src, "no values for %s - give at least one", fields);
  axis *a = new_axis(s, err);
  if (!a) return err->code;
  for (int i = 0; !rc && i < n_items; i++) rc = add_item(a, &t, items[i], src, err);
  for (int k = 0; !rc && k < t.n; k++) rc = add_col(s, t.f[k], s->n_axes - 1, src, err);
  return rc ? rc : auto_mesh_clash(s, src, err);
}

/* Splits "A,B,C" (no empty items) into items[]; returns the count or -1. */
static int split_items(char *text, char **items, int max) {
  int n = 0;
  for (char *p = text;;) {
    char *comma = strchr(p, ',');
    if (comma) *comma = '\0';
    while (isspace((unsigned char)*p)) p++;
    for (char *e = p + strlen(p); e > p && isspace((unsigned char)e[-1]);) *--e = '\0';
    if (!*p || n == max) return -1;
    items[n++] = p;
    if (!comma) return n;
    p = comma + 1;
  }
}

int dse_space_add_axis(dse_space *s, const char *spec, const char *where, glif_err *err) {
  char what[600], fields[512], values[4096], *items[1024];
  snprintf(what, sizeof what, "%s %s", where ? where : "--sweep", spec);
  dse_src src = {NULL, 0, 0, what};
  const char *eq = strchr(spec, '=');
  if (!eq || (size_t)(eq - spec) >= sizeof fields || strlen(eq + 1) >= sizeof values)
    return dse_src_err(err, GLIF_EUSAGE, &src, "expected FIELD=VALUES, e.g. "
                       "core.neurons=64:1024:x2 or mesh=8x8,16x16");
  memcpy(fields, spec, (size_t)(eq - spec));
  fields[eq - spec] = '\0';
  snprintf(values, sizeof values, "%s", eq + 1);
  int n = split_items(values, items, 1024);
  if (n < 0)
    return dse_src_err(err, GLIF_EUSAGE, &src, "empty value in the list (or more than "
                       "1024 items) - separate values with single commas");
  return dse_space_axis_items(s, fields, (const char *const *)items, n, &src, err);
}

/* ---- ties and explicit points ----------------------------------------------------------- */

int dse_space_tie_fields(dse_space *s, const char *dst, const char *src_field,
                         const dse_src *src, glif_err *err) {
  const arch_field *d = arch_field_find(dst), *f = arch_field_find(src_field);
  if (!d) return unknown_field(dst, src, err);
  if (!f) return unknown_field(src_field, src, err);
  if (d == f || d->is_float != f->is_float)
    return dse_src_err(err, GLIF_EUSAGE, src, "cannot tie %s to %s - tie two different "
                       "fields of the same kind (integer or real)", dst, src_field);
  if (s->n_ties == MAX_TIES)
    return dse_src_err(err, GLIF_ERANGE, src, "more than %d ties", MAX_TIES);
  /* the source is a column too (an axis may still set it), then the target */
  int rc = add_col(s, f, SHOWN, src, err);
  if (!rc) rc = add_col(s, d, -1 - s->n_ties, src, err);
  if (rc) return rc;
  s->ties[s->n_ties++] = (tie){d, f};
  return auto_mesh_clash(s, src, err);
}

int dse_space_add_tie(dse_space *s, const char *spec, const char *where, glif_err *err) {
  char what[600], dst[256];
  snprintf(what, sizeof what, "%s %s", where ? where : "--tie", spec);
  dse_src src = {NULL, 0, 0, what};
  const char *eq = strchr(spec, '=');
  if (!eq || eq == spec || !eq[1] || (size_t)(eq - spec) >= sizeof dst)
    return dse_src_err(err, GLIF_EUSAGE, &src, "expected DST=SRC, e.g. "
                       "core.axons=core.neurons");
  memcpy(dst, spec, (size_t)(eq - spec));
  dst[eq - spec] = '\0';
  return dse_space_tie_fields(s, dst, eq + 1, &src, err);
}

static axis *points_axis(dse_space *s, glif_err *err) {
  if (s->points_axis >= 0) return &s->axes[s->points_axis];
  axis *a = new_axis(s, err);
  if (a) s->points_axis = s->n_axes - 1;
  return a;
}

/* Adds the field(s) of one pair of an explicit point to st. */
static int point_pair(dse_space *s, int owner, setting *st, const char *field,
                      const char *value, const dse_src *src, glif_err *err) {
  target t;
  setting one;
  double x = 0, y = 0;
  int rc = parse_fields(field, &t, src, err);
  if (rc) return rc;
  if (t.mesh && mesh_pair(value, &x, &y) && parse_num(value, strlen(value), &x))
    return dse_src_err(err, GLIF_EUSAGE, src, "mesh '%s' - write XxY, e.g. 8x8", value);
  if (t.mesh && mesh_pair(value, &x, &y)) y = x;
  if ((rc = make_setting(&t, x, y, t.mesh ? NULL : value, &one, src, err))) return rc;
  for (int k = 0; k < one.n; k++) {
    for (int j = 0; j < st->n; j++)
      if (st->f[j] == one.f[k])
        return dse_src_err(err, GLIF_EUSAGE, src, "%s.%s is set twice in one point",
                           one.f[k]->section, one.f[k]->key);
    if (st->n == DSE_MAX_SET)
      return dse_src_err(err, GLIF_EUSAGE, src, "more than %d fields in one point", DSE_MAX_SET);
    st->f[st->n] = one.f[k], st->v[st->n++] = one.v[k];
    if ((rc = add_col(s, one.f[k], owner, src, err))) return rc;
  }
  return 0;
}

int dse_space_point_pairs(dse_space *s, const char *const *fields, const char *const *values,
                          int n, const dse_src *src, glif_err *err) {
  setting st;
  memset(&st, 0, sizeof st);
  if (n == 0) return dse_src_err(err, GLIF_EUSAGE, src, "an empty point - set at least one field");
  axis *a = points_axis(s, err);
  if (!a) return err->code;
  for (int i = 0; i < n; i++) {
    int rc = point_pair(s, s->points_axis, &st, fields[i], values[i], src, err);
    if (rc) return rc;
  }
  int rc = push_setting(a, &st, src, err);
  return rc ? rc : auto_mesh_clash(s, src, err);
}

int dse_space_add_point(dse_space *s, const char *spec, const char *where, glif_err *err) {
  char what[600], buf[4096];
  const char *fields[DSE_MAX_SET * 2], *values[DSE_MAX_SET * 2];
  int n = 0;
  snprintf(what, sizeof what, "%s %s", where ? where : "--point", spec);
  dse_src src = {NULL, 0, 0, what};
  snprintf(buf, sizeof buf, "%s", spec);
  for (char *save = NULL, *p = strtok_r(buf, ";", &save); p; p = strtok_r(NULL, ";", &save)) {
    char *eq = strchr(p, '=');
    if (!eq || eq == p || !eq[1] || n == DSE_MAX_SET * 2)
      return dse_src_err(err, GLIF_EUSAGE, &src, "expected FIELD=VALUE;FIELD=VALUE..., e.g. "
                         "core.neurons=128;core.axons=256;mesh=4x4");
    *eq = '\0';
    fields[n] = p, values[n++] = eq + 1;
  }
  return dse_space_point_pairs(s, fields, values, n, &src, err);
}

int dse_space_set_auto_mesh(dse_space *s, int on, glif_err *err) {
  s->auto_mesh = on != 0;
  return auto_mesh_clash(s, &(dse_src){NULL, 0, 0, "--auto-mesh"}, err);
}

int dse_space_auto_mesh(const dse_space *s) { return s->auto_mesh; }

/* ---- points ------------------------------------------------------------------------------ */

int dse_space_count(const dse_space *s, int64_t *n, glif_err *err) {
  int64_t total = 1;
  for (int i = 0; i < s->n_axes; i++) {
    if (s->axes[i].n == 0)
      return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0, "axis %d of the design space is "
                       "empty - give it at least one value", i + 1);
    if (total > DSE_MAX_POINTS / s->axes[i].n)
      return glif_errf(err, GLIF_ERANGE, NULL, 0, 0, "the design space has more than %d "
                       "points - sweep fewer values or split the sweep", DSE_MAX_POINTS);
    total *= s->axes[i].n;
  }
  *n = total;
  return 0;
}

int dse_space_n_cols(const dse_space *s) { return s->n_cols; }

const arch_field *dse_space_col(const dse_space *s, int col) {
  return col >= 0 && col < s->n_cols ? s->cols[col] : NULL;
}

void dse_space_col_name(const dse_space *s, int col, char *buf, size_t size) {
  const arch_field *f = dse_space_col(s, col);
  snprintf(buf, size, "%s.%s", f ? f->section : "?", f ? f->key : "?");
}

static int set_field(glif_arch *a, const arch_field *f, double v, glif_err *err) {
  char path[80], text[64];
  snprintf(path, sizeof path, "%s.%s", f->section, f->key);
  dse_value_text(f, v, text, sizeof text);
  return arch_set(a, path, text, err);
}

int dse_space_arch(const dse_space *s, const glif_arch *base, int64_t i, glif_arch *a,
                   glif_err *err) {
  int64_t rest = i, idx[MAX_AXES] = {0};
  int rc = 0;
  *a = *base;
  for (int k = s->n_axes - 1; k >= 0; k--) { /* the last axis varies fastest */
    idx[k] = rest % s->axes[k].n;
    rest /= s->axes[k].n;
  }
  for (int k = 0; k < s->n_axes; k++) {
    const setting *st = &s->axes[k].v[idx[k]];
    for (int j = 0; j < st->n; j++)
      if ((rc = set_field(a, st->f[j], st->v[j], err))) return rc;
  }
  for (int t = 0; t < s->n_ties; t++)
    if ((rc = set_field(a, s->ties[t].dst, arch_field_get(a, s->ties[t].src), err)))
      return rc;
  return arch_validate(a, err);
}
