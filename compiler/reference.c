/*
 * reference.c - the golden model of reference.h: ir_net run logical step by logical
 * step, fixed point (the chip's arithmetic) or float64 (the trained model).
 *
 * Pipeline position: after quantise (fixed) or fold (float); used by `glif reference`,
 * by the quantiser's calibration report and by the simulator's bit-exactness tests.
 *
 * Speed: a ResNet-19 step touches ~2e9 synapses if computed densely, so the model only
 * visits what a spike touches. Projections are scattered from the list of sources that
 * spiked at step t; weights are stored transposed so that one source tap updates all
 * output channels of one output pixel, contiguous in an accumulator laid out
 * [y][x][channel] (HWC), in a loop the compiler vectorises. In fixed mode the weights
 * are pre-shifted (w_q << M of the target channel) once, at ref_create. A direct-encoded
 * input is the same at every step, so its (dense) contribution is computed at step 1
 * and reused. The neuron update then walks neurons in index order (channel-major),
 * which makes spike lists come out sorted.
 */
#include "reference.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "front.h"

typedef struct rproj {
  const ir_proj *j;
  const ir_pop *s, *d;
  int32_t *wi;        /* fixed: transposed, pre-shifted weights (layout: see make_weights) */
  double *wd;         /* float: the same layout, float folded weights */
  int64_t *cache_i;   /* graded (direct input) contribution to the target, HWC */
  double *cache_d;
  int cached;         /* cache valid for the current sample */
} rproj;

typedef struct rpop {
  const ir_pop *p;
  int64_t n;
  int32_t *u;          /* fixed membranes [n] */
  double *uf;          /* float membranes [n] */
  uint8_t *s;          /* spike of the previous step [n] */
  uint32_t *spk;       /* spike lists: step t at spk + (t-1)*n (input direct: one list) */
  uint32_t cnt[32];    /* list lengths per step */
  uint64_t total;      /* spikes this sample */
  int *in;             /* indices of the projections into this population */
  int n_in;
  ref_stats st;
} rpop;

struct ref_model {
  const ir_net *net;
  int mode;
  nrn_widths w;
  int T, t;
  rpop *pops;
  rproj *projs;
  int32_t *acc32;      /* shared accumulator, HWC, max n: 32 bits when no sum of a  */
  int64_t *acc64;      /* neuron's inputs can leave 31 bits (the quantiser's case), else 64 */
  double *accd;
  int32_t *payload;    /* input: quantised payloads (direct, fixed) [n] */
  double *xin;         /* input: real values (direct, float) [n] */
  double *out;         /* outputs after step T */
  int64_t n_out;
};

/* ---- creation ------------------------------------------------------------------- */

static int64_t proj_weights(const ir_proj *j) {
  if (j->kind == IR_PROJ_DENSE) return (int64_t)j->cout * j->cin;
  return (int64_t)j->cout * (j->depthwise ? 1 : j->cin) * j->kh * j->kw;
}

/* Position of target neuron o (index order) in the HWC accumulator. */
static int64_t hwc(const ir_pop *d, int64_t o) {
  const int64_t hw = (int64_t)d->h * d->w;
  return (o % hw) * d->c + o / hw;
}

/* Weight k of projection j (its own layout) as the model uses it: fixed w_q shifted by
 * the target channel's M (binary sources), float the folded weight. */
static int weight_of(const ref_model *rm, const rproj *r, int64_t k, int co, int64_t *wi,
                     double *wd) {
  if (rm->mode == REF_FLOAT) return *wd = r->j->wf[k], 0;
  const int m = r->j->graded ? 0 : r->d->shift[co];
  const int64_t v = (int64_t)r->j->wq[k] * ((int64_t)1 << m);
  if (v > INT32_MAX || v < -INT32_MAX) return GLIF_ERANGE;
  return *wi = v, 0;
}

/* Stores weight k at position pos of the transposed array. */
static int put_weight(const ref_model *rm, rproj *r, int64_t k, int co, int64_t pos) {
  int64_t wi = 0;
  double wd = 0;
  int rc = weight_of(rm, r, k, co, &wi, &wd);
  if (rm->mode == REF_FLOAT) r->wd[pos] = wd;
  else r->wi[pos] = (int32_t)wi;
  return rc;
}

/* Layouts: conv [cin][kh][kw][cout]; depthwise as stored [c][kh][kw]; dense
 * [src neuron][target neuron in HWC order]. */
static int make_weights(ref_model *rm, rproj *r) {
  const ir_proj *j = r->j;
  const int64_t n = proj_weights(j), taps = (int64_t)j->kh * j->kw;
  int rc = 0;
  for (int64_t k = 0; !rc && k < n; k++) {
    if (j->kind == IR_PROJ_DENSE) {
      const int64_t o = k / j->cin, i = k % j->cin;
      rc = put_weight(rm, r, k, (int)(o / ((int64_t)r->d->h * r->d->w)), i * j->cout + hwc(r->d, o));
    } else if (j->depthwise) {
      rc = put_weight(rm, r, k, (int)(k / taps), k);
    } else {
      const int64_t co = k / (taps * j->cin), rest = k % (taps * j->cin);
      rc = put_weight(rm, r, k, (int)co, rest * j->cout + co);
    }
  }
  return rc;
}

static int setup_proj(ref_model *rm, rproj *r, const ir_proj *j, glif_err *err) {
  const ir_net *net = rm->net;
  r->j = j, r->s = &net->pops[j->src], r->d = &net->pops[j->dst];
  const int64_t n = proj_weights(j), nd = r->d->n;
  if (rm->mode == REF_FIXED && (!j->wq || !r->d->shift))
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "the fixed-point reference needs a "
                     "quantised network (projection %s has no w_q)", j->name);
  if (rm->mode == REF_FLOAT) {
    r->wd = glif_malloc((size_t)n * sizeof(double));
    if (j->graded) r->cache_d = glif_malloc((size_t)nd * sizeof(double));
    if (!r->wd || (j->graded && !r->cache_d)) goto nomem;
  } else {
    r->wi = glif_malloc((size_t)n * sizeof(int32_t));
    if (j->graded) r->cache_i = glif_malloc((size_t)nd * sizeof(int64_t));
    if (!r->wi || (j->graded && !r->cache_i)) goto nomem;
  }
  if (make_weights(rm, r))
    return glif_errf(err, GLIF_ERANGE, NULL, 0, 0, "projection %s: a weight shifted by "
                     "its channel's M does not fit 31 bits - the network was not "
                     "quantised by this glif", j->name);
  return 0;
nomem:
  return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for the golden model");
}

static int setup_pop(ref_model *rm, int i, glif_err *err) {
  rpop *rp = &rm->pops[i];
  const ir_pop *p = &rm->net->pops[i];
  rp->p = p, rp->n = p->n;
  rp->s = glif_calloc((size_t)p->n, 1);
  rp->spk = glif_malloc((size_t)p->n * (size_t)rm->T * sizeof(uint32_t));
  if (rm->mode == REF_FIXED) rp->u = glif_calloc((size_t)p->n, sizeof(int32_t));
  else rp->uf = glif_calloc((size_t)p->n, sizeof(double));
  rp->in = glif_malloc((size_t)(rm->net->n_projs ? rm->net->n_projs : 1) * sizeof(int));
  if (!rp->s || !rp->spk || !rp->in || (rm->mode == REF_FIXED ? !rp->u : !rp->uf))
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for the golden model");
  for (int k = 0; k < rm->net->n_projs; k++)
    if (rm->net->projs[k].dst == i) rp->in[rp->n_in++] = k;
  if (p->kind == NRN_READOUT) rm->n_out += p->n;
  if (i > 0 && rm->mode == REF_FIXED && !p->q)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "the fixed-point reference needs "
                     "a quantised network (population %s has no parameters)", p->name);
  return 0;
}

/* Largest sum of |pre-shifted weight| into one target (channel or neuron) of r. */
static int64_t worst_row(const rproj *r) {
  const ir_proj *j = r->j;
  const int64_t taps = (int64_t)j->kh * j->kw;
  const int64_t groups = j->cout; /* target channels (conv) or neurons (dense) */
  const int64_t per = j->kind == IR_PROJ_DENSE ? j->cin : j->depthwise ? taps : j->cin * taps;
  int64_t worst = 0;
  for (int64_t o = 0; o < groups; o++) {
    int64_t sum = 0;
    for (int64_t q = 0; q < per; q++) /* the layouts of make_weights */
      sum += llabs((long long)r->wi[j->kind == IR_PROJ_CONV && j->depthwise ? o * taps + q
                                                                             : q * groups + o]);
    worst = sum > worst ? sum : worst;
  }
  return worst;
}

/* 1 when no neuron's sum of |weight x input| can exceed 31 bits: then every partial sum
 * fits an int32 accumulator, which halves the memory traffic of the scatter. The bound
 * adds, over the projections into a population, each one's largest row: an upper bound
 * of any neuron's sum. Always true for a network this quantiser made (its guarantee (a)
 * keeps the sum within A <= 31 bits); a hand-made network may need 64 bits. */
static int narrow_enough(const ref_model *rm) {
  for (int i = 1; i < rm->net->n_pops; i++) {
    int64_t total = 0;
    for (int k = 0; k < rm->pops[i].n_in; k++) {
      const rproj *r = &rm->projs[rm->pops[i].in[k]];
      const int64_t mult = r->j->graded ? ((int64_t)1 << (r->s->payload_bits - 1)) - 1 : 1;
      const int64_t w = worst_row(r);
      if (w > INT32_MAX || (total += w * mult) > INT32_MAX) return 0;
    }
  }
  return 1;
}

static int setup_buffers(ref_model *rm, glif_err *err) {
  int64_t max_n = 1;
  for (int i = 0; i < rm->net->n_pops; i++)
    max_n = rm->net->pops[i].n > max_n ? rm->net->pops[i].n : max_n;
  const int64_t n_in = rm->net->pops[0].n;
  if (rm->mode == REF_FIXED) {
    if (narrow_enough(rm)) rm->acc32 = glif_malloc((size_t)max_n * sizeof(int32_t));
    else rm->acc64 = glif_malloc((size_t)max_n * sizeof(int64_t));
    rm->payload = glif_calloc((size_t)n_in, sizeof(int32_t));
  } else {
    rm->accd = glif_malloc((size_t)max_n * sizeof(double));
    rm->xin = glif_calloc((size_t)n_in, sizeof(double));
  }
  rm->out = glif_calloc((size_t)(rm->n_out ? rm->n_out : 1), sizeof(double));
  if ((rm->mode == REF_FIXED ? (!rm->acc32 && !rm->acc64) || !rm->payload
                             : !rm->accd || !rm->xin) || !rm->out)
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory for the golden model");
  return 0;
}

int ref_create(ref_model **out, const ir_net *net, const glif_arch *arch, int mode,
               glif_err *err) {
  *out = NULL;
  if (!net || net->n_pops < 1 || net->T < 1 || net->T > 32)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "ref_create: no folded network");
  ref_model *rm = glif_calloc(1, sizeof *rm);
  if (!rm) return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  rm->net = net, rm->mode = mode, rm->T = net->T, rm->w = arch_nrn_widths(arch);
  rm->pops = glif_calloc((size_t)net->n_pops, sizeof *rm->pops);
  rm->projs = glif_calloc((size_t)(net->n_projs ? net->n_projs : 1), sizeof *rm->projs);
  int rc = rm->pops && rm->projs ? 0 : glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory");
  for (int i = 0; !rc && i < net->n_pops; i++) rc = setup_pop(rm, i, err);
  for (int k = 0; !rc && k < net->n_projs; k++)
    rc = setup_proj(rm, &rm->projs[k], &net->projs[k], err);
  if (!rc) rc = setup_buffers(rm, err);
  if (rc) ref_destroy(rm);
  else *out = rm;
  return rc;
}

void ref_destroy(ref_model *rm) {
  if (!rm) return;
  for (int i = 0; rm->pops && i < rm->net->n_pops; i++) {
    rpop *rp = &rm->pops[i];
    glif_free(rp->u), glif_free(rp->uf), glif_free(rp->s), glif_free(rp->spk),
        glif_free(rp->in);
  }
  for (int k = 0; rm->projs && k < rm->net->n_projs; k++) {
    rproj *r = &rm->projs[k];
    glif_free(r->wi), glif_free(r->wd), glif_free(r->cache_i), glif_free(r->cache_d);
  }
  glif_free(rm->pops), glif_free(rm->projs), glif_free(rm->acc32), glif_free(rm->acc64);
  glif_free(rm->accd);
  glif_free(rm->payload), glif_free(rm->xin), glif_free(rm->out);
  glif_free(rm);
}

/* ---- input --------------------------------------------------------------------------- */

int32_t ref_input_payload(const ir_pop *in, double x) {
  if (in->payload_bits < 2) return x != 0; /* a spike-encoded input: binary */
  return nrn_payload(x, in->in_scale, (unsigned)in->payload_bits);
}

static int begin_direct(ref_model *rm, const double *x, glif_err *err) {
  rpop *rp = &rm->pops[0];
  uint32_t cnt = 0;
  for (int64_t i = 0; i < rp->n; i++) {
    if (!isfinite(x[i]))
      return glif_errf(err, GLIF_ERANGE, NULL, 0, 0, "input element %" PRId64 " is %s - "
                       "inputs must be finite", i, isnan(x[i]) ? "NaN" : "Inf");
    int nz;
    if (rm->mode == REF_FIXED) nz = (rm->payload[i] = ref_input_payload(rp->p, x[i])) != 0;
    else nz = (rm->xin[i] = x[i]) != 0;
    if (nz) rp->spk[cnt++] = (uint32_t)i;
  }
  for (int t = 0; t < rm->T; t++) rp->cnt[t] = cnt;
  return 0;
}

static int begin_spikes(ref_model *rm, const double *x, glif_err *err) {
  rpop *rp = &rm->pops[0];
  for (int t = 0; t < rm->T; t++) {
    uint32_t cnt = 0, *list = rp->spk + (int64_t)t * rp->n;
    for (int64_t i = 0; i < rp->n; i++) {
      const double v = x[(int64_t)t * rp->n + i];
      if (v != 0 && v != 1)
        return glif_errf(err, GLIF_ERANGE, NULL, 0, 0, "input element %" PRId64 " of step "
                         "%d is %.9g - spike-encoded inputs are 0 or 1", i, t + 1, v);
      if (v == 1) list[cnt++] = (uint32_t)i;
    }
    rp->cnt[t] = cnt;
  }
  return 0;
}

int ref_begin(ref_model *rm, const double *x, glif_err *err) {
  rm->t = 0;
  for (int i = 0; i < rm->net->n_pops; i++) {
    rpop *rp = &rm->pops[i];
    memset(rp->s, 0, (size_t)rp->n);
    if (rp->u) memset(rp->u, 0, (size_t)rp->n * sizeof *rp->u);
    if (rp->uf) memset(rp->uf, 0, (size_t)rp->n * sizeof *rp->uf);
    memset(rp->cnt, 0, sizeof rp->cnt);
    rp->total = 0;
  }
  for (int k = 0; k < rm->net->n_projs; k++) rm->projs[k].cached = 0;
  const ir_pop *in = &rm->net->pops[0];
  return in->encoding == IR_ENC_SPIKES ? begin_spikes(rm, x, err) : begin_direct(rm, x, err);
}

/* ---- scatter: one projection into the accumulator --------------------------------------- */

/* a[0..n) += m * w[0..n). Written in blocks of eight so that the compiler's
 * straight-line vectoriser handles them at -O2 (the loop vectoriser does not). */
#define ROW_ADD(a, w, m, n)                                                        \
  do {                                                                             \
    int64_t k_ = 0;                                                                \
    for (; k_ + 8 <= (n); k_ += 8) {                                               \
      a[k_ + 0] += m * w[k_ + 0], a[k_ + 1] += m * w[k_ + 1];                      \
      a[k_ + 2] += m * w[k_ + 2], a[k_ + 3] += m * w[k_ + 3];                      \
      a[k_ + 4] += m * w[k_ + 4], a[k_ + 5] += m * w[k_ + 5];                      \
      a[k_ + 6] += m * w[k_ + 6], a[k_ + 7] += m * w[k_ + 7];                      \
    }                                                                              \
    for (; k_ < (n); k_++) a[k_] += m * w[k_];                                     \
  } while (0)

/* The fixed-point accumulator: exactly one of the two is set. */
typedef struct accbuf {
  int32_t *a32;
  int64_t *a64;
} accbuf;

static inline void add32(int32_t *restrict a, const int32_t *restrict w, int32_t m, int64_t n) {
  if (m == 1) ROW_ADD(a, w, 1, n);
  else ROW_ADD(a, w, m, n);
}

static inline void add64(int64_t *restrict a, const int32_t *restrict w, int64_t m, int64_t n) {
  if (m == 1) ROW_ADD(a, w, (int64_t)1, n);
  else ROW_ADD(a, w, m, n);
}

/* acc[off .. off+n) += m * w[0..n) */
static inline void row_add(accbuf b, int64_t off, const int32_t *w, int64_t m, int64_t n) {
  if (b.a64) add64(b.a64 + off, w, m, n);
  else add32(b.a32 + off, w, (int32_t)m, n);
}

static inline int64_t acc_at(accbuf b, int64_t i) { return b.a64 ? b.a64[i] : b.a32[i]; }

static inline void madd_d(double *restrict a, const double *restrict w, double m, int64_t n) {
  ROW_ADD(a, w, m, n);
}

/* Output position along one axis reached by tap k from input position i, or -1. */
static inline int out_pos(int i, int pad, int k, int stride, int n_out) {
  const int t = i + pad - k;
  if (t < 0 || t % stride) return -1;
  return t / stride < n_out ? t / stride : -1;
}

static void conv_scatter_i(const rproj *r, accbuf acc, const uint32_t *idx, uint32_t n,
                           const int32_t *pay) {
  const ir_proj *j = r->j;
  const ir_pop *s = r->s, *d = r->d;
  const int C = d->c, hw = s->h * s->w;
  for (uint32_t k = 0; k < n; k++) {
    const int i = (int)idx[k], ci = i / hw, iy = i % hw / s->w, ix = i % s->w;
    const int64_t m = pay ? pay[i] : 1;
    for (int ky = 0; ky < j->kh; ky++) {
      const int oy = out_pos(iy, j->ph, ky, j->sh, d->h);
      for (int kx = 0; oy >= 0 && kx < j->kw; kx++) {
        const int ox = out_pos(ix, j->pw, kx, j->sw, d->w);
        if (ox < 0) continue;
        const int64_t at = ((int64_t)oy * d->w + ox) * C;
        if (j->depthwise)
          row_add(acc, at + ci, r->wi + ((int64_t)ci * j->kh + ky) * j->kw + kx, m, 1);
        else
          row_add(acc, at, r->wi + (((int64_t)ci * j->kh + ky) * j->kw + kx) * C, m, C);
      }
    }
  }
}

static void conv_scatter_d(const rproj *r, double *acc, const uint32_t *idx, uint32_t n,
                           const double *val) {
  const ir_proj *j = r->j;
  const ir_pop *s = r->s, *d = r->d;
  const int C = d->c, hw = s->h * s->w;
  for (uint32_t k = 0; k < n; k++) {
    const int i = (int)idx[k], ci = i / hw, iy = i % hw / s->w, ix = i % s->w;
    const double m = val ? val[i] : 1.0;
    for (int ky = 0; ky < j->kh; ky++) {
      const int oy = out_pos(iy, j->ph, ky, j->sh, d->h);
      for (int kx = 0; oy >= 0 && kx < j->kw; kx++) {
        const int ox = out_pos(ix, j->pw, kx, j->sw, d->w);
        if (ox < 0) continue;
        double *a = acc + ((int64_t)oy * d->w + ox) * C;
        if (j->depthwise) {
          a[ci] += m * r->wd[((int64_t)ci * j->kh + ky) * j->kw + kx];
          continue;
        }
        madd_d(a, r->wd + (((int64_t)ci * j->kh + ky) * j->kw + kx) * C, m, C);
      }
    }
  }
}

static void dense_scatter_i(const rproj *r, accbuf acc, const uint32_t *idx, uint32_t n,
                            const int32_t *pay) {
  const int64_t nd = r->d->n;
  for (uint32_t k = 0; k < n; k++) {
    row_add(acc, 0, r->wi + (int64_t)idx[k] * nd, pay ? pay[idx[k]] : 1, nd);
  }
}

static void dense_scatter_d(const rproj *r, double *acc, const uint32_t *idx, uint32_t n,
                            const double *val) {
  const int64_t nd = r->d->n;
  for (uint32_t k = 0; k < n; k++) {
    madd_d(acc, r->wd + (int64_t)idx[k] * nd, val ? val[idx[k]] : 1.0, nd);
  }
}

/* Adds projection r's contribution at step t to the accumulator. */
static void add_projection(ref_model *rm, rproj *r, int t) {
  const rpop *src = &rm->pops[r->j->src];
  const uint32_t *idx = src->spk + (r->j->graded ? 0 : (int64_t)(t - 1) * src->n);
  const uint32_t n = src->cnt[t - 1];
  const int64_t nd = r->d->n;
  const int dense = r->j->kind == IR_PROJ_DENSE;
  if (rm->mode == REF_FIXED) {
    const accbuf acc = {rm->acc32, rm->acc64}, cache = {NULL, r->cache_i};
    const accbuf dst = r->j->graded ? cache : acc;
    if (!r->j->graded || !r->cached) {
      if (r->j->graded) memset(r->cache_i, 0, (size_t)nd * sizeof *r->cache_i);
      const int32_t *pay = r->j->graded ? rm->payload : NULL;
      if (dense) dense_scatter_i(r, dst, idx, n, pay);
      else conv_scatter_i(r, dst, idx, n, pay);
    }
    for (int64_t o = 0; r->j->graded && o < nd; o++) {
      if (rm->acc64) rm->acc64[o] += r->cache_i[o];
      else rm->acc32[o] += (int32_t)r->cache_i[o];
    }
  } else {
    double *dst = r->j->graded ? r->cache_d : rm->accd;
    if (!r->j->graded || !r->cached) {
      if (r->j->graded) memset(dst, 0, (size_t)nd * sizeof *dst);
      const double *val = r->j->graded ? rm->xin : NULL;
      if (dense) dense_scatter_d(r, dst, idx, n, val);
      else conv_scatter_d(r, dst, idx, n, val);
    }
    if (r->j->graded)
      for (int64_t o = 0; o < nd; o++) rm->accd[o] += r->cache_d[o];
  }
  r->cached = 1;
}

/* ---- the neuron update ---------------------------------------------------------------- */

static void step_fixed(ref_model *rm, rpop *rp, int t) {
  const ir_pop *p = rp->p;
  const int64_t hw = (int64_t)p->h * p->w;
  const int64_t amax = ((int64_t)1 << (rm->w.a_bits - 1)) - 1;
  const int32_t vmax = (int32_t)(((int64_t)1 << (rm->w.v_bits - 1)) - 1);
  uint32_t *list = rp->spk + (int64_t)(t - 1) * rp->n, cnt = 0;
  ref_stats *st = &rp->st;
  const accbuf acc = {rm->acc32, rm->acc64};
  for (int c = 0; c < p->c; c++) {
    nrn_param prm = p->q[c].p;
    prm.g = p->q[c].g[t - 1];
    for (int64_t pix = 0; pix < hw; pix++) {
      const int64_t j = c * hw + pix, a = acc_at(acc, pix * p->c + c);
      const int64_t mag = a < 0 ? -a : a, xb = nrn_sat(a, rm->w.a_bits) + prm.bias;
      st->acc_max = mag > st->acc_max ? mag : st->acc_max;
      st->acc_sat += mag > amax;
      st->bias_sat += xb > amax || xb < -amax - 1;
      nrn_state s0 = {rp->u[j], rp->s[j]};
      nrn_event ev = {(int32_t)nrn_sat(a, rm->w.a_bits)};
      nrn_out o = nrn_step(&prm, s0, ev, rm->w);
      rp->u[j] = o.next.u, rp->s[j] = o.next.s;
      if (o.emit) list[cnt++] = (uint32_t)j;
      const int64_t um = o.next.u < 0 ? -(int64_t)o.next.u : o.next.u;
      st->mem_max = um > st->mem_max ? um : st->mem_max;
      st->mem_sat += o.next.u == vmax || o.next.u == -vmax - 1;
    }
  }
  rp->cnt[t - 1] = cnt, rp->total += cnt, st->spikes += cnt;
}

static void step_float(ref_model *rm, rpop *rp, int t) {
  const ir_pop *p = rp->p;
  const int64_t hw = (int64_t)p->h * p->w;
  uint32_t *list = rp->spk + (int64_t)(t - 1) * rp->n, cnt = 0;
  for (int c = 0; c < p->c; c++) {
    const double g = p->gain[(int64_t)(t - 1) * p->c + c], b = p->bias[c];
    for (int64_t pix = 0; pix < hw; pix++) {
      const int64_t j = c * hw + pix;
      int s;
      rp->uf[j] = nrn_step_float(&p->coef[c], g, p->kind, rp->uf[j], rp->s[j],
                                 rm->accd[pix * p->c + c] + b, &s);
      rp->s[j] = (uint8_t)s;
      if (s) list[cnt++] = (uint32_t)j;
    }
  }
  rp->cnt[t - 1] = cnt, rp->total += cnt, rp->st.spikes += cnt;
}

/* Dequantised outputs after the last step. */
static void collect_outputs(ref_model *rm) {
  int64_t k = 0;
  for (int i = 1; i < rm->net->n_pops; i++) {
    const rpop *rp = &rm->pops[i];
    const ir_pop *p = rp->p;
    if (p->kind != NRN_READOUT) continue;
    const int64_t hw = (int64_t)p->h * p->w;
    for (int64_t j = 0; j < p->n; j++, k++)
      /* u * (unit / T): the dequantisation scale the chip image stores, so the
       * simulator's outputs equal these bit for bit */
      rm->out[k] = rm->mode == REF_FIXED ? rp->u[j] * (p->unit[j / hw] / rm->T)
                                         : rp->uf[j] / rm->T;
  }
}

int ref_step(ref_model *rm, glif_err *err) {
  if (rm->t >= rm->T)
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "ref_step: all %d steps done", rm->T);
  const int t = ++rm->t;
  for (int i = 1; i < rm->net->n_pops; i++) {
    rpop *rp = &rm->pops[i];
    if (rm->acc32) memset(rm->acc32, 0, (size_t)rp->n * sizeof *rm->acc32);
    else if (rm->acc64) memset(rm->acc64, 0, (size_t)rp->n * sizeof *rm->acc64);
    else memset(rm->accd, 0, (size_t)rp->n * sizeof *rm->accd);
    for (int k = 0; k < rp->n_in; k++) add_projection(rm, &rm->projs[rp->in[k]], t);
    if (rm->mode == REF_FIXED) step_fixed(rm, rp, t);
    else step_float(rm, rp, t);
  }
  if (t == rm->T) collect_outputs(rm);
  return 0;
}

int ref_run(ref_model *rm, const double *x, glif_err *err) {
  int rc = ref_begin(rm, x, err);
  while (!rc && rm->t < rm->T) rc = ref_step(rm, err);
  return rc;
}

/* ---- results --------------------------------------------------------------------------- */

int ref_mode_of(const ref_model *rm) { return rm->mode; }
int ref_steps_done(const ref_model *rm) { return rm->t; }

const uint32_t *ref_spikes(const ref_model *rm, int pop, int t, uint32_t *n) {
  *n = 0;
  if (pop < 0 || pop >= rm->net->n_pops || t < 1 || t > rm->t) return NULL;
  const rpop *rp = &rm->pops[pop];
  *n = rp->cnt[t - 1];
  const int shared = pop == 0 && rp->p->encoding == IR_ENC_DIRECT;
  return rp->spk + (shared ? 0 : (int64_t)(t - 1) * rp->n);
}

uint64_t ref_spike_count(const ref_model *rm, int pop) { return rm->pops[pop].total; }
const int32_t *ref_u_fixed(const ref_model *rm, int pop) { return pop ? rm->pops[pop].u : NULL; }
const double *ref_u_float(const ref_model *rm, int pop) { return pop ? rm->pops[pop].uf : NULL; }
int64_t ref_n_outputs(const ref_model *rm) { return rm->n_out; }
const double *ref_outputs(const ref_model *rm) { return rm->out; }

int64_t ref_class(const ref_model *rm) {
  int64_t best = 0;
  for (int64_t k = 1; k < rm->n_out; k++)
    if (rm->out[k] > rm->out[best]) best = k;
  return best;
}

const ref_stats *ref_pop_stats(const ref_model *rm, int pop) { return &rm->pops[pop].st; }

void ref_stats_reset(ref_model *rm) {
  for (int i = 0; i < rm->net->n_pops; i++) memset(&rm->pops[i].st, 0, sizeof(ref_stats));
}

int ref_trace_layers(const ref_model *rm, trace_writer *tw) {
  for (int i = 1; i < rm->net->n_pops; i++) {
    const ir_pop *p = &rm->net->pops[i];
    int rc = trace_layer(tw, p->name, p->kind, (uint32_t)p->n);
    if (rc) return rc;
  }
  return 0;
}

int ref_trace_sample(const ref_model *rm, trace_writer *tw, int64_t sample) {
  int rc = trace_sample_begin(tw, sample);
  for (int i = 1; !rc && i < rm->net->n_pops; i++) {
    const rpop *rp = &rm->pops[i];
    if (rp->p->kind == NRN_READOUT) {
      rc = rm->mode == REF_FIXED ? trace_readout_fixed(tw, i - 1, rp->u, (uint32_t)rp->n)
                                 : trace_readout_float(tw, i - 1, rp->uf, (uint32_t)rp->n);
      continue;
    }
    for (int t = 1; !rc && t <= rm->T; t++) {
      uint32_t n;
      const uint32_t *s = ref_spikes(rm, i, t, &n);
      rc = trace_spikes(tw, i - 1, t, s, n);
    }
  }
  return rc ? rc : trace_sample_end(tw);
}

int64_t ref_sample_size(const ir_net *net) {
  const ir_pop *in = &net->pops[0];
  return in->encoding == IR_ENC_SPIKES ? in->n * net->T : in->n;
}

int ref_input_samples(const ir_net *net, const npy_array *a, const char *path,
                      int64_t *n_samples, glif_err *err) {
  const ir_layer *in = &net->model->layers[net->pops[0].layer];
  return front_input_samples(in, net->T, a, path, n_samples, err);
}
