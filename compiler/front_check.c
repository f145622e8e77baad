/*
 * front_check.c - invariants of the neuron network (ir_net) after fold, quantise and
 * schedule: what every consumer of ir_net (the back end, the golden model, the
 * simulator's tests) may take for granted, checked in one place (QBE's ssacheck).
 *
 * Pipeline position: between front-end passes. The tests run it after every front
 * end they drive; the driver can run it after fold/quantise/schedule in debug builds.
 * A failure is a compiler bug, reported as GLIF_EINTERNAL naming the object and the
 * numbers.
 */
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "front.h"

static int bug(glif_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bug(glif_err *err, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char msg[512];
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return glif_errf(err, GLIF_EINTERNAL, NULL, 0, 0, "ir_net invariant broken: %s", msg);
}

static int64_t proj_weights(const ir_proj *j) {
  if (j->kind == IR_PROJ_DENSE) return (int64_t)j->cout * j->cin;
  return (int64_t)j->cout * (j->depthwise ? 1 : j->cin) * j->kh * j->kw;
}

static int check_pop(const ir_net *n, int i, glif_err *err) {
  const ir_pop *p = &n->pops[i];
  if (p->c < 1 || p->h < 1 || p->w < 1 || p->n != (int64_t)p->c * p->h * p->w)
    return bug(err, "pop %s: shape [%d,%d,%d] n=%" PRId64, p->name, p->c, p->h, p->w, p->n);
  if ((i == 0) != (p->kind == IR_POP_INPUT) ||
      (i && p->kind != NRN_SPIKING && p->kind != NRN_READOUT))
    return bug(err, "pop %d %s has kind %d", i, p->name, p->kind);
  if (p->layer < 0 || p->layer >= n->model->n_layers ||
      strcmp(n->model->layers[p->layer].name, p->name))
    return bug(err, "pop %s: layer index %d", p->name, p->layer);
  if (i == 0) return 0;
  if (!p->coef || !p->gain || !p->bias) return bug(err, "pop %s: no parameters", p->name);
  for (int c = 0; c < p->c; c++) {
    if (!isfinite(p->bias[c]) || !isfinite(p->coef[c].theta))
      return bug(err, "pop %s channel %d: non-finite bias or theta", p->name, c);
    for (int t = 0; t < n->T; t++)
      if (!(p->gain[t * p->c + c] >= 0 && p->gain[t * p->c + c] < 2))
        return bug(err, "pop %s: gain[%d][%d] = %g", p->name, t, c, p->gain[t * p->c + c]);
  }
  return 0;
}

static int check_proj_shape(const ir_net *n, int k, glif_err *err) {
  const ir_proj *j = &n->projs[k];
  if (j->src < 0 || j->dst <= j->src || j->dst >= n->n_pops)
    return bug(err, "proj %d %s: %d -> %d is not forward", k, j->name, j->src, j->dst);
  if (k && j->dst < n->projs[k - 1].dst)
    return bug(err, "proj %d %s: not grouped by target in population order", k, j->name);
  const ir_pop *s = &n->pops[j->src], *d = &n->pops[j->dst];
  if (j->graded != (j->src == 0 && s->encoding == IR_ENC_DIRECT))
    return bug(err, "proj %s: graded = %d", j->name, j->graded);
  if (j->kind == IR_PROJ_DENSE) {
    if (j->cout != d->n || j->cin != s->n)
      return bug(err, "proj %s: dense %dx%d for %" PRId64 " <- %" PRId64, j->name, j->cout,
                 j->cin, d->n, s->n);
    return 0;
  }
  if (j->kind != IR_PROJ_CONV || j->cout != d->c || j->cin != s->c ||
      (j->depthwise && j->cout != j->cin))
    return bug(err, "proj %s: conv %d <- %d channels (depthwise %d) between [%d] and [%d]",
               j->name, j->cout, j->cin, j->depthwise, d->c, s->c);
  if (j->kh < 1 || j->kw < 1 || j->sh < 1 || j->sw < 1 || j->ph < 0 || j->pw < 0 ||
      (s->h + 2 * j->ph - j->kh) / j->sh + 1 != d->h ||
      (s->w + 2 * j->pw - j->kw) / j->sw + 1 != d->w)
    return bug(err, "proj %s: kernel %dx%d stride %dx%d pad %dx%d does not map %dx%d to %dx%d",
               j->name, j->kh, j->kw, j->sh, j->sw, j->ph, j->pw, s->h, s->w, d->h, d->w);
  return 0;
}

static int check_folded(const ir_net *n, glif_err *err) {
  if (!n || !n->model || n->n_pops < 2 || n->T < 1 || n->T > 32)
    return bug(err, "no network (or fewer than 2 populations, or T out of 1..32)");
  for (int i = 0; i < n->n_pops; i++) {
    int rc = check_pop(n, i, err);
    if (rc) return rc;
  }
  for (int k = 0; k < n->n_projs; k++) {
    int rc = check_proj_shape(n, k, err);
    if (rc) return rc;
    const ir_proj *j = &n->projs[k];
    for (int64_t w = 0; w < proj_weights(j); w++)
      if (!j->wf || !isfinite(j->wf[w])) return bug(err, "proj %s: weight %" PRId64, j->name, w);
  }
  return 0;
}

static int check_quantised(const ir_net *n, const glif_arch *a, glif_err *err) {
  const ir_pop *in = &n->pops[0];
  if (in->encoding == IR_ENC_DIRECT &&
      (!(in->in_scale > 0) || in->payload_bits != (int)a->payload_in_bits))
    return bug(err, "input: in_scale %g, payload_bits %d", in->in_scale, in->payload_bits);
  const int64_t amax = ((int64_t)1 << (a->acc_bits - 1)) - 1;
  for (int i = 1; i < n->n_pops; i++) {
    const ir_pop *p = &n->pops[i];
    if (!p->q || !p->wscale || !p->unit || !p->shift) return bug(err, "pop %s: not quantised", p->name);
    for (int c = 0; c < p->c; c++)
      if (!(p->wscale[c] > 0) || !(p->unit[c] > 0) || p->shift[c] < 0 ||
          p->shift[c] > (int)a->shift_max || p->q[c].p.kind != p->kind || p->q[c].T != n->T)
        return bug(err, "pop %s channel %d: scale %g unit %g M %d kind %d", p->name, c,
                   p->wscale[c], p->unit[c], p->shift[c], p->q[c].p.kind);
  }
  for (int k = 0; k < n->n_projs; k++) {
    const ir_proj *j = &n->projs[k];
    if (!j->wq) return bug(err, "proj %s: no w_q", j->name);
    for (int64_t w = 0; w < proj_weights(j); w++)
      if (j->wq[w] > amax || j->wq[w] < -amax) return bug(err, "proj %s: w_q %d", j->name, j->wq[w]);
    if (j->graded && n->pops[j->dst].shift[0] != 0)
      return bug(err, "proj %s: graded into a shifted population", j->name);
  }
  return 0;
}

static int check_scheduled(const ir_net *n, const glif_arch *a, glif_err *err) {
  int max = 0;
  if (n->pops[0].offset || n->pops[0].relay) return bug(err, "input offset %d", n->pops[0].offset);
  for (int i = 1; i < n->n_pops; i++) {
    const ir_pop *p = &n->pops[i];
    if (p->relay != (p->fanin_axons > (int64_t)a->axons) || p->offset < 1 + p->relay)
      return bug(err, "pop %s: offset %d relay %d fan-in %" PRId64, p->name, p->offset,
                 p->relay, p->fanin_axons);
    max = p->offset > max ? p->offset : max;
  }
  for (int k = 0; k < n->n_projs; k++) {
    const ir_proj *j = &n->projs[k];
    const ir_pop *s = &n->pops[j->src], *d = &n->pops[j->dst];
    if (j->dly < 0 || j->dly != d->offset - d->relay - s->offset - 1)
      return bug(err, "proj %s: dly %d between offsets %d and %d", j->name, j->dly,
                 s->offset, d->offset);
  }
  if (n->max_offset != max || n->n_ticks != n->T + max)
    return bug(err, "max_offset %d, n_ticks %d", n->max_offset, n->n_ticks);
  return 0;
}

int front_check_net(const ir_net *n, const glif_arch *a, int stage, glif_err *err) {
  int rc = check_folded(n, err);
  if (!rc && stage >= FRONT_QUANTISED) rc = check_quantised(n, a, err);
  if (!rc && stage >= FRONT_SCHEDULED) rc = check_scheduled(n, a, err);
  return rc;
}
