/*
 * sim_int.h - simulator internals shared by its files (not installed, not for callers).
 *
 * What the two engines share is deliberately small: the model tables derived from the
 * image (sim_model.c), the per-packet accumulation and the neuron step (sim_acc.c),
 * the host packet list of a sample (sim_host.c) and the observer hooks. Their
 * scheduling is written twice: sim_event.c (event-driven) and sim_cycle.c +
 * sim_ccore.c (cycle-stepped oracle), so one checks the other.
 */
#ifndef GLIF_SIM_INT_H
#define GLIF_SIM_INT_H

#include <stdint.h>

#include "../fabric/image.h"
#include "../fabric/nrn.h"
#include "sim.h"
#include "sim_core.h"

#define SIM_ACT_ALL UINT32_MAX /* act_off value: the active neurons are 0 .. n-1 */

/* Router ports, in round-robin order (docs/timing.md): Local, North, East, South, West.
 * Input port p of a router receives from the neighbour's output port opposite to p. */
enum { P_L = 0, P_N = 1, P_E = 2, P_S = 3, P_W = 4, P_COUNT = 5 };

/* One used core, as the engines need it. Read-only after sim_model_create. */
typedef struct sim_mcore {
  const img_core *ic;
  uint32_t pos;          /* mesh position y * mesh_x + x */
  uint32_t n;            /* neurons (crossbar columns used) */
  uint32_t n_axons;
  uint32_t row_cycles;   /* ceil(n / L): crossbar read cycles per packet */
  uint8_t *shift;        /* [n] weight shift M of each column's group */
  uint32_t *nnz;         /* [n_axons] non-zero weights of each crossbar row */
  int32_t wmax;          /* largest |w| in the crossbar */
  uint32_t *act_off;     /* [n_ticks] offset of tick h's active list in act_list,
                            or SIM_ACT_ALL */
  uint32_t *act_n;       /* [n_ticks] active neurons in tick h */
  uint16_t *act_list;    /* concatenated sorted lists of active neurons */
  int64_t cap_off;       /* offset of this core's readout capture area, -1 if none */
} sim_mcore;

struct sim_model {
  const img_image *img;
  glif_arch arch;        /* timing and energy in use (image's or the override) */
  nrn_widths w;          /* V, A, F, P_sum */
  uint32_t n_pos;        /* mesh_x * mesh_y */
  int32_t *core_at;      /* [n_pos] index into cores, -1 where no core is used */
  uint32_t n_cores;
  sim_mcore *cores;      /* [n_cores], same order as img->cores */
  uint32_t *tick_off;    /* [n_ticks + 1] per tick, the range in tick_cores */
  uint32_t *tick_cores;  /* indices of the cores with active neurons, per tick */
  int32_t acc_lo, acc_hi;/* accumulator saturation bounds (A bits) */
  int64_t cap_size;      /* neurons of cores that hold readout neurons */
  int64_t sample_size;
  uint32_t max_host;     /* host packets one tick can need */
  uint32_t max_row_cycles;
  uint32_t horizon;      /* event calendar size: a power of two above any delay */
};

/* ---- shared arithmetic (sim_acc.c) ---------------------------------------------- */

/* Accumulates one packet into acc (the D x n accumulators of core mc) for tick h:
 * slot (h + 1 + dly) mod D, every column j with w != 0, saturating to A bits per add.
 * Counts row_reads and synops or macs into n. */
void sim_acc_packet(const sim_model *m, const sim_mcore *mc, int32_t *acc, uint32_t h,
                    const sim_packet *p, sim_counts *n);

/* Steps neuron j of core mc in tick h: reads and clears acc[h mod D][j], calls
 * nrn_step with the gain of the logical step, stores the new state. Returns the step's
 * result; when the neuron is a readout at its last step, also stores u in cap. */
nrn_out sim_step_neuron(const sim_model *m, const sim_mcore *mc, int32_t *acc,
                        int32_t *u, uint8_t *s, int32_t *cap, uint32_t j, uint32_t h);

/* The i-th active neuron of core mc in tick h. */
static inline uint32_t sim_active(const sim_mcore *mc, uint32_t h, uint32_t i) {
  return mc->act_off[h] == SIM_ACT_ALL ? i : mc->act_list[mc->act_off[h] + i];
}

/* ---- host input (sim_host.c) -------------------------------------------------------- */

/* Host packets of one sample: step t (1-based) sends, in tick t - 1, in element then
 * entry order, pk[off[t-1] .. off[t]), or pk[off[0] .. off[1]) at every step when
 * repeat is set (direct encoding: the same image every step). */
typedef struct sim_host {
  sim_packet *pk;        /* [capacity] */
  uint32_t *off;         /* [T + 1] */
  int repeat;
} sim_host;

/* The host packets of tick h: [*begin, *end); empty outside ticks 0 .. T-1. */
static inline void sim_host_range(const sim_host *hs, uint32_t T, uint32_t h,
                                  uint32_t *begin, uint32_t *end) {
  if (h >= T) {
    *begin = *end = 0;
  } else if (hs->repeat) {
    *begin = hs->off[0];
    *end = hs->off[1];
  } else {
    *begin = hs->off[h];
    *end = hs->off[h + 1];
  }
}

int sim_host_create(sim_host *h, const sim_model *m, glif_err *err);
void sim_host_destroy(sim_host *h);
/* Quantises the sample (payload = clamp(round_half_away(x / scale)); spikes: x != 0)
 * into h. Non-finite values: GLIF_ERANGE naming the element. */
int sim_host_fill(sim_host *h, const sim_model *m, const double *sample, glif_err *err);

/* ---- observers ---------------------------------------------------------------------- */

/* Hooks the engines call while they run (all optional). rec_core is the core index
 * whose every event is recorded (-1: none); the rec_* hooks are only called for it. */
typedef struct sim_obs {
  void *ctx;
  int32_t rec_core;
  void (*emit)(void *ctx, uint32_t core, uint32_t neuron, uint32_t tick,
               uint64_t cycle, int32_t payload);
  void (*rec_stepped)(void *ctx, uint32_t tick, uint32_t neuron, int32_t u, uint8_t s);
  void (*rec_in)(void *ctx, uint32_t tick, uint64_t cycle, const sim_packet *p);
  void (*rec_out)(void *ctx, uint32_t tick, uint64_t cycle, const sim_packet *p);
  /* the local router input buffer of the recorded core holds `delta` more packets
   * from cycle `from` on */
  void (*rec_local)(void *ctx, uint32_t tick, uint64_t from, int delta);
  void (*rec_tick)(void *ctx, uint32_t tick, const sim_core_tick *ph);
  void (*tick_done)(void *ctx, uint32_t tick, const sim_tick *t);
} sim_obs;

/* ---- engines -------------------------------------------------------------------------- */

typedef struct sim_ev sim_ev; /* sim_event.c */
typedef struct sim_cy sim_cy; /* sim_cycle.c */

struct sim_engine {
  const sim_model *m;
  int mode;
  sim_result res;
  int32_t *cap;          /* [m->cap_size] readout membranes after their last step */
  sim_host host;
  const sim_obs *obs;
  sim_ev *ev;
  sim_cy *cy;
};

int sim_ev_create(sim_engine *e, glif_err *err);
void sim_ev_destroy(sim_engine *e);
int sim_ev_run(sim_engine *e, glif_err *err);

int sim_cy_create(sim_engine *e, glif_err *err);
void sim_cy_destroy(sim_engine *e);
int sim_cy_run(sim_engine *e, glif_err *err);
int sim_cy_replace_core(sim_engine *e, uint32_t core, const sim_core_ops *ops,
                        void *impl, glif_err *err);
const char *sim_cy_core_name(const sim_engine *e);

/* Attaches observers to the next runs (NULL detaches). */
void sim_engine_observe(sim_engine *e, const sim_obs *obs);

/* ---- event calendar (sim_cal.c) --------------------------------------------------------
 * A calendar queue of component wake-ups for the event-driven engine: a ring of
 * `size` buckets (a power of two), each an intrusive doubly linked list, plus a bitmap
 * of non-empty buckets. A component has at most one pending wake-up: scheduling it
 * again keeps the earlier time (its handler recomputes everything it waits for when it
 * runs). Every pending time lies in [now, now + size). Pops return components in
 * increasing time; within a time, last scheduled first (deterministic). */
typedef struct sim_cal_node {
  uint64_t at;           /* pending time, UINT64_MAX when none */
  int32_t prev, next;    /* list links */
} sim_cal_node;

typedef struct sim_cal {
  uint32_t size, mask;
  int32_t *head;         /* [size] first component of each bucket, -1 */
  uint64_t *bits;        /* [size / 64] non-empty buckets */
  sim_cal_node *node;    /* [n] */
  uint64_t now;
  uint32_t n, pending;
} sim_cal;

int sim_cal_init(sim_cal *c, uint32_t n_components, uint32_t horizon);
void sim_cal_free(sim_cal *c);
void sim_cal_reset(sim_cal *c, uint64_t now);
/* Wakes component i at t (t >= now, t < now + size); keeps an earlier pending time. */
void sim_cal_schedule(sim_cal *c, uint32_t i, uint64_t t);
/* Pops the next component (its time becomes now); -1 when nothing is pending. */
int32_t sim_cal_pop(sim_cal *c);

#endif /* GLIF_SIM_INT_H */
