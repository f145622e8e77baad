/*
 * ir.c - names of the IR's enums and the deterministic text dumps behind
 * `--dump=PASS` (load/check print the model, fold/quantise/schedule the network).
 *
 * Pipeline position: used by every front-end pass for messages and by the driver for
 * dumps. Dumps are for people and for diffing: fixed field order, %.6g floats, and
 * per-channel tables cut to their first and last rows on wide layers (with min/max
 * over all channels), so a ResNet dump stays readable and two dumps diff cleanly.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

static const char *const type_names[IR_LAYER_TYPES] = {
    "input", "conv2d", "linear", "batchnorm", "avgpool2d", "sumpool2d",
    "flatten", "add", "glif", "readout"};

const char *ir_layer_type_name(int type) {
  return type >= 0 && type < IR_LAYER_TYPES ? type_names[type] : "?";
}

int ir_layer_type_from_name(const char *name) {
  for (int t = 0; t < IR_LAYER_TYPES; t++)
    if (!strcmp(type_names[t], name)) return t;
  return -1;
}

/* ---- model dump ---------------------------------------------------------------- */

static void dump_tensor(FILE *out, const char *key, const ir_tensor *t) {
  if (!t->data) return;
  fprintf(out, " %s[", key);
  for (int i = 0; i < t->ndim; i++) fprintf(out, "%s%" PRId64, i ? "," : "", t->shape[i]);
  double lo = t->data[0], hi = t->data[0];
  for (int64_t i = 1; i < t->size; i++) {
    lo = t->data[i] < lo ? t->data[i] : lo;
    hi = t->data[i] > hi ? t->data[i] : hi;
  }
  fprintf(out, "]=%.6g..%.6g", lo, hi);
}

static void dump_attrs(FILE *out, const ir_layer *l) {
  switch (l->type) {
  case IR_INPUT:
    fprintf(out, " encoding=%s range=%.6g",
            l->encoding == IR_ENC_SPIKES ? "spikes" : "direct", l->range);
    break;
  case IR_CONV2D:
    fprintf(out, " stride=%dx%d pad=%dx%d", l->stride[0], l->stride[1], l->padding[0],
            l->padding[1]);
    break;
  case IR_AVGPOOL2D:
  case IR_SUMPOOL2D:
    fprintf(out, " kernel=%dx%d stride=%dx%d", l->kernel[0], l->kernel[1], l->stride[0],
            l->stride[1]);
    break;
  case IR_BATCHNORM:
    fprintf(out, " eps=%.6g scale=%.6g", l->eps, l->scale);
    break;
  default:
    break;
  }
}

void ir_model_dump(const ir_model *m, FILE *out) {
  static const char *const gk[IR_GLIF_PARAMS] = {"alpha", "beta", "gamma", "tau",
                                                 "leak", "reVth", "Vth", "conduct"};
  if (!m) return;
  fprintf(out, "model %s T=%d layers=%d\n", m->name, m->T, m->n_layers);
  for (int i = 0; i < m->n_layers; i++) {
    const ir_layer *l = &m->layers[i];
    fprintf(out, "  %d %s %s", i, l->name, ir_layer_type_name(l->type));
    for (int k = 0; k < l->n_inputs; k++)
      fprintf(out, "%s%s", k ? "," : " <- ", m->layers[l->inputs[k]].name);
    fprintf(out, " out=[%d,%d,%d]", l->c, l->h, l->w);
    dump_attrs(out, l);
    dump_tensor(out, "weight", &l->weight);
    dump_tensor(out, "bias", &l->bias);
    dump_tensor(out, "mean", &l->mean);
    dump_tensor(out, "var", &l->var);
    for (int g = 0; g < IR_GLIF_PARAMS; g++) dump_tensor(out, gk[g], &l->glif[g]);
    fprintf(out, "\n");
  }
}

/* ---- network dump -------------------------------------------------------------- */

#define DUMP_EDGE 4 /* channels printed at each end of a wide population */

static const char *pop_kind(int kind) {
  return kind == IR_POP_INPUT ? "input" : kind == NRN_READOUT ? "readout" : "spiking";
}

static void dump_channel(FILE *out, const ir_pop *p, int T, int c) {
  fprintf(out, "      ch %d: k=%.6g ks=%.6g d=%.6g r=%.6g theta=%.6g bias=%.6g g=",
          c, p->coef[c].k, p->coef[c].ks, p->coef[c].d, p->coef[c].r, p->coef[c].theta,
          p->bias[c]);
  for (int t = 0; t < T; t++) fprintf(out, "%s%.6g", t ? "," : "", p->gain[t * p->c + c]);
  if (p->q) {
    const nrn_qgroup *q = &p->q[c];
    fprintf(out, "\n             s=%.6g M=%d unit=%.6g | k=%u ks=%u d=%d r=%d theta=%d "
            "bias=%d g=", p->wscale[c], p->shift[c], p->unit[c], q->p.k, q->p.ks, q->p.d,
            q->p.r, q->p.theta, q->p.bias);
    for (int t = 0; t < T; t++) fprintf(out, "%s%u", t ? "," : "", q->g[t]);
  }
  fprintf(out, "\n");
}

static void dump_stats(FILE *out, const ir_pop *p) {
  const ir_qstats *s = &p->stats;
  fprintf(out, "    quant: wscale=%.6g..%.6g M=%d..%d acc_worst=%" PRId64
          " mem_worst=%" PRId64 "\n", s->wscale_min, s->wscale_max, s->shift_min,
          s->shift_max, s->acc_worst, s->mem_worst);
  if (s->calibrated)
    fprintf(out, "    calibration: spike_agreement=%.6f membrane_rmse=%.6g acc_seen=%"
            PRId64 " mem_seen=%" PRId64 " saturations=%" PRIu64 "\n",
            s->spike_agreement, s->membrane_rmse, s->acc_seen, s->mem_seen,
            s->saturations);
}

static void dump_pop(FILE *out, const ir_net *n, int i) {
  const ir_pop *p = &n->pops[i];
  fprintf(out, "  pop %d %s %s [%d,%d,%d] n=%" PRId64 " offset=%d relay=%d "
          "fanin_axons=%" PRId64 "\n", i, p->name, pop_kind(p->kind), p->c, p->h, p->w,
          p->n, p->offset, p->relay, p->fanin_axons);
  if (p->kind == IR_POP_INPUT) {
    fprintf(out, "    encoding=%s in_scale=%.6g payload_bits=%d\n",
            p->encoding == IR_ENC_SPIKES ? "spikes" : "direct", p->in_scale,
            p->payload_bits);
    return;
  }
  if (p->q) dump_stats(out, p);
  for (int c = 0; c < p->c; c++) {
    if (c == DUMP_EDGE && p->c > 2 * DUMP_EDGE) {
      fprintf(out, "      ... %d more channels\n", p->c - 2 * DUMP_EDGE);
      c = p->c - DUMP_EDGE;
    }
    dump_channel(out, p, n->T, c);
  }
}

static int64_t proj_weights(const ir_proj *j) {
  if (j->kind == IR_PROJ_DENSE) return (int64_t)j->cout * j->cin;
  return (int64_t)j->cout * (j->depthwise ? 1 : j->cin) * j->kh * j->kw;
}

static void dump_proj(FILE *out, const ir_net *n, int i) {
  const ir_proj *j = &n->projs[i];
  int64_t nw = proj_weights(j), nz = 0;
  double wmax = 0;
  int32_t qmax = 0;
  for (int64_t k = 0; k < nw; k++) {
    wmax = fabs(j->wf[k]) > wmax ? fabs(j->wf[k]) : wmax;
    if (j->wq) {
      nz += j->wq[k] != 0;
      qmax = abs(j->wq[k]) > qmax ? abs(j->wq[k]) : qmax;
    }
  }
  fprintf(out, "  proj %d %s: %s -> %s ", i, j->name, n->pops[j->src].name,
          n->pops[j->dst].name);
  if (j->kind == IR_PROJ_DENSE)
    fprintf(out, "dense %dx%d", j->cout, j->cin);
  else
    fprintf(out, "%s %dx%dx%dx%d stride=%dx%d pad=%dx%d",
            j->depthwise ? "depthwise" : "conv", j->cout, j->depthwise ? 1 : j->cin,
            j->kh, j->kw, j->sh, j->sw, j->ph, j->pw);
  fprintf(out, "%s dly=%d weights=%" PRId64 " max|wf|=%.6g", j->graded ? " graded" : "",
          j->dly, nw, wmax);
  if (j->wq) fprintf(out, " nonzero=%" PRId64 " max|wq|=%d", nz, qmax);
  fprintf(out, "\n");
}

void ir_net_dump(const ir_net *n, FILE *out) {
  if (!n) return;
  fprintf(out, "net T=%d pops=%d projs=%d max_offset=%d n_ticks=%d\n", n->T, n->n_pops,
          n->n_projs, n->max_offset, n->n_ticks);
  for (int i = 0; i < n->n_pops; i++) dump_pop(out, n, i);
  for (int i = 0; i < n->n_projs; i++) dump_proj(out, n, i);
}

void cc_dump_model(const cc_ctx *ctx, FILE *out) { ir_model_dump(ctx->model, out); }
void cc_dump_net(const cc_ctx *ctx, FILE *out) { ir_net_dump(ctx->net, out); }
