/*
 * sim_models.h - random trained-looking models in model format v1 (docs/model-format.md)
 * for the bit-exactness tests: dense, conv, residual (BN-only shortcut, so parallel
 * synapses), spike-encoded input, and wide fan-in (partial-sum relays on small cores).
 * Written with fabric/npy.h into a temporary folder; weights scaled by 1/sqrt(fan-in)
 * and thresholds chosen so that every layer fires at a moderate rate. One seed
 * determines everything.
 */
#ifndef SIM_MODELS_H
#define SIM_MODELS_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fabric/npy.h"

typedef struct mg {
  char dir[512];
  FILE *yaml;
  uint64_t s;
  int T;
  char files[64][96];
  int n_files;
} mg;

static inline double mg_uniform(mg *g, double lo, double hi) {
  g->s = g->s * 6364136223846793005ull + 1442695040888963407ull;
  return lo + (hi - lo) * (double)(g->s >> 11) / 9007199254740992.0;
}

/* Writes name.npy (float32) with n values in [lo, hi). */
static inline void mg_tensor(mg *g, const char *name, int ndim, const int64_t *shape, double lo,
                      double hi) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  double *v = malloc(sizeof *v * (size_t)n);
  for (int64_t i = 0; i < n; i++) v[i] = mg_uniform(g, lo, hi);
  char path[700];
  glif_err err;
  snprintf(path, sizeof path, "%s/%s.npy", g->dir, name);
  if (npy_write(path, NPY_F32, ndim, shape, v, &err)) fprintf(stderr, "npy: %s\n", err.msg);
  snprintf(g->files[g->n_files++], sizeof g->files[0], "%s.npy", name);
  free(v);
}

static inline void mg_open(mg *g, const char *base, uint64_t seed, int T, const char *name) {
  memset(g, 0, sizeof *g);
  snprintf(g->dir, sizeof g->dir, "%s/simmodel_XXXXXX", base);
  if (!mkdtemp(g->dir)) perror("mkdtemp");
  g->s = seed * 0x9E3779B97F4A7C15ull + 7;
  g->T = T;
  char path[700];
  snprintf(path, sizeof path, "%s/model.yaml", g->dir);
  g->yaml = fopen(path, "w");
  snprintf(g->files[g->n_files++], sizeof g->files[0], "model.yaml");
  fprintf(g->yaml, "glif_model: 1\nname: %s\ntimesteps: %d\nlayers:\n", name, T);
}

static inline void mg_close(mg *g) { fclose(g->yaml); }

/* Removes the folder and everything mg wrote (plus extra file names given). */
static inline void mg_remove(mg *g) {
  char path[700];
  for (int i = 0; i < g->n_files; i++) {
    snprintf(path, sizeof path, "%s/%s", g->dir, g->files[i]);
    unlink(path);
  }
  rmdir(g->dir);
}

static inline void mg_input(mg *g, int c, int h, int w, int spikes) {
  if (h == 1 && w == 1 && !spikes)
    fprintf(g->yaml, "  - {name: x, type: input, shape: [%d], encoding: direct, range: 1.0}\n", c);
  else
    fprintf(g->yaml, "  - {name: x, type: input, shape: [%d, %d, %d], encoding: %s%s}\n", c, h,
            w, spikes ? "spikes" : "direct", spikes ? "" : ", range: 1.0");
}

static inline void mg_linear(mg *g, const char *name, const char *in, int out, int fan_in, double gain) {
  const int64_t ws[2] = {out, fan_in}, bs[1] = {out};
  const double a = gain / sqrt((double)fan_in);
  char w[64], b[64];
  snprintf(w, sizeof w, "%s.weight", name);
  snprintf(b, sizeof b, "%s.bias", name);
  mg_tensor(g, w, 2, ws, -a, a);
  mg_tensor(g, b, 1, bs, -0.1, 0.2);
  fprintf(g->yaml, "  - {name: %s, type: linear, input: %s, weight: %s.npy, bias: %s.npy}\n",
          name, in, w, b);
}

static inline void mg_conv(mg *g, const char *name, const char *in, int cout, int cin, int k,
                    int stride, int pad, double gain) {
  const int64_t ws[4] = {cout, cin, k, k};
  const double a = gain / sqrt((double)(cin * k * k));
  char w[64];
  snprintf(w, sizeof w, "%s.weight", name);
  mg_tensor(g, w, 4, ws, -a, a);
  fprintf(g->yaml, "  - {name: %s, type: conv2d, input: %s, weight: %s.npy, stride: %d, "
                   "padding: %d}\n", name, in, w, stride, pad);
}

static inline void mg_bn(mg *g, const char *name, const char *in, int c, double scale, double wlo,
                  double whi) {
  const int64_t s[1] = {c};
  const char *part[4] = {"weight", "bias", "running_mean", "running_var"};
  const double lo[4] = {wlo, -0.2, -0.1, 0.5}, hi[4] = {whi, 0.2, 0.1, 1.5};
  char t[4][64];
  for (int i = 0; i < 4; i++) {
    snprintf(t[i], sizeof t[i], "%s.%s", name, part[i]);
    mg_tensor(g, t[i], 1, s, lo[i], hi[i]);
  }
  fprintf(g->yaml, "  - {name: %s, type: batchnorm, input: %s, weight: %s.npy, bias: %s.npy, "
                   "running_mean: %s.npy, running_var: %s.npy, scale: %.17g}\n",
          name, in, t[0], t[1], t[2], t[3], scale);
}

static inline void mg_glif(mg *g, const char *name, const char *in, int c) {
  const int64_t s[1] = {c}, cs[2] = {g->T, c};
  const char *part[7] = {"alpha", "beta", "gamma", "tau", "leak", "reVth", "Vth"};
  const double lo[7] = {0.2, 0.2, 0.2, 0.2, 0.0, 0.3, 0.3};
  const double hi[7] = {0.9, 0.9, 0.9, 0.9, 0.1, 0.8, 0.8};
  char t[8][64];
  for (int i = 0; i < 7; i++) {
    snprintf(t[i], sizeof t[i], "%s.%s", name, part[i]);
    mg_tensor(g, t[i], 1, s, lo[i], hi[i]);
  }
  snprintf(t[7], sizeof t[7], "%s.conduct", name);
  mg_tensor(g, t[7], 2, cs, 0.3, 1.0);
  fprintf(g->yaml, "  - {name: %s, type: glif, input: %s, alpha: %s.npy, beta: %s.npy, "
                   "gamma: %s.npy, tau: %s.npy, leak: %s.npy, reVth: %s.npy, Vth: %s.npy, "
                   "conduct: %s.npy}\n",
          name, in, t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
}

static inline void mg_line(mg *g, const char *text) { fprintf(g->yaml, "  - %s\n", text); }

/* ---- the networks ------------------------------------------------------------------------ */

/* x[n_in] -> fc1 -> lif1 -> fc2 -> lif2 -> fc3 -> readout */
static inline void mg_dense(mg *g, int n_in, int h1, int h2, int n_out) {
  mg_input(g, n_in, 1, 1, 0);
  mg_linear(g, "fc1", "x", h1, n_in, 3.0);
  mg_glif(g, "lif1", "fc1", h1);
  mg_linear(g, "fc2", "lif1", h2, h1, 4.0);
  mg_glif(g, "lif2", "fc2", h2);
  mg_linear(g, "fc3", "lif2", n_out, h2, 2.0);
  mg_line(g, "{name: out, type: readout, input: fc3}");
}

/* x[2,8,8] -> conv 3x3 -> bn -> lif1 -> conv 3x3 stride 2 -> lif2 -> avgpool 2 -> fc */
static inline void mg_convnet(mg *g) {
  mg_input(g, 2, 8, 8, 0);
  mg_conv(g, "conv1", "x", 4, 2, 3, 1, 1, 3.0);
  mg_bn(g, "bn1", "conv1", 4, 1.0, 0.5, 1.5);
  mg_glif(g, "lif1", "bn1", 4);
  mg_conv(g, "conv2", "lif1", 8, 4, 3, 2, 1, 4.0);
  mg_glif(g, "lif2", "conv2", 8);
  mg_line(g, "{name: pool, type: avgpool2d, input: lif2, kernel: 2}");
  mg_line(g, "{name: flat, type: flatten, input: pool}");
  mg_linear(g, "fc", "flat", 5, 32, 2.0);
  mg_line(g, "{name: out, type: readout, input: fc}");
}

/* The residual block of docs/model-format.md: the BN-only shortcut's weight is several
 * times the conv's, so it needs parallel synapses; the branches differ in depth. */
static inline void mg_residual(mg *g) {
  mg_input(g, 1, 6, 6, 0);
  mg_conv(g, "conv1", "x", 4, 1, 3, 1, 1, 3.0);
  mg_bn(g, "bn1", "conv1", 4, 1.0, 0.5, 1.5);
  mg_glif(g, "lif1", "bn1", 4);
  mg_conv(g, "conv2", "lif1", 4, 4, 3, 1, 1, 3.0);
  mg_bn(g, "bn2", "conv2", 4, 0.7071067811865476, 0.5, 1.5);
  mg_bn(g, "sc", "lif1", 4, 0.7071067811865476, 4.0, 8.0);
  mg_line(g, "{name: sum, type: add, inputs: [bn2, sc]}");
  mg_glif(g, "lif2", "sum", 4);
  mg_line(g, "{name: pool, type: avgpool2d, input: lif2, kernel: 2}");
  mg_line(g, "{name: flat, type: flatten, input: pool}");
  mg_linear(g, "fc", "flat", 4, 36, 2.0);
  mg_line(g, "{name: out, type: readout, input: fc}");
}

/* Spike-encoded input x[T][3,4,4] -> conv -> lif -> flatten -> fc -> readout */
static inline void mg_spiking_input(mg *g) {
  mg_input(g, 3, 4, 4, 1);
  mg_conv(g, "conv1", "x", 6, 3, 3, 1, 1, 5.0);
  mg_glif(g, "lif1", "conv1", 6);
  mg_line(g, "{name: flat, type: flatten, input: lif1}");
  mg_linear(g, "fc", "flat", 3, 96, 3.0);
  mg_line(g, "{name: out, type: readout, input: fc}");
}

#endif /* SIM_MODELS_H */
