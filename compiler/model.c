/*
 * model.c - the load pass: model.yaml (format v1, docs/model-format.md) into ir_model,
 * plus the calibration set of --calibrate.
 *
 * Pipeline position: first pass of the compiler (load -> check -> fold -> ...).
 * It checks everything that is about one YAML node: known keys (with "did you mean"),
 * duplicate keys and names, value types, scalar attribute ranges (stride, padding,
 * kernel, groups, eps, T), tensors readable and finite, input names resolvable and
 * pointing backwards. Whole-graph rules (shapes, reachability, parameter ranges of
 * tensors) are the check pass's. Every error carries model.yaml:line:col.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "compile.h"
#include "front.h"

#define TYPE(t) (1u << (t))
#define ALL_TYPES ((1u << IR_LAYER_TYPES) - 1)
#define LINEAR_IN (ALL_TYPES & ~TYPE(IR_INPUT) & ~TYPE(IR_ADD))
#define POOLS (TYPE(IR_AVGPOOL2D) | TYPE(IR_SUMPOOL2D))

typedef struct loader {
  front_yaml y;
  cc_ctx *ctx;
  ir_model *m;
  yaml_node_t **name_node;    /* [n_layers] the node of each layer's name */
  yaml_node_t *(*in_node)[8]; /* [n_layers][8] the nodes naming each input */
} loader;

typedef int (*key_fn)(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                      const char *what);

typedef struct keydef {
  const char *key;
  unsigned types;  /* bit mask of layer types that take the key */
  key_fn parse;
} keydef;

/* ---- one key each ------------------------------------------------------------------ */

static const char *const glif_keys[IR_GLIF_PARAMS + 1] = {
    "alpha", "beta", "gamma", "tau", "leak", "reVth", "Vth", "conduct", NULL};

static int k_skip(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                  const char *what) {
  (void)ld, (void)l, (void)v, (void)key, (void)what;
  return 0; /* name and type: read before the other keys */
}

static int k_input(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                   const char *what) {
  const char *s;
  int rc = front_string(&ld->y, v, what, &s);
  if (rc) return rc;
  ld->in_node[l - ld->m->layers][0] = v;
  l->n_inputs = 1;
  return 0;
}

static int k_inputs(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                    const char *what) {
  int n = v->type == YAML_SEQUENCE_NODE
              ? (int)(v->data.sequence.items.top - v->data.sequence.items.start)
              : -1;
  if (n < 2 || n > 8)
    return front_fail(&ld->y, v, GLIF_ETYPE, "%s must be a list of 2 to 8 layer names, "
                      "found %s%d entries", what, n < 0 ? "not a list: " : "",
                      n < 0 ? 0 : n);
  for (int i = 0; i < n; i++) {
    yaml_node_t *e = front_node(&ld->y, v->data.sequence.items.start[i]);
    const char *s;
    int rc = front_string(&ld->y, e, what, &s);
    if (rc) return rc;
    ld->in_node[l - ld->m->layers][i] = e;
  }
  l->n_inputs = n;
  return 0;
}

static int k_shape(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                   const char *what) {
  int n = v->type == YAML_SEQUENCE_NODE
              ? (int)(v->data.sequence.items.top - v->data.sequence.items.start)
              : -1;
  if (n != 1 && n != 3)
    return front_fail(&ld->y, v, GLIF_ETYPE, "%s must be [C, H, W] or [N], found %s",
                      what, n < 0 ? "a scalar or mapping" : "a list of another length");
  int d[3] = {1, 1, 1};
  for (int i = 0; i < n; i++) {
    int rc = front_int(&ld->y, front_node(&ld->y, v->data.sequence.items.start[i]), what,
                       1, 1 << 24, &d[i]);
    if (rc) return rc;
  }
  if ((int64_t)d[0] * d[1] * d[2] > ((int64_t)1 << 30)) /* indices stay in 31 bits */
    return front_fail(&ld->y, v, GLIF_ERANGE, "%s has more than 2^30 elements - no fabric "
                      "holds that many input neurons; check the shape", what);
  l->c = d[0], l->h = d[1], l->w = d[2];
  return 0;
}

static int k_encoding(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                      const char *what) {
  const char *s;
  int rc = front_string(&ld->y, v, what, &s);
  if (rc) return rc;
  if (!strcmp(s, "direct")) l->encoding = IR_ENC_DIRECT;
  else if (!strcmp(s, "spikes")) l->encoding = IR_ENC_SPIKES;
  else
    return front_fail(&ld->y, v, GLIF_ETYPE, "%s is '%s'; it must be 'direct' (real "
                      "values, the same every step) or 'spikes' (0/1 per step)", what, s);
  return 0;
}

static int k_range(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                   const char *what) {
  int rc = front_double(&ld->y, v, what, &l->range);
  if (!rc && !(l->range > 0))
    return front_fail(&ld->y, v, GLIF_ERANGE, "%s = %g must be > 0 (the largest |x| of "
                      "the inputs)", what, l->range);
  return rc;
}

static int tensor_into(loader *ld, yaml_node_t *v, const char *what, ir_tensor *t) {
  return front_tensor(&ld->y, v, ld->m->dir, what, t);
}

static int k_weight(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                    const char *what) {
  return tensor_into(ld, v, what, &l->weight);
}
static int k_bias(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                  const char *what) {
  return tensor_into(ld, v, what, &l->bias);
}
static int k_mean(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                  const char *what) {
  return tensor_into(ld, v, what, &l->mean);
}
static int k_var(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                 const char *what) {
  return tensor_into(ld, v, what, &l->var);
}

static int k_glif(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                  const char *what) {
  for (int i = 0; i < IR_GLIF_PARAMS; i++)
    if (!strcmp(key, glif_keys[i])) return tensor_into(ld, v, what, &l->glif[i]);
  return GLIF_EINTERNAL;
}

static int k_stride(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                    const char *what) {
  return front_pair(&ld->y, v, what, 1, l->stride);
}
static int k_padding(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                     const char *what) {
  return front_pair(&ld->y, v, what, 0, l->padding);
}
static int k_kernel(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                    const char *what) {
  return front_pair(&ld->y, v, what, 1, l->kernel);
}

static int k_groups(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                    const char *what) {
  int g;
  (void)l;
  int rc = front_int(&ld->y, v, what, 1, 1 << 20, &g);
  if (!rc && g != 1)
    return front_fail(&ld->y, v, GLIF_EUNSUPPORTED, "%s = %d: grouped convolutions are "
                      "not supported (groups must be 1) - export the groups as separate "
                      "conv2d layers joined by an add", what, g);
  return rc;
}

static int k_eps(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                 const char *what) {
  int rc = front_double(&ld->y, v, what, &l->eps);
  if (!rc && !(l->eps > 0))
    return front_fail(&ld->y, v, GLIF_ERANGE, "%s = %g must be > 0", what, l->eps);
  return rc;
}

static int k_scale(loader *ld, ir_layer *l, yaml_node_t *v, const char *key,
                   const char *what) {
  return front_double(&ld->y, v, what, &l->scale);
}

static const keydef keys[] = {
    {"name", ALL_TYPES, k_skip},
    {"type", ALL_TYPES, k_skip},
    {"input", LINEAR_IN, k_input},
    {"inputs", TYPE(IR_ADD), k_inputs},
    {"shape", TYPE(IR_INPUT), k_shape},
    {"encoding", TYPE(IR_INPUT), k_encoding},
    {"range", TYPE(IR_INPUT), k_range},
    {"weight", TYPE(IR_CONV2D) | TYPE(IR_LINEAR) | TYPE(IR_BATCHNORM), k_weight},
    {"bias", TYPE(IR_CONV2D) | TYPE(IR_LINEAR) | TYPE(IR_BATCHNORM), k_bias},
    {"running_mean", TYPE(IR_BATCHNORM), k_mean},
    {"running_var", TYPE(IR_BATCHNORM), k_var},
    {"eps", TYPE(IR_BATCHNORM), k_eps},
    {"scale", TYPE(IR_BATCHNORM), k_scale},
    {"stride", TYPE(IR_CONV2D) | POOLS, k_stride},
    {"padding", TYPE(IR_CONV2D), k_padding},
    {"groups", TYPE(IR_CONV2D), k_groups},
    {"kernel", POOLS, k_kernel},
    {"alpha", TYPE(IR_GLIF), k_glif},
    {"beta", TYPE(IR_GLIF), k_glif},
    {"gamma", TYPE(IR_GLIF), k_glif},
    {"tau", TYPE(IR_GLIF), k_glif},
    {"leak", TYPE(IR_GLIF), k_glif},
    {"reVth", TYPE(IR_GLIF), k_glif},
    {"Vth", TYPE(IR_GLIF), k_glif},
    {"conduct", TYPE(IR_GLIF), k_glif},
    {NULL, 0, NULL},
};

/* ---- one layer ---------------------------------------------------------------------- */

static const keydef *find_key(const char *key) {
  for (const keydef *k = keys; k->key; k++)
    if (!strcmp(k->key, key)) return k;
  return NULL;
}

/* "unknown key" with the best suggestion among the keys this layer type takes. */
static int unknown_key(loader *ld, yaml_node_t *kn, const char *key, int type) {
  const char *cands[40];
  int n = 0;
  for (const keydef *k = keys; k->key; k++)
    if (k->types & TYPE(type)) cands[n++] = k->key;
  cands[n] = NULL;
  const char *s = front_suggest(key, cands);
  const keydef *other = find_key(key);
  if (other)
    return front_fail(&ld->y, kn, GLIF_ESYNTAX, "key '%s' does not belong to a %s layer "
                      "- remove it (it is a key of other layer types)", key,
                      ir_layer_type_name(type));
  return front_fail(&ld->y, kn, GLIF_ESYNTAX, "unknown key '%s' in a %s layer%s%s%s",
                    key, ir_layer_type_name(type), s ? " - did you mean '" : "",
                    s ? s : " - see docs/model-format.md for the keys", s ? "'?" : "");
}

/* Checks that every key of mapping v is a unique scalar; returns the key node of
 * `want` (or NULL) in *found. */
static int scan_keys(loader *ld, yaml_node_t *v, const char *want, yaml_node_t **found,
                     yaml_node_t **value) {
  *found = *value = NULL;
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top;
       p++) {
    yaml_node_t *k = front_node(&ld->y, p->key);
    if (k->type != YAML_SCALAR_NODE)
      return front_fail(&ld->y, k, GLIF_ESYNTAX, "a key must be a plain word");
    for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < p; q++)
      if (!strcmp((char *)front_node(&ld->y, q->key)->data.scalar.value,
                  (char *)k->data.scalar.value))
        return front_fail(&ld->y, k, GLIF_ESYNTAX, "duplicate key '%s' (also at line %d)"
                          " - keep one", (char *)k->data.scalar.value,
                          front_pos(front_node(&ld->y, q->key)).line);
    if (!strcmp((char *)k->data.scalar.value, want))
      *found = k, *value = front_node(&ld->y, p->value);
  }
  return 0;
}

static int layer_type(loader *ld, yaml_node_t *v, int idx, ir_layer *l) {
  yaml_node_t *kn, *tn;
  int rc = scan_keys(ld, v, "type", &kn, &tn);
  if (rc) return rc;
  if (!tn)
    return front_fail(&ld->y, v, GLIF_EMISSING, "layer %d has no 'type' - add one of "
                      "input, conv2d, linear, batchnorm, avgpool2d, sumpool2d, flatten, "
                      "add, glif, readout", idx);
  const char *s;
  if ((rc = front_string(&ld->y, tn, "'type'", &s))) return rc;
  l->type = ir_layer_type_from_name(s);
  if (l->type < 0) {
    const char *names[IR_LAYER_TYPES + 1];
    for (int t = 0; t < IR_LAYER_TYPES; t++) names[t] = ir_layer_type_name(t);
    names[IR_LAYER_TYPES] = NULL;
    const char *sug = front_suggest(s, names);
    return front_fail(&ld->y, tn, GLIF_ESYNTAX, "unknown layer type '%s'%s%s%s", s,
                      sug ? " - did you mean '" : " - see docs/model-format.md",
                      sug ? sug : "", sug ? "'?" : "");
  }
  return 0;
}

static int layer_name(loader *ld, yaml_node_t *v, int idx, ir_layer *l) {
  yaml_node_t *kn, *nn;
  int rc = scan_keys(ld, v, "name", &kn, &nn);
  if (rc) return rc;
  if (!nn)
    return front_fail(&ld->y, v, GLIF_EMISSING, "layer %d has no 'name' - every layer "
                      "needs a unique name", idx);
  if ((rc = front_string(&ld->y, nn, "'name'", &l->name))) return rc;
  for (int j = 0; j < idx; j++)
    if (!strcmp(ld->m->layers[j].name, l->name))
      return front_fail(&ld->y, nn, GLIF_ESYNTAX, "duplicate layer name '%s' (first "
                        "used at line %d) - names must be unique", l->name,
                        ld->m->layers[j].pos.line);
  ld->name_node[idx] = nn;
  return 0;
}

static void set_defaults(ir_layer *l) {
  l->stride[0] = l->stride[1] = 1;
  l->eps = 1e-5;
  l->scale = 1.0;
  l->encoding = IR_ENC_DIRECT;
}

static int missing(loader *ld, yaml_node_t *v, ir_layer *l, const char *key,
                   const char *example) {
  return front_fail(&ld->y, v, GLIF_EMISSING, "%s layer '%s' has no '%s' - add %s",
                    ir_layer_type_name(l->type), l->name, key, example);
}

/* Keys every layer of its type must have. */
static int required_keys(loader *ld, yaml_node_t *v, ir_layer *l) {
  int t = l->type;
  if (t == IR_INPUT && !l->c) return missing(ld, v, l, "shape", "shape: [C, H, W]");
  if (t == IR_ADD && !l->n_inputs) return missing(ld, v, l, "inputs", "inputs: [A, B]");
  if (t != IR_INPUT && t != IR_ADD && !l->n_inputs)
    return missing(ld, v, l, "input", "input: NAME (an earlier layer)");
  if ((t == IR_CONV2D || t == IR_LINEAR || t == IR_BATCHNORM) && !l->weight.data)
    return missing(ld, v, l, "weight", "weight: FILE.npy");
  if (t == IR_BATCHNORM && (!l->bias.data || !l->mean.data || !l->var.data))
    return missing(ld, v, l, !l->bias.data ? "bias" : !l->mean.data ? "running_mean"
                                                                     : "running_var",
                   "the tensor (a .npy file or a number)");
  if ((t == IR_AVGPOOL2D || t == IR_SUMPOOL2D) && !l->kernel[0])
    return missing(ld, v, l, "kernel", "kernel: K");
  for (int i = 0; t == IR_GLIF && i < IR_GLIF_PARAMS; i++)
    if (!l->glif[i].data) return missing(ld, v, l, glif_keys[i], "its values");
  return 0;
}

static int parse_layer(loader *ld, yaml_node_t *v, int idx) {
  ir_layer *l = &ld->m->layers[idx];
  if (v->type != YAML_MAPPING_NODE)
    return front_fail(&ld->y, v, GLIF_ESYNTAX, "layer %d must be a mapping "
                      "({name: ..., type: ..., ...})", idx);
  l->pos = front_pos(v);
  set_defaults(l);
  int rc = layer_type(ld, v, idx, l);
  if (!rc) rc = layer_name(ld, v, idx, l);
  int stride_given = 0;
  for (yaml_node_pair_t *p = v->data.mapping.pairs.start;
       !rc && p < v->data.mapping.pairs.top; p++) {
    yaml_node_t *kn = front_node(&ld->y, p->key);
    const char *key = (const char *)kn->data.scalar.value;
    const keydef *k = find_key(key);
    if (!k || !(k->types & TYPE(l->type))) return unknown_key(ld, kn, key, l->type);
    char what[160];
    snprintf(what, sizeof what, "'%s' of layer '%s'", key, l->name);
    rc = k->parse(ld, l, front_node(&ld->y, p->value), key, what);
    stride_given |= !strcmp(key, "stride");
  }
  if (!rc && !stride_given && (l->type == IR_AVGPOOL2D || l->type == IR_SUMPOOL2D))
    l->stride[0] = l->kernel[0], l->stride[1] = l->kernel[1];
  return rc ? rc : required_keys(ld, v, l);
}

/* ---- input names --------------------------------------------------------------------- */

static int resolve_input(loader *ld, int i, int k) {
  yaml_node_t *n = ld->in_node[i][k];
  const char *want = (const char *)n->data.scalar.value;
  ir_layer *l = &ld->m->layers[i];
  l->input_pos[k] = front_pos(n);
  for (int j = 0; j < i; j++)
    if (!strcmp(ld->m->layers[j].name, want)) return l->inputs[k] = j, 0;
  for (int j = i; j < ld->m->n_layers; j++)
    if (!strcmp(ld->m->layers[j].name, want))
      return front_fail(&ld->y, n, GLIF_ESYNTAX, "layer '%s' uses '%s', which is %s "
                        "(line %d): a layer may only use layers listed before it, which "
                        "rules out cycles - reorder the layers", l->name, want,
                        j == i ? "itself" : "defined later", ld->m->layers[j].pos.line);
  const char **names = glif_arena_array(ld->ctx->arena, (size_t)ld->m->n_layers + 1,
                                        sizeof *names);
  if (!names) return glif_errf(ld->y.err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  for (int j = 0; j < ld->m->n_layers; j++) names[j] = ld->m->layers[j].name;
  const char *sug = front_suggest(want, names);
  return front_fail(&ld->y, n, GLIF_ESYNTAX, "layer '%s' uses '%s', but there is no "
                    "layer of that name%s%s%s", l->name, want,
                    sug ? " - did you mean '" : "", sug ? sug : "", sug ? "'?" : "");
}

/* ---- top level ----------------------------------------------------------------------- */

static int parse_layers(loader *ld, yaml_node_t *v) {
  int n = v->type == YAML_SEQUENCE_NODE
              ? (int)(v->data.sequence.items.top - v->data.sequence.items.start)
              : 0;
  if (n < 1)
    return front_fail(&ld->y, v, GLIF_ESYNTAX, "'layers' must be a non-empty list of "
                      "layers");
  glif_arena *a = ld->ctx->arena;
  ld->m->layers = glif_arena_array(a, (size_t)n, sizeof(ir_layer));
  ld->name_node = glif_arena_array(a, (size_t)n, sizeof *ld->name_node);
  ld->in_node = glif_arena_array(a, (size_t)n, sizeof *ld->in_node);
  if (!ld->m->layers || !ld->name_node || !ld->in_node)
    return glif_errf(ld->y.err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  ld->m->n_layers = n;
  for (int i = 0; i < n; i++) {
    int rc = parse_layer(ld, front_node(&ld->y, v->data.sequence.items.start[i]), i);
    if (rc) return rc;
  }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < ld->m->layers[i].n_inputs; k++) {
      int rc = resolve_input(ld, i, k);
      if (rc) return rc;
    }
  return 0;
}

static int parse_version(loader *ld, yaml_node_t *root, yaml_node_t *v) {
  int ver;
  if (!v)
    return front_fail(&ld->y, root, GLIF_EVERSION, "no 'glif_model' key - a model file "
                      "starts with 'glif_model: 1' (docs/model-format.md)");
  int rc = front_int(&ld->y, v, "'glif_model'", 0, 1 << 30, &ver);
  if (!rc && ver != 1)
    return front_fail(&ld->y, v, GLIF_EVERSION, "model format version %d is not "
                      "supported: this glif reads version 1 - re-export the model or "
                      "update glif", ver);
  return rc;
}

static int parse_timesteps(loader *ld, yaml_node_t *root, yaml_node_t *v) {
  const glif_arch *arch = &ld->ctx->arch;
  if (!v)
    return front_fail(&ld->y, root, GLIF_EMISSING, "no 'timesteps' key - add "
                      "'timesteps: T' (the logical steps of one inference)");
  long hi = arch->max_steps < 32 ? (long)arch->max_steps : 32;
  int rc = front_int(&ld->y, v, "'timesteps'", 1, 1 << 30, &ld->m->T);
  if (!rc && ld->m->T > hi)
    return front_fail(&ld->y, v, GLIF_ERANGE, "timesteps = %d exceeds the %ld steps "
                      "architecture '%s' supports (max_steps, the gain-table depth) - "
                      "use an architecture with max_steps >= %d or fewer steps",
                      ld->m->T, hi, arch->name, ld->m->T);
  return rc;
}

static const char *const top_keys[] = {"glif_model", "name", "timesteps", "layers", NULL};

static int parse_top(loader *ld) {
  yaml_node_t *root = front_yaml_root(&ld->y), *val[4] = {0}, *kn;
  for (int i = 0; i < 4; i++) {
    int rc = scan_keys(ld, root, top_keys[i], &kn, &val[i]);
    if (rc) return rc;
  }
  int rc = parse_version(ld, root, val[0]);
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start;
       !rc && p < root->data.mapping.pairs.top; p++) {
    kn = front_node(&ld->y, p->key);
    const char *key = (const char *)kn->data.scalar.value, *sug;
    int known = 0;
    for (int i = 0; top_keys[i]; i++) known |= !strcmp(key, top_keys[i]);
    if (known) continue;
    sug = front_suggest(key, top_keys);
    return front_fail(&ld->y, kn, GLIF_ESYNTAX, "unknown top-level key '%s'%s%s%s", key,
                      sug ? " - did you mean '" : " - allowed: glif_model, name, "
                                                  "timesteps, layers",
                      sug ? sug : "", sug ? "'?" : "");
  }
  if (!rc && val[1]) rc = front_string(&ld->y, val[1], "'name'", &ld->m->name);
  if (!rc) rc = parse_timesteps(ld, root, val[2]);
  if (!rc && !val[3])
    return front_fail(&ld->y, root, GLIF_EMISSING, "no 'layers' key - add the list of "
                      "layers");
  return rc ? rc : parse_layers(ld, val[3]);
}

/* ---- calibration ---------------------------------------------------------------------- */

int front_input_samples(const ir_layer *in, int T, const npy_array *a, const char *path,
                        int64_t *n_samples, glif_err *err) {
  char what[160];
  snprintf(what, sizeof what, "input layer '%s'", in->name);
  return npy_samples(a, in->encoding == IR_ENC_SPIKES, T, in->c, in->h, in->w, path, what,
                     n_samples, err);
}

static int load_calib(cc_ctx *ctx, const ir_layer *in, glif_err *err) {
  const char *path = ctx->opt->calibrate_path;
  npy_array a;
  int64_t n;
  int rc = npy_read(path, &a, err);
  if (rc) return rc;
  rc = front_input_samples(in, ctx->model->T, &a, path, &n, err);
  for (int64_t i = 0; !rc && i < a.size; i++)
    if (!isfinite(a.data[i]))
      rc = glif_errf(err, GLIF_ERANGE, path, 0, 0, "element %" PRId64 " is %s - "
                     "calibration inputs must be finite", i,
                     isnan(a.data[i]) ? "NaN" : "Inf");
  if (!rc) {
    ctx->calib.n_samples = n;
    ctx->calib.sample_size = a.size / n;
    ctx->calib.data = glif_arena_array(ctx->arena, (size_t)a.size, sizeof(double));
    if (!ctx->calib.data) rc = glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
    else memcpy(ctx->calib.data, a.data, (size_t)a.size * sizeof(double));
  }
  npy_free(&a);
  return rc;
}

/* ---- the pass ---------------------------------------------------------------------- */

static int init_model(cc_ctx *ctx, ir_model **out, glif_err *err) {
  const char *path = ctx->opt->model_path;
  ir_model *m = glif_arena_alloc(ctx->arena, sizeof *m);
  if (!m) return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
  const char *slash = strrchr(path, '/');
  m->path = glif_arena_strdup(ctx->arena, path);
  m->dir = slash ? glif_arena_printf(ctx->arena, "%.*s", (int)(slash - path), path)
                 : glif_arena_strdup(ctx->arena, ".");
  const char *base = slash ? slash + 1 : path, *dot = strrchr(base, '.');
  m->name = glif_arena_printf(ctx->arena, "%.*s", dot ? (int)(dot - base)
                                                      : (int)strlen(base), base);
  if (!m->path || !m->dir || !m->name)
    return glif_errf(err, GLIF_ENOMEM, path, 0, 0, "out of memory");
  *out = m;
  return 0;
}

int cc_pass_load(cc_ctx *ctx, glif_err *err) {
  if (!ctx->opt->model_path)
    return glif_errf(err, GLIF_EUSAGE, NULL, 0, 0, "no model file given");
  loader ld;
  memset(&ld, 0, sizeof ld);
  ld.ctx = ctx;
  int rc = init_model(ctx, &ld.m, err);
  if (!rc) rc = front_yaml_load(&ld.y, ld.m->path, ctx->arena, err);
  if (!rc) rc = parse_top(&ld);
  front_yaml_free(&ld.y);
  if (rc) return rc;
  ctx->model = ld.m;
  if (!ctx->opt->calibrate_path) return 0;
  for (int i = 0; i < ld.m->n_layers; i++)
    if (ld.m->layers[i].type == IR_INPUT) return load_calib(ctx, &ld.m->layers[i], err);
  return 0;
}
