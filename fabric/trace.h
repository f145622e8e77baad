/*
 * trace.h - the spike-trace file written by `glif reference --trace` and
 * `glif run --trace FILE.trace`: one text format, one writer, so the two can be
 * compared with cmp(1). Format: docs/trace-format.md.
 *
 * Traced layers are the neuron populations of the model (GLIF and readout layers) in
 * topological order, never relays (they are a mapping detail). Neuron indices are the
 * C-order index into the layer's [c, h, w] shape. Steps are logical steps 1..T.
 */
#ifndef GLIF_TRACE_H
#define GLIF_TRACE_H

#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct trace_writer trace_writer;

/* Opens a temporary file beside path; trace_close renames it into place. */
int trace_open(trace_writer **tw, const char *path, const char *model_name, int T,
               glif_err *err);
/* Declares the traced layers, in order, before the first sample. kind: NRN_*. */
int trace_layer(trace_writer *tw, const char *name, int kind, uint32_t n_neurons);
int trace_sample_begin(trace_writer *tw, int64_t sample);
/* Spikes of one spiking layer at logical step t (1-based); idx ascending. Call once
 * per (layer, t), layers in declaration order, t ascending, even when n = 0. */
int trace_spikes(trace_writer *tw, int layer, int t, const uint32_t *idx, uint32_t n);
/* Readout membranes after the last step: integers (fixed point) or floats. */
int trace_readout_fixed(trace_writer *tw, int layer, const int32_t *u, uint32_t n);
int trace_readout_float(trace_writer *tw, int layer, const double *u, uint32_t n);
int trace_sample_end(trace_writer *tw);
int trace_close(trace_writer *tw, glif_err *err); /* frees tw */
void trace_abort(trace_writer *tw);               /* frees tw, removes the file */

#ifdef __cplusplus
}
#endif
#endif /* GLIF_TRACE_H */
