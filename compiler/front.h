/*
 * front.h - internals shared by the compiler front end's passes (load, check, fold,
 * quantise, schedule) and the golden model. Not a public interface: the contracts
 * other stages rely on are ir.h, compile.h and reference.h.
 *
 *   front_yaml.c   YAML document with 1-based positions, typed scalars, tensors
 *   model.c        the load pass (ir_model) and the input/calibration sample layout
 *   check.c fold.c quant.c sched.c   the other passes
 *   front_check.c  invariants of ir_net between passes
 */
#ifndef GLIF_FRONT_H
#define GLIF_FRONT_H

#include <math.h>
#include <stdint.h>
#include <yaml.h>

#include "../fabric/arch.h"
#include "../fabric/err.h"
#include "../fabric/mem.h"
#include "../fabric/npy.h"
#include "ir.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- YAML documents with positions (front_yaml.c) ------------------------------ */

typedef struct front_yaml {
  yaml_document_t doc;
  int loaded;            /* doc must be deleted */
  const char *path;      /* the file, for messages */
  const char *text;      /* its bytes (to explain scanner errors, e.g. a tab) */
  size_t len;
  glif_arena *arena;     /* strings and tensors handed out live here */
  glif_err *err;
} front_yaml;

/* Reads and parses path; the root node is a mapping or an error is returned. */
int front_yaml_load(front_yaml *y, const char *path, glif_arena *arena, glif_err *err);
void front_yaml_free(front_yaml *y);
yaml_node_t *front_yaml_root(front_yaml *y);
yaml_node_t *front_node(front_yaml *y, int index);

/* 1-based position of a node. */
ir_pos front_pos(const yaml_node_t *n);

/* Fails with "path:line:col: message" at node n (n may be NULL: no position). */
int front_fail(front_yaml *y, const yaml_node_t *n, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* The closest of cands (NULL-terminated) to word, or NULL when none is close. */
const char *front_suggest(const char *word, const char *const *cands);

/* Typed scalars. `what` names the value in messages ("'stride' of layer conv1"). */
int front_string(front_yaml *y, yaml_node_t *n, const char *what, const char **out);
int front_int(front_yaml *y, yaml_node_t *n, const char *what, long lo, long hi,
              int *out);
int front_double(front_yaml *y, yaml_node_t *n, const char *what, double *out);
/* An int or a pair [a, b], each >= lo: out[0], out[1]. */
int front_pair(front_yaml *y, yaml_node_t *n, const char *what, int lo, int out[2]);

/* A tensor value: a file name ending in .npy (relative to dir), a number, or a
 * (nested) list of numbers. NaN and Inf are refused with the flat index. */
int front_tensor(front_yaml *y, yaml_node_t *n, const char *dir, const char *what,
                 ir_tensor *t);

/* ---- samples (model.c) ----------------------------------------------------------- */

/* Checks an input array against the input layer: direct encoding takes one sample
 * [C,H,W] (or [C] when H = W = 1) or a batch [N, ...]; spikes encoding [T, C, H, W]
 * or [N, T, C, H, W]. *n_samples receives N (1 for a single sample). */
int front_input_samples(const ir_layer *input, int T, const npy_array *a,
                        const char *path, int64_t *n_samples, glif_err *err);

/* ---- invariants (front_check.c) ------------------------------------------------- */

enum front_stage { FRONT_FOLDED = 0, FRONT_QUANTISED = 1, FRONT_SCHEDULED = 2 };

/* Checks what every consumer of ir_net relies on after fold, quantise or schedule
 * (shapes of projections against populations, topological order, finite parameters,
 * scales and shifts in range, offsets and delays consistent). GLIF_EINTERNAL if not. */
int front_check_net(const ir_net *n, const glif_arch *a, int stage, glif_err *err);

/* round(v) with halves away from zero (the quantiser's and the golden model's rule). */
static inline double front_round(double v) { return round(v); }

#ifdef __cplusplus
}
#endif
#endif /* GLIF_FRONT_H */
