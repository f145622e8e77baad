/*
 * sched.c - the schedule pass: axons per neuron, partial-sum relays, pipeline offsets
 * and axon delays (DESIGN section 3, docs/timing.md).
 *
 * Pipeline position: load -> check -> fold -> quantise -> SCHEDULE -> lower.
 *
 *   fanin_axons  for each population, the largest number of crossbar rows one of its
 *                neurons needs: over its incoming projections, every source neuron with
 *                w_q != 0 takes ceil(|w_q| / (2^(W-1) - 1)) rows (a weight beyond W bits
 *                is split over parallel synapses). Conv: per output channel, over
 *                cin x kh x kw, ignoring padding; depthwise: per channel; dense: per row.
 *   relay        fanin_axons > the core's axons: the population is fed by partial sums
 *                (graded relay neurons one tick earlier), which lowering builds.
 *   offset       tick of logical step 1: the input is 0, a population is one tick after
 *                its latest source, plus one for its relay stage.
 *   dly          o_dst - relay_dst - o_src - 1: equalises branches of different depths so
 *                that every population reads the step-t spikes of all its sources.
 * Whether a delay fits the delay slots is a design-rule check (drc), not decided here.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

static int64_t proj_weights(const ir_proj *j) {
  if (j->kind == IR_PROJ_DENSE) return (int64_t)j->cout * j->cin;
  return (int64_t)j->cout * (j->depthwise ? 1 : j->cin) * j->kh * j->kw;
}

/* Rows a weight takes: 0 for w = 0, else ceil(|w| / wmax) parallel synapses. */
static int64_t rows_of(int32_t w, int64_t wmax) {
  const int64_t a = w < 0 ? -(int64_t)w : w;
  return (a + wmax - 1) / wmax;
}

/* Adds projection j's rows to the per-channel (conv) or per-neuron (dense) counts. */
static void count_rows(const ir_proj *j, int64_t wmax, int64_t *chan, int64_t *neuron) {
  const int64_t nw = proj_weights(j), per = nw / j->cout;
  for (int64_t k = 0; k < nw; k++) {
    const int64_t r = rows_of(j->wq[k], wmax);
    if (j->kind == IR_PROJ_DENSE) neuron[k / j->cin] += r;
    else chan[k / per] += r;
  }
}

static int fanin(cc_ctx *ctx, int dst, glif_err *err) {
  ir_net *n = ctx->net;
  ir_pop *p = &n->pops[dst];
  const int64_t wmax = ((int64_t)1 << (ctx->arch.weight_bits - 1)) - 1;
  int64_t *chan = glif_calloc((size_t)p->c, sizeof *chan);
  int64_t *neuron = glif_calloc((size_t)p->n, sizeof *neuron);
  if (!chan || !neuron) {
    glif_free(chan), glif_free(neuron);
    return glif_errf(err, GLIF_ENOMEM, NULL, 0, 0, "out of memory scheduling");
  }
  for (int i = 0; i < n->n_projs; i++)
    if (n->projs[i].dst == dst) count_rows(&n->projs[i], wmax, chan, neuron);
  const int64_t hw = (int64_t)p->h * p->w;
  p->fanin_axons = 0;
  for (int64_t j = 0; j < p->n; j++) {
    const int64_t a = chan[j / hw] + neuron[j];
    p->fanin_axons = a > p->fanin_axons ? a : p->fanin_axons;
  }
  glif_free(chan), glif_free(neuron);
  p->relay = p->fanin_axons > (int64_t)ctx->arch.axons;
  return 0;
}

int cc_pass_schedule(cc_ctx *ctx, glif_err *err) {
  ir_net *n = ctx->net;
  if (!n || (n->n_projs && !n->projs[0].wq))
    return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "schedule before quantise");
  n->max_offset = 0;
  n->pops[0].offset = 0, n->pops[0].relay = 0, n->pops[0].fanin_axons = 0;
  for (int i = 1; i < n->n_pops; i++) {
    int rc = fanin(ctx, i, err);
    if (rc) return rc;
    int latest = 0;
    for (int k = 0; k < n->n_projs; k++)
      if (n->projs[k].dst == i && n->pops[n->projs[k].src].offset > latest)
        latest = n->pops[n->projs[k].src].offset;
    n->pops[i].offset = latest + 1 + n->pops[i].relay;
    n->max_offset = n->pops[i].offset > n->max_offset ? n->pops[i].offset : n->max_offset;
  }
  for (int k = 0; k < n->n_projs; k++) {
    ir_proj *j = &n->projs[k];
    j->dly = n->pops[j->dst].offset - n->pops[j->dst].relay - n->pops[j->src].offset - 1;
  }
  n->n_ticks = n->T + n->max_offset;
  return 0;
}
