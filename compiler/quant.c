/*
 * quant.c - the quantise pass: float folded network -> fixed-point parameters
 * (DESIGN section 2; the method, its guarantee and a worked example are in
 * docs/quantisation.md).
 *
 * Pipeline position: load -> check -> fold -> QUANTISE -> schedule.
 *
 * Per output channel c of every population:
 *   s_c  weight scale = max |w| over the conv/dense (not depthwise) weights into c,
 *        / (2^(W-1) - 1); only depthwise weights: over those; all zero: from the
 *        threshold (or |bias|), so that theta stays representable
 *   w_q  = round(w / s_c), halves away from zero; NOT clipped to W bits (lowering
 *        splits a larger weight over parallel synapses)
 *   M_c  binary sources: the largest M in [0, shift_max] such that
 *        (a) sum over the channel's inputs of |w_q| * 2^M <= 2^(A-1) - 1, so no partial
 *            sum of the accumulator can saturate, whatever the packet order;
 *        (b) the worst-case membrane over T steps fits V bits;
 *        (c) theta, d, r fit V bits and the bias fits A bits;
 *        graded (direct input) sources: M = 0 and (a) with |w_q| * (2^(P_in-1) - 1)
 *   unit_c  float value of one membrane LSB: s_c / 2^M (binary), s_c * in_scale (graded)
 * then nrn_quantise() per channel. With --calibrate, the fixed and float golden models
 * run side by side over the calibration set and each population records how well they
 * agree (ir_qstats).
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "compile.h"
#include "front.h"
#include "reference.h"

typedef struct quant {
  cc_ctx *ctx;
  glif_err *err;
  ir_net *net;
  nrn_widths w;
  int64_t wmax;   /* 2^(W-1) - 1 */
  int64_t amax;   /* 2^(A-1) - 1 */
  int64_t vmax;   /* 2^(V-1) - 1 */
  int64_t pmax;   /* 2^(P_in-1) - 1 */
} quant;

static int oom(quant *q) {
  return glif_errf(q->err, GLIF_ENOMEM, NULL, 0, 0, "out of memory quantising");
}

static int fail_pop(quant *q, const ir_pop *p, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_pop(quant *q, const ir_pop *p, int code, const char *fmt, ...) {
  const ir_model *m = q->net->model;
  const ir_pos pos = m->layers[p->layer].pos;
  va_list ap;
  va_start(ap, fmt);
  glif_verrf(q->err, code, m->path, pos.line, pos.col, fmt, ap);
  va_end(ap);
  return code;
}

static int64_t proj_weights(const ir_proj *j) {
  if (j->kind == IR_PROJ_DENSE) return (int64_t)j->cout * j->cin;
  return (int64_t)j->cout * (j->depthwise ? 1 : j->cin) * j->kh * j->kw;
}

/* Target channel of weight k of projection j. */
static int channel_of(const ir_proj *j, const ir_pop *d, int64_t k) {
  if (j->kind == IR_PROJ_DENSE) return (int)(k / j->cin / ((int64_t)d->h * d->w));
  return (int)(k / (proj_weights(j) / j->cout));
}

/* ---- the input ------------------------------------------------------------------ */

static int quant_input(quant *q) {
  ir_pop *in = &q->net->pops[0];
  const ir_layer *l = &q->net->model->layers[in->layer];
  if (in->encoding == IR_ENC_SPIKES) {
    in->in_scale = 1.0, in->payload_bits = 0; /* binary spikes, no payload */
    return 0;
  }
  const cc_calib *cal = &q->ctx->calib;
  double range = l->range; /* the model's declared range wins over calibration */
  if (range == 0 && cal->data) {
    for (int64_t i = 0; i < cal->n_samples * cal->sample_size; i++)
      range = fabs(cal->data[i]) > range ? fabs(cal->data[i]) : range;
    if (range == 0)
      return glif_errf(q->err, GLIF_ERANGE, q->ctx->opt->calibrate_path, 0, 0,
                       "every calibration value is 0, so the input range is 0 - give "
                       "real calibration inputs or 'range' on input layer '%s'", l->name);
  }
  if (range == 0)
    return fail_pop(q, in, GLIF_EMISSING, "input layer '%s' is direct-encoded but has no "
                    "'range' and no calibration set was given: the input payload scale "
                    "cannot be chosen - add 'range: R' (the largest |input|) or pass "
                    "--calibrate X.npy", l->name);
  in->payload_bits = (int)q->ctx->arch.payload_in_bits;
  in->in_scale = range / (double)q->pmax;
  if (l->range == 0) { /* say where the scale came from (the compile summary shows notes) */
    glif_err *n = &q->ctx->notes;
    const size_t len = strlen(n->msg);
    snprintf(n->msg + len, sizeof n->msg - len, "%sinput '%s': range %.9g taken from the "
             "calibration set (the model has no 'range')", len ? "\n" : "", l->name, range);
  }
  return 0;
}

/* ---- scales and quantised weights ------------------------------------------------ */

/* max |w| into each channel of pop d over projections with depthwise == dw. */
static void max_weights(const ir_net *n, int dst, int dw, double *mx) {
  const ir_pop *d = &n->pops[dst];
  for (int i = 0; i < n->n_projs; i++) {
    const ir_proj *j = &n->projs[i];
    if (j->dst != dst || (j->kind == IR_PROJ_CONV && j->depthwise) != dw) continue;
    const int64_t nw = proj_weights(j);
    for (int64_t k = 0; k < nw; k++) {
      const int c = channel_of(j, d, k);
      mx[c] = fabs(j->wf[k]) > mx[c] ? fabs(j->wf[k]) : mx[c];
    }
  }
}

/* s_c from the channel's conv/dense weights; a channel without any takes its
 * depthwise (BN-shortcut) weights; one with no weight at all its threshold (or |bias|,
 * for a readout), which then sits at 2^(W-1)-1 weight LSBs: representable at any M. */
static int choose_scales(quant *q, int dst, ir_pop *p) {
  double *dense = glif_arena_array(q->ctx->arena, (size_t)p->c, sizeof(double));
  double *dw = glif_arena_array(q->ctx->arena, (size_t)p->c, sizeof(double));
  if (!dense || !dw) return oom(q);
  max_weights(q->net, dst, 0, dense);
  max_weights(q->net, dst, 1, dw);
  for (int c = 0; c < p->c; c++) {
    double m = dense[c] > 0 ? dense[c] : dw[c];
    if (m == 0)
      m = p->coef[c].theta > 0 ? p->coef[c].theta : fabs(p->bias[c]) > 0 ? fabs(p->bias[c]) : 1.0;
    p->wscale[c] = m / (double)q->wmax;
  }
  return 0;
}

static int quantise_weights(quant *q, int dst, const ir_pop *p) {
  for (int i = 0; i < q->net->n_projs; i++) {
    ir_proj *j = &q->net->projs[i];
    if (j->dst != dst) continue;
    const int64_t nw = proj_weights(j);
    j->wq = glif_arena_array(q->ctx->arena, (size_t)nw, sizeof(int32_t));
    if (!j->wq) return oom(q);
    for (int64_t k = 0; k < nw; k++) {
      const int c = channel_of(j, p, k);
      const double v = front_round(j->wf[k] / p->wscale[c]);
      if (fabs(v) > (double)q->amax)
        return fail_pop(q, p, GLIF_ERANGE, "'%s' channel %d: weight %.9g of projection %s "
                        "is %.9g LSBs of the channel's scale %.9g, beyond the %d-bit "
                        "accumulator - the branches into this channel differ too much in "
                        "magnitude; rescale them or widen acc_bits", p->name, c, j->wf[k],
                        j->name, v, p->wscale[c], q->w.a_bits);
      j->wq[k] = (int32_t)v;
    }
  }
  return 0;
}

/* Worst-case sum of |w_q| into one neuron of each channel (parallel inputs of all
 * projections; for a conv the interior neuron, which sees every tap). */
static int worst_sums(quant *q, int dst, const ir_pop *p, int64_t *sum) {
  const int64_t hw = (int64_t)p->h * p->w;
  int64_t *row = NULL;
  for (int i = 0; i < q->net->n_projs; i++) {
    const ir_proj *j = &q->net->projs[i];
    if (j->dst != dst) continue;
    const int64_t nw = proj_weights(j), per = nw / j->cout;
    if (j->kind == IR_PROJ_CONV) {
      for (int64_t k = 0; k < nw; k++) sum[k / per] += j->wq[k] < 0 ? -(int64_t)j->wq[k] : j->wq[k];
      continue;
    }
    if (!row && !(row = glif_arena_array(q->ctx->arena, (size_t)p->c, sizeof *row))) return oom(q);
    memset(row, 0, (size_t)p->c * sizeof *row);
    for (int64_t o = 0; o < j->cout; o++) { /* dense: the largest row of each channel */
      int64_t r = 0;
      for (int64_t k = 0; k < j->cin; k++) r += llabs((long long)j->wq[o * j->cin + k]);
      row[o / hw] = r > row[o / hw] ? r : row[o / hw];
    }
    for (int c = 0; c < p->c; c++) sum[c] += row[c];
  }
  return 0;
}

/* ---- shift, unit and the neuron parameters ---------------------------------------- */

/* Worst-case |u| over T steps (membrane units) when the accumulator is within
 * +-acc: |u_t| <= max(k,ks)|u_{t-1}| + |d| + |r| + g_t (|acc| + |bias|), plus one LSB
 * per rounded multiplication. The bias addition saturates at A bits. */
static double membrane_bound(const quant *q, const nrn_qgroup *g, int T, int64_t acc) {
  const double one = (double)((int64_t)1 << q->w.f_bits);
  const double k = (double)(g->p.k > g->p.ks ? g->p.k : g->p.ks) / one;
  double x = (double)acc + fabs((double)g->p.bias), u = 0, worst = 0;
  if (x > (double)q->amax + 1) x = (double)q->amax + 1;
  for (int t = 0; t < T; t++) {
    u = k * u + 1 + fabs((double)g->p.d) + fabs((double)g->p.r) + (double)g->g[t] / one * x + 1;
    worst = u > worst ? u : worst;
  }
  return worst;
}

/* One candidate shift: 0 if (a), (b) and (c) hold; fills grp and the bounds. */
static int try_shift(quant *q, const ir_pop *p, int c, double unit, int64_t acc,
                     nrn_qgroup *grp, double *mem, glif_err *why) {
  double g[32];
  for (int t = 0; t < q->net->T; t++) g[t] = p->gain[(int64_t)t * p->c + c];
  int rc = nrn_quantise(&p->coef[c], g, q->net->T, p->bias[c], unit, p->kind, q->w, grp,
                        why); /* (c) */
  if (rc) return rc;
  if (acc > q->amax) return GLIF_EFIT; /* (a) */
  *mem = membrane_bound(q, grp, q->net->T, acc);
  return *mem > (double)q->vmax ? GLIF_EFIT : 0; /* (b) */
}

static int bits_for(double v) {
  int b = 1;
  while (b < 62 && (double)(((int64_t)1 << (b - 1)) - 1) < v) b++;
  return b;
}

/* Explains why not even M = 0 works. */
static int no_shift_fits(quant *q, const ir_pop *p, int c, int graded, int64_t sum,
                         int64_t acc, double mem, int rc, const glif_err *why) {
  if (acc > q->amax)
    return fail_pop(q, p, GLIF_EFIT, "'%s' channel %d: the worst-case accumulator is %"
                    PRId64 " (sum of |w_q| = %" PRId64 "%s) even with shift M = 0, beyond "
                    "the %d-bit accumulator (max %" PRId64 ") - use an architecture with "
                    "acc_bits >= %d, or reduce the fan-in of this layer", p->name, c, acc,
                    sum, graded ? " times the largest input payload" : "", q->w.a_bits,
                    q->amax, bits_for((double)acc));
  if (rc == GLIF_EFIT)
    return fail_pop(q, p, GLIF_EFIT, "'%s' channel %d: the worst-case membrane over the "
                    "%d steps is %.0f units even with shift M = 0, beyond the %d-bit "
                    "membrane (max %" PRId64 ") - use membrane_bits >= %d", p->name, c,
                    q->net->T, mem, q->w.v_bits, q->vmax, bits_for(mem));
  return fail_pop(q, p, rc, "'%s' channel %d: %s", p->name, c, why->msg);
}

static int quant_channel(quant *q, ir_pop *p, int c, int graded, int64_t sum) {
  const int top = graded ? 0 : (int)q->ctx->arch.shift_max;
  glif_err why;
  double mem = 0;
  int rc = GLIF_EFIT;
  int64_t acc = 0;
  for (int m = top; m >= 0; m--) {
    const double unit = graded ? p->wscale[c] * q->net->pops[0].in_scale
                               : p->wscale[c] / (double)((int64_t)1 << m);
    acc = graded ? sum * q->pmax : sum << m;
    glif_err_clear(&why);
    rc = try_shift(q, p, c, unit, acc, &p->q[c], &mem, &why);
    if (rc == GLIF_ENOMEM) return oom(q);
    if (rc) continue;
    p->shift[c] = m, p->unit[c] = unit;
    ir_qstats *s = &p->stats;
    s->acc_worst = acc > s->acc_worst ? acc : s->acc_worst;
    s->mem_worst = (int64_t)mem > s->mem_worst ? (int64_t)mem : s->mem_worst;
    return 0;
  }
  return no_shift_fits(q, p, c, graded, sum, acc, mem, rc, &why);
}

/* 1 if every projection into dst is graded, 0 if none is; refuses a mix. */
static int graded_inputs(quant *q, int dst, const ir_pop *p, int *graded) {
  int g = 0, b = 0;
  for (int i = 0; i < q->net->n_projs; i++)
    if (q->net->projs[i].dst == dst) *(q->net->projs[i].graded ? &g : &b) += 1;
  if (g && b)
    return fail_pop(q, p, GLIF_EUNSUPPORTED, "'%s' adds the real-valued (direct-encoded) "
                    "input to spikes of other layers: the two need different membrane "
                    "units (graded payloads carry the input scale, binary spikes a shift "
                    "M), so one neuron cannot take both - feed the input through its own "
                    "glif layer first", p->name);
  *graded = g > 0;
  return 0;
}

static int quant_pop(quant *q, int dst) {
  ir_pop *p = &q->net->pops[dst];
  glif_arena *a = q->ctx->arena;
  int graded = 0;
  int rc = graded_inputs(q, dst, p, &graded);
  if (rc) return rc;
  p->wscale = glif_arena_array(a, (size_t)p->c, sizeof(double));
  p->unit = glif_arena_array(a, (size_t)p->c, sizeof(double));
  p->shift = glif_arena_array(a, (size_t)p->c, sizeof(int));
  p->q = glif_arena_array(a, (size_t)p->c, sizeof(nrn_qgroup));
  int64_t *sum = glif_arena_array(a, (size_t)p->c, sizeof(int64_t));
  if (!p->wscale || !p->unit || !p->shift || !p->q || !sum) return oom(q);
  memset(&p->stats, 0, sizeof p->stats);
  if ((rc = choose_scales(q, dst, p)) || (rc = quantise_weights(q, dst, p)) ||
      (rc = worst_sums(q, dst, p, sum)))
    return rc;
  for (int c = 0; c < p->c; c++)
    if ((rc = quant_channel(q, p, c, graded, sum[c]))) return rc;
  ir_qstats *s = &p->stats;
  s->wscale_min = s->wscale_max = p->wscale[0];
  s->shift_min = s->shift_max = p->shift[0];
  for (int c = 1; c < p->c; c++) {
    s->wscale_min = p->wscale[c] < s->wscale_min ? p->wscale[c] : s->wscale_min;
    s->wscale_max = p->wscale[c] > s->wscale_max ? p->wscale[c] : s->wscale_max;
    s->shift_min = p->shift[c] < s->shift_min ? p->shift[c] : s->shift_min;
    s->shift_max = p->shift[c] > s->shift_max ? p->shift[c] : s->shift_max;
  }
  return 0;
}

/* ---- calibration: fixed vs float on real inputs -------------------------------------- */

/* Size of the symmetric difference of two ascending lists. */
static uint64_t spike_mismatch(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb) {
  uint64_t diff = 0;
  uint32_t i = 0, k = 0;
  while (i < na && k < nb) {
    if (a[i] == b[k]) i++, k++;
    else if (a[i] < b[k]) i++, diff++;
    else k++, diff++;
  }
  return diff + (na - i) + (nb - k);
}

typedef struct agree {
  uint64_t mismatch;
  double sq; /* sum of (u_fixed * unit - u_float)^2 */
} agree;

static void compare_step(const ref_model *fx, const ref_model *fl, const ir_net *n, int t,
                         agree *ag) {
  for (int i = 1; i < n->n_pops; i++) {
    const ir_pop *p = &n->pops[i];
    uint32_t na, nb;
    const uint32_t *a = ref_spikes(fx, i, t, &na), *b = ref_spikes(fl, i, t, &nb);
    ag[i].mismatch += spike_mismatch(a, na, b, nb);
    const int32_t *ui = ref_u_fixed(fx, i);
    const double *ud = ref_u_float(fl, i);
    const int64_t hw = (int64_t)p->h * p->w;
    for (int64_t j = 0; j < p->n; j++) {
      const double e = ui[j] * p->unit[j / hw] - ud[j];
      ag[i].sq += e * e;
    }
  }
}

static int run_calibration(quant *q, ref_model *fx, ref_model *fl, agree *ag) {
  const cc_calib *cal = &q->ctx->calib;
  for (int64_t k = 0; k < cal->n_samples; k++) {
    const double *x = cal->data + k * cal->sample_size;
    int rc = ref_begin(fx, x, q->err);
    if (!rc) rc = ref_begin(fl, x, q->err);
    for (int t = 1; !rc && t <= q->net->T; t++) {
      if (!(rc = ref_step(fx, q->err)) && !(rc = ref_step(fl, q->err)))
        compare_step(fx, fl, q->net, t, ag);
    }
    if (rc) {
      char why[512];
      snprintf(why, sizeof why, "%.500s", q->err->msg);
      return glif_errf(q->err, rc, q->ctx->opt->calibrate_path, 0, 0,
                       "calibration sample %" PRId64 ": %s", k, why);
    }
  }
  return 0;
}

static void fill_measured(quant *q, const ref_model *fx, const agree *ag) {
  const double samples = (double)q->ctx->calib.n_samples;
  for (int i = 1; i < q->net->n_pops; i++) {
    ir_pop *p = &q->net->pops[i];
    const ref_stats *st = ref_pop_stats(fx, i);
    const double cells = (double)p->n * q->net->T * samples;
    p->stats.calibrated = 1;
    p->stats.spike_agreement = 1.0 - (double)ag[i].mismatch / cells;
    p->stats.membrane_rmse = sqrt(ag[i].sq / cells);
    p->stats.acc_seen = st->acc_max;
    p->stats.mem_seen = st->mem_max;
    p->stats.saturations = st->acc_sat + st->bias_sat + st->mem_sat;
  }
}

static int calibrate(quant *q) {
  ref_model *fx = NULL, *fl = NULL;
  agree *ag = glif_arena_array(q->ctx->arena, (size_t)q->net->n_pops, sizeof *ag);
  if (!ag) return oom(q);
  int rc = ref_create(&fx, q->net, &q->ctx->arch, REF_FIXED, q->err);
  if (!rc) rc = ref_create(&fl, q->net, &q->ctx->arch, REF_FLOAT, q->err);
  if (!rc) rc = run_calibration(q, fx, fl, ag);
  if (!rc) fill_measured(q, fx, ag);
  ref_destroy(fx);
  ref_destroy(fl);
  return rc;
}

int cc_pass_quantise(cc_ctx *ctx, glif_err *err) {
  if (!ctx->net) return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "quantise before fold");
  const glif_arch *a = &ctx->arch;
  quant q = {ctx, err, ctx->net, arch_nrn_widths(a),
             ((int64_t)1 << (a->weight_bits - 1)) - 1,
             ((int64_t)1 << (a->acc_bits - 1)) - 1,
             ((int64_t)1 << (a->membrane_bits - 1)) - 1,
             ((int64_t)1 << (a->payload_in_bits - 1)) - 1};
  int rc = quant_input(&q);
  for (int i = 1; !rc && i < ctx->net->n_pops; i++) rc = quant_pop(&q, i);
  if (!rc && ctx->calib.data) rc = calibrate(&q);
  return rc;
}
