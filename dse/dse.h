/*
 * dse.h - design-space exploration: sweep fabric designs for one trained model and say,
 * for each design, whether the model fits and what it costs.
 *
 * Pipeline position: on top of everything else. For every point of a design space the
 * sweep builds an architecture (fabric/arch.h), compiles the model in memory
 * (compiler/compile.h: front end, design-rule checks, partition, place, route; no file
 * is written), simulates the chip image on input samples (simulator/sim.h, event mode),
 * compares the chip's spikes with the golden model (compiler/reference.h) and prices
 * the core with the RTL-derived area model. Results are rows of plain numbers, written
 * as CSV, JSON, a terminal table and an SVG plot; the Pareto-optimal designs (energy,
 * latency, area) are marked. docs/dse.md describes the syntax and every column.
 *
 * Objects:
 *   dse_space  the design space: axes (each a list of settings of one or more
 *              architecture fields), ties (a field that copies another), auto mesh
 *   dse_sweep  one sweep of a space for one model and one set of input samples;
 *              evaluates points on N threads (results never depend on N), or only the
 *              points of one rank of a distributed run
 *   dse_row    the result of one point (plain struct)
 *
 * Determinism: points are numbered in a fixed order (the first axis varies slowest);
 * each point is compiled and simulated from scratch (a shared front end is read-only),
 * so a row depends only on its point, never on the thread or rank that computed it.
 */
#ifndef GLIF_DSE_H
#define GLIF_DSE_H

#include <stdint.h>
#include <stdio.h>

#include "../fabric/arch.h"
#include "../fabric/err.h"
#include "../simulator/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DSE_MAX_COLS 32      /* swept fields (columns) of one space */
#define DSE_MAX_SET 8        /* fields one setting assigns (mesh=8x8 assigns 2) */
#define DSE_MAX_POINTS 100000 /* points of one space: a row takes ~1 KiB and a point
                                 a fraction of a second at best; larger sweeps are
                                 better run as several */
#define DSE_REASON_MAX 512   /* first line of a design-rule or validation message */

/* ---- the design space --------------------------------------------------------------- */

typedef struct dse_space dse_space;

int dse_space_create(dse_space **s, glif_err *err);
void dse_space_destroy(dse_space *s);

/* Adds an axis from command-line text "FIELDS=VALUES":
 *   FIELDS  one architecture field by its YAML path (core.neurons), several joined by
 *           commas (core.neurons,core.axons: all get each value), or "mesh" (sets
 *           mesh.x and mesh.y)
 *   VALUES  comma-separated items; an item is a number, a range LO:HI:STEP (arithmetic,
 *           STEP > 0; LO:HI means step 1), LO:HI:xF (geometric, factor F > 1), and for
 *           mesh XxY or N (= NxN); ranges of mesh give square meshes.
 * Unknown fields get "did you mean"; values are checked as the YAML loader would
 * (arch_set), so a bad value gets the architecture's range message. `where` prefixes
 * messages (e.g. "--sweep"). */
int dse_space_add_axis(dse_space *s, const char *spec, const char *where, glif_err *err);

/* "DST=SRC": after a point's settings, field DST takes the value of field SRC
 * (core.axons=core.neurons: square crossbars). Applied in the order given. */
int dse_space_add_tie(dse_space *s, const char *spec, const char *where, glif_err *err);

/* One explicit point, "F1=V1;F2=V2;..." (mesh=XxY allowed): the explicit points form
 * one more axis, combined with the others like any axis. */
int dse_space_add_point(dse_space *s, const char *spec, const char *where, glif_err *err);

/* Auto mesh: the mesh of every point is the smallest square mesh holding the cores the
 * compiled model needs (the sweep finds it from the design-rule check). Refused when an
 * axis sets mesh.x or mesh.y. */
int dse_space_set_auto_mesh(dse_space *s, int on, glif_err *err);
int dse_space_auto_mesh(const dse_space *s);

/* Loads a sweep file (YAML, docs/dse.md): axes (sweep:), ties (tie:), explicit points
 * (points:), auto_mesh, and optionally the base architecture (arch:) and the sample
 * count (samples:), returned in *arch_out (NULL if absent; owned by the space) and
 * *samples_out (0 if absent). Errors carry file:line:col. */
int dse_space_load(dse_space *s, const char *path, const char **arch_out,
                   int64_t *samples_out, glif_err *err);

/* Number of points (the product of the axes' lengths; 1 with no axis). Fails when
 * the product exceeds DSE_MAX_POINTS or an axis is empty. */
int dse_space_count(const dse_space *s, int64_t *n, glif_err *err);

/* Columns: the fields the space sets, in order of first appearance (axes in order, a
 * tie's source then its target). */
int dse_space_n_cols(const dse_space *s);
const arch_field *dse_space_col(const dse_space *s, int col);
/* Text of the column header: "core.neurons". */
void dse_space_col_name(const dse_space *s, int col, char *buf, size_t size);

/* Architecture of point i (0 <= i < count): base, then the point's settings, then the
 * ties, then arch_validate. Returns 0, or GLIF_ERANGE etc. with the reason when the
 * point is not a valid architecture (the architecture is still filled as far as it
 * could be, for the columns). */
int dse_space_arch(const dse_space *s, const glif_arch *base, int64_t i, glif_arch *a,
                   glif_err *err);

/* The architecture field path (or "mesh") closest to a mistyped one, or NULL when none
 * is close: "core.neuron" -> "core.neurons", "buffer" -> "router.buffer". The text is
 * valid until the calling thread's next call. */
const char *dse_field_guess(const char *path);

/* ---- the area model ------------------------------------------------------------------ */

/* Area of one tile (core + router) and of the chip from the RTL-derived model
 * (docs/dse.md): the RTL's exact memory formula, its register count, and logic cells
 * fitted to the yosys figures of rtl/area_model.csv (embedded at build time; without
 * it, a documented prior). Areas in um^2 except chip in mm^2. */
typedef struct dse_area {
  double logic_cells;   /* generic gates of the core's logic (yosys cells) */
  double flipflops;     /* flip-flop bits of the core */
  double memory_bits;   /* RAM bits of the core */
  double logic_um2;     /* logic_cells x gate area */
  double ff_um2;        /* flipflops x flip-flop area */
  double memory_um2;    /* memory_bits x bit-cell area / array efficiency */
  double router_um2;    /* the core's router: buffers and switch (estimate) */
  double core_um2;      /* logic + flip-flops + memory + router: one mesh tile */
  double chip_mm2;      /* core_um2 x mesh cores / 1e6 */
} dse_area;

/* One synthesised core configuration (a row of rtl/area_model.csv). */
typedef struct dse_area_sample {
  double neurons, axons, weight_bits, v_bits, a_bits;
  double cells, flipflops, memory_bits;
} dse_area_sample;

#define DSE_AREA_NF 5
typedef struct dse_area_model {
  int from_rtl;                 /* 1: fitted to RTL figures; 0: the prior alone */
  int n_samples;                /* rows fitted */
  double cells[DSE_AREA_NF];    /* logic cells = cells . dse_area_features() */
  double ff_control;            /* flip-flops beyond dse_area_counted_flipflops() */
  double max_rel_error;         /* worst |model - synthesised| / synthesised over the
                                   rows: cells, flip-flops and memory bits */
} dse_area_model;

/* Logic features: 1, neurons N, lane multipliers L x W x PW (PW: the wire payload, the
 * larger of the two payload widths), lane accumulators L x A, datapath V + A. */
void dse_area_features(const glif_arch *a, double f[DSE_AREA_NF]);
/* RAM bits of the RTL core with xw, yw mesh coordinate bits (docs/area-model.md). */
double dse_area_memory_bits(const glif_arch *a, double xw, double yw);
/* Flip-flops of the RTL's registers (group map, pending vector, first ticks, pipeline,
 * counters), without the control bits the fit adds. */
double dse_area_counted_flipflops(const glif_arch *a);
/* Fits rows (glif-256 defaults for every field the rows do not give, P = PW = V as
 * scripts/synth.sh synthesises them); n >= 1, else GLIF_ERANGE. */
int dse_area_fit(const dse_area_sample *rows, int n, dse_area_model *m, glif_err *err);
/* The prior alone (what the model is with no table). */
void dse_area_prior(dse_area_model *m);
/* The built-in model: fitted to the embedded table if there was one at build time,
 * else the prior. Computed once, thread-safe. */
const dse_area_model *dse_area_builtin(void);
/* Area of an architecture under model m. */
void dse_area_eval(const dse_area_model *m, const glif_arch *a, dse_area *out);
/* One line saying where the figures come from. */
const char *dse_area_source(const dse_area_model *m);

/* Technology constants of the area model (28 nm; sources in docs/dse.md). */
#define DSE_UM2_PER_SRAM_BIT 0.127   /* 6T high-density bit cell, TSMC 28 nm (VLSI 2009) */
#define DSE_SRAM_EFFICIENCY 0.5      /* bit cells / macro area of small SRAM macros */
#define DSE_UM2_PER_GATE 0.366       /* NAND2-equivalent: 1 / 3900 kgate/mm^2 / 0.7 util */
#define DSE_GATES_PER_CELL 1.5       /* NAND2 equivalents of one generic yosys cell */
#define DSE_GATES_PER_FF 5.0         /* NAND2 equivalents of one D flip-flop with enable */

/* ---- one point's result ------------------------------------------------------------------ */

enum dse_status { DSE_FITS = 0, DSE_NOFIT = 1, DSE_INVALID = 2, DSE_ERROR = 3 };

typedef struct dse_row {
  int64_t index;              /* point number, 0-based */
  int status;                 /* enum dse_status */
  char reason[DSE_REASON_MAX];/* why not fits: first line of the message ("" if fits) */
  double swept[DSE_MAX_COLS]; /* effective value of each swept field */
  uint32_t mesh_x, mesh_y;    /* the mesh compiled for (auto mesh: the one chosen) */

  /* compile (fits only, else 0) */
  uint64_t cores_used;        /* cores holding a tile */
  uint64_t mesh_cores;        /* mesh_x * mesh_y */
  uint64_t neurons;           /* compiled neurons, relays included */
  uint64_t relay_neurons;     /* partial-sum relay neurons */
  uint64_t relay_layers;
  uint64_t synapses;          /* the model's non-zero synapses, before parallel copies */
  uint64_t crossbar_cells;    /* used rows x used columns over all cores */
  uint64_t crossbar_nonzero;  /* non-zero crossbar weights */
  uint64_t fanout_entries;    /* over all cores */
  uint64_t input_entries;     /* host input map entries */
  uint64_t image_bytes;       /* size the chip image file would have */
  double crossbar_fill;       /* nonzero / cells (0..1) */
  double chip_fill;           /* nonzero / (cores used x axons x neurons) */

  /* simulation: means per inference over the samples (fits only) */
  int64_t samples;
  double latency_cycles, latency_us;
  double energy_pj;           /* total, = sum of energy_cat */
  double energy_cat[SIM_E_N]; /* by category, enum sim_ecat order */
  double accuracy;            /* 0..1; negative when there are no labels */
  int64_t correct;            /* samples classified as labelled (-1 without labels) */
  int64_t golden_equal;       /* samples whose spike trace equals the golden model's */
  double spike_agreement;     /* matching spikes / spikes of either (1 when both 0) */
  double spikes, packets, hops, router_stalls; /* chip totals, mean per inference */
  double busiest_link;        /* packets on the busiest link, mean per inference */
  uint32_t busiest_x, busiest_y; /* its router */
  int busiest_dir;            /* its direction, enum sim_link; -1 when no traffic */

  /* area (every valid point) */
  dse_area area;
  double edp_uj_us;           /* energy (uJ) x latency (us) */
  int pareto;                 /* 1: no fitting point is at least as good on energy,
                                 latency, chip area (and accuracy, with labels) and
                                 better on one */

  /* wall time (not deterministic; left out with --no-timing) */
  double compile_s, sim_s;
} dse_row;

const char *dse_status_name(int status);

/* Marks rows[i].pareto among the rows with status DSE_FITS: minimise energy_pj,
 * latency_us and area.chip_mm2, and maximise accuracy between rows that both have one
 * (correct >= 0). Equal rows are all Pareto-optimal. */
void dse_pareto_mark(dse_row *rows, int64_t n);

/* ---- the sweep --------------------------------------------------------------------------- */

typedef struct dse_options {
  const char *model_path;     /* model.yaml */
  const char *arch;           /* base architecture: file or preset (NULL = glif-256) */
  const char *calibrate_path; /* calibration inputs for the quantiser, or NULL */
  const char *input_path;     /* samples (.npy), or NULL: synthetic input */
  const char *labels_path;    /* labels (.npy), or NULL */
  int64_t samples;            /* samples per point: first N of the input (0 = 8) */
  uint64_t seed;              /* synthetic input seed */
  int synthetic_zeros;        /* synthetic input: zeros instead of random values */
  int jobs;                   /* threads over points, >= 1 */
  int progress;               /* progress line on stderr */
  int reuse_front;            /* share the front end between points (default on) */
  int golden;                 /* compare spikes with the golden model (default on) */
  int rank, n_ranks;          /* evaluate only points i with i % n_ranks == rank */
} dse_options;

void dse_options_default(dse_options *o);

typedef struct dse_sweep dse_sweep;

/* Checks the model, the input and the labels once (errors here are fatal: the model
 * cannot be read, the input has the wrong shape, ...) and numbers the points. */
int dse_sweep_create(dse_sweep **sw, const dse_options *o, const dse_space *s,
                     glif_err *err);
void dse_sweep_destroy(dse_sweep *sw);

/* Evaluates the points of this rank. Point failures (invalid, does not fit) become
 * rows; only fatal problems (out of memory, a temporary folder that cannot be made)
 * return an error. */
int dse_sweep_run(dse_sweep *sw, glif_err *err);

/* All rows, in point order (rows of other ranks are zero until merged). */
int64_t dse_sweep_n_rows(const dse_sweep *sw);
dse_row *dse_sweep_rows(dse_sweep *sw);
const dse_space *dse_sweep_space(const dse_sweep *sw);
/* What the sweep ran on, for reports. */
const char *dse_sweep_input_desc(const dse_sweep *sw); /* "x.npy" or "random(seed=1)" */
const char *dse_sweep_model_name(const dse_sweep *sw);
const glif_arch *dse_sweep_base(const dse_sweep *sw);
int dse_sweep_has_labels(const dse_sweep *sw);

/* Evaluates one point into row (used by dse_sweep_run; exposed for tests). */
int dse_sweep_point(dse_sweep *sw, int64_t i, dse_row *row, glif_err *err);

/* ---- distributing points over ranks (MPI) ----------------------------------------------- */

/* 1 when point i belongs to rank r of n (round-robin). */
static inline int dse_rank_owns(int64_t i, int r, int n) { return n <= 1 || i % n == r; }

/* Serialises the rows of rank r (those dse_rank_owns) into a byte buffer (exact:
 * doubles travel as their bits); dse_unpack_rows stores them at their indices. */
int dse_pack_rows(const dse_row *rows, int64_t n, int r, int n_ranks, unsigned char **buf,
                  size_t *size, glif_err *err);
int dse_unpack_rows(const unsigned char *buf, size_t size, dse_row *rows, int64_t n,
                    glif_err *err);

/* ---- output -------------------------------------------------------------------------------- */

typedef struct dse_out_opts {
  int timing;                 /* include compile_s and sim_s */
} dse_out_opts;

/* The CSV's header line: the swept fields, then the fixed columns of docs/dse.md. */
int dse_csv_header(FILE *f, const dse_space *s, const dse_out_opts *o);
int dse_csv_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n,
                  const dse_out_opts *o);
int dse_json_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n,
                   const dse_out_opts *o, glif_err *err);
/* The terminal table: one line per point, Pareto points marked with '*'. */
void dse_table_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n);
/* SVG: energy vs latency and energy vs chip area, Pareto points highlighted. */
int dse_plot_print(FILE *f, const dse_sweep *sw, const dse_row *rows, int64_t n);

/* Writes through fn into a temporary file beside path and renames it: no partial file
 * on error. */
typedef int (*dse_writer_fn)(FILE *f, void *ctx, glif_err *err);
int dse_write_atomic(const char *path, dse_writer_fn fn, void *ctx, glif_err *err);

/* ---- the command (shared by `glif dse` and `glif-dse-mpi`) ------------------------------- */

/* Distribution hook: called by every rank after its points ran (local_rc: 0 or the
 * rank's error; rows may be NULL when the rank failed before the sweep). It must fail
 * on every rank when one rank failed, and leave every row in rows at rank 0 (MPI
 * gathers them). NULL for a single process. */
typedef struct dse_dist {
  int rank, n_ranks;
  int (*gather)(void *ctx, dse_row *rows, int64_t n, int local_rc, glif_err *err);
  void *ctx;
} dse_dist;

/* Runs `glif dse` with argv (argv[0] = "dse"); returns the exit status (0, 1 error,
 * 2 usage). Output files are written by rank 0 only. */
int dse_command(int argc, char **argv, const dse_dist *dist);
void dse_usage(FILE *out);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_DSE_H */
