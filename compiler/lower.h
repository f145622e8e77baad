/*
 * lower.h - the lowered network: the exact neuron layers of the chip (partial-sum relay
 * layers included) and their synapse generators, between scheduling and mapping.
 *
 *   schedule -> LOWER -> drc -> partition -> place -> route -> emit
 *
 * lower turns ir_net into what the chip image's NET layer table holds: every
 * non-input population of ir_net in ir_net order, with the relay layer of a population
 * that needs partial sums ("<name>.psum") inserted immediately before it. Neurons that
 * share every parameter (kind, k, ks, d, r, theta, bias, shift M, first tick, gains)
 * share one parameter set: a core stores one group per parameter set it holds.
 *
 * Synapses stay STRUCTURED: a term is a conv or dense operator over a range of source
 * channels (or source neurons) with its weight tensor in ir_proj; nothing is expanded
 * into a synapse list (ResNet-19 has 2.1e9 of them). Mapping enumerates the synapses
 * of one core at a time from these generators.
 *
 * Relay layer of a target layer b with C channels, H x W positions, split into K chunks:
 * shape (K*C, H, W); relay neuron ((k*C + co)*H + y)*W + x computes chunk k's share of
 * the input of target neuron (co, y, x) and sends it, as a graded payload with weight 1
 * and delay 0, to the single partial-sum axon of that target neuron.
 */
#ifndef GLIF_LOWER_H
#define GLIF_LOWER_H

#include <stdint.h>
#include <stdio.h>

#include "compile.h"
#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

enum lw_term_kind {
  LW_CONV = 0,  /* ir_proj conv (or depthwise conv) over source channels [lo, hi) */
  LW_DENSE = 1, /* ir_proj dense over source neurons [lo, hi) */
  LW_PSUM = 2   /* relay layer -> its target: one axon per target neuron, weight 1 */
};

#define LW_INPUT (-1) /* term source: the input population */
#define LW_KIND_INPUT (-1)

/* One synapse generator into a layer (a whole projection or a chunk's piece of it). */
typedef struct lw_term {
  int kind;              /* enum lw_term_kind */
  int src;               /* source layer index in lw_net.layers, or LW_INPUT */
  int proj_index;        /* index into ir_net.projs (-1 for LW_PSUM) */
  const ir_proj *proj;   /* NULL for LW_PSUM */
  int64_t lo, hi;        /* CONV: source channels [lo, hi) (depthwise: the same target
                            channels); DENSE: source neurons [lo, hi); PSUM: 0, 0 */
  int dly;               /* axon delay in ticks, 0 .. delay_slots - 2 */
  int graded;            /* 1: packets carry payloads (direct input, relays) */
  /* per-position row bounds used by the partitioner (exact per-tile counts come from
   * mapping/axons.c) */
  int64_t rows_unit;     /* CONV (not depthwise), DENSE: sum over source channels
                            (neurons) of the most parallel copies any target needs */
  int64_t *dw_prefix;    /* CONV depthwise: [cout + 1] prefix sums of per-channel copies */
  int64_t fanin_max;     /* DENSE: most axons one target neuron needs from this term */
} lw_term;

/* One parameter set: the contents of a group record. */
typedef struct lw_pset {
  nrn_param p;           /* kind, k, ks, d, r, theta, bias (p.g unused) */
  uint8_t shift;         /* M: a binary spike adds w << M */
  const uint32_t *gain;  /* [T] UQ1.F gain of each logical step */
} lw_pset;

typedef struct lw_layer {
  const char *name;      /* population name, or "<target>.psum" */
  int kind;              /* NRN_SPIKING / NRN_READOUT / NRN_RELAY; LW_KIND_INPUT */
  int pop;               /* ir_net population (the target's for a relay layer) */
  int relay_for;         /* relay layer: index of its target layer, else -1 */
  int relay_layer;       /* target of partial sums: index of its relay layer, else -1 */
  int c, h, w;           /* shape; neuron index = (c*h + y)*w + x */
  int64_t n;             /* c*h*w */
  int first_tick;        /* tick of logical step 1 (the offset) */
  int n_chunks;          /* relay layer: K partial-sum chunks; otherwise 1 */
  int cb;                /* channels per chunk: c / n_chunks */
  int *term_start;       /* [n_chunks + 1]: chunk k's terms are term_start[k] .. */
  lw_term *terms;        /* all incoming terms, chunk by chunk */
  int n_terms;
  int *pset;             /* [cb]: parameter set of target channel co (all chunks) */
  lw_pset *psets;
  int n_psets;
  /* analytic counts (lower) */
  int64_t fanin;         /* largest number of axons one neuron needs (per chunk) */
  int64_t fanin_total;   /* the same over all chunks: the unsplit fan-in */
  int64_t synapses;      /* non-zero (source, target) weights into this layer */
  int64_t copies_extra;  /* parallel synapses beyond the first, over all synapses */
  int64_t big_weights;   /* weights above the crossbar's range (split into copies) */
  int64_t wq_max;        /* largest |quantised weight| into this layer */
  int64_t psum_worst;    /* relay layer: worst-case |partial sum| over chunks (units) */
  int unit_too_big;      /* relay: one source channel alone exceeds the axons */
} lw_layer;

typedef struct lw_net {
  const ir_net *ir;
  const char *model_name;
  int T, n_ticks;
  int32_t wmax;          /* largest crossbar weight: 2^(W-1) - 1 */
  lw_layer input;        /* the input population as a source (not a NET layer) */
  int n_layers;
  lw_layer *layers;      /* NET order */
  int n_relay_layers;
  int64_t neurons;       /* all NET neurons, relays included */
  int64_t relay_neurons;
  int64_t synapses;      /* model synapses (PSUM links not included) */
  int64_t psum_synapses; /* relay -> target links */
  int n_notes;           /* design-rule notes, for the report */
  const char **notes;
} lw_net;

/* Number of crossbar rows (parallel copies) a weight needs: ceil(|w| / wmax). */
static inline int64_t lw_copies(int64_t w, int64_t wmax) {
  const int64_t a = w < 0 ? -w : w;
  return (a + wmax - 1) / wmax;
}

/* The share of w carried by copy k: copies 0.. carry wmax each, the last one the rest,
 * all with w's sign, so the copies sum exactly to w (300 -> 127, 127, 46). */
static inline int32_t lw_copy_part(int64_t w, int64_t k, int64_t wmax) {
  const int64_t a = w < 0 ? -w : w;
  const int64_t rest = a - k * wmax;
  const int64_t part = rest <= 0 ? 0 : rest > wmax ? wmax : rest;
  return (int32_t)(w < 0 ? -part : part);
}

/* Quantised conv weight of target channel co, source channel ci, tap (ky, kx). */
static inline int32_t lw_conv_w(const ir_proj *p, int co, int ci, int ky, int kx) {
  const int64_t cin = p->depthwise ? 1 : p->cin;
  const int64_t c = p->depthwise ? 0 : ci;
  return p->wq[(((int64_t)co * cin + c) * p->kh + ky) * p->kw + kx];
}

/* The source layer of a term (the input population for LW_INPUT). */
static inline const lw_layer *lw_src(const lw_net *n, const lw_term *t) {
  return t->src == LW_INPUT ? &n->input : &n->layers[t->src];
}

/* Invariant check of ctx->lowered (debug builds run it after lower, QBE's ssacheck):
 * shapes, chunk and term ranges, relay links, parameter-set indices. */
int lw_check(const cc_ctx *ctx, glif_err *err);

/* Appends a design-rule note to the report list and to ctx->notes. */
int lw_note(cc_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "1,234,567" */
const char *lw_group_digits(int64_t v, char *buf, int len);

/* Name of a term kind and of a layer kind, for dumps and reports. */
const char *lw_term_kind_name(int kind);
const char *lw_kind_name(int kind);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_LOWER_H */
