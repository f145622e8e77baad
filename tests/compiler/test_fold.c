/*
 * test_fold.c - the fold pass (compiler/fold.c) and the float golden model.
 *
 * Two kinds of test:
 *   - the folded operators themselves, on hand-checkable models: BN into conv weights
 *     and bias, the BN-only shortcut as a depthwise 1x1, pooling into a conv's kernel,
 *     pooling straight into a glif, pool+flatten+linear as one dense matrix, a linear
 *     chain as W2*W1, BN after an add, identical branches summed;
 *   - random models of every foldable pattern, where the float golden model (which runs
 *     the folded ir_net) must equal an independent float64 evaluation of the MODEL GRAPH
 *     written in this file (conv, batchnorm, pooling, flatten, linear, add, glif,
 *     readout, straight from the layer definitions) to 1e-9, spike for spike.
 */
#include "test_front_util.h"

#include "compiler/reference.h"

/* ---- model builders ------------------------------------------------------------------ */

/* ", key: [[...]]" with uniform values in [lo, hi) for a tensor of the given dims. */
static void tensor(mb *b, const char *key, int nd, const int *dims, double lo, double hi) {
  int64_t n = 1;
  for (int i = 0; i < nd; i++) n *= dims[i];
  put(b, ", %s: ", key);
  for (int64_t k = 0; k < n; k++) {
    int64_t stride = 1;
    for (int d = 0; d < nd; d++) { /* open a bracket where an index becomes 0 */
      int64_t inner = 1;
      for (int e = d; e < nd; e++) inner *= dims[e];
      if (k % inner == 0) put(b, "[");
    }
    put(b, "%.17g", uni(lo, hi));
    for (int d = nd - 1; d >= 0; d--) {
      stride *= dims[d];
      if ((k + 1) % stride == 0) put(b, "]");
      else break;
    }
    if (k + 1 < n) put(b, ", ");
  }
}

static void glif_layer(mb *b, const char *name, const char *in, int c, int T) {
  const int dc[1] = {c}, dt[2] = {T, c};
  put(b, "  - {name: %s, type: glif, input: %s", name, in);
  tensor(b, "alpha", 1, dc, 0.05, 0.95);
  tensor(b, "beta", 1, dc, 0.05, 0.95);
  tensor(b, "gamma", 1, dc, 0.05, 0.95);
  tensor(b, "tau", 1, dc, 0.05, 0.95);
  tensor(b, "leak", 1, dc, 0.0, 0.1);
  tensor(b, "reVth", 1, dc, 0.2, 0.8);
  tensor(b, "Vth", 1, dc, 0.2, 0.8);
  tensor(b, "conduct", 2, dt, 0.05, 0.95);
  put(b, "}\n");
}

static void bn_layer(mb *b, const char *name, const char *in, int c, double scale) {
  const int dc[1] = {c};
  put(b, "  - {name: %s, type: batchnorm, input: %s, scale: %.17g", name, in, scale);
  tensor(b, "weight", 1, dc, 0.5, 1.5);
  tensor(b, "bias", 1, dc, -0.3, 0.3);
  tensor(b, "running_mean", 1, dc, -0.2, 0.2);
  tensor(b, "running_var", 1, dc, 0.5, 1.5);
  put(b, "}\n");
}

static void conv_layer(mb *b, const char *name, const char *in, int cout, int cin, int k,
                       int stride, int pad, int bias) {
  const int dw[4] = {cout, cin, k, k}, db[1] = {cout};
  put(b, "  - {name: %s, type: conv2d, input: %s, stride: %d, padding: %d", name, in,
      stride, pad);
  tensor(b, "weight", 4, dw, -1.0, 1.0);
  if (bias) tensor(b, "bias", 1, db, -0.3, 0.3);
  put(b, "}\n");
}

static void linear_layer(mb *b, const char *name, const char *in, int out, int n, int bias) {
  const int dw[2] = {out, n}, db[1] = {out};
  put(b, "  - {name: %s, type: linear, input: %s", name, in);
  tensor(b, "weight", 2, dw, -1.0, 1.0);
  if (bias) tensor(b, "bias", 1, db, -0.3, 0.3);
  put(b, "}\n");
}

/* ---- the independent evaluator of the model graph --------------------------------- */

typedef struct geval {
  const ir_model *m;
  double **val;   /* [layer][c*h*w] output at the current step */
  double **u;     /* glif membranes / readout sums */
  uint8_t **s;    /* glif previous spikes */
} geval;

static int64_t lsize(const ir_layer *l) { return (int64_t)l->c * l->h * l->w; }

static double tv(const ir_tensor *t, int64_t i) {
  return !t->data ? 0.0 : t->ndim == 0 ? t->data[0] : t->data[i];
}

static void ev_conv(const ir_layer *l, const ir_layer *in, const double *x, double *y) {
  const int kh = (int)l->weight.shape[2], kw = (int)l->weight.shape[3];
  for (int co = 0; co < l->c; co++)
    for (int oy = 0; oy < l->h; oy++)
      for (int ox = 0; ox < l->w; ox++) {
        double acc = tv(&l->bias, co);
        for (int ci = 0; ci < in->c; ci++)
          for (int ky = 0; ky < kh; ky++)
            for (int kx = 0; kx < kw; kx++) {
              const int iy = oy * l->stride[0] - l->padding[0] + ky;
              const int ix = ox * l->stride[1] - l->padding[1] + kx;
              if (iy < 0 || iy >= in->h || ix < 0 || ix >= in->w) continue;
              acc += l->weight.data[((co * in->c + ci) * kh + ky) * kw + kx] *
                     x[(ci * in->h + iy) * in->w + ix];
            }
        y[(co * l->h + oy) * l->w + ox] = acc;
      }
}

static void ev_pool(const ir_layer *l, const ir_layer *in, const double *x, double *y) {
  const double div = l->type == IR_AVGPOOL2D ? l->kernel[0] * l->kernel[1] : 1.0;
  for (int c = 0; c < l->c; c++)
    for (int oy = 0; oy < l->h; oy++)
      for (int ox = 0; ox < l->w; ox++) {
        double acc = 0;
        for (int ky = 0; ky < l->kernel[0]; ky++)
          for (int kx = 0; kx < l->kernel[1]; kx++)
            acc += x[(c * in->h + oy * l->stride[0] + ky) * in->w + ox * l->stride[1] + kx];
        y[(c * l->h + oy) * l->w + ox] = acc / div;
      }
}

static void ev_glif(geval *g, int li, const double *x, int t) {
  const ir_layer *l = &g->m->layers[li];
  const int64_t hw = (int64_t)l->h * l->w;
  const ir_tensor *cd = &l->glif[IR_CONDUCT];
  for (int64_t j = 0; j < lsize(l); j++) {
    const int64_t c = j / hw;
    const double alpha = tv(&l->glif[IR_ALPHA], c), beta = tv(&l->glif[IR_BETA], c);
    const double gamma = tv(&l->glif[IR_GAMMA], c), tau = tv(&l->glif[IR_TAU], c);
    const double cond = cd->ndim == 0 ? cd->data[0] : cd->ndim == 1 ? cd->data[t]
                                                                      : cd->data[t * l->c + c];
    const double s = g->s[li][j];
    /* the Gated-LIF update as written in docs/model-format.md */
    const double u = (1 - alpha * (1 - tau)) * g->u[li][j] * (1 - gamma * s) -
                     (1 - alpha) * tv(&l->glif[IR_LEAK], c) + (1 - beta * (1 - cond)) * x[j] -
                     (1 - gamma) * tv(&l->glif[IR_REVTH], c) * s;
    g->u[li][j] = u;
    g->s[li][j] = u > tv(&l->glif[IR_VTH], c);
    g->val[li][j] = g->s[li][j];
  }
}

static void ev_layer(geval *g, int li, const double *x, int t) {
  const ir_layer *l = &g->m->layers[li];
  const ir_layer *in = l->n_inputs ? &g->m->layers[l->inputs[0]] : NULL;
  const double *a = in ? g->val[l->inputs[0]] : NULL;
  double *y = g->val[li];
  const int64_t n = lsize(l), hw = (int64_t)l->h * l->w;
  switch (l->type) {
  case IR_INPUT:
    for (int64_t j = 0; j < n; j++) y[j] = l->encoding == IR_ENC_SPIKES ? x[t * n + j] : x[j];
    break;
  case IR_CONV2D: ev_conv(l, in, a, y); break;
  case IR_AVGPOOL2D:
  case IR_SUMPOOL2D: ev_pool(l, in, a, y); break;
  case IR_LINEAR:
    for (int o = 0; o < l->c; o++) {
      double acc = tv(&l->bias, o);
      for (int64_t k = 0; k < lsize(in); k++) acc += l->weight.data[o * lsize(in) + k] * a[k];
      y[o] = acc;
    }
    break;
  case IR_BATCHNORM:
    for (int64_t j = 0; j < n; j++) {
      const int64_t c = j / hw;
      y[j] = l->scale * (a[j] - tv(&l->mean, c)) / sqrt(tv(&l->var, c) + l->eps) *
                 tv(&l->weight, c) + tv(&l->bias, c);
    }
    break;
  case IR_FLATTEN: memcpy(y, a, (size_t)n * sizeof *y); break;
  case IR_ADD:
    memset(y, 0, (size_t)n * sizeof *y);
    for (int k = 0; k < l->n_inputs; k++)
      for (int64_t j = 0; j < n; j++) y[j] += g->val[l->inputs[k]][j];
    break;
  case IR_GLIF: ev_glif(g, li, a, t); break;
  case IR_READOUT:
    for (int64_t j = 0; j < n; j++) g->u[li][j] += a[j];
    break;
  }
}

static void geval_init(geval *g, const ir_model *m) {
  g->m = m;
  g->val = calloc((size_t)m->n_layers, sizeof *g->val);
  g->u = calloc((size_t)m->n_layers, sizeof *g->u);
  g->s = calloc((size_t)m->n_layers, sizeof *g->s);
  for (int i = 0; i < m->n_layers; i++) {
    g->val[i] = calloc((size_t)lsize(&m->layers[i]), sizeof(double));
    g->u[i] = calloc((size_t)lsize(&m->layers[i]), sizeof(double));
    g->s[i] = calloc((size_t)lsize(&m->layers[i]), 1);
  }
}

static void geval_free(geval *g) {
  for (int i = 0; i < g->m->n_layers; i++) free(g->val[i]), free(g->u[i]), free(g->s[i]);
  free(g->val), free(g->u), free(g->s);
}

/* Runs the float golden model and the graph evaluator side by side on one input;
 * every spike and every membrane of every step must agree. Returns the spike count. */
static int64_t compare_float(const ir_net *net, const glif_arch *arch, const double *x) {
  const ir_model *m = net->model;
  ref_model *rm;
  glif_err err;
  assert_int_equal(ref_create(&rm, net, arch, REF_FLOAT, &err), 0);
  geval g;
  geval_init(&g, m);
  assert_int_equal(ref_begin(rm, x, &err), 0);
  int64_t spikes = 0;
  for (int t = 0; t < m->T; t++) {
    assert_int_equal(ref_step(rm, &err), 0);
    for (int li = 0; li < m->n_layers; li++) ev_layer(&g, li, x, t);
    for (int p = 1; p < net->n_pops; p++) {
      const int li = net->pops[p].layer;
      const double *u = ref_u_float(rm, p);
      uint32_t n;
      const uint32_t *s = ref_spikes(rm, p, t + 1, &n);
      uint32_t k = 0;
      for (int64_t j = 0; j < net->pops[p].n; j++) {
        const double want = g.u[li][j];
        if (fabs(u[j] - want) > 1e-9 * (1 + fabs(want)))
          fail_msg("layer %s step %d neuron %lld: u %.17g, graph %.17g",
                   net->pops[p].name, t + 1, (long long)j, u[j], want);
        const int spiked = k < n && s[k] == j;
        k += spiked;
        if (net->pops[p].kind == NRN_SPIKING && spiked != g.s[li][j])
          fail_msg("layer %s step %d neuron %lld: spike %d, graph %d",
                   net->pops[p].name, t + 1, (long long)j, spiked, g.s[li][j]);
      }
      assert_int_equal(k, n);
      spikes += n;
    }
  }
  const double *out = ref_outputs(rm);
  int64_t k = 0;
  for (int p = 1; p < net->n_pops; p++)
    for (int64_t j = 0; net->pops[p].kind == NRN_READOUT && j < net->pops[p].n; j++, k++)
      assert_true(fabs(out[k] - g.u[net->pops[p].layer][j] / m->T) <= 1e-9 * (1 + fabs(out[k])));
  geval_free(&g);
  ref_destroy(rm);
  return spikes;
}

/* Folds the model text (front end up to fold) into ctx. */
static void fold_text(cc_ctx *ctx, cc_options *opt, const char *file, const char *text) {
  glif_err err;
  int rc = run_front_opts(ctx, opt, write_text(file, text), NULL, "fold", &err);
  if (rc) fail_msg("%s:%d:%d: %s", err.file, err.line, err.col, err.msg);
}

/* ---- random models of every foldable pattern ----------------------------------------- */

/* Residual block with a BN shortcut, avgpool into a padded conv, global pool + flatten
 * + a linear chain. */
static void model_resnetish(mb *b, int T) {
  put(b, "glif_model: 1\ntimesteps: %d\nlayers:\n", T);
  put(b, "  - {name: x, type: input, shape: [2, 6, 6], encoding: direct, range: 1.0}\n");
  conv_layer(b, "c1", "x", 3, 2, 3, 1, 1, 0);
  bn_layer(b, "b1", "c1", 3, 1.0);
  glif_layer(b, "l1", "b1", 3, T);
  conv_layer(b, "c2", "l1", 3, 3, 3, 1, 1, 0);
  bn_layer(b, "b2", "c2", 3, 0.7071067811865476);
  bn_layer(b, "sc", "l1", 3, 0.7071067811865476);
  put(b, "  - {name: sum, type: add, inputs: [b2, sc]}\n");
  glif_layer(b, "l2", "sum", 3, T);
  put(b, "  - {name: p1, type: avgpool2d, input: l2, kernel: 2}\n");
  conv_layer(b, "c3", "p1", 4, 3, 3, 1, 1, 1);
  bn_layer(b, "b3", "c3", 4, 1.0);
  glif_layer(b, "l3", "b3", 4, T);
  put(b, "  - {name: gp, type: avgpool2d, input: l3, kernel: 3}\n");
  put(b, "  - {name: fl, type: flatten, input: gp}\n");
  linear_layer(b, "fc1", "fl", 5, 4, 1);
  linear_layer(b, "fc2", "fc1", 3, 5, 1);
  put(b, "  - {name: out, type: readout, input: fc2}\n");
}

/* Spike input: BN before an unpadded strided conv, sumpool straight into a glif,
 * flatten + linear + BN on the vector, a readout fed by two branches. */
static void model_pools(mb *b, int T) {
  put(b, "glif_model: 1\ntimesteps: %d\nlayers:\n", T);
  put(b, "  - {name: x, type: input, shape: [2, 5, 5], encoding: spikes}\n");
  bn_layer(b, "b0", "x", 2, 1.0);
  conv_layer(b, "c1", "b0", 3, 2, 3, 2, 0, 1);
  glif_layer(b, "l1", "c1", 3, T);
  put(b, "  - {name: sp, type: sumpool2d, input: l1, kernel: 2}\n");
  glif_layer(b, "l2", "sp", 3, T);
  put(b, "  - {name: fl, type: flatten, input: l1}\n");
  linear_layer(b, "fc1", "fl", 4, 12, 1);
  bn_layer(b, "b1", "fc1", 4, 1.0);
  glif_layer(b, "l3", "b1", 4, T);
  put(b, "  - {name: f2, type: flatten, input: l2}\n");
  linear_layer(b, "fa", "f2", 2, 3, 0);
  linear_layer(b, "fb", "l3", 2, 4, 1);
  put(b, "  - {name: s, type: add, inputs: [fa, fb]}\n");
  put(b, "  - {name: out, type: readout, input: s}\n");
}

/* BN after an add of two convs of the input; an unpadded conv of a padded conv. */
static void model_convs(mb *b, int T) {
  put(b, "glif_model: 1\ntimesteps: %d\nlayers:\n", T);
  put(b, "  - {name: x, type: input, shape: [1, 6, 6], encoding: direct, range: 1.0}\n");
  conv_layer(b, "ca", "x", 2, 1, 3, 1, 1, 1);
  conv_layer(b, "cb", "x", 2, 1, 1, 1, 0, 0);
  put(b, "  - {name: s, type: add, inputs: [ca, cb]}\n");
  bn_layer(b, "b", "s", 2, 1.0);
  glif_layer(b, "l1", "b", 2, T);
  conv_layer(b, "c2", "l1", 3, 2, 3, 1, 1, 0);
  conv_layer(b, "c3", "c2", 2, 3, 2, 2, 0, 1);
  glif_layer(b, "l2", "c3", 2, T);
  put(b, "  - {name: fl, type: flatten, input: l2}\n");
  linear_layer(b, "fc", "fl", 3, 18, 1);
  put(b, "  - {name: out, type: readout, input: fc}\n");
}

static void run_random(void (*make)(mb *, int), int spikes_in, const char *file) {
  int64_t total = 0;
  for (int seed = 1; seed <= 6; seed++) {
    rng_state = (uint64_t)seed * 7919;
    mb b = {0};
    const int T = 2 + seed % 3;
    make(&b, T);
    cc_ctx ctx;
    cc_options opt;
    fold_text(&ctx, &opt, file, b.s);
    const ir_pop *in = &ctx.net->pops[0];
    const int64_t n = ref_sample_size(ctx.net);
    double *x = malloc((size_t)n * sizeof *x);
    for (int trial = 0; trial < 3; trial++) {
      for (int64_t j = 0; j < n; j++)
        x[j] = spikes_in ? (urand() < 0.4) : uni(-1.0, 1.0);
      (void)in;
      total += compare_float(ctx.net, &ctx.arch, x);
    }
    free(x);
    free(b.s);
    cc_destroy(&ctx);
  }
  assert_true(total > 50); /* the comparison saw real activity */
}

static void test_random_resnetish(void **state) {
  (void)state;
  run_random(model_resnetish, 0, "rand_res.yaml");
}
static void test_random_pools(void **state) {
  (void)state;
  run_random(model_pools, 1, "rand_pools.yaml");
}
static void test_random_convs(void **state) {
  (void)state;
  run_random(model_convs, 0, "rand_convs.yaml");
}

/* ---- the folded operators, by hand --------------------------------------------------- */

#define HEAD "glif_model: 1\ntimesteps: 1\nlayers:\n"
#define GLIF_P "alpha: 1.0, beta: 0.0, gamma: 1.0, tau: 0.5, leak: 0.0, reVth: 0.0, Vth: 0.5, conduct: 1.0"

static const ir_proj *proj_into(const ir_net *n, const char *dst, int k) {
  for (int i = 0; i < n->n_projs; i++)
    if (!strcmp(n->pops[n->projs[i].dst].name, dst) && k-- == 0) return &n->projs[i];
  fail_msg("no projection %d into %s", k, dst);
  return NULL;
}

static int pop_index(const ir_net *n, const char *name) {
  for (int i = 0; i < n->n_pops; i++)
    if (!strcmp(n->pops[i].name, name)) return i;
  fail_msg("no population %s", name);
  return -1;
}

/* conv + BN: W' = a W, b' = a (b - mean) + bias with a = scale*w/sqrt(var+eps);
 * a BN-only shortcut: a depthwise 1x1 of a_c, its shift added to the target's bias. */
static void test_bn_folding(void **state) {
  (void)state;
  const char *text = HEAD
      "  - {name: x, type: input, shape: [1, 2, 2], range: 1.0}\n"
      "  - {name: c, type: conv2d, input: x, weight: [[[[2.0]]], [[[-1.0]]]], bias: [0.5, 0.0]}\n"
      "  - {name: b, type: batchnorm, input: c, weight: [2.0, 1.0], bias: [0.1, 0.2], "
      "running_mean: [0.5, 1.0], running_var: [3.0, 0.0], eps: 1.0, scale: 0.5}\n"
      "  - {name: l1, type: glif, input: b, " GLIF_P "}\n"
      "  - {name: sc, type: batchnorm, input: l1, weight: 4.0, bias: 1.0, running_mean: 0.25, "
      "running_var: 3.0, eps: 1.0}\n"
      "  - {name: c2, type: conv2d, input: l1, weight: [[[[1.0]], [[1.0]]], [[[1.0]], [[1.0]]]]}\n"
      "  - {name: s, type: add, inputs: [c2, sc]}\n"
      "  - {name: l2, type: glif, input: s, " GLIF_P "}\n"
      "  - {name: f, type: flatten, input: l2}\n"
      "  - {name: fc, type: linear, input: f, weight: [[1, 1, 1, 1, 1, 1, 1, 1]]}\n"
      "  - {name: out, type: readout, input: fc}\n";
  cc_ctx ctx;
  cc_options opt;
  fold_text(&ctx, &opt, "bn.yaml", text);
  const ir_net *n = ctx.net;
  /* a = 0.5*[2, 1]/sqrt([3, 0] + 1) = [0.5, 0.5] */
  const ir_proj *j = proj_into(n, "l1", 0);
  assert_int_equal(j->kind, IR_PROJ_CONV);
  assert_false(j->depthwise);
  assert_true(j->wf[0] == 1.0 && j->wf[1] == -0.5);
  const ir_pop *l1 = &n->pops[pop_index(n, "l1")];
  assert_true(fabs(l1->bias[0] - 0.1) < 1e-15);  /* 0.5*(0.5 - 0.5) + 0.1 */
  assert_true(fabs(l1->bias[1] + 0.3) < 1e-15);  /* 0.5*(0.0 - 1.0) + 0.2 */
  /* shortcut: a = 4/sqrt(3 + 1) = 2, shift = 1 - 2*0.25 = 0.5 */
  const ir_proj *c2 = proj_into(n, "l2", 0), *sc = proj_into(n, "l2", 1);
  assert_false(c2->depthwise);
  assert_int_equal(sc->kind, IR_PROJ_CONV);
  assert_true(sc->depthwise);
  assert_int_equal(sc->kh * 10 + sc->kw, 11);
  assert_true(sc->wf[0] == 2.0 && sc->wf[1] == 2.0);
  const ir_pop *l2 = &n->pops[pop_index(n, "l2")];
  assert_true(l2->bias[0] == 0.5 && l2->bias[1] == 0.5);
  assert_string_equal(j->name, "c+b");
  assert_string_equal(sc->name, "sc");
  cc_destroy(&ctx);
}

/* avgpool 2 then conv 3x3 stride 1 pad 1 == conv 6x6 stride 2 pad 2 of w/4; pooling
 * straight into a glif == depthwise 2x2 stride 2 of 1/4. */
static void test_pool_folding(void **state) {
  (void)state;
  const char *text = HEAD
      "  - {name: x, type: input, shape: [1, 4, 4], range: 1.0}\n"
      "  - {name: c0, type: conv2d, input: x, weight: [[[[1.0]]]]}\n"
      "  - {name: l0, type: glif, input: c0, " GLIF_P "}\n"
      "  - {name: p, type: avgpool2d, input: l0, kernel: 2}\n"
      "  - {name: c, type: conv2d, input: p, weight: [[[[1, 2, 3], [4, 5, 6], [7, 8, 9]]]], "
      "padding: 1}\n"
      "  - {name: l1, type: glif, input: c, " GLIF_P "}\n"
      "  - {name: l2, type: glif, input: p, " GLIF_P "}\n"
      "  - {name: s, type: add, inputs: [l1, l2]}\n"
      "  - {name: sp, type: sumpool2d, input: s, kernel: 2}\n"
      "  - {name: f, type: flatten, input: sp}\n"
      "  - {name: fc, type: linear, input: f, weight: [[3.0]]}\n"
      "  - {name: out, type: readout, input: fc}\n";
  cc_ctx ctx;
  cc_options opt;
  fold_text(&ctx, &opt, "pool.yaml", text);
  const ir_proj *j = proj_into(ctx.net, "l1", 0);
  assert_int_equal(j->kind, IR_PROJ_CONV);
  assert_int_equal(j->kh * 100 + j->sh * 10 + j->ph, 622);
  assert_int_equal(j->kw * 100 + j->sw * 10 + j->pw, 622);
  for (int y = 0; y < 6; y++)
    for (int x = 0; x < 6; x++) assert_true(j->wf[y * 6 + x] == (1 + 3 * (y / 2) + x / 2) / 4.0);
  const ir_proj *d = proj_into(ctx.net, "l2", 0);
  assert_true(d->depthwise);
  assert_int_equal(d->kh * 100 + d->sh * 10 + d->ph, 220);
  for (int k = 0; k < 4; k++) assert_true(d->wf[k] == 0.25);
  /* add of two spiking layers -> sumpool 2 -> flatten -> linear: two dense rows over
   * the unpooled 2x2 maps, 3 at every position */
  const ir_proj *o1 = proj_into(ctx.net, "out", 0), *o2 = proj_into(ctx.net, "out", 1);
  assert_int_equal(o1->kind, IR_PROJ_DENSE);
  assert_int_equal(o1->cin, 4);
  for (int k = 0; k < 4; k++) assert_true(o1->wf[k] == 3.0 && o2->wf[k] == 3.0);
  cc_destroy(&ctx);
}

/* Global pool + flatten + linear chain: one dense matrix W2*W1*P, bias W2*b1 + b2;
 * identical branches from one source are summed into one projection. */
static void test_dense_chain(void **state) {
  (void)state;
  const char *text = HEAD
      "  - {name: x, type: input, shape: [2, 2, 2], range: 1.0}\n"
      "  - {name: c0, type: conv2d, input: x, weight: [[[[1.0]], [[0.0]]], [[[0.0]], [[1.0]]]]}\n"
      "  - {name: l0, type: glif, input: c0, " GLIF_P "}\n"
      "  - {name: gp, type: avgpool2d, input: l0, kernel: 2}\n"
      "  - {name: f, type: flatten, input: gp}\n"
      "  - {name: fc1, type: linear, input: f, weight: [[1.0, 2.0], [3.0, 4.0]], bias: [0.5, -1.0]}\n"
      "  - {name: fc2, type: linear, input: fc1, weight: [[1.0, -1.0]], bias: [2.0]}\n"
      "  - {name: fa, type: linear, input: f, weight: [[1.0, 0.0]]}\n"
      "  - {name: s, type: add, inputs: [fc2, fa]}\n"
      "  - {name: out, type: readout, input: s}\n";
  cc_ctx ctx;
  cc_options opt;
  fold_text(&ctx, &opt, "chain.yaml", text);
  const ir_net *n = ctx.net;
  assert_int_equal(n->n_projs, 2); /* c0, and ONE dense projection into out */
  const ir_proj *j = proj_into(n, "out", 0);
  assert_int_equal(j->kind, IR_PROJ_DENSE);
  assert_int_equal(j->cout * 10 + j->cin, 18);
  /* W2*W1 = [1-3, 2-4] = [-2, -2]; plus fa [1, 0]; spread over 4 pixels each, / 4 */
  for (int k = 0; k < 4; k++) {
    assert_true(j->wf[k] == (-2.0 + 1.0) / 4.0);
    assert_true(j->wf[4 + k] == -2.0 / 4.0);
  }
  assert_true(n->pops[pop_index(n, "out")].bias[0] == (0.5 - -1.0) + 2.0); /* W2*b1 + b2 */
  assert_string_equal(j->name, "gp+fc1+fc2+gp+fa");
  cc_destroy(&ctx);
}

/* BN after an add scales every branch and folds into the summed bias. */
static void test_bn_after_add(void **state) {
  (void)state;
  cc_ctx ctx;
  cc_options opt;
  /* out reads the direct input and l0's spikes: fold takes it (quantise would not) */
  const char *fixed = HEAD
      "  - {name: x, type: input, shape: [1, 1, 1], range: 1.0}\n"
      "  - {name: ca, type: conv2d, input: x, weight: [[[[2.0]]]], bias: 1.0}\n"
      "  - {name: l0, type: glif, input: ca, " GLIF_P "}\n"
      "  - {name: la, type: linear, input: l0, weight: [[4.0]], bias: [0.5]}\n"
      "  - {name: s, type: add, inputs: [la, ca]}\n"
      "  - {name: b, type: batchnorm, input: s, weight: 3.0, bias: 0.25, running_mean: 1.0, "
      "running_var: 8.0, eps: 1.0}\n"
      "  - {name: out, type: readout, input: b}\n";
  fold_text(&ctx, &opt, "bnadd2.yaml", fixed);
  /* a = 3/sqrt(9) = 1: weights unchanged; bias = 1*(0.5 + 1.0 - 1.0) + 0.25 */
  const ir_proj *p0 = proj_into(ctx.net, "out", 0), *p1 = proj_into(ctx.net, "out", 1);
  assert_true(p0->wf[0] == 4.0 && p1->wf[0] == 2.0);
  assert_int_equal(p0->src, pop_index(ctx.net, "l0"));
  assert_int_equal(p1->src, 0);
  assert_true(ctx.net->pops[pop_index(ctx.net, "out")].bias[0] == 0.75);
  cc_destroy(&ctx);
}

/* Coefficients and gain table straight from the gates. */
static void test_glif_coefficients(void **state) {
  (void)state;
  const char *text = "glif_model: 1\ntimesteps: 2\nlayers:\n"
      "  - {name: x, type: input, shape: [2], range: 1.0}\n"
      "  - {name: fc, type: linear, input: x, weight: [[1, 0], [0, 1]]}\n"
      "  - {name: l, type: glif, input: fc, alpha: [0.5, 1.0], beta: 0.5, gamma: [0.25, 1.0], "
      "tau: 0.5, leak: 0.125, reVth: 0.75, Vth: [0.3, 0.7], conduct: [[0.5, 1.0], [0.0, 0.25]]}\n"
      "  - {name: f, type: linear, input: l, weight: [[1, 1]]}\n"
      "  - {name: out, type: readout, input: f}\n";
  cc_ctx ctx;
  cc_options opt;
  fold_text(&ctx, &opt, "coef.yaml", text);
  const ir_pop *p = &ctx.net->pops[1];
  /* ch 0: k = 1 - 0.5*0.5 = 0.75, ks = 0.75*0.75, d = 0.5*0.125, r = 0.75*0.75 */
  assert_true(p->coef[0].k == 0.75 && p->coef[0].ks == 0.5625);
  assert_true(p->coef[0].d == 0.0625 && p->coef[0].r == 0.5625 && p->coef[0].theta == 0.3);
  assert_true(p->coef[1].k == 0.5 && p->coef[1].ks == 0.0 && p->coef[1].d == 0.0);
  /* g[t][c] = 1 - 0.5*(1 - conduct[t][c]) */
  assert_true(p->gain[0] == 0.75 && p->gain[1] == 1.0 && p->gain[2] == 0.5 && p->gain[3] == 0.625);
  const ir_pop *o = &ctx.net->pops[2];
  assert_int_equal(o->kind, NRN_READOUT);
  assert_true(o->coef[0].k == 1.0 && o->coef[0].ks == 1.0 && o->gain[1] == 1.0);
  cc_destroy(&ctx);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bn_folding),
      cmocka_unit_test(test_pool_folding),
      cmocka_unit_test(test_dense_chain),
      cmocka_unit_test(test_bn_after_add),
      cmocka_unit_test(test_glif_coefficients),
      cmocka_unit_test(test_random_resnetish),
      cmocka_unit_test(test_random_pools),
      cmocka_unit_test(test_random_convs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
