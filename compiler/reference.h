/*
 * reference.h - the golden model: runs a folded (and, in fixed mode, quantised) ir_net
 * logical step by logical step, with no mapping.
 *
 * Pipeline position: after the front end (load .. quantise; schedule is not needed).
 * Callers: `glif reference` (cli/cmd_reference.c), the quantiser's calibration report
 * (quant.c), and the simulator's bit-exactness tests, which compare a simulated chip
 * against this model spike for spike and membrane for membrane.
 *
 * Fixed mode (REF_FIXED) is the hardware arithmetic of DESIGN section 2 straight from
 * the quantised fields: the input is quantised to payloads (ref_input_payload); at
 * logical step t every population, in order, sums the exact integer products of each
 * projection (binary source spike: w_q << M of the target channel; graded payload:
 * w_q * payload) in 64 bits, saturates the sum to A bits once per neuron, and calls
 * nrn_step with g = q.g[t-1]. Because the quantiser guarantees that no partial sum of a
 * neuron's inputs can leave A bits, this equals the chip's per-packet saturating
 * accumulation in any packet order. Float mode (REF_FLOAT) runs the unquantised float64
 * network: x = sum of float folded weights times spikes (or real inputs) + float bias,
 * then nrn_step_float.
 *
 * Every population reads the step-t spikes of its sources, which is exactly what the
 * chip's pipeline offsets and axon delays arrange (docs/timing.md), so traces of the
 * two are equal line for line. Deterministic: no threads, a fixed iteration order.
 * Memory is sized once by ref_create; ref_begin/ref_step allocate nothing.
 */
#ifndef GLIF_REFERENCE_H
#define GLIF_REFERENCE_H

#include <stdint.h>

#include "../fabric/arch.h"
#include "../fabric/err.h"
#include "../fabric/npy.h"
#include "../fabric/trace.h"
#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

enum ref_mode { REF_FIXED = 0, REF_FLOAT = 1 };

typedef struct ref_model ref_model;

/* What one population saw, summed over every step of every sample since ref_create or
 * ref_stats_reset. Fixed mode only (zero in float mode). */
typedef struct ref_stats {
  int64_t acc_max;   /* largest |accumulator| before saturation, membrane units */
  int64_t mem_max;   /* largest |u| */
  uint64_t acc_sat;  /* neuron-steps whose accumulator left A bits (was saturated) */
  uint64_t bias_sat; /* neuron-steps whose accumulator + bias left A bits */
  uint64_t mem_sat;  /* neuron-steps that ended with u on a V-bit rail (saturated) */
  uint64_t spikes;   /* spikes emitted */
} ref_stats;

/* Sizes every buffer for net. Fixed mode needs quantised pops (q, shift, unit) and
 * wq; float mode only fold's fields. net and arch must outlive the model. */
int ref_create(ref_model **out, const ir_net *net, const glif_arch *arch, int mode,
               glif_err *err);
void ref_destroy(ref_model *rm);

/* Starts a sample: x holds one sample in the input population's layout, C order:
 * [c*h*w] (direct encoding) or [T][c*h*w] (spikes encoding: values 0 or 1).
 * Resets every membrane and spike. Refuses NaN/Inf and non-binary spikes. */
int ref_begin(ref_model *rm, const double *x, glif_err *err);
/* Runs the next logical step (1..T) of every population. */
int ref_step(ref_model *rm, glif_err *err);
/* ref_begin + T steps. */
int ref_run(ref_model *rm, const double *x, glif_err *err);

int ref_mode_of(const ref_model *rm);
int ref_steps_done(const ref_model *rm); /* 0 after ref_begin, T after ref_run */

/* Spikes of population pop at logical step t (1 <= t <= steps done), ascending neuron
 * indices (C order). For the input population: the elements sent at step t (non-zero
 * payloads for direct encoding). *n receives the count. */
const uint32_t *ref_spikes(const ref_model *rm, int pop, int t, uint32_t *n);
/* Spikes of pop in the current sample, all steps. */
uint64_t ref_spike_count(const ref_model *rm, int pop);
/* Membranes after the latest step, neuron index order: integers (fixed mode) or
 * float64 (float mode); NULL in the other mode or for the input population. */
const int32_t *ref_u_fixed(const ref_model *rm, int pop);
const double *ref_u_float(const ref_model *rm, int pop);

/* Outputs after the last step: the readout populations' neurons, concatenated in
 * population order, dequantised (fixed: u * unit_c / T; float: u / T). */
int64_t ref_n_outputs(const ref_model *rm);
const double *ref_outputs(const ref_model *rm);
/* Index of the largest output (the lowest index on ties). */
int64_t ref_class(const ref_model *rm);

const ref_stats *ref_pop_stats(const ref_model *rm, int pop);
void ref_stats_reset(ref_model *rm);

/* The trace of docs/trace-format.md: layers are the populations after the input, in
 * order (trace layer i = population i + 1). */
int ref_trace_layers(const ref_model *rm, trace_writer *tw);
int ref_trace_sample(const ref_model *rm, trace_writer *tw, int64_t sample);

/* The payload of one direct-encoded input value: round(x / in_scale), halves away
 * from zero, clamped to +-(2^(payload_bits-1) - 1). What the host sends the chip.
 * For a spike-encoded input (payload_bits 0): 1 for x != 0, else 0. */
int32_t ref_input_payload(const ir_pop *input, double x);

/* Checks an input array against the net's input layer ([C,H,W] or [N,C,H,W] for
 * direct encoding, [T,C,H,W] or [N,T,C,H,W] for spikes); *n_samples receives N.
 * Sample k then starts at a->data + k * ref_sample_size(net). */
int ref_input_samples(const ir_net *net, const npy_array *a, const char *path,
                      int64_t *n_samples, glif_err *err);
int64_t ref_sample_size(const ir_net *net);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_REFERENCE_H */
