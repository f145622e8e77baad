/*
 * dse_sweep.h - the sweep's inner state, shared by sweep.c (setup, threads, progress)
 * and eval.c (one point). Internal to dse/.
 */
#ifndef GLIF_DSE_SWEEP_H
#define GLIF_DSE_SWEEP_H

#include "dse_int.h"

struct dse_sweep {
  dse_options o;
  const dse_space *space;
  glif_arch base;             /* the base architecture, resolved */
  int64_t n_points;
  dse_row *rows;              /* [n_points] */
  char model_name[64];
  char input_desc[600];       /* "x.npy" or "random(seed=1)" */
  double *samples;            /* [n_samples * sample_size] */
  int64_t n_samples, sample_size;
  int64_t *labels;            /* [n_samples] or NULL */
  char tmpdir[4096];          /* private temporary folder (golden and chip traces) */
  dse_fcache *fcache;
  /* run state (threads) */
  pthread_mutex_t mu;
  int64_t next;               /* next entry of `todo` to hand out */
  int64_t *todo;              /* point indices of this rank */
  int64_t n_todo, done, fits;
  int failed;                 /* a fatal error stopped the sweep */
  glif_err fatal;
  double t_start;
};

/* One point in flight (eval.c). */
typedef struct dse_point {
  glif_arch arch;             /* the point's architecture (auto mesh: with its mesh) */
  dse_front *front;           /* shared front end (released when done) */
  cc_options opt;
  cc_ctx ctx;                 /* back end */
  int have_ctx, have_img;
  img_image img;              /* the chip image, in memory */
  sim_model *model;
  sim_batch *batch;
} dse_point;

#endif /* GLIF_DSE_SWEEP_H */
