/*
 * mapping_test.h - helpers for the back-end tests (header-only: every test file is its
 * own executable).
 *
 *   irb_*   build an ir_net by hand (what the front end produces): populations with
 *           quantised parameters, conv/dense projections with integer weights, and
 *           irb_schedule(), the schedule rules of ir.h (fan-in with parallel copies,
 *           relay flag, offsets, delays).
 *   mt_*    a cc_ctx around such a net and the back-end passes up to a given one.
 *   ref_*   the network computed straight from ir_net, logical step by logical step
 *           (exact int64 sums saturated once, nrn_step): no mapping at all.
 *   fx_*    a FUNCTIONAL executor of a decoded chip image: tick by tick, every packet
 *           of tick h lands in slot h + 1 + dly, then every active neuron steps. No
 *           timing; what the image means, computed independently of the mapping code.
 */
#ifndef GLIF_MAPPING_TEST_H
#define GLIF_MAPPING_TEST_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/compile.h"
#include "compiler/lower.h"
#include "fabric/image.h"
#include "mapping/map.h"

/* ---- building an ir_net ---------------------------------------------------------- */

#define IRB_MAX_POPS 32
#define IRB_MAX_PROJS 64

/* Per-population neuron parameters; channel c gets theta + c*theta_step etc. so that
 * channels differ when wanted. */
typedef struct irb_params {
  uint32_t k, ks;
  int32_t d, r, theta, bias;
  uint32_t gain;          /* same gain every step unless gain_step */
  int32_t gain_step;      /* gain[t] = gain + t*gain_step */
  int shift;
  int32_t theta_step, bias_step; /* per channel */
} irb_params;

static inline irb_params irb_default_params(void) {
  irb_params p = {29000, 12000, 3, 40, 900, 0, 30000, 0, 2, 0, 0};
  return p;
}

static inline ir_net *irb_net(glif_arena *a, int T) {
  ir_net *n = glif_arena_alloc(a, sizeof *n);
  n->pops = glif_arena_array(a, IRB_MAX_POPS, sizeof *n->pops);
  n->projs = glif_arena_array(a, IRB_MAX_PROJS, sizeof *n->projs);
  n->T = T;
  return n;
}

static inline int irb_input(glif_arena *a, ir_net *n, int c, int h, int w, int encoding,
                            double in_scale, int payload_bits) {
  ir_pop *p = &n->pops[n->n_pops];
  p->name = "x";
  p->kind = IR_POP_INPUT;
  p->layer = -1;
  p->c = c, p->h = h, p->w = w, p->n = (int64_t)c * h * w;
  p->encoding = encoding;
  p->in_scale = in_scale;
  p->payload_bits = payload_bits;
  (void)a;
  return n->n_pops++;
}

static inline int irb_pop(glif_arena *a, ir_net *n, const char *name, int kind, int c,
                          int h, int w, irb_params prm) {
  ir_pop *p = &n->pops[n->n_pops];
  p->name = glif_arena_strdup(a, name);
  p->kind = kind;
  p->layer = -1;
  p->c = c, p->h = h, p->w = w, p->n = (int64_t)c * h * w;
  p->q = glif_arena_array(a, (size_t)c, sizeof *p->q);
  p->shift = glif_arena_array(a, (size_t)c, sizeof *p->shift);
  p->unit = glif_arena_array(a, (size_t)c, sizeof *p->unit);
  p->wscale = glif_arena_array(a, (size_t)c, sizeof *p->wscale);
  for (int ch = 0; ch < c; ch++) {
    nrn_qgroup *q = &p->q[ch];
    q->p.k = kind == NRN_READOUT ? 1u << 15 : prm.k;
    q->p.ks = kind == NRN_READOUT ? 1u << 15 : prm.ks;
    q->p.d = kind == NRN_READOUT ? 0 : prm.d;
    q->p.r = kind == NRN_READOUT ? 0 : prm.r;
    q->p.theta = prm.theta + ch * prm.theta_step;
    q->p.bias = prm.bias + ch * prm.bias_step;
    q->p.kind = (uint8_t)kind;
    q->T = n->T;
    for (int t = 0; t < n->T; t++)
      q->g[t] = kind == NRN_READOUT ? 1u << 15 : (uint32_t)((int32_t)prm.gain + t * prm.gain_step);
    p->shift[ch] = prm.shift;
    p->unit[ch] = 0.001 * (ch + 1);
    p->wscale[ch] = 0.01;
  }
  return n->n_pops++;
}

/* Weight generator: explicit array, or pseudo-random in [-range, range] (zero with
 * probability zero_pct %). */
static inline uint32_t irb_rand(uint64_t *s) {
  *s = *s * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(*s >> 33);
}

static inline int32_t *irb_weights(glif_arena *a, int64_t n, const int32_t *w,
                                   uint64_t seed, int32_t range, int zero_pct) {
  int32_t *q = glif_arena_array(a, (size_t)n, sizeof *q);
  for (int64_t i = 0; i < n; i++) {
    if (w) {
      q[i] = w[i];
      continue;
    }
    const uint32_t r = irb_rand(&seed);
    q[i] = (int)(r % 100) < zero_pct ? 0 : (int32_t)(irb_rand(&seed) % (2 * range + 1)) - range;
  }
  return q;
}

static inline int irb_conv(glif_arena *a, ir_net *n, const char *name, int src, int dst,
                           int k, int stride, int pad, int depthwise, const int32_t *w,
                           uint64_t seed, int32_t range) {
  ir_proj *p = &n->projs[n->n_projs];
  const ir_pop *s = &n->pops[src], *d = &n->pops[dst];
  p->src = src, p->dst = dst, p->kind = IR_PROJ_CONV, p->name = name;
  p->cout = d->c, p->cin = s->c, p->kh = p->kw = k, p->sh = p->sw = stride;
  p->ph = p->pw = pad, p->depthwise = depthwise;
  p->graded = s->kind == IR_POP_INPUT && s->encoding == IR_ENC_DIRECT;
  p->wq = irb_weights(a, (int64_t)p->cout * (depthwise ? 1 : p->cin) * k * k, w, seed,
                      range, 10);
  return n->n_projs++;
}

static inline int irb_dense(glif_arena *a, ir_net *n, const char *name, int src, int dst,
                            const int32_t *w, uint64_t seed, int32_t range) {
  ir_proj *p = &n->projs[n->n_projs];
  const ir_pop *s = &n->pops[src], *d = &n->pops[dst];
  p->src = src, p->dst = dst, p->kind = IR_PROJ_DENSE, p->name = name;
  p->cout = (int)d->n, p->cin = (int)s->n, p->kh = p->kw = 1, p->sh = p->sw = 1;
  p->graded = s->kind == IR_POP_INPUT && s->encoding == IR_ENC_DIRECT;
  p->wq = irb_weights(a, d->n * s->n, w, seed, range, 10);
  return n->n_projs++;
}

/* Fan-in with parallel copies, per the ir.h definition. */
static inline int64_t irb_fanin(const ir_net *n, int d, int32_t wmax) {
  const ir_pop *pop = &n->pops[d];
  int64_t best = 0;
  for (int64_t j = 0; j < pop->n; j++) {
    int64_t sum = 0;
    const int co = (int)(j / ((int64_t)pop->h * pop->w));
    for (int i = 0; i < n->n_projs; i++) {
      const ir_proj *p = &n->projs[i];
      if (p->dst != d) continue;
      if (p->kind == IR_PROJ_DENSE) {
        for (int64_t s = 0; s < p->cin; s++) sum += lw_copies(p->wq[j * p->cin + s], wmax);
        continue;
      }
      const int cin = p->depthwise ? 1 : p->cin;
      for (int64_t q = 0; q < (int64_t)cin * p->kh * p->kw; q++)
        sum += lw_copies(p->wq[(int64_t)co * cin * p->kh * p->kw + q], wmax);
    }
    if (sum > best) best = sum;
  }
  return best;
}

static inline int irb_cmp_proj(const void *a, const void *b) {
  const ir_proj *x = a, *y = b;
  if (x->dst != y->dst) return x->dst - y->dst;
  return x->name && y->name ? strcmp(x->name, y->name) : 0;
}

/* The schedule rules: relay, offsets, delays (ir.h), for architecture a. */
static inline void irb_schedule(ir_net *n, const glif_arch *a) {
  const int32_t wmax = (int32_t)((1u << (a->weight_bits - 1)) - 1);
  /* stable grouping by destination (insertion order within a destination) */
  for (int i = 1; i < n->n_projs; i++)
    for (int j = i; j > 0 && n->projs[j - 1].dst > n->projs[j].dst; j--) {
      ir_proj t = n->projs[j];
      n->projs[j] = n->projs[j - 1];
      n->projs[j - 1] = t;
    }
  n->max_offset = 0;
  for (int d = 1; d < n->n_pops; d++) {
    ir_pop *p = &n->pops[d];
    p->fanin_axons = irb_fanin(n, d, wmax);
    p->relay = p->fanin_axons > a->axons;
    int most = 0;
    for (int i = 0; i < n->n_projs; i++)
      if (n->projs[i].dst == d && n->pops[n->projs[i].src].offset > most)
        most = n->pops[n->projs[i].src].offset;
    p->offset = 1 + p->relay + most;
    if (p->offset > n->max_offset) n->max_offset = p->offset;
  }
  for (int i = 0; i < n->n_projs; i++) {
    ir_proj *p = &n->projs[i];
    p->dly = n->pops[p->dst].offset - n->pops[p->dst].relay - n->pops[p->src].offset - 1;
  }
  n->n_ticks = n->T + n->max_offset;
}

/* ---- running the back end ------------------------------------------------------- */

typedef struct mt_ctx {
  cc_ctx ctx;
  cc_options opt;
} mt_ctx;

static inline void mt_init(mt_ctx *m, const glif_arch *a, ir_net *net, glif_arena *arena) {
  memset(m, 0, sizeof *m);
  m->opt.place = "rowmajor";
  m->ctx.opt = &m->opt;
  m->ctx.arch = *a;
  m->ctx.arena = arena;
  m->ctx.net = net;
}

/* Runs lower .. `last` (lower, drc, partition, place, route). */
static inline int mt_run(mt_ctx *m, const char *last, glif_err *err) {
  static const struct { const char *name; cc_pass_fn fn; } passes[] = {
      {"lower", cc_pass_lower}, {"drc", cc_pass_drc}, {"partition", cc_pass_partition},
      {"place", cc_pass_place}, {"route", cc_pass_route}, {NULL, NULL}};
  glif_err_clear(err);
  for (int i = 0; passes[i].name; i++) {
    int rc = passes[i].fn(&m->ctx, err);
    if (rc) return rc;
    if (!strcmp(passes[i].name, last)) break;
  }
  return 0;
}

static inline glif_arch mt_arch(uint32_t neurons, uint32_t axons, uint32_t mesh) {
  glif_arch a;
  arch_default(&a);
  a.neurons = neurons;
  a.axons = axons;
  a.mesh_x = a.mesh_y = mesh;
  if (a.lanes > neurons) a.lanes = neurons;
  return a;
}

/* ---- results: spikes per (population, step, neuron), readout membranes ---------- */

typedef struct mt_trace {
  int n_pops, T;
  int64_t n[IRB_MAX_POPS];
  uint8_t *spk[IRB_MAX_POPS];   /* [T * n]: spike of neuron i at step t */
  int32_t *u[IRB_MAX_POPS];     /* [T * n]: membrane after step t */
} mt_trace;

static inline void mt_trace_init(mt_trace *tr, const ir_net *net) {
  memset(tr, 0, sizeof *tr);
  tr->n_pops = net->n_pops;
  tr->T = net->T;
  for (int p = 1; p < net->n_pops; p++) {
    tr->n[p] = net->pops[p].n;
    tr->spk[p] = calloc((size_t)(net->T * tr->n[p]), 1);
    tr->u[p] = calloc((size_t)(net->T * tr->n[p]), sizeof(int32_t));
  }
}

static inline void mt_trace_free(mt_trace *tr) {
  for (int p = 0; p < IRB_MAX_POPS; p++) free(tr->spk[p]), free(tr->u[p]);
}

static inline int64_t mt_trace_diff(const mt_trace *a, const mt_trace *b) {
  int64_t diff = 0;
  for (int p = 1; p < a->n_pops; p++)
    for (int64_t i = 0; i < a->T * a->n[p]; i++)
      diff += a->spk[p][i] != b->spk[p][i] || a->u[p][i] != b->u[p][i];
  return diff;
}

static inline int64_t mt_trace_spikes(const mt_trace *a) {
  int64_t s = 0;
  for (int p = 1; p < a->n_pops; p++)
    for (int64_t i = 0; i < a->T * a->n[p]; i++) s += a->spk[p][i];
  return s;
}

/* ---- reference on ir_net -------------------------------------------------------- */

/* Input of source neuron s at step t: spike (0/1) or graded payload. */
static inline int64_t mt_ref_src(const ir_net *net, const mt_trace *tr,
                                    const int32_t *input, int src, int64_t s, int t) {
  const ir_pop *p = &net->pops[src];
  if (src == 0)
    return p->encoding == IR_ENC_DIRECT ? input[s] : input[(int64_t)t * p->n + s];
  return tr->spk[src][(int64_t)t * p->n + s];
}

static inline int64_t mt_ref_conv(const ir_net *net, const ir_proj *p, const mt_trace *tr,
                               const int32_t *input, int64_t j, int t) {
  const ir_pop *s = &net->pops[p->src], *d = &net->pops[p->dst];
  const int co = (int)(j / ((int64_t)d->h * d->w)), oy = (int)(j / d->w % d->h),
            ox = (int)(j % d->w);
  int64_t sum = 0;
  for (int ci = p->depthwise ? co : 0; ci < (p->depthwise ? co + 1 : p->cin); ci++)
    for (int ky = 0; ky < p->kh; ky++)
      for (int kx = 0; kx < p->kw; kx++) {
        const int sy = oy * p->sh - p->ph + ky, sx = ox * p->sw - p->pw + kx;
        if (sy < 0 || sx < 0 || sy >= s->h || sx >= s->w) continue;
        const int64_t v = mt_ref_src(net, tr, input, p->src, ((int64_t)ci * s->h + sy) * s->w + sx, t);
        const int64_t w = lw_conv_w(p, co, ci, ky, kx);
        sum += p->graded ? w * v : (v ? w * ((int64_t)1 << d->shift[co]) : 0);
      }
  return sum;
}

static inline int64_t mt_ref_dense(const ir_net *net, const ir_proj *p, const mt_trace *tr,
                                const int32_t *input, int64_t j, int t) {
  const ir_pop *d = &net->pops[p->dst];
  const int co = (int)(j / ((int64_t)d->h * d->w));
  int64_t sum = 0;
  for (int64_t s = 0; s < p->cin; s++) {
    const int64_t v = mt_ref_src(net, tr, input, p->src, s, t), w = p->wq[j * p->cin + s];
    sum += p->graded ? w * v : (v ? w * ((int64_t)1 << d->shift[co]) : 0);
  }
  return sum;
}

/* input: direct: payload per element; spikes: [T][n] 0/1. */
static inline void mt_ref_run(const ir_net *net, const glif_arch *a, const int32_t *input,
                           mt_trace *tr) {
  const nrn_widths wd = arch_nrn_widths(a);
  mt_trace_init(tr, net);
  for (int d = 1; d < net->n_pops; d++) {
    const ir_pop *pop = &net->pops[d];
    nrn_state *st = calloc((size_t)pop->n, sizeof *st);
    for (int t = 0; t < net->T; t++)
      for (int64_t j = 0; j < pop->n; j++) {
        int64_t x = 0;
        for (int i = 0; i < net->n_projs; i++) {
          const ir_proj *p = &net->projs[i];
          if (p->dst != d) continue;
          x += p->kind == IR_PROJ_CONV ? mt_ref_conv(net, p, tr, input, j, t)
                                       : mt_ref_dense(net, p, tr, input, j, t);
        }
        const int co = (int)(j / ((int64_t)pop->h * pop->w));
        nrn_param prm = pop->q[co].p;
        prm.g = pop->q[co].g[t];
        nrn_event ev = {(int32_t)nrn_sat(x, a->acc_bits)};
        nrn_out o = nrn_step(&prm, st[j], ev, wd);
        st[j] = o.next;
        tr->spk[d][(int64_t)t * pop->n + j] = pop->kind == NRN_SPIKING && o.emit;
        tr->u[d][(int64_t)t * pop->n + j] = o.next.u;
      }
    free(st);
  }
}

/* ---- functional executor of an image ------------------------------------------- */

typedef struct fx_core {
  int64_t *acc;     /* [D * n] */
  nrn_state *st;    /* [n] */
} fx_core;

typedef struct fx_stats {
  int64_t packets, flag_mismatch, host_packets;
} fx_stats;

static inline void fx_deliver(const img_image *img, fx_core *cores, const int32_t *index,
                              const img_fanout *e, int64_t payload, int graded, int h,
                              fx_stats *fs) {
  const int32_t ci = index[e->y * img->arch.mesh_x + e->x];
  const img_core *c = &img->cores[ci];
  const uint32_t D = img->arch.delay_slots;
  int64_t *acc = cores[ci].acc + (size_t)((h + 1 + e->delay) % D) * c->n_neurons;
  fs->packets++;
  if (((c->axon_flags[e->axon] & IMG_AXON_GRADED) != 0) != graded) fs->flag_mismatch++;
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const int64_t w = c->crossbar[(size_t)e->axon * c->n_neurons + j];
    if (!w) continue;
    const int64_t add = graded ? w * payload : w * ((int64_t)1 << c->groups[c->neurons[j].group].shift);
    acc[j] = nrn_sat(acc[j] + add, img->arch.acc_bits);
  }
}

static inline void fx_host(const img_image *img, fx_core *cores, const int32_t *index,
                           const int32_t *input, int h, fx_stats *fs) {
  const img_input *in = &img->input;
  if (h >= (int)img->T) return;
  for (uint32_t i = 0; i < in->n_inputs; i++) {
    const int64_t v = in->encoding == IMG_ENC_DIRECT ? input[i] : input[(int64_t)h * in->n_inputs + i];
    if (!v) continue;
    for (uint32_t e = in->offsets[i]; e < in->offsets[i + 1]; e++) {
      fs->host_packets++;
      fx_deliver(img, cores, index, &in->entries[e], v, in->encoding == IMG_ENC_DIRECT, h, fs);
    }
  }
}

/* Maps image NET layer index -> ir population index (relays: -1). */
static inline void fx_step_core(const img_image *img, fx_core *cores, const int32_t *index,
                                int ci, int h, const int *layer_pop, mt_trace *tr,
                                fx_stats *fs) {
  const img_core *c = &img->cores[ci];
  const nrn_widths wd = arch_nrn_widths(&img->arch);
  const uint32_t D = img->arch.delay_slots;
  for (uint32_t j = 0; j < c->n_neurons; j++) {
    const img_group *g = &c->groups[c->neurons[j].group];
    if (h < (int)g->first_tick || h >= (int)(g->first_tick + img->T)) continue;
    const int t = h - (int)g->first_tick;
    int64_t *slot = cores[ci].acc + (size_t)(h % D) * c->n_neurons + j;
    nrn_param p = g->p;
    p.g = g->gain[t];
    nrn_event ev = {(int32_t)*slot};
    *slot = 0;
    nrn_out o = nrn_step(&p, cores[ci].st[j], ev, wd);
    cores[ci].st[j] = o.next;
    const int pop = layer_pop[c->symbols[j].layer];
    if (pop > 0) {
      tr->spk[pop][(int64_t)t * tr->n[pop] + c->symbols[j].index] = p.kind == NRN_SPIKING && o.emit;
      tr->u[pop][(int64_t)t * tr->n[pop] + c->symbols[j].index] = o.next.u;
    }
    if (!o.emit) continue;
    const int64_t payload = p.kind == NRN_RELAY ? o.payload : 1;
    for (uint32_t e = 0; e < c->neurons[j].fanout_count; e++) {
      const img_fanout *f = &c->fanout[c->neurons[j].fanout_start + e];
      fx_deliver(img, cores, index, f, payload, (f->flags & IMG_FAN_GRADED) != 0, h, fs);
    }
  }
}

/* Runs the image; layer_pop[l] = ir population of NET layer l (-1 for relays). */
static inline void fx_run(const img_image *img, const ir_net *net, const int *layer_pop,
                          const int32_t *input, mt_trace *tr, fx_stats *fs) {
  const uint32_t D = img->arch.delay_slots;
  int32_t *index = malloc((size_t)img->arch.mesh_x * img->arch.mesh_y * sizeof *index);
  fx_core *cores = calloc(img->n_cores, sizeof *cores);
  memset(fs, 0, sizeof *fs);
  mt_trace_init(tr, net);
  for (uint32_t i = 0; i < img->n_cores; i++) {
    index[img->cores[i].y * img->arch.mesh_x + img->cores[i].x] = (int32_t)i;
    cores[i].acc = calloc((size_t)D * img->cores[i].n_neurons, sizeof(int64_t));
    cores[i].st = calloc(img->cores[i].n_neurons, sizeof(nrn_state));
  }
  for (int h = 0; h < (int)img->n_ticks; h++) {
    fx_host(img, cores, index, input, h, fs);
    for (uint32_t i = 0; i < img->n_cores; i++)
      fx_step_core(img, cores, index, (int)i, h, layer_pop, tr, fs);
  }
  for (uint32_t i = 0; i < img->n_cores; i++) free(cores[i].acc), free(cores[i].st);
  free(cores);
  free(index);
}

/* NET layer -> ir population, from the lowered net. */
static inline void mt_layer_pops(const lw_net *n, int *layer_pop) {
  for (int i = 0; i < n->n_layers; i++)
    layer_pop[i] = n->layers[i].kind == NRN_RELAY ? -1 : n->layers[i].pop;
}

#endif /* GLIF_MAPPING_TEST_H */
