/*
 * sim.h - the fabric simulator: executes a chip image the way the hardware would.
 *
 * Pipeline position: the last stage. Input: a decoded chip image (fabric/image.h, read
 * by img_read) and input samples; output: spikes, readout outputs, cycle counts,
 * counters, energy and traffic. The cycle-level contract is docs/timing.md; the
 * execution model, modes and counters are described in docs/simulator.md.
 *
 * Objects:
 *   sim_model   read-only tables derived once from an image (shared by threads)
 *   sim_engine  the mutable state of one simulated chip (one per thread); runs one
 *               inference at a time from a clean state
 *   sim_batch   runs many samples over N engines, writes traces and reports
 *
 * Two engines execute the same contract and must agree on every number:
 *   SIM_MODE_EVENT  event-driven: jumps between component wake-ups (default, fast)
 *   SIM_MODE_CYCLE  cycle-stepped: evaluates every component every cycle (the oracle;
 *                   its cores sit behind sim_core_ops so an RTL core can replace them)
 */
#ifndef GLIF_SIM_H
#define GLIF_SIM_H

#include <stdint.h>
#include <stdio.h>

#include "../fabric/arch.h"
#include "../fabric/err.h"
#include "../fabric/image.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sim_mode { SIM_MODE_EVENT = 0, SIM_MODE_CYCLE = 1 };

/* Event counts of one core (or of the chip) over one tick (or a whole run). The first
 * seven are the energy categories of docs/timing.md; the rest explain the timing. */
typedef struct sim_counts {
  uint64_t synops;        /* non-zero weights accumulated from binary packets */
  uint64_t macs;          /* non-zero weights multiplied by a graded payload */
  uint64_t row_reads;     /* packets processed by the input engine */
  uint64_t updates;       /* neurons stepped by the update engine */
  uint64_t spikes;        /* emissions: spikes and graded relay payloads */
  uint64_t packets;       /* packets sent by the output engine (host: by the I/O port) */
  uint64_t hops;          /* packets sent over a router-to-router link from this router */
  uint64_t router_stalls; /* packet-cycles an eligible packet waited in this router */
  uint64_t oe_stalls;     /* cycles the output engine (host: I/O port) held a packet it
                             could not send because the router's input buffer was full */
  uint64_t in_waits;      /* packet-cycles packets waited in the core input buffer */
  uint64_t ue_busy;       /* busy cycles of the update engine */
  uint64_t ie_busy;       /* busy cycles of the input engine */
  uint64_t oe_busy;       /* cycles the output engine (host: I/O port) sent a packet */
} sim_counts;

#define SIM_COUNTS_N 13 /* number of uint64_t fields of sim_counts */

/* One tick of one inference. Cycles are local to the tick (docs/timing.md). */
typedef struct sim_tick {
  uint64_t active;        /* E: first cycle at whose start the whole fabric is idle */
  uint64_t latency;       /* E + barrier_cycles */
  uint64_t update_phase;  /* longest update phase of any core: n_act + S - 1 */
  uint64_t delivery_end;  /* end of the last packet accumulation (0 when none) */
  sim_counts n;           /* all cores and the I/O port, this tick */
} sim_tick;

/* Link directions of a router's output ports, as indexed in sim_result.links. */
enum sim_link { SIM_LINK_N = 0, SIM_LINK_E = 1, SIM_LINK_S = 2, SIM_LINK_W = 3 };

/* Everything one inference produced. Arrays are owned by the engine that filled it. */
typedef struct sim_result {
  uint32_t n_ticks;
  sim_tick *ticks;        /* [n_ticks] */
  uint32_t n_pos;         /* mesh positions, mesh_x * mesh_y */
  sim_counts *cores;      /* [n_pos] per mesh position (core + router), all ticks */
  sim_counts io;          /* the I/O port: packets, oe_stalls, oe_busy */
  uint64_t *links;        /* [n_pos * 4] packets carried per output link (enum sim_link) */
  uint64_t cycles;        /* inference latency: sum of tick latencies */
  uint32_t n_outputs;
  int32_t *readout_u;     /* [n_outputs] membrane after the readout's last step */
  double *outputs;        /* [n_outputs] readout_u * scale */
  int32_t predicted;      /* argmax of outputs, lowest index on ties; -1 if none */
} sim_result;

/* Energy categories in report order. */
enum sim_ecat {
  SIM_E_SYNOP, SIM_E_MAC, SIM_E_ROW_READ, SIM_E_UPDATE, SIM_E_SPIKE, SIM_E_PACKET,
  SIM_E_HOP, SIM_E_BARRIER, SIM_E_STATIC, SIM_E_N
};

/* Energy in pJ per category; total is the sum of the categories in enum order. */
typedef struct sim_energy {
  double cat[SIM_E_N];
  double total;
} sim_energy;

/* ---- model ---------------------------------------------------------------------- */

typedef struct sim_model sim_model;

/* Derives the simulator's tables from img (which must outlive the model). When costs
 * is non-NULL it must be structurally the image's architecture (else GLIF_EARCH from
 * img_check_arch); its clock, barrier and energy figures are then used instead of the
 * image's. Refuses images the engines cannot execute safely (GLIF_ECORRUPT naming the
 * field) even if they did not come from img_read. */
int sim_model_create(sim_model **m, const img_image *img, const glif_arch *costs,
                     glif_err *err);
void sim_model_destroy(sim_model *m);

const img_image *sim_model_image(const sim_model *m);
/* The architecture whose timing and energy are used (the image's or the override). */
const glif_arch *sim_model_arch(const sim_model *m);
/* Values one input sample holds: c*h*w (direct encoding) or T*c*h*w (spikes). */
int64_t sim_model_sample_size(const sim_model *m);

/* Checks an input array against the chip's input: [C,H,W] or [N,C,H,W] (direct
 * encoding), [T,C,H,W] or [N,T,C,H,W] (spikes); vector inputs (H = W = 1) may leave out
 * H and W - the shapes `glif reference` accepts. *n_samples receives N (1 without the
 * batch axis). GLIF_ESHAPE names the expected and the given shape. */
struct npy_array;
int sim_input_samples(const sim_model *m, const struct npy_array *a, const char *path,
                      int64_t *n_samples, glif_err *err);

/* ---- engine --------------------------------------------------------------------- */

typedef struct sim_engine sim_engine;

int sim_engine_create(sim_engine **e, const sim_model *m, int mode, glif_err *err);
void sim_engine_destroy(sim_engine *e);

/* Runs one inference from a clean state (u = s = 0, empty accumulators, buffers and
 * arbiters reset). sample: sim_model_sample_size() float64 values in C order.
 * Non-finite inputs are refused (GLIF_ERANGE naming the element). */
int sim_engine_run(sim_engine *e, const double *sample, glif_err *err);

/* The result of the last run; valid until the next run or destroy. */
const sim_result *sim_engine_result(const sim_engine *e);

/* Name of the core implementation a run uses ("c-model", or a backend's ops name). */
const char *sim_engine_core_name(const sim_engine *e);

/* ---- energy --------------------------------------------------------------------- */

/* Dynamic energy of counts n (the seven event categories; barrier and static 0). */
void sim_energy_of_counts(const glif_arch *a, const sim_counts *n, sim_energy *e);
/* Energy of one tick: its counts, one barrier, static for every mesh core. */
void sim_energy_of_tick(const glif_arch *a, const sim_tick *t, sim_energy *e);
/* Energy of one mesh position over cycles total cycles: its counts plus its static. */
void sim_energy_of_core(const glif_arch *a, const sim_counts *n, uint64_t cycles,
                        sim_energy *e);
/* Energy of a whole inference. */
void sim_energy_of_result(const glif_arch *a, const sim_result *r, sim_energy *e);
/* Totals of the chip over a run (all ticks, cores and the I/O port). */
void sim_counts_total(const sim_result *r, sim_counts *out);
void sim_counts_add(sim_counts *acc, const sim_counts *n);
/* Category name as used in reports ("synop", "mac", ... "static"). */
const char *sim_ecat_name(int cat);
/* Counter name as used in reports ("synops", ... "oe_busy"), i = 0..SIM_COUNTS_N-1. */
const char *sim_counts_name(int i);
uint64_t sim_counts_get(const sim_counts *n, int i);

/* ---- batches, traces and reports --------------------------------------------------- */

struct sim_core_ops;
/* Builds the implementation of core `index` (img->cores order) that replaces the C core
 * model in cycle mode, e.g. the RTL backend (rtl/rtl_backend.h). */
typedef int (*sim_core_factory)(void *ctx, const sim_model *m, uint32_t index,
                                const struct sim_core_ops **ops, void **core,
                                glif_err *err);

typedef struct sim_batch_opts {
  int mode;                 /* enum sim_mode */
  int jobs;                 /* threads, >= 1; results never depend on it */
  const char *trace_path;   /* docs/trace-format.md trace, or NULL */
  const char *vcd_path;     /* spike VCD, or NULL */
  const char *record_path;  /* core record for RTL replay, or NULL */
  int record_x, record_y;   /* the recorded core */
  const char *image_path;   /* for reports and records ("" if none) */
  int progress;             /* progress bar on stderr */
  const char *report_path;  /* run.json, or NULL */
  sim_core_factory core_factory; /* NULL: the C core model; else every core from it
                                    (needs SIM_MODE_CYCLE) */
  void *core_factory_ctx;
} sim_batch_opts;

/* Per-sample summary kept for a batch. */
typedef struct sim_sample {
  int32_t predicted;
  int64_t label;            /* -1 when no labels */
  uint64_t cycles;
  double latency_us;
  sim_energy energy;
  sim_counts total;         /* chip totals of the inference */
  double *outputs;          /* [n_outputs] */
  int32_t *readout_u;       /* [n_outputs] */
} sim_sample;

/* A percentile summary. */
typedef struct sim_stat {
  double mean, min, max, p50, p90, p99;
} sim_stat;

typedef struct sim_batch {
  int64_t n_samples;
  uint32_t n_outputs;
  sim_sample *samples;      /* [n_samples] */
  /* sums over every sample (integers: independent of the order of the threads) */
  uint32_t n_ticks, n_pos;
  sim_tick *ticks;          /* [n_ticks] */
  sim_counts *cores;        /* [n_pos] */
  sim_counts io;
  uint64_t *links;          /* [n_pos * 4] */
  uint64_t cycles;
  /* aggregates */
  int has_labels;
  int64_t correct;
  double accuracy;
  sim_stat latency_cycles, latency_us, energy_pj;
  const char *core_model;   /* implementation of the cores ("c-model", "rtl", ...) */
} sim_batch;

/* Runs samples [n_samples x sample_size] (labels may be NULL). Writes the requested
 * trace, VCD, record and report to temporary files and renames them all only when
 * everything succeeded: on error no output file is left behind. */
int sim_batch_run(const sim_model *m, const sim_batch_opts *o, const double *samples,
                  int64_t n_samples, const int64_t *labels, sim_batch **out,
                  glif_err *err);
void sim_batch_free(sim_batch *b);

/* run.json (docs/run-report.md), written to a temporary file and renamed. */
int sim_report_write(const char *path, const sim_model *m, const sim_batch_opts *o,
                     const sim_batch *b, glif_err *err);
/* The same into an open stream. */
int sim_report_print(FILE *f, const sim_model *m, const sim_batch_opts *o,
                     const sim_batch *b, glif_err *err);
/* The human summary for the terminal. */
void sim_summary_print(FILE *out, const sim_model *m, const sim_batch_opts *o,
                       const sim_batch *b);

const char *sim_mode_name(int mode);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_SIM_H */
