/*
 * nrn.h - the GLIF neuron step, fixed point and float: the one implementation.
 *
 * Pipeline position: shared by everything. The quantiser converts trained float
 * parameters with nrn_glif_coeffs() + nrn_quantise(); the golden model, the simulator
 * and the RTL co-simulation harness all call nrn_step(); the RTL module
 * rtl/glif_neuron.v implements exactly the same arithmetic, port for port
 * (param_*, state_*, event_*), and is checked against this file.
 *
 * Fixed-point contract (DESIGN section 2):
 *   coefficients k, ks, g: unsigned UQ1.F (F = f_bits; 1.0 = 1 << F, max (2 << F) - 1)
 *   d, r, theta, bias:     signed, membrane units
 *   u: signed, V bits, saturating;   x: signed accumulator, A bits, saturating
 *   mul(a, c) = (a*c + 2^(F-1)) >> F          arithmetic shift: round half up
 *   x' = sat_A(x + bias)
 *   u' = sat_V( mul(u, s ? ks : k) - d - (s ? r : 0) + mul(x', g) )
 *        (the sum is formed at full width and saturated once)
 *   spiking: s' = u' > theta (strict); emits a binary spike when s' = 1
 *   readout: never emits, s' = 0; its u after its last step is the output
 *   relay:   s' = 0; emits u' saturated to P bits as a graded payload when u' != 0
 */
#ifndef GLIF_NRN_H
#define GLIF_NRN_H

#include <math.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum nrn_kind {
  NRN_SPIKING = 0, /* GLIF neuron: binary spikes */
  NRN_READOUT = 1, /* non-firing integrator whose final membrane is an output */
  NRN_RELAY = 2    /* partial-sum relay: emits its membrane as a graded payload */
};

/* Datapath widths (from the architecture). All in bits. */
typedef struct nrn_widths {
  uint8_t v_bits; /* membrane u, signed, 2..31 */
  uint8_t a_bits; /* accumulator x, signed, 2..31 */
  uint8_t f_bits; /* coefficient fraction bits F, 1..30 */
  uint8_t p_bits; /* relay graded payload, signed, 2..31 */
} nrn_widths;

/* Parameters of one neuron group at one logical step: the RTL's param_* ports. */
typedef struct nrn_param {
  uint32_t k;     /* UQ1.F decay when the previous step did not spike */
  uint32_t ks;    /* UQ1.F decay when it did: k*(1-gamma) */
  int32_t d;      /* linear leak subtracted every step, membrane units */
  int32_t r;      /* soft-reset amount subtracted after a spike, membrane units */
  int32_t theta;  /* threshold, membrane units: spike iff u' > theta */
  int32_t bias;   /* added to the accumulator before the gain, membrane units */
  uint32_t g;     /* UQ1.F input gain of this logical step: g[t] */
  uint8_t kind;   /* enum nrn_kind */
} nrn_param;

/* Neuron state carried between steps: the RTL's state_* ports. */
typedef struct nrn_state {
  int32_t u;  /* membrane, V bits */
  uint8_t s;  /* spike of the previous step (0/1); selects ks and r */
} nrn_state;

/* The step's input: the RTL's event_* port. */
typedef struct nrn_event {
  int32_t x;  /* accumulated synaptic input of this step, A bits */
} nrn_event;

/* Result of one step. */
typedef struct nrn_out {
  nrn_state next;   /* state after the step */
  uint8_t emit;     /* 1 when the neuron sends a packet (spike or graded payload) */
  int32_t payload;  /* relay: u' saturated to P bits; 0 otherwise */
} nrn_out;

/* Saturate v to a signed field of `bits` bits. */
static inline int64_t nrn_sat(int64_t v, unsigned bits) {
  const int64_t hi = ((int64_t)1 << (bits - 1)) - 1, lo = -hi - 1;
  return v > hi ? hi : v < lo ? lo : v;
}

/* mul(a, c) = (a*c + 2^(F-1)) >> F with an arithmetic (floor) shift. */
static inline int64_t nrn_mul(int64_t a, uint32_t c, unsigned f_bits) {
  const int64_t p = a * (int64_t)c + ((int64_t)1 << (f_bits - 1));
  /* floor division by 2^F, written without shifting a negative value */
  return p >= 0 ? p >> f_bits : -(((-p) + ((int64_t)1 << f_bits) - 1) >> f_bits);
}

/* A real input value as a graded payload of `bits` bits (host input, DESIGN section 3):
 * round_half_away(x / scale) clamped to +-(2^(bits-1) - 1). The golden model and the
 * simulator's I/O port both quantise inputs with this function. */
static inline int32_t nrn_payload(double x, double scale, unsigned bits) {
  const double lim = (double)(((int64_t)1 << (bits - 1)) - 1);
  const double q = round(x / scale);
  return (int32_t)(q > lim ? lim : q < -lim ? -lim : q);
}

/* One fixed-point GLIF step. Pure: same inputs, same outputs. */
nrn_out nrn_step(const nrn_param *param, nrn_state state, nrn_event event,
                 nrn_widths w);

/* ---- float reference and parameter conversion ------------------------------- */

/* Effective (post-sigmoid) GLIF parameters of one channel, as trained. */
typedef struct nrn_glif {
  double alpha, beta, gamma, tau, leak, reVth, Vth;
} nrn_glif;

/* Hardware coefficients in float, membrane in the trained float unit. */
typedef struct nrn_coeffs {
  double k, ks, d, r, theta;
} nrn_coeffs;

/* k, ks, d, r, theta from the gates; g[t] = 1 - beta*(1 - conduct[t]) for t < T. */
void nrn_glif_coeffs(const nrn_glif *p, const double *conduct, int T,
                     nrn_coeffs *c, double *g);

/* One float step of the same equations (x already includes the bias).
 * Returns u'; *s_out receives u' > theta (0 for readout and relay kinds). */
double nrn_step_float(const nrn_coeffs *c, double g, int kind, double u, int s,
                      double x, int *s_out);

/* Quantised parameters of one group: nrn_param without g, plus the gain table. */
typedef struct nrn_qgroup {
  nrn_param p;        /* p.g unused: take g[t] */
  uint32_t g[32];     /* UQ1.F gain per logical step t = 0..T-1 (T <= 32) */
  int T;
} nrn_qgroup;

/* Quantise float coefficients for membrane unit `unit` (the float value of one
 * membrane LSB): k, ks, g = round(x * 2^F); d, r, theta, bias = round(x / unit),
 * rounding half away from zero. Fails with GLIF_ERANGE (message names the field,
 * value and limit) when a coefficient exceeds UQ1.F or a membrane value does not fit
 * V bits (bias: A bits). kind selects spiking/readout/relay. */
int nrn_quantise(const nrn_coeffs *c, const double *g, int T, double bias,
                 double unit, int kind, nrn_widths w, nrn_qgroup *out,
                 glif_err *err);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_NRN_H */
