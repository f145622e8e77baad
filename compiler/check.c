/*
 * check.c - the check pass: shapes through the graph, the graph rules of model format
 * v1, and the ranges of tensor-valued parameters.
 *
 * Pipeline position: load -> CHECK -> fold. After it, every layer's output shape
 * (c, h, w) is set, every tensor has the shape its layer needs (or is a scalar where
 * broadcasting is allowed), and the graph is one input feeding readouts through
 * alternating linear and neuron layers, with no layer left dangling. fold relies on
 * all of this and never re-checks it. Every error points at the offending YAML node.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "compile.h"
#include "front.h"

typedef struct checker {
  const ir_model *m;
  glif_err *err;
} checker;

static int fail_at(checker *ck, ir_pos p, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(checker *ck, ir_pos p, int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  glif_verrf(ck->err, code, ck->m->path, p.line, p.col, fmt, ap);
  va_end(ap);
  return code;
}

static const char *shape_str(const ir_tensor *t, char *buf, int len) {
  return npy_shape_str(t->ndim, t->shape, buf, len);
}

/* The tensor must have exactly the given shape (or be a scalar when allowed). */
static int expect_shape(checker *ck, const ir_layer *l, const char *key,
                        const ir_tensor *t, int scalar_ok, int ndim, const int64_t *dims,
                        const char *meaning) {
  if (!t->data || (scalar_ok && t->ndim == 0)) return 0;
  int ok = t->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++) ok = t->shape[i] == dims[i];
  if (ok) return 0;
  char got[96], want[96];
  return fail_at(ck, t->pos, GLIF_ESHAPE,
                 "'%s' of layer '%s'%s%s%s has shape %s, expected %s%s (%s) - re-export "
                 "the tensor with that shape", key, l->name, t->file ? " (" : "",
                 t->file ? t->file : "", t->file ? ")" : "", shape_str(t, got, sizeof got),
                 npy_shape_str(ndim, dims, want, sizeof want),
                 scalar_ok ? " or a scalar" : "", meaning);
}

/* Every entry of t must satisfy lo <= v (strictly when lo_open) and v <= hi. */
static int expect_range(checker *ck, const ir_layer *l, const char *key, const ir_tensor *t,
                        double lo, int lo_open, double hi, const char *rule) {
  for (int64_t i = 0; i < t->size; i++) {
    double v = t->data[i];
    if (lo_open ? v > lo && v <= hi : v >= lo && v <= hi) continue;
    return fail_at(ck, t->pos, GLIF_ERANGE,
                   "'%s' of layer '%s'%s%s%s: entry %" PRId64 " = %.9g is out of range "
                   "(%s) - GLIF values are the effective (post-sigmoid) values; check the "
                   "exporter", key, l->name, t->file ? " (" : "", t->file ? t->file : "",
                   t->file ? ")" : "", i, v, rule);
  }
  return 0;
}

/* ---- shapes, layer by layer ---------------------------------------------------------- */

static int conv_shape(checker *ck, ir_layer *l, const ir_layer *in) {
  const ir_tensor *w = &l->weight;
  if (w->ndim != 4 || w->shape[1] != in->c) {
    const int64_t want[4] = {w->ndim >= 1 ? w->shape[0] : 1, in->c,
                             w->ndim >= 3 ? w->shape[2] : 3, w->ndim >= 4 ? w->shape[3] : 3};
    return expect_shape(ck, l, "weight", w, 0, 4, want, "[Cout, Cin, KH, KW] with Cin = "
                        "the input's channels");
  }
  const int64_t cout[1] = {w->shape[0]};
  int rc = expect_shape(ck, l, "bias", &l->bias, 1, 1, cout, "one per output channel");
  if (rc) return rc;
  int64_t oh = ((int64_t)in->h + 2 * l->padding[0] - w->shape[2]) / l->stride[0] + 1;
  int64_t ow = ((int64_t)in->w + 2 * l->padding[1] - w->shape[3]) / l->stride[1] + 1;
  if (in->h + 2 * l->padding[0] < w->shape[2] || in->w + 2 * l->padding[1] < w->shape[3])
    return fail_at(ck, w->pos, GLIF_ESHAPE, "conv2d '%s': kernel %" PRId64 "x%" PRId64
                   " is larger than its padded input %dx%d - use a smaller kernel or more "
                   "padding", l->name, w->shape[2], w->shape[3], in->h + 2 * l->padding[0],
                   in->w + 2 * l->padding[1]);
  l->c = (int)w->shape[0], l->h = (int)oh, l->w = (int)ow;
  return 0;
}

static int linear_shape(checker *ck, ir_layer *l, const ir_layer *in) {
  if (in->h != 1 || in->w != 1)
    return fail_at(ck, l->input_pos[0], GLIF_ESHAPE, "linear '%s' reads '%s', a "
                   "[%d, %d, %d] map: a linear layer needs a vector - put a flatten layer "
                   "between them", l->name, in->name, in->c, in->h, in->w);
  const ir_tensor *w = &l->weight;
  const int64_t want[2] = {w->ndim == 2 ? w->shape[0] : 1, in->c};
  int rc = expect_shape(ck, l, "weight", w, 0, 2, want, "[Out, In] with In = the input "
                        "vector's length");
  if (rc) return rc;
  const int64_t out[1] = {w->shape[0]};
  if ((rc = expect_shape(ck, l, "bias", &l->bias, 1, 1, out, "one per output"))) return rc;
  l->c = (int)w->shape[0], l->h = l->w = 1;
  return 0;
}

static int bn_shape(checker *ck, ir_layer *l, const ir_layer *in) {
  const int64_t c[1] = {in->c};
  const char *m = "one per channel of the input";
  int rc = expect_shape(ck, l, "weight", &l->weight, 1, 1, c, m);
  if (!rc) rc = expect_shape(ck, l, "bias", &l->bias, 1, 1, c, m);
  if (!rc) rc = expect_shape(ck, l, "running_mean", &l->mean, 1, 1, c, m);
  if (!rc) rc = expect_shape(ck, l, "running_var", &l->var, 1, 1, c, m);
  if (!rc) rc = expect_range(ck, l, "running_var", &l->var, 0, 0, 1e300, "must be >= 0");
  l->c = in->c, l->h = in->h, l->w = in->w;
  return rc;
}

static int pool_shape(checker *ck, ir_layer *l, const ir_layer *in) {
  if (in->h % l->stride[0] || in->w % l->stride[1] || l->kernel[0] > in->h ||
      l->kernel[1] > in->w)
    return fail_at(ck, l->pos, GLIF_ESHAPE, "%s '%s': input %dx%d with kernel %dx%d and "
                   "stride %dx%d - the input height and width must be divisible by the "
                   "stride and at least the kernel; pad or crop before pooling",
                   ir_layer_type_name(l->type), l->name, in->h, in->w, l->kernel[0],
                   l->kernel[1], l->stride[0], l->stride[1]);
  l->c = in->c;
  l->h = (in->h - l->kernel[0]) / l->stride[0] + 1;
  l->w = (in->w - l->kernel[1]) / l->stride[1] + 1;
  return 0;
}

static int add_shape(checker *ck, ir_layer *l) {
  const ir_layer *a = &ck->m->layers[l->inputs[0]];
  for (int k = 1; k < l->n_inputs; k++) {
    const ir_layer *b = &ck->m->layers[l->inputs[k]];
    if (a->c != b->c || a->h != b->h || a->w != b->w)
      return fail_at(ck, l->input_pos[k], GLIF_ESHAPE, "add '%s': '%s' is [%d, %d, %d] "
                     "but '%s' is [%d, %d, %d] - the operands of an add must have the "
                     "same shape", l->name, a->name, a->c, a->h, a->w, b->name, b->c, b->h,
                     b->w);
  }
  l->c = a->c, l->h = a->h, l->w = a->w;
  return 0;
}

static int glif_shape(checker *ck, ir_layer *l, const ir_layer *in) {
  static const char *const names[IR_GLIF_PARAMS] = {"alpha", "beta", "gamma", "tau",
                                                    "leak", "reVth", "Vth", "conduct"};
  const int64_t c[1] = {in->c}, tc[2] = {ck->m->T, in->c};
  int rc = 0;
  for (int i = 0; !rc && i < IR_VTH + 1; i++)
    rc = expect_shape(ck, l, names[i], &l->glif[i], 1, 1, c, "one per input channel");
  const ir_tensor *cd = &l->glif[IR_CONDUCT];
  if (!rc && !(cd->ndim == 1 && cd->shape[0] == ck->m->T))
    rc = expect_shape(ck, l, "conduct", cd, 1, 2, tc, "[T, C], or [T] shared by all "
                      "channels");
  for (int i = IR_ALPHA; !rc && i <= IR_TAU; i++)
    rc = expect_range(ck, l, names[i], &l->glif[i], 0, 0, 1, "a gate must be in [0, 1]");
  if (!rc) rc = expect_range(ck, l, "conduct", cd, 0, 0, 1, "must be in [0, 1]");
  if (!rc) rc = expect_range(ck, l, "leak", &l->glif[IR_LEAK], 0, 0, 1e300, "must be >= 0");
  if (!rc) rc = expect_range(ck, l, "reVth", &l->glif[IR_REVTH], 0, 0, 1e300, "must be >= 0");
  if (!rc) rc = expect_range(ck, l, "Vth", &l->glif[IR_VTH], 0, 1, 1e300, "must be > 0");
  l->c = in->c, l->h = in->h, l->w = in->w;
  return rc;
}

/* Neuron layers take their input from linear layers only (DESIGN section 8: paths
 * alternate linear layers and neuron layers); nothing reads a readout. */
static int graph_edges(checker *ck, const ir_layer *l) {
  for (int k = 0; k < l->n_inputs; k++) {
    const ir_layer *in = &ck->m->layers[l->inputs[k]];
    if (in->type == IR_READOUT)
      return fail_at(ck, l->input_pos[k], GLIF_ESYNTAX, "layer '%s' reads readout '%s': "
                     "a readout is an output of the network and emits nothing - read the "
                     "layer before it instead", l->name, in->name);
    if ((l->type == IR_GLIF || l->type == IR_READOUT) &&
        (in->type == IR_INPUT || in->type == IR_GLIF))
      return fail_at(ck, l->input_pos[k], GLIF_ESYNTAX, "%s '%s' reads %s '%s' directly: "
                     "a neuron layer's input must be a linear layer (conv2d, linear, "
                     "batchnorm, pooling, flatten or add) - insert the layer that computes "
                     "its synaptic current", ir_layer_type_name(l->type), l->name,
                     ir_layer_type_name(in->type), in->name);
  }
  return 0;
}

static int shape_of(checker *ck, ir_layer *l) {
  const ir_layer *in = l->n_inputs ? &ck->m->layers[l->inputs[0]] : NULL;
  switch (l->type) {
  case IR_INPUT: return 0;
  case IR_CONV2D: return conv_shape(ck, l, in);
  case IR_LINEAR: return linear_shape(ck, l, in);
  case IR_BATCHNORM: return bn_shape(ck, l, in);
  case IR_AVGPOOL2D:
  case IR_SUMPOOL2D: return pool_shape(ck, l, in);
  case IR_FLATTEN: l->c = in->c * in->h * in->w, l->h = l->w = 1; return 0;
  case IR_ADD: return add_shape(ck, l);
  case IR_GLIF: return glif_shape(ck, l, in);
  default: l->c = in->c, l->h = in->h, l->w = in->w; return 0; /* readout */
  }
}

static int layer_shape(checker *ck, ir_layer *l) {
  int rc = graph_edges(ck, l);
  if (!rc) rc = shape_of(ck, l);
  if (!rc && (int64_t)l->c * l->h * l->w > ((int64_t)1 << 30)) /* indices stay in 31 bits */
    return fail_at(ck, l->pos, GLIF_ERANGE, "%s '%s' outputs [%d, %d, %d], more than 2^30 "
                   "values - check its padding and sizes", ir_layer_type_name(l->type),
                   l->name, l->c, l->h, l->w);
  return rc;
}

/* ---- graph rules ----------------------------------------------------------------------- */

static int one_input(checker *ck) {
  int first = -1;
  for (int i = 0; i < ck->m->n_layers; i++) {
    const ir_layer *l = &ck->m->layers[i];
    if (l->type != IR_INPUT) continue;
    if (first >= 0)
      return fail_at(ck, l->pos, GLIF_EUNSUPPORTED, "second input layer '%s' (the first "
                     "is '%s'): a model has exactly one input - concatenate the inputs "
                     "into one", l->name, ck->m->layers[first].name);
    first = i;
  }
  if (first != 0) /* layer 0 has no earlier layer to read: it must be the input */
    return fail_at(ck, ck->m->layers[0].pos, GLIF_ESYNTAX, "the first layer must be the "
                   "input layer (type: input)%s", first < 0 ? "; the model has none" : "");
  return 0;
}

/* Layers from which no readout can be reached are an error (they would be silently
 * dropped, or worse, mapped and simulated for nothing): all are named. */
static int all_feed_outputs(checker *ck, glif_arena *a) {
  const ir_model *m = ck->m;
  char *used = glif_arena_alloc(a, (size_t)m->n_layers);
  if (!used) return glif_errf(ck->err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  int readouts = 0;
  for (int i = m->n_layers - 1; i >= 0; i--) {
    if (m->layers[i].type == IR_READOUT) used[i] = 1, readouts++;
    for (int k = 0; used[i] && k < m->layers[i].n_inputs; k++) used[m->layers[i].inputs[k]] = 1;
  }
  if (!readouts)
    return fail_at(ck, m->layers[m->n_layers - 1].pos, GLIF_ESYNTAX, "the model has no "
                   "readout layer - add {name: out, type: readout, input: ...} after the "
                   "last linear layer");
  int first = -1, n = 0;
  char list[1024] = "";
  for (int i = 0; i < m->n_layers; i++) {
    if (used[i]) continue;
    if (first < 0) first = i;
    if (strlen(list) + strlen(m->layers[i].name) + 8 < sizeof list)
      snprintf(list + strlen(list), sizeof list - strlen(list), "%s'%s'", n ? ", " : "",
               m->layers[i].name);
    n++;
  }
  if (first >= 0)
    return fail_at(ck, m->layers[first].pos, GLIF_ESYNTAX, "%d layer%s feed%s no readout: "
                   "%s - remove %s or connect %s to an output", n, n > 1 ? "s" : "",
                   n > 1 ? "" : "s", list, n > 1 ? "them" : "it", n > 1 ? "them" : "it");
  return 0;
}

int cc_pass_check(cc_ctx *ctx, glif_err *err) {
  checker ck = {ctx->model, err};
  if (!ctx->model) return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "check before load");
  int rc = one_input(&ck);
  for (int i = 0; !rc && i < ctx->model->n_layers; i++)
    rc = layer_shape(&ck, &ctx->model->layers[i]);
  return rc ? rc : all_feed_outputs(&ck, ctx->arena);
}
