/*
 * compile.h - the compiler driver: one context, one pass signature, one list.
 *
 *   load -> check -> fold -> quantise -> schedule -> lower -> drc
 *        -> partition -> place -> route -> emit
 *
 * Every pass is `int pass(cc_ctx *, glif_err *)`, returns 0 or a negative GLIF_E*
 * code, and may be dumped with --dump=NAME (its dump function prints the IR it left).
 * In debug builds the driver runs each pass's invariant check after it (QBE's ssacheck).
 * load..schedule live in compiler/ (front end), lower and drc in compiler/, partition,
 * place and route in mapping/, emit in mapping/emit.c.
 */
#ifndef GLIF_COMPILE_H
#define GLIF_COMPILE_H

#include <stdio.h>

#include "../fabric/arch.h"
#include "../fabric/err.h"
#include "../fabric/mem.h"
#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cc_options {
  const char *model_path;     /* model.yaml */
  const char *arch_path;      /* architecture file or preset name (NULL = glif-256) */
  const char *out_path;       /* chip image to write (NULL: stop before emit) */
  const char *report_path;    /* compile.json (NULL: none) */
  const char *calibrate_path; /* .npy calibration inputs (NULL: none) */
  const char *dump;           /* pass name to dump, "all", or NULL */
  const char *stop_after;     /* pass name to stop after, or NULL */
  FILE *dump_out;             /* where dumps go (stdout when NULL) */
  int quiet;                  /* no terminal summary */
  int progress;               /* show progress on a terminal */
  const char *partition;      /* partitioner: "greedy" (NULL) or "metis" */
  const char *place;          /* placer: "hilbert" (NULL), "snake" or "rowmajor" */
  int no_timing;              /* compile.json without wall times and memory */
} cc_options;

/* Calibration inputs, as float64 samples in the input population's layout. */
typedef struct cc_calib {
  int64_t n_samples;
  int64_t sample_size;  /* c*h*w (direct) or T*c*h*w (spikes) */
  double *data;         /* [n_samples * sample_size] */
} cc_calib;

/* Wall time and memory of one pass, for compile.json and the summary. */
typedef struct cc_pass_stat {
  double seconds;
  size_t arena_bytes;   /* arena in use after the pass */
  size_t peak_rss_kb;   /* process peak RSS after the pass */
} cc_pass_stat;

struct lw_net;       /* lowered network: compiler/lower.h */
struct map_result;   /* cores, placement, routes: mapping/map.h */

typedef struct cc_ctx {
  const cc_options *opt;
  glif_arch arch;
  glif_arena *arena;         /* everything of this compilation */
  ir_model *model;           /* load */
  cc_calib calib;            /* load (when --calibrate) */
  ir_net *net;               /* fold, quantise, schedule */
  struct lw_net *lowered;    /* lower */
  struct map_result *map;    /* partition, place, route */
  glif_err notes;            /* design-rule notes and warnings (not errors) */
  int n_passes_run;
  cc_pass_stat stats[16];
} cc_ctx;

typedef int (*cc_pass_fn)(cc_ctx *ctx, glif_err *err);
typedef void (*cc_dump_fn)(const cc_ctx *ctx, FILE *out);
typedef int (*cc_check_fn)(const cc_ctx *ctx, glif_err *err);

typedef struct cc_pass {
  const char *name;
  cc_pass_fn run;
  cc_dump_fn dump;    /* may be NULL */
  cc_check_fn check;  /* invariant check, debug builds; may be NULL */
} cc_pass;

/* The passes, in order, NULL-name terminated. */
extern const cc_pass cc_passes[];

int cc_pass_load(cc_ctx *ctx, glif_err *err);
int cc_pass_check(cc_ctx *ctx, glif_err *err);
int cc_pass_fold(cc_ctx *ctx, glif_err *err);
int cc_pass_quantise(cc_ctx *ctx, glif_err *err);
int cc_pass_schedule(cc_ctx *ctx, glif_err *err);
int cc_pass_lower(cc_ctx *ctx, glif_err *err);
int cc_pass_drc(cc_ctx *ctx, glif_err *err);
int cc_pass_partition(cc_ctx *ctx, glif_err *err);
int cc_pass_place(cc_ctx *ctx, glif_err *err);
int cc_pass_route(cc_ctx *ctx, glif_err *err);
int cc_pass_emit(cc_ctx *ctx, glif_err *err);

/* Dumps and invariant checks of the passes (NULL-able in the table). */
void cc_dump_model(const cc_ctx *ctx, FILE *out);
void cc_dump_net(const cc_ctx *ctx, FILE *out);
void cc_dump_lowered(const cc_ctx *ctx, FILE *out);
void cc_dump_map(const cc_ctx *ctx, FILE *out);

/* Sets up ctx (arena, architecture) from opt. */
int cc_init(cc_ctx *ctx, const cc_options *opt, glif_err *err);
/* Runs the passes in order (up to opt->stop_after, or emit when out_path is set,
 * else route). Dumps as requested. */
int cc_run(cc_ctx *ctx, glif_err *err);
void cc_destroy(cc_ctx *ctx);

/* Runs the front end only (load .. schedule): what `glif reference` needs. */
int cc_run_front(cc_ctx *ctx, glif_err *err);

#ifdef __cplusplus
}
#endif
#endif /* GLIF_COMPILE_H */
