/*
 * ir.h - the compiler's intermediate representations, from load to schedule.
 *
 * Two levels, both allocated in the compilation's arena:
 *
 *   ir_model   the model file as written: named layers (input, conv2d, linear,
 *              batchnorm, avgpool2d, sumpool2d, flatten, add, glif, readout) with their
 *              attributes, float64 tensors and source positions (for file:line:col
 *              errors). Produced by the load pass, validated by check.
 *
 *   ir_net     the neuron network: populations of neurons (the input, GLIF layers,
 *              readouts) joined by projections (conv or dense synapse operators with
 *              every linear layer - BN, pooling, flatten, add, linear chains - folded
 *              in). Produced by fold; quantise fills the fixed-point fields; schedule
 *              fills offsets, delays and which populations need partial-sum relays.
 *
 * The golden model (reference.c) runs ir_net directly; lowering (lower.c) turns it into
 * neuron groups, synapses and relays for mapping.
 */
#ifndef GLIF_IR_H
#define GLIF_IR_H

#include <stdint.h>
#include <stdio.h>

#include "../fabric/mem.h"
#include "../fabric/nrn.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- model level ------------------------------------------------------------------ */

enum ir_layer_type {
  IR_INPUT, IR_CONV2D, IR_LINEAR, IR_BATCHNORM, IR_AVGPOOL2D, IR_SUMPOOL2D,
  IR_FLATTEN, IR_ADD, IR_GLIF, IR_READOUT, IR_LAYER_TYPES
};

enum ir_encoding { IR_ENC_DIRECT = 0, IR_ENC_SPIKES = 1 }; /* = IMG_ENC_* */

/* Source position of a YAML node, 1-based (0 = unknown). */
typedef struct ir_pos {
  int line, col;
} ir_pos;

/* A float64 tensor loaded from .npy or written inline. ndim 0 = scalar. */
typedef struct ir_tensor {
  int ndim;
  int64_t shape[4];
  int64_t size;          /* number of elements; 0 when absent */
  double *data;          /* NULL when the key was absent */
  const char *file;      /* .npy path as resolved, or NULL for inline values */
  ir_pos pos;            /* of the YAML value that named it */
} ir_tensor;

enum ir_glif_param {
  IR_ALPHA, IR_BETA, IR_GAMMA, IR_TAU, IR_LEAK, IR_REVTH, IR_VTH, IR_CONDUCT,
  IR_GLIF_PARAMS
};

typedef struct ir_layer {
  const char *name;
  int type;              /* enum ir_layer_type */
  ir_pos pos;            /* of the layer's mapping in the YAML */
  int n_inputs;
  int inputs[8];         /* indices of earlier layers */
  ir_pos input_pos[8];
  int c, h, w;           /* output shape (vectors: h = w = 1), set by check */
  /* attributes (meaningful per type) */
  int stride[2], padding[2], kernel[2];
  int encoding;          /* input */
  double range;          /* input: largest |x|, 0 = not given */
  double eps, scale;     /* batchnorm */
  ir_tensor weight, bias, mean, var;   /* conv2d/linear/batchnorm */
  ir_tensor glif[IR_GLIF_PARAMS];      /* glif */
} ir_layer;

typedef struct ir_model {
  const char *path;      /* model.yaml as given */
  const char *dir;       /* its folder, for tensor files */
  const char *name;
  int T;
  int n_layers;
  ir_layer *layers;      /* in file order; inputs always point backwards */
} ir_model;

/* ---- neuron-network level ---------------------------------------------------------- */

enum ir_pop_kind { IR_POP_INPUT = -1 }; /* otherwise NRN_SPIKING or NRN_READOUT */

/* What quantise measured for one population (float vs fixed). */
typedef struct ir_qstats {
  double wscale_min, wscale_max;  /* s_c range over channels */
  int shift_min, shift_max;       /* M range over channels */
  int64_t acc_worst;              /* worst-case |accumulator| (membrane units) */
  int64_t mem_worst;              /* worst-case |membrane| */
  int64_t acc_seen, mem_seen;     /* largest observed on calibration inputs (0 if none) */
  int calibrated;                 /* 1 when the fields below were measured */
  double spike_agreement;         /* fraction of (neuron, step) spikes equal, float vs fixed */
  double membrane_rmse;           /* RMS |u_fixed*unit - u_float|, in float units */
  uint64_t saturations;           /* accumulator or membrane saturations seen */
} ir_qstats;

typedef struct ir_pop {
  const char *name;      /* the model layer name (glif/readout/input) */
  int kind;              /* IR_POP_INPUT, NRN_SPIKING, NRN_READOUT */
  int layer;             /* index in ir_model.layers */
  int c, h, w;
  int64_t n;             /* c*h*w */

  /* float parameters, per channel (fold) */
  nrn_coeffs *coef;      /* [c] */
  double *gain;          /* [T*c]: gain of step t, channel ch at t*c + ch */
  double *bias;          /* [c]: folded bias of all incoming branches */

  /* fixed point, per channel (quantise) */
  double *wscale;        /* [c] s_c: float value of one weight LSB */
  int *shift;            /* [c] M (0 for populations fed by graded packets) */
  double *unit;          /* [c] float value of one membrane LSB */
  nrn_qgroup *q;         /* [c] quantised k, ks, d, r, theta, bias, g[T], kind */
  ir_qstats stats;

  /* schedule */
  int offset;            /* tick of logical step 1; input = 0 */
  int relay;             /* 1: fan-in exceeds the core's axons, fed by partial sums */
  int64_t fanin_axons;   /* axons one neuron needs (parallel synapses included) */

  /* input population only */
  int encoding;          /* enum ir_encoding */
  double in_scale;       /* float value of one input payload LSB */
  int payload_bits;
} ir_pop;

enum ir_proj_kind { IR_PROJ_CONV, IR_PROJ_DENSE };

typedef struct ir_proj {
  int src, dst;          /* population indices */
  int kind;              /* enum ir_proj_kind */
  const char *name;      /* for messages: the model layer that produced it */
  /* conv: weights [cout][depthwise ? 1 : cin][kh][kw]; dense: [cout][cin] with
   * cin = src population's n (C order) and cout = dst population's n */
  int cout, cin, kh, kw;
  int sh, sw, ph, pw;    /* stride and zero padding */
  int depthwise;         /* conv only: output channel c reads input channel c */
  double *wf;            /* float folded weights */
  int32_t *wq;           /* quantised, in LSBs of wscale[dst channel]; may exceed the
                            weight width: lowering splits into parallel synapses */
  int graded;            /* source sends graded payloads (direct-encoded input) */
  int dly;               /* schedule: axon delay, o_dst - relay_dst - o_src - 1 */
} ir_proj;

typedef struct ir_net {
  const ir_model *model;
  int T;
  int n_pops;
  ir_pop *pops;          /* pops[0] is the input; topological order */
  int n_projs;
  ir_proj *projs;        /* grouped by dst, in pop order */
  int max_offset;
  int n_ticks;           /* T + max_offset */
} ir_net;

const char *ir_layer_type_name(int type);
int ir_layer_type_from_name(const char *name); /* -1 if unknown */

/* Neuron index inside a population: (c*h + y)*w + x. */
static inline int64_t ir_index(const ir_pop *p, int c, int y, int x) {
  return ((int64_t)c * p->h + y) * p->w + x;
}

/* Dumps for --dump=PASS (deterministic text). */
void ir_model_dump(const ir_model *m, FILE *out);
void ir_net_dump(const ir_net *n, FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_IR_H */
