/*
 * spec.c - sweep files: a design space written as YAML (docs/dse.md, examples/dse/).
 *
 *   SPEC.yaml -> spec.c -> dse_space (space.c) -> sweep
 *
 *   glif_dse: 1
 *   arch: glif-256                      # base architecture (optional)
 *   samples: 8                          # samples per point (optional)
 *   auto_mesh: false
 *   sweep:                              # axes, combined as a cartesian product
 *     core.neurons: 64:1024:x2          # a value, a range, or a list of them
 *     mesh: [8x8, 16x16]
 *   tie:
 *     core.axons: core.neurons          # axons follow neurons
 *   points:                             # explicit points: one more axis
 *     - {core.neurons: 128, core.axons: 512}
 *
 * Every error names the file, line and column of the offending node.
 */
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "../fabric/ofile.h"
#include "dse_int.h"

#define MAX_FILE_BYTES (1 << 20)

typedef struct spec {
  dse_space *s;
  const char *path;
  yaml_document_t doc;
  const char **arch;
  int64_t *samples;
  glif_err *err;
} spec;

static dse_src at(const spec *p, const yaml_node_t *n) {
  return (dse_src){p->path, n ? (int)n->start_mark.line + 1 : 0,
                   n ? (int)n->start_mark.column + 1 : 0, ""};
}

static int fail(const spec *p, const yaml_node_t *n, int code, const char *msg) {
  dse_src src = at(p, n);
  return dse_src_err(p->err, code, &src, "%s", msg);
}

static const char *scalar(const yaml_node_t *n) {
  return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static yaml_node_t *node(spec *p, yaml_node_item_t i) { return yaml_document_get_node(&p->doc, i); }

/* ---- sections ------------------------------------------------------------------------- */

/* One axis: FIELDS: VALUE or FIELDS: [VALUE, ...] (each value may be a range). */
static int axis(spec *p, yaml_node_t *key, yaml_node_t *val) {
  const char *items[1024];
  int n = 0;
  dse_src src = at(p, val);
  if (val->type == YAML_SCALAR_NODE) {
    items[n++] = scalar(val);
  } else if (val->type == YAML_SEQUENCE_NODE) {
    for (yaml_node_item_t *i = val->data.sequence.items.start;
         i < val->data.sequence.items.top; i++) {
      const char *v = scalar(node(p, *i));
      if (!v) return fail(p, node(p, *i), GLIF_ESYNTAX, "a value must be a number, a range or a mesh");
      if (n == 1024) return fail(p, val, GLIF_ERANGE, "more than 1024 items in one list");
      items[n++] = v;
    }
  } else {
    return fail(p, val, GLIF_ESYNTAX, "an axis takes a value or a list of values");
  }
  return dse_space_axis_items(p->s, scalar(key), items, n, &src, p->err);
}

static int each_pair(spec *p, yaml_node_t *map, const char *what,
                     int (*fn)(spec *, yaml_node_t *, yaml_node_t *)) {
  if (map->type != YAML_MAPPING_NODE) {
    char msg[128];
    snprintf(msg, sizeof msg, "'%s' must be a mapping of field: value", what);
    return fail(p, map, GLIF_ESYNTAX, msg);
  }
  for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top; q++) {
    yaml_node_t *k = node(p, q->key), *v = node(p, q->value);
    if (!scalar(k)) return fail(p, k, GLIF_ESYNTAX, "keys are field names");
    int rc = fn(p, k, v);
    if (rc) return rc;
  }
  return 0;
}

static int tie_pair(spec *p, yaml_node_t *k, yaml_node_t *v) {
  dse_src src = at(p, k);
  if (!scalar(v)) return fail(p, v, GLIF_ESYNTAX, "a tie names the field to copy: core.neurons");
  return dse_space_tie_fields(p->s, scalar(k), scalar(v), &src, p->err);
}

static int point(spec *p, yaml_node_t *map) {
  const char *fields[DSE_MAX_SET * 2], *values[DSE_MAX_SET * 2];
  int n = 0;
  dse_src src = at(p, map);
  if (map->type != YAML_MAPPING_NODE)
    return fail(p, map, GLIF_ESYNTAX, "a point is a mapping, e.g. {core.neurons: 128, mesh: 4x4}");
  for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < map->data.mapping.pairs.top; q++) {
    yaml_node_t *k = node(p, q->key), *v = node(p, q->value);
    if (!scalar(k) || !scalar(v)) return fail(p, k, GLIF_ESYNTAX, "field: value with scalar values");
    if (n == DSE_MAX_SET * 2) return fail(p, k, GLIF_ERANGE, "too many fields in one point");
    fields[n] = scalar(k), values[n++] = scalar(v);
  }
  return dse_space_point_pairs(p->s, fields, values, n, &src, p->err);
}

static int points(spec *p, yaml_node_t *seq) {
  if (seq->type != YAML_SEQUENCE_NODE)
    return fail(p, seq, GLIF_ESYNTAX, "'points' must be a list of mappings");
  for (yaml_node_item_t *i = seq->data.sequence.items.start; i < seq->data.sequence.items.top; i++) {
    int rc = point(p, node(p, *i));
    if (rc) return rc;
  }
  return 0;
}

static int boolean(spec *p, yaml_node_t *v, int *out) {
  const char *t = scalar(v);
  if (t && (!strcmp(t, "true") || !strcmp(t, "yes") || !strcmp(t, "on"))) return *out = 1, 0;
  if (t && (!strcmp(t, "false") || !strcmp(t, "no") || !strcmp(t, "off"))) return *out = 0, 0;
  return fail(p, v, GLIF_ESYNTAX, "expected true or false");
}

static int integer(spec *p, yaml_node_t *v, long lo, long hi, long *out) {
  const char *t = scalar(v);
  char *end, msg[128];
  long x = t ? strtol(t, &end, 10) : 0;
  if (t && *t && !*end && x >= lo && x <= hi) return *out = x, 0;
  snprintf(msg, sizeof msg, "expected a whole number %ld .. %ld", lo, hi);
  return fail(p, v, GLIF_ERANGE, msg);
}

/* ---- the document ---------------------------------------------------------------------- */

static int top_key(spec *p, yaml_node_t *k, yaml_node_t *v) {
  const char *key = scalar(k);
  long x;
  int on = 0, rc;
  if (!strcmp(key, "glif_dse")) {
    if ((rc = integer(p, v, 0, 1 << 30, &x))) return rc;
    return x == 1 ? 0 : fail(p, v, GLIF_EVERSION, "sweep file version is not 1 - this glif "
                             "reads glif_dse: 1");
  }
  if (!strcmp(key, "arch")) {
    if (!scalar(v)) return fail(p, v, GLIF_ESYNTAX, "arch names a file or a preset");
    *p->arch = dse_space_keep(p->s, scalar(v));
    return *p->arch ? 0 : glif_errf(p->err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  }
  if (!strcmp(key, "samples")) return (rc = integer(p, v, 1, 1L << 30, &x)) ? rc : (*p->samples = x, 0);
  if (!strcmp(key, "auto_mesh")) {
    if ((rc = boolean(p, v, &on))) return rc;
    dse_src src = at(p, v);
    src.what = "auto_mesh";
    glif_err e;
    glif_err_clear(&e);
    return dse_space_set_auto_mesh(p->s, on, &e) ? dse_src_err(p->err, e.code, &src, "%s", e.msg) : 0;
  }
  if (!strcmp(key, "sweep")) return each_pair(p, v, "sweep", axis);
  if (!strcmp(key, "tie")) return each_pair(p, v, "tie", tie_pair);
  if (!strcmp(key, "points")) return points(p, v);
  char msg[256];
  snprintf(msg, sizeof msg, "unknown key '%s' - a sweep file has glif_dse, arch, samples, "
           "auto_mesh, sweep, tie and points", key);
  return fail(p, k, GLIF_ESYNTAX, msg);
}

static int has_version(spec *p, yaml_node_t *root) {
  for (yaml_node_pair_t *q = root->data.mapping.pairs.start; q < root->data.mapping.pairs.top; q++)
    if (scalar(node(p, q->key)) && !strcmp(scalar(node(p, q->key)), "glif_dse")) return 1;
  return 0;
}

static int document(spec *p) {
  yaml_node_t *root = yaml_document_get_root_node(&p->doc);
  if (!root || root->type != YAML_MAPPING_NODE)
    return fail(p, root, GLIF_ESYNTAX, "a sweep file is a YAML mapping starting with 'glif_dse: 1'");
  if (!has_version(p, root))
    return fail(p, root, GLIF_EMISSING, "no 'glif_dse: 1' - add it as the first line");
  return each_pair(p, root, "the file", top_key);
}


static int parse(spec *p, const char *text, size_t len) {
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return glif_errf(p->err, GLIF_ENOMEM, p->path, 0, 0, "out of memory");
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  int rc = 0;
  if (!yaml_parser_load(&parser, &p->doc)) {
    rc = glif_errf(p->err, GLIF_ESYNTAX, p->path, (int)parser.problem_mark.line + 1,
                   (int)parser.problem_mark.column + 1, "malformed YAML: %s - fix the syntax",
                   parser.problem ? parser.problem : "unknown problem");
  } else {
    rc = document(p);
    yaml_document_delete(&p->doc);
  }
  yaml_parser_delete(&parser);
  return rc;
}

int dse_space_load(dse_space *s, const char *path, const char **arch_out,
                   int64_t *samples_out, glif_err *err) {
  char *text = NULL;
  size_t len = 0;
  const char *arch = NULL;
  int64_t samples = 0;
  int rc = glif_read_text(path, "the sweep file", "give a sweep YAML file (docs/dse.md)",
                          MAX_FILE_BYTES, &text, &len, err);
  if (rc) return rc;
  spec p = {.s = s, .path = path, .arch = &arch, .samples = &samples, .err = err};
  rc = parse(&p, text, len);
  glif_free(text);
  if (rc == GLIF_EUSAGE) rc = err->code = GLIF_ESYNTAX; /* a bad file, not bad usage */
  if (arch_out) *arch_out = arch;
  if (samples_out) *samples_out = samples;
  return rc;
}
