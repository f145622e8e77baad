/*
 * fold.c - the fold pass: from the model graph (ir_model) to the neuron network
 * (ir_net): populations joined by projections, every linear layer folded in.
 *
 * Pipeline position: load -> check -> FOLD -> quantise -> schedule.
 *
 * Populations are the input and every glif and readout layer, in file order (which is
 * topological). Each layer's output is kept as a *value*: a per-channel bias plus a
 * list of *terms*, each term one linear operator applied to the spikes (or inputs) of
 * one earlier population. Walking the layers in order:
 *
 *   batchnorm   a_c = scale*weight_c/sqrt(var_c+eps), b'_c = bias_c - a_c*mean_c:
 *               every term gets its output channel c scaled by a_c, the bias becomes
 *               a_c*bias + b'_c (so BN after an add folds into every branch)
 *   conv2d      composed with each term: a conv of a conv is one conv with kernel
 *               (k2-1)*s1 + k1, stride s1*s2, padding p1 + p2*s1 (this is how
 *               "avgpool p then conv k" becomes "conv of kernel k*p, stride s*p");
 *               exact unless the second conv is padded and the first one's windows
 *               reach real pixels from a padded position - then it is refused
 *   pooling     a depthwise conv of the pooling window (1/(kh*kw) or 1)
 *   linear      a dense factor; chains of linears stay a list of factors and are
 *               multiplied from the output side when the population is built, so
 *               W3*W2*W1*P costs out x ... instead of materialising W1*P first
 *   flatten     nothing but a new shape (C order is kept)
 *   add         the union of the operands' terms, the sum of their biases
 *
 * At a glif/readout the terms become projections (CONV with its geometry, depthwise
 * when every step was per-channel, or DENSE), terms of the same source and geometry
 * are summed into one, and the bias becomes the population's per-channel bias.
 * Refused with the reason and the fix: a per-channel offset (BN shift, bias) in front
 * of a padded conv (zero padding would stop being the offset at the borders), a padded
 * conv of a conv, and dense matrices beyond FOLD_DENSE_MAX weights.
 *
 * Weight arrays are never modified after creation, so a term may point at a model
 * tensor (a conv read straight from a spiking layer) and be shared by several values.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "compile.h"
#include "front.h"

#define FOLD_DENSE_MAX ((int64_t)1 << 27) /* 134M weights = 1 GiB of float64 */

enum { T_CONV, T_DENSE };

/* A linear operator from the spikes of population src to a layer output. */
typedef struct term {
  int src;              /* population index */
  int kind;             /* T_CONV or T_DENSE */
  int ident;            /* conv: the identity (1x1 depthwise of ones) */
  int dw;               /* conv: depthwise (output channel c reads input channel c) */
  int kh, kw, sh, sw, ph, pw;
  int c, h, w;          /* output geometry (dense: rows, 1, 1) */
  const double *wt;     /* conv: [c][dw ? 1 : cin][kh][kw]; dense: factor [c][cols] */
  const double *diag;   /* dense: diagonal factor [c] instead of wt (then cols = c) */
  int64_t cols;         /* dense: columns of the factor */
  const struct term *inner; /* dense: what the factor multiplies (NULL = identity of src) */
  const char *name;     /* layers composed, e.g. "conv2+bn2" */
} term;

/* A layer output: sum over terms plus a per-channel bias. */
typedef struct value {
  const term **terms;
  int n_terms;
  double *bias;         /* [c] */
  int c, h, w;
} value;

typedef struct folder {
  cc_ctx *ctx;
  glif_err *err;
  const ir_model *m;
  glif_arena *a;
  value *vals;          /* [n_layers] */
  ir_net *net;
  int projs_cap;
} folder;

static int oom(folder *f) {
  return glif_errf(f->err, GLIF_ENOMEM, NULL, 0, 0, "out of memory folding the model");
}

static int refuse(folder *f, const ir_layer *l, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(folder *f, const ir_layer *l, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  glif_verrf(f->err, GLIF_EUNSUPPORTED, f->m->path, l->pos.line, l->pos.col, fmt, ap);
  va_end(ap);
  return GLIF_EUNSUPPORTED;
}

static const ir_pop *src_pop(const folder *f, const term *t) { return &f->net->pops[t->src]; }

static int64_t src_n(const folder *f, const term *t) { return src_pop(f, t)->n; }

static int conv_cin(const folder *f, const term *t) {
  return t->dw ? 1 : src_pop(f, t)->c;
}

static double *zeros(folder *f, int64_t n) {
  return glif_arena_array(f->a, (size_t)(n ? n : 1), sizeof(double));
}

static term *new_term(folder *f, const term *like) {
  term *t = glif_arena_alloc(f->a, sizeof *t);
  if (t && like) *t = *like;
  return t;
}

static const char *join(folder *f, const char *a, const char *b) {
  return glif_arena_printf(f->a, "%s+%s", a, b);
}

/* ---- reading one row of a term ------------------------------------------------------ */

/* row[src elements] += g * (row j of conv term t), j an output element of t. */
static void conv_row_add(const folder *f, const term *t, int64_t j, double g, double *row) {
  const ir_pop *s = src_pop(f, t);
  if (t->ident) {
    row[j] += g;
    return;
  }
  const int x = (int)(j % t->w), y = (int)(j / t->w % t->h), m = (int)(j / t->w / t->h);
  const int cin = conv_cin(f, t);
  for (int ci = 0; ci < cin; ci++) {
    const int sc = t->dw ? m : ci;
    const double *w = t->wt + ((int64_t)m * cin + ci) * t->kh * t->kw;
    for (int fy = 0; fy < t->kh; fy++) {
      const int iy = y * t->sh - t->ph + fy;
      if (iy < 0 || iy >= s->h) continue;
      for (int fx = 0; fx < t->kw; fx++) {
        const int ix = x * t->sw - t->pw + fx;
        if (ix >= 0 && ix < s->w) row[((int64_t)sc * s->h + iy) * s->w + ix] += g * w[fy * t->kw + fx];
      }
    }
  }
}

static int size_ok(folder *f, const ir_layer *l, const char *what, int64_t rows,
                   int64_t cols) {
  if (rows > 0 && cols > FOLD_DENSE_MAX / rows)
    return refuse(f, l, "folding %s needs a dense matrix of %" PRId64 " x %" PRId64
                  " weights (more than %" PRId64 ") - put a glif layer earlier so that "
                  "the operator stays a convolution, or shrink the layer", what, rows,
                  cols, FOLD_DENSE_MAX);
  return 0;
}

/* R = R (rows x mid) times the factor of dense term t (mid x t->cols). */
static double *times_factor(folder *f, const double *R, int64_t rows, int64_t mid,
                            const term *t) {
  double *out = zeros(f, rows * t->cols);
  if (!out) return NULL;
  for (int64_t r = 0; r < rows; r++)
    for (int64_t k = 0; k < mid; k++) {
      const double v = R[r * mid + k];
      if (v == 0) continue;
      if (t->diag) {
        out[r * t->cols + k] += v * t->diag[k];
        continue;
      }
      const double *w = t->wt + k * t->cols;
      double *o = out + r * t->cols;
      for (int64_t c = 0; c < t->cols; c++) o[c] += v * w[c];
    }
  return out;
}

/* The full matrix [rows x src n] of a term (materialised for a dense projection).
 * Dense factors are multiplied from the output side: leading diagonal factors become
 * a row scale, the first full factor is used as it is, the rest multiply it. */
static int materialise(folder *f, const ir_layer *l, const term *t, const double **out) {
  const int64_t rows = (int64_t)t->c * t->h * t->w, ns = src_n(f, t);
  int rc = size_ok(f, l, t->name, rows, ns);
  if (rc) return rc;
  const double *R = NULL;   /* NULL: the identity of the rows */
  double *rs = NULL;        /* row scale of leading diagonal factors, NULL = ones */
  int64_t mid = rows;
  const term *cur = t;
  for (; cur && cur->kind == T_DENSE; cur = cur->inner) {
    if (!R && cur->diag) {
      if (!rs) {
        if (!(rs = zeros(f, rows))) return oom(f);
        for (int64_t r = 0; r < rows; r++) rs[r] = 1;
      }
      for (int64_t r = 0; r < rows; r++) rs[r] *= cur->diag[r];
      continue;
    }
    if ((rc = size_ok(f, l, t->name, rows, cur->cols))) return rc;
    if (!R) R = cur->wt;
    else if (!(R = times_factor(f, R, rows, mid, cur))) return oom(f);
    mid = cur->cols;
  }
  double *M = zeros(f, rows * ns);
  if (!M) return oom(f);
  for (int64_t r = 0; r < rows; r++) {
    const double scale = rs ? rs[r] : 1.0;
    for (int64_t j = R ? 0 : r; j < (R ? mid : r + 1); j++) {
      const double g = (R ? R[r * mid + j] : 1.0) * scale;
      if (g == 0) continue;
      if (cur) conv_row_add(f, cur, j, g, M + r * ns);
      else M[r * ns + j] += g;
    }
  }
  return *out = M, 0;
}

/* ---- operators of the linear layers ------------------------------------------------ */

/* Value of a tensor that may be a broadcast scalar or absent (0). */
static double tval(const ir_tensor *t, int64_t i) {
  return !t->data ? 0.0 : t->ndim == 0 ? t->data[0] : t->data[i];
}

static term conv_op(const ir_layer *l) {
  term g;
  memset(&g, 0, sizeof g);
  g.kind = T_CONV;
  g.kh = (int)l->weight.shape[2], g.kw = (int)l->weight.shape[3];
  g.sh = l->stride[0], g.sw = l->stride[1], g.ph = l->padding[0], g.pw = l->padding[1];
  g.c = l->c, g.h = l->h, g.w = l->w;
  g.wt = l->weight.data;
  g.name = l->name;
  return g;
}

/* Pooling as a depthwise conv whose taps are 1/(kh*kw) (average) or 1 (sum). */
static int pool_op(folder *f, const ir_layer *l, term *g) {
  memset(g, 0, sizeof *g);
  g->kind = T_CONV, g->dw = 1;
  g->kh = l->kernel[0], g->kw = l->kernel[1], g->sh = l->stride[0], g->sw = l->stride[1];
  g->c = l->c, g->h = l->h, g->w = l->w;
  g->name = l->name;
  const int64_t taps = (int64_t)g->kh * g->kw, n = taps * g->c;
  double *w = zeros(f, n);
  if (!w) return oom(f);
  for (int64_t i = 0; i < n; i++) w[i] = l->type == IR_AVGPOOL2D ? 1.0 / (double)taps : 1.0;
  g->wt = w;
  return 0;
}

/* BN as a 1x1 depthwise conv of a_c; shift[c] = bias_c - a_c*mean_c. */
static int bn_op(folder *f, const ir_layer *l, term *g, double **shift) {
  memset(g, 0, sizeof *g);
  g->kind = T_CONV, g->dw = 1, g->kh = g->kw = g->sh = g->sw = 1;
  g->c = l->c, g->h = l->h, g->w = l->w;
  g->name = l->name;
  double *a = zeros(f, l->c), *b = zeros(f, l->c);
  if (!a || !b) return oom(f);
  for (int c = 0; c < l->c; c++) {
    a[c] = l->scale * tval(&l->weight, c) / sqrt(tval(&l->var, c) + l->eps);
    b[c] = tval(&l->bias, c) - a[c] * tval(&l->mean, c);
  }
  g->wt = a;
  *shift = b;
  return 0;
}

/* Weight of conv term g at output channel co, input channel ci, tap (y, x). */
static double conv_w(const term *g, int gcin, int co, int ci, int y, int x) {
  return g->wt[(((int64_t)co * gcin + (g->dw ? 0 : ci)) * g->kh + y) * g->kw + x];
}

/* Conv g on an input [cin, hin, win] as a dense factor (or a diagonal one when g is a
 * 1x1 stride-1 depthwise scale, as BN is). */
static int conv_factor(folder *f, const ir_layer *l, const term *g, int cin, int hin,
                       int win, term *out) {
  const int64_t rows = (int64_t)g->c * g->h * g->w, cols = (int64_t)cin * hin * win;
  const int gcin = g->dw ? 1 : cin;
  out->kind = T_DENSE, out->cols = cols;
  if (g->dw && g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && !g->ph && !g->pw) {
    double *d = zeros(f, rows);
    if (!d) return oom(f);
    for (int64_t e = 0; e < rows; e++) d[e] = g->wt[e / ((int64_t)hin * win)];
    return out->diag = d, 0;
  }
  int rc = size_ok(f, l, l->name, rows, cols);
  double *M = rc ? NULL : zeros(f, rows * cols);
  if (rc || !M) return rc ? rc : oom(f);
  for (int64_t o = 0; o < rows; o++) {
    const int ox = (int)(o % g->w), oy = (int)(o / g->w % g->h), co = (int)(o / g->w / g->h);
    for (int ci = g->dw ? co : 0; ci < (g->dw ? co + 1 : cin); ci++)
      for (int y = 0; y < g->kh; y++)
        for (int x = 0; x < g->kw; x++) {
          const int iy = oy * g->sh - g->ph + y, ix = ox * g->sw - g->pw + x;
          if (iy >= 0 && iy < hin && ix >= 0 && ix < win)
            M[o * cols + ((int64_t)ci * hin + iy) * win + ix] += conv_w(g, gcin, co, ci, y, x);
        }
  }
  out->wt = M;
  return 0;
}

/* A padded conv g reading conv term t: exact iff every padded position of g's input
 * maps to a window of t that lies wholly in t's own zero padding. */
static int conv_of_conv_exact(const folder *f, const term *t, const term *g) {
  const ir_pop *s = src_pop(f, t);
  if (!g->ph && !g->pw) return 1;
  return t->kh <= t->sh + t->ph && t->kw <= t->sw + t->pw &&
         (int64_t)t->h * t->sh - t->ph >= s->h && (int64_t)t->w * t->sw - t->pw >= s->w;
}

/* The single conv equal to g applied after conv term t. */
static int conv_of_conv(folder *f, const term *t, const term *g, term *r) {
  const int sc = src_pop(f, t)->c, tcin = t->dw ? 1 : sc, gcin = g->dw ? 1 : t->c;
  memset(r, 0, sizeof *r);
  r->kind = T_CONV, r->src = t->src, r->dw = t->dw && g->dw;
  r->kh = (g->kh - 1) * t->sh + t->kh, r->kw = (g->kw - 1) * t->sw + t->kw;
  r->sh = t->sh * g->sh, r->sw = t->sw * g->sw;
  r->ph = t->ph + g->ph * t->sh, r->pw = t->pw + g->pw * t->sw;
  r->c = g->c, r->h = g->h, r->w = g->w;
  const int rcin = r->dw ? 1 : sc;
  double *w = zeros(f, (int64_t)r->c * rcin * r->kh * r->kw);
  if (!w) return oom(f);
  for (int co = 0; co < g->c; co++)
    for (int m = g->dw ? co : 0; m < (g->dw ? co + 1 : t->c); m++)
      for (int gy = 0; gy < g->kh; gy++)
        for (int gx = 0; gx < g->kw; gx++) {
          const double gv = conv_w(g, gcin, co, m, gy, gx);
          for (int ci = t->dw ? m : 0; gv != 0 && ci < (t->dw ? m + 1 : sc); ci++) {
            double *o = w + ((int64_t)co * rcin + (r->dw ? 0 : ci)) * r->kh * r->kw;
            for (int y = 0; y < t->kh; y++)
              for (int x = 0; x < t->kw; x++)
                o[(gy * t->sh + y) * r->kw + gx * t->sw + x] +=
                    gv * conv_w(t, tcin, m, ci, y, x);
          }
        }
  r->wt = w;
  return 0;
}

static int same_geometry(const term *t, const value *v) {
  return t->kind == T_CONV && t->c == v->c && t->h == v->h && t->w == v->w;
}

/* Term for conv/pool/BN operator g applied after term t (t reads value `in`). */
static int compose_conv(folder *f, const ir_layer *l, const term *t, const term *g,
                        const value *in, const term **out) {
  term *r = new_term(f, NULL);
  if (!r) return oom(f);
  int rc = 0;
  if (same_geometry(t, in) && t->ident) {
    *r = *g;
  } else if (same_geometry(t, in)) {
    if (!conv_of_conv_exact(f, t, g))
      return refuse(f, l, "%s '%s' (padding %dx%d) reads '%s' (kernel %dx%d, stride %dx%d, "
                    "padding %dx%d) with no neuron between them: at the borders the padded "
                    "result is not a convolution of the spikes, so they cannot be folded "
                    "into one synapse operator - put a glif layer between them, or merge "
                    "them in the exporter", ir_layer_type_name(l->type), l->name, g->ph,
                    g->pw, t->name, t->kh, t->kw, t->sh, t->sw, t->ph, t->pw);
    rc = conv_of_conv(f, t, g, r);
  } else {
    rc = conv_factor(f, l, g, in->c, in->h, in->w, r);
    r->inner = t->ident ? NULL : t;
    r->c = g->c, r->h = g->h, r->w = g->w;
  }
  r->src = t->src;
  r->name = t->ident ? g->name : join(f, t->name, g->name);
  *out = r;
  return rc ? rc : (r->name ? 0 : oom(f));
}

/* ---- values, layer by layer ----------------------------------------------------------- */

static int new_value(folder *f, value *v, int n_terms, int c, int h, int w) {
  v->terms = glif_arena_array(f->a, (size_t)(n_terms ? n_terms : 1), sizeof *v->terms);
  v->bias = zeros(f, c);
  v->n_terms = n_terms, v->c = c, v->h = h, v->w = w;
  return v->terms && v->bias ? 0 : oom(f);
}

/* The identity of population p: what a glif/readout/input layer's output is. */
static int ident_value(folder *f, value *v, int p) {
  const ir_pop *pop = &f->net->pops[p];
  term *t = new_term(f, NULL);
  int rc = t ? new_value(f, v, 1, pop->c, pop->h, pop->w) : oom(f);
  if (rc) return rc;
  t->kind = T_CONV, t->ident = t->dw = 1, t->src = p;
  t->kh = t->kw = t->sh = t->sw = 1;
  t->c = pop->c, t->h = pop->h, t->w = pop->w;
  v->terms[0] = t;
  return 0;
}

/* First channel of v whose bias is non-zero, or -1. */
static int offset_channel(const value *v) {
  for (int c = 0; c < v->c; c++)
    if (v->bias[c] != 0) return c;
  return -1;
}

/* out = g(in) + extra: conv, pooling and batchnorm. */
static int apply_conv_like(folder *f, const ir_layer *l, const term *g,
                           const double *extra, value *out) {
  const value *in = &f->vals[l->inputs[0]];
  const int padded = g->ph || g->pw, oc = offset_channel(in);
  if (padded && oc >= 0)
    return refuse(f, l, "conv2d '%s' is zero-padded but its input carries a per-channel "
                  "offset (channel %d: %.6g, from a batchnorm shift or a bias upstream): "
                  "folded into the conv's bias it would also be added at the padded "
                  "borders, where the model adds nothing - move the batchnorm after the "
                  "conv, or drop the padding", l->name, oc, in->bias[oc]);
  int rc = new_value(f, out, in->n_terms, l->c, l->h, l->w);
  for (int i = 0; !rc && i < in->n_terms; i++)
    rc = compose_conv(f, l, in->terms[i], g, in, &out->terms[i]);
  const int gcin = g->dw ? 1 : in->c, taps = g->kh * g->kw;
  for (int co = 0; !rc && co < l->c; co++) {
    double b = extra ? extra[co] : 0.0;
    for (int ci = g->dw ? co : 0; oc >= 0 && ci < (g->dw ? co + 1 : in->c); ci++)
      for (int k = 0; k < taps; k++)
        b += conv_w(g, gcin, co, ci, k / g->kw, k % g->kw) * in->bias[ci];
    out->bias[co] = b;
  }
  return rc;
}

static int apply_conv(folder *f, const ir_layer *l, value *out) {
  term g = conv_op(l);
  double *b = zeros(f, l->c);
  if (!b) return oom(f);
  for (int c = 0; c < l->c; c++) b[c] = tval(&l->bias, c);
  return apply_conv_like(f, l, &g, b, out);
}

static int apply_pool(folder *f, const ir_layer *l, value *out) {
  term g;
  int rc = pool_op(f, l, &g);
  return rc ? rc : apply_conv_like(f, l, &g, NULL, out);
}

static int apply_bn(folder *f, const ir_layer *l, value *out) {
  term g;
  double *shift = NULL;
  int rc = bn_op(f, l, &g, &shift);
  return rc ? rc : apply_conv_like(f, l, &g, shift, out);
}

static int apply_linear(folder *f, const ir_layer *l, value *out) {
  const value *in = &f->vals[l->inputs[0]];
  const int64_t cols = in->c; /* check: the input is a vector */
  int rc = new_value(f, out, in->n_terms, l->c, 1, 1);
  for (int i = 0; !rc && i < in->n_terms; i++) {
    const term *t = in->terms[i];
    term *r = new_term(f, NULL);
    if (!r) return oom(f);
    r->kind = T_DENSE, r->src = t->src, r->wt = l->weight.data, r->cols = cols;
    r->inner = t->ident ? NULL : t;
    r->c = l->c, r->h = r->w = 1;
    r->name = t->ident ? l->name : join(f, t->name, l->name);
    if (!r->name) return oom(f);
    out->terms[i] = r;
  }
  for (int o = 0; !rc && o < l->c; o++) {
    double b = tval(&l->bias, o);
    for (int64_t j = 0; j < cols; j++) b += l->weight.data[o * cols + j] * in->bias[j];
    out->bias[o] = b;
  }
  return rc;
}

static int apply_flatten(folder *f, const ir_layer *l, value *out) {
  const value *in = &f->vals[l->inputs[0]];
  int rc = new_value(f, out, in->n_terms, l->c, 1, 1);
  if (rc) return rc;
  memcpy(out->terms, in->terms, (size_t)in->n_terms * sizeof *in->terms);
  const int hw = in->h * in->w;
  for (int e = 0; e < l->c; e++) out->bias[e] = in->bias[e / hw];
  return 0;
}

static int apply_add(folder *f, const ir_layer *l, value *out) {
  int n = 0;
  for (int k = 0; k < l->n_inputs; k++) n += f->vals[l->inputs[k]].n_terms;
  int rc = new_value(f, out, n, l->c, l->h, l->w);
  for (int k = 0, at = 0; !rc && k < l->n_inputs; k++) {
    const value *in = &f->vals[l->inputs[k]];
    memcpy(out->terms + at, in->terms, (size_t)in->n_terms * sizeof *in->terms);
    at += in->n_terms;
    for (int c = 0; c < l->c; c++) out->bias[c] += in->bias[c];
  }
  return rc;
}

/* ---- populations and projections ----------------------------------------------------- */

static int add_proj(folder *f, ir_proj **out) {
  ir_net *n = f->net;
  if (n->n_projs == f->projs_cap) {
    int cap = f->projs_cap ? 2 * f->projs_cap : 16;
    ir_proj *p = glif_arena_array(f->a, (size_t)cap, sizeof *p);
    if (!p) return oom(f);
    if (n->n_projs) memcpy(p, n->projs, (size_t)n->n_projs * sizeof *p);
    n->projs = p;
    f->projs_cap = cap;
  }
  *out = &n->projs[n->n_projs++];
  memset(*out, 0, sizeof **out);
  return 0;
}

static int64_t proj_size(const ir_proj *j) {
  if (j->kind == IR_PROJ_DENSE) return (int64_t)j->cout * j->cin;
  return (int64_t)j->cout * (j->depthwise ? 1 : j->cin) * j->kh * j->kw;
}

/* A projection of this destination with the same source and operator shape, which a
 * new one can be summed into (e.g. two branches through identical convolutions). */
static ir_proj *same_operator(folder *f, const ir_proj *j, int first) {
  for (int i = first; i < f->net->n_projs; i++) {
    ir_proj *o = &f->net->projs[i];
    if (o->src == j->src && o->kind == j->kind && o->depthwise == j->depthwise &&
        o->kh == j->kh && o->kw == j->kw && o->sh == j->sh && o->sw == j->sw &&
        o->ph == j->ph && o->pw == j->pw)
      return o;
  }
  return NULL;
}

/* Fills projection j from term t (into population dst). */
static int proj_of_term(folder *f, const ir_layer *l, const term *t, int dst, ir_proj *j) {
  const ir_pop *d = &f->net->pops[dst], *s = &f->net->pops[t->src];
  j->src = t->src, j->dst = dst;
  j->name = t->name ? t->name : d->name;
  j->graded = s->kind == IR_POP_INPUT && s->encoding == IR_ENC_DIRECT;
  j->kh = j->kw = j->sh = j->sw = 1;
  if (t->kind == T_CONV && t->c == d->c && t->h == d->h && t->w == d->w) {
    j->kind = IR_PROJ_CONV, j->cout = d->c, j->cin = s->c, j->depthwise = t->dw;
    j->kh = t->kh, j->kw = t->kw, j->sh = t->sh, j->sw = t->sw, j->ph = t->ph, j->pw = t->pw;
    if (!t->ident) return j->wf = (double *)t->wt, 0;
    if (!(j->wf = zeros(f, d->c))) return oom(f);
    for (int c = 0; c < d->c; c++) j->wf[c] = 1.0;
    return 0;
  }
  j->kind = IR_PROJ_DENSE, j->cout = (int)d->n, j->cin = (int)s->n;
  const double *m = NULL;
  int rc = materialise(f, l, t, &m);
  j->wf = (double *)m;
  return rc;
}

static int pop_projections(folder *f, const ir_layer *l, const value *in, int dst) {
  const int first = f->net->n_projs;
  for (int i = 0; i < in->n_terms; i++) {
    ir_proj *j = NULL, tmp;
    memset(&tmp, 0, sizeof tmp);
    int rc = proj_of_term(f, l, in->terms[i], dst, &tmp);
    if (rc) return rc;
    ir_proj *o = same_operator(f, &tmp, first);
    if (!o) {
      if ((rc = add_proj(f, &j))) return rc;
      *j = tmp;
      continue;
    }
    const int64_t n = proj_size(o);
    double *sum = zeros(f, n);
    if (!sum) return oom(f);
    for (int64_t k = 0; k < n; k++) sum[k] = o->wf[k] + tmp.wf[k];
    o->wf = sum;
    o->name = join(f, o->name, tmp.name);
    if (!o->name) return oom(f);
  }
  return 0;
}

/* Per-channel float coefficients and the gain table of a glif layer. */
static int glif_params(folder *f, const ir_layer *l, ir_pop *p) {
  const int T = f->m->T;
  double cond[32], g[32];
  for (int c = 0; c < p->c; c++) {
    const ir_tensor *cd = &l->glif[IR_CONDUCT];
    nrn_glif q = {tval(&l->glif[IR_ALPHA], c), tval(&l->glif[IR_BETA], c),
                  tval(&l->glif[IR_GAMMA], c), tval(&l->glif[IR_TAU], c),
                  tval(&l->glif[IR_LEAK], c), tval(&l->glif[IR_REVTH], c),
                  tval(&l->glif[IR_VTH], c)};
    for (int t = 0; t < T; t++)
      cond[t] = cd->ndim == 0 ? cd->data[0] : cd->ndim == 1 ? cd->data[t]
                                                            : cd->data[t * p->c + c];
    nrn_glif_coeffs(&q, cond, T, &p->coef[c], g);
    for (int t = 0; t < T; t++) p->gain[t * p->c + c] = g[t];
  }
  return 0;
}

/* Readout: a non-firing integrator, k = ks = 1, d = r = 0, g = 1 (theta unused, 0). */
static void readout_params(folder *f, ir_pop *p) {
  for (int c = 0; c < p->c; c++) {
    nrn_coeffs one = {1.0, 1.0, 0.0, 0.0, 0.0};
    p->coef[c] = one;
    for (int t = 0; t < f->m->T; t++) p->gain[t * p->c + c] = 1.0;
  }
}

static int make_pop(folder *f, int li, int kind) {
  const ir_layer *l = &f->m->layers[li];
  const int idx = f->net->n_pops++;
  ir_pop *p = &f->net->pops[idx];
  p->name = l->name, p->kind = kind, p->layer = li;
  p->c = l->c, p->h = l->h, p->w = l->w, p->n = (int64_t)l->c * l->h * l->w;
  if (kind == IR_POP_INPUT) {
    p->encoding = l->encoding;
    return ident_value(f, &f->vals[li], idx);
  }
  const value *in = &f->vals[l->inputs[0]];
  p->coef = glif_arena_array(f->a, (size_t)p->c, sizeof *p->coef);
  p->gain = zeros(f, (int64_t)f->m->T * p->c);
  p->bias = zeros(f, p->c);
  if (!p->coef || !p->gain || !p->bias) return oom(f);
  memcpy(p->bias, in->bias, (size_t)p->c * sizeof(double));
  if (kind == NRN_SPIKING) glif_params(f, l, p);
  else readout_params(f, p);
  int rc = pop_projections(f, l, in, idx);
  return rc ? rc : ident_value(f, &f->vals[li], idx);
}

static int fold_layer(folder *f, int i) {
  const ir_layer *l = &f->m->layers[i];
  value *out = &f->vals[i];
  switch (l->type) {
  case IR_INPUT: return make_pop(f, i, IR_POP_INPUT);
  case IR_GLIF: return make_pop(f, i, NRN_SPIKING);
  case IR_READOUT: return make_pop(f, i, NRN_READOUT);
  case IR_CONV2D: return apply_conv(f, l, out);
  case IR_LINEAR: return apply_linear(f, l, out);
  case IR_BATCHNORM: return apply_bn(f, l, out);
  case IR_AVGPOOL2D:
  case IR_SUMPOOL2D: return apply_pool(f, l, out);
  case IR_FLATTEN: return apply_flatten(f, l, out);
  case IR_ADD: return apply_add(f, l, out);
  default: return glif_errf(f->err, GLIF_EINTERNAL, NULL, 0, 0, "fold: layer type %d", l->type);
  }
}

int cc_pass_fold(cc_ctx *ctx, glif_err *err) {
  const ir_model *m = ctx->model;
  folder f = {ctx, err, m, ctx->arena, NULL, NULL, 0};
  if (!m) return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "fold before load");
  int n_pops = 0;
  for (int i = 0; i < m->n_layers; i++)
    n_pops += m->layers[i].type == IR_INPUT || m->layers[i].type == IR_GLIF ||
              m->layers[i].type == IR_READOUT;
  f.net = glif_arena_alloc(f.a, sizeof *f.net);
  f.vals = glif_arena_array(f.a, (size_t)m->n_layers, sizeof *f.vals);
  if (!f.net || !f.vals) return oom(&f);
  f.net->model = m;
  f.net->T = m->T;
  f.net->pops = glif_arena_array(f.a, (size_t)n_pops, sizeof *f.net->pops);
  if (!f.net->pops) return oom(&f);
  for (int i = 0; i < m->n_layers; i++) {
    int rc = fold_layer(&f, i);
    if (rc) return rc;
  }
  ctx->net = f.net;
  return 0;
}
