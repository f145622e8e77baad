/*
 * nrn.c - the GLIF neuron step (fixed point and float) and parameter conversion.
 * The contract is in nrn.h; rtl/glif_neuron.v mirrors nrn_step() exactly.
 */
#include "nrn.h"

#include <math.h>

nrn_out nrn_step(const nrn_param *param, nrn_state state, nrn_event event,
                 nrn_widths w) {
  nrn_out o = {{0, 0}, 0, 0};
  const int64_t x = nrn_sat((int64_t)event.x + param->bias, w.a_bits);
  const uint32_t decay = state.s ? param->ks : param->k;
  const int64_t sum = nrn_mul(state.u, decay, w.f_bits) - param->d -
                      (state.s ? param->r : 0) + nrn_mul(x, param->g, w.f_bits);
  const int32_t u = (int32_t)nrn_sat(sum, w.v_bits);
  o.next.u = u;
  switch (param->kind) {
  case NRN_SPIKING:
    o.next.s = u > param->theta;
    o.emit = o.next.s;
    break;
  case NRN_RELAY:
    o.emit = u != 0;
    o.payload = (int32_t)nrn_sat(u, w.p_bits);
    break;
  default: /* NRN_READOUT: never emits */
    break;
  }
  return o;
}

void nrn_glif_coeffs(const nrn_glif *p, const double *conduct, int T,
                     nrn_coeffs *c, double *g) {
  c->k = 1.0 - p->alpha * (1.0 - p->tau);
  c->ks = c->k * (1.0 - p->gamma);
  c->d = (1.0 - p->alpha) * p->leak;
  c->r = (1.0 - p->gamma) * p->reVth;
  c->theta = p->Vth;
  for (int t = 0; t < T; t++) g[t] = 1.0 - p->beta * (1.0 - conduct[t]);
}

double nrn_step_float(const nrn_coeffs *c, double g, int kind, double u, int s,
                      double x, int *s_out) {
  const double v = (s ? c->ks : c->k) * u - c->d - (s ? c->r : 0.0) + g * x;
  *s_out = kind == NRN_SPIKING && v > c->theta;
  return v;
}

/* round(v * scale) into [0, limit], or an error naming the coefficient. */
static int quant_coeff(double v, int f_bits, const char *name, uint32_t *out,
                       glif_err *err) {
  const double q = round(v * (double)(1u << f_bits));
  const double limit = (double)((2u << f_bits) - 1);
  if (!(v >= 0.0) || q > limit)
    return glif_errf(err, GLIF_ERANGE, NULL, 0, 0,
                     "coefficient %s = %.9g does not fit UQ1.%d (allowed 0 .. %.9g)"
                     " - the GLIF gates must give coefficients in [0, 2)",
                     name, v, f_bits, limit / (double)(1u << f_bits));
  *out = (uint32_t)q;
  return 0;
}

/* round(v / unit) into `bits` signed bits, or an error naming the value. */
static int quant_membrane(double v, double unit, int bits, const char *name,
                          int32_t *out, glif_err *err) {
  const double q = isfinite(v / unit) ? round(v / unit) : INFINITY;
  const double hi = (double)(((int64_t)1 << (bits - 1)) - 1);
  if (!(q >= -hi - 1 && q <= hi))
    return glif_errf(err, GLIF_ERANGE, NULL, 0, 0,
                     "%s = %.9g is %.9g membrane units (unit %.9g), which does not "
                     "fit %d signed bits (%.0f .. %.0f) - use a coarser unit (a "
                     "smaller shift M) or wider membrane bits",
                     name, v, v / unit, unit, bits, -hi - 1, hi);
  *out = (int32_t)q;
  return 0;
}

int nrn_quantise(const nrn_coeffs *c, const double *g, int T, double bias,
                 double unit, int kind, nrn_widths w, nrn_qgroup *out,
                 glif_err *err) {
  int rc;
  char name[32];
  if (T < 1 || T > 32)
    return glif_errf(err, GLIF_ERANGE, NULL, 0, 0,
                     "T = %d steps is outside 1 .. 32", T);
  if (!(unit > 0.0) || !isfinite(unit))
    return glif_errf(err, GLIF_ERANGE, NULL, 0, 0,
                     "membrane unit %.9g must be positive and finite", unit);
  out->T = T;
  out->p.kind = (uint8_t)kind;
  out->p.g = 0;
  if ((rc = quant_coeff(c->k, w.f_bits, "k", &out->p.k, err)) ||
      (rc = quant_coeff(c->ks, w.f_bits, "ks", &out->p.ks, err)) ||
      (rc = quant_membrane(c->d, unit, w.v_bits, "d (linear leak)", &out->p.d, err)) ||
      (rc = quant_membrane(c->r, unit, w.v_bits, "r (soft reset)", &out->p.r, err)) ||
      (rc = quant_membrane(c->theta, unit, w.v_bits, "theta (threshold)",
                           &out->p.theta, err)) ||
      (rc = quant_membrane(bias, unit, w.a_bits, "bias", &out->p.bias, err)))
    return rc;
  for (int t = 0; t < T; t++) {
    snprintf(name, sizeof name, "g[%d]", t);
    if ((rc = quant_coeff(g[t], w.f_bits, name, &out->g[t], err))) return rc;
  }
  for (int t = T; t < 32; t++) out->g[t] = 0;
  return 0;
}
